#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# upgradeVSM, upgradeCHSM, restartCHSM and persisted callbacks end to end, driven as the cloud platform drives them
# (ccsp chsm keygen|configure|package|sign|call|callbacks): packages of the test release in testrel/ (the same
# daemons reporting another version) served over loopback HTTP by pkg_server; a bad signature (nothing changes,
# callback 400), a vsmd and a chsmd that cannot start (rolled back, callback 500, the old version runs), good
# upgrades (the version changes and stays changed across a restart of chsmd), 409 while an upgrade is in flight,
# restartCHSM (its callback after the restart, the VSM running again), and a callback pending while chsmd is killed
# with SIGKILL, delivered by the next chsmd. Loopback only, ports chosen by the kernel, bounded waits.
. "$(dirname "$0")/common.sh"
BIN=$(dirname "$CCSP")
REL=$BIN/../testrel
CHSMD=$BIN/chsmd
if [ ! -x "$CHSMD" ] || [ ! -x "$REL/chsmd" ] || [ ! -x "$REL/vsmd" ] || [ ! -x "$BIN/pkg_server" ]; then
	echo "skip: chsmd, the test release or pkg_server not built"
	finish
fi
OLDV=$("$CHSMD" --version | sed 's/^chsmd //')
NEWV=$("$REL/chsmd" --version | sed 's/^chsmd //')
D=$T/chsm
W=$T/www
mkdir -p "$W"
CPID=""
PIDS=""
cleanup() {
	if [ -n "$CPID" ] && kill -0 "$CPID" 2>/dev/null; then
		kids=$(pgrep -P "$CPID")
		kill -TERM "$CPID"
		i=0
		while [ $i -lt 300 ] && kill -0 "$CPID" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$CPID" $kids 2>/dev/null
	fi
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
}
trap cleanup EXIT

# wait_for FILE PATTERN [TENTHS]: until FILE has a line matching PATTERN (default 60 s).
wait_for() {
	i=0
	while [ $i -lt "${3:-600}" ] && ! grep -q "$2" "$1" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	grep -q "$2" "$1" 2>/dev/null
}
listens() { grep -c '^chsmd: listening on port' "$T/chsmd.out"; }
# wait_up N: until chsmd has printed its Nth "listening" line (each start, restart and exec prints one).
wait_up() {
	i=0
	while [ $i -lt 900 ] && [ "$(listens)" -lt "$1" ] && kill -0 "$CPID" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	[ "$(listens)" -ge "$1" ]
}
start_chsmd() {
	n=$(($(listens) + 1))
	"$CHSMD" --dir "$D" >>"$T/chsmd.out" 2>&1 &
	CPID=$!
	wait_up $n
}
stop_chsmd() {
	kill -TERM "$CPID"
	wait "$CPID"
}
call() { "$CCSP" chsm call $C "$@" >"$T/r" 2>"$T/err"; }
field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" "$T/r"; }
# cb RID PATTERN: the callback of request RID arrives (within 120 s) and matches PATTERN.
cb() { wait_for "$T/cb" "\"requestId\":\"$1\"" 1200 && grep "\"requestId\":\"$1\"" "$T/cb" | grep -q "$2"; }
# after_up RID: chsmd logged the delivery of RID's callback after its latest "listening" line.
after_up() {
	up=$(grep -n '^chsmd: listening on port' "$T/chsmd.out" | tail -1 | cut -d: -f1)
	sent=$(grep -n "\"event\":\"chsm.callback\".*\"requestId\":\"$1\"" "$T/chsmd.out" | tail -1 | cut -d: -f1)
	[ -n "$sent" ] && [ "$sent" -gt "$up" ]
}
# has RE: the last answer matches RE.
has() { grep -q "$1" "$T/r"; }
chsm_version() { call chsm info && field version; }
vsm_info() { call vsm info --vsm "$VSM"; }
vsm_ok() { # until the VSM is running (up to 60 s)
	i=0
	while [ $i -lt 600 ]; do
		call vsm status --vsm "$VSM" && grep -q '"status":"ok"' "$T/r" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# ---- a CHSM, the platform key, the callback receiver, the package server ----
: >"$T/chsmd.out"
check "chsmd --init" "$CHSMD" --init "$D" --listen 127.0.0.1:0 >/dev/null
sed -i 's/^vsm_port_base = .*/vsm_port_base = 0/' "$D/chsmd.conf"
start_chsmd || { fail "chsmd did not start: $(cat "$T/chsmd.out")"; finish; }
port=$(sed -n 's/^chsmd: listening on port \([0-9]*\).*/\1/p' "$T/chsmd.out" | tail -1)
stop_chsmd
sed -i "s/^listen = .*/listen = 127.0.0.1:$port/" "$D/chsmd.conf" # a fixed port: execs bind it again
start_chsmd || { fail "chsmd did not restart on port $port"; finish; }
C="--url https://127.0.0.1:$port --key $T/p.pem --cacert $D/tls-cert.pem"
"$CCSP" chsm keygen --out "$T/p.pem" && "$CCSP" chsm keygen --out "$T/x.pem"
check "configure the platform key" "$CCSP" chsm configure $C >/dev/null
check "getCHSMInfo: version $OLDV" [ "$(chsm_version)" = "$OLDV" ]
field devicePublicKey | base64 -d >"$T/dev.der"
"$CCSP" chsm callbacks --listen 127.0.0.1:0 --count 100 --timeout 900 --out "$T/cb" --device-key "$T/dev.der" \
	>"$T/cbport" 2>"$T/cb.err" &
PIDS="$PIDS $!"
"$BIN/pkg_server" "$W" "$T/www.log" 900 >"$T/pkgport" &
PIDS="$PIDS $!"
wait_for "$T/cbport" . 50 && wait_for "$T/pkgport" . 50
CB=http://127.0.0.1:$(head -1 "$T/cbport")/cb
P=http://127.0.0.1:$(head -1 "$T/pkgport")

# ---- packages ----
check "package the test release" "$CCSP" chsm package --version "$NEWV" --out "$W/chsm.pkg" "$REL/chsmd" "$REL/vsmd"
check "package its vsmd" "$CCSP" chsm package --version "$NEWV" --out "$W/vsm.pkg" "$REL/vsmd"
mkdir -p "$T/badc" "$T/badv"
cp "$REL/chsmd" "$T/badc/chsmd" && printf '%064d\n' 0 >"$T/badc/chsmd.hmac" # runs --version, its crypto refuses
cp "$REL/vsmd" "$T/badv/vsmd" && printf '%064d\n' 0 >"$T/badv/vsmd.hmac"
check "package a chsmd that cannot start" "$CCSP" chsm package --version "$NEWV" --out "$W/badc.pkg" "$T/badc/chsmd" "$REL/vsmd"
check "package a vsmd that cannot start" "$CCSP" chsm package --version "$NEWV" --out "$W/badv.pkg" "$T/badv/vsmd"
must_fail "package: a name off the allow-list" "$CCSP" chsm package --version 1.0 --out "$OUT/x.pkg" "$CCSP"
must_fail "package: a version that is no directory name" "$CCSP" chsm package --version ../1 --out "$OUT/x.pkg" "$REL/vsmd"
for f in chsm vsm badc badv; do "$CCSP" chsm sign --key "$T/p.pem" "$W/$f.pkg" >"$T/$f.sig"; done
"$CCSP" chsm sign --key "$T/p.pem" "$W/vsm.pkg" --hex >"$T/vsm.hex"
"$CCSP" chsm sign --key "$T/x.pem" "$W/chsm.pkg" >"$T/x.sig"
base64 -d "$T/chsm.sig" >"$T/chsm.der"
"$OPENSSL" pkey -in "$T/p.pem" -pubout -out "$T/p.pub" 2>/dev/null
check "ccsp chsm sign: openssl verifies it (SM2, default ID)" "$OPENSSL" pkeyutl -verify -pubin -inkey "$T/p.pub" \
	-rawin -digest sm3 -pkeyopt distid:1234567812345678 -in "$W/chsm.pkg" -sigfile "$T/chsm.der"
check "ccsp chsm sign --hex: the same DER in hex" [ "$(tr -d '\n' <"$T/vsm.hex" | wc -c)" -ge 140 ]

call vsm create --set flavor=1 --callback "$CB" --set requestId=c1
VSM=$(field vsmId)
check "createVSM callback" cb c1 '"status":200'

# ---- upgradeVSM ----
call vsm upgrade --vsm "$VSM" --pack-version "$NEWV" --sign "$(cat "$T/vsm.sig")" --callback "$CB"
check "upgradeVSM without packUrl: 400" has '"status":400.*packUrl'
call vsm upgrade --vsm "$VSM" --pack-url "$P/vsm.pkg" --pack-version "../x" --sign "$(cat "$T/vsm.sig")" --callback "$CB"
check "upgradeVSM with a bad packVersion: 400" has '"status":400'
call vsm upgrade --vsm "$VSM" --pack-url "$P/vsm.pkg" --pack-version "$NEWV" --sign "not a signature!" --callback "$CB"
check "upgradeVSM with a malformed sign: 400" has '"status":400'
call vsm upgrade --vsm "$VSM" --pack-url "$P/vsm.pkg" --pack-version "$NEWV" --sign "$(cat "$T/vsm.sig")" --alg MD5 --callback "$CB"
check "upgradeVSM with an unknown alg: 400" has '"status":400'
call vsm upgrade --vsm nosuchvsm --pack-url "$P/vsm.pkg" --pack-version "$NEWV" --sign "$(cat "$T/vsm.sig")" --callback "$CB"
check "upgradeVSM of an unknown VSM: 404" has '"status":404'

call vsm upgrade --vsm "$VSM" --pack-url "$P/vsm.pkg" --pack-version "$NEWV" --sign "$(cat "$T/x.sig")" \
	--callback "$CB" --set requestId=v1
check "upgradeVSM, signed by another key: accepted" has '"status":200'
check "... its callback: 400 签名验证失败, signed by the device" cb v1 '"status":400,"message":"签名验证失败".*"verified":true'
vsm_info
check "... nothing changed: version $OLDV" [ "$(field version)" = "$OLDV" ]

call vsm upgrade --vsm "$VSM" --pack-url "$P/badv.pkg" --pack-version "$NEWV" --sign "$(cat "$T/badv.sig")" \
	--callback "$CB" --set requestId=v2
check "upgradeVSM to a vsmd that cannot start: callback 500, back to $OLDV" cb v2 "\"status\":500.*\"result\":{\"version\":\"$OLDV\"}"
check "... the VSM runs its old vsmd again" vsm_ok
vsm_info
check "... version $OLDV" [ "$(field version)" = "$OLDV" ]

call vsm upgrade --vsm "$VSM" --pack-url "$P/vsm.pkg" --pack-version "$NEWV" --sign "$(cat "$T/vsm.hex")" \
	--callback "$CB" --set requestId=v3
check "upgradeVSM (hex sign): callback 200 with version $NEWV" cb v3 "\"status\":200.*\"result\":{\"version\":\"$NEWV\"}"
check "... the VSM runs" vsm_ok
vsm_info
check "... getVSMInfo: version $NEWV" [ "$(field version)" = "$NEWV" ]
check "... its record names the staged vsmd" grep -q "^vsmd = vsm-releases/$NEWV/vsmd" "$D/vsm/$VSM/chsm-vsm.conf"
check "... staged 0700" [ "$(stat -c %a "$D/vsm-releases/$NEWV")" = 700 ]

# ---- upgradeCHSM ----
call chsm upgrade --pack-url "$P/chsm.pkg" --pack-version "$NEWV" --sign "$(cat "$T/x.sig")" --callback "$CB" \
	--set requestId=u1
check "upgradeCHSM, signed by another key: accepted" has '"status":200'
check "... its callback: 400 签名验证失败" cb u1 '"status":400,"message":"签名验证失败"'
check "... nothing changed: $OLDV" [ "$(chsm_version)" = "$OLDV" ]
check "... no release switched to" [ ! -e "$D/releases/current" ]

touch "$W/badc.pkg.hold" # pkg_server holds this download until the file is gone: the upgrade stays in flight
call chsm upgrade --pack-url "$P/badc.pkg" --pack-version "$NEWV" --sign "$(cat "$T/badc.sig")" --callback "$CB" \
	--set requestId=u2
check "upgradeCHSM to a chsmd that cannot start: accepted" has '"status":200'
check "... its package is being downloaded" wait_for "$T/www.log" "GET /badc.pkg"
call chsm upgrade --pack-url "$P/chsm.pkg" --pack-version "$NEWV" --sign "$(cat "$T/chsm.sig")" --callback "$CB"
check "a second upgradeCHSM meanwhile: 409" has '"status":409'
call chsm restart --callback "$CB"
check "restartCHSM meanwhile: 409" has '"status":409'
n=$(listens)
rm -f "$W/badc.pkg.hold"
check "... the new chsmd failed, the old one is back" wait_up $((n + 1))
check "... callback 500: rolled back, version $OLDV" cb u2 "\"status\":500,\"message\":\"升级失败，已回退到版本 $OLDV.*\"result\":{\"version\":\"$OLDV\"}"
check "... getCHSMInfo: version $OLDV" [ "$(chsm_version)" = "$OLDV" ]
check "... current removed" [ ! -e "$D/releases/current" ]
check "... no upgrade state left" [ ! -e "$D/upgrade.json" ]
check "... the VSM runs again" vsm_ok

n=$(listens)
call chsm upgrade --pack-url "$P/chsm.pkg" --pack-version "$NEWV" --sign "$(cat "$T/chsm.sig")" --callback "$CB" \
	--set requestId=u3
check "upgradeCHSM: accepted" has '"status":200'
check "... chsmd came back up" wait_up $((n + 1))
check "... callback 200 with version $NEWV" cb u3 "\"status\":200.*\"result\":{\"version\":\"$NEWV\"}"
check "... the callback was sent after the new chsmd was up" after_up u3
check "... getCHSMInfo: version $NEWV" [ "$(chsm_version)" = "$NEWV" ]
check "... the process runs the release" [ "$(readlink "/proc/$CPID/exe")" = "$(cd "$D/releases/$NEWV" && pwd -P)/chsmd" ]
check "... current names it" [ "$(readlink "$D/releases/current")" = "$NEWV" ]
check "... the VSM runs" vsm_ok

stop_chsmd
check "chsmd exits 0 on SIGTERM" [ $? -eq 0 ]
start_chsmd
check "the installed chsmd runs the current release" grep -q "^chsmd: running release $NEWV" "$T/chsmd.out"
check "... getCHSMInfo still says $NEWV after the restart" [ "$(chsm_version)" = "$NEWV" ]

# ---- restartCHSM ----
check "the VSM runs" vsm_ok
before=$(pgrep -P "$CPID" | sort)
n=$(listens)
call chsm restart --callback "$CB" --set requestId=r1
check "restartCHSM: accepted" has '"status":200'
check "... chsmd came back up" wait_up $((n + 1))
check "... callback 200" cb r1 '"oprType":"restart","target":"chsm".*"status":200'
check "... sent after the restart" after_up r1
check "... the VSM runs again" vsm_ok
after=$(pgrep -P "$CPID" | sort)
check "... as a new vsmd process" [ -n "$after" ] && [ "$after" != "$before" ]
check "... still $NEWV" [ "$(chsm_version)" = "$NEWV" ]

# ---- a callback pending while chsmd is killed ----
"$CCSP" chsm callbacks --listen 127.0.0.1:0 --count 1 --timeout 1 >"$T/deadport" 2>/dev/null # a port, then free
DEAD=$(head -1 "$T/deadport")
call vsm stop --vsm "$VSM" --callback "http://127.0.0.1:$DEAD/cb" --set requestId=k1
check "stopVSM with an unreachable callbackUrl: accepted" has '"status":200'
i=0
while [ $i -lt 600 ] && ! grep -qs '"requestId":"k1"' "$D"/callbacks/*.cb; do sleep 0.1; i=$((i + 1)); done
check "... its callback is persisted in DIR/callbacks" grep -qs '"requestId":"k1"' "$D"/callbacks/*.cb
check "... the VSM is stopped: chsmd has no child" [ -z "$(pgrep -P "$CPID")" ]
kill -9 "$CPID"
wait "$CPID" 2>/dev/null
"$CCSP" chsm callbacks --listen "127.0.0.1:$DEAD" --count 1 --timeout 120 --out "$T/cb2" --device-key "$T/dev.der" \
	>/dev/null 2>&1 &
RPID=$!
PIDS="$PIDS $RPID"
start_chsmd
check "after SIGKILL and a new start: the callback arrives, signed" wait_for "$T/cb2" '"requestId":"k1".*"status":200.*"verified":true' 1200
i=0
while [ $i -lt 100 ] && ls "$D"/callbacks/*.cb >/dev/null 2>&1; do sleep 0.1; i=$((i + 1)); done
check "... and is forgotten" [ -z "$(ls -A "$D/callbacks")" ]
call vsm status --vsm "$VSM"
check "... the VSM stays stopped" has '"status":"fail"'

stop_chsmd
check "chsmd exits 0 on SIGTERM" [ $? -eq 0 ]
check "no callback left pending" [ -z "$(ls -A "$D/callbacks")" ]

# ---- a new release that died before it was up: its next start rolls back ----
# The state an upgrade leaves when its new chsmd has started once and was killed before it got up.
printf '{"state":"switched","to":"%s","from":"","fromPath":"%s","tries":1}' "$NEWV" "$(readlink -f "$CHSMD")" \
	>"$D/upgrade.json"
start_chsmd
check "a second start of the unconfirmed release rolls it back" grep -q "upgrade to $NEWV rolled back" "$T/chsmd.out"
check "... the installed chsmd runs: $OLDV" [ "$(chsm_version)" = "$OLDV" ]
check "... current removed, the state settled" [ ! -e "$D/releases/current" -a ! -e "$D/upgrade.json" ]
stop_chsmd
check "chsmd exits 0 on SIGTERM" [ $? -eq 0 ]
finish

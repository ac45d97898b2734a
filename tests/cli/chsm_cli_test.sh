#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ccsp chsm: the cloud platform's CLI against a real chsmd on loopback. keygen, configure (unsigned use while
# the CHSM has no key, signed after), signed calls of the CHSM, VSM and authpk areas, a VSM created with its
# callbacks received and verified by 'ccsp chsm callbacks', a foreign key refused (403, exit 1), usage errors,
# SIGTERM shutdown. Every wait is bounded; nothing is left running.
. "$(dirname "$0")/common.sh"
BIN=$(dirname "$CCSP")
CHSMD=$BIN/chsmd
if [ ! -x "$CHSMD" ] || [ ! -x "$BIN/vsmd" ]; then
	echo "skip: chsmd or vsmd not built"
	finish
fi
D=$T/chsm
PIDS=""
cleanup() { for p in $PIDS; do kill -9 "$p" 2>/dev/null; done; pkill -9 -f "vsmd --dir $D/" 2>/dev/null; }
trap cleanup EXIT

# wait_for FILE PATTERN: up to 30 s for PATTERN to appear in FILE.
wait_for() {
	i=0
	while [ $i -lt 300 ] && ! grep -q "$2" "$1" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	grep -q "$2" "$1" 2>/dev/null
}

check "chsmd --init" "$CHSMD" --init "$D" --listen 127.0.0.1:0 >/dev/null
sed -i 's/^vsm_port_base = .*/vsm_port_base = 0/' "$D/chsmd.conf"
"$CHSMD" --dir "$D" >"$T/chsmd.out" 2>&1 &
CPID=$!
PIDS="$PIDS $CPID"
wait_for "$T/chsmd.out" 'listening on port'
port=$(sed -n 's/^chsmd: listening on port \([0-9]*\).*/\1/p' "$T/chsmd.out")
[ -n "$port" ] || { fail "chsmd did not start: $(cat "$T/chsmd.out")"; finish; }
URL=https://127.0.0.1:$port
K="--url $URL --key $T/p.pem --cacert $D/tls-cert.pem"
field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" "$T/r"; }

# ---- keygen, configure ----
check "keygen" "$CCSP" chsm keygen --out "$T/p.pem"
{ [ "$(stat -c %a "$T/p.pem")" = 600 ] && grep -q 'BEGIN PRIVATE KEY' "$T/p.pem"; }; expect "keygen: PKCS#8 PEM, 0600"
check "keygen: openssl reads an SM2 key" "$OPENSSL" pkey -in "$T/p.pem" -noout
"$CCSP" chsm keygen --out "$T/x.pem"
check "configure (no key yet: guest)" "$CCSP" chsm configure $K >"$T/r"
{ grep -q '"status":200' "$T/r" && grep -q '"count":1' "$T/r"; }; expect "configure: 200, one key"
check "configure again (now signed), idempotent" "$CCSP" chsm configure $K >"$T/r"
check "configure again: still one key" grep -q '"count":1' "$T/r"

# ---- guest and trusted CHSM calls ----
check "chsm status" "$CCSP" chsm call $K chsm status >"$T/r"
{ grep -q '"status":"ok"' "$T/r" &&
	grep -q '"requestId":"[0-9a-f]\{8\}-[0-9a-f]\{4\}-4[0-9a-f]\{3\}-[89ab][0-9a-f]\{3\}-[0-9a-f]\{12\}"' "$T/r"; }; expect "chsm status: ok, with a UUID requestId"
check "chsm allstatus" "$CCSP" chsm call $K chsm allstatus >"$T/r"
check "chsm allstatus: no VSM" grep -q '"vsmStatusMap":{}' "$T/r"
check "chsm info (signed)" "$CCSP" chsm call $K chsm info >"$T/r"
check "chsm info: devicePublicKey" grep -q '"devicePublicKey":"MF' "$T/r"
field devicePublicKey | base64 -d >"$T/dev.der"
check "authpk get" "$CCSP" chsm call $K authpk get >"$T/r"
FP=$("$OPENSSL" pkey -in "$T/p.pem" -pubout -outform DER | tail -c 64 | "$OPENSSL" dgst -sm3 -binary | base64 -w0)
check "authpk get: the key's SM3 fingerprint" grep -q "\"fingerprints\":\[\"$FP\"\]" "$T/r"
check "chsm ntp with --set (integer)" "$CCSP" chsm call $K chsm ntp --set addr=10.1.1.1 --set syncPeriod=60 >"$T/r"
check "chsm network with name:=JSON" "$CCSP" chsm call $K chsm network \
	--set 'netAddrs:=[{"name":"eth0","ip":"192.168.8.120","mask":"255.255.255.0","gateway":"192.168.8.1"}]' >"$T/r"
"$CCSP" chsm call $K chsm info >"$T/r"
{ grep -q '"ntpAddr":"10.1.1.1"' "$T/r" && grep -q '"syncPeriod":60' "$T/r"; }; expect "info shows the settings"
check "--body with a fixed requestId" "$CCSP" chsm call $K chsm info --body '{"requestId":"fixed-1"}' >"$T/r"
check "--body: requestId kept" grep -q '"requestId":"fixed-1"' "$T/r"

# ---- VSM lifecycle with the built-in callback receiver ----
"$CCSP" chsm callbacks --listen 127.0.0.1:0 --count 2 --timeout 60 --out "$T/cb" --device-key "$T/dev.der" \
	>"$T/cbport" 2>"$T/cb.err" &
RPID=$!
PIDS="$PIDS $RPID"
wait_for "$T/cbport" '^[0-9]'
CB=http://127.0.0.1:$(head -1 "$T/cbport")/cb
check "vsm create" "$CCSP" chsm call $K vsm create --set flavor=1 --callback "$CB" >"$T/r"
VSM=$(field vsmId)
check "vsm create: a vsmId" [ -n "$VSM" ]
check "create callback received" wait_for "$T/cb" '"oprType":"create"'
check "create callback: 200, this VSM, device signature verified" \
	grep -q "\"oprType\":\"create\".*\"vsmId\":\"$VSM\".*\"status\":200.*\"verified\":true" "$T/cb"
check "vsm status" "$CCSP" chsm call $K vsm status --vsm "$VSM" >"$T/r"
check "vsm info" "$CCSP" chsm call $K vsm info --vsm "$VSM" >"$T/r"
{ grep -q '"flavor":1' "$T/r" && grep -q '"token":"0"' "$T/r"; }; expect "vsm info: flavor 1, token free"
check "vsm token (text even if numeric-looking)" "$CCSP" chsm call $K vsm token --vsm "$VSM" --set token=12345678901234567 >"$T/r"
check "vsm stop" "$CCSP" chsm call $K vsm stop --vsm "$VSM" --callback "$CB" >"$T/r"
check "stop callback received" wait_for "$T/cb" '"oprType":"stop"'
i=0
while [ $i -lt 300 ] && kill -0 $RPID 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
wait $RPID
check "callbacks: exit 0 after --count callbacks" [ $? -eq 0 ]
check "callbacks: two JSON lines, both verified" [ "$(grep -c '"verified":true' "$T/cb")" = 2 ]
# a receiver that gets nothing times out with exit 1
check "callbacks timeout: exit 1" sh -c "! '$CCSP' chsm callbacks --listen 127.0.0.1:0 --count 1 --timeout 1 >/dev/null 2>&1"

# destroy: the callback goes to a second receiver on stdout
"$CCSP" chsm callbacks --listen 127.0.0.1:0 --count 1 --timeout 60 >"$T/cb2" 2>/dev/null &
RPID=$!
PIDS="$PIDS $RPID"
wait_for "$T/cb2" '^[0-9]'
CB2=http://127.0.0.1:$(head -1 "$T/cb2")/cb
check "vsm destroy" "$CCSP" chsm call $K vsm destroy --vsm "$VSM" --callback "$CB2" >"$T/r"
check "destroy callback on stdout" wait_for "$T/cb2" '"oprType":"destroy".*"status":200'
wait $RPID
"$CCSP" chsm call $K vsm status --vsm "$VSM" >"$T/r" 2>/dev/null
check "destroyed VSM: 404 printed" grep -q '"status":404' "$T/r"

# ---- refusals ----
"$CCSP" chsm call --url "$URL" --key "$T/x.pem" --cacert "$D/tls-cert.pem" chsm info >"$T/r" 2>"$T/err"
check "another key: exit 1" [ $? -eq 1 ]
check "another key: status 403 printed" grep -q '"status":403' "$T/r"
"$CCSP" chsm call $K chsm upgrade --callback "$CB" >"$T/r" 2>/dev/null
{ [ $? -eq 1 ] && grep -q '"status":400' "$T/r"; }; expect "upgrade without --pack-url: exit 1, 400 printed"
must_fail "vsm start without --vsm" "$CCSP" chsm call $K vsm start --callback "$CB"
must_fail "unknown operation" "$CCSP" chsm call $K vsm dance
must_fail "bad --set" "$CCSP" chsm call $K chsm ntp --set novalue
must_fail "--body not an object" "$CCSP" chsm call $K chsm info --body '[1]'
must_fail "no --url" "$CCSP" chsm call --key "$T/p.pem" chsm status
must_fail "keygen without --out" "$CCSP" chsm keygen
"$CHSMD" --init "$T/other" >/dev/null
must_fail "TLS verification against another CHSM's certificate" "$CCSP" chsm call --url "$URL" --key "$T/p.pem" \
	--cacert "$T/other/tls-cert.pem" chsm status
must_fail "nothing listening" "$CCSP" chsm call --url https://127.0.0.1:1 --key "$T/p.pem" --insecure chsm status

kill -TERM $CPID
i=0
while [ $i -lt 300 ] && kill -0 $CPID 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
wait $CPID
check "chsmd exits 0 on SIGTERM" [ $? -eq 0 ]
check "no vsmd left behind" [ -z "$(pgrep -f "vsmd --dir $D/")" ]
finish

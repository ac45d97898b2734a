#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# VSMs on TLCP (GB/T 38636) with certificates from the CHSM's device CA (issue 9; docs/tlcp.md "Transport: chsmd's
# VSMs"): chsmd --init makes the device CA (device-ca.pem, the device key's, vsm_transport = tls in dev mode); with
# vsm_transport = tlcp a VSM chsmd creates gets double certificates from it (keys 0600; the signing certificate names
# the VSM's address), vsmd.conf transport = tlcp; getVSMInfo says transport tlcp and gives the device CA
# (tlcpCaCert), which openssl verify accepts for both certificates; the GM/T 0018 example runs through libsdf over
# TLCP with a config built from getVSMInfo; a TLS client is refused. vsm_transport = tls again: the VSM serves TLS at
# its next start (and TLCP clients are refused); back to tlcp with its TLCP files removed and the device CA gone:
# a new device CA, new certificates from it at the next start. A production init writes vsm_transport = tlcp and
# gets its device CA at the start that unseals it. Then vsmd --init --transport tlcp standalone: its
# dev CA, sdf.conf with transport = tlcp, the example over TLCP, a TLS client refused. A bad vsm_transport stops
# chsmd. Every wait is bounded; ports are free ones (port 0); nothing is left running (chsmd stops its vsmds).
. "$(dirname "$0")/common.sh"
BIN=$(dirname "$CCSP")
CHSMD=$BIN/chsmd
if [ ! -x "$CHSMD" ] || [ ! -x "$BIN/vsmd" ] || [ ! -x "$BIN/sdf_demo" ]; then
	echo "skip: chsmd, vsmd or sdf_demo not built"
	finish
fi
D=$T/chsm
PIDS=""
cleanup() { for p in $PIDS; do kill -9 "$p" 2>/dev/null; done; } # a vsmd whose chsmd is gone stops within 1 s
trap cleanup EXIT
DISTID=distid:1234567812345678 # the GM/T 0015 signer ID (tests/cli/cert_test.sh)

# wait_for FILE PATTERN: up to 30 s for PATTERN to appear in FILE.
wait_for() {
	i=0
	while [ $i -lt 300 ] && ! grep -q "$2" "$1" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	grep -q "$2" "$1" 2>/dev/null
}
# eventually CMD...: CMD succeeds within 60 s (tried every 0.25 s).
eventually() {
	n=0
	until "$@"; do
		n=$((n + 1))
		[ $n -lt 240 ] || return 1
		sleep 0.25
	done
}
field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" "$T/r"; }
num() { sed -n "s/.*\"$1\":\\([0-9]*\\).*/\\1/p" "$T/r"; }

# chsm_start: chsmd on $D; CPID, K (the CLI's options).
chsm_start() {
	: >"$T/chsmd.out"
	"$CHSMD" --dir "$D" >"$T/chsmd.out" 2>&1 &
	CPID=$!
	PIDS="$PIDS $CPID"
	wait_for "$T/chsmd.out" 'listening on port' || { fail "chsmd did not start: $(cat "$T/chsmd.out")"; finish; }
	K="--url https://127.0.0.1:$(sed -n 's/^chsmd: listening on port \([0-9]*\).*/\1/p' "$T/chsmd.out") \
		--key $T/p.pem --cacert $D/tls-cert.pem"
}
# chsm_stop: SIGTERM (chsmd stops its vsmds), bounded wait, exit status 0.
chsm_stop() {
	kill -TERM "$CPID"
	i=0
	while [ $i -lt 300 ] && kill -0 "$CPID" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	wait "$CPID"
	check "chsmd exits 0 on SIGTERM" [ $? -eq 0 ]
}
set_transport() { sed -i "s/^vsm_transport = .*/vsm_transport = $1/" "$D/chsmd.conf"; }
vsm_ok() { "$CCSP" chsm call $K vsm status --vsm "$VSM" 2>/dev/null | grep -q '"status":"ok"'; }
# info: getVSMInfo into $T/r; $T/devca.pem (tlcpCaCert) and $T/tls.pem (tlsCert); PORT.
info() {
	"$CCSP" chsm call $K vsm info --vsm "$VSM" >"$T/r" &&
		printf '%b' "$(field tlcpCaCert)" >"$T/devca.pem" && printf '%b' "$(field tlsCert)" >"$T/tls.pem" &&
		PORT=$(num port) && [ -n "$PORT" ]
}
# sdf_conf NAME TRANSPORT CA: $T/NAME.conf for the VSM as getVSMInfo describes it.
sdf_conf() {
	printf 'transport = %s\naddress = %s:%s\nserver_name = %s\nca_file = %s\ntoken_file = %s\ntimeout_ms = 20000\n' \
		"$2" "$(field ip)" "$PORT" "$(field ip)" "$3" "$T/client.token" >"$T/$1.conf"
}
demo() { CCSP_SDF_CONF=$1 "$BIN/sdf_demo" 1 password-1 >"$T/demo.out" 2>&1; }
# verify_pair DIR CA: openssl verify accepts DIR's signing and encryption certificates under CA.
verify_pair() {
	[ "$("$OPENSSL" verify -vfyopt $DISTID -CAfile "$2" "$1/tlcp-sign.pem" 2>&1)" = "$1/tlcp-sign.pem: OK" ] &&
		[ "$("$OPENSSL" verify -vfyopt $DISTID -CAfile "$2" "$1/tlcp-enc.pem" 2>&1)" = "$1/tlcp-enc.pem: OK" ]
}

# ---- the device CA at --init ----
check "chsmd --init" "$CHSMD" --init "$D" --listen 127.0.0.1:0 >/dev/null
check "dev mode: vsm_transport = tls" grep -q '^vsm_transport = tls$' "$D/chsmd.conf"
"$OPENSSL" x509 -in "$D/device-ca.pem" -noout -text >"$T/ca.txt" 2>&1
check "device-ca.pem: a CA certificate openssl reads, named for the device" ok \
	'grep -q "CA:TRUE" "$T/ca.txt" && grep -q "CN = ccsp chsm [0-9a-f]\{12\} device CA" "$T/ca.txt" &&
	grep -q "Certificate Sign" "$T/ca.txt"'
check "device-ca.pem: self-signed, openssl verifies it" ok \
	'[ "$("$OPENSSL" verify -vfyopt $DISTID -CAfile "$D/device-ca.pem" "$D/device-ca.pem")" = "$D/device-ca.pem: OK" ]'
check "no CA private key written" ok '! grep -rl "PRIVATE KEY" "$D" --include="*ca*"'
sed -i 's/^vsm_port_base = .*/vsm_port_base = 0/' "$D/chsmd.conf"
set_transport tlcp
cp "$D/device-ca.pem" "$T/ca-at-init.pem"
"$CCSP" chsm keygen --out "$T/p.pem"

# ---- a VSM on TLCP ----
chsm_start
check "chsmd says its VSMs serve TLCP" grep -q 'VSMs serve TLCP (vsm_transport = tlcp)' "$T/chsmd.out"
same "$D/device-ca.pem" "$T/ca-at-init.pem" "the start keeps the device CA of --init"
"$CCSP" chsm configure $K >/dev/null
"$CCSP" chsm call $K vsm create --set flavor=1 --callback http://127.0.0.1:9/cb >"$T/r"
VSM=$(field vsmId)
check "vsm create" [ -n "$VSM" ]
check "the VSM runs" eventually vsm_ok
V=$D/vsm/$VSM
check "its double certificates and keys (0600)" ok '[ -f "$V/tlcp-sign.pem" ] && [ -f "$V/tlcp-enc.pem" ] &&
	[ "$(stat -c %a "$V/tlcp-sign.key")" = 600 ] && [ "$(stat -c %a "$V/tlcp-enc.key")" = 600 ]'
check "vsmd.conf: transport = tlcp and the tlcp_* paths" ok 'grep -q "^transport = tlcp$" "$V/vsmd.conf" &&
	grep -q "^tlcp_sign_cert = tlcp-sign.pem$" "$V/vsmd.conf" && grep -q "^tlcp_enc_key = tlcp-enc.key$" "$V/vsmd.conf"'
check "getVSMInfo" info
check "getVSMInfo: transport tlcp" [ "$(field transport)" = tlcp ]
same "$T/devca.pem" "$D/device-ca.pem" "getVSMInfo tlcpCaCert is the device CA"
check "openssl verify: both certificates issued by the device CA" verify_pair "$V" "$T/devca.pem"
"$OPENSSL" x509 -in "$V/tlcp-sign.pem" -noout -text >"$T/sign.txt"
check "signing certificate: the VSM's address in its SAN, signing usage" ok \
	'grep -q "IP Address:127.0.0.1" "$T/sign.txt" && grep -q "Digital Signature, Non Repudiation" "$T/sign.txt"'
"$OPENSSL" x509 -in "$V/tlcp-enc.pem" -noout -text >"$T/enc.txt"
check "encryption certificate: encryption usage" grep -q "Key Encipherment, Data Encipherment, Key Agreement" "$T/enc.txt"
check "another CA's openssl verify fails" ok \
	'! "$OPENSSL" verify -vfyopt $DISTID -CAfile "$D/tls-cert.pem" "$V/tlcp-sign.pem" >/dev/null 2>&1'
check "the client template follows (transport, device CA)" ok \
	'grep -q "^transport = tlcp$" "$V/sdf.conf" && grep -q "^ca_file = .*/device-ca.pem$" "$V/sdf.conf"'

# the tenant's token and key, then the example over TLCP with a config from getVSMInfo
TOKEN=tlcp-tenant-token-0123456789
"$CCSP" chsm call $K vsm token --vsm "$VSM" --set token=$TOKEN >/dev/null
token_set() { "$CCSP" chsm call $K vsm info --vsm "$VSM" 2>/dev/null | grep -q '"token":"set"' && vsm_ok; }
check "token set, the VSM runs again" eventually token_set
echo "$TOKEN" | "$CCSP" vsm seal-token --out "$T/client.token"
printf 'password-1\n' >"$T/kpw"
check "an SM2 signing and encryption key at index 1" ok \
	'"$CCSP" vsm keygen --dir "$V" --index 1 --sign --password-file "$T/kpw" >/dev/null &&
	"$CCSP" vsm keygen --dir "$V" --index 1 --enc >/dev/null'
info
sdf_conf tlcp tlcp "$T/devca.pem"
check "GM/T 0018 example through libsdf over TLCP (config from getVSMInfo)" demo "$T/tlcp.conf"
sdf_conf tls tls "$T/tls.pem"
check "a TLS client is refused" ok '! demo "$T/tls.conf"'
sdf_conf wrongca tlcp "$T/ca-other.pem"
"$CHSMD" --init "$T/other" --listen 127.0.0.1:0 >/dev/null
cp "$T/other/device-ca.pem" "$T/ca-other.pem"
check "a TLCP client trusting another CHSM's device CA is refused" ok '! demo "$T/wrongca.conf"'
chsm_stop

# ---- vsm_transport = tls: the VSM serves TLS at its next start ----
set_transport tls
cp "$V/tlcp-sign.pem" "$T/sign-before.pem"
chsm_start
check "the VSM runs (tls)" eventually vsm_ok
check "getVSMInfo" info
check "getVSMInfo: transport tls" [ "$(field transport)" = tls ]
check "vsmd.conf: transport = tls" grep -q '^transport = tls$' "$V/vsmd.conf"
sdf_conf tls tls "$T/tls.pem"
check "GM/T 0018 example over TLS" demo "$T/tls.conf"
sdf_conf tlcp tlcp "$T/devca.pem"
check "a TLCP client is refused" ok '! demo "$T/tlcp.conf"'
chsm_stop

# ---- back to tlcp, the TLCP files and the device CA gone: both made again ----
set_transport tlcp
rm -f "$V/tlcp-sign.pem" "$V/tlcp-sign.key" "$V/tlcp-enc.pem" "$V/tlcp-enc.key" "$D/device-ca.pem"
chsm_start
check "the VSM runs (tlcp again)" eventually vsm_ok
check "a new device CA" ok '[ -f "$D/device-ca.pem" ] && ! cmp -s "$D/device-ca.pem" "$T/ca-at-init.pem"'
check "getVSMInfo" info
same "$T/devca.pem" "$D/device-ca.pem" "getVSMInfo gives the new device CA"
check "new certificates from the new device CA" verify_pair "$V" "$T/devca.pem"
check "... not the old one's" ok '! cmp -s "$V/tlcp-sign.pem" "$T/sign-before.pem"'
sdf_conf tlcp tlcp "$T/devca.pem"
check "GM/T 0018 example over TLCP again" demo "$T/tlcp.conf"
cp "$V/tlcp-sign.pem" "$T/sign-kept.pem"
"$CCSP" chsm call $K vsm restart --vsm "$VSM" --callback http://127.0.0.1:9/cb >/dev/null
check "the VSM runs after restartVSM" eventually vsm_ok
same "$V/tlcp-sign.pem" "$T/sign-kept.pem" "certificates that serve are kept across starts"
chsm_stop

# ---- a bad vsm_transport stops chsmd ----
set_transport tlcp2
timeout 60 "$CHSMD" --dir "$D" >"$T/bad.out" 2>&1
rc=$?
check "vsm_transport = tlcp2: chsmd refuses to start" ok '[ $rc -eq 1 ] && grep -q "vsm_transport must be tls or tlcp" "$T/bad.out"'

# ---- production init: vsm_transport = tlcp (approved mode); the device CA made once the keys are unsealed ----
P=$T/prod
"$CHSMD" --init "$P" --production --shares 2 --threshold 2 --listen 127.0.0.1:0 >"$T/p.shares" 2>/dev/null
check "production init writes vsm_transport = tlcp" grep -q '^vsm_transport = tlcp$' "$P/chsmd.conf"
check "... and no device CA yet (the keys are sealed)" [ ! -e "$P/device-ca.pem" ]
"$CHSMD" --dir "$P" >"$T/p.out" 2>&1 &
PPID_=$!
PIDS="$PIDS $PPID_"
wait_for "$T/p.out" 'sealed: waiting' || fail "production chsmd did not start sealed: $(cat "$T/p.out")"
sed -n 1p "$T/p.shares" | "$CCSP" chsm unseal --dir "$P" >/dev/null 2>&1
sed -n 2p "$T/p.shares" | "$CCSP" chsm unseal --dir "$P" >/dev/null 2>&1
check "unsealed, it listens" wait_for "$T/p.out" 'listening on port'
check "... its VSMs on TLCP, a device CA made" ok 'grep -q "VSMs serve TLCP" "$T/p.out" &&
	[ "$("$OPENSSL" verify -vfyopt $DISTID -CAfile "$P/device-ca.pem" "$P/device-ca.pem")" = "$P/device-ca.pem: OK" ]'
kill -TERM "$PPID_"
i=0
while [ $i -lt 300 ] && kill -0 "$PPID_" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
wait "$PPID_"
check "production chsmd exits 0 on SIGTERM" [ $? -eq 0 ]

# ---- vsmd --init --transport tlcp: a standalone VSM on TLCP ----
S=$T/standalone
check "vsmd --init --transport tlcp" "$BIN/vsmd" --init "$S" --listen 127.0.0.1:0 --transport tlcp >/dev/null
check "its certificates from its dev CA (openssl verify)" verify_pair "$S" "$S/tlcp-ca.pem"
check "keys 0600, no CA key" ok '[ "$(stat -c %a "$S/tlcp-sign.key")" = 600 ] &&
	[ "$(stat -c %a "$S/tlcp-enc.key")" = 600 ] && [ ! -e "$S/tlcp-ca.key" ]'
check "vsmd.conf and sdf.conf: transport = tlcp, sdf.conf trusts the dev CA" ok \
	'grep -q "^transport = tlcp$" "$S/vsmd.conf" && grep -q "^transport = tlcp$" "$S/sdf.conf" &&
	grep -q "^ca_file = .*/tlcp-ca.pem$" "$S/sdf.conf"'
"$CCSP" vsm keygen --dir "$S" --index 1 --sign --password-file "$T/kpw" >/dev/null
"$CCSP" vsm keygen --dir "$S" --index 1 --enc >/dev/null
"$BIN/vsmd" --dir "$S" >"$T/vsmd.out" 2>&1 &
SPID=$!
PIDS="$PIDS $SPID"
wait_for "$T/vsmd.out" 'listening on port' || { fail "vsmd did not start: $(cat "$T/vsmd.out")"; finish; }
SPORT=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$T/vsmd.out")
sed -i "s/^address = .*/address = 127.0.0.1:$SPORT/" "$S/sdf.conf"
check "GM/T 0018 example with its sdf.conf, over TLCP" demo "$S/sdf.conf"
sed -e 's/^transport = tlcp$/transport = tls/' -e "s|^ca_file = .*|ca_file = $S/tls-cert.pem|" "$S/sdf.conf" >"$T/s-tls.conf"
check "a TLS client is refused" ok '! demo "$T/s-tls.conf"'
check "vsmd --init --transport with another value: usage" ok \
	'"$BIN/vsmd" --init "$T/s2" --transport ssl >/dev/null 2>&1; [ $? -eq 2 ] && [ ! -e "$T/s2/vsmd.conf" ]'
kill -TERM "$SPID"
i=0
while [ $i -lt 300 ] && kill -0 "$SPID" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
wait "$SPID"
check "vsmd exits 0 on SIGTERM" [ $? -eq 0 ]
finish

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# chsmd end to end over HTTPS with curl, the cloud platform's requests signed by openssl (SM2WithSM3, Z with the
# default ID, DER, Base64): guest and trusted interfaces, every refusal of the spec that applies, platform keys,
# VSM lifecycle with signed callbacks verified by openssl, kill -9 of a vsmd (the supervisor restarts it),
# SIGTERM shutdown.
. "$(dirname "$0")/common.sh"
BIN=$(dirname "$CCSP")
CHSMD=$BIN/chsmd
if [ ! -x "$CHSMD" ] || [ ! -x "$BIN/cb_receiver" ] || ! command -v curl >/dev/null; then
	echo "skip: chsmd, cb_receiver or curl not available"
	finish
fi
D=$T/chsm
PIDS=""
cleanup() { for p in $PIDS; do kill -9 "$p" 2>/dev/null; done; pkill -9 -f "vsmd --dir $D/" 2>/dev/null; }
trap cleanup EXIT

check "chsmd --init" "$CHSMD" --init "$D" --listen 127.0.0.1:0 >/dev/null
check "master key 0600" [ "$(stat -c %a "$D/master.key")" = 600 ]
sed -i 's/^vsm_port_base = .*/vsm_port_base = 0/' "$D/chsmd.conf"
"$CHSMD" --dir "$D" >"$T/chsmd.out" 2>&1 &
CPID=$!
PIDS="$PIDS $CPID"
i=0
while [ $i -lt 300 ] && ! grep -q 'listening on port' "$T/chsmd.out" && kill -0 $CPID 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
port=$(sed -n 's/^chsmd: listening on port \([0-9]*\).*/\1/p' "$T/chsmd.out")
[ -n "$port" ] || { fail "chsmd did not start: $(cat "$T/chsmd.out")"; finish; }
U=https://127.0.0.1:$port/api/1.0

# get PATH -> $T/r (body), $T/code
get() { curl -sk -o "$T/r" -w '%{http_code}' "$U$1" >"$T/code"; }
# post PATH BODY (unsigned)
post() { curl -sk -o "$T/r" -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary "$2" "$U$1" >"$T/code"; }
# spost PATH BODY [KEY] : signed by the platform key
spost() {
	printf '%s' "$2" >"$T/body"
	k=${3:-$T/p.key}
	sig=$("$OPENSSL" pkeyutl -sign -inkey "$k" -rawin -digest sm3 -pkeyopt distid:1234567812345678 -in "$T/body" | base64 -w0)
	curl -sk -o "$T/r" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H "CHSM-AuthPK: $FP" \
		-H 'CHSM-SignatureAlg: SM2WithSM3' -H "CHSM-Signature: $sig" --data-binary @"$T/body" "$U$1" >"$T/code"
}
code() { cat "$T/code"; }
field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" "$T/r"; }

# ---- guest interfaces and the layer's refusals ----
get "/chsm/status?requestId=s1"
check "status: 200 ok" [ "$(code)" = 200 ] && grep -q '"status":"ok"' "$T/r" && grep -q '"requestId":"s1"' "$T/r"
check "envelope has timestamp and costMillis" grep -q '"timestamp":"[0-9-]*T[0-9:.]*+0000","requestId"' "$T/r"
get "/chsm/status"
check "status without requestId: 400" [ "$(code)" = 400 ]
get "/chsm/allstatus?requestId=s2"
check "allstatus: no VSM yet" [ "$(code)" = 200 ] && grep -q '"vsmStatusMap":{}' "$T/r"
get "/nothing/here"
check "unknown path: 404" [ "$(code)" = 404 ]
get "/chsm"
check "GET on a POST interface: 405" [ "$(code)" = 405 ]
curl -sk -o "$T/r" -w '%{http_code}' -X POST -H 'Content-Type: text/plain' --data-binary '{"requestId":"x"}' "$U/chsm/authpk" >"$T/code"
check "not JSON: 415" [ "$(code)" = 415 ]
head -c 1100000 /dev/zero | tr '\0' 'a' >"$T/big"
curl -sk -o "$T/r" -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary @"$T/big" "$U/chsm" >"$T/code"
check "body over 1 MiB: 413" [ "$(code)" = 413 ]
post /chsm '{"requestId":'
check "malformed JSON: 400" [ "$(code)" = 400 ]
post /chsm '{"requestId":"t0","oprType":"getinfo"}'
check "trusted before any platform key: 403" [ "$(code)" = 403 ]

# ---- platform keys (7.4): guest while none, then trusted ----
"$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 -out "$T/p.key" 2>/dev/null
"$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 -out "$T/q.key" 2>/dev/null
"$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 -out "$T/x.key" 2>/dev/null
spki() { "$OPENSSL" pkey -in "$1" -pubout -outform DER | base64 -w0; }
post /chsm/authpk "{\"requestId\":\"k0\",\"algorithm\":\"sm2\",\"pks\":[\"not a key\"]}"
check "configCHSMPk with a bad key: 400" [ "$(code)" = 400 ]
post /chsm/authpk "{\"requestId\":\"k1\",\"algorithm\":\"sm2\",\"pks\":[\"$(spki "$T/p.key")\"]}"
check "configCHSMPk as guest while none: 200" [ "$(code)" = 200 ]
get "/chsm/authpk?requestId=k2"
FP=$(sed -n 's/.*"fingerprints":\["\([^"]*\)".*/\1/p' "$T/r")
check "getCHSMPk: the sm3 fingerprint" [ -n "$FP" ] && grep -q '"algorithm":"sm3"' "$T/r"
post /chsm/authpk "{\"requestId\":\"k3\",\"algorithm\":\"sm2\",\"pks\":[\"$(spki "$T/q.key")\"]}"
check "configCHSMPk unsigned once a key exists: 403" [ "$(code)" = 403 ]
spost /chsm/authpk "{\"requestId\":\"k4\",\"algorithm\":\"sm2\",\"pks\":[\"$(spki "$T/q.key")\",\"$(spki "$T/p.key")\"]}"
check "second key, signed, duplicate ignored: 200" [ "$(code)" = 200 ] && grep -q '"count":2' "$T/r"
spost /chsm/authpk "{\"requestId\":\"k5\",\"algorithm\":\"sm2\",\"pks\":[\"$(spki "$T/x.key")\"]}"
check "a third key: 400 and nothing changes" [ "$(code)" = 400 ]
get "/chsm/authpk?requestId=k6"
check "still two keys" [ "$(grep -o '=' "$T/r" | wc -l)" -ge 2 ] && ! grep -q "$(spki "$T/x.key" | head -c 20)" "$T/r"

# ---- trusted interfaces: signatures ----
spost /chsm '{"requestId":"g1","oprType":"getinfo"}'
check "getCHSMInfo signed: 200 with devicePublicKey" [ "$(code)" = 200 ] && grep -q '"devicePublicKey":"MF' "$T/r"
DEVPK=$(field devicePublicKey)
printf '%s' '{"requestId":"g2","oprType":"getinfo"}' >"$T/body"
sig=$("$OPENSSL" pkeyutl -sign -inkey "$T/p.key" -rawin -digest sm3 -pkeyopt distid:1234567812345678 -in "$T/body" | base64 -w0)
printf '%s' '{"requestId":"g2","oprType":"getinfO"}' >"$T/body2"
curl -sk -o "$T/r" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H "CHSM-AuthPK: $FP" \
	-H 'CHSM-SignatureAlg: SM2WithSM3' -H "CHSM-Signature: $sig" --data-binary @"$T/body2" "$U/chsm" >"$T/code"
check "body altered by one byte: 403" [ "$(code)" = 403 ]
spost /chsm '{"requestId":"g3","oprType":"getinfo"}' "$T/x.key"
check "signed by an unknown key: 403" [ "$(code)" = 403 ]
spost /chsm '{"requestId":"g4","oprType":"dance"}'
check "unknown oprType: 400" [ "$(code)" = 400 ]
spost /chsm/ntp '{"requestId":"n1","addr":"10.1.1.1","syncPeriod":60}'
check "configCHSMNtp: 200" [ "$(code)" = 200 ]
spost /chsm/ntp '{"requestId":"n2","addr":"10.1.1.1","syncPeriod":0}'
check "configCHSMNtp syncPeriod 0: 400" [ "$(code)" = 400 ]
spost /chsm/imageuploader '{"requestId":"u1","url":"ftp://x"}'
check "configCHSMUploadAddress non-http: 400" [ "$(code)" = 400 ]
spost /chsm/network '{"requestId":"w1","netAddrs":[{"name":"eth0","ip":"192.168.8.120","mask":"255.255.255.0","gateway":"192.168.8.1"}]}'
check "configCHSMNet: 200" [ "$(code)" = 200 ]
spost /chsm '{"requestId":"g5","oprType":"getinfo"}'
check "getinfo reports the NTP and network settings" grep -q '"ntpAddr":"10.1.1.1"' "$T/r" && grep -q '"netAddrs"' "$T/r"

# ---- VSM lifecycle with callbacks ----
"$BIN/cb_receiver" "$T/cb" 3 120 >"$T/cbport" &
PIDS="$PIDS $!"
i=0
while [ $i -lt 50 ] && [ ! -s "$T/cbport" ]; do sleep 0.1; i=$((i + 1)); done
CB=http://127.0.0.1:$(cat "$T/cbport")/cb
spost /vsm "{\"requestId\":\"c1\",\"oprType\":\"create\",\"flavor\":9,\"callbackUrl\":\"$CB\"}"
check "createVSM with a bad flavor: 400" [ "$(code)" = 400 ]
spost /vsm "{\"requestId\":\"c2\",\"oprType\":\"create\",\"flavor\":1,\"callbackUrl\":\"$CB\"}"
check "createVSM accepted with its vsmId" [ "$(code)" = 200 ] && grep -q '"vsmId":"[0-9a-f]*"' "$T/r"
VSM=$(field vsmId)
i=0
while [ $i -lt 300 ] && ! grep -q '"requestId":"c2"' "$T/cb" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
check "createVSM callback: 200 with the vsmId" grep -q "\"requestId\":\"c2\".*\"status\":200.*\"vsmId\":\"$VSM\"" "$T/cb"
# the callback is signed by the device key: openssl verifies it with getCHSMInfo's devicePublicKey
printf '%s' "$DEVPK" | base64 -d | "$OPENSSL" pkey -pubin -inform DER -out "$T/dev.pub" 2>/dev/null
head -1 "$T/cb" | tr -d '\n' >"$T/cb1"
head -1 "$T/cb.sig" | base64 -d >"$T/cb1.sig"
check "callback signature verifies with the device key (openssl)" "$OPENSSL" pkeyutl -verify -pubin -inkey "$T/dev.pub" \
	-rawin -digest sm3 -pkeyopt distid:1234567812345678 -in "$T/cb1" -sigfile "$T/cb1.sig"
get "/vsm/status?requestId=v1&vsmId=$VSM"
check "getVSMStatus: ok" [ "$(code)" = 200 ] && grep -q '"status":"ok"' "$T/r"
get "/vsm/status?requestId=v2&vsmId=nosuchvsm"
check "getVSMStatus of an unknown VSM: 404" [ "$(code)" = 404 ]
spost /vsm "{\"requestId\":\"v3\",\"oprType\":\"getinfo\",\"vsmId\":\"$VSM\"}"
check "getVSMInfo: token free, flavor 1, runStatus running" grep -q '"token":"0"' "$T/r" && grep -q '"flavor":1' "$T/r" && grep -q '"runStatus":"running"' "$T/r"
spost /vsm/token "{\"requestId\":\"t1\",\"vsmId\":\"$VSM\",\"token\":\"tenant-token-0001\"}"
check "configVSMToken: 200" [ "$(code)" = 200 ]
check "the token is stored as a hash only" [ -f "$D/vsm/$VSM/token.hash" ] && ! grep -rq "tenant-token-0001" "$D/vsm/$VSM"
spost /vsm "{\"requestId\":\"v4\",\"oprType\":\"getinfo\",\"vsmId\":\"$VSM\"}"
check "getVSMInfo: token set" grep -q '"token":"set"' "$T/r"

# kill -9 of the VSM's vsmd: the supervisor restarts it
vpid=$(pgrep -f "vsmd --dir $D/vsm/$VSM" | head -1)
check "the VSM runs as its own vsmd process" [ -n "$vpid" ]
kill -9 "$vpid"
i=0
while [ $i -lt 300 ]; do
	get "/vsm/status?requestId=v5&vsmId=$VSM"
	npid=$(pgrep -f "vsmd --dir $D/vsm/$VSM" | head -1)
	grep -q '"status":"ok"' "$T/r" && [ -n "$npid" ] && [ "$npid" != "$vpid" ] && break
	sleep 0.1
	i=$((i + 1))
done
check "after kill -9 the supervisor restarted the vsmd" [ -n "$npid" ] && [ "$npid" != "$vpid" ] && grep -q '"status":"ok"' "$T/r"

spost /vsm "{\"requestId\":\"d1\",\"oprType\":\"destroy\",\"vsmId\":\"$VSM\",\"callbackUrl\":\"$CB\"}"
check "deleteVSM accepted" [ "$(code)" = 200 ]
i=0
while [ $i -lt 300 ] && ! grep -q '"requestId":"d1"' "$T/cb" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
check "deleteVSM callback: 200" grep -q '"requestId":"d1".*"status":200' "$T/cb"
check "the VSM's directory is gone" [ ! -d "$D/vsm/$VSM" ]
get "/vsm/status?requestId=v6&vsmId=$VSM"
check "deleted VSM: 404" [ "$(code)" = 404 ]
spost /chsm '{"requestId":"x1","oprType":"upgrade"}'
check "upgrade without packUrl: 400, said so" [ "$(code)" = 400 ] && grep -q packUrl "$T/r"

kill -TERM $CPID
i=0
while [ $i -lt 300 ] && kill -0 $CPID 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
wait $CPID
check "chsmd exits 0 on SIGTERM" [ $? -eq 0 ]
check "no vsmd left behind" [ -z "$(pgrep -f "vsmd --dir $D/")" ]
finish

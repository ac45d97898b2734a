#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ccspd as the cloud platform of GM/T 0088 (docs/api-ccspd.md "pool"): its platform key made inside its VSM;
# a CHSM with no platform key gets ccspd's (first key configuration); a CHSM that trusts another platform only is
# refused until that platform adds ccspd's key ('ccsp chsm configure --add'); a CHSM behind a certificate of
# another CA is refused; vendor/model/serial recorded; a VSM of the CHSM registered as a device (address and TLS
# certificate from getVSMInfo, a fresh token set with configVSMToken and kept sealed in the store, this node's
# client config 0600), joining tenant A's group, A's keys made and run there (signatures openssl verifies); a
# VSM created by ccspd (createVSM, the CHSM's signed callback, the lease; unknown and forged callbacks refused); a
# tenant's own VSM (assigned, its client config and a fresh token handed to the tenant administrator, used through
# libsdf; the old token refused; another tenant refused; never a pool device too); the
# client config rewritten from the store after it was lost; refusals (unknown CHSM, unknown VSM, twice, removing
# a CHSM whose VSM is a device, non-sysadmin); audited. Every wait is bounded; nothing is left running.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/ccspd_lib.sh"
CHSMD=$BIN/chsmd
[ -x "$CHSMD" ] || { echo "skip: chsmd not built"; finish; }
adm() { api "$T/admin.tok" "$@"; }
num() { sed -n "s/.*\"$1\":\\([0-9]*\\).*/\\1/p" "$T/r"; }
json_text() { sed ':a;N;$!ba;s/\n/\\n/g' "$1"; } # a PEM file as a JSON string's content
cleanup_all() { cleanup; pkill -9 -f "vsmd --dir $T/c1/" 2>/dev/null; pkill -9 -f "vsmd --dir $T/c2/" 2>/dev/null; }
trap cleanup_all EXIT

# chsm_start DIR: a CHSM (dev mode) on a free port; its URL in $CURL_OF
chsm_start() {
	"$CHSMD" --init "$1" --listen 127.0.0.1:0 >/dev/null
	sed -i 's/^vsm_port_base = .*/vsm_port_base = 0/' "$1/chsmd.conf"
	echo "callback_ca_file = $T/p/tls-cert.pem" >>"$1/chsmd.conf" # ccspd's, for its callbacks
	"$CHSMD" --dir "$1" >"$1.out" 2>&1 &
	PIDS="$PIDS $!"
	wait_for "$1.out" 'listening on port' || { fail "chsmd $1 did not start: $(cat "$1.out")"; finish; }
	CURL_OF=https://127.0.0.1:$(sed -n 's/^chsmd: listening on port \([0-9]*\).*/\1/p' "$1.out")
}

# ---- a platform VSM, ccspd, two CHSMs (which trust ccspd's certificate for their callbacks) ----
vsm_start "$T/vsm"
"$CCSPD" --init "$T/p" --listen 127.0.0.1:0 --vsm-conf "$T/vsm/sdf.conf" >/dev/null
echo "pool_health_interval_s = 1" >>"$T/p/ccspd.conf"
chsm_start "$T/c1"
U1=$CURL_OF
chsm_start "$T/c2"
U2=$CURL_OF
start
check "sysadmin: first login" sysadmin_first_login
adm admin/tenant-create '{"name":"A"}'
A=$(field id)
adm admin/member-create "{\"tenant\":\"$A\",\"login\":\"alice\",\"role\":\"tenant_admin\"}"
check "A's administrator alice" first_login alice "$A" "$(field oneTimePassword)" 'Alice-Passw0rd-2026'

# ---- the platform key ----
adm pool/platform-key '{}'
printf '%b\n' "$(field publicKey)" | sed '/^$/d' >"$T/ccspd-pub.pem"
FP=$(field fingerprint)
check "platform-key: a PEM public key openssl reads" "$OPENSSL" pkey -pubin -in "$T/ccspd-pub.pem" -noout
check "platform-key: its fingerprint is Base64(SM3(X || Y))" [ "$FP" = "$("$OPENSSL" pkey -pubin -in \
	"$T/ccspd-pub.pem" -outform DER | tail -c 64 | "$OPENSSL" dgst -sm3 -binary | base64 -w0)" ]
check "platform-key: kept in the store wrapped, not as a private key" ok \
	'[ -n "$(db "SELECT value FROM config WHERE key = '\''pool.g88_platform_key'\''")" ]'
adm pool/platform-key '{}'
check "platform-key again: the same key" [ "$(field fingerprint)" = "$FP" ]
api "$T/alice.tok" pool/platform-key '{}'
check "a tenant administrator may not: CCSP-3000" is_err 403 CCSP-3000

# ---- first key configuration: c2 has no platform key ----
CA2=$(json_text "$T/c2/tls-cert.pem")
CA1=$(json_text "$T/c1/tls-cert.pem")
adm pool/chsm-register "{\"name\":\"c2\",\"url\":\"$U2\",\"caCert\":\"$CA1\"}"
check "a CHSM whose certificate another CA issued: refused (503, TLS)" ok \
	'[ "$(code)" = 503 ] && grep -q "does not answer" "$T/r"'
adm pool/chsm-register "{\"name\":\"c2\",\"url\":\"$U2\"}"
check "... and one not in the system's trust store" [ "$(code)" = 503 ]
adm pool/chsm-register "{\"name\":\"c2\",\"url\":\"$U2\",\"caCert\":\"$CA2\"}"
check "register c2 (no platform key): 200, vendor, model, serial, device key" ok '[ "$(code)" = 200 ] &&
	[ "$(field vendor)" = ccsp ] && [ -n "$(field serial)" ] && [ -n "$(field devicePublicKey)" ]'
C2=$(field chsmId)
curl -s --cacert "$T/c2/tls-cert.pem" "$U2/api/1.0/chsm/authpk?requestId=t1" >"$T/r"
check "c2 now trusts ccspd's key (first key configuration)" grep -q "\"fingerprints\":\[\"$FP\"\]" "$T/r"
adm pool/chsm-register "{\"name\":\"c2-again\",\"url\":\"$U2\",\"caCert\":\"$CA2\"}"
check "the same URL twice: CCSP-4000" is_err 409 CCSP-4000

# ---- c1 trusts the operator's own platform key only ----
"$CCSP" chsm keygen --out "$T/op.pem"
K="--url $U1 --key $T/op.pem --cacert $T/c1/tls-cert.pem"
"$CCSP" chsm configure $K >/dev/null
adm pool/chsm-register "{\"name\":\"c1\",\"url\":\"$U1\",\"caCert\":\"$CA1\"}"
check "a CHSM that trusts another platform's key only: CCSP-4000, naming the fix" ok \
	'is_err 409 CCSP-4000 && grep -q "platform-key" "$T/r"'
check "the operator adds ccspd's key (configure --add)" "$CCSP" chsm configure $K --add "$T/ccspd-pub.pem"
adm pool/chsm-register "{\"name\":\"c1\",\"url\":\"$U1\",\"caCert\":\"$CA1\"}"
check "then c1 registers" [ "$(code)" = 200 ]
C1=$(field chsmId)

# ---- a VSM of c1 as a device ----
"$CCSP" chsm call $K vsm create --set flavor=1 --callback http://127.0.0.1:9/cb >"$T/r"
VSM=$(field vsmId)
vsm_ok() { "$CCSP" chsm call $K vsm status --vsm "$VSM" 2>/dev/null | grep -q '"status":"ok"'; }
check "the operator created a VSM on c1" eventually vsm_ok
check "... and made its KEK 1 (crypto officer, local)" "$CCSP" vsm keygen --dir "$T/c1/vsm/$VSM" --index 1 --kek
adm pool/chsm-vsm-register "{\"chsmId\":\"$C1\",\"vsmId\":\"no-such-vsm\",\"name\":\"x\"}"
check "an unknown VSM: 503 with the CHSM's refusal" ok '[ "$(code)" = 503 ] && grep -q "404" "$T/r"'
adm pool/chsm-vsm-register "{\"chsmId\":\"0123456789abcdef0123456789abcdef\",\"vsmId\":\"$VSM\",\"name\":\"x\"}"
check "an unknown CHSM: CCSP-1002" is_err 404 CCSP-1002
adm pool/chsm-vsm-register "{\"chsmId\":\"$C1\",\"vsmId\":\"$VSM\",\"name\":\"c1-vsm\"}"
check "register c1's VSM: 200, kind chsm-vsm, its loopback address" ok '[ "$(code)" = 200 ] &&
	[ "$(field kind)" = chsm-vsm ] && field address | grep -q "^127\.0\.0\.1:[0-9][0-9]*$"'
DV=$(field deviceId)
"$CCSP" chsm call $K vsm info --vsm "$VSM" >"$T/r"
check "the VSM's token is set (leased)" grep -q '"token":"set"' "$T/r"
CONF="$T/p/pool/$C1-$VSM.conf"
check "this node's client config: mode 0600, with the VSM's certificate" ok \
	'[ "$(stat -c %a "$CONF")" = 600 ] && grep -q "^ca_file = " "$CONF" && grep -q "^token_file = " "$CONF" && ! grep -q "^token = " "$CONF"'
check "the token: sealed in the store (48 bytes + IV + tag), and on this node as libsdf keeps it (sealed)" ok \
	'[ "$(db "SELECT length(token_sealed) FROM pool_vsm_links")" = 76 ] &&
	[ "$(head -c 8 "$T/p/pool/$C1-$VSM.token")" = CCSPTOK1 ]'
adm pool/chsm-vsm-register "{\"chsmId\":\"$C1\",\"vsmId\":\"$VSM\",\"name\":\"c1-vsm-2\"}"
check "the same VSM twice: CCSP-4000" is_err 409 CCSP-4000
adm pool/chsm-remove "{\"chsmId\":\"$C1\"}"
check "removing a CHSM whose VSM is a device: CCSP-4000" is_err 409 CCSP-4000
adm pool/chsm-list '{}'
check "chsm-list: both, c1 with one VSM in the pool" ok '[ "$(code)" = 200 ] &&
	grep -o "\"chsmId\":\"$C1\"[^}]*" "$T/r" | grep -q "\"vsms\":1" && grep -q "\"chsmId\":\"$C2\"" "$T/r"'

# ---- tenant A's keys run on c1's VSM ----
adm pool/group-create "{\"name\":\"ga\",\"kekIndex\":1,\"tenantId\":\"$A\"}"
G=$(field groupId)
adm pool/group-add-member "{\"groupId\":\"$G\",\"deviceId\":\"$DV\"}"
check "c1's VSM joins A's group (key check set)" [ "$(code)" = 200 ]
dev_up() { adm pool/device-list '{}' && grep -o "\"deviceId\":\"$DV\"[^]]*" "$T/r" | grep -q '"state":"up"'; }
check "... and is in rotation" eventually dev_up
api "$T/alice.tok" kms/key-create '{"spec":"SM2_SIGN"}'
KA=$(field keyId)
check "A makes an SM2 key (in c1's VSM)" [ -n "$KA" ]
api "$T/alice.tok" app/create '{"name":"svc"}'
AK=$(field accessKey)
field secret >"$T/a.secret"
printf 'pay 100 yuan' >"$T/msg"
M=$(base64 -w0 "$T/msg")
asign() {
	"$CCSP" api sign --access-key "$AK" --secret-file "$T/a.secret" --body "$2" crypto "$1" >"$T/sig.h" 2>/dev/null
	curl -sk -o "$T/r" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H "@$T/sig.h" \
		--data-binary "$2" "$U/api/v1/crypto/$1" >"$T/code"
}
asign get-public-key "{\"keyId\":\"$KA\"}"
printf '%b\n' "$(field publicKey)" | sed '/^$/d' >"$T/ka.pem"
asign sign "{\"keyId\":\"$KA\",\"message\":\"$M\"}"
field signature | base64 -d >"$T/sig.der"
check "A signs on c1's VSM; openssl verifies" ok '[ "$(code)" = 200 ] &&
	"$OPENSSL" pkeyutl -verify -pubin -inkey "$T/ka.pem" -rawin -digest sm3 -in "$T/msg" -sigfile "$T/sig.der" \
		-pkeyopt distid:1234567812345678 >/dev/null 2>&1'
adm pool/device-list '{}'
check "... counted on that device" ok '[ "$(grep -o "\"deviceId\":\"$DV\"[^]]*" "$T/r" |
	grep -o "\"operations\":[0-9]*" | cut -d: -f2)" -ge 1 ]'

# ---- a VSM created by ccspd: createVSM, the CHSM's callback, the lease ----
adm pool/chsm-vsm-create "{\"chsmId\":\"$C1\",\"name\":\"c1-created\",\"flavor\":1}"
check "chsm-vsm-create: accepted, with the CHSM's vsmId" ok '[ "$(code)" = 200 ] && [ "$(field state)" = accepted ] &&
	[ -n "$(field vsmId)" ]'
RID=$(field chsmRequestId)
V2=$(field vsmId)
adm pool/chsm-vsm-create "{\"chsmId\":\"$C1\",\"name\":\"c1-vsm\"}"
check "... a name already taken: CCSP-4000, no VSM created" is_err 409 CCSP-4000
created_in_pool() { adm pool/device-list '{}' && grep -q '"name":"c1-created","kind":"chsm-vsm"' "$T/r"; }
i=0
while [ $i -lt 150 ] && ! created_in_pool; do sleep 0.2; i=$((i + 1)); done
check "its callback, verified with the CHSM's device key, completes the task; ccspd leases the VSM" created_in_pool
adm pool/chsm-task-list "{\"chsmId\":\"$C1\"}"
check "chsm-task-list: the create, done with status 200" ok \
	'grep -q "\"chsmRequestId\":\"$RID\",\"chsmId\":\"$C1\",\"oprType\":\"create\",\"vsmId\":\"$V2\",\"name\":\"c1-created\",\"state\":\"done\",\"status\":200" "$T/r"'
"$CCSP" chsm call $K vsm info --vsm "$V2" >"$T/r"
check "the created VSM is leased (token set)" grep -q '"token":"set"' "$T/r"
cbpost() { curl -sk -o "$T/r" -w '%{http_code}' -X POST -H 'Content-Type: application/json' "$@" "$U/gmt0088/callback"; }
check "a callback for no task: 404" [ "$(cbpost --data-binary '{"requestId":"nope","status":200}')" = 404 ]
check "a forged callback (no device signature): 403" [ "$(cbpost -H 'CHSM-Signature: MEQCIBm' \
	--data-binary "{\"requestId\":\"$RID\",\"status\":500,\"vsmId\":\"$V2\"}")" = 403 ]
check "a callback that is not one: 400" [ "$(cbpost --data-binary '[1]')" = 400 ]
adm pool/chsm-task-list '{}'
check "... and the task is unchanged" grep -q "\"chsmRequestId\":\"$RID\".*\"state\":\"done\"" "$T/r"
check "audited: the callback, by the CHSM" ok \
	'[ "$(db "SELECT COUNT(*) FROM audit WHERE action = '\''pool.chsm-callback'\'' AND actor = '\''chsm:$C1'\''")" = 1 ]'

# ---- a tenant's own VSM: assigned by the system administrator, its client config handed to the tenant ----
adm admin/tenant-create '{"name":"B"}'
B=$(field id)
adm admin/member-create "{\"tenant\":\"$B\",\"login\":\"bob\",\"role\":\"tenant_admin\"}"
check "B's administrator bob" first_login bob "$B" "$(field oneTimePassword)" 'Bob-Passw0rd-2026'
"$CCSP" chsm call $K vsm create --set flavor=1 --callback http://127.0.0.1:9/cb >"$T/r"
V3=$(field vsmId)
v3_ok() { "$CCSP" chsm call $K vsm status --vsm "$V3" 2>/dev/null | grep -q '"status":"ok"'; }
check "the operator created a third VSM on c1" eventually v3_ok
printf 'password-1\n' >"$T/kpw"
check "... with an SM2 signing and encryption key at index 1 (its crypto officer)" ok \
	'"$CCSP" vsm keygen --dir "$T/c1/vsm/$V3" --index 1 --sign --password-file "$T/kpw" >/dev/null &&
	"$CCSP" vsm keygen --dir "$T/c1/vsm/$V3" --index 1 --enc >/dev/null'
adm pool/tenant-vsm-assign "{\"chsmId\":\"$C1\",\"vsmId\":\"$V3\",\"tenantId\":\"$A\"}"
check "tenant-vsm-assign: the VSM is A's, its address recorded" ok '[ "$(code)" = 200 ] &&
	[ "$(field tenantId)" = "$A" ] && field address | grep -q "^127\.0\.0\.1:[0-9][0-9]*$"'
adm pool/tenant-vsm-assign "{\"chsmId\":\"$C1\",\"vsmId\":\"$V3\",\"tenantId\":\"$B\"}"
check "... not to a second tenant: CCSP-4000" is_err 409 CCSP-4000
adm pool/tenant-vsm-assign "{\"chsmId\":\"$C1\",\"vsmId\":\"$VSM\",\"tenantId\":\"$B\"}"
check "a pool device is not assigned to a tenant: CCSP-4000" is_err 409 CCSP-4000
adm pool/chsm-vsm-register "{\"chsmId\":\"$C1\",\"vsmId\":\"$V3\",\"name\":\"steal\"}"
check "a tenant's VSM does not become a pool device: CCSP-4000" is_err 409 CCSP-4000
api "$T/alice.tok" pool/tenant-vsm-assign "{\"chsmId\":\"$C1\",\"vsmId\":\"$V3\",\"tenantId\":\"$A\"}"
check "only the system administrator assigns: CCSP-3000" is_err 403 CCSP-3000
api "$T/alice.tok" vsm/list '{}'
check "vsm/list: A sees its VSM" grep -q "\"vsmId\":\"$V3\"" "$T/r"
api "$T/bob.tok" vsm/list '{}'
check "... B does not" ok '[ "$(code)" = 200 ] && ! grep -q "$V3" "$T/r"'
api "$T/bob.tok" vsm/client-config "{\"chsmId\":\"$C1\",\"vsmId\":\"$V3\"}"
check "B cannot get A's VSM's config: CCSP-1002" is_err 404 CCSP-1002
mkdir -p "$T/tv"
client_config() { # the tenant administrator's recipe (docs/api-ccspd.md "vsm")
	api "$T/alice.tok" vsm/client-config "{\"chsmId\":\"$C1\",\"vsmId\":\"$V3\"}" &&
	printf '%b' "$(field sdfConf)" >"$T/tv/sdf.conf" && printf '%b' "$(field caCert)" >"$T/tv/vsm-ca.pem" &&
	field token | "$CCSP" vsm seal-token --out "$T/tv/client.token"
}
check "vsm/client-config: the config, the VSM's certificate and a token" client_config
check "A's application uses its VSM through libsdf with them (sign, key wrap)" \
	env CCSP_SDF_CONF="$T/tv/sdf.conf" "$BIN/sdf_demo" 1 password-1
cp "$T/tv/client.token" "$T/tv/old.token"
check "a second client-config sets a new token" client_config
cp "$T/tv/client.token" "$T/tv/new.token"
cp "$T/tv/old.token" "$T/tv/client.token"
check "... the old token no longer opens the VSM" sh -c "! env CCSP_SDF_CONF='$T/tv/sdf.conf' '$BIN/sdf_demo' 1 password-1 >/dev/null 2>&1"
cp "$T/tv/new.token" "$T/tv/client.token"
check "... the new one does" env CCSP_SDF_CONF="$T/tv/sdf.conf" "$BIN/sdf_demo" 1 password-1
check "audited (assign, client-config twice), never the token" ok \
	'[ "$(db "SELECT COUNT(*) FROM audit WHERE action IN ('\''pool.tenant-vsm-assign'\'', '\''vsm.client-config'\'')")" = 3 ] &&
	! db "SELECT detail FROM audit" | grep -q "$(field token)"'

# ---- the client config lost: rewritten from the store at the next start ----
stop
rm -f "$CONF" "$T/p/pool/$C1-$VSM.pem" "$T/p/pool/$C1-$VSM.token"
start
check "after a restart without it: the config is written again" eventually test -f "$CONF"
i=0
while [ $i -lt 100 ] && ! dev_up; do sleep 0.2; i=$((i + 1)); done
asign sign "{\"keyId\":\"$KA\",\"message\":\"$M\"}"
check "A signs after the config was rewritten" [ "$(code)" = 200 ]

# ---- removal and audit ----
adm pool/group-remove-member "{\"groupId\":\"$G\",\"deviceId\":\"$DV\"}"
check "the last member of a group with keys cannot leave" is_err 409 CCSP-4000
adm pool/chsm-remove "{\"chsmId\":\"$C2\"}"
check "c2 removed (no VSM of it is a device)" [ "$(code)" = 200 ]
adm pool/chsm-list '{}'
check "... no longer listed" ok '! grep -q "\"chsmId\":\"$C2\"" "$T/r"'
check "audited: platform key, registrations, removal" ok \
	'[ "$(db "SELECT COUNT(*) FROM audit WHERE action IN ('\''pool.platform-key-create'\'', '\''pool.chsm-register'\'',
	'\''pool.chsm-vsm-register'\'', '\''pool.chsm-remove'\'')")" -ge 5 ]'
finish

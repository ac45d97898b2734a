#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Split-knowledge backup and recovery of KMS keys (KM-9; docs/api-ccspd.md "Backup by split knowledge") over HTTPS,
# with the custodians' side done by openssl alone: the security administrator backs a key up as n shares, each
# SM2-encrypted inside the VSM to one custodian; each custodian opens theirs with their own private key and
# re-encrypts it to the recovery token's public key; any m of them recreate the key — an HMAC key MACs as the
# tenant's bytes do (openssl), an SM2 key signs for its original public key — under a new id or its old one;
# m − 1 shares, a share of another backup or one not re-encrypted are refused; nothing but the secadmin may do it;
# every step audited. Uses curl, openssl, sqlite3.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/ccspd_lib.sh"
sapp() {
	"$CCSP" api sign --access-key "$1" --secret-file "$2" --body "$4" "${3%%/*}" "${3#*/}" >"$T/sig.h" \
		2>"$T/sig.err" || return 1
	curl -sk -D "$T/h" -o "$T/r" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H "@$T/sig.h" \
		--data-binary "$4" "$U/api/v1/$3" >"$T/code"
}
a() { sapp "$akA" "$T/a.secret" "$@"; }
al() { api "$T/alice.tok" "$@"; }
sec() { api "$T/sec.tok" "$@"; }
b64f() { base64 -w0 <"$1"; }
pem_to() { printf '%b\n' "$(field "$1")" | sed '/^$/d' >"$2"; }
spki() { "$OPENSSL" pkey -in "$1" -pubout -outform DER 2>/dev/null | base64 -w0; }
# share I: custodian I's share of the last backup answer into $T/share.I.der
share() { sed 's/},{/}\n{/g' "$T/backup.json" | sed -n "$1p" | sed -n 's/.*"share":"\([^"]*\)".*/\1/p' | base64 -d >"$T/share.$1.der"; }
# reencrypt I: custodian I opens their share and encrypts it to the recovery token's key -> Base64 on stdout
reencrypt() {
	"$OPENSSL" pkeyutl -decrypt -inkey "$T/c$1.pem" -in "$T/share.$1.der" -out "$T/share.$1.bin" 2>/dev/null &&
		"$OPENSSL" pkeyutl -encrypt -pubin -inkey "$T/recover.pem" -in "$T/share.$1.bin" -out "$T/share.$1.ct" \
			2>/dev/null && b64f "$T/share.$1.ct"
}
# recover_params SPEC -> $TOKEN, $T/recover.pem
recover_params() {
	sec secadmin/key-recover-params "{\"tenantId\":\"$A\",\"spec\":\"$1\"}"
	TOKEN=$(field importToken)
	pem_to publicKey "$T/recover.pem"
}

# ---- a platform; the sysadmin, a secadmin; tenant A, alice, an app; three custodians ----
vsm_start "$T/vsm"
"$CCSPD" --init "$T/p" --listen 127.0.0.1:0 --vsm-conf "$T/vsm/sdf.conf" >/dev/null
echo "vsm_kek_index = 1" >>"$T/p/ccspd.conf"
start
check "sysadmin: first login" sysadmin_first_login
check "a secadmin" operator_create "$T/admin.tok" sec secadmin 'Sec-Passw0rd-2026'
api "$T/admin.tok" admin/tenant-create '{"name":"A"}'
A=$(field id)
api "$T/admin.tok" admin/member-create "{\"tenant\":\"$A\",\"login\":\"alice\",\"role\":\"tenant_admin\"}"
check "A's administrator alice" first_login alice "$A" "$(field oneTimePassword)" 'Alice-Passw0rd-2026'
al app/create '{"name":"svc"}'
akA=$(field accessKey)
field secret >"$T/a.secret"
for i in 1 2 3; do
	"$OPENSSL" genpkey -algorithm SM2 -out "$T/c$i.pem" 2>/dev/null
	sec secadmin/custodian-add "{\"name\":\"custodian $i\",\"publicKey\":\"$(spki "$T/c$i.pem")\"}"
	eval "C$i=\$(field id)"
done
check "three custodians" ok '[ -n "$C1" ] && [ -n "$C2" ] && [ -n "$C3" ]'

# ---- an HMAC key whose bytes the tenant knows (imported), and an SM2 signing key made in the VSM ----
al kms/import-params '{"spec":"HMAC_SM3"}'
itoken=$(field importToken)
pem_to publicKey "$T/import.pem"
KH=$(randhex 32)
hexfile "$T/kh.bin" "$KH"
"$OPENSSL" pkeyutl -encrypt -pubin -inkey "$T/import.pem" -in "$T/kh.bin" -out "$T/kh.ct" 2>/dev/null
al kms/key-import "{\"importToken\":\"$itoken\",\"material\":\"$(b64f "$T/kh.ct")\"}"
KHID=$(field keyId)
al kms/key-create '{"spec":"SM2_SIGN"}'
KS=$(field keyId)
a crypto/get-public-key "{\"keyId\":\"$KS\"}"
pem_to publicKey "$T/ks.pub"
check "the keys" ok '[ -n "$KHID" ] && [ -n "$KS" ] && grep -q "BEGIN PUBLIC KEY" "$T/ks.pub"'

# ---- backup: 2 of 3 ----
al secadmin/key-backup "{\"tenantId\":\"$A\",\"keyId\":\"$KHID\",\"m\":2,\"custodians\":[\"$C1\",\"$C2\",\"$C3\"]}"
check "a tenant administrator cannot back keys up" is_err 403 CCSP-3000
sec secadmin/key-backup "{\"tenantId\":\"$A\",\"keyId\":\"$KHID\",\"m\":2,\"custodians\":[\"$C1\",\"$C1\",\"$C3\"]}"
check "the same custodian twice: CCSP-1001" is_err 400 CCSP-1001
sec secadmin/key-backup "{\"tenantId\":\"$A\",\"keyId\":\"$KHID\",\"m\":4,\"custodians\":[\"$C1\",\"$C2\",\"$C3\"]}"
check "m above n: CCSP-1001" is_err 400 CCSP-1001
sec secadmin/key-backup "{\"tenantId\":\"$A\",\"keyId\":\"$KHID\",\"m\":2,\"custodians\":[\"$C1\",\"$C2\",\"$C3\"]}"
cp "$T/r" "$T/backup.json"
check "backup: three shares, one per custodian" ok '[ "$(code)" = 200 ] && [ "$(grep -o "\"custodianId\"" "$T/r" | wc -l)" = 3 ]'
for i in 1 2 3; do share $i; done
check "... each opened by its custodian's private key only" ok '
	"$OPENSSL" pkeyutl -decrypt -inkey "$T/c1.pem" -in "$T/share.1.der" -out /dev/null 2>/dev/null &&
	! "$OPENSSL" pkeyutl -decrypt -inkey "$T/c2.pem" -in "$T/share.1.der" -out /dev/null 2>/dev/null'
check "... the key's bytes appear in no share and no answer" ok '! grep -qi "$KH" "$T/backup.json"'

# ---- recovery with custodians 1 and 3: the same key ----
recover_params HMAC_SM3
s1=$(reencrypt 1)
s3=$(reencrypt 3)
sec secadmin/key-recover "{\"tenantId\":\"$A\",\"importToken\":\"$TOKEN\",\"shares\":[\"$s1\"]}"
check "one share of 2: CCSP-1001" is_err 400 CCSP-1001
sec secadmin/key-recover "{\"tenantId\":\"$A\",\"importToken\":\"$TOKEN\",\"shares\":[\"$s1\",\"$(b64f "$T/share.3.der")\"]}"
check "a share not re-encrypted to the token's key: CCSP-1006" is_err 400 CCSP-1006
sec secadmin/key-recover "{\"tenantId\":\"$A\",\"importToken\":\"$TOKEN\",\"shares\":[\"$s1\",\"$s3\"]}"
KR=$(field keyId)
check "custodians 1 and 3 recover it: a new key, origin recovered" ok '[ "$(code)" = 200 ] &&
	[ "$(field origin)" = recovered ] && [ "$(field spec)" = HMAC_SM3 ] && [ "$KR" != "$KHID" ]'
printf 'recovered?' >"$T/m"
a crypto/mac "{\"keyId\":\"$KR\",\"data\":\"$(b64f "$T/m")\"}"
check "... which MACs as the tenant's bytes do (openssl's HMAC-SM3)" ok '[ "$(code)" = 200 ] &&
	[ "$(field mac)" = "$("$OPENSSL" mac -digest SM3 -macopt hexkey:$KH -in "$T/m" -binary HMAC | base64 -w0)" ]'

# ---- 3 of 3 for the SM2 key: two shares are not enough; recovered under its old id elsewhere ----
sec secadmin/key-backup "{\"tenantId\":\"$A\",\"keyId\":\"$KS\",\"m\":3,\"custodians\":[\"$C1\",\"$C2\",\"$C3\"]}"
cp "$T/r" "$T/backup.json"
PUB=$(field publicKey)
check "backup of the SM2 key: 3 of 3, its public key given" ok '[ "$(code)" = 200 ] && [ ${#PUB} = 128 ]'
for i in 1 2 3; do share $i; done
recover_params SM2_SIGN
s1=$(reencrypt 1)
s2=$(reencrypt 2)
s3=$(reencrypt 3)
sec secadmin/key-recover "{\"tenantId\":\"$A\",\"importToken\":\"$TOKEN\",\"publicKey\":\"$PUB\",\"shares\":[\"$s1\",\"$s2\"]}"
check "two shares of three: CCSP-1006, nothing made" ok 'is_err 400 CCSP-1006 &&
	[ "$(db "SELECT COUNT(*) FROM kms_keys WHERE origin = \"recovered\"")" = 1 ]'
sec secadmin/key-recover "{\"tenantId\":\"$A\",\"importToken\":\"$TOKEN\",\"publicKey\":\"$PUB\",\"shares\":[\"$s1\",\"$s2\",\"$s3\"],\"keyId\":\"$KS\"}"
check "under the id of a key that exists: CCSP-4000" is_err 409 CCSP-4000
NEWID=$(randhex 16)
sec secadmin/key-recover "{\"tenantId\":\"$A\",\"importToken\":\"$TOKEN\",\"publicKey\":\"$PUB\",\"shares\":[\"$s3\",\"$s1\",\"$s2\"],\"keyId\":\"$NEWID\",\"version\":4}"
check "all three, in any order, under a given id and version" ok '[ "$(code)" = 200 ] && [ "$(field keyId)" = "$NEWID" ] &&
	grep -q "\"primaryVersion\":4" "$T/r"'
printf 'signed after recovery' >"$T/msg"
a crypto/sign "{\"keyId\":\"$NEWID\",\"message\":\"$(b64f "$T/msg")\"}"
field signature | base64 -d >"$T/sig.der"
check "... which signs for the original public key (openssl verifies)" "$OPENSSL" pkeyutl -verify -pubin \
	-inkey "$T/ks.pub" -rawin -digest sm3 -in "$T/msg" -sigfile "$T/sig.der" -pkeyopt distid:1234567812345678
check "every step audited" ok '
	[ "$(db "SELECT COUNT(*) FROM audit WHERE action = \"kms.key-backup\" AND outcome = \"ok\"")" = 2 ] &&
	[ "$(db "SELECT COUNT(*) FROM audit WHERE action = \"kms.recover-params\"")" = 2 ] &&
	[ "$(db "SELECT COUNT(*) FROM audit WHERE action = \"kms.key-recover\" AND outcome = \"ok\"")" = 2 ]'
check "no key material in the log" ok '! grep -qi "$KH" "$T/p.out"'
stop
finish

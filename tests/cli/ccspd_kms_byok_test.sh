#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# BYOK and wrapped export over HTTPS (docs/api-ccspd.md "BYOK"), with nothing but openssl on the tenant's side:
# an SM4 key, an SM4_MAC key and an HMAC key encrypted by `openssl pkeyutl` to the import public key ccspd published,
# an SM2 signing key brought in a GM/T 0009 SM2EnvelopedKey assembled here from openssl's pieces; each imported key
# proven to be the tenant's own by a MAC or a signature openssl computes or verifies with the original key; every
# refusal (a used or foreign token, material for another key, of the wrong length, a private key that does not match,
# malformed); export only when the key policy allows it, only to a registered recipient, opened by openssl with the
# recipient's private key to the very bytes imported; audited. Uses curl, openssl, sqlite3.
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
b64() { printf '%s' "$1" | base64 -w0; }
b64f() { base64 -w0 <"$1"; }
pem_to() { printf '%b\n' "$(field "$1")" | sed '/^$/d' >"$2"; }
# params SPEC: import parameters -> $TOKEN, $T/import.pem
params() {
	al kms/import-params "{\"spec\":\"$1\"}"
	TOKEN=$(field importToken)
	pem_to publicKey "$T/import.pem"
}
# seal FILE: FILE's bytes SM2-encrypted by openssl to the import key -> $T/material (DER SM2Cipher)
seal() { "$OPENSSL" pkeyutl -encrypt -pubin -inkey "$T/import.pem" -in "$1" -out "$T/material" 2>/dev/null; }
# der_len N: a DER length for N content bytes, in hex
der_len() {
	if [ "$1" -lt 128 ]; then printf '%02x' "$1"
	elif [ "$1" -lt 256 ]; then printf '81%02x' "$1"
	else printf '82%04x' "$1"; fi
}
# sm2_parts KEYPEM: its private key and public point as hex -> $D (64 digits), $XY (128 digits)
sm2_parts() {
	"$OPENSSL" pkey -in "$1" -noout -text >"$T/ktext" 2>/dev/null
	D=$(sed -n '/^priv:/,/^pub:/p' "$T/ktext" | grep -v 'priv:\|pub:' | tr -d ' :\n')
	D=$(printf '%064s' "$D" | tr ' ' 0 | sed 's/.*\(.\{64\}\)$/\1/')
	XY=$(sed -n '/^pub:/,/^ASN1/p' "$T/ktext" | grep -v 'pub:\|ASN1' | tr -d ' :\n' | sed 's/^04//')
}
# envelope KEYPEM [PUBHEX]: a GM/T 0009 SM2EnvelopedKey of KEYPEM's private key for the import key -> $T/material;
# PUBHEX (x || y) replaces the key's public point (a mismatched envelope)
envelope() {
	sm2_parts "$1"
	K=$(randhex 16)
	hexfile "$T/k.bin" "$K"
	hexfile "$T/d.bin" "$D"
	"$OPENSSL" pkeyutl -encrypt -pubin -inkey "$T/import.pem" -in "$T/k.bin" -out "$T/kct.der" 2>/dev/null
	"$OPENSSL" enc -sm4-ecb -K "$K" -nopad -in "$T/d.bin" -out "$T/dct.bin" 2>/dev/null
	body="300a06082a811ccf55016801$(filehex "$T/kct.der")03420004${2:-$XY}032100$(filehex "$T/dct.bin")"
	hexfile "$T/material" "30$(der_len $((${#body} / 2)))$body"
}

# ---- a platform with its VSM; the sysadmin, a secadmin; tenants A and B, their administrators; an app in A ----
vsm_start "$T/vsm"
"$CCSPD" --init "$T/p" --listen 127.0.0.1:0 --vsm-conf "$T/vsm/sdf.conf" >/dev/null
echo "vsm_kek_index = 1" >>"$T/p/ccspd.conf"
start
check "sysadmin: first login" sysadmin_first_login
check "a secadmin" operator_create "$T/admin.tok" sec secadmin 'Sec-Passw0rd-2026'
for t in A B; do
	api "$T/admin.tok" admin/tenant-create "{\"name\":\"$t\"}"
	eval "$t=\$(field id)"
done
api "$T/admin.tok" admin/member-create "{\"tenant\":\"$A\",\"login\":\"alice\",\"role\":\"tenant_admin\"}"
check "A's administrator alice" first_login alice "$A" "$(field oneTimePassword)" 'Alice-Passw0rd-2026'
api "$T/admin.tok" admin/member-create "{\"tenant\":\"$B\",\"login\":\"bob\",\"role\":\"tenant_admin\"}"
check "B's administrator bob" first_login bob "$B" "$(field oneTimePassword)" 'Bob-Passw0rd-2026'
al app/create '{"name":"svc"}'
akA=$(field accessKey)
field secret >"$T/a.secret"

# ---- import parameters ----
params SM4_MAC
check "import-params: a token and an SM2 public key openssl reads, valid 24 hours" ok '[ "$(code)" = 200 ] &&
	[ ${#TOKEN} = 32 ] && "$OPENSSL" pkey -pubin -in "$T/import.pem" -noout 2>/dev/null &&
	[ $(( $(sed -n "s/.*\"expires\":\\([0-9]*\\).*/\\1/p" "$T/r") - $(date +%s) * 1000 )) -gt $((23 * 3600 * 1000)) ]'
check "... the import key's private key stored only wrapped" ok '[ "$(db "SELECT length(wrapped) FROM kms_imports
	WHERE id = \"$TOKEN\"")" = 62 ]'
al kms/import-params '{"spec":"RSA"}'
check "import-params for no such spec: CCSP-1001" is_err 400 CCSP-1001

# ---- an SM4_MAC key: the tenant's own bytes, proven by a CBC-MAC openssl computes with them ----
KMAC=$(randhex 16)
hexfile "$T/kmac.bin" "$KMAC"
seal "$T/kmac.bin"
al kms/key-import "{\"importToken\":\"$TOKEN\",\"material\":\"$(b64f "$T/material")\",\"alias\":\"own-mac\"}"
KM=$(field keyId)
check "key-import: an SM4_MAC key, origin imported" ok '[ "$(code)" = 200 ] && [ "$(field spec)" = SM4_MAC ] &&
	[ "$(field origin)" = imported ] && [ "$(field state)" = enabled ]'
printf 'sixteen byte msg' >"$T/m16"
a crypto/mac "{\"keyId\":\"$KM\",\"data\":\"$(b64f "$T/m16")\"}"
# SM4-CBC-MAC with padding method 2: the last block of SM4-CBC over m || 80 00 .. 00, zero IV
{ cat "$T/m16"; printf '\200\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0'; } >"$T/m16p"
"$OPENSSL" enc -sm4-cbc -K "$KMAC" -iv 00000000000000000000000000000000 -nopad -in "$T/m16p" | tail -c 16 >"$T/mac.ref"
check "the imported key MACs as the tenant's bytes do (openssl's SM4-CBC)" ok '[ "$(code)" = 200 ] &&
	[ "$(field mac)" = "$(b64f "$T/mac.ref")" ]'
al kms/key-import "{\"importToken\":\"$TOKEN\",\"material\":\"$(b64f "$T/material")\"}"
check "the token is used up: CCSP-1002" is_err 404 CCSP-1002
check "... and no second key made" [ "$(db "SELECT COUNT(*) FROM kms_keys WHERE tenant_id = '$A'")" = 1 ]

# ---- an HMAC key: proven by openssl's HMAC-SM3 ----
params HMAC_SM3
KH=$(randhex 32)
hexfile "$T/kh.bin" "$KH"
seal "$T/kh.bin"
al kms/key-import "{\"importToken\":\"$TOKEN\",\"material\":\"$(b64f "$T/material")\"}"
KHID=$(field keyId)
a crypto/mac "{\"keyId\":\"$KHID\",\"data\":\"$(b64f "$T/m16")\"}"
check "an imported HMAC_SM3 key: openssl's HMAC-SM3 with the tenant's bytes agrees" ok '[ "$(code)" = 200 ] &&
	[ "$(field mac)" = "$("$OPENSSL" mac -digest SM3 -macopt hexkey:$KH -in "$T/m16" -binary HMAC | base64 -w0)" ]'

# ---- an SM2 signing key in a GM/T 0009 envelope: signatures verify with the tenant's own public key ----
"$OPENSSL" genpkey -algorithm SM2 -out "$T/own.pem" 2>/dev/null
"$OPENSSL" pkey -in "$T/own.pem" -pubout -out "$T/own.pub" 2>/dev/null
params SM2_SIGN
envelope "$T/own.pem"
al kms/key-import "{\"importToken\":\"$TOKEN\",\"material\":\"$(b64f "$T/material")\"}"
KS=$(field keyId)
check "key-import of an SM2EnvelopedKey: an SM2_SIGN key" ok '[ "$(code)" = 200 ] && [ "$(field spec)" = SM2_SIGN ]'
printf 'contract 42' >"$T/msg"
a crypto/sign "{\"keyId\":\"$KS\",\"message\":\"$(b64f "$T/msg")\"}"
field signature | base64 -d >"$T/sig.der"
check "its signatures verify with the tenant's original public key (openssl)" "$OPENSSL" pkeyutl -verify -pubin \
	-inkey "$T/own.pub" -rawin -digest sm3 -in "$T/msg" -sigfile "$T/sig.der" -pkeyopt distid:1234567812345678
a crypto/get-public-key "{\"keyId\":\"$KS\"}"
pem_to publicKey "$T/ks.pub"
check "get-public-key answers the tenant's public key" cmp -s "$T/ks.pub" "$T/own.pub"

# ---- refusals: nothing imported, the token kept for a correct attempt ----
params SM4
printf 'seventeen bytes!!' >"$T/k17"
seal "$T/k17"
al kms/key-import "{\"importToken\":\"$TOKEN\",\"material\":\"$(b64f "$T/material")\"}"
check "material of 17 bytes for an SM4 key: CCSP-1006" is_err 400 CCSP-1006
"$OPENSSL" pkeyutl -encrypt -pubin -inkey "$T/own.pub" -in "$T/kmac.bin" -out "$T/other.ct" 2>/dev/null
al kms/key-import "{\"importToken\":\"$TOKEN\",\"material\":\"$(b64f "$T/other.ct")\"}"
check "material encrypted to another key: CCSP-1006" is_err 400 CCSP-1006
al kms/key-import "{\"importToken\":\"$TOKEN\",\"material\":\"$(b64 'not DER at all')\"}"
check "malformed material: CCSP-1001" is_err 400 CCSP-1001
api "$T/bob.tok" kms/key-import "{\"importToken\":\"$TOKEN\",\"material\":\"$(b64f "$T/material")\"}"
check "B's administrator cannot use A's token: CCSP-1002" is_err 404 CCSP-1002
check "no key made by any refusal" [ "$(db "SELECT COUNT(*) FROM kms_keys")" = 3 ]
seal "$T/kmac.bin"
al kms/key-import "{\"importToken\":\"$TOKEN\",\"material\":\"$(b64f "$T/material")\"}"
check "... and the token still works for correct material" ok '[ "$(code)" = 200 ] && [ "$(field spec)" = SM4 ]'
KSM4=$(field keyId)
"$OPENSSL" genpkey -algorithm SM2 -out "$T/other.pem" 2>/dev/null
sm2_parts "$T/other.pem"
OTHERXY=$XY
params SM2_SIGN
envelope "$T/own.pem" "$OTHERXY"
al kms/key-import "{\"importToken\":\"$TOKEN\",\"material\":\"$(b64f "$T/material")\"}"
check "an envelope whose public key is not the private key's: CCSP-1006" is_err 400 CCSP-1006

# ---- export: only when the policy allows, only to a registered recipient ----
"$OPENSSL" genpkey -algorithm SM2 -out "$T/rcpt.pem" 2>/dev/null
"$OPENSSL" pkey -in "$T/rcpt.pem" -pubout -out "$T/rcpt.pub" 2>/dev/null
al kms/recipient-add "{\"name\":\"escrow\",\"publicKey\":\"$(awk '{printf "%s\\n", $0}' "$T/rcpt.pub")\"}"
check "recipient-add: a named public key" ok '[ "$(code)" = 200 ] && [ "$(field name)" = escrow ]'
al kms/recipient-add "{\"name\":\"escrow\",\"publicKey\":\"$(awk '{printf "%s\\n", $0}' "$T/rcpt.pub")\"}"
check "the same name again: CCSP-4000" is_err 409 CCSP-4000
al kms/recipient-add "{\"name\":\"oops\",\"publicKey\":\"$(awk '{printf "%s\\n", $0}' "$T/rcpt.pem")\"}"
check "a private key as a recipient: CCSP-1001, not stored" ok 'is_err 400 CCSP-1001 &&
	[ "$(db "SELECT COUNT(*) FROM kms_recipients")" = 1 ]'
al kms/key-export "{\"keyId\":\"$KSM4\",\"recipient\":\"escrow\"}"
check "export while the key policy forbids it: CCSP-3000" is_err 403 CCSP-3000
api "$T/sec.tok" secadmin/policy-set '{"allowWrappedExport":true}'
check "the secadmin allows wrapped export" ok '[ "$(code)" = 200 ]'
api "$T/bob.tok" kms/key-export "{\"keyId\":\"$KSM4\",\"recipient\":\"escrow\"}"
check "B's administrator cannot export A's key" is_err 404 CCSP-1002
al kms/key-export "{\"keyId\":\"$KSM4\",\"recipient\":\"nobody\"}"
check "an unregistered recipient: CCSP-1002" is_err 404 CCSP-1002
al kms/key-export "{\"keyId\":\"$KSM4\",\"recipient\":\"escrow\"}"
field wrappedKey | base64 -d >"$T/exp.der"
check "export of the SM4 key: openssl opens it with the recipient's key to the bytes imported" ok '[ "$(code)" = 200 ] &&
	"$OPENSSL" pkeyutl -decrypt -inkey "$T/rcpt.pem" -in "$T/exp.der" -out "$T/exp.bin" 2>/dev/null &&
	cmp -s "$T/exp.bin" "$T/kmac.bin"'
al kms/key-export "{\"keyId\":\"$KS\",\"recipient\":\"escrow\"}"
field wrappedKey | base64 -d >"$T/env.der"
# the SM2EnvelopedKey: header, the 12-byte algorithm, then the SM2Cipher (short length), ..., d' in the last 32 bytes
hdr=$(( $(od -An -tu1 -j1 -N1 "$T/env.der" | tr -d ' ') == 0x81 ? 3 : 2 ))
clen=$(( $(od -An -tu1 -j$((hdr + 13)) -N1 "$T/env.der" | tr -d ' ') + 2 ))
tail -c +$((hdr + 13)) "$T/env.der" | head -c "$clen" >"$T/env.kct"
tail -c 32 "$T/env.der" >"$T/env.dct"
sm2_parts "$T/own.pem"
filehex "$T/env.der" >"$T/hexenv"
check "export of the SM2 key: an SM2EnvelopedKey whose private key openssl recovers as the tenant's own" ok '
	[ "$(code)" = 200 ] && "$OPENSSL" pkeyutl -decrypt -inkey "$T/rcpt.pem" -in "$T/env.kct" -out "$T/env.k" 2>/dev/null &&
	"$OPENSSL" enc -d -sm4-ecb -K "$(filehex "$T/env.k")" -nopad -in "$T/env.dct" -out "$T/env.d" 2>/dev/null &&
	[ "$(filehex "$T/env.d")" = "$D" ] && grep -q "04$XY" "$T/hexenv"'
check "every import and export audited" ok '
	[ "$(db "SELECT COUNT(*) FROM audit WHERE action = \"kms.key-import\" AND outcome = \"ok\"")" = 4 ] &&
	[ "$(db "SELECT COUNT(*) FROM audit WHERE action = \"kms.key-export\" AND outcome = \"ok\"")" = 2 ] &&
	[ "$(db "SELECT COUNT(*) FROM audit WHERE action = \"kms.import-params\"")" = 5 ]'
# ---- judicial recovery (KM-10): one secadmin requests, another approves, the applicant's key receives it ----
check "a second secadmin" operator_create "$T/admin.tok" sec2 secadmin 'Sec2-Passw0rd-2026'
"$OPENSSL" genpkey -algorithm SM2 -out "$T/court.pem" 2>/dev/null
"$OPENSSL" pkey -in "$T/court.pem" -pubout -out "$T/court.pub" 2>/dev/null
jreq="{\"applicant\":\"Intermediate People's Court\",\"keyHolder\":\"tenant A (alice)\",\"contact\":\"clerk@court.example\",
	\"tenantId\":\"$A\",\"keyId\":\"$KSM4\",\"recipientPublicKey\":\"$(awk '{printf "%s\\n", $0}' "$T/court.pub")\"}"
al secadmin/judicial-request "$jreq"
check "a tenant administrator cannot file a judicial recovery" is_err 403 CCSP-3000
api "$T/sec.tok" secadmin/judicial-request "$jreq"
RJ=$(field id)
check "secadmin: judicial-request filed, pending" ok '[ "$(code)" = 200 ] && [ "$(field state)" = pending ] &&
	[ "$(field kind)" = judicial-recovery ]'
api "$T/sec.tok" secadmin/judicial-request "$jreq"
check "a second request for the same key while one is pending: CCSP-4000" is_err 409 CCSP-4000
api "$T/sec.tok" secadmin/judicial-fetch "{\"id\":\"$RJ\"}"
check "nothing handed over before the approval: CCSP-4000" ok 'is_err 409 CCSP-4000 && ! grep -q wrappedKey "$T/r"'
api "$T/sec.tok" approval/approve "{\"id\":\"$RJ\"}"
check "the requester cannot approve it" is_err 403 CCSP-3000
api "$T/sec2.tok" approval/approve "{\"id\":\"$RJ\"}"
check "another secadmin approves: executed" ok '[ "$(code)" = 200 ] && [ "$(field state)" = executed ]'
api "$T/sec.tok" secadmin/judicial-fetch "{\"id\":\"$RJ\"}"
field wrappedKey | base64 -d >"$T/court.der"
check "the handover: the key SM2-encrypted to the applicant, openssl opens it to the tenant's bytes" ok '
	[ "$(code)" = 200 ] && "$OPENSSL" pkeyutl -decrypt -inkey "$T/court.pem" -in "$T/court.der" -out "$T/court.bin" \
	2>/dev/null && cmp -s "$T/court.bin" "$T/kmac.bin"'
check "... every step audited with the applicant, key holder and contact" ok '
	[ "$(db "SELECT COUNT(*) FROM audit WHERE action = \"kms.judicial-recovery\" AND target = \"$KSM4\"
		AND detail LIKE \"%Intermediate People%\" AND detail LIKE \"%clerk@court.example%\"")" = 1 ] &&
	[ "$(db "SELECT COUNT(*) FROM audit WHERE action = \"kms.judicial-handover\" AND target = \"$KSM4\"")" = 1 ]'
api "$T/sec.tok" approval/list '{}'
check "... and listed with its request" grep -q '"kind":"judicial-recovery"' "$T/r"

al kms/recipient-list '{}'
check "recipient-list" ok '[ "$(code)" = 200 ] && grep -q "\"name\":\"escrow\"" "$T/r"'
al kms/recipient-remove '{"name":"escrow"}'
al kms/key-export "{\"keyId\":\"$KSM4\",\"recipient\":\"escrow\"}"
check "a removed recipient receives nothing" is_err 404 CCSP-1002
check "no key material or plaintext in the log" ok '! grep -qi "$KMAC\|$KH\|$D" "$T/p.out"'
stop
finish

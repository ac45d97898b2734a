#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ccspd's GM/T 0010 SM2 digital envelopes over HTTPS (docs/api-ccspd.md "crypto/envelope-seal,
# crypto/envelope-open"), with openssl as the independent side: an envelope sealed to a KMS SM2_ENC key's public
# key opens through the API (0, 14 and 65536 bytes); an envelope sealed to an openssl key is opened by openssl
# alone (its SM2Cipher decrypted by `openssl pkeyutl`, its content by `openssl enc -d -sm4-cbc`) and carries the
# layout the docs give; an envelope sealed to a certificate names its issuer and serial number; an envelope built
# by openssl alone (`openssl asn1parse -genconf`) opens through the API; refusals: another tenant's key, a signing
# key, an envelope for another key, a truncated or altered envelope, other algorithms, sizes, a private key or a
# certificate not for encryption as recipient, a disabled key (an archived one still opens); batches; metering.
# Uses curl, openssl, sqlite3.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/ccspd_lib.sh"
# sapp AK SECRETFILE AREA/ACTION BODY: a request signed as the app -> $T/r, $T/code
sapp() {
	"$CCSP" api sign --access-key "$1" --secret-file "$2" --body "$4" "${3%%/*}" "${3#*/}" >"$T/sig.h" \
		2>"$T/sig.err" || return 1
	curl -sk -D "$T/h" -o "$T/r" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H "@$T/sig.h" \
		--data-binary "$4" "$U/api/v1/$3" >"$T/code"
}
a() { sapp "$akA" "$T/a.secret" "$@"; }
b64f() { base64 -w0 <"$1"; }
pem_to() { printf '%b\n' "$(field publicKey)" | sed '/^$/d' >"$1"; }
unb64_to() { field "$1" | base64 -d >"$2"; }
# pem_json FILE: a PEM file as a JSON string's content (line ends as \n)
pem_json() { awk '{printf "%s\\n", $0}' "$1"; }
# seal PEMFILE DATAFILE: crypto/envelope-seal as A's app; the envelope into $T/env.der
seal() {
	a crypto/envelope-seal "{\"recipient\":\"$(pem_json "$1")\",\"data\":\"$(b64f "$2")\"}" &&
		unb64_to envelope "$T/env.der"
}
# open KEY ENVFILE [MEMBERS]: crypto/envelope-open as A's app; the data into $T/open.out
open_env() {
	a crypto/envelope-open "{\"keyId\":\"$1\",\"envelope\":\"$(b64f "$2")\"${3:-}}" && unb64_to data "$T/open.out"
}
# tlv ENVFILE N PATTERN: offset, header length and length of the N-th line of `openssl asn1parse` matching PATTERN
tlv() {
	"$OPENSSL" asn1parse -inform DER -in "$1" | grep -- "$3" | sed -n "${2}p" |
		sed -n 's/^ *\([0-9]*\):d=[0-9]* *hl=\([0-9]*\) *l= *\([0-9]*\).*/\1 \2 \3/p'
}
# value ENVFILE N PATTERN OUTFILE: that TLV's value bytes
value() {
	set -- "$1" "$4" $(tlv "$1" "$2" "$3")
	tail -c +$(($3 + $4 + 1)) "$1" | head -c "$5" >"$2"
}
# oracle ENVFILE KEYPEM OUTFILE: the envelope opened by openssl alone
oracle() {
	value "$1" 1 'OCTET STRING' "$T/o.keyct" && value "$1" 2 'OCTET STRING' "$T/o.iv" &&
		value "$1" 1 'prim: *cont \[ 0 \]' "$T/o.content" && [ "$(wc -c <"$T/o.iv")" = 16 ] &&
		"$OPENSSL" pkeyutl -decrypt -inkey "$2" -in "$T/o.keyct" -out "$T/o.key" 2>/dev/null &&
		[ "$(wc -c <"$T/o.key")" = 16 ] &&
		"$OPENSSL" enc -d -sm4-cbc -K "$(xxd -p "$T/o.key" | tr -d '\n')" -iv "$(xxd -p "$T/o.iv" | tr -d '\n')" \
			-in "$T/o.content" -out "$3" 2>/dev/null
}
# build PUBPEM DATAFILE OUTFILE [CONTENT-OID]: an envelope made by openssl alone (random SM4 key and IV)
build() {
	head -c 16 /dev/urandom >"$T/b.key"
	head -c 16 /dev/urandom >"$T/b.iv"
	"$OPENSSL" pkeyutl -encrypt -pubin -inkey "$1" -in "$T/b.key" -out "$T/b.keyct" 2>/dev/null || return 1
	"$OPENSSL" enc -sm4-cbc -K "$(xxd -p "$T/b.key" | tr -d '\n')" -iv "$(xxd -p "$T/b.iv" | tr -d '\n')" \
		-in "$2" -out "$T/b.content" || return 1
	cat >"$T/b.cnf" <<EOF
asn1 = SEQUENCE:ci
[ci]
type = OID:1.2.156.10197.6.1.4.2.3
content = EXPLICIT:0,SEQUENCE:ed
[ed]
version = INTEGER:1
ris = SET:ris
eci = SEQUENCE:eci
[ris]
ri = SEQUENCE:ri
[ri]
version = INTEGER:1
ias = SEQUENCE:ias
alg = SEQUENCE:kalg
key = FORMAT:HEX,OCTETSTRING:$(xxd -p "$T/b.keyct" | tr -d '\n')
[ias]
issuer = SEQUENCE:name
serial = INTEGER:0x2a
[name]
rdn = SET:rdn
[rdn]
cn = SEQUENCE:cn
[cn]
oid = OID:commonName
v = UTF8:Some CA
[kalg]
oid = OID:1.2.156.10197.1.301.3
[eci]
type = OID:1.2.156.10197.6.1.4.2.1
alg = SEQUENCE:calg
content = IMPLICIT:0,FORMAT:HEX,OCTETSTRING:$(xxd -p "$T/b.content" | tr -d '\n')
[calg]
oid = OID:${4:-1.2.156.10197.1.104.2}
iv = FORMAT:HEX,OCTETSTRING:$(xxd -p "$T/b.iv" | tr -d '\n')
EOF
	"$OPENSSL" asn1parse -genconf "$T/b.cnf" -out "$3" -noout >/dev/null
}

# ---- a platform with its VSM; tenants A and B, their administrators and apps ----
vsm_start "$T/vsm"
"$CCSPD" --init "$T/p" --listen 127.0.0.1:0 --vsm-conf "$T/vsm/sdf.conf" >/dev/null
echo "vsm_kek_index = 1" >>"$T/p/ccspd.conf"
echo "metering_flush_interval_s = 1" >>"$T/p/ccspd.conf"
start
check "sysadmin: first login" sysadmin_first_login
for t in A B; do
	api "$T/admin.tok" admin/tenant-create "{\"name\":\"$t\"}"
	eval "$t=\$(field id)"
done
api "$T/admin.tok" admin/member-create "{\"tenant\":\"$A\",\"login\":\"alice\",\"role\":\"tenant_admin\"}"
check "A's administrator alice" first_login alice "$A" "$(field oneTimePassword)" 'Alice-Passw0rd-2026'
api "$T/admin.tok" admin/member-create "{\"tenant\":\"$B\",\"login\":\"bob\",\"role\":\"tenant_admin\"}"
check "B's administrator bob" first_login bob "$B" "$(field oneTimePassword)" 'Bob-Passw0rd-2026'
api "$T/alice.tok" app/create '{"name":"svc"}'
akA=$(field accessKey)
field secret >"$T/a.secret"
api "$T/bob.tok" app/create '{"name":"svc"}'
akB=$(field accessKey)
field secret >"$T/b.secret"
for k in ENC ENC2 SIGN; do
	spec=SM2_ENC
	[ $k = SIGN ] && spec=SM2_SIGN
	api "$T/alice.tok" kms/key-create "{\"spec\":\"$spec\"}"
	eval "K_$k=\$(field keyId)"
done
a crypto/get-public-key "{\"keyId\":\"$K_ENC\"}"
pem_to "$T/enc.pem"
a crypto/get-public-key "{\"keyId\":\"$K_ENC2\"}"
pem_to "$T/enc2.pem"
check "A has two SM2_ENC keys and an SM2_SIGN key, public keys exported" ok '[ -n "$K_SIGN" ] &&
	grep -q "BEGIN PUBLIC KEY" "$T/enc.pem" && ! cmp -s "$T/enc.pem" "$T/enc2.pem"'

# ---- seal to a KMS key, open through the API ----
printf 'hello envelope' >"$T/d14"
: >"$T/d0"
head -c 65536 /dev/urandom >"$T/d64k"
for d in d14 d0 d64k; do
	seal "$T/enc.pem" "$T/$d"
	cp "$T/env.der" "$T/env.$d"
	check "seal $d to the KMS key: a DER envelope" ok '[ "$(code)" = 200 ] && [ -s "$T/env.der" ]'
	open_env "$K_ENC" "$T/env.der"
	check "... envelope-open gives the data back (keyId, version 1)" ok '[ "$(code)" = 200 ] &&
		cmp -s "$T/$d" "$T/open.out" && [ "$(field keyId)" = "$K_ENC" ] && grep -q "\"version\":1" "$T/r"'
done
seal "$T/enc.pem" "$T/d14"
check "two seals of the same data differ (fresh key and IV)" ok '! cmp -s "$T/env.der" "$T/env.d14"'
head -c 65537 /dev/urandom >"$T/d64k1"
seal "$T/enc.pem" "$T/d64k1"
check "seal 65537 bytes: CCSP-1001" is_err 400 CCSP-1001

# ---- seal to an openssl key, opened by openssl alone ----
"$OPENSSL" genpkey -algorithm SM2 -out "$T/o.pem" 2>/dev/null
"$OPENSSL" pkey -in "$T/o.pem" -pubout -out "$T/o.pub.pem"
for d in d14 d0 d64k; do
	seal "$T/o.pub.pem" "$T/$d"
	check "seal $d to an openssl key: openssl decrypts the key (pkeyutl) and the content (enc -sm4-cbc)" ok '
		[ "$(code)" = 200 ] && oracle "$T/env.der" "$T/o.pem" "$T/o.out" && cmp -s "$T/$d" "$T/o.out"'
done
seal "$T/o.pub.pem" "$T/d14"
"$OPENSSL" asn1parse -inform DER -in "$T/env.der" -i >"$T/layout"
# the documented layout: ContentInfo(envelopedData, [0] EnvelopedData(1, SET{RecipientInfo(1, (Name, serial),
# (SM2 encryption), SM2Cipher)}, EncryptedContentInfo(data, (SM4-CBC, IV), [0] content)))
check "... the layout of docs/api-ccspd.md" ok '
	[ "$(sed -n "s/.*OBJECT *://p" "$T/layout" | tr "\n" " ")" = "1.2.156.10197.6.1.4.2.3 1.2.156.10197.1.301.3 1.2.156.10197.6.1.4.2.1 sm4-cbc " ] &&
	[ "$(grep -c "INTEGER *:01" "$T/layout")" = 2 ] && grep -q "d=6 .*SEQUENCE" "$T/layout" &&
	grep -q "d=6 .*INTEGER *:00" "$T/layout" && grep -q "d=4 .*prim: *cont \[ 0 \]" "$T/layout" &&
	grep -q "d=3 .*SET" "$T/layout" && [ "$(tlv "$T/env.der" 1 "prim: *cont \[ 0 \]" | cut -d" " -f3)" = 16 ]'
"$OPENSSL" asn1parse -inform DER -in "$T/env.der" -strparse "$(tlv "$T/env.der" 1 'OCTET STRING' | cut -d' ' -f1)" \
	>"$T/keyct.txt" 2>/dev/null
check "... its encrypted key a GM/T 0009 SM2Cipher (x, y, C3 of 32 bytes, C2 of 16)" ok '
	[ "$(grep -c INTEGER "$T/keyct.txt")" = 2 ] && [ "$(grep -c "OCTET STRING" "$T/keyct.txt")" = 2 ] &&
	grep -q "l=  32 prim: OCTET STRING" "$T/keyct.txt" && grep -q "l=  16 prim: OCTET STRING" "$T/keyct.txt"'
"$OPENSSL" req -x509 -new -key "$T/o.pem" -subj /CN=Carol -sm3 -sigopt distid:1234567812345678 -days 30 \
	-addext keyUsage=critical,keyEncipherment,dataEncipherment -set_serial 0x0a0b0c -out "$T/o.crt" 2>/dev/null
seal "$T/o.crt" "$T/d14"
"$OPENSSL" asn1parse -inform DER -in "$T/env.der" -i >"$T/layout"
check "seal to a certificate: its issuer and serial number named, openssl opens it" ok '[ "$(code)" = 200 ] &&
	grep -q "UTF8STRING *:Carol" "$T/layout" && grep -q "INTEGER *:0A0B0C" "$T/layout" &&
	oracle "$T/env.der" "$T/o.pem" "$T/o.out" && cmp -s "$T/d14" "$T/o.out"'
"$OPENSSL" req -x509 -new -key "$T/o.pem" -subj /CN=Carol -sm3 -sigopt distid:1234567812345678 -days 30 \
	-addext keyUsage=critical,digitalSignature -out "$T/o.sig.crt" 2>/dev/null
seal "$T/o.sig.crt" "$T/d14"
check "a certificate whose keyUsage lacks keyEncipherment: CCSP-1001" ok 'is_err 400 CCSP-1001 &&
	grep -q keyEncipherment "$T/r"'
seal "$T/o.pem" "$T/d14"
check "a private key as recipient: CCSP-1001, refused" ok 'is_err 400 CCSP-1001 && ! grep -q envelope\" "$T/r"'
a crypto/envelope-seal "{\"recipient\":\"not a key\",\"data\":\"\"}"
check "a recipient that is no key: CCSP-1001" is_err 400 CCSP-1001

# ---- an envelope built by openssl alone, opened through the API ----
build "$T/enc.pem" "$T/d14" "$T/hand.der"
open_env "$K_ENC" "$T/hand.der"
check "openssl's envelope (genconf) opens through the API" ok '[ "$(code)" = 200 ] && cmp -s "$T/d14" "$T/open.out"'
build "$T/enc.pem" "$T/d64k" "$T/hand64k.der"
open_env "$K_ENC" "$T/hand64k.der"
check "... of 65536 bytes too" ok '[ "$(code)" = 200 ] && cmp -s "$T/d64k" "$T/open.out"'
build "$T/enc.pem" "$T/d14" "$T/ecb.der" 1.2.156.10197.1.104.1
open_env "$K_ENC" "$T/ecb.der"
check "an envelope with SM4-ECB: CCSP-1001 naming SM4-CBC" ok 'is_err 400 CCSP-1001 && grep -q SM4-CBC "$T/r"'

# ---- refusals ----
seal "$T/enc.pem" "$T/d14"
cp "$T/env.der" "$T/good.der"
sapp "$akB" "$T/b.secret" crypto/envelope-open "{\"keyId\":\"$K_ENC\",\"envelope\":\"$(b64f "$T/good.der")\"}"
check "B's app cannot open with A's key: CCSP-1002" ok 'is_err 404 CCSP-1002 && ! grep -q data\" "$T/r"'
open_env "$K_SIGN" "$T/good.der"
check "a signing key does not open envelopes: CCSP-1007" is_err 400 CCSP-1007
open_env "$K_ENC2" "$T/good.der"
check "an envelope for another key: CCSP-1006, nothing decrypted" ok 'is_err 400 CCSP-1006 && ! grep -q data\" "$T/r"'
head -c 100 "$T/good.der" >"$T/trunc.der"
open_env "$K_ENC" "$T/trunc.der"
check "a truncated envelope: CCSP-1001" is_err 400 CCSP-1001
{ cat "$T/good.der"; printf x; } >"$T/trail.der"
open_env "$K_ENC" "$T/trail.der"
check "an envelope with a trailing byte: CCSP-1001" is_err 400 CCSP-1001
# flip one byte (XOR 1) at offset $2 of $1 into $3
flip() {
	head -c "$2" "$1" >"$3"
	tail -c +$(($2 + 1)) "$1" | head -c 1 | od -An -tu1 | { read -r v; printf "\\$(printf %03o $((v ^ 1)))"; } >>"$3"
	tail -c +$(($2 + 2)) "$1" >>"$3"
}
set -- $(tlv "$T/good.der" 1 'OCTET STRING')
flip "$T/good.der" $(($1 + $2 + 80)) "$T/c3.der" # a byte of C3 inside the SM2Cipher
open_env "$K_ENC" "$T/c3.der"
check "an altered encrypted key: CCSP-1006" is_err 400 CCSP-1006
set -- $(tlv "$T/good.der" 2 'OCTET STRING')
flip "$T/good.der" $(($1 + $2 + 15)) "$T/iv.der" # the IV's last byte: the padding byte of 'hello envelope' changes
open_env "$K_ENC" "$T/iv.der"
check "an altered IV (the padding no longer checks): CCSP-1006" is_err 400 CCSP-1006
a crypto/envelope-open "{\"keyId\":\"$K_ENC\",\"envelope\":\"not base64!\"}"
check "an envelope that is not Base64: CCSP-1001" is_err 400 CCSP-1001
a crypto/envelope-open "{\"keyId\":\"$K_ENC\",\"envelope\":\"$(b64f "$T/d14")\"}"
check "bytes that are no envelope: CCSP-1001" is_err 400 CCSP-1001
a crypto/envelope-open "{\"envelope\":\"$(b64f "$T/good.der")\"}"
check "no key named: CCSP-1001" is_err 400 CCSP-1001
open_env "$K_ENC" "$T/good.der" ',"version":2'
check "a version the key does not have: CCSP-1001" is_err 400 CCSP-1001

# ---- key states: archived still opens (old work), disabled does not ----
api "$T/alice.tok" kms/key-archive "{\"keyId\":\"$K_ENC\"}"
open_env "$K_ENC" "$T/good.der"
check "an archived key still opens" ok '[ "$(code)" = 200 ] && cmp -s "$T/d14" "$T/open.out"'
seal "$T/enc2.pem" "$T/d14"
api "$T/alice.tok" kms/key-disable "{\"keyId\":\"$K_ENC2\"}"
open_env "$K_ENC2" "$T/env.der"
check "a disabled key does not: CCSP-4002" is_err 409 CCSP-4002

# ---- batches ----
items="{\"action\":\"envelope-seal\",\"recipient\":\"$(pem_json "$T/o.pub.pem")\",\"data\":\"$(b64f "$T/d14")\"},
	{\"action\":\"envelope-open\",\"keyId\":\"$K_ENC\",\"envelope\":\"$(b64f "$T/good.der")\"}"
a crypto/batch "{\"items\":[$items]}"
check "a batch seals and opens" ok '[ "$(code)" = 200 ] && grep -q "\"succeeded\":2" "$T/r" &&
	grep -q "\"data\":\"$(b64f "$T/d14")\"" "$T/r"'
sed -n 's/.*"envelope":"\([^"]*\)".*/\1/p' "$T/r" | base64 -d >"$T/batch.der"
check "... and the batch's envelope opens with openssl" ok 'oracle "$T/batch.der" "$T/o.pem" "$T/o.out" &&
	cmp -s "$T/d14" "$T/o.out"'

# ---- metering, logs ----
opens_counted() {
	api "$T/alice.tok" usage/query "{\"keyId\":\"$K_ENC\",\"groupBy\":[\"key\",\"action\"]}" &&
		grep -q "\"action\":\"crypto/envelope-open\"" "$T/r"
}
check "metering: envelope-open counted for its key" eventually opens_counted
check "no data, no private key in the log" ok '! grep -qi "hello envelope\|BEGIN PRIVATE" "$T/p.out"'
stop
finish

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ccspd's KMS keys beyond SM4 over HTTPS (docs/api-ccspd.md "KMS key specs", crypto/sign ... crypto/mac-verify,
# crypto/generate-data-key): SM2 signatures verified by `openssl pkeyutl` with the key's exported public key, over a
# message and over a digest, with a user ID; verify answering valid and invalid; SM2 decryption of what `openssl
# pkeyutl -encrypt` made for the key; HMAC-SM3 and SM4-CBC-MAC MACs (stable, verified, a changed byte refused);
# data keys that crypto/decrypt opens; every operation refused on a key of another spec (CCSP-1007); rotation of an
# SM2 key keeping old signatures verifiable and old public keys exportable; archived keys verify but do not sign;
# tenant B's app sees nothing of A's keys; the store holds no private key in the clear. Uses curl, openssl, sqlite3.
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
num() { sed -n "s/.*\"$1\":\\([0-9]*\\).*/\\1/p" "$T/r"; }
b64() { printf '%s' "$1" | base64 -w0; }
b64f() { base64 -w0 <"$1"; }
# the PEM of the last answer's publicKey into file $1
pem_to() { printf '%b\n' "$(field publicKey)" | sed '/^$/d' >"$1"; }
# field $1 of the last answer, Base64-decoded into file $2
unb64_to() { field "$1" | base64 -d >"$2"; }

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

# ---- one key of each spec ----
for spec in SM4 SM4_MAC HMAC_SM3 SM2_SIGN SM2_ENC; do
	api "$T/alice.tok" kms/key-create "{\"spec\":\"$spec\"}"
	check "alice creates an $spec key" ok '[ "$(code)" = 200 ] && [ "$(field spec)" = '"$spec"' ]'
	eval "K_$spec=\$(field keyId)"
done
api "$T/alice.tok" kms/key-create '{"spec":"SM2"}'
check "spec SM2 (a family, not a key spec): CCSP-1001" is_err 400 CCSP-1001

# ---- SM2 signatures: openssl verifies them with the exported public key ----
printf 'pay 100 yuan to Bob' >"$T/msg"
a crypto/get-public-key "{\"keyId\":\"$K_SM2_SIGN\"}"
pem_to "$T/sign1.pem"
check "get-public-key: a PEM openssl reads as an SM2 key" ok '[ "$(code)" = 200 ] && [ "$(num version)" = 1 ] &&
	"$OPENSSL" pkey -pubin -in "$T/sign1.pem" -noout -text 2>/dev/null | grep -q "SM2"'
api "$T/alice.tok" crypto/get-public-key "{\"keyId\":\"$K_SM2_SIGN\"}"
check "get-public-key: A's administrator too" ok '[ "$(code)" = 200 ] && grep -q "BEGIN PUBLIC KEY" "$T/r"'
a crypto/sign "{\"keyId\":\"$K_SM2_SIGN\",\"message\":\"$(b64f "$T/msg")\"}"
unb64_to signature "$T/sig1.der"
# openssl pkeyutl signs and verifies with an empty ID unless told: the standard's default ID is given explicitly
DEFID='-pkeyopt distid:1234567812345678'
check "sign a message: openssl pkeyutl verifies it (the default ID)" ok '[ "$(code)" = 200 ] &&
	"$OPENSSL" pkeyutl -verify -pubin -inkey "$T/sign1.pem" -rawin -digest sm3 -in "$T/msg" \
		-sigfile "$T/sig1.der" $DEFID >/dev/null 2>&1'
check "... and not over another message" ok '! printf x | "$OPENSSL" pkeyutl -verify -pubin -inkey "$T/sign1.pem" \
	-rawin -digest sm3 -sigfile "$T/sig1.der" $DEFID >/dev/null 2>&1'
a crypto/sign "{\"keyId\":\"$K_SM2_SIGN\",\"message\":\"$(b64f "$T/msg")\",\"id\":\"alice@example.com\"}"
unb64_to signature "$T/sig2.der"
check "sign with a user ID: openssl verifies with that distid" ok '[ "$(code)" = 200 ] &&
	"$OPENSSL" pkeyutl -verify -pubin -inkey "$T/sign1.pem" -rawin -digest sm3 -in "$T/msg" \
		-sigfile "$T/sig2.der" -pkeyopt distid:alice@example.com >/dev/null 2>&1'
# the digest e = SM3(Z || M), made by crypto/hash with the public key and the default ID
a crypto/hash "{\"data\":\"$(b64f "$T/msg")\",\"publicKey\":\"$(grep -v -- ----- "$T/sign1.pem" | tr -d '\n')\"}"
E=$(field digest)
a crypto/sign "{\"keyId\":\"$K_SM2_SIGN\",\"digest\":\"$E\"}"
unb64_to signature "$T/sig3.der"
check "sign a digest (from crypto/hash with the key): openssl verifies it over the message" ok '[ "$(code)" = 200 ] &&
	"$OPENSSL" pkeyutl -verify -pubin -inkey "$T/sign1.pem" -rawin -digest sm3 -in "$T/msg" \
		-sigfile "$T/sig3.der" $DEFID >/dev/null 2>&1'
a crypto/sign "{\"keyId\":\"$K_SM2_SIGN\",\"digest\":\"$E\",\"id\":\"x\"}"
check "a digest with an id: CCSP-1001" is_err 400 CCSP-1001
a crypto/sign "{\"keyId\":\"$K_SM2_SIGN\",\"digest\":\"$(b64 short)\"}"
check "a digest of 5 bytes: CCSP-1001" is_err 400 CCSP-1001
a crypto/sign "{\"keyId\":\"$K_SM2_SIGN\"}"
check "neither message nor digest: CCSP-1001" is_err 400 CCSP-1001
# a signature openssl made is verified by crypto/verify? openssl has no private key here; verify our own instead
a crypto/verify "{\"keyId\":\"$K_SM2_SIGN\",\"message\":\"$(b64f "$T/msg")\",\"signature\":\"$(b64f "$T/sig1.der")\"}"
check "verify: valid" ok '[ "$(code)" = 200 ] && grep -q "\"valid\":true" "$T/r"'
a crypto/verify "{\"keyId\":\"$K_SM2_SIGN\",\"message\":\"$(b64 'pay 900 yuan to Bob')\",\"signature\":\"$(b64f "$T/sig1.der")\"}"
check "verify: another message is invalid (200, valid false)" ok '[ "$(code)" = 200 ] && grep -q "\"valid\":false" "$T/r"'
a crypto/verify "{\"keyId\":\"$K_SM2_SIGN\",\"message\":\"$(b64f "$T/msg")\",\"id\":\"alice@example.com\",\"signature\":\"$(b64f "$T/sig2.der")\"}"
check "verify with the user ID: valid" ok 'grep -q "\"valid\":true" "$T/r"'
a crypto/verify "{\"keyId\":\"$K_SM2_SIGN\",\"digest\":\"$E\",\"signature\":\"$(b64 garbage)\"}"
check "verify: a signature that is no signature: CCSP-1001" is_err 400 CCSP-1001

# ---- SM2 decryption of what openssl encrypted to the key ----
a crypto/get-public-key "{\"keyId\":\"$K_SM2_ENC\"}"
pem_to "$T/enc1.pem"
printf 'the data key 0123456789abcdef' >"$T/secret"
"$OPENSSL" pkeyutl -encrypt -pubin -inkey "$T/enc1.pem" -in "$T/secret" -out "$T/secret.ct" 2>/dev/null
a crypto/asymmetric-decrypt "{\"keyId\":\"$K_SM2_ENC\",\"ciphertext\":\"$(b64f "$T/secret.ct")\"}"
unb64_to plaintext "$T/secret.out"
check "asymmetric-decrypt opens openssl's SM2 ciphertext" ok '[ "$(code)" = 200 ] && cmp -s "$T/secret" "$T/secret.out"'
"$OPENSSL" pkeyutl -encrypt -pubin -inkey "$T/sign1.pem" -in "$T/secret" -out "$T/other.ct" 2>/dev/null
a crypto/asymmetric-decrypt "{\"keyId\":\"$K_SM2_ENC\",\"ciphertext\":\"$(b64f "$T/other.ct")\"}"
check "a ciphertext for another key: CCSP-1006, nothing decrypted" ok 'is_err 400 CCSP-1006 && ! grep -q plaintext "$T/r"'
a crypto/asymmetric-decrypt "{\"keyId\":\"$K_SM2_ENC\",\"ciphertext\":\"$(b64 'not a ciphertext at all, really not one of them at all, no, not at all; no no no no no no no no no no')\"}"
check "a ciphertext that is none: CCSP-1001" is_err 400 CCSP-1001

# ---- MACs ----
for spec in HMAC_SM3 SM4_MAC; do
	eval "K=\$K_$spec"
	a crypto/mac "{\"keyId\":\"$K\",\"data\":\"$(b64f "$T/msg")\"}"
	M=$(field mac)
	a crypto/mac "{\"keyId\":\"$K\",\"data\":\"$(b64f "$T/msg")\"}"
	check "$spec mac: stable" ok '[ "$(code)" = 200 ] && [ -n "$M" ] && [ "$(field mac)" = "$M" ]'
	a crypto/mac-verify "{\"keyId\":\"$K\",\"data\":\"$(b64f "$T/msg")\",\"mac\":\"$M\"}"
	check "$spec mac-verify: valid" ok '[ "$(code)" = 200 ] && grep -q "\"valid\":true" "$T/r"'
	a crypto/mac-verify "{\"keyId\":\"$K\",\"data\":\"$(b64 'pay 100 yuan to Bot')\",\"mac\":\"$M\"}"
	check "$spec mac-verify: a changed byte is invalid" ok '[ "$(code)" = 200 ] && grep -q "\"valid\":false" "$T/r"'
	a crypto/mac "{\"keyId\":\"$K\",\"data\":\"\"}"
	check "$spec mac of no data" ok '[ "$(code)" = 200 ] && [ -n "$(field mac)" ] && [ "$(field mac)" != "$M" ]'
done
a crypto/mac "{\"keyId\":\"$K_HMAC_SM3\",\"data\":\"$(b64 x)\"}"
check "HMAC_SM3: 32 bytes, algorithm named" ok '[ "$(field mac | base64 -d | wc -c)" = 32 ] &&
	[ "$(field algorithm)" = HMAC-SM3 ]'
# SM4-CBC-MAC with padding method 2: a 15-byte message and its padded 16-byte form must differ
a crypto/mac "{\"keyId\":\"$K_SM4_MAC\",\"data\":\"$(printf 'fifteen bytes!!' | base64 -w0)\"}"
M15=$(field mac)
a crypto/mac "{\"keyId\":\"$K_SM4_MAC\",\"data\":\"$(printf 'fifteen bytes!!\200' | base64 -w0)\"}"
check "SM4_MAC: 16 bytes; a message and its padded form have different MACs" ok '[ "$(field mac | base64 -d | wc -c)" = 16 ] &&
	[ "$(field mac)" != "$M15" ] && [ "$(field algorithm)" = SM4-CBC-MAC ]'

# ---- data keys ----
a crypto/generate-data-key "{\"keyId\":\"$K_SM4\",\"context\":{\"table\":\"orders\"}}"
DK=$(field plaintext)
DKC=$(field ciphertext)
check "generate-data-key: 16 bytes and their ciphertext" ok '[ "$(code)" = 200 ] && [ "$(printf %s "$DK" | base64 -d | wc -c)" = 16 ]'
a crypto/decrypt "{\"ciphertext\":\"$DKC\",\"context\":{\"table\":\"orders\"}}"
check "crypto/decrypt opens the data key's ciphertext" ok '[ "$(code)" = 200 ] && [ "$(field plaintext)" = "$DK" ]'
a crypto/decrypt "{\"ciphertext\":\"$DKC\"}"
check "... only with its context" is_err 400 CCSP-1006
a crypto/generate-data-key "{\"keyId\":\"$K_SM4\",\"length\":32,\"withPlaintext\":false}"
check "withPlaintext false: the ciphertext only; length 32" ok '[ "$(code)" = 200 ] && ! grep -q plaintext "$T/r" &&
	[ -n "$(field ciphertext)" ]'
a crypto/decrypt "{\"ciphertext\":\"$(field ciphertext)\"}"
check "... which decrypts to 32 bytes" ok '[ "$(code)" = 200 ] && [ "$(field plaintext | base64 -d | wc -c)" = 32 ]'
a crypto/generate-data-key "{\"keyId\":\"$K_SM4\",\"length\":24}"
check "length 24: CCSP-1001" is_err 400 CCSP-1001

# ---- one purpose per key: every other operation refused with CCSP-1007 ----
a crypto/sign "{\"keyId\":\"$K_SM2_ENC\",\"message\":\"$(b64 x)\"}"
check "an SM2_ENC key does not sign" is_err 400 CCSP-1007
a crypto/asymmetric-decrypt "{\"keyId\":\"$K_SM2_SIGN\",\"ciphertext\":\"$(b64f "$T/secret.ct")\"}"
check "an SM2_SIGN key does not decrypt" is_err 400 CCSP-1007
a crypto/encrypt "{\"keyId\":\"$K_SM4_MAC\",\"plaintext\":\"$(b64 x)\"}"
check "an SM4_MAC key does not encrypt" is_err 400 CCSP-1007
a crypto/mac "{\"keyId\":\"$K_SM4\",\"data\":\"$(b64 x)\"}"
check "an SM4 key does not MAC" is_err 400 CCSP-1007
a crypto/encrypt "{\"keyId\":\"$K_SM2_SIGN\",\"plaintext\":\"$(b64 x)\"}"
check "an SM2_SIGN key does not encrypt" is_err 400 CCSP-1007
a crypto/get-public-key "{\"keyId\":\"$K_HMAC_SM3\"}"
check "an HMAC key has no public key" is_err 400 CCSP-1007
a crypto/generate-data-key "{\"keyId\":\"$K_SM2_ENC\"}"
check "an SM2_ENC key makes no data key" is_err 400 CCSP-1007

# ---- rotation: a new pair; old signatures verify against the version that made them ----
api "$T/alice.tok" kms/key-rotate "{\"keyId\":\"$K_SM2_SIGN\"}"
check "rotate the SM2 key: version 2" ok '[ "$(code)" = 200 ] && [ "$(num primaryVersion)" = 2 ]'
a crypto/get-public-key "{\"keyId\":\"$K_SM2_SIGN\"}"
pem_to "$T/sign2.pem"
check "version 2 has a new public key" ok '[ "$(num version)" = 2 ] && ! cmp -s "$T/sign1.pem" "$T/sign2.pem"'
a crypto/get-public-key "{\"keyId\":\"$K_SM2_SIGN\",\"version\":1}"
pem_to "$T/sign1b.pem"
check "version 1's public key is still exported" ok '[ "$(num version)" = 1 ] && cmp -s "$T/sign1.pem" "$T/sign1b.pem"'
a crypto/sign "{\"keyId\":\"$K_SM2_SIGN\",\"message\":\"$(b64f "$T/msg")\"}"
unb64_to signature "$T/sig4.der"
check "signatures now with version 2: openssl verifies them with version 2's key only" ok '[ "$(num version)" = 2 ] &&
	"$OPENSSL" pkeyutl -verify -pubin -inkey "$T/sign2.pem" -rawin -digest sm3 -in "$T/msg" -sigfile "$T/sig4.der" $DEFID >/dev/null 2>&1 &&
	! "$OPENSSL" pkeyutl -verify -pubin -inkey "$T/sign1.pem" -rawin -digest sm3 -in "$T/msg" -sigfile "$T/sig4.der" $DEFID >/dev/null 2>&1'
a crypto/verify "{\"keyId\":\"$K_SM2_SIGN\",\"message\":\"$(b64f "$T/msg")\",\"signature\":\"$(b64f "$T/sig1.der")\",\"version\":1}"
check "verify an old signature with version 1" ok 'grep -q "\"valid\":true" "$T/r"'
a crypto/verify "{\"keyId\":\"$K_SM2_SIGN\",\"message\":\"$(b64f "$T/msg")\",\"signature\":\"$(b64f "$T/sig1.der")\",\"version\":9}"
check "a version the key never had: CCSP-1001" is_err 400 CCSP-1001

# ---- archive: verifies, does not sign ----
api "$T/alice.tok" kms/key-archive "{\"keyId\":\"$K_SM2_SIGN\"}"
a crypto/sign "{\"keyId\":\"$K_SM2_SIGN\",\"message\":\"$(b64f "$T/msg")\"}"
check "an archived key does not sign: CCSP-4002" is_err 409 CCSP-4002
a crypto/verify "{\"keyId\":\"$K_SM2_SIGN\",\"message\":\"$(b64f "$T/msg")\",\"signature\":\"$(b64f "$T/sig4.der")\"}"
check "... but verifies" ok '[ "$(code)" = 200 ] && grep -q "\"valid\":true" "$T/r"'
api "$T/alice.tok" kms/key-disable "{\"keyId\":\"$K_HMAC_SM3\"}"
a crypto/mac-verify "{\"keyId\":\"$K_HMAC_SM3\",\"data\":\"$(b64 x)\",\"mac\":\"$(b64 x)\"}"
check "a disabled key does not even verify a MAC: CCSP-4002" is_err 409 CCSP-4002

# ---- isolation ----
sapp "$akB" "$T/b.secret" crypto/get-public-key "{\"keyId\":\"$K_SM2_ENC\"}"
check "B's app: A's public key is not found" is_err 404 CCSP-1002
sapp "$akB" "$T/b.secret" crypto/asymmetric-decrypt "{\"keyId\":\"$K_SM2_ENC\",\"ciphertext\":\"$(b64f "$T/secret.ct")\"}"
check "B's app cannot decrypt with A's key" is_err 404 CCSP-1002
sapp "$akB" "$T/b.secret" crypto/mac "{\"keyId\":\"$K_SM4_MAC\",\"data\":\"$(b64 x)\"}"
check "B's app cannot MAC with A's key" is_err 404 CCSP-1002

# ---- batches: each item answers for itself, in order ----
items="{\"action\":\"encrypt\",\"keyId\":\"$K_SM4\",\"plaintext\":\"$(b64 one)\"},
	{\"action\":\"sign\",\"keyId\":\"$K_SM2_ENC\",\"message\":\"$(b64 x)\"},
	{\"action\":\"mac\",\"keyId\":\"$K_SM4_MAC\",\"data\":\"$(b64f "$T/msg")\"},
	{\"action\":\"hash\",\"data\":\"$(b64 abc)\"},
	{\"action\":\"rm -rf\"}, 7,
	{\"action\":\"kms/key-create\",\"spec\":\"SM4\"}"
a crypto/batch "{\"items\":[$items]}"
tr -d ' \n' <"$T/r" | sed 's/},{/}\n{/g' >"$T/items"
check "batch: 7 results, 3 succeeded, 4 failed" ok '[ "$(code)" = 200 ] && [ "$(num succeeded)" = 3 ] &&
	[ "$(num failed)" = 4 ] && [ "$(grep -c status "$T/items")" = 7 ]'
check "... in order: encrypt ok, sign with an SM2_ENC key CCSP-1007, mac ok, hash ok (SM3 of abc)" ok '
	sed -n 1p "$T/items" | grep -q "\"status\":200" && sed -n 1p "$T/items" | grep -q ciphertext &&
	sed -n 2p "$T/items" | grep -q "\"code\":\"CCSP-1007\"" &&
	sed -n 3p "$T/items" | grep -q "\"mac\":\"$M\"" &&
	sed -n 4p "$T/items" | grep -qF "\"digest\":\"$(printf abc | "$OPENSSL" dgst -sm3 -binary | base64)\""'
check "... an unknown action, a non-object and a non-crypto action refused item by item (CCSP-1001)" ok '
	[ "$(sed -n "5,7p" "$T/items" | grep -c "\"code\":\"CCSP-1001\"")" = 3 ] &&
	[ "$(db "SELECT COUNT(*) FROM kms_keys WHERE tenant_id = \"$A\"")" = 5 ]'
BC=$(sed -n 1p "$T/items" | sed -n 's/.*"ciphertext":"\([^"]*\)".*/\1/p')
a crypto/batch "{\"items\":[{\"action\":\"decrypt\",\"ciphertext\":\"$BC\"}]}"
check "a batch's ciphertext decrypts (in a batch)" ok '[ "$(num succeeded)" = 1 ] && grep -q "\"plaintext\":\"$(b64 one)\"" "$T/r"'
i=0
: >"$T/many"
while [ $i -lt 1000 ]; do printf '{"action":"hash","data":"%s"},' "$(b64 $i)" >>"$T/many"; i=$((i + 1)); done
a crypto/batch "{\"items\":[$(sed 's/,$//' "$T/many")]}"
check "1000 items: all answered" ok '[ "$(code)" = 200 ] && [ "$(num succeeded)" = 1000 ]'
sm3b64() { printf '%s' "$1" | "$OPENSSL" dgst -sm3 -binary | base64 -w0; }
tr -d ' \n' <"$T/r" | sed 's/},{/}\n{/g' >"$T/items"
check "... their digests (hashed together, multi-buffer SM3) are OpenSSL's, in order" ok '
	for k in 0 1 7 8 15 16 17 499 998 999; do
		sed -n "$((k + 1))p" "$T/items" | grep -qF "\"digest\":\"$(sm3b64 $k)\"" || exit 1
	done'
# plain SM3 items of every length class between items that must not join them: a Z pre-processing (publicKey), an
# id without publicKey (refused), malformed data (refused), another action
head -c 60000 /dev/urandom >"$T/big" # base64 in one argument: under the 128 KiB a single one may have
head -c 1024 /dev/urandom >"$T/kib"
"$OPENSSL" genpkey -algorithm SM2 -out "$T/zkey.pem" 2>/dev/null
ZPUB=$("$OPENSSL" pkey -in "$T/zkey.pem" -pubout -outform DER | base64 -w0)
items="{\"action\":\"hash\",\"data\":\"\"},{\"action\":\"hash\",\"data\":\"$(b64f "$T/big")\"},
	{\"action\":\"hash\",\"data\":\"$(b64 abc)\",\"publicKey\":\"$ZPUB\"},
	{\"action\":\"hash\",\"data\":\"$(b64 abc)\",\"id\":\"alice\"},
	{\"action\":\"hash\",\"data\":\"not base64!\"},
	{\"action\":\"random\",\"length\":8},
	{\"action\":\"hash\",\"data\":\"$(b64f "$T/kib")\"},{\"action\":\"hash\",\"data\":\"$(b64 abc)\"}"
a crypto/batch "{\"items\":[$items]}"
tr -d ' \n' <"$T/r" | sed 's/},{/}\n{/g' >"$T/items"
dg() { "$OPENSSL" dgst -sm3 -binary <"$1" | base64 -w0; }
check "mixed batch: plain items (0 B, 60 kB, 1 KiB, 3 B) hashed right, the others answered for themselves" ok '
	[ "$(num succeeded)" = 6 ] && [ "$(num failed)" = 2 ] &&
	sed -n 1p "$T/items" | grep -qF "\"digest\":\"$(printf "" | "$OPENSSL" dgst -sm3 -binary | base64 -w0)\"" &&
	sed -n 2p "$T/items" | grep -qF "\"digest\":\"$(dg "$T/big")\"" &&
	sed -n 3p "$T/items" | grep -q "\"status\":200" && ! sed -n 3p "$T/items" | grep -qF "$(sm3b64 abc)" &&
	sed -n 4p "$T/items" | grep -q "\"code\":\"CCSP-1001\"" &&
	sed -n 5p "$T/items" | grep -q "\"code\":\"CCSP-1001\"" &&
	sed -n 6p "$T/items" | grep -q "\"random\"" &&
	sed -n 7p "$T/items" | grep -qF "\"digest\":\"$(dg "$T/kib")\"" &&
	sed -n 8p "$T/items" | grep -qF "\"digest\":\"$(sm3b64 abc)\""'
a crypto/batch "{\"items\":[$(cat "$T/many"){\"action\":\"hash\",\"data\":\"\"}]}"
check "1001 items: CCSP-1001, nothing run" is_err 400 CCSP-1001
a crypto/batch '{"items":[]}'
check "no items: CCSP-1001" is_err 400 CCSP-1001
api "$T/alice.tok" crypto/batch "{\"items\":[{\"action\":\"hash\",\"data\":\"$(b64 x)\"}]}"
check "a tenant administrator cannot batch (apps only)" ok '[ "$(code)" = 403 ]'

# ---- metering by key: every use of a key counted for it, refusals as errors ----
# a call is counted for a key once the key is found in the caller's tenant: K_SM2_SIGN signed 4 times and refused
# once (archived); the requests refused before (malformed digest or id) count without a key
usage_of() { api "$T/alice.tok" usage/query "{\"keyId\":\"$1\",\"groupBy\":[\"key\",\"action\"]}"; }
signs_counted() { usage_of "$K_SM2_SIGN" && grep -q "\"action\":\"crypto/sign\",\"calls\":5,\"errors\":1" "$T/r"; }
check "metering: the SM2 key's signatures counted for it (4 made, 1 refused: archived)" \
	eventually signs_counted
decrypts_counted() { usage_of "$K_SM2_ENC" && grep -q "\"action\":\"crypto/asymmetric-decrypt\",\"calls\":2,\"errors\":1" "$T/r"; }
check "... the SM2_ENC key's decryptions (1 ok, 1 not for it; B's refused calls are not A's)" eventually decrypts_counted

# ---- the store holds wrapped private keys and public keys only ----
check "stored: every SM2 version has a 64-byte public key and wrapped material of at most 64 bytes" ok '
	[ "$(db "SELECT COUNT(*) FROM kms_key_versions WHERE key_id IN (\"$K_SM2_SIGN\", \"$K_SM2_ENC\")
		AND length(public_key) = 64 AND length(wrapped) BETWEEN 33 AND 64")" = 3 ]'
check "stored: symmetric versions have no public key" ok '
	[ "$(db "SELECT COUNT(*) FROM kms_key_versions WHERE key_id = \"$K_SM4\" AND public_key IS NULL")" = 1 ]'
check "every creation and the rotation audited" ok '
	[ "$(db "SELECT COUNT(*) FROM audit WHERE action = \"kms.key-create\" AND outcome = \"ok\"")" -ge 5 ] &&
	[ "$(db "SELECT COUNT(*) FROM audit WHERE action = \"kms.key-rotate\" AND target = \"$K_SM2_SIGN\"")" = 1 ]'
check "no private key, no plaintext in the log" ok '! grep -qi "BEGIN PRIVATE\|the data key 0123" "$T/p.out"'
stop
finish

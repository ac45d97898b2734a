# SPDX-License-Identifier: Apache-2.0
# docs/api-auth.md works as written: its curl + openssl recipes (extracted from the page, run unchanged) and
# `ccsp api sign|call` are sent to reqauth_check, the request verifier of src/platform/reqauth.c behind a small
# HTTP listener, which must accept them; replays, altered bodies, wrong keys and stale timestamps are refused
# with the documented codes. POSIX sh; needs curl.
. "$(dirname "$0")/common.sh"
DOC=$(dirname "$0")/../../docs/api-auth.md
CHECK=$(dirname "$CCSP")/reqauth_check
command -v curl >/dev/null || { echo "SKIP: no curl"; exit 0; }
PIDS=""
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done' EXIT INT TERM

AK=AKtest0123456789abcd
printf 'sk-%s\n' "$(randhex 24)" >"$T/app.secret"
"$OPENSSL" genpkey -algorithm SM2 -out "$T/app-sm2.pem" 2>/dev/null
"$OPENSSL" pkey -in "$T/app-sm2.pem" -pubout -out "$T/app-sm2.pub"
touch "$T/ca.pem" # plain HTTP here: curl ignores --cacert

# start_checker NAME ARGS...: a verifier on a free port; sets URL. Its verdicts go to $T/NAME.log.
start_checker() {
	name=$1
	shift
	"$CHECK" --port-file "$T/$name.port" --access-key "$AK" "$@" --requests 1000 >"$T/$name.log" 2>&1 &
	PIDS="$PIDS $!"
	i=0
	while [ ! -s "$T/$name.port" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	URL=http://127.0.0.1:$(cat "$T/$name.port")
}

# recipe NAME: the sh block after "<!-- recipe:NAME -->" in the doc.
recipe() {
	awk -v m="<!-- recipe:$1 -->" '$0 == m { on = 1; next } on && /^```sh$/ { inb = 1; next }
		inb && /^```$/ { exit } inb { print }' "$DOC"
}

# expect_code DESC CODE FILE: FILE holds an error body with CODE.
expect_code() {
	if grep -q "\"code\":\"$2\"" "$3"; then pass; else fail "$1: expected $2, got: $(cat "$3")"; fi
}
expect_ok() {
	if grep -q '"result":"OK"' "$2"; then pass; else fail "$1: not accepted: $(cat "$2")"; fi
}

# ---- HMAC-SM3: the doc's recipe, run as written ----
start_checker hmac --secret-file "$T/app.secret"
HMAC_URL=$URL
recipe hmac >"$T/recipe_hmac.sh"
[ "$(wc -l <"$T/recipe_hmac.sh")" -ge 8 ] && pass || fail "recipe:hmac not found in $DOC"
run_recipe() { # run_recipe FILE BODY: with the variables the doc says to set, in a clean sh
	(cd "$T" && CCSP_URL=$URL CA=ca.pem AK=$AK SK_FILE=app.secret API_PATH=/api/v1/crypto/encrypt BODY=$2 \
		sh -c ". ./$1 && printf '%s %s %s\n' \"\$TS\" \"\$NONCE\" \"\$SIG\" >&2" 2>"$T/vars")
}
run_recipe recipe_hmac.sh '{"keyId":"k1","data":"aGVsbG8="}' >"$T/r1"
expect_ok "recipe hmac" "$T/r1"
run_recipe recipe_hmac.sh '{"keyId":"k1","data":"aGVsbG8="}' >"$T/r2"
expect_ok "recipe hmac, second request (new nonce)" "$T/r2"
run_recipe recipe_hmac.sh '{}' >"$T/r3"
expect_ok "recipe hmac, other body" "$T/r3"
# the recipe's signature is the one ccsp api sign makes for the same timestamp and nonce
read -r TS NONCE SIG <"$T/vars"
"$CCSP" api sign --access-key "$AK" --secret-file "$T/app.secret" --body '{}' --timestamp "$TS" --nonce "$NONCE" \
	crypto encrypt >"$T/h_same"
grep -qx "X-Ccsp-Signature: $SIG" "$T/h_same" && pass || fail "ccsp api sign differs from the recipe: $(cat "$T/h_same") vs $SIG"

# ---- ccsp api sign + curl: accepted once, then a replay; altered body, stale time refused ----
printf '{"keyId":"k2","data":"d29ybGQ="}' >"$T/body.json"
"$CCSP" api sign --access-key "$AK" --secret-file "$T/app.secret" --body-file "$T/body.json" crypto encrypt \
	>"$T/headers.txt"
[ "$(wc -l <"$T/headers.txt")" -eq 4 ] && pass || fail "api sign: four header lines expected"
send() { # send HEADERS BODYFILE PATH
	curl -sS -H @"$1" -H 'Content-Type: application/json' --data-binary @"$2" "$HMAC_URL$3"
}
send "$T/headers.txt" "$T/body.json" /api/v1/crypto/encrypt >"$T/s1"
expect_ok "api sign + curl" "$T/s1"
send "$T/headers.txt" "$T/body.json" /api/v1/crypto/encrypt >"$T/s2"
expect_code "same request again" CCSP-2003 "$T/s2"
"$CCSP" api sign --access-key "$AK" --secret-file "$T/app.secret" --body-file "$T/body.json" crypto encrypt \
	>"$T/headers2.txt"
printf '{"keyId":"k2","data":"d29ybGQ=" }' >"$T/body2.json"
send "$T/headers2.txt" "$T/body2.json" /api/v1/crypto/encrypt >"$T/s3"
expect_code "body altered by one byte" CCSP-2000 "$T/s3"
send "$T/headers2.txt" "$T/body.json" /api/v1/crypto/decrypt >"$T/s4"
expect_code "path altered" CCSP-2000 "$T/s4"
send "$T/headers2.txt" "$T/body.json" /api/v1/crypto/encrypt >"$T/s5"
expect_ok "the unaltered request (its nonce was not spent by the refusals)" "$T/s5"
OLD=$(($(date +%s) - 301))
"$CCSP" api sign --access-key "$AK" --secret-file "$T/app.secret" --body-file "$T/body.json" --timestamp "$OLD" \
	crypto encrypt >"$T/headers3.txt"
send "$T/headers3.txt" "$T/body.json" /api/v1/crypto/encrypt >"$T/s6"
expect_code "timestamp 301 s old" CCSP-2002 "$T/s6"
sed 's/^X-Ccsp-Nonce: .*/X-Ccsp-Nonce: short/' "$T/headers2.txt" >"$T/headers4.txt"
send "$T/headers4.txt" "$T/body.json" /api/v1/crypto/encrypt >"$T/s7"
expect_code "malformed nonce" CCSP-2001 "$T/s7"
printf 'another-secret\n' >"$T/wrong.secret"
"$CCSP" api sign --access-key "$AK" --secret-file "$T/wrong.secret" --body-file "$T/body.json" crypto encrypt \
	>"$T/headers5.txt"
send "$T/headers5.txt" "$T/body.json" /api/v1/crypto/encrypt >"$T/s8"
expect_code "wrong secret" CCSP-2000 "$T/s8"
"$CCSP" api sign --access-key AKunknown0123456789ab --secret-file "$T/app.secret" --body-file "$T/body.json" \
	crypto encrypt >"$T/headers6.txt"
send "$T/headers6.txt" "$T/body.json" /api/v1/crypto/encrypt >"$T/s9"
expect_code "unknown access key: the same code as a wrong signature" CCSP-2000 "$T/s9"

# ---- ccsp api call: exit 0 only for 2xx ----
check "api call (HMAC)" "$CCSP" api call --url "$HMAC_URL" --access-key "$AK" --secret-file "$T/app.secret" \
	crypto encrypt --set keyId=k1 --set n:=3 >"$T/c1"
expect_ok "api call prints the answer" "$T/c1"
must_fail "api call with a wrong secret" "$CCSP" api call --url "$HMAC_URL" --access-key "$AK" \
	--secret-file "$T/wrong.secret" crypto encrypt
expect_code "api call with a wrong secret prints the error body" CCSP-2000 "$T/stdout"
must_fail "api call: bad --set" "$CCSP" api call --url "$HMAC_URL" --access-key "$AK" --secret-file "$T/app.secret" \
	crypto encrypt --set novalue
must_fail "api call: bad area" "$CCSP" api call --url "$HMAC_URL" --access-key "$AK" --secret-file "$T/app.secret" \
	'cry pto' encrypt
must_fail "api sign: short access key" "$CCSP" api sign --access-key AKshort --secret-file "$T/app.secret" \
	--body '{}' crypto encrypt
must_fail "api call: no server" "$CCSP" api call --url http://127.0.0.1:1 --access-key "$AK" \
	--secret-file "$T/app.secret" crypto encrypt

# ---- SM2-SM3: the doc's recipe, ccsp api sign and call ----
start_checker sm2 --sm2-pub "$T/app-sm2.pub"
recipe sm2 >"$T/recipe_sm2.sh"
run_recipe recipe_sm2.sh '{"keyId":"k1","data":"aGVsbG8="}' >"$T/m1"
expect_ok "recipe sm2" "$T/m1"
"$CCSP" api sign --access-key "$AK" --sm2-key "$T/app-sm2.pem" --body-file "$T/body.json" crypto encrypt \
	>"$T/mh.txt"
grep -qx 'X-Ccsp-Signature-Alg: SM2-SM3' "$T/mh.txt" && pass || fail "api sign --sm2-key: no Signature-Alg line"
curl -sS -H @"$T/mh.txt" --data-binary @"$T/body.json" "$URL/api/v1/crypto/encrypt" >"$T/m2"
expect_ok "api sign --sm2-key + curl" "$T/m2"
check "api call (SM2)" "$CCSP" api call --url "$URL" --access-key "$AK" --sm2-key "$T/app-sm2.pem" kms list >"$T/m3"
expect_ok "api call (SM2) answer" "$T/m3"
# an HMAC request to an SM2-only application: the generic code
"$CCSP" api sign --access-key "$AK" --secret-file "$T/app.secret" --body-file "$T/body.json" crypto encrypt \
	>"$T/mh2.txt"
curl -sS -H @"$T/mh2.txt" --data-binary @"$T/body.json" "$URL/api/v1/crypto/encrypt" >"$T/m4"
expect_code "HMAC to an SM2-only application" CCSP-2000 "$T/m4"
grep -q 'VERDICT ALG_NOT_ALLOWED' "$T/sm2.log" && pass || fail "the log names ALG_NOT_ALLOWED"

echo "api_auth_recipe_test: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]

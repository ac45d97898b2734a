#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ccspd's metering over HTTPS (docs/api-ccspd.md "usage"; OPS-6/7): applications of two tenants make real calls
# (crypto/hash, crypto/random, one refused), signed and with an app session token; after a flush usage/query
# answers the exact calls, errors and bytes (request body + response body) per app and action; tenant A's
# administrator sees only A (B named: CCSP-1002), an app only its own calls, the sysadmin and the auditor both
# tenants; /metrics shows the per-tenant, per-action counters; counts made just before a graceful stop are flushed at
# shutdown and survive the restart. Uses curl, openssl, sqlite3 and `ccsp api sign`. Every wait is bounded.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/ccspd_lib.sh"
# sapp AK SECRETFILE AREA/ACTION BODY: a request signed as the app -> $T/r, $T/code
sapp() {
	"$CCSP" api sign --access-key "$1" --secret-file "$2" --body "$4" "${3%%/*}" "${3#*/}" >"$T/sig.h" \
		2>"$T/sig.err" || return 1
	curl -sk -D "$T/h" -o "$T/r" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H "@$T/sig.h" \
		--data-binary "$4" "$U/api/v1/$3" >"$T/code"
}
num() { sed -n "s/.*\"$1\":\\([0-9]*\\).*/\\1/p" "$T/r"; }
# bytes of the last call: its body (BODY) + the answer's body
nbytes() { echo $(($(printf '%s' "$1" | wc -c) + $(wc -c <"$T/r"))); }
# usage TOKEN FILTERS: usage/query with the filters (JSON members) -> $T/r
usage() { api "$1" usage/query "{$2}"; }
# row_is CALLS ERRORS BYTES: the answer holds exactly one row, with these counts
row_is() {
	[ "$(code)" = 200 ] && [ "$(grep -o '"tenantId"' "$T/r" | wc -l)" = 1 ] && [ "$(num calls)" = "$1" ] &&
		[ "$(num errors)" = "$2" ] && [ "$(num bytes)" = "$3" ]
}

# ---- a platform (flushes every second), the sysadmin, an auditor; tenants A and B, their administrators, apps ----
vsm_start "$T/vsm"
"$CCSPD" --init "$T/p" --listen 127.0.0.1:0 --vsm-conf "$T/vsm/sdf.conf" >/dev/null
echo "vsm_kek_index = 1" >>"$T/p/ccspd.conf"
echo "metering_flush_interval_s = 1" >>"$T/p/ccspd.conf"
start
check "admin: first login" operator_first_login admin "$(cat "$T/p/initial-admin-password")" 'Admin-Passw0rd-2026'
check "an auditor" operator_create "$T/admin.tok" aud auditor 'Auditor-Passw0rd-2026'
for t in A B; do
	api "$T/admin.tok" admin/tenant-create "{\"name\":\"$t\"}"
	eval "$t=\$(field id)"
done
api "$T/admin.tok" admin/member-create "{\"tenant\":\"$A\",\"login\":\"alice\",\"role\":\"tenant_admin\"}"
check "A's administrator alice" first_login alice "$A" "$(field oneTimePassword)" 'Alice-Passw0rd-2026'
api "$T/admin.tok" admin/member-create "{\"tenant\":\"$B\",\"login\":\"bob\",\"role\":\"tenant_admin\"}"
check "B's administrator bob" first_login bob "$B" "$(field oneTimePassword)" 'Bob-Passw0rd-2026'
for a in 1 2; do
	api "$T/alice.tok" app/create "{\"name\":\"app$a\"}"
	eval "ak$a=\$(field accessKey) app$a=\$(field id)"
	field secret >"$T/app$a.secret"
done
api "$T/bob.tok" app/create '{"name":"app3"}'
ak3=$(field accessKey)
app3=$(field id)
field secret >"$T/app3.secret"
check "two apps in A, one in B" ok '[ -s "$T/app1.secret" ] && [ -s "$T/app2.secret" ] && [ -s "$T/app3.secret" ]'

# ---- the calls, with their bytes counted here ----
H1=0
R1=0
for i in 1 2 3; do # app1: 3 hashes of different sizes (signed)
	body="{\"data\":\"$(head -c $((i * 10)) /dev/zero | base64 -w0)\"}"
	sapp "$ak1" "$T/app1.secret" crypto/hash "$body"
	[ "$(code)" = 200 ] || fail "app1 hash $i: $(code) $(cat "$T/r")"
	H1=$((H1 + $(nbytes "$body")))
done
for n in 16 32; do # app1: 2 random (signed)
	body="{\"length\":$n}"
	sapp "$ak1" "$T/app1.secret" crypto/random "$body"
	[ "$(code)" = 200 ] || fail "app1 random $n: $(code)"
	R1=$((R1 + $(nbytes "$body")))
done
body='{"length":0}'
sapp "$ak1" "$T/app1.secret" crypto/random "$body"
check "app1: a refused random (CCSP-1001) is a call too" is_err 400 CCSP-1001
R1=$((R1 + $(nbytes "$body")))
# app2: a session token, then 2 hashes with it (the second from the gateway's session cache, on the event loop)
"$CCSP" api call --url "$U" --insecure --access-key "$ak2" --secret-file "$T/app2.secret" auth app-token \
	>"$T/app2.json" 2>/dev/null
sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$T/app2.json" >"$T/app2.tok"
check "app2: a session token" test -s "$T/app2.tok"
H2=0
for i in 1 2; do
	body="{\"data\":\"YWJj\"}"
	api "$T/app2.tok" crypto/hash "$body"
	[ "$(code)" = 200 ] || fail "app2 hash $i: $(code)"
	H2=$((H2 + $(nbytes "$body")))
done
body='{"length":8}' # app3 (tenant B): one random
sapp "$ak3" "$T/app3.secret" crypto/random "$body"
R3=$(nbytes "$body")

# ---- what each sees, once flushed (within a second; app3's random was the last call: every one before it is in
# the same flush or an earlier one) ----
flushed() { usage "$T/bob.tok" "\"appId\":\"$app3\",\"action\":\"crypto/random\"" && [ "$(num calls)" = 1 ]; }
check "the counts reach the store at the next flush" eventually flushed
usage "$T/alice.tok" "\"appId\":\"$app1\",\"action\":\"crypto/hash\""
check "alice: app1's hashes: 3 calls, 0 errors, their bytes ($H1)" row_is 3 0 "$H1"
usage "$T/alice.tok" "\"appId\":\"$app1\",\"action\":\"crypto/random\""
check "alice: app1's randoms: 3 calls, 1 error, their bytes ($R1)" row_is 3 1 "$R1"
usage "$T/alice.tok" "\"appId\":\"$app2\",\"action\":\"crypto/hash\""
check "alice: app2's hashes (session token, also inline): 2 calls ($H2 bytes)" row_is 2 0 "$H2"
usage "$T/alice.tok" "\"groupBy\":[\"app\",\"action\"],\"action\":\"crypto/hash\""
check "grouped by app and action: one row per app" ok '[ "$(code)" = 200 ] &&
	grep -q "\"app\":\"$app1\"" "$T/r" && grep -q "\"app\":\"$app2\"" "$T/r" &&
	[ "$(grep -o "\"action\":\"crypto/hash\"" "$T/r" | wc -l)" = 2 ] && ! grep -q "$B" "$T/r"'
usage "$T/alice.tok" '"groupBy":["app","hour"]'
check "grouped by hour: whole hours" ok '[ "$(code)" = 200 ] && h=$(num hour) && [ $((h % 3600000)) = 0 ]'
usage "$T/alice.tok" "\"groupBy\":[\"action\"],\"appId\":\"$app1\",\"limit\":1"
check "limited: one row and the offset of the next" ok '[ "$(code)" = 200 ] && [ "$(num next)" = 1 ]'
usage "$T/alice.tok" "\"groupBy\":[\"action\"],\"appId\":\"$app1\",\"limit\":1,\"offset\":1"
check "... the next page" ok '[ "$(code)" = 200 ] && grep -q "\"next\":null" "$T/r" && grep -q crypto/random "$T/r"'
usage "$T/alice.tok" '"action":"app/create","groupBy":["app"]'
check "a person's calls are metered too, without an app (alice's 2 app/create)" ok '[ "$(code)" = 200 ] &&
	grep -q "\"app\":\"\",\"calls\":2,\"errors\":0," "$T/r"'
usage "$T/alice.tok" '"groupBy":["colour"]'
check "an unknown groupBy: CCSP-1001" is_err 400 CCSP-1001

# isolation: A's administrator never sees B; B's sees only B
usage "$T/alice.tok" "\"tenantId\":\"$B\""
check "alice names tenant B: CCSP-1002" is_err 404 CCSP-1002
usage "$T/alice.tok" "\"appId\":\"$app3\""
check "alice names B's app: nothing" ok '[ "$(code)" = 200 ] && grep -q "\"usage\":\[\]" "$T/r"'
usage "$T/bob.tok" '"groupBy":["app","action"]'
check "bob: B's usage only" ok '[ "$(code)" = 200 ] && ! grep -q "$A" "$T/r" && grep -q "\"app\":\"$app3\"" "$T/r"'
usage "$T/bob.tok" "\"appId\":\"$app3\",\"action\":\"crypto/random\""
check "bob: app3's random exactly" row_is 1 0 "$R3"
# an app: its own calls only
body="{\"action\":\"crypto/hash\"}"
sapp "$ak1" "$T/app1.secret" usage/query "$body"
check "app1 queries its own usage" row_is 3 0 "$H1"
body="{\"appId\":\"$app2\"}"
sapp "$ak1" "$T/app1.secret" usage/query "$body"
check "app1 names app2: CCSP-1002" is_err 404 CCSP-1002
body="{\"tenantId\":\"$B\"}"
sapp "$ak1" "$T/app1.secret" usage/query "$body"
check "app1 names tenant B: CCSP-1002" is_err 404 CCSP-1002
# operators: every tenant, or one
usage "$T/admin.tok" '"groupBy":["action"],"action":"crypto/random"'
check "the sysadmin sees both tenants" ok '[ "$(code)" = 200 ] && grep -q "\"tenantId\":\"$A\"" "$T/r" &&
	grep -q "\"tenantId\":\"$B\"" "$T/r"'
usage "$T/aud.tok" "\"tenantId\":\"$B\",\"action\":\"crypto/random\""
check "the auditor: tenant B's randoms" row_is 1 0 "$R3"
usage "$T/aud.tok" '"from":0,"to":3600000'
check "an old range: nothing" ok '[ "$(code)" = 200 ] && grep -q "\"usage\":\[\]" "$T/r"'

# ---- crypto/batch: each item counts as a call of its action, the batch as one crypto/batch call ----
api "$T/app2.tok" crypto/batch \
	'{"items":[{"action":"hash","data":"YWJj"},{"action":"hash","data":"ZGVm"},{"action":"random","length":0}]}'
check "app2: a batch of 3 items (one refused)" ok '[ "$(code)" = 200 ] && [ "$(num succeeded)" = 2 ]'
batched() { usage "$T/alice.tok" "\"appId\":\"$app2\",\"action\":\"crypto/hash\"" && [ "$(num calls)" = 4 ]; }
check "the batch's hash items count as app2's hash calls (2 + 2)" eventually batched
usage "$T/alice.tok" "\"appId\":\"$app2\",\"action\":\"crypto/random\""
check "... its refused random item as a random call with an error, with its bytes" \
	ok '[ "$(num calls)" = 1 ] && [ "$(num errors)" = 1 ] && [ "$(num bytes)" -gt 20 ]'
usage "$T/alice.tok" "\"appId\":\"$app2\",\"action\":\"crypto/batch\""
check "... and the batch itself as one crypto/batch call" ok '[ "$(num calls)" = 1 ] && [ "$(num errors)" = 0 ]'

# ---- /metrics: per tenant and action ----
curl -sk "$U/metrics" >"$T/metrics"
series() { grep -q "^ccsp_usage_$1_total{tenant=\"$2\",action=\"$3\"} $4\$" "$T/metrics"; }
check "/metrics: A's hashes (app1 3 + app2 2)" series calls "$A" crypto/hash 5
check "/metrics: A's random errors" series errors "$A" crypto/random 1
check "/metrics: A's random bytes" series bytes "$A" crypto/random "$R1"
check "/metrics: B's random" series calls "$B" crypto/random 1
check "/metrics: the rows not flushed yet" grep -q "^ccsp_usage_pending_rows " "$T/metrics"

# ---- counted just before a graceful stop: flushed at shutdown, still there after the restart ----
stop
sed -i 's/^metering_flush_interval_s = .*/metering_flush_interval_s = 3600/' "$T/p/ccspd.conf"
start
for i in 1 2; do
	body="{\"data\":\"YWJj\"}"
	sapp "$ak1" "$T/app1.secret" crypto/hash "$body"
	H1=$((H1 + $(nbytes "$body")))
done
check "not flushed while running (interval 3600 s)" ok \
	"[ \"\$(db \"SELECT SUM(calls) FROM usage_counts WHERE app_id = '$app1' AND action = 'crypto/hash'\")\" = 3 ]"
stop
check "stopped cleanly" grep -q 'ccspd: stopped' "$T/p.out"
check "flushed at shutdown" ok \
	"[ \"\$(db \"SELECT SUM(calls) FROM usage_counts WHERE app_id = '$app1' AND action = 'crypto/hash'\")\" = 5 ]"
start
usage "$T/alice.tok" "\"appId\":\"$app1\",\"action\":\"crypto/hash\""
check "after the restart: 5 hashes of app1, every byte ($H1)" row_is 5 0 "$H1"
stop
finish

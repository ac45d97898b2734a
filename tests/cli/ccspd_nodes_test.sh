#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Two ccspd nodes on one PostgreSQL behave as one platform (the store/pg fixture's server, a database of this test's
# own): people and an application made through node 1 log in and authenticate on node 2; a signed request is
# accepted once by the pair (the replay is refused by the other node: one nonce table); an app token revoked on one
# node is refused by the other within the session cache's 2 s. Both nodes share the platform VSM (a vsmd with the
# KEK of the data-protection key and of the KMS keys). KMS keys made through one node serve on the other (ciphertexts,
# rotations, signatures); a scheduler version released through node 1 serves on node 2. Every wait is bounded;
# nothing is left running.
. "$(dirname "$0")/common.sh"
BIN=$(dirname "$CCSP")
CCSPD=$BIN/ccspd
PG=${CCSP_TEST_PG_DIR:-}
if [ ! -x "$CCSPD" ] || [ ! -x "$BIN/vsmd" ] || [ -z "$PG" ] || [ ! -f "$PG/url" ] || ! command -v psql >/dev/null; then
	echo "skip: ccspd, vsmd, psql or the PostgreSQL fixture not available"
	finish
fi
PIDS=""
cleanup() { for p in $PIDS; do kill -9 "$p" 2>/dev/null; done; }
trap cleanup EXIT
wait_for() {
	i=0
	while [ $i -lt 300 ] && ! grep -q "$2" "$1" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	grep -q "$2" "$1" 2>/dev/null
}
start() { # NAME: ccspd --dir $T/NAME, U_NAME its URL
	: >"$T/$1.out" # before the start: the last run's ready line must not count (the shell truncates it late)
	"$CCSPD" --dir "$T/$1" >"$T/$1.out" 2>&1 &
	PIDS="$PIDS $!"
	wait_for "$T/$1.out" 'listening on port' || { fail "$1 did not start: $(cat "$T/$1.out")"; finish; }
	eval "U_$1=https://127.0.0.1:$(sed -n 's/^ccspd: listening on port \([0-9]*\).*/\1/p' "$T/$1.out")"
}
api() { # URL TOKEN-FILE ACTION BODY -> $T/r, $T/code
	curl -sk -o "$T/r" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		-H "Authorization: Bearer $(cat "$2")" --data-binary "$4" "$1/api/v1/$3" >"$T/code"
}
code() { cat "$T/code"; }
field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" "$T/r"; }
pwfile() { printf '%s\n' "$2" >"$T/$1.pw"; chmod 600 "$T/$1.pw"; }

# a database of this test's own on the fixture's server
db=ccspd_nodes_$$
psql -q "$(sed 's/^postgresql:/postgresql:/' "$PG/url")" -c "CREATE DATABASE $db" >/dev/null ||
	{ fail "cannot create the database"; finish; }
url=$(sed "s|///ccsp?|///$db?|" "$PG/url")

"$BIN/vsmd" --init "$T/vsm" --listen 127.0.0.1:0 >/dev/null
"$CCSP" vsm keygen --dir "$T/vsm" --index 1 --kek >/dev/null
"$BIN/vsmd" --dir "$T/vsm" >"$T/vsm.out" 2>&1 &
PIDS="$PIDS $!"
wait_for "$T/vsm.out" 'listening on port'
sed -i "s/^address = .*/address = 127.0.0.1:$(sed -n 's/^vsmd: listening on port \([0-9]*\).*/\1/p' "$T/vsm.out")/" \
	"$T/vsm/sdf.conf"
check "node 1: --init on PostgreSQL" "$CCSPD" --init "$T/n1" --listen 127.0.0.1:0 --store "$url" \
	--vsm-conf "$T/vsm/sdf.conf" >/dev/null
cp -r "$T/n1" "$T/n2" # the same configuration and store; its own port (0) and process
start n1
start n2

# through node 1: the admin's first login, a tenant and its admin
"$OPENSSL" genpkey -algorithm SM2 -out "$T/admin-key.pem" 2>/dev/null
pwfile admin "$(cat "$T/n1/initial-admin-password")"
pwfile admin.new 'Nodes-Admin-Passw0rd-1'
"$CCSP" admin login --url "$U_n1" --insecure --login admin --password-file "$T/admin.pw" --key "$T/admin-key.pem" \
	--token-file "$T/admin.tok" >/dev/null 2>&1
check "node 1: the admin's password change" "$CCSP" admin password --url "$U_n1" --insecure \
	--token-file "$T/admin.tok" --old-file "$T/admin.pw" --new-file "$T/admin.new.pw"
api "$U_n1" "$T/admin.tok" admin/tenant-create '{"name":"acme"}'
tenant=$(field id)
api "$U_n1" "$T/admin.tok" admin/member-create "{\"tenant\":\"$tenant\",\"login\":\"ta\",\"role\":\"tenant_admin\"}"
pwfile ta "$(field oneTimePassword)"
check "node 2 knows node 1's admin session" sh -c "curl -sk -o /dev/null -w '%{http_code}' -X POST \
	-H 'Content-Type: application/json' -H \"Authorization: Bearer \$(cat '$T/admin.tok')\" --data-binary '{}' \
	'$U_n2/api/v1/admin/tenant-list' | grep -q 200"

# through node 2: the tenant admin's first login and an application
pwfile ta.new 'Nodes-Tenant-Passw0rd-1'
check "node 2: a person made on node 1 logs in" "$CCSP" admin login --url "$U_n2" --insecure --login ta \
	--tenant "$tenant" --password-file "$T/ta.pw" --token-file "$T/ta.tok"
"$CCSP" admin password --url "$U_n2" --insecure --token-file "$T/ta.tok" --old-file "$T/ta.pw" \
	--new-file "$T/ta.new.pw" >/dev/null
api "$U_n2" "$T/ta.tok" app/create '{"name":"shop"}'
check "node 2: an application" [ "$(code)" = 200 ]
ak=$(field accessKey)
field secret >"$T/app.secret"

# node 1 authenticates node 2's application; one signed request is accepted once by the pair
check "node 1: the app's signed request" sh -c "'$CCSP' api call --url '$U_n1' --insecure --access-key '$ak' \
	--secret-file '$T/app.secret' auth app-token >'$T/apptok.json'"
sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$T/apptok.json" >"$T/app.tok"
printf '{"data":"YWJj"}' >"$T/body"
"$CCSP" api sign --access-key "$ak" --secret-file "$T/app.secret" --body-file "$T/body" crypto hash >"$T/headers"
send() { curl -sk -o "$T/r" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H @"$T/headers" \
	--data-binary @"$T/body" "$1/api/v1/crypto/hash" >"$T/code"; }
send "$U_n2"
check "node 2: the signed request" [ "$(code)" = 200 ]
send "$U_n1"
{ [ "$(code)" = 401 ] && grep -q CCSP-2003 "$T/r"; }; expect "node 1: the same request again is a replay (CCSP-2003)"

# the KMS across nodes: keys made through one node serve on the other; a ciphertext made by one node opens on the
# other, also after a rotation through the other; a signature made by one verifies on the other
api "$U_n1" "$T/ta.tok" kms/key-create '{"spec":"SM4","alias":"orders"}'
check "node 1: an SM4 key" [ "$(code)" = 200 ]
api "$U_n1" "$T/ta.tok" kms/key-create '{"spec":"SM2_SIGN","alias":"contracts"}'
check "node 1: an SM2 signing key" [ "$(code)" = 200 ]
api "$U_n2" "$T/app.tok" crypto/encrypt '{"alias":"orders","plaintext":"c2VjcmV0"}'
ct1=$(field ciphertext)
check "node 2 encrypts with it" [ "$(code)" = 200 ]
api "$U_n1" "$T/app.tok" crypto/decrypt "{\"ciphertext\":\"$ct1\"}"
{ [ "$(code)" = 200 ] && grep -q '"plaintext":"c2VjcmV0"' "$T/r"; }; expect "node 1 decrypts node 2's ciphertext"
api "$U_n2" "$T/ta.tok" kms/key-rotate '{"alias":"orders"}'
check "node 2: the key rotated" grep -q '"primaryVersion":2' "$T/r"
api "$U_n1" "$T/app.tok" crypto/encrypt '{"alias":"orders","plaintext":"bW9yZQ=="}'
{ [ "$(code)" = 200 ] && grep -q '"version":2' "$T/r"; }; expect "node 1 encrypts with the version node 2 made"
ct2=$(field ciphertext)
api "$U_n2" "$T/app.tok" crypto/decrypt "{\"ciphertext\":\"$ct2\"}"
{ [ "$(code)" = 200 ] && grep -q '"plaintext":"bW9yZQ=="' "$T/r"; }; expect "node 2 decrypts it"
api "$U_n2" "$T/app.tok" crypto/decrypt "{\"ciphertext\":\"$ct1\"}"
{ [ "$(code)" = 200 ] && grep -q '"version":1' "$T/r"; }; expect "... and the version-1 ciphertext still"
api "$U_n1" "$T/app.tok" crypto/sign '{"alias":"contracts","message":"YWJj"}'
sig=$(field signature)
api "$U_n2" "$T/app.tok" crypto/verify "{\"alias\":\"contracts\",\"message\":\"YWJj\",\"signature\":\"$sig\"}"
{ [ "$(code)" = 200 ] && grep -q '"valid":true' "$T/r"; }; expect "node 1's signature verifies on node 2"

# the scheduler's versions are the platform's: a candidate released through node 1 runs the app's operations on
# node 2 once node 2 has read the pool again (pool_health_interval_s, 2 s by default)
pol_ops() { curl -sk "$1/metrics" | sed -n "s/^ccsp_pool_policy_operations_total{policy=\"$2\"} //p"; }
api "$U_n1" "$T/admin.tok" pool/scheduler-release '{"policy":"round-robin","grayPercent":100}'
check "node 1: round-robin released to every application" [ "$(code)" = 200 ]
i=0
while [ $i -lt 100 ] && ! curl -sk "$U_n2/metrics" | grep -q '^ccsp_pool_scheduler_version{track="candidate",policy="round-robin"} 2$'; do
	sleep 0.1
	i=$((i + 1))
done
rr=$(pol_ops "$U_n2" round-robin)
api "$U_n2" "$T/app.tok" crypto/sign '{"alias":"contracts","message":"YWJj"}'
{ [ "$(code)" = 200 ] && [ "$(pol_ops "$U_n2" round-robin)" = $((rr + 1)) ]; }
expect "node 2 runs the app's signature with the version released through node 1"
api "$U_n2" "$T/admin.tok" pool/scheduler-rollback '{}'
check "node 2: the candidate rolled back" grep -q '"candidate":null' "$T/r"

# a token revoked on node 1 is refused by node 2 (at most the session cache's 2 s later)
api "$U_n2" "$T/app.tok" crypto/hash '{"data":"YWJj"}'
check "node 2: the app token (issued by node 1)" [ "$(code)" = 200 ]
api "$U_n1" "$T/app.tok" auth/logout '{}'
check "node 1: the app token revoked" [ "$(code)" = 200 ]
i=0
while [ $i -lt 50 ]; do
	api "$U_n2" "$T/app.tok" crypto/hash '{"data":"YWJj"}'
	[ "$(code)" = 401 ] && break
	sleep 0.1
	i=$((i + 1))
done
{ [ "$(code)" = 401 ] && grep -q CCSP-2004 "$T/r"; }; expect "node 2: the revoked token refused (CCSP-2004) within the cache's 2 s"

for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
wait 2>/dev/null
psql -q "$(cat "$PG/url")" -c "DROP DATABASE $db" >/dev/null 2>&1
finish

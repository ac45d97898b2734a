#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# kill -9 of ccspd under concurrent writes (SQLite): four clients create tenants as fast as they can — each creation
# and its audit record in one transaction — ccspd is killed with SIGKILL in the middle, started again: every tenant
# whose creation was acknowledged (200) is there, and the stored audit chain still verifies (audit/verify). Every wait
# is bounded; nothing is left running.
. "$(dirname "$0")/common.sh"
BIN=$(dirname "$CCSP")
CCSPD=$BIN/ccspd
if [ ! -x "$CCSPD" ] || [ ! -x "$BIN/vsmd" ] || ! command -v curl >/dev/null; then
	echo "skip: ccspd, vsmd or curl not available"
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
start() {
	: >"$T/p.out" # before the start: the last run's ready line must not count (the shell truncates it late)
	"$CCSPD" --dir "$T/p" >"$T/p.out" 2>&1 &
	CPID=$!
	PIDS="$PIDS $CPID"
	wait_for "$T/p.out" 'listening on port' || { fail "ccspd did not start: $(cat "$T/p.out")"; finish; }
	U=https://127.0.0.1:$(sed -n 's/^ccspd: listening on port \([0-9]*\).*/\1/p' "$T/p.out")
}
api() { # TOKEN-FILE ACTION BODY -> stdout: the HTTP status, then the body
	curl -sk -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' -H "Authorization: Bearer $(cat "$1")" \
		--data-binary "$3" "$U/api/v1/$2"
}
pwfile() { printf '%s\n' "$2" >"$T/$1.pw"; chmod 600 "$T/$1.pw"; }

"$BIN/vsmd" --init "$T/vsm" --listen 127.0.0.1:0 >/dev/null
"$CCSP" vsm keygen --dir "$T/vsm" --index 1 --kek >/dev/null
"$BIN/vsmd" --dir "$T/vsm" >"$T/vsm.out" 2>&1 &
PIDS="$PIDS $!"
wait_for "$T/vsm.out" 'listening on port'
sed -i "s/^address = .*/address = 127.0.0.1:$(sed -n 's/^vsmd: listening on port \([0-9]*\).*/\1/p' "$T/vsm.out")/" \
	"$T/vsm/sdf.conf"
"$CCSPD" --init "$T/p" --listen 127.0.0.1:0 --vsm-conf "$T/vsm/sdf.conf" >/dev/null
start
"$OPENSSL" genpkey -algorithm SM2 -out "$T/admin-key.pem" 2>/dev/null
pwfile admin "$(cat "$T/p/initial-admin-password")"
pwfile admin.new 'Crash-Admin-Passw0rd-1'
"$CCSP" admin login --url "$U" --insecure --login admin --password-file "$T/admin.pw" --key "$T/admin-key.pem" \
	--token-file "$T/admin.tok" >/dev/null 2>&1
check "the admin's first login" "$CCSP" admin password --url "$U" --insecure --token-file "$T/admin.tok" \
	--old-file "$T/admin.pw" --new-file "$T/admin.new.pw"
aud_otp=$(api "$T/admin.tok" admin/operator-create '{"login":"aud","role":"auditor"}' |
	sed -n 's/.*"oneTimePassword":"\([^"]*\)".*/\1/p')
"$OPENSSL" genpkey -algorithm SM2 -out "$T/aud-key.pem" 2>/dev/null
pwfile aud "$aud_otp"
pwfile aud.new 'Crash-Auditor-Passw0rd-1'
"$CCSP" admin login --url "$U" --insecure --login aud --password-file "$T/aud.pw" --key "$T/aud-key.pem" \
	--token-file "$T/aud.tok" >/dev/null 2>&1
check "the auditor's first login" "$CCSP" admin password --url "$U" --insecure --token-file "$T/aud.tok" \
	--old-file "$T/aud.pw" --new-file "$T/aud.new.pw"

# four writers; each line of acked.N is a tenant whose creation was answered 200
writer() {
	n=0
	while [ $n -lt 400 ]; do
		out=$(api "$T/admin.tok" admin/tenant-create "{\"name\":\"w$1-$n\"}" 2>/dev/null) || true
		[ "$(printf '%s' "$out" | tail -n 1)" = 200 ] && echo "w$1-$n" >>"$T/acked.$1"
		n=$((n + 1))
	done
}
for w in 1 2 3 4; do
	writer $w &
	WPIDS="${WPIDS:-} $!"
done
i=0
while [ $i -lt 100 ] && [ "$(cat "$T"/acked.* 2>/dev/null | wc -l)" -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
kill -9 "$CPID"
wait "$CPID" 2>/dev/null
for p in $WPIDS; do wait "$p" 2>/dev/null; done
acked=$(cat "$T"/acked.* 2>/dev/null | wc -l)
check "writes were acknowledged before the kill ($acked)" [ "$acked" -ge 20 ]

start
: >"$T/list" # every page of the tenant list
cursor=""
while :; do
	api "$T/admin.tok" admin/tenant-list "{\"limit\":500${cursor:+,\"cursor\":\"$cursor\"}}" >"$T/page"
	cat "$T/page" >>"$T/list"
	cursor=$(sed -n 's/.*"next":"\([^"]*\)".*/\1/p' "$T/page")
	[ -n "$cursor" ] || break
done
lost=0
for name in $(cat "$T"/acked.*); do
	grep -q "\"name\":\"$name\"" "$T/list" || lost=$((lost + 1))
done
check "after kill -9: every acknowledged tenant is there (lost: $lost)" [ "$lost" -eq 0 ]
api "$T/aud.tok" audit/verify '{}' >"$T/verify"
check "after kill -9: the audit chain verifies" grep -q '"verified":true' "$T/verify"
check "after kill -9: each acknowledged creation has its audit record" sh -c \
	"[ \$(sed -n 's/.*\"records\":\([0-9]*\).*/\1/p' '$T/verify') -ge $acked ]"
kill -TERM "$CPID"
wait "$CPID"
check "SIGTERM: exit 0" [ $? -eq 0 ]
finish

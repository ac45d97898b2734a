#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ccspd's people and objects over HTTPS (docs/api-ccspd.md): the first admin's login with the one-time password
# (must change: CCSP-3001 elsewhere), the operator's SM2 second factor (registration, login2, a bad signature),
# the roles' allowed and refused actions, tenant A's administrator blind to tenant B (CCSP-1002), applications
# (secret once, signed app-token, disable), lockout and its expiry, logout, and the audit records of each change
# read by the auditor. Uses `ccsp admin` and `ccsp api`, curl and openssl. Every wait is bounded.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/ccspd_lib.sh"


# ---- a platform with its VSM (a KEK at index 1 wraps the data-protection key) ----
vsm_start "$T/vsm"
"$CCSPD" --init "$T/p" --listen 127.0.0.1:0 --vsm-conf "$T/vsm/sdf.conf" >/dev/null
echo "vsm_kek_index = 1" >>"$T/p/ccspd.conf"
echo "session_max = 3" >>"$T/p/ccspd.conf"
start

# ---- the first admin: one-time password, second-factor registration, must change, change, login2 ----
pwfile admin "$(cat "$T/p/initial-admin-password")"
"$OPENSSL" genpkey -algorithm SM2 -out "$T/admin-key.pem" 2>/dev/null
check "operator login without --key refused by the CLI" sh -c "! '$CCSP' admin login --url '$U' --insecure \
	--login admin --password-file '$T/admin.pw' --token-file '$T/admin.tok' 2>/dev/null"
check "first login: one-time password + registering the SM2 key" "$CCSP" admin login --url "$U" --insecure \
	--login admin --password-file "$T/admin.pw" --key "$T/admin-key.pem" --token-file "$T/admin.tok"
check "the token file is 0600" [ "$(stat -c %a "$T/admin.tok")" = 600 ]
api "$T/admin.tok" admin/tenant-list '{}'
check "must change first: CCSP-3001 on other actions" is_err 403 CCSP-3001
pwfile admin.new 'Admin-Passw0rd-2026'
check "password change (allowed while pending)" "$CCSP" admin password --url "$U" --insecure \
	--token-file "$T/admin.tok" --old-file "$T/admin.pw" --new-file "$T/admin.new.pw"
check "after the change: actions allowed" "$CCSP" admin call --url "$U" --insecure --token-file "$T/admin.tok" \
	admin tenant-list
check "login again: password + login2 (SM2 signature over the challenge)" "$CCSP" admin login --url "$U" \
	--insecure --login admin --password-file "$T/admin.new.pw" --key "$T/admin-key.pem" --token-file "$T/admin.tok"
"$OPENSSL" genpkey -algorithm SM2 -out "$T/other-key.pem" 2>/dev/null
check "login2 with another key: refused" sh -c "! '$CCSP' admin login --url '$U' --insecure --login admin \
	--password-file '$T/admin.new.pw' --key '$T/other-key.pem' --token-file '$T/x.tok' 2>/dev/null"
api - auth/login "{\"login\":\"admin\",\"password\":\"$(cat "$T/admin.new.pw")\"}"
ch=$(field challenge)
sig=$(printf %s "$ch" | "$OPENSSL" pkeyutl -sign -rawin -digest sm3 -pkeyopt distid:1234567812345678 \
	-inkey "$T/admin-key.pem" | "$OPENSSL" base64 -A)
api - auth/register-key "{\"login\":\"admin\",\"challenge\":\"$ch\",\"publicKey\":\"$("$OPENSSL" pkey -in \
	"$T/other-key.pem" -pubout -outform DER | "$OPENSSL" base64 -A)\",\"signature\":\"$sig\"}"
check "register-key once a key exists: refused (CCSP-2005)" is_err 401 CCSP-2005
api - auth/login2 "{\"login\":\"admin\",\"challenge\":\"$ch\",\"signature\":\"$sig\"}"
check "a challenge is single use" is_err 401 CCSP-2005

# ---- operators, tenants, tenant administrators ----
api "$T/admin.tok" admin/operator-create '{"login":"aud","role":"auditor"}'
check "sysadmin creates an auditor (one-time password once)" [ "$(code)" = 200 ]
aud_otp=$(field oneTimePassword)
api "$T/admin.tok" admin/operator-create '{"login":"x","role":"tenant_admin"}'
check "operator-create with a member role: CCSP-1001" is_err 400 CCSP-1001
api "$T/admin.tok" admin/tenant-create '{"name":"A"}'
ta=$(field id)
api "$T/admin.tok" admin/tenant-create '{"name":"B"}'
tb=$(field id)
api "$T/admin.tok" admin/tenant-create "{\"name\":\"A1\",\"parent\":\"$ta\"}"
{ [ "$(code)" = 200 ] && [ ${#ta} -eq 32 ] && [ ${#tb} -eq 32 ]; }; expect "tenants and a sub-tenant"
api "$T/admin.tok" admin/member-create "{\"tenant\":\"$ta\",\"login\":\"alice\",\"role\":\"tenant_admin\"}"
alice_otp=$(field oneTimePassword)
api "$T/admin.tok" admin/member-create "{\"tenant\":\"$tb\",\"login\":\"bob\",\"role\":\"tenant_admin\"}"
bob_otp=$(field oneTimePassword)
{ [ ${#alice_otp} -eq 20 ] && [ ${#bob_otp} -eq 20 ]; }; expect "tenant administrators created"
api "$T/admin.tok" admin/member-create "{\"tenant\":\"$ta\",\"login\":\"u0\",\"role\":\"user\"}"
check "sysadmin may not create a tenant's user: CCSP-3000" is_err 403 CCSP-3000

check "tenant admin A: first login and password change" first_login alice "$ta" "$alice_otp" 'Alice-Passw0rd-2026'
check "tenant admin B: first login and password change" first_login bob "$tb" "$bob_otp" 'Bob-Passw0rd-2026!'
api "$T/alice.tok" admin/member-create '{"login":"carol"}'
{ [ "$(code)" = 200 ] && grep -q '"role":"user"' "$T/r"; }; expect "tenant admin creates a user of its tenant"
carol_otp=$(field oneTimePassword)
carol=$(field id)
api "$T/bob.tok" admin/member-create '{"login":"dave"}'
dave=$(field id)
api "$T/alice.tok" admin/member-create '{"login":"eve","role":"tenant_admin"}'
check "tenant admin may not create a tenant admin: CCSP-3000" is_err 403 CCSP-3000
api "$T/alice.tok" admin/operator-create '{"login":"op","role":"sysadmin"}'
check "tenant admin may not create operators: CCSP-3000" is_err 403 CCSP-3000

# ---- tenant A cannot see or touch tenant B ----
api "$T/alice.tok" admin/member-create "{\"tenant\":\"$tb\",\"login\":\"mallory\"}"
check "A's admin creating in B: CCSP-1002" is_err 404 CCSP-1002
api "$T/alice.tok" admin/principal-list "{\"tenant\":\"$tb\"}"
check "A's admin listing B: CCSP-1002" is_err 404 CCSP-1002
api "$T/alice.tok" admin/principal-disable "{\"id\":\"$dave\"}"
check "A's admin disabling B's user: CCSP-1002 (as for a missing one)" is_err 404 CCSP-1002
api "$T/alice.tok" admin/principal-disable "{\"id\":\"$dave\",\"tenant\":\"$tb\"}"
check "... also naming B: CCSP-1002" is_err 404 CCSP-1002
api "$T/alice.tok" admin/principal-list '{}'
{ [ "$(code)" = 200 ] && grep -q '"login":"carol"' "$T/r" && ! grep -q dave "$T/r"; }; expect "A's admin lists A only"

# ---- applications ----
api "$T/alice.tok" app/create '{"name":"billing"}'
{ [ "$(code)" = 200 ] && [ "$(field secret | wc -c)" -eq 43 ]; }; expect "app created: access key and secret once"
ak=$(field accessKey)
field secret >"$T/app.secret"
app_a=$(field id)
api "$T/bob.tok" app/create '{"name":"billing"}'
app_b=$(field id)
api "$T/alice.tok" app/list '{}'
{ [ "$(code)" = 200 ] && grep -q billing "$T/r" && ! grep -q secret "$T/r" &&
	! grep -q "$app_b" "$T/r"; }; expect "app list: A's app, no secret"
api "$T/alice.tok" app/disable "{\"id\":\"$app_b\"}"
check "A's admin disabling B's app: CCSP-1002" is_err 404 CCSP-1002
check "signed app-token" sh -c "'$CCSP' api call --url '$U' --insecure --access-key '$ak' \
	--secret-file '$T/app.secret' auth app-token >'$T/apptok.json'"
sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$T/apptok.json" >"$T/app.tok"
api "$T/app.tok" crypto/hash '{"data":"YWJj"}'
check "the app's session token works" [ "$(code)" = 200 ]
# again within the session cache's 2 s: crypto/hash then runs on the event loop (gateway.c, run_inline)
api "$T/app.tok" crypto/hash '{"data":"YWJj"}'
digest=$(printf abc | "$OPENSSL" dgst -sm3 -binary | "$OPENSSL" base64 -A)
check "... again, from the session cache: SM3(abc) as openssl computes it" [ "$(field digest)" = "$digest" ]
for i in 1 2; do api "$T/alice.tok" crypto/hash '{"data":"YWJj"}'; done
check "a tenant admin's cached session on an app action: still refused (CCSP-3000)" is_err 403 CCSP-3000
api "$T/alice.tok" app/disable "{\"id\":\"$app_a\"}"
check "A's admin disables A's app" [ "$(code)" = 200 ]
check "a disabled app's signed request: refused" sh -c "! '$CCSP' api call --url '$U' --insecure \
	--access-key '$ak' --secret-file '$T/app.secret' auth app-token >/dev/null 2>&1"
api "$T/app.tok" crypto/hash '{"data":"YWJj"}'
check "a disabled app's session: refused" [ "$(code)" = 401 ]

# ---- roles ----
check "a user: first login" first_login carol "$ta" "$carol_otp" 'Carol-Passw0rd-2026'
api "$T/carol.tok" admin/member-create '{"login":"zed"}'
check "user may not create people: CCSP-3000" is_err 403 CCSP-3000
api "$T/carol.tok" app/list '{}'
check "user may not manage apps: CCSP-3000" is_err 403 CCSP-3000
api "$T/admin.tok" audit/query '{}'
check "sysadmin may not read the audit trail: CCSP-3000" is_err 403 CCSP-3000
"$OPENSSL" genpkey -algorithm SM2 -out "$T/aud-key.pem" 2>/dev/null
pwfile aud "$aud_otp"
check "auditor: first login with key registration" "$CCSP" admin login --url "$U" --insecure --login aud \
	--password-file "$T/aud.pw" --key "$T/aud-key.pem" --token-file "$T/aud.tok"
pwfile aud.new 'Auditor-Passw0rd-2026'
"$CCSP" admin password --url "$U" --insecure --token-file "$T/aud.tok" --old-file "$T/aud.pw" \
	--new-file "$T/aud.new.pw" >/dev/null
api "$T/aud.tok" admin/tenant-list '{}'
check "auditor may not manage tenants: CCSP-3000" is_err 403 CCSP-3000

# ---- lockout, unknown logins, session limit, logout ----
for i in 1 2 3 4 5; do api - auth/login "{\"login\":\"carol\",\"tenant\":\"$ta\",\"password\":\"Wrong-Passw0rd-$i\"}"; done
check "5th wrong password: CCSP-2005" is_err 401 CCSP-2005
api - auth/login "{\"login\":\"carol\",\"tenant\":\"$ta\",\"password\":\"Carol-Passw0rd-2026\"}"
check "locked: even the right password gets CCSP-2005 (no oracle for a guesser)" is_err 401 CCSP-2005
api - auth/login "{\"login\":\"carol\",\"tenant\":\"$ta\",\"password\":\"Wrong-Passw0rd-9\"}"
check "locked: a wrong one gets CCSP-2005 (the lock tells nothing)" is_err 401 CCSP-2005
api - auth/login "{\"login\":\"nobody\",\"tenant\":\"$ta\",\"password\":\"Wrong-Passw0rd-9\"}"
check "unknown login: CCSP-2005" is_err 401 CCSP-2005
api "$T/carol.tok" admin/principal-list '{}'
api "$T/alice.tok" admin/principal-list '{}'
check "the list shows the lock" grep -q '"lockedUntil":[1-9]' "$T/r"
stop
echo 960 >"$T/p/test-clock-offset" # 16 minutes later
start
check "16 minutes later: unlocked" member_login carol "$ta" 'Carol-Passw0rd-2026' # carol's 2nd session
cp "$T/carol.tok" "$T/carol2.tok"
member_login carol "$ta" 'Carol-Passw0rd-2026' # the 3rd
api - auth/login "{\"login\":\"carol\",\"tenant\":\"$ta\",\"password\":\"Carol-Passw0rd-2026\"}"
check "session_max = 3: a fourth session is refused (CCSP-5000)" is_err 429 CCSP-5000
check "logout" "$CCSP" admin logout --url "$U" --insecure --token-file "$T/carol.tok"
api "$T/carol.tok" auth/logout '{}'
check "a revoked token: CCSP-2004" is_err 401 CCSP-2004
api "$T/carol2.tok" auth/logout '{}'
check "another session of the same person still works" [ "$(code)" = 200 ]

# ---- disable a person: its sessions end ----
member_login alice "$ta" 'Alice-Passw0rd-2026'
api "$T/admin.tok" admin/principal-disable "{\"id\":\"$carol\",\"tenant\":\"$ta\"}"
check "sysadmin may not disable a tenant's user: CCSP-3000" is_err 403 CCSP-3000
api "$T/alice.tok" admin/principal-disable "{\"id\":\"$carol\"}"
{ [ "$(code)" = 200 ] && grep -q '"status":"disabled"' "$T/r"; }; expect "tenant admin disables its user"
api - auth/login "{\"login\":\"carol\",\"tenant\":\"$ta\",\"password\":\"Carol-Passw0rd-2026\"}"
check "a disabled user cannot log in (CCSP-2005)" is_err 401 CCSP-2005

# ---- the audit trail, read by the auditor ----
pwfile aud.new 'Auditor-Passw0rd-2026'
"$CCSP" admin login --url "$U" --insecure --login aud --password-file "$T/aud.new.pw" --key "$T/aud-key.pem" \
	--token-file "$T/aud.tok" >/dev/null
for a in principal.create tenant.create app.create app.disable auth.password auth.register-key auth.lockout \
	auth.logout principal.disable auth.app-token auth.denied; do
	api "$T/aud.tok" audit/count "{\"action\":\"$a\"}"
	{ [ "$(code)" = 200 ] && ! grep -q '"count":0' "$T/r"; }; expect "audited: $a"
done
api "$T/aud.tok" audit/query '{"action":"auth.login","outcome":"denied","limit":2}'
{ [ "$(code)" = 200 ] && grep -q '"next":[0-9]' "$T/r" &&
	[ "$(grep -o '"seq"' "$T/r" | wc -l)" -eq 2 ]; }; expect "audit/query: filters, bounded, cursor"
api "$T/aud.tok" audit/query "{\"tenant\":\"$ta\",\"action\":\"principal.create\"}"
{ grep -q '"target":"carol"' "$T/r" && grep -q '"actor":"alice"' "$T/r"; }; expect "audit/query by tenant: A's admin created carol"
check "the audit trail holds no password" sh -c "! grep -q 'Carol-Passw0rd-2026' '$T/p/ccspd.db'"
api "$T/aud.tok" audit/verify '{}'
check "audit/verify: the whole stored chain verifies (linkage and MACs)" grep -q '"verified":true' "$T/r"
# an editor of the database (who drops the append-only triggers) is caught: altered, then removed
db "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;"
orig=$(db "SELECT target FROM audit WHERE seq = 3")
db "UPDATE audit SET target = 'someone-else' WHERE seq = 3"
api "$T/aud.tok" audit/verify '{}'
{ grep -q '"verified":false' "$T/r" &&
	grep -q '"seq":3' "$T/r" && grep -q '"fault":"altered"' "$T/r"; }; expect "a record edited in the database: found (seq 3, altered)"
db "UPDATE audit SET target = '$orig' WHERE seq = 3"
api "$T/aud.tok" audit/verify '{}'
check "the edit undone: verifies again" grep -q '"verified":true' "$T/r"
db "DELETE FROM audit WHERE seq = 5"
api "$T/aud.tok" audit/verify '{}'
{ grep -q '"verified":false' "$T/r" &&
	grep -q '"fault":"removed"' "$T/r"; }; expect "a record deleted in the database: found (seq 5, removed)"
check "the MAC seed is sealed by the platform VSM" sh -c "sqlite3 -cmd '.timeout 10000' '$T/p/ccspd.db' \
	\"SELECT value FROM config WHERE key = 'audit.mac_seed'\" | grep -q '^vsm:'" # sqlite3: scripts/deps.sh

# ---- session limits, on the test clock: absolute (900 s) and idle (600 s) ----
stop
printf 'session_idle_s = 600\nsession_absolute_s = 900\n' >>"$T/p/ccspd.conf"
echo 3000 >"$T/p/test-clock-offset"
start
check "limits: a fresh login" member_login alice "$ta" 'Alice-Passw0rd-2026'
cp "$T/alice.tok" "$T/alice-a.tok"
stop
echo 3500 >"$T/p/test-clock-offset" # 500 s later: within both limits, and the use moves last_seen on
start
api "$T/alice-a.tok" admin/principal-list '{}'
check "500 s later: the session works" [ "$(code)" = 200 ]
member_login alice "$ta" 'Alice-Passw0rd-2026'
cp "$T/alice.tok" "$T/alice-b.tok"
stop
echo 3950 >"$T/p/test-clock-offset" # 950 s after the first login, 450 s after its last use
start
api "$T/alice-a.tok" admin/principal-list '{}'
check "past the absolute limit (though not idle): CCSP-2004" is_err 401 CCSP-2004
stop
echo 4200 >"$T/p/test-clock-offset" # 700 s after the second session's only use
start
api "$T/alice-b.tok" admin/principal-list '{}'
check "past the idle limit: CCSP-2004" is_err 401 CCSP-2004
stop
check "SIGTERM: exit 0" [ $? -eq 0 ]
finish

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ccspd's sub-tenants over HTTPS (docs/api-ccspd.md "Sub-tenants"): a tenant administrator creates sub-tenants
# below its tenant (at most 4 levels), their administrators, users and apps; the app authenticates; a sub-tenant's
# administrator sees its subtree only (its parent and a sibling answer exactly as a tenant that does not exist);
# disabling a tenant refuses its whole subtree's people and apps, enabling brings them back; the per-tenant series
# of /metrics with their counts; apps' sessions limited by session_max like people's. Uses `ccsp admin` and
# `ccsp api`, curl, openssl and sqlite3. Every wait is bounded.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/ccspd_lib.sh"
# the error body without its requestId: what tells two refusals apart, if anything does
errbody() { sed 's/,"requestId":"[^"]*"//' "$T/r"; }
# app_call AK SECRETFILE AREA ACTION [ARGS]: a signed request
app_call() {
	ak=$1 sf=$2
	shift 2
	"$CCSP" api call --url "$U" --insecure --access-key "$ak" --secret-file "$sf" "$@"
}
app_token() { app_call "$1" "$2" auth app-token >"$T/apptok.json" 2>&1 &&
	sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$T/apptok.json" >"$3" && [ -s "$3" ]; }
metrics() { curl -sk "$U/metrics" >"$T/metrics"; }
has_metric() { grep -qxF "$1" "$T/metrics"; }

# ---- a platform with its VSM, as in ccspd_identity_test.sh; session_max = 2 ----
vsm_start "$T/vsm"
"$CCSPD" --init "$T/p" --listen 127.0.0.1:0 --vsm-conf "$T/vsm/sdf.conf" >/dev/null
echo "vsm_kek_index = 1" >>"$T/p/ccspd.conf"
echo "session_max = 2" >>"$T/p/ccspd.conf"
start

# ---- the sysadmin: a top-level tenant P and its administrator pat ----
pwfile admin "$(cat "$T/p/initial-admin-password")"
"$OPENSSL" genpkey -algorithm SM2 -out "$T/admin-key.pem" 2>/dev/null
"$CCSP" admin login --url "$U" --insecure --login admin --password-file "$T/admin.pw" --key "$T/admin-key.pem" \
	--token-file "$T/admin.tok" >/dev/null 2>&1
pwfile admin.new 'Admin-Passw0rd-2026'
check "sysadmin: first login, password changed" "$CCSP" admin password --url "$U" --insecure \
	--token-file "$T/admin.tok" --old-file "$T/admin.pw" --new-file "$T/admin.new.pw"
api "$T/admin.tok" admin/tenant-create '{"name":"P"}'
P=$(field id)
api "$T/admin.tok" admin/member-create "{\"tenant\":\"$P\",\"login\":\"pat\",\"role\":\"tenant_admin\"}"
check "tenant P and its administrator" ok '[ "$(code)" = 200 ] && [ ${#P} -eq 32 ]'
check "pat: first login" first_login pat "$P" "$(field oneTimePassword)" 'Pat-Passw0rd-2026'

# ---- pat: sub-tenants below P, four levels at most ----
api "$T/pat.tok" admin/tenant-create '{"name":"S1"}'
check "a tenant admin creates a sub-tenant (parent: its own tenant)" ok \
	'[ "$(code)" = 200 ] && grep -q "\"parentId\":\"$P\"" "$T/r"'
S1=$(field id)
api "$T/pat.tok" admin/tenant-create '{"name":"S2"}'
S2=$(field id)
api "$T/pat.tok" admin/tenant-create "{\"name\":\"S1a\",\"parent\":\"$S1\"}"
S1a=$(field id)
api "$T/pat.tok" admin/tenant-create "{\"name\":\"S1b\",\"parent\":\"$S1a\"}"
check "... and below it, down to level 4" [ "$(code)" = 200 ]
S1b=$(field id)
api "$T/pat.tok" admin/tenant-create "{\"name\":\"S1c\",\"parent\":\"$S1b\"}"
check "level 5: refused (CCSP-1001)" ok 'is_err 400 CCSP-1001 && grep -q "at most 4 levels" "$T/r"'
api "$T/pat.tok" admin/tenant-create '{"name":"S1"}'
check "a sibling's name taken: CCSP-4000" is_err 409 CCSP-4000
api "$T/pat.tok" admin/tenant-list '{}'
check "pat lists P's sub-tenants" ok \
	'[ "$(code)" = 200 ] && grep -q "\"$S1\"" "$T/r" && grep -q "\"$S2\"" "$T/r" && ! grep -q "\"$S1a\"" "$T/r"'
api "$T/pat.tok" admin/tenant-list "{\"parent\":\"$S1\"}"
check "... and those of a sub-tenant" ok '[ "$(code)" = 200 ] && grep -q "\"$S1a\"" "$T/r"'

# ---- pat administers the sub-tenant: its administrator, a user, an app ----
api "$T/pat.tok" admin/member-create "{\"tenant\":\"$S1\",\"login\":\"sam\",\"role\":\"tenant_admin\"}"
check "pat creates S1's administrator" ok '[ "$(code)" = 200 ] && grep -q "\"role\":\"tenant_admin\"" "$T/r"'
sam_otp=$(field oneTimePassword)
api "$T/pat.tok" admin/member-create "{\"tenant\":\"$S1\",\"login\":\"sue\"}"
check "pat creates a user of S1" ok '[ "$(code)" = 200 ] && grep -q "\"role\":\"user\"" "$T/r"'
sue_otp=$(field oneTimePassword)
sue=$(field id)
api "$T/pat.tok" app/create "{\"tenant\":\"$S1\",\"name\":\"svc\"}"
secret=$(field secret)
check "pat creates an app of S1 (secret once)" ok '[ "$(code)" = 200 ] && [ ${#secret} -eq 43 ]'
ak1=$(field accessKey)
field secret >"$T/s1.secret"
api "$T/pat.tok" app/create "{\"tenant\":\"$S2\",\"name\":\"svc\"}"
ak2=$(field accessKey)
field secret >"$T/s2.secret"
app2=$(field id)
api "$T/pat.tok" app/list "{\"tenant\":\"$S1\"}"
check "pat lists S1's apps" ok '[ "$(code)" = 200 ] && grep -q "\"$ak1\"" "$T/r" && ! grep -q "\"$ak2\"" "$T/r"'
api "$T/pat.tok" app/list '{}'
check "P's own apps: none" ok '[ "$(code)" = 200 ] && grep -q "\"apps\":\\[\\]" "$T/r"'

# ---- the sub-tenant's app authenticates ----
check "S1's app: a signed request (app-token)" app_token "$ak1" "$T/s1.secret" "$T/app1.tok"
api "$T/app1.tok" crypto/hash '{"data":"YWJj"}'
check "S1's app: its session token works" [ "$(code)" = 200 ]

# ---- S1's administrator sees S1's subtree and nothing else ----
check "sam (S1's administrator): first login" first_login sam "$S1" "$sam_otp" 'Sam-Passw0rd-2026'
check "sue (S1's user): first login" first_login sue "$S1" "$sue_otp" 'Sue-Passw0rd-2026'
api "$T/sam.tok" admin/tenant-list '{}'
check "sam lists S1's sub-tenants" ok '[ "$(code)" = 200 ] && grep -q "\"$S1a\"" "$T/r"'
api "$T/sam.tok" admin/tenant-list '{"parent":"0123456789abcdef0123456789abcdef"}'
check "a tenant that does not exist: CCSP-1002" is_err 404 CCSP-1002
errbody >"$T/missing.err"
for what in "parent P:$P" "sibling S2:$S2"; do
	id=${what#*:}
	name=${what%%:*}
	api "$T/sam.tok" admin/tenant-list "{\"parent\":\"$id\"}"
	errbody >"$T/seen.err"
	check "sam: tenant-list of its $name answers as a missing tenant" ok \
		'is_err 404 CCSP-1002 && cmp -s "$T/missing.err" "$T/seen.err"'
	api "$T/sam.tok" admin/principal-list "{\"tenant\":\"$id\"}"
	errbody >"$T/seen.err"
	check "sam: principal-list of its $name: the same answer" cmp -s "$T/missing.err" "$T/seen.err"
	api "$T/sam.tok" admin/tenant-disable "{\"id\":\"$id\"}"
	errbody >"$T/seen.err"
	check "sam: tenant-disable of its $name: the same answer" cmp -s "$T/missing.err" "$T/seen.err"
	api "$T/sam.tok" app/list "{\"tenant\":\"$id\"}"
	errbody >"$T/seen.err"
	check "sam: app/list of its $name: the same answer" cmp -s "$T/missing.err" "$T/seen.err"
	api "$T/sam.tok" admin/tenant-create "{\"name\":\"x\",\"parent\":\"$id\"}"
	errbody >"$T/seen.err"
	check "sam: tenant-create under its $name: the same answer" cmp -s "$T/missing.err" "$T/seen.err"
done
api "$T/sam.tok" app/disable "{\"id\":\"$app2\",\"tenant\":\"$S2\"}"
check "sam: disabling the sibling's app: CCSP-1002" is_err 404 CCSP-1002
api "$T/sam.tok" admin/tenant-disable "{\"id\":\"$S1\"}"
check "sam: disabling its own tenant: CCSP-3000" is_err 403 CCSP-3000
api "$T/sam.tok" admin/member-create '{"login":"tim","role":"tenant_admin"}'
check "sam: a tenant admin of its own tenant: CCSP-3000" is_err 403 CCSP-3000
api "$T/sam.tok" admin/member-create "{\"tenant\":\"$S1a\",\"login\":\"tim\",\"role\":\"tenant_admin\"}"
check "sam: a tenant admin of its sub-tenant: allowed" [ "$(code)" = 200 ]
api "$T/sue.tok" admin/tenant-list '{}'
check "a user may not list tenants: CCSP-3000" is_err 403 CCSP-3000

# ---- apps' sessions are limited by session_max (2) like people's: the new one is refused ----
check "S1's app: a second session" app_token "$ak1" "$T/s1.secret" "$T/app1b.tok"
"$CCSP" api call --url "$U" --insecure --access-key "$ak1" --secret-file "$T/s1.secret" auth app-token \
	>"$T/third.out" 2>&1
check "a third: refused" [ $? -ne 0 ]
check "... with CCSP-5000" grep -q CCSP-5000 "$T/third.out"
check "... audited as denied" [ "$(db \
	"SELECT COUNT(*) FROM audit WHERE action = 'auth.app-token' AND outcome = 'denied'")" = 1 ]
check "... while its signed requests go on" app_call "$ak1" "$T/s1.secret" crypto hash --set data=YWJj
api "$T/app1.tok" auth/logout '{}'
check "one logged out: a new session again" app_token "$ak1" "$T/s1.secret" "$T/app1.tok"

# ---- per-tenant metrics: S2's app makes a known set of requests ----
check "S2's app: a session" app_token "$ak2" "$T/s2.secret" "$T/app2.tok" # 2xx: 1
for i in 1 2 3; do api "$T/app2.tok" crypto/hash '{"data":"YWJj"}'; done      # 2xx: 4
api "$T/app2.tok" crypto/hash '{"data":5}'                                   # 4xx: 1
check "a bad request of S2's app: CCSP-1001" is_err 400 CCSP-1001
api - auth/login "{\"login\":\"sue\",\"tenant\":\"$S1\",\"password\":\"Wrong-Passw0rd-1\"}"
api - auth/login '{"login":"sue","tenant":"0123456789abcdef0123456789abcdef","password":"Wrong-Passw0rd-1"}'
metrics
check "/metrics: S2's requests by class" ok 'has_metric "ccsp_tenant_requests_total{tenant=\"$S2\",class=\"2xx\"} 4" &&
	has_metric "ccsp_tenant_requests_total{tenant=\"$S2\",class=\"4xx\"} 1"'
check "/metrics: S1's logins (sam, sue; one wrong password)" ok \
	'has_metric "ccsp_tenant_logins_total{tenant=\"$S1\",outcome=\"ok\"} 2" &&
	has_metric "ccsp_tenant_logins_total{tenant=\"$S1\",outcome=\"failed\"} 1"'
check "/metrics: a tenant that does not exist gets no series" ok '! grep -q 0123456789abcdef0123456789abcdef "$T/metrics"'
check "/metrics: live sessions by tenant (S1: sam, sue, two of the app; S2: one; P: pat)" ok \
	'has_metric "ccsp_tenant_sessions{tenant=\"$S1\"} 4" && has_metric "ccsp_tenant_sessions{tenant=\"$S2\"} 1" &&
	has_metric "ccsp_tenant_sessions{tenant=\"$P\"} 1"'
check "/metrics: P's own requests are P's" grep -q "^ccsp_tenant_requests_total{tenant=\"$P\",class=\"2xx\"} [1-9]" \
	"$T/metrics"
check "/metrics: the families are typed" ok 'grep -qx "# TYPE ccsp_tenant_sessions gauge" "$T/metrics" &&
	grep -qx "# TYPE ccsp_tenant_requests_total counter" "$T/metrics"'

# ---- pat disables the sibling S2: S2's app is refused, S1 is not ----
api "$T/pat.tok" admin/tenant-disable "{\"id\":\"$S2\"}"
check "pat disables its sub-tenant S2" ok '[ "$(code)" = 200 ] && grep -q "\"status\":\"disabled\"" "$T/r"'
api "$T/app2.tok" crypto/hash '{"data":"YWJj"}'
check "S2's app session: ended (CCSP-2004)" is_err 401 CCSP-2004
check "S2's app signed request: refused" sh -c "! '$CCSP' api call --url '$U' --insecure --access-key '$ak2' \
	--secret-file '$T/s2.secret' crypto hash --set data=YWJj >/dev/null 2>&1"
api "$T/app1.tok" crypto/hash '{"data":"YWJj"}'
check "the sibling S1's app: unaffected" [ "$(code)" = 200 ]

# ---- the sysadmin disables P: the whole subtree is refused ----
api "$T/admin.tok" admin/tenant-disable "{\"id\":\"$P\"}"
check "sysadmin disables P" ok '[ "$(code)" = 200 ] && grep -q "\"status\":\"disabled\"" "$T/r"'
sessions_ended() {
	[ "$(db "SELECT detail FROM audit WHERE action = 'tenant.disable' AND target = 'P'" |
		grep -o '"sessionsEnded":[0-9]*')" = "\"sessionsEnded\":$1" ]
}
check "... the sessions of its subtree ended: pat, sam, sue, S1's app (2)" sessions_ended 5
api "$T/app1.tok" crypto/hash '{"data":"YWJj"}'
check "S1's app session: refused (CCSP-2004)" is_err 401 CCSP-2004
check "S1's app signed request: refused" sh -c "! '$CCSP' api call --url '$U' --insecure --access-key '$ak1' \
	--secret-file '$T/s1.secret' auth app-token >/dev/null 2>&1"
api "$T/sam.tok" admin/tenant-list '{}'
check "sam's session: refused (CCSP-2004)" is_err 401 CCSP-2004
api - auth/login "{\"login\":\"sue\",\"tenant\":\"$S1\",\"password\":\"Sue-Passw0rd-2026\"}"
check "sue's login in S1 (active itself, P disabled): CCSP-2005" is_err 401 CCSP-2005
api - auth/login "{\"login\":\"sam\",\"tenant\":\"$S1\",\"password\":\"Sam-Passw0rd-2026\"}"
check "sam's login: CCSP-2005" is_err 401 CCSP-2005
api "$T/admin.tok" admin/tenant-list "{\"parent\":\"$P\"}"
check "S1's own status is untouched" grep -q "\"id\":\"$S1\",\"name\":\"S1\",\"status\":\"active\"" "$T/r"
api "$T/admin.tok" admin/tenant-enable "{\"id\":\"$P\"}"
check "sysadmin enables P" [ "$(code)" = 200 ]
check "enabled again: S1's people log in" member_login sam "$S1" 'Sam-Passw0rd-2026'
check "... and S1's app authenticates" app_token "$ak1" "$T/s1.secret" "$T/app1.tok"
api "$T/app1.tok" crypto/hash '{"data":"YWJj"}'
check "... and its new session works" [ "$(code)" = 200 ]

# ---- the audit trail names who did what ----
audited_once() { [ "$(db "SELECT COUNT(*) FROM audit WHERE action = '$1' AND actor = '$2' AND target = '$3'")" = 1 ]; }
check "audited: pat created S1 (tenant.create by pat)" audited_once tenant.create pat S1
check "audited: P disabled by the sysadmin" audited_once tenant.disable admin P
stop
check "SIGTERM: exit 0" [ $? -eq 0 ]
finish

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The security administrator over HTTPS (docs/api-ccspd.md "secadmin", "approval"): the key policy (defaults, a
# change, bad policies refused with nothing changed), key custodians (a bad key, a duplicate name or key), the
# two-person rule on an operator's lost key (the sysadmin requests, cannot approve; a rejected request changes
# nothing; an approved one clears the key and ends the sessions: the old key no longer logs in, a new one is
# registered; an expired request cannot be approved, on the test clock), the refusals of the other roles, and the
# auditor reading each record. Uses `ccsp admin`, curl and openssl. Every wait is bounded.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/ccspd_lib.sh"
# has PATTERN: answered 200, PATTERN (grep) in the body
has() { [ "$(code)" = 200 ] && grep -q "$1" "$T/r"; }
# op_login NAME PWFILE KEYFILE -> $T/NAME.tok (registers the key when the operator has none)
op_login() {
	"$CCSP" admin login --url "$U" --insecure --login "$1" --password-file "$2" --key "$3" \
		--token-file "$T/$1.tok" >"$T/login.out" 2>&1
}
# op_first NAME OTP: a new operator's first login (key $T/NAME-key.pem registered), password changed to
# $T/NAME.new.pw; $T/NAME.tok
op_first() {
	pwfile "$1" "$2"
	pwfile "$1.new" "$1-Passw0rd-2026!"
	"$OPENSSL" genpkey -algorithm SM2 -out "$T/$1-key.pem" 2>/dev/null
	op_login "$1" "$T/$1.pw" "$T/$1-key.pem" &&
		"$CCSP" admin password --url "$U" --insecure --token-file "$T/$1.tok" --old-file "$T/$1.pw" \
			--new-file "$T/$1.new.pw" >/dev/null 2>&1
}
spki() { "$OPENSSL" pkey -in "$1" -pubout -outform DER | "$OPENSSL" base64 -A; }
# sign KEYFILE TEXT: Base64 DER SM2 signature (default ID) of TEXT
sign() {
	printf %s "$2" | "$OPENSSL" pkeyutl -sign -rawin -digest sm3 -pkeyopt distid:1234567812345678 -inkey "$1" |
		"$OPENSSL" base64 -A
}

# ---- a platform with its VSM, as ccspd_identity_test.sh ----
vsm_start "$T/vsm"
"$CCSPD" --init "$T/p" --listen 127.0.0.1:0 --vsm-conf "$T/vsm/sdf.conf" >/dev/null
echo "vsm_kek_index = 1" >>"$T/p/ccspd.conf"
start

# ---- the people: the first sysadmin, a secadmin, an auditor, a second sysadmin, a tenant administrator ----
check "the first sysadmin" op_first admin "$(cat "$T/p/initial-admin-password")"
for who in sec:secadmin aud:auditor op2:sysadmin; do
	api "$T/admin.tok" admin/operator-create "{\"login\":\"${who%%:*}\",\"role\":\"${who#*:}\"}"
	check "operator ${who%%:*} (${who#*:}): created and first login" op_first "${who%%:*}" "$(field oneTimePassword)"
done
api "$T/admin.tok" admin/tenant-create '{"name":"A"}'
ta=$(field id)
api "$T/admin.tok" admin/member-create "{\"tenant\":\"$ta\",\"login\":\"alice\",\"role\":\"tenant_admin\"}"
check "a tenant administrator: first login and password change" first_login alice "$ta" \
	"$(field oneTimePassword)" 'Alice-Passw0rd-2026'

# ---- the key policy ----
api "$T/sec.tok" secadmin/policy-get '{}'
{ has '"deletionMinDays":7' &&
	grep -q '"deletionMaxDays":30' "$T/r" && grep -q '"keySpecs":\["SM4","SM2","HMAC"\]' "$T/r" &&
	grep -q '"allowWrappedExport":false' "$T/r"; }; expect "policy-get: the defaults (deletion 7..30 days, SM4 and SM2, no export)"
api "$T/sec.tok" secadmin/policy-set '{"keySpecs":["SM4"],"maxVersions":5,"deletionMaxDays":60}'
check "policy-set: the members changed are named" has '"changed":\["keySpecs","deletionMaxDays","maxVersions"\]'
api "$T/admin.tok" secadmin/policy-get '{}'
{ has '"keySpecs":\["SM4"\]' &&
	grep -q '"maxVersions":5' "$T/r" && grep -q '"deletionMaxDays":60' "$T/r"; }; expect "the sysadmin may read the policy: the new values"
for bad in '{"maxVersions":0}' '{"colour":"blue"}' '{"deletionMinDays":3}' '{"deletionMinDays":90}' \
	'{"keySpecs":["SM4","AES"]}' '{"keySpecs":[]}' '{"allowWrappedExport":"yes"}' '{"rotationDefaultDays":10}' \
	'{"maxVersions":6,"rotationMaxDays":0}'; do
	api "$T/sec.tok" secadmin/policy-set "$bad"
	check "bad policy $bad: CCSP-1001" is_err 400 CCSP-1001
done
api "$T/sec.tok" secadmin/policy-get '{}'
{ has '"maxVersions":5' && grep -q '"deletionMinDays":7' "$T/r" &&
	grep -q '"rotationMaxDays":1825' "$T/r"; }; expect "after the refusals: nothing changed"
api "$T/admin.tok" secadmin/policy-set '{"maxVersions":9}'
check "sysadmin may not set the policy: CCSP-3000" is_err 403 CCSP-3000
api "$T/aud.tok" secadmin/policy-get '{}'
check "auditor may not read the policy: CCSP-3000" is_err 403 CCSP-3000
api "$T/alice.tok" secadmin/policy-get '{}'
check "tenant administrator may not read the policy: CCSP-3000" is_err 403 CCSP-3000
api - secadmin/policy-get '{}'
check "anonymous: CCSP-2000" is_err 401 CCSP-2000

# ---- custodians ----
for c in c1 c2 c3; do "$OPENSSL" genpkey -algorithm SM2 -out "$T/$c-key.pem" 2>/dev/null; done
api "$T/sec.tok" secadmin/custodian-add "{\"name\":\"c1\",\"publicKey\":\"$(spki "$T/c1-key.pem")\"}"
{ has '"name":"c1"' && grep -q '"fingerprint":"[0-9a-f]\{64\}"' "$T/r"; }; expect "custodian-add (SubjectPublicKeyInfo)"
c1=$(field id)
point=$("$OPENSSL" pkey -in "$T/c2-key.pem" -pubout -outform DER | tail -c 65 | "$OPENSSL" base64 -A)
api "$T/sec.tok" secadmin/custodian-add "{\"name\":\"c2\",\"publicKey\":\"$point\"}"
check "custodian-add (the point 04||x||y)" has '"name":"c2"'
api "$T/sec.tok" secadmin/custodian-add '{"name":"c3","publicKey":"bm90IGEga2V5IGF0IGFsbA=="}'
check "custodian-add with a bad key: CCSP-1001" is_err 400 CCSP-1001
api "$T/sec.tok" secadmin/custodian-add "{\"name\":\"c1\",\"publicKey\":\"$(spki "$T/c3-key.pem")\"}"
check "custodian-add with a name taken: CCSP-4000" is_err 409 CCSP-4000
api "$T/sec.tok" secadmin/custodian-add "{\"name\":\"c3\",\"publicKey\":\"$(spki "$T/c1-key.pem")\"}"
check "custodian-add with a key registered already: CCSP-4000" is_err 409 CCSP-4000
api "$T/sec.tok" secadmin/custodian-list '{}'
{ has '"name":"c1"' && grep -q '"name":"c2"' "$T/r" && ! grep -q '"name":"c3"' "$T/r"; }; expect "custodian-list: c1 and c2"
api "$T/sec.tok" secadmin/custodian-remove "{\"id\":\"$c1\"}"
check "custodian-remove" has '"name":"c1"'
api "$T/sec.tok" secadmin/custodian-remove "{\"id\":\"$c1\"}"
check "custodian-remove again: CCSP-1002" is_err 404 CCSP-1002
api "$T/sec.tok" secadmin/custodian-list '{}'
{ has '"name":"c2"' && ! grep -q '"name":"c1"' "$T/r"; }; expect "custodian-list: c2 only"
api "$T/admin.tok" secadmin/custodian-list '{}'
check "sysadmin may not list custodians: CCSP-3000" is_err 403 CCSP-3000
api "$T/aud.tok" secadmin/custodian-add "{\"name\":\"c9\",\"publicKey\":\"$(spki "$T/c3-key.pem")\"}"
check "auditor may not add custodians: CCSP-3000" is_err 403 CCSP-3000
api "$T/alice.tok" secadmin/custodian-remove "{\"id\":\"$c1\"}"
check "tenant administrator may not remove custodians: CCSP-3000" is_err 403 CCSP-3000

# ---- a lost operator key: request, refusals, rejection ----
cp "$T/op2.tok" "$T/op2-old.tok"
api "$T/admin.tok" admin/operator-key-reset '{"login":"op2"}'
{ has '"state":"pending"' &&
	grep -q '"kind":"operator-key-reset"' "$T/r"; }; expect "the sysadmin requests the reset of op2's key: pending"
r1=$(field id)
api "$T/admin.tok" admin/operator-key-reset '{"login":"op2"}'
check "a second request while one is pending: CCSP-4000" is_err 409 CCSP-4000
api "$T/admin.tok" admin/operator-key-reset '{"login":"admin"}'
check "a reset of one's own key: CCSP-1001" is_err 400 CCSP-1001
api "$T/admin.tok" admin/operator-key-reset '{"login":"alice"}'
check "a tenant's person is no operator: CCSP-1002" is_err 404 CCSP-1002
api "$T/sec.tok" admin/operator-key-reset '{"login":"op2"}'
check "the secadmin may not request: CCSP-3000" is_err 403 CCSP-3000
api "$T/admin.tok" approval/approve "{\"id\":\"$r1\"}"
check "the requesting sysadmin cannot approve: CCSP-3000" is_err 403 CCSP-3000
api "$T/op2.tok" approval/approve "{\"id\":\"$r1\"}"
check "nor can another sysadmin (here the target itself): CCSP-3000" is_err 403 CCSP-3000
api "$T/aud.tok" approval/list '{}'
check "the auditor may not list approvals: CCSP-3000" is_err 403 CCSP-3000
api "$T/admin.tok" approval/list '{"state":"pending"}'
check "approval/list (sysadmin): the pending request" has "\"id\":\"$r1\""
api "$T/sec.tok" approval/list '{"state":"sideways"}'
check "approval/list with an unknown state: CCSP-1001" is_err 400 CCSP-1001
api "$T/sec.tok" approval/reject "{\"id\":\"$r1\"}"
check "the secadmin rejects it" has '"state":"rejected"'
api "$T/sec.tok" approval/approve "{\"id\":\"$r1\"}"
check "a rejected request cannot be approved: CCSP-4000" is_err 409 CCSP-4000
check "rejected: op2's key still logs in" op_login op2 "$T/op2.new.pw" "$T/op2-key.pem"
api "$T/op2-old.tok" admin/tenant-list '{}'
check "rejected: op2's sessions still work" [ "$(code)" = 200 ]

# ---- approved: the key is cleared, the sessions end, a new key is registered ----
api "$T/admin.tok" admin/operator-key-reset '{"login":"op2"}'
r2=$(field id)
api "$T/sec.tok" approval/approve "{\"id\":\"$r2\"}"
{ has '"state":"executed"' && grep -q '"executedAt":[1-9]' "$T/r"; }; expect "the secadmin approves: executed at once"
api "$T/op2-old.tok" admin/tenant-list '{}'
check "op2's sessions ended: CCSP-2004" is_err 401 CCSP-2004
api "$T/op2.tok" admin/tenant-list '{}'
check "... every one of them: CCSP-2004" is_err 401 CCSP-2004
api "$T/admin.tok" admin/principal-list '{}'
check "op2 has no second factor now" grep -q '"login":"op2"[^}]*"secondFactor":false' "$T/r"
api - auth/login "{\"login\":\"op2\",\"password\":\"$(cat "$T/op2.new.pw")\"}"
check "op2's password login asks for a new key" has '"secondFactor":"register"'
ch=$(field challenge)
api - auth/login2 "{\"login\":\"op2\",\"challenge\":\"$ch\",\"signature\":\"$(sign "$T/op2-key.pem" "$ch")\"}"
check "the old key no longer logs in: CCSP-2005" is_err 401 CCSP-2005
"$OPENSSL" genpkey -algorithm SM2 -out "$T/op2-key2.pem" 2>/dev/null
check "op2 registers a new key" op_login op2 "$T/op2.new.pw" "$T/op2-key2.pem"
{ op_login op2 "$T/op2.new.pw" "$T/op2-key2.pem" &&
	grep -q 'logged in as op2' "$T/login.out" && ! grep -q registering "$T/login.out"; }; expect "op2 logs in with the new key (login2)"
api "$T/op2.tok" admin/tenant-list '{}'
check "op2's new session works" [ "$(code)" = 200 ]
check "op2's old key: refused (login2 with the new key registered)" sh -c "! '$CCSP' admin login --url '$U' \
	--insecure --login op2 --password-file '$T/op2.new.pw' --key '$T/op2-key.pem' --token-file '$T/x.tok' 2>/dev/null"
api "$T/sec.tok" approval/approve "{\"id\":\"$r2\"}"
check "an executed request cannot be approved again: CCSP-4000" is_err 409 CCSP-4000

# ---- a request about the secadmin: not decided by the secadmin ----
api "$T/admin.tok" admin/operator-key-reset '{"login":"sec"}'
r3=$(field id)
api "$T/sec.tok" approval/approve "{\"id\":\"$r3\"}"
check "the secadmin cannot approve the reset of its own key: CCSP-3000" is_err 403 CCSP-3000
api "$T/sec.tok" approval/reject "{\"id\":\"$r3\"}"
check "... nor reject it: CCSP-3000" is_err 403 CCSP-3000

# ---- expiry: 24 h on the platform's clock ----
api "$T/admin.tok" admin/operator-key-reset '{"login":"op2"}'
r4=$(field id)
stop
echo 90000 >"$T/p/test-clock-offset" # 25 hours later: every session is past its absolute limit too
start
for who in admin sec aud; do
	check "25 h later: $who logs in again" op_login "$who" "$T/$who.new.pw" "$T/$who-key.pem"
done
api "$T/sec.tok" approval/approve "{\"id\":\"$r4\"}"
{ is_err 409 CCSP-4000 && grep -q expired "$T/r"; }; expect "an expired request cannot be approved: CCSP-4000"
check "op2's key was not reset" op_login op2 "$T/op2.new.pw" "$T/op2-key2.pem"
api "$T/sec.tok" approval/list '{"state":"expired"}'
{ has "\"id\":\"$r4\"" && grep -q "\"id\":\"$r3\"" "$T/r"; }; expect "approval/list: the expired requests"
api "$T/admin.tok" admin/operator-key-reset '{"login":"op2"}'
check "a new request once the old one expired" has '"state":"pending"'

# ---- the auditor sees each record ----
for a in keypolicy.set custodian.add custodian.remove approval.request approval.reject approval.approve \
	principal.key-reset approval.expire; do
	api "$T/aud.tok" audit/count "{\"action\":\"$a\"}"
	{ [ "$(code)" = 200 ] && ! grep -q '"count":0' "$T/r"; }; expect "audited: $a"
done
api "$T/aud.tok" audit/query '{"action":"keypolicy.set"}'
{ has '"old":{[^}]*"maxVersions":100' &&
	grep -q '"new":{[^}]*"maxVersions":5' "$T/r" && grep -q '"actor":"sec"' "$T/r"; }; expect "keypolicy.set holds the old and new values"
api "$T/aud.tok" audit/query '{"action":"approval.approve","outcome":"denied"}'
{ has '"reason":"target"' && grep -q '"actor":"sec"' "$T/r"; }; expect "the refused self-decisions are audited"
api "$T/aud.tok" audit/query '{"action":"principal.key-reset"}'
{ has "\"approval\":\"$r2\"" &&
	grep -q '"target":"op2"' "$T/r" && grep -q '"actor":"sec"' "$T/r"; }; expect "the reset is recorded with its approval, approved by the secadmin"
api "$T/aud.tok" audit/count '{"action":"auth.denied"}'
{ [ "$(code)" = 200 ] && ! grep -q '"count":0' "$T/r"; }; expect "the refused roles are audited (auth.denied)"
api "$T/aud.tok" audit/verify '{}'
check "audit/verify: the chain verifies" grep -q '"verified":true' "$T/r"
stop
check "SIGTERM: exit 0" [ $? -eq 0 ]
finish

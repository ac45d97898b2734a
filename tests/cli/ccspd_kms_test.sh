#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ccspd's KMS over HTTPS (docs/api-ccspd.md "kms", "crypto/encrypt, crypto/decrypt"): a tenant administrator's SM4
# keys through their lifecycle, every refused transition answered CCSP-4002 with nothing changed; applications'
# signed encrypt/decrypt (round trip, context bound, a one-byte change refused, rotation keeps old ciphertexts
# readable, disable, archive); scheduled deletion destroyed once the test clock passed the waiting period, and
# cancelled; the emergencies behind the two-person rule (mark-compromised, emergency-destroy: nothing changes until a
# secadmin approves, a rejected request neither; a compromised key only decrypts, an emergency-destroyed key's
# ciphertexts no longer decrypt); the sweep destroying a due key nobody reads, as "system"; tenant isolation (B's app
# and admin see nothing of A's keys); the store holds only wrapped material; every change audited. Uses curl, openssl, sqlite3 and `ccsp api sign`. Every wait is bounded.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/ccspd_lib.sh"
SHIFT=0 # seconds the platform's clock is ahead (test-clock-offset): signed requests follow it
# sapp AK SECRETFILE AREA/ACTION BODY: a request signed as the app, with the platform's timestamp -> $T/r, $T/code
sapp() {
	"$CCSP" api sign --access-key "$1" --secret-file "$2" --body "$4" --timestamp $(($(date +%s) + SHIFT)) \
		"${3%%/*}" "${3#*/}" >"$T/sig.h" 2>"$T/sig.err" || return 1
	curl -sk -D "$T/h" -o "$T/r" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H "@$T/sig.h" \
		--data-binary "$4" "$U/api/v1/$3" >"$T/code"
}
num() { sed -n "s/.*\"$1\":\\([0-9]*\\).*/\\1/p" "$T/r"; }
b64() { printf '%s' "$1" | base64 -w0; }
unb64() { printf '%s' "$1" | base64 -d; }
# a key's state as kms/key-describe answers it (alice)
state_of() { api "$T/alice.tok" kms/key-describe "{\"keyId\":\"$1\"}" && field state; }
audits() { db "SELECT COUNT(*) FROM audit WHERE action = '$1' AND target = '$2' AND outcome = 'ok'"; }

# ---- a platform with its VSM; the sysadmin; tenants A and B, their administrators and apps ----
vsm_start "$T/vsm"
"$CCSPD" --init "$T/p" --listen 127.0.0.1:0 --vsm-conf "$T/vsm/sdf.conf" >/dev/null
echo "vsm_kek_index = 1" >>"$T/p/ccspd.conf"
echo "kms_sweep_interval_s = 0" >>"$T/p/ccspd.conf" # lazy destruction first; the sweep is switched on at the end
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
check "an app in each tenant" ok '[ -s "$T/a.secret" ] && [ -s "$T/b.secret" ]'

# ---- create, describe, list ----
api "$T/alice.tok" kms/key-create '{"spec":"SM4","alias":"orders","description":"order data"}'
check "alice creates an SM4 key: enabled, version 1, its alias" ok '[ "$(code)" = 200 ] &&
	[ "$(field state)" = enabled ] && [ "$(num primaryVersion)" = 1 ] && [ "$(field alias)" = orders ]'
K1=$(field keyId)
api "$T/alice.tok" kms/key-create '{"spec":"AES"}'
check "spec other than SM4: CCSP-1001" is_err 400 CCSP-1001
api "$T/alice.tok" kms/key-create '{"spec":"SM4","alias":"orders"}'
check "an alias taken in the tenant: CCSP-4000" is_err 409 CCSP-4000
api "$T/alice.tok" kms/key-create '{"spec":"SM4","alias":"bad alias!"}'
check "an alias with a space: CCSP-1001" is_err 400 CCSP-1001
api "$T/alice.tok" kms/key-describe '{"alias":"orders"}'
check "describe by alias" ok '[ "$(code)" = 200 ] && [ "$(field keyId)" = "$K1" ] &&
	[ "$(field description)" = "order data" ] && grep -q "\"deletionDue\":null" "$T/r"'
api "$T/alice.tok" kms/key-describe "{\"keyId\":\"$K1\",\"alias\":\"orders\"}"
check "keyId and alias together: CCSP-1001" is_err 400 CCSP-1001
api "$T/alice.tok" kms/key-list '{}'
check "list: the key, never material" ok '[ "$(code)" = 200 ] && grep -q "\"keyId\":\"$K1\"" "$T/r" &&
	! grep -qi "wrapped\|material" "$T/r"'
api "$T/bob.tok" kms/key-create '{"spec":"SM4","alias":"orders"}'
check "B's administrator: the same alias in B is free" ok '[ "$(code)" = 200 ]'
KB=$(field keyId)

# ---- the roles: apps do not manage keys, administrators do not encrypt ----
sapp "$akA" "$T/a.secret" kms/key-create '{"spec":"SM4"}'
check "an app cannot create keys: CCSP-3000" is_err 403 CCSP-3000
api "$T/alice.tok" crypto/encrypt "{\"keyId\":\"$K1\",\"plaintext\":\"$(b64 x)\"}"
check "an administrator cannot encrypt: CCSP-3000" is_err 403 CCSP-3000

# ---- encrypt, decrypt, the context ----
PT='the order book of 2026'
sapp "$akA" "$T/a.secret" crypto/encrypt "{\"alias\":\"orders\",\"plaintext\":\"$(b64 "$PT")\",\"context\":{\"order\":\"42\",\"db\":\"sales\"}}"
C1=$(field ciphertext)
check "A's app encrypts by alias: a blob naming the key and version 1" ok '[ "$(code)" = 200 ] &&
	[ "$(field keyId)" = "$K1" ] && [ "$(num version)" = 1 ] &&
	[ "$(unb64 "$C1" | wc -c)" -eq $((${#PT} + 49)) ] && [ "$(unb64 "$C1" | head -c 1 | od -An -tx1 | tr -d " ")" = 01 ]'
check "... the blob's bytes 1..16 are the key id" \
	[ "$(unb64 "$C1" | od -An -vtx1 -j1 -N16 | tr -d ' \n')" = "$K1" ]
sapp "$akA" "$T/a.secret" crypto/decrypt "{\"ciphertext\":\"$C1\",\"context\":{\"db\":\"sales\",\"order\":\"42\"}}"
check "decrypt (the same context, members in another order): the plaintext" ok '[ "$(code)" = 200 ] &&
	[ "$(unb64 "$(field plaintext)")" = "$PT" ]'
sapp "$akA" "$T/a.secret" crypto/decrypt "{\"ciphertext\":\"$C1\",\"context\":{\"db\":\"sales\",\"order\":\"43\"}}"
check "another context: CCSP-1006" is_err 400 CCSP-1006
sapp "$akA" "$T/a.secret" crypto/decrypt "{\"ciphertext\":\"$C1\"}"
check "no context: CCSP-1006" is_err 400 CCSP-1006
api "$T/alice.tok" app/create '{"name":"svc2"}'
akA2=$(field accessKey)
field secret >"$T/a2.secret"
sapp "$akA2" "$T/a2.secret" crypto/decrypt "{\"ciphertext\":\"$C1\",\"context\":{\"db\":\"sales\",\"order\":\"42\"}}"
check "another app of the same tenant: CCSP-1006 (the AAD binds the application)" is_err 400 CCSP-1006
unb64 "$C1" >"$T/c1.bin"
for off in 40 $((${#PT} + 40)) 25; do # a ciphertext byte, a tag byte, an IV byte
	cp "$T/c1.bin" "$T/bad.bin"
	byte=$(od -An -tu1 -j$off -N1 "$T/c1.bin" | tr -d ' ')
	printf "\\$(printf '%03o' $((byte ^ 1)))" | dd of="$T/bad.bin" bs=1 seek=$off conv=notrunc 2>/dev/null
	sapp "$akA" "$T/a.secret" crypto/decrypt "{\"ciphertext\":\"$(base64 -w0 "$T/bad.bin")\",\"context\":{\"db\":\"sales\",\"order\":\"42\"}}"
	check "one byte altered at offset $off: CCSP-1006" is_err 400 CCSP-1006
done
sapp "$akA" "$T/a.secret" crypto/decrypt '{"ciphertext":"AQID"}'
check "not a KMS ciphertext: CCSP-1001" is_err 400 CCSP-1001
sapp "$akA" "$T/a.secret" crypto/encrypt "{\"keyId\":\"$K1\",\"plaintext\":\"$(b64 x)\",\"context\":{\"n\":1}}"
check "a context member that is not text: CCSP-1001" is_err 400 CCSP-1001

# ---- tenant isolation ----
sapp "$akB" "$T/b.secret" crypto/encrypt "{\"keyId\":\"$K1\",\"plaintext\":\"$(b64 x)\"}"
check "B's app cannot use A's key: CCSP-1002" is_err 404 CCSP-1002
cp "$T/r" "$T/r.foreign"
sapp "$akB" "$T/b.secret" crypto/encrypt "{\"keyId\":\"0123456789abcdef0123456789abcdef\",\"plaintext\":\"$(b64 x)\"}"
check "... the same answer as a key that does not exist" \
	[ "$(sed 's/,"requestId":"[^"]*"//' "$T/r")" = "$(sed 's/,"requestId":"[^"]*"//' "$T/r.foreign")" ]
sapp "$akB" "$T/b.secret" crypto/decrypt "{\"ciphertext\":\"$C1\",\"context\":{\"db\":\"sales\",\"order\":\"42\"}}"
check "A's ciphertext given to B's app: CCSP-1002" is_err 404 CCSP-1002
api "$T/bob.tok" kms/key-describe "{\"keyId\":\"$K1\"}"
check "B's administrator cannot describe A's key: CCSP-1002" is_err 404 CCSP-1002
api "$T/bob.tok" kms/key-disable "{\"keyId\":\"$K1\"}"
check "... nor disable it" is_err 404 CCSP-1002
api "$T/bob.tok" kms/key-list '{}'
check "... nor list it" ok '[ "$(code)" = 200 ] && ! grep -q "$K1" "$T/r" && grep -q "$KB" "$T/r"'
sapp "$akB" "$T/b.secret" crypto/encrypt "{\"alias\":\"orders\",\"plaintext\":\"$(b64 "$PT")\",\"context\":{\"db\":\"sales\",\"order\":\"42\"}}"
CB=$(field ciphertext)
check "B's alias 'orders' is B's key" ok '[ "$(code)" = 200 ] && [ "$(field keyId)" = "$KB" ]'
# B's blob relabelled with A's key id (bytes 1..16): A's app decrypts with A's key, the AAD binds the tenant too
unb64 "$CB" >"$T/cb.bin"
{ head -c 1 "$T/cb.bin"; head -c 17 "$T/c1.bin" | tail -c 16; tail -c +18 "$T/cb.bin"; } >"$T/relabel.bin"
sapp "$akA" "$T/a.secret" crypto/decrypt "{\"ciphertext\":\"$(base64 -w0 "$T/relabel.bin")\",\"context\":{\"db\":\"sales\",\"order\":\"42\"}}"
check "B's ciphertext relabelled with A's key id: CCSP-1006" is_err 400 CCSP-1006

# ---- rotation ----
api "$T/alice.tok" kms/key-rotate '{"alias":"orders"}'
check "rotate: primary version 2" ok '[ "$(code)" = 200 ] && [ "$(num primaryVersion)" = 2 ] &&
	[ "$(field state)" = enabled ]'
sapp "$akA" "$T/a.secret" crypto/encrypt "{\"keyId\":\"$K1\",\"plaintext\":\"$(b64 v2)\"}"
C2=$(field ciphertext)
check "new ciphertexts use version 2" ok '[ "$(code)" = 200 ] && [ "$(num version)" = 2 ]'
sapp "$akA" "$T/a.secret" crypto/decrypt "{\"ciphertext\":\"$C1\",\"context\":{\"db\":\"sales\",\"order\":\"42\"}}"
check "the version-1 ciphertext still decrypts" ok '[ "$(code)" = 200 ] && [ "$(unb64 "$(field plaintext)")" = "$PT" ]'
# the VSM's SDF_GenerateKeyWithKEK(SGD_SM4_GCM) output: the SM4 key sealed by the KEK (version, usage, IV, key, tag)
check "the store: two versions, each a 46-byte blob sealed under KEK 1, none the same" ok '[ "$(db \
	"SELECT COUNT(*) FROM kms_key_versions WHERE key_id = '"'$K1'"' AND kek_index = 1 AND length(wrapped) = 46
	 AND typeof(wrapped) = '"'blob'"'")" = 2 ] && [ "$(db "SELECT COUNT(DISTINCT hex(wrapped)) FROM kms_key_versions")" = 3 ]'
check "the KMS tables have no other column that could hold key bytes (public_key: SM2 public keys)" [ "$(db "SELECT group_concat(name) FROM (
	SELECT name FROM pragma_table_info('kms_keys') UNION ALL SELECT name FROM pragma_table_info('kms_key_versions')
	UNION ALL SELECT name FROM pragma_table_info('kms_aliases')) WHERE name LIKE '%key%' OR name LIKE '%wrap%'
	OR name LIKE '%secret%'")" = "key_id,wrapped,public_key,key_id" ]

# ---- disable, enable; refused transitions change nothing ----
api "$T/alice.tok" kms/key-enable "{\"keyId\":\"$K1\"}"
check "enable an enabled key: CCSP-4002" ok 'is_err 409 CCSP-4002 && grep -q "the key is enabled: enable refused" "$T/r"'
api "$T/alice.tok" kms/key-cancel-deletion "{\"keyId\":\"$K1\"}"
check "cancel-deletion of an enabled key: CCSP-4002" is_err 409 CCSP-4002
api "$T/alice.tok" kms/key-disable "{\"keyId\":\"$K1\"}"
check "disable" ok '[ "$(code)" = 200 ] && [ "$(field state)" = disabled ]'
sapp "$akA" "$T/a.secret" crypto/encrypt "{\"keyId\":\"$K1\",\"plaintext\":\"$(b64 x)\"}"
check "a disabled key does not encrypt: CCSP-4002" is_err 409 CCSP-4002
sapp "$akA" "$T/a.secret" crypto/decrypt "{\"ciphertext\":\"$C2\"}"
check "... nor decrypt" is_err 409 CCSP-4002
for a in key-disable key-rotate key-cancel-deletion; do
	api "$T/alice.tok" kms/$a "{\"keyId\":\"$K1\"}"
	check "$a of a disabled key: CCSP-4002" is_err 409 CCSP-4002
done
check "... and the key is still disabled at version 2" ok '[ "$(state_of "$K1")" = disabled ] && [ "$(num primaryVersion)" = 2 ]'
api "$T/alice.tok" kms/key-enable "{\"keyId\":\"$K1\"}"
sapp "$akA" "$T/a.secret" crypto/decrypt "{\"ciphertext\":\"$C2\"}"
check "enable: it decrypts again" ok '[ "$(code)" = 200 ] && [ "$(unb64 "$(field plaintext)")" = v2 ]'

# ---- scheduled deletion, cancelled ----
api "$T/alice.tok" kms/key-schedule-deletion "{\"keyId\":\"$K1\",\"days\":3}"
check "3 days: under the key policy's minimum of 7, CCSP-1001" ok 'is_err 400 CCSP-1001 && grep -q "7..30" "$T/r"'
api "$T/alice.tok" kms/key-schedule-deletion "{\"keyId\":\"$K1\",\"days\":31}"
check "31 days: over the maximum, CCSP-1001" is_err 400 CCSP-1001
check "... and the key is still enabled" [ "$(state_of "$K1")" = enabled ]
api "$T/alice.tok" kms/key-schedule-deletion "{\"keyId\":\"$K1\",\"days\":7}"
check "7 days: pending deletion, with its due date" ok '[ "$(code)" = 200 ] && [ "$(field state)" = pending_deletion ] &&
	[ -n "$(num deletionDue)" ]'
sapp "$akA" "$T/a.secret" crypto/decrypt "{\"ciphertext\":\"$C2\"}"
check "a key pending deletion does not decrypt: CCSP-4002" is_err 409 CCSP-4002
for a in key-enable key-disable key-archive key-rotate; do
	api "$T/alice.tok" kms/$a "{\"keyId\":\"$K1\"}"
	check "$a of a key pending deletion: CCSP-4002" is_err 409 CCSP-4002
done
api "$T/alice.tok" kms/key-cancel-deletion "{\"keyId\":\"$K1\"}"
check "cancel-deletion: disabled, no due date" ok '[ "$(code)" = 200 ] && [ "$(field state)" = disabled ] &&
	grep -q "\"deletionDue\":null" "$T/r"'
api "$T/alice.tok" kms/key-enable "{\"keyId\":\"$K1\"}"
check "... enabled again on purpose" [ "$(field state)" = enabled ]

# ---- archive ----
api "$T/alice.tok" kms/key-archive '{"alias":"orders"}'
check "archive" ok '[ "$(code)" = 200 ] && [ "$(field state)" = archived ]'
sapp "$akA" "$T/a.secret" crypto/decrypt "{\"ciphertext\":\"$C2\"}"
check "an archived key still decrypts" ok '[ "$(code)" = 200 ] && [ "$(unb64 "$(field plaintext)")" = v2 ]'
sapp "$akA" "$T/a.secret" crypto/encrypt "{\"keyId\":\"$K1\",\"plaintext\":\"$(b64 x)\"}"
check "... never encrypts: CCSP-4002" is_err 409 CCSP-4002
for a in key-enable key-disable key-rotate key-archive; do
	api "$T/alice.tok" kms/$a "{\"keyId\":\"$K1\"}"
	check "$a of an archived key: CCSP-4002" is_err 409 CCSP-4002
done

# ---- emergencies behind the two-person rule (KM-7, KM-11): mark-compromised, emergency-destroy ----
check "a security administrator" operator_create "$T/admin.tok" sec secadmin 'Sec-Passw0rd-2026!'
api "$T/alice.tok" kms/key-create '{"spec":"SM4","alias":"leaky"}'
K4=$(field keyId); cp "$T/r" "$T/k4.create"
sapp "$akA" "$T/a.secret" crypto/encrypt "{\"keyId\":\"$K4\",\"plaintext\":\"$(b64 before)\"}"
C4=$(field ciphertext)
api "$T/alice.tok" kms/key-mark-compromised '{"alias":"leaky"}'
R1=$(field id)
check "alice requests mark-compromised: a pending request naming her tenant and the key" ok '[ "$(code)" = 200 ] &&
	[ "$(field kind)" = key-compromise ] && [ "$(field state)" = pending ] && [ "$(field target)" = "$A/$K4" ]'
sapp "$akA" "$T/a.secret" crypto/encrypt "{\"keyId\":\"$K4\",\"plaintext\":\"$(b64 x)\"}"
check "... not approved, it changes nothing: the key still encrypts" ok '[ "$(code)" = 200 ] &&
	[ "$(state_of "$K4")" = enabled ]'
api "$T/alice.tok" kms/key-mark-compromised "{\"keyId\":\"$K4\"}"
check "a second request while one is pending: CCSP-4000" is_err 409 CCSP-4000
api "$T/bob.tok" kms/key-mark-compromised "{\"keyId\":\"$K4\"}"
check "B's administrator cannot request it for A's key: CCSP-1002" is_err 404 CCSP-1002
sapp "$akA" "$T/a.secret" kms/key-emergency-destroy "{\"keyId\":\"$K4\"}"
check "an app cannot request it: CCSP-3000" is_err 403 CCSP-3000
api "$T/alice.tok" approval/approve "{\"id\":\"$R1\"}"
check "the requester cannot approve (not a secadmin): CCSP-3000" is_err 403 CCSP-3000
api "$T/admin.tok" approval/approve "{\"id\":\"$R1\"}"
check "nor the sysadmin: CCSP-3000" is_err 403 CCSP-3000
api "$T/sec.tok" approval/reject "{\"id\":\"$R1\"}"
check "the secadmin rejects it" ok '[ "$(code)" = 200 ] && [ "$(field state)" = rejected ]'
sapp "$akA" "$T/a.secret" crypto/encrypt "{\"keyId\":\"$K4\",\"plaintext\":\"$(b64 x)\"}"
check "... a rejected request changes nothing: the key still encrypts" ok '[ "$(code)" = 200 ] &&
	[ "$(state_of "$K4")" = enabled ]'
api "$T/alice.tok" kms/key-mark-compromised '{"alias":"leaky"}'
R2=$(field id)
api "$T/sec.tok" approval/approve "{\"id\":\"$R2\"}"
check "requested again and approved: executed" ok '[ "$(code)" = 200 ] && [ "$(field state)" = executed ]'
check "the key is compromised, its version 1 flagged in the store" ok '[ "$(state_of "$K4")" = compromised ] &&
	[ "$(db "SELECT compromised FROM kms_key_versions WHERE key_id = '"'$K4'"' AND version = 1")" = 1 ]'
sapp "$akA" "$T/a.secret" crypto/encrypt "{\"keyId\":\"$K4\",\"plaintext\":\"$(b64 x)\"}"
check "a compromised key refuses to encrypt: CCSP-4002" ok 'is_err 409 CCSP-4002 && grep -q compromised "$T/r"'
sapp "$akA" "$T/a.secret" crypto/decrypt "{\"ciphertext\":\"$C4\"}"
check "... and still decrypts" ok '[ "$(code)" = 200 ] && [ "$(unb64 "$(field plaintext)")" = before ]'
api "$T/sec.tok" approval/approve "{\"id\":\"$R2\"}"
check "approving it twice: CCSP-4000" is_err 409 CCSP-4000
api "$T/alice.tok" kms/key-mark-compromised "{\"keyId\":\"$K4\"}"
check "mark-compromised of a compromised key: CCSP-4002, nothing filed" ok 'is_err 409 CCSP-4002 &&
	[ "$(db "SELECT COUNT(*) FROM approvals WHERE target = '"'$A/$K4'"' AND state = '"'pending'"'")" = 0 ]'
api "$T/alice.tok" kms/key-rotate "{\"keyId\":\"$K4\"}"
check "emergency re-key: enabled again with version 2" ok '[ "$(code)" = 200 ] && [ "$(field state)" = enabled ] &&
	[ "$(num primaryVersion)" = 2 ]'
sapp "$akA" "$T/a.secret" crypto/encrypt "{\"keyId\":\"$K4\",\"plaintext\":\"$(b64 after)\"}"
C5=$(field ciphertext)
check "... encrypts under version 2" ok '[ "$(code)" = 200 ] && [ "$(num version)" = 2 ]'
api "$T/alice.tok" kms/key-emergency-destroy '{"alias":"leaky"}'
R3=$(field id)
api "$T/alice.tok" kms/key-mark-compromised '{"alias":"leaky"}'
R4=$(field id)
check "alice requests emergency-destroy (and, too, mark-compromised): both pending" ok '[ "$(code)" = 200 ] &&
	[ "$(db "SELECT group_concat(kind) FROM (SELECT kind FROM approvals WHERE target = '"'$A/$K4'"'
	 AND state = '"'pending'"' ORDER BY kind)")" = key-compromise,key-emergency-destroy ]'
sapp "$akA" "$T/a.secret" crypto/decrypt "{\"ciphertext\":\"$C4\"}"
check "... not approved, nothing changed: the old ciphertext still decrypts" [ "$(code)" = 200 ]
api "$T/sec.tok" approval/approve "{\"id\":\"$R3\"}"
check "the secadmin approves the emergency destroy: executed" ok '[ "$(code)" = 200 ] && [ "$(field state)" = executed ]'
check "the key is destroyed at once, every version's material erased, its alias freed" ok '
	[ "$(state_of "$K4")" = destroyed ] && grep -q "\"deletionDue\":null" "$T/r" &&
	[ "$(db "SELECT COUNT(*) FROM kms_key_versions WHERE key_id = '"'$K4'"' AND wrapped IS NOT NULL")" = 0 ] &&
	[ "$(db "SELECT COUNT(*) FROM kms_aliases WHERE key_id = '"'$K4'"'")" = 0 ]'
for c in "$C4" "$C5"; do
	sapp "$akA" "$T/a.secret" crypto/decrypt "{\"ciphertext\":\"$c\"}"
	check "an emergency-destroyed key's ciphertexts no longer decrypt: CCSP-4002" ok 'is_err 409 CCSP-4002 &&
		grep -q destroyed "$T/r"'
done
api "$T/sec.tok" approval/approve "{\"id\":\"$R4\"}"
check "the pending mark-compromised, approved after the destruction: CCSP-4000, the lifecycle refuses" ok '
	is_err 409 CCSP-4000 && grep -q "the key is destroyed: mark-compromised refused" "$T/r"'
api "$T/alice.tok" kms/key-emergency-destroy "{\"keyId\":\"$K4\"}"
check "emergency-destroy of a destroyed key: CCSP-4002" is_err 409 CCSP-4002
check "audit: 4 requests by alice, one rejection, 2 approvals by sec (and a refusal, unrecorded as a change)" ok '
	[ "$(db "SELECT COUNT(*) FROM audit WHERE action = '"'approval.request'"' AND target = '"'$K4'"'
	 AND actor = '"'alice'"'")" = 4 ] &&
	[ "$(db "SELECT COUNT(*) FROM audit WHERE action = '"'approval.reject'"' AND target = '"'$R1'"' AND outcome = '"'ok'"'
	 AND actor = '"'sec'"'")" = 1 ] &&
	[ "$(db "SELECT COUNT(*) FROM audit WHERE action = '"'approval.approve'"' AND target IN ('"'$R2'"', '"'$R3'"')
	 AND outcome = '"'ok'"' AND actor = '"'sec'"'")" = 2 ]'
check "audit: the executions, by sec, naming the approval and the requester" ok '
	[ "$(audits kms.key-mark-compromised "$K4")" = 1 ] && [ "$(audits kms.key-emergency-destroy "$K4")" = 1 ] &&
	[ "$(db "SELECT actor FROM audit WHERE action = '"'kms.key-emergency-destroy'"' AND target = '"'$K4'"'")" = sec ] &&
	db "SELECT detail FROM audit WHERE action = '"'kms.key-mark-compromised'"' AND target = '"'$K4'"'" |
	grep -q "\"approval\":\"$R2\""'
check "... and no other change of that key was audited" [ "$(db "SELECT COUNT(*) FROM audit WHERE \
	action LIKE 'kms.%' AND target = '$K4'")" = 4 ]

# ---- a second key, scheduled for deletion, destroyed once the waiting period is over ----
api "$T/alice.tok" kms/key-create '{"spec":"SM4","alias":"scratch"}'
K2=$(field keyId)
sapp "$akA" "$T/a.secret" crypto/encrypt "{\"keyId\":\"$K2\",\"plaintext\":\"$(b64 doomed)\"}"
C3=$(field ciphertext)
api "$T/alice.tok" kms/key-schedule-deletion "{\"keyId\":\"$K2\",\"days\":7}"
check "K2 pending deletion for 7 days" [ "$(field state)" = pending_deletion ]
stop
SHIFT=$((7 * 86400 - 600))
echo $SHIFT >"$T/p/test-clock-offset" # 10 minutes before the due date
start
check "alice logs in (the clock moved)" member_login alice "$A" 'Alice-Passw0rd-2026'
check "10 minutes before the due date: still pending" [ "$(state_of "$K2")" = pending_deletion ]
check "... its material still stored" [ "$(db "SELECT COUNT(*) FROM kms_key_versions WHERE key_id = '$K2' AND wrapped IS NOT NULL")" = 1 ]
stop
SHIFT=$((7 * 86400 + 600))
echo $SHIFT >"$T/p/test-clock-offset" # 10 minutes after
start
check "alice logs in" member_login alice "$A" 'Alice-Passw0rd-2026'
sapp "$akA" "$T/a.secret" crypto/decrypt "{\"ciphertext\":\"$C3\"}"
check "past the due date: its ciphertexts no longer decrypt (CCSP-4002)" ok 'is_err 409 CCSP-4002 &&
	grep -q "destroyed" "$T/r"'
check "K2 is destroyed" [ "$(state_of "$K2")" = destroyed ]
check "... lazily, by the app that read it (the sweep is off)" [ "$(db "SELECT actor FROM audit WHERE \
	action = 'kms.key-destroy' AND target = '$K2'")" = svc ]
check "... its wrapped material erased" [ "$(db "SELECT COUNT(*) FROM kms_key_versions WHERE key_id = '$K2' AND wrapped IS NOT NULL")" = 0 ]
check "... its alias freed" [ "$(db "SELECT COUNT(*) FROM kms_aliases WHERE key_id = '$K2'")" = 0 ]
for a in key-enable key-cancel-deletion key-rotate key-archive key-disable; do
	api "$T/alice.tok" kms/$a "{\"keyId\":\"$K2\"}"
	check "$a of a destroyed key: CCSP-4002" is_err 409 CCSP-4002
done
sapp "$akA" "$T/a.secret" crypto/decrypt "{\"ciphertext\":\"$C2\"}"
check "the archived K1 still decrypts" [ "$(code)" = 200 ]
check "K1's material still stored" [ "$(db "SELECT COUNT(*) FROM kms_key_versions WHERE key_id = '$K1' AND wrapped IS NOT NULL")" = 2 ]

# ---- audit: every change in the trail ----
check "audit: K1 created, rotated, disabled, enabled (2), scheduled, cancelled, archived" ok \
	'[ "$(audits kms.key-create "$K1")" = 1 ] && [ "$(audits kms.key-rotate "$K1")" = 1 ] &&
	[ "$(audits kms.key-disable "$K1")" = 1 ] && [ "$(audits kms.key-enable "$K1")" = 2 ] &&
	[ "$(audits kms.key-schedule-deletion "$K1")" = 1 ] && [ "$(audits kms.key-cancel-deletion "$K1")" = 1 ] &&
	[ "$(audits kms.key-archive "$K1")" = 1 ]'
check "audit: K2 created, scheduled, destroyed once" ok '[ "$(audits kms.key-create "$K2")" = 1 ] &&
	[ "$(audits kms.key-schedule-deletion "$K2")" = 1 ] && [ "$(audits kms.key-destroy "$K2")" = 1 ]'
check "audit: the actor and tenant of a change" [ "$(db "SELECT actor || ',' || tenant_id FROM audit WHERE \
	action = 'kms.key-archive' AND target = '$K1'")" = "alice,$A" ]
check "audit: no refused transition was recorded as a change" [ "$(db "SELECT COUNT(*) FROM audit WHERE \
	action LIKE 'kms.%' AND target = '$K1'")" = 8 ]

# ---- a key in the SM4-ECB wrap (stores made before sealed wraps): refused unless kms_legacy_wraps = accept ----
api "$T/alice.tok" kms/key-create '{"spec":"SM4"}'
K4=$(field keyId)
db "UPDATE kms_key_versions SET wrapped = randomblob(16) WHERE key_id = '$K4'" >/dev/null
sapp "$akA" "$T/a.secret" crypto/encrypt "{\"keyId\":\"$K4\",\"plaintext\":\"$(b64 "$PT")\"}"
check "a key rewritten as a 16-byte (SM4-ECB) wrap in the store: refused, and ccspd says why" ok '
	[ "$(code)" = 500 ] && ! grep -q ciphertext "$T/r" && grep -q "SM4-ECB wrap, which kms_legacy_wraps refuses" "$T/p.out"'
stop
echo "kms_legacy_wraps = accept" >>"$T/p/ccspd.conf"
start
sapp "$akA" "$T/a.secret" crypto/encrypt "{\"keyId\":\"$K4\",\"plaintext\":\"$(b64 "$PT")\"}"
C4=$(field ciphertext)
sapp "$akA" "$T/a.secret" crypto/decrypt "{\"ciphertext\":\"$C4\"}"
check "kms_legacy_wraps = accept: the ECB wrap is used as before (it has no integrity: any 16 bytes are a key)" ok '
	[ -n "$C4" ] && [ "$(code)" = 200 ] && [ "$(unb64 "$(field plaintext)")" = "$PT" ]'
stop
sed -i '/^kms_legacy_wraps = /d' "$T/p/ccspd.conf"
echo "kms_legacy_wraps = maybe" >>"$T/p/ccspd.conf"
check "kms_legacy_wraps takes refuse or accept only" ok '! "$CCSPD" --dir "$T/p" >"$T/bad.out" 2>&1 &&
	grep -q "kms_legacy_wraps: refuse or accept" "$T/bad.out"'
sed -i '/^kms_legacy_wraps = /d' "$T/p/ccspd.conf"
start

# ---- the sweep: a due key nobody reads is destroyed by "system" ----
check "alice logs in" member_login alice "$A" 'Alice-Passw0rd-2026'
api "$T/alice.tok" kms/key-create '{"spec":"SM4","alias":"idle"}'
K3=$(field keyId)
api "$T/alice.tok" kms/key-schedule-deletion "{\"keyId\":\"$K3\",\"days\":7}"
check "K3 pending deletion for 7 days" [ "$(field state)" = pending_deletion ]
stop
SHIFT=$((14 * 86400 + 1200))
echo $SHIFT >"$T/p/test-clock-offset" # past K3's due date
sed -i 's/^kms_sweep_interval_s = 0$/kms_sweep_interval_s = 60/' "$T/p/ccspd.conf"
start
i=0 # the first round runs a second after start; no timing asserted, the wait is bounded
while [ $i -lt 300 ] && [ "$(audits kms.key-destroy "$K3")" != 1 ]; do sleep 0.1; i=$((i + 1)); done
check "the sweep destroyed K3, audited once by system in A" [ "$(db "SELECT actor || ',' || actor_role || ',' || \
	tenant_id || ',' || COUNT(*) FROM audit WHERE action = 'kms.key-destroy' AND target = '$K3'")" = "system,system,$A,1" ]
check "... its material erased, its alias freed, its state destroyed (nobody read it)" ok '
	[ "$(db "SELECT COUNT(*) FROM kms_key_versions WHERE key_id = '"'$K3'"' AND wrapped IS NOT NULL")" = 0 ] &&
	[ "$(db "SELECT COUNT(*) FROM kms_aliases WHERE key_id = '"'$K3'"'")" = 0 ] &&
	[ "$(db "SELECT state FROM kms_keys WHERE id = '"'$K3'"'")" = destroyed ]'
check "... and the sweep touched nothing else: K1 archived with its material" ok '
	[ "$(db "SELECT state FROM kms_keys WHERE id = '"'$K1'"'")" = archived ] &&
	[ "$(db "SELECT COUNT(*) FROM kms_key_versions WHERE key_id = '"'$K1'"' AND wrapped IS NOT NULL")" = 2 ] &&
	[ "$(db "SELECT COUNT(*) FROM audit WHERE action = '"'kms.key-destroy'"'")" = 2 ]'
check "ccspd logged the round" grep -q '"ccspd.kms.sweep"' "$T/p.out"
stop
finish

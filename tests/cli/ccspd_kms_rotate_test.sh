#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Automatic rotation of KMS keys (KM-6; docs/api-ccspd.md "Rotation") and crypto/re-encrypt, with the platform's
# clock moved forward (test-clock-offset) and the sweep on: a key whose period is over gets a new primary version
# from the sweep, as "system", audited "automatic"; keys not yet due, disabled keys and keys of another period do
# not; old ciphertexts still decrypt and re-encrypt moves them to the new version; an SM2 key rotates to a new pair;
# the period is bounded by the key policy, changed with kms/key-set-rotation (audited) and restarted by a manual
# rotation. Uses curl, openssl, sqlite3 and `ccsp api sign`. Every wait is bounded.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/ccspd_lib.sh"
SHIFT=0 # seconds the platform's clock is ahead (test-clock-offset): signed requests follow it
sapp() {
	"$CCSP" api sign --access-key "$1" --secret-file "$2" --body "$4" --timestamp $(($(date +%s) + SHIFT)) \
		"${3%%/*}" "${3#*/}" >"$T/sig.h" 2>"$T/sig.err" || return 1
	curl -sk -D "$T/h" -o "$T/r" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H "@$T/sig.h" \
		--data-binary "$4" "$U/api/v1/$3" >"$T/code"
}
a() { sapp "$akA" "$T/a.secret" "$@"; }
num() { sed -n "s/.*\"$1\":\\([0-9]*\\).*/\\1/p" "$T/r"; }
b64() { printf '%s' "$1" | base64 -w0; }
version_of() { db "SELECT primary_version FROM kms_keys WHERE id = '$1'"; }
rotated_to() { [ "$(version_of "$1")" = "$2" ]; }
DAY=86400
# restart DAYS: ccspd again with its clock DAYS days (and 10 minutes) ahead; alice logs in again
restart() {
	stop
	SHIFT=$(($1 * DAY + 600))
	echo $SHIFT >"$T/p/test-clock-offset"
	start
	member_login alice "$A" 'Alice-Passw0rd-2026'
}

vsm_start "$T/vsm"
"$CCSPD" --init "$T/p" --listen 127.0.0.1:0 --vsm-conf "$T/vsm/sdf.conf" >/dev/null
echo "vsm_kek_index = 1" >>"$T/p/ccspd.conf"
echo "kms_sweep_interval_s = 1" >>"$T/p/ccspd.conf"
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

# ---- the period: the key policy's default, bounded by its min and max ----
api "$T/alice.tok" kms/key-create '{"spec":"SM4"}'
KL=$(field keyId)
check "a key without rotationDays rotates every 365 days (the policy's default)" ok '[ "$(code)" = 200 ] &&
	[ "$(num rotationDays)" = 365 ] && [ -n "$(num nextRotation)" ]'
api "$T/alice.tok" kms/key-create '{"spec":"SM4","rotationDays":10}'
check "rotationDays below the policy's rotationMinDays (30): CCSP-1001" ok 'is_err 400 CCSP-1001 &&
	grep -q "30..1825" "$T/r"'
api "$T/alice.tok" kms/key-create '{"spec":"SM4","rotationDays":2000}'
check "rotationDays above rotationMaxDays: CCSP-1001" is_err 400 CCSP-1001
api "$T/alice.tok" kms/key-create '{"spec":"SM4","rotationDays":30}'
KR=$(field keyId)
check "a 30-day key: its next rotation 30 days after its creation" ok '[ "$(num rotationDays)" = 30 ] &&
	[ $(( $(num nextRotation) - $(num created) )) = $((30 * DAY * 1000)) ]'
api "$T/alice.tok" kms/key-create '{"spec":"SM4","rotationDays":30}'
KD=$(field keyId)
api "$T/alice.tok" kms/key-disable "{\"keyId\":\"$KD\"}"
check "a disabled key has no next rotation" ok '[ "$(field state)" = disabled ] && grep -q "\"nextRotation\":null" "$T/r"'
api "$T/alice.tok" kms/key-create '{"spec":"SM2_SIGN","rotationDays":90}'
KS=$(field keyId)
api "$T/alice.tok" kms/key-set-rotation "{\"keyId\":\"$KS\",\"rotationDays\":60}"
check "set-rotation: 60 days" ok '[ "$(code)" = 200 ] && [ "$(num rotationDays)" = 60 ]'
check "... audited with the old period" [ "$(db "SELECT COUNT(*) FROM audit WHERE action = 'kms.key-set-rotation' \
	AND target = '$KS' AND detail LIKE '%\"from\":90%'")" = 1 ]
api "$T/alice.tok" kms/key-set-rotation "{\"keyId\":\"$KS\",\"rotationDays\":5}"
check "set-rotation below the policy: CCSP-1001, nothing changed" ok 'is_err 400 CCSP-1001 &&
	[ "$(db "SELECT rotation_days FROM kms_keys WHERE id = \"$KS\"")" = 60 ]'
api "$T/bob.tok" kms/key-set-rotation "{\"keyId\":\"$KS\",\"rotationDays\":30}"
check "B's administrator cannot touch A's key: CCSP-1002" is_err 404 CCSP-1002
a crypto/encrypt "{\"keyId\":\"$KR\",\"plaintext\":\"$(b64 'ledger 2026')\"}"
C1=$(field ciphertext)
check "a ciphertext under version 1" ok '[ "$(num version)" = 1 ]'
sleep 2 # a sweep round or two at today's clock
check "today the sweep rotates nothing" ok 'rotated_to "$KR" 1 && rotated_to "$KL" 1 && rotated_to "$KS" 1'

# ---- 30 days later ----
restart 30
check "after 30 days the sweep rotates the 30-day key" eventually rotated_to "$KR" 2
check "... audited as system, automatic" [ "$(db "SELECT COUNT(*) FROM audit WHERE action = 'kms.key-rotate' \
	AND target = '$KR' AND actor = 'system' AND detail LIKE '%automatic%'")" = 1 ]
check "... the disabled key, the 60-day and the 365-day keys not" ok 'rotated_to "$KD" 1 && rotated_to "$KS" 1 &&
	rotated_to "$KL" 1'
sleep 2
check "... and only once" ok 'rotated_to "$KR" 2 &&
	[ "$(db "SELECT COUNT(*) FROM kms_key_versions WHERE key_id = \"$KR\"")" = 2 ]'
api "$T/alice.tok" kms/key-describe "{\"keyId\":\"$KR\"}"
check "its next rotation: 30 days from this one" ok '[ "$(num primaryVersion)" = 2 ] &&
	[ $(( $(num nextRotation) - $(db "SELECT rotated_at FROM kms_keys WHERE id = \"$KR\"") )) = $((30 * DAY * 1000)) ]'
a crypto/decrypt "{\"ciphertext\":\"$C1\"}"
check "the version-1 ciphertext still decrypts" ok '[ "$(code)" = 200 ] && [ "$(num version)" = 1 ]'
a crypto/re-encrypt "{\"ciphertext\":\"$C1\"}"
C2=$(field ciphertext)
check "re-encrypt moves it to version 2" ok '[ "$(code)" = 200 ] && [ "$(num version)" = 2 ] &&
	[ "$(num sourceVersion)" = 1 ] && [ "$C2" != "$C1" ]'
a crypto/decrypt "{\"ciphertext\":\"$C2\"}"
check "... and the new ciphertext decrypts to the same text" ok '[ "$(code)" = 200 ] && [ "$(num version)" = 2 ] &&
	[ "$(field plaintext | base64 -d)" = "ledger 2026" ]'
a crypto/re-encrypt "{\"ciphertext\":\"$C1\",\"context\":{\"x\":\"y\"}}"
check "re-encrypt with another context: CCSP-1006" is_err 400 CCSP-1006
api "$T/alice.tok" kms/key-rotate "{\"keyId\":\"$KL\"}"
check "a manual rotation restarts the period" ok '[ "$(num primaryVersion)" = 2 ] &&
	[ $(( $(num nextRotation) - $(db "SELECT rotated_at FROM kms_keys WHERE id = \"$KL\"") )) = $((365 * DAY * 1000)) ]'
api "$T/alice.tok" kms/key-archive "{\"keyId\":\"$KR\"}"
a crypto/re-encrypt "{\"ciphertext\":\"$C1\"}"
check "an archived key decrypts but re-encrypt (new work) is refused: CCSP-4002" is_err 409 CCSP-4002

# ---- 61 days later: the SM2 key rotates to a new pair ----
a crypto/get-public-key "{\"keyId\":\"$KS\"}"
printf '%b\n' "$(field publicKey)" | sed '/^$/d' >"$T/pub1.pem"
restart 61
check "after 61 days the SM2 key is at version 2" eventually rotated_to "$KS" 2
a crypto/get-public-key "{\"keyId\":\"$KS\"}"
printf '%b\n' "$(field publicKey)" | sed '/^$/d' >"$T/pub2.pem"
check "... a new pair: another public key" ok '[ "$(num version)" = 2 ] && grep -q "BEGIN PUBLIC KEY" "$T/pub2.pem" &&
	! cmp -s "$T/pub1.pem" "$T/pub2.pem"'
a crypto/sign "{\"keyId\":\"$KS\",\"message\":\"$(b64 hello)\"}"
field signature | base64 -d >"$T/sig.der"
printf hello >"$T/msg"
check "... which signs (openssl verifies with version 2's public key)" "$OPENSSL" pkeyutl -verify -pubin \
	-inkey "$T/pub2.pem" -rawin -digest sm3 -in "$T/msg" -sigfile "$T/sig.der" -pkeyopt distid:1234567812345678
check "the archived 30-day key was not rotated again" rotated_to "$KR" 2
check "ccspd logged the rounds" grep -q '"rotated":"1"' "$T/p.out"
stop
finish

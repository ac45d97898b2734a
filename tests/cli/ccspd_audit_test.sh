#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ccspd's signed audit trail over HTTPS (docs/api-ccspd.md "audit", docs/security-policy.md §10): the platform's
# SM2 signing key in its VSM (a password file readable by others, a wrong password, another key: each refused and
# logged), periodic checkpoints signed by the checkpointer, audit/export read by `ccsp audit verify` with the key of
# audit/pubkey and its checkpoint signature checked by openssl, partial exports, and a row edited in the database:
# export refused (CCSP-9003), no new checkpoint signed, and both resume once the row is restored.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/ccspd_lib.sh"

vsm_start "$T/vsm"
printf '%s\n' 'Audit-Key-Passw0rd' >"$T/sign.pw"
printf '%s\n' 'Other-Key-Passw0rd' >"$T/other.pw"
"$CCSP" vsm keygen --dir "$T/vsm" --index 2 --sign --password-file "$T/sign.pw" >/dev/null
"$CCSP" vsm keygen --dir "$T/vsm" --index 3 --sign --password-file "$T/other.pw" >/dev/null
"$CCSPD" --init "$T/p" --listen 127.0.0.1:0 --vsm-conf "$T/vsm/sdf.conf" >/dev/null
cat >>"$T/p/ccspd.conf" <<EOF
vsm_kek_index = 1
audit_sign_index = 2
audit_sign_password_file = audit.pw
audit_checkpoint_records = 5
audit_checkpoint_interval_s = 0
EOF
checkpoints() { db "SELECT count(*) FROM audit_checkpoints"; }
newest_checkpoint() { db "SELECT coalesce(max(seq), 0) FROM audit_checkpoints"; }
# wait_checkpoint SEQ: up to 10 s for a checkpoint at or after SEQ
wait_checkpoint() {
	i=0
	while [ $i -lt 100 ] && [ "$(newest_checkpoint)" -lt "$1" ]; do sleep 0.1; i=$((i + 1)); done
	[ "$(newest_checkpoint)" -ge "$1" ]
}
newest_record() { db "SELECT seq FROM audit_head"; }
tenants() { for n in $(seq "$1" "$2"); do api "$T/admin.tok" admin/tenant-create "{\"name\":\"t$n\"}"; done; }
export_to() { # export_to FILE BODY
	api "$T/aud.tok" audit/export "$2"
	cp "$T/r" "$1"
}

# ---- the key cannot be used: a password file others may read, then a wrong password ----
cp "$T/sign.pw" "$T/p/audit.pw"
chmod 644 "$T/p/audit.pw"
start
check "admin: first login" sysadmin_first_login
check "an auditor" operator_create "$T/admin.tok" aud auditor 'Auditor-Passw0rd-2026'
api "$T/aud.tok" audit/pubkey '{}'
check "a password file readable by others: no key (CCSP-9002)" is_err 503 CCSP-9002
check "... and the log says why" grep -q 'readable by group or others' "$T/p.out"
api "$T/aud.tok" audit/export '{}'
check "no key: no export (CCSP-9002)" is_err 503 CCSP-9002
stop
cp "$T/other.pw" "$T/p/audit.pw"
chmod 600 "$T/p/audit.pw"
start
check "a wrong password: refused by the VSM, logged" grep -q "refused the audit key's access password" "$T/p.out"
api "$T/aud.tok" audit/pubkey '{}'
check "... no key (CCSP-9002)" is_err 503 CCSP-9002
stop

# ---- the key: audit/pubkey, periodic checkpoints ----
cp "$T/sign.pw" "$T/p/audit.pw"
chmod 600 "$T/p/audit.pw"
start
api "$T/aud.tok" audit/pubkey '{}'
fp=$(field fingerprint)
{ [ "$(code)" = 200 ] && [ ${#fp} -eq 64 ]; }; expect "audit/pubkey: a PEM public key and its fingerprint"
sed -n 's/.*"publicKey":"\([^"]*\)".*/\1/p' "$T/r" | sed 's/\\n/\n/g' >"$T/pub.pem"
check "openssl reads it as an SM2 key" sh -c "'$OPENSSL' pkey -pubin -in '$T/pub.pem' -noout -text | grep -q SM2"
check "the pinned fingerprint is the key's" [ "$(db "SELECT value FROM config WHERE key = 'audit.sign_key'")" = "$fp" ]
api "$T/admin.tok" audit/pubkey '{}'
check "sysadmin may not read it: CCSP-3000" is_err 403 CCSP-3000
tenants 1 12
check "a checkpoint is signed after every 5 records" wait_checkpoint "$(($(newest_record) - 5))"
check "... and logged, outside the database (seq and stored bytes)" grep -q \
	"\"event\":\"ccspd.audit.checkpoint\",\"seq\":\"$(newest_checkpoint)\",\"checkpoint\":\"[0-9a-f]\{260\}\"" "$T/p.out"

# ---- exports ----
export_to "$T/e1.jsonl" '{}'
{ [ "$(code)" = 200 ] && grep -qi '^content-type: application/x-ndjson' "$T/h"; }; expect "audit/export: 200, JSON lines"
check "... periodic checkpoints among the records" grep -q '"kind":"periodic"' "$T/e1.jsonl"
check "... ending with the export checkpoint" sh -c "tail -1 '$T/e1.jsonl' | grep -q '\"kind\":\"export\"'"
check "... no X-Ccsp-Audit-Next: it is complete" sh -c "! grep -qi '^x-ccsp-audit-next' '$T/h'"
check "ccsp audit verify: the export verifies with the platform's key" "$CCSP" audit verify "$T/e1.jsonl" \
	--pubkey "$T/pub.pem"
# the export checkpoint's signature, checked by openssl: tbs = "CCSP-AUDIT-CKPT-1" || kind || seq || time || h
last=$(tail -1 "$T/e1.jsonl")
num() { printf '%s' "$last" | sed -n "s/.*\"$1\":\\([0-9]*\\).*/\\1/p"; }
hexf() { printf '%s' "$last" | sed -n "s/.*\"$1\":\"\\([0-9a-f]*\\)\".*/\\1/p"; }
perl -e 'print "CCSP-AUDIT-CKPT-1", pack("C Q> Q>", 2, $ARGV[0], $ARGV[1]), pack("H*", $ARGV[2])' \
	"$(num seq)" "$(num time)" "$(hexf h)" >"$T/tbs.bin"
perl -e 'print pack("H*", $ARGV[0])' "$(hexf sig)" >"$T/sig.der"
check "openssl verifies the export checkpoint (SM2, SM3, default ID)" "$OPENSSL" pkeyutl -verify -pubin \
	-inkey "$T/pub.pem" -rawin -digest sm3 -pkeyopt distid:1234567812345678 -in "$T/tbs.bin" -sigfile "$T/sig.der"
export_to "$T/e2.jsonl" '{"limit":3}'
next=$(sed -n 's/^[Xx]-[Cc]csp-[Aa]udit-[Nn]ext: *\([0-9]*\).*/\1/p' "$T/h")
{ [ "$next" = 4 ] && [ "$(grep -c '"type":"record"' "$T/e2.jsonl")" = 3 ]; }; expect "a partial export names where the next starts"
check "... and verifies" "$CCSP" audit verify "$T/e2.jsonl" --pubkey "$T/pub.pem"
export_to "$T/e3.jsonl" "{\"from\":$next}"
check "the next export from there verifies" "$CCSP" audit verify "$T/e3.jsonl" --pubkey "$T/pub.pem"
check "... and starts at seq 4" grep -q '"type":"header".*"first_seq":4' "$T/e3.jsonl"
api "$T/aud.tok" audit/export '{"from":100000}'
check "from past the newest record: CCSP-1001" is_err 400 CCSP-1001
api "$T/aud.tok" audit/query '{"action":"audit.export"}'
check "every export is audited" [ "$(grep -o '"action":"audit.export"' "$T/r" | wc -l)" -ge 3 ]
api "$T/aud.tok" audit/verify '{}'
{ [ "$(code)" = 200 ] && grep -q '"verified":true' "$T/r" &&
	grep -q '"signatures":"checked"' "$T/r" && ! grep -q '"checkpoints":0' "$T/r"; }; expect "audit/verify: records and signed checkpoints"

# ---- a row edited in the database ----
db "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;"
orig=$(db "SELECT target FROM audit WHERE seq = 3")
db "UPDATE audit SET target = 'someone-else' WHERE seq = 3"
export_refused() { # export_refused [TEXT]: audit/export answers CCSP-9003 (naming TEXT)
	api "$T/aud.tok" audit/export '{}'
	is_err 500 CCSP-9003 && grep -q "${1:-CCSP-9003}" "$T/r"
}
check "export of an edited chain: refused, CCSP-9003 naming the record" export_refused 'altered at seq 3'
check "... logged" grep -q 'the stored audit chain does not verify' "$T/p.out"
check "the earlier export still verifies offline" "$CCSP" audit verify "$T/e1.jsonl" --pubkey "$T/pub.pem"
db "UPDATE audit SET target = '$orig' WHERE seq = 3"
export_to "$T/e4.jsonl" '{}'
check "row restored: the export verifies again" "$CCSP" audit verify "$T/e4.jsonl" --pubkey "$T/pub.pem"
swap() { db "UPDATE audit SET seq = 1000000 WHERE seq = 7; UPDATE audit SET seq = 7 WHERE seq = 8;
	UPDATE audit SET seq = 8 WHERE seq = 1000000"; }
swap
check "two rows swapped in the database: export refused (CCSP-9003)" export_refused
api "$T/aud.tok" audit/verify '{}'
check "... and audit/verify names seq 7" ok 'grep -q "\"verified\":false" "$T/r" && grep -q "\"seq\":7" "$T/r"'
swap
api "$T/aud.tok" audit/verify '{}'
check "swapped back: verified" grep -q '"verified":true' "$T/r"

# the checkpointer signs nothing over an edited row after the last checkpoint
tenants 13 13
wait_checkpoint "$(newest_record)" # interval 0, count 5: wait until a checkpoint covers ...
tenants 14 15
seq_edit=$(newest_record)
orig=$(db "SELECT target FROM audit WHERE seq = $seq_edit")
db "UPDATE audit SET target = 'someone-else' WHERE seq = $seq_edit"
tenants 16 22
check "an edited row after the last checkpoint: logged, with the record" eventually grep -q \
	"altered at seq $seq_edit): no checkpoint signed" "$T/p.out"
check "... and no checkpoint signed over it" [ "$(newest_checkpoint)" -lt "$seq_edit" ]
db "UPDATE audit SET target = '$orig' WHERE seq = $seq_edit"
check "row restored: checkpoints resume" wait_checkpoint "$((seq_edit + 1))"
stop

# ---- another key at the audit index: refused (the chain's checkpoints are signed by the pinned key) ----
sed -i 's/^audit_sign_index = 2/audit_sign_index = 3/' "$T/p/ccspd.conf"
cp "$T/other.pw" "$T/p/audit.pw"
start
check "another signing key: refused, logged" grep -q 'is not the one that signed' "$T/p.out"
api "$T/aud.tok" audit/pubkey '{}'
check "... no key (CCSP-9002)" is_err 503 CCSP-9002
stop
finish

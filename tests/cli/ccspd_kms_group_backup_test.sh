#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A resource group's whole key set backed up by split knowledge and recovered (KM-9; docs/api-ccspd.md "Backup by
# split knowledge") over HTTPS, with the custodians' side done by openssl alone: two tenants on the default group
# hold an SM4 key of two versions, an SM2 signing key, an HMAC-SM3 key and an SM4 key with an alias; the security
# administrator backs the group up to three custodians, 2 of 3, each holding ONE share; keys are lost from the
# store; recovery with custodians 1 and 3 recreates the lost keys under their old tenants, ids and versions, so old
# ciphertexts decrypt, MACs match and the SM2 key signs for its old public key; a key still present is skipped.
# Refused with nothing changed: one share, mixed shares of two backups, another backup's shares, an altered
# bundle, a bundle whose entries were swapped or whose last key was dropped; a key of a tenant now served by another
# group is skipped. Audited, never with a secret. Uses curl, openssl, sqlite3.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/ccspd_lib.sh"
sapp() {
	"$CCSP" api sign --access-key "$1" --secret-file "$2" --body "$4" "${3%%/*}" "${3#*/}" >"$T/sig.h" \
		2>"$T/sig.err" || return 1
	curl -sk -D "$T/h" -o "$T/r" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H "@$T/sig.h" \
		--data-binary "$4" "$U/api/v1/$3" >"$T/code"
}
a() { sapp "$akA" "$T/a.secret" "$@"; }
b() { sapp "$akB" "$T/b.secret" "$@"; }
sec() { api "$T/sec.tok" "$@"; }
b64f() { base64 -w0 <"$1"; }
b64s() { printf '%s' "$1" | base64 -w0; }
pem_to() { printf '%b\n' "$(field "$1")" | sed '/^$/d' >"$2"; }
spki() { "$OPENSSL" pkey -in "$1" -pubout -outform DER 2>/dev/null | base64 -w0; }
num() { sed -n "s/.*\"$1\":\([0-9][0-9]*\).*/\1/p" "$T/r"; }
# backup NAME: the last answer's bundle into $T/NAME.bundle, share I into $T/NAME.share.I.der
backup() {
	sed -n 's/.*"bundle":\({.*}\),"shares":.*/\1/p' "$T/r" >"$T/$1.bundle"
	sed 's/.*"shares":\[//; s/},{/}\n{/g' "$T/r" >"$T/$1.shares"
	for i in 1 2 3; do
		sed -n "${i}p" "$T/$1.shares" | sed -n 's/.*"share":"\([^"]*\)".*/\1/p' | base64 -d >"$T/$1.share.$i.der"
	done
}
# reencrypt NAME I: custodian I opens their share of backup NAME and encrypts it to the token's key -> Base64
reencrypt() {
	"$OPENSSL" pkeyutl -decrypt -inkey "$T/c$2.pem" -in "$T/$1.share.$2.der" -out "$T/s.bin" 2>/dev/null &&
		"$OPENSSL" pkeyutl -encrypt -pubin -inkey "$T/recover.pem" -in "$T/s.bin" -out "$T/s.ct" 2>/dev/null &&
		b64f "$T/s.ct"
}
RT=${RT:-} # the tenant whose group a recovery restores (A unless set)
recover_params() {
	RT=${1:-$A}
	sec secadmin/key-recover-params "{\"tenantId\":\"$RT\",\"spec\":\"SM4\"}"
	TOKEN=$(field importToken)
	pem_to publicKey "$T/recover.pem"
}
# recover BUNDLEFILE SHARE... : secadmin/group-recover with the token
recover() {
	f=$1
	shift
	list=""
	for s in "$@"; do list="$list${list:+,}\"$s\""; done
	sec secadmin/group-recover "{\"tenantId\":\"$RT\",\"importToken\":\"$TOKEN\",\"shares\":[$list],\"bundle\":$(cat "$f")}"
}
keys() { db "SELECT COUNT(*) FROM kms_keys"; }

# ---- a platform; a secadmin; tenants A and B (both on the default group), their apps; three custodians ----
vsm_start "$T/vsm"
"$CCSPD" --init "$T/p" --listen 127.0.0.1:0 --vsm-conf "$T/vsm/sdf.conf" >/dev/null
echo "vsm_kek_index = 1" >>"$T/p/ccspd.conf"
start
check "sysadmin: first login" sysadmin_first_login
check "a secadmin" operator_create "$T/admin.tok" sec secadmin 'Sec-Passw0rd-2026'
for t in A B; do
	api "$T/admin.tok" admin/tenant-create "{\"name\":\"$t\"}"
	eval "$t=\$(field id)"
	tid=$(field id)
	login=$(echo "$t" | tr AB ab)adm
	api "$T/admin.tok" admin/member-create "{\"tenant\":\"$tid\",\"login\":\"$login\",\"role\":\"tenant_admin\"}"
	check "$t's administrator" first_login "$login" "$tid" "$(field oneTimePassword)" 'Tenant-Passw0rd-2026'
	api "$T/$login.tok" app/create '{"name":"svc"}'
	eval "ak$t=\$(field accessKey)"
	field secret >"$T/$(echo "$t" | tr AB ab).secret"
done
for i in 1 2 3; do
	"$OPENSSL" genpkey -algorithm SM2 -out "$T/c$i.pem" 2>/dev/null
	sec secadmin/custodian-add "{\"name\":\"custodian $i\",\"publicKey\":\"$(spki "$T/c$i.pem")\"}"
	eval "C$i=\$(field id)"
done
CUST="[\"$C1\",\"$C2\",\"$C3\"]"

# ---- the key set: A: SM4 (two versions), SM2_SIGN, HMAC_SM3; B: SM4 "orders" ----
api "$T/aadm.tok" kms/key-create '{"spec":"SM4"}'
KA=$(field keyId)
a crypto/encrypt "{\"keyId\":\"$KA\",\"plaintext\":\"$(b64s 'under version one')\"}"
CT1=$(field ciphertext)
api "$T/aadm.tok" kms/key-rotate "{\"keyId\":\"$KA\"}"
a crypto/encrypt "{\"keyId\":\"$KA\",\"plaintext\":\"$(b64s 'under version two')\"}"
CT2=$(field ciphertext)
api "$T/aadm.tok" kms/key-create '{"spec":"SM2_SIGN"}'
KS=$(field keyId)
a crypto/get-public-key "{\"keyId\":\"$KS\"}"
pem_to publicKey "$T/ks.pub"
api "$T/aadm.tok" kms/key-create '{"spec":"HMAC_SM3"}'
KH=$(field keyId)
a crypto/mac "{\"keyId\":\"$KH\",\"data\":\"$(b64s 'mac me')\"}"
MAC=$(field mac)
api "$T/badm.tok" kms/key-create '{"spec":"SM4","alias":"orders"}'
KB=$(field keyId)
b crypto/encrypt "{\"alias\":\"orders\",\"plaintext\":\"$(b64s 'B data')\"}"
CTB=$(field ciphertext)
check "the keys and their work" ok '[ -n "$KA" ] && [ -n "$KS" ] && [ -n "$KH" ] && [ -n "$KB" ] && [ -n "$CT1" ] &&
	[ -n "$CT2" ] && [ -n "$MAC" ] && [ -n "$CTB" ] && grep -q "BEGIN PUBLIC KEY" "$T/ks.pub"'

# ---- group backup: 2 of 3 ----
api "$T/aadm.tok" secadmin/group-backup "{\"groupId\":\"default\",\"m\":2,\"custodians\":$CUST}"
check "a tenant administrator cannot back a group up" is_err 403 CCSP-3000
sec secadmin/group-backup "{\"groupId\":\"$(randhex 16)\",\"m\":2,\"custodians\":$CUST}"
check "an unknown group: CCSP-1002" is_err 404 CCSP-1002
sec secadmin/group-backup "{\"groupId\":\"default\",\"m\":4,\"custodians\":$CUST}"
check "m above n: CCSP-1001" is_err 400 CCSP-1001
sec secadmin/group-backup "{\"groupId\":\"default\",\"m\":2,\"custodians\":$CUST}"
cp "$T/r" "$T/one.json"
backup one
check "backup: 4 keys, 5 versions, one share per custodian" ok '[ "$(code)" = 200 ] && [ "$(num keys)" = 4 ] &&
	[ "$(num versions)" = 5 ] && [ "$(grep -c custodianId "$T/one.shares")" = 3 ] && [ -s "$T/one.share.3.der" ] &&
	grep -q "\"format\":\"ccsp-key-set-backup\"" "$T/one.bundle" && grep -q "\"digest\":\"" "$T/one.bundle"'
check "... each share opened by its custodian's key only" ok '
	"$OPENSSL" pkeyutl -decrypt -inkey "$T/c2.pem" -in "$T/one.share.2.der" -out /dev/null 2>/dev/null &&
	! "$OPENSSL" pkeyutl -decrypt -inkey "$T/c1.pem" -in "$T/one.share.2.der" -out /dev/null 2>/dev/null'
sec secadmin/group-backup "{\"groupId\":\"default\",\"m\":2,\"custodians\":$CUST}"
backup two
check "a second backup of the same group" ok '[ "$(code)" = 200 ] && ! cmp -s "$T/one.bundle" "$T/two.bundle"'

# ---- loss: A's SM4 and SM2 keys and B's key vanish from the store; the HMAC key stays ----
stop
for k in "$KA" "$KS" "$KB"; do
	db "DELETE FROM kms_aliases WHERE key_id = '$k'; DELETE FROM kms_key_versions WHERE key_id = '$k';
		DELETE FROM kms_keys WHERE id = '$k';"
done
start
a crypto/decrypt "{\"ciphertext\":\"$CT1\"}"
check "lost: A's old ciphertext no longer decrypts" ok '[ "$(code)" != 200 ]'

# ---- refusals: nothing changes, the token stays usable ----
recover_params
s1=$(reencrypt one 1)
s3=$(reencrypt one 3)
t1=$(reencrypt two 1)
t2=$(reencrypt two 2)
recover "$T/one.bundle" "$s1"
check "one share: CCSP-1001" is_err 400 CCSP-1001
recover "$T/one.bundle" "$s1" "$t2"
check "a share of each backup: CCSP-1006" is_err 400 CCSP-1006
recover "$T/one.bundle" "$t1" "$t2"
check "another backup's shares: CCSP-1006" is_err 400 CCSP-1006
sed '0,/"description":""/s//"description":"x"/' "$T/one.bundle" >"$T/altered.bundle"
recover "$T/altered.bundle" "$s1" "$s3"
check "an altered bundle: CCSP-1006" ok '! cmp -s "$T/one.bundle" "$T/altered.bundle" && is_err 400 CCSP-1006'
S1=$(grep -o "\"keyId\":\"$KA\",\"version\":1,[^}]*\"sealed\":\"[^\"]*\"" "$T/one.bundle" | sed 's/.*"sealed":"//; s/"$//')
S2=$(grep -o "\"keyId\":\"$KA\",\"version\":2,[^}]*\"sealed\":\"[^\"]*\"" "$T/one.bundle" | sed 's/.*"sealed":"//; s/"$//')
sed "s|$S1|SWAP|; s|$S2|$S1|; s|SWAP|$S2|" "$T/one.bundle" >"$T/swapped.bundle"
recover "$T/swapped.bundle" "$s1" "$s3"
check "two entries' sealed keys swapped (the digest still matches): CCSP-1006" ok '[ -n "$S1" ] && [ -n "$S2" ] &&
	! cmp -s "$T/one.bundle" "$T/swapped.bundle" && is_err 400 CCSP-1006'
sed 's/,{"tenantId":[^}]*}]/]/' "$T/one.bundle" >"$T/truncated.bundle"
recover "$T/truncated.bundle" "$s1" "$s3"
check "a truncated bundle (its last key dropped): CCSP-1006" ok '[ "$(grep -o tenantId "$T/truncated.bundle" | wc -l)" = 4 ] &&
	is_err 400 CCSP-1006'
check "... nothing recreated by any refusal" ok '[ "$(keys)" = 1 ]'

# ---- recovery with custodians 3 and 1 ----
recover "$T/one.bundle" "$s3" "$s1"
cp "$T/r" "$T/recovered.json"
check "recovered: 3 keys recreated, the HMAC key (present) skipped" ok '[ "$(code)" = 200 ] &&
	[ "$(num recovered)" = 3 ] && [ "$(num skipped)" = 1 ] && grep -q "\"keyId\":\"$KH\",\"versions\":1,\"outcome\":\"exists\"" "$T/r" &&
	[ "$(keys)" = 4 ]'
recover "$T/one.bundle" "$s3" "$s1"
check "the token was used up" is_err 404 CCSP-1002
a crypto/decrypt "{\"ciphertext\":\"$CT1\"}"
check "A's ciphertext of version 1 decrypts again" ok '[ "$(code)" = 200 ] && [ "$(field plaintext)" = "$(b64s "under version one")" ]'
a crypto/decrypt "{\"ciphertext\":\"$CT2\"}"
check "... and of version 2" ok '[ "$(code)" = 200 ] && [ "$(field plaintext)" = "$(b64s "under version two")" ]'
b crypto/decrypt "{\"ciphertext\":\"$CTB\"}"
check "B's ciphertext decrypts in B" ok '[ "$(code)" = 200 ] && [ "$(field plaintext)" = "$(b64s "B data")" ]'
b crypto/encrypt "{\"alias\":\"orders\",\"plaintext\":\"$(b64s x)\"}"
check "... and B's alias names its key again" ok '[ "$(code)" = 200 ] && [ "$(field keyId)" = "$KB" ]'
a crypto/decrypt "{\"ciphertext\":\"$CTB\"}"
check "... but not in A" ok '[ "$(code)" != 200 ]'
api "$T/aadm.tok" kms/key-describe "{\"keyId\":\"$KA\"}"
check "A's SM4 key: origin recovered, primary version 2" ok '[ "$(field origin)" = recovered ] &&
	grep -q "\"primaryVersion\":2" "$T/r"'
printf 'signed after recovery' >"$T/msg"
a crypto/sign "{\"keyId\":\"$KS\",\"message\":\"$(b64f "$T/msg")\"}"
field signature | base64 -d >"$T/sig.der"
check "the SM2 key signs for its old public key (openssl verifies)" "$OPENSSL" pkeyutl -verify -pubin \
	-inkey "$T/ks.pub" -rawin -digest sm3 -in "$T/msg" -sigfile "$T/sig.der" -pkeyopt distid:1234567812345678
a crypto/mac "{\"keyId\":\"$KH\",\"data\":\"$(b64s 'mac me')\"}"
check "the HMAC key MACs as before" ok '[ "$(field mac)" = "$MAC" ]'

# ---- again: everything exists now ----
recover_params
recover "$T/one.bundle" "$(reencrypt one 2)" "$(reencrypt one 3)"
check "a second recovery skips every key" ok '[ "$(code)" = 200 ] && [ "$(num recovered)" = 0 ] &&
	[ "$(num skipped)" = 4 ] && [ "$(keys)" = 4 ]'

# ---- B's key lost again, and B moved to an exclusive group meanwhile: its key is not the default group's to restore
stop
db "DELETE FROM kms_aliases WHERE key_id = '$KB'; DELETE FROM kms_key_versions WHERE key_id = '$KB';
	DELETE FROM kms_keys WHERE id = '$KB';"
start
api "$T/admin.tok" pool/group-create "{\"name\":\"b-only\",\"tenantId\":\"$B\",\"kekIndex\":2}"
GB=$(field groupId)
check "B has its own group now, under KEK 2" ok '[ "$(code)" = 200 ] && [ -n "$GB" ]'
recover_params
recover "$T/one.bundle" "$(reencrypt one 1)" "$(reencrypt one 2)"
check "B's key skipped as other-group, nothing recreated" ok '[ "$(code)" = 200 ] && [ "$(num recovered)" = 0 ] &&
	grep -q "\"keyId\":\"$KB\",\"versions\":1,\"outcome\":\"other-group\"" "$T/r" && [ "$(keys)" = 3 ]'

check "audited" ok '
	[ "$(db "SELECT COUNT(*) FROM audit WHERE action = \"kms.group-backup\" AND outcome = \"ok\"")" = 2 ] &&
	[ "$(db "SELECT COUNT(*) FROM audit WHERE action = \"kms.group-recover\" AND outcome = \"ok\"")" = 3 ] &&
	[ "$(db "SELECT COUNT(*) FROM audit WHERE action = \"kms.key-recover\" AND outcome = \"ok\"")" = 3 ]'
check "... never with a share or a sealed key" ok '
	[ "$(db "SELECT COUNT(*) FROM audit WHERE detail LIKE \"%sealed%\" OR detail LIKE \"%$(printf %s "$S1" | cut -c1-16)%\"")" = 0 ]'

# ---- a group other than default, under another KEK: B's own VSM (KEK 2) backed up and restored there ----
vsm_start "$T/vb"
"$CCSP" vsm keygen --dir "$T/vb" --index 2 --kek >/dev/null
api "$T/admin.tok" pool/device-register "{\"name\":\"vb\",\"sdfConf\":\"$T/vb/sdf.conf\"}"
DVB=$(field deviceId)
api "$T/admin.tok" pool/group-add-member "{\"groupId\":\"$GB\",\"deviceId\":\"$DVB\"}"
check "B's VSM serves B's group (its KEK 2 checked)" ok '[ "$(code)" = 200 ] && [ -n "$DVB" ]'
api "$T/badm.tok" kms/key-create '{"spec":"SM4","alias":"own"}'
KB2=$(field keyId)
b crypto/encrypt "{\"keyId\":\"$KB2\",\"plaintext\":\"$(b64s "B on its own VSM")\"}"
CTB2=$(field ciphertext)
check "B's key made in its group: sealed under KEK 2" ok '[ -n "$CTB2" ] && [ "$(db "SELECT kek_index || \",\" ||
	length(wrapped) FROM kms_key_versions WHERE key_id = \"$KB2\"")" = "2,46" ]'
i=0 # 40 more keys: the backup reads the group's keys 32 at a time
while [ $i -lt 40 ]; do
	api "$T/badm.tok" kms/key-create '{"spec":"HMAC_SM3"}'
	i=$((i + 1))
done
sec secadmin/group-backup "{\"groupId\":\"$GB\",\"m\":2,\"custodians\":$CUST}"
backup bgrp
check "B's group backed up: its 41 keys (two pages), none of the default group's" ok '[ "$(code)" = 200 ] &&
	[ "$(num keys)" = 41 ] && [ "$(grep -o "\"keyId\"" "$T/bgrp.bundle" | wc -l)" = 41 ] &&
	grep -q "\"groupId\":\"$GB\"" "$T/bgrp.bundle" && ! grep -q "$KA" "$T/bgrp.bundle"'
stop
db "DELETE FROM kms_aliases WHERE key_id = '$KB2'; DELETE FROM kms_key_versions WHERE key_id = '$KB2';
	DELETE FROM kms_keys WHERE id = '$KB2';"
start
recover_params "$B"
recover "$T/bgrp.bundle" "$(reencrypt bgrp 2)" "$(reencrypt bgrp 1)"
check "recovered into B's group from B's VSM, the 40 present keys skipped" ok '[ "$(code)" = 200 ] &&
	[ "$(num recovered)" = 1 ] && [ "$(num skipped)" = 40 ] &&
	grep -q "\"keyId\":\"$KB2\",\"versions\":1,\"outcome\":\"recovered\"" "$T/r" &&
	[ "$(db "SELECT kek_index FROM kms_key_versions WHERE key_id = \"$KB2\"")" = 2 ]'
b crypto/decrypt "{\"ciphertext\":\"$CTB2\"}"
check "... and B's old ciphertext decrypts" ok '[ "$(code)" = 200 ] && [ "$(field plaintext)" = "$(b64s "B on its own VSM")" ]'
recover_params "$A"
recover "$T/bgrp.bundle" "$(reencrypt bgrp 1)" "$(reencrypt bgrp 3)"
check "B's bundle through a token of A (the default group): its key skipped as other-group" ok '[ "$(code)" = 200 ] &&
	[ "$(num recovered)" = 0 ] && grep -q "\"outcome\":\"other-group\"" "$T/r"'
stop
finish

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ccsp vsm: the crypto officer's key management of a VSM state directory, without vsmd (the VSM is opened
# in-process) and, when vsmd has been built, through a running vsmd's admin socket.
. "$(dirname "$0")/common.sh"

VSMD=$(dirname "$CCSP")/vsmd
if [ ! -x "$VSMD" ]; then
	echo "skip: ccsp vsm tests ($VSMD not built: it creates the VSM)"
	exit 0
fi
D=$T/vsm
VSMD_PID=
trap '[ -n "$VSMD_PID" ] && kill -KILL "$VSMD_PID" 2>/dev/null' EXIT

# fails_with STATUS PATTERN DESC CMD...: CMD must exit with STATUS and a "ccsp: " message matching PATTERN
# (extended regular expression) on stderr.
fails_with() {
	want=$1 pattern=$2 desc=$3
	shift 3
	"$@" >"$T/stdout" 2>"$T/stderr"
	status=$?
	if [ "$status" -ne "$want" ]; then
		fail "$desc: exit status $status, expected $want"
	elif ! grep -Eq "^ccsp: .*$pattern" "$T/stderr"; then
		fail "$desc: no message matching '$pattern'"
	else
		pass
		return 0
	fi
	sed 's/^/    stderr: /' "$T/stderr"
}

# q CMD...: CMD with its standard output discarded (check's own FAIL lines stay visible).
q() { "$@" >/dev/null; }
# not CMD...: CMD must fail.
not() { ! "$@"; }

# keys: the listing of the VSM.
keys() { "$CCSP" vsm keys --dir "$D" >"$T/keys" 2>"$T/keys.err"; }

# has_key KIND INDEX: the listing (in $T/keys) has that key, in the documented format.
has_key() {
	if [ "$1" = kek ]; then
		grep -Eq "^kind=kek index=$2 password=- created=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\$" "$T/keys"
	else
		grep -Eq "^kind=$1 index=$2 password=yes created=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z public=04[0-9a-f]{128}\$" "$T/keys"
	fi
}

if ! "$VSMD" --init "$D" --listen 127.0.0.1:0 >"$T/init.log" 2>&1; then # port 0: any free port
	fail "vsmd --init:"
	sed 's/^/    vsmd: /' "$T/init.log"
	finish
fi
pass
printf 'password1\n' >"$T/pw1"
printf 'password2\r\n' >"$T/pw2crlf"
printf 'password2\n' >"$T/pw2"
printf 'new-password\nsecond line is ignored\n' >"$T/pwnew"
printf 'short\n' >"$T/pwshort"
printf '' >"$T/pwempty"
printf '%0128d\r\n' 0 >"$T/pw128"   # 128 bytes: the longest password, with \r\n (130 bytes, all read)
printf '%0129d\n' 0 >"$T/pw129"

# ---- offline: no vsmd runs, the VSM is opened by the CLI -------------------------------------------------
"$CCSP" vsm keys --dir "$D" >"$T/keys" 2>&1
check "keys of a new VSM: exit 0" [ $? -eq 0 ]
check "keys of a new VSM: nothing listed" [ ! -s "$T/keys" ]

fails_with 1 "no access password yet" "keygen: the first SM2 key of an index needs a password" \
	"$CCSP" vsm keygen --dir "$D" --index 1 --sign
fails_with 1 "too short" "keygen: password of 5 bytes" \
	"$CCSP" vsm keygen --dir "$D" --index 1 --sign --password-file "$T/pwshort"
fails_with 1 "too short" "keygen: empty password file" \
	"$CCSP" vsm keygen --dir "$D" --index 1 --sign --password-file "$T/pwempty"
fails_with 1 "too long" "keygen: password of 129 bytes" \
	"$CCSP" vsm keygen --dir "$D" --index 1 --sign --password-file "$T/pw129"
fails_with 1 "cannot open the password file .*No such file" "keygen: missing password file" \
	"$CCSP" vsm keygen --dir "$D" --index 1 --sign --password-file "$T/nonexistent"
fails_with 1 "cannot read the password file" "keygen: password file is a directory" \
	"$CCSP" vsm keygen --dir "$D" --index 1 --sign --password-file "$T"

check "keygen --sign at index 1" q "$CCSP" vsm keygen --dir "$D" --index 1 --sign --password-file "$T/pw1"
check "keygen --enc at index 1 keeps the index's password" q "$CCSP" vsm keygen --dir "$D" --index 1 --enc
check "keygen --kek at index 1" q "$CCSP" vsm keygen --dir "$D" --index 1 --kek
check "keygen --sign at index 2: password from a CRLF file" \
	q "$CCSP" vsm keygen --dir "$D" --index 2 --sign --password-file "$T/pw2crlf"
fails_with 1 "does not match" "keygen: a password other than the index's" \
	"$CCSP" vsm keygen --dir "$D" --index 2 --enc --password-file "$T/pw1"
check "keygen: the same password without \\r (one trailing \\r\\n was stripped)" \
	q "$CCSP" vsm keygen --dir "$D" --index 2 --enc --password-file "$T/pw2"
check "keygen: a 128-byte password (+ \\r\\n)" \
	q "$CCSP" vsm keygen --dir "$D" --index 3 --sign --password-file "$T/pw128"
check "keygen: password on standard input" \
	q sh -c 'printf "password4\n" | "$1" vsm keygen --dir "$2" --index 4 --enc --password-file -' sh "$CCSP" "$D"
check "keygen --kek at index 1024 (the last)" q "$CCSP" vsm keygen --dir "$D" --index 1024 --kek
fails_with 1 "index 1 already holds a signing key" "keygen: occupied (sign)" \
	"$CCSP" vsm keygen --dir "$D" --index 1 --sign --password-file "$T/pw1"
fails_with 1 "index 1 already holds a KEK" "keygen: occupied (kek)" "$CCSP" vsm keygen --dir "$D" --index 1 --kek
fails_with 1 "out of range.*1\.\.1024" "keygen: index 1025" "$CCSP" vsm keygen --dir "$D" --index 1025 --kek
fails_with 2 "not a key index" "keygen: index 0" "$CCSP" vsm keygen --dir "$D" --index 0 --kek
fails_with 2 "not a key index" "keygen: index -1" "$CCSP" vsm keygen --dir "$D" --index -1 --kek
fails_with 2 "not a key index" "keygen: index 1x" "$CCSP" vsm keygen --dir "$D" --index 1x --kek
fails_with 2 "KEKs have no password" "keygen --kek with a password" \
	"$CCSP" vsm keygen --dir "$D" --index 5 --kek --password-file "$T/pw1"
fails_with 2 "exactly one of" "keygen: two kinds" "$CCSP" vsm keygen --dir "$D" --index 5 --sign --enc
fails_with 2 "exactly one of" "keygen: no kind" "$CCSP" vsm keygen --dir "$D" --index 5
fails_with 2 "--index N is required" "keygen: no index" "$CCSP" vsm keygen --dir "$D" --kek
fails_with 2 "--dir DIR is required" "keygen: no --dir" "$CCSP" vsm keygen --index 5 --kek
fails_with 2 "unknown option" "keygen: -dir (single dash)" "$CCSP" vsm keygen -dir "$D" --index 5 --kek
fails_with 2 "unexpected argument" "keys: extra argument" "$CCSP" vsm keys --dir "$D" extra
fails_with 2 "unknown option" "keys: --index" "$CCSP" vsm keys --dir "$D" --index 1
fails_with 2 "unknown command" "vsm: unknown command" "$CCSP" vsm keyimport --dir "$D"
"$CCSP" vsm >/dev/null 2>"$T/e"
check "vsm without a command: exit 2" [ $? -eq 2 ]
check "vsm without a command: usage on stderr" grep -q '^usage: ccsp vsm' "$T/e"
check "vsm help" sh -c '"$1" vsm help | grep -q audit-verify' sh "$CCSP"
check "ccsp help lists vsm" sh -c '"$1" help | grep -q "vsm keygen"' sh "$CCSP"

keys
check "keys: exit 0" [ $? -eq 0 ]
check "keys: one line per key (8)" [ "$(wc -l <"$T/keys")" -eq 8 ]
for k in "sign 1" "enc 1" "kek 1" "sign 2" "enc 2" "sign 3" "enc 4" "kek 1024"; do
	# shellcheck disable=SC2086
	check "keys lists $k" has_key $k
done
created=$(sed -n 's/^kind=sign index=1 .*created=\([^ ]*\) .*/\1/p' "$T/keys")
age=$(($(date -u +%s) - $(date -u -d "$created" +%s 2>/dev/null || echo 0)))
check "keys: creation time in UTC ($created, $age s ago)" sh -c '[ "$1" -ge 0 ] && [ "$1" -lt 600 ]' sh "$age"
check "keys: the two SM2 key pairs of index 1 differ" \
	[ "$(grep '^kind=sign index=1 ' "$T/keys" | sed 's/.*public=//')" != "$(grep '^kind=enc index=1 ' "$T/keys" | sed 's/.*public=//')" ]

check "keydel --kek at index 1" q "$CCSP" vsm keydel --dir "$D" --index 1 --kek
fails_with 1 "index 1 holds no KEK" "keydel: empty slot" "$CCSP" vsm keydel --dir "$D" --index 1 --kek
fails_with 1 "index 7 holds no encryption key" "keydel: never used index" "$CCSP" vsm keydel --dir "$D" --index 7 --enc
fails_with 1 "out of range" "keydel: index 1025" "$CCSP" vsm keydel --dir "$D" --index 1025 --sign
fails_with 2 "not a key index" "keydel: index 0" "$CCSP" vsm keydel --dir "$D" --index 0 --sign
fails_with 2 "unknown option" "keydel takes no password" \
	"$CCSP" vsm keydel --dir "$D" --index 1 --sign --password-file "$T/pw1"
keys
check "keys after keydel: 7 keys" [ "$(wc -l <"$T/keys")" -eq 7 ]
check "keys after keydel: no KEK at index 1" not has_key kek 1

# passwd: the new password replaces the old one for both pairs of the index.
check "passwd" q "$CCSP" vsm passwd --dir "$D" --index 1 --password-file "$T/pwnew"
check "keydel --enc at index 1" q "$CCSP" vsm keydel --dir "$D" --index 1 --enc
fails_with 1 "does not match" "after passwd, the old password is refused" \
	"$CCSP" vsm keygen --dir "$D" --index 1 --enc --password-file "$T/pw1"
check "after passwd, the new password (first line of its file) is accepted" \
	q "$CCSP" vsm keygen --dir "$D" --index 1 --enc --password-file "$T/pwnew"
fails_with 1 "too short" "passwd: short password" "$CCSP" vsm passwd --dir "$D" --index 1 --password-file "$T/pwshort"
fails_with 1 "index 9 holds no SM2 key pair" "passwd: index without keys" \
	"$CCSP" vsm passwd --dir "$D" --index 9 --password-file "$T/pwnew"
fails_with 2 "--password-file F is required" "passwd without a password" "$CCSP" vsm passwd --dir "$D" --index 1
# Deleting the last pair of an index drops its password: the next key needs a new one.
check "keydel --sign at index 2" q "$CCSP" vsm keydel --dir "$D" --index 2 --sign
check "keydel --enc at index 2" q "$CCSP" vsm keydel --dir "$D" --index 2 --enc
fails_with 1 "no access password yet" "index 2 emptied: a password is needed again" \
	"$CCSP" vsm keygen --dir "$D" --index 2 --enc

# ---- the audit log ---------------------------------------------------------------------------------------
"$CCSP" vsm audit-verify --dir "$D" >"$T/av" 2>&1
check "audit-verify: exit 0" [ $? -eq 0 ]
check "audit-verify: reports the lines verified" grep -Eq 'audit\.log: [0-9]+ lines verified' "$T/av"
lines=$(wc -l <"$D/audit.log")
check "audit-verify: every line counted ($lines)" grep -q ": $lines lines verified" "$T/av"
check "audit log: the keygen" grep -q "key.generate	kind=sign index=1 result=CCSP_OK" "$D/audit.log"
check "audit log: a refused keygen" grep -q "key.generate	kind=sign index=1 result=CCSP_ERR_KEY_EXISTS" "$D/audit.log"
check "audit log: the keydel" grep -q "key.delete	kind=kek index=1 result=CCSP_OK" "$D/audit.log"
check "audit log: the passwd" grep -q "key.password	index=1 result=CCSP_OK" "$D/audit.log"
check "audit log: no password in it" [ -z "$(grep -e password1 -e new-password -e password4 "$D/audit.log")" ]
check "keystore: no password in it" [ -z "$(grep -a -e password1 -e new-password "$D/keystore.bin")" ]

cp "$D/audit.log" "$T/audit.good"
sed -i '2s/token\.set/token.sat/' "$D/audit.log" # one byte of line 2, same length
check "tampering: the file changed" not cmp -s "$D/audit.log" "$T/audit.good"
fails_with 1 "line 2 does not verify" "audit-verify of a modified log" "$CCSP" vsm audit-verify --dir "$D"
fails_with 1 "integrity check" "keys refuses a VSM whose audit log was modified" "$CCSP" vsm keys --dir "$D"
cp "$T/audit.good" "$D/audit.log"
check "audit-verify of the restored log" q "$CCSP" vsm audit-verify --dir "$D"

mv "$D/storage.key" "$T/storage.key"
fails_with 1 "storage key: .*storage.key does not exist" "keys without storage.key" "$CCSP" vsm keys --dir "$D"
fails_with 1 "storage key" "keygen without storage.key" "$CCSP" vsm keygen --dir "$D" --index 8 --kek
fails_with 1 "storage key" "audit-verify without storage.key" "$CCSP" vsm audit-verify --dir "$D"
head -c 15 "$T/storage.key" >"$D/storage.key"
fails_with 1 "not a storage key" "keys with a 15-byte storage.key" "$CCSP" vsm keys --dir "$D"
mv "$T/storage.key" "$D/storage.key"
fails_with 1 "does not exist" "keys of a directory that is no VSM" "$CCSP" vsm keys --dir "$T/novsm"
check "... and it is not created" [ ! -e "$T/novsm" ]
check "audit-verify after all this" q "$CCSP" vsm audit-verify --dir "$D"

# ---- online: through a running vsmd's admin socket -------------------------------------------------------
"$VSMD" --dir "$D" >"$T/vsmd.log" 2>&1 &
VSMD_PID=$!
i=0
while [ ! -S "$D/admin.sock" ] && [ $i -lt 300 ] && kill -0 "$VSMD_PID" 2>/dev/null; do
	sleep 0.2
	i=$((i + 1))
done
if [ ! -S "$D/admin.sock" ]; then
	fail "vsmd did not start within 10 s:"
	sed 's/^/    vsmd: /' "$T/vsmd.log"
	finish
fi
pass
before=$(wc -l <"$D/audit.log")
check "online: keygen --sign" q "$CCSP" vsm keygen --dir "$D" --index 10 --sign --password-file "$T/pw1"
check "online: keygen --enc" q "$CCSP" vsm keygen --dir "$D" --index 10 --enc
check "online: keygen --kek" q "$CCSP" vsm keygen --dir "$D" --index 10 --kek
fails_with 1 "index 10 already holds a signing key \(vsmd answered SDR_KEYERR\)" "online: occupied index" \
	"$CCSP" vsm keygen --dir "$D" --index 10 --sign
fails_with 1 "no access password yet" "online: first SM2 key without a password" \
	"$CCSP" vsm keygen --dir "$D" --index 11 --enc
fails_with 1 "does not match" "online: wrong password" \
	"$CCSP" vsm keygen --dir "$D" --index 3 --enc --password-file "$T/pw1"
fails_with 1 "out of range" "online: index 1025" "$CCSP" vsm keygen --dir "$D" --index 1025 --sign --password-file "$T/pw1"
check "online: passwd" q "$CCSP" vsm passwd --dir "$D" --index 10 --password-file "$T/pwnew"
keys
check "online: keys" [ $? -eq 0 ]
for k in "sign 10" "enc 10" "kek 10" "sign 3" "kek 1024"; do
	# shellcheck disable=SC2086
	check "online: keys lists $k" has_key $k
done
check "online: keydel" q "$CCSP" vsm keydel --dir "$D" --index 10 --kek
fails_with 1 "index 10 holds no KEK \(vsmd answered SDR_KEYNOTEXIST\)" "online: keydel of an empty slot" \
	"$CCSP" vsm keydel --dir "$D" --index 10 --kek
keys
check "online: keys after keydel" not has_key kek 10
check "online: vsmd audited the changes" [ "$(tail -n +"$((before + 1))" "$D/audit.log" | grep -c '^[0-9]*	[0-9]*	key\.')" -eq 10 ]
check "online: only those (no vsm.start: the CLI did not open the VSM itself)" \
	[ -z "$(tail -n +"$((before + 1))" "$D/audit.log" | grep -v -e key.generate -e key.delete -e key.password)" ]
check "online: audit-verify while vsmd runs" q "$CCSP" vsm audit-verify --dir "$D"
kill -TERM "$VSMD_PID"
i=0
while kill -0 "$VSMD_PID" 2>/dev/null && [ $i -lt 300 ]; do
	sleep 0.2
	i=$((i + 1))
done
if kill -0 "$VSMD_PID" 2>/dev/null; then
	fail "vsmd did not stop within 10 s of SIGTERM"
	kill -KILL "$VSMD_PID" 2>/dev/null
fi
wait "$VSMD_PID"
check "vsmd exits 0 on SIGTERM" [ $? -eq 0 ]
VSMD_PID=
check "vsmd stopped: its admin socket is gone" [ ! -e "$D/admin.sock" ]
keys
check "offline again after vsmd stopped: keys lists sign 10" has_key sign 10
check "offline again after vsmd stopped: no kek 10" not has_key kek 10
check "audit-verify at the end" q "$CCSP" vsm audit-verify --dir "$D"

finish

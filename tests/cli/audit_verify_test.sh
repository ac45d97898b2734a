# SPDX-License-Identifier: Apache-2.0
# ccsp audit verify: an audit export of the service platform (made by tests/integration/audit_export_gen with the
# platform's audit module, until ccspd exports them) verifies with the platform's public key only; edited copies
# (a field changed, a line deleted, two lines swapped, the tail cut, a line cut, the final checkpoint's signature
# replaced) fail with exit 1 and name the first bad line. openssl verifies a checkpoint signature on its own.
. "$(dirname "$0")/common.sh"
BIN=$(dirname "$CCSP")
GEN=$BIN/audit_export_gen
if [ ! -x "$GEN" ]; then
	echo "skip: audit_export_gen not built"
	exit 0
fi

E=$T/export.jsonl
check "generate an export" "$GEN" "$T" 300 100
check "export has 1 + 300 + 3 + 1 lines" test "$(wc -l <"$E")" -eq 305

# verify_ok FILE DESC / verify_bad FILE DESC PATTERN: the verdict, and what it names
verify_ok() {
	"$CCSP" audit verify "$1" --pubkey "$T/platform.pub" >"$T/stdout" 2>"$T/stderr"
	status=$?
	if [ "$status" -eq 0 ] && grep -q "$3" "$T/stdout"; then pass; else
		fail "$2 (status $status)"
		cat "$T/stdout" "$T/stderr"
	fi
}
verify_bad() {
	"$CCSP" audit verify "$1" --pubkey "$T/platform.pub" >"$T/stdout" 2>"$T/stderr"
	status=$?
	if [ "$status" -eq 1 ] && grep -q "^ccsp: .*$3" "$T/stderr"; then pass; else
		fail "$2 (status $status)"
		sed 's/^/    /' "$T/stderr"
	fi
}

verify_ok "$E" "the untouched export verifies" '300 records, 4 checkpoints verified (seq 1..300'
verify_ok - "from stdin" '300 records' <"$E"
# the private key file works as well (its public part is used)
"$CCSP" audit verify "$E" --pubkey "$T/platform.pem" >/dev/null 2>&1 && pass || fail "verify with the PKCS#8 file"

# record seq k is on line 1 + k + (k - 1) / 100 (checkpoints after 100, 200, 300)
sed '52s/"actor":"[^"]*"/"actor":"mallory"/' "$E" >"$T/field"
verify_bad "$T/field" "a changed field" 'line 52: record seq 51 was altered'
sed '52s/"ts":[0-9]*/"ts":1/' "$E" >"$T/ts"
verify_bad "$T/ts" "a changed time" 'line 52: record seq 51 was altered'
sed '150d' "$E" >"$T/deleted"
verify_bad "$T/deleted" "a deleted record" 'line 150: record seq 148 is missing before this record: removed'
awk 'NR == 60 { held = $0; next } NR == 61 { print; print held; next } { print }' "$E" >"$T/swapped"
verify_bad "$T/swapped" "two swapped records" 'line 60: record seq 60 is out of order (seq 59 comes later, line 61): reordered'
head -n 250 "$E" >"$T/cut"
verify_bad "$T/cut" "the tail cut" 'line 204: records seq 201..247 are not covered by a checkpoint'
head -n 304 "$E" >"$T/noexport"
verify_bad "$T/noexport" "the export checkpoint cut" 'line 305: the export ends without its export checkpoint'
head -c 40000 "$E" >"$T/midline"
verify_bad "$T/midline" "an export cut inside a line" 'not a valid record or checkpoint: malformed, altered or cut'
# the final checkpoint's signature replaced by an earlier, valid one
sig100=$(sed -n '102s/.*"sig":"\([0-9a-f]*\)".*/\1/p' "$E")
sed "\$s/\"sig\":\"[0-9a-f]*\"/\"sig\":\"$sig100\"/" "$E" >"$T/badsig"
verify_bad "$T/badsig" "a replaced checkpoint signature" 'line 305: the checkpoint of seq 300 has a bad checkpoint signature'
sed '$s/"time":[0-9]*/"time":1/' "$E" >"$T/badtime"
verify_bad "$T/badtime" "a changed checkpoint time" 'line 305: the checkpoint of seq 300 has a bad checkpoint signature'
# another platform's key
"$CCSP" sm2 keygen -out "$T/other.pem" && "$CCSP" sm2 pub -in "$T/other.pem" -out "$T/other.pub" || fail "keygen"
"$CCSP" audit verify "$E" --pubkey "$T/other.pub" >"$T/stdout" 2>"$T/stderr"
[ $? -eq 1 ] && grep -q 'another platform key' "$T/stderr" && pass || fail "another platform key"

# usage errors
"$CCSP" audit verify "$E" >/dev/null 2>&1
[ $? -eq 2 ] && pass || fail "no --pubkey: exit 2"
"$CCSP" audit verify "$T/nonexistent" --pubkey "$T/platform.pub" >/dev/null 2>&1
[ $? -eq 1 ] && pass || fail "missing file: exit 1"
"$CCSP" audit help | grep -q 'verify FILE --pubkey PEM' && pass || fail "audit help"

# The independent witness: openssl verifies the export checkpoint over its 66-byte tbs, rebuilt here from the
# JSON line: "CCSP-AUDIT-CKPT-1" || kind (2 = export) || seq (u64 BE) || time (u64 BE) || h.
tail -n 1 "$E" | T=$T perl -ne '
	/"kind":"export","seq":(\d+),"time":(\d+),"h":"([0-9a-f]{64})","sig":"([0-9a-f]+)"/ or exit 1;
	open(my $t, ">", "$ENV{T}/tbs") or exit 1; binmode $t;
	print $t "CCSP-AUDIT-CKPT-1", pack("C", 2), pack("Q>", $1), pack("Q>", $2), pack("H*", $3);
	open(my $s, ">", "$ENV{T}/sig") or exit 1; binmode $s; print $s pack("H*", $4);' && pass ||
	fail "parse the export checkpoint"
check "tbs is 66 bytes" test "$(wc -c <"$T/tbs")" -eq 66
check "openssl verifies the export checkpoint" "$OPENSSL" pkeyutl -verify -rawin -digest sm3 -pubin \
	-inkey "$T/platform.pub" -in "$T/tbs" -sigfile "$T/sig" -pkeyopt distid:1234567812345678 >/dev/null
# ...and the chain value it signs is the last record's (the unit test recomputes chain values with OpenSSL SM3).
h300=$(sed -n '303s/.*"h":"\([0-9a-f]*\)".*/\1/p' "$E")
grep -q "\"seq\":300,\"time\":[0-9]*,\"h\":\"$h300\"" "$T/export.jsonl" && pass || fail "export checkpoint signs h_300"
printf 'x' >>"$T/tbs"
"$OPENSSL" pkeyutl -verify -rawin -digest sm3 -pubin -inkey "$T/platform.pub" -in "$T/tbs" -sigfile "$T/sig" \
	-pkeyopt distid:1234567812345678 >/dev/null 2>&1 && fail "openssl accepts a changed tbs" || pass

echo "audit_verify_test: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]

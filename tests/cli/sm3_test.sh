#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ccsp sm3 against `openssl dgst -sm3` and the GB/T 32905 examples; ccsp hmac against
# `openssl mac HMAC` with SM3; output format and bad input.
. "$(dirname "$0")/common.sh"

# digest_of FILE: the hex digest ccsp prints for FILE.
ccsp_sm3() { "$CCSP" sm3 "$1" | cut -d' ' -f1; }
ossl_sm3() { "$OPENSSL" dgst -sm3 "$1" | sed 's/.*= //'; }

# GB/T 32905-2016 Appendix A, examples 1 ("abc") and 2 ("abcd" x 16).
printf abc >"$T/abc"
check "GB/T 32905 A.1" [ "$(ccsp_sm3 "$T/abc")" = 66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0 ]
printf abcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcd >"$T/abcd16"
check "GB/T 32905 A.2" [ "$(ccsp_sm3 "$T/abcd16")" = debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732 ]

# Random files around the block and padding boundaries, and larger than the read chunk.
for n in 0 1 15 16 17 55 56 63 64 65 119 120 128 1000 65535 65536 65537 100000 1048577; do
	randfile "$T/f$n" "$n"
	a=$(ccsp_sm3 "$T/f$n")
	b=$(ossl_sm3 "$T/f$n")
	check "sm3 of $n bytes: ccsp $a, openssl $b" [ "${a:-(none)}" = "$b" ]
done

# Output format: "<hex>  <name>" per file, stdin named "-".
check "format with a file name" [ "$("$CCSP" sm3 "$T/abc")" = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0  $T/abc" ]
check "format of stdin" [ "$("$CCSP" sm3 <"$T/abc")" = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0  -" ]
check "explicit -" [ "$("$CCSP" sm3 - <"$T/abc")" = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0  -" ]
check "several files" [ "$("$CCSP" sm3 "$T/abc" "$T/f0" | wc -l)" -eq 2 ]
check "several files, second line" [ "$("$CCSP" sm3 "$T/abc" "$T/f1000" | sed -n 2p)" = "$(ossl_sm3 "$T/f1000")  $T/f1000" ]
# sha256sum-like: a missing file fails the command but the others are still printed.
"$CCSP" sm3 "$T/abc" "$T/nonexistent" >"$T/o" 2>"$T/e"
check "missing file among others: non-zero exit" [ $? -eq 1 ]
check "missing file among others: good one printed" grep -q '^66c7f0f4' "$T/o"
check "missing file among others: message" grep -q "^ccsp: .*nonexistent" "$T/e"
must_fail "sm3 of a missing file" "$CCSP" sm3 "$T/nonexistent"
must_fail "sm3 of a directory" "$CCSP" sm3 "$T"
must_fail "sm3 unknown option" "$CCSP" sm3 -x "$T/abc"

# ---- HMAC-SM3 -----------------------------------------------------------------------------------
ossl_hmac() { "$OPENSSL" mac -digest SM3 -macopt "hexkey:$1" -in "$2" HMAC | tr A-F a-f; }
ccsp_hmac() { "$CCSP" hmac -k "$1" "$2" | cut -d' ' -f1; }
for klen in 1 16 32 63 64 65 100 200; do
	for n in 0 1 64 1000 100000; do
		key=$(randhex "$klen")
		a=$(ccsp_hmac "$key" "$T/f$n")
		b=$(ossl_hmac "$key" "$T/f$n")
		check "hmac key $klen, data $n: ccsp $a, openssl $b" [ "${a:-(none)}" = "$b" ]
	done
done
key=$(randhex 32)
check "hmac format of stdin" [ "$("$CCSP" hmac -k "$key" <"$T/f1000")" = "$(ossl_hmac "$key" "$T/f1000")  -" ]
check "hmac key after the file" [ "$("$CCSP" hmac "$T/f1000" -k "$key" | cut -d' ' -f1)" = "$(ossl_hmac "$key" "$T/f1000")" ]
must_fail "hmac missing key" "$CCSP" hmac "$T/abc"
must_fail "hmac key without value" "$CCSP" hmac "$T/abc" -k
must_fail "hmac odd key" "$CCSP" hmac -k abc "$T/abc"
must_fail "hmac bad hex key" "$CCSP" hmac -k 00zz "$T/abc"
must_fail "hmac key over 1024 bytes" "$CCSP" hmac -k "$(randhex 1025)" "$T/abc"
must_fail "hmac missing file" "$CCSP" hmac -k "$key" "$T/nonexistent"
# Options of other subcommands are usage errors that name the option.
must_fail_with "sm3 -k (an hmac option)" 2 "'-k'" "$CCSP" sm3 -k "$key" "$T/abc"
must_fail_with "sm3 -out" 2 "'-out'" "$CCSP" sm3 -out "$OUT/x" "$T/abc"
must_fail_with "hmac -out" 2 "'-out'" "$CCSP" hmac -k "$key" -out "$OUT/x" "$T/abc"
must_fail_with "hmac -in" 2 "'-in'" "$CCSP" hmac -k "$key" -in "$T/abc"

finish

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ccsp sm4 against `openssl enc` (ECB, CBC, CFB, OFB, CTR: identical ciphertexts, each tool decrypts
# the other's), GCM and XTS round trips, a GCM known answer, tampering, and every bad input.
. "$(dirname "$0")/common.sh"

SIZES="0 1 15 16 17 1000 100000"
for n in $SIZES; do randfile "$T/p$n" "$n"; done

# ---- openssl interoperability -------------------------------------------------------------------
for mode in ecb cbc cfb ofb ctr; do
	for n in $SIZES; do
		key=$(randhex 16)
		iv=$(randhex 16)
		ivopt="-iv $iv"
		[ "$mode" = ecb ] && ivopt=
		p=$T/p$n
		# shellcheck disable=SC2086 # ivopt is two words or none
		check "$mode/$n: ccsp enc" "$CCSP" sm4 enc -mode $mode -k "$key" $ivopt -in "$p" -out "$T/c1"
		# shellcheck disable=SC2086
		check "$mode/$n: openssl enc" "$OPENSSL" enc -sm4-$mode -K "$key" $ivopt -in "$p" -out "$T/c2"
		same "$T/c1" "$T/c2" "$mode/$n: ccsp and openssl ciphertexts differ"
		# shellcheck disable=SC2086
		check "$mode/$n: openssl dec of ccsp" "$OPENSSL" enc -d -sm4-$mode -K "$key" $ivopt -in "$T/c1" -out "$T/d1"
		same "$p" "$T/d1" "$mode/$n: openssl did not recover the plaintext"
		# shellcheck disable=SC2086
		check "$mode/$n: ccsp dec of openssl" "$CCSP" sm4 dec -mode $mode -k "$key" $ivopt -in "$T/c2" -out "$T/d2"
		same "$p" "$T/d2" "$mode/$n: ccsp did not recover the plaintext"
	done
done

# -nopad: whole blocks only, no padding block added.
for mode in ecb cbc; do
	for n in 0 16 1024; do
		randfile "$T/b$n" "$n"
		key=$(randhex 16)
		iv=$(randhex 16)
		ivopt="-iv $iv"
		[ "$mode" = ecb ] && ivopt=
		# shellcheck disable=SC2086
		check "$mode/nopad/$n: ccsp enc" "$CCSP" sm4 enc -mode $mode -nopad -k "$key" $ivopt -in "$T/b$n" -out "$T/c1"
		# shellcheck disable=SC2086
		check "$mode/nopad/$n: openssl enc" "$OPENSSL" enc -sm4-$mode -nopad -K "$key" $ivopt -in "$T/b$n" -out "$T/c2"
		same "$T/c1" "$T/c2" "$mode/nopad/$n: ciphertexts differ"
		# shellcheck disable=SC2086
		check "$mode/nopad/$n: ccsp dec" "$CCSP" sm4 dec -mode $mode -nopad -k "$key" $ivopt -in "$T/c2" -out "$T/d1"
		same "$T/b$n" "$T/d1" "$mode/nopad/$n: plaintext not recovered"
	done
done

# Standard input and output.
key=$(randhex 16)
iv=$(randhex 16)
check "stdin/stdout" sh -c '"$1" sm4 enc -mode cbc -k "$2" -iv "$3" <"$4" >"$5"' sh "$CCSP" "$key" "$iv" "$T/p1000" "$T/c1"
"$OPENSSL" enc -sm4-cbc -K "$key" -iv "$iv" -in "$T/p1000" -out "$T/c2"
same "$T/c1" "$T/c2" "stdin/stdout: ciphertext differs from openssl's"
# Upper-case hex is accepted.
KEYU=$(echo "$key" | tr a-f A-F)
check "upper-case key" "$CCSP" sm4 enc -mode cbc -k "$KEYU" -iv "$iv" -in "$T/p1000" -out "$T/c1"
same "$T/c1" "$T/c2" "upper-case key: ciphertext differs"

# ---- GCM ----------------------------------------------------------------------------------------
# RFC 8998 Appendix A.1 (SM4-GCM test vector).
hexfile "$T/kat_p" "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDDEEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
KAT_CT=17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d83de3541e4c2b58177e065a9bf7b62ec
KAT="-k 0123456789ABCDEFFEDCBA9876543210 -iv 00001234567800000000ABCD -aad FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2"
# shellcheck disable=SC2086
check "gcm KAT enc" "$CCSP" sm4 enc -mode gcm $KAT -in "$T/kat_p" -out "$T/kat_c"
check "gcm KAT ciphertext || tag (RFC 8998 A.1)" [ "$(filehex "$T/kat_c")" = "$KAT_CT" ]
hexfile "$T/kat_c2" "$KAT_CT"
# shellcheck disable=SC2086
check "gcm KAT dec" "$CCSP" sm4 dec -mode gcm $KAT -in "$T/kat_c2" -out "$T/kat_d"
same "$T/kat_p" "$T/kat_d" "gcm KAT: plaintext not recovered"
# Wycheproof sm4_gcm_test.json tcId 2: empty message and AAD, the tag alone.
: >"$T/empty"
check "gcm empty KAT enc" "$CCSP" sm4 enc -mode gcm -k bedcfb5a011ebc84600fcb296c15af0d -iv 438a547a94ea88dce46c6c85 -in "$T/empty" -out "$T/c1"
check "gcm empty KAT tag (Wycheproof tcId 2)" [ "$(filehex "$T/c1")" = a486a45596cb92cf529de2038583707d ]

for n in $SIZES; do
	key=$(randhex 16)
	iv=$(randhex 12)
	aad=$(randhex 20)
	check "gcm/$n enc" "$CCSP" sm4 enc -mode gcm -k "$key" -iv "$iv" -aad "$aad" -in "$T/p$n" -out "$T/c1"
	check "gcm/$n: output is plaintext + 16" [ "$(wc -c <"$T/c1")" -eq $((n + 16)) ]
	check "gcm/$n dec" "$CCSP" sm4 dec -mode gcm -k "$key" -iv "$iv" -aad "$aad" -in "$T/c1" -out "$T/d1"
	same "$T/p$n" "$T/d1" "gcm/$n: plaintext not recovered"
done
# IV lengths other than 12, and no AAD.
for ivlen in 1 8 16 64; do
	key=$(randhex 16)
	iv=$(randhex $ivlen)
	check "gcm iv$ivlen enc" "$CCSP" sm4 enc -mode gcm -k "$key" -iv "$iv" -in "$T/p1000" -out "$T/c1"
	check "gcm iv$ivlen dec" "$CCSP" sm4 dec -mode gcm -k "$key" -iv "$iv" -in "$T/c1" -out "$T/d1"
	same "$T/p1000" "$T/d1" "gcm iv$ivlen: plaintext not recovered"
done

# Tampering: every change makes decryption fail and writes nothing.
key=$(randhex 16)
iv=$(randhex 12)
aad=$(randhex 8)
"$CCSP" sm4 enc -mode gcm -k "$key" -iv "$iv" -aad "$aad" -in "$T/p1000" -out "$T/good"
flip() { # flip FILE OFFSET OUT: copy with one byte changed
	head -c "$2" "$1" >"$3"
	b=$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' ')
	printf "\\$(printf '%03o' $(((b + 1) % 256)))" >>"$3"
	tail -c +"$(($2 + 2))" "$1" >>"$3"
}
flip "$T/good" 0 "$T/bad_c0"
flip "$T/good" 999 "$T/bad_c999"
flip "$T/good" 1000 "$T/bad_tag0"
flip "$T/good" 1015 "$T/bad_tag15"
head -c 1015 "$T/good" >"$T/bad_short"
head -c 15 "$T/good" >"$T/bad_15"
cat "$T/good" "$T/p1" >"$T/bad_long"
check "flip made a different file" [ "$(filehex "$T/bad_c0")" != "$(filehex "$T/good")" ]
for f in bad_c0 bad_c999 bad_tag0 bad_tag15 bad_short bad_15 bad_long; do
	must_fail "gcm tampered $f" "$CCSP" sm4 dec -mode gcm -k "$key" -iv "$iv" -aad "$aad" -in "$T/$f" -out "$OUT/x"
done
must_fail "gcm wrong aad" "$CCSP" sm4 dec -mode gcm -k "$key" -iv "$iv" -aad "${aad}00" -in "$T/good" -out "$OUT/x"
must_fail "gcm missing aad" "$CCSP" sm4 dec -mode gcm -k "$key" -iv "$iv" -in "$T/good" -out "$OUT/x"
must_fail "gcm wrong iv" "$CCSP" sm4 dec -mode gcm -k "$key" -iv "$(randhex 12)" -aad "$aad" -in "$T/good" -out "$OUT/x"
must_fail "gcm wrong key" "$CCSP" sm4 dec -mode gcm -k "$(randhex 16)" -iv "$iv" -aad "$aad" -in "$T/good" -out "$OUT/x"
# A failed decryption leaves an existing output file as it was.
cp "$T/p17" "$T/keep"
"$CCSP" sm4 dec -mode gcm -k "$key" -iv "$iv" -aad "$aad" -in "$T/bad_tag0" -out "$T/keep" 2>/dev/null
same "$T/p17" "$T/keep" "gcm: failed decryption changed the existing output file"

# ---- XTS ----------------------------------------------------------------------------------------
for n in 16 17 31 1000 100000; do
	[ -f "$T/p$n" ] || randfile "$T/p$n" "$n"
	key=$(randhex 32)
	tw=$(randhex 16)
	check "xts/$n enc" "$CCSP" sm4 enc -mode xts -k "$key" -iv "$tw" -in "$T/p$n" -out "$T/c1"
	check "xts/$n: length preserved" [ "$(wc -c <"$T/c1")" -eq "$n" ]
	check "xts/$n: ciphertext differs from plaintext" [ "$(filehex "$T/c1")" != "$(filehex "$T/p$n")" ]
	check "xts/$n dec" "$CCSP" sm4 dec -mode xts -k "$key" -iv "$tw" -in "$T/c1" -out "$T/d1"
	same "$T/p$n" "$T/d1" "xts/$n: plaintext not recovered"
	check "xts/$n dec, other tweak" "$CCSP" sm4 dec -mode xts -k "$key" -iv "$(randhex 16)" -in "$T/c1" -out "$T/d2"
	check "xts/$n: other tweak gives other plaintext" [ "$(filehex "$T/d2")" != "$(filehex "$T/p$n")" ]
done
for n in 0 1 15; do
	must_fail "xts/$n too short" "$CCSP" sm4 enc -mode xts -k "$(randhex 32)" -iv "$(randhex 16)" -in "$T/p$n" -out "$OUT/x"
done
must_fail "xts 16-byte key" "$CCSP" sm4 enc -mode xts -k "$(randhex 16)" -iv "$(randhex 16)" -in "$T/p1000" -out "$OUT/x"
half=$(randhex 16)
must_fail_with "xts equal key halves: a usage error" 2 "two halves" \
	"$CCSP" sm4 enc -mode xts -k "$half$half" -iv "$(randhex 16)" -in "$T/p1000" -out "$OUT/x"
must_fail "xts missing tweak" "$CCSP" sm4 enc -mode xts -k "$(randhex 32)" -in "$T/p1000" -out "$OUT/x"

# ---- padding and length errors ------------------------------------------------------------------
key=$(randhex 16)
iv=$(randhex 16)
# One block whose decryption ends in 00, one ending in 11 (17), one ending in ...02 03 (inconsistent).
hexfile "$T/pad00" 000102030405060708090a0b0c0d0e00
hexfile "$T/pad17" 000102030405060708090a0b0c0d0e11
hexfile "$T/pad23" 000102030405060708090a0b0c0d0203
for mode in ecb cbc; do
	ivopt="-iv $iv"
	[ "$mode" = ecb ] && ivopt=
	for f in pad00 pad17 pad23; do
		# shellcheck disable=SC2086
		"$CCSP" sm4 enc -mode $mode -nopad -k "$key" $ivopt -in "$T/$f" -out "$T/c_$f"
		# shellcheck disable=SC2086
		must_fail "$mode bad padding $f" "$CCSP" sm4 dec -mode $mode -k "$key" $ivopt -in "$T/c_$f" -out "$OUT/x"
	done
	# shellcheck disable=SC2086
	"$CCSP" sm4 enc -mode $mode -k "$key" $ivopt -in "$T/p1000" -out "$T/c1"
	head -c 1007 "$T/c1" >"$T/c_trunc"
	# shellcheck disable=SC2086
	must_fail "$mode truncated ciphertext" "$CCSP" sm4 dec -mode $mode -k "$key" $ivopt -in "$T/c_trunc" -out "$OUT/x"
	# shellcheck disable=SC2086
	must_fail "$mode empty ciphertext" "$CCSP" sm4 dec -mode $mode -k "$key" $ivopt -in "$T/empty" -out "$OUT/x"
	# shellcheck disable=SC2086
	must_fail "$mode -nopad partial block" "$CCSP" sm4 enc -mode $mode -nopad -k "$key" $ivopt -in "$T/p17" -out "$OUT/x"
done

# ---- bad command lines --------------------------------------------------------------------------
P=$T/p17
must_fail "no operation" "$CCSP" sm4 -mode cbc -k "$key" -iv "$iv" -in "$P" -out "$OUT/x"
must_fail "bad operation" "$CCSP" sm4 encrypt -mode cbc -k "$key" -iv "$iv" -in "$P" -out "$OUT/x"
must_fail "extra argument" "$CCSP" sm4 enc extra -mode cbc -k "$key" -iv "$iv" -in "$P" -out "$OUT/x"
must_fail "unknown option" "$CCSP" sm4 enc -mode cbc -k "$key" -iv "$iv" -salt -in "$P" -out "$OUT/x"
must_fail "option without value" "$CCSP" sm4 enc -mode cbc -iv "$iv" -in "$P" -out "$OUT/x" -k
must_fail_with "sm4 -wait (an sm2 option)" 2 "'-wait'" "$CCSP" sm4 enc -mode cbc -k "$key" -iv "$iv" -wait 5 -in "$P" -out "$OUT/x"
must_fail_with "sm4 -pass" 2 "'-pass'" "$CCSP" sm4 dec -mode cbc -k "$key" -iv "$iv" -pass x -in "$P" -out "$OUT/x"
must_fail "option twice" "$CCSP" sm4 enc -mode cbc -k "$key" -k "$key" -iv "$iv" -in "$P" -out "$OUT/x"
must_fail "missing mode" "$CCSP" sm4 enc -k "$key" -iv "$iv" -in "$P" -out "$OUT/x"
must_fail "unknown mode" "$CCSP" sm4 enc -mode cbc128 -k "$key" -iv "$iv" -in "$P" -out "$OUT/x"
must_fail "missing key" "$CCSP" sm4 enc -mode cbc -iv "$iv" -in "$P" -out "$OUT/x"
must_fail "short key" "$CCSP" sm4 enc -mode cbc -k "$(randhex 15)" -iv "$iv" -in "$P" -out "$OUT/x"
must_fail "long key" "$CCSP" sm4 enc -mode cbc -k "$(randhex 17)" -iv "$iv" -in "$P" -out "$OUT/x"
must_fail "odd key" "$CCSP" sm4 enc -mode cbc -k "${key}0" -iv "$iv" -in "$P" -out "$OUT/x"
must_fail "key not hex" "$CCSP" sm4 enc -mode cbc -k "zz$(randhex 15)" -iv "$iv" -in "$P" -out "$OUT/x"
must_fail "key with 0x" "$CCSP" sm4 enc -mode cbc -k "0x$(randhex 15)" -iv "$iv" -in "$P" -out "$OUT/x"
must_fail "key with space" "$CCSP" sm4 enc -mode cbc -k "$(randhex 8) $(randhex 7)0" -iv "$iv" -in "$P" -out "$OUT/x"
must_fail "empty key" "$CCSP" sm4 enc -mode cbc -k "" -iv "$iv" -in "$P" -out "$OUT/x"
for mode in cbc cfb ofb ctr gcm; do
	must_fail "$mode missing iv" "$CCSP" sm4 enc -mode $mode -k "$key" -in "$P" -out "$OUT/x"
done
must_fail "short iv" "$CCSP" sm4 enc -mode cbc -k "$key" -iv "$(randhex 8)" -in "$P" -out "$OUT/x"
must_fail "long iv" "$CCSP" sm4 enc -mode ctr -k "$key" -iv "$(randhex 17)" -in "$P" -out "$OUT/x"
must_fail "bad hex iv" "$CCSP" sm4 enc -mode ofb -k "$key" -iv "g$(randhex 15)0" -in "$P" -out "$OUT/x"
must_fail "empty gcm iv" "$CCSP" sm4 enc -mode gcm -k "$key" -iv "" -in "$P" -out "$OUT/x"
must_fail "gcm iv over 128 bytes" "$CCSP" sm4 enc -mode gcm -k "$key" -iv "$(randhex 129)" -in "$P" -out "$OUT/x"
must_fail "ecb with iv" "$CCSP" sm4 enc -mode ecb -k "$key" -iv "$iv" -in "$P" -out "$OUT/x"
must_fail "aad outside gcm" "$CCSP" sm4 enc -mode cbc -k "$key" -iv "$iv" -aad 00 -in "$P" -out "$OUT/x"
must_fail "bad hex aad" "$CCSP" sm4 enc -mode gcm -k "$key" -iv "$(randhex 12)" -aad 0g -in "$P" -out "$OUT/x"
must_fail "nopad outside ecb/cbc" "$CCSP" sm4 enc -mode ctr -nopad -k "$key" -iv "$iv" -in "$P" -out "$OUT/x"
must_fail "missing input file" "$CCSP" sm4 enc -mode cbc -k "$key" -iv "$iv" -in "$T/nonexistent" -out "$OUT/x"
must_fail "input is a directory" "$CCSP" sm4 enc -mode cbc -k "$key" -iv "$iv" -in "$T" -out "$OUT/x"
must_fail "output directory missing" "$CCSP" sm4 enc -mode cbc -k "$key" -iv "$iv" -in "$P" -out "$OUT/nodir/x"
must_fail "output is a directory" "$CCSP" sm4 enc -mode cbc -k "$key" -iv "$iv" -in "$P" -out "$OUT"
# Output into the file being read works (the output goes to a temporary file, renamed over it at the end).
cp "$T/p1000" "$T/inplace"
check "in place enc" "$CCSP" sm4 enc -mode ctr -k "$key" -iv "$iv" -in "$T/inplace" -out "$T/inplace"
check "in place dec" "$CCSP" sm4 dec -mode ctr -k "$key" -iv "$iv" -in "$T/inplace" -out "$T/inplace"
same "$T/p1000" "$T/inplace" "in place: plaintext not recovered"
check "no temporary files left in the work directory" [ -z "$(ls -A "$T" | grep '^\.')" ]

finish

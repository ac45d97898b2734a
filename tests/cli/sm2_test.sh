#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ccsp sm2 against openssl pkey/pkeyutl: keys made by each tool used by the other (PKCS#8, SEC1,
# SPKI, DER and PEM, encrypted PKCS#8), signatures verified both ways with distinguishing IDs,
# encryption both ways, the two-party key exchange, and every failure leaving nothing behind.
. "$(dirname "$0")/common.sh"

# verify_fails DESC CMD...: CMD must exit non-zero and print "Verification failure".
verify_fails() {
	desc=$1
	shift
	if "$@" >"$T/stdout" 2>"$T/stderr"; then
		fail "$desc: exit status 0"
	elif ! grep -q '^Verification failure$' "$T/stdout"; then
		fail "$desc: no 'Verification failure'"
	else
		pass
	fi
}

printf 'abc' >"$T/m_abc"
randfile "$T/m_1" 1
randfile "$T/m_big" 10000
: >"$T/m_empty"

# ---- keys ------------------------------------------------------------------------------------
check "ccsp keygen" "$CCSP" sm2 keygen -out "$T/ours.pem"
check "openssl genpkey" "$OPENSSL" genpkey -algorithm SM2 -out "$T/theirs.pem"
for k in ours theirs; do
	check "$k: ccsp pub" "$CCSP" sm2 pub -in "$T/$k.pem" -out "$T/$k.pub.ccsp"
	check "$k: openssl pkey -pubout" "$OPENSSL" pkey -in "$T/$k.pem" -pubout -out "$T/$k.pub"
	same "$T/$k.pub" "$T/$k.pub.ccsp" "$k: public key files differ"
	check "$k: ccsp pub -der" "$CCSP" sm2 pub -in "$T/$k.pem" -der -out "$T/$k.pub.der"
	check "$k: openssl reads ccsp DER public key" \
		"$OPENSSL" pkey -pubin -inform DER -in "$T/$k.pub.der" -out "$T/$k.pub.2"
	same "$T/$k.pub" "$T/$k.pub.2" "$k: DER public key differs"
done
# openssl reads our private key, and writes the same PKCS#8 back
check "openssl pkey reads ccsp key" "$OPENSSL" pkey -in "$T/ours.pem" -out "$T/ours.pem.2"
same "$T/ours.pem" "$T/ours.pem.2" "ccsp PKCS#8 differs from openssl's rewrite"
perm=$(ls -l "$T/ours.pem" | cut -c1-10)
[ "$perm" = "-rw-------" ] && pass || fail "private key file mode is $perm"
# a private key replacing a world-readable file is still private
: >"$T/public-then-private.pem"
chmod 644 "$T/public-then-private.pem"
check "keygen over a 0644 file" "$CCSP" sm2 keygen -out "$T/public-then-private.pem"
perm=$(ls -l "$T/public-then-private.pem" | cut -c1-10)
[ "$perm" = "-rw-------" ] && pass || fail "key written over a 0644 file has mode $perm"

# other encodings of their key: SEC1 ("SM2 PRIVATE KEY" from openssl ec), DER (SEC1 from pkey), PKCS#8 DER
check "openssl ec (SEC1 PEM)" "$OPENSSL" ec -in "$T/theirs.pem" -out "$T/theirs.sec1.pem" 2>/dev/null
check "openssl pkey -outform DER" "$OPENSSL" pkey -in "$T/theirs.pem" -outform DER -out "$T/theirs.der"
check "openssl pkcs8 -nocrypt DER" "$OPENSSL" pkcs8 -topk8 -nocrypt -in "$T/theirs.pem" -outform DER \
	-out "$T/theirs.p8.der"
check "openssl pkcs8 -v2 sm4-cbc" "$OPENSSL" pkcs8 -topk8 -v2 sm4-cbc -in "$T/theirs.pem" \
	-passout pass:secret -out "$T/theirs.enc.pem"
for f in theirs.sec1.pem theirs.der theirs.p8.der; do
	check "$f: ccsp pub" "$CCSP" sm2 pub -in "$T/$f" -out "$T/x.pub"
	same "$T/theirs.pub" "$T/x.pub" "$f: public key differs"
done
check "encrypted openssl key: ccsp pub" "$CCSP" sm2 pub -in "$T/theirs.enc.pem" -pass pass:secret -out "$T/x.pub"
same "$T/theirs.pub" "$T/x.pub" "encrypted openssl key: public key differs"
SECRET=secret
export SECRET
check "password from env:" "$CCSP" sm2 pub -in "$T/theirs.enc.pem" -pass env:SECRET -out "$T/x.pub"
printf 'secret\n' >"$T/passfile"
check "password from file:" "$CCSP" sm2 pub -in "$T/theirs.enc.pem" -pass "file:$T/passfile" -out "$T/x.pub"

# our encrypted keys: HMAC-SHA256 PRF for openssl, HMAC-SM3 (default) for ccsp
check "ccsp keygen -pass -prf sha256" "$CCSP" sm2 keygen -pass pass:pw -prf sha256 -iter 1000 -out "$T/enc256.pem"
check "openssl reads ccsp encrypted key" "$OPENSSL" pkey -in "$T/enc256.pem" -passin pass:pw -out "$T/enc256.plain"
check "ccsp keygen -pass (HMAC-SM3)" "$CCSP" sm2 keygen -pass pass:pw -out "$T/encsm3.pem"
check "ccsp reads HMAC-SM3 key" "$CCSP" sm2 pub -in "$T/encsm3.pem" -pass pass:pw -out "$T/encsm3.pub"
grep -q 'BEGIN ENCRYPTED PRIVATE KEY' "$T/encsm3.pem" && pass || fail "encrypted key label"
"$OPENSSL" asn1parse -in "$T/encsm3.pem" >"$T/encsm3.asn1"
"$OPENSSL" asn1parse -in "$T/enc256.pem" >"$T/enc256.asn1"
check "hmacWithSM3 without parameters (as the SM toolkits write it)" ok \
	'! grep -A1 "OBJECT *:1.2.156.10197.1.401.2" "$T/encsm3.asn1" | grep -q NULL'
check "hmacWithSHA256 keeps its NULL parameters (RFC 8018)" ok \
	'grep -A1 "OBJECT *:hmacWithSHA256" "$T/enc256.asn1" | grep -q NULL'
check "ccsp keygen -sec1 -der" "$CCSP" sm2 keygen -sec1 -der -out "$T/sec1.der"
check "openssl reads ccsp SEC1 DER" "$OPENSSL" pkey -inform DER -in "$T/sec1.der" -noout

# ---- signatures -------------------------------------------------------------------------------
for k in ours theirs; do
	for m in m_abc m_1 m_big m_empty; do
		for id in 1234567812345678 alice@example.com; do
			idopt="-id $id"
			[ "$id" = 1234567812345678 ] && idopt=
			# shellcheck disable=SC2086 # idopt is two words or none
			check "$k/$m/$id: ccsp sign" "$CCSP" sm2 sign -key "$T/$k.pem" $idopt -in "$T/$m" -out "$T/s1"
			check "$k/$m/$id: openssl verifies ccsp" "$OPENSSL" pkeyutl -verify -rawin -digest sm3 -pubin \
				-inkey "$T/$k.pub" -in "$T/$m" -sigfile "$T/s1" -pkeyopt "distid:$id" >/dev/null
			check "$k/$m/$id: openssl sign" "$OPENSSL" pkeyutl -sign -rawin -digest sm3 -inkey "$T/$k.pem" \
				-in "$T/$m" -out "$T/s2" -pkeyopt "distid:$id"
			# shellcheck disable=SC2086
			check "$k/$m/$id: ccsp verifies openssl" "$CCSP" sm2 verify -pub "$T/$k.pub" $idopt -in "$T/$m" \
				-sig "$T/s2" >"$T/stdout"
			grep -q '^Signature Verified Successfully$' "$T/stdout" && pass || fail "$k/$m/$id: success message"
		done
	done
done
"$CCSP" sm2 sign -key "$T/ours.pem" -in "$T/m_abc" -out "$T/sig"
# tampered signature, wrong message, wrong key, wrong ID, garbage signature
od -An -vtx1 "$T/sig" | tr -d ' \n' >"$T/sig.hex"
sighex=$(cat "$T/sig.hex")
last=${sighex#"${sighex%??}"}
[ "$last" = 00 ] && flip=01 || flip=00
hexfile "$T/sig.bad" "${sighex%??}$flip"
verify_fails "tampered signature" "$CCSP" sm2 verify -pub "$T/ours.pub" -in "$T/m_abc" -sig "$T/sig.bad"
verify_fails "wrong message" "$CCSP" sm2 verify -pub "$T/ours.pub" -in "$T/m_1" -sig "$T/sig"
verify_fails "wrong key" "$CCSP" sm2 verify -pub "$T/theirs.pub" -in "$T/m_abc" -sig "$T/sig"
verify_fails "wrong ID" "$CCSP" sm2 verify -pub "$T/ours.pub" -id bob -in "$T/m_abc" -sig "$T/sig"
verify_fails "not a signature" "$CCSP" sm2 verify -pub "$T/ours.pub" -in "$T/m_abc" -sig "$T/m_abc"
check "private key file as -pub" "$CCSP" sm2 verify -pub "$T/ours.pem" -in "$T/m_abc" -sig "$T/sig" >/dev/null
check "encrypted key signs" "$CCSP" sm2 sign -key "$T/encsm3.pem" -pass pass:pw -in "$T/m_abc" -out "$T/s3"
check "... and ccsp verifies it" "$CCSP" sm2 verify -pub "$T/encsm3.pub" -in "$T/m_abc" -sig "$T/s3" >/dev/null

# ---- encryption -------------------------------------------------------------------------------
for k in ours theirs; do
	for m in m_abc m_1 m_big; do
		check "$k/$m: ccsp encrypt" "$CCSP" sm2 encrypt -pub "$T/$k.pub" -in "$T/$m" -out "$T/c1"
		check "$k/$m: openssl decrypts" "$OPENSSL" pkeyutl -decrypt -inkey "$T/$k.pem" -in "$T/c1" -out "$T/d1"
		same "$T/$m" "$T/d1" "$k/$m: openssl did not recover the plaintext"
		check "$k/$m: openssl encrypt" "$OPENSSL" pkeyutl -encrypt -pubin -inkey "$T/$k.pub" -in "$T/$m" \
			-out "$T/c2"
		check "$k/$m: ccsp decrypts" "$CCSP" sm2 decrypt -key "$T/$k.pem" -in "$T/c2" -out "$T/d2"
		same "$T/$m" "$T/d2" "$k/$m: ccsp did not recover the plaintext"
	done
done

# ---- key exchange -----------------------------------------------------------------------------
"$CCSP" sm2 exchange -key "$T/ours.pem" -peer "$T/theirs.pub" -initiator -id alice -peer-id bob \
	-rout "$T/ra" -rin "$T/rb" -sout "$T/sa" -sin "$T/sb" -len 32 -wait 20 -out "$T/ka" 2>"$T/ka.err" &
pid=$!
check "exchange: responder" "$CCSP" sm2 exchange -key "$T/theirs.pem" -peer "$T/ours.pub" -responder \
	-id bob -peer-id alice -rout "$T/rb" -rin "$T/ra" -sout "$T/sb" -sin "$T/sa" -len 32 -wait 20 -out "$T/kb"
if wait "$pid"; then pass; else fail "exchange: initiator"; cat "$T/ka.err"; fi
same "$T/ka" "$T/kb" "exchange: the two keys differ"
[ "$(wc -c <"$T/ka")" -eq 65 ] && pass || fail "exchange: key is not 32 bytes of hex"
# the responder believes it talks to someone else: confirmation fails on both sides, no key written
rm -f "$T/ra" "$T/rb" "$T/sa" "$T/sb"
"$CCSP" sm2 exchange -key "$T/ours.pem" -peer "$T/theirs.pub" -initiator -rout "$T/ra" -rin "$T/rb" \
	-sout "$T/sa" -sin "$T/sb" -wait 20 -out "$OUT/ka" 2>/dev/null &
pid=$!
must_fail "exchange: wrong peer key" "$CCSP" sm2 exchange -key "$T/theirs.pem" -peer "$T/enc256.plain" \
	-responder -rout "$T/rb" -rin "$T/ra" -sout "$T/sb" -sin "$T/sa" -wait 20 -out "$OUT/kb"
if wait "$pid"; then fail "exchange: initiator accepted a wrong peer"; else pass; fi
[ -z "$(ls -A "$OUT")" ] && pass || fail "exchange: key written despite failed confirmation"
must_fail "exchange: peer never answers" "$CCSP" sm2 exchange -key "$T/ours.pem" -peer "$T/theirs.pub" \
	-initiator -rout "$T/r_lonely" -rin "$T/r_nobody" -wait 0 -out "$OUT/k"
must_fail "exchange: both roles" "$CCSP" sm2 exchange -key "$T/ours.pem" -peer "$T/theirs.pub" \
	-initiator -responder -rout "$OUT/r" -rin "$T/rb" -out "$OUT/k"

# ---- failures leave nothing behind ------------------------------------------------------------
"$CCSP" sm2 encrypt -pub "$T/ours.pub" -in "$T/m_abc" -out "$T/ct"
od -An -vtx1 "$T/ct" | tr -d ' \n' >"$T/ct.hex"
cthex=$(cat "$T/ct.hex")
hexfile "$T/ct.bad" "${cthex%??}$(printf '%02x' $(( (0x${cthex#"${cthex%??}"} + 1) % 256 )))"
must_fail "tampered ciphertext" "$CCSP" sm2 decrypt -key "$T/ours.pem" -in "$T/ct.bad" -out "$OUT/d"
must_fail "decrypt with the wrong key" "$CCSP" sm2 decrypt -key "$T/theirs.pem" -in "$T/ct" -out "$OUT/d"
must_fail "decrypt garbage" "$CCSP" sm2 decrypt -key "$T/ours.pem" -in "$T/m_big" -out "$OUT/d"
must_fail "encrypt empty file" "$CCSP" sm2 encrypt -pub "$T/ours.pub" -in "$T/m_empty" -out "$OUT/c"
must_fail "wrong password" "$CCSP" sm2 sign -key "$T/encsm3.pem" -pass pass:nope -in "$T/m_abc" -out "$OUT/s"
must_fail "missing password" "$CCSP" sm2 sign -key "$T/encsm3.pem" -in "$T/m_abc" -out "$OUT/s"
must_fail "sign with a public key" "$CCSP" sm2 sign -key "$T/ours.pub" -in "$T/m_abc" -out "$OUT/s"
must_fail "missing key file" "$CCSP" sm2 sign -key "$T/nope.pem" -in "$T/m_abc" -out "$OUT/s"
must_fail "missing input file" "$CCSP" sm2 sign -key "$T/ours.pem" -in "$T/nope" -out "$OUT/s"
must_fail "missing signature file" "$CCSP" sm2 verify -pub "$T/ours.pub" -in "$T/m_abc" -sig "$T/nope"
must_fail "key file is not a key" "$CCSP" sm2 pub -in "$T/m_big" -out "$OUT/p"
must_fail "output directory missing" "$CCSP" sm2 keygen -out "$T/no/such/dir/k.pem"
must_fail "keygen without -out" "$CCSP" sm2 keygen
must_fail "unknown subcommand" "$CCSP" sm2 frobnicate
must_fail "unknown option" "$CCSP" sm2 keygen -out "$OUT/k" -bogus
must_fail "-sec1 with -pass" "$CCSP" sm2 keygen -sec1 -pass pass:x -out "$OUT/k"
must_fail "bad -prf" "$CCSP" sm2 keygen -pass pass:x -prf md5 -out "$OUT/k"
"$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/p256.pem" 2>/dev/null
must_fail "P-256 key" "$CCSP" sm2 sign -key "$T/p256.pem" -in "$T/m_abc" -out "$OUT/s"
must_fail_with "-pass \"\"" 2 "-pass is empty" "$CCSP" sm2 keygen -pass "" -out "$OUT/k"
must_fail_with "-pass pass:" 2 "-pass is empty" "$CCSP" sm2 sign -key "$T/encsm3.pem" -pass pass: -in "$T/m_abc" \
	-out "$OUT/s"

# ---- small inputs are read no further than they can legitimately be ----------------------------
# /dev/zero (endless), a pipe of 100 MB and a sparse 2 GiB file are refused at once, naming the limit.
truncate -s 2G "$T/sparse" 2>/dev/null || dd if=/dev/zero of="$T/sparse" bs=1 count=0 seek=2G 2>/dev/null
for big in /dev/zero "$T/sparse"; do
	must_fail_with "$big as -sig" 1 "larger than the limit of 72 bytes for an SM2 signature" \
		"$CCSP" sm2 verify -pub "$T/ours.pub" -in "$T/m_abc" -sig "$big"
	must_fail_with "$big as -key" 1 "larger than the limit of 16384 bytes for an SM2 key file" \
		"$CCSP" sm2 sign -key "$big" -in "$T/m_abc" -out "$OUT/s"
	must_fail_with "$big as -pub" 1 "larger than the limit of 16384 bytes for an SM2 key file" \
		"$CCSP" sm2 encrypt -pub "$big" -in "$T/m_abc" -out "$OUT/c"
	must_fail_with "$big as -in KEY" 1 "larger than the limit of 16384 bytes for an SM2 key file" \
		"$CCSP" sm2 pub -in "$big" -out "$OUT/p"
	must_fail_with "$big as -pass file:" 1 "the password is longer than 1024 bytes" \
		"$CCSP" sm2 pub -in "$T/encsm3.pem" -pass "file:$big" -out "$OUT/p"
	must_fail_with "$big as -rin" 1 "larger than the limit of 65 bytes" "$CCSP" sm2 exchange \
		-key "$T/ours.pem" -peer "$T/theirs.pub" -initiator -rout "$T/r_big" -rin "$big" -wait 0 -out "$OUT/k"
done
must_fail_with "100 MB pipe as -sig -" 1 "larger than the limit of 72 bytes" \
	sh -c 'head -c 100000000 /dev/zero | "$1" sm2 verify -pub "$2" -in "$3" -sig -' sh "$CCSP" "$T/ours.pub" "$T/m_abc"
# exactly at the bounds: a 72-byte file is read (and refused as a signature only for what it holds);
# a 1024-byte password line is read, 1025 bytes are too long; the first line of a longer file counts
head -c 72 /dev/zero >"$T/sig72"
verify_fails "72-byte -sig is read" "$CCSP" sm2 verify -pub "$T/ours.pub" -in "$T/m_abc" -sig "$T/sig72"
grep -q "larger than" "$T/stderr" && fail "72-byte -sig: refused for its size" || pass
pw1024=$(head -c 1024 /dev/zero | tr '\0' 'p')
check "1024-byte password" "$CCSP" sm2 keygen -pass "pass:$pw1024" -prf sm3 -iter 1 -out "$T/pw1024.pem"
printf '%s\r\nsecond line\n' "$pw1024" >"$T/pw1024.txt"
check "1024-byte password line (CRLF) from file:" "$CCSP" sm2 pub -in "$T/pw1024.pem" -pass "file:$T/pw1024.txt" \
	-out "$T/pw1024.pub"
printf '%sp\n' "$pw1024" >"$T/pw1025.txt"
must_fail_with "1025-byte password line" 1 "the password is longer than 1024 bytes" \
	"$CCSP" sm2 pub -in "$T/pw1024.pem" -pass "file:$T/pw1025.txt" -out "$OUT/p"

# ---- PEM after text lines (openssl pkcs12's "Bag Attributes"), as openssl reads it ----------------
{ printf 'Bag Attributes\n    localKeyID: 01 00 00 00 \n    friendlyName: signer\n'
  printf 'Key Attributes: <No Attributes>\n'; cat "$T/ours.pem"; } >"$T/bag.pem"
check "PEM key after Bag Attributes" "$CCSP" sm2 pub -in "$T/bag.pem" -out "$T/bag.pub"
same "$T/ours.pub" "$T/bag.pub" "PEM after Bag Attributes: public key differs"
check "openssl reads the same file" "$OPENSSL" pkey -in "$T/bag.pem" -noout
if "$OPENSSL" pkcs12 -export -nocerts -inkey "$T/ours.pem" -passout pass:x -out "$T/ours.p12" 2>/dev/null &&
	"$OPENSSL" pkcs12 -in "$T/ours.p12" -nodes -passin pass:x -out "$T/p12.pem" 2>/dev/null; then
	check "openssl pkcs12 -nodes output signs" "$CCSP" sm2 sign -key "$T/p12.pem" -in "$T/m_abc" -out "$T/s_p12"
	check "... and verifies" "$CCSP" sm2 verify -pub "$T/ours.pub" -in "$T/m_abc" -sig "$T/s_p12" >/dev/null
fi
{ printf 'Bag\001Attributes\n'; cat "$T/ours.pem"; } >"$T/binary-before.pem"
must_fail_with "a binary byte before BEGIN" 1 "cannot load SM2 key" \
	"$CCSP" sm2 pub -in "$T/binary-before.pem" -out "$OUT/p"
{ head -c 5000 /dev/zero | tr '\0' 'x' | fold -w 70; cat "$T/ours.pem"; } >"$T/long-before.pem"
must_fail_with "5000 bytes of text before BEGIN" 1 "cannot load SM2 key" \
	"$CCSP" sm2 pub -in "$T/long-before.pem" -out "$OUT/p"
# ---- each subcommand takes its own options only ----
# Every option the usage lists for a subcommand is known to it (the command may still fail for want of the others),
# and an option of another subcommand is a usage error (exit 2) that names it.
opts_of() {
	case $1 in
	keygen) echo "-out -pass -prf -iter -sec1 -der" ;;
	pub) echo "-in -pass -out -der" ;;
	sign) echo "-key -pass -id -in -out" ;;
	verify) echo "-pub -id -in -sig" ;;
	encrypt) echo "-pub -in -out" ;;
	decrypt) echo "-key -pass -in -out" ;;
	exchange) echo "-key -pass -peer -initiator -responder -rout -rin -sout -sin -id -peer-id -len -wait -out" ;;
	esac
}
ALL_SM2_OPTS="-out -in -key -pub -pass -prf -iter -sig -id -peer -peer-id -rout -rin -sout -sin -len -wait -der -sec1 -initiator -responder"
for c in keygen pub sign verify encrypt decrypt exchange; do
	mine=" $(opts_of $c) "
	for o in $ALL_SM2_OPTS; do
		case $o in -der | -sec1 | -initiator | -responder) arg= ;; *) arg=$OUT/none/x ;; esac
		# shellcheck disable=SC2086 # arg is one word or none
		"$CCSP" sm2 $c $o $arg >/dev/null 2>"$T/e"
		st=$?
		case $mine in
		*" $o "*) check "sm2 $c takes $o" ok '! grep -q "unknown option" "$T/e"' ;;
		*) check "sm2 $c refuses $o (exit 2, named)" ok '[ $st -eq 2 ] && grep -q -- "unknown option '"'"'$o'"'"'" "$T/e"' ;;
		esac
	done
done
rm -rf "$OUT" && mkdir -p "$OUT"
must_fail_with "sm2 sign -wait" 2 "'-wait'" "$CCSP" sm2 sign -key "$T/ours.pem" -in "$T/m_abc" -out "$OUT/s" -wait 5
check "help" "$CCSP" sm2 help >/dev/null

finish

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ccsp cert against openssl 3: our CA, requests and certificates read by openssl x509/req and our chains
# verified by openssl verify; openssl's chains and requests read, verified and issued from by ccsp; each
# refusal (expired, untrusted CA, non-CA issuer, wrong usage, tampered) with its own message.
# OpenSSL 3.0 signs and verifies SM2 certificates with an empty signer ID unless given the GM/T 0015 default:
# -sigopt/-vfyopt distid:1234567812345678. openssl verify applies -vfyopt to the certificate verified only,
# not to intermediates (nor to a root's self-signature with -check_ss_sig): a chain with an intermediate is
# checked by openssl one link at a time (-partial_chain). tests/unit/x509_test.c checks every signature we
# write with OpenSSL's X509_verify.
. "$(dirname "$0")/common.sh"

D=distid:1234567812345678
now=$(date +%s)

# flipbyte IN OUT: OUT is IN with its last byte's low bit flipped.
flipbyte() {
	n=$(wc -c <"$1")
	head -c $((n - 1)) "$1" >"$2"
	last=$(tail -c 1 "$1" | od -An -tu1 | tr -d ' ')
	printf "\\$(printf '%03o' $((last ^ 1)))" >>"$2"
}

# ---- our CA and certificates, read and verified by openssl ----------------------------------------
check "keygen (CA)" "$CCSP" sm2 keygen -out "$T/ca.key"
check "cert ca" "$CCSP" cert ca -key "$T/ca.key" -subj "/C=CN/O=ccsp test/CN=ccsp Root" -days 3650 -out "$T/ca.pem"
check "openssl x509 -text reads our CA" ok '"$OPENSSL" x509 -in "$T/ca.pem" -noout -text >"$T/ca.txt" &&
	grep -q "Signature Algorithm: SM2-with-SM3" "$T/ca.txt" && grep -q "CA:TRUE" "$T/ca.txt" &&
	grep -q "Certificate Sign, CRL Sign" "$T/ca.txt" && grep -q "Subject: C = CN, O = ccsp test, CN = ccsp Root" "$T/ca.txt"'

for u in sign enc server client; do
	check "$u: keygen" "$CCSP" sm2 keygen -out "$T/$u.key"
	check "$u: cert req" "$CCSP" cert req -key "$T/$u.key" -subj "/O=ccsp test/CN=$u.example" -out "$T/$u.csr"
	check "$u: openssl req -verify reads our request" \
		ok '"$OPENSSL" req -in "$T/$u.csr" -noout -verify -vfyopt $D 2>&1 | grep -q "verify OK"'
	check "$u: cert issue" "$CCSP" cert issue -ca "$T/ca.pem" -cakey "$T/ca.key" -in "$T/$u.csr" -usage $u -days 30 \
		-san DNS:$u.example,IP:192.0.2.1 -out "$T/$u.pem"
	check "$u: openssl x509 -text reads it" ok '"$OPENSSL" x509 -in "$T/$u.pem" -noout -text >"$T/$u.txt" &&
		grep -q "DNS:$u.example, IP Address:192.0.2.1" "$T/$u.txt" && grep -q "Subject: O = ccsp test, CN = $u.example" "$T/$u.txt"'
	check "$u: openssl verify" ok '[ "$("$OPENSSL" verify -vfyopt $D -CAfile "$T/ca.pem" "$T/$u.pem")" = "$T/$u.pem: OK" ]'
	check "$u: ccsp cert verify" ok '[ "$("$CCSP" cert verify -CAfile "$T/ca.pem" "$T/$u.pem")" = "$T/$u.pem: OK" ]'
done
check "sign: key usage" grep -q "Digital Signature, Non Repudiation" "$T/sign.txt"
check "enc: key usage" grep -q "Key Encipherment, Data Encipherment, Key Agreement" "$T/enc.txt"
check "server: extended key usage" grep -q "TLS Web Server Authentication" "$T/server.txt"
check "client: extended key usage" grep -q "TLS Web Client Authentication" "$T/client.txt"
check "openssl verify -purpose sslserver" \
	ok '"$OPENSSL" verify -vfyopt $D -purpose sslserver -CAfile "$T/ca.pem" "$T/server.pem" >/dev/null'
check "openssl verify -purpose sslclient" \
	ok '"$OPENSSL" verify -vfyopt $D -purpose sslclient -CAfile "$T/ca.pem" "$T/client.pem" >/dev/null'
check "cert print" ok '"$CCSP" cert print -in "$T/server.pem" >"$T/print.txt" &&
	grep -q "Subject: O=ccsp test, CN=server.example" "$T/print.txt" && grep -q "DNS:server.example, IP:192.0.2.1" "$T/print.txt" &&
	grep -q "Extended Key Usage: serverAuth" "$T/print.txt"'
check "cert print (request)" ok '"$CCSP" cert print -in "$T/sign.csr" | grep -q "Signature: ok"'

# an intermediate CA: openssl and ccsp follow the chain through it
check "keygen (intermediate)" "$CCSP" sm2 keygen -out "$T/mid.key"
check "intermediate: req" "$CCSP" cert req -key "$T/mid.key" -subj "/CN=ccsp Intermediate" -out "$T/mid.csr"
check "intermediate: issue" "$CCSP" cert issue -ca "$T/ca.pem" -cakey "$T/ca.key" -in "$T/mid.csr" -usage ca -pathlen 0 \
	-days 365 -out "$T/mid.pem"
check "leaf under the intermediate" "$CCSP" cert issue -ca "$T/mid.pem" -cakey "$T/mid.key" -in "$T/sign.csr" \
	-usage sign -days 10 -out "$T/leaf2.pem"
check "openssl verify: the intermediate" ok '"$OPENSSL" verify -vfyopt $D -CAfile "$T/ca.pem" "$T/mid.pem" >/dev/null'
check "openssl verify: the leaf under it" \
	ok '"$OPENSSL" verify -vfyopt $D -partial_chain -CAfile "$T/mid.pem" "$T/leaf2.pem" >/dev/null'
check "ccsp cert verify -untrusted" ok '"$CCSP" cert verify -CAfile "$T/ca.pem" -untrusted "$T/mid.pem" "$T/leaf2.pem" >/dev/null'
check "ccsp cert verify with a CA bundle" ok 'cat "$T/mid.pem" "$T/ca.pem" >"$T/bundle.pem" &&
	"$CCSP" cert verify -CAfile "$T/bundle.pem" "$T/leaf2.pem" >/dev/null'

# ---- openssl's chain, read and verified by ccsp ----------------------------------------------------
check "openssl genpkey (CA)" "$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 -out "$T/oca.key"
check "openssl genpkey (leaf)" "$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 -out "$T/oleaf.key"
check "openssl req -x509" "$OPENSSL" req -x509 -new -key "$T/oca.key" -sm3 -sigopt $D -subj "/O=openssl/CN=openssl Root" \
	-days 30 -out "$T/oca.pem"
printf 'keyUsage=critical,keyEncipherment,keyAgreement\nsubjectAltName=DNS:o.example,IP:10.1.2.3\nbasicConstraints=CA:FALSE\n' \
	>"$T/oleaf.ext"
check "openssl req" "$OPENSSL" req -new -key "$T/oleaf.key" -sm3 -sigopt $D -subj "/C=CN/CN=openssl leaf" -out "$T/oleaf.csr"
check "openssl x509 -req" "$OPENSSL" x509 -req -in "$T/oleaf.csr" -CA "$T/oca.pem" -CAkey "$T/oca.key" -sm3 -sigopt $D \
	-vfyopt $D -days 10 -extfile "$T/oleaf.ext" -out "$T/oleaf.pem" 2>/dev/null
check "openssl x509 -req (outlives its CA)" "$OPENSSL" x509 -req -in "$T/oleaf.csr" -CA "$T/oca.pem" -CAkey "$T/oca.key" \
	-sm3 -sigopt $D -vfyopt $D -days 60 -out "$T/olong.pem" 2>/dev/null
check "ccsp verifies openssl's chain" ok '"$CCSP" cert verify -CAfile "$T/oca.pem" -purpose enc "$T/oleaf.pem" >/dev/null'
check "ccsp prints openssl's certificate" ok '"$CCSP" cert print -in "$T/oleaf.pem" >"$T/oprint.txt" &&
	grep -q "Subject: C=CN, CN=openssl leaf" "$T/oprint.txt" && grep -q "DNS:o.example, IP:10.1.2.3" "$T/oprint.txt" &&
	grep -q "Key Usage: Key Encipherment, Key Agreement" "$T/oprint.txt"'
check "ccsp issues from openssl's request" "$CCSP" cert issue -ca "$T/ca.pem" -cakey "$T/ca.key" -in "$T/oleaf.csr" \
	-usage enc -days 5 -out "$T/from_openssl_csr.pem"
check "openssl verifies it" \
	ok '"$OPENSSL" verify -vfyopt $D -CAfile "$T/ca.pem" "$T/from_openssl_csr.pem" >/dev/null'
# openssl's own default (empty ID): refused as a bad signature, accepted with -id ''
check "openssl x509 -req (empty ID)" "$OPENSSL" x509 -req -in "$T/oleaf.csr" -CA "$T/oca.pem" -CAkey "$T/oca.key" -sm3 \
	-vfyopt $D -days 10 -out "$T/oleaf_noid.pem" 2>/dev/null
must_fail_with "empty-ID signature" 1 "certificate signature does not verify" \
	"$CCSP" cert verify -CAfile "$T/oca.pem" "$T/oleaf_noid.pem"
check "empty-ID signature with -id ''" ok '"$CCSP" cert verify -id "" -CAfile "$T/oca.pem" "$T/oleaf_noid.pem" >/dev/null'

# ---- refusals --------------------------------------------------------------------------------------
must_fail_with "expired" 1 "verification failed at depth 0: certificate has expired" \
	"$CCSP" cert verify -CAfile "$T/ca.pem" -attime $((now + 40 * 86400)) "$T/sign.pem"
must_fail_with "not yet valid" 1 "certificate is not yet valid" \
	"$CCSP" cert verify -CAfile "$T/ca.pem" -attime $((now - 86400)) "$T/sign.pem"
must_fail_with "expired CA" 1 "verification failed at depth 1: certificate has expired" \
	"$CCSP" cert verify -CAfile "$T/oca.pem" -attime $((now + 35 * 86400)) "$T/olong.pem"
must_fail_with "untrusted CA" 1 "unable to find a trusted issuer certificate" \
	"$CCSP" cert verify -CAfile "$T/oca.pem" "$T/sign.pem"
must_fail_with "intermediate missing" 1 "unable to find a trusted issuer certificate" \
	"$CCSP" cert verify -CAfile "$T/ca.pem" "$T/leaf2.pem"
must_fail_with "ccsp issues under CA certificates only" 1 "is not a CA certificate" "$CCSP" cert issue -ca "$T/sign.pem" \
	-cakey "$T/sign.key" -in "$T/enc.csr" -usage enc -days 5 -out "$OUT/x.pem"
check "openssl issues under a leaf" "$OPENSSL" x509 -req -in "$T/enc.csr" -CA "$T/sign.pem" -CAkey "$T/sign.key" -sm3 \
	-sigopt $D -vfyopt $D -days 5 -out "$T/under_leaf.pem" 2>/dev/null
must_fail_with "non-CA issuer" 1 "verification failed at depth 1: issuer is not a CA" \
	"$CCSP" cert verify -CAfile "$T/ca.pem" -untrusted "$T/sign.pem" "$T/under_leaf.pem"
check "openssl refuses it too" ok '! "$OPENSSL" verify -vfyopt $D -CAfile "$T/ca.pem" -untrusted "$T/sign.pem" \
	"$T/under_leaf.pem" >/dev/null 2>&1'
must_fail_with "pathlen" 1 "path length constraint exceeded" \
	ok '"$CCSP" sm2 keygen -out "$T/mid2.key" && "$CCSP" cert req -key "$T/mid2.key" -subj "/CN=ccsp Sub-CA" -out "$T/mid2.csr" &&
	"$CCSP" cert issue -ca "$T/mid.pem" -cakey "$T/mid.key" -in "$T/mid2.csr" -usage ca -days 5 -out "$T/mid2.pem" &&
	"$CCSP" cert issue -ca "$T/mid2.pem" -cakey "$T/mid2.key" -in "$T/enc.csr" -usage enc -days 5 -out "$T/leaf3.pem" &&
	cat "$T/mid.pem" "$T/mid2.pem" >"$T/mids.pem" &&
	"$CCSP" cert verify -CAfile "$T/ca.pem" -untrusted "$T/mids.pem" "$T/leaf3.pem"'
must_fail_with "signing cert used for encryption" 1 "certificate key usage does not allow this purpose" \
	"$CCSP" cert verify -CAfile "$T/ca.pem" -purpose enc "$T/sign.pem"
must_fail_with "encryption cert used for signing" 1 "certificate key usage does not allow this purpose" \
	"$CCSP" cert verify -CAfile "$T/ca.pem" -purpose sign "$T/enc.pem"
check "tampered certificate" ok '"$OPENSSL" x509 -in "$T/sign.pem" -outform DER -out "$T/sign.der" &&
	flipbyte "$T/sign.der" "$T/tampered.der"'
must_fail_with "tampered signature" 1 "certificate signature does not verify" \
	"$CCSP" cert verify -CAfile "$T/ca.pem" "$T/tampered.der"
check "tampered request" ok '"$OPENSSL" req -in "$T/enc.csr" -outform DER -out "$T/enc.csr.der" &&
	flipbyte "$T/enc.csr.der" "$T/tampered.csr.der"'
must_fail_with "issue from a tampered request" 1 "the request's signature does not verify" \
	"$CCSP" cert issue -ca "$T/ca.pem" -cakey "$T/ca.key" -in "$T/tampered.csr.der" -usage enc -days 5 -out "$OUT/x.pem"
must_fail_with "wrong CA key" 1 "is not the key of the CA certificate" \
	"$CCSP" cert issue -ca "$T/ca.pem" -cakey "$T/sign.key" -in "$T/enc.csr" -usage enc -days 5 -out "$OUT/x.pem"
must_fail_with "truncated certificate" 1 "is not an SM2 certificate ccsp reads" \
	ok 'head -c 200 "$T/sign.der" >"$T/short.der" && "$CCSP" cert print -in "$T/short.der"'
must_fail_with "a key is not a certificate" 1 "no certificate in the file" "$CCSP" cert print -in "$T/ca.key"
check "openssl x509 -req with a P-256 CA" ok '"$OPENSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$T/p256.key" -subj /CN=p256 -days 2 -out "$T/p256.pem" 2>/dev/null'
must_fail_with "a P-256 certificate" 1 "not supported" "$CCSP" cert print -in "$T/p256.pem"

# ---- command line ----------------------------------------------------------------------------------
must_fail_with "no -subj" 2 "-subj is required" "$CCSP" cert ca -key "$T/ca.key" -days 1 -out "$OUT/x.pem"
must_fail_with "no -days" 2 "-days is required" "$CCSP" cert ca -key "$T/ca.key" -subj /CN=x -out "$OUT/x.pem"
must_fail_with "bad -days" 2 "-days must be a number" "$CCSP" cert ca -key "$T/ca.key" -subj /CN=x -days 0 -out "$OUT/x.pem"
must_fail_with "bad -subj" 2 "not a name" "$CCSP" cert req -key "$T/ca.key" -subj "CN=x" -out "$OUT/x.pem"
must_fail_with "unknown attribute" 2 "not a name" "$CCSP" cert req -key "$T/ca.key" -subj "/XX=x" -out "$OUT/x.pem"
must_fail_with "bad -usage" 2 "-usage must be" "$CCSP" cert issue -ca "$T/ca.pem" -cakey "$T/ca.key" -in "$T/enc.csr" \
	-usage both -days 5 -out "$OUT/x.pem"
must_fail_with "bad -san" 2 "-san: 'IP:1.2.3' is not" "$CCSP" cert issue -ca "$T/ca.pem" -cakey "$T/ca.key" \
	-in "$T/enc.csr" -usage enc -days 5 -san IP:1.2.3 -out "$OUT/x.pem"
must_fail_with "-pathlen without -usage ca" 2 "-pathlen goes with -usage ca" "$CCSP" cert issue -ca "$T/ca.pem" \
	-cakey "$T/ca.key" -in "$T/enc.csr" -usage enc -pathlen 1 -days 5 -out "$OUT/x.pem"
must_fail_with "no -CAfile" 2 "-CAfile is required" "$CCSP" cert verify "$T/sign.pem"
must_fail_with "nothing to verify" 2 "give the certificate" "$CCSP" cert verify -CAfile "$T/ca.pem"
must_fail_with "bad -purpose" 2 "-purpose must be" "$CCSP" cert verify -CAfile "$T/ca.pem" -purpose any "$T/sign.pem"
must_fail_with "unknown command" 2 "unknown command" "$CCSP" cert sign -in "$T/sign.pem"
must_fail_with "unknown option" 2 "unknown option" "$CCSP" cert print -in "$T/sign.pem" -text
must_fail_with "public key as CA key" 1 "not a private key" ok '"$CCSP" sm2 pub -in "$T/ca.key" -out "$T/ca.pub" &&
	"$CCSP" cert ca -key "$T/ca.pub" -subj /CN=x -days 1 -out "$OUT/x.pem"'
# Each subcommand takes its own options only: those its usage lists are known to it, any other one is a usage
# error (exit 2) naming it.
ALL_CERT_OPTS="-key -subj -days -out -ca -cakey -in -usage -san -pathlen -CAfile -untrusted -purpose -attime -id"
for c in ca req issue verify; do
	case $c in
	ca) mine=" -key -subj -days -pathlen -out " ;;
	req) mine=" -key -subj -out " ;;
	issue) mine=" -ca -cakey -in -usage -days -san -pathlen -out " ;;
	verify) mine=" -CAfile -untrusted -purpose -attime -id " ;;
	esac
	for o in $ALL_CERT_OPTS; do
		"$CCSP" cert $c $o "$OUT/none/x" >/dev/null 2>"$T/e"
		st=$?
		case $mine in
		*" $o "*) check "cert $c takes $o" ok '! grep -q "unknown option" "$T/e"' ;;
		*) check "cert $c refuses $o (exit 2, named)" ok '[ $st -eq 2 ] && grep -q -- "unknown option '"'"'$o'"'"'" "$T/e"' ;;
		esac
	done
done
rm -rf "$OUT" && mkdir -p "$OUT"
must_fail_with "cert req -days" 2 "'-days'" "$CCSP" cert req -key "$T/ca.key" -subj /CN=x -days 1 -out "$OUT/x.pem"
check "help" ok '"$CCSP" cert help | grep -q "usage: ccsp cert"'

finish

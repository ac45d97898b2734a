/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict DER reader/writer, PEM, SM2Signature and SM2Cipher codecs, and the SHA-256 used by PBES2.
 * OpenSSL's own ASN.1 encoder (i2d_*), PEM writer and SHA-256 are the independent oracles.
 */
#include <string.h>

#include <ccsp/sm2_asn1.h>

#include "der/der.h"
#include "der/pem.h"
#include "pbe/pbes2.h"
#include "sha256/sha256.h"
#include "test_util.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/sha.h>

/* ---- OpenSSL-built encodings ---- */

static ASN1_TYPE *ossl_int(const uint8_t *mag, size_t n)
{
	BIGNUM *b = BN_bin2bn(mag, (int)n, NULL);
	ASN1_TYPE *t = ASN1_TYPE_new();
	assert_non_null(b);
	assert_non_null(t);
	ASN1_TYPE_set(t, V_ASN1_INTEGER, BN_to_ASN1_INTEGER(b, NULL));
	BN_free(b);
	return t;
}

static ASN1_TYPE *ossl_oct(const uint8_t *p, size_t n)
{
	ASN1_OCTET_STRING *o = ASN1_OCTET_STRING_new();
	ASN1_TYPE *t = ASN1_TYPE_new();
	assert_true(ASN1_OCTET_STRING_set(o, p, (int)n));
	ASN1_TYPE_set(t, V_ASN1_OCTET_STRING, o);
	return t;
}

/* i2d of SEQUENCE { items } ; frees the items. */
static size_t ossl_seq(uint8_t *out, size_t cap, ASN1_TYPE **items, int n)
{
	STACK_OF(ASN1_TYPE) *sk = sk_ASN1_TYPE_new_null();
	for (int i = 0; i < n; i++)
		sk_ASN1_TYPE_push(sk, items[i]);
	unsigned char *p = NULL;
	int len = i2d_ASN1_SEQUENCE_ANY(sk, &p);
	assert_true(len > 0 && (size_t)len <= cap);
	memcpy(out, p, (size_t)len);
	OPENSSL_free(p);
	sk_ASN1_TYPE_pop_free(sk, ASN1_TYPE_free);
	return (size_t)len;
}

/* A big-endian value with a random count of leading zero bytes, to hit every INTEGER length. */
static void rand_value(uint8_t *v, size_t n)
{
	test_rand(v, n);
	size_t zeros = test_rand_below(4) == 0 ? test_rand_below(n + 1) : 0;
	memset(v, 0, zeros);
	if (test_rand_below(4) == 0 && zeros < n)
		v[zeros] |= 0x80;
}

/* ---- DER reader ---- */

static ccsp_err read_one(const char *hex, uint8_t tag)
{
	uint8_t b[64];
	size_t n = hex2bin(hex, b, sizeof b);
	ccsp_der_reader r, c;
	ccsp_der_reader_init(&r, b, n);
	ccsp_err e = ccsp_der_read_tlv(&r, tag, &c);
	if (e == CCSP_OK)
		e = ccsp_der_finish(&r);
	return e;
}

static void test_der_lengths(void **state)
{
	(void)state;
	uint8_t long_ok[300] = {0x04, 0x82, 0x01, 0x00};
	ccsp_der_reader r, c;
	ccsp_der_reader_init(&r, long_ok, 4 + 256);
	assert_ok(ccsp_der_read_tlv(&r, CCSP_DER_OCTET_STRING, &c));
	assert_int_equal(c.len, 256);
	assert_ok(read_one("0400", CCSP_DER_OCTET_STRING));
	assert_ok(read_one("04020102", CCSP_DER_OCTET_STRING));
	assert_ccsp(CCSP_ERR_DECODE, read_one("04020102", CCSP_DER_INTEGER));       /* wrong tag */
	assert_ccsp(CCSP_ERR_DECODE, read_one("0480", CCSP_DER_OCTET_STRING));      /* indefinite */
	assert_ccsp(CCSP_ERR_DECODE, read_one("3080", CCSP_DER_SEQUENCE));          /* indefinite */
	assert_ccsp(CCSP_ERR_DECODE, read_one("04810102", CCSP_DER_OCTET_STRING));  /* long form < 128 */
	assert_ccsp(CCSP_ERR_DECODE, read_one("0482000102", CCSP_DER_OCTET_STRING)); /* leading zero */
	assert_ccsp(CCSP_ERR_DECODE, read_one("04ff", CCSP_DER_OCTET_STRING));      /* reserved */
	assert_ccsp(CCSP_ERR_DECODE, read_one("0489010000000000000001", CCSP_DER_OCTET_STRING)); /* 9 bytes */
	assert_ccsp(CCSP_ERR_DECODE, read_one("04030102", CCSP_DER_OCTET_STRING));  /* runs past the end */
	assert_ccsp(CCSP_ERR_DECODE, read_one("0401010203", CCSP_DER_OCTET_STRING)); /* trailing */
	assert_ccsp(CCSP_ERR_DECODE, read_one("1f0100", 0x1f));                     /* high tag number */
	assert_ccsp(CCSP_ERR_DECODE, read_one("04", CCSP_DER_OCTET_STRING));
	assert_ccsp(CCSP_ERR_DECODE, read_one("", CCSP_DER_OCTET_STRING));
	/* Every truncation of a long-form TLV fails and leaves the cursor alone. */
	for (size_t n = 0; n < 4 + 256; n++) {
		ccsp_der_reader_init(&r, long_ok, n);
		assert_ccsp(CCSP_ERR_DECODE, ccsp_der_read_tlv(&r, CCSP_DER_OCTET_STRING, &c));
		assert_int_equal(r.pos, 0);
	}
}

static ccsp_err read_int_hex(const char *hex, uint8_t out[4])
{
	uint8_t b[16];
	size_t n = hex2bin(hex, b, sizeof b);
	ccsp_der_reader r;
	ccsp_der_reader_init(&r, b, n);
	ccsp_err e = ccsp_der_read_uint_fixed(&r, out, 4);
	if (e == CCSP_OK)
		e = ccsp_der_finish(&r);
	else
		assert_int_equal(r.pos, 0);
	return e;
}

static void test_der_integers(void **state)
{
	(void)state;
	uint8_t v[4];
	assert_ok(read_int_hex("020100", v));
	assert_hex_equal("00000000", v, 4);
	assert_ok(read_int_hex("02020080", v));
	assert_hex_equal("00000080", v, 4);
	assert_ok(read_int_hex("02050080000001", v));
	assert_hex_equal("80000001", v, 4);
	assert_ok(read_int_hex("02047fffffff", v));
	assert_ccsp(CCSP_ERR_DECODE, read_int_hex("0200", v));           /* empty */
	assert_ccsp(CCSP_ERR_DECODE, read_int_hex("020180", v));         /* negative */
	assert_ccsp(CCSP_ERR_DECODE, read_int_hex("0202ff80", v));       /* negative */
	assert_ccsp(CCSP_ERR_DECODE, read_int_hex("02020001", v));       /* non-minimal */
	assert_ccsp(CCSP_ERR_DECODE, read_int_hex("0203000080", v));     /* non-minimal */
	assert_ccsp(CCSP_ERR_DECODE, read_int_hex("02050100000000", v)); /* too big */

	ccsp_der_reader r;
	uint8_t bits[] = {0x03, 0x03, 0x00, 0xab, 0xcd, 0x03, 0x02, 0x01, 0x80, 0x05, 0x00, 0x05, 0x01, 0x00};
	const uint8_t *p;
	size_t n;
	ccsp_der_reader_init(&r, bits, sizeof bits);
	assert_ok(ccsp_der_read_bits(&r, CCSP_DER_BIT_STRING, &p, &n));
	assert_int_equal(n, 2);
	assert_ccsp(CCSP_ERR_DECODE, ccsp_der_read_bits(&r, CCSP_DER_BIT_STRING, &p, &n)); /* unused bits */
	assert_int_equal(r.pos, 5);
	r.pos = 9;
	assert_ok(ccsp_der_read_null(&r));
	assert_ccsp(CCSP_ERR_DECODE, ccsp_der_read_null(&r)); /* NULL with content */
}

/* The writer against OpenSSL's encoder, for INTEGERs and OCTET STRINGs of every size class. */
static void test_der_writer_vs_openssl(void **state)
{
	(void)state;
	static uint8_t val[70000], ours[140300], theirs[140300];
	test_rand_seed(1);
	const size_t sizes[] = {0, 1, 2, 31, 32, 33, 127, 128, 129, 255, 256, 257, 65535, 65536, 65537};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t n = sizes[i], len, need;
		rand_value(val, n);
		ASN1_TYPE *items[2] = {ossl_int(val, n), ossl_oct(val, n)};
		size_t tlen = ossl_seq(theirs, sizeof theirs, items, 2);

		ccsp_der_writer w;
		ccsp_der_writer_init(&w, NULL, 0);
		ccsp_der_put_tlv(&w, CCSP_DER_OCTET_STRING, val, n);
		ccsp_der_put_uint(&w, val, n);
		ccsp_der_put_header(&w, CCSP_DER_SEQUENCE, w.len);
		assert_ccsp(CCSP_ERR_BUFFER_TOO_SMALL, ccsp_der_writer_finish(&w, &need));
		assert_int_equal(need, tlen);

		ccsp_der_writer_init(&w, ours, need);
		ccsp_der_put_tlv(&w, CCSP_DER_OCTET_STRING, val, n);
		ccsp_der_put_uint(&w, val, n);
		ccsp_der_put_header(&w, CCSP_DER_SEQUENCE, w.len);
		assert_ok(ccsp_der_writer_finish(&w, &len));
		assert_int_equal(len, tlen);
		assert_memory_equal(ours, theirs, tlen);

		/* and the reader gets the same value back */
		ccsp_der_reader r, s;
		const uint8_t *mag, *oct;
		size_t maglen, octlen;
		ccsp_der_reader_init(&r, ours, len);
		assert_ok(ccsp_der_read_tlv(&r, CCSP_DER_SEQUENCE, &s));
		assert_ok(ccsp_der_read_uint(&s, &mag, &maglen));
		assert_ok(ccsp_der_read_value(&s, CCSP_DER_OCTET_STRING, &oct, &octlen));
		assert_ok(ccsp_der_finish(&s));
		assert_int_equal(octlen, n);
		size_t z = 0;
		while (z < n && val[z] == 0)
			z++;
		assert_int_equal(maglen, n - z);
		assert_memory_equal(mag, val + z, maglen);
	}
}

/* ---- PEM ---- */

static void test_pem_vs_openssl(void **state)
{
	(void)state;
	uint8_t der[600], pem[1000], back[600];
	char label[CCSP_PEM_LABEL_MAX + 1];
	test_rand_seed(2);
	for (size_t n = 1; n < 600; n += 1 + n / 8) {
		test_rand(der, n);
		BIO *b = BIO_new(BIO_s_mem());
		assert_true(PEM_write_bio(b, "PRIVATE KEY", "", der, (long)n));
		char *theirs;
		long tlen = BIO_get_mem_data(b, &theirs);
		size_t len, need;
		assert_ccsp(CCSP_ERR_BUFFER_TOO_SMALL, ccsp_pem_encode("PRIVATE KEY", der, n, pem, 10, &need));
		assert_ok(ccsp_pem_encode("PRIVATE KEY", der, n, pem, sizeof pem, &len));
		assert_int_equal(need, len);
		assert_int_equal(len, (size_t)tlen);
		assert_memory_equal(pem, theirs, len);
		assert_ok(ccsp_pem_decode((const uint8_t *)theirs, (size_t)tlen, label, sizeof label, back, sizeof back,
		                          &len));
		assert_string_equal(label, "PRIVATE KEY");
		assert_int_equal(len, n);
		assert_memory_equal(back, der, n);
		BIO_free(b);
	}
}

static ccsp_err pem_dec(const char *text, uint8_t *out, size_t *len)
{
	char label[CCSP_PEM_LABEL_MAX + 1];
	return ccsp_pem_decode((const uint8_t *)text, strlen(text), label, sizeof label, out, 64, len);
}

static void test_pem_strict(void **state)
{
	(void)state;
	uint8_t out[64];
	size_t len;
	assert_ok(pem_dec("junk before\n-----BEGIN X-----\nAAEC\n-----END X-----\ntrailer", out, &len));
	assert_int_equal(len, 3);
	assert_hex_equal("000102", out, 3);
	assert_ok(pem_dec("-----BEGIN A B-----\r\n AAE=\r\n\t-----END A B-----\r\n", out, &len));
	assert_hex_equal("0001", out, 2);
	assert_ok(pem_dec("-----BEGIN X-----\nAA==\n-----END X-----", out, &len));
	assert_int_equal(len, 1);
	assert_ccsp(CCSP_ERR_DECODE, pem_dec("-----BEGIN X-----\nAAE\n-----END X-----\n", out, &len));   /* no pad */
	assert_ccsp(CCSP_ERR_DECODE, pem_dec("-----BEGIN X-----\nAAF=\n-----END X-----\n", out, &len));  /* bits */
	assert_ccsp(CCSP_ERR_DECODE, pem_dec("-----BEGIN X-----\nAB==\n-----END X-----\n", out, &len));  /* bits */
	assert_ccsp(CCSP_ERR_DECODE, pem_dec("-----BEGIN X-----\nA===\n-----END X-----\n", out, &len));
	assert_ccsp(CCSP_ERR_DECODE, pem_dec("-----BEGIN X-----\nAA=A\n-----END X-----\n", out, &len));
	assert_ccsp(CCSP_ERR_DECODE, pem_dec("-----BEGIN X-----\nAA*C\n-----END X-----\n", out, &len));
	assert_ccsp(CCSP_ERR_DECODE, pem_dec("-----BEGIN X-----\nAAEC\n-----END Y-----\n", out, &len));
	assert_ccsp(CCSP_ERR_DECODE, pem_dec("-----BEGIN X-----\nAAEC\n", out, &len));
	assert_ccsp(CCSP_ERR_DECODE, pem_dec("-----BEGIN X-----\n\n-----END X-----\n", out, &len));
	assert_ccsp(CCSP_ERR_DECODE, pem_dec("-----BEGIN X-----\nAAEC-----END X-----\n", out, &len));
	assert_ccsp(CCSP_ERR_DECODE, pem_dec("no pem here", out, &len));
	assert_ccsp(CCSP_ERR_UNSUPPORTED,
	            pem_dec("-----BEGIN X-----\nProc-Type: 4,ENCRYPTED\n\nAAEC\n-----END X-----\n", out, &len));
	/* Every truncation of a valid block fails. */
	const char *ok = "-----BEGIN X-----\nAAEC\n-----END X-----\n";
	char label[CCSP_PEM_LABEL_MAX + 1];
	for (size_t n = 0; n + 1 < strlen(ok); n++)
		assert_ccsp(CCSP_ERR_DECODE,
		            ccsp_pem_decode((const uint8_t *)ok, n, label, sizeof label, out, sizeof out, &len));
	assert_ccsp(CCSP_ERR_BUFFER_TOO_SMALL,
	            ccsp_pem_decode((const uint8_t *)ok, strlen(ok), label, sizeof label, out, 2, &len));
	assert_int_equal(len, 3);
	assert_true(ccsp_pem_detect((const uint8_t *)"\n\n-----BEGIN X-----", 19));
	assert_false(ccsp_pem_detect((const uint8_t *)"\n  -----BEGIN X-----", 20)); /* openssl: line start */
	assert_false(ccsp_pem_detect((const uint8_t *)"0\x82", 2));
}

/* Text before the block (RFC 7468 clause 2; openssl pkcs12's "Bag Attributes"): whole lines of text, at
 * most CCSP_PEM_PREAMBLE_MAX bytes; binary bytes or a longer preamble is not PEM. */
static void test_pem_preamble(void **state)
{
	(void)state;
	static const char block[] = "-----BEGIN X-----\nAAEC\n-----END X-----\n";
	static const char bag[] = "Bag Attributes\n"
	                          "    localKeyID: 01 00 00 00 \r\n"
	                          "    friendlyName: caf\xc3\xa9\t\n"
	                          "Key Attributes: <No Attributes>\n";
	char text[CCSP_PEM_PREAMBLE_MAX + sizeof block + 2];
	uint8_t out[64];
	size_t len;
	snprintf(text, sizeof text, "%s%s", bag, block);
	assert_true(ccsp_pem_detect((const uint8_t *)text, strlen(text)));
	assert_ok(pem_dec(text, out, &len));
	assert_hex_equal("000102", out, 3);
	/* Exactly CCSP_PEM_PREAMBLE_MAX bytes of lines before BEGIN, then one more. */
	for (size_t extra = 0; extra <= 1; extra++) {
		size_t pre = CCSP_PEM_PREAMBLE_MAX + extra;
		memset(text, 'a', pre);
		for (size_t i = 79; i < pre; i += 80)
			text[i] = '\n';
		text[pre - 1] = '\n';
		memcpy(text + pre, block, sizeof block);
		assert_int_equal(ccsp_pem_detect((const uint8_t *)text, strlen(text)), extra == 0);
		assert_ccsp(extra == 0 ? CCSP_OK : CCSP_ERR_DECODE, pem_dec(text, out, &len));
	}
	/* Not whole lines of text: binary bytes, a control character, DER, BEGIN inside a line. */
	static const char *const refused[] = {
		"Bag\x01Attributes\n-----BEGIN X-----\nAAEC\n-----END X-----\n",
		"\x7f\n-----BEGIN X-----\nAAEC\n-----END X-----\n",
		"0\x82\x01\n-----BEGIN X-----\nAAEC\n-----END X-----\n",
		"text -----BEGIN X-----\nAAEC\n-----END X-----\n",
		"Bag Attributes\n",
		"Bag Attributes",
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		assert_false(ccsp_pem_detect((const uint8_t *)refused[i], strlen(refused[i])));
		assert_ccsp(CCSP_ERR_DECODE, pem_dec(refused[i], out, &len));
	}
}

/* ---- SM2Signature ---- */

static size_t ossl_sig(const uint8_t sig[64], uint8_t *out)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	assert_true(ECDSA_SIG_set0(s, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL)));
	unsigned char *p = out;
	int n = i2d_ECDSA_SIG(s, &p);
	ECDSA_SIG_free(s);
	assert_true(n > 0);
	return (size_t)n;
}

static void test_signature_der_vs_openssl(void **state)
{
	(void)state;
	uint8_t sig[64], back[64], ours[CCSP_SM2_SIGNATURE_DER_MAX], theirs[80];
	test_rand_seed(3);
	for (int i = 0; i < 2000; i++) {
		rand_value(sig, 32);
		rand_value(sig + 32, 32);
		sig[31] |= 1; /* never zero */
		sig[63] |= 1;
		size_t len, tlen = ossl_sig(sig, theirs);
		assert_ok(ccsp_sm2_signature_to_der(sig, ours, sizeof ours, &len));
		assert_int_equal(len, tlen);
		assert_memory_equal(ours, theirs, len);
		assert_ok(ccsp_sm2_signature_from_der(theirs, tlen, back));
		assert_memory_equal(back, sig, 64);
		/* truncated at every length, and trailing bytes */
		for (size_t n = 0; n < tlen; n++)
			assert_ccsp(CCSP_ERR_DECODE, ccsp_sm2_signature_from_der(theirs, n, back));
		theirs[tlen] = 0;
		assert_ccsp(CCSP_ERR_DECODE, ccsp_sm2_signature_from_der(theirs, tlen + 1, back));
	}
	memset(sig, 0xff, sizeof sig);
	size_t len;
	assert_ccsp(CCSP_ERR_BUFFER_TOO_SMALL, ccsp_sm2_signature_to_der(sig, ours, 71, &len));
	assert_int_equal(len, CCSP_SM2_SIGNATURE_DER_MAX);
	assert_ok(ccsp_sm2_signature_to_der(sig, ours, sizeof ours, &len));
	assert_int_equal(len, CCSP_SM2_SIGNATURE_DER_MAX);
}

static ccsp_err sig_hex(const char *hex)
{
	uint8_t der[128], sig[64];
	size_t n = hex2bin(hex, der, sizeof der);
	return ccsp_sm2_signature_from_der(der, n, sig);
}

static void test_signature_der_rejects(void **state)
{
	(void)state;
	assert_ok(sig_hex("3006020101020101"));
	assert_ccsp(CCSP_ERR_DECODE, sig_hex("3006020100020101"));       /* r = 0 */
	assert_ccsp(CCSP_ERR_DECODE, sig_hex("3006020101020100"));       /* s = 0 */
	assert_ccsp(CCSP_ERR_DECODE, sig_hex("30060201ff020101"));       /* negative */
	assert_ccsp(CCSP_ERR_DECODE, sig_hex("300702020001020101"));     /* non-minimal */
	assert_ccsp(CCSP_ERR_DECODE, sig_hex("3003020101"));             /* one INTEGER */
	assert_ccsp(CCSP_ERR_DECODE, sig_hex("3009020101020101020101")); /* three */
	assert_ccsp(CCSP_ERR_DECODE, sig_hex("3106020101020101"));       /* SET */
	assert_ccsp(CCSP_ERR_DECODE, sig_hex("308006020101020101"));     /* BER lengths */
	assert_ccsp(CCSP_ERR_DECODE, sig_hex("308106020101020101"));
	/* A 33-byte magnitude is out of range; 32 bytes behind a sign byte are fine. */
	uint8_t der[80] = {0x30, 0x26, 0x02, 0x21};
	memset(der + 4, 0x01, 33);
	memcpy(der + 37, (const uint8_t[]){0x02, 0x01, 0x01}, 3);
	uint8_t out[64];
	assert_ccsp(CCSP_ERR_DECODE, ccsp_sm2_signature_from_der(der, 40, out));
	der[4] = 0x00;
	der[5] = 0x81;
	assert_ok(ccsp_sm2_signature_from_der(der, 40, out));
	assert_int_equal(out[0], 0x81);
	uint8_t sig[64] = {0};
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm2_signature_from_der(NULL, 0, sig));
}

/* ---- SM2Cipher ---- */

static void test_ciphertext_der_vs_openssl(void **state)
{
	(void)state;
	static uint8_t raw[97 + 400], ours[600], theirs[600], back[600];
	test_rand_seed(4);
	for (int i = 0; i < 600; i++) {
		size_t c2len = 1 + test_rand_below(i < 300 ? 40 : 400), rawlen = 97 + c2len, len, tlen, need;
		raw[0] = 0x04;
		rand_value(raw + 1, 32);
		rand_value(raw + 33, 32);
		test_rand(raw + 65, 32 + c2len);
		ASN1_TYPE *items[4] = {ossl_int(raw + 1, 32), ossl_int(raw + 33, 32), ossl_oct(raw + 65, 32),
		                       ossl_oct(raw + 97, c2len)};
		tlen = ossl_seq(theirs, sizeof theirs, items, 4);
		assert_ccsp(CCSP_ERR_BUFFER_TOO_SMALL, ccsp_sm2_ciphertext_to_der(raw, rawlen, NULL, 0, &need));
		assert_int_equal(need, tlen);
		assert_true(need <= rawlen + 19);
		assert_ok(ccsp_sm2_ciphertext_to_der(raw, rawlen, ours, sizeof ours, &len));
		assert_int_equal(len, tlen);
		assert_memory_equal(ours, theirs, len);
		assert_ccsp(CCSP_ERR_BUFFER_TOO_SMALL, ccsp_sm2_ciphertext_from_der(theirs, tlen, back, rawlen - 1, &len));
		assert_int_equal(len, rawlen);
		assert_ok(ccsp_sm2_ciphertext_from_der(theirs, tlen, back, sizeof back, &len));
		assert_int_equal(len, rawlen);
		assert_memory_equal(back, raw, rawlen);
		if (i % 10 == 0)
			for (size_t n = 0; n < tlen; n++)
				assert_ccsp(CCSP_ERR_DECODE, ccsp_sm2_ciphertext_from_der(theirs, n, back, sizeof back, &len));
		theirs[tlen] = 0;
		assert_ccsp(CCSP_ERR_DECODE, ccsp_sm2_ciphertext_from_der(theirs, tlen + 1, back, sizeof back, &len));
	}
}

static void test_ciphertext_der_rejects(void **state)
{
	(void)state;
	uint8_t raw[200] = {0x04}, der[300], out[300];
	size_t len;
	test_rand(raw + 1, sizeof raw - 1);
	assert_ccsp(CCSP_ERR_DECODE, ccsp_sm2_ciphertext_to_der(raw, 97, der, sizeof der, &len)); /* no C2 */
	raw[0] = 0x02;
	assert_ccsp(CCSP_ERR_DECODE, ccsp_sm2_ciphertext_to_der(raw, 98, der, sizeof der, &len));
	raw[0] = 0x04;

	uint8_t x[33] = {0x01}, h[33] = {0}, c2[2] = {1, 2};
	const struct {
		size_t xlen, hlen, c2len;
		int negate_x;
	} bad[] = {
		{33, 32, 1, 0}, /* x of 33 bytes */
		{32, 31, 1, 0}, /* hash of 31 */
		{32, 33, 1, 0}, /* hash of 33 */
		{32, 32, 0, 0}, /* empty C2 */
		{32, 32, 1, 1}, /* negative x */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ASN1_TYPE *items[4] = {ossl_int(x, bad[i].xlen), ossl_int(x, 32), ossl_oct(h, bad[i].hlen),
		                       ossl_oct(c2, bad[i].c2len)};
		if (bad[i].negate_x)
			ASN1_INTEGER_set(items[0]->value.integer, -5);
		size_t n = ossl_seq(der, sizeof der, items, 4);
		assert_ccsp(CCSP_ERR_DECODE, ccsp_sm2_ciphertext_from_der(der, n, out, sizeof out, &len));
	}
	/* short coordinates are left-padded (GM/T 0009 minimal INTEGERs) */
	ASN1_TYPE *items[4] = {ossl_int((const uint8_t[]){7}, 1), ossl_int((const uint8_t[]){0}, 1), ossl_oct(h, 32),
	                       ossl_oct(c2, 2)};
	size_t n = ossl_seq(der, sizeof der, items, 4);
	assert_ok(ccsp_sm2_ciphertext_from_der(der, n, out, sizeof out, &len));
	assert_int_equal(len, 99);
	assert_int_equal(out[0], 4);
	assert_int_equal(out[32], 7);
	for (int i = 1; i < 32; i++)
		assert_int_equal(out[i], 0);
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm2_ciphertext_from_der(der, n, NULL, 10, &len));
}

/* ---- SHA-256 and PBKDF2-HMAC-SHA256 (PBES2 files for openssl) ---- */

static void test_sha256_vs_openssl(void **state)
{
	(void)state;
	uint8_t msg[300], ours[32], theirs[32], pass[100], salt[40], k1[80], k2[80];
	test_rand_seed(5);
	for (size_t n = 0; n < sizeof msg; n++) {
		test_rand(msg, n);
		ccsp_sha256_ctx c;
		ccsp_sha256_init(&c);
		ccsp_sha256_update(&c, msg, n / 3);
		ccsp_sha256_update(&c, msg + n / 3, n - n / 3);
		ccsp_sha256_final(&c, ours);
		SHA256(msg, n, theirs);
		assert_memory_equal(ours, theirs, 32);
	}
	for (int i = 0; i < 40; i++) {
		size_t pl = test_rand_below(sizeof pass), sl = test_rand_below(sizeof salt), kl = 1 + test_rand_below(80);
		uint32_t it = 1 + (uint32_t)test_rand_below(50);
		test_rand(pass, pl);
		test_rand(salt, sl);
		assert_ok(ccsp_pbkdf2_sha256(pass, pl, salt, sl, it, k1, kl));
		assert_true(PKCS5_PBKDF2_HMAC((const char *)pass, (int)pl, salt, (int)sl, (int)it, EVP_sha256(), (int)kl, k2));
		assert_memory_equal(k1, k2, kl);
	}
	assert_ccsp(CCSP_ERR_ARG, ccsp_pbkdf2_sha256(pass, 1, salt, 1, 0, k1, 16));
}

/* ---- PBES2 (EncryptedPrivateKeyInfo) against OpenSSL's PKCS8_encrypt / PKCS8_decrypt ---- */

/* OpenSSL 3.0 has no HMAC-SM3 PRF: register the GM/T OID as one (hmacWithSM3 -> SM3). */
static int ossl_hmac_sm3_nid(void)
{
	static int nid;
	if (nid == 0) {
		nid = OBJ_create("1.2.156.10197.1.401.2", "hmacWithSM3", "hmacWithSM3");
		assert_true(nid > 0);
		assert_true(EVP_PBE_alg_add_type(EVP_PBE_TYPE_PRF, nid, -1, NID_sm3, NULL));
	}
	return nid;
}

static size_t ossl_sm2_pkcs8(uint8_t *out, size_t cap)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pk);
	unsigned char *p = NULL;
	int n = i2d_PKCS8_PRIV_KEY_INFO(p8, &p);
	assert_true(n > 0 && (size_t)n <= cap);
	memcpy(out, p, (size_t)n);
	OPENSSL_free(p);
	PKCS8_PRIV_KEY_INFO_free(p8);
	EVP_PKEY_free(pk);
	return (size_t)n;
}

static size_t ossl_decrypt(const uint8_t *der, size_t len, const char *pass, uint8_t *out)
{
	const unsigned char *p = der;
	X509_SIG *sig = d2i_X509_SIG(NULL, &p, (long)len);
	assert_non_null(sig);
	PKCS8_PRIV_KEY_INFO *p8 = PKCS8_decrypt(sig, pass, (int)strlen(pass));
	X509_SIG_free(sig);
	if (p8 == NULL)
		return 0;
	unsigned char *q = out;
	int n = i2d_PKCS8_PRIV_KEY_INFO(p8, &q);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return n > 0 ? (size_t)n : 0;
}

static size_t ossl_encrypt(const uint8_t *plain, size_t len, const char *pass, int prf_nid, int iter, uint8_t *out)
{
	const unsigned char *p = plain;
	PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)len);
	X509_ALGOR *alg = PKCS5_pbe2_set_iv(EVP_sm4_cbc(), iter, NULL, 16, NULL, prf_nid);
	assert_non_null(p8);
	assert_non_null(alg);
	X509_SIG *sig = PKCS8_set0_pbe(pass, (int)strlen(pass), p8, alg);
	assert_non_null(sig);
	unsigned char *q = out;
	int n = i2d_X509_SIG(sig, &q);
	X509_SIG_free(sig);
	PKCS8_PRIV_KEY_INFO_free(p8);
	assert_true(n > 0);
	return (size_t)n;
}

static void test_pbes2_vs_openssl(void **state)
{
	(void)state;
	uint8_t plain[300], enc[600], back[600];
	const char *pass = "correct horse";
	const uint8_t *up = (const uint8_t *)pass;
	const struct {
		ccsp_pbes2_prf prf;
		int nid;
	} prfs[] = {{CCSP_PBES2_HMAC_SM3, ossl_hmac_sm3_nid()}, {CCSP_PBES2_HMAC_SHA256, NID_hmacWithSHA256}};
	for (int i = 0; i < 10; i++) {
		size_t plen = ossl_sm2_pkcs8(plain, sizeof plain), elen, blen;
		for (size_t j = 0; j < 2; j++) {
			uint32_t iter = 1 + (uint32_t)test_rand_below(100);
			/* ours -> OpenSSL */
			assert_ok(ccsp_pbes2_encrypt(up, strlen(pass), prfs[j].prf, iter, plain, plen, enc, sizeof enc, &elen));
			assert_int_equal(ossl_decrypt(enc, elen, pass, back), plen);
			assert_memory_equal(back, plain, plen);
			assert_int_equal(ossl_decrypt(enc, elen, "wrong", back), 0);
			/* OpenSSL -> ours */
			elen = ossl_encrypt(plain, plen, pass, prfs[j].nid, (int)iter, enc);
			assert_ok(ccsp_pbes2_decrypt(enc, elen, up, strlen(pass), 1000, back, sizeof back, &blen));
			assert_int_equal(blen, plen);
			assert_memory_equal(back, plain, plen);
			ccsp_err e = ccsp_pbes2_decrypt(enc, elen, (const uint8_t *)"wrong", 5, 1000, back, sizeof back, &blen);
			/* 1 in 256 wrong keys gives valid padding; the key-file layer then rejects the content */
			assert_true(e == CCSP_ERR_PASSWORD || (e == CCSP_OK && (blen != plen || memcmp(back, plain, plen))));
			assert_ccsp(CCSP_ERR_PASSWORD, ccsp_pbes2_decrypt(enc, elen, NULL, 0, 1000, back, sizeof back, &blen));
			assert_ccsp(CCSP_ERR_UNSUPPORTED,
			            ccsp_pbes2_decrypt(enc, elen, up, strlen(pass), iter - 1, back, sizeof back, &blen));
			for (size_t n = 0; n < elen; n += 7)
				assert_ccsp(CCSP_ERR_DECODE, ccsp_pbes2_decrypt(enc, n, up, 1, 1000, back, sizeof back, &blen));
		}
	}
	/* Schemes we do not offer: PRF hmacWithSHA1 (the default, so absent), and AES instead of SM4. */
	size_t plen = ossl_sm2_pkcs8(plain, sizeof plain), elen, blen;
	elen = ossl_encrypt(plain, plen, pass, NID_hmacWithSHA1, 10, enc);
	assert_ccsp(CCSP_ERR_UNSUPPORTED, ccsp_pbes2_decrypt(enc, elen, up, strlen(pass), 1000, back, sizeof back, &blen));
	const unsigned char *p = plain;
	PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)plen);
	X509_SIG *sig = PKCS8_encrypt(-1, EVP_aes_128_cbc(), pass, (int)strlen(pass), NULL, 0, 10, p8);
	unsigned char *q = enc;
	elen = (size_t)i2d_X509_SIG(sig, &q);
	assert_ccsp(CCSP_ERR_UNSUPPORTED, ccsp_pbes2_decrypt(enc, elen, up, strlen(pass), 1000, back, sizeof back, &blen));
	X509_SIG_free(sig);
	PKCS8_PRIV_KEY_INFO_free(p8);
	assert_ccsp(CCSP_ERR_ARG, ccsp_pbes2_encrypt(up, 0, CCSP_PBES2_HMAC_SM3, 1, plain, plen, enc, sizeof enc, &elen));
	assert_ccsp(CCSP_ERR_ARG, ccsp_pbes2_encrypt(up, 1, CCSP_PBES2_HMAC_SM3, 0, plain, plen, enc, sizeof enc, &elen));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_der_lengths),
		cmocka_unit_test(test_der_integers),
		cmocka_unit_test(test_der_writer_vs_openssl),
		cmocka_unit_test(test_pem_vs_openssl),
		cmocka_unit_test(test_pem_strict),
		cmocka_unit_test(test_pem_preamble),
		cmocka_unit_test(test_signature_der_vs_openssl),
		cmocka_unit_test(test_signature_der_rejects),
		cmocka_unit_test(test_ciphertext_der_vs_openssl),
		cmocka_unit_test(test_ciphertext_der_rejects),
		cmocka_unit_test(test_sha256_vs_openssl),
		cmocka_unit_test(test_pbes2_vs_openssl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

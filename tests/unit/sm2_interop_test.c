/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SM2 interoperability with OpenSSL 3 libcrypto: DER signatures and ciphertexts both ways, and key
 * files (SPKI, PKCS#8, SEC1, encrypted PKCS#8; DER and PEM) written by either side and read by the
 * other. Plus the key-file loader's refusals: truncations, trailing bytes, wrong OIDs, mismatched
 * public and private parts, out-of-range private keys, wrong passwords.
 */
#include <string.h>

#include <ccsp/sm2_asn1.h>

#include "test_util.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#define KEYS 12
#define MSGS_PER_KEY 90 /* x2 directions x (sign + encrypt): about 4000 cases */

static const uint8_t pass[] = "interop pass";
#define PASSLEN (sizeof pass - 1)

/* OpenSSL 3.0 has no HMAC-SM3 PRF: register the GM/T OID as one so it can read and write ours. */
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

static size_t encode(const ccsp_sm2_key *k, ccsp_sm2_key_format f, int pem, uint8_t *out)
{
	size_t len;
	assert_ok(ccsp_sm2_key_encode(k, f, pem, NULL, 0, out, CCSP_SM2_KEY_FILE_MAX, &len));
	return len;
}

/* An OpenSSL EVP_PKEY of our private key, via our PKCS#8 DER. */
static EVP_PKEY *ossl_from_ours(const ccsp_sm2_key *k)
{
	uint8_t der[CCSP_SM2_KEY_FILE_MAX];
	size_t len = encode(k, CCSP_SM2_KEY_PKCS8, 0, der);
	const unsigned char *p = der;
	EVP_PKEY *pk = d2i_AutoPrivateKey(NULL, &p, (long)len);
	assert_non_null(pk);
	assert_true(EVP_PKEY_is_a(pk, "SM2"));
	return pk;
}

static void ossl_priv_pub(EVP_PKEY *pk, uint8_t d[32], uint8_t pub[65])
{
	BIGNUM *bn = NULL;
	size_t n;
	assert_true(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &bn));
	assert_int_equal(BN_bn2binpad(bn, d, 32), 32);
	BN_clear_free(bn);
	assert_true(EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, pub, 65, &n));
	assert_int_equal(n, 65);
}

static void check_same_key(const ccsp_sm2_key *k, EVP_PKEY *pk, int with_private)
{
	uint8_t d[32], pub[65], d2[32], pub2[65];
	size_t n;
	assert_ok(ccsp_sm2_key_get_public(k, pub));
	if (with_private) {
		ossl_priv_pub(pk, d2, pub2);
		assert_ok(ccsp_sm2_key_get_private(k, d));
		assert_memory_equal(d, d2, 32);
	} else {
		assert_true(EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, pub2, 65, &n));
	}
	assert_memory_equal(pub, pub2, 65);
}

/* ---- signatures and ciphertexts ---- */

static int ossl_verify(EVP_PKEY *pk, const uint8_t *id, size_t idlen, const uint8_t *msg, size_t len,
                       const uint8_t *der, size_t derlen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(pk, NULL);
	assert_int_equal(EVP_PKEY_CTX_set1_id(pctx, id, idlen), 1);
	EVP_MD_CTX_set_pkey_ctx(md, pctx);
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sm3(), NULL, pk), 1);
	int ok = EVP_DigestVerify(md, der, derlen, msg, len);
	EVP_MD_CTX_free(md);
	EVP_PKEY_CTX_free(pctx);
	return ok;
}

static size_t ossl_sign(EVP_PKEY *pk, const uint8_t *id, size_t idlen, const uint8_t *msg, size_t len, uint8_t *der)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(pk, NULL);
	size_t derlen = CCSP_SM2_SIGNATURE_DER_MAX;
	assert_int_equal(EVP_PKEY_CTX_set1_id(pctx, id, idlen), 1);
	EVP_MD_CTX_set_pkey_ctx(md, pctx);
	assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sm3(), NULL, pk), 1);
	assert_int_equal(EVP_DigestSign(md, der, &derlen, msg, len), 1);
	EVP_MD_CTX_free(md);
	EVP_PKEY_CTX_free(pctx);
	return derlen;
}

static void test_signatures_both_ways(void **state)
{
	(void)state;
	uint8_t msg[300], id[40], sig[64], der[CCSP_SM2_SIGNATURE_DER_MAX];
	size_t derlen;
	test_rand_seed(11);
	for (int k = 0; k < KEYS; k++) {
		ccsp_sm2_key *key = ccsp_sm2_key_new();
		assert_ok(ccsp_sm2_key_generate(key));
		EVP_PKEY *pk = ossl_from_ours(key);
		for (int i = 0; i < MSGS_PER_KEY; i++) {
			size_t len = test_rand_below(sizeof msg), idlen = i % 3 == 0 ? 16 : 1 + test_rand_below(sizeof id);
			test_rand(msg, len);
			if (i % 3 == 0)
				memcpy(id, CCSP_SM2_DEFAULT_ID, 16);
			else
				test_rand(id, idlen);
			assert_ok(ccsp_sm2_sign(key, id, idlen, msg, len, sig));
			assert_ok(ccsp_sm2_signature_to_der(sig, der, sizeof der, &derlen));
			assert_int_equal(ossl_verify(pk, id, idlen, msg, len, der, derlen), 1);
			/* the distinguishing ID matters on both sides */
			if (i % 10 == 0)
				assert_int_not_equal(ossl_verify(pk, id, idlen - 1, msg, len, der, derlen), 1);

			derlen = ossl_sign(pk, id, idlen, msg, len, der);
			assert_ok(ccsp_sm2_signature_from_der(der, derlen, sig));
			assert_ok(ccsp_sm2_verify(key, id, idlen, msg, len, sig));
			if (i % 10 == 0) {
				sig[63] ^= 1;
				assert_ccsp(CCSP_ERR_SIGNATURE, ccsp_sm2_verify(key, id, idlen, msg, len, sig));
			}
		}
		EVP_PKEY_free(pk);
		ccsp_sm2_key_free(key);
	}
}

static void test_ciphertexts_both_ways(void **state)
{
	(void)state;
	uint8_t msg[300], raw[300 + 97], der[300 + 97 + 20], back[420];
	size_t rawlen, derlen, backlen;
	test_rand_seed(12);
	for (int k = 0; k < KEYS; k++) {
		ccsp_sm2_key *key = ccsp_sm2_key_new();
		assert_ok(ccsp_sm2_key_generate(key));
		EVP_PKEY *pk = ossl_from_ours(key);
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk, NULL);
		for (int i = 0; i < MSGS_PER_KEY; i++) {
			size_t len = 1 + test_rand_below(sizeof msg);
			test_rand(msg, len);
			if (i % 2 == 0) { /* raw, then the codec */
				assert_ok(ccsp_sm2_encrypt(key, CCSP_SM2_C1C3C2, msg, len, raw, sizeof raw, &rawlen));
				assert_ok(ccsp_sm2_ciphertext_to_der(raw, rawlen, der, sizeof der, &derlen));
			} else { /* DER straight from encrypt */
				assert_ok(ccsp_sm2_encrypt(key, CCSP_SM2_DER, msg, len, der, sizeof der, &derlen));
			}
			backlen = sizeof back;
			assert_int_equal(EVP_PKEY_decrypt_init(ctx), 1);
			assert_int_equal(EVP_PKEY_decrypt(ctx, back, &backlen, der, derlen), 1);
			assert_int_equal(backlen, len);
			assert_memory_equal(back, msg, len);

			derlen = sizeof der;
			assert_int_equal(EVP_PKEY_encrypt_init(ctx), 1);
			assert_int_equal(EVP_PKEY_encrypt(ctx, der, &derlen, msg, len), 1);
			if (i % 2 == 0) {
				assert_ok(ccsp_sm2_ciphertext_from_der(der, derlen, raw, sizeof raw, &rawlen));
				assert_ok(ccsp_sm2_decrypt(key, CCSP_SM2_C1C3C2, raw, rawlen, back, sizeof back, &backlen));
			} else {
				assert_ok(ccsp_sm2_decrypt(key, CCSP_SM2_DER, der, derlen, back, sizeof back, &backlen));
				der[derlen - 1] ^= 1; /* last byte of C2: C3 no longer matches */
				assert_ccsp(CCSP_ERR_AUTH,
				            ccsp_sm2_decrypt(key, CCSP_SM2_DER, der, derlen, back, sizeof back, &backlen));
				assert_ccsp(CCSP_ERR_DECODE,
				            ccsp_sm2_decrypt(key, CCSP_SM2_DER, der, derlen - 1, back, sizeof back, &backlen));
				der[derlen - 1] ^= 1;
				assert_ok(ccsp_sm2_decrypt(key, CCSP_SM2_DER, der, derlen, back, sizeof back, &backlen));
			}
			assert_int_equal(backlen, len);
			assert_memory_equal(back, msg, len);
		}
		EVP_PKEY_CTX_free(ctx);
		EVP_PKEY_free(pk);
		ccsp_sm2_key_free(key);
	}
}

/* ---- key files ---- */

static BIO *bio_of(const uint8_t *p, size_t n)
{
	BIO *b = BIO_new_mem_buf(p, (int)n);
	assert_non_null(b);
	return b;
}

static size_t bio_take(BIO *b, uint8_t *out)
{
	char *p;
	long n = BIO_get_mem_data(b, &p);
	assert_true(n > 0 && n <= 2048);
	memcpy(out, p, (size_t)n);
	BIO_free(b);
	return (size_t)n;
}

/* Our files, read by OpenSSL. Unencrypted ones must be exactly what OpenSSL itself writes. */
static void test_our_key_files_in_openssl(void **state)
{
	(void)state;
	uint8_t ours[CCSP_SM2_KEY_FILE_MAX], theirs[2048];
	size_t len;
	ossl_hmac_sm3_nid(); /* so that OpenSSL reads our default PRF */
	for (int k = 0; k < 4; k++) {
		ccsp_sm2_key *key = ccsp_sm2_key_new();
		assert_ok(ccsp_sm2_key_generate(key));
		EVP_PKEY *pk = ossl_from_ours(key);

		len = encode(key, CCSP_SM2_KEY_PKCS8, 1, ours);
		BIO *b = BIO_new(BIO_s_mem());
		assert_true(PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL));
		assert_int_equal(bio_take(b, theirs), len);
		assert_memory_equal(ours, theirs, len);

		len = encode(key, CCSP_SM2_KEY_SPKI, 1, ours);
		b = BIO_new(BIO_s_mem());
		assert_true(PEM_write_bio_PUBKEY(b, pk));
		assert_int_equal(bio_take(b, theirs), len);
		assert_memory_equal(ours, theirs, len);

		len = encode(key, CCSP_SM2_KEY_SEC1, 0, ours);
		unsigned char *p = theirs;
		assert_int_equal(i2d_PrivateKey(pk, &p), (int)len); /* SM2 "traditional" = SEC1 */
		assert_memory_equal(ours, theirs, len);

		/* SPKI DER and SEC1 PEM read back by OpenSSL */
		len = encode(key, CCSP_SM2_KEY_SPKI, 0, ours);
		const unsigned char *q = ours;
		EVP_PKEY *pub = d2i_PUBKEY(NULL, &q, (long)len);
		assert_non_null(pub);
		check_same_key(key, pub, 0);
		EVP_PKEY_free(pub);
		len = encode(key, CCSP_SM2_KEY_SEC1, 1, ours);
		b = bio_of(ours, len);
		EVP_PKEY *sec1 = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
		assert_non_null(sec1);
		check_same_key(key, sec1, 1);
		EVP_PKEY_free(sec1);
		BIO_free(b);

		/* encrypted PKCS#8 with either PRF; a wrong password fails */
		for (int prf = 0; prf < 2; prf++) {
			assert_ok(ccsp_sm2_key_encode_encrypted(key, 1, pass, PASSLEN, (ccsp_sm2_pbe_prf)prf, 100, ours,
			                                        sizeof ours, &len));
			b = bio_of(ours, len);
			EVP_PKEY *enc = PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)pass);
			assert_non_null(enc);
			check_same_key(key, enc, 1);
			EVP_PKEY_free(enc);
			BIO_free(b);
			b = bio_of(ours, len);
			assert_null(PEM_read_bio_PrivateKey(b, NULL, NULL, "wrong"));
			BIO_free(b);
		}
		EVP_PKEY_free(pk);
		ccsp_sm2_key_free(key);
	}
}

/* OpenSSL's files, read by us. */
static void test_openssl_key_files_in_ours(void **state)
{
	(void)state;
	ccsp_sm2_key_format fmt;
	int sm3_nid = ossl_hmac_sm3_nid();
	for (int k = 0; k < 4; k++) {
		EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
		struct {
			size_t len;
			ccsp_sm2_key_format fmt;
			int priv;
			const uint8_t *pass;
		} files[8];
		uint8_t data[8][2048];
		int n = 0;
		BIO *b;
		unsigned char *p;

		b = BIO_new(BIO_s_mem());
		assert_true(PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL));
		files[n].len = bio_take(b, data[n]), files[n].fmt = CCSP_SM2_KEY_PKCS8, files[n].priv = 1, files[n++].pass = NULL;
		b = BIO_new(BIO_s_mem());
		assert_true(PEM_write_bio_PUBKEY(b, pk));
		files[n].len = bio_take(b, data[n]), files[n].fmt = CCSP_SM2_KEY_SPKI, files[n].priv = 0, files[n++].pass = NULL;
		p = data[n];
		files[n].len = (size_t)i2d_PUBKEY(pk, &p), files[n].fmt = CCSP_SM2_KEY_SPKI, files[n].priv = 0;
		files[n++].pass = NULL;
		p = data[n];
		files[n].len = (size_t)i2d_PrivateKey(pk, &p), files[n].fmt = CCSP_SM2_KEY_SEC1, files[n].priv = 1;
		files[n++].pass = NULL;
		b = BIO_new(BIO_s_mem());
		assert_true(i2d_PKCS8PrivateKey_bio(b, pk, NULL, NULL, 0, NULL, NULL));
		files[n].len = bio_take(b, data[n]), files[n].fmt = CCSP_SM2_KEY_PKCS8, files[n].priv = 1, files[n++].pass = NULL;
		/* what openssl pkcs8 -topk8 -v2 sm4-cbc writes (PRF hmacWithSHA256), and with our PRF */
		b = BIO_new(BIO_s_mem());
		assert_true(PEM_write_bio_PKCS8PrivateKey(b, pk, EVP_sm4_cbc(), (const char *)pass, (int)PASSLEN, NULL, NULL));
		files[n].len = bio_take(b, data[n]), files[n].fmt = CCSP_SM2_KEY_PKCS8_ENCRYPTED, files[n].priv = 1;
		files[n++].pass = pass;
		{
			PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pk);
			X509_ALGOR *alg = PKCS5_pbe2_set_iv(EVP_sm4_cbc(), 1000, NULL, 16, NULL, sm3_nid);
			X509_SIG *sig = PKCS8_set0_pbe((const char *)pass, (int)PASSLEN, p8, alg);
			p = data[n];
			files[n].len = (size_t)i2d_X509_SIG(sig, &p), files[n].fmt = CCSP_SM2_KEY_PKCS8_ENCRYPTED;
			files[n].priv = 1, files[n++].pass = pass;
			X509_SIG_free(sig);
			PKCS8_PRIV_KEY_INFO_free(p8);
		}
		for (int i = 0; i < n; i++) {
			ccsp_sm2_key *key = ccsp_sm2_key_new();
			size_t pl = files[i].pass ? PASSLEN : 0;
			assert_ok(ccsp_sm2_key_decode(key, data[i], files[i].len, files[i].pass, pl, &fmt));
			assert_int_equal(fmt, files[i].fmt);
			assert_int_equal(ccsp_sm2_key_has_private(key), files[i].priv);
			check_same_key(key, pk, files[i].priv);
			ccsp_sm2_key_free(key);
			if (files[i].pass != NULL) {
				key = ccsp_sm2_key_new();
				assert_ccsp(CCSP_ERR_PASSWORD, ccsp_sm2_key_decode(key, data[i], files[i].len, NULL, 0, NULL));
				assert_ccsp(CCSP_ERR_PASSWORD,
				            ccsp_sm2_key_decode(key, data[i], files[i].len, (const uint8_t *)"wrong", 5, NULL));
				assert_false(ccsp_sm2_key_has_private(key));
				ccsp_sm2_key_free(key);
			}
		}
		EVP_PKEY_free(pk);
	}
}

/* ---- refusals ---- */

static ccsp_err decode(const uint8_t *p, size_t n)
{
	ccsp_sm2_key *key = ccsp_sm2_key_new();
	ccsp_err e = ccsp_sm2_key_decode(key, p, n, pass, PASSLEN, NULL);
	ccsp_sm2_key_free(key);
	return e;
}

static void test_truncated_and_trailing(void **state)
{
	(void)state;
	uint8_t buf[CCSP_SM2_KEY_FILE_MAX + 1];
	size_t len;
	ccsp_sm2_key *key = ccsp_sm2_key_new();
	assert_ok(ccsp_sm2_key_generate(key));
	for (int f = CCSP_SM2_KEY_SPKI; f <= CCSP_SM2_KEY_PKCS8_ENCRYPTED; f++) {
		if (f == CCSP_SM2_KEY_PKCS8_ENCRYPTED)
			assert_ok(ccsp_sm2_key_encode_encrypted(key, 0, pass, PASSLEN, CCSP_SM2_PBE_HMAC_SM3, 1, buf,
			                                        sizeof buf, &len));
		else
			len = encode(key, (ccsp_sm2_key_format)f, 0, buf);
		assert_ok(decode(buf, len));
		for (size_t n = 0; n < len; n++)
			assert_ccsp(CCSP_ERR_DECODE, decode(buf, n));
		buf[len] = 0;
		assert_ccsp(CCSP_ERR_DECODE, decode(buf, len + 1));
	}
	ccsp_sm2_key_free(key);
}

/* A PEM key after openssl pkcs12's attribute lines is read (as openssl does); binary before it is not. */
static void test_pem_key_after_text(void **state)
{
	(void)state;
	static const char bag[] = "Bag Attributes\n    localKeyID: 2F 9A 41 07 \n    friendlyName: signer\n"
	                          "Key Attributes: <No Attributes>\n";
	uint8_t buf[sizeof bag + CCSP_SM2_KEY_FILE_MAX];
	ccsp_sm2_key *key = ccsp_sm2_key_new(), *back = ccsp_sm2_key_new();
	ccsp_sm2_key_format fmt;
	assert_ok(ccsp_sm2_key_generate(key));
	memcpy(buf, bag, sizeof bag - 1);
	size_t len = sizeof bag - 1 + encode(key, CCSP_SM2_KEY_PKCS8, 1, buf + sizeof bag - 1);
	assert_ok(ccsp_sm2_key_decode(back, buf, len, NULL, 0, &fmt));
	assert_int_equal(fmt, CCSP_SM2_KEY_PKCS8);
	EVP_PKEY *pk = ossl_from_ours(key);
	check_same_key(back, pk, 1);
	EVP_PKEY_free(pk);
	buf[3] = 0x01; /* "Bag\x01Attributes": not text, so neither PEM nor DER */
	assert_ccsp(CCSP_ERR_DECODE, decode(buf, len));
	ccsp_sm2_key_free(key);
	ccsp_sm2_key_free(back);
}

/* SEC1 DER for a chosen d and public point (ours, patched). */
static size_t sec1_with(const uint8_t d[32], const uint8_t pub[65], uint8_t *out)
{
	ccsp_sm2_key *key = ccsp_sm2_key_new();
	assert_ok(ccsp_sm2_key_generate(key));
	size_t len = encode(key, CCSP_SM2_KEY_SEC1, 0, out);
	ccsp_sm2_key_free(key);
	/* 30 77 02 01 01 04 20 <d> a0 0a <oid> a1 44 03 42 00 <point> */
	assert_int_equal(len, 121);
	memcpy(out + 7, d, 32);
	memcpy(out + 56, pub, 65);
	return len;
}

static void test_key_refusals(void **state)
{
	(void)state;
	uint8_t buf[CCSP_SM2_KEY_FILE_MAX], d[32], pub[65], other[65];
	ccsp_sm2_key *a = ccsp_sm2_key_new(), *b = ccsp_sm2_key_new();
	assert_ok(ccsp_sm2_key_generate(a));
	assert_ok(ccsp_sm2_key_generate(b));
	assert_ok(ccsp_sm2_key_get_private(a, d));
	assert_ok(ccsp_sm2_key_get_public(a, pub));
	assert_ok(ccsp_sm2_key_get_public(b, other));

	size_t len = sec1_with(d, pub, buf);
	assert_ok(decode(buf, len));
	len = sec1_with(d, other, buf); /* mismatched public and private */
	assert_ccsp(CCSP_ERR_KEY, decode(buf, len));
	other[64] ^= 1; /* not on the curve */
	len = sec1_with(d, other, buf);
	assert_ccsp(CCSP_ERR_POINT, decode(buf, len));

	/* private key 0, n-1, n (GB/T 32918.1 clause 6.1: d in [1, n-2]) */
	uint8_t n_1[32], zero[32] = {0};
	hex2bin("fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54122", n_1, 32);
	assert_ccsp(CCSP_ERR_KEY, decode(buf, sec1_with(zero, pub, buf)));
	assert_ccsp(CCSP_ERR_KEY, decode(buf, sec1_with(n_1, pub, buf)));
	n_1[31] = 0x23;
	assert_ccsp(CCSP_ERR_KEY, decode(buf, sec1_with(n_1, pub, buf)));

	/* another curve (P-256) and another algorithm (RSA) */
	EVP_PKEY *p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	EVP_PKEY *others[2] = {p256, rsa};
	for (int i = 0; i < 2; i++) {
		unsigned char *p = buf;
		int n = i2d_PUBKEY(others[i], &p);
		assert_ccsp(CCSP_ERR_UNSUPPORTED, decode(buf, (size_t)n));
		BIO *bio = BIO_new(BIO_s_mem());
		assert_true(i2d_PKCS8PrivateKey_bio(bio, others[i], NULL, NULL, 0, NULL, NULL));
		char *q;
		long m = BIO_get_mem_data(bio, &q);
		assert_ccsp(CCSP_ERR_UNSUPPORTED, decode((const uint8_t *)q, (size_t)m));
		BIO_free(bio);
		EVP_PKEY_free(others[i]);
	}
	/* an unknown PEM label */
	len = encode(a, CCSP_SM2_KEY_SPKI, 1, buf);
	memcpy(buf + 11, "PUBLIX", 6);
	memcpy(buf + len - 16, "PUBLIX", 6);
	assert_ccsp(CCSP_ERR_UNSUPPORTED, decode(buf, len));
	/* a label that does not fit the content: an SPKI body under "PRIVATE KEY" */
	len = encode(a, CCSP_SM2_KEY_SPKI, 1, buf);
	char relabeled[CCSP_SM2_KEY_FILE_MAX + 64];
	const char *body = memchr(buf, '\n', len) + 1, *end = strstr(body, "-----END");
	int rl = snprintf(relabeled, sizeof relabeled, "-----BEGIN PRIVATE KEY-----\n%.*s-----END PRIVATE KEY-----\n",
	                  (int)(end - body), body);
	assert_ccsp(CCSP_ERR_DECODE, decode((const uint8_t *)relabeled, (size_t)rl));
	/* private formats need a private key; an encrypted one needs a password */
	ccsp_sm2_key *pubonly = ccsp_sm2_key_new();
	assert_ok(ccsp_sm2_key_set_public(pubonly, pub, 65));
	assert_ccsp(CCSP_ERR_KEY, ccsp_sm2_key_encode(pubonly, CCSP_SM2_KEY_PKCS8, 0, NULL, 0, buf, sizeof buf, &len));
	assert_ccsp(CCSP_ERR_ARG,
	            ccsp_sm2_key_encode(a, CCSP_SM2_KEY_PKCS8_ENCRYPTED, 0, NULL, 0, buf, sizeof buf, &len));
	assert_ccsp(CCSP_ERR_BUFFER_TOO_SMALL, ccsp_sm2_key_encode(a, CCSP_SM2_KEY_PKCS8, 1, NULL, 0, buf, 10, &len));
	assert_int_equal(len, 241); /* the PEM of a 138-byte PKCS#8 */
	ccsp_sm2_key_free(pubonly);
	ccsp_sm2_key_free(a);
	ccsp_sm2_key_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signatures_both_ways),
		cmocka_unit_test(test_ciphertexts_both_ways),
		cmocka_unit_test(test_our_key_files_in_openssl),
		cmocka_unit_test(test_openssl_key_files_in_ours),
		cmocka_unit_test(test_truncated_and_trailing),
		cmocka_unit_test(test_pem_key_after_text),
		cmocka_unit_test(test_key_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SM2 keys, signatures and encryption: the GB/T 32918.5 examples on sm2p256v1, random round trips,
 * interoperability with OpenSSL 3 in both directions, and the errors a caller can cause.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <ccsp/selftest.h>
#include <ccsp/sm2.h>

#include "sm2/sm2_internal.h"
#include "test_util.h"

/* GB/T 32918.5-2017 / GM/T 0003.5 examples on sm2p256v1 (formats.md 6.3 (b), OpenSSL sm2_internal_test.c) */
#define STD_D "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8"
#define STD_P                                                                                      \
	"04"                                                                                       \
	"09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"                         \
	"CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
#define STD_K "59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21"
#define STD_Z "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3"
#define STD_E "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640"
#define STD_SIG                                                                                    \
	"F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"                         \
	"B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
/* encryption of "encryption standard": C1 = 04 || x || y, C3, C2 (from the DER of formats.md 6.3) */
#define STD_C1                                                                                     \
	"04"                                                                                       \
	"04EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73"                         \
	"E858F9D81E5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0"
#define STD_C3 "59983C18F809E262923C53AEC295D30383B54E39D609D160AFCB1908D0BD8766"
#define STD_C2 "21886CA989CA9C7D58087307CA93092D651EFA"

#define N_HEX "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123"
#define P_HEX "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF"

static ccsp_sm2_key *key_from_hex(const char *d_hex)
{
	uint8_t d[32];
	hex2bin(d_hex, d, sizeof d);
	ccsp_sm2_key *k = ccsp_sm2_key_new();
	assert_non_null(k);
	assert_ok(ccsp_sm2_key_set_private(k, d));
	return k;
}

static void check_standard_example(void)
{
	ccsp_sm2_key *key = key_from_hex(STD_D);
	uint8_t pub[65], z[32], e[32], k[32], sig[64], ct[200], pt[32];
	size_t len;
	assert_ok(ccsp_sm2_key_get_public(key, pub));
	assert_hex_equal(STD_P, pub, 65);
	assert_ok(ccsp_sm2_compute_z(key, NULL, 0, z));
	assert_hex_equal(STD_Z, z, 32);
	assert_ok(ccsp_sm2_compute_z(key, (const uint8_t *)"1234567812345678", 16, z));
	assert_hex_equal(STD_Z, z, 32);
	assert_ok(ccsp_sm2_compute_e(key, NULL, 0, (const uint8_t *)"message digest", 14, e));
	assert_hex_equal(STD_E, e, 32);
	/* from the point alone: x || y and 04 || x || y; a point off the curve refused */
	memset(e, 0, sizeof e);
	assert_ok(ccsp_sm2_compute_e_point(pub + 1, 64, NULL, 0, (const uint8_t *)"message digest", 14, e));
	assert_hex_equal(STD_E, e, 32);
	memset(e, 0, sizeof e);
	assert_ok(ccsp_sm2_compute_e_point(pub, 65, (const uint8_t *)"1234567812345678", 16,
	                                   (const uint8_t *)"message digest", 14, e));
	assert_hex_equal(STD_E, e, 32);
	pub[64] ^= 1;
	assert_int_equal(ccsp_sm2_compute_e_point(pub, 65, NULL, 0, (const uint8_t *)"m", 1, e), CCSP_ERR_KEY);
	pub[64] ^= 1;
	assert_int_equal(ccsp_sm2_compute_e_point(pub, 63, NULL, 0, (const uint8_t *)"m", 1, e), CCSP_ERR_KEY);
	assert_int_equal(ccsp_sm2_compute_e_point(NULL, 64, NULL, 0, (const uint8_t *)"m", 1, e), CCSP_ERR_ARG);
	hex2bin(STD_K, k, sizeof k);
	assert_ok(ccsp_sm2_sign_digest_with_k(key, e, k, sig));
	assert_hex_equal(STD_SIG, sig, 64);
	assert_ok(ccsp_sm2_verify_digest(key, e, sig));
	assert_ok(ccsp_sm2_verify(key, NULL, 0, (const uint8_t *)"message digest", 14, sig));

	assert_ok(ccsp_sm2_encrypt_with_k(key, CCSP_SM2_C1C3C2, k, (const uint8_t *)"encryption standard", 19, ct,
	                                  sizeof ct, &len));
	assert_int_equal(len, 97 + 19);
	assert_hex_equal(STD_C1 STD_C3 STD_C2, ct, len);
	assert_ok(ccsp_sm2_decrypt(key, CCSP_SM2_C1C3C2, ct, len, pt, sizeof pt, &len));
	assert_int_equal(len, 19);
	assert_memory_equal(pt, "encryption standard", 19);
	assert_ok(ccsp_sm2_encrypt_with_k(key, CCSP_SM2_C1C2C3, k, (const uint8_t *)"encryption standard", 19, ct,
	                                  sizeof ct, &len));
	assert_hex_equal(STD_C1 STD_C2 STD_C3, ct, len);
	assert_ok(ccsp_sm2_decrypt(key, CCSP_SM2_C1C2C3, ct, len, pt, sizeof pt, &len));
	assert_memory_equal(pt, "encryption standard", 19);
	ccsp_sm2_key_free(key);
}

static void test_standard_example(void **state)
{
	(void)state;
	const ccsp_sm2_impl *const *list = ccsp_sm2_impl_list();
	for (size_t i = 0; list[i] != NULL; i++) {
		ccsp_sm2_impl_force(list[i]);
		check_standard_example();
	}
	ccsp_sm2_impl_force(NULL);
}

static void test_selftest_passes(void **state)
{
	(void)state;
	assert_ok(ccsp_selftest(NULL, NULL));
}

static void test_roundtrips(void **state)
{
	(void)state;
	uint8_t msg[300], sig[64], ct[400], pt[300], d[32], pub[65];
	size_t ctlen, ptlen;
	test_rand_seed(7);
	for (int kidx = 0; kidx < 10; kidx++) {
		ccsp_sm2_key *key = ccsp_sm2_key_new(), *pubkey = ccsp_sm2_key_new();
		assert_ok(ccsp_sm2_key_generate(key));
		assert_true(ccsp_sm2_key_has_private(key));
		assert_ok(ccsp_sm2_key_get_private(key, d));
		assert_ok(ccsp_sm2_key_get_public(key, pub));
		assert_ok(ccsp_sm2_key_set_public(pubkey, pub, 65));
		assert_false(ccsp_sm2_key_has_private(pubkey));
		for (int i = 0; i < 200; i++) {
			size_t mlen = 1 + test_rand_below(sizeof msg - 1);
			test_rand(msg, mlen);
			assert_ok(ccsp_sm2_sign(key, (const uint8_t *)"alice", 5, msg, mlen, sig));
			assert_ok(ccsp_sm2_verify(pubkey, (const uint8_t *)"alice", 5, msg, mlen, sig));
			if (i % 10 != 0)
				continue;
			ccsp_sm2_ct_format fmt = i % 20 == 0 ? CCSP_SM2_C1C3C2 : CCSP_SM2_C1C2C3;
			assert_ok(ccsp_sm2_encrypt(pubkey, fmt, msg, mlen, ct, sizeof ct, &ctlen));
			assert_int_equal(ctlen, mlen + 97);
			assert_ok(ccsp_sm2_decrypt(key, fmt, ct, ctlen, pt, sizeof pt, &ptlen));
			assert_int_equal(ptlen, mlen);
			assert_memory_equal(pt, msg, mlen);
		}
		ccsp_sm2_key_free(key);
		ccsp_sm2_key_free(pubkey);
	}
}

/* ---- OpenSSL interoperability ---- */

static EVP_PKEY *ossl_key(const ccsp_sm2_key *key)
{
	uint8_t pub[65], d[32];
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *bd = NULL;
	assert_ok(ccsp_sm2_key_get_public(key, pub));
	OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0);
	OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub);
	if (ccsp_sm2_key_has_private(key)) {
		assert_ok(ccsp_sm2_key_get_private(key, d));
		bd = BN_bin2bn(d, 32, NULL);
		OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bd);
	}
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
	EVP_PKEY *pk = NULL;
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_KEYPAIR, params), 1);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bd);
	return pk;
}

static EVP_MD_CTX *ossl_sig_ctx(EVP_PKEY *pk, const uint8_t *id, size_t idlen, int sign)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(pk, NULL);
	assert_int_equal(EVP_PKEY_CTX_set1_id(pctx, id, idlen), 1);
	EVP_MD_CTX_set_pkey_ctx(md, pctx);
	if (sign)
		assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sm3(), NULL, pk), 1);
	else
		assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sm3(), NULL, pk), 1);
	return md;
}

static void ossl_sig_ctx_free(EVP_MD_CTX *md)
{
	EVP_PKEY_CTX_free(EVP_MD_CTX_get_pkey_ctx(md));
	EVP_MD_CTX_free(md);
}

static size_t sig_to_der(const uint8_t sig[64], uint8_t *der)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	ECDSA_SIG_set0(s, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL));
	int n = i2d_ECDSA_SIG(s, &der);
	ECDSA_SIG_free(s);
	assert_true(n > 0);
	return (size_t)n;
}

static void sig_from_der(const uint8_t *der, size_t len, uint8_t sig[64])
{
	ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &der, (long)len);
	assert_non_null(s);
	BN_bn2binpad(ECDSA_SIG_get0_r(s), sig, 32);
	BN_bn2binpad(ECDSA_SIG_get0_s(s), sig + 32, 32);
	ECDSA_SIG_free(s);
}

static void test_openssl_signatures(void **state)
{
	(void)state;
	static const uint8_t id[] = "user@example.cn";
	uint8_t msg[100], sig[64], der[80];
	size_t derlen;
	test_rand_seed(8);
	for (int i = 0; i < 40; i++) {
		ccsp_sm2_key *key = ccsp_sm2_key_new();
		assert_ok(ccsp_sm2_key_generate(key));
		EVP_PKEY *pk = ossl_key(key);
		size_t mlen = test_rand_below(sizeof msg);
		test_rand(msg, mlen);
		/* ours -> OpenSSL */
		assert_ok(ccsp_sm2_sign(key, id, sizeof id - 1, msg, mlen, sig));
		derlen = sig_to_der(sig, der);
		EVP_MD_CTX *md = ossl_sig_ctx(pk, id, sizeof id - 1, 0);
		assert_int_equal(EVP_DigestVerify(md, der, derlen, msg, mlen), 1);
		ossl_sig_ctx_free(md);
		/* OpenSSL -> ours */
		md = ossl_sig_ctx(pk, id, sizeof id - 1, 1);
		derlen = sizeof der;
		assert_int_equal(EVP_DigestSign(md, der, &derlen, msg, mlen), 1);
		ossl_sig_ctx_free(md);
		sig_from_der(der, derlen, sig);
		assert_ok(ccsp_sm2_verify(key, id, sizeof id - 1, msg, mlen, sig));
		assert_ccsp(CCSP_ERR_SIGNATURE, ccsp_sm2_verify(key, NULL, 0, msg, mlen, sig)); /* other ID */
		EVP_PKEY_free(pk);
		ccsp_sm2_key_free(key);
	}
}

/* GM/T 0009 SM2Cipher DER <-> raw C1C3C2, written here so the test does not depend on sm2_asn1. */
static size_t der_put_len(uint8_t *p, size_t len)
{
	if (len < 128) {
		p[0] = (uint8_t)len;
		return 1;
	}
	assert_true(len < 256);
	p[0] = 0x81;
	p[1] = (uint8_t)len;
	return 2;
}

static size_t der_put_int(uint8_t *p, const uint8_t v[32])
{
	size_t skip = 0;
	while (skip < 31 && v[skip] == 0 && (v[skip + 1] & 0x80) == 0)
		skip++;
	int pad = (v[skip] & 0x80) != 0;
	size_t n = 32 - skip + (size_t)pad, o = 0;
	p[o++] = 0x02;
	o += der_put_len(p + o, n);
	if (pad)
		p[o++] = 0;
	memcpy(p + o, v + skip, 32 - skip);
	return o + 32 - skip;
}

static size_t raw_to_der(const uint8_t *raw, size_t len, uint8_t *der)
{
	uint8_t body[400];
	size_t b = 0, mlen = len - 97, o = 0;
	b += der_put_int(body + b, raw + 1);
	b += der_put_int(body + b, raw + 33);
	body[b++] = 0x04;
	b += der_put_len(body + b, 32);
	memcpy(body + b, raw + 65, 32);
	b += 32;
	body[b++] = 0x04;
	b += der_put_len(body + b, mlen);
	memcpy(body + b, raw + 97, mlen);
	b += mlen;
	der[o++] = 0x30;
	o += der_put_len(der + o, b);
	memcpy(der + o, body, b);
	return o + b;
}

static size_t der_get(const uint8_t **p, uint8_t tag)
{
	assert_int_equal((*p)[0], tag);
	size_t len = (*p)[1];
	*p += 2;
	if (len == 0x81) {
		len = (*p)[0];
		*p += 1;
	}
	return len;
}

static size_t der_to_raw(const uint8_t *der, uint8_t *raw)
{
	const uint8_t *p = der;
	der_get(&p, 0x30);
	raw[0] = 0x04;
	for (int i = 0; i < 2; i++) {
		size_t n = der_get(&p, 0x02);
		const uint8_t *v = p;
		p += n;
		while (n > 32) {
			v++;
			n--;
		}
		memset(raw + 1 + 32 * i, 0, 32 - n);
		memcpy(raw + 1 + 32 * i + 32 - n, v, n);
	}
	assert_int_equal(der_get(&p, 0x04), 32);
	memcpy(raw + 65, p, 32);
	p += 32;
	size_t mlen = der_get(&p, 0x04);
	memcpy(raw + 97, p, mlen);
	return 97 + mlen;
}

static void test_openssl_encryption(void **state)
{
	(void)state;
	uint8_t msg[150], ct[300], der[320], pt[200];
	size_t ctlen, derlen, ptlen;
	test_rand_seed(9);
	for (int i = 0; i < 30; i++) {
		ccsp_sm2_key *key = ccsp_sm2_key_new();
		assert_ok(ccsp_sm2_key_generate(key));
		EVP_PKEY *pk = ossl_key(key);
		EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(pk, NULL);
		size_t mlen = 1 + test_rand_below(sizeof msg - 1);
		test_rand(msg, mlen);
		/* ours -> OpenSSL */
		assert_ok(ccsp_sm2_encrypt(key, CCSP_SM2_C1C3C2, msg, mlen, ct, sizeof ct, &ctlen));
		derlen = raw_to_der(ct, ctlen, der);
		assert_int_equal(EVP_PKEY_decrypt_init(pctx), 1);
		ptlen = sizeof pt;
		assert_int_equal(EVP_PKEY_decrypt(pctx, pt, &ptlen, der, derlen), 1);
		assert_int_equal(ptlen, mlen);
		assert_memory_equal(pt, msg, mlen);
		/* OpenSSL -> ours */
		assert_int_equal(EVP_PKEY_encrypt_init(pctx), 1);
		derlen = sizeof der;
		assert_int_equal(EVP_PKEY_encrypt(pctx, der, &derlen, msg, mlen), 1);
		ctlen = der_to_raw(der, ct);
		assert_ok(ccsp_sm2_decrypt(key, CCSP_SM2_C1C3C2, ct, ctlen, pt, sizeof pt, &ptlen));
		assert_int_equal(ptlen, mlen);
		assert_memory_equal(pt, msg, mlen);
		EVP_PKEY_CTX_free(pctx);
		EVP_PKEY_free(pk);
		ccsp_sm2_key_free(key);
	}
}

/* ---- errors a caller can cause ---- */

static void set_private_hex(const char *hex, ccsp_err expected)
{
	uint8_t d[32];
	hex2bin(hex, d, sizeof d);
	ccsp_sm2_key *k = ccsp_sm2_key_new();
	assert_ccsp(expected, ccsp_sm2_key_set_private(k, d));
	assert_false(ccsp_sm2_key_has_private(k));
	ccsp_sm2_key_free(k);
}

static void test_bad_private_keys(void **state)
{
	(void)state;
	set_private_hex("0000000000000000000000000000000000000000000000000000000000000000", CCSP_ERR_KEY);
	set_private_hex("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54122", CCSP_ERR_KEY); /* n-1 */
	set_private_hex(N_HEX, CCSP_ERR_KEY);
	set_private_hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", CCSP_ERR_KEY);
	ccsp_sm2_key *k = key_from_hex("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54121"); /* n-2 */
	uint8_t d[32], sig[64];
	assert_ccsp(CCSP_ERR_STATE, ccsp_sm2_key_set_private(k, d)); /* keys are set once */
	assert_ok(ccsp_sm2_sign(k, NULL, 0, (const uint8_t *)"x", 1, sig));
	assert_ok(ccsp_sm2_verify(k, NULL, 0, (const uint8_t *)"x", 1, sig));
	ccsp_sm2_key_free(k);
	k = key_from_hex("0000000000000000000000000000000000000000000000000000000000000001");
	ccsp_sm2_key_free(k);
	/* no private part */
	k = ccsp_sm2_key_new();
	assert_ccsp(CCSP_ERR_KEY, ccsp_sm2_key_get_private(k, d));
	assert_ccsp(CCSP_ERR_KEY, ccsp_sm2_sign_digest(k, d, sig));
	assert_ccsp(CCSP_ERR_KEY, ccsp_sm2_verify_digest(k, d, sig));
	ccsp_sm2_key_free(k);
}

static void set_public_hex(const char *hex, ccsp_err expected)
{
	uint8_t p[65];
	size_t n = hex2bin(hex, p, sizeof p);
	ccsp_sm2_key *k = ccsp_sm2_key_new();
	assert_ccsp(expected, ccsp_sm2_key_set_public(k, p, n));
	ccsp_sm2_key_free(k);
}

static void test_bad_public_keys(void **state)
{
	(void)state;
	/* the three accepted encodings of the example's key */
	set_public_hex(STD_P, CCSP_OK);
	set_public_hex(&STD_P[2], CCSP_OK); /* without the 04 prefix: raw x || y */
	uint8_t full[65], cmp[33], back[65];
	hex2bin(STD_P, full, sizeof full);
	ccsp_sm2_key *k = ccsp_sm2_key_new();
	assert_ok(ccsp_sm2_key_set_public(k, full, 65));
	assert_ok(ccsp_sm2_key_get_public_compressed(k, cmp));
	assert_int_equal(cmp[0], 0x03); /* y = ...13 is odd */
	ccsp_sm2_key_free(k);
	k = ccsp_sm2_key_new();
	assert_ok(ccsp_sm2_key_set_public(k, cmp, 33));
	assert_ok(ccsp_sm2_key_get_public(k, back));
	assert_memory_equal(back, full, 65);
	ccsp_sm2_key_free(k);
	cmp[0] = 0x02; /* the other root: -P, still valid */
	k = ccsp_sm2_key_new();
	assert_ok(ccsp_sm2_key_set_public(k, cmp, 33));
	ccsp_sm2_key_free(k);
	/* off the curve: y + 1 */
	set_public_hex("0409F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
	               "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD14", CCSP_ERR_POINT);
	/* infinity as 04||0||0 and as 00 */
	set_public_hex("04" "0000000000000000000000000000000000000000000000000000000000000000"
	               "0000000000000000000000000000000000000000000000000000000000000000", CCSP_ERR_POINT);
	set_public_hex("00", CCSP_ERR_DECODE);
	/* coordinates >= p: x = p, and y + p (the same point mod p) */
	set_public_hex("04" P_HEX "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13", CCSP_ERR_POINT);
	set_public_hex("02" P_HEX, CCSP_ERR_POINT);
	set_public_hex("0409F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
	               "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", CCSP_ERR_POINT);
	/* x with no point on the curve: x = 2 gives y^2 = 8 - 6 + b, not a square mod p */
	set_public_hex("02" "0000000000000000000000000000000000000000000000000000000000000002", CCSP_ERR_POINT);
	/* bad prefixes and lengths */
	set_public_hex("05" "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
	               "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13", CCSP_ERR_DECODE);
	set_public_hex("04" "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020", CCSP_ERR_DECODE);
	set_public_hex("0409F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F350", CCSP_ERR_DECODE);
}

static void test_bad_signatures(void **state)
{
	(void)state;
	ccsp_sm2_key *key = key_from_hex(STD_D), *other = ccsp_sm2_key_new();
	assert_ok(ccsp_sm2_key_generate(other));
	uint8_t sig[64], bad[64], e[32];
	const uint8_t *m = (const uint8_t *)"message digest";
	hex2bin(STD_SIG, sig, sizeof sig);
	hex2bin(STD_E, e, sizeof e);
	assert_ok(ccsp_sm2_verify(key, NULL, 0, m, 14, sig));
	for (int i = 0; i < 64; i += 7) { /* tampered */
		memcpy(bad, sig, 64);
		bad[i] ^= 0x10;
		assert_ccsp(CCSP_ERR_SIGNATURE, ccsp_sm2_verify(key, NULL, 0, m, 14, bad));
	}
	assert_ccsp(CCSP_ERR_SIGNATURE, ccsp_sm2_verify(key, NULL, 0, m, 13, sig));                  /* message */
	assert_ccsp(CCSP_ERR_SIGNATURE, ccsp_sm2_verify(key, (const uint8_t *)"ALICE", 5, m, 14, sig)); /* ID */
	assert_ccsp(CCSP_ERR_SIGNATURE, ccsp_sm2_verify(other, NULL, 0, m, 14, sig));               /* key */
	/* r or s = 0, = n, >= n; r = s + n style out-of-range values */
	static const char *const rs_bad[] = {
	        "0000000000000000000000000000000000000000000000000000000000000000", N_HEX,
	        "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54124",
	        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"};
	for (size_t i = 0; i < 4; i++) {
		for (int half = 0; half < 2; half++) {
			memcpy(bad, sig, 64);
			hex2bin(rs_bad[i], bad + 32 * half, 32);
			assert_ccsp(CCSP_ERR_SIGNATURE, ccsp_sm2_verify_digest(key, e, bad));
		}
	}
	/* r + s = n */
	uint8_t n[32];
	hex2bin(N_HEX, n, 32);
	memset(bad, 0, 64);
	bad[31] = 1;
	memcpy(bad + 32, n, 32);
	bad[63] -= 1;
	assert_ccsp(CCSP_ERR_SIGNATURE, ccsp_sm2_verify_digest(key, e, bad));
	ccsp_sm2_key_free(key);
	ccsp_sm2_key_free(other);
}

/* A public key's verification table is made at its second use: both paths give the same answers, and a key
 * shared by threads gets one table (the others go without meanwhile). */
typedef struct table_arg {
	const ccsp_sm2_key *key;
	const uint8_t *sig;
	int ok;
} table_arg;

static void *verify_many(void *p)
{
	table_arg *a = p;
	uint8_t bad[64];
	memcpy(bad, a->sig, 64);
	bad[5] ^= 1;
	a->ok = 1;
	for (int i = 0; i < 40; i++)
		a->ok &= ccsp_sm2_verify(a->key, NULL, 0, (const uint8_t *)"message digest", 14, a->sig) == CCSP_OK &&
		         ccsp_sm2_verify(a->key, NULL, 0, (const uint8_t *)"message digest", 14, bad) == CCSP_ERR_SIGNATURE;
	return NULL;
}

static void test_lazy_table(void **state)
{
	(void)state;
	ccsp_sm2_key *full = key_from_hex(STD_D), *pub = ccsp_sm2_key_new(), *shared = ccsp_sm2_key_new();
	uint8_t point[65], sig[64], bad[64];
	const uint8_t *m = (const uint8_t *)"message digest";
	hex2bin(STD_SIG, sig, sizeof sig);
	memcpy(bad, sig, 64);
	bad[40] ^= 0x80;
	assert_ok(ccsp_sm2_key_get_public(full, point));
	assert_ok(ccsp_sm2_key_set_public(pub, point, sizeof point));
	assert_int_equal(pub->tab_state, 0);
	assert_ccsp(CCSP_ERR_SIGNATURE, ccsp_sm2_verify(pub, NULL, 0, m, 14, bad)); /* first use: no table */
	assert_int_equal(pub->tab_state, 0);
	assert_ok(ccsp_sm2_verify(pub, NULL, 0, m, 14, sig)); /* second: made */
	assert_int_equal(pub->tab_state, 2);
	assert_ok(ccsp_sm2_verify(pub, NULL, 0, m, 14, sig));
	assert_ccsp(CCSP_ERR_SIGNATURE, ccsp_sm2_verify(pub, NULL, 0, m, 14, bad));
	/* encryption to the key, with and without its table, decrypts */
	for (int i = 0; i < 3; i++) {
		ccsp_sm2_key *k = i < 2 ? pub : full;
		uint8_t ct[200], pt[16];
		size_t ctlen = 0, ptlen = 0;
		assert_ok(ccsp_sm2_encrypt(k, CCSP_SM2_C1C3C2, m, 14, ct, sizeof ct, &ctlen));
		assert_ok(ccsp_sm2_decrypt(full, CCSP_SM2_C1C3C2, ct, ctlen, pt, sizeof pt, &ptlen));
		assert_int_equal(ptlen, 14);
		assert_memory_equal(pt, m, 14);
	}
	/* threads on one fresh key */
	assert_ok(ccsp_sm2_key_set_public(shared, point, sizeof point));
	pthread_t th[4];
	table_arg args[4];
	for (int i = 0; i < 4; i++) {
		args[i] = (table_arg){shared, sig, 0};
		assert_int_equal(pthread_create(&th[i], NULL, verify_many, &args[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_true(args[i].ok);
	}
	assert_int_equal(shared->tab_state, 2);
	ccsp_sm2_key_free(full);
	ccsp_sm2_key_free(pub);
	ccsp_sm2_key_free(shared);
}

static void test_bad_ciphertexts(void **state)
{
	(void)state;
	ccsp_sm2_key *key = key_from_hex(STD_D);
	uint8_t ct[200], bad[200], pt[64];
	size_t ctlen = hex2bin(STD_C1 STD_C3 STD_C2, ct, sizeof ct), len = 99;
	/* tampered C3, C2, C1 */
	static const size_t where[] = {70, 100, 115, 5, 40};
	for (size_t i = 0; i < 5; i++) {
		memcpy(bad, ct, ctlen);
		bad[where[i]] ^= 1;
		memset(pt, 0xAA, sizeof pt);
		ccsp_err want = where[i] < 65 ? CCSP_ERR_DECODE : CCSP_ERR_AUTH;
		assert_ccsp(want, ccsp_sm2_decrypt(key, CCSP_SM2_C1C3C2, bad, ctlen, pt, sizeof pt, &len));
		for (size_t j = 0; j < 19; j++) /* output wiped */
			assert_true(pt[j] == 0 || (want == CCSP_ERR_DECODE && pt[j] == 0xAA));
	}
	/* the wrong order is an authentication failure */
	assert_ccsp(CCSP_ERR_AUTH, ccsp_sm2_decrypt(key, CCSP_SM2_C1C2C3, ct, ctlen, pt, sizeof pt, &len));
	/* truncated */
	assert_ccsp(CCSP_ERR_AUTH, ccsp_sm2_decrypt(key, CCSP_SM2_C1C3C2, ct, ctlen - 1, pt, sizeof pt, &len));
	assert_ccsp(CCSP_ERR_DECODE, ccsp_sm2_decrypt(key, CCSP_SM2_C1C3C2, ct, 97, pt, sizeof pt, &len));
	assert_ccsp(CCSP_ERR_DECODE, ccsp_sm2_decrypt(key, CCSP_SM2_C1C3C2, ct, 10, pt, sizeof pt, &len));
	/* C1 without 04, off the curve, at infinity */
	memcpy(bad, ct, ctlen);
	bad[0] = 0x02;
	assert_ccsp(CCSP_ERR_DECODE, ccsp_sm2_decrypt(key, CCSP_SM2_C1C3C2, bad, ctlen, pt, sizeof pt, &len));
	memset(bad, 0, 65);
	bad[0] = 0x04;
	assert_ccsp(CCSP_ERR_DECODE, ccsp_sm2_decrypt(key, CCSP_SM2_C1C3C2, bad, ctlen, pt, sizeof pt, &len));
	/* output buffer */
	assert_ccsp(CCSP_ERR_BUFFER_TOO_SMALL, ccsp_sm2_decrypt(key, CCSP_SM2_C1C3C2, ct, ctlen, pt, 18, &len));
	assert_int_equal(len, 19);
	assert_ccsp(CCSP_ERR_BUFFER_TOO_SMALL, ccsp_sm2_encrypt(key, CCSP_SM2_C1C3C2, pt, 19, ct, 115, &len));
	assert_int_equal(len, 116);
	assert_ccsp(CCSP_ERR_DATA_LENGTH, ccsp_sm2_encrypt(key, CCSP_SM2_C1C3C2, pt, 0, ct, sizeof ct, &len));
	/* a public-only key cannot decrypt */
	ccsp_sm2_key *pub = ccsp_sm2_key_new();
	uint8_t p[65];
	hex2bin(STD_P, p, sizeof p);
	assert_ok(ccsp_sm2_key_set_public(pub, p, 65));
	assert_ccsp(CCSP_ERR_KEY, ccsp_sm2_decrypt(pub, CCSP_SM2_C1C3C2, ct, ctlen, pt, sizeof pt, &len));
	ccsp_sm2_key_free(pub);
	ccsp_sm2_key_free(key);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	ccsp_sm2_key *key = key_from_hex(STD_D);
	static uint8_t id[CCSP_SM2_MAX_ID_LEN + 1];
	uint8_t z[32], sig[64], ct[200];
	size_t len;
	/* the longest ID and one byte more; the empty ID */
	assert_ok(ccsp_sm2_compute_z(key, id, CCSP_SM2_MAX_ID_LEN, z));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm2_compute_z(key, id, CCSP_SM2_MAX_ID_LEN + 1, z));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm2_sign(key, id, CCSP_SM2_MAX_ID_LEN + 1, id, 1, sig));
	assert_ok(ccsp_sm2_sign(key, id, 0, id, 1, sig));
	assert_ok(ccsp_sm2_verify(key, id, 0, id, 1, sig));
	assert_ccsp(CCSP_ERR_SIGNATURE, ccsp_sm2_verify(key, NULL, 0, id, 1, sig));
	/* NULLs */
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm2_sign_digest(NULL, z, sig));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm2_sign_digest(key, NULL, sig));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm2_verify_digest(key, z, NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm2_key_set_public(key, NULL, 65));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm2_encrypt(key, CCSP_SM2_C1C3C2, NULL, 1, ct, sizeof ct, &len));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm2_decrypt(key, CCSP_SM2_C1C3C2, NULL, 100, ct, sizeof ct, &len));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm2_encrypt(key, (ccsp_sm2_ct_format)7, z, 1, ct, sizeof ct, &len));
	/* DER: the buffer must hold the upper bound; garbage is a decode error */
	assert_ccsp(CCSP_ERR_BUFFER_TOO_SMALL, ccsp_sm2_encrypt(key, CCSP_SM2_DER, z, 1, ct, 116, &len));
	assert_int_equal(len, 117);
	memset(ct, 0x30, 120);
	assert_ccsp(CCSP_ERR_DECODE, ccsp_sm2_decrypt(key, CCSP_SM2_DER, ct, 120, z, sizeof z, &len));
	/* fixed-k hook rejects k = 0 and k = n */
	uint8_t k[32] = {0};
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm2_sign_digest_with_k(key, z, k, sig));
	hex2bin(N_HEX, k, 32);
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm2_sign_digest_with_k(key, z, k, sig));
	assert_false(ccsp_sm2_key_has_private(NULL));
	ccsp_sm2_key_free(NULL);
	ccsp_sm2_key_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_selftest_passes),
	        cmocka_unit_test(test_standard_example),
	        cmocka_unit_test(test_roundtrips),
	        cmocka_unit_test(test_openssl_signatures),
	        cmocka_unit_test(test_openssl_encryption),
	        cmocka_unit_test(test_bad_private_keys),
	        cmocka_unit_test(test_bad_public_keys),
	        cmocka_unit_test(test_bad_signatures),
	        cmocka_unit_test(test_lazy_table),
	        cmocka_unit_test(test_bad_ciphertexts),
	        cmocka_unit_test(test_bad_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VSM's key import under a wrapped SM2 pair and export to a public key (BYOK, vendor extension,
 * src/vsm/vsm_byok.c), called directly on a VSM in a temporary directory. Import: SM4 and HMAC keys SM2-encrypted
 * by OpenSSL 3 to the import key's public key, then used through the KEK functions and compared with the core on
 * the known key; SM2 keys as GM/T 0009 envelope pieces, then used through the wrapped-pair functions and checked
 * with the known public key. Export: decrypted by the core with the recipient's private key and compared; export
 * to the import key then import again gives the same key. Refusals: wrong import key, altered ciphertext, wrong
 * material length, d not matching pub or out of range, wrapped keys of another kind, KEK missing, the error state;
 * the audit records imports, exports and refusals and no key material.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include <ccsp/sdf.h>
#include <ccsp/sm2.h>
#include <ccsp/sm2_asn1.h>
#include <ccsp/sm3.h>
#include <ccsp/sm4.h>

#include "test_util.h"
#include "vsm/vsm_internal.h"

static const uint8_t SK[CCSP_VSM_STORAGE_KEY_SIZE] = "byok-test-storag";
#define OWNER 11
#define KEK_A 1
#define KEK_B 2
#define KEK_NONE 3 /* in range, empty */
#define W CCSP_VSM_WRAPPED_PAIR_SIZE
#define CT_MAX CCSP_VSM_BYOK_CT_MAX
#define ROUNDS 6

static struct {
	char dir[256];
	ccsp_vsm *vsm;
	ccsp_vsm_session *s;
	uint64_t id;
	uint8_t ipub[64], iw[W]; /* the import key: an encryption pair wrapped under KEK_A */
} fx;

static int group_setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(fx.dir, sizeof fx.dir, "%s/vsm_byok_test.XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(fx.dir) == NULL || ccsp_vsm_open(fx.dir, SK, NULL, &fx.vsm) != CCSP_OK)
		return -1;
	ccsp_vsm_keystore *ks = ccsp_vsm_get_keystore(fx.vsm);
	if (ccsp_vsm_keystore_generate(ks, CCSP_VSM_KEY_KEK, KEK_A, NULL, 0) != CCSP_OK ||
	    ccsp_vsm_keystore_generate(ks, CCSP_VSM_KEY_KEK, KEK_B, NULL, 0) != CCSP_OK ||
	    ccsp_vsm_session_open(fx.vsm, OWNER, &fx.id) != CCSP_OK ||
	    ccsp_vsm_session_acquire(fx.vsm, OWNER, fx.id, &fx.s) != CCSP_OK ||
	    ccsp_vsm_pair_generate_kek(fx.s, KEK_A, CCSP_VSM_KEY_ENC, fx.ipub, fx.iw) != CCSP_OK)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	ccsp_vsm_session_release(fx.s);
	ccsp_vsm_free(fx.vsm);
	test_rm_tree(fx.dir);
	return 0;
}

/* ---- oracles ---- */

/* msg SM2-encrypted by OpenSSL to pub, as the module's wire form C1 x||y || C3 || C2 (len + 96 bytes). */
static size_t ossl_encrypt(const uint8_t pub[64], const uint8_t *msg, size_t len, uint8_t *out)
{
	uint8_t der[64 + 128], raw[64 + 97];
	size_t derlen = sizeof der, rawlen;
	assert_true(len <= 64);
	EVP_PKEY *pk = test_ossl_sm2_pub(pub);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk, NULL);
	assert_int_equal(EVP_PKEY_encrypt_init(ctx), 1);
	assert_int_equal(EVP_PKEY_encrypt(ctx, der, &derlen, msg, len), 1);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	assert_ok(ccsp_sm2_ciphertext_from_der(der, derlen, raw, sizeof raw, &rawlen));
	assert_int_equal(rawlen, len + 97);
	memcpy(out, raw + 1, rawlen - 1);
	return rawlen - 1;
}

/* A pair the test holds: the core's key object, its d and x||y. */
static ccsp_sm2_key *core_pair(uint8_t d[32], uint8_t pub[64])
{
	uint8_t pt[65];
	ccsp_sm2_key *k = ccsp_sm2_key_new();
	assert_non_null(k);
	assert_ok(ccsp_sm2_key_generate(k));
	assert_ok(ccsp_sm2_key_get_private(k, d));
	assert_ok(ccsp_sm2_key_get_public(k, pt));
	memcpy(pub, pt + 1, 64);
	return k;
}

/* The core's decryption of the wire form ct with k into out (ctlen - 96 bytes). */
static void core_decrypt(const ccsp_sm2_key *k, const uint8_t *ct, size_t ctlen, uint8_t *out)
{
	uint8_t full[CT_MAX + 1];
	size_t n;
	full[0] = 4;
	memcpy(full + 1, ct, ctlen);
	assert_ok(ccsp_sm2_decrypt(k, CCSP_SM2_C1C3C2, full, ctlen + 1, out, ctlen - 96, &n));
	assert_int_equal(n, ctlen - 96);
}

static void sm4_ecb(const uint8_t key[16], int enc, const uint8_t *in, uint8_t *out, size_t len)
{
	ccsp_sm4_key k;
	assert_ok(ccsp_sm4_set_key(&k, key, 16));
	if (enc)
		assert_ok(ccsp_sm4_ecb_encrypt(&k, in, out, len));
	else
		assert_ok(ccsp_sm4_ecb_decrypt(&k, in, out, len));
	ccsp_sm4_key_wipe(&k);
}

/* The envelope pieces of d for the import key: a fresh SM4 key SM2-encrypted (by OpenSSL), d encrypted with it. */
static size_t envelope(const uint8_t d[32], uint8_t *ct, uint8_t encd[32])
{
	uint8_t k[16];
	test_rand(k, sizeof k);
	sm4_ecb(k, 1, d, encd, 32);
	return ossl_encrypt(fx.ipub, k, sizeof k, ct);
}

/* A wrapped SM4 or HMAC key (SM4-ECB: wl 16 or 32; sealed: 46 or 62) works as the key it was made from: SM4-ECB
 * of a block, or HMAC-SM3. */
static void assert_wrapped_is(const uint8_t *w, size_t wl, const uint8_t *key)
{
	uint64_t h;
	uint8_t block[16], got[32], want[32];
	size_t n;
	test_rand(block, sizeof block);
	assert_ok(ccsp_vsm_key_import_kek(fx.s, KEK_A, test_wrap_alg(wl), w, wl, &h));
	if (wl == 16 || wl == SDF_WRAPPED_KEY_SIZE(16)) {
		assert_ok(ccsp_vsm_encrypt(fx.s, h, SGD_SM4_ECB, NULL, block, sizeof block, got));
		sm4_ecb(key, 1, block, want, sizeof block);
		n = 16;
	} else {
		assert_ok(ccsp_vsm_hmac_init(fx.s, h, SGD_SM3));
		assert_ok(ccsp_vsm_hmac_update(fx.s, block, sizeof block));
		assert_ok(ccsp_vsm_hmac_final(fx.s, got));
		assert_ok(ccsp_hmac_sm3(key, 32, block, sizeof block, want));
		n = 32;
	}
	assert_memory_equal(got, want, n);
	assert_ok(ccsp_vsm_key_destroy(fx.s, h));
}

/* Nothing of an imported or exported key stays in the session. */
static void assert_no_session_keys(void)
{
	for (uint32_t i = 0; i < fx.vsm->lim.max_session_keys; i++)
		assert_int_equal(fx.s->keys[i].handle, 0);
}

/* ---- import ---- */

static void test_import_symmetric(void **state)
{
	(void)state;
	uint8_t key[32], ct[CT_MAX], w[W];
	size_t ctlen, wl;
	test_rand_seed(31);
	for (int i = 0; i < 2 * ROUNDS; i++) {
		ccsp_vsm_material kind = i % 2 ? CCSP_VSM_MATERIAL_HMAC : CCSP_VSM_MATERIAL_SM4;
		size_t n = kind == CCSP_VSM_MATERIAL_SM4 ? 16 : 32;
		test_rand(key, n);
		ctlen = ossl_encrypt(fx.ipub, key, n, ct);
		wl = 0;
		assert_ok(ccsp_vsm_byok_import(fx.s, KEK_A, fx.iw, W, kind, ct, ctlen, NULL, NULL, w, &wl));
		assert_int_equal(wl, SDF_WRAPPED_KEY_SIZE(n)); /* sealed */
		assert_wrapped_is(w, wl, key);
	}
	assert_no_session_keys();
}

static void test_import_sm2(void **state)
{
	(void)state;
	uint8_t d[32], pub[64], ct[CT_MAX], encd[32], w[W], msg[100], e[32], sig[64], raw[100 + 97], back[100];
	size_t ctlen, wl, rawlen;
	test_rand_seed(32);
	for (int i = 0; i < ROUNDS; i++) {
		ccsp_sm2_key *k = core_pair(d, pub);
		ctlen = envelope(d, ct, encd);
		/* a signing key: signatures verify with the known public key */
		assert_ok(ccsp_vsm_byok_import(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM2_SIGN, ct, ctlen, encd, pub, w,
		                               &wl));
		assert_int_equal(wl, W);
		assert_int_equal(w[1], CCSP_VSM_KEY_SIGN);
		size_t len = 1 + test_rand_below(sizeof msg);
		test_rand(msg, len);
		assert_ok(ccsp_sm2_compute_e(k, NULL, 0, msg, len, e));
		assert_ok(ccsp_vsm_pair_sign_kek(fx.s, KEK_A, w, wl, e, sig));
		assert_ok(ccsp_sm2_verify(k, NULL, 0, msg, len, sig));
		memset(raw, 0, sizeof raw);
		assert_ccsp(CCSP_ERR_KEY_TYPE, ccsp_vsm_pair_decrypt_kek(fx.s, KEK_A, w, wl, raw, 97 + 16, back));
		/* the same key as an encryption key: it decrypts what the core encrypted to the public key */
		assert_ok(ccsp_vsm_byok_import(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM2_ENC, ct, ctlen, encd, pub, w,
		                               &wl));
		assert_int_equal(w[1], CCSP_VSM_KEY_ENC);
		assert_ok(ccsp_sm2_encrypt(k, CCSP_SM2_C1C3C2, msg, len, raw, sizeof raw, &rawlen));
		assert_ok(ccsp_vsm_pair_decrypt_kek(fx.s, KEK_A, w, wl, raw + 1, rawlen - 1, back));
		assert_memory_equal(back, msg, len);
		assert_ccsp(CCSP_ERR_KEY_TYPE, ccsp_vsm_pair_sign_kek(fx.s, KEK_A, w, wl, e, sig));
		ccsp_sm2_key_free(k);
	}
	assert_no_session_keys();
}

static void test_import_refusals(void **state)
{
	(void)state;
	uint8_t key[32], ct[CT_MAX], t[CT_MAX], w[W], d[32], pub[64], d2[32], pub2[64], encd[32], ebad[32], k[16];
	uint8_t opub[64], ow[W], spub[64], sw[W];
	size_t ctlen, wl;
	test_rand_seed(33);
	test_rand(key, sizeof key);
	ctlen = ossl_encrypt(fx.ipub, key, 16, ct);
	/* a ciphertext for another import key: C3 does not match */
	assert_ok(ccsp_vsm_pair_generate_kek(fx.s, KEK_A, CCSP_VSM_KEY_ENC, opub, ow));
	assert_ccsp(CCSP_ERR_AUTH, ccsp_vsm_byok_import(fx.s, KEK_A, ow, W, CCSP_VSM_MATERIAL_SM4, ct, ctlen, NULL, NULL,
	                                                w, &wl));
	/* altered ciphertext: C1, C3, C2 */
	static const size_t at[] = {0, 40, 64, 95, 96, 111};
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		memcpy(t, ct, ctlen);
		t[at[i]] ^= 0x01;
		assert_ccsp(CCSP_ERR_AUTH, ccsp_vsm_byok_import(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM4, t, ctlen,
		                                                NULL, NULL, w, &wl));
	}
	/* the import key: a signing wrap, altered, under another KEK, the KEK missing */
	assert_ok(ccsp_vsm_pair_generate_kek(fx.s, KEK_A, CCSP_VSM_KEY_SIGN, spub, sw));
	assert_ccsp(CCSP_ERR_KEY_TYPE, ccsp_vsm_byok_import(fx.s, KEK_A, sw, W, CCSP_VSM_MATERIAL_SM4, ct, ctlen, NULL,
	                                                    NULL, w, &wl));
	memcpy(t, fx.iw, W);
	t[30] ^= 0x10;
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_byok_import(fx.s, KEK_A, t, W, CCSP_VSM_MATERIAL_SM4, ct, ctlen, NULL, NULL, w,
	                                               &wl));
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_byok_import(fx.s, KEK_A, fx.iw, W - 1, CCSP_VSM_MATERIAL_SM4, ct, ctlen, NULL,
	                                               NULL, w, &wl));
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_byok_import(fx.s, KEK_B, fx.iw, W, CCSP_VSM_MATERIAL_SM4, ct, ctlen, NULL,
	                                               NULL, w, &wl));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_byok_import(fx.s, KEK_NONE, fx.iw, W, CCSP_VSM_MATERIAL_SM4, ct,
	                                                         ctlen, NULL, NULL, w, &wl));
	/* material of the wrong length for the kind */
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_byok_import(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_HMAC, ct, ctlen, NULL,
	                                               NULL, w, &wl));
	ctlen = ossl_encrypt(fx.ipub, key, 32, ct);
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_byok_import(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM4, ct, ctlen, NULL,
	                                               NULL, w, &wl));
	ccsp_sm2_key *kk = core_pair(d, pub);
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_byok_import(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM2_SIGN, ct, ctlen,
	                                               key, pub, w, &wl)); /* a 32-byte envelope key */
	ctlen = ossl_encrypt(fx.ipub, key, 24, ct);
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_byok_import(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM4, ct, ctlen, NULL,
	                                               NULL, w, &wl));
	/* d not matching pub: another key's public key, d altered, d zero, d = n */
	ccsp_sm2_key *k2 = core_pair(d2, pub2);
	ctlen = envelope(d, ct, encd);
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_byok_import(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM2_SIGN, ct, ctlen,
	                                               encd, pub2, w, &wl));
	memcpy(ebad, encd, 32);
	ebad[31] ^= 1;
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_byok_import(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM2_ENC, ct, ctlen,
	                                               ebad, pub, w, &wl));
	static const uint8_t n_order[32] = {0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	                                    0xff, 0xff, 0xff, 0xff, 0xff, 0x72, 0x03, 0xdf, 0x6b, 0x21, 0xc6,
	                                    0x05, 0x2b, 0x53, 0xbb, 0xf4, 0x09, 0x39, 0xd5, 0x41, 0x23};
	uint8_t zero[32] = {0};
	const uint8_t *bad_d[] = {zero, n_order};
	for (size_t i = 0; i < 2; i++) {
		test_rand(k, sizeof k);
		sm4_ecb(k, 1, bad_d[i], ebad, 32);
		ctlen = ossl_encrypt(fx.ipub, k, sizeof k, ct);
		assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_byok_import(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM2_SIGN, ct, ctlen,
		                                               ebad, pub, w, &wl));
	}
	/* the right pieces still import */
	ctlen = envelope(d, ct, encd);
	assert_ok(ccsp_vsm_byok_import(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM2_SIGN, ct, ctlen, encd, pub, w, &wl));
	/* arguments */
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_byok_import(fx.s, KEK_A, fx.iw, W, (ccsp_vsm_material)0, ct, ctlen, encd, pub,
	                                               w, &wl));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_byok_import(fx.s, KEK_A, fx.iw, W, (ccsp_vsm_material)5, ct, ctlen, encd, pub,
	                                               w, &wl));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_byok_import(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM2_SIGN, ct, ctlen,
	                                               encd, NULL, w, &wl));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_byok_import(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM4, ct, 96, NULL, NULL,
	                                               w, &wl));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_byok_import(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM4, ct, CT_MAX + 1,
	                                               NULL, NULL, w, &wl));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_byok_import(fx.s, 0, fx.iw, W, CCSP_VSM_MATERIAL_SM4, ct, ctlen, NULL, NULL,
	                                               w, &wl));
	ccsp_sm2_key_free(kk);
	ccsp_sm2_key_free(k2);
	assert_no_session_keys();
}

/* ---- export ---- */

static void test_export_symmetric(void **state)
{
	(void)state;
	uint8_t rd[32], rpub[64], w[32], ct[CT_MAX], key[32], w2[W];
	size_t wl, ctlen, wl2;
	uint64_t h;
	test_rand_seed(34);
	ccsp_sm2_key *r = core_pair(rd, rpub);
	for (int i = 0; i < 2 * ROUNDS; i++) {
		ccsp_vsm_material kind = i % 2 ? CCSP_VSM_MATERIAL_HMAC : CCSP_VSM_MATERIAL_SM4;
		uint32_t bits = kind == CCSP_VSM_MATERIAL_SM4 ? 128 : 256;
		assert_ok(ccsp_vsm_key_generate_kek(fx.s, KEK_A, bits, SGD_SM4_ECB, w, &wl, &h));
		assert_ok(ccsp_vsm_key_destroy(fx.s, h));
		ctlen = 0;
		assert_ok(ccsp_vsm_byok_export(fx.s, KEK_A, kind, w, wl, rpub, ct, &ctlen, NULL));
		assert_int_equal(ctlen, bits / 8 + 96);
		core_decrypt(r, ct, ctlen, key);
		assert_wrapped_is(w, wl, key); /* the recipient has the key the wrap holds */
		/* exported to the import key and imported again: the same key, sealed now (the SM4-ECB wrap is only read) */
		assert_ok(ccsp_vsm_byok_export(fx.s, KEK_A, kind, w, wl, fx.ipub, ct, &ctlen, NULL));
		assert_ok(ccsp_vsm_byok_import(fx.s, KEK_A, fx.iw, W, kind, ct, ctlen, NULL, NULL, w2, &wl2));
		assert_int_equal(wl2, SDF_WRAPPED_KEY_SIZE(wl));
		assert_wrapped_is(w2, wl2, key);
	}
	ccsp_sm2_key_free(r);
	assert_no_session_keys();
}

static void test_export_sm2(void **state)
{
	(void)state;
	uint8_t rd[32], rpub[64], pub[64], w[W], w2[W], ct[CT_MAX], encd[32], k[16], d[32], pt[65], e[32] = {9}, sig[64];
	size_t ctlen, wl2;
	test_rand_seed(35);
	ccsp_sm2_key *r = core_pair(rd, rpub);
	for (int i = 0; i < ROUNDS; i++) {
		ccsp_vsm_key_kind usage = i % 2 ? CCSP_VSM_KEY_ENC : CCSP_VSM_KEY_SIGN;
		ccsp_vsm_material kind = i % 2 ? CCSP_VSM_MATERIAL_SM2_ENC : CCSP_VSM_MATERIAL_SM2_SIGN;
		assert_ok(ccsp_vsm_pair_generate_kek(fx.s, KEK_B, usage, pub, w));
		assert_ok(ccsp_vsm_byok_export(fx.s, KEK_B, kind, w, W, rpub, ct, &ctlen, encd));
		assert_int_equal(ctlen, 16 + 96);
		core_decrypt(r, ct, ctlen, k);
		sm4_ecb(k, 0, encd, d, 32);
		ccsp_sm2_key *got = ccsp_sm2_key_new();
		assert_ok(ccsp_sm2_key_set_private(got, d));
		assert_ok(ccsp_sm2_key_get_public(got, pt));
		assert_memory_equal(pt + 1, pub, 64); /* the recipient has the private key of pub */
		ccsp_sm2_key_free(got);
		/* each export has a fresh envelope key */
		uint8_t encd2[32];
		assert_ok(ccsp_vsm_byok_export(fx.s, KEK_B, kind, w, W, rpub, ct, &ctlen, encd2));
		assert_memory_not_equal(encd, encd2, 32);
	}
	/* a signing key exported to the import key (under KEK_A) and imported again: it signs for pub */
	assert_ok(ccsp_vsm_pair_generate_kek(fx.s, KEK_A, CCSP_VSM_KEY_SIGN, pub, w));
	assert_ok(ccsp_vsm_byok_export(fx.s, KEK_A, CCSP_VSM_MATERIAL_SM2_SIGN, w, W, fx.ipub, ct, &ctlen, encd));
	assert_ok(ccsp_vsm_byok_import(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM2_SIGN, ct, ctlen, encd, pub, w2, &wl2));
	assert_memory_not_equal(w2, w, W); /* a fresh IV */
	assert_ok(ccsp_vsm_pair_sign_kek(fx.s, KEK_A, w2, wl2, e, sig));
	assert_ok(ccsp_vsm_external_verify(fx.s, pub, e, sig));
	ccsp_sm2_key_free(r);
	assert_no_session_keys();
}

static void test_export_refusals(void **state)
{
	(void)state;
	uint8_t rd[32], rpub[64], s16[16], h32[32], pub[64], sw[W], ew[W], t[W], ct[CT_MAX], encd[32];
	size_t l16, l32, ctlen;
	uint64_t h;
	ccsp_sm2_key *r = core_pair(rd, rpub);
	assert_ok(ccsp_vsm_key_generate_kek(fx.s, KEK_A, 128, SGD_SM4_ECB, s16, &l16, &h));
	assert_ok(ccsp_vsm_key_destroy(fx.s, h));
	assert_ok(ccsp_vsm_key_generate_kek(fx.s, KEK_A, 256, SGD_SM4_ECB, h32, &l32, &h));
	assert_ok(ccsp_vsm_key_destroy(fx.s, h));
	assert_ok(ccsp_vsm_pair_generate_kek(fx.s, KEK_A, CCSP_VSM_KEY_SIGN, pub, sw));
	assert_ok(ccsp_vsm_pair_generate_kek(fx.s, KEK_A, CCSP_VSM_KEY_ENC, pub, ew));
	/* wrapped keys of another kind */
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_byok_export(fx.s, KEK_A, CCSP_VSM_MATERIAL_HMAC, s16, l16, rpub, ct, &ctlen,
	                                               NULL));
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_byok_export(fx.s, KEK_A, CCSP_VSM_MATERIAL_SM4, h32, l32, rpub, ct, &ctlen,
	                                               NULL));
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_byok_export(fx.s, KEK_A, CCSP_VSM_MATERIAL_SM4, sw, W, rpub, ct, &ctlen, NULL));
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_byok_export(fx.s, KEK_A, CCSP_VSM_MATERIAL_SM2_SIGN, h32, l32, rpub, ct,
	                                               &ctlen, encd));
	assert_ccsp(CCSP_ERR_KEY_TYPE, ccsp_vsm_byok_export(fx.s, KEK_A, CCSP_VSM_MATERIAL_SM2_ENC, sw, W, rpub, ct,
	                                                    &ctlen, encd));
	assert_ccsp(CCSP_ERR_KEY_TYPE, ccsp_vsm_byok_export(fx.s, KEK_A, CCSP_VSM_MATERIAL_SM2_SIGN, ew, W, rpub, ct,
	                                                    &ctlen, encd));
	/* a pair wrap altered or under another KEK; the KEK missing */
	memcpy(t, sw, W);
	t[W - 1] ^= 0x80;
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_byok_export(fx.s, KEK_A, CCSP_VSM_MATERIAL_SM2_SIGN, t, W, rpub, ct, &ctlen,
	                                               encd));
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_byok_export(fx.s, KEK_B, CCSP_VSM_MATERIAL_SM2_SIGN, sw, W, rpub, ct, &ctlen,
	                                               encd));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_byok_export(fx.s, KEK_NONE, CCSP_VSM_MATERIAL_SM2_SIGN, sw, W, rpub,
	                                                         ct, &ctlen, encd));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_byok_export(fx.s, KEK_NONE, CCSP_VSM_MATERIAL_SM4, s16, l16, rpub,
	                                                         ct, &ctlen, NULL));
	/* a recipient that is not a point */
	uint8_t bad[64];
	memcpy(bad, rpub, 64);
	bad[63] ^= 1;
	assert_ccsp(CCSP_ERR_POINT, ccsp_vsm_byok_export(fx.s, KEK_A, CCSP_VSM_MATERIAL_SM4, s16, l16, bad, ct, &ctlen,
	                                                 NULL));
	assert_ccsp(CCSP_ERR_POINT, ccsp_vsm_byok_export(fx.s, KEK_A, CCSP_VSM_MATERIAL_SM2_SIGN, sw, W, bad, ct, &ctlen,
	                                                 encd));
	/* arguments */
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_byok_export(fx.s, KEK_A, (ccsp_vsm_material)0, s16, l16, rpub, ct, &ctlen,
	                                               NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_byok_export(fx.s, KEK_A, CCSP_VSM_MATERIAL_SM2_SIGN, sw, W, rpub, ct, &ctlen,
	                                               NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_byok_export(fx.s, KEK_A, CCSP_VSM_MATERIAL_SM4, s16, l16, NULL, ct, &ctlen,
	                                               NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_byok_export(fx.s, 0, CCSP_VSM_MATERIAL_SM4, s16, l16, rpub, ct, &ctlen, NULL));
	ccsp_sm2_key_free(r);
	assert_no_session_keys();
}

/* In the error state both answer CCSP_ERR_MODULE_STATE. */
static void test_error_state(void **state)
{
	(void)state;
	uint8_t key[16] = {1}, ct[CT_MAX], w[W], s16[16], rd[32], rpub[64];
	size_t ctlen = ossl_encrypt(fx.ipub, key, sizeof key, ct), wl, l16;
	uint64_t h;
	ccsp_sm2_key *r = core_pair(rd, rpub);
	assert_ok(ccsp_vsm_key_generate_kek(fx.s, KEK_A, 128, SGD_SM4_ECB, s16, &l16, &h));
	assert_ok(ccsp_vsm_key_destroy(fx.s, h));
	atomic_store(&fx.vsm->state, CCSP_VSM_STATE_ERROR);
	ccsp_err i = ccsp_vsm_byok_import(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM4, ct, ctlen, NULL, NULL, w, &wl);
	ccsp_err e = ccsp_vsm_byok_export(fx.s, KEK_A, CCSP_VSM_MATERIAL_SM4, s16, l16, rpub, ct, &ctlen, NULL);
	atomic_store(&fx.vsm->state, CCSP_VSM_STATE_OPERATIONAL);
	assert_ccsp(CCSP_ERR_MODULE_STATE, i);
	assert_ccsp(CCSP_ERR_MODULE_STATE, e);
	assert_ok(ccsp_vsm_byok_import(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM4, ct, ctlen, NULL, NULL, w, &wl));
	ccsp_sm2_key_free(r);
}

/* The audit has the imports, exports and refusals, and none of the key bytes it saw. */
static void test_audit(void **state)
{
	(void)state;
	uint8_t key[16], ct[CT_MAX], w[W];
	size_t ctlen, wl;
	char path[300], line[1024], hex[33];
	test_rand(key, sizeof key);
	for (size_t i = 0; i < sizeof key; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	ctlen = ossl_encrypt(fx.ipub, key, sizeof key, ct);
	assert_ok(ccsp_vsm_byok_import(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM4, ct, ctlen, NULL, NULL, w, &wl));
	int imports = 0, exports = 0, refused = 0;
	snprintf(path, sizeof path, "%s/audit.log", fx.dir);
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof line, fp) != NULL) {
		imports += strstr(line, "key.import") != NULL;
		exports += strstr(line, "key.export") != NULL;
		refused += strstr(line, "import.refused") != NULL;
		assert_null(strstr(line, hex));
	}
	fclose(fp);
	assert_true(imports > 0);
	assert_true(exports > 0);
	assert_true(refused > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import_symmetric),  cmocka_unit_test(test_import_sm2),
		cmocka_unit_test(test_import_refusals),   cmocka_unit_test(test_export_symmetric),
		cmocka_unit_test(test_export_sm2),        cmocka_unit_test(test_export_refusals),
		cmocka_unit_test(test_error_state),       cmocka_unit_test(test_audit),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

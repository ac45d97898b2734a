/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VSM's SM2 pairs wrapped under a KEK (vendor extension, src/vsm/vsm_wrapped.c), called directly on a VSM in a
 * temporary directory: round trips with signatures checked by the core and by OpenSSL 3 (the public key from
 * x||y, e recomputed with Z), ciphertexts made by the core and by OpenSSL; a wrap refused for the other usage, with
 * any byte altered, under another KEK, truncated or lengthened; nothing of the key left in the session; the error
 * state. Then SM4-GCM with a KEK-wrapped SM4 key (vsm_sym.c): the RFC 8998 vector through a wrap, interop with the
 * session-key path (import_kek + auth_enc / auth_dec), fresh IVs, tampering, wrap lengths and KEKs.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include <ccsp/mem.h>
#include <ccsp/sdf.h>
#include <ccsp/sm2.h>
#include <ccsp/sm2_asn1.h>

#include "test_util.h"
#include "vsm/vsm_internal.h"

static const uint8_t SK[CCSP_VSM_STORAGE_KEY_SIZE] = "wrap-test-storag";
#define OWNER 9
#define KEK_A 1
#define KEK_B 2
#define KEK_NONE 3 /* in range, empty */
#define W CCSP_VSM_WRAPPED_PAIR_SIZE
#define ROUNDS 8

static struct {
	char dir[256];
	ccsp_vsm *vsm;
	ccsp_vsm_session *s;
	uint64_t id;
} fx;

static int group_setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(fx.dir, sizeof fx.dir, "%s/vsm_wrapped_test.XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(fx.dir) == NULL || ccsp_vsm_open(fx.dir, SK, NULL, &fx.vsm) != CCSP_OK)
		return -1;
	ccsp_vsm_keystore *ks = ccsp_vsm_get_keystore(fx.vsm);
	if (ccsp_vsm_keystore_generate(ks, CCSP_VSM_KEY_KEK, KEK_A, NULL, 0) != CCSP_OK ||
	    ccsp_vsm_keystore_generate(ks, CCSP_VSM_KEY_KEK, KEK_B, NULL, 0) != CCSP_OK ||
	    ccsp_vsm_session_open(fx.vsm, OWNER, &fx.id) != CCSP_OK ||
	    ccsp_vsm_session_acquire(fx.vsm, OWNER, fx.id, &fx.s) != CCSP_OK)
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

/* The core's public-key object of x||y. */
static ccsp_sm2_key *core_pub(const uint8_t pub[64])
{
	uint8_t pt[65] = {4};
	memcpy(pt + 1, pub, 64);
	ccsp_sm2_key *k = ccsp_sm2_key_new();
	assert_non_null(k);
	assert_ok(ccsp_sm2_key_set_public(k, pt, sizeof pt));
	return k;
}

/* Nothing of a wrapped key stays in the session: no session key, no cached key object. */
static void assert_session_clean(void)
{
	for (uint32_t i = 0; i < fx.vsm->lim.max_session_keys; i++)
		assert_int_equal(fx.s->keys[i].handle, 0);
	assert_null(fx.s->ext_pub);
}

static void test_sign_round_trip(void **state)
{
	(void)state;
	uint8_t pub[64], pub2[64], w[W], w2[W], msg[200], e[32], sig[64];
	test_rand_seed(21);
	for (int i = 0; i < ROUNDS; i++) {
		assert_ok(ccsp_vsm_pair_generate_kek(fx.s, KEK_A, CCSP_VSM_KEY_SIGN, pub, w));
		assert_int_equal(w[0], CCSP_VSM_WRAPPED_VERSION);
		assert_int_equal(w[1], CCSP_VSM_KEY_SIGN);
		ccsp_sm2_key *k = core_pub(pub);
		EVP_PKEY *pk = test_ossl_sm2_pub(pub);
		size_t len = 1 + test_rand_below(sizeof msg);
		test_rand(msg, len);
		assert_ok(ccsp_sm2_compute_e(k, NULL, 0, msg, len, e));
		assert_ok(ccsp_vsm_pair_sign_kek(fx.s, KEK_A, w, sizeof w, e, sig));
		assert_ok(ccsp_sm2_verify(k, NULL, 0, msg, len, sig));
		assert_int_equal(test_ossl_sm2_verify(pk, msg, len, sig), 1);
		msg[0] ^= 1; /* the oracles can say no */
		assert_ccsp(CCSP_ERR_SIGNATURE, ccsp_sm2_verify(k, NULL, 0, msg, len, sig));
		assert_int_not_equal(test_ossl_sm2_verify(pk, msg, len, sig), 1);
		EVP_PKEY_free(pk);
		ccsp_sm2_key_free(k);
	}
	/* every pair and every wrap is new: a fresh key and a fresh IV */
	assert_ok(ccsp_vsm_pair_generate_kek(fx.s, KEK_A, CCSP_VSM_KEY_SIGN, pub2, w2));
	assert_memory_not_equal(pub, pub2, sizeof pub);
	assert_memory_not_equal(w + 2, w2 + 2, CCSP_VSM_KEK_AEAD_IV_SIZE);
	assert_session_clean();
}

static void test_decrypt_round_trip(void **state)
{
	(void)state;
	uint8_t pub[64], w[W], msg[300], raw[300 + 97], der[300 + 120], back[300];
	size_t rawlen, derlen, len;
	test_rand_seed(22);
	assert_ok(ccsp_vsm_pair_generate_kek(fx.s, KEK_B, CCSP_VSM_KEY_ENC, pub, w));
	assert_int_equal(w[1], CCSP_VSM_KEY_ENC);
	ccsp_sm2_key *k = core_pub(pub);
	EVP_PKEY *pk = test_ossl_sm2_pub(pub);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk, NULL);
	for (int i = 0; i < ROUNDS; i++) {
		len = 1 + test_rand_below(sizeof msg);
		test_rand(msg, len);
		if (i % 2 == 0) {
			assert_ok(ccsp_sm2_encrypt(k, CCSP_SM2_C1C3C2, msg, len, raw, sizeof raw, &rawlen));
		} else { /* OpenSSL encrypts (GM/T 0009 DER), the codec turns it into C1C3C2 */
			derlen = sizeof der;
			assert_int_equal(EVP_PKEY_encrypt_init(ctx), 1);
			assert_int_equal(EVP_PKEY_encrypt(ctx, der, &derlen, msg, len), 1);
			assert_ok(ccsp_sm2_ciphertext_from_der(der, derlen, raw, sizeof raw, &rawlen));
		}
		assert_int_equal(rawlen, len + 97);
		memset(back, 0, sizeof back);
		assert_ok(ccsp_vsm_pair_decrypt_kek(fx.s, KEK_B, w, sizeof w, raw + 1, rawlen - 1, back));
		assert_memory_equal(back, msg, len);
		raw[rawlen - 1] ^= 1; /* C2 altered: C3 no longer matches */
		assert_ccsp(CCSP_ERR_AUTH, ccsp_vsm_pair_decrypt_kek(fx.s, KEK_B, w, sizeof w, raw + 1, rawlen - 1, back));
	}
	/* a ciphertext for another key */
	uint8_t pub2[64], w2[W];
	assert_ok(ccsp_vsm_pair_generate_kek(fx.s, KEK_B, CCSP_VSM_KEY_ENC, pub2, w2));
	assert_ok(ccsp_sm2_encrypt(k, CCSP_SM2_C1C3C2, msg, 20, raw, sizeof raw, &rawlen));
	assert_ccsp(CCSP_ERR_AUTH, ccsp_vsm_pair_decrypt_kek(fx.s, KEK_B, w2, sizeof w2, raw + 1, rawlen - 1, back));
	/* ciphertext lengths as ccsp_vsm_external_decrypt */
	assert_ccsp(CCSP_ERR_DATA_LENGTH, ccsp_vsm_pair_decrypt_kek(fx.s, KEK_B, w, sizeof w, raw + 1, 96, back));
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	ccsp_sm2_key_free(k);
	assert_session_clean();
}

/* A signing wrap never decrypts and an encryption wrap never signs; rewriting the usage byte breaks the tag. */
static void test_usage_confusion(void **state)
{
	(void)state;
	uint8_t spub[64], epub[64], sw[W], ew[W], e[32] = {1}, sig[64], raw[20 + 97], out[20], msg[20] = {2};
	size_t rawlen;
	assert_ok(ccsp_vsm_pair_generate_kek(fx.s, KEK_A, CCSP_VSM_KEY_SIGN, spub, sw));
	assert_ok(ccsp_vsm_pair_generate_kek(fx.s, KEK_A, CCSP_VSM_KEY_ENC, epub, ew));
	ccsp_sm2_key *sk = core_pub(spub), *ek = core_pub(epub);
	assert_ok(ccsp_sm2_encrypt(sk, CCSP_SM2_C1C3C2, msg, sizeof msg, raw, sizeof raw, &rawlen));
	assert_ccsp(CCSP_ERR_KEY_TYPE, ccsp_vsm_pair_decrypt_kek(fx.s, KEK_A, sw, W, raw + 1, rawlen - 1, out));
	assert_ccsp(CCSP_ERR_KEY_TYPE, ccsp_vsm_pair_sign_kek(fx.s, KEK_A, ew, W, e, sig));
	sw[1] = CCSP_VSM_KEY_ENC; /* relabelled: the AAD no longer matches */
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_pair_decrypt_kek(fx.s, KEK_A, sw, W, raw + 1, rawlen - 1, out));
	ew[1] = CCSP_VSM_KEY_SIGN;
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_pair_sign_kek(fx.s, KEK_A, ew, W, e, sig));
	/* a usage the format does not have */
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_pair_generate_kek(fx.s, KEK_A, CCSP_VSM_KEY_KEK, spub, sw));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_pair_generate_kek(fx.s, KEK_A, (ccsp_vsm_key_kind)0, spub, sw));
	ccsp_sm2_key_free(sk);
	ccsp_sm2_key_free(ek);
}

/* Every byte of a wrap is covered: any single-bit or whole-byte change at any position is refused. */
static void test_tamper_every_byte(void **state)
{
	(void)state;
	uint8_t pub[64], epub[64], sw[W], ew[W], t[W], e[32] = {3}, sig[64], msg[16] = {4}, raw[16 + 97], out[16];
	size_t rawlen;
	static const uint8_t flips[] = {0x01, 0x80, 0xff};
	assert_ok(ccsp_vsm_pair_generate_kek(fx.s, KEK_A, CCSP_VSM_KEY_SIGN, pub, sw));
	assert_ok(ccsp_vsm_pair_generate_kek(fx.s, KEK_A, CCSP_VSM_KEY_ENC, epub, ew));
	ccsp_sm2_key *ek = core_pub(epub);
	assert_ok(ccsp_sm2_encrypt(ek, CCSP_SM2_C1C3C2, msg, sizeof msg, raw, sizeof raw, &rawlen));
	for (size_t i = 0; i < W; i++) {
		for (size_t f = 0; f < sizeof flips; f++) {
			memcpy(t, sw, W);
			t[i] ^= flips[f];
			ccsp_err r = ccsp_vsm_pair_sign_kek(fx.s, KEK_A, t, W, e, sig);
			if (r != CCSP_ERR_KEY && r != CCSP_ERR_KEY_TYPE)
				fail_msg("signing wrap, byte %zu ^ %02x: %s", i, flips[f], ccsp_err_name(r));
			memcpy(t, ew, W);
			t[i] ^= flips[f];
			r = ccsp_vsm_pair_decrypt_kek(fx.s, KEK_A, t, W, raw + 1, rawlen - 1, out);
			if (r != CCSP_ERR_KEY && r != CCSP_ERR_KEY_TYPE)
				fail_msg("encryption wrap, byte %zu ^ %02x: %s", i, flips[f], ccsp_err_name(r));
		}
	}
	/* the originals still work, and the refusals were audited */
	assert_ok(ccsp_vsm_pair_sign_kek(fx.s, KEK_A, sw, W, e, sig));
	assert_ok(ccsp_vsm_pair_decrypt_kek(fx.s, KEK_A, ew, W, raw + 1, rawlen - 1, out));
	assert_memory_equal(out, msg, sizeof msg);
	char path[300], line[512];
	int seen = 0;
	snprintf(path, sizeof path, "%s/audit.log", fx.dir);
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof line, fp) != NULL)
		seen += strstr(line, "wrap.refused") != NULL;
	fclose(fp);
	assert_true(seen > 0);
	ccsp_sm2_key_free(ek);
	assert_session_clean();
}

static void test_kek_index(void **state)
{
	(void)state;
	uint8_t pub[64], w[W], e[32] = {5}, sig[64], raw[16 + 97], out[16];
	assert_ok(ccsp_vsm_pair_generate_kek(fx.s, KEK_A, CCSP_VSM_KEY_SIGN, pub, w));
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_pair_sign_kek(fx.s, KEK_B, w, W, e, sig)); /* another KEK */
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_pair_sign_kek(fx.s, KEK_NONE, w, W, e, sig));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_pair_sign_kek(fx.s, 0, w, W, e, sig));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_pair_sign_kek(fx.s, fx.vsm->lim.max_index + 1, w, W, e, sig));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_pair_generate_kek(fx.s, KEK_NONE, CCSP_VSM_KEY_SIGN, pub, w));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_pair_generate_kek(fx.s, KEK_NONE, CCSP_VSM_KEY_ENC, pub, w));
	assert_ok(ccsp_vsm_pair_generate_kek(fx.s, KEK_B, CCSP_VSM_KEY_ENC, pub, w));
	memset(raw, 0, sizeof raw);
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_pair_decrypt_kek(fx.s, KEK_A, w, W, raw, sizeof raw, out));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_pair_decrypt_kek(fx.s, KEK_NONE, w, W, raw, sizeof raw, out));
	/* the KEK deleted: its wraps are dead */
	uint8_t spub[64], sw[W];
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_pair_generate_kek(fx.s, KEK_NONE + 1, CCSP_VSM_KEY_SIGN, spub, sw));
	ccsp_vsm_keystore *ks = ccsp_vsm_get_keystore(fx.vsm);
	assert_ok(ccsp_vsm_keystore_generate(ks, CCSP_VSM_KEY_KEK, KEK_NONE + 1, NULL, 0));
	assert_ok(ccsp_vsm_pair_generate_kek(fx.s, KEK_NONE + 1, CCSP_VSM_KEY_SIGN, spub, sw));
	assert_ok(ccsp_vsm_pair_sign_kek(fx.s, KEK_NONE + 1, sw, W, e, sig));
	assert_ok(ccsp_vsm_keystore_delete(ks, CCSP_VSM_KEY_KEK, KEK_NONE + 1));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_pair_sign_kek(fx.s, KEK_NONE + 1, sw, W, e, sig));
	/* a new KEK at the same index does not open the old wraps */
	assert_ok(ccsp_vsm_keystore_generate(ks, CCSP_VSM_KEY_KEK, KEK_NONE + 1, NULL, 0));
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_pair_sign_kek(fx.s, KEK_NONE + 1, sw, W, e, sig));
}

static void test_lengths(void **state)
{
	(void)state;
	uint8_t pub[64], w[W + 2], e[32] = {6}, sig[64];
	assert_ok(ccsp_vsm_pair_generate_kek(fx.s, KEK_A, CCSP_VSM_KEY_SIGN, pub, w));
	w[W] = 0;
	w[W + 1] = 0;
	for (size_t n = 0; n < W; n++) /* truncated, down to nothing */
		assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_pair_sign_kek(fx.s, KEK_A, w, n, e, sig));
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_pair_sign_kek(fx.s, KEK_A, w, W + 1, e, sig)); /* lengthened */
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_pair_sign_kek(fx.s, KEK_A, w, W + 2, e, sig));
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_pair_sign_kek(fx.s, KEK_A, NULL, W, e, sig));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_pair_sign_kek(fx.s, KEK_A, w, W, NULL, sig));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_pair_generate_kek(fx.s, KEK_A, CCSP_VSM_KEY_SIGN, NULL, w));
	w[0] = CCSP_VSM_WRAPPED_VERSION + 1; /* a version this module does not know */
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_pair_sign_kek(fx.s, KEK_A, w, W, e, sig));
	w[0] = CCSP_VSM_WRAPPED_VERSION;
	assert_ok(ccsp_vsm_pair_sign_kek(fx.s, KEK_A, w, W, e, sig));
}

/* In the error state every one of them answers CCSP_ERR_MODULE_STATE and touches no key. */
static void test_error_state(void **state)
{
	(void)state;
	uint8_t pub[64], w[W], e[32] = {7}, sig[64], raw[16 + 97] = {0}, out[16];
	assert_ok(ccsp_vsm_pair_generate_kek(fx.s, KEK_A, CCSP_VSM_KEY_SIGN, pub, w));
	atomic_store(&fx.vsm->state, CCSP_VSM_STATE_ERROR);
	ccsp_err g = ccsp_vsm_pair_generate_kek(fx.s, KEK_A, CCSP_VSM_KEY_SIGN, pub, w);
	ccsp_err s = ccsp_vsm_pair_sign_kek(fx.s, KEK_A, w, W, e, sig);
	ccsp_err d = ccsp_vsm_pair_decrypt_kek(fx.s, KEK_A, w, W, raw, sizeof raw, out);
	atomic_store(&fx.vsm->state, CCSP_VSM_STATE_OPERATIONAL);
	assert_ccsp(CCSP_ERR_MODULE_STATE, g);
	assert_ccsp(CCSP_ERR_MODULE_STATE, s);
	assert_ccsp(CCSP_ERR_MODULE_STATE, d);
	assert_ok(ccsp_vsm_pair_sign_kek(fx.s, KEK_A, w, W, e, sig));
}

/* RFC 8998 Appendix A.1 (SM4-GCM). */
#define R_KEY "0123456789abcdeffedcba9876543210"
#define R_IV "00001234567800000000abcd"
#define R_AAD "feedfacedeadbeeffeedfacedeadbeefabaddad2"
#define R_PT                                                                                       \
	"aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccddddddddddddddddeeeeeeeeeeeeeeeeffffffffffffff" \
	"ffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa"
#define R_CT                                                                                       \
	"17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735d82710ca5c22f0ccfa7cbf93d496ac" \
	"15a56834cbcf98c397b4024a2691233b8d"
#define R_TAG "83de3541e4c2b58177e065a9bf7b62ec"

static void test_gcm_known_answer(void **state)
{
	(void)state;
	uint8_t key[16], w[16], iv[12], aad[20], pt[64], ct[64], tag[16], out[64];
	hex2bin(R_KEY, key, sizeof key);
	hex2bin(R_IV, iv, sizeof iv);
	hex2bin(R_AAD, aad, sizeof aad);
	hex2bin(R_PT, pt, sizeof pt);
	hex2bin(R_CT, ct, sizeof ct);
	hex2bin(R_TAG, tag, sizeof tag);
	assert_ok(ccsp_vsm_keystore_kek_wrap(ccsp_vsm_get_keystore(fx.vsm), KEK_A, key, w, sizeof w));
	assert_ok(ccsp_vsm_auth_dec_kek(fx.s, KEK_A, w, sizeof w, iv, aad, sizeof aad, tag, ct, sizeof ct, out));
	assert_memory_equal(out, pt, sizeof pt);
	tag[15] ^= 1;
	assert_ccsp(CCSP_ERR_AUTH,
	            ccsp_vsm_auth_dec_kek(fx.s, KEK_A, w, sizeof w, iv, aad, sizeof aad, tag, ct, sizeof ct, out));
	for (size_t i = 0; i < sizeof out; i++) /* nothing unauthenticated left behind */
		assert_int_equal(out[i], 0);
	/* encryption with that key, under the IV it drew, is the same GCM */
	assert_ok(ccsp_vsm_auth_enc_kek(fx.s, KEK_A, w, sizeof w, aad, sizeof aad, pt, sizeof pt, iv, out, tag));
	assert_ok(ccsp_vsm_auth_dec_kek(fx.s, KEK_A, w, sizeof w, iv, aad, sizeof aad, tag, out, sizeof out, ct));
	assert_memory_equal(ct, pt, sizeof pt);
	ccsp_memzero(key, sizeof key);
	assert_session_clean();
}

/* The extension and the session-key path give and take the same messages; every IV is fresh. */
static void test_gcm_interop(void **state)
{
	(void)state;
	uint8_t w[32], msg[300], aad[9] = "tenant-7", iv[12], iv2[12], ct[300], ct2[300], tag[16], tag2[16], out[300];
	size_t wl = 0;
	uint64_t h = 0, tmp = 0;
	test_rand(msg, sizeof msg);
	assert_ok(ccsp_vsm_key_generate_kek(fx.s, KEK_A, 128, SGD_SM4_ECB, w, &wl, &tmp));
	assert_ok(ccsp_vsm_key_destroy(fx.s, tmp));
	assert_ok(ccsp_vsm_auth_enc_kek(fx.s, KEK_A, w, wl, aad, sizeof aad, msg, sizeof msg, iv, ct, tag));
	assert_ok(ccsp_vsm_auth_enc_kek(fx.s, KEK_A, w, wl, aad, sizeof aad, msg, sizeof msg, iv2, ct2, tag2));
	assert_memory_not_equal(iv, iv2, sizeof iv);
	assert_memory_not_equal(ct, ct2, sizeof ct);
	assert_session_clean();
	assert_ok(ccsp_vsm_key_import_kek(fx.s, KEK_A, test_wrap_alg(wl), w, wl, &h));
	assert_ok(ccsp_vsm_auth_dec(fx.s, h, SGD_SM4_GCM, iv, sizeof iv, aad, sizeof aad, tag, 16, ct, sizeof ct, out));
	assert_memory_equal(out, msg, sizeof msg);
	assert_ok(ccsp_vsm_auth_enc(fx.s, h, SGD_SM4_GCM, iv2, sizeof iv2, aad, sizeof aad, msg, sizeof msg, out, tag));
	assert_memory_equal(out, ct2, sizeof ct2);
	assert_memory_equal(tag, tag2, sizeof tag);
	assert_ok(ccsp_vsm_key_destroy(fx.s, h));
	assert_ok(ccsp_vsm_auth_dec_kek(fx.s, KEK_A, w, wl, iv2, aad, sizeof aad, tag2, ct2, sizeof ct2, out));
	assert_memory_equal(out, msg, sizeof msg);
	/* empty data, empty AAD */
	assert_ok(ccsp_vsm_auth_enc_kek(fx.s, KEK_A, w, wl, NULL, 0, NULL, 0, iv, NULL, tag));
	assert_ok(ccsp_vsm_auth_dec_kek(fx.s, KEK_A, w, wl, iv, NULL, 0, tag, NULL, 0, NULL));
	assert_session_clean();
}

static void test_gcm_refusals(void **state)
{
	(void)state;
	uint8_t w[32], w256[32], msg[40] = {1}, aad[4] = "aad", iv[12], ct[40], tag[16], out[40];
	size_t wl = 0, wl256 = 0;
	uint64_t tmp = 0;
	assert_ok(ccsp_vsm_key_generate_kek(fx.s, KEK_A, 128, SGD_SM4_ECB, w, &wl, &tmp));
	assert_ok(ccsp_vsm_key_destroy(fx.s, tmp));
	assert_ok(ccsp_vsm_key_generate_kek(fx.s, KEK_A, 256, SGD_SM4_ECB, w256, &wl256, &tmp));
	assert_ok(ccsp_vsm_key_destroy(fx.s, tmp));
	assert_ok(ccsp_vsm_auth_enc_kek(fx.s, KEK_A, w, wl, aad, sizeof aad, msg, sizeof msg, iv, ct, tag));
	/* each input altered: the tag fails */
	uint8_t *parts[] = {ct, tag, iv, aad};
	for (size_t i = 0; i < 4; i++) {
		parts[i][1] ^= 0x10;
		assert_ccsp(CCSP_ERR_AUTH,
		            ccsp_vsm_auth_dec_kek(fx.s, KEK_A, w, wl, iv, aad, sizeof aad, tag, ct, sizeof ct, out));
		parts[i][1] ^= 0x10;
	}
	/* the SM4-ECB wrap has no integrity: another KEK or an altered wrap is another key */
	assert_ccsp(CCSP_ERR_AUTH,
	            ccsp_vsm_auth_dec_kek(fx.s, KEK_B, w, wl, iv, aad, sizeof aad, tag, ct, sizeof ct, out));
	w[0] ^= 1;
	assert_ccsp(CCSP_ERR_AUTH,
	            ccsp_vsm_auth_dec_kek(fx.s, KEK_A, w, wl, iv, aad, sizeof aad, tag, ct, sizeof ct, out));
	w[0] ^= 1;
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND,
	            ccsp_vsm_auth_enc_kek(fx.s, KEK_NONE, w, wl, aad, sizeof aad, msg, sizeof msg, iv, ct, tag));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND,
	            ccsp_vsm_auth_dec_kek(fx.s, KEK_NONE, w, wl, iv, aad, sizeof aad, tag, ct, sizeof ct, out));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_auth_enc_kek(fx.s, 0, w, wl, aad, sizeof aad, msg, sizeof msg, iv, ct, tag));
	/* wrap lengths: import_kek's answers; a 256-bit key is not an SM4 key */
	size_t bad[] = {0, 1, 15, 17, 31, 33, 64};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_ccsp(CCSP_ERR_KEY_LENGTH, ccsp_vsm_auth_enc_kek(fx.s, KEK_A, w, bad[i], aad, sizeof aad, msg,
		                                                       sizeof msg, iv, ct, tag));
	assert_ccsp(CCSP_ERR_KEY_TYPE,
	            ccsp_vsm_auth_enc_kek(fx.s, KEK_A, w256, wl256, aad, sizeof aad, msg, sizeof msg, iv, ct, tag));
	assert_ccsp(CCSP_ERR_KEY_TYPE,
	            ccsp_vsm_auth_dec_kek(fx.s, KEK_A, w256, wl256, iv, aad, sizeof aad, tag, ct, sizeof ct, out));
	assert_ccsp(CCSP_ERR_ARG,
	            ccsp_vsm_auth_enc_kek(fx.s, KEK_A, w, wl, aad, sizeof aad, msg, sizeof msg, NULL, ct, tag));
	assert_ccsp(CCSP_ERR_ARG,
	            ccsp_vsm_auth_dec_kek(fx.s, KEK_A, w, wl, iv, aad, sizeof aad, NULL, ct, sizeof ct, out));
	/* the error state */
	atomic_store(&fx.vsm->state, CCSP_VSM_STATE_ERROR);
	ccsp_err e = ccsp_vsm_auth_enc_kek(fx.s, KEK_A, w, wl, aad, sizeof aad, msg, sizeof msg, iv, ct, tag);
	ccsp_err d = ccsp_vsm_auth_dec_kek(fx.s, KEK_A, w, wl, iv, aad, sizeof aad, tag, ct, sizeof ct, out);
	atomic_store(&fx.vsm->state, CCSP_VSM_STATE_OPERATIONAL);
	assert_ccsp(CCSP_ERR_MODULE_STATE, e);
	assert_ccsp(CCSP_ERR_MODULE_STATE, d);
	assert_session_clean();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_round_trip),
		cmocka_unit_test(test_decrypt_round_trip),
		cmocka_unit_test(test_usage_confusion),
		cmocka_unit_test(test_tamper_every_byte),
		cmocka_unit_test(test_kek_index),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_error_state),
		cmocka_unit_test(test_gcm_known_answer),
		cmocka_unit_test(test_gcm_interop),
		cmocka_unit_test(test_gcm_refusals),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

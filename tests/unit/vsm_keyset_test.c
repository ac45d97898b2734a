/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VSM's key-set backup operations (KM-9, vendor extension, src/vsm/vsm_keyset.c), called directly on a VSM in
 * a temporary directory, with a backup key B and keys whose bytes the test knows. An export opens, as documented,
 * under E = SM3("CCSP key-set backup v1" || B)[0..16) (OpenSSL's SM3) with the aad given, and never under B; an
 * import gives back the same key, under the same KEK or another one. Refusals: an altered aad, IV, ciphertext or
 * tag, another backup key, an SM2 public key not the key's (both ways), lengths and kinds out of bounds, no KEK.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <ccsp/sm2.h>
#include <ccsp/sm4.h>

#include "test_util.h"
#include "vsm/vsm_internal.h"

static const uint8_t SK[CCSP_VSM_STORAGE_KEY_SIZE] = "keyset-test-stor";
#define OWNER 14
#define KEK_A 1
#define KEK_B 2
#define KEK_NONE 3
#define W CCSP_VSM_WRAPPED_PAIR_SIZE
static const uint8_t AAD[] = "ccsp-keyset-v1 tenant key 1 SM4";

static struct {
	char dir[256];
	ccsp_vsm *vsm;
	ccsp_vsm_session *s;
	uint64_t id;
	uint8_t b[16], bw[16], bw_b[16]; /* the backup key, its wrap under KEK_A and under KEK_B */
} fx;

static int group_setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(fx.dir, sizeof fx.dir, "%s/vsm_keyset_test.XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(fx.dir) == NULL || ccsp_vsm_open(fx.dir, SK, NULL, &fx.vsm) != CCSP_OK)
		return -1;
	ccsp_vsm_keystore *ks = ccsp_vsm_get_keystore(fx.vsm);
	test_rand(fx.b, sizeof fx.b);
	if (ccsp_vsm_keystore_generate(ks, CCSP_VSM_KEY_KEK, KEK_A, NULL, 0) != CCSP_OK ||
	    ccsp_vsm_keystore_generate(ks, CCSP_VSM_KEY_KEK, KEK_B, NULL, 0) != CCSP_OK ||
	    ccsp_vsm_keystore_kek_wrap(ks, KEK_A, fx.b, fx.bw, 16) != CCSP_OK ||
	    ccsp_vsm_keystore_kek_wrap(ks, KEK_B, fx.b, fx.bw_b, 16) != CCSP_OK ||
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

static int is_pair(ccsp_vsm_material kind)
{
	return kind == CCSP_VSM_MATERIAL_SM2_SIGN || kind == CCSP_VSM_MATERIAL_SM2_ENC;
}

static size_t key_len(ccsp_vsm_material kind)
{
	return kind == CCSP_VSM_MATERIAL_SM4 ? 16 : 32;
}

/* A fresh key of kind under KEK_A: its bytes (SM2: d, and pub) and its wrap (*wl bytes). */
static void make_key(ccsp_vsm_material kind, uint8_t key[32], uint8_t pub[64], uint8_t w[W], size_t *wl)
{
	uint8_t pt[65];
	if (!is_pair(kind)) {
		test_rand(key, key_len(kind));
		assert_ok(ccsp_vsm_keystore_kek_wrap(ccsp_vsm_get_keystore(fx.vsm), KEK_A, key, w, key_len(kind)));
		*wl = key_len(kind);
		return;
	}
	ccsp_sm2_key *k = ccsp_sm2_key_new();
	assert_non_null(k);
	assert_ok(ccsp_sm2_key_generate(k));
	assert_ok(ccsp_sm2_key_get_private(k, key));
	assert_ok(ccsp_sm2_key_get_public(k, pt));
	memcpy(pub, pt + 1, 64);
	ccsp_sm2_key_free(k);
	assert_ok(vsm_pair_wrap(fx.s, KEK_A, kind == CCSP_VSM_MATERIAL_SM2_SIGN ? CCSP_VSM_KEY_SIGN : CCSP_VSM_KEY_ENC,
	                        key, w));
	*wl = W;
}

typedef struct entry {
	uint8_t iv[12], ct[32], tag[16];
	size_t len;
} entry;

static ccsp_err export(ccsp_vsm_material kind, const uint8_t *w, size_t wl, const uint8_t *pub, entry *e)
{
	return ccsp_vsm_keyset_export(fx.s, KEK_A, fx.bw, sizeof fx.bw, kind, w, wl, pub, AAD, sizeof AAD, e->iv, e->ct,
	                              &e->len, e->tag);
}

static ccsp_err import(uint32_t kek, const uint8_t *bw, ccsp_vsm_material kind, const uint8_t *pub, const entry *e,
                       uint8_t key_out[32])
{
	uint8_t w[W];
	size_t wl = 0;
	ccsp_err ret = ccsp_vsm_keyset_import(fx.s, kek, bw, 16, kind, pub, AAD, sizeof AAD, e->iv, e->ct, e->len,
	                                      e->tag, w, &wl);
	if (ret == CCSP_OK)
		assert_ok(vsm_material_unwrap(fx.s, kek, kind, w, wl, key_out));
	return ret;
}

/* E of the documented derivation, by OpenSSL. */
static void entry_key(const uint8_t b[16], ccsp_sm4_key *k)
{
	static const char label[] = "CCSP key-set backup v1";
	uint8_t buf[sizeof label - 1 + 16], h[32];
	unsigned hl = 0;
	memcpy(buf, label, sizeof label - 1);
	memcpy(buf + sizeof label - 1, b, 16);
	assert_int_equal(EVP_Digest(buf, sizeof buf, h, &hl, EVP_sm3(), NULL), 1);
	assert_ok(ccsp_sm4_set_key(k, h, 16));
}

static void roundtrip(ccsp_vsm_material kind)
{
	uint8_t key[32], pub[64], w[W], pt[32], got[32];
	size_t wl = 0;
	entry e;
	ccsp_sm4_key k;
	make_key(kind, key, pub, w, &wl);
	assert_ok(export(kind, w, wl, is_pair(kind) ? pub : NULL, &e));
	assert_int_equal(e.len, key_len(kind));
	entry_key(fx.b, &k); /* the format: GCM under E with the aad, the key's bytes inside */
	assert_ok(ccsp_sm4_gcm_decrypt(&k, e.iv, 12, AAD, sizeof AAD, e.ct, pt, e.len, e.tag));
	assert_memory_equal(pt, key, e.len);
	assert_ok(ccsp_sm4_set_key(&k, fx.b, 16)); /* never under B itself */
	assert_ccsp(CCSP_ERR_AUTH, ccsp_sm4_gcm_decrypt(&k, e.iv, 12, AAD, sizeof AAD, e.ct, pt, e.len, e.tag));
	ccsp_sm4_key_wipe(&k);
	assert_ok(import(KEK_A, fx.bw, kind, is_pair(kind) ? pub : NULL, &e, got));
	assert_memory_equal(got, key, e.len);
	assert_ok(import(KEK_B, fx.bw_b, kind, is_pair(kind) ? pub : NULL, &e, got)); /* recovered under another KEK */
	assert_memory_equal(got, key, e.len);
}

static void test_roundtrip(void **state)
{
	(void)state;
	roundtrip(CCSP_VSM_MATERIAL_SM4);
	roundtrip(CCSP_VSM_MATERIAL_HMAC);
	roundtrip(CCSP_VSM_MATERIAL_SM2_SIGN);
	roundtrip(CCSP_VSM_MATERIAL_SM2_ENC);
}

static void test_altered(void **state)
{
	(void)state;
	uint8_t key[32], pub[64], w[W], got[32], other[16], other_w[16], aad2[sizeof AAD];
	size_t wl = 0;
	entry e, x;
	make_key(CCSP_VSM_MATERIAL_HMAC, key, pub, w, &wl);
	assert_ok(export(CCSP_VSM_MATERIAL_HMAC, w, wl, NULL, &e));
	for (size_t i = 0; i < 12 + 32 + 16; i++) { /* every byte of iv, ct, tag */
		x = e;
		uint8_t *p = i < 12 ? &x.iv[i] : i < 44 ? &x.ct[i - 12] : &x.tag[i - 44];
		*p ^= 0x80;
		assert_ccsp(CCSP_ERR_AUTH, import(KEK_A, fx.bw, CCSP_VSM_MATERIAL_HMAC, NULL, &x, got));
	}
	memcpy(aad2, AAD, sizeof AAD);
	aad2[sizeof aad2 - 2] ^= 1; /* another binding */
	assert_ccsp(CCSP_ERR_AUTH, ccsp_vsm_keyset_import(fx.s, KEK_A, fx.bw, 16, CCSP_VSM_MATERIAL_HMAC, NULL, aad2,
	                                                  sizeof aad2, e.iv, e.ct, e.len, e.tag, w, &wl));
	test_rand(other, sizeof other); /* another backup's key */
	assert_ok(ccsp_vsm_keystore_kek_wrap(ccsp_vsm_get_keystore(fx.vsm), KEK_A, other, other_w, 16));
	assert_ccsp(CCSP_ERR_AUTH, import(KEK_A, other_w, CCSP_VSM_MATERIAL_HMAC, NULL, &e, got));
	x = e;
	x.len = 16; /* a kind's length is checked before anything */
	assert_ccsp(CCSP_ERR_KEY, import(KEK_A, fx.bw, CCSP_VSM_MATERIAL_HMAC, NULL, &x, got));
}

static void test_sm2_public(void **state)
{
	(void)state;
	uint8_t key[32], pub[64], w[W], got[32], wrong[64], other_w[W];
	size_t wl = 0;
	entry e;
	make_key(CCSP_VSM_MATERIAL_SM2_SIGN, got, wrong, other_w, &wl); /* wrong: another pair's public key */
	make_key(CCSP_VSM_MATERIAL_SM2_SIGN, key, pub, w, &wl);
	assert_ccsp(CCSP_ERR_KEY, export(CCSP_VSM_MATERIAL_SM2_SIGN, w, wl, wrong, &e));
	assert_ok(export(CCSP_VSM_MATERIAL_SM2_SIGN, w, wl, pub, &e));
	assert_ccsp(CCSP_ERR_KEY, import(KEK_A, fx.bw, CCSP_VSM_MATERIAL_SM2_SIGN, wrong, &e, got));
	assert_ccsp(CCSP_ERR_KEY_TYPE, export(CCSP_VSM_MATERIAL_SM2_ENC, w, wl, pub, &e)); /* a signing wrap */
}

static void test_bounds(void **state)
{
	(void)state;
	uint8_t key[32], pub[64], w[W], big[CCSP_VSM_KEYSET_AAD_MAX + 1] = {0};
	size_t wl = 0;
	entry e;
	make_key(CCSP_VSM_MATERIAL_SM4, key, pub, w, &wl);
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keyset_export(fx.s, KEK_A, fx.bw, 16, CCSP_VSM_MATERIAL_SM4, w, wl, NULL, AAD,
	                                                 0, e.iv, e.ct, &e.len, e.tag));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keyset_export(fx.s, KEK_A, fx.bw, 16, CCSP_VSM_MATERIAL_SM4, w, wl, NULL, big,
	                                                 sizeof big, e.iv, e.ct, &e.len, e.tag));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keyset_export(fx.s, KEK_A, fx.bw, 16, (ccsp_vsm_material)9, w, wl, NULL, AAD,
	                                                 sizeof AAD, e.iv, e.ct, &e.len, e.tag));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keyset_export(fx.s, KEK_A, fx.bw, 16, CCSP_VSM_MATERIAL_SM2_SIGN, w, wl, NULL,
	                                                 AAD, sizeof AAD, e.iv, e.ct, &e.len, e.tag)); /* no pub */
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_keyset_export(fx.s, KEK_A, fx.bw, 15, CCSP_VSM_MATERIAL_SM4, w, wl, NULL, AAD,
	                                                 sizeof AAD, e.iv, e.ct, &e.len, e.tag));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keyset_export(fx.s, KEK_NONE, fx.bw, 16, CCSP_VSM_MATERIAL_SM4, w, wl,
	                                                           NULL, AAD, sizeof AAD, e.iv, e.ct, &e.len, e.tag));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_altered),
		cmocka_unit_test(test_sm2_public),
		cmocka_unit_test(test_bounds),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

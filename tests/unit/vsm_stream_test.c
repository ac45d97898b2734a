/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VSM's multi-part symmetric operations and external-key functions through its module API (no network,
 * src/vsm/vsm_stream.c): for short data every split into two Updates and one byte at a time give the one-shot
 * result (partial blocks across Updates), AuthDec's withheld plaintext and its limits, the order of calls.
 * tests/integration/sdf_conformance_stream.c covers the same through vsmd and libsdf with OpenSSL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccsp/sdf.h>
#include <ccsp/sm3.h>

#include "vsm/vsm.h"
#include "test_util.h"

static const uint8_t SK[CCSP_VSM_STORAGE_KEY_SIZE] = {16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
static const uint32_t MODES[] = {SGD_SM4_ECB, SGD_SM4_CBC, SGD_SM4_CFB, SGD_SM4_OFB, SGD_SM4_CTR};
#define NMODES (sizeof MODES / sizeof MODES[0])
#define SHORT 70 /* bytes: every split of every length up to this */
#define OWNER 1

typedef struct fx {
	char dir[64];
	ccsp_vsm *vsm;
	uint64_t id;
	ccsp_vsm_session *s;
	uint64_t key; /* an SM4 session key of s */
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	uint8_t wrapped[32];
	size_t wl = sizeof wrapped;
	snprintf(f->dir, sizeof f->dir, "/tmp/vsm_stream_test.XXXXXX");
	if (mkdtemp(f->dir) == NULL || ccsp_vsm_open(f->dir, SK, NULL, &f->vsm) != CCSP_OK ||
	    ccsp_vsm_keystore_generate(ccsp_vsm_get_keystore(f->vsm), CCSP_VSM_KEY_KEK, 1, NULL, 0) != CCSP_OK ||
	    ccsp_vsm_session_open(f->vsm, OWNER, &f->id) != CCSP_OK ||
	    ccsp_vsm_session_acquire(f->vsm, OWNER, f->id, &f->s) != CCSP_OK ||
	    ccsp_vsm_key_generate_kek(f->s, 1, 128, SGD_SM4_ECB, wrapped, &wl, &f->key) != CCSP_OK)
		return -1;
	test_rand_seed(0x5eed);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	ccsp_vsm_session_release(f->s);
	ccsp_vsm_free(f->vsm);
	test_rm_tree(f->dir);
	free(f);
	return 0;
}

static int is_block(uint32_t mode)
{
	return mode == SGD_SM4_ECB || mode == SGD_SM4_CBC;
}

/* Encrypt (enc) or decrypt in through Updates of the given sizes (summing to len), then Final. */
static void multi(ccsp_vsm_session *s, int enc, uint32_t mode, const size_t *piece, size_t n, const uint8_t *in,
                  size_t len, uint8_t *out)
{
	size_t off = 0, got = 0, ol;
	for (size_t i = 0; i < n; off += piece[i++]) {
		ol = SIZE_MAX;
		assert_ok(enc ? ccsp_vsm_encrypt_update(s, in + off, piece[i], out + got, &ol)
		              : ccsp_vsm_decrypt_update(s, in + off, piece[i], out + got, &ol));
		assert_true(ol <= piece[i] + 15);
		assert_true(is_block(mode) ? ol % 16 == 0 : ol == piece[i]);
		got += ol;
	}
	assert_int_equal(off, len);
	assert_int_equal(got, len);
	assert_ok(enc ? ccsp_vsm_encrypt_final(s) : ccsp_vsm_decrypt_final(s));
}

/* Every length up to SHORT (block multiples for ECB/CBC), cut at every point, and one byte at a time. */
static void test_every_split(void **state)
{
	fx *f = *state;
	uint8_t iv[16], pt[SHORT], ct[SHORT], out[SHORT + 16];
	size_t ones[SHORT];
	for (size_t i = 0; i < SHORT; i++)
		ones[i] = 1;
	test_rand(iv, sizeof iv);
	test_rand(pt, sizeof pt);
	for (size_t m = 0; m < NMODES; m++) {
		for (size_t len = 0; len <= SHORT; len += is_block(MODES[m]) ? 16 : 1) {
			assert_ok(ccsp_vsm_encrypt(f->s, f->key, MODES[m], iv, pt, len, ct));
			for (size_t cut = 0; cut <= len; cut++) {
				size_t two[2] = {cut, len - cut};
				assert_ok(ccsp_vsm_encrypt_init(f->s, f->key, MODES[m], iv));
				multi(f->s, 1, MODES[m], two, 2, pt, len, out);
				assert_memory_equal(out, ct, len);
				assert_ok(ccsp_vsm_decrypt_init(f->s, f->key, MODES[m], iv));
				multi(f->s, 0, MODES[m], two, 2, ct, len, out);
				assert_memory_equal(out, pt, len);
			}
			assert_ok(ccsp_vsm_encrypt_init(f->s, f->key, MODES[m], iv));
			multi(f->s, 1, MODES[m], ones, len, pt, len, out);
			assert_memory_equal(out, ct, len);
			assert_ok(ccsp_vsm_decrypt_init(f->s, f->key, MODES[m], iv));
			multi(f->s, 0, MODES[m], ones, len, ct, len, out);
			assert_memory_equal(out, pt, len);
		}
	}
}

static void test_mac_every_split(void **state)
{
	fx *f = *state;
	uint8_t iv[16], in[96], mac[16], mac2[16];
	test_rand(iv, sizeof iv);
	test_rand(in, sizeof in);
	for (size_t len = 16; len <= sizeof in; len += 16) {
		assert_ok(ccsp_vsm_mac(f->s, f->key, SGD_SM4_MAC, iv, in, len, mac));
		for (size_t a = 0; a <= len; a += 5) {
			for (size_t b = a; b <= len; b += 7) {
				assert_ok(ccsp_vsm_mac_init(f->s, f->key, SGD_SM4_MAC, iv));
				assert_ok(ccsp_vsm_mac_update(f->s, in, a));
				assert_ok(ccsp_vsm_mac_update(f->s, in + a, b - a));
				assert_ok(ccsp_vsm_mac_update(f->s, in + b, len - b));
				assert_ok(ccsp_vsm_mac_final(f->s, mac2));
				assert_memory_equal(mac, mac2, 16);
			}
		}
	}
	assert_ok(ccsp_vsm_mac_init(f->s, f->key, SGD_SM4_MAC, iv));
	assert_ok(ccsp_vsm_mac_update(f->s, in, 20));
	assert_ccsp(CCSP_ERR_DATA_LENGTH, ccsp_vsm_mac_final(f->s, mac2));
	assert_ccsp(CCSP_ERR_STATE, ccsp_vsm_mac_final(f->s, mac2));
}

/* AuthDec hands its plaintext out only after the tag, in pieces of the caller's choosing. */
static void test_auth_dec_withholds(void **state)
{
	fx *f = *state;
	uint8_t iv[12], aad[20], pt[200], ct[200], tag[16], tag2[16], out[200];
	size_t ready = 0, n = 0, left = 0, got = 0;
	test_rand(iv, sizeof iv);
	test_rand(aad, sizeof aad);
	test_rand(pt, sizeof pt);
	assert_ok(ccsp_vsm_auth_enc(f->s, f->key, SGD_SM4_GCM, iv, 12, aad, 20, pt, 200, ct, tag));
	assert_ok(ccsp_vsm_auth_enc_init(f->s, f->key, SGD_SM4_GCM, iv, 12, aad, 20, 200));
	assert_ok(ccsp_vsm_auth_enc_update(f->s, pt, 77, out));
	assert_ok(ccsp_vsm_auth_enc_update(f->s, pt + 77, 123, out + 77));
	assert_ok(ccsp_vsm_auth_enc_final(f->s, tag2));
	assert_memory_equal(out, ct, 200);
	assert_memory_equal(tag2, tag, 16);
	assert_ok(ccsp_vsm_auth_dec_init(f->s, f->key, SGD_SM4_GCM, iv, 12, aad, 20, tag, 16, 200));
	assert_ok(ccsp_vsm_auth_dec_update(f->s, ct, 150));
	assert_ccsp(CCSP_ERR_STATE, ccsp_vsm_auth_dec_take(f->s, out, 200, &n, &left)); /* not before the tag */
	assert_ok(ccsp_vsm_auth_dec_update(f->s, ct + 150, 50));
	assert_ok(ccsp_vsm_auth_dec_final(f->s, &ready));
	assert_int_equal(ready, 200);
	do {
		assert_ok(ccsp_vsm_auth_dec_take(f->s, out + got, 64, &n, &left));
		got += n;
		assert_ok(left == 0 ? CCSP_OK : ccsp_vsm_auth_dec_final(f->s, &ready)); /* again: only what is left */
		assert_int_equal(left, 200 - got);
	} while (left > 0);
	assert_memory_equal(out, pt, 200);
	assert_ccsp(CCSP_ERR_STATE, ccsp_vsm_auth_dec_final(f->s, &ready));
	tag[3] ^= 1;
	assert_ok(ccsp_vsm_auth_dec_init(f->s, f->key, SGD_SM4_GCM, iv, 12, aad, 20, tag, 16, 200));
	assert_ok(ccsp_vsm_auth_dec_update(f->s, ct, 200));
	assert_ccsp(CCSP_ERR_AUTH, ccsp_vsm_auth_dec_final(f->s, &ready));
	assert_ccsp(CCSP_ERR_STATE, ccsp_vsm_auth_dec_take(f->s, out, 200, &n, &left));
}

/* A session with an SM4 key (*key) and an AuthDec reserving len bytes. */
static ccsp_err open_holding(fx *f, uint64_t *id, uint64_t *key, uint64_t len)
{
	uint8_t iv[12] = {1}, tag[16] = {2}, wrapped[32];
	size_t wl = sizeof wrapped;
	ccsp_vsm_session *s;
	assert_ok(ccsp_vsm_session_open(f->vsm, OWNER, id));
	assert_ok(ccsp_vsm_session_acquire(f->vsm, OWNER, *id, &s));
	assert_ok(ccsp_vsm_key_generate_kek(s, 1, 128, SGD_SM4_ECB, wrapped, &wl, key));
	ccsp_err ret = ccsp_vsm_auth_dec_init(s, *key, SGD_SM4_GCM, iv, 12, NULL, 0, tag, 16, len);
	ccsp_vsm_session_release(s);
	return ret;
}

/* 16 MiB per AuthDec, 256 MiB for the VSM; a reservation comes back at the next Init, on an error and at close. */
static void test_auth_dec_limits(void **state)
{
	fx *f = *state;
	enum { N = CCSP_VSM_AUTH_DEC_TOTAL / CCSP_VSM_AUTH_DEC_MAX };
	uint8_t iv[16] = {1}, tag[16] = {2};
	uint64_t ids[N], keys[N];
	size_t ready;
	ccsp_vsm_session *s;
	assert_ccsp(CCSP_ERR_LIMIT, ccsp_vsm_auth_dec_init(f->s, f->key, SGD_SM4_GCM, iv, 12, NULL, 0, tag, 16,
	                                                   CCSP_VSM_AUTH_DEC_MAX + 1));
	for (size_t i = 0; i < N; i++) /* reserved, not touched: no memory is committed */
		assert_ok(open_holding(f, &ids[i], &keys[i], CCSP_VSM_AUTH_DEC_MAX));
	assert_ccsp(CCSP_ERR_LIMIT, ccsp_vsm_auth_dec_init(f->s, f->key, SGD_SM4_GCM, iv, 12, NULL, 0, tag, 16, 1));
	assert_ok(ccsp_vsm_auth_dec_init(f->s, f->key, SGD_SM4_GCM, iv, 12, NULL, 0, tag, 16, 0));
	/* another Init in session 0 returns its reservation */
	assert_ok(ccsp_vsm_session_acquire(f->vsm, OWNER, ids[0], &s));
	assert_ok(ccsp_vsm_encrypt_init(s, keys[0], SGD_SM4_CTR, iv));
	ccsp_vsm_session_release(s);
	assert_ok(ccsp_vsm_auth_dec_init(f->s, f->key, SGD_SM4_GCM, iv, 12, NULL, 0, tag, 16, CCSP_VSM_AUTH_DEC_MAX));
	/* so does an error in session 1 (Final short of the declared length) */
	assert_ok(ccsp_vsm_session_acquire(f->vsm, OWNER, ids[1], &s));
	assert_ccsp(CCSP_ERR_DATA_LENGTH, ccsp_vsm_auth_dec_final(s, &ready));
	ccsp_vsm_session_release(s);
	assert_ok(ccsp_vsm_session_acquire(f->vsm, OWNER, ids[0], &s));
	assert_ok(ccsp_vsm_auth_dec_init(s, keys[0], SGD_SM4_GCM, iv, 12, NULL, 0, tag, 16, CCSP_VSM_AUTH_DEC_MAX));
	/* the VSM is full, but a session's new Init gets its own bytes back first */
	assert_ok(ccsp_vsm_auth_dec_init(s, keys[0], SGD_SM4_GCM, iv, 12, NULL, 0, tag, 16, CCSP_VSM_AUTH_DEC_MAX));
	ccsp_vsm_session_release(s);
	/* and closing: N - 1 new sessions fit again once the N are closed (f->s keeps its 16 MiB) */
	for (size_t i = 0; i < N; i++)
		assert_ok(ccsp_vsm_session_close(f->vsm, OWNER, ids[i]));
	for (size_t i = 0; i + 1 < N; i++)
		assert_ok(open_holding(f, &ids[i], &keys[i], CCSP_VSM_AUTH_DEC_MAX));
	assert_ccsp(CCSP_ERR_LIMIT, open_holding(f, &ids[N - 1], &keys[N - 1], 1));
	for (size_t i = 0; i < N; i++)
		assert_ok(ccsp_vsm_session_close(f->vsm, OWNER, ids[i]));
	assert_ccsp(CCSP_ERR_DATA_LENGTH, ccsp_vsm_auth_dec_final(f->s, &ready));
}

static void test_external_key(void **state)
{
	fx *f = *state;
	uint8_t key[32], iv[16], pt[64], ct[64], out[80], mac[32], ref[32];
	size_t ol;
	test_rand(key, sizeof key);
	test_rand(iv, sizeof iv);
	test_rand(pt, sizeof pt);
	for (size_t m = 0; m < NMODES; m++) { /* multi-part with a caller's key = one-shot with it */
		size_t ones[64];
		for (size_t i = 0; i < 64; i++)
			ones[i] = 1;
		assert_ok(ccsp_vsm_external_key_encrypt(f->s, MODES[m], key, 16, iv, pt, 64, ct));
		assert_ok(ccsp_vsm_external_key_encrypt_init(f->s, MODES[m], key, 16, iv));
		multi(f->s, 1, MODES[m], ones, 64, pt, 64, out);
		assert_memory_equal(out, ct, 64);
		assert_ok(ccsp_vsm_external_key_decrypt_init(f->s, MODES[m], key, 16, iv));
		multi(f->s, 0, MODES[m], ones, 64, ct, 64, out);
		assert_memory_equal(out, pt, 64);
	}
	assert_ok(ccsp_vsm_external_key_encrypt(f->s, SGD_SM4_XTS, key, 32, iv, pt, 40, ct));
	assert_ok(ccsp_vsm_external_key_decrypt(f->s, SGD_SM4_XTS, key, 32, iv, ct, 40, out));
	assert_memory_equal(out, pt, 40);
	assert_ccsp(CCSP_ERR_KEY_LENGTH, ccsp_vsm_external_key_encrypt(f->s, SGD_SM4_XTS, key, 16, iv, pt, 40, ct));
	assert_ccsp(CCSP_ERR_KEY_LENGTH, ccsp_vsm_external_key_encrypt(f->s, SGD_SM4_CBC, key, 32, iv, pt, 32, ct));
	assert_ccsp(CCSP_ERR_UNSUPPORTED, ccsp_vsm_external_key_encrypt_init(f->s, SGD_SM4_XTS, key, 32, iv));
	assert_ccsp(CCSP_ERR_STATE, ccsp_vsm_encrypt_update(f->s, pt, 16, out, &ol)); /* the failed Init ended it */
	assert_ok(ccsp_hmac_sm3(key, 20, pt, 64, ref));
	assert_ok(ccsp_vsm_external_key_hmac_init(f->s, SGD_SM3, key, 20));
	assert_ok(ccsp_vsm_hmac_update(f->s, pt, 33));
	assert_ok(ccsp_vsm_hmac_update(f->s, pt + 33, 31));
	assert_ok(ccsp_vsm_hmac_final(f->s, mac));
	assert_memory_equal(mac, ref, 32);
	assert_ccsp(CCSP_ERR_KEY_LENGTH, ccsp_vsm_external_key_hmac_init(f->s, SGD_SM3, key, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_mac_every_split),
		cmocka_unit_test(test_auth_dec_withholds),
		cmocka_unit_test(test_auth_dec_limits),
		cmocka_unit_test(test_external_key),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

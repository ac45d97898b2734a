/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SM4-GCM and GHASH. OpenSSL 3.0 has no SM4-GCM, so besides the published vector the oracle is a
 * straightforward GCM written here from NIST SP 800-38D (bitwise GF(2^128) multiplication,
 * Algorithm 1) over OpenSSL's SM4-ECB.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/sm4.h>
#include <openssl/evp.h>

#include "sm4/ghash.h"
#include "sm4/sm4_impl.h"
#include "test_util.h"

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

/* ---- reference (SP 800-38D) ---- */

static void ref_ecb(const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int l = 0;
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_sm4_ecb(), NULL, key, NULL), 1);
	EVP_CIPHER_CTX_set_padding(c, 0);
	assert_int_equal(EVP_EncryptUpdate(c, out, &l, in, 16), 1);
	EVP_CIPHER_CTX_free(c);
}

/* Algorithm 1: X * Y, bit 0 = MSB of byte 0. */
static void ref_gfmul(uint8_t x[16], const uint8_t y[16])
{
	uint8_t z[16] = {0}, v[16];
	memcpy(v, y, 16);
	for (int i = 0; i < 128; i++) {
		if (x[i / 8] >> (7 - i % 8) & 1)
			for (int j = 0; j < 16; j++)
				z[j] ^= v[j];
		int lsb = v[15] & 1;
		for (int j = 15; j > 0; j--)
			v[j] = (uint8_t)(v[j] >> 1 | v[j - 1] << 7);
		v[0] >>= 1;
		if (lsb)
			v[0] ^= 0xe1;
	}
	memcpy(x, z, 16);
}

static void ref_ghash(const uint8_t h[16], uint8_t x[16], const uint8_t *in, size_t len)
{
	for (size_t off = 0; off < len; off += 16) {
		for (size_t j = 0; j < 16 && off + j < len; j++)
			x[j] ^= in[off + j];
		ref_gfmul(x, h);
	}
}

static void ref_gcm(const uint8_t key[16], const uint8_t *iv, size_t ivlen, const uint8_t *aad, size_t aadlen,
                    const uint8_t *pt, uint8_t *ct, size_t len, uint8_t tag[16])
{
	uint8_t h[16] = {0}, j0[16] = {0}, x[16] = {0}, lb[16] = {0}, ctr[16], ks[16];
	ref_ecb(key, h, h);
	if (ivlen == 12) {
		memcpy(j0, iv, 12);
		j0[15] = 1;
	} else {
		ref_ghash(h, j0, iv, ivlen);
		for (int i = 0; i < 8; i++)
			lb[15 - i] = (uint8_t)(((uint64_t)ivlen * 8) >> (8 * i));
		ref_ghash(h, j0, lb, 16);
	}
	memcpy(ctr, j0, 16);
	for (size_t off = 0; off < len; off += 16) {
		uint32_t c = (uint32_t)ctr[12] << 24 | (uint32_t)ctr[13] << 16 | (uint32_t)ctr[14] << 8 | ctr[15];
		c++;
		ctr[12] = (uint8_t)(c >> 24), ctr[13] = (uint8_t)(c >> 16), ctr[14] = (uint8_t)(c >> 8), ctr[15] = (uint8_t)c;
		ref_ecb(key, ctr, ks);
		for (size_t j = 0; j < 16 && off + j < len; j++)
			ct[off + j] = pt[off + j] ^ ks[j];
	}
	ref_ghash(h, x, aad, aadlen);
	ref_ghash(h, x, ct, len);
	for (int i = 0; i < 8; i++) {
		lb[7 - i] = (uint8_t)(((uint64_t)aadlen * 8) >> (8 * i));
		lb[15 - i] = (uint8_t)(((uint64_t)len * 8) >> (8 * i));
	}
	ref_ghash(h, x, lb, 16);
	ref_ecb(key, j0, tag);
	for (int i = 0; i < 16; i++)
		tag[i] ^= x[i];
}

/* ---- tests ---- */

static void test_rfc8998_all_impls(void **state)
{
	(void)state;
	uint8_t key[16], iv[12], aad[20], pt[64], ct[64], tag[16], out[64];
	hex2bin(R_KEY, key, 16);
	hex2bin(R_IV, iv, 12);
	hex2bin(R_AAD, aad, 20);
	hex2bin(R_PT, pt, 64);
	hex2bin(R_CT, ct, 64);
	for (const ccsp_sm4_impl *const *im = ccsp_sm4_impl_list(); *im != NULL; im++) {
		ccsp_sm4_key k;
		assert_ok(ccsp_sm4_set_key_impl(&k, key, 16, *im));
		assert_ok(ccsp_sm4_gcm_encrypt(&k, iv, 12, aad, 20, pt, out, 64, tag));
		assert_memory_equal(out, ct, 64);
		assert_hex_equal(R_TAG, tag, 16);
		assert_ok(ccsp_sm4_gcm_decrypt(&k, iv, 12, aad, 20, ct, out, 64, tag));
		assert_memory_equal(out, pt, 64);
	}
	/* the reference agrees with the RFC too */
	ref_gcm(key, iv, 12, aad, 20, pt, out, 64, tag);
	assert_memory_equal(out, ct, 64);
	assert_hex_equal(R_TAG, tag, 16);
}

static void test_ghash_impls_vs_reference(void **state)
{
	(void)state;
	uint8_t h[16], x[16], xr[16], in[16 * 40];
	uint64_t key[CCSP_GHASH_KEY_WORDS];
	test_rand_seed(7);
	for (int iter = 0; iter < 300; iter++) {
		size_t n = test_rand_below(40);
		test_rand(h, 16);
		test_rand(x, 16);
		test_rand(in, sizeof in);
		if (iter < 4) /* edge values of H */
			memset(h, iter < 2 ? 0xff : 0, 16), h[15] = (uint8_t)(iter & 1);
		memcpy(xr, x, 16);
		ref_ghash(h, xr, in, 16 * n);
		for (const ccsp_ghash_impl *const *g = ccsp_ghash_impl_list(); *g != NULL; g++) {
			uint8_t xi[16];
			memcpy(xi, x, 16);
			(*g)->init(key, h);
			(*g)->blocks(key, xi, in, n);
			if (memcmp(xi, xr, 16) != 0)
				fail_msg("%s n=%zu: %s vs %s", (*g)->name, n, bin2hex(xi, 16), bin2hex(xr, 16));
		}
	}
}

/* Random IV lengths (1..80, 12 often), AAD and data lengths against the reference. */
static void test_random_vs_reference(void **state)
{
	(void)state;
	uint8_t key[16], iv[80], aad[70], pt[300], ct[300], ref[300], tag[16], rtag[16];
	test_rand_seed(8);
	for (int iter = 0; iter < 150; iter++) {
		size_t ivlen = iter % 3 == 0 ? 12 : 1 + test_rand_below(80);
		size_t aadlen = test_rand_below(70), len = test_rand_below(300);
		test_rand(key, 16);
		test_rand(iv, ivlen);
		test_rand(aad, aadlen);
		test_rand(pt, len);
		ref_gcm(key, iv, ivlen, aad, aadlen, pt, ref, len, rtag);
		for (const ccsp_sm4_impl *const *im = ccsp_sm4_impl_list(); *im != NULL; im++) {
			ccsp_sm4_key k;
			assert_ok(ccsp_sm4_set_key_impl(&k, key, 16, *im));
			assert_ok(ccsp_sm4_gcm_encrypt(&k, iv, ivlen, aad, aadlen, pt, ct, len, tag));
			assert_memory_equal(ct, ref, len);
			assert_memory_equal(tag, rtag, 16);
			assert_ok(ccsp_sm4_gcm_decrypt(&k, iv, ivlen, aad, aadlen, ct, ct, len, tag));
			assert_memory_equal(ct, pt, len);
		}
	}
}

/* Non-12-byte IVs give J0 through GHASH; 70 blocks cross the batch boundary of the mode code. */
static void test_hashed_iv_many_blocks(void **state)
{
	(void)state;
	uint8_t key[16] = {1}, iv[40], pt[16 * 70], ct[16 * 70], ref[16 * 70], tag[16], rtag[16];
	test_rand_seed(9);
	for (int iter = 0; iter < 20; iter++) {
		test_rand(iv, sizeof iv);
		test_rand(pt, sizeof pt);
		ref_gcm(key, iv, sizeof iv, NULL, 0, pt, ref, sizeof pt, rtag);
		ccsp_sm4_key k;
		assert_ok(ccsp_sm4_set_key(&k, key, 16));
		assert_ok(ccsp_sm4_gcm_encrypt(&k, iv, sizeof iv, NULL, 0, pt, ct, sizeof pt, tag));
		assert_memory_equal(ct, ref, sizeof pt);
		assert_memory_equal(tag, rtag, 16);
	}
}

/* Streaming with every split of AAD and data equals one-shot. */
static void test_streaming_equals_oneshot(void **state)
{
	(void)state;
	uint8_t key[16], iv[16], aad[37], pt[83], ct[83], tag[16], out[83], stag[16];
	test_rand_seed(10);
	test_rand(key, 16);
	test_rand(iv, 16);
	test_rand(aad, sizeof aad);
	test_rand(pt, sizeof pt);
	ccsp_sm4_key k;
	assert_ok(ccsp_sm4_set_key(&k, key, 16));
	assert_ok(ccsp_sm4_gcm_encrypt(&k, iv, 16, aad, sizeof aad, pt, ct, sizeof pt, tag));
	for (size_t a = 0; a <= sizeof aad; a += 3)
		for (size_t s1 = 0; s1 <= sizeof pt; s1++) {
			size_t s2 = s1 + (sizeof pt - s1) / 2;
			for (int enc = 0; enc < 2; enc++) {
				ccsp_sm4_gcm_ctx c;
				const uint8_t *src = enc ? pt : ct;
				assert_ok(ccsp_sm4_gcm_init(&c, key, 16, iv, 16, enc));
				assert_ok(ccsp_sm4_gcm_aad(&c, aad, a));
				assert_ok(ccsp_sm4_gcm_aad(&c, aad + a, sizeof aad - a));
				memcpy(out, src, sizeof pt);
				assert_ok(ccsp_sm4_gcm_update(&c, out, out, s1)); /* in place */
				assert_ok(ccsp_sm4_gcm_update(&c, out + s1, out + s1, s2 - s1));
				assert_ok(ccsp_sm4_gcm_update(&c, out + s2, out + s2, sizeof pt - s2));
				if (enc) {
					assert_ok(ccsp_sm4_gcm_encrypt_final(&c, stag));
					assert_memory_equal(stag, tag, 16);
					assert_memory_equal(out, ct, sizeof pt);
				} else {
					assert_ok(ccsp_sm4_gcm_decrypt_final(&c, tag));
					assert_memory_equal(out, pt, sizeof pt);
				}
			}
		}
}

/* Every single flipped bit of ciphertext, tag, AAD and IV is rejected, and the one-shot decrypt
 * then leaves zeros in out. */
static void test_every_bit_flip_rejected(void **state)
{
	(void)state;
	uint8_t key[16], iv[12], aad[20], pt[40], ct[40], tag[16], out[40], zero[40] = {0};
	test_rand_seed(11);
	test_rand(key, 16);
	test_rand(iv, 12);
	test_rand(aad, 20);
	test_rand(pt, 40);
	ccsp_sm4_key k;
	assert_ok(ccsp_sm4_set_key(&k, key, 16));
	assert_ok(ccsp_sm4_gcm_encrypt(&k, iv, 12, aad, 20, pt, ct, 40, tag));
	uint8_t *fields[4] = {ct, tag, aad, iv};
	size_t sizes[4] = {40, 16, 20, 12};
	for (int f = 0; f < 4; f++)
		for (size_t bit = 0; bit < 8 * sizes[f]; bit++) {
			fields[f][bit / 8] ^= (uint8_t)(1 << (bit % 8));
			memset(out, 0xaa, sizeof out);
			assert_ccsp(CCSP_ERR_AUTH, ccsp_sm4_gcm_decrypt(&k, iv, 12, aad, 20, ct, out, 40, tag));
			assert_memory_equal(out, zero, 40);
			fields[f][bit / 8] ^= (uint8_t)(1 << (bit % 8));
		}
	/* streaming decrypt reports the failure too */
	ccsp_sm4_gcm_ctx c;
	tag[0] ^= 1;
	assert_ok(ccsp_sm4_gcm_init(&c, key, 16, iv, 12, 0));
	assert_ok(ccsp_sm4_gcm_aad(&c, aad, 20));
	assert_ok(ccsp_sm4_gcm_update(&c, ct, out, 40));
	assert_ccsp(CCSP_ERR_AUTH, ccsp_sm4_gcm_decrypt_final(&c, tag));
	tag[0] ^= 1;
	assert_ok(ccsp_sm4_gcm_decrypt(&k, iv, 12, aad, 20, ct, out, 40, tag));
	assert_memory_equal(out, pt, 40);
}

static void test_errors(void **state)
{
	(void)state;
	uint8_t key[16] = {0}, iv[12] = {0}, buf[32] = {0}, tag[16];
	ccsp_sm4_key k;
	ccsp_sm4_gcm_ctx c;
	assert_ok(ccsp_sm4_set_key(&k, key, 16));
	assert_ccsp(CCSP_ERR_IV_LENGTH, ccsp_sm4_gcm_encrypt(&k, iv, 0, NULL, 0, buf, buf, 16, tag));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_gcm_encrypt(&k, NULL, 12, NULL, 0, buf, buf, 16, tag));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_gcm_encrypt(&k, iv, 12, NULL, 5, buf, buf, 16, tag));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_gcm_encrypt(&k, iv, 12, NULL, 0, NULL, buf, 16, tag));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_gcm_encrypt(&k, iv, 12, NULL, 0, buf, buf, 16, NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_gcm_decrypt(NULL, iv, 12, NULL, 0, buf, buf, 16, tag));
	assert_ccsp(CCSP_ERR_KEY_LENGTH, ccsp_sm4_gcm_init(&c, key, 15, iv, 12, 1));
	assert_ccsp(CCSP_ERR_IV_LENGTH, ccsp_sm4_gcm_init(&c, key, 16, iv, 0, 1));
	/* sequence: no AAD after data, no final twice, no wrong-direction final */
	assert_ok(ccsp_sm4_gcm_init(&c, key, 16, iv, 12, 1));
	assert_ok(ccsp_sm4_gcm_update(&c, buf, buf, 5));
	assert_ccsp(CCSP_ERR_STATE, ccsp_sm4_gcm_aad(&c, buf, 1));
	assert_ccsp(CCSP_ERR_STATE, ccsp_sm4_gcm_decrypt_final(&c, tag));
	assert_ok(ccsp_sm4_gcm_encrypt_final(&c, tag));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_gcm_encrypt_final(&c, tag)); /* wiped */
	assert_ok(ccsp_sm4_gcm_init(&c, key, 16, iv, 12, 0));
	assert_ccsp(CCSP_ERR_STATE, ccsp_sm4_gcm_encrypt_final(&c, tag));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_gcm_update(NULL, buf, buf, 1));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_gcm_update(&c, NULL, buf, 1));
	/* empty message and AAD: tag only (SP 800-38D allows it) */
	assert_ok(ccsp_sm4_gcm_encrypt(&k, iv, 12, NULL, 0, NULL, NULL, 0, tag));
	assert_ok(ccsp_sm4_gcm_decrypt(&k, iv, 12, NULL, 0, NULL, NULL, 0, tag));
}

/* A key prepared once (ccsp_sm4_gcm_key) against the reference, for every implementation, many messages under it
 * (12-byte and hashed IVs, sizes across the batch boundary); a bad tag is refused and its output wiped; errors. */
static void test_prepared_key(void **state)
{
	(void)state;
	static uint8_t pt[16 * 300 + 7], ct[sizeof pt], ref[sizeof pt];
	static const uint8_t zero[sizeof pt];
	uint8_t key[16], iv[40], aad[13], tag[16], rtag[16];
	test_rand_seed(10);
	for (const ccsp_sm4_impl *const *im = ccsp_sm4_impl_list(); *im != NULL; im++) {
		ccsp_sm4_key k;
		ccsp_sm4_gcm_key gk;
		test_rand(key, 16);
		assert_ok(ccsp_sm4_set_key_impl(&k, key, 16, *im));
		assert_ok(ccsp_sm4_gcm_key_set(&gk, key, 16));
		gk.key = k; /* the implementation under test */
		for (int iter = 0; iter < 12; iter++) {
			size_t ivlen = iter % 4 == 3 ? 1 + test_rand_below(40) : 12, len = test_rand_below(sizeof pt);
			test_rand(iv, ivlen);
			test_rand(aad, sizeof aad);
			test_rand(pt, len);
			ref_gcm(key, iv, ivlen, aad, sizeof aad, pt, ref, len, rtag);
			assert_ok(ccsp_sm4_gcm_key_encrypt(&gk, iv, ivlen, aad, sizeof aad, pt, ct, len, tag));
			assert_memory_equal(ct, ref, len);
			assert_memory_equal(tag, rtag, 16);
			assert_ok(ccsp_sm4_gcm_key_decrypt(&gk, iv, ivlen, aad, sizeof aad, ct, ct, len, tag));
			assert_memory_equal(ct, pt, len);
			tag[iter % 16] ^= 0x40;
			assert_ccsp(CCSP_ERR_AUTH, ccsp_sm4_gcm_key_decrypt(&gk, iv, ivlen, aad, sizeof aad, ref, ct, len, tag));
			assert_memory_equal(ct, zero, len);
		}
		ccsp_sm4_gcm_key_wipe(&gk);
		assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_gcm_key_encrypt(&gk, iv, 12, NULL, 0, pt, ct, 16, tag)); /* wiped */
	}
	ccsp_sm4_gcm_key gk;
	assert_ccsp(CCSP_ERR_KEY_LENGTH, ccsp_sm4_gcm_key_set(&gk, key, 15));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_gcm_key_set(NULL, key, 16));
	assert_ok(ccsp_sm4_gcm_key_set(&gk, key, 16));
	assert_ccsp(CCSP_ERR_IV_LENGTH, ccsp_sm4_gcm_key_encrypt(&gk, iv, 0, NULL, 0, pt, ct, 16, tag));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_gcm_key_encrypt(&gk, NULL, 12, NULL, 0, pt, ct, 16, tag));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_gcm_key_encrypt(&gk, iv, 12, NULL, 0, pt, ct, 16, NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_gcm_key_decrypt(NULL, iv, 12, NULL, 0, ct, ct, 16, tag));
	assert_ok(ccsp_sm4_gcm_key_encrypt(&gk, iv, 12, NULL, 0, NULL, NULL, 0, tag));
	assert_ok(ccsp_sm4_gcm_key_decrypt(&gk, iv, 12, NULL, 0, NULL, NULL, 0, tag));
	ccsp_sm4_gcm_key_wipe(&gk);
	ccsp_sm4_gcm_key_wipe(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8998_all_impls),
		cmocka_unit_test(test_ghash_impls_vs_reference),
		cmocka_unit_test(test_random_vs_reference),
		cmocka_unit_test(test_hashed_iv_many_blocks),
		cmocka_unit_test(test_streaming_equals_oneshot),
		cmocka_unit_test(test_every_bit_flip_rejected),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_prepared_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

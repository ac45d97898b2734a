/* SPDX-License-Identifier: Apache-2.0 */
/* SM4 ECB/CBC/CFB/OFB/CTR and CBC-MAC: differential against OpenSSL 3 EVP on random inputs,
 * streaming vs one-shot, round trips, and every caller error. */
#include <string.h>

#include <ccsp/sm4.h>
#include <openssl/evp.h>

#include "sm4/sm4_impl.h"
#include "test_util.h"

#define MAXLEN 700

enum mode { M_ECB, M_CBC, M_CFB, M_OFB, M_CTR, M_COUNT };
static const char *mode_names[M_COUNT] = {"ecb", "cbc", "cfb", "ofb", "ctr"};

static const EVP_CIPHER *evp(enum mode m)
{
	switch (m) {
	case M_ECB: return EVP_sm4_ecb();
	case M_CBC: return EVP_sm4_cbc();
	case M_CFB: return EVP_sm4_cfb128();
	case M_OFB: return EVP_sm4_ofb();
	default: return EVP_sm4_ctr();
	}
}

static size_t ossl(enum mode m, int enc, int pad, const uint8_t *key, const uint8_t *iv, const uint8_t *in, size_t len,
                   uint8_t *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0;
	assert_int_equal(EVP_CipherInit_ex(c, evp(m), NULL, key, m == M_ECB ? NULL : iv, enc), 1);
	EVP_CIPHER_CTX_set_padding(c, pad);
	assert_int_equal(EVP_CipherUpdate(c, out, &l1, in, (int)len), 1);
	assert_int_equal(EVP_CipherFinal_ex(c, out + l1, &l2), 1);
	EVP_CIPHER_CTX_free(c);
	return (size_t)(l1 + l2);
}

static ccsp_err run(enum mode m, int enc, const ccsp_sm4_key *k, const uint8_t *iv, const uint8_t *in, uint8_t *out,
                    size_t len)
{
	switch (m) {
	case M_ECB: return enc ? ccsp_sm4_ecb_encrypt(k, in, out, len) : ccsp_sm4_ecb_decrypt(k, in, out, len);
	case M_CBC: return enc ? ccsp_sm4_cbc_encrypt(k, iv, in, out, len) : ccsp_sm4_cbc_decrypt(k, iv, in, out, len);
	case M_CFB: return enc ? ccsp_sm4_cfb_encrypt(k, iv, in, out, len) : ccsp_sm4_cfb_decrypt(k, iv, in, out, len);
	case M_OFB: return ccsp_sm4_ofb_crypt(k, iv, in, out, len);
	default: return ccsp_sm4_ctr_crypt(k, iv, in, out, len);
	}
}

/* Random keys, IVs and lengths (block multiples for ECB/CBC), every implementation, both
 * directions, separate and in-place buffers. */
static void test_vs_openssl(void **state)
{
	(void)state;
	uint8_t key[16], iv[16], pt[MAXLEN], ref[MAXLEN], out[MAXLEN], back[MAXLEN];
	test_rand_seed(31);
	for (int iter = 0; iter < 2000; iter++) {
		enum mode m = (enum mode)(iter % M_COUNT);
		size_t len = test_rand_below(MAXLEN);
		if (m == M_ECB || m == M_CBC)
			len &= ~(size_t)15;
		test_rand(key, 16);
		test_rand(iv, 16);
		if (iter % 50 == 4) /* CTR carry across all 128 bits */
			memset(iv, 0xff, 16), iv[0] = (uint8_t)iter;
		test_rand(pt, len);
		assert_int_equal(ossl(m, 1, 0, key, iv, pt, len, ref), len);
		for (const ccsp_sm4_impl *const *im = ccsp_sm4_impl_list(); *im != NULL; im++) {
			ccsp_sm4_key k;
			assert_ok(ccsp_sm4_set_key_impl(&k, key, 16, *im));
			assert_ok(run(m, 1, &k, iv, pt, out, len));
			if (memcmp(out, ref, len) != 0)
				fail_msg("%s/%s len %zu differs from OpenSSL", mode_names[m], (*im)->name, len);
			memcpy(back, out, len);
			assert_ok(run(m, 0, &k, iv, back, back, len));
			assert_memory_equal(back, pt, len);
			memcpy(back, pt, len);
			assert_ok(run(m, 1, &k, iv, back, back, len));
			assert_memory_equal(back, ref, len);
		}
	}
}

/* The published CTR vector wraps nothing; this one runs the counter from all-ones to zero. */
static void test_ctr_full_carry(void **state)
{
	(void)state;
	uint8_t key[16] = {9}, iv[16], pt[64] = {0}, a[64], b[64];
	memset(iv, 0xff, 16);
	ccsp_sm4_key k;
	assert_ok(ccsp_sm4_set_key(&k, key, 16));
	assert_ok(ccsp_sm4_ctr_crypt(&k, iv, pt, a, 64));
	/* block 1 is E(0): the counter wrapped over all 128 bits */
	assert_ok(ccsp_sm4_ecb_encrypt(&k, pt, b, 16));
	assert_memory_equal(a + 16, b, 16);
	assert_int_equal(ossl(M_CTR, 1, 0, key, iv, pt, 64, b), 64);
	assert_memory_equal(a, b, 64);
}

static void test_cbc_pad_vs_openssl(void **state)
{
	(void)state;
	uint8_t key[16], iv[16], pt[MAXLEN], ref[MAXLEN + 16], out[MAXLEN + 16], back[MAXLEN + 16];
	test_rand_seed(32);
	for (int iter = 0; iter < 600; iter++) {
		size_t len = iter < 40 ? (size_t)iter : test_rand_below(MAXLEN), olen = 0, blen = 0;
		test_rand(key, 16);
		test_rand(iv, 16);
		test_rand(pt, len);
		size_t rlen = ossl(M_CBC, 1, 1, key, iv, pt, len, ref);
		ccsp_sm4_key k;
		assert_ok(ccsp_sm4_set_key(&k, key, 16));
		assert_ok(ccsp_sm4_cbc_pad_encrypt(&k, iv, pt, len, out, sizeof out, &olen));
		assert_int_equal(olen, rlen);
		assert_memory_equal(out, ref, rlen);
		assert_ok(ccsp_sm4_cbc_pad_decrypt(&k, iv, out, olen, back, sizeof back, &blen));
		assert_int_equal(blen, len);
		assert_memory_equal(back, pt, len);
		/* exact-size output buffers, in place */
		memcpy(back, pt, len);
		assert_ok(ccsp_sm4_cbc_pad_encrypt(&k, iv, back, len, back, rlen, &olen));
		assert_memory_equal(back, ref, rlen);
		assert_ok(ccsp_sm4_cbc_pad_decrypt(&k, iv, back, rlen, back, len, &blen));
		assert_memory_equal(back, pt, len);
		/* one byte short */
		assert_ccsp(CCSP_ERR_BUFFER_TOO_SMALL, ccsp_sm4_cbc_pad_encrypt(&k, iv, pt, len, out, rlen - 1, &olen));
		assert_int_equal(olen, rlen);
		if (len > 0) {
			assert_ccsp(CCSP_ERR_BUFFER_TOO_SMALL,
			            ccsp_sm4_cbc_pad_decrypt(&k, iv, ref, rlen, back, len - 1, &blen));
			assert_int_equal(blen, len);
		}
	}
}

/* Every wrong padding: the last plaintext block is built, encrypted raw, and must be refused. */
static void test_bad_padding(void **state)
{
	(void)state;
	uint8_t key[16] = {3}, iv[16] = {4}, blk[32], ct[32], out[32];
	size_t olen;
	ccsp_sm4_key k;
	assert_ok(ccsp_sm4_set_key(&k, key, 16));
	for (int last = 0; last < 256; last++)
		for (int wrong = -1; wrong < 16; wrong++) {
			memset(blk, 0x5a, 32);
			int pad = last;
			if (pad >= 1 && pad <= 16)
				memset(blk + 32 - pad, pad, (size_t)pad);
			blk[31] = (uint8_t)last;
			int valid = pad >= 1 && pad <= 16;
			if (wrong >= 0) {
				if (!valid || wrong >= pad - 1) /* corrupt a padding byte other than the last */
					continue;
				blk[30 - wrong] ^= 0x01;
				valid = 0;
			}
			assert_ok(ccsp_sm4_cbc_encrypt(&k, iv, blk, ct, 32));
			ccsp_err e = ccsp_sm4_cbc_pad_decrypt(&k, iv, ct, 32, out, sizeof out, &olen);
			assert_ccsp(valid ? CCSP_OK : CCSP_ERR_PADDING, e);
			if (valid)
				assert_int_equal(olen, 32 - (size_t)pad);
			/* streaming agrees */
			ccsp_sm4_cbc_ctx c;
			size_t o1 = 0, o2 = 0;
			assert_ok(ccsp_sm4_cbc_init(&c, key, 16, iv, 0, 1));
			assert_ok(ccsp_sm4_cbc_update(&c, ct, 32, out, &o1));
			assert_ccsp(valid ? CCSP_OK : CCSP_ERR_PADDING, ccsp_sm4_cbc_final(&c, out + o1, &o2));
		}
}

/* Streaming CBC (raw and padded, both directions) gives the one-shot result for every split
 * point, with in-place buffers. */
static void test_cbc_streaming_splits(void **state)
{
	(void)state;
	uint8_t key[16], iv[16], pt[100], ref[128], buf[128 + 32];
	size_t rlen;
	test_rand_seed(33);
	test_rand(key, 16);
	test_rand(iv, 16);
	test_rand(pt, sizeof pt);
	for (int padding = 0; padding < 2; padding++)
		for (int enc = 0; enc < 2; enc++) {
			size_t len = padding ? sizeof pt : 96;
			rlen = ossl(M_CBC, 1, padding, key, iv, pt, len, ref);
			const uint8_t *src = enc ? pt : ref;
			const uint8_t *want = enc ? ref : pt;
			size_t srclen = enc ? len : rlen, wantlen = enc ? rlen : len;
			for (size_t s1 = 0; s1 <= srclen; s1++) {
				size_t s2 = s1 + (srclen - s1) / 3, o = 0, n = 0;
				ccsp_sm4_cbc_ctx c;
				assert_ok(ccsp_sm4_cbc_init(&c, key, 16, iv, enc, padding));
				size_t cuts[4] = {0, s1, s2, srclen};
				for (int p = 0; p < 3; p++) {
					size_t l = cuts[p + 1] - cuts[p];
					memcpy(buf + o, src + cuts[p], l); /* in place at the output position */
					assert_ok(ccsp_sm4_cbc_update(&c, buf + o, l, buf + o, &n));
					assert_true(n <= l + 16);
					o += n;
				}
				assert_ok(ccsp_sm4_cbc_final(&c, buf + o, &n));
				o += n;
				assert_int_equal(o, wantlen);
				assert_memory_equal(buf, want, wantlen);
			}
		}
}

static void test_ctr_streaming_splits(void **state)
{
	(void)state;
	uint8_t key[16], iv[16], pt[150], ref[150], buf[150];
	test_rand_seed(34);
	test_rand(key, 16);
	test_rand(iv, 16);
	test_rand(pt, sizeof pt);
	ossl(M_CTR, 1, 0, key, iv, pt, sizeof pt, ref);
	for (size_t s1 = 0; s1 <= sizeof pt; s1++)
		for (size_t step = 1; step < 40; step += 13) {
			ccsp_sm4_ctr_ctx c;
			assert_ok(ccsp_sm4_ctr_init(&c, key, 16, iv));
			memcpy(buf, pt, sizeof pt);
			assert_ok(ccsp_sm4_ctr_update(&c, buf, buf, s1));
			for (size_t o = s1; o < sizeof pt; o += step) {
				size_t l = sizeof pt - o < step ? sizeof pt - o : step;
				assert_ok(ccsp_sm4_ctr_update(&c, buf + o, buf + o, l));
			}
			ccsp_sm4_ctr_wipe(&c);
			assert_memory_equal(buf, ref, sizeof pt);
		}
}

/* CBC-MAC is the last block of the CBC encryption (OpenSSL as oracle). */
static void test_cbc_mac(void **state)
{
	(void)state;
	uint8_t key[16], iv[16], msg[256], ref[256], mac[16];
	test_rand_seed(35);
	for (size_t len = 16; len <= sizeof msg; len += 16) {
		test_rand(key, 16);
		test_rand(iv, 16);
		test_rand(msg, len);
		ossl(M_CBC, 1, 0, key, iv, msg, len, ref);
		for (const ccsp_sm4_impl *const *im = ccsp_sm4_impl_list(); *im != NULL; im++) {
			ccsp_sm4_key k;
			assert_ok(ccsp_sm4_set_key_impl(&k, key, 16, *im));
			assert_ok(ccsp_sm4_cbc_mac(&k, iv, msg, len, mac));
			assert_memory_equal(mac, ref + len - 16, 16);
		}
	}
}

static void test_errors(void **state)
{
	(void)state;
	uint8_t key[16] = {0}, iv[16] = {0}, buf[64] = {0}, mac[16];
	size_t n;
	ccsp_sm4_key k, unset;
	memset(&unset, 0, sizeof unset);
	assert_ok(ccsp_sm4_set_key(&k, key, 16));
	for (int m = 0; m < M_COUNT; m++) {
		for (int enc = 0; enc < 2; enc++) {
			assert_ccsp(CCSP_ERR_ARG, run((enum mode)m, enc, &unset, iv, buf, buf, 16));
			assert_ccsp(CCSP_ERR_ARG, run((enum mode)m, enc, NULL, iv, buf, buf, 16));
			assert_ccsp(CCSP_ERR_ARG, run((enum mode)m, enc, &k, iv, NULL, buf, 16));
			assert_ccsp(CCSP_ERR_ARG, run((enum mode)m, enc, &k, iv, buf, NULL, 16));
			assert_ok(run((enum mode)m, enc, &k, iv, NULL, NULL, 0));
			if (m != M_ECB)
				assert_ccsp(CCSP_ERR_ARG, run((enum mode)m, enc, &k, NULL, buf, buf, 16));
			assert_ccsp(m <= M_CBC ? CCSP_ERR_DATA_LENGTH : CCSP_OK, run((enum mode)m, enc, &k, iv, buf, buf, 17));
		}
	}
	assert_ccsp(CCSP_ERR_DATA_LENGTH, ccsp_sm4_cbc_pad_decrypt(&k, iv, buf, 0, buf, 64, &n));
	assert_ccsp(CCSP_ERR_DATA_LENGTH, ccsp_sm4_cbc_pad_decrypt(&k, iv, buf, 17, buf, 64, &n));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_cbc_pad_encrypt(&k, iv, buf, 5, buf, 64, NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_cbc_pad_encrypt(&k, iv, buf, 5, NULL, 64, &n));
	assert_ccsp(CCSP_ERR_DATA_LENGTH, ccsp_sm4_cbc_mac(&k, iv, buf, 0, mac));
	assert_ccsp(CCSP_ERR_DATA_LENGTH, ccsp_sm4_cbc_mac(&k, iv, buf, 20, mac));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_cbc_mac(&k, iv, buf, 16, NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_cbc_mac(&unset, iv, buf, 16, mac));
	/* streaming */
	ccsp_sm4_cbc_ctx c;
	ccsp_sm4_ctr_ctx t;
	assert_ccsp(CCSP_ERR_KEY_LENGTH, ccsp_sm4_cbc_init(&c, key, 8, iv, 1, 1));
	assert_ccsp(CCSP_ERR_KEY_LENGTH, ccsp_sm4_ctr_init(&t, key, 32, iv));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_cbc_init(&c, key, 16, NULL, 1, 1));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_ctr_init(&t, key, 16, NULL));
	assert_ok(ccsp_sm4_cbc_init(&c, key, 16, iv, 1, 0));
	assert_ok(ccsp_sm4_cbc_update(&c, buf, 5, buf + 32, &n));
	assert_int_equal(n, 0);
	assert_ccsp(CCSP_ERR_DATA_LENGTH, ccsp_sm4_cbc_final(&c, buf, &n)); /* partial block, no padding */
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_cbc_update(&c, buf, 5, buf, &n)); /* final wiped it */
	assert_ok(ccsp_sm4_cbc_init(&c, key, 16, iv, 0, 1));
	assert_ok(ccsp_sm4_cbc_update(&c, buf, 20, buf + 32, &n));
	assert_ccsp(CCSP_ERR_DATA_LENGTH, ccsp_sm4_cbc_final(&c, buf, &n));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_cbc_update(NULL, buf, 5, buf, &n));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_ctr_update(NULL, buf, buf, 5));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vs_openssl),
		cmocka_unit_test(test_ctr_full_carry),
		cmocka_unit_test(test_cbc_pad_vs_openssl),
		cmocka_unit_test(test_bad_padding),
		cmocka_unit_test(test_cbc_streaming_splits),
		cmocka_unit_test(test_ctr_streaming_splits),
		cmocka_unit_test(test_cbc_mac),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

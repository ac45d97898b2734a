/* SPDX-License-Identifier: Apache-2.0 */
/* SM4 block cipher: S-box circuit, key schedule and known answers on every implementation. */
#include <string.h>

#include <ccsp/selftest.h>
#include <ccsp/sm4.h>

#include "sm4/ghash.h"
#include "sm4/sm4_impl.h"
#include "sm4/sm4_internal.h"
#include "test_util.h"

#include <openssl/evp.h>

/* GB/T 32907-2016 clause 6.2.1, Table 1 (the S-box). */
static const uint8_t SBOX[256] = {
	0xd6, 0x90, 0xe9, 0xfe, 0xcc, 0xe1, 0x3d, 0xb7, 0x16, 0xb6, 0x14, 0xc2, 0x28, 0xfb, 0x2c, 0x05,
	0x2b, 0x67, 0x9a, 0x76, 0x2a, 0xbe, 0x04, 0xc3, 0xaa, 0x44, 0x13, 0x26, 0x49, 0x86, 0x06, 0x99,
	0x9c, 0x42, 0x50, 0xf4, 0x91, 0xef, 0x98, 0x7a, 0x33, 0x54, 0x0b, 0x43, 0xed, 0xcf, 0xac, 0x62,
	0xe4, 0xb3, 0x1c, 0xa9, 0xc9, 0x08, 0xe8, 0x95, 0x80, 0xdf, 0x94, 0xfa, 0x75, 0x8f, 0x3f, 0xa6,
	0x47, 0x07, 0xa7, 0xfc, 0xf3, 0x73, 0x17, 0xba, 0x83, 0x59, 0x3c, 0x19, 0xe6, 0x85, 0x4f, 0xa8,
	0x68, 0x6b, 0x81, 0xb2, 0x71, 0x64, 0xda, 0x8b, 0xf8, 0xeb, 0x0f, 0x4b, 0x70, 0x56, 0x9d, 0x35,
	0x1e, 0x24, 0x0e, 0x5e, 0x63, 0x58, 0xd1, 0xa2, 0x25, 0x22, 0x7c, 0x3b, 0x01, 0x21, 0x78, 0x87,
	0xd4, 0x00, 0x46, 0x57, 0x9f, 0xd3, 0x27, 0x52, 0x4c, 0x36, 0x02, 0xe7, 0xa0, 0xc4, 0xc8, 0x9e,
	0xea, 0xbf, 0x8a, 0xd2, 0x40, 0xc7, 0x38, 0xb5, 0xa3, 0xf7, 0xf2, 0xce, 0xf9, 0x61, 0x15, 0xa1,
	0xe0, 0xae, 0x5d, 0xa4, 0x9b, 0x34, 0x1a, 0x55, 0xad, 0x93, 0x32, 0x30, 0xf5, 0x8c, 0xb1, 0xe3,
	0x1d, 0xf6, 0xe2, 0x2e, 0x82, 0x66, 0xca, 0x60, 0xc0, 0x29, 0x23, 0xab, 0x0d, 0x53, 0x4e, 0x6f,
	0xd5, 0xdb, 0x37, 0x45, 0xde, 0xfd, 0x8e, 0x2f, 0x03, 0xff, 0x6a, 0x72, 0x6d, 0x6c, 0x5b, 0x51,
	0x8d, 0x1b, 0xaf, 0x92, 0xbb, 0xdd, 0xbc, 0x7f, 0x11, 0xd9, 0x5c, 0x41, 0x1f, 0x10, 0x5a, 0xd8,
	0x0a, 0xc1, 0x31, 0x88, 0xa5, 0xcd, 0x7b, 0xbd, 0x2d, 0x74, 0xd0, 0x12, 0xb8, 0xe5, 0xb4, 0xb0,
	0x89, 0x69, 0x97, 0x4a, 0x0c, 0x96, 0x77, 0x7e, 0x65, 0xb9, 0xf1, 0x09, 0xc5, 0x6e, 0xc6, 0x84,
	0x18, 0xf0, 0x7d, 0xec, 0x3a, 0xdc, 0x4d, 0x20, 0x79, 0xee, 0x5f, 0x3e, 0xd7, 0xcb, 0x39, 0x48
};

/* GB/T 32907-2016 Appendix A, example 1. */
#define A1_KEY "0123456789abcdeffedcba9876543210"
#define A1_CT "681edf34d206965e86b3e94f536e4246"
/* Appendix A, example 2: example 1's plaintext encrypted 1,000,000 times under the same key. */
#define A2_CT "595298c7c6fd271f0402f804c33d3f66"

static void test_sbox_circuit(void **state)
{
	(void)state;
	/* every byte value in every byte position, 1 to 16 words per call */
	for (size_t n = 1; n <= 16; n++)
		for (unsigned v = 0; v < 256; v += n) {
			uint32_t w[16];
			for (size_t i = 0; i < n; i++) {
				unsigned b = (v + i) & 0xff;
				w[i] = (uint32_t)b << 24 | (uint32_t)((b + 1) & 0xff) << 16 |
				       (uint32_t)((b + 2) & 0xff) << 8 | ((b + 3) & 0xff);
			}
			ccsp_sm4_ct_tau(w, n);
			for (size_t i = 0; i < n; i++) {
				unsigned b = (v + i) & 0xff;
				uint32_t e = (uint32_t)SBOX[b] << 24 | (uint32_t)SBOX[(b + 1) & 0xff] << 16 |
				             (uint32_t)SBOX[(b + 2) & 0xff] << 8 | SBOX[(b + 3) & 0xff];
				assert_int_equal(w[i], e);
			}
		}
}

/* Round keys of example 1 (GB/T 32907 Appendix A.1): first and last. */
static void test_key_schedule(void **state)
{
	(void)state;
	uint8_t key[16];
	ccsp_sm4_key k;
	hex2bin(A1_KEY, key, sizeof key);
	assert_ok(ccsp_sm4_set_key_impl(&k, key, 16, &ccsp_sm4_impl_portable));
	assert_int_equal(k.rk_enc[0], 0xf12186f9);
	assert_int_equal(k.rk_enc[31], 0x9124a012);
	for (int i = 0; i < 32; i++)
		assert_int_equal(k.rk_dec[i], k.rk_enc[31 - i]);
	assert_string_equal(ccsp_sm4_key_impl_name(&k), "portable");
	ccsp_sm4_key_wipe(&k);
	for (size_t i = 0; i < sizeof k; i++)
		assert_int_equal(((uint8_t *)&k)[i], 0);
}

/* Example 1 in every block position of calls of every size, so that every code path of every
 * implementation (narrow, bitsliced, wide, tails) sees it. */
static void test_example1_all_impls(void **state)
{
	(void)state;
	uint8_t key[16], ct[16], buf[16 * 200];
	hex2bin(A1_KEY, key, sizeof key);
	hex2bin(A1_CT, ct, sizeof ct);
	for (const ccsp_sm4_impl *const *im = ccsp_sm4_impl_list(); *im != NULL; im++) {
		ccsp_sm4_key k;
		assert_ok(ccsp_sm4_set_key_impl(&k, key, 16, *im));
		for (size_t n = 1; n <= 200; n += (n < 70 ? 1 : 13)) {
			for (size_t i = 0; i < n; i++)
				memcpy(buf + 16 * i, key, 16);
			assert_ok(ccsp_sm4_ecb_encrypt(&k, buf, buf, 16 * n));
			for (size_t i = 0; i < n; i++)
				if (memcmp(buf + 16 * i, ct, 16) != 0)
					fail_msg("%s: n=%zu block %zu: %s", (*im)->name, n, i, bin2hex(buf + 16 * i, 16));
			assert_ok(ccsp_sm4_ecb_decrypt(&k, buf, buf, 16 * n));
			for (size_t i = 0; i < n; i++)
				assert_memory_equal(buf + 16 * i, key, 16);
		}
	}
}

static void test_example2_million(void **state)
{
	(void)state;
#if defined(__SANITIZE_ADDRESS__)
	/* a million unoptimised, instrumented block calls take over a minute: the optimised build
	 * runs this vector; the sanitizer build still runs example 1 everywhere */
	skip();
#endif
	uint8_t key[16], buf[16];
	hex2bin(A1_KEY, key, sizeof key);
	for (const ccsp_sm4_impl *const *im = ccsp_sm4_impl_list(); *im != NULL; im++) {
		ccsp_sm4_key k;
		assert_ok(ccsp_sm4_set_key_impl(&k, key, 16, *im));
		memcpy(buf, key, 16);
		for (int i = 0; i < 1000000; i++)
			(*im)->crypt_blocks(k.rk_enc, buf, buf, 1);
		assert_hex_equal(A2_CT, buf, 16);
	}
}

/* Random keys and blocks against OpenSSL's sm4-ecb, every implementation, all batch sizes. */
static void test_random_vs_openssl(void **state)
{
	(void)state;
	uint8_t key[16], pt[16 * 130], ct[16 * 130], ref[16 * 130];
	test_rand_seed(4);
	for (int iter = 0; iter < 200; iter++) {
		size_t n = 1 + test_rand_below(130);
		test_rand(key, 16);
		test_rand(pt, 16 * n);
		EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
		int l1 = 0;
		assert_int_equal(EVP_EncryptInit_ex(c, EVP_sm4_ecb(), NULL, key, NULL), 1);
		EVP_CIPHER_CTX_set_padding(c, 0);
		assert_int_equal(EVP_EncryptUpdate(c, ref, &l1, pt, (int)(16 * n)), 1);
		EVP_CIPHER_CTX_free(c);
		for (const ccsp_sm4_impl *const *im = ccsp_sm4_impl_list(); *im != NULL; im++) {
			ccsp_sm4_key k;
			assert_ok(ccsp_sm4_set_key_impl(&k, key, 16, *im));
			assert_ok(ccsp_sm4_ecb_encrypt(&k, pt, ct, 16 * n));
			assert_memory_equal(ct, ref, 16 * n);
			assert_ok(ccsp_sm4_ecb_decrypt(&k, ct, ct, 16 * n));
			assert_memory_equal(ct, pt, 16 * n);
		}
	}
}

static void test_errors(void **state)
{
	(void)state;
	uint8_t key[17] = {0}, buf[32] = {0};
	ccsp_sm4_key k;
	memset(&k, 0, sizeof k);
	assert_ccsp(CCSP_ERR_KEY_LENGTH, ccsp_sm4_set_key(&k, key, 15));
	assert_ccsp(CCSP_ERR_KEY_LENGTH, ccsp_sm4_set_key(&k, key, 17));
	assert_ccsp(CCSP_ERR_KEY_LENGTH, ccsp_sm4_set_key(&k, key, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_set_key(NULL, key, 16));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_set_key(&k, NULL, 16));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_set_key_impl(&k, key, 16, NULL));
	/* a key never set is refused */
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_ecb_encrypt(&k, buf, buf, 16));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_ecb_encrypt(NULL, buf, buf, 16));
	assert_string_equal(ccsp_sm4_key_impl_name(&k), "none");
	assert_ok(ccsp_sm4_set_key(&k, key, 16));
	assert_ccsp(CCSP_ERR_DATA_LENGTH, ccsp_sm4_ecb_encrypt(&k, buf, buf, 15));
	assert_ccsp(CCSP_ERR_DATA_LENGTH, ccsp_sm4_ecb_decrypt(&k, buf, buf, 17));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_ecb_encrypt(&k, NULL, buf, 16));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_ecb_decrypt(&k, buf, NULL, 16));
	assert_ok(ccsp_sm4_ecb_encrypt(&k, NULL, NULL, 0));
	/* the best implementation is one of the list */
	int found = 0;
	for (const ccsp_sm4_impl *const *im = ccsp_sm4_impl_list(); *im != NULL; im++)
		found |= *im == ccsp_sm4_impl_best();
	assert_true(found);
	assert_ptr_equal(ccsp_sm4_impl_list()[0], &ccsp_sm4_impl_portable);
}

static int n_sm4_reports;

static void count_cb(const char *name, ccsp_err result, void *arg)
{
	(void)arg;
	if (strncmp(name, "SM4", 3) == 0 || strncmp(name, "GHASH", 5) == 0) {
		n_sm4_reports++;
		if (result != CCSP_OK)
			fail_msg("self-test %s failed: %s", name, ccsp_err_name(result));
	}
}

/* The self-test reports every mode on every implementation, and GHASH on every implementation. */
static void test_selftest(void **state)
{
	(void)state;
	size_t nimpl = 0, nghash = 0;
	while (ccsp_sm4_impl_list()[nimpl] != NULL)
		nimpl++;
	while (ccsp_ghash_impl_list()[nghash] != NULL)
		nghash++;
	n_sm4_reports = 0;
	assert_ok(ccsp_selftest(count_cb, NULL));
	assert_int_equal(n_sm4_reports, 8 * nimpl + nghash);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sbox_circuit),
		cmocka_unit_test(test_key_schedule),
		cmocka_unit_test(test_example1_all_impls),
		cmocka_unit_test(test_example2_million),
		cmocka_unit_test(test_random_vs_openssl),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_selftest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

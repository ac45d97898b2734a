/* SPDX-License-Identifier: Apache-2.0 */
/* SM3, HMAC-SM3, SM3-KDF and PBKDF2-HMAC-SM3: vectors and differential tests against OpenSSL. */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/core_names.h>

#include <ccsp/sm3.h>

#include "test_util.h"

/* GB/T 32905-2016 Appendix A.1 and A.2 (also /work/shared/spec/formats.md 6.1). */
static void test_sm3_standard_vectors(void **state)
{
	(void)state;
	uint8_t d[32];
	assert_ok(ccsp_sm3("abc", 3, d));
	assert_hex_equal("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0", d, 32);
	const char *m64 = "abcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcd";
	assert_ok(ccsp_sm3(m64, 64, d));
	assert_hex_equal("debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732", d, 32);
}

static void ossl_sm3(const uint8_t *m, size_t n, uint8_t d[32])
{
	unsigned int dl = 0;
	assert_int_equal(EVP_Digest(m, n, d, &dl, EVP_sm3(), NULL), 1);
	assert_int_equal(dl, 32);
}

static void ossl_hmac_sm3(const uint8_t *k, size_t kl, const uint8_t *m, size_t n, uint8_t mac[32])
{
	static const uint8_t empty[1];
	unsigned int ml = 0;
	assert_non_null(HMAC(EVP_sm3(), kl ? k : empty, (int)kl, n ? m : empty, n, mac, &ml));
	assert_int_equal(ml, 32);
}

static void test_sm3_vs_openssl(void **state)
{
	(void)state;
	static uint8_t m[5000];
	uint8_t a[32], b[32];
	test_rand_seed(1);
	for (int i = 0; i < 2000; i++) {
		size_t n = test_rand_below(sizeof m + 1);
		test_rand(m, n);
		assert_ok(ccsp_sm3(m, n, a));
		ossl_sm3(m, n, b);
		assert_memory_equal(a, b, 32);
	}
}

static void test_hmac_vs_openssl(void **state)
{
	(void)state;
	static uint8_t m[5000];
	uint8_t k[201], a[32], b[32];
	test_rand_seed(2);
	for (int i = 0; i < 2000; i++) {
		size_t n = test_rand_below(sizeof m + 1), kl = test_rand_below(sizeof k);
		test_rand(m, n);
		test_rand(k, kl);
		assert_ok(ccsp_hmac_sm3(k, kl, m, n, a));
		ossl_hmac_sm3(k, kl, m, n, b);
		assert_memory_equal(a, b, 32);
	}
}

static void ossl_x963_sm3(const uint8_t *z, size_t zl, uint8_t *out, size_t outlen)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "X963KDF", NULL);
	assert_non_null(kdf);
	EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf);
	assert_non_null(kctx);
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SM3", 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)z, zl),
		OSSL_PARAM_construct_end(),
	};
	assert_int_equal(EVP_KDF_derive(kctx, out, outlen, params), 1);
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
}

static void test_kdf_vs_openssl(void **state)
{
	(void)state;
	uint8_t z[200], a[300], b[300];
	test_rand_seed(3);
	for (size_t outlen = 1; outlen <= sizeof a; outlen += 1 + test_rand_below(7)) {
		size_t zl = 1 + test_rand_below(sizeof z);
		test_rand(z, zl);
		assert_ok(ccsp_sm3_kdf(z, zl, a, outlen));
		ossl_x963_sm3(z, zl, b, outlen);
		assert_memory_equal(a, b, outlen);
	}
}

static void test_pbkdf2_vs_openssl(void **state)
{
	(void)state;
	uint8_t p[80], s[40], a[100], b[100];
	test_rand_seed(4);
	for (int i = 0; i < 40; i++) {
		size_t pl = test_rand_below(sizeof p), sl = test_rand_below(sizeof s);
		size_t outlen = 1 + test_rand_below(sizeof a);
		uint32_t iter = 1 + (uint32_t)test_rand_below(300);
		test_rand(p, pl);
		test_rand(s, sl);
		assert_ok(ccsp_pbkdf2_sm3(p, pl, s, sl, iter, a, outlen));
		assert_int_equal(PKCS5_PBKDF2_HMAC((const char *)p, (int)pl, s, (int)sl, (int)iter, EVP_sm3(),
		                                   (int)outlen, b), 1);
		assert_memory_equal(a, b, outlen);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sm3_standard_vectors),
		cmocka_unit_test(test_sm3_vs_openssl),
		cmocka_unit_test(test_hmac_vs_openssl),
		cmocka_unit_test(test_kdf_vs_openssl),
		cmocka_unit_test(test_pbkdf2_vs_openssl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

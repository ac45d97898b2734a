/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the unit tests (never linked into libccsp). */
#ifndef CCSP_TEST_UTIL_H
#define CCSP_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ccsp/error.h>
#include <ccsp/sdf.h>

/* Decode hex (no separators) into out; returns the byte count. Aborts the test on bad hex or overflow. */
size_t hex2bin(const char *hex, uint8_t *out, size_t cap);
/* Encode n bytes as lowercase hex into a static rotating buffer (for messages). */
const char *bin2hex(const uint8_t *p, size_t n);
/* Deterministic pseudo-random bytes for reproducible test inputs (not for keys in production). */
void test_rand(void *buf, size_t n);
void test_rand_seed(uint64_t seed);
size_t test_rand_below(size_t n);
/* Remove dir and everything below it (a test's temporary directory); errors are ignored. */
void test_rm_tree(const char *dir);

/* OpenSSL as the independent SM2 oracle (test_ossl.c): the EVP_PKEY of the public point x || y (the caller frees
 * it), and whether OpenSSL verifies sig (r || s) over msg with that key and the default ID (1 yes, else no). Failures
 * of OpenSSL itself fail the test. */
typedef struct evp_pkey_st EVP_PKEY;
EVP_PKEY *test_ossl_sm2_pub(const uint8_t pub[64]);
int test_ossl_sm2_verify(EVP_PKEY *pk, const uint8_t *msg, size_t len, const uint8_t sig[64]);

/* The SDF wrap algorithm of a secret key's KEK wrap of wl bytes: SGD_SM4_ECB for the standard wrap (16 or 32
 * bytes), SGD_SM4_GCM for ccsp's sealed one. */
static inline unsigned test_wrap_alg(size_t wl)
{
	return wl == 16 || wl == 32 ? SGD_SM4_ECB : SGD_SM4_GCM;
}

/* Assert a ccsp_err equals the expected one, printing names on failure. */
#define assert_ccsp(expected, expr)                                                                \
	do {                                                                                       \
		ccsp_err got_ = (expr);                                                            \
		if (got_ != (expected))                                                            \
			fail_msg("%s: got %s, expected %s", #expr, ccsp_err_name(got_),            \
			         ccsp_err_name(expected));                                         \
	} while (0)
#define assert_ok(expr) assert_ccsp(CCSP_OK, expr)

/* Compare with a hex string. */
#define assert_hex_equal(hex, buf, n)                                                              \
	do {                                                                                       \
		uint8_t exp_[4096];                                                                \
		size_t en_ = hex2bin((hex), exp_, sizeof exp_);                                    \
		assert_int_equal(en_, (n));                                                        \
		if (memcmp(exp_, (buf), (n)) != 0)                                                 \
			fail_msg("got %s\nexpected %s", bin2hex((buf), (n)), (hex));               \
	} while (0)

#endif

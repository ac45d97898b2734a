/* SPDX-License-Identifier: Apache-2.0 */
/* People's passwords (src/platform/password.c): policy, PBKDF2-HMAC-SM3 hashes (OpenSSL as the oracle), checks,
 * one-time passwords. */
#include <string.h>

#include <openssl/evp.h>

#include "platform/password.h"
#include "test_util.h"

static void test_policy(void **state)
{
	(void)state;
	const char *why;
	static const char *const good[] = {"Correct-horse1", "abcdefghijK1", "ABCDEFGH12!!", "a b c d E F 1"};
	static const char *const bad[] = {"Short1!a", "alllowercaseletters", "ALLUPPER12345", "12345678901234",
	                                  " Leading-space1", "Trailing-space1 ", "Tab\there-Xy1z"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_ok(ccsp_password_policy(good[i], strlen(good[i]), &why));
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_ccsp(CCSP_ERR_PASSWORD, ccsp_password_policy(bad[i], strlen(bad[i]), &why));
		assert_non_null(why);
	}
	char longpw[CCSP_PASSWORD_MAX + 2];
	memset(longpw, 'a', sizeof longpw);
	memcpy(longpw, "A1", 2);
	assert_ok(ccsp_password_policy(longpw, CCSP_PASSWORD_MAX, &why));
	assert_ccsp(CCSP_ERR_PASSWORD, ccsp_password_policy(longpw, CCSP_PASSWORD_MAX + 1, &why));
}

static void test_hash_check(void **state)
{
	(void)state;
	const char *pw = "Correct-horse1";
	ccsp_password_hash h, h2;
	uint8_t oracle[32];
	assert_ok(ccsp_password_hash_new(pw, strlen(pw), &h));
	assert_int_equal(h.iterations, CCSP_PASSWORD_ITERATIONS);
	assert_int_equal(PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), h.salt, sizeof h.salt, (int)h.iterations, EVP_sm3(),
	                                   sizeof oracle, oracle),
	                 1);
	assert_memory_equal(h.hash, oracle, 32);
	assert_ok(ccsp_password_check(pw, strlen(pw), &h));
	assert_ccsp(CCSP_ERR_PASSWORD, ccsp_password_check("Correct-horse2", 14, &h));
	assert_ccsp(CCSP_ERR_PASSWORD, ccsp_password_check(pw, strlen(pw) - 1, &h));
	assert_ok(ccsp_password_hash_new(pw, strlen(pw), &h2));
	assert_memory_not_equal(h.salt, h2.salt, sizeof h.salt); /* a fresh salt each time */
	assert_memory_not_equal(h.hash, h2.hash, sizeof h.hash);
	h2 = h;
	h2.iterations = 0;
	assert_ccsp(CCSP_ERR_ARG, ccsp_password_check(pw, strlen(pw), &h2));
}

static void test_otp(void **state)
{
	(void)state;
	char a[CCSP_PASSWORD_OTP_LEN + 1], b[CCSP_PASSWORD_OTP_LEN + 1];
	const char *why;
	assert_ok(ccsp_password_otp(a));
	assert_ok(ccsp_password_otp(b));
	assert_int_equal(strlen(a), CCSP_PASSWORD_OTP_LEN);
	assert_string_not_equal(a, b);
	assert_ok(ccsp_password_policy(a, strlen(a), &why));
	assert_null(strpbrk(a, "01lIO")); /* nothing easy to misread */
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_policy), cmocka_unit_test(test_hash_check),
	                                   cmocka_unit_test(test_otp)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

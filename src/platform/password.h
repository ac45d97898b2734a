/* SPDX-License-Identifier: Apache-2.0 */
/*
 * People's passwords (SEC-3): the policy, salted PBKDF2-HMAC-SM3 hashes, constant-time checks, and one-time
 * passwords for new accounts. The store keeps the hash, salt and iteration count as opaque bytes
 * (src/platform/store/store_identity.h); the password itself is never stored, logged or kept after the call.
 *
 * Policy: 12..128 bytes of printable ASCII without spaces at either end, with at least three of the four classes
 * lower case, upper case, digit, other. Hashes: 16-byte random salt, CCSP_PASSWORD_ITERATIONS iterations, 32 bytes.
 */
#ifndef CCSP_PLATFORM_PASSWORD_H
#define CCSP_PLATFORM_PASSWORD_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#define CCSP_PASSWORD_MIN 12
#define CCSP_PASSWORD_MAX 128
#define CCSP_PASSWORD_ITERATIONS 100000u
#define CCSP_PASSWORD_SALT_SIZE 16
#define CCSP_PASSWORD_HASH_SIZE 32
#define CCSP_PASSWORD_OTP_LEN 20 /* characters of a one-time password */

typedef struct ccsp_password_hash {
	uint8_t salt[CCSP_PASSWORD_SALT_SIZE];
	uint8_t hash[CCSP_PASSWORD_HASH_SIZE];
	uint32_t iterations;
} ccsp_password_hash;

/* CCSP_OK when pw (len bytes) meets the policy; CCSP_ERR_PASSWORD otherwise (why: *reason, a static string). */
CCSP_MUST_CHECK ccsp_err ccsp_password_policy(const char *pw, size_t len, const char **reason);
/* A new hash of pw with a fresh salt. */
CCSP_MUST_CHECK ccsp_err ccsp_password_hash_new(const char *pw, size_t len, ccsp_password_hash *out);
/* CCSP_OK when pw matches h (constant time in the hash), CCSP_ERR_PASSWORD when not, CCSP_ERR_ARG for a
 * malformed h (iterations 0 or above 10^7). */
CCSP_MUST_CHECK ccsp_err ccsp_password_check(const char *pw, size_t len, const ccsp_password_hash *h);
/* A one-time password of CCSP_PASSWORD_OTP_LEN characters that meets the policy, NUL-terminated. */
CCSP_MUST_CHECK ccsp_err ccsp_password_otp(char out[CCSP_PASSWORD_OTP_LEN + 1]);

#endif

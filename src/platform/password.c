/* SPDX-License-Identifier: Apache-2.0 */
/* Passwords: policy, PBKDF2-HMAC-SM3 hashes, one-time passwords (password.h). */
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>
#include <ccsp/sm3.h>

#include "platform/password.h"

#define ITERATIONS_MAX 10000000u

ccsp_err ccsp_password_policy(const char *pw, size_t len, const char **reason)
{
	int lower = 0, upper = 0, digit = 0, other = 0;
	*reason = NULL;
	if (pw == NULL || len < CCSP_PASSWORD_MIN || len > CCSP_PASSWORD_MAX) {
		*reason = "a password has 12 to 128 characters";
		return CCSP_ERR_PASSWORD;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)pw[i];
		if (c < 0x20 || c > 0x7e) {
			*reason = "a password is printable ASCII";
			return CCSP_ERR_PASSWORD;
		}
		lower |= c >= 'a' && c <= 'z';
		upper |= c >= 'A' && c <= 'Z';
		digit |= c >= '0' && c <= '9';
		other |= !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
	}
	if (pw[0] == ' ' || pw[len - 1] == ' ') {
		*reason = "a password does not start or end with a space";
		return CCSP_ERR_PASSWORD;
	}
	if (lower + upper + digit + other < 3) {
		*reason = "a password mixes three of: lower case, upper case, digits, other characters";
		return CCSP_ERR_PASSWORD;
	}
	return CCSP_OK;
}

static ccsp_err derive(const char *pw, size_t len, const uint8_t *salt, uint32_t iter, uint8_t out[32])
{
	return ccsp_pbkdf2_sm3((const uint8_t *)pw, len, salt, CCSP_PASSWORD_SALT_SIZE, iter, out, 32);
}

ccsp_err ccsp_password_hash_new(const char *pw, size_t len, ccsp_password_hash *out)
{
	if (pw == NULL || out == NULL || len > CCSP_PASSWORD_MAX)
		return CCSP_ERR_ARG;
	out->iterations = CCSP_PASSWORD_ITERATIONS;
	ccsp_err ret = ccsp_random(out->salt, sizeof out->salt);
	return ret == CCSP_OK ? derive(pw, len, out->salt, out->iterations, out->hash) : ret;
}

ccsp_err ccsp_password_check(const char *pw, size_t len, const ccsp_password_hash *h)
{
	uint8_t got[32];
	if (pw == NULL || h == NULL || h->iterations == 0 || h->iterations > ITERATIONS_MAX)
		return CCSP_ERR_ARG;
	if (len > CCSP_PASSWORD_MAX) /* still as slow as a real check: the length must not tell */
		len = CCSP_PASSWORD_MAX + 1;
	ccsp_err ret = derive(pw, len, h->salt, h->iterations, got);
	uint8_t diff = 0;
	for (size_t i = 0; i < sizeof got; i++)
		diff |= got[i] ^ h->hash[i];
	ccsp_memzero(got, sizeof got);
	if (ret != CCSP_OK)
		return ret;
	return diff == 0 ? CCSP_OK : CCSP_ERR_PASSWORD;
}

/* Characters easy to read aloud and type: no 0/O, 1/l/I. */
static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
#define ALPHABET_LEN (sizeof alphabet - 1)

ccsp_err ccsp_password_otp(char out[CCSP_PASSWORD_OTP_LEN + 1])
{
	uint8_t r[64];
	const char *reason;
	for (int attempt = 0; attempt < 16; attempt++) {
		ccsp_err ret = ccsp_random(r, sizeof r);
		if (ret != CCSP_OK)
			return ret;
		size_t n = 0;
		for (size_t i = 0; i < sizeof r && n < CCSP_PASSWORD_OTP_LEN; i++)
			if (r[i] < 256 - 256 % ALPHABET_LEN) /* no modulo bias */
				out[n++] = alphabet[r[i] % ALPHABET_LEN];
		out[n] = '\0';
		ccsp_memzero(r, sizeof r);
		if (n == CCSP_PASSWORD_OTP_LEN && ccsp_password_policy(out, n, &reason) == CCSP_OK)
			return CCSP_OK;
	}
	return CCSP_ERR_RNG;
}

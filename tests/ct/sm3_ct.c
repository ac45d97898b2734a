/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Constant-time check (ctgrind style): keys, passwords, shared secrets and messages are marked
 * undefined, so memcheck reports any branch or memory index that depends on them in SM3,
 * HMAC-SM3, SM3-KDF or PBKDF2, on every compression implementation; and in multi-buffer SM3 on every
 * implementation valgrind's CPU offers (its CPUID hides AVX-512: avx512-2x16 is not checked here).
 */
#include <stdio.h>
#include <string.h>

#include <valgrind/memcheck.h>

#include <ccsp/selftest.h>
#include <ccsp/sm3.h>

#include "sm3/sm3_internal.h"
#include "sm3/sm3_mb.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

static int run(void)
{
	uint8_t key[100], msg[300], out[80];
	ccsp_sm3_ctx ctx;
	ccsp_hmac_sm3_ctx h;
	int bad = 0;

	for (size_t i = 0; i < sizeof key; i++)
		key[i] = (uint8_t)(i * 7 + 1);
	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)(i * 13 + 5);
	SECRET(key, sizeof key);
	SECRET(msg, sizeof msg);

	bad |= ccsp_sm3(msg, sizeof msg, out) != CCSP_OK;
	bad |= ccsp_sm3_init(&ctx) != CCSP_OK;
	bad |= ccsp_sm3_update(&ctx, msg, 70) != CCSP_OK;
	bad |= ccsp_sm3_update(&ctx, msg + 70, 100) != CCSP_OK;
	bad |= ccsp_sm3_final(&ctx, out) != CCSP_OK;
	/* Short and long (hashed) keys. */
	bad |= ccsp_hmac_sm3(key, 20, msg, sizeof msg, out) != CCSP_OK;
	bad |= ccsp_hmac_sm3(key, sizeof key, msg, 10, out) != CCSP_OK;
	bad |= ccsp_hmac_sm3_init(&h, key, 64) != CCSP_OK;
	bad |= ccsp_hmac_sm3_update(&h, msg, 65) != CCSP_OK;
	bad |= ccsp_hmac_sm3_final(&h, out) != CCSP_OK;
	bad |= ccsp_sm3_kdf(key, 64, out, sizeof out) != CCSP_OK;
	bad |= ccsp_pbkdf2_sm3(key, 12, msg, 16, 3, out, 50) != CCSP_OK;
	PUBLIC(out, sizeof out);
	return bad;
}

/* Lengths are public (they steer the lane scheduler); the messages' content is secret. */
static int run_mb(const ccsp_sm3_mb_impl *impl)
{
	static const size_t lens[] = {0, 1, 55, 56, 64, 65, 119, 120, 300, 3, 200, 64, 9, 250, 130, 63, 17, 1, 2, 290};
	enum { N = sizeof lens / sizeof lens[0] };
	uint8_t msg[N][300], out[N][32];
	const uint8_t *msgs[N];
	int bad;

	for (size_t i = 0; i < N; i++) {
		for (size_t j = 0; j < sizeof msg[i]; j++)
			msg[i][j] = (uint8_t)(i * 31 + j * 7 + 3);
		msgs[i] = msg[i];
	}
	SECRET(msg, sizeof msg);
	bad = ccsp_sm3_digest_many_impl(impl, msgs, lens, N, out) != CCSP_OK;
	PUBLIC(out, sizeof out);
	return bad;
}

int main(void)
{
	const ccsp_sm3_impl *const *impls = ccsp_sm3_impl_list();
	int bad = ccsp_selftest(NULL, NULL) != CCSP_OK;

	for (size_t i = 0; impls[i] != NULL; i++) {
		ccsp_sm3_impl_force(impls[i]);
		bad |= run();
	}
	ccsp_sm3_impl_force(NULL);
	for (const ccsp_sm3_mb_impl *const *mb = ccsp_sm3_mb_impl_list(); *mb != NULL; mb++)
		bad |= run_mb(*mb);
	if (bad)
		fprintf(stderr, "sm3_ct: an operation failed\n");
	return bad;
}

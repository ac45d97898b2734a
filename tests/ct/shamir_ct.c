/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Constant-time check (ctgrind style) of ccsp's Shamir core (src/crypto/shamir/), as the VSM's key backup uses it
 * (src/vsm/vsm_backup.c: key || check split, shares recombined from any m): the secret is marked undefined, so
 * memcheck reports any branch or memory index that depends on it or on the share values. The abscissas are public.
 */
#include <stdio.h>
#include <string.h>

#include <valgrind/memcheck.h>

#include <ccsp/selftest.h>

#include "crypto/shamir/shamir.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#define LEN_MAX 40

static int run(size_t len, unsigned m, unsigned n)
{
	uint8_t secret[LEN_MAX], got[LEN_MAX], y[CCSP_SHAMIR_N_MAX][LEN_MAX], x[CCSP_SHAMIR_N_MAX];
	uint8_t *yp[CCSP_SHAMIR_N_MAX];
	const uint8_t *sel[CCSP_SHAMIR_N_MAX];
	int bad = 0;
	for (size_t i = 0; i < len; i++)
		secret[i] = (uint8_t)(i * 37 + 5);
	for (unsigned j = 0; j < n; j++)
		yp[j] = y[j];
	SECRET(secret, len);
	bad |= ccsp_shamir_split(secret, len, m, n, yp) != CCSP_OK;
	/* the last m shares, in reverse order */
	for (unsigned i = 0; i < m; i++) {
		x[i] = (uint8_t)(n - i);
		sel[i] = y[n - 1 - i];
	}
	bad |= ccsp_shamir_interpolate(x, sel, m, len, got) != CCSP_OK;
	PUBLIC(got, len);
	PUBLIC(secret, len);
	bad |= memcmp(got, secret, len) != 0;
	return bad;
}

int main(void)
{
	int bad = ccsp_selftest(NULL, NULL) != CCSP_OK;
	bad |= run(16 + 8, 2, 3);
	bad |= run(32 + 8, 3, 5);
	bad |= run(32 + 8, 16, 16);
	if (bad)
		fprintf(stderr, "shamir_ct: an operation failed\n");
	return bad;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Constant-time check (ctgrind style) of the CHSM's secret sharing (src/chsm/chsm_shamir.c): the secret is marked
 * undefined, so memcheck reports any branch or memory index that depends on it, or on the share values made from
 * it, in the split, the share lines (format and parse), and the combination (interpolation, set id check). The
 * field arithmetic, the hex coding of share values and the lowercasing of a typed line must all pass.
 */
#include <stdio.h>
#include <string.h>

#include <valgrind/memcheck.h>

#include <ccsp/selftest.h>

#include "chsm/chsm_shamir.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

static int run(size_t len, unsigned m, unsigned n)
{
	uint8_t secret[CHSM_SHARE_SECRET_MAX], got[CHSM_SHARE_SECRET_MAX];
	chsm_share shares[CHSM_SHARE_N_MAX], parsed[CHSM_SHARE_N_MAX];
	char line[CHSM_SHARE_TEXT_MAX];
	size_t outlen = 0;
	int bad = 0;
	for (size_t i = 0; i < len; i++)
		secret[i] = (uint8_t)(i * 29 + 3);
	SECRET(secret, len);
	bad |= chsm_shamir_split(CHSM_SHARE_MASTER, secret, len, m, n, shares) != CCSP_OK;
	for (unsigned i = 0; i < n && !bad; i++) {
		bad |= chsm_share_format(&shares[i], line, sizeof line) != CCSP_OK;
		/* the public prefix in upper case; the parser lowercases every character (in constant time) */
		for (size_t c = 0; c < 20 && i % 2 == 1; c++)
			line[c] = (char)(line[c] >= 'a' && line[c] <= 'z' ? line[c] - 32 : line[c]);
		/* the line's length is public; strlen over the value digits would be the test's own secret branch */
		char copy[CHSM_SHARE_TEXT_MAX];
		memcpy(copy, line, sizeof copy);
		PUBLIC(copy, sizeof copy);
		bad |= chsm_share_parse(line, strlen(copy), &parsed[i]) != CCSP_OK;
	}
	/* the last m shares, then all n */
	bad |= chsm_shamir_combine(parsed + (n - m), m, got, sizeof got, &outlen) != CCSP_OK;
	PUBLIC(got, len);
	PUBLIC(secret, len);
	bad |= outlen != len || memcmp(got, secret, len) != 0;
	bad |= chsm_shamir_combine(parsed, n, got, sizeof got, &outlen) != CCSP_OK;
	chsm_share_wipe(shares, n);
	chsm_share_wipe(parsed, n);
	return bad;
}

int main(void)
{
	int bad = ccsp_selftest(NULL, NULL) != CCSP_OK;
	bad |= run(16, 2, 3);
	bad |= run(64, 5, 16);
	bad |= run(1, 16, 16);
	if (bad)
		fprintf(stderr, "chsm_shamir_ct: an operation failed\n");
	return bad;
}

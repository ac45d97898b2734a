/* SPDX-License-Identifier: Apache-2.0 */
/* Scalars mod n: portable Montgomery arithmetic (a few operations per signature, not hot). */
#include <ccsp/mem.h>
#include <ccsp/rand.h>

#include "guard.h"
#include "sm2_internal.h" /* ccsp_sm2_random_scalar; sm2_arith.h */

#define N0 0x327f9e8872350975ULL /* -n^-1 mod 2^64 */

static const uint64_t sc_r2[4] = {0x901192af7c114f20ULL, 0x3464504ade6fa2faULL, 0x620fc84c3affe0d4ULL,
                                  0x1eb5e412a22b3d3bULL};

void ccsp_sm2_sc_reduce(uint64_t r[4], const uint64_t a[4])
{
	ccsp_sm2_mod_reduce_once(r, a, 0, ccsp_sm2_n);
}

void ccsp_sm2_sc_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	ccsp_sm2_mod_add(r, a, b, ccsp_sm2_n);
}

void ccsp_sm2_sc_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	ccsp_sm2_mod_sub(r, a, b, ccsp_sm2_n);
}

void ccsp_sm2_sc_mont_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	uint64_t t[6] = {0, 0, 0, 0, 0, 0};
	for (int i = 0; i < 4; i++) {
		ccsp_sm2_cios_row(t, a, b[i]);
		uint64_t m = t[0] * N0;
		ccsp_u128 c = (ccsp_u128)m * ccsp_sm2_n[0] + t[0];
		c >>= 64;
		for (int j = 1; j < 4; j++) {
			c += (ccsp_u128)m * ccsp_sm2_n[j] + t[j];
			t[j - 1] = (uint64_t)c;
			c >>= 64;
		}
		c += t[4];
		t[3] = (uint64_t)c;
		t[4] = (uint64_t)(c >> 64) + t[5];
	}
	ccsp_sm2_mod_reduce_once(r, t, t[4], ccsp_sm2_n);
}

void ccsp_sm2_sc_to_mont(uint64_t r[4], const uint64_t a[4])
{
	ccsp_sm2_sc_mont_mul(r, a, sc_r2);
}

void ccsp_sm2_sc_from_mont(uint64_t r[4], const uint64_t a[4])
{
	static const uint64_t one[4] = {1, 0, 0, 0};
	ccsp_sm2_sc_mont_mul(r, a, one);
}

/* a^(n-2) with 4-bit fixed windows over the public exponent: 252 squarings, 63 multiplications. */
void ccsp_sm2_sc_inv_mont(uint64_t r[4], const uint64_t a[4])
{
	static const uint64_t e[4] = {0x53bbf40939d54121ULL, 0x7203df6b21c6052bULL, 0xffffffffffffffffULL,
	                              0xfffffffeffffffffULL};
	uint64_t pow[16][4], acc[4];
	ccsp_sm2_sc_to_mont(pow[0], (const uint64_t[4]){1, 0, 0, 0});
	for (int i = 1; i < 16; i++)
		ccsp_sm2_sc_mont_mul(pow[i], pow[i - 1], a);
	for (int i = 0; i < 4; i++)
		acc[i] = pow[0][i];
	for (int w = 63; w >= 0; w--) {
		for (int s = 0; s < 4; s++)
			ccsp_sm2_sc_mont_mul(acc, acc, acc);
		unsigned nib = (unsigned)(e[w / 16] >> (4 * (w % 16))) & 15; /* public exponent */
		ccsp_sm2_sc_mont_mul(acc, acc, pow[nib]);
	}
	for (int i = 0; i < 4; i++)
		r[i] = acc[i];
	ccsp_memzero(pow, sizeof pow);
	ccsp_memzero(acc, sizeof acc);
}

/* A uniformly random scalar in [1, n-1] from the DRBG (rejection sampling; whether a draw was rejected is all
 * that is revealed). */
ccsp_err ccsp_sm2_random_scalar(uint64_t k[4])
{
	uint8_t b[32];
	ccsp_err ret;
	for (;;) {
		CCSP_CHECK(ccsp_random(b, sizeof b));
		ccsp_sm2_limbs_from_bytes(k, b);
		uint64_t ok = ~ccsp_sm2_fe_is_zero(k) & ccsp_sm2_limbs_lt(k, ccsp_sm2_n);
		ct_declassify(&ok, sizeof ok); /* only whether a draw was rejected */
		if (ok)
			break;
	}
out:
	ccsp_memzero(b, sizeof b);
	return ret;
}

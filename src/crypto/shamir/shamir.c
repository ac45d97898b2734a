/* SPDX-License-Identifier: Apache-2.0 */
/* Shamir secret sharing over GF(2^8) (shamir.h), written from the textbook construction. */
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>

#include "crypto/ct.h"
#include "crypto/shamir/shamir.h"

/* ---- GF(2^8), x^8 + x^4 + x^3 + x + 1: constant time ---- */

/* Shift-and-add: the bits of b select by mask, the reduction of a by mask; no branch, no table. */
static uint8_t gf_mul(uint8_t a, uint8_t b)
{
	uint32_t r = 0, x = a, y = b;
	for (int i = 0; i < 8; i++) {
		r ^= x & ct_barrier32(0u - (y & 1));
		y >>= 1;
		x <<= 1;
		x ^= 0x11bu & ct_barrier32(0u - (x >> 8));
	}
	return (uint8_t)r;
}

/* a^254 = a^-1 (0 for 0): a fixed square-and-multiply chain over the public exponent. */
static uint8_t gf_inv(uint8_t a)
{
	uint8_t r = 1;
	for (int bit = 7; bit >= 0; bit--) {
		r = gf_mul(r, r);
		if ((254 >> bit) & 1)
			r = gf_mul(r, a);
	}
	return r;
}

/* Horner: coef[0] + coef[1] x + ... + coef[m-1] x^(m-1). */
static uint8_t poly_eval(const uint8_t *coef, unsigned m, uint8_t x)
{
	uint8_t y = coef[m - 1];
	for (unsigned k = m - 1; k-- > 0;)
		y = gf_mul(y, x) ^ coef[k];
	return y;
}

ccsp_err ccsp_shamir_split(const uint8_t *secret, size_t len, unsigned m, unsigned n, uint8_t *const *y)
{
	uint8_t coef[CCSP_SHAMIR_N_MAX];
	ccsp_err ret = CCSP_ERR_ARG;
	if (secret == NULL || len == 0 || y == NULL || m < 2 || m > n || n > CCSP_SHAMIR_N_MAX)
		return ret;
	for (unsigned j = 0; j < n; j++)
		if (y[j] == NULL)
			return ret;
	ret = CCSP_OK;
	for (size_t b = 0; b < len && ret == CCSP_OK; b++) {
		coef[0] = secret[b];
		ret = ccsp_random(coef + 1, m - 1); /* fresh for every byte and every split */
		for (unsigned j = 0; j < n && ret == CCSP_OK; j++)
			y[j][b] = poly_eval(coef, m, (uint8_t)(j + 1));
	}
	ccsp_memzero(coef, sizeof coef);
	if (ret != CCSP_OK)
		for (unsigned j = 0; j < n; j++)
			ccsp_memzero(y[j], len);
	return ret;
}

ccsp_err ccsp_shamir_interpolate(const uint8_t *x, const uint8_t *const *y, size_t k, size_t len, uint8_t *out)
{
	uint8_t lambda[CCSP_SHAMIR_N_MAX];
	if (x == NULL || y == NULL || out == NULL || k == 0 || k > CCSP_SHAMIR_N_MAX)
		return CCSP_ERR_ARG;
	for (size_t i = 0; i < k; i++) {
		if (x[i] == 0 || y[i] == NULL)
			return CCSP_ERR_ARG;
		for (size_t j = 0; j < i; j++)
			if (x[j] == x[i])
				return CCSP_ERR_ARG;
	}
	/* L_i(0) = prod_{j != i} x_j / (x_j - x_i); subtraction is xor in GF(2^8). The x are public. */
	for (size_t i = 0; i < k; i++) {
		uint8_t num = 1, den = 1;
		for (size_t j = 0; j < k; j++) {
			if (j == i)
				continue;
			num = gf_mul(num, x[j]);
			den = gf_mul(den, x[j] ^ x[i]);
		}
		lambda[i] = gf_mul(num, gf_inv(den));
	}
	for (size_t b = 0; b < len; b++) {
		uint8_t acc = 0;
		for (size_t i = 0; i < k; i++)
			acc ^= gf_mul(lambda[i], y[i][b]);
		out[b] = acc;
	}
	ccsp_memzero(lambda, sizeof lambda);
	return CCSP_OK;
}

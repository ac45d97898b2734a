/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Portable constant-time GHASH (NIST SP 800-38D 6.3, 6.4): no table, no secret-dependent branch.
 *
 * Carry-less products come from ordinary integer multiplication with "holes": keeping only every
 * fourth bit of 32-bit operands, a column of the integer product sums at most 8 one-bits, which
 * fits in the 3 bits of hole above it, so the bit of each kept position is the carry-less result.
 * 64- and 128-bit products are built by Karatsuba.
 *
 * Blocks are read as big-endian 128-bit integers: the coefficient of z^i of the GCM polynomial is
 * bit 127 - i ("reflected"). The carry-less product of reflected values is the reflected product
 * shifted right by one, hence the shift left by one before reducing.
 */
#include <ccsp/mem.h>

#include "ghash.h"

static inline uint64_t bmul32(uint32_t x, uint32_t y)
{
	uint64_t x0 = x & 0x11111111u, x1 = x & 0x22222222u, x2 = x & 0x44444444u, x3 = x & 0x88888888u;
	uint64_t y0 = y & 0x11111111u, y1 = y & 0x22222222u, y2 = y & 0x44444444u, y3 = y & 0x88888888u;
	uint64_t z0 = (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
	uint64_t z1 = (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
	uint64_t z2 = (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
	uint64_t z3 = (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);
	return (z0 & 0x1111111111111111ULL) | (z1 & 0x2222222222222222ULL) | (z2 & 0x4444444444444444ULL) |
	       (z3 & 0x8888888888888888ULL);
}

/* 64 x 64 -> 128 carry-less: *hi:*lo. */
static inline void bmul64(uint64_t x, uint64_t y, uint64_t *hi, uint64_t *lo)
{
	uint32_t xh = (uint32_t)(x >> 32), xl = (uint32_t)x, yh = (uint32_t)(y >> 32), yl = (uint32_t)y;
	uint64_t h = bmul32(xh, yh), l = bmul32(xl, yl);
	uint64_t m = bmul32(xh ^ xl, yh ^ yl) ^ h ^ l;
	*hi = h ^ (m >> 32);
	*lo = l ^ (m << 32);
}

static inline uint64_t load64be(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static inline void store64be(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* (x1:x0) = (x1:x0) * (h1:h0) in GF(2^128), reflected representation. */
static void gf128_mul(uint64_t *x1, uint64_t *x0, uint64_t h1, uint64_t h0)
{
	uint64_t hh1, hh0, ll1, ll0, mm1, mm0;
	bmul64(*x1, h1, &hh1, &hh0);
	bmul64(*x0, h0, &ll1, &ll0);
	bmul64(*x1 ^ *x0, h1 ^ h0, &mm1, &mm0);
	mm1 ^= hh1 ^ ll1;
	mm0 ^= hh0 ^ ll0;
	/* 256-bit product c3:c2:c1:c0, then shifted left by one */
	uint64_t c3 = hh1, c2 = hh0 ^ mm1, c1 = ll1 ^ mm0, c0 = ll0;
	c3 = (c3 << 1) | (c2 >> 63);
	c2 = (c2 << 1) | (c1 >> 63);
	c1 = (c1 << 1) | (c0 >> 63);
	c0 <<= 1;
	/* c1:c0 holds z^128.. z^255; z^128 = z^7 + z^2 + z + 1. The bits that the shifts right
	 * below push past z^127 come back as e (top 7 bits), folded in the same pass. */
	uint64_t f1 = c1 ^ (c0 << 63) ^ (c0 << 62) ^ (c0 << 57), f0 = c0;
	uint64_t r1 = f1 ^ (f1 >> 1) ^ (f1 >> 2) ^ (f1 >> 7);
	uint64_t r0 = f0 ^ (f0 >> 1) ^ (f0 >> 2) ^ (f0 >> 7) ^ (f1 << 63) ^ (f1 << 62) ^ (f1 << 57);
	*x1 = c3 ^ r1;
	*x0 = c2 ^ r0;
}

static void ghash_ct_init(uint64_t key[CCSP_GHASH_KEY_WORDS], const uint8_t H[16])
{
	ccsp_memzero(key, CCSP_GHASH_KEY_WORDS * sizeof(uint64_t));
	key[0] = load64be(H);
	key[1] = load64be(H + 8);
}

static void ghash_ct_blocks(const uint64_t key[CCSP_GHASH_KEY_WORDS], uint8_t X[16], const uint8_t *in,
                            size_t nblocks)
{
	uint64_t x1 = load64be(X), x0 = load64be(X + 8);
	for (size_t i = 0; i < nblocks; i++, in += 16) {
		x1 ^= load64be(in);
		x0 ^= load64be(in + 8);
		gf128_mul(&x1, &x0, key[0], key[1]);
	}
	store64be(X, x1);
	store64be(X + 8, x0);
	ccsp_memzero(&x1, sizeof x1);
	ccsp_memzero(&x0, sizeof x0);
}

const ccsp_ghash_impl ccsp_ghash_impl_portable = {
	.name = "portable",
	.init = ghash_ct_init,
	.blocks = ghash_ct_blocks,
};

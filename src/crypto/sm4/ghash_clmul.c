/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GHASH (NIST SP 800-38D 6.4) with PCLMULQDQ, 8 blocks per reduction.
 *
 * Representation: a block loaded byte-reversed is the bit reflection of its polynomial: integer bit
 * j holds the coefficient of x^(127-j) (SP 800-38D 6.3 numbers bits from the left). Write y for the
 * reflected variable (bit j <-> y^j). For reflected a, b the 256-bit carry-less product is the
 * reflection of a*b*x over 256 bits, and reducing that reflection modulo x^128+x^7+x^2+x+1 is a
 * Montgomery reduction modulo the reflected polynomial
 *     P*(y) = y^128 + y^127 + y^126 + y^121 + 1 = 1 + y^64 K + y^128,  K = y^63 + y^62 + y^57,
 * two steps of 64 bits; P* = 1 mod y^64, so each step's quotient digit is the low digit itself:
 *     R <- (R + d0 P*) / y^64 = R / y^64 + d0 K + d0 y^64.
 * The result is the reflection of (a*b*x mod P). The stored key is therefore H*x^-1 (reflected), so
 * that each product comes out as a*H; reflected, multiplying by x^-1 is a left shift by one bit,
 * adding P (0xC2000...01 reflected, without its x^128 term) when the bit shifted out is set.
 *
 * Key area: words 2(i-1), 2(i-1)+1 hold H^i x^-1 for i = 1..8 (reflected, low word first); words
 * 16 + (i-1) hold the XOR of its two halves, for Karatsuba.
 */
#if defined(__x86_64__)

#include <immintrin.h>
#include <string.h>

#include "ghash.h"

#define GHASH_TARGET __attribute__((target("pclmul,ssse3")))
#define GHASH_INLINE GHASH_TARGET static inline __attribute__((always_inline))
#define GHASH_AGG 8

GHASH_INLINE __m128i ghash_bswap(__m128i v)
{
	return _mm_shuffle_epi8(v, _mm_setr_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
}

GHASH_INLINE __m128i ghash_swap64(__m128i v)
{
	return _mm_shuffle_epi32(v, 0x4e);
}

/* The Montgomery reduction above: lo, hi are digits 0..1 and 2..3 of the 256-bit product. */
GHASH_INLINE __m128i ghash_reduce(__m128i lo, __m128i hi)
{
	const __m128i k = _mm_set_epi64x(0, (long long)0xc200000000000000ull);
	__m128i v = _mm_xor_si128(ghash_swap64(lo), _mm_clmulepi64_si128(lo, k, 0x00));
	__m128i w = _mm_xor_si128(ghash_swap64(v), _mm_clmulepi64_si128(v, k, 0x00));
	return _mm_xor_si128(w, hi);
}

/* Karatsuba: the product as (lo, hi) from the three partial products. */
GHASH_INLINE __m128i ghash_combine(__m128i lo, __m128i mid, __m128i hi)
{
	mid = _mm_xor_si128(mid, _mm_xor_si128(lo, hi));
	lo = _mm_xor_si128(lo, _mm_slli_si128(mid, 8));
	hi = _mm_xor_si128(hi, _mm_srli_si128(mid, 8));
	return ghash_reduce(lo, hi);
}

GHASH_INLINE __m128i ghash_mul(__m128i a, __m128i b)
{
	__m128i lo = _mm_clmulepi64_si128(a, b, 0x00);
	__m128i hi = _mm_clmulepi64_si128(a, b, 0x11);
	__m128i mid = _mm_clmulepi64_si128(_mm_xor_si128(a, ghash_swap64(a)), _mm_xor_si128(b, ghash_swap64(b)), 0x00);
	return ghash_combine(lo, mid, hi);
}

GHASH_TARGET static void ghash_clmul_init(uint64_t key[CCSP_GHASH_KEY_WORDS], const uint8_t H[16])
{
	__m128i h = ghash_bswap(_mm_loadu_si128((const __m128i *)H));
	/* h << 1 across the two words; all-ones mask when bit 127 (the x^0 coefficient) is set. */
	__m128i carry = _mm_slli_si128(_mm_srli_epi64(h, 63), 8);
	__m128i mask = _mm_shuffle_epi32(_mm_srai_epi32(h, 31), 0xff);
	__m128i p = _mm_set_epi64x((long long)0xc200000000000000ull, 1);
	__m128i k1 = _mm_xor_si128(_mm_or_si128(_mm_slli_epi64(h, 1), carry), _mm_and_si128(mask, p));
	__m128i k = k1;

	memset(key, 0, CCSP_GHASH_KEY_WORDS * sizeof key[0]);
	for (int i = 0; i < GHASH_AGG; i++) {
		_mm_storeu_si128((__m128i *)&key[2 * i], k);
		key[2 * GHASH_AGG + i] = key[2 * i] ^ key[2 * i + 1];
		k = ghash_mul(k, k1);
	}
}

/* acc = sum over j < n of a_j * H^(n-j), one reduction; a_0 includes x. n <= GHASH_AGG. */
GHASH_INLINE __m128i ghash_agg(const uint64_t key[CCSP_GHASH_KEY_WORDS], __m128i x, const uint8_t *in, int n)
{
	__m128i lo = _mm_setzero_si128(), mid = lo, hi = lo;
	_Pragma("GCC unroll 8")
	for (int j = 0; j < n; j++) {
		int p = n - j - 1; /* index of H^(n-j) */
		__m128i a = ghash_bswap(_mm_loadu_si128((const __m128i *)(in + 16 * j)));
		__m128i h = _mm_loadu_si128((const __m128i *)&key[2 * p]);
		__m128i hk = _mm_loadl_epi64((const __m128i *)&key[2 * GHASH_AGG + p]);
		if (j == 0)
			a = _mm_xor_si128(a, x);
		lo = _mm_xor_si128(lo, _mm_clmulepi64_si128(a, h, 0x00));
		hi = _mm_xor_si128(hi, _mm_clmulepi64_si128(a, h, 0x11));
		mid = _mm_xor_si128(mid, _mm_clmulepi64_si128(_mm_xor_si128(a, ghash_swap64(a)), hk, 0x00));
	}
	return ghash_combine(lo, mid, hi);
}

GHASH_TARGET static void ghash_clmul_blocks(const uint64_t key[CCSP_GHASH_KEY_WORDS], uint8_t X[16], const uint8_t *in,
                                            size_t nblocks)
{
	__m128i x = ghash_bswap(_mm_loadu_si128((const __m128i *)X));

	for (; nblocks >= GHASH_AGG; nblocks -= GHASH_AGG, in += 16 * GHASH_AGG)
		x = ghash_agg(key, x, in, GHASH_AGG);
	switch (nblocks) { /* one instance per count: the loop above unrolls with constant indices */
	case 7:
		x = ghash_agg(key, x, in, 7);
		break;
	case 6:
		x = ghash_agg(key, x, in, 6);
		break;
	case 5:
		x = ghash_agg(key, x, in, 5);
		break;
	case 4:
		x = ghash_agg(key, x, in, 4);
		break;
	case 3:
		x = ghash_agg(key, x, in, 3);
		break;
	case 2:
		x = ghash_agg(key, x, in, 2);
		break;
	case 1:
		x = ghash_agg(key, x, in, 1);
		break;
	default:
		break;
	}
	_mm_storeu_si128((__m128i *)X, ghash_bswap(x));
}

const ccsp_ghash_impl ccsp_ghash_impl_clmul = {
	.name = "clmul",
	.init = ghash_clmul_init,
	.blocks = ghash_clmul_blocks,
};

#endif

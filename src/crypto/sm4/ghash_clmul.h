/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: GF(2^128) arithmetic of GHASH (NIST SP 800-38D 6.3-6.4) with PCLMULQDQ, shared by
 * ghash_clmul.c and ghash_vpclmul_avx2.c.
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
 */
#ifndef CCSP_GHASH_CLMUL_H
#define CCSP_GHASH_CLMUL_H

#include <immintrin.h>
#include <stdint.h>

#define GHASH_TARGET __attribute__((target("pclmul,ssse3")))
#define GHASH_INLINE GHASH_TARGET static inline __attribute__((always_inline))

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

/* The stored key for H: H*x^-1, reflected. */
GHASH_INLINE __m128i ghash_key1(const uint8_t H[16])
{
	__m128i h = ghash_bswap(_mm_loadu_si128((const __m128i *)H));
	/* h << 1 across the two words; all-ones mask when bit 127 (the x^0 coefficient) is set. */
	__m128i carry = _mm_slli_si128(_mm_srli_epi64(h, 63), 8);
	__m128i mask = _mm_shuffle_epi32(_mm_srai_epi32(h, 31), 0xff);
	__m128i p = _mm_set_epi64x((long long)0xc200000000000000ull, 1);
	return _mm_xor_si128(_mm_or_si128(_mm_slli_epi64(h, 1), carry), _mm_and_si128(mask, p));
}

#endif

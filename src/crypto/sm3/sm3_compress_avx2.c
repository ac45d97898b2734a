/* SPDX-License-Identifier: Apache-2.0 */
/*
 * x86-64 SM3 compression: the message expansion (clause 5.3.2) runs in 128-bit vector registers,
 * four words at a time, and the rounds use BMI2 rorx. Vector and integer units work in parallel,
 * so the rounds are left with the integer units to themselves. Chosen at run time (CPUID: AVX2,
 * BMI2); the target attributes keep the rest of the library free of these instructions.
 */
#include "sm3_internal.h"

#if defined(__x86_64__)

#include <immintrin.h>

#include <ccsp/mem.h>

#include "cpu.h"
#include "sm3_rounds.h"

#define SM3_TARGET __attribute__((target("avx2,bmi2")))
#define SM3_INLINE static inline __attribute__((always_inline)) SM3_TARGET

#define VROTL(x, n) _mm_or_si128(_mm_slli_epi32((x), (n)), _mm_srli_epi32((x), 32 - (n)))

/* P1(x) = x ^ (x <<< 15) ^ (x <<< 23), the second rotation as a byte shuffle of the first. */
SM3_INLINE __m128i vp1(__m128i x, __m128i rotl8)
{
	__m128i r = VROTL(x, 15);
	return _mm_xor_si128(_mm_xor_si128(x, r), _mm_shuffle_epi8(r, rotl8));
}

/*
 * W[j+16..j+19] from x0..x3 = W[j..j+15]. W[j+19] needs W[j+16] (as its W[j-3] input): the four
 * lanes are first computed with 0 in its place, then, P1 being linear over xor, lane 3 is
 * corrected by P1(W[j+16] <<< 15).
 */
SM3_INLINE __m128i vexpand(__m128i x0, __m128i x1, __m128i x2, __m128i x3, __m128i rotl8)
{
	__m128i w13 = _mm_alignr_epi8(x1, x0, 12);
	__m128i w9 = _mm_alignr_epi8(x2, x1, 12);
	__m128i w6 = _mm_alignr_epi8(x3, x2, 8);
	__m128i w3 = _mm_srli_si128(x3, 4);
	__m128i t = _mm_xor_si128(_mm_xor_si128(x0, w9), VROTL(w3, 15));
	__m128i r = _mm_xor_si128(_mm_xor_si128(vp1(t, rotl8), VROTL(w13, 7)), w6);
	__m128i fix = _mm_slli_si128(r, 12);
	return _mm_xor_si128(r, vp1(VROTL(fix, 15), rotl8));
}

/* The rounds read W and W' through pointers the compiler cannot tie to the vector stores, so it
 * loads them as memory operands instead of extracting lanes (which costs more). */
#define KJ(j) ccsp_sm3_k[j]
#define WJ(j) wr[j]
#define WPJ(j) wpr[j]

/* Expand four words ahead, store them and the W' they complete, then run four rounds. */
#define STEP(ADD_FF, GG, j)                                                                        \
	do {                                                                                       \
		__m128i xn = vexpand(x0, x1, x2, x3, rotl8);                                       \
		_mm_store_si128((__m128i *)&W[(j) + 16], xn);                                      \
		_mm_store_si128((__m128i *)&WP[(j) + 12], _mm_xor_si128(x3, xn));                  \
		SM3_ROUND4(ADD_FF, GG, KJ, WJ, WPJ, j);                                            \
		x0 = x1;                                                                           \
		x1 = x2;                                                                           \
		x2 = x3;                                                                           \
		x3 = xn;                                                                           \
	} while (0)

SM3_TARGET static void sm3_compress_avx2_bmi2(uint32_t state[8], const uint8_t *p, size_t nblocks)
{
	_Alignas(16) uint32_t W[68];
	_Alignas(16) uint32_t WP[64];
	const uint32_t *wr = W, *wpr = WP;
	const __m128i bswap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
	const __m128i rotl8 = _mm_set_epi8(14, 13, 12, 15, 10, 9, 8, 11, 6, 5, 4, 7, 2, 1, 0, 3);

	SM3_OPAQUE(wr);
	SM3_OPAQUE(wpr);
	while (nblocks-- > 0) {
		__m128i x0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p), bswap);
		__m128i x1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), bswap);
		__m128i x2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), bswap);
		__m128i x3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), bswap);
		_mm_store_si128((__m128i *)&W[0], x0);
		_mm_store_si128((__m128i *)&W[4], x1);
		_mm_store_si128((__m128i *)&W[8], x2);
		_mm_store_si128((__m128i *)&W[12], x3);
		_mm_store_si128((__m128i *)&WP[0], _mm_xor_si128(x0, x1));
		_mm_store_si128((__m128i *)&WP[4], _mm_xor_si128(x1, x2));
		_mm_store_si128((__m128i *)&WP[8], _mm_xor_si128(x2, x3));
		uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
		uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
		STEP(SM3_ADD_FF0, SM3_GG0, 0);
		STEP(SM3_ADD_FF0, SM3_GG0, 4);
		STEP(SM3_ADD_FF0, SM3_GG0, 8);
		STEP(SM3_ADD_FF0, SM3_GG0, 12);
		STEP(SM3_ADD_FF1, SM3_GG1, 16);
		STEP(SM3_ADD_FF1, SM3_GG1, 20);
		STEP(SM3_ADD_FF1, SM3_GG1, 24);
		STEP(SM3_ADD_FF1, SM3_GG1, 28);
		STEP(SM3_ADD_FF1, SM3_GG1, 32);
		STEP(SM3_ADD_FF1, SM3_GG1, 36);
		STEP(SM3_ADD_FF1, SM3_GG1, 40);
		STEP(SM3_ADD_FF1, SM3_GG1, 44);
		STEP(SM3_ADD_FF1, SM3_GG1, 48);
		SM3_ROUNDS_52_63_FEED(KJ, WJ, WPJ, state);
		p += CCSP_SM3_BLOCK_SIZE;
	}
	ccsp_memzero(W, sizeof W);
	ccsp_memzero(WP, sizeof WP);
}

int ccsp_sm3_avx2_bmi2_supported(void)
{
	ccsp_cpu f = ccsp_cpu_detect();
	return f.avx2 && f.bmi2;
}

const ccsp_sm3_impl ccsp_sm3_impl_avx2_bmi2 = {"avx2-bmi2", sm3_compress_avx2_bmi2};

#endif

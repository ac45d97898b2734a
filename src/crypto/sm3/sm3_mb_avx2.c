/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Multi-buffer SM3 with AVX2: 8 messages, one per 32-bit lane of a ymm register. AVX2 has neither a vector
 * rotate nor a three-input Boolean instruction, so a rotation is two shifts and an OR, and FF_j/GG_j take two or
 * three operations (sm3_mb_avx512.c has one each). Chosen at run time (CPUID: AVX2, and the OS saving ymm state).
 *
 * Layout: each half block (8 words) of the 8 lanes, one per ymm row, is transposed so that W[j] holds word j of
 * every lane: a 4x4 word transpose within each 128-bit half of four rows, then the halves of two such groups
 * are paired.
 */
#if defined(__x86_64__)

#include <immintrin.h>

#include <ccsp/mem.h>

#include "sm3_mb.h"
#include "sm3_rounds.h"

#define MB256_TARGET __attribute__((target("avx2")))
#define MB256_INLINE MB256_TARGET static inline __attribute__((always_inline))
#define LANES 8

#define MB_V __m256i
#define MB_ADD(x, y) _mm256_add_epi32((x), (y))
#define MB_XOR(x, y) _mm256_xor_si256((x), (y))
#define MB_XOR3(x, y, z) MB_XOR(MB_XOR((x), (y)), (z))
/* (x & y) | (z & (x | y)); and x ? y : z as ((y ^ z) & x) ^ z. */
#define MB_MAJ(x, y, z) _mm256_or_si256(_mm256_and_si256((x), (y)), _mm256_and_si256((z), _mm256_or_si256((x), (y))))
#define MB_CH(x, y, z) MB_XOR(_mm256_and_si256(MB_XOR((y), (z)), (x)), (z))
#define MB_ROL(x, n) _mm256_or_si256(_mm256_slli_epi32((x), (n)), _mm256_srli_epi32((x), 32 - (n)))
#define MB_K(j) _mm256_set1_epi32((int)ccsp_sm3_k[j])

#include "sm3_mb_rounds.h"

/* 4x4 transpose of 32-bit words within each 128-bit half. */
MB256_INLINE void transpose4(__m256i r0, __m256i r1, __m256i r2, __m256i r3, __m256i x[4])
{
	__m256i t0 = _mm256_unpacklo_epi32(r0, r1), t1 = _mm256_unpackhi_epi32(r0, r1);
	__m256i t2 = _mm256_unpacklo_epi32(r2, r3), t3 = _mm256_unpackhi_epi32(r2, r3);
	x[0] = _mm256_unpacklo_epi64(t0, t2);
	x[1] = _mm256_unpackhi_epi64(t0, t2);
	x[2] = _mm256_unpacklo_epi64(t1, t3);
	x[3] = _mm256_unpackhi_epi64(t1, t3);
}

/*
 * W[w0..w0+7] from bytes off..off+31 of each lane. After transpose4 of rows 4g..4g+3, x[g][k] has in half c the
 * word w0+4c+k of those rows; W[w0+4c+k] is half c of x[0][k] then half c of x[1][k].
 */
MB256_INLINE void load_half(const uint8_t *const *in, size_t off, __m256i *W)
{
	const __m256i bswap = _mm256_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8,
	                                      9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
	__m256i x[2][4];

	for (int g = 0; g < 2; g++) {
		__m256i r[4];
		for (int i = 0; i < 4; i++)
			r[i] = _mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i *)(in[4 * g + i] + off)), bswap);
		transpose4(r[0], r[1], r[2], r[3], x[g]);
	}
	for (int k = 0; k < 4; k++) {
		W[k] = _mm256_permute2x128_si256(x[0][k], x[1][k], 0x20);
		W[4 + k] = _mm256_permute2x128_si256(x[0][k], x[1][k], 0x31);
	}
}

MB256_TARGET static void sm3_mb_compress_avx2(uint32_t *state, const uint8_t *const *in, size_t nblocks)
{
	__m256i W[68];
	__m256i s[8];

	for (int i = 0; i < 8; i++)
		s[i] = _mm256_loadu_si256((const __m256i *)(state + LANES * i));
	for (size_t blk = 0; blk < nblocks; blk++) {
		load_half(in, blk * CCSP_SM3_BLOCK_SIZE, W);
		load_half(in, blk * CCSP_SM3_BLOCK_SIZE + 32, W + 8);
		MB_COMPRESS_BLOCK(W, s);
	}
	for (int i = 0; i < 8; i++)
		_mm256_storeu_si256((__m256i *)(state + LANES * i), s[i]);
	/* W is a function of the messages only, which may be keys (HMAC). */
	ccsp_memzero(W, sizeof W);
}

const ccsp_sm3_mb_impl ccsp_sm3_mb_impl_avx2 = {"avx2-x8", LANES, sm3_mb_compress_avx2};

#endif

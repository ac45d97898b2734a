/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Multi-buffer SM3 with AVX-512: 32 messages in two groups of 16, one message per 32-bit lane of a zmm register,
 * the two groups' rounds interleaved to hide latency (sm3_mb_rounds.h). Rotations are VPROLD, and the
 * three-input Boolean functions (FF_j, GG_j, the three-way XORs of P0, P1 and the expansion) one VPTERNLOGD each.
 * Chosen at run time (CPUID: AVX512F, AVX512BW, and the OS saving zmm state); the target attribute keeps the
 * rest of the library free of these instructions.
 *
 * Layout: lane l's block is 16 words; a group's 16 blocks, one per zmm row, are transposed so that W[j] holds
 * word j of every lane: a 4x4 word transpose within each 128-bit chunk of four rows, then a 4x4 transpose of
 * 128-bit chunks across four registers.
 */
#if defined(__x86_64__)

#include <immintrin.h>

#include <ccsp/mem.h>

#include "sm3_mb.h"
#include "sm3_rounds.h"

#define MB512_TARGET __attribute__((target("avx512f,avx512bw")))
#define MB512_INLINE MB512_TARGET static inline __attribute__((always_inline))
#define GROUP 16
#define LANES (2 * GROUP)

#define MB_V __m512i
#define MB_ADD(x, y) _mm512_add_epi32((x), (y))
#define MB_XOR(x, y) _mm512_xor_si512((x), (y))
#define MB_XOR3(x, y, z) _mm512_ternarylogic_epi32((x), (y), (z), 0x96)
#define MB_MAJ(x, y, z) _mm512_ternarylogic_epi32((x), (y), (z), 0xe8)
#define MB_CH(x, y, z) _mm512_ternarylogic_epi32((x), (y), (z), 0xca)
#define MB_ROL(x, n) _mm512_rol_epi32((x), (n))
#define MB_K(j) _mm512_set1_epi32((int)ccsp_sm3_k[j])

#include "sm3_mb_rounds.h"

/* 4x4 transpose of 32-bit words within each 128-bit chunk. */
MB512_INLINE void transpose4(__m512i r0, __m512i r1, __m512i r2, __m512i r3, __m512i x[4])
{
	__m512i t0 = _mm512_unpacklo_epi32(r0, r1), t1 = _mm512_unpackhi_epi32(r0, r1);
	__m512i t2 = _mm512_unpacklo_epi32(r2, r3), t3 = _mm512_unpackhi_epi32(r2, r3);
	x[0] = _mm512_unpacklo_epi64(t0, t2);
	x[1] = _mm512_unpackhi_epi64(t0, t2);
	x[2] = _mm512_unpacklo_epi64(t1, t3);
	x[3] = _mm512_unpackhi_epi64(t1, t3);
}

/*
 * W[0..15] from the 64 bytes at in[l] + off of each of the 16 lanes. After transpose4 of rows 4g..4g+3, x[g][k]
 * has in chunk c the word 4c+k of those rows; W[4c+k] gathers chunk c of x[0][k], x[1][k], x[2][k], x[3][k] in
 * that order.
 */
MB512_INLINE void load_words(const uint8_t *const *in, size_t off, __m512i W[16])
{
	const __m512i bswap = _mm512_set4_epi32(0x0c0d0e0f, 0x08090a0b, 0x04050607, 0x00010203);
	__m512i x[4][4];

	for (int g = 0; g < 4; g++) {
		__m512i r[4];
		for (int i = 0; i < 4; i++)
			r[i] = _mm512_shuffle_epi8(_mm512_loadu_si512((const void *)(in[4 * g + i] + off)), bswap);
		transpose4(r[0], r[1], r[2], r[3], x[g]);
	}
	for (int k = 0; k < 4; k++) {
		__m512i lo01 = _mm512_shuffle_i32x4(x[0][k], x[1][k], 0x44); /* x0.c0 x0.c1 x1.c0 x1.c1 */
		__m512i hi01 = _mm512_shuffle_i32x4(x[0][k], x[1][k], 0xee); /* x0.c2 x0.c3 x1.c2 x1.c3 */
		__m512i lo23 = _mm512_shuffle_i32x4(x[2][k], x[3][k], 0x44);
		__m512i hi23 = _mm512_shuffle_i32x4(x[2][k], x[3][k], 0xee);
		W[k] = _mm512_shuffle_i32x4(lo01, lo23, 0x88);      /* chunk 0 of x0..x3 */
		W[4 + k] = _mm512_shuffle_i32x4(lo01, lo23, 0xdd);  /* chunk 1 */
		W[8 + k] = _mm512_shuffle_i32x4(hi01, hi23, 0x88);  /* chunk 2 */
		W[12 + k] = _mm512_shuffle_i32x4(hi01, hi23, 0xdd); /* chunk 3 */
	}
}

/* Lanes 0..15 are group 0, lanes 16..31 group 1: word i of group g is at state + LANES * i + GROUP * g. */
MB512_TARGET static void sm3_mb_compress_avx512(uint32_t *state, const uint8_t *const *in, size_t nblocks)
{
	__m512i W0[68], W1[68];
	__m512i s0[8], s1[8];

	for (int i = 0; i < 8; i++) {
		s0[i] = _mm512_loadu_si512((const void *)(state + LANES * i));
		s1[i] = _mm512_loadu_si512((const void *)(state + LANES * i + GROUP));
	}
	for (size_t blk = 0; blk < nblocks; blk++) {
		load_words(in, blk * CCSP_SM3_BLOCK_SIZE, W0);
		load_words(in + GROUP, blk * CCSP_SM3_BLOCK_SIZE, W1);
		MB_COMPRESS_BLOCK_X2(W0, s0, W1, s1);
	}
	for (int i = 0; i < 8; i++) {
		_mm512_storeu_si512((void *)(state + LANES * i), s0[i]);
		_mm512_storeu_si512((void *)(state + LANES * i + GROUP), s1[i]);
	}
	/* W is a function of the messages only, which may be keys (HMAC). */
	ccsp_memzero(W0, sizeof W0);
	ccsp_memzero(W1, sizeof W1);
}

const ccsp_sm3_mb_impl ccsp_sm3_mb_impl_avx512 = {"avx512-2x16", LANES, sm3_mb_compress_avx512};

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SM4 (GB/T 32907-2016) one block at a time with GFNI and AVX-512VL, for the serial modes (CBC/CFB encryption,
 * OFB, CBC-MAC) on CPUs with GFNI (issue 11): each block waits for the previous one, so only the latency of a
 * round counts.
 *
 * The state is kept in the pre-affine domain of the GFNI S-box (sm4_gfni_avx512.c): Z_j = P X_j, P the linear part
 * of pre applied to every byte. Then the S-box input of round i is y_i = Z_i+1 + Z_i+2 + Z_i+3 + rkz_i with
 * rkz_i = P rk_i + pre(0), and, writing L(s) = sum_k rotl(f_k(s), 8k) with bytewise linear f_k (L commutes with
 * rotations, GB/T 32907 6.2):
 *     Z_i+4 = Z_i + sum_k rotl(G_k inv(y_i), 8k) + D,   G_k = P f_k M2,  D = P sum_k f_k(c2)
 * (M2, c2: the GF2P8AFFINEINVQB matrix and constant of the S-box). So a round is three GF2P8AFFINEINVQB of y
 * (G_1 = G_2: the rotations by 10 and 18 give the same byte maps), three VPROLDs and two three-way XORs
 * (VPTERNLOGD): the next S-box input is y_i+1 = K_i + sum_k rotl(...), where K_i = Z_i + Z_i+2 + Z_i+3 + rkz_i+1
 * is ready long before it is needed. No pre-affine transform is left on the critical path, which is
 * GF2P8AFFINEINVQB, VPROLD, VPTERNLOGD, VPTERNLOGD. Constants printed and the form checked by
 * scripts/sm4_aesni_derive.c ("gfni serial:" lines).
 *
 * Chaining is linear, so it stays in the Z domain too: the next block's Z_j is Z_35-j + P(data word j). Only the
 * output leaves it (P^-1, off the critical path). One 32-bit word per xmm register (lane 0; the other lanes carry
 * values that are never read). No table, no secret-dependent address or branch.
 */
#if defined(__x86_64__)

#include <immintrin.h>
#include <stdint.h>

#include <ccsp/mem.h>

#include "sm4_impl.h"
#include "sm4_wipe_avx512.h"

#define GS_TARGET __attribute__((target("gfni,avx512f,avx512vl")))
#define GS_INLINE GS_TARGET static inline __attribute__((always_inline))

#define GS_P 0x4c287db91a22505dLL
#define GS_P_INV 0xb3a4f5863284728bULL
#define GS_PRE0 0x3e
#define GS_G0 0x040db891e9a481b7LL
#define GS_G1 0x2c020425162040adLL /* = G2 */
#define GS_G3 0x280fbcb4ff84c11aLL
#define GS_D 0x63

GS_INLINE __m128i gs_xor3(__m128i a, __m128i b, __m128i c)
{
	return _mm_ternarylogic_epi32(a, b, c, 0x96);
}

GS_INLINE __m128i gs_bswap32(__m128i x)
{
	return _mm_shuffle_epi8(x, _mm_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12));
}

/* A big-endian block into the Z domain: native word j in lane j. */
GS_INLINE __m128i gs_to_z(__m128i block)
{
	return _mm_gf2p8affine_epi64_epi8(gs_bswap32(block), _mm_set1_epi64x(GS_P), 0);
}

/* The output block (X35, X34, X33, X32) from z = Z32..Z35 (lane 0 of each). */
GS_INLINE __m128i gs_from_z(const __m128i z[4])
{
	__m128i t = _mm_unpacklo_epi64(_mm_unpacklo_epi32(z[3], z[2]), _mm_unpacklo_epi32(z[1], z[0]));
	return gs_bswap32(_mm_gf2p8affine_epi64_epi8(t, _mm_set1_epi64x((long long)GS_P_INV), 0));
}

/* rkz[i] = P rk_i + pre(0) in every lane; rkz[32] = 0 (no round 32 to feed). */
GS_INLINE void gs_round_keys(__m128i rkz[33], const uint32_t rk[32])
{
	for (int i = 0; i < 32; i += 4) {
		__m128i k = _mm_gf2p8affine_epi64_epi8(_mm_loadu_si128((const __m128i *)(rk + i)),
		                                       _mm_set1_epi64x(GS_P), GS_PRE0);
		rkz[i] = _mm_shuffle_epi32(k, 0x00);
		rkz[i + 1] = _mm_shuffle_epi32(k, 0x55);
		rkz[i + 2] = _mm_shuffle_epi32(k, 0xaa);
		rkz[i + 3] = _mm_shuffle_epi32(k, 0xff);
	}
	rkz[32] = _mm_setzero_si128();
}

/* The 32 rounds on z = Z_0..Z_3, leaving Z_32..Z_35 (z[i & 3] = Z_i throughout). */
GS_INLINE void gs_rounds(__m128i z[4], const __m128i rkz[33])
{
	const __m128i g0 = _mm_set1_epi64x(GS_G0), g1 = _mm_set1_epi64x(GS_G1), g3 = _mm_set1_epi64x(GS_G3);
	__m128i y = _mm_xor_si128(gs_xor3(z[1], z[2], z[3]), rkz[0]);
#pragma GCC unroll 32
	for (int i = 0; i < 32; i++) {
		/* K_i: Z_i+3 is the newest input and enters last */
		__m128i k = _mm_xor_si128(gs_xor3(z[i & 3], z[(i + 2) & 3], rkz[i + 1]), z[(i + 3) & 3]);
		__m128i u0 = _mm_gf2p8affineinv_epi64_epi8(y, g0, GS_D);
		__m128i u1 = _mm_gf2p8affineinv_epi64_epi8(y, g1, 0);
		__m128i u3 = _mm_gf2p8affineinv_epi64_epi8(y, g3, 0);
		__m128i r3 = _mm_rol_epi32(u3, 24);
		__m128i a = gs_xor3(u0, _mm_rol_epi32(u1, 8), _mm_rol_epi32(u1, 16));
		y = gs_xor3(a, r3, k);
		z[i & 3] = gs_xor3(a, r3, z[i & 3]);
	}
}

GS_TARGET void ccsp_sm4_gfni_serial_blocks(const uint32_t rk[32], ccsp_sm4_feedback mode, uint8_t fb[16],
                                           const uint8_t *in, uint8_t *out, size_t nblocks)
{
	__m128i rkz[33], z[4], last = _mm_setzero_si128(), d = _mm_setzero_si128();
	/* f: the Z domain of the feedback words (x_n without the data part d) */
	__m128i f = gs_to_z(_mm_loadu_si128((const __m128i *)fb));
	__m128i f_j[4] = {f, _mm_shuffle_epi32(f, 1), _mm_shuffle_epi32(f, 2), _mm_shuffle_epi32(f, 3)};

	gs_round_keys(rkz, rk);
	for (size_t n = 0; n < nblocks; n++) {
		__m128i p = _mm_loadu_si128((const __m128i *)(in + 16 * n));
		if (mode == CCSP_SM4_FB_CBC)
			d = gs_to_z(p);
		z[0] = _mm_xor_si128(f_j[0], d);
		z[1] = _mm_xor_si128(f_j[1], _mm_shuffle_epi32(d, 1));
		z[2] = _mm_xor_si128(f_j[2], _mm_shuffle_epi32(d, 2));
		z[3] = _mm_xor_si128(f_j[3], _mm_shuffle_epi32(d, 3));
		gs_rounds(z, rkz);
		for (int j = 0; j < 4; j++)
			f_j[j] = z[3 - j]; /* x_n+1 = (X35, X34, X33, X32) (+ data) */
		__m128i x = gs_from_z(z);
		last = mode == CCSP_SM4_FB_CFB ? _mm_xor_si128(x, p) : x;
		if (out != NULL)
			_mm_storeu_si128((__m128i *)(out + 16 * n), mode == CCSP_SM4_FB_CBC ? x : _mm_xor_si128(x, p));
		if (mode == CCSP_SM4_FB_CFB) /* x_n+1 = out_n = E(x_n) + in_n */
			d = gs_to_z(p);
	}
	if (nblocks > 0)
		_mm_storeu_si128((__m128i *)fb, last);
	ccsp_memzero(rkz, sizeof rkz);
	ccsp_sm4_wipe_avx512_registers();
}

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: SM4 (GB/T 32907-2016) on AVX2 registers with the S-box computed by AESENCLAST, shared by
 * sm4_aesni_avx2.c and sm4_vaes_avx2.c. The including file defines, before including this header:
 *   SM4_AVX2_TARGET   a function attribute enabling the instruction sets it uses;
 *   sm4_avx2_aes()    __m256i -> __m256i: AESENCLAST with a zero round key on both 128-bit lanes.
 * and then defines its ccsp_sm4_impl with sm4_avx2_crypt_blocks and sm4_avx2_ctr_blocks.
 *
 * Layout: a ymm register holds one 32-bit word (native order) of 8 blocks; a "group" is 4 such
 * registers, X0..X3 of 8 blocks. Four 32-byte loads [b0|b1] [b2|b3] [b4|b5] [b6|b7] transposed per
 * 128-bit lane put blocks 0,2,4,6 in lane 0 and 1,3,5,7 in lane 1; the inverse transpose restores
 * the order, so no cross-lane shuffle is needed. Calls of up to 4 blocks (serial modes) use a
 * "narrow" group: 4 blocks in lane 0 only, AESENCLAST on that lane alone, for the shortest latency.
 *
 * S-box: S_SM4(x) = post(S_AES(pre(x))) with pre and post affine over GF(2)^8; both are applied with
 * two PSHUFB lookups on the nibbles (a register permutation, so constant time). The derivation
 * (both S-boxes are affine maps around inversion in GF(2^8); an isomorphism between the two field
 * representations links them) is in scripts/sm4_aesni_derive.c, which prints the tables below and
 * checks S_SM4 = post o S_AES o pre on all 256 inputs.
 * AESENCLAST is ShiftRows(SubBytes(x)) ^ key: the ShiftRows is undone by folding InvShiftRows into
 * the byte rotations of the linear transform L (SubBytes and post act bytewise, so they commute with
 * any byte permutation).
 */
#ifndef CCSP_SM4_AVX2_TMPL_H
#define CCSP_SM4_AVX2_TMPL_H

#include <immintrin.h>
#include <string.h>

#include <ccsp/mem.h>

#include "sm4_impl.h"

/* 8-block groups interleaved per iteration in bulk: enough independent work to hide the latency of
 * a round (about 20 cycles) behind the others (measured on Zen 3: 4 groups 1.20 GB/s, 6 groups 1.30,
 * 8 groups 1.32). Tails use 1, 2 or 4 groups. */
#define SM4_AVX2_GROUPS 8

/* Nibble tables printed by scripts/sm4_aesni_derive.c; the affine constants are folded into _LO. */
#define SM4_PRE_LO 0x3e, 0xb2, 0x0e, 0x82, 0xbb, 0x37, 0x8b, 0x07, 0xa1, 0x2d, 0x91, 0x1d, 0x24, 0xa8, 0x14, 0x98
#define SM4_PRE_HI 0x00, 0xdc, 0x2e, 0xf2, 0xc5, 0x19, 0xeb, 0x37, 0x08, 0xd4, 0x26, 0xfa, 0xcd, 0x11, 0xe3, 0x3f
#define SM4_POST_LO 0x6c, 0xd4, 0xa6, 0x1e, 0x52, 0xea, 0x98, 0x20, 0x0b, 0xb3, 0xc1, 0x79, 0x35, 0x8d, 0xff, 0x47
#define SM4_POST_HI 0x00, 0xe0, 0x50, 0xb0, 0x9d, 0x7d, 0xcd, 0x2d, 0xc0, 0x20, 0x90, 0x70, 0x5d, 0xbd, 0x0d, 0xed

/* PSHUFB controls (out[i] = in[c[i]]), per 128-bit lane. InvShiftRows on the column-major AES state
 * (FIPS 197 5.3.1), then rotations of each little-endian 32-bit word left by 0, 8, 16, 24 bits. */
#define SM4_ISR_ROL0 0, 13, 10, 7, 4, 1, 14, 11, 8, 5, 2, 15, 12, 9, 6, 3
#define SM4_ISR_ROL8 7, 0, 13, 10, 11, 4, 1, 14, 15, 8, 5, 2, 3, 12, 9, 6
#define SM4_ISR_ROL16 10, 7, 0, 13, 14, 11, 4, 1, 2, 15, 8, 5, 6, 3, 12, 9
#define SM4_ISR_ROL24 13, 10, 7, 0, 1, 14, 11, 4, 5, 2, 15, 8, 9, 6, 3, 12
#define SM4_BSWAP32 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12

/* The helpers must be inlined: the state lives in registers (the compiler spills some of the 8-group
 * state to the stack; ccsp_memzero on the state variable would not reach those slots, so secrets
 * are wiped from the padded tail buffers and the vector registers, vzeroall, only). */
#define SM4_AVX2_INLINE SM4_AVX2_TARGET static inline __attribute__((always_inline))

#define SM4_UNROLL _Pragma("GCC unroll 8")

#define SM4_LANES(...) _mm256_setr_epi8(__VA_ARGS__, __VA_ARGS__)

typedef struct sm4_avx2_state {
	__m256i x[SM4_AVX2_GROUPS][4];
} sm4_avx2_state;

SM4_AVX2_INLINE __m256i sm4_avx2_affine(__m256i x, __m256i lo_tab, __m256i hi_tab)
{
	const __m256i mask = _mm256_set1_epi8(0x0f);
	__m256i lo = _mm256_and_si256(x, mask);
	__m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), mask);
	return _mm256_xor_si256(_mm256_shuffle_epi8(lo_tab, lo), _mm256_shuffle_epi8(hi_tab, hi));
}

/* T(t) = L(tau(t)), GB/T 32907 6.2: L(B) = B ^ B<<<2 ^ B<<<10 ^ B<<<18 ^ B<<<24
 * = B ^ B<<<24 ^ (B ^ B<<<8 ^ B<<<16)<<<2. y = tau(t) still in ShiftRows order. */
SM4_AVX2_INLINE __m256i sm4_avx2_t(__m256i t, int narrow)
{
	__m256i y = sm4_avx2_affine(t, SM4_LANES(SM4_PRE_LO), SM4_LANES(SM4_PRE_HI));
	if (narrow)
		y = _mm256_zextsi128_si256(_mm_aesenclast_si128(_mm256_castsi256_si128(y), _mm_setzero_si128()));
	else
		y = sm4_avx2_aes(y);
	y = sm4_avx2_affine(y, SM4_LANES(SM4_POST_LO), SM4_LANES(SM4_POST_HI));
	__m256i b = _mm256_shuffle_epi8(y, SM4_LANES(SM4_ISR_ROL0));
	__m256i b8 = _mm256_shuffle_epi8(y, SM4_LANES(SM4_ISR_ROL8));
	__m256i b16 = _mm256_shuffle_epi8(y, SM4_LANES(SM4_ISR_ROL16));
	__m256i b24 = _mm256_shuffle_epi8(y, SM4_LANES(SM4_ISR_ROL24));
	__m256i a = _mm256_xor_si256(_mm256_xor_si256(b, b8), b16);
	a = _mm256_or_si256(_mm256_slli_epi32(a, 2), _mm256_srli_epi32(a, 30));
	return _mm256_xor_si256(_mm256_xor_si256(b, b24), a);
}

/* X_d ^= T(X_p ^ X_q ^ X_r ^ rk) for every group (GB/T 32907 7.1 round function F). Consecutive
 * rounds share X_p ^ X_q (rounds 4i, 4i+1: X2 ^ X3; rounds 4i+2, 4i+3: X0 ^ X1), one XOR saved
 * per two rounds. */
SM4_AVX2_INLINE void sm4_avx2_round(sm4_avx2_state *s, int groups, int narrow, int d, int p, int q, int r,
                                    uint32_t rk)
{
	const __m256i k = _mm256_set1_epi32((int)rk);
	SM4_UNROLL
	for (int g = 0; g < groups; g++) {
		__m256i t = _mm256_xor_si256(_mm256_xor_si256(s->x[g][p], s->x[g][q]),
		                             _mm256_xor_si256(s->x[g][r], k));
		s->x[g][d] = _mm256_xor_si256(s->x[g][d], sm4_avx2_t(t, narrow));
	}
}

/* 32 rounds; the result words (X35, X34, X33, X32) of GB/T 32907 7.1 reverse transform R are left in
 * x[g][3], x[g][2], x[g][1], x[g][0]. */
SM4_AVX2_INLINE void sm4_avx2_rounds(sm4_avx2_state *s, int groups, int narrow, const uint32_t rk[32])
{
	for (int i = 0; i < 32; i += 4) {
		sm4_avx2_round(s, groups, narrow, 0, 2, 3, 1, rk[i]);
		sm4_avx2_round(s, groups, narrow, 1, 2, 3, 0, rk[i + 1]);
		sm4_avx2_round(s, groups, narrow, 2, 0, 1, 3, rk[i + 2]);
		sm4_avx2_round(s, groups, narrow, 3, 0, 1, 2, rk[i + 3]);
	}
}

/* 4x4 transpose of 32-bit words inside each 128-bit lane. */
SM4_AVX2_INLINE void sm4_avx2_transpose(__m256i r[4])
{
	__m256i t0 = _mm256_unpacklo_epi32(r[0], r[1]);
	__m256i t1 = _mm256_unpackhi_epi32(r[0], r[1]);
	__m256i t2 = _mm256_unpacklo_epi32(r[2], r[3]);
	__m256i t3 = _mm256_unpackhi_epi32(r[2], r[3]);
	r[0] = _mm256_unpacklo_epi64(t0, t2);
	r[1] = _mm256_unpackhi_epi64(t0, t2);
	r[2] = _mm256_unpacklo_epi64(t1, t3);
	r[3] = _mm256_unpackhi_epi64(t1, t3);
}

/* Load 8 blocks (narrow: 4) into group g (big-endian words, GB/T 32907 5.2). */
SM4_AVX2_INLINE void sm4_avx2_load(sm4_avx2_state *s, int g, int narrow, const uint8_t *in)
{
	SM4_UNROLL
	for (int j = 0; j < 4; j++) {
		__m256i v = narrow ? _mm256_zextsi128_si256(_mm_loadu_si128((const __m128i *)(in + 16 * j)))
		                   : _mm256_loadu_si256((const __m256i *)(in + 32 * j));
		s->x[g][j] = _mm256_shuffle_epi8(v, SM4_LANES(SM4_BSWAP32));
	}
	sm4_avx2_transpose(s->x[g]);
}

/* Store the 8 (narrow: 4) output blocks of group g, XORed with the blocks at mask when not NULL. */
SM4_AVX2_INLINE void sm4_avx2_store(sm4_avx2_state *s, int g, int narrow, const uint8_t *mask, uint8_t *out)
{
	__m256i r[4];
	SM4_UNROLL
	for (int j = 0; j < 4; j++)
		r[j] = s->x[g][3 - j];
	sm4_avx2_transpose(r);
	SM4_UNROLL
	for (int j = 0; j < 4; j++) {
		__m256i v = _mm256_shuffle_epi8(r[j], SM4_LANES(SM4_BSWAP32));
		if (narrow) {
			__m128i h = _mm256_castsi256_si128(v);
			if (mask != NULL)
				h = _mm_xor_si128(h, _mm_loadu_si128((const __m128i *)(mask + 16 * j)));
			_mm_storeu_si128((__m128i *)(out + 16 * j), h);
		} else {
			if (mask != NULL)
				v = _mm256_xor_si256(v, _mm256_loadu_si256((const __m256i *)(mask + 32 * j)));
			_mm256_storeu_si256((__m256i *)(out + 32 * j), v);
		}
	}
}

/* groups == 0: one narrow group of 4 blocks. */
SM4_AVX2_INLINE void sm4_avx2_ecb(const uint32_t rk[32], const uint8_t *in, uint8_t *out, int groups)
{
	sm4_avx2_state s;
	int narrow = groups == 0;
	if (narrow)
		groups = 1;
	SM4_UNROLL
	for (int g = 0; g < groups; g++)
		sm4_avx2_load(&s, g, narrow, in + 128 * g);
	sm4_avx2_rounds(&s, groups, narrow, rk);
	SM4_UNROLL
	for (int g = 0; g < groups; g++)
		sm4_avx2_store(&s, g, narrow, NULL, out + 128 * g);
}

/* Groups for a tail of n < 8 * SM4_AVX2_GROUPS blocks: 0 (narrow), 1, 2, 4 or SM4_AVX2_GROUPS. */
static inline int sm4_avx2_tail_groups(size_t n)
{
	int g = 1;
	if (n <= 4)
		return 0;
	while (8 * (size_t)g < n && g < SM4_AVX2_GROUPS)
		g *= 2;
	return g;
}

/* Bytes of the padded tail buffer a group count uses. */
static inline size_t sm4_avx2_tail_bytes(int groups)
{
	return groups == 0 ? 64 : 128 * (size_t)groups;
}

/* One function per group count, so that each keeps its state in registers. */
SM4_AVX2_TARGET static void sm4_avx2_ecb_groups(const uint32_t rk[32], const uint8_t *in, uint8_t *out, int groups)
{
	switch (groups) {
	case 0:
		sm4_avx2_ecb(rk, in, out, 0);
		break;
	case 1:
		sm4_avx2_ecb(rk, in, out, 1);
		break;
	case 2:
		sm4_avx2_ecb(rk, in, out, 2);
		break;
	case 4:
		sm4_avx2_ecb(rk, in, out, 4);
		break;
	default:
		sm4_avx2_ecb(rk, in, out, SM4_AVX2_GROUPS);
		break;
	}
}

SM4_AVX2_TARGET static void sm4_avx2_crypt_blocks(const uint32_t rk[32], const uint8_t *in, uint8_t *out,
                                                  size_t nblocks)
{
	uint8_t buf[128 * SM4_AVX2_GROUPS];
	int groups = sm4_avx2_tail_groups(nblocks % (8 * SM4_AVX2_GROUPS));

	for (; nblocks >= 8 * SM4_AVX2_GROUPS; nblocks -= 8 * SM4_AVX2_GROUPS) {
		sm4_avx2_ecb_groups(rk, in, out, SM4_AVX2_GROUPS);
		in += 128 * SM4_AVX2_GROUPS;
		out += 128 * SM4_AVX2_GROUPS;
	}
	if (nblocks > 0) { /* the last blocks, padded to whole groups */
		size_t used = sm4_avx2_tail_bytes(groups);
		memcpy(buf, in, 16 * nblocks);
		memset(buf + 16 * nblocks, 0, used - 16 * nblocks);
		sm4_avx2_ecb_groups(rk, buf, buf, groups);
		memcpy(out, buf, 16 * nblocks);
		ccsp_memzero(buf, used);
	}
	_mm256_zeroall();
}

/*
 * Counter blocks ctr + i, i < 8 * groups, straight into state words: with native-order words, word
 * j of a block is bits 127-32j..96-32j of the 128-bit counter w[0..3]. Element e of a group register
 * holds block 2e (e < 4, lane 0) or 2(e - 4) + 1 (lane 1), or block e in a narrow group (lane 1
 * unused), see the layout above. Carries ripple
 * through the words with compare masks (all-ones = carry): every wrap, up to 2^128, without branches.
 */
SM4_AVX2_INLINE void sm4_avx2_ctr_load(sm4_avx2_state *s, int groups, int narrow, const uint32_t w[4])
{
	const __m256i bias = _mm256_set1_epi32((int)0x80000000u), zero = _mm256_setzero_si256();
	const __m256i base = _mm256_set1_epi32((int)w[3]);
	SM4_UNROLL
	for (int g = 0; g < groups; g++) {
		__m256i idx = narrow ? _mm256_setr_epi32(0, 1, 2, 3, 0, 0, 0, 0)
		                     : _mm256_setr_epi32(8 * g, 8 * g + 2, 8 * g + 4, 8 * g + 6, 8 * g + 1,
		                                         8 * g + 3, 8 * g + 5, 8 * g + 7);
		__m256i x3 = _mm256_add_epi32(base, idx);
		/* x3 < base (unsigned): the low word wrapped. */
		__m256i c = _mm256_cmpgt_epi32(_mm256_xor_si256(base, bias), _mm256_xor_si256(x3, bias));
		__m256i x2 = _mm256_sub_epi32(_mm256_set1_epi32((int)w[2]), c);
		c = _mm256_and_si256(c, _mm256_cmpeq_epi32(x2, zero));
		__m256i x1 = _mm256_sub_epi32(_mm256_set1_epi32((int)w[1]), c);
		c = _mm256_and_si256(c, _mm256_cmpeq_epi32(x1, zero));
		s->x[g][0] = _mm256_sub_epi32(_mm256_set1_epi32((int)w[0]), c);
		s->x[g][1] = x1;
		s->x[g][2] = x2;
		s->x[g][3] = x3;
	}
}

/* groups == 0: one narrow group of 4 blocks. */
SM4_AVX2_INLINE void sm4_avx2_ctr(const uint32_t rk[32], const uint32_t w[4], const uint8_t *in, uint8_t *out,
                                  int groups)
{
	sm4_avx2_state s;
	int narrow = groups == 0;
	if (narrow)
		groups = 1;
	sm4_avx2_ctr_load(&s, groups, narrow, w);
	sm4_avx2_rounds(&s, groups, narrow, rk);
	SM4_UNROLL
	for (int g = 0; g < groups; g++)
		sm4_avx2_store(&s, g, narrow, in + 128 * g, out + 128 * g);
}

SM4_AVX2_TARGET static void sm4_avx2_ctr_groups(const uint32_t rk[32], const uint32_t w[4], const uint8_t *in,
                                                uint8_t *out, int groups)
{
	switch (groups) {
	case 0:
		sm4_avx2_ctr(rk, w, in, out, 0);
		break;
	case 1:
		sm4_avx2_ctr(rk, w, in, out, 1);
		break;
	case 2:
		sm4_avx2_ctr(rk, w, in, out, 2);
		break;
	case 4:
		sm4_avx2_ctr(rk, w, in, out, 4);
		break;
	default:
		sm4_avx2_ctr(rk, w, in, out, SM4_AVX2_GROUPS);
		break;
	}
}

/* The counter as four native words, most significant first, and back. */
static inline void sm4_avx2_ctr_get(uint32_t w[4], const uint8_t ctr[16])
{
	for (int j = 0; j < 4; j++)
		w[j] = (uint32_t)ctr[4 * j] << 24 | (uint32_t)ctr[4 * j + 1] << 16 | (uint32_t)ctr[4 * j + 2] << 8 |
		       ctr[4 * j + 3];
}

static inline void sm4_avx2_ctr_put(uint8_t ctr[16], const uint32_t w[4])
{
	for (int j = 0; j < 4; j++) {
		ctr[4 * j] = (uint8_t)(w[j] >> 24);
		ctr[4 * j + 1] = (uint8_t)(w[j] >> 16);
		ctr[4 * j + 2] = (uint8_t)(w[j] >> 8);
		ctr[4 * j + 3] = (uint8_t)w[j];
	}
}

/* w += n (mod 2^128). */
static inline void sm4_avx2_ctr_add(uint32_t w[4], uint32_t n)
{
	uint64_t carry = n;
	for (int j = 3; j >= 0; j--) {
		carry += w[j];
		w[j] = (uint32_t)carry;
		carry >>= 32;
	}
}

SM4_AVX2_TARGET static void sm4_avx2_ctr_blocks(const uint32_t rk[32], uint8_t ctr[16], const uint8_t *in,
                                                uint8_t *out, size_t nblocks)
{
	uint8_t buf[128 * SM4_AVX2_GROUPS];
	int groups = sm4_avx2_tail_groups(nblocks % (8 * SM4_AVX2_GROUPS));
	uint32_t w[4];

	sm4_avx2_ctr_get(w, ctr);
	for (; nblocks >= 8 * SM4_AVX2_GROUPS; nblocks -= 8 * SM4_AVX2_GROUPS) {
		sm4_avx2_ctr_groups(rk, w, in, out, SM4_AVX2_GROUPS);
		sm4_avx2_ctr_add(w, 8 * SM4_AVX2_GROUPS);
		in += 128 * SM4_AVX2_GROUPS;
		out += 128 * SM4_AVX2_GROUPS;
	}
	if (nblocks > 0) {
		size_t used = sm4_avx2_tail_bytes(groups);
		memcpy(buf, in, 16 * nblocks);
		memset(buf + 16 * nblocks, 0, used - 16 * nblocks);
		sm4_avx2_ctr_groups(rk, w, buf, buf, groups);
		memcpy(out, buf, 16 * nblocks);
		ccsp_memzero(buf, used);
		sm4_avx2_ctr_add(w, (uint32_t)nblocks);
	}
	sm4_avx2_ctr_put(ctr, w);
	_mm256_zeroall();
}

#endif

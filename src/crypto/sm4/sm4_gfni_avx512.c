/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SM4 (GB/T 32907-2016) with GFNI and AVX-512 (issue 11): 16 blocks per group of four zmm registers, the S-box
 * as two GF(2^8) affine transforms.
 *
 * S-box: S_SM4(x) = GF2P8AFFINEINVQB(GF2P8AFFINEQB(x, PRE_M, PRE_C), POST_M, POST_C): the first maps x into the AES
 * field representation (through the SM4 input affine map), the second inverts there and maps back (through the
 * output affine map). The constants are derived and checked on all 256 inputs by scripts/sm4_aesni_derive.c
 * ("gfni:" line). Both instructions work on every byte alike: no table, no secret-dependent address or branch.
 *
 * Layout: a zmm register holds one 32-bit word (byte-swapped to native order) of 16 blocks. Four 64-byte loads
 * [b0..b3] [b4..b7] [b8..b11] [b12..b15] transposed 4x4 within each 128-bit lane give X_j = word j of blocks
 * l, 4+l, 8+l, 12+l in lane l; the same transpose restores the order, so no cross-lane shuffle is needed.
 * L(B) = B ^ B<<<2 ^ B<<<10 ^ B<<<18 ^ B<<<24 is four VPROLDs and two three-way XORs (VPTERNLOGD).
 * The serial modes (CBC/CFB encryption, OFB) use the one-block kernel of sm4_gfni_serial.c: their latency, not
 * width, counts.
 */
#if defined(__x86_64__)

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include <ccsp/mem.h>

#include "sm4_impl.h"
#include "sm4_wipe_avx512.h"

#define GFNI_TARGET __attribute__((target("avx512f,avx512bw,gfni")))
#define GFNI_INLINE GFNI_TARGET static inline __attribute__((always_inline))

#define PRE_M 0x4c287db91a22505dULL
#define PRE_C 0x3e
#define POST_M 0xf3ab34a974a6b589ULL
#define POST_C 0xd3
#define GROUP_BLOCKS 16
/* Groups interleaved in bulk, so that a round's latency hides behind the other groups' work (Zen 5, one pinned
 * core, ECB: 2 groups 1.8 GB/s, 3 groups 1.7, 4 groups 3.2). */
#define GROUPS 4

typedef struct group {
	__m512i x[4];
} group;

GFNI_INLINE __m512i bswap32(__m512i v)
{
	return _mm512_shuffle_epi8(v, _mm512_set4_epi32(0x0c0d0e0f, 0x08090a0b, 0x04050607, 0x00010203));
}

/* 4x4 transpose of 32-bit words within each 128-bit lane (its own inverse). */
GFNI_INLINE void transpose(__m512i a0, __m512i a1, __m512i a2, __m512i a3, __m512i x[4])
{
	__m512i t0 = _mm512_unpacklo_epi32(a0, a1), t1 = _mm512_unpackhi_epi32(a0, a1);
	__m512i t2 = _mm512_unpacklo_epi32(a2, a3), t3 = _mm512_unpackhi_epi32(a2, a3);
	x[0] = _mm512_unpacklo_epi64(t0, t2);
	x[1] = _mm512_unpackhi_epi64(t0, t2);
	x[2] = _mm512_unpacklo_epi64(t1, t3);
	x[3] = _mm512_unpackhi_epi64(t1, t3);
}

/* A group's state is kept in registers: every helper is inlined, every index is a constant after unrolling, and g's
 * address never leaves the function, so the compiler has no reason to keep it in memory. It is not wiped with
 * ccsp_memzero(): that takes its address and so forces all of it onto the stack, read and written at every round
 * (perf: half of gfni_ctr_blocks' time in those loads and stores). As in sm4_avx2_tmpl.h, secrets are wiped from
 * the padded tail buffers and the vector registers (ccsp_sm4_wipe_avx512_registers). */
GFNI_INLINE void load_group(const uint8_t *in, group *g)
{
	transpose(bswap32(_mm512_loadu_si512(in)), bswap32(_mm512_loadu_si512(in + 64)),
	          bswap32(_mm512_loadu_si512(in + 128)), bswap32(_mm512_loadu_si512(in + 192)), g->x);
}

/* The output is (X35, X34, X33, X32): the four words in reverse order. */
GFNI_INLINE void store_group(const group *g, uint8_t *out)
{
	__m512i r[4];
	transpose(g->x[3], g->x[2], g->x[1], g->x[0], r);
	for (int i = 0; i < 4; i++)
		_mm512_storeu_si512(out + 64 * i, bswap32(r[i]));
}

/* X0 ^= L(tau(X1 ^ X2 ^ X3 ^ rk)), then the words move down one place (done by the caller's indexing). */
GFNI_INLINE __m512i round_word(__m512i x0, __m512i x1, __m512i x2, __m512i x3, __m512i rk)
{
	__m512i t = _mm512_xor_si512(_mm512_ternarylogic_epi32(x1, x2, x3, 0x96), rk);
	t = _mm512_gf2p8affine_epi64_epi8(t, _mm512_set1_epi64((long long)PRE_M), PRE_C);
	t = _mm512_gf2p8affineinv_epi64_epi8(t, _mm512_set1_epi64((long long)POST_M), POST_C);
	__m512i a = _mm512_ternarylogic_epi32(x0, t, _mm512_rol_epi32(t, 2), 0x96);
	__m512i b = _mm512_ternarylogic_epi32(a, _mm512_rol_epi32(t, 10), _mm512_rol_epi32(t, 18), 0x96);
	return _mm512_xor_si512(b, _mm512_rol_epi32(t, 24));
}

/* 32 rounds on n groups at once (n <= GROUPS, a constant after inlining). The inner loops are unrolled so that
 * every index is a constant and the groups stay in registers (16 zmm for four groups). */
GFNI_INLINE void rounds(const uint32_t rk[32], group *g, int n)
{
	for (int r = 0; r < 32; r += 4) {
		_Pragma("GCC unroll 4") for (int k = 0; k < 4; k++) {
			__m512i key = _mm512_set1_epi32((int)rk[r + k]);
			_Pragma("GCC unroll 4") for (int i = 0; i < n; i++) /* word k is replaced: X_{r+k+4} */
				g[i].x[k] = round_word(g[i].x[k], g[i].x[(k + 1) & 3], g[i].x[(k + 2) & 3], g[i].x[(k + 3) & 3],
				                       key);
		}
	}
}

GFNI_TARGET static void gfni_crypt_blocks(const uint32_t rk[32], const uint8_t *in, uint8_t *out, size_t nblocks)
{
	group g[GROUPS];
	for (; nblocks >= GROUPS * GROUP_BLOCKS; nblocks -= GROUPS * GROUP_BLOCKS) {
		for (int i = 0; i < GROUPS; i++)
			load_group(in + i * GROUP_BLOCKS * 16, &g[i]);
		rounds(rk, g, GROUPS);
		for (int i = 0; i < GROUPS; i++)
			store_group(&g[i], out + i * GROUP_BLOCKS * 16);
		in += GROUPS * GROUP_BLOCKS * 16;
		out += GROUPS * GROUP_BLOCKS * 16;
	}
	for (; nblocks >= GROUP_BLOCKS; nblocks -= GROUP_BLOCKS) {
		load_group(in, &g[0]);
		rounds(rk, g, 1);
		store_group(&g[0], out);
		in += GROUP_BLOCKS * 16;
		out += GROUP_BLOCKS * 16;
	}
	if (nblocks > 0) { /* the tail, through a padded buffer */
		uint8_t buf[GROUP_BLOCKS * 16] = {0};
		memcpy(buf, in, nblocks * 16);
		load_group(buf, &g[0]);
		rounds(rk, g, 1);
		store_group(&g[0], buf);
		memcpy(out, buf, nblocks * 16);
		ccsp_memzero(buf, sizeof buf);
	}
	ccsp_sm4_wipe_avx512_registers(); /* g lives in registers: see the note at load_group */
}

/* The counter block ctr + first + b for the 16 blocks b of a group, straight into the group's registers. A block
 * in native 32-bit words is the qwords rol64(hi, 32), rol64(lo, 32) of its big-endian halves (hi, lo); the caller
 * makes sure lo + first + 15 does not wrap. */
GFNI_INLINE void counter_group(uint64_t hi, uint64_t lo, group *g)
{
	__m512i h = _mm512_set1_epi64((long long)((hi << 32) | (hi >> 32)));
	__m512i step = _mm512_set_epi64(3, 0, 2, 0, 1, 0, 0, 0); /* blocks 0..3 of a register: lo + 0..3 */
	__m512i base = _mm512_add_epi64(_mm512_maskz_set1_epi64(0xaa, (long long)lo), step), r[4];
	for (int i = 0; i < 4; i++) {
		__m512i v = _mm512_add_epi64(base, _mm512_maskz_set1_epi64(0xaa, 4 * i));
		r[i] = _mm512_mask_blend_epi64(0xaa, h, _mm512_rol_epi64(v, 32));
	}
	transpose(r[0], r[1], r[2], r[3], g->x);
}

/* out = in ^ the group's blocks (the output transposed and byte-swapped as store_group). */
GFNI_INLINE void xor_group(const group *g, const uint8_t *in, uint8_t *out)
{
	__m512i r[4];
	transpose(g->x[3], g->x[2], g->x[1], g->x[0], r);
	for (int i = 0; i < 4; i++)
		_mm512_storeu_si512(out + 64 * i, _mm512_xor_si512(_mm512_loadu_si512(in + 64 * i), bswap32(r[i])));
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* ctr += n. */
static void advance(uint8_t ctr[16], size_t n)
{
	uint64_t carry = n;
	for (int i = 15; i >= 0 && carry != 0; i--) {
		carry += ctr[i];
		ctr[i] = (uint8_t)carry;
		carry >>= 8;
	}
}

/* CTR over whole groups while the low counter half does not wrap inside a chunk; the rest (a partial group, or a
 * chunk across a wrap of the low half, once in 2^64 blocks) goes through the generic path: counter blocks in a
 * buffer, crypt_blocks, XOR. The counter is public (the IV): branching on it leaks nothing. */
GFNI_TARGET static void gfni_ctr_blocks(const uint32_t rk[32], uint8_t ctr[16], const uint8_t *in, uint8_t *out,
                                        size_t nblocks)
{
	group g[GROUPS];
	while (nblocks >= GROUP_BLOCKS) {
		uint64_t hi = be64(ctr), lo = be64(ctr + 8);
		int ng = nblocks >= GROUPS * GROUP_BLOCKS ? GROUPS : 1;
		if (lo > UINT64_MAX - (uint64_t)(ng * GROUP_BLOCKS))
			break;
		for (int i = 0; i < ng; i++)
			counter_group(hi, lo + (uint64_t)(i * GROUP_BLOCKS), &g[i]);
		if (ng == GROUPS)
			rounds(rk, g, GROUPS);
		else
			rounds(rk, g, 1);
		for (int i = 0; i < ng; i++)
			xor_group(&g[i], in + i * GROUP_BLOCKS * 16, out + i * GROUP_BLOCKS * 16);
		advance(ctr, (size_t)ng * GROUP_BLOCKS);
		in += ng * GROUP_BLOCKS * 16;
		out += ng * GROUP_BLOCKS * 16;
		nblocks -= (size_t)ng * GROUP_BLOCKS;
	}
	while (nblocks > 0) { /* up to a group at a time through a buffer */
		uint8_t ks[GROUP_BLOCKS * 16];
		size_t n = nblocks < GROUP_BLOCKS ? nblocks : GROUP_BLOCKS;
		for (size_t b = 0; b < n; b++) {
			memcpy(ks + 16 * b, ctr, 16);
			advance(ctr, 1);
		}
		gfni_crypt_blocks(rk, ks, ks, n);
		for (size_t i = 0; i < 16 * n; i++)
			out[i] = in[i] ^ ks[i];
		ccsp_memzero(ks, sizeof ks);
		in += 16 * n;
		out += 16 * n;
		nblocks -= n;
	}
	ccsp_sm4_wipe_avx512_registers(); /* g lives in registers: see the note at load_group */
}

const ccsp_sm4_impl ccsp_sm4_impl_gfni_avx512 = {
	.name = "gfni-avx512",
	.crypt_blocks = gfni_crypt_blocks,
	.ctr_blocks = gfni_ctr_blocks,
	.serial_blocks = ccsp_sm4_gfni_serial_blocks,
	.serial_name = "gfni-serial",
};

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Portable constant-time SM4 (GB/T 32907-2016). No memory access or branch depends on key or data.
 *
 * The S-box is computed as a boolean circuit. SM4's S-box is S(x) = A*I(A*x + C) + C with I the
 * inversion in GF(2^8) mod x^8+x^7+x^6+x^5+x^4+x^2+1, A a circulant matrix and C = 0xd3 (the
 * algebraic structure of the SM4 S-box, Liu Fen et al., 2008). Moving to the tower field
 * GF(16)[y]/(y^2 + y + 9), GF(16) = GF(2)[z]/(z^4 + z + 1), by the isomorphism sending the SM4
 * field's x to the tower element 0x8e, folds both bases changes into the affine layers:
 *     S(x) = Aout * inv_tower(Ain * x + 0xaf) + 0xd3.
 * (Matrices derived by a script from the construction above and checked against the whole S-box
 * table of the standard; tests check the circuit against the table again.)
 *
 * Two data layouts share that circuit, which works on eight bit-planes in 64-bit words:
 *  - bitsliced: 64 blocks at once, state word w bit b of every block in one 64-bit word; the
 *    rotations of L are then free re-indexing. Used for batches.
 *  - nibble-sliced: the four S-box inputs of up to 16 words packed into the planes (4 lanes per
 *    word). Used for small counts (serial modes, single blocks) and for the key schedule.
 */
#include "sm4_internal.h"

#include <string.h>

#include <ccsp/mem.h>

/* 128 lanes per bit-plane: two 64-bit words. GCC's generic vectors compile to SSE2 / NEON
 * where present and to pairs of scalar operations elsewhere. */
typedef uint64_t bsw __attribute__((vector_size(16)));

/* The S-box circuit on 128-lane vectors (bitsliced and nibble-sliced layouts) and on 32-bit words
 * (one round of one block, see sm4_ct_tau_word). */
#define SM4_CIRCUIT_T bsw
#define SM4_CIRCUIT(name) name##_v
#include "sm4_ct_sbox.h"
#define SM4_CIRCUIT_T uint32_t
#define SM4_CIRCUIT(name) name##_w
#include "sm4_ct_sbox.h"

static inline uint32_t rotl32(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

/* ---- one word: the four S-boxes of one round ---- */

/* tau on one word with the 32-bit circuit: bit 8k + j of w >> j is bit j of byte k, so the eight
 * shifted copies of w are the eight bit-planes with byte k in lane 8k; the other lanes compute on
 * neighbouring bits and are masked off at the end. */
static inline uint32_t tau_word(uint32_t w)
{
	uint32_t x[8], r = 0;
	for (unsigned j = 0; j < 8; j++)
		x[j] = w >> j;
	sbox_planes_w(x);
	for (unsigned j = 0; j < 8; j++)
		r |= (x[j] & 0x01010101u) << j;
	return r;
}

/* ---- nibble-sliced: tau on n <= 16 words ---- */

/* Apply the S-box to every byte of w[0..n-1] (n <= 16). Lane i*4+k of plane j is bit j of byte k
 * of word i; gathering the bits at 0, 8, 16, 24 into 4 adjacent bits takes shifts only. */
void ccsp_sm4_ct_tau(uint32_t *w, size_t n)
{
	bsw x[8];
	if (n == 1) {
		w[0] = tau_word(w[0]);
		return;
	}
	for (unsigned j = 0; j < 8; j++) {
		uint64_t p = 0;
		for (size_t i = 0; i < n; i++) {
			uint32_t b = (w[i] >> j) & 0x01010101u;
			b = (b | (b >> 7) | (b >> 14) | (b >> 21)) & 0xfu;
			p |= (uint64_t)b << (4 * i);
		}
		x[j] = (bsw){p, 0};
	}
	sbox_planes_v(x);
	for (size_t i = 0; i < n; i++) {
		uint32_t r = 0;
		for (unsigned j = 0; j < 8; j++) {
			uint32_t b = (uint32_t)(x[j][0] >> (4 * i)) & 0xfu;
			r |= ((b | (b << 7) | (b << 14) | (b << 21)) & 0x01010101u) << j;
		}
		w[i] = r;
	}
	ccsp_memzero(x, sizeof x);
}

static inline uint32_t load32be(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void store32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#define NARROW_MAX 16

/* Up to 16 blocks, one round (4 S-boxes per block) per circuit evaluation. */
static void crypt_narrow(const uint32_t rk[32], const uint8_t *in, uint8_t *out, size_t n)
{
	uint32_t x[NARROW_MAX][4], t[NARROW_MAX];
	for (size_t i = 0; i < n; i++)
		for (int w = 0; w < 4; w++)
			x[i][w] = load32be(in + 16 * i + 4 * w);
	for (int r = 0; r < 32; r++) {
		for (size_t i = 0; i < n; i++)
			t[i] = x[i][(r + 1) & 3] ^ x[i][(r + 2) & 3] ^ x[i][(r + 3) & 3] ^ rk[r];
		ccsp_sm4_ct_tau(t, n);
		/* L(B) = B ^ (B <<< 2) ^ (B <<< 10) ^ (B <<< 18) ^ (B <<< 24) (GB/T 32907 6.2) */
		for (size_t i = 0; i < n; i++)
			x[i][r & 3] ^= t[i] ^ rotl32(t[i], 2) ^ rotl32(t[i], 10) ^ rotl32(t[i], 18) ^
			               rotl32(t[i], 24);
	}
	/* R(X32..X35) = (X35, X34, X33, X32) (GB/T 32907 7.1) */
	for (size_t i = 0; i < n; i++)
		for (int w = 0; w < 4; w++)
			store32be(out + 16 * i + 4 * w, x[i][3 - w]);
	ccsp_memzero(x, sizeof x);
	ccsp_memzero(t, sizeof t);
}

/* One block, one circuit evaluation per round on a 32-bit word: the serial modes' path. */
static void crypt_one(const uint32_t rk[32], const uint8_t in[16], uint8_t out[16])
{
	uint32_t x[4], t;
	for (int w = 0; w < 4; w++)
		x[w] = load32be(in + 4 * w);
	for (int r = 0; r < 32; r++) {
		t = tau_word(x[(r + 1) & 3] ^ x[(r + 2) & 3] ^ x[(r + 3) & 3] ^ rk[r]);
		/* L(B) = B ^ B<<<24 ^ (B ^ B<<<8 ^ B<<<16)<<<2 (GB/T 32907 6.2) */
		x[r & 3] ^= t ^ rotl32(t, 24) ^ rotl32(t ^ rotl32(t, 8) ^ rotl32(t, 16), 2);
	}
	for (int w = 0; w < 4; w++)
		store32be(out + 4 * w, x[3 - w]);
	ccsp_memzero(x, sizeof x);
	ccsp_memzero(&t, sizeof t);
}

/* ---- bitsliced: 128 blocks ---- */

#define BS_LANES 128

/* In-place 64x64 bit-matrix transpose: afterwards a[i] bit j = old a[j] bit i. */
static void transpose64(uint64_t a[64])
{
	static const uint64_t masks[6] = {
		0x00000000ffffffffULL, 0x0000ffff0000ffffULL, 0x00ff00ff00ff00ffULL,
		0x0f0f0f0f0f0f0f0fULL, 0x3333333333333333ULL, 0x5555555555555555ULL,
	};
	for (unsigned lv = 0, w = 32; lv < 6; lv++, w >>= 1)
		for (unsigned k = 0; k < 64; k = (k + w + 1) & ~w) {
			uint64_t t = ((a[k] >> w) ^ a[k + w]) & masks[lv];
			a[k + w] ^= t;
			a[k] ^= t << w;
		}
}

/* s[w][b] lane j: bit b of state word w of block j. Block j sits in 64-bit half j / 64 of the
 * vector; each half is built from two 64 x 64 transposes (words 0-1, words 2-3). */
static void bs_load(bsw s[4][32], uint64_t m[64], const uint8_t *in, size_t n)
{
	for (size_t half = 0; half < 2; half++)
		for (int h = 0; h < 2; h++) {
			memset(m, 0, 64 * sizeof(uint64_t));
			for (size_t j = 0; j < 64 && 64 * half + j < n; j++) {
				const uint8_t *p = in + 16 * (64 * half + j) + 8 * h;
				m[j] = ((uint64_t)load32be(p) << 32) | load32be(p + 4);
			}
			transpose64(m);
			for (int b = 0; b < 32; b++) {
				s[2 * h + 1][b][half] = m[b];
				s[2 * h][b][half] = m[b + 32];
			}
		}
}

static void bs_store(bsw s[4][32], uint64_t m[64], uint8_t *out, size_t n)
{
	/* output words are X35, X34, X33, X32 = s[3], s[2], s[1], s[0] */
	for (size_t half = 0; half < 2; half++)
		for (int h = 0; h < 2; h++) {
			for (int b = 0; b < 32; b++) {
				m[b + 32] = s[3 - 2 * h][b][half];
				m[b] = s[2 - 2 * h][b][half];
			}
			transpose64(m);
			for (size_t j = 0; j < 64 && 64 * half + j < n; j++) {
				uint8_t *p = out + 16 * (64 * half + j) + 8 * h;
				store32be(p, (uint32_t)(m[j] >> 32));
				store32be(p + 4, (uint32_t)m[j]);
			}
		}
}

static void bs_round(bsw s[4][32], bsw t[32], uint32_t rk, int r)
{
	bsw *x0 = s[r & 3];
	const bsw *x1 = s[(r + 1) & 3], *x2 = s[(r + 2) & 3], *x3 = s[(r + 3) & 3];
#pragma GCC unroll 32
	for (int b = 0; b < 32; b++) {
		uint64_t k = 0 - (uint64_t)((rk >> b) & 1);
		t[b] = x1[b] ^ x2[b] ^ x3[b] ^ (bsw){k, k};
	}
	for (int q = 0; q < 4; q++)
		sbox_planes_v(t + 8 * q);
	/* L: bit b of B <<< n is bit (b - n) mod 32 of B */
#pragma GCC unroll 32
	for (int b = 0; b < 32; b++)
		x0[b] ^= t[b] ^ t[(b - 2) & 31] ^ t[(b - 10) & 31] ^ t[(b - 18) & 31] ^ t[(b - 24) & 31];
}

static void crypt_bitsliced(const uint32_t rk[32], const uint8_t *in, uint8_t *out, size_t n)
{
	bsw s[4][32], t[32];
	uint64_t m[64];
	bs_load(s, m, in, n);
	for (int r = 0; r < 32; r++)
		bs_round(s, t, rk[r], r);
	bs_store(s, m, out, n);
	ccsp_memzero(s, sizeof s);
	ccsp_memzero(m, sizeof m);
	ccsp_memzero(t, sizeof t);
}

/* Below this many blocks the nibble-sliced path is cheaper than one 64-lane bitsliced pass. */
#define NARROW_CUTOFF 6

static void ct_crypt_blocks(const uint32_t rk[32], const uint8_t *in, uint8_t *out, size_t nblocks)
{
	while (nblocks > 0) {
		size_t n = nblocks < BS_LANES ? nblocks : BS_LANES;
		if (n == 1)
			crypt_one(rk, in, out);
		else if (n < NARROW_CUTOFF)
			crypt_narrow(rk, in, out, n);
		else
			crypt_bitsliced(rk, in, out, n);
		in += 16 * n;
		out += 16 * n;
		nblocks -= n;
	}
}

/* The serial modes block by block (see ccsp_sm4_feedback). */
static void ct_serial_blocks(const uint32_t rk[32], ccsp_sm4_feedback mode, uint8_t fb[16], const uint8_t *in,
                             uint8_t *out, size_t nblocks)
{
	uint8_t x[16], y[16];
	memcpy(x, fb, 16);
	for (size_t n = 0; n < nblocks; n++) {
		const uint8_t *p = in + 16 * n;
		if (mode == CCSP_SM4_FB_CBC)
			ccsp_sm4_xor(x, x, p, 16);
		crypt_one(rk, x, y);
		if (mode != CCSP_SM4_FB_CBC)
			ccsp_sm4_xor(x, y, p, 16); /* out_n, and x_n+1 for CFB */
		if (out != NULL)
			memcpy(out + 16 * n, mode == CCSP_SM4_FB_CBC ? y : x, 16);
		if (mode != CCSP_SM4_FB_CFB)
			memcpy(x, y, 16);
	}
	memcpy(fb, x, 16);
	ccsp_memzero(x, sizeof x);
	ccsp_memzero(y, sizeof y);
}

const ccsp_sm4_impl ccsp_sm4_impl_portable = {
	.name = "portable",
	.crypt_blocks = ct_crypt_blocks,
	.ctr_blocks = NULL,
	.serial_blocks = ct_serial_blocks,
	.serial_name = "portable",
};

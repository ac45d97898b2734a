/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: the SM3 round function and message expansion (GB/T 32905-2016 clauses 4.3-4.4, 5.3.2,
 * 5.3.3) as macros, shared by the compression implementations so that each one is compiled with
 * its own target options. All operations are additions, rotations and Boolean functions on
 * words: no data-dependent branch or memory index.
 */
#ifndef CCSP_SM3_ROUNDS_H
#define CCSP_SM3_ROUNDS_H

#include <stdint.h>

#define SM3_ROTL(x, n) ((uint32_t)((x) << (n)) | ((x) >> (32 - (n)))) /* 1 <= n <= 31 */
/* Clause 4.4: permutations P0 and P1. */
#define SM3_P0(x) ((x) ^ SM3_ROTL((x), 9) ^ SM3_ROTL((x), 17))
#define SM3_P1(x) ((x) ^ SM3_ROTL((x), 15) ^ SM3_ROTL((x), 23))
/* Clause 4.3: FF_j and GG_j; rounds 0-15 use the parity, rounds 16-63 majority and choice. */
#define SM3_FF0(x, y, z) ((x) ^ (y) ^ (z))
#define SM3_FF1(x, y, z) (((x) & (y)) | (((x) | (y)) & (z)))
#define SM3_GG0(x, y, z) ((x) ^ (y) ^ (z))
#define SM3_GG1(x, y, z) ((((y) ^ (z)) & (x)) ^ (z))

/* Clause 5.3.2 b): W[j] from W[j-16], W[j-13], W[j-9], W[j-6], W[j-3]. */
#define SM3_EXPAND(w16, w13, w9, w6, w3) (SM3_P1((w16) ^ (w9) ^ SM3_ROTL((w3), 15)) ^ SM3_ROTL((w13), 7) ^ (w6))

/*
 * Clause 5.3.3, one round. k is T_j <<< (j mod 32); w is W_j and w4 is W_{j+4} (W'_j = W_j ^ W_{j+4}).
 * Instead of shifting the eight registers, TT1 is left in d and P0(TT2) in h, and the caller
 * renames: the next round takes (d, a, b, c, h, e, f, g).
 */
#define SM3_ROUND(FF, GG, a, b, c, d, e, f, g, h, k, w, w4)                                         \
	do {                                                                                       \
		uint32_t a12_ = SM3_ROTL((a), 12);                                                 \
		uint32_t ss1_ = SM3_ROTL(a12_ + (e) + (k), 7);                                     \
		uint32_t ss2_ = ss1_ ^ a12_;                                                       \
		(d) = FF((a), (b), (c)) + (d) + ss2_ + ((w) ^ (w4));                               \
		(h) = GG((e), (f), (g)) + (h) + ss1_ + (w);                                        \
		(h) = SM3_P0((h));                                                                 \
		(b) = SM3_ROTL((b), 9);                                                            \
		(f) = SM3_ROTL((f), 19);                                                           \
	} while (0)

/* Four rounds j..j+3 bring the names back to their places. */
#define SM3_ROUND4(FF, GG, K, W, j)                                                                \
	do {                                                                                       \
		SM3_ROUND(FF, GG, a, b, c, d, e, f, g, h, K[(j)], W[(j)], W[(j) + 4]);             \
		SM3_ROUND(FF, GG, d, a, b, c, h, e, f, g, K[(j) + 1], W[(j) + 1], W[(j) + 5]);     \
		SM3_ROUND(FF, GG, c, d, a, b, g, h, e, f, K[(j) + 2], W[(j) + 2], W[(j) + 6]);     \
		SM3_ROUND(FF, GG, b, c, d, a, f, g, h, e, K[(j) + 3], W[(j) + 3], W[(j) + 7]);     \
	} while (0)

/* T_j <<< (j mod 32) for j = 0..63 (clause 4.2 and the SS1 step of 5.3.3). */
extern const uint32_t ccsp_sm3_k[64];

#endif

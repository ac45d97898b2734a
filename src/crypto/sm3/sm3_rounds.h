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
/* Clause 4.3: GG_j; rounds 0-15 use the parity, rounds 16-63 the choice function. */
#define SM3_GG0(x, y, z) ((x) ^ (y) ^ (z))
#define SM3_GG1(x, y, z) ((((y) ^ (z)) & (x)) ^ (z))

/* Clause 5.3.2 b): W[j] from W[j-16], W[j-13], W[j-9], W[j-6], W[j-3]. */
#define SM3_EXPAND(w16, w13, w9, w6, w3) (SM3_P1((w16) ^ (w9) ^ SM3_ROTL((w3), 15)) ^ SM3_ROTL((w13), 7) ^ (w6))

/*
 * The compiler may not re-associate a partial sum past this point. The round below fixes the
 * order of its additions so that the late operands (those depending on A and E of the previous
 * round) come last: the chain E -> SS1 -> TT2 -> P0 -> E is what bounds the speed of SM3.
 */
#define SM3_OPAQUE(x) __asm__("" : "+r"(x))

/*
 * FF_j(a, b, c) added into t (clause 4.3). For rounds 16-63 the majority is written as
 * (b & c) + (a & (b ^ c)): the two terms have no bit in common, so + is |, and the part that does
 * not depend on a (this round's late input) is added first.
 */
#define SM3_ADD_FF0(t, a, b, c) ((t) += (a) ^ (b) ^ (c))
#define SM3_ADD_FF1(t, a, b, c)                                                                    \
	do {                                                                                       \
		(t) += (b) & (c);                                                                  \
		SM3_OPAQUE(t);                                                                     \
		(t) += (a) & ((b) ^ (c));                                                          \
	} while (0)

/*
 * Clause 5.3.3, one round. k is T_j <<< (j mod 32); w is W_j and wp is W'_j = W_j ^ W_{j+4}.
 * Instead of shifting the eight registers, TT1 is left in d and P0(TT2) in h, and the caller
 * renames: the next round takes (d, a, b, c, h, e, f, g).
 */
#define SM3_ROUND(ADD_FF, GG, a, b, c, d, e, f, g, h, k, w, wp)                                     \
	do {                                                                                       \
		uint32_t a12_ = SM3_ROTL((a), 12);                                                 \
		uint32_t x_ = a12_ + (k);                                                          \
		SM3_OPAQUE(x_);                                                                    \
		uint32_t ss1_ = SM3_ROTL(x_ + (e), 7);                                             \
		uint32_t ss2_ = ss1_ ^ a12_;                                                       \
		uint32_t tt1_ = (d) + (wp);                                                        \
		SM3_OPAQUE(tt1_);                                                                  \
		ADD_FF(tt1_, (a), (b), (c));                                                       \
		SM3_OPAQUE(tt1_);                                                                  \
		uint32_t tt2_ = (h) + (w);                                                         \
		SM3_OPAQUE(tt2_);                                                                  \
		tt2_ += GG((e), (f), (g));                                                         \
		SM3_OPAQUE(tt2_);                                                                  \
		(d) = tt1_ + ss2_;                                                                 \
		(h) = tt2_ + ss1_;                                                                 \
		(h) = SM3_P0((h));                                                                 \
		(b) = SM3_ROTL((b), 9);                                                            \
		(f) = SM3_ROTL((f), 19);                                                           \
	} while (0)

/* Four rounds j..j+3 bring the names back to their places. KJ(j), WJ(j), WPJ(j) give T_j <<< j,
 * W_j and W'_j. */
#define SM3_ROUND4(ADD_FF, GG, KJ, WJ, WPJ, j)                                                      \
	do {                                                                                       \
		SM3_ROUND(ADD_FF, GG, a, b, c, d, e, f, g, h, KJ(j), WJ(j), WPJ(j));                \
		SM3_ROUND(ADD_FF, GG, d, a, b, c, h, e, f, g, KJ(j + 1), WJ(j + 1), WPJ(j + 1));    \
		SM3_ROUND(ADD_FF, GG, c, d, a, b, g, h, e, f, KJ(j + 2), WJ(j + 2), WPJ(j + 2));    \
		SM3_ROUND(ADD_FF, GG, b, c, d, a, f, g, h, e, KJ(j + 3), WJ(j + 3), WPJ(j + 3));    \
	} while (0)

/* The block's last twelve rounds, whose message words the expansion has all made, then clause 5.3.1's
 * V(i+1) = ABCDEFGH xor V(i) into state (uint32_t[8]); a..h are the compression function's locals. */
#define SM3_ROUNDS_52_63_FEED(KJ, WJ, WPJ, state)                                                     \
	do {                                                                                       \
		SM3_ROUND4(SM3_ADD_FF1, SM3_GG1, KJ, WJ, WPJ, 52);                                  \
		SM3_ROUND4(SM3_ADD_FF1, SM3_GG1, KJ, WJ, WPJ, 56);                                  \
		SM3_ROUND4(SM3_ADD_FF1, SM3_GG1, KJ, WJ, WPJ, 60);                                  \
		(state)[0] ^= a;                                                                   \
		(state)[1] ^= b;                                                                   \
		(state)[2] ^= c;                                                                   \
		(state)[3] ^= d;                                                                   \
		(state)[4] ^= e;                                                                   \
		(state)[5] ^= f;                                                                   \
		(state)[6] ^= g;                                                                   \
		(state)[7] ^= h;                                                                   \
	} while (0)

/* T_j <<< (j mod 32) for j = 0..63 (clause 4.2 and the SS1 step of 5.3.3). Hidden, so that
 * position-independent code reads it PC-relative instead of through the GOT. */
extern __attribute__((visibility("hidden"))) const uint32_t ccsp_sm3_k[64];

#endif

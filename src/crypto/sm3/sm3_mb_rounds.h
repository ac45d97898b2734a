/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: the SM3 compression function (GB/T 32905-2016 clauses 4.3-4.4, 5.3) on vectors whose lanes are
 * independent messages, shared by the multi-buffer kernels. The including file defines, for its vector type MB_V:
 *   MB_ADD(x, y), MB_XOR(x, y), MB_XOR3(x, y, z), MB_ROL(x, n) (1 <= n <= 31),
 *   MB_MAJ(x, y, z) (FF_j, j >= 16), MB_CH(x, y, z) (GG_j, j >= 16: (x & y) | (~x & z)),
 *   MB_K(j), T_j <<< (j mod 32) in every lane.
 * Word-wise operations only: no data-dependent branch or memory index.
 */
#ifndef CCSP_SM3_MB_ROUNDS_H
#define CCSP_SM3_MB_ROUNDS_H

/* Clause 4.4. */
#define MB_P0(x) MB_XOR3((x), MB_ROL((x), 9), MB_ROL((x), 17))
#define MB_P1(x) MB_XOR3((x), MB_ROL((x), 15), MB_ROL((x), 23))

/* Clause 5.3.2 b): W[j] from W[j-16], W[j-13], W[j-9], W[j-6], W[j-3]. */
#define MB_EXPAND(W, j)                                                                                    \
	do {                                                                                               \
		MB_V x_ = MB_XOR3((W)[(j) - 16], (W)[(j) - 9], MB_ROL((W)[(j) - 3], 15));                  \
		(W)[j] = MB_XOR3(MB_P1(x_), MB_ROL((W)[(j) - 13], 7), (W)[(j) - 6]);                       \
	} while (0)

/*
 * Clause 5.3.3, one round, with W'_j = W_j ^ W_{j+4} (5.3.2 c) formed on the fly. As in sm3_rounds.h, the
 * registers are renamed rather than shifted: TT1 is left in d and P0(TT2) in h, and the next round takes
 * (d, a, b, c, h, e, f, g).
 */
#define MB_ROUND(FF, GG, a, b, c, d, e, f, g, h, W, j)                                                      \
	do {                                                                                               \
		MB_V a12_ = MB_ROL((a), 12);                                                               \
		MB_V ss1_ = MB_ROL(MB_ADD(MB_ADD(a12_, MB_K(j)), (e)), 7);                                 \
		MB_V ss2_ = MB_XOR(ss1_, a12_);                                                            \
		MB_V tt1_ = MB_ADD(MB_ADD((d), MB_XOR((W)[j], (W)[(j) + 4])), MB_ADD(FF((a), (b), (c)), ss2_)); \
		MB_V tt2_ = MB_ADD(MB_ADD((h), (W)[j]), MB_ADD(GG((e), (f), (g)), ss1_));                  \
		(d) = tt1_;                                                                                \
		(h) = MB_P0(tt2_);                                                                         \
		(b) = MB_ROL((b), 9);                                                                      \
		(f) = MB_ROL((f), 19);                                                                     \
	} while (0)

#define MB_ROUND4(FF, GG, W, j)                                                                            \
	do {                                                                                               \
		MB_ROUND(FF, GG, a, b, c, d, e, f, g, h, W, j);                                            \
		MB_ROUND(FF, GG, d, a, b, c, h, e, f, g, W, (j) + 1);                                      \
		MB_ROUND(FF, GG, c, d, a, b, g, h, e, f, W, (j) + 2);                                      \
		MB_ROUND(FF, GG, b, c, d, a, f, g, h, e, W, (j) + 3);                                      \
	} while (0)

/* One block: W[0..15] holds the message words of every lane (big-endian decoded); s[0..7] the chaining value,
 * updated to V(i+1) = ABCDEFGH ^ V(i) (clause 5.3.1). W[16..67] is overwritten. */
#define MB_COMPRESS_BLOCK(W, s)                                                                            \
	do {                                                                                               \
		_Pragma("GCC unroll 52") for (int j_ = 16; j_ < 68; j_++)                                  \
			MB_EXPAND(W, j_);                                                                  \
		MB_V a = (s)[0], b = (s)[1], c = (s)[2], d = (s)[3];                                       \
		MB_V e = (s)[4], f = (s)[5], g = (s)[6], h = (s)[7];                                       \
		_Pragma("GCC unroll 4") for (int j_ = 0; j_ < 16; j_ += 4)                                 \
			MB_ROUND4(MB_XOR3, MB_XOR3, W, j_);                                                \
		_Pragma("GCC unroll 12") for (int j_ = 16; j_ < 64; j_ += 4)                               \
			MB_ROUND4(MB_MAJ, MB_CH, W, j_);                                                   \
		(s)[0] = MB_XOR((s)[0], a);                                                                \
		(s)[1] = MB_XOR((s)[1], b);                                                                \
		(s)[2] = MB_XOR((s)[2], c);                                                                \
		(s)[3] = MB_XOR((s)[3], d);                                                                \
		(s)[4] = MB_XOR((s)[4], e);                                                                \
		(s)[5] = MB_XOR((s)[5], f);                                                                \
		(s)[6] = MB_XOR((s)[6], g);                                                                \
		(s)[7] = MB_XOR((s)[7], h);                                                                \
	} while (0)

/*
 * Two independent groups of lanes, the rounds interleaved: one SM3 round is a chain of about six dependent
 * operations (A -> SS1 -> TT1 -> A), so one group leaves the vector units mostly idle waiting on latency. The
 * variables are a0..h0 and a1..h1; the names passed are pasted with the group number.
 */
#define MB_ROUND_X2(FF, GG, a, b, c, d, e, f, g, h, W0, W1, j)                                              \
	do {                                                                                               \
		MB_ROUND(FF, GG, a##0, b##0, c##0, d##0, e##0, f##0, g##0, h##0, W0, j);                   \
		MB_ROUND(FF, GG, a##1, b##1, c##1, d##1, e##1, f##1, g##1, h##1, W1, j);                   \
	} while (0)

#define MB_ROUND4_X2(FF, GG, W0, W1, j)                                                                    \
	do {                                                                                               \
		MB_ROUND_X2(FF, GG, a, b, c, d, e, f, g, h, W0, W1, j);                                    \
		MB_ROUND_X2(FF, GG, d, a, b, c, h, e, f, g, W0, W1, (j) + 1);                              \
		MB_ROUND_X2(FF, GG, c, d, a, b, g, h, e, f, W0, W1, (j) + 2);                              \
		MB_ROUND_X2(FF, GG, b, c, d, a, f, g, h, e, W0, W1, (j) + 3);                              \
	} while (0)

#define MB_LOAD8(x, s)                                                                                     \
	MB_V a##x = (s)[0], b##x = (s)[1], c##x = (s)[2], d##x = (s)[3];                                   \
	MB_V e##x = (s)[4], f##x = (s)[5], g##x = (s)[6], h##x = (s)[7]
#define MB_FEED8(x, s)                                                                                     \
	do {                                                                                               \
		(s)[0] = MB_XOR((s)[0], a##x);                                                             \
		(s)[1] = MB_XOR((s)[1], b##x);                                                             \
		(s)[2] = MB_XOR((s)[2], c##x);                                                             \
		(s)[3] = MB_XOR((s)[3], d##x);                                                             \
		(s)[4] = MB_XOR((s)[4], e##x);                                                             \
		(s)[5] = MB_XOR((s)[5], f##x);                                                             \
		(s)[6] = MB_XOR((s)[6], g##x);                                                             \
		(s)[7] = MB_XOR((s)[7], h##x);                                                             \
	} while (0)

/* MB_COMPRESS_BLOCK on two groups at once: (W0, s0) and (W1, s1). */
#define MB_COMPRESS_BLOCK_X2(W0, s0, W1, s1)                                                               \
	do {                                                                                               \
		_Pragma("GCC unroll 52") for (int j_ = 16; j_ < 68; j_++) {                                \
			MB_EXPAND(W0, j_);                                                                 \
			MB_EXPAND(W1, j_);                                                                 \
		}                                                                                          \
		MB_LOAD8(0, s0);                                                                           \
		MB_LOAD8(1, s1);                                                                           \
		_Pragma("GCC unroll 4") for (int j_ = 0; j_ < 16; j_ += 4)                                 \
			MB_ROUND4_X2(MB_XOR3, MB_XOR3, W0, W1, j_);                                        \
		_Pragma("GCC unroll 12") for (int j_ = 16; j_ < 64; j_ += 4)                               \
			MB_ROUND4_X2(MB_MAJ, MB_CH, W0, W1, j_);                                           \
		MB_FEED8(0, s0);                                                                           \
		MB_FEED8(1, s1);                                                                           \
	} while (0)

#endif

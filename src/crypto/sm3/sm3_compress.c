/* SPDX-License-Identifier: Apache-2.0 */
/* Portable SM3 compression function (GB/T 32905-2016 clause 5.3). */
#include <ccsp/mem.h>

#include "sm3_internal.h"
#include "sm3_rounds.h"

/* Rotate a constant by any amount 0..31 (the macro in sm3_rounds.h excludes 0). */
#define K_ROT(t, j) ((uint32_t)((t) << ((j) % 32)) | (uint32_t)((t) >> ((32 - (j) % 32) % 32)))
#define K0(j) K_ROT(0x79cc4519u, j)
#define K1(j) K_ROT(0x7a879d8au, j)
#define K0_4(j) K0(j), K0(j + 1), K0(j + 2), K0(j + 3)
#define K1_4(j) K1(j), K1(j + 1), K1(j + 2), K1(j + 3)

const uint32_t ccsp_sm3_k[64] = {
	K0_4(0),  K0_4(4),  K0_4(8),  K0_4(12), K1_4(16), K1_4(20), K1_4(24), K1_4(28),
	K1_4(32), K1_4(36), K1_4(40), K1_4(44), K1_4(48), K1_4(52), K1_4(56), K1_4(60),
};

#define KJ(j) ccsp_sm3_k[j]
#define WJ(j) W[j]
#define WPJ(j) (W[j] ^ W[(j) + 4])
#define EXPAND1(j) W[j] = SM3_EXPAND(W[(j) - 16], W[(j) - 13], W[(j) - 9], W[(j) - 6], W[(j) - 3])
#define EXPAND4(j)                                                                                 \
	do {                                                                                       \
		EXPAND1(j);                                                                        \
		EXPAND1(j + 1);                                                                    \
		EXPAND1(j + 2);                                                                    \
		EXPAND1(j + 3);                                                                    \
	} while (0)
/* Rounds j..j+3 need W up to j+7; the words for four rounds later are expanded alongside. */
#define STEP0(j)                                                                                   \
	do {                                                                                       \
		EXPAND4((j) + 16);                                                                 \
		SM3_ROUND4(SM3_ADD_FF0, SM3_GG0, KJ, WJ, WPJ, j);                                  \
	} while (0)
#define STEP1(j)                                                                                   \
	do {                                                                                       \
		EXPAND4((j) + 16);                                                                 \
		SM3_ROUND4(SM3_ADD_FF1, SM3_GG1, KJ, WJ, WPJ, j);                                  \
	} while (0)

static void sm3_compress_portable(uint32_t state[8], const uint8_t *p, size_t nblocks)
{
	uint32_t W[68];

	while (nblocks-- > 0) {
		for (int j = 0; j < 16; j++)
			W[j] = ccsp_sm3_load_be32(p + 4 * j);
		uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
		uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
		STEP0(0);
		STEP0(4);
		STEP0(8);
		STEP0(12);
		STEP1(16);
		STEP1(20);
		STEP1(24);
		STEP1(28);
		STEP1(32);
		STEP1(36);
		STEP1(40);
		STEP1(44);
		STEP1(48);
		SM3_ROUNDS_52_63_FEED(KJ, WJ, WPJ, state);
		p += CCSP_SM3_BLOCK_SIZE;
	}
	/* W is a function of the message only; the message may be a key (HMAC, KDF input). */
	ccsp_memzero(W, sizeof W);
}

const ccsp_sm3_impl ccsp_sm3_impl_portable = {"portable", sm3_compress_portable};

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GHASH (NIST SP 800-38D 6.4) with PCLMULQDQ, 8 blocks per reduction.
 *
 * The representation (reflected blocks, Montgomery reduction, stored key H*x^-1) is explained in
 * ghash_clmul.h.
 *
 * Key area: words 2(i-1), 2(i-1)+1 hold H^i x^-1 for i = 1..8 (reflected, low word first); words
 * 16 + (i-1) hold the XOR of its two halves, for Karatsuba.
 */
#if defined(__x86_64__)

#include <string.h>

#include "ghash.h"
#include "ghash_clmul.h"

#define GHASH_AGG 8

GHASH_TARGET static void ghash_clmul_init(uint64_t key[CCSP_GHASH_KEY_WORDS], const uint8_t H[16])
{
	__m128i k1 = ghash_key1(H), k = k1;

	memset(key, 0, CCSP_GHASH_KEY_WORDS * sizeof key[0]);
	for (int i = 0; i < GHASH_AGG; i++) {
		_mm_storeu_si128((__m128i *)&key[2 * i], k);
		key[2 * GHASH_AGG + i] = key[2 * i] ^ key[2 * i + 1];
		k = ghash_mul(k, k1);
	}
}

/* acc = sum over j < n of a_j * H^(n-j), one reduction; a_0 includes x. n <= GHASH_AGG. */
GHASH_INLINE __m128i ghash_agg(const uint64_t key[CCSP_GHASH_KEY_WORDS], __m128i x, const uint8_t *in, int n)
{
	__m128i lo = _mm_setzero_si128(), mid = lo, hi = lo;
	_Pragma("GCC unroll 8")
	for (int j = 0; j < n; j++) {
		int p = n - j - 1; /* index of H^(n-j) */
		__m128i a = ghash_bswap(_mm_loadu_si128((const __m128i *)(in + 16 * j)));
		__m128i h = _mm_loadu_si128((const __m128i *)&key[2 * p]);
		__m128i hk = _mm_loadl_epi64((const __m128i *)&key[2 * GHASH_AGG + p]);
		if (j == 0)
			a = _mm_xor_si128(a, x);
		lo = _mm_xor_si128(lo, _mm_clmulepi64_si128(a, h, 0x00));
		hi = _mm_xor_si128(hi, _mm_clmulepi64_si128(a, h, 0x11));
		mid = _mm_xor_si128(mid, _mm_clmulepi64_si128(_mm_xor_si128(a, ghash_swap64(a)), hk, 0x00));
	}
	return ghash_combine(lo, mid, hi);
}

GHASH_TARGET static void ghash_clmul_blocks(const uint64_t key[CCSP_GHASH_KEY_WORDS], uint8_t X[16], const uint8_t *in,
                                            size_t nblocks)
{
	__m128i x = ghash_bswap(_mm_loadu_si128((const __m128i *)X));

	for (; nblocks >= GHASH_AGG; nblocks -= GHASH_AGG, in += 16 * GHASH_AGG)
		x = ghash_agg(key, x, in, GHASH_AGG);
	switch (nblocks) { /* one instance per count: the loop above unrolls with constant indices */
	case 7:
		x = ghash_agg(key, x, in, 7);
		break;
	case 6:
		x = ghash_agg(key, x, in, 6);
		break;
	case 5:
		x = ghash_agg(key, x, in, 5);
		break;
	case 4:
		x = ghash_agg(key, x, in, 4);
		break;
	case 3:
		x = ghash_agg(key, x, in, 3);
		break;
	case 2:
		x = ghash_agg(key, x, in, 2);
		break;
	case 1:
		x = ghash_agg(key, x, in, 1);
		break;
	default:
		break;
	}
	_mm_storeu_si128((__m128i *)X, ghash_bswap(x));
}

const ccsp_ghash_impl ccsp_ghash_impl_clmul = {
	.name = "clmul",
	.init = ghash_clmul_init,
	.blocks = ghash_clmul_blocks,
};

#endif

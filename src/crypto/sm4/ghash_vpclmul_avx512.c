/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GHASH (NIST SP 800-38D 6.4) with VPCLMULQDQ on 512-bit registers: four blocks per multiply instruction, 16
 * blocks per reduction, as ghash_vpclmul_avx2.c does with two (perf over TLCP: GHASH was a quarter of the SM4-GCM
 * record time with 256-bit registers). Arithmetic: ghash_clmul.h.
 *
 * Key area: the one of ghash_vpclmul_avx2.c (H^16, H^15, ..., H^1, each H^i x^-1 reflected, low word first), so a
 * 64-byte load gives [H^16|H^15|H^14|H^13] for blocks [b0|b1|b2|b3], and the init function is that file's. A tail of
 * fewer than 16 blocks (the end of a message: AAD, the lengths block) goes to that file's code.
 */
#if defined(__x86_64__)

#include "ghash.h"
#include "ghash_clmul.h"

#define GHASH_Z_TARGET __attribute__((target("pclmul,ssse3,avx2,avx512f,avx512bw,vpclmulqdq")))
#define GHASH_Z_INLINE GHASH_Z_TARGET static inline __attribute__((always_inline))

#define GHASH_Z_BLOCKS 16

extern const ccsp_ghash_impl ccsp_ghash_impl_vpclmul_avx2;

GHASH_Z_INLINE __m128i ghash_z_fold(__m512i v)
{
	__m256i h = _mm256_xor_si256(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
	return _mm_xor_si128(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

/* x = (x ^ b0) H^16 + b1 H^15 + ... + b15 H, one reduction. */
GHASH_Z_INLINE __m128i ghash_z_16(const uint64_t key[CCSP_GHASH_KEY_WORDS], __m128i x, const uint8_t *in)
{
	const __m512i rev = _mm512_set4_epi32(0x00010203, 0x04050607, 0x08090a0b, 0x0c0d0e0f);
	__m512i lo = _mm512_setzero_si512(), mid = lo, hi = lo;
	_Pragma("GCC unroll 4") for (int r = 0; r < GHASH_Z_BLOCKS / 4; r++)
	{
		__m512i a = _mm512_shuffle_epi8(_mm512_loadu_si512(in + 64 * r), rev);
		__m512i h = _mm512_loadu_si512(&key[8 * r]);
		if (r == 0)
			a = _mm512_xor_si512(a, _mm512_zextsi128_si512(x));
		__m512i am = _mm512_xor_si512(a, _mm512_shuffle_epi32(a, _MM_PERM_BADC));
		__m512i hm = _mm512_xor_si512(h, _mm512_shuffle_epi32(h, _MM_PERM_BADC));
		lo = _mm512_xor_si512(lo, _mm512_clmulepi64_epi128(a, h, 0x00));
		hi = _mm512_xor_si512(hi, _mm512_clmulepi64_epi128(a, h, 0x11));
		mid = _mm512_xor_si512(mid, _mm512_clmulepi64_epi128(am, hm, 0x00));
	}
	return ghash_combine(ghash_z_fold(lo), ghash_z_fold(mid), ghash_z_fold(hi));
}

static void ghash_z_init(uint64_t key[CCSP_GHASH_KEY_WORDS], const uint8_t H[16])
{
	ccsp_ghash_impl_vpclmul_avx2.init(key, H);
}

GHASH_Z_TARGET static void ghash_z_blocks(const uint64_t key[CCSP_GHASH_KEY_WORDS], uint8_t X[16], const uint8_t *in,
                                          size_t nblocks)
{
	if (nblocks >= GHASH_Z_BLOCKS) {
		__m128i x = ghash_bswap(_mm_loadu_si128((const __m128i *)X));
		for (; nblocks >= GHASH_Z_BLOCKS; nblocks -= GHASH_Z_BLOCKS, in += 16 * GHASH_Z_BLOCKS)
			x = ghash_z_16(key, x, in);
		_mm_storeu_si128((__m128i *)X, ghash_bswap(x));
		_mm256_zeroupper();
	}
	if (nblocks > 0)
		ccsp_ghash_impl_vpclmul_avx2.blocks(key, X, in, nblocks);
}

const ccsp_ghash_impl ccsp_ghash_impl_vpclmul_avx512 = {
	.name = "vpclmul-avx512",
	.init = ghash_z_init,
	.blocks = ghash_z_blocks,
};

#endif

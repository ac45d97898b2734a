/* SPDX-License-Identifier: Apache-2.0 */
/* SM4 with AES-NI (128-bit AESENCLAST on each lane) and AVX2; see sm4_avx2_tmpl.h. */
#if defined(__x86_64__)

#include <immintrin.h>

#define SM4_AVX2_TARGET __attribute__((target("avx2,aes")))

SM4_AVX2_TARGET static inline __m256i sm4_avx2_aes(__m256i x)
{
	const __m128i zero = _mm_setzero_si128();
	__m128i lo = _mm_aesenclast_si128(_mm256_castsi256_si128(x), zero);
	__m128i hi = _mm_aesenclast_si128(_mm256_extracti128_si256(x, 1), zero);
	return _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
}

#include "sm4_avx2_tmpl.h"

const ccsp_sm4_impl ccsp_sm4_impl_aesni_avx2 = {
	.name = "aesni-avx2",
	.crypt_blocks = sm4_avx2_crypt_blocks,
	.ctr_blocks = sm4_avx2_ctr_blocks,
	.serial_blocks = ccsp_sm4_aesni_serial_blocks,
	.serial_name = "aesni-serial",
};

#endif

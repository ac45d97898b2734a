/* SPDX-License-Identifier: Apache-2.0 */
/* SM4 with VAES (AESENCLAST on a whole ymm register) and AVX2; see sm4_avx2_tmpl.h. */
#if defined(__x86_64__)

#include <immintrin.h>

#define SM4_AVX2_TARGET __attribute__((target("avx2,aes,vaes")))

SM4_AVX2_TARGET static inline __m256i sm4_avx2_aes(__m256i x)
{
	return _mm256_aesenclast_epi128(x, _mm256_setzero_si256());
}

#include "sm4_avx2_tmpl.h"

const ccsp_sm4_impl ccsp_sm4_impl_vaes_avx2 = {
	.name = "vaes-avx2",
	.crypt_blocks = sm4_avx2_crypt_blocks,
	.ctr_blocks = sm4_avx2_ctr_blocks,
	.serial_blocks = ccsp_sm4_aesni_serial_blocks,
	.serial_name = "aesni-serial",
};

#endif

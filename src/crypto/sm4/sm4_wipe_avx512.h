/* SPDX-License-Identifier: Apache-2.0 */
/* Internal: zero the vector registers after AVX-512 code that held secrets in them (sm4_gfni_avx512.c,
 * sm4_gfni_serial.c). */
#ifndef CCSP_SM4_WIPE_AVX512_H
#define CCSP_SM4_WIPE_AVX512_H

#if defined(__x86_64__)
/* Zero every vector register this code may have used (zmm0..31: VZEROALL clears 0..15 only). */
__attribute__((target("avx512f"))) static inline __attribute__((always_inline)) void
ccsp_sm4_wipe_avx512_registers(void)
{
	__asm__ volatile("vzeroall\n\t"
	                 "vpxord %%zmm16, %%zmm16, %%zmm16\n\tvpxord %%zmm17, %%zmm17, %%zmm17\n\t"
	                 "vpxord %%zmm18, %%zmm18, %%zmm18\n\tvpxord %%zmm19, %%zmm19, %%zmm19\n\t"
	                 "vpxord %%zmm20, %%zmm20, %%zmm20\n\tvpxord %%zmm21, %%zmm21, %%zmm21\n\t"
	                 "vpxord %%zmm22, %%zmm22, %%zmm22\n\tvpxord %%zmm23, %%zmm23, %%zmm23\n\t"
	                 "vpxord %%zmm24, %%zmm24, %%zmm24\n\tvpxord %%zmm25, %%zmm25, %%zmm25\n\t"
	                 "vpxord %%zmm26, %%zmm26, %%zmm26\n\tvpxord %%zmm27, %%zmm27, %%zmm27\n\t"
	                 "vpxord %%zmm28, %%zmm28, %%zmm28\n\tvpxord %%zmm29, %%zmm29, %%zmm29\n\t"
	                 "vpxord %%zmm30, %%zmm30, %%zmm30\n\tvpxord %%zmm31, %%zmm31, %%zmm31" ::
	                     : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
	                       "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20",
	                       "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "xmm26", "xmm27", "xmm28", "xmm29", "xmm30",
	                       "xmm31");
}

#endif

#endif

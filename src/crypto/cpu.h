/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: the x86-64 features the fast paths use, read from CPUID for every dispatcher (sm2_dispatch.c,
 * sm3_mb_dispatch.c, sm4_dispatch.c, sm3_compress_avx2.c). A vector feature counts only when the OS also saves its
 * registers (XCR0). All zero elsewhere.
 */
#ifndef CCSP_CPU_H
#define CCSP_CPU_H

typedef struct ccsp_cpu {
	int ssse3, pclmul, aes; /* leaf 1 */
	int bmi2, adx;          /* leaf 7: MULX, ADCX/ADOX (general registers: no OS state needed) */
	int avx2, vaes, vpclmul; /* leaf 7, with the ymm state enabled */
	int avx512;             /* AVX512F and AVX512BW, with the opmask and zmm states enabled */
	int avx512vl, gfni;
} ccsp_cpu;

/* Intel SDM vol. 2A, CPUID leaves 1 and 7, and XGETBV for XCR0. */
ccsp_cpu ccsp_cpu_detect(void);

#endif

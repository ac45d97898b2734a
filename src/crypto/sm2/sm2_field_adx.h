/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: Montgomery multiplication mod p with MULX/ADCX/ADOX (x86-64 BMI2 + ADX). Same algorithm
 * and result as ccsp_sm2_fe_mul_portable: per row of b, a*b[i] is accumulated with two independent
 * carry chains (CF for low halves, OF for high halves), then one reduction step t = t/2^64 + t0*q.
 * The register names rotate by one limb per row instead of moving data. Only run when CPUID
 * reports BMI2 and ADX (sm2_dispatch.c); the assembler accepts the instructions on any x86-64 build.
 */
#ifndef CCSP_SM2_FIELD_ADX_H
#define CCSP_SM2_FIELD_ADX_H

#include "sm2_arith.h"

#if defined(__x86_64__)

static const uint64_t ccsp_sm2_adx_q[3] = {CCSP_SM2_Q0, CCSP_SM2_Q1, CCSP_SM2_Q2};

/* T[0..4] += a * rdx, carry into T5 (zeroed here). */
#define ADX_ROW(T0, T1, T2, T3, T4, T5)                                                           \
	"xorl %k[" #T5 "], %k[" #T5 "]\n\t"                                                        \
	"mulxq %[a0], %[lo], %[hi]\n\t"                                                            \
	"adcxq %[lo], %[" #T0 "]\n\t"                                                              \
	"adoxq %[hi], %[" #T1 "]\n\t"                                                              \
	"mulxq %[a1], %[lo], %[hi]\n\t"                                                            \
	"adcxq %[lo], %[" #T1 "]\n\t"                                                              \
	"adoxq %[hi], %[" #T2 "]\n\t"                                                              \
	"mulxq %[a2], %[lo], %[hi]\n\t"                                                            \
	"adcxq %[lo], %[" #T2 "]\n\t"                                                              \
	"adoxq %[hi], %[" #T3 "]\n\t"                                                              \
	"mulxq %[a3], %[lo], %[hi]\n\t"                                                            \
	"adcxq %[lo], %[" #T3 "]\n\t"                                                              \
	"adoxq %[hi], %[" #T4 "]\n\t"                                                              \
	"adcxq %[z], %[" #T4 "]\n\t"                                                               \
	"adoxq %[z], %[" #T5 "]\n\t"                                                               \
	"adcxq %[z], %[" #T5 "]\n\t"

/* T[1..5] += T0 * q (q has 3 limbs); the value is then T[1..5]. CLR clears the flags. */
#define ADX_RED(T0, T1, T2, T3, T4, T5, CLR)                                                      \
	"movq %[" #T0 "], %%rdx\n\t"                                                               \
	"xorl %k[" #CLR "], %k[" #CLR "]\n\t"                                                      \
	"mulxq %[q0], %[lo], %[hi]\n\t"                                                            \
	"adcxq %[lo], %[" #T1 "]\n\t"                                                              \
	"adoxq %[hi], %[" #T2 "]\n\t"                                                              \
	"mulxq %[q1], %[lo], %[hi]\n\t"                                                            \
	"adcxq %[lo], %[" #T2 "]\n\t"                                                              \
	"adoxq %[hi], %[" #T3 "]\n\t"                                                              \
	"mulxq %[q2], %[lo], %[hi]\n\t"                                                            \
	"adcxq %[lo], %[" #T3 "]\n\t"                                                              \
	"adoxq %[hi], %[" #T4 "]\n\t"                                                              \
	"adcxq %[z], %[" #T4 "]\n\t"                                                               \
	"adoxq %[z], %[" #T5 "]\n\t"                                                               \
	"adcxq %[z], %[" #T5 "]\n\t"

static inline void ccsp_sm2_fe_mul_adx(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	uint64_t r0, r1, r2, r3, r4, r5, lo, hi, z, rdx;
	__asm__("xorl %k[z], %k[z]\n\t"
	        /* row 0: r0..r4 = a * b0 */
	        "movq %[b0], %%rdx\n\t"
	        "mulxq %[a0], %[r0], %[r1]\n\t"
	        "mulxq %[a1], %[lo], %[r2]\n\t"
	        "addq %[lo], %[r1]\n\t"
	        "mulxq %[a2], %[lo], %[r3]\n\t"
	        "adcq %[lo], %[r2]\n\t"
	        "mulxq %[a3], %[lo], %[r4]\n\t"
	        "adcq %[lo], %[r3]\n\t"
	        "adcq %[z], %[r4]\n\t"
	        ADX_RED(r0, r1, r2, r3, r4, r5, r5)
	        "movq %[b1], %%rdx\n\t"
	        ADX_ROW(r1, r2, r3, r4, r5, r0)
	        ADX_RED(r1, r2, r3, r4, r5, r0, lo)
	        "movq %[b2], %%rdx\n\t"
	        ADX_ROW(r2, r3, r4, r5, r0, r1)
	        ADX_RED(r2, r3, r4, r5, r0, r1, lo)
	        "movq %[b3], %%rdx\n\t"
	        ADX_ROW(r3, r4, r5, r0, r1, r2)
	        ADX_RED(r3, r4, r5, r0, r1, r2, lo)
	        : [r0] "=&r"(r0), [r1] "=&r"(r1), [r2] "=&r"(r2), [r3] "=&r"(r3), [r4] "=&r"(r4),
	          [r5] "=&r"(r5), [lo] "=&r"(lo), [hi] "=&r"(hi), [z] "=&r"(z), "=&d"(rdx)
	        : [a0] "m"(a[0]), [a1] "m"(a[1]), [a2] "m"(a[2]), [a3] "m"(a[3]), [b0] "m"(b[0]),
	          [b1] "m"(b[1]), [b2] "m"(b[2]), [b3] "m"(b[3]), [q0] "m"(ccsp_sm2_adx_q[0]),
	          [q1] "m"(ccsp_sm2_adx_q[1]), [q2] "m"(ccsp_sm2_adx_q[2])
	        : "cc");
	(void)rdx;
	(void)lo;
	(void)hi;
	(void)z;
	const uint64_t t[4] = {r4, r5, r0, r1};
	ccsp_sm2_fe_reduce_once(r, t, r2);
}

#undef ADX_ROW
#undef ADX_RED

#endif
#endif

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

static const uint64_t ccsp_sm2_adx_q[4] = {CCSP_SM2_Q0, CCSP_SM2_Q1, CCSP_SM2_Q2, 0}; /* q, then a zero */
static const uint64_t ccsp_sm2_adx_p[4] = {0xffffffffffffffffULL, 0xffffffff00000000ULL, 0xffffffffffffffffULL,
                                           0xfffffffeffffffffULL};

/* T[0..4] += a * rdx, carry into T5 (zeroed here). */
#define ADX_ROW(T0, T1, T2, T3, T4, T5)                                                           \
	"xorl %k[" #T5 "], %k[" #T5 "]\n\t"                                                        \
	"mulxq 0(%[a]), %[lo], %[hi]\n\t"                                                            \
	"adcxq %[lo], %[" #T0 "]\n\t"                                                              \
	"adoxq %[hi], %[" #T1 "]\n\t"                                                              \
	"mulxq 8(%[a]), %[lo], %[hi]\n\t"                                                            \
	"adcxq %[lo], %[" #T1 "]\n\t"                                                              \
	"adoxq %[hi], %[" #T2 "]\n\t"                                                              \
	"mulxq 16(%[a]), %[lo], %[hi]\n\t"                                                            \
	"adcxq %[lo], %[" #T2 "]\n\t"                                                              \
	"adoxq %[hi], %[" #T3 "]\n\t"                                                              \
	"mulxq 24(%[a]), %[lo], %[hi]\n\t"                                                            \
	"adcxq %[lo], %[" #T3 "]\n\t"                                                              \
	"adoxq %[hi], %[" #T4 "]\n\t"                                                              \
	"adcxq %[zero], %[" #T4 "]\n\t"                                                               \
	"adoxq %[zero], %[" #T5 "]\n\t"                                                               \
	"adcxq %[zero], %[" #T5 "]\n\t"

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
	"adcxq %[zero], %[" #T4 "]\n\t"                                                               \
	"adoxq %[zero], %[" #T5 "]\n\t"                                                               \
	"adcxq %[zero], %[" #T5 "]\n\t"

static inline __attribute__((always_inline)) void ccsp_sm2_fe_mul_adx(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	uint64_t r0, r1, r2, r3, r4, r5, lo, hi, rdx;
	__asm__(/* row 0: r0..r4 = a * b0 */
	        "movq 0(%[b]), %%rdx\n\t"
	        "mulxq 0(%[a]), %[r0], %[r1]\n\t"
	        "mulxq 8(%[a]), %[lo], %[r2]\n\t"
	        "addq %[lo], %[r1]\n\t"
	        "mulxq 16(%[a]), %[lo], %[r3]\n\t"
	        "adcq %[lo], %[r2]\n\t"
	        "mulxq 24(%[a]), %[lo], %[r4]\n\t"
	        "adcq %[lo], %[r3]\n\t"
	        "adcq $0, %[r4]\n\t"
	        ADX_RED(r0, r1, r2, r3, r4, r5, r5)
	        "movq 8(%[b]), %%rdx\n\t"
	        ADX_ROW(r1, r2, r3, r4, r5, r0)
	        ADX_RED(r1, r2, r3, r4, r5, r0, lo)
	        "movq 16(%[b]), %%rdx\n\t"
	        ADX_ROW(r2, r3, r4, r5, r0, r1)
	        ADX_RED(r2, r3, r4, r5, r0, r1, lo)
	        "movq 24(%[b]), %%rdx\n\t"
	        ADX_ROW(r3, r4, r5, r0, r1, r2)
	        ADX_RED(r3, r4, r5, r0, r1, r2, lo)
	        /* (r2:r1:r0:r5:r4) < 2p: subtract p, keep the difference unless it borrows */
	        "movq %[r4], %[lo]\n\t"
	        "movq %[r5], %[hi]\n\t"
	        "movq %[r0], %%rdx\n\t"
	        "movq %[r1], %[r3]\n\t"
	        "subq %[p0], %[lo]\n\t"
	        "sbbq %[p1], %[hi]\n\t"
	        "sbbq %[p2], %%rdx\n\t"
	        "sbbq %[p3], %[r3]\n\t"
	        "sbbq $0, %[r2]\n\t"
	        "cmovncq %[lo], %[r4]\n\t"
	        "cmovncq %[hi], %[r5]\n\t"
	        "cmovncq %%rdx, %[r0]\n\t"
	        "cmovncq %[r3], %[r1]\n\t"
	        : [r0] "=&r"(r0), [r1] "=&r"(r1), [r2] "=&r"(r2), [r3] "=&r"(r3), [r4] "=&r"(r4),
	          [r5] "=&r"(r5), [lo] "=&r"(lo), [hi] "=&r"(hi), "=&d"(rdx)
	        : [a] "r"(a), [b] "r"(b), [q0] "m"(ccsp_sm2_adx_q[0]), [q1] "m"(ccsp_sm2_adx_q[1]),
	          [q2] "m"(ccsp_sm2_adx_q[2]), [zero] "m"(ccsp_sm2_adx_q[3]), [p0] "m"(ccsp_sm2_adx_p[0]),
	          [p1] "m"(ccsp_sm2_adx_p[1]), [p2] "m"(ccsp_sm2_adx_p[2]), [p3] "m"(ccsp_sm2_adx_p[3]),
	          "m"(*(const uint64_t(*)[4])a),
	          "m"(*(const uint64_t(*)[4])b)
	        : "cc");
	(void)rdx;
	(void)lo;
	(void)hi;
	(void)r2;
	(void)r3;
	r[0] = r4;
	r[1] = r5;
	r[2] = r0;
	r[3] = r1;
}

/* r = a + b mod p (a, b < p): the sum, minus p unless that borrows (cmov, no branch). */
static inline __attribute__((always_inline)) void ccsp_sm2_fe_add_x86(uint64_t r[4], const uint64_t a[4],
                                                                    const uint64_t b[4])
{
	uint64_t r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], t0, t1, t2, t3, hi;
	__asm__("xorl %k[hi], %k[hi]\n\t"
	        "addq 0(%[b]), %[r0]\n\t"
	        "adcq 8(%[b]), %[r1]\n\t"
	        "adcq 16(%[b]), %[r2]\n\t"
	        "adcq 24(%[b]), %[r3]\n\t"
	        "adcq $0, %[hi]\n\t"
	        "movq %[r0], %[t0]\n\t"
	        "movq %[r1], %[t1]\n\t"
	        "movq %[r2], %[t2]\n\t"
	        "movq %[r3], %[t3]\n\t"
	        "subq %[p0], %[t0]\n\t"
	        "sbbq %[p1], %[t1]\n\t"
	        "sbbq %[p2], %[t2]\n\t"
	        "sbbq %[p3], %[t3]\n\t"
	        "sbbq $0, %[hi]\n\t"
	        "cmovncq %[t0], %[r0]\n\t"
	        "cmovncq %[t1], %[r1]\n\t"
	        "cmovncq %[t2], %[r2]\n\t"
	        "cmovncq %[t3], %[r3]\n\t"
	        : [r0] "+&r"(r0), [r1] "+&r"(r1), [r2] "+&r"(r2), [r3] "+&r"(r3), [t0] "=&r"(t0), [t1] "=&r"(t1),
	          [t2] "=&r"(t2), [t3] "=&r"(t3), [hi] "=&r"(hi)
	        : [b] "r"(b), "m"(*(const uint64_t(*)[4])b), [p0] "m"(ccsp_sm2_adx_p[0]), [p1] "m"(ccsp_sm2_adx_p[1]),
	          [p2] "m"(ccsp_sm2_adx_p[2]), [p3] "m"(ccsp_sm2_adx_p[3])
	        : "cc");
	r[0] = r0;
	r[1] = r1;
	r[2] = r2;
	r[3] = r3;
}

/* r = a - b mod p (a, b < p): the difference, plus p masked by the borrow. */
static inline __attribute__((always_inline)) void ccsp_sm2_fe_sub_x86(uint64_t r[4], const uint64_t a[4],
                                                                    const uint64_t b[4])
{
	uint64_t r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], m = 0, t1, t3;
	__asm__("subq 0(%[b]), %[r0]\n\t"
	        "sbbq 8(%[b]), %[r1]\n\t"
	        "sbbq 16(%[b]), %[r2]\n\t"
	        "sbbq 24(%[b]), %[r3]\n\t"
	        "sbbq %[m], %[m]\n\t"
	        "movq %[m], %[t1]\n\t"
	        "andq %[p1], %[t1]\n\t"
	        "movq %[m], %[t3]\n\t"
	        "andq %[p3], %[t3]\n\t"
	        "addq %[m], %[r0]\n\t"
	        "adcq %[t1], %[r1]\n\t"
	        "adcq %[m], %[r2]\n\t"
	        "adcq %[t3], %[r3]\n\t"
	        : [r0] "+&r"(r0), [r1] "+&r"(r1), [r2] "+&r"(r2), [r3] "+&r"(r3), [m] "+&r"(m), [t1] "=&r"(t1),
	          [t3] "=&r"(t3)
	        : [b] "r"(b), "m"(*(const uint64_t(*)[4])b), [p1] "m"(ccsp_sm2_adx_p[1]), [p3] "m"(ccsp_sm2_adx_p[3])
	        : "cc");
	r[0] = r0;
	r[1] = r1;
	r[2] = r2;
	r[3] = r3;
}

#undef ADX_ROW
#undef ADX_RED

#endif
#endif

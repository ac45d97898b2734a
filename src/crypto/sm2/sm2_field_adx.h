/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: Montgomery multiplication and squaring mod p with MULX/ADCX/ADOX (x86-64 BMI2 + ADX).
 * Same results as ccsp_sm2_fe_mul_portable. The 512-bit product T = H 2^256 + L is formed first
 * (16 MULX for a product, 10 for a square: cross products once, doubled, plus the diagonal), then
 * L is reduced alone and H added:
 *   V = (L + M p) / 2^256 with M = -L p^-1 mod 2^256, four word steps. -p^-1 = 1 mod 2^64, so each
 *   step takes m = the low word w0 and computes (w + m p) / 2^64 = w / 2^64 + m q with
 *   q = (p + 1) / 2^64 = 2^192 - 2^160 - 2^32 + 1: adds and subtracts of m, m << 32 and m >> 32,
 *   no multiplication. w < 2^256 and p < 2^256 - 2^192 keep every step within four words.
 *   V <= p and H < p, so V + H < 2p: one conditional subtraction of p.
 * Splitting the product from the reduction keeps the dependency chains short (the CIOS form
 * interleaves them and is latency bound). Only run when CPUID reports BMI2 and ADX
 * (sm2_dispatch.c); the assembler accepts the instructions on any x86-64 build. The operands
 * take the input pointers in registers: 13 registers for a product, which -O0, sanitizer and
 * frame-pointer builds (gcc and clang) can still allocate (see ADX_READS).
 */
#ifndef CCSP_SM2_FIELD_ADX_H
#define CCSP_SM2_FIELD_ADX_H

#include "sm2_arith.h"

#if defined(__x86_64__)

static const uint64_t ccsp_sm2_adx_p[4] = {0xffffffffffffffffULL, 0xffffffff00000000ULL, 0xffffffffffffffffULL,
                                           0xfffffffeffffffffULL};

/* T0..T3 += a * rdx (T0..T3 hold earlier rows), high word into T4 (cleared here). */
#define ADX_ROW(T0, T1, T2, T3, T4)                                                               \
	"xorl %k[" #T4 "], %k[" #T4 "]\n\t"                                                        \
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
	"adcq $0, %[" #T4 "]\n\t"

/*
 * One reduction step on the window (W0, W1, W2, W3): m = W0, the window becomes
 * (W1, W2, W3, W0) = (W1 + m, W2, W3, m) - (m<<32, m>>32, m<<32, m>>32) with carries, i.e.
 * w / 2^64 + m q. The add may wrap the top word; the subtraction then borrows it back (the true
 * value fits in four words).
 */
#define ADX_RED(W0, W1, W2, W3)                                                                   \
	"movq %[" #W0 "], %[lo]\n\t"                                                               \
	"shlq $32, %[lo]\n\t"                                                                      \
	"movq %[" #W0 "], %[hi]\n\t"                                                               \
	"shrq $32, %[hi]\n\t"                                                                      \
	"addq %[" #W0 "], %[" #W1 "]\n\t"                                                          \
	"adcq $0, %[" #W2 "]\n\t"                                                                  \
	"adcq $0, %[" #W3 "]\n\t"                                                                  \
	"adcq $0, %[" #W0 "]\n\t"                                                                  \
	"subq %[lo], %[" #W1 "]\n\t"                                                               \
	"sbbq %[hi], %[" #W2 "]\n\t"                                                               \
	"sbbq %[lo], %[" #W3 "]\n\t"                                                               \
	"sbbq %[hi], %[" #W0 "]\n\t"

/*
 * (t0..t3) = V after four steps; r = V + (t4..t7), minus p unless that borrows. Leaves the result
 * in t4..t7; t0..t3, lo and hi are scratch.
 */
#define ADX_REDUCE_FINAL                                                                          \
	ADX_RED(t0, t1, t2, t3)                                                                    \
	ADX_RED(t1, t2, t3, t0)                                                                    \
	ADX_RED(t2, t3, t0, t1)                                                                    \
	ADX_RED(t3, t0, t1, t2)                                                                    \
	"xorl %k[hi], %k[hi]\n\t"                                                                  \
	"addq %[t0], %[t4]\n\t"                                                                    \
	"adcq %[t1], %[t5]\n\t"                                                                    \
	"adcq %[t2], %[t6]\n\t"                                                                    \
	"adcq %[t3], %[t7]\n\t"                                                                    \
	"adcq $0, %[hi]\n\t"                                                                       \
	"movq %[t4], %[t0]\n\t"                                                                    \
	"movq %[t5], %[t1]\n\t"                                                                    \
	"movq %[t6], %[t2]\n\t"                                                                    \
	"movq %[t7], %[t3]\n\t"                                                                    \
	"subq %[p0], %[t0]\n\t"                                                                    \
	"sbbq %[p1], %[t1]\n\t"                                                                    \
	"sbbq %[p2], %[t2]\n\t"                                                                    \
	"sbbq %[p3], %[t3]\n\t"                                                                    \
	"sbbq $0, %[hi]\n\t"                                                                       \
	"cmovncq %[t0], %[t4]\n\t"                                                                 \
	"cmovncq %[t1], %[t5]\n\t"                                                                 \
	"cmovncq %[t2], %[t6]\n\t"                                                                 \
	"cmovncq %[t3], %[t7]\n\t"

/*
 * The asm reads the limbs behind its pointer operands. Optimised builds say so with whole-array
 * "m" operands; -O0 gives those their own address registers, more than remain, so there a
 * "memory" clobber says it instead.
 */
#ifdef __OPTIMIZE__
#define ADX_READS(x) , "m"(*(const uint64_t(*)[4])(x))
#define ADX_CLOBBERS "cc"
#else
#define ADX_READS(x)
#define ADX_CLOBBERS "cc", "memory"
#endif

#define ADX_OUTPUTS                                                                               \
	[t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [t4] "=&r"(t4), [t5] "=&r"(t5), \
	[t6] "=&r"(t6), [t7] "=&r"(t7), [lo] "=&r"(lo), [hi] "=&r"(hi), "=&d"(rdx)
#define ADX_P_INPUTS                                                                              \
	[p0] "m"(ccsp_sm2_adx_p[0]), [p1] "m"(ccsp_sm2_adx_p[1]), [p2] "m"(ccsp_sm2_adx_p[2]),     \
	[p3] "m"(ccsp_sm2_adx_p[3])

static inline __attribute__((always_inline)) void ccsp_sm2_fe_mul_adx(uint64_t r[4], const uint64_t a[4],
                                                                    const uint64_t b[4])
{
	uint64_t t0, t1, t2, t3, t4, t5, t6, t7, lo, hi, rdx;
	__asm__(/* row 0: t0..t4 = a * b0 */
	        "movq 0(%[b]), %%rdx\n\t"
	        "mulxq 0(%[a]), %[t0], %[t1]\n\t"
	        "mulxq 8(%[a]), %[lo], %[t2]\n\t"
	        "addq %[lo], %[t1]\n\t"
	        "mulxq 16(%[a]), %[lo], %[t3]\n\t"
	        "adcq %[lo], %[t2]\n\t"
	        "mulxq 24(%[a]), %[lo], %[t4]\n\t"
	        "adcq %[lo], %[t3]\n\t"
	        "adcq $0, %[t4]\n\t"
	        "movq 8(%[b]), %%rdx\n\t"
	        ADX_ROW(t1, t2, t3, t4, t5)
	        "movq 16(%[b]), %%rdx\n\t"
	        ADX_ROW(t2, t3, t4, t5, t6)
	        "movq 24(%[b]), %%rdx\n\t"
	        ADX_ROW(t3, t4, t5, t6, t7)
	        ADX_REDUCE_FINAL
	        : ADX_OUTPUTS
	        : [a] "r"(a), [b] "r"(b) ADX_READS(a) ADX_READS(b), ADX_P_INPUTS
	        : ADX_CLOBBERS);
	(void)t0, (void)t1, (void)t2, (void)t3, (void)lo, (void)hi, (void)rdx;
	r[0] = t4;
	r[1] = t5;
	r[2] = t6;
	r[3] = t7;
}

/*
 * Square: cross products a_i a_j (i < j) into t1..t6, then t = 2 t + the squares a_i^2, the
 * doubling on the CF chain (ADCX) and the squares on the OF chain (ADOX).
 */
static inline __attribute__((always_inline)) void ccsp_sm2_fe_sqr_adx(uint64_t r[4], const uint64_t a[4])
{
	uint64_t t0, t1, t2, t3, t4, t5, t6, t7, lo, hi, rdx;
	__asm__(/* a0 * (a1, a2, a3) -> t1..t4 */
	        "movq 0(%[a]), %%rdx\n\t"
	        "mulxq 8(%[a]), %[t1], %[t2]\n\t"
	        "mulxq 16(%[a]), %[lo], %[t3]\n\t"
	        "addq %[lo], %[t2]\n\t"
	        "mulxq 24(%[a]), %[lo], %[t4]\n\t"
	        "adcq %[lo], %[t3]\n\t"
	        "adcq $0, %[t4]\n\t"
	        /* a1 * (a2, a3) -> t3..t5 */
	        "movq 8(%[a]), %%rdx\n\t"
	        "xorl %k[t5], %k[t5]\n\t"
	        "mulxq 16(%[a]), %[lo], %[hi]\n\t"
	        "adcxq %[lo], %[t3]\n\t"
	        "adoxq %[hi], %[t4]\n\t"
	        "mulxq 24(%[a]), %[lo], %[hi]\n\t"
	        "adcxq %[lo], %[t4]\n\t"
	        "adoxq %[hi], %[t5]\n\t"
	        "adcq $0, %[t5]\n\t"
	        /* a2 * a3 -> t5, t6 */
	        "movq 16(%[a]), %%rdx\n\t"
	        "mulxq 24(%[a]), %[lo], %[t6]\n\t"
	        "addq %[lo], %[t5]\n\t"
	        "adcq $0, %[t6]\n\t"
	        /* t = 2 t + diagonal */
	        "movq 0(%[a]), %%rdx\n\t"
	        "xorl %k[t7], %k[t7]\n\t"
	        "mulxq %%rdx, %[t0], %[hi]\n\t"
	        "adcxq %[t1], %[t1]\n\t"
	        "adoxq %[hi], %[t1]\n\t"
	        "movq 8(%[a]), %%rdx\n\t"
	        "mulxq %%rdx, %[lo], %[hi]\n\t"
	        "adcxq %[t2], %[t2]\n\t"
	        "adoxq %[lo], %[t2]\n\t"
	        "adcxq %[t3], %[t3]\n\t"
	        "adoxq %[hi], %[t3]\n\t"
	        "movq 16(%[a]), %%rdx\n\t"
	        "mulxq %%rdx, %[lo], %[hi]\n\t"
	        "adcxq %[t4], %[t4]\n\t"
	        "adoxq %[lo], %[t4]\n\t"
	        "adcxq %[t5], %[t5]\n\t"
	        "adoxq %[hi], %[t5]\n\t"
	        "movq 24(%[a]), %%rdx\n\t"
	        "mulxq %%rdx, %[lo], %[hi]\n\t"
	        "adcxq %[t6], %[t6]\n\t"
	        "adoxq %[lo], %[t6]\n\t"
	        "adcxq %[t7], %[t7]\n\t"
	        "adoxq %[hi], %[t7]\n\t"
	        ADX_REDUCE_FINAL
	        : ADX_OUTPUTS
	        : [a] "r"(a) ADX_READS(a), ADX_P_INPUTS
	        : ADX_CLOBBERS);
	(void)t0, (void)t1, (void)t2, (void)t3, (void)lo, (void)hi, (void)rdx;
	r[0] = t4;
	r[1] = t5;
	r[2] = t6;
	r[3] = t7;
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

/*
 * y = -y mod p when mask is all-ones, else y unchanged (y < p). The negation and the choice in one asm
 * block: as C, GCC vectorised the choice through the stack (two 8-byte stores read back by one 16-byte
 * load, a store-forwarding stall; a twelfth of a signing-context signature under perf). CMOV on the flags
 * of a test of mask, no branch.
 */
static inline __attribute__((always_inline)) void ccsp_sm2_fe_cond_neg_x86(uint64_t y[4], uint64_t mask)
{
	uint64_t r0 = 0, r1 = 0, r2 = 0, r3 = 0, m = 0, t1, t3;
	__asm__("subq 0(%[y]), %[r0]\n\t"
	        "sbbq 8(%[y]), %[r1]\n\t"
	        "sbbq 16(%[y]), %[r2]\n\t"
	        "sbbq 24(%[y]), %[r3]\n\t"
	        "sbbq %[m], %[m]\n\t"
	        "movq %[m], %[t1]\n\t"
	        "andq %[p1], %[t1]\n\t"
	        "movq %[m], %[t3]\n\t"
	        "andq %[p3], %[t3]\n\t"
	        "addq %[m], %[r0]\n\t"
	        "adcq %[t1], %[r1]\n\t"
	        "adcq %[m], %[r2]\n\t"
	        "adcq %[t3], %[r3]\n\t"
	        "testq %[mask], %[mask]\n\t"
	        "cmovzq 0(%[y]), %[r0]\n\t"
	        "cmovzq 8(%[y]), %[r1]\n\t"
	        "cmovzq 16(%[y]), %[r2]\n\t"
	        "cmovzq 24(%[y]), %[r3]\n\t"
	        : [r0] "+&r"(r0), [r1] "+&r"(r1), [r2] "+&r"(r2), [r3] "+&r"(r3), [m] "+&r"(m), [t1] "=&r"(t1),
	          [t3] "=&r"(t3)
	        : [y] "r"(y), [mask] "r"(mask), "m"(*(const uint64_t(*)[4])y), [p1] "m"(ccsp_sm2_adx_p[1]),
	          [p3] "m"(ccsp_sm2_adx_p[3])
	        : "cc");
	y[0] = r0;
	y[1] = r1;
	y[2] = r2;
	y[3] = r3;
}

/*
 * r = mask ? a : b (r may alias a or b), by CMOV on the flags of a test of mask. As C over 8-byte limbs,
 * GCC vectorised it with 16-byte loads of limbs just written by 8-byte stores (the assembly point cores
 * write their results that way): a store-forwarding stall at every select after a point operation.
 */
static inline __attribute__((always_inline)) void ccsp_sm2_fe_select_x86(uint64_t r[4], uint64_t mask,
                                                                       const uint64_t a[4], const uint64_t b[4])
{
	uint64_t r0, r1, r2, r3;
	__asm__("movq 0(%[b]), %[r0]\n\t"
	        "movq 8(%[b]), %[r1]\n\t"
	        "movq 16(%[b]), %[r2]\n\t"
	        "movq 24(%[b]), %[r3]\n\t"
	        "testq %[mask], %[mask]\n\t"
	        "cmovnzq 0(%[a]), %[r0]\n\t"
	        "cmovnzq 8(%[a]), %[r1]\n\t"
	        "cmovnzq 16(%[a]), %[r2]\n\t"
	        "cmovnzq 24(%[a]), %[r3]\n\t"
	        : [r0] "=&r"(r0), [r1] "=&r"(r1), [r2] "=&r"(r2), [r3] "=&r"(r3)
	        : [a] "r"(a), [b] "r"(b), [mask] "r"(mask), "m"(*(const uint64_t(*)[4])a),
	          "m"(*(const uint64_t(*)[4])b)
	        : "cc");
	r[0] = r0;
	r[1] = r1;
	r[2] = r2;
	r[3] = r3;
}

#undef ADX_ROW
#undef ADX_RED
#undef ADX_REDUCE_FINAL
#undef ADX_OUTPUTS
#undef ADX_P_INPUTS
#undef ADX_READS
#undef ADX_CLOBBERS

#endif
#endif

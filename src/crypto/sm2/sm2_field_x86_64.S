/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SM2 field arithmetic mod p = 2^256 - 2^224 - 2^96 + 2^64 - 1 in x86-64 assembly (BMI2 MULX,
 * ADX ADCX/ADOX), and the point doubling built on it. Montgomery form, R = 2^256, same results as
 * ccsp_sm2_fe_mul_portable; called only when CPUID reports BMI2 and ADX (sm2_dispatch.c).
 *
 * Montgomery step. -p^-1 = 1 mod 2^64, so the multiple of p that clears the low word w0 of a
 * window w is m = w0, and (w + m p) / 2^64 = floor(w / 2^64) + m q with
 * q = (p + 1) / 2^64 = 2^192 - 2^160 - 2^32 + 1. With lo = m << 32 and hi = m >> 32,
 *   m q = (m, 0, 0, m) - (lo, hi, lo, hi)        (64-bit words, least significant first),
 * so a step is two shifts and one add and one subtract chain, no multiplication.
 *
 * Multiplication interleaves the four steps with the rows a * b_i (operand scanning): after row i
 * the low word of the window is final and its step runs while the next row is formed. Invariant:
 * after step i the window holds (a * (b mod 2^(64(i+1))) + M p) / 2^(64(i+1)) < a + p < 2p, four
 * words and a top bit; adding a * b_(i+1) < p 2^64 stays below 2^320 (p (2^64 + 2) < 2^320), so
 * five words always hold it. The rows keep the low products on the CF chain (ADCX) and the high
 * products on the OF chain (ADOX); the steps use ADD/SUB, which write every flag, so they sit
 * between rows.
 *
 * Squaring forms the 512-bit square first (cross products once, doubled on the CF chain while the
 * squares a_i^2 go on the OF chain), reduces the low half L in place (a four-word window suffices:
 * floor(w / 2^64) + m q < 2^192 + 2^256 - 2^192) to V = (L + M p) / 2^256 <= p, then adds the high
 * half H < p: V + H and V + (H - p), with H - p formed during the reduction, run as two parallel
 * carry chains and CMOV picks one. Multiplication ends with one conditional subtraction of p, also
 * by CMOV (no branch).
 *
 * Internal routines pass values in registers: operand A in r12..r15 (least significant first),
 * the result in r12..r15, a second operand by pointer in rbx. They clobber every other
 * general-purpose register except rsp and keep no secret-dependent branch or memory index.
 * The exported functions follow the System V ABI.
 */
#if defined(__x86_64__) && defined(__ELF__)

	.section .rodata
	.balign 32
.Lp:
	.quad 0xffffffffffffffff, 0xffffffff00000000, 0xffffffffffffffff, 0xfffffffeffffffff

	.text

/* (top:w0..w3) < 2p -> r12..r15 = that minus p unless the subtraction borrows. */
.macro COND_SUB_P w0, w1, w2, w3, top
	movq	\w0, %r12
	movq	\w1, %r13
	movq	\w2, %r14
	movq	\w3, %r15
	subq	$-1, \w0
	sbbq	.Lp+8(%rip), \w1
	sbbq	$-1, \w2
	sbbq	.Lp+24(%rip), \w3
	sbbq	$0, \top
	cmovncq	\w0, %r12
	cmovncq	\w1, %r13
	cmovncq	\w2, %r14
	cmovncq	\w3, %r15
.endm

/* One Montgomery step on the five-word window (m, w1, w2, w3, w4): the result goes to
 * (w1, w2, w3, w4, top), top <= 1. */
.macro RED5 m, w1, w2, w3, w4, top
	movq	\m, %rax
	shlq	$32, %rax
	movq	\m, %rsi
	shrq	$32, %rsi
	xorq	\top, \top
	addq	\m, \w1
	adcq	$0, \w2
	adcq	$0, \w3
	adcq	\m, \w4
	adcq	$0, \top
	subq	%rax, \w1
	sbbq	%rsi, \w2
	sbbq	%rax, \w3
	sbbq	%rsi, \w4
	sbbq	$0, \top
.endm

/* One Montgomery step on the four-word window (m, w1, w2, w3): the result goes to (w1, w2, w3, m).
 * The add may wrap the top word; the subtraction borrows it back (the true value fits). */
.macro RED4 m, w1, w2, w3
	movq	\m, %rax
	shlq	$32, %rax
	movq	\m, %rsi
	shrq	$32, %rsi
	addq	\m, \w1
	adcq	$0, \w2
	adcq	$0, \w3
	adcq	$0, \m
	subq	%rax, \w1
	sbbq	%rsi, \w2
	sbbq	%rax, \w3
	sbbq	%rsi, \m
.endm

/* (w0..w4) += A * rdx; w4 <= 1 on entry and the sum fits in five words. */
.macro ROW w0, w1, w2, w3, w4
	xorl	%edi, %edi
	mulxq	%r12, %rax, %rsi
	adcxq	%rax, \w0
	adoxq	%rsi, \w1
	mulxq	%r13, %rax, %rsi
	adcxq	%rax, \w1
	adoxq	%rsi, \w2
	mulxq	%r14, %rax, %rsi
	adcxq	%rax, \w2
	adoxq	%rsi, \w3
	mulxq	%r15, %rax, %rsi
	adcxq	%rax, \w3
	adoxq	%rsi, \w4
	adcxq	%rdi, \w4
.endm

/* A = A * [rbx] / R mod p */
	.type	sm2_mul_core, @function
	.balign	32
sm2_mul_core:
	.cfi_startproc
	movq	0(%rbx), %rdx
	mulxq	%r12, %r8, %r9
	mulxq	%r13, %rax, %r10
	mulxq	%r14, %rsi, %r11
	mulxq	%r15, %rdi, %rcx
	addq	%rax, %r9
	adcq	%rsi, %r10
	adcq	%rdi, %r11
	adcq	$0, %rcx
	movq	8(%rbx), %rdx
	RED5	%r8, %r9, %r10, %r11, %rcx, %rbp
	ROW	%r9, %r10, %r11, %rcx, %rbp
	movq	16(%rbx), %rdx
	RED5	%r9, %r10, %r11, %rcx, %rbp, %r8
	ROW	%r10, %r11, %rcx, %rbp, %r8
	movq	24(%rbx), %rdx
	RED5	%r10, %r11, %rcx, %rbp, %r8, %r9
	ROW	%r11, %rcx, %rbp, %r8, %r9
	RED5	%r11, %rcx, %rbp, %r8, %r9, %r10
	COND_SUB_P %rcx, %rbp, %r8, %r9, %r10
	ret
	.cfi_endproc
	.size	sm2_mul_core, .-sm2_mul_core

/* A = A^2 / R mod p */
	.type	sm2_sqr_core, @function
	.balign	32
sm2_sqr_core:
	.cfi_startproc
	/* cross products a_i a_j, i < j, into r9..rbx (words 1..6) */
	movq	%r12, %rdx
	mulxq	%r13, %r9, %r10
	mulxq	%r14, %rax, %r11
	mulxq	%r15, %rsi, %rcx
	addq	%rax, %r10
	adcq	%rsi, %r11
	adcq	$0, %rcx
	movq	%r13, %rdx
	xorl	%ebp, %ebp
	mulxq	%r14, %rax, %rsi
	adcxq	%rax, %r11
	adoxq	%rsi, %rcx
	mulxq	%r15, %rax, %rsi
	adcxq	%rax, %rcx
	adoxq	%rsi, %rbp
	adcq	$0, %rbp
	movq	%r14, %rdx
	mulxq	%r15, %rax, %rbx
	addq	%rax, %rbp
	adcq	$0, %rbx
	/* twice that plus the squares: words 0..7 in r8..r11, rcx, rbp, rbx, rdi */
	xorl	%edi, %edi
	movq	%r12, %rdx
	mulxq	%rdx, %r8, %rsi
	adcxq	%r9, %r9
	adoxq	%rsi, %r9
	movq	%r13, %rdx
	mulxq	%rdx, %rax, %rsi
	adcxq	%r10, %r10
	adoxq	%rax, %r10
	adcxq	%r11, %r11
	adoxq	%rsi, %r11
	movq	%r14, %rdx
	mulxq	%rdx, %rax, %rsi
	adcxq	%rcx, %rcx
	adoxq	%rax, %rcx
	adcxq	%rbp, %rbp
	adoxq	%rsi, %rbp
	movq	%r15, %rdx
	mulxq	%rdx, %rax, %rsi
	adcxq	%rbx, %rbx
	adoxq	%rax, %rbx
	adcxq	%rdi, %rdi
	adoxq	%rsi, %rdi
	/* H - p mod 2^256 in r12..r15 (A is no longer needed), off the path of the reduction */
	movq	%rcx, %r12
	movq	%rbp, %r13
	movq	%rbx, %r14
	movq	%rdi, %r15
	subq	$-1, %r12
	sbbq	.Lp+8(%rip), %r13
	sbbq	$-1, %r14
	sbbq	.Lp+24(%rip), %r15
	/* V = reduced low half in r8..r11 */
	RED4	%r8, %r9, %r10, %r11
	RED4	%r9, %r10, %r11, %r8
	RED4	%r10, %r11, %r8, %r9
	RED4	%r11, %r8, %r9, %r10
	/* V + H < 2p and V + (H - p) side by side (OF and CF chains): the latter carries out exactly
	 * when V + H >= p, and then it is the result (when V + H >= 2^256 it carries too) */
	xorl	%eax, %eax
	adoxq	%r8, %r12
	adcxq	%r8, %rcx
	adoxq	%r9, %r13
	adcxq	%r9, %rbp
	adoxq	%r10, %r14
	adcxq	%r10, %rbx
	adoxq	%r11, %r15
	adcxq	%r11, %rdi
	cmovnoq	%rcx, %r12
	cmovnoq	%rbp, %r13
	cmovnoq	%rbx, %r14
	cmovnoq	%rdi, %r15
	ret
	.cfi_endproc
	.size	sm2_sqr_core, .-sm2_sqr_core

/* A = A + [rbx] mod p (both < p) */
.macro FE_ADD_MEM
	xorl	%eax, %eax
	addq	0(%rbx), %r12
	adcq	8(%rbx), %r13
	adcq	16(%rbx), %r14
	adcq	24(%rbx), %r15
	adcq	$0, %rax
	movq	%r12, %r8
	movq	%r13, %r9
	movq	%r14, %r10
	movq	%r15, %r11
	COND_SUB_P %r8, %r9, %r10, %r11, %rax
.endm

/* A = 2 A mod p */
.macro FE_DBL
	xorl	%eax, %eax
	addq	%r12, %r12
	adcq	%r13, %r13
	adcq	%r14, %r14
	adcq	%r15, %r15
	adcq	$0, %rax
	movq	%r12, %r8
	movq	%r13, %r9
	movq	%r14, %r10
	movq	%r15, %r11
	COND_SUB_P %r8, %r9, %r10, %r11, %rax
.endm

/* A = A - [rbx] mod p (both < p): the difference, plus p masked by the borrow */
.macro FE_SUB_MEM
	subq	0(%rbx), %r12
	sbbq	8(%rbx), %r13
	sbbq	16(%rbx), %r14
	sbbq	24(%rbx), %r15
	sbbq	%rax, %rax
	movq	%rax, %r9
	andq	.Lp+8(%rip), %r9
	movq	%rax, %r11
	andq	.Lp+24(%rip), %r11
	addq	%rax, %r12
	adcq	%r9, %r13
	adcq	%rax, %r14
	adcq	%r11, %r15
.endm

.macro LOAD_A off, base
	movq	\off+0(\base), %r12
	movq	\off+8(\base), %r13
	movq	\off+16(\base), %r14
	movq	\off+24(\base), %r15
.endm

.macro STORE_A off, base
	movq	%r12, \off+0(\base)
	movq	%r13, \off+8(\base)
	movq	%r14, \off+16(\base)
	movq	%r15, \off+24(\base)
.endm

.macro SAVE_REG reg
	pushq	\reg
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset \reg, 0
.endm

.macro RESTORE_REG reg
	popq	\reg
	.cfi_adjust_cfa_offset -8
	.cfi_restore \reg
.endm

.macro PUSH_CALLEE
	SAVE_REG	%rbx
	SAVE_REG	%rbp
	SAVE_REG	%r12
	SAVE_REG	%r13
	SAVE_REG	%r14
	SAVE_REG	%r15
.endm

.macro POP_CALLEE
	RESTORE_REG	%r15
	RESTORE_REG	%r14
	RESTORE_REG	%r13
	RESTORE_REG	%r12
	RESTORE_REG	%rbp
	RESTORE_REG	%rbx
.endm

/* void ccsp_sm2_asm_fe_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]) */
	.globl	ccsp_sm2_asm_fe_mul
	.hidden	ccsp_sm2_asm_fe_mul
	.type	ccsp_sm2_asm_fe_mul, @function
	.balign	32
ccsp_sm2_asm_fe_mul:
	.cfi_startproc
	endbr64
	PUSH_CALLEE
	SAVE_REG	%rdi
	movq	%rdx, %rbx
	LOAD_A	0, %rsi
	call	sm2_mul_core
	RESTORE_REG	%rdi
	STORE_A	0, %rdi
	POP_CALLEE
	ret
	.cfi_endproc
	.size	ccsp_sm2_asm_fe_mul, .-ccsp_sm2_asm_fe_mul

/* void ccsp_sm2_asm_fe_sqr(uint64_t r[4], const uint64_t a[4]) */
	.globl	ccsp_sm2_asm_fe_sqr
	.hidden	ccsp_sm2_asm_fe_sqr
	.type	ccsp_sm2_asm_fe_sqr, @function
	.balign	32
ccsp_sm2_asm_fe_sqr:
	.cfi_startproc
	endbr64
	PUSH_CALLEE
	SAVE_REG	%rdi
	LOAD_A	0, %rsi
	call	sm2_sqr_core
	RESTORE_REG	%rdi
	STORE_A	0, %rdi
	POP_CALLEE
	ret
	.cfi_endproc
	.size	ccsp_sm2_asm_fe_sqr, .-ccsp_sm2_asm_fe_sqr

/*
 * void ccsp_sm2_asm_point_dbl(ccsp_sm2_jpoint *r, const ccsp_sm2_jpoint *a), r may alias a.
 * dbl-2001-b (a = -3), as point_dbl in sm2_curve_tmpl.h:
 *   delta = Z^2, gamma = Y^2, beta = X gamma, alpha = 3 (X - delta)(X + delta),
 *   X3 = alpha^2 - 8 beta, Z3 = (Y + Z)^2 - gamma - delta, Y3 = alpha (4 beta - X3) - 8 gamma^2.
 * Independent products sit next to each other so that the out-of-order core overlaps them.
 * a is read completely before r is written.
 */
#define DBL_R 0
#define DBL_A 8
#define DBL_DELTA 16
#define DBL_GAMMA 48
#define DBL_BETA 80
#define DBL_ALPHA 112
#define DBL_T0 144
#define DBL_G2 176
#define DBL_FRAME 216
	.globl	ccsp_sm2_asm_point_dbl
	.hidden	ccsp_sm2_asm_point_dbl
	.type	ccsp_sm2_asm_point_dbl, @function
	.balign	32
ccsp_sm2_asm_point_dbl:
	.cfi_startproc
	endbr64
	PUSH_CALLEE
	subq	$DBL_FRAME, %rsp
	.cfi_adjust_cfa_offset DBL_FRAME
	movq	%rdi, DBL_R(%rsp)
	movq	%rsi, DBL_A(%rsp)
	LOAD_A	64, %rsi
	call	sm2_sqr_core			/* delta */
	STORE_A	DBL_DELTA, %rsp
	movq	DBL_A(%rsp), %rsi
	LOAD_A	32, %rsi
	call	sm2_sqr_core			/* gamma */
	STORE_A	DBL_GAMMA, %rsp
	movq	DBL_A(%rsp), %rbx
	call	sm2_mul_core			/* beta = X gamma */
	FE_DBL
	FE_DBL
	STORE_A	DBL_BETA, %rsp			/* 4 beta */
	movq	DBL_A(%rsp), %rsi
	LOAD_A	0, %rsi
	leaq	DBL_DELTA(%rsp), %rbx
	FE_SUB_MEM
	STORE_A	DBL_T0, %rsp			/* X - delta */
	movq	DBL_A(%rsp), %rsi
	LOAD_A	0, %rsi
	leaq	DBL_DELTA(%rsp), %rbx
	FE_ADD_MEM				/* X + delta */
	leaq	DBL_T0(%rsp), %rbx
	call	sm2_mul_core
	STORE_A	DBL_ALPHA, %rsp
	FE_DBL
	leaq	DBL_ALPHA(%rsp), %rbx
	FE_ADD_MEM
	STORE_A	DBL_ALPHA, %rsp			/* alpha */
	LOAD_A	DBL_GAMMA, %rsp
	call	sm2_sqr_core			/* gamma^2 */
	FE_DBL
	FE_DBL
	FE_DBL
	STORE_A	DBL_G2, %rsp			/* 8 gamma^2 */
	movq	DBL_A(%rsp), %rsi
	LOAD_A	32, %rsi
	leaq	64(%rsi), %rbx
	FE_ADD_MEM				/* Y + Z */
	call	sm2_sqr_core
	leaq	DBL_GAMMA(%rsp), %rbx
	FE_SUB_MEM
	leaq	DBL_DELTA(%rsp), %rbx
	FE_SUB_MEM
	STORE_A	DBL_T0, %rsp			/* Z3 */
	LOAD_A	DBL_ALPHA, %rsp
	call	sm2_sqr_core			/* alpha^2 */
	leaq	DBL_BETA(%rsp), %rbx
	FE_SUB_MEM
	FE_SUB_MEM
	movq	DBL_R(%rsp), %rdi
	STORE_A	0, %rdi				/* X3 = alpha^2 - 8 beta */
	LOAD_A	DBL_T0, %rsp
	STORE_A	64, %rdi			/* a is fully read: Z3 out */
	LOAD_A	DBL_BETA, %rsp
	movq	%rdi, %rbx
	FE_SUB_MEM				/* 4 beta - X3 */
	leaq	DBL_ALPHA(%rsp), %rbx
	call	sm2_mul_core
	leaq	DBL_G2(%rsp), %rbx
	FE_SUB_MEM
	movq	DBL_R(%rsp), %rdi
	STORE_A	32, %rdi			/* Y3 */
	addq	$DBL_FRAME, %rsp
	.cfi_adjust_cfa_offset -DBL_FRAME
	POP_CALLEE
	ret
	.cfi_endproc
	.size	ccsp_sm2_asm_point_dbl, .-ccsp_sm2_asm_point_dbl

/* rax = all-ones when A == 0 (no branch) */
.macro ZERO_MASK_A
	movq	%r12, %rax
	orq	%r13, %rax
	orq	%r14, %rax
	orq	%r15, %rax
	negq	%rax
	sbbq	%rax, %rax
	notq	%rax
.endm

.macro FRAME_ENTER size
	endbr64
	PUSH_CALLEE
	subq	$\size, %rsp
	.cfi_adjust_cfa_offset \size
.endm

.macro FRAME_LEAVE size
	addq	$\size, %rsp
	.cfi_adjust_cfa_offset -\size
	POP_CALLEE
	ret
.endm

/* Copy 32 bytes from off1(base1) to off2(base2) through A. */
.macro COPY_FE off1, base1, off2, base2
	LOAD_A	\off1, \base1
	STORE_A	\off2, \base2
.endm

/*
 * uint64_t ccsp_sm2_asm_point_add_core(ccsp_sm2_jpoint *r, const ccsp_sm2_jpoint *a,
 *                                      const ccsp_sm2_jpoint *b)
 * add-1998-cmo-2, as point_add_core in sm2_curve_tmpl.h: r = a + b for finite a != +-b; returns
 * all-ones when H = R = 0 (a == b). r may alias a or b: it is written last.
 */
#define ADD_R 0
#define ADD_A 8
#define ADD_B 16
#define ADD_MASK 24
#define ADD_Z1Z1 32
#define ADD_Z2Z2 64
#define ADD_U1 96
#define ADD_U2 128
#define ADD_S1 160
#define ADD_S2 192
#define ADD_H 224
#define ADD_RR 256
#define ADD_HH 288
#define ADD_HHH 320
#define ADD_V 352
#define ADD_X3 384
#define ADD_Z3 416
#define ADD_FRAME 456
	.globl	ccsp_sm2_asm_point_add_core
	.hidden	ccsp_sm2_asm_point_add_core
	.type	ccsp_sm2_asm_point_add_core, @function
	.balign	32
ccsp_sm2_asm_point_add_core:
	.cfi_startproc
	FRAME_ENTER ADD_FRAME
	movq	%rdi, ADD_R(%rsp)
	movq	%rsi, ADD_A(%rsp)
	movq	%rdx, ADD_B(%rsp)
	LOAD_A	64, %rdx
	call	sm2_sqr_core
	STORE_A	ADD_Z2Z2, %rsp
	movq	ADD_A(%rsp), %rbx
	call	sm2_mul_core			/* U1 = X1 Z2^2 */
	STORE_A	ADD_U1, %rsp
	movq	ADD_A(%rsp), %rsi
	LOAD_A	64, %rsi
	call	sm2_sqr_core
	STORE_A	ADD_Z1Z1, %rsp
	movq	ADD_B(%rsp), %rbx
	call	sm2_mul_core			/* U2 = X2 Z1^2 */
	STORE_A	ADD_U2, %rsp
	movq	ADD_B(%rsp), %rsi
	LOAD_A	64, %rsi
	leaq	ADD_Z2Z2(%rsp), %rbx
	call	sm2_mul_core
	movq	ADD_A(%rsp), %rbx
	addq	$32, %rbx
	call	sm2_mul_core			/* S1 = Y1 Z2^3 */
	STORE_A	ADD_S1, %rsp
	movq	ADD_A(%rsp), %rsi
	LOAD_A	64, %rsi
	leaq	ADD_Z1Z1(%rsp), %rbx
	call	sm2_mul_core
	movq	ADD_B(%rsp), %rbx
	addq	$32, %rbx
	call	sm2_mul_core			/* S2 = Y2 Z1^3 */
	leaq	ADD_S1(%rsp), %rbx
	FE_SUB_MEM
	STORE_A	ADD_RR, %rsp			/* R = S2 - S1 */
	ZERO_MASK_A
	movq	%rax, ADD_MASK(%rsp)
	LOAD_A	ADD_U2, %rsp
	leaq	ADD_U1(%rsp), %rbx
	FE_SUB_MEM
	STORE_A	ADD_H, %rsp			/* H = U2 - U1 */
	ZERO_MASK_A
	andq	%rax, ADD_MASK(%rsp)
	call	sm2_sqr_core
	STORE_A	ADD_HH, %rsp
	leaq	ADD_H(%rsp), %rbx
	call	sm2_mul_core
	STORE_A	ADD_HHH, %rsp
	LOAD_A	ADD_U1, %rsp
	leaq	ADD_HH(%rsp), %rbx
	call	sm2_mul_core
	STORE_A	ADD_V, %rsp			/* V = U1 H^2 */
	movq	ADD_A(%rsp), %rsi
	LOAD_A	64, %rsi
	movq	ADD_B(%rsp), %rbx
	addq	$64, %rbx
	call	sm2_mul_core
	leaq	ADD_H(%rsp), %rbx
	call	sm2_mul_core
	STORE_A	ADD_Z3, %rsp			/* Z3 = Z1 Z2 H */
	LOAD_A	ADD_RR, %rsp
	call	sm2_sqr_core
	leaq	ADD_HHH(%rsp), %rbx
	FE_SUB_MEM
	leaq	ADD_V(%rsp), %rbx
	FE_SUB_MEM
	FE_SUB_MEM
	STORE_A	ADD_X3, %rsp			/* X3 = R^2 - H^3 - 2 V */
	LOAD_A	ADD_S1, %rsp
	leaq	ADD_HHH(%rsp), %rbx
	call	sm2_mul_core
	STORE_A	ADD_S1, %rsp			/* S1 H^3 */
	LOAD_A	ADD_V, %rsp
	leaq	ADD_X3(%rsp), %rbx
	FE_SUB_MEM
	leaq	ADD_RR(%rsp), %rbx
	call	sm2_mul_core
	leaq	ADD_S1(%rsp), %rbx
	FE_SUB_MEM				/* Y3 = R (V - X3) - S1 H^3 */
	movq	ADD_R(%rsp), %rdi
	STORE_A	32, %rdi
	COPY_FE	ADD_X3, %rsp, 0, %rdi
	COPY_FE	ADD_Z3, %rsp, 64, %rdi
	movq	ADD_MASK(%rsp), %rax
	FRAME_LEAVE ADD_FRAME
	.cfi_endproc
	.size	ccsp_sm2_asm_point_add_core, .-ccsp_sm2_asm_point_add_core

/*
 * uint64_t ccsp_sm2_asm_point_madd_core(ccsp_sm2_jpoint *r, const ccsp_sm2_jpoint *a,
 *                                       const ccsp_sm2_apoint *b)
 * The same with Z2 = 1 (madd): r = a + (b.x, b.y, 1) for finite a != +-b; returns all-ones when
 * H = R = 0. r may alias a: it is written last.
 */
	.globl	ccsp_sm2_asm_point_madd_core
	.hidden	ccsp_sm2_asm_point_madd_core
	.type	ccsp_sm2_asm_point_madd_core, @function
	.balign	32
ccsp_sm2_asm_point_madd_core:
	.cfi_startproc
	FRAME_ENTER ADD_FRAME
	movq	%rdi, ADD_R(%rsp)
	movq	%rsi, ADD_A(%rsp)
	movq	%rdx, ADD_B(%rsp)
	LOAD_A	64, %rsi
	call	sm2_sqr_core
	STORE_A	ADD_Z1Z1, %rsp
	movq	ADD_B(%rsp), %rbx
	call	sm2_mul_core			/* U2 = x2 Z1^2 */
	movq	ADD_A(%rsp), %rbx
	FE_SUB_MEM
	STORE_A	ADD_H, %rsp			/* H = U2 - X1 */
	ZERO_MASK_A
	movq	%rax, ADD_MASK(%rsp)
	movq	ADD_A(%rsp), %rsi
	LOAD_A	64, %rsi
	leaq	ADD_Z1Z1(%rsp), %rbx
	call	sm2_mul_core
	movq	ADD_B(%rsp), %rbx
	addq	$32, %rbx
	call	sm2_mul_core			/* S2 = y2 Z1^3 */
	movq	ADD_A(%rsp), %rbx
	addq	$32, %rbx
	FE_SUB_MEM
	STORE_A	ADD_RR, %rsp			/* R = S2 - Y1 */
	ZERO_MASK_A
	andq	%rax, ADD_MASK(%rsp)
	LOAD_A	ADD_H, %rsp
	call	sm2_sqr_core
	STORE_A	ADD_HH, %rsp
	leaq	ADD_H(%rsp), %rbx
	call	sm2_mul_core
	STORE_A	ADD_HHH, %rsp
	LOAD_A	ADD_HH, %rsp
	movq	ADD_A(%rsp), %rbx
	call	sm2_mul_core
	STORE_A	ADD_V, %rsp			/* V = X1 H^2 */
	movq	ADD_A(%rsp), %rsi
	LOAD_A	64, %rsi
	leaq	ADD_H(%rsp), %rbx
	call	sm2_mul_core
	STORE_A	ADD_Z3, %rsp			/* Z3 = Z1 H */
	LOAD_A	ADD_RR, %rsp
	call	sm2_sqr_core
	leaq	ADD_HHH(%rsp), %rbx
	FE_SUB_MEM
	leaq	ADD_V(%rsp), %rbx
	FE_SUB_MEM
	FE_SUB_MEM
	STORE_A	ADD_X3, %rsp			/* X3 = R^2 - H^3 - 2 V */
	movq	ADD_A(%rsp), %rsi
	LOAD_A	32, %rsi
	leaq	ADD_HHH(%rsp), %rbx
	call	sm2_mul_core
	STORE_A	ADD_S1, %rsp			/* Y1 H^3 */
	LOAD_A	ADD_V, %rsp
	leaq	ADD_X3(%rsp), %rbx
	FE_SUB_MEM
	leaq	ADD_RR(%rsp), %rbx
	call	sm2_mul_core
	leaq	ADD_S1(%rsp), %rbx
	FE_SUB_MEM				/* Y3 = R (V - X3) - Y1 H^3 */
	movq	ADD_R(%rsp), %rdi
	STORE_A	32, %rdi
	COPY_FE	ADD_X3, %rsp, 0, %rdi
	COPY_FE	ADD_Z3, %rsp, 64, %rdi
	movq	ADD_MASK(%rsp), %rax
	FRAME_LEAVE ADD_FRAME
	.cfi_endproc
	.size	ccsp_sm2_asm_point_madd_core, .-ccsp_sm2_asm_point_madd_core

/* void ccsp_sm2_asm_fe_sqr_n(uint64_t r[4], const uint64_t a[4], unsigned n), n >= 1 (public) */
	.globl	ccsp_sm2_asm_fe_sqr_n
	.hidden	ccsp_sm2_asm_fe_sqr_n
	.type	ccsp_sm2_asm_fe_sqr_n, @function
	.balign	32
ccsp_sm2_asm_fe_sqr_n:
	.cfi_startproc
	FRAME_ENTER 24
	movq	%rdi, 0(%rsp)
	movl	%edx, %edx
	movq	%rdx, 8(%rsp)
	LOAD_A	0, %rsi
1:	call	sm2_sqr_core
	decq	8(%rsp)
	jnz	1b
	movq	0(%rsp), %rdi
	STORE_A	0, %rdi
	FRAME_LEAVE 24
	.cfi_endproc
	.size	ccsp_sm2_asm_fe_sqr_n, .-ccsp_sm2_asm_fe_sqr_n

#endif

	.section .note.GNU-stack, "", @progbits

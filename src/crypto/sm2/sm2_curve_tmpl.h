/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal template: SM2 point arithmetic and scalar multiplication over one field multiplication.
 * Included once per implementation (sm2_curve_portable.c, sm2_curve_adx.c) with
 *   FE_MUL(r, a, b), FE_SQR(r, a)  the Montgomery multiplication and squaring,
 *   SM2_IMPL_STRUCT, SM2_IMPL_NAME  the exported ccsp_sm2_impl and its name,
 *   FE_POINT_DBL, FE_POINT_ADD_CORE, FE_POINT_MADD_CORE, FE_SQR_N, FE_ADD, FE_SUB, FE_COND_NEG,
 *   FE_SELECT (optional)            replacements for the C doubling, addition cores, repeated
 *                                   squaring, addition, subtraction, conditional negation, select,
 * so that the field multiplication inlines into the point formulas. Everything is static except
 * the impl struct (and the comb builder when SM2_COMB_BUILDER is defined).
 *
 * Formulas (a = -3): doubling dbl-2001-b (3M+5S), addition add-1998-cmo-2 (12M+4S), mixed
 * addition madd (8M+3S), from the Explicit-Formulas Database (Bernstein, Lange).
 */
#include <ccsp/mem.h>

#include "sm2_arith.h"

#ifndef FE_ADD
#define FE_ADD ccsp_sm2_fe_add
#define FE_SUB ccsp_sm2_fe_sub
#endif
#define fadd FE_ADD
#define fsub FE_SUB
#ifdef FE_SELECT
#define fsel FE_SELECT
#else
#define fsel ccsp_sm2_fe_select
#endif
#define fzero ccsp_sm2_fe_is_zero

/* Forced inline: as calls they cost a third of a point doubling (spills around each call). */
static inline __attribute__((always_inline)) void fmul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	FE_MUL(r, a, b);
}

static inline __attribute__((always_inline)) void fsqr(uint64_t r[4], const uint64_t a[4])
{
	FE_SQR(r, a);
}

static void fe_mul_fn(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	fmul(r, a, b);
}

static void fe_sqr_fn(uint64_t r[4], const uint64_t a[4])
{
	fsqr(r, a);
}

static void fe_add_fn(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	fadd(r, a, b);
}

static void fe_sub_fn(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	fsub(r, a, b);
}

static void sqr_n(uint64_t r[4], const uint64_t a[4], int n)
{
#ifdef FE_SQR_N
	FE_SQR_N(r, a, (unsigned)n);
#else
	fsqr(r, a);
	for (int i = 1; i < n; i++)
		fsqr(r, r);
#endif
}

/*
 * a^(p-2) (Fermat). p-2 = 1^31 0 1^128 0^32 1^62 0 1 (bit runs from the top); x_k = a^(2^k - 1).
 * 255 squarings and 16 multiplications.
 */
static void fe_inv(uint64_t r[4], const uint64_t a[4])
{
	uint64_t x2[4], x3[4], x6[4], x12[4], x15[4], x30[4], x31[4], x32[4], x64[4], t[4];
	sqr_n(t, a, 1);
	fmul(x2, t, a);
	sqr_n(t, x2, 1);
	fmul(x3, t, a);
	sqr_n(t, x3, 3);
	fmul(x6, t, x3);
	sqr_n(t, x6, 6);
	fmul(x12, t, x6);
	sqr_n(t, x12, 3);
	fmul(x15, t, x3);
	sqr_n(t, x15, 15);
	fmul(x30, t, x15);
	sqr_n(t, x30, 1);
	fmul(x31, t, a);
	sqr_n(t, x31, 1);
	fmul(x32, t, a);
	sqr_n(t, x32, 32);
	fmul(x64, t, x32);
	sqr_n(t, x64, 64);
	fmul(x2, t, x64); /* x2 now holds x128 */
	sqr_n(t, x31, 129);
	fmul(t, t, x2);
	sqr_n(t, t, 64);
	fmul(t, t, x32);
	sqr_n(t, t, 30);
	fmul(t, t, x30);
	sqr_n(t, t, 2);
	fmul(r, t, a);
	ccsp_memzero(x2, sizeof x2);
	ccsp_memzero(x3, sizeof x3);
	ccsp_memzero(x6, sizeof x6);
	ccsp_memzero(x12, sizeof x12);
	ccsp_memzero(x15, sizeof x15);
	ccsp_memzero(x30, sizeof x30);
	ccsp_memzero(x31, sizeof x31);
	ccsp_memzero(x32, sizeof x32);
	ccsp_memzero(x64, sizeof x64);
	ccsp_memzero(t, sizeof t);
}

/* r may alias a. Infinity (Z = 0) doubles to infinity. */
#ifdef FE_POINT_DBL
static void point_dbl(ccsp_sm2_jpoint *r, const ccsp_sm2_jpoint *a)
{
	FE_POINT_DBL(r, a);
}
#else
static void point_dbl(ccsp_sm2_jpoint *r, const ccsp_sm2_jpoint *a)
{
	uint64_t delta[4], gamma[4], beta[4], alpha[4], t0[4], t1[4];
	fsqr(delta, a->z);
	fsqr(gamma, a->y);
	fmul(beta, a->x, gamma);
	fsub(t0, a->x, delta);
	fadd(t1, a->x, delta);
	fmul(alpha, t0, t1);
	fadd(t0, alpha, alpha);
	fadd(alpha, t0, alpha); /* alpha = 3(X-delta)(X+delta) */
	fadd(t0, a->y, a->z);
	fsqr(t0, t0);
	fsub(t0, t0, gamma);
	fsub(r->z, t0, delta); /* Z3 = (Y+Z)^2 - gamma - delta */
	fadd(beta, beta, beta);
	fadd(beta, beta, beta); /* 4 beta */
	fsqr(t0, alpha);
	fadd(t1, beta, beta);
	fsub(r->x, t0, t1); /* X3 = alpha^2 - 8 beta */
	fsub(t0, beta, r->x);
	fmul(t0, alpha, t0);
	fsqr(t1, gamma);
	fadd(t1, t1, t1);
	fadd(t1, t1, t1);
	fadd(t1, t1, t1);
	fsub(r->y, t0, t1); /* Y3 = alpha(4 beta - X3) - 8 gamma^2 */
}
#endif

/*
 * r = a + b for a != +-b, both finite; returns all-ones when a == b (H = R = 0: the result is
 * then wrong and the caller substitutes the doubling). r may alias a or b.
 */
#ifdef FE_POINT_ADD_CORE
static uint64_t point_add_core(ccsp_sm2_jpoint *r, const ccsp_sm2_jpoint *a, const ccsp_sm2_jpoint *b)
{
	return FE_POINT_ADD_CORE(r, a, b);
}
#else
static uint64_t point_add_core(ccsp_sm2_jpoint *r, const ccsp_sm2_jpoint *a, const ccsp_sm2_jpoint *b)
{
	uint64_t z1z1[4], z2z2[4], u1[4], u2[4], s1[4], s2[4], h[4], rr[4], hh[4], hhh[4], v[4], t[4];
	fsqr(z1z1, a->z);
	fsqr(z2z2, b->z);
	fmul(u1, a->x, z2z2);
	fmul(u2, b->x, z1z1);
	fmul(s1, a->y, b->z);
	fmul(s1, s1, z2z2);
	fmul(s2, b->y, a->z);
	fmul(s2, s2, z1z1);
	fsub(h, u2, u1);
	fsub(rr, s2, s1);
	uint64_t same = fzero(h) & fzero(rr);
	fsqr(hh, h);
	fmul(hhh, hh, h);
	fmul(v, u1, hh);
	fmul(t, a->z, b->z);
	fmul(r->z, t, h);
	fsqr(t, rr);
	fsub(t, t, hhh);
	fsub(t, t, v);
	fsub(r->x, t, v); /* X3 = R^2 - H^3 - 2 U1 H^2 */
	fsub(t, v, r->x);
	fmul(t, rr, t);
	fmul(s1, s1, hhh);
	fsub(r->y, t, s1); /* Y3 = R (U1 H^2 - X3) - S1 H^3 */
	return same;
}
#endif

static void point_select(ccsp_sm2_jpoint *r, uint64_t mask, const ccsp_sm2_jpoint *a, const ccsp_sm2_jpoint *b)
{
	fsel(r->x, mask, a->x, b->x);
	fsel(r->y, mask, a->y, b->y);
	fsel(r->z, mask, a->z, b->z);
}

/* r = a + b with infinity on either side; a == b is handled only when complete is set. */
static void point_add_ct(ccsp_sm2_jpoint *r, const ccsp_sm2_jpoint *a, const ccsp_sm2_jpoint *b, int complete)
{
	ccsp_sm2_jpoint sum, dbl;
	uint64_t a_inf = fzero(a->z), b_inf = fzero(b->z);
	uint64_t same = point_add_core(&sum, a, b);
	if (complete) { /* public flag: which call site, not data */
		point_dbl(&dbl, a);
		point_select(&sum, same, &dbl, &sum);
	}
	point_select(&sum, a_inf, b, &sum);
	point_select(r, b_inf, a, &sum);
	ccsp_memzero(&sum, sizeof sum);
	ccsp_memzero(&dbl, sizeof dbl);
}

static void point_add_complete(ccsp_sm2_jpoint *r, const ccsp_sm2_jpoint *a, const ccsp_sm2_jpoint *b)
{
	point_add_ct(r, a, b, 1);
}

/*
 * r = a + (b.x, b.y, 1) for finite a != +-b (madd); returns all-ones when a == b (H = R = 0: r is
 * then wrong). r may alias a.
 */
#ifdef FE_POINT_MADD_CORE
static uint64_t point_madd_core(ccsp_sm2_jpoint *r, const ccsp_sm2_jpoint *a, const ccsp_sm2_apoint *b)
{
	return FE_POINT_MADD_CORE(r, a, b);
}
#else
static uint64_t point_madd_core(ccsp_sm2_jpoint *r, const ccsp_sm2_jpoint *a, const ccsp_sm2_apoint *b)
{
	uint64_t z1z1[4], u2[4], s2[4], h[4], rr[4], hh[4], hhh[4], v[4], t[4], z3[4];
	fsqr(z1z1, a->z);
	fmul(u2, b->x, z1z1);
	fmul(s2, b->y, a->z);
	fmul(s2, s2, z1z1);
	fsub(h, u2, a->x);
	fsub(rr, s2, a->y);
	uint64_t same = fzero(h) & fzero(rr);
	fsqr(hh, h);
	fmul(hhh, hh, h);
	fmul(v, a->x, hh);
	fmul(z3, a->z, h);
	fsqr(t, rr);
	fsub(t, t, hhh);
	fsub(t, t, v);
	fsub(r->x, t, v);
	fsub(t, v, r->x);
	fmul(t, rr, t);
	fmul(hhh, a->y, hhh);
	fsub(r->y, t, hhh);
	memcpy(r->z, z3, sizeof z3);
	return same;
}
#endif

/*
 * r = a + (b.x, b.y, 1), or a when b_inf; a may be infinity. Returns all-ones when a == b (then r
 * is wrong): constant-time callers show it cannot happen, variable-time ones substitute a doubling.
 */
static uint64_t point_madd(ccsp_sm2_jpoint *r, const ccsp_sm2_jpoint *a, const ccsp_sm2_apoint *b, uint64_t b_inf)
{
	ccsp_sm2_jpoint sum;
	uint64_t a_inf = fzero(a->z);
	uint64_t same = point_madd_core(&sum, a, b);
	fsel(sum.x, a_inf, b->x, sum.x);
	fsel(sum.y, a_inf, b->y, sum.y);
	fsel(sum.z, a_inf, ccsp_sm2_fe_one, sum.z);
	point_select(r, b_inf, a, &sum);
	ccsp_memzero(&sum, sizeof sum);
	return same;
}

/* Affine coordinates of a (all-ones returned and r = 0 when a is infinity). */
static uint64_t to_affine(ccsp_sm2_apoint *r, const ccsp_sm2_jpoint *a)
{
	uint64_t zi[4], zi2[4];
	uint64_t inf = fzero(a->z);
	fe_inv(zi, a->z);
	fsqr(zi2, zi);
	fmul(r->x, a->x, zi2);
	fmul(zi2, zi2, zi);
	fmul(r->y, a->y, zi2);
	ccsp_memzero(zi, sizeof zi);
	ccsp_memzero(zi2, sizeof zi2);
	return inf;
}

#include "sm2_mul_tmpl.h"

const ccsp_sm2_impl SM2_IMPL_STRUCT = {
	.name = SM2_IMPL_NAME,
	.fe_mul = fe_mul_fn,
	.fe_sqr = fe_sqr_fn,
	.fe_add = fe_add_fn,
	.fe_sub = fe_sub_fn,
	.fe_inv = fe_inv,
	.point_dbl = point_dbl,
	.point_add = point_add_complete,
	.to_affine = to_affine,
	.mul_base = mul_base,
	.mul_base_x_batch = mul_base_x_batch,
	.mul_point = mul_point,
	.mul_base_and_point = mul_base_and_point,
	.pub_table = pub_table,
	.mul_double_vartime = mul_double_vartime,
};

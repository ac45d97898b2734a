/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: SM2 arithmetic on sm2p256v1 (GB/T 32918.5-2017). Field elements mod p and scalars mod n
 * are 4 little-endian 64-bit limbs in Montgomery form (R = 2^256), always fully reduced, so equal
 * values have equal limbs. Points: affine (x, y) and Jacobian (X : Y : Z), x = X/Z^2, y = Y/Z^3,
 * Z = 0 is the point at infinity.
 *
 * Every routine here is constant time unless its name ends in _vartime.
 */
#ifndef CCSP_SM2_ARITH_H
#define CCSP_SM2_ARITH_H

#include <stddef.h>
#include <stdint.h>

#include "ct.h"

typedef unsigned __int128 ccsp_u128;

typedef struct ccsp_sm2_apoint {
	uint64_t x[4], y[4];
} ccsp_sm2_apoint;

typedef struct ccsp_sm2_jpoint {
	uint64_t x[4], y[4], z[4];
} ccsp_sm2_jpoint;

/* p = 2^256 - 2^224 - 2^96 + 2^64 - 1; n is the order of G. */
extern const uint64_t ccsp_sm2_p[4];
extern const uint64_t ccsp_sm2_n[4];
extern const uint64_t ccsp_sm2_fe_one[4]; /* R mod p: 1 in Montgomery form */
extern const uint64_t ccsp_sm2_fe_r2[4];  /* R^2 mod p */
extern const uint64_t ccsp_sm2_fe_b[4];   /* b in Montgomery form (a = -3) */
extern const ccsp_sm2_apoint ccsp_sm2_g;  /* G in Montgomery form */

/* ---- additive operations mod m (p for the field, n for scalars), shared by every implementation ---- */

/* r = (hi:t) - m when that is >= 0, else t; (hi:t) < 2m. */
static inline void ccsp_sm2_mod_reduce_once(uint64_t r[4], const uint64_t t[4], uint64_t hi, const uint64_t m[4])
{
	uint64_t s[4], borrow = 0;
	for (int i = 0; i < 4; i++) {
		ccsp_u128 d = (ccsp_u128)t[i] - m[i] - borrow;
		s[i] = (uint64_t)d;
		borrow = (uint64_t)(d >> 64) & 1;
	}
	/* t < m exactly when the 5-limb subtraction borrows */
	uint64_t keep = ct_lt64(hi, borrow);
	for (int i = 0; i < 4; i++)
		r[i] = ct_select64(keep, t[i], s[i]);
}

/* r = a + b mod m, for a, b < m. */
static inline void ccsp_sm2_mod_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4], const uint64_t m[4])
{
	uint64_t t[4], c = 0;
	for (int i = 0; i < 4; i++) {
		ccsp_u128 s = (ccsp_u128)a[i] + b[i] + c;
		t[i] = (uint64_t)s;
		c = (uint64_t)(s >> 64);
	}
	ccsp_sm2_mod_reduce_once(r, t, c, m);
}

/* r = a - b mod m, for a, b < m: add m back when the subtraction borrows. */
static inline void ccsp_sm2_mod_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4], const uint64_t m[4])
{
	uint64_t t[4], borrow = 0;
	for (int i = 0; i < 4; i++) {
		ccsp_u128 d = (ccsp_u128)a[i] - b[i] - borrow;
		t[i] = (uint64_t)d;
		borrow = (uint64_t)(d >> 64) & 1;
	}
	uint64_t mask = 0 - borrow, c = 0;
	for (int i = 0; i < 4; i++) {
		ccsp_u128 s = (ccsp_u128)t[i] + (m[i] & mask) + c;
		r[i] = (uint64_t)s;
		c = (uint64_t)(s >> 64);
	}
}

static inline void ccsp_sm2_fe_reduce_once(uint64_t r[4], const uint64_t t[4], uint64_t hi)
{
	ccsp_sm2_mod_reduce_once(r, t, hi, ccsp_sm2_p);
}

static inline void ccsp_sm2_fe_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	ccsp_sm2_mod_add(r, a, b, ccsp_sm2_p);
}

static inline void ccsp_sm2_fe_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	ccsp_sm2_mod_sub(r, a, b, ccsp_sm2_p);
}

static inline void ccsp_sm2_fe_neg(uint64_t r[4], const uint64_t a[4])
{
	static const uint64_t zero[4] = {0, 0, 0, 0};
	ccsp_sm2_fe_sub(r, zero, a);
}

/* All-ones when a == 0. */
static inline uint64_t ccsp_sm2_fe_is_zero(const uint64_t a[4])
{
	return ct_is_zero64(a[0] | a[1] | a[2] | a[3]);
}

static inline uint64_t ccsp_sm2_fe_eq(const uint64_t a[4], const uint64_t b[4])
{
	return ct_is_zero64((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]));
}

/* r = mask ? a : b */
static inline void ccsp_sm2_fe_select(uint64_t r[4], uint64_t mask, const uint64_t a[4], const uint64_t b[4])
{
	for (int i = 0; i < 4; i++)
		r[i] = ct_select64(mask, a[i], b[i]);
}

/*
 * Portable Montgomery multiplication r = a*b/R mod p (CIOS). -p^-1 = 1 mod 2^64, so each
 * reduction step uses m = t0, and (t + m*p)/2^64 = t/2^64 + m*q with q = (p+1)/2^64, a 3-limb
 * constant: three multiplications instead of four.
 */
#define CCSP_SM2_Q0 0xffffffff00000001ULL
#define CCSP_SM2_Q1 0xffffffffffffffffULL
#define CCSP_SM2_Q2 0xfffffffeffffffffULL

/* One row of a CIOS Montgomery product, shared by the field's (mod p, below) and the scalars' (mod n,
 * sm2_scalar.c): t[0..4] += a * bi, the carry out in t[4] and t[5]. */
static inline __attribute__((always_inline)) void ccsp_sm2_cios_row(uint64_t t[6], const uint64_t a[4], uint64_t bi)
{
	ccsp_u128 c = 0;
	for (int j = 0; j < 4; j++) {
		c += (ccsp_u128)a[j] * bi + t[j];
		t[j] = (uint64_t)c;
		c >>= 64;
	}
	c += t[4];
	t[4] = (uint64_t)c;
	t[5] = (uint64_t)(c >> 64);
}

static inline __attribute__((always_inline)) void ccsp_sm2_fe_mul_portable(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	uint64_t t[6] = {0, 0, 0, 0, 0, 0};
	for (int i = 0; i < 4; i++) {
		ccsp_sm2_cios_row(t, a, b[i]);
		uint64_t m = t[0];
		ccsp_u128 c = (ccsp_u128)m * CCSP_SM2_Q0 + t[1];
		t[0] = (uint64_t)c;
		c = (c >> 64) + (ccsp_u128)m * CCSP_SM2_Q1 + t[2];
		t[1] = (uint64_t)c;
		c = (c >> 64) + (ccsp_u128)m * CCSP_SM2_Q2 + t[3];
		t[2] = (uint64_t)c;
		c = (c >> 64) + t[4];
		t[3] = (uint64_t)c;
		t[4] = (uint64_t)(c >> 64) + t[5];
	}
	ccsp_sm2_fe_reduce_once(r, t, t[4]);
}

/* ---- field: conversions (sm2_field.c) ---- */

/* Big-endian 32 bytes -> limbs (not reduced). */
void ccsp_sm2_limbs_from_bytes(uint64_t r[4], const uint8_t in[32]);
void ccsp_sm2_limbs_to_bytes(uint8_t out[32], const uint64_t a[4]);
/* All-ones when a < m (4-limb compare, constant time). */
uint64_t ccsp_sm2_limbs_lt(const uint64_t a[4], const uint64_t m[4]);

/* ---- scalars mod n (sm2_scalar.c), plain or Montgomery form as named ---- */

void ccsp_sm2_sc_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]);
void ccsp_sm2_sc_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]);
/* r = a*b/R mod n */
void ccsp_sm2_sc_mont_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]);
void ccsp_sm2_sc_to_mont(uint64_t r[4], const uint64_t a[4]);
void ccsp_sm2_sc_from_mont(uint64_t r[4], const uint64_t a[4]);
/* r = a^-1 (Montgomery form in and out; a = 0 gives 0), Fermat: constant time. */
void ccsp_sm2_sc_inv_mont(uint64_t r[4], const uint64_t a[4]);
/* r = a mod n for any a < 2^256 (one conditional subtraction since 2^256 < 2n). */
void ccsp_sm2_sc_reduce(uint64_t r[4], const uint64_t a[4]);
/* r = x mod n for a field element x < p given in plain form. */
#define ccsp_sm2_sc_reduce_fe ccsp_sm2_sc_reduce

/*
 * Verification table of a public key P (1 KB): tab[h][j] = (2j + 1) 2^(128 h) P, affine, Montgomery
 * form. t P is then t_lo P + t_hi (2^128 P) with 128-bit halves: half the doublings.
 */
#define CCSP_SM2_PUB_TAB_ODD 8
typedef ccsp_sm2_apoint ccsp_sm2_pub_table[2][CCSP_SM2_PUB_TAB_ODD];

/* Largest batch of mul_base_x_batch (the signing context's refill). */
#define CCSP_SM2_BASE_BATCH_MAX 64

/* ---- implementations (portable C, MULX/ADX, MULX/ADX with AVX2 scans), chosen at run time ---- */

typedef struct ccsp_sm2_impl {
	const char *name;
	void (*fe_mul)(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]);
	void (*fe_sqr)(uint64_t r[4], const uint64_t a[4]);
	void (*fe_add)(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]);
	void (*fe_sub)(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]);
	void (*fe_inv)(uint64_t r[4], const uint64_t a[4]);
	/* Complete constant-time point operations (any inputs, infinity included). */
	void (*point_dbl)(ccsp_sm2_jpoint *r, const ccsp_sm2_jpoint *a);
	void (*point_add)(ccsp_sm2_jpoint *r, const ccsp_sm2_jpoint *a, const ccsp_sm2_jpoint *b);
	/* Affine result; returns all-ones when the point is at infinity (then r is 0). */
	uint64_t (*to_affine)(ccsp_sm2_apoint *r, const ccsp_sm2_jpoint *a);
	/* r = k*G, k < 2^256 plain limbs, constant time. Returns the infinity mask. */
	uint64_t (*mul_base)(ccsp_sm2_apoint *r, const uint64_t k[4]);
	/* x[i] = x coordinate of k[i]*G in plain limbs, for n <= CCSP_SM2_BASE_BATCH_MAX scalars in [1, n-1]
	 * (a zero scalar spoils the whole batch), with one shared inversion; constant time. */
	void (*mul_base_x_batch)(uint64_t (*x)[4], const uint64_t (*k)[4], size_t n);
	/* r = k*P for a valid point P, constant time in k and P. Returns the infinity mask. */
	uint64_t (*mul_point)(ccsp_sm2_apoint *r, const uint64_t k[4], const ccsp_sm2_apoint *p);
	/* r1 = k*G and r2 = k*P together (one inversion), constant time. Infinity mask of either.
	 * tab is P's table (faster), or NULL. */
	uint64_t (*mul_base_and_point)(ccsp_sm2_apoint *r1, ccsp_sm2_apoint *r2, const uint64_t k[4],
	                               const ccsp_sm2_apoint *p, const ccsp_sm2_pub_table *tab);
	/* tab = the per-key table of the public point P (valid, i.e. of order n). */
	void (*pub_table)(ccsp_sm2_pub_table *tab, const ccsp_sm2_apoint *p);
	/* r = s*G + t*P; all inputs public. tab is P's table, or NULL. */
	void (*mul_double_vartime)(ccsp_sm2_jpoint *r, const uint64_t s[4], const uint64_t t[4],
	                           const ccsp_sm2_apoint *p, const ccsp_sm2_pub_table *tab);
} ccsp_sm2_impl;

extern const ccsp_sm2_impl ccsp_sm2_impl_portable;
#if defined(__x86_64__)
extern const ccsp_sm2_impl ccsp_sm2_impl_adx; /* inline-asm MULX/ADX field in C point code */
extern const ccsp_sm2_impl ccsp_sm2_impl_asm; /* assembly field and point doubling (MULX/ADX) */
extern const ccsp_sm2_impl ccsp_sm2_impl_asm_avx2; /* the same with AVX2 table scans */
#endif

/* The implementation in use: the fastest the CPU supports, unless a test forced another. */
const ccsp_sm2_impl *ccsp_sm2_impl_get(void);
/* NULL-terminated list of the implementations this CPU can run, portable first. */
const ccsp_sm2_impl *const *ccsp_sm2_impl_list(void);
/* Test and benchmark hook: use impl (NULL restores the automatic choice). Not thread-safe. */
void ccsp_sm2_impl_force(const ccsp_sm2_impl *impl);

/* ---- fixed-base table (sm2_table.c) ---- */

/* Signed 6-bit windows: table[i][j] = (j+1) * 2^(6i) * G, affine, Montgomery form. */
#define CCSP_SM2_COMB_WINDOWS 43
#define CCSP_SM2_COMB_POINTS 32
typedef ccsp_sm2_apoint ccsp_sm2_comb_table[CCSP_SM2_COMB_WINDOWS][CCSP_SM2_COMB_POINTS];
/* Built at first use (thread-safe), with the portable implementation. */
const ccsp_sm2_comb_table *ccsp_sm2_comb(void);
/* Used by the builder; defined in the portable implementation. */
void ccsp_sm2_comb_build(ccsp_sm2_comb_table *t);

#endif

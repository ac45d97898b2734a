/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SM2 arithmetic against OpenSSL: field and scalar operations vs BIGNUM, point operations vs
 * EC_POINT on the SM2 curve (NID_sm2), every implementation the CPU runs, and implementations
 * against each other.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include "sm2/sm2_arith.h"
#include "sm2/sm2_field_adx.h"
#include "test_util.h"

#define RANDOM_VALUES 2000

static BN_CTX *bnctx;
static BIGNUM *bn_p, *bn_n, *bn_r; /* R = 2^256 */
static EC_GROUP *group;

static int setup(void **state)
{
	(void)state;
	bnctx = BN_CTX_new();
	bn_p = BN_new();
	bn_n = BN_new();
	bn_r = BN_new();
	group = EC_GROUP_new_by_curve_name(NID_sm2);
	uint8_t b[32];
	ccsp_sm2_limbs_to_bytes(b, ccsp_sm2_p);
	BN_bin2bn(b, 32, bn_p);
	ccsp_sm2_limbs_to_bytes(b, ccsp_sm2_n);
	BN_bin2bn(b, 32, bn_n);
	BN_set_bit(bn_r, 256);
	/* our constants against OpenSSL's curve */
	BIGNUM *p = BN_new(), *a = BN_new(), *bb = BN_new();
	EC_GROUP_get_curve(group, p, a, bb, bnctx);
	int ok = BN_cmp(p, bn_p) == 0 && BN_cmp(EC_GROUP_get0_order(group), bn_n) == 0;
	BN_free(p);
	BN_free(a);
	BN_free(bb);
	return ok ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	BN_free(bn_p);
	BN_free(bn_n);
	BN_free(bn_r);
	EC_GROUP_free(group);
	BN_CTX_free(bnctx);
	return 0;
}

static void bn_from_limbs(BIGNUM *r, const uint64_t a[4])
{
	uint8_t b[32];
	ccsp_sm2_limbs_to_bytes(b, a);
	assert_non_null(BN_bin2bn(b, 32, r));
}

static void limbs_from_bn(uint64_t r[4], const BIGNUM *a)
{
	uint8_t b[32];
	assert_int_equal(BN_bn2binpad(a, b, 32), 32);
	ccsp_sm2_limbs_from_bytes(r, b);
}

/* i-th test value below m: edges first, then random (some random values are >= m: reduced). */
static void test_value(uint64_t r[4], size_t i, const BIGNUM *m)
{
	BIGNUM *v = BN_new();
	switch (i) {
	case 0:
		BN_zero(v);
		break;
	case 1:
		BN_one(v);
		break;
	case 2:
		BN_sub(v, m, BN_value_one());
		break;
	case 3:
		BN_set_word(v, 2);
		break;
	case 4: /* 2^256 - 1 reduced */
		BN_sub(v, bn_r, BN_value_one());
		BN_mod(v, v, m, bnctx);
		break;
	case 5:
		BN_rshift1(v, m);
		break;
	case 6: /* low word all ones: the reduction word m = 2^64 - 1 (top-word wrap in the ADX steps) */
		BN_set_word(v, UINT64_MAX);
		break;
	case 7: /* low 192 bits all ones */
		BN_set_bit(v, 192);
		BN_sub(v, v, BN_value_one());
		break;
	default: {
		uint8_t b[32];
		test_rand(b, sizeof b);
		if (i % 7 == 0)
			memset(b, 0xff, 16 + i % 16); /* many high ones: near m */
		BN_bin2bn(b, 32, v);
		BN_mod(v, v, m, bnctx);
	}
	}
	limbs_from_bn(r, v);
	BN_free(v);
}

/* expect == a*b/R mod m, or a*b mod m when mont is 0 */
static void check_mod(const uint64_t got[4], const uint64_t a[4], const uint64_t b[4], const BIGNUM *m, int op)
{
	BIGNUM *x = BN_new(), *y = BN_new(), *e = BN_new(), *g = BN_new(), *ri = BN_new();
	bn_from_limbs(x, a);
	bn_from_limbs(y, b);
	bn_from_limbs(g, got);
	switch (op) {
	case 0: /* Montgomery product */
		BN_mod_inverse(ri, bn_r, m, bnctx);
		BN_mod_mul(e, x, y, m, bnctx);
		BN_mod_mul(e, e, ri, m, bnctx);
		break;
	case 1:
		BN_mod_add(e, x, y, m, bnctx);
		break;
	case 2:
		BN_mod_sub(e, x, y, m, bnctx);
		break;
	case 3: /* Montgomery inverse: (x/R)^-1 * R = R^2 / x */
		if (BN_is_zero(x)) {
			BN_zero(e);
		} else {
			BN_mod_inverse(e, x, m, bnctx);
			BN_mod_mul(e, e, bn_r, m, bnctx);
			BN_mod_mul(e, e, bn_r, m, bnctx);
		}
		break;
	}
	if (BN_cmp(e, g) != 0)
		fail_msg("op %d a=%s b=%s: got %s expected %s", op, BN_bn2hex(x), BN_bn2hex(y), BN_bn2hex(g), BN_bn2hex(e));
	BN_free(x);
	BN_free(y);
	BN_free(e);
	BN_free(g);
	BN_free(ri);
}

static void test_field_ops(void **state)
{
	(void)state;
	const ccsp_sm2_impl *const *list = ccsp_sm2_impl_list();
	test_rand_seed(1);
	for (size_t i = 0; i < RANDOM_VALUES; i++) {
		uint64_t a[4], b[4], r[4], r0[4];
		test_value(a, i, bn_p);
		test_value(b, (i * 5) % RANDOM_VALUES, bn_p);
		for (size_t k = 0; list[k] != NULL; k++) {
			list[k]->fe_mul(r, a, b);
			check_mod(r, a, b, bn_p, 0);
			if (k == 0)
				memcpy(r0, r, sizeof r);
			assert_memory_equal(r, r0, sizeof r);
			list[k]->fe_sqr(r, a);
			check_mod(r, a, a, bn_p, 0);
			if (i % 8 == 0) {
				list[k]->fe_inv(r, a);
				check_mod(r, a, a, bn_p, 3);
			}
		}
		ccsp_sm2_fe_add(r, a, b);
		check_mod(r, a, b, bn_p, 1);
		ccsp_sm2_fe_sub(r, a, b);
		check_mod(r, a, b, bn_p, 2);
		for (size_t k = 0; list[k] != NULL; k++) {
			list[k]->fe_add(r, a, b);
			check_mod(r, a, b, bn_p, 1);
			list[k]->fe_sub(r, a, b);
			check_mod(r, a, b, bn_p, 2);
			list[k]->fe_sub(r, b, a);
			check_mod(r, b, a, bn_p, 2);
		}
	}
}

static void test_scalar_ops(void **state)
{
	(void)state;
	test_rand_seed(2);
	for (size_t i = 0; i < RANDOM_VALUES; i++) {
		uint64_t a[4], b[4], r[4], back[4];
		test_value(a, i, bn_n);
		test_value(b, (i * 3) % RANDOM_VALUES, bn_n);
		ccsp_sm2_sc_mont_mul(r, a, b);
		check_mod(r, a, b, bn_n, 0);
		ccsp_sm2_sc_add(r, a, b);
		check_mod(r, a, b, bn_n, 1);
		ccsp_sm2_sc_sub(r, a, b);
		check_mod(r, a, b, bn_n, 2);
		ccsp_sm2_sc_to_mont(r, a);
		ccsp_sm2_sc_from_mont(back, r);
		assert_memory_equal(back, a, sizeof a);
		if (i % 16 == 0) {
			ccsp_sm2_sc_inv_mont(r, a);
			check_mod(r, a, a, bn_n, 3);
		}
	}
	/* reduction of any 256-bit value, 2^256 - 1 included */
	uint64_t all[4] = {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX}, r[4];
	BIGNUM *e = BN_new();
	BN_sub(e, bn_r, BN_value_one());
	BN_mod(e, e, bn_n, bnctx);
	ccsp_sm2_sc_reduce(r, all);
	uint64_t exp[4];
	limbs_from_bn(exp, e);
	assert_memory_equal(r, exp, sizeof r);
	ccsp_sm2_sc_reduce(r, ccsp_sm2_n);
	assert_true(r[0] == 0 && r[1] == 0 && r[2] == 0 && r[3] == 0);
	BN_free(e);
}

/* ---- points ---- */

/* Plain affine coordinates of an EC_POINT into Montgomery limbs (impl->fe_mul by R^2). */
static void apoint_from_ec(ccsp_sm2_apoint *r, const EC_POINT *p)
{
	BIGNUM *x = BN_new(), *y = BN_new();
	assert_int_equal(EC_POINT_get_affine_coordinates(group, p, x, y, bnctx), 1);
	limbs_from_bn(r->x, x);
	limbs_from_bn(r->y, y);
	ccsp_sm2_fe_mul_portable(r->x, r->x, ccsp_sm2_fe_r2);
	ccsp_sm2_fe_mul_portable(r->y, r->y, ccsp_sm2_fe_r2);
	BN_free(x);
	BN_free(y);
}

static void assert_apoint_eq_ec(const ccsp_sm2_apoint *a, uint64_t inf, const EC_POINT *p)
{
	if (EC_POINT_is_at_infinity(group, p)) {
		assert_true(inf == UINT64_MAX);
		return;
	}
	assert_true(inf == 0);
	ccsp_sm2_apoint e;
	apoint_from_ec(&e, p);
	assert_memory_equal(a->x, e.x, sizeof e.x);
	assert_memory_equal(a->y, e.y, sizeof e.y);
}

static void scalar_value(uint64_t k[4], BIGNUM *bk, size_t i)
{
	static const char *edges[] = {
	        "01", "02", "03", "1F", "20", "21",
	        /* n-1, n-2, n-6 (the exceptional addition of the last window), n-33, n+1, 2^256-1 */
	        "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54122",
	        "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54121",
	        "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D5411D",
	        "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54102",
	        "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54124",
	        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
	        "8000000000000000000000000000000000000000000000000000000000000000",
	        "0000000000000000000000000000000000000000000000000000000000000000",
	        /* key-table path: n (infinity), 2^128 (even low half), 2^128 - 1 (even high half) */
	        "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123",
	        "0100000000000000000000000000000000",
	        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
	};
	uint8_t b[32];
	if (i < sizeof edges / sizeof edges[0]) {
		memset(b, 0, sizeof b);
		size_t len = hex2bin(edges[i], b, 32);
		memmove(b + 32 - len, b, len);
		memset(b, 0, 32 - len);
	} else {
		test_rand(b, sizeof b);
	}
	ccsp_sm2_limbs_from_bytes(k, b);
	BN_bin2bn(b, 32, bk);
}

static void test_point_mul(void **state)
{
	(void)state;
	const ccsp_sm2_impl *const *list = ccsp_sm2_impl_list();
	EC_POINT *e = EC_POINT_new(group), *p = EC_POINT_new(group);
	BIGNUM *bk = BN_new(), *bt = BN_new();
	test_rand_seed(3);
	for (size_t i = 0; i < 300; i++) {
		uint64_t k[4], t[4];
		ccsp_sm2_apoint r, pa;
		scalar_value(k, bk, i);
		scalar_value(t, bt, 299 - i);
		/* a random point P = t' G */
		uint8_t rb[32];
		test_rand(rb, sizeof rb);
		BIGNUM *pk = BN_bin2bn(rb, 32, NULL);
		EC_POINT_mul(group, p, pk, NULL, NULL, bnctx);
		BN_free(pk);
		apoint_from_ec(&pa, p);
		for (size_t m = 0; list[m] != NULL; m++) {
			EC_POINT_mul(group, e, bk, NULL, NULL, bnctx);
			assert_apoint_eq_ec(&r, list[m]->mul_base(&r, k), e);
			EC_POINT_mul(group, e, NULL, p, bk, bnctx);
			assert_apoint_eq_ec(&r, list[m]->mul_point(&r, k, &pa), e);
			/* both at once (one shared inversion): same points as the separate calls */
			ccsp_sm2_apoint r1, r2, s1;
			ccsp_sm2_pub_table tab, tab0;
			list[m]->pub_table(&tab, &pa);
			uint64_t inf1 = list[m]->mul_base(&s1, k);
			inf1 |= list[m]->mul_point(&r, k, &pa);
			for (int t_used = 0; t_used < 2; t_used++) { /* k P by the generic window and from P's table */
				uint64_t inf2 = list[m]->mul_base_and_point(&r1, &r2, k, &pa, t_used ? &tab : NULL);
				assert_true(inf2 == inf1);
				if (inf2 == 0) {
					assert_memory_equal(&r1, &s1, sizeof r1);
					assert_memory_equal(&r2, &r, sizeof r2);
				}
			}
			/* s G + t P with and without the key table (tables of every implementation agree) */
			ccsp_sm2_jpoint j;
			list[0]->pub_table(&tab0, &pa);
			assert_memory_equal(&tab, &tab0, sizeof tab);
			EC_POINT_mul(group, e, bk, p, bt, bnctx);
			list[m]->mul_double_vartime(&j, k, t, &pa, NULL);
			assert_apoint_eq_ec(&r, list[m]->to_affine(&r, &j), e);
			list[m]->mul_double_vartime(&j, k, t, &pa, &tab);
			assert_apoint_eq_ec(&r, list[m]->to_affine(&r, &j), e);
		}
	}
	EC_POINT_free(e);
	EC_POINT_free(p);
	BN_free(bk);
	BN_free(bt);
}

static void jpoint_from_ec(ccsp_sm2_jpoint *j, const EC_POINT *p, const uint64_t zfactor[4])
{
	ccsp_sm2_apoint a;
	memset(j, 0, sizeof *j);
	if (EC_POINT_is_at_infinity(group, p))
		return;
	apoint_from_ec(&a, p);
	/* (x z^2, y z^3, z) for a random z: same point, other representation */
	uint64_t z2[4], z3[4];
	ccsp_sm2_fe_mul_portable(z2, zfactor, zfactor);
	ccsp_sm2_fe_mul_portable(z3, z2, zfactor);
	ccsp_sm2_fe_mul_portable(j->x, a.x, z2);
	ccsp_sm2_fe_mul_portable(j->y, a.y, z3);
	memcpy(j->z, zfactor, sizeof j->z);
}

static void test_point_add_dbl(void **state)
{
	(void)state;
	const ccsp_sm2_impl *const *list = ccsp_sm2_impl_list();
	EC_POINT *a = EC_POINT_new(group), *b = EC_POINT_new(group), *e = EC_POINT_new(group);
	BIGNUM *k = BN_new();
	test_rand_seed(4);
	for (size_t i = 0; i < 200; i++) {
		uint8_t rb[32];
		uint64_t z1[4], z2[4];
		test_rand(rb, sizeof rb);
		BN_bin2bn(rb, 32, k);
		EC_POINT_mul(group, a, k, NULL, NULL, bnctx);
		switch (i % 5) {
		case 0: /* a + a */
			EC_POINT_copy(b, a);
			break;
		case 1: /* a + (-a) */
			EC_POINT_copy(b, a);
			EC_POINT_invert(group, b, bnctx);
			break;
		case 2: /* a + infinity */
			EC_POINT_set_to_infinity(group, b);
			break;
		default:
			test_rand(rb, sizeof rb);
			BN_bin2bn(rb, 32, k);
			EC_POINT_mul(group, b, k, NULL, NULL, bnctx);
		}
		test_value(z1, 10 + i, bn_p);
		test_value(z2, 20 + i, bn_p);
		z1[0] |= 1; /* nonzero */
		z2[0] |= 1;
		ccsp_sm2_jpoint ja, jb, jr;
		jpoint_from_ec(&ja, a, z1);
		jpoint_from_ec(&jb, b, z2);
		for (size_t m = 0; list[m] != NULL; m++) {
			ccsp_sm2_apoint r;
			list[m]->point_add(&jr, &ja, &jb);
			EC_POINT_add(group, e, a, b, bnctx);
			uint64_t inf = list[m]->to_affine(&r, &jr);
			assert_apoint_eq_ec(&r, inf, e);
			list[m]->point_add(&jr, &jb, &ja); /* infinity on the left too */
			inf = list[m]->to_affine(&r, &jr);
			assert_apoint_eq_ec(&r, inf, e);
			list[m]->point_dbl(&jr, &jb);
			EC_POINT_dbl(group, e, b, bnctx);
			inf = list[m]->to_affine(&r, &jr);
			assert_apoint_eq_ec(&r, inf, e);
		}
	}
	EC_POINT_free(a);
	EC_POINT_free(b);
	EC_POINT_free(e);
	BN_free(k);
}

/* The x86-64 conditional negation and select (asm blocks) against the C ones: both masks, edge and random
 * values, outputs aliasing inputs. */
static void test_x86_select_neg(void **state)
{
	(void)state;
#if defined(__x86_64__)
	for (size_t i = 0; i < RANDOM_VALUES; i++) {
		uint64_t a[4], b[4], want[4], got[4];
		test_value(a, i, bn_p);
		test_value(b, i + 1, bn_p);
		for (int neg = 0; neg < 2; neg++) {
			uint64_t mask = neg ? UINT64_MAX : 0;
			if (neg)
				ccsp_sm2_fe_neg(want, a);
			else
				memcpy(want, a, sizeof want);
			memcpy(got, a, sizeof got);
			ccsp_sm2_fe_cond_neg_x86(got, mask);
			assert_memory_equal(got, want, sizeof want);
			ccsp_sm2_fe_select(want, mask, a, b);
			memcpy(got, b, sizeof got);
			ccsp_sm2_fe_select_x86(got, mask, a, got); /* r aliases b */
			assert_memory_equal(got, want, sizeof want);
			memcpy(got, a, sizeof got);
			ccsp_sm2_fe_select_x86(got, mask, got, b); /* r aliases a */
			assert_memory_equal(got, want, sizeof want);
		}
	}
#else
	skip();
#endif
}

static void test_impl_force(void **state)
{
	(void)state;
	const ccsp_sm2_impl *const *list = ccsp_sm2_impl_list();
	const ccsp_sm2_impl *best = ccsp_sm2_impl_get();
	assert_string_equal(list[0]->name, "portable");
	ccsp_sm2_impl_force(list[0]);
	assert_ptr_equal(ccsp_sm2_impl_get(), list[0]);
	ccsp_sm2_impl_force(NULL);
	assert_ptr_equal(ccsp_sm2_impl_get(), best);
	print_message("SM2 implementations:");
	for (size_t i = 0; list[i] != NULL; i++)
		print_message(" %s", list[i]->name);
	print_message("\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_field_ops),   cmocka_unit_test(test_scalar_ops),
	        cmocka_unit_test(test_point_mul),   cmocka_unit_test(test_point_add_dbl),
	        cmocka_unit_test(test_impl_force),  cmocka_unit_test(test_x86_select_neg),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

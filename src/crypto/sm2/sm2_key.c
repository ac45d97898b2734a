/* SPDX-License-Identifier: Apache-2.0 */
/* SM2 key objects: generation, import and export, point encodings, Z (GB/T 32918.2 5.5). */
#include <stdatomic.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>
#include <ccsp/sm3.h>

#include "module.h"
#include "sm2_internal.h"

/* a, b, xG, yG big-endian, in the order Z hashes them (GB/T 32918.2 5.5). */
static const uint8_t z_curve[128] = {
	0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFC,
	0x28, 0xE9, 0xFA, 0x9E, 0x9D, 0x9F, 0x5E, 0x34, 0x4D, 0x5A, 0x9E, 0x4B, 0xCF, 0x65, 0x09, 0xA7,
	0xF3, 0x97, 0x89, 0xF5, 0x15, 0xAB, 0x8F, 0x92, 0xDD, 0xBC, 0xBD, 0x41, 0x4D, 0x94, 0x0E, 0x93,
	0x32, 0xC4, 0xAE, 0x2C, 0x1F, 0x19, 0x81, 0x19, 0x5F, 0x99, 0x04, 0x46, 0x6A, 0x39, 0xC9, 0x94,
	0x8F, 0xE3, 0x0B, 0xBF, 0xF2, 0x66, 0x0B, 0xE1, 0x71, 0x5A, 0x45, 0x89, 0x33, 0x4C, 0x74, 0xC7,
	0xBC, 0x37, 0x36, 0xA2, 0xF4, 0xF6, 0x77, 0x9C, 0x59, 0xBD, 0xCE, 0xE3, 0x6B, 0x69, 0x21, 0x53,
	0xD0, 0xA9, 0x87, 0x7C, 0xC6, 0x2A, 0x47, 0x40, 0x02, 0xDF, 0x32, 0xE5, 0x21, 0x39, 0xF0, 0xA0,
};

ccsp_sm2_key *ccsp_sm2_key_new(void)
{
	return ccsp_secure_alloc(sizeof(ccsp_sm2_key));
}

void ccsp_sm2_key_free(ccsp_sm2_key *key)
{
	ccsp_secure_free(key);
}

ccsp_err ccsp_sm2_z_of(const uint8_t pub_xy[64], const uint8_t *id, size_t idlen, uint8_t z[32])
{
	ccsp_sm3_ctx ctx;
	ccsp_err ret;
	if (id == NULL) {
		id = (const uint8_t *)CCSP_SM2_DEFAULT_ID;
		idlen = CCSP_SM2_DEFAULT_ID_LEN;
	}
	CCSP_ENSURE(idlen <= CCSP_SM2_MAX_ID_LEN, CCSP_ERR_ARG);
	const uint8_t entl[2] = {(uint8_t)(idlen * 8 >> 8), (uint8_t)(idlen * 8)};
	CCSP_CHECK(ccsp_sm3_init(&ctx));
	CCSP_CHECK(ccsp_sm3_update(&ctx, entl, 2));
	CCSP_CHECK(ccsp_sm3_update(&ctx, id, idlen));
	CCSP_CHECK(ccsp_sm3_update(&ctx, z_curve, sizeof z_curve));
	CCSP_CHECK(ccsp_sm3_update(&ctx, pub_xy, 64));
	CCSP_CHECK(ccsp_sm3_final(&ctx, z));
out:
	ccsp_memzero(&ctx, sizeof ctx);
	return ret;
}

void ccsp_sm2_fe_from_mont(const ccsp_sm2_impl *impl, uint64_t r[4], const uint64_t a[4])
{
	static const uint64_t one[4] = {1, 0, 0, 0};
	impl->fe_mul(r, a, one);
}

void ccsp_sm2_point_encode(const ccsp_sm2_impl *impl, uint8_t out[64], const ccsp_sm2_apoint *p)
{
	uint64_t t[4];
	ccsp_sm2_fe_from_mont(impl, t, p->x);
	ccsp_sm2_limbs_to_bytes(out, t);
	ccsp_sm2_fe_from_mont(impl, t, p->y);
	ccsp_sm2_limbs_to_bytes(out + 32, t);
}

/* x^3 - 3x + b (Montgomery form) */
static void curve_rhs(const ccsp_sm2_impl *impl, uint64_t r[4], const uint64_t x[4])
{
	uint64_t t[4];
	impl->fe_sqr(t, x);
	impl->fe_mul(t, t, x);
	ccsp_sm2_fe_sub(t, t, x);
	ccsp_sm2_fe_sub(t, t, x);
	ccsp_sm2_fe_sub(t, t, x);
	ccsp_sm2_fe_add(r, t, ccsp_sm2_fe_b);
}

/* y with y^2 = w when w is a square: w^((p+1)/4) since p = 3 mod 4. Public data only. */
static int fe_sqrt_vartime(const ccsp_sm2_impl *impl, uint64_t y[4], const uint64_t w[4])
{
	static const uint64_t e[4] = {0x4000000000000000ULL, 0xffffffffc0000000ULL, 0xffffffffffffffffULL,
	                              0x3fffffffbfffffffULL};
	uint64_t acc[4], chk[4];
	memcpy(acc, ccsp_sm2_fe_one, sizeof acc);
	for (int i = 255; i >= 0; i--) {
		impl->fe_sqr(acc, acc);
		if ((e[i / 64] >> (i % 64)) & 1)
			impl->fe_mul(acc, acc, w);
	}
	impl->fe_sqr(chk, acc);
	memcpy(y, acc, sizeof acc);
	return ccsp_sm2_fe_eq(chk, w) != 0;
}

ccsp_err ccsp_sm2_point_decode(const ccsp_sm2_impl *impl, ccsp_sm2_apoint *p, const uint8_t *in, size_t len)
{
	uint64_t x[4], y[4], rhs[4], t[4];
	int compressed = 0;
	CCSP_ENSURE(in != NULL, CCSP_ERR_ARG);
	if (len == 65 && in[0] == 0x04) {
		in++;
	} else if (len == 33 && (in[0] == 0x02 || in[0] == 0x03)) {
		compressed = in[0] == 0x03 ? 3 : 2;
		in++;
	} else {
		CCSP_ENSURE(len == 64, CCSP_ERR_DECODE);
	}
	ccsp_sm2_limbs_from_bytes(x, in);
	CCSP_ENSURE(ccsp_sm2_limbs_lt(x, ccsp_sm2_p), CCSP_ERR_POINT);
	impl->fe_mul(x, x, ccsp_sm2_fe_r2);
	curve_rhs(impl, rhs, x);
	if (compressed) {
		CCSP_ENSURE(fe_sqrt_vartime(impl, y, rhs), CCSP_ERR_POINT);
		ccsp_sm2_fe_from_mont(impl, t, y);
		if ((t[0] & 1) != (uint64_t)(compressed & 1))
			ccsp_sm2_fe_neg(y, y);
	} else {
		ccsp_sm2_limbs_from_bytes(y, in + 32);
		CCSP_ENSURE(ccsp_sm2_limbs_lt(y, ccsp_sm2_p), CCSP_ERR_POINT);
		impl->fe_mul(y, y, ccsp_sm2_fe_r2);
		impl->fe_sqr(t, y);
		CCSP_ENSURE(ccsp_sm2_fe_eq(t, rhs), CCSP_ERR_POINT);
	}
	/* b != 0, so (0, 0) (the usual encoding of infinity) fails the curve equation; h = 1, so every
	 * affine point on the curve has order n */
	memcpy(p->x, x, sizeof x);
	memcpy(p->y, y, sizeof y);
	return CCSP_OK;
}

const ccsp_sm2_pub_table *ccsp_sm2_key_pub_table(const ccsp_sm2_impl *impl, const ccsp_sm2_key *key)
{
	ccsp_sm2_key *k = (ccsp_sm2_key *)key; /* the table is a cache: allocated writable by ccsp_sm2_key_new */
	int state = atomic_load_explicit(&k->tab_state, memory_order_acquire);
	if (state == 2)
		return &k->pub_tab;
	if (state != 0 || atomic_fetch_add_explicit(&k->tab_uses, 1, memory_order_relaxed) == 0)
		return NULL; /* being built by another caller, or the first use */
	int expected = 0;
	if (!atomic_compare_exchange_strong(&k->tab_state, &expected, 1))
		return NULL;
	impl->pub_table(&k->pub_tab, &k->pub);
	atomic_store_explicit(&k->tab_state, 2, memory_order_release);
	return &k->pub_tab;
}

static ccsp_err key_set_public_point(ccsp_sm2_key *key, const ccsp_sm2_impl *impl, const ccsp_sm2_apoint *p)
{
	key->pub = *p;
	ccsp_sm2_point_encode(impl, key->pub_xy, p);
	CCSP_GUARD(ccsp_sm2_z_of(key->pub_xy, NULL, 0, key->z_default));
	key->has_public = 1;
	return CCSP_OK;
}

ccsp_err ccsp_sm2_key_set_public(ccsp_sm2_key *key, const uint8_t *point, size_t len)
{
	ccsp_sm2_apoint p;
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(key != NULL && point != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(!key->has_public, CCSP_ERR_STATE);
	const ccsp_sm2_impl *impl = ccsp_sm2_impl_get();
	CCSP_GUARD(ccsp_sm2_point_decode(impl, &p, point, len));
	return key_set_public_point(key, impl, &p);
}

/* d must be in [1, n-2] (GB/T 32918.1 6.1: d in [1, n-2]). */
static ccsp_err key_set_scalar(ccsp_sm2_key *key, const uint64_t d[4])
{
	static const uint64_t n_minus_1[4] = {0x53bbf40939d54122ULL, 0x7203df6b21c6052bULL, 0xffffffffffffffffULL,
	                                      0xfffffffeffffffffULL};
	static const uint64_t one[4] = {1, 0, 0, 0};
	const ccsp_sm2_impl *impl = ccsp_sm2_impl_get();
	ccsp_sm2_apoint p;
	uint64_t t[4];
	ccsp_err ret = CCSP_OK;
	uint64_t ok = ~ccsp_sm2_fe_is_zero(d) & ccsp_sm2_limbs_lt(d, n_minus_1);
	ct_declassify(&ok, sizeof ok);
	if (!ok) {
		ret = CCSP_ERR_KEY;
		goto out;
	}
	impl->mul_base(&p, d);
	ct_declassify(&p, sizeof p); /* the public key */
	memcpy(key->d, d, sizeof key->d);
	ccsp_sm2_sc_to_mont(key->d_m, d);
	ccsp_sm2_sc_add(t, d, one);
	ccsp_sm2_sc_to_mont(t, t);
	ccsp_sm2_sc_inv_mont(key->dinv_m, t);
	key->has_private = 1;
	ret = key_set_public_point(key, impl, &p);
out:
	ccsp_memzero(t, sizeof t);
	ccsp_memzero(&p, sizeof p);
	return ret;
}

ccsp_err ccsp_sm2_key_set_private(ccsp_sm2_key *key, const uint8_t d[32])
{
	uint64_t s[4];
	ccsp_err ret;
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(key != NULL && d != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(!key->has_public, CCSP_ERR_STATE);
	ccsp_sm2_limbs_from_bytes(s, d);
	ret = key_set_scalar(key, s);
	ccsp_memzero(s, sizeof s);
	return ret;
}

ccsp_err ccsp_sm2_random_scalar(uint64_t k[4])
{
	uint8_t b[32];
	ccsp_err ret;
	for (;;) {
		CCSP_CHECK(ccsp_random(b, sizeof b));
		ccsp_sm2_limbs_from_bytes(k, b);
		uint64_t ok = ~ccsp_sm2_fe_is_zero(k) & ccsp_sm2_limbs_lt(k, ccsp_sm2_n);
		ct_declassify(&ok, sizeof ok); /* only whether a draw was rejected */
		if (ok)
			break;
	}
out:
	ccsp_memzero(b, sizeof b);
	return ret;
}

/* Sign and verify a fixed digest with the new pair (GB/T 37092 pairwise consistency). */
static ccsp_err pairwise_test(const ccsp_sm2_key *key)
{
	static const uint8_t e[32] = "ccsp sm2 pairwise consistency..";
	uint8_t sig[64];
	ccsp_err ret = ccsp_sm2_sign_digest(key, e, sig);
	if (ret == CCSP_OK)
		ret = ccsp_sm2_verify_digest(key, e, sig);
	return ret;
}

ccsp_err ccsp_sm2_key_generate(ccsp_sm2_key *key)
{
	static const uint64_t n_minus_1[4] = {0x53bbf40939d54122ULL, 0x7203df6b21c6052bULL, 0xffffffffffffffffULL,
	                                      0xfffffffeffffffffULL};
	uint64_t d[4];
	ccsp_err ret;
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(key != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(!key->has_public, CCSP_ERR_STATE);
	do { /* d in [1, n-2]: draw in [1, n-1], reject n-1 */
		CCSP_CHECK(ccsp_sm2_random_scalar(d));
		uint64_t ok = ~ccsp_sm2_fe_eq(d, n_minus_1);
		ct_declassify(&ok, sizeof ok);
		if (ok)
			break;
	} while (1);
	CCSP_CHECK(key_set_scalar(key, d));
	if (pairwise_test(key) != CCSP_OK) {
		ccsp_memzero(key, sizeof *key);
		ccsp_module_enter_error();
		ret = CCSP_ERR_PAIRWISE;
	}
out:
	ccsp_memzero(d, sizeof d);
	return ret;
}

int ccsp_sm2_key_has_private(const ccsp_sm2_key *key)
{
	return key != NULL && key->has_private;
}

ccsp_err ccsp_sm2_key_get_private(const ccsp_sm2_key *key, uint8_t d[32])
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(key != NULL && d != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(key->has_private, CCSP_ERR_KEY);
	ccsp_sm2_limbs_to_bytes(d, key->d);
	return CCSP_OK;
}

ccsp_err ccsp_sm2_key_get_public(const ccsp_sm2_key *key, uint8_t point[CCSP_SM2_POINT_SIZE])
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(key != NULL && point != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(key->has_public, CCSP_ERR_KEY);
	point[0] = 0x04;
	memcpy(point + 1, key->pub_xy, 64);
	return CCSP_OK;
}

ccsp_err ccsp_sm2_key_get_public_compressed(const ccsp_sm2_key *key, uint8_t point[CCSP_SM2_COMPRESSED_POINT_SIZE])
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(key != NULL && point != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(key->has_public, CCSP_ERR_KEY);
	point[0] = (uint8_t)(0x02 | (key->pub_xy[63] & 1));
	memcpy(point + 1, key->pub_xy, 32);
	return CCSP_OK;
}

ccsp_err ccsp_sm2_compute_z(const ccsp_sm2_key *key, const uint8_t *id, size_t idlen, uint8_t z[32])
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(key != NULL && z != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(key->has_public, CCSP_ERR_KEY);
	if (id == NULL || (idlen == CCSP_SM2_DEFAULT_ID_LEN && memcmp(id, CCSP_SM2_DEFAULT_ID, idlen) == 0)) {
		memcpy(z, key->z_default, 32);
		return CCSP_OK;
	}
	return ccsp_sm2_z_of(key->pub_xy, id, idlen, z);
}

/* e = SM3(z || msg) */
static ccsp_err e_of_z(const uint8_t z[32], const uint8_t *msg, size_t msglen, uint8_t e[32])
{
	ccsp_sm3_ctx ctx;
	ccsp_err ret;
	CCSP_CHECK(ccsp_sm3_init(&ctx));
	CCSP_CHECK(ccsp_sm3_update(&ctx, z, 32));
	if (msglen != 0)
		CCSP_CHECK(ccsp_sm3_update(&ctx, msg, msglen));
	CCSP_CHECK(ccsp_sm3_final(&ctx, e));
out:
	ccsp_memzero(&ctx, sizeof ctx);
	return ret;
}

ccsp_err ccsp_sm2_compute_e(const ccsp_sm2_key *key, const uint8_t *id, size_t idlen, const uint8_t *msg,
                            size_t msglen, uint8_t e[32])
{
	uint8_t z[32];
	CCSP_ENSURE(e != NULL && (msg != NULL || msglen == 0), CCSP_ERR_ARG);
	CCSP_GUARD(ccsp_sm2_compute_z(key, id, idlen, z));
	return e_of_z(z, msg, msglen, e);
}

ccsp_err ccsp_sm2_compute_e_point(const uint8_t *point, size_t len, const uint8_t *id, size_t idlen,
                                  const uint8_t *msg, size_t msglen, uint8_t e[32])
{
	uint8_t xy[64], z[32];
	ccsp_sm2_apoint p;
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(point != NULL && e != NULL && (msg != NULL || msglen == 0), CCSP_ERR_ARG);
	const ccsp_sm2_impl *impl = ccsp_sm2_impl_get();
	if (ccsp_sm2_point_decode(impl, &p, point, len) != CCSP_OK)
		return CCSP_ERR_KEY;
	ccsp_sm2_point_encode(impl, xy, &p);
	CCSP_GUARD(ccsp_sm2_z_of(xy, id, idlen, z));
	return e_of_z(z, msg, msglen, e);
}

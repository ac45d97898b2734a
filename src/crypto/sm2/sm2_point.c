/* SPDX-License-Identifier: Apache-2.0 */
/* SM2 points: the uncompressed and compressed encodings (GB/T 32918.1 4.2.8-4.2.9), and a public key's table for
 * verification, built at its second use. */
#include <stdatomic.h>
#include <string.h>

#include "module.h"
#include "sm2_internal.h"

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

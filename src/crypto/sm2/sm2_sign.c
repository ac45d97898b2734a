/* SPDX-License-Identifier: Apache-2.0 */
/* SM2 digital signatures (GB/T 32918.2-2016 clauses 6 and 7). */
#include <string.h>

#include <ccsp/mem.h>

#include "module.h"
#include "sm2_internal.h"

/* Clause 6.1 A4-A6 for a given k in [1, n-1]. */
ccsp_err ccsp_sm2_sign_core(const ccsp_sm2_impl *impl, const ccsp_sm2_key *key, const uint8_t e[32],
                            const uint64_t k[4], uint8_t sig[64], int *redraw)
{
	ccsp_sm2_apoint p1;
	uint64_t x1[4], r[4], s[4], t[4], ev[4];
	*redraw = 0;
	impl->mul_base(&p1, k); /* k != 0 mod n: never infinity */
	ccsp_sm2_fe_from_mont(impl, x1, p1.x);
	ccsp_sm2_sc_reduce(x1, x1);
	ccsp_sm2_limbs_from_bytes(ev, e);
	ccsp_sm2_sc_reduce(ev, ev);
	ccsp_sm2_sc_add(r, ev, x1); /* r = (e + x1) mod n */
	ccsp_sm2_sc_add(t, r, k);
	/* r is part of the output; r = 0 or r + k = n means: draw another k */
	uint64_t bad = ccsp_sm2_fe_is_zero(r) | ccsp_sm2_fe_is_zero(t);
	ct_declassify(r, sizeof r);
	ct_declassify(&bad, sizeof bad);
	if (bad)
		goto out;
	ccsp_sm2_sc_mont_mul(t, r, key->d_m);     /* r d */
	ccsp_sm2_sc_sub(t, k, t);                 /* k - r d */
	ccsp_sm2_sc_mont_mul(s, t, key->dinv_m); /* (1 + d)^-1 (k - r d) */
	ct_declassify(s, sizeof s);
	bad = ccsp_sm2_fe_is_zero(s);
	if (bad)
		goto out;
	ccsp_sm2_limbs_to_bytes(sig, r);
	ccsp_sm2_limbs_to_bytes(sig + 32, s);
out:
	if (bad) {
		*redraw = 1;
		ccsp_memzero(sig, 64);
	}
	ccsp_memzero(&p1, sizeof p1);
	ccsp_memzero(x1, sizeof x1);
	ccsp_memzero(t, sizeof t);
	return CCSP_OK;
}

ccsp_err ccsp_sm2_sign_digest(const ccsp_sm2_key *key, const uint8_t e[32], uint8_t sig[CCSP_SM2_SIGNATURE_SIZE])
{
	const ccsp_sm2_impl *impl = ccsp_sm2_impl_get();
	uint64_t k[4];
	int redraw = 1;
	ccsp_err ret = CCSP_OK;
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(key != NULL && e != NULL && sig != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(key->has_private, CCSP_ERR_KEY);
	for (int draw = 0; draw < CCSP_SM2_K_DRAWS && redraw; draw++) {
		CCSP_CHECK(ccsp_sm2_random_scalar(k));
		CCSP_CHECK(ccsp_sm2_sign_core(impl, key, e, k, sig, &redraw));
	}
	ret = redraw ? CCSP_ERR_RNG : CCSP_OK;
out:
	ccsp_memzero(k, sizeof k);
	return ret;
}

ccsp_err ccsp_sm2_sign_digest_with_k(const ccsp_sm2_key *key, const uint8_t e[32], const uint8_t k[32],
                                     uint8_t sig[CCSP_SM2_SIGNATURE_SIZE])
{
	uint64_t kv[4];
	int redraw = 0;
	ccsp_err ret = CCSP_ERR_ARG;
	CCSP_ENSURE(key != NULL && e != NULL && k != NULL && sig != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(key->has_private, CCSP_ERR_KEY);
	ccsp_sm2_limbs_from_bytes(kv, k);
	uint64_t ok = ~ccsp_sm2_fe_is_zero(kv) & ccsp_sm2_limbs_lt(kv, ccsp_sm2_n);
	ct_declassify(&ok, sizeof ok);
	if (ok)
		ret = ccsp_sm2_sign_core(ccsp_sm2_impl_get(), key, e, kv, sig, &redraw);
	if (ret == CCSP_OK && redraw) /* this fixed k gives no signature */
		ret = CCSP_ERR_ARG;
	ccsp_memzero(kv, sizeof kv);
	return ret;
}

/* Clause 7.1 B1-B7, e given. Every input is public: variable time. */
ccsp_err ccsp_sm2_verify_core(const ccsp_sm2_impl *impl, const ccsp_sm2_key *key, const uint8_t e[32],
                              const uint8_t sig[64])
{
	uint64_t r[4], s[4], t[4], c[4], ev[4], z2[4], cz[4];
	ccsp_sm2_jpoint q;
	ccsp_sm2_limbs_from_bytes(r, sig);
	ccsp_sm2_limbs_from_bytes(s, sig + 32);
	if (ccsp_sm2_fe_is_zero(r) || ccsp_sm2_fe_is_zero(s) || !ccsp_sm2_limbs_lt(r, ccsp_sm2_n) ||
	    !ccsp_sm2_limbs_lt(s, ccsp_sm2_n))
		return CCSP_ERR_SIGNATURE; /* B1, B2 */
	ccsp_sm2_sc_add(t, r, s);
	if (ccsp_sm2_fe_is_zero(t))
		return CCSP_ERR_SIGNATURE; /* B5 */
	impl->mul_double_vartime(&q, s, t, &key->pub, ccsp_sm2_key_pub_table(impl, key));
	if (ccsp_sm2_fe_is_zero(q.z))
		return CCSP_ERR_SIGNATURE;
	/*
	 * B7: R = (e + x1) mod n == r, i.e. x1 = c or x1 = c + n with c = (r - e) mod n (x1 < p < 2n).
	 * With x1 = X/Z^2: compare X with c Z^2, no inversion.
	 */
	ccsp_sm2_limbs_from_bytes(ev, e);
	ccsp_sm2_sc_reduce(ev, ev);
	ccsp_sm2_sc_sub(c, r, ev);
	impl->fe_sqr(z2, q.z);
	impl->fe_mul(cz, c, ccsp_sm2_fe_r2);
	impl->fe_mul(cz, cz, z2);
	if (ccsp_sm2_fe_eq(cz, q.x))
		return CCSP_OK;
	ccsp_u128 acc = 0;
	for (int i = 0; i < 4; i++) { /* c += n */
		acc += (ccsp_u128)c[i] + ccsp_sm2_n[i];
		c[i] = (uint64_t)acc;
		acc >>= 64;
	}
	if (acc != 0 || !ccsp_sm2_limbs_lt(c, ccsp_sm2_p))
		return CCSP_ERR_SIGNATURE;
	impl->fe_mul(cz, c, ccsp_sm2_fe_r2);
	impl->fe_mul(cz, cz, z2);
	return ccsp_sm2_fe_eq(cz, q.x) ? CCSP_OK : CCSP_ERR_SIGNATURE;
}

ccsp_err ccsp_sm2_verify_digest(const ccsp_sm2_key *key, const uint8_t e[32],
                                const uint8_t sig[CCSP_SM2_SIGNATURE_SIZE])
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(key != NULL && e != NULL && sig != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(key->has_public, CCSP_ERR_KEY);
	return ccsp_sm2_verify_core(ccsp_sm2_impl_get(), key, e, sig);
}

ccsp_err ccsp_sm2_sign(const ccsp_sm2_key *key, const uint8_t *id, size_t idlen, const uint8_t *msg, size_t msglen,
                       uint8_t sig[CCSP_SM2_SIGNATURE_SIZE])
{
	uint8_t e[32];
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(key != NULL && sig != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(key->has_private, CCSP_ERR_KEY);
	CCSP_GUARD(ccsp_sm2_compute_e(key, id, idlen, msg, msglen, e));
	return ccsp_sm2_sign_digest(key, e, sig);
}

ccsp_err ccsp_sm2_verify(const ccsp_sm2_key *key, const uint8_t *id, size_t idlen, const uint8_t *msg, size_t msglen,
                         const uint8_t sig[CCSP_SM2_SIGNATURE_SIZE])
{
	uint8_t e[32];
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(key != NULL && sig != NULL, CCSP_ERR_ARG);
	CCSP_GUARD(ccsp_sm2_compute_e(key, id, idlen, msg, msglen, e));
	return ccsp_sm2_verify_digest(key, e, sig);
}

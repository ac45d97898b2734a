/* SPDX-License-Identifier: Apache-2.0 */
/* SM2 key objects: generation (with the pairwise test), import and export. */
#include <stdatomic.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>
#include <ccsp/sm3.h>

#include "module.h"
#include "sm2_internal.h"

ccsp_sm2_key *ccsp_sm2_key_new(void)
{
	return ccsp_secure_alloc(sizeof(ccsp_sm2_key));
}

void ccsp_sm2_key_free(ccsp_sm2_key *key)
{
	ccsp_secure_free(key);
}

ccsp_err ccsp_sm2_key_move(ccsp_sm2_key *dst, ccsp_sm2_key *src)
{
	CCSP_ENSURE(dst != NULL && src != NULL && dst != src, CCSP_ERR_ARG);
	CCSP_ENSURE(!dst->has_public, CCSP_ERR_STATE);
	memcpy(dst, src, sizeof *dst);
	ccsp_memzero(src, sizeof *src);
	return CCSP_OK;
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

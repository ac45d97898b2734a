/* SPDX-License-Identifier: Apache-2.0 */
/* Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA) and e = SM3(Z || M) (GB/T 32918.2 5.5 and 6.1 A1-A2), for
 * signing and verification. */
#include <string.h>

#include <ccsp/mem.h>
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

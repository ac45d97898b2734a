/* SPDX-License-Identifier: Apache-2.0 */
/* SM2 key agreement and the digital-envelope exchange (GM/T 0018 6.3.12-6.3.14, 2012 6.3). Wire forms:
 * src/sdf/sdf_ops.h; the tags ending in 2 carry the other party's (the sponsor's, for the responder). */
#include <ccsp/sdf.h>

#include "vsmd/ops.h"

#define CT_OVERHEAD 96

static void put_agreement(vsmd_op_ctx *c, const uint8_t pub[64], const uint8_t tmp_pub[64], uint64_t handle)
{
	ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_PUBLIC, pub, 64);
	ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_TMP_PUBLIC, tmp_pub, 64);
	ccsp_sdf_put_u64(c->w, CCSP_SDF_T_HANDLE, handle);
}

ccsp_err vsmd_op_agreement_data(vsmd_op_ctx *c)
{
	uint32_t index, bits;
	const uint8_t *id;
	size_t idlen;
	uint8_t pub[64], tmp_pub[64];
	uint64_t handle = 0;
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, &index));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_BITS, &bits));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_ID, 1, CCSP_SM2_MAX_ID_LEN, &id, &idlen));
	OP_END(c);
	ccsp_err ret = ccsp_vsm_agreement_data(c->s, index, bits, id, idlen, pub, tmp_pub, &handle);
	if (ret == CCSP_OK)
		put_agreement(c, pub, tmp_pub, handle);
	return ret;
}

ccsp_err vsmd_op_agreement_key(vsmd_op_ctx *c)
{
	const uint8_t *id;
	size_t idlen;
	uint8_t pub[64], tmp_pub[64];
	uint64_t agreement, handle = 0;
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_ID, 1, CCSP_SM2_MAX_ID_LEN, &id, &idlen));
	OP_GET(ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_PUBLIC, pub, sizeof pub));
	OP_GET(ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_TMP_PUBLIC, tmp_pub, sizeof tmp_pub));
	OP_GET(ccsp_sdf_get_u64(c->r, CCSP_SDF_T_HANDLE, &agreement));
	OP_END(c);
	ccsp_err ret = ccsp_vsm_agreement_key(c->s, id, idlen, pub, tmp_pub, agreement, &handle);
	if (ret == CCSP_OK)
		ccsp_sdf_put_u64(c->w, CCSP_SDF_T_HANDLE, handle);
	return ret;
}

ccsp_err vsmd_op_agreement_data_and_key(vsmd_op_ctx *c)
{
	uint32_t index, bits;
	const uint8_t *id, *sponsor_id;
	size_t idlen, sponsor_idlen;
	uint8_t sponsor_pub[64], sponsor_tmp[64], pub[64], tmp_pub[64];
	uint64_t handle = 0;
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, &index));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_BITS, &bits));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_ID, 1, CCSP_SM2_MAX_ID_LEN, &id, &idlen));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_ID2, 1, CCSP_SM2_MAX_ID_LEN, &sponsor_id, &sponsor_idlen));
	OP_GET(ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_PUBLIC2, sponsor_pub, sizeof sponsor_pub));
	OP_GET(ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_TMP_PUBLIC2, sponsor_tmp, sizeof sponsor_tmp));
	OP_END(c);
	ccsp_err ret = ccsp_vsm_agreement_data_and_key(c->s, index, bits, id, idlen, sponsor_id, sponsor_idlen,
	                                               sponsor_pub, sponsor_tmp, pub, tmp_pub, &handle);
	if (ret == CCSP_OK)
		put_agreement(c, pub, tmp_pub, handle);
	return ret;
}

ccsp_err vsmd_op_exchange_envelope(vsmd_op_ctx *c)
{
	uint32_t index, alg;
	uint8_t pub[64];
	const uint8_t *ct;
	size_t len;
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, &index));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_ALG, &alg));
	OP_GET(ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_PUBLIC, pub, sizeof pub));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_CIPHER, CT_OVERHEAD + 1, CT_OVERHEAD + CCSP_VSM_SM2_PLAIN_MAX, &ct,
	                          &len));
	OP_END(c);
	if (alg != SGD_SM2_3 && alg != SGD_SM2)
		return CCSP_ERR_UNSUPPORTED;
	uint8_t *out = ccsp_sdf_put_space(c->w, CCSP_SDF_T_CIPHER, len);
	return out == NULL ? CCSP_ERR_NOMEM : ccsp_vsm_exchange_envelope(c->s, index, pub, ct, len, out);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Vendor extension: SM2 pairs whose private key leaves the VSM only wrapped by a KEK (src/vsm/vsm_wrapped.c).
 * Wire forms: src/sdf/sdf_ops.h. */
#include <ccsp/sdf.h>

#include "vsmd/ops.h"

#define CT_OVERHEAD 96

ccsp_err vsmd_op_generate_key_pair_with_kek(vsmd_op_ctx *c)
{
	uint32_t alg, index;
	uint8_t pub[64], wrapped[CCSP_VSM_WRAPPED_PAIR_SIZE];
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_ALG, &alg));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, &index));
	OP_END(c);
	if (alg != SGD_SM2_1 && alg != SGD_SM2_3)
		return CCSP_ERR_UNSUPPORTED; /* the usage must be named: SGD_SM2 alone is refused */
	ccsp_vsm_key_kind usage = alg == SGD_SM2_1 ? CCSP_VSM_KEY_SIGN : CCSP_VSM_KEY_ENC;
	ccsp_err ret = ccsp_vsm_pair_generate_kek(c->s, index, usage, pub, wrapped);
	if (ret == CCSP_OK) {
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_PUBLIC, pub, sizeof pub);
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_WRAPPED, wrapped, sizeof wrapped);
	}
	return ret;
}

ccsp_err vsmd_op_sign_with_kek(vsmd_op_ctx *c)
{
	uint32_t index;
	const uint8_t *wrapped;
	size_t wlen;
	uint8_t e[32], sig[64];
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, &index));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_WRAPPED, 1, CCSP_SDF_WRAPPED_MAX, &wrapped, &wlen));
	OP_GET(ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_DATA, e, sizeof e));
	OP_END(c);
	ccsp_err ret = ccsp_vsm_pair_sign_kek(c->s, index, wrapped, wlen, e, sig);
	if (ret == CCSP_OK)
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_SIGNATURE, sig, sizeof sig);
	return ret;
}

ccsp_err vsmd_op_decrypt_with_kek(vsmd_op_ctx *c)
{
	uint32_t index;
	const uint8_t *wrapped, *ct;
	size_t wlen, len;
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, &index));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_WRAPPED, 1, CCSP_SDF_WRAPPED_MAX, &wrapped, &wlen));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_CIPHER, CT_OVERHEAD + 1, CT_OVERHEAD + CCSP_VSM_SM2_PLAIN_MAX, &ct,
	                          &len));
	OP_END(c);
	uint8_t *out = ccsp_sdf_put_space(c->w, CCSP_SDF_T_DATA, len - CT_OVERHEAD);
	return out == NULL ? CCSP_ERR_NOMEM : ccsp_vsm_pair_decrypt_kek(c->s, index, wrapped, wlen, ct, len, out);
}

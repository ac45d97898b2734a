/* SPDX-License-Identifier: Apache-2.0 */
/* Vendor extensions with keys that leave the VSM only wrapped by a KEK: SM2 pairs (src/vsm/vsm_wrapped.c) and
 * SM4-GCM with a wrapped SM4 key (src/vsm/vsm_sym.c). Wire forms: src/sdf/sdf_ops.h. */
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

ccsp_err vsmd_op_auth_enc_with_kek(vsmd_op_ctx *c)
{
	uint32_t index;
	const uint8_t *wrapped, *aad, *in;
	size_t wlen, aadlen, len;
	uint8_t iv[CCSP_VSM_KEK_GCM_IV_SIZE], tag[16];
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, &index));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_WRAPPED, 1, CCSP_SDF_WRAPPED_MAX, &wrapped, &wlen));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_AAD, 0, AAD_MAX, &aad, &aadlen));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_DATA, 0, CCSP_SDF_MAX_DATA, &in, &len));
	OP_END(c);
	/* the ciphertext goes straight into the answer, so it is the first field; the IV the same call draws follows */
	uint8_t *out = ccsp_sdf_put_space(c->w, CCSP_SDF_T_DATA, len);
	if (out == NULL)
		return CCSP_ERR_NOMEM;
	ccsp_err ret = ccsp_vsm_auth_enc_kek(c->s, index, wrapped, wlen, aad, aadlen, in, len, iv, out, tag);
	if (ret == CCSP_OK) {
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_IV, iv, sizeof iv);
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_TAG, tag, sizeof tag);
	}
	return ret;
}

ccsp_err vsmd_op_auth_dec_with_kek(vsmd_op_ctx *c)
{
	uint32_t index;
	const uint8_t *wrapped, *aad, *in;
	size_t wlen, aadlen, len;
	uint8_t iv[CCSP_VSM_KEK_GCM_IV_SIZE], tag[16];
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, &index));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_WRAPPED, 1, CCSP_SDF_WRAPPED_MAX, &wrapped, &wlen));
	OP_GET(ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_IV, iv, sizeof iv));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_AAD, 0, AAD_MAX, &aad, &aadlen));
	OP_GET(ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_TAG, tag, sizeof tag));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_DATA, 0, CCSP_SDF_MAX_DATA, &in, &len));
	OP_END(c);
	uint8_t *out = ccsp_sdf_put_space(c->w, CCSP_SDF_T_DATA, len);
	return out == NULL ? CCSP_ERR_NOMEM
	                   : ccsp_vsm_auth_dec_kek(c->s, index, wrapped, wlen, iv, aad, aadlen, tag, in, len, out);
}

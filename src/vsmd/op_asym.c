/* SPDX-License-Identifier: Apache-2.0 */
/* SM2 operations and session keys (GM/T 0018 6.3, 6.4, 6.8). Wire forms: src/sdf/sdf_ops.h. */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/sdf.h>

#include "vsmd/ops.h"

#define CT_OVERHEAD 96

static ccsp_err export_public(vsmd_op_ctx *c, ccsp_vsm_key_kind kind)
{
	uint32_t index;
	uint8_t pub[64];
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, &index));
	OP_END(c);
	ccsp_err ret = ccsp_vsm_export_public(c->s, kind, index, pub);
	if (ret == CCSP_OK)
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_PUBLIC, pub, sizeof pub);
	return ret;
}

ccsp_err vsmd_op_export_sign_public(vsmd_op_ctx *c)
{
	return export_public(c, CCSP_VSM_KEY_SIGN);
}

ccsp_err vsmd_op_export_enc_public(vsmd_op_ctx *c)
{
	return export_public(c, CCSP_VSM_KEY_ENC);
}

ccsp_err vsmd_op_internal_sign(vsmd_op_ctx *c)
{
	uint32_t index;
	uint8_t e[32], sig[64];
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, &index));
	OP_GET(ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_DATA, e, sizeof e));
	OP_END(c);
	ccsp_err ret = ccsp_vsm_internal_sign(c->s, index, e, sig);
	if (ret == CCSP_OK)
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_SIGNATURE, sig, sizeof sig);
	return ret;
}

ccsp_err vsmd_op_internal_verify(vsmd_op_ctx *c)
{
	uint32_t index;
	uint8_t e[32], sig[64];
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, &index));
	OP_GET(ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_DATA, e, sizeof e));
	OP_GET(ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_SIGNATURE, sig, sizeof sig));
	OP_END(c);
	return ccsp_vsm_internal_verify(c->s, index, e, sig);
}

static ccsp_err get_sm2_alg(vsmd_op_ctx *c, uint32_t want)
{
	uint32_t alg;
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_ALG, &alg));
	if (alg != want && alg != SGD_SM2)
		return CCSP_ERR_UNSUPPORTED;
	return CCSP_OK;
}

ccsp_err vsmd_op_external_verify(vsmd_op_ctx *c)
{
	uint8_t pub[64], e[32], sig[64];
	ccsp_err ret = get_sm2_alg(c, SGD_SM2_1);
	if (ret != CCSP_OK)
		return ret;
	OP_GET(ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_PUBLIC, pub, sizeof pub));
	OP_GET(ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_DATA, e, sizeof e));
	OP_GET(ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_SIGNATURE, sig, sizeof sig));
	OP_END(c);
	return ccsp_vsm_external_verify(c->s, pub, e, sig);
}

ccsp_err vsmd_op_external_encrypt(vsmd_op_ctx *c)
{
	uint8_t pub[64];
	const uint8_t *msg;
	size_t len;
	ccsp_err ret = get_sm2_alg(c, SGD_SM2_3);
	if (ret != CCSP_OK)
		return ret;
	OP_GET(ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_PUBLIC, pub, sizeof pub));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_DATA, 1, CCSP_VSM_SM2_PLAIN_MAX, &msg, &len));
	OP_END(c);
	uint8_t *out = ccsp_sdf_put_space(c->w, CCSP_SDF_T_CIPHER, len + CT_OVERHEAD);
	return out == NULL ? CCSP_ERR_NOMEM : ccsp_vsm_external_encrypt(c->s, pub, msg, len, out);
}

ccsp_err vsmd_op_internal_encrypt(vsmd_op_ctx *c)
{
	uint32_t index;
	const uint8_t *msg;
	size_t len;
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, &index));
	ccsp_err ret = get_sm2_alg(c, SGD_SM2_3);
	if (ret != CCSP_OK)
		return ret;
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_DATA, 1, CCSP_VSM_SM2_PLAIN_MAX, &msg, &len));
	OP_END(c);
	uint8_t *out = ccsp_sdf_put_space(c->w, CCSP_SDF_T_CIPHER, len + CT_OVERHEAD);
	return out == NULL ? CCSP_ERR_NOMEM : ccsp_vsm_internal_encrypt(c->s, index, msg, len, out);
}

ccsp_err vsmd_op_internal_decrypt(vsmd_op_ctx *c)
{
	uint32_t index;
	const uint8_t *ct;
	size_t len;
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, &index));
	ccsp_err ret = get_sm2_alg(c, SGD_SM2_3);
	if (ret != CCSP_OK)
		return ret;
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_CIPHER, CT_OVERHEAD + 1, CT_OVERHEAD + CCSP_VSM_SM2_PLAIN_MAX, &ct, &len));
	OP_END(c);
	uint8_t *out = ccsp_sdf_put_space(c->w, CCSP_SDF_T_DATA, len - CT_OVERHEAD);
	return out == NULL ? CCSP_ERR_NOMEM : ccsp_vsm_internal_decrypt(c->s, index, ct, len, out);
}

ccsp_err vsmd_op_generate_key_pair(vsmd_op_ctx *c)
{
	uint32_t bits;
	uint8_t pub[64], priv[32];
	ccsp_err ret = get_sm2_alg(c, SGD_SM2_1);
	if (ret != CCSP_OK)
		return ret;
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_BITS, &bits));
	OP_END(c);
	if (bits != 256)
		return CCSP_ERR_KEY_LENGTH;
	ret = ccsp_vsm_generate_key_pair(c->s, pub, priv);
	if (ret == CCSP_OK) {
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_PUBLIC, pub, sizeof pub);
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_PRIVATE, priv, sizeof priv);
	}
	ccsp_memzero(priv, sizeof priv);
	return ret;
}

ccsp_err vsmd_op_external_sign(vsmd_op_ctx *c)
{
	uint8_t priv[32], e[32], sig[64];
	ccsp_err ret = get_sm2_alg(c, SGD_SM2_1);
	if (ret != CCSP_OK)
		return ret;
	if (ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_PRIVATE, priv, sizeof priv) != CCSP_OK ||
	    ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_DATA, e, sizeof e) != CCSP_OK || ccsp_sdf_reader_end(c->r) != CCSP_OK)
		ret = CCSP_ERR_PROTOCOL;
	else
		ret = ccsp_vsm_external_sign(c->s, priv, e, sig);
	if (ret == CCSP_OK)
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_SIGNATURE, sig, sizeof sig);
	ccsp_memzero(priv, sizeof priv);
	return ret;
}

ccsp_err vsmd_op_external_decrypt(vsmd_op_ctx *c)
{
	uint8_t priv[32];
	const uint8_t *ct = NULL;
	size_t len = 0;
	uint8_t *out = NULL;
	ccsp_err ret = get_sm2_alg(c, SGD_SM2_3);
	if (ret != CCSP_OK)
		return ret;
	if (ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_PRIVATE, priv, sizeof priv) != CCSP_OK ||
	    ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_CIPHER, CT_OVERHEAD + 1, CT_OVERHEAD + CCSP_VSM_SM2_PLAIN_MAX, &ct,
	                       &len) != CCSP_OK ||
	    ccsp_sdf_reader_end(c->r) != CCSP_OK)
		ret = CCSP_ERR_PROTOCOL;
	else if ((out = ccsp_sdf_put_space(c->w, CCSP_SDF_T_DATA, len - CT_OVERHEAD)) == NULL)
		ret = CCSP_ERR_NOMEM;
	else
		ret = ccsp_vsm_external_decrypt(c->s, priv, ct, len, out);
	ccsp_memzero(priv, sizeof priv);
	return ret;
}

/* ---- session keys ---- */

static ccsp_err put_key_result(vsmd_op_ctx *c, ccsp_err ret, uint16_t tag, const uint8_t *blob, size_t len,
                               uint64_t handle)
{
	if (ret == CCSP_OK) {
		ccsp_sdf_put_bytes(c->w, tag, blob, len);
		ccsp_sdf_put_u64(c->w, CCSP_SDF_T_HANDLE, handle);
	}
	return ret;
}

ccsp_err vsmd_op_generate_key_with_ipk(vsmd_op_ctx *c)
{
	uint32_t index, bits;
	uint8_t ct[32 + CT_OVERHEAD];
	size_t ctlen = 0;
	uint64_t handle = 0;
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, &index));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_BITS, &bits));
	OP_END(c);
	ccsp_err ret = ccsp_vsm_key_generate_ipk(c->s, index, bits, ct, &ctlen, &handle);
	return put_key_result(c, ret, CCSP_SDF_T_CIPHER, ct, ctlen, handle);
}

ccsp_err vsmd_op_generate_key_with_epk(vsmd_op_ctx *c)
{
	uint32_t bits;
	uint8_t pub[64], ct[32 + CT_OVERHEAD];
	size_t ctlen = 0;
	uint64_t handle = 0;
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_BITS, &bits));
	ccsp_err ret = get_sm2_alg(c, SGD_SM2_3);
	if (ret != CCSP_OK)
		return ret;
	OP_GET(ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_PUBLIC, pub, sizeof pub));
	OP_END(c);
	ret = ccsp_vsm_key_generate_epk(c->s, pub, bits, ct, &ctlen, &handle);
	return put_key_result(c, ret, CCSP_SDF_T_CIPHER, ct, ctlen, handle);
}

ccsp_err vsmd_op_import_key_with_isk(vsmd_op_ctx *c)
{
	uint32_t index;
	const uint8_t *ct;
	size_t len;
	uint64_t handle = 0;
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, &index));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_CIPHER, 1, 32 + CT_OVERHEAD, &ct, &len));
	OP_END(c);
	ccsp_err ret = ccsp_vsm_key_import_isk(c->s, index, ct, len, &handle);
	if (ret == CCSP_OK)
		ccsp_sdf_put_u64(c->w, CCSP_SDF_T_HANDLE, handle);
	return ret;
}

ccsp_err vsmd_op_generate_key_with_kek(vsmd_op_ctx *c)
{
	uint32_t bits, alg, index;
	uint8_t wrapped[CCSP_VSM_WRAPPED_SECRET_MAX];
	size_t len = 0;
	uint64_t handle = 0;
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_BITS, &bits));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_ALG, &alg));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, &index));
	OP_END(c);
	ccsp_err ret = ccsp_vsm_key_generate_kek(c->s, index, bits, alg, wrapped, &len, &handle);
	return put_key_result(c, ret, CCSP_SDF_T_DATA, wrapped, len, handle);
}

ccsp_err vsmd_op_import_key_with_kek(vsmd_op_ctx *c)
{
	uint32_t alg, index;
	const uint8_t *wrapped;
	size_t len;
	uint64_t handle = 0;
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_ALG, &alg));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, &index));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_DATA, 1, CCSP_VSM_WRAPPED_SECRET_MAX, &wrapped, &len));
	OP_END(c);
	ccsp_err ret = ccsp_vsm_key_import_kek(c->s, index, alg, wrapped, len, &handle);
	if (ret == CCSP_OK)
		ccsp_sdf_put_u64(c->w, CCSP_SDF_T_HANDLE, handle);
	return ret;
}

ccsp_err vsmd_op_destroy_key(vsmd_op_ctx *c)
{
	uint64_t handle;
	OP_GET(ccsp_sdf_get_u64(c->r, CCSP_SDF_T_HANDLE, &handle));
	OP_END(c);
	return ccsp_vsm_key_destroy(c->s, handle);
}

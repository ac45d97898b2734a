/* SPDX-License-Identifier: Apache-2.0 */
/* Symmetric operations, hash and HMAC (GM/T 0018 6.5, 6.6). */
#include <string.h>

#include <ccsp/sdf.h>

#include "vsmd/ops.h"

/* handle, alg, iv (16 bytes, or empty for ECB), data. */
static ccsp_err get_sym_request(vsmd_op_ctx *c, uint64_t *handle, uint32_t *alg, const uint8_t **iv,
                                const uint8_t **in, size_t *len)
{
	size_t ivlen;
	OP_GET(ccsp_sdf_get_u64(c->r, CCSP_SDF_T_HANDLE, handle));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_ALG, alg));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_IV, 0, 16, iv, &ivlen));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_DATA, 0, CCSP_SDF_MAX_DATA, in, len));
	OP_END(c);
	if (ivlen != 16) {
		if (*alg != SGD_SM4_ECB)
			return CCSP_ERR_IV_LENGTH;
		*iv = NULL;
	}
	return CCSP_OK;
}

static ccsp_err sym_crypt(vsmd_op_ctx *c, int enc)
{
	uint64_t handle;
	uint32_t alg;
	const uint8_t *iv, *in;
	size_t len;
	ccsp_err ret = get_sym_request(c, &handle, &alg, &iv, &in, &len);
	if (ret != CCSP_OK)
		return ret;
	uint8_t *out = ccsp_sdf_put_space(c->w, CCSP_SDF_T_DATA, len);
	if (out == NULL)
		return CCSP_ERR_NOMEM;
	return enc ? ccsp_vsm_encrypt(c->s, handle, alg, iv, in, len, out)
	           : ccsp_vsm_decrypt(c->s, handle, alg, iv, in, len, out);
}

ccsp_err vsmd_op_encrypt(vsmd_op_ctx *c)
{
	return sym_crypt(c, 1);
}

ccsp_err vsmd_op_decrypt(vsmd_op_ctx *c)
{
	return sym_crypt(c, 0);
}

ccsp_err vsmd_op_calculate_mac(vsmd_op_ctx *c)
{
	uint64_t handle;
	uint32_t alg;
	const uint8_t *iv, *in;
	size_t len;
	uint8_t mac[16];
	ccsp_err ret = get_sym_request(c, &handle, &alg, &iv, &in, &len);
	if (ret == CCSP_OK)
		ret = ccsp_vsm_mac(c->s, handle, alg, iv, in, len, mac);
	if (ret == CCSP_OK)
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_MAC, mac, sizeof mac);
	return ret;
}

ccsp_err vsmd_op_auth_enc(vsmd_op_ctx *c)
{
	uint64_t handle;
	uint32_t alg;
	const uint8_t *iv, *aad, *in;
	size_t ivlen, aadlen, len;
	uint8_t tag[16];
	OP_GET(ccsp_sdf_get_u64(c->r, CCSP_SDF_T_HANDLE, &handle));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_ALG, &alg));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_IV, 1, GCM_IV_MAX, &iv, &ivlen));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_AAD, 0, AAD_MAX, &aad, &aadlen));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_DATA, 0, CCSP_SDF_MAX_DATA, &in, &len));
	OP_END(c);
	uint8_t *out = ccsp_sdf_put_space(c->w, CCSP_SDF_T_DATA, len);
	if (out == NULL)
		return CCSP_ERR_NOMEM;
	ccsp_err ret = ccsp_vsm_auth_enc(c->s, handle, alg, iv, ivlen, aad, aadlen, in, len, out, tag);
	if (ret == CCSP_OK)
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_TAG, tag, sizeof tag);
	return ret;
}

ccsp_err vsmd_op_auth_dec(vsmd_op_ctx *c)
{
	uint64_t handle;
	uint32_t alg;
	const uint8_t *iv, *aad, *tag, *in;
	size_t ivlen, aadlen, taglen, len;
	OP_GET(ccsp_sdf_get_u64(c->r, CCSP_SDF_T_HANDLE, &handle));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_ALG, &alg));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_IV, 1, GCM_IV_MAX, &iv, &ivlen));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_AAD, 0, AAD_MAX, &aad, &aadlen));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_TAG, 1, 16, &tag, &taglen));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_DATA, 0, CCSP_SDF_MAX_DATA, &in, &len));
	OP_END(c);
	uint8_t *out = ccsp_sdf_put_space(c->w, CCSP_SDF_T_DATA, len);
	if (out == NULL)
		return CCSP_ERR_NOMEM;
	return ccsp_vsm_auth_dec(c->s, handle, alg, iv, ivlen, aad, aadlen, tag, taglen, in, len, out);
}

ccsp_err vsmd_op_hash_init(vsmd_op_ctx *c)
{
	uint32_t alg;
	const uint8_t *pub = NULL, *id = NULL;
	size_t publen = 0, idlen = 0;
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_ALG, &alg));
	if (ccsp_sdf_peek_tag(c->r, CCSP_SDF_T_PUBLIC)) {
		OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_PUBLIC, 64, 64, &pub, &publen));
		OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_ID, 1, CCSP_SM2_MAX_ID_LEN, &id, &idlen));
	}
	OP_END(c);
	return ccsp_vsm_hash_init(c->s, alg, pub, id, idlen);
}

ccsp_err vsmd_op_hash_update(vsmd_op_ctx *c)
{
	const uint8_t *in;
	size_t len;
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_DATA, 0, CCSP_SDF_MAX_DATA, &in, &len));
	OP_END(c);
	return ccsp_vsm_hash_update(c->s, in, len);
}

ccsp_err vsmd_op_hash_final(vsmd_op_ctx *c)
{
	uint8_t out[32];
	OP_END(c);
	ccsp_err ret = ccsp_vsm_hash_final(c->s, out);
	if (ret == CCSP_OK)
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_DATA, out, sizeof out);
	return ret;
}

ccsp_err vsmd_op_hmac_init(vsmd_op_ctx *c)
{
	uint64_t handle;
	uint32_t alg;
	OP_GET(ccsp_sdf_get_u64(c->r, CCSP_SDF_T_HANDLE, &handle));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_ALG, &alg));
	OP_END(c);
	return ccsp_vsm_hmac_init(c->s, handle, alg);
}

ccsp_err vsmd_op_hmac_update(vsmd_op_ctx *c)
{
	const uint8_t *in;
	size_t len;
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_DATA, 0, CCSP_SDF_MAX_DATA, &in, &len));
	OP_END(c);
	return ccsp_vsm_hmac_update(c->s, in, len);
}

ccsp_err vsmd_op_hmac_final(vsmd_op_ctx *c)
{
	uint8_t out[32];
	OP_END(c);
	ccsp_err ret = ccsp_vsm_hmac_final(c->s, out);
	if (ret == CCSP_OK)
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_MAC, out, sizeof out);
	return ret;
}

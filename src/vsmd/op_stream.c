/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Multi-part symmetric operations (GM/T 0018-2023 6.5.7-6.5.21) and the external-key functions of 6.8. The
 * state lives in the VSM session; an Update carries at most CCSP_SDF_MAX_DATA bytes (libsdf splits larger
 * ones). An IV field of other than 16 bytes means none (accepted by ECB only).
 */
#include <ccsp/sdf.h>

#include "vsmd/ops.h"

#define EXT_KEY_MAX 32 /* SM4 (16) or SM4-XTS (32) */

typedef ccsp_err (*key_init_fn)(ccsp_vsm_session *s, uint64_t handle, uint32_t alg, const uint8_t *iv);
typedef ccsp_err (*ext_init_fn)(ccsp_vsm_session *s, uint32_t alg, const uint8_t *key, size_t keylen,
                                const uint8_t *iv);
typedef ccsp_err (*crypt_update_fn)(ccsp_vsm_session *s, const uint8_t *in, size_t len, uint8_t *out,
                                    size_t *outlen);
typedef ccsp_err (*ext_crypt_fn)(ccsp_vsm_session *s, uint32_t alg, const uint8_t *key, size_t keylen,
                                 const uint8_t *iv, const uint8_t *in, size_t len, uint8_t *out);

/* handle, alg, iv */
static ccsp_err key_init(vsmd_op_ctx *c, key_init_fn init)
{
	uint64_t handle;
	uint32_t alg;
	const uint8_t *iv;
	size_t ivlen;
	OP_GET(ccsp_sdf_get_u64(c->r, CCSP_SDF_T_HANDLE, &handle));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_ALG, &alg));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_IV, 0, 16, &iv, &ivlen));
	OP_END(c);
	return init(c->s, handle, alg, ivlen == 16 ? iv : NULL);
}

/* data -> data: up to 15 bytes of an earlier Update may come out with this one. */
static ccsp_err crypt_update(vsmd_op_ctx *c, crypt_update_fn update)
{
	const uint8_t *in;
	size_t len, outlen = 0;
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_DATA, 0, CCSP_SDF_MAX_DATA, &in, &len));
	OP_END(c);
	uint8_t *out = ccsp_sdf_put_space(c->w, CCSP_SDF_T_DATA, len + 15);
	if (out == NULL)
		return CCSP_ERR_NOMEM;
	ccsp_err ret = update(c->s, in, len, out, &outlen);
	if (ret == CCSP_OK)
		ccsp_sdf_shrink_last(c->w, outlen);
	return ret;
}

/* -> data (none: there is no padding) */
static ccsp_err crypt_final(vsmd_op_ctx *c, ccsp_err (*final)(ccsp_vsm_session *s))
{
	OP_END(c);
	ccsp_err ret = final(c->s);
	if (ret == CCSP_OK)
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_DATA, NULL, 0);
	return ret;
}

ccsp_err vsmd_op_encrypt_init(vsmd_op_ctx *c)
{
	return key_init(c, ccsp_vsm_encrypt_init);
}

ccsp_err vsmd_op_encrypt_update(vsmd_op_ctx *c)
{
	return crypt_update(c, ccsp_vsm_encrypt_update);
}

ccsp_err vsmd_op_encrypt_final(vsmd_op_ctx *c)
{
	return crypt_final(c, ccsp_vsm_encrypt_final);
}

ccsp_err vsmd_op_decrypt_init(vsmd_op_ctx *c)
{
	return key_init(c, ccsp_vsm_decrypt_init);
}

ccsp_err vsmd_op_decrypt_update(vsmd_op_ctx *c)
{
	return crypt_update(c, ccsp_vsm_decrypt_update);
}

ccsp_err vsmd_op_decrypt_final(vsmd_op_ctx *c)
{
	return crypt_final(c, ccsp_vsm_decrypt_final);
}

ccsp_err vsmd_op_mac_init(vsmd_op_ctx *c)
{
	return key_init(c, ccsp_vsm_mac_init);
}

ccsp_err vsmd_op_mac_update(vsmd_op_ctx *c)
{
	const uint8_t *in;
	size_t len;
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_DATA, 0, CCSP_SDF_MAX_DATA, &in, &len));
	OP_END(c);
	return ccsp_vsm_mac_update(c->s, in, len);
}

ccsp_err vsmd_op_mac_final(vsmd_op_ctx *c)
{
	uint8_t mac[16];
	OP_END(c);
	ccsp_err ret = ccsp_vsm_mac_final(c->s, mac);
	if (ret == CCSP_OK)
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_MAC, mac, sizeof mac);
	return ret;
}

/* ---- SM4-GCM ---- */

/* AuthEnc: handle, alg, iv, aad, length. AuthDec: handle, alg, iv, aad, tag, length. */
ccsp_err vsmd_op_auth_enc_init(vsmd_op_ctx *c)
{
	uint64_t handle;
	uint32_t alg, total;
	const uint8_t *iv, *aad;
	size_t ivlen, aadlen;
	OP_GET(ccsp_sdf_get_u64(c->r, CCSP_SDF_T_HANDLE, &handle));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_ALG, &alg));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_IV, 1, GCM_IV_MAX, &iv, &ivlen));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_AAD, 0, AAD_MAX, &aad, &aadlen));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_LENGTH, &total));
	OP_END(c);
	return ccsp_vsm_auth_enc_init(c->s, handle, alg, iv, ivlen, aad, aadlen, total);
}

ccsp_err vsmd_op_auth_enc_update(vsmd_op_ctx *c)
{
	const uint8_t *in;
	size_t len;
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_DATA, 0, CCSP_SDF_MAX_DATA, &in, &len));
	OP_END(c);
	uint8_t *out = ccsp_sdf_put_space(c->w, CCSP_SDF_T_DATA, len);
	if (out == NULL)
		return CCSP_ERR_NOMEM;
	return ccsp_vsm_auth_enc_update(c->s, in, len, out);
}

/* -> data (none: GCM Updates write all of theirs), tag */
ccsp_err vsmd_op_auth_enc_final(vsmd_op_ctx *c)
{
	uint8_t tag[16];
	OP_END(c);
	ccsp_err ret = ccsp_vsm_auth_enc_final(c->s, tag);
	if (ret == CCSP_OK) {
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_DATA, NULL, 0);
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_TAG, tag, sizeof tag);
	}
	return ret;
}

ccsp_err vsmd_op_auth_dec_init(vsmd_op_ctx *c)
{
	uint64_t handle;
	uint32_t alg, total;
	const uint8_t *iv, *aad, *tag;
	size_t ivlen, aadlen, taglen;
	OP_GET(ccsp_sdf_get_u64(c->r, CCSP_SDF_T_HANDLE, &handle));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_ALG, &alg));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_IV, 1, GCM_IV_MAX, &iv, &ivlen));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_AAD, 0, AAD_MAX, &aad, &aadlen));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_TAG, 1, 16, &tag, &taglen));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_LENGTH, &total));
	OP_END(c);
	return ccsp_vsm_auth_dec_init(c->s, handle, alg, iv, ivlen, aad, aadlen, tag, taglen, total);
}

/* data -> data (none: the plaintext is withheld until Final has checked the tag) */
ccsp_err vsmd_op_auth_dec_update(vsmd_op_ctx *c)
{
	const uint8_t *in;
	size_t len;
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_DATA, 0, CCSP_SDF_MAX_DATA, &in, &len));
	OP_END(c);
	ccsp_err ret = ccsp_vsm_auth_dec_update(c->s, in, len);
	if (ret == CCSP_OK)
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_DATA, NULL, 0);
	return ret;
}

/* -> data, length: the verified plaintext, at most CCSP_SDF_MAX_DATA bytes a frame; length is what is still
 * to come, fetched by calling Final again. */
ccsp_err vsmd_op_auth_dec_final(vsmd_op_ctx *c)
{
	size_t ready, n, left;
	OP_END(c);
	ccsp_err ret = ccsp_vsm_auth_dec_final(c->s, &ready);
	if (ret != CCSP_OK)
		return ret;
	size_t cap = ready < CCSP_SDF_MAX_DATA ? ready : CCSP_SDF_MAX_DATA;
	uint8_t *out = ccsp_sdf_put_space(c->w, CCSP_SDF_T_DATA, cap);
	if (out == NULL)
		return CCSP_ERR_NOMEM; /* the plaintext stays in the session: Final may be called again */
	ret = ccsp_vsm_auth_dec_take(c->s, out, cap, &n, &left);
	if (ret == CCSP_OK)
		ccsp_sdf_put_u32(c->w, CCSP_SDF_T_LENGTH, (uint32_t)left);
	return ret;
}

/* ---- 6.8: a caller's key ---- */

/* alg, key, iv, data -> data */
static ccsp_err ext_crypt(vsmd_op_ctx *c, ext_crypt_fn crypt)
{
	uint32_t alg;
	const uint8_t *key, *iv, *in;
	size_t keylen, ivlen, len;
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_ALG, &alg));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_KEY, 1, EXT_KEY_MAX, &key, &keylen));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_IV, 0, 16, &iv, &ivlen));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_DATA, 0, CCSP_SDF_MAX_DATA, &in, &len));
	OP_END(c);
	uint8_t *out = ccsp_sdf_put_space(c->w, CCSP_SDF_T_DATA, len);
	if (out == NULL)
		return CCSP_ERR_NOMEM;
	return crypt(c->s, alg, key, keylen, ivlen == 16 ? iv : NULL, in, len, out);
}

/* alg, key, iv */
static ccsp_err ext_init(vsmd_op_ctx *c, ext_init_fn init)
{
	uint32_t alg;
	const uint8_t *key, *iv;
	size_t keylen, ivlen;
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_ALG, &alg));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_KEY, 1, EXT_KEY_MAX, &key, &keylen));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_IV, 0, 16, &iv, &ivlen));
	OP_END(c);
	return init(c->s, alg, key, keylen, ivlen == 16 ? iv : NULL);
}

ccsp_err vsmd_op_external_key_encrypt(vsmd_op_ctx *c)
{
	return ext_crypt(c, ccsp_vsm_external_key_encrypt);
}

ccsp_err vsmd_op_external_key_decrypt(vsmd_op_ctx *c)
{
	return ext_crypt(c, ccsp_vsm_external_key_decrypt);
}

ccsp_err vsmd_op_external_key_encrypt_init(vsmd_op_ctx *c)
{
	return ext_init(c, ccsp_vsm_external_key_encrypt_init);
}

ccsp_err vsmd_op_external_key_decrypt_init(vsmd_op_ctx *c)
{
	return ext_init(c, ccsp_vsm_external_key_decrypt_init);
}

/* alg, key (an HMAC key of any length the frame carries) */
ccsp_err vsmd_op_external_key_hmac_init(vsmd_op_ctx *c)
{
	uint32_t alg;
	const uint8_t *key;
	size_t keylen;
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_ALG, &alg));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_KEY, 1, CCSP_SDF_MAX_DATA, &key, &keylen));
	OP_END(c);
	return ccsp_vsm_external_key_hmac_init(c->s, alg, key, keylen);
}

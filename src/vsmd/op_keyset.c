/* SPDX-License-Identifier: Apache-2.0 */
/* Vendor extension: a key set's backup, one key moved between the KEK and a backup key (src/vsm/vsm_keyset.c).
 * Wire forms: src/sdf/sdf_ops.h. Every field is read with its bounds; nothing of the request is trusted. */
#include <ccsp/mem.h>
#include <ccsp/sdf.h>

#include "vsmd/ops.h"

#define BKEY_MAX CCSP_VSM_WRAPPED_SECRET_MAX /* an SM4 key's wrap, sealed or SM4-ECB */
_Static_assert(SDF_KEYSET_AAD_MAX == CCSP_VSM_KEYSET_AAD_MAX && SDF_KEYSET_IV_SIZE == CCSP_VSM_KEYSET_IV_SIZE,
               "sdf.h's bounds are the VSM's");

static int kind_is_pair(uint32_t kind)
{
	return kind == SDF_KEY_KIND_SM2_SIGN || kind == SDF_KEY_KIND_SM2_ENC;
}

static int kind_ok(uint32_t kind)
{
	return kind >= SDF_KEY_KIND_SM4 && kind <= SDF_KEY_KIND_SM2_ENC;
}

ccsp_err vsmd_op_export_key_with_backup_key(vsmd_op_ctx *c)
{
	uint32_t index, kind;
	const uint8_t *bkey, *wrapped, *aad;
	size_t bklen, wlen, aadlen, ctlen = 0;
	uint8_t pub[64], iv[CCSP_VSM_KEYSET_IV_SIZE], ct[32], tag[CCSP_VSM_KEYSET_TAG_SIZE];
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, &index));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_KEY, 1, BKEY_MAX, &bkey, &bklen));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_KIND, &kind));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_WRAPPED, 1, CCSP_SDF_WRAPPED_MAX, &wrapped, &wlen));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_AAD, 1, CCSP_VSM_KEYSET_AAD_MAX, &aad, &aadlen));
	if (kind_is_pair(kind))
		OP_GET(ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_PUBLIC, pub, sizeof pub));
	OP_END(c);
	if (!kind_ok(kind))
		return CCSP_ERR_ARG;
	ccsp_err ret = ccsp_vsm_keyset_export(c->s, index, bkey, bklen, (ccsp_vsm_material)kind, wrapped, wlen,
	                                      kind_is_pair(kind) ? pub : NULL, aad, aadlen, iv, ct, &ctlen, tag);
	if (ret == CCSP_OK) {
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_IV, iv, sizeof iv);
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_DATA, ct, ctlen);
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_TAG, tag, sizeof tag);
	}
	return ret; /* the entry is a ciphertext under the backup key: nothing here to wipe */
}

ccsp_err vsmd_op_import_key_with_backup_key(vsmd_op_ctx *c)
{
	uint32_t index, kind;
	const uint8_t *bkey, *aad, *ct;
	size_t bklen, aadlen, ctlen, wlen = 0;
	uint8_t pub[64], iv[CCSP_VSM_KEYSET_IV_SIZE], tag[CCSP_VSM_KEYSET_TAG_SIZE];
	uint8_t wrapped[CCSP_VSM_WRAPPED_PAIR_SIZE];
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, &index));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_KEY, 1, BKEY_MAX, &bkey, &bklen));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_KIND, &kind));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_AAD, 1, CCSP_VSM_KEYSET_AAD_MAX, &aad, &aadlen));
	OP_GET(ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_IV, iv, sizeof iv));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_DATA, 16, 32, &ct, &ctlen));
	OP_GET(ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_TAG, tag, sizeof tag));
	if (kind_is_pair(kind))
		OP_GET(ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_PUBLIC, pub, sizeof pub));
	OP_END(c);
	if (!kind_ok(kind))
		return CCSP_ERR_ARG;
	ccsp_err ret = ccsp_vsm_keyset_import(c->s, index, bkey, bklen, (ccsp_vsm_material)kind,
	                                      kind_is_pair(kind) ? pub : NULL, aad, aadlen, iv, ct, ctlen, tag, wrapped,
	                                      &wlen);
	if (ret == CCSP_OK)
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_WRAPPED, wrapped, wlen);
	ccsp_memzero(wrapped, sizeof wrapped);
	return ret;
}

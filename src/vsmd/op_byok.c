/* SPDX-License-Identifier: Apache-2.0 */
/* Vendor extension: key import under a wrapped SM2 pair and export to a public key (BYOK, src/vsm/vsm_byok.c).
 * Wire forms: src/sdf/sdf_ops.h. */
#include <ccsp/sdf.h>

#include "vsmd/ops.h"

#define CT_OVERHEAD 96
_Static_assert(SDF_KEY_KIND_SM4 == CCSP_VSM_MATERIAL_SM4 && SDF_KEY_KIND_HMAC == CCSP_VSM_MATERIAL_HMAC &&
                   SDF_KEY_KIND_SM2_SIGN == CCSP_VSM_MATERIAL_SM2_SIGN &&
                   SDF_KEY_KIND_SM2_ENC == CCSP_VSM_MATERIAL_SM2_ENC,
               "the wire's key kinds are the module's");

static int kind_is_pair(uint32_t kind)
{
	return kind == SDF_KEY_KIND_SM2_SIGN || kind == SDF_KEY_KIND_SM2_ENC;
}

static int kind_ok(uint32_t kind)
{
	return kind >= SDF_KEY_KIND_SM4 && kind <= SDF_KEY_KIND_SM2_ENC;
}

ccsp_err vsmd_op_import_key_with_wrapped_key(vsmd_op_ctx *c)
{
	uint32_t index, kind;
	const uint8_t *iw, *ct;
	size_t iwlen, ctlen, wlen = 0;
	uint8_t encd[32], pub[64], wrapped[CCSP_VSM_WRAPPED_PAIR_SIZE];
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, &index));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_WRAPPED, 1, CCSP_SDF_WRAPPED_MAX, &iw, &iwlen));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_KIND, &kind));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_CIPHER, CT_OVERHEAD + 1, CCSP_VSM_BYOK_CT_MAX, &ct, &ctlen));
	if (kind_is_pair(kind)) {
		OP_GET(ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_PRIVATE, encd, sizeof encd));
		OP_GET(ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_PUBLIC, pub, sizeof pub));
	}
	OP_END(c);
	if (!kind_ok(kind))
		return CCSP_ERR_ARG;
	ccsp_err ret = ccsp_vsm_byok_import(c->s, index, iw, iwlen, (ccsp_vsm_material)kind, ct, ctlen,
	                                    kind_is_pair(kind) ? encd : NULL, kind_is_pair(kind) ? pub : NULL,
	                                    wrapped, &wlen);
	if (ret == CCSP_OK)
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_WRAPPED, wrapped, wlen);
	return ret; /* encd and pub are the caller's, d under an SM4 key it chose: nothing here to wipe */
}

ccsp_err vsmd_op_export_key_with_kek(vsmd_op_ctx *c)
{
	uint32_t index, kind;
	const uint8_t *wrapped;
	size_t wlen, ctlen = 0;
	uint8_t pub[64], ct[CCSP_VSM_BYOK_CT_MAX], encd[32];
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, &index));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_KIND, &kind));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_WRAPPED, 1, CCSP_SDF_WRAPPED_MAX, &wrapped, &wlen));
	OP_GET(ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_PUBLIC, pub, sizeof pub));
	OP_END(c);
	if (!kind_ok(kind))
		return CCSP_ERR_ARG;
	ccsp_err ret = ccsp_vsm_byok_export(c->s, index, (ccsp_vsm_material)kind, wrapped, wlen, pub, ct, &ctlen,
	                                    kind_is_pair(kind) ? encd : NULL);
	if (ret == CCSP_OK) {
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_CIPHER, ct, ctlen);
		if (kind_is_pair(kind))
			ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_PRIVATE, encd, sizeof encd);
	}
	return ret;
}

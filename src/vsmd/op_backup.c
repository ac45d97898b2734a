/* SPDX-License-Identifier: Apache-2.0 */
/* Vendor extension: split-knowledge backup and recovery of a KEK-wrapped key (src/vsm/vsm_backup.c). Wire forms:
 * src/sdf/sdf_ops.h. */
#include <ccsp/sdf.h>

#include "vsmd/ops.h"

#define CT_OVERHEAD 96

static int kind_is_pair(uint32_t kind)
{
	return kind == SDF_KEY_KIND_SM2_SIGN || kind == SDF_KEY_KIND_SM2_ENC;
}

static int kind_ok(uint32_t kind)
{
	return kind >= SDF_KEY_KIND_SM4 && kind <= SDF_KEY_KIND_SM2_ENC;
}

ccsp_err vsmd_op_backup_key_with_kek(vsmd_op_ctx *c)
{
	uint32_t index, kind, m, n;
	const uint8_t *wrapped;
	size_t wlen, lens[CCSP_VSM_SHARES_MAX];
	uint8_t cust[CCSP_VSM_SHARES_MAX][64], shares[CCSP_VSM_SHARES_MAX][CCSP_VSM_SHARE_CT_MAX];
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, &index));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_KIND, &kind));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_WRAPPED, 1, CCSP_SDF_WRAPPED_MAX, &wrapped, &wlen));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_THRESHOLD, &m));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_COUNT, &n));
	if (n > CCSP_VSM_SHARES_MAX)
		return CCSP_ERR_ARG;
	for (uint32_t j = 0; j < n; j++)
		OP_GET(ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_PUBLIC, cust[j], sizeof cust[j]));
	OP_END(c);
	if (!kind_ok(kind))
		return CCSP_ERR_ARG;
	ccsp_err ret = ccsp_vsm_key_backup(c->s, index, (ccsp_vsm_material)kind, wrapped, wlen, m, n,
	                                   (const uint8_t(*)[64])cust, shares, lens);
	for (uint32_t j = 0; ret == CCSP_OK && j < n; j++)
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_CIPHER, shares[j], lens[j]);
	return ret; /* the shares are ciphertexts to their custodians: nothing here to wipe */
}

ccsp_err vsmd_op_recover_key_with_wrapped_key(vsmd_op_ctx *c)
{
	uint32_t index, kind, m;
	const uint8_t *iw, *shares[CCSP_VSM_SHARES_MAX];
	size_t iwlen, lens[CCSP_VSM_SHARES_MAX], wlen = 0;
	uint8_t pub[64], wrapped[CCSP_VSM_WRAPPED_PAIR_SIZE];
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, &index));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_WRAPPED, 1, CCSP_SDF_WRAPPED_MAX, &iw, &iwlen));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_KIND, &kind));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_COUNT, &m));
	if (m > CCSP_VSM_SHARES_MAX)
		return CCSP_ERR_ARG;
	for (uint32_t i = 0; i < m; i++)
		OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_CIPHER, CT_OVERHEAD + 1, CCSP_VSM_SHARE_CT_MAX, &shares[i],
		                          &lens[i]));
	if (kind_is_pair(kind))
		OP_GET(ccsp_sdf_get_fixed(c->r, CCSP_SDF_T_PUBLIC, pub, sizeof pub));
	OP_END(c);
	if (!kind_ok(kind))
		return CCSP_ERR_ARG;
	ccsp_err ret = ccsp_vsm_key_recover(c->s, index, iw, iwlen, (ccsp_vsm_material)kind, m, shares, lens,
	                                    kind_is_pair(kind) ? pub : NULL, wrapped, &wlen);
	if (ret == CCSP_OK)
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_WRAPPED, wrapped, wlen);
	return ret;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Crypto-officer services, reachable only on the local admin socket (dispatch.c): key generation into an
 * index, deletion, access passwords, listing, zeroisation. Every change is audited.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>

#include "vsmd/ops.h"

/* One key of ADMIN_KEYS: kind u32, index u32, has_password u32, created i64, public 04||x||y (65), all
 * big-endian: 85 bytes. */
#define KEY_INFO_SIZE 85

static ccsp_err get_kind_index(vsmd_op_ctx *c, ccsp_vsm_key_kind *kind, uint32_t *index)
{
	uint32_t k;
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_KIND, &k));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, index));
	if (k != CCSP_VSM_KEY_SIGN && k != CCSP_VSM_KEY_ENC && k != CCSP_VSM_KEY_KEK)
		return CCSP_ERR_ARG;
	*kind = (ccsp_vsm_key_kind)k;
	return CCSP_OK;
}

static const char *kind_name(ccsp_vsm_key_kind kind)
{
	return kind == CCSP_VSM_KEY_SIGN ? "sign" : kind == CCSP_VSM_KEY_ENC ? "enc" : "kek";
}

ccsp_err vsmd_op_admin_keygen(vsmd_op_ctx *c)
{
	ccsp_vsm_key_kind kind;
	uint32_t index;
	const uint8_t *pw = NULL;
	size_t pwlen = 0;
	ccsp_err ret = get_kind_index(c, &kind, &index);
	if (ret != CCSP_OK)
		return ret;
	if (ccsp_sdf_peek_tag(c->r, CCSP_SDF_T_PASSWORD))
		OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_PASSWORD, 1, CCSP_VSM_PASSWORD_MAX, &pw, &pwlen));
	OP_END(c);
	ret = ccsp_vsm_keystore_generate(ccsp_vsm_get_keystore(c->vsm), kind, index, pw, pwlen);
	ccsp_vsm_audit_event(c->vsm, "key.generate", "kind=%s index=%u result=%s", kind_name(kind), index, ccsp_err_name(ret));
	return ret;
}

ccsp_err vsmd_op_admin_keydel(vsmd_op_ctx *c)
{
	ccsp_vsm_key_kind kind;
	uint32_t index;
	ccsp_err ret = get_kind_index(c, &kind, &index);
	if (ret != CCSP_OK)
		return ret;
	OP_END(c);
	ret = ccsp_vsm_keystore_delete(ccsp_vsm_get_keystore(c->vsm), kind, index);
	ccsp_vsm_audit_event(c->vsm, "key.delete", "kind=%s index=%u result=%s", kind_name(kind), index, ccsp_err_name(ret));
	return ret;
}

ccsp_err vsmd_op_admin_set_password(vsmd_op_ctx *c)
{
	uint32_t index;
	const uint8_t *pw;
	size_t pwlen;
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, &index));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_PASSWORD, 1, CCSP_VSM_PASSWORD_MAX, &pw, &pwlen));
	OP_END(c);
	ccsp_err ret = ccsp_vsm_keystore_set_password(ccsp_vsm_get_keystore(c->vsm), index, pw, pwlen);
	ccsp_vsm_audit_event(c->vsm, "key.password", "index=%u result=%s", index, ccsp_err_name(ret));
	return ret;
}

static void put_be(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

ccsp_err vsmd_op_admin_keys(vsmd_op_ctx *c)
{
	ccsp_vsm_key_info *infos = NULL;
	size_t n = 0;
	OP_END(c);
	ccsp_err ret = ccsp_vsm_keystore_list(ccsp_vsm_get_keystore(c->vsm), &infos, &n);
	for (size_t i = 0; ret == CCSP_OK && i < n; i++) {
		uint8_t rec[KEY_INFO_SIZE];
		put_be(rec, (uint32_t)infos[i].kind, 4);
		put_be(rec + 4, infos[i].index, 4);
		put_be(rec + 8, (uint32_t)infos[i].has_password, 4);
		put_be(rec + 12, (uint64_t)infos[i].created, 8);
		memcpy(rec + 20, infos[i].pub, CCSP_SM2_POINT_SIZE);
		ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_INFO, rec, sizeof rec);
	}
	free(infos);
	return ret;
}

ccsp_err vsmd_op_admin_reset(vsmd_op_ctx *c)
{
	OP_END(c);
	return ccsp_vsm_reset(c->vsm);
}

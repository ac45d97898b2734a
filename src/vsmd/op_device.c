/* SPDX-License-Identifier: Apache-2.0 */
/* Device and session management (GM/T 0018 6.2). */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/sdf.h>
#include <ccsp/selftest.h>

#include "vsmd/ops.h"

#define RANDOM_MAX (1u << 20) /* bytes per SDF_GenerateRandom call */

ccsp_err vsmd_op_open_session(vsmd_op_ctx *c)
{
	OP_END(c);
	return ccsp_vsm_session_open(c->vsm, c->owner, c->session);
}

ccsp_err vsmd_op_close_session(vsmd_op_ctx *c)
{
	OP_END(c);
	return ccsp_vsm_session_close(c->vsm, c->owner, *c->session);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* DEVICEINFO on the wire: the 56 bytes of names, then the seven 32-bit fields big-endian (100 bytes). */
ccsp_err vsmd_op_get_device_info(vsmd_op_ctx *c)
{
	uint8_t info[100] = {0};
	OP_END(c);
	memcpy(info, "ccsp", 4);                   /* IssuerName[40] */
	memcpy(info + 40, "ccsp-vsm", 8);          /* DeviceName[16] */
	memcpy(info + 56, "20261206" "001" "00001", 16); /* DeviceSerial[16]: date, batch, serial */
	put_be32(info + 72, 0x00000100);           /* DeviceVersion 0.1.0 */
	put_be32(info + 76, 2);                    /* StandardVersion: GM/T 0018-2023 */
	put_be32(info + 80, SGD_SM2_1 | SGD_SM2_2 | SGD_SM2_3); /* AsymAlgAbility[0] */
	put_be32(info + 84, 256);                  /* AsymAlgAbility[1]: modulus lengths */
	put_be32(info + 88, SGD_SM4_ECB | SGD_SM4_CBC | SGD_SM4_CFB | SGD_SM4_OFB | SGD_SM4_MAC | SGD_SM4_CTR);
	put_be32(info + 92, SGD_SM3);
	put_be32(info + 96, ccsp_vsm_get_limits(c->vsm)->max_file_size);
	ccsp_sdf_put_bytes(c->w, CCSP_SDF_T_INFO, info, sizeof info);
	return CCSP_OK;
}

ccsp_err vsmd_op_generate_random(vsmd_op_ctx *c)
{
	uint32_t len;
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_LENGTH, &len));
	OP_END(c);
	if (len == 0 || len > RANDOM_MAX)
		return CCSP_ERR_ARG;
	uint8_t *out = ccsp_sdf_put_space(c->w, CCSP_SDF_T_DATA, len);
	if (out == NULL)
		return CCSP_ERR_NOMEM;
	return ccsp_vsm_random(c->s, out, len);
}

ccsp_err vsmd_op_get_access_right(vsmd_op_ctx *c)
{
	uint32_t index;
	const uint8_t *pw;
	size_t pwlen;
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, &index));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_PASSWORD, 0, CCSP_VSM_PASSWORD_MAX, &pw, &pwlen));
	OP_END(c);
	return ccsp_vsm_get_access_right(c->s, index, pw, pwlen);
}

ccsp_err vsmd_op_release_access_right(vsmd_op_ctx *c)
{
	uint32_t index;
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_INDEX, &index));
	OP_END(c);
	return ccsp_vsm_release_access_right(c->s, index);
}

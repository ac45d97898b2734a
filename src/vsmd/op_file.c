/* SPDX-License-Identifier: Apache-2.0 */
/*
 * User files (GM/T 0018 6.7), kept in the VSM's file area (src/vsm/vsm_file.c). Two errors get file codes
 * rather than the general mapping: a file area or file beyond its limits is SDR_FILESIZEERR (not
 * SDR_NOBUFFER), and a stored file that fails its integrity check, or that cannot be written, is SDR_FILEWERR:
 * only that file is refused, so SDR_HARDFAIL (the module's error state) would say the wrong thing.
 */
#include <ccsp/sdf.h>

#include "vsmd/ops.h"

static ccsp_err file_status(vsmd_op_ctx *c, ccsp_err ret)
{
	if (ret == CCSP_ERR_LIMIT)
		c->status = SDR_FILESIZEERR;
	else if (ret == CCSP_ERR_TAMPERED || ret == CCSP_ERR_IO)
		c->status = SDR_FILEWERR;
	return ret;
}

/* The name field: its length (1..CCSP_VSM_FILE_NAME_MAX) is the VSM's to check (CCSP_ERR_ARG). */
static ccsp_err get_name(vsmd_op_ctx *c, const uint8_t **name, size_t *namelen)
{
	return ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_NAME, 0, CCSP_SDF_MAX_DATA, name, namelen);
}

ccsp_err vsmd_op_create_file(vsmd_op_ctx *c)
{
	const uint8_t *name;
	size_t namelen;
	uint32_t size;
	OP_GET(get_name(c, &name, &namelen));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_LENGTH, &size));
	OP_END(c);
	return file_status(c, ccsp_vsm_file_create(c->s, name, namelen, size));
}

/* name, offset, length (at most CCSP_SDF_MAX_DATA: libsdf splits larger reads) -> data */
ccsp_err vsmd_op_read_file(vsmd_op_ctx *c)
{
	const uint8_t *name;
	size_t namelen;
	uint32_t offset, len;
	OP_GET(get_name(c, &name, &namelen));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_OFFSET, &offset));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_LENGTH, &len));
	OP_END(c);
	if (len > CCSP_SDF_MAX_DATA)
		return CCSP_ERR_ARG;
	uint8_t *out = ccsp_sdf_put_space(c->w, CCSP_SDF_T_DATA, len);
	if (out == NULL)
		return CCSP_ERR_NOMEM;
	size_t n = len;
	ccsp_err ret = ccsp_vsm_file_read(c->s, name, namelen, offset, out, &n);
	if (ret == CCSP_OK)
		ccsp_sdf_shrink_last(c->w, n);
	return file_status(c, ret);
}

ccsp_err vsmd_op_write_file(vsmd_op_ctx *c)
{
	const uint8_t *name, *in;
	size_t namelen, len;
	uint32_t offset;
	OP_GET(get_name(c, &name, &namelen));
	OP_GET(ccsp_sdf_get_u32(c->r, CCSP_SDF_T_OFFSET, &offset));
	OP_GET(ccsp_sdf_get_bytes(c->r, CCSP_SDF_T_DATA, 0, CCSP_SDF_MAX_DATA, &in, &len));
	OP_END(c);
	return file_status(c, ccsp_vsm_file_write(c->s, name, namelen, offset, in, len));
}

ccsp_err vsmd_op_delete_file(vsmd_op_ctx *c)
{
	const uint8_t *name;
	size_t namelen;
	OP_GET(get_name(c, &name, &namelen));
	OP_END(c);
	return file_status(c, ccsp_vsm_file_delete(c->s, name, namelen));
}

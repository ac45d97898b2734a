/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GM/T 0018 6.7 user files, kept by the VSM (docs/sdf.md, "File area"). Reads and writes larger than one frame
 * are split into frames of at most CCSP_SDF_MAX_DATA bytes. A split write sends its last piece first: the
 * file's size never changes, so once the piece that reaches furthest is accepted every other one fits, and
 * a write beyond the end (SDR_FILEOFSERR) or to a missing file changes nothing. Each piece replaces the file
 * atomically; only a failure of the VSM or the connection between pieces can leave part of such a write done.
 */
#include <string.h>

#include "libsdf/sdf_internal.h"

#define FILE_NAME_MAX 128 /* GM/T 0018-2023 6.7; the VSM checks it too */

static LONG check_name(const BYTE *name, ULONG namelen)
{
	return name == NULL || namelen == 0 || namelen > FILE_NAME_MAX ? SDR_INARGERR : SDR_OK;
}

/* A request that starts with the file name. */
static LONG file_req(ccsp_sdf_writer *w, const BYTE *name, ULONG namelen)
{
	LONG rv = sdf_req(w);
	if (rv == SDR_OK)
		ccsp_sdf_put_bytes(w, CCSP_SDF_T_NAME, name, namelen);
	return rv;
}

LONG SDF_CreateFile(HANDLE hSessionHandle, BYTE *pucFileName, ULONG uiNameLen, ULONG uiFileSize)
{
	ccsp_sdf_writer w;
	LONG rv = check_name(pucFileName, uiNameLen);
	if (rv == SDR_OK)
		rv = file_req(&w, pucFileName, uiNameLen);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_LENGTH, uiFileSize);
	return sdf_call_empty(hSessionHandle, CCSP_SDF_OP_CREATE_FILE, &w);
}

/* One frame: up to want bytes at offset into out; *got bytes read. */
static LONG read_piece(HANDLE hS, const BYTE *name, ULONG namelen, ULONG offset, size_t want, BYTE *out, size_t *got)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	const uint8_t *p;
	LONG rv = file_req(&w, name, namelen);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_OFFSET, offset);
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_LENGTH, (uint32_t)want);
	rv = sdf_call(hS, CCSP_SDF_OP_READ_FILE, &w, &resp);
	if (rv == SDR_OK && ccsp_sdf_get_bytes(&resp.r, CCSP_SDF_T_DATA, 0, want, &p, got) != CCSP_OK)
		rv = SDR_COMMFAIL;
	if (rv == SDR_OK && *got != 0)
		memcpy(out, p, *got);
	return sdf_resp_done(&resp, rv);
}

LONG SDF_ReadFile(HANDLE hSessionHandle, BYTE *pucFileName, ULONG uiNameLen, ULONG uiOffset, ULONG *puiReadLength,
                  BYTE *pucBuffer)
{
	LONG rv = check_name(pucFileName, uiNameLen);
	if (rv != SDR_OK)
		return rv;
	if (puiReadLength == NULL)
		return SDR_INARGERR;
	if (pucBuffer == NULL && *puiReadLength != 0)
		return SDR_OUTARGERR;
	size_t want = *puiReadLength, done = 0, n, got = 0;
	do {
		n = want - done > CCSP_SDF_MAX_DATA ? CCSP_SDF_MAX_DATA : want - done;
		if ((uint64_t)uiOffset + done > UINT32_MAX)
			break; /* past any file (sizes are 32-bit): the previous piece came back short already */
		rv = read_piece(hSessionHandle, pucFileName, uiNameLen, (ULONG)(uiOffset + done), n,
		                want == 0 ? NULL : pucBuffer + done, &got);
		if (rv != SDR_OK)
			return rv;
		done += got;
	} while (got == n && done < want);
	*puiReadLength = (ULONG)done;
	return SDR_OK;
}

LONG SDF_WriteFile(HANDLE hSessionHandle, BYTE *pucFileName, ULONG uiNameLen, ULONG uiOffset, ULONG uiWriteLength,
                   BYTE *pucBuffer)
{
	LONG rv = check_name(pucFileName, uiNameLen);
	if (rv == SDR_OK && pucBuffer == NULL && uiWriteLength != 0)
		rv = SDR_INARGERR;
	if (rv != SDR_OK)
		return rv;
	/* pieces from the last to the first (see the top of the file); one empty piece for an empty write */
	size_t start = uiWriteLength == 0 ? 0 : (uiWriteLength - 1) / CCSP_SDF_MAX_DATA * CCSP_SDF_MAX_DATA;
	size_t end = uiWriteLength;
	for (;;) {
		ccsp_sdf_writer w;
		if ((uint64_t)uiOffset + start > UINT32_MAX)
			return SDR_FILEOFSERR; /* beyond any file */
		rv = file_req(&w, pucFileName, uiNameLen);
		if (rv != SDR_OK)
			return rv;
		ccsp_sdf_put_u32(&w, CCSP_SDF_T_OFFSET, (uint32_t)(uiOffset + start));
		ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DATA, end == 0 ? NULL : pucBuffer + start, end - start);
		rv = sdf_call_empty(hSessionHandle, CCSP_SDF_OP_WRITE_FILE, &w);
		if (rv != SDR_OK || start == 0)
			return rv;
		end = start;
		start -= CCSP_SDF_MAX_DATA;
	}
}

LONG SDF_DeleteFile(HANDLE hSessionHandle, BYTE *pucFileName, ULONG uiNameLen)
{
	ccsp_sdf_writer w;
	LONG rv = check_name(pucFileName, uiNameLen);
	if (rv == SDR_OK)
		rv = file_req(&w, pucFileName, uiNameLen);
	if (rv != SDR_OK)
		return rv;
	return sdf_call_empty(hSessionHandle, CCSP_SDF_OP_DELETE_FILE, &w);
}

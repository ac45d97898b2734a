/* SPDX-License-Identifier: Apache-2.0 */
/* GM/T 0018 6.5 and 6.6 one-shot and hash/HMAC functions. Multi-part update calls larger than one frame are
 * split by libsdf (the state lives in the session on the VSM). */
#include <string.h>

#include "libsdf/sdf_internal.h"

/* Read field tag into out (exactly want bytes when want != 0, else up to cap) and set *outlen. */
static LONG read_out(sdf_resp *resp, uint16_t tag, BYTE *out, size_t want, ULONG *outlen)
{
	const uint8_t *p;
	size_t len;
	if (ccsp_sdf_get_bytes(&resp->r, tag, want, want, &p, &len) != CCSP_OK)
		return SDR_COMMFAIL;
	memcpy(out, p, len);
	*outlen = (ULONG)len;
	return SDR_OK;
}

static LONG sym_call(HANDLE hS, uint16_t op, HANDLE hKey, ULONG alg, BYTE *iv, BYTE *in, ULONG len, uint16_t outtag,
                     BYTE *out, size_t outlen, ULONG *puiOutLength)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	if ((in == NULL && len != 0) || len > CCSP_SDF_MAX_DATA)
		return SDR_INARGERR;
	if (out == NULL || puiOutLength == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_req_data(&w, len);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u64(&w, CCSP_SDF_T_HANDLE, SDF_U64_OF(hKey));
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_ALG, alg);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_IV, iv, iv != NULL ? 16 : 0);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DATA, in, len);
	rv = sdf_call(hS, op, &w, &resp);
	if (rv == SDR_OK)
		rv = read_out(&resp, outtag, out, outlen, puiOutLength);
	return sdf_resp_done(&resp, rv);
}

LONG SDF_Encrypt(HANDLE hSessionHandle, HANDLE hKeyHandle, ULONG uiAlgID, BYTE *pucIV, BYTE *pucData,
                 ULONG uiDataLength, BYTE *pucEncData, ULONG *puiEncDataLength)
{
	return sym_call(hSessionHandle, CCSP_SDF_OP_ENCRYPT, hKeyHandle, uiAlgID, pucIV, pucData, uiDataLength,
	                CCSP_SDF_T_DATA, pucEncData, uiDataLength, puiEncDataLength);
}

LONG SDF_Decrypt(HANDLE hSessionHandle, HANDLE hKeyHandle, ULONG uiAlgID, BYTE *pucIV, BYTE *pucEncData,
                 ULONG uiEncDataLength, BYTE *pucData, ULONG *puiDataLength)
{
	return sym_call(hSessionHandle, CCSP_SDF_OP_DECRYPT, hKeyHandle, uiAlgID, pucIV, pucEncData, uiEncDataLength,
	                CCSP_SDF_T_DATA, pucData, uiEncDataLength, puiDataLength);
}

LONG SDF_CalculateMAC(HANDLE hSessionHandle, HANDLE hKeyHandle, ULONG uiAlgID, BYTE *pucIV, BYTE *pucData,
                      ULONG uiDataLength, BYTE *pucMAC, ULONG *puiMACLength)
{
	return sym_call(hSessionHandle, CCSP_SDF_OP_CALCULATE_MAC, hKeyHandle, uiAlgID, pucIV, pucData, uiDataLength,
	                CCSP_SDF_T_MAC, pucMAC, 16, puiMACLength);
}

LONG SDF_AuthEnc(HANDLE hSessionHandle, HANDLE hKeyHandle, ULONG uiAlgID, BYTE *pucStartVar, ULONG uiStartVarLength,
                 BYTE *pucAad, ULONG uiAadLength, BYTE *pucData, ULONG uiDataLength, BYTE *pucEncData,
                 ULONG *puiEncDataLength, BYTE *pucAuthData, ULONG *puiAuthDataLength)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	if (pucStartVar == NULL || uiStartVarLength == 0 || (pucAad == NULL && uiAadLength != 0) ||
	    (pucData == NULL && uiDataLength != 0) || uiDataLength > CCSP_SDF_MAX_DATA)
		return SDR_INARGERR;
	if (pucEncData == NULL || puiEncDataLength == NULL || pucAuthData == NULL || puiAuthDataLength == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_req_data(&w, uiDataLength + uiAadLength);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u64(&w, CCSP_SDF_T_HANDLE, SDF_U64_OF(hKeyHandle));
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_ALG, uiAlgID);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_IV, pucStartVar, uiStartVarLength);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_AAD, pucAad, uiAadLength);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DATA, pucData, uiDataLength);
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_AUTH_ENC, &w, &resp);
	if (rv == SDR_OK)
		rv = read_out(&resp, CCSP_SDF_T_DATA, pucEncData, uiDataLength, puiEncDataLength);
	if (rv == SDR_OK)
		rv = read_out(&resp, CCSP_SDF_T_TAG, pucAuthData, 16, puiAuthDataLength);
	return sdf_resp_done(&resp, rv);
}

/* puiAuthDataLength is an input here (the tag length), as the standard's text has it. */
LONG SDF_AuthDec(HANDLE hSessionHandle, HANDLE hKeyHandle, ULONG uiAlgID, BYTE *pucStartVar, ULONG uiStartVarLength,
                 BYTE *pucAad, ULONG uiAadLength, BYTE *pucAuthData, ULONG *puiAuthDataLength, BYTE *pucEncData,
                 ULONG uiEncDataLength, BYTE *pucData, ULONG *puiDataLength)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	if (pucStartVar == NULL || uiStartVarLength == 0 || (pucAad == NULL && uiAadLength != 0) ||
	    pucAuthData == NULL || puiAuthDataLength == NULL || *puiAuthDataLength == 0 || *puiAuthDataLength > 16 ||
	    (pucEncData == NULL && uiEncDataLength != 0) || uiEncDataLength > CCSP_SDF_MAX_DATA)
		return SDR_INARGERR;
	if (pucData == NULL || puiDataLength == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_req_data(&w, uiEncDataLength + uiAadLength);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u64(&w, CCSP_SDF_T_HANDLE, SDF_U64_OF(hKeyHandle));
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_ALG, uiAlgID);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_IV, pucStartVar, uiStartVarLength);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_AAD, pucAad, uiAadLength);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_TAG, pucAuthData, *puiAuthDataLength);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DATA, pucEncData, uiEncDataLength);
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_AUTH_DEC, &w, &resp);
	if (rv == SDR_OK)
		rv = read_out(&resp, CCSP_SDF_T_DATA, pucData, uiEncDataLength, puiDataLength);
	return sdf_resp_done(&resp, rv);
}

/* ---- hash and HMAC ---- */

/* Update calls: split into frames of at most CCSP_SDF_MAX_DATA bytes. */
static LONG update_call(HANDLE hS, uint16_t op, const BYTE *data, ULONG len)
{
	if (data == NULL && len != 0)
		return SDR_INARGERR;
	size_t off = 0;
	do {
		ccsp_sdf_writer w;
		size_t n = len - off > CCSP_SDF_MAX_DATA ? CCSP_SDF_MAX_DATA : len - off;
		LONG rv = sdf_req_data(&w, n);
		if (rv != SDR_OK)
			return rv;
		ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DATA, data + off, n);
		rv = sdf_call_empty(hS, op, &w);
		if (rv != SDR_OK)
			return rv;
		off += n;
	} while (off < len);
	return SDR_OK;
}

static LONG final_call(HANDLE hS, uint16_t op, uint16_t tag, BYTE *out, ULONG *outlen)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	if (out == NULL || outlen == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	rv = sdf_call(hS, op, &w, &resp);
	if (rv == SDR_OK)
		rv = read_out(&resp, tag, out, 32, outlen);
	return sdf_resp_done(&resp, rv);
}

LONG SDF_HashInit(HANDLE hSessionHandle, ULONG uiAlgID, ECCrefPublicKey *pucPublicKey, BYTE *pucID, ULONG uiIDLength)
{
	ccsp_sdf_writer w;
	uint8_t pub[64];
	LONG rv = SDR_OK;
	if (uiIDLength != 0 && (pucID == NULL || pucPublicKey == NULL))
		return SDR_INARGERR;
	if (uiIDLength != 0)
		rv = sdf_pub_to_wire(pucPublicKey, pub);
	if (rv == SDR_OK)
		rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_ALG, uiAlgID);
	if (uiIDLength != 0) {
		ccsp_sdf_put_bytes(&w, CCSP_SDF_T_PUBLIC, pub, sizeof pub);
		ccsp_sdf_put_bytes(&w, CCSP_SDF_T_ID, pucID, uiIDLength);
	}
	return sdf_call_empty(hSessionHandle, CCSP_SDF_OP_HASH_INIT, &w);
}

LONG SDF_HashUpdate(HANDLE hSessionHandle, BYTE *pucData, ULONG uiDataLength)
{
	return update_call(hSessionHandle, CCSP_SDF_OP_HASH_UPDATE, pucData, uiDataLength);
}

LONG SDF_HashFinal(HANDLE hSessionHandle, BYTE *pucHash, ULONG *puiHashLength)
{
	return final_call(hSessionHandle, CCSP_SDF_OP_HASH_FINAL, CCSP_SDF_T_DATA, pucHash, puiHashLength);
}

LONG SDF_HMACInit(HANDLE hSessionHandle, HANDLE hKeyHandle, ULONG uiAlgID)
{
	ccsp_sdf_writer w;
	LONG rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u64(&w, CCSP_SDF_T_HANDLE, SDF_U64_OF(hKeyHandle));
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_ALG, uiAlgID);
	return sdf_call_empty(hSessionHandle, CCSP_SDF_OP_HMAC_INIT, &w);
}

LONG SDF_HMACUpdate(HANDLE hSessionHandle, BYTE *pucData, ULONG uiDataLength)
{
	return update_call(hSessionHandle, CCSP_SDF_OP_HMAC_UPDATE, pucData, uiDataLength);
}

LONG SDF_HMACFinal(HANDLE hSessionHandle, BYTE *pucHMac, ULONG *puiHMacLength)
{
	return final_call(hSessionHandle, CCSP_SDF_OP_HMAC_FINAL, CCSP_SDF_T_MAC, pucHMac, puiHMacLength);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Vendor extensions with keys that leave the VSM only wrapped by a KEK (include/ccsp/sdf.h): SM2 key pairs, and
 * SM4-GCM with a wrapped SM4 key. */
#include <string.h>

#include "libsdf/sdf_internal.h"

LONG SDF_GenerateKeyPairWithKEK_ECC(HANDLE hSessionHandle, ULONG uiAlgID, ULONG uiKEKIndex,
                                    ECCrefPublicKey *pucPublicKey, BYTE *pucWrappedKey, ULONG *puiWrappedKeyLength)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	if (pucPublicKey == NULL || pucWrappedKey == NULL || puiWrappedKeyLength == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_ALG, uiAlgID);
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_INDEX, uiKEKIndex);
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_GENERATE_KEY_PAIR_WITH_KEK, &w, &resp);
	if (rv == SDR_OK)
		rv = sdf_read_pub(&resp, CCSP_SDF_T_PUBLIC, pucPublicKey);
	if (rv == SDR_OK)
		rv = sdf_read_wrapped(&resp, pucWrappedKey, puiWrappedKeyLength);
	return sdf_resp_done(&resp, rv);
}

LONG sdf_read_wrapped(sdf_resp *resp, BYTE *out, ULONG *outlen)
{
	const uint8_t *p;
	size_t len;
	if (ccsp_sdf_get_bytes(&resp->r, CCSP_SDF_T_WRAPPED, 1, SDF_WRAPPED_ECC_KEY_MAX, &p, &len) != CCSP_OK)
		return SDR_COMMFAIL;
	memcpy(out, p, len);
	*outlen = (ULONG)len;
	return SDR_OK;
}

/* A request naming the KEK and carrying the wrap, sized for about data more bytes. */
static LONG wrapped_req(ccsp_sdf_writer *w, ULONG kek, const BYTE *wrapped, ULONG wlen, size_t data)
{
	if (wrapped == NULL || wlen == 0 || wlen > SDF_WRAPPED_ECC_KEY_MAX)
		return SDR_INARGERR;
	LONG rv = sdf_req_data(w, data);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u32(w, CCSP_SDF_T_INDEX, kek);
	ccsp_sdf_put_bytes(w, CCSP_SDF_T_WRAPPED, wrapped, wlen);
	return SDR_OK;
}

LONG SDF_SignWithKEK_ECC(HANDLE hSessionHandle, ULONG uiKEKIndex, BYTE *pucWrappedKey, ULONG uiWrappedKeyLength,
                         BYTE *pucData, ULONG uiDataLength, ECCSignature *pucSignature)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	uint8_t sig[64];
	if (pucData == NULL || uiDataLength != 32)
		return SDR_INARGERR;
	if (pucSignature == NULL)
		return SDR_OUTARGERR;
	LONG rv = wrapped_req(&w, uiKEKIndex, pucWrappedKey, uiWrappedKeyLength, 0);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DATA, pucData, 32);
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_SIGN_WITH_KEK, &w, &resp);
	if (rv == SDR_OK && ccsp_sdf_get_fixed(&resp.r, CCSP_SDF_T_SIGNATURE, sig, sizeof sig) != CCSP_OK)
		rv = SDR_COMMFAIL;
	rv = sdf_resp_done(&resp, rv);
	if (rv == SDR_OK)
		sdf_sig_from_wire(sig, pucSignature);
	return rv;
}

LONG SDF_DecryptWithKEK_ECC(HANDLE hSessionHandle, ULONG uiKEKIndex, BYTE *pucWrappedKey, ULONG uiWrappedKeyLength,
                            ECCCipher *pucEncData, BYTE *pucData, ULONG *puiDataLength)
{
	ccsp_sdf_writer w;
	if (pucData == NULL || puiDataLength == NULL)
		return SDR_OUTARGERR;
	LONG rv = wrapped_req(&w, uiKEKIndex, pucWrappedKey, uiWrappedKeyLength, 0);
	if (rv != SDR_OK)
		return rv;
	return sdf_decrypt_call(hSessionHandle, CCSP_SDF_OP_DECRYPT_WITH_KEK, &w, pucEncData, pucData, puiDataLength);
}

/* The inputs both SM4-GCM calls share: AAD and data present unless empty, within one request. */
static int gcm_in_ok(const BYTE *aad, ULONG aadlen, const BYTE *data, ULONG len)
{
	return (aad != NULL || aadlen == 0) && aadlen <= CCSP_SDF_AAD_MAX && (data != NULL || len == 0) &&
	       len <= CCSP_SDF_MAX_DATA;
}

/* An answer of len bytes of data (and for AuthEncWithKEK the IV and tag), read to its end before any of it is
 * copied out: the caller gets all of it or nothing. */
static LONG read_gcm_answer(sdf_resp *resp, size_t len, const uint8_t **data, uint8_t *iv, uint8_t *tag)
{
	size_t n;
	if (ccsp_sdf_get_bytes(&resp->r, CCSP_SDF_T_DATA, len, len, data, &n) != CCSP_OK)
		return SDR_COMMFAIL;
	if (iv != NULL && (ccsp_sdf_get_fixed(&resp->r, CCSP_SDF_T_IV, iv, SDF_KEK_GCM_IV_SIZE) != CCSP_OK ||
	                   ccsp_sdf_get_fixed(&resp->r, CCSP_SDF_T_TAG, tag, SDF_KEK_GCM_TAG_SIZE) != CCSP_OK))
		return SDR_COMMFAIL;
	return ccsp_sdf_reader_end(&resp->r) == CCSP_OK ? SDR_OK : SDR_COMMFAIL;
}

LONG SDF_AuthEncWithKEK(HANDLE hSessionHandle, ULONG uiKEKIndex, BYTE *pucWrappedKey, ULONG uiWrappedKeyLength,
                        BYTE *pucAAD, ULONG uiAADLength, BYTE *pucData, ULONG uiDataLength, BYTE *pucIV,
                        BYTE *pucEncData, ULONG *puiEncDataLength, BYTE *pucTag)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	const uint8_t *ct;
	uint8_t iv[SDF_KEK_GCM_IV_SIZE], tag[SDF_KEK_GCM_TAG_SIZE];
	if (!gcm_in_ok(pucAAD, uiAADLength, pucData, uiDataLength))
		return SDR_INARGERR;
	if (pucIV == NULL || pucEncData == NULL || puiEncDataLength == NULL || pucTag == NULL)
		return SDR_OUTARGERR;
	LONG rv = wrapped_req(&w, uiKEKIndex, pucWrappedKey, uiWrappedKeyLength, (size_t)uiAADLength + uiDataLength);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_AAD, pucAAD, uiAADLength);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DATA, pucData, uiDataLength);
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_AUTH_ENC_WITH_KEK, &w, &resp);
	if (rv == SDR_OK)
		rv = read_gcm_answer(&resp, uiDataLength, &ct, iv, tag);
	if (rv == SDR_OK) {
		memcpy(pucEncData, ct, uiDataLength);
		*puiEncDataLength = uiDataLength;
		memcpy(pucIV, iv, sizeof iv);
		memcpy(pucTag, tag, sizeof tag);
	}
	return sdf_resp_done(&resp, rv);
}

LONG SDF_AuthDecWithKEK(HANDLE hSessionHandle, ULONG uiKEKIndex, BYTE *pucWrappedKey, ULONG uiWrappedKeyLength,
                        BYTE *pucAAD, ULONG uiAADLength, BYTE *pucIV, BYTE *pucEncData, ULONG uiEncDataLength,
                        BYTE *pucTag, BYTE *pucData, ULONG *puiDataLength)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	const uint8_t *pt;
	if (pucIV == NULL || pucTag == NULL || !gcm_in_ok(pucAAD, uiAADLength, pucEncData, uiEncDataLength))
		return SDR_INARGERR;
	if (pucData == NULL || puiDataLength == NULL)
		return SDR_OUTARGERR;
	LONG rv = wrapped_req(&w, uiKEKIndex, pucWrappedKey, uiWrappedKeyLength, (size_t)uiAADLength + uiEncDataLength);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_IV, pucIV, SDF_KEK_GCM_IV_SIZE);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_AAD, pucAAD, uiAADLength);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_TAG, pucTag, SDF_KEK_GCM_TAG_SIZE);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DATA, pucEncData, uiEncDataLength);
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_AUTH_DEC_WITH_KEK, &w, &resp);
	if (rv == SDR_OK)
		rv = read_gcm_answer(&resp, uiEncDataLength, &pt, NULL, NULL);
	if (rv == SDR_OK) { /* the VSM answers plaintext only once the tag has matched */
		memcpy(pucData, pt, uiEncDataLength);
		*puiDataLength = uiEncDataLength;
	}
	return sdf_resp_done(&resp, rv);
}

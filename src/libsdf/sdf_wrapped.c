/* SPDX-License-Identifier: Apache-2.0 */
/* Vendor extension: SM2 key pairs whose private key leaves the VSM only wrapped by a KEK (include/ccsp/sdf.h). */
#include <string.h>

#include "libsdf/sdf_internal.h"

LONG SDF_GenerateKeyPairWithKEK_ECC(HANDLE hSessionHandle, ULONG uiAlgID, ULONG uiKEKIndex,
                                    ECCrefPublicKey *pucPublicKey, BYTE *pucWrappedKey, ULONG *puiWrappedKeyLength)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	const uint8_t *p;
	size_t len;
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
	if (rv == SDR_OK &&
	    ccsp_sdf_get_bytes(&resp.r, CCSP_SDF_T_WRAPPED, 1, SDF_WRAPPED_ECC_KEY_MAX, &p, &len) != CCSP_OK)
		rv = SDR_COMMFAIL;
	if (rv == SDR_OK) {
		memcpy(pucWrappedKey, p, len);
		*puiWrappedKeyLength = (ULONG)len;
	}
	return sdf_resp_done(&resp, rv);
}

/* A request naming the KEK and carrying the wrap. */
static LONG wrapped_req(ccsp_sdf_writer *w, ULONG kek, const BYTE *wrapped, ULONG wlen)
{
	if (wrapped == NULL || wlen == 0 || wlen > SDF_WRAPPED_ECC_KEY_MAX)
		return SDR_INARGERR;
	LONG rv = sdf_req(w);
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
	LONG rv = wrapped_req(&w, uiKEKIndex, pucWrappedKey, uiWrappedKeyLength);
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
	LONG rv = wrapped_req(&w, uiKEKIndex, pucWrappedKey, uiWrappedKeyLength);
	if (rv != SDR_OK)
		return rv;
	return sdf_decrypt_call(hSessionHandle, CCSP_SDF_OP_DECRYPT_WITH_KEK, &w, pucEncData, pucData, puiDataLength);
}

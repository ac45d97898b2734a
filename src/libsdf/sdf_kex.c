/* SPDX-License-Identifier: Apache-2.0 */
/* GM/T 0018 6.3.12-6.3.14 SM2 key agreement and the 2012 digital-envelope exchange. The agreement handle is
 * the VSM's, like a session-key handle: valid only in the session that made it. */
#include <stdlib.h>
#include <string.h>

#include "libsdf/sdf_internal.h"

#define ID_MAX 8191 /* GB/T 32918: ENTL is a 16-bit count of bits */

static int id_ok(const BYTE *id, ULONG len)
{
	return id != NULL && len >= 1 && len <= ID_MAX;
}

/* The public key and temporary public key of a response, then the handle. */
static LONG read_agreement(sdf_resp *resp, ECCrefPublicKey *pub, ECCrefPublicKey *tmp_pub, HANDLE *ph)
{
	LONG rv = sdf_read_pub(resp, CCSP_SDF_T_PUBLIC, pub);
	if (rv == SDR_OK)
		rv = sdf_read_pub(resp, CCSP_SDF_T_TMP_PUBLIC, tmp_pub);
	if (rv == SDR_OK)
		rv = sdf_read_handle(resp, ph);
	return rv;
}

LONG SDF_GenerateAgreementDataWithECC(HANDLE hSessionHandle, ULONG uiISKIndex, ULONG uiKeyBits, BYTE *pucSponsorID,
                                      ULONG uiSponsorIDLength, ECCrefPublicKey *pucSponsorPublicKey,
                                      ECCrefPublicKey *pucSponsorTmpPublicKey, HANDLE *phAgreementHandle)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	if (!id_ok(pucSponsorID, uiSponsorIDLength))
		return SDR_INARGERR;
	if (pucSponsorPublicKey == NULL || pucSponsorTmpPublicKey == NULL || phAgreementHandle == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_INDEX, uiISKIndex);
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_BITS, uiKeyBits);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_ID, pucSponsorID, uiSponsorIDLength);
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_AGREEMENT_DATA, &w, &resp);
	if (rv == SDR_OK)
		rv = read_agreement(&resp, pucSponsorPublicKey, pucSponsorTmpPublicKey, phAgreementHandle);
	return sdf_resp_done(&resp, rv);
}

LONG SDF_GenerateKeyWithECC(HANDLE hSessionHandle, BYTE *pucResponseID, ULONG uiResponseIDLength,
                            ECCrefPublicKey *pucResponsePublicKey, ECCrefPublicKey *pucResponseTmpPublicKey,
                            HANDLE hAgreementHandle, HANDLE *phKeyHandle)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	uint8_t pub[64], tmp_pub[64];
	if (!id_ok(pucResponseID, uiResponseIDLength))
		return SDR_INARGERR;
	if (phKeyHandle == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_pub_to_wire(pucResponsePublicKey, pub);
	if (rv == SDR_OK)
		rv = sdf_pub_to_wire(pucResponseTmpPublicKey, tmp_pub);
	if (rv == SDR_OK)
		rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_ID, pucResponseID, uiResponseIDLength);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_PUBLIC, pub, sizeof pub);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_TMP_PUBLIC, tmp_pub, sizeof tmp_pub);
	ccsp_sdf_put_u64(&w, CCSP_SDF_T_HANDLE, SDF_U64_OF(hAgreementHandle));
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_AGREEMENT_KEY, &w, &resp);
	if (rv == SDR_OK)
		rv = sdf_read_handle(&resp, phKeyHandle);
	return sdf_resp_done(&resp, rv);
}

LONG SDF_GenerateAgreementDataAndKeyWithECC(HANDLE hSessionHandle, ULONG uiISKIndex, ULONG uiKeyBits,
                                            BYTE *pucResponseID, ULONG uiResponseIDLength, BYTE *pucSponsorID,
                                            ULONG uiSponsorIDLength, ECCrefPublicKey *pucSponsorPublicKey,
                                            ECCrefPublicKey *pucSponsorTmpPublicKey,
                                            ECCrefPublicKey *pucResponsePublicKey,
                                            ECCrefPublicKey *pucResponseTmpPublicKey, HANDLE *phKeyHandle)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	uint8_t pub[64], tmp_pub[64];
	if (!id_ok(pucResponseID, uiResponseIDLength) || !id_ok(pucSponsorID, uiSponsorIDLength))
		return SDR_INARGERR;
	if (pucResponsePublicKey == NULL || pucResponseTmpPublicKey == NULL || phKeyHandle == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_pub_to_wire(pucSponsorPublicKey, pub);
	if (rv == SDR_OK)
		rv = sdf_pub_to_wire(pucSponsorTmpPublicKey, tmp_pub);
	if (rv == SDR_OK)
		rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_INDEX, uiISKIndex);
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_BITS, uiKeyBits);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_ID, pucResponseID, uiResponseIDLength);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_ID2, pucSponsorID, uiSponsorIDLength);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_PUBLIC2, pub, sizeof pub);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_TMP_PUBLIC2, tmp_pub, sizeof tmp_pub);
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_AGREEMENT_DATA_AND_KEY, &w, &resp);
	if (rv == SDR_OK)
		rv = read_agreement(&resp, pucResponsePublicKey, pucResponseTmpPublicKey, phKeyHandle);
	return sdf_resp_done(&resp, rv);
}

LONG SDF_ExchangeDigitEnvelopeBaseOnECC(HANDLE hSessionHandle, ULONG uiKeyIndex, ULONG uiAlgID,
                                        ECCrefPublicKey *pucPublicKey, ECCCipher *pucEncDataIn,
                                        ECCCipher *pucEncDataOut)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	uint8_t pub[64], *wire = NULL;
	size_t wlen = 0;
	const uint8_t *p;
	size_t len;
	if (pucEncDataOut == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_pub_to_wire(pucPublicKey, pub);
	if (rv == SDR_OK)
		rv = sdf_cipher_to_wire(pucEncDataIn, &wire, &wlen);
	if (rv == SDR_OK)
		rv = sdf_req(&w);
	if (rv != SDR_OK) {
		free(wire);
		return rv;
	}
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_INDEX, uiKeyIndex);
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_ALG, uiAlgID);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_PUBLIC, pub, sizeof pub);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_CIPHER, wire, wlen);
	free(wire);
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_EXCHANGE_ENVELOPE_ECC, &w, &resp);
	/* the same plaintext length: the caller's pucEncDataOut is as large as pucEncDataIn */
	if (rv == SDR_OK && ccsp_sdf_get_bytes(&resp.r, CCSP_SDF_T_CIPHER, wlen, wlen, &p, &len) != CCSP_OK)
		rv = SDR_COMMFAIL;
	if (rv == SDR_OK)
		rv = sdf_cipher_from_wire(p, len, pucEncDataOut);
	return sdf_resp_done(&resp, rv);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* GM/T 0018 6.3 and 6.4 with SM2: public keys, signatures (over e), encryption, session keys, and the 6.8
 * validation functions. */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>

#include "libsdf/sdf_internal.h"

LONG sdf_read_pub(sdf_resp *resp, uint16_t tag, ECCrefPublicKey *pub)
{
	uint8_t raw[64];
	if (ccsp_sdf_get_fixed(&resp->r, tag, raw, sizeof raw) != CCSP_OK)
		return SDR_COMMFAIL;
	sdf_pub_from_wire(raw, pub);
	return SDR_OK;
}

static LONG read_cipher(sdf_resp *resp, ECCCipher *out)
{
	const uint8_t *p;
	size_t len;
	if (ccsp_sdf_get_bytes(&resp->r, CCSP_SDF_T_CIPHER, 97, CCSP_SDF_MAX_DATA, &p, &len) != CCSP_OK)
		return SDR_COMMFAIL;
	return sdf_cipher_from_wire(p, len, out);
}

LONG sdf_read_handle(sdf_resp *resp, HANDLE *ph)
{
	uint64_t h;
	if (ccsp_sdf_get_u64(&resp->r, CCSP_SDF_T_HANDLE, &h) != CCSP_OK || h == 0)
		return SDR_COMMFAIL;
	*ph = SDF_HANDLE_OF(h);
	return SDR_OK;
}

static LONG export_public(HANDLE hS, uint16_t op, ULONG index, ECCrefPublicKey *pub)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	if (pub == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_req(&w);
	if (rv == SDR_OK) {
		ccsp_sdf_put_u32(&w, CCSP_SDF_T_INDEX, index);
		rv = sdf_call(hS, op, &w, &resp);
	}
	if (rv == SDR_OK)
		rv = sdf_read_pub(&resp, CCSP_SDF_T_PUBLIC, pub);
	return sdf_resp_done(&resp, rv);
}

LONG SDF_ExportSignPublicKey_ECC(HANDLE hSessionHandle, ULONG uiKeyIndex, ECCrefPublicKey *pucPublicKey)
{
	return export_public(hSessionHandle, CCSP_SDF_OP_EXPORT_SIGN_PUBLIC, uiKeyIndex, pucPublicKey);
}

LONG SDF_ExportEncPublicKey_ECC(HANDLE hSessionHandle, ULONG uiKeyIndex, ECCrefPublicKey *pucPublicKey)
{
	return export_public(hSessionHandle, CCSP_SDF_OP_EXPORT_ENC_PUBLIC, uiKeyIndex, pucPublicKey);
}

/* ---- signatures: the input is the 32-byte digest e ---- */

LONG SDF_InternalSign_ECC(HANDLE hSessionHandle, ULONG uiISKIndex, BYTE *pucData, ULONG uiDataLength,
                          ECCSignature *pucSignature)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	uint8_t sig[64];
	if (pucData == NULL || uiDataLength != 32)
		return SDR_INARGERR;
	if (pucSignature == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_req(&w);
	if (rv == SDR_OK) {
		ccsp_sdf_put_u32(&w, CCSP_SDF_T_INDEX, uiISKIndex);
		ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DATA, pucData, 32);
		rv = sdf_call(hSessionHandle, CCSP_SDF_OP_INTERNAL_SIGN, &w, &resp);
	}
	if (rv == SDR_OK && ccsp_sdf_get_fixed(&resp.r, CCSP_SDF_T_SIGNATURE, sig, sizeof sig) != CCSP_OK)
		rv = SDR_COMMFAIL;
	rv = sdf_resp_done(&resp, rv);
	if (rv == SDR_OK)
		sdf_sig_from_wire(sig, pucSignature);
	return rv;
}

LONG SDF_InternalVerify_ECC(HANDLE hSessionHandle, ULONG uiIPKIndex, BYTE *pucData, ULONG uiDataLength,
                            ECCSignature *pucSignature)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	uint8_t sig[64];
	if (pucData == NULL || uiDataLength != 32)
		return SDR_INARGERR;
	LONG rv = sdf_sig_to_wire(pucSignature, sig);
	if (rv == SDR_OK)
		rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_INDEX, uiIPKIndex);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DATA, pucData, 32);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_SIGNATURE, sig, sizeof sig);
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_INTERNAL_VERIFY, &w, &resp);
	return sdf_resp_done(&resp, rv);
}

LONG SDF_ExternalVerify_ECC(HANDLE hSessionHandle, ULONG uiAlgID, ECCrefPublicKey *pucPublicKey, BYTE *pucDataInput,
                            ULONG uiInputLength, ECCSignature *pucSignature)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	uint8_t pub[64], sig[64];
	if (pucDataInput == NULL || uiInputLength != 32)
		return SDR_INARGERR;
	LONG rv = sdf_pub_to_wire(pucPublicKey, pub);
	if (rv == SDR_OK)
		rv = sdf_sig_to_wire(pucSignature, sig);
	if (rv == SDR_OK)
		rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_ALG, uiAlgID);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_PUBLIC, pub, sizeof pub);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DATA, pucDataInput, 32);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_SIGNATURE, sig, sizeof sig);
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_EXTERNAL_VERIFY, &w, &resp);
	return sdf_resp_done(&resp, rv);
}

/* ---- encryption ---- */

LONG SDF_ExternalEncrypt_ECC(HANDLE hSessionHandle, ULONG uiAlgID, ECCrefPublicKey *pucPublicKey, BYTE *pucData,
                             ULONG uiDataLength, ECCCipher *pucEncData)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	uint8_t pub[64];
	if (pucData == NULL || uiDataLength == 0)
		return SDR_INARGERR;
	if (pucEncData == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_pub_to_wire(pucPublicKey, pub);
	if (rv == SDR_OK)
		rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_ALG, uiAlgID);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_PUBLIC, pub, sizeof pub);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DATA, pucData, uiDataLength);
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_EXTERNAL_ENCRYPT, &w, &resp);
	if (rv == SDR_OK)
		rv = read_cipher(&resp, pucEncData);
	return sdf_resp_done(&resp, rv);
}

LONG SDF_InternalEncrypt_ECC(HANDLE hSessionHandle, ULONG uiIPKIndex, ULONG uiAlgID, BYTE *pucData,
                             ULONG uiDataLength, ECCCipher *pucEncData)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	if (pucData == NULL || uiDataLength == 0)
		return SDR_INARGERR;
	if (pucEncData == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_INDEX, uiIPKIndex);
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_ALG, uiAlgID);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DATA, pucData, uiDataLength);
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_INTERNAL_ENCRYPT, &w, &resp);
	if (rv == SDR_OK)
		rv = read_cipher(&resp, pucEncData);
	return sdf_resp_done(&resp, rv);
}

LONG sdf_decrypt_call(HANDLE hS, uint16_t op, ccsp_sdf_writer *w, ECCCipher *ct, BYTE *out, ULONG *outlen)
{
	sdf_resp resp;
	uint8_t *wire = NULL;
	size_t wlen = 0;
	const uint8_t *p;
	size_t len;
	LONG rv = sdf_cipher_to_wire(ct, &wire, &wlen);
	if (rv != SDR_OK) {
		ccsp_sdf_writer_free(w);
		return rv;
	}
	ccsp_sdf_put_bytes(w, CCSP_SDF_T_CIPHER, wire, wlen);
	free(wire);
	rv = sdf_call(hS, op, w, &resp);
	if (rv == SDR_OK && ccsp_sdf_get_bytes(&resp.r, CCSP_SDF_T_DATA, 1, ct->L, &p, &len) != CCSP_OK)
		rv = SDR_COMMFAIL;
	if (rv == SDR_OK) {
		memcpy(out, p, len);
		*outlen = (ULONG)len;
	}
	return sdf_resp_done(&resp, rv);
}

LONG SDF_InternalDecrypt_ECC(HANDLE hSessionHandle, ULONG uiISKIndex, ULONG uiAlgID, ECCCipher *pucEncData,
                             BYTE *pucData, ULONG *puiDataLength)
{
	ccsp_sdf_writer w;
	if (pucData == NULL || puiDataLength == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_INDEX, uiISKIndex);
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_ALG, uiAlgID);
	return sdf_decrypt_call(hSessionHandle, CCSP_SDF_OP_INTERNAL_DECRYPT, &w, pucEncData, pucData, puiDataLength);
}

LONG SDF_ExternalDecrypt_ECC(HANDLE hSessionHandle, ULONG uiAlgID, ECCrefPrivateKey *pucPrivateKey,
                             ECCCipher *pucEncData, BYTE *pucData, ULONG *puiDataLength)
{
	ccsp_sdf_writer w;
	uint8_t d[32];
	if (pucData == NULL || puiDataLength == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_priv_to_wire(pucPrivateKey, d);
	if (rv == SDR_OK)
		rv = sdf_req(&w);
	if (rv == SDR_OK) {
		ccsp_sdf_put_u32(&w, CCSP_SDF_T_ALG, uiAlgID);
		ccsp_sdf_put_bytes(&w, CCSP_SDF_T_PRIVATE, d, sizeof d);
		rv = sdf_decrypt_call(hSessionHandle, CCSP_SDF_OP_EXTERNAL_DECRYPT, &w, pucEncData, pucData, puiDataLength);
	}
	ccsp_memzero(d, sizeof d);
	return rv;
}

LONG SDF_GenerateKeyPair_ECC(HANDLE hSessionHandle, ULONG uiAlgID, ULONG uiKeyBits, ECCrefPublicKey *pucPublicKey,
                             ECCrefPrivateKey *pucPrivateKey)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	uint8_t d[32];
	if (pucPublicKey == NULL || pucPrivateKey == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_ALG, uiAlgID);
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_BITS, uiKeyBits);
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_GENERATE_KEY_PAIR, &w, &resp);
	if (rv == SDR_OK)
		rv = sdf_read_pub(&resp, CCSP_SDF_T_PUBLIC, pucPublicKey);
	if (rv == SDR_OK && ccsp_sdf_get_fixed(&resp.r, CCSP_SDF_T_PRIVATE, d, sizeof d) != CCSP_OK)
		rv = SDR_COMMFAIL;
	rv = sdf_resp_done(&resp, rv);
	if (rv == SDR_OK) {
		memset(pucPrivateKey, 0, sizeof *pucPrivateKey);
		pucPrivateKey->bits = 256;
		memcpy(pucPrivateKey->K + 32, d, 32);
	}
	ccsp_memzero(d, sizeof d);
	return rv;
}

LONG SDF_ExternalSign_ECC(HANDLE hSessionHandle, ULONG uiAlgID, ECCrefPrivateKey *pucPrivateKey, BYTE *pucDataInput,
                          ULONG uiInputLength, ECCSignature *pucSignature)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	uint8_t d[32], sig[64];
	if (pucDataInput == NULL || uiInputLength != 32)
		return SDR_INARGERR;
	if (pucSignature == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_priv_to_wire(pucPrivateKey, d);
	if (rv == SDR_OK)
		rv = sdf_req(&w);
	if (rv == SDR_OK) {
		ccsp_sdf_put_u32(&w, CCSP_SDF_T_ALG, uiAlgID);
		ccsp_sdf_put_bytes(&w, CCSP_SDF_T_PRIVATE, d, sizeof d);
		ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DATA, pucDataInput, 32);
		rv = sdf_call(hSessionHandle, CCSP_SDF_OP_EXTERNAL_SIGN, &w, &resp);
		if (rv == SDR_OK && ccsp_sdf_get_fixed(&resp.r, CCSP_SDF_T_SIGNATURE, sig, sizeof sig) != CCSP_OK)
			rv = SDR_COMMFAIL;
		rv = sdf_resp_done(&resp, rv);
	}
	if (rv == SDR_OK)
		sdf_sig_from_wire(sig, pucSignature);
	ccsp_memzero(d, sizeof d);
	return rv;
}

/* ---- session keys ---- */

LONG SDF_GenerateKeyWithIPK_ECC(HANDLE hSessionHandle, ULONG uiIPKIndex, ULONG uiKeyBits, ECCCipher *pucKey,
                                HANDLE *phKeyHandle)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	if (pucKey == NULL || phKeyHandle == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_INDEX, uiIPKIndex);
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_BITS, uiKeyBits);
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_GENERATE_KEY_WITH_IPK, &w, &resp);
	if (rv == SDR_OK)
		rv = read_cipher(&resp, pucKey);
	if (rv == SDR_OK)
		rv = sdf_read_handle(&resp, phKeyHandle);
	return sdf_resp_done(&resp, rv);
}

LONG SDF_GenerateKeyWithEPK_ECC(HANDLE hSessionHandle, ULONG uiKeyBits, ULONG uiAlgID, ECCrefPublicKey *pucPublicKey,
                                ECCCipher *pucKey, HANDLE *phKeyHandle)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	uint8_t pub[64];
	if (pucKey == NULL || phKeyHandle == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_pub_to_wire(pucPublicKey, pub);
	if (rv == SDR_OK)
		rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_BITS, uiKeyBits);
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_ALG, uiAlgID);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_PUBLIC, pub, sizeof pub);
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_GENERATE_KEY_WITH_EPK, &w, &resp);
	if (rv == SDR_OK)
		rv = read_cipher(&resp, pucKey);
	if (rv == SDR_OK)
		rv = sdf_read_handle(&resp, phKeyHandle);
	return sdf_resp_done(&resp, rv);
}

LONG SDF_ImportKeyWithISK_ECC(HANDLE hSessionHandle, ULONG uiISKIndex, ECCCipher *pucKey, HANDLE *phKeyHandle)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	uint8_t *wire = NULL;
	size_t wlen = 0;
	if (phKeyHandle == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_cipher_to_wire(pucKey, &wire, &wlen);
	if (rv == SDR_OK)
		rv = sdf_req(&w);
	if (rv != SDR_OK) {
		free(wire);
		return rv;
	}
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_INDEX, uiISKIndex);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_CIPHER, wire, wlen);
	free(wire);
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_IMPORT_KEY_WITH_ISK, &w, &resp);
	if (rv == SDR_OK)
		rv = sdf_read_handle(&resp, phKeyHandle);
	return sdf_resp_done(&resp, rv);
}

LONG SDF_GenerateKeyWithKEK(HANDLE hSessionHandle, ULONG uiKeyBits, ULONG uiAlgID, ULONG uiKEKIndex, BYTE *pucKey,
                            ULONG *puiKeyLength, HANDLE *phKeyHandle)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	const uint8_t *p;
	size_t len;
	if (pucKey == NULL || puiKeyLength == NULL || phKeyHandle == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_BITS, uiKeyBits);
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_ALG, uiAlgID);
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_INDEX, uiKEKIndex);
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_GENERATE_KEY_WITH_KEK, &w, &resp);
	if (rv == SDR_OK && ccsp_sdf_get_bytes(&resp.r, CCSP_SDF_T_DATA, 16, CCSP_SDF_WRAPPED_MAX, &p, &len) != CCSP_OK)
		rv = SDR_COMMFAIL;
	if (rv == SDR_OK) {
		memcpy(pucKey, p, len);
		*puiKeyLength = (ULONG)len;
		rv = sdf_read_handle(&resp, phKeyHandle);
	}
	return sdf_resp_done(&resp, rv);
}

LONG SDF_ImportKeyWithKEK(HANDLE hSessionHandle, ULONG uiAlgID, ULONG uiKEKIndex, BYTE *pucKey, ULONG uiKeyLength,
                          HANDLE *phKeyHandle)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	if (pucKey == NULL || uiKeyLength == 0)
		return SDR_INARGERR;
	if (phKeyHandle == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_ALG, uiAlgID);
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_INDEX, uiKEKIndex);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DATA, pucKey, uiKeyLength);
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_IMPORT_KEY_WITH_KEK, &w, &resp);
	if (rv == SDR_OK)
		rv = sdf_read_handle(&resp, phKeyHandle);
	return sdf_resp_done(&resp, rv);
}

LONG SDF_DestroyKey(HANDLE hSessionHandle, HANDLE hKeyHandle)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	LONG rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u64(&w, CCSP_SDF_T_HANDLE, SDF_U64_OF(hKeyHandle));
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_DESTROY_KEY, &w, &resp);
	return sdf_resp_done(&resp, rv);
}

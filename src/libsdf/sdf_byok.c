/* SPDX-License-Identifier: Apache-2.0 */
/* Vendor extension: key import under a wrapped SM2 pair and export to a public key (BYOK; include/ccsp/sdf.h). */
#include <stdlib.h>
#include <string.h>

#include "libsdf/sdf_internal.h"

#define CT_OVERHEAD 96
#define KEY_MAX 32 /* the longest key either function SM2-encrypts (an HMAC key) */

static int kind_ok(ULONG kind)
{
	return kind >= SDF_KEY_KIND_SM4 && kind <= SDF_KEY_KIND_SM2_ENC;
}

static int kind_is_pair(ULONG kind)
{
	return kind == SDF_KEY_KIND_SM2_SIGN || kind == SDF_KEY_KIND_SM2_ENC;
}

/* The request fields after the import key and kind: the ciphertext, and for SM2 kinds d encrypted and the
 * public key. */
static LONG put_import_key(ccsp_sdf_writer *w, ULONG kind, const ECCCipher *key, const BYTE *encd,
                           const ECCrefPublicKey *pub)
{
	uint8_t *wire = NULL, raw[64];
	size_t wlen = 0;
	if (key == NULL || key->L == 0 || key->L > KEY_MAX)
		return SDR_INARGERR;
	LONG rv = kind_is_pair(kind) && encd == NULL ? SDR_INARGERR : SDR_OK;
	if (rv == SDR_OK && kind_is_pair(kind))
		rv = sdf_pub_to_wire(pub, raw);
	if (rv == SDR_OK)
		rv = sdf_cipher_to_wire(key, &wire, &wlen);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_bytes(w, CCSP_SDF_T_CIPHER, wire, wlen);
	free(wire);
	if (kind_is_pair(kind)) {
		ccsp_sdf_put_bytes(w, CCSP_SDF_T_PRIVATE, encd, 32);
		ccsp_sdf_put_bytes(w, CCSP_SDF_T_PUBLIC, raw, sizeof raw);
	}
	return SDR_OK;
}

LONG SDF_ImportKeyWithWrappedKey_ECC(HANDLE hSessionHandle, ULONG uiKEKIndex, BYTE *pucImportKey,
                                     ULONG uiImportKeyLength, ULONG uiKeyKind, ECCCipher *pucKey,
                                     BYTE *pucEncPrivateKey, ECCrefPublicKey *pucPublicKey, BYTE *pucWrappedKey,
                                     ULONG *puiWrappedKeyLength)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	if (pucImportKey == NULL || uiImportKeyLength == 0 || uiImportKeyLength > SDF_WRAPPED_ECC_KEY_MAX ||
	    !kind_ok(uiKeyKind))
		return SDR_INARGERR;
	if (pucWrappedKey == NULL || puiWrappedKeyLength == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_INDEX, uiKEKIndex);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_WRAPPED, pucImportKey, uiImportKeyLength);
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_KIND, uiKeyKind);
	rv = put_import_key(&w, uiKeyKind, pucKey, pucEncPrivateKey, pucPublicKey);
	if (rv != SDR_OK) {
		ccsp_sdf_writer_free(&w);
		return rv;
	}
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_IMPORT_KEY_WITH_WRAPPED_KEY, &w, &resp);
	if (rv == SDR_OK)
		rv = sdf_read_wrapped(&resp, pucWrappedKey, puiWrappedKeyLength);
	return sdf_resp_done(&resp, rv);
}

LONG SDF_ExportKeyWithKEK_ECC(HANDLE hSessionHandle, ULONG uiKEKIndex, ULONG uiKeyKind, BYTE *pucWrappedKey,
                              ULONG uiWrappedKeyLength, ECCrefPublicKey *pucPublicKey, ECCCipher *pucKey,
                              BYTE *pucEncPrivateKey)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	uint8_t pub[64];
	const uint8_t *p;
	size_t len;
	if (pucWrappedKey == NULL || uiWrappedKeyLength == 0 || uiWrappedKeyLength > SDF_WRAPPED_ECC_KEY_MAX ||
	    !kind_ok(uiKeyKind))
		return SDR_INARGERR;
	if (pucKey == NULL || (kind_is_pair(uiKeyKind) && pucEncPrivateKey == NULL))
		return SDR_OUTARGERR;
	LONG rv = sdf_pub_to_wire(pucPublicKey, pub);
	if (rv == SDR_OK)
		rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_INDEX, uiKEKIndex);
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_KIND, uiKeyKind);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_WRAPPED, pucWrappedKey, uiWrappedKeyLength);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_PUBLIC, pub, sizeof pub);
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_EXPORT_KEY_WITH_KEK, &w, &resp);
	if (rv == SDR_OK &&
	    ccsp_sdf_get_bytes(&resp.r, CCSP_SDF_T_CIPHER, CT_OVERHEAD + 1, CT_OVERHEAD + KEY_MAX, &p, &len) != CCSP_OK)
		rv = SDR_COMMFAIL;
	if (rv == SDR_OK)
		rv = sdf_cipher_from_wire(p, len, pucKey);
	if (rv == SDR_OK && kind_is_pair(uiKeyKind) &&
	    ccsp_sdf_get_fixed(&resp.r, CCSP_SDF_T_PRIVATE, pucEncPrivateKey, 32) != CCSP_OK)
		rv = SDR_COMMFAIL;
	return sdf_resp_done(&resp, rv);
}

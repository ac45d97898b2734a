/* SPDX-License-Identifier: Apache-2.0 */
/* Vendor extension: a key set's backup, one key moved between the KEK and a backup key (include/ccsp/sdf.h). */
#include <string.h>

#include "libsdf/sdf_internal.h"


static int kind_ok(ULONG kind)
{
	return kind >= SDF_KEY_KIND_SM4 && kind <= SDF_KEY_KIND_SM2_ENC;
}

static int kind_is_pair(ULONG kind)
{
	return kind == SDF_KEY_KIND_SM2_SIGN || kind == SDF_KEY_KIND_SM2_ENC;
}

/* The request's common head: index, backup key, kind; pub into raw for SM2 kinds (checked first). */
static LONG keyset_req(ccsp_sdf_writer *w, ULONG index, const BYTE *bkey, ULONG bklen, ULONG kind,
                       const ECCrefPublicKey *pub, uint8_t raw[64])
{
	if (bkey == NULL || (bklen != 16 && bklen != SDF_WRAPPED_KEY_SIZE(16)) || !kind_ok(kind)) /* SM4-ECB or sealed */
		return SDR_INARGERR;
	LONG rv = kind_is_pair(kind) ? sdf_pub_to_wire(pub, raw) : SDR_OK;
	if (rv == SDR_OK)
		rv = sdf_req(w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u32(w, CCSP_SDF_T_INDEX, index);
	ccsp_sdf_put_bytes(w, CCSP_SDF_T_KEY, bkey, bklen);
	ccsp_sdf_put_u32(w, CCSP_SDF_T_KIND, kind);
	return SDR_OK;
}

static int aad_ok(const BYTE *aad, ULONG len)
{
	return aad != NULL && len >= 1 && len <= SDF_KEYSET_AAD_MAX;
}

LONG SDF_ExportKeyWithBackupKey(HANDLE hSessionHandle, ULONG uiKEKIndex, BYTE *pucBackupKey, ULONG uiBackupKeyLength,
                                ULONG uiKeyKind, BYTE *pucWrappedKey, ULONG uiWrappedKeyLength,
                                ECCrefPublicKey *pucPublicKey, BYTE *pucAAD, ULONG uiAADLength, BYTE *pucIV,
                                BYTE *pucEncKey, ULONG *puiEncKeyLength, BYTE *pucTag)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	uint8_t raw[64], iv[SDF_KEYSET_IV_SIZE], tag[SDF_KEYSET_TAG_SIZE];
	const uint8_t *ct;
	size_t ctlen;
	if (pucWrappedKey == NULL || uiWrappedKeyLength == 0 || uiWrappedKeyLength > SDF_WRAPPED_ECC_KEY_MAX ||
	    !aad_ok(pucAAD, uiAADLength))
		return SDR_INARGERR;
	if (pucIV == NULL || pucEncKey == NULL || puiEncKeyLength == NULL || pucTag == NULL)
		return SDR_OUTARGERR;
	LONG rv = keyset_req(&w, uiKEKIndex, pucBackupKey, uiBackupKeyLength, uiKeyKind, pucPublicKey, raw);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_WRAPPED, pucWrappedKey, uiWrappedKeyLength);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_AAD, pucAAD, uiAADLength);
	if (kind_is_pair(uiKeyKind))
		ccsp_sdf_put_bytes(&w, CCSP_SDF_T_PUBLIC, raw, sizeof raw);
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_EXPORT_KEY_WITH_BACKUP_KEY, &w, &resp);
	if (rv == SDR_OK && (ccsp_sdf_get_fixed(&resp.r, CCSP_SDF_T_IV, iv, sizeof iv) != CCSP_OK ||
	                     ccsp_sdf_get_bytes(&resp.r, CCSP_SDF_T_DATA, 16, 32, &ct, &ctlen) != CCSP_OK ||
	                     ccsp_sdf_get_fixed(&resp.r, CCSP_SDF_T_TAG, tag, sizeof tag) != CCSP_OK))
		rv = SDR_COMMFAIL;
	if (rv == SDR_OK) {
		memcpy(pucIV, iv, sizeof iv);
		memcpy(pucEncKey, ct, ctlen);
		*puiEncKeyLength = (ULONG)ctlen;
		memcpy(pucTag, tag, sizeof tag);
	}
	return sdf_resp_done(&resp, rv);
}

LONG SDF_ImportKeyWithBackupKey(HANDLE hSessionHandle, ULONG uiKEKIndex, BYTE *pucBackupKey, ULONG uiBackupKeyLength,
                                ULONG uiKeyKind, ECCrefPublicKey *pucPublicKey, BYTE *pucAAD, ULONG uiAADLength,
                                BYTE *pucIV, BYTE *pucEncKey, ULONG uiEncKeyLength, BYTE *pucTag, BYTE *pucWrappedKey,
                                ULONG *puiWrappedKeyLength)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	uint8_t raw[64];
	if (!aad_ok(pucAAD, uiAADLength) || pucIV == NULL || pucEncKey == NULL || uiEncKeyLength < 16 ||
	    uiEncKeyLength > 32 || pucTag == NULL)
		return SDR_INARGERR;
	if (pucWrappedKey == NULL || puiWrappedKeyLength == NULL)
		return SDR_OUTARGERR;
	LONG rv = keyset_req(&w, uiKEKIndex, pucBackupKey, uiBackupKeyLength, uiKeyKind, pucPublicKey, raw);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_AAD, pucAAD, uiAADLength);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_IV, pucIV, SDF_KEYSET_IV_SIZE);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DATA, pucEncKey, uiEncKeyLength);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_TAG, pucTag, SDF_KEYSET_TAG_SIZE);
	if (kind_is_pair(uiKeyKind))
		ccsp_sdf_put_bytes(&w, CCSP_SDF_T_PUBLIC, raw, sizeof raw);
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_IMPORT_KEY_WITH_BACKUP_KEY, &w, &resp);
	if (rv == SDR_OK)
		rv = sdf_read_wrapped(&resp, pucWrappedKey, puiWrappedKeyLength);
	return sdf_resp_done(&resp, rv);
}

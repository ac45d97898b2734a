/* SPDX-License-Identifier: Apache-2.0 */
/* Vendor extension: split-knowledge backup and recovery of a KEK-wrapped key (include/ccsp/sdf.h). */
#include <stdlib.h>
#include <string.h>

#include "libsdf/sdf_internal.h"

#define CT_OVERHEAD 96

static int kind_ok(ULONG kind)
{
	return kind >= SDF_KEY_KIND_SM4 && kind <= SDF_KEY_KIND_SM2_ENC;
}

static int kind_is_pair(ULONG kind)
{
	return kind == SDF_KEY_KIND_SM2_SIGN || kind == SDF_KEY_KIND_SM2_ENC;
}

/* uiN custodian keys, after index, kind, wrap, m and n. */
static LONG put_custodians(ccsp_sdf_writer *w, ULONG n, const ECCrefPublicKey *cust)
{
	uint8_t raw[64];
	for (ULONG i = 0; i < n; i++) {
		LONG rv = sdf_pub_to_wire(&cust[i], raw);
		if (rv != SDR_OK)
			return rv;
		ccsp_sdf_put_bytes(w, CCSP_SDF_T_PUBLIC, raw, sizeof raw);
	}
	return SDR_OK;
}

LONG SDF_BackupKeyWithKEK_ECC(HANDLE hSessionHandle, ULONG uiKEKIndex, ULONG uiKeyKind, BYTE *pucWrappedKey,
                              ULONG uiWrappedKeyLength, ULONG uiM, ULONG uiN, ECCrefPublicKey *pucCustodians,
                              ECCCipher **pucShares)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	const uint8_t *p;
	size_t len;
	if (pucWrappedKey == NULL || uiWrappedKeyLength == 0 || uiWrappedKeyLength > SDF_WRAPPED_ECC_KEY_MAX ||
	    !kind_ok(uiKeyKind) || uiM < 2 || uiM > uiN || uiN > SDF_KEY_SHARES_MAX || pucCustodians == NULL)
		return SDR_INARGERR;
	if (pucShares == NULL)
		return SDR_OUTARGERR;
	for (ULONG i = 0; i < uiN; i++)
		if (pucShares[i] == NULL)
			return SDR_OUTARGERR;
	LONG rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_INDEX, uiKEKIndex);
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_KIND, uiKeyKind);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_WRAPPED, pucWrappedKey, uiWrappedKeyLength);
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_THRESHOLD, uiM);
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_COUNT, uiN);
	rv = put_custodians(&w, uiN, pucCustodians);
	if (rv != SDR_OK) {
		ccsp_sdf_writer_free(&w);
		return rv;
	}
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_BACKUP_KEY_WITH_KEK, &w, &resp);
	for (ULONG i = 0; rv == SDR_OK && i < uiN; i++) {
		if (ccsp_sdf_get_bytes(&resp.r, CCSP_SDF_T_CIPHER, CT_OVERHEAD + 1, CT_OVERHEAD + SDF_KEY_SHARE_MAX, &p,
		                       &len) != CCSP_OK)
			rv = SDR_COMMFAIL;
		else
			rv = sdf_cipher_from_wire(p, len, pucShares[i]);
	}
	return sdf_resp_done(&resp, rv);
}

/* uiM shares, after index, import key, kind and m. */
static LONG put_shares(ccsp_sdf_writer *w, ULONG m, ECCCipher *const *shares)
{
	for (ULONG i = 0; i < m; i++) {
		uint8_t *wire = NULL;
		size_t wlen = 0;
		if (shares[i] == NULL || shares[i]->L == 0 || shares[i]->L > SDF_KEY_SHARE_MAX)
			return SDR_INARGERR;
		LONG rv = sdf_cipher_to_wire(shares[i], &wire, &wlen);
		if (rv != SDR_OK)
			return rv;
		ccsp_sdf_put_bytes(w, CCSP_SDF_T_CIPHER, wire, wlen);
		free(wire);
	}
	return SDR_OK;
}

LONG SDF_RecoverKeyWithWrappedKey_ECC(HANDLE hSessionHandle, ULONG uiKEKIndex, BYTE *pucImportKey,
                                      ULONG uiImportKeyLength, ULONG uiKeyKind, ULONG uiM, ECCCipher **pucShares,
                                      ECCrefPublicKey *pucPublicKey, BYTE *pucWrappedKey, ULONG *puiWrappedKeyLength)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	uint8_t pub[64];
	if (pucImportKey == NULL || uiImportKeyLength == 0 || uiImportKeyLength > SDF_WRAPPED_ECC_KEY_MAX ||
	    !kind_ok(uiKeyKind) || uiM < 2 || uiM > SDF_KEY_SHARES_MAX || pucShares == NULL)
		return SDR_INARGERR;
	if (pucWrappedKey == NULL || puiWrappedKeyLength == NULL)
		return SDR_OUTARGERR;
	LONG rv = kind_is_pair(uiKeyKind) ? sdf_pub_to_wire(pucPublicKey, pub) : SDR_OK;
	if (rv == SDR_OK)
		rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_INDEX, uiKEKIndex);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_WRAPPED, pucImportKey, uiImportKeyLength);
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_KIND, uiKeyKind);
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_COUNT, uiM);
	rv = put_shares(&w, uiM, pucShares);
	if (rv != SDR_OK) {
		ccsp_sdf_writer_free(&w);
		return rv;
	}
	if (kind_is_pair(uiKeyKind))
		ccsp_sdf_put_bytes(&w, CCSP_SDF_T_PUBLIC, pub, sizeof pub);
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_RECOVER_KEY_WITH_WRAPPED_KEY, &w, &resp);
	if (rv == SDR_OK)
		rv = sdf_read_wrapped(&resp, pucWrappedKey, puiWrappedKeyLength);
	return sdf_resp_done(&resp, rv);
}

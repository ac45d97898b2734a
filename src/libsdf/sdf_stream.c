/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GM/T 0018-2023 multi-part symmetric functions (6.5.7-6.5.21) and the external-key functions of 6.8. The state
 * lives in the session on the VSM; an Update larger than one frame is sent as several and their outputs are
 * concatenated. The standard passes no output capacity, so every output is bounded here by the size the
 * header documents (include/ccsp/sdf.h): an Update writes at most its input length + 16 bytes, an
 * Encrypt/Decrypt Final 16, AuthDecFinal the uiDataLength of AuthDecInit. A response that claims more is
 * SDR_COMMFAIL, never written.
 */
#include <string.h>

#include <ccsp/mem.h>

#include "libsdf/sdf_internal.h"

#define EXT_KEY_MAX 32 /* SM4 (16) or SM4-XTS (32) */

/* Read field tag of at most cap bytes into out; *len its length. */
static LONG read_upto(sdf_resp *resp, uint16_t tag, BYTE *out, size_t cap, size_t *len)
{
	const uint8_t *p;
	if (ccsp_sdf_get_bytes(&resp->r, tag, 0, cap, &p, len) != CCSP_OK)
		return SDR_COMMFAIL;
	if (*len > 0)
		memcpy(out, p, *len);
	return SDR_OK;
}

/* Init with a session key: handle, alg, iv. */
static LONG key_init(HANDLE hS, uint16_t op, HANDLE hKey, ULONG alg, const BYTE *iv, ULONG ivlen)
{
	ccsp_sdf_writer w;
	if ((iv == NULL && ivlen != 0) || ivlen > 16)
		return SDR_INARGERR;
	LONG rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u64(&w, CCSP_SDF_T_HANDLE, SDF_U64_OF(hKey));
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_ALG, alg);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_IV, iv, ivlen);
	return sdf_call_empty(hS, op, &w);
}

/* Update in frames of at most CCSP_SDF_MAX_DATA bytes. With out (NULL for the MAC, whose Update answers nothing)
 * the outputs are concatenated, at most len + 16 bytes in all; on an error what was written is wiped. */
static LONG update(HANDLE hS, uint16_t op, const BYTE *in, ULONG len, BYTE *out, ULONG *outlen)
{
	size_t off = 0, got = 0, cap = (size_t)len + 16;
	LONG rv;
	if (in == NULL && len != 0)
		return SDR_INARGERR;
	do {
		ccsp_sdf_writer w;
		sdf_resp resp;
		size_t n = len - off > CCSP_SDF_MAX_DATA ? CCSP_SDF_MAX_DATA : len - off, m = 0;
		rv = sdf_req_data(&w, n);
		if (rv != SDR_OK)
			break;
		ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DATA, n > 0 ? in + off : NULL, n);
		rv = sdf_call(hS, op, &w, &resp);
		if (rv == SDR_OK && out != NULL)
			rv = read_upto(&resp, CCSP_SDF_T_DATA, out + got, cap - got, &m);
		rv = sdf_resp_done(&resp, rv);
		off += n;
		got += m;
	} while (rv == SDR_OK && off < len);
	if (rv != SDR_OK && out != NULL) {
		ccsp_memzero(out, got);
		got = 0;
	}
	if (outlen != NULL)
		*outlen = (ULONG)got;
	return rv;
}

static LONG out_update(HANDLE hS, uint16_t op, const BYTE *in, ULONG len, BYTE *out, ULONG *outlen)
{
	if (out == NULL || outlen == NULL)
		return SDR_OUTARGERR;
	return update(hS, op, in, len, out, outlen);
}

/* Encrypt/Decrypt Final: data (none without padding; 16 bytes at most). */
static LONG crypt_final(HANDLE hS, uint16_t op, BYTE *out, ULONG *outlen)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	size_t n = 0;
	if (out == NULL || outlen == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	rv = sdf_call(hS, op, &w, &resp);
	if (rv == SDR_OK)
		rv = read_upto(&resp, CCSP_SDF_T_DATA, out, 16, &n);
	rv = sdf_resp_done(&resp, rv);
	*outlen = rv == SDR_OK ? (ULONG)n : 0;
	return rv;
}

LONG SDF_EncryptInit(HANDLE hSessionHandle, HANDLE hKeyHandle, ULONG uiAlgID, BYTE *pucIV, ULONG uiIVLength)
{
	return key_init(hSessionHandle, CCSP_SDF_OP_ENCRYPT_INIT, hKeyHandle, uiAlgID, pucIV, uiIVLength);
}

LONG SDF_EncryptUpdate(HANDLE hSessionHandle, BYTE *pucData, ULONG uiDataLength, BYTE *pucEncData,
                       ULONG *puiEncDataLength)
{
	return out_update(hSessionHandle, CCSP_SDF_OP_ENCRYPT_UPDATE, pucData, uiDataLength, pucEncData,
	                  puiEncDataLength);
}

LONG SDF_EncryptFinal(HANDLE hSessionHandle, BYTE *pucLastEncData, ULONG *puiLastEncDataLength)
{
	return crypt_final(hSessionHandle, CCSP_SDF_OP_ENCRYPT_FINAL, pucLastEncData, puiLastEncDataLength);
}

LONG SDF_DecryptInit(HANDLE hSessionHandle, HANDLE hKeyHandle, ULONG uiAlgID, BYTE *pucIV, ULONG uiIVLength)
{
	return key_init(hSessionHandle, CCSP_SDF_OP_DECRYPT_INIT, hKeyHandle, uiAlgID, pucIV, uiIVLength);
}

LONG SDF_DecryptUpdate(HANDLE hSessionHandle, BYTE *pucEncData, ULONG uiEncDataLength, BYTE *pucData,
                       ULONG *puiDataLength)
{
	return out_update(hSessionHandle, CCSP_SDF_OP_DECRYPT_UPDATE, pucEncData, uiEncDataLength, pucData,
	                  puiDataLength);
}

LONG SDF_DecryptFinal(HANDLE hSessionHandle, BYTE *pucLastData, ULONG *puiLastDataLength)
{
	return crypt_final(hSessionHandle, CCSP_SDF_OP_DECRYPT_FINAL, pucLastData, puiLastDataLength);
}

LONG SDF_CalculateMACInit(HANDLE hSessionHandle, HANDLE hKeyHandle, ULONG uiAlgID, BYTE *pucIV, ULONG uiIVLength)
{
	return key_init(hSessionHandle, CCSP_SDF_OP_MAC_INIT, hKeyHandle, uiAlgID, pucIV, uiIVLength);
}

LONG SDF_CalculateMACUpdate(HANDLE hSessionHandle, BYTE *pucData, ULONG uiDataLength)
{
	return update(hSessionHandle, CCSP_SDF_OP_MAC_UPDATE, pucData, uiDataLength, NULL, NULL);
}

LONG SDF_CalculateMACFinal(HANDLE hSessionHandle, BYTE *pucMac, ULONG *puiMacLength)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	size_t n = 0;
	if (pucMac == NULL || puiMacLength == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_MAC_FINAL, &w, &resp);
	if (rv == SDR_OK)
		rv = read_upto(&resp, CCSP_SDF_T_MAC, pucMac, 16, &n);
	if (rv == SDR_OK && n != 16)
		rv = SDR_COMMFAIL;
	rv = sdf_resp_done(&resp, rv);
	*puiMacLength = rv == SDR_OK ? 16 : 0;
	return rv;
}

/* ---- AuthEnc / AuthDec (SGD_SM4_GCM) ---- */

/* handle, alg, iv, aad, [tag,] length */
static LONG auth_init(HANDLE hS, uint16_t op, HANDLE hKey, ULONG alg, const BYTE *iv, ULONG ivlen, const BYTE *aad,
                      ULONG aadlen, const BYTE *tag, ULONG taglen, ULONG total)
{
	ccsp_sdf_writer w;
	if (iv == NULL || ivlen == 0 || (aad == NULL && aadlen != 0))
		return SDR_INARGERR;
	LONG rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u64(&w, CCSP_SDF_T_HANDLE, SDF_U64_OF(hKey));
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_ALG, alg);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_IV, iv, ivlen);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_AAD, aad, aadlen);
	if (op == CCSP_SDF_OP_AUTH_DEC_INIT)
		ccsp_sdf_put_bytes(&w, CCSP_SDF_T_TAG, tag, taglen);
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_LENGTH, total);
	return sdf_call_empty(hS, op, &w);
}

LONG SDF_AuthEncInit(HANDLE hSessionHandle, HANDLE hKeyHandle, ULONG uiAlgID, BYTE *pucStartVar,
                     ULONG uiStartVarLength, BYTE *pucAad, ULONG uiAadLength, ULONG uiDataLength)
{
	return auth_init(hSessionHandle, CCSP_SDF_OP_AUTH_ENC_INIT, hKeyHandle, uiAlgID, pucStartVar, uiStartVarLength,
	                 pucAad, uiAadLength, NULL, 0, uiDataLength);
}

LONG SDF_AuthEncUpdate(HANDLE hSessionHandle, BYTE *pucData, ULONG uiDataLength, BYTE *pucEncData,
                       ULONG *puiEncDataLength)
{
	return out_update(hSessionHandle, CCSP_SDF_OP_AUTH_ENC_UPDATE, pucData, uiDataLength, pucEncData,
	                  puiEncDataLength);
}

LONG SDF_AuthEncFinal(HANDLE hSessionHandle, BYTE *pucLastEncData, ULONG *puiLastEncDataLength, BYTE *pucAuthData,
                      ULONG *puiAuthDataLength)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	size_t n = 0, t = 0;
	if (pucLastEncData == NULL || puiLastEncDataLength == NULL || pucAuthData == NULL || puiAuthDataLength == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	rv = sdf_call(hSessionHandle, CCSP_SDF_OP_AUTH_ENC_FINAL, &w, &resp);
	if (rv == SDR_OK)
		rv = read_upto(&resp, CCSP_SDF_T_DATA, pucLastEncData, 16, &n);
	if (rv == SDR_OK)
		rv = read_upto(&resp, CCSP_SDF_T_TAG, pucAuthData, 16, &t);
	if (rv == SDR_OK && t != 16)
		rv = SDR_COMMFAIL;
	rv = sdf_resp_done(&resp, rv);
	*puiLastEncDataLength = rv == SDR_OK ? (ULONG)n : 0;
	*puiAuthDataLength = rv == SDR_OK ? 16 : 0;
	return rv;
}

LONG SDF_AuthDecInit(HANDLE hSessionHandle, HANDLE hKeyHandle, ULONG uiAlgID, BYTE *pucStartVar,
                     ULONG uiStartVarLength, BYTE *pucAad, ULONG uiAadLength, BYTE *pucAuthData,
                     ULONG uiAuthDataLength, ULONG uiDataLength)
{
	if (pucAuthData == NULL || uiAuthDataLength == 0 || uiAuthDataLength > 16)
		return SDR_INARGERR;
	LONG rv = auth_init(hSessionHandle, CCSP_SDF_OP_AUTH_DEC_INIT, hKeyHandle, uiAlgID, pucStartVar,
	                    uiStartVarLength, pucAad, uiAadLength, pucAuthData, uiAuthDataLength, uiDataLength);
	if (rv == SDR_OK)
		((sdf_session *)hSessionHandle)->auth_dec_len = uiDataLength; /* valid: sdf_call checked it */
	return rv;
}

/* The VSM withholds the plaintext: Update writes nothing (*puiDataLength = 0). */
LONG SDF_AuthDecUpdate(HANDLE hSessionHandle, BYTE *pucEncData, ULONG uiEncDataLength, BYTE *pucData,
                       ULONG *puiDataLength)
{
	return out_update(hSessionHandle, CCSP_SDF_OP_AUTH_DEC_UPDATE, pucEncData, uiEncDataLength, pucData,
	                  puiDataLength);
}

/* One AUTH_DEC_FINAL call: the next piece of the verified plaintext into out (room: cap) and what is left. */
static LONG auth_dec_piece(HANDLE hS, BYTE *out, size_t cap, size_t *n, uint32_t *left)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	LONG rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	rv = sdf_call(hS, CCSP_SDF_OP_AUTH_DEC_FINAL, &w, &resp);
	if (rv == SDR_OK)
		rv = read_upto(&resp, CCSP_SDF_T_DATA, out, cap, n);
	if (rv == SDR_OK && ccsp_sdf_get_u32(&resp.r, CCSP_SDF_T_LENGTH, left) != CCSP_OK)
		rv = SDR_COMMFAIL;
	rv = sdf_resp_done(&resp, rv);
	if (rv == SDR_OK && ((*n == 0 && *left != 0) || *left > cap - *n))
		rv = SDR_COMMFAIL; /* no progress, or more than the caller's buffer */
	return rv;
}

/* The plaintext (uiDataLength of AuthDecInit) comes only once the VSM has checked the tag, in pieces of at most
 * one frame. */
LONG SDF_AuthDecFinal(HANDLE hSessionHandle, BYTE *pucLastData, ULONG *puiLastDataLength)
{
	sdf_session *s = hSessionHandle;
	size_t got = 0, cap;
	uint32_t left = 0;
	LONG rv;
	if (s == NULL || s->magic != SDF_SESSION_MAGIC)
		return SDR_OPENSESSION;
	if (pucLastData == NULL || puiLastDataLength == NULL)
		return SDR_OUTARGERR;
	cap = s->auth_dec_len;
	do {
		size_t n = 0;
		rv = auth_dec_piece(hSessionHandle, pucLastData + got, cap - got, &n, &left);
		if (rv == SDR_OK)
			got += n;
	} while (rv == SDR_OK && left > 0);
	if (rv != SDR_OK) {
		ccsp_memzero(pucLastData, got);
		got = 0;
	}
	*puiLastDataLength = (ULONG)got;
	return rv;
}

/* ---- 6.8: a caller's key ---- */

static LONG ext_args(const BYTE *key, ULONG keylen, const BYTE *iv, ULONG ivlen)
{
	if (key == NULL || keylen == 0 || keylen > EXT_KEY_MAX || (iv == NULL && ivlen != 0) || ivlen > 16)
		return SDR_INARGERR;
	return SDR_OK;
}

/* alg, key, iv, data -> data (len bytes) */
static LONG ext_crypt(HANDLE hS, uint16_t op, ULONG alg, const BYTE *key, ULONG keylen, const BYTE *iv, ULONG ivlen,
                      const BYTE *in, ULONG len, BYTE *out, ULONG *outlen)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	size_t n = 0;
	LONG rv = ext_args(key, keylen, iv, ivlen);
	if (rv == SDR_OK && ((in == NULL && len != 0) || len > CCSP_SDF_MAX_DATA))
		rv = SDR_INARGERR;
	if (rv == SDR_OK && (out == NULL || outlen == NULL))
		rv = SDR_OUTARGERR;
	if (rv == SDR_OK)
		rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_ALG, alg);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_KEY, key, keylen);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_IV, iv, ivlen);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DATA, in, len);
	rv = sdf_call(hS, op, &w, &resp);
	if (rv == SDR_OK)
		rv = read_upto(&resp, CCSP_SDF_T_DATA, out, len, &n);
	if (rv == SDR_OK && n != len)
		rv = SDR_COMMFAIL;
	rv = sdf_resp_done(&resp, rv);
	*outlen = rv == SDR_OK ? len : 0;
	return rv;
}

/* alg, key, iv */
static LONG ext_init(HANDLE hS, uint16_t op, ULONG alg, const BYTE *key, ULONG keylen, const BYTE *iv, ULONG ivlen)
{
	ccsp_sdf_writer w;
	LONG rv = ext_args(key, keylen, iv, ivlen);
	if (rv == SDR_OK)
		rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_ALG, alg);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_KEY, key, keylen);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_IV, iv, ivlen);
	return sdf_call_empty(hS, op, &w);
}

LONG SDF_ExternalKeyEncrypt(HANDLE hSessionHandle, ULONG uiAlgID, BYTE *pucKey, ULONG uiKeyLength, BYTE *pucIV,
                            ULONG uiIVLength, BYTE *pucData, ULONG uiDataLength, BYTE *pucEncData,
                            ULONG *puiEncDataLength)
{
	return ext_crypt(hSessionHandle, CCSP_SDF_OP_EXTERNAL_KEY_ENCRYPT, uiAlgID, pucKey, uiKeyLength, pucIV,
	                 uiIVLength, pucData, uiDataLength, pucEncData, puiEncDataLength);
}

LONG SDF_ExternalKeyDecrypt(HANDLE hSessionHandle, ULONG uiAlgID, BYTE *pucKey, ULONG uiKeyLength, BYTE *pucIV,
                            ULONG uiIVLength, BYTE *pucEncData, ULONG uiEncDataLength, BYTE *pucData,
                            ULONG *puiDataLength)
{
	return ext_crypt(hSessionHandle, CCSP_SDF_OP_EXTERNAL_KEY_DECRYPT, uiAlgID, pucKey, uiKeyLength, pucIV,
	                 uiIVLength, pucEncData, uiEncDataLength, pucData, puiDataLength);
}

LONG SDF_ExternalKeyEncryptInit(HANDLE hSessionHandle, ULONG uiAlgID, BYTE *pucKey, ULONG uiKeyLength, BYTE *pucIV,
                                ULONG uiIVLength)
{
	return ext_init(hSessionHandle, CCSP_SDF_OP_EXTERNAL_KEY_ENCRYPT_INIT, uiAlgID, pucKey, uiKeyLength, pucIV,
	                uiIVLength);
}

LONG SDF_ExternalKeyDecryptInit(HANDLE hSessionHandle, ULONG uiAlgID, BYTE *pucKey, ULONG uiKeyLength, BYTE *pucIV,
                                ULONG uiIVLength)
{
	return ext_init(hSessionHandle, CCSP_SDF_OP_EXTERNAL_KEY_DECRYPT_INIT, uiAlgID, pucKey, uiKeyLength, pucIV,
	                uiIVLength);
}

LONG SDF_ExternalKeyHMACInit(HANDLE hSessionHandle, ULONG uiAlgID, BYTE *pucKey, ULONG uiKeyLength)
{
	ccsp_sdf_writer w;
	if (pucKey == NULL || uiKeyLength == 0 || uiKeyLength > CCSP_SDF_MAX_DATA)
		return SDR_INARGERR;
	LONG rv = sdf_req(&w);
	if (rv != SDR_OK)
		return rv;
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_ALG, uiAlgID);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_KEY, pucKey, uiKeyLength);
	return sdf_call_empty(hSessionHandle, CCSP_SDF_OP_EXTERNAL_KEY_HMAC_INIT, &w);
}

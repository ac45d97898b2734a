/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The platform VSM's client (pvsm.h), the key material that crosses the VSM's boundary wrapped: BYOK in under the
 * import key and out to a recipient's public key, split-knowledge shares to custodians and back, and key-set
 * backups under a backup key. The rest of the client is in pvsm.c.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/sdf.h>

#include "platform/pvsm_internal.h"

/* ---- BYOK: key material in under the import key, out to a recipient's public key ---- */

static int material_is_pair(int kind)
{
	return kind == CCSP_PVSM_MATERIAL_SM2_SIGN || kind == CCSP_PVSM_MATERIAL_SM2_ENC;
}

static ULONG key_kind_of(int kind)
{
	switch (kind) {
	case CCSP_PVSM_MATERIAL_SM4:
		return SDF_KEY_KIND_SM4;
	case CCSP_PVSM_MATERIAL_HMAC:
		return SDF_KEY_KIND_HMAC;
	case CCSP_PVSM_MATERIAL_SM2_SIGN:
		return SDF_KEY_KIND_SM2_SIGN;
	case CCSP_PVSM_MATERIAL_SM2_ENC:
		return SDF_KEY_KIND_SM2_ENC;
	default:
		return 0;
	}
}

ccsp_err ccsp_pvsm_key_import(ccsp_pvsm *p, unsigned kek_index, const uint8_t *import_wrapped, size_t import_wlen,
                              int kind, const uint8_t *sym_ct, size_t sym_ctlen, const uint8_t enc_private[32],
                              const uint8_t pub[64], uint8_t wrapped[CCSP_PVSM_WRAPPED_MAX], size_t *wlen)
{
	BYTE iw[CCSP_PVSM_WRAPPED_MAX], encd[32], out[SDF_WRAPPED_ECC_KEY_MAX]; /* non-const SDF buffers */
	ECCrefPublicKey pk;
	ULONG n = 0, k = key_kind_of(kind);
	int pair = material_is_pair(kind);
	if (p == NULL || import_wrapped == NULL || import_wlen == 0 || import_wlen > sizeof iw || k == 0 ||
	    sym_ct == NULL || sym_ctlen <= 96 || sym_ctlen > CCSP_PVSM_SM2_CT_MAX || wrapped == NULL || wlen == NULL ||
	    (pair && (enc_private == NULL || pub == NULL)))
		return CCSP_ERR_ARG;
	ECCCipher *c = pvsm_cipher_of(sym_ct, sym_ctlen);
	if (c == NULL)
		return CCSP_ERR_NOMEM;
	memcpy(iw, import_wrapped, import_wlen);
	if (pair) {
		memcpy(encd, enc_private, sizeof encd);
		pvsm_pub_of(pub, &pk);
	}
	pvsm_session *s = pvsm_take(p);
	LONG rv = SDF_ImportKeyWithWrappedKey_ECC(s->h, (ULONG)kek_index, iw, (ULONG)import_wlen, k, c,
	                                          pair ? encd : NULL, pair ? &pk : NULL, out, &n);
	pvsm_give_back(s);
	free(c);
	if (rv == SDR_OK && (n == 0 || n > CCSP_PVSM_WRAPPED_MAX))
		rv = SDR_COMMFAIL;
	if (rv == SDR_OK) {
		memcpy(wrapped, out, n);
		*wlen = n;
	}
	return pvsm_pair_err(rv);
}

ccsp_err ccsp_pvsm_key_export(ccsp_pvsm *p, unsigned kek_index, int kind, const uint8_t *wrapped, size_t wlen,
                              const uint8_t recipient[64], uint8_t ct_out[CCSP_PVSM_SM2_CT_MAX], size_t *ct_outlen,
                              uint8_t enc_private_out[32])
{
	BYTE w[CCSP_PVSM_WRAPPED_MAX], encd[32];
	ECCrefPublicKey pk;
	ULONG k = key_kind_of(kind);
	int pair = material_is_pair(kind);
	if (p == NULL || wrapped == NULL || wlen == 0 || wlen > sizeof w || k == 0 || recipient == NULL ||
	    ct_out == NULL || ct_outlen == NULL || (pair && enc_private_out == NULL))
		return CCSP_ERR_ARG;
	ECCCipher *c = calloc(1, SDF_ECCCIPHER_SIZE(CCSP_PVSM_SM2_CT_MAX - 96));
	if (c == NULL)
		return CCSP_ERR_NOMEM;
	memcpy(w, wrapped, wlen);
	pvsm_pub_of(recipient, &pk);
	pvsm_session *s = pvsm_take(p);
	LONG rv = SDF_ExportKeyWithKEK_ECC(s->h, (ULONG)kek_index, k, w, (ULONG)wlen, &pk, c, pair ? encd : NULL);
	pvsm_give_back(s);
	if (rv == SDR_OK && (c->L == 0 || c->L > CCSP_PVSM_SM2_CT_MAX - 96))
		rv = SDR_COMMFAIL;
	if (rv == SDR_OK) {
		memcpy(ct_out, c->x + 32, 32);
		memcpy(ct_out + 32, c->y + 32, 32);
		memcpy(ct_out + 64, c->M, 32);
		memcpy(ct_out + 96, (uint8_t *)c + SDF_ECCCIPHER_FIXED_SIZE, c->L);
		*ct_outlen = 96 + (size_t)c->L;
		if (pair)
			memcpy(enc_private_out, encd, sizeof encd);
	}
	free(c);
	return pvsm_pair_err(rv);
}

/* ---- split-knowledge backup (KM-9): shares out to custodians, back in under the import key ---- */

_Static_assert(CCSP_PVSM_SHARES_MAX == SDF_KEY_SHARES_MAX && CCSP_PVSM_SHARE_CT_MAX == 96 + SDF_KEY_SHARE_MAX,
               "pvsm.h's bounds are the SDF extension's");

static void shares_free(ECCCipher **c, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(c[i]);
}

ccsp_err ccsp_pvsm_key_backup(ccsp_pvsm *p, unsigned kek_index, int kind, const uint8_t *wrapped, size_t wlen,
                              unsigned m, unsigned n, const uint8_t (*custodians)[64],
                              uint8_t (*shares_out)[CCSP_PVSM_SHARE_CT_MAX], size_t *share_lens)
{
	BYTE w[CCSP_PVSM_WRAPPED_MAX];
	ECCrefPublicKey pk[CCSP_PVSM_SHARES_MAX];
	ECCCipher *c[CCSP_PVSM_SHARES_MAX] = {0};
	ULONG k = key_kind_of(kind);
	if (p == NULL || wrapped == NULL || wlen == 0 || wlen > sizeof w || k == 0 || m < 2 || m > n ||
	    n > CCSP_PVSM_SHARES_MAX || custodians == NULL || shares_out == NULL || share_lens == NULL)
		return CCSP_ERR_ARG;
	for (unsigned i = 0; i < n; i++) {
		pvsm_pub_of(custodians[i], &pk[i]);
		c[i] = calloc(1, SDF_ECCCIPHER_SIZE(SDF_KEY_SHARE_MAX));
		if (c[i] == NULL) {
			shares_free(c, n);
			return CCSP_ERR_NOMEM;
		}
	}
	memcpy(w, wrapped, wlen);
	pvsm_session *s = pvsm_take(p);
	LONG rv = SDF_BackupKeyWithKEK_ECC(s->h, (ULONG)kek_index, k, w, (ULONG)wlen, m, n, pk, c);
	pvsm_give_back(s);
	for (unsigned i = 0; rv == SDR_OK && i < n; i++)
		if (c[i]->L == 0 || c[i]->L > SDF_KEY_SHARE_MAX)
			rv = SDR_COMMFAIL;
	for (unsigned i = 0; rv == SDR_OK && i < n; i++) {
		memcpy(shares_out[i], c[i]->x + 32, 32);
		memcpy(shares_out[i] + 32, c[i]->y + 32, 32);
		memcpy(shares_out[i] + 64, c[i]->M, 32);
		memcpy(shares_out[i] + 96, (uint8_t *)c[i] + SDF_ECCCIPHER_FIXED_SIZE, c[i]->L);
		share_lens[i] = 96 + (size_t)c[i]->L;
	}
	shares_free(c, n);
	return pvsm_pair_err(rv); /* SDR_INARGERR: m/n out of bounds, or shares with the same x */
}

ccsp_err ccsp_pvsm_key_recover(ccsp_pvsm *p, unsigned kek_index, const uint8_t *import_wrapped, size_t import_wlen,
                               int kind, unsigned m, const uint8_t (*shares)[CCSP_PVSM_SHARE_CT_MAX],
                               const size_t *share_lens, const uint8_t pub[64],
                               uint8_t wrapped[CCSP_PVSM_WRAPPED_MAX], size_t *wlen)
{
	BYTE iw[CCSP_PVSM_WRAPPED_MAX], out[SDF_WRAPPED_ECC_KEY_MAX];
	ECCrefPublicKey pk;
	ECCCipher *c[CCSP_PVSM_SHARES_MAX] = {0};
	ULONG n = 0, k = key_kind_of(kind);
	int pair = material_is_pair(kind);
	if (p == NULL || import_wrapped == NULL || import_wlen == 0 || import_wlen > sizeof iw || k == 0 || m < 2 ||
	    m > CCSP_PVSM_SHARES_MAX || shares == NULL || share_lens == NULL || wrapped == NULL || wlen == NULL ||
	    (pair && pub == NULL))
		return CCSP_ERR_ARG;
	for (unsigned i = 0; i < m; i++)
		if (share_lens[i] <= 96 || share_lens[i] > CCSP_PVSM_SHARE_CT_MAX)
			return CCSP_ERR_ARG;
	for (unsigned i = 0; i < m; i++) {
		c[i] = pvsm_cipher_of(shares[i], share_lens[i]);
		if (c[i] == NULL) {
			shares_free(c, m);
			return CCSP_ERR_NOMEM;
		}
	}
	memcpy(iw, import_wrapped, import_wlen);
	if (pair)
		pvsm_pub_of(pub, &pk);
	pvsm_session *s = pvsm_take(p);
	LONG rv = SDF_RecoverKeyWithWrappedKey_ECC(s->h, (ULONG)kek_index, iw, (ULONG)import_wlen, k, m, c,
	                                           pair ? &pk : NULL, out, &n);
	pvsm_give_back(s);
	shares_free(c, m);
	if (rv == SDR_OK && (n == 0 || n > CCSP_PVSM_WRAPPED_MAX))
		rv = SDR_COMMFAIL;
	if (rv == SDR_OK) {
		memcpy(wrapped, out, n);
		*wlen = n;
	}
	return pvsm_pair_err(rv);
}

/* ---- a key set's backup (KM-9): one key between the KEK and a backup key ---- */

_Static_assert(CCSP_PVSM_KEYSET_AAD_MAX == SDF_KEYSET_AAD_MAX, "pvsm.h's bound is the SDF extension's");

ccsp_err ccsp_pvsm_keyset_export(ccsp_pvsm *p, unsigned kek_index, const uint8_t *bkey, size_t bklen, int kind,
                                 const uint8_t *wrapped, size_t wlen, const uint8_t pub[64], const uint8_t *aad,
                                 size_t aadlen, uint8_t iv[12], uint8_t ct[32], size_t *ctlen, uint8_t tag[16])
{
	BYTE b[CCSP_PVSM_WRAPPED_MAX], w[CCSP_PVSM_WRAPPED_MAX], a[CCSP_PVSM_KEYSET_AAD_MAX], out[32];
	ECCrefPublicKey pk;
	ULONG n = 0, k = key_kind_of(kind);
	if (p == NULL || bkey == NULL || bklen == 0 || bklen > sizeof b || wrapped == NULL || wlen == 0 ||
	    wlen > sizeof w || k == 0 || (material_is_pair(kind) && pub == NULL) || aad == NULL || aadlen == 0 ||
	    aadlen > sizeof a || iv == NULL || ct == NULL || ctlen == NULL || tag == NULL)
		return CCSP_ERR_ARG;
	memcpy(b, bkey, bklen);
	memcpy(w, wrapped, wlen);
	memcpy(a, aad, aadlen);
	if (material_is_pair(kind))
		pvsm_pub_of(pub, &pk);
	pvsm_session *s = pvsm_take(p);
	LONG rv = SDF_ExportKeyWithBackupKey(s->h, (ULONG)kek_index, b, (ULONG)bklen, k, w, (ULONG)wlen,
	                                     material_is_pair(kind) ? &pk : NULL, a, (ULONG)aadlen, iv, out, &n, tag);
	pvsm_give_back(s);
	if (rv == SDR_OK && (n < 16 || n > sizeof out))
		rv = SDR_COMMFAIL;
	if (rv == SDR_OK) {
		memcpy(ct, out, n);
		*ctlen = n;
	}
	return pvsm_pair_err(rv);
}

ccsp_err ccsp_pvsm_keyset_import(ccsp_pvsm *p, unsigned kek_index, const uint8_t *bkey, size_t bklen, int kind,
                                 const uint8_t pub[64], const uint8_t *aad, size_t aadlen, const uint8_t iv[12],
                                 const uint8_t *ct, size_t ctlen, const uint8_t tag[16],
                                 uint8_t wrapped[CCSP_PVSM_WRAPPED_MAX], size_t *wlen)
{
	BYTE b[CCSP_PVSM_WRAPPED_MAX], a[CCSP_PVSM_KEYSET_AAD_MAX], v[12], c[32], t[16], out[SDF_WRAPPED_ECC_KEY_MAX];
	ECCrefPublicKey pk;
	ULONG n = 0, k = key_kind_of(kind);
	if (p == NULL || bkey == NULL || bklen == 0 || bklen > sizeof b || k == 0 ||
	    (material_is_pair(kind) && pub == NULL) || aad == NULL || aadlen == 0 || aadlen > sizeof a || iv == NULL ||
	    ct == NULL || ctlen < 16 || ctlen > sizeof c || tag == NULL || wrapped == NULL || wlen == NULL)
		return CCSP_ERR_ARG;
	memcpy(b, bkey, bklen);
	memcpy(a, aad, aadlen);
	memcpy(v, iv, sizeof v);
	memcpy(c, ct, ctlen);
	memcpy(t, tag, sizeof t);
	if (material_is_pair(kind))
		pvsm_pub_of(pub, &pk);
	pvsm_session *s = pvsm_take(p);
	LONG rv = SDF_ImportKeyWithBackupKey(s->h, (ULONG)kek_index, b, (ULONG)bklen, k,
	                                     material_is_pair(kind) ? &pk : NULL, a, (ULONG)aadlen, v, c, (ULONG)ctlen, t,
	                                     out, &n);
	pvsm_give_back(s);
	if (rv == SDR_OK && (n == 0 || n > CCSP_PVSM_WRAPPED_MAX))
		rv = SDR_COMMFAIL;
	if (rv == SDR_OK) {
		memcpy(wrapped, out, n);
		*wlen = n;
	}
	return pvsm_pair_err(rv);
}

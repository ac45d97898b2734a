/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Vendor extension: key material imported under an SM2 import key and exported only to a recipient's SM2 public
 * key (BYOK; vsm.h, docs/sdf.md). Between the two it exists only wrapped by a KEK, in the forms the other KEK
 * functions make: SM4-ECB for symmetric keys (as SDF_GenerateKeyWithKEK), the authenticated pair wrap for SM2
 * private keys (vsm_wrapped.c). SM2 private keys travel as the pieces of a GM/T 0009 SM2EnvelopedKey: an SM4 key
 * SM2-encrypted, d encrypted with it in ECB mode, and the public key, which must be d's. Every plaintext secret
 * (the import key's d, the material, the SM4 envelope key) lives on this stack for one call and is wiped.
 * The material unwrap / wrap and the pair check are shared with the key backup (vsm_backup.c, vsm_internal.h).
 */
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>
#include <ccsp/sdf.h>

#include "vsm/vsm_internal.h"

#define CT_OVERHEAD 96
#define MATERIAL_MAX (CCSP_VSM_BYOK_CT_MAX - CT_OVERHEAD)

/* Bytes of what is SM2-encrypted for kind: the key itself, or the SM4 key of an SM2 key's envelope; 0: no kind. */
static size_t sealed_len(ccsp_vsm_material kind)
{
	switch (kind) {
	case CCSP_VSM_MATERIAL_SM4:
	case CCSP_VSM_MATERIAL_SM2_SIGN:
	case CCSP_VSM_MATERIAL_SM2_ENC:
		return CCSP_SM4_KEY_SIZE;
	case CCSP_VSM_MATERIAL_HMAC:
		return 32;
	}
	return 0;
}

static int is_pair(ccsp_vsm_material kind)
{
	return kind == CCSP_VSM_MATERIAL_SM2_SIGN || kind == CCSP_VSM_MATERIAL_SM2_ENC;
}

static ccsp_vsm_key_kind pair_usage(ccsp_vsm_material kind)
{
	return kind == CCSP_VSM_MATERIAL_SM2_SIGN ? CCSP_VSM_KEY_SIGN : CCSP_VSM_KEY_ENC;
}

ccsp_err vsm_pair_check(const uint8_t d[CCSP_SM2_PRIVATE_KEY_SIZE], const uint8_t pub[64])
{
	uint8_t point[CCSP_SM2_POINT_SIZE];
	ccsp_err ret = CCSP_ERR_NOMEM;
	ccsp_sm2_key *key = ccsp_sm2_key_new();
	if (key == NULL)
		return ret;
	ret = ccsp_sm2_key_set_private(key, d); /* CCSP_ERR_KEY: 0 or >= n - 1 */
	if (ret == CCSP_OK)
		ret = ccsp_sm2_key_get_public(key, point);
	if (ret == CCSP_OK && memcmp(point + 1, pub, 64) != 0) /* public values: no need for constant time */
		ret = CCSP_ERR_KEY;
	ccsp_sm2_key_free(key); /* secure memory, wiped */
	return ret;
}

/* d of an envelope: enc_private SM4-ECB-decrypted with k, a valid scalar whose public key is pub. */
static ccsp_err envelope_open(const uint8_t k[CCSP_SM4_KEY_SIZE], const uint8_t enc_private[32],
                              const uint8_t pub[64], uint8_t d[32])
{
	ccsp_err ret = vsm_sm4_crypt(k, CCSP_SM4_KEY_SIZE, SGD_SM4_ECB, 0, NULL, enc_private, 32, d);
	if (ret == CCSP_OK)
		ret = vsm_pair_check(d, pub);
	if (ret != CCSP_OK)
		ccsp_memzero(d, 32);
	return ret;
}

size_t vsm_material_len(ccsp_vsm_material kind)
{
	return is_pair(kind) ? CCSP_SM2_PRIVATE_KEY_SIZE : sealed_len(kind);
}

ccsp_err vsm_material_unwrap(ccsp_vsm_session *s, uint32_t kek_index, ccsp_vsm_material kind, const uint8_t *w,
                             size_t wlen, uint8_t m[VSM_MATERIAL_MAX])
{
	size_t n = vsm_material_len(kind);
	if (n == 0)
		return CCSP_ERR_ARG;
	if (is_pair(kind))
		return vsm_pair_unwrap(s, kek_index, pair_usage(kind), w, wlen, m);
	size_t got = 0;
	ccsp_err ret = w == NULL ? CCSP_ERR_KEY : vsm_key_unwrap_kek(s, kek_index, w, wlen, m, &got); /* vsm_ready */
	if (ret == CCSP_ERR_KEY_LENGTH || (ret == CCSP_OK && got != n))
		ret = CCSP_ERR_KEY;
	if (ret != CCSP_OK)
		ccsp_memzero(m, VSM_MATERIAL_MAX);
	return ret;
}

ccsp_err vsm_material_wrap(ccsp_vsm_session *s, uint32_t kek_index, ccsp_vsm_material kind, const uint8_t *m,
                           uint8_t wrapped[CCSP_VSM_WRAPPED_PAIR_SIZE], size_t *wlen)
{
	size_t n = vsm_material_len(kind);
	ccsp_err ret = CCSP_ERR_ARG;
	if (n == 0)
		return ret;
	if (is_pair(kind)) {
		ret = vsm_pair_wrap(s, kek_index, pair_usage(kind), m, wrapped);
		n = CCSP_VSM_WRAPPED_PAIR_SIZE;
	} else {
		ret = vsm_secret_wrap(s, kek_index, m, n, wrapped, &n);
	}
	if (ret == CCSP_OK)
		*wlen = n;
	return ret;
}

/* The material of ct decrypted with the import key's d into m (*mlen bytes), which must be what kind expects. */
static ccsp_err import_open(ccsp_vsm_session *s, const uint8_t dk[32], ccsp_vsm_material kind, const uint8_t *ct,
                            size_t ctlen, uint8_t m[MATERIAL_MAX], const char **why)
{
	ccsp_err ret = ccsp_vsm_external_decrypt(s, dk, ct, ctlen, m);
	if (ret == CCSP_ERR_POINT || ret == CCSP_ERR_DECODE)
		ret = CCSP_ERR_AUTH; /* C1 not a point: no ciphertext for this key either */
	if (ret == CCSP_ERR_AUTH)
		*why = "ciphertext";
	else if (ret == CCSP_OK && ctlen - CT_OVERHEAD != sealed_len(kind)) {
		*why = "length";
		ret = CCSP_ERR_KEY;
	}
	return ret;
}

ccsp_err ccsp_vsm_byok_import(ccsp_vsm_session *s, uint32_t kek_index, const uint8_t *import_wrapped,
                              size_t import_wlen, ccsp_vsm_material kind, const uint8_t *ct, size_t ctlen,
                              const uint8_t enc_private[32], const uint8_t pub[64],
                              uint8_t wrapped[CCSP_VSM_WRAPPED_PAIR_SIZE], size_t *wlen)
{
	uint8_t dk[CCSP_SM2_PRIVATE_KEY_SIZE], m[MATERIAL_MAX], d[CCSP_SM2_PRIVATE_KEY_SIZE];
	const char *why = NULL;
	ccsp_err ret = CCSP_ERR_ARG;

	if (sealed_len(kind) == 0 || ct == NULL || ctlen <= CT_OVERHEAD || ctlen > CCSP_VSM_BYOK_CT_MAX ||
	    wrapped == NULL || wlen == NULL || (is_pair(kind) && (enc_private == NULL || pub == NULL)))
		goto out;
	ret = vsm_pair_unwrap(s, kek_index, CCSP_VSM_KEY_ENC, import_wrapped, import_wlen, dk); /* vsm_ready */
	if (ret == CCSP_OK)
		ret = import_open(s, dk, kind, ct, ctlen, m, &why);
	if (ret != CCSP_OK)
		goto out;
	if (is_pair(kind)) {
		ret = envelope_open(m, enc_private, pub, d);
		if (ret == CCSP_ERR_KEY)
			why = "private-key";
	}
	if (ret == CCSP_OK)
		ret = vsm_material_wrap(s, kek_index, kind, is_pair(kind) ? d : m, wrapped, wlen);
out:
	if (ret == CCSP_OK)
		ccsp_vsm_audit_event(s->vsm, "key.import", "kek=%u kind=%d", kek_index, (int)kind);
	else if (why != NULL)
		ccsp_vsm_audit_event(s->vsm, "import.refused", "kek=%u kind=%d reason=%s", kek_index, (int)kind, why);
	ccsp_memzero(dk, sizeof dk);
	ccsp_memzero(m, sizeof m);
	ccsp_memzero(d, sizeof d);
	return ret;
}

/* An SM2 key of a pair wrap as an envelope for recipient: a fresh SM4 key SM2-encrypted into ct, d encrypted with
 * it into enc_private. */
static ccsp_err export_pair(ccsp_vsm_session *s, uint32_t kek_index, ccsp_vsm_material kind, const uint8_t *wrapped,
                            size_t wlen, const uint8_t recipient[64], uint8_t *ct, uint8_t enc_private[32])
{
	uint8_t d[CCSP_SM2_PRIVATE_KEY_SIZE], k[CCSP_SM4_KEY_SIZE], e[CCSP_SM2_PRIVATE_KEY_SIZE];
	ccsp_err ret = vsm_material_unwrap(s, kek_index, kind, wrapped, wlen, d);
	if (ret == CCSP_OK)
		ret = ccsp_random(k, sizeof k);
	if (ret == CCSP_OK)
		ret = vsm_sm4_crypt(k, sizeof k, SGD_SM4_ECB, 1, NULL, d, sizeof d, e);
	if (ret == CCSP_OK)
		ret = ccsp_vsm_external_encrypt(s, recipient, k, sizeof k, ct);
	if (ret == CCSP_OK)
		memcpy(enc_private, e, sizeof e);
	ccsp_memzero(d, sizeof d);
	ccsp_memzero(k, sizeof k);
	ccsp_memzero(e, sizeof e);
	return ret;
}

ccsp_err ccsp_vsm_byok_export(ccsp_vsm_session *s, uint32_t kek_index, ccsp_vsm_material kind,
                              const uint8_t *wrapped, size_t wlen, const uint8_t recipient[64],
                              uint8_t ct[CCSP_VSM_BYOK_CT_MAX], size_t *ctlen, uint8_t enc_private[32])
{
	uint8_t m[MATERIAL_MAX];
	size_t n = sealed_len(kind);
	ccsp_err ret = vsm_ready(s->vsm);

	if (ret != CCSP_OK)
		goto out;
	ret = CCSP_ERR_ARG;
	if (n == 0 || wrapped == NULL || recipient == NULL || ct == NULL || ctlen == NULL ||
	    (is_pair(kind) && enc_private == NULL))
		goto out;
	if (is_pair(kind)) {
		ret = export_pair(s, kek_index, kind, wrapped, wlen, recipient, ct, enc_private);
	} else {
		ret = vsm_material_unwrap(s, kek_index, kind, wrapped, wlen, m);
		if (ret == CCSP_OK)
			ret = ccsp_vsm_external_encrypt(s, recipient, m, n, ct);
	}
	if (ret == CCSP_OK) {
		*ctlen = n + CT_OVERHEAD;
		ccsp_vsm_audit_event(s->vsm, "key.export", "kek=%u kind=%d", kek_index, (int)kind);
	}
out:
	ccsp_memzero(m, sizeof m);
	return ret;
}

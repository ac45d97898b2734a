/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Vendor extension: a key set's backup (KM-9; vsm.h, docs/sdf.md "Key-set backup"). Each key of the set is moved
 * from the KEK to a backup key B, itself an SM4 key under the KEK that ccspd splits among custodians with
 * vsm_backup.c; recovery moves each key back under the (possibly another) KEK once B is recovered. The material,
 * B and the derived key live on this stack for one call and are wiped.
 *
 * Domain separation: the entries are sealed with E = SM3(label || B)[0..16), never with B, so B used as an
 * ordinary SM4 key (the SM4-GCM-with-KEK functions, a KMS key recovered from the same shares) neither opens nor
 * forges an entry.
 */
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>
#include <ccsp/sm3.h>
#include <ccsp/sm4.h>

#include "vsm/vsm_internal.h"

#define BKEY_SIZE 16
static const char LABEL[] = "CCSP key-set backup v1";

static int is_pair(ccsp_vsm_material kind)
{
	return kind == CCSP_VSM_MATERIAL_SM2_SIGN || kind == CCSP_VSM_MATERIAL_SM2_ENC;
}

/* B unwrapped and E = SM3(LABEL || B)[0..16) set as the SM4 key k. */
static ccsp_err entry_key(ccsp_vsm_session *s, uint32_t kek_index, const uint8_t *bkey, size_t bklen,
                          ccsp_sm4_key *k)
{
	uint8_t b[VSM_MATERIAL_MAX], h[CCSP_SM3_DIGEST_SIZE];
	ccsp_sm3_ctx c;
	ccsp_err ret = vsm_material_unwrap(s, kek_index, CCSP_VSM_MATERIAL_SM4, bkey, bklen, b);
	if (ret == CCSP_OK)
		ret = ccsp_sm3_init(&c);
	if (ret == CCSP_OK)
		ret = ccsp_sm3_update(&c, (const uint8_t *)LABEL, sizeof LABEL - 1);
	if (ret == CCSP_OK)
		ret = ccsp_sm3_update(&c, b, BKEY_SIZE);
	if (ret == CCSP_OK)
		ret = ccsp_sm3_final(&c, h);
	if (ret == CCSP_OK)
		ret = ccsp_sm4_set_key(k, h, 16);
	ccsp_memzero(&c, sizeof c);
	ccsp_memzero(b, sizeof b);
	ccsp_memzero(h, sizeof h);
	return ret;
}

static int args_ok(ccsp_vsm_material kind, const uint8_t *bkey, const uint8_t *pub, const uint8_t *aad,
                   size_t aadlen)
{
	return vsm_material_len(kind) != 0 && bkey != NULL && (!is_pair(kind) || pub != NULL) && aad != NULL &&
	       aadlen >= 1 && aadlen <= CCSP_VSM_KEYSET_AAD_MAX;
}

static void audit(ccsp_vsm_session *s, const char *event, uint32_t kek_index, ccsp_vsm_material kind, ccsp_err ret)
{
	if (ret == CCSP_OK)
		ccsp_vsm_audit_event(s->vsm, event, "kek=%u kind=%d", kek_index, (int)kind);
	else if (ret == CCSP_ERR_AUTH || ret == CCSP_ERR_KEY)
		ccsp_vsm_audit_event(s->vsm, "keyset.refused", "op=%s kek=%u kind=%d reason=%s", event, kek_index,
		                     (int)kind, ret == CCSP_ERR_AUTH ? "tag" : "key");
}

ccsp_err ccsp_vsm_keyset_export(ccsp_vsm_session *s, uint32_t kek_index, const uint8_t *bkey, size_t bklen,
                                ccsp_vsm_material kind, const uint8_t *wrapped, size_t wlen, const uint8_t pub[64],
                                const uint8_t *aad, size_t aadlen, uint8_t iv[CCSP_VSM_KEYSET_IV_SIZE],
                                uint8_t ct[32], size_t *ctlen, uint8_t tag[CCSP_VSM_KEYSET_TAG_SIZE])
{
	uint8_t m[VSM_MATERIAL_MAX];
	ccsp_sm4_key k;
	size_t len = vsm_material_len(kind);
	ccsp_err ret = CCSP_ERR_ARG;
	memset(&k, 0, sizeof k);
	if (!args_ok(kind, bkey, pub, aad, aadlen) || wrapped == NULL || iv == NULL || ct == NULL || ctlen == NULL ||
	    tag == NULL)
		goto out;
	ret = vsm_material_unwrap(s, kek_index, kind, wrapped, wlen, m); /* vsm_ready */
	if (ret == CCSP_OK && is_pair(kind))
		ret = vsm_pair_check(m, pub);
	if (ret == CCSP_OK)
		ret = entry_key(s, kek_index, bkey, bklen, &k);
	if (ret == CCSP_OK)
		ret = ccsp_random(iv, CCSP_VSM_KEYSET_IV_SIZE);
	if (ret == CCSP_OK)
		ret = ccsp_sm4_gcm_encrypt(&k, iv, CCSP_VSM_KEYSET_IV_SIZE, aad, aadlen, m, ct, len, tag);
	if (ret == CCSP_OK)
		*ctlen = len;
	audit(s, "keyset.export", kek_index, kind, ret);
out:
	ccsp_sm4_key_wipe(&k);
	ccsp_memzero(m, sizeof m);
	return ret;
}

ccsp_err ccsp_vsm_keyset_import(ccsp_vsm_session *s, uint32_t kek_index, const uint8_t *bkey, size_t bklen,
                                ccsp_vsm_material kind, const uint8_t pub[64], const uint8_t *aad, size_t aadlen,
                                const uint8_t iv[CCSP_VSM_KEYSET_IV_SIZE], const uint8_t *ct, size_t ctlen,
                                const uint8_t tag[CCSP_VSM_KEYSET_TAG_SIZE],
                                uint8_t wrapped[CCSP_VSM_WRAPPED_PAIR_SIZE], size_t *wlen)
{
	uint8_t m[VSM_MATERIAL_MAX];
	ccsp_sm4_key k;
	ccsp_err ret = CCSP_ERR_ARG;
	memset(&k, 0, sizeof k);
	if (!args_ok(kind, bkey, pub, aad, aadlen) || iv == NULL || ct == NULL || tag == NULL || wrapped == NULL ||
	    wlen == NULL)
		goto out;
	ret = ctlen == vsm_material_len(kind) ? vsm_ready(s->vsm) : CCSP_ERR_KEY;
	if (ret == CCSP_OK)
		ret = entry_key(s, kek_index, bkey, bklen, &k);
	if (ret == CCSP_OK)
		ret = ccsp_sm4_gcm_decrypt(&k, iv, CCSP_VSM_KEYSET_IV_SIZE, aad, aadlen, ct, m, ctlen, tag);
	if (ret == CCSP_OK && is_pair(kind))
		ret = vsm_pair_check(m, pub);
	if (ret == CCSP_OK)
		ret = vsm_material_wrap(s, kek_index, kind, m, wrapped, wlen);
	audit(s, "keyset.import", kek_index, kind, ret);
out:
	ccsp_sm4_key_wipe(&k);
	ccsp_memzero(m, sizeof m);
	return ret;
}

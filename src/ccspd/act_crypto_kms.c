/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Applications' symmetric encryption with KMS keys of spec SM4 (docs/api-ccspd.md "crypto/encrypt, crypto/decrypt,
 * crypto/generate-data-key"):
 *   POST /api/v1/crypto/encrypt {keyId | alias, plaintext: Base64 (1..65536 bytes), context?: {name: text}}
 *        -> {"ciphertext": Base64 blob, "keyId", "version"}
 *   POST /api/v1/crypto/decrypt {ciphertext, context?} -> {"plaintext", "keyId", "version"}
 *   POST /api/v1/crypto/re-encrypt {ciphertext, context?} -> {"ciphertext", "keyId", "version", "sourceVersion"}:
 *        the same plaintext under the key's primary version (KM-6/7: data moved to the new version after a rotation
 *        or an emergency re-key; the plaintext exists only in this call's memory, wiped after it)
 *   POST /api/v1/crypto/generate-data-key {keyId | alias, length?: 16 | 32 (16), withPlaintext?: bool (true),
 *        context?} -> {"plaintext"?, "ciphertext", "keyId", "version"}: a fresh data key from the VSM's generator,
 *        encrypted under the KMS key exactly as crypto/encrypt would (so crypto/decrypt opens it); envelope
 *        encryption for data too large or too hot to send through ccspd.
 * SM4-GCM inside the VSM with the key's primary version (decrypt: the blob's version); the blob and the AAD are
 * src/platform/kms_blob.h's. The key is looked up in the calling app's tenant only (act_kms_use.c). Plaintext is
 * wiped after use.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>

#include "ccspd/act_kms.h"
#include "common/b64.h"
#include "platform/kms_blob.h"

/* The canonical context of the body: 0, or -1 after answering CCSP-1001. */
static int context_of(ccspd_call *c, char **canon)
{
	if (ccsp_kms_context_canon(json_object_get(c->body, "context"), canon) == CCSP_OK)
		return 0;
	ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM, "context must be an object of at most 32 text members");
	return -1;
}

/* Encrypt pt under u's key (loaded) into a new blob (*blob, *bloblen). */
static ccsp_err seal(kms_use *u, const char *canon, const uint8_t *pt, size_t len, uint8_t **blob, size_t *bloblen)
{
	ccsp_kms_vsm v;
	uint8_t *aad = NULL, *b = malloc(len + CCSP_KMS_BLOB_OVERHEAD);
	size_t aadlen = 0;
	ccsp_err ret = b != NULL ? CCSP_OK : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK)
		ret = ccsp_kms_blob_header(u->key_id, (uint32_t)u->version, b);
	if (ret == CCSP_OK)
		ret = ccsp_kms_aad(b, u->c->who->tenant_id, u->c->who->id, canon, &aad, &aadlen);
	kms_vsm_for_call(u->c, u->group, &v);
	if (ret == CCSP_OK)
		ret = v.ops->encrypt(v.ctx, &u->w, aad, aadlen, pt, len, b + CCSP_KMS_BLOB_IV_OFF, b + CCSP_KMS_BLOB_CT_OFF,
		                     b + CCSP_KMS_BLOB_CT_OFF + len);
	free(aad);
	if (ret != CCSP_OK) {
		free(b);
		b = NULL;
	}
	*blob = b;
	*bloblen = b != NULL ? len + CCSP_KMS_BLOB_OVERHEAD : 0;
	return ret;
}

void ccspd_act_crypto_encrypt(ccspd_call *c)
{
	kms_use u = {.c = c, .op = CCSP_KMS_OP_ENCRYPT};
	uint8_t *pt = NULL, *blob = NULL;
	size_t len = 0, bloblen = 0;
	char *canon = NULL;
	if (kms_sel_parse(c, &u.sel) != 0 || kms_b64_member(c, "plaintext", CCSPD_KMS_PLAINTEXT_MAX, 0, &pt, &len) != 0 ||
	    context_of(c, &canon) != 0)
		goto out;
	act_wipe(c, "plaintext");
	if (kms_use_load(&u) != 0)
		goto out;
	ccsp_err ret = seal(&u, canon, pt, len, &blob, &bloblen);
	if (ret == CCSP_OK)
		kms_use_ok_b64(&u, "ciphertext", blob, bloblen);
	else
		kms_use_fail(&u, ret, CCSP_APIERR_INTERNAL);
out:
	kms_b64_free(pt, len);
	free(blob);
	free(canon);
	kms_use_wipe(&u);
}

/* The blob of the body parsed into *b (its bytes in *blob, malloc'd) with the canonical context: 0, or -1 after
 * answering CCSP-1001. */
static int blob_of(ccspd_call *c, uint8_t **blob, ccsp_kms_blob *b, char **canon)
{
	size_t bloblen = 0;
	if (kms_b64_member(c, "ciphertext", CCSPD_KMS_PLAINTEXT_MAX + CCSP_KMS_BLOB_OVERHEAD, 0, blob, &bloblen) != 0 ||
	    context_of(c, canon) != 0)
		return -1;
	if (ccsp_kms_blob_parse(*blob, bloblen, b) != CCSP_OK) {
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM, "ciphertext is not a ccsp KMS ciphertext");
		return -1;
	}
	return 0;
}

/* Open the blob b with u's key (loaded for it) into *pt (b->ctlen bytes, malloc'd + 1; free with kms_b64_free). */
static ccsp_err open_blob(kms_use *u, const ccsp_kms_blob *b, const char *canon, uint8_t **pt)
{
	uint8_t *aad = NULL, *out = malloc(b->ctlen + 1);
	size_t aadlen = 0;
	ccsp_kms_vsm v;
	ccsp_err ret = out != NULL ? ccsp_kms_aad(b->header, u->c->who->tenant_id, u->c->who->id, canon, &aad, &aadlen)
	                           : CCSP_ERR_NOMEM;
	kms_vsm_for_call(u->c, u->group, &v);
	if (ret == CCSP_OK)
		ret = v.ops->decrypt(v.ctx, &u->w, aad, aadlen, b->iv, b->ct, b->ctlen, b->tag, out);
	free(aad);
	*pt = out;
	return ret;
}

void ccspd_act_crypto_decrypt(ccspd_call *c)
{
	kms_use u = {.c = c, .op = CCSP_KMS_OP_DECRYPT};
	uint8_t *blob = NULL, *pt = NULL;
	char *canon = NULL;
	ccsp_kms_blob b = {0};
	if (blob_of(c, &blob, &b, &canon) != 0)
		goto out;
	u.sel.key_id = b.key_id;
	u.version = b.version;
	if (kms_use_load(&u) != 0)
		goto out;
	ccsp_err ret = open_blob(&u, &b, canon, &pt);
	if (ret == CCSP_OK)
		kms_use_ok_b64(&u, "plaintext", pt, b.ctlen);
	else
		kms_use_fail(&u, ret, CCSP_APIERR_CIPHERTEXT);
out:
	kms_b64_free(pt, b.ctlen + 1);
	free(blob);
	free(canon);
	kms_use_wipe(&u);
}

void ccspd_act_crypto_re_encrypt(ccspd_call *c)
{
	kms_use from = {.c = c, .op = CCSP_KMS_OP_DECRYPT}, to = {.c = c, .op = CCSP_KMS_OP_ENCRYPT};
	uint8_t *blob = NULL, *pt = NULL, *nb = NULL;
	size_t nblen = 0;
	char *canon = NULL;
	ccsp_kms_blob b = {0};
	if (blob_of(c, &blob, &b, &canon) != 0)
		goto out;
	from.sel.key_id = to.sel.key_id = b.key_id;
	from.version = b.version;
	if (kms_use_load(&from) != 0)
		goto out;
	ccsp_err ret = open_blob(&from, &b, canon, &pt);
	if (ret != CCSP_OK) {
		kms_use_fail(&from, ret, CCSP_APIERR_CIPHERTEXT);
		goto out;
	}
	if (kms_use_load(&to) != 0)
		goto out;
	ret = seal(&to, canon, pt, b.ctlen, &nb, &nblen);
	if (ret != CCSP_OK) {
		kms_use_fail(&to, ret, CCSP_APIERR_INTERNAL);
		goto out;
	}
	char *b64 = malloc(CCSP_B64_LEN(nblen) + 1);
	if (b64 == NULL) {
		act_fail(c, CCSP_ERR_NOMEM, NULL);
		goto out;
	}
	ccsp_b64_encode(nb, nblen, b64);
	kms_use_ok(&to, json_pack("{s:s, s:I}", "ciphertext", b64, "sourceVersion", (json_int_t)b.version));
	free(b64);
out:
	kms_b64_free(pt, b.ctlen + 1);
	free(nb);
	free(blob);
	free(canon);
	kms_use_wipe(&from);
	kms_use_wipe(&to);
}

/* {plaintext?, ciphertext} of a data key dk under u's key. */
static void answer_data_key(kms_use *u, const char *canon, const uint8_t *dk, size_t len, int with_plaintext)
{
	uint8_t *blob = NULL;
	size_t bloblen = 0;
	char pt64[CCSP_B64_LEN(32) + 1], *ct64 = NULL;
	ccsp_err ret = seal(u, canon, dk, len, &blob, &bloblen);
	if (ret != CCSP_OK) {
		kms_use_fail(u, ret, CCSP_APIERR_INTERNAL);
		return;
	}
	ct64 = malloc(CCSP_B64_LEN(bloblen) + 1);
	if (ct64 != NULL) {
		ccsp_b64_encode(blob, bloblen, ct64);
		ccsp_b64_encode(dk, len, pt64);
		json_t *o = json_pack("{s:s}", "ciphertext", ct64);
		if (o != NULL && with_plaintext)
			json_object_set_new(o, "plaintext", json_string(pt64));
		kms_use_ok(u, o);
	} else {
		act_fail(u->c, CCSP_ERR_NOMEM, NULL);
	}
	ccsp_memzero(pt64, sizeof pt64);
	free(ct64);
	free(blob);
}

void ccspd_act_crypto_generate_data_key(ccspd_call *c)
{
	kms_use u = {.c = c, .op = CCSP_KMS_OP_GENERATE_DATA_KEY};
	uint8_t dk[32];
	int64_t length = 0;
	int with_plaintext = 1;
	char *canon = NULL;
	json_t *wp = json_object_get(c->body, "withPlaintext");
	if (kms_sel_parse(c, &u.sel) != 0 || act_int(c, "length", 16, 32, 16, &length) != 0 || context_of(c, &canon) != 0)
		goto out;
	if ((length != 16 && length != 32) || (wp != NULL && !json_is_boolean(wp))) {
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM,
		           length != 16 && length != 32 ? "length must be 16 or 32" : "withPlaintext must be a boolean");
		goto out;
	}
	with_plaintext = wp == NULL || json_is_true(wp);
	if (kms_use_load(&u) != 0)
		goto out;
	ccsp_err ret = c->d->pvsm != NULL ? ccsp_pvsm_random(c->d->pvsm, dk, (size_t)length) : CCSP_ERR_MODULE_STATE;
	if (ret != CCSP_OK)
		kms_use_fail(&u, ret, CCSP_APIERR_INTERNAL);
	else
		answer_data_key(&u, canon, dk, (size_t)length, with_plaintext);
out:
	ccsp_memzero(dk, sizeof dk);
	free(canon);
	kms_use_wipe(&u);
}

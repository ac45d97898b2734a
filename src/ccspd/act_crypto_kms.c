/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Applications' crypto services with KMS keys (docs/api-ccspd.md "crypto/encrypt, crypto/decrypt"):
 *   POST /api/v1/crypto/encrypt {keyId | alias, plaintext: Base64 (1..65536 bytes), context?: {name: text}}
 *        -> {"ciphertext": Base64 blob, "keyId", "version"}
 *   POST /api/v1/crypto/decrypt {ciphertext, context?} -> {"plaintext", "keyId", "version"}
 * SM4-GCM inside the VSM with the key's primary version (decrypt: the blob's version); the blob and the AAD are
 * src/platform/kms_blob.h's. The key is looked up in the calling app's tenant only. Plaintext is wiped after use.
 * The key is read in a read-only store transaction, so that encryptions never queue on SQLite's write lock; only a
 * key past its deletion due date is read again in a read-write one, which destroys it first (lazy destruction).
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>

#include "ccspd/act_kms.h"
#include "common/b64.h"
#include "platform/kms_blob.h"

typedef struct crypt_job {
	ccspd_call *c;
	kms_sel sel;
	int encrypt;
	int64_t version; /* decrypt: the blob's; encrypt: the primary, once read */
	int64_t now;
	int ro;  /* load_fn in a read-only transaction: it writes nothing */
	int due; /* ... and found the key due for destruction: the read-write path must run */
	char key_id[CCSP_STORE_ID_LEN + 1]; /* the key's id, once read (also when named by alias) */
	ccsp_kms_wrapped w;
	ccsp_apierr err; /* CCSP_APIERR_COUNT_: the key may be used */
	const char *msg;
	char msgbuf[80];
} crypt_job;

static ccsp_err refuse(crypt_job *j, ccsp_apierr err, const char *msg)
{
	j->err = err;
	j->msg = msg;
	return CCSP_OK;
}

/* The key and version the job names, checked for the operation, with its wrapped material into j->w. */
static ccsp_err load_fn(ccsp_store_tx *tx, void *arg)
{
	crypt_job *j = arg;
	ccsp_store_kms_key k;
	ccsp_store_kms_version v;
	ccsp_err ret = kms_key_find(j->c, tx, &j->sel, &k);
	if (ret == CCSP_ERR_NOT_FOUND)
		return refuse(j, CCSP_APIERR_NOT_FOUND, NULL);
	CCSP_GUARD(ret);
	if (j->ro && ccsp_kms_deletion_due(k.state, k.deletion_due, j->now)) {
		j->due = 1;
		return CCSP_OK;
	}
	CCSP_GUARD(kms_destroy_if_due(j->c, tx, &k, j->now)); /* read-write only: due keys never reach it read-only */
	if (!(j->encrypt ? ccsp_kms_may_encrypt(k.state) : ccsp_kms_may_decrypt(k.state))) {
		snprintf(j->msgbuf, sizeof j->msgbuf, "the key is %s: %s refused", ccsp_kms_state_name(k.state),
		         j->encrypt ? "encrypt" : "decrypt");
		return refuse(j, CCSP_APIERR_KEY_STATE, j->msgbuf);
	}
	if (j->encrypt)
		j->version = k.primary_version;
	memcpy(j->key_id, k.id, sizeof j->key_id);
	ret = ccsp_store_kms_version_get(tx, k.tenant_id, k.id, j->version, &v);
	if (ret == CCSP_ERR_NOT_FOUND)
		return refuse(j, CCSP_APIERR_CIPHERTEXT, NULL); /* decrypt: a version the key never had */
	CCSP_GUARD(ret);
	if (v.wrapped_len == 0 || (j->encrypt && v.compromised))
		ret = refuse(j, CCSP_APIERR_KEY_STATE, v.wrapped_len == 0 ? "the key version is destroyed"
		                                                          : "the key version is compromised");
	else {
		memcpy(j->w.bytes, v.wrapped, v.wrapped_len);
		j->w.len = v.wrapped_len;
		j->w.kek_index = v.kek_index;
		j->err = CCSP_APIERR_COUNT_;
	}
	ccsp_memzero(&v, sizeof v);
	return ret;
}

/* Load the key: 0, or -1 after answering. Read-only first; read-write when the key is due for destruction (or the
 * read-only transaction met a conflict). */
static int load(crypt_job *j)
{
	ccsp_store_tx *tx = NULL;
	j->err = CCSP_APIERR_INTERNAL;
	j->now = ccspd_now_ms(j->c->d);
	j->ro = 1;
	j->due = 0;
	ccsp_err ret = ccsp_store_begin_ro(j->c->d->store, &tx);
	if (ret == CCSP_OK)
		ret = load_fn(tx, j);
	ccsp_store_rollback(tx);
	if (ret == CCSP_ERR_BUSY || (ret == CCSP_OK && j->due)) {
		j->ro = 0;
		j->err = CCSP_APIERR_INTERNAL;
		ret = ccsp_store_run(j->c->d->store, load_fn, j);
	}
	if (ret != CCSP_OK)
		act_fail(j->c, ret, NULL);
	else if (j->err != CCSP_APIERR_COUNT_)
		ccspd_fail(j->c->d, j->c->req, j->err, j->msg);
	return ret == CCSP_OK && j->err == CCSP_APIERR_COUNT_ ? 0 : -1;
}

/* The Base64 member name of the body decoded (at most max bytes) into a malloc'd buffer: 0, or -1 after answering
 * CCSP-1001. */
static int b64_member(ccspd_call *c, const char *name, size_t max, uint8_t **out, size_t *len)
{
	json_t *v = json_object_get(c->body, name);
	const char *s = json_string_value(v);
	size_t n = s != NULL ? json_string_length(v) : 0;
	*out = NULL;
	*len = 0;
	uint8_t *buf = s != NULL && n > 0 && n <= CCSP_B64_LEN(max) ? malloc(n / 4 * 3 + 3) : NULL;
	if (buf == NULL || ccsp_b64_decode(s, n, buf, n / 4 * 3 + 3, len) != CCSP_OK || *len == 0 || *len > max) {
		if (buf != NULL)
			ccsp_memzero(buf, n / 4 * 3 + 3);
		free(buf);
		char msg[96];
		snprintf(msg, sizeof msg, "%s must be Base64 of 1..%zu bytes", name, max);
		ccspd_fail(c->d, c->req, CCSP_APIERR_INVALID_PARAM, msg);
		return -1;
	}
	*out = buf;
	return 0;
}

/* The canonical context of the body: 0, or -1 after answering CCSP-1001. */
static int context_of(ccspd_call *c, char **canon)
{
	if (ccsp_kms_context_canon(json_object_get(c->body, "context"), canon) == CCSP_OK)
		return 0;
	ccspd_fail(c->d, c->req, CCSP_APIERR_INVALID_PARAM, "context must be an object of at most 32 text members");
	return -1;
}

static void answer(crypt_job *j, ccsp_err ret, const char *name, const uint8_t *data, size_t len)
{
	if (ret == CCSP_ERR_AUTH) {
		ccspd_fail(j->c->d, j->c->req, CCSP_APIERR_CIPHERTEXT, NULL);
		return;
	}
	if (ret != CCSP_OK) {
		act_fail(j->c, ret == CCSP_ERR_MODULE_STATE ? ret : CCSP_ERR_COMM, NULL);
		return;
	}
	char *b64 = malloc(CCSP_B64_LEN(len) + 1);
	if (b64 == NULL) {
		act_fail(j->c, CCSP_ERR_NOMEM, NULL);
		return;
	}
	ccsp_b64_encode(data, len, b64);
	json_t *o = json_pack("{s:s, s:s, s:I}", name, b64, "keyId", j->key_id, "version", (json_int_t)j->version);
	ccsp_memzero(b64, CCSP_B64_LEN(len) + 1);
	free(b64);
	if (o == NULL)
		act_fail(j->c, CCSP_ERR_NOMEM, NULL);
	else
		ccspd_ok(j->c->req, o);
}

/* Encrypt pt under j's key (loaded) into a new blob (*blob, *bloblen). */
static ccsp_err seal(crypt_job *j, const char *canon, const uint8_t *pt, size_t len,
                     uint8_t **blob, size_t *bloblen)
{
	ccsp_kms_vsm v;
	uint8_t *aad = NULL, *b = malloc(len + CCSP_KMS_BLOB_OVERHEAD);
	size_t aadlen = 0;
	ccsp_err ret = b != NULL ? CCSP_OK : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK)
		ret = ccsp_kms_blob_header(j->key_id, (uint32_t)j->version, b);
	if (ret == CCSP_OK)
		ret = ccsp_kms_aad(b, j->c->who->tenant_id, j->c->who->id, canon, &aad, &aadlen);
	kms_vsm_of(j->c->d, &v);
	if (ret == CCSP_OK)
		ret = v.ops->encrypt(v.ctx, &j->w, aad, aadlen, pt, len, b + CCSP_KMS_BLOB_IV_OFF, b + CCSP_KMS_BLOB_CT_OFF,
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
	crypt_job j = {.c = c, .encrypt = 1};
	uint8_t *pt = NULL, *blob = NULL;
	size_t len = 0, bloblen = 0;
	char *canon = NULL;
	if (kms_sel_parse(c, &j.sel) != 0 || b64_member(c, "plaintext", CCSPD_KMS_PLAINTEXT_MAX, &pt, &len) != 0 ||
	    context_of(c, &canon) != 0)
		goto out;
	act_wipe(c, "plaintext");
	if (load(&j) != 0)
		goto out;
	ccsp_err ret = seal(&j, canon, pt, len, &blob, &bloblen);
	answer(&j, ret, "ciphertext", blob, bloblen);
out:
	if (pt != NULL)
		ccsp_memzero(pt, len);
	free(pt);
	free(blob);
	free(canon);
	ccsp_memzero(&j.w, sizeof j.w);
}

void ccspd_act_crypto_decrypt(ccspd_call *c)
{
	crypt_job j = {.c = c};
	uint8_t *blob = NULL, *pt = NULL, *aad = NULL;
	size_t bloblen = 0, aadlen = 0;
	char *canon = NULL;
	ccsp_kms_blob b = {0};
	ccsp_kms_vsm v;
	if (b64_member(c, "ciphertext", CCSPD_KMS_PLAINTEXT_MAX + CCSP_KMS_BLOB_OVERHEAD, &blob, &bloblen) != 0 ||
	    context_of(c, &canon) != 0)
		goto out;
	if (ccsp_kms_blob_parse(blob, bloblen, &b) != CCSP_OK) {
		ccspd_fail(c->d, c->req, CCSP_APIERR_INVALID_PARAM, "ciphertext is not a ccsp KMS ciphertext");
		goto out;
	}
	j.sel.key_id = b.key_id;
	j.version = b.version;
	if (load(&j) != 0)
		goto out;
	pt = malloc(b.ctlen + 1);
	ccsp_err ret = pt != NULL ? ccsp_kms_aad(b.header, c->who->tenant_id, c->who->id, canon, &aad, &aadlen)
	                          : CCSP_ERR_NOMEM;
	kms_vsm_of(c->d, &v);
	if (ret == CCSP_OK)
		ret = v.ops->decrypt(v.ctx, &j.w, aad, aadlen, b.iv, b.ct, b.ctlen, b.tag, pt);
	answer(&j, ret, "plaintext", pt, ret == CCSP_OK ? b.ctlen : 0);
out:
	if (pt != NULL)
		ccsp_memzero(pt, b.ctlen + 1);
	free(pt);
	free(aad);
	free(blob);
	free(canon);
	ccsp_memzero(&j.w, sizeof j.w);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * BYOK and wrapped export (docs/api-ccspd.md "BYOK"), for the tenant administrators of the key's tenant:
 *   kms/import-params  {spec}                      -> {"importToken", "spec", "publicKey": PEM, "expires"}
 *   kms/key-import     {importToken, material, alias?, description?, rotationDays?} -> the key (act_kms.c)
 *   kms/recipient-add  {name, publicKey: PEM}      -> {"name", "publicKey", "created"}
 *   kms/recipient-list {}                          -> {"recipients": [...]}
 *   kms/recipient-remove {name}                    -> {}
 *   kms/key-export     {keyId | alias, version?, recipient} -> {"keyId", "version", "spec", "wrappedKey"}
 * The import key is an SM2 encryption pair made in the VSM (its private key stored only wrapped), one use, valid
 * for 24 hours; the material is decrypted and re-wrapped inside the VSM (kms_vsm.h import). Export hands out a
 * key's material only SM2-encrypted to a recipient the tenant registered, only when the key policy's
 * allowWrappedExport is on, only from an enabled, disabled or archived key, and only once the export is audited.
 * Formats: src/platform/kms_byok.h.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/sm2.h>
#include <ccsp/sm2_asn1.h>

#include "ccspd/act_kms.h"
#include "common/b64.h"
#include "platform/keypolicy.h"
#include "platform/kms_byok.h"
#include "platform/store/store_kms_byok.h"

#define IMPORT_TTL_MS (24 * 3600 * 1000LL)

/* ---- import parameters ---- */

typedef struct import_job {
	ccspd_call *c;
	const char *audit_action;
	ccsp_kms_spec kind;
	ccsp_store_kms_import im;
	ccsp_apierr err;
	const char *msg;
} import_job;

static ccsp_err params_fn(ccsp_store_tx *tx, void *arg)
{
	import_job *j = arg;
	ccsp_keypolicy p;
	CCSP_GUARD(ccsp_keypolicy_load(tx, &p));
	if (!ccsp_keypolicy_spec_allowed(&p, j->im.spec)) {
		j->err = CCSP_APIERR_INVALID_PARAM;
		j->msg = "spec is not allowed by the key policy";
		return CCSP_OK;
	}
	CCSP_GUARD(ccsp_store_kms_import_create(tx, &j->im));
	CCSP_GUARD(ccspd_audit(j->c, tx, j->audit_action, j->im.id, "ok",
	                       json_pack("{s:s, s:s, s:I}", "tenantId", j->im.tenant_id, "spec", j->im.spec, "expires",
	                                 (json_int_t)j->im.expires)));
	j->err = CCSP_APIERR_COUNT_;
	return CCSP_OK;
}

void kms_import_params(ccspd_call *c, const char *tenant, const char *audit_action)
{
	import_job j = {.c = c, .audit_action = audit_action, .err = CCSP_APIERR_INTERNAL};
	const char *spec = NULL;
	ccsp_kms_wrapped w = {0};
	ccsp_kms_vsm v;
	char pem[CCSP_SM2_KEY_FILE_MAX + 1];
	if (act_str(c, "spec", 1, CCSP_STORE_KMS_SPEC_MAX, &spec) != 0)
		return;
	if ((j.kind = ccsp_kms_spec_parse(spec)) == CCSP_KMS_SPEC_NONE) {
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM, "spec must be one of the KMS key specs");
		return;
	}
	ccsp_err ret = kms_group_of_tenant(c->d, tenant, j.im.group_id);
	if (ret != CCSP_OK) {
		act_fail(c, ret, NULL);
		return;
	}
	kms_vsm_of(c->d, j.im.group_id, &v);
	ret = v.ops->generate(v.ctx, CCSP_KMS_SPEC_SM2_ENC, v.kek_index, &w, j.im.public_key);
	if (ret != CCSP_OK) {
		act_fail(c, ret == CCSP_ERR_MODULE_STATE ? ret : CCSP_ERR_COMM, NULL);
		return;
	}
	snprintf(j.im.tenant_id, sizeof j.im.tenant_id, "%s", tenant);
	snprintf(j.im.spec, sizeof j.im.spec, "%s", ccsp_kms_spec_name(j.kind));
	memcpy(j.im.wrapped, w.bytes, w.len);
	j.im.wrapped_len = w.len;
	j.im.kek_index = w.kek_index;
	j.im.created = ccspd_now_ms(c->d);
	j.im.expires = j.im.created + IMPORT_TTL_MS;
	ret = ccsp_store_run(c->d->store, params_fn, &j);
	if (ret == CCSP_OK && j.err == CCSP_APIERR_COUNT_)
		ret = act_sm2_public_pem(j.im.public_key, pem);
	if (ret != CCSP_OK)
		act_fail(c, ret, NULL);
	else if (j.err != CCSP_APIERR_COUNT_)
		ccspd_call_fail(c, j.err, j.msg);
	else
		ccspd_call_ok(c, json_pack("{s:s, s:s, s:s, s:I}", "importToken", j.im.id, "spec", j.im.spec, "publicKey",
		                           pem, "expires", (json_int_t)j.im.expires));
	ccsp_memzero(&w, sizeof w);
	ccsp_memzero(&j.im, sizeof j.im);
}

void ccspd_act_kms_import_params(ccspd_call *c)
{
	kms_import_params(c, c->who->tenant_id, "kms.import-params");
}

/* ---- import: the material into the VSM ---- */

int kms_import_row(ccspd_call *c, const char *tenant, const char *token, ccsp_store_kms_import *im)
{
	ccsp_store_tx *tx = NULL;
	ccsp_err ret = ccsp_store_begin_ro(c->d->store, &tx);
	if (ret == CCSP_OK)
		ret = tenant[0] != '\0' ? ccsp_store_kms_import_get(tx, tenant, token, im) : CCSP_ERR_NOT_FOUND;
	ccsp_store_rollback(tx);
	if (ret == CCSP_OK && im->expires <= ccspd_now_ms(c->d))
		ret = CCSP_ERR_NOT_FOUND;
	if (ret == CCSP_ERR_NOT_FOUND)
		ccspd_call_fail(c, CCSP_APIERR_NOT_FOUND, "no such import token (unknown, used or expired)");
	else if (ret != CCSP_OK)
		act_fail(c, ret, NULL);
	return ret == CCSP_OK ? 0 : -1;
}

int kms_import_unwrap(ccspd_call *c, const char *token, const uint8_t *material, size_t len, ccsp_kms_spec *kind,
                      ccsp_kms_wrapped *w, uint8_t pub[CCSP_KMS_PUBLIC_SIZE], char group[CCSP_STORE_ID_LEN + 1])
{
	ccsp_store_kms_import im;
	uint8_t ct[CCSP_KMS_BYOK_CT_MAX], enc_private[32] = {0};
	size_t ctlen = 0;
	ccsp_kms_vsm v;
	if (kms_import_row(c, c->who->tenant_id, token, &im) != 0)
		return -1;
	*kind = ccsp_kms_spec_parse(im.spec);
	int pair = ccsp_kms_spec_is_pair(*kind);
	ccsp_err ret = pair ? ccsp_kms_enveloped_key_read(material, len, ct, &ctlen, enc_private, pub)
	                    : ccsp_kms_sm2_ct_read(material, len, ct, &ctlen);
	if (ret != CCSP_OK) {
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM,
		                pair ? "material must be a GM/T 0009 SM2EnvelopedKey (DER, Base64)"
		                     : "material must be an SM2 ciphertext (DER SM2Cipher or 04 || x || y || C3 || C2)");
		ccsp_memzero(&im, sizeof im);
		return -1;
	}
	ccsp_kms_wrapped import_key = {.len = im.wrapped_len, .kek_index = im.kek_index};
	memcpy(import_key.bytes, im.wrapped, im.wrapped_len);
	kms_vsm_of(c->d, im.group_id, &v);
	memcpy(group, im.group_id, CCSP_STORE_ID_LEN + 1);
	ret = v.ops->import(v.ctx, *kind, v.kek_index, &import_key, ct, ctlen, enc_private, pub, w);
	ccsp_memzero(&import_key, sizeof import_key);
	ccsp_memzero(&im, sizeof im);
	if (ret == CCSP_ERR_AUTH || ret == CCSP_ERR_KEY)
		ccspd_call_fail(c, CCSP_APIERR_CIPHERTEXT,
		                ret == CCSP_ERR_AUTH ? "material is not encrypted to this import token's public key"
		                                     : "material is not a key of the token's spec (length, or a private key "
		                                       "that does not match its public key)");
	else if (ret != CCSP_OK)
		act_fail(c, ret == CCSP_ERR_MODULE_STATE ? ret : CCSP_ERR_COMM, NULL);
	return ret == CCSP_OK ? 0 : -1;
}

/* ---- recipients of wrapped exports ---- */

typedef struct rcpt_job {
	ccspd_call *c;
	ccsp_store_kms_recipient r;
	const char *name;
	json_t *result;
	ccsp_apierr err;
	const char *msg;
} rcpt_job;

static json_t *recipient_json(const ccsp_store_kms_recipient *r)
{
	char pem[CCSP_SM2_KEY_FILE_MAX + 1];
	if (act_sm2_public_pem(r->public_key, pem) != CCSP_OK)
		return NULL;
	return json_pack("{s:s, s:s, s:I}", "name", r->name, "publicKey", pem, "created", (json_int_t)r->created);
}

static void rcpt_answer(rcpt_job *j, ccsp_err ret)
{
	if (ret == CCSP_ERR_EXISTS || ret == CCSP_ERR_LIMIT)
		ccspd_call_fail(j->c, CCSP_APIERR_CONFLICT,
		                ret == CCSP_ERR_EXISTS ? "a recipient of that name exists" : "the tenant has 100 recipients");
	else if (ret != CCSP_OK)
		act_fail(j->c, ret, NULL);
	else if (j->err != CCSP_APIERR_COUNT_)
		ccspd_call_fail(j->c, j->err, j->msg);
	else
		ccspd_call_ok(j->c, json_incref(j->result));
	json_decref(j->result);
}

static ccsp_err rcpt_add_fn(ccsp_store_tx *tx, void *arg)
{
	rcpt_job *j = arg;
	CCSP_GUARD(ccsp_store_kms_recipient_add(tx, &j->r));
	CCSP_GUARD(ccspd_audit(j->c, tx, "kms.recipient-add", j->r.name, "ok", json_object()));
	json_decref(j->result);
	j->result = recipient_json(&j->r);
	j->err = CCSP_APIERR_COUNT_;
	return j->result != NULL ? CCSP_OK : CCSP_ERR_NOMEM;
}

void ccspd_act_kms_recipient_add(ccspd_call *c)
{
	rcpt_job j = {.c = c, .err = CCSP_APIERR_INTERNAL};
	const char *name = NULL, *pem = NULL;
	uint8_t point[65];
	ccsp_sm2_key *k = NULL;
	if (act_str(c, "name", 1, CCSP_STORE_NAME_MAX, &name) != 0 || act_text(c, "publicKey", 1, 4096, &pem) != 0)
		return;
	ccsp_err ret = act_sm2_public(pem, point, &k);
	ccsp_sm2_key_free(k);
	if (ret != CCSP_OK) {
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM, "publicKey must be an SM2 public key (PEM SubjectPublicKeyInfo)");
		return;
	}
	memcpy(j.r.tenant_id, c->who->tenant_id, sizeof j.r.tenant_id);
	snprintf(j.r.name, sizeof j.r.name, "%s", name);
	memcpy(j.r.public_key, point + 1, 64);
	j.r.created = ccspd_now_ms(c->d);
	rcpt_answer(&j, ccsp_store_run(c->d->store, rcpt_add_fn, &j));
}

static ccsp_err rcpt_list_fn(ccsp_store_tx *tx, void *arg)
{
	rcpt_job *j = arg;
	ccsp_store_kms_recipient rs[CCSP_STORE_KMS_RECIPIENTS_MAX];
	size_t n = 0;
	CCSP_GUARD(ccsp_store_kms_recipient_list(tx, j->c->who->tenant_id, rs, CCSP_STORE_KMS_RECIPIENTS_MAX, &n));
	json_t *list = json_array();
	for (size_t i = 0; list != NULL && i < n; i++)
		if (json_array_append_new(list, recipient_json(&rs[i])) != 0) {
			json_decref(list);
			list = NULL;
		}
	json_decref(j->result);
	j->result = list != NULL ? json_pack("{s:o}", "recipients", list) : NULL;
	j->err = CCSP_APIERR_COUNT_;
	return j->result != NULL ? CCSP_OK : CCSP_ERR_NOMEM;
}

void ccspd_act_kms_recipient_list(ccspd_call *c)
{
	rcpt_job j = {.c = c, .err = CCSP_APIERR_INTERNAL};
	rcpt_answer(&j, ccsp_store_run(c->d->store, rcpt_list_fn, &j));
}

static ccsp_err rcpt_remove_fn(ccsp_store_tx *tx, void *arg)
{
	rcpt_job *j = arg;
	ccsp_err ret = ccsp_store_kms_recipient_delete(tx, j->c->who->tenant_id, j->name);
	if (ret == CCSP_ERR_NOT_FOUND) {
		j->err = CCSP_APIERR_NOT_FOUND;
		j->msg = NULL;
		return CCSP_OK;
	}
	CCSP_GUARD(ret);
	CCSP_GUARD(ccspd_audit(j->c, tx, "kms.recipient-remove", j->name, "ok", json_object()));
	json_decref(j->result);
	j->result = json_object();
	j->err = CCSP_APIERR_COUNT_;
	return CCSP_OK;
}

void ccspd_act_kms_recipient_remove(ccspd_call *c)
{
	rcpt_job j = {.c = c, .err = CCSP_APIERR_INTERNAL};
	if (act_str(c, "name", 1, CCSP_STORE_NAME_MAX, &j.name) != 0)
		return;
	rcpt_answer(&j, ccsp_store_run(c->d->store, rcpt_remove_fn, &j));
}

/* ---- wrapped export ---- */

typedef struct export_job {
	ccspd_call *c;
	kms_sel sel;
	const char *recipient;
	int64_t version, now;
	ccsp_store_kms_key k;
	ccsp_store_kms_recipient r;
	ccsp_kms_wrapped w;
	uint8_t pub[CCSP_KMS_PUBLIC_SIZE]; /* SM2 keys: the version's public key, for the envelope */
	ccsp_apierr err;
	const char *msg;
	char msgbuf[96];
} export_job;

static ccsp_err refuse(export_job *j, ccsp_apierr err, const char *msg)
{
	j->err = err;
	j->msg = msg;
	return CCSP_OK;
}

/* Everything the export needs, checked: key, state, version, recipient, policy. */
static ccsp_err export_check_fn(ccsp_store_tx *tx, void *arg)
{
	export_job *j = arg;
	ccsp_keypolicy p;
	ccsp_err ret = kms_key_find(j->c, tx, &j->sel, &j->k);
	if (ret == CCSP_ERR_NOT_FOUND)
		return refuse(j, CCSP_APIERR_NOT_FOUND, NULL);
	CCSP_GUARD(ret);
	CCSP_GUARD(kms_destroy_if_due(j->c, tx, &j->k, j->now));
	CCSP_GUARD(ccsp_keypolicy_load(tx, &p));
	if (!p.allow_wrapped_export)
		return refuse(j, CCSP_APIERR_FORBIDDEN, "the key policy does not allow wrapped export (allowWrappedExport)");
	if (j->k.state != CCSP_KMS_ENABLED && j->k.state != CCSP_KMS_DISABLED && j->k.state != CCSP_KMS_ARCHIVED) {
		snprintf(j->msgbuf, sizeof j->msgbuf, "the key is %s: export refused", ccsp_kms_state_name(j->k.state));
		return refuse(j, CCSP_APIERR_KEY_STATE, j->msgbuf);
	}
	ret = ccsp_store_kms_recipient_get(tx, j->k.tenant_id, j->recipient, &j->r);
	if (ret == CCSP_ERR_NOT_FOUND)
		return refuse(j, CCSP_APIERR_NOT_FOUND, "no such recipient (kms/recipient-add)");
	CCSP_GUARD(ret);
	ret = kms_version_out(tx, &j->k, &j->version, &j->w, j->pub, &j->err, &j->msg);
	return ret;
}

static ccsp_err export_audit_fn(ccsp_store_tx *tx, void *arg)
{
	export_job *j = arg;
	return ccspd_audit(j->c, tx, "kms.key-export", j->k.id, "ok",
	                   json_pack("{s:I, s:s}", "version", (json_int_t)j->version, "recipient", j->r.name));
}

/* The wrapped material of j as Base64 text (malloc'd), or NULL after answering. */
static char *export_material(export_job *j)
{
	ccsp_kms_vsm v;
	ccsp_kms_spec kind = ccsp_kms_spec_parse(j->k.spec);
	uint8_t ct[CCSP_KMS_SM2_CT_MAX], enc_private[32], der[CCSP_KMS_BYOK_DER_MAX];
	size_t ctlen = 0, derlen = 0;
	kms_vsm_of(j->c->d, j->k.group_id, &v);
	ccsp_err ret = v.ops->export_to(v.ctx, kind, &j->w, j->r.public_key, ct, &ctlen, enc_private);
	if (ret == CCSP_OK && ccsp_kms_spec_is_pair(kind)) {
		ret = ccsp_kms_enveloped_key_write(ct, ctlen, enc_private, j->pub, der, sizeof der, &derlen);
	} else if (ret == CCSP_OK) {
		ret = ccsp_kms_sm2_ct_write(ct, ctlen, der, sizeof der, &derlen);
	}
	ccsp_memzero(enc_private, sizeof enc_private);
	char *b64 = ret == CCSP_OK ? malloc(CCSP_B64_LEN(derlen) + 1) : NULL;
	if (b64 != NULL)
		ccsp_b64_encode(der, derlen, b64);
	else
		act_fail(j->c, ret == CCSP_OK ? CCSP_ERR_NOMEM : ret == CCSP_ERR_MODULE_STATE ? ret : CCSP_ERR_COMM, NULL);
	return b64;
}

void ccspd_act_kms_key_export(ccspd_call *c)
{
	export_job j = {.c = c, .err = CCSP_APIERR_INTERNAL, .now = ccspd_now_ms(c->d)};
	char *b64 = NULL;
	if (kms_sel_parse(c, &j.sel) != 0 || act_str(c, "recipient", 1, CCSP_STORE_NAME_MAX, &j.recipient) != 0 ||
	    act_int(c, "version", 1, INT32_MAX, 0, &j.version) != 0)
		return;
	ccsp_err ret = ccsp_store_run(c->d->store, export_check_fn, &j);
	if (ret != CCSP_OK || j.err != CCSP_APIERR_COUNT_) {
		if (ret != CCSP_OK)
			act_fail(c, ret, NULL);
		else
			ccspd_call_fail(c, j.err, j.msg);
		goto out;
	}
	if ((b64 = export_material(&j)) == NULL)
		goto out;
	ret = ccsp_store_run(c->d->store, export_audit_fn, &j); /* no material leaves unaudited */
	if (ret != CCSP_OK)
		act_fail(c, ret, NULL);
	else
		ccspd_call_ok(c, json_pack("{s:s, s:I, s:s, s:s, s:s}", "keyId", j.k.id, "version", (json_int_t)j.version,
		                           "spec", j.k.spec, "recipient", j.r.name, "wrappedKey", b64));
out:
	free(b64);
	ccsp_memzero(&j.w, sizeof j.w);
}

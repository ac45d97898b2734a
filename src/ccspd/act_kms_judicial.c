/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Judicial key recovery (KM-10; docs/api-ccspd.md "Judicial recovery"), by security administrators under the
 * two-person rule:
 *   secadmin/judicial-request {applicant, keyHolder, contact, tenantId, keyId, recipientPublicKey: PEM, reason?}
 *        -> a pending approval request, kind "judicial-recovery", target "<tenant id>/<key id>"
 *   approval/approve (another security administrator; act_approval.c) -> the request executed: the recovery decided
 *   secadmin/judicial-fetch {id} -> {"keyId", "tenantId", "version", "spec", "wrappedKey"}: the key's primary version
 *        SM2-encrypted (kms_byok.h formats) to the applicant's public key named in the request, never in plaintext
 * Audited at every step: approval.request, approval.approve / reject, kms.judicial-recovery (the execution, with the
 * applicant, key holder and contact), kms.judicial-handover (each fetch). The auditor lists them with audit/query.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/sm2.h>
#include <ccsp/sm2_asn1.h>

#include "ccspd/act_kms.h"
#include "ccspd/approval.h"
#include "common/b64.h"
#include "platform/kms_byok.h"

#define FIELD_MAX 64  /* applicant, keyHolder, contact: bytes each */
#define REASON_MAX 96

int kms_judicial_kind(const char *kind)
{
	return strcmp(kind, KMS_KIND_JUDICIAL) == 0;
}

/* "<tenant>/<key>" split into tenant and id: 0, or -1 when malformed. */
static int split_target(const char *target, char tenant[CCSP_STORE_ID_LEN + 1], char id[CCSP_STORE_ID_LEN + 1])
{
	const char *slash = strchr(target, '/');
	if (slash == NULL || slash - target != CCSP_STORE_ID_LEN || strlen(slash + 1) != CCSP_STORE_ID_LEN)
		return -1;
	memcpy(tenant, target, CCSP_STORE_ID_LEN);
	tenant[CCSP_STORE_ID_LEN] = '\0';
	memcpy(id, slash + 1, CCSP_STORE_ID_LEN + 1);
	return 0;
}

/* ---- the request ---- */

typedef struct jud_job {
	ccspd_call *c;
	const char *tenant, *key_id;
	json_t *detail; /* the request's detail, built before the transaction */
	json_t *result;
	ccsp_apierr err;
	const char *msg;
} jud_job;

static ccsp_err request_fn(ccsp_store_tx *tx, void *arg)
{
	jud_job *j = arg;
	ccsp_store_kms_key k;
	ccsp_store_approval a;
	char target[2 * CCSP_STORE_ID_LEN + 2];
	j->err = CCSP_APIERR_INTERNAL;
	ccsp_err ret = ccsp_store_kms_key_get(tx, j->tenant, j->key_id, &k);
	if (ret == CCSP_ERR_NOT_FOUND || (ret == CCSP_OK && k.state == CCSP_KMS_DESTROYED)) {
		j->err = CCSP_APIERR_NOT_FOUND;
		j->msg = "no such key in that tenant (or it is destroyed)";
		return CCSP_OK;
	}
	CCSP_GUARD(ret);
	snprintf(target, sizeof target, "%s/%s", k.tenant_id, k.id);
	ret = ccspd_approval_request(j->c, tx, KMS_KIND_JUDICIAL, target, json_incref(j->detail), k.id, &a);
	if (ret == CCSP_ERR_EXISTS)
		j->msg = "a judicial recovery of this key is pending already";
	CCSP_GUARD(ret);
	json_decref(j->result);
	j->result = ccspd_approval_json(&a);
	j->err = CCSP_APIERR_COUNT_;
	return j->result != NULL ? CCSP_OK : CCSP_ERR_NOMEM;
}

/* The applicant's public key (PEM) as x || y hex into hex: 0, or -1 after answering. */
static int recipient_hex(ccspd_call *c, const char *pem, char hex[129])
{
	uint8_t point[65];
	ccsp_sm2_key *k = NULL;
	ccsp_err ret = act_sm2_public(pem, point, &k);
	ccsp_sm2_key_free(k);
	if (ret != CCSP_OK) {
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM,
		                "recipientPublicKey must be an SM2 public key (PEM SubjectPublicKeyInfo)");
		return -1;
	}
	ccsp_hex_encode(point + 1, 64, hex);
	return 0;
}

void ccspd_act_secadmin_judicial_request(ccspd_call *c)
{
	jud_job j = {.c = c};
	const char *applicant = NULL, *holder = NULL, *contact = NULL, *pem = NULL, *reason = NULL;
	char hex[129];
	if (act_str(c, "applicant", 1, FIELD_MAX, &applicant) != 0 || act_str(c, "keyHolder", 1, FIELD_MAX, &holder) != 0 ||
	    act_str(c, "contact", 1, FIELD_MAX, &contact) != 0 || act_id(c, "tenantId", 1, &j.tenant) != 0 ||
	    act_id(c, "keyId", 1, &j.key_id) != 0 || act_text(c, "recipientPublicKey", 1, 4096, &pem) != 0 ||
	    act_str(c, "reason", 0, REASON_MAX, &reason) != 0 || recipient_hex(c, pem, hex) != 0)
		return;
	j.detail = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?}", "applicant", applicant, "keyHolder", holder,
	                     "contact", contact, "tenantId", j.tenant, "keyId", j.key_id, "recipient", hex, "reason",
	                     reason);
	char *text = j.detail != NULL ? json_dumps(j.detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	size_t len = text != NULL ? strlen(text) : 0;
	free(text);
	if (j.detail == NULL || len == 0 || len > CCSP_STORE_APPROVAL_DETAIL_MAX) {
		json_decref(j.detail);
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM, "the request's texts are too long together");
		return;
	}
	ccsp_err ret = ccsp_store_run(c->d->store, request_fn, &j);
	if (ret != CCSP_OK) /* a pending request for the key fails the transaction: rolled back */
		act_fail(c, ret, ret == CCSP_ERR_EXISTS ? j.msg : NULL);
	else if (j.err != CCSP_APIERR_COUNT_)
		ccspd_call_fail(c, j.err, j.msg);
	else
		ccspd_call_ok(c, json_incref(j.result));
	json_decref(j.result);
	json_decref(j.detail);
}

/* ---- the approval's check and execution ---- */

ccsp_err kms_judicial_check(ccsp_store_tx *tx, const ccsp_store_approval *a)
{
	char tenant[CCSP_STORE_ID_LEN + 1], id[CCSP_STORE_ID_LEN + 1];
	ccsp_store_kms_key k;
	if (split_target(a->target, tenant, id) != 0)
		return CCSP_ERR_NOT_FOUND;
	CCSP_GUARD(ccsp_store_kms_key_get(tx, tenant, id, &k));
	return k.state == CCSP_KMS_DESTROYED ? CCSP_ERR_NOT_FOUND : CCSP_OK;
}

ccsp_err kms_judicial_execute(ccspd_call *c, ccsp_store_tx *tx, const ccsp_store_approval *a, int64_t now)
{
	json_t *d = json_loads(a->detail, 0, NULL);
	ccsp_err ret = d != NULL ? CCSP_OK : CCSP_ERR_TAMPERED;
	if (ret == CCSP_OK)
		ret = ccsp_store_approval_executed(tx, a->id, now);
	if (ret == CCSP_OK) {
		json_object_del(d, "recipient");
		json_object_set_new(d, "approval", json_string(a->id));
		json_object_set_new(d, "requestedBy", json_string(a->requested_by));
		ret = ccspd_audit(c, tx, "kms.judicial-recovery", json_string_value(json_object_get(d, "keyId")), "ok",
		                  json_incref(d));
	}
	json_decref(d);
	return ret;
}

/* ---- the handover ---- */

typedef struct fetch_job {
	ccspd_call *c;
	const char *id;
	ccsp_store_approval a;
	ccsp_store_kms_key k;
	int64_t version;
	ccsp_kms_wrapped w;
	uint8_t pub[CCSP_KMS_PUBLIC_SIZE], recipient[CCSP_KMS_PUBLIC_SIZE];
	ccsp_apierr err;
	const char *msg;
} fetch_job;

static ccsp_err fetch_refuse(fetch_job *j, ccsp_apierr err, const char *msg)
{
	j->err = err;
	j->msg = msg;
	return CCSP_OK;
}

static ccsp_err fetch_check_fn(ccsp_store_tx *tx, void *arg)
{
	fetch_job *j = arg;
	char tenant[CCSP_STORE_ID_LEN + 1], id[CCSP_STORE_ID_LEN + 1];
	ccsp_store_kms_version v;
	ccsp_err ret = ccsp_store_approval_get(tx, j->id, ccspd_now_ms(j->c->d), &j->a);
	if (ret == CCSP_ERR_NOT_FOUND || (ret == CCSP_OK && !kms_judicial_kind(j->a.kind)))
		return fetch_refuse(j, CCSP_APIERR_NOT_FOUND, "no such judicial recovery");
	CCSP_GUARD(ret);
	if (j->a.state != CCSP_APPROVAL_EXECUTED)
		return fetch_refuse(j, CCSP_APIERR_CONFLICT, "the recovery is not approved (two-person rule)");
	json_t *d = json_loads(j->a.detail, 0, NULL);
	const char *hex = json_string_value(json_object_get(d, "recipient"));
	ret = hex != NULL && strlen(hex) == 128 && ccsp_hex_decode(hex, 128, j->recipient, sizeof j->recipient) == CCSP_OK &&
	              split_target(j->a.target, tenant, id) == 0
	          ? CCSP_OK
	          : CCSP_ERR_TAMPERED;
	json_decref(d);
	CCSP_GUARD(ret);
	ret = ccsp_store_kms_key_get(tx, tenant, id, &j->k);
	if (ret == CCSP_ERR_NOT_FOUND || (ret == CCSP_OK && j->k.state == CCSP_KMS_DESTROYED))
		return fetch_refuse(j, CCSP_APIERR_KEY_STATE, "the key is destroyed");
	CCSP_GUARD(ret);
	j->version = j->k.primary_version;
	CCSP_GUARD(ccsp_store_kms_version_get(tx, tenant, id, j->version, &v));
	if (v.wrapped_len == 0)
		ret = fetch_refuse(j, CCSP_APIERR_KEY_STATE, "the key version is destroyed");
	else {
		memcpy(j->w.bytes, v.wrapped, v.wrapped_len);
		j->w.len = v.wrapped_len;
		j->w.kek_index = v.kek_index;
		memcpy(j->pub, v.public_key, v.public_key_len);
		j->err = CCSP_APIERR_COUNT_;
	}
	ccsp_memzero(&v, sizeof v);
	return ret;
}

static ccsp_err handover_fn(ccsp_store_tx *tx, void *arg)
{
	fetch_job *j = arg;
	return ccspd_audit(j->c, tx, "kms.judicial-handover", j->k.id, "ok",
	                   json_pack("{s:s, s:s, s:I}", "approval", j->a.id, "tenantId", j->k.tenant_id, "version",
	                             (json_int_t)j->version));
}

/* The wrapped key as Base64 (malloc'd), or NULL after answering. */
static char *wrapped_b64(fetch_job *j)
{
	ccsp_kms_vsm v;
	ccsp_kms_spec kind = ccsp_kms_spec_parse(j->k.spec);
	uint8_t ct[CCSP_KMS_SM2_CT_MAX], enc_private[32], der[CCSP_KMS_BYOK_DER_MAX];
	size_t ctlen = 0, derlen = 0;
	kms_vsm_of(j->c->d, j->k.group_id, &v);
	ccsp_err ret = v.ops->export_to(v.ctx, kind, &j->w, j->recipient, ct, &ctlen, enc_private);
	if (ret == CCSP_OK)
		ret = ccsp_kms_spec_is_pair(kind) ? ccsp_kms_enveloped_key_write(ct, ctlen, enc_private, j->pub, der,
		                                                                 sizeof der, &derlen)
		                                  : ccsp_kms_sm2_ct_write(ct, ctlen, der, sizeof der, &derlen);
	ccsp_memzero(enc_private, sizeof enc_private);
	char *b64 = ret == CCSP_OK ? malloc(CCSP_B64_LEN(derlen) + 1) : NULL;
	if (b64 != NULL)
		ccsp_b64_encode(der, derlen, b64);
	else
		act_fail(j->c, ret == CCSP_OK ? CCSP_ERR_NOMEM : ret == CCSP_ERR_MODULE_STATE ? ret : CCSP_ERR_COMM, NULL);
	return b64;
}

void ccspd_act_secadmin_judicial_fetch(ccspd_call *c)
{
	fetch_job j = {.c = c, .err = CCSP_APIERR_INTERNAL};
	char *b64 = NULL;
	if (act_id(c, "id", 1, &j.id) != 0)
		return;
	ccsp_err ret = ccsp_store_run(c->d->store, fetch_check_fn, &j);
	if (ret != CCSP_OK || j.err != CCSP_APIERR_COUNT_) {
		if (ret != CCSP_OK)
			act_fail(c, ret, NULL);
		else
			ccspd_call_fail(c, j.err, j.msg);
		goto out;
	}
	if ((b64 = wrapped_b64(&j)) == NULL)
		goto out;
	ret = ccsp_store_run(c->d->store, handover_fn, &j); /* nothing handed over unaudited */
	if (ret != CCSP_OK)
		act_fail(c, ret, NULL);
	else
		ccspd_call_ok(c, json_pack("{s:s, s:s, s:I, s:s, s:s}", "keyId", j.k.id, "tenantId", j.k.tenant_id,
		                           "version", (json_int_t)j.version, "spec", j.k.spec, "wrappedKey", b64));
out:
	free(b64);
	ccsp_memzero(&j.w, sizeof j.w);
}

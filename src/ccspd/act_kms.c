/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KMS's key lifecycle (docs/api-ccspd.md, area "kms"), for the tenant administrators of the key's tenant:
 *   key-create   {spec, alias?, description?}       -> the key (version 1 generated in the VSM, stored wrapped);
 *                                                      spec one of kms_spec.h's (SM4, SM4_MAC, HMAC_SM3, SM2_SIGN,
 *                                                      SM2_ENC), allowed by the key policy
 *   key-describe {keyId | alias}                       -> the key
 *   key-list     {cursor?, limit?}                     -> {"keys": [...], "next"}
 *   key-enable / key-disable / key-cancel-deletion / key-archive {keyId | alias} -> the key
 *   key-schedule-deletion {keyId | alias, days}        -> the key, pending deletion until deletionDue
 *   key-rotate   {keyId | alias}                       -> the key with a new primary version
 *   key-set-rotation {keyId | alias, rotationDays}     -> the key, rotating automatically every rotationDays days
 *                                                      from its last rotation (kms_sweep.c rotates due keys)
 * Every transition is kms_state.h's decision (refused: CCSP-4002, nothing changed); every change is audited
 * (kms.key-<event>) in its transaction. A key of another tenant is CCSP-1002, as a missing one.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>

#include "ccspd/act_kms.h"
#include "platform/keypolicy.h"
#include "common/b64.h"
#include "platform/kms_byok.h"

typedef struct kms_job {
	ccspd_call *c;
	kms_sel sel;
	const char *spec, *alias, *description, *cursor;
	const char *import_id; /* key-import, key-recover: the import token, used up in create_fn's transaction */
	const char *tenant;    /* create_fn: the key's tenant (NULL: the caller's) */
	ccsp_store_kms_origin origin;
	const char *restore_id;   /* key-recover: the key's old id (NULL: a new one) */
	int64_t first_version;    /* key-recover: the version recovered (0: 1) */
	int64_t limit, days, now;
	int64_t rotation_days; /* create (0: the policy's default), set-rotation */
	ccsp_kms_event event;
	ccsp_kms_spec kind; /* create, rotate: the key's spec */
	ccsp_kms_wrapped w; /* create, rotate: the new version, generated before the transaction */
	char group[CCSP_STORE_ID_LEN + 1]; /* ... in this resource group, whose KEK wraps it */
	uint8_t pub[CCSP_KMS_PUBLIC_SIZE]; /* ... and its public key when the spec is an SM2 pair */
	ccsp_apierr err;    /* CCSP_APIERR_COUNT_: success */
	const char *msg;
	char msgbuf[96];
	json_t *result;
} kms_job;

static ccsp_err refuse(kms_job *j, ccsp_apierr err, const char *msg)
{
	j->err = err;
	j->msg = msg;
	return CCSP_OK; /* committed: a lazy destruction found on the way stays done */
}

static ccsp_err set_result(kms_job *j, ccsp_store_tx *tx, const ccsp_store_kms_key *k)
{
	char alias[CCSP_STORE_KMS_ALIAS_MAX + 1];
	CCSP_GUARD(ccsp_store_kms_alias_of(tx, k->tenant_id, k->id, alias));
	json_decref(j->result);
	j->result = kms_key_json(k, alias);
	j->err = CCSP_APIERR_COUNT_;
	return j->result != NULL ? CCSP_OK : CCSP_ERR_NOMEM;
}

/* Run fn in a transaction and answer: a refusal, a store error or j->result. */
static void run_job(kms_job *j, ccsp_store_fn fn)
{
	j->err = CCSP_APIERR_INTERNAL;
	j->now = ccspd_now_ms(j->c->d);
	ccsp_err ret = ccsp_store_run(j->c->d->store, fn, j);
	if (ret != CCSP_OK)
		act_fail(j->c, ret,
		         ret != CCSP_ERR_EXISTS ? NULL : j->restore_id != NULL ? "the key id or the alias is taken" : "alias taken");
	else if (j->err != CCSP_APIERR_COUNT_)
		ccspd_fail(j->c->d, j->c->req, j->err, j->msg);
	else
		ccspd_ok(j->c->req, json_incref(j->result));
	json_decref(j->result);
	j->result = NULL;
	ccsp_memzero(&j->w, sizeof j->w);
}

/* A new wrapped key from the VSM into j->w: 0, or -1 after answering CCSP-9002. */
static int generate(kms_job *j)
{
	ccsp_kms_vsm v;
	kms_vsm_of(j->c->d, j->group, &v);
	ccsp_err ret = v.ops->generate(v.ctx, j->kind, v.kek_index, &j->w, j->pub);
	if (ret == CCSP_OK)
		return 0;
	act_fail(j->c, ret == CCSP_ERR_MODULE_STATE ? ret : CCSP_ERR_COMM, NULL);
	return -1;
}

static ccsp_err add_version(kms_job *j, ccsp_store_tx *tx, const ccsp_store_kms_key *k, int64_t version)
{
	ccsp_store_kms_version v = {.version = version, .wrapped_len = j->w.len, .kek_index = j->w.kek_index,
	                            .created = j->now};
	memcpy(v.key_id, k->id, sizeof v.key_id);
	memcpy(v.wrapped, j->w.bytes, j->w.len);
	if (ccsp_kms_spec_is_pair(j->kind)) {
		memcpy(v.public_key, j->pub, sizeof v.public_key);
		v.public_key_len = sizeof v.public_key;
	}
	ccsp_err ret = ccsp_store_kms_version_add(tx, k->tenant_id, &v);
	ccsp_memzero(&v, sizeof v);
	return ret;
}

/* ---- create ---- */

/* j->rotation_days (0: the policy's default) within the policy's bounds, set: 1, or 0 after a refusal. */
static int rotation_ok(kms_job *j, const ccsp_keypolicy *p)
{
	if (j->rotation_days == 0)
		j->rotation_days = p->rotation_default_days;
	if (j->rotation_days >= p->rotation_min_days && j->rotation_days <= p->rotation_max_days)
		return 1;
	snprintf(j->msgbuf, sizeof j->msgbuf, "rotationDays must be %lld..%lld (the key policy)",
	         (long long)p->rotation_min_days, (long long)p->rotation_max_days);
	refuse(j, CCSP_APIERR_INVALID_PARAM, j->msgbuf);
	return 0;
}

static ccsp_err create_fn(ccsp_store_tx *tx, void *arg)
{
	kms_job *j = arg;
	ccsp_keypolicy p;
	int64_t version = j->first_version > 0 ? j->first_version : 1;
	ccsp_store_kms_key k = {.state = CCSP_KMS_ENABLED, .primary_version = version, .created = j->now,
	                        .updated = j->now, .origin = j->origin};
	static const char *const actions[] = {"kms.key-create", "kms.key-import", "kms.key-recover"};
	CCSP_GUARD(ccsp_keypolicy_load(tx, &p));
	if (!ccsp_keypolicy_spec_allowed(&p, j->spec))
		return refuse(j, CCSP_APIERR_INVALID_PARAM, "spec is not allowed by the key policy");
	if (!rotation_ok(j, &p))
		return CCSP_OK;
	k.rotation_days = j->rotation_days;
	k.rotated_at = j->now;
	snprintf(k.tenant_id, sizeof k.tenant_id, "%s", j->tenant != NULL ? j->tenant : j->c->who->tenant_id);
	if (j->restore_id != NULL)
		snprintf(k.id, sizeof k.id, "%s", j->restore_id);
	snprintf(k.spec, sizeof k.spec, "%s", j->spec);
	snprintf(k.description, sizeof k.description, "%s", j->description != NULL ? j->description : "");
	memcpy(k.group_id, j->group, sizeof k.group_id);
	if (j->import_id != NULL) { /* one use: the token goes with the key's creation, or not at all */
		ccsp_err ret = ccsp_store_kms_import_delete(tx, k.tenant_id, j->import_id);
		if (ret == CCSP_ERR_NOT_FOUND)
			return refuse(j, CCSP_APIERR_NOT_FOUND, "no such import token (unknown, used or expired)");
		CCSP_GUARD(ret);
	}
	CCSP_GUARD(ccsp_store_kms_key_create(tx, &k)); /* a restored id taken: CCSP_ERR_EXISTS, rolled back */
	CCSP_GUARD(add_version(j, tx, &k, version));
	if (j->alias != NULL)
		CCSP_GUARD(ccsp_store_kms_alias_set(tx, k.tenant_id, j->alias, k.id, j->now));
	CCSP_GUARD(ccspd_audit(j->c, tx, actions[k.origin], k.id, "ok",
	                       json_pack("{s:s, s:s, s:s?, s:I, s:I, s:I}", "tenantId", k.tenant_id, "spec", k.spec,
	                                 "alias", j->alias, "version", (json_int_t)version, "kekIndex",
	                                 (json_int_t)j->w.kek_index, "rotationDays", (json_int_t)k.rotation_days)));
	return set_result(j, tx, &k);
}

/* An alias: 1..128 of [A-Za-z0-9_/.-], not 32 hex digits (never mistaken for a key id in logs). */
static int alias_ok(const char *a)
{
	size_t n = strlen(a);
	if (n == CCSP_STORE_ID_LEN && strspn(a, "0123456789abcdef") == n)
		return 0;
	return strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_/.-") == n;
}

void ccspd_act_kms_key_create(ccspd_call *c)
{
	kms_job j = {.c = c};
	if (act_str(c, "spec", 1, 16, &j.spec) != 0 || act_str(c, "alias", 0, CCSP_STORE_KMS_ALIAS_MAX, &j.alias) != 0 ||
	    act_str(c, "description", 0, CCSP_STORE_KMS_DESC_MAX, &j.description) != 0 ||
	    act_int(c, "rotationDays", 1, CCSP_STORE_KMS_ROTATION_DAYS_MAX, 0, &j.rotation_days) != 0)
		return;
	if ((j.kind = ccsp_kms_spec_parse(j.spec)) == CCSP_KMS_SPEC_NONE) {
		ccspd_fail(c->d, c->req, CCSP_APIERR_INVALID_PARAM,
		           "spec must be one of \"SM4\", \"SM4_MAC\", \"HMAC_SM3\", \"SM2_SIGN\", \"SM2_ENC\"");
		return;
	}
	if (j.alias != NULL && !alias_ok(j.alias)) {
		ccspd_fail(c->d, c->req, CCSP_APIERR_INVALID_PARAM, "alias must be 1..128 of A-Z a-z 0-9 _ / . -");
		return;
	}
	ccsp_err ret = kms_group_of_tenant(c->d, c->who->tenant_id, j.group);
	if (ret != CCSP_OK)
		act_fail(c, ret, NULL);
	else if (generate(&j) == 0)
		run_job(&j, create_fn);
	ccsp_memzero(&j.w, sizeof j.w);
}

/* ---- import (BYOK): create with material brought by the tenant (act_kms_byok.c) ---- */

void ccspd_act_kms_key_import(ccspd_call *c)
{
	kms_job j = {.c = c};
	uint8_t *material = NULL;
	size_t len = 0;
	if (act_id(c, "importToken", 1, &j.import_id) != 0 ||
	    kms_b64_member(c, "material", CCSP_KMS_BYOK_DER_MAX, 0, &material, &len) != 0 ||
	    act_str(c, "alias", 0, CCSP_STORE_KMS_ALIAS_MAX, &j.alias) != 0 ||
	    act_str(c, "description", 0, CCSP_STORE_KMS_DESC_MAX, &j.description) != 0 ||
	    act_int(c, "rotationDays", 1, CCSP_STORE_KMS_ROTATION_DAYS_MAX, 0, &j.rotation_days) != 0)
		goto out;
	if (j.alias != NULL && !alias_ok(j.alias)) {
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM, "alias must be 1..128 of A-Z a-z 0-9 _ / . -");
		goto out;
	}
	act_wipe(c, "material");
	if (kms_import_unwrap(c, j.import_id, material, len, &j.kind, &j.w, j.pub, j.group) != 0)
		goto out;
	j.origin = CCSP_STORE_KMS_IMPORTED;
	j.spec = ccsp_kms_spec_name(j.kind);
	run_job(&j, create_fn);
out:
	kms_b64_free(material, len);
	ccsp_memzero(&j.w, sizeof j.w);
}

/* ---- recovery from a split-knowledge backup (act_kms_backup.c), by the security administrator ---- */

void ccspd_act_secadmin_key_recover(ccspd_call *c)
{
	kms_job j = {.c = c, .origin = CCSP_STORE_KMS_RECOVERED};
	const char *pubhex = NULL;
	uint8_t pub[CCSP_KMS_PUBLIC_SIZE] = {0};
	if (act_id(c, "tenantId", 1, &j.tenant) != 0 || act_id(c, "importToken", 1, &j.import_id) != 0 ||
	    act_str(c, "publicKey", 0, 2 * CCSP_KMS_PUBLIC_SIZE, &pubhex) != 0 || act_id(c, "keyId", 0, &j.restore_id) != 0 ||
	    act_int(c, "version", 1, INT32_MAX, 0, &j.first_version) != 0 ||
	    act_str(c, "alias", 0, CCSP_STORE_KMS_ALIAS_MAX, &j.alias) != 0 ||
	    act_str(c, "description", 0, CCSP_STORE_KMS_DESC_MAX, &j.description) != 0)
		return;
	if ((pubhex != NULL && (strlen(pubhex) != 2 * sizeof pub ||
	                        ccsp_hex_decode(pubhex, strlen(pubhex), pub, sizeof pub) != CCSP_OK)) ||
	    (j.alias != NULL && !alias_ok(j.alias))) {
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM,
		                pubhex != NULL ? "publicKey must be the backup's x || y in hex" : "alias: see kms/key-create");
		return;
	}
	if (kms_recover_unwrap(c, j.tenant, j.import_id, json_object_get(c->body, "shares"), pub, &j.kind, &j.w,
	                       j.group) != 0)
		return;
	if (ccsp_kms_spec_is_pair(j.kind))
		memcpy(j.pub, pub, sizeof j.pub);
	j.spec = ccsp_kms_spec_name(j.kind);
	run_job(&j, create_fn);
	ccsp_memzero(&j.w, sizeof j.w);
}

/* ---- describe, list ---- */

static ccsp_err describe_fn(ccsp_store_tx *tx, void *arg)
{
	kms_job *j = arg;
	ccsp_store_kms_key k;
	ccsp_err ret = kms_key_find(j->c, tx, &j->sel, &k);
	if (ret == CCSP_ERR_NOT_FOUND)
		return refuse(j, CCSP_APIERR_NOT_FOUND, NULL);
	CCSP_GUARD(ret);
	CCSP_GUARD(kms_destroy_if_due(j->c, tx, &k, j->now));
	return set_result(j, tx, &k);
}

void ccspd_act_kms_key_describe(ccspd_call *c)
{
	kms_job j = {.c = c};
	if (kms_sel_parse(c, &j.sel) == 0)
		run_job(&j, describe_fn);
}

static ccsp_err list_fn(ccsp_store_tx *tx, void *arg)
{
	kms_job *j = arg;
	size_t n = 0;
	char alias[CCSP_STORE_KMS_ALIAS_MAX + 1];
	CCSP_GUARD(kms_destroy_due_all(j->c, tx, j->now));
	ccsp_store_kms_key *ks = calloc((size_t)j->limit, sizeof *ks);
	ccsp_err ret = ks != NULL ? CCSP_OK : CCSP_ERR_NOMEM;
	json_t *list = json_array();
	if (ret == CCSP_OK)
		ret = ccsp_store_kms_key_list(tx, j->c->who->tenant_id, j->cursor, (size_t)j->limit, ks, &n);
	for (size_t i = 0; ret == CCSP_OK && i < n; i++)
		if ((ret = ccsp_store_kms_alias_of(tx, ks[i].tenant_id, ks[i].id, alias)) == CCSP_OK)
			json_array_append_new(list, kms_key_json(&ks[i], alias));
	if (ret == CCSP_OK) {
		json_decref(j->result);
		j->result = json_pack("{s:O, s:o}", "keys", list, "next",
		                      n == (size_t)j->limit ? json_string(ks[n - 1].id) : json_null());
		j->err = CCSP_APIERR_COUNT_;
	}
	json_decref(list);
	free(ks);
	return ret;
}

void ccspd_act_kms_key_list(ccspd_call *c)
{
	kms_job j = {.c = c};
	if (act_id(c, "cursor", 0, &j.cursor) != 0 ||
	    act_int(c, "limit", 1, CCSPD_LIST_MAX, CCSPD_LIST_DEFAULT, &j.limit) != 0)
		return;
	run_job(&j, list_fn);
}

/* ---- transitions ---- */

/* What an event changes beyond the state: the deletion date, a new version. */
static ccsp_err apply_event(kms_job *j, ccsp_store_tx *tx, ccsp_store_kms_key *k)
{
	ccsp_keypolicy p;
	switch (j->event) {
	case CCSP_KMS_SCHEDULE_DELETION:
		CCSP_GUARD(ccsp_keypolicy_load(tx, &p));
		if (!ccsp_kms_deletion_days_ok(j->days, p.deletion_min_days, p.deletion_max_days)) {
			snprintf(j->msgbuf, sizeof j->msgbuf, "days must be %lld..%lld (the key policy)",
			         (long long)p.deletion_min_days, (long long)p.deletion_max_days);
			return refuse(j, CCSP_APIERR_INVALID_PARAM, j->msgbuf);
		}
		k->deletion_due = j->now + j->days * CCSP_KMS_DAY_MS;
		return CCSP_OK;
	case CCSP_KMS_CANCEL_DELETION:
		k->deletion_due = 0;
		return CCSP_OK;
	case CCSP_KMS_ROTATE:
		CCSP_GUARD(ccsp_keypolicy_load(tx, &p));
		if (k->primary_version >= p.max_versions)
			return refuse(j, CCSP_APIERR_KEY_STATE, "the key has the key policy's maxVersions versions");
		CCSP_GUARD(add_version(j, tx, k, k->primary_version + 1));
		k->primary_version++;
		k->rotated_at = j->now; /* the automatic rotation counts from here */
		return CCSP_OK;
	default:
		return CCSP_OK;
	}
}

static ccsp_err change_fn(ccsp_store_tx *tx, void *arg)
{
	kms_job *j = arg;
	ccsp_store_kms_key k, was;
	ccsp_kms_state to;
	char name[48];
	ccsp_err ret = kms_key_find(j->c, tx, &j->sel, &k);
	if (ret == CCSP_ERR_NOT_FOUND)
		return refuse(j, CCSP_APIERR_NOT_FOUND, NULL);
	CCSP_GUARD(ret);
	CCSP_GUARD(kms_destroy_if_due(j->c, tx, &k, j->now));
	if (ccsp_kms_transition(k.state, j->event, &to) != CCSP_OK) {
		snprintf(j->msgbuf, sizeof j->msgbuf, "the key is %s: %s refused", ccsp_kms_state_name(k.state),
		         ccsp_kms_event_name(j->event));
		return refuse(j, CCSP_APIERR_KEY_STATE, j->msgbuf);
	}
	was = k;
	j->err = CCSP_APIERR_INTERNAL;
	CCSP_GUARD(apply_event(j, tx, &k));
	if (j->err != CCSP_APIERR_INTERNAL)
		return CCSP_OK; /* refused by the policy */
	k.state = to;
	k.updated = j->now;
	CCSP_GUARD(ccsp_store_kms_key_update(tx, &k));
	snprintf(name, sizeof name, "kms.key-%s", ccsp_kms_event_name(j->event));
	CCSP_GUARD(ccspd_audit(j->c, tx, name, k.id, "ok",
	                       json_pack("{s:s, s:s, s:I, s:o}", "from", ccsp_kms_state_name(was.state), "to",
	                                 ccsp_kms_state_name(to), "primaryVersion", (json_int_t)k.primary_version,
	                                 "deletionDue", k.deletion_due > 0 ? json_integer(k.deletion_due) : json_null())));
	return set_result(j, tx, &k);
}

/* The spec of the key j names into j->kind (rotate makes the new version before its transaction): 0, or -1 after
 * answering. */
static int kind_of(kms_job *j)
{
	ccsp_store_tx *tx = NULL;
	ccsp_store_kms_key k;
	ccsp_err ret = ccsp_store_begin_ro(j->c->d->store, &tx);
	if (ret == CCSP_OK)
		ret = kms_key_find(j->c, tx, &j->sel, &k);
	ccsp_store_rollback(tx);
	if (ret == CCSP_ERR_NOT_FOUND)
		ccspd_fail(j->c->d, j->c->req, CCSP_APIERR_NOT_FOUND, NULL);
	else if (ret != CCSP_OK)
		act_fail(j->c, ret, NULL);
	else {
		j->kind = ccsp_kms_spec_parse(k.spec);
		memcpy(j->group, k.group_id, sizeof j->group);
	}
	return ret == CCSP_OK ? 0 : -1;
}

static void change(ccspd_call *c, ccsp_kms_event ev)
{
	kms_job j = {.c = c, .event = ev};
	if (kms_sel_parse(c, &j.sel) != 0)
		return;
	if (ev == CCSP_KMS_SCHEDULE_DELETION && act_int(c, "days", 1, 365, 0, &j.days) != 0)
		return;
	if (ev == CCSP_KMS_SCHEDULE_DELETION && j.days == 0) {
		ccspd_fail(c->d, c->req, CCSP_APIERR_INVALID_PARAM, "days is required");
		return;
	}
	if (ev == CCSP_KMS_ROTATE && (kind_of(&j) != 0 || generate(&j) != 0))
		return;
	run_job(&j, change_fn);
}

void ccspd_act_kms_key_enable(ccspd_call *c)
{
	change(c, CCSP_KMS_ENABLE);
}

void ccspd_act_kms_key_disable(ccspd_call *c)
{
	change(c, CCSP_KMS_DISABLE);
}

void ccspd_act_kms_key_schedule_deletion(ccspd_call *c)
{
	change(c, CCSP_KMS_SCHEDULE_DELETION);
}

void ccspd_act_kms_key_cancel_deletion(ccspd_call *c)
{
	change(c, CCSP_KMS_CANCEL_DELETION);
}

void ccspd_act_kms_key_rotate(ccspd_call *c)
{
	change(c, CCSP_KMS_ROTATE);
}

void ccspd_act_kms_key_archive(ccspd_call *c)
{
	change(c, CCSP_KMS_ARCHIVE);
}

/* ---- the automatic rotation period ---- */

static ccsp_err set_rotation_fn(ccsp_store_tx *tx, void *arg)
{
	kms_job *j = arg;
	ccsp_store_kms_key k;
	ccsp_keypolicy p;
	ccsp_err ret = kms_key_find(j->c, tx, &j->sel, &k);
	if (ret == CCSP_ERR_NOT_FOUND)
		return refuse(j, CCSP_APIERR_NOT_FOUND, NULL);
	CCSP_GUARD(ret);
	CCSP_GUARD(kms_destroy_if_due(j->c, tx, &k, j->now));
	if (k.state == CCSP_KMS_DESTROYED)
		return refuse(j, CCSP_APIERR_KEY_STATE, "the key is destroyed");
	CCSP_GUARD(ccsp_keypolicy_load(tx, &p));
	if (!rotation_ok(j, &p))
		return CCSP_OK;
	int64_t was = k.rotation_days;
	k.rotation_days = j->rotation_days;
	k.updated = j->now;
	CCSP_GUARD(ccsp_store_kms_key_update(tx, &k));
	CCSP_GUARD(ccspd_audit(j->c, tx, "kms.key-set-rotation", k.id, "ok",
	                       json_pack("{s:I, s:I}", "from", (json_int_t)was, "rotationDays",
	                                 (json_int_t)k.rotation_days)));
	return set_result(j, tx, &k);
}

void ccspd_act_kms_key_set_rotation(ccspd_call *c)
{
	kms_job j = {.c = c};
	if (kms_sel_parse(c, &j.sel) != 0 ||
	    act_int(c, "rotationDays", 1, CCSP_STORE_KMS_ROTATION_DAYS_MAX, 0, &j.rotation_days) != 0)
		return;
	if (j.rotation_days == 0) {
		ccspd_fail(c->d, c->req, CCSP_APIERR_INVALID_PARAM, "rotationDays is required");
		return;
	}
	run_job(&j, set_rotation_fn);
}

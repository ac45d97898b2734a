/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A resource group's key set recovered from its split-knowledge backup (KM-9; act_kms_group.c makes it):
 *   secadmin/group-recover {tenantId, importToken, shares, bundle} -> {backupId, groupId, recovered, skipped,
 *        keys: [{tenantId, keyId, versions, outcome}]}
 * The import token (secadmin/key-recover-params of tenantId, any spec) names the target group: the tenant's. Each
 * custodian decrypted their share and encrypted it to the token's public key; m of them recombine the backup key
 * inside one of the group's VSMs, under its KEK. Every entry of the bundle is then opened there and re-wrapped
 * under that KEK — all of them before anything is written, so too few, altered or foreign shares, or an altered or
 * truncated bundle, are refused with nothing changed. Then, in one transaction with the token's use, each key
 * missing from the store is recreated under its old tenant, id and versions (origin "recovered", enabled, its
 * alias when free, compromised versions still compromised); a key present is skipped ("exists"), as is a key of a
 * tenant that is gone ("no-tenant") or is served by another group now ("other-group").
 * Audited: kms.key-recover per key recreated, kms.group-recover (backup, groups, counts, m, n, shares).
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>

#include "ccspd/act_kms.h"
#include "platform/kms_keyset.h"
#include "platform/store/store_identity.h"
#include "platform/store/store_pool.h"

typedef struct gr_job {
	ccspd_call *c;
	const char *tenant, *token;
	size_t shares;
	ccsp_kms_keyset ks;
	uint8_t d[32];
	ccsp_kms_wrapped b;  /* the backup key, recovered under the group's KEK */
	ccsp_kms_wrapped *w; /* ks.count: each version under the group's KEK */
	char group[CCSP_STORE_ID_LEN + 1];
	int64_t now;
	size_t recovered, skipped;
	json_t *report;
	ccsp_apierr err;
	const char *msg;
} gr_job;

/* Every entry opened and re-wrapped inside the group's VSM: 0, or -1 after answering. */
static int open_all(gr_job *j)
{
	uint8_t aad[CCSP_KMS_KEYSET_AAD_SIZE_MAX];
	size_t aadlen = 0;
	ccsp_kms_vsm v;
	ccsp_err ret = CCSP_OK;
	kms_vsm_of(j->c->d, j->group, &v);
	for (size_t i = 0; ret == CCSP_OK && i < j->ks.count; i++) {
		const ccsp_kms_keyset_entry *e = &j->ks.e[i];
		ret = ccsp_kms_keyset_aad(e, j->d, aad, sizeof aad, &aadlen);
		if (ret == CCSP_OK)
			ret = v.ops->keyset_import(v.ctx, ccsp_kms_spec_parse(e->spec), &j->b, e->publen > 0 ? e->pub : NULL,
			                           aad, aadlen, &e->sealed, &j->w[i]);
	}
	if (ret == CCSP_ERR_AUTH || ret == CCSP_ERR_KEY)
		ccspd_call_fail(j->c, CCSP_APIERR_CIPHERTEXT,
		                "the bundle does not open with these shares (altered, truncated, or another backup's)");
	else if (ret != CCSP_OK)
		act_fail(j->c, ret == CCSP_ERR_MODULE_STATE ? ret : CCSP_ERR_COMM, NULL);
	return ret == CCSP_OK ? 0 : -1;
}

/* Why the key of entry e cannot be recreated into *why ("no-tenant", "other-group", "exists"), or NULL. */
static ccsp_err skip_reason(gr_job *j, ccsp_store_tx *tx, const ccsp_kms_keyset_entry *e, const char **why)
{
	ccsp_store_tenant t;
	ccsp_store_pool_group g;
	ccsp_store_kms_key k;
	*why = NULL;
	ccsp_err ret = ccsp_store_tenant_get(tx, e->tenant_id, &t);
	if (ret == CCSP_ERR_NOT_FOUND) {
		*why = "no-tenant";
		return CCSP_OK;
	}
	CCSP_GUARD(ret);
	CCSP_GUARD(ccsp_store_pool_group_of_tenant(tx, e->tenant_id, &g));
	if (strcmp(g.id, j->group) != 0) {
		*why = "other-group";
		return CCSP_OK;
	}
	ret = ccsp_store_kms_key_get(tx, e->tenant_id, e->key_id, &k);
	if (ret == CCSP_OK)
		*why = "exists";
	return ret == CCSP_ERR_NOT_FOUND ? CCSP_OK : ret;
}

/* Version i of the set added to its (recreated) key. */
static ccsp_err add_version(gr_job *j, ccsp_store_tx *tx, size_t i)
{
	const ccsp_kms_keyset_entry *e = &j->ks.e[i];
	ccsp_store_kms_version v = {.version = e->version, .wrapped_len = j->w[i].len, .kek_index = j->w[i].kek_index,
	                            .created = j->now, .public_key_len = e->publen};
	memcpy(v.key_id, e->key_id, sizeof v.key_id);
	memcpy(v.wrapped, j->w[i].bytes, j->w[i].len);
	memcpy(v.public_key, e->pub, e->publen);
	ccsp_err ret = ccsp_store_kms_version_add(tx, e->tenant_id, &v);
	if (ret == CCSP_OK && e->compromised)
		ret = ccsp_store_kms_version_mark_compromised(tx, e->tenant_id, e->key_id, e->version);
	ccsp_memzero(&v, sizeof v);
	return ret;
}

/* The key of entries [first, end) recreated under its old names. */
static ccsp_err recreate(gr_job *j, ccsp_store_tx *tx, size_t first, size_t end)
{
	const ccsp_kms_keyset_entry *e = &j->ks.e[end - 1]; /* the newest version names the key */
	ccsp_store_kms_key k = {.state = CCSP_KMS_ENABLED, .primary_version = e->version, .created = j->now,
	                        .updated = j->now, .rotation_days = e->rotation_days, .rotated_at = j->now,
	                        .origin = CCSP_STORE_KMS_RECOVERED};
	char found[CCSP_STORE_ID_LEN + 1];
	memcpy(k.id, e->key_id, sizeof k.id);
	memcpy(k.tenant_id, e->tenant_id, sizeof k.tenant_id);
	memcpy(k.spec, e->spec, strlen(e->spec) + 1);
	memcpy(k.description, e->description, strlen(e->description) + 1);
	memcpy(k.group_id, j->group, sizeof k.group_id);
	CCSP_GUARD(ccsp_store_kms_key_create(tx, &k));
	for (size_t i = first; i < end; i++)
		CCSP_GUARD(add_version(j, tx, i));
	ccsp_err ret = e->alias[0] != '\0' ? ccsp_store_kms_alias_find(tx, k.tenant_id, e->alias, found) : CCSP_OK;
	if (ret == CCSP_ERR_NOT_FOUND) /* restored when free, else the key goes without */
		ret = ccsp_store_kms_alias_set(tx, k.tenant_id, e->alias, k.id, j->now);
	CCSP_GUARD(ret);
	return ccspd_audit(j->c, tx, "kms.key-recover", k.id, "ok",
	                   json_pack("{s:s, s:s, s:I, s:s}", "tenantId", k.tenant_id, "spec", k.spec, "versions",
	                             (json_int_t)(end - first), "backupId", j->ks.backup_id));
}

static ccsp_err report_key(gr_job *j, size_t first, size_t end, const char *outcome)
{
	const ccsp_kms_keyset_entry *e = &j->ks.e[first];
	json_t *o = json_pack("{s:s, s:s, s:I, s:s}", "tenantId", e->tenant_id, "keyId", e->key_id, "versions",
	                      (json_int_t)(end - first), "outcome", outcome);
	return json_array_append_new(j->report, o) == 0 ? CCSP_OK : CCSP_ERR_NOMEM;
}

/* The end of the run of entries (versions of one key: the set is in key order) that starts at first. */
static size_t key_end(const ccsp_kms_keyset *ks, size_t first)
{
	size_t end = first + 1;
	while (end < ks->count && strcmp(ks->e[end].tenant_id, ks->e[first].tenant_id) == 0 &&
	       strcmp(ks->e[end].key_id, ks->e[first].key_id) == 0)
		end++;
	return end;
}

/* The token used, each key of the set recreated or skipped, the whole audited. */
static ccsp_err restore_fn(ccsp_store_tx *tx, void *arg)
{
	gr_job *j = arg;
	j->recovered = j->skipped = 0;
	json_decref(j->report);
	if ((j->report = json_array()) == NULL)
		return CCSP_ERR_NOMEM;
	ccsp_err ret = ccsp_store_kms_import_delete(tx, j->tenant, j->token); /* one use, with the keys or not at all */
	if (ret == CCSP_ERR_NOT_FOUND) {
		j->err = CCSP_APIERR_NOT_FOUND;
		j->msg = "no such import token (unknown, used or expired)";
		return CCSP_OK;
	}
	for (size_t first = 0, end; ret == CCSP_OK && first < j->ks.count; first = end) {
		const char *why = NULL;
		end = key_end(&j->ks, first);
		ret = skip_reason(j, tx, &j->ks.e[first], &why);
		if (ret == CCSP_OK && why == NULL)
			ret = recreate(j, tx, first, end);
		if (ret == CCSP_OK)
			ret = report_key(j, first, end, why != NULL ? why : "recovered");
		*(why != NULL ? &j->skipped : &j->recovered) += 1;
	}
	CCSP_GUARD(ret);
	j->err = CCSP_APIERR_COUNT_;
	return ccspd_audit(j->c, tx, "kms.group-recover", j->group, "ok",
	                   json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "backupId", j->ks.backup_id,
	                             "backupGroupId", j->ks.group_id, "recovered", (json_int_t)j->recovered, "skipped",
	                             (json_int_t)j->skipped, "versions", (json_int_t)j->ks.count, "m",
	                             (json_int_t)j->ks.m, "n", (json_int_t)j->ks.n, "shares", (json_int_t)j->shares));
}

/* The body's bundle read into j->ks: 0, or -1 after answering. */
static int bundle_read(gr_job *j)
{
	ccsp_err ret = ccsp_kms_keyset_parse(json_object_get(j->c->body, "bundle"), &j->ks, j->d);
	if (ret == CCSP_ERR_AUTH)
		ccspd_call_fail(j->c, CCSP_APIERR_CIPHERTEXT, "the bundle was altered: its digest does not match its keys");
	else if (ret == CCSP_ERR_DECODE)
		ccspd_call_fail(j->c, CCSP_APIERR_INVALID_PARAM, "bundle must be a key-set backup's bundle, version 1");
	else if (ret != CCSP_OK)
		act_fail(j->c, ret, NULL);
	return ret == CCSP_OK ? 0 : -1;
}

static void restore(gr_job *j)
{
	j->now = ccspd_now_ms(j->c->d);
	j->err = CCSP_APIERR_INTERNAL;
	ccsp_err ret = ccsp_store_run(j->c->d->store, restore_fn, j);
	if (ret != CCSP_OK)
		act_fail(j->c, ret, ret == CCSP_ERR_EXISTS ? "a key id or alias of the bundle is taken" : NULL);
	else if (j->err != CCSP_APIERR_COUNT_)
		ccspd_call_fail(j->c, j->err, j->msg);
	else
		ccspd_call_ok(j->c, json_pack("{s:s, s:s, s:I, s:I, s:O}", "backupId", j->ks.backup_id, "groupId", j->group,
		                              "recovered", (json_int_t)j->recovered, "skipped", (json_int_t)j->skipped,
		                              "keys", j->report));
}

void ccspd_act_secadmin_group_recover(ccspd_call *c)
{
	gr_job j = {.c = c};
	ccsp_kms_spec kind = CCSP_KMS_SPEC_SM4; /* the backup key */
	json_t *shares = json_object_get(c->body, "shares");
	if (act_id(c, "tenantId", 1, &j.tenant) != 0 || act_id(c, "importToken", 1, &j.token) != 0 ||
	    bundle_read(&j) != 0)
		return;
	j.shares = json_array_size(shares);
	if ((j.w = calloc(j.ks.count, sizeof *j.w)) == NULL)
		act_fail(c, CCSP_ERR_NOMEM, NULL);
	else if (kms_recover_unwrap(c, j.tenant, j.token, shares, NULL, &kind, &j.b, j.group) == 0 && open_all(&j) == 0)
		restore(&j);
	if (j.w != NULL)
		ccsp_memzero(j.w, j.ks.count * sizeof *j.w);
	free(j.w);
	ccsp_memzero(&j.b, sizeof j.b);
	json_decref(j.report);
	ccsp_kms_keyset_free(&j.ks);
}

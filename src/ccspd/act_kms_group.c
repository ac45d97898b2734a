/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A resource group's whole key set backed up by split knowledge (KM-9; docs/api-ccspd.md "Backup by split
 * knowledge"), by the security administrator with the key custodians:
 *   secadmin/group-backup {groupId, m, custodians: [custodian ids]} -> {backupId, groupId, m, n, keys, versions,
 *        bundle, shares}: inside one of the group's VSMs a fresh backup key B (SM4, under the group's KEK) is made;
 *        every version with material of every key the group serves (all its tenants) is sealed under B with its
 *        names bound (platform/kms_keyset.h: the bundle); B is split m of n, share i SM2-encrypted to custodian i.
 *        Neither B nor any key leaves the VSM in plaintext; each custodian holds one share however many keys.
 *   secadmin/group-recover (act_kms_group_recover.c) is the reverse.
 * Audited: kms.group-backup (group, backup id, keys, versions, m, n, custodians).
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>

#include "ccspd/act_kms.h"
#include "common/b64.h"
#include "platform/kms_keyset.h"
#include "platform/store/store_pool.h"

#define PAGE 32 /* keys read per store call (on the worker's stack) */

typedef struct gb_job {
	ccspd_call *c;
	const char *group;
	int64_t m;
	json_t *custodian_ids;
	size_t n, keys;
	ccsp_store_custodian cust[CCSP_KMS_SHARES_MAX];
	ccsp_kms_keyset ks;
	ccsp_kms_wrapped *w; /* ks.count wrapped versions, as the store keeps them */
	ccsp_apierr err;
	const char *msg;
} gb_job;

static ccsp_err refuse(gb_job *j, ccsp_apierr err, const char *msg)
{
	j->err = err;
	j->msg = msg;
	return CCSP_OK;
}

/* Version v of k with its material appended to the set (its material into j->w). */
static ccsp_err add_entry(gb_job *j, const ccsp_store_kms_key *k, const char *alias, const ccsp_store_kms_version *v)
{
	if (j->ks.count == CCSP_KMS_KEYSET_MAX)
		return refuse(j, CCSP_APIERR_INVALID_PARAM, "the group holds more key versions than one backup takes (1024)");
	ccsp_kms_keyset_entry *e = &j->ks.e[j->ks.count];
	ccsp_kms_wrapped *w = &j->w[j->ks.count++];
	memcpy(e->tenant_id, k->tenant_id, sizeof e->tenant_id);
	memcpy(e->key_id, k->id, sizeof e->key_id);
	e->version = v->version;
	snprintf(e->spec, sizeof e->spec, "%s", k->spec);
	snprintf(e->alias, sizeof e->alias, "%s", alias);
	snprintf(e->description, sizeof e->description, "%s", k->description);
	e->rotation_days = k->rotation_days;
	e->compromised = v->compromised;
	memcpy(e->pub, v->public_key, v->public_key_len);
	e->publen = v->public_key_len;
	memcpy(w->bytes, v->wrapped, v->wrapped_len);
	w->len = v->wrapped_len;
	w->kek_index = v->kek_index;
	return CCSP_OK;
}

/* Every version with material of k. */
static ccsp_err add_key(gb_job *j, ccsp_store_tx *tx, const ccsp_store_kms_key *k)
{
	char alias[CCSP_STORE_KMS_ALIAS_MAX + 1];
	ccsp_store_kms_version v;
	ccsp_err ret = ccsp_store_kms_alias_of(tx, k->tenant_id, k->id, alias);
	size_t before = j->ks.count;
	for (int64_t ver = 1; ret == CCSP_OK && j->err == CCSP_APIERR_COUNT_ && ver <= k->primary_version; ver++) {
		ret = ccsp_store_kms_version_get(tx, k->tenant_id, k->id, ver, &v);
		if (ret == CCSP_ERR_NOT_FOUND)
			ret = CCSP_OK;
		else if (ret == CCSP_OK && v.wrapped_len > 0)
			ret = add_entry(j, k, alias, &v);
	}
	ccsp_memzero(&v, sizeof v);
	j->keys += j->ks.count > before;
	return ret;
}

/* The group, the custodians and every key version the group serves. */
static ccsp_err collect_fn(ccsp_store_tx *tx, void *arg)
{
	gb_job *j = arg;
	ccsp_store_pool_group g;
	ccsp_store_kms_key page[PAGE];
	char after_tenant[CCSP_STORE_ID_LEN + 1] = "", after_id[CCSP_STORE_ID_LEN + 1] = "";
	size_t got = PAGE;
	j->ks.count = j->keys = 0;
	j->err = CCSP_APIERR_COUNT_;
	ccsp_err ret = ccsp_store_pool_group_get(tx, j->group, &g);
	if (ret == CCSP_ERR_NOT_FOUND)
		return refuse(j, CCSP_APIERR_NOT_FOUND, "no such resource group");
	CCSP_GUARD(ret);
	CCSP_GUARD(kms_custodians_get(tx, j->custodian_ids, j->n, j->cust, &j->err, &j->msg));
	while (ret == CCSP_OK && j->err == CCSP_APIERR_COUNT_ && got == PAGE) {
		ret = ccsp_store_kms_key_list_group(tx, j->group, after_tenant, after_id, PAGE, page, &got);
		for (size_t i = 0; ret == CCSP_OK && j->err == CCSP_APIERR_COUNT_ && i < got; i++)
			if (page[i].state != CCSP_KMS_DESTROYED)
				ret = add_key(j, tx, &page[i]);
		if (got > 0) {
			memcpy(after_tenant, page[got - 1].tenant_id, sizeof after_tenant);
			memcpy(after_id, page[got - 1].id, sizeof after_id);
		}
	}
	if (ret == CCSP_OK && j->err == CCSP_APIERR_COUNT_ && j->ks.count == 0)
		return refuse(j, CCSP_APIERR_NOT_FOUND, "the group serves no key with material");
	return ret;
}

/* Every entry sealed under the backup key b inside the group's VSM. */
static ccsp_err seal_all(gb_job *j, ccsp_kms_vsm *v, const ccsp_kms_wrapped *b)
{
	uint8_t d[32], aad[CCSP_KMS_KEYSET_AAD_SIZE_MAX];
	size_t aadlen = 0;
	CCSP_GUARD(ccsp_kms_keyset_digest(&j->ks, d));
	for (size_t i = 0; i < j->ks.count; i++) {
		ccsp_kms_keyset_entry *e = &j->ks.e[i];
		CCSP_GUARD(ccsp_kms_keyset_aad(e, d, aad, sizeof aad, &aadlen));
		CCSP_GUARD(v->ops->keyset_export(v->ctx, ccsp_kms_spec_parse(e->spec), &j->w[i], b,
		                                 e->publen > 0 ? e->pub : NULL, aad, aadlen, &e->sealed));
	}
	return CCSP_OK;
}

static ccsp_err audit_fn(ccsp_store_tx *tx, void *arg)
{
	gb_job *j = arg;
	return ccspd_audit(j->c, tx, "kms.group-backup", j->ks.group_id, "ok",
	                   json_pack("{s:s, s:I, s:I, s:I, s:I, s:O}", "backupId", j->ks.backup_id, "keys",
	                             (json_int_t)j->keys, "versions", (json_int_t)j->ks.count, "m", (json_int_t)j->m,
	                             "n", (json_int_t)j->n, "custodians", j->custodian_ids));
}

/* The backup key made, every entry sealed, the key split: the answer's shares into list. */
static ccsp_err backup_run(gb_job *j, json_t **list)
{
	uint8_t custodians[CCSP_KMS_SHARES_MAX][CCSP_KMS_PUBLIC_SIZE], id[16];
	uint8_t shares[CCSP_KMS_SHARES_MAX][CCSP_KMS_SHARE_CT_MAX];
	size_t lens[CCSP_KMS_SHARES_MAX];
	ccsp_kms_wrapped b = {0};
	ccsp_kms_vsm v;
	kms_vsm_of(j->c->d, j->group, &v);
	ccsp_err ret = ccsp_random(id, sizeof id);
	ccsp_hex_encode(id, sizeof id, j->ks.backup_id);
	snprintf(j->ks.group_id, sizeof j->ks.group_id, "%s", j->group);
	j->ks.created = ccspd_now_ms(j->c->d);
	j->ks.m = (unsigned)j->m;
	j->ks.n = (unsigned)j->n;
	for (size_t i = 0; i < j->n; i++)
		memcpy(custodians[i], j->cust[i].public_key + 1, CCSP_KMS_PUBLIC_SIZE);
	if (ret == CCSP_OK)
		ret = v.ops->generate(v.ctx, CCSP_KMS_SPEC_SM4, v.kek_index, &b, NULL);
	if (ret == CCSP_OK)
		ret = seal_all(j, &v, &b);
	if (ret == CCSP_OK)
		ret = v.ops->backup(v.ctx, CCSP_KMS_SPEC_SM4, &b, (unsigned)j->m, (unsigned)j->n,
		                    (const uint8_t(*)[CCSP_KMS_PUBLIC_SIZE])custodians, shares, lens);
	if (ret == CCSP_OK && (*list = kms_shares_json(j->cust, j->n, shares, lens)) == NULL)
		ret = CCSP_ERR_NOMEM;
	ccsp_memzero(&b, sizeof b);
	return ret;
}

static void answer(gb_job *j, json_t *list)
{
	json_t *bundle = ccsp_kms_keyset_json(&j->ks);
	ccsp_err ret = bundle != NULL ? ccsp_store_run(j->c->d->store, audit_fn, j) : CCSP_ERR_NOMEM; /* audited first */
	if (ret != CCSP_OK) {
		json_decref(bundle);
		json_decref(list);
		act_fail(j->c, ret, NULL);
		return;
	}
	ccspd_call_ok(j->c, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:o}", "backupId", j->ks.backup_id,
	                              "groupId", j->ks.group_id, "m", (json_int_t)j->m, "n", (json_int_t)j->n, "keys",
	                              (json_int_t)j->keys, "versions", (json_int_t)j->ks.count, "bundle", bundle,
	                              "shares", list));
}

void ccspd_act_secadmin_group_backup(ccspd_call *c)
{
	gb_job j = {.c = c, .err = CCSP_APIERR_INTERNAL};
	json_t *list = NULL;
	if (act_str(c, "groupId", 1, CCSP_STORE_ID_LEN, &j.group) != 0 ||
	    kms_custodians_parse(c, &j.m, &j.custodian_ids, &j.n) != 0)
		return;
	j.ks.e = calloc(CCSP_KMS_KEYSET_MAX, sizeof *j.ks.e);
	j.w = calloc(CCSP_KMS_KEYSET_MAX, sizeof *j.w);
	ccsp_err ret = j.ks.e != NULL && j.w != NULL ? CCSP_OK : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK) {
		j.err = CCSP_APIERR_COUNT_;
		ret = ccsp_store_run(c->d->store, collect_fn, &j);
	}
	if (ret == CCSP_OK && j.err != CCSP_APIERR_COUNT_)
		ccspd_call_fail(c, j.err, j.msg);
	else if (ret != CCSP_OK)
		act_fail(c, ret, NULL);
	else if ((ret = backup_run(&j, &list)) != CCSP_OK)
		act_fail(c, ret == CCSP_ERR_MODULE_STATE || ret == CCSP_ERR_NOMEM ? ret : CCSP_ERR_COMM, NULL);
	else
		answer(&j, list);
	if (j.w != NULL)
		ccsp_memzero(j.w, CCSP_KMS_KEYSET_MAX * sizeof *j.w);
	free(j.w);
	j.ks.count = CCSP_KMS_KEYSET_MAX; /* wipe every slot */
	ccsp_kms_keyset_free(&j.ks);
}

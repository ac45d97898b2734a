/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The security administrator's platform-wide settings (docs/api-ccspd.md, area "secadmin"); the KMS enforces them:
 *   policy-get      {}                       -> {"policy"}: the key policy (src/platform/keypolicy.h), the defaults
 *                                               when never set (secadmin; the sysadmin may read it)
 *   policy-set      {member: value, ...}     -> {"policy", "changed": [names]}: the members given replace the
 *                                               current values; the whole is checked (secadmin)
 *   custodian-add   {name, publicKey}        -> the custodian: a person who will hold key-backup shares under
 *                                               this SM2 public key (act_sm2_public's forms)
 *   custodian-list  {cursor?, limit?}        -> {"custodians": [...], "next"}
 *   custodian-remove {id}                    -> the custodian removed
 * Every change is audited in its own transaction with what changed (keypolicy.set: old and new values of the
 * members changed; custodian.add, custodian.remove); nothing here is a secret.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/sm2.h>
#include <ccsp/sm3.h>

#include "ccspd/act.h"
#include "common/b64.h"
#include "platform/keypolicy.h"
#include "platform/store/store_custodian.h"

typedef struct sec_job {
	act_job act; /* first: act_job_run's (act_util.c) */
	const char *id, *name, *cursor;
	int64_t limit;
	uint8_t point[CCSP_STORE_CUSTODIAN_KEY_SIZE];
} sec_job;

/* ---- the key policy ---- */

static ccsp_err policy_get_fn(ccsp_store_tx *tx, void *arg)
{
	sec_job *j = arg;
	ccsp_keypolicy p;
	ccsp_err ret = ccsp_keypolicy_load(tx, &p);
	json_t *o = ret == CCSP_OK ? json_pack("{s:o}", "policy", ccsp_keypolicy_json(&p)) : NULL;
	if (ret == CCSP_OK && o == NULL)
		ret = CCSP_ERR_NOMEM;
	if (ret == CCSP_OK)
		act_job_result(&j->act, o);
	return ret;
}

void ccspd_act_secadmin_policy_get(ccspd_call *c)
{
	sec_job j = {.act.c = c};
	act_job_run(&j.act, policy_get_fn, &j);
}

/* The members whose values differ between old and new: their names, and both values (audit). */
static void policy_diff(const json_t *old, const json_t *new, json_t *names, json_t *was, json_t *now)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)new, k, v) {
		json_t *o = json_object_get(old, k);
		if (o != NULL && json_equal(o, v))
			continue;
		json_array_append_new(names, json_string(k));
		json_object_set(was, k, o != NULL ? o : json_null());
		json_object_set(now, k, v);
	}
}

static ccsp_err policy_set_fn(ccsp_store_tx *tx, void *arg)
{
	sec_job *j = arg;
	ccsp_keypolicy p, q;
	const char *why = NULL;
	ccsp_err ret = ccsp_keypolicy_load(tx, &p);
	if (ret != CCSP_OK)
		return ret;
	q = p;
	if (ccsp_keypolicy_apply(&q, j->act.c->body, &why) != CCSP_OK)
		return act_job_refuse(&j->act, CCSP_APIERR_INVALID_PARAM, why);
	json_t *old = ccsp_keypolicy_json(&p), *new = ccsp_keypolicy_json(&q);
	json_t *names = json_array(), *was = json_object(), *now = json_object();
	if (old == NULL || new == NULL || names == NULL || was == NULL || now == NULL) {
		ret = CCSP_ERR_NOMEM;
		goto out;
	}
	policy_diff(old, new, names, was, now);
	if (json_array_size(names) > 0) { /* a change: stored and audited together */
		ret = ccsp_keypolicy_save(tx, &q);
		if (ret == CCSP_OK)
			ret = ccspd_audit(j->act.c, tx, "keypolicy.set", "key-policy", "ok",
			                  json_pack("{s:O, s:O, s:O}", "changed", names, "old", was, "new", now));
	}
	if (ret == CCSP_OK)
		act_job_result(&j->act, json_pack("{s:O, s:O}", "policy", new, "changed", names));
out:
	json_decref(old);
	json_decref(new);
	json_decref(names);
	json_decref(was);
	json_decref(now);
	return ret;
}

void ccspd_act_secadmin_policy_set(ccspd_call *c)
{
	sec_job j = {.act.c = c};
	act_job_run(&j.act, policy_set_fn, &j);
}

/* ---- custodians ---- */

static json_t *custodian_json(const ccsp_store_custodian *cu)
{
	char pub[CCSP_B64_LEN(CCSP_STORE_CUSTODIAN_KEY_SIZE) + 1], fp[2 * CCSP_SM3_DIGEST_SIZE + 1];
	uint8_t md[CCSP_SM3_DIGEST_SIZE];
	ccsp_b64_encode(cu->public_key, sizeof cu->public_key, pub);
	if (ccsp_sm3(cu->public_key, sizeof cu->public_key, md) != CCSP_OK)
		return NULL;
	for (size_t i = 0; i < sizeof md; i++)
		snprintf(fp + 2 * i, sizeof fp - 2 * i, "%02x", md[i]);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "id", cu->id, "name", cu->name, "publicKey", pub,
	                 "fingerprint", fp, "createdBy", cu->created_by, "created", (json_int_t)cu->created);
}

static ccsp_err custodian_add_fn(ccsp_store_tx *tx, void *arg)
{
	sec_job *j = arg;
	ccsp_store_custodian cu = {.created = ccspd_now_ms(j->act.c->d)};
	size_t n = strlen(j->name);
	memcpy(cu.name, j->name, n < sizeof cu.name ? n : sizeof cu.name - 1); /* act_str bounded it */
	memcpy(cu.public_key, j->point, sizeof cu.public_key);
	memcpy(cu.created_by, j->act.c->who->id, sizeof cu.created_by);
	ccsp_err ret = ccsp_store_custodian_create(tx, &cu);
	if (ret == CCSP_ERR_EXISTS)
		j->act.msg = "a custodian of that name or public key exists";
	json_t *o = ret == CCSP_OK ? custodian_json(&cu) : NULL;
	if (ret == CCSP_OK && o == NULL)
		ret = CCSP_ERR_NOMEM;
	if (ret == CCSP_OK)
		ret = ccspd_audit(
		        j->act.c, tx, "custodian.add", cu.name, "ok",
		        json_pack("{s:s, s:O}", "id", cu.id, "fingerprint", json_object_get(o, "fingerprint")));
	if (ret == CCSP_OK)
		act_job_result(&j->act, o);
	else
		json_decref(o);
	return ret;
}

void ccspd_act_secadmin_custodian_add(ccspd_call *c)
{
	sec_job j = {.act.c = c};
	const char *pub;
	ccsp_sm2_key *k = NULL;
	if (act_str(c, "name", 1, CCSP_STORE_NAME_MAX, &j.name) != 0 || act_str(c, "publicKey", 1, 1024, &pub) != 0)
		return;
	if (act_sm2_public(pub, j.point, &k) != CCSP_OK) {
		ccspd_fail(c->d, c->req, CCSP_APIERR_INVALID_PARAM, "publicKey is not an SM2 public key");
		return;
	}
	ccsp_sm2_key_free(k); /* only the point is kept */
	act_job_run(&j.act, custodian_add_fn, &j);
}

static ccsp_err custodian_list_fn(ccsp_store_tx *tx, void *arg)
{
	sec_job *j = arg;
	size_t n = 0;
	ccsp_store_custodian *cs = calloc((size_t)j->limit, sizeof *cs);
	ccsp_err ret = cs != NULL ? ccsp_store_custodian_list(tx, j->cursor, (size_t)j->limit, cs, &n) : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK) {
		json_t *list = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(list, custodian_json(&cs[i]));
		act_job_result(&j->act, json_pack("{s:o, s:o}", "custodians", list, "next",
		                        n == (size_t)j->limit ? json_string(cs[n - 1].id) : json_null()));
	}
	free(cs);
	return ret;
}

void ccspd_act_secadmin_custodian_list(ccspd_call *c)
{
	sec_job j = {.act.c = c};
	if (act_id(c, "cursor", 0, &j.cursor) != 0 ||
	    act_int(c, "limit", 1, CCSPD_LIST_MAX, CCSPD_LIST_DEFAULT, &j.limit) != 0)
		return;
	act_job_run(&j.act, custodian_list_fn, &j);
}

static ccsp_err custodian_remove_fn(ccsp_store_tx *tx, void *arg)
{
	sec_job *j = arg;
	ccsp_store_custodian cu;
	ccsp_err ret = ccsp_store_custodian_get(tx, j->id, &cu);
	if (ret == CCSP_OK)
		ret = ccsp_store_custodian_delete(tx, j->id);
	if (ret == CCSP_ERR_NOT_FOUND)
		return act_job_refuse(&j->act, CCSP_APIERR_NOT_FOUND, NULL);
	if (ret == CCSP_OK)
		ret = ccspd_audit(j->act.c, tx, "custodian.remove", cu.name, "ok", json_pack("{s:s}", "id", cu.id));
	if (ret == CCSP_OK)
		act_job_result(&j->act, custodian_json(&cu));
	return ret;
}

void ccspd_act_secadmin_custodian_remove(ccspd_call *c)
{
	sec_job j = {.act.c = c};
	if (act_id(c, "id", 1, &j.id) != 0)
		return;
	act_job_run(&j.act, custodian_remove_fn, &j);
}

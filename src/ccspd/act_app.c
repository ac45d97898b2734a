/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tenant's applications (docs/api-ccspd.md, area "app"), managed by the tenant's administrators, in their own
 * tenant or (with "tenant") in a sub-tenant below it:
 *   create   {name, publicKey?, tenant?}   -> the app, its access key and secret (the secret answered once)
 *   list     {cursor?, limit?, tenant?}    -> the apps of that tenant (never a secret)
 *   disable  {id, tenant?} / enable        a disabled app's requests and sessions are refused (the gateway checks
 *                                          its status); its cached secret is forgotten at once
 * An app or tenant outside the caller's subtree (ccsp_store_tenant_scoped) is CCSP-1002, as a missing one.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/sm2.h>

#include "ccspd/act.h"

typedef struct app_job {
	ccspd_call *c;
	const char *id, *cursor, *tenant; /* tenant: the body's (NULL: the caller's own) */
	int64_t limit;
	ccsp_store_app a;
	char secret[CCSPD_APP_SECRET_LEN + 1];
	ccsp_store_status status;
	ccsp_apierr err; /* CCSP_APIERR_COUNT_: success */
	json_t *result;
} app_job;

static void answer(app_job *j, ccsp_err ret)
{
	if (ret != CCSP_OK)
		act_fail(j->c, ret, ret == CCSP_ERR_EXISTS ? "name taken" : NULL);
	else if (j->err != CCSP_APIERR_COUNT_)
		ccspd_fail(j->c->d, j->c->req, j->err, NULL);
	else
		ccspd_ok(j->c->req, json_incref(j->result));
	act_result_free(j->result);
	ccsp_memzero(j, sizeof *j);
}

/* The tenant j->tenant names, seen from the caller's (its own when absent): into t, or CCSP_ERR_NOT_FOUND with
 * j->err set when it is outside the caller's subtree or missing. */
static ccsp_err scope_of(app_job *j, ccsp_store_tx *tx, ccsp_store_tenant *t)
{
	const char *own = j->c->who->tenant_id;
	ccsp_err ret = ccsp_store_tenant_scoped(tx, own, j->tenant != NULL ? j->tenant : own, t);
	if (ret == CCSP_ERR_NOT_FOUND)
		j->err = CCSP_APIERR_NOT_FOUND;
	return ret;
}

static ccsp_err create_fn(ccsp_store_tx *tx, void *arg)
{
	app_job *j = arg;
	ccsp_store_app a = j->a; /* a fresh copy on every run: create sets the id */
	ccsp_store_tenant t;
	ccsp_err ret = scope_of(j, tx, &t);
	if (ret == CCSP_OK) {
		memcpy(a.tenant_id, t.id, sizeof a.tenant_id);
		ret = ccsp_store_app_create(tx, &a);
	}
	if (ret == CCSP_OK)
		ret = ccspd_audit(j->c, tx, "app.create", a.name, "ok",
		                  json_pack("{s:s, s:s, s:b}", "id", a.id, "accessKey", a.access_key, "sm2",
		                            a.sm2_pub_len > 0));
	if (ret == CCSP_OK) {
		act_result_free(j->result);
		j->result = act_app_json(&a);
		json_object_set_new(j->result, "secret", json_string(j->secret));
		j->err = CCSP_APIERR_COUNT_;
	}
	ccsp_memzero(&a, sizeof a);
	return ret == CCSP_ERR_NOT_FOUND && j->err == CCSP_APIERR_NOT_FOUND ? CCSP_OK : ret; /* answered 1002 */
}

void ccspd_act_app_create(ccspd_call *c)
{
	app_job *j = calloc(1, sizeof *j); /* holds a secret: wiped by answer() */
	const char *name, *pub = NULL;
	ccsp_sm2_key *k = NULL;
	if (j == NULL) {
		act_fail(c, CCSP_ERR_NOMEM, NULL);
		return;
	}
	*j = (app_job){.c = c, .err = CCSP_APIERR_INTERNAL};
	if (act_str(c, "name", 1, CCSP_STORE_NAME_MAX, &name) != 0 || act_str(c, "publicKey", 0, 1024, &pub) != 0 ||
	    act_id(c, "tenant", 0, &j->tenant) != 0)
		goto out;
	if (pub != NULL && act_sm2_public(pub, j->a.sm2_pub, &k) != CCSP_OK) {
		ccspd_fail(c->d, c->req, CCSP_APIERR_INVALID_PARAM, "publicKey is not an SM2 public key");
		goto out;
	}
	j->a.sm2_pub_len = pub != NULL ? 65 : 0;
	snprintf(j->a.name, sizeof j->a.name, "%s", name); /* the tenant: create_fn's, once seen in scope */
	j->a.status = CCSP_STORE_ACTIVE;
	j->a.created = ccspd_now_ms(c->d);
	size_t sealed_len = 0;
	ccsp_err ret = ccspd_app_credentials_new(c->d, j->a.access_key, j->secret, j->a.secret_ct, &sealed_len);
	j->a.secret_ct_len = sealed_len;
	if (ret == CCSP_OK)
		ret = ccsp_store_run(c->d->store, create_fn, j);
	answer(j, ret);
out:
	ccsp_sm2_key_free(k);
	ccsp_memzero(j, sizeof *j);
	free(j);
}

static ccsp_err list_fn(ccsp_store_tx *tx, void *arg)
{
	app_job *j = arg;
	size_t n = 0;
	ccsp_store_tenant t;
	ccsp_err ret = scope_of(j, tx, &t);
	if (ret == CCSP_ERR_NOT_FOUND)
		return CCSP_OK;
	ccsp_store_app *as = ret == CCSP_OK ? calloc((size_t)j->limit, sizeof *as) : NULL;
	if (ret == CCSP_OK)
		ret = as != NULL ? ccsp_store_app_list(tx, t.id, j->cursor, (size_t)j->limit, as, &n) : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK) {
		json_t *list = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(list, act_app_json(&as[i]));
		json_decref(j->result);
		j->result = json_pack("{s:o, s:o}", "apps", list, "next",
		                      n == (size_t)j->limit ? json_string(as[n - 1].id) : json_null());
		j->err = CCSP_APIERR_COUNT_;
	}
	free(as);
	return ret;
}

void ccspd_act_app_list(ccspd_call *c)
{
	app_job j = {.c = c, .err = CCSP_APIERR_INTERNAL};
	if (act_id(c, "cursor", 0, &j.cursor) != 0 || act_id(c, "tenant", 0, &j.tenant) != 0 ||
	    act_int(c, "limit", 1, CCSPD_LIST_MAX, CCSPD_LIST_DEFAULT, &j.limit) != 0)
		return;
	answer(&j, ccsp_store_run(c->d->store, list_fn, &j));
}

static ccsp_err status_fn(ccsp_store_tx *tx, void *arg)
{
	app_job *j = arg;
	ccsp_store_tenant t;
	ccsp_err ret = scope_of(j, tx, &t);
	if (ret == CCSP_OK)
		ret = ccsp_store_app_get(tx, t.id, j->id, &j->a);
	if (ret == CCSP_ERR_NOT_FOUND) {
		j->err = CCSP_APIERR_NOT_FOUND;
		return CCSP_OK;
	}
	j->a.status = j->status;
	if (ret == CCSP_OK)
		ret = ccsp_store_app_update(tx, &j->a);
	if (ret == CCSP_OK)
		ret = ccspd_audit(j->c, tx, j->status == CCSP_STORE_ACTIVE ? "app.enable" : "app.disable", j->a.name, "ok",
		                  json_pack("{s:s, s:s}", "id", j->a.id, "accessKey", j->a.access_key));
	if (ret == CCSP_OK) {
		json_decref(j->result);
		j->result = act_app_json(&j->a);
		j->err = CCSP_APIERR_COUNT_;
	}
	return ret;
}

static void app_status(ccspd_call *c, ccsp_store_status st)
{
	app_job j = {.c = c, .status = st, .err = CCSP_APIERR_INTERNAL};
	if (act_id(c, "id", 1, &j.id) != 0 || act_id(c, "tenant", 0, &j.tenant) != 0)
		return;
	ccsp_err ret = ccsp_store_run(c->d->store, status_fn, &j);
	if (ret == CCSP_OK && j.err == CCSP_APIERR_COUNT_ && st == CCSP_STORE_DISABLED)
		ccspd_appauth_forget(c->d, j.a.access_key);
	ccspd_sessions_forget(c->d); /* the app's sessions */
	answer(&j, ret);
}

void ccspd_act_app_disable(ccspd_call *c)
{
	app_status(c, CCSP_STORE_DISABLED);
}

void ccspd_act_app_enable(ccspd_call *c)
{
	app_status(c, CCSP_STORE_ACTIVE);
}

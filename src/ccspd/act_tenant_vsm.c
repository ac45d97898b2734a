/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tenants' own VSMs (docs/api-ccspd.md "vsm"): a VSM of a registered CHSM assigned to one tenant, whose
 * applications use it directly through libsdf (GM/T 0018) — no pool device, no ccspd key in it.
 *   pool/tenant-vsm-assign  {chsmId, vsmId, tenantId}  (system administrator) -> the assignment: the VSM is locked
 *                           with a fresh token nobody keeps (configVSMToken, with the tenantId), its address and
 *                           TLS certificate recorded (getVSMInfo)
 *   pool/tenant-vsm-release {chsmId, vsmId}            (system administrator) -> the VSM taken from its tenant at
 *                           once and retired: ccspd resets it (resetVSM) as soon as its CHSM answers (tvsm_keeper.c)
 *   vsm/list                {limit?}                   (tenant administrator) -> {"vsms": [...]}: the tenant's
 *   vsm/client-config       {chsmId, vsmId}            (tenant administrator) -> what libsdf needs: "sdfConf" (the
 *                           config text), "transport" (tls, or tlcp when the CHSM's VSMs serve TLCP), "caCert" (the
 *                           VSM's TLS certificate, or on TLCP the CHSM's device CA), "token": a new token set on the VSM
 *                           now — the previous one stops working —, shown in this answer only: ccspd keeps no copy;
 *                           the address is read after the VSM restarted with it (and recorded)
 * A VSM is a pool device or a tenant's, never both. Another tenant's VSM answers CCSP-1002 as if it did not exist.
 * The calls to the CHSM run outside any transaction; every change is audited (pool.tenant-vsm-assign,
 * vsm.client-config; never the token).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>

#include "ccspd/act.h"
#include "crypto/guard.h" /* CCSP_GUARD */

typedef struct tvsm_job {
	act_job act; /* first: act_job_run's (act_util.c) */
	const char *chsm_id, *vsm_id, *tenant;
	int64_t limit;
	int taken;
	ccsp_store_pool_chsm chsm;
	ccsp_store_tenant_vsm v;
	ccspd_vsm_channel ch; /* vsm/client-config */
} tvsm_job;

static json_t *tvsm_json(const ccsp_store_tenant_vsm *v)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:I}", "chsmId", v->chsm_id, "vsmId", v->vsm_id, "tenantId",
	                 v->tenant_id, "address", v->address, "created", (json_int_t)v->created);
}

static tvsm_job *job_new(ccspd_call *c)
{
	tvsm_job *j = calloc(1, sizeof *j);
	if (j == NULL)
		ccspd_call_fail(c, CCSP_APIERR_INTERNAL, NULL);
	else
		j->act.c = c;
	return j;
}

/* ---- assignment (system administrator) ---- */

/* The CHSM, and whether the VSM is a pool device or a tenant's already. */
static ccsp_err assign_check_fn(ccsp_store_tx *tx, void *arg)
{
	tvsm_job *j = arg;
	char address[CCSP_STORE_POOL_ADDRESS_MAX + 1];
	ccsp_store_tenant t;
	CCSP_GUARD(ccsp_store_pool_chsm_get(tx, j->chsm_id, &j->chsm));
	CCSP_GUARD(ccsp_store_tenant_get(tx, j->tenant, &t));
	snprintf(address, sizeof address, "chsm:%s/%s", j->chsm_id, j->vsm_id);
	CCSP_GUARD(ccsp_store_pool_device_taken(tx, "", address, &j->taken));
	int assigned = 0;
	CCSP_GUARD(ccsp_store_tenant_vsm_assigned(tx, j->chsm_id, j->vsm_id, &assigned));
	j->taken |= assigned;
	return CCSP_OK;
}

static ccsp_err assign_fn(ccsp_store_tx *tx, void *arg)
{
	tvsm_job *j = arg;
	j->v.created = ccspd_now_ms(j->act.c->d);
	CCSP_GUARD(ccsp_store_tenant_vsm_create(tx, &j->v));
	CCSP_GUARD(ccspd_audit(j->act.c, tx, "pool.tenant-vsm-assign", j->v.vsm_id, "ok",
	                       json_pack("{s:s, s:s, s:s}", "chsmId", j->v.chsm_id, "tenantId", j->v.tenant_id,
	                                 "address", j->v.address)));
	act_job_result(&j->act, tvsm_json(&j->v));
	return CCSP_OK;
}

void ccspd_act_pool_tenant_vsm_assign(ccspd_call *c)
{
	tvsm_job *j = job_new(c);
	char token[CCSPD_VSM_TOKEN_LEN + 1] = "";
	ccspd_pool_fail f;
	if (j == NULL)
		return;
	if (act_id(c, "chsmId", 1, &j->chsm_id) != 0 ||
	    act_str(c, "vsmId", 1, CCSP_STORE_POOL_VSM_ID_MAX, &j->vsm_id) != 0 || act_id(c, "tenantId", 1, &j->tenant) != 0)
		goto out;
	ccsp_err ret = ccsp_store_run(c->d->store, assign_check_fn, j);
	if (ret != CCSP_OK || j->taken) {
		act_fail(c, ret != CCSP_OK ? ret : CCSP_ERR_EXISTS,
		         ret == CCSP_ERR_NOT_FOUND ? "no such CHSM or tenant"
		                                   : "the VSM is a pool device or assigned to a tenant already");
		goto out;
	}
	/* locked for the tenant with a token nobody keeps: the tenant administrator sets one with vsm/client-config */
	snprintf(j->v.chsm_id, sizeof j->v.chsm_id, "%s", j->chsm_id);
	snprintf(j->v.vsm_id, sizeof j->v.vsm_id, "%s", j->vsm_id);
	snprintf(j->v.tenant_id, sizeof j->v.tenant_id, "%s", j->tenant);
	if (ccspd_g88_vsm_token(c->d, &j->chsm, j->vsm_id, j->tenant, token, &f) != 0 || /* then its address */
	    ccspd_g88_vsm_info(c->d, &j->chsm, j->vsm_id, j->v.address, j->v.cert_pem, &f) != 0) {
		ccspd_call_fail(c, f.code, f.msg);
		goto out;
	}
	j->act.msg = "the VSM is a pool device or assigned to a tenant already";
	act_job_run(&j->act, assign_fn, j);
out:
	ccsp_memzero(token, sizeof token);
	free(j);
}

static ccsp_err release_fn(ccsp_store_tx *tx, void *arg)
{
	tvsm_job *j = arg;
	CCSP_GUARD(ccsp_store_tenant_vsm_get(tx, NULL, j->chsm_id, j->vsm_id, &j->v));
	ccsp_err ret = ccsp_store_tenant_vsm_release(tx, NULL, j->chsm_id, j->vsm_id, ccspd_now_ms(j->act.c->d));
	if (ret == CCSP_ERR_STATE)
		return act_job_refuse(&j->act, CCSP_APIERR_CONFLICT, "a drift of the VSM is under way: release it after");
	CCSP_GUARD(ret);
	CCSP_GUARD(ccspd_audit(j->act.c, tx, "pool.tenant-vsm-release", j->vsm_id, "ok",
	                       json_pack("{s:s, s:s}", "chsmId", j->chsm_id, "tenantId", j->v.tenant_id)));
	json_t *r = tvsm_json(&j->v);
	json_object_set_new(r, "state", json_string("resetting"));
	act_job_result(&j->act, r);
	return CCSP_OK;
}

void ccspd_act_pool_tenant_vsm_release(ccspd_call *c)
{
	tvsm_job *j = job_new(c);
	if (j == NULL)
		return;
	if (act_id(c, "chsmId", 1, &j->chsm_id) == 0 &&
	    act_str(c, "vsmId", 1, CCSP_STORE_POOL_VSM_ID_MAX, &j->vsm_id) == 0)
		act_job_run(&j->act, release_fn, j);
	free(j);
}

/* ---- the tenant's view (tenant administrators) ---- */

static ccsp_err list_fn(ccsp_store_tx *tx, void *arg)
{
	tvsm_job *j = arg;
	size_t n = 0;
	ccsp_store_tenant_vsm *vs = calloc((size_t)j->limit, sizeof *vs);
	ccsp_err ret = vs != NULL ? ccsp_store_tenant_vsm_list(tx, j->act.c->who->tenant_id, (size_t)j->limit, vs, &n)
	                          : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK) {
		json_t *list = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(list, tvsm_json(&vs[i]));
		act_job_result(&j->act, json_pack("{s:o}", "vsms", list));
	}
	free(vs);
	return ret;
}

void ccspd_act_vsm_list(ccspd_call *c)
{
	tvsm_job *j = job_new(c);
	if (j != NULL && act_int(c, "limit", 1, CCSPD_LIST_MAX, CCSPD_LIST_DEFAULT, &j->limit) == 0)
		act_job_run(&j->act, list_fn, j);
	free(j);
}

static ccsp_err config_get_fn(ccsp_store_tx *tx, void *arg)
{
	tvsm_job *j = arg;
	CCSP_GUARD(ccsp_store_tenant_vsm_get(tx, j->act.c->who->tenant_id, j->chsm_id, j->vsm_id, &j->v));
	return ccsp_store_pool_chsm_get(tx, j->chsm_id, &j->chsm);
}

static ccsp_err config_audit_fn(ccsp_store_tx *tx, void *arg)
{
	tvsm_job *j = arg;
	CCSP_GUARD(ccsp_store_tenant_vsm_set_address(tx, j->v.chsm_id, j->v.vsm_id, j->v.address, j->v.cert_pem));
	return ccspd_audit(j->act.c, tx, "vsm.client-config", j->v.vsm_id, "ok",
	                   json_pack("{s:s, s:s}", "chsmId", j->v.chsm_id, "detail", "a new token was set"));
}

/* The answer: the config text (transport = tlcp on TLCP), what libsdf trusts (caCert: the VSM's TLS certificate, or
 * the CHSM's device CA) and the token. */
static void client_config_answer(ccspd_call *c, const tvsm_job *j, const char *token)
{
	const char *colon = strrchr(j->v.address, ':');
	int hostlen = colon != NULL ? (int)(colon - j->v.address) : (int)strlen(j->v.address);
	char conf[512];
	snprintf(conf, sizeof conf,
	         "# libsdf client configuration for VSM %s (docs/sdf.md); seal the token with\n"
	         "# 'ccsp vsm seal-token --out client.token' and keep caCert as vsm-ca.pem beside this file\n"
	         "%saddress = %s\nserver_name = %.*s\nca_file = vsm-ca.pem\ntoken_file = client.token\n",
	         j->v.vsm_id, j->ch.tlcp ? "transport = tlcp\n" : "", j->v.address, hostlen, j->v.address);
	json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "chsmId", j->v.chsm_id, "vsmId", j->v.vsm_id,
	                      "address", j->v.address, "transport", j->ch.tlcp ? "tlcp" : "tls", "sdfConf", conf, "caCert",
	                      ccspd_vsm_channel_trust(&j->ch), "token", token);
	ccspd_call_ok(c, json_incref(r));
	act_result_free(r); /* the token wiped */
}

void ccspd_act_vsm_client_config(ccspd_call *c)
{
	tvsm_job *j = job_new(c);
	char token[CCSPD_VSM_TOKEN_LEN + 1] = "";
	ccspd_pool_fail f;
	if (j == NULL)
		return;
	if (act_id(c, "chsmId", 1, &j->chsm_id) != 0 || act_str(c, "vsmId", 1, CCSP_STORE_POOL_VSM_ID_MAX, &j->vsm_id) != 0)
		goto out;
	ccsp_err ret = ccsp_store_run(c->d->store, config_get_fn, j);
	if (ret != CCSP_OK) {
		act_fail(c, ret, NULL);
		goto out;
	}
	/* the token, then where the VSM listens after its restart with it, and over what */
	if (ccspd_g88_vsm_token(c->d, &j->chsm, j->vsm_id, j->v.tenant_id, token, &f) != 0 ||
	    ccspd_g88_vsm_channel(c->d, &j->chsm, j->vsm_id, &j->ch, &f) != 0) {
		ccspd_call_fail(c, f.code, f.msg);
		goto out;
	}
	memcpy(j->v.address, j->ch.address, sizeof j->ch.address);
	memcpy(j->v.cert_pem, j->ch.tls_cert, sizeof j->ch.tls_cert);
	if (ccsp_store_run(c->d->store, config_audit_fn, j) != CCSP_OK) {
		ccspd_call_fail(c, CCSP_APIERR_INTERNAL, NULL); /* nothing unaudited is handed out */
		goto out;
	}
	client_config_answer(c, j, token);
out:
	ccsp_memzero(token, sizeof token);
	free(j);
}

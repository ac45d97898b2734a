/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CHSMs in the resource pool (docs/api-ccspd.md, area "pool"; system administrators only). ccspd is their cloud
 * platform (GM/T 0088): it signs every request with its platform key (pool_chsm.c) and trusts a CHSM's TLS
 * certificate through the CA given at registration.
 *   platform-key       {}                              -> {publicKey (PEM), fingerprint}: made on first use
 *   chsm-register      {name, url, caCert?}            -> the CHSM: getCHSMPk, then configCHSMPk with the platform
 *                                                         key when the CHSM has none (first key configuration) —
 *                                                         a CHSM that trusts other keys only is refused —, then
 *                                                         getCHSMInfo (vendor, model, serial, version, device key)
 *   chsm-list          {cursor?, limit?}               -> {"chsms": [...], "next"} with their VSMs in the pool counted
 *   chsm-remove        {chsmId}                        -> the CHSM (none of its VSMs may be a device)
 *   chsm-vsm-register  {chsmId, vsmId, name}           -> the device: a fresh token set with configVSMToken (kept
 *                                                         sealed), getVSMInfo (address and TLS certificate), this
 *                                                         node's client config written, the availability check
 *                                                         (pool_lease.c)
 *   chsm-vsm-create    {chsmId, name, flavor?, copyOf?}  -> the task: createVSM with ccspd's callback URL; when the
 *                                                         CHSM's callback says the VSM is ready, ccspd leases it as
 *                                                         the device `name` (api_g88_callback.c). copyOf (a CHSM
 *                                                         VSM device): the new VSM is made from an image of that
 *                                                         one (its KEKs: key sync, KM-12) — exportVSM first, then
 *                                                         createVSM with the image from the export's callback
 *   chsm-task-list     {chsmId?, limit?}               -> {"tasks": [...]}: those operations, newest first
 * The calls to the CHSM run outside any transaction; every change is audited (pool.*).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "ccspd/act.h"
#include "common/b64.h"
#include "common/tlcp_http.h"
#include "crypto/guard.h" /* CCSP_GUARD */
#include "platform/pool.h"
#include "platform/store/store_pool.h"


typedef struct chsm_job {
	act_job act; /* first: act_job_run's (act_util.c) */
	const char *id, *cursor, *copy_of;
	ccsp_store_pool_chsm src; /* copyOf: the copied VSM's CHSM */
	int64_t limit;
	int key_created, taken;
	ccsp_store_pool_chsm chsm;
	ccsp_store_pool_device dev;
	ccsp_store_pool_vsm_link link;
	ccsp_store_pool_task task;
} chsm_job;

static json_t *chsm_json(const ccsp_store_pool_chsm *h, int64_t vsms)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "chsmId", h->id, "name", h->name, "url",
	                 h->url, "vendor", h->vendor, "model", h->model, "serial", h->serial, "version", h->version,
	                 "devicePublicKey", h->device_pk, "vsms", (json_int_t)vsms, "created", (json_int_t)h->created);
}

/* The platform key, made on first use; 0, or -1 after answering. */
static int platform_key(ccspd_call *c, ccspd_g88_key *k, int *created)
{
	ccsp_err ret = ccspd_g88_key_load(c->d, 1, k, created);
	if (ret != CCSP_OK) {
		ccsp_log_event(c->d->log, "error", "ccspd.pool", "detail", "cannot load or make the platform key", "error",
		               ccsp_err_name(ret), (char *)NULL);
		ccspd_call_fail(c, ret == CCSP_ERR_COMM || ret == CCSP_ERR_KEY ? CCSP_APIERR_CRYPTO_MODULE
		                                                              : CCSP_APIERR_INTERNAL,
		                "cannot load or make the platform's GM/T 0088 key");
		return -1;
	}
	return 0;
}

static ccsp_err key_audit_fn(ccsp_store_tx *tx, void *arg)
{
	chsm_job *j = arg;
	return ccspd_audit(j->act.c, tx, "pool.platform-key-create", "g88", "ok", NULL);
}

/* Audit the platform key's creation (when this call made it). */
static void audit_key_created(ccspd_call *c, int created)
{
	chsm_job j = {.act.c = c};
	if (created && ccsp_store_run(c->d->store, key_audit_fn, &j) != CCSP_OK)
		ccsp_log_event(c->d->log, "error", "ccspd.pool", "detail", "cannot audit the platform key's creation",
		               (char *)NULL);
}

void ccspd_act_pool_platform_key(ccspd_call *c)
{
	ccspd_g88_key k;
	char pem[CCSP_SM2_KEY_FILE_MAX + 1], fp[45];
	int created;
	if (platform_key(c, &k, &created) != 0)
		return;
	audit_key_created(c, created);
	if (act_sm2_public_pem(k.signer.pub + 1, pem) != CCSP_OK || ccsp_g88_fingerprint(k.signer.pub, fp) != CCSP_OK) {
		ccspd_call_fail(c, CCSP_APIERR_INTERNAL, NULL);
		return;
	}
	ccspd_call_ok(c, json_pack("{s:s, s:s, s:s}", "publicKey", pem, "fingerprint", fp, "algorithm", "sm3"));
}

/* ---- talking to a CHSM ---- */

/* One call; 0 with the answer's result (NULL when none) when the CHSM said 200, else -1 after answering. */
static int chsm_call(ccspd_call *c, const ccsp_g88_target *t, const ccsp_g88_signer *s, const char *path,
                     json_t *req, json_t **result)
{
	ccspd_pool_fail f;
	if (ccspd_g88_call(t, s, path, req, result, &f) == 0)
		return 0;
	ccspd_call_fail(c, f.code, f.msg);
	return -1;
}

static int fingerprint_listed(json_t *result, const char *fp)
{
	json_t *list = json_object_get(result, "fingerprints"), *v;
	size_t i;
	json_array_foreach(list, i, v) if (json_is_string(v) && strcmp(json_string_value(v), fp) == 0) return 1;
	return 0;
}

/* getCHSMPk; configCHSMPk with the platform key when the CHSM has none. 0, or -1 after answering. */
static int first_key_configuration(ccspd_call *c, const ccsp_g88_target *t, const ccspd_g88_key *k)
{
	char fp[45], rid[CCSP_G88_REQUEST_ID_LEN + 1], path[96];
	uint8_t spki[CCSP_SM2_KEY_FILE_MAX];
	char spki64[CCSP_B64_LEN(sizeof spki) + 1];
	json_t *result = NULL;
	size_t len = 0;
	if (ccsp_g88_fingerprint(k->signer.pub, fp) != CCSP_OK || ccsp_g88_request_id(rid) != CCSP_OK ||
	    act_sm2_public_spki(k->signer.pub + 1, spki, sizeof spki, &len) != CCSP_OK) {
		ccspd_call_fail(c, CCSP_APIERR_INTERNAL, NULL);
		return -1;
	}
	snprintf(path, sizeof path, "/chsm/authpk?requestId=%s", rid);
	if (chsm_call(c, t, NULL, path, NULL, &result) != 0)
		return -1;
	int listed = fingerprint_listed(result, fp);
	size_t keys = json_array_size(json_object_get(result, "fingerprints"));
	json_decref(result);
	if (listed)
		return 0;
	if (keys > 0) {
		ccspd_call_fail(c, CCSP_APIERR_CONFLICT,
		                "the CHSM trusts other cloud-platform keys only: add this platform's key "
		                "(pool/platform-key) with one of them first");
		return -1;
	}
	ccsp_b64_encode(spki, len, spki64);
	if (chsm_call(c, t, &k->signer, "/chsm/authpk", json_pack("{s:s, s:[s]}", "algorithm", "sm2", "pks", spki64),
	              &result) != 0)
		return -1;
	json_decref(result);
	return 0;
}

static void copy_str(json_t *o, const char *name, char *out, size_t cap)
{
	json_t *v = json_object_get(o, name);
	snprintf(out, cap, "%s", json_is_string(v) ? json_string_value(v) : "");
}

static ccsp_err register_fn(ccsp_store_tx *tx, void *arg)
{
	chsm_job *j = arg;
	j->chsm.created = ccspd_now_ms(j->act.c->d);
	CCSP_GUARD(ccsp_store_pool_chsm_create(tx, &j->chsm));
	CCSP_GUARD(ccspd_audit(j->act.c, tx, "pool.chsm-register", j->chsm.id, "ok",
	                       json_pack("{s:s, s:s, s:s, s:s}", "name", j->chsm.name, "url", j->chsm.url, "serial",
	                                 j->chsm.serial, "version", j->chsm.version)));
	act_job_result(&j->act, chsm_json(&j->chsm, 0));
	return CCSP_OK;
}

void ccspd_act_pool_chsm_register(ccspd_call *c)
{
	chsm_job *j = calloc(1, sizeof *j);
	const char *name, *url, *ca = NULL;
	ccspd_g88_key k;
	json_t *info = NULL;
	int created = 0;
	if (j == NULL) {
		ccspd_call_fail(c, CCSP_APIERR_INTERNAL, NULL);
		return;
	}
	j->act.c = c;
	if (act_str(c, "name", 1, CCSP_STORE_NAME_MAX, &name) != 0 ||
	    act_str(c, "url", 1, CCSP_STORE_POOL_URL_MAX, &url) != 0 ||
	    act_text(c, "caCert", 0, CCSP_STORE_POOL_PEM_MAX, &ca) != 0)
		goto out;
	if (strncmp(url, "https://", 8) != 0 && !ccsp_tlcp_http_is_url(url)) {
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM, "url must be https://HOST:PORT or tlcp://HOST:PORT");
		goto out;
	}
	if (ccsp_tlcp_http_is_url(url) && ca == NULL) {
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM, "a tlcp:// url needs caCert (the CHSM's SM2 CA certificate)");
		goto out;
	}
	if (platform_key(c, &k, &created) != 0)
		goto out;
	audit_key_created(c, created);
	const ccsp_g88_target t = ccspd_g88_target(c->d, url, ca);
	if (first_key_configuration(c, &t, &k) != 0 ||
	    chsm_call(c, &t, &k.signer, "/chsm", json_pack("{s:s}", "oprType", "getinfo"), &info) != 0)
		goto out;
	snprintf(j->chsm.name, sizeof j->chsm.name, "%s", name);
	snprintf(j->chsm.url, sizeof j->chsm.url, "%s", url);
	snprintf(j->chsm.ca_pem, sizeof j->chsm.ca_pem, "%s", ca != NULL ? ca : "");
	copy_str(info, "manufacturer", j->chsm.vendor, sizeof j->chsm.vendor);
	copy_str(info, "model", j->chsm.model, sizeof j->chsm.model);
	copy_str(info, "sn", j->chsm.serial, sizeof j->chsm.serial);
	copy_str(info, "version", j->chsm.version, sizeof j->chsm.version);
	copy_str(info, "devicePublicKey", j->chsm.device_pk, sizeof j->chsm.device_pk);
	j->act.msg = "a CHSM of that name or url is registered";
	act_job_run(&j->act, register_fn, j);
out:
	json_decref(info);
	free(j);
}

static ccsp_err chsm_list_fn(ccsp_store_tx *tx, void *arg)
{
	chsm_job *j = arg;
	size_t n = 0;
	ccsp_store_pool_chsm *hs = calloc((size_t)j->limit, sizeof *hs);
	ccsp_err ret = hs != NULL ? ccsp_store_pool_chsm_list(tx, j->cursor, (size_t)j->limit, hs, &n) : CCSP_ERR_NOMEM;
	json_t *list = json_array();
	for (size_t i = 0; ret == CCSP_OK && i < n; i++) {
		int64_t vsms = 0;
		if ((ret = ccsp_store_pool_chsm_vsms(tx, hs[i].id, &vsms)) == CCSP_OK)
			json_array_append_new(list, chsm_json(&hs[i], vsms));
	}
	if (ret == CCSP_OK)
		act_job_result(&j->act, json_pack("{s:O, s:o}", "chsms", list, "next",
		                                  n == (size_t)j->limit ? json_string(hs[n - 1].id) : json_null()));
	json_decref(list);
	free(hs);
	return ret;
}

void ccspd_act_pool_chsm_list(ccspd_call *c)
{
	chsm_job *j = calloc(1, sizeof *j);
	if (j == NULL) {
		ccspd_call_fail(c, CCSP_APIERR_INTERNAL, NULL);
		return;
	}
	j->act.c = c;
	if (act_id(c, "cursor", 0, &j->cursor) == 0 &&
	    act_int(c, "limit", 1, CCSPD_LIST_MAX, CCSPD_LIST_DEFAULT, &j->limit) == 0)
		act_job_run(&j->act, chsm_list_fn, j);
	free(j);
}

static ccsp_err chsm_remove_fn(ccsp_store_tx *tx, void *arg)
{
	chsm_job *j = arg;
	ccsp_err ret = ccsp_store_pool_chsm_get(tx, j->id, &j->chsm);
	if (ret == CCSP_OK)
		ret = ccsp_store_pool_chsm_delete(tx, j->id);
	if (ret == CCSP_ERR_NOT_FOUND)
		return act_job_refuse(&j->act, CCSP_APIERR_NOT_FOUND, NULL);
	if (ret == CCSP_ERR_STATE)
		return act_job_refuse(&j->act, CCSP_APIERR_CONFLICT,
		                      "VSMs of the CHSM are devices of the pool: remove them first");
	CCSP_GUARD(ret);
	CCSP_GUARD(ccspd_audit(j->act.c, tx, "pool.chsm-remove", j->chsm.id, "ok",
	                       json_pack("{s:s, s:s}", "name", j->chsm.name, "url", j->chsm.url)));
	act_job_result(&j->act, chsm_json(&j->chsm, 0));
	return CCSP_OK;
}

void ccspd_act_pool_chsm_remove(ccspd_call *c)
{
	chsm_job *j = calloc(1, sizeof *j);
	if (j == NULL) {
		ccspd_call_fail(c, CCSP_APIERR_INTERNAL, NULL);
		return;
	}
	j->act.c = c;
	if (act_id(c, "chsmId", 1, &j->id) == 0)
		act_job_run(&j->act, chsm_remove_fn, j);
	free(j);
}

/* ---- a CHSM's VSM as a device ---- */

static json_t *vsm_device_json(const ccsp_store_pool_device *d, const ccsp_store_pool_vsm_link *l)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:n}", "deviceId", d->id, "name", d->name, "kind",
	                 d->kind, "chsmId", l->chsm_id, "vsmId", l->vsm_id, "address", l->address, "vendor", d->vendor,
	                 "model", d->model, "serial", d->serial, "groupId");
}

/* The CHSM, and whether the device's name or the VSM is registered already (checked before the VSM is touched:
 * a second registration must not replace the token of the first). */
static ccsp_err chsm_get_fn(ccsp_store_tx *tx, void *arg)
{
	chsm_job *j = arg;
	CCSP_GUARD(ccsp_store_pool_chsm_get(tx, j->id, &j->chsm));
	return ccsp_store_pool_device_taken(tx, j->dev.name, j->dev.address, &j->taken);
}

void ccspd_act_pool_chsm_vsm_register(ccspd_call *c)
{
	chsm_job *j = calloc(1, sizeof *j);
	const char *vsm, *name;
	ccspd_pool_fail f;
	if (j == NULL) {
		ccspd_call_fail(c, CCSP_APIERR_INTERNAL, NULL);
		return;
	}
	j->act.c = c;
	if (act_id(c, "chsmId", 1, &j->id) != 0 || act_str(c, "vsmId", 1, CCSP_STORE_POOL_VSM_ID_MAX, &vsm) != 0 ||
	    act_str(c, "name", 1, CCSP_STORE_NAME_MAX, &name) != 0)
		goto out;
	snprintf(j->dev.name, sizeof j->dev.name, "%s", name);
	snprintf(j->dev.address, sizeof j->dev.address, "chsm:%s/%s", j->id, vsm);
	ccsp_err ret = ccsp_store_run(c->d->store, chsm_get_fn, j);
	if (ret != CCSP_OK || j->taken) {
		act_fail(c, ret != CCSP_OK ? ret : CCSP_ERR_EXISTS,
		         ret == CCSP_ERR_NOT_FOUND ? "no such CHSM" : "a device of that name, or that CHSM's VSM, is registered");
		goto out;
	}
	if (ccspd_pool_vsm_lease(c->d, c, &j->chsm, vsm, &j->dev, &j->link, &f) != 0) {
		ccspd_call_fail(c, f.code, f.msg);
		goto out;
	}
	ccspd_call_ok(c, vsm_device_json(&j->dev, &j->link));
out:
	free(j);
}

/* ---- VSMs created by ccspd (createVSM; the callback completes them: api_g88_callback.c) ---- */

static json_t *task_json(const ccsp_store_pool_task *t)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:I, s:o}", "chsmRequestId", t->request_id, "chsmId",
	                 t->chsm_id, "oprType", t->opr_type, "vsmId", t->vsm_id, "name", t->name, "state", t->state,
	                 "status", (json_int_t)t->status, "message", t->message, "created", (json_int_t)t->created,
	                 "completed", t->completed != 0 ? json_integer(t->completed) : json_null());
}

static ccsp_err task_create_fn(ccsp_store_tx *tx, void *arg)
{
	chsm_job *j = arg;
	j->task.created = ccspd_now_ms(j->act.c->d);
	CCSP_GUARD(ccsp_store_pool_task_create(tx, &j->task));
	json_t *detail = json_pack("{s:s, s:s, s:s, s:I}", "chsmRequestId", j->task.request_id, "vsmId", j->task.vsm_id,
	                           "name", j->task.name, "flavor", (json_int_t)j->limit);
	if (j->copy_of != NULL) /* the export of the copied VSM is the task so far; the createVSM follows its callback */
		json_object_set_new(detail, "copyOf", json_string(j->copy_of));
	CCSP_GUARD(ccspd_audit(j->act.c, tx, "pool.chsm-vsm-create", j->chsm.id, "ok", detail));
	act_job_result(&j->act, task_json(&j->task));
	return CCSP_OK;
}

/* The device copied (a CHSM VSM in the pool) and its CHSM. */
static ccsp_err copy_src_fn(ccsp_store_tx *tx, void *arg)
{
	chsm_job *j = arg;
	CCSP_GUARD(ccsp_store_pool_vsm_get(tx, j->copy_of, &j->link));
	return ccsp_store_pool_chsm_get(tx, j->link.chsm_id, &j->src);
}

/* copyOf: exportVSM of the copied device's VSM; its callback has the CHSM chsmId make the copy (createVSM with the
 * image: api_g88_callback.c), whose own callback leases it. 0 with the task to record, or -1 after answering. */
static int copy_export(ccspd_call *c, chsm_job *j, const char *name)
{
	ccspd_pool_fail f;
	ccsp_err ret = ccsp_store_run(c->d->store, copy_src_fn, j);
	if (ret != CCSP_OK) {
		act_fail(c, ret, ret == CCSP_ERR_NOT_FOUND ? "copyOf: no CHSM VSM device of that id" : NULL);
		return -1;
	}
	if (ccspd_g88_export(c->d, &j->src, j->link.vsm_id, j->task.request_id, &f) != 0) {
		ccspd_call_fail(c, f.code, f.msg);
		return -1;
	}
	snprintf(j->task.chsm_id, sizeof j->task.chsm_id, "%s", j->src.id);
	snprintf(j->task.opr_type, sizeof j->task.opr_type, "copy-export");
	snprintf(j->task.vsm_id, sizeof j->task.vsm_id, "%s", j->link.vsm_id);
	snprintf(j->task.name, sizeof j->task.name, "%s", name);
	snprintf(j->task.detail, sizeof j->task.detail, "%s:%d", j->chsm.id, (int)j->limit);
	return 0;
}

void ccspd_act_pool_chsm_vsm_create(ccspd_call *c)
{
	chsm_job *j = calloc(1, sizeof *j);
	const char *name;
	ccspd_g88_key k;
	json_t *res = NULL;
	int created = 0;
	if (j == NULL) {
		ccspd_call_fail(c, CCSP_APIERR_INTERNAL, NULL);
		return;
	}
	j->act.c = c;
	if (act_id(c, "chsmId", 1, &j->id) != 0 || act_str(c, "name", 1, CCSP_STORE_NAME_MAX, &name) != 0 ||
	    act_int(c, "flavor", 1, 3, 1, &j->limit) != 0 || act_id(c, "copyOf", 0, &j->copy_of) != 0)
		goto out;
	snprintf(j->dev.name, sizeof j->dev.name, "%s", name);
	snprintf(j->dev.address, sizeof j->dev.address, "-"); /* not yet known: the name alone is checked */
	ccsp_err ret = ccsp_store_run(c->d->store, chsm_get_fn, j);
	if (ret != CCSP_OK || j->taken) {
		act_fail(c, ret != CCSP_OK ? ret : CCSP_ERR_EXISTS,
		         ret == CCSP_ERR_NOT_FOUND ? "no such CHSM" : "a device of that name is registered");
		goto out;
	}
	if (platform_key(c, &k, &created) != 0)
		goto out;
	audit_key_created(c, created);
	if (ccsp_g88_request_id(j->task.request_id) != CCSP_OK) {
		ccspd_call_fail(c, CCSP_APIERR_INTERNAL, NULL);
		goto out;
	}
	if (j->copy_of != NULL) {
		if (copy_export(c, j, name) == 0)
			act_job_run(&j->act, task_create_fn, j);
		goto out;
	}
	const ccsp_g88_target t = ccspd_g88_target(c->d, j->chsm.url, j->chsm.ca_pem);
	if (chsm_call(c, &t, &k.signer, "/vsm",
	              json_pack("{s:s, s:s, s:I, s:s}", "requestId", j->task.request_id, "oprType", "create", "flavor",
	                        (json_int_t)j->limit, "callbackUrl", c->d->g88_callback_url),
	              &res) != 0)
		goto out;
	json_t *vsm = json_object_get(res, "vsmId");
	if (!json_is_string(vsm) || json_string_length(vsm) == 0 || json_string_length(vsm) > CCSP_STORE_POOL_VSM_ID_MAX) {
		ccspd_call_fail(c, CCSP_APIERR_UNAVAILABLE, "the CHSM accepted createVSM without a vsmId");
		goto out;
	}
	snprintf(j->task.chsm_id, sizeof j->task.chsm_id, "%s", j->chsm.id);
	snprintf(j->task.opr_type, sizeof j->task.opr_type, "create");
	snprintf(j->task.vsm_id, sizeof j->task.vsm_id, "%s", json_string_value(vsm));
	snprintf(j->task.name, sizeof j->task.name, "%s", name);
	act_job_run(&j->act, task_create_fn, j);
out:
	json_decref(res);
	free(j);
}

static ccsp_err task_list_fn(ccsp_store_tx *tx, void *arg)
{
	chsm_job *j = arg;
	size_t n = 0;
	ccsp_store_pool_task *ts = calloc((size_t)j->limit, sizeof *ts);
	ccsp_err ret = ts != NULL ? ccsp_store_pool_task_list(tx, j->id, (size_t)j->limit, ts, &n) : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK) {
		json_t *list = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(list, task_json(&ts[i]));
		act_job_result(&j->act, json_pack("{s:o}", "tasks", list));
	}
	free(ts);
	return ret;
}

void ccspd_act_pool_chsm_task_list(ccspd_call *c)
{
	chsm_job *j = calloc(1, sizeof *j);
	if (j == NULL) {
		ccspd_call_fail(c, CCSP_APIERR_INTERNAL, NULL);
		return;
	}
	j->act.c = c;
	if (act_id(c, "chsmId", 0, &j->id) == 0 &&
	    act_int(c, "limit", 1, CCSPD_LIST_MAX, CCSPD_LIST_DEFAULT, &j->limit) == 0)
		act_job_run(&j->act, task_list_fn, j);
	free(j);
}

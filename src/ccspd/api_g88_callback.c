/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CHSMs' callbacks (GM/T 0088 §6.6; ccspd.h "api_g88_callback.c"): POST /gmt0088/callback, the URL ccspd gives
 * as callbackUrl (ccspd.conf g88_callback_url). No ccspd credentials: a callback is believed only when
 *   - its requestId names a task ccspd started (pool_chsm_tasks) and is still waiting for (a repeat is acknowledged
 *     and changes nothing), and
 *   - its CHSM-Signature verifies over the body with the device key of that task's CHSM (recorded from getCHSMInfo
 *     at registration; SM2WithSM3, default ID, DER or raw r || s), and
 *   - it names the task's VSM.
 * Anything else is refused (404 unknown task, 403 signature, 400 malformed) and changes nothing; the CHSM retries
 * refused callbacks by itself. An accepted one completes the task (done for status 200, else failed) with the
 * audit record pool.chsm-callback, is acknowledged, and — a VSM created — the VSM is then leased into the pool as
 * the device named at creation (pool_lease.c) on the task queue, after the answer: the lease calls the CHSM again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccsp/sm2.h>
#include <ccsp/sm2_asn1.h>

#include "ccspd/ccspd.h"
#include "common/b64.h"
#include "crypto/guard.h" /* CCSP_GUARD */

typedef struct cb_job {
	ccspd *d;
	ccsp_http_request *req;
	ccsp_store_pool_task task;
	ccsp_store_pool_chsm chsm;
	int64_t status;
	char message[CCSP_STORE_POOL_TASK_MESSAGE_MAX + 1];
	json_t *result; /* the callback's result (borrowed from its body while it is checked) */
	int repeated;
	/* copy-export: the image the result names */
	char image_url[CCSP_STORE_POOL_URL_MAX + 1], image_digest[CCSP_STORE_POOL_DIGEST_MAX + 1];
	int64_t image_size;
} cb_job;

/* 1 when the CHSM-Signature verifies over body with the CHSM's device key (Base64 SubjectPublicKeyInfo). */
static int signature_ok(const ccsp_store_pool_chsm *chsm, const char *sig64, const uint8_t *body, size_t len)
{
	uint8_t der[512], raw[128], sig[CCSP_SM2_SIGNATURE_SIZE];
	size_t derlen = 0, n = 0;
	int ok = 0;
	ccsp_sm2_key *k = ccsp_sm2_key_new();
	if (k == NULL || sig64 == NULL ||
	    ccsp_b64_decode(chsm->device_pk, strlen(chsm->device_pk), der, sizeof der, &derlen) != CCSP_OK ||
	    ccsp_sm2_key_decode(k, der, derlen, NULL, 0, NULL) != CCSP_OK ||
	    ccsp_b64_decode(sig64, strlen(sig64), raw, sizeof raw, &n) != CCSP_OK)
		goto out;
	if (n == sizeof sig)
		memcpy(sig, raw, sizeof sig);
	else if (ccsp_sm2_signature_from_der(raw, n, sig) != CCSP_OK)
		goto out;
	ok = ccsp_sm2_verify(k, (const uint8_t *)CCSP_SM2_DEFAULT_ID, CCSP_SM2_DEFAULT_ID_LEN, body, len, sig) == CCSP_OK;
out:
	ccsp_sm2_key_free(k);
	return ok;
}

/* The VSM the callback names: vsmId at the top, or in result (createVSM). */
static const char *callback_vsm(json_t *body)
{
	json_t *v = json_object_get(body, "vsmId");
	if (!json_is_string(v) || json_string_length(v) == 0)
		v = json_object_get(json_object_get(body, "result"), "vsmId");
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static ccsp_err lookup_fn(ccsp_store_tx *tx, void *arg)
{
	cb_job *j = arg;
	CCSP_GUARD(ccsp_store_pool_task_get(tx, j->task.request_id, &j->task));
	return ccsp_store_pool_chsm_get(tx, j->task.chsm_id, &j->chsm);
}

static ccsp_err complete_fn(ccsp_store_tx *tx, void *arg)
{
	cb_job *j = arg;
	int done = j->status == 200;
	ccsp_err ret = ccsp_store_pool_task_complete(tx, j->task.request_id, done ? "done" : "failed", j->status,
	                                             j->message, ccspd_now_ms(j->d));
	if (ret == CCSP_ERR_STATE) { /* a repeat: acknowledged, nothing changes */
		j->repeated = 1;
		return CCSP_OK;
	}
	CCSP_GUARD(ret);
	if (done && strcmp(j->task.opr_type, "export") == 0)
		CCSP_GUARD(ccspd_tvsm_exported(j->d, tx, &j->task, j->result));
	if (done && strcmp(j->task.opr_type, "reset") == 0) { /* a retired VSM is clean: forgotten */
		ret = ccsp_store_retired_vsm_remove(tx, j->task.chsm_id, j->task.vsm_id);
		CCSP_GUARD(ret == CCSP_ERR_NOT_FOUND ? CCSP_OK : ret);
	}
	char actor[CCSP_STORE_ID_LEN + 8];
	snprintf(actor, sizeof actor, "chsm:%s", j->chsm.id);
	return ccspd_audit_as(j->d, tx, actor, "chsm", NULL, "pool.chsm-callback", j->task.request_id,
	                      done ? "ok" : "failed",
	                      json_pack("{s:s, s:s, s:I, s:s}", "oprType", j->task.opr_type, "vsmId", j->task.vsm_id,
	                                "status", (json_int_t)j->status, "message", j->message));
}

/* After the answer: lease the created VSM as the device named at creation. */
static void lease_task(void *arg)
{
	cb_job *j = arg;
	ccsp_store_pool_device *dev = calloc(1, sizeof *dev);
	ccsp_store_pool_vsm_link *link = calloc(1, sizeof *link);
	ccspd_pool_fail f = {.code = CCSP_APIERR_INTERNAL, .msg = "out of memory"};
	int rc = -1;
	if (dev != NULL && link != NULL) {
		snprintf(dev->name, sizeof dev->name, "%s", j->task.name);
		rc = ccspd_pool_vsm_lease(j->d, NULL, &j->chsm, j->task.vsm_id, dev, link, &f);
	}
	if (rc != 0) {
		ccsp_log_event(j->d->log, "error", "ccspd.pool", "detail", "cannot lease the VSM the CHSM created",
		               "chsmId", j->chsm.id, "vsmId", j->task.vsm_id, "reason", f.msg, (char *)NULL);
		if (ccspd_audit_as(j->d, NULL, "system", "system", NULL, "pool.chsm-vsm-register", j->task.vsm_id,
		                   "failed", json_pack("{s:s, s:s, s:s}", "chsmId", j->chsm.id, "name", j->task.name,
		                                       "reason", f.msg)) != CCSP_OK)
			ccsp_log_event(j->d->log, "error", "ccspd.pool", "detail", "cannot audit a failed lease", (char *)NULL);
	}
	free(dev);
	free(link);
	free(j);
}

/* After the answer: a drift's end (the tenant moved onto the new VSM, or the drift freed for a later round). */
static void drift_task(void *arg)
{
	cb_job *j = arg;
	ccspd_tvsm_drift_done(j->d, &j->task, &j->chsm, j->status == 200);
	free(j);
}

static ccsp_err copy_target_fn(ccsp_store_tx *tx, void *arg)
{
	cb_job *j = arg;
	return ccsp_store_pool_chsm_get(tx, j->chsm.id, &j->chsm);
}

static ccsp_err copy_create_fn(ccsp_store_tx *tx, void *arg)
{
	cb_job *j = arg;
	j->task.created = ccspd_now_ms(j->d);
	CCSP_GUARD(ccsp_store_pool_task_create(tx, &j->task));
	return ccspd_audit_as(j->d, tx, "system", "system", NULL, "pool.chsm-vsm-create", j->chsm.id, "ok",
	                      json_pack("{s:s, s:s, s:s}", "chsmRequestId", j->task.request_id, "vsmId", j->task.vsm_id,
	                                "name", j->task.name));
}

/* The copy made on the CHSM the task's detail names ("<chsmId>:<flavor>"): createVSM with the image, signed by the
 * platform key, and the new task recorded. NULL, or why it was not (a constant or f->msg; j->task unchanged then). */
static const char *copy_make(cb_job *j, ccspd_pool_fail *f)
{
	char sig64[CCSPD_IMAGE_SIG_MAX + 1];
	const char *why = NULL, *colon = strchr(j->task.detail, ':');
	if (colon == NULL || (size_t)(colon - j->task.detail) != CCSP_STORE_ID_LEN)
		return "the task names no target CHSM";
	memcpy(j->chsm.id, j->task.detail, CCSP_STORE_ID_LEN);
	j->chsm.id[CCSP_STORE_ID_LEN] = '\0';
	int flavor = atoi(colon + 1);
	if (ccsp_store_run(j->d->store, copy_target_fn, j) != CCSP_OK)
		return "the target CHSM is no longer registered";
	if (ccspd_image_sign(j->d, j->image_url, j->image_digest, j->image_size, sig64, &why) != 0)
		return why != NULL ? why : "cannot sign the image";
	ccsp_store_pool_task t = j->task;
	if (ccsp_g88_request_id(j->task.request_id) != CCSP_OK ||
	    ccspd_g88_create_from_image(j->d, &j->chsm, flavor, j->image_url, sig64, &j->task, f) != 0) {
		why = f->msg;
	} else {
		j->task.detail[0] = '\0';
		if (ccsp_store_run(j->d->store, copy_create_fn, j) != CCSP_OK)
			why = "cannot record the task";
	}
	if (why != NULL)
		j->task = t;
	return why;
}

/* After the answer: a copied VSM's image is ready — the CHSM named in the task's detail makes the copy from it
 * (createVSM with the image, signed by the platform key); its callback leases it as the device named. */
static void copy_task(void *arg)
{
	cb_job *j = arg;
	ccspd_pool_fail f = {.code = CCSP_APIERR_INTERNAL, .msg = ""};
	const char *why = copy_make(j, &f);
	if (why != NULL) {
		ccsp_log_event(j->d->log, "error", "ccspd.pool", "detail", "cannot make the copy of a VSM", "vsmId",
		               j->task.vsm_id, "name", j->task.name, "reason", why, (char *)NULL);
		if (ccspd_audit_as(j->d, NULL, "system", "system", NULL, "pool.chsm-vsm-create", j->task.vsm_id, "failed",
		                   json_pack("{s:s, s:s}", "name", j->task.name, "reason", why)) != CCSP_OK)
			ccsp_log_event(j->d->log, "error", "ccspd.pool", "detail", "cannot audit a failed copy", (char *)NULL);
	}
	free(j);
}

/* The image a copy-export's result names, kept for copy_task: 0, or -1 when it names none. */
static int copy_image(cb_job *j)
{
	json_t *url = json_object_get(j->result, "imageUrl"), *dig = json_object_get(j->result, "digest"),
	       *size = json_object_get(j->result, "size");
	if (!json_is_string(url) || !json_is_string(dig) || !json_is_integer(size) ||
	    json_string_length(url) > CCSP_STORE_POOL_URL_MAX || json_string_length(dig) > CCSP_STORE_POOL_DIGEST_MAX)
		return -1;
	snprintf(j->image_url, sizeof j->image_url, "%s", json_string_value(url));
	snprintf(j->image_digest, sizeof j->image_digest, "%s", json_string_value(dig));
	j->image_size = json_integer_value(size);
	return 0;
}

/* Check and record the callback, answer it, then (a VSM created) start its lease or (a drift) move the tenant. */
static void callback_task(void *arg)
{
	cb_job *j = arg;
	ccsp_http_request *req = j->req;
	size_t len = 0;
	const uint8_t *body = ccsp_http_req_body(req, &len);
	json_t *o = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *rid = json_object_get(o, "requestId"), *st = json_object_get(o, "status"),
	       *msg = json_object_get(o, "message");
	ccsp_apierr e = CCSP_APIERR_COUNT_;
	const char *why = NULL;
	if (!json_is_object(o) || !json_is_string(rid) || json_string_length(rid) > CCSP_STORE_NAME_MAX ||
	    !json_is_integer(st)) {
		e = CCSP_APIERR_BAD_REQUEST, why = "not a GM/T 0088 callback (requestId, status)";
		goto answer;
	}
	snprintf(j->task.request_id, sizeof j->task.request_id, "%s", json_string_value(rid));
	j->status = json_integer_value(st);
	snprintf(j->message, sizeof j->message, "%s", json_is_string(msg) ? json_string_value(msg) : "");
	ccsp_err ret = ccsp_store_run(j->d->store, lookup_fn, j);
	if (ret != CCSP_OK) {
		e = ret == CCSP_ERR_NOT_FOUND ? CCSP_APIERR_NOT_FOUND : CCSP_APIERR_UNAVAILABLE;
		why = ret == CCSP_ERR_NOT_FOUND ? "no task of that requestId" : NULL;
		goto answer;
	}
	if (!signature_ok(&j->chsm, ccsp_http_req_header(req, "CHSM-Signature"), body, len)) {
		e = CCSP_APIERR_FORBIDDEN, why = "the CHSM-Signature does not verify with the CHSM's device key";
		goto answer;
	}
	const char *vsm = callback_vsm(o);
	if (vsm == NULL || strcmp(vsm, j->task.vsm_id) != 0) {
		e = CCSP_APIERR_BAD_REQUEST, why = "the callback names another VSM than the task's";
		goto answer;
	}
	j->result = json_object_get(o, "result");
	if (j->status == 200 && strcmp(j->task.opr_type, "copy-export") == 0 && copy_image(j) != 0) {
		e = CCSP_APIERR_BAD_REQUEST, why = "the export's callback names no image (imageUrl, digest, size)";
		goto answer;
	}
	ret = ccsp_store_run(j->d->store, complete_fn, j);
	if (ret != CCSP_OK)
		e = ret == CCSP_ERR_ARG ? CCSP_APIERR_BAD_REQUEST : CCSP_APIERR_UNAVAILABLE;
	j->result = NULL;
answer:
	json_decref(o);
	if (e != CCSP_APIERR_COUNT_) {
		ccspd_fail(j->d, req, e, why);
		free(j);
		return;
	}
	ccspd_ok(req, json_pack("{s:i, s:s}", "status", 200, "message", "success"));
	int ok = j->status == 200;
	void (*after)(void *) = strcmp(j->task.opr_type, "drift") == 0                  ? drift_task
	                        : strcmp(j->task.opr_type, "create") == 0 && ok        ? lease_task
	                        : strcmp(j->task.opr_type, "copy-export") == 0 && ok ? copy_task
	                                                                               : NULL;
	if (j->repeated || after == NULL || ccsp_taskq_submit(j->d->tasks, after, j) != CCSP_OK)
		free(j);
}

void ccspd_api_g88_callback(void *arg, ccsp_http_request *req)
{
	ccspd *d = arg;
	cb_job *j = calloc(1, sizeof *j);
	if (j != NULL)
		*j = (cb_job){.d = d, .req = req};
	if (j == NULL || ccsp_taskq_submit(d->tasks, callback_task, j) != CCSP_OK) {
		free(j);
		ccspd_fail(d, req, CCSP_APIERR_UNAVAILABLE, NULL);
	}
}

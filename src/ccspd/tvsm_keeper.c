/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tenants' own VSMs kept (docs/api-ccspd.md "Images and drift"; ccspd.h "tvsm_keeper.c"). Every
 * tenant_vsm_check_interval_s a ticker asks the CHSM of every retired VSM (released, or drifted away from) for its
 * reset until the CHSM confirms it; and, when ccspd.conf has image_upload_url, each tenant VSM's CHSM for getVSMInfo.
 *   - Answered and running: when its dataVersion (keys, token, file area) differs from the newest image's, the VSM
 *     is exported: configCHSMUploadAddress with image_upload_url, then exportVSM with ccspd's callback URL (task
 *     "export", named after that dataVersion). The CHSM's signed callback records the image (api_g88_callback.c).
 *   - Not answered, or not running, tenant_vsm_drift_after checks in a row: drift. With the drift claimed in the
 *     store (one node drifts a VSM at a time), the newest image is fetched from the image server and checked
 *     against the size and SM3 digest of the CHSM's signed callback, signed with the platform key, and createVSM
 *     with it asked of the registered CHSMs in turn, the failed VSM's own last (task "drift", named
 *     "<chsmId>/<vsmId>" of the failed VSM). The first that accepts runs it; its callback moves the tenant onto the
 *     new VSM, or frees the drift for a later round, which starts with the next CHSM (ccspd_tvsm_drift_done).
 * The image carries the VSM's keys, file area and token hash, sealed for the CHSMs' trust domain: a CHSM of another
 * domain refuses it (its callback fails, the next is asked), the tenant's token works on the new VSM, and ccspd
 * never sees a key. A CHSM that does not answer one call of a round is not asked again in that round: its other VSMs
 * count as not answered at once, so one unreachable CHSM delays a round by one call's timeout (10 s), not one per
 * VSM. Everything is audited: pool.tenant-vsm-export, pool.tenant-vsm-drift-start,
 * pool.tenant-vsm-drift (ok or failed), pool.vsm-reset-start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccspd/act.h"
#include "common/ticker.h"
#include "crypto/guard.h" /* CCSP_GUARD */

#define TVSM_WATCH_MAX 256                 /* tenant VSMs this node watches */
#define TVSM_CHSMS_MAX 64                  /* CHSMs asked for a drift */
#define TVSM_CALL_TIMEOUT_S 10             /* a health check's bound */
#define TVSM_EXPORT_WAIT_MS 120000         /* an export without its callback is asked again after this */
#define TVSM_DRIFT_STALE_MS 600000         /* a drift without its callback is taken over after this */

typedef struct tvsm_watch {
	char chsm_id[CCSP_STORE_ID_LEN + 1], vsm_id[CCSP_STORE_POOL_VSM_ID_MAX + 1];
	unsigned failures;  /* checks in a row that found it down */
	unsigned attempts;  /* drifts started: the next one starts with the next CHSM */
	int flavor;         /* as getVSMInfo last said */
	char exported[CCSP_STORE_POOL_DATA_VERSION_MAX + 1]; /* the dataVersion of the export asked last */
	int64_t exported_ms;
	int seen; /* listed in this round */
} tvsm_watch;

/* A retired VSM whose reset was asked (resetVSM): asked again when no callback came within TVSM_EXPORT_WAIT_MS. */
typedef struct tvsm_reset {
	char chsm_id[CCSP_STORE_ID_LEN + 1], vsm_id[CCSP_STORE_POOL_VSM_ID_MAX + 1];
	int64_t asked_ms;
} tvsm_reset;

struct ccspd_tvsm_keeper {
	char upload_url[CCSP_STORE_POOL_URL_MAX + 1]; /* "": no images, no drift (resets only) */
	uint32_t drift_after;
	ccsp_ticker *ticker;
	tvsm_watch watch[TVSM_WATCH_MAX];
	size_t n;
	tvsm_reset resets[TVSM_WATCH_MAX];
	size_t nresets;
};

/* ---- one CHSM call ---- */

/* A round's calls: the platform key, loaded at the first call, and the CHSMs that did not answer at all — their
 * other VSMs are not asked again in the round, so a CHSM that is unreachable (or hangs) costs one call's timeout
 * per round, not one per VSM, and the VSMs of the other CHSMs are checked on time. */
typedef struct tvsm_round {
	ccspd *d;
	int key_state; /* 0: not loaded yet, 1: loaded, -1: cannot be loaded */
	ccspd_g88_key key;
	char silent[TVSM_CHSMS_MAX][CCSP_STORE_ID_LEN + 1];
	size_t nsilent;
} tvsm_round;

static int round_silent(const tvsm_round *rd, const char *chsm_id)
{
	for (size_t i = 0; i < rd->nsilent; i++)
		if (strcmp(rd->silent[i], chsm_id) == 0)
			return 1;
	return 0;
}

static int round_key(tvsm_round *rd)
{
	int created = 0;
	if (rd->key_state == 0)
		rd->key_state = ccspd_g88_key_load(rd->d, 0, &rd->key, &created) == CCSP_OK ? 1 : -1;
	return rd->key_state;
}

static int g88(tvsm_round *rd, const ccsp_store_pool_chsm *chsm, const char *path, json_t *req, json_t **result,
               ccspd_pool_fail *f)
{
	f->no_answer = 0;
	if (round_silent(rd, chsm->id)) {
		json_decref(req);
		f->code = CCSP_APIERR_UNAVAILABLE;
		f->no_answer = 1;
		snprintf(f->msg, sizeof f->msg, "the CHSM did not answer earlier in this round");
		return -1;
	}
	if (round_key(rd) != 1) {
		json_decref(req);
		f->code = CCSP_APIERR_CRYPTO_MODULE;
		snprintf(f->msg, sizeof f->msg, "cannot load the platform's GM/T 0088 key");
		return -1;
	}
	ccsp_g88_target t = ccspd_g88_target(rd->d, chsm->url, chsm->ca_pem);
	t.timeout_s = TVSM_CALL_TIMEOUT_S;
	int ret = ccspd_g88_call(&t, &rd->key.signer, path, req, result, f);
	if (ret != 0 && f->no_answer && rd->nsilent < TVSM_CHSMS_MAX)
		snprintf(rd->silent[rd->nsilent++], sizeof rd->silent[0], "%s", chsm->id);
	return ret;
}

static void log_fail(ccspd *d, const char *what, const char *chsm_id, const char *vsm_id, const char *why)
{
	ccsp_log_event(d->log, "warn", "ccspd.tvsm", "detail", what, "chsmId", chsm_id, "vsmId", vsm_id, "reason", why,
	               (char *)NULL);
}

/* ---- export ---- */

typedef struct task_rec {
	ccspd *d;
	ccsp_store_pool_task task;
	const char *action; /* audit action */
	json_t *detail;     /* audit detail (borrowed) */
} task_rec;

static ccsp_err task_rec_fn(ccsp_store_tx *tx, void *arg)
{
	task_rec *r = arg;
	r->task.created = ccspd_now_ms(r->d);
	CCSP_GUARD(ccsp_store_pool_task_create(tx, &r->task));
	return ccspd_audit_as(r->d, tx, "system", "system", NULL, r->action, r->task.vsm_id, "ok", json_incref(r->detail));
}

static void export_vsm(ccspd *d, const ccsp_store_pool_chsm *chsm, tvsm_watch *w, const char *version)
{
	ccspd_pool_fail f;
	task_rec r = {.d = d, .action = "pool.tenant-vsm-export"};
	if (ccsp_g88_request_id(r.task.request_id) != CCSP_OK)
		return;
	if (ccspd_g88_export(d, chsm, w->vsm_id, r.task.request_id, &f) != 0) {
		log_fail(d, "cannot export a tenant VSM", w->chsm_id, w->vsm_id, f.msg);
		return;
	}
	snprintf(r.task.chsm_id, sizeof r.task.chsm_id, "%s", chsm->id);
	snprintf(r.task.opr_type, sizeof r.task.opr_type, "export");
	snprintf(r.task.vsm_id, sizeof r.task.vsm_id, "%s", w->vsm_id);
	snprintf(r.task.name, sizeof r.task.name, "%s", version);
	r.detail = json_pack("{s:s, s:s, s:s}", "chsmId", chsm->id, "chsmRequestId", r.task.request_id, "dataVersion",
	                     version);
	if (ccsp_store_run(d->store, task_rec_fn, &r) != CCSP_OK)
		log_fail(d, "cannot record an export", w->chsm_id, w->vsm_id, "store");
	json_decref(r.detail);
	snprintf(w->exported, sizeof w->exported, "%s", version);
	w->exported_ms = ccspd_now_ms(d);
}

/* ---- drift ---- */

typedef struct claim_job {
	ccspd *d;
	const tvsm_watch *w;
	const char *task;
	ccsp_store_tvsm_image img;
	ccsp_store_pool_chsm *chsms;
	size_t nchsms;
} claim_job;

/* The image, the drift claimed for task, and the CHSMs to ask. */
static ccsp_err claim_fn(ccsp_store_tx *tx, void *arg)
{
	claim_job *j = arg;
	CCSP_GUARD(ccsp_store_tvsm_image_get(tx, j->w->chsm_id, j->w->vsm_id, &j->img));
	int64_t now = ccspd_now_ms(j->d);
	CCSP_GUARD(ccsp_store_tvsm_drift_claim(tx, j->w->chsm_id, j->w->vsm_id, j->task, now, now - TVSM_DRIFT_STALE_MS));
	return ccsp_store_pool_chsm_list(tx, "", TVSM_CHSMS_MAX, j->chsms, &j->nchsms);
}

static ccsp_err release_fn(ccsp_store_tx *tx, void *arg)
{
	claim_job *j = arg;
	return ccsp_store_tvsm_drift_release(tx, j->w->chsm_id, j->w->vsm_id, j->task);
}

/* Ask CHSM i for a VSM made from the image, with the drift's requestId (a refusal records nothing, so the next
 * CHSM is asked with the same): 0 when it accepted and the task is recorded. */
static int ask_chsm(ccspd *d, claim_job *j, size_t i, tvsm_watch *w, const char *sig64)
{
	ccspd_pool_fail f;
	task_rec r = {.d = d, .action = "pool.tenant-vsm-drift-start"};
	snprintf(r.task.request_id, sizeof r.task.request_id, "%s", j->task);
	if (ccspd_g88_create_from_image(d, &j->chsms[i], w->flavor, j->img.url, sig64, &r.task, &f) != 0) {
		log_fail(d, "a CHSM refused the drift's createVSM", j->chsms[i].id, w->vsm_id, f.msg);
		return -1;
	}
	snprintf(r.task.opr_type, sizeof r.task.opr_type, "drift");
	snprintf(r.task.name, sizeof r.task.name, "%s/%s", w->chsm_id, w->vsm_id);
	r.detail = json_pack("{s:s, s:s, s:s, s:s, s:s}", "fromChsmId", w->chsm_id, "fromVsmId", w->vsm_id, "toChsmId",
	                     j->chsms[i].id, "toVsmId", r.task.vsm_id, "chsmRequestId", j->task);
	int ok = ccsp_store_run(d->store, task_rec_fn, &r) == CCSP_OK;
	json_decref(r.detail);
	return ok ? 0 : -1;
}

/* Ask the CHSMs in turn, starting with the attempt's, the failed VSM's own last: 0 once one accepted. */
static int ask_chsms(ccspd *d, claim_job *j, tvsm_watch *w, const char *sig64)
{
	size_t n = j->nchsms, own = n;
	for (size_t i = 0; i < n; i++)
		if (strcmp(j->chsms[i].id, w->chsm_id) == 0)
			own = i;
	for (size_t t = 0; t < n; t++) {
		size_t i = (w->attempts + t) % n;
		if (i != own && ask_chsm(d, j, i, w, sig64) == 0)
			return 0;
	}
	return own < n ? ask_chsm(d, j, own, w, sig64) : -1;
}

static void drift(ccspd *d, tvsm_watch *w, const char *down)
{
	char task[CCSP_G88_REQUEST_ID_LEN + 1], sig64[CCSPD_IMAGE_SIG_MAX + 1];
	const char *why = "no CHSM accepted the image";
	claim_job j = {.d = d, .w = w, .task = task, .chsms = calloc(TVSM_CHSMS_MAX, sizeof *j.chsms)};
	if (j.chsms == NULL || ccsp_g88_request_id(task) != CCSP_OK)
		goto out;
	ccsp_err ret = ccsp_store_run(d->store, claim_fn, &j);
	if (ret != CCSP_OK) {
		if (ret != CCSP_ERR_STATE) /* STATE: another round or node drifts it */
			log_fail(d, "cannot drift a tenant VSM", w->chsm_id, w->vsm_id,
			         ret == CCSP_ERR_NOT_FOUND ? "no image of it yet" : ccsp_err_name(ret));
		goto out;
	}
	log_fail(d, "a tenant VSM is down: drifting it", w->chsm_id, w->vsm_id, down);
	if (ccspd_image_sign(d, j.img.url, j.img.digest, j.img.size, sig64, &why) != 0 ||
	    (why = "no CHSM accepted the image", ask_chsms(d, &j, w, sig64)) != 0) {
		log_fail(d, "cannot drift a tenant VSM", w->chsm_id, w->vsm_id, why);
		if (ccsp_store_run(d->store, release_fn, &j) != CCSP_OK)
			log_fail(d, "cannot free a drift", w->chsm_id, w->vsm_id, "store");
	}
	w->attempts++; /* the next drift of it starts with the next CHSM */
out:
	free(j.chsms);
}

/* ---- the rounds ---- */

static tvsm_watch *watch_of(ccspd_tvsm_keeper *k, const char *chsm_id, const char *vsm_id)
{
	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->watch[i].chsm_id, chsm_id) == 0 && strcmp(k->watch[i].vsm_id, vsm_id) == 0)
			return &k->watch[i];
	if (k->n == TVSM_WATCH_MAX)
		return NULL;
	tvsm_watch *w = &k->watch[k->n++];
	memset(w, 0, sizeof *w);
	snprintf(w->chsm_id, sizeof w->chsm_id, "%s", chsm_id);
	snprintf(w->vsm_id, sizeof w->vsm_id, "%s", vsm_id);
	w->flavor = 1;
	return w;
}

/* Forget the VSMs no longer a tenant's (moved, released). */
static void watch_prune(ccspd_tvsm_keeper *k)
{
	size_t m = 0;
	for (size_t i = 0; i < k->n; i++)
		if (k->watch[i].seen)
			k->watch[m++] = k->watch[i];
	k->n = m;
}

typedef struct round_job {
	ccsp_store_tenant_vsm *vsms;
	size_t n;
	ccsp_store_pool_chsm chsm;
	ccsp_store_tvsm_image img;
	int has_img;
	const ccsp_store_tenant_vsm *v;
} round_job;

static ccsp_err list_fn(ccsp_store_tx *tx, void *arg)
{
	round_job *r = arg;
	return ccsp_store_tenant_vsm_list(tx, NULL, TVSM_WATCH_MAX, r->vsms, &r->n);
}

static ccsp_err vsm_fn(ccsp_store_tx *tx, void *arg)
{
	round_job *r = arg;
	CCSP_GUARD(ccsp_store_pool_chsm_get(tx, r->v->chsm_id, &r->chsm));
	ccsp_err ret = ccsp_store_tvsm_image_get(tx, r->v->chsm_id, r->v->vsm_id, &r->img);
	r->has_img = ret == CCSP_OK;
	return ret == CCSP_ERR_NOT_FOUND ? CCSP_OK : ret;
}

/* Down: the CHSM does not answer for the VSM, or says it stopped or failed. Its passing states (starting,
 * restarting around a token change, importing, ...) are neither up nor down: they do not count towards a drift. */
static int vsm_down(int answered, const char *run)
{
	return !answered || run == NULL || strcmp(run, "stopped") == 0 || strcmp(run, "error") == 0 ||
	       strcmp(run, "deleting") == 0;
}

/* One VSM's check: export it when its data changed, drift it when down too long. */
static void check_vsm(ccspd *d, tvsm_round *rd, round_job *r, tvsm_watch *w)
{
	ccspd_tvsm_keeper *k = d->tvsm_keeper;
	ccspd_pool_fail f = {.code = CCSP_APIERR_UNAVAILABLE, .msg = "no answer"};
	json_t *info = NULL;
	if (ccsp_store_run(d->store, vsm_fn, r) != CCSP_OK)
		return;
	int answered = g88(rd, &r->chsm, "/vsm", json_pack("{s:s, s:s}", "oprType", "getinfo", "vsmId", w->vsm_id),
	                   &info, &f) == 0;
	const char *run = json_string_value(json_object_get(info, "runStatus"));
	const char *version = json_string_value(json_object_get(info, "dataVersion"));
	int up = answered && run != NULL && strcmp(run, "running") == 0;
	if (up) {
		w->failures = 0;
		json_t *fl = json_object_get(info, "flavor");
		if (json_is_integer(fl) && json_integer_value(fl) >= 1 && json_integer_value(fl) <= 3)
			w->flavor = (int)json_integer_value(fl);
		int current = r->has_img && version != NULL && strcmp(r->img.data_version, version) == 0;
		int asked = version != NULL && strcmp(w->exported, version) == 0 &&
		            ccspd_now_ms(d) - w->exported_ms < TVSM_EXPORT_WAIT_MS;
		if (version != NULL && strlen(version) <= CCSP_STORE_POOL_DATA_VERSION_MAX && !current && !asked)
			export_vsm(d, &r->chsm, w, version);
	} else if (vsm_down(answered, run) &&
	           ++w->failures >= k->drift_after * (w->attempts + 1)) { /* one attempt per drift_after checks */
		drift(d, w, !answered ? f.msg : run != NULL ? run : "no runStatus");
	}
	json_decref(info);
}

/* ---- retired VSMs: reset ---- */

typedef struct retired_job {
	ccsp_store_retired_vsm *list;
	size_t n;
	const ccsp_store_retired_vsm *v;
	ccsp_store_pool_chsm chsm;
} retired_job;

static ccsp_err retired_list_fn(ccsp_store_tx *tx, void *arg)
{
	retired_job *r = arg;
	return ccsp_store_retired_vsm_list(tx, TVSM_WATCH_MAX, r->list, &r->n);
}

static ccsp_err retired_chsm_fn(ccsp_store_tx *tx, void *arg)
{
	retired_job *r = arg;
	return ccsp_store_pool_chsm_get(tx, r->v->chsm_id, &r->chsm);
}

/* v's note, marked asked now; NULL when its reset was asked within TVSM_EXPORT_WAIT_MS (its callback may come). */
static tvsm_reset *reset_note(ccspd *d, const ccsp_store_retired_vsm *v)
{
	ccspd_tvsm_keeper *k = d->tvsm_keeper;
	int64_t now = ccspd_now_ms(d);
	tvsm_reset *e = NULL;
	for (size_t i = 0; i < k->nresets && e == NULL; i++)
		if (strcmp(k->resets[i].chsm_id, v->chsm_id) == 0 && strcmp(k->resets[i].vsm_id, v->vsm_id) == 0)
			e = &k->resets[i];
	if (e != NULL && e->asked_ms != 0 && now - e->asked_ms < TVSM_EXPORT_WAIT_MS)
		return NULL;
	if (e == NULL) {
		if (k->nresets == TVSM_WATCH_MAX)
			k->nresets = 0; /* forget the notes: at worst a reset is asked twice */
		e = &k->resets[k->nresets++];
		memcpy(e->chsm_id, v->chsm_id, sizeof e->chsm_id);
		memcpy(e->vsm_id, v->vsm_id, sizeof e->vsm_id);
	}
	e->asked_ms = now;
	return e;
}

/* Ask the CHSM of every retired VSM for its reset; the callback forgets it (api_g88_callback.c). A CHSM that does
 * not answer (the one a drift left) is asked again at each round until it does. */
static void reset_retired(ccspd *d, tvsm_round *rd)
{
	retired_job r = {.list = calloc(TVSM_WATCH_MAX, sizeof *r.list)};
	if (r.list == NULL || ccsp_store_run(d->store, retired_list_fn, &r) != CCSP_OK) {
		free(r.list);
		return;
	}
	for (size_t i = 0; i < r.n && !d->stopping; i++) {
		ccspd_pool_fail f;
		json_t *res = NULL;
		task_rec t = {.d = d, .action = "pool.vsm-reset-start"};
		tvsm_reset *note;
		r.v = &r.list[i];
		if (ccsp_store_run(d->store, retired_chsm_fn, &r) != CCSP_OK || (note = reset_note(d, r.v)) == NULL ||
		    ccsp_g88_request_id(t.task.request_id) != CCSP_OK)
			continue;
		if (g88(rd, &r.chsm, "/vsm",
		        json_pack("{s:s, s:s, s:s, s:s}", "requestId", t.task.request_id, "oprType", "reset", "vsmId",
		                  r.v->vsm_id, "callbackUrl", d->g88_callback_url),
		        &res, &f) != 0) {
			note->asked_ms = 0; /* not asked after all: again next round */
			json_decref(res);
			continue;
		}
		json_decref(res);
		snprintf(t.task.chsm_id, sizeof t.task.chsm_id, "%s", r.v->chsm_id);
		snprintf(t.task.opr_type, sizeof t.task.opr_type, "reset");
		snprintf(t.task.vsm_id, sizeof t.task.vsm_id, "%s", r.v->vsm_id);
		snprintf(t.task.name, sizeof t.task.name, "%s", r.v->reason);
		t.detail = json_pack("{s:s, s:s, s:s}", "chsmId", r.v->chsm_id, "reason", r.v->reason, "chsmRequestId",
		                     t.task.request_id);
		if (ccsp_store_run(d->store, task_rec_fn, &t) != CCSP_OK)
			log_fail(d, "cannot record a reset", r.v->chsm_id, r.v->vsm_id, "store");
		json_decref(t.detail);
	}
	free(r.list);
}

/* Every tenant VSM's check. */
static void check_tenant_vsms(ccspd *d, tvsm_round *rd)
{
	ccspd_tvsm_keeper *k = d->tvsm_keeper;
	round_job r = {.vsms = calloc(TVSM_WATCH_MAX, sizeof *r.vsms)};
	if (r.vsms == NULL || ccsp_store_run(d->store, list_fn, &r) != CCSP_OK) {
		free(r.vsms);
		return;
	}
	for (size_t i = 0; i < k->n; i++)
		k->watch[i].seen = 0;
	for (size_t i = 0; i < r.n && !d->stopping; i++) {
		tvsm_watch *w = watch_of(k, r.vsms[i].chsm_id, r.vsms[i].vsm_id);
		if (w == NULL)
			break;
		w->seen = 1;
		r.v = &r.vsms[i];
		check_vsm(d, rd, &r, w);
	}
	watch_prune(k);
	free(r.vsms);
}

static void tick(void *arg)
{
	ccspd *d = arg;
	ccspd_tvsm_keeper *k = d->tvsm_keeper;
	tvsm_round *rd = calloc(1, sizeof *rd);
	if (rd == NULL)
		return;
	rd->d = d;
	reset_retired(d, rd);
	if (k->upload_url[0] != '\0') /* images and drift on */
		check_tenant_vsms(d, rd);
	free(rd);
}

/* ---- the CHSMs' callbacks (api_g88_callback.c) ---- */

ccsp_err ccspd_tvsm_exported(ccspd *d, ccsp_store_tx *tx, const ccsp_store_pool_task *t, json_t *result)
{
	ccsp_store_tvsm_image img = {.created = ccspd_now_ms(d)};
	json_t *url = json_object_get(result, "imageUrl"), *dig = json_object_get(result, "digest"),
	       *size = json_object_get(result, "size");
	if (!json_is_string(url) || !json_is_string(dig) || !json_is_integer(size) ||
	    json_string_length(url) > CCSP_STORE_POOL_URL_MAX || json_string_length(dig) > CCSP_STORE_POOL_DIGEST_MAX)
		return CCSP_ERR_ARG;
	snprintf(img.chsm_id, sizeof img.chsm_id, "%s", t->chsm_id);
	snprintf(img.vsm_id, sizeof img.vsm_id, "%s", t->vsm_id);
	snprintf(img.url, sizeof img.url, "%s", json_string_value(url));
	snprintf(img.digest, sizeof img.digest, "%s", json_string_value(dig));
	if (strlen(t->name) > CCSP_STORE_POOL_DATA_VERSION_MAX)
		return CCSP_ERR_ARG;
	memcpy(img.data_version, t->name, strlen(t->name) + 1);
	img.size = json_integer_value(size);
	ccsp_err ret = ccsp_store_tvsm_image_put(tx, &img);
	return ret == CCSP_ERR_NOT_FOUND ? CCSP_OK : ret; /* no longer a tenant's (moved meanwhile): nothing to keep */
}

typedef struct drift_job {
	ccspd *d;
	const ccsp_store_pool_task *t;
	char from_chsm[CCSP_STORE_ID_LEN + 1], from_vsm[CCSP_STORE_POOL_VSM_ID_MAX + 1];
	ccsp_store_tenant_vsm to;
	int ok;
	const char *why;
} drift_job;

static ccsp_err drift_done_fn(ccsp_store_tx *tx, void *arg)
{
	drift_job *j = arg;
	json_t *detail = json_pack("{s:s, s:s, s:s, s:s, s:s}", "fromChsmId", j->from_chsm, "fromVsmId", j->from_vsm,
	                           "toChsmId", j->t->chsm_id, "toVsmId", j->t->vsm_id, "reason", j->why);
	if (j->ok) {
		ccsp_err ret = ccsp_store_tenant_vsm_move(tx, j->from_chsm, j->from_vsm, j->t->request_id, &j->to,
		                                          ccspd_now_ms(j->d));
		if (ret != CCSP_OK) {
			json_decref(detail);
			return ret;
		}
		json_object_set_new(detail, "tenantId", json_string(j->to.tenant_id));
		json_object_set_new(detail, "address", json_string(j->to.address));
	} else {
		ccsp_err ret = ccsp_store_tvsm_drift_release(tx, j->from_chsm, j->from_vsm, j->t->request_id);
		if (ret != CCSP_OK && ret != CCSP_ERR_STATE && ret != CCSP_ERR_NOT_FOUND) {
			json_decref(detail);
			return ret;
		}
	}
	return ccspd_audit_as(j->d, tx, "system", "system", NULL, "pool.tenant-vsm-drift", j->from_vsm,
	                      j->ok ? "ok" : "failed", detail);
}

void ccspd_tvsm_drift_done(ccspd *d, const ccsp_store_pool_task *t, const ccsp_store_pool_chsm *chsm, int done)
{
	drift_job j = {.d = d, .t = t, .ok = done, .why = done ? "" : t->message};
	ccspd_pool_fail f;
	const char *slash = strchr(t->name, '/');
	if (slash == NULL || (size_t)(slash - t->name) > CCSP_STORE_ID_LEN)
		return;
	snprintf(j.from_chsm, sizeof j.from_chsm, "%.*s", (int)(slash - t->name), t->name);
	snprintf(j.from_vsm, sizeof j.from_vsm, "%s", slash + 1);
	snprintf(j.to.chsm_id, sizeof j.to.chsm_id, "%s", t->chsm_id);
	snprintf(j.to.vsm_id, sizeof j.to.vsm_id, "%s", t->vsm_id);
	if (done && ccspd_g88_vsm_info(d, chsm, t->vsm_id, j.to.address, j.to.cert_pem, &f) != 0) {
		j.ok = 0;
		j.why = "the new VSM gives no address";
	}
	ccsp_err ret = ccsp_store_run(d->store, drift_done_fn, &j);
	ccsp_log_event(d->log, j.ok && ret == CCSP_OK ? "info" : "error", "ccspd.tvsm", "detail",
	               j.ok && ret == CCSP_OK ? "a tenant VSM drifted" : "a tenant VSM's drift failed", "fromVsmId",
	               j.from_vsm, "toChsmId", t->chsm_id, "toVsmId", t->vsm_id, "reason",
	               ret != CCSP_OK ? ccsp_err_name(ret) : j.why, (char *)NULL);
}

/* ---- life ---- */

ccsp_err ccspd_tvsm_keeper_open(ccspd *d, const ccsp_config *cfg, char *err, size_t errlen)
{
	uint32_t interval, after;
	const char *url = ccsp_config_get_or(cfg, "image_upload_url", "");
	if (ccsp_config_get_u32(cfg, "tenant_vsm_check_interval_s", 1, 3600, 10, &interval, err, errlen) != CCSP_OK ||
	    ccsp_config_get_u32(cfg, "tenant_vsm_drift_after", 1, 1000, 3, &after, err, errlen) != CCSP_OK)
		return CCSP_ERR_ARG;
	if (strlen(url) > CCSP_STORE_POOL_URL_MAX ||
	    (url[0] != '\0' && strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)) {
		snprintf(err, errlen, "image_upload_url: an http(s) URL of at most %d bytes", CCSP_STORE_POOL_URL_MAX);
		return CCSP_ERR_ARG;
	}
	ccspd_tvsm_keeper *k = calloc(1, sizeof *k);
	if (k == NULL)
		return CCSP_ERR_NOMEM;
	memcpy(k->upload_url, url, strlen(url) + 1);
	k->drift_after = after;
	d->tvsm_keeper = k;
	return ccsp_ticker_start(interval * 1000, interval * 1000, tick, d, &k->ticker);
}

void ccspd_tvsm_keeper_close(ccspd *d)
{
	if (d->tvsm_keeper == NULL)
		return;
	ccsp_ticker_stop(d->tvsm_keeper->ticker);
	free(d->tvsm_keeper);
	d->tvsm_keeper = NULL;
}

const char *ccspd_image_upload_url(const ccspd *d)
{
	return d->tvsm_keeper != NULL ? d->tvsm_keeper->upload_url : "";
}

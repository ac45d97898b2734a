/* SPDX-License-Identifier: Apache-2.0 */
/* Operations endpoints: liveness, readiness, Prometheus metrics (the last two read the store: on the task queue). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ccspd/ccspd.h"

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Alive: the process answers. */
void ccspd_api_healthz(void *arg, ccsp_http_request *req)
{
	(void)arg;
	ccspd_ok(req, json_pack("{s:s}", "status", "ok"));
}

typedef struct ready_job {
	ccspd *d;
	ccsp_http_request *req;
} ready_job;

/* Ready: the platform VSM answers (checked on the task queue: it is a network round trip). */
static void readyz_task(void *arg)
{
	ready_job *j = arg;
	ccsp_http_request *req = j->req;
	ccspd *d = j->d;
	free(j);
	int vsm = d->pvsm != NULL && ccsp_pvsm_ready(d->pvsm);
	ccsp_store_tx *tx = NULL;
	int store = ccsp_store_begin_ro(d->store, &tx) == CCSP_OK;
	if (tx != NULL)
		ccsp_store_rollback(tx);
	json_t *body = json_pack("{s:s, s:{s:s, s:s}, s:s}", "status", vsm && store ? "ready" : "not ready", "checks",
	                         "vsm", vsm ? "ok" : "unavailable", "store", store ? "ok" : "unavailable", "requestId",
	                         ccsp_http_req_id(req));
	ccsp_http_respond_json(req, vsm && store ? 200 : 503, body);
	json_decref(body);
}

void ccspd_api_readyz(void *arg, ccsp_http_request *req)
{
	ccspd *d = arg;
	ready_job *j = calloc(1, sizeof *j);
	if (j != NULL)
		*j = (ready_job){.d = d, .req = req};
	if (j == NULL || ccsp_taskq_submit(d->tasks, readyz_task, j) != CCSP_OK) {
		free(j);
		ccspd_fail(d, req, CCSP_APIERR_UNAVAILABLE, NULL);
	}
}

/* The live sessions per tenant (unexpired, used within the idle limit), counted in the store at most once per
 * SESSIONS_EVERY_MS whatever the scrape rate — never per request — into the metrics' gauge; left as last counted
 * when the store does not answer. */
#define SESSIONS_EVERY_MS 5000

static void count_sessions(ccspd *d)
{
	int64_t t = now_ms(), last = atomic_load(&d->sessions_counted_ms);
	if (t - last < SESSIONS_EVERY_MS || !atomic_compare_exchange_strong(&d->sessions_counted_ms, &last, t))
		return; /* counted lately, or another scrape is counting now */
	ccsp_store_tenant_count *rows = calloc(CCSP_STORE_LIST_MAX, sizeof *rows);
	const char **ids = calloc(CCSP_STORE_LIST_MAX, sizeof *ids);
	int64_t *counts = calloc(CCSP_STORE_LIST_MAX, sizeof *counts), total = 0, now = ccspd_now_ms(d);
	size_t n = 0;
	ccsp_store_tx *tx = NULL;
	ccsp_err ret = rows != NULL && ids != NULL && counts != NULL ? ccsp_store_begin_ro(d->store, &tx) : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK)
		ret = ccsp_store_session_count_tenants(tx, now, now - (int64_t)d->session_idle_s * 1000, CCSP_STORE_LIST_MAX,
		                                       rows, &n, &total);
	ccsp_store_rollback(tx);
	for (size_t i = 0; ret == CCSP_OK && i < n; i++) {
		ids[i] = rows[i].tenant_id;
		counts[i] = rows[i].n;
	}
	if (ret == CCSP_OK)
		ccsp_metrics_tenant_sessions(d->metrics, ids, counts, n, total);
	free(rows);
	free(ids);
	free(counts);
}

/* On the task queue: the session count is a store read. */
static void metrics_task(void *arg)
{
	ready_job *j = arg;
	ccsp_http_request *req = j->req;
	ccspd *d = j->d;
	free(j);
	static const char *const names[] = {"ccsp_up", "ccsp_uptime_seconds", "ccsp_usage_pending_rows",
	                                    "ccsp_usage_dropped_calls"};
	double values[] = {1, (double)(now_ms() - d->started_ms) / 1000.0,
	                   d->metering != NULL ? (double)ccsp_metering_pending(d->metering) : 0,
	                   d->metering != NULL ? (double)ccsp_metering_dropped(d->metering) : 0};
	count_sessions(d);
	char *text = ccsp_metrics_render(d->metrics, names, values, sizeof values / sizeof values[0]);
	char *pool = ccspd_pool_metrics(d), *all = NULL;
	if (text != NULL && pool != NULL && asprintf(&all, "%s%s", text, pool) < 0)
		all = NULL;
	free(text);
	free(pool);
	if (all == NULL) {
		ccspd_fail(d, req, CCSP_APIERR_INTERNAL, NULL);
		return;
	}
	ccsp_http_respond_raw(req, 200, "text/plain; version=0.0.4; charset=utf-8", all, strlen(all));
	free(all);
}

void ccspd_api_metrics(void *arg, ccsp_http_request *req)
{
	ccspd *d = arg;
	ready_job *j = calloc(1, sizeof *j);
	if (j != NULL)
		*j = (ready_job){.d = d, .req = req};
	if (j == NULL || ccsp_taskq_submit(d->tasks, metrics_task, j) != CCSP_OK) {
		free(j);
		ccspd_fail(d, req, CCSP_APIERR_UNAVAILABLE, NULL);
	}
}

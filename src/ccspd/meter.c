/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Metering in ccspd (ccspd.h "meter.c"; docs/api-ccspd.md "usage"): every answered call of a tenant's caller is
 * recorded once, on the event loop as its answer is written, into the in-memory table of src/platform/metering.h;
 * a ticker (common/ticker.h) flushes the table to the store every metering_flush_interval_s seconds (at once when
 * it fills up), and close flushes a last time, so a graceful stop loses no count. A failed flush keeps the counts
 * for the next one (logged once until the outcome changes).
 */
#include <stdlib.h>
#include <string.h>

#include "ccspd/ccspd.h"
#include "common/ticker.h"

struct ccspd_meter_flusher {
	ccsp_ticker *ticker;
	ccsp_err last_err; /* the last flush's error, logged once until it changes */
};

static void copy_id(char dst[CCSP_STORE_ID_LEN + 1], const char *s)
{
	size_t n = s != NULL ? strnlen(s, CCSP_STORE_ID_LEN + 1) : 0;
	if (n > CCSP_STORE_ID_LEN)
		n = 0; /* not an id: counted as none */
	memcpy(dst, s != NULL ? s : "", n);
	dst[n] = '\0';
}

ccspd_meter *ccspd_meter_attach(ccspd *d, ccsp_http_request *req, const ccspd_caller *who, const char *path)
{
	if (who->tenant_id[0] == '\0')
		return NULL;
	ccspd_meter *m = calloc(1, sizeof *m);
	if (m == NULL)
		return NULL; /* out of memory: this one call is neither metered nor counted for its tenant */
	m->tenant_metrics = ccsp_metrics_tenant_of(d->metrics, who->tenant_id);
	copy_id(m->tenant_id, who->tenant_id);
	copy_id(m->app_id, who->kind == CCSPD_CALLER_APP ? who->id : "");
	m->path = path;
	ccsp_http_req_set_user(req, m, free);
	return m;
}

void ccspd_meter_key(ccspd_call *c, const char *key_id)
{
	if (c != NULL && c->meter != NULL)
		copy_id(c->meter->key_id, key_id);
}

static void wake(ccspd *d)
{
	if (d->meter_flusher != NULL)
		ccsp_ticker_kick(d->meter_flusher->ticker);
}

void ccspd_meter_answered(ccspd *d, const ccsp_http_request *req, int status)
{
	const ccspd_meter *m = ccsp_http_req_user(req);
	size_t in = 0;
	if (m == NULL)
		return;
	(void)ccsp_http_req_body(req, &in);
	uint64_t bytes = (uint64_t)in + ccsp_http_req_response_bytes(req);
	int ok = status >= 200 && status < 300;
	const char *action = m->path;
	if (strncmp(action, API "/", sizeof API) == 0)
		action += sizeof API; /* "crypto/encrypt" */
	ccsp_metrics_tenant_request(m->tenant_metrics, status);
	ccsp_metrics_tenant_usage(d->metrics, m->tenant_metrics, m->path, ok, bytes);
	if (ccsp_metering_record(d->metering, ccspd_now_ms(d), m->tenant_id, m->app_id, m->key_id, action, ok, bytes))
		wake(d); /* the table is filling up: flush now */
}

void ccspd_meter_item(ccspd *d, const ccspd_meter *m, const char *action, int ok, uint64_t bytes)
{
	if (ccsp_metering_record(d->metering, ccspd_now_ms(d), m->tenant_id, m->app_id, m->key_id, action, ok, bytes))
		wake(d);
}

static void flush(ccspd *d, ccspd_meter_flusher *f)
{
	size_t rows = 0;
	ccsp_err ret = ccsp_metering_flush(d->metering, d->store, &rows);
	if (ret != CCSP_OK && (f == NULL || ret != f->last_err))
		ccsp_log_event(d->log, "warn", "ccspd.metering", "detail",
		               f != NULL ? "usage counts not flushed: kept for the next flush" : "usage counts lost at stop",
		               "error", ccsp_err_name(ret), (char *)NULL);
	if (f != NULL)
		f->last_err = ret;
}

static void flusher(void *arg)
{
	ccspd *d = arg;
	flush(d, d->meter_flusher);
}

ccsp_err ccspd_meter_open(ccspd *d, const ccsp_config *cfg, char *err, size_t errlen)
{
	uint32_t interval;
	if (ccsp_config_get_u32(cfg, "metering_flush_interval_s", 1, 3600, 10, &interval, err, errlen) != CCSP_OK)
		return CCSP_ERR_ARG;
	ccsp_err ret = ccsp_metering_new(CCSP_METERING_ROWS_DEFAULT, &d->metering);
	if (ret != CCSP_OK)
		return ret;
	ccspd_meter_flusher *f = calloc(1, sizeof *f);
	if (f == NULL)
		return CCSP_ERR_NOMEM;
	d->meter_flusher = f;
	return ccsp_ticker_start(interval * 1000, interval * 1000, flusher, d, &f->ticker);
}

void ccspd_meter_close(ccspd *d)
{
	ccspd_meter_flusher *f = d->meter_flusher;
	if (f != NULL) {
		ccsp_ticker_stop(f->ticker);
		free(f);
		d->meter_flusher = NULL;
	}
	if (d->metering != NULL && d->store != NULL)
		flush(d, NULL); /* the last counts: every request is answered by now */
	ccsp_metering_free(d->metering);
	d->metering = NULL;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Prometheus text exposition of ccspd's counters (metrics.h). */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/metrics.h"

/* The statuses the platform answers with; anything else counts as "other". */
static const int statuses[] = {200, 400, 401, 403, 404, 405, 409, 413, 415, 423, 429, 500, 503};
#define N_STATUS (sizeof statuses / sizeof statuses[0] + 1)
/* Latency bucket upper bounds in microseconds (le in seconds when rendered). */
static const uint64_t buckets[] = {250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000, 5000000};
#define N_BUCKET (sizeof buckets / sizeof buckets[0])

typedef struct route_stats {
	_Atomic uint64_t by_status[N_STATUS];
	_Atomic uint64_t bucket[N_BUCKET]; /* non-cumulative here; cumulated when rendered */
	_Atomic uint64_t count, sum_us;
} route_stats;

struct ccsp_metrics {
	const char *const *routes;
	size_t n; /* routes; stats has n + 1 entries, the last for "other" */
	route_stats *stats;
	_Atomic uint64_t errors[CCSP_APIERR_COUNT_];
	_Atomic uint64_t counters[CCSP_METRICS_COUNTERS_];
};

static const char *const counter_names[CCSP_METRICS_COUNTERS_] = {
	[CCSP_METRICS_LOGIN_OK] = "ccsp_logins_total{outcome=\"ok\"}",
	[CCSP_METRICS_LOGIN_FAILED] = "ccsp_logins_total{outcome=\"failed\"}",
};

ccsp_err ccsp_metrics_new(const char *const *routes, size_t n, ccsp_metrics **out)
{
	*out = NULL;
	ccsp_metrics *m = calloc(1, sizeof *m);
	if (m == NULL || (m->stats = calloc(n + 1, sizeof *m->stats)) == NULL) {
		free(m);
		return CCSP_ERR_NOMEM;
	}
	m->routes = routes;
	m->n = n;
	*out = m;
	return CCSP_OK;
}

void ccsp_metrics_free(ccsp_metrics *m)
{
	if (m != NULL)
		free(m->stats);
	free(m);
}

static size_t route_index(const ccsp_metrics *m, const char *path)
{
	for (size_t i = 0; path != NULL && i < m->n; i++)
		if (strcmp(m->routes[i], path) == 0)
			return i;
	return m->n;
}

static size_t status_index(int status)
{
	for (size_t i = 0; i < N_STATUS - 1; i++)
		if (statuses[i] == status)
			return i;
	return N_STATUS - 1;
}

void ccsp_metrics_request(ccsp_metrics *m, const char *path, int status, uint64_t micros)
{
	route_stats *s = &m->stats[route_index(m, path)];
	size_t b = 0;
	while (b < N_BUCKET && micros > buckets[b])
		b++;
	atomic_fetch_add_explicit(&s->by_status[status_index(status)], 1, memory_order_relaxed);
	if (b < N_BUCKET)
		atomic_fetch_add_explicit(&s->bucket[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->sum_us, micros, memory_order_relaxed);
}

void ccsp_metrics_error(ccsp_metrics *m, ccsp_apierr e)
{
	if ((unsigned)e < CCSP_APIERR_COUNT_)
		atomic_fetch_add_explicit(&m->errors[e], 1, memory_order_relaxed);
}

void ccsp_metrics_count(ccsp_metrics *m, ccsp_metrics_counter c)
{
	if ((unsigned)c < CCSP_METRICS_COUNTERS_)
		atomic_fetch_add_explicit(&m->counters[c], 1, memory_order_relaxed);
}

/* ---- rendering ---- */

typedef struct text {
	char *buf;
	size_t len, cap;
	int failed;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...)
{
	va_list ap;
	for (int attempt = 0; attempt < 2 && !t->failed; attempt++) {
		va_start(ap, fmt);
		int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = 1;
		} else if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		} else {
			size_t cap = (t->cap + (size_t)n) * 2;
			char *b = realloc(t->buf, cap);
			if (b == NULL)
				t->failed = 1;
			else
				t->buf = b, t->cap = cap;
		}
	}
}

static uint64_t get(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

static void render_requests(ccsp_metrics *m, text *t)
{
	put(t, "# HELP ccsp_http_requests_total Answered API requests by route and status.\n"
	       "# TYPE ccsp_http_requests_total counter\n");
	for (size_t r = 0; r <= m->n; r++)
		for (size_t s = 0; s < N_STATUS; s++) {
			uint64_t v = get(&m->stats[r].by_status[s]);
			if (v == 0)
				continue;
			char status[8];
			snprintf(status, sizeof status, s < N_STATUS - 1 ? "%d" : "other", s < N_STATUS - 1 ? statuses[s] : 0);
			put(t, "ccsp_http_requests_total{route=\"%s\",status=\"%s\"} %llu\n", r < m->n ? m->routes[r] : "other",
			    status, (unsigned long long)v);
		}
}

static void render_latency(ccsp_metrics *m, text *t)
{
	put(t, "# HELP ccsp_http_request_duration_seconds Time from a request's arrival to its answer.\n"
	       "# TYPE ccsp_http_request_duration_seconds histogram\n");
	for (size_t r = 0; r <= m->n; r++) {
		uint64_t count = get(&m->stats[r].count), cum = 0;
		if (count == 0)
			continue;
		const char *route = r < m->n ? m->routes[r] : "other";
		for (size_t b = 0; b < N_BUCKET; b++) {
			cum += get(&m->stats[r].bucket[b]);
			put(t, "ccsp_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n", route,
			    (double)buckets[b] / 1e6, (unsigned long long)cum);
		}
		put(t, "ccsp_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n", route,
		    (unsigned long long)count);
		put(t, "ccsp_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", route,
		    (double)get(&m->stats[r].sum_us) / 1e6);
		put(t, "ccsp_http_request_duration_seconds_count{route=\"%s\"} %llu\n", route, (unsigned long long)count);
	}
}

char *ccsp_metrics_render(ccsp_metrics *m, const char *const *gauge_names, const double *gauge_values, size_t n)
{
	text t = {0};
	render_requests(m, &t);
	render_latency(m, &t);
	put(&t, "# HELP ccsp_errors_total Error answers by code (docs/errors.md).\n# TYPE ccsp_errors_total counter\n");
	for (int e = 0; e < CCSP_APIERR_COUNT_; e++)
		put(&t, "ccsp_errors_total{code=\"%s\"} %llu\n", ccsp_apierr_code((ccsp_apierr)e),
		    (unsigned long long)get(&m->errors[e]));
	put(&t, "# HELP ccsp_logins_total Logins of people by outcome.\n# TYPE ccsp_logins_total counter\n");
	for (int c = 0; c < CCSP_METRICS_COUNTERS_; c++)
		put(&t, "%s %llu\n", counter_names[c], (unsigned long long)get(&m->counters[c]));
	for (size_t i = 0; i < n; i++)
		put(&t, "# TYPE %s gauge\n%s %g\n", gauge_names[i], gauge_names[i], gauge_values[i]);
	if (t.failed || t.buf == NULL) {
		free(t.buf);
		return NULL;
	}
	return t.buf;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Prometheus text exposition of ccspd's counters (metrics.h). */
#include <pthread.h>
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

#define N_CLASS 6 /* status classes 1xx..5xx, and "other" */
#define TENANT_BUCKETS 256 /* open addressing, more than twice CCSP_METRICS_TENANTS_MAX: probes stay short */
_Static_assert(TENANT_BUCKETS > CCSP_METRICS_TENANTS_MAX, "a free bucket for every tracked tenant");

struct ccsp_metrics_tenant {
	char id[CCSP_METRICS_TENANT_ID_MAX + 1]; /* written once, before the tenant is published */
	_Atomic uint64_t requests[N_CLASS];
	_Atomic uint64_t logins[2]; /* failed, ok */
	int64_t sessions;           /* the last count of the store (under mu) */
};

struct ccsp_metrics {
	const char *const *routes;
	size_t n; /* routes; stats has n + 1 entries, the last for "other" */
	route_stats *stats;
	_Atomic uint64_t errors[CCSP_APIERR_COUNT_];
	_Atomic uint64_t counters[CCSP_METRICS_COUNTERS_];
	/* tenants: registered under mu, in order, published to the lock-free lookup by a release store */
	pthread_mutex_t mu;
	ccsp_metrics_tenant tenant[CCSP_METRICS_TENANTS_MAX + 1]; /* the last: "other" */
	_Atomic size_t n_tenants;
	_Atomic(ccsp_metrics_tenant *) bucket[TENANT_BUCKETS];
	int sessions_known; /* under mu */
	/* metering: [tenant index (CCSP_METRICS_TENANTS_MAX + 1)][route (n + 1)][USAGE_*] */
	_Atomic uint64_t *usage;
};

enum { USAGE_CALLS = 0, USAGE_ERRORS, USAGE_BYTES, USAGE_N };

static const char *const counter_names[CCSP_METRICS_COUNTERS_] = {
	[CCSP_METRICS_LOGIN_OK] = "ccsp_logins_total{outcome=\"ok\"}",
	[CCSP_METRICS_LOGIN_FAILED] = "ccsp_logins_total{outcome=\"failed\"}",
};

ccsp_err ccsp_metrics_new(const char *const *routes, size_t n, ccsp_metrics **out)
{
	*out = NULL;
	ccsp_metrics *m = calloc(1, sizeof *m);
	if (m == NULL || (m->stats = calloc(n + 1, sizeof *m->stats)) == NULL ||
	    (m->usage = calloc((CCSP_METRICS_TENANTS_MAX + 1) * (n + 1) * USAGE_N, sizeof *m->usage)) == NULL) {
		if (m != NULL)
			free(m->stats);
		free(m);
		return CCSP_ERR_NOMEM;
	}
	m->routes = routes;
	m->n = n;
	pthread_mutex_init(&m->mu, NULL);
	memcpy(m->tenant[CCSP_METRICS_TENANTS_MAX].id, "other", sizeof "other");
	*out = m;
	return CCSP_OK;
}

void ccsp_metrics_free(ccsp_metrics *m)
{
	if (m == NULL)
		return;
	pthread_mutex_destroy(&m->mu);
	free(m->stats);
	free(m->usage);
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

/* ---- per tenant ---- */

static size_t tenant_hash(const char *id)
{
	uint32_t h = 2166136261u; /* FNV-1a: spreading only (ids are random already) */
	for (const char *c = id; *c != '\0'; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	return h % TENANT_BUCKETS;
}

/* The published tenant id, or NULL; *free_at = the first empty bucket of its probe sequence. */
static ccsp_metrics_tenant *tenant_find(ccsp_metrics *m, const char *id, size_t *free_at)
{
	size_t i = tenant_hash(id);
	for (size_t probe = 0; probe < TENANT_BUCKETS; probe++, i = (i + 1) % TENANT_BUCKETS) {
		ccsp_metrics_tenant *t = atomic_load_explicit(&m->bucket[i], memory_order_acquire);
		if (t == NULL) {
			*free_at = i;
			return NULL;
		}
		if (strcmp(t->id, id) == 0)
			return t;
	}
	*free_at = TENANT_BUCKETS;
	return NULL;
}

ccsp_metrics_tenant *ccsp_metrics_tenant_of(ccsp_metrics *m, const char *tenant_id)
{
	ccsp_metrics_tenant *other = &m->tenant[CCSP_METRICS_TENANTS_MAX];
	size_t at = 0;
	if (tenant_id == NULL || tenant_id[0] == '\0' || strlen(tenant_id) > CCSP_METRICS_TENANT_ID_MAX)
		return other;
	ccsp_metrics_tenant *t = tenant_find(m, tenant_id, &at);
	if (t != NULL)
		return t;
	pthread_mutex_lock(&m->mu); /* the first sight of this tenant: register it (once) */
	size_t n = atomic_load_explicit(&m->n_tenants, memory_order_relaxed);
	t = tenant_find(m, tenant_id, &at);
	if (t == NULL && n < CCSP_METRICS_TENANTS_MAX && at < TENANT_BUCKETS) {
		t = &m->tenant[n];
		memcpy(t->id, tenant_id, strlen(tenant_id) + 1);
		atomic_store_explicit(&m->n_tenants, n + 1, memory_order_release);
		atomic_store_explicit(&m->bucket[at], t, memory_order_release);
	}
	pthread_mutex_unlock(&m->mu);
	return t != NULL ? t : other;
}

void ccsp_metrics_tenant_request(ccsp_metrics_tenant *t, int status)
{
	int c = status / 100;
	if (t != NULL)
		atomic_fetch_add_explicit(&t->requests[c >= 1 && c <= 5 ? c - 1 : N_CLASS - 1], 1, memory_order_relaxed);
}

void ccsp_metrics_login(ccsp_metrics *m, ccsp_metrics_tenant *t, int ok)
{
	ccsp_metrics_count(m, ok ? CCSP_METRICS_LOGIN_OK : CCSP_METRICS_LOGIN_FAILED);
	if (t != NULL)
		atomic_fetch_add_explicit(&t->logins[ok != 0], 1, memory_order_relaxed);
}

void ccsp_metrics_tenant_sessions(ccsp_metrics *m, const char *const *ids, const int64_t *counts, size_t n,
                                  int64_t total)
{
	ccsp_metrics_tenant *t[CCSP_METRICS_TENANTS_MAX];
	size_t k = 0;
	for (size_t i = 0; i < n && k < CCSP_METRICS_TENANTS_MAX; i++) /* registered before the lock is taken */
		if ((t[k] = ccsp_metrics_tenant_of(m, ids[i])) != &m->tenant[CCSP_METRICS_TENANTS_MAX])
			k++;
	pthread_mutex_lock(&m->mu);
	for (size_t i = 0; i <= CCSP_METRICS_TENANTS_MAX; i++)
		m->tenant[i].sessions = 0;
	int64_t tracked = 0;
	for (size_t i = 0, j = 0; i < n && j < k; i++)
		if (strcmp(ids[i], t[j]->id) == 0) {
			t[j++]->sessions = counts[i];
			tracked += counts[i];
		}
	m->tenant[CCSP_METRICS_TENANTS_MAX].sessions = total > tracked ? total - tracked : 0;
	m->sessions_known = 1;
	pthread_mutex_unlock(&m->mu);
}

static _Atomic uint64_t *usage_of(ccsp_metrics *m, size_t tenant, size_t route)
{
	return &m->usage[(tenant * (m->n + 1) + route) * USAGE_N];
}

void ccsp_metrics_tenant_usage(ccsp_metrics *m, ccsp_metrics_tenant *t, const char *path, int ok, uint64_t bytes)
{
	if (t == NULL)
		return;
	_Atomic uint64_t *u = usage_of(m, (size_t)(t - m->tenant), route_index(m, path));
	atomic_fetch_add_explicit(&u[USAGE_CALLS], 1, memory_order_relaxed);
	if (!ok)
		atomic_fetch_add_explicit(&u[USAGE_ERRORS], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&u[USAGE_BYTES], bytes, memory_order_relaxed);
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

/* A label value as the text format wants it: backslash, double quote and line feed escaped. */
static void put_label(text *t, const char *v)
{
	for (const char *c = v; *c != '\0' && !t->failed; c++) {
		const char *run = c;
		while (*c != '\0' && *c != '\\' && *c != '"' && *c != '\n')
			c++;
		if (c > run)
			put(t, "%.*s", (int)(c - run), run);
		if (*c == '\0')
			break;
		put(t, "%s", *c == '\\' ? "\\\\" : *c == '"' ? "\\\"" : "\\n");
	}
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
			put(t, "ccsp_http_requests_total{route=\"");
			put_label(t, r < m->n ? m->routes[r] : "other");
			put(t, "\",status=\"%s\"} %llu\n", status, (unsigned long long)v);
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
			put(t, "ccsp_http_request_duration_seconds_bucket{route=\"");
			put_label(t, route);
			put(t, "\",le=\"%g\"} %llu\n", (double)buckets[b] / 1e6, (unsigned long long)cum);
		}
		put(t, "ccsp_http_request_duration_seconds_bucket{route=\"");
		put_label(t, route);
		put(t, "\",le=\"+Inf\"} %llu\n", (unsigned long long)count);
		put(t, "ccsp_http_request_duration_seconds_sum{route=\"");
		put_label(t, route);
		put(t, "\"} %.6f\n", (double)get(&m->stats[r].sum_us) / 1e6);
		put(t, "ccsp_http_request_duration_seconds_count{route=\"");
		put_label(t, route);
		put(t, "\"} %llu\n", (unsigned long long)count);
	}
}

/* One series line: name{tenant="id"<rest>} value. */
static void put_tenant(text *t, const char *name, const ccsp_metrics_tenant *mt, const char *rest, uint64_t v)
{
	put(t, "%s{tenant=\"", name);
	put_label(t, mt->id);
	put(t, "\"%s} %llu\n", rest, (unsigned long long)v);
}

static void render_tenants(ccsp_metrics *m, text *t)
{
	static const char *const classes[N_CLASS] = {",class=\"1xx\"", ",class=\"2xx\"", ",class=\"3xx\"",
	                                             ",class=\"4xx\"", ",class=\"5xx\"", ",class=\"other\""};
	size_t n = atomic_load_explicit(&m->n_tenants, memory_order_acquire);
	put(t, "# HELP ccsp_tenant_requests_total Answered API requests of a tenant's people and applications, by status"
	       " class.\n# TYPE ccsp_tenant_requests_total counter\n");
	for (size_t i = 0; i <= n; i++) { /* the tracked tenants, then "other" */
		ccsp_metrics_tenant *mt = &m->tenant[i < n ? i : CCSP_METRICS_TENANTS_MAX];
		for (size_t c = 0; c < N_CLASS; c++)
			if (get(&mt->requests[c]) != 0)
				put_tenant(t, "ccsp_tenant_requests_total", mt, classes[c], get(&mt->requests[c]));
	}
	put(t, "# HELP ccsp_tenant_logins_total Logins of a tenant's members by outcome.\n"
	       "# TYPE ccsp_tenant_logins_total counter\n");
	for (size_t i = 0; i <= n; i++) {
		ccsp_metrics_tenant *mt = &m->tenant[i < n ? i : CCSP_METRICS_TENANTS_MAX];
		uint64_t ok = get(&mt->logins[1]), failed = get(&mt->logins[0]);
		if (ok + failed == 0)
			continue;
		put_tenant(t, "ccsp_tenant_logins_total", mt, ",outcome=\"ok\"", ok);
		put_tenant(t, "ccsp_tenant_logins_total", mt, ",outcome=\"failed\"", failed);
	}
	pthread_mutex_lock(&m->mu);
	if (m->sessions_known) {
		put(t, "# HELP ccsp_tenant_sessions Live sessions (people and applications) of a tenant, platform-wide.\n"
		       "# TYPE ccsp_tenant_sessions gauge\n");
		n = atomic_load_explicit(&m->n_tenants, memory_order_acquire);
		for (size_t i = 0; i <= n; i++) {
			ccsp_metrics_tenant *mt = &m->tenant[i < n ? i : CCSP_METRICS_TENANTS_MAX];
			put_tenant(t, "ccsp_tenant_sessions", mt, "", (uint64_t)mt->sessions);
		}
	}
	pthread_mutex_unlock(&m->mu);
}

static void render_usage(ccsp_metrics *m, text *t)
{
	static const char *const names[USAGE_N] = {"ccsp_usage_calls_total", "ccsp_usage_errors_total",
	                                           "ccsp_usage_bytes_total"};
	static const char *const help[USAGE_N] = {"API calls", "API calls answered with an error",
	                                          "bytes of API calls (request body + response body)"};
	size_t nt = atomic_load_explicit(&m->n_tenants, memory_order_acquire), plen = strlen(CCSP_METRICS_ACTION_PREFIX);
	for (size_t k = 0; k < USAGE_N; k++) {
		put(t, "# HELP %s Metering: %s of a tenant's callers by action.\n# TYPE %s counter\n", names[k], help[k],
		    names[k]);
		for (size_t i = 0; i <= nt; i++) { /* the tracked tenants, then "other" */
			size_t ti = i < nt ? i : CCSP_METRICS_TENANTS_MAX;
			for (size_t r = 0; r <= m->n; r++) {
				_Atomic uint64_t *u = usage_of(m, ti, r);
				const char *action = r < m->n ? m->routes[r] : "other";
				if (get(&u[USAGE_CALLS]) == 0)
					continue;
				if (strncmp(action, CCSP_METRICS_ACTION_PREFIX, plen) == 0)
					action += plen;
				put(t, "%s{tenant=\"", names[k]);
				put_label(t, m->tenant[ti].id);
				put(t, "\",action=\"");
				put_label(t, action);
				put(t, "\"} %llu\n", (unsigned long long)get(&u[k]));
			}
		}
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
	render_tenants(m, &t);
	render_usage(m, &t);
	for (size_t i = 0; i < n; i++)
		put(&t, "# TYPE %s gauge\n%s %g\n", gauge_names[i], gauge_names[i], gauge_values[i]);
	if (t.failed || t.buf == NULL) {
		free(t.buf);
		return NULL;
	}
	return t.buf;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccspd's Prometheus exposition (src/platform/metrics.c): the per-tenant series — requests by status class, logins
 * by outcome, the sessions gauge —, their bound (CCSP_METRICS_TENANTS_MAX tenants, the rest under tenant="other"),
 * label escaping, and exact counts when many threads count and register tenants at once. Nothing is timed.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/metrics.h"
#include "test_util.h"

static const char *const routes[] = {"/api/v1/crypto/hash", "/api/v1/we\"ird\\route\n"};

static ccsp_metrics *mk(void)
{
	ccsp_metrics *m = NULL;
	assert_int_equal(ccsp_metrics_new(routes, 2, &m), CCSP_OK);
	return m;
}

/* 1 when the exposition holds this exact line. */
static int has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return 1;
	return 0;
}

static size_t count_of(const char *text, const char *needle)
{
	size_t n = 0;
	for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void test_tenant_series(void **state)
{
	(void)state;
	ccsp_metrics *m = mk();
	ccsp_metrics_tenant *a = ccsp_metrics_tenant_of(m, "aaaa"), *b = ccsp_metrics_tenant_of(m, "bbbb");
	assert_ptr_equal(ccsp_metrics_tenant_of(m, "aaaa"), a); /* one series per tenant */
	assert_ptr_not_equal(a, b);
	ccsp_metrics_tenant_request(a, 200);
	ccsp_metrics_tenant_request(a, 200);
	ccsp_metrics_tenant_request(a, 404);
	ccsp_metrics_tenant_request(b, 503);
	ccsp_metrics_login(m, a, 1);
	ccsp_metrics_login(m, a, 0);
	ccsp_metrics_login(m, a, 0);
	ccsp_metrics_login(m, NULL, 1); /* an operator: only the platform-wide counter */
	char *t = ccsp_metrics_render(m, NULL, NULL, 0);
	assert_non_null(t);
	assert_true(has_line(t, "ccsp_tenant_requests_total{tenant=\"aaaa\",class=\"2xx\"} 2"));
	assert_true(has_line(t, "ccsp_tenant_requests_total{tenant=\"aaaa\",class=\"4xx\"} 1"));
	assert_true(has_line(t, "ccsp_tenant_requests_total{tenant=\"bbbb\",class=\"5xx\"} 1"));
	assert_null(strstr(t, "tenant=\"bbbb\",class=\"2xx\"")); /* zero: not rendered */
	assert_true(has_line(t, "ccsp_tenant_logins_total{tenant=\"aaaa\",outcome=\"ok\"} 1"));
	assert_true(has_line(t, "ccsp_tenant_logins_total{tenant=\"aaaa\",outcome=\"failed\"} 2"));
	assert_null(strstr(t, "ccsp_tenant_logins_total{tenant=\"bbbb\""));
	assert_true(has_line(t, "ccsp_logins_total{outcome=\"ok\"} 2"));
	assert_true(has_line(t, "ccsp_logins_total{outcome=\"failed\"} 2"));
	assert_null(strstr(t, "ccsp_tenant_sessions")); /* never counted yet: no gauge */
	assert_true(has_line(t, "# TYPE ccsp_tenant_requests_total counter"));
	free(t);

	const char *ids[] = {"bbbb", "cccc"};
	const int64_t counts[] = {5, 2};
	ccsp_metrics_tenant_sessions(m, ids, counts, 2, 9); /* 2 more in tenants the store did not list */
	t = ccsp_metrics_render(m, NULL, NULL, 0);
	assert_true(has_line(t, "# TYPE ccsp_tenant_sessions gauge"));
	assert_true(has_line(t, "ccsp_tenant_sessions{tenant=\"aaaa\"} 0"));
	assert_true(has_line(t, "ccsp_tenant_sessions{tenant=\"bbbb\"} 5"));
	assert_true(has_line(t, "ccsp_tenant_sessions{tenant=\"cccc\"} 2")); /* registered by the count */
	assert_true(has_line(t, "ccsp_tenant_sessions{tenant=\"other\"} 2"));
	free(t);
	ccsp_metrics_tenant_sessions(m, ids, counts, 0, 0); /* a later count replaces the earlier one */
	t = ccsp_metrics_render(m, NULL, NULL, 0);
	assert_true(has_line(t, "ccsp_tenant_sessions{tenant=\"bbbb\"} 0"));
	free(t);
	ccsp_metrics_free(m);
}

static void test_bound(void **state)
{
	(void)state;
	ccsp_metrics *m = mk();
	char id[16];
	ccsp_metrics_tenant *other = NULL;
	for (int i = 0; i < CCSP_METRICS_TENANTS_MAX + 50; i++) {
		snprintf(id, sizeof id, "t%04d", i);
		ccsp_metrics_tenant *t = ccsp_metrics_tenant_of(m, id);
		ccsp_metrics_tenant_request(t, 200);
		if (i == CCSP_METRICS_TENANTS_MAX)
			other = t;
		if (i > CCSP_METRICS_TENANTS_MAX)
			assert_ptr_equal(t, other); /* all the later ones share one series */
	}
	assert_ptr_equal(ccsp_metrics_tenant_of(m, ""), other);
	char long_id[CCSP_METRICS_TENANT_ID_MAX + 2];
	memset(long_id, 'x', sizeof long_id - 1);
	long_id[sizeof long_id - 1] = '\0';
	assert_ptr_equal(ccsp_metrics_tenant_of(m, long_id), other);
	assert_ptr_not_equal(ccsp_metrics_tenant_of(m, "t0000"), other); /* the first ones keep theirs */
	char *t = ccsp_metrics_render(m, NULL, NULL, 0);
	assert_int_equal(count_of(t, "ccsp_tenant_requests_total{tenant="), CCSP_METRICS_TENANTS_MAX + 1);
	assert_true(has_line(t, "ccsp_tenant_requests_total{tenant=\"other\",class=\"2xx\"} 50"));
	assert_true(has_line(t, "ccsp_tenant_requests_total{tenant=\"t0099\",class=\"2xx\"} 1"));
	free(t);
	ccsp_metrics_free(m);
}

static void test_escaping(void **state)
{
	(void)state;
	ccsp_metrics *m = mk();
	ccsp_metrics_tenant_request(ccsp_metrics_tenant_of(m, "a\"b\\c\nd"), 200);
	ccsp_metrics_request(m, routes[1], 200, 10);
	char *t = ccsp_metrics_render(m, NULL, NULL, 0);
	assert_true(has_line(t, "ccsp_tenant_requests_total{tenant=\"a\\\"b\\\\c\\nd\",class=\"2xx\"} 1"));
	assert_true(has_line(t, "ccsp_http_requests_total{route=\"/api/v1/we\\\"ird\\\\route\\n\",status=\"200\"} 1"));
	for (const char *p = t; *p != '\0'; p++) /* every line is a comment or a sample: no raw line feed leaked */
		if (p == t || p[-1] == '\n')
			assert_true(*p == '#' || strncmp(p, "ccsp_", 5) == 0);
	free(t);
	ccsp_metrics_free(m);
}

/* Threads registering the same tenants and counting at once: one series per tenant, nothing lost. */
#define THREADS 4
#define ROUNDS 2000
#define SHARED 20

static void *hammer(void *arg)
{
	ccsp_metrics *m = arg;
	char id[16];
	for (int i = 0; i < ROUNDS; i++) {
		snprintf(id, sizeof id, "s%02d", i % SHARED);
		ccsp_metrics_tenant_request(ccsp_metrics_tenant_of(m, id), 200);
		ccsp_metrics_login(m, ccsp_metrics_tenant_of(m, id), i & 1);
	}
	return NULL;
}

static void test_concurrent(void **state)
{
	(void)state;
	ccsp_metrics *m = mk();
	pthread_t th[THREADS];
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, hammer, m), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	char *t = ccsp_metrics_render(m, NULL, NULL, 0), line[128];
	assert_int_equal(count_of(t, "ccsp_tenant_requests_total{tenant="), SHARED);
	for (int s = 0; s < SHARED; s++) {
		snprintf(line, sizeof line, "ccsp_tenant_requests_total{tenant=\"s%02d\",class=\"2xx\"} %d", s,
		         THREADS * ROUNDS / SHARED);
		assert_true(has_line(t, line));
	}
	snprintf(line, sizeof line, "ccsp_logins_total{outcome=\"ok\"} %d", THREADS * ROUNDS / 2);
	assert_true(has_line(t, line));
	free(t);
	ccsp_metrics_free(m);
}

/* Metering series: per tenant and action (the route without "/api/v1/"), calls, errors and bytes; unknown routes
 * as action="other"; nothing rendered for a series never counted. */
static void test_usage(void **state)
{
	(void)state;
	ccsp_metrics *m = mk();
	ccsp_metrics_tenant *a = ccsp_metrics_tenant_of(m, "aaaa");
	ccsp_metrics_tenant_usage(m, a, "/api/v1/crypto/hash", 1, 100);
	ccsp_metrics_tenant_usage(m, a, "/api/v1/crypto/hash", 0, 20);
	ccsp_metrics_tenant_usage(m, a, "/nowhere", 1, 5);
	ccsp_metrics_tenant_usage(m, NULL, "/api/v1/crypto/hash", 1, 5); /* ignored */
	char *t = ccsp_metrics_render(m, NULL, NULL, 0);
	assert_non_null(t);
	assert_true(has_line(t, "ccsp_usage_calls_total{tenant=\"aaaa\",action=\"crypto/hash\"} 2"));
	assert_true(has_line(t, "ccsp_usage_errors_total{tenant=\"aaaa\",action=\"crypto/hash\"} 1"));
	assert_true(has_line(t, "ccsp_usage_bytes_total{tenant=\"aaaa\",action=\"crypto/hash\"} 120"));
	assert_true(has_line(t, "ccsp_usage_calls_total{tenant=\"aaaa\",action=\"other\"} 1"));
	assert_true(has_line(t, "# TYPE ccsp_usage_bytes_total counter"));
	assert_int_equal(count_of(t, "ccsp_usage_calls_total{"), 2);
	free(t);
	ccsp_metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tenant_series),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_usage),
	};
	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}

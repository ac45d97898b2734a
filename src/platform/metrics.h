/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccspd's metrics in the Prometheus text format (GET /metrics, OPS-3): requests by route and status, a latency
 * histogram by route, errors by code, and gauges the daemon reports when it renders (active sessions, ...).
 * Routes are the action paths given at creation; any other path counts as route="other", so a client cannot
 * grow the label set. Counting is lock-free (relaxed atomics): any thread may count while another renders.
 *
 * Per tenant (bounded cardinality): the first CCSP_METRICS_TENANTS_MAX tenants seen get series of their own,
 * labelled tenant="<id>"; every later one counts under tenant="other", so no number of tenants grows the
 * exposition past that. Label values are escaped as the text format wants (\\, \", \n).
 */
#ifndef CCSP_PLATFORM_METRICS_H
#define CCSP_PLATFORM_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#include "platform/apierr.h"

typedef struct ccsp_metrics ccsp_metrics;

/* routes: the known paths (copied by reference: they must outlive the registry, e.g. a static route table). */
CCSP_MUST_CHECK ccsp_err ccsp_metrics_new(const char *const *routes, size_t n, ccsp_metrics **out);
void ccsp_metrics_free(ccsp_metrics *m);
/* One answered request: path (any), HTTP status, time from arrival to answer in microseconds. */
void ccsp_metrics_request(ccsp_metrics *m, const char *path, int status, uint64_t micros);
/* One error answer of code e. */
void ccsp_metrics_error(ccsp_metrics *m, ccsp_apierr e);
/* Named counters (logins, ...): a fixed set, see metrics.c. */
typedef enum ccsp_metrics_counter {
	CCSP_METRICS_LOGIN_OK = 0,
	CCSP_METRICS_LOGIN_FAILED,
	CCSP_METRICS_COUNTERS_
} ccsp_metrics_counter;
void ccsp_metrics_count(ccsp_metrics *m, ccsp_metrics_counter c);

#define CCSP_METRICS_TENANTS_MAX 100   /* tenants with series of their own; the rest are tenant="other" */
#define CCSP_METRICS_TENANT_ID_MAX 64  /* bytes of a tenant label value; an id longer counts as "other" */
typedef struct ccsp_metrics_tenant ccsp_metrics_tenant;
/* The series of tenant_id: registered at its first sight (a short lock, once per tenant), then found without a
 * lock. Never NULL: "other" once CCSP_METRICS_TENANTS_MAX are tracked, and for "" or an id that is too long.
 * Valid as long as m. */
ccsp_metrics_tenant *ccsp_metrics_tenant_of(ccsp_metrics *m, const char *tenant_id);
/* One answered request of a caller (person or app) of tenant t, counted by status class (2xx, 4xx, 5xx, ...). */
void ccsp_metrics_tenant_request(ccsp_metrics_tenant *t, int status);
/* One login of a member of tenant t (NULL: an operator), ok or failed; also counted in ccsp_logins_total. */
void ccsp_metrics_login(ccsp_metrics *m, ccsp_metrics_tenant *t, int ok);
/* The live sessions per tenant as last counted in the store: n tenants' ids and counts, total = all tenants'
 * sessions (those not tracked are rendered as tenant="other"). Rendered as the gauge ccsp_tenant_sessions, every
 * tracked tenant with its count (0 when absent), until the next call; before the first call, not at all. */
void ccsp_metrics_tenant_sessions(ccsp_metrics *m, const char *const *ids, const int64_t *counts, size_t n,
                                  int64_t total);
/* Metering (OPS-7): one answered call of an action (a route path; any other counts as action="other") by a caller of
 * tenant t, ok or not, with its bytes (request body + response body). Rendered as ccsp_usage_calls_total,
 * ccsp_usage_errors_total and ccsp_usage_bytes_total{tenant, action}: the tenants' bound above, times the routes, and
 * the action label is the route without CCSP_METRICS_ACTION_PREFIX ("crypto/hash"). t NULL is ignored. */
#define CCSP_METRICS_ACTION_PREFIX "/api/v1/"
void ccsp_metrics_tenant_usage(ccsp_metrics *m, ccsp_metrics_tenant *t, const char *path, int ok, uint64_t bytes);
/* The whole exposition as a malloc'd NUL-terminated string (NULL when out of memory); gauges: n name/value
 * pairs appended as "# TYPE name gauge" + "name value" (names must be valid metric names). */
char *ccsp_metrics_render(ccsp_metrics *m, const char *const *gauge_names, const double *gauge_values, size_t n);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccspd's metrics in the Prometheus text format (GET /metrics, OPS-3): requests by route and status, a latency
 * histogram by route, errors by code, and gauges the daemon reports when it renders (active sessions, ...).
 * Routes are the action paths given at creation; any other path counts as route="other", so a client cannot
 * grow the label set. Counting is lock-free (relaxed atomics): any thread may count while another renders.
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
/* The whole exposition as a malloc'd NUL-terminated string (NULL when out of memory); gauges: n name/value
 * pairs appended as "# TYPE name gauge" + "name value" (names must be valid metric names). */
char *ccsp_metrics_render(ccsp_metrics *m, const char *const *gauge_names, const double *gauge_values, size_t n);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's metering counters (store_usage.c, schema version 4; OPS-6/7): calls, errors and bytes per tenant,
 * hour, application, key and action, in the table usage_counts. ccspd adds its in-memory counts (metering.h) with
 * one upsert per row, so counts of several nodes sharing a store add up; queries sum them over a range of hours.
 * Conventions of store.h apply (transactions, bounds). A query names its tenant, or NULL for every tenant: that
 * choice (operators only) is the caller's, as for the platform-wide calls of store_kms.h.
 */
#ifndef CCSP_PLATFORM_STORE_USAGE_H
#define CCSP_PLATFORM_STORE_USAGE_H

#include "platform/store/store.h"

#define CCSP_STORE_HOUR_MS 3600000LL      /* usage is kept per hour: hour = the start of the hour, Unix ms */
#define CCSP_STORE_USAGE_ACTION_MAX 64    /* bytes of an action name ("crypto/encrypt") */

/* One row: the counts of (tenant, hour, app, key, action). app and key are "" when the call had none. */
typedef struct ccsp_store_usage {
	char tenant_id[CCSP_STORE_ID_LEN + 1];
	int64_t hour;                          /* a multiple of CCSP_STORE_HOUR_MS; 0 in a query not grouped by hour */
	char app_id[CCSP_STORE_ID_LEN + 1];    /* "" also in a query not grouped by app */
	char key_id[CCSP_STORE_ID_LEN + 1];    /* "" also in a query not grouped by key */
	char action[CCSP_STORE_USAGE_ACTION_MAX + 1]; /* "" in a query not grouped by action */
	int64_t calls, errors, bytes;          /* >= 0; errors <= calls */
} ccsp_store_usage;

/* Add the counts of n rows to the stored ones (a row not stored yet is created): one
 * INSERT ... ON CONFLICT DO UPDATE per row, so two nodes adding to one row both count. CCSP_ERR_ARG (and nothing
 * written by this call) when a row is out of bounds: tenant not 1..32 bytes of text, hour not a multiple of
 * CCSP_STORE_HOUR_MS or negative, app or key over 32 bytes, action empty or over CCSP_STORE_USAGE_ACTION_MAX, a
 * negative count. No tenant foreign key: usage outlives the tenant, as its audit records do. */
CCSP_MUST_CHECK ccsp_err ccsp_store_usage_add(ccsp_store_tx *tx, const ccsp_store_usage *rows, size_t n);

/* What a query groups by besides the tenant (a set of these bits); the dimensions not grouped are summed over. */
enum {
	CCSP_STORE_USAGE_BY_APP = 1u << 0,
	CCSP_STORE_USAGE_BY_KEY = 1u << 1,
	CCSP_STORE_USAGE_BY_ACTION = 1u << 2,
	CCSP_STORE_USAGE_BY_HOUR = 1u << 3,
};

typedef struct ccsp_store_usage_query {
	const char *tenant;  /* NULL: every tenant */
	int64_t from, to;    /* hours from <= hour < to (ms) */
	const char *app;     /* NULL: any; "" selects the calls made by no app */
	const char *key;     /* NULL: any; "" selects the calls that used no key */
	const char *action;  /* NULL: any */
	unsigned group;      /* CCSP_STORE_USAGE_BY_* */
	size_t offset;       /* rows skipped (paging) */
} ccsp_store_usage_query;

/* The summed counts matching q, one row per tenant and grouped dimension, ordered by tenant, then hour, app, key,
 * action (those grouped), at most limit (1..CCSP_STORE_LIST_MAX) into out, *n of them; *more = 1 when further rows
 * follow (ask again with offset + *n). CCSP_ERR_ARG for a bad argument (a filter out of the bounds above, from >
 * to, an unknown group bit). */
CCSP_MUST_CHECK ccsp_err ccsp_store_usage_query_run(ccsp_store_tx *tx, const ccsp_store_usage_query *q,
                                                    size_t limit, ccsp_store_usage *out, size_t *n, int *more);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Metering (OPS-6/7): every API call counted per tenant, hour, application, key and action, with its bytes, in a
 * bounded in-memory table that is flushed to the store (store_usage.h) every few seconds.
 *
 * ccsp_metering_record is cheap (one short lock, one hash probe, no allocation, no I/O): ccspd calls it on its event
 * loop for every answer. ccsp_metering_flush swaps the table for an empty one under the lock and writes the full one
 * in one store transaction, outside the lock, so recording never waits for the store. When the write fails, the
 * counts are merged back into the live table: a failed flush neither loses nor doubles a count (a COMMIT whose
 * connection is lost is the one case the store cannot tell, see store.h).
 *
 * Bounded memory: at most max_rows rows. A call whose row would be new in a full table counts in its overflow row
 * (same tenant, hour, app and action, key ""), which has a reserve of max_rows / 4 rows of its own; only when the
 * reserve is full too is the call not counted, and then counted in ccsp_metering_dropped (never silently).
 * ccsp_metering_record says when the table is filling up (past 3/4 of max_rows), so that the caller flushes early.
 *
 * Thread safety: every function may be called from any thread; flushes are serialized among themselves.
 */
#ifndef CCSP_PLATFORM_METERING_H
#define CCSP_PLATFORM_METERING_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#include "platform/store/store.h"
#include "platform/store/store_usage.h"

#define CCSP_METERING_ROWS_DEFAULT 8192
#define CCSP_METERING_ROWS_MAX (1u << 20)

typedef struct ccsp_metering ccsp_metering;

/* A table of at most max_rows rows (16..CCSP_METERING_ROWS_MAX) plus the overflow reserve. CCSP_ERR_ARG,
 * CCSP_ERR_NOMEM. */
CCSP_MUST_CHECK ccsp_err ccsp_metering_new(size_t max_rows, ccsp_metering **out);
/* Free m and the counts not flushed. NULL is ignored. */
void ccsp_metering_free(ccsp_metering *m);

/* One call at now_ms (its hour is the row's) of tenant (1..32 bytes) by app ("" or NULL: no app), with key ("" or
 * NULL: none), of action (1..CCSP_STORE_USAGE_ACTION_MAX bytes), ok or not, bytes in and out. A call with an empty
 * or over-long tenant or action is not counted (not a tenant's call); a key or app over 32 bytes counts as "".
 * Returns 1 when the table is past 3/4 of max_rows (flush soon), else 0. */
int ccsp_metering_record(ccsp_metering *m, int64_t now_ms, const char *tenant, const char *app, const char *key,
                         const char *action, int ok, uint64_t bytes);

/* Write n rows in one transaction (or none): what a flush calls. CCSP_OK only when they are all durable. */
typedef ccsp_err (*ccsp_metering_write_fn)(void *arg, const ccsp_store_usage *rows, size_t n);
/* Flush with write (tests; other sinks): the rows recorded so far are handed to write once (not at all when there
 * are none); when it fails they are merged back and its error returned. *rows (may be NULL) = rows written. */
CCSP_MUST_CHECK ccsp_err ccsp_metering_flush_with(ccsp_metering *m, ccsp_metering_write_fn write, void *arg,
                                                  size_t *rows);
/* Flush into s: ccsp_store_usage_add in one transaction run by ccsp_store_run (retried on CCSP_ERR_BUSY). */
CCSP_MUST_CHECK ccsp_err ccsp_metering_flush(ccsp_metering *m, ccsp_store *s, size_t *rows);

/* Rows waiting for a flush, and calls not counted since m was made (the reserve was full). */
size_t ccsp_metering_pending(ccsp_metering *m);
uint64_t ccsp_metering_dropped(ccsp_metering *m);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_test's part for the metering counters (schema version 4, store_usage.h): the upsert adds to a stored row
 * (also from two transactions in turn), rows out of bounds are refused with nothing written, and the query sums over
 * the dimensions not grouped, filters by tenant (another tenant's rows never appear), hours [from, to), app, key and
 * action, orders, limits and pages. On both engines. Included by store_test.c (its helpers).
 */
#include "platform/store/store_usage.h"

#define H0 (NOW - NOW % CCSP_STORE_HOUR_MS)
#define UA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define UB "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define APP1 "11111111111111111111111111111111"
#define APP2 "22222222222222222222222222222222"
#define KEY1 "33333333333333333333333333333333"

static ccsp_store_usage urow(const char *tenant, int64_t hour, const char *app, const char *key, const char *action,
                             int64_t calls, int64_t errors, int64_t bytes)
{
	ccsp_store_usage u = {.hour = hour, .calls = calls, .errors = errors, .bytes = bytes};
	snprintf(u.tenant_id, sizeof u.tenant_id, "%s", tenant);
	snprintf(u.app_id, sizeof u.app_id, "%s", app);
	snprintf(u.key_id, sizeof u.key_id, "%s", key);
	snprintf(u.action, sizeof u.action, "%s", action);
	return u;
}

static size_t uquery(ccsp_store *s, const ccsp_store_usage_query *q, size_t limit, ccsp_store_usage *out, int *more)
{
	ccsp_store_tx *tx = NULL;
	size_t n = 0;
	assert_ok(ccsp_store_begin_ro(s, &tx));
	assert_ok(ccsp_store_usage_query_run(tx, q, limit, out, &n, more));
	ccsp_store_rollback(tx);
	return n;
}

static void test_usage(void **state)
{
	(void)state;
	ccsp_store *s = fx_open();
	ccsp_store_usage rows[] = {
		urow(UA, H0, APP1, KEY1, "crypto/encrypt", 10, 1, 1000),
		urow(UA, H0, APP1, "", "crypto/hash", 5, 0, 50),
		urow(UA, H0, APP2, "", "crypto/hash", 2, 2, 20),
		urow(UA, H0, "", "", "kms/key-list", 1, 0, 300),
		urow(UA, H0 + CCSP_STORE_HOUR_MS, APP1, KEY1, "crypto/encrypt", 4, 0, 400),
		urow(UA, H0 - CCSP_STORE_HOUR_MS, APP1, KEY1, "crypto/encrypt", 100, 0, 1), /* before the range below */
		urow(UB, H0, APP1, KEY1, "crypto/encrypt", 7, 0, 70), /* another tenant (same app and key ids) */
	};
	ccsp_store_usage out[16];
	int more = 0;
	ccsp_store_tx *tx = tx_begin(s);
	assert_ok(ccsp_store_usage_add(tx, rows, sizeof rows / sizeof rows[0]));
	assert_ok(ccsp_store_commit(tx));
	tx = tx_begin(s); /* a second flush adds to the stored rows */
	assert_ok(ccsp_store_usage_add(tx, rows, 1));
	assert_ok(ccsp_store_usage_add(tx, NULL, 0));
	assert_ok(ccsp_store_commit(tx));

	/* refused rows: nothing of the call written */
	ccsp_store_usage bad[] = {
		urow(UA, H0, APP1, "", "crypto/hash", 1, 0, 1),
		urow(UA, H0 + 1, APP1, "", "crypto/hash", 1, 0, 1), /* not an hour */
	};
	tx = tx_begin(s);
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_usage_add(tx, bad, 2));
	bad[1] = urow("", H0, APP1, "", "crypto/hash", 1, 0, 1);
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_usage_add(tx, bad, 2));
	bad[1] = urow(UA, H0, APP1, "", "", 1, 0, 1);
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_usage_add(tx, bad, 2));
	bad[1] = urow(UA, H0, APP1, "", "crypto/hash", 1, 2, 1); /* more errors than calls */
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_usage_add(tx, bad, 2));
	bad[1] = urow(UA, H0, APP1, "", "crypto/hash", -1, 0, 1);
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_usage_add(tx, bad, 2));
	assert_ok(ccsp_store_commit(tx));
	ccsp_store_tx *ro = NULL;
	assert_ok(ccsp_store_begin_ro(s, &ro));
	assert_ccsp(CCSP_ERR_STATE, ccsp_store_usage_add(ro, rows, 1)); /* read-only */
	ccsp_store_rollback(ro);

	/* tenant A, the hours H0 and H0+1h, by action */
	ccsp_store_usage_query q = {.tenant = UA, .from = H0, .to = H0 + 2 * CCSP_STORE_HOUR_MS,
	                            .group = CCSP_STORE_USAGE_BY_ACTION};
	size_t n = uquery(s, &q, 16, out, &more);
	assert_int_equal(n, 3);
	assert_false(more);
	assert_string_equal(out[0].tenant_id, UA);
	assert_string_equal(out[0].action, "crypto/encrypt");
	assert_int_equal(out[0].calls, 24); /* 10 + 10 (the second add) + 4 */
	assert_int_equal(out[0].errors, 2);
	assert_int_equal(out[0].bytes, 2400);
	assert_string_equal(out[0].app_id, ""); /* not grouped */
	assert_int_equal(out[0].hour, 0);
	assert_string_equal(out[1].action, "crypto/hash");
	assert_int_equal(out[1].calls, 7);
	assert_int_equal(out[1].errors, 2);
	assert_string_equal(out[2].action, "kms/key-list");

	/* totals per tenant, every tenant (operators) */
	q = (ccsp_store_usage_query){.from = H0, .to = H0 + 2 * CCSP_STORE_HOUR_MS};
	n = uquery(s, &q, 16, out, &more);
	assert_int_equal(n, 2);
	assert_string_equal(out[0].tenant_id, UA);
	assert_int_equal(out[0].calls, 32);
	assert_string_equal(out[1].tenant_id, UB);
	assert_int_equal(out[1].calls, 7);
	assert_int_equal(out[1].bytes, 70);

	/* filters: app, key ("" = none), action; grouped by hour and app */
	q = (ccsp_store_usage_query){.tenant = UA, .from = H0 - CCSP_STORE_HOUR_MS, .to = H0 + 2 * CCSP_STORE_HOUR_MS,
	                             .app = APP1, .key = KEY1, .group = CCSP_STORE_USAGE_BY_HOUR | CCSP_STORE_USAGE_BY_APP};
	n = uquery(s, &q, 16, out, &more);
	assert_int_equal(n, 3);
	assert_int_equal(out[0].hour, H0 - CCSP_STORE_HOUR_MS);
	assert_int_equal(out[0].calls, 100);
	assert_string_equal(out[0].app_id, APP1);
	assert_int_equal(out[1].hour, H0);
	assert_int_equal(out[1].calls, 20);
	assert_int_equal(out[2].hour, H0 + CCSP_STORE_HOUR_MS);
	q = (ccsp_store_usage_query){.tenant = UA, .from = H0, .to = H0 + CCSP_STORE_HOUR_MS, .key = "",
	                             .group = CCSP_STORE_USAGE_BY_APP | CCSP_STORE_USAGE_BY_KEY};
	n = uquery(s, &q, 16, out, &more);
	assert_int_equal(n, 3); /* app "", APP1, APP2: the calls without a key */
	assert_string_equal(out[0].app_id, "");
	assert_int_equal(out[0].calls, 1);
	assert_string_equal(out[1].app_id, APP1);
	assert_string_equal(out[1].key_id, "");
	assert_int_equal(out[1].calls, 5);
	q = (ccsp_store_usage_query){.tenant = UA, .from = H0, .to = H0 + CCSP_STORE_HOUR_MS, .action = "crypto/hash"};
	n = uquery(s, &q, 16, out, &more);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].calls, 7);
	assert_int_equal(out[0].bytes, 70);

	/* another tenant's rows never appear; an empty range is empty */
	q = (ccsp_store_usage_query){.tenant = UB, .from = H0, .to = H0 + 2 * CCSP_STORE_HOUR_MS, .app = APP2};
	assert_int_equal(uquery(s, &q, 16, out, &more), 0);
	q = (ccsp_store_usage_query){.tenant = UA, .from = H0 + 5 * CCSP_STORE_HOUR_MS, .to = H0 + 6 * CCSP_STORE_HOUR_MS};
	assert_int_equal(uquery(s, &q, 16, out, &more), 0);

	/* limit and paging */
	q = (ccsp_store_usage_query){.from = 0, .to = H0 + 2 * CCSP_STORE_HOUR_MS,
	                             .group = CCSP_STORE_USAGE_BY_HOUR | CCSP_STORE_USAGE_BY_APP | CCSP_STORE_USAGE_BY_KEY |
	                                      CCSP_STORE_USAGE_BY_ACTION};
	n = uquery(s, &q, 4, out, &more);
	assert_int_equal(n, 4);
	assert_true(more);
	q.offset = 4;
	n = uquery(s, &q, 4, out, &more);
	assert_int_equal(n, 3); /* 7 rows stored */
	assert_false(more);
	assert_string_equal(out[2].tenant_id, UB);

	/* bad queries */
	tx = NULL;
	assert_ok(ccsp_store_begin_ro(s, &tx));
	q = (ccsp_store_usage_query){.from = H0, .to = H0 - 1};
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_usage_query_run(tx, &q, 4, out, &n, &more));
	q = (ccsp_store_usage_query){.from = H0, .to = H0, .group = 1u << 9};
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_usage_query_run(tx, &q, 4, out, &n, &more));
	q = (ccsp_store_usage_query){.tenant = "", .from = H0, .to = H0};
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_usage_query_run(tx, &q, 4, out, &n, &more));
	q = (ccsp_store_usage_query){.from = H0, .to = H0};
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_usage_query_run(tx, &q, 0, out, &n, &more));
	ccsp_store_rollback(tx);
	ccsp_store_free(s);
}

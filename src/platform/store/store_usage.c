/* SPDX-License-Identifier: Apache-2.0 */
/* The store's metering counters (store_usage.h). */
#include <stdio.h>
#include <string.h>

#include "platform/store/store_db.h"
#include "platform/store/store_usage.h"

/* "" or text of at most max bytes */
static int opt_id_ok(const char *s, size_t max)
{
	return s != NULL && (s[0] == '\0' || st_text_ok(s, max));
}

static int row_ok(const ccsp_store_usage *u)
{
	return st_text_ok(u->tenant_id, CCSP_STORE_ID_LEN) && u->hour >= 0 && u->hour % CCSP_STORE_HOUR_MS == 0 &&
	       opt_id_ok(u->app_id, CCSP_STORE_ID_LEN) && opt_id_ok(u->key_id, CCSP_STORE_ID_LEN) &&
	       st_text_ok(u->action, CCSP_STORE_USAGE_ACTION_MAX) && u->calls >= 0 && u->errors >= 0 &&
	       u->errors <= u->calls && u->bytes >= 0;
}

ccsp_err ccsp_store_usage_add(ccsp_store_tx *tx, const ccsp_store_usage *rows, size_t n)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(rows != NULL || n == 0, CCSP_ERR_ARG);
	for (size_t i = 0; i < n; i++)
		CCSP_ENSURE(row_ok(&rows[i]), CCSP_ERR_ARG);
	for (size_t i = 0; i < n; i++) {
		const ccsp_store_usage *u = &rows[i];
		st_val v[] = {
			ST_T(u->tenant_id), ST_I(u->hour), ST_T(u->app_id), ST_T(u->key_id), ST_T(u->action),
			ST_I(u->calls), ST_I(u->errors), ST_I(u->bytes),
		};
		/* SQLite >= 3.24 and PostgreSQL >= 9.5 both read this upsert */
		CCSP_GUARD(st_tx_query(tx, "INSERT INTO usage_counts (tenant_id, hour, app_id, key_id, action, calls,"
		                           " errors, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
		                           " ON CONFLICT (tenant_id, hour, app_id, key_id, action) DO UPDATE SET"
		                           " calls = usage_counts.calls + excluded.calls,"
		                           " errors = usage_counts.errors + excluded.errors,"
		                           " bytes = usage_counts.bytes + excluded.bytes", v, 8, NULL, NULL));
	}
	return CCSP_OK;
}

#define ALL_GROUPS \
	(CCSP_STORE_USAGE_BY_APP | CCSP_STORE_USAGE_BY_KEY | CCSP_STORE_USAGE_BY_ACTION | CCSP_STORE_USAGE_BY_HOUR)

/* The grouped dimensions, in the order of the result's columns: the column, and what stands for it when summed. */
static const struct {
	unsigned bit;
	const char *col, *none;
} DIMS[] = {
	{CCSP_STORE_USAGE_BY_HOUR, "hour", "CAST(0 AS BIGINT)"},
	{CCSP_STORE_USAGE_BY_APP, "app_id", "CAST('' AS TEXT)"},
	{CCSP_STORE_USAGE_BY_KEY, "key_id", "CAST('' AS TEXT)"},
	{CCSP_STORE_USAGE_BY_ACTION, "action", "CAST('' AS TEXT)"},
};
#define N_DIMS (sizeof DIMS / sizeof DIMS[0])

static int query_ok(const ccsp_store_usage_query *q)
{
	return q->from >= 0 && q->from <= q->to && (q->group & ~(unsigned)ALL_GROUPS) == 0 &&
	       (q->tenant == NULL || st_text_ok(q->tenant, CCSP_STORE_ID_LEN)) &&
	       (q->app == NULL || opt_id_ok(q->app, CCSP_STORE_ID_LEN)) &&
	       (q->key == NULL || opt_id_ok(q->key, CCSP_STORE_ID_LEN)) &&
	       (q->action == NULL || st_text_ok(q->action, CCSP_STORE_USAGE_ACTION_MAX)) &&
	       q->offset <= (size_t)INT64_MAX;
}

/* The statement for q: fixed fragments only (every value is bound); its parameters into v, *nv of them. */
static void query_sql(const ccsp_store_usage_query *q, size_t limit, char *sql, size_t cap, st_val *v, size_t *nv)
{
	size_t len = 0, k = 0;
	char order[128] = "tenant_id";
	size_t olen = strlen(order);
#define ADD(...) (len += (size_t)snprintf(sql + len, len < cap ? cap - len : 0, __VA_ARGS__))
	ADD("SELECT tenant_id");
	for (size_t i = 0; i < N_DIMS; i++) {
		int grouped = (q->group & DIMS[i].bit) != 0;
		ADD(", %s", grouped ? DIMS[i].col : DIMS[i].none);
		if (grouped)
			olen += (size_t)snprintf(order + olen, sizeof order - olen, ", %s", DIMS[i].col);
	}
	ADD(", CAST(SUM(calls) AS BIGINT), CAST(SUM(errors) AS BIGINT), CAST(SUM(bytes) AS BIGINT)"
	    " FROM usage_counts WHERE hour >= ? AND hour < ?");
	v[k++] = ST_I(q->from);
	v[k++] = ST_I(q->to);
	const char *const filters[][2] = {{q->tenant, "tenant_id"}, {q->app, "app_id"}, {q->key, "key_id"},
	                                  {q->action, "action"}};
	for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++)
		if (filters[i][0] != NULL) {
			ADD(" AND %s = ?", filters[i][1]);
			v[k++] = ST_T(filters[i][0]);
		}
	ADD(" GROUP BY %s ORDER BY %s LIMIT ? OFFSET ?", order, order);
#undef ADD
	v[k++] = ST_I(limit + 1); /* one more: whether more follow */
	v[k++] = ST_I(q->offset);
	*nv = k;
}

static ccsp_err usage_row(const st_res *r, size_t i, ccsp_store_usage *u)
{
	memset(u, 0, sizeof *u);
	CCSP_GUARD(st_res_copy_text(r, i, 0, u->tenant_id, sizeof u->tenant_id));
	u->hour = st_res_int(r, i, 1);
	CCSP_GUARD(st_res_copy_text(r, i, 2, u->app_id, sizeof u->app_id));
	CCSP_GUARD(st_res_copy_text(r, i, 3, u->key_id, sizeof u->key_id));
	CCSP_GUARD(st_res_copy_text(r, i, 4, u->action, sizeof u->action));
	u->calls = st_res_int(r, i, 5);
	u->errors = st_res_int(r, i, 6);
	u->bytes = st_res_int(r, i, 7);
	return CCSP_OK;
}

ccsp_err ccsp_store_usage_query_run(ccsp_store_tx *tx, const ccsp_store_usage_query *q, size_t limit,
                                    ccsp_store_usage *out, size_t *n, int *more)
{
	char sql[768];
	st_val v[8];
	size_t nv = 0;
	st_res *r = NULL;
	ccsp_err ret = CCSP_OK;
	CCSP_ENSURE(q != NULL && out != NULL && n != NULL && more != NULL && st_limit(limit), CCSP_ERR_ARG);
	CCSP_ENSURE(query_ok(q), CCSP_ERR_ARG);
	*n = 0;
	*more = 0;
	query_sql(q, limit, sql, sizeof sql, v, &nv);
	CCSP_GUARD(st_tx_query(tx, sql, v, nv, &r, NULL));
	for (size_t i = 0; i < r->rows && i < limit; i++) {
		CCSP_CHECK(usage_row(r, i, &out[i]));
		*n = i + 1;
	}
	*more = r->rows > limit;
out:
	st_res_free(r);
	return ret;
}

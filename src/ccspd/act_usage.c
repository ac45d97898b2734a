/* SPDX-License-Identifier: Apache-2.0 */
/*
 * usage/query (docs/api-ccspd.md "usage"; OPS-6/7): the metering counts in the store, summed over a range of hours
 * and grouped as asked. Who sees what: operators (sysadmin, auditor) every tenant or the one they name; a tenant
 * administrator its own tenant; an application its own calls. Another tenant or app named is CCSP-1002, as every
 * object of another tenant is. Counts reach the store at the next flush (metering_flush_interval_s).
 */
#include <stdlib.h>
#include <string.h>

#include "ccspd/act.h"
#include "platform/store/store_usage.h"

#define DAY_MS (24 * CCSP_STORE_HOUR_MS)
#define RANGE_MAX_MS (400 * DAY_MS) /* a bound on a query's hours */
#define OFFSET_MAX 1000000000

static const struct {
	const char *name;
	unsigned bit;
} GROUPS[] = {
	{"app", CCSP_STORE_USAGE_BY_APP},
	{"key", CCSP_STORE_USAGE_BY_KEY},
	{"action", CCSP_STORE_USAGE_BY_ACTION},
	{"hour", CCSP_STORE_USAGE_BY_HOUR},
};
#define N_GROUPS (sizeof GROUPS / sizeof GROUPS[0])

/* groupBy: an array of the names above; 0, or -1 after answering CCSP-1001. */
static int group_by(ccspd_call *c, unsigned *group)
{
	json_t *v = json_object_get(c->body, "groupBy"), *e;
	size_t i;
	*group = 0;
	if (v == NULL)
		return 0;
	if (!json_is_array(v) || json_array_size(v) > N_GROUPS * 2)
		goto bad;
	json_array_foreach(v, i, e) {
		const char *s = json_string_value(e);
		size_t g = 0;
		while (s != NULL && g < N_GROUPS && strcmp(s, GROUPS[g].name) != 0)
			g++;
		if (g == N_GROUPS || s == NULL)
			goto bad;
		*group |= GROUPS[g].bit;
	}
	return 0;
bad:
	ccspd_fail(c->d, c->req, CCSP_APIERR_INVALID_PARAM,
	           "groupBy must be an array of \"app\", \"key\", \"action\", \"hour\"");
	return -1;
}

/* from and to: default the last 24 hours; from rounded down and to up to whole hours. 0, or -1 after answering. */
static int range(ccspd_call *c, int64_t *from, int64_t *to)
{
	int64_t now = ccspd_now_ms(c->d), f, t;
	if (act_int(c, "to", 0, INT64_MAX / 2, now, &t) != 0 || act_int(c, "from", 0, INT64_MAX / 2, t - DAY_MS, &f) != 0)
		return -1;
	f = f > 0 ? f - f % CCSP_STORE_HOUR_MS : 0;
	t = t % CCSP_STORE_HOUR_MS != 0 ? t - t % CCSP_STORE_HOUR_MS + CCSP_STORE_HOUR_MS : t;
	if (f > t || t - f > RANGE_MAX_MS) {
		ccspd_fail(c->d, c->req, CCSP_APIERR_INVALID_PARAM, "from must not be after to, at most 400 days apart");
		return -1;
	}
	*from = f;
	*to = t;
	return 0;
}

/* Who may see what (policy.c): q->tenant and q->app narrowed to the caller's; 0, or -1 after answering CCSP-1002. */
static int scope(ccspd_call *c, const char *tenant, ccsp_store_usage_query *q)
{
	q->tenant = tenant;
	if (ccspd_policy_usage_scope(c->who, &q->tenant, &q->app) == 0)
		return 0;
	ccspd_fail(c->d, c->req, CCSP_APIERR_NOT_FOUND, NULL);
	return -1;
}

static json_t *row_json(const ccsp_store_usage *u, unsigned group)
{
	json_t *o = json_pack("{s:s}", "tenantId", u->tenant_id); /* members in the order of the reference */
	if (o == NULL)
		return NULL;
	if (group & CCSP_STORE_USAGE_BY_APP)
		json_object_set_new(o, "app", json_string(u->app_id));
	if (group & CCSP_STORE_USAGE_BY_KEY)
		json_object_set_new(o, "key", json_string(u->key_id));
	if (group & CCSP_STORE_USAGE_BY_ACTION)
		json_object_set_new(o, "action", json_string(u->action));
	if (group & CCSP_STORE_USAGE_BY_HOUR)
		json_object_set_new(o, "hour", json_integer((json_int_t)u->hour));
	json_object_set_new(o, "calls", json_integer((json_int_t)u->calls));
	json_object_set_new(o, "errors", json_integer((json_int_t)u->errors));
	json_object_set_new(o, "bytes", json_integer((json_int_t)u->bytes));
	return o;
}

static void answer(ccspd_call *c, const ccsp_store_usage_query *q, const ccsp_store_usage *rows, size_t n, int more)
{
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, row_json(&rows[i], q->group));
	json_t *r = json_pack("{s:o, s:I, s:I, s:o}", "usage", list, "from", (json_int_t)q->from, "to", (json_int_t)q->to,
	                      "next", more ? json_integer((json_int_t)(q->offset + n)) : json_null());
	if (r == NULL) {
		ccspd_fail(c->d, c->req, CCSP_APIERR_INTERNAL, NULL);
		return;
	}
	ccspd_ok(c->req, r);
}

void ccspd_act_usage_query(ccspd_call *c)
{
	ccsp_store_usage_query q = {0};
	const char *tenant = NULL;
	int64_t limit, offset;
	if (act_id(c, "tenantId", 0, &tenant) != 0 || act_id(c, "appId", 0, &q.app) != 0 ||
	    act_id(c, "keyId", 0, &q.key) != 0 || act_str(c, "action", 0, CCSP_STORE_USAGE_ACTION_MAX, &q.action) != 0 ||
	    act_int(c, "limit", 1, CCSPD_LIST_MAX, CCSPD_LIST_DEFAULT, &limit) != 0 ||
	    act_int(c, "offset", 0, OFFSET_MAX, 0, &offset) != 0 || group_by(c, &q.group) != 0 ||
	    range(c, &q.from, &q.to) != 0 || scope(c, tenant, &q) != 0)
		return;
	q.offset = (size_t)offset;
	ccsp_store_usage *rows = calloc((size_t)limit, sizeof *rows);
	ccsp_store_tx *tx = NULL;
	size_t n = 0;
	int more = 0;
	ccsp_err ret = rows != NULL ? ccsp_store_begin_ro(c->d->store, &tx) : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK)
		ret = ccsp_store_usage_query_run(tx, &q, (size_t)limit, rows, &n, &more);
	ccsp_store_rollback(tx);
	if (ret == CCSP_OK)
		answer(c, &q, rows, n, more);
	else
		act_fail(c, ret, NULL);
	free(rows);
}

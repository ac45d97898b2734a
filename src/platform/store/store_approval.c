/* SPDX-License-Identifier: Apache-2.0 */
/* The store's approval requests, the two-person rule (store_approval.h). */
#include <string.h>

#include "platform/store/store_approval.h"
#include "platform/store/store_db.h"

/* The state as of a bound time (the first parameter of every read): a pending request past its expiry is expired. */
#define APPROVAL_COLS                                                                                              \
	"id, kind, target, detail,"                                                                                \
	" CASE WHEN state = 'pending' AND expires <= ? THEN 'expired' ELSE state END AS st,"                       \
	" requested_by, decided_by, created, expires, decided_at, executed_at"

static const char *const state_names[] = {"pending", "approved", "rejected", "expired", "executed"};

const char *ccsp_store_approval_state_name(ccsp_store_approval_state s)
{
	return (unsigned)s < sizeof state_names / sizeof state_names[0] ? state_names[s] : NULL;
}

ccsp_err ccsp_store_approval_state_parse(const char *name, ccsp_store_approval_state *s)
{
	for (size_t i = 0; name != NULL && i < sizeof state_names / sizeof state_names[0]; i++) {
		if (strcmp(name, state_names[i]) == 0) {
			*s = (ccsp_store_approval_state)i;
			return CCSP_OK;
		}
	}
	return CCSP_ERR_ARG;
}

static ccsp_err approval_row(const st_res *r, size_t i, ccsp_store_approval *a)
{
	memset(a, 0, sizeof *a);
	CCSP_GUARD(st_res_copy_text(r, i, 0, a->id, sizeof a->id));
	CCSP_GUARD(st_res_copy_text(r, i, 1, a->kind, sizeof a->kind));
	CCSP_GUARD(st_res_copy_text(r, i, 2, a->target, sizeof a->target));
	CCSP_GUARD(st_res_copy_text(r, i, 3, a->detail, sizeof a->detail));
	CCSP_ENSURE(ccsp_store_approval_state_parse(st_res_text(r, i, 4), &a->state) == CCSP_OK, CCSP_ERR_TAMPERED);
	CCSP_GUARD(st_res_copy_text(r, i, 5, a->requested_by, sizeof a->requested_by));
	CCSP_GUARD(st_res_copy_text(r, i, 6, a->decided_by, sizeof a->decided_by));
	a->created = st_res_int(r, i, 7);
	a->expires = st_res_int(r, i, 8);
	a->decided_at = st_res_int(r, i, 9);
	a->executed_at = st_res_int(r, i, 10);
	return CCSP_OK;
}

ccsp_err ccsp_store_approval_create(ccsp_store_tx *tx, ccsp_store_approval *a)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(a != NULL && st_text_ok(a->kind, CCSP_STORE_NAME_MAX) && st_text_ok(a->target, CCSP_STORE_NAME_MAX) &&
	                st_text_ok(a->detail, CCSP_STORE_APPROVAL_DETAIL_MAX) &&
	                st_text_ok(a->requested_by, CCSP_STORE_ID_LEN) && a->expires > a->created,
	            CCSP_ERR_ARG);
	CCSP_GUARD(st_new_id(a->id));
	a->state = CCSP_APPROVAL_PENDING;
	a->decided_by[0] = 0;
	a->decided_at = a->executed_at = 0;
	st_val v[] = {
		ST_T(a->id), ST_T(a->kind), ST_T(a->target), ST_T(a->detail), ST_T(a->requested_by), ST_I(a->created),
		ST_I(a->expires),
	};
	return st_tx_query(tx, "INSERT INTO approvals (id, kind, target, detail, state, requested_by, created, expires)"
	                       " VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)", v, 7, NULL, NULL);
}

ccsp_err ccsp_store_approval_get(ccsp_store_tx *tx, const char *id, int64_t now, ccsp_store_approval *out)
{
	st_res *r = NULL;
	CCSP_ENSURE(out != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(id, CCSP_STORE_ID_LEN), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_I(now), ST_T(id)};
	CCSP_GUARD(st_tx_query_one(tx, "SELECT " APPROVAL_COLS " FROM approvals WHERE id = ?", v, 2, &r));
	ccsp_err ret = approval_row(r, 0, out);
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_approval_list(ccsp_store_tx *tx, const ccsp_store_approval_state *state, int64_t now,
                                  const char *cursor, size_t limit, ccsp_store_approval *out, size_t *n)
{
	st_res *r = NULL;
	ccsp_err ret = CCSP_OK;
	const char *st = state != NULL ? ccsp_store_approval_state_name(*state) : NULL;
	CCSP_ENSURE(out != NULL && n != NULL && st_limit(limit) && (state == NULL || st != NULL), CCSP_ERR_ARG);
	*n = 0;
	/* the state filter is on the state as of now; "? IS NULL" would leave PostgreSQL to guess the type */
	st_val v[] = {ST_I(now), ST_I(st == NULL), ST_T(st != NULL ? st : ""), ST_T(cursor ? cursor : ""), ST_I(limit)};
	CCSP_GUARD(st_tx_query(tx, "SELECT * FROM (SELECT " APPROVAL_COLS " FROM approvals) AS a"
	                           " WHERE (? = 1 OR st = ?) AND id > ? ORDER BY id LIMIT ?", v, 5, &r, NULL));
	for (size_t i = 0; i < r->rows && i < limit; i++) {
		CCSP_CHECK(approval_row(r, i, &out[i]));
		*n = i + 1;
	}
out:
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_approval_decide(ccsp_store_tx *tx, const char *id, ccsp_store_approval_state to, const char *by,
                                    int64_t now)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE((to == CCSP_APPROVAL_APPROVED || to == CCSP_APPROVAL_REJECTED) && st_text_ok(by, CCSP_STORE_ID_LEN),
	            CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(id, CCSP_STORE_ID_LEN), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(ccsp_store_approval_state_name(to)), ST_T(by), ST_I(now), ST_T(id), ST_I(now)};
	return st_tx_change_one(tx, "UPDATE approvals SET state = ?, decided_by = ?, decided_at = ?"
	                            " WHERE id = ? AND state = 'pending' AND expires > ?", v, 5);
}

ccsp_err ccsp_store_approval_executed(ccsp_store_tx *tx, const char *id, int64_t now)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(st_text_ok(id, CCSP_STORE_ID_LEN), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_I(now), ST_T(id)};
	return st_tx_change_one(tx, "UPDATE approvals SET state = 'executed', executed_at = ?"
	                            " WHERE id = ? AND state = 'approved'", v, 2);
}

ccsp_err ccsp_store_approval_expire(ccsp_store_tx *tx, int64_t now, int64_t *n)
{
	int64_t k = 0;
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	st_val v[] = {ST_I(now)};
	ccsp_err ret = st_tx_query(tx, "UPDATE approvals SET state = 'expired' WHERE state = 'pending' AND expires <= ?",
	                           v, 1, NULL, &k);
	if (n != NULL)
		*n = k;
	return ret;
}

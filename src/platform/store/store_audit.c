/* SPDX-License-Identifier: Apache-2.0 */
/* The store's audit records and checkpoints (store_audit.h): bytes in, bytes out; the chain is the caller's. */
#include <stdlib.h>
#include <string.h>

#include "platform/store/store_audit.h"
#include "platform/store/store_db.h"

#define AUDIT_COLS "seq, ts, actor, actor_role, tenant_id, action, target, outcome, detail, chain, mac"
/* Each filter field is bound twice: "(? IS NULL OR col = ?)"; values are never spliced into the text. */
#define AUDIT_WHERE                                                                                                \
	" WHERE (? = 0 OR ts >= ?) AND (? = 0 OR ts < ?) AND (? IS NULL OR actor = ?)"                             \
	" AND (? IS NULL OR tenant_id = ?) AND (? IS NULL OR action = ?) AND (? IS NULL OR outcome = ?)"
#define AUDIT_WHERE_N 12

void ccsp_store_audit_rec_clear(ccsp_store_audit_rec *recs, size_t n)
{
	for (size_t i = 0; recs != NULL && i < n; i++) {
		free(recs[i].detail);
		recs[i].detail = NULL;
	}
}

static ccsp_err audit_row(const st_res *r, size_t i, ccsp_store_audit_rec *a)
{
	memset(a, 0, sizeof *a);
	a->seq = st_res_int(r, i, 0);
	a->ts = st_res_int(r, i, 1);
	CCSP_GUARD(st_res_copy_text(r, i, 2, a->actor, sizeof a->actor));
	CCSP_GUARD(st_res_copy_text(r, i, 3, a->actor_role, sizeof a->actor_role));
	CCSP_GUARD(st_res_copy_text(r, i, 4, a->tenant_id, sizeof a->tenant_id));
	CCSP_GUARD(st_res_copy_text(r, i, 5, a->action, sizeof a->action));
	CCSP_GUARD(st_res_copy_text(r, i, 6, a->target, sizeof a->target));
	CCSP_GUARD(st_res_copy_text(r, i, 7, a->outcome, sizeof a->outcome));
	CCSP_GUARD(st_res_copy_blob(r, i, 9, a->chain, sizeof a->chain, &a->chain_len));
	CCSP_GUARD(st_res_copy_blob(r, i, 10, a->mac, sizeof a->mac, &a->mac_len));
	const char *d = st_res_text(r, i, 8);
	a->detail = strdup(d ? d : "");
	return a->detail ? CCSP_OK : CCSP_ERR_NOMEM;
}

ccsp_err ccsp_store_audit_head(ccsp_store_tx *tx, int64_t *seq, uint8_t *chain, size_t *chain_len)
{
	st_res *r = NULL;
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(seq != NULL && chain != NULL && chain_len != NULL, CCSP_ERR_ARG);
	/* An update in place, not a SELECT: it takes the row lock (PostgreSQL) that serializes appenders */
	CCSP_GUARD(st_tx_query_one(tx, "UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, chain", NULL, 0,
	                           &r));
	*seq = st_res_int(r, 0, 0);
	ccsp_err ret = st_res_copy_blob(r, 0, 1, chain, CCSP_STORE_CHAIN_MAX, chain_len);
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_audit_newest(ccsp_store_tx *tx, int64_t *seq)
{
	st_res *r = NULL;
	CCSP_ENSURE(seq != NULL, CCSP_ERR_ARG);
	CCSP_GUARD(st_tx_query_one(tx, "SELECT seq FROM audit_head WHERE id = 1", NULL, 0, &r));
	*seq = st_res_int(r, 0, 0);
	st_res_free(r);
	return CCSP_OK;
}

static int audit_rec_ok(const ccsp_store_audit_rec *a)
{
	return a->seq > 0 && st_text_ok(a->actor, CCSP_STORE_TEXT_MAX) &&
	       st_text_ok(a->actor_role, CCSP_STORE_TEXT_MAX) &&
	       (a->tenant_id[0] == 0 || st_text_ok(a->tenant_id, CCSP_STORE_NAME_MAX)) &&
	       st_text_ok(a->action, CCSP_STORE_TEXT_MAX) && st_value_ok(a->target, CCSP_STORE_TARGET_MAX) &&
	       st_text_ok(a->outcome, CCSP_STORE_TEXT_MAX) &&
	       (a->detail == NULL || st_value_ok(a->detail, CCSP_STORE_VALUE_MAX)) && a->chain_len >= 1 &&
	       a->chain_len <= sizeof a->chain && a->mac_len >= 1 && a->mac_len <= sizeof a->mac;
}

ccsp_err ccsp_store_audit_append(ccsp_store_tx *tx, const ccsp_store_audit_rec *a)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(a != NULL && audit_rec_ok(a), CCSP_ERR_ARG);
	st_val h[] = {ST_I(a->seq), ST_B(a->chain, a->chain_len), ST_I(a->seq - 1)};
	ccsp_err ret = st_tx_change_one(tx, "UPDATE audit_head SET seq = ?, chain = ? WHERE id = 1 AND seq = ?", h, 3);
	CCSP_ENSURE(ret != CCSP_ERR_NOT_FOUND, CCSP_ERR_STATE); /* rec->seq does not follow the head */
	CCSP_GUARD(ret);
	st_val v[] = {
		ST_I(a->seq), ST_I(a->ts), ST_T(a->actor), ST_T(a->actor_role), ST_T(a->tenant_id[0] ? a->tenant_id : NULL),
		ST_T(a->action), ST_T(a->target), ST_T(a->outcome), ST_T(a->detail ? a->detail : ""),
		ST_B(a->chain, a->chain_len), ST_B(a->mac, a->mac_len),
	};
	return st_tx_query(tx, "INSERT INTO audit (" AUDIT_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", v, 11,
	                   NULL, NULL);
}

ccsp_err ccsp_store_audit_get(ccsp_store_tx *tx, int64_t seq, ccsp_store_audit_rec *out)
{
	st_res *r = NULL;
	CCSP_ENSURE(out != NULL, CCSP_ERR_ARG);
	st_val v[] = {ST_I(seq)};
	CCSP_GUARD(st_tx_query_one(tx, "SELECT " AUDIT_COLS " FROM audit WHERE seq = ?", v, 1, &r));
	ccsp_err ret = audit_row(r, 0, out);
	st_res_free(r);
	return ret;
}

static void audit_filter_vals(const ccsp_store_audit_filter *f, st_val *v)
{
	static const ccsp_store_audit_filter all;
	if (f == NULL)
		f = &all;
	const char *text[4] = {f->actor, f->tenant_id, f->action, f->outcome};
	v[0] = v[1] = ST_I(f->from_ts);
	v[2] = v[3] = ST_I(f->to_ts);
	for (int i = 0; i < 4; i++)
		v[4 + 2 * i] = v[5 + 2 * i] = ST_T(text[i]);
}

ccsp_err ccsp_store_audit_list(ccsp_store_tx *tx, const ccsp_store_audit_filter *f, int64_t after_seq, size_t limit,
                               ccsp_store_audit_rec *out, size_t *n)
{
	st_res *r = NULL;
	ccsp_err ret = CCSP_OK;
	st_val v[AUDIT_WHERE_N + 2];
	CCSP_ENSURE(out != NULL && n != NULL && st_limit(limit), CCSP_ERR_ARG);
	*n = 0;
	audit_filter_vals(f, v);
	v[AUDIT_WHERE_N] = ST_I(after_seq);
	v[AUDIT_WHERE_N + 1] = ST_I(limit);
	CCSP_GUARD(st_tx_query(tx, "SELECT " AUDIT_COLS " FROM audit" AUDIT_WHERE " AND seq > ? ORDER BY seq LIMIT ?", v,
	                       AUDIT_WHERE_N + 2, &r, NULL));
	for (size_t i = 0; i < r->rows && i < limit; i++) {
		ret = audit_row(r, i, &out[i]);
		if (ret != CCSP_OK) {
			ccsp_store_audit_rec_clear(out, i + 1);
			*n = 0;
			goto out;
		}
		*n = i + 1;
	}
out:
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_audit_count(ccsp_store_tx *tx, const ccsp_store_audit_filter *f, int64_t *n)
{
	st_res *r = NULL;
	st_val v[AUDIT_WHERE_N];
	CCSP_ENSURE(n != NULL, CCSP_ERR_ARG);
	audit_filter_vals(f, v);
	CCSP_GUARD(st_tx_query_one(tx, "SELECT COUNT(*) FROM audit" AUDIT_WHERE, v, AUDIT_WHERE_N, &r));
	*n = st_res_int(r, 0, 0);
	st_res_free(r);
	return CCSP_OK;
}

/* ---- checkpoints ---- */

#define CP_COLS "seq, chain, signature, ts"

static ccsp_err checkpoint_row(const st_res *r, size_t i, ccsp_store_audit_checkpoint *cp)
{
	memset(cp, 0, sizeof *cp);
	cp->seq = st_res_int(r, i, 0);
	CCSP_GUARD(st_res_copy_blob(r, i, 1, cp->chain, sizeof cp->chain, &cp->chain_len));
	CCSP_GUARD(st_res_copy_blob(r, i, 2, cp->sig, sizeof cp->sig, &cp->sig_len));
	cp->ts = st_res_int(r, i, 3);
	return CCSP_OK;
}

ccsp_err ccsp_store_audit_checkpoint_add(ccsp_store_tx *tx, const ccsp_store_audit_checkpoint *cp)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(cp != NULL && cp->seq > 0 && cp->chain_len >= 1 && cp->chain_len <= sizeof cp->chain &&
	                    cp->sig_len >= 1 && cp->sig_len <= sizeof cp->sig,
	            CCSP_ERR_ARG);
	st_val v[] = {ST_I(cp->seq), ST_B(cp->chain, cp->chain_len), ST_B(cp->sig, cp->sig_len), ST_I(cp->ts)};
	return st_tx_query(tx, "INSERT INTO audit_checkpoints (" CP_COLS ") VALUES (?, ?, ?, ?)", v, 4, NULL, NULL);
}

ccsp_err ccsp_store_audit_checkpoint_last(ccsp_store_tx *tx, ccsp_store_audit_checkpoint *out)
{
	st_res *r = NULL;
	CCSP_ENSURE(out != NULL, CCSP_ERR_ARG);
	CCSP_GUARD(st_tx_query_one(tx, "SELECT " CP_COLS " FROM audit_checkpoints ORDER BY seq DESC LIMIT 1", NULL, 0,
	                           &r));
	ccsp_err ret = checkpoint_row(r, 0, out);
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_audit_checkpoint_list(ccsp_store_tx *tx, int64_t after_seq, size_t limit,
                                          ccsp_store_audit_checkpoint *out, size_t *n)
{
	st_res *r = NULL;
	ccsp_err ret = CCSP_OK;
	CCSP_ENSURE(out != NULL && n != NULL && st_limit(limit), CCSP_ERR_ARG);
	*n = 0;
	st_val v[] = {ST_I(after_seq), ST_I(limit)};
	CCSP_GUARD(st_tx_query(tx, "SELECT " CP_COLS " FROM audit_checkpoints WHERE seq > ? ORDER BY seq LIMIT ?", v, 2,
	                       &r, NULL));
	for (size_t i = 0; i < r->rows && i < limit; i++) {
		CCSP_CHECK(checkpoint_row(r, i, &out[i]));
		*n = i + 1;
	}
out:
	st_res_free(r);
	return ret;
}

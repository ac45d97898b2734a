/* SPDX-License-Identifier: Apache-2.0 */
/* The store's login sessions, keyed by the SM3 hash of their token (store_identity.h). */
#include <string.h>

#include "platform/store/store_db.h"
#include "platform/store/store_identity.h"

#define SESSION_COLS "token_hash, principal_id, app_id, tenant_id, created, last_seen, expires"
#define HASH_VAL(h) ST_B((h), CCSP_STORE_TOKEN_HASH_SIZE)

static ccsp_err session_row(const st_res *r, size_t i, ccsp_store_session *s)
{
	size_t len = 0;
	memset(s, 0, sizeof *s);
	CCSP_GUARD(st_res_copy_blob(r, i, 0, s->token_hash, sizeof s->token_hash, &len));
	CCSP_ENSURE(len == sizeof s->token_hash, CCSP_ERR_TAMPERED);
	CCSP_GUARD(st_res_copy_text(r, i, 1, s->principal_id, sizeof s->principal_id));
	CCSP_GUARD(st_res_copy_text(r, i, 2, s->app_id, sizeof s->app_id));
	CCSP_GUARD(st_res_copy_text(r, i, 3, s->tenant_id, sizeof s->tenant_id));
	s->created = st_res_int(r, i, 4);
	s->last_seen = st_res_int(r, i, 5);
	s->expires = st_res_int(r, i, 6);
	return CCSP_OK;
}

/* The owner must exist in the session's tenant: the scoped gets answer CCSP_ERR_NOT_FOUND otherwise. */
static ccsp_err session_owner_check(ccsp_store_tx *tx, const ccsp_store_session *s, const char *tenant)
{
	if (s->principal_id[0]) {
		ccsp_store_principal p;
		return ccsp_store_principal_get(tx, tenant, s->principal_id, &p);
	}
	ccsp_store_app a;
	CCSP_ENSURE(tenant != NULL, CCSP_ERR_ARG); /* apps always belong to a tenant */
	return ccsp_store_app_get(tx, tenant, s->app_id, &a);
}

ccsp_err ccsp_store_session_create(ccsp_store_tx *tx, const ccsp_store_session *s)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(s != NULL && (s->principal_id[0] == 0) != (s->app_id[0] == 0), CCSP_ERR_ARG);
	const char *tenant = s->tenant_id[0] ? s->tenant_id : NULL;
	CCSP_GUARD(session_owner_check(tx, s, tenant));
	st_val v[] = {
		HASH_VAL(s->token_hash), ST_T(s->principal_id[0] ? s->principal_id : NULL),
		ST_T(s->app_id[0] ? s->app_id : NULL), ST_T(tenant), ST_I(s->created), ST_I(s->last_seen),
		ST_I(s->expires),
	};
	return st_tx_query(tx, "INSERT INTO sessions (" SESSION_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?)", v, 7, NULL,
	                   NULL);
}

ccsp_err ccsp_store_session_get(ccsp_store_tx *tx, const uint8_t token_hash[CCSP_STORE_TOKEN_HASH_SIZE], int64_t now,
                                ccsp_store_session *out)
{
	st_res *r = NULL;
	CCSP_ENSURE(token_hash != NULL && out != NULL, CCSP_ERR_ARG);
	st_val v[] = {HASH_VAL(token_hash), ST_I(now)};
	CCSP_GUARD(st_tx_query_one(tx, "SELECT " SESSION_COLS " FROM sessions WHERE token_hash = ? AND expires > ?", v,
	                           2, &r));
	ccsp_err ret = session_row(r, 0, out);
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_session_touch(ccsp_store_tx *tx, const uint8_t token_hash[CCSP_STORE_TOKEN_HASH_SIZE],
                                  int64_t now)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(token_hash != NULL, CCSP_ERR_ARG);
	st_val v[] = {ST_I(now), HASH_VAL(token_hash), ST_I(now)};
	return st_tx_change_one(tx, "UPDATE sessions SET last_seen = ? WHERE token_hash = ? AND expires > ?", v, 3);
}

ccsp_err ccsp_store_session_revoke(ccsp_store_tx *tx, const uint8_t token_hash[CCSP_STORE_TOKEN_HASH_SIZE])
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(token_hash != NULL, CCSP_ERR_ARG);
	st_val v[] = {HASH_VAL(token_hash)};
	return st_tx_change_one(tx, "DELETE FROM sessions WHERE token_hash = ?", v, 1);
}

ccsp_err ccsp_store_session_revoke_principal(ccsp_store_tx *tx, const char *tenant, const char *principal_id,
                                             int64_t *n)
{
	int64_t changes = 0;
	const char *scope = st_scope(tenant);
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(scope != NULL && st_text_ok(principal_id, CCSP_STORE_ID_LEN), CCSP_ERR_ARG);
	st_val v[] = {ST_T(principal_id), ST_T(scope)};
	CCSP_GUARD(st_tx_query(tx, "DELETE FROM sessions WHERE principal_id = ? AND COALESCE(tenant_id, '') = ?", v,
	                       2, NULL, &changes));
	if (n != NULL)
		*n = changes;
	return CCSP_OK;
}

ccsp_err ccsp_store_session_count(ccsp_store_tx *tx, const char *tenant, const char *principal_id, int64_t now,
                                  int64_t seen_after, int64_t *n)
{
	st_res *r = NULL;
	const char *scope = st_scope(tenant);
	CCSP_ENSURE(n != NULL && scope != NULL && st_text_ok(principal_id, CCSP_STORE_ID_LEN), CCSP_ERR_ARG);
	st_val v[] = {ST_T(principal_id), ST_T(scope), ST_I(now), ST_I(seen_after)};
	CCSP_GUARD(st_tx_query_one(tx, "SELECT COUNT(*) FROM sessions WHERE principal_id = ?"
	                               " AND COALESCE(tenant_id, '') = ? AND expires > ? AND last_seen > ?", v, 4, &r));
	*n = st_res_int(r, 0, 0);
	st_res_free(r);
	return CCSP_OK;
}

ccsp_err ccsp_store_session_count_app(ccsp_store_tx *tx, const char *tenant, const char *app_id, int64_t now,
                                      int64_t seen_after, int64_t *n)
{
	st_res *r = NULL;
	CCSP_ENSURE(n != NULL && st_text_ok(tenant, CCSP_STORE_ID_LEN) && st_text_ok(app_id, CCSP_STORE_ID_LEN),
	            CCSP_ERR_ARG);
	st_val v[] = {ST_T(app_id), ST_T(tenant), ST_I(now), ST_I(seen_after)};
	CCSP_GUARD(st_tx_query_one(tx, "SELECT COUNT(*) FROM sessions WHERE app_id = ? AND tenant_id = ? AND expires > ?"
	                               " AND last_seen > ?", v, 4, &r));
	*n = st_res_int(r, 0, 0);
	st_res_free(r);
	return CCSP_OK;
}

/* The tenant ? and its descendants (at most 32 levels), for "tenant_id IN (...)": one recursive statement. */
#define TENANT_DOWN                                                                                                \
	"WITH RECURSIVE sub (id, lvl) AS (SELECT id, 0 FROM tenants WHERE id = ? UNION ALL"                          \
	" SELECT t.id, sub.lvl + 1 FROM tenants t JOIN sub ON t.parent_id = sub.id WHERE sub.lvl < 31) "

ccsp_err ccsp_store_session_revoke_tenant(ccsp_store_tx *tx, const char *tenant, int64_t *n)
{
	int64_t changes = 0;
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(st_text_ok(tenant, CCSP_STORE_ID_LEN), CCSP_ERR_ARG);
	st_val v[] = {ST_T(tenant)};
	CCSP_GUARD(st_tx_query(tx, TENANT_DOWN "DELETE FROM sessions WHERE tenant_id IN (SELECT id FROM sub)", v, 1,
	                       NULL, &changes));
	if (n != NULL)
		*n = changes;
	return CCSP_OK;
}

ccsp_err ccsp_store_session_count_tenants(ccsp_store_tx *tx, int64_t now, int64_t seen_after, size_t limit,
                                          ccsp_store_tenant_count *out, size_t *n, int64_t *total)
{
	st_res *r = NULL;
	ccsp_err ret = CCSP_OK;
	CCSP_ENSURE(out != NULL && n != NULL && total != NULL && st_limit(limit), CCSP_ERR_ARG);
	*n = 0;
	*total = 0;
	st_val v[] = {ST_I(now), ST_I(seen_after)};
	CCSP_GUARD(st_tx_query_one(tx, "SELECT COUNT(*) FROM sessions WHERE tenant_id IS NOT NULL AND expires > ?"
	                               " AND last_seen > ?", v, 2, &r));
	*total = st_res_int(r, 0, 0);
	st_res_free(r);
	r = NULL;
	st_val w[] = {ST_I(now), ST_I(seen_after), ST_I(limit)};
	CCSP_GUARD(st_tx_query(tx, "SELECT tenant_id, COUNT(*) FROM sessions WHERE tenant_id IS NOT NULL AND expires > ?"
	                           " AND last_seen > ? GROUP BY tenant_id ORDER BY 2 DESC, 1 LIMIT ?", w, 3, &r, NULL));
	for (size_t i = 0; i < r->rows && i < limit; i++) {
		CCSP_CHECK(st_res_copy_text(r, i, 0, out[i].tenant_id, sizeof out[i].tenant_id));
		out[i].n = st_res_int(r, i, 1);
		*n = i + 1;
	}
out:
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_session_purge(ccsp_store_tx *tx, int64_t now, int64_t *n)
{
	int64_t changes = 0;
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	st_val v[] = {ST_I(now)};
	CCSP_GUARD(st_tx_query(tx, "DELETE FROM sessions WHERE expires <= ?", v, 1, NULL, &changes));
	if (n != NULL)
		*n = changes;
	return CCSP_OK;
}

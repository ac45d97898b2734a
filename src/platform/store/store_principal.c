/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's principals: operators (no tenant) and tenant members (store_identity.h). Every query carries the
 * scope "COALESCE(tenant_id, '') = ?" (the login index's own expression, so lookups use it).
 */
#include <string.h>

#include "platform/store/store_db.h"
#include "platform/store/store_identity.h"

#define PRINCIPAL_COLS                                                                                             \
	"id, tenant_id, login, role, pw_hash, pw_salt, pw_iter, must_change, pw_changed_at, failed_logins,"       \
	" locked_until, sm2_pub, status, created"
#define SCOPE " COALESCE(tenant_id, '') = ?"

static ccsp_err principal_row(const st_res *r, size_t i, ccsp_store_principal *p)
{
	memset(p, 0, sizeof *p);
	CCSP_GUARD(st_res_copy_text(r, i, 0, p->id, sizeof p->id));
	CCSP_GUARD(st_res_copy_text(r, i, 1, p->tenant_id, sizeof p->tenant_id));
	CCSP_GUARD(st_res_copy_text(r, i, 2, p->login, sizeof p->login));
	CCSP_ENSURE(ccsp_store_role_parse(st_res_text(r, i, 3), &p->role) == CCSP_OK, CCSP_ERR_TAMPERED);
	CCSP_GUARD(st_res_copy_blob(r, i, 4, p->pw_hash, sizeof p->pw_hash, &p->pw_hash_len));
	CCSP_GUARD(st_res_copy_blob(r, i, 5, p->pw_salt, sizeof p->pw_salt, &p->pw_salt_len));
	p->pw_iter = (uint32_t)st_res_int(r, i, 6);
	p->must_change = st_res_int(r, i, 7) != 0;
	p->pw_changed_at = st_res_int(r, i, 8);
	p->failed_logins = st_res_int(r, i, 9);
	p->locked_until = st_res_int(r, i, 10);
	CCSP_GUARD(st_res_copy_blob(r, i, 11, p->sm2_pub, sizeof p->sm2_pub, &p->sm2_pub_len));
	int st = st_status_parse(st_res_text(r, i, 12));
	CCSP_ENSURE(st >= 0, CCSP_ERR_TAMPERED);
	p->status = (ccsp_store_status)st;
	p->created = st_res_int(r, i, 13);
	return CCSP_OK;
}

/* The fields every write checks. */
static int principal_ok(const ccsp_store_principal *p)
{
	return p->pw_hash_len <= sizeof p->pw_hash && p->pw_salt_len <= sizeof p->pw_salt &&
	       p->sm2_pub_len <= sizeof p->sm2_pub && st_status_name(p->status) != NULL &&
	       ccsp_store_role_name(p->role) != NULL &&
	       ccsp_store_role_is_operator(p->role) == (p->tenant_id[0] == 0);
}

ccsp_err ccsp_store_principal_create(ccsp_store_tx *tx, ccsp_store_principal *p)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(p != NULL && principal_ok(p) && st_text_ok(p->login, CCSP_STORE_NAME_MAX), CCSP_ERR_ARG);
	const char *tenant = p->tenant_id[0] ? p->tenant_id : NULL;
	if (tenant != NULL) {
		ccsp_store_tenant t;
		CCSP_GUARD(ccsp_store_tenant_get(tx, tenant, &t));
	}
	CCSP_GUARD(st_new_id(p->id));
	st_val v[] = {
		ST_T(p->id), ST_T(tenant), ST_T(p->login), ST_T(ccsp_store_role_name(p->role)),
		ST_B(p->pw_hash_len ? p->pw_hash : NULL, p->pw_hash_len),
		ST_B(p->pw_salt_len ? p->pw_salt : NULL, p->pw_salt_len), ST_I(p->pw_iter), ST_I(p->must_change != 0),
		ST_I(p->pw_changed_at), ST_I(p->failed_logins), ST_I(p->locked_until),
		ST_B(p->sm2_pub_len ? p->sm2_pub : NULL, p->sm2_pub_len), ST_T(st_status_name(p->status)),
		ST_I(p->created),
	};
	return st_tx_query(tx, "INSERT INTO principals (" PRINCIPAL_COLS ")"
	                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", v, 14, NULL, NULL);
}

static ccsp_err principal_get_by(ccsp_store_tx *tx, const char *sql, const char *tenant, const char *key,
                                 ccsp_store_principal *out)
{
	st_res *r = NULL;
	const char *scope = st_scope(tenant);
	CCSP_ENSURE(out != NULL && scope != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(key, CCSP_STORE_NAME_MAX), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(key), ST_T(scope)};
	CCSP_GUARD(st_tx_query_one(tx, sql, v, 2, &r));
	ccsp_err ret = principal_row(r, 0, out);
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_principal_get(ccsp_store_tx *tx, const char *tenant, const char *id, ccsp_store_principal *out)
{
	return principal_get_by(tx, "SELECT " PRINCIPAL_COLS " FROM principals WHERE id = ? AND" SCOPE, tenant, id,
	                        out);
}

ccsp_err ccsp_store_principal_find(ccsp_store_tx *tx, const char *tenant, const char *login,
                                   ccsp_store_principal *out)
{
	return principal_get_by(tx, "SELECT " PRINCIPAL_COLS " FROM principals WHERE login = ? AND" SCOPE, tenant,
	                        login, out);
}

ccsp_err ccsp_store_principal_list(ccsp_store_tx *tx, const char *tenant, const char *cursor, size_t limit,
                                   ccsp_store_principal *out, size_t *n)
{
	st_res *r = NULL;
	ccsp_err ret = CCSP_OK;
	const char *scope = st_scope(tenant);
	CCSP_ENSURE(out != NULL && n != NULL && scope != NULL && st_limit(limit), CCSP_ERR_ARG);
	*n = 0;
	st_val v[] = {ST_T(scope), ST_T(cursor ? cursor : ""), ST_I(limit)};
	CCSP_GUARD(st_tx_query(tx, "SELECT " PRINCIPAL_COLS " FROM principals WHERE" SCOPE
	                           " AND id > ? ORDER BY id LIMIT ?", v, 3, &r, NULL));
	for (size_t i = 0; i < r->rows && i < limit; i++) {
		CCSP_CHECK(principal_row(r, i, &out[i]));
		*n = i + 1;
	}
out:
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_principal_update(ccsp_store_tx *tx, const ccsp_store_principal *p)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(p != NULL && principal_ok(p), CCSP_ERR_ARG);
	const char *scope = st_scope(p->tenant_id[0] ? p->tenant_id : NULL);
	CCSP_ENSURE(scope != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(p->id, CCSP_STORE_ID_LEN), CCSP_ERR_NOT_FOUND);
	st_val v[] = {
		ST_T(ccsp_store_role_name(p->role)), ST_B(p->pw_hash_len ? p->pw_hash : NULL, p->pw_hash_len),
		ST_B(p->pw_salt_len ? p->pw_salt : NULL, p->pw_salt_len), ST_I(p->pw_iter), ST_I(p->must_change != 0),
		ST_I(p->pw_changed_at), ST_I(p->failed_logins), ST_I(p->locked_until),
		ST_B(p->sm2_pub_len ? p->sm2_pub : NULL, p->sm2_pub_len), ST_T(st_status_name(p->status)),
		ST_T(p->id), ST_T(scope),
	};
	return st_tx_change_one(tx, "UPDATE principals SET role = ?, pw_hash = ?, pw_salt = ?, pw_iter = ?,"
	                            " must_change = ?, pw_changed_at = ?, failed_logins = ?, locked_until = ?,"
	                            " sm2_pub = ?, status = ? WHERE id = ? AND" SCOPE, v, 12);
}

ccsp_err ccsp_store_principal_fail(ccsp_store_tx *tx, const char *tenant, const char *id, int64_t *failed)
{
	st_res *r = NULL;
	const char *scope = st_scope(tenant);
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(failed != NULL && scope != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(id, CCSP_STORE_ID_LEN), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(id), ST_T(scope)};
	CCSP_GUARD(st_tx_query_one(tx, "UPDATE principals SET failed_logins = failed_logins + 1"
	                               " WHERE id = ? AND" SCOPE " RETURNING failed_logins", v, 2, &r));
	*failed = st_res_int(r, 0, 0);
	st_res_free(r);
	return CCSP_OK;
}

ccsp_err ccsp_store_principal_delete(ccsp_store_tx *tx, const char *tenant, const char *id)
{
	const char *scope = st_scope(tenant);
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(scope != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(id, CCSP_STORE_ID_LEN), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(id), ST_T(scope)};
	return st_tx_change_one(tx, "DELETE FROM principals WHERE id = ? AND" SCOPE, v, 2); /* sessions cascade */
}

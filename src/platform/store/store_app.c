/* SPDX-License-Identifier: Apache-2.0 */
/* The store's applications: per-tenant credentials for signed requests (store_identity.h). */
#include <string.h>

#include "platform/store/store_db.h"
#include "platform/store/store_identity.h"

#define APP_COLS "id, tenant_id, name, access_key, secret_ct, sm2_pub, status, created"

static ccsp_err app_row(const st_res *r, size_t i, ccsp_store_app *a)
{
	memset(a, 0, sizeof *a);
	CCSP_GUARD(st_res_copy_text(r, i, 0, a->id, sizeof a->id));
	CCSP_GUARD(st_res_copy_text(r, i, 1, a->tenant_id, sizeof a->tenant_id));
	CCSP_GUARD(st_res_copy_text(r, i, 2, a->name, sizeof a->name));
	CCSP_GUARD(st_res_copy_text(r, i, 3, a->access_key, sizeof a->access_key));
	CCSP_GUARD(st_res_copy_blob(r, i, 4, a->secret_ct, sizeof a->secret_ct, &a->secret_ct_len));
	CCSP_GUARD(st_res_copy_blob(r, i, 5, a->sm2_pub, sizeof a->sm2_pub, &a->sm2_pub_len));
	int st = st_status_parse(st_res_text(r, i, 6));
	CCSP_ENSURE(st >= 0, CCSP_ERR_TAMPERED);
	a->status = (ccsp_store_status)st;
	a->created = st_res_int(r, i, 7);
	return CCSP_OK;
}

static int app_ok(const ccsp_store_app *a)
{
	return st_text_ok(a->name, CCSP_STORE_NAME_MAX) && a->secret_ct_len >= 1 &&
	       a->secret_ct_len <= sizeof a->secret_ct && a->sm2_pub_len <= sizeof a->sm2_pub &&
	       st_status_name(a->status) != NULL && st_text_ok(a->tenant_id, CCSP_STORE_ID_LEN);
}

ccsp_err ccsp_store_app_create(ccsp_store_tx *tx, ccsp_store_app *a)
{
	ccsp_store_tenant t;
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(a != NULL && app_ok(a) && st_text_ok(a->access_key, CCSP_STORE_TEXT_MAX), CCSP_ERR_ARG);
	CCSP_GUARD(ccsp_store_tenant_get(tx, a->tenant_id, &t));
	CCSP_GUARD(st_new_id(a->id));
	st_val v[] = {
		ST_T(a->id), ST_T(a->tenant_id), ST_T(a->name), ST_T(a->access_key), ST_B(a->secret_ct, a->secret_ct_len),
		ST_B(a->sm2_pub_len ? a->sm2_pub : NULL, a->sm2_pub_len), ST_T(st_status_name(a->status)),
		ST_I(a->created),
	};
	return st_tx_query(tx, "INSERT INTO apps (" APP_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)", v, 8, NULL, NULL);
}

static ccsp_err app_get_by(ccsp_store_tx *tx, const char *sql, const st_val *v, size_t n, ccsp_store_app *out)
{
	st_res *r = NULL;
	CCSP_GUARD(st_tx_query_one(tx, sql, v, n, &r));
	ccsp_err ret = app_row(r, 0, out);
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_app_get(ccsp_store_tx *tx, const char *tenant, const char *id, ccsp_store_app *out)
{
	CCSP_ENSURE(out != NULL && st_text_ok(tenant, CCSP_STORE_ID_LEN), CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(id, CCSP_STORE_ID_LEN), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(id), ST_T(tenant)};
	return app_get_by(tx, "SELECT " APP_COLS " FROM apps WHERE id = ? AND tenant_id = ?", v, 2, out);
}

ccsp_err ccsp_store_app_find_key(ccsp_store_tx *tx, const char *access_key, ccsp_store_app *out)
{
	CCSP_ENSURE(out != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(access_key, CCSP_STORE_TEXT_MAX), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(access_key)};
	return app_get_by(tx, "SELECT " APP_COLS " FROM apps WHERE access_key = ?", v, 1, out);
}

ccsp_err ccsp_store_app_list(ccsp_store_tx *tx, const char *tenant, const char *cursor, size_t limit,
                             ccsp_store_app *out, size_t *n)
{
	st_res *r = NULL;
	ccsp_err ret = CCSP_OK;
	CCSP_ENSURE(out != NULL && n != NULL && st_limit(limit), CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(tenant, CCSP_STORE_ID_LEN), CCSP_ERR_ARG);
	*n = 0;
	st_val v[] = {ST_T(tenant), ST_T(cursor ? cursor : ""), ST_I(limit)};
	CCSP_GUARD(st_tx_query(tx, "SELECT " APP_COLS " FROM apps WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?",
	                       v, 3, &r, NULL));
	for (size_t i = 0; i < r->rows && i < limit; i++) {
		CCSP_CHECK(app_row(r, i, &out[i]));
		*n = i + 1;
	}
out:
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_app_update(ccsp_store_tx *tx, const ccsp_store_app *a)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(a != NULL && app_ok(a), CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(a->id, CCSP_STORE_ID_LEN), CCSP_ERR_NOT_FOUND);
	st_val v[] = {
		ST_T(a->name), ST_B(a->secret_ct, a->secret_ct_len), ST_B(a->sm2_pub_len ? a->sm2_pub : NULL, a->sm2_pub_len),
		ST_T(st_status_name(a->status)), ST_T(a->id), ST_T(a->tenant_id),
	};
	return st_tx_change_one(tx, "UPDATE apps SET name = ?, secret_ct = ?, sm2_pub = ?, status = ?"
	                            " WHERE id = ? AND tenant_id = ?", v, 6);
}

ccsp_err ccsp_store_app_delete(ccsp_store_tx *tx, const char *tenant, const char *id)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(st_text_ok(tenant, CCSP_STORE_ID_LEN), CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(id, CCSP_STORE_ID_LEN), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(id), ST_T(tenant)};
	return st_tx_change_one(tx, "DELETE FROM apps WHERE id = ? AND tenant_id = ?", v, 2); /* sessions cascade */
}

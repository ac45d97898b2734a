/* SPDX-License-Identifier: Apache-2.0 */
/* The store's tenants and their sub-tenants (store_identity.h). */
#include <string.h>
#include <time.h>

#include "platform/store/store_db.h"
#include "platform/store/store_identity.h"

#define TENANT_COLS "id, parent_id, name, status, created"
#define TENANT_MAX_DEPTH 32

static ccsp_err tenant_row(const st_res *r, size_t i, ccsp_store_tenant *t)
{
	CCSP_GUARD(st_res_copy_text(r, i, 0, t->id, sizeof t->id));
	CCSP_GUARD(st_res_copy_text(r, i, 1, t->parent_id, sizeof t->parent_id));
	CCSP_GUARD(st_res_copy_text(r, i, 2, t->name, sizeof t->name));
	int st = st_status_parse(st_res_text(r, i, 3));
	CCSP_ENSURE(st >= 0, CCSP_ERR_TAMPERED);
	t->status = (ccsp_store_status)st;
	t->created = st_res_int(r, i, 4);
	return CCSP_OK;
}

static int id_ok(const char *id)
{
	return st_text_ok(id, CCSP_STORE_ID_LEN);
}

ccsp_err ccsp_store_tenant_create(ccsp_store_tx *tx, ccsp_store_tenant *t)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(t != NULL && st_text_ok(t->name, CCSP_STORE_NAME_MAX), CCSP_ERR_ARG);
	CCSP_ENSURE(st_status_name(t->status) != NULL, CCSP_ERR_ARG);
	const char *parent = t->parent_id[0] ? t->parent_id : NULL;
	CCSP_ENSURE(parent == NULL || id_ok(parent), CCSP_ERR_ARG);
	if (parent != NULL) {
		ccsp_store_tenant p;
		CCSP_GUARD(ccsp_store_tenant_get(tx, parent, &p));
	}
	CCSP_GUARD(st_new_id(t->id));
	st_val v[] = {ST_T(t->id), ST_T(parent), ST_T(t->name), ST_T(st_status_name(t->status)), ST_I(t->created)};
	return st_tx_query(tx, "INSERT INTO tenants (" TENANT_COLS ") VALUES (?, ?, ?, ?, ?)", v, 5, NULL, NULL);
}

ccsp_err ccsp_store_tenant_get(ccsp_store_tx *tx, const char *id, ccsp_store_tenant *out)
{
	st_res *r = NULL;
	CCSP_ENSURE(out != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(id_ok(id), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(id)};
	CCSP_GUARD(st_tx_query_one(tx, "SELECT " TENANT_COLS " FROM tenants WHERE id = ?", v, 1, &r));
	ccsp_err ret = tenant_row(r, 0, out);
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_tenant_list(ccsp_store_tx *tx, const char *parent, const char *cursor, size_t limit,
                                ccsp_store_tenant *out, size_t *n)
{
	st_res *r = NULL;
	ccsp_err ret = CCSP_OK;
	CCSP_ENSURE(out != NULL && n != NULL && st_limit(limit), CCSP_ERR_ARG);
	*n = 0;
	parent = parent && parent[0] ? parent : NULL;
	st_val v[] = {ST_T(parent ? parent : ""), ST_T(cursor ? cursor : ""), ST_I(limit)};
	CCSP_GUARD(st_tx_query(tx, "SELECT " TENANT_COLS " FROM tenants WHERE COALESCE(parent_id, '') = ?"
	                           " AND id > ? ORDER BY id LIMIT ?", v, 3, &r, NULL));
	for (size_t i = 0; i < r->rows && i < limit; i++) {
		CCSP_CHECK(tenant_row(r, i, &out[i]));
		*n = i + 1;
	}
out:
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_tenant_within(ccsp_store_tx *tx, const char *ancestor, const char *id, int *yes)
{
	char cur[CCSP_STORE_ID_LEN + 1];
	CCSP_ENSURE(yes != NULL && id_ok(ancestor) && id_ok(id), CCSP_ERR_ARG);
	*yes = 0;
	strcpy(cur, id); /* id_ok: at most CCSP_STORE_ID_LEN bytes */
	for (int depth = 0; depth < TENANT_MAX_DEPTH && cur[0]; depth++) {
		ccsp_store_tenant t;
		if (strcmp(cur, ancestor) == 0) {
			*yes = 1;
			return CCSP_OK;
		}
		CCSP_GUARD(ccsp_store_tenant_get(tx, cur, &t));
		memcpy(cur, t.parent_id, sizeof cur);
	}
	return CCSP_OK;
}

ccsp_err ccsp_store_tenant_set_status(ccsp_store_tx *tx, const char *id, ccsp_store_status st)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(st_status_name(st) != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(id_ok(id), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(st_status_name(st)), ST_T(id)};
	return st_tx_change_one(tx, "UPDATE tenants SET status = ? WHERE id = ?", v, 2);
}

ccsp_err ccsp_store_tenant_delete(ccsp_store_tx *tx, const char *id)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(id_ok(id), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(id)};
	return st_tx_change_one(tx, "DELETE FROM tenants WHERE id = ?", v, 1);
}

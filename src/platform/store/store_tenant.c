/* SPDX-License-Identifier: Apache-2.0 */
/* The store's tenants and their sub-tenants (store_identity.h). */
#include <string.h>
#include <time.h>

#include "platform/store/store_db.h"
#include "platform/store/store_identity.h"

#define TENANT_COLS "id, parent_id, name, status, created"
#define TENANT_MAX_DEPTH 32 /* how far up a walk goes: trees made before CCSP_STORE_TENANT_DEPTH_MAX still resolve */
/* The tenant ? and its ancestors, nearest first (the tenant itself is row 0), at most ? + 1 rows: one recursive
 * statement, the same on both engines. */
#define TENANT_UP                                                                                                  \
	"WITH RECURSIVE up (" TENANT_COLS ", lvl) AS (SELECT " TENANT_COLS ", 0 FROM tenants WHERE id = ?"          \
	" UNION ALL SELECT t.id, t.parent_id, t.name, t.status, t.created, up.lvl + 1 FROM tenants t"                \
	" JOIN up ON t.id = up.parent_id WHERE up.lvl < ?) SELECT " TENANT_COLS " FROM up ORDER BY lvl"

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

/* The chain of id (itself first, then its ancestors) in *r, at least one row: else CCSP_ERR_NOT_FOUND. */
static ccsp_err tenant_up(ccsp_store_tx *tx, const char *id, st_res **r)
{
	CCSP_ENSURE(id_ok(id), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(id), ST_I(TENANT_MAX_DEPTH - 1)};
	return st_tx_query_one(tx, TENANT_UP, v, 2, r);
}

ccsp_err ccsp_store_tenant_create(ccsp_store_tx *tx, ccsp_store_tenant *t)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(t != NULL && st_text_ok(t->name, CCSP_STORE_NAME_MAX), CCSP_ERR_ARG);
	CCSP_ENSURE(st_status_name(t->status) != NULL, CCSP_ERR_ARG);
	const char *parent = t->parent_id[0] ? t->parent_id : NULL;
	CCSP_ENSURE(parent == NULL || id_ok(parent), CCSP_ERR_ARG);
	if (parent != NULL) { /* the parent's chain is its level: a child one deeper must fit the bound */
		st_res *r = NULL;
		CCSP_GUARD(tenant_up(tx, parent, &r));
		size_t level = r->rows;
		st_res_free(r);
		CCSP_ENSURE(level < CCSP_STORE_TENANT_DEPTH_MAX, CCSP_ERR_LIMIT);
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

ccsp_err ccsp_store_tenant_scoped(ccsp_store_tx *tx, const char *scope, const char *id, ccsp_store_tenant *out)
{
	st_res *r = NULL;
	ccsp_err ret = CCSP_ERR_NOT_FOUND;
	CCSP_ENSURE(out != NULL && (scope == NULL || id_ok(scope)), CCSP_ERR_ARG);
	CCSP_GUARD(tenant_up(tx, id, &r));
	for (size_t i = 0; i < r->rows && ret == CCSP_ERR_NOT_FOUND; i++) /* scope is id or one of its ancestors */
		if (scope == NULL || strcmp(st_res_text(r, i, 0), scope) == 0)
			ret = CCSP_OK;
	if (ret == CCSP_OK)
		ret = tenant_row(r, 0, out);
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_tenant_active(ccsp_store_tx *tx, const char *id, int *active)
{
	st_res *r = NULL;
	CCSP_ENSURE(active != NULL, CCSP_ERR_ARG);
	*active = 0;
	CCSP_GUARD(tenant_up(tx, id, &r));
	int st = CCSP_STORE_ACTIVE;
	for (size_t i = 0; i < r->rows && st == CCSP_STORE_ACTIVE; i++)
		st = st_status_parse(st_res_text(r, i, 3));
	/* a chain cut short (a parent that is gone) or too long counts as disabled: fail closed */
	const char *top = st_res_text(r, r->rows - 1, 1);
	*active = st == CCSP_STORE_ACTIVE && (top == NULL || top[0] == 0);
	st_res_free(r);
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

/* SPDX-License-Identifier: Apache-2.0 */
/* The store's resource pool: groups and devices (store_pool.h). */
#include <stdio.h>
#include <string.h>

#include "platform/store/store_db.h"
#include "platform/store/store_identity.h"
#include "platform/store/store_pool.h"

#define GROUP_COLS "id, name, tenant_id, kek_index, probe, probe_check, created"
#define DEVICE_COLS "id, name, kind, address, vendor, model, serial, group_id, created, dedicated_app"

static ccsp_err group_row(const st_res *r, size_t i, ccsp_store_pool_group *g)
{
	size_t checklen = 0;
	memset(g, 0, sizeof *g);
	CCSP_GUARD(st_res_copy_text(r, i, 0, g->id, sizeof g->id));
	CCSP_GUARD(st_res_copy_text(r, i, 1, g->name, sizeof g->name));
	if (st_res_text(r, i, 2) != NULL)
		CCSP_GUARD(st_res_copy_text(r, i, 2, g->tenant_id, sizeof g->tenant_id));
	int64_t kek = st_res_int(r, i, 3);
	CCSP_ENSURE(kek >= 0 && kek <= 65535, CCSP_ERR_TAMPERED);
	g->kek_index = (uint32_t)kek;
	if (st_res_cell(r, i, 4)->t != ST_NULL) {
		CCSP_GUARD(st_res_copy_blob(r, i, 4, g->probe, sizeof g->probe, &g->probe_len));
		CCSP_GUARD(st_res_copy_blob(r, i, 5, g->check, sizeof g->check, &checklen));
		CCSP_ENSURE(g->probe_len > 0 && checklen == sizeof g->check, CCSP_ERR_TAMPERED);
	}
	g->created = st_res_int(r, i, 6);
	return CCSP_OK;
}

ccsp_err ccsp_store_pool_group_create(ccsp_store_tx *tx, ccsp_store_pool_group *g)
{
	ccsp_store_tenant t;
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(g != NULL && st_text_ok(g->name, CCSP_STORE_NAME_MAX) && g->kek_index >= 1 &&
	                    g->kek_index <= 65535 &&
	                    (g->tenant_id[0] == '\0' || st_text_ok(g->tenant_id, CCSP_STORE_ID_LEN)),
	            CCSP_ERR_ARG);
	if (g->tenant_id[0] != '\0')
		CCSP_GUARD(ccsp_store_tenant_get(tx, g->tenant_id, &t));
	CCSP_GUARD(st_new_id(g->id));
	g->probe_len = 0;
	st_val v[] = {
	        ST_T(g->id),        ST_T(g->name),    ST_T(g->tenant_id[0] != '\0' ? g->tenant_id : NULL),
	        ST_I(g->kek_index), ST_I(g->created),
	};
	return st_tx_query(tx,
	                   "INSERT INTO pool_groups (id, name, tenant_id, kek_index, created) VALUES (?, ?, ?, ?, ?)",
	                   v, 5, NULL, NULL);
}

static ccsp_err group_query_one(ccsp_store_tx *tx, const char *where, const char *arg, ccsp_store_pool_group *out)
{
	st_res *r = NULL;
	char sql[256];
	CCSP_ENSURE(out != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(arg, CCSP_STORE_ID_LEN), CCSP_ERR_NOT_FOUND);
	snprintf(sql, sizeof sql, "SELECT " GROUP_COLS " FROM pool_groups WHERE %s = ?", where);
	st_val v[] = {ST_T(arg)};
	CCSP_GUARD(st_tx_query_one(tx, sql, v, 1, &r));
	ccsp_err ret = group_row(r, 0, out);
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_pool_group_get(ccsp_store_tx *tx, const char *id, ccsp_store_pool_group *out)
{
	return group_query_one(tx, "id", id, out);
}

ccsp_err ccsp_store_pool_group_of_tenant(ccsp_store_tx *tx, const char *tenant, ccsp_store_pool_group *out)
{
	ccsp_err ret = group_query_one(tx, "tenant_id", tenant, out);
	if (ret == CCSP_ERR_NOT_FOUND)
		ret = ccsp_store_pool_group_get(tx, CCSP_STORE_POOL_DEFAULT_GROUP, out);
	return ret;
}

ccsp_err ccsp_store_pool_group_list(ccsp_store_tx *tx, const char *cursor, size_t limit, ccsp_store_pool_group *out,
                                    size_t *n)
{
	st_res *r = NULL;
	ccsp_err ret = CCSP_OK;
	CCSP_ENSURE(out != NULL && n != NULL && st_limit(limit), CCSP_ERR_ARG);
	*n = 0;
	st_val v[] = {ST_T(cursor ? cursor : ""), ST_I(limit)};
	CCSP_GUARD(st_tx_query(tx, "SELECT " GROUP_COLS " FROM pool_groups WHERE id > ? ORDER BY id LIMIT ?", v, 2, &r,
	                       NULL));
	for (size_t i = 0; i < r->rows && i < limit; i++) {
		CCSP_CHECK(group_row(r, i, &out[i]));
		*n = i + 1;
	}
out:
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_pool_group_set_probe(ccsp_store_tx *tx, const char *id, const uint8_t *probe, size_t probe_len,
                                         const uint8_t check[CCSP_STORE_POOL_CHECK_SIZE])
{
	ccsp_store_pool_group g;
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(probe != NULL && check != NULL && probe_len >= 1 && probe_len <= CCSP_STORE_POOL_PROBE_MAX,
	            CCSP_ERR_ARG);
	CCSP_GUARD(ccsp_store_pool_group_get(tx, id, &g));
	CCSP_ENSURE(g.probe_len == 0, CCSP_ERR_EXISTS);
	st_val v[] = {ST_B(probe, probe_len), ST_B(check, CCSP_STORE_POOL_CHECK_SIZE), ST_T(id)};
	return st_tx_change_one(tx, "UPDATE pool_groups SET probe = ?, probe_check = ? WHERE id = ? AND probe IS NULL",
	                        v, 3);
}

static ccsp_err count(ccsp_store_tx *tx, const char *sql, const char *arg, int64_t *out)
{
	st_res *r = NULL;
	st_val v[] = {ST_T(arg)};
	CCSP_GUARD(st_tx_query_one(tx, sql, v, 1, &r));
	*out = st_res_int(r, 0, 0);
	st_res_free(r);
	return CCSP_OK;
}

ccsp_err ccsp_store_pool_group_usage(ccsp_store_tx *tx, const char *id, int64_t *keys, int64_t *members)
{
	int64_t k = 0, im = 0;
	CCSP_ENSURE(st_text_ok(id, CCSP_STORE_ID_LEN), CCSP_ERR_NOT_FOUND);
	if (keys != NULL) {
		CCSP_GUARD(count(tx, "SELECT COUNT(*) FROM kms_keys WHERE group_id = ?", id, &k));
		CCSP_GUARD(count(tx, "SELECT COUNT(*) FROM kms_imports WHERE group_id = ?", id, &im));
		*keys = k + im;
	}
	if (members != NULL)
		CCSP_GUARD(count(tx, "SELECT COUNT(*) FROM pool_devices WHERE group_id = ?", id, members));
	return CCSP_OK;
}

ccsp_err ccsp_store_pool_group_delete(ccsp_store_tx *tx, const char *id)
{
	ccsp_store_pool_group g;
	int64_t keys = 0, members = 0;
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_GUARD(ccsp_store_pool_group_get(tx, id, &g));
	CCSP_ENSURE(strcmp(g.id, CCSP_STORE_POOL_DEFAULT_GROUP) != 0, CCSP_ERR_STATE);
	CCSP_GUARD(ccsp_store_pool_group_usage(tx, id, &keys, &members));
	CCSP_ENSURE(keys == 0 && members == 0, CCSP_ERR_STATE);
	st_val v[] = {ST_T(id)};
	return st_tx_change_one(tx, "DELETE FROM pool_groups WHERE id = ?", v, 1);
}

static ccsp_err device_row(const st_res *r, size_t i, ccsp_store_pool_device *d)
{
	memset(d, 0, sizeof *d);
	CCSP_GUARD(st_res_copy_text(r, i, 0, d->id, sizeof d->id));
	CCSP_GUARD(st_res_copy_text(r, i, 1, d->name, sizeof d->name));
	CCSP_GUARD(st_res_copy_text(r, i, 2, d->kind, sizeof d->kind));
	CCSP_GUARD(st_res_copy_text(r, i, 3, d->address, sizeof d->address));
	CCSP_GUARD(st_res_copy_text(r, i, 4, d->vendor, sizeof d->vendor));
	CCSP_GUARD(st_res_copy_text(r, i, 5, d->model, sizeof d->model));
	CCSP_GUARD(st_res_copy_text(r, i, 6, d->serial, sizeof d->serial));
	if (st_res_text(r, i, 7) != NULL)
		CCSP_GUARD(st_res_copy_text(r, i, 7, d->group_id, sizeof d->group_id));
	d->created = st_res_int(r, i, 8);
	if (st_res_text(r, i, 9) != NULL)
		CCSP_GUARD(st_res_copy_text(r, i, 9, d->dedicated_app, sizeof d->dedicated_app));
	return CCSP_OK;
}

ccsp_err ccsp_store_pool_device_create(ccsp_store_tx *tx, ccsp_store_pool_device *d)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(d != NULL && st_text_ok(d->name, CCSP_STORE_NAME_MAX) &&
	                    st_text_ok(d->kind, CCSP_STORE_POOL_KIND_MAX) &&
	                    st_text_ok(d->address, CCSP_STORE_POOL_ADDRESS_MAX) &&
	                    st_value_ok(d->vendor, CCSP_STORE_POOL_INFO_MAX) &&
	                    st_value_ok(d->model, CCSP_STORE_POOL_INFO_MAX) &&
	                    st_value_ok(d->serial, CCSP_STORE_POOL_INFO_MAX),
	            CCSP_ERR_ARG);
	CCSP_GUARD(st_new_id(d->id));
	d->group_id[0] = '\0';
	d->dedicated_app[0] = '\0';
	st_val v[] = {
	        ST_T(d->id),    ST_T(d->name),   ST_T(d->kind), ST_T(d->address),  ST_T(d->vendor),
	        ST_T(d->model), ST_T(d->serial), ST_T(NULL),    ST_I(d->created), ST_T(NULL),
	};
	return st_tx_query(tx, "INSERT INTO pool_devices (" DEVICE_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", v, 10,
	                   NULL, NULL);
}

ccsp_err ccsp_store_pool_device_get(ccsp_store_tx *tx, const char *id, ccsp_store_pool_device *out)
{
	st_res *r = NULL;
	CCSP_ENSURE(out != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(id, CCSP_STORE_ID_LEN), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(id)};
	CCSP_GUARD(st_tx_query_one(tx, "SELECT " DEVICE_COLS " FROM pool_devices WHERE id = ?", v, 1, &r));
	ccsp_err ret = device_row(r, 0, out);
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_pool_device_list(ccsp_store_tx *tx, const char *cursor, size_t limit, ccsp_store_pool_device *out,
                                     size_t *n)
{
	st_res *r = NULL;
	ccsp_err ret = CCSP_OK;
	CCSP_ENSURE(out != NULL && n != NULL && st_limit(limit), CCSP_ERR_ARG);
	*n = 0;
	st_val v[] = {ST_T(cursor ? cursor : ""), ST_I(limit)};
	CCSP_GUARD(st_tx_query(tx, "SELECT " DEVICE_COLS " FROM pool_devices WHERE id > ? ORDER BY id LIMIT ?", v, 2,
	                       &r, NULL));
	for (size_t i = 0; i < r->rows && i < limit; i++) {
		CCSP_CHECK(device_row(r, i, &out[i]));
		*n = i + 1;
	}
out:
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_pool_device_set_group(ccsp_store_tx *tx, const char *id, const char *group)
{
	ccsp_store_pool_device d;
	ccsp_store_pool_group g;
	int joining = group != NULL && group[0] != '\0';
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_GUARD(ccsp_store_pool_device_get(tx, id, &d));
	if (joining) {
		CCSP_GUARD(ccsp_store_pool_group_get(tx, group, &g));
		CCSP_ENSURE(d.group_id[0] == '\0' || strcmp(d.group_id, g.id) == 0, CCSP_ERR_STATE);
	}
	st_val v[] = {ST_T(joining ? group : NULL), ST_T(id)};
	return st_tx_change_one(tx, "UPDATE pool_devices SET group_id = ? WHERE id = ?", v, 2);
}

ccsp_err ccsp_store_pool_group_shared(ccsp_store_tx *tx, const char *group, const char *except, int64_t *shared)
{
	st_res *r = NULL;
	st_val v[] = {ST_T(group), ST_T(except != NULL ? except : "")};
	CCSP_GUARD(st_tx_query_one(tx,
	                           "SELECT COUNT(*) FROM pool_devices WHERE group_id = ? AND id <> ?"
	                           " AND dedicated_app IS NULL",
	                           v, 2, &r));
	*shared = st_res_int(r, 0, 0);
	st_res_free(r);
	return CCSP_OK;
}

ccsp_err ccsp_store_pool_device_dedicate(ccsp_store_tx *tx, const char *id, const char *app)
{
	ccsp_store_pool_device d;
	st_res *r = NULL;
	int dedicating = app != NULL && app[0] != '\0';
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_GUARD(ccsp_store_pool_device_get(tx, id, &d));
	if (dedicating) {
		CCSP_ENSURE(st_text_ok(app, CCSP_STORE_ID_LEN), CCSP_ERR_NOT_FOUND);
		st_val a[] = {ST_T(app)};
		CCSP_GUARD(st_tx_query_one(tx, "SELECT id FROM apps WHERE id = ?", a, 1, &r));
		st_res_free(r);
	}
	if (dedicating && d.group_id[0] != '\0' && strcmp(d.group_id, CCSP_STORE_POOL_DEFAULT_GROUP) != 0) {
		int64_t shared = 0;
		CCSP_GUARD(ccsp_store_pool_group_shared(tx, d.group_id, id, &shared));
		CCSP_ENSURE(shared > 0, CCSP_ERR_STATE);
	}
	st_val v[] = {ST_T(dedicating ? app : NULL), ST_T(id)};
	return st_tx_change_one(tx, "UPDATE pool_devices SET dedicated_app = ? WHERE id = ?", v, 2);
}

ccsp_err ccsp_store_pool_device_delete(ccsp_store_tx *tx, const char *id)
{
	ccsp_store_pool_device d;
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_GUARD(ccsp_store_pool_device_get(tx, id, &d));
	CCSP_ENSURE(d.group_id[0] == '\0', CCSP_ERR_STATE);
	st_val v[] = {ST_T(id)};
	CCSP_GUARD(st_tx_query(tx, "DELETE FROM pool_vsm_links WHERE device_id = ?", v, 1, NULL, NULL));
	return st_tx_change_one(tx, "DELETE FROM pool_devices WHERE id = ?", v, 1);
}

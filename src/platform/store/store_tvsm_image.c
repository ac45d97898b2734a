/* SPDX-License-Identifier: Apache-2.0 */
/* The images of tenants' VSMs, their drifts, and the VSMs retired from tenants (store_pool.h, schema version 7). */
#include <stdio.h>
#include <string.h>

#include "platform/store/store_db.h"
#include "platform/store/store_pool.h"

#define IMG_COLS "chsm_id, vsm_id, url, digest, size, data_version, drift_task, drift_claimed, created"

static ccsp_err img_row(const st_res *r, size_t i, ccsp_store_tvsm_image *m)
{
	memset(m, 0, sizeof *m);
	CCSP_GUARD(st_res_copy_text(r, i, 0, m->chsm_id, sizeof m->chsm_id));
	CCSP_GUARD(st_res_copy_text(r, i, 1, m->vsm_id, sizeof m->vsm_id));
	CCSP_GUARD(st_res_copy_text(r, i, 2, m->url, sizeof m->url));
	CCSP_GUARD(st_res_copy_text(r, i, 3, m->digest, sizeof m->digest));
	m->size = st_res_int(r, i, 4);
	CCSP_GUARD(st_res_copy_text(r, i, 5, m->data_version, sizeof m->data_version));
	CCSP_GUARD(st_res_copy_text(r, i, 6, m->drift_task, sizeof m->drift_task));
	m->drift_claimed = st_res_int(r, i, 7);
	m->created = st_res_int(r, i, 8);
	return CCSP_OK;
}

ccsp_err ccsp_store_tvsm_image_put(ccsp_store_tx *tx, const ccsp_store_tvsm_image *m)
{
	int assigned = 0;
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(m != NULL && st_text_ok(m->url, CCSP_STORE_POOL_URL_MAX) &&
	                    st_text_ok(m->digest, CCSP_STORE_POOL_DIGEST_MAX) &&
	                    st_value_ok(m->data_version, CCSP_STORE_POOL_DATA_VERSION_MAX) && m->size > 0,
	            CCSP_ERR_ARG);
	CCSP_GUARD(ccsp_store_tenant_vsm_assigned(tx, m->chsm_id, m->vsm_id, &assigned));
	CCSP_ENSURE(assigned, CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(m->chsm_id), ST_T(m->vsm_id), ST_T(m->url), ST_T(m->digest),   ST_I(m->size),
	              ST_T(m->data_version), ST_T(""),  ST_I(0),      ST_I(m->created)};
	return st_tx_query(tx,
	                   "INSERT INTO tenant_vsm_images (" IMG_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
	                   " ON CONFLICT (chsm_id, vsm_id) DO UPDATE SET url = excluded.url, digest = excluded.digest,"
	                   " size = excluded.size, data_version = excluded.data_version, created = excluded.created",
	                   v, 9, NULL, NULL);
}

ccsp_err ccsp_store_tvsm_image_get(ccsp_store_tx *tx, const char *chsm_id, const char *vsm_id,
                                   ccsp_store_tvsm_image *out)
{
	st_res *r = NULL;
	CCSP_ENSURE(chsm_id != NULL && vsm_id != NULL && out != NULL, CCSP_ERR_ARG);
	st_val v[] = {ST_T(chsm_id), ST_T(vsm_id)};
	CCSP_GUARD(st_tx_query_one(tx, "SELECT " IMG_COLS " FROM tenant_vsm_images WHERE chsm_id = ? AND vsm_id = ?", v,
	                           2, &r));
	ccsp_err ret = img_row(r, 0, out);
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_tvsm_drift_claim(ccsp_store_tx *tx, const char *chsm_id, const char *vsm_id, const char *task,
                                     int64_t now, int64_t stale_before)
{
	int64_t changed = 0;
	ccsp_store_tvsm_image m;
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(chsm_id != NULL && vsm_id != NULL && task != NULL && task[0] != '\0' &&
	                    st_text_ok(task, CCSP_STORE_NAME_MAX),
	            CCSP_ERR_ARG);
	st_val v[] = {ST_T(task), ST_I(now), ST_T(chsm_id), ST_T(vsm_id), ST_I(stale_before)};
	CCSP_GUARD(st_tx_query(tx,
	                       "UPDATE tenant_vsm_images SET drift_task = ?, drift_claimed = ? WHERE chsm_id = ? AND"
	                       " vsm_id = ? AND (drift_task = '' OR drift_claimed < ?)",
	                       v, 5, NULL, &changed));
	if (changed == 1)
		return CCSP_OK;
	CCSP_GUARD(ccsp_store_tvsm_image_get(tx, chsm_id, vsm_id, &m)); /* CCSP_ERR_NOT_FOUND: no image */
	return CCSP_ERR_STATE;
}

ccsp_err ccsp_store_tvsm_drift_release(ccsp_store_tx *tx, const char *chsm_id, const char *vsm_id, const char *task)
{
	int64_t changed = 0;
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(chsm_id != NULL && vsm_id != NULL && task != NULL && task[0] != '\0', CCSP_ERR_ARG);
	st_val v[] = {ST_T(chsm_id), ST_T(vsm_id), ST_T(task)};
	CCSP_GUARD(st_tx_query(tx,
	                       "UPDATE tenant_vsm_images SET drift_task = '', drift_claimed = 0 WHERE chsm_id = ? AND"
	                       " vsm_id = ? AND drift_task = ?",
	                       v, 3, NULL, &changed));
	return changed == 1 ? CCSP_OK : CCSP_ERR_STATE;
}

/* Retire a VSM (again: its reason and time renewed). */
static ccsp_err retire(ccsp_store_tx *tx, const char *chsm_id, const char *vsm_id, const char *reason, int64_t now)
{
	st_val v[] = {ST_T(chsm_id), ST_T(vsm_id), ST_T(reason), ST_I(now)};
	return st_tx_query(tx,
	                   "INSERT INTO retired_vsms (chsm_id, vsm_id, reason, since) VALUES (?, ?, ?, ?)"
	                   " ON CONFLICT (chsm_id, vsm_id) DO UPDATE SET reason = excluded.reason, since = excluded.since",
	                   v, 4, NULL, NULL);
}

ccsp_err ccsp_store_tenant_vsm_move(ccsp_store_tx *tx, const char *chsm_id, const char *vsm_id, const char *task,
                                   ccsp_store_tenant_vsm *to, int64_t now)
{
	ccsp_store_tenant_vsm from;
	ccsp_store_tvsm_image m;
	int taken = 0;
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(to != NULL && task != NULL && task[0] != '\0', CCSP_ERR_ARG);
	CCSP_GUARD(ccsp_store_tvsm_image_get(tx, chsm_id, vsm_id, &m));
	CCSP_ENSURE(strcmp(m.drift_task, task) == 0, CCSP_ERR_STATE);
	CCSP_GUARD(ccsp_store_tenant_vsm_get(tx, NULL, chsm_id, vsm_id, &from));
	CCSP_GUARD(ccsp_store_tenant_vsm_assigned(tx, to->chsm_id, to->vsm_id, &taken));
	CCSP_ENSURE(!taken, CCSP_ERR_EXISTS);
	memcpy(to->tenant_id, from.tenant_id, sizeof to->tenant_id);
	to->created = from.created;
	st_val k[] = {ST_T(chsm_id), ST_T(vsm_id)};
	CCSP_GUARD(st_tx_change_one(tx, "DELETE FROM tenant_vsm_images WHERE chsm_id = ? AND vsm_id = ?", k, 2));
	CCSP_GUARD(st_tx_change_one(tx, "DELETE FROM tenant_vsms WHERE chsm_id = ? AND vsm_id = ?", k, 2));
	CCSP_GUARD(ccsp_store_tenant_vsm_create(tx, to));
	memcpy(m.chsm_id, to->chsm_id, sizeof m.chsm_id);
	memcpy(m.vsm_id, to->vsm_id, sizeof m.vsm_id);
	m.data_version[0] = '\0'; /* the new VSM is exported afresh at its first check */
	m.drift_task[0] = '\0';
	m.drift_claimed = 0;
	CCSP_GUARD(ccsp_store_tvsm_image_put(tx, &m));
	return retire(tx, chsm_id, vsm_id, "drifted", now);
}

ccsp_err ccsp_store_tenant_vsm_release(ccsp_store_tx *tx, const char *tenant, const char *chsm_id, const char *vsm_id,
                                      int64_t now)
{
	ccsp_store_tenant_vsm v;
	ccsp_store_tvsm_image m;
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_GUARD(ccsp_store_tenant_vsm_get(tx, tenant, chsm_id, vsm_id, &v));
	ccsp_err ret = ccsp_store_tvsm_image_get(tx, chsm_id, vsm_id, &m);
	if (ret != CCSP_ERR_NOT_FOUND) {
		CCSP_GUARD(ret);
		CCSP_ENSURE(m.drift_task[0] == '\0', CCSP_ERR_STATE);
		st_val k[] = {ST_T(chsm_id), ST_T(vsm_id)};
		CCSP_GUARD(st_tx_change_one(tx, "DELETE FROM tenant_vsm_images WHERE chsm_id = ? AND vsm_id = ?", k, 2));
	}
	st_val k[] = {ST_T(chsm_id), ST_T(vsm_id)};
	CCSP_GUARD(st_tx_change_one(tx, "DELETE FROM tenant_vsms WHERE chsm_id = ? AND vsm_id = ?", k, 2));
	return retire(tx, chsm_id, vsm_id, "released", now);
}

ccsp_err ccsp_store_retired_vsm_list(ccsp_store_tx *tx, size_t limit, ccsp_store_retired_vsm *out, size_t *n)
{
	st_res *r = NULL;
	ccsp_err ret = CCSP_OK;
	CCSP_ENSURE(out != NULL && n != NULL && st_limit(limit), CCSP_ERR_ARG);
	*n = 0;
	st_val v[] = {ST_I(limit)};
	CCSP_GUARD(st_tx_query(tx, "SELECT chsm_id, vsm_id, reason, since FROM retired_vsms ORDER BY since, chsm_id, vsm_id"
	                           " LIMIT ?",
	                       v, 1, &r, NULL));
	for (size_t i = 0; i < r->rows && i < limit; i++) {
		ccsp_store_retired_vsm *o = &out[i];
		memset(o, 0, sizeof *o);
		CCSP_CHECK(st_res_copy_text(r, i, 0, o->chsm_id, sizeof o->chsm_id));
		CCSP_CHECK(st_res_copy_text(r, i, 1, o->vsm_id, sizeof o->vsm_id));
		CCSP_CHECK(st_res_copy_text(r, i, 2, o->reason, sizeof o->reason));
		o->since = st_res_int(r, i, 3);
		*n = i + 1;
	}
out:
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_retired_vsm_remove(ccsp_store_tx *tx, const char *chsm_id, const char *vsm_id)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(chsm_id != NULL && vsm_id != NULL, CCSP_ERR_ARG);
	st_val k[] = {ST_T(chsm_id), ST_T(vsm_id)};
	return st_tx_change_one(tx, "DELETE FROM retired_vsms WHERE chsm_id = ? AND vsm_id = ?", k, 2);
}

ccsp_err ccsp_store_retired_vsm_is(ccsp_store_tx *tx, const char *chsm_id, const char *vsm_id, int *retired)
{
	st_res *r = NULL;
	CCSP_ENSURE(chsm_id != NULL && vsm_id != NULL && retired != NULL, CCSP_ERR_ARG);
	st_val v[] = {ST_T(chsm_id), ST_T(vsm_id)};
	CCSP_GUARD(st_tx_query_one(tx, "SELECT COUNT(*) FROM retired_vsms WHERE chsm_id = ? AND vsm_id = ?", v, 2, &r));
	*retired = st_res_int(r, 0, 0) > 0;
	st_res_free(r);
	return CCSP_OK;
}

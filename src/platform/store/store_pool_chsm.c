/* SPDX-License-Identifier: Apache-2.0 */
/* The store's CHSMs and the CHSM VSMs among the pool's devices (store_pool.h, schema version 6). */
#include <stdio.h>
#include <string.h>

#include "platform/store/store_db.h"
#include "platform/store/store_identity.h"
#include "platform/store/store_pool.h"

#define CHSM_COLS "id, name, url, ca_pem, device_pk, vendor, model, serial, version, created"
#define LINK_COLS "device_id, chsm_id, vsm_id, address, cert_pem, token_sealed"

static ccsp_err chsm_row(const st_res *r, size_t i, ccsp_store_pool_chsm *c)
{
	memset(c, 0, sizeof *c);
	CCSP_GUARD(st_res_copy_text(r, i, 0, c->id, sizeof c->id));
	CCSP_GUARD(st_res_copy_text(r, i, 1, c->name, sizeof c->name));
	CCSP_GUARD(st_res_copy_text(r, i, 2, c->url, sizeof c->url));
	CCSP_GUARD(st_res_copy_text(r, i, 3, c->ca_pem, sizeof c->ca_pem));
	CCSP_GUARD(st_res_copy_text(r, i, 4, c->device_pk, sizeof c->device_pk));
	CCSP_GUARD(st_res_copy_text(r, i, 5, c->vendor, sizeof c->vendor));
	CCSP_GUARD(st_res_copy_text(r, i, 6, c->model, sizeof c->model));
	CCSP_GUARD(st_res_copy_text(r, i, 7, c->serial, sizeof c->serial));
	CCSP_GUARD(st_res_copy_text(r, i, 8, c->version, sizeof c->version));
	c->created = st_res_int(r, i, 9);
	return CCSP_OK;
}

ccsp_err ccsp_store_pool_chsm_create(ccsp_store_tx *tx, ccsp_store_pool_chsm *c)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(c != NULL && st_text_ok(c->name, CCSP_STORE_NAME_MAX) &&
	                    st_text_ok(c->url, CCSP_STORE_POOL_URL_MAX) &&
	                    st_value_ok(c->ca_pem, CCSP_STORE_POOL_PEM_MAX) &&
	                    st_value_ok(c->device_pk, CCSP_STORE_POOL_PK_MAX) &&
	                    st_value_ok(c->vendor, CCSP_STORE_POOL_INFO_MAX) &&
	                    st_value_ok(c->model, CCSP_STORE_POOL_INFO_MAX) &&
	                    st_value_ok(c->serial, CCSP_STORE_POOL_INFO_MAX) &&
	                    st_value_ok(c->version, CCSP_STORE_POOL_INFO_MAX),
	            CCSP_ERR_ARG);
	CCSP_GUARD(st_new_id(c->id));
	st_val v[] = {ST_T(c->id),     ST_T(c->name),   ST_T(c->url),     ST_T(c->ca_pem),  ST_T(c->device_pk),
	              ST_T(c->vendor), ST_T(c->model),  ST_T(c->serial),  ST_T(c->version), ST_I(c->created)};
	return st_tx_query(tx, "INSERT INTO pool_chsms (" CHSM_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", v, 10,
	                   NULL, NULL);
}

ccsp_err ccsp_store_pool_chsm_get(ccsp_store_tx *tx, const char *id, ccsp_store_pool_chsm *out)
{
	st_res *r = NULL;
	CCSP_ENSURE(out != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(id, CCSP_STORE_ID_LEN), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(id)};
	CCSP_GUARD(st_tx_query_one(tx, "SELECT " CHSM_COLS " FROM pool_chsms WHERE id = ?", v, 1, &r));
	ccsp_err ret = chsm_row(r, 0, out);
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_pool_chsm_list(ccsp_store_tx *tx, const char *cursor, size_t limit, ccsp_store_pool_chsm *out,
                                   size_t *n)
{
	st_res *r = NULL;
	ccsp_err ret = CCSP_OK;
	CCSP_ENSURE(out != NULL && n != NULL && st_limit(limit), CCSP_ERR_ARG);
	*n = 0;
	st_val v[] = {ST_T(cursor ? cursor : ""), ST_I(limit)};
	CCSP_GUARD(st_tx_query(tx, "SELECT " CHSM_COLS " FROM pool_chsms WHERE id > ? ORDER BY id LIMIT ?", v, 2, &r,
	                       NULL));
	for (size_t i = 0; i < r->rows && i < limit; i++) {
		CCSP_CHECK(chsm_row(r, i, &out[i]));
		*n = i + 1;
	}
out:
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_pool_chsm_vsms(ccsp_store_tx *tx, const char *id, int64_t *n)
{
	st_res *r = NULL;
	CCSP_ENSURE(n != NULL, CCSP_ERR_ARG);
	st_val v[] = {ST_T(id)};
	CCSP_GUARD(st_tx_query_one(tx, "SELECT COUNT(*) FROM pool_vsm_links WHERE chsm_id = ?", v, 1, &r));
	*n = st_res_int(r, 0, 0);
	st_res_free(r);
	return CCSP_OK;
}

ccsp_err ccsp_store_pool_chsm_delete(ccsp_store_tx *tx, const char *id)
{
	ccsp_store_pool_chsm c;
	int64_t n = 0;
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_GUARD(ccsp_store_pool_chsm_get(tx, id, &c));
	CCSP_GUARD(ccsp_store_pool_chsm_vsms(tx, id, &n));
	CCSP_ENSURE(n == 0, CCSP_ERR_STATE);
	st_val v[] = {ST_T(id)};
	int64_t tenants = 0;
	st_res *r = NULL;
	CCSP_GUARD(st_tx_query_one(tx, "SELECT COUNT(*) FROM tenant_vsms WHERE chsm_id = ?", v, 1, &r));
	tenants = st_res_int(r, 0, 0);
	st_res_free(r);
	CCSP_ENSURE(tenants == 0, CCSP_ERR_STATE);
	CCSP_GUARD(st_tx_query(tx, "DELETE FROM pool_chsm_tasks WHERE chsm_id = ?", v, 1, NULL, NULL));
	return st_tx_change_one(tx, "DELETE FROM pool_chsms WHERE id = ?", v, 1);
}

ccsp_err ccsp_store_pool_vsm_create(ccsp_store_tx *tx, ccsp_store_pool_device *d, ccsp_store_pool_vsm_link *link)
{
	ccsp_store_pool_chsm c;
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(d != NULL && link != NULL && strcmp(d->kind, CCSP_STORE_POOL_KIND_CHSM_VSM) == 0 &&
	                    st_text_ok(link->vsm_id, CCSP_STORE_POOL_VSM_ID_MAX) &&
	                    st_text_ok(link->address, CCSP_STORE_POOL_INFO_MAX) &&
	                    link->cert_pem[0] != '\0' && st_value_ok(link->cert_pem, CCSP_STORE_POOL_PEM_MAX) &&
	                    link->token_sealed_len > 0 &&
	                    link->token_sealed_len <= sizeof link->token_sealed,
	            CCSP_ERR_ARG);
	CCSP_GUARD(ccsp_store_pool_chsm_get(tx, link->chsm_id, &c));
	int assigned = 0;
	CCSP_GUARD(ccsp_store_tenant_vsm_assigned(tx, link->chsm_id, link->vsm_id, &assigned));
	CCSP_ENSURE(!assigned, CCSP_ERR_EXISTS);
	CCSP_GUARD(ccsp_store_retired_vsm_is(tx, link->chsm_id, link->vsm_id, &assigned));
	CCSP_ENSURE(!assigned, CCSP_ERR_EXISTS); /* a former tenant's, its reset not yet confirmed */
	CCSP_GUARD(ccsp_store_pool_device_create(tx, d));
	memcpy(link->device_id, d->id, sizeof link->device_id);
	st_val v[] = {ST_T(link->device_id), ST_T(link->chsm_id),  ST_T(link->vsm_id),
	              ST_T(link->address),   ST_T(link->cert_pem), ST_B(link->token_sealed, link->token_sealed_len)};
	return st_tx_query(tx, "INSERT INTO pool_vsm_links (" LINK_COLS ") VALUES (?, ?, ?, ?, ?, ?)", v, 6, NULL, NULL);
}

ccsp_err ccsp_store_pool_vsm_get(ccsp_store_tx *tx, const char *device_id, ccsp_store_pool_vsm_link *out)
{
	st_res *r = NULL;
	CCSP_ENSURE(out != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(device_id, CCSP_STORE_ID_LEN), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(device_id)};
	CCSP_GUARD(st_tx_query_one(tx, "SELECT " LINK_COLS " FROM pool_vsm_links WHERE device_id = ?", v, 1, &r));
	ccsp_err ret = CCSP_OK;
	memset(out, 0, sizeof *out);
	CCSP_CHECK(st_res_copy_text(r, 0, 0, out->device_id, sizeof out->device_id));
	CCSP_CHECK(st_res_copy_text(r, 0, 1, out->chsm_id, sizeof out->chsm_id));
	CCSP_CHECK(st_res_copy_text(r, 0, 2, out->vsm_id, sizeof out->vsm_id));
	CCSP_CHECK(st_res_copy_text(r, 0, 3, out->address, sizeof out->address));
	CCSP_CHECK(st_res_copy_text(r, 0, 4, out->cert_pem, sizeof out->cert_pem));
	CCSP_CHECK(st_res_copy_blob(r, 0, 5, out->token_sealed, sizeof out->token_sealed, &out->token_sealed_len));
out:
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_pool_device_taken(ccsp_store_tx *tx, const char *name, const char *address, int *taken)
{
	st_res *r = NULL;
	CCSP_ENSURE(name != NULL && address != NULL && taken != NULL, CCSP_ERR_ARG);
	st_val v[] = {ST_T(name), ST_T(address)};
	CCSP_GUARD(st_tx_query_one(tx, "SELECT COUNT(*) FROM pool_devices WHERE name = ? OR address = ?", v, 2, &r));
	*taken = st_res_int(r, 0, 0) > 0;
	st_res_free(r);
	return CCSP_OK;
}

/* ---- tasks ---- */

#define TASK_COLS "request_id, chsm_id, opr_type, vsm_id, name, state, status, message, created, completed, detail"

static ccsp_err task_row(const st_res *r, size_t i, ccsp_store_pool_task *t)
{
	memset(t, 0, sizeof *t);
	CCSP_GUARD(st_res_copy_text(r, i, 0, t->request_id, sizeof t->request_id));
	CCSP_GUARD(st_res_copy_text(r, i, 1, t->chsm_id, sizeof t->chsm_id));
	CCSP_GUARD(st_res_copy_text(r, i, 2, t->opr_type, sizeof t->opr_type));
	CCSP_GUARD(st_res_copy_text(r, i, 3, t->vsm_id, sizeof t->vsm_id));
	CCSP_GUARD(st_res_copy_text(r, i, 4, t->name, sizeof t->name));
	CCSP_GUARD(st_res_copy_text(r, i, 5, t->state, sizeof t->state));
	t->status = st_res_int(r, i, 6);
	CCSP_GUARD(st_res_copy_text(r, i, 7, t->message, sizeof t->message));
	t->created = st_res_int(r, i, 8);
	t->completed = st_res_int(r, i, 9);
	CCSP_GUARD(st_res_copy_text(r, i, 10, t->detail, sizeof t->detail));
	return CCSP_OK;
}

ccsp_err ccsp_store_pool_task_create(ccsp_store_tx *tx, ccsp_store_pool_task *t)
{
	ccsp_store_pool_chsm c;
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(t != NULL && st_text_ok(t->request_id, CCSP_STORE_NAME_MAX) &&
	                    st_text_ok(t->opr_type, sizeof t->opr_type - 1) &&
	                    st_text_ok(t->vsm_id, CCSP_STORE_POOL_VSM_ID_MAX) && st_text_ok(t->name, CCSP_STORE_NAME_MAX) &&
	                    st_value_ok(t->detail, CCSP_STORE_NAME_MAX),
	            CCSP_ERR_ARG);
	CCSP_GUARD(ccsp_store_pool_chsm_get(tx, t->chsm_id, &c));
	snprintf(t->state, sizeof t->state, "accepted");
	t->status = 0;
	t->message[0] = '\0';
	t->completed = 0;
	st_val v[] = {ST_T(t->request_id), ST_T(t->chsm_id), ST_T(t->opr_type), ST_T(t->vsm_id),
	              ST_T(t->name),       ST_T(t->state),   ST_I(t->status),   ST_T(t->message),
	              ST_I(t->created),    ST_I(t->completed), ST_T(t->detail)};
	return st_tx_query(tx, "INSERT INTO pool_chsm_tasks (" TASK_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", v,
	                   11, NULL, NULL);
}

ccsp_err ccsp_store_pool_task_get(ccsp_store_tx *tx, const char *request_id, ccsp_store_pool_task *out)
{
	st_res *r = NULL;
	CCSP_ENSURE(out != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(request_id, CCSP_STORE_NAME_MAX), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(request_id)};
	CCSP_GUARD(st_tx_query_one(tx, "SELECT " TASK_COLS " FROM pool_chsm_tasks WHERE request_id = ?", v, 1, &r));
	ccsp_err ret = task_row(r, 0, out);
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_pool_task_complete(ccsp_store_tx *tx, const char *request_id, const char *state, int64_t status,
                                       const char *message, int64_t completed)
{
	ccsp_store_pool_task t;
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(state != NULL && (strcmp(state, "done") == 0 || strcmp(state, "failed") == 0) &&
	                    st_value_ok(message, CCSP_STORE_POOL_TASK_MESSAGE_MAX),
	            CCSP_ERR_ARG);
	CCSP_GUARD(ccsp_store_pool_task_get(tx, request_id, &t));
	CCSP_ENSURE(strcmp(t.state, "accepted") == 0, CCSP_ERR_STATE);
	st_val v[] = {ST_T(state), ST_I(status), ST_T(message), ST_I(completed), ST_T(request_id)};
	return st_tx_change_one(tx,
	                        "UPDATE pool_chsm_tasks SET state = ?, status = ?, message = ?, completed = ? WHERE "
	                        "request_id = ? AND state = 'accepted'",
	                        v, 5);
}

ccsp_err ccsp_store_pool_task_list(ccsp_store_tx *tx, const char *chsm_id, size_t limit, ccsp_store_pool_task *out,
                                   size_t *n)
{
	st_res *r = NULL;
	ccsp_err ret = CCSP_OK;
	CCSP_ENSURE(out != NULL && n != NULL && st_limit(limit), CCSP_ERR_ARG);
	*n = 0;
	st_val v[] = {ST_T(chsm_id != NULL ? chsm_id : ""), ST_I(chsm_id == NULL), ST_I(limit)};
	CCSP_GUARD(st_tx_query(tx,
	                       "SELECT " TASK_COLS " FROM pool_chsm_tasks WHERE (chsm_id = ? OR ? = 1) ORDER BY created DESC,"
	                       " request_id LIMIT ?",
	                       v, 3, &r, NULL));
	for (size_t i = 0; i < r->rows && i < limit; i++) {
		CCSP_CHECK(task_row(r, i, &out[i]));
		*n = i + 1;
	}
out:
	st_res_free(r);
	return ret;
}

/* ---- tenants' own VSMs ---- */

#define TVSM_COLS "chsm_id, vsm_id, tenant_id, address, cert_pem, created"

static ccsp_err tvsm_row(const st_res *r, size_t i, ccsp_store_tenant_vsm *v)
{
	memset(v, 0, sizeof *v);
	CCSP_GUARD(st_res_copy_text(r, i, 0, v->chsm_id, sizeof v->chsm_id));
	CCSP_GUARD(st_res_copy_text(r, i, 1, v->vsm_id, sizeof v->vsm_id));
	CCSP_GUARD(st_res_copy_text(r, i, 2, v->tenant_id, sizeof v->tenant_id));
	CCSP_GUARD(st_res_copy_text(r, i, 3, v->address, sizeof v->address));
	CCSP_GUARD(st_res_copy_text(r, i, 4, v->cert_pem, sizeof v->cert_pem));
	v->created = st_res_int(r, i, 5);
	return CCSP_OK;
}

ccsp_err ccsp_store_tenant_vsm_assigned(ccsp_store_tx *tx, const char *chsm_id, const char *vsm_id, int *assigned)
{
	st_res *r = NULL;
	CCSP_ENSURE(chsm_id != NULL && vsm_id != NULL && assigned != NULL, CCSP_ERR_ARG);
	st_val v[] = {ST_T(chsm_id), ST_T(vsm_id)};
	CCSP_GUARD(st_tx_query_one(tx, "SELECT COUNT(*) FROM tenant_vsms WHERE chsm_id = ? AND vsm_id = ?", v, 2, &r));
	*assigned = st_res_int(r, 0, 0) > 0;
	st_res_free(r);
	return CCSP_OK;
}

ccsp_err ccsp_store_tenant_vsm_create(ccsp_store_tx *tx, const ccsp_store_tenant_vsm *v)
{
	ccsp_store_pool_chsm c;
	ccsp_store_tenant t;
	int64_t devices = 0;
	st_res *r = NULL;
	char address[CCSP_STORE_POOL_ADDRESS_MAX + 1];
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(v != NULL && st_text_ok(v->vsm_id, CCSP_STORE_POOL_VSM_ID_MAX) &&
	                    st_text_ok(v->address, CCSP_STORE_POOL_INFO_MAX) && v->cert_pem[0] != '\0' &&
	                    st_value_ok(v->cert_pem, CCSP_STORE_POOL_PEM_MAX),
	            CCSP_ERR_ARG);
	CCSP_GUARD(ccsp_store_pool_chsm_get(tx, v->chsm_id, &c));
	CCSP_GUARD(ccsp_store_tenant_get(tx, v->tenant_id, &t));
	snprintf(address, sizeof address, "chsm:%s/%s", v->chsm_id, v->vsm_id); /* the pool device's, if it is one */
	st_val q[] = {ST_T(address)};
	CCSP_GUARD(st_tx_query_one(tx, "SELECT COUNT(*) FROM pool_devices WHERE address = ?", q, 1, &r));
	devices = st_res_int(r, 0, 0);
	st_res_free(r);
	CCSP_ENSURE(devices == 0, CCSP_ERR_EXISTS);
	int retired = 0;
	CCSP_GUARD(ccsp_store_retired_vsm_is(tx, v->chsm_id, v->vsm_id, &retired));
	CCSP_ENSURE(!retired, CCSP_ERR_EXISTS); /* a former tenant's, its reset not yet confirmed */
	st_val w[] = {ST_T(v->chsm_id), ST_T(v->vsm_id),   ST_T(v->tenant_id),
	              ST_T(v->address), ST_T(v->cert_pem), ST_I(v->created)};
	return st_tx_query(tx, "INSERT INTO tenant_vsms (" TVSM_COLS ") VALUES (?, ?, ?, ?, ?, ?)", w, 6, NULL, NULL);
}

ccsp_err ccsp_store_tenant_vsm_get(ccsp_store_tx *tx, const char *tenant, const char *chsm_id, const char *vsm_id,
                                   ccsp_store_tenant_vsm *out)
{
	st_res *r = NULL;
	CCSP_ENSURE(out != NULL && chsm_id != NULL && vsm_id != NULL, CCSP_ERR_ARG);
	st_val v[] = {ST_T(chsm_id), ST_T(vsm_id)};
	CCSP_GUARD(st_tx_query_one(tx, "SELECT " TVSM_COLS " FROM tenant_vsms WHERE chsm_id = ? AND vsm_id = ?", v, 2,
	                           &r));
	ccsp_err ret = tvsm_row(r, 0, out);
	st_res_free(r);
	if (ret == CCSP_OK && tenant != NULL && strcmp(out->tenant_id, tenant) != 0)
		ret = CCSP_ERR_NOT_FOUND; /* another tenant's: as if it did not exist */
	return ret;
}

ccsp_err ccsp_store_tenant_vsm_list(ccsp_store_tx *tx, const char *tenant, size_t limit, ccsp_store_tenant_vsm *out,
                                    size_t *n)
{
	st_res *r = NULL;
	ccsp_err ret = CCSP_OK;
	CCSP_ENSURE(out != NULL && n != NULL && st_limit(limit), CCSP_ERR_ARG);
	*n = 0;
	st_val v[] = {ST_T(tenant), ST_T(tenant), ST_I(limit)};
	CCSP_GUARD(st_tx_query(tx, "SELECT " TVSM_COLS " FROM tenant_vsms WHERE (? IS NULL OR tenant_id = ?)"
	                           " ORDER BY chsm_id, vsm_id LIMIT ?",
	                       v, 3, &r, NULL));
	for (size_t i = 0; i < r->rows && i < limit; i++) {
		CCSP_CHECK(tvsm_row(r, i, &out[i]));
		*n = i + 1;
	}
out:
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_tenant_vsm_set_address(ccsp_store_tx *tx, const char *chsm_id, const char *vsm_id,
                                           const char *address, const char *cert_pem)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(chsm_id != NULL && vsm_id != NULL && st_text_ok(address, CCSP_STORE_POOL_INFO_MAX) &&
	                    cert_pem != NULL && cert_pem[0] != '\0' && st_value_ok(cert_pem, CCSP_STORE_POOL_PEM_MAX),
	            CCSP_ERR_ARG);
	st_val v[] = {ST_T(address), ST_T(cert_pem), ST_T(chsm_id), ST_T(vsm_id)};
	return st_tx_change_one(tx, "UPDATE tenant_vsms SET address = ?, cert_pem = ? WHERE chsm_id = ? AND vsm_id = ?", v,
	                        4);
}

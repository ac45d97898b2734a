/* SPDX-License-Identifier: Apache-2.0 */
/* The store's key custodians (store_custodian.h). */
#include <string.h>

#include "platform/store/store_custodian.h"
#include "platform/store/store_db.h"

#define CUSTODIAN_COLS "id, name, public_key, created_by, created"

static ccsp_err custodian_row(const st_res *r, size_t i, ccsp_store_custodian *c)
{
	size_t len = 0;
	memset(c, 0, sizeof *c);
	CCSP_GUARD(st_res_copy_text(r, i, 0, c->id, sizeof c->id));
	CCSP_GUARD(st_res_copy_text(r, i, 1, c->name, sizeof c->name));
	CCSP_GUARD(st_res_copy_blob(r, i, 2, c->public_key, sizeof c->public_key, &len));
	CCSP_ENSURE(len == sizeof c->public_key, CCSP_ERR_TAMPERED);
	CCSP_GUARD(st_res_copy_text(r, i, 3, c->created_by, sizeof c->created_by));
	c->created = st_res_int(r, i, 4);
	return CCSP_OK;
}

ccsp_err ccsp_store_custodian_create(ccsp_store_tx *tx, ccsp_store_custodian *c)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(c != NULL && st_text_ok(c->name, CCSP_STORE_NAME_MAX) && c->public_key[0] == 0x04 &&
	                st_text_ok(c->created_by, CCSP_STORE_ID_LEN),
	            CCSP_ERR_ARG);
	CCSP_GUARD(st_new_id(c->id));
	st_val v[] = {
		ST_T(c->id), ST_T(c->name), ST_B(c->public_key, sizeof c->public_key), ST_T(c->created_by),
		ST_I(c->created),
	};
	return st_tx_query(tx, "INSERT INTO custodians (" CUSTODIAN_COLS ") VALUES (?, ?, ?, ?, ?)", v, 5, NULL, NULL);
}

ccsp_err ccsp_store_custodian_get(ccsp_store_tx *tx, const char *id, ccsp_store_custodian *out)
{
	st_res *r = NULL;
	CCSP_ENSURE(out != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(id, CCSP_STORE_ID_LEN), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(id)};
	CCSP_GUARD(st_tx_query_one(tx, "SELECT " CUSTODIAN_COLS " FROM custodians WHERE id = ?", v, 1, &r));
	ccsp_err ret = custodian_row(r, 0, out);
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_custodian_list(ccsp_store_tx *tx, const char *cursor, size_t limit, ccsp_store_custodian *out,
                                   size_t *n)
{
	st_res *r = NULL;
	ccsp_err ret = CCSP_OK;
	CCSP_ENSURE(out != NULL && n != NULL && st_limit(limit), CCSP_ERR_ARG);
	*n = 0;
	st_val v[] = {ST_T(cursor ? cursor : ""), ST_I(limit)};
	CCSP_GUARD(st_tx_query(tx, "SELECT " CUSTODIAN_COLS " FROM custodians WHERE id > ? ORDER BY id LIMIT ?", v, 2,
	                       &r, NULL));
	for (size_t i = 0; i < r->rows && i < limit; i++) {
		CCSP_CHECK(custodian_row(r, i, &out[i]));
		*n = i + 1;
	}
out:
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_custodian_delete(ccsp_store_tx *tx, const char *id)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(st_text_ok(id, CCSP_STORE_ID_LEN), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(id)};
	return st_tx_change_one(tx, "DELETE FROM custodians WHERE id = ?", v, 1);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The store's BYOK import keys and export recipients (store_kms_byok.h). */
#include <string.h>

#include "platform/store/store_db.h"
#include "platform/store/store_identity.h"
#include "platform/store/store_kms_byok.h"

#define IMPORT_COLS "id, tenant_id, spec, wrapped, kek_index, public_key, created, expires, group_id"
#define RECIPIENT_COLS "tenant_id, name, public_key, created"

static ccsp_err import_row(const st_res *r, ccsp_store_kms_import *im)
{
	size_t publen = 0;
	memset(im, 0, sizeof *im);
	CCSP_GUARD(st_res_copy_text(r, 0, 0, im->id, sizeof im->id));
	CCSP_GUARD(st_res_copy_text(r, 0, 1, im->tenant_id, sizeof im->tenant_id));
	CCSP_GUARD(st_res_copy_text(r, 0, 2, im->spec, sizeof im->spec));
	CCSP_GUARD(st_res_copy_blob(r, 0, 3, im->wrapped, sizeof im->wrapped, &im->wrapped_len));
	im->kek_index = (uint32_t)st_res_int(r, 0, 4);
	CCSP_GUARD(st_res_copy_blob(r, 0, 5, im->public_key, sizeof im->public_key, &publen));
	CCSP_ENSURE(publen == sizeof im->public_key && im->wrapped_len > 0, CCSP_ERR_TAMPERED);
	im->created = st_res_int(r, 0, 6);
	im->expires = st_res_int(r, 0, 7);
	return st_res_copy_text(r, 0, 8, im->group_id, sizeof im->group_id);
}

ccsp_err ccsp_store_kms_import_create(ccsp_store_tx *tx, ccsp_store_kms_import *im)
{
	ccsp_store_tenant t;
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(im != NULL, CCSP_ERR_ARG);
	if (im->group_id[0] == '\0')
		memcpy(im->group_id, CCSP_STORE_POOL_DEFAULT_GROUP, sizeof CCSP_STORE_POOL_DEFAULT_GROUP);
	CCSP_ENSURE(st_text_ok(im->group_id, CCSP_STORE_ID_LEN) && st_text_ok(im->tenant_id, CCSP_STORE_ID_LEN) &&
	                st_text_ok(im->spec, CCSP_STORE_KMS_SPEC_MAX) && im->wrapped_len >= 1 &&
	                im->wrapped_len <= sizeof im->wrapped && im->kek_index >= 1 && im->expires > im->created,
	            CCSP_ERR_ARG);
	CCSP_GUARD(ccsp_store_tenant_get(tx, im->tenant_id, &t));
	st_val purge[] = {ST_T(im->tenant_id), ST_I(im->created)};
	CCSP_GUARD(st_tx_query(tx, "DELETE FROM kms_imports WHERE tenant_id = ? AND expires <= ?", purge, 2, NULL, NULL));
	CCSP_GUARD(st_new_id(im->id));
	st_val v[] = {
		ST_T(im->id),         ST_T(im->tenant_id), ST_T(im->spec), ST_B(im->wrapped, im->wrapped_len),
		ST_I(im->kek_index),  ST_B(im->public_key, sizeof im->public_key), ST_I(im->created),
		ST_I(im->expires),    ST_T(im->group_id),
	};
	return st_tx_query(tx, "INSERT INTO kms_imports (" IMPORT_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", v, 9,
	                   NULL, NULL);
}

ccsp_err ccsp_store_kms_import_get(ccsp_store_tx *tx, const char *tenant, const char *id, ccsp_store_kms_import *out)
{
	st_res *r = NULL;
	CCSP_ENSURE(out != NULL && st_text_ok(tenant, CCSP_STORE_ID_LEN), CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(id, CCSP_STORE_ID_LEN), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(id), ST_T(tenant)};
	CCSP_GUARD(st_tx_query_one(tx, "SELECT " IMPORT_COLS " FROM kms_imports WHERE id = ? AND tenant_id = ?", v, 2,
	                           &r));
	ccsp_err ret = import_row(r, out);
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_kms_import_delete(ccsp_store_tx *tx, const char *tenant, const char *id)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(st_text_ok(tenant, CCSP_STORE_ID_LEN), CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(id, CCSP_STORE_ID_LEN), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(id), ST_T(tenant)};
	return st_tx_change_one(tx, "DELETE FROM kms_imports WHERE id = ? AND tenant_id = ?", v, 2);
}

static ccsp_err recipient_row(const st_res *r, size_t i, ccsp_store_kms_recipient *out)
{
	size_t len = 0;
	memset(out, 0, sizeof *out);
	CCSP_GUARD(st_res_copy_text(r, i, 0, out->tenant_id, sizeof out->tenant_id));
	CCSP_GUARD(st_res_copy_text(r, i, 1, out->name, sizeof out->name));
	CCSP_GUARD(st_res_copy_blob(r, i, 2, out->public_key, sizeof out->public_key, &len));
	CCSP_ENSURE(len == sizeof out->public_key, CCSP_ERR_TAMPERED);
	out->created = st_res_int(r, i, 3);
	return CCSP_OK;
}

ccsp_err ccsp_store_kms_recipient_add(ccsp_store_tx *tx, const ccsp_store_kms_recipient *rc)
{
	ccsp_store_tenant t;
	st_res *r = NULL;
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(rc != NULL && st_text_ok(rc->tenant_id, CCSP_STORE_ID_LEN) && st_text_ok(rc->name, CCSP_STORE_NAME_MAX),
	            CCSP_ERR_ARG);
	CCSP_GUARD(ccsp_store_tenant_get(tx, rc->tenant_id, &t));
	st_val c[] = {ST_T(rc->tenant_id)};
	CCSP_GUARD(st_tx_query_one(tx, "SELECT COUNT(*) FROM kms_recipients WHERE tenant_id = ?", c, 1, &r));
	int64_t n = st_res_int(r, 0, 0);
	st_res_free(r);
	CCSP_ENSURE(n < CCSP_STORE_KMS_RECIPIENTS_MAX, CCSP_ERR_LIMIT);
	st_val v[] = {ST_T(rc->tenant_id), ST_T(rc->name), ST_B(rc->public_key, sizeof rc->public_key), ST_I(rc->created)};
	return st_tx_query(tx, "INSERT INTO kms_recipients (" RECIPIENT_COLS ") VALUES (?, ?, ?, ?)", v, 4, NULL, NULL);
}

ccsp_err ccsp_store_kms_recipient_get(ccsp_store_tx *tx, const char *tenant, const char *name,
                                      ccsp_store_kms_recipient *out)
{
	st_res *r = NULL;
	CCSP_ENSURE(out != NULL && st_text_ok(tenant, CCSP_STORE_ID_LEN), CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(name, CCSP_STORE_NAME_MAX), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(tenant), ST_T(name)};
	CCSP_GUARD(st_tx_query_one(tx, "SELECT " RECIPIENT_COLS " FROM kms_recipients WHERE tenant_id = ? AND name = ?",
	                           v, 2, &r));
	ccsp_err ret = recipient_row(r, 0, out);
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_kms_recipient_list(ccsp_store_tx *tx, const char *tenant, ccsp_store_kms_recipient *out,
                                       size_t max, size_t *n)
{
	st_res *r = NULL;
	ccsp_err ret = CCSP_OK;
	CCSP_ENSURE(out != NULL && n != NULL && st_limit(max) && st_text_ok(tenant, CCSP_STORE_ID_LEN), CCSP_ERR_ARG);
	*n = 0;
	st_val v[] = {ST_T(tenant), ST_I(max)};
	CCSP_GUARD(st_tx_query(tx, "SELECT " RECIPIENT_COLS " FROM kms_recipients WHERE tenant_id = ? ORDER BY name LIMIT ?",
	                       v, 2, &r, NULL));
	for (size_t i = 0; i < r->rows && i < max; i++) {
		CCSP_CHECK(recipient_row(r, i, &out[i]));
		*n = i + 1;
	}
out:
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_kms_recipient_delete(ccsp_store_tx *tx, const char *tenant, const char *name)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(st_text_ok(tenant, CCSP_STORE_ID_LEN), CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(name, CCSP_STORE_NAME_MAX), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(tenant), ST_T(name)};
	return st_tx_change_one(tx, "DELETE FROM kms_recipients WHERE tenant_id = ? AND name = ?", v, 2);
}

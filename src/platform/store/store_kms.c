/* SPDX-License-Identifier: Apache-2.0 */
/* The store's KMS keys, versions and aliases (store_kms.h). */
#include <string.h>

#include "platform/store/store_db.h"
#include "platform/store/store_identity.h"
#include "platform/store/store_kms.h"

#define KEY_COLS \
	"id, tenant_id, spec, description, state, primary_version, deletion_due, created, updated, rotation_days, rotated_at, origin, \
	group_id"
#define VERSION_COLS "key_id, version, wrapped, kek_index, compromised, created, public_key"

const char *ccsp_store_kms_origin_name(ccsp_store_kms_origin o)
{
	static const char *const names[] = {"generated", "imported", "recovered"};
	return (unsigned)o < sizeof names / sizeof names[0] ? names[o] : NULL;
}

ccsp_store_kms_origin ccsp_store_kms_origin_parse(const char *name)
{
	for (ccsp_store_kms_origin o = CCSP_STORE_KMS_GENERATED; ccsp_store_kms_origin_name(o) != NULL; o++)
		if (name != NULL && strcmp(name, ccsp_store_kms_origin_name(o)) == 0)
			return o;
	return (ccsp_store_kms_origin)-1;
}

static ccsp_err key_row(const st_res *r, size_t i, ccsp_store_kms_key *k)
{
	memset(k, 0, sizeof *k);
	CCSP_GUARD(st_res_copy_text(r, i, 0, k->id, sizeof k->id));
	CCSP_GUARD(st_res_copy_text(r, i, 1, k->tenant_id, sizeof k->tenant_id));
	CCSP_GUARD(st_res_copy_text(r, i, 2, k->spec, sizeof k->spec));
	CCSP_GUARD(st_res_copy_text(r, i, 3, k->description, sizeof k->description));
	k->state = ccsp_kms_state_parse(st_res_text(r, i, 4));
	CCSP_ENSURE(k->state != CCSP_KMS_NONE, CCSP_ERR_TAMPERED);
	k->primary_version = st_res_int(r, i, 5);
	k->deletion_due = st_res_int(r, i, 6);
	k->created = st_res_int(r, i, 7);
	k->updated = st_res_int(r, i, 8);
	k->rotation_days = st_res_int(r, i, 9);
	k->rotated_at = st_res_int(r, i, 10);
	k->origin = ccsp_store_kms_origin_parse(st_res_text(r, i, 11));
	CCSP_ENSURE(ccsp_store_kms_origin_name(k->origin) != NULL, CCSP_ERR_TAMPERED);
	return st_res_copy_text(r, i, 12, k->group_id, sizeof k->group_id);
}

static int key_ok(const ccsp_store_kms_key *k)
{
	return st_text_ok(k->tenant_id, CCSP_STORE_ID_LEN) && st_text_ok(k->spec, CCSP_STORE_KMS_SPEC_MAX) &&
	       st_value_ok(k->description, CCSP_STORE_KMS_DESC_MAX) && ccsp_kms_state_name(k->state) != NULL &&
	       k->primary_version >= 1 && k->deletion_due >= 0 && k->rotation_days >= 1 &&
	       k->rotation_days <= CCSP_STORE_KMS_ROTATION_DAYS_MAX && k->rotated_at >= 0 &&
	       ccsp_store_kms_origin_name(k->origin) != NULL && st_text_ok(k->group_id, CCSP_STORE_ID_LEN);
}

ccsp_err ccsp_store_kms_key_create(ccsp_store_tx *tx, ccsp_store_kms_key *k)
{
	ccsp_store_tenant t;
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(k != NULL, CCSP_ERR_ARG);
	if (k->group_id[0] == '\0')
		memcpy(k->group_id, CCSP_STORE_POOL_DEFAULT_GROUP, sizeof CCSP_STORE_POOL_DEFAULT_GROUP);
	CCSP_ENSURE(key_ok(k), CCSP_ERR_ARG);
	CCSP_GUARD(ccsp_store_tenant_get(tx, k->tenant_id, &t));
	if (k->id[0] == '\0')
		CCSP_GUARD(st_new_id(k->id));
	else
		CCSP_ENSURE(st_text_ok(k->id, CCSP_STORE_ID_LEN) && strlen(k->id) == CCSP_STORE_ID_LEN, CCSP_ERR_ARG);
	st_val v[] = {
		ST_T(k->id), ST_T(k->tenant_id), ST_T(k->spec), ST_T(k->description), ST_T(ccsp_kms_state_name(k->state)),
		ST_I(k->primary_version), ST_I(k->deletion_due), ST_I(k->created), ST_I(k->updated), ST_I(k->rotation_days),
		ST_I(k->rotated_at), ST_T(ccsp_store_kms_origin_name(k->origin)), ST_T(k->group_id),
	};
	return st_tx_query(tx, "INSERT INTO kms_keys (" KEY_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", v,
	                   13, NULL, NULL);
}

ccsp_err ccsp_store_kms_key_get(ccsp_store_tx *tx, const char *tenant, const char *id, ccsp_store_kms_key *out)
{
	st_res *r = NULL;
	CCSP_ENSURE(out != NULL && st_text_ok(tenant, CCSP_STORE_ID_LEN), CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(id, CCSP_STORE_ID_LEN), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(id), ST_T(tenant)};
	CCSP_GUARD(st_tx_query_one(tx, "SELECT " KEY_COLS " FROM kms_keys WHERE id = ? AND tenant_id = ?", v, 2, &r));
	ccsp_err ret = key_row(r, 0, out);
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_kms_key_list(ccsp_store_tx *tx, const char *tenant, const char *cursor, size_t limit,
                                 ccsp_store_kms_key *out, size_t *n)
{
	st_res *r = NULL;
	ccsp_err ret = CCSP_OK;
	CCSP_ENSURE(out != NULL && n != NULL && st_limit(limit), CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(tenant, CCSP_STORE_ID_LEN), CCSP_ERR_ARG);
	*n = 0;
	st_val v[] = {ST_T(tenant), ST_T(cursor ? cursor : ""), ST_I(limit)};
	CCSP_GUARD(st_tx_query(tx, "SELECT " KEY_COLS " FROM kms_keys WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?",
	                       v, 3, &r, NULL));
	for (size_t i = 0; i < r->rows && i < limit; i++) {
		CCSP_CHECK(key_row(r, i, &out[i]));
		*n = i + 1;
	}
out:
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_kms_key_list_group(ccsp_store_tx *tx, const char *group, const char *after_tenant,
                                       const char *after_id, size_t limit, ccsp_store_kms_key *out, size_t *n)
{
	st_res *r = NULL;
	ccsp_err ret = CCSP_OK;
	CCSP_ENSURE(out != NULL && n != NULL && st_limit(limit) && after_tenant != NULL && after_id != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(group, CCSP_STORE_ID_LEN) && st_value_ok(after_tenant, CCSP_STORE_ID_LEN) &&
	                    st_value_ok(after_id, CCSP_STORE_ID_LEN),
	            CCSP_ERR_ARG);
	*n = 0;
	st_val v[] = {ST_T(group), ST_T(after_tenant), ST_T(after_tenant), ST_T(after_id), ST_I(limit)};
	CCSP_GUARD(st_tx_query(tx,
	                       "SELECT " KEY_COLS " FROM kms_keys WHERE group_id = ? AND (tenant_id > ? OR"
	                       " (tenant_id = ? AND id > ?)) ORDER BY tenant_id, id LIMIT ?",
	                       v, 5, &r, NULL));
	for (size_t i = 0; i < r->rows && i < limit; i++) {
		CCSP_CHECK(key_row(r, i, &out[i]));
		*n = i + 1;
	}
out:
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_kms_key_update(ccsp_store_tx *tx, const ccsp_store_kms_key *k)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(k != NULL && key_ok(k), CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(k->id, CCSP_STORE_ID_LEN), CCSP_ERR_NOT_FOUND);
	st_val v[] = {
		ST_T(k->description), ST_T(ccsp_kms_state_name(k->state)), ST_I(k->primary_version), ST_I(k->deletion_due),
		ST_I(k->updated), ST_I(k->rotation_days), ST_I(k->rotated_at), ST_T(k->id), ST_T(k->tenant_id),
	};
	return st_tx_change_one(tx, "UPDATE kms_keys SET description = ?, state = ?, primary_version = ?,"
	                            " deletion_due = ?, updated = ?, rotation_days = ?, rotated_at = ?"
	                            " WHERE id = ? AND tenant_id = ?", v, 9);
}

ccsp_err ccsp_store_kms_key_update_from(ccsp_store_tx *tx, const ccsp_store_kms_key *k, ccsp_kms_state from)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(k != NULL && key_ok(k) && ccsp_kms_state_name(from) != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(k->id, CCSP_STORE_ID_LEN), CCSP_ERR_NOT_FOUND);
	st_val v[] = {
		ST_T(k->description), ST_T(ccsp_kms_state_name(k->state)), ST_I(k->primary_version), ST_I(k->deletion_due),
		ST_I(k->updated), ST_I(k->rotation_days), ST_I(k->rotated_at), ST_T(k->id), ST_T(k->tenant_id),
		ST_T(ccsp_kms_state_name(from)),
	};
	return st_tx_change_one(tx, "UPDATE kms_keys SET description = ?, state = ?, primary_version = ?,"
	                            " deletion_due = ?, updated = ?, rotation_days = ?, rotated_at = ?"
	                            " WHERE id = ? AND tenant_id = ? AND state = ?", v, 10);
}

ccsp_err ccsp_store_kms_key_due_all(ccsp_store_tx *tx, int64_t now, ccsp_store_kms_ref *out, size_t max, size_t *n)
{
	st_res *r = NULL;
	ccsp_err ret = CCSP_OK;
	CCSP_ENSURE(out != NULL && n != NULL && st_limit(max), CCSP_ERR_ARG);
	*n = 0;
	st_val v[] = {ST_I(now), ST_I(max)};
	CCSP_GUARD(st_tx_query(tx, "SELECT tenant_id, id FROM kms_keys WHERE state = 'pending_deletion'"
	                           " AND deletion_due <= ? ORDER BY deletion_due, id LIMIT ?", v, 2, &r, NULL));
	for (size_t i = 0; i < r->rows && i < max; i++) {
		CCSP_CHECK(st_res_copy_text(r, i, 0, out[i].tenant_id, sizeof out[i].tenant_id));
		CCSP_CHECK(st_res_copy_text(r, i, 1, out[i].id, sizeof out[i].id));
		*n = i + 1;
	}
out:
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_kms_rotation_due_all(ccsp_store_tx *tx, int64_t now, ccsp_store_kms_ref *out, size_t max,
                                         size_t *n)
{
	st_res *r = NULL;
	ccsp_err ret = CCSP_OK;
	CCSP_ENSURE(out != NULL && n != NULL && st_limit(max), CCSP_ERR_ARG);
	*n = 0;
	st_val v[] = {ST_I(CCSP_KMS_DAY_MS), ST_I(now), ST_I(max)};
	CCSP_GUARD(st_tx_query(tx, "SELECT tenant_id, id FROM kms_keys WHERE state = 'enabled'"
	                           " AND rotated_at + rotation_days * ? <= ? ORDER BY rotated_at, id LIMIT ?", v, 3, &r,
	                       NULL));
	for (size_t i = 0; i < r->rows && i < max; i++) {
		CCSP_CHECK(st_res_copy_text(r, i, 0, out[i].tenant_id, sizeof out[i].tenant_id));
		CCSP_CHECK(st_res_copy_text(r, i, 1, out[i].id, sizeof out[i].id));
		*n = i + 1;
	}
out:
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_kms_key_due(ccsp_store_tx *tx, const char *tenant, int64_t now,
                                char (*ids)[CCSP_STORE_ID_LEN + 1], size_t max, size_t *n)
{
	st_res *r = NULL;
	ccsp_err ret = CCSP_OK;
	CCSP_ENSURE(ids != NULL && n != NULL && st_limit(max), CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(tenant, CCSP_STORE_ID_LEN), CCSP_ERR_ARG);
	*n = 0;
	st_val v[] = {ST_T(tenant), ST_I(now), ST_I(max)};
	CCSP_GUARD(st_tx_query(tx, "SELECT id FROM kms_keys WHERE tenant_id = ? AND state = 'pending_deletion'"
	                           " AND deletion_due <= ? ORDER BY id LIMIT ?", v, 3, &r, NULL));
	for (size_t i = 0; i < r->rows && i < max; i++) {
		CCSP_CHECK(st_res_copy_text(r, i, 0, ids[i], sizeof ids[i]));
		*n = i + 1;
	}
out:
	st_res_free(r);
	return ret;
}

/* 1 when tenant holds key_id (CCSP_OK), else CCSP_ERR_NOT_FOUND. */
static ccsp_err key_in_tenant(ccsp_store_tx *tx, const char *tenant, const char *key_id)
{
	st_res *r = NULL;
	CCSP_ENSURE(st_text_ok(tenant, CCSP_STORE_ID_LEN), CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(key_id, CCSP_STORE_ID_LEN), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(key_id), ST_T(tenant)};
	ccsp_err ret = st_tx_query_one(tx, "SELECT 1 FROM kms_keys WHERE id = ? AND tenant_id = ?", v, 2, &r);
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_kms_version_add(ccsp_store_tx *tx, const char *tenant, const ccsp_store_kms_version *v)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(v != NULL && v->version >= 1 && v->wrapped_len >= 1 && v->wrapped_len <= sizeof v->wrapped &&
	                v->kek_index >= 1 && (v->public_key_len == 0 || v->public_key_len == sizeof v->public_key),
	            CCSP_ERR_ARG);
	CCSP_GUARD(key_in_tenant(tx, tenant, v->key_id));
	st_val p[] = {
		ST_T(v->key_id), ST_I(v->version), ST_B(v->wrapped, v->wrapped_len), ST_I(v->kek_index),
		ST_I(v->compromised ? 1 : 0), ST_I(v->created),
		ST_B(v->public_key_len > 0 ? v->public_key : NULL, v->public_key_len),
	};
	return st_tx_query(tx, "INSERT INTO kms_key_versions (" VERSION_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?)", p, 7,
	                   NULL, NULL);
}

ccsp_err ccsp_store_kms_version_get(ccsp_store_tx *tx, const char *tenant, const char *key_id, int64_t version,
                                    ccsp_store_kms_version *out)
{
	st_res *r = NULL;
	ccsp_err ret = CCSP_OK;
	CCSP_ENSURE(out != NULL && st_text_ok(tenant, CCSP_STORE_ID_LEN), CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(key_id, CCSP_STORE_ID_LEN), CCSP_ERR_NOT_FOUND);
	memset(out, 0, sizeof *out);
	st_val v[] = {ST_T(key_id), ST_I(version), ST_T(tenant)};
	CCSP_GUARD(st_tx_query_one(tx, "SELECT v.key_id, v.version, v.wrapped, v.kek_index, v.compromised, v.created, v.public_key"
	                               " FROM kms_key_versions v JOIN kms_keys k ON k.id = v.key_id"
	                               " WHERE v.key_id = ? AND v.version = ? AND k.tenant_id = ?", v, 3, &r));
	CCSP_CHECK(st_res_copy_text(r, 0, 0, out->key_id, sizeof out->key_id));
	out->version = st_res_int(r, 0, 1);
	CCSP_CHECK(st_res_copy_blob(r, 0, 2, out->wrapped, sizeof out->wrapped, &out->wrapped_len));
	out->kek_index = (uint32_t)st_res_int(r, 0, 3);
	out->compromised = st_res_int(r, 0, 4) != 0;
	out->created = st_res_int(r, 0, 5);
	CCSP_CHECK(st_res_copy_blob(r, 0, 6, out->public_key, sizeof out->public_key, &out->public_key_len));
	if (out->public_key_len != 0 && out->public_key_len != sizeof out->public_key)
		ret = CCSP_ERR_TAMPERED;
out:
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_kms_version_mark_compromised(ccsp_store_tx *tx, const char *tenant, const char *key_id,
                                                 int64_t version)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_GUARD(key_in_tenant(tx, tenant, key_id));
	st_val v[] = {ST_T(key_id), ST_I(version)};
	return st_tx_change_one(tx, "UPDATE kms_key_versions SET compromised = 1 WHERE key_id = ? AND version = ?", v, 2);
}

ccsp_err ccsp_store_kms_versions_erase(ccsp_store_tx *tx, const char *tenant, const char *key_id, int64_t *n)
{
	int64_t changes = 0;
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_GUARD(key_in_tenant(tx, tenant, key_id));
	st_val v[] = {ST_B(NULL, 0), ST_T(key_id)};
	CCSP_GUARD(st_tx_query(tx, "UPDATE kms_key_versions SET wrapped = ? WHERE key_id = ? AND wrapped IS NOT NULL",
	                       v, 2, NULL, &changes));
	if (n != NULL)
		*n = changes;
	return CCSP_OK;
}

ccsp_err ccsp_store_kms_alias_set(ccsp_store_tx *tx, const char *tenant, const char *alias, const char *key_id,
                                  int64_t created)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(st_text_ok(alias, CCSP_STORE_KMS_ALIAS_MAX), CCSP_ERR_ARG);
	CCSP_GUARD(key_in_tenant(tx, tenant, key_id));
	st_val v[] = {ST_T(tenant), ST_T(alias), ST_T(key_id), ST_I(created)};
	return st_tx_query(tx, "INSERT INTO kms_aliases (tenant_id, alias, key_id, created) VALUES (?, ?, ?, ?)", v, 4,
	                   NULL, NULL);
}

ccsp_err ccsp_store_kms_alias_find(ccsp_store_tx *tx, const char *tenant, const char *alias,
                                   char key_id[CCSP_STORE_ID_LEN + 1])
{
	st_res *r = NULL;
	CCSP_ENSURE(key_id != NULL && st_text_ok(tenant, CCSP_STORE_ID_LEN), CCSP_ERR_ARG);
	CCSP_ENSURE(st_text_ok(alias, CCSP_STORE_KMS_ALIAS_MAX), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(tenant), ST_T(alias)};
	CCSP_GUARD(st_tx_query_one(tx, "SELECT key_id FROM kms_aliases WHERE tenant_id = ? AND alias = ?", v, 2, &r));
	ccsp_err ret = st_res_copy_text(r, 0, 0, key_id, CCSP_STORE_ID_LEN + 1);
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_kms_alias_of(ccsp_store_tx *tx, const char *tenant, const char *key_id,
                                 char alias[CCSP_STORE_KMS_ALIAS_MAX + 1])
{
	st_res *r = NULL;
	CCSP_ENSURE(alias != NULL && st_text_ok(tenant, CCSP_STORE_ID_LEN), CCSP_ERR_ARG);
	alias[0] = '\0';
	st_val v[] = {ST_T(tenant), ST_T(key_id != NULL ? key_id : "")};
	CCSP_GUARD(st_tx_query(tx, "SELECT alias FROM kms_aliases WHERE tenant_id = ? AND key_id = ? ORDER BY alias"
	                           " LIMIT 1", v, 2, &r, NULL));
	ccsp_err ret = r->rows > 0 ? st_res_copy_text(r, 0, 0, alias, CCSP_STORE_KMS_ALIAS_MAX + 1) : CCSP_OK;
	st_res_free(r);
	return ret;
}

ccsp_err ccsp_store_kms_alias_delete_key(ccsp_store_tx *tx, const char *tenant, const char *key_id, int64_t *n)
{
	int64_t changes = 0;
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(st_text_ok(tenant, CCSP_STORE_ID_LEN), CCSP_ERR_ARG);
	st_val v[] = {ST_T(tenant), ST_T(key_id != NULL ? key_id : "")};
	CCSP_GUARD(st_tx_query(tx, "DELETE FROM kms_aliases WHERE tenant_id = ? AND key_id = ?", v, 2, NULL, &changes));
	if (n != NULL)
		*n = changes;
	return CCSP_OK;
}

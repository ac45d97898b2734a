/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_test's part for the KMS tables (schema version 3): keys, versions with their wrapped material, aliases;
 * tenant scoping of every call; destruction erasing the material. On both engines. Included by store_test.c (its
 * helpers and NOW).
 */
#include "platform/store/store_kms.h"

static void mk_kms_key(ccsp_store_tx *tx, const char *tenant, ccsp_store_kms_key *k)
{
	memset(k, 0, sizeof *k);
	snprintf(k->tenant_id, sizeof k->tenant_id, "%s", tenant);
	snprintf(k->spec, sizeof k->spec, "SM4");
	k->state = CCSP_KMS_ENABLED;
	k->primary_version = 1;
	k->created = k->updated = NOW;
	k->rotation_days = 30;
	k->rotated_at = NOW;
	assert_ok(ccsp_store_kms_key_create(tx, k));
	assert_int_equal(strlen(k->id), CCSP_STORE_ID_LEN);
	ccsp_store_kms_version v = {.version = 1, .wrapped_len = 16, .kek_index = 1, .created = NOW};
	memcpy(v.key_id, k->id, sizeof v.key_id);
	memset(v.wrapped, 0x5c, 16);
	assert_ok(ccsp_store_kms_version_add(tx, tenant, &v));
}

static void test_kms_keys(void **state)
{
	(void)state;
	ccsp_store *s = fx_open();
	ccsp_store_tx *tx = tx_begin(s);
	ccsp_store_tenant ta, tb;
	ccsp_store_kms_key a, b, got, list[3];
	ccsp_store_kms_version v;
	char id[CCSP_STORE_ID_LEN + 1], alias[CCSP_STORE_KMS_ALIAS_MAX + 1], due[2][CCSP_STORE_ID_LEN + 1];
	ccsp_store_kms_ref refs[3];
	size_t n = 0;
	int64_t k = 0;
	mk_tenant(tx, NULL, "A", &ta);
	mk_tenant(tx, NULL, "B", &tb);
	mk_kms_key(tx, ta.id, &a);
	mk_kms_key(tx, tb.id, &b);
	assert_ok(ccsp_store_kms_key_get(tx, ta.id, a.id, &got));
	assert_string_equal(got.spec, "SM4");
	assert_int_equal(got.state, CCSP_KMS_ENABLED);
	assert_int_equal(got.primary_version, 1);
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_kms_key_get(tx, tb.id, a.id, &got)); /* another tenant's */
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_kms_key_get(tx, ta.id, "nope", &got));
	assert_ok(ccsp_store_kms_key_list(tx, ta.id, NULL, 3, list, &n));
	assert_int_equal(n, 1);
	assert_string_equal(list[0].id, a.id);

	/* versions: the wrapped bytes as given; scoped by the key's tenant */
	assert_ok(ccsp_store_kms_version_get(tx, ta.id, a.id, 1, &v));
	assert_int_equal(v.wrapped_len, 16);
	assert_int_equal(v.wrapped[15], 0x5c);
	assert_int_equal(v.kek_index, 1);
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_kms_version_get(tx, tb.id, a.id, 1, &v));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_kms_version_get(tx, ta.id, a.id, 2, &v));
	assert_ok(ccsp_store_kms_version_get(tx, ta.id, a.id, 1, &v));
	v.version = 2;
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_kms_version_add(tx, tb.id, &v));
	assert_ok(ccsp_store_kms_version_add(tx, ta.id, &v));
	assert_ok(ccsp_store_kms_version_get(tx, ta.id, a.id, 2, &v));
	assert_int_equal(v.public_key_len, 0); /* a symmetric key has none */
	v.public_key_len = 63; /* a public key is x || y or nothing */
	v.version = 3;
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_kms_version_add(tx, ta.id, &v));
	v.public_key_len = 64;
	memset(v.public_key, 0xa7, 64);
	assert_ok(ccsp_store_kms_version_add(tx, ta.id, &v));
	assert_ok(ccsp_store_kms_version_get(tx, ta.id, a.id, 3, &v));
	assert_int_equal(v.public_key_len, 64);
	assert_int_equal(v.public_key[63], 0xa7);
	v.wrapped_len = 0; /* no material: refused */
	v.version = 4;
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_kms_version_add(tx, ta.id, &v));

	/* aliases: unique per tenant; another tenant may use the same name */
	assert_ok(ccsp_store_kms_alias_set(tx, ta.id, "orders", a.id, NOW));
	assert_ok(ccsp_store_kms_alias_set(tx, tb.id, "orders", b.id, NOW));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_kms_alias_set(tx, tb.id, "other", a.id, NOW));
	assert_ok(ccsp_store_kms_alias_find(tx, ta.id, "orders", id));
	assert_string_equal(id, a.id);
	assert_ok(ccsp_store_kms_alias_find(tx, tb.id, "orders", id));
	assert_string_equal(id, b.id);
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_kms_alias_find(tx, ta.id, "missing", id));
	assert_ok(ccsp_store_kms_alias_of(tx, ta.id, a.id, alias));
	assert_string_equal(alias, "orders");
	assert_ok(ccsp_store_kms_alias_of(tx, tb.id, a.id, alias));
	assert_string_equal(alias, "");

	/* update, due deletions, destruction */
	got = a;
	got.state = CCSP_KMS_PENDING_DELETION;
	got.deletion_due = NOW + 100;
	got.primary_version = 2;
	assert_ok(ccsp_store_kms_key_update(tx, &got));
	snprintf(got.tenant_id, sizeof got.tenant_id, "%s", tb.id);
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_kms_key_update(tx, &got));
	assert_ok(ccsp_store_kms_key_due(tx, ta.id, NOW + 99, due, 2, &n));
	assert_int_equal(n, 0);
	assert_ok(ccsp_store_kms_key_due(tx, ta.id, NOW + 100, due, 2, &n));
	assert_int_equal(n, 1);
	assert_string_equal(due[0], a.id);
	assert_ok(ccsp_store_kms_key_due(tx, tb.id, NOW + 100, due, 2, &n));
	assert_int_equal(n, 0);
	assert_ok(ccsp_store_kms_key_due_all(tx, NOW + 99, refs, 3, &n)); /* every tenant's: the sweep */
	assert_int_equal(n, 0);
	assert_ok(ccsp_store_kms_key_due_all(tx, NOW + 100, refs, 3, &n));
	assert_int_equal(n, 1);
	assert_string_equal(refs[0].tenant_id, ta.id);
	assert_string_equal(refs[0].id, a.id);
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_kms_versions_erase(tx, tb.id, a.id, &k));
	assert_ok(ccsp_store_kms_versions_erase(tx, ta.id, a.id, &k));
	assert_int_equal(k, 3);
	assert_ok(ccsp_store_kms_version_get(tx, ta.id, a.id, 2, &v));
	assert_int_equal(v.wrapped_len, 0);
	assert_ok(ccsp_store_kms_version_get(tx, ta.id, a.id, 3, &v)); /* the public key stays: old signatures verify */
	assert_int_equal(v.wrapped_len, 0);
	assert_int_equal(v.public_key_len, 64);
	assert_ok(ccsp_store_kms_version_get(tx, tb.id, b.id, 1, &v)); /* B's untouched */
	assert_int_equal(v.wrapped_len, 16);
	/* a compromised version (KM-7): scoped by the key's tenant */
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_kms_version_mark_compromised(tx, ta.id, b.id, 1));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_kms_version_mark_compromised(tx, tb.id, b.id, 2));
	assert_int_equal(v.compromised, 0);
	assert_ok(ccsp_store_kms_version_mark_compromised(tx, tb.id, b.id, 1));
	assert_ok(ccsp_store_kms_version_get(tx, tb.id, b.id, 1, &v));
	assert_int_equal(v.compromised, 1);
	assert_int_equal(v.wrapped_len, 16);
	assert_ok(ccsp_store_kms_alias_delete_key(tx, ta.id, a.id, &k));
	assert_int_equal(k, 1);
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_kms_alias_find(tx, ta.id, "orders", id));
	assert_ok(ccsp_store_kms_alias_find(tx, tb.id, "orders", id));
	assert_ok(ccsp_store_kms_key_get(tx, ta.id, a.id, &got));
	assert_int_equal(got.state, CCSP_KMS_PENDING_DELETION);
	assert_int_equal(got.deletion_due, NOW + 100);
	/* a conditional transition: written only from the state named, once (two sweeping nodes) */
	got.state = CCSP_KMS_DESTROYED;
	got.deletion_due = 0;
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_kms_key_update_from(tx, &got, CCSP_KMS_ENABLED));
	assert_ok(ccsp_store_kms_key_get(tx, ta.id, a.id, &got));
	assert_int_equal(got.state, CCSP_KMS_PENDING_DELETION);
	got.state = CCSP_KMS_DESTROYED;
	got.deletion_due = 0;
	assert_ok(ccsp_store_kms_key_update_from(tx, &got, CCSP_KMS_PENDING_DELETION));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_kms_key_update_from(tx, &got, CCSP_KMS_PENDING_DELETION));
	assert_ok(ccsp_store_kms_key_get(tx, ta.id, a.id, &got));
	assert_int_equal(got.state, CCSP_KMS_DESTROYED);
	assert_ok(ccsp_store_kms_key_due_all(tx, NOW + 100, refs, 3, &n));
	assert_int_equal(n, 0);
	snprintf(got.tenant_id, sizeof got.tenant_id, "%s", tb.id); /* another tenant's key */
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_kms_key_update_from(tx, &got, CCSP_KMS_DESTROYED));
	assert_ok(ccsp_store_commit(tx));

	tx = tx_begin(s); /* an alias twice in a tenant: refused */
	assert_ccsp(CCSP_ERR_EXISTS, ccsp_store_kms_alias_set(tx, tb.id, "orders", b.id, NOW));
	ccsp_store_rollback(tx);
	tx = tx_begin(s); /* a version twice: refused */
	v.version = 1;
	v.wrapped_len = 16;
	memcpy(v.key_id, b.id, sizeof v.key_id);
	assert_ccsp(CCSP_ERR_EXISTS, ccsp_store_kms_version_add(tx, tb.id, &v));
	ccsp_store_rollback(tx);
	tx = tx_begin(s); /* an unknown state: refused */
	got = b;
	got.state = CCSP_KMS_NONE;
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_kms_key_update(tx, &got));
	assert_ccsp(CCSP_ERR_STATE, ccsp_store_tenant_delete(tx, tb.id)); /* a tenant with keys stays */
	ccsp_store_rollback(tx);
	ccsp_store_free(s);
}

/* A resource group's keys across tenants (the key-set backup): (tenant, id) order, paged, only that group's. */
static void test_kms_list_group(void **state)
{
	(void)state;
	ccsp_store *s = fx_open();
	ccsp_store_tx *tx = tx_begin(s);
	ccsp_store_tenant ta, tb;
	ccsp_store_pool_group g = {.kek_index = 2};
	ccsp_store_kms_key k[4], other, page[3];
	size_t n = 0;
	snprintf(g.name, sizeof g.name, "g2");
	mk_tenant(tx, NULL, "A", &ta);
	mk_tenant(tx, NULL, "B", &tb);
	assert_ok(ccsp_store_pool_group_create(tx, &g));
	mk_kms_key(tx, ta.id, &k[0]);
	mk_kms_key(tx, tb.id, &k[1]);
	mk_kms_key(tx, ta.id, &k[2]);
	mk_kms_key(tx, tb.id, &k[3]);
	memset(&other, 0, sizeof other);
	snprintf(other.tenant_id, sizeof other.tenant_id, "%s", ta.id);
	snprintf(other.spec, sizeof other.spec, "SM4");
	snprintf(other.group_id, sizeof other.group_id, "%s", g.id);
	other.state = CCSP_KMS_ENABLED;
	other.primary_version = other.rotation_days = 1;
	assert_ok(ccsp_store_kms_key_create(tx, &other));
	/* the expected order: by tenant, then by id */
	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++) {
			int c = strcmp(k[i].tenant_id, k[j].tenant_id);
			if (c > 0 || (c == 0 && strcmp(k[i].id, k[j].id) > 0)) {
				ccsp_store_kms_key t = k[i];
				k[i] = k[j];
				k[j] = t;
			}
		}
	assert_ok(ccsp_store_kms_key_list_group(tx, "default", "", "", 3, page, &n));
	assert_int_equal(n, 3);
	for (int i = 0; i < 3; i++)
		assert_string_equal(page[i].id, k[i].id);
	assert_ok(ccsp_store_kms_key_list_group(tx, "default", page[2].tenant_id, page[2].id, 3, page, &n));
	assert_int_equal(n, 1);
	assert_string_equal(page[0].id, k[3].id);
	assert_ok(ccsp_store_kms_key_list_group(tx, "default", page[0].tenant_id, page[0].id, 3, page, &n));
	assert_int_equal(n, 0);
	assert_ok(ccsp_store_kms_key_list_group(tx, g.id, "", "", 3, page, &n));
	assert_int_equal(n, 1);
	assert_string_equal(page[0].id, other.id);
	assert_string_equal(page[0].group_id, g.id);
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_kms_key_list_group(tx, "", "", "", 3, page, &n));
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_kms_key_list_group(tx, "default", NULL, "", 3, page, &n));
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_kms_key_list_group(tx, "default", "", "", 0, page, &n));
	ccsp_store_rollback(tx);
	ccsp_store_free(s);
}

/* Automatic rotation: due at rotated_at + rotation_days, every tenant's, enabled keys only; the period is bounded. */
static void test_kms_rotation_due(void **state)
{
	(void)state;
	ccsp_store *s = fx_open();
	ccsp_store_tx *tx = tx_begin(s);
	ccsp_store_tenant ta, tb;
	ccsp_store_kms_key a, b, got;
	ccsp_store_kms_ref refs[3];
	size_t n = 9;
	const int64_t day = CCSP_KMS_DAY_MS;
	mk_tenant(tx, NULL, "A", &ta);
	mk_tenant(tx, NULL, "B", &tb);
	mk_kms_key(tx, ta.id, &a);
	mk_kms_key(tx, tb.id, &b);
	assert_ok(ccsp_store_kms_key_get(tx, ta.id, a.id, &got));
	assert_int_equal(got.rotation_days, 30);
	assert_int_equal(got.rotated_at, NOW);
	assert_ok(ccsp_store_kms_rotation_due_all(tx, NOW + 30 * day - 1, refs, 3, &n));
	assert_int_equal(n, 0);
	b.rotated_at = NOW - 1; /* b is due first */
	assert_ok(ccsp_store_kms_key_update(tx, &b));
	assert_ok(ccsp_store_kms_rotation_due_all(tx, NOW + 30 * day, refs, 3, &n));
	assert_int_equal(n, 2);
	assert_string_equal(refs[0].id, b.id);
	assert_string_equal(refs[0].tenant_id, tb.id);
	assert_string_equal(refs[1].id, a.id);
	a.state = CCSP_KMS_DISABLED; /* a disabled key makes no new version */
	assert_ok(ccsp_store_kms_key_update(tx, &a));
	assert_ok(ccsp_store_kms_rotation_due_all(tx, NOW + 300 * day, refs, 3, &n));
	assert_int_equal(n, 1);
	a.rotation_days = 0; /* the period is 1..CCSP_STORE_KMS_ROTATION_DAYS_MAX days */
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_kms_key_update(tx, &a));
	a.rotation_days = CCSP_STORE_KMS_ROTATION_DAYS_MAX + 1;
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_kms_key_update(tx, &a));
	ccsp_store_kms_key r = b; /* a key recreated under a given id (recovery): kept */
	memset(r.id, 'c', CCSP_STORE_ID_LEN);
	r.origin = CCSP_STORE_KMS_RECOVERED;
	assert_ok(ccsp_store_kms_key_create(tx, &r));
	assert_ok(ccsp_store_kms_key_get(tx, tb.id, r.id, &got));
	assert_int_equal(got.origin, CCSP_STORE_KMS_RECOVERED);
	assert_string_equal(ccsp_store_kms_origin_name(got.origin), "recovered");
	assert_int_equal(strlen(got.id), CCSP_STORE_ID_LEN);
	ccsp_store_rollback(tx);
	tx = tx_begin(s); /* ... and a taken id refused (the failed statement spoils its transaction on PostgreSQL) */
	mk_tenant(tx, NULL, "C", &ta);
	mk_kms_key(tx, ta.id, &a);
	r = a;
	assert_ccsp(CCSP_ERR_EXISTS, ccsp_store_kms_key_create(tx, &r));
	ccsp_store_rollback(tx);
	ccsp_store_free(s);
}

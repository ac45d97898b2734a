/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_test's part for the resource pool (schema versions 5 and 6): the default group, exclusive groups (one per
 * tenant), the key check set once, devices in at most one group, deletions refused while in use, keys naming
 * their group; CHSMs and their VSMs as devices (links kept and deleted with the device). On both engines. Included by store_test.c (its helpers and NOW).
 */
#include "platform/store/store_pool.h"

static void mk_device(ccsp_store_tx *tx, const char *name, ccsp_store_pool_device *d)
{
	memset(d, 0, sizeof *d);
	snprintf(d->name, sizeof d->name, "%s", name);
	snprintf(d->kind, sizeof d->kind, "sdf");
	snprintf(d->address, sizeof d->address, "/etc/ccsp/%s.conf", name);
	snprintf(d->vendor, sizeof d->vendor, "ccsp");
	snprintf(d->model, sizeof d->model, "vsmd");
	snprintf(d->serial, sizeof d->serial, "2026120700100001");
	d->created = NOW;
	assert_ok(ccsp_store_pool_device_create(tx, d));
	assert_int_equal(strlen(d->id), CCSP_STORE_ID_LEN);
}

static void test_pool_groups(void **state)
{
	(void)state;
	ccsp_store *s = fx_open();
	ccsp_store_tx *tx = tx_begin(s);
	ccsp_store_tenant ta, tb;
	ccsp_store_pool_group g = {.kek_index = 3, .created = NOW}, got, list[4];
	uint8_t probe[16], check[CCSP_STORE_POOL_CHECK_SIZE];
	int64_t keys = -1, members = -1;
	size_t n = 0;
	mk_tenant(tx, NULL, "A", &ta);
	mk_tenant(tx, NULL, "B", &tb);
	/* the default group exists from the start; every tenant without a group of its own uses it */
	assert_ok(ccsp_store_pool_group_get(tx, CCSP_STORE_POOL_DEFAULT_GROUP, &got));
	assert_int_equal(got.kek_index, 0);
	assert_int_equal(got.probe_len, 0);
	assert_string_equal(got.tenant_id, "");
	assert_ok(ccsp_store_pool_group_of_tenant(tx, ta.id, &got));
	assert_string_equal(got.id, CCSP_STORE_POOL_DEFAULT_GROUP);

	snprintf(g.name, sizeof g.name, "tenant-a");
	snprintf(g.tenant_id, sizeof g.tenant_id, "%s", ta.id);
	assert_ok(ccsp_store_pool_group_create(tx, &g));
	assert_ok(ccsp_store_pool_group_of_tenant(tx, ta.id, &got));
	assert_string_equal(got.id, g.id);
	assert_int_equal(got.kek_index, 3);
	assert_ok(ccsp_store_pool_group_of_tenant(tx, tb.id, &got));
	assert_string_equal(got.id, CCSP_STORE_POOL_DEFAULT_GROUP);
	assert_ok(ccsp_store_commit(tx));

	ccsp_store_pool_group bad = g; /* each refusal in its own transaction: a failed statement ends one */
	tx = tx_begin(s);
	snprintf(bad.name, sizeof bad.name, "second");
	assert_ccsp(CCSP_ERR_EXISTS, ccsp_store_pool_group_create(tx, &bad)); /* A has one already */
	ccsp_store_rollback(tx);
	tx = tx_begin(s);
	bad.tenant_id[0] = '\0';
	snprintf(bad.name, sizeof bad.name, "tenant-a");
	assert_ccsp(CCSP_ERR_EXISTS, ccsp_store_pool_group_create(tx, &bad)); /* the name */
	ccsp_store_rollback(tx);
	tx = tx_begin(s);
	snprintf(bad.name, sizeof bad.name, "x");
	snprintf(bad.tenant_id, sizeof bad.tenant_id, "0123456789abcdef0123456789abcdef");
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_pool_group_create(tx, &bad));
	bad.tenant_id[0] = '\0';
	bad.kek_index = 0;
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_pool_group_create(tx, &bad));

	/* the key check is set once */
	memset(probe, 0x11, sizeof probe);
	memset(check, 0x22, sizeof check);
	assert_ok(ccsp_store_pool_group_set_probe(tx, g.id, probe, sizeof probe, check));
	assert_ccsp(CCSP_ERR_EXISTS, ccsp_store_pool_group_set_probe(tx, g.id, probe, sizeof probe, check));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_pool_group_set_probe(tx, "nope", probe, sizeof probe, check));
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_pool_group_set_probe(tx, g.id, probe, 0, check));
	assert_ok(ccsp_store_pool_group_get(tx, g.id, &got));
	assert_int_equal(got.probe_len, sizeof probe);
	assert_memory_equal(got.probe, probe, sizeof probe);
	assert_memory_equal(got.check, check, sizeof check);

	assert_ok(ccsp_store_pool_group_list(tx, NULL, 4, list, &n));
	assert_int_equal(n, 2);
	assert_ok(ccsp_store_pool_group_usage(tx, g.id, &keys, &members));
	assert_int_equal(keys, 0);
	assert_int_equal(members, 0);

	/* a key in A's group: the group cannot be deleted; nor can the default group */
	ccsp_store_kms_key k;
	memset(&k, 0, sizeof k);
	snprintf(k.tenant_id, sizeof k.tenant_id, "%s", ta.id);
	snprintf(k.spec, sizeof k.spec, "SM4");
	snprintf(k.group_id, sizeof k.group_id, "%s", g.id);
	k.state = CCSP_KMS_ENABLED;
	k.primary_version = 1;
	k.rotation_days = 30;
	assert_ok(ccsp_store_kms_key_create(tx, &k));
	ccsp_store_kms_key kd;
	assert_ok(ccsp_store_kms_key_get(tx, ta.id, k.id, &kd));
	assert_string_equal(kd.group_id, g.id);
	assert_ok(ccsp_store_pool_group_usage(tx, g.id, &keys, NULL));
	assert_int_equal(keys, 1);
	assert_ccsp(CCSP_ERR_STATE, ccsp_store_pool_group_delete(tx, g.id));
	assert_ccsp(CCSP_ERR_STATE, ccsp_store_pool_group_delete(tx, CCSP_STORE_POOL_DEFAULT_GROUP));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_pool_group_delete(tx, "nope"));
	/* a key made without a group is in the default group */
	ccsp_store_kms_key k2 = k;
	k2.id[0] = '\0';
	k2.group_id[0] = '\0';
	assert_ok(ccsp_store_kms_key_create(tx, &k2));
	assert_ok(ccsp_store_kms_key_get(tx, ta.id, k2.id, &kd));
	assert_string_equal(kd.group_id, CCSP_STORE_POOL_DEFAULT_GROUP);
	assert_ok(ccsp_store_commit(tx));
	ccsp_store_free(s);
}

static void test_pool_devices(void **state)
{
	(void)state;
	ccsp_store *s = fx_open();
	ccsp_store_tx *tx = tx_begin(s);
	ccsp_store_pool_group g = {.kek_index = 1, .created = NOW}, g2 = {.kek_index = 1, .created = NOW};
	ccsp_store_pool_device a, b, got, list[3];
	int64_t members = 0;
	size_t n = 0;
	snprintf(g.name, sizeof g.name, "g");
	snprintf(g2.name, sizeof g2.name, "g2");
	assert_ok(ccsp_store_pool_group_create(tx, &g));
	assert_ok(ccsp_store_pool_group_create(tx, &g2));
	mk_device(tx, "a", &a);
	mk_device(tx, "b", &b);
	assert_ok(ccsp_store_pool_device_get(tx, a.id, &got));
	assert_string_equal(got.address, "/etc/ccsp/a.conf");
	assert_string_equal(got.serial, "2026120700100001");
	assert_string_equal(got.group_id, "");
	assert_ok(ccsp_store_commit(tx));
	tx = tx_begin(s);
	ccsp_store_pool_device dup = a;
	snprintf(dup.name, sizeof dup.name, "other");
	assert_ccsp(CCSP_ERR_EXISTS, ccsp_store_pool_device_create(tx, &dup)); /* the same address */
	ccsp_store_rollback(tx);
	tx = tx_begin(s);

	/* in at most one group */
	assert_ok(ccsp_store_pool_device_set_group(tx, a.id, g.id));
	assert_ok(ccsp_store_pool_device_set_group(tx, a.id, g.id)); /* again: no change */
	assert_ccsp(CCSP_ERR_STATE, ccsp_store_pool_device_set_group(tx, a.id, g2.id));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_pool_device_set_group(tx, a.id, "nope"));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_pool_device_set_group(tx, "nope", g.id));
	assert_ok(ccsp_store_pool_device_set_group(tx, b.id, CCSP_STORE_POOL_DEFAULT_GROUP));
	assert_ok(ccsp_store_pool_group_usage(tx, g.id, NULL, &members));
	assert_int_equal(members, 1);
	assert_ok(ccsp_store_pool_device_get(tx, a.id, &got));
	assert_string_equal(got.group_id, g.id);
	assert_ccsp(CCSP_ERR_STATE, ccsp_store_pool_device_delete(tx, a.id)); /* in a group */
	assert_ccsp(CCSP_ERR_STATE, ccsp_store_pool_group_delete(tx, g.id)); /* has a member */

	assert_ok(ccsp_store_pool_device_list(tx, NULL, 1, list, &n));
	assert_int_equal(n, 1);
	assert_ok(ccsp_store_pool_device_list(tx, list[0].id, 3, list + 1, &n));
	assert_int_equal(n, 1);
	assert_string_not_equal(list[0].id, list[1].id);

	/* out of the group: then it and the group go */
	assert_ok(ccsp_store_pool_device_set_group(tx, a.id, NULL));
	assert_ok(ccsp_store_pool_device_delete(tx, a.id));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_pool_device_get(tx, a.id, &got));
	assert_ok(ccsp_store_pool_group_delete(tx, g.id));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_pool_group_get(tx, g.id, &g2));
	assert_ok(ccsp_store_commit(tx));
	ccsp_store_free(s);
}

static void test_pool_chsms(void **state)
{
	(void)state;
	ccsp_store *s = fx_open();
	ccsp_store_tx *tx = tx_begin(s);
	ccsp_store_pool_chsm *h = calloc(3, sizeof *h), *list = calloc(3, sizeof *list);
	ccsp_store_pool_vsm_link *l = calloc(2, sizeof *l);
	ccsp_store_pool_device d = {.created = NOW}, got;
	int64_t vsms = -1;
	int taken = -1;
	size_t n = 0;
	assert_non_null(h);
	assert_non_null(list);
	assert_non_null(l);
	snprintf(h[0].name, sizeof h[0].name, "c1");
	snprintf(h[0].url, sizeof h[0].url, "https://10.0.0.5:7443");
	snprintf(h[0].ca_pem, sizeof h[0].ca_pem, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
	snprintf(h[0].device_pk, sizeof h[0].device_pk, "MFkwEwYHKoZIzj0CAQYIKoEcz1UBgi0DQgAE");
	snprintf(h[0].vendor, sizeof h[0].vendor, "ccsp");
	snprintf(h[0].serial, sizeof h[0].serial, "abc");
	h[0].created = NOW;
	assert_ok(ccsp_store_pool_chsm_create(tx, &h[0]));
	h[1] = h[0];
	snprintf(h[1].name, sizeof h[1].name, "c2");
	assert_ok(ccsp_store_commit(tx));
	tx = tx_begin(s);
	assert_ccsp(CCSP_ERR_EXISTS, ccsp_store_pool_chsm_create(tx, &h[1])); /* the same URL */
	ccsp_store_rollback(tx);
	tx = tx_begin(s);
	snprintf(h[1].url, sizeof h[1].url, "https://10.0.0.6:7443");
	h[1].name[0] = '\0';
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_pool_chsm_create(tx, &h[1]));
	snprintf(h[1].name, sizeof h[1].name, "c2");
	assert_ok(ccsp_store_pool_chsm_create(tx, &h[1]));
	assert_ok(ccsp_store_pool_chsm_get(tx, h[0].id, &h[2]));
	assert_string_equal(h[2].ca_pem, h[0].ca_pem); /* multi-line PEM kept as it was */
	assert_string_equal(h[2].url, "https://10.0.0.5:7443");
	assert_ok(ccsp_store_pool_chsm_list(tx, NULL, 1, list, &n));
	assert_int_equal(n, 1);
	assert_ok(ccsp_store_pool_chsm_list(tx, list[0].id, 3, list + 1, &n));
	assert_int_equal(n, 1);

	/* a VSM of c1 as a device */
	snprintf(d.name, sizeof d.name, "c1-v1");
	snprintf(d.kind, sizeof d.kind, CCSP_STORE_POOL_KIND_CHSM_VSM);
	snprintf(d.address, sizeof d.address, "chsm:%s/v1", h[0].id);
	memcpy(l[0].chsm_id, h[0].id, sizeof l[0].chsm_id);
	snprintf(l[0].vsm_id, sizeof l[0].vsm_id, "v1");
	snprintf(l[0].address, sizeof l[0].address, "10.0.0.5:7501");
	snprintf(l[0].cert_pem, sizeof l[0].cert_pem, "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n");
	memset(l[0].token_sealed, 0xA5, 76);
	l[0].token_sealed_len = 76;
	assert_ok(ccsp_store_pool_device_taken(tx, d.name, d.address, &taken));
	assert_int_equal(taken, 0);
	assert_ok(ccsp_store_pool_vsm_create(tx, &d, &l[0]));
	assert_string_equal(l[0].device_id, d.id);
	assert_ok(ccsp_store_pool_device_taken(tx, "other", d.address, &taken));
	assert_int_equal(taken, 1);
	assert_ok(ccsp_store_pool_device_taken(tx, d.name, "chsm:x/y", &taken));
	assert_int_equal(taken, 1);
	assert_ok(ccsp_store_pool_vsm_get(tx, d.id, &l[1]));
	assert_string_equal(l[1].vsm_id, "v1");
	assert_string_equal(l[1].cert_pem, l[0].cert_pem);
	assert_int_equal(l[1].token_sealed_len, 76);
	assert_memory_equal(l[1].token_sealed, l[0].token_sealed, 76);
	assert_ok(ccsp_store_pool_chsm_vsms(tx, h[0].id, &vsms));
	assert_int_equal(vsms, 1);
	assert_ccsp(CCSP_ERR_STATE, ccsp_store_pool_chsm_delete(tx, h[0].id)); /* its VSM is a device */
	assert_ok(ccsp_store_commit(tx));

	/* refusals: the same VSM twice, an unknown CHSM, the wrong kind, a plain device has no link */
	tx = tx_begin(s);
	ccsp_store_pool_device d2 = d;
	snprintf(d2.name, sizeof d2.name, "c1-v1-again");
	snprintf(d2.address, sizeof d2.address, "chsm:%s/v1-again", h[0].id);
	assert_ccsp(CCSP_ERR_EXISTS, ccsp_store_pool_vsm_create(tx, &d2, &l[0])); /* (chsm, vsm) unique */
	ccsp_store_rollback(tx);
	tx = tx_begin(s);
	snprintf(l[0].chsm_id, sizeof l[0].chsm_id, "0123456789abcdef0123456789abcdef");
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_pool_vsm_create(tx, &d2, &l[0]));
	snprintf(d2.kind, sizeof d2.kind, "sdf");
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_pool_vsm_create(tx, &d2, &l[0]));
	mk_device(tx, "plain", &got);
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_pool_vsm_get(tx, got.id, &l[1]));

	/* a task of the CHSM: accepted, completed once, listed newest first */
	ccsp_store_pool_task *t = calloc(3, sizeof *t);
	assert_non_null(t);
	snprintf(t[0].request_id, sizeof t[0].request_id, "9172c481-1f7b-4ec1-9c45-0d76a00e7200");
	memcpy(t[0].chsm_id, h[0].id, sizeof t[0].chsm_id);
	snprintf(t[0].opr_type, sizeof t[0].opr_type, "create");
	snprintf(t[0].vsm_id, sizeof t[0].vsm_id, "v2");
	snprintf(t[0].name, sizeof t[0].name, "c1-v2");
	t[0].created = NOW;
	assert_ok(ccsp_store_pool_task_create(tx, &t[0]));
	assert_ok(ccsp_store_pool_task_get(tx, t[0].request_id, &t[1]));
	assert_string_equal(t[1].state, "accepted");
	assert_int_equal(t[1].completed, 0);
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_pool_task_complete(tx, t[0].request_id, "accepted", 200, "", NOW));
	assert_ok(ccsp_store_pool_task_complete(tx, t[0].request_id, "done", 200, "success", NOW + 1));
	assert_ccsp(CCSP_ERR_STATE, ccsp_store_pool_task_complete(tx, t[0].request_id, "failed", 500, "x", NOW + 2));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_pool_task_complete(tx, "nope", "done", 200, "", NOW));
	assert_ok(ccsp_store_pool_task_get(tx, t[0].request_id, &t[1]));
	assert_string_equal(t[1].state, "done");
	assert_int_equal(t[1].status, 200);
	assert_string_equal(t[1].message, "success");
	assert_int_equal(t[1].completed, NOW + 1);
	assert_string_equal(t[1].detail, "");
	t[2] = t[0];
	snprintf(t[2].request_id, sizeof t[2].request_id, "second");
	snprintf(t[2].opr_type, sizeof t[2].opr_type, "copy-export"); /* with where the copy goes (schema 7) */
	snprintf(t[2].detail, sizeof t[2].detail, "%s:2", h[1].id);
	t[2].created = NOW + 5;
	assert_ok(ccsp_store_pool_task_create(tx, &t[2]));
	assert_ok(ccsp_store_pool_task_get(tx, "second", &t[1]));
	assert_string_equal(t[1].detail, t[2].detail);
	assert_string_equal(t[1].opr_type, "copy-export");
	assert_ok(ccsp_store_pool_task_list(tx, h[0].id, 3, t, &n));
	assert_int_equal(n, 2);
	assert_string_equal(t[0].request_id, "second"); /* newest first */
	assert_ok(ccsp_store_pool_task_list(tx, h[1].id, 3, t, &n));
	assert_int_equal(n, 0);
	assert_ok(ccsp_store_pool_task_list(tx, NULL, 3, t, &n));
	assert_int_equal(n, 2);
	free(t);

	/* a tenant's own VSM: never also a pool device; the CHSM kept while a tenant has one */
	ccsp_store_tenant ten;
	ccsp_store_tenant_vsm *tv = calloc(3, sizeof *tv);
	int assigned = -1;
	assert_non_null(tv);
	mk_tenant(tx, NULL, "T", &ten);
	memcpy(tv[0].chsm_id, h[0].id, sizeof tv[0].chsm_id);
	snprintf(tv[0].vsm_id, sizeof tv[0].vsm_id, "v1"); /* the pool device's VSM */
	memcpy(tv[0].tenant_id, ten.id, sizeof tv[0].tenant_id);
	snprintf(tv[0].address, sizeof tv[0].address, "10.0.0.5:7502");
	snprintf(tv[0].cert_pem, sizeof tv[0].cert_pem, "-----BEGIN CERTIFICATE-----\nMIID\n-----END CERTIFICATE-----\n");
	tv[0].created = NOW;
	assert_ccsp(CCSP_ERR_EXISTS, ccsp_store_tenant_vsm_create(tx, &tv[0]));
	snprintf(tv[0].vsm_id, sizeof tv[0].vsm_id, "v3");
	assert_ok(ccsp_store_tenant_vsm_create(tx, &tv[0]));
	assert_ok(ccsp_store_tenant_vsm_assigned(tx, h[0].id, "v3", &assigned));
	assert_int_equal(assigned, 1);
	assert_ok(ccsp_store_tenant_vsm_get(tx, ten.id, h[0].id, "v3", &tv[1]));
	assert_string_equal(tv[1].cert_pem, tv[0].cert_pem);
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_tenant_vsm_get(tx, "0123456789abcdef0123456789abcdef", h[0].id, "v3",
	                                                          &tv[1])); /* another tenant: not there */
	assert_ok(ccsp_store_tenant_vsm_set_address(tx, h[0].id, "v3", "10.0.0.5:7600", tv[0].cert_pem));
	assert_ok(ccsp_store_tenant_vsm_list(tx, ten.id, 3, tv + 1, &n));
	assert_int_equal(n, 1);
	assert_string_equal(tv[1].address, "10.0.0.5:7600");
	ccsp_store_pool_device d3 = d;
	ccsp_store_pool_vsm_link l3 = l[1];
	snprintf(d3.name, sizeof d3.name, "steal");
	snprintf(d3.address, sizeof d3.address, "chsm:%s/v3", h[0].id);
	snprintf(l3.vsm_id, sizeof l3.vsm_id, "v3");
	memcpy(l3.chsm_id, h[0].id, sizeof l3.chsm_id);
	assert_ccsp(CCSP_ERR_EXISTS, ccsp_store_pool_vsm_create(tx, &d3, &l3)); /* a tenant's: no pool device */
	assert_ok(ccsp_store_tenant_vsm_list(tx, NULL, 3, tv + 1, &n)); /* every tenant's */
	assert_int_equal(n, 1);

	/* its images and its drift (schema 7) */
	ccsp_store_tvsm_image *im = calloc(2, sizeof *im);
	assert_non_null(im);
	memcpy(im[0].chsm_id, h[0].id, sizeof im[0].chsm_id);
	snprintf(im[0].vsm_id, sizeof im[0].vsm_id, "v3");
	snprintf(im[0].url, sizeof im[0].url, "http://files/1.img");
	snprintf(im[0].digest, sizeof im[0].digest, "q83vEjRWeJA=");
	snprintf(im[0].data_version, sizeof im[0].data_version, "dv1");
	im[0].size = 4096;
	im[0].created = NOW;
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_tvsm_image_get(tx, h[0].id, "v3", &im[1]));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_tvsm_drift_claim(tx, h[0].id, "v3", "task-1", NOW, NOW - 10)); /* no image */
	im[1] = im[0];
	snprintf(im[1].vsm_id, sizeof im[1].vsm_id, "v1");
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_tvsm_image_put(tx, &im[1])); /* not a tenant's VSM */
	im[1].size = 0;
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_tvsm_image_put(tx, &im[1]));
	assert_ok(ccsp_store_tvsm_image_put(tx, &im[0]));
	assert_ok(ccsp_store_tvsm_drift_claim(tx, h[0].id, "v3", "task-1", NOW, NOW - 10));
	assert_ccsp(CCSP_ERR_STATE, ccsp_store_tvsm_drift_claim(tx, h[0].id, "v3", "task-2", NOW + 5, NOW - 5));
	snprintf(im[0].url, sizeof im[0].url, "http://files/2.img");
	snprintf(im[0].data_version, sizeof im[0].data_version, "dv2");
	assert_ok(ccsp_store_tvsm_image_put(tx, &im[0])); /* a newer image: replaces, the drift stays */
	assert_ok(ccsp_store_tvsm_image_get(tx, h[0].id, "v3", &im[1]));
	assert_string_equal(im[1].url, "http://files/2.img");
	assert_string_equal(im[1].data_version, "dv2");
	assert_string_equal(im[1].drift_task, "task-1");
	assert_ccsp(CCSP_ERR_STATE, ccsp_store_tvsm_drift_release(tx, h[0].id, "v3", "task-2"));
	assert_ok(ccsp_store_tvsm_drift_claim(tx, h[0].id, "v3", "task-2", NOW + 20, NOW + 10)); /* task-1 is stale */
	assert_ok(ccsp_store_tvsm_image_get(tx, h[0].id, "v3", &im[1]));
	assert_string_equal(im[1].drift_task, "task-2");
	assert_int_equal(im[1].drift_claimed, NOW + 20);
	assert_ccsp(CCSP_ERR_STATE, ccsp_store_tvsm_drift_release(tx, h[0].id, "v3", "task-1")); /* taken over */
	assert_ok(ccsp_store_tvsm_drift_release(tx, h[0].id, "v3", "task-2"));
	assert_ok(ccsp_store_tvsm_drift_claim(tx, h[0].id, "v3", "task-2", NOW, NOW - 10));
	/* the move: only the claiming task; not onto a tenant's or a pool device's VSM */
	ccsp_store_tenant_vsm to = tv[0];
	memcpy(to.chsm_id, h[0].id, sizeof to.chsm_id); /* another VSM of the same CHSM (which keeps a tenant VSM) */
	snprintf(to.vsm_id, sizeof to.vsm_id, "w9");
	snprintf(to.address, sizeof to.address, "10.0.0.6:7700");
	memset(to.tenant_id, 0, sizeof to.tenant_id);
	assert_ccsp(CCSP_ERR_STATE, ccsp_store_tenant_vsm_move(tx, h[0].id, "v3", "task-1", &to, NOW));
	assert_ccsp(CCSP_ERR_EXISTS, ccsp_store_tenant_vsm_move(tx, h[0].id, "v3", "task-2", &tv[0], NOW)); /* itself */
	assert_ok(ccsp_store_tenant_vsm_move(tx, h[0].id, "v3", "task-2", &to, NOW));
	assert_string_equal(to.tenant_id, ten.id);
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_tenant_vsm_get(tx, NULL, h[0].id, "v3", &tv[1]));
	assert_ok(ccsp_store_tenant_vsm_get(tx, ten.id, h[0].id, "w9", &tv[1]));
	assert_string_equal(tv[1].address, "10.0.0.6:7700");
	assert_int_equal(tv[1].created, NOW);
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_tvsm_image_get(tx, h[0].id, "v3", &im[1]));
	assert_ok(ccsp_store_tvsm_image_get(tx, h[0].id, "w9", &im[1]));
	assert_string_equal(im[1].url, "http://files/2.img");
	assert_string_equal(im[1].data_version, ""); /* exported afresh */
	assert_string_equal(im[1].drift_task, "");
	/* the VSM left is retired until its reset; no one gets it meanwhile */
	ccsp_store_retired_vsm *rv = calloc(3, sizeof *rv);
	assert_non_null(rv);
	assert_ok(ccsp_store_retired_vsm_list(tx, 3, rv, &n));
	assert_int_equal(n, 1);
	assert_string_equal(rv[0].vsm_id, "v3");
	assert_string_equal(rv[0].reason, "drifted");
	assert_ccsp(CCSP_ERR_EXISTS, ccsp_store_tenant_vsm_create(tx, &tv[0])); /* v3 again */
	ccsp_store_pool_device d4 = d;
	ccsp_store_pool_vsm_link l4 = l[1];
	snprintf(d4.name, sizeof d4.name, "retired");
	snprintf(d4.address, sizeof d4.address, "chsm:%s/v3", h[0].id);
	snprintf(l4.vsm_id, sizeof l4.vsm_id, "v3");
	memcpy(l4.chsm_id, h[0].id, sizeof l4.chsm_id);
	assert_ccsp(CCSP_ERR_EXISTS, ccsp_store_pool_vsm_create(tx, &d4, &l4)); /* nor a pool device */
	/* a release: at once, the image with it; not during a drift; not another tenant's */
	assert_ok(ccsp_store_tvsm_drift_claim(tx, h[0].id, "w9", "task-3", NOW, NOW - 10));
	assert_ccsp(CCSP_ERR_STATE, ccsp_store_tenant_vsm_release(tx, NULL, h[0].id, "w9", NOW));
	assert_ok(ccsp_store_tvsm_drift_release(tx, h[0].id, "w9", "task-3"));
	assert_ccsp(CCSP_ERR_NOT_FOUND,
	            ccsp_store_tenant_vsm_release(tx, "0123456789abcdef0123456789abcdef", h[0].id, "w9", NOW));
	assert_ok(ccsp_store_tenant_vsm_release(tx, ten.id, h[0].id, "w9", NOW + 1));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_tenant_vsm_get(tx, NULL, h[0].id, "w9", &tv[1]));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_tvsm_image_get(tx, h[0].id, "w9", &im[1]));
	assert_ok(ccsp_store_retired_vsm_list(tx, 3, rv, &n));
	assert_int_equal(n, 2);
	assert_string_equal(rv[1].vsm_id, "w9"); /* oldest first */
	assert_string_equal(rv[1].reason, "released");
	assert_ok(ccsp_store_retired_vsm_remove(tx, h[0].id, "v3"));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_retired_vsm_remove(tx, h[0].id, "v3"));
	assert_ok(ccsp_store_tenant_vsm_create(tx, &tv[0])); /* v3, reset: assignable again */
	assert_ok(st_tx_script(tx, "DELETE FROM retired_vsms"));
	free(rv);
	free(im);
	free(tv);

	/* the device deleted with its link; then the CHSM may go (its tasks with it) */
	assert_ok(ccsp_store_pool_device_delete(tx, d.id));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_pool_vsm_get(tx, d.id, &l[1]));
	assert_ccsp(CCSP_ERR_STATE, ccsp_store_pool_chsm_delete(tx, h[0].id)); /* a tenant's VSM is on it */
	assert_ok(st_tx_script(tx, "DELETE FROM tenant_vsms"));
	assert_ok(ccsp_store_pool_chsm_delete(tx, h[0].id));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_pool_chsm_get(tx, h[0].id, &h[2]));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_pool_chsm_delete(tx, h[0].id));
	assert_ok(ccsp_store_commit(tx));
	free(h);
	free(list);
	free(l);
	ccsp_store_free(s);
}

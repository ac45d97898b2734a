/* SPDX-License-Identifier: Apache-2.0 */
/* The CHSM key hierarchy: master key, sealed device key, sealed blobs, the domain key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ccsp/sm2.h>

#include "chsm/chsm_keys.h"
#include "common/atomic_file.h"
#include "test_util.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/chsm_keys_test.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	test_rm_tree(dir);
	return 0;
}

static void path(char *out, const char *name)
{
	snprintf(out, 128, "%s/%s", dir, name);
}

static void test_create_open_sign(void **state)
{
	(void)state;
	chsm_keys *k;
	uint8_t sig[64], pub[65];
	struct stat st;
	char p[128];
	assert_ok(chsm_keys_create(dir));
	assert_ccsp(CCSP_ERR_KEY_EXISTS, chsm_keys_create(dir));
	path(p, "master.key");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	path(p, "device.key");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_ok(chsm_keys_open(dir, &k));
	assert_ok(ccsp_sm2_sign(chsm_keys_device(k), NULL, 0, (const uint8_t *)"cb", 2, sig));
	assert_ok(ccsp_sm2_key_get_public(chsm_keys_device(k), pub));
	chsm_keys_free(k);
	/* the same device key after reopening */
	assert_ok(chsm_keys_open(dir, &k));
	assert_ok(ccsp_sm2_verify(chsm_keys_device(k), NULL, 0, (const uint8_t *)"cb", 2, sig));
	chsm_keys_free(k);
}

static void test_wrong_master_or_tampered(void **state)
{
	(void)state;
	chsm_keys *k;
	uint8_t other[16] = {1}, *file;
	size_t len;
	char p[128];
	assert_ok(chsm_keys_create(dir));
	assert_ccsp(CCSP_ERR_TAMPERED, chsm_keys_open_with(dir, other, &k));
	assert_null(k);
	path(p, "device.key");
	assert_ok(ccsp_file_read_all(p, 1024, &file, &len));
	for (size_t i = 0; i < len; i++) {
		file[i] ^= 0x20;
		assert_ok(ccsp_atomic_write(p, file, len, 0600));
		assert_ccsp(CCSP_ERR_TAMPERED, chsm_keys_open(dir, &k));
		file[i] ^= 0x20;
	}
	assert_ok(ccsp_atomic_write(p, file, len - 1, 0600));
	assert_ccsp(CCSP_ERR_TAMPERED, chsm_keys_open(dir, &k));
	assert_ok(ccsp_atomic_write(p, file, len, 0600));
	assert_ok(chsm_keys_open(dir, &k));
	chsm_keys_free(k);
	free(file);
}

static void test_seal_unseal(void **state)
{
	(void)state;
	chsm_keys *k, *other;
	uint8_t secret[20] = "a storage key, 16 B", sealed[20 + CHSM_SEALED_OVERHEAD], out[20];
	char odir[80];
	assert_ok(chsm_keys_create(dir));
	assert_ok(chsm_keys_open(dir, &k));
	assert_ok(chsm_keys_seal(k, "vsm storage a", secret, sizeof secret, sealed));
	assert_memory_not_equal(sealed + 20, secret, sizeof secret);
	assert_ok(chsm_keys_unseal(k, "vsm storage a", sealed, sizeof sealed, out));
	assert_memory_equal(out, secret, sizeof secret);
	/* another label, any altered byte, a short blob: refused */
	assert_ccsp(CCSP_ERR_TAMPERED, chsm_keys_unseal(k, "vsm storage b", sealed, sizeof sealed, out));
	for (size_t i = 0; i < sizeof sealed; i++) {
		sealed[i] ^= 1;
		assert_ccsp(CCSP_ERR_TAMPERED, chsm_keys_unseal(k, "vsm storage a", sealed, sizeof sealed, out));
		sealed[i] ^= 1;
	}
	assert_ccsp(CCSP_ERR_TAMPERED, chsm_keys_unseal(k, "vsm storage a", sealed, CHSM_SEALED_OVERHEAD - 1, out));
	assert_ccsp(CCSP_ERR_ARG, chsm_keys_seal(k, "", secret, sizeof secret, sealed));
	/* another CHSM's master key cannot open it */
	snprintf(odir, sizeof odir, "%s/other", dir);
	assert_int_equal(mkdir(odir, 0700), 0);
	assert_ok(chsm_keys_create(odir));
	assert_ok(chsm_keys_open(odir, &other));
	assert_ccsp(CCSP_ERR_TAMPERED, chsm_keys_unseal(other, "vsm storage a", sealed, sizeof sealed, out));
	chsm_keys_free(other);
	chsm_keys_free(k);
}

static void test_domain_key(void **state)
{
	(void)state;
	chsm_keys *k;
	uint8_t d1[16] = {1, 2, 3}, d2[16] = {9}, got[16], id1[8], id2[8];
	char p[128];
	struct stat st;
	assert_ok(chsm_keys_create(dir));
	assert_ok(chsm_keys_open(dir, &k));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, chsm_keys_domain_get(k, got));
	assert_ok(chsm_keys_domain_set(k, d1));
	path(p, "domain.key");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_ok(chsm_keys_domain_get(k, got));
	assert_memory_equal(got, d1, 16);
	assert_ok(chsm_keys_domain_set(k, d1)); /* joining the same domain again is fine */
	assert_ccsp(CCSP_ERR_KEY_EXISTS, chsm_keys_domain_set(k, d2));
	assert_ok(chsm_keys_domain_get(k, got));
	assert_memory_equal(got, d1, 16);
	assert_ok(chsm_domain_id(d1, id1));
	assert_ok(chsm_domain_id(d2, id2));
	assert_memory_not_equal(id1, id2, 8);
	/* a damaged domain.key is refused, not taken for "no domain" */
	uint8_t *file;
	size_t len;
	assert_ok(ccsp_file_read_all(p, 256, &file, &len));
	file[len - 1] ^= 1;
	assert_ok(ccsp_atomic_write(p, file, len, 0600));
	assert_ccsp(CCSP_ERR_TAMPERED, chsm_keys_domain_get(k, got));
	assert_ccsp(CCSP_ERR_TAMPERED, chsm_keys_domain_set(k, d1));
	free(file);
	chsm_keys_free(k);
}

static void test_create_with_given_master(void **state)
{
	(void)state;
	chsm_keys *k;
	uint8_t master[16] = {7, 7, 7}, wrong[16] = {7, 7, 8};
	char p[128];
	assert_ok(chsm_keys_create_with(dir, master));
	path(p, "master.key");
	assert_int_not_equal(access(p, F_OK), 0); /* production mode: the master key is never stored */
	assert_ccsp(CCSP_ERR_KEY_EXISTS, chsm_keys_create_with(dir, master));
	assert_ccsp(CCSP_ERR_TAMPERED, chsm_keys_open_with(dir, wrong, &k));
	assert_ok(chsm_keys_open_with(dir, master, &k));
	chsm_keys_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_open_sign, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_master_or_tampered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seal_unseal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_domain_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_with_given_master, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The CHSM key hierarchy: master key, sealed device key, derived VSM storage keys. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ccsp/sm2.h>

#include "chsm/chsm_keys.h"
#include "common/atomic_file.h"
#include "test_util.h"

static char dir[64];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/chsm_keys_test.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
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

static void test_vsm_storage_keys(void **state)
{
	(void)state;
	chsm_keys *k;
	uint8_t s1[16] = {1}, s2[16] = {2}, a[16], b[16], c[16], d[16];
	assert_ok(chsm_keys_create(dir));
	assert_ok(chsm_keys_open(dir, &k));
	assert_ok(chsm_keys_vsm_storage(k, "vsm1", s1, a));
	assert_ok(chsm_keys_vsm_storage(k, "vsm1", s1, b));
	assert_memory_equal(a, b, 16); /* deterministic */
	assert_ok(chsm_keys_vsm_storage(k, "vsm1", s2, c));
	assert_memory_not_equal(a, c, 16); /* a new salt, a new key */
	assert_ok(chsm_keys_vsm_storage(k, "vsm2", s1, d));
	assert_memory_not_equal(a, d, 16);
	assert_ccsp(CCSP_ERR_ARG, chsm_keys_vsm_storage(k, "", s1, d));
	chsm_keys_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_open_sign, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_master_or_tampered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vsm_storage_keys, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

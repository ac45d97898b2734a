/* SPDX-License-Identifier: Apache-2.0 */
/* The custodians' keys (src/chsm/chsm_custody.c): the production master key and the trust-domain key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ccsp/sm2.h>

#include "chsm/chsm_custody.h"
#include "common/atomic_file.h"
#include "test_util.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/chsm_custody_test.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	test_rm_tree(dir);
	return 0;
}

/* DIR/name, created as a dev-mode or production CHSM. */
static void sub(char *out, const char *name)
{
	snprintf(out, 128, "%s/%s", dir, name);
	assert_int_equal(mkdir(out, 0700), 0);
}

static void test_master(void **state)
{
	(void)state;
	char a[128], b[128], p[160];
	chsm_share sa[5], sb[3], set[3];
	chsm_keys *k = NULL, *k2 = NULL;
	uint8_t pa[65], pa2[65];
	struct stat st;
	sub(a, "a");
	sub(b, "b");
	assert_ok(chsm_custody_master_create(a, 3, 5, sa));
	assert_ok(chsm_custody_master_create(b, 2, 3, sb));
	snprintf(p, sizeof p, "%s/master.key", a);
	assert_int_not_equal(access(p, F_OK), 0); /* never stored */
	/* production.conf names the split */
	chsm_production prod;
	char err[200];
	assert_ok(chsm_custody_production_load(a, &prod, err, sizeof err));
	assert_memory_equal(prod.setid, sa[0].setid, CHSM_SHARE_SETID_SIZE);
	assert_int_equal(prod.m, 3);
	assert_int_equal(prod.n, 5);
	snprintf(p, sizeof p, "%s/" CHSM_PRODUCTION_CONF, a);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_ccsp(CCSP_ERR_FILE_NOT_FOUND, chsm_custody_production_load(dir, &prod, err, sizeof err));
	static const char *const bad[] = {"mode = dev\nmaster_set = 01020304\nthreshold = 2\nshares = 3\n",
	                                  "mode = production\nmaster_set = 0102030\nthreshold = 2\nshares = 3\n",
	                                  "mode = production\nmaster_set = 01020304\nthreshold = 4\nshares = 3\n",
	                                  "mode = production\nmaster_set = 01020304\nshares = 3\n",
	                                  "mode = production\nmaster_set = 0102030g\nthreshold = 2\nshares = 3\n",
	                                  "mode = production\nmaster_set = 01020304\nthreshold = 2\nshares = 3\nx = 1\n"};
	snprintf(p, sizeof p, "%s/" CHSM_PRODUCTION_CONF, dir);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_ok(ccsp_atomic_write(p, bad[i], strlen(bad[i]), 0600));
		assert_ccsp(CCSP_ERR_DECODE, chsm_custody_production_load(dir, &prod, err, sizeof err));
	}
	chsm_share again[5];
	assert_ccsp(CCSP_ERR_KEY_EXISTS, chsm_custody_master_create(a, 3, 5, again));
	/* any 3 of the 5 open A's keys, always the same device key */
	set[0] = sa[4], set[1] = sa[0], set[2] = sa[2];
	assert_ok(chsm_custody_master_open(a, set, 3, &k));
	assert_ok(ccsp_sm2_key_get_public(chsm_keys_device(k), pa));
	set[0] = sa[1], set[1] = sa[3], set[2] = sa[2];
	assert_ok(chsm_custody_master_open(a, set, 3, &k2));
	assert_ok(ccsp_sm2_key_get_public(chsm_keys_device(k2), pa2));
	assert_memory_equal(pa, pa2, 65);
	chsm_keys_free(k);
	chsm_keys_free(k2);
	/* two are too few; B's shares (consistent among themselves) do not open A's device.key */
	assert_ccsp(CCSP_ERR_SHARE_TOO_FEW, chsm_custody_master_open(a, sa, 2, &k));
	assert_null(k);
	assert_ccsp(CCSP_ERR_SHARE_WRONG, chsm_custody_master_open(a, sb, 2, &k));
	assert_null(k);
	/* one of A's and one of B's: mixed */
	set[0] = sa[0], set[1] = sb[1];
	assert_ccsp(CCSP_ERR_SHARE_MIXED, chsm_custody_master_open(a, set, 2, &k));
	chsm_share_wipe(sa, 5);
	chsm_share_wipe(sb, 3);
}

static void dev_chsm(char *path, const char *name, chsm_keys **k)
{
	sub(path, name);
	assert_ok(chsm_keys_create(path));
	assert_ok(chsm_keys_open(path, k));
}

static void test_domain(void **state)
{
	(void)state;
	char a[128], b[128], c[128];
	chsm_keys *ka, *kb, *kc;
	chsm_share s[4], other[2], set[2];
	uint8_t ida[8], idb[8], idc[8], id[8], idc_wrong[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	dev_chsm(a, "a", &ka);
	dev_chsm(b, "b", &kb);
	dev_chsm(c, "c", &kc);
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, chsm_custody_domain_id(ka, id));
	assert_ok(chsm_custody_domain_create(ka, 2, 4, s, ida));
	assert_ok(chsm_custody_domain_id(ka, id));
	assert_memory_equal(id, ida, 8);
	/* A has a domain: a second one is refused (and its id given) */
	assert_ccsp(CCSP_ERR_KEY_EXISTS, chsm_custody_domain_create(ka, 2, 2, other, id));
	assert_memory_equal(id, ida, 8);
	/* B joins with 2 of the 4; joining again is fine */
	assert_ccsp(CCSP_ERR_SHARE_TOO_FEW, chsm_custody_domain_join(kb, s + 3, 1, NULL, idb));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, chsm_custody_domain_id(kb, id));
	set[0] = s[3], set[1] = s[1];
	/* the operator's expected id: another one refuses before anything is installed */
	assert_ccsp(CCSP_ERR_SHARE_WRONG, chsm_custody_domain_join(kb, set, 2, idc_wrong, idb));
	assert_memory_equal(idb, ida, 8);
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, chsm_custody_domain_id(kb, id));
	assert_ok(chsm_custody_domain_join(kb, set, 2, ida, idb));
	assert_memory_equal(idb, ida, 8);
	assert_ok(chsm_custody_domain_id(kb, id));
	assert_memory_equal(id, ida, 8);
	assert_ok(chsm_custody_domain_join(kb, s, 4, NULL, idb));
	/* C makes its own domain, then A's shares are refused there */
	assert_ok(chsm_custody_domain_create(kc, 2, 2, other, idc));
	assert_memory_not_equal(idc, ida, 8);
	assert_ccsp(CCSP_ERR_KEY_EXISTS, chsm_custody_domain_join(kc, s, 2, NULL, id));
	assert_memory_equal(id, ida, 8);
	assert_ok(chsm_custody_domain_id(kc, id));
	assert_memory_equal(id, idc, 8);
	/* a forged share value; domain shares used as master shares and the reverse */
	set[0] = s[0], set[1] = s[2];
	set[1].y[0] ^= 1;
	assert_ccsp(CCSP_ERR_SHARE_WRONG, chsm_custody_domain_join(kb, set, 2, NULL, id));
	chsm_keys *k;
	assert_ccsp(CCSP_ERR_SHARE_MIXED, chsm_custody_master_open(a, s, 2, &k));
	/* parameters */
	assert_ccsp(CCSP_ERR_ARG, chsm_custody_domain_create(NULL, 2, 2, other, id));
	chsm_share_wipe(s, 4);
	chsm_share_wipe(other, 2);
	chsm_keys_free(ka);
	chsm_keys_free(kb);
	chsm_keys_free(kc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_master, setup, teardown),
		cmocka_unit_test_setup_teardown(test_domain, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

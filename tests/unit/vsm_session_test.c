/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VSM's sessions through its module API (no network): owners kept apart, access rights per session,
 * password lockout, session keys wiped and unreachable after close, the error state, reset.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vsm/vsm.h"
#include "test_util.h"

static const uint8_t SK[CCSP_VSM_STORAGE_KEY_SIZE] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t PW[] = "password-1";
#define PWLEN (sizeof PW - 1)

typedef struct fx {
	char dir[64];
	ccsp_vsm *vsm;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/vsm_session_test.XXXXXX");
	if (mkdtemp(f->dir) == NULL || ccsp_vsm_open(f->dir, SK, NULL, &f->vsm) != CCSP_OK)
		return -1;
	ccsp_vsm_keystore *ks = ccsp_vsm_get_keystore(f->vsm);
	if (ccsp_vsm_keystore_generate(ks, CCSP_VSM_KEY_SIGN, 1, PW, PWLEN) != CCSP_OK ||
	    ccsp_vsm_keystore_generate(ks, CCSP_VSM_KEY_KEK, 1, NULL, 0) != CCSP_OK)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	ccsp_vsm_free(f->vsm);
	test_rm_tree(f->dir);
	free(f);
	return 0;
}

static void test_owners_apart(void **state)
{
	fx *f = *state;
	uint64_t a, b;
	ccsp_vsm_session *s;
	assert_ok(ccsp_vsm_session_open(f->vsm, 100, &a));
	assert_ok(ccsp_vsm_session_open(f->vsm, 200, &b));
	assert_int_not_equal(a, b);
	assert_ccsp(CCSP_ERR_HANDLE, ccsp_vsm_session_acquire(f->vsm, 200, a, &s));
	assert_ccsp(CCSP_ERR_HANDLE, ccsp_vsm_session_close(f->vsm, 200, a));
	assert_ok(ccsp_vsm_session_acquire(f->vsm, 100, a, &s));
	ccsp_vsm_session_release(s);
	ccsp_vsm_session_close_owner(f->vsm, 100);
	assert_ccsp(CCSP_ERR_HANDLE, ccsp_vsm_session_acquire(f->vsm, 100, a, &s));
	assert_ok(ccsp_vsm_session_acquire(f->vsm, 200, b, &s)); /* the other owner's session lives on */
	ccsp_vsm_session_release(s);
	assert_ok(ccsp_vsm_session_close(f->vsm, 200, b));
	assert_int_equal(ccsp_vsm_session_count(f->vsm), 0);
}

static void test_session_limit(void **state)
{
	fx *f = *state;
	ccsp_vsm_limits lim;
	ccsp_vsm *v;
	uint64_t ids[4];
	ccsp_vsm_free(f->vsm);
	ccsp_vsm_limits_default(&lim);
	lim.max_sessions = 3;
	assert_ok(ccsp_vsm_open(f->dir, SK, &lim, &v));
	f->vsm = v;
	for (int i = 0; i < 3; i++)
		assert_ok(ccsp_vsm_session_open(v, 1, &ids[i]));
	assert_ccsp(CCSP_ERR_LIMIT, ccsp_vsm_session_open(v, 1, &ids[3]));
	assert_ok(ccsp_vsm_session_close(v, 1, ids[0]));
	assert_ok(ccsp_vsm_session_open(v, 1, &ids[3]));
}

static void test_rights_and_keys_per_session(void **state)
{
	fx *f = *state;
	uint64_t a, b, h;
	ccsp_vsm_session *sa, *sb;
	uint8_t e[32] = {7}, sig[64], wrapped[16], in[16] = {0}, out[16];
	size_t wl;
	assert_ok(ccsp_vsm_session_open(f->vsm, 1, &a));
	assert_ok(ccsp_vsm_session_open(f->vsm, 1, &b));
	assert_ok(ccsp_vsm_session_acquire(f->vsm, 1, a, &sa));
	assert_ccsp(CCSP_ERR_ACCESS_DENIED, ccsp_vsm_internal_sign(sa, 1, e, sig));
	assert_ok(ccsp_vsm_get_access_right(sa, 1, PW, PWLEN));
	assert_ok(ccsp_vsm_internal_sign(sa, 1, e, sig));
	assert_ok(ccsp_vsm_internal_verify(sa, 1, e, sig));
	assert_ok(ccsp_vsm_key_generate_kek(sa, 1, 128, SGD_SM4_ECB, wrapped, &wl, &h));
	ccsp_vsm_session_release(sa);
	assert_ok(ccsp_vsm_session_acquire(f->vsm, 1, b, &sb));
	assert_ccsp(CCSP_ERR_ACCESS_DENIED, ccsp_vsm_internal_sign(sb, 1, e, sig));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_encrypt(sb, h, 0x401, NULL, in, 16, out));
	ccsp_vsm_session_release(sb);
	assert_ok(ccsp_vsm_session_acquire(f->vsm, 1, a, &sa));
	assert_ok(ccsp_vsm_encrypt(sa, h, 0x401, NULL, in, 16, out));
	assert_ok(ccsp_vsm_key_destroy(sa, h));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_encrypt(sa, h, 0x401, NULL, in, 16, out));
	ccsp_vsm_session_release(sa);
}

static int audit_has(fx *f, const char *what)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "grep -q '%s' '%s/audit.log'", what, f->dir);
	return system(cmd) == 0;
}

static void test_password_lockout(void **state)
{
	fx *f = *state;
	uint64_t a;
	ccsp_vsm_session *s;
	assert_ok(ccsp_vsm_session_open(f->vsm, 1, &a));
	assert_ok(ccsp_vsm_session_acquire(f->vsm, 1, a, &s));
	for (int i = 0; i < 6; i++)
		assert_ccsp(CCSP_ERR_PASSWORD, ccsp_vsm_get_access_right(s, 1, (const uint8_t *)"wrong-pass", 10));
	/* locked now: even the right password is refused without being checked, and that is audited */
	assert_ccsp(CCSP_ERR_PASSWORD, ccsp_vsm_get_access_right(s, 1, PW, PWLEN));
	assert_true(audit_has(f, "access.locked"));
	assert_true(audit_has(f, "access.fail"));
	sleep(2); /* the first delay is 1 s */
	assert_ok(ccsp_vsm_get_access_right(s, 1, PW, PWLEN));
	/* a success resets the count: five more failures do not lock */
	for (int i = 0; i < 5; i++)
		assert_ccsp(CCSP_ERR_PASSWORD, ccsp_vsm_get_access_right(s, 1, (const uint8_t *)"wrong-pass", 10));
	assert_ok(ccsp_vsm_get_access_right(s, 1, PW, PWLEN));
	ccsp_vsm_session_release(s);
}

static void test_reset_wipes(void **state)
{
	fx *f = *state;
	uint64_t a;
	ccsp_vsm_session *s;
	uint8_t token[32] = {9};
	assert_ok(ccsp_vsm_token_set(f->vsm, token, sizeof token));
	assert_ok(ccsp_vsm_token_check(f->vsm, token, sizeof token));
	assert_ok(ccsp_vsm_session_open(f->vsm, 1, &a));
	assert_ok(ccsp_vsm_reset(f->vsm));
	assert_ccsp(CCSP_ERR_HANDLE, ccsp_vsm_session_acquire(f->vsm, 1, a, &s));
	assert_ccsp(CCSP_ERR_TOKEN, ccsp_vsm_token_check(f->vsm, token, sizeof token));
	ccsp_vsm_key_info *infos;
	size_t n;
	assert_ok(ccsp_vsm_keystore_list(ccsp_vsm_get_keystore(f->vsm), &infos, &n));
	assert_int_equal(n, 0);
	free(infos);
	assert_true(audit_has(f, "vsm.reset"));
	assert_int_equal(ccsp_vsm_get_state(f->vsm), CCSP_VSM_STATE_OPERATIONAL);
}

static void test_wrong_storage_key_refused(void **state)
{
	fx *f = *state;
	uint8_t other[16] = {0};
	ccsp_vsm *v = NULL;
	assert_int_not_equal(ccsp_vsm_open(f->dir, other, NULL, &v), CCSP_OK);
	assert_null(v);
}

/* A module that cannot audit stops serving: an audit write that fails (here: the file-size limit) puts the VSM in
 * the error state, where every service answers CCSP_ERR_MODULE_STATE (SDR_HARDFAIL on the wire). */
static void test_error_state(void **state)
{
	fx *f = *state;
	uint64_t a, b;
	ccsp_vsm_session *s;
	char path[96];
	struct stat st;
	struct rlimit old, lim;
	assert_ok(ccsp_vsm_session_open(f->vsm, 1, &a));
	snprintf(path, sizeof path, "%s/audit.log", f->dir);
	assert_int_equal(stat(path, &st), 0);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)st.st_size;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	ccsp_vsm_audit_event(f->vsm, "test.event", "cannot be written");
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(ccsp_vsm_get_state(f->vsm), CCSP_VSM_STATE_ERROR);
	assert_ccsp(CCSP_ERR_MODULE_STATE, ccsp_vsm_session_acquire(f->vsm, 1, a, &s));
	assert_ccsp(CCSP_ERR_MODULE_STATE, ccsp_vsm_session_open(f->vsm, 1, &b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_owners_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rights_and_keys_per_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_password_lockout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_wipes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_storage_key_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_state, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

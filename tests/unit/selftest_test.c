/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Module state model and self-tests: every registered test runs and passes; the integrity test
 * rejects a modified module file, a missing or wrong .hmac; the error state refuses every service.
 * The tamper cases run a copy of this very executable (a statically linked module file) in a child.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ccsp/rand.h>
#include <ccsp/selftest.h>
#include <ccsp/sm3.h>
#include <ccsp/sm4.h>

#include "sm2/sm2_arith.h"
#include "test_util.h"

struct seen {
	char names[64][48];
	int n;
	int failures;
};

static void record(const char *name, ccsp_err result, void *arg)
{
	struct seen *s = arg;
	if (s->n < 64)
		snprintf(s->names[s->n++], sizeof s->names[0], "%s", name);
	s->failures += result != CCSP_OK;
}

static int seen_prefix(const struct seen *s, const char *prefix)
{
	for (int i = 0; i < s->n; i++)
		if (strncmp(s->names[i], prefix, strlen(prefix)) == 0)
			return 1;
	return 0;
}

static void test_power_on_then_operational(void **state)
{
	(void)state;
	assert_int_equal(ccsp_module_get_state(), CCSP_STATE_POWER_ON);
	uint8_t d[32];
	assert_ok(ccsp_sm3("abc", 3, d)); /* first service runs the power-on tests */
	assert_int_equal(ccsp_module_get_state(), CCSP_STATE_OPERATIONAL);
}

static void test_on_demand_covers_every_family(void **state)
{
	(void)state;
	struct seen s = {0};
	assert_ok(ccsp_selftest(record, &s));
	assert_int_equal(s.failures, 0);
	assert_string_equal(s.names[0], "integrity"); /* integrity runs first */
	const char *families[] = {"SM3", "HMAC-SM3", "SM3-KDF", "PBKDF2", "SM4-GCM", "SM4-XTS", "GHASH", "SM3-DRBG", "entropy", "SM2 sign", "SM2 encrypt", "SM2 key exchange"};
	for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
		if (!seen_prefix(&s, families[i]))
			fail_msg("no self-test reported for %s", families[i]);
	assert_int_equal(ccsp_module_get_state(), CCSP_STATE_OPERATIONAL);
}

/* The default SM2 implementation is the fastest one: every implementation must be known-answer tested. */
static void test_sm2_kats_cover_every_implementation(void **state)
{
	(void)state;
	struct seen s = {0};
	assert_ok(ccsp_selftest(record, &s));
	const ccsp_sm2_impl *const *list = ccsp_sm2_impl_list();
	for (size_t i = 0; list[i] != NULL; i++) {
		const char *what[] = {"sign/verify", "encrypt/decrypt", "key exchange"};
		for (size_t w = 0; w < 3; w++) {
			char name[96];
			snprintf(name, sizeof name, "SM2 %s KAT (%s)", what[w], list[i]->name);
			if (!seen_prefix(&s, name))
				fail_msg("self-test did not report %s", name);
		}
	}
}

static int copy_file(const char *from, const char *to, int append_byte)
{
	char cmd[16384];
	snprintf(cmd, sizeof cmd, "cp '%s' '%s'", from, to);
	if (system(cmd) != 0)
		return -1;
	if (append_byte) {
		FILE *f = fopen(to, "ab");
		if (f == NULL)
			return -1;
		fputc(0, f);
		fclose(f);
	}
	return chmod(to, 0755);
}

/* Exit status of "<copy> --child": 0 when the copy's self-test passed. */
static int run_copy(const char *exe)
{
	pid_t pid = fork();
	if (pid == 0) {
		execl(exe, exe, "--child", (char *)NULL);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void test_integrity_detects_tampering(void **state)
{
	(void)state;
	char self[4096], dir[] = "/tmp/ccsp-integrity-XXXXXX", exe[4200], mac[4300], selfmac[4200];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	assert_true(n > 0);
	self[n] = 0;
	assert_non_null(mkdtemp(dir));
	snprintf(exe, sizeof exe, "%s/module", dir);
	snprintf(mac, sizeof mac, "%s.hmac", exe);
	snprintf(selfmac, sizeof selfmac, "%s.hmac", self);

	assert_int_equal(copy_file(self, exe, 0), 0);
	assert_int_equal(run_copy(exe), 3); /* no .hmac: refused */
	assert_int_equal(copy_file(selfmac, mac, 0), 0);
	assert_int_equal(run_copy(exe), 0); /* identical copy with its .hmac: accepted */
	assert_int_equal(copy_file(self, exe, 1), 0);
	assert_int_equal(run_copy(exe), 3); /* one byte more: refused */
	assert_int_equal(copy_file(self, exe, 0), 0);
	FILE *f = fopen(mac, "r+b");
	assert_non_null(f);
	int first = fgetc(f);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	fputc(first == '0' ? '1' : '0', f); /* change the recorded value */
	fclose(f);
	assert_int_equal(run_copy(exe), 3);
	char cmd[4400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Child mode: report the self-test outcome, and check that the error state refuses service. */
static int child_main(void)
{
	uint8_t buf[32];
	ccsp_sm4_key k;
	ccsp_err e = ccsp_selftest(NULL, NULL);
	if (e == CCSP_OK)
		return 0;
	if (ccsp_module_get_state() != CCSP_STATE_ERROR)
		return 10;
	if (ccsp_sm3("abc", 3, buf) != CCSP_ERR_MODULE_STATE || ccsp_random(buf, 32) != CCSP_ERR_MODULE_STATE ||
	    ccsp_sm4_set_key(&k, buf, 16) != CCSP_ERR_MODULE_STATE || ccsp_selftest(NULL, NULL) != CCSP_ERR_MODULE_STATE)
		return 11;
	return 3;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--child") == 0)
		return child_main();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_power_on_then_operational),
		cmocka_unit_test(test_on_demand_covers_every_family),
		cmocka_unit_test(test_sm2_kats_cover_every_implementation),
		cmocka_unit_test(test_integrity_detects_tampering),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The sealed VSM token (src/sdf/sdf_token.h): round trips, the pass, tampering, truncation, file mode. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sdf/sdf_token.h"
#include "test_util.h"

#define FILE_LEN(n) (8 + 16 + 16 + (n) + 32) /* magic, salt, iv, ciphertext, tag */

static char tmpdir[] = "/tmp/sdf_token_test.XXXXXX";
static char path[sizeof tmpdir + 32];

static int group_setup(void **state)
{
	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	(void)snprintf(path, sizeof path, "%s/token", tmpdir);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	(void)unlink(path);
	(void)rmdir(tmpdir);
	(void)unsetenv("CCSP_SDF_PIN");
	return 0;
}

static size_t file_get(uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = fread(buf, 1, cap, f);
	assert_int_equal(fclose(f), 0);
	return n;
}

static void file_put(const uint8_t *buf, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void round_trip(size_t n)
{
	uint8_t tok[CCSP_SDF_TOKEN_MAX], out[CCSP_SDF_TOKEN_MAX], file[256];
	size_t len = 0;
	test_rand(tok, n);
	assert_ok(ccsp_sdf_token_seal(path, tok, n));
	assert_int_equal(file_get(file, sizeof file), FILE_LEN(n));
	assert_memory_equal(file, "CCSPTOK1", 8);
	assert_ok(ccsp_sdf_token_unseal(path, out, &len));
	assert_int_equal(len, n);
	assert_memory_equal(out, tok, n);
}

static void test_round_trip_machine_id(void **state)
{
	(void)state;
	if (access("/etc/machine-id", R_OK) != 0)
		skip();
	assert_int_equal(unsetenv("CCSP_SDF_PIN"), 0);
	round_trip(CCSP_SDF_TOKEN_MIN);
	round_trip(32);
	round_trip(CCSP_SDF_TOKEN_MAX);
	/* an empty PIN counts as none */
	assert_int_equal(setenv("CCSP_SDF_PIN", "", 1), 0);
	uint8_t out[CCSP_SDF_TOKEN_MAX];
	size_t len;
	assert_ok(ccsp_sdf_token_unseal(path, out, &len));
	assert_int_equal(len, CCSP_SDF_TOKEN_MAX);
}

static void test_round_trip_pin(void **state)
{
	(void)state;
	assert_int_equal(setenv("CCSP_SDF_PIN", "correct horse battery staple", 1), 0);
	for (size_t n = CCSP_SDF_TOKEN_MIN; n <= CCSP_SDF_TOKEN_MAX; n += 8)
		round_trip(n);
}

/* Sealing twice gives different files (fresh salt and IV) that both unseal. */
static void test_fresh_salt(void **state)
{
	(void)state;
	uint8_t tok[32], a[256], b[256], out[CCSP_SDF_TOKEN_MAX];
	size_t len;
	assert_int_equal(setenv("CCSP_SDF_PIN", "1234", 1), 0);
	test_rand(tok, sizeof tok);
	assert_ok(ccsp_sdf_token_seal(path, tok, sizeof tok));
	size_t na = file_get(a, sizeof a);
	assert_ok(ccsp_sdf_token_seal(path, tok, sizeof tok));
	size_t nb = file_get(b, sizeof b);
	assert_int_equal(na, nb);
	assert_memory_not_equal(a + 8, b + 8, na - 8);
	assert_ok(ccsp_sdf_token_unseal(path, out, &len));
	assert_memory_equal(out, tok, sizeof tok);
}

static void test_wrong_pin(void **state)
{
	(void)state;
	uint8_t tok[24], out[CCSP_SDF_TOKEN_MAX];
	size_t len = 99;
	test_rand(tok, sizeof tok);
	assert_int_equal(setenv("CCSP_SDF_PIN", "1234", 1), 0);
	assert_ok(ccsp_sdf_token_seal(path, tok, sizeof tok));
	assert_int_equal(setenv("CCSP_SDF_PIN", "1235", 1), 0);
	assert_ccsp(CCSP_ERR_AUTH, ccsp_sdf_token_unseal(path, out, &len));
	assert_int_equal(len, 0);
	for (size_t i = 0; i < sizeof out; i++) /* nothing of a failed unseal is left in the output */
		assert_int_equal(out[i], 0);
	if (access("/etc/machine-id", R_OK) == 0) { /* sealed with a PIN, opened without: the machine id */
		assert_int_equal(unsetenv("CCSP_SDF_PIN"), 0);
		assert_ccsp(CCSP_ERR_AUTH, ccsp_sdf_token_unseal(path, out, &len));
	}
}

/* Every bit of every byte: the magic gives DECODE, anything else AUTH; never a token. */
static void test_tamper(void **state)
{
	(void)state;
	uint8_t tok[20], file[256], bad[256], out[CCSP_SDF_TOKEN_MAX];
	size_t len;
	assert_int_equal(setenv("CCSP_SDF_PIN", "tamper", 1), 0);
	test_rand(tok, sizeof tok);
	assert_ok(ccsp_sdf_token_seal(path, tok, sizeof tok));
	size_t n = file_get(file, sizeof file);
	assert_int_equal(n, FILE_LEN(sizeof tok));
	for (size_t i = 0; i < n; i++) {
		memcpy(bad, file, n);
		bad[i] ^= (uint8_t)(1u << (i % 8));
		file_put(bad, n);
		ccsp_err err = ccsp_sdf_token_unseal(path, out, &len);
		if (err != (i < 8 ? CCSP_ERR_DECODE : CCSP_ERR_AUTH))
			fail_msg("flip in byte %zu: %s", i, ccsp_err_name(err));
	}
	/* one byte appended: the tag moves and no longer matches */
	memcpy(bad, file, n);
	bad[n] = 0;
	file_put(bad, n + 1);
	assert_ccsp(CCSP_ERR_AUTH, ccsp_sdf_token_unseal(path, out, &len));
	/* longer than any sealed token */
	memset(bad, 0, sizeof bad);
	memcpy(bad, file, n);
	file_put(bad, FILE_LEN(CCSP_SDF_TOKEN_MAX) + 1);
	assert_ccsp(CCSP_ERR_DECODE, ccsp_sdf_token_unseal(path, out, &len));
	file_put(file, n);
	assert_ok(ccsp_sdf_token_unseal(path, out, &len));
	assert_memory_equal(out, tok, sizeof tok);
}

/* Every truncation: too short for any token gives DECODE, the others fail the tag. */
static void test_truncate(void **state)
{
	(void)state;
	uint8_t tok[CCSP_SDF_TOKEN_MAX], file[256], out[CCSP_SDF_TOKEN_MAX];
	size_t len;
	assert_int_equal(setenv("CCSP_SDF_PIN", "truncate", 1), 0);
	test_rand(tok, sizeof tok);
	assert_ok(ccsp_sdf_token_seal(path, tok, sizeof tok));
	size_t n = file_get(file, sizeof file);
	for (size_t i = 0; i < n; i++) {
		file_put(file, i);
		ccsp_err err = ccsp_sdf_token_unseal(path, out, &len);
		if (err != (i < FILE_LEN(CCSP_SDF_TOKEN_MIN) ? CCSP_ERR_DECODE : CCSP_ERR_AUTH))
			fail_msg("truncated to %zu bytes: %s", i, ccsp_err_name(err));
	}
}

static void test_file_mode(void **state)
{
	(void)state;
	uint8_t tok[16] = {1};
	struct stat st;
	assert_int_equal(setenv("CCSP_SDF_PIN", "mode", 1), 0);
	(void)unlink(path);
	mode_t old = umask(0); /* the mode must not come from the umask */
	ccsp_err err = ccsp_sdf_token_seal(path, tok, sizeof tok);
	(void)umask(old);
	assert_ok(err);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* replacing a wider file narrows it */
	assert_int_equal(chmod(path, 0644), 0);
	assert_ok(ccsp_sdf_token_seal(path, tok, sizeof tok));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
}

static void test_errors(void **state)
{
	(void)state;
	uint8_t tok[CCSP_SDF_TOKEN_MAX + 1] = {0}, out[CCSP_SDF_TOKEN_MAX];
	size_t len;
	char missing[sizeof path + 8];
	assert_int_equal(setenv("CCSP_SDF_PIN", "errors", 1), 0);
	assert_ccsp(CCSP_ERR_ARG, ccsp_sdf_token_seal(path, tok, CCSP_SDF_TOKEN_MIN - 1));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sdf_token_seal(path, tok, CCSP_SDF_TOKEN_MAX + 1));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sdf_token_seal(path, tok, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sdf_token_seal(NULL, tok, 16));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sdf_token_seal(path, NULL, 16));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sdf_token_unseal(NULL, out, &len));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sdf_token_unseal(path, NULL, &len));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sdf_token_unseal(path, out, NULL));
	(void)snprintf(missing, sizeof missing, "%s.none", path);
	assert_ccsp(CCSP_ERR_FILE_NOT_FOUND, ccsp_sdf_token_unseal(missing, out, &len));
	assert_ccsp(CCSP_ERR_IO, ccsp_sdf_token_unseal(tmpdir, out, &len)); /* a directory */
	/* not a sealed token: right length, wrong magic */
	uint8_t junk[FILE_LEN(16)];
	memset(junk, 'A', sizeof junk);
	file_put(junk, sizeof junk);
	assert_ccsp(CCSP_ERR_DECODE, ccsp_sdf_token_unseal(path, out, &len));
	/* a directory that does not exist: nothing is written */
	char nodir[sizeof tmpdir + 16];
	(void)snprintf(nodir, sizeof nodir, "%s/no/token", tmpdir);
	assert_ccsp(CCSP_ERR_IO, ccsp_sdf_token_seal(nodir, tok, 16));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_machine_id),
		cmocka_unit_test(test_round_trip_pin),
		cmocka_unit_test(test_fresh_salt),
		cmocka_unit_test(test_wrong_pin),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_file_mode),
		cmocka_unit_test(test_errors),
	};
	test_rand_seed(0x70c3e11);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

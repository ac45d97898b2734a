/* SPDX-License-Identifier: Apache-2.0 */
/* The config loader (src/common/config.h): syntax, every refusal with its line number, typed getters. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/config.h"
#include "test_util.h"

static char msg[256];

static ccsp_config *parse_ok(const char *text)
{
	ccsp_config *cfg = NULL;
	ccsp_err err = ccsp_config_parse("t.conf", text, strlen(text), &cfg, msg, sizeof msg);
	if (err != CCSP_OK)
		fail_msg("parse failed: %s: %s", ccsp_err_name(err), msg);
	assert_string_equal(msg, "");
	return cfg;
}

/* Expect a refusal with this code and a message starting with prefix. */
static void parse_bad_n(const char *text, size_t len, ccsp_err expected, const char *prefix)
{
	ccsp_config *cfg = (ccsp_config *)&cfg; /* must be reset to NULL */
	assert_ccsp(expected, ccsp_config_parse("t.conf", text, len, &cfg, msg, sizeof msg));
	assert_null(cfg);
	if (strncmp(msg, prefix, strlen(prefix)) != 0)
		fail_msg("message \"%s\" does not start with \"%s\"", msg, prefix);
}

static void parse_bad(const char *text, ccsp_err expected, const char *prefix)
{
	parse_bad_n(text, strlen(text), expected, prefix);
}

static void test_syntax(void **state)
{
	(void)state;
	ccsp_config *cfg = parse_ok("# comment\n"
	                            "\n"
	                            "   \t\n"
	                            "  # indented comment = not a key\n"
	                            "listen = 127.0.0.1:8443\n"
	                            "a.b_c9=x\n"
	                            "\tspaced\t =\t  two words  # not a comment \t\n"
	                            "eq = a=b\n"
	                            "crlf = v\r\n"
	                            "last = end");
	assert_string_equal(ccsp_config_get(cfg, "listen"), "127.0.0.1:8443");
	assert_string_equal(ccsp_config_get(cfg, "a.b_c9"), "x");
	assert_string_equal(ccsp_config_get(cfg, "spaced"), "two words  # not a comment");
	assert_string_equal(ccsp_config_get(cfg, "eq"), "a=b");
	assert_string_equal(ccsp_config_get(cfg, "crlf"), "v");
	assert_string_equal(ccsp_config_get(cfg, "last"), "end");
	assert_null(ccsp_config_get(cfg, "absent"));
	assert_null(ccsp_config_get(cfg, "Listen"));
	assert_null(ccsp_config_get(cfg, NULL));
	assert_null(ccsp_config_get(NULL, "listen"));
	ccsp_config_free(cfg);

	/* empty text is an empty config */
	cfg = parse_ok("");
	assert_null(ccsp_config_get(cfg, "x"));
	ccsp_config_free(cfg);
	assert_ok(ccsp_config_parse(NULL, NULL, 0, &cfg, NULL, 0));
	ccsp_config_free(cfg);
	ccsp_config_free(NULL);
}

static void test_malformed_lines(void **state)
{
	(void)state;
	parse_bad("a = 1\n\nno equals sign\n", CCSP_ERR_DECODE, "t.conf:3: expected key = value");
	parse_bad("= value\n", CCSP_ERR_DECODE, "t.conf:1: expected key = value");
	parse_bad("Upper = 1\n", CCSP_ERR_DECODE, "t.conf:1: expected key = value");
	parse_bad("dash-key = 1\n", CCSP_ERR_DECODE, "t.conf:1: expected key = value");
	parse_bad("two words = 1\n", CCSP_ERR_DECODE, "t.conf:1: expected key = value");
	parse_bad("key\n", CCSP_ERR_DECODE, "t.conf:1: expected key = value");
	parse_bad("x = 1\nkey =\n", CCSP_ERR_DECODE, "t.conf:2: empty value");
	parse_bad("key =   \t\n", CCSP_ERR_DECODE, "t.conf:1: empty value");
	parse_bad("a = 1\nb = 2\na = 3\n", CCSP_ERR_DECODE, "t.conf:3: key a repeated (first set on line 1)");
	parse_bad("a = x\x01y\n", CCSP_ERR_DECODE, "t.conf:1: control character");
	parse_bad("a = x\ry\n", CCSP_ERR_DECODE, "t.conf:1: control character");
	parse_bad("a = x\x7f\n", CCSP_ERR_DECODE, "t.conf:1: control character");
	parse_bad_n("a = 1\nb = x\0y\n", 14, CCSP_ERR_DECODE, "t.conf:2: control character");
}

static void test_limits(void **state)
{
	(void)state;
	ccsp_config *cfg = NULL;
	/* a line of exactly 4096 bytes is accepted, 4097 is refused */
	char *line = malloc(4200);
	assert_non_null(line);
	memcpy(line, "k = ", 4);
	memset(line + 4, 'v', 4092);
	line[4096] = '\n';
	line[4097] = '\0';
	cfg = parse_ok(line);
	assert_int_equal(strlen(ccsp_config_get(cfg, "k")), 4092);
	ccsp_config_free(cfg);
	memset(line + 4, 'v', 4093);
	line[4097] = '\n';
	line[4098] = '\0';
	parse_bad(line, CCSP_ERR_LIMIT, "t.conf:1: line longer than 4096 bytes");
	free(line);

	/* 64 KiB is accepted, one byte more is refused */
	char *text = malloc((64u << 10) + 2);
	assert_non_null(text);
	memset(text, '\n', (64u << 10) + 1);
	memcpy(text + 100, "# comment", 9);
	assert_ok(ccsp_config_parse("t.conf", text, 64u << 10, &cfg, msg, sizeof msg));
	ccsp_config_free(cfg);
	parse_bad_n(text, (64u << 10) + 1, CCSP_ERR_LIMIT, "t.conf: larger than 65536 bytes");
	free(text);

	/* 256 keys are accepted, the 257th is refused */
	char keys[257 * 16];
	size_t n = 0;
	for (int i = 0; i < 256; i++)
		n += (size_t)snprintf(keys + n, sizeof keys - n, "k%d = %d\n", i, i);
	cfg = parse_ok(keys);
	assert_string_equal(ccsp_config_get(cfg, "k255"), "255");
	ccsp_config_free(cfg);
	(void)snprintf(keys + n, sizeof keys - n, "k256 = 1\n");
	parse_bad(keys, CCSP_ERR_LIMIT, "t.conf:257: more than 256 keys");
}

static void test_bad_arguments(void **state)
{
	(void)state;
	ccsp_config *cfg = NULL;
	assert_ccsp(CCSP_ERR_ARG, ccsp_config_parse("t", "a = 1", 5, NULL, msg, sizeof msg));
	assert_ccsp(CCSP_ERR_ARG, ccsp_config_parse("t", NULL, 5, &cfg, msg, sizeof msg));
	assert_null(cfg);
	assert_ccsp(CCSP_ERR_ARG, ccsp_config_load(NULL, &cfg, msg, sizeof msg));
	assert_ccsp(CCSP_ERR_ARG, ccsp_config_load("/nonexistent", NULL, msg, sizeof msg));
	/* errmsg may be NULL, or too short: it is cut, always terminated */
	assert_ccsp(CCSP_ERR_DECODE, ccsp_config_parse("t", "x", 1, &cfg, NULL, 0));
	char small[8];
	assert_ccsp(CCSP_ERR_DECODE, ccsp_config_parse("t", "x", 1, &cfg, small, sizeof small));
	assert_string_equal(small, "t:1: ex");
}

static void test_get_u32(void **state)
{
	(void)state;
	ccsp_config *cfg = parse_ok("workers = 8\n"
	                            "zero = 0\n"
	                            "max = 4294967295\n"
	                            "over = 4294967296\n"
	                            "huge = 99999999999999999999999\n"
	                            "neg = -1\n"
	                            "plus = +1\n"
	                            "hex = 0x10\n"
	                            "word = eight\n"
	                            "tail = 8 threads\n"
	                            "lead = 007\n");
	uint32_t v = 0;
	assert_ok(ccsp_config_get_u32(cfg, "workers", 1, 64, 4, &v, msg, sizeof msg));
	assert_int_equal(v, 8);
	assert_ok(ccsp_config_get_u32(cfg, "absent", 1, 64, 4, &v, msg, sizeof msg));
	assert_int_equal(v, 4);
	assert_ok(ccsp_config_get_u32(cfg, "zero", 0, 1, 1, &v, msg, sizeof msg));
	assert_int_equal(v, 0);
	assert_ok(ccsp_config_get_u32(cfg, "max", 0, UINT32_MAX, 1, &v, msg, sizeof msg));
	assert_int_equal(v, UINT32_MAX);
	assert_ok(ccsp_config_get_u32(cfg, "lead", 0, 10, 1, &v, msg, sizeof msg));
	assert_int_equal(v, 7);

	static const char *const bad[] = {"over", "huge", "neg", "plus", "hex", "word", "tail"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		v = 12345;
		assert_ccsp(CCSP_ERR_DECODE, ccsp_config_get_u32(cfg, bad[i], 0, UINT32_MAX, 1, &v, msg, sizeof msg));
		assert_int_equal(v, 12345);
		assert_non_null(strstr(msg, bad[i]));
	}
	/* out of range: the message names the key, its line and the range */
	assert_ccsp(CCSP_ERR_DECODE, ccsp_config_get_u32(cfg, "workers", 1, 4, 1, &v, msg, sizeof msg));
	assert_string_equal(msg, "t.conf:1: workers must be a whole number in 1..4");
	assert_ccsp(CCSP_ERR_DECODE, ccsp_config_get_u32(cfg, "zero", 1, 4, 1, &v, msg, sizeof msg));
	assert_ccsp(CCSP_ERR_ARG, ccsp_config_get_u32(cfg, "workers", 5, 4, 1, &v, msg, sizeof msg));
	assert_ccsp(CCSP_ERR_ARG, ccsp_config_get_u32(NULL, "workers", 1, 4, 1, &v, msg, sizeof msg));
	assert_ccsp(CCSP_ERR_ARG, ccsp_config_get_u32(cfg, NULL, 1, 4, 1, &v, msg, sizeof msg));
	assert_ccsp(CCSP_ERR_ARG, ccsp_config_get_u32(cfg, "workers", 1, 4, 1, NULL, msg, sizeof msg));
	ccsp_config_free(cfg);
}

static void test_check_keys(void **state)
{
	(void)state;
	static const char *const known[] = {"listen", "workers", "log.level", NULL};
	static const char *const none[] = {NULL};
	ccsp_config *cfg = parse_ok("listen = x\nworkers = 2\n");
	assert_ok(ccsp_config_check_keys(cfg, known, msg, sizeof msg));
	assert_string_equal(msg, "");
	assert_ccsp(CCSP_ERR_DECODE, ccsp_config_check_keys(cfg, none, msg, sizeof msg));
	assert_string_equal(msg, "t.conf:1: unknown key listen");
	assert_ccsp(CCSP_ERR_ARG, ccsp_config_check_keys(cfg, NULL, msg, sizeof msg));
	assert_ccsp(CCSP_ERR_ARG, ccsp_config_check_keys(NULL, known, msg, sizeof msg));
	ccsp_config_free(cfg);

	cfg = parse_ok("listen = x\n# x\nwokers = 2\nlog.levle = 3\n");
	assert_ccsp(CCSP_ERR_DECODE, ccsp_config_check_keys(cfg, known, msg, sizeof msg));
	assert_string_equal(msg, "t.conf:3: unknown key wokers");
	ccsp_config_free(cfg);
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void test_load(void **state)
{
	(void)state;
	char dir[] = "/tmp/ccsp-config-XXXXXX", path[64], big[64];
	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, sizeof path, "%s/sdf.conf", dir);
	(void)snprintf(big, sizeof big, "%s/big.conf", dir);
	ccsp_config *cfg = NULL;

	assert_ccsp(CCSP_ERR_FILE_NOT_FOUND, ccsp_config_load(path, &cfg, msg, sizeof msg));
	assert_null(cfg);
	assert_non_null(strstr(msg, "sdf.conf"));

	write_file(path, "# vsm\nhost = 10.0.0.1\nport = 8443\n", 33);
	assert_ok(ccsp_config_load(path, &cfg, msg, sizeof msg));
	assert_string_equal(ccsp_config_get(cfg, "host"), "10.0.0.1");
	uint32_t port = 0;
	assert_ok(ccsp_config_get_u32(cfg, "port", 1, 65535, 443, &port, msg, sizeof msg));
	assert_int_equal(port, 8443);
	ccsp_config_free(cfg);

	/* messages carry the path as given and the line number */
	write_file(path, "host = a\nport\n", 14);
	assert_ccsp(CCSP_ERR_DECODE, ccsp_config_load(path, &cfg, msg, sizeof msg));
	assert_null(cfg);
	char expect[128];
	(void)snprintf(expect, sizeof expect, "%s:2: expected key = value", path);
	assert_int_equal(strncmp(msg, expect, strlen(expect)), 0);

	/* over 64 KiB */
	char *text = malloc((64u << 10) + 1);
	assert_non_null(text);
	memset(text, '\n', (64u << 10) + 1);
	write_file(big, text, (64u << 10) + 1);
	free(text);
	assert_ccsp(CCSP_ERR_LIMIT, ccsp_config_load(big, &cfg, msg, sizeof msg));
	assert_null(cfg);

	/* a directory, a FIFO: not regular files */
	assert_ccsp(CCSP_ERR_IO, ccsp_config_load(dir, &cfg, msg, sizeof msg));
	assert_null(cfg);
	char fifo[64];
	(void)snprintf(fifo, sizeof fifo, "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_ccsp(CCSP_ERR_IO, ccsp_config_load(fifo, &cfg, msg, sizeof msg));

	/* unreadable (root reads anyway: only checked for other users) */
	if (geteuid() != 0) {
		assert_int_equal(chmod(path, 0), 0);
		assert_ccsp(CCSP_ERR_IO, ccsp_config_load(path, &cfg, msg, sizeof msg));
		assert_null(cfg);
	}

	assert_int_equal(unlink(fifo), 0);
	assert_int_equal(unlink(big), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_get_u32),
		cmocka_unit_test(test_check_keys),
		cmocka_unit_test(test_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

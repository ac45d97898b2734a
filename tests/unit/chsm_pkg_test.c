/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Upgrade packages (src/chsm/chsm_pkg.h): a known package byte for byte, build-then-parse, every rule of the
 * format refused (magic, version, counts, names off the allow-list, duplicates, modes, lengths beyond the end,
 * trailing bytes), every truncation and single-byte change of a valid package handled, and staging into a
 * directory (modes, exclusive creation, comparison).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chsm/chsm_pkg.h"
#include "test_util.h"

/* A package of version "1.2.3" with chsmd (mode 0755, "ELF!") and vsmd.hmac (mode 0644, empty), by hand:
 *   0 magic | 8 version length | 9 "1.2.3" | 14 count | 15 name length | 16 "chsmd" | 21 mode | 25 length |
 *   33 data | 37 name length | 38 "vsmd.hmac" | 47 mode | 51 length | 59 end */
static size_t known(uint8_t *out, size_t cap)
{
	static const char hex[] = "43435350504b4731"                               /* CCSPPKG1 */
	                          "05" "312e322e33"                                /* "1.2.3" */
	                          "02"                                             /* 2 entries */
	                          "05" "6368736d64" "000001ed" "0000000000000004"  /* chsmd 0755 4 */
	                          "454c4621"                                       /* ELF! */
	                          "09" "76736d642e686d6163" "000001a4" "0000000000000000"; /* vsmd.hmac 0644 0 */
	return hex2bin(hex, out, cap);
}

static void test_known_package(void **state)
{
	(void)state;
	uint8_t buf[256];
	size_t len = known(buf, sizeof buf);
	chsm_pkg p;
	assert_ok(chsm_pkg_parse(buf, len, &p));
	assert_string_equal(p.version, "1.2.3");
	assert_int_equal(p.count, 2);
	assert_string_equal(p.entries[0].name, "chsmd");
	assert_int_equal(p.entries[0].mode, 0755);
	assert_int_equal(p.entries[0].len, 4);
	assert_memory_equal(p.entries[0].data, "ELF!", 4);
	assert_string_equal(p.entries[1].name, "vsmd.hmac");
	assert_int_equal(p.entries[1].mode, 0644);
	assert_int_equal(p.entries[1].len, 0);
	assert_ptr_equal(chsm_pkg_find(&p, "chsmd"), &p.entries[0]);
	assert_null(chsm_pkg_find(&p, "vsmd"));

	/* the writer produces exactly these bytes */
	chsm_pkg_entry e[2] = {{.name = "chsmd", .mode = 0755, .data = (const uint8_t *)"ELF!", .len = 4},
	                       {.name = "vsmd.hmac", .mode = 0644, .data = NULL, .len = 0}};
	uint8_t *out = NULL;
	size_t outlen = 0;
	assert_ok(chsm_pkg_build("1.2.3", e, 2, &out, &outlen));
	assert_int_equal(outlen, len);
	assert_memory_equal(out, buf, len);
	free(out);
}

static void test_build_parse_round_trip(void **state)
{
	(void)state;
	static const char *const names[] = {"chsmd", "chsmd.hmac", "vsmd", "vsmd.hmac"};
	uint8_t *data[4], *out;
	size_t outlen;
	chsm_pkg_entry e[4];
	test_rand_seed(88);
	for (size_t i = 0; i < 4; i++) {
		size_t n = 1 + test_rand_below(5000);
		data[i] = malloc(n);
		assert_non_null(data[i]);
		test_rand(data[i], n);
		e[i] = (chsm_pkg_entry){.mode = (uint32_t)(0400 + i), .data = data[i], .len = n};
		snprintf(e[i].name, sizeof e[i].name, "%s", names[i]);
	}
	assert_ok(chsm_pkg_build("2.0.0-rc.1+b7", e, 4, &out, &outlen));
	chsm_pkg p;
	assert_ok(chsm_pkg_parse(out, outlen, &p));
	assert_string_equal(p.version, "2.0.0-rc.1+b7");
	assert_int_equal(p.count, 4);
	for (size_t i = 0; i < 4; i++) {
		const chsm_pkg_entry *f = chsm_pkg_find(&p, names[i]);
		assert_non_null(f);
		assert_int_equal(f->mode, e[i].mode);
		assert_int_equal(f->len, e[i].len);
		assert_memory_equal(f->data, data[i], e[i].len);
		free(data[i]);
	}
	free(out);
}

static void test_versions_and_names(void **state)
{
	(void)state;
	assert_true(chsm_pkg_version_valid("0"));
	assert_true(chsm_pkg_version_valid("1.0.19.0_STD"));
	assert_true(chsm_pkg_version_valid("9.0.0-test"));
	assert_true(chsm_pkg_version_valid("1234567890123456789012345678901"));  /* 31 */
	assert_false(chsm_pkg_version_valid("12345678901234567890123456789012")); /* 32 */
	assert_false(chsm_pkg_version_valid(""));
	assert_false(chsm_pkg_version_valid(NULL));
	assert_false(chsm_pkg_version_valid("current"));
	assert_false(chsm_pkg_version_valid(".."));
	assert_false(chsm_pkg_version_valid(".1"));
	assert_false(chsm_pkg_version_valid("1/2"));
	assert_false(chsm_pkg_version_valid("1 2"));
	assert_false(chsm_pkg_version_valid("v1.0"));
	assert_true(chsm_pkg_name_allowed("vsmd"));
	assert_true(chsm_pkg_name_allowed("chsmd.hmac"));
	assert_false(chsm_pkg_name_allowed("ccsp"));
	assert_false(chsm_pkg_name_allowed("../chsmd"));
	assert_false(chsm_pkg_name_allowed("chsmd/"));
	assert_false(chsm_pkg_name_allowed(""));
	assert_false(chsm_pkg_name_allowed(NULL));
}

/* Patch byte at off of the known package to v and expect err. */
static void expect_patched(size_t off, uint8_t v, ccsp_err err)
{
	uint8_t buf[256];
	size_t len = known(buf, sizeof buf);
	chsm_pkg p;
	buf[off] = v;
	assert_ccsp(err, chsm_pkg_parse(buf, len, &p));
	assert_int_equal(p.count, 0); /* zeroed on failure */
}

static void test_format_rules(void **state)
{
	(void)state;
	expect_patched(0, 'X', CCSP_ERR_DECODE);              /* magic */
	expect_patched(8, 0, CCSP_ERR_DECODE);                /* empty version */
	expect_patched(8, 32, CCSP_ERR_DECODE);               /* version longer than 31 */
	expect_patched(9, 'v', CCSP_ERR_DECODE);              /* version not starting with a digit */
	expect_patched(10, '/', CCSP_ERR_DECODE);             /* a path in the version */
	expect_patched(11, 0, CCSP_ERR_DECODE);               /* NUL in the version */
	expect_patched(14, 0, CCSP_ERR_DECODE);               /* no entries */
	expect_patched(14, 5, CCSP_ERR_DECODE);               /* more entries than the allow-list */
	expect_patched(14, 1, CCSP_ERR_DECODE);               /* one entry, then trailing bytes */
	expect_patched(14, 3, CCSP_ERR_DECODE);               /* three entries, the third missing */
	expect_patched(15, 0, CCSP_ERR_DECODE);               /* empty name */
	expect_patched(15, 16, CCSP_ERR_DECODE);              /* name longer than 15 */
	expect_patched(16, 's', CCSP_ERR_UNSUPPORTED);        /* "shsmd": well-formed, not allowed */
	expect_patched(16, '/', CCSP_ERR_UNSUPPORTED);        /* a path */
	expect_patched(23, 0x09, CCSP_ERR_DECODE);            /* mode 04755: setuid */
	expect_patched(21, 0x01, CCSP_ERR_DECODE);            /* mode far too large */
	expect_patched(25, 0x80, CCSP_ERR_DECODE);            /* a length of 2^63 */
	expect_patched(32, 200, CCSP_ERR_DECODE);             /* a length beyond the end */
	expect_patched(32, 5, CCSP_ERR_DECODE);               /* one byte too long: the rest misparses */
	expect_patched(32, 3, CCSP_ERR_DECODE);               /* one byte short: the rest misparses */
	expect_patched(37, 5, CCSP_ERR_DECODE);               /* second name length 5: "vsmd." */
	expect_patched(58, 1, CCSP_ERR_DECODE);               /* the last length one beyond the end */
}

static void test_duplicates_and_trailing(void **state)
{
	(void)state;
	uint8_t buf[256], dup[512];
	size_t len = known(buf, sizeof buf);
	chsm_pkg p;
	/* the same entry twice: count 3, the first entry repeated at the end */
	memcpy(dup, buf, len);
	dup[14] = 3;
	memcpy(dup + len, buf + 15, 1 + 5 + 4 + 8 + 4);
	assert_ccsp(CCSP_ERR_DECODE, chsm_pkg_parse(dup, len + 22, &p));
	memcpy(dup, buf, len);
	dup[len] = 0;
	assert_ccsp(CCSP_ERR_DECODE, chsm_pkg_parse(dup, len + 1, &p)); /* a trailing byte */
	assert_ccsp(CCSP_ERR_ARG, chsm_pkg_parse(NULL, 1, &p));
	assert_ccsp(CCSP_ERR_ARG, chsm_pkg_parse(buf, len, NULL));
	assert_ccsp(CCSP_ERR_DECODE, chsm_pkg_parse(NULL, 0, &p));
	assert_ccsp(CCSP_ERR_LIMIT, chsm_pkg_parse(buf, CHSM_PKG_MAX + 1, &p)); /* refused before reading */
}

/* Every prefix of a valid package is refused, and every single-byte change is either refused or parses
 * within bounds. */
static void test_truncations_and_flips(void **state)
{
	(void)state;
	uint8_t buf[256], m[256];
	size_t len = known(buf, sizeof buf);
	chsm_pkg p;
	for (size_t n = 0; n < len; n++)
		assert_int_not_equal(chsm_pkg_parse(buf, n, &p), CCSP_OK);
	for (size_t i = 0; i < len; i++)
		for (unsigned bit = 0; bit < 8; bit++) {
			memcpy(m, buf, len);
			m[i] ^= (uint8_t)(1u << bit);
			if (chsm_pkg_parse(m, len, &p) != CCSP_OK)
				continue;
			for (size_t k = 0; k < p.count; k++)
				assert_true(p.entries[k].data + p.entries[k].len <= m + len);
		}
}

static void test_build_refuses(void **state)
{
	(void)state;
	uint8_t *out = (uint8_t *)"x";
	size_t outlen = 1;
	chsm_pkg_entry ok = {.name = "vsmd", .mode = 0700, .data = (const uint8_t *)"x", .len = 1};
	chsm_pkg_entry two[2] = {ok, ok};
	chsm_pkg_entry bad = ok;
	assert_ccsp(CCSP_ERR_ARG, chsm_pkg_build("x", &ok, 1, &out, &outlen));
	assert_null(out);
	assert_ccsp(CCSP_ERR_ARG, chsm_pkg_build("1", two, 2, &out, &outlen)); /* duplicate */
	assert_ccsp(CCSP_ERR_ARG, chsm_pkg_build("1", &ok, 0, &out, &outlen));
	assert_ccsp(CCSP_ERR_ARG, chsm_pkg_build("1", &ok, CHSM_PKG_ENTRIES_MAX + 1, &out, &outlen));
	bad.mode = 04755;
	assert_ccsp(CCSP_ERR_ARG, chsm_pkg_build("1", &bad, 1, &out, &outlen));
	bad = ok;
	snprintf(bad.name, sizeof bad.name, "libevil.so");
	assert_ccsp(CCSP_ERR_ARG, chsm_pkg_build("1", &bad, 1, &out, &outlen));
	bad = ok;
	bad.len = CHSM_PKG_MAX; /* never read: the size is refused first */
	assert_ccsp(CCSP_ERR_LIMIT, chsm_pkg_build("1", &bad, 1, &out, &outlen));
}

/* ---- staging ---- */

static void test_write_dir(void **state)
{
	(void)state;
	char dir[256], path[300];
	const char *tmp = getenv("TMPDIR");
	uint8_t buf[256];
	size_t len = known(buf, sizeof buf);
	chsm_pkg p;
	struct stat st;
	snprintf(dir, sizeof dir, "%s/chsm_pkg_test.XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	assert_ok(chsm_pkg_parse(buf, len, &p));
	assert_false(chsm_pkg_matches_dir(&p, dir));
	assert_ok(chsm_pkg_write_dir(&p, dir));
	snprintf(path, sizeof path, "%s/chsmd", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700); /* the owner's bits only */
	assert_int_equal(st.st_size, 4);
	snprintf(path, sizeof path, "%s/vsmd.hmac", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true(chsm_pkg_matches_dir(&p, dir));
	assert_ccsp(CCSP_ERR_FILE_EXISTS, chsm_pkg_write_dir(&p, dir)); /* never overwrites */

	/* a file that differs by one byte, or has grown, does not match */
	snprintf(path, sizeof path, "%s/chsmd", dir);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs("ELF?", f);
	fclose(f);
	assert_false(chsm_pkg_matches_dir(&p, dir));
	f = fopen(path, "wb");
	assert_non_null(f);
	fputs("ELF!!", f);
	fclose(f);
	assert_false(chsm_pkg_matches_dir(&p, dir));
	/* a symbolic link in place of a file is neither followed nor matched */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("vsmd.hmac", path), 0);
	assert_false(chsm_pkg_matches_dir(&p, dir));
	snprintf(path, sizeof path, "%s/missing", dir);
	assert_ccsp(CCSP_ERR_IO, chsm_pkg_write_dir(&p, path));
	assert_false(chsm_pkg_matches_dir(&p, path));
	test_rm_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_package),       cmocka_unit_test(test_build_parse_round_trip),
		cmocka_unit_test(test_versions_and_names),  cmocka_unit_test(test_format_rules),
		cmocka_unit_test(test_duplicates_and_trailing), cmocka_unit_test(test_truncations_and_flips),
		cmocka_unit_test(test_build_refuses),       cmocka_unit_test(test_write_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

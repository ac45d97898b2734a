/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VSM's file area (GM/T 0018 6.7, src/vsm/vsm_file.c) through its module API, on a fresh directory with a
 * fixed storage key: create/read/write/delete, offsets, binary names, the three quotas, persistence across a
 * reopen, what is on disk (hashed names, 0600, encrypted, exact length), tampering and swapping of stored files
 * (that file refused, the others and the module fine), zeroisation, and concurrent use.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vsm/vsm.h"
#include "test_util.h"

static const uint8_t SK[CCSP_VSM_STORAGE_KEY_SIZE] = {0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
                                                      0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01};
#define OVERHEAD 169 /* magic 8, iv 12, name length 1, name 128, size 4, tag 16 */
#define OWNER 7

typedef struct fx {
	char dir[64];
	char files[96];
	ccsp_vsm *vsm;
	ccsp_vsm_session *s;
} fx;

static void fx_open(fx *f, const ccsp_vsm_limits *lim)
{
	uint64_t id;
	assert_ok(ccsp_vsm_open(f->dir, SK, lim, &f->vsm));
	assert_ok(ccsp_vsm_session_open(f->vsm, OWNER, &id));
	assert_ok(ccsp_vsm_session_acquire(f->vsm, OWNER, id, &f->s));
}

static void fx_close(fx *f)
{
	if (f->s != NULL)
		ccsp_vsm_session_release(f->s);
	f->s = NULL;
	ccsp_vsm_free(f->vsm);
	f->vsm = NULL;
}

static void fx_reopen(fx *f, const ccsp_vsm_limits *lim)
{
	fx_close(f);
	fx_open(f, lim);
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/vsm_file_test.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->files, sizeof f->files, "%s/files", f->dir);
	fx_open(f, NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	fx_close(f);
	test_rm_tree(f->dir);
	free(f);
	return 0;
}

#define NAME(str) (const uint8_t *)(str), (sizeof(str) - 1)

/* ---- helpers: what is on disk ---- */

/* The entries of DIR/files other than those in skip (up to 8 names); returns the count, the first
 * in out. */
static size_t list_files(const fx *f, char out[256], char skip[][256], size_t nskip)
{
	DIR *d = opendir(f->files);
	struct dirent *de;
	size_t n = 0;
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		int skipped = de->d_name[0] == '.';
		for (size_t i = 0; i < nskip; i++)
			skipped |= strcmp(de->d_name, skip[i]) == 0;
		if (skipped)
			continue;
		if (n++ == 0 && out != NULL)
			snprintf(out, 256, "%s", de->d_name);
	}
	closedir(d);
	return n;
}

/* The on-disk path of the file created last (the one entry not in known[0..n), which it is added to). */
static void newest(const fx *f, char known[][256], size_t n, char path[512])
{
	char entry[256];
	assert_int_equal(list_files(f, entry, known, n), 1);
	memcpy(known[n], entry, sizeof entry);
	snprintf(path, 512, "%s/%s", f->files, entry);
}

static long file_size(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return (long)st.st_size;
}

static void flip_byte(const char *path, long at)
{
	FILE *fp = fopen(path, "r+b");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, at, SEEK_SET), 0);
	int c = fgetc(fp);
	assert_true(c != EOF);
	assert_int_equal(fseek(fp, at, SEEK_SET), 0);
	assert_int_equal(fputc(c ^ 0x01, fp), c ^ 0x01);
	assert_int_equal(fclose(fp), 0);
}

static int audit_has(const fx *f, const char *what)
{
	char path[128], line[1024];
	int found = 0;
	snprintf(path, sizeof path, "%s/audit.log", f->dir);
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	while (!found && fgets(line, sizeof line, fp) != NULL)
		found = strstr(line, what) != NULL;
	fclose(fp);
	return found;
}

static void expect_content(ccsp_vsm_session *s, const uint8_t *name, size_t namelen, const uint8_t *want, size_t len)
{
	uint8_t *got = malloc(len + 1);
	size_t n = len + 1; /* ask for more than there is: the read stops at the end */
	assert_non_null(got);
	assert_ok(ccsp_vsm_file_read(s, name, namelen, 0, got, &n));
	assert_int_equal(n, len);
	assert_memory_equal(got, want, len);
	free(got);
}

/* The first len bytes of the file are want. */
static void expect_prefix(ccsp_vsm_session *s, const uint8_t *name, size_t namelen, const char *want, size_t len)
{
	uint8_t got[64];
	size_t n = len;
	assert_true(len <= sizeof got);
	assert_ok(ccsp_vsm_file_read(s, name, namelen, 0, got, &n));
	assert_int_equal(n, len);
	assert_memory_equal(got, want, len);
}

static int contains(const char *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle);
	for (size_t i = 0; i + m <= n; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return 1;
	return 0;
}

/* ---- services ---- */

static void test_create_read_write_delete(void **state)
{
	fx *f = *state;
	uint8_t buf[200], zero[100] = {0};
	size_t n;

	assert_ok(ccsp_vsm_file_create(f->s, NAME("cert.pem"), 100));
	expect_content(f->s, NAME("cert.pem"), zero, 100); /* a new file is size zero bytes */
	assert_ok(ccsp_vsm_file_write(f->s, NAME("cert.pem"), 10, (const uint8_t *)"hello", 5));
	n = 5;
	assert_ok(ccsp_vsm_file_read(f->s, NAME("cert.pem"), 10, buf, &n));
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "hello", 5);
	n = 20;
	assert_ok(ccsp_vsm_file_read(f->s, NAME("cert.pem"), 8, buf, &n));
	assert_int_equal(n, 20);
	assert_memory_equal(buf, "\0\0hello\0", 8);
	/* the end: a short read, then nothing, then beyond */
	n = 10;
	assert_ok(ccsp_vsm_file_read(f->s, NAME("cert.pem"), 95, buf, &n));
	assert_int_equal(n, 5);
	n = 10;
	assert_ok(ccsp_vsm_file_read(f->s, NAME("cert.pem"), 100, buf, &n));
	assert_int_equal(n, 0);
	n = 1;
	assert_ccsp(CCSP_ERR_FILE_OFFSET, ccsp_vsm_file_read(f->s, NAME("cert.pem"), 101, buf, &n));
	/* writes must fit inside the file */
	assert_ok(ccsp_vsm_file_write(f->s, NAME("cert.pem"), 95, (const uint8_t *)"world", 5));
	assert_ccsp(CCSP_ERR_FILE_OFFSET, ccsp_vsm_file_write(f->s, NAME("cert.pem"), 96, (const uint8_t *)"world", 5));
	assert_ccsp(CCSP_ERR_FILE_OFFSET, ccsp_vsm_file_write(f->s, NAME("cert.pem"), 101, buf, 0));
	assert_ccsp(CCSP_ERR_FILE_OFFSET, ccsp_vsm_file_write(f->s, NAME("cert.pem"), UINT32_MAX, buf, 5));
	assert_ok(ccsp_vsm_file_write(f->s, NAME("cert.pem"), 100, buf, 0));
	n = 5;
	assert_ok(ccsp_vsm_file_read(f->s, NAME("cert.pem"), 95, buf, &n));
	assert_memory_equal(buf, "world", 5);

	assert_ccsp(CCSP_ERR_FILE_EXISTS, ccsp_vsm_file_create(f->s, NAME("cert.pem"), 10));
	assert_ok(ccsp_vsm_file_delete(f->s, NAME("cert.pem")));
	n = 1;
	assert_ccsp(CCSP_ERR_FILE_NOT_FOUND, ccsp_vsm_file_read(f->s, NAME("cert.pem"), 0, buf, &n));
	assert_ccsp(CCSP_ERR_FILE_NOT_FOUND, ccsp_vsm_file_write(f->s, NAME("cert.pem"), 0, buf, 1));
	assert_ccsp(CCSP_ERR_FILE_NOT_FOUND, ccsp_vsm_file_delete(f->s, NAME("cert.pem")));
	assert_int_equal(list_files(f, NULL, NULL, 0), 0);
	/* created again: a new file, zeros */
	assert_ok(ccsp_vsm_file_create(f->s, NAME("cert.pem"), 100));
	expect_content(f->s, NAME("cert.pem"), zero, 100);

	/* an empty file */
	assert_ok(ccsp_vsm_file_create(f->s, NAME("empty"), 0));
	n = 10;
	assert_ok(ccsp_vsm_file_read(f->s, NAME("empty"), 0, buf, &n));
	assert_int_equal(n, 0);
	assert_ok(ccsp_vsm_file_write(f->s, NAME("empty"), 0, NULL, 0));
	assert_ok(ccsp_vsm_file_delete(f->s, NAME("empty")));

	assert_true(audit_has(f, "file.create"));
	assert_true(audit_has(f, "file.delete"));
	assert_int_equal(ccsp_vsm_get_state(f->vsm), CCSP_VSM_STATE_OPERATIONAL);
}

static void test_arguments_and_binary_names(void **state)
{
	fx *f = *state;
	uint8_t name[CCSP_VSM_FILE_NAME_MAX + 1], buf[8];
	size_t n = 1;
	memset(name, 'n', sizeof name);

	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_file_create(f->s, NULL, 1, 10));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_file_create(f->s, name, 0, 10));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_file_create(f->s, name, CCSP_VSM_FILE_NAME_MAX + 1, 10));
	assert_ok(ccsp_vsm_file_create(f->s, name, CCSP_VSM_FILE_NAME_MAX, 10));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_file_read(f->s, name, CCSP_VSM_FILE_NAME_MAX, 0, NULL, &n));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_file_read(f->s, name, CCSP_VSM_FILE_NAME_MAX, 0, buf, NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_file_write(f->s, name, CCSP_VSM_FILE_NAME_MAX, 0, NULL, 1));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_file_delete(f->s, name, CCSP_VSM_FILE_NAME_MAX + 1));
	assert_ccsp(CCSP_ERR_FILE_NOT_FOUND, ccsp_vsm_file_delete(f->s, name, CCSP_VSM_FILE_NAME_MAX - 1));
	assert_ok(ccsp_vsm_file_delete(f->s, name, CCSP_VSM_FILE_NAME_MAX));

	/* any byte string is a name; names that differ in one byte or in length are different files */
	static const uint8_t b1[] = {0x00}, b2[] = {0x00, 0x00}, b3[] = {0xff, 0x00, '/', '.', '.'};
	assert_ok(ccsp_vsm_file_create(f->s, b1, sizeof b1, 1));
	assert_ok(ccsp_vsm_file_create(f->s, b2, sizeof b2, 2));
	assert_ok(ccsp_vsm_file_create(f->s, b3, sizeof b3, 3));
	assert_ok(ccsp_vsm_file_create(f->s, NAME("a"), 4));
	assert_ok(ccsp_vsm_file_create(f->s, NAME("a\0"), 5));
	assert_ok(ccsp_vsm_file_write(f->s, b3, sizeof b3, 0, (const uint8_t *)"xyz", 3));
	expect_content(f->s, b3, sizeof b3, (const uint8_t *)"xyz", 3);
	n = 8;
	assert_ok(ccsp_vsm_file_read(f->s, b2, sizeof b2, 0, buf, &n));
	assert_int_equal(n, 2);
	n = 8;
	assert_ok(ccsp_vsm_file_read(f->s, NAME("a\0"), 0, buf, &n));
	assert_int_equal(n, 5);

	/* on disk: 64 hex digits per file (no name, not even its length), mode 0600, FILE_OVERHEAD + size bytes,
	 * and the content encrypted */
	char seen[8][256], path[512];
	assert_int_equal(list_files(f, NULL, NULL, 0), 5);
	DIR *d = opendir(f->files);
	struct dirent *de;
	size_t i = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		assert_int_equal(strlen(de->d_name), 64);
		assert_int_equal(strspn(de->d_name, "0123456789abcdef"), 64);
		assert_true(i < 8);
		snprintf(seen[i++], sizeof seen[0], "%s", de->d_name);
		snprintf(path, sizeof path, "%s/%s", f->files, de->d_name);
		struct stat st;
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		assert_true(st.st_size >= OVERHEAD + 1 && st.st_size <= OVERHEAD + 5);
		FILE *fp = fopen(path, "rb");
		char content[OVERHEAD + 8] = {0};
		size_t got = fread(content, 1, sizeof content, fp);
		fclose(fp);
		assert_int_equal(got, (size_t)st.st_size);
		assert_memory_equal(content, "CCSPFL01", 8);
		assert_false(contains(content, got, "xyz"));
	}
	closedir(d);
	struct stat st;
	assert_int_equal(stat(f->files, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* the audit log has the first 8 hex digits of a hashed name, never the name */
	char h[9];
	memcpy(h, seen[0], 8);
	h[8] = '\0';
	assert_true(audit_has(f, h));
	assert_false(audit_has(f, "cert.pem"));
}

static void test_quotas(void **state)
{
	fx *f = *state;
	ccsp_vsm_limits lim;
	ccsp_vsm_limits_default(&lim);
	assert_int_equal(lim.max_files, 256);
	assert_int_equal(lim.max_file_size, 1u << 20);
	assert_int_equal(lim.file_quota, 16u << 20);
	lim.max_files = 3;
	lim.max_file_size = 1000;
	lim.file_quota = 2000;
	fx_reopen(f, &lim);

	assert_ccsp(CCSP_ERR_LIMIT, ccsp_vsm_file_create(f->s, NAME("big"), 1001));
	assert_ccsp(CCSP_ERR_LIMIT, ccsp_vsm_file_create(f->s, NAME("big"), UINT32_MAX));
	assert_ok(ccsp_vsm_file_create(f->s, NAME("f1"), 1000));
	assert_ok(ccsp_vsm_file_create(f->s, NAME("f2"), 1000));
	assert_ccsp(CCSP_ERR_LIMIT, ccsp_vsm_file_create(f->s, NAME("f3"), 1)); /* total: 2001 > 2000 */
	assert_ok(ccsp_vsm_file_create(f->s, NAME("f3"), 0));
	assert_ccsp(CCSP_ERR_LIMIT, ccsp_vsm_file_create(f->s, NAME("f4"), 0)); /* count: 4 > 3 */
	assert_ccsp(CCSP_ERR_FILE_EXISTS, ccsp_vsm_file_create(f->s, NAME("f1"), 1));
	assert_int_equal(list_files(f, NULL, NULL, 0), 3);

	/* the index is rebuilt from the directory: the same accounting after a reopen */
	fx_reopen(f, &lim);
	assert_ccsp(CCSP_ERR_LIMIT, ccsp_vsm_file_create(f->s, NAME("f4"), 0));
	assert_ccsp(CCSP_ERR_FILE_EXISTS, ccsp_vsm_file_create(f->s, NAME("f3"), 0));
	assert_ok(ccsp_vsm_file_delete(f->s, NAME("f3")));
	assert_ccsp(CCSP_ERR_LIMIT, ccsp_vsm_file_create(f->s, NAME("f4"), 1));
	assert_ok(ccsp_vsm_file_delete(f->s, NAME("f2")));
	assert_ok(ccsp_vsm_file_create(f->s, NAME("f4"), 600));
	assert_ok(ccsp_vsm_file_create(f->s, NAME("f5"), 400));
	assert_ccsp(CCSP_ERR_LIMIT, ccsp_vsm_file_create(f->s, NAME("f6"), 0));
	fx_reopen(f, &lim);
	assert_ok(ccsp_vsm_file_delete(f->s, NAME("f5")));
	assert_ccsp(CCSP_ERR_LIMIT, ccsp_vsm_file_create(f->s, NAME("f6"), 401));
	assert_ok(ccsp_vsm_file_create(f->s, NAME("f6"), 400));
}

static void test_persistence(void **state)
{
	fx *f = *state;
	uint8_t data[4096];
	static const uint8_t bin[] = {0x01, 0x00, 0xfe};
	test_rand(data, sizeof data);
	assert_ok(ccsp_vsm_file_create(f->s, NAME("keep"), sizeof data));
	assert_ok(ccsp_vsm_file_write(f->s, NAME("keep"), 0, data, sizeof data));
	assert_ok(ccsp_vsm_file_create(f->s, bin, sizeof bin, 3));
	assert_ok(ccsp_vsm_file_write(f->s, bin, sizeof bin, 0, (const uint8_t *)"abc", 3));
	fx_reopen(f, NULL);
	expect_content(f->s, NAME("keep"), data, sizeof data);
	expect_content(f->s, bin, sizeof bin, (const uint8_t *)"abc", 3);
	/* a temporary of a crashed write is removed at open; foreign entries are left alone and not indexed */
	char tmp[200], junk[200];
	snprintf(tmp, sizeof tmp, "%s/%064d.tmp-ABCDEF", f->files, 0);
	snprintf(junk, sizeof junk, "%s/README", f->files);
	FILE *fp = fopen(tmp, "w");
	fputs("partial", fp);
	fclose(fp);
	fp = fopen(junk, "w");
	fputs("junk", fp);
	fclose(fp);
	fx_reopen(f, NULL);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(access(junk, F_OK), 0);
	expect_content(f->s, NAME("keep"), data, sizeof data);
	/* under another storage key (the audit log moved aside: it would refuse that key first) the names hash
	 * differently and nothing is found, nothing is read wrongly */
	char audit[128], aside[140];
	uint8_t other[CCSP_VSM_STORAGE_KEY_SIZE], buf[8];
	size_t n = sizeof buf;
	uint64_t id;
	ccsp_vsm *v;
	ccsp_vsm_session *s;
	memcpy(other, SK, sizeof other);
	other[0] ^= 1;
	fx_close(f);
	snprintf(audit, sizeof audit, "%s/audit.log", f->dir);
	snprintf(aside, sizeof aside, "%s.aside", audit);
	assert_int_equal(rename(audit, aside), 0);
	assert_ok(ccsp_vsm_open(f->dir, other, NULL, &v));
	assert_ok(ccsp_vsm_session_open(v, OWNER, &id));
	assert_ok(ccsp_vsm_session_acquire(v, OWNER, id, &s));
	assert_ccsp(CCSP_ERR_FILE_NOT_FOUND, ccsp_vsm_file_read(s, NAME("keep"), 0, buf, &n));
	ccsp_vsm_session_release(s);
	ccsp_vsm_free(v);
	assert_int_equal(rename(aside, audit), 0);
	fx_open(f, NULL);
	expect_content(f->s, NAME("keep"), data, sizeof data);
}

/* Flip a byte of one stored file: that file is refused (read and write), the other is fine, the module stays
 * operational, the event is audited; the bad file can be deleted and its name created again. */
static void test_tamper(void **state)
{
	fx *f = *state;
	char known[8][256], pa[512], pb[512];
	uint8_t buf[64];
	size_t n;
	assert_ok(ccsp_vsm_file_create(f->s, NAME("A"), 64));
	newest(f, known, 0, pa);
	assert_ok(ccsp_vsm_file_create(f->s, NAME("B"), 64));
	newest(f, known, 1, pb);
	assert_ok(ccsp_vsm_file_write(f->s, NAME("B"), 0, (const uint8_t *)"bbbb", 4));
	assert_int_equal(file_size(pa), OVERHEAD + 64);

	for (long at = 0; at < OVERHEAD + 64; at += 37) { /* magic, iv, name, size, content, tag */
		flip_byte(pa, at);
		n = sizeof buf;
		assert_ccsp(CCSP_ERR_TAMPERED, ccsp_vsm_file_read(f->s, NAME("A"), 0, buf, &n));
		flip_byte(pa, at);
		n = sizeof buf;
		assert_ok(ccsp_vsm_file_read(f->s, NAME("A"), 0, buf, &n));
	}
	flip_byte(pa, OVERHEAD + 10);
	n = sizeof buf;
	assert_ccsp(CCSP_ERR_TAMPERED, ccsp_vsm_file_read(f->s, NAME("A"), 0, buf, &n));
	assert_ccsp(CCSP_ERR_TAMPERED, ccsp_vsm_file_write(f->s, NAME("A"), 0, (const uint8_t *)"x", 1));
	assert_ccsp(CCSP_ERR_FILE_EXISTS, ccsp_vsm_file_create(f->s, NAME("A"), 64));
	expect_prefix(f->s, NAME("B"), "bbbb", 4);
	assert_int_equal(ccsp_vsm_get_state(f->vsm), CCSP_VSM_STATE_OPERATIONAL);
	assert_true(audit_has(f, "file.tampered"));

	/* still refused after a reopen, which succeeds */
	fx_reopen(f, NULL);
	n = sizeof buf;
	assert_ccsp(CCSP_ERR_TAMPERED, ccsp_vsm_file_read(f->s, NAME("A"), 0, buf, &n));
	/* truncated, grown, removed behind the VSM's back */
	assert_ok(ccsp_vsm_file_delete(f->s, NAME("A")));
	assert_ok(ccsp_vsm_file_create(f->s, NAME("A"), 64));
	assert_int_equal(truncate(pa, OVERHEAD + 63), 0);
	n = sizeof buf;
	assert_ccsp(CCSP_ERR_TAMPERED, ccsp_vsm_file_read(f->s, NAME("A"), 0, buf, &n));
	assert_int_equal(truncate(pa, OVERHEAD + 65), 0);
	n = sizeof buf;
	assert_ccsp(CCSP_ERR_TAMPERED, ccsp_vsm_file_read(f->s, NAME("A"), 0, buf, &n));
	assert_int_equal(unlink(pa), 0);
	n = sizeof buf;
	assert_ccsp(CCSP_ERR_TAMPERED, ccsp_vsm_file_read(f->s, NAME("A"), 0, buf, &n));
	assert_ok(ccsp_vsm_file_delete(f->s, NAME("A")));
	/* a file of impossible length at open: indexed, refused, deletable */
	assert_ok(ccsp_vsm_file_create(f->s, NAME("A"), 64));
	assert_int_equal(truncate(pa, 10), 0);
	fx_reopen(f, NULL);
	n = sizeof buf;
	assert_ccsp(CCSP_ERR_TAMPERED, ccsp_vsm_file_read(f->s, NAME("A"), 0, buf, &n));
	assert_ok(ccsp_vsm_file_delete(f->s, NAME("A")));
	expect_prefix(f->s, NAME("B"), "bbbb", 4);
}

/* Two stored files of the same size exchanged, or one copied over the other: both refused. */
static void test_swap(void **state)
{
	fx *f = *state;
	char known[8][256], pa[512], pb[512], pt[520];
	uint8_t buf[32];
	size_t n;
	assert_ok(ccsp_vsm_file_create(f->s, NAME("alpha"), 32));
	newest(f, known, 0, pa);
	assert_ok(ccsp_vsm_file_create(f->s, NAME("bravo"), 32));
	newest(f, known, 1, pb);
	assert_ok(ccsp_vsm_file_write(f->s, NAME("alpha"), 0, (const uint8_t *)"AAAA", 4));
	assert_ok(ccsp_vsm_file_write(f->s, NAME("bravo"), 0, (const uint8_t *)"BBBB", 4));
	snprintf(pt, sizeof pt, "%s.swap", pa);
	assert_int_equal(rename(pa, pt), 0);
	assert_int_equal(rename(pb, pa), 0);
	assert_int_equal(rename(pt, pb), 0);
	n = sizeof buf;
	assert_ccsp(CCSP_ERR_TAMPERED, ccsp_vsm_file_read(f->s, NAME("alpha"), 0, buf, &n));
	n = sizeof buf;
	assert_ccsp(CCSP_ERR_TAMPERED, ccsp_vsm_file_read(f->s, NAME("bravo"), 0, buf, &n));
	fx_reopen(f, NULL); /* the same after a reopen */
	n = sizeof buf;
	assert_ccsp(CCSP_ERR_TAMPERED, ccsp_vsm_file_read(f->s, NAME("alpha"), 0, buf, &n));
	/* swapped back: fine again */
	assert_int_equal(rename(pa, pt), 0);
	assert_int_equal(rename(pb, pa), 0);
	assert_int_equal(rename(pt, pb), 0);
	expect_prefix(f->s, NAME("alpha"), "AAAA", 4);
	/* a copy of bravo's file as alpha's */
	uint8_t copy[OVERHEAD + 32];
	FILE *fp = fopen(pb, "rb");
	assert_int_equal(fread(copy, 1, sizeof copy, fp), sizeof copy);
	fclose(fp);
	fp = fopen(pa, "wb");
	assert_int_equal(fwrite(copy, 1, sizeof copy, fp), sizeof copy);
	fclose(fp);
	n = sizeof buf;
	assert_ccsp(CCSP_ERR_TAMPERED, ccsp_vsm_file_read(f->s, NAME("alpha"), 0, buf, &n));
	n = sizeof buf;
	assert_ok(ccsp_vsm_file_read(f->s, NAME("bravo"), 0, buf, &n));
	assert_memory_equal(buf, "BBBB", 4);
}

static void test_reset_wipes(void **state)
{
	fx *f = *state;
	uint8_t buf[4];
	size_t n = sizeof buf;
	uint64_t id;
	assert_ok(ccsp_vsm_file_create(f->s, NAME("one"), 10));
	assert_ok(ccsp_vsm_file_create(f->s, NAME("two"), 20));
	ccsp_vsm_session_release(f->s);
	f->s = NULL;
	assert_ok(ccsp_vsm_reset(f->vsm));
	assert_int_equal(list_files(f, NULL, NULL, 0), 0);
	assert_ok(ccsp_vsm_session_open(f->vsm, OWNER, &id));
	assert_ok(ccsp_vsm_session_acquire(f->vsm, OWNER, id, &f->s));
	assert_ccsp(CCSP_ERR_FILE_NOT_FOUND, ccsp_vsm_file_read(f->s, NAME("one"), 0, buf, &n));
	assert_ok(ccsp_vsm_file_create(f->s, NAME("one"), 10));
	fx_reopen(f, NULL);
	assert_ccsp(CCSP_ERR_FILE_NOT_FOUND, ccsp_vsm_file_delete(f->s, NAME("two")));
	assert_ok(ccsp_vsm_file_delete(f->s, NAME("one")));
}

/* ---- concurrency: one session per thread, a file each plus a shared one ---- */

typedef struct worker {
	ccsp_vsm *vsm;
	int n;
	int ok;
} worker;

static void *work(void *arg)
{
	worker *w = arg;
	ccsp_vsm_session *s = NULL;
	uint64_t id;
	uint8_t name[8] = "worker", data[512], got[512];
	size_t len;
	name[6] = (uint8_t)('0' + w->n);
	w->ok = ccsp_vsm_session_open(w->vsm, 100 + (uint64_t)w->n, &id) == CCSP_OK &&
	        ccsp_vsm_session_acquire(w->vsm, 100 + (uint64_t)w->n, id, &s) == CCSP_OK &&
	        ccsp_vsm_file_create(s, name, 7, sizeof data) == CCSP_OK;
	for (int i = 0; w->ok && i < 20; i++) {
		memset(data, w->n * 20 + i, sizeof data);
		len = sizeof got;
		w->ok = ccsp_vsm_file_write(s, name, 7, 0, data, sizeof data) == CCSP_OK &&
		        ccsp_vsm_file_write(s, NAME("shared"), (uint32_t)w->n * 16, data, 16) == CCSP_OK &&
		        ccsp_vsm_file_read(s, name, 7, 0, got, &len) == CCSP_OK && len == sizeof got &&
		        memcmp(got, data, sizeof got) == 0;
	}
	if (s != NULL) {
		w->ok = w->ok && ccsp_vsm_file_delete(s, name, 7) == CCSP_OK;
		ccsp_vsm_session_release(s);
	}
	return NULL;
}

static void test_threads(void **state)
{
	fx *f = *state;
	enum { N = 4 };
	pthread_t t[N];
	worker w[N];
	uint8_t got[N * 16];
	size_t len = sizeof got;
	assert_ok(ccsp_vsm_file_create(f->s, NAME("shared"), N * 16));
	for (int i = 0; i < N; i++) {
		w[i] = (worker){f->vsm, i, 0};
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < N; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_true(w[i].ok);
	}
	assert_ok(ccsp_vsm_file_read(f->s, NAME("shared"), 0, got, &len));
	for (int i = 0; i < N; i++) /* each thread's last write is there, whole */
		for (int j = 0; j < 16; j++)
			assert_int_equal(got[i * 16 + j], (uint8_t)(i * 20 + 19));
	assert_int_equal(list_files(f, NULL, NULL, 0), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_read_write_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arguments_and_binary_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quotas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_persistence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_swap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_wipes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

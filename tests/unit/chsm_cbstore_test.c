/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The persisted callback store (src/chsm/chsm_cbstore.h): add, replace, read, list (oldest first), remove; the
 * records survive closing and reopening the store; ids of any other form are refused (no path gets in); the
 * bounds on record size and count; temporaries a crash left behind are swept; concurrent writers.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chsm/chsm_cbstore.h"
#include "test_util.h"

typedef struct fixture {
	char dir[256];   /* the test's scratch directory */
	char store[300]; /* the store inside it */
	chsm_cbstore *s;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	const char *tmp = getenv("TMPDIR");
	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof f->dir, "%s/chsm_cbstore_test.XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->store, sizeof f->store, "%s/callbacks", f->dir);
	if (chsm_cbstore_open(f->store, &f->s) != CCSP_OK)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	chsm_cbstore_free(f->s);
	test_rm_tree(f->dir);
	free(f);
	return 0;
}

static size_t count(chsm_cbstore *s)
{
	size_t n = 0;
	chsm_cbstore_id *ids = calloc(CHSM_CBSTORE_MAX, sizeof *ids);
	assert_non_null(ids);
	assert_ok(chsm_cbstore_list(s, ids, CHSM_CBSTORE_MAX, &n));
	free(ids);
	return n;
}

static void assert_record(chsm_cbstore *s, const char *id, const char *text)
{
	uint8_t *rec = NULL;
	size_t len = 0;
	assert_ok(chsm_cbstore_get(s, id, &rec, &len));
	assert_int_equal(len, strlen(text));
	assert_memory_equal(rec, text, len);
	free(rec);
}

static void test_add_get_put_remove(void **state)
{
	fixture *f = *state;
	chsm_cbstore_id a, b;
	struct stat st;
	char path[400];
	assert_ok(chsm_cbstore_add(f->s, "{\"n\":1}", 7, a));
	assert_true(chsm_cbstore_id_valid(a));
	assert_ok(chsm_cbstore_add(f->s, "{\"n\":2}", 7, b));
	assert_string_not_equal(a, b);
	assert_record(f->s, a, "{\"n\":1}");
	assert_record(f->s, b, "{\"n\":2}");
	snprintf(path, sizeof path, "%s/%s.cb", f->store, a);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(stat(f->store, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);

	assert_ok(chsm_cbstore_put(f->s, a, "{\"n\":1,\"tries\":1}", 17));
	assert_record(f->s, a, "{\"n\":1,\"tries\":1}");
	assert_int_equal(count(f->s), 2);
	assert_ok(chsm_cbstore_remove(f->s, a));
	assert_ok(chsm_cbstore_remove(f->s, a)); /* absent: fine */
	assert_int_equal(count(f->s), 1);
	uint8_t *rec = (uint8_t *)"x";
	size_t len = 9;
	assert_ccsp(CCSP_ERR_FILE_NOT_FOUND, chsm_cbstore_get(f->s, a, &rec, &len));
	assert_null(rec);
	/* a record removed meanwhile is not brought back by a late update */
	assert_ccsp(CCSP_ERR_FILE_NOT_FOUND, chsm_cbstore_put(f->s, a, "{}", 2));
	assert_int_equal(count(f->s), 1);
}

static void test_list_oldest_first_and_reopen(void **state)
{
	fixture *f = *state;
	chsm_cbstore_id ids[5], got[8];
	char text[32];
	size_t n = 0;
	for (int i = 0; i < 5; i++) {
		snprintf(text, sizeof text, "{\"i\":%d}", i);
		assert_ok(chsm_cbstore_add(f->s, text, strlen(text), ids[i]));
		struct timespec ts = {0, 2 * 1000000L}; /* the ids order by millisecond */
		nanosleep(&ts, NULL);
	}
	chsm_cbstore_free(f->s);
	assert_ok(chsm_cbstore_open(f->store, &f->s)); /* what a new chsmd finds */
	assert_ok(chsm_cbstore_list(f->s, got, 8, &n));
	assert_int_equal(n, 5);
	for (int i = 0; i < 5; i++) {
		assert_string_equal(got[i], ids[i]);
		snprintf(text, sizeof text, "{\"i\":%d}", i);
		assert_record(f->s, got[i], text);
	}
	assert_ok(chsm_cbstore_list(f->s, got, 2, &n)); /* a short list: the oldest of those read */
	assert_int_equal(n, 2);
}

static void test_ids_refused(void **state)
{
	fixture *f = *state;
	static const char *const bad[] = {
		"",
		"../../../etc/passwd",
		"0000018c0b1f2a3b-0a0b0c0",    /* short */
		"0000018c0b1f2a3b-0a0b0c0d0",  /* long */
		"0000018C0B1F2A3B-0A0B0C0D",   /* upper case */
		"0000018c0b1f2a3b_0a0b0c0d",   /* separator */
		"0000018c0b1f2a3b-0a0b0c0/",   /* slash */
		"0000018c0b1f2a3g-0a0b0c0d",   /* not hex */
	};
	uint8_t *rec;
	size_t len;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_false(chsm_cbstore_id_valid(bad[i]));
		assert_ccsp(CCSP_ERR_ARG, chsm_cbstore_get(f->s, bad[i], &rec, &len));
		assert_ccsp(CCSP_ERR_ARG, chsm_cbstore_put(f->s, bad[i], "{}", 2));
		assert_ccsp(CCSP_ERR_ARG, chsm_cbstore_remove(f->s, bad[i]));
	}
	assert_true(chsm_cbstore_id_valid("0000018c0b1f2a3b-0a0b0c0d"));
	assert_false(chsm_cbstore_id_valid(NULL));
}

static void test_bounds(void **state)
{
	fixture *f = *state;
	chsm_cbstore_id id;
	char *big = calloc(1, CHSM_CBSTORE_RECORD_MAX + 1);
	assert_non_null(big);
	memset(big, 'x', CHSM_CBSTORE_RECORD_MAX + 1);
	assert_ccsp(CCSP_ERR_LIMIT, chsm_cbstore_add(f->s, big, CHSM_CBSTORE_RECORD_MAX + 1, id));
	assert_ok(chsm_cbstore_add(f->s, big, CHSM_CBSTORE_RECORD_MAX, id));
	assert_ccsp(CCSP_ERR_LIMIT, chsm_cbstore_put(f->s, id, big, CHSM_CBSTORE_RECORD_MAX + 1));
	assert_ccsp(CCSP_ERR_ARG, chsm_cbstore_add(f->s, big, 0, id));

	/* a record file grown beyond the bound (not written by the store) is refused, never half-read */
	char path[400];
	snprintf(path, sizeof path, "%s/%s.cb", f->store, id);
	FILE *fp = fopen(path, "ab");
	assert_non_null(fp);
	fputc('y', fp);
	fclose(fp);
	uint8_t *rec;
	size_t len;
	assert_ccsp(CCSP_ERR_LIMIT, chsm_cbstore_get(f->s, id, &rec, &len));
	free(big);

	/* a full store refuses new records */
	for (size_t i = count(f->s); i < CHSM_CBSTORE_MAX; i++) {
		snprintf(path, sizeof path, "%s/%016zx-00000000.cb", f->store, i);
		fp = fopen(path, "wb");
		assert_non_null(fp);
		fputs("{}", fp);
		fclose(fp);
	}
	assert_ccsp(CCSP_ERR_LIMIT, chsm_cbstore_add(f->s, "{}", 2, id));
}

static void test_sweep_and_foreign_files(void **state)
{
	fixture *f = *state;
	char path[400];
	chsm_cbstore_id id, ids[4];
	size_t n;
	assert_ok(chsm_cbstore_add(f->s, "{}", 2, id));
	snprintf(path, sizeof path, "%s/%s.cb.tmp-AbC123", f->store, id); /* a write a crash interrupted */
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	fclose(fp);
	snprintf(path, sizeof path, "%s/README", f->store); /* not a record: ignored, kept */
	fp = fopen(path, "wb");
	assert_non_null(fp);
	fclose(fp);
	chsm_cbstore_free(f->s);
	assert_ok(chsm_cbstore_open(f->store, &f->s));
	assert_ok(chsm_cbstore_list(f->s, ids, 4, &n));
	assert_int_equal(n, 1);
	assert_string_equal(ids[0], id);
	snprintf(path, sizeof path, "%s/%s.cb.tmp-AbC123", f->store, id);
	assert_int_not_equal(access(path, F_OK), 0);
	snprintf(path, sizeof path, "%s/README", f->store);
	assert_int_equal(access(path, F_OK), 0);

	chsm_cbstore *s = NULL;
	assert_ccsp(CCSP_ERR_IO, chsm_cbstore_open(path, &s)); /* a file, not a directory */
	assert_null(s);
	assert_ccsp(CCSP_ERR_ARG, chsm_cbstore_open("", &s));
}

typedef struct writer {
	chsm_cbstore *s;
	int failures;
} writer;

static void *write_some(void *arg)
{
	writer *w = arg;
	for (int i = 0; i < 50; i++) {
		chsm_cbstore_id id;
		if (chsm_cbstore_add(w->s, "{\"w\":1}", 7, id) != CCSP_OK || chsm_cbstore_put(w->s, id, "{\"w\":2}", 7) != CCSP_OK)
			w->failures++;
		if (i % 2 == 0 && chsm_cbstore_remove(w->s, id) != CCSP_OK)
			w->failures++;
	}
	return NULL;
}

static void test_concurrent_writers(void **state)
{
	fixture *f = *state;
	pthread_t t[4];
	writer w[4];
	for (int i = 0; i < 4; i++) {
		w[i] = (writer){.s = f->s};
		assert_int_equal(pthread_create(&t[i], NULL, write_some, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
	assert_int_equal(count(f->s), 4 * 25);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_add_get_put_remove), T(test_list_oldest_first_and_reopen), T(test_ids_refused),
		T(test_bounds),             T(test_sweep_and_foreign_files),      T(test_concurrent_writers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Metering (src/platform/metering.c): counts per (tenant, hour, app, key, action) with errors and bytes; a flush
 * hands every row over once and empties the table; a failed flush merges its rows back (nothing lost, nothing
 * doubled, also with calls counted meanwhile); the bound (overflow rows with key "", then counted as dropped, never
 * silently); exact totals when threads record while another flushes, failing every other time; a flush into a real
 * SQLite store adds up with the rows already there.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform/metering.h"
#include "platform/store/store_usage.h"
#include "test_util.h"

#define T0 1760000000000LL /* some instant */
#define HOUR0 (T0 - T0 % CCSP_STORE_HOUR_MS)
#define TA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define TB "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define APP "11111111111111111111111111111111"
#define KEY "22222222222222222222222222222222"

/* A sink that keeps every row written (summed by row) and fails while told to. */
typedef struct sink {
	pthread_mutex_t mu;
	ccsp_store_usage rows[4096];
	size_t n, calls_written, writes;
	int fail; /* 1: fail every write; 2: fail every other write */
} sink;

static ccsp_err sink_write(void *arg, const ccsp_store_usage *rows, size_t n)
{
	sink *s = arg;
	pthread_mutex_lock(&s->mu);
	s->writes++;
	if (s->fail == 1 || (s->fail == 2 && s->writes % 2 == 0)) {
		pthread_mutex_unlock(&s->mu);
		return CCSP_ERR_COMM;
	}
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;
		while (j < s->n && !(rows[i].hour == s->rows[j].hour && !strcmp(rows[i].tenant_id, s->rows[j].tenant_id) &&
		                     !strcmp(rows[i].app_id, s->rows[j].app_id) && !strcmp(rows[i].key_id, s->rows[j].key_id) &&
		                     !strcmp(rows[i].action, s->rows[j].action)))
			j++;
		if (j == s->n) {
			assert_true(s->n < 4096);
			s->rows[s->n] = rows[i];
			s->rows[s->n].calls = s->rows[s->n].errors = s->rows[s->n].bytes = 0;
			s->n++;
		}
		s->rows[j].calls += rows[i].calls;
		s->rows[j].errors += rows[i].errors;
		s->rows[j].bytes += rows[i].bytes;
		s->calls_written += (size_t)rows[i].calls;
	}
	pthread_mutex_unlock(&s->mu);
	return CCSP_OK;
}

static sink *sink_new(void)
{
	sink *s = calloc(1, sizeof *s);
	assert_non_null(s);
	pthread_mutex_init(&s->mu, NULL);
	return s;
}

static void sink_free(sink *s)
{
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static const ccsp_store_usage *sink_find(const sink *s, const char *tenant, int64_t hour, const char *app,
                                         const char *key, const char *action)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->rows[i].hour == hour && !strcmp(s->rows[i].tenant_id, tenant) && !strcmp(s->rows[i].app_id, app) &&
		    !strcmp(s->rows[i].key_id, key) && !strcmp(s->rows[i].action, action))
			return &s->rows[i];
	return NULL;
}

static ccsp_metering *mk(size_t rows)
{
	ccsp_metering *m = NULL;
	assert_ok(ccsp_metering_new(rows, &m));
	return m;
}

static void test_counts(void **state)
{
	(void)state;
	ccsp_metering *m = mk(64);
	sink *s = sink_new();
	size_t rows = 99;
	assert_ok(ccsp_metering_flush_with(m, sink_write, s, &rows)); /* nothing: no write at all */
	assert_int_equal(rows, 0);
	assert_int_equal(s->writes, 0);
	ccsp_metering_record(m, T0, TA, APP, KEY, "crypto/encrypt", 1, 100);
	ccsp_metering_record(m, T0 + 1000, TA, APP, KEY, "crypto/encrypt", 0, 50);
	ccsp_metering_record(m, T0, TA, APP, NULL, "crypto/hash", 1, 7);
	ccsp_metering_record(m, T0, TA, "", "", "crypto/hash", 1, 3); /* no app */
	ccsp_metering_record(m, T0 + CCSP_STORE_HOUR_MS, TA, APP, KEY, "crypto/encrypt", 1, 1); /* the next hour */
	ccsp_metering_record(m, T0, TB, APP, KEY, "crypto/encrypt", 1, 9);
	ccsp_metering_record(m, T0, "", APP, KEY, "crypto/encrypt", 1, 9);   /* no tenant: not counted */
	ccsp_metering_record(m, T0, TA, APP, KEY, "", 1, 9);                 /* no action: not counted */
	ccsp_metering_record(m, T0, "a b", APP, KEY, "crypto/hash", 1, 9);  /* malformed: not counted */
	ccsp_metering_record(m, T0, TA, APP "x", KEY, "crypto/hash", 1, 1); /* an app over 32 bytes counts as "" */
	assert_int_equal(ccsp_metering_pending(m), 6);
	assert_ok(ccsp_metering_flush_with(m, sink_write, s, &rows));
	assert_int_equal(rows, 6);
	assert_int_equal(ccsp_metering_pending(m), 0);
	const ccsp_store_usage *u = sink_find(s, TA, HOUR0, APP, KEY, "crypto/encrypt");
	assert_non_null(u);
	assert_int_equal(u->calls, 2);
	assert_int_equal(u->errors, 1);
	assert_int_equal(u->bytes, 150);
	assert_non_null(u = sink_find(s, TA, HOUR0, APP, "", "crypto/hash"));
	assert_int_equal(u->calls, 1);
	assert_non_null(u = sink_find(s, TA, HOUR0, "", "", "crypto/hash"));
	assert_int_equal(u->calls, 1);
	assert_int_equal(u->bytes, 3);
	assert_non_null(u = sink_find(s, TA, HOUR0, "", KEY, "crypto/hash")); /* the over-long app */
	assert_int_equal(u->calls, 1);
	assert_non_null(u = sink_find(s, TA, HOUR0 + CCSP_STORE_HOUR_MS, APP, KEY, "crypto/encrypt"));
	assert_int_equal(u->calls, 1);
	assert_non_null(u = sink_find(s, TB, HOUR0, APP, KEY, "crypto/encrypt"));
	assert_int_equal(u->bytes, 9);
	assert_int_equal(s->calls_written, 7);
	assert_ok(ccsp_metering_flush_with(m, sink_write, s, &rows)); /* flushed once: nothing again */
	assert_int_equal(rows, 0);
	assert_int_equal(s->calls_written, 7);
	assert_int_equal(ccsp_metering_dropped(m), 0);
	sink_free(s);
	ccsp_metering_free(m);
	assert_ccsp(CCSP_ERR_ARG, ccsp_metering_new(15, &m));
	assert_null(m);
	ccsp_metering_free(NULL);
}

static void test_failed_flush(void **state)
{
	(void)state;
	ccsp_metering *m = mk(64);
	sink *s = sink_new();
	size_t rows = 0;
	for (int i = 0; i < 5; i++)
		ccsp_metering_record(m, T0, TA, APP, KEY, "crypto/encrypt", i != 0, 10);
	ccsp_metering_record(m, T0, TB, "", "", "kms/key-list", 1, 2);
	s->fail = 1;
	assert_ccsp(CCSP_ERR_COMM, ccsp_metering_flush_with(m, sink_write, s, &rows));
	assert_int_equal(rows, 0);
	assert_int_equal(ccsp_metering_pending(m), 2); /* merged back */
	ccsp_metering_record(m, T0, TA, APP, KEY, "crypto/encrypt", 1, 10); /* counted meanwhile: added to them */
	assert_ccsp(CCSP_ERR_COMM, ccsp_metering_flush_with(m, sink_write, s, &rows)); /* and again */
	assert_int_equal(s->calls_written, 0);
	s->fail = 0;
	assert_ok(ccsp_metering_flush_with(m, sink_write, s, &rows));
	assert_int_equal(rows, 2);
	const ccsp_store_usage *u = sink_find(s, TA, HOUR0, APP, KEY, "crypto/encrypt");
	assert_non_null(u);
	assert_int_equal(u->calls, 6); /* not lost, not doubled */
	assert_int_equal(u->errors, 1);
	assert_int_equal(u->bytes, 60);
	assert_non_null(u = sink_find(s, TB, HOUR0, "", "", "kms/key-list"));
	assert_int_equal(u->calls, 1);
	assert_int_equal(s->calls_written, 7);
	assert_int_equal(ccsp_metering_pending(m), 0);
	sink_free(s);
	ccsp_metering_free(m);
}

static void test_bound(void **state)
{
	(void)state;
	ccsp_metering *m = mk(16); /* 16 rows and a reserve of 4 overflow rows */
	sink *s = sink_new();
	char key[40];
	int filling = 0;
	for (int i = 0; i < 40; i++) { /* 40 keys of one app and action: 16 rows, then one overflow row */
		snprintf(key, sizeof key, "%032d", i);
		filling |= ccsp_metering_record(m, T0, TA, APP, key, "crypto/encrypt", 1, 1);
	}
	assert_true(filling); /* told to flush early */
	assert_int_equal(ccsp_metering_pending(m), 17);
	for (int i = 0; i < 10; i++) { /* overflow rows of other actions: 3 more fit the reserve */
		char action[32];
		snprintf(action, sizeof action, "act/%d", i);
		ccsp_metering_record(m, T0, TA, APP, KEY, action, 1, 1);
	}
	assert_int_equal(ccsp_metering_pending(m), 20);
	assert_int_equal(ccsp_metering_dropped(m), 7); /* counted as dropped, not silently lost */
	ccsp_metering_record(m, T0, TA, APP, "00000000000000000000000000000003", "crypto/encrypt", 1, 1); /* its row */
	ccsp_metering_record(m, T0, TA, APP, KEY, "crypto/encrypt", 1, 1); /* its overflow row exists */
	assert_ok(ccsp_metering_flush_with(m, sink_write, s, NULL));
	const ccsp_store_usage *u = sink_find(s, TA, HOUR0, APP, "", "crypto/encrypt");
	assert_non_null(u);
	assert_int_equal(u->calls, 40 - 16 + 1);
	assert_non_null(u = sink_find(s, TA, HOUR0, APP, "00000000000000000000000000000003", "crypto/encrypt"));
	assert_int_equal(u->calls, 2);
	assert_int_equal(s->calls_written, 40 + 3 + 2);
	/* after the flush the table has room again */
	ccsp_metering_record(m, T0, TA, APP, "00000000000000000000000000000039", "crypto/encrypt", 1, 1);
	assert_int_equal(ccsp_metering_pending(m), 1);
	sink_free(s);
	ccsp_metering_free(m);
}

/* ---- concurrency: 4 threads record while the main thread flushes, every other flush failing ---- */

#define THREADS 4
#define PER_THREAD 20000

typedef struct worker {
	ccsp_metering *m;
	int id;
} worker;

static void *record_many(void *arg)
{
	worker *w = arg;
	char key[40];
	for (int i = 0; i < PER_THREAD; i++) {
		snprintf(key, sizeof key, "%032d", i % 50);
		ccsp_metering_record(w->m, T0 + i, i % 2 ? TA : TB, APP, key, w->id % 2 ? "crypto/hash" : "crypto/random",
		                     i % 10 != 0, 3);
	}
	return NULL;
}

static void test_concurrent(void **state)
{
	(void)state;
	ccsp_metering *m = mk(1024);
	sink *s = sink_new();
	pthread_t th[THREADS];
	worker w[THREADS];
	s->fail = 2;
	for (int i = 0; i < THREADS; i++) {
		w[i] = (worker){.m = m, .id = i};
		assert_int_equal(pthread_create(&th[i], NULL, record_many, &w[i]), 0);
	}
	for (int i = 0; i < 200; i++) {
		ccsp_err e = ccsp_metering_flush_with(m, sink_write, s, NULL);
		assert_true(e == CCSP_OK || e == CCSP_ERR_COMM);
		usleep(100);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	s->fail = 0;
	assert_ok(ccsp_metering_flush_with(m, sink_write, s, NULL));
	assert_int_equal(ccsp_metering_dropped(m), 0);
	assert_int_equal(s->calls_written, THREADS * PER_THREAD);
	int64_t errors = 0, bytes = 0;
	for (size_t i = 0; i < s->n; i++) {
		errors += s->rows[i].errors;
		bytes += s->rows[i].bytes;
	}
	assert_int_equal(errors, THREADS * PER_THREAD / 10);
	assert_int_equal(bytes, 3LL * THREADS * PER_THREAD);
	assert_int_equal(s->n, 50 * 2); /* keys (each of one tenant) x actions, one hour */
	sink_free(s);
	ccsp_metering_free(m);
}

/* ---- into a real store: the upsert adds to what is there ---- */

static void test_store_flush(void **state)
{
	(void)state;
	char dir[] = "/tmp/metering_test.XXXXXX", url[128], path[96], err[256];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/ccsp.db", dir);
	snprintf(url, sizeof url, "sqlite:%s", path);
	ccsp_store *st = NULL;
	assert_ok(ccsp_store_open(url, NULL, &st, err, sizeof err));
	ccsp_metering *m = mk(64);
	size_t rows = 0, n = 0;
	int more = 1;
	for (int round = 0; round < 2; round++) {
		ccsp_metering_record(m, T0, TA, APP, KEY, "crypto/encrypt", round == 0, 40);
		ccsp_metering_record(m, T0, TA, APP, "", "crypto/hash", 1, 2);
		assert_ok(ccsp_metering_flush(m, st, &rows));
		assert_int_equal(rows, 2);
	}
	ccsp_store_usage out[4];
	ccsp_store_usage_query q = {.tenant = TA, .from = HOUR0, .to = HOUR0 + CCSP_STORE_HOUR_MS,
	                            .group = CCSP_STORE_USAGE_BY_ACTION};
	ccsp_store_tx *tx = NULL;
	assert_ok(ccsp_store_begin_ro(st, &tx));
	assert_ok(ccsp_store_usage_query_run(tx, &q, 4, out, &n, &more));
	ccsp_store_rollback(tx);
	assert_int_equal(n, 2);
	assert_false(more);
	assert_string_equal(out[0].action, "crypto/encrypt");
	assert_int_equal(out[0].calls, 2);
	assert_int_equal(out[0].errors, 1);
	assert_int_equal(out[0].bytes, 80);
	assert_string_equal(out[1].action, "crypto/hash");
	assert_int_equal(out[1].calls, 2);
	ccsp_metering_free(m);
	ccsp_store_free(st);
	static const char *const suffix[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/ccsp.db%s", dir, suffix[i]);
		unlink(path);
	}
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_failed_flush),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_store_flush),
	};
	return cmocka_run_group_tests_name("metering", tests, NULL, NULL);
}

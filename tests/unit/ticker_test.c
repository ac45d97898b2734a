/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The periodic thread of src/common/ticker.h: a kick runs the function at once however long the interval, stop
 * returns while the thread waits out a long interval, and the argument checks. The waits are bounded polls for an
 * event, never a measure of speed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <time.h>

#include <cmocka.h>

#include "common/ticker.h"

#define HOUR_MS 3600000u

static _Atomic int calls;

static void count(void *arg)
{
	(void)arg;
	calls++;
}

static void nap_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* Up to 30 s for calls to reach n. */
static int reaches(int n)
{
	for (int i = 0; i < 3000 && calls < n; i++)
		nap_ms(10);
	return calls >= n;
}

static void test_kick_runs_at_once(void **state)
{
	(void)state;
	ccsp_ticker *t = NULL;
	calls = 0;
	assert_int_equal(ccsp_ticker_start(HOUR_MS, HOUR_MS, count, NULL, &t), CCSP_OK);
	assert_int_equal(calls, 0);
	ccsp_ticker_kick(t);
	assert_true(reaches(1));
	ccsp_ticker_kick(t);
	assert_true(reaches(2));
	ccsp_ticker_stop(t); /* returns although the next call is an hour away */
	assert_int_equal(calls, 2);
	ccsp_ticker_kick(NULL);
	ccsp_ticker_stop(NULL);
}

static void test_first_call(void **state)
{
	(void)state;
	ccsp_ticker *t = NULL;
	calls = 0;
	assert_int_equal(ccsp_ticker_start(0, HOUR_MS, count, NULL, &t), CCSP_OK);
	assert_true(reaches(1));
	ccsp_ticker_stop(t);
	assert_int_equal(calls, 1);
}

static void test_arguments(void **state)
{
	(void)state;
	ccsp_ticker *t = NULL;
	assert_int_equal(ccsp_ticker_start(0, 0, count, NULL, &t), CCSP_ERR_ARG);
	assert_int_equal(ccsp_ticker_start(0, 1, NULL, NULL, &t), CCSP_ERR_ARG);
	assert_int_equal(ccsp_ticker_start(0, 1, count, NULL, NULL), CCSP_ERR_ARG);
	assert_null(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_kick_runs_at_once),
	        cmocka_unit_test(test_first_call),
	        cmocka_unit_test(test_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

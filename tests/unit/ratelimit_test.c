/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-client rate limit (src/common/ratelimit.c) on a clock the test moves: a burst, then refusals, the
 * refill at the configured rate, clients independent of one another, the bounds of the arguments. Nothing is
 * timed for real.
 */
#include <stdio.h>

#include "common/ratelimit.h"
#include "test_util.h"

/* How many of n requests at now_ms are allowed. */
static int allowed(ccsp_ratelimit *rl, const char *client, int64_t now_ms, int n)
{
	int ok = 0;
	for (int i = 0; i < n; i++)
		ok += ccsp_ratelimit_allow(rl, client, now_ms);
	return ok;
}

static void test_bucket(void **state)
{
	(void)state;
	ccsp_ratelimit *rl = NULL;
	assert_int_equal(ccsp_ratelimit_new(10, 5, &rl), CCSP_OK); /* 10/s, bursts of 5 */
	assert_int_equal(allowed(rl, "192.0.2.1", 1000, 8), 5);     /* the burst, then refusals */
	assert_int_equal(allowed(rl, "192.0.2.1", 1099, 1), 0);     /* 99 ms: not yet one token */
	assert_int_equal(allowed(rl, "192.0.2.1", 1100, 2), 1);     /* 100 ms: one */
	assert_int_equal(allowed(rl, "192.0.2.1", 1400, 5), 3);     /* 300 ms more: three */
	assert_int_equal(allowed(rl, "192.0.2.1", 61400, 9), 5);    /* a long pause refills the burst, no more */
	assert_int_equal(allowed(rl, "2001:db8::1", 61400, 9), 5);  /* another client has its own bucket */
	assert_int_equal(allowed(rl, "192.0.2.1", 61400, 1), 0);    /* ... and does not refill the first */
	assert_int_equal(allowed(rl, "192.0.2.1", 60000, 1), 0);    /* a clock going back grants nothing */
	ccsp_ratelimit_free(rl);
}

static void test_many_clients(void **state)
{
	(void)state;
	ccsp_ratelimit *rl = NULL;
	char name[32];
	int ok = 0;
	assert_int_equal(ccsp_ratelimit_new(1, 1, &rl), CCSP_OK);
	for (int i = 0; i < 3 * (int)CCSP_RATELIMIT_SLOTS; i++) { /* more clients than slots: memory stays bounded */
		snprintf(name, sizeof name, "10.%d.%d.%d", i >> 16 & 255, i >> 8 & 255, i & 255);
		ok += ccsp_ratelimit_allow(rl, name, 5000);
	}
	assert_int_equal(ok, 3 * (int)CCSP_RATELIMIT_SLOTS); /* each one's first request passes */
	ccsp_ratelimit_free(rl);
}

static void test_bounds(void **state)
{
	(void)state;
	ccsp_ratelimit *rl = NULL;
	assert_int_equal(ccsp_ratelimit_new(0, 1, &rl), CCSP_ERR_ARG);
	assert_int_equal(ccsp_ratelimit_new(1, 0, &rl), CCSP_ERR_ARG);
	assert_int_equal(ccsp_ratelimit_new(1000001, 1, &rl), CCSP_ERR_ARG);
	assert_null(rl);
	assert_int_equal(ccsp_ratelimit_new(1000000, 1000000, &rl), CCSP_OK);
	assert_int_equal(allowed(rl, "x", 0, 3), 3);
	assert_int_equal(allowed(rl, "x", INT64_C(1) << 40, 1), 1); /* a long idle time does not overflow */
	ccsp_ratelimit_free(rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket),
		cmocka_unit_test(test_many_clients),
		cmocka_unit_test(test_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The task queue (src/common/taskq.h): FIFO on workers, the bound, drain and stop, claims. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/taskq.h"
#include "test_util.h"

#define WAIT_S 10

/* A gate tasks can wait on, and counters of what ran. */
typedef struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int open, started;
	atomic_int ran;
	int order[64];
	int n_order;
} gate;

static gate *gate_new(void)
{
	gate *g = calloc(1, sizeof *g);
	assert_non_null(g);
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	return g;
}

static void gate_free(gate *g)
{
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->cv);
	free(g);
}

static struct timespec deadline(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += WAIT_S;
	return t;
}

static void blocking_task(void *arg)
{
	gate *g = arg;
	struct timespec until = deadline();
	pthread_mutex_lock(&g->mu);
	g->started++;
	pthread_cond_broadcast(&g->cv);
	while (!g->open && pthread_cond_timedwait(&g->cv, &g->mu, &until) == 0)
		;
	pthread_mutex_unlock(&g->mu);
	atomic_fetch_add(&g->ran, 1);
}

static void wait_started(gate *g, int n)
{
	struct timespec until = deadline();
	pthread_mutex_lock(&g->mu);
	while (g->started < n && pthread_cond_timedwait(&g->cv, &g->mu, &until) == 0)
		;
	int started = g->started;
	pthread_mutex_unlock(&g->mu);
	assert_true(started >= n);
}

static void open_gate(gate *g)
{
	pthread_mutex_lock(&g->mu);
	g->open = 1;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

typedef struct numbered {
	gate *g;
	int n;
} numbered;

static void record_task(void *arg)
{
	numbered *t = arg;
	pthread_mutex_lock(&t->g->mu);
	if (t->g->n_order < 64)
		t->g->order[t->g->n_order++] = t->n;
	pthread_mutex_unlock(&t->g->mu);
	atomic_fetch_add(&t->g->ran, 1);
}

static void count_task(void *arg)
{
	atomic_fetch_add((atomic_int *)arg, 1);
}

static void test_args(void **state)
{
	ccsp_taskq *q = NULL;
	(void)state;
	assert_ccsp(CCSP_ERR_ARG, ccsp_taskq_new(0, 4, &q));
	assert_null(q);
	assert_ccsp(CCSP_ERR_ARG, ccsp_taskq_new(1, 0, &q));
	assert_ccsp(CCSP_ERR_ARG, ccsp_taskq_new(CCSP_TASKQ_MAX_WORKERS + 1, 4, &q));
	assert_ccsp(CCSP_ERR_ARG, ccsp_taskq_new(1, CCSP_TASKQ_MAX_CAPACITY + 1, &q));
	assert_ccsp(CCSP_ERR_ARG, ccsp_taskq_new(1, 4, NULL));
	assert_ok(ccsp_taskq_new(1, 4, &q));
	assert_ccsp(CCSP_ERR_ARG, ccsp_taskq_submit(q, NULL, NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_taskq_submit(NULL, count_task, NULL));
	ccsp_taskq_free(q);
	ccsp_taskq_free(NULL);
}

/* One worker runs tasks in submission order; a full queue says CCSP_ERR_LIMIT and runs nothing extra. */
static void test_fifo_and_bound(void **state)
{
	ccsp_taskq *q;
	gate *g = gate_new();
	numbered t[4];
	(void)state;
	assert_ok(ccsp_taskq_new(1, 3, &q));
	assert_ok(ccsp_taskq_submit(q, blocking_task, g));
	wait_started(g, 1); /* the worker is busy: what follows waits in the queue */
	for (int i = 0; i < 3; i++) {
		t[i] = (numbered){g, i};
		assert_ok(ccsp_taskq_submit(q, record_task, &t[i]));
	}
	t[3] = (numbered){g, 3};
	assert_ccsp(CCSP_ERR_LIMIT, ccsp_taskq_submit(q, record_task, &t[3]));
	assert_int_equal(ccsp_taskq_pending(q), 4);
	open_gate(g);
	ccsp_taskq_drain(q);
	assert_int_equal(ccsp_taskq_pending(q), 0);
	assert_int_equal(atomic_load(&g->ran), 4);
	assert_int_equal(g->n_order, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(g->order[i], i);
	ccsp_taskq_free(q);
	gate_free(g);
}

/* Stop runs what is queued, then refuses. */
static void test_stop(void **state)
{
	ccsp_taskq *q;
	gate *g = gate_new();
	atomic_int n = 0;
	(void)state;
	assert_ok(ccsp_taskq_new(1, 16, &q));
	assert_ok(ccsp_taskq_submit(q, blocking_task, g));
	wait_started(g, 1);
	for (int i = 0; i < 10; i++)
		assert_ok(ccsp_taskq_submit(q, count_task, &n));
	open_gate(g);
	ccsp_taskq_stop(q);
	assert_int_equal(atomic_load(&n), 10);
	assert_ccsp(CCSP_ERR_STATE, ccsp_taskq_submit(q, count_task, &n));
	ccsp_taskq_stop(q); /* idempotent */
	ccsp_taskq_drain(q);
	ccsp_taskq_free(q);
	gate_free(g);
}

/* Two workers run two tasks at once: each waits until both have started. */
static void test_parallel(void **state)
{
	ccsp_taskq *q;
	gate *g = gate_new();
	(void)state;
	assert_ok(ccsp_taskq_new(2, 4, &q));
	assert_ok(ccsp_taskq_submit(q, blocking_task, g));
	assert_ok(ccsp_taskq_submit(q, blocking_task, g));
	wait_started(g, 2);
	open_gate(g);
	ccsp_taskq_drain(q);
	assert_int_equal(atomic_load(&g->ran), 2);
	ccsp_taskq_free(q);
	gate_free(g);
}

typedef struct submitter {
	ccsp_taskq *q;
	atomic_int *n;
	int count;
} submitter;

static void *submit_many(void *arg)
{
	submitter *s = arg;
	for (int i = 0; i < s->count;) {
		ccsp_err err = ccsp_taskq_submit(s->q, count_task, s->n);
		if (err == CCSP_OK)
			i++;
		else if (err == CCSP_ERR_LIMIT)
			sched_yield();
		else
			return (void *)1;
	}
	return NULL;
}

/* Several submitters, several workers, a small queue: every task runs exactly once. */
static void test_concurrent(void **state)
{
	ccsp_taskq *q;
	atomic_int n = 0;
	pthread_t th[3];
	(void)state;
	assert_ok(ccsp_taskq_new(4, 8, &q));
	submitter s = {q, &n, 2000};
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&th[i], NULL, submit_many, &s), 0);
	for (int i = 0; i < 3; i++) {
		void *ret;
		assert_int_equal(pthread_join(th[i], &ret), 0);
		assert_null(ret);
	}
	ccsp_taskq_drain(q);
	assert_int_equal(atomic_load(&n), 6000);
	ccsp_taskq_free(q);
}

static void test_claims(void **state)
{
	ccsp_taskq *q;
	char key[CCSP_TASKQ_MAX_KEY + 2];
	(void)state;
	assert_ok(ccsp_taskq_new(1, 1, &q));
	assert_ok(ccsp_taskq_try_claim(q, "vsm:1"));
	assert_ccsp(CCSP_ERR_STATE, ccsp_taskq_try_claim(q, "vsm:1")); /* in flight -> 409 */
	assert_ok(ccsp_taskq_try_claim(q, "vsm:2"));
	ccsp_taskq_release(q, "vsm:1");
	ccsp_taskq_release(q, "vsm:1"); /* not claimed: nothing */
	ccsp_taskq_release(q, "unknown");
	assert_ok(ccsp_taskq_try_claim(q, "vsm:1"));
	assert_ccsp(CCSP_ERR_STATE, ccsp_taskq_try_claim(q, "vsm:2"));
	assert_ccsp(CCSP_ERR_ARG, ccsp_taskq_try_claim(q, ""));
	assert_ccsp(CCSP_ERR_ARG, ccsp_taskq_try_claim(q, NULL));
	memset(key, 'k', sizeof key - 1);
	key[sizeof key - 1] = '\0';
	assert_ccsp(CCSP_ERR_ARG, ccsp_taskq_try_claim(q, key));
	key[CCSP_TASKQ_MAX_KEY] = '\0';
	assert_ok(ccsp_taskq_try_claim(q, key));
	/* the bound: 3 held, fill up to the maximum */
	for (unsigned i = 3; i < CCSP_TASKQ_MAX_CLAIMS; i++) {
		char k[32];
		snprintf(k, sizeof k, "key-%u", i);
		assert_ok(ccsp_taskq_try_claim(q, k));
	}
	assert_ccsp(CCSP_ERR_LIMIT, ccsp_taskq_try_claim(q, "one-more"));
	ccsp_taskq_release(q, "key-500");
	assert_ok(ccsp_taskq_try_claim(q, "one-more"));
	ccsp_taskq_free(q); /* frees held claims */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_args),     cmocka_unit_test(test_fifo_and_bound), cmocka_unit_test(test_stop),
	    cmocka_unit_test(test_parallel), cmocka_unit_test(test_concurrent),     cmocka_unit_test(test_claims),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

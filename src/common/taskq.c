/* SPDX-License-Identifier: Apache-2.0 */
/* The task queue: a ring of waiting tasks under one mutex, workers on a condition variable; claims are a
 * short list of strings (a handful are held at once, so a linear scan beats any index). */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "common/taskq.h"

typedef struct task {
	ccsp_taskq_fn fn;
	void *arg;
} task;

struct ccsp_taskq {
	pthread_mutex_t mu;
	pthread_cond_t work_cv; /* a task was queued, or stop began */
	pthread_cond_t idle_cv; /* the queue became empty with no task running */
	task *ring;
	unsigned cap, head, count, running;
	int stopping, joined;
	pthread_t *threads;
	unsigned n_threads;
	char **claims;
	unsigned n_claims, claims_cap;
};

static void *worker_main(void *arg)
{
	ccsp_taskq *q = arg;
	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (q->count == 0 && !q->stopping)
			pthread_cond_wait(&q->work_cv, &q->mu);
		if (q->count == 0)
			break; /* stopping, and everything queued has been taken */
		task t = q->ring[q->head];
		q->head = (q->head + 1) % q->cap;
		q->count--;
		q->running++;
		pthread_mutex_unlock(&q->mu);
		t.fn(t.arg);
		pthread_mutex_lock(&q->mu);
		q->running--;
		if (q->count == 0 && q->running == 0)
			pthread_cond_broadcast(&q->idle_cv);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

/* Workers start with every signal blocked (the mask is inherited), so signals reach the daemon's own threads. */
static ccsp_err start_workers(ccsp_taskq *q, unsigned workers)
{
	sigset_t all, old;
	ccsp_err err = CCSP_OK;
	sigfillset(&all);
	if (pthread_sigmask(SIG_SETMASK, &all, &old) != 0)
		return CCSP_ERR_INTERNAL;
	for (unsigned i = 0; i < workers; i++) {
		if (pthread_create(&q->threads[i], NULL, worker_main, q) != 0) {
			err = CCSP_ERR_INTERNAL;
			break;
		}
		q->n_threads++;
	}
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

ccsp_err ccsp_taskq_new(unsigned workers, unsigned capacity, ccsp_taskq **out)
{
	ccsp_err err = CCSP_ERR_ARG;
	ccsp_taskq *q = NULL;
	if (out == NULL)
		goto out;
	*out = NULL;
	if (workers < 1 || workers > CCSP_TASKQ_MAX_WORKERS || capacity < 1 || capacity > CCSP_TASKQ_MAX_CAPACITY)
		goto out;
	err = CCSP_ERR_NOMEM;
	q = calloc(1, sizeof *q);
	if (q == NULL)
		goto out;
	q->mu = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	q->work_cv = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
	q->idle_cv = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
	q->cap = capacity;
	q->ring = calloc(capacity, sizeof *q->ring);
	q->threads = calloc(workers, sizeof *q->threads);
	if (q->ring == NULL || q->threads == NULL)
		goto out;
	err = start_workers(q, workers);
	if (err != CCSP_OK)
		goto out;
	*out = q;
	q = NULL;
out:
	ccsp_taskq_free(q); /* joins the workers that did start */
	return err;
}

ccsp_err ccsp_taskq_submit(ccsp_taskq *q, ccsp_taskq_fn fn, void *arg)
{
	if (q == NULL || fn == NULL)
		return CCSP_ERR_ARG;
	ccsp_err err = CCSP_OK;
	pthread_mutex_lock(&q->mu);
	if (q->stopping) {
		err = CCSP_ERR_STATE;
	} else if (q->count == q->cap) {
		err = CCSP_ERR_LIMIT;
	} else {
		q->ring[(q->head + q->count) % q->cap] = (task){fn, arg};
		q->count++;
		pthread_cond_signal(&q->work_cv);
	}
	pthread_mutex_unlock(&q->mu);
	return err;
}

size_t ccsp_taskq_pending(ccsp_taskq *q)
{
	if (q == NULL)
		return 0;
	pthread_mutex_lock(&q->mu);
	size_t n = (size_t)q->count + q->running;
	pthread_mutex_unlock(&q->mu);
	return n;
}

void ccsp_taskq_drain(ccsp_taskq *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->mu);
	while ((q->count != 0 || q->running != 0) && q->n_threads > 0)
		pthread_cond_wait(&q->idle_cv, &q->mu);
	pthread_mutex_unlock(&q->mu);
}

void ccsp_taskq_stop(ccsp_taskq *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->mu);
	q->stopping = 1;
	int join = !q->joined;
	q->joined = 1;
	pthread_cond_broadcast(&q->work_cv);
	pthread_mutex_unlock(&q->mu);
	if (!join)
		return;
	for (unsigned i = 0; i < q->n_threads; i++)
		(void)pthread_join(q->threads[i], NULL);
}

void ccsp_taskq_free(ccsp_taskq *q)
{
	if (q == NULL)
		return;
	ccsp_taskq_stop(q);
	for (unsigned i = 0; i < q->n_claims; i++)
		free(q->claims[i]);
	free(q->claims);
	free(q->ring);
	free(q->threads);
	(void)pthread_mutex_destroy(&q->mu);
	(void)pthread_cond_destroy(&q->work_cv);
	(void)pthread_cond_destroy(&q->idle_cv);
	free(q);
}

static int find_claim(const ccsp_taskq *q, const char *key)
{
	for (unsigned i = 0; i < q->n_claims; i++)
		if (strcmp(q->claims[i], key) == 0)
			return (int)i;
	return -1;
}

static ccsp_err add_claim(ccsp_taskq *q, const char *key)
{
	if (q->n_claims == CCSP_TASKQ_MAX_CLAIMS)
		return CCSP_ERR_LIMIT;
	if (q->n_claims == q->claims_cap) {
		unsigned ncap = q->claims_cap ? q->claims_cap * 2 : 8;
		char **n = realloc(q->claims, ncap * sizeof *n);
		if (n == NULL)
			return CCSP_ERR_NOMEM;
		q->claims = n;
		q->claims_cap = ncap;
	}
	char *copy = strdup(key);
	if (copy == NULL)
		return CCSP_ERR_NOMEM;
	q->claims[q->n_claims++] = copy;
	return CCSP_OK;
}

ccsp_err ccsp_taskq_try_claim(ccsp_taskq *q, const char *key)
{
	if (q == NULL || key == NULL)
		return CCSP_ERR_ARG;
	size_t len = strnlen(key, CCSP_TASKQ_MAX_KEY + 1);
	if (len == 0 || len > CCSP_TASKQ_MAX_KEY)
		return CCSP_ERR_ARG;
	pthread_mutex_lock(&q->mu);
	ccsp_err err = find_claim(q, key) >= 0 ? CCSP_ERR_STATE : add_claim(q, key);
	pthread_mutex_unlock(&q->mu);
	return err;
}

void ccsp_taskq_release(ccsp_taskq *q, const char *key)
{
	if (q == NULL || key == NULL)
		return;
	pthread_mutex_lock(&q->mu);
	int i = find_claim(q, key);
	if (i >= 0) {
		free(q->claims[i]);
		q->claims[i] = q->claims[--q->n_claims]; /* order does not matter */
	}
	pthread_mutex_unlock(&q->mu);
}

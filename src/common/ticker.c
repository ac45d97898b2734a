/* SPDX-License-Identifier: Apache-2.0 */
/* A periodic background thread (ticker.h). */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "common/ticker.h"

struct ccsp_ticker {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop, kicked;
	uint32_t first_ms, interval_ms;
	void (*fn)(void *arg);
	void *arg;
};

static void deadline_in(struct timespec *t, uint32_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (long)(ms % 1000) * 1000000;
	if (t->tv_nsec >= 1000000000) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000;
	}
}

static void *run(void *arg)
{
	ccsp_ticker *t = arg;
	uint32_t wait_ms = t->first_ms;
	pthread_mutex_lock(&t->mu);
	while (!t->stop) {
		struct timespec until;
		deadline_in(&until, wait_ms);
		while (!t->stop && !t->kicked && pthread_cond_timedwait(&t->cv, &t->mu, &until) == 0)
			;
		if (t->stop)
			break;
		t->kicked = 0;
		pthread_mutex_unlock(&t->mu);
		t->fn(t->arg);
		wait_ms = t->interval_ms;
		pthread_mutex_lock(&t->mu);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

ccsp_err ccsp_ticker_start(uint32_t first_ms, uint32_t interval_ms, void (*fn)(void *arg), void *arg, ccsp_ticker **out)
{
	pthread_condattr_t ca;
	if (out == NULL || fn == NULL || interval_ms == 0)
		return CCSP_ERR_ARG;
	*out = NULL;
	ccsp_ticker *t = calloc(1, sizeof *t);
	if (t == NULL)
		return CCSP_ERR_NOMEM;
	t->first_ms = first_ms;
	t->interval_ms = interval_ms;
	t->fn = fn;
	t->arg = arg;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&t->mu, NULL);
	if (pthread_create(&t->thread, NULL, run, t) != 0) {
		pthread_cond_destroy(&t->cv);
		pthread_mutex_destroy(&t->mu);
		free(t);
		return CCSP_ERR_NOMEM;
	}
	*out = t;
	return CCSP_OK;
}

void ccsp_ticker_kick(ccsp_ticker *t)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&t->mu);
	t->kicked = 1;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

void ccsp_ticker_stop(ccsp_ticker *t)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&t->mu);
	t->stop = 1;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
	pthread_join(t->thread, NULL);
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

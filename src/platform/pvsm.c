/* SPDX-License-Identifier: Apache-2.0 */
/* The platform VSM through libsdf (pvsm.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <ccsp/sdf.h>

#include "platform/pvsm.h"

#define SESSIONS_MAX 64

typedef struct pvsm_session {
	pthread_mutex_t mu;
	HANDLE h;
} pvsm_session;

struct ccsp_pvsm {
	HANDLE dev;
	unsigned n;
	_Atomic unsigned next;
	pvsm_session s[SESSIONS_MAX];
};

void ccsp_pvsm_close(ccsp_pvsm *p)
{
	if (p == NULL)
		return;
	for (unsigned i = 0; i < p->n; i++) {
		if (p->s[i].h != NULL)
			(void)SDF_CloseSession(p->s[i].h);
		pthread_mutex_destroy(&p->s[i].mu);
	}
	if (p->dev != NULL)
		(void)SDF_CloseDevice(p->dev);
	free(p);
}

ccsp_err ccsp_pvsm_open(const char *sdf_conf, unsigned sessions, ccsp_pvsm **out)
{
	*out = NULL;
	if (sdf_conf == NULL || sessions == 0 || sessions > SESSIONS_MAX)
		return CCSP_ERR_ARG;
	ccsp_pvsm *p = calloc(1, sizeof *p);
	if (p == NULL)
		return CCSP_ERR_NOMEM;
	if (setenv("CCSP_SDF_CONF", sdf_conf, 1) != 0 || SDF_OpenDevice(&p->dev) != SDR_OK) {
		p->dev = NULL;
		ccsp_pvsm_close(p);
		return CCSP_ERR_COMM;
	}
	for (; p->n < sessions; p->n++) {
		pthread_mutex_init(&p->s[p->n].mu, NULL);
		if (SDF_OpenSession(p->dev, &p->s[p->n].h) != SDR_OK) {
			p->s[p->n].h = NULL;
			p->n++;
			ccsp_pvsm_close(p);
			return CCSP_ERR_COMM;
		}
	}
	*out = p;
	return CCSP_OK;
}

/* A session for the caller alone: a free one if any, else wait for the next in turn. */
static pvsm_session *take(ccsp_pvsm *p)
{
	unsigned start = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
	for (unsigned i = 0; i < p->n; i++) {
		pvsm_session *s = &p->s[(start + i) % p->n];
		if (pthread_mutex_trylock(&s->mu) == 0)
			return s;
	}
	pvsm_session *s = &p->s[start % p->n];
	pthread_mutex_lock(&s->mu);
	return s;
}

static void give_back(pvsm_session *s)
{
	pthread_mutex_unlock(&s->mu);
}

ccsp_err ccsp_pvsm_random(ccsp_pvsm *p, uint8_t *out, size_t n)
{
	if (p == NULL || out == NULL || n == 0 || n > CCSP_PVSM_RANDOM_MAX)
		return CCSP_ERR_ARG;
	pvsm_session *s = take(p);
	LONG rv = SDF_GenerateRandom(s->h, (ULONG)n, out);
	give_back(s);
	return rv == SDR_OK ? CCSP_OK : CCSP_ERR_COMM;
}

int ccsp_pvsm_ready(ccsp_pvsm *p)
{
	DEVICEINFO info;
	if (p == NULL)
		return 0;
	pvsm_session *s = take(p);
	LONG rv = SDF_GetDeviceInfo(s->h, &info);
	give_back(s);
	return rv == SDR_OK;
}

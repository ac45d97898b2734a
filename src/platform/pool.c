/* SPDX-License-Identifier: Apache-2.0 */
/* The resource pool's scheduler (pool.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ccsp/mem.h>

#include "crypto/guard.h" /* CCSP_GUARD */
#include "platform/pool.h"

typedef struct member {
	int used;
	int borrowed; /* the platform VSM: the caller's handle, never opened or closed here */
	ccsp_pool_spec spec;
	uint64_t gen; /* bumped whenever spec changes: a health result about an older spec is dropped */
	void *handle;
	ccsp_pool_state state;
	unsigned inflight;
	uint64_t ops, failures, retries, downs;
	uint64_t mean_ns; /* moving mean of its leases' durations (1/8 weight to the newest); 0: none yet */
	uint64_t last_lease; /* the pool's lease count at its last lease: the least recent goes next (round-robin) */
} member;

struct ccsp_pool {
	ccsp_pool_backend be;
	pthread_mutex_t mu;      /* the member table */
	pthread_mutex_t tick_mu; /* one health round at a time: only a round closes handles */
	unsigned next;           /* where the search starts: equal loads take turns */
	uint64_t leases;         /* leases made */
	ccsp_pool_policy_stats policy_stats[CCSP_POOL_POLICIES_];
	size_t n;                /* slots in use (a retired member keeps its slot) */
	member m[CCSP_POOL_MEMBERS_MAX];
};

static const char *const POLICY_NAMES[CCSP_POOL_POLICIES_] = {"least-loaded", "round-robin", "fastest"};

const char *ccsp_pool_policy_name(ccsp_pool_policy policy)
{
	return (unsigned)policy < CCSP_POOL_POLICIES_ ? POLICY_NAMES[policy] : "unknown";
}

ccsp_err ccsp_pool_policy_parse(const char *name, ccsp_pool_policy *policy)
{
	for (unsigned i = 0; name != NULL && i < CCSP_POOL_POLICIES_; i++)
		if (strcmp(name, POLICY_NAMES[i]) == 0) {
			*policy = (ccsp_pool_policy)i;
			return CCSP_OK;
		}
	return CCSP_ERR_ARG;
}

static uint64_t now_ns(const ccsp_pool *p)
{
	struct timespec ts;
	if (p->be.clock_ns != NULL)
		return p->be.clock_ns(p->be.ctx);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const char *ccsp_pool_state_name(ccsp_pool_state s)
{
	static const char *const names[] = {"down", "up", "mismatch", "retired"};
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown";
}

ccsp_err ccsp_pool_new(const ccsp_pool_backend *be, ccsp_pool **out)
{
	if (be == NULL || out == NULL || be->open == NULL || be->close == NULL || be->ready == NULL ||
	    be->check == NULL || be->probe == NULL)
		return CCSP_ERR_ARG;
	ccsp_pool *p = calloc(1, sizeof *p);
	if (p == NULL)
		return CCSP_ERR_NOMEM;
	p->be = *be;
	pthread_mutex_init(&p->mu, NULL);
	pthread_mutex_init(&p->tick_mu, NULL);
	*out = p;
	return CCSP_OK;
}

void ccsp_pool_free(ccsp_pool *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++)
		if (p->m[i].handle != NULL && !p->m[i].borrowed)
			p->be.close(p->be.ctx, p->m[i].handle);
	pthread_mutex_destroy(&p->mu);
	pthread_mutex_destroy(&p->tick_mu);
	ccsp_memzero(p, sizeof *p);
	free(p);
}

static member *find(ccsp_pool *p, const char *id)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->m[i].used && strcmp(p->m[i].spec.id, id) == 0)
			return &p->m[i];
	return NULL;
}

static member *add_slot(ccsp_pool *p, const char *id)
{
	member *m = NULL;
	for (size_t i = 0; i < p->n && m == NULL; i++)
		if (!p->m[i].used)
			m = &p->m[i];
	if (m == NULL && p->n < CCSP_POOL_MEMBERS_MAX)
		m = &p->m[p->n++];
	if (m != NULL) {
		memset(m, 0, sizeof *m);
		m->used = 1;
		strncpy(m->spec.id, id, sizeof m->spec.id - 1);
	}
	return m;
}

void ccsp_pool_set_platform(ccsp_pool *p, void *handle, uint32_t kek_index)
{
	pthread_mutex_lock(&p->mu);
	member *m = find(p, CCSP_POOL_PLATFORM_ID);
	if (m == NULL && handle != NULL)
		m = add_slot(p, CCSP_POOL_PLATFORM_ID);
	if (m != NULL) {
		m->borrowed = 1;
		m->handle = handle;
		memcpy(m->spec.group, CCSP_STORE_POOL_DEFAULT_GROUP, sizeof CCSP_STORE_POOL_DEFAULT_GROUP);
		m->spec.kek_index = kek_index;
		m->state = handle != NULL ? CCSP_POOL_UP : CCSP_POOL_RETIRED;
		m->gen++;
	}
	pthread_mutex_unlock(&p->mu);
}

static int same_spec(const ccsp_pool_spec *a, const ccsp_pool_spec *b)
{
	return strcmp(a->group, b->group) == 0 && strcmp(a->address, b->address) == 0 && a->kek_index == b->kek_index &&
	       a->probe_len == b->probe_len && memcmp(a->probe, b->probe, a->probe_len) == 0 &&
	       memcmp(a->check, b->check, sizeof a->check) == 0;
}

/* The platform member takes its group's key check from the spec of that id; its address and KEK are its own. */
static void sync_platform(member *m, const ccsp_pool_spec *s)
{
	if (m->spec.probe_len == s->probe_len && memcmp(m->spec.probe, s->probe, s->probe_len) == 0 &&
	    memcmp(m->spec.check, s->check, sizeof s->check) == 0)
		return;
	memcpy(m->spec.probe, s->probe, sizeof s->probe);
	m->spec.probe_len = s->probe_len;
	memcpy(m->spec.check, s->check, sizeof s->check);
	m->gen++;
	if (m->state == CCSP_POOL_UP && s->probe_len > 0)
		m->state = CCSP_POOL_DOWN; /* in rotation again once the next round has checked it */
}

ccsp_err ccsp_pool_sync(ccsp_pool *p, const ccsp_pool_spec *specs, size_t n)
{
	ccsp_err ret = CCSP_OK;
	if (p == NULL || (specs == NULL && n > 0) || n >= CCSP_POOL_MEMBERS_MAX)
		return CCSP_ERR_ARG;
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < p->n; i++) /* retire what is no longer listed */
		if (p->m[i].used && !p->m[i].borrowed) {
			size_t j = 0;
			while (j < n && strcmp(specs[j].id, p->m[i].spec.id) != 0)
				j++;
			if (j == n && p->m[i].state != CCSP_POOL_RETIRED) {
				p->m[i].state = CCSP_POOL_RETIRED;
				p->m[i].gen++;
			}
		}
	for (size_t j = 0; j < n; j++) {
		member *m = find(p, specs[j].id);
		if (m != NULL && m->borrowed) {
			sync_platform(m, &specs[j]);
			continue;
		}
		if (m != NULL && m->state != CCSP_POOL_RETIRED && same_spec(&m->spec, &specs[j])) {
			memcpy(m->spec.app, specs[j].app, sizeof m->spec.app); /* a dedication needs no reopening */
			continue;
		}
		if (m == NULL && (m = add_slot(p, specs[j].id)) == NULL) {
			ret = CCSP_ERR_LIMIT;
			continue;
		}
		m->spec = specs[j];
		m->state = CCSP_POOL_DOWN; /* (re)opened and checked by the next round */
		m->gen++;
	}
	pthread_mutex_unlock(&p->mu);
	return ret;
}

/* ---- health rounds ---- */

typedef enum { WORK_NONE, WORK_CLOSE, WORK_OPEN, WORK_READY, WORK_RECHECK } work_kind;

typedef struct work {
	work_kind kind;
	size_t slot;
	uint64_t gen;
	ccsp_pool_spec spec;
	void *handle; /* WORK_CLOSE: to close; WORK_READY / WORK_RECHECK: to ask */
	void *opened; /* WORK_OPEN: the new handle */
	ccsp_pool_state result;
} work;

/* What a member needs this round; taken under the lock. Handles are only closed when no lease holds them. */
static work plan(ccsp_pool *p, size_t i)
{
	member *m = &p->m[i];
	work w = {.kind = WORK_NONE, .slot = i, .gen = m->gen, .spec = m->spec};
	if (!m->used)
		return w;
	if (m->borrowed) {
		if (m->handle != NULL && m->state != CCSP_POOL_RETIRED) {
			w.kind = m->state == CCSP_POOL_UP ? WORK_READY : WORK_RECHECK;
			w.handle = m->handle;
		}
		return w;
	}
	if (m->state == CCSP_POOL_RETIRED && m->inflight == 0 && m->handle == NULL) {
		m->used = 0; /* its slot is free for another member */
		return w;
	}
	if (m->state == CCSP_POOL_UP) {
		w.kind = WORK_READY;
		w.handle = m->handle;
	} else if (m->inflight == 0 && m->handle != NULL) {
		w.kind = WORK_CLOSE; /* retired, or down: closed now, reopened on the next round */
		w.handle = m->handle;
		m->handle = NULL;
	} else if (m->inflight == 0 && m->state != CCSP_POOL_RETIRED) {
		w.kind = WORK_OPEN;
	}
	return w;
}

/* The key check of a handle against its spec: UP when it reproduces the group's check value (or the group has
 * none yet), MISMATCH when it answers something else, DOWN when it fails. */
static ccsp_pool_state checked(ccsp_pool *p, void *h, const ccsp_pool_spec *s)
{
	uint8_t check[CCSP_STORE_POOL_CHECK_SIZE];
	if (s->probe_len == 0)
		return p->be.ready(p->be.ctx, h) ? CCSP_POOL_UP : CCSP_POOL_DOWN;
	ccsp_err r = p->be.check(p->be.ctx, h, s->kek_index, s->probe, s->probe_len, check);
	if (r == CCSP_ERR_COMM)
		return CCSP_POOL_DOWN;
	return r == CCSP_OK && memcmp(check, s->check, sizeof check) == 0 ? CCSP_POOL_UP : CCSP_POOL_MISMATCH;
}

static void perform(ccsp_pool *p, work *w)
{
	switch (w->kind) {
	case WORK_CLOSE:
		p->be.close(p->be.ctx, w->handle);
		break;
	case WORK_OPEN:
		if (p->be.open(p->be.ctx, w->spec.address, &w->opened) != CCSP_OK) {
			w->opened = NULL;
			w->result = CCSP_POOL_DOWN;
		} else {
			w->result = checked(p, w->opened, &w->spec);
		}
		break;
	case WORK_READY:
		w->result = p->be.ready(p->be.ctx, w->handle) ? CCSP_POOL_UP : CCSP_POOL_DOWN;
		break;
	case WORK_RECHECK:
		w->result = checked(p, w->handle, &w->spec);
		break;
	default:
		break;
	}
}

/* Apply a result under the lock, unless the member changed meanwhile; returns a handle to close, if any. */
static void *apply(ccsp_pool *p, const work *w)
{
	member *m = &p->m[w->slot];
	int current = m->used && m->gen == w->gen;
	switch (w->kind) {
	case WORK_OPEN:
		if (!current || w->opened == NULL || w->result == CCSP_POOL_DOWN)
			return w->opened;
		m->handle = w->opened;
		m->state = w->result; /* UP, or MISMATCH (kept open: closed on a later round) */
		return NULL;
	case WORK_READY:
	case WORK_RECHECK:
		if (current && m->state != CCSP_POOL_RETIRED) {
			if (m->state == CCSP_POOL_UP && w->result != CCSP_POOL_UP)
				m->downs++;
			m->state = w->result;
		}
		return NULL;
	default:
		return NULL;
	}
}

void ccsp_pool_tick(ccsp_pool *p)
{
	work *ws = calloc(CCSP_POOL_MEMBERS_MAX, sizeof *ws);
	size_t n = 0;
	if (p == NULL || ws == NULL) {
		free(ws);
		return;
	}
	pthread_mutex_lock(&p->tick_mu);
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < p->n; i++) {
		ws[n] = plan(p, i);
		if (ws[n].kind != WORK_NONE)
			n++;
	}
	pthread_mutex_unlock(&p->mu);
	for (size_t i = 0; i < n; i++)
		perform(p, &ws[i]);
	for (size_t i = 0; i < n; i++) {
		pthread_mutex_lock(&p->mu);
		void *stale = apply(p, &ws[i]);
		pthread_mutex_unlock(&p->mu);
		if (stale != NULL)
			p->be.close(p->be.ctx, stale);
	}
	pthread_mutex_unlock(&p->tick_mu);
	ccsp_memzero(ws, CCSP_POOL_MEMBERS_MAX * sizeof *ws);
	free(ws);
}

/* ---- leases ---- */

static int tried(const ccsp_pool_lease *l, size_t slot)
{
	for (unsigned i = 0; i < l->tries; i++)
		if (l->tried[i] == slot)
			return 1;
	return 0;
}

/* Whether member i may run l's operation for app ("" for shared members). */
static int eligible(const ccsp_pool *p, size_t i, const char *group, const char *app, const ccsp_pool_lease *l)
{
	const member *m = &p->m[i];
	return m->used && m->state == CCSP_POOL_UP && strcmp(m->spec.group, group) == 0 &&
	       strcmp(m->spec.app, app) == 0 && !tried(l, i);
}

/* The lower, the better the member for the policy: its load; the time since its last lease (round-robin); its
 * load times its latency (fastest). */
static uint64_t cost(const member *m, ccsp_pool_policy policy)
{
	switch (policy) {
	case CCSP_POOL_ROUND_ROBIN:
		return m->last_lease;
	case CCSP_POOL_FASTEST:
		return (uint64_t)(m->inflight + 1) * m->mean_ns;
	default:
		return m->inflight;
	}
}

/* Whether m goes before best: a lower cost, or an equal one and a less recent lease (equal costs take turns). */
static int better(const member *m, const member *best, ccsp_pool_policy policy)
{
	uint64_t a = cost(m, policy), b = cost(best, policy);
	return a < b || (a == b && m->last_lease < best->last_lease);
}

/* The eligible member the lease's policy prefers, searched from slot start. Under the lock. */
static member *pick(ccsp_pool *p, const char *group, const char *app, const ccsp_pool_lease *l, size_t start)
{
	member *best = NULL;
	for (size_t k = 0; k < p->n; k++) {
		size_t i = (start + k) % p->n;
		if (eligible(p, i, group, app, l) && (best == NULL || better(&p->m[i], best, l->policy)))
			best = &p->m[i];
	}
	return best;
}

ccsp_err ccsp_pool_acquire(ccsp_pool *p, const char *group, ccsp_pool_lease *l)
{
	member *best = NULL;
	if (p == NULL || group == NULL || l == NULL || (unsigned)l->policy >= CCSP_POOL_POLICIES_)
		return CCSP_ERR_ARG;
	l->handle = NULL;
	if (l->tries >= CCSP_POOL_TRIES)
		return CCSP_ERR_MODULE_STATE;
	pthread_mutex_lock(&p->mu);
	size_t start = p->n > 0 ? p->next++ % p->n : 0;
	if (l->app != NULL && l->app[0] != '\0')
		best = pick(p, group, l->app, l, start);
	if (best == NULL)
		best = pick(p, group, "", l, start);
	if (best != NULL) {
		best->inflight++;
		best->ops++;
		best->last_lease = ++p->leases;
		p->policy_stats[l->policy].ops++;
		l->handle = best->handle;
		l->slot = (unsigned)(best - p->m);
		l->tried[l->tries++] = l->slot;
	}
	pthread_mutex_unlock(&p->mu);
	l->started_ns = now_ns(p);
	return best != NULL ? CCSP_OK : CCSP_ERR_MODULE_STATE;
}

int ccsp_pool_release(ccsp_pool *p, ccsp_pool_lease *l, ccsp_err result, int retry_safe)
{
	int retry = 0;
	if (p == NULL || l == NULL || l->handle == NULL)
		return 0;
	uint64_t took = now_ns(p) - l->started_ns;
	pthread_mutex_lock(&p->mu);
	member *m = &p->m[l->slot];
	ccsp_pool_policy_stats *ps = &p->policy_stats[l->policy]; /* checked by ccsp_pool_acquire */
	m->inflight--;
	ps->ns += took;
	if (result != CCSP_ERR_COMM)
		m->mean_ns = m->mean_ns == 0 ? took : (7 * m->mean_ns + took) / 8;
	if (result == CCSP_ERR_COMM) {
		ps->failures++;
		m->failures++;
		if (m->state == CCSP_POOL_UP) {
			m->state = CCSP_POOL_DOWN;
			m->downs++;
		}
		retry = retry_safe && l->tries < CCSP_POOL_TRIES;
		if (retry)
			m->retries++;
	}
	pthread_mutex_unlock(&p->mu);
	l->handle = NULL;
	return retry;
}

/* ---- joining ---- */

static ccsp_err key_check_with(ccsp_pool *p, void *h, uint32_t kek_index, uint8_t *probe, size_t *probe_len,
                               uint8_t check[CCSP_STORE_POOL_CHECK_SIZE])
{
	if (*probe_len == 0)
		CCSP_GUARD(p->be.probe(p->be.ctx, h, kek_index, probe, probe_len));
	return p->be.check(p->be.ctx, h, kek_index, probe, *probe_len, check);
}

ccsp_err ccsp_pool_key_check(ccsp_pool *p, const char *address, uint32_t kek_index, uint8_t *probe, size_t *probe_len,
                             uint8_t check[CCSP_STORE_POOL_CHECK_SIZE])
{
	void *h = NULL;
	if (p == NULL || address == NULL || probe == NULL || probe_len == NULL || check == NULL)
		return CCSP_ERR_ARG;
	CCSP_GUARD(p->be.open(p->be.ctx, address, &h));
	ccsp_err ret = key_check_with(p, h, kek_index, probe, probe_len, check);
	p->be.close(p->be.ctx, h);
	return ret;
}

ccsp_err ccsp_pool_platform_key_check(ccsp_pool *p, uint8_t *probe, size_t *probe_len,
                                      uint8_t check[CCSP_STORE_POOL_CHECK_SIZE])
{
	void *h = NULL;
	uint32_t kek = 0;
	if (p == NULL || probe == NULL || probe_len == NULL || check == NULL)
		return CCSP_ERR_ARG;
	pthread_mutex_lock(&p->mu);
	member *m = find(p, CCSP_POOL_PLATFORM_ID);
	if (m != NULL) {
		h = m->handle;
		kek = m->spec.kek_index;
	}
	pthread_mutex_unlock(&p->mu);
	if (h == NULL)
		return CCSP_ERR_MODULE_STATE;
	return key_check_with(p, h, kek, probe, probe_len, check);
}

uint32_t ccsp_pool_group_kek(ccsp_pool *p, const char *group)
{
	uint32_t kek = 0;
	if (p == NULL || group == NULL)
		return 0;
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < p->n && kek == 0; i++)
		if (p->m[i].used && p->m[i].state != CCSP_POOL_RETIRED && strcmp(p->m[i].spec.group, group) == 0)
			kek = p->m[i].spec.kek_index;
	pthread_mutex_unlock(&p->mu);
	return kek;
}

void ccsp_pool_policy_counts(ccsp_pool *p, ccsp_pool_policy_stats out[CCSP_POOL_POLICIES_])
{
	pthread_mutex_lock(&p->mu);
	memcpy(out, p->policy_stats, sizeof p->policy_stats);
	pthread_mutex_unlock(&p->mu);
}

void ccsp_pool_infos(ccsp_pool *p, ccsp_pool_info *out, size_t max, size_t *n)
{
	*n = 0;
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < p->n && *n < max; i++) {
		const member *m = &p->m[i];
		if (!m->used)
			continue;
		ccsp_pool_info *o = &out[(*n)++];
		memset(o, 0, sizeof *o);
		memcpy(o->id, m->spec.id, sizeof o->id);
		memcpy(o->group, m->spec.group, sizeof o->group);
		o->state = m->state;
		o->inflight = m->inflight;
		o->ops = m->ops;
		o->failures = m->failures;
		o->retries = m->retries;
		o->downs = m->downs;
		memcpy(o->app, m->spec.app, sizeof o->app);
	}
	pthread_mutex_unlock(&p->mu);
}

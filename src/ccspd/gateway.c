/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The gateway (ccspd.h): every action goes through here, on the task queue (the store and the VSM are waited
 * for, never on the event loop). In one place and in this order: who is calling (a bearer session token, or a
 * signed application request, or nobody), whether the action allows that caller (its `may` bits; a person whose
 * password must be changed first is held to the actions marked CCSPD_MAY_PENDING), then the action itself.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ccsp/mem.h>

#include "ccspd/ccspd.h"
#include "platform/reqauth.h"

/* ---- the session cache ---- */

#define CACHE_SLOTS 4096

typedef struct cached {
	uint8_t hash[CCSP_STORE_TOKEN_HASH_SIZE];
	ccspd_caller who;
	int64_t until_ms;      /* cache entry valid until then (never past the session's own limits) */
	uint64_t generation;   /* entries of an older generation were forgotten */
} cached;

struct ccspd_sessions {
	pthread_mutex_t mu;
	uint64_t generation;
	cached slot[CACHE_SLOTS];
};

ccsp_err ccspd_sessions_open(ccspd *d)
{
	d->sessions = calloc(1, sizeof *d->sessions);
	if (d->sessions == NULL)
		return CCSP_ERR_NOMEM;
	pthread_mutex_init(&d->sessions->mu, NULL);
	d->sessions->generation = 1;
	return CCSP_OK;
}

void ccspd_sessions_close(ccspd *d)
{
	if (d->sessions == NULL)
		return;
	pthread_mutex_destroy(&d->sessions->mu);
	ccsp_memzero(d->sessions, sizeof *d->sessions);
	free(d->sessions);
	d->sessions = NULL;
}

void ccspd_sessions_forget(ccspd *d)
{
	if (d->sessions == NULL)
		return;
	pthread_mutex_lock(&d->sessions->mu);
	d->sessions->generation++;
	pthread_mutex_unlock(&d->sessions->mu);
}

static cached *slot_for(struct ccspd_sessions *c, const uint8_t hash[CCSP_STORE_TOKEN_HASH_SIZE])
{
	uint32_t i = (uint32_t)hash[0] | (uint32_t)hash[1] << 8 | (uint32_t)hash[2] << 16; /* an SM3 value: spread */
	return &c->slot[i % CACHE_SLOTS];
}

static int cache_get(ccspd *d, const uint8_t hash[CCSP_STORE_TOKEN_HASH_SIZE], int64_t now, ccspd_caller *who)
{
	struct ccspd_sessions *c = d->sessions;
	int hit = 0;
	if (c == NULL)
		return 0;
	pthread_mutex_lock(&c->mu);
	cached *e = slot_for(c, hash);
	if (e->generation == c->generation && e->until_ms > now && memcmp(e->hash, hash, sizeof e->hash) == 0) {
		*who = e->who;
		hit = 1;
	}
	pthread_mutex_unlock(&c->mu);
	return hit;
}

static void cache_put(ccspd *d, const ccsp_store_session *s, const ccspd_caller *who, int64_t now)
{
	struct ccspd_sessions *c = d->sessions;
	int64_t until = now + CCSPD_SESSION_CACHE_MS;
	int64_t idle_end = s->last_seen + (int64_t)d->session_idle_s * 1000;
	if (c == NULL)
		return;
	until = until < s->expires ? until : s->expires;
	until = until < idle_end ? until : idle_end;
	pthread_mutex_lock(&c->mu);
	cached *e = slot_for(c, who->session);
	memcpy(e->hash, who->session, sizeof e->hash);
	e->who = *who;
	e->until_ms = until;
	e->generation = c->generation;
	pthread_mutex_unlock(&c->mu);
}

typedef struct job {
	ccspd *d;
	ccsp_http_request *req;
	const ccspd_action *action;
} job;

int64_t ccspd_now_ms(const ccspd *d)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + d->clock_offset_ms;
}

/* The person of a session: active, of the session's tenant, which is active with all its ancestors (a disabled
 * tenant disables its whole subtree: one statement, only when the session is not cached). */
static ccsp_err session_person(ccsp_store_tx *tx, const ccsp_store_session *s, ccspd_caller *who)
{
	ccsp_store_principal p;
	int active = 1;
	ccsp_err ret = ccsp_store_principal_get(tx, s->tenant_id[0] != '\0' ? s->tenant_id : NULL, s->principal_id, &p);
	if (ret == CCSP_OK && s->tenant_id[0] != '\0')
		ret = ccsp_store_tenant_active(tx, s->tenant_id, &active);
	if (ret != CCSP_OK || p.status != CCSP_STORE_ACTIVE || !active) {
		ccsp_memzero(&p, sizeof p);
		return ret == CCSP_OK ? CCSP_ERR_NOT_FOUND : ret;
	}
	who->kind = CCSPD_CALLER_PERSON;
	who->role = p.role;
	who->must_change = p.must_change;
	snprintf(who->id, sizeof who->id, "%s", p.id);
	snprintf(who->name, sizeof who->name, "%s", p.login);
	ccsp_memzero(&p, sizeof p);
	return CCSP_OK;
}

/* The app of a session: active, in a tenant active with all its ancestors. */
static ccsp_err session_app(ccsp_store_tx *tx, const ccsp_store_session *s, ccspd_caller *who)
{
	ccsp_store_app a;
	int active = 0;
	ccsp_err ret = ccsp_store_app_get(tx, s->tenant_id, s->app_id, &a);
	if (ret == CCSP_OK)
		ret = ccsp_store_tenant_active(tx, s->tenant_id, &active);
	if (ret != CCSP_OK || a.status != CCSP_STORE_ACTIVE || !active)
		return ret == CCSP_OK ? CCSP_ERR_NOT_FOUND : ret;
	who->kind = CCSPD_CALLER_APP;
	snprintf(who->id, sizeof who->id, "%s", a.id);
	snprintf(who->name, sizeof who->name, "%s", a.name);
	ccsp_memzero(&a, sizeof a);
	return CCSP_OK;
}

#define TOUCH_EVERY_MS 30000 /* last_seen is written at most this often: reads stay reads under load */

/* Revoke an idle session (best effort: an expired one is refused either way). */
static void revoke(ccspd *d, const uint8_t hash[CCSP_STORE_TOKEN_HASH_SIZE])
{
	ccsp_store_tx *tx;
	if (ccsp_store_begin(d->store, &tx) != CCSP_OK)
		return;
	if (ccsp_store_session_revoke(tx, hash) == CCSP_OK && ccsp_store_commit(tx) == CCSP_OK)
		return;
	ccsp_store_rollback(tx);
}

static void touch(ccspd *d, const uint8_t hash[CCSP_STORE_TOKEN_HASH_SIZE], int64_t now)
{
	ccsp_store_tx *tx;
	if (ccsp_store_begin(d->store, &tx) != CCSP_OK)
		return;
	if (ccsp_store_session_touch(tx, hash, now) == CCSP_OK && ccsp_store_commit(tx) == CCSP_OK)
		return;
	ccsp_store_rollback(tx);
}

/* Authorization: Bearer <token>. The session is read in a read-only transaction; an idle one is revoked, and
 * last_seen is moved on only when it is TOUCH_EVERY_MS old (the idle limit thus counts from a use at most that
 * much earlier than the last one). */
static int bearer(ccspd *d, const char *authorization, ccspd_caller *who, ccsp_apierr *err)
{
	ccsp_store_session s;
	ccsp_store_tx *tx = NULL;
	int64_t now = ccspd_now_ms(d);
	*err = CCSP_APIERR_TOKEN_EXPIRED;
	if (ccsp_reqauth_bearer_hash(authorization, who->session) != CCSP_OK) {
		*err = CCSP_APIERR_UNAUTHENTICATED;
		return -1;
	}
	if (cache_get(d, who->session, now, who))
		return 0;
	ccsp_err ret = ccsp_store_begin_ro(d->store, &tx);
	if (ret == CCSP_OK)
		ret = ccsp_store_session_get(tx, who->session, now, &s);
	int idle = ret == CCSP_OK && s.last_seen + (int64_t)d->session_idle_s * 1000 < now;
	if (ret == CCSP_OK && !idle) {
		snprintf(who->tenant_id, sizeof who->tenant_id, "%s", s.tenant_id);
		ret = s.principal_id[0] != '\0' ? session_person(tx, &s, who) : session_app(tx, &s, who);
	}
	if (tx != NULL)
		ccsp_store_rollback(tx);
	if (idle)
		revoke(d, who->session);
	if (ret == CCSP_OK && !idle) {
		if (now - s.last_seen >= TOUCH_EVERY_MS)
			touch(d, who->session, now);
		who->by_session = 1;
		cache_put(d, &s, who, now);
		return 0;
	}
	if (ret != CCSP_OK && ret != CCSP_ERR_NOT_FOUND)
		*err = ret == CCSP_ERR_BUSY ? CCSP_APIERR_UNAVAILABLE : CCSP_APIERR_INTERNAL;
	return -1;
}

static int authenticate(ccspd *d, ccsp_http_request *req, ccspd_caller *who, ccsp_apierr *err)
{
	*who = (ccspd_caller){.kind = CCSPD_ANONYMOUS};
	size_t n_auth = ccsp_http_req_header_count(req, "Authorization");
	if (n_auth > 1) {
		*err = CCSP_APIERR_UNAUTHENTICATED;
		return -1;
	}
	if (n_auth == 1)
		return bearer(d, ccsp_http_req_header(req, "Authorization"), who, err);
	if (ccsp_http_req_header_count(req, CCSP_REQAUTH_HEADER_ACCESS_KEY) > 0 ||
	    ccsp_http_req_header_count(req, CCSP_REQAUTH_HEADER_SIGNATURE) > 0)
		return ccspd_appauth_verify(d, req, who, err);
	return 0;
}

static unsigned caller_bit(const ccspd_caller *who)
{
	static const unsigned roles[] = {[CCSP_ROLE_SYSADMIN] = CCSPD_MAY_SYSADMIN, [CCSP_ROLE_SECADMIN] = CCSPD_MAY_SECADMIN,
	                                 [CCSP_ROLE_AUDITOR] = CCSPD_MAY_AUDITOR,
	                                 [CCSP_ROLE_TENANT_ADMIN] = CCSPD_MAY_TENANT_ADMIN, [CCSP_ROLE_USER] = CCSPD_MAY_USER};
	if (who->kind == CCSPD_ANONYMOUS)
		return CCSPD_MAY_ANONYMOUS;
	if (who->kind == CCSPD_CALLER_APP)
		return CCSPD_MAY_APP;
	return (unsigned)who->role < sizeof roles / sizeof roles[0] ? roles[who->role] : 0;
}

/* 0 when the action allows who; else -1 with the refusal. */
static int permitted(const ccspd_action *a, const ccspd_caller *who, ccsp_apierr *err)
{
	if ((a->may & caller_bit(who)) == 0) {
		*err = who->kind == CCSPD_ANONYMOUS ? CCSP_APIERR_UNAUTHENTICATED : CCSP_APIERR_FORBIDDEN;
		return -1;
	}
	if (who->kind == CCSPD_CALLER_PERSON && who->must_change && (a->may & CCSPD_MAY_PENDING) == 0) {
		*err = CCSP_APIERR_PASSWORD_CHANGE;
		return -1;
	}
	return 0;
}

static void run(void *arg)
{
	job *j = arg;
	ccspd_caller who;
	ccsp_apierr err;
	/* The body is the request's, and the request goes once it is answered — which a handler may do before it has
	 * finished with the body (act_wipe of a password after the answer): a reference keeps it until run() ends. */
	ccspd_call c = {.d = j->d, .req = j->req, .who = &who, .body = json_incref(ccsp_http_req_json(j->req))};
	int authenticated = authenticate(j->d, j->req, &who, &err) == 0;
	if (authenticated) /* a tenant's caller: the answer is metered and counted for the tenant (ccspd_answered) */
		c.meter = ccspd_meter_attach(j->d, j->req, &who, j->action->path);
	if (!authenticated) {
		ccspd_fail(j->d, j->req, err, NULL); /* logged; not audited: a flood of bad signatures must not grow it */
	} else if (permitted(j->action, &who, &err) != 0) {
		if (who.kind != CCSPD_ANONYMOUS) { /* an authenticated caller refused: a security event */
			ccsp_err aret = ccspd_audit(&c, NULL, "auth.denied", j->action->path, "denied", NULL);
			(void)aret; /* the refusal stands whether or not its record could be written */
		}
		ccspd_fail(j->d, j->req, err, NULL);
	} else {
		j->action->fn(&c);
	}
	json_decref(c.body);
	ccsp_memzero(&who, sizeof who);
	free(j);
}

/* The fast path, on the event loop: an action marked CCSPD_RUN_INLINE (it never waits) called with a bearer session
 * the cache holds, allowed for that caller, with a small body, runs here without the two thread hand-overs of the
 * task queue. Anything else (a cache miss, a refusal, which is audited, a signed request) returns 0 and takes the
 * queue. */
#define INLINE_BODY_MAX 65536

static int run_inline(ccspd *d, ccsp_http_request *req, const ccspd_action *a)
{
	ccspd_caller who;
	ccsp_apierr err;
	size_t len = 0;
	int done = 0;
	if ((a->may & CCSPD_RUN_INLINE) == 0 || ccsp_http_req_body(req, &len) == NULL || len > INLINE_BODY_MAX ||
	    ccsp_http_req_header_count(req, "Authorization") != 1 ||
	    ccsp_http_req_header_count(req, CCSP_REQAUTH_HEADER_ACCESS_KEY) != 0 ||
	    ccsp_http_req_header_count(req, CCSP_REQAUTH_HEADER_SIGNATURE) != 0)
		return 0;
	who = (ccspd_caller){.kind = CCSPD_ANONYMOUS};
	if (ccsp_reqauth_bearer_hash(ccsp_http_req_header(req, "Authorization"), who.session) == CCSP_OK &&
	    cache_get(d, who.session, ccspd_now_ms(d), &who) && permitted(a, &who, &err) == 0) {
		ccspd_call c = {.d = d, .req = req, .who = &who, .body = json_incref(ccsp_http_req_json(req))};
		c.meter = ccspd_meter_attach(d, req, &who, a->path);
		a->fn(&c);
		json_decref(c.body); /* as in run() */
		done = 1;
	}
	ccsp_memzero(&who, sizeof who);
	return done;
}

void ccspd_gateway(void *arg, ccsp_http_request *req)
{
	ccspd *d = arg;
	const char *path = ccsp_http_req_path(req);
	const ccspd_action *a = NULL;
	for (size_t i = 0; i < ccspd_n_actions && a == NULL; i++)
		if (strcmp(ccspd_actions[i].path, path) == 0)
			a = &ccspd_actions[i];
	if (a != NULL && run_inline(d, req, a))
		return;
	job *j = a != NULL ? calloc(1, sizeof *j) : NULL;
	if (j == NULL) {
		ccspd_fail(d, req, a == NULL ? CCSP_APIERR_NOT_FOUND : CCSP_APIERR_INTERNAL, NULL);
		return;
	}
	*j = (job){.d = d, .req = req, .action = a};
	if (ccsp_taskq_submit(d->tasks, run, j) != CCSP_OK) {
		free(j);
		ccspd_fail(d, req, CCSP_APIERR_UNAVAILABLE, NULL);
	}
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The scheduler's versions and their gray release (POOL-3; docs/api-ccspd.md "Scheduler versions"; system
 * administrators):
 *   scheduler-get      {}                        -> {"stable", "candidate" | null, "lastVersion", "policies"}
 *   scheduler-release  {policy, grayPercent}     -> a candidate version (the next number) with that policy for
 *                                                   grayPercent (1..100) of the applications; with a candidate of
 *                                                   that policy in release already, its percentage changed (the
 *                                                   ramp: the applications already on it stay on it as it grows)
 *   scheduler-promote  {}                        -> the candidate is the stable version, for everyone
 *   scheduler-rollback {}                        -> the candidate is dropped; its number is not reused
 * Each change is one transaction on the store's record, audited (pool.scheduler-*), and reaches this node's
 * scheduler at once, the other nodes' at their next pool read (pool_health_interval_s).
 */
#include <string.h>

#include "ccspd/act.h"
#include "crypto/guard.h" /* CCSP_GUARD */

typedef enum { SCHED_GET, SCHED_RELEASE, SCHED_PROMOTE, SCHED_ROLLBACK } sched_op;

typedef struct sched_job {
	act_job act; /* first: act_job_run's (act_util.c) */
	sched_op op;
	ccsp_pool_policy policy;
	int64_t gray;
	ccspd_sched s;
} sched_job;

static json_t *answer(const ccspd_sched *s)
{
	json_t *o = ccspd_sched_json(s), *names = json_array();
	for (unsigned i = 0; i < CCSP_POOL_POLICIES_; i++)
		json_array_append_new(names, json_string(ccsp_pool_policy_name((ccsp_pool_policy)i)));
	json_object_set_new(o, "policies", names);
	return o;
}

static int refuse(sched_job *j, const char *msg)
{
	act_job_refuse(&j->act, CCSP_APIERR_CONFLICT, msg);
	return -1;
}

/* The change op asks for, applied to j->s: 0, or -1 after a refusal (CCSP-4000). */
static int change(sched_job *j, int64_t now)
{
	ccspd_sched *s = &j->s;
	switch (j->op) {
	case SCHED_RELEASE:
		if (s->candidate_version != 0 && s->candidate_policy != j->policy)
			return refuse(j, "another candidate is in release: promote or roll it back first");
		if (s->candidate_version == 0 && s->stable_policy == j->policy)
			return refuse(j, "that is the stable version's policy");
		if (s->candidate_version == 0) {
			s->candidate_version = ++s->last_version;
			s->candidate_policy = j->policy;
			s->candidate_since = now;
		}
		s->gray_percent = j->gray;
		return 0;
	case SCHED_PROMOTE:
	case SCHED_ROLLBACK:
		if (s->candidate_version == 0)
			return refuse(j, "no candidate version is in release");
		if (j->op == SCHED_PROMOTE) {
			s->stable_version = s->candidate_version;
			s->stable_policy = s->candidate_policy;
			s->stable_since = now;
		}
		s->candidate_version = 0;
		s->gray_percent = 0;
		return 0;
	default:
		return 0;
	}
}

static ccsp_err sched_fn(ccsp_store_tx *tx, void *arg)
{
	static const char *const actions[] = {NULL, "pool.scheduler-release", "pool.scheduler-promote",
	                                      "pool.scheduler-rollback"};
	sched_job *j = arg;
	ccsp_err ret = ccspd_sched_read(tx, &j->s);
	if (ret == CCSP_ERR_TAMPERED)
		return act_job_refuse(&j->act, CCSP_APIERR_INTERNAL, "the stored scheduler record is unreadable");
	CCSP_GUARD(ret);
	if (j->op != SCHED_GET) {
		ccspd_sched was = j->s;
		if (change(j, ccspd_now_ms(j->act.c->d)) != 0)
			return CCSP_OK;
		CCSP_GUARD(ccspd_sched_write(tx, &j->s));
		CCSP_GUARD(ccspd_audit(j->act.c, tx, actions[j->op], "scheduler", "ok",
		                       json_pack("{s:o, s:o}", "before", ccspd_sched_json(&was), "after",
		                                 ccspd_sched_json(&j->s))));
	}
	act_job_result(&j->act, answer(&j->s));
	return CCSP_OK;
}

static void run(ccspd_call *c, sched_job *j)
{
	j->act.c = c;
	act_job_run(&j->act, sched_fn, j);
	/* this node follows what the store holds now (the change, if it committed); the others at their next read */
	if (j->op != SCHED_GET && ccspd_pool_refresh(c->d) != CCSP_OK)
		ccsp_log_event(c->d->log, "warn", "ccspd.pool", "detail",
		               "cannot re-read the pool: the scheduler change applies at the next read", (char *)NULL);
}

void ccspd_act_pool_scheduler_get(ccspd_call *c)
{
	sched_job j = {.op = SCHED_GET};
	run(c, &j);
}

void ccspd_act_pool_scheduler_release(ccspd_call *c)
{
	sched_job j = {.op = SCHED_RELEASE};
	const char *policy;
	if (act_str(c, "policy", 1, 32, &policy) != 0 || act_int(c, "grayPercent", 1, 100, -1, &j.gray) != 0)
		return;
	if (j.gray < 0) {
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM, "grayPercent is required (1..100)");
		return;
	}
	if (ccsp_pool_policy_parse(policy, &j.policy) != CCSP_OK) {
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM, "policy: least-loaded, round-robin or fastest");
		return;
	}
	run(c, &j);
}

void ccspd_act_pool_scheduler_promote(ccspd_call *c)
{
	sched_job j = {.op = SCHED_PROMOTE};
	run(c, &j);
}

void ccspd_act_pool_scheduler_rollback(ccspd_call *c)
{
	sched_job j = {.op = SCHED_ROLLBACK};
	run(c, &j);
}

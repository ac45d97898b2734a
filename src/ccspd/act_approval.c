/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The two-person rule (docs/api-ccspd.md "approval", docs/security-policy.md): an action that could take over an
 * account or a key is requested by one person and carried out only when another, the security administrator,
 * approves it within CCSPD_APPROVAL_TTL_MS on the platform's clock. The approval and the action happen in one
 * transaction, with their audit records.
 *   admin/operator-key-reset {login}       (sysadmin) request: clear an operator's SM2 second factor, which was
 *                                          lost; the operator then registers a new one at the next password
 *                                          login (auth/register-key). Not for oneself, nor for tenant members
 *                                          (they have no second factor).
 *   approval/list {state?, cursor?, limit?} (secadmin, sysadmin)
 *   approval/approve {id}, approval/reject {id} (secadmin) neither by the requester nor by the person the request
 *                                          is about.
 * Kinds: "operator-key-reset" (target: the operator's principal id); the KMS's emergency actions
 * "key-compromise" and "key-emergency-destroy" (target: "<tenant id>/<key id>"; filed by kms/key-mark-compromised
 * and kms/key-emergency-destroy, checked and carried out inside that tenant by act_kms_emergency.c).
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>

#include "ccspd/act_kms.h"
#include "ccspd/approval.h"

#define CCSPD_APPROVAL_TTL_MS (24 * 3600 * 1000LL)
#define KIND_KEY_RESET "operator-key-reset"

typedef struct appr_job {
	act_job act; /* first: act_job_run's (act_util.c) */
	const char *id, *login, *cursor;
	const ccsp_store_approval_state *state; /* list filter: NULL or &state_v */
	ccsp_store_approval_state state_v;
	ccsp_store_approval_state decision;     /* approve / reject */
	int64_t limit;
	char msgbuf[96];
	ccsp_store_kms_key key; /* a KMS emergency request's key, once checked */
} appr_job;

static json_t *approval_json(const ccsp_store_approval *a)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "id", a->id, "kind", a->kind, "target", a->target,
	                      "state", ccsp_store_approval_state_name(a->state), "requestedBy", a->requested_by,
	                      "created", (json_int_t)a->created, "expires", (json_int_t)a->expires);
	json_t *detail = json_loads(a->detail, 0, NULL);
	if (o == NULL)
		json_decref(detail);
	else
		json_object_set_new(o, "detail", detail != NULL ? detail : json_object());
	if (o != NULL && a->decided_by[0] != '\0') {
		json_object_set_new(o, "decidedBy", json_string(a->decided_by));
		json_object_set_new(o, "decidedAt", json_integer(a->decided_at));
	}
	if (o != NULL && a->executed_at != 0)
		json_object_set_new(o, "executedAt", json_integer(a->executed_at));
	return o;
}

/* Store the pending requests past their expiry as expired (so a new request of the same target can be made), with
 * their audit record. */
static ccsp_err expire_stale(appr_job *j, ccsp_store_tx *tx, int64_t now)
{
	int64_t n = 0;
	ccsp_err ret = ccsp_store_approval_expire(tx, now, &n);
	if (ret == CCSP_OK && n > 0)
		ret = ccspd_audit(j->act.c, tx, "approval.expire", "approvals", "ok",
		                  json_pack("{s:I}", "count", (json_int_t)n));
	return ret;
}

/* ---- requests ---- */

static ccsp_err key_reset_request_fn(ccsp_store_tx *tx, void *arg)
{
	appr_job *j = arg;
	const ccspd_caller *w = j->act.c->who;
	ccsp_store_principal p;
	ccsp_store_approval a = {.created = ccspd_now_ms(j->act.c->d)};
	json_t *detail = NULL;
	char *text = NULL;
	j->act.err = CCSP_APIERR_INTERNAL; /* this run's answer (ccsp_store_run may run it again) */
	ccsp_err ret = ccsp_store_principal_find(tx, NULL, j->login, &p); /* operators only */
	if (ret == CCSP_ERR_NOT_FOUND)
		return act_job_refuse(&j->act, CCSP_APIERR_NOT_FOUND, NULL);
	if (ret != CCSP_OK)
		goto out;
	if (strcmp(p.id, w->id) == 0)
		ret = act_job_refuse(&j->act, CCSP_APIERR_INVALID_PARAM,
		                     "an operator cannot request the reset of their own key");
	else if (!ccspd_policy_may_manage(w->role, p.role))
		ret = act_job_refuse(&j->act, CCSP_APIERR_FORBIDDEN, NULL);
	else if (p.sm2_pub_len == 0)
		ret = act_job_refuse(&j->act, CCSP_APIERR_CONFLICT, "the operator has no registered key");
	if (ret != CCSP_OK || j->act.err != CCSP_APIERR_INTERNAL)
		goto out;
	a.expires = a.created + CCSPD_APPROVAL_TTL_MS;
	memcpy(a.kind, KIND_KEY_RESET, sizeof KIND_KEY_RESET);
	memcpy(a.target, p.id, sizeof p.id);
	memcpy(a.requested_by, w->id, sizeof w->id);
	detail = json_pack("{s:s, s:s, s:s}", "login", p.login, "role", ccsp_store_role_name(p.role), "requester",
	                   w->name);
	text = detail != NULL ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (text == NULL || strlen(text) >= sizeof a.detail) { /* logins are bounded: it fits */
		ret = CCSP_ERR_NOMEM;
		goto out;
	}
	memcpy(a.detail, text, strlen(text) + 1);
	if ((ret = expire_stale(j, tx, a.created)) == CCSP_OK)
		ret = ccsp_store_approval_create(tx, &a);
	if (ret == CCSP_ERR_EXISTS)
		j->act.msg = "a reset of this operator's key is pending already";
	if (ret == CCSP_OK)
		ret = ccspd_audit(j->act.c, tx, "approval.request", p.login, "ok",
		                  json_pack("{s:s, s:s, s:s, s:I}", "id", a.id, "kind", a.kind, "operatorId", p.id,
		                            "expires", (json_int_t)a.expires));
	if (ret == CCSP_OK)
		act_job_result(&j->act, approval_json(&a));
out:
	json_decref(detail);
	free(text);
	ccsp_memzero(&p, sizeof p);
	return ret;
}

void ccspd_act_admin_operator_key_reset(ccspd_call *c)
{
	appr_job j = {.act.c = c};
	if (act_str(c, "login", 1, CCSP_STORE_NAME_MAX, &j.login) != 0)
		return;
	act_job_run(&j.act, key_reset_request_fn, &j);
}

static ccsp_err list_fn(ccsp_store_tx *tx, void *arg)
{
	appr_job *j = arg;
	size_t n = 0;
	ccsp_store_approval *as = calloc((size_t)j->limit, sizeof *as);
	ccsp_err ret = as != NULL ? ccsp_store_approval_list(tx, j->state, ccspd_now_ms(j->act.c->d), j->cursor,
	                                                     (size_t)j->limit, as, &n)
	                          : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK) {
		json_t *list = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(list, approval_json(&as[i]));
		act_job_result(&j->act, json_pack("{s:o, s:o}", "approvals", list, "next",
		                        n == (size_t)j->limit ? json_string(as[n - 1].id) : json_null()));
	}
	free(as);
	return ret;
}

void ccspd_act_approval_list(ccspd_call *c)
{
	appr_job j = {.act.c = c};
	const char *state = NULL;
	if (act_str(c, "state", 0, CCSP_STORE_TEXT_MAX, &state) != 0 || act_id(c, "cursor", 0, &j.cursor) != 0 ||
	    act_int(c, "limit", 1, CCSPD_LIST_MAX, CCSPD_LIST_DEFAULT, &j.limit) != 0)
		return;
	if (state != NULL && ccsp_store_approval_state_parse(state, &j.state_v) != CCSP_OK) {
		ccspd_fail(c->d, c->req, CCSP_APIERR_INVALID_PARAM,
		           "state must be pending, approved, rejected, expired or executed");
		return;
	}
	j.state = state != NULL ? &j.state_v : NULL;
	act_job_run(&j.act, list_fn, &j);
}

/* ---- decisions ---- */

/* Carry out the approved operator-key-reset a: the operator's SM2 key is cleared and their sessions end. */
static ccsp_err key_reset_execute(appr_job *j, ccsp_store_tx *tx, const ccsp_store_approval *a,
                                  ccsp_store_principal *p)
{
	int64_t ended = 0;
	ccsp_memzero(p->sm2_pub, sizeof p->sm2_pub);
	p->sm2_pub_len = 0;
	ccsp_err ret = ccsp_store_principal_update(tx, p);
	if (ret == CCSP_OK)
		ret = ccsp_store_session_revoke_principal(tx, NULL, p->id, &ended);
	if (ret == CCSP_OK)
		ret = ccsp_store_approval_executed(tx, a->id, ccspd_now_ms(j->act.c->d));
	if (ret == CCSP_OK)
		ret = ccspd_audit(j->act.c, tx, "principal.key-reset", p->login, "ok",
		                  json_pack("{s:s, s:s, s:s, s:I}", "id", p->id, "approval", a->id, "requestedBy",
		                            a->requested_by, "sessionsEnded", (json_int_t)ended));
	return ret;
}

/* A decision the two-person rule forbids: refused, and audited as denied (a security event). */
static ccsp_err deny(appr_job *j, ccsp_store_tx *tx, const ccsp_store_approval *a, const char *reason,
                     const char *msg)
{
	ccsp_err ret = ccspd_audit(j->act.c, tx,
	                           j->decision == CCSP_APPROVAL_APPROVED ? "approval.approve" : "approval.reject",
	                           a->id, "denied", json_pack("{s:s, s:s}", "kind", a->kind, "reason", reason));
	return ret != CCSP_OK ? ret : act_job_refuse(&j->act, CCSP_APIERR_FORBIDDEN, msg);
}

/* The checks before deciding a: CCSP_OK with j->act.err untouched to go on (for an approval, the operator in *p), a
 * refusal, or the store's error. */
static ccsp_err decide_check(appr_job *j, ccsp_store_tx *tx, const ccsp_store_approval *a, ccsp_store_principal *p)
{
	const char *me = j->act.c->who->id;
	if (a->state != CCSP_APPROVAL_PENDING)
		return act_job_refuse(&j->act, CCSP_APIERR_CONFLICT,
		                      a->state == CCSP_APPROVAL_EXPIRED ? "the request expired"
		                                                        : "the request was decided already");
	if (strcmp(a->requested_by, me) == 0)
		return deny(j, tx, a, "requester", "the requester cannot decide their own request (two-person rule)");
	if (strcmp(a->target, me) == 0)
		return deny(j, tx, a, "target", "a request about oneself is decided by another person");
	if (j->decision == CCSP_APPROVAL_REJECTED)
		return CCSP_OK;
	if (kms_emergency_kind(a->kind)) {
		ccsp_err r = kms_emergency_check(tx, a, &j->key, j->msgbuf, sizeof j->msgbuf);
		if (r == CCSP_ERR_NOT_FOUND)
			return act_job_refuse(&j->act, CCSP_APIERR_CONFLICT, "the key no longer exists");
		return r == CCSP_ERR_STATE ? act_job_refuse(&j->act, CCSP_APIERR_CONFLICT, j->msgbuf) : r;
	}
	if (kms_judicial_kind(a->kind)) {
		ccsp_err r = kms_judicial_check(tx, a);
		return r == CCSP_ERR_NOT_FOUND
		               ? act_job_refuse(&j->act, CCSP_APIERR_CONFLICT, "the key no longer exists")
		               : r;
	}
	if (strcmp(a->kind, KIND_KEY_RESET) != 0)
		return act_job_refuse(&j->act, CCSP_APIERR_CONFLICT, "unknown kind of request");
	ccsp_err ret = ccsp_store_principal_get(tx, NULL, a->target, p);
	return ret == CCSP_ERR_NOT_FOUND
	               ? act_job_refuse(&j->act, CCSP_APIERR_CONFLICT, "the operator no longer exists")
	               : ret;
}

static ccsp_err decide_fn(ccsp_store_tx *tx, void *arg)
{
	appr_job *j = arg;
	ccsp_store_approval a;
	ccsp_store_principal p = {0};
	int64_t now = ccspd_now_ms(j->act.c->d);
	int approve = j->decision == CCSP_APPROVAL_APPROVED;
	j->act.err = CCSP_APIERR_INTERNAL; /* this run's answer (ccsp_store_run may run it again) */
	ccsp_err ret = ccsp_store_approval_get(tx, j->id, now, &a);
	if (ret == CCSP_ERR_NOT_FOUND)
		return act_job_refuse(&j->act, CCSP_APIERR_NOT_FOUND, NULL);
	if (ret == CCSP_OK)
		ret = decide_check(j, tx, &a, &p);
	if (ret != CCSP_OK || j->act.err != CCSP_APIERR_INTERNAL)
		goto out;
	ret = ccsp_store_approval_decide(tx, a.id, j->decision, j->act.c->who->id, now);
	if (ret == CCSP_ERR_NOT_FOUND) { /* decided or expired meanwhile */
		ret = act_job_refuse(&j->act, CCSP_APIERR_CONFLICT, "the request was decided already");
		goto out;
	}
	if (ret == CCSP_OK)
		ret = ccspd_audit(j->act.c, tx, approve ? "approval.approve" : "approval.reject", a.id, "ok",
		                  json_pack("{s:s, s:s, s:s}", "kind", a.kind, "target", a.target, "requestedBy",
		                            a.requested_by));
	if (ret == CCSP_OK && approve && kms_emergency_kind(a.kind))
		ret = kms_emergency_execute(j->act.c, tx, &a, &j->key, now);
	else if (ret == CCSP_OK && approve && kms_judicial_kind(a.kind))
		ret = kms_judicial_execute(j->act.c, tx, &a, now);
	else if (ret == CCSP_OK && approve)
		ret = key_reset_execute(j, tx, &a, &p);
	if (ret == CCSP_OK)
		ret = ccsp_store_approval_get(tx, a.id, now, &a);
	if (ret == CCSP_OK)
		act_job_result(&j->act, approval_json(&a));
out:
	ccsp_memzero(&p, sizeof p);
	return ret;
}

static void decide(ccspd_call *c, ccsp_store_approval_state decision)
{
	appr_job j = {.act.c = c, .decision = decision};
	if (act_id(c, "id", 1, &j.id) != 0)
		return;
	act_job_run(&j.act, decide_fn, &j);
	ccspd_sessions_forget(c->d); /* the sessions an executed reset ended must not live on in the gateway's cache */
}

void ccspd_act_approval_approve(ccspd_call *c)
{
	decide(c, CCSP_APPROVAL_APPROVED);
}

void ccspd_act_approval_reject(ccspd_call *c)
{
	decide(c, CCSP_APPROVAL_REJECTED);
}

/* ---- requests filed by other areas (approval.h) ---- */

json_t *ccspd_approval_json(const ccsp_store_approval *a)
{
	return approval_json(a);
}

ccsp_err ccspd_approval_request(ccspd_call *c, ccsp_store_tx *tx, const char *kind, const char *target,
                                json_t *detail, const char *audit_target, ccsp_store_approval *out)
{
	appr_job j = {.act.c = c};
	ccsp_store_approval a = {.created = ccspd_now_ms(c->d)};
	char *text = detail != NULL ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	ccsp_err ret = CCSP_ERR_NOMEM;
	json_decref(detail);
	if (text == NULL || strlen(text) >= sizeof a.detail || strlen(kind) >= sizeof a.kind ||
	    strlen(target) >= sizeof a.target)
		goto out; /* the callers' details are bounded: it fits */
	a.expires = a.created + CCSPD_APPROVAL_TTL_MS;
	memcpy(a.kind, kind, strlen(kind) + 1);
	memcpy(a.target, target, strlen(target) + 1);
	memcpy(a.requested_by, c->who->id, sizeof c->who->id);
	memcpy(a.detail, text, strlen(text) + 1);
	if ((ret = expire_stale(&j, tx, a.created)) == CCSP_OK)
		ret = ccsp_store_approval_create(tx, &a);
	if (ret == CCSP_OK)
		ret = ccspd_audit(c, tx, "approval.request", audit_target, "ok",
		                  json_pack("{s:s, s:s, s:s, s:I}", "id", a.id, "kind", a.kind, "target", a.target,
		                            "expires", (json_int_t)a.expires));
	if (ret == CCSP_OK)
		*out = a;
out:
	free(text);
	return ret;
}

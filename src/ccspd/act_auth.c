/* SPDX-License-Identifier: Apache-2.0 */
/*
 * People's logins and sessions (docs/api-ccspd.md, area "auth"):
 *   login        {login, password, tenant?}  a tenant member gets a session token; an operator (no tenant) gets a
 *                                            challenge for the second factor (act_auth2.c)
 *   logout       {}                          revokes the caller's session
 *   password     {old, new}                  changes the caller's password; the other sessions are revoked
 *   app-token    {}                          (a signed application request) a session token for the app, within
 *                                            session_max live sessions of that app like a person's (else CCSP-5000)
 * Lockout: CCSPD_LOCKOUT_FAILURES consecutive failures lock the account for CCSPD_LOCKOUT_MS. While locked, every
 * attempt answers CCSP-2005, the right password too: an answer that told the right password apart would let a
 * guesser go on through the lock. An unknown login costs the same PBKDF2 and answers CCSP-2005 as well; the lock
 * is in the log and the audit trail ("locked"), and its manager lifts it by enabling the account.
 */
#include <string.h>

#include <ccsp/mem.h>

#include "ccspd/act.h"

/* Checked against when the login is unknown: the same PBKDF2 cost, never a match that matters. */
static const ccsp_password_hash dummy_hash = {.iterations = CCSP_PASSWORD_ITERATIONS};

ccsp_err ccspd_session_issue(ccspd *d, ccsp_store_tx *tx, const char *principal_id, const char *app_id,
                             const char *tenant, char token[CCSP_REQAUTH_TOKEN_LEN + 1], int64_t *expires)
{
	ccsp_store_session s = {0};
	int64_t now = ccspd_now_ms(d), n = 0, seen_after = now - (int64_t)d->session_idle_s * 1000; /* idle: dead */
	ccsp_err ret = principal_id != NULL
	                   ? ccsp_store_session_count(tx, tenant[0] != '\0' ? tenant : NULL, principal_id, now, seen_after,
	                                              &n)
	                   : ccsp_store_session_count_app(tx, tenant, app_id, now, seen_after, &n);
	if (ret == CCSP_OK && n >= (int64_t)d->session_max) /* people and apps alike: the new one is refused */
		ret = CCSP_ERR_LIMIT;
	if (ret == CCSP_OK)
		ret = ccsp_reqauth_token_new(token, s.token_hash);
	if (ret != CCSP_OK)
		return ret;
	snprintf(s.principal_id, sizeof s.principal_id, "%s", principal_id != NULL ? principal_id : "");
	snprintf(s.app_id, sizeof s.app_id, "%s", app_id != NULL ? app_id : "");
	snprintf(s.tenant_id, sizeof s.tenant_id, "%s", tenant);
	s.created = s.last_seen = now;
	s.expires = *expires = now + (int64_t)d->session_absolute_s * 1000;
	ret = ccsp_store_session_create(tx, &s);
	if (ret != CCSP_OK)
		ccsp_memzero(token, CCSP_REQAUTH_TOKEN_LEN + 1);
	ccsp_memzero(&s, sizeof s);
	return ret;
}

/* ---- login ---- */

typedef struct login_job {
	ccspd_call *c;
	const char *login, *tenant; /* tenant NULL: an operator */
	char checked_id[CCSP_STORE_ID_LEN + 1]; /* the principal whose hash was checked ("" none) */
	int pw_ok;
	int tenant_exists; /* the metrics name only tenants that exist: a guesser cannot fill their table */
	/* the answer */
	ccsp_apierr err; /* CCSP_APIERR_COUNT_: success */
	json_t *result;
} login_job;

static ccsp_err deny(login_job *j, ccsp_store_tx *tx, ccsp_apierr err, const char *reason)
{
	ccsp_store_tenant t;
	j->err = err;
	if (j->tenant != NULL && !j->tenant_exists) {
		ccsp_err ret = ccsp_store_tenant_get(tx, j->tenant, &t);
		if (ret != CCSP_OK && ret != CCSP_ERR_NOT_FOUND)
			return ret;
		j->tenant_exists = ret == CCSP_OK;
	}
	return ccspd_audit_as(j->c->d, tx, j->login, "anonymous", j->tenant, "auth.login", j->login, "denied",
	                      json_pack("{s:s, s:s}", "reason", reason, "requestId", ccsp_http_req_id(j->c->req)));
}

/* A wrong password (or second factor) of an existing principal: counted; the fifth in a row locks. */
ccsp_err act_login_failed(ccspd *d, ccsp_store_tx *tx, ccsp_store_principal *p, const char *request_id)
{
	int64_t failed = 0;
	const char *tenant = p->tenant_id[0] != '\0' ? p->tenant_id : NULL;
	ccsp_err ret = ccsp_store_principal_fail(tx, tenant, p->id, &failed);
	if (ret != CCSP_OK || !ccspd_policy_lock_now(failed))
		return ret;
	if ((ret = ccsp_store_principal_get(tx, tenant, p->id, p)) != CCSP_OK)
		return ret;
	p->locked_until = ccspd_now_ms(d) + CCSPD_LOCKOUT_MS;
	p->failed_logins = 0;
	if ((ret = ccsp_store_principal_update(tx, p)) != CCSP_OK)
		return ret;
	return ccspd_audit_as(d, tx, p->login, ccsp_store_role_name(p->role), p->tenant_id, "auth.lockout",
	                      p->login, "locked",
	                      json_pack("{s:I, s:s}", "until", (json_int_t)p->locked_until, "requestId", request_id));
}

/* Success of the password: clear the failures, note an expired password. */
static ccsp_err login_ok_update(ccspd *d, ccsp_store_tx *tx, ccsp_store_principal *p)
{
	int expired = ccspd_policy_password_expired(p, ccspd_now_ms(d));
	if (p->failed_logins == 0 && p->locked_until == 0 && expired == p->must_change)
		return CCSP_OK;
	p->failed_logins = 0;
	p->locked_until = 0;
	p->must_change = expired;
	return ccsp_store_principal_update(tx, p);
}

static ccsp_err member_session(login_job *j, ccsp_store_tx *tx, const ccsp_store_principal *p)
{
	char token[CCSP_REQAUTH_TOKEN_LEN + 1];
	int64_t expires = 0;
	ccsp_err ret = ccspd_session_issue(j->c->d, tx, p->id, NULL, p->tenant_id, token, &expires);
	if (ret == CCSP_ERR_LIMIT)
		return deny(j, tx, CCSP_APIERR_RATE_LIMITED, "session limit");
	if (ret == CCSP_OK)
		ret = ccspd_audit_as(j->c->d, tx, p->login, ccsp_store_role_name(p->role), p->tenant_id, "auth.login",
		                     p->login, "ok", json_pack("{s:s}", "requestId", ccsp_http_req_id(j->c->req)));
	if (ret == CCSP_OK) {
		act_result_free(j->result);
		j->result = json_pack("{s:s, s:I, s:b, s:s}", "token", token, "expires", (json_int_t)expires,
		                      "mustChange", p->must_change, "role", ccsp_store_role_name(p->role));
		j->err = CCSP_APIERR_COUNT_;
	}
	ccsp_memzero(token, sizeof token);
	return ret;
}

static ccsp_err login_fn(ccsp_store_tx *tx, void *arg)
{
	login_job *j = arg;
	ccsp_store_principal p;
	int active = 1;
	ccspd *d = j->c->d;
	j->tenant_exists = 0; /* this run's (ccsp_store_run may run it again) */
	ccsp_err ret = ccsp_store_principal_find(tx, j->tenant, j->login, &p);
	if (ret == CCSP_ERR_NOT_FOUND || (ret == CCSP_OK && strcmp(p.id, j->checked_id) != 0))
		return deny(j, tx, CCSP_APIERR_LOGIN_FAILED, "unknown login");
	j->tenant_exists = ret == CCSP_OK;
	if (ret == CCSP_OK && j->tenant != NULL && (ret = ccsp_store_tenant_active(tx, j->tenant, &active)) == CCSP_OK &&
	    !active) /* the tenant or one of its ancestors is disabled */
		ret = deny(j, tx, CCSP_APIERR_LOGIN_FAILED, "tenant disabled");
	else if (ret == CCSP_OK && p.status != CCSP_STORE_ACTIVE)
		ret = deny(j, tx, CCSP_APIERR_LOGIN_FAILED, "disabled");
	else if (ret == CCSP_OK && ccspd_policy_locked(&p, ccspd_now_ms(d)))
		ret = deny(j, tx, CCSP_APIERR_LOGIN_FAILED, j->pw_ok ? "locked (right password)" : "locked");
	else if (ret == CCSP_OK && !j->pw_ok) {
		ret = act_login_failed(d, tx, &p, ccsp_http_req_id(j->c->req));
		if (ret == CCSP_OK)
			ret = deny(j, tx, CCSP_APIERR_LOGIN_FAILED, "password");
	} else if (ret == CCSP_OK && (ret = login_ok_update(d, tx, &p)) == CCSP_OK) {
		if (j->tenant == NULL) {
			act_result_free(j->result);
			j->result = NULL;
			ret = act_challenge_new(j->c, tx, &p, &j->result);
			j->err = CCSP_APIERR_COUNT_;
		} else {
			ret = member_session(j, tx, &p);
		}
	}
	ccsp_memzero(&p, sizeof p);
	return ret;
}

/* The principal's hash, read before the write transaction so that PBKDF2 never runs under the write lock. */
static ccsp_err read_hash(ccspd *d, login_job *j, ccsp_password_hash *h)
{
	ccsp_store_principal p;
	ccsp_store_tx *tx = NULL;
	ccsp_err ret = ccsp_store_begin_ro(d->store, &tx);
	if (ret == CCSP_OK)
		ret = ccsp_store_principal_find(tx, j->tenant, j->login, &p);
	ccsp_store_rollback(tx);
	*h = dummy_hash;
	if (ret == CCSP_OK && p.pw_hash_len == sizeof h->hash && p.pw_salt_len == sizeof h->salt) {
		memcpy(h->hash, p.pw_hash, sizeof h->hash);
		memcpy(h->salt, p.pw_salt, sizeof h->salt);
		h->iterations = p.pw_iter;
		snprintf(j->checked_id, sizeof j->checked_id, "%s", p.id);
	}
	ccsp_memzero(&p, sizeof p);
	return ret == CCSP_ERR_NOT_FOUND ? CCSP_OK : ret;
}

void ccspd_act_auth_login(ccspd_call *c)
{
	login_job j = {.c = c, .err = CCSP_APIERR_INTERNAL};
	ccsp_password_hash h;
	const char *pw;
	if (act_str(c, "login", 1, CCSP_STORE_NAME_MAX, &j.login) != 0 || act_id(c, "tenant", 0, &j.tenant) != 0 ||
	    act_str(c, "password", 1, CCSP_PASSWORD_MAX, &pw) != 0) {
		act_wipe(c, "password");
		return;
	}
	ccsp_err ret = read_hash(c->d, &j, &h);
	if (ret == CCSP_OK)
		j.pw_ok = ccsp_password_check(pw, strlen(pw), &h) == CCSP_OK && j.checked_id[0] != '\0';
	act_wipe(c, "password");
	ccsp_memzero(&h, sizeof h);
	if (ret == CCSP_OK)
		ret = ccsp_store_run(c->d->store, login_fn, &j);
	if (ret == CCSP_OK && (j.tenant != NULL || j.err != CCSP_APIERR_COUNT_)) /* operators count at login2 */
		ccsp_metrics_login(c->d->metrics, j.tenant_exists ? ccsp_metrics_tenant_of(c->d->metrics, j.tenant) : NULL,
		                   j.err == CCSP_APIERR_COUNT_);
	if (ret != CCSP_OK)
		act_fail(c, ret, NULL);
	else if (j.err != CCSP_APIERR_COUNT_)
		ccspd_fail(c->d, c->req, j.err, NULL);
	else
		ccspd_ok(c->req, json_incref(j.result));
	act_result_free(j.result);
}

/* ---- logout, password ---- */

void ccspd_act_auth_logout(ccspd_call *c)
{
	ccsp_store_tx *tx = NULL;
	if (!c->who->by_session) {
		ccspd_fail(c->d, c->req, CCSP_APIERR_INVALID_PARAM, "not called with a session token");
		return;
	}
	ccsp_err ret = ccsp_store_begin(c->d->store, &tx);
	if (ret == CCSP_OK)
		ret = ccsp_store_session_revoke(tx, c->who->session);
	if (ret == CCSP_OK)
		ret = ccspd_audit(c, tx, "auth.logout", c->who->name, "ok", NULL);
	if (ret == CCSP_OK)
		ret = ccsp_store_commit(tx), tx = NULL;
	ccsp_store_rollback(tx);
	ccspd_sessions_forget(c->d);
	if (ret != CCSP_OK)
		act_fail(c, ret, NULL);
	else
		ccspd_ok(c->req, json_pack("{s:b}", "revoked", 1));
}

typedef struct password_job {
	ccspd_call *c;
	int old_ok;
	const ccsp_password_hash *h;
	ccsp_apierr err;
	int64_t revoked;
} password_job;

/* Revoke every session of the principal but the caller's: the store revokes all, the caller's is put back. */
static ccsp_err revoke_others(ccspd_call *c, ccsp_store_tx *tx, const ccsp_store_principal *p, int64_t *n)
{
	ccsp_store_session s;
	const char *tenant = p->tenant_id[0] != '\0' ? p->tenant_id : NULL;
	int keep = c->who->by_session &&
	           ccsp_store_session_get(tx, c->who->session, ccspd_now_ms(c->d), &s) == CCSP_OK;
	ccsp_err ret = ccsp_store_session_revoke_principal(tx, tenant, p->id, n);
	if (ret == CCSP_OK && keep) {
		ret = ccsp_store_session_create(tx, &s);
		*n -= 1;
	}
	return ret;
}

static ccsp_err password_fn(ccsp_store_tx *tx, void *arg)
{
	password_job *j = arg;
	ccsp_store_principal p;
	ccsp_err ret = act_me(j->c, tx, &p);
	if (ret == CCSP_OK && !j->old_ok) {
		j->err = CCSP_APIERR_LOGIN_FAILED;
		ret = act_login_failed(j->c->d, tx, &p, ccsp_http_req_id(j->c->req));
		if (ret == CCSP_OK)
			ret = ccspd_audit(j->c, tx, "auth.password", p.login, "denied", json_pack("{s:s}", "reason", "old"));
	} else if (ret == CCSP_OK) {
		act_set_password(&p, j->h);
		p.must_change = 0;
		p.pw_changed_at = ccspd_now_ms(j->c->d);
		p.failed_logins = 0;
		ret = ccsp_store_principal_update(tx, &p);
		if (ret == CCSP_OK)
			ret = revoke_others(j->c, tx, &p, &j->revoked);
		if (ret == CCSP_OK)
			ret = ccspd_audit(j->c, tx, "auth.password", p.login, "ok",
			                  json_pack("{s:I}", "sessionsRevoked", (json_int_t)j->revoked));
		j->err = CCSP_APIERR_COUNT_;
	}
	ccsp_memzero(&p, sizeof p);
	return ret;
}

/* old against the stored hash (outside the write transaction). */
static ccsp_err check_old(ccspd_call *c, const char *old, int *ok)
{
	ccsp_store_principal p;
	ccsp_password_hash h = dummy_hash;
	ccsp_store_tx *tx = NULL;
	ccsp_err ret = ccsp_store_begin_ro(c->d->store, &tx);
	if (ret == CCSP_OK)
		ret = act_me(c, tx, &p);
	ccsp_store_rollback(tx);
	if (ret == CCSP_OK && p.pw_hash_len == sizeof h.hash && p.pw_salt_len == sizeof h.salt) {
		memcpy(h.hash, p.pw_hash, sizeof h.hash);
		memcpy(h.salt, p.pw_salt, sizeof h.salt);
		h.iterations = p.pw_iter;
	}
	*ok = ret == CCSP_OK && ccsp_password_check(old, strlen(old), &h) == CCSP_OK;
	ccsp_memzero(&p, sizeof p);
	ccsp_memzero(&h, sizeof h);
	return ret;
}

void ccspd_act_auth_password(ccspd_call *c)
{
	password_job j = {.c = c, .err = CCSP_APIERR_INTERNAL};
	ccsp_password_hash h;
	const char *old, *new, *why = NULL;
	ccsp_err ret = CCSP_ERR_ARG;
	if (act_str(c, "old", 1, CCSP_PASSWORD_MAX, &old) != 0 || act_str(c, "new", 1, CCSP_PASSWORD_MAX, &new) != 0)
		goto out;
	if (ccsp_password_policy(new, strlen(new), &why) != CCSP_OK || strcmp(old, new) == 0) {
		ccspd_fail(c->d, c->req, CCSP_APIERR_INVALID_PARAM, why != NULL ? why : "new must differ from old");
		goto out;
	}
	if ((ret = check_old(c, old, &j.old_ok)) == CCSP_OK && (ret = ccsp_password_hash_new(new, strlen(new), &h)) ==
	                                                              CCSP_OK) {
		j.h = &h;
		ret = ccsp_store_run(c->d->store, password_fn, &j);
		ccspd_sessions_forget(c->d); /* the other sessions were revoked */
	}
	if (ret != CCSP_OK)
		act_fail(c, ret, NULL);
	else if (j.err != CCSP_APIERR_COUNT_)
		ccspd_fail(c->d, c->req, j.err, NULL);
	else
		ccspd_ok(c->req, json_pack("{s:b, s:I}", "changed", 1, "sessionsRevoked", (json_int_t)j.revoked));
out:
	ccsp_memzero(&h, sizeof h);
	act_wipe(c, "old");
	act_wipe(c, "new");
}

/* ---- applications ---- */

/* Beyond session_max live sessions of the app the new one is refused, as a person's login is (docs/api-ccspd.md):
 * audited as denied, CCSP-5000; the app's signed requests go on working meanwhile. */
void ccspd_act_auth_app_token(ccspd_call *c)
{
	char token[CCSP_REQAUTH_TOKEN_LEN + 1] = "";
	int64_t expires = 0;
	int limited = 0;
	ccsp_store_tx *tx = NULL;
	ccsp_err ret = c->who->kind == CCSPD_CALLER_APP ? ccsp_store_begin(c->d->store, &tx) : CCSP_ERR_ARG;
	if (ret == CCSP_OK)
		ret = ccspd_session_issue(c->d, tx, NULL, c->who->id, c->who->tenant_id, token, &expires);
	if (ret == CCSP_ERR_LIMIT) {
		limited = 1;
		ret = ccspd_audit(c, tx, "auth.app-token", c->who->name, "denied",
		                  json_pack("{s:s, s:I}", "reason", "session limit", "sessionMax",
		                            (json_int_t)c->d->session_max));
	} else if (ret == CCSP_OK)
		ret = ccspd_audit(c, tx, "auth.app-token", c->who->name, "ok", NULL);
	if (ret == CCSP_OK)
		ret = ccsp_store_commit(tx), tx = NULL;
	ccsp_store_rollback(tx);
	if (ret == CCSP_OK && limited)
		ccspd_fail(c->d, c->req, CCSP_APIERR_RATE_LIMITED, "the app holds session_max live sessions already");
	else if (ret != CCSP_OK)
		act_fail(c, ret, NULL);
	else
		ccspd_ok(c->req, json_pack("{s:s, s:I, s:I}", "token", token, "expires", (json_int_t)expires,
		                           "idleSeconds", (json_int_t)c->d->session_idle_s));
	ccsp_memzero(token, sizeof token);
}

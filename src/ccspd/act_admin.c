/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The people and tenants of the platform (docs/api-ccspd.md, area "admin"), with separation of duties
 * (ccspd_policy_may_manage_in): the sysadmin creates the other operators (secadmin, auditor, more sysadmins),
 * tenants with their sub-tenants, and tenant administrators; a tenant administrator creates the users of its
 * tenant, and sub-tenants below it (at most CCSP_STORE_TENANT_DEPTH_MAX levels) with their administrators and
 * users, and disables or enables those sub-tenants. What a tenant administrator sees is its tenant's subtree
 * (ccsp_store_tenant_scoped). Every new person gets a one-time password, answered once, to be changed at the
 * first login. An object the caller may not see is CCSP-1002, exactly as a missing one; one it sees but may not
 * manage is CCSP-3000. Every change is audited in its own transaction.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>

#include "ccspd/act.h"

typedef struct admin_job {
	act_job act; /* first: act_job_run's (act_util.c) */
	const char *id, *tenant, *name, *role, *parent, *cursor;
	int64_t limit;
	ccsp_store_status status;
	int below; /* scope_of: the tenant named is strictly below the caller's own */
} admin_job;

static int is_operator(const ccspd_caller *w)
{
	return w->tenant_id[0] == '\0';
}

/* The tenant scope j->tenant names for the caller, in *scope (NULL: the operators), and in j->below whether it is
 * strictly below the caller's own tenant. A tenant administrator sees its tenant and the sub-tenants below it;
 * anything else (an ancestor, a sibling) is CCSP_ERR_NOT_FOUND, as a tenant that does not exist. */
static ccsp_err scope_of(admin_job *j, ccsp_store_tx *tx, const char **scope)
{
	const ccspd_caller *w = j->act.c->who;
	ccsp_store_tenant t;
	*scope = j->tenant;
	j->below = 0;
	if (is_operator(w))
		return CCSP_OK;
	if (j->tenant == NULL) {
		*scope = w->tenant_id;
		return CCSP_OK;
	}
	ccsp_err ret = ccsp_store_tenant_scoped(tx, w->tenant_id, j->tenant, &t);
	if (ret == CCSP_OK)
		j->below = strcmp(t.id, w->tenant_id) != 0;
	return ret;
}

/* ---- people ---- */

/* Create principal p (login, role, tenant_id set) with a one-time password; audit; set the answer. */
static ccsp_err create_person(admin_job *j, ccsp_store_tx *tx, ccsp_store_principal *p)
{
	char otp[CCSP_PASSWORD_OTP_LEN + 1];
	ccsp_password_hash h;
	ccsp_err ret = ccsp_password_otp(otp);
	if (ret == CCSP_OK)
		ret = ccsp_password_hash_new(otp, strlen(otp), &h);
	if (ret == CCSP_OK) {
		act_set_password(p, &h);
		p->must_change = 1;
		p->pw_changed_at = p->created = ccspd_now_ms(j->act.c->d);
		p->status = CCSP_STORE_ACTIVE;
		ret = ccsp_store_principal_create(tx, p);
	}
	if (ret == CCSP_ERR_EXISTS || ret == CCSP_ERR_NOT_FOUND) {
		ret = act_job_refuse(&j->act, act_apierr(ret), ret == CCSP_ERR_EXISTS ? "login taken" : NULL);
		goto out;
	}
	if (ret == CCSP_OK)
		ret = ccspd_audit(j->act.c, tx, "principal.create", p->login, "ok",
		                  json_pack("{s:s, s:s}", "id", p->id, "role", ccsp_store_role_name(p->role)));
	if (ret == CCSP_OK) {
		json_t *o = act_principal_json(p);
		json_object_set_new(o, "oneTimePassword", json_string(otp));
		act_job_result(&j->act, o);
	}
out:
	ccsp_memzero(otp, sizeof otp);
	ccsp_memzero(&h, sizeof h);
	return ret;
}

/* role: the body's name, which the caller must be allowed to manage (else CCSP-3000) and which must fit
 * operator (operators have no tenant, members have one). -1 when refused. */
static int role_for(admin_job *j, int operator, ccsp_store_role *r)
{
	if (ccsp_store_role_parse(j->role, r) != CCSP_OK || ccsp_store_role_is_operator(*r) != operator) {
		act_job_refuse(&j->act, CCSP_APIERR_INVALID_PARAM,
		                        operator? "role must be sysadmin, secadmin or auditor"
		                                : "role must be tenant_admin or user");
		return -1;
	}
	if (!ccspd_policy_may_manage_in(j->act.c->who->role, *r, j->below)) {
		act_job_refuse(&j->act, CCSP_APIERR_FORBIDDEN, NULL);
		return -1;
	}
	return 0;
}

static ccsp_err operator_create_fn(ccsp_store_tx *tx, void *arg)
{
	admin_job *j = arg;
	ccsp_store_principal p = {0};
	if (role_for(j, 1, &p.role) != 0)
		return CCSP_OK;
	snprintf(p.login, sizeof p.login, "%s", j->name);
	ccsp_err ret = create_person(j, tx, &p);
	ccsp_memzero(&p, sizeof p);
	return ret;
}

void ccspd_act_admin_operator_create(ccspd_call *c)
{
	admin_job j = {.act.c = c};
	if (act_str(c, "login", 1, CCSP_STORE_NAME_MAX, &j.name) != 0 ||
	    act_str(c, "role", 1, CCSP_STORE_TEXT_MAX, &j.role) != 0)
		return;
	act_job_run(&j.act, operator_create_fn, &j);
}

static ccsp_err member_create_fn(ccsp_store_tx *tx, void *arg)
{
	admin_job *j = arg;
	ccsp_store_principal p = {0};
	const char *scope = NULL;
	ccsp_err ret = scope_of(j, tx, &scope);
	if (ret == CCSP_ERR_NOT_FOUND || (ret == CCSP_OK && scope == NULL))
		return act_job_refuse(&j->act, scope == NULL ? CCSP_APIERR_INVALID_PARAM : CCSP_APIERR_NOT_FOUND,
		              scope == NULL ? "tenant is required" : NULL);
	if (ret != CCSP_OK || role_for(j, 0, &p.role) != 0)
		return ret;
	snprintf(p.login, sizeof p.login, "%s", j->name);
	snprintf(p.tenant_id, sizeof p.tenant_id, "%s", scope);
	ret = create_person(j, tx, &p);
	ccsp_memzero(&p, sizeof p);
	return ret;
}

void ccspd_act_admin_member_create(ccspd_call *c)
{
	admin_job j = {.act.c = c};
	if (act_id(c, "tenant", 0, &j.tenant) != 0 || act_str(c, "login", 1, CCSP_STORE_NAME_MAX, &j.name) != 0 ||
	    act_str(c, "role", 0, CCSP_STORE_TEXT_MAX, &j.role) != 0)
		return;
	if (j.role == NULL)
		j.role = is_operator(c->who) ? "tenant_admin" : "user";
	act_job_run(&j.act, member_create_fn, &j);
}

static ccsp_err principal_list_fn(ccsp_store_tx *tx, void *arg)
{
	admin_job *j = arg;
	const char *scope = NULL;
	size_t n = 0;
	ccsp_err ret = scope_of(j, tx, &scope);
	if (ret == CCSP_ERR_NOT_FOUND)
		return act_job_refuse(&j->act, CCSP_APIERR_NOT_FOUND, NULL);
	ccsp_store_principal *ps = ret == CCSP_OK ? calloc((size_t)j->limit, sizeof *ps) : NULL;
	if (ret == CCSP_OK && ps == NULL)
		ret = CCSP_ERR_NOMEM;
	if (ret == CCSP_OK)
		ret = ccsp_store_principal_list(tx, scope, j->cursor, (size_t)j->limit, ps, &n);
	if (ret == CCSP_ERR_NOT_FOUND)
		ret = act_job_refuse(&j->act, CCSP_APIERR_NOT_FOUND, NULL);
	else if (ret == CCSP_OK) {
		json_t *list = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(list, act_principal_json(&ps[i]));
		act_job_result(&j->act, json_pack("{s:o, s:o}", "principals", list, "next",
		                        n == (size_t)j->limit ? json_string(ps[n - 1].id) : json_null()));
	}
	if (ps != NULL)
		ccsp_memzero(ps, (size_t)j->limit * sizeof *ps);
	free(ps);
	return ret;
}

void ccspd_act_admin_principal_list(ccspd_call *c)
{
	admin_job j = {.act.c = c};
	if (act_id(c, "tenant", 0, &j.tenant) != 0 || act_id(c, "cursor", 0, &j.cursor) != 0 ||
	    act_int(c, "limit", 1, CCSPD_LIST_MAX, CCSPD_LIST_DEFAULT, &j.limit) != 0)
		return;
	act_job_run(&j.act, principal_list_fn, &j);
}

/* Disable (and end its sessions) or enable a principal the caller may manage. */
static ccsp_err principal_status_fn(ccsp_store_tx *tx, void *arg)
{
	admin_job *j = arg;
	ccsp_store_principal p;
	const char *scope = NULL;
	int64_t ended = 0;
	ccsp_err ret = scope_of(j, tx, &scope);
	if (ret == CCSP_OK)
		ret = ccsp_store_principal_get(tx, scope, j->id, &p);
	if (ret == CCSP_ERR_NOT_FOUND)
		return act_job_refuse(&j->act, CCSP_APIERR_NOT_FOUND, NULL);
	if (ret != CCSP_OK)
		return ret;
	if (!ccspd_policy_may_manage_in(j->act.c->who->role, p.role, j->below))
		ret = act_job_refuse(&j->act, CCSP_APIERR_FORBIDDEN, NULL);
	else if (strcmp(p.id, j->act.c->who->id) == 0)
		ret = act_job_refuse(&j->act, CCSP_APIERR_INVALID_PARAM, "a person cannot disable or enable itself");
	else {
		p.status = j->status;
		if (j->status == CCSP_STORE_ACTIVE)
			p.failed_logins = p.locked_until = 0; /* enabling also lifts a lockout */
		ret = ccsp_store_principal_update(tx, &p);
		if (ret == CCSP_OK && j->status == CCSP_STORE_DISABLED)
			ret = ccsp_store_session_revoke_principal(tx, scope, p.id, &ended);
		if (ret == CCSP_OK)
			ret = ccspd_audit(
			        j->act.c, tx, j->status == CCSP_STORE_ACTIVE ? "principal.enable" : "principal.disable",
			        p.login, "ok", json_pack("{s:s, s:I}", "id", p.id, "sessionsEnded", (json_int_t)ended));
		if (ret == CCSP_OK)
			act_job_result(&j->act, act_principal_json(&p));
	}
	ccsp_memzero(&p, sizeof p);
	return ret;
}

static void principal_status(ccspd_call *c, ccsp_store_status st)
{
	admin_job j = {.act.c = c, .status = st};
	if (act_id(c, "id", 1, &j.id) != 0 || act_id(c, "tenant", 0, &j.tenant) != 0)
		return;
	act_job_run(&j.act, principal_status_fn, &j);
	ccspd_sessions_forget(c->d); /* the sessions it ended must not live on in the gateway's cache */
}

void ccspd_act_admin_principal_disable(ccspd_call *c)
{
	principal_status(c, CCSP_STORE_DISABLED);
}

void ccspd_act_admin_principal_enable(ccspd_call *c)
{
	principal_status(c, CCSP_STORE_ACTIVE);
}

/* ---- tenants: the sysadmin, and tenant administrators below their own tenant ---- */

#define DEPTH_TEXT_(n) #n
#define DEPTH_TEXT(n) DEPTH_TEXT_(n)

/* The parent a tenant administrator names (default: its own tenant), seen from its tenant, into *p; -1 after
 * refusing (CCSP-1002 outside its subtree), or the store's error in *ret. The sysadmin names any tenant or none. */
static int parent_of(admin_job *j, ccsp_store_tx *tx, ccsp_store_tenant *p, const char **parent, ccsp_err *ret)
{
	const ccspd_caller *w = j->act.c->who;
	*parent = j->parent;
	*ret = CCSP_OK;
	if (is_operator(w))
		return 0;
	*ret = ccsp_store_tenant_scoped(tx, w->tenant_id, j->parent != NULL ? j->parent : w->tenant_id, p);
	if (*ret == CCSP_ERR_NOT_FOUND)
		*ret = act_job_refuse(&j->act, CCSP_APIERR_NOT_FOUND, NULL);
	else if (*ret == CCSP_OK)
		*parent = p->id;
	return *ret == CCSP_OK && j->act.err == CCSP_APIERR_INTERNAL ? 0 : -1;
}

static ccsp_err tenant_create_fn(ccsp_store_tx *tx, void *arg)
{
	admin_job *j = arg;
	ccsp_store_tenant t = {.status = CCSP_STORE_ACTIVE, .created = ccspd_now_ms(j->act.c->d)}, p;
	const char *parent = NULL;
	ccsp_err ret = CCSP_OK;
	j->act.err = CCSP_APIERR_INTERNAL;
	if (parent_of(j, tx, &p, &parent, &ret) != 0)
		return ret;
	snprintf(t.name, sizeof t.name, "%s", j->name);
	snprintf(t.parent_id, sizeof t.parent_id, "%s", parent != NULL ? parent : "");
	ret = ccsp_store_tenant_create(tx, &t);
	if (ret == CCSP_ERR_LIMIT)
		return act_job_refuse(&j->act, CCSP_APIERR_INVALID_PARAM,
		              "parent: tenants nest at most " DEPTH_TEXT(CCSP_STORE_TENANT_DEPTH_MAX) " levels deep");
	if (ret == CCSP_ERR_EXISTS || ret == CCSP_ERR_NOT_FOUND)
		return act_job_refuse(&j->act, act_apierr(ret), ret == CCSP_ERR_EXISTS ? "name taken" : NULL);
	if (ret == CCSP_OK)
		ret = ccspd_audit(j->act.c, tx, "tenant.create", t.name, "ok",
		                  json_pack("{s:s, s:s}", "id", t.id, "parentId", t.parent_id));
	if (ret == CCSP_OK)
		act_job_result(&j->act, act_tenant_json(&t));
	return ret;
}

void ccspd_act_admin_tenant_create(ccspd_call *c)
{
	admin_job j = {.act.c = c};
	if (act_str(c, "name", 1, CCSP_STORE_NAME_MAX, &j.name) != 0 || act_id(c, "parent", 0, &j.parent) != 0)
		return;
	act_job_run(&j.act, tenant_create_fn, &j);
}

static ccsp_err tenant_list_fn(ccsp_store_tx *tx, void *arg)
{
	admin_job *j = arg;
	ccsp_store_tenant p;
	const char *parent = NULL;
	size_t n = 0;
	ccsp_err ret = CCSP_OK;
	j->act.err = CCSP_APIERR_INTERNAL;
	if (parent_of(j, tx, &p, &parent, &ret) != 0)
		return ret;
	ccsp_store_tenant *ts = calloc((size_t)j->limit, sizeof *ts);
	ret = ts != NULL ? ccsp_store_tenant_list(tx, parent, j->cursor, (size_t)j->limit, ts, &n) : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK) {
		json_t *list = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(list, act_tenant_json(&ts[i]));
		act_job_result(&j->act, json_pack("{s:o, s:o}", "tenants", list, "next",
		                        n == (size_t)j->limit ? json_string(ts[n - 1].id) : json_null()));
	}
	free(ts);
	return ret;
}

void ccspd_act_admin_tenant_list(ccspd_call *c)
{
	admin_job j = {.act.c = c};
	if (act_id(c, "parent", 0, &j.parent) != 0 || act_id(c, "cursor", 0, &j.cursor) != 0 ||
	    act_int(c, "limit", 1, CCSPD_LIST_MAX, CCSPD_LIST_DEFAULT, &j.limit) != 0)
		return;
	act_job_run(&j.act, tenant_list_fn, &j);
}

/* Disable (ending every session of its subtree, people's and apps') or enable a tenant: the sysadmin any, a tenant
 * administrator a sub-tenant below its own (its own tenant is CCSP-3000, anything outside CCSP-1002). While a
 * tenant is disabled its whole subtree is refused at authentication (ccsp_store_tenant_active). */
static ccsp_err tenant_status_fn(ccsp_store_tx *tx, void *arg)
{
	admin_job *j = arg;
	ccsp_store_tenant t;
	const char *scope = is_operator(j->act.c->who) ? NULL : j->act.c->who->tenant_id;
	int64_t ended = 0;
	ccsp_err ret = ccsp_store_tenant_scoped(tx, scope, j->id, &t);
	if (ret == CCSP_ERR_NOT_FOUND)
		return act_job_refuse(&j->act, CCSP_APIERR_NOT_FOUND, NULL);
	if (ret == CCSP_OK && scope != NULL && strcmp(t.id, scope) == 0)
		return act_job_refuse(&j->act, CCSP_APIERR_FORBIDDEN,
		                      "a tenant administrator cannot disable or enable its own tenant");
	if (ret == CCSP_OK)
		ret = ccsp_store_tenant_set_status(tx, j->id, j->status);
	if (ret == CCSP_OK && j->status == CCSP_STORE_DISABLED)
		ret = ccsp_store_session_revoke_tenant(tx, j->id, &ended);
	if (ret == CCSP_OK)
		ret = ccspd_audit(j->act.c, tx, j->status == CCSP_STORE_ACTIVE ? "tenant.enable" : "tenant.disable",
		                  t.name, "ok",
		                  json_pack("{s:s, s:I}", "id", t.id, "sessionsEnded", (json_int_t)ended));
	t.status = j->status;
	if (ret == CCSP_OK)
		act_job_result(&j->act, act_tenant_json(&t));
	return ret;
}

static void tenant_status(ccspd_call *c, ccsp_store_status st)
{
	admin_job j = {.act.c = c, .status = st};
	if (act_id(c, "id", 1, &j.id) != 0)
		return;
	act_job_run(&j.act, tenant_status_fn, &j);
	ccspd_sessions_forget(c->d);
}

void ccspd_act_admin_tenant_disable(ccspd_call *c)
{
	tenant_status(c, CCSP_STORE_DISABLED);
}

void ccspd_act_admin_tenant_enable(ccspd_call *c)
{
	tenant_status(c, CCSP_STORE_ACTIVE);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The identity actions' pure decisions (act.h): separation of duties (with sub-tenants), lockout, password expiry,
 * who sees whose usage. */
#include <string.h>

#include "ccspd/act.h"

int ccspd_policy_may_manage(ccsp_store_role caller, ccsp_store_role target)
{
	switch (caller) {
	case CCSP_ROLE_SYSADMIN: /* the other operators, more sysadmins, and the tenants' administrators */
		return target == CCSP_ROLE_SYSADMIN || target == CCSP_ROLE_SECADMIN || target == CCSP_ROLE_AUDITOR ||
		       target == CCSP_ROLE_TENANT_ADMIN;
	case CCSP_ROLE_TENANT_ADMIN: /* the users of its tenant */
		return target == CCSP_ROLE_USER;
	default:
		return 0;
	}
}

int ccspd_policy_may_manage_in(ccsp_store_role caller, ccsp_store_role target, int below)
{
	if (caller == CCSP_ROLE_TENANT_ADMIN && target == CCSP_ROLE_TENANT_ADMIN)
		return below != 0;
	return ccspd_policy_may_manage(caller, target);
}

int ccspd_policy_password_expired(const ccsp_store_principal *p, int64_t now_ms)
{
	return p->must_change || now_ms - p->pw_changed_at > CCSPD_PASSWORD_MAX_AGE_MS;
}

int ccspd_policy_locked(const ccsp_store_principal *p, int64_t now_ms)
{
	return p->locked_until > now_ms;
}

int ccspd_policy_lock_now(int64_t failed)
{
	return failed >= CCSPD_LOCKOUT_FAILURES;
}

int ccspd_policy_usage_scope(const ccspd_caller *who, const char **tenant, const char **app)
{
	if (who->kind == CCSPD_CALLER_PERSON && who->tenant_id[0] == '\0') /* an operator: every tenant */
		return who->role == CCSP_ROLE_SYSADMIN || who->role == CCSP_ROLE_AUDITOR ? 0 : -1;
	if (who->kind == CCSPD_ANONYMOUS || who->tenant_id[0] == '\0' ||
	    (*tenant != NULL && strcmp(*tenant, who->tenant_id) != 0))
		return -1;
	*tenant = who->tenant_id; /* a tenant's caller: its own tenant only */
	if (who->kind == CCSPD_CALLER_APP) {
		if (*app != NULL && strcmp(*app, who->id) != 0)
			return -1;
		*app = who->id; /* an app: its own calls only */
	}
	return 0;
}

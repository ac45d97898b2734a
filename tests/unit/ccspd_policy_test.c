/* SPDX-License-Identifier: Apache-2.0 */
/* ccspd's identity decisions (src/ccspd/policy.c): separation of duties, lockout, password expiry. */
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ccspd/act.h"

static void test_may_manage(void **state)
{
	(void)state;
	static const struct {
		ccsp_store_role caller, target;
		int may;
	} t[] = {
		{CCSP_ROLE_SYSADMIN, CCSP_ROLE_SYSADMIN, 1},       {CCSP_ROLE_SYSADMIN, CCSP_ROLE_SECADMIN, 1},
		{CCSP_ROLE_SYSADMIN, CCSP_ROLE_AUDITOR, 1},        {CCSP_ROLE_SYSADMIN, CCSP_ROLE_TENANT_ADMIN, 1},
		{CCSP_ROLE_SYSADMIN, CCSP_ROLE_USER, 0},           {CCSP_ROLE_TENANT_ADMIN, CCSP_ROLE_USER, 1},
		{CCSP_ROLE_TENANT_ADMIN, CCSP_ROLE_TENANT_ADMIN, 0}, {CCSP_ROLE_TENANT_ADMIN, CCSP_ROLE_SYSADMIN, 0},
		{CCSP_ROLE_SECADMIN, CCSP_ROLE_USER, 0},           {CCSP_ROLE_SECADMIN, CCSP_ROLE_AUDITOR, 0},
		{CCSP_ROLE_AUDITOR, CCSP_ROLE_AUDITOR, 0},         {CCSP_ROLE_USER, CCSP_ROLE_USER, 0},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		assert_int_equal(ccspd_policy_may_manage(t[i].caller, t[i].target), t[i].may);
}

/* Sub-tenants: a tenant administrator manages the tenant administrators strictly below its tenant only. */
static void test_may_manage_in(void **state)
{
	(void)state;
	assert_true(ccspd_policy_may_manage_in(CCSP_ROLE_TENANT_ADMIN, CCSP_ROLE_TENANT_ADMIN, 1));
	assert_false(ccspd_policy_may_manage_in(CCSP_ROLE_TENANT_ADMIN, CCSP_ROLE_TENANT_ADMIN, 0)); /* its own */
	assert_true(ccspd_policy_may_manage_in(CCSP_ROLE_TENANT_ADMIN, CCSP_ROLE_USER, 0));
	assert_true(ccspd_policy_may_manage_in(CCSP_ROLE_TENANT_ADMIN, CCSP_ROLE_USER, 1));
	assert_false(ccspd_policy_may_manage_in(CCSP_ROLE_TENANT_ADMIN, CCSP_ROLE_SYSADMIN, 1));
	assert_true(ccspd_policy_may_manage_in(CCSP_ROLE_SYSADMIN, CCSP_ROLE_TENANT_ADMIN, 1));
	assert_false(ccspd_policy_may_manage_in(CCSP_ROLE_SYSADMIN, CCSP_ROLE_USER, 1)); /* still not users */
	assert_false(ccspd_policy_may_manage_in(CCSP_ROLE_USER, CCSP_ROLE_USER, 1));
}

static void test_lockout(void **state)
{
	(void)state;
	for (int64_t f = 0; f < CCSPD_LOCKOUT_FAILURES; f++)
		assert_false(ccspd_policy_lock_now(f));
	assert_true(ccspd_policy_lock_now(CCSPD_LOCKOUT_FAILURES));
	ccsp_store_principal p = {.locked_until = 1000};
	assert_true(ccspd_policy_locked(&p, 999));
	assert_false(ccspd_policy_locked(&p, 1000)); /* the lock ends at locked_until */
	p.locked_until = 0;
	assert_false(ccspd_policy_locked(&p, 0));
}

static void test_expiry(void **state)
{
	(void)state;
	ccsp_store_principal p = {.pw_changed_at = 1000};
	assert_false(ccspd_policy_password_expired(&p, 1000 + CCSPD_PASSWORD_MAX_AGE_MS));
	assert_true(ccspd_policy_password_expired(&p, 1001 + CCSPD_PASSWORD_MAX_AGE_MS));
	p.must_change = 1;
	assert_true(ccspd_policy_password_expired(&p, 1000));
}

/* usage/query: operators who read usage see every tenant or the one they name; a tenant's person its own tenant; an
 * app its own calls; anything else named is refused (answered as not found). */
static void test_usage_scope(void **state)
{
	(void)state;
	static const char ta[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", tb[] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
	static const char app1[] = "11111111111111111111111111111111", app2[] = "22222222222222222222222222222222";
	ccspd_caller op = {.kind = CCSPD_CALLER_PERSON, .role = CCSP_ROLE_SYSADMIN};
	ccspd_caller admin = {.kind = CCSPD_CALLER_PERSON, .role = CCSP_ROLE_TENANT_ADMIN};
	ccspd_caller app = {.kind = CCSPD_CALLER_APP};
	memcpy(admin.tenant_id, ta, sizeof ta);
	memcpy(app.tenant_id, ta, sizeof ta);
	memcpy(app.id, app1, sizeof app1);
	const char *tenant = NULL, *a = NULL;
	assert_int_equal(ccspd_policy_usage_scope(&op, &tenant, &a), 0); /* every tenant */
	assert_null(tenant);
	assert_null(a);
	tenant = tb;
	a = app2;
	assert_int_equal(ccspd_policy_usage_scope(&op, &tenant, &a), 0); /* as named */
	assert_ptr_equal(tenant, tb);
	assert_ptr_equal(a, app2);
	op.role = CCSP_ROLE_AUDITOR;
	assert_int_equal(ccspd_policy_usage_scope(&op, &tenant, &a), 0);
	op.role = CCSP_ROLE_SECADMIN;
	assert_int_equal(ccspd_policy_usage_scope(&op, &tenant, &a), -1);
	tenant = a = NULL;
	assert_int_equal(ccspd_policy_usage_scope(&admin, &tenant, &a), 0); /* its own tenant, any app */
	assert_string_equal(tenant, ta);
	assert_null(a);
	a = app2;
	assert_int_equal(ccspd_policy_usage_scope(&admin, &tenant, &a), 0);
	assert_ptr_equal(a, app2);
	tenant = tb;
	assert_int_equal(ccspd_policy_usage_scope(&admin, &tenant, &a), -1); /* another tenant */
	tenant = a = NULL;
	assert_int_equal(ccspd_policy_usage_scope(&app, &tenant, &a), 0); /* its own calls */
	assert_string_equal(tenant, ta);
	assert_string_equal(a, app1);
	a = app1;
	tenant = ta;
	assert_int_equal(ccspd_policy_usage_scope(&app, &tenant, &a), 0);
	a = app2;
	assert_int_equal(ccspd_policy_usage_scope(&app, &tenant, &a), -1); /* another app */
	a = NULL;
	tenant = tb;
	assert_int_equal(ccspd_policy_usage_scope(&app, &tenant, &a), -1);
	ccspd_caller anon = {.kind = CCSPD_ANONYMOUS};
	tenant = a = NULL;
	assert_int_equal(ccspd_policy_usage_scope(&anon, &tenant, &a), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_may_manage),
		cmocka_unit_test(test_may_manage_in),
		cmocka_unit_test(test_lockout),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_usage_scope),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

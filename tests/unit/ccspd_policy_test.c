/* SPDX-License-Identifier: Apache-2.0 */
/* ccspd's identity decisions (src/ccspd/policy.c): separation of duties, lockout, password expiry. */
#include <stdarg.h>
#include <stddef.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_may_manage),
		cmocka_unit_test(test_may_manage_in),
		cmocka_unit_test(test_lockout),
		cmocka_unit_test(test_expiry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

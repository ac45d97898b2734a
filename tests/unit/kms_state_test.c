/* SPDX-License-Identifier: Apache-2.0 */
/* The KMS key lifecycle (src/platform/kms_state.c): every (state, event) pair against an expected table written
 * out here independently of the module's own, so every allowed transition and every refused one is checked; what
 * each state permits; the deletion waiting period and its due time; names. */
#include <string.h>

#include "platform/kms_state.h"
#include "test_util.h"

#define N CCSP_KMS_NONE
#define EN CCSP_KMS_ENABLED
#define DI CCSP_KMS_DISABLED
#define PD CCSP_KMS_PENDING_DELETION
#define AR CCSP_KMS_ARCHIVED
#define CO CCSP_KMS_COMPROMISED
#define DE CCSP_KMS_DESTROYED
#define NO (-1) /* refused */

/* Columns: create, enable, disable, schedule-deletion, cancel-deletion, archive, destroy-due, emergency-destroy,
 * mark-compromised, rotate. */
static const int expect[CCSP_KMS_STATE_COUNT_][CCSP_KMS_EVENT_COUNT_] = {
	[N] = {EN, NO, NO, NO, NO, NO, NO, NO, NO, NO},
	[EN] = {NO, NO, DI, PD, NO, AR, NO, DE, CO, EN},
	[DI] = {NO, EN, NO, PD, NO, AR, NO, DE, CO, NO},
	[PD] = {NO, NO, NO, NO, DI, NO, DE, DE, NO, NO},
	[AR] = {NO, NO, NO, PD, NO, NO, NO, DE, CO, NO},
	[CO] = {NO, NO, NO, NO, NO, NO, NO, DE, NO, EN},
	[DE] = {NO, NO, NO, NO, NO, NO, NO, NO, NO, NO},
};

static void test_every_transition(void **state)
{
	(void)state;
	int allowed = 0, refused = 0;
	for (int s = 0; s < CCSP_KMS_STATE_COUNT_; s++)
		for (int e = 0; e < CCSP_KMS_EVENT_COUNT_; e++) {
			ccsp_kms_state to = CCSP_KMS_STATE_COUNT_;
			ccsp_err ret = ccsp_kms_transition((ccsp_kms_state)s, (ccsp_kms_event)e, &to);
			if (expect[s][e] == NO) {
				if (ret != CCSP_ERR_STATE || to != (ccsp_kms_state)s)
					fail_msg("%s --%s-> should be refused", ccsp_kms_state_name((ccsp_kms_state)s),
					         ccsp_kms_event_name((ccsp_kms_event)e));
				assert_false(ccsp_kms_allowed((ccsp_kms_state)s, (ccsp_kms_event)e));
				refused++;
			} else {
				if (ret != CCSP_OK || (int)to != expect[s][e])
					fail_msg("%s --%s-> should lead to %s", ccsp_kms_state_name((ccsp_kms_state)s),
					         ccsp_kms_event_name((ccsp_kms_event)e),
					         ccsp_kms_state_name((ccsp_kms_state)expect[s][e]));
				assert_true(ccsp_kms_allowed((ccsp_kms_state)s, (ccsp_kms_event)e));
				allowed++;
			}
		}
	assert_int_equal(allowed, 20);
	assert_int_equal(refused, CCSP_KMS_STATE_COUNT_ * CCSP_KMS_EVENT_COUNT_ - 20);
}

static void test_out_of_range(void **state)
{
	(void)state;
	ccsp_kms_state to;
	assert_ccsp(CCSP_ERR_STATE, ccsp_kms_transition(CCSP_KMS_STATE_COUNT_, CCSP_KMS_CREATE, &to));
	assert_int_equal(to, CCSP_KMS_STATE_COUNT_);
	assert_ccsp(CCSP_ERR_STATE, ccsp_kms_transition(EN, CCSP_KMS_EVENT_COUNT_, &to));
	assert_int_equal(to, EN);
	assert_ccsp(CCSP_ERR_STATE, ccsp_kms_transition((ccsp_kms_state)-1, CCSP_KMS_CREATE, &to));
	assert_false(ccsp_kms_allowed(EN, (ccsp_kms_event)-1));
}

static void test_permits(void **state)
{
	(void)state;
	/* encrypt: enabled only; decrypt: enabled, archived, compromised */
	static const int enc[CCSP_KMS_STATE_COUNT_] = {[EN] = 1};
	static const int dec[CCSP_KMS_STATE_COUNT_] = {[EN] = 1, [AR] = 1, [CO] = 1};
	for (int s = 0; s < CCSP_KMS_STATE_COUNT_; s++) {
		assert_int_equal(ccsp_kms_may_encrypt((ccsp_kms_state)s), enc[s]);
		assert_int_equal(ccsp_kms_may_decrypt((ccsp_kms_state)s), dec[s]);
	}
	assert_false(ccsp_kms_may_encrypt(CCSP_KMS_STATE_COUNT_));
	assert_false(ccsp_kms_may_decrypt(CCSP_KMS_STATE_COUNT_));
}

static void test_deletion(void **state)
{
	(void)state;
	const int64_t due = 1760000000000LL;
	assert_false(ccsp_kms_deletion_due(PD, due, due - 1));
	assert_true(ccsp_kms_deletion_due(PD, due, due));
	assert_true(ccsp_kms_deletion_due(PD, due, due + CCSP_KMS_DAY_MS));
	for (int s = 0; s < CCSP_KMS_STATE_COUNT_; s++) /* only a pending key is ever due */
		if (s != PD)
			assert_false(ccsp_kms_deletion_due((ccsp_kms_state)s, due, due + 1));
	assert_true(ccsp_kms_deletion_days_ok(7, 7, 30));
	assert_true(ccsp_kms_deletion_days_ok(30, 7, 30));
	assert_false(ccsp_kms_deletion_days_ok(6, 7, 30));
	assert_false(ccsp_kms_deletion_days_ok(31, 7, 30));
	assert_true(ccsp_kms_deletion_days_ok(10, 10, 10));
	assert_false(ccsp_kms_deletion_days_ok(9, 10, 10));
	assert_false(ccsp_kms_deletion_days_ok(5, 5, 30)); /* a policy below the floor of 7 days: nothing passes */
	assert_false(ccsp_kms_deletion_days_ok(20, 30, 7));
	assert_false(ccsp_kms_deletion_days_ok(400, 7, 400));
}

static void test_names(void **state)
{
	(void)state;
	assert_null(ccsp_kms_state_name(N));
	assert_null(ccsp_kms_state_name(CCSP_KMS_STATE_COUNT_));
	for (int s = EN; s < CCSP_KMS_STATE_COUNT_; s++)
		assert_int_equal(ccsp_kms_state_parse(ccsp_kms_state_name((ccsp_kms_state)s)), s);
	assert_string_equal(ccsp_kms_state_name(PD), "pending_deletion");
	assert_int_equal(ccsp_kms_state_parse("pending-deletion"), N);
	assert_int_equal(ccsp_kms_state_parse(""), N);
	assert_int_equal(ccsp_kms_state_parse(NULL), N);
	assert_string_equal(ccsp_kms_event_name(CCSP_KMS_SCHEDULE_DELETION), "schedule-deletion");
	for (int e = 0; e < CCSP_KMS_EVENT_COUNT_; e++)
		assert_non_null(ccsp_kms_event_name((ccsp_kms_event)e));
	assert_null(ccsp_kms_event_name(CCSP_KMS_EVENT_COUNT_));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_transition), cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_permits),          cmocka_unit_test(test_deletion),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests_name("kms_state", tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The KMS key kinds (src/platform/kms_spec.c): every (spec, operation) pair against a table written out here
 * independently of the module's own; names, families, pairs and new/old work. */
#include <string.h>

#include "platform/kms_spec.h"
#include "test_util.h"

/* Columns: encrypt, decrypt, generate-data-key, mac, mac-verify, sign, verify, asymmetric-decrypt,
 * get-public-key, envelope-open. */
static const int expect[CCSP_KMS_SPEC_COUNT_][CCSP_KMS_OP_COUNT_] = {
	[CCSP_KMS_SPEC_NONE] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
	[CCSP_KMS_SPEC_SM4] = {1, 1, 1, 0, 0, 0, 0, 0, 0, 0},
	[CCSP_KMS_SPEC_SM4_MAC] = {0, 0, 0, 1, 1, 0, 0, 0, 0, 0},
	[CCSP_KMS_SPEC_HMAC_SM3] = {0, 0, 0, 1, 1, 0, 0, 0, 0, 0},
	[CCSP_KMS_SPEC_SM2_SIGN] = {0, 0, 0, 0, 0, 1, 1, 0, 1, 0},
	[CCSP_KMS_SPEC_SM2_ENC] = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1},
};

static void test_permits(void **state)
{
	(void)state;
	for (int s = 0; s < CCSP_KMS_SPEC_COUNT_; s++)
		for (int o = 0; o < CCSP_KMS_OP_COUNT_; o++)
			if (ccsp_kms_spec_permits((ccsp_kms_spec)s, (ccsp_kms_op)o) != expect[s][o])
				fail_msg("spec %d op %d: permits %d, expected %d", s, o,
				         ccsp_kms_spec_permits((ccsp_kms_spec)s, (ccsp_kms_op)o), expect[s][o]);
	assert_false(ccsp_kms_spec_permits(CCSP_KMS_SPEC_COUNT_, CCSP_KMS_OP_ENCRYPT));
	assert_false(ccsp_kms_spec_permits(CCSP_KMS_SPEC_SM4, CCSP_KMS_OP_COUNT_));
	assert_false(ccsp_kms_spec_permits(CCSP_KMS_SPEC_SM4, (ccsp_kms_op)-1));
}

static void test_names(void **state)
{
	(void)state;
	static const char *const names[] = {NULL, "SM4", "SM4_MAC", "HMAC_SM3", "SM2_SIGN", "SM2_ENC"};
	static const char *const families[] = {NULL, "SM4", "SM4", "HMAC", "SM2", "SM2"};
	for (int s = 1; s < CCSP_KMS_SPEC_COUNT_; s++) {
		assert_string_equal(ccsp_kms_spec_name((ccsp_kms_spec)s), names[s]);
		assert_string_equal(ccsp_kms_spec_family((ccsp_kms_spec)s), families[s]);
		assert_int_equal(ccsp_kms_spec_parse(names[s]), s);
		assert_int_equal(ccsp_kms_spec_is_pair((ccsp_kms_spec)s),
		                 s == CCSP_KMS_SPEC_SM2_SIGN || s == CCSP_KMS_SPEC_SM2_ENC);
	}
	assert_null(ccsp_kms_spec_name(CCSP_KMS_SPEC_NONE));
	assert_null(ccsp_kms_spec_family(CCSP_KMS_SPEC_COUNT_));
	const char *bad[] = {NULL, "", "sm4", "SM2", "SM4 ", "HMAC", "RSA"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(ccsp_kms_spec_parse(bad[i]), CCSP_KMS_SPEC_NONE);
	assert_string_equal(ccsp_kms_op_name(CCSP_KMS_OP_ASYM_DECRYPT), "asymmetric-decrypt");
	assert_string_equal(ccsp_kms_op_name(CCSP_KMS_OP_ENVELOPE_OPEN), "envelope-open");
	assert_null(ccsp_kms_op_name(CCSP_KMS_OP_COUNT_));
}

static void test_new_work(void **state)
{
	(void)state;
	const int new_work[CCSP_KMS_OP_COUNT_] = {1, 0, 1, 1, 0, 1, 0, 0, 0, 0};
	for (int o = 0; o < CCSP_KMS_OP_COUNT_; o++)
		assert_int_equal(ccsp_kms_op_new_work((ccsp_kms_op)o), new_work[o]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_permits),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_new_work),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

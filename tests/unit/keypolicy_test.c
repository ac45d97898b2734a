/* SPDX-License-Identifier: Apache-2.0 */
/* The platform's key policy (src/platform/keypolicy.c): defaults, updates, every refusal, the JSON round trip.
 * Its storage is tested in store_test (store_sec.h). */
#include <string.h>

#include "platform/keypolicy.h"
#include "test_util.h"

static ccsp_err apply_text(ccsp_keypolicy *p, const char *text, const char **why)
{
	json_t *o = json_loads(text, 0, NULL);
	assert_non_null(o);
	ccsp_err ret = ccsp_keypolicy_apply(p, o, why);
	json_decref(o);
	return ret;
}

static void test_defaults(void **state)
{
	(void)state;
	ccsp_keypolicy p;
	ccsp_keypolicy_default(&p);
	assert_true(ccsp_keypolicy_spec_allowed(&p, "SM4"));
	assert_true(ccsp_keypolicy_spec_allowed(&p, "SM2"));
	assert_true(ccsp_keypolicy_spec_allowed(&p, "HMAC"));
	assert_true(ccsp_keypolicy_spec_allowed(&p, "SM2_SIGN")); /* key specs by their family */
	assert_true(ccsp_keypolicy_spec_allowed(&p, "HMAC_SM3"));
	assert_false(ccsp_keypolicy_spec_allowed(&p, "RSA"));
	assert_false(ccsp_keypolicy_spec_allowed(&p, "SM2_"));
	assert_false(ccsp_keypolicy_spec_allowed(&p, NULL));
	assert_int_equal(p.deletion_min_days, 7);
	assert_int_equal(p.deletion_max_days, 30);
	assert_false(p.allow_wrapped_export);
	json_t *o = ccsp_keypolicy_json(&p);
	char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(text, "{\"allowWrappedExport\":false,\"deletionMaxDays\":30,\"deletionMinDays\":7,"
	                          "\"keySpecs\":[\"SM4\",\"SM2\",\"HMAC\"],\"maxVersions\":100,\"rotationDefaultDays\":365,"
	                          "\"rotationMaxDays\":1825,\"rotationMinDays\":30}");
	free(text);
	ccsp_keypolicy q;
	ccsp_keypolicy_default(&q);
	q.max_versions = 1; /* the JSON of a policy applied to anything gives that policy */
	const char *why = NULL;
	assert_ok(ccsp_keypolicy_apply(&q, o, &why));
	assert_int_equal(q.max_versions, 100);
	json_decref(o);
}

static void test_update(void **state)
{
	(void)state;
	ccsp_keypolicy p;
	const char *why = NULL;
	ccsp_keypolicy_default(&p);
	assert_ok(apply_text(&p, "{\"keySpecs\":[\"SM2\"],\"allowWrappedExport\":true,\"maxVersions\":5}", &why));
	assert_false(ccsp_keypolicy_spec_allowed(&p, "SM4"));
	assert_false(ccsp_keypolicy_spec_allowed(&p, "SM4_MAC"));
	assert_true(ccsp_keypolicy_spec_allowed(&p, "SM2"));
	assert_true(ccsp_keypolicy_spec_allowed(&p, "SM2_ENC"));
	assert_true(p.allow_wrapped_export);
	assert_int_equal(p.max_versions, 5);
	assert_int_equal(p.rotation_default_days, 365); /* untouched */
	assert_ok(apply_text(&p, "{}", &why));
	/* the members are checked together: moving min above the old default needs the default moved too */
	assert_ok(apply_text(&p, "{\"rotationMinDays\":400,\"rotationDefaultDays\":400}", &why));
	assert_int_equal(p.rotation_min_days, 400);
}

static void test_refusals(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"{\"keySpecs\":[]}", "{\"keySpecs\":[\"SM4\",\"SM4\"]}", "{\"keySpecs\":[\"AES\"]}", "{\"keySpecs\":\"SM4\"}",
		"{\"keySpecs\":[4]}", "{\"rotationMinDays\":0}", "{\"rotationMaxDays\":3651}", "{\"rotationMinDays\":1.5}",
		"{\"rotationMinDays\":\"30\"}", "{\"deletionMinDays\":6}", "{\"deletionMaxDays\":366}",
		"{\"maxVersions\":0}", "{\"maxVersions\":1001}", "{\"allowWrappedExport\":1}", "{\"colour\":\"blue\"}",
		"{\"rotationMinDays\":400}", "{\"rotationDefaultDays\":20}", "{\"rotationMaxDays\":100}",
		"{\"deletionMinDays\":31}", "{\"deletionMaxDays\":8,\"deletionMinDays\":9}", "[]", "1",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ccsp_keypolicy p, d;
		const char *why = NULL;
		ccsp_keypolicy_default(&p);
		memcpy(&d, &p, sizeof d);
		json_t *o = json_loads(bad[i], JSON_DECODE_ANY, NULL);
		assert_non_null(o);
		if (ccsp_keypolicy_apply(&p, o, &why) != CCSP_ERR_ARG)
			fail_msg("accepted: %s", bad[i]);
		json_decref(o);
		assert_non_null(why);
		assert_memory_equal(&p, &d, sizeof p); /* not written to */
	}
	const char *why = NULL;
	ccsp_keypolicy p;
	ccsp_keypolicy_default(&p);
	assert_ccsp(CCSP_ERR_ARG, apply_text(&p, "{\"maxVersions\":10,\"colour\":1}", &why));
	assert_int_equal(p.max_versions, 100); /* nothing of a refused update applied */
	assert_non_null(strstr(why, "unknown"));
	assert_ccsp(CCSP_ERR_ARG, apply_text(&p, "{\"deletionMinDays\":3}", &why));
	assert_non_null(strstr(why, "deletionMinDays"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_update),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests_name("keypolicy", tests, NULL, NULL);
}

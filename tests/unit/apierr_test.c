/* SPDX-License-Identifier: Apache-2.0 */
/* ccspd's error table (src/platform/apierr.c): codes unique and well formed, statuses sane, the body's shape,
 * and docs/errors.md listing exactly these codes with their statuses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/apierr.h"
#include "test_util.h"

static void test_table(void **state)
{
	(void)state;
	for (int i = 0; i < CCSP_APIERR_COUNT_; i++) {
		const char *c = ccsp_apierr_code((ccsp_apierr)i);
		int st = ccsp_apierr_status((ccsp_apierr)i);
		assert_int_equal(strlen(c), 9);
		assert_memory_equal(c, "CCSP-", 5);
		assert_true(st >= 400 && st <= 599);
		assert_true(strlen(ccsp_apierr_message((ccsp_apierr)i)) > 0);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(c, ccsp_apierr_code((ccsp_apierr)j));
	}
	/* out of range: the internal error, never a crash */
	assert_string_equal(ccsp_apierr_code(CCSP_APIERR_COUNT_), "CCSP-9000");
	assert_int_equal(ccsp_apierr_from_status(404), CCSP_APIERR_NOT_FOUND);
	assert_int_equal(ccsp_apierr_from_status(413), CCSP_APIERR_TOO_LARGE);
	assert_int_equal(ccsp_apierr_from_status(599), CCSP_APIERR_INTERNAL);
}

static void test_body(void **state)
{
	(void)state;
	json_t *b = ccsp_apierr_body(CCSP_APIERR_REPLAY, NULL, "rid-1");
	char *s = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"error\":{\"code\":\"CCSP-2003\",\"message\":\"replayed request\"},\"requestId\":\"rid-1\"}");
	free(s);
	json_decref(b);
	b = ccsp_apierr_body(CCSP_APIERR_INVALID_PARAM, "length must be 1..4096", NULL);
	assert_string_equal(json_string_value(json_object_get(json_object_get(b, "error"), "message")),
	                    "length must be 1..4096");
	json_decref(b);
}

/* Every code has its row "| CCSP-NNNN | status |" in docs/errors.md, and the page names no other code. */
static void test_docs(void **state)
{
	(void)state;
	FILE *f = fopen(DOCS_DIR "/errors.md", "r");
	assert_non_null(f);
	char line[1024], row[64];
	int seen[CCSP_APIERR_COUNT_] = {0};
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "| CCSP-", 7) != 0)
			continue;
		int found = 0;
		for (int i = 0; i < CCSP_APIERR_COUNT_; i++) {
			snprintf(row, sizeof row, "| %s | %d |", ccsp_apierr_code((ccsp_apierr)i),
			         ccsp_apierr_status((ccsp_apierr)i));
			if (strncmp(line, row, strlen(row)) == 0)
				seen[i]++, found = 1;
		}
		if (!found)
			fail_msg("docs/errors.md names a code the table does not have (or another status): %s", line);
	}
	fclose(f);
	for (int i = 0; i < CCSP_APIERR_COUNT_; i++)
		if (seen[i] != 1)
			fail_msg("docs/errors.md lists %s %d times", ccsp_apierr_code((ccsp_apierr)i), seen[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_table), cmocka_unit_test(test_body),
	                                   cmocka_unit_test(test_docs)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

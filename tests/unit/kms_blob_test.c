/* SPDX-License-Identifier: Apache-2.0 */
/* The KMS ciphertext blob and its AAD (src/platform/kms_blob.c): the header byte by byte as docs/api-ccspd.md
 * documents it, parse refusals, the context's canonical text, and an AAD that changes with the tenant, the key,
 * the version and the context. */
#include <stdlib.h>
#include <string.h>

#include "platform/kms_blob.h"
#include "test_util.h"

#define KEY "00112233445566778899aabbccddeeff"
#define TENANT_A "0123456789abcdef0123456789abcdef"
#define TENANT_B "fedcba9876543210fedcba9876543210"

static void test_header(void **state)
{
	(void)state;
	uint8_t h[CCSP_KMS_BLOB_HEADER], blob[CCSP_KMS_BLOB_OVERHEAD + 3];
	static const uint8_t want[CCSP_KMS_BLOB_HEADER] = {0x01, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
	                                                   0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x00, 0x01, 0x02};
	assert_ok(ccsp_kms_blob_header(KEY, 258, h));
	assert_memory_equal(h, want, sizeof want);
	assert_ccsp(CCSP_ERR_ARG, ccsp_kms_blob_header(KEY, 0, h));
	assert_ccsp(CCSP_ERR_ARG, ccsp_kms_blob_header("00112233445566778899AABBCCDDEEFF", 1, h));
	assert_ccsp(CCSP_ERR_ARG, ccsp_kms_blob_header("0011", 1, h));

	memset(blob, 0xee, sizeof blob);
	memcpy(blob, h, sizeof h);
	ccsp_kms_blob b;
	assert_ok(ccsp_kms_blob_parse(blob, sizeof blob, &b));
	assert_string_equal(b.key_id, KEY);
	assert_int_equal(b.version, 258);
	assert_ptr_equal(b.iv, blob + 21);
	assert_ptr_equal(b.ct, blob + 33);
	assert_int_equal(b.ctlen, 3);
	assert_ptr_equal(b.tag, blob + 36);
	assert_ok(ccsp_kms_blob_parse(blob, CCSP_KMS_BLOB_OVERHEAD, &b)); /* an empty plaintext */
	assert_int_equal(b.ctlen, 0);
	assert_ccsp(CCSP_ERR_ARG, ccsp_kms_blob_parse(blob, CCSP_KMS_BLOB_OVERHEAD - 1, &b));
	blob[0] = 0x02;
	assert_ccsp(CCSP_ERR_ARG, ccsp_kms_blob_parse(blob, sizeof blob, &b));
	blob[0] = 0x01;
	memset(blob + 17, 0, 4);
	assert_ccsp(CCSP_ERR_ARG, ccsp_kms_blob_parse(blob, sizeof blob, &b));
}

static char *canon(const char *text)
{
	json_t *o = text != NULL ? json_loads(text, 0, NULL) : NULL;
	char *out = NULL;
	ccsp_err ret = ccsp_kms_context_canon(o, &out);
	json_decref(o);
	return ret == CCSP_OK ? out : NULL;
}

static void test_context(void **state)
{
	(void)state;
	char *c = canon(NULL);
	assert_string_equal(c, "{}");
	free(c);
	c = canon("{ \"b\" : \"2\", \"a\": \"\\u00e9t\\u00e9\" }");
	assert_string_equal(c, "{\"a\":\"\\u00E9t\\u00E9\",\"b\":\"2\"}");
	free(c);
	c = canon("{\"b\":\"2\",\"a\":\"\xc3\xa9t\xc3\xa9\"}"); /* the same whatever the input's escaping */
	assert_string_equal(c, "{\"a\":\"\\u00E9t\\u00E9\",\"b\":\"2\"}");
	free(c);
	assert_null(canon("{\"n\":1}"));
	assert_null(canon("{\"o\":{}}"));
	assert_null(canon("[\"a\"]"));
	char big[CCSP_KMS_CONTEXT_MAX + 32];
	snprintf(big, sizeof big, "{\"k\":\"%0*d\"}", CCSP_KMS_CONTEXT_MAX, 0);
	assert_null(canon(big));
}

#define APP_1 "0123456789abcdef0123456789abcdef"
#define APP_2 "fedcba9876543210fedcba9876543210"

static void aad_app(const char *key, uint32_t version, const char *tenant, const char *app, const char *ctx,
                    uint8_t **a, size_t *n)
{
	uint8_t h[CCSP_KMS_BLOB_HEADER];
	assert_ok(ccsp_kms_blob_header(key, version, h));
	assert_ok(ccsp_kms_aad(h, tenant, app, ctx, a, n));
}

static void aad_of(const char *key, uint32_t version, const char *tenant, const char *ctx, uint8_t **a, size_t *n)
{
	aad_app(key, version, tenant, APP_1, ctx, a, n);
}

static int same(const uint8_t *a, size_t n, const uint8_t *b, size_t m)
{
	return n == m && memcmp(a, b, n) == 0;
}

static void test_aad(void **state)
{
	(void)state;
	uint8_t *a, *b;
	size_t n, m;
	aad_of(KEY, 1, TENANT_A, "{}", &a, &n);
	assert_int_equal(n, 11 + 21 + 32 + 32 + 2);
	assert_memory_equal(a, "ccsp-kms-v1\x01", 12);
	assert_memory_equal(a + 32, TENANT_A APP_1 "{}", 66);
	aad_app(KEY, 1, TENANT_A, APP_2, "{}", &b, &m); /* another application of the same tenant */
	assert_false(same(a, n, b, m));
	free(b);
	aad_of(KEY, 1, TENANT_B, "{}", &b, &m);
	assert_false(same(a, n, b, m));
	free(b);
	aad_of(KEY, 2, TENANT_A, "{}", &b, &m);
	assert_false(same(a, n, b, m));
	free(b);
	aad_of("00112233445566778899aabbccddeefe", 1, TENANT_A, "{}", &b, &m);
	assert_false(same(a, n, b, m));
	free(b);
	aad_of(KEY, 1, TENANT_A, "{\"a\":\"1\"}", &b, &m);
	assert_false(same(a, n, b, m));
	free(b);
	aad_of(KEY, 1, TENANT_A, "{}", &b, &m);
	assert_true(same(a, n, b, m));
	free(b);
	free(a);
	uint8_t h[CCSP_KMS_BLOB_HEADER] = {0};
	assert_ccsp(CCSP_ERR_ARG, ccsp_kms_aad(h, "short", APP_1, "{}", &a, &n));
	assert_null(a);
	assert_ccsp(CCSP_ERR_ARG, ccsp_kms_aad(h, TENANT_A, "short", "{}", &a, &n));
	assert_null(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_context),
		cmocka_unit_test(test_aad),
	};
	return cmocka_run_group_tests_name("kms_blob", tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Error table, wiping, secure allocation and the constant-time helpers. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/selftest.h>

#include "ct.h"
#include "test_util.h"

static void test_error_table_complete(void **state)
{
	(void)state;
	for (int e = 0; e < CCSP_ERR_COUNT_; e++) {
		assert_string_not_equal(ccsp_err_name((ccsp_err)e), "CCSP_ERR_UNKNOWN");
		assert_string_not_equal(ccsp_err_str((ccsp_err)e), "unknown error");
	}
	assert_string_equal(ccsp_err_name(CCSP_ERR_AUTH), "CCSP_ERR_AUTH");
	assert_string_equal(ccsp_err_name((ccsp_err)9999), "CCSP_ERR_UNKNOWN");
	assert_string_equal(ccsp_err_name((ccsp_err)-1), "CCSP_ERR_UNKNOWN");
}

static void test_secure_alloc_zeroed_and_usable(void **state)
{
	(void)state;
	for (size_t n = 1; n < 20000; n = n * 3 + 1) {
		uint8_t *p = ccsp_secure_alloc(n);
		assert_non_null(p);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(p[i], 0);
		memset(p, 0xa5, n);
		ccsp_secure_free(p);
	}
	assert_null(ccsp_secure_alloc(0));
	assert_null(ccsp_secure_alloc(SIZE_MAX));
	ccsp_secure_free(NULL);
}

/* Pooled slots come back zeroed after a use that filled them, 16-byte aligned, and distinct while held. */
static void test_secure_alloc_reuse(void **state)
{
	(void)state;
	static const size_t sizes[] = {1, 16, 200, 224, 225, 900, 992, 993, 4000, 4064, 4065, 70000};
	uint8_t *held[64];
	for (size_t round = 0; round < 3; round++)
		for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
			for (size_t i = 0; i < 64; i++) {
				held[i] = ccsp_secure_alloc(sizes[k]);
				assert_non_null(held[i]);
				assert_int_equal((uintptr_t)held[i] % 16, 0);
				for (size_t j = 0; j < sizes[k]; j++)
					assert_int_equal(held[i][j], 0);
				memset(held[i], 0x5a, sizes[k]);
				for (size_t j = 0; j < i; j++)
					assert_ptr_not_equal(held[i], held[j]);
			}
			for (size_t i = 0; i < 64; i++)
				ccsp_secure_free(held[i]);
		}
}

static void *alloc_loop(void *arg)
{
	(void)arg;
	for (int i = 0; i < 20000; i++) {
		uint8_t *p = ccsp_secure_alloc((size_t)(i % 700) + 1);
		if (p == NULL || p[0] != 0)
			return (void *)1;
		memset(p, 0xff, (size_t)(i % 700) + 1);
		ccsp_secure_free(p);
	}
	return NULL;
}

static void test_secure_alloc_threads(void **state)
{
	(void)state;
	pthread_t t[4];
	void *r[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, alloc_loop, NULL), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &r[i]), 0);
		assert_null(r[i]);
	}
}

static void test_memzero(void **state)
{
	(void)state;
	uint8_t b[33];
	memset(b, 0xff, sizeof b);
	ccsp_memzero(b, sizeof b);
	for (size_t i = 0; i < sizeof b; i++)
		assert_int_equal(b[i], 0);
	ccsp_memzero(NULL, 0);
}

static void test_ct_helpers(void **state)
{
	(void)state;
	const uint64_t v[] = {0, 1, 2, 0x7fffffffffffffffULL, 0x8000000000000000ULL, UINT64_MAX - 1, UINT64_MAX};
	for (size_t i = 0; i < 7; i++) {
		assert_true(ct_is_zero64(v[i]) == (v[i] == 0 ? UINT64_MAX : 0));
		for (size_t j = 0; j < 7; j++) {
			assert_true(ct_lt64(v[i], v[j]) == (v[i] < v[j] ? UINT64_MAX : 0));
			assert_true(ct_eq64(v[i], v[j]) == (v[i] == v[j] ? UINT64_MAX : 0));
			assert_true(ct_select64(UINT64_MAX, v[i], v[j]) == v[i]);
			assert_true(ct_select64(0, v[i], v[j]) == v[j]);
		}
	}
	assert_true(ct_is_zero32(0) == UINT32_MAX && ct_is_zero32(0x80000000u) == 0);
	uint8_t a[16] = {0}, b[16] = {0};
	assert_true(ct_memeq(a, b, 16));
	b[15] = 1;
	assert_false(ct_memeq(a, b, 16));
	ct_cond_copy(a, b, 16, 0);
	assert_int_equal(a[15], 0);
	ct_cond_copy(a, b, 16, 0xff);
	assert_int_equal(a[15], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_table_complete),
		cmocka_unit_test(test_secure_alloc_zeroed_and_usable),
		cmocka_unit_test(test_secure_alloc_reuse),
		cmocka_unit_test(test_secure_alloc_threads),
		cmocka_unit_test(test_memzero),
		cmocka_unit_test(test_ct_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

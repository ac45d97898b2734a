/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Multi-buffer SM3 (sm3_mb.h): every implementation this CPU has against the single-stream ccsp_sm3 on batches
 * of mixed lengths (the padding boundaries around 55/56/64 bytes in particular) and sizes that are not multiples
 * of the lane count, the GB/T 32905 vectors, OpenSSL's EVP_sm3 as an independent oracle, argument errors.
 * An implementation the CPU lacks is reported as skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <ccsp/sm3.h>

#include "sm3/sm3_internal.h"
#include "sm3/sm3_mb.h"
#include "test_util.h"

#define MAX_BATCH 40
#define MAX_LEN 4096
#define STRIDE (MAX_LEN + 64)
#define POOL (MAX_BATCH * STRIDE)

/* Lengths on and around every padding case: empty, one or two final blocks, whole blocks. */
static const size_t edge_lens[] = {0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 121, 127, 128, 129, 1024};
#define N_EDGE (sizeof edge_lens / sizeof edge_lens[0])

typedef struct batch {
	uint8_t *pool;
	const uint8_t *msgs[MAX_BATCH];
	size_t lens[MAX_BATCH];
	uint8_t out[MAX_BATCH][32];
	uint8_t want[MAX_BATCH][32];
	size_t n;
} batch;

static void ossl_sm3(const uint8_t *m, size_t n, uint8_t d[32])
{
	unsigned int dl = 0;
	assert_int_equal(EVP_Digest(n ? m : (const uint8_t *)"", n, d, &dl, EVP_sm3(), NULL), 1);
	assert_int_equal(dl, 32);
}

/* n messages at random, unaligned offsets of the pool; half the lengths from edge_lens, half random. */
static void batch_fill(batch *b, size_t n)
{
	b->n = n;
	for (size_t i = 0; i < n; i++) {
		b->lens[i] = test_rand_below(2) ? edge_lens[test_rand_below(N_EDGE)] : test_rand_below(MAX_LEN + 1);
		b->msgs[i] = b->lens[i] == 0 && test_rand_below(2) ? NULL : b->pool + i * STRIDE + test_rand_below(64);
		if (b->lens[i] > 0)
			test_rand((uint8_t *)b->msgs[i], b->lens[i]);
		assert_ok(ccsp_sm3(b->msgs[i], b->lens[i], b->want[i]));
	}
}

static void batch_check(const ccsp_sm3_mb_impl *impl, batch *b)
{
	memset(b->out, 0xa5, sizeof b->out);
	assert_ok(ccsp_sm3_digest_many_impl(impl, b->msgs, b->lens, b->n, b->out));
	for (size_t i = 0; i < b->n; i++)
		if (memcmp(b->out[i], b->want[i], 32) != 0)
			fail_msg("%s: batch of %zu, message %zu (%zu bytes): got %s, want %s", impl->name, b->n, i,
			         b->lens[i], bin2hex(b->out[i], 32), bin2hex(b->want[i], 32));
}

static batch *batch_new(void)
{
	batch *b = calloc(1, sizeof *b);
	assert_non_null(b);
	b->pool = malloc(POOL);
	assert_non_null(b->pool);
	return b;
}

static void batch_free(batch *b)
{
	free(b->pool);
	free(b);
}

/* ---- implementations ------------------------------------------------------------------------- */

static int listed(const ccsp_sm3_mb_impl *impl)
{
	for (const ccsp_sm3_mb_impl *const *i = ccsp_sm3_mb_impl_list(); *i != NULL; i++)
		if (*i == impl)
			return 1;
	return 0;
}

static void test_impl_list(void **state)
{
	(void)state;
	const ccsp_sm3_mb_impl *const *impls = ccsp_sm3_mb_impl_list();
	size_t n = 0;
	assert_ptr_equal(impls[0], &ccsp_sm3_mb_impl_serial);
	while (impls[n] != NULL)
		n++;
	size_t best = 0; /* timed at first use: a vector one when there is one */
	while (best < n && impls[best] != ccsp_sm3_mb_impl_best())
		best++;
	assert_true(best < n && (n == 1 || best > 0));
	assert_string_equal(ccsp_sm3_mb_impl_name(), impls[best]->name); /* what `ccsp version` prints */
	for (size_t i = 1; i < n; i++)
		assert_true(impls[i]->lanes > impls[i - 1]->lanes); /* narrowest first */
#if defined(__x86_64__)
	__builtin_cpu_init();
	static const struct {
		const ccsp_sm3_mb_impl *impl;
		const char *needs;
	} want[] = {
		{&ccsp_sm3_mb_impl_avx2, "AVX2"},
		{&ccsp_sm3_mb_impl_avx512, "AVX512F+AVX512BW"},
	};
	int have[] = {__builtin_cpu_supports("avx2"),
	              __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		assert_int_equal(listed(want[i].impl), have[i] != 0);
		if (!have[i])
			printf("sm3_mb_test: SKIP %s (this CPU lacks %s)\n", want[i].impl->name, want[i].needs);
		else
			printf("sm3_mb_test: testing %s (%zu lanes)\n", want[i].impl->name, want[i].impl->lanes);
	}
#endif
	printf("sm3_mb_test: ccsp_sm3_digest_many uses %s\n", ccsp_sm3_mb_impl_best()->name);
}

/* GB/T 32905-2016 Appendix A.1 and A.2, alone and filling every lane (plus one, to refill a lane). */
static void test_vectors_every_impl(void **state)
{
	(void)state;
	static const char m64[] = "abcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcd";
	const uint8_t *msgs[CCSP_SM3_MB_MAX_LANES + 1];
	size_t lens[CCSP_SM3_MB_MAX_LANES + 1];
	uint8_t out[CCSP_SM3_MB_MAX_LANES + 1][32];

	for (size_t i = 0; i <= CCSP_SM3_MB_MAX_LANES; i++) {
		msgs[i] = (const uint8_t *)(i % 2 ? m64 : "abc");
		lens[i] = i % 2 ? 64 : 3;
	}
	for (const ccsp_sm3_mb_impl *const *impl = ccsp_sm3_mb_impl_list(); *impl != NULL; impl++) {
		assert_ok(ccsp_sm3_digest_many_impl(*impl, msgs, lens, 1, out));
		assert_hex_equal("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0", out[0], 32);
		memset(out, 0, sizeof out);
		assert_ok(ccsp_sm3_digest_many_impl(*impl, msgs, lens, CCSP_SM3_MB_MAX_LANES + 1, out));
		for (size_t i = 0; i <= CCSP_SM3_MB_MAX_LANES; i++)
			assert_hex_equal(i % 2 ? "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
			                       : "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
			                 out[i], 32);
	}
}

/* Random batches of 1..40 mixed-length messages, several per size, against single-stream SM3. */
static void test_batches_every_impl(void **state)
{
	(void)state;
	batch *b = batch_new();
	test_rand_seed(0x5133b);
	for (size_t n = 1; n <= MAX_BATCH; n++)
		for (int rep = 0; rep < 3; rep++) {
			batch_fill(b, n);
			for (const ccsp_sm3_mb_impl *const *impl = ccsp_sm3_mb_impl_list(); *impl != NULL; impl++)
				batch_check(*impl, b);
		}
	batch_free(b);
}

/* Every length 0..200 in one batch (all padding cases next to each other in the lanes), and all equal lengths
 * (every lane finishing at once). */
static void test_every_short_length(void **state)
{
	(void)state;
	batch *b = batch_new();
	test_rand_seed(7);
	test_rand(b->pool, POOL);
	for (size_t len = 0; len <= 200; len += MAX_BATCH) {
		b->n = MAX_BATCH;
		for (size_t i = 0; i < MAX_BATCH; i++) {
			b->msgs[i] = b->pool + 3 * i;
			b->lens[i] = len + i;
			assert_ok(ccsp_sm3(b->msgs[i], b->lens[i], b->want[i]));
		}
		for (const ccsp_sm3_mb_impl *const *impl = ccsp_sm3_mb_impl_list(); *impl != NULL; impl++)
			batch_check(*impl, b);
	}
	for (size_t k = 0; k < N_EDGE; k++) {
		b->n = 33;
		for (size_t i = 0; i < b->n; i++) {
			b->msgs[i] = b->pool + 100 * i;
			b->lens[i] = edge_lens[k];
			assert_ok(ccsp_sm3(b->msgs[i], b->lens[i], b->want[i]));
		}
		for (const ccsp_sm3_mb_impl *const *impl = ccsp_sm3_mb_impl_list(); *impl != NULL; impl++)
			batch_check(*impl, b);
	}
	batch_free(b);
}

/* An independent oracle: OpenSSL's SM3 on random batches through the implementation in use. */
static void test_vs_openssl(void **state)
{
	(void)state;
	batch *b = batch_new();
	test_rand_seed(0x0551);
	for (int rep = 0; rep < 20; rep++) {
		batch_fill(b, 1 + test_rand_below(MAX_BATCH));
		assert_ok(ccsp_sm3_digest_many(b->msgs, b->lens, b->n, b->out));
		for (size_t i = 0; i < b->n; i++) {
			uint8_t d[32];
			ossl_sm3(b->msgs[i], b->lens[i], d);
			assert_memory_equal(b->out[i], d, 32);
		}
	}
	batch_free(b);
}

static void test_errors(void **state)
{
	(void)state;
	static const uint8_t m[8];
	const uint8_t *msgs[2] = {m, NULL};
	size_t lens[2] = {sizeof m, 0};
	uint8_t out[2][32];

	for (const ccsp_sm3_mb_impl *const *impl = ccsp_sm3_mb_impl_list(); *impl != NULL; impl++) {
		assert_ok(ccsp_sm3_digest_many_impl(*impl, NULL, NULL, 0, NULL));
		assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_digest_many_impl(*impl, NULL, lens, 2, out));
		assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_digest_many_impl(*impl, msgs, NULL, 2, out));
		assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_digest_many_impl(*impl, msgs, lens, 2, NULL));
		lens[1] = 1; /* NULL message with a length */
		memset(out, 0x5a, sizeof out);
		assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_digest_many_impl(*impl, msgs, lens, 2, out));
		lens[1] = 0;
		lens[0] = (size_t)CCSP_SM3_MAX_BYTES + 1;
		assert_ccsp(CCSP_ERR_DATA_LENGTH, ccsp_sm3_digest_many_impl(*impl, msgs, lens, 2, out));
		lens[0] = sizeof m;
		for (size_t i = 0; i < sizeof out; i++) /* out untouched on error */
			assert_int_equal(((uint8_t *)out)[i], 0x5a);
		assert_ok(ccsp_sm3_digest_many_impl(*impl, msgs, lens, 2, out));
		assert_hex_equal("1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b", out[1], 32);
	}
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_digest_many_impl(NULL, msgs, lens, 2, out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_impl_list),
		cmocka_unit_test(test_vectors_every_impl),
		cmocka_unit_test(test_batches_every_impl),
		cmocka_unit_test(test_every_short_length),
		cmocka_unit_test(test_vs_openssl),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SM2 signing context (ccsp_sm2_sign_ctx): signatures over many refills verify with ours and with OpenSSL 3
 * as the independent oracle, under every field implementation; the batched x1 agrees with one-shot k G; no
 * nonce is used twice (same e, never the same r); misuse answers; a forked child makes its own nonces.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ccsp/sm2_asn1.h>

#include <openssl/evp.h>

#include "sm2/sm2_internal.h"
#include "test_util.h"

#define BATCH 32          /* the context's refill size */
#define MANY (5 * BATCH + 7) /* several refills and a partial one */

static ccsp_sm2_key *new_key(void)
{
	ccsp_sm2_key *k = ccsp_sm2_key_new();
	assert_non_null(k);
	assert_ok(ccsp_sm2_key_generate(k));
	return k;
}

/* OpenSSL's EVP_PKEY of our key (through our PKCS#8 DER). */
static EVP_PKEY *ossl_key(const ccsp_sm2_key *k)
{
	uint8_t der[CCSP_SM2_KEY_FILE_MAX];
	size_t len;
	assert_ok(ccsp_sm2_key_encode(k, CCSP_SM2_KEY_PKCS8, 0, NULL, 0, der, sizeof der, &len));
	const unsigned char *p = der;
	EVP_PKEY *pk = d2i_AutoPrivateKey(NULL, &p, (long)len);
	assert_non_null(pk);
	return pk;
}

/* The batch's x coordinates are those of one-shot multiplications, for every implementation. */
static void test_batch_matches_one_shot(void **state)
{
	(void)state;
	uint64_t k[CCSP_SM2_BASE_BATCH_MAX][4], x[CCSP_SM2_BASE_BATCH_MAX][4], one[4];
	uint8_t b[32];
	static const uint64_t n_minus_1[4] = {0x53bbf40939d54122ULL, 0x7203df6b21c6052bULL, 0xffffffffffffffffULL,
	                                      0xfffffffeffffffffULL};
	test_rand_seed(31);
	for (size_t i = 0; i < CCSP_SM2_BASE_BATCH_MAX; i++) {
		test_rand(b, sizeof b);
		ccsp_sm2_limbs_from_bytes(k[i], b);
		ccsp_sm2_sc_reduce(k[i], k[i]);
	}
	memset(k[0], 0, sizeof k[0]);
	k[0][0] = 1;                            /* G itself */
	memcpy(k[1], n_minus_1, sizeof k[1]); /* -G */
	for (const ccsp_sm2_impl *const *impl = ccsp_sm2_impl_list(); *impl != NULL; impl++) {
		for (size_t n = 1; n <= CCSP_SM2_BASE_BATCH_MAX; n += n < 3 ? 1 : 29) {
			(*impl)->mul_base_x_batch(x, (const uint64_t(*)[4])k, n);
			for (size_t i = 0; i < n; i++) {
				ccsp_sm2_apoint p;
				(*impl)->mul_base(&p, k[i]);
				ccsp_sm2_fe_from_mont(*impl, one, p.x);
				assert_memory_equal(x[i], one, sizeof one);
			}
		}
	}
}

/* Many signatures over several refills, every implementation: ours and OpenSSL accept them, the digest
 * and message forms agree with the key's. */
static void test_signatures_verify(void **state)
{
	(void)state;
	uint8_t msg[100], e[32], sig[64];
	for (const ccsp_sm2_impl *const *impl = ccsp_sm2_impl_list(); *impl != NULL; impl++) {
		ccsp_sm2_impl_force(*impl);
		ccsp_sm2_key *key = new_key();
		EVP_PKEY *pk = ossl_key(key);
		ccsp_sm2_sign_ctx *ctx = NULL;
		assert_ok(ccsp_sm2_sign_ctx_new(key, &ctx));
		test_rand_seed(32);
		for (int i = 0; i < MANY; i++) {
			size_t len = test_rand_below(sizeof msg);
			test_rand(msg, len);
			if (i % 2 == 0) {
				assert_ok(ccsp_sm2_sign_ctx_sign(ctx, NULL, 0, msg, len, sig));
			} else {
				assert_ok(ccsp_sm2_compute_e(key, NULL, 0, msg, len, e));
				assert_ok(ccsp_sm2_sign_ctx_sign_digest(ctx, e, sig));
			}
			assert_ok(ccsp_sm2_verify(key, NULL, 0, msg, len, sig));
			if (i % 4 == 0)
				assert_int_equal(test_ossl_sm2_verify(pk, msg, len, sig), 1);
			if (i % 16 == 0) {
				sig[40] ^= 0x10;
				assert_ccsp(CCSP_ERR_SIGNATURE, ccsp_sm2_verify(key, NULL, 0, msg, len, sig));
				assert_int_not_equal(test_ossl_sm2_verify(pk, msg, len, sig), 1);
			}
		}
		/* a distinguishing ID other than the default */
		assert_ok(ccsp_sm2_sign_ctx_sign(ctx, (const uint8_t *)"ALICE123@YAHOO.COM", 18, msg, 10, sig));
		assert_ok(ccsp_sm2_verify(key, (const uint8_t *)"ALICE123@YAHOO.COM", 18, msg, 10, sig));
		assert_ccsp(CCSP_ERR_SIGNATURE, ccsp_sm2_verify(key, NULL, 0, msg, 10, sig));
		ccsp_sm2_sign_ctx_free(ctx); /* with pairs left */
		EVP_PKEY_free(pk);
		ccsp_sm2_key_free(key);
	}
	ccsp_sm2_impl_force(NULL);
}

static int cmp_r(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/* Same digest every time: a pair used twice would give the same r. Two contexts of one key too. */
static void test_pairs_never_reused(void **state)
{
	(void)state;
	static uint8_t r[2 * MANY][32];
	static const uint8_t e[32] = "the same digest, again and again";
	uint8_t sig[64];
	ccsp_sm2_key *key = new_key();
	ccsp_sm2_sign_ctx *a = NULL, *b = NULL;
	assert_ok(ccsp_sm2_sign_ctx_new(key, &a));
	assert_ok(ccsp_sm2_sign_ctx_new(key, &b));
	ccsp_sm2_key_free(key); /* the contexts keep what they need */
	for (int i = 0; i < 2 * MANY; i++) {
		assert_ok(ccsp_sm2_sign_ctx_sign_digest(i % 2 ? a : b, e, sig));
		memcpy(r[i], sig, 32);
	}
	assert_ok(ccsp_sm2_sign_ctx_sign(a, NULL, 0, (const uint8_t *)"m", 1, sig)); /* Z from the copied point */
	qsort(r, 2 * MANY, 32, cmp_r);
	for (int i = 1; i < 2 * MANY; i++)
		assert_memory_not_equal(r[i - 1], r[i], 32);
	ccsp_sm2_sign_ctx_free(a);
	ccsp_sm2_sign_ctx_free(b);
}

static void test_misuse(void **state)
{
	(void)state;
	static const uint8_t e[32] = "digest";
	uint8_t sig[64], point[CCSP_SM2_POINT_SIZE];
	ccsp_sm2_key *key = new_key(), *other = new_key(), *pub = ccsp_sm2_key_new();
	ccsp_sm2_sign_ctx *ctx = (ccsp_sm2_sign_ctx *)&ctx; /* set to NULL on failure */
	assert_ok(ccsp_sm2_key_get_public(key, point));
	assert_ok(ccsp_sm2_key_set_public(pub, point, sizeof point));
	assert_ccsp(CCSP_ERR_KEY, ccsp_sm2_sign_ctx_new(pub, &ctx)); /* no private part */
	assert_null(ctx);
	ccsp_sm2_key *empty = ccsp_sm2_key_new();
	assert_ccsp(CCSP_ERR_KEY, ccsp_sm2_sign_ctx_new(empty, &ctx));
	ccsp_sm2_key_free(empty);
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm2_sign_ctx_new(NULL, &ctx));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm2_sign_ctx_new(key, NULL));
	assert_ok(ccsp_sm2_sign_ctx_new(key, &ctx));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm2_sign_ctx_sign_digest(NULL, e, sig));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm2_sign_ctx_sign_digest(ctx, NULL, sig));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm2_sign_ctx_sign_digest(ctx, e, NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm2_sign_ctx_sign(ctx, NULL, 0, NULL, 5, sig));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm2_sign_ctx_sign(ctx, (const uint8_t *)"x", CCSP_SM2_MAX_ID_LEN + 1, e, 5, sig));
	/* the signature is the context's key's, not another's */
	assert_ok(ccsp_sm2_sign_ctx_sign_digest(ctx, e, sig));
	assert_ok(ccsp_sm2_verify_digest(key, e, sig));
	assert_ccsp(CCSP_ERR_SIGNATURE, ccsp_sm2_verify_digest(other, e, sig));
	static const uint8_t e2[32] = "another digest, not the signed";
	assert_ccsp(CCSP_ERR_SIGNATURE, ccsp_sm2_verify_digest(pub, e2, sig));
	ccsp_sm2_sign_ctx_free(ctx);
	ccsp_sm2_sign_ctx_free(NULL);
	ccsp_sm2_key_free(key);
	ccsp_sm2_key_free(other);
	ccsp_sm2_key_free(pub);
}

/* A pool made in the parent: the child's first signature must not use the pair the parent uses next. */
static void test_fork_child_makes_its_own(void **state)
{
	(void)state;
	static const uint8_t e[32] = "fork: one digest for both sides";
	uint8_t parent[64], child[64];
	int fd[2];
	ccsp_sm2_key *key = new_key();
	ccsp_sm2_sign_ctx *ctx = NULL;
	assert_ok(ccsp_sm2_sign_ctx_new(key, &ctx));
	assert_ok(ccsp_sm2_sign_ctx_sign_digest(ctx, e, parent)); /* the pool is full but for one pair */
	assert_int_equal(pipe(fd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int ok = ccsp_sm2_sign_ctx_sign_digest(ctx, e, child) == CCSP_OK &&
		         ccsp_sm2_verify_digest(key, e, child) == CCSP_OK &&
		         write(fd[1], child, sizeof child) == (ssize_t)sizeof child;
		_exit(ok ? 0 : 1);
	}
	close(fd[1]);
	assert_ok(ccsp_sm2_sign_ctx_sign_digest(ctx, e, parent));
	assert_int_equal(read(fd[0], child, sizeof child), (ssize_t)sizeof child);
	close(fd[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_memory_not_equal(parent, child, 32); /* r differs: not the same k */
	ccsp_sm2_sign_ctx_free(ctx);
	ccsp_sm2_key_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_matches_one_shot),
		cmocka_unit_test(test_signatures_verify),
		cmocka_unit_test(test_pairs_never_reused),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_fork_child_makes_its_own),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

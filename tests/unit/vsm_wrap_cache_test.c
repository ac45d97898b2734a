/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The keystore's cache of keys opened from sealed signing wraps (src/vsm/vsm_wrap_cache.c), through
 * ccsp_vsm_pair_sign_kek on a VSM in a temporary directory (one per test): repeated signatures with one wrap, past
 * the promotion to a signing context and past its refills, checked by the core and by OpenSSL 3; a wrap altered
 * after a hit, or the same bytes under another KEK index, still refused and audited; the KEK deleted, replaced,
 * re-imported and the VSM reset; more wraps than the cache holds; several threads signing with shared and own wraps
 * while another replaces a KEK.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <ccsp/sm2.h>
#include <ccsp/sm2_asn1.h>

#include "test_util.h"
#include "vsm/vsm_internal.h"
#include "vsm/vsm_wrap_cache.h"

static const uint8_t SK[CCSP_VSM_STORAGE_KEY_SIZE] = "wcache-test-stor";
#define OWNER 5
#define KEK_A 1
#define KEK_B 2
#define KEK_C 3
#define W CCSP_VSM_WRAPPED_PAIR_SIZE
#define CAPACITY (VSM_WRAP_CACHE_SETS * VSM_WRAP_CACHE_WAYS)

typedef struct fixture {
	char dir[256];
	ccsp_vsm *vsm;
	ccsp_vsm_keystore *ks;
	ccsp_vsm_session *s;
} fixture;

static ccsp_vsm_session *session_new(ccsp_vsm *vsm, uint64_t owner)
{
	uint64_t id;
	ccsp_vsm_session *s = NULL;
	if (ccsp_vsm_session_open(vsm, owner, &id) != CCSP_OK ||
	    ccsp_vsm_session_acquire(vsm, owner, id, &s) != CCSP_OK)
		return NULL;
	return s;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	const char *tmp = getenv("TMPDIR");
	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof f->dir, "%s/vsm_wrap_cache_test.XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(f->dir) == NULL || ccsp_vsm_open(f->dir, SK, NULL, &f->vsm) != CCSP_OK)
		return -1;
	f->ks = ccsp_vsm_get_keystore(f->vsm);
	if (ccsp_vsm_keystore_generate(f->ks, CCSP_VSM_KEY_KEK, KEK_A, NULL, 0) != CCSP_OK ||
	    ccsp_vsm_keystore_generate(f->ks, CCSP_VSM_KEY_KEK, KEK_B, NULL, 0) != CCSP_OK)
		return -1;
	f->s = session_new(f->vsm, OWNER);
	*state = f;
	return f->s == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	ccsp_vsm_session_release(f->s);
	ccsp_vsm_free(f->vsm);
	test_rm_tree(f->dir);
	free(f);
	return 0;
}

/* The core's public-key object of x||y. */
static ccsp_sm2_key *core_pub(const uint8_t pub[64])
{
	uint8_t pt[65] = {4};
	memcpy(pt + 1, pub, 64);
	ccsp_sm2_key *k = ccsp_sm2_key_new();
	if (k != NULL && ccsp_sm2_key_set_public(k, pt, sizeof pt) != CCSP_OK) {
		ccsp_sm2_key_free(k);
		k = NULL;
	}
	return k;
}

/* OpenSSL's verdict on sig over msg with the public key x||y and the default ID (it computes Z and e itself). */
static int ossl_verify(const uint8_t pub[64], const uint8_t *msg, size_t len, const uint8_t sig[64])
{
	EVP_PKEY *pk = test_ossl_sm2_pub(pub);
	int ok = test_ossl_sm2_verify(pk, msg, len, sig);
	EVP_PKEY_free(pk);
	return ok;
}

/* Whether sig is a signature of e by the public key x||y (no assert: threads call it). */
static int signs_for(const uint8_t pub[64], const uint8_t e[32], const uint8_t sig[64])
{
	ccsp_sm2_key *k = core_pub(pub);
	int ok = k != NULL && ccsp_sm2_verify_digest(k, e, sig) == CCSP_OK;
	ccsp_sm2_key_free(k);
	return ok;
}

/* Sign e with wrap w under kek and check the signature with the core. */
static void sign_ok(fixture *f, uint32_t kek, const uint8_t w[W], const uint8_t pub[64], const uint8_t e[32])
{
	uint8_t sig[64];
	assert_ok(ccsp_vsm_pair_sign_kek(f->s, kek, w, W, e, sig));
	assert_true(signs_for(pub, e, sig));
}

static int audit_count(const fixture *f, const char *event)
{
	char path[300], line[512];
	int n = 0;
	snprintf(path, sizeof path, "%s/audit.log", f->dir);
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof line, fp) != NULL)
		n += strstr(line, event) != NULL;
	fclose(fp);
	return n;
}

/* One wrap, many signatures: the key object's, then the context's over several refills; every one verifies with
 * the core and OpenSSL, none repeats, and the cache holds one entry. */
static void test_repeated_signs(void **state)
{
	fixture *f = *state;
	uint8_t pub[64], w[W], msg[100], e[32], sig[64], last[64] = {0};
	size_t len = 0;
	test_rand_seed(31);
	assert_ok(ccsp_vsm_pair_generate_kek(f->s, KEK_A, CCSP_VSM_KEY_SIGN, pub, w));
	assert_int_equal(ccsp_vsm_keystore_kek_sign_cached(f->ks), 0);
	ccsp_sm2_key *k = core_pub(pub);
	assert_non_null(k);
	for (int i = 0; i < VSM_WRAP_CACHE_PROMOTE + 3 * 32 + 5; i++) {
		len = 1 + test_rand_below(sizeof msg);
		test_rand(msg, len);
		assert_ok(ccsp_sm2_compute_e(k, NULL, 0, msg, len, e));
		assert_ok(ccsp_vsm_pair_sign_kek(f->s, KEK_A, w, W, e, sig));
		assert_ok(ccsp_sm2_verify(k, NULL, 0, msg, len, sig));
		assert_int_equal(ossl_verify(pub, msg, len, sig), 1);
		assert_memory_not_equal(sig, last, 32); /* a fresh k each time */
		memcpy(last, sig, sizeof sig);
		assert_int_equal(ccsp_vsm_keystore_kek_sign_cached(f->ks), 1);
	}
	msg[0] ^= 1; /* the oracle can say no */
	assert_int_not_equal(ossl_verify(pub, msg, len, sig), 1);
	ccsp_sm2_key_free(k);
	/* the other usage is still refused before the cache is asked */
	uint8_t epub[64], ew[W];
	assert_ok(ccsp_vsm_pair_generate_kek(f->s, KEK_A, CCSP_VSM_KEY_ENC, epub, ew));
	assert_ccsp(CCSP_ERR_KEY_TYPE, ccsp_vsm_pair_sign_kek(f->s, KEK_A, ew, W, e, sig));
	assert_int_equal(ccsp_vsm_keystore_kek_sign_cached(f->ks), 1);
}

/* After a hit, every alteration of every byte is refused as before, audited, and caches nothing; the original still
 * signs from the cache, in both of an entry's forms. */
static void test_altered_after_hit(void **state)
{
	fixture *f = *state;
	uint8_t pub[64], w[W], t[W], e[32] = {9}, sig[64];
	static const uint8_t flips[] = {0x01, 0x80, 0xff};
	assert_ok(ccsp_vsm_pair_generate_kek(f->s, KEK_A, CCSP_VSM_KEY_SIGN, pub, w));
	for (int round = 0; round < 2; round++) {
		sign_ok(f, KEK_A, w, pub, e);
		sign_ok(f, KEK_A, w, pub, e); /* a hit */
		int refused = audit_count(f, "wrap.refused");
		for (size_t i = 0; i < W; i++)
			for (size_t j = 0; j < sizeof flips; j++) {
				memcpy(t, w, W);
				t[i] ^= flips[j];
				ccsp_err r = ccsp_vsm_pair_sign_kek(f->s, KEK_A, t, W, e, sig);
				if (r != CCSP_ERR_KEY && r != CCSP_ERR_KEY_TYPE)
					fail_msg("byte %zu ^ %02x after a hit: %s", i, flips[j], ccsp_err_name(r));
			}
		/* every byte past the header reaches the tag check, which refuses and audits it */
		assert_true(audit_count(f, "wrap.refused") >= refused + (int)(W - 2) * (int)sizeof flips);
		assert_int_equal(ccsp_vsm_keystore_kek_sign_cached(f->ks), 1);
		for (int i = 0; i < VSM_WRAP_CACHE_PROMOTE; i++) /* into a signing context for the second round */
			sign_ok(f, KEK_A, w, pub, e);
	}
	/* truncated and lengthened copies of a cached wrap */
	uint8_t longer[W + 1] = {0};
	memcpy(longer, w, W);
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_pair_sign_kek(f->s, KEK_A, w, W - 1, e, sig));
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_pair_sign_kek(f->s, KEK_A, longer, W + 1, e, sig));
}

/* A cached wrap's bytes under another index: refused (another KEK) or not found (none), never signed. */
static void test_other_kek_index(void **state)
{
	fixture *f = *state;
	uint8_t pub[64], w[W], e[32] = {10}, sig[64];
	assert_ok(ccsp_vsm_pair_generate_kek(f->s, KEK_A, CCSP_VSM_KEY_SIGN, pub, w));
	for (int i = 0; i < VSM_WRAP_CACHE_PROMOTE + 2; i++)
		sign_ok(f, KEK_A, w, pub, e);
	int refused = audit_count(f, "wrap.refused");
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_pair_sign_kek(f->s, KEK_B, w, W, e, sig));
	assert_int_equal(audit_count(f, "wrap.refused"), refused + 1);
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_pair_sign_kek(f->s, KEK_C, w, W, e, sig));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_pair_sign_kek(f->s, 0, w, W, e, sig));
	assert_int_equal(ccsp_vsm_keystore_kek_sign_cached(f->ks), 1);
	sign_ok(f, KEK_A, w, pub, e);
}

/* Deleting a KEK wipes its entries (and only its); its wraps are then dead, and a new KEK at the index does not open
 * them; the same KEK imported again does. */
static void test_kek_change_invalidates(void **state)
{
	fixture *f = *state;
	static const uint8_t kek[CCSP_VSM_KEK_SIZE] = "wcache known kek";
	uint8_t pub[64], w[W], bpub[64], bw[W], e[32] = {11}, sig[64];
	assert_ok(ccsp_vsm_keystore_import(f->ks, CCSP_VSM_KEY_KEK, KEK_C, kek, sizeof kek, NULL, 0));
	assert_ok(ccsp_vsm_pair_generate_kek(f->s, KEK_C, CCSP_VSM_KEY_SIGN, pub, w));
	assert_ok(ccsp_vsm_pair_generate_kek(f->s, KEK_B, CCSP_VSM_KEY_SIGN, bpub, bw));
	for (int i = 0; i < VSM_WRAP_CACHE_PROMOTE + 2; i++)
		sign_ok(f, KEK_C, w, pub, e);
	sign_ok(f, KEK_B, bw, bpub, e);
	assert_int_equal(ccsp_vsm_keystore_kek_sign_cached(f->ks), 2);
	assert_ok(ccsp_vsm_keystore_delete(f->ks, CCSP_VSM_KEY_KEK, KEK_C));
	assert_int_equal(ccsp_vsm_keystore_kek_sign_cached(f->ks), 1); /* KEK_B's stays */
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_pair_sign_kek(f->s, KEK_C, w, W, e, sig));
	sign_ok(f, KEK_B, bw, bpub, e);
	/* another KEK at the index */
	assert_ok(ccsp_vsm_keystore_generate(f->ks, CCSP_VSM_KEY_KEK, KEK_C, NULL, 0));
	int refused = audit_count(f, "wrap.refused");
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_pair_sign_kek(f->s, KEK_C, w, W, e, sig));
	assert_int_equal(audit_count(f, "wrap.refused"), refused + 1);
	assert_int_equal(ccsp_vsm_keystore_kek_sign_cached(f->ks), 1);
	/* the same KEK back at the index: its wraps are its wraps again */
	assert_ok(ccsp_vsm_keystore_delete(f->ks, CCSP_VSM_KEY_KEK, KEK_C));
	assert_ok(ccsp_vsm_keystore_import(f->ks, CCSP_VSM_KEY_KEK, KEK_C, kek, sizeof kek, NULL, 0));
	sign_ok(f, KEK_C, w, pub, e);
	assert_int_equal(ccsp_vsm_keystore_kek_sign_cached(f->ks), 2);
}

/* Zeroisation wipes every entry; the wraps then find no KEK. */
static void test_reset_invalidates(void **state)
{
	fixture *f = *state;
	uint8_t pub[64], w[W], e[32] = {12}, sig[64];
	assert_ok(ccsp_vsm_pair_generate_kek(f->s, KEK_A, CCSP_VSM_KEY_SIGN, pub, w));
	sign_ok(f, KEK_A, w, pub, e);
	sign_ok(f, KEK_A, w, pub, e);
	assert_int_equal(ccsp_vsm_keystore_kek_sign_cached(f->ks), 1);
	ccsp_vsm_session_release(f->s);
	assert_ok(ccsp_vsm_reset(f->vsm)); /* closes every session */
	assert_int_equal(ccsp_vsm_keystore_kek_sign_cached(f->ks), 0);
	f->s = session_new(f->vsm, OWNER + 1);
	assert_non_null(f->s);
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_pair_sign_kek(f->s, KEK_A, w, W, e, sig));
	assert_int_equal(ccsp_vsm_keystore_kek_sign_cached(f->ks), 0);
}

/* More wraps than the cache holds, round after round: every signature verifies, the cache never exceeds its bound,
 * and wraps evicted long ago sign again. */
static void test_eviction(void **state)
{
	fixture *f = *state;
	enum { N = CAPACITY + CAPACITY / 4 };
	uint8_t(*w)[W] = malloc(N * sizeof *w);
	uint8_t(*pub)[64] = malloc(N * sizeof *pub);
	uint8_t e[32] = {13};
	assert_non_null(w);
	assert_non_null(pub);
	for (int i = 0; i < N; i++)
		assert_ok(ccsp_vsm_pair_generate_kek(f->s, KEK_A, CCSP_VSM_KEY_SIGN, pub[i], w[i]));
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < N; i++) {
			e[1] = (uint8_t)round;
			sign_ok(f, KEK_A, w[i], pub[i], e);
			assert_true(ccsp_vsm_keystore_kek_sign_cached(f->ks) <= CAPACITY);
		}
	assert_true(ccsp_vsm_keystore_kek_sign_cached(f->ks) > CAPACITY / 2);
	/* a few hot ones, signed often enough to become contexts, amid the churn */
	for (int i = 0; i < N; i++) {
		for (int j = 0; j < 3; j++)
			sign_ok(f, KEK_A, w[j], pub[j], e);
		sign_ok(f, KEK_A, w[i], pub[i], e);
	}
	free(w);
	free(pub);
}

/* ---- threads: signers with a wrap all share and one of their own, a writer replacing another KEK ---- */

#define THREADS 4
#define SIGNS 150

typedef struct thread_arg {
	fixture *f;
	int n;
	const uint8_t *shared, *shared_pub;
	int failures;
} thread_arg;

static void *signer(void *p)
{
	thread_arg *t = p;
	uint8_t pub[64], w[W], sig[64], e[32] = {14, (uint8_t)t->n};
	ccsp_vsm_session *s = session_new(t->f->vsm, 100 + (uint64_t)t->n);
	if (s == NULL || ccsp_vsm_pair_generate_kek(s, KEK_A, CCSP_VSM_KEY_SIGN, pub, w) != CCSP_OK) {
		t->failures++;
		return NULL;
	}
	for (int i = 0; i < SIGNS; i++) {
		e[2] = (uint8_t)i;
		if (ccsp_vsm_pair_sign_kek(s, KEK_A, t->shared, W, e, sig) != CCSP_OK ||
		    !signs_for(t->shared_pub, e, sig))
			t->failures++;
		if (ccsp_vsm_pair_sign_kek(s, KEK_A, w, W, e, sig) != CCSP_OK || !signs_for(pub, e, sig))
			t->failures++;
	}
	ccsp_vsm_session_release(s);
	return NULL;
}

/* KEK_C made, used through a wrap, deleted, again and again: its entries come and go under the signers. */
static void *writer(void *p)
{
	thread_arg *t = p;
	uint8_t pub[64], w[W], sig[64], e[32] = {15};
	ccsp_vsm_session *s = session_new(t->f->vsm, 200);
	for (int i = 0; s != NULL && i < 30; i++) {
		if (ccsp_vsm_keystore_generate(t->f->ks, CCSP_VSM_KEY_KEK, KEK_C, NULL, 0) != CCSP_OK ||
		    ccsp_vsm_pair_generate_kek(s, KEK_C, CCSP_VSM_KEY_SIGN, pub, w) != CCSP_OK ||
		    ccsp_vsm_pair_sign_kek(s, KEK_C, w, W, e, sig) != CCSP_OK ||
		    ccsp_vsm_pair_sign_kek(s, KEK_C, w, W, e, sig) != CCSP_OK || !signs_for(pub, e, sig) ||
		    ccsp_vsm_keystore_delete(t->f->ks, CCSP_VSM_KEY_KEK, KEK_C) != CCSP_OK ||
		    ccsp_vsm_pair_sign_kek(s, KEK_C, w, W, e, sig) != CCSP_ERR_KEY_NOT_FOUND)
			t->failures++;
	}
	if (s == NULL)
		t->failures++;
	ccsp_vsm_session_release(s);
	return NULL;
}

static void test_concurrent_signers(void **state)
{
	fixture *f = *state;
	uint8_t pub[64], w[W];
	pthread_t th[THREADS + 1];
	thread_arg args[THREADS + 1];
	assert_ok(ccsp_vsm_pair_generate_kek(f->s, KEK_A, CCSP_VSM_KEY_SIGN, pub, w));
	for (int i = 0; i <= THREADS; i++) {
		args[i] = (thread_arg){f, i, w, pub, 0};
		assert_int_equal(pthread_create(&th[i], NULL, i == THREADS ? writer : signer, &args[i]), 0);
	}
	for (int i = 0; i <= THREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(args[i].failures, 0);
	}
	/* the shared wrap may hold up to VSM_WRAP_CACHE_DUPS entries, one per thread that found the others busy */
	size_t n = ccsp_vsm_keystore_kek_sign_cached(f->ks);
	assert_true(n >= 1 + THREADS && n <= THREADS + VSM_WRAP_CACHE_DUPS);
	sign_ok(f, KEK_A, w, pub, (const uint8_t[32]){16});
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        T(test_repeated_signs),
	        T(test_altered_after_hit),
	        T(test_other_kek_index),
	        T(test_kek_change_invalidates),
	        T(test_reset_invalidates),
	        T(test_eviction),
	        T(test_concurrent_signers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

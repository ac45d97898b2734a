/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VSM's SM2 key agreement (GM/T 0018 6.3.12-6.3.14) and digital-envelope exchange, called directly on a VSM
 * in a temporary directory: two VSM parties agree; differential against the core's ccsp_sm2_kex run outside
 * the VSM with its own key, in either role; the agreement table's bound and replacement; every error path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ccsp/sm2.h>

#include "test_util.h"
#include "vsm/vsm_internal.h"

static const uint8_t SK[CCSP_VSM_STORAGE_KEY_SIZE] = "kex-test-storage";
static const uint8_t PW[] = "password-1";
#define PWLEN (sizeof PW - 1)
#define OWNER 7
#define IDX_A 1 /* encryption pairs of the two parties */
#define IDX_B 2
#define IDX_SIGN_ONLY 3

typedef struct fixture {
	char dir[256];
	ccsp_vsm *vsm;
} fixture;

static fixture fx;

static int group_setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(fx.dir, sizeof fx.dir, "%s/vsm_kex_test.XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(fx.dir) == NULL || ccsp_vsm_open(fx.dir, SK, NULL, &fx.vsm) != CCSP_OK)
		return -1;
	ccsp_vsm_keystore *ks = ccsp_vsm_get_keystore(fx.vsm);
	if (ccsp_vsm_keystore_generate(ks, CCSP_VSM_KEY_ENC, IDX_A, PW, PWLEN) != CCSP_OK ||
	    ccsp_vsm_keystore_generate(ks, CCSP_VSM_KEY_ENC, IDX_B, PW, PWLEN) != CCSP_OK ||
	    ccsp_vsm_keystore_generate(ks, CCSP_VSM_KEY_SIGN, IDX_SIGN_ONLY, PW, PWLEN) != CCSP_OK)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	ccsp_vsm_free(fx.vsm);
	test_rm_tree(fx.dir);
	return 0;
}

/* A new acquired session, with the access rights of the given index (0: none). */
static ccsp_vsm_session *session(uint32_t right)
{
	uint64_t id;
	ccsp_vsm_session *s = NULL;
	assert_ok(ccsp_vsm_session_open(fx.vsm, OWNER, &id));
	assert_ok(ccsp_vsm_session_acquire(fx.vsm, OWNER, id, &s));
	if (right != 0)
		assert_ok(ccsp_vsm_get_access_right(s, right, PW, PWLEN));
	return s;
}

static void close_session(ccsp_vsm_session *s)
{
	uint64_t id = s->id;
	ccsp_vsm_session_release(s);
	assert_ok(ccsp_vsm_session_close(fx.vsm, OWNER, id));
}

/* The bytes of a session key. */
static size_t key_of(ccsp_vsm_session *s, uint64_t handle, uint8_t out[CCSP_VSM_SESSION_KEY_MAX])
{
	vsm_key_slot *k = vsm_session_key(s, handle);
	assert_non_null(k);
	memcpy(out, k->key, k->bits / 8);
	return k->bits / 8;
}

static void pub_of(ccsp_vsm_session *s, uint32_t index, uint8_t pub[64])
{
	assert_ok(ccsp_vsm_export_public(s, CCSP_VSM_KEY_ENC, index, pub));
}

/* A full exchange between two VSM sessions: A (sponsor, index 1) and B (responder, index 2). ida_as_b is the
 * responder ID the sponsor uses (normally idb). Returns whether the two keys are equal. */
static int exchange(ccsp_vsm_session *a, ccsp_vsm_session *b, uint32_t bits, const uint8_t *ida, size_t ida_len,
                    const uint8_t *idb, size_t idb_len, const uint8_t *idb_seen, size_t idb_seen_len)
{
	uint8_t pa[64], ra[64], pb[64], rb[64], want[64], ka[32], kb[32];
	uint64_t agr, ha, hb;
	assert_ok(ccsp_vsm_agreement_data(a, IDX_A, bits, ida, ida_len, pa, ra, &agr));
	pub_of(a, IDX_A, want);
	assert_memory_equal(pa, want, 64);
	assert_ok(ccsp_vsm_agreement_data_and_key(b, IDX_B, bits, idb, idb_len, ida, ida_len, pa, ra, pb, rb, &hb));
	pub_of(b, IDX_B, want);
	assert_memory_equal(pb, want, 64);
	assert_memory_not_equal(ra, rb, 64);
	assert_ok(ccsp_vsm_agreement_key(a, idb_seen, idb_seen_len, pb, rb, agr, &ha));
	/* consumed */
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_agreement_key(a, idb, idb_len, pb, rb, agr, &ha));
	assert_int_equal(key_of(a, ha, ka), bits / 8);
	assert_int_equal(key_of(b, hb, kb), bits / 8);
	int same = memcmp(ka, kb, bits / 8) == 0;
	assert_ok(ccsp_vsm_key_destroy(a, ha));
	assert_ok(ccsp_vsm_key_destroy(b, hb));
	return same;
}

static void test_two_vsm_parties_agree(void **state)
{
	(void)state;
	static const size_t lens[][2] = {{16, 16}, {1, 3}, {200, 17}, {CCSP_SM2_MAX_ID_LEN, 5}};
	uint8_t *ida = malloc(CCSP_SM2_MAX_ID_LEN), *idb = malloc(CCSP_SM2_MAX_ID_LEN);
	assert_non_null(ida);
	assert_non_null(idb);
	test_rand(ida, CCSP_SM2_MAX_ID_LEN);
	test_rand(idb, CCSP_SM2_MAX_ID_LEN);
	ccsp_vsm_session *a = session(IDX_A), *b = session(IDX_B);
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
		for (uint32_t bits = 128; bits <= 256; bits += 128)
			assert_true(exchange(a, b, bits, ida, lens[i][0], idb, lens[i][1], idb, lens[i][1]));
	/* the sponsor believes the responder has another ID: both calls succeed, the keys differ */
	assert_false(exchange(a, b, 128, ida, 16, idb, 16, idb, 15));
	/* one party may play both roles with one index: the standard does not forbid it */
	uint8_t pa[64], ra[64], pb[64], rb[64], k1[32], k2[32];
	uint64_t agr, h1, h2;
	assert_ok(ccsp_vsm_agreement_data(a, IDX_A, 128, ida, 4, pa, ra, &agr));
	assert_ok(ccsp_vsm_agreement_data_and_key(a, IDX_A, 128, idb, 4, ida, 4, pa, ra, pb, rb, &h2));
	assert_ok(ccsp_vsm_agreement_key(a, idb, 4, pb, rb, agr, &h1));
	key_of(a, h1, k1);
	key_of(a, h2, k2);
	assert_memory_equal(k1, k2, 16);
	close_session(a);
	close_session(b);
	free(ida);
	free(idb);
}

/* The core's exchange run outside the VSM, with a key the test holds, against the VSM in either role. */
static void test_differential_core(void **state)
{
	(void)state;
	static const uint8_t ida[] = "ALICE123@YAHOO.COM", idb[] = "BILL456@YAHOO.COM";
	uint8_t pt[CCSP_SM2_POINT_SIZE], r_core[CCSP_SM2_POINT_SIZE], pv[64], rv[64], k_core[32], k_vsm[32];
	uint64_t agr, h;
	ccsp_sm2_key *own = ccsp_sm2_key_new(), *vsm_pub = ccsp_sm2_key_new(), *vsm_pub2 = ccsp_sm2_key_new();
	assert_ok(ccsp_sm2_key_generate(own));
	ccsp_vsm_session *s = session(IDX_A);
	/* VSM sponsor, core responder (peer known from the start, as ccsp_sm2_kex is normally used) */
	assert_ok(ccsp_vsm_agreement_data(s, IDX_A, 128, ida, sizeof ida - 1, pv, rv, &agr));
	pt[0] = 4;
	memcpy(pt + 1, pv, 64);
	assert_ok(ccsp_sm2_key_set_public(vsm_pub, pt, sizeof pt));
	ccsp_sm2_kex *x = ccsp_sm2_kex_new();
	assert_ok(ccsp_sm2_kex_start(x, 0, own, idb, sizeof idb - 1, vsm_pub, ida, sizeof ida - 1, r_core));
	memcpy(pt + 1, rv, 64);
	assert_ok(ccsp_sm2_kex_compute(x, pt, sizeof pt, k_core, 16, NULL));
	ccsp_sm2_kex_free(x);
	assert_ok(ccsp_sm2_key_get_public(own, pt));
	assert_ok(ccsp_vsm_agreement_key(s, idb, sizeof idb - 1, pt + 1, r_core + 1, agr, &h));
	assert_int_equal(key_of(s, h, k_vsm), 16);
	assert_memory_equal(k_vsm, k_core, 16);
	/* core sponsor, VSM responder */
	x = ccsp_sm2_kex_new();
	assert_ok(ccsp_sm2_kex_start(x, 1, own, ida, sizeof ida - 1, NULL, NULL, 0, r_core));
	assert_ok(ccsp_sm2_key_get_public(own, pt));
	assert_ok(ccsp_vsm_agreement_data_and_key(s, IDX_A, 256, idb, sizeof idb - 1, ida, sizeof ida - 1, pt + 1,
	                                          r_core + 1, pv, rv, &h));
	pt[0] = 4;
	memcpy(pt + 1, pv, 64);
	assert_ok(ccsp_sm2_key_set_public(vsm_pub2, pt, sizeof pt));
	assert_ok(ccsp_sm2_kex_set_peer(x, vsm_pub2, idb, sizeof idb - 1));
	memcpy(pt + 1, rv, 64);
	assert_ok(ccsp_sm2_kex_compute(x, pt, sizeof pt, k_core, 32, NULL));
	assert_int_equal(key_of(s, h, k_vsm), 32);
	assert_memory_equal(k_vsm, k_core, 32);
	ccsp_sm2_kex_free(x);
	ccsp_sm2_key_free(own);
	ccsp_sm2_key_free(vsm_pub);
	ccsp_sm2_key_free(vsm_pub2);
	close_session(s);
}

static void test_errors(void **state)
{
	(void)state;
	static const uint8_t id[] = "1234567812345678";
	uint8_t pa[64], ra[64], pb[64], rb[64], bad[64];
	uint64_t agr, h, h2;
	ccsp_vsm_session *none = session(0), *a = session(IDX_A), *b = session(IDX_B);
	/* access right, per session and per index */
	assert_ccsp(CCSP_ERR_ACCESS_DENIED, ccsp_vsm_agreement_data(none, IDX_A, 128, id, 16, pa, ra, &agr));
	assert_ccsp(CCSP_ERR_ACCESS_DENIED, ccsp_vsm_agreement_data(a, IDX_B, 128, id, 16, pa, ra, &agr));
	assert_ok(ccsp_vsm_agreement_data(a, IDX_A, 128, id, 16, pa, ra, &agr));
	assert_ccsp(CCSP_ERR_ACCESS_DENIED,
	            ccsp_vsm_agreement_data_and_key(none, IDX_B, 128, id, 16, id, 16, pa, ra, pb, rb, &h));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_agreement_data(a, 0, 128, id, 16, pa, ra, &h));
	/* an index with no encryption pair */
	ccsp_vsm_session *c = session(IDX_SIGN_ONLY);
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_agreement_data(c, IDX_SIGN_ONLY, 128, id, 16, pa, ra, &h));
	close_session(c);
	/* bits and IDs */
	assert_ccsp(CCSP_ERR_KEY_LENGTH, ccsp_vsm_agreement_data(a, IDX_A, 192, id, 16, pa, ra, &h));
	assert_ccsp(CCSP_ERR_KEY_LENGTH,
	            ccsp_vsm_agreement_data_and_key(b, IDX_B, 0, id, 16, id, 16, pa, ra, pb, rb, &h));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_agreement_data(a, IDX_A, 128, NULL, 16, pa, ra, &h));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_agreement_data(a, IDX_A, 128, id, 0, pa, ra, &h));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_agreement_data(a, IDX_A, 128, id, CCSP_SM2_MAX_ID_LEN + 1, pa, ra, &h));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_agreement_data_and_key(b, IDX_B, 128, id, 16, id, 0, pa, ra, pb, rb, &h));
	/* the sponsor's points: off the curve */
	memcpy(bad, pa, 64);
	bad[63] ^= 1;
	assert_ccsp(CCSP_ERR_POINT, ccsp_vsm_agreement_data_and_key(b, IDX_B, 128, id, 16, id, 16, bad, ra, pb, rb, &h));
	assert_ccsp(CCSP_ERR_POINT, ccsp_vsm_agreement_data_and_key(b, IDX_B, 128, id, 16, id, 16, pa, bad, pb, rb, &h));
	assert_ok(ccsp_vsm_agreement_data_and_key(b, IDX_B, 128, id, 16, id, 16, pa, ra, pb, rb, &h));
	/* handles: 0, unknown, a session key's, another session's, and an agreement used up by a bad point */
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_agreement_key(a, id, 16, pb, rb, 0, &h2));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_agreement_key(a, id, 16, pb, rb, agr ^ (1ull << 40), &h2));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_agreement_key(a, id, 16, pb, rb, h, &h2));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_agreement_key(b, id, 16, pb, rb, agr, &h2));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_agreement_key(a, id, 0, pb, rb, agr, &h2)); /* not consumed */
	memcpy(bad, rb, 64);
	bad[0] ^= 1;
	assert_ccsp(CCSP_ERR_POINT, ccsp_vsm_agreement_key(a, id, 16, pb, bad, agr, &h2));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_agreement_key(a, id, 16, pb, rb, agr, &h2));
	assert_ok(ccsp_vsm_agreement_data(a, IDX_A, 128, id, 16, pa, ra, &agr));
	assert_ccsp(CCSP_ERR_POINT, ccsp_vsm_agreement_key(a, id, 16, bad, rb, agr, &h2));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_agreement_key(a, id, 16, pb, rb, agr, &h2));
	/* the session-key table is full: the error is the limit, and the agreement is consumed all the same */
	assert_ok(ccsp_vsm_agreement_data(a, IDX_A, 128, id, 16, pa, ra, &agr));
	uint8_t filler[16] = {0};
	while (vsm_session_add_key(a, filler, sizeof filler, &h2) == CCSP_OK)
		;
	assert_ccsp(CCSP_ERR_LIMIT, ccsp_vsm_agreement_key(a, id, 16, pb, rb, agr, &h2));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_agreement_key(a, id, 16, pb, rb, agr, &h2));
	close_session(none);
	close_session(a);
	close_session(b);
}

static void test_bound_and_replacement(void **state)
{
	(void)state;
	static const uint8_t id[] = "id";
	uint8_t pa[64], ra[64], pb[64], rb[64], k1[32], k2[32];
	uint64_t agr[CCSP_VSM_AGREEMENTS + 2], h, hb;
	ccsp_vsm_session *a = session(IDX_A), *b = session(IDX_B);
	for (size_t i = 0; i < CCSP_VSM_AGREEMENTS + 2; i++)
		assert_ok(ccsp_vsm_agreement_data(a, IDX_A, 128, id, 2, pa, ra, &agr[i]));
	for (size_t i = 0; i < CCSP_VSM_AGREEMENTS + 2; i++)
		for (size_t j = 0; j < i; j++)
			assert_true(agr[i] != agr[j]);
	/* the two oldest were replaced (and wiped); the rest still work, each once */
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_agreement_key(a, id, 2, pa, ra, agr[0], &h));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_agreement_key(a, id, 2, pa, ra, agr[1], &h));
	/* one more replaces the oldest left, agr[2]; the new one completes against a responder */
	assert_ok(ccsp_vsm_agreement_data(a, IDX_A, 128, id, 2, pa, ra, &agr[0]));
	assert_ok(ccsp_vsm_agreement_data_and_key(b, IDX_B, 128, id, 2, id, 2, pa, ra, pb, rb, &hb));
	assert_ok(ccsp_vsm_agreement_key(a, id, 2, pb, rb, agr[0], &h));
	key_of(a, h, k1);
	key_of(b, hb, k2);
	assert_memory_equal(k1, k2, 16);
	for (size_t i = 3; i < CCSP_VSM_AGREEMENTS + 2; i++)
		assert_ok(ccsp_vsm_agreement_key(a, id, 2, pb, rb, agr[i], &h)); /* a key nobody else has, but a key */
	/* agr[2] was replaced by the new agr[0] */
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_agreement_key(a, id, 2, pb, rb, agr[2], &h));
	/* closing the session with agreements pending frees them (ASan's leak check) */
	assert_ok(ccsp_vsm_agreement_data(a, IDX_A, 128, id, 2, pa, ra, &agr[0]));
	close_session(a);
	close_session(b);
}

static void test_envelope(void **state)
{
	(void)state;
	static const uint8_t msg[] = "a session key in a digital envelope";
	const size_t n = sizeof msg - 1, ctlen = n + 96;
	uint8_t ct[256], out[256], back[256], pt[CCSP_SM2_POINT_SIZE], full[257];
	size_t backlen = 0;
	ccsp_sm2_key *to = ccsp_sm2_key_new();
	assert_ok(ccsp_sm2_key_generate(to));
	assert_ok(ccsp_sm2_key_get_public(to, pt));
	ccsp_vsm_session *none = session(0), *a = session(IDX_A);
	assert_ok(ccsp_vsm_internal_encrypt(a, IDX_A, msg, n, ct));
	assert_ccsp(CCSP_ERR_ACCESS_DENIED, ccsp_vsm_exchange_envelope(none, IDX_A, pt + 1, ct, ctlen, out));
	assert_ok(ccsp_vsm_exchange_envelope(a, IDX_A, pt + 1, ct, ctlen, out));
	assert_memory_not_equal(out, ct, ctlen);
	full[0] = 4;
	memcpy(full + 1, out, ctlen);
	assert_ok(ccsp_sm2_decrypt(to, CCSP_SM2_C1C3C2, full, ctlen + 1, back, sizeof back, &backlen));
	assert_int_equal(backlen, n);
	assert_memory_equal(back, msg, n);
	/* errors: another index's ciphertext, a tampered one, a bad public key, lengths */
	assert_ccsp(CCSP_ERR_ACCESS_DENIED, ccsp_vsm_exchange_envelope(a, IDX_B, pt + 1, ct, ctlen, out));
	ct[70] ^= 1;
	assert_ccsp(CCSP_ERR_AUTH, ccsp_vsm_exchange_envelope(a, IDX_A, pt + 1, ct, ctlen, out));
	ct[70] ^= 1;
	pt[64] ^= 1;
	assert_ccsp(CCSP_ERR_POINT, ccsp_vsm_exchange_envelope(a, IDX_A, pt + 1, ct, ctlen, out));
	pt[64] ^= 1;
	assert_ccsp(CCSP_ERR_DATA_LENGTH, ccsp_vsm_exchange_envelope(a, IDX_A, pt + 1, ct, 96, out));
	assert_ccsp(CCSP_ERR_DATA_LENGTH, ccsp_vsm_exchange_envelope(a, IDX_A, pt + 1, NULL, ctlen, out));
	ccsp_sm2_key_free(to);
	close_session(none);
	close_session(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_two_vsm_parties_agree),
	        cmocka_unit_test(test_differential_core),
	        cmocka_unit_test(test_errors),
	        cmocka_unit_test(test_bound_and_replacement),
	        cmocka_unit_test(test_envelope),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

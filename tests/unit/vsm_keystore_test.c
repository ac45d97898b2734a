/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VSM keystore's services: every kind of key, the password rules of GM/T 0018 6.2.8, argument errors,
 * zeroisation, rollback when the file cannot be written, and concurrent use. Persistence and crashes are in
 * vsm_keystore_file_test.c.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <ccsp/sm2.h>
#include <ccsp/sm4.h>

#include "vsm_keystore_fixture.h"

/* ---- callbacks for with_sm2 ---- */

typedef struct decrypt_arg {
	const uint8_t *ct;
	size_t ctlen;
	uint8_t out[64];
	size_t outlen;
} decrypt_arg;

static ccsp_err decrypt_fn(const ccsp_sm2_key *key, void *arg)
{
	decrypt_arg *a = arg;
	return ccsp_sm2_decrypt(key, CCSP_SM2_C1C3C2, a->ct, a->ctlen, a->out, sizeof a->out, &a->outlen);
}

/* Sign msg with the keystore's pair and verify with its exported public key. */
/* ---- services ---- */

static void test_open_empty_and_arguments(void **state)
{
	fixture *f = *state;
	ccsp_vsm_keystore *ks = ks_open(f);
	assert_int_equal(ccsp_vsm_keystore_max_index(ks), MAX);
	assert_int_equal(list_count(ks), 0);
	assert_int_equal(access(f->path, F_OK), -1); /* created by the first change, not by open */
	ccsp_vsm_keystore_free(ks);
	ccsp_vsm_keystore_free(NULL);
	assert_int_equal(ccsp_vsm_keystore_max_index(NULL), 0);

	ks = (ccsp_vsm_keystore *)1;
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_open(NULL, SK, MAX, &ks));
	assert_null(ks);
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_open(f->path, NULL, MAX, &ks));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_open(f->path, SK, MAX, NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_open(f->path, SK, 0, &ks));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_open(f->path, SK, 65536, &ks));
	ks = ks_open_max(f->path, 65535);
	assert_int_equal(ccsp_vsm_keystore_max_index(ks), 65535);
	ccsp_vsm_keystore_free(ks);

	/* NULL keystore everywhere */
	uint8_t pub[CCSP_SM2_POINT_SIZE], blk[16] = {0};
	ccsp_sm2_key *key;
	ccsp_vsm_key_info *v;
	size_t n;
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_generate(NULL, SIGN, 1, PW, PWLEN));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_import(NULL, KEK, 1, blk, 16, NULL, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_delete(NULL, SIGN, 1));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_set_password(NULL, 1, PW, PWLEN));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_wipe_all(NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_list(NULL, &v, &n));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_check_password(NULL, 1, PW, PWLEN));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_public(NULL, SIGN, 1, pub));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_public_key(NULL, SIGN, 1, &key));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_with_sm2(NULL, SIGN, 1, sign_fn, NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_kek_wrap(NULL, 1, blk, blk, 16));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_kek_unwrap(NULL, 1, blk, blk, 16));
}

static void test_generate_each_kind_and_list(void **state)
{
	fixture *f = *state;
	ccsp_vsm_keystore *ks = ks_open(f);
	int64_t t0 = (int64_t)time(NULL);

	assert_ok(ccsp_vsm_keystore_generate(ks, SIGN, 1, PW, PWLEN));
	assert_ok(ccsp_vsm_keystore_generate(ks, ENC, 1, NULL, 0)); /* index 1 has a password: kept */
	assert_ok(ccsp_vsm_keystore_generate(ks, KEK, 1, NULL, 0));
	assert_ok(ccsp_vsm_keystore_generate(ks, SIGN, 2, PW2, PW2LEN));
	assert_ok(ccsp_vsm_keystore_generate(ks, KEK, MAX, NULL, 0));
	int64_t t1 = (int64_t)time(NULL);

	ccsp_vsm_key_info *v = NULL;
	size_t n = 0;
	assert_ok(ccsp_vsm_keystore_list(ks, &v, &n));
	assert_int_equal(n, 5);
	static const struct {
		int kind;
		uint32_t index;
	} want[] = {{SIGN, 1}, {SIGN, 2}, {ENC, 1}, {KEK, 1}, {KEK, MAX}};
	for (size_t i = 0; i < n; i++) {
		uint8_t pub[CCSP_SM2_POINT_SIZE], zero[CCSP_SM2_POINT_SIZE] = {0};
		assert_int_equal(v[i].kind, want[i].kind);
		assert_int_equal(v[i].index, want[i].index);
		assert_true(v[i].created >= t0 && v[i].created <= t1);
		if (v[i].kind == KEK) {
			assert_int_equal(v[i].has_password, 0);
			assert_memory_equal(v[i].pub, zero, sizeof zero);
		} else {
			assert_int_equal(v[i].has_password, 1);
			assert_ok(ccsp_vsm_keystore_public(ks, v[i].kind, v[i].index, pub));
			assert_int_equal(pub[0], 0x04);
			assert_memory_equal(v[i].pub, pub, sizeof pub);
		}
	}
	/* the two pairs of index 1 are distinct keys */
	assert_memory_not_equal(v[0].pub, v[2].pub, CCSP_SM2_POINT_SIZE);
	free(v);

	struct stat st;
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	ccsp_vsm_keystore_free(ks);
}

static void test_sign_and_decrypt(void **state)
{
	fixture *f = *state;
	ccsp_vsm_keystore *ks = ks_open(f);
	assert_ok(ccsp_vsm_keystore_generate(ks, SIGN, 3, PW, PWLEN));
	assert_ok(ccsp_vsm_keystore_generate(ks, ENC, 3, PW, PWLEN)); /* the matching password is accepted */
	assert_signs(ks, 3);

	/* encrypt to the exported encryption key, decrypt inside the keystore */
	static const uint8_t msg[] = "encryption standard";
	uint8_t ct[sizeof msg + CCSP_SM2_CIPHERTEXT_OVERHEAD];
	size_t ctlen;
	ccsp_sm2_key *pub = NULL;
	assert_ok(ccsp_vsm_keystore_public_key(ks, ENC, 3, &pub));
	assert_ok(ccsp_sm2_encrypt(pub, CCSP_SM2_C1C3C2, msg, sizeof msg, ct, sizeof ct, &ctlen));
	ccsp_sm2_key_free(pub);
	decrypt_arg d = {ct, ctlen, {0}, 0};
	assert_ok(ccsp_vsm_keystore_with_sm2(ks, ENC, 3, decrypt_fn, &d));
	assert_int_equal(d.outlen, sizeof msg);
	assert_memory_equal(d.out, msg, sizeof msg);
	/* the signing key cannot decrypt it: the pairs are separate keys */
	assert_ccsp(CCSP_ERR_AUTH, ccsp_vsm_keystore_with_sm2(ks, SIGN, 3, decrypt_fn, &d));

	/* absent pairs, wrong kinds, missing callback */
	uint8_t p[CCSP_SM2_POINT_SIZE];
	pub = (ccsp_sm2_key *)1;
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_public_key(ks, SIGN, 4, &pub));
	assert_null(pub);
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_public(ks, ENC, 4, p));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_with_sm2(ks, SIGN, 4, sign_fn, NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_public(ks, KEK, 3, p));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_public(ks, SIGN, 3, NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_public_key(ks, SIGN, 3, NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_with_sm2(ks, KEK, 3, sign_fn, NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_with_sm2(ks, SIGN, 3, NULL, NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_with_sm2(ks, (ccsp_vsm_key_kind)0, 3, sign_fn, NULL));
	ccsp_vsm_keystore_free(ks);
}

static void test_kek_wrap_unwrap(void **state)
{
	fixture *f = *state;
	ccsp_vsm_keystore *ks = ks_open(f);
	uint8_t kek[16], in[64], w1[64], w2[64], back[64], ref[64];
	test_rand(kek, sizeof kek);
	test_rand(in, sizeof in);

	/* an imported KEK wraps exactly as SM4-ECB under it */
	assert_ok(ccsp_vsm_keystore_import(ks, KEK, 2, kek, sizeof kek, NULL, 0));
	ccsp_sm4_key k;
	assert_ok(ccsp_sm4_set_key(&k, kek, sizeof kek));
	assert_ok(ccsp_sm4_ecb_encrypt(&k, in, ref, sizeof in));
	ccsp_sm4_key_wipe(&k);
	assert_ok(ccsp_vsm_keystore_kek_wrap(ks, 2, in, w2, sizeof in));
	assert_memory_equal(w2, ref, sizeof ref);
	assert_ok(ccsp_vsm_keystore_kek_unwrap(ks, 2, w2, back, sizeof w2));
	assert_memory_equal(back, in, sizeof in);

	/* a generated KEK: round trip, in place too, and a different key from the imported one */
	assert_ok(ccsp_vsm_keystore_generate(ks, KEK, 1, NULL, 0));
	assert_ok(ccsp_vsm_keystore_kek_wrap(ks, 1, in, w1, sizeof in));
	assert_memory_not_equal(w1, w2, sizeof w1);
	memcpy(back, w1, sizeof w1);
	assert_ok(ccsp_vsm_keystore_kek_unwrap(ks, 1, back, back, sizeof back));
	assert_memory_equal(back, in, sizeof in);

	assert_ccsp(CCSP_ERR_DATA_LENGTH, ccsp_vsm_keystore_kek_wrap(ks, 1, in, w1, 15));
	assert_ccsp(CCSP_ERR_DATA_LENGTH, ccsp_vsm_keystore_kek_unwrap(ks, 1, in, w1, 17));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_kek_wrap(ks, 3, in, w1, 16));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_kek_wrap(ks, 1, NULL, w1, 16));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_kek_unwrap(ks, 1, in, NULL, 16));
	/* a KEK slot is not an SM2 slot and the other way round */
	assert_ok(ccsp_vsm_keystore_generate(ks, SIGN, 5, PW, PWLEN));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_kek_wrap(ks, 5, in, w1, 16));
	uint8_t pub[CCSP_SM2_POINT_SIZE];
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_public(ks, SIGN, 1, pub));
	ccsp_vsm_keystore_free(ks);
}

static void test_password_rules(void **state)
{
	fixture *f = *state;
	ccsp_vsm_keystore *ks = ks_open(f);
	uint8_t longpw[CCSP_VSM_PASSWORD_MAX + 1], p[CCSP_SM2_POINT_SIZE];
	memset(longpw, 'p', sizeof longpw);

	/* first pair of an index: a password of 8..128 bytes is required */
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_generate(ks, SIGN, 1, NULL, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_generate(ks, SIGN, 1, PW, 7));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_generate(ks, SIGN, 1, longpw, sizeof longpw));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_generate(ks, SIGN, 1, NULL, 8));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_generate(ks, SIGN, 1, PW, 0));
	assert_int_equal(list_count(ks), 0);
	assert_ok(ccsp_vsm_keystore_generate(ks, SIGN, 1, PW, 8)); /* exactly the minimum */
	assert_ok(ccsp_vsm_keystore_generate(ks, SIGN, 2, longpw, CCSP_VSM_PASSWORD_MAX));
	assert_ok(ccsp_vsm_keystore_check_password(ks, 1, PW, 8));
	assert_ccsp(CCSP_ERR_PASSWORD, ccsp_vsm_keystore_check_password(ks, 1, PW, 9));
	assert_ok(ccsp_vsm_keystore_check_password(ks, 2, longpw, CCSP_VSM_PASSWORD_MAX));

	/* second pair: NULL keeps the password, a given one must match */
	assert_ccsp(CCSP_ERR_PASSWORD, ccsp_vsm_keystore_generate(ks, ENC, 1, PW2, PW2LEN));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_public(ks, ENC, 1, p));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_generate(ks, ENC, 1, PW, 7)); /* length is checked first */
	assert_ok(ccsp_vsm_keystore_generate(ks, ENC, 1, PW, 8));
	assert_ok(ccsp_vsm_keystore_generate(ks, ENC, 2, NULL, 0));
	assert_ok(ccsp_vsm_keystore_check_password(ks, 2, longpw, CCSP_VSM_PASSWORD_MAX));

	/* import follows the same rules */
	uint8_t d[32];
	hex2bin(STD_D, d, sizeof d);
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_import(ks, SIGN, 3, d, 32, NULL, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_import(ks, SIGN, 3, d, 32, PW, 7));
	assert_ok(ccsp_vsm_keystore_import(ks, SIGN, 3, d, 32, PW2, PW2LEN));
	assert_ccsp(CCSP_ERR_PASSWORD, ccsp_vsm_keystore_import(ks, ENC, 3, d, 32, PW, PWLEN));
	assert_ok(ccsp_vsm_keystore_import(ks, ENC, 3, d, 32, PW2, PW2LEN));

	/* check_password */
	assert_ok(ccsp_vsm_keystore_check_password(ks, 3, PW2, PW2LEN));
	assert_ccsp(CCSP_ERR_PASSWORD, ccsp_vsm_keystore_check_password(ks, 3, PW, PWLEN));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_check_password(ks, 3, PW2, 7));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_check_password(ks, 3, NULL, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_check_password(ks, 3, longpw, sizeof longpw));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_check_password(ks, 4, PW, PWLEN));

	/* set_password replaces it for both pairs of the index */
	assert_ok(ccsp_vsm_keystore_set_password(ks, 3, PW, PWLEN));
	assert_ccsp(CCSP_ERR_PASSWORD, ccsp_vsm_keystore_check_password(ks, 3, PW2, PW2LEN));
	assert_ok(ccsp_vsm_keystore_check_password(ks, 3, PW, PWLEN));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_set_password(ks, 4, PW, PWLEN));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_set_password(ks, 3, PW, 7));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_set_password(ks, 3, NULL, 0));

	/* KEKs take no password; a KEK does not give its index a password */
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_generate(ks, KEK, 4, PW, PWLEN));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_generate(ks, KEK, 4, NULL, 8));
	assert_ok(ccsp_vsm_keystore_generate(ks, KEK, 4, NULL, 0));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_check_password(ks, 4, PW, PWLEN));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_set_password(ks, 4, PW, PWLEN));
	ccsp_vsm_keystore_free(ks);
}

static void test_delete(void **state)
{
	fixture *f = *state;
	ccsp_vsm_keystore *ks = ks_open(f);
	uint8_t p[CCSP_SM2_POINT_SIZE], blk[16] = {0};

	assert_ok(ccsp_vsm_keystore_generate(ks, SIGN, 1, PW, PWLEN));
	assert_ok(ccsp_vsm_keystore_generate(ks, ENC, 1, NULL, 0));
	assert_ok(ccsp_vsm_keystore_generate(ks, KEK, 1, NULL, 0));

	assert_ok(ccsp_vsm_keystore_delete(ks, SIGN, 1));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_public(ks, SIGN, 1, p));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_delete(ks, SIGN, 1));
	assert_ok(ccsp_vsm_keystore_check_password(ks, 1, PW, PWLEN)); /* the encryption pair keeps it */
	assert_ok(ccsp_vsm_keystore_public(ks, ENC, 1, p));

	assert_ok(ccsp_vsm_keystore_delete(ks, ENC, 1)); /* the last pair: the password goes too */
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_check_password(ks, 1, PW, PWLEN));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_generate(ks, SIGN, 1, NULL, 0));
	assert_ok(ccsp_vsm_keystore_kek_wrap(ks, 1, blk, blk, 16)); /* the KEK table is separate */

	assert_ok(ccsp_vsm_keystore_delete(ks, KEK, 1));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_kek_wrap(ks, 1, blk, blk, 16));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_delete(ks, KEK, 1));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_delete(ks, (ccsp_vsm_key_kind)4, 1));
	assert_int_equal(list_count(ks), 0);

	/* the index is free again, with a new password */
	assert_ok(ccsp_vsm_keystore_generate(ks, SIGN, 1, PW2, PW2LEN));
	ccsp_vsm_keystore_free(ks);

	/* deletions are persisted */
	ks = ks_open(f);
	assert_int_equal(list_count(ks), 1);
	assert_ok(ccsp_vsm_keystore_check_password(ks, 1, PW2, PW2LEN));
	ccsp_vsm_keystore_free(ks);
}

static void test_index_out_of_range(void **state)
{
	fixture *f = *state;
	ccsp_vsm_keystore *ks = ks_open(f);
	const uint32_t bad[] = {0, MAX + 1, UINT32_MAX};
	uint8_t d[32], blk[16] = {0}, p[CCSP_SM2_POINT_SIZE];
	ccsp_sm2_key *key;
	hex2bin(STD_D, d, sizeof d);

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint32_t x = bad[i];
		assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_generate(ks, SIGN, x, PW, PWLEN));
		assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_generate(ks, ENC, x, PW, PWLEN));
		assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_generate(ks, KEK, x, NULL, 0));
		assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_import(ks, SIGN, x, d, 32, PW, PWLEN));
		assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_import(ks, KEK, x, blk, 16, NULL, 0));
		assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_delete(ks, SIGN, x));
		assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_delete(ks, KEK, x));
		assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_set_password(ks, x, PW, PWLEN));
		assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_check_password(ks, x, PW, PWLEN));
		assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_public(ks, SIGN, x, p));
		assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_public_key(ks, ENC, x, &key));
		assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_with_sm2(ks, SIGN, x, sign_fn, NULL));
		assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_kek_wrap(ks, x, blk, blk, 16));
		assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_kek_unwrap(ks, x, blk, blk, 16));
	}
	/* unknown kinds */
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_generate(ks, (ccsp_vsm_key_kind)0, 1, PW, PWLEN));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_generate(ks, (ccsp_vsm_key_kind)4, 1, NULL, 0));
	assert_int_equal(list_count(ks), 0);
	assert_int_equal(access(f->path, F_OK), -1); /* nothing was ever written */

	/* the bounds themselves are valid */
	assert_ok(ccsp_vsm_keystore_generate(ks, SIGN, MAX, PW, PWLEN));
	assert_ok(ccsp_vsm_keystore_generate(ks, KEK, 1, NULL, 0));
	ccsp_vsm_keystore_free(ks);
}

static void test_occupied_slot(void **state)
{
	fixture *f = *state;
	ccsp_vsm_keystore *ks = ks_open(f);
	uint8_t d[32], blk[16] = {0}, p0[CCSP_SM2_POINT_SIZE], p1[CCSP_SM2_POINT_SIZE], w0[16], w1[16];
	hex2bin(STD_D, d, sizeof d);

	assert_ok(ccsp_vsm_keystore_generate(ks, SIGN, 1, PW, PWLEN));
	assert_ok(ccsp_vsm_keystore_generate(ks, KEK, 1, NULL, 0));
	assert_ok(ccsp_vsm_keystore_public(ks, SIGN, 1, p0));
	assert_ok(ccsp_vsm_keystore_kek_wrap(ks, 1, blk, w0, 16));

	assert_ccsp(CCSP_ERR_KEY_EXISTS, ccsp_vsm_keystore_generate(ks, SIGN, 1, PW, PWLEN));
	assert_ccsp(CCSP_ERR_KEY_EXISTS, ccsp_vsm_keystore_generate(ks, SIGN, 1, NULL, 0));
	assert_ccsp(CCSP_ERR_KEY_EXISTS, ccsp_vsm_keystore_import(ks, SIGN, 1, d, 32, NULL, 0));
	assert_ccsp(CCSP_ERR_KEY_EXISTS, ccsp_vsm_keystore_generate(ks, KEK, 1, NULL, 0));
	assert_ccsp(CCSP_ERR_KEY_EXISTS, ccsp_vsm_keystore_import(ks, KEK, 1, blk, 16, NULL, 0));

	/* the keys are untouched */
	assert_ok(ccsp_vsm_keystore_public(ks, SIGN, 1, p1));
	assert_memory_equal(p0, p1, sizeof p0);
	assert_ok(ccsp_vsm_keystore_kek_wrap(ks, 1, blk, w1, 16));
	assert_memory_equal(w0, w1, sizeof w0);
	assert_int_equal(list_count(ks), 2);
	ccsp_vsm_keystore_free(ks);
}

static void test_import(void **state)
{
	fixture *f = *state;
	ccsp_vsm_keystore *ks = ks_open(f);
	uint8_t d[32], bad[32], p[CCSP_SM2_POINT_SIZE], blk[16] = {0};
	hex2bin(STD_D, d, sizeof d);

	assert_ok(ccsp_vsm_keystore_import(ks, SIGN, 7, d, sizeof d, PW, PWLEN));
	assert_ok(ccsp_vsm_keystore_public(ks, SIGN, 7, p));
	assert_hex_equal(STD_P, p, sizeof p);
	assert_signs(ks, 7);

	assert_ccsp(CCSP_ERR_KEY_LENGTH, ccsp_vsm_keystore_import(ks, ENC, 7, d, 31, NULL, 0));
	assert_ccsp(CCSP_ERR_KEY_LENGTH, ccsp_vsm_keystore_import(ks, ENC, 7, d, 33, NULL, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_import(ks, ENC, 7, NULL, 32, NULL, 0));
	memset(bad, 0, sizeof bad);
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_keystore_import(ks, ENC, 7, bad, 32, NULL, 0));
	hex2bin(N_HEX, bad, sizeof bad);
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_keystore_import(ks, ENC, 7, bad, 32, NULL, 0));
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_keystore_import(ks, SIGN, 8, bad, 32, PW, PWLEN));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_check_password(ks, 8, PW, PWLEN)); /* no leftover */
	assert_ccsp(CCSP_ERR_KEY_LENGTH, ccsp_vsm_keystore_import(ks, KEK, 7, blk, 15, NULL, 0));
	assert_ccsp(CCSP_ERR_KEY_LENGTH, ccsp_vsm_keystore_import(ks, KEK, 7, blk, 32, NULL, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_import(ks, KEK, 7, NULL, 16, NULL, 0));
	assert_int_equal(list_count(ks), 1);
	ccsp_vsm_keystore_free(ks);
}

static void test_wipe_all(void **state)
{
	fixture *f = *state;
	populate(f);
	ccsp_vsm_keystore *ks = ks_open(f);
	uint8_t blk[16] = {0}, p[CCSP_SM2_POINT_SIZE];
	assert_int_equal(list_count(ks), 5);
	assert_ok(ccsp_vsm_keystore_wipe_all(ks));
	assert_int_equal(list_count(ks), 0);
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_kek_wrap(ks, 1, blk, blk, 16));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_public(ks, SIGN, 1, p));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_check_password(ks, 1, PW, PWLEN));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_generate(ks, SIGN, 1, NULL, 0)); /* needs a new password */
	assert_ok(ccsp_vsm_keystore_wipe_all(ks));                                   /* idempotent */
	ccsp_vsm_keystore_free(ks);

	/* persisted: the file exists, authentic and empty */
	assert_int_equal(access(f->path, F_OK), 0);
	ks = ks_open(f);
	assert_int_equal(list_count(ks), 0);
	assert_ok(ccsp_vsm_keystore_generate(ks, SIGN, 1, PW2, PW2LEN));
	ccsp_vsm_keystore_free(ks);
}

/* When the file cannot be written, every change fails with CCSP_ERR_IO and leaves memory as it was. */
static void test_write_failure_rolls_back(void **state)
{
	fixture *f = *state;
	char sub[300], moved[320], path[340];
	snprintf(sub, sizeof sub, "%s/sub", f->dir);
	snprintf(moved, sizeof moved, "%s/moved", f->dir);
	snprintf(path, sizeof path, "%s/keystore.bin", sub);
	assert_int_equal(mkdir(sub, 0700), 0);

	ccsp_vsm_keystore *ks = ks_open_max(path, MAX);
	uint8_t kek[16] = {7}, blk[16] = {0}, w0[16], w1[16], p0[CCSP_SM2_POINT_SIZE], p1[CCSP_SM2_POINT_SIZE];
	assert_ok(ccsp_vsm_keystore_generate(ks, SIGN, 1, PW, PWLEN));
	assert_ok(ccsp_vsm_keystore_generate(ks, KEK, 1, NULL, 0));
	assert_ok(ccsp_vsm_keystore_public(ks, SIGN, 1, p0));
	assert_ok(ccsp_vsm_keystore_kek_wrap(ks, 1, blk, w0, 16));

	assert_int_equal(rename(sub, moved), 0); /* the keystore's directory is gone */
	assert_ccsp(CCSP_ERR_IO, ccsp_vsm_keystore_generate(ks, ENC, 1, NULL, 0));
	assert_ccsp(CCSP_ERR_IO, ccsp_vsm_keystore_generate(ks, SIGN, 2, PW2, PW2LEN));
	assert_ccsp(CCSP_ERR_IO, ccsp_vsm_keystore_import(ks, KEK, 2, kek, 16, NULL, 0));
	assert_ccsp(CCSP_ERR_IO, ccsp_vsm_keystore_delete(ks, SIGN, 1));
	assert_ccsp(CCSP_ERR_IO, ccsp_vsm_keystore_delete(ks, KEK, 1));
	assert_ccsp(CCSP_ERR_IO, ccsp_vsm_keystore_set_password(ks, 1, PW2, PW2LEN));
	assert_ccsp(CCSP_ERR_IO, ccsp_vsm_keystore_wipe_all(ks));

	assert_int_equal(list_count(ks), 2);
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_public(ks, ENC, 1, p1));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_check_password(ks, 2, PW2, PW2LEN));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_kek_wrap(ks, 2, blk, w1, 16));
	assert_ok(ccsp_vsm_keystore_public(ks, SIGN, 1, p1));
	assert_memory_equal(p0, p1, sizeof p0);
	assert_ok(ccsp_vsm_keystore_kek_wrap(ks, 1, blk, w1, 16));
	assert_memory_equal(w0, w1, sizeof w0);
	assert_ok(ccsp_vsm_keystore_check_password(ks, 1, PW, PWLEN));
	assert_signs(ks, 1);

	/* once the directory is back, the same changes succeed */
	assert_int_equal(rename(moved, sub), 0);
	assert_ok(ccsp_vsm_keystore_generate(ks, ENC, 1, NULL, 0));
	assert_ok(ccsp_vsm_keystore_import(ks, KEK, 2, kek, 16, NULL, 0));
	assert_ok(ccsp_vsm_keystore_set_password(ks, 1, PW2, PW2LEN));
	snapshot a, b;
	take_snapshot(ks, &a);
	ccsp_vsm_keystore_free(ks);
	ks = ks_open_max(path, MAX);
	take_snapshot(ks, &b);
	assert_same_snapshot(&a, &b);
	assert_ok(ccsp_vsm_keystore_check_password(ks, 1, PW2, PW2LEN));
	ccsp_vsm_keystore_free(ks);
	free(a.infos);
	free(b.infos);
}

/* ccsp_vsm_keystore_sign: the pair's cached signing context follows the pair through deletion, a new key at
 * the index and zeroisation. */
static int signs_for(ccsp_vsm_keystore *ks, uint32_t index, const uint8_t e[32], const uint8_t sig[64])
{
	ccsp_sm2_key *k = NULL; /* no assert: the signer threads call it too */
	int ok = ccsp_vsm_keystore_public_key(ks, SIGN, index, &k) == CCSP_OK &&
	         ccsp_sm2_verify_digest(k, e, sig) == CCSP_OK;
	ccsp_sm2_key_free(k);
	return ok;
}

static void test_sign_cached_context(void **state)
{
	fixture *f = *state;
	ccsp_vsm_keystore *ks = ks_open(f);
	static const uint8_t e[32] = "keystore digest to sign, 32 b..";
	uint8_t sig[64], old[64];
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_sign(ks, 1, e, sig));
	assert_ok(ccsp_vsm_keystore_generate(ks, ENC, 1, PW, PWLEN));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_sign(ks, 1, e, sig)); /* signing pairs only */
	assert_ok(ccsp_vsm_keystore_generate(ks, SIGN, 1, NULL, 0));
	for (int i = 0; i < 40; i++) { /* past one refill of the context */
		assert_ok(ccsp_vsm_keystore_sign(ks, 1, e, sig));
		assert_true(signs_for(ks, 1, e, sig));
		assert_memory_not_equal(sig, i ? old : e, 32);
		memcpy(old, sig, 64);
	}
	/* a new key at the index: the old context is gone with the old key */
	assert_ok(ccsp_vsm_keystore_delete(ks, SIGN, 1));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_sign(ks, 1, e, sig));
	assert_ok(ccsp_vsm_keystore_generate(ks, SIGN, 1, NULL, 0));
	assert_ok(ccsp_vsm_keystore_sign(ks, 1, e, sig));
	assert_true(signs_for(ks, 1, e, sig));
	assert_false(signs_for(ks, 1, e, old));
	assert_ok(ccsp_vsm_keystore_wipe_all(ks));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_keystore_sign(ks, 1, e, sig));
	/* arguments */
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_sign(NULL, 1, e, sig));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_sign(ks, 0, e, sig));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_sign(ks, MAX + 1, e, sig));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_sign(ks, 1, NULL, sig));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_keystore_sign(ks, 1, e, NULL));
	/* freed with a live context */
	assert_ok(ccsp_vsm_keystore_generate(ks, SIGN, 2, PW, PWLEN));
	assert_ok(ccsp_vsm_keystore_sign(ks, 2, e, sig));
	ccsp_vsm_keystore_free(ks);
}

/* ---- concurrency: signers under the read lock while a writer changes other slots ---- */

typedef struct thread_arg {
	ccsp_vsm_keystore *ks;
	int failures;
} thread_arg;

static void *signer(void *p)
{
	thread_arg *t = p;
	for (int i = 0; i < 100; i++) {
		sign_arg a = {(const uint8_t *)"concurrent", 10, {0}};
		uint8_t pub[CCSP_SM2_POINT_SIZE];
		ccsp_sm2_key *k = NULL;
		static const uint8_t e[32] = "concurrent digest";
		uint8_t sig[64];
		/* three signers on one cached context: one uses it, the others sign one-shot meanwhile */
		if (ccsp_vsm_keystore_sign(t->ks, 1, e, sig) != CCSP_OK || !signs_for(t->ks, 1, e, sig))
			t->failures++;
		if (ccsp_vsm_keystore_with_sm2(t->ks, SIGN, 1, sign_fn, &a) != CCSP_OK ||
		    ccsp_vsm_keystore_public(t->ks, SIGN, 1, pub) != CCSP_OK ||
		    ccsp_vsm_keystore_public_key(t->ks, SIGN, 1, &k) != CCSP_OK ||
		    ccsp_sm2_verify(k, NULL, 0, a.msg, a.len, a.sig) != CCSP_OK)
			t->failures++;
		ccsp_sm2_key_free(k);
	}
	return NULL;
}

static void *writer(void *p)
{
	thread_arg *t = p;
	for (uint32_t i = 0; i < 30; i++) {
		uint32_t index = 2 + i % 10;
		uint8_t blk[16] = {0};
		if (ccsp_vsm_keystore_generate(t->ks, KEK, index, NULL, 0) != CCSP_OK ||
		    ccsp_vsm_keystore_kek_wrap(t->ks, index, blk, blk, 16) != CCSP_OK ||
		    ccsp_vsm_keystore_delete(t->ks, KEK, index) != CCSP_OK)
			t->failures++;
	}
	return NULL;
}

static void test_concurrent_use(void **state)
{
	fixture *f = *state;
	ccsp_vsm_keystore *ks = ks_open(f);
	assert_ok(ccsp_vsm_keystore_generate(ks, SIGN, 1, PW, PWLEN));
	pthread_t th[4];
	thread_arg args[4];
	for (int i = 0; i < 4; i++) {
		args[i] = (thread_arg){ks, 0};
		assert_int_equal(pthread_create(&th[i], NULL, i == 0 ? writer : signer, &args[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(args[i].failures, 0);
	}
	assert_int_equal(list_count(ks), 1);
	ccsp_vsm_keystore_free(ks);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        T(test_open_empty_and_arguments),
	        T(test_generate_each_kind_and_list),
	        T(test_sign_and_decrypt),
	        T(test_kek_wrap_unwrap),
	        T(test_password_rules),
	        T(test_delete),
	        T(test_sign_cached_context),
	        T(test_index_out_of_range),
	        T(test_occupied_slot),
	        T(test_import),
	        T(test_wipe_all),
	        T(test_write_failure_rolls_back),
	        T(test_concurrent_use),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GM/T 0088 platform public keys (src/chsm/chsm_pk.c, chsm_pk_file.c, src/common/b64.c), against
 * spec/gmt0088-api.md: the §3.12 fingerprint vectors; every 7.4.2 key form and the invalid ones; the 7.4.2
 * store rules (append, de-duplicate, at most 2, all or nothing, idempotent); persistence and refusal of
 * every kind of damaged store file. OpenSSL makes the keys and computes the expected fingerprints.
 */
#include "chsm_auth_fixture.h"

/* ---- Base64 / hex codec ---- */

static void test_b64_codec(void **state)
{
	(void)state;
	/* RFC 4648 clause 10 */
	static const char *const vec[][2] = {{"", ""},          {"f", "Zg=="},         {"fo", "Zm8="},
	                                     {"foo", "Zm9v"},   {"foob", "Zm9vYg=="},  {"fooba", "Zm9vYmE="},
	                                     {"foobar", "Zm9vYmFy"}};
	char enc[64];
	uint8_t dec[64];
	size_t n;
	for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
		assert_int_equal(ccsp_b64_encode((const uint8_t *)vec[i][0], strlen(vec[i][0]), enc), strlen(vec[i][1]));
		assert_string_equal(enc, vec[i][1]);
		assert_ok(ccsp_b64_decode(vec[i][1], strlen(vec[i][1]), dec, sizeof dec, &n));
		assert_int_equal(n, strlen(vec[i][0]));
		assert_memory_equal(dec, vec[i][0], n);
	}
	/* tolerated: missing padding, whitespace anywhere, the URL-safe alphabet */
	static const char *const ok[] = {"Zm9vYg", "Zm9vYmE", " Zm9v\r\nYg==\t", "Zm9vY g = =", "-_-_", "+/+/"};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		assert_ok(ccsp_b64_decode(ok[i], strlen(ok[i]), dec, sizeof dec, &n));
	assert_ok(ccsp_b64_decode("-_-_", 4, dec, sizeof dec, &n));
	assert_hex_equal("fbffbf", dec, n);
	/* refused */
	static const char *const bad[] = {"Zg=",  "Z",     "Zh==",     "Zm9=", "Zg==Zg==", "Zm9v=", "Zg===",
	                                  "====", "Zm9v!", "Zm9v\x01", "Z===", "Zm=9",     "=Zm9"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_ccsp(CCSP_ERR_DECODE, ccsp_b64_decode(bad[i], strlen(bad[i]), dec, sizeof dec, &n));
	assert_ccsp(CCSP_ERR_DECODE, ccsp_b64_decode("Zg\0=", 4, dec, sizeof dec, &n)); /* a NUL is not skipped */
	assert_ccsp(CCSP_ERR_BUFFER_TOO_SMALL, ccsp_b64_decode("Zm9vYmFy", 8, dec, 5, &n));
	assert_ccsp(CCSP_ERR_BUFFER_TOO_SMALL, ccsp_b64_decode("Zm9vYg==", 8, dec, 3, &n));
	assert_ok(ccsp_b64_decode("Zm9vYg==", 8, dec, 4, &n));
	/* random round trips against OpenSSL's encoder */
	test_rand_seed(1);
	for (int i = 0; i < 200; i++) {
		uint8_t in[48], out[48];
		char mine[80];
		size_t len = test_rand_below(sizeof in + 1);
		test_rand(in, len);
		char *theirs = b64(in, len);
		ccsp_b64_encode(in, len, mine);
		assert_string_equal(mine, theirs);
		assert_ok(ccsp_b64_decode(theirs, strlen(theirs), out, sizeof out, &n));
		assert_int_equal(n, len);
		assert_memory_equal(out, in, len);
		free(theirs);
	}
	/* hex */
	assert_ok(ccsp_hex_decode("00aBcD", 6, dec, 3));
	assert_hex_equal("00abcd", dec, 3);
	assert_ccsp(CCSP_ERR_DECODE, ccsp_hex_decode("abc", 3, dec, 3));
	assert_ccsp(CCSP_ERR_DECODE, ccsp_hex_decode("0g", 2, dec, 3));
	assert_ccsp(CCSP_ERR_DECODE, ccsp_hex_decode("00112233", 8, dec, 3));
}

/* ---- §3.12 vectors and key forms ---- */

static void test_spec_vectors(void **state)
{
	(void)state;
	ccsp_chsm_pk_store *s = mem_store();
	assert_ok(add1(s, CCSP_CHSM_PK_SM2, SPEC_XY));
	const ccsp_chsm_pk *k = ccsp_chsm_pk_store_get(s, 0);
	assert_non_null(k);
	assert_string_equal(ccsp_chsm_pk_fingerprint(k), SPEC_FP);
	assert_string_equal(ccsp_chsm_pk_hash_name(k), "sm3");
	assert_int_equal(ccsp_chsm_pk_get_alg(k), CCSP_CHSM_PK_SM2);
	/* the canonical SPKI is the spec's */
	size_t len;
	const uint8_t *spki = ccsp_chsm_pk_spki(k, &len);
	char *txt = b64(spki, len);
	assert_string_equal(txt, SPEC_SPKI);
	free(txt);
	/* §3.5 Lookup: every listed CHSM-AuthPK form designates the key */
	const char *forms[] = {SPEC_FP, SPEC_FP_04XY, SPEC_FP_SPKI, SPEC_SPKI, SPEC_XY};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
		assert_ptr_equal(find(s, forms[i]), k);
	char with04[140];
	snprintf(with04, sizeof with04, "04%s", SPEC_XY);
	assert_ptr_equal(find(s, with04), k);
	char *text_fp = digest_b64("SM3", SPEC_XY, strlen(SPEC_XY)); /* hash of the text configCHSMPk received */
	assert_ptr_equal(find(s, text_fp), k);
	free(text_fp);
	assert_ptr_equal(find(s, "  PZK+1taF84v/XM0FIRnh7MBxwvPZFSRcjZxaLLExqJ0  "), k); /* OWS, no padding */
	assert_null(find(s, "PZK+1taF84v/XM0FIRnh7MBxwvPZFSRcjZxaLLExqJ1="));       /* last bits not zero */
	assert_null(find(s, "QZK+1taF84v/XM0FIRnh7MBxwvPZFSRcjZxaLLExqJ0="));
	/* the same key given as its SPKI gives the same fingerprint */
	ccsp_chsm_pk_store *s2 = mem_store();
	assert_ok(add1(s2, CCSP_CHSM_PK_SM2, SPEC_SPKI));
	assert_string_equal(ccsp_chsm_pk_fingerprint(ccsp_chsm_pk_store_get(s2, 0)), SPEC_FP);
	ccsp_chsm_pk_store_free(s2);
	ccsp_chsm_pk_store_free(s);
}

/* Every 7.4.2 SM2 form of one key gives one key (de-duplicated) with the fingerprint OpenSSL computes. */
static void test_sm2_key_forms(void **state)
{
	(void)state;
	uint8_t pub[65], der[2048], alt[96];
	char hex128[130], hex130[132], upper[132];
	sm2_point(sm2_a, pub);
	size_t derlen = spki_der(sm2_a, der);
	snprintf(hex128, sizeof hex128, "%s", bin2hex(pub + 1, 64));
	snprintf(hex130, sizeof hex130, "%s", bin2hex(pub, 65));
	for (size_t i = 0; i < sizeof upper && hex130[i]; i++)
		upper[i] = (char)(hex130[i] >= 'a' && hex130[i] <= 'f' ? hex130[i] - 32 : hex130[i]);
	upper[130] = '\0';
	/* the GM/T 0015-2023 SPKI: algorithm 1.2.156.10197.1.301 itself, no parameters */
	static const uint8_t alg_sm2[] = {0x30, 0x50, 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x81, 0x1c,
	                                  0xcf, 0x55, 0x01, 0x82, 0x2d, 0x03, 0x42, 0x00};
	memcpy(alt, alg_sm2, sizeof alg_sm2);
	memcpy(alt + sizeof alg_sm2, pub, 65);
	char *texts[] = {hex128, hex130, upper, b64(pub + 1, 64), b64(pub, 65), b64(der, derlen), pem_of(sm2_a),
	                 b64(alt, sizeof alg_sm2 + 65), NULL};
	char padded[300];
	snprintf(padded, sizeof padded, " \n\t%s\r\n ", texts[5]);
	texts[8] = padded;
	char *fp = digest_b64("SM3", pub + 1, 64);
	ccsp_chsm_pk_store *s = mem_store();
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		size_t added = 99;
		const char *t = texts[i];
		assert_ok(add_n(s, &t, 1, &added, NULL));
		assert_int_equal(added, i == 0 ? 1 : 0);
		assert_int_equal(ccsp_chsm_pk_store_count(s), 1);
		assert_string_equal(ccsp_chsm_pk_fingerprint(ccsp_chsm_pk_store_get(s, 0)), fp);
		ccsp_chsm_pk_store *one = mem_store();
		assert_ok(add1(one, CCSP_CHSM_PK_SM2, t));
		assert_string_equal(ccsp_chsm_pk_fingerprint(ccsp_chsm_pk_store_get(one, 0)), fp);
		/* every form except PEM also works as CHSM-AuthPK */
		if (i != 6)
			assert_ptr_equal(find(one, t), ccsp_chsm_pk_store_get(one, 0));
		else
			assert_null(find(one, t));
		ccsp_chsm_pk_store_free(one);
	}
	ccsp_chsm_pk_store_free(s);
	for (size_t i = 3; i < 8; i++)
		free(texts[i]);
	free(fp);
}

static void test_rsa_key_forms(void **state)
{
	(void)state;
	uint8_t der[2048];
	size_t derlen = spki_der(rsa_b, der);
	char *spki = b64(der, derlen), *pem = pem_of(rsa_b);
	char *fp = digest_b64("SHA256", der, derlen);
	ccsp_chsm_pk_store *s = mem_store();
	assert_ok(add1(s, CCSP_CHSM_PK_RSA, spki));
	assert_ok(add1(s, CCSP_CHSM_PK_ANY, pem)); /* the same key */
	assert_int_equal(ccsp_chsm_pk_store_count(s), 1);
	const ccsp_chsm_pk *k = ccsp_chsm_pk_store_get(s, 0);
	assert_string_equal(ccsp_chsm_pk_fingerprint(k), fp);
	assert_string_equal(ccsp_chsm_pk_hash_name(k), "sha256");
	assert_int_equal(ccsp_chsm_pk_get_alg(k), CCSP_CHSM_PK_RSA);
	assert_string_equal(ccsp_chsm_pk_alg_name(ccsp_chsm_pk_get_alg(k)), "rsa");
	size_t len;
	const uint8_t *canon = ccsp_chsm_pk_spki(k, &len);
	assert_int_equal(len, derlen);
	assert_memory_equal(canon, der, len);
	/* lookup: fingerprint, SHA-256 of the Base64 SPKI text (= of the text given), the key itself */
	char *text_fp = digest_b64("SHA256", spki, strlen(spki));
	assert_ptr_equal(find(s, fp), k);
	assert_ptr_equal(find(s, text_fp), k);
	assert_ptr_equal(find(s, spki), k);
	free(text_fp);
	ccsp_chsm_pk_store_free(s);
	/* PEM given first: its own text hash is a fingerprint too */
	s = mem_store();
	assert_ok(add1(s, CCSP_CHSM_PK_RSA, pem));
	text_fp = digest_b64("SHA256", pem, strlen(pem));
	assert_ptr_equal(find(s, text_fp), ccsp_chsm_pk_store_get(s, 0));
	free(text_fp);
	ccsp_chsm_pk_store_free(s);
	free(spki);
	free(pem);
	free(fp);
}

static void expect_bad_key(ccsp_err want, ccsp_chsm_pk_alg alg, const char *text)
{
	ccsp_chsm_pk_store *s = mem_store();
	size_t len = strlen(text), bad = 99, added = 99;
	ccsp_err got = ccsp_chsm_pk_store_add(s, alg, &text, &len, 1, &added, &bad);
	if (got != want)
		fail_msg("key text %.60s...: got %s, expected %s", text, ccsp_err_name(got), ccsp_err_name(want));
	assert_int_equal(bad, 0);
	assert_int_equal(added, 0);
	assert_int_equal(ccsp_chsm_pk_store_count(s), 0);
	ccsp_chsm_pk_store_free(s);
}

static void test_invalid_keys(void **state)
{
	(void)state;
	uint8_t pub[65], der[2048];
	char text[400];
	sm2_point(sm2_a, pub);
	/* not on the curve */
	pub[64] ^= 1;
	expect_bad_key(CCSP_ERR_POINT, CCSP_CHSM_PK_SM2, bin2hex(pub + 1, 64));
	pub[64] ^= 1;
	/* 130 hex must start with 04 */
	snprintf(text, sizeof text, "05%s", bin2hex(pub + 1, 64));
	expect_bad_key(CCSP_ERR_DECODE, CCSP_CHSM_PK_SM2, text);
	/* lengths that are no key form */
	expect_bad_key(CCSP_ERR_DECODE, CCSP_CHSM_PK_ANY, "");
	expect_bad_key(CCSP_ERR_DECODE, CCSP_CHSM_PK_ANY, "   ");
	expect_bad_key(CCSP_ERR_DECODE, CCSP_CHSM_PK_ANY, bin2hex(pub + 1, 63));
	expect_bad_key(CCSP_ERR_DECODE, CCSP_CHSM_PK_ANY, "not base64 at all!");
	char *p = b64(pub, 33);
	expect_bad_key(CCSP_ERR_DECODE, CCSP_CHSM_PK_ANY, p); /* compressed: not a listed form */
	free(p);
	/* SPKI with trailing bytes */
	size_t n = spki_der(sm2_a, der);
	der[n] = 0;
	p = b64(der, n + 1);
	expect_bad_key(CCSP_ERR_DECODE, CCSP_CHSM_PK_ANY, p);
	free(p);
	/* another curve, a private key (never decrypted or stored), a PEM label other than PUBLIC KEY */
	p = spki_b64(p256);
	expect_bad_key(CCSP_ERR_UNSUPPORTED, CCSP_CHSM_PK_ANY, p);
	free(p);
	BIO *bio = BIO_new(BIO_s_mem());
	char *pp;
	assert_int_equal(PEM_write_bio_PrivateKey(bio, sm2_a, NULL, NULL, 0, NULL, NULL), 1);
	long pl = BIO_get_mem_data(bio, &pp);
	p = strndup(pp, (size_t)pl);
	expect_bad_key(CCSP_ERR_UNSUPPORTED, CCSP_CHSM_PK_ANY, p);
	free(p);
	BIO_free(bio);
	unsigned char *w = der;
	n = (size_t)i2d_PrivateKey(sm2_a, &w);
	p = b64(der, n);
	expect_bad_key(CCSP_ERR_UNSUPPORTED, CCSP_CHSM_PK_ANY, p);
	free(p);
	/* the kind must match "algorithm" */
	p = spki_b64(rsa_b);
	expect_bad_key(CCSP_ERR_KEY_TYPE, CCSP_CHSM_PK_SM2, p);
	free(p);
	p = spki_b64(sm2_a);
	expect_bad_key(CCSP_ERR_KEY_TYPE, CCSP_CHSM_PK_RSA, p);
	free(p);
	expect_bad_key(CCSP_ERR_KEY_TYPE, CCSP_CHSM_PK_RSA, bin2hex(pub + 1, 64));
	/* RSA: at least 2048 bits; rsaEncryption only */
	p = spki_b64(rsa_small);
	expect_bad_key(CCSP_ERR_KEY, CCSP_CHSM_PK_RSA, p);
	free(p);
	p = spki_b64(rsa_pss);
	expect_bad_key(CCSP_ERR_UNSUPPORTED, CCSP_CHSM_PK_ANY, p);
	free(p);
	/* too long */
	char *big = malloc(CCSP_CHSM_PK_TEXT_MAX + 2);
	assert_non_null(big);
	memset(big, 'A', CCSP_CHSM_PK_TEXT_MAX + 1);
	big[CCSP_CHSM_PK_TEXT_MAX + 1] = '\0';
	expect_bad_key(CCSP_ERR_DECODE, CCSP_CHSM_PK_ANY, big);
	free(big);
	/* bad arguments */
	ccsp_chsm_pk_store *s = mem_store();
	const char *t = "x";
	size_t one = 1;
	assert_ccsp(CCSP_ERR_ARG, ccsp_chsm_pk_store_add(s, CCSP_CHSM_PK_ANY, &t, &one, 0, NULL, NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_chsm_pk_store_add(s, (ccsp_chsm_pk_alg)7, &t, &one, 1, NULL, NULL));
	ccsp_chsm_pk_store_free(s);
}

/* An RSA public key (SPKI Base64) with rsa_b's modulus + add_n and public exponent e (hex). */
static char *rsa_with(long add_n, const char *e_hex)
{
	BIGNUM *n = NULL, *e = NULL;
	EVP_PKEY *pk = NULL;
	assert_true(EVP_PKEY_get_bn_param(rsa_b, OSSL_PKEY_PARAM_RSA_N, &n));
	assert_true(BN_add_word(n, (BN_ULONG)add_n));
	assert_true(BN_hex2bn(&e, e_hex) > 0);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	assert_true(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n));
	assert_true(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e));
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params), 1);
	char *txt = spki_b64(pk);
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return txt;
}

/* n odd; e odd, 3 <= e < 2^64 (deterministic: not OpenSSL's randomised public check) */
static void test_rsa_key_checks(void **state)
{
	(void)state;
	static const struct {
		long add_n;
		const char *e;
		ccsp_err want;
	} cases[] = {
		{0, "10001", CCSP_OK},
		{0, "3", CCSP_OK},
		{0, "FFFFFFFFFFFFFFFF", CCSP_OK},
		{0, "1", CCSP_ERR_KEY},
		{0, "10000", CCSP_ERR_KEY},            /* even */
		{0, "10000000000000001", CCSP_ERR_KEY}, /* 65 bits */
		{1, "10001", CCSP_ERR_KEY},            /* even modulus */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *t = rsa_with(cases[i].add_n, cases[i].e);
		ccsp_chsm_pk_store *s = mem_store();
		assert_ccsp(cases[i].want, add1(s, CCSP_CHSM_PK_RSA, t));
		ccsp_chsm_pk_store_free(s);
		free(t);
	}
	/* the answer does not vary: a well-formed key with a wrong modulus (n + 2, odd, not p*q) is taken every
	 * time (EVP_PKEY_public_check's random Miller-Rabin bases refused such keys now and then) */
	char *t = rsa_with(2, "10001");
	for (int i = 0; i < 200; i++) {
		ccsp_chsm_pk_store *s = mem_store();
		assert_ok(add1(s, CCSP_CHSM_PK_RSA, t));
		ccsp_chsm_pk_store_free(s);
	}
	free(t);
}

static void test_alg_names(void **state)
{
	(void)state;
	ccsp_chsm_pk_alg a;
	static const char *const sm2[] = {"sm2", "SM2", "SM2WithSM3", "sm2withsm3", " sm2 "};
	static const char *const rsa[] = {"rsa", "RSA", "RSAWithSHA256", "SHA256withRSA", "sha256WITHrsa"};
	for (size_t i = 0; i < 5; i++) {
		assert_ok(ccsp_chsm_pk_alg_parse(sm2[i], strlen(sm2[i]), &a));
		assert_int_equal(a, CCSP_CHSM_PK_SM2);
		assert_ok(ccsp_chsm_pk_alg_parse(rsa[i], strlen(rsa[i]), &a));
		assert_int_equal(a, CCSP_CHSM_PK_RSA);
	}
	static const char *const bad[] = {"", "sm9", "ecdsa", "SM2WithSM", "rsa2048", "SM2WithSM3x"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_ccsp(CCSP_ERR_UNSUPPORTED, ccsp_chsm_pk_alg_parse(bad[i], strlen(bad[i]), &a));
	assert_string_equal(ccsp_chsm_pk_alg_name(CCSP_CHSM_PK_SM2), "sm2");
}

/* ---- 7.4.2 store rules ---- */

static void test_third_key(void **state)
{
	struct fixture *f = *state;
	uint8_t before[8192], after[8192];
	struct stat st1, st2;
	char *a = spki_b64(sm2_a), *b = spki_b64(rsa_b), *c = spki_b64(sm2_c);
	ccsp_chsm_pk_store *s;
	size_t added, bad;
	assert_ok(ccsp_chsm_pk_store_open(f->path, &s));
	assert_ok(add1(s, CCSP_CHSM_PK_SM2, a));
	assert_ok(add1(s, CCSP_CHSM_PK_RSA, b));
	assert_int_equal(ccsp_chsm_pk_store_count(s), 2);
	size_t n1 = read_file(f->path, before, sizeof before);
	assert_int_equal(stat(f->path, &st1), 0);
	/* a third key is refused as a whole; the oldest is not replaced */
	bad = 99;
	const char *third[] = {c};
	assert_ccsp(CCSP_ERR_LIMIT, add_n(s, third, 1, &added, &bad));
	assert_int_equal(added, 0);
	assert_int_equal(bad, 0);
	const char *mixed[] = {a, c, b};
	assert_ccsp(CCSP_ERR_LIMIT, add_n(s, mixed, 3, &added, &bad));
	assert_int_equal(bad, 1);
	assert_int_equal(ccsp_chsm_pk_store_count(s), 2);
	assert_non_null(find(s, a));
	assert_non_null(find(s, b));
	assert_null(find(s, c));
	/* re-sending stored keys is OK and changes nothing (the file is not even rewritten) */
	const char *again[] = {b, a, a};
	assert_ok(add_n(s, again, 3, &added, &bad));
	assert_int_equal(added, 0);
	assert_int_equal(stat(f->path, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	size_t n2 = read_file(f->path, after, sizeof after);
	assert_int_equal(n1, n2);
	assert_memory_equal(before, after, n1);
	/* rotation: remove the old key, then the new one fits */
	assert_ok(ccsp_chsm_pk_store_remove(s, a, strlen(a)));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_chsm_pk_store_remove(s, a, strlen(a)));
	assert_ok(add1(s, CCSP_CHSM_PK_SM2, c));
	assert_int_equal(ccsp_chsm_pk_store_count(s), 2);
	assert_ptr_equal(find(s, b), ccsp_chsm_pk_store_get(s, 0)); /* insertion order */
	assert_ptr_equal(find(s, c), ccsp_chsm_pk_store_get(s, 1));
	assert_null(ccsp_chsm_pk_store_get(s, 2));
	ccsp_chsm_pk_store_free(s);
	free(a);
	free(b);
	free(c);
}

static void test_dedup_and_atomic_add(void **state)
{
	(void)state;
	uint8_t pub[65];
	sm2_point(sm2_a, pub);
	char *a = spki_b64(sm2_a), *c = spki_b64(sm2_c), *b = spki_b64(rsa_b);
	ccsp_chsm_pk_store *s = mem_store();
	size_t added, bad;
	/* one key in three forms counts once */
	const char *same[] = {a, bin2hex(pub + 1, 64), a};
	assert_ok(add_n(s, same, 3, &added, &bad));
	assert_int_equal(added, 1);
	assert_int_equal(ccsp_chsm_pk_store_count(s), 1);
	ccsp_chsm_pk_store_free(s);
	/* two valid keys and an invalid one: nothing is stored; bad names the invalid one */
	s = mem_store();
	const char *with_bad[] = {a, c, "MFkwEwYHKoZIzj0CAQYIKoEcz1UBgi0DQgAE"};
	assert_ccsp(CCSP_ERR_DECODE, add_n(s, with_bad, 3, &added, &bad));
	assert_int_equal(bad, 2);
	assert_int_equal(ccsp_chsm_pk_store_count(s), 0);
	/* three distinct keys at once: over the limit */
	const char *three[] = {a, a, b, c};
	assert_ccsp(CCSP_ERR_LIMIT, add_n(s, three, 4, &added, &bad));
	assert_int_equal(bad, 3);
	assert_int_equal(ccsp_chsm_pk_store_count(s), 0);
	/* too many texts, even all the same */
	const char *many[CCSP_CHSM_PK_ADD_MAX + 1];
	for (size_t i = 0; i < CCSP_CHSM_PK_ADD_MAX + 1; i++)
		many[i] = a;
	assert_ok(add_n(s, many, CCSP_CHSM_PK_ADD_MAX, &added, &bad));
	assert_int_equal(added, 1);
	assert_ccsp(CCSP_ERR_LIMIT, add_n(s, many, CCSP_CHSM_PK_ADD_MAX + 1, &added, &bad));
	/* a save failure changes nothing in memory */
	ccsp_chsm_pk_store_free(s);
	char dir[] = "/tmp/ccsp-chsm-gone-XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/authpk", dir);
	assert_ok(ccsp_chsm_pk_store_open(path, &s));
	assert_int_equal(rmdir(dir), 0);
	assert_ccsp(CCSP_ERR_IO, add1(s, CCSP_CHSM_PK_ANY, a));
	assert_int_equal(ccsp_chsm_pk_store_count(s), 0);
	ccsp_chsm_pk_store_free(s);
	free(a);
	free(b);
	free(c);
}

/* ---- persistence ---- */

static void test_persistence(void **state)
{
	struct fixture *f = *state;
	char *a = spki_b64(sm2_a), *b = pem_of(rsa_b);
	char fa[64], fb[64];
	struct stat st;
	ccsp_chsm_pk_store *s;
	/* absent file: empty, and nothing is created until a change */
	assert_ok(ccsp_chsm_pk_store_open(f->path, &s));
	assert_int_equal(ccsp_chsm_pk_store_count(s), 0);
	assert_int_equal(stat(f->path, &st), -1);
	assert_ok(add1(s, CCSP_CHSM_PK_SM2, a));
	assert_ok(add1(s, CCSP_CHSM_PK_RSA, b));
	snprintf(fa, sizeof fa, "%s", ccsp_chsm_pk_fingerprint(ccsp_chsm_pk_store_get(s, 0)));
	snprintf(fb, sizeof fb, "%s", ccsp_chsm_pk_fingerprint(ccsp_chsm_pk_store_get(s, 1)));
	ccsp_chsm_pk_store_free(s);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* reload: same keys, same order, and the text hashes survive */
	assert_ok(ccsp_chsm_pk_store_open(f->path, &s));
	assert_int_equal(ccsp_chsm_pk_store_count(s), 2);
	assert_string_equal(ccsp_chsm_pk_fingerprint(ccsp_chsm_pk_store_get(s, 0)), fa);
	assert_string_equal(ccsp_chsm_pk_fingerprint(ccsp_chsm_pk_store_get(s, 1)), fb);
	char *pem_fp = digest_b64("SHA256", b, strlen(b));
	assert_ptr_equal(find(s, pem_fp), ccsp_chsm_pk_store_get(s, 1));
	free(pem_fp);
	/* remove and clear are persisted too */
	assert_ok(ccsp_chsm_pk_store_remove(s, fa, strlen(fa)));
	ccsp_chsm_pk_store_free(s);
	assert_ok(ccsp_chsm_pk_store_open(f->path, &s));
	assert_int_equal(ccsp_chsm_pk_store_count(s), 1);
	assert_string_equal(ccsp_chsm_pk_fingerprint(ccsp_chsm_pk_store_get(s, 0)), fb);
	assert_ok(ccsp_chsm_pk_store_clear(s));
	assert_int_equal(ccsp_chsm_pk_store_count(s), 0);
	ccsp_chsm_pk_store_free(s);
	assert_ok(ccsp_chsm_pk_store_open(f->path, &s));
	assert_int_equal(ccsp_chsm_pk_store_count(s), 0);
	ccsp_chsm_pk_store_free(s);
	/* the documented format, exactly */
	uint8_t buf[256];
	size_t n = read_file(f->path, buf, sizeof buf);
	assert_int_equal(n, 19 + 69);
	assert_memory_equal(buf, "CCSP-CHSM-AUTHPK 1\nSM3 ", 23);
	free(a);
	free(b);
}

static void test_corrupt_store(void **state)
{
	struct fixture *f = *state;
	uint8_t good[4096], *bad = malloc(sizeof good);
	char body[4096];
	ccsp_chsm_pk_store *s;
	char *a = spki_b64(sm2_a), *b = spki_b64(rsa_b), *c = spki_b64(sm2_c);
	assert_non_null(bad);
	assert_ok(ccsp_chsm_pk_store_open(f->path, &s));
	assert_ok(add1(s, CCSP_CHSM_PK_SM2, a));
	assert_ok(add1(s, CCSP_CHSM_PK_RSA, b));
	ccsp_chsm_pk_store_free(s);
	size_t n = read_file(f->path, good, sizeof good);
	/* every single-bit flip, every truncation, extra bytes */
	for (size_t i = 0; i < n; i++) {
		memcpy(bad, good, n);
		bad[i] ^= (uint8_t)(1u << (i % 8));
		write_file(f->path, bad, n);
		assert_open_refused(f->path);
	}
	for (size_t len = 0; len < n; len += (len < 64 || n - len < 80) ? 1 : 37) {
		write_file(f->path, good, len);
		assert_open_refused(f->path);
	}
	memcpy(bad, good, n);
	bad[n] = '\n';
	write_file(f->path, bad, n + 1);
	assert_open_refused(f->path);
	/* content errors behind a correct checksum */
	uint8_t th[32];
	digest("SM3", "x", 1, th);
	char *h = b64(th, 32);
	const char *fmt_ok = "CCSP-CHSM-AUTHPK 1\nsm2 %s %s\n";
	snprintf(body, sizeof body, fmt_ok, a, h);
	write_forged(f->path, body);
	assert_ok(ccsp_chsm_pk_store_open(f->path, &s)); /* the forger's baseline is accepted */
	assert_int_equal(ccsp_chsm_pk_store_count(s), 1);
	ccsp_chsm_pk_store_free(s);
	/* non-canonical Base64 (which the decoder tolerates elsewhere): no padding; the URL-safe alphabet */
	char unpadded[300], url[300], hurl[64];
	snprintf(unpadded, sizeof unpadded, "%s", a);
	assert_int_equal(unpadded[strlen(unpadded) - 1], '='); /* 91 bytes: "==" */
	unpadded[strlen(unpadded) - 2] = '\0';
	snprintf(url, sizeof url, "%s", a);
	int swapped = 0;
	for (char *p = url; *p; p++) {
		swapped |= *p == '+' || *p == '/';
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	}
	memset(th, 0xfb, sizeof th); /* Base64 "+/u+..." */
	char *hplus = b64(th, 32);
	snprintf(hurl, sizeof hurl, "%s", hplus);
	for (char *p = hurl; *p; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	uint8_t pub[65];
	sm2_point(sm2_a, pub);
	pub[64] ^= 1;
	uint8_t spki_bad[200];
	size_t sl = spki_der(sm2_a, spki_bad);
	spki_bad[sl - 1] ^= 1; /* point off the curve */
	char *off = b64(spki_bad, sl);
	const char *const bodies[][3] = {
		{"CCSP-CHSM-AUTHPK 2\nsm2 %s %s\n", a, h},         /* version */
		{"CCSP-CHSM-AUTHPK 1\nSM2 %s %s\n", a, h},         /* alg case */
		{"CCSP-CHSM-AUTHPK 1\nrsa %s %s\n", a, h},         /* alg does not match the key */
		{"CCSP-CHSM-AUTHPK 1\nsm2 %s  %s\n", a, h},        /* two spaces */
		{"CCSP-CHSM-AUTHPK 1\nsm2 %s %s \n", a, h},        /* trailing space */
		{"CCSP-CHSM-AUTHPK 1\r\nsm2 %s %s\n", a, h},       /* CRLF */
		{"CCSP-CHSM-AUTHPK 1\nsm2 %s %s\n", unpadded, h},  /* non-canonical Base64 */
		{"CCSP-CHSM-AUTHPK 1\nsm2 %s %s\n", a, hurl},      /* non-canonical Base64 */
		{"CCSP-CHSM-AUTHPK 1\nsm2 %s %s\n", swapped ? url : unpadded, h},
		{"CCSP-CHSM-AUTHPK 1\nsm2 %s %s\n", off, h},       /* invalid point */
		{"CCSP-CHSM-AUTHPK 1\nsm2 %s %s\n", a, "AAAA"},    /* short hash */
		{"CCSP-CHSM-AUTHPK 1\nsm2 %s %s\nsm2 %s x\n", a, h}, /* junk line */
		{"CCSP-CHSM-AUTHPK 1\nsm2 %s\n", a, ""},           /* missing field */
		{"\nCCSP-CHSM-AUTHPK 1\nsm2 %s %s\n", a, h},       /* leading blank line */
	};
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		snprintf(body, sizeof body, bodies[i][0], bodies[i][1], bodies[i][2], bodies[i][1]);
		write_forged(f->path, body);
		assert_open_refused(f->path);
	}
	/* duplicates, three keys, a hex SPKI where Base64 belongs */
	snprintf(body, sizeof body, "CCSP-CHSM-AUTHPK 1\nsm2 %s %s\nsm2 %s %s\n", a, h, a, h);
	write_forged(f->path, body);
	assert_open_refused(f->path);
	snprintf(body, sizeof body, "CCSP-CHSM-AUTHPK 1\nsm2 %s %s\nsm2 %s %s\nrsa %s %s\n", a, h, c, h, b, h);
	write_forged(f->path, body);
	assert_open_refused(f->path);
	snprintf(body, sizeof body, "CCSP-CHSM-AUTHPK 1\nsm2 %s %s\n", bin2hex(pub + 1, 64), h);
	write_forged(f->path, body);
	assert_open_refused(f->path);
	/* empty file, oversized file, a directory */
	write_file(f->path, "", 0);
	assert_open_refused(f->path);
	char *huge = calloc(1, 20000);
	assert_non_null(huge);
	write_file(f->path, huge, 20000);
	assert_open_refused(f->path);
	free(huge);
	unlink(f->path);
	assert_int_equal(mkdir(f->path, 0700), 0);
	assert_ccsp(CCSP_ERR_IO, ccsp_chsm_pk_store_open(f->path, &s));
	rmdir(f->path);
	free(off);
	free(hplus);
	free(h);
	free(a);
	free(b);
	free(c);
	free(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64_codec),
		cmocka_unit_test(test_spec_vectors),
		cmocka_unit_test(test_sm2_key_forms),
		cmocka_unit_test(test_rsa_key_forms),
		cmocka_unit_test(test_invalid_keys),
		cmocka_unit_test(test_rsa_key_checks),
		cmocka_unit_test(test_alg_names),
		cmocka_unit_test_setup_teardown(test_third_key, setup, teardown),
		cmocka_unit_test(test_dedup_and_atomic_add),
		cmocka_unit_test_setup_teardown(test_persistence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_store, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

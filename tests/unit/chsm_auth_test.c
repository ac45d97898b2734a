/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GM/T 0088 authorization (src/chsm/chsm_auth.c, chsm_pk.c, chsm_pk_file.c, chsm_b64.c), against
 * spec/gmt0088-api.md: the §3.12 fingerprint vectors; every 7.4.2 key form; the 7.4.2 store
 * rules (append, de-duplicate, at most 2, all or nothing, idempotent); persistence and refusal of every kind
 * of damaged store file; §3.5 string to sign and verification with signatures made by OpenSSL (SM2 with
 * the default ID, DER and raw r||s; RSA-2048 PKCS#1 v1.5 SHA-256); every header failure and its status.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "chsm/chsm_auth.h"
#include "chsm/chsm_b64.h"
#include "chsm/chsm_pk.h"
#include "test_util.h"

/* §3.12: the GM/T 0003 example public key and its fingerprints. */
static const char SPEC_XY[] = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
                              "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";
static const char SPEC_FP[] = "PZK+1taF84v/XM0FIRnh7MBxwvPZFSRcjZxaLLExqJ0=";
static const char SPEC_FP_04XY[] = "5qT5dl/Kiei31kAZuQDVfNhrRnf6XccChMkN4F+nf5w=";
static const char SPEC_FP_SPKI[] = "2Uovy4imPoJMMhIPCfhDd4tqKUNKN/nYPiB+XaiAYHU=";
static const char SPEC_SPKI[] = "MFkwEwYHKoZIzj0CAQYIKoEcz1UBgi0DQgAECfnfMR5UIaFQ3X0WHkvFxnIXn60YM/wHa7CP81bzUCDM6kkM4md1"
                                "pS3G6nGMwapgCu0F+/NeCEpmMvYHLamtEw==";

/* OpenSSL keys shared by the tests (made once: RSA generation is slow). */
static EVP_PKEY *sm2_a, *sm2_c, *rsa_b, *rsa_small, *rsa_pss, *p256;

struct fixture {
	char dir[64];
	char path[96];
};

/* ---- helpers (OpenSSL is the independent side) ---- */

static char *b64(const uint8_t *p, size_t n)
{
	char *s = malloc(4 * ((n + 2) / 3) + 1);
	assert_non_null(s);
	EVP_EncodeBlock((unsigned char *)s, p, (int)n);
	return s;
}

static size_t spki_der(EVP_PKEY *pk, uint8_t *out)
{
	unsigned char *w = out;
	int n = i2d_PUBKEY(pk, &w);
	assert_true(n > 0 && n <= 2048);
	return (size_t)n;
}

static char *spki_b64(EVP_PKEY *pk)
{
	uint8_t der[2048];
	return b64(der, spki_der(pk, der));
}

static char *pem_of(EVP_PKEY *pk)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p, *s;
	assert_int_equal(PEM_write_bio_PUBKEY(bio, pk), 1);
	long n = BIO_get_mem_data(bio, &p);
	s = strndup(p, (size_t)n);
	BIO_free(bio);
	return s;
}

static void sm2_point(EVP_PKEY *pk, uint8_t pub[65])
{
	size_t n;
	assert_true(EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, pub, 65, &n));
	assert_int_equal(n, 65);
}

static void digest(const char *md, const void *p, size_t n, uint8_t out[32])
{
	unsigned int len;
	assert_int_equal(EVP_Digest(p, n, out, &len, EVP_get_digestbyname(md), NULL), 1);
	assert_int_equal(len, 32);
}

static char *digest_b64(const char *md, const void *p, size_t n)
{
	uint8_t h[32];
	digest(md, p, n, h);
	return b64(h, 32);
}

/* SM2 signature with the default ID (DER) or, raw = 1, r||s. */
static char *sign_sm2(EVP_PKEY *pk, const void *msg, size_t len, int raw)
{
	uint8_t der[80], rs[64];
	size_t derlen = sizeof der;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(pk, NULL);
	assert_int_equal(EVP_PKEY_CTX_set1_id(pctx, "1234567812345678", 16), 1);
	EVP_MD_CTX_set_pkey_ctx(md, pctx);
	assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sm3(), NULL, pk), 1);
	assert_int_equal(EVP_DigestSign(md, der, &derlen, msg, len), 1);
	EVP_MD_CTX_free(md);
	EVP_PKEY_CTX_free(pctx);
	if (!raw)
		return b64(der, derlen);
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
	assert_non_null(sig);
	assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs, 32), 32);
	assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs + 32, 32), 32);
	ECDSA_SIG_free(sig);
	return b64(rs, 64);
}

static size_t sign_rsa_bin(EVP_PKEY *pk, const void *msg, size_t len, uint8_t *sig)
{
	size_t n = 1024;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pk), 1);
	assert_int_equal(EVP_DigestSign(md, sig, &n, msg, len), 1);
	EVP_MD_CTX_free(md);
	return n;
}

static char *sign_rsa(EVP_PKEY *pk, const void *msg, size_t len)
{
	uint8_t sig[1024];
	return b64(sig, sign_rsa_bin(pk, msg, len, sig));
}

static ccsp_err add1(ccsp_chsm_pk_store *s, ccsp_chsm_pk_alg alg, const char *text)
{
	size_t len = strlen(text);
	return ccsp_chsm_pk_store_add(s, alg, &text, &len, 1, NULL, NULL);
}

static ccsp_err add_n(ccsp_chsm_pk_store *s, const char **texts, size_t n, size_t *added, size_t *bad)
{
	size_t lens[32];
	for (size_t i = 0; i < n; i++)
		lens[i] = strlen(texts[i]);
	return ccsp_chsm_pk_store_add(s, CCSP_CHSM_PK_ANY, texts, lens, n, added, bad);
}

static const ccsp_chsm_pk *find(const ccsp_chsm_pk_store *s, const char *authpk)
{
	return ccsp_chsm_pk_store_find(s, authpk, strlen(authpk));
}

static ccsp_chsm_pk_store *mem_store(void)
{
	ccsp_chsm_pk_store *s;
	assert_ok(ccsp_chsm_pk_store_open(NULL, &s));
	return s;
}

static ccsp_chsm_auth_verdict post(const ccsp_chsm_pk_store *s, const char *body, const char *pk, const char *alg,
                                   const char *sig)
{
	ccsp_chsm_auth_request r = {.method = "POST", .body = (const uint8_t *)body, .body_len = strlen(body),
	                            .authpk = pk, .sig_alg = alg, .signature = sig};
	return ccsp_chsm_auth_verify(s, &r, NULL);
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static size_t read_file(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* A store file with body and a correct SM3 line, as a forger who knows the format would write it. */
static void write_forged(const char *path, const char *body)
{
	uint8_t h[32];
	char line[80];
	size_t n = strlen(body);
	digest("SM3", body, n, h);
	snprintf(line, sizeof line, "SM3 %s\n", bin2hex(h, 32));
	char *all = malloc(n + strlen(line) + 1);
	assert_non_null(all);
	memcpy(all, body, n);
	memcpy(all + n, line, strlen(line) + 1);
	write_file(path, all, strlen(all));
	free(all);
}

static void assert_open_refused(const char *path)
{
	ccsp_chsm_pk_store *s = (ccsp_chsm_pk_store *)1;
	assert_ccsp(CCSP_ERR_TAMPERED, ccsp_chsm_pk_store_open(path, &s));
	assert_null(s);
}

/* ---- setup ---- */

/* EVP_PKEY_Q_keygen takes a size only for "RSA" */
static EVP_PKEY *keygen_rsa_pss(void)
{
	EVP_PKEY *pk = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048) != 1 ||
	    EVP_PKEY_generate(ctx, &pk) != 1)
		pk = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

static int group_setup(void **state)
{
	(void)state;
	sm2_a = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
	sm2_c = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
	rsa_b = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	rsa_small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	rsa_pss = keygen_rsa_pss();
	p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	return sm2_a && sm2_c && rsa_b && rsa_small && rsa_pss && p256 ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(sm2_a);
	EVP_PKEY_free(sm2_c);
	EVP_PKEY_free(rsa_b);
	EVP_PKEY_free(rsa_small);
	EVP_PKEY_free(rsa_pss);
	EVP_PKEY_free(p256);
	return 0;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	if (f == NULL)
		return -1;
	memcpy(f->dir, "/tmp/ccsp-chsm-auth-XXXXXX", sizeof "/tmp/ccsp-chsm-auth-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof f->path, "%s/authpk", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

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
		assert_int_equal(ccsp_chsm_b64_encode((const uint8_t *)vec[i][0], strlen(vec[i][0]), enc), strlen(vec[i][1]));
		assert_string_equal(enc, vec[i][1]);
		assert_ok(ccsp_chsm_b64_decode(vec[i][1], strlen(vec[i][1]), dec, sizeof dec, &n));
		assert_int_equal(n, strlen(vec[i][0]));
		assert_memory_equal(dec, vec[i][0], n);
	}
	/* tolerated: missing padding, whitespace anywhere, the URL-safe alphabet */
	static const char *const ok[] = {"Zm9vYg", "Zm9vYmE", " Zm9v\r\nYg==\t", "Zm9vY g = =", "-_-_", "+/+/"};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		assert_ok(ccsp_chsm_b64_decode(ok[i], strlen(ok[i]), dec, sizeof dec, &n));
	assert_ok(ccsp_chsm_b64_decode("-_-_", 4, dec, sizeof dec, &n));
	assert_hex_equal("fbffbf", dec, n);
	/* refused */
	static const char *const bad[] = {"Zg=",  "Z",     "Zh==",     "Zm9=", "Zg==Zg==", "Zm9v=", "Zg===",
	                                  "====", "Zm9v!", "Zm9v\x01", "Z===", "Zm=9",     "=Zm9"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_ccsp(CCSP_ERR_DECODE, ccsp_chsm_b64_decode(bad[i], strlen(bad[i]), dec, sizeof dec, &n));
	assert_ccsp(CCSP_ERR_DECODE, ccsp_chsm_b64_decode("Zg\0=", 4, dec, sizeof dec, &n)); /* a NUL is not skipped */
	assert_ccsp(CCSP_ERR_BUFFER_TOO_SMALL, ccsp_chsm_b64_decode("Zm9vYmFy", 8, dec, 5, &n));
	assert_ccsp(CCSP_ERR_BUFFER_TOO_SMALL, ccsp_chsm_b64_decode("Zm9vYg==", 8, dec, 3, &n));
	assert_ok(ccsp_chsm_b64_decode("Zm9vYg==", 8, dec, 4, &n));
	/* random round trips against OpenSSL's encoder */
	test_rand_seed(1);
	for (int i = 0; i < 200; i++) {
		uint8_t in[48], out[48];
		char mine[80];
		size_t len = test_rand_below(sizeof in + 1);
		test_rand(in, len);
		char *theirs = b64(in, len);
		ccsp_chsm_b64_encode(in, len, mine);
		assert_string_equal(mine, theirs);
		assert_ok(ccsp_chsm_b64_decode(theirs, strlen(theirs), out, sizeof out, &n));
		assert_int_equal(n, len);
		assert_memory_equal(out, in, len);
		free(theirs);
	}
	/* hex */
	assert_ok(ccsp_chsm_hex_decode("00aBcD", 6, dec, 3));
	assert_hex_equal("00abcd", dec, 3);
	assert_ccsp(CCSP_ERR_DECODE, ccsp_chsm_hex_decode("abc", 3, dec, 3));
	assert_ccsp(CCSP_ERR_DECODE, ccsp_chsm_hex_decode("0g", 2, dec, 3));
	assert_ccsp(CCSP_ERR_DECODE, ccsp_chsm_hex_decode("00112233", 8, dec, 3));
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
	/* CHSM-SignatureAlg */
	static const char *const sig_sm2[] = {"SM2WithSM3", "sm2withsm3", "SM3withSM2"};
	static const char *const sig_rsa[] = {"SHA256withRSA", "RSAWithSHA256", "sha256withrsa"};
	for (size_t i = 0; i < 3; i++) {
		assert_ok(ccsp_chsm_auth_alg_parse(sig_sm2[i], strlen(sig_sm2[i]), &a));
		assert_int_equal(a, CCSP_CHSM_PK_SM2);
		assert_ok(ccsp_chsm_auth_alg_parse(sig_rsa[i], strlen(sig_rsa[i]), &a));
		assert_int_equal(a, CCSP_CHSM_PK_RSA);
	}
	static const char *const sig_bad[] = {"sm2", "rsa", "SM2", "SHA1withRSA", "SM2WithSM3 x", ""};
	for (size_t i = 0; i < sizeof sig_bad / sizeof sig_bad[0]; i++)
		assert_ccsp(CCSP_ERR_UNSUPPORTED, ccsp_chsm_auth_alg_parse(sig_bad[i], strlen(sig_bad[i]), &a));
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
	char url[300];
	snprintf(url, sizeof url, "%s", a);
	for (char *p = url; *p; p++)
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
		{"CCSP-CHSM-AUTHPK 1\nsm2 %s %s\n", url, h},       /* non-canonical Base64 */
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
	free(h);
	free(a);
	free(b);
	free(c);
	free(bad);
}

/* ---- §3.5 string to sign ---- */

static void test_query_string(void **state)
{
	(void)state;
	ccsp_chsm_auth_param p[] = {
		{"vsmId", 5, "vsm-1", 5},     {"requestId", 9, "r 1&=", 5}, {"b", 1, "", 0},
		{"Z", 1, "upper", 5},         {"a", 1, "2", 1},             {"a", 1, "1", 1},
		{"ab", 2, "x\0y", 3},
	};
	const char want[] = "Z=upper&a=1&a=2&ab=x\0y&b=&requestId=r 1&=&vsmId=vsm-1";
	char *s;
	size_t n;
	test_rand_seed(7);
	for (int round = 0; round < 50; round++) {
		/* any order of the same parameters gives the same string */
		for (size_t i = 6; i > 0; i--) {
			size_t j = test_rand_below(i + 1);
			ccsp_chsm_auth_param t = p[i];
			p[i] = p[j];
			p[j] = t;
		}
		assert_ok(ccsp_chsm_auth_query_string(p, 7, &s, &n));
		assert_int_equal(n, sizeof want - 1);
		assert_memory_equal(s, want, n);
		assert_int_equal(s[n], '\0');
		free(s);
	}
	assert_ok(ccsp_chsm_auth_query_string(NULL, 0, &s, &n));
	assert_int_equal(n, 0);
	assert_string_equal(s, "");
	free(s);
	ccsp_chsm_auth_param many[CCSP_CHSM_AUTH_PARAMS_MAX + 1];
	for (size_t i = 0; i < CCSP_CHSM_AUTH_PARAMS_MAX + 1; i++)
		many[i] = (ccsp_chsm_auth_param){"k", 1, "v", 1};
	assert_ok(ccsp_chsm_auth_query_string(many, CCSP_CHSM_AUTH_PARAMS_MAX, &s, &n));
	free(s);
	assert_ccsp(CCSP_ERR_LIMIT, ccsp_chsm_auth_query_string(many, CCSP_CHSM_AUTH_PARAMS_MAX + 1, &s, &n));
	assert_null(s);
	static char longv[CCSP_CHSM_AUTH_QUERY_MAX];
	memset(longv, 'v', sizeof longv);
	ccsp_chsm_auth_param big = {"k", 1, longv, sizeof longv};
	assert_ccsp(CCSP_ERR_LIMIT, ccsp_chsm_auth_query_string(&big, 1, &s, &n));
	big.value_len = CCSP_CHSM_AUTH_QUERY_MAX - 2;
	assert_ok(ccsp_chsm_auth_query_string(&big, 1, &s, &n));
	free(s);
	ccsp_chsm_auth_param null_name = {NULL, 1, "v", 1};
	assert_ccsp(CCSP_ERR_ARG, ccsp_chsm_auth_query_string(&null_name, 1, &s, &n));
}

/* ---- verification ---- */

static void test_sm2_requests(void **state)
{
	(void)state;
	char *spki = spki_b64(sm2_a);
	ccsp_chsm_pk_store *s = mem_store();
	assert_ok(add1(s, CCSP_CHSM_PK_SM2, spki));
	const char *fp = ccsp_chsm_pk_fingerprint(ccsp_chsm_pk_store_get(s, 0));
	test_rand_seed(3);
	for (int i = 0; i < 40; i++) {
		char body[300];
		snprintf(body, sizeof body, "{\"requestId\":\"%d\",\"oprType\":\"getinfo\",\"pad\":\"%s\"}", i,
		         bin2hex((const uint8_t *)"0123456789abcdef", test_rand_below(17)));
		char *der = sign_sm2(sm2_a, body, strlen(body), 0), *raw = sign_sm2(sm2_a, body, strlen(body), 1);
		ccsp_chsm_auth_request r = {.method = "POST", .body = (const uint8_t *)body, .body_len = strlen(body),
		                            .authpk = fp, .sig_alg = "SM2WithSM3", .signature = der};
		const ccsp_chsm_pk *who = NULL;
		assert_int_equal(ccsp_chsm_auth_verify(s, &r, &who), CCSP_CHSM_AUTH_OK);
		assert_ptr_equal(who, ccsp_chsm_pk_store_get(s, 0));
		r.signature = raw;
		assert_int_equal(ccsp_chsm_auth_verify(s, &r, &who), CCSP_CHSM_AUTH_OK);
		/* AuthPK as the Base64 SPKI itself [A] */
		r.authpk = spki;
		assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_OK);
		/* one byte of the body changed */
		size_t at = test_rand_below(strlen(body));
		body[at] ^= (char)(1 + test_rand_below(127));
		assert_int_equal(ccsp_chsm_auth_verify(s, &r, &who), CCSP_CHSM_AUTH_BAD_SIGNATURE);
		assert_null(who);
		r.signature = der;
		assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_BAD_SIGNATURE);
		free(der);
		free(raw);
	}
	/* another key's signature; a GET signed over the body string is not the query string */
	const char *body = "{\"requestId\":\"1\"}";
	char *other = sign_sm2(sm2_c, body, strlen(body), 0);
	assert_int_equal(post(s, body, fp, "SM2WithSM3", other), CCSP_CHSM_AUTH_BAD_SIGNATURE);
	free(other);
	/* a signature with a different ID (e = SM3(Z||M) with the default ID only) */
	uint8_t der[80];
	size_t derlen = sizeof der;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(sm2_a, NULL);
	assert_int_equal(EVP_PKEY_CTX_set1_id(pctx, "1234567812345679", 16), 1);
	EVP_MD_CTX_set_pkey_ctx(md, pctx);
	assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sm3(), NULL, sm2_a), 1);
	assert_int_equal(EVP_DigestSign(md, der, &derlen, (const uint8_t *)body, strlen(body)), 1);
	EVP_MD_CTX_free(md);
	EVP_PKEY_CTX_free(pctx);
	char *wrong_id = b64(der, derlen);
	assert_int_equal(post(s, body, fp, "SM2WithSM3", wrong_id), CCSP_CHSM_AUTH_BAD_SIGNATURE);
	free(wrong_id);
	/* malformed signatures: 400 */
	uint8_t zeros[64] = {0};
	char *z = b64(zeros, 64), *z63 = b64(zeros, 63), *z73 = b64(zeros, 73);
	assert_int_equal(post(s, body, fp, "SM2WithSM3", z), CCSP_CHSM_AUTH_BAD_SIGNATURE); /* r = 0: invalid, not malformed */
	assert_int_equal(post(s, body, fp, "SM2WithSM3", z63), CCSP_CHSM_AUTH_BAD_SIGNATURE_FORMAT);
	assert_int_equal(post(s, body, fp, "SM2WithSM3", z73), CCSP_CHSM_AUTH_BAD_SIGNATURE_FORMAT);
	char *good = sign_sm2(sm2_a, body, strlen(body), 0);
	uint8_t dec[80];
	size_t dn;
	assert_ok(ccsp_chsm_b64_decode(good, strlen(good), dec, sizeof dec, &dn));
	char *trunc = b64(dec, dn - 1);
	assert_int_equal(post(s, body, fp, "SM2WithSM3", trunc), CCSP_CHSM_AUTH_BAD_SIGNATURE_FORMAT);
	assert_int_equal(post(s, body, fp, "SM2WithSM3", "MEUCIQ!!"), CCSP_CHSM_AUTH_BAD_SIGNATURE_FORMAT);
	assert_int_equal(post(s, body, fp, "SM2WithSM3", "QUJD="), CCSP_CHSM_AUTH_BAD_SIGNATURE_FORMAT);
	/* whitespace and OWS are tolerated */
	char spaced[200];
	snprintf(spaced, sizeof spaced, " \t%.20s\r\n%s\t ", good, good + 20);
	assert_int_equal(post(s, body, fp, "  sm2withsm3 ", spaced), CCSP_CHSM_AUTH_OK);
	free(trunc);
	free(good);
	free(z);
	free(z63);
	free(z73);
	ccsp_chsm_pk_store_free(s);
	free(spki);
}

static void test_rsa_requests(void **state)
{
	(void)state;
	char *rsa = spki_b64(rsa_b), *sm2 = spki_b64(sm2_a);
	ccsp_chsm_pk_store *s = mem_store();
	assert_ok(add1(s, CCSP_CHSM_PK_SM2, sm2));
	assert_ok(add1(s, CCSP_CHSM_PK_RSA, rsa));
	const char *fp_rsa = ccsp_chsm_pk_fingerprint(ccsp_chsm_pk_store_get(s, 1));
	const char *fp_sm2 = ccsp_chsm_pk_fingerprint(ccsp_chsm_pk_store_get(s, 0));
	char body[] = "{\"requestId\":\"abc\",\"oprType\":\"restart\",\"callbackUrl\":\"https://cloud/cb\"}";
	char *sig = sign_rsa(rsa_b, body, strlen(body));
	assert_int_equal(post(s, body, fp_rsa, "SHA256withRSA", sig), CCSP_CHSM_AUTH_OK);
	assert_int_equal(post(s, body, fp_rsa, "RSAWithSHA256", sig), CCSP_CHSM_AUTH_OK);
	assert_int_equal(post(s, body, rsa, "rsawithsha256", sig), CCSP_CHSM_AUTH_OK);
	/* the key type must match the algorithm (step 4) */
	assert_int_equal(post(s, body, fp_rsa, "SM2WithSM3", sig), CCSP_CHSM_AUTH_KEY_ALG_MISMATCH);
	assert_int_equal(post(s, body, fp_sm2, "SHA256withRSA", sig), CCSP_CHSM_AUTH_KEY_ALG_MISMATCH);
	/* every byte of a short body matters */
	for (size_t i = 0; i < strlen(body); i += 7) {
		body[i] ^= 0x20;
		assert_int_equal(post(s, body, fp_rsa, "SHA256withRSA", sig), CCSP_CHSM_AUTH_BAD_SIGNATURE);
		body[i] ^= 0x20;
	}
	/* lengths: longer than the modulus is malformed; shorter is zero-padded, then fails */
	uint8_t bin[600];
	size_t n = sign_rsa_bin(rsa_b, body, strlen(body), bin);
	assert_int_equal(n, 256);
	bin[n] = 0;
	char *longer = b64(bin, n + 1), *shorter = b64(bin + 1, n - 1);
	assert_int_equal(post(s, body, fp_rsa, "SHA256withRSA", longer), CCSP_CHSM_AUTH_BAD_SIGNATURE_FORMAT);
	assert_int_equal(post(s, body, fp_rsa, "SHA256withRSA", shorter),
	                 bin[0] == 0 ? CCSP_CHSM_AUTH_OK : CCSP_CHSM_AUTH_BAD_SIGNATURE);
	assert_int_equal(post(s, body, fp_rsa, "SHA256withRSA", "===="), CCSP_CHSM_AUTH_BAD_SIGNATURE_FORMAT);
	/* a signature whose leading byte is zero verifies when sent stripped: find one */
	int tried = 0;
	for (int i = 0; i < 2000 && !tried; i++) {
		char msg[32];
		snprintf(msg, sizeof msg, "{\"requestId\":\"%d\"}", i);
		n = sign_rsa_bin(rsa_b, msg, strlen(msg), bin);
		if (bin[0] != 0)
			continue;
		char *stripped = b64(bin + 1, n - 1);
		assert_int_equal(post(s, msg, fp_rsa, "SHA256withRSA", stripped), CCSP_CHSM_AUTH_OK);
		free(stripped);
		tried = 1;
	}
	free(longer);
	free(shorter);
	free(sig);
	ccsp_chsm_pk_store_free(s);
	free(rsa);
	free(sm2);
}

static void test_get_requests(void **state)
{
	(void)state;
	ccsp_chsm_pk_store *s = mem_store();
	char *spki = spki_b64(sm2_a);
	assert_ok(add1(s, CCSP_CHSM_PK_SM2, spki));
	const char *fp = ccsp_chsm_pk_fingerprint(ccsp_chsm_pk_store_get(s, 0));
	/* GET /api/1.0/vsm/status?vsmId=v1&requestId=9172c481 */
	const char *m = "requestId=9172c481&vsmId=v1";
	char *sig = sign_sm2(sm2_a, m, strlen(m), 0);
	ccsp_chsm_auth_param p[] = {{"vsmId", 5, "v1", 2}, {"requestId", 9, "9172c481", 8}};
	ccsp_chsm_auth_request r = {.method = "GET", .params = p, .nparams = 2, .authpk = fp,
	                            .sig_alg = "SM2WithSM3", .signature = sig};
	assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_OK);
	ccsp_chsm_auth_param swapped[] = {p[1], p[0]};
	r.params = swapped;
	assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_OK);
	/* the caller's array is not reordered */
	assert_memory_equal(swapped[0].name, "requestId", 9);
	/* GET ignores a body; the query is what is signed */
	r.body = (const uint8_t *)"ignored";
	r.body_len = 7;
	assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_OK);
	r.method = "get";
	assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_OK);
	/* a changed value, a missing or extra parameter */
	swapped[1].value = "v2";
	assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_BAD_SIGNATURE);
	swapped[1].value = "v1";
	r.nparams = 1;
	assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_BAD_SIGNATURE);
	/* DELETE with no body signs the query; with a body, the body; POST always the body */
	r.nparams = 2;
	r.method = "DELETE";
	r.body_len = 0;
	assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_OK);
	r.body = (const uint8_t *)m;
	r.body_len = strlen(m);
	r.params = NULL;
	r.nparams = 0;
	assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_OK);
	r.method = "POST";
	assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_OK);
	r.body_len = 0;
	r.params = p;
	r.nparams = 2;
	assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_BAD_SIGNATURE);
	free(sig);
	/* no parameters: M is the empty string */
	sig = sign_sm2(sm2_a, "", 0, 0);
	ccsp_chsm_auth_request e = {.method = "GET", .authpk = fp, .sig_alg = "SM2WithSM3", .signature = sig};
	assert_int_equal(ccsp_chsm_auth_verify(s, &e, NULL), CCSP_CHSM_AUTH_OK);
	e.method = "POST";
	assert_int_equal(ccsp_chsm_auth_verify(s, &e, NULL), CCSP_CHSM_AUTH_OK);
	/* too many parameters: 400 */
	ccsp_chsm_auth_param many[CCSP_CHSM_AUTH_PARAMS_MAX + 1];
	for (size_t i = 0; i < CCSP_CHSM_AUTH_PARAMS_MAX + 1; i++)
		many[i] = (ccsp_chsm_auth_param){"k", 1, "v", 1};
	e.method = "GET";
	e.params = many;
	e.nparams = CCSP_CHSM_AUTH_PARAMS_MAX + 1;
	assert_int_equal(ccsp_chsm_auth_verify(s, &e, NULL), CCSP_CHSM_AUTH_BAD_REQUEST);
	free(sig);
	ccsp_chsm_pk_store_free(s);
	free(spki);
}

static void test_header_failures(void **state)
{
	(void)state;
	const char *body = "{\"requestId\":\"1\"}";
	char *sig = sign_sm2(sm2_a, body, strlen(body), 0), *spki = spki_b64(sm2_a);
	ccsp_chsm_pk_store *s = mem_store();
	/* no key configured: 403 whatever the headers */
	assert_int_equal(post(s, body, NULL, NULL, NULL), CCSP_CHSM_AUTH_NO_PLATFORM_KEY);
	assert_int_equal(post(s, body, spki, "SM2WithSM3", sig), CCSP_CHSM_AUTH_NO_PLATFORM_KEY);
	assert_ok(add1(s, CCSP_CHSM_PK_SM2, spki));
	const char *fp = ccsp_chsm_pk_fingerprint(ccsp_chsm_pk_store_get(s, 0));
	assert_int_equal(post(s, body, fp, "SM2WithSM3", sig), CCSP_CHSM_AUTH_OK);
	/* step 1: absent or blank */
	assert_int_equal(post(s, body, NULL, "SM2WithSM3", sig), CCSP_CHSM_AUTH_MISSING_HEADER);
	assert_int_equal(post(s, body, fp, NULL, sig), CCSP_CHSM_AUTH_MISSING_HEADER);
	assert_int_equal(post(s, body, fp, "SM2WithSM3", NULL), CCSP_CHSM_AUTH_MISSING_HEADER);
	assert_int_equal(post(s, body, "", "SM2WithSM3", sig), CCSP_CHSM_AUTH_MISSING_HEADER);
	assert_int_equal(post(s, body, fp, " \t ", sig), CCSP_CHSM_AUTH_MISSING_HEADER);
	assert_int_equal(post(s, body, fp, "SM2WithSM3", "  "), CCSP_CHSM_AUTH_MISSING_HEADER);
	/* step 1 comes before step 2 */
	assert_int_equal(post(s, body, NULL, "MD5withRSA", sig), CCSP_CHSM_AUTH_MISSING_HEADER);
	/* step 2 */
	static const char *const algs[] = {"SM2", "sm2", "SHA1withRSA", "SM2WithSM3;", "SM2 WithSM3", "ECDSA"};
	for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
		assert_int_equal(post(s, body, fp, algs[i], sig), CCSP_CHSM_AUTH_UNSUPPORTED_ALG);
	char longalg[200];
	memset(longalg, 'A', sizeof longalg - 1);
	longalg[sizeof longalg - 1] = '\0';
	assert_int_equal(post(s, body, fp, longalg, sig), CCSP_CHSM_AUTH_UNSUPPORTED_ALG);
	/* step 2 before step 3 */
	assert_int_equal(post(s, body, "unknown", "SM9", sig), CCSP_CHSM_AUTH_UNSUPPORTED_ALG);
	/* step 3: unknown or malformed AuthPK */
	uint8_t rnd[32];
	test_rand(rnd, 32);
	char *rfp = b64(rnd, 32), *other = spki_b64(sm2_c);
	static const char *const pks[] = {"!!!", "PZK+1taF84v/XM0FIRnh7MBxwvPZFSRcjZxaLLExqJ0=", "AAAA", "x"};
	for (size_t i = 0; i < sizeof pks / sizeof pks[0]; i++)
		assert_int_equal(post(s, body, pks[i], "SM2WithSM3", sig), CCSP_CHSM_AUTH_UNKNOWN_KEY);
	assert_int_equal(post(s, body, rfp, "SM2WithSM3", sig), CCSP_CHSM_AUTH_UNKNOWN_KEY);
	assert_int_equal(post(s, body, other, "SM2WithSM3", sig), CCSP_CHSM_AUTH_UNKNOWN_KEY);
	char *longpk = malloc(CCSP_CHSM_AUTH_HEADER_MAX + 100);
	assert_non_null(longpk);
	snprintf(longpk, CCSP_CHSM_AUTH_HEADER_MAX + 100, "%s", fp);
	memset(longpk + strlen(fp), ' ', CCSP_CHSM_AUTH_HEADER_MAX + 98 - strlen(fp));
	longpk[CCSP_CHSM_AUTH_HEADER_MAX + 98] = '\0';
	assert_int_equal(post(s, body, longpk, "SM2WithSM3", sig), CCSP_CHSM_AUTH_UNKNOWN_KEY);
	/* step 5: signature text too long, or not Base64 */
	memset(longpk, 'A', CCSP_CHSM_AUTH_HEADER_MAX + 98);
	assert_int_equal(post(s, body, fp, "SM2WithSM3", longpk), CCSP_CHSM_AUTH_BAD_SIGNATURE_FORMAT);
	assert_int_equal(post(s, body, fp, "SM2WithSM3", "%%%"), CCSP_CHSM_AUTH_BAD_SIGNATURE_FORMAT);
	/* body over 1 MiB */
	uint8_t *big = calloc(1, CCSP_CHSM_AUTH_BODY_MAX + 1);
	assert_non_null(big);
	ccsp_chsm_auth_request r = {.method = "POST", .body = big, .body_len = CCSP_CHSM_AUTH_BODY_MAX + 1,
	                            .authpk = fp, .sig_alg = "SM2WithSM3", .signature = sig};
	assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_TOO_LARGE);
	free(big);
	/* caller errors */
	assert_int_equal(ccsp_chsm_auth_verify(NULL, &r, NULL), CCSP_CHSM_AUTH_INTERNAL);
	assert_int_equal(ccsp_chsm_auth_verify(s, NULL, NULL), CCSP_CHSM_AUTH_INTERNAL);
	r.body = NULL;
	r.body_len = 1;
	assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_INTERNAL);
	r.method = NULL;
	assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_INTERNAL);
	free(longpk);
	free(rfp);
	free(other);
	free(sig);
	free(spki);
	ccsp_chsm_pk_store_free(s);
}

static void test_verdict_table(void **state)
{
	(void)state;
	static const struct {
		ccsp_chsm_auth_verdict v;
		int status;
		const char *message;
	} want[] = {
		{CCSP_CHSM_AUTH_OK, 200, "success"},
		{CCSP_CHSM_AUTH_NO_PLATFORM_KEY, 403, "未配置云平台公钥"},
		{CCSP_CHSM_AUTH_MISSING_HEADER, 403, "缺少认证头"},
		{CCSP_CHSM_AUTH_UNSUPPORTED_ALG, 403, "不支持的签名算法"},
		{CCSP_CHSM_AUTH_UNKNOWN_KEY, 403, "公钥指纹不匹配"},
		{CCSP_CHSM_AUTH_KEY_ALG_MISMATCH, 403, "认证失败"},
		{CCSP_CHSM_AUTH_BAD_SIGNATURE_FORMAT, 400, "签名值格式错误"},
		{CCSP_CHSM_AUTH_BAD_SIGNATURE, 403, "签名验证失败"},
		{CCSP_CHSM_AUTH_TOO_LARGE, 413, "请求过大"},
		{CCSP_CHSM_AUTH_BAD_REQUEST, 400, "参数错误"},
		{CCSP_CHSM_AUTH_INTERNAL, 500, "内部错误"},
	};
	assert_int_equal(sizeof want / sizeof want[0], CCSP_CHSM_AUTH_VERDICT_COUNT_);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		assert_int_equal(want[i].v, (int)i);
		assert_int_equal(ccsp_chsm_auth_status(want[i].v), want[i].status);
		assert_string_equal(ccsp_chsm_auth_message(want[i].v), want[i].message);
		assert_non_null(ccsp_chsm_auth_name(want[i].v));
		assert_true((ccsp_chsm_auth_err(want[i].v) == CCSP_OK) == (i == 0));
	}
	assert_int_equal(ccsp_chsm_auth_err(CCSP_CHSM_AUTH_BAD_SIGNATURE), CCSP_ERR_SIGNATURE);
	assert_int_equal(ccsp_chsm_auth_status((ccsp_chsm_auth_verdict)99), 500);
	assert_string_equal(ccsp_chsm_auth_name((ccsp_chsm_auth_verdict)-1), "INTERNAL");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64_codec),
		cmocka_unit_test(test_spec_vectors),
		cmocka_unit_test(test_sm2_key_forms),
		cmocka_unit_test(test_rsa_key_forms),
		cmocka_unit_test(test_invalid_keys),
		cmocka_unit_test(test_alg_names),
		cmocka_unit_test_setup_teardown(test_third_key, setup, teardown),
		cmocka_unit_test(test_dedup_and_atomic_add),
		cmocka_unit_test_setup_teardown(test_persistence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_store, setup, teardown),
		cmocka_unit_test(test_query_string),
		cmocka_unit_test(test_sm2_requests),
		cmocka_unit_test(test_rsa_requests),
		cmocka_unit_test(test_get_requests),
		cmocka_unit_test(test_header_failures),
		cmocka_unit_test(test_verdict_table),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

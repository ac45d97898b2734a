/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by chsm_pk_test.c and chsm_auth_test.c: the §3.12 vectors, OpenSSL keys and signatures (the
 * independent side), store shorthands, and a fresh directory per test. */
#ifndef CCSP_CHSM_AUTH_FIXTURE_H
#define CCSP_CHSM_AUTH_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "chsm/chsm_auth.h"
#include "common/b64.h"
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

static inline char *b64(const uint8_t *p, size_t n)
{
	char *s = malloc(4 * ((n + 2) / 3) + 1);
	assert_non_null(s);
	EVP_EncodeBlock((unsigned char *)s, p, (int)n);
	return s;
}

static inline size_t spki_der(EVP_PKEY *pk, uint8_t *out)
{
	unsigned char *w = out;
	int n = i2d_PUBKEY(pk, &w);
	assert_true(n > 0 && n <= 2048);
	return (size_t)n;
}

static inline char *spki_b64(EVP_PKEY *pk)
{
	uint8_t der[2048];
	return b64(der, spki_der(pk, der));
}

static inline char *pem_of(EVP_PKEY *pk)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p, *s;
	assert_int_equal(PEM_write_bio_PUBKEY(bio, pk), 1);
	long n = BIO_get_mem_data(bio, &p);
	s = strndup(p, (size_t)n);
	BIO_free(bio);
	return s;
}

static inline void sm2_point(EVP_PKEY *pk, uint8_t pub[65])
{
	size_t n;
	assert_true(EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, pub, 65, &n));
	assert_int_equal(n, 65);
}

static inline void digest(const char *md, const void *p, size_t n, uint8_t out[32])
{
	unsigned int len;
	assert_int_equal(EVP_Digest(p, n, out, &len, EVP_get_digestbyname(md), NULL), 1);
	assert_int_equal(len, 32);
}

static inline char *digest_b64(const char *md, const void *p, size_t n)
{
	uint8_t h[32];
	digest(md, p, n, h);
	return b64(h, 32);
}

/* SM2 signature with the default ID (DER) or, raw = 1, r||s. */
static inline char *sign_sm2(EVP_PKEY *pk, const void *msg, size_t len, int raw)
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

static inline size_t sign_rsa_bin(EVP_PKEY *pk, const void *msg, size_t len, uint8_t *sig)
{
	size_t n = 1024;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pk), 1);
	assert_int_equal(EVP_DigestSign(md, sig, &n, msg, len), 1);
	EVP_MD_CTX_free(md);
	return n;
}

static inline char *sign_rsa(EVP_PKEY *pk, const void *msg, size_t len)
{
	uint8_t sig[1024];
	return b64(sig, sign_rsa_bin(pk, msg, len, sig));
}

static inline ccsp_err add1(ccsp_chsm_pk_store *s, ccsp_chsm_pk_alg alg, const char *text)
{
	size_t len = strlen(text);
	return ccsp_chsm_pk_store_add(s, alg, &text, &len, 1, NULL, NULL);
}

static inline ccsp_err add_n(ccsp_chsm_pk_store *s, const char **texts, size_t n, size_t *added, size_t *bad)
{
	size_t lens[32];
	for (size_t i = 0; i < n; i++)
		lens[i] = strlen(texts[i]);
	return ccsp_chsm_pk_store_add(s, CCSP_CHSM_PK_ANY, texts, lens, n, added, bad);
}

static inline const ccsp_chsm_pk *find(const ccsp_chsm_pk_store *s, const char *authpk)
{
	return ccsp_chsm_pk_store_find(s, authpk, strlen(authpk));
}

static inline ccsp_chsm_pk_store *mem_store(void)
{
	ccsp_chsm_pk_store *s;
	assert_ok(ccsp_chsm_pk_store_open(NULL, &s));
	return s;
}

static inline ccsp_chsm_auth_verdict post(const ccsp_chsm_pk_store *s, const char *body, const char *pk, const char *alg,
                                   const char *sig)
{
	ccsp_chsm_auth_request r = {.method = "POST", .body = (const uint8_t *)body, .body_len = strlen(body),
	                            .authpk = pk, .sig_alg = alg, .signature = sig};
	return ccsp_chsm_auth_verify(s, &r, NULL);
}

static inline void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static inline size_t read_file(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* A store file with body and a correct SM3 line, as a forger who knows the format would write it. */
static inline void write_forged(const char *path, const char *body)
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

static inline void assert_open_refused(const char *path)
{
	ccsp_chsm_pk_store *s = (ccsp_chsm_pk_store *)1;
	assert_ccsp(CCSP_ERR_TAMPERED, ccsp_chsm_pk_store_open(path, &s));
	assert_null(s);
}

/* ---- setup ---- */

/* EVP_PKEY_Q_keygen takes a size only for "RSA" */
static inline EVP_PKEY *keygen_rsa_pss(void)
{
	EVP_PKEY *pk = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048) != 1 ||
	    EVP_PKEY_generate(ctx, &pk) != 1)
		pk = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

static inline int group_setup(void **state)
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

static inline int group_teardown(void **state)
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

static inline int setup(void **state)
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

static inline int teardown(void **state)
{
	struct fixture *f = *state;
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SM2 operations per second: sign and verify (Z with the default ID + SM3 over a 32-byte message,
 * one call each), encrypt and decrypt 32 bytes, key generation; ccsp against OpenSSL EVP (with
 * EVP_PKEY_CTX_set1_id, a fresh signing context per operation as a one-shot caller would have).
 * ccsp key generation includes its pairwise-consistency test.
 * sm2-sign-ctx: many signatures with one key, each side with its per-key context kept: ccsp's
 * ccsp_sm2_sign_ctx (message and default ID, Z cached), OpenSSL's EVP_PKEY_CTX initialised once for
 * EVP_PKEY_sign over e = SM3(Z || M) with Z computed once.
 */
#include <string.h>

#include <openssl/evp.h>

#include <ccsp/sm2.h>

#include "bench.h"

static const uint8_t msg[32] = "ccsp-bench: a 32-byte message..";
static const char id[] = CCSP_SM2_DEFAULT_ID;

typedef struct sm2_bench {
	ccsp_sm2_key *key;
	ccsp_sm2_sign_ctx *sign_ctx;
	uint8_t sig[CCSP_SM2_SIGNATURE_SIZE];
	uint8_t ct[32 + CCSP_SM2_CIPHERTEXT_OVERHEAD];
	size_t ctlen;
	EVP_PKEY *pkey;
	EVP_PKEY_CTX *enc_ctx, *dec_ctx, *gen_ctx, *sign_ctx_ossl;
	uint8_t ossl_z[32];
	uint8_t ossl_sig[80];
	size_t ossl_siglen;
	uint8_t ossl_ct[256];
	size_t ossl_ctlen;
} sm2_bench;

/* ---- ccsp ---- */

static int ccsp_sign(void *p)
{
	sm2_bench *b = p;
	return ccsp_sm2_sign(b->key, NULL, 0, msg, sizeof msg, b->sig) != CCSP_OK;
}

static int ccsp_sign_ctx(void *p)
{
	sm2_bench *b = p;
	return ccsp_sm2_sign_ctx_sign(b->sign_ctx, NULL, 0, msg, sizeof msg, b->sig) != CCSP_OK;
}

static int ccsp_verify(void *p)
{
	sm2_bench *b = p;
	return ccsp_sm2_verify(b->key, NULL, 0, msg, sizeof msg, b->sig) != CCSP_OK;
}

static int ccsp_encrypt(void *p)
{
	sm2_bench *b = p;
	return ccsp_sm2_encrypt(b->key, CCSP_SM2_C1C3C2, msg, sizeof msg, b->ct, sizeof b->ct, &b->ctlen) != CCSP_OK;
}

static int ccsp_decrypt(void *p)
{
	sm2_bench *b = p;
	uint8_t pt[sizeof msg];
	size_t ptlen;
	return ccsp_sm2_decrypt(b->key, CCSP_SM2_C1C3C2, b->ct, b->ctlen, pt, sizeof pt, &ptlen) != CCSP_OK;
}

/* A key is read-only once set: each generation takes a fresh key object (as OpenSSL's a fresh
 * EVP_PKEY), so the secure allocation is part of the cost. */
static int ccsp_keygen(void *p)
{
	(void)p;
	ccsp_sm2_key *k = ccsp_sm2_key_new();
	int failed = k == NULL || ccsp_sm2_key_generate(k) != CCSP_OK;
	ccsp_sm2_key_free(k);
	return failed;
}

/* ---- OpenSSL ---- */

/* A digest-sign or digest-verify context carrying the SM2 ID, as every one-shot call needs. */
static EVP_MD_CTX *openssl_md_ctx(EVP_PKEY *pkey, int sign, EVP_PKEY_CTX **pctx)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	*pctx = EVP_PKEY_CTX_new(pkey, NULL);
	if (m == NULL || *pctx == NULL || EVP_PKEY_CTX_set1_id(*pctx, id, sizeof id - 1) <= 0)
		goto fail;
	EVP_MD_CTX_set_pkey_ctx(m, *pctx);
	if ((sign ? EVP_DigestSignInit(m, NULL, EVP_sm3(), NULL, pkey)
	          : EVP_DigestVerifyInit(m, NULL, EVP_sm3(), NULL, pkey)) == 1)
		return m;
fail:
	EVP_MD_CTX_free(m);
	EVP_PKEY_CTX_free(*pctx);
	*pctx = NULL;
	return NULL;
}

static int openssl_sign(void *p)
{
	sm2_bench *b = p;
	EVP_PKEY_CTX *pctx;
	EVP_MD_CTX *m = openssl_md_ctx(b->pkey, 1, &pctx);
	b->ossl_siglen = sizeof b->ossl_sig;
	int ok = m != NULL && EVP_DigestSign(m, b->ossl_sig, &b->ossl_siglen, msg, sizeof msg) == 1;
	EVP_MD_CTX_free(m);
	EVP_PKEY_CTX_free(pctx);
	return !ok;
}

static int openssl_sign_ctx(void *p)
{
	sm2_bench *b = p;
	uint8_t zm[32 + sizeof msg], e[32], sig[80];
	size_t siglen = sizeof sig;
	memcpy(zm, b->ossl_z, 32);
	memcpy(zm + 32, msg, sizeof msg);
	return EVP_Digest(zm, sizeof zm, e, NULL, EVP_sm3(), NULL) != 1 ||
	       EVP_PKEY_sign(b->sign_ctx_ossl, sig, &siglen, e, sizeof e) != 1;
}

static int openssl_verify(void *p)
{
	sm2_bench *b = p;
	EVP_PKEY_CTX *pctx;
	EVP_MD_CTX *m = openssl_md_ctx(b->pkey, 0, &pctx);
	int ok = m != NULL && EVP_DigestVerify(m, b->ossl_sig, b->ossl_siglen, msg, sizeof msg) == 1;
	EVP_MD_CTX_free(m);
	EVP_PKEY_CTX_free(pctx);
	return !ok;
}

static int openssl_encrypt(void *p)
{
	sm2_bench *b = p;
	b->ossl_ctlen = sizeof b->ossl_ct;
	return EVP_PKEY_encrypt(b->enc_ctx, b->ossl_ct, &b->ossl_ctlen, msg, sizeof msg) != 1;
}

static int openssl_decrypt(void *p)
{
	sm2_bench *b = p;
	uint8_t pt[256];
	size_t ptlen = sizeof pt;
	return EVP_PKEY_decrypt(b->dec_ctx, pt, &ptlen, b->ossl_ct, b->ossl_ctlen) != 1;
}

static int openssl_keygen(void *p)
{
	sm2_bench *b = p;
	EVP_PKEY *k = NULL;
	int ok = EVP_PKEY_keygen(b->gen_ctx, &k) == 1;
	EVP_PKEY_free(k);
	return !ok;
}

/* Z of the OpenSSL key and the default ID, through our helper on its public point. */
static int openssl_z(sm2_bench *b)
{
	uint8_t pub[CCSP_SM2_POINT_SIZE], z[32];
	size_t n;
	if (EVP_PKEY_get_octet_string_param(b->pkey, "pub", pub, sizeof pub, &n) != 1 || n != sizeof pub)
		return -1;
	ccsp_sm2_key *k = ccsp_sm2_key_new();
	int ok = k != NULL && ccsp_sm2_key_set_public(k, pub, sizeof pub) == CCSP_OK &&
	         ccsp_sm2_compute_z(k, NULL, 0, z) == CCSP_OK;
	ccsp_sm2_key_free(k);
	memcpy(b->ossl_z, z, sizeof z);
	return ok ? 0 : -1;
}

static int openssl_setup(sm2_bench *b)
{
	b->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
	if (b->pkey == NULL)
		return -1;
	b->enc_ctx = EVP_PKEY_CTX_new(b->pkey, NULL);
	b->dec_ctx = EVP_PKEY_CTX_new(b->pkey, NULL);
	b->gen_ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
	b->sign_ctx_ossl = EVP_PKEY_CTX_new(b->pkey, NULL);
	if (b->enc_ctx == NULL || b->dec_ctx == NULL || b->gen_ctx == NULL || b->sign_ctx_ossl == NULL ||
	    EVP_PKEY_encrypt_init(b->enc_ctx) != 1 || EVP_PKEY_decrypt_init(b->dec_ctx) != 1 ||
	    EVP_PKEY_keygen_init(b->gen_ctx) != 1 || EVP_PKEY_sign_init(b->sign_ctx_ossl) != 1 ||
	    openssl_z(b) != 0)
		return -1;
	/* Inputs for verify and decrypt. */
	return openssl_sign(b) != 0 || openssl_encrypt(b) != 0 ? -1 : 0;
}

static void openssl_cleanup(sm2_bench *b)
{
	EVP_PKEY_CTX_free(b->enc_ctx);
	EVP_PKEY_CTX_free(b->dec_ctx);
	EVP_PKEY_CTX_free(b->gen_ctx);
	EVP_PKEY_CTX_free(b->sign_ctx_ossl);
	EVP_PKEY_free(b->pkey);
}

typedef struct sm2_op {
	const char *op;
	bench_fn ccsp, openssl;
} sm2_op;

static const sm2_op ops[] = {
	{"sm2-sign", ccsp_sign, openssl_sign},
	{"sm2-sign-ctx", ccsp_sign_ctx, openssl_sign_ctx},
	{"sm2-verify", ccsp_verify, openssl_verify},
	{"sm2-encrypt", ccsp_encrypt, openssl_encrypt},
	{"sm2-decrypt", ccsp_decrypt, openssl_decrypt},
};

void bench_sm2(void)
{
	sm2_bench b = {0};
	b.key = ccsp_sm2_key_new();
	int ccsp_ok = b.key != NULL && ccsp_sm2_key_generate(b.key) == CCSP_OK &&
	              ccsp_sm2_sign_ctx_new(b.key, &b.sign_ctx) == CCSP_OK && ccsp_sign(&b) == 0 &&
	              ccsp_encrypt(&b) == 0;
	int openssl_ok = openssl_setup(&b) == 0;
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		if (ccsp_ok)
			bench_measure(ops[i].op, "ccsp", "ops/s", 1, ops[i].ccsp, &b);
		else
			bench_na(ops[i].op, "ccsp", "ops/s");
		if (openssl_ok)
			bench_measure(ops[i].op, "openssl", "ops/s", 1, ops[i].openssl, &b);
		else
			bench_na(ops[i].op, "openssl", "ops/s");
	}
	if (ccsp_ok)
		bench_measure("sm2-keygen", "ccsp", "ops/s", 1, ccsp_keygen, NULL);
	else
		bench_na("sm2-keygen", "ccsp", "ops/s");
	if (openssl_ok)
		bench_measure("sm2-keygen", "openssl", "ops/s", 1, openssl_keygen, &b);
	else
		bench_na("sm2-keygen", "openssl", "ops/s");
	openssl_cleanup(&b);
	ccsp_sm2_sign_ctx_free(b.sign_ctx);
	ccsp_sm2_key_free(b.key);
}

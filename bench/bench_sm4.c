/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SM4 throughput at 8 KiB per call: ECB, CBC encrypt and decrypt, CTR, GCM encrypt, for every
 * ccsp implementation and OpenSSL (which has no SM4-GCM before 3.2: then n/a). GCM under
 * "ccsp-<impl>" uses that block implementation with the best GHASH.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "bench.h"
#include "sm4/sm4_impl.h"

#define LEN 8192

static uint8_t buf[LEN];
static const uint8_t key_bytes[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                                      0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};
static const uint8_t iv[16] = {0};

static int ecb(void *k) { return ccsp_sm4_ecb_encrypt(k, buf, buf, LEN) != CCSP_OK; }
static int cbc_enc(void *k) { return ccsp_sm4_cbc_encrypt(k, iv, buf, buf, LEN) != CCSP_OK; }
static int cbc_dec(void *k) { return ccsp_sm4_cbc_decrypt(k, iv, buf, buf, LEN) != CCSP_OK; }
static int ctr(void *k) { return ccsp_sm4_ctr_crypt(k, iv, buf, buf, LEN) != CCSP_OK; }

static int gcm(void *k)
{
	uint8_t tag[16];
	return ccsp_sm4_gcm_encrypt(k, iv, 12, NULL, 0, buf, buf, LEN, tag) != CCSP_OK;
}

typedef struct sm4_op {
	const char *op;
	bench_fn ccsp;
	const char *openssl_name; /* EVP cipher name */
	int encrypt;
} sm4_op;

static const sm4_op ops[] = {
	{"sm4-ecb", ecb, "SM4-ECB", 1},
	{"sm4-cbc-enc", cbc_enc, "SM4-CBC", 1},
	{"sm4-cbc-dec", cbc_dec, "SM4-CBC", 0},
	{"sm4-ctr", ctr, "SM4-CTR", 1},
	{"sm4-gcm", gcm, "SM4-GCM", 1},
};

/* OpenSSL: one context set up once, one EVP_CipherUpdate of 8 KiB per call (CBC chains on). */
static int openssl_call(void *ctx)
{
	int outl;
	return !EVP_CipherUpdate(ctx, buf, &outl, buf, LEN);
}

static void bench_openssl(const sm4_op *o)
{
	EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, o->openssl_name, NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (c != NULL && ctx != NULL && EVP_CipherInit_ex(ctx, c, NULL, key_bytes, iv, o->encrypt) &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0))
		bench_measure(o->op, "openssl", "MB/s", LEN / BENCH_MB, openssl_call, ctx);
	else
		bench_na(o->op, "openssl", "MB/s");
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
}

void bench_sm4(void)
{
	char impl[48];
	for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
		for (const ccsp_sm4_impl *const *i = ccsp_sm4_impl_list(); *i != NULL; i++) {
			ccsp_sm4_key k;
			snprintf(impl, sizeof impl, "ccsp-%s", (*i)->name);
			if (ccsp_sm4_set_key_impl(&k, key_bytes, sizeof key_bytes, *i) != CCSP_OK) {
				bench_na(ops[o].op, impl, "MB/s");
				continue;
			}
			bench_measure(ops[o].op, impl, "MB/s", LEN / BENCH_MB, ops[o].ccsp, &k);
			ccsp_sm4_key_wipe(&k);
		}
		bench_openssl(&ops[o]);
	}
}

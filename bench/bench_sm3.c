/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SM3 throughput at 8 KiB and 1 MiB per call: every ccsp implementation, and OpenSSL. Then multi-buffer SM3 over
 * a batch of 1 KiB messages: every multi-buffer implementation ("serial" is ccsp_sm3 in a loop), and OpenSSL
 * hashing the same messages one after the other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "bench.h"
#include "sm3/sm3_internal.h"
#include "sm3/sm3_mb.h"

typedef struct sm3_arg {
	const uint8_t *buf;
	size_t len;
	EVP_MD_CTX *md_ctx;
	const EVP_MD *md;
} sm3_arg;

static int ccsp_sm3_call(void *p)
{
	const sm3_arg *a = p;
	uint8_t md[CCSP_SM3_DIGEST_SIZE];
	return ccsp_sm3(a->buf, a->len, md) != CCSP_OK;
}

static int openssl_sm3_call(void *p)
{
	const sm3_arg *a = p;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen;
	return !(EVP_DigestInit_ex(a->md_ctx, a->md, NULL) && EVP_DigestUpdate(a->md_ctx, a->buf, a->len) &&
	         EVP_DigestFinal_ex(a->md_ctx, md, &mdlen));
}

static void bench_size(const char *op, uint8_t *buf, size_t len)
{
	sm3_arg a = {buf, len, NULL, NULL};
	char impl[48];
	double mb = (double)len / BENCH_MB;
	for (const ccsp_sm3_impl *const *i = ccsp_sm3_impl_list(); *i != NULL; i++) {
		ccsp_sm3_impl_force(*i);
		snprintf(impl, sizeof impl, "ccsp-%s", (*i)->name);
		bench_measure(op, impl, "MB/s", mb, ccsp_sm3_call, &a);
	}
	ccsp_sm3_impl_force(NULL);
	a.md_ctx = EVP_MD_CTX_new();
	a.md = EVP_MD_fetch(NULL, "SM3", NULL);
	if (a.md_ctx != NULL && a.md != NULL)
		bench_measure(op, "openssl", "MB/s", mb, openssl_sm3_call, &a);
	else
		bench_na(op, "openssl", "MB/s");
	EVP_MD_free((EVP_MD *)a.md);
	EVP_MD_CTX_free(a.md_ctx);
}

#define MB_BATCH 64
#define MB_LEN 1024

typedef struct mb_arg {
	const ccsp_sm3_mb_impl *impl;
	const uint8_t *msgs[MB_BATCH];
	size_t lens[MB_BATCH];
	uint8_t out[MB_BATCH][CCSP_SM3_DIGEST_SIZE];
	EVP_MD_CTX *md_ctx;
	const EVP_MD *md;
} mb_arg;

static int ccsp_sm3_mb_call(void *p)
{
	mb_arg *a = p;
	return ccsp_sm3_digest_many_impl(a->impl, a->msgs, a->lens, MB_BATCH, a->out) != CCSP_OK;
}

static int openssl_sm3_batch_call(void *p)
{
	mb_arg *a = p;
	unsigned mdlen;
	for (size_t i = 0; i < MB_BATCH; i++)
		if (!(EVP_DigestInit_ex(a->md_ctx, a->md, NULL) && EVP_DigestUpdate(a->md_ctx, a->msgs[i], a->lens[i]) &&
		      EVP_DigestFinal_ex(a->md_ctx, a->out[i], &mdlen)))
			return 1;
	return 0;
}

/* MB_BATCH distinct messages of MB_LEN bytes from buf. */
static void bench_mb(const char *op, const uint8_t *buf)
{
	static mb_arg a;
	char impl[48];
	double mb = (double)MB_BATCH * MB_LEN / BENCH_MB;
	for (size_t i = 0; i < MB_BATCH; i++) {
		a.msgs[i] = buf + i * MB_LEN;
		a.lens[i] = MB_LEN;
	}
	for (const ccsp_sm3_mb_impl *const *i = ccsp_sm3_mb_impl_list(); *i != NULL; i++) {
		a.impl = *i;
		snprintf(impl, sizeof impl, "ccsp-mb-%s", (*i)->name);
		bench_measure(op, impl, "MB/s", mb, ccsp_sm3_mb_call, &a);
	}
	a.md_ctx = EVP_MD_CTX_new();
	a.md = EVP_MD_fetch(NULL, "SM3", NULL);
	if (a.md_ctx != NULL && a.md != NULL)
		bench_measure(op, "openssl", "MB/s", mb, openssl_sm3_batch_call, &a);
	else
		bench_na(op, "openssl", "MB/s");
	EVP_MD_free((EVP_MD *)a.md);
	EVP_MD_CTX_free(a.md_ctx);
}

void bench_sm3(void)
{
	size_t big = 1 << 20;
	uint8_t *buf = malloc(big);
	if (buf == NULL)
		return;
	for (size_t i = 0; i < big; i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	bench_size("sm3-8k", buf, 8192);
	bench_size("sm3-1m", buf, big);
	bench_mb("sm3-mb-1k", buf);
	free(buf);
}

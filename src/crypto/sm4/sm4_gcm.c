/* SPDX-License-Identifier: Apache-2.0 */
/* SM4-GCM: NIST SP 800-38D (as adopted by GB/T 36624-2018 and RFC 8998), any IV length, 16-byte tag. */
#include "sm4_internal.h"

#include <ccsp/mem.h>

#include "ct.h"
#include "ghash.h"
#include "module.h"

enum { PHASE_AAD = 0, PHASE_DATA = 1, PHASE_DONE = 2 };

/* SP 800-38D 5.2.1.1: plaintext at most 2^39 - 256 bits; AAD and IV at most 2^64 - 1 bits. */
#define GCM_MAX_DATA ((UINT64_C(1) << 36) - 32)
#define GCM_MAX_AAD_IV ((UINT64_C(1) << 61) - 1)

static const ccsp_ghash_impl *gh(const ccsp_sm4_gcm_ctx *ctx)
{
	return (const ccsp_ghash_impl *)ctx->ghash_impl;
}

static void ghash(ccsp_sm4_gcm_ctx *ctx, const uint8_t *in, size_t nblocks)
{
	if (nblocks > 0)
		gh(ctx)->blocks(ctx->ghash_key, ctx->X, in, nblocks);
}

/* Feed bytes to GHASH through the pending buffer. */
static void ghash_stream(ccsp_sm4_gcm_ctx *ctx, const uint8_t *in, size_t len)
{
	if (len == 0)
		return;
	if (ctx->pend_len > 0) {
		size_t n = 16 - ctx->pend_len < len ? 16 - ctx->pend_len : len;
		memcpy(ctx->pend + ctx->pend_len, in, n);
		ctx->pend_len += n;
		in += n;
		len -= n;
		if (ctx->pend_len < 16)
			return;
		ghash(ctx, ctx->pend, 1);
		ctx->pend_len = 0;
	}
	ghash(ctx, in, len / 16);
	memcpy(ctx->pend, in + (len & ~(size_t)15), len % 16);
	ctx->pend_len = len % 16;
}

/* Zero-pad and absorb a pending partial block (end of AAD, end of ciphertext). */
static void ghash_flush(ccsp_sm4_gcm_ctx *ctx)
{
	if (ctx->pend_len == 0)
		return;
	memset(ctx->pend + ctx->pend_len, 0, 16 - ctx->pend_len);
	ghash(ctx, ctx->pend, 1);
	ctx->pend_len = 0;
}

static void store64be(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* SP 800-38D 6.5 GCTR with inc32. The counter blocks are built here, not by the
 * implementation's ctr_blocks: that one carries over 128 bits, and stopping batches at the 32-bit
 * wrap would branch on J0, which GHASH derives from the key when the IV is not 96 bits. */
static void gctr_blocks(ccsp_sm4_gcm_ctx *ctx, const uint8_t *in, uint8_t *out, size_t nblocks)
{
	/* With a 96-bit IV the counter starts at 2 and GCM's limit of 2^32 - 2 blocks keeps the low word
	 * from wrapping, so inc32 equals the 128-bit increment of ctr_blocks, and J0 is public. */
	if (ctx->iv96 && ctx->key.impl->ctr_blocks != NULL) {
		ctx->key.impl->ctr_blocks(ctx->key.rk_enc, ctx->ctr, in, out, nblocks);
		return;
	}
	uint8_t ks[CCSP_SM4_BATCH * 16];
	uint32_t c = ((uint32_t)ctx->ctr[12] << 24) | ((uint32_t)ctx->ctr[13] << 16) | ((uint32_t)ctx->ctr[14] << 8) |
	             ctx->ctr[15];
	while (nblocks > 0) {
		size_t n = nblocks < CCSP_SM4_BATCH ? nblocks : CCSP_SM4_BATCH;
		for (size_t i = 0; i < n; i++) {
			/* the barrier keeps the compiler from testing the loop exit on the counter */
			uint32_t ci = ct_barrier32(c) + (uint32_t)i;
			uint8_t *b = ks + 16 * i;
			memcpy(b, ctx->ctr, 12);
			b[12] = (uint8_t)(ci >> 24);
			b[13] = (uint8_t)(ci >> 16);
			b[14] = (uint8_t)(ci >> 8);
			b[15] = (uint8_t)ci;
		}
		c += (uint32_t)n;
		ctx->key.impl->crypt_blocks(ctx->key.rk_enc, ks, ks, n);
		ccsp_sm4_xor(out, in, ks, 16 * n);
		in += 16 * n;
		out += 16 * n;
		nblocks -= n;
	}
	ctx->ctr[12] = (uint8_t)(c >> 24);
	ctx->ctr[13] = (uint8_t)(c >> 16);
	ctx->ctr[14] = (uint8_t)(c >> 8);
	ctx->ctr[15] = (uint8_t)c;
	ccsp_memzero(ks, sizeof ks);
}

/* SP 800-38D 7.1 step 1: H = E(0) and GHASH's tables for it, the per-key part. */
static void gcm_key_make(ccsp_sm4_gcm_key *gk, const ccsp_sm4_key *k)
{
	memset(gk, 0, sizeof *gk);
	gk->key = *k;
	gk->ghash_impl = ccsp_ghash_impl_best();
	k->impl->crypt_blocks(k->rk_enc, gk->H, gk->H, 1);
	((const ccsp_ghash_impl *)gk->ghash_impl)->init(gk->ghash_key, gk->H);
}

/* SP 800-38D 7.1 step 2: J0 from the IV, with the per-key part made already. */
static ccsp_err gcm_start_keyed(ccsp_sm4_gcm_ctx *ctx, const ccsp_sm4_gcm_key *gk, const uint8_t *iv, size_t ivlen,
                                int encrypt)
{
	CCSP_ENSURE(iv != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(ivlen >= 1 && (uint64_t)ivlen <= GCM_MAX_AAD_IV, CCSP_ERR_IV_LENGTH);
	memset(ctx, 0, sizeof *ctx);
	ctx->key = gk->key;
	memcpy(ctx->H, gk->H, sizeof ctx->H);
	memcpy(ctx->ghash_key, gk->ghash_key, sizeof ctx->ghash_key);
	ctx->ghash_impl = gk->ghash_impl;
	ctx->encrypt = encrypt != 0;
	ctx->iv96 = ivlen == 12;
	if (ivlen == 12) {
		memcpy(ctx->J0, iv, 12);
		ctx->J0[15] = 1;
	} else {
		uint8_t lenblk[16] = {0};
		ghash_stream(ctx, iv, ivlen);
		ghash_flush(ctx);
		store64be(lenblk + 8, (uint64_t)ivlen * 8);
		ghash(ctx, lenblk, 1);
		memcpy(ctx->J0, ctx->X, 16);
		memset(ctx->X, 0, 16);
	}
	memcpy(ctx->ctr, ctx->J0, 16);
	ccsp_sm4_ctr_add(ctx->ctr, 1);
	memcpy(ctx->ctr, ctx->J0, 12); /* inc32: a carry out of the low 32 bits is dropped */
	ctx->ks_used = 16;
	ctx->phase = PHASE_AAD;
	return CCSP_OK;
}

/* SP 800-38D 7.1 steps 1-2: H = E(0), J0 from the IV. */
static ccsp_err gcm_start(ccsp_sm4_gcm_ctx *ctx, const ccsp_sm4_key *k, const uint8_t *iv, size_t ivlen, int encrypt)
{
	ccsp_sm4_gcm_key gk;
	gcm_key_make(&gk, k);
	ccsp_err ret = gcm_start_keyed(ctx, &gk, iv, ivlen, encrypt);
	ccsp_memzero(&gk, sizeof gk);
	return ret;
}

static ccsp_err gcm_aad(ccsp_sm4_gcm_ctx *ctx, const uint8_t *aad, size_t len)
{
	CCSP_ENSURE(len == 0 || aad != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(ctx->phase == PHASE_AAD, CCSP_ERR_STATE);
	CCSP_ENSURE((uint64_t)len <= GCM_MAX_AAD_IV - ctx->aadlen, CCSP_ERR_DATA_LENGTH);
	ctx->aadlen += len;
	ghash_stream(ctx, aad, len);
	return CCSP_OK;
}

/* Ciphertext of a chunk is hashed after encryption, before decryption (in may be out). */
static void gcm_full_blocks(ccsp_sm4_gcm_ctx *ctx, const uint8_t *in, uint8_t *out, size_t nblocks)
{
	while (nblocks > 0) {
		size_t n = nblocks < CCSP_SM4_BATCH ? nblocks : CCSP_SM4_BATCH;
		if (!ctx->encrypt)
			ghash(ctx, in, n);
		gctr_blocks(ctx, in, out, n);
		if (ctx->encrypt)
			ghash(ctx, out, n);
		in += 16 * n;
		out += 16 * n;
		nblocks -= n;
	}
}

static ccsp_err gcm_update(ccsp_sm4_gcm_ctx *ctx, const uint8_t *in, uint8_t *out, size_t len)
{
	CCSP_ENSURE(len == 0 || (in != NULL && out != NULL), CCSP_ERR_ARG);
	CCSP_ENSURE(ctx->phase != PHASE_DONE, CCSP_ERR_STATE);
	CCSP_ENSURE((uint64_t)len <= GCM_MAX_DATA - ctx->datalen, CCSP_ERR_DATA_LENGTH);
	if (ctx->phase == PHASE_AAD) {
		ghash_flush(ctx);
		ctx->phase = PHASE_DATA;
	}
	ctx->datalen += len;
	/* leftover keystream: the data offset is not block aligned */
	size_t n = 16 - ctx->ks_used < len ? 16 - ctx->ks_used : len;
	if (n > 0) {
		uint8_t cb[16];
		memcpy(cb, in, n); /* in may be out */
		ccsp_sm4_xor(out, in, ctx->ks + ctx->ks_used, n);
		ghash_stream(ctx, ctx->encrypt ? out : cb, n);
		ctx->ks_used += n;
		in += n;
		out += n;
		len -= n;
	}
	gcm_full_blocks(ctx, in, out, len / 16);
	size_t tail = len % 16;
	if (tail > 0) {
		in += len - tail;
		out += len - tail;
		memset(ctx->ks, 0, 16);
		gctr_blocks(ctx, ctx->ks, ctx->ks, 1);
		uint8_t cb[16];
		memcpy(cb, in, tail);
		ccsp_sm4_xor(out, in, ctx->ks, tail);
		ghash_stream(ctx, ctx->encrypt ? out : cb, tail);
		ctx->ks_used = tail;
	}
	return CCSP_OK;
}

/* SP 800-38D 7.1 steps 5-6: S = GHASH(A || C || len(A) || len(C)), T = E(J0) ^ S. */
static void gcm_tag(ccsp_sm4_gcm_ctx *ctx, uint8_t tag[16])
{
	uint8_t lenblk[16];
	ghash_flush(ctx); /* pending AAD or ciphertext */
	store64be(lenblk, ctx->aadlen * 8);
	store64be(lenblk + 8, ctx->datalen * 8);
	ghash(ctx, lenblk, 1);
	memcpy(tag, ctx->J0, 16);
	ctx->key.impl->crypt_blocks(ctx->key.rk_enc, tag, tag, 1);
	ccsp_sm4_xor(tag, tag, ctx->X, 16);
	ctx->phase = PHASE_DONE;
}

/* 0 or CCSP_ERR_AUTH, in constant time over the 16 bytes. */
static ccsp_err gcm_check(ccsp_sm4_gcm_ctx *ctx, const uint8_t tag[16])
{
	uint8_t mine[16];
	gcm_tag(ctx, mine);
	uint32_t ok = ct_declassify32((uint32_t)ct_memeq(mine, tag, 16));
	ccsp_memzero(mine, sizeof mine);
	return ok ? CCSP_OK : CCSP_ERR_AUTH;
}

/* ---- streaming API ---- */

static int ctx_ok(const ccsp_sm4_gcm_ctx *ctx)
{
	return ctx != NULL && ccsp_sm4_key_ok(&ctx->key) && ctx->ghash_impl != NULL && ctx->ks_used <= 16 &&
	       ctx->pend_len < 16;
}

ccsp_err ccsp_sm4_gcm_init(ccsp_sm4_gcm_ctx *ctx, const uint8_t *key, size_t keylen, const uint8_t *iv, size_t ivlen,
                           int encrypt)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ctx != NULL, CCSP_ERR_ARG);
	ccsp_sm4_key k;
	ccsp_err ret = ccsp_sm4_set_key(&k, key, keylen);
	if (ret == CCSP_OK)
		ret = gcm_start(ctx, &k, iv, ivlen, encrypt);
	ccsp_memzero(&k, sizeof k);
	return ret;
}

ccsp_err ccsp_sm4_gcm_aad(ccsp_sm4_gcm_ctx *ctx, const uint8_t *aad, size_t len)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ctx_ok(ctx), CCSP_ERR_ARG);
	return gcm_aad(ctx, aad, len);
}

ccsp_err ccsp_sm4_gcm_update(ccsp_sm4_gcm_ctx *ctx, const uint8_t *in, uint8_t *out, size_t len)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ctx_ok(ctx), CCSP_ERR_ARG);
	return gcm_update(ctx, in, out, len);
}

ccsp_err ccsp_sm4_gcm_encrypt_final(ccsp_sm4_gcm_ctx *ctx, uint8_t tag[16])
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ctx_ok(ctx) && tag != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(ctx->encrypt && ctx->phase != PHASE_DONE, CCSP_ERR_STATE);
	gcm_tag(ctx, tag);
	ccsp_memzero(ctx, sizeof *ctx);
	return CCSP_OK;
}

ccsp_err ccsp_sm4_gcm_decrypt_final(ccsp_sm4_gcm_ctx *ctx, const uint8_t tag[16])
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ctx_ok(ctx) && tag != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(!ctx->encrypt && ctx->phase != PHASE_DONE, CCSP_ERR_STATE);
	ccsp_err ret = gcm_check(ctx, tag);
	ccsp_memzero(ctx, sizeof *ctx);
	return ret;
}

/* ---- one-shot ---- */

/* The whole message under a prepared key, then the tag. */
static ccsp_err seal_with(const ccsp_sm4_gcm_key *gk, const uint8_t *iv, size_t ivlen, const uint8_t *aad,
                          size_t aadlen, const uint8_t *in, uint8_t *out, size_t len, uint8_t tag[16])
{
	ccsp_sm4_gcm_ctx ctx;
	ccsp_err ret;
	CCSP_CHECK(gcm_start_keyed(&ctx, gk, iv, ivlen, 1));
	CCSP_CHECK(gcm_aad(&ctx, aad, aadlen));
	CCSP_CHECK(gcm_update(&ctx, in, out, len));
	gcm_tag(&ctx, tag);
out:
	ccsp_memzero(&ctx, sizeof ctx);
	return ret;
}

/* The whole message under a prepared key, then the tag's check; no plaintext is left on a bad tag. */
static ccsp_err open_with(const ccsp_sm4_gcm_key *gk, const uint8_t *iv, size_t ivlen, const uint8_t *aad,
                          size_t aadlen, const uint8_t *in, uint8_t *out, size_t len, const uint8_t tag[16])
{
	ccsp_sm4_gcm_ctx ctx;
	ccsp_err ret;
	CCSP_CHECK(gcm_start_keyed(&ctx, gk, iv, ivlen, 0));
	CCSP_CHECK(gcm_aad(&ctx, aad, aadlen));
	CCSP_CHECK(gcm_update(&ctx, in, out, len));
	if ((ret = gcm_check(&ctx, tag)) != CCSP_OK)
		ccsp_memzero(out, len); /* release no unauthenticated plaintext */
out:
	ccsp_memzero(&ctx, sizeof ctx);
	return ret;
}

ccsp_err ccsp_sm4_gcm_encrypt(const ccsp_sm4_key *k, const uint8_t *iv, size_t ivlen, const uint8_t *aad,
                              size_t aadlen, const uint8_t *in, uint8_t *out, size_t len, uint8_t tag[16])
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ccsp_sm4_key_ok(k) && tag != NULL, CCSP_ERR_ARG);
	ccsp_sm4_gcm_key gk;
	gcm_key_make(&gk, k);
	ccsp_err ret = seal_with(&gk, iv, ivlen, aad, aadlen, in, out, len, tag);
	ccsp_memzero(&gk, sizeof gk);
	return ret;
}

ccsp_err ccsp_sm4_gcm_decrypt(const ccsp_sm4_key *k, const uint8_t *iv, size_t ivlen, const uint8_t *aad,
                              size_t aadlen, const uint8_t *in, uint8_t *out, size_t len, const uint8_t tag[16])
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ccsp_sm4_key_ok(k) && tag != NULL, CCSP_ERR_ARG);
	ccsp_sm4_gcm_key gk;
	gcm_key_make(&gk, k);
	ccsp_err ret = open_with(&gk, iv, ivlen, aad, aadlen, in, out, len, tag);
	ccsp_memzero(&gk, sizeof gk);
	return ret;
}

/* ---- one key, many messages ---- */

static int gcm_key_ok(const ccsp_sm4_gcm_key *gk)
{
	return gk != NULL && ccsp_sm4_key_ok(&gk->key) && gk->ghash_impl != NULL;
}

ccsp_err ccsp_sm4_gcm_key_set(ccsp_sm4_gcm_key *gk, const uint8_t *key, size_t keylen)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(gk != NULL, CCSP_ERR_ARG);
	ccsp_sm4_key k;
	ccsp_err ret = ccsp_sm4_set_key(&k, key, keylen);
	if (ret == CCSP_OK)
		gcm_key_make(gk, &k);
	ccsp_memzero(&k, sizeof k);
	return ret;
}

void ccsp_sm4_gcm_key_wipe(ccsp_sm4_gcm_key *gk)
{
	if (gk != NULL)
		ccsp_memzero(gk, sizeof *gk);
}

ccsp_err ccsp_sm4_gcm_key_encrypt(const ccsp_sm4_gcm_key *gk, const uint8_t *iv, size_t ivlen, const uint8_t *aad,
                                  size_t aadlen, const uint8_t *in, uint8_t *out, size_t len, uint8_t tag[16])
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(gcm_key_ok(gk) && tag != NULL, CCSP_ERR_ARG);
	return seal_with(gk, iv, ivlen, aad, aadlen, in, out, len, tag);
}

ccsp_err ccsp_sm4_gcm_key_decrypt(const ccsp_sm4_gcm_key *gk, const uint8_t *iv, size_t ivlen, const uint8_t *aad,
                                  size_t aadlen, const uint8_t *in, uint8_t *out, size_t len, const uint8_t tag[16])
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(gcm_key_ok(gk) && tag != NULL, CCSP_ERR_ARG);
	return open_with(gk, iv, ivlen, aad, aadlen, in, out, len, tag);
}

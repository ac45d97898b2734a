/* SPDX-License-Identifier: Apache-2.0 */
/* SM4-CTR (GB/T 17964-2021 clause 11): the whole 16-byte block is a big-endian counter, carried
 * over all 128 bits (as OpenSSL's sm4-ctr). */
#include "sm4_internal.h"

#include <ccsp/mem.h>

#include "ct.h"
#include "module.h"

void ccsp_sm4_ctr_blocks(const ccsp_sm4_key *k, uint8_t ctr[16], const uint8_t *in, uint8_t *out,
                         size_t nblocks)
{
	if (k->impl->ctr_blocks != NULL) {
		k->impl->ctr_blocks(k->rk_enc, ctr, in, out, nblocks);
		return;
	}
	uint8_t ks[CCSP_SM4_BATCH * 16];
	uint64_t hi = ccsp_sm4_load64be(ctr), lo = ccsp_sm4_load64be(ctr + 8);
	while (nblocks > 0) {
		size_t n = nblocks < CCSP_SM4_BATCH ? nblocks : CCSP_SM4_BATCH;
		for (size_t i = 0; i < n; i++) {
			ccsp_sm4_store64be(ks + 16 * i, hi);
			ccsp_sm4_store64be(ks + 16 * i + 8, lo);
			/* the barrier keeps the compiler from testing the loop exit on the counter */
			lo = ct_barrier64(lo + 1);
			hi += ct_is_zero64(lo) & 1; /* carry over all 128 bits, without a branch */
		}
		k->impl->crypt_blocks(k->rk_enc, ks, ks, n);
		ccsp_sm4_xor(out, in, ks, 16 * n);
		in += 16 * n;
		out += 16 * n;
		nblocks -= n;
	}
	ccsp_sm4_store64be(ctr, hi);
	ccsp_sm4_store64be(ctr + 8, lo);
	ccsp_memzero(ks, sizeof ks);
}

/* Full blocks, then a keystream block for the tail; returns how many keystream bytes of ks the
 * tail used (0 when len is a multiple of 16). */
static size_t ctr_run(const ccsp_sm4_key *k, uint8_t ctr[16], uint8_t ks[16], const uint8_t *in, uint8_t *out,
                      size_t len)
{
	size_t full = len / 16, tail = len % 16;
	if (full > 0)
		ccsp_sm4_ctr_blocks(k, ctr, in, out, full);
	if (tail == 0)
		return 0;
	memcpy(ks, ctr, 16);
	ccsp_sm4_ctr_add(ctr, 1);
	k->impl->crypt_blocks(k->rk_enc, ks, ks, 1);
	ccsp_sm4_xor(out + 16 * full, in + 16 * full, ks, tail);
	return tail;
}

ccsp_err ccsp_sm4_ctr_crypt(const ccsp_sm4_key *k, const uint8_t iv[16], const uint8_t *in, uint8_t *out, size_t len)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ccsp_sm4_key_ok(k) && iv != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(len == 0 || (in != NULL && out != NULL), CCSP_ERR_ARG);
	uint8_t ctr[16], ks[16];
	memcpy(ctr, iv, 16);
	ctr_run(k, ctr, ks, in, out, len);
	ccsp_memzero(ks, sizeof ks);
	ccsp_memzero(ctr, sizeof ctr);
	return CCSP_OK;
}

ccsp_err ccsp_sm4_ctr_init(ccsp_sm4_ctr_ctx *ctx, const uint8_t *key, size_t keylen, const uint8_t iv[16])
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ctx != NULL && iv != NULL, CCSP_ERR_ARG);
	memset(ctx, 0, sizeof *ctx);
	CCSP_GUARD(ccsp_sm4_set_key(&ctx->key, key, keylen));
	memcpy(ctx->ctr, iv, 16);
	ctx->num = 16; /* no keystream left */
	return CCSP_OK;
}

ccsp_err ccsp_sm4_ctr_update(ccsp_sm4_ctr_ctx *ctx, const uint8_t *in, uint8_t *out, size_t len)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ctx != NULL && ccsp_sm4_key_ok(&ctx->key) && ctx->num <= 16, CCSP_ERR_ARG);
	CCSP_ENSURE(len == 0 || (in != NULL && out != NULL), CCSP_ERR_ARG);
	size_t use = 16 - ctx->num < len ? 16 - ctx->num : len;
	ccsp_sm4_xor(out, in, ctx->ks + ctx->num, use);
	ctx->num += use;
	if (len == use)
		return CCSP_OK;
	size_t tail = ctr_run(&ctx->key, ctx->ctr, ctx->ks, in + use, out + use, len - use);
	ctx->num = tail == 0 ? 16 : tail;
	return CCSP_OK;
}

void ccsp_sm4_ctr_wipe(ccsp_sm4_ctr_ctx *ctx)
{
	if (ctx != NULL)
		ccsp_memzero(ctx, sizeof *ctx);
}

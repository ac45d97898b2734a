/* SPDX-License-Identifier: Apache-2.0 */
/* SM3 message padding and the context API (GB/T 32905-2016 clauses 5.2, 5.3, 5.4). */
#include <string.h>

#include <ccsp/mem.h>

#include "module.h"
#include "sm3_internal.h"

/* Clause 4.1: the initial value IV. */
const uint32_t ccsp_sm3_iv[8] = {
	0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e,
};

void ccsp_sm3_ctx_init(ccsp_sm3_ctx *ctx)
{
	memcpy(ctx->state, ccsp_sm3_iv, sizeof ctx->state);
	ctx->nblocks = 0;
	memset(ctx->block, 0, sizeof ctx->block);
	ctx->num = 0;
}

void ccsp_sm3_ctx_update(ccsp_sm3_ctx *ctx, const void *data, size_t len)
{
	const uint8_t *p = data;
	ccsp_sm3_compress_fn compress;

	if (len == 0)
		return;
	compress = ccsp_sm3_compress_active();
	if (ctx->num > 0) {
		size_t take = CCSP_SM3_BLOCK_SIZE - ctx->num;
		if (len < take) {
			memcpy(ctx->block + ctx->num, p, len);
			ctx->num += len;
			return;
		}
		memcpy(ctx->block + ctx->num, p, take);
		compress(ctx->state, ctx->block, 1);
		ctx->nblocks++;
		p += take;
		len -= take;
		ctx->num = 0;
	}
	if (len >= CCSP_SM3_BLOCK_SIZE) {
		size_t n = len / CCSP_SM3_BLOCK_SIZE;
		compress(ctx->state, p, n);
		ctx->nblocks += n;
		p += n * CCSP_SM3_BLOCK_SIZE;
		len -= n * CCSP_SM3_BLOCK_SIZE;
	}
	memcpy(ctx->block, p, len);
	ctx->num = len;
}

void ccsp_sm3_ctx_final(ccsp_sm3_ctx *ctx, uint8_t digest[CCSP_SM3_DIGEST_SIZE])
{
	ccsp_sm3_compress_fn compress = ccsp_sm3_compress_active();
	uint64_t bits = (ctx->nblocks * CCSP_SM3_BLOCK_SIZE + ctx->num) * 8;

	/* Clause 5.2: append bit 1, then k zero bits, then the 64-bit big-endian length. */
	ctx->block[ctx->num++] = 0x80;
	if (ctx->num > CCSP_SM3_BLOCK_SIZE - 8) {
		memset(ctx->block + ctx->num, 0, CCSP_SM3_BLOCK_SIZE - ctx->num);
		compress(ctx->state, ctx->block, 1);
		ctx->num = 0;
	}
	memset(ctx->block + ctx->num, 0, CCSP_SM3_BLOCK_SIZE - 8 - ctx->num);
	ccsp_sm3_store_be32(ctx->block + 56, (uint32_t)(bits >> 32));
	ccsp_sm3_store_be32(ctx->block + 60, (uint32_t)bits);
	compress(ctx->state, ctx->block, 1);
	for (int i = 0; i < 8; i++)
		ccsp_sm3_store_be32(digest + 4 * i, ctx->state[i]);
	ccsp_memzero(ctx, sizeof *ctx);
}

ccsp_err ccsp_sm3_init(ccsp_sm3_ctx *ctx)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ctx != NULL, CCSP_ERR_ARG);
	ccsp_sm3_ctx_init(ctx);
	return CCSP_OK;
}

ccsp_err ccsp_sm3_update(ccsp_sm3_ctx *ctx, const void *data, size_t len)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ctx != NULL && (data != NULL || len == 0), CCSP_ERR_ARG);
	/* A context that was never initialised, or was finalised, or was corrupted. */
	CCSP_ENSURE(ctx->num < CCSP_SM3_BLOCK_SIZE && ctx->nblocks <= CCSP_SM3_MAX_BYTES / CCSP_SM3_BLOCK_SIZE,
	            CCSP_ERR_STATE);
	uint64_t done = ctx->nblocks * CCSP_SM3_BLOCK_SIZE + ctx->num;
	CCSP_ENSURE(len <= CCSP_SM3_MAX_BYTES - done, CCSP_ERR_DATA_LENGTH);
	ccsp_sm3_ctx_update(ctx, data, len);
	return CCSP_OK;
}

ccsp_err ccsp_sm3_final(ccsp_sm3_ctx *ctx, uint8_t digest[CCSP_SM3_DIGEST_SIZE])
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ctx != NULL && digest != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(ctx->num < CCSP_SM3_BLOCK_SIZE && ctx->nblocks <= CCSP_SM3_MAX_BYTES / CCSP_SM3_BLOCK_SIZE,
	            CCSP_ERR_STATE);
	ccsp_sm3_ctx_final(ctx, digest);
	return CCSP_OK;
}

ccsp_err ccsp_sm3(const void *data, size_t len, uint8_t digest[CCSP_SM3_DIGEST_SIZE])
{
	ccsp_sm3_ctx ctx;

	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE((data != NULL || len == 0) && digest != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(len <= CCSP_SM3_MAX_BYTES, CCSP_ERR_DATA_LENGTH);
	ccsp_sm3_ctx_init(&ctx);
	ccsp_sm3_ctx_update(&ctx, data, len);
	ccsp_sm3_ctx_final(&ctx, digest);
	return CCSP_OK;
}

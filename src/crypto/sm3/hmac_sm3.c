/* SPDX-License-Identifier: Apache-2.0 */
/* HMAC-SM3 (GB/T 15852.2-2012 MAC algorithm 2 / RFC 2104 with H = SM3, B = 64, L = 32). */
#include <string.h>

#include <ccsp/mem.h>

#include "ct.h"
#include "hmac_sm3_internal.h"
#include "module.h"

void ccsp_hmac_sm3_ctx_init(ccsp_hmac_sm3_ctx *ctx, const uint8_t *key, size_t keylen)
{
	uint8_t k0[CCSP_SM3_BLOCK_SIZE] = {0};
	uint8_t pad[CCSP_SM3_BLOCK_SIZE];

	/* RFC 2104 section 2: a key longer than B is replaced by H(key), then zero-padded to B. */
	if (keylen > CCSP_SM3_BLOCK_SIZE) {
		ccsp_sm3_ctx_init(&ctx->inner);
		ccsp_sm3_ctx_update(&ctx->inner, key, keylen);
		ccsp_sm3_ctx_final(&ctx->inner, k0);
	} else if (keylen > 0) {
		memcpy(k0, key, keylen);
	}
	for (size_t i = 0; i < sizeof pad; i++)
		pad[i] = k0[i] ^ 0x36;
	ccsp_sm3_ctx_init(&ctx->inner);
	ccsp_sm3_ctx_update(&ctx->inner, pad, sizeof pad);
	for (size_t i = 0; i < sizeof pad; i++)
		pad[i] = k0[i] ^ 0x5c;
	ccsp_sm3_ctx_init(&ctx->outer);
	ccsp_sm3_ctx_update(&ctx->outer, pad, sizeof pad);
	ccsp_memzero(k0, sizeof k0);
	ccsp_memzero(pad, sizeof pad);
}

void ccsp_hmac_sm3_ctx_final(ccsp_hmac_sm3_ctx *ctx, uint8_t mac[CCSP_SM3_DIGEST_SIZE])
{
	uint8_t ih[CCSP_SM3_DIGEST_SIZE];

	ccsp_sm3_ctx_final(&ctx->inner, ih);
	ccsp_sm3_ctx_update(&ctx->outer, ih, sizeof ih);
	ccsp_sm3_ctx_final(&ctx->outer, mac);
	ccsp_memzero(ih, sizeof ih);
	ccsp_memzero(ctx, sizeof *ctx);
}

/* The inner context has absorbed the 64-byte key block, so a valid one holds at least that. */
static int hmac_ctx_valid(const ccsp_hmac_sm3_ctx *ctx)
{
	return ctx->inner.num < CCSP_SM3_BLOCK_SIZE && ctx->inner.nblocks >= 1 &&
	       ctx->outer.num == 0 && ctx->outer.nblocks == 1;
}

ccsp_err ccsp_hmac_sm3_init(ccsp_hmac_sm3_ctx *ctx, const uint8_t *key, size_t keylen)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ctx != NULL && (key != NULL || keylen == 0), CCSP_ERR_ARG);
	ccsp_hmac_sm3_ctx_init(ctx, key, keylen);
	return CCSP_OK;
}

ccsp_err ccsp_hmac_sm3_update(ccsp_hmac_sm3_ctx *ctx, const void *data, size_t len)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ctx != NULL && (data != NULL || len == 0), CCSP_ERR_ARG);
	CCSP_ENSURE(hmac_ctx_valid(ctx), CCSP_ERR_STATE);
	return ccsp_sm3_update(&ctx->inner, data, len);
}

ccsp_err ccsp_hmac_sm3_final(ccsp_hmac_sm3_ctx *ctx, uint8_t mac[CCSP_SM3_DIGEST_SIZE])
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ctx != NULL && mac != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(hmac_ctx_valid(ctx), CCSP_ERR_STATE);
	ccsp_hmac_sm3_ctx_final(ctx, mac);
	return CCSP_OK;
}

ccsp_err ccsp_hmac_sm3(const uint8_t *key, size_t keylen, const void *data, size_t len,
                       uint8_t mac[CCSP_SM3_DIGEST_SIZE])
{
	ccsp_hmac_sm3_ctx ctx;
	ccsp_err ret;

	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE((key != NULL || keylen == 0) && (data != NULL || len == 0) && mac != NULL, CCSP_ERR_ARG);
	ccsp_hmac_sm3_ctx_init(&ctx, key, keylen);
	CCSP_CHECK(ccsp_sm3_update(&ctx.inner, data, len));
	ccsp_hmac_sm3_ctx_final(&ctx, mac);
out:
	ccsp_memzero(&ctx, sizeof ctx);
	return ret;
}

ccsp_err ccsp_hmac_sm3_verify(const uint8_t *key, size_t keylen, const void *data, size_t len,
                              const uint8_t *mac, size_t maclen)
{
	uint8_t expect[CCSP_SM3_DIGEST_SIZE];
	ccsp_err ret;

	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(mac != NULL && maclen >= 1 && maclen <= CCSP_SM3_DIGEST_SIZE, CCSP_ERR_ARG);
	CCSP_CHECK(ccsp_hmac_sm3(key, keylen, data, len, expect));
	ret = ct_memeq(expect, mac, maclen) ? CCSP_OK : CCSP_ERR_AUTH;
out:
	ccsp_memzero(expect, sizeof expect);
	return ret;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* PBKDF2 (RFC 8018 section 5.2) with PRF = HMAC-SM3. */
#include <string.h>

#include <ccsp/mem.h>

#include "hmac_sm3_internal.h"
#include "module.h"

/* RFC 8018 5.2 step 1: dkLen <= (2^32 - 1) * hLen. */
#define PBKDF2_MAX_OUT ((UINT64_C(1) << 32) - 1) * CCSP_SM3_DIGEST_SIZE

/*
 * One iteration U = HMAC(P, U) on a 32-byte message, from the chaining values left after the
 * ipad and opad blocks: both hashes are then exactly one padded block of 64 + 32 bytes.
 */
static void hmac_iterate(ccsp_sm3_compress_fn compress, const uint32_t istate[8], const uint32_t ostate[8],
                         uint8_t block[CCSP_SM3_BLOCK_SIZE])
{
	uint32_t s[8];

	memcpy(s, istate, sizeof s);
	compress(s, block, 1);
	for (int i = 0; i < 8; i++)
		ccsp_sm3_store_be32(block + 4 * i, s[i]);
	memcpy(s, ostate, sizeof s);
	compress(s, block, 1);
	for (int i = 0; i < 8; i++)
		ccsp_sm3_store_be32(block + 4 * i, s[i]);
	ccsp_memzero(s, sizeof s);
}

/* T_i = U_1 ^ U_2 ^ ... ^ U_c with U_1 = PRF(P, S || INT(i)) (RFC 8018 5.2 step 3). */
static void pbkdf2_block(const ccsp_hmac_sm3_ctx *prf, const uint8_t *salt, size_t saltlen, uint32_t iterations,
                         uint32_t i, uint8_t t[CCSP_SM3_DIGEST_SIZE])
{
	ccsp_sm3_compress_fn compress = ccsp_sm3_compress_active();
	ccsp_hmac_sm3_ctx ctx = *prf;
	uint8_t block[CCSP_SM3_BLOCK_SIZE] = {0};
	uint8_t ibuf[4];

	ccsp_sm3_store_be32(ibuf, i);
	ccsp_sm3_ctx_update(&ctx.inner, salt, saltlen);
	ccsp_sm3_ctx_update(&ctx.inner, ibuf, sizeof ibuf);
	ccsp_hmac_sm3_ctx_final(&ctx, block);
	memcpy(t, block, CCSP_SM3_DIGEST_SIZE);
	/* SM3 padding of a 96-byte message (clause 5.2): 0x80, zeros, length 768 bits. */
	block[CCSP_SM3_DIGEST_SIZE] = 0x80;
	block[62] = 0x03;
	for (uint32_t j = 1; j < iterations; j++) {
		hmac_iterate(compress, prf->inner.state, prf->outer.state, block);
		for (int k = 0; k < CCSP_SM3_DIGEST_SIZE; k++)
			t[k] ^= block[k];
	}
	ccsp_memzero(block, sizeof block);
	ccsp_memzero(&ctx, sizeof ctx);
}

ccsp_err ccsp_pbkdf2_sm3(const uint8_t *password, size_t passlen, const uint8_t *salt, size_t saltlen,
                         uint32_t iterations, uint8_t *out, size_t outlen)
{
	ccsp_hmac_sm3_ctx prf;
	uint8_t t[CCSP_SM3_DIGEST_SIZE];

	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE((password != NULL || passlen == 0) && (salt != NULL || saltlen == 0), CCSP_ERR_ARG);
	CCSP_ENSURE(out != NULL && outlen >= 1 && (uint64_t)outlen <= PBKDF2_MAX_OUT, CCSP_ERR_ARG);
	CCSP_ENSURE(iterations >= 1, CCSP_ERR_ARG);
	CCSP_ENSURE((uint64_t)saltlen < (UINT64_C(1) << 60), CCSP_ERR_DATA_LENGTH);

	ccsp_hmac_sm3_ctx_init(&prf, password, passlen);
	for (uint32_t i = 1; outlen > 0; i++) {
		size_t n = outlen < sizeof t ? outlen : sizeof t;
		pbkdf2_block(&prf, salt, saltlen, iterations, i, t);
		memcpy(out, t, n);
		out += n;
		outlen -= n;
	}
	ccsp_memzero(&prf, sizeof prf);
	ccsp_memzero(t, sizeof t);
	return CCSP_OK;
}

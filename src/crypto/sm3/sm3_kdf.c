/* SPDX-License-Identifier: Apache-2.0 */
/* SM3-KDF: the key derivation function of GB/T 32918.4-2016 clause 5.4.3 with H = SM3. */
#include <string.h>

#include <ccsp/mem.h>

#include "module.h"
#include "sm3_internal.h"

/* Clause 5.4.3: klen < (2^32 - 1) * v. */
#define SM3_KDF_MAX_OUT ((UINT64_C(1) << 32) - 2) * CCSP_SM3_DIGEST_SIZE

ccsp_err ccsp_sm3_kdf(const uint8_t *z, size_t zlen, uint8_t *out, size_t outlen)
{
	ccsp_sm3_ctx base, ctx;
	uint8_t block[CCSP_SM3_DIGEST_SIZE], ctbuf[4];
	uint32_t ct = 1;

	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE((z != NULL || zlen == 0) && out != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(outlen >= 1 && (uint64_t)outlen <= SM3_KDF_MAX_OUT, CCSP_ERR_ARG);
	CCSP_ENSURE((uint64_t)zlen < (UINT64_C(1) << 61) - 4, CCSP_ERR_DATA_LENGTH);

	/* Z is absorbed once; each block continues from a copy of that state. */
	ccsp_sm3_ctx_init(&base);
	ccsp_sm3_ctx_update(&base, z, zlen);
	while (outlen > 0) {
		size_t n = outlen < sizeof block ? outlen : sizeof block;
		ctx = base;
		ccsp_sm3_store_be32(ctbuf, ct++);
		ccsp_sm3_ctx_update(&ctx, ctbuf, sizeof ctbuf);
		ccsp_sm3_ctx_final(&ctx, block);
		memcpy(out, block, n);
		out += n;
		outlen -= n;
	}
	ccsp_memzero(&base, sizeof base);
	ccsp_memzero(&ctx, sizeof ctx);
	ccsp_memzero(block, sizeof block);
	return CCSP_OK;
}

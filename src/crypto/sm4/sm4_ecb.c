/* SPDX-License-Identifier: Apache-2.0 */
/* SM4-ECB (GB/T 17964-2021 clause 6). */
#include "sm4_internal.h"

#include "module.h"

static ccsp_err ecb(const ccsp_sm4_key *k, const uint32_t *rk, const uint8_t *in, uint8_t *out, size_t len)
{
	CCSP_ENSURE(len == 0 || (in != NULL && out != NULL), CCSP_ERR_ARG);
	CCSP_ENSURE(len % CCSP_SM4_BLOCK_SIZE == 0, CCSP_ERR_DATA_LENGTH);
	if (len > 0)
		k->impl->crypt_blocks(rk, in, out, len / CCSP_SM4_BLOCK_SIZE);
	return CCSP_OK;
}

ccsp_err ccsp_sm4_ecb_encrypt(const ccsp_sm4_key *k, const uint8_t *in, uint8_t *out, size_t len)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ccsp_sm4_key_ok(k), CCSP_ERR_ARG);
	return ecb(k, k->rk_enc, in, out, len);
}

ccsp_err ccsp_sm4_ecb_decrypt(const ccsp_sm4_key *k, const uint8_t *in, uint8_t *out, size_t len)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ccsp_sm4_key_ok(k), CCSP_ERR_ARG);
	return ecb(k, k->rk_dec, in, out, len);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* SM4-OFB (GB/T 17964-2021 clause 10): the keystream is the iterated encryption of the IV, so it
 * is computed block by block. */
#include "sm4_internal.h"

#include <ccsp/mem.h>

#include "module.h"

ccsp_err ccsp_sm4_ofb_crypt(const ccsp_sm4_key *k, const uint8_t iv[16], const uint8_t *in, uint8_t *out, size_t len)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ccsp_sm4_key_ok(k) && iv != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(len == 0 || (in != NULL && out != NULL), CCSP_ERR_ARG);
	uint8_t ks[16];
	memcpy(ks, iv, 16);
	size_t full = len / 16, rest = len % 16;
	k->impl->serial_blocks(k->rk_enc, CCSP_SM4_FB_OFB, ks, in, out, full);
	if (rest > 0) {
		k->impl->crypt_blocks(k->rk_enc, ks, ks, 1);
		ccsp_sm4_xor(out + 16 * full, in + 16 * full, ks, rest);
	}
	ccsp_memzero(ks, sizeof ks);
	return CCSP_OK;
}

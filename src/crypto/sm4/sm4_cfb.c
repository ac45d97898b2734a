/* SPDX-License-Identifier: Apache-2.0 */
/* SM4-CFB with 128-bit feedback (GB/T 17964-2021 clause 9, j = 128). Encryption is serial;
 * decryption encrypts the previous ciphertext blocks in batches. */
#include "sm4_internal.h"

#include <ccsp/mem.h>

#include "module.h"

ccsp_err ccsp_sm4_cfb_encrypt(const ccsp_sm4_key *k, const uint8_t iv[16], const uint8_t *in, uint8_t *out, size_t len)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ccsp_sm4_key_ok(k) && iv != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(len == 0 || (in != NULL && out != NULL), CCSP_ERR_ARG);
	uint8_t fb[16];
	size_t full = len / 16, rest = len % 16;
	memcpy(fb, iv, 16);
	k->impl->serial_blocks(k->rk_enc, CCSP_SM4_FB_CFB, fb, in, out, full);
	if (rest > 0) { /* a partial last block: its keystream is E(last ciphertext block) */
		k->impl->crypt_blocks(k->rk_enc, fb, fb, 1);
		ccsp_sm4_xor(out + 16 * full, in + 16 * full, fb, rest);
	}
	ccsp_memzero(fb, sizeof fb);
	return CCSP_OK;
}

ccsp_err ccsp_sm4_cfb_decrypt(const ccsp_sm4_key *k, const uint8_t iv[16], const uint8_t *in, uint8_t *out, size_t len)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ccsp_sm4_key_ok(k) && iv != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(len == 0 || (in != NULL && out != NULL), CCSP_ERR_ARG);
	uint8_t ks[CCSP_SM4_BATCH * 16], prev[16];
	memcpy(prev, iv, 16);
	while (len > 0) {
		size_t chunk = len < sizeof ks ? len : sizeof ks;
		size_t nb = (chunk + 15) / 16;
		/* cipher inputs: the previous ciphertext block of each block of the chunk; read them
		 * all before writing out, which may be in */
		memcpy(ks, prev, 16);
		memcpy(ks + 16, in, 16 * (nb - 1));
		if (chunk == 16 * nb)
			memcpy(prev, in + chunk - 16, 16);
		k->impl->crypt_blocks(k->rk_enc, ks, ks, nb);
		ccsp_sm4_xor(out, in, ks, chunk);
		in += chunk;
		out += chunk;
		len -= chunk;
	}
	ccsp_memzero(ks, sizeof ks);
	return CCSP_OK;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* SM4 CBC-MAC: GB/T 15852.1-2020 MAC algorithm 1 without padding (the input is whole blocks) and
 * with the IV chained in, i.e. the last block of the CBC encryption. */
#include "sm4_internal.h"

#include <ccsp/mem.h>

#include "module.h"

ccsp_err ccsp_sm4_cbc_mac(const ccsp_sm4_key *k, const uint8_t iv[16], const uint8_t *in, size_t len, uint8_t mac[16])
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ccsp_sm4_key_ok(k) && iv != NULL && in != NULL && mac != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(len > 0 && len % 16 == 0, CCSP_ERR_DATA_LENGTH);
	uint8_t v[16];
	memcpy(v, iv, 16);
	k->impl->serial_blocks(k->rk_enc, CCSP_SM4_FB_CBC, v, in, NULL, len / 16);
	memcpy(mac, v, 16);
	ccsp_memzero(v, sizeof v);
	return CCSP_OK;
}

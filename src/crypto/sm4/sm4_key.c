/* SPDX-License-Identifier: Apache-2.0 */
/* SM4 key schedule (GB/T 32907-2016 clause 7.3), constant time: tau is the S-box circuit. */
#include "sm4_internal.h"

#include <ccsp/mem.h>

#include "module.h"

/* System parameter FK (GB/T 32907 7.3.2). */
static const uint32_t FK[4] = {0xa3b1bac6, 0x56aa3350, 0x677d9197, 0xb27022dc};

static inline uint32_t rotl32(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

/* Fixed parameter CK_i: byte j is (4i + j) * 7 mod 256 (GB/T 32907 7.3.2). */
static uint32_t ck(unsigned i)
{
	uint32_t v = 0;
	for (unsigned j = 0; j < 4; j++)
		v = (v << 8) | (((4 * i + j) * 7) & 0xff);
	return v;
}

static void expand_key(uint32_t rk[32], const uint8_t key[16])
{
	uint32_t K[4], t;
	for (int i = 0; i < 4; i++)
		K[i] = (((uint32_t)key[4 * i] << 24) | ((uint32_t)key[4 * i + 1] << 16) |
		        ((uint32_t)key[4 * i + 2] << 8) | key[4 * i + 3]) ^ FK[i];
	for (unsigned i = 0; i < 32; i++) {
		t = K[(i + 1) & 3] ^ K[(i + 2) & 3] ^ K[(i + 3) & 3] ^ ck(i);
		ccsp_sm4_ct_tau(&t, 1);
		/* L'(B) = B ^ (B <<< 13) ^ (B <<< 23) */
		K[i & 3] ^= t ^ rotl32(t, 13) ^ rotl32(t, 23);
		rk[i] = K[i & 3];
	}
	ccsp_memzero(K, sizeof K);
	ccsp_memzero(&t, sizeof t);
}

ccsp_err ccsp_sm4_set_key_impl(ccsp_sm4_key *k, const uint8_t *key, size_t keylen, const ccsp_sm4_impl *impl)
{
	CCSP_ENSURE(k != NULL && key != NULL && impl != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(keylen == CCSP_SM4_KEY_SIZE, CCSP_ERR_KEY_LENGTH);
	expand_key(k->rk_enc, key);
	/* Decryption is encryption with the round keys reversed (GB/T 32907 7.2). */
	for (int i = 0; i < 32; i++)
		k->rk_dec[i] = k->rk_enc[31 - i];
	k->impl = impl;
	return CCSP_OK;
}

ccsp_err ccsp_sm4_set_key(ccsp_sm4_key *k, const uint8_t *key, size_t keylen)
{
	CCSP_GUARD(ccsp_module_ready());
	return ccsp_sm4_set_key_impl(k, key, keylen, ccsp_sm4_impl_best());
}

void ccsp_sm4_key_wipe(ccsp_sm4_key *k)
{
	if (k != NULL)
		ccsp_memzero(k, sizeof *k);
}

const char *ccsp_sm4_key_impl_name(const ccsp_sm4_key *k)
{
	if (k == NULL || k->impl == NULL)
		return "none";
	return k->impl->name;
}

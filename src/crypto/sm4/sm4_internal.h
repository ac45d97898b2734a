/* SPDX-License-Identifier: Apache-2.0 */
/* Internal helpers shared by the SM4 mode files (not an implementation interface). */
#ifndef CCSP_SM4_INTERNAL_H
#define CCSP_SM4_INTERNAL_H

#include <string.h>

#include "sm4_impl.h"

/* Constant-time tau (S-box on each byte) of n <= 16 words, in place (sm4_ct.c). */
void ccsp_sm4_ct_tau(uint32_t *w, size_t n);

/* Blocks per batch handed to the implementation by the generic mode code: a full pass of the
 * 128-lane portable kernel (and plenty for SIMD ones), 2 KiB of stack. */
#define CCSP_SM4_BATCH 128

/* Common argument check of the block modes: a key that was set, buffers present when len > 0. */
static inline int ccsp_sm4_key_ok(const ccsp_sm4_key *k)
{
	return k != NULL && k->impl != NULL;
}

static inline uint64_t ccsp_sm4_load64be(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return __builtin_bswap64(v);
}

static inline void ccsp_sm4_store64be(uint8_t *p, uint64_t v)
{
	v = __builtin_bswap64(v);
	memcpy(p, &v, 8);
}

static inline void ccsp_sm4_xor(uint8_t *out, const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x, y;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		x ^= y;
		memcpy(out + i, &x, 8);
	}
	for (; i < n; i++)
		out[i] = a[i] ^ b[i];
}

/* 128-bit big-endian counter += n. */
static inline void ccsp_sm4_ctr_add(uint8_t ctr[16], uint64_t n)
{
	for (int i = 15; i >= 0; i--) {
		n += ctr[i];
		ctr[i] = (uint8_t)n;
		n >>= 8;
	}
}

/* out = in XOR E(ctr), E(ctr+1), ...; ctr advanced by nblocks; uses ctr_blocks when offered. */
void ccsp_sm4_ctr_blocks(const ccsp_sm4_key *k, uint8_t ctr[16], const uint8_t *in, uint8_t *out,
                         size_t nblocks);

/* CBC over whole blocks, iv updated to the last ciphertext block (sm4_cbc.c). */
void ccsp_sm4_cbc_enc_blocks(const ccsp_sm4_key *k, uint8_t iv[16], const uint8_t *in, uint8_t *out,
                             size_t nblocks);
void ccsp_sm4_cbc_dec_blocks(const ccsp_sm4_key *k, uint8_t iv[16], const uint8_t *in, uint8_t *out,
                             size_t nblocks);

/* XTS on a given implementation (NULL: the best) with a chosen tweak multiplication: gb = 1
 * GB/T 17964-2021, gb = 0 IEEE Std 1619 (for tests and self-tests); sm4_xts.c. */
ccsp_err ccsp_sm4_xts_crypt_impl(const uint8_t key[32], const uint8_t tweak[16], const uint8_t *in, uint8_t *out,
                                 size_t len, int encrypt, int gb, const ccsp_sm4_impl *impl);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: the SM4 block-function implementations. Every mode in sm4_*.c is written once on
 * top of this table; an implementation only provides multi-block primitives.
 */
#ifndef CCSP_SM4_IMPL_H
#define CCSP_SM4_IMPL_H

#include <ccsp/sm4.h>

typedef struct ccsp_sm4_impl {
	const char *name; /* "portable", "aesni-avx2", "gfni-avx512" */
	/* ECB over nblocks blocks with the given round keys (rk_enc or rk_dec). */
	void (*crypt_blocks)(const uint32_t rk[32], const uint8_t *in, uint8_t *out, size_t nblocks);
	/* CTR over nblocks blocks: out = in XOR E(ctr), E(ctr+1), ...; ctr is a 128-bit big-endian
	 * counter and is advanced by nblocks. NULL: the generic code builds counters and calls
	 * crypt_blocks. */
	void (*ctr_blocks)(const uint32_t rk[32], uint8_t ctr[16], const uint8_t *in, uint8_t *out, size_t nblocks);
} ccsp_sm4_impl;

/* The portable constant-time implementation: always present. */
extern const ccsp_sm4_impl ccsp_sm4_impl_portable;

/* Best implementation this CPU supports (decided once from CPUID). */
const ccsp_sm4_impl *ccsp_sm4_impl_best(void);
/* All implementations this CPU supports, portable first, NULL-terminated; for tests and bench. */
const ccsp_sm4_impl *const *ccsp_sm4_impl_list(void);
/* Set a key using a specific implementation (tests and bench). */
ccsp_err ccsp_sm4_set_key_impl(ccsp_sm4_key *k, const uint8_t *key, size_t keylen, const ccsp_sm4_impl *impl);

#endif

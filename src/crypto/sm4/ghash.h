/* SPDX-License-Identifier: Apache-2.0 */
/* Internal: GHASH (NIST SP 800-38D 6.4) implementations for GCM. */
#ifndef CCSP_GHASH_H
#define CCSP_GHASH_H

#include <stddef.h>
#include <stdint.h>

#define CCSP_GHASH_KEY_WORDS 32 /* size of the precomputed key material, in uint64_t */

typedef struct ccsp_ghash_impl {
	const char *name; /* "portable", "clmul", ... */
	/* Precompute key material from the hash subkey H = E_K(0^128). */
	void (*init)(uint64_t key[CCSP_GHASH_KEY_WORDS], const uint8_t H[16]);
	/* X = (X xor in_i) * H for each of nblocks 16-byte blocks. Constant time in H and X. */
	void (*blocks)(const uint64_t key[CCSP_GHASH_KEY_WORDS], uint8_t X[16], const uint8_t *in, size_t nblocks);
} ccsp_ghash_impl;

extern const ccsp_ghash_impl ccsp_ghash_impl_portable;

const ccsp_ghash_impl *ccsp_ghash_impl_best(void);
/* Portable first, NULL-terminated. */
const ccsp_ghash_impl *const *ccsp_ghash_impl_list(void);

#endif

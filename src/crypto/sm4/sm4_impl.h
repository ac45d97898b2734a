/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: the SM4 block-function implementations. Every mode in sm4_*.c is written once on
 * top of this table; an implementation only provides multi-block primitives.
 */
#ifndef CCSP_SM4_IMPL_H
#define CCSP_SM4_IMPL_H

#include <ccsp/sm4.h>

/* How the serial modes chain one block into the next (see serial_blocks). */
typedef enum ccsp_sm4_feedback {
	CCSP_SM4_FB_CBC, /* x_0 = iv ^ in_0, out_n = E(x_n), x_n+1 = out_n ^ in_n+1 */
	CCSP_SM4_FB_CFB, /* x_0 = iv, out_n = in_n ^ E(x_n), x_n+1 = out_n */
	CCSP_SM4_FB_OFB, /* x_0 = iv, out_n = in_n ^ E(x_n), x_n+1 = E(x_n) */
} ccsp_sm4_feedback;

typedef struct ccsp_sm4_impl {
	const char *name; /* "portable", "aesni-avx2", "gfni-avx512" */
	/* ECB over nblocks blocks with the given round keys (rk_enc or rk_dec). */
	void (*crypt_blocks)(const uint32_t rk[32], const uint8_t *in, uint8_t *out, size_t nblocks);
	/* CTR over nblocks blocks: out = in XOR E(ctr), E(ctr+1), ...; ctr is a 128-bit big-endian
	 * counter and is advanced by nblocks. NULL: the generic code builds counters and calls
	 * crypt_blocks. */
	void (*ctr_blocks)(const uint32_t rk[32], uint8_t ctr[16], const uint8_t *in, uint8_t *out, size_t nblocks);
	/* CBC/CFB encryption and OFB over nblocks whole blocks with encryption round keys: each block's
	 * encryption waits for the previous one, so this is the latency-bound path. fb is the IV on
	 * entry and on return the value to chain on from: the last out_n (CBC, CFB) or the last E(x_n)
	 * (OFB). out may equal in; out NULL (CBC only) stores nothing (CBC-MAC: fb is the MAC). */
	void (*serial_blocks)(const uint32_t rk[32], ccsp_sm4_feedback mode, uint8_t fb[16], const uint8_t *in,
	                      uint8_t *out, size_t nblocks);
	const char *serial_name; /* serial_blocks' kernel: "portable", "aesni-serial", "gfni-serial" */
} ccsp_sm4_impl;

/* The portable constant-time implementation: always present. */
extern const ccsp_sm4_impl ccsp_sm4_impl_portable;

#if defined(__x86_64__)
/* The latency-optimised one-block-at-a-time kernel of aesni-avx2 and vaes-avx2 (sm4_aesni_serial.c). */
void ccsp_sm4_aesni_serial_blocks(const uint32_t rk[32], ccsp_sm4_feedback mode, uint8_t fb[16], const uint8_t *in,
                                  uint8_t *out, size_t nblocks);
/* The latency-optimised one-block kernel with GFNI and AVX-512VL (sm4_gfni_serial.c). */
void ccsp_sm4_gfni_serial_blocks(const uint32_t rk[32], ccsp_sm4_feedback mode, uint8_t fb[16], const uint8_t *in,
                                 uint8_t *out, size_t nblocks);
#endif

/* Best implementation this CPU supports (decided once from CPUID). */
const ccsp_sm4_impl *ccsp_sm4_impl_best(void);
/* All implementations this CPU supports, portable first, NULL-terminated; for tests and bench. */
const ccsp_sm4_impl *const *ccsp_sm4_impl_list(void);
/* Set a key using a specific implementation (tests and bench). */
ccsp_err ccsp_sm4_set_key_impl(ccsp_sm4_key *k, const uint8_t *key, size_t keylen, const ccsp_sm4_impl *impl);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: the SM3 compression-function implementations and the unguarded context primitives
 * used by HMAC-SM3, SM3-KDF, PBKDF2 and the other components of the library (DRBG, SM2).
 */
#ifndef CCSP_SM3_INTERNAL_H
#define CCSP_SM3_INTERNAL_H

#include <ccsp/sm3.h>

/* Clause 5.2: the message is shorter than 2^64 bits. */
#define CCSP_SM3_MAX_BYTES ((UINT64_C(1) << 61) - 1)

/* Clause 4.1: the initial value IV. */
extern __attribute__((visibility("hidden"))) const uint32_t ccsp_sm3_iv[8];

/* Compress nblocks consecutive 64-byte blocks into state (GB/T 32905-2016 clause 5.3). */
typedef void (*ccsp_sm3_compress_fn)(uint32_t state[8], const uint8_t *blocks, size_t nblocks);

typedef struct ccsp_sm3_impl {
	const char *name; /* "portable", "bmi2", "avx2-bmi2" */
	ccsp_sm3_compress_fn compress;
} ccsp_sm3_impl;

/* The portable implementation: always present. */
extern const ccsp_sm3_impl ccsp_sm3_impl_portable;
#if defined(__x86_64__)
/* Vector message expansion and rorx rounds; needs AVX2 and BMI2. */
extern const ccsp_sm3_impl ccsp_sm3_impl_avx2_bmi2;
int ccsp_sm3_avx2_bmi2_supported(void);
#endif

/* The implementation in use: the fastest this CPU supports, timed once at first use (sm3_dispatch.c). */
const ccsp_sm3_impl *ccsp_sm3_impl_best(void);
/* All implementations this CPU supports, portable first, NULL-terminated; for tests and bench. */
const ccsp_sm3_impl *const *ccsp_sm3_impl_list(void);
/*
 * Make every SM3 computation of the calling thread (hash, HMAC, KDF, PBKDF2, and the components
 * built on them) use impl; NULL restores the automatic choice. Returns the previous setting. For
 * the self-tests, tests and bench: a context uses the implementation in force at each
 * update/final call, so one context can be driven through several implementations.
 */
const ccsp_sm3_impl *ccsp_sm3_impl_force(const ccsp_sm3_impl *impl);
/* The compression function in force for the calling thread. */
ccsp_sm3_compress_fn ccsp_sm3_compress_active(void);

/*
 * The context operations without the module-state guard and argument checks, for library code
 * that has already done both. The total message length must stay below 2^61 bytes.
 */
void ccsp_sm3_ctx_init(ccsp_sm3_ctx *ctx);
void ccsp_sm3_ctx_update(ccsp_sm3_ctx *ctx, const void *data, size_t len);
void ccsp_sm3_ctx_final(ccsp_sm3_ctx *ctx, uint8_t digest[CCSP_SM3_DIGEST_SIZE]);

static inline uint32_t ccsp_sm3_load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline void ccsp_sm3_store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SM3 (GB/T 32905-2016), HMAC-SM3 (GB/T 15852.2 / RFC 2104), SM3-KDF (GM/T 0003.4 / GB/T 32918.4
 * clause 5.4.3) and PBKDF2-HMAC-SM3 (RFC 8018 with HMAC-SM3).
 *
 * Contexts are caller-allocated and must not be shared between threads without locking; distinct
 * contexts may be used concurrently. Every function returns CCSP_ERR_MODULE_STATE when the module
 * is in the error state. *_final wipes the context.
 *
 * Errors: CCSP_ERR_ARG for a NULL pointer (a data pointer may be NULL when its length is 0) or a
 * length out of range; CCSP_ERR_STATE for a context that is corrupt, or (HMAC) not initialised or
 * already finalised; CCSP_ERR_DATA_LENGTH when a message would reach 2^61 bytes (clause 5.2 limit).
 */
#ifndef CCSP_SM3_H
#define CCSP_SM3_H

#include "error.h"

#define CCSP_SM3_DIGEST_SIZE 32
#define CCSP_SM3_BLOCK_SIZE 64

typedef struct ccsp_sm3_ctx {
	uint32_t state[8];
	uint64_t nblocks;                   /* compressed 64-byte blocks so far */
	uint8_t block[CCSP_SM3_BLOCK_SIZE]; /* pending partial block */
	size_t num;                         /* bytes pending in block */
} ccsp_sm3_ctx;

CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm3_init(ccsp_sm3_ctx *ctx);
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm3_update(ccsp_sm3_ctx *ctx, const void *data, size_t len);
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm3_final(ccsp_sm3_ctx *ctx, uint8_t digest[CCSP_SM3_DIGEST_SIZE]);
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm3(const void *data, size_t len, uint8_t digest[CCSP_SM3_DIGEST_SIZE]);
/* The compression function this process uses: "portable" or "avx2-bmi2" (x86-64), the faster on this CPU as
 * timed once at first use among those it supports. */
CCSP_API const char *ccsp_sm3_impl_name(void);
/* The multi-buffer implementation the library uses where it hashes many messages at once: "serial" (one after
 * the other), "avx2-x8" or "avx512-2x16" (x86-64: 8, or 2 x 16, messages in vector lanes), the fastest per message
 * of the vector ones this CPU supports, as timed once at first use. */
CCSP_API const char *ccsp_sm3_mb_impl_name(void);

typedef struct ccsp_hmac_sm3_ctx {
	ccsp_sm3_ctx inner;
	ccsp_sm3_ctx outer;
} ccsp_hmac_sm3_ctx;

/* Any key length (longer than 64 bytes is hashed first, per RFC 2104). */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_hmac_sm3_init(ccsp_hmac_sm3_ctx *ctx, const uint8_t *key, size_t keylen);
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_hmac_sm3_update(ccsp_hmac_sm3_ctx *ctx, const void *data, size_t len);
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_hmac_sm3_final(ccsp_hmac_sm3_ctx *ctx, uint8_t mac[CCSP_SM3_DIGEST_SIZE]);
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_hmac_sm3(const uint8_t *key, size_t keylen, const void *data, size_t len,
                                                uint8_t mac[CCSP_SM3_DIGEST_SIZE]);
/* Constant-time check of a received MAC (maclen 1..32, a truncated MAC is compared on its prefix).
 * CCSP_OK when it matches, CCSP_ERR_AUTH when it does not. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_hmac_sm3_verify(const uint8_t *key, size_t keylen, const void *data, size_t len,
                                                       const uint8_t *mac, size_t maclen);

/* SM3-KDF: out = leftmost outlen bytes of SM3(z||ct=1) || SM3(z||ct=2) || ... (32-bit big-endian ct). */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm3_kdf(const uint8_t *z, size_t zlen, uint8_t *out, size_t outlen);

/* PBKDF2 (RFC 8018 5.2) with PRF = HMAC-SM3. iterations >= 1; outlen >= 1. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_pbkdf2_sm3(const uint8_t *password, size_t passlen, const uint8_t *salt,
                                                  size_t saltlen, uint32_t iterations, uint8_t *out, size_t outlen);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: SHA-256 (FIPS 180-4) and PBKDF2-HMAC-SHA256 (RFC 8018 clause 5.2, RFC 2104), used only
 * to read and write PBES2 key files that the openssl 3.0 tool can handle (it knows no HMAC-SM3 PRF).
 * Not an approved algorithm of the module and not exported.
 */
#ifndef CCSP_SHA256_H
#define CCSP_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#define CCSP_SHA256_DIGEST_SIZE 32

typedef struct ccsp_sha256_ctx {
	uint32_t h[8];
	uint64_t bytes;
	uint8_t block[64];
	size_t num;
} ccsp_sha256_ctx;

void ccsp_sha256_init(ccsp_sha256_ctx *c);
void ccsp_sha256_update(ccsp_sha256_ctx *c, const void *data, size_t len);
/* Wipes the context. */
void ccsp_sha256_final(ccsp_sha256_ctx *c, uint8_t out[CCSP_SHA256_DIGEST_SIZE]);

/* iterations >= 1, outlen >= 1. */
CCSP_MUST_CHECK ccsp_err ccsp_pbkdf2_sha256(const uint8_t *pass, size_t passlen, const uint8_t *salt, size_t saltlen,
                                            uint32_t iterations, uint8_t *out, size_t outlen);

#endif

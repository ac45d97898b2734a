/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: EncryptedPrivateKeyInfo (RFC 5958 clause 3) with PBES2 (RFC 8018 clause 6.2):
 * PBKDF2 (HMAC-SM3, or HMAC-SHA256 for openssl 3.0) and SM4-CBC with PKCS#7 padding.
 */
#ifndef CCSP_PBE_PBES2_H
#define CCSP_PBE_PBES2_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#define CCSP_PBES2_SALT_SIZE 16
#define CCSP_PBES2_MAX_ITERATIONS 10000000

/* The PBKDF2 PRF: HMAC-SM3, or HMAC-SHA256 for files the openssl 3.0 tool must read. The SM2 key files'
 * public ccsp_sm2_pbe_prf names the same two (sm2_keyfile.c maps it). */
typedef enum ccsp_pbes2_prf {
	CCSP_PBES2_HMAC_SM3 = 0,
	CCSP_PBES2_HMAC_SHA256 = 1,
} ccsp_pbes2_prf;

/* Encrypt plain (a PrivateKeyInfo) under pass with a fresh salt and IV from ccsp_random(); writes the
 * EncryptedPrivateKeyInfo DER. */
CCSP_MUST_CHECK ccsp_err ccsp_pbes2_encrypt(const uint8_t *pass, size_t passlen, ccsp_pbes2_prf prf,
                                            uint32_t iterations, const uint8_t *plain, size_t plainlen,
                                            uint8_t *out, size_t outcap, size_t *outlen);

/* Parse an EncryptedPrivateKeyInfo and decrypt its content into out. CCSP_ERR_UNSUPPORTED for other
 * schemes, PRFs, ciphers or more than max_iterations; CCSP_ERR_PASSWORD for a missing password or bad
 * padding (a wrong password, almost always); CCSP_ERR_DECODE for malformed DER. out is wiped on error. */
CCSP_MUST_CHECK ccsp_err ccsp_pbes2_decrypt(const uint8_t *der, size_t len, const uint8_t *pass, size_t passlen,
                                            uint32_t max_iterations, uint8_t *out, size_t outcap, size_t *outlen);

#endif

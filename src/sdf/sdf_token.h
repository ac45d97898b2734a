/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client's VSM token at rest (T/TCCIA 0002 7.8: credentials are not kept as plaintext in client
 * configuration). vsmd --init writes it sealed; libsdf unseals it in memory when SDF_OpenDevice runs.
 *
 * Sealed file = "CCSPTOK1" | salt (16) | iv (16) | SM4-CTR(token) | HMAC-SM3 tag (32) over everything before it.
 * Keys: PBKDF2-HMAC-SM3(pass, salt, 10000 iterations) -> 48 bytes = SM4 key (16) || MAC key (32).
 * pass = the environment variable CCSP_SDF_PIN when set and not empty (an operator-held secret: the file alone
 * is then useless; an empty value counts as unset), else the host's machine id (/etc/machine-id, trailing
 * newline removed): the file does not work when copied to another host.
 * Against root on the same host without a PIN it is obfuscation only — said so in docs/sdf.md.
 * Implemented with OpenSSL's SM3/SM4 so that libsdf does not embed the crypto module.
 */
#ifndef CCSP_SDF_TOKEN_H
#define CCSP_SDF_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#define CCSP_SDF_TOKEN_MIN 8 /* = CCSP_VSM_TOKEN_MIN (src/vsm/vsm.h; checked in vsmd_auth.c) */
#define CCSP_SDF_TOKEN_MAX 64

/* Seal token (8..64 bytes) into path (mode 0600 whatever the umask, atomic: ccsp_atomic_write). CCSP_ERR_ARG
 * (NULL, length out of range), CCSP_ERR_RNG, CCSP_ERR_IO (writing; or no CCSP_SDF_PIN and no readable machine
 * id), CCSP_ERR_INTERNAL (OpenSSL without SM3/SM4). Thread-safe. */
CCSP_MUST_CHECK ccsp_err ccsp_sdf_token_seal(const char *path, const uint8_t *token, size_t len);
/* Unseal path into token[CCSP_SDF_TOKEN_MAX], *len. CCSP_ERR_AUTH when the pass does not match (another host,
 * wrong or missing CCSP_SDF_PIN) or the file was altered; CCSP_ERR_FILE_NOT_FOUND, CCSP_ERR_IO (also: no PIN
 * and no readable machine id), CCSP_ERR_DECODE (not a sealed token: wrong magic, shorter or longer than any
 * sealed token), CCSP_ERR_ARG. The tag is checked in constant time before anything is decrypted; on failure
 * token is wiped and *len is 0. The caller wipes token after use. Thread-safe. */
CCSP_MUST_CHECK ccsp_err ccsp_sdf_token_unseal(const char *path, uint8_t token[CCSP_SDF_TOKEN_MAX], size_t *len);

#endif

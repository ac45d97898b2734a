/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtual security module (VSM): a crypto module in the GB/T 37092 sense, level 2, with its own keys.
 * This is its logic, free of any transport: vsmd serves it over the SDF wire protocol, tests call it directly.
 *
 * A VSM lives in a state directory:
 *     keystore.bin   keys (src/vsm/vsm_keystore.h), SM4-GCM under the storage key
 *     audit.log      security events chained with HMAC-SM3 (src/vsm/vsm_audit.h)
 *     files/         the GM/T 0018 file area, each file SM4-GCM under a key derived from the storage key
 *     token.hash     SM3 of the client token (never the token)
 * The storage key is given by the caller (vsmd reads it from a 0600 file in dev mode or from an inherited
 * descriptor under chsmd). Sub-keys are derived from it with SM3-KDF and distinct labels.
 *
 * States (docs/security-policy.md): init -> self-test -> operational <-> error; stopped (freed). In the error
 * state every service answers CCSP_ERR_MODULE_STATE.
 *
 * Sessions belong to an owner (a device context of vsmd: one SDF_OpenDevice of one client). Every session
 * function takes the owner, so a session id of another owner is CCSP_ERR_HANDLE, as if it did not exist.
 * Thread safety: every function may be called from any thread. Calls on one session are serialised.
 */
#ifndef CCSP_VSM_H
#define CCSP_VSM_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>
#include <ccsp/sm2.h>

#include "vsm/vsm_keystore.h"

typedef struct ccsp_vsm ccsp_vsm;
typedef struct ccsp_vsm_session ccsp_vsm_session;

typedef enum ccsp_vsm_state {
	CCSP_VSM_STATE_INIT = 0,
	CCSP_VSM_STATE_SELFTEST = 1,
	CCSP_VSM_STATE_OPERATIONAL = 2,
	CCSP_VSM_STATE_ERROR = 3,
	CCSP_VSM_STATE_STOPPED = 4,
} ccsp_vsm_state;

typedef struct ccsp_vsm_limits {
	uint32_t max_index;       /* key indices 1..max_index per table (default 1024) */
	uint32_t max_sessions;    /* open sessions in the whole VSM (default 1024) */
	uint32_t max_session_keys;/* session-key handles per session (default 256) */
	uint32_t max_files;       /* files in the file area (default 256) */
	uint32_t max_file_size;   /* bytes per file (default 1 MiB) */
	uint64_t file_quota;      /* bytes of all files together (default 16 MiB) */
} ccsp_vsm_limits;

#define CCSP_VSM_SESSION_KEY_MAX 32 /* bytes: SM4 (16) or SM4-XTS (32) */
#define CCSP_VSM_FILE_NAME_MAX 128  /* GM/T 0018-2023 6.7 */
#define CCSP_VSM_SM2_PLAIN_MAX 65536 /* bytes one SM2 encryption may carry (ECCCipher.L is 32-bit; we bound it) */

void ccsp_vsm_limits_default(ccsp_vsm_limits *lim);

/* ---- lifecycle ---- */

/* Open the VSM in dir (created if missing, mode 0700) with its 16-byte storage key: run the module's self-tests
 * (ccsp_selftest), open the keystore, the audit log and the file area. On a self-test failure the VSM is
 * returned in the error state (so that it can still report it) and CCSP_ERR_SELFTEST is returned with *out
 * set; on other failures *out is NULL. CCSP_ERR_TAMPERED when the keystore or audit log fails its check. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_open(const char *dir, const uint8_t storage_key[CCSP_VSM_STORAGE_KEY_SIZE],
                                       const ccsp_vsm_limits *lim, ccsp_vsm **out);
/* Close every session (wiping its keys), wipe everything, free. NULL is ignored. */
void ccsp_vsm_free(ccsp_vsm *vsm);
ccsp_vsm_state ccsp_vsm_get_state(const ccsp_vsm *vsm);
const char *ccsp_vsm_state_name(ccsp_vsm_state s);
const ccsp_vsm_limits *ccsp_vsm_get_limits(const ccsp_vsm *vsm);
/* Record a security event in the audit log (no secrets). Failures to write the log put the VSM in the error
 * state: a module that cannot audit stops serving. */
void ccsp_vsm_audit_event(ccsp_vsm *vsm, const char *event, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The audit log's path and key, for ccsp_vsm_audit_verify (crypto officer). */
const char *ccsp_vsm_audit_path(const ccsp_vsm *vsm);
void ccsp_vsm_audit_key(const ccsp_vsm *vsm, uint8_t key[32]);

/* ---- client token (stored as SM3 hash) ---- */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_token_set(ccsp_vsm *vsm, const uint8_t *token, size_t len);
/* CCSP_OK or CCSP_ERR_TOKEN (also when no token is set). Constant time in the token. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_token_check(ccsp_vsm *vsm, const uint8_t *token, size_t len);

/* ---- crypto officer ---- */
ccsp_vsm_keystore *ccsp_vsm_get_keystore(ccsp_vsm *vsm);
/* Zeroise: close all sessions, delete every key and file, reset the token, start a new audit log chain
 * entry "vsm.reset". The VSM stays operational and empty. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_reset(ccsp_vsm *vsm);

/* ---- sessions ---- */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_session_open(ccsp_vsm *vsm, uint64_t owner, uint64_t *id);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_session_close(ccsp_vsm *vsm, uint64_t owner, uint64_t id);
/* Close every session of owner (its client went away). */
void ccsp_vsm_session_close_owner(ccsp_vsm *vsm, uint64_t owner);
/* Take the session for one call (locks it); CCSP_ERR_HANDLE when unknown or of another owner. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_session_acquire(ccsp_vsm *vsm, uint64_t owner, uint64_t id, ccsp_vsm_session **s);
void ccsp_vsm_session_release(ccsp_vsm_session *s);
uint32_t ccsp_vsm_session_count(ccsp_vsm *vsm);

/* ---- operations on an acquired session (GM/T 0018 semantics; docs/sdf.md) ---- */

/* Device (6.2) */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_random(ccsp_vsm_session *s, uint8_t *out, size_t len);
/* Check the index's password and grant the session the right to use its private keys. Failures are audited
 * and slowed down. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_get_access_right(ccsp_vsm_session *s, uint32_t index, const uint8_t *pw,
                                                   size_t pwlen);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_release_access_right(ccsp_vsm_session *s, uint32_t index);

/* Public keys and internal-key operations (6.3, 6.4). Public keys are 64 bytes x||y, signatures 64 bytes r||s,
 * SM2 ciphertexts C1(x||y) || C3 || C2 (msglen + 96 bytes). */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_export_public(ccsp_vsm_session *s, ccsp_vsm_key_kind kind, uint32_t index,
                                                uint8_t pub[64]);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_internal_sign(ccsp_vsm_session *s, uint32_t index, const uint8_t e[32],
                                                uint8_t sig[64]);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_internal_verify(ccsp_vsm_session *s, uint32_t index, const uint8_t e[32],
                                                  const uint8_t sig[64]);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_external_verify(ccsp_vsm_session *s, const uint8_t pub[64], const uint8_t e[32],
                                                  const uint8_t sig[64]);
/* out: msglen + 96 bytes */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_external_encrypt(ccsp_vsm_session *s, const uint8_t pub[64], const uint8_t *msg,
                                                   size_t msglen, uint8_t *out);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_internal_encrypt(ccsp_vsm_session *s, uint32_t index, const uint8_t *msg,
                                                   size_t msglen, uint8_t *out);
/* ct: ctlen > 96 bytes; out: ctlen - 96 bytes. Uses the encryption key pair (needs the access right). */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_internal_decrypt(ccsp_vsm_session *s, uint32_t index, const uint8_t *ct,
                                                   size_t ctlen, uint8_t *out);
/* 6.8 validation functions: a fresh key pair returned in plaintext, and operations with a caller's key. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_generate_key_pair(ccsp_vsm_session *s, uint8_t pub[64], uint8_t priv[32]);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_external_sign(ccsp_vsm_session *s, const uint8_t priv[32], const uint8_t e[32],
                                                uint8_t sig[64]);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_external_decrypt(ccsp_vsm_session *s, const uint8_t priv[32], const uint8_t *ct,
                                                   size_t ctlen, uint8_t *out);

/* Session keys (6.3). bits: 128 (SM4) or 256 (SM4-XTS key pair). Handles are nonzero and unguessable. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_key_generate_ipk(ccsp_vsm_session *s, uint32_t index, uint32_t bits, uint8_t *ct,
                                                   size_t *ctlen, uint64_t *handle);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_key_generate_epk(ccsp_vsm_session *s, const uint8_t pub[64], uint32_t bits,
                                                   uint8_t *ct, size_t *ctlen, uint64_t *handle);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_key_import_isk(ccsp_vsm_session *s, uint32_t index, const uint8_t *ct, size_t ctlen,
                                                 uint64_t *handle);
/* Under a KEK with SM4-ECB (GM/T 0018-2023 6.3.16): wrapped = bits/8 bytes. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_key_generate_kek(ccsp_vsm_session *s, uint32_t index, uint32_t bits,
                                                   uint8_t *wrapped, size_t *wrappedlen, uint64_t *handle);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_key_import_kek(ccsp_vsm_session *s, uint32_t index, const uint8_t *wrapped,
                                                 size_t wrappedlen, uint64_t *handle);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_key_destroy(ccsp_vsm_session *s, uint64_t handle);

/* Symmetric one-shot (6.5): alg is a GM/T 0018 SGD_SM4_* identifier; no padding; iv 16 bytes (ignored for
 * ECB). out has len bytes. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_encrypt(ccsp_vsm_session *s, uint64_t handle, uint32_t alg, const uint8_t iv[16],
                                          const uint8_t *in, size_t len, uint8_t *out);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_decrypt(ccsp_vsm_session *s, uint64_t handle, uint32_t alg, const uint8_t iv[16],
                                          const uint8_t *in, size_t len, uint8_t *out);
/* SGD_SM4_MAC: CBC-MAC, len a multiple of 16, 16-byte MAC. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_mac(ccsp_vsm_session *s, uint64_t handle, uint32_t alg, const uint8_t iv[16],
                                      const uint8_t *in, size_t len, uint8_t mac[16]);
/* SGD_SM4_GCM: iv 1..64 bytes, tag 16 bytes (AuthDec accepts 12..16). */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_auth_enc(ccsp_vsm_session *s, uint64_t handle, uint32_t alg, const uint8_t *iv,
                                           size_t ivlen, const uint8_t *aad, size_t aadlen, const uint8_t *in,
                                           size_t len, uint8_t *out, uint8_t tag[16]);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_auth_dec(ccsp_vsm_session *s, uint64_t handle, uint32_t alg, const uint8_t *iv,
                                           size_t ivlen, const uint8_t *aad, size_t aadlen, const uint8_t *tag,
                                           size_t taglen, const uint8_t *in, size_t len, uint8_t *out);

/* Hash (6.6): SGD_SM3; with pub and id (idlen 1..8191) the Z value of GB/T 35276 is hashed first. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_hash_init(ccsp_vsm_session *s, uint32_t alg, const uint8_t *pub, const uint8_t *id,
                                            size_t idlen);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_hash_update(ccsp_vsm_session *s, const uint8_t *in, size_t len);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_hash_final(ccsp_vsm_session *s, uint8_t out[32]);
/* HMAC-SM3 with a session key (2023 6.6). */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_hmac_init(ccsp_vsm_session *s, uint64_t handle, uint32_t alg);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_hmac_update(ccsp_vsm_session *s, const uint8_t *in, size_t len);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_hmac_final(ccsp_vsm_session *s, uint8_t out[32]);

#endif

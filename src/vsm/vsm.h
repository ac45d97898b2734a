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
#define CCSP_VSM_AUTH_DEC_MAX (16u << 20)   /* bytes of plaintext one multi-part AuthDec may withhold */
#define CCSP_VSM_AUTH_DEC_TOTAL (256u << 20) /* ... and all AuthDec operations of the VSM together */

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
/* Token bounds, the same at every layer (configVSMToken, the sealed client token, HELLO): 8 bytes at least, so
 * that the GM/T 0088 example "user-token-001" (14) is taken; a token is checked in constant time, every refusal is
 * audited and rate-limited (docs/security-policy.md §8). */
#define CCSP_VSM_TOKEN_MIN 8
#define CCSP_VSM_TOKEN_MAX 64
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

/* Vendor extension (docs/sdf.md "SM2 key pairs wrapped under a KEK", vsm_wrapped.c): SM2 pairs whose private
 * key leaves the VSM only sealed by the KEK at kek_index, for a caller (the KMS) that stores them.
 * Wrap (CCSP_VSM_WRAPPED_PAIR_SIZE bytes): version (CCSP_VSM_WRAPPED_VERSION) || usage (CCSP_VSM_KEY_SIGN or
 * _ENC) || iv (12) || d sealed (32) || tag (16): ccsp_vsm_keystore_kek_seal with the first two bytes as AAD.
 * generate: usage CCSP_VSM_KEY_SIGN or _ENC (else CCSP_ERR_ARG); a fresh pair from the DRBG (pairwise-checked by
 * the core), its public key x||y into pub. sign / decrypt unwrap, use and wipe the private key (never kept in
 * the session; no access right is involved: the KEK is the authority): CCSP_ERR_KEY for a wrap that does not
 * unwrap (altered, truncated, unknown version, made under another KEK; one that fails its tag is audited as
 * "wrap.refused"), CCSP_ERR_KEY_TYPE for a wrap of the other usage, CCSP_ERR_KEY_NOT_FOUND when no KEK is at
 * kek_index (CCSP_ERR_ARG: out of range). decrypt as ccsp_vsm_external_decrypt: ct ctlen > 96 bytes (C1 x||y, C3,
 * C2), out ctlen - 96 bytes, CCSP_ERR_AUTH when C3 does not match. */
#define CCSP_VSM_WRAPPED_VERSION 1
#define CCSP_VSM_WRAPPED_PAIR_SIZE 62
/* The usage byte of a secret key's sealed wrap (ccsp_vsm_key_generate_kek with SGD_SM4_GCM), and its size for a
 * key of n bytes: version || CCSP_VSM_WRAP_SECRET || iv (12) || key sealed (n) || tag (16). */
#define CCSP_VSM_WRAP_SECRET 0x10
#define CCSP_VSM_WRAPPED_SECRET_SIZE(n) (30 + (n))
#define CCSP_VSM_WRAPPED_SECRET_MAX CCSP_VSM_WRAPPED_SECRET_SIZE(CCSP_VSM_SESSION_KEY_MAX)
CCSP_MUST_CHECK ccsp_err ccsp_vsm_pair_generate_kek(ccsp_vsm_session *s, uint32_t kek_index, ccsp_vsm_key_kind usage,
                                                    uint8_t pub[64], uint8_t wrapped[CCSP_VSM_WRAPPED_PAIR_SIZE]);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_pair_sign_kek(ccsp_vsm_session *s, uint32_t kek_index, const uint8_t *wrapped,
                                                size_t wlen, const uint8_t e[32], uint8_t sig[64]);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_pair_decrypt_kek(ccsp_vsm_session *s, uint32_t kek_index, const uint8_t *wrapped,
                                                   size_t wlen, const uint8_t *ct, size_t ctlen, uint8_t *out);

/* Vendor extension (docs/sdf.md "Key import and export under SM2 (BYOK)", vsm_byok.c): key material brought in
 * SM2-encrypted to an import key and kept only wrapped by the KEK at kek_index, and taken out only SM2-encrypted to
 * a recipient's public key. The material never exists outside the VSM in plaintext. kind names it and its wrap:
 *   CCSP_VSM_MATERIAL_SM4   a 16-byte SM4 key, wrapped as ccsp_vsm_key_generate_kek's: made sealed (SGD_SM4_GCM,
 *                           46 bytes); the SM4-ECB wrap (16 bytes) is still taken
 *   CCSP_VSM_MATERIAL_HMAC  a 32-byte HMAC-SM3 key, likewise (62 bytes sealed, 32 in SM4-ECB)
 *   CCSP_VSM_MATERIAL_SM2_SIGN / _SM2_ENC  an SM2 private key, wrapped as ccsp_vsm_pair_generate_kek's for that
 *   usage (CCSP_VSM_WRAPPED_PAIR_SIZE bytes)
 * import: the import key is an encryption-pair wrap of ccsp_vsm_pair_generate_kek under the same KEK. Symmetric
 * kinds: ct (C1 x||y || C3 || C2, ctlen 97..CCSP_VSM_BYOK_CT_MAX) is the material SM2-encrypted to the import key.
 * SM2 kinds (the pieces of a GM/T 0009 SM2EnvelopedKey): ct is a 16-byte SM4 key SM2-encrypted to the import key,
 * enc_private the 32-byte d encrypted with it in SM4-ECB, pub (x||y) d's public key. The wrap goes to wrapped,
 * its length to *wlen. Errors: CCSP_ERR_ARG (kind, ctlen, NULLs, KEK index out of range), the import key's
 * refusals as ccsp_vsm_pair_decrypt_kek (CCSP_ERR_KEY, _KEY_TYPE, _KEY_NOT_FOUND), CCSP_ERR_AUTH (C3 does not
 * match: not for this import key, or altered), CCSP_ERR_KEY (material of the wrong length for kind; d zero or
 * out of range; pub not d's public key; a bad pub). Refusals after the import key unwrapped are audited as
 * "import.refused", successes as "key.import" (kind and KEK index only).
 * export: wrapped is a wrap of kind under the KEK (CCSP_ERR_KEY: of another length, or a pair wrap that does not
 * open; CCSP_ERR_KEY_TYPE: a pair wrap of the other usage); recipient (x||y) a public key the caller trusts
 * (CCSP_ERR_POINT when it is not a valid point). Symmetric kinds: ct = the material SM2-encrypted to recipient.
 * SM2 kinds: ct = a fresh SM4 key (DRBG) SM2-encrypted to recipient, enc_private = d SM4-ECB-encrypted with it
 * (the caller assembles the SM2EnvelopedKey with the public key). *ctlen is set; audited as "key.export". */
typedef enum ccsp_vsm_material {
	CCSP_VSM_MATERIAL_SM4 = 1,
	CCSP_VSM_MATERIAL_HMAC = 2,
	CCSP_VSM_MATERIAL_SM2_SIGN = 3,
	CCSP_VSM_MATERIAL_SM2_ENC = 4,
} ccsp_vsm_material;
#define CCSP_VSM_BYOK_CT_MAX (96 + 64) /* the longest material ciphertext import takes; export's is 96 + 32 */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_byok_import(ccsp_vsm_session *s, uint32_t kek_index, const uint8_t *import_wrapped,
                                              size_t import_wlen, ccsp_vsm_material kind, const uint8_t *ct,
                                              size_t ctlen, const uint8_t enc_private[32], const uint8_t pub[64],
                                              uint8_t wrapped[CCSP_VSM_WRAPPED_PAIR_SIZE], size_t *wlen);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_byok_export(ccsp_vsm_session *s, uint32_t kek_index, ccsp_vsm_material kind,
                                              const uint8_t *wrapped, size_t wlen, const uint8_t recipient[64],
                                              uint8_t ct[CCSP_VSM_BYOK_CT_MAX], size_t *ctlen,
                                              uint8_t enc_private[32]);

/* Vendor extension (docs/sdf.md "Split-knowledge key backup", vsm_backup.c): a KEK-wrapped key (kind and wrap as
 * BYOK's) split into n Shamir shares over GF(2^8), any m of which recover it (2 <= m <= n <= CCSP_VSM_SHARES_MAX),
 * each SM2-encrypted to its custodian; the plaintext material and shares exist only inside the VSM.
 * backup: the material || its check (the first 8 bytes of SM3(kind byte || material)) is split; share j is
 * x (1 byte, j + 1) || y (material length + 8 bytes), SM2-encrypted to custodians[j] (x || y) into shares[j]
 * (C1 x||y || C3 || C2, share_lens[j] = 96 + 1 + length + 8). Errors: CCSP_ERR_ARG (kind, NULLs, m/n bounds), the
 * wrap's refusals as ccsp_vsm_byok_export's, CCSP_ERR_POINT (a custodian key not a valid point; no share is
 * answered then). Audited as "key.backup" (KEK index, kind, m, n).
 * recover: m (2..CCSP_VSM_SHARES_MAX) shares, each share SM2-encrypted to the import key (an encryption-pair wrap
 * under the KEK, as BYOK import's; shares[i] of share_lens[i] bytes, 97..CCSP_VSM_SHARE_CT_MAX), are decrypted
 * and recombined; the material is wrapped for kind under the KEK into wrapped (*wlen). Errors: CCSP_ERR_ARG (kind,
 * NULLs, m, share lengths out of bounds, two shares with the same x or x = 0), the import key's refusals as
 * ccsp_vsm_byok_import's, CCSP_ERR_AUTH (a share whose C3 does not match: not for this import key, or altered),
 * CCSP_ERR_KEY (shares of the wrong length for kind; the check does not match: too few, altered or foreign shares;
 * SM2 kinds: d out of range or not pub's public key). Refusals after the import key unwrapped are audited as
 * "recover.refused", successes as "key.recover" (KEK index, kind, m only). */
#define CCSP_VSM_SHARES_MAX 16
#define CCSP_VSM_SHARE_CHECK_SIZE 8
#define CCSP_VSM_SHARE_CT_MAX (96 + 1 + 64 + CCSP_VSM_SHARE_CHECK_SIZE) /* an SM2 ciphertext of the largest share */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_key_backup(ccsp_vsm_session *s, uint32_t kek_index, ccsp_vsm_material kind,
                                             const uint8_t *wrapped, size_t wlen, unsigned m, unsigned n,
                                             const uint8_t (*custodians)[64],
                                             uint8_t (*shares)[CCSP_VSM_SHARE_CT_MAX], size_t *share_lens);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_key_recover(ccsp_vsm_session *s, uint32_t kek_index, const uint8_t *import_wrapped,
                                              size_t import_wlen, ccsp_vsm_material kind, unsigned m,
                                              const uint8_t *const *shares, const size_t *share_lens,
                                              const uint8_t pub[64], uint8_t wrapped[CCSP_VSM_WRAPPED_PAIR_SIZE],
                                              size_t *wlen);

/* Vendor extension (docs/sdf.md "Key-set backup", vsm_keyset.c): a KEK-wrapped key (kind and wrap as BYOK's)
 * re-encrypted from the KEK to a backup key B and back. B is an SM4 key wrapped under the same KEK (as
 * ccsp_vsm_key_generate_kek makes one, 16 bytes; the caller splits it with ccsp_vsm_key_backup and recovers it with
 * ccsp_vsm_key_recover). The encryption key is not B itself but SM3("CCSP key-set backup v1" || B)'s first 16
 * bytes, so nothing made with B as an ordinary SM4 key (a KMS encrypt) ever opens or forges an entry.
 * export: SM4-GCM of the material with a fresh 12-byte IV from the DRBG into iv, the material's length of
 * ciphertext into ct (*ctlen: 16 SM4, 32 the others), the tag into tag; aad (1..CCSP_VSM_KEYSET_AAD_MAX bytes, the
 * caller's binding of the key's names) is authenticated. For SM2 kinds pub (x || y) must be d's public key (else
 * CCSP_ERR_KEY), so the caller cannot bind another one.
 * import: the reverse; the tag must verify over iv, aad and ct (else CCSP_ERR_AUTH: altered, another backup key,
 * another binding; nothing wrapped), then the material is wrapped for kind under the KEK into wrapped (*wlen); for
 * SM2 kinds d must be pub's (CCSP_ERR_KEY).
 * Errors also: CCSP_ERR_ARG (kind, NULLs, lengths), the wraps' refusals as ccsp_vsm_byok_export's (B's: CCSP_ERR_KEY
 * for a wrap of another length than 16), CCSP_ERR_KEY_NOT_FOUND (no KEK). Audited as "keyset.export" /
 * "keyset.import" (KEK index, kind), refusals as "keyset.refused"; never material. */
#define CCSP_VSM_KEYSET_AAD_MAX 1024
#define CCSP_VSM_KEYSET_IV_SIZE 12
#define CCSP_VSM_KEYSET_TAG_SIZE 16
CCSP_MUST_CHECK ccsp_err ccsp_vsm_keyset_export(ccsp_vsm_session *s, uint32_t kek_index, const uint8_t *bkey,
                                               size_t bklen, ccsp_vsm_material kind, const uint8_t *wrapped,
                                               size_t wlen, const uint8_t pub[64], const uint8_t *aad, size_t aadlen,
                                               uint8_t iv[CCSP_VSM_KEYSET_IV_SIZE], uint8_t ct[32], size_t *ctlen,
                                               uint8_t tag[CCSP_VSM_KEYSET_TAG_SIZE]);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_keyset_import(ccsp_vsm_session *s, uint32_t kek_index, const uint8_t *bkey,
                                               size_t bklen, ccsp_vsm_material kind, const uint8_t pub[64],
                                               const uint8_t *aad, size_t aadlen,
                                               const uint8_t iv[CCSP_VSM_KEYSET_IV_SIZE], const uint8_t *ct,
                                               size_t ctlen, const uint8_t tag[CCSP_VSM_KEYSET_TAG_SIZE],
                                               uint8_t wrapped[CCSP_VSM_WRAPPED_PAIR_SIZE], size_t *wlen);

/* Session keys (6.3). bits: 128 (SM4) or 256 (SM4-XTS key pair). Handles are nonzero and unguessable. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_key_generate_ipk(ccsp_vsm_session *s, uint32_t index, uint32_t bits, uint8_t *ct,
                                                   size_t *ctlen, uint64_t *handle);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_key_generate_epk(ccsp_vsm_session *s, const uint8_t pub[64], uint32_t bits,
                                                   uint8_t *ct, size_t *ctlen, uint64_t *handle);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_key_import_isk(ccsp_vsm_session *s, uint32_t index, const uint8_t *ct, size_t ctlen,
                                                 uint64_t *handle);
/* Under a KEK (GM/T 0018-2023 6.3.16). alg SGD_SM4_ECB: the standard wrap, bits/8 bytes of SM4-ECB, which has no
 * integrity (an altered wrap unwraps to some other key). alg SGD_SM4_GCM (vendor extension): the sealed wrap,
 * CCSP_VSM_WRAPPED_SECRET_SIZE(bits/8) bytes, sealed as a pair's (above) with usage CCSP_VSM_WRAP_SECRET; an
 * altered one is refused (CCSP_ERR_KEY, audited as "wrap.refused"). wrapped has room for
 * CCSP_VSM_WRAPPED_SECRET_MAX bytes. import takes the wrap alg names (CCSP_ERR_KEY_LENGTH for a wrap of the other
 * form's length); any other alg is CCSP_ERR_UNSUPPORTED. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_key_generate_kek(ccsp_vsm_session *s, uint32_t index, uint32_t bits, uint32_t alg,
                                                   uint8_t *wrapped, size_t *wrappedlen, uint64_t *handle);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_key_import_kek(ccsp_vsm_session *s, uint32_t index, uint32_t alg,
                                                 const uint8_t *wrapped, size_t wrappedlen, uint64_t *handle);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_key_destroy(ccsp_vsm_session *s, uint64_t handle);

/* SM2 key agreement (GB/T 32918.3 clause 6; GM/T 0018 6.3.12-6.3.14) with the encryption pair of index (the
 * session needs its access right: CCSP_ERR_ACCESS_DENIED) and a fresh ephemeral pair. The agreed key, bits/8
 * bytes (bits 128 or 256, else CCSP_ERR_KEY_LENGTH), becomes a session key. IDs: 1..CCSP_SM2_MAX_ID_LEN
 * bytes (CCSP_ERR_ARG). Public keys and ephemeral points are x||y; a bad one is CCSP_ERR_POINT. No
 * confirmation hashes (S1/S2) are made: the GM/T 0018 functions do not exchange them.
 * Sponsor: agreement_data returns its public key, its ephemeral point and an agreement handle, which the
 * session keeps (at most CCSP_VSM_AGREEMENTS: beyond, the oldest is wiped and dropped); agreement_key takes
 * the responder's ID, public key and ephemeral point and consumes the agreement (whatever the outcome;
 * CCSP_ERR_KEY_NOT_FOUND for an unknown handle). The sponsor's right is checked by agreement_data only.
 * Responder: agreement_data_and_key does its side in one call, returning its public key and ephemeral point. */
#define CCSP_VSM_AGREEMENTS 16
CCSP_MUST_CHECK ccsp_err ccsp_vsm_agreement_data(ccsp_vsm_session *s, uint32_t index, uint32_t bits,
                                                 const uint8_t *id, size_t idlen, uint8_t pub[64],
                                                 uint8_t tmp_pub[64], uint64_t *agreement);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_agreement_key(ccsp_vsm_session *s, const uint8_t *resp_id, size_t resp_idlen,
                                                const uint8_t resp_pub[64], const uint8_t resp_tmp_pub[64],
                                                uint64_t agreement, uint64_t *handle);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_agreement_data_and_key(ccsp_vsm_session *s, uint32_t index, uint32_t bits,
                                                         const uint8_t *resp_id, size_t resp_idlen,
                                                         const uint8_t *sponsor_id, size_t sponsor_idlen,
                                                         const uint8_t sponsor_pub[64],
                                                         const uint8_t sponsor_tmp_pub[64], uint8_t pub[64],
                                                         uint8_t tmp_pub[64], uint64_t *handle);
/* Digital-envelope exchange (GM/T 0018-2012): decrypt ct (ctlen > 96) with the encryption pair of index (access
 * right needed) and encrypt the plaintext to pub into out (ctlen bytes). The plaintext never leaves the VSM
 * and is wiped. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_exchange_envelope(ccsp_vsm_session *s, uint32_t index, const uint8_t pub[64],
                                                    const uint8_t *ct, size_t ctlen, uint8_t *out);

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
/* Vendor extension (docs/sdf.md "SM4-GCM with a KEK-wrapped key", vsm_sym.c): ccsp_vsm_auth_enc / _dec with an SM4
 * key that is never a session key: wrapped is its wrap under the KEK at kek_index as ccsp_vsm_key_generate_kek makes
 * and ccsp_vsm_key_import_kek takes it, unwrapped by the same code for this one call and wiped after. enc draws a
 * fresh iv from the DRBG. Errors: import_kek's (CCSP_ERR_KEY_LENGTH, a wrap not 16 or 32 bytes;
 * CCSP_ERR_KEY_NOT_FOUND, no KEK; CCSP_ERR_ARG, index out of range), CCSP_ERR_KEY_TYPE (a 32-byte wrap: not an SM4
 * key, as auth_enc answers for a 256-bit handle), dec's CCSP_ERR_AUTH (tag, iv, aad or ciphertext altered, or
 * another KEK: out wiped). */
#define CCSP_VSM_KEK_GCM_IV_SIZE 12
CCSP_MUST_CHECK ccsp_err ccsp_vsm_auth_enc_kek(ccsp_vsm_session *s, uint32_t kek_index, const uint8_t *wrapped,
                                               size_t wlen, const uint8_t *aad, size_t aadlen, const uint8_t *in,
                                               size_t len, uint8_t iv[CCSP_VSM_KEK_GCM_IV_SIZE], uint8_t *out,
                                               uint8_t tag[16]);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_auth_dec_kek(ccsp_vsm_session *s, uint32_t kek_index, const uint8_t *wrapped,
                                               size_t wlen, const uint8_t iv[CCSP_VSM_KEK_GCM_IV_SIZE],
                                               const uint8_t *aad, size_t aadlen, const uint8_t tag[16],
                                               const uint8_t *in, size_t len, uint8_t *out);

/* Hash (6.6): SGD_SM3; with pub and id (idlen 1..8191) the Z value of GB/T 35276 is hashed first. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_hash_init(ccsp_vsm_session *s, uint32_t alg, const uint8_t *pub, const uint8_t *id,
                                            size_t idlen);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_hash_update(ccsp_vsm_session *s, const uint8_t *in, size_t len);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_hash_final(ccsp_vsm_session *s, uint8_t out[32]);
/* HMAC-SM3 with a session key (2023 6.6). */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_hmac_init(ccsp_vsm_session *s, uint64_t handle, uint32_t alg);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_hmac_update(ccsp_vsm_session *s, const uint8_t *in, size_t len);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_hmac_final(ccsp_vsm_session *s, uint8_t out[32]);

/* Multi-part symmetric operations (2023 6.5.7-6.5.21) and the external-key functions (6.8), vsm_stream.c.
 * A session has one multi-part operation at a time (hash and HMAC included): every Init ends the one in progress
 * (wiping it), even when the Init fails; an Update or Final that does not match the operation in progress is
 * CCSP_ERR_STATE; Final, every error and the session's close wipe the state. in and out of an Update must not
 * overlap. */

/* Encrypt/Decrypt: SGD_SM4_ECB, _CBC, _CFB, _OFB, _CTR (XTS and the MAC and AEAD modes: CCSP_ERR_UNSUPPORTED),
 * no padding, iv 16 bytes (NULL for ECB). Update writes *outlen bytes to out, which has room for len + 15:
 * whole blocks for ECB and CBC (a partial block waits for the next Update), len bytes for the other modes.
 * Final writes nothing; a partial ECB or CBC block left is CCSP_ERR_DATA_LENGTH. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_encrypt_init(ccsp_vsm_session *s, uint64_t handle, uint32_t alg, const uint8_t *iv);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_encrypt_update(ccsp_vsm_session *s, const uint8_t *in, size_t len, uint8_t *out,
                                                 size_t *outlen);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_encrypt_final(ccsp_vsm_session *s);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_decrypt_init(ccsp_vsm_session *s, uint64_t handle, uint32_t alg, const uint8_t *iv);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_decrypt_update(ccsp_vsm_session *s, const uint8_t *in, size_t len, uint8_t *out,
                                                 size_t *outlen);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_decrypt_final(ccsp_vsm_session *s);
/* SGD_SM4_MAC (or SGD_SM4_CBC): CBC-MAC as ccsp_vsm_mac; the total a non-zero multiple of 16. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_mac_init(ccsp_vsm_session *s, uint64_t handle, uint32_t alg, const uint8_t *iv);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_mac_update(ccsp_vsm_session *s, const uint8_t *in, size_t len);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_mac_final(ccsp_vsm_session *s, uint8_t mac[16]);
/* SGD_SM4_GCM, iv 1..64 bytes as ccsp_vsm_auth_enc. total: the bytes all Updates will give, exactly (more is
 * CCSP_ERR_DATA_LENGTH at the Update, fewer at Final). Update writes len bytes; Final writes the tag. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_auth_enc_init(ccsp_vsm_session *s, uint64_t handle, uint32_t alg, const uint8_t *iv,
                                                size_t ivlen, const uint8_t *aad, size_t aadlen, uint64_t total);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_auth_enc_update(ccsp_vsm_session *s, const uint8_t *in, size_t len, uint8_t *out);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_auth_enc_final(ccsp_vsm_session *s, uint8_t tag[16]);
/* AuthDec never releases plaintext before the tag has been checked: Update decrypts into a buffer of the session
 * and writes nothing; total is at most CCSP_VSM_AUTH_DEC_MAX, and CCSP_ERR_LIMIT when it is larger or the VSM
 * already withholds CCSP_VSM_AUTH_DEC_TOTAL bytes for all sessions. taglen 16.
 * Final checks the total and the tag (CCSP_ERR_AUTH: everything wiped, nothing released) and sets *ready to the
 * plaintext bytes not yet taken; calling it again after a success only sets *ready. take copies up to cap of
 * them to out (*outlen) and sets *left; when nothing is left the operation ends. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_auth_dec_init(ccsp_vsm_session *s, uint64_t handle, uint32_t alg, const uint8_t *iv,
                                                size_t ivlen, const uint8_t *aad, size_t aadlen, const uint8_t *tag,
                                                size_t taglen, uint64_t total);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_auth_dec_update(ccsp_vsm_session *s, const uint8_t *in, size_t len);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_auth_dec_final(ccsp_vsm_session *s, size_t *ready);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_auth_dec_take(ccsp_vsm_session *s, uint8_t *out, size_t cap, size_t *outlen,
                                                size_t *left);
/* 6.8, a caller's key in plaintext. One-shot: the algorithms of ccsp_vsm_encrypt, keylen 32 for XTS and 16
 * otherwise (CCSP_ERR_KEY_LENGTH). The Inits take a 16-byte key and go on with ccsp_vsm_encrypt_update/final
 * (decrypt_update/final); the HMAC Init (SGD_SM3, a key of 1 or more bytes) with ccsp_vsm_hmac_update/final. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_external_key_encrypt(ccsp_vsm_session *s, uint32_t alg, const uint8_t *key,
                                                       size_t keylen, const uint8_t *iv, const uint8_t *in,
                                                       size_t len, uint8_t *out);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_external_key_decrypt(ccsp_vsm_session *s, uint32_t alg, const uint8_t *key,
                                                       size_t keylen, const uint8_t *iv, const uint8_t *in,
                                                       size_t len, uint8_t *out);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_external_key_encrypt_init(ccsp_vsm_session *s, uint32_t alg, const uint8_t *key,
                                                            size_t keylen, const uint8_t *iv);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_external_key_decrypt_init(ccsp_vsm_session *s, uint32_t alg, const uint8_t *key,
                                                            size_t keylen, const uint8_t *iv);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_external_key_hmac_init(ccsp_vsm_session *s, uint32_t alg, const uint8_t *key,
                                                         size_t keylen);

/* Files (6.7): the VSM's file area (DIR/files, vsm_file.c; docs/sdf.md). name: 1..CCSP_VSM_FILE_NAME_MAX bytes,
 * any bytes (CCSP_ERR_ARG). A file has the size given at creation, size zero bytes to start with.
 * create: CCSP_ERR_FILE_EXISTS; CCSP_ERR_LIMIT beyond max_file_size, max_files or file_quota.
 * read: *len bytes wanted on input, min(*len, size - offset) read on return. write: offset + len <= size,
 * replaces the file atomically. Beyond the end: CCSP_ERR_FILE_OFFSET (offset == size is the end: 0 bytes).
 * All: CCSP_ERR_FILE_NOT_FOUND; CCSP_ERR_TAMPERED when the stored file fails its integrity check (that file is
 * refused and the event audited; the VSM stays operational; delete removes it); CCSP_ERR_IO when it cannot
 * be written. Files are shared by every session of the VSM. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_file_create(ccsp_vsm_session *s, const uint8_t *name, size_t namelen, uint32_t size);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_file_read(ccsp_vsm_session *s, const uint8_t *name, size_t namelen, uint32_t offset,
                                            uint8_t *out, size_t *len);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_file_write(ccsp_vsm_session *s, const uint8_t *name, size_t namelen,
                                             uint32_t offset, const uint8_t *in, size_t len);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_file_delete(ccsp_vsm_session *s, const uint8_t *name, size_t namelen);

#endif

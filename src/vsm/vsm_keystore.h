/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VSM keystore: GM/T 0018 index-based internal keys.
 *
 * Index i (1..max_index) of the SM2 table holds up to two key pairs, a signing pair and an encryption
 * pair, and one private-key access password for both (GM/T 0018 6.2.8: SDF_GetPrivateKeyAccessRight takes
 * the index). The password is stored only as a salted PBKDF2-HMAC-SM3 hash. Index i of the KEK table holds
 * one 16-byte SM4 key-encryption key. Private keys and KEKs never leave this module: callers ask the keystore
 * to sign, decrypt, wrap or unwrap with them.
 *
 * Persistence: one file, encrypted and authenticated with SM4-GCM under the VSM storage key, replaced
 * atomically (ccsp_atomic_write) on every change before the change is acknowledged. A file that fails
 * authentication or parsing is refused (CCSP_ERR_TAMPERED) and nothing of it is used.
 *
 * Thread safety: every function may be called from any thread; operations run under a read lock,
 * changes under a write lock.
 */
#ifndef CCSP_VSM_KEYSTORE_H
#define CCSP_VSM_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>
#include <ccsp/sm2.h>

#define CCSP_VSM_STORAGE_KEY_SIZE 16
#define CCSP_VSM_DEFAULT_MAX_INDEX 1024
#define CCSP_VSM_PASSWORD_MIN 8   /* GM/T 0018-2023 6.2.8: at least 8 bytes */
#define CCSP_VSM_PASSWORD_MAX 128
#define CCSP_VSM_KEK_SIZE 16

typedef enum ccsp_vsm_key_kind {
	CCSP_VSM_KEY_SIGN = 1, /* SM2 signing key pair */
	CCSP_VSM_KEY_ENC = 2,  /* SM2 encryption (and key-exchange) key pair */
	CCSP_VSM_KEY_KEK = 3,  /* SM4 key-encryption key */
} ccsp_vsm_key_kind;

typedef struct ccsp_vsm_keystore ccsp_vsm_keystore;

/* One entry of ccsp_vsm_keystore_list(). */
typedef struct ccsp_vsm_key_info {
	ccsp_vsm_key_kind kind;
	uint32_t index;
	int has_password; /* SM2 kinds: an access password is set for this index */
	uint8_t pub[CCSP_SM2_POINT_SIZE]; /* SM2 kinds: 04||x||y; zeros for KEKs */
	int64_t created;  /* Unix time */
} ccsp_vsm_key_info;

/* Open the keystore file at path under storage_key (16 bytes), with indices 1..max_index in each
 * table (max_index 1..65535). A missing file is an empty keystore (created on the first change).
 * CCSP_ERR_TAMPERED: the file exists but fails authentication or parsing (wrong storage key, corruption,
 * truncation); CCSP_ERR_LIMIT: the file is authentic but holds a key at an index above max_index (opened with
 * a smaller max_index than it was written with); CCSP_ERR_IO: it cannot be read. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_keystore_open(const char *path, const uint8_t storage_key[CCSP_VSM_STORAGE_KEY_SIZE],
                                                uint32_t max_index, ccsp_vsm_keystore **out);
/* Wipe every key and free. NULL is ignored. */
void ccsp_vsm_keystore_free(ccsp_vsm_keystore *ks);
uint32_t ccsp_vsm_keystore_max_index(const ccsp_vsm_keystore *ks);

/* ---- crypto officer: changes, each persisted before it returns CCSP_OK ---- */

/* Generate a key of kind at index (from the DRBG; SM2 pairs pass the pairwise-consistency test).
 * SM2 kinds: when the index has no password yet, password (CCSP_VSM_PASSWORD_MIN..MAX bytes) is required and
 * becomes the index's password; when it has one, password may be NULL (kept) or must match it
 * (CCSP_ERR_PASSWORD). KEKs take no password (NULL, 0). CCSP_ERR_KEY_EXISTS when occupied,
 * CCSP_ERR_ARG for an index out of range or a password of the wrong length. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_keystore_generate(ccsp_vsm_keystore *ks, ccsp_vsm_key_kind kind, uint32_t index,
                                                    const uint8_t *password, size_t pwlen);
/* Import a known SM2 private key (32 bytes) or KEK (16 bytes) into an empty slot; password rules as for
 * generate. CCSP_ERR_KEY_LENGTH for another secretlen, CCSP_ERR_KEY for an invalid SM2 private key.
 * For tests, restoring backups and the CHSM's image import. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_keystore_import(ccsp_vsm_keystore *ks, ccsp_vsm_key_kind kind, uint32_t index,
                                                  const uint8_t *secret, size_t secretlen, const uint8_t *password,
                                                  size_t pwlen);
/* Delete (wipe) the key; deleting the last SM2 pair of an index also drops its password.
 * CCSP_ERR_KEY_NOT_FOUND when empty. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_keystore_delete(ccsp_vsm_keystore *ks, ccsp_vsm_key_kind kind, uint32_t index);
/* Set a new access password for an SM2 index that holds at least one pair. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_keystore_set_password(ccsp_vsm_keystore *ks, uint32_t index, const uint8_t *password,
                                                        size_t pwlen);
/* Delete every key and the file's content (persisted as an empty keystore): zeroisation. Like every change,
 * the keys in memory are wiped only once the empty file is written: on failure nothing changed. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_keystore_wipe_all(ccsp_vsm_keystore *ks);

/* All occupied slots, ordered by kind then index; *infos malloc'd (free()), *count entries. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_keystore_list(ccsp_vsm_keystore *ks, ccsp_vsm_key_info **infos, size_t *count);

/* ---- user: checks and operations ---- */

/* Check the access password of an SM2 index in constant time. CCSP_ERR_KEY_NOT_FOUND when the index holds no
 * pair, CCSP_ERR_PASSWORD when wrong, CCSP_ERR_ARG when its length is outside
 * CCSP_VSM_PASSWORD_MIN..MAX (no such password can be set). (Rate limiting and audit are the caller's.) */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_keystore_check_password(ccsp_vsm_keystore *ks, uint32_t index,
                                                          const uint8_t *password, size_t pwlen);
/* The functions below that take a kind accept only CCSP_VSM_KEY_SIGN and CCSP_VSM_KEY_ENC (CCSP_ERR_ARG
 * otherwise, as for an index out of range); CCSP_ERR_KEY_NOT_FOUND when the pair is absent. */

/* The public key of an SM2 pair, 04||x||y. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_keystore_public(ccsp_vsm_keystore *ks, ccsp_vsm_key_kind kind, uint32_t index,
                                                  uint8_t pub[CCSP_SM2_POINT_SIZE]);
/* A new ccsp_sm2_key holding only the public key of the pair (for verify / encrypt); ccsp_sm2_key_free() it. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_keystore_public_key(ccsp_vsm_keystore *ks, ccsp_vsm_key_kind kind, uint32_t index,
                                                      ccsp_sm2_key **out);
/* Run fn with the private key of the pair, under the read lock; returns fn's status. The key must not be
 * kept beyond the call, and fn must not call a changing function of this keystore (it would deadlock). */
typedef ccsp_err (*ccsp_vsm_sm2_fn)(const ccsp_sm2_key *key, void *arg);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_keystore_with_sm2(ccsp_vsm_keystore *ks, ccsp_vsm_key_kind kind, uint32_t index,
                                                    ccsp_vsm_sm2_fn fn, void *arg);
/* Sign the digest e (r||s) with the signing pair of index, through that pair's signing context
 * (ccsp_sm2_sign_ctx, made at the first signature, wiped when the pair is deleted, the keystore wiped or freed);
 * a signer that finds the context in use by another thread signs one-shot rather than wait.
 * CCSP_ERR_KEY_NOT_FOUND when the index holds no signing pair. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_keystore_sign(ccsp_vsm_keystore *ks, uint32_t index, const uint8_t e[32],
                                                uint8_t sig[64]);
/* Wrap (SM4-ECB, GM/T 0018-2023 6.3.16) or unwrap len bytes (a multiple of 16, else CCSP_ERR_DATA_LENGTH)
 * with the KEK at index. CCSP_ERR_KEY_NOT_FOUND when the slot is empty. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_keystore_kek_wrap(ccsp_vsm_keystore *ks, uint32_t index, const uint8_t *in,
                                                    uint8_t *out, size_t len);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_keystore_kek_unwrap(ccsp_vsm_keystore *ks, uint32_t index, const uint8_t *in,
                                                      uint8_t *out, size_t len);
/* SM4-GCM (12-byte iv, 16-byte tag) with the AEAD key of the KEK at index: the first 16 bytes of
 * HMAC-SM3(KEK, "ccsp/vsm/kek-aead/1"), so that no KEK is used both raw in SM4-ECB (above) and in GCM. The
 * sealed key wraps of the vendor extension (vsm_wrapped.c) use it. open checks the tag before writing anything:
 * CCSP_ERR_AUTH (out wiped) when in, aad, iv or tag were altered or another KEK sealed them.
 * CCSP_ERR_KEY_NOT_FOUND when the slot is empty, CCSP_ERR_ARG. */
#define CCSP_VSM_KEK_AEAD_IV_SIZE 12
#define CCSP_VSM_KEK_AEAD_TAG_SIZE 16
CCSP_MUST_CHECK ccsp_err ccsp_vsm_keystore_kek_seal(ccsp_vsm_keystore *ks, uint32_t index,
                                                    const uint8_t iv[CCSP_VSM_KEK_AEAD_IV_SIZE], const uint8_t *aad,
                                                    size_t aadlen, const uint8_t *in, uint8_t *out, size_t len,
                                                    uint8_t tag[CCSP_VSM_KEK_AEAD_TAG_SIZE]);
CCSP_MUST_CHECK ccsp_err ccsp_vsm_keystore_kek_open(ccsp_vsm_keystore *ks, uint32_t index,
                                                    const uint8_t iv[CCSP_VSM_KEK_AEAD_IV_SIZE], const uint8_t *aad,
                                                    size_t aadlen, const uint8_t *in, uint8_t *out, size_t len,
                                                    const uint8_t tag[CCSP_VSM_KEK_AEAD_TAG_SIZE]);
/* Sign the digest e (r||s) with the SM2 private key sealed as kek_seal seals it: ct (32 bytes) under the KEK at index
 * with iv, aad (at most 16 bytes) and tag, the wrap being aad || iv || ct || tag. The first signature opens the
 * seal; the key is then kept in a bounded cache by the id of the KEK index and those bytes (vsm_wrap_cache.h), and
 * a later signature with a byte-identical wrap under that index signs with it (after 32 signatures, through its
 * ccsp_sm2_sign_ctx) instead of opening the seal again. The KEK's entries are wiped when it is deleted or replaced,
 * all of them by wipe_all and free; a wrap whose entry another thread is signing with is opened again.
 * CCSP_ERR_AUTH when the seal does not open (nothing is kept), the errors of ccsp_sm2_key_set_private for the key it
 * holds, CCSP_ERR_KEY_NOT_FOUND, CCSP_ERR_ARG as kek_open. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_keystore_kek_sign(ccsp_vsm_keystore *ks, uint32_t index,
                                                    const uint8_t iv[CCSP_VSM_KEK_AEAD_IV_SIZE], const uint8_t *aad,
                                                    size_t aadlen, const uint8_t ct[CCSP_SM2_PRIVATE_KEY_SIZE],
                                                    const uint8_t tag[CCSP_VSM_KEK_AEAD_TAG_SIZE], const uint8_t e[32],
                                                    uint8_t sig[64]);
/* Entries kek_sign's cache holds now (tests). */
size_t ccsp_vsm_keystore_kek_sign_cached(ccsp_vsm_keystore *ks);
/* kek_sign's signatures served from the cache and not, since the keystore was opened (vsmd's statistics). */
void ccsp_vsm_keystore_kek_sign_counts(ccsp_vsm_keystore *ks, uint64_t *hits, uint64_t *misses);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cloud-platform public keys of a CHSM (GM/T 0088 7.4.1 getCHSMPk, 7.4.2 configCHSMPk; the spec is
 * spec/gmt0088-api.md §3.4, §3.5, §3.10, §3.12). At most CCSP_CHSM_PK_MAX keys, SM2 or RSA,
 * kept in insertion order and persisted to one file (format in chsm_pk_file.c).
 *
 * configCHSMPk semantics (7.4.2 [B]), implemented by ccsp_chsm_pk_store_add():
 *   append + de-duplicate; total <= 2; more than 2, or any invalid key among the texts, is refused with no
 *   change at all (CCSP_ERR_LIMIT / an invalid-key code, both 400); re-sending stored keys is CCSP_OK.
 *   A third key is never taken in place of an old one: rotation is add (second slot), switch the signer,
 *   then ccsp_chsm_pk_store_remove() or _clear() (the clearCHSMPk extension, 3.9).
 * The guest/trusted rule (configCHSMPk is guest only while ccsp_chsm_pk_store_count() == 0, §3.4) is the
 * caller's.
 *
 * Key texts accepted (7.4.2 "Public key input formats"), surrounding whitespace ignored:
 *   SM2  128 hex (X||Y); 130 hex (04||X||Y); Base64 of the 64 or 65 raw bytes; Base64 DER SPKI
 *        (id-ecPublicKey + sm2p256v1, or the 1.2.156.10197.1.301 algorithm); PEM "PUBLIC KEY".
 *        The point is validated (on the curve, coordinates < p, not infinity).
 *   RSA  Base64 DER SPKI (rsaEncryption) or PEM "PUBLIC KEY"; modulus of 2048..8192 bits and odd; public
 *        exponent odd, 3 <= e < 2^64.
 * Anything else, including private keys of any form (never decrypted, never stored), is refused.
 *
 * Fingerprints (7.4.1, §3.5): SM2 Base64(SM3(X||Y)), RSA Base64(SHA-256(SPKI DER)); the SPKI is the
 * canonical DER re-encoding of the key.
 *
 * Thread safety: none. One owner (chsmd's event loop) makes every call; a key pointer from _get()/_find()
 * stays valid until the next _add/_remove/_clear/_free on its store. Keys are read-only, so one key may
 * verify on several threads at once while the store is not changed.
 */
#ifndef CCSP_CHSM_PK_H
#define CCSP_CHSM_PK_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#define CCSP_CHSM_PK_MAX 2               /* keys a CHSM holds (7.4.2 "total <= 2") */
#define CCSP_CHSM_PK_TEXT_MAX 4096       /* longest key text accepted (an 8192-bit RSA PEM is ~1.5 KB) */
#define CCSP_CHSM_PK_ADD_MAX 16          /* most texts in one configCHSMPk request (duplicates included) */
#define CCSP_CHSM_PK_FINGERPRINT_LEN 44  /* Base64 of a 32-byte hash */
#define CCSP_CHSM_PK_RSA_MIN_BITS 2048
#define CCSP_CHSM_PK_RSA_MAX_BITS 8192
#define CCSP_CHSM_PK_SIG_MAX 1024        /* largest signature: RSA-8192 */

typedef enum ccsp_chsm_pk_alg {
	CCSP_CHSM_PK_ANY = 0, /* for _add(): take either kind */
	CCSP_CHSM_PK_SM2 = 1, /* SM2WithSM3, fingerprint SM3 */
	CCSP_CHSM_PK_RSA = 2  /* SHA256withRSA (PKCS#1 v1.5), fingerprint SHA-256 */
} ccsp_chsm_pk_alg;

typedef struct ccsp_chsm_pk_store ccsp_chsm_pk_store;
typedef struct ccsp_chsm_pk ccsp_chsm_pk; /* one stored key, owned by its store */

/* configCHSMPk's "algorithm" field: "sm2" or "SM2WithSM3" -> SM2; "rsa", "RSAWithSHA256" or
 * "SHA256withRSA" -> RSA; ASCII case-insensitive (7.4.2 aliases; case tolerance [DESIGN], as for oprType).
 * CCSP_ERR_UNSUPPORTED for anything else (400). */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_pk_alg_parse(const char *name, size_t len, ccsp_chsm_pk_alg *alg);
/* "sm2" / "rsa" (keyAlg in getCHSMPk's items), "?" otherwise. */
const char *ccsp_chsm_pk_alg_name(ccsp_chsm_pk_alg alg);

/* Open the store persisted at path: an absent file is an empty store (the file is written on the first
 * change). path NULL: a memory-only store (tests, fuzzing). CCSP_ERR_TAMPERED when the file is not exactly
 * as this module writes it (bad checksum, truncated, a key that does not validate, duplicates, > 2 keys):
 * it is refused, never half-read. CCSP_ERR_IO / CCSP_ERR_NOMEM otherwise. *out is NULL on failure. */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_pk_store_open(const char *path, ccsp_chsm_pk_store **out);
void ccsp_chsm_pk_store_free(ccsp_chsm_pk_store *s);

/* Number of keys (0..CCSP_CHSM_PK_MAX). */
size_t ccsp_chsm_pk_store_count(const ccsp_chsm_pk_store *s);
/* Key i in insertion order, NULL when i >= count. */
const ccsp_chsm_pk *ccsp_chsm_pk_store_get(const ccsp_chsm_pk_store *s, size_t i);

/* configCHSMPk: add the n key texts pks[i] (lens[i] bytes each, no NUL needed), all of kind alg
 * (CCSP_CHSM_PK_ANY: either). All or nothing: the file is replaced atomically (mode 0600) before the keys
 * appear in memory, and nothing changes on any error. Keys already stored, or repeated in pks, count once.
 * CCSP_OK also when nothing was new (*added = 0, the file is not rewritten). added may be NULL.
 * Errors (bad, when not NULL, receives the index of the first offending text):
 *   CCSP_ERR_ARG          n == 0, NULL pointers                                   -> 400
 *   CCSP_ERR_LIMIT        more than CCSP_CHSM_PK_MAX keys would be stored, or n > CCSP_CHSM_PK_ADD_MAX -> 400
 *   CCSP_ERR_DECODE       not a key text of an accepted form                       -> 400
 *   CCSP_ERR_UNSUPPORTED  another algorithm or curve, a private key, PEM label other than PUBLIC KEY -> 400
 *   CCSP_ERR_POINT / CCSP_ERR_KEY  SM2 point invalid / RSA modulus size or n, e out of range -> 400
 *   CCSP_ERR_KEY_TYPE     an SM2 key with alg RSA or the reverse                   -> 400
 *   CCSP_ERR_IO, CCSP_ERR_NOMEM, CCSP_ERR_INTERNAL: the store could not be saved   -> 500 */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_pk_store_add(ccsp_chsm_pk_store *s, ccsp_chsm_pk_alg alg, const char *const *pks,
                                                const size_t *lens, size_t n, size_t *added, size_t *bad);

/* Remove the key that authpk designates (any form ccsp_chsm_pk_store_find() takes), saving first.
 * CCSP_ERR_KEY_NOT_FOUND when none does. */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_pk_store_remove(ccsp_chsm_pk_store *s, const char *authpk, size_t len);
/* Remove every key (clearCHSMPk, 3.9 optional extension), saving first. */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_pk_store_clear(ccsp_chsm_pk_store *s);

/* The key a CHSM-AuthPK header value designates (§3.5 "Lookup"), NULL when none. Accepted, surrounding
 * whitespace ignored:
 *   a 32-byte hash in Base64 equal to one of the key's fingerprints: the canonical one; for SM2
 *   SM3(04||X||Y) and SM3(SPKI DER); for RSA SHA-256 of the Base64 SPKI text (open decision 3.13.3); for
 *   both, the hash of the exact text given to configCHSMPk;
 *   the key itself in any configCHSMPk form except PEM (a header holds one line): Base64 SPKI [A], hex,
 *   Base64 of the raw point.
 * len is bounded by CCSP_CHSM_PK_TEXT_MAX (longer: NULL). */
const ccsp_chsm_pk *ccsp_chsm_pk_store_find(const ccsp_chsm_pk_store *s, const char *authpk, size_t len);

ccsp_chsm_pk_alg ccsp_chsm_pk_get_alg(const ccsp_chsm_pk *k);
/* The canonical fingerprint, NUL-terminated, CCSP_CHSM_PK_FINGERPRINT_LEN characters. */
const char *ccsp_chsm_pk_fingerprint(const ccsp_chsm_pk *k);
/* The fingerprint hash: "sm3" (SM2) or "sha256" (RSA), getCHSMPk's "algorithm" / "hashAlg". */
const char *ccsp_chsm_pk_hash_name(const ccsp_chsm_pk *k);
/* The canonical DER SubjectPublicKeyInfo (valid as long as k). */
const uint8_t *ccsp_chsm_pk_spki(const ccsp_chsm_pk *k, size_t *len);

/* Verify sig (siglen bytes, already Base64-decoded) over msg with k (§3.5 "Signature algorithms"):
 *   SM2  e = SM3(Z || msg), Z with the default ID 1234567812345678. sig of 64 bytes is raw r||s, any other
 *        length DER SEQUENCE{r, s} (strict); a 64-byte sig that fails as raw and parses as DER is tried as
 *        DER too (a DER signature is 64 bytes about once in 2^32).
 *   RSA  RSASSA-PKCS1-v1_5 with SHA-256; a sig shorter than the modulus is left-padded with zeros (some
 *        encoders strip leading zero bytes), a longer one is malformed.
 * CCSP_OK when it verifies; CCSP_ERR_SIGNATURE when it does not (403); CCSP_ERR_DECODE when sig is not a
 * signature encoding for this key (400); CCSP_ERR_ARG, CCSP_ERR_NOMEM, CCSP_ERR_MODULE_STATE,
 * CCSP_ERR_INTERNAL are faults. */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_pk_verify(const ccsp_chsm_pk *k, const uint8_t *msg, size_t msglen,
                                             const uint8_t *sig, size_t siglen);

#endif

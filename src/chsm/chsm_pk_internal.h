/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to the platform-key store: one key (chsm_pk.c) and the file that persists the store (chsm_pk_file.c). */
#ifndef CCSP_CHSM_PK_INTERNAL_H
#define CCSP_CHSM_PK_INTERNAL_H

#include <openssl/types.h>

#include <ccsp/sm2.h>

#include "chsm/chsm_pk.h"

#define CHSM_PK_SPKI_MAX 1200 /* an RSA-8192 SPKI is 1062 bytes; an SM2 SPKI 91 */
#define CHSM_PK_HASH_SIZE 32
#define CHSM_PK_ALT_MAX 3

struct ccsp_chsm_pk {
	ccsp_chsm_pk_alg alg;
	ccsp_sm2_key *sm2; /* SM2 keys */
	EVP_PKEY *rsa;     /* RSA keys */
	uint8_t spki[CHSM_PK_SPKI_MAX]; /* canonical DER SubjectPublicKeyInfo */
	size_t spki_len;
	uint8_t fp[CHSM_PK_HASH_SIZE];  /* SM3(X||Y) or SHA-256(SPKI) */
	char fp_b64[CCSP_CHSM_PK_FINGERPRINT_LEN + 1];
	uint8_t text_hash[CHSM_PK_HASH_SIZE]; /* hash of the text configCHSMPk received (also in alt) */
	/* other accepted CHSM-AuthPK hashes (§3.5 Lookup): SM2 SM3(04||X||Y), SM3(SPKI), text hash;
	 * RSA SHA-256(Base64 SPKI), text hash */
	uint8_t alt[CHSM_PK_ALT_MAX][CHSM_PK_HASH_SIZE];
	size_t nalt;
};

/* A key from its text (the forms of chsm_pk.h; PEM only when allow_pem), validated. Its text hash is the
 * hash of the len bytes as given. */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_pk_from_text(const char *text, size_t len, int allow_pem, ccsp_chsm_pk_alg want,
                                                ccsp_chsm_pk **out);
/* A key from its canonical SPKI (the store file): the DER must be exactly the canonical re-encoding
 * (CCSP_ERR_DECODE otherwise) and of kind want. The key is fully validated. */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_pk_from_spki(const uint8_t *der, size_t len, ccsp_chsm_pk_alg want,
                                                const uint8_t text_hash[CHSM_PK_HASH_SIZE], ccsp_chsm_pk **out);
void ccsp_chsm_pk_free(ccsp_chsm_pk *k);
/* 1 when a and b are the same public key. */
int ccsp_chsm_pk_same(const ccsp_chsm_pk *a, const ccsp_chsm_pk *b);

#define CHSM_PK_FILE_MAX 16384 /* a larger store file is refused */

/* Load the store file: *n keys into keys[] (the caller frees them). CCSP_ERR_FILE_NOT_FOUND when path does
 * not exist, CCSP_ERR_TAMPERED when the file is not exactly as _save writes it, CCSP_ERR_IO, CCSP_ERR_NOMEM. */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_pk_file_load(const char *path, ccsp_chsm_pk *keys[CCSP_CHSM_PK_MAX], size_t *n);
/* Replace the store file with keys[0..n) atomically, mode 0600. */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_pk_file_save(const char *path, ccsp_chsm_pk *const *keys, size_t n);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to the keystore: its in-memory state (vsm_keystore.c) and the encrypted file that persists it
 * (vsm_keystore_file.c, which documents the format). Not thread-safe: the keystore's lock guards every call.
 */
#ifndef CCSP_VSM_KEYSTORE_FILE_H
#define CCSP_VSM_KEYSTORE_FILE_H

#include <stdint.h>

#include <ccsp/sm2.h>
#include <ccsp/sm4.h>

#include "vsm/vsm_keystore.h"

#define CCSP_VSM_INDEX_LIMIT 65535          /* largest max_index, and largest index a file may hold */
#define CCSP_VSM_PW_SALT_SIZE 16
#define CCSP_VSM_PW_HASH_SIZE 32
#define CCSP_VSM_PW_ITERATIONS 10000        /* PBKDF2-HMAC-SM3 iterations of new password records */
#define CCSP_VSM_PW_MAX_ITERATIONS (1u << 24) /* a file asking for more is refused (bounds check_password) */

/* Shorthands for functions with one cleanup exit: set `ret`, jump to `out` on failure. */
#define KS_CHECK(expr)                                                                             \
	do {                                                                                       \
		ret = (expr);                                                                      \
		if (ret != CCSP_OK)                                                                \
			goto out;                                                                  \
	} while (0)
#define KS_ENSURE(cond, err)                                                                       \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			ret = (err);                                                               \
			goto out;                                                                  \
		}                                                                                  \
	} while (0)

/* A salted PBKDF2-HMAC-SM3 hash of an index's access password; iterations == 0: no password. */
typedef struct ccsp_vsm_ks_password {
	uint8_t salt[CCSP_VSM_PW_SALT_SIZE];
	uint8_t hash[CCSP_VSM_PW_HASH_SIZE];
	uint32_t iterations;
} ccsp_vsm_ks_password;

/* SM2 index: pair[0] signing, pair[1] encryption (NULL when empty); pw set iff a pair is present. */
typedef struct ccsp_vsm_ks_sm2_slot {
	ccsp_sm2_key *pair[2];
	int64_t created[2];
	ccsp_vsm_ks_password pw;
} ccsp_vsm_ks_sm2_slot;

typedef struct ccsp_vsm_ks_kek_slot {
	uint8_t key[CCSP_VSM_KEK_SIZE];
	int64_t created;
	int used;
} ccsp_vsm_ks_kek_slot;

/* Index i of each table is element i - 1. Both arrays are in secure memory (ccsp_secure_alloc). */
typedef struct ccsp_vsm_ks_state {
	uint32_t max_index;
	ccsp_vsm_ks_sm2_slot *sm2;
	ccsp_vsm_ks_kek_slot *kek;
} ccsp_vsm_ks_state;

/* Slot of pair[] for an SM2 kind. */
static inline int ccsp_vsm_ks_pair_slot(ccsp_vsm_key_kind kind)
{
	return kind == CCSP_VSM_KEY_SIGN ? 0 : 1;
}

/* vsm_keystore.c: empty tables for indices 1..max_index (CCSP_ERR_NOMEM). */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_ks_state_init(ccsp_vsm_ks_state *st, uint32_t max_index);
/* Free every key and wipe every slot; the tables stay allocated. */
void ccsp_vsm_ks_state_clear(ccsp_vsm_ks_state *st);
/* Clear and release the tables. */
void ccsp_vsm_ks_state_free(ccsp_vsm_ks_state *st);

/* vsm_keystore_file.c: serialise st (NULL: an empty keystore), encrypt under sk and replace the file at path
 * atomically (mode 0600). */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_ks_file_save(const char *path, const ccsp_sm4_key *sk, const ccsp_vsm_ks_state *st);
/* Load the file at path into st, which must be empty. CCSP_ERR_FILE_NOT_FOUND when it does not exist;
 * CCSP_ERR_TAMPERED when it fails authentication or parsing; CCSP_ERR_LIMIT when it is authentic but holds an
 * index above st->max_index. On any error st is left empty. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_ks_file_load(const char *path, const ccsp_sm4_key *sk, ccsp_vsm_ks_state *st);

#endif

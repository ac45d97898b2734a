/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to src/vsm/: the VSM and session structures shared by its files. */
#ifndef CCSP_VSM_INTERNAL_H
#define CCSP_VSM_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include <ccsp/sm3.h>
#include <ccsp/sm4.h>

#include "vsm/vsm.h"
#include "vsm/vsm_audit.h"
#include "vsm/vsm_keystore.h"

typedef struct vsm_lockout vsm_lockout;
typedef struct vsm_file_area vsm_file_area;

/* One session key. */
typedef struct vsm_key_slot {
	uint64_t handle; /* 0 = free */
	uint32_t bits;   /* 128 or 256 */
	uint8_t key[CCSP_VSM_SESSION_KEY_MAX];
} vsm_key_slot;

/* The one multi-part operation a session may have in progress (GM/T 0018: state is per session). */
typedef enum vsm_stream_kind {
	VSM_STREAM_NONE = 0,
	VSM_STREAM_HASH,
	VSM_STREAM_HMAC,
	VSM_STREAM_ENCRYPT,  /* SM4 ECB, CBC, CFB, OFB or CTR (stream_alg) without padding */
	VSM_STREAM_DECRYPT,
	VSM_STREAM_MAC,      /* SM4 CBC-MAC */
	VSM_STREAM_AUTH_ENC, /* SM4-GCM */
	VSM_STREAM_AUTH_DEC, /* SM4-GCM, the plaintext withheld until the tag is checked */
} vsm_stream_kind;

/* SM4 in the modes the core has no streaming context for (ECB, CFB, OFB, CBC-MAC; vsm_stream.c). */
typedef struct vsm_sm4_stream {
	ccsp_sm4_key key;
	uint8_t reg[16]; /* CFB: the ciphertext block being built; OFB: the keystream block; MAC: the chaining value */
	uint8_t buf[16]; /* ECB, MAC: the pending partial block; CFB: the keystream block */
	size_t num;      /* ECB, MAC: bytes in buf; CFB, OFB: keystream bytes used (0: a new block starts) */
	uint64_t total;  /* MAC: bytes so far (CBC-MAC needs at least one block) */
} vsm_sm4_stream;

/* SM4-GCM AuthEnc / AuthDec (vsm_stream.c). */
typedef struct vsm_gcm_stream {
	ccsp_sm4_gcm_ctx gcm;
	uint64_t expect;  /* uiDataLength of the Init: what the Updates must add up to */
	uint64_t done;    /* bytes the Updates gave so far */
	uint8_t tag[16];  /* AuthDec: the tag Final checks */
	uint8_t *held;    /* AuthDec: expect bytes of plaintext, withheld until Final has checked the tag */
	uint64_t taken;   /* AuthDec: bytes of held Final has handed out */
	int verified;     /* AuthDec: the tag matched */
} vsm_gcm_stream;

struct ccsp_vsm_session {
	ccsp_vsm *vsm;
	uint64_t id;
	uint64_t owner;
	uint32_t slot;    /* index in the VSM's session table */
	uint32_t refs;    /* acquisitions in progress, under the table lock */
	int closed;       /* removed from the table; freed by the last release */
	pthread_mutex_t lock;
	uint8_t *rights;  /* bitmap of SM2 indices whose private keys this session may use */
	vsm_key_slot *keys; /* max_session_keys slots (secure memory) */
	ccsp_sm2_key *ext_pub;    /* the last caller public key (ExternalVerify/Encrypt): its tables are reused */
	uint8_t ext_pub_raw[64];
	struct vsm_agreements *agreements; /* SM2 key agreements in progress (vsm_kex.c), NULL until the first */
	vsm_stream_kind stream;
	uint32_t stream_alg; /* VSM_STREAM_ENCRYPT, _DECRYPT: the SGD_SM4_* mode */
	union {
		ccsp_sm3_ctx sm3;
		ccsp_hmac_sm3_ctx hmac;
		ccsp_sm4_cbc_ctx cbc;
		ccsp_sm4_ctr_ctx ctr;
		vsm_sm4_stream sm4;
		vsm_gcm_stream gcm;
	} st;
};

struct ccsp_vsm {
	char *dir;
	ccsp_vsm_limits lim;
	_Atomic int state; /* ccsp_vsm_state */
	uint8_t *keys;     /* secure memory: storage key (16) || audit key (32) || file key (16) */
	ccsp_vsm_keystore *ks;
	ccsp_vsm_audit *audit;
	char *audit_path;
	pthread_mutex_t table_lock;
	ccsp_vsm_session **sessions; /* max_sessions entries */
	uint32_t nsessions;
	pthread_mutex_t token_lock;
	uint8_t token_hash[32];
	int token_set;
	pthread_mutex_t lockout_lock;
	vsm_lockout *lockout; /* max_index + 1 entries (vsm_lockout.c) */
	_Atomic uint64_t auth_dec_held; /* bytes all AuthDec operations have reserved (<= CCSP_VSM_AUTH_DEC_TOTAL) */
	vsm_file_area *files; /* the GM/T 0018 file area (vsm_file.c) */
};

#define VSM_STORAGE_KEY(v) ((v)->keys)
#define VSM_AUDIT_KEY(v) ((v)->keys + 16)
#define VSM_FILE_KEY(v) ((v)->keys + 48)
#define VSM_KEYS_SIZE 64

/* The file area (vsm_file.c): open DIR/files (created 0700) and index it, setting vsm->files (vsm_files_free
 * releases it even when open fails); free (NULL-safe); delete every file (zeroisation). */
ccsp_err vsm_files_open(ccsp_vsm *vsm);
void vsm_files_free(ccsp_vsm *vsm);
ccsp_err vsm_files_wipe(ccsp_vsm *vsm);

/* Failed-password limits per key index (vsm_lockout.c). check: CCSP_ERR_LIMIT while the index is locked. */
vsm_lockout *vsm_lockout_new(uint32_t max_index);
ccsp_err vsm_lockout_check(ccsp_vsm *vsm, uint32_t index);
void vsm_lockout_record(ccsp_vsm *vsm, uint32_t index, int ok);

/* The session's key slot for handle; NULL when there is none. */
vsm_key_slot *vsm_session_key(ccsp_vsm_session *s, uint64_t handle);
/* Store a new session key (len 16 or 32) and return its handle. CCSP_ERR_LIMIT when the session is full. */
ccsp_err vsm_session_add_key(ccsp_vsm_session *s, const uint8_t *key, size_t len, uint64_t *handle);
/* Whether the session holds the access right of index. */
int vsm_session_has_right(const ccsp_vsm_session *s, uint32_t index);
/* Wipe and reset the session's multi-part state. */
void vsm_session_end_stream(ccsp_vsm_session *s);
/* Wipe and free the buffer of an AuthDec in progress and return its reservation (vsm_stream.c). */
void vsm_stream_free_held(ccsp_vsm_session *s);
/* SM4 one-shot with a raw key: keylen 32 for XTS, 16 otherwise (vsm_sym.c). */
ccsp_err vsm_sm4_crypt(const uint8_t *key, size_t keylen, uint32_t alg, int enc, const uint8_t *iv,
                       const uint8_t *in, size_t len, uint8_t *out);
/* A secret key's wrap under the KEK at index, the one unwrap of ccsp_vsm_key_import_kek, the SM4-GCM functions with a
 * wrapped key and the KMS's material (vsm_wrapped.c). open: vsm_ready, then the SM4-ECB wrap (wrappedlen 16 or 32)
 * or the sealed one (CCSP_VSM_WRAPPED_SECRET_SIZE of 16 or 32) into key, *keylen set; CCSP_ERR_KEY_LENGTH for
 * another length, CCSP_ERR_KEY for a sealed wrap that does not open, CCSP_ERR_KEY_NOT_FOUND when no KEK is there.
 * The caller wipes key. wrap: the sealed wrap of key (keylen 16 or 32) with a fresh IV (the caller has checked
 * vsm_ready). sealed: whether wlen is a sealed wrap's. */
CCSP_MUST_CHECK ccsp_err vsm_key_unwrap_kek(ccsp_vsm_session *s, uint32_t index, const uint8_t *wrapped,
                                            size_t wrappedlen, uint8_t key[CCSP_VSM_SESSION_KEY_MAX], size_t *keylen);
CCSP_MUST_CHECK ccsp_err vsm_secret_wrap(ccsp_vsm_session *s, uint32_t kek_index, const uint8_t *key, size_t keylen,
                                         uint8_t wrapped[CCSP_VSM_WRAPPED_SECRET_MAX], size_t *wlen);
int vsm_secret_wrap_sealed(size_t wlen);
/* Service guard: CCSP_ERR_MODULE_STATE unless operational. */
ccsp_err vsm_ready(const ccsp_vsm *vsm);
/* vsm_ready, a valid index and the session's access right to it (a refusal is audited). */
ccsp_err vsm_require_right(ccsp_vsm_session *s, uint32_t index);
/* Wipe and free the session's pending key agreements (vsm_kex.c). */
void vsm_session_end_agreements(ccsp_vsm_session *s);
/* The authenticated pair wrap of the vendor extension (vsm_wrapped.c; format in vsm.h), shared with vsm_byok.c.
 * wrap: seal d for usage (CCSP_VSM_KEY_SIGN or _ENC, else CCSP_ERR_ARG) under the KEK at kek_index with a fresh
 * IV; the caller has checked vsm_ready. unwrap: vsm_ready, then the private key of a wrap made for usage into d;
 * CCSP_ERR_KEY (malformed, or its tag fails: audited as "wrap.refused"), CCSP_ERR_KEY_TYPE (the other usage),
 * CCSP_ERR_KEY_NOT_FOUND (no KEK). d is written only on success; the caller wipes it. */
CCSP_MUST_CHECK ccsp_err vsm_pair_wrap(ccsp_vsm_session *s, uint32_t kek_index, ccsp_vsm_key_kind usage,
                                       const uint8_t d[CCSP_SM2_PRIVATE_KEY_SIZE],
                                       uint8_t wrapped[CCSP_VSM_WRAPPED_PAIR_SIZE]);
CCSP_MUST_CHECK ccsp_err vsm_pair_unwrap(ccsp_vsm_session *s, uint32_t kek_index, ccsp_vsm_key_kind usage,
                                         const uint8_t *w, size_t wlen, uint8_t d[CCSP_SM2_PRIVATE_KEY_SIZE]);

/* Key material of the KMS's kinds (vsm_byok.c), shared with vsm_backup.c: the bytes of kind's material (16 SM4,
 * 32 HMAC, 32 an SM2 d; 0 for no kind); unwrap: vsm_ready, then the material of a wrap of kind under the KEK
 * (symmetric kinds: SM4-ECB, a wrap of another length is CCSP_ERR_KEY; SM2 kinds: vsm_pair_unwrap's answers) into
 * m; wrap: the material m of kind under the KEK (the caller has checked vsm_ready), *wlen set. pair_check: d a
 * valid scalar whose public key is pub (x || y), else CCSP_ERR_KEY. The caller wipes m. */
#define VSM_MATERIAL_MAX 32
size_t vsm_material_len(ccsp_vsm_material kind);
CCSP_MUST_CHECK ccsp_err vsm_material_unwrap(ccsp_vsm_session *s, uint32_t kek_index, ccsp_vsm_material kind,
                                             const uint8_t *w, size_t wlen, uint8_t m[VSM_MATERIAL_MAX]);
CCSP_MUST_CHECK ccsp_err vsm_material_wrap(ccsp_vsm_session *s, uint32_t kek_index, ccsp_vsm_material kind,
                                           const uint8_t *m, uint8_t wrapped[CCSP_VSM_WRAPPED_PAIR_SIZE],
                                           size_t *wlen);
CCSP_MUST_CHECK ccsp_err vsm_pair_check(const uint8_t d[CCSP_SM2_PRIVATE_KEY_SIZE], const uint8_t pub[64]);

#endif

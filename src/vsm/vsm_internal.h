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
} vsm_stream_kind;

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
	vsm_stream_kind stream;
	union {
		ccsp_sm3_ctx sm3;
		ccsp_hmac_sm3_ctx hmac;
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
};

#define VSM_STORAGE_KEY(v) ((v)->keys)
#define VSM_AUDIT_KEY(v) ((v)->keys + 16)
#define VSM_FILE_KEY(v) ((v)->keys + 48)
#define VSM_KEYS_SIZE 64

/* The session's key slot for handle; NULL when there is none. */
vsm_key_slot *vsm_session_key(ccsp_vsm_session *s, uint64_t handle);
/* Store a new session key (len 16 or 32) and return its handle. CCSP_ERR_LIMIT when the session is full. */
ccsp_err vsm_session_add_key(ccsp_vsm_session *s, const uint8_t *key, size_t len, uint64_t *handle);
/* Whether the session holds the access right of index. */
int vsm_session_has_right(const ccsp_vsm_session *s, uint32_t index);
/* Wipe and reset the session's multi-part state. */
void vsm_session_end_stream(ccsp_vsm_session *s);
/* Service guard: CCSP_ERR_MODULE_STATE unless operational. */
ccsp_err vsm_ready(const ccsp_vsm *vsm);

#endif

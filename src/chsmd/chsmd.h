/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chsmd — the cloud HSM host: the GM/T 0088 management interface over the shared HTTPS/JSON layer
 * (src/common/http_server.h), the VSM supervisor (src/chsm/chsm_vsm.h), the platform-key store and request
 * authorization (src/chsm/chsm_pk.h, chsm_auth.h) and the key hierarchy (src/chsm/chsm_keys.h).
 * One context object, passed to every handler; nothing else is global.
 */
#ifndef CCSP_CHSMD_H
#define CCSP_CHSMD_H

#include <pthread.h>
#include <stdatomic.h>

#include <jansson.h>

#include "chsm/chsm_keys.h"
#include "chsm/chsm_pk.h"
#include "chsm/chsm_vsm.h"
#include "common/http_server.h"
#include "common/log.h"
#include "common/taskq.h"

#define CHSMD_CONF "chsmd.conf"
#define CHSMD_DEFAULT_LISTEN "127.0.0.1:7443"
#define CHSMD_VERSION "0.1.0"

/* Route roles: who may call (spec §3.4). */
enum { CHSMD_GUEST = 0, CHSMD_TRUSTED = 1, CHSMD_GUEST_UNTIL_KEY = 2 };

typedef struct chsmd {
	char *dir;
	char *vsm_host;    /* address the VSMs listen on */
	unsigned vsm_port_base;
	chsm_keys *keys;
	ccsp_chsm_pk_store *pks; /* touched on the loop thread only */
	ccsp_chsm_sup *sup;
	ccsp_http_server *http;
	ccsp_taskq *tasks;
	ccsp_log *log;
	pthread_mutex_t lock; /* settings */
	json_t *settings;     /* network, ntp, upload and log addresses (DIR/settings.json) */
	char device_fingerprint[64];
	_Atomic int stopping; /* set once the server has drained: callbacks stop retrying */
} chsmd;

/* envelope.c: the response envelope {status, message, timestamp, requestId, costMillis, result}, the error
 * renderer and the authorization callback of the HTTP layer. */
json_t *chsmd_envelope(const ccsp_http_request *req, int status, const char *message, json_t *result);
json_t *chsmd_render_error(void *arg, const ccsp_http_request *req, int status, const char *message);
int chsmd_authorize(void *arg, ccsp_http_request *req, int role, const char **message);
/* Answer 200 with result (stolen; may be NULL). */
void chsmd_ok(ccsp_http_request *req, json_t *result);
/* "yyyy-MM-dd'T'HH:mm:ss.SSSZ" of a Unix time in ms (UTC, "+0000"). */
void chsmd_timestamp(int64_t unix_ms, char out[32]);
/* A required non-empty string member of the body (NULL and a 400 answer when absent). */
const char *chsmd_body_str(ccsp_http_request *req, const char *name);
/* The body's oprType, lower-cased into buf (spec: case-insensitive); NULL and a 400 when missing. */
const char *chsmd_opr_type(ccsp_http_request *req, char *buf, size_t cap);
/* The requestId check every interface makes: 0, or -1 after answering 400. */
int chsmd_require_request_id(ccsp_http_request *req);

/* api_*.c: the handlers, one file per area; the route table is in main.c. */
void chsmd_api_chsm_status(void *arg, ccsp_http_request *req);
void chsmd_api_chsm_allstatus(void *arg, ccsp_http_request *req);
void chsmd_api_chsm(void *arg, ccsp_http_request *req);
void chsmd_api_chsm_network(void *arg, ccsp_http_request *req);
void chsmd_api_chsm_ntp(void *arg, ccsp_http_request *req);
void chsmd_api_chsm_uploader(void *arg, ccsp_http_request *req);
void chsmd_api_chsm_loguploader(void *arg, ccsp_http_request *req);
void chsmd_api_chsm_image(void *arg, ccsp_http_request *req);
void chsmd_api_authpk_get(void *arg, ccsp_http_request *req);
void chsmd_api_authpk_post(void *arg, ccsp_http_request *req);
void chsmd_api_vsm_status(void *arg, ccsp_http_request *req);
void chsmd_api_vsm(void *arg, ccsp_http_request *req);
void chsmd_api_vsm_network(void *arg, ccsp_http_request *req);
void chsmd_api_vsm_token(void *arg, ccsp_http_request *req);
void chsmd_api_vsm_image(void *arg, ccsp_http_request *req);

/* tasks.c: a long operation validated by its handler runs on the task queue; when it ends, its result is POSTed
 * to callbackUrl (spec §3.7) in the envelope plus {oprType, target, vsmId}, signed with the device key,
 * retried with backoff. fn returns the status (200 or a §3.11 code), sets *message and may set *result. */
typedef int (*chsmd_task_fn)(chsmd *d, const char *vsm_id, json_t *params, const char **message, json_t **result);
/* Claim claim_key (409 answered when busy), answer 200 with accepted (stolen; NULL for {"taskStatus":"accepted"})
 * and queue fn. Returns 0, or -1 after answering the refusal. */
int chsmd_task_start(chsmd *d, ccsp_http_request *req, const char *claim_key, const char *opr_type,
                     const char *target, const char *vsm_id, chsmd_task_fn fn, json_t *accepted);

/* settings.c */
CCSP_MUST_CHECK ccsp_err chsmd_settings_load(chsmd *d);
/* Merge fields (stolen) into the settings and persist atomically. */
CCSP_MUST_CHECK ccsp_err chsmd_settings_update(chsmd *d, json_t *fields);
/* A new reference to a copy of the settings. */
json_t *chsmd_settings_get(chsmd *d);

/* init.c: chsmd --init. Returns 0 or 1 (message printed). */
int chsmd_init(const char *dir, const char *listen);
/* The storage key of a VSM (the supervisor's callback): SM3-KDF of the master key, id and the VSM's salt. */
ccsp_err chsmd_vsm_storage_key(void *arg, const char *id, uint8_t key[16]);
/* Forget a deleted VSM's salt: its storage key can never be derived again. */
void chsmd_vsm_forget_key(chsmd *d, const char *id);

#endif

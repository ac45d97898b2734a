/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccspd — the cloud crypto service platform (T/TCCIA 0002/0003): the REST API over the shared HTTPS/JSON layer
 * (src/common/http_server.h), the platform's modules (src/platform/) and its own VSM (src/platform/pvsm.h).
 * One context object, passed to every handler; nothing else is global.
 */
#ifndef CCSP_CCSPD_H
#define CCSP_CCSPD_H

#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>

#include <jansson.h>

#include "common/config.h"
#include "common/g88_client.h"
#include "common/http_server.h"
#include "common/log.h"
#include "common/taskq.h"
#include "platform/apierr.h"
#include "platform/metering.h"
#include "platform/metrics.h"
#include "platform/pool.h"
#include "platform/pvsm.h"
#include "platform/store/store.h"
#include "platform/store/store_identity.h"
#include "platform/store/store_pool.h"

#define CCSPD_CONF "ccspd.conf"
#define CCSPD_DEFAULT_LISTEN "127.0.0.1:8443"
#define CCSPD_VERSION "0.1.0"
#define API "/api/v1"

typedef struct ccspd ccspd;
typedef struct ccspd_appauth ccspd_appauth;
typedef struct ccspd_auditor ccspd_auditor;
typedef struct ccspd_kms_sweeper ccspd_kms_sweeper;
typedef struct ccspd_meter_flusher ccspd_meter_flusher;

/* Route roles of the HTTP layer: the public GETs, and the actions, which go through the gateway (gateway.c). */
enum { CCSPD_PUBLIC = 0, CCSPD_ACTION = 1 };

/* ---- the gateway (gateway.c): every action is authenticated, checked against its permission set and run on the
 * task queue, in one place ---- */

/* Who may call an action: a set of these bits (the caller's kind and role). */
enum {
	CCSPD_MAY_ANONYMOUS = 1u << 0,    /* no credentials (login) */
	CCSPD_MAY_APP = 1u << 1,          /* an application: signed request or app session token */
	CCSPD_MAY_SYSADMIN = 1u << 2,     /* operators */
	CCSPD_MAY_SECADMIN = 1u << 3,
	CCSPD_MAY_AUDITOR = 1u << 4,
	CCSPD_MAY_TENANT_ADMIN = 1u << 5, /* tenant members */
	CCSPD_MAY_USER = 1u << 6,
	CCSPD_MAY_PENDING = 1u << 7,      /* also a person whose password must be changed first (else CCSP-3001) */
	CCSPD_RUN_INLINE = 1u << 8,       /* not a caller: the action never waits (no store, no VSM), so a call with a
	                                     cached session may run on the event loop (gateway.c, run_inline) */
};
#define CCSPD_MAY_PEOPLE                                                                                       \
	(CCSPD_MAY_SYSADMIN | CCSPD_MAY_SECADMIN | CCSPD_MAY_AUDITOR | CCSPD_MAY_TENANT_ADMIN | CCSPD_MAY_USER)

typedef enum ccspd_caller_kind { CCSPD_ANONYMOUS = 0, CCSPD_CALLER_APP = 1, CCSPD_CALLER_PERSON = 2 } ccspd_caller_kind;

/* The authenticated caller of one action. */
typedef struct ccspd_caller {
	ccspd_caller_kind kind;
	char id[CCSP_STORE_ID_LEN + 1];        /* the app's or the principal's id */
	char tenant_id[CCSP_STORE_ID_LEN + 1]; /* "" for operators */
	char name[CCSP_STORE_NAME_MAX + 1];    /* login or app name (logs, audit) */
	ccsp_store_role role;                  /* people */
	int must_change;                       /* people: the password must be changed first */
	int by_session;                        /* authenticated by a bearer token: session holds its SM3 hash */
	uint8_t session[CCSP_STORE_TOKEN_HASH_SIZE];
} ccspd_caller;

/* The metering of one call of a tenant's caller (meter.c): attached to the request by the gateway once the caller
 * is authenticated, recorded by ccspd_answered when the answer is written, freed with the request. */
typedef struct ccspd_meter {
	ccsp_metrics_tenant *tenant_metrics;
	char tenant_id[CCSP_STORE_ID_LEN + 1];
	char app_id[CCSP_STORE_ID_LEN + 1]; /* the calling app's id; "" for people */
	char key_id[CCSP_STORE_ID_LEN + 1]; /* the KMS key the action used (ccspd_meter_key); "" for none */
	const char *path;                   /* the action's path (the static action table) */
} ccspd_meter;

/* One call of an action, on a task-queue thread. The action answers exactly once, with ccspd_ok or ccspd_fail;
 * body is the request's JSON object. */
typedef struct ccspd_call {
	ccspd *d;
	ccsp_http_request *req;
	const ccspd_caller *who;
	json_t *body;
	ccspd_meter *meter; /* NULL: the call is not metered (no tenant: operators, anonymous callers) */
	json_t *capture;    /* an item of crypto/batch: the answer is recorded here (call_answer.c), not sent */
	/* an item of crypto/batch that is a plain SM3 hash: its digest, computed with the batch's other such items
	 * (act_crypto_batch.c); NULL otherwise */
	const uint8_t *sm3_ready;
} ccspd_call;

/* meter.c: the key id (32 hex digits; anything else counts as no key) the call used, for metering. Call it before
 * the answer (ccspd_ok / ccspd_fail): the meter goes with the request. No effect on a call not metered. */
void ccspd_meter_key(ccspd_call *c, const char *key_id);
/* One item of crypto/batch counted as a call of action ("crypto/sign") by m's tenant, app and key. */
void ccspd_meter_item(ccspd *d, const ccspd_meter *m, const char *action, int ok, uint64_t bytes);
typedef void (*ccspd_action_fn)(ccspd_call *c);

typedef struct ccspd_action {
	const char *path; /* API "/<area>/<action>", POST */
	unsigned may;     /* CCSPD_MAY_* */
	ccspd_action_fn fn;
} ccspd_action;

/* The action table (main.c): the API reference in one place. */
extern const ccspd_action ccspd_actions[];
extern const size_t ccspd_n_actions;
/* The HTTP handler of every action: hands the request to the task queue, where it is authenticated, checked
 * and run. */
void ccspd_gateway(void *arg, ccsp_http_request *req);
/* The gateway keeps authenticated sessions in memory for CCSPD_SESSION_CACHE_MS, so that a busy session costs no
 * store read per request. Whatever ends or disables sessions (logout, password change, disabling a person, an app
 * or a tenant) calls ccspd_sessions_forget; another ccspd node sees such a change within CCSPD_SESSION_CACHE_MS. */
#define CCSPD_SESSION_CACHE_MS 2000
CCSP_MUST_CHECK ccsp_err ccspd_sessions_open(ccspd *d);
void ccspd_sessions_close(ccspd *d);
void ccspd_sessions_forget(ccspd *d);

/* The platform's clock in Unix ms (session limits, audit, replay window). Tests may shift it: ccspd reads an
 * offset in seconds from DIR/test-clock-offset when started with CCSPD_TEST_CLOCK=1 in its environment. */
int64_t ccspd_now_ms(const ccspd *d);

struct ccspd {
	const char *dir;
	ccsp_log *log;
	ccsp_http_server *http;
	ccsp_metrics *metrics;
	ccsp_taskq *tasks;
	ccsp_pvsm *pvsm; /* NULL until the platform VSM answered (readyz) */
	ccsp_store *store;
	int64_t started_ms;
	int64_t clock_offset_ms; /* tests only (ccspd_now_ms) */
	uint32_t session_idle_s, session_absolute_s, session_max; /* ccspd.conf */
	uint32_t vsm_kek_index; /* the platform VSM's KEK that wraps the data-protection key (ccspd.conf) */
	int kms_legacy_wraps;   /* KMS keys stored in the SM4-ECB wrap are used (ccspd.conf kms_legacy_wraps = accept) */
	ccspd_appauth *appauth; /* signed-request verification: secrets cache, nonces (appauth.c) */
	ccspd_auditor *auditor; /* the audit signing key and the checkpointer (audit_sign.c) */
	ccspd_kms_sweeper *kms_sweeper; /* the sweep of due key deletions (kms_sweep.c); NULL when off */
	ccsp_metering *metering;        /* usage counts not flushed yet (meter.c, src/platform/metering.h) */
	ccspd_meter_flusher *meter_flusher;
	struct ccspd_sessions *sessions; /* the gateway's session cache (gateway.c) */
	ccsp_pool *pool;                 /* the resource pool's scheduler (resource_pool.c, src/platform/pool.h) */
	struct ccspd_pool_keeper *pool_keeper;
	struct ccspd_tvsm_keeper *tvsm_keeper; /* tenants' VSMs imaged and drifted (tvsm_keeper.c); NULL when off */
	char g88_callback_url[CCSP_STORE_POOL_URL_MAX + 1]; /* where CHSMs send their callbacks (pool_open; serve) */
	/* the TLCP listener's double certificate, also presented on tlcp:// GM/T 0088 calls; all NULL without
	 * tlcp_listen (main.c) */
	ccsp_tlcp_http_identity g88_tlcp_own;
	_Atomic int stopping;
	_Atomic int64_t sessions_counted_ms; /* when /metrics last counted the sessions in the store (api_ops.c) */
};

/* resource_pool.c: the resource pool fed from the store, health-checked on a ticker. refresh re-reads the
 * membership now (after a change). */
CCSP_MUST_CHECK ccsp_err ccspd_pool_open(ccspd *d, const ccsp_config *cfg, char *err, size_t errlen);
void ccspd_pool_close(ccspd *d);
CCSP_MUST_CHECK ccsp_err ccspd_pool_refresh(ccspd *d);
/* The members' metrics in the Prometheus text format (malloc'd; NULL when out of memory). */
char *ccspd_pool_metrics(ccspd *d);

/* pool_sched.c: the scheduler's versions (POOL-3): a stable one and, in gray release, a candidate that runs the
 * operations of grayPercent of the applications (chosen by their id's bucket, the same on every node). */
typedef struct ccspd_sched {
	int64_t stable_version, stable_since;
	ccsp_pool_policy stable_policy;
	int64_t candidate_version; /* 0: none */
	int64_t candidate_since, gray_percent;
	ccsp_pool_policy candidate_policy;
	int64_t last_version; /* the highest version ever made: a rolled-back version's number is not reused */
} ccspd_sched;
void ccspd_sched_default(ccspd_sched *s); /* version 1, least-loaded, no candidate */
/* The record in the store (the default when none): CCSP_ERR_TAMPERED when unreadable. */
CCSP_MUST_CHECK ccsp_err ccspd_sched_read(ccsp_store_tx *tx, ccspd_sched *s);
CCSP_MUST_CHECK ccsp_err ccspd_sched_write(ccsp_store_tx *tx, const ccspd_sched *s);
json_t *ccspd_sched_json(const ccspd_sched *s);
/* The policy an operation for app (NULL or "": a person's) runs by. */
ccsp_pool_policy ccspd_sched_policy(const ccspd_sched *s, const char *app);
/* resource_pool.c: this node's copy, read with the pool (ccspd_pool_refresh; after a change made here too). */
void ccspd_pool_sched_get(ccspd *d, ccspd_sched *s);

/* pool_chsm.c: ccspd as the cloud platform of GM/T 0088 — its platform key (an SM2 pair made in the platform VSM,
 * kept wrapped in the store) and the libsdf client configs of CHSM VSMs on this node. */
typedef struct ccspd_g88_key {
	ccspd *d;
	uint8_t wrapped[CCSP_PVSM_WRAPPED_MAX];
	size_t wlen;
	ccsp_g88_signer signer; /* signs in the platform VSM; signer.pub is the public key */
} ccspd_g88_key;
/* Load the platform key (create: make it when there is none; *created says so). CCSP_ERR_NOT_FOUND (none and not
 * create), CCSP_ERR_TAMPERED (an unreadable stored value), the VSM's and the store's errors. */
CCSP_MUST_CHECK ccsp_err ccspd_g88_key_load(ccspd *d, int create, ccspd_g88_key *k, int *created);
/* The associated data that binds a CHSM VSM's sealed token to it. */
void ccspd_pool_vsm_token_aad(const char *chsm_id, const char *vsm_id, char *out, size_t cap);
/* DIR/pool/<chsmId>-<vsmId>.conf. CCSP_ERR_ARG when too long. */
CCSP_MUST_CHECK ccsp_err ccspd_pool_vsm_conf_path(ccspd *d, const char *chsm_id, const char *vsm_id,
                                                  char path[PATH_MAX]);
/* getVSMInfo: where a CHSM VSM listens and how libsdf reaches it (pool_lease.c ccspd_g88_vsm_channel). */
typedef struct ccspd_vsm_channel {
	char address[CCSP_STORE_POOL_INFO_MAX + 1];  /* HOST:PORT or [HOST]:PORT */
	char tls_cert[CCSP_STORE_POOL_PEM_MAX + 1];  /* tlsCert: the VSM's TLS certificate (what the store records) */
	int tlcp;                                    /* transport "tlcp": the VSM serves TLCP (GB/T 38636) */
	char tlcp_ca[CCSP_STORE_POOL_PEM_MAX + 1];   /* with tlcp: tlcpCaCert, the CHSM's device CA */
} ccspd_vsm_channel;
/* What libsdf trusts for ch: the device CA on TLCP, else the VSM's TLS certificate. */
const char *ccspd_vsm_channel_trust(const ccspd_vsm_channel *ch);
/* Write the client config of link's VSM reached through ch (address, transport = tlcp when ch->tlcp) with token,
 * and the certificate libsdf trusts beside it, atomically, mode 0600. */
CCSP_MUST_CHECK ccsp_err ccspd_pool_vsm_conf_write(ccspd *d, const ccsp_store_pool_vsm_link *link,
                                                   const ccspd_vsm_channel *ch, const char *token,
                                                   char path[PATH_MAX]);
/* The libsdf config of a pool device on this node: its address for kind "sdf", the CHSM VSM's config (written
 * when missing) for kind "chsm-vsm". */
CCSP_MUST_CHECK ccsp_err ccspd_pool_device_conf(ccspd *d, const ccsp_store_pool_device *dev, char path[PATH_MAX]);
/* Its path, written first (token unsealed) when this node has none: the channel is asked of the CHSM then
 * (getVSMInfo: address, transport, trust), so CCSP_ERR_COMM when the CHSM does not answer. */
CCSP_MUST_CHECK ccsp_err ccspd_pool_vsm_conf_ensure(ccspd *d, const ccsp_store_pool_vsm_link *link,
                                                    char path[PATH_MAX]);

/* tvsm_keeper.c: tenants' own VSMs imaged after each change of their data and drifted onto another VSM when down
 * (image_upload_url, tenant_vsm_check_interval_s, tenant_vsm_drift_after in ccspd.conf); VSMs retired from tenants
 * (released, drifted away from) reset. */
typedef struct ccspd_tvsm_keeper ccspd_tvsm_keeper;
CCSP_MUST_CHECK ccsp_err ccspd_tvsm_keeper_open(ccspd *d, const ccsp_config *cfg, char *err, size_t errlen);
void ccspd_tvsm_keeper_close(ccspd *d);
/* ccspd.conf image_upload_url, "" when none. */
const char *ccspd_image_upload_url(const ccspd *d);
/* The callback of an export task (done): record the image its result names, in the callback's transaction. */
CCSP_MUST_CHECK ccsp_err ccspd_tvsm_exported(ccspd *d, ccsp_store_tx *tx, const ccsp_store_pool_task *t,
                                             json_t *result);
/* The callback of a drift task (after its answer): move the tenant onto the new VSM (done), or free the drift. */
void ccspd_tvsm_drift_done(ccspd *d, const ccsp_store_pool_task *t, const ccsp_store_pool_chsm *chsm, int done);

/* pool_lease.c: calls to a CHSM and the lease of a CHSM VSM into the pool. A failure's answer code and text. */
typedef struct ccspd_pool_fail {
	ccsp_apierr code;
	char msg[CCSP_G88_MESSAGE_MAX + 160];
	int no_answer; /* set by ccspd_g88_call: the CHSM did not answer at all (no connection, timeout) */
} ccspd_pool_fail;
/* One GM/T 0088 call (req stolen): 0 with the answer's result (NULL when none; the caller's) when the CHSM said
 * 200, else -1 with f set (CCSP-9001: it does not answer, or refused, with its status and message). */
/* The target of a CHSM at url (ca_pem: its CA, "" or NULL for none), with this node's TLCP identity for tlcp URLs. */
ccsp_g88_target ccspd_g88_target(const ccspd *d, const char *url, const char *ca_pem);
int ccspd_g88_call(const ccsp_g88_target *t, const ccsp_g88_signer *s, const char *path, json_t *req,
                   json_t **result, ccspd_pool_fail *f);
/* A fresh random token (CCSPD_VSM_TOKEN_LEN hex digits) into token, set on VSM vsm_id of chsm with configVSMToken
 * (with tenantId when not NULL; the VSM's vsmd restarts with it). 0, or -1 with f set. */
#define CCSPD_VSM_TOKEN_LEN 48
int ccspd_g88_vsm_token(ccspd *d, const ccsp_store_pool_chsm *chsm, const char *vsm_id, const char *tenant_id,
                        char token[CCSPD_VSM_TOKEN_LEN + 1], ccspd_pool_fail *f);
/* getVSMInfo: the VSM's channel (address, tlsCert, transport and, on TLCP, tlcpCaCert). 0, or -1 with f set (no
 * address or certificate, or transport "tlcp" without tlcpCaCert). */
int ccspd_g88_vsm_channel(ccspd *d, const ccsp_store_pool_chsm *chsm, const char *vsm_id, ccspd_vsm_channel *ch,
                          ccspd_pool_fail *f);
/* getVSMInfo: the VSM's HOST:PORT and TLS certificate (tlsCert). 0, or -1 with f set. */
int ccspd_g88_vsm_info(ccspd *d, const ccsp_store_pool_chsm *chsm, const char *vsm_id,
                       char address[CCSP_STORE_POOL_INFO_MAX + 1], char cert_pem[CCSP_STORE_POOL_PEM_MAX + 1],
                       ccspd_pool_fail *f);
/* Lease VSM vsm_id of chsm as the pool device named dev->name: configVSMToken with a fresh token (sealed into
 * the link), getVSMInfo (address, tlsCert), this node's config, the availability check, the device and link
 * stored and audited (pool.chsm-vsm-register, by c's caller or, c NULL, by the system). 0 with dev and link set,
 * or -1 with f set. The caller has checked that neither the name nor the VSM is registered. */
int ccspd_pool_vsm_lease(ccspd *d, ccspd_call *c, const ccsp_store_pool_chsm *chsm, const char *vsm_id,
                         ccsp_store_pool_device *dev, ccsp_store_pool_vsm_link *link, ccspd_pool_fail *f);

/* pool_image.c: CHSM images in ccspd's hands (they stay sealed for the CHSMs' trust domain). ccspd_image_sign
 * fetches the image at url, checks it is of size bytes and SM3 digest (Base64, as the exporting CHSM's signed
 * callback said) and signs it with the platform key (Base64 DER, what createVSM/importVSM check): 0, or -1 with
 * *why. ccspd_g88_create_from_image asks chsm for createVSM with it (requestId task->request_id, the caller's; the
 * callback to ccspd): 0 with task's chsm_id, opr_type "create" and vsm_id filled, or -1 with *f. */
#define CCSPD_IMAGE_SIG_MAX 128
int ccspd_image_sign(ccspd *d, const char *url, const char *digest, int64_t size, char sig64[CCSPD_IMAGE_SIG_MAX + 1],
                     const char **why);
int ccspd_g88_create_from_image(ccspd *d, const ccsp_store_pool_chsm *chsm, int flavor, const char *url,
                                const char *sig64, ccsp_store_pool_task *task, ccspd_pool_fail *f);
/* exportVSM of vsm_id on chsm to the image server (configCHSMUploadAddress with image_upload_url first), requestId
 * request_id, the callback to ccspd: 0, or -1 with *f (CCSP_APIERR_BAD_REQUEST: no image_upload_url). */
int ccspd_g88_export(ccspd *d, const ccsp_store_pool_chsm *chsm, const char *vsm_id, const char *request_id,
                     ccspd_pool_fail *f);


/* envelope.c: answers, the error body, the HTTP layer's callbacks. */
void ccspd_ok(ccsp_http_request *req, json_t *result); /* 200 with result (stolen) */
/* call_answer.c: the answer of a call — ccspd_ok / ccspd_fail on its request, or, for an item of crypto/batch
 * (c->capture set), the item's result recorded in c->capture: {"status": 200, result's members} or {"status",
 * "code", "message"}. Actions that may run in a batch answer only through these. */
void ccspd_call_ok(ccspd_call *c, json_t *result);
void ccspd_call_fail(ccspd_call *c, ccsp_apierr e, const char *message /* NULL: default */);
void ccspd_fail(ccspd *d, ccsp_http_request *req, ccsp_apierr e, const char *message /* NULL: default */);
json_t *ccspd_render_error(void *arg, const ccsp_http_request *req, int status, const char *message);
int ccspd_authorize(void *arg, ccsp_http_request *req, int role, const char **message);
void ccspd_answered(void *arg, const ccsp_http_request *req, int status, int route_known);

/* api_ops.c: GET /healthz, /readyz, /metrics. */
void ccspd_api_healthz(void *arg, ccsp_http_request *req);
void ccspd_api_readyz(void *arg, ccsp_http_request *req);
void ccspd_api_metrics(void *arg, ccsp_http_request *req);
/* api_crypto.c: the keyless crypto actions. */
void ccspd_act_crypto_hash(ccspd_call *c);
void ccspd_act_crypto_random(ccspd_call *c);
/* act_crypto_kms.c: encrypt/decrypt and data keys with the tenant's SM4 KMS keys (SM4-GCM in the VSM). */
void ccspd_act_crypto_encrypt(ccspd_call *c);
void ccspd_act_crypto_decrypt(ccspd_call *c);
void ccspd_act_crypto_re_encrypt(ccspd_call *c);
void ccspd_act_crypto_generate_data_key(ccspd_call *c);
/* act_crypto_mac.c: HMAC-SM3 and SM4-CBC-MAC; act_crypto_asym.c: SM2 with the tenant's SM2 keys. */
void ccspd_act_crypto_mac(ccspd_call *c);
void ccspd_act_crypto_mac_verify(ccspd_call *c);
void ccspd_act_crypto_sign(ccspd_call *c);
void ccspd_act_crypto_verify(ccspd_call *c);
void ccspd_act_crypto_asymmetric_decrypt(ccspd_call *c);
void ccspd_act_crypto_get_public_key(ccspd_call *c);
/* act_crypto_envelope.c: GM/T 0010 SM2 digital envelopes (seal to any SM2 public key, open with an SM2_ENC key). */
void ccspd_act_crypto_envelope_seal(ccspd_call *c);
void ccspd_act_crypto_envelope_open(ccspd_call *c);
/* act_crypto_batch.c: up to 1000 of the crypto actions above in one call, answered per item. */
void ccspd_act_crypto_batch(ccspd_call *c);
/* act_kms.c: the KMS key lifecycle, for tenant administrators (act_kms.h). */
void ccspd_act_kms_key_create(ccspd_call *c);
void ccspd_act_kms_key_describe(ccspd_call *c);
void ccspd_act_kms_key_list(ccspd_call *c);
void ccspd_act_kms_key_enable(ccspd_call *c);
void ccspd_act_kms_key_disable(ccspd_call *c);
void ccspd_act_kms_key_schedule_deletion(ccspd_call *c);
void ccspd_act_kms_key_cancel_deletion(ccspd_call *c);
void ccspd_act_kms_key_rotate(ccspd_call *c);
void ccspd_act_kms_key_set_rotation(ccspd_call *c);
void ccspd_act_kms_key_import(ccspd_call *c);
/* act_kms_byok.c: import parameters, export recipients, wrapped export. */
void ccspd_act_kms_import_params(ccspd_call *c);
void ccspd_act_kms_recipient_add(ccspd_call *c);
void ccspd_act_kms_recipient_list(ccspd_call *c);
void ccspd_act_kms_recipient_remove(ccspd_call *c);
void ccspd_act_kms_key_export(ccspd_call *c);
/* act_kms_judicial.c: judicial key recovery (KM-10), two security administrators. */
void ccspd_act_secadmin_judicial_request(ccspd_call *c);
void ccspd_act_secadmin_judicial_fetch(ccspd_call *c);
/* act_kms_backup.c (and act_kms.c's recover): split-knowledge backup and recovery (KM-9). */
void ccspd_act_secadmin_key_backup(ccspd_call *c);
void ccspd_act_secadmin_key_recover_params(ccspd_call *c);
void ccspd_act_secadmin_key_recover(ccspd_call *c);
/* A resource group's whole key set (act_kms_group.c, act_kms_group_recover.c; KM-9) */
void ccspd_act_secadmin_group_backup(ccspd_call *c);
void ccspd_act_secadmin_group_recover(ccspd_call *c);
void ccspd_act_kms_key_archive(ccspd_call *c);
/* act_kms_emergency.c: mark-compromised and emergency-destroy, requests a secadmin approves (two-person rule). */
void ccspd_act_kms_key_mark_compromised(ccspd_call *c);
void ccspd_act_kms_key_emergency_destroy(ccspd_call *c);
/* kms_sweep.c: start the sweep of due key deletions (kms_sweep_interval_s of ccspd.conf, default 60, 0: off), a
 * ticker destroying every tenant's keys past their waiting period as "system". CCSP_ERR_ARG (err set) for a bad
 * option, CCSP_ERR_NOMEM. Close stops the ticker; call it before the store is freed. */
CCSP_MUST_CHECK ccsp_err ccspd_kms_sweep_open(ccspd *d, const ccsp_config *cfg, char *err, size_t errlen);
void ccspd_kms_sweep_close(ccspd *d);

/* meter.c: metering (OPS-6/7; docs/api-ccspd.md "usage"). Open makes the in-memory table and starts the ticker that
 * flushes it to the store every metering_flush_interval_s seconds (ccspd.conf, 1..3600, default 10), or sooner when
 * the table fills up; CCSP_ERR_ARG (err set) for a bad option, CCSP_ERR_NOMEM. Attach (the gateway) gives a tenant's
 * caller's call its meter; answered (envelope.c, on the event loop) records it: calls, errors (any answer but
 * 2xx), bytes = the request body + the response body. Close stops the ticker and flushes a last time: call it once
 * every request is answered, before the store is freed. */
CCSP_MUST_CHECK ccsp_err ccspd_meter_open(ccspd *d, const ccsp_config *cfg, char *err, size_t errlen);
void ccspd_meter_close(ccspd *d);
ccspd_meter *ccspd_meter_attach(ccspd *d, ccsp_http_request *req, const ccspd_caller *who, const char *path);
void ccspd_meter_answered(ccspd *d, const ccsp_http_request *req, int status);
/* act_usage.c: usage/query. */
void ccspd_act_usage_query(ccspd_call *c);

/* appauth.c: applications' credentials. An app's secret is 32 random bytes given to its creator once as 43
 * Base64url characters (the HMAC-SM3 key is that text, docs/api-auth.md); the store keeps it sealed with SM4-GCM
 * by the data-protection key, which lives in the platform VSM (generated there under its KEK; outside, only
 * wrapped). Verification (signed requests) caches opened secrets in secure memory for a short time. */
#define CCSPD_APP_SECRET_LEN 43
#define CCSPD_ACCESS_KEY_LEN 24
#define CCSPD_SEALED_SECRET_MAX 128
CCSP_MUST_CHECK ccsp_err ccspd_appauth_open(ccspd *d);
void ccspd_appauth_close(ccspd *d);
/* A new access key ("AK" + 22 characters of [A-Z2-7]) and secret, the secret sealed for the store (bound to the
 * access key). CCSP_ERR_MODULE_STATE when the platform VSM is unavailable. */
CCSP_MUST_CHECK ccsp_err ccspd_app_credentials_new(ccspd *d, char access_key[CCSPD_ACCESS_KEY_LEN + 1],
                                                   char secret[CCSPD_APP_SECRET_LEN + 1], uint8_t *sealed,
                                                   size_t *sealed_len);
/* Forget the cached secret of access_key (its app was disabled, deleted or given a new secret). */
void ccspd_appauth_forget(ccspd *d, const char *access_key);
/* Authenticate a request carrying X-Ccsp-* signature headers: 0 with who filled, or -1 with *err set. */
int ccspd_appauth_verify(ccspd *d, ccsp_http_request *req, ccspd_caller *who, ccsp_apierr *err);

/* audit_log.c: the audit trail (src/platform/audit.h). Append one event in tx, the store transaction of the change
 * it records (tx NULL: in a transaction of its own, for events that change nothing, such as refusals). The actor,
 * role and tenant are c's caller; detail (a JSON object or NULL; stolen) gets the requestId and peer added; it
 * never holds a secret. CCSP_OK, or the store's error (then tx can only be rolled back). */
CCSP_MUST_CHECK ccsp_err ccspd_audit(ccspd_call *c, ccsp_store_tx *tx, const char *action, const char *target,
                                     const char *outcome, json_t *detail);
/* The same with an explicit actor (login: the caller is anonymous until the password checked). */
CCSP_MUST_CHECK ccsp_err ccspd_audit_as(ccspd *d, ccsp_store_tx *tx, const char *actor, const char *role,
                                        const char *tenant, const char *action, const char *target,
                                        const char *outcome, json_t *detail);
void ccspd_act_audit_query(ccspd_call *c);
void ccspd_act_audit_count(ccspd_call *c);
void ccspd_act_audit_verify(ccspd_call *c);
void ccspd_act_audit_export(ccspd_call *c);
void ccspd_act_audit_pubkey(ccspd_call *c);
/* audit_sign.c: load the audit signing key of ccspd.conf (audit_sign_index, audit_sign_password_file) from the
 * platform VSM and start the checkpointer (audit_checkpoint_records, audit_checkpoint_interval_s). A key that cannot
 * be loaded is logged and ccspd serves on without checkpoints or exports. CCSP_ERR_ARG (err set) for a bad
 * option, CCSP_ERR_NOMEM. Close stops the checkpointer. */
CCSP_MUST_CHECK ccsp_err ccspd_audit_open(ccspd *d, const ccsp_config *cfg, char *err, size_t errlen);
void ccspd_audit_close(ccspd *d);
/* act_auth.c: people's logins (password, operators' SM2 second factor), sessions, password changes. */
void ccspd_act_auth_login(ccspd_call *c);
void ccspd_act_auth_login2(ccspd_call *c);
void ccspd_act_auth_register_key(ccspd_call *c);
void ccspd_act_auth_logout(ccspd_call *c);
void ccspd_act_auth_password(ccspd_call *c);
void ccspd_act_auth_app_token(ccspd_call *c);
/* act_admin.c: operators, tenants, tenant members (separation of duties, docs/api-ccspd.md). */
void ccspd_act_admin_operator_create(ccspd_call *c);
void ccspd_act_admin_tenant_create(ccspd_call *c);
void ccspd_act_admin_tenant_list(ccspd_call *c);
void ccspd_act_admin_tenant_disable(ccspd_call *c);
void ccspd_act_admin_tenant_enable(ccspd_call *c);
void ccspd_act_admin_member_create(ccspd_call *c);
void ccspd_act_admin_principal_list(ccspd_call *c);
void ccspd_act_admin_principal_disable(ccspd_call *c);
void ccspd_act_admin_principal_enable(ccspd_call *c);
/* act_pool.c: the resource pool's devices and groups (system administrators). */
void ccspd_act_pool_device_register(ccspd_call *c);
void ccspd_act_pool_device_list(ccspd_call *c);
void ccspd_act_pool_device_remove(ccspd_call *c);
void ccspd_act_pool_device_dedicate(ccspd_call *c);
void ccspd_act_pool_scheduler_get(ccspd_call *c);
void ccspd_act_pool_scheduler_release(ccspd_call *c);
void ccspd_act_pool_scheduler_promote(ccspd_call *c);
void ccspd_act_pool_scheduler_rollback(ccspd_call *c);
void ccspd_act_pool_group_create(ccspd_call *c);
void ccspd_act_pool_group_list(ccspd_call *c);
void ccspd_act_pool_group_delete(ccspd_call *c);
void ccspd_act_pool_group_add_member(ccspd_call *c);
void ccspd_act_pool_group_remove_member(ccspd_call *c);
/* act_pool_chsm.c: CHSMs by their GM/T 0088 management URL, their VSMs as devices, the platform key. */
void ccspd_act_pool_platform_key(ccspd_call *c);
void ccspd_act_pool_chsm_register(ccspd_call *c);
void ccspd_act_pool_chsm_list(ccspd_call *c);
void ccspd_act_pool_chsm_remove(ccspd_call *c);
void ccspd_act_pool_chsm_vsm_register(ccspd_call *c);
void ccspd_act_pool_chsm_vsm_create(ccspd_call *c);
void ccspd_act_pool_chsm_task_list(ccspd_call *c);
/* act_tenant_vsm.c: CHSM VSMs assigned to tenants as their own (used directly through libsdf). */
void ccspd_act_pool_tenant_vsm_assign(ccspd_call *c);
void ccspd_act_pool_tenant_vsm_release(ccspd_call *c);
void ccspd_act_vsm_list(ccspd_call *c);
void ccspd_act_vsm_client_config(ccspd_call *c);
/* api_g88_callback.c: POST CCSPD_G88_CALLBACK_PATH, the CHSMs' callbacks (GM/T 0088 §6.6), verified with the
 * device key of the CHSM whose task it completes; a created VSM is then leased into the pool. */
#define CCSPD_G88_CALLBACK_PATH "/gmt0088/callback"
void ccspd_api_g88_callback(void *arg, ccsp_http_request *req);

/* act_secadmin.c: the security administrator's key policy and key custodians. */
void ccspd_act_secadmin_policy_get(ccspd_call *c);
void ccspd_act_secadmin_policy_set(ccspd_call *c);
void ccspd_act_secadmin_custodian_add(ccspd_call *c);
void ccspd_act_secadmin_custodian_list(ccspd_call *c);
void ccspd_act_secadmin_custodian_remove(ccspd_call *c);
/* act_approval.c: the two-person rule (requests a security administrator approves), operators' key resets. */
void ccspd_act_admin_operator_key_reset(ccspd_call *c);
void ccspd_act_approval_list(ccspd_call *c);
void ccspd_act_approval_approve(ccspd_call *c);
void ccspd_act_approval_reject(ccspd_call *c);
/* act_app.c: a tenant's applications. */
void ccspd_act_app_create(ccspd_call *c);
void ccspd_act_app_list(ccspd_call *c);
void ccspd_act_app_disable(ccspd_call *c);
void ccspd_act_app_enable(ccspd_call *c);

/* init.c: ccspd --init DIR [--listen ADDR:PORT] [--store URL] [--vsm-conf PATH]. 0 or 1 (message printed). */
int ccspd_init(const char *dir, int argc, char **argv);
/* The store URL of ccspd.conf's store with a relative SQLite path taken relative to dir. -1 when too long. */
int ccspd_store_url(const char *dir, const char *store, char *out, size_t cap);
#define CCSPD_ADMIN_LOGIN "admin"
#define CCSPD_ADMIN_PASSWORD_FILE "initial-admin-password"

#endif

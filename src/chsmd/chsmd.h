/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chsmd — the cloud HSM host: the GM/T 0088 management interface over the shared HTTPS/JSON layer
 * (src/common/http_server.h), the VSM supervisor (src/chsm/chsm_vsm.h), the platform-key store and request
 * authorization (src/chsm/chsm_pk.h, chsm_auth.h) and the key hierarchy (src/chsm/chsm_keys.h).
 * One context object, passed to every handler; nothing else is global.
 */
#ifndef CCSP_CHSMD_H
#define CCSP_CHSMD_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>

#include <jansson.h>

#include <ccsp/x509.h>

#include "chsm/chsm_cbstore.h"
#include "chsm/chsm_keys.h"
#include "chsm/chsm_pk.h"
#include "chsm/chsm_vsm.h"
#include "common/config.h"
#include "common/http_server.h"
#include "common/log.h"
#include "common/taskq.h"
#include "common/tlcp_http.h"

#define CHSMD_CONF "chsmd.conf"
#define CHSMD_DEFAULT_LISTEN "127.0.0.1:7443"
#define CHSMD_BUILD_VERSION "0.1.0"
/* The version this binary reports (version.c; a test release overrides it): getCHSMInfo version, --version. */
const char *chsmd_version(void);
#define CHSMD_VERSION chsmd_version()
/* The task-queue claim of the operations on the whole CHSM — upgradeCHSM, restartCHSM, restoreCHSM: one at a
 * time, the others are refused with 409 (spec 7.2.10). */
#define CHSMD_CLAIM_CHSM "chsm"

/* Route roles: who may call (spec §3.4). */
enum { CHSMD_GUEST = 0, CHSMD_TRUSTED = 1, CHSMD_GUEST_UNTIL_KEY = 2 };

typedef struct chsmd {
	char *dir;
	char *vsm_host;    /* address the VSMs listen on */
	char *callback_ca_file;      /* CA bundle trusted for https callback URLs (chsmd.conf); NULL: the system's */
	char *callback_tlcp_ca_file; /* SM2 CA(s) trusted for tlcp callback URLs (chsmd.conf); NULL: tlcp refused */
	ccsp_tlcp_http_identity callback_tlcp_own; /* the TLCP listener's double certificate, presented on tlcp
	                                            * callbacks; all NULL without tlcp_listen */
	unsigned vsm_port_base;
	chsm_keys *keys;
	ccsp_chsm_pk_store *pks; /* touched on the loop thread only */
	ccsp_chsm_sup *sup;
	ccsp_http_server *http;
	ccsp_taskq *tasks;
	ccsp_log *log;
	pthread_mutex_t lock; /* settings */
	json_t *settings;     /* network, ntp, upload and log addresses (DIR/settings.json) */
	json_t *recent;       /* the results of the last CHSMD_RECENT_MAX long operations, oldest first (spec §3.7) */
	char device_fingerprint[64]; /* Base64 SM3 of the device public key (the CHSM-AuthPK of callbacks) */
	char device_id[16];          /* its first 6 bytes in hex: names this CHSM in file names */
	int vsm_tlcp;                /* chsmd.conf vsm_transport = tlcp: the VSMs serve TLCP (device_ca.c) */
	char device_ca_path[PATH_MAX];            /* DIR/device-ca.pem, absolute */
	uint8_t device_ca_der[CCSP_X509_CERT_MAX]; /* the device CA certificate */
	size_t device_ca_len;
	ccsp_x509_cert device_ca;                 /* parsed, pointing into device_ca_der */
	_Atomic int stopping; /* set once the server has drained: callbacks stop retrying */
	struct chsmd_logntp *logntp; /* log upload and the NTP client (logntp.c) */
	chsm_cbstore *callbacks;        /* DIR/callbacks: the callbacks not yet acknowledged (callbacks.c) */
	struct chsmd_admin *admin;      /* production mode: DIR/admin.sock and the sealed state (admin.c) */
	const char *self;               /* this binary (realpath of /proc/self/exe) */
	char **argv;                    /* as chsmd was started: what restart and upgrade exec again */
	char exec_path[4096];           /* set once (under lock) by restartCHSM/upgradeCHSM: exec it after the shutdown */
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
/* The status of a task fn that ends with chsmd's restart (restartCHSM, upgradeCHSM): it has deferred its callback
 * (chsmd_callback_defer) to the next chsmd, nothing is sent now and its claim stays held until the exec. */
#define CHSMD_TASK_DEFERRED 0
/* The Unix time (ms) the task was accepted, as tasks.c records it in the task's params. */
int64_t chsmd_task_accepted_ms(json_t *params);

/* callbacks.c: every callback is persisted in DIR/callbacks (src/chsm/chsm_cbstore.h) from when its operation ends
 * until the platform acknowledges it (any 2xx) or its last retry fails; a chsmd that starts resends what it finds
 * there (spec §3.7: pending callbacks survive a restart). Delivery is at least once. */
CCSP_MUST_CHECK ccsp_err chsmd_callbacks_open(chsmd *d);
void chsmd_callbacks_close(chsmd *d);
/* Deliver env (the callback body, stolen) to url on the calling task thread: persisted, POSTed signed with the
 * device key, retried up to 5 times (5 s doubling to 80 s), then forgotten. A shutdown ends the retries and leaves
 * it persisted for the next chsmd. */
void chsmd_callback_send(chsmd *d, const char *url, json_t *env);
/* Persist the callback of the task with params (its request body) as deferred: the next chsmd completes it once
 * it is up and sends it (chsmd_callbacks_resume). what: "restart" or "upgrade" (then version is the packVersion
 * it should run). id receives the record's id, for chsmd_callback_undefer when the task fails before the exec. */
CCSP_MUST_CHECK ccsp_err chsmd_callback_defer(chsmd *d, json_t *params, const char *what, const char *version,
                                              chsm_cbstore_id id);
void chsmd_callback_undefer(chsmd *d, const char *id);
/* At start, once the modules are up: complete the deferred callbacks — a restart succeeded; an upgrade succeeded
 * when this chsmd runs its packVersion, else it failed (upgrade_failure says why, when known) — and queue every
 * persisted callback for delivery, oldest first. */
void chsmd_callbacks_resume(chsmd *d, const char *upgrade_failure);

/* upgrade.c: upgradeCHSM and restartCHSM (oprType upgrade, restart of POST /chsm) and upgradeVSM (POST /vsm). */
void chsmd_api_chsm_upgrade(chsmd *d, ccsp_http_request *req);
void chsmd_api_chsm_restart(chsmd *d, ccsp_http_request *req);
void chsmd_api_vsm_upgrade(chsmd *d, ccsp_http_request *req);

/* release.c: chsmd's releases, DIR/releases/<version>/ (chsmd, vsmd and their .hmac), the symbolic link
 * DIR/releases/current naming the one to run, and DIR/upgrade.json, the state of an upgrade between the switch
 * and the new chsmd's first successful start (docs/operations.md "Upgrade").
 * _boot, first thing of chsmd --dir: when self is a switched upgrade's new release, count its start (a second
 * start before it got up rolls the upgrade back); then exec DIR/releases/current/chsmd (after a rollback to no
 * release: the chsmd that ran before) with argv unless that is self. Returns when this binary is to run. */
void chsmd_release_boot(const char *dir, const char *self, char **argv);
/* The vsmd of the release self belongs to (DIR/releases/<v>/vsmd) into out: 1, or 0 when self is no release. */
int chsmd_release_vsmd(const char *dir, const char *self, char *out, size_t cap);
/* chsmd could not open its modules: when self is a switched upgrade's new release, switch current back and
 * exec the previous chsmd (returns only when that fails or there is nothing to roll back). */
void chsmd_release_failed(const char *dir, const char *self, char **argv);
/* The modules are up: end the upgrade state. Returns why the last upgrade was rolled back (malloc'd), or NULL. */
char *chsmd_release_settle(const char *dir);
/* A task asks for chsmd to stop (VSMs stopped, tasks drained) and exec path with the same arguments. */
void chsmd_request_exec(chsmd *d, const char *path);
/* After the shutdown: exec d->exec_path if a task asked for it (an upgrade whose exec fails is rolled back and
 * self exec'd). Returns only on failure (printed). */
void chsmd_exec_requested(chsmd *d);

/* platform_sig.c: the platform's {alg, sign} over a file (spec §7.2.9). _prepare, in the handler, checks them
 * and copies the configured platform keys into the request body, which becomes the task's params (0, or -1
 * after answering 400); _check, in the task: CCSP_OK, or CCSP_ERR_SIGNATURE when no configured key of that
 * algorithm verifies sign over data. */
int chsmd_platform_sig_prepare(chsmd *d, ccsp_http_request *req);
CCSP_MUST_CHECK ccsp_err chsmd_platform_sig_check(json_t *params, const uint8_t *data, size_t len);

/* transfer.c: downloads and uploads (libcurl, http/https). chsmd_fetch downloads url (at most max bytes) into a
 * new file dir/.download-XXXXXX and maps it read-only (f->map, f->len; map NULL when empty): CCSP_OK, CCSP_ERR_LIMIT
 * larger than max, CCSP_ERR_COMM (the reason in err), CCSP_ERR_IO; chsmd_fetched_close unmaps and removes the file
 * (call it in every case). chsmd_upload POSTs data as multipart (file, requestId, info) and learns where the
 * server keeps it (location): CCSP_OK or CCSP_ERR_COMM with the reason in err. */
typedef struct chsmd_fetched {
	char path[PATH_MAX];
	uint8_t *map;
	size_t len;
} chsmd_fetched;
CCSP_MUST_CHECK ccsp_err chsmd_fetch(const char *dir, const char *url, size_t max, chsmd_fetched *f, char *err,
                                     size_t errcap);
void chsmd_fetched_close(chsmd_fetched *f);
/* Remove dir/.download-* files a crash left behind (at start, before any download). */
void chsmd_fetch_sweep(const char *dir);
CCSP_MUST_CHECK ccsp_err chsmd_upload(const char *url, const char *filename, const uint8_t *data, size_t len,
                                      const char *request_id, const char *info, char *location, size_t loccap,
                                      char *err, size_t errcap);

/* image.c: images (export/import of the CHSM and of VSMs, backup/restore, createVSM with imageUrl). The
 * handlers' part: opr "export"/"import"/"backup"/"restore" (CHSM) and "export"/"import" (VSM id; in_use: a
 * token is set). */
void chsmd_chsm_image_op(chsmd *d, ccsp_http_request *req, const char *opr);
void chsmd_vsm_image_op(chsmd *d, ccsp_http_request *req, const char *opr, const char *id, int in_use);
int chsmd_task_create_from_image(chsmd *d, const char *vsm_id, json_t *params, const char **message,
                                 json_t **result);
/* 1 when this CHSM belongs to a trust domain; else 0 after answering 400. */
int chsmd_require_domain(chsmd *d, ccsp_http_request *req);
/* callbacks.c: Base64 of the DER SM2 signature of data by the device key (Z with the default ID); signs callbacks
 * and images. */
CCSP_MUST_CHECK ccsp_err chsmd_device_sign(chsmd *d, const uint8_t *data, size_t len, char *b64, size_t cap);
/* api_vsm.c: the address of a new VSM (the configured host, the port base + the first free offset). */
void chsmd_new_vsm_listen(chsmd *d, char *out, size_t cap);

/* callbacks.c: the results of the last CHSMD_RECENT_MAX long operations (spec §3.7: getCHSMInfo result.tasks),
 * each {requestId, oprType, target, vsmId, status, message, timestamp, delivered}; kept in memory. _get returns a
 * new reference to a copy. */
#define CHSMD_RECENT_MAX 100
json_t *chsmd_recent_get(chsmd *d);

/* settings.c */
CCSP_MUST_CHECK ccsp_err chsmd_settings_load(chsmd *d);
/* Merge fields (stolen) into the settings and persist atomically. */
CCSP_MUST_CHECK ccsp_err chsmd_settings_update(chsmd *d, json_t *fields);
/* A new reference to a copy of the settings. */
json_t *chsmd_settings_get(chsmd *d);

/* logntp.c: log upload (configSyslogAddr) and the NTP client (configCHSMNtp), started from settings.json and
 * reconfigured by the handlers without a restart; neither ever blocks the event loop on the network. start
 * fails only when a thread or memory is lacking (a bad stored address is logged and left unconfigured). */
CCSP_MUST_CHECK ccsp_err chsmd_logntp_start(chsmd *d);
void chsmd_logntp_stop(chsmd *d); /* flushes queued events for up to 2 s */
/* Forward the log to the server of type ("syslog", "logserver") at address (validated by the caller with
 * ccsp_logfwd_target_parse). CCSP_ERR_ARG, CCSP_ERR_NOMEM, CCSP_ERR_INTERNAL. */
CCSP_MUST_CHECK ccsp_err chsmd_logupload_apply(chsmd *d, const char *type, const char *address);
/* Query addr ("host[:port]", checked by the caller) every period seconds, the first time at once. */
void chsmd_ntp_apply(chsmd *d, const char *addr, unsigned period);
/* getCHSMInfo's "ntp" and "logUpload" objects (new references). */
json_t *chsmd_ntp_report(chsmd *d);
json_t *chsmd_logupload_report(chsmd *d);

/* init.c: chsmd --init. Returns 0 or 1 (message printed). */
int chsmd_init(const char *dir, const char *listen);
/* The same with the keys made by make_keys(dir, arg) instead of dev mode's chsm_keys_create (no message printed on
 * success). */
typedef ccsp_err (*chsmd_make_keys_fn)(const char *dir, void *arg);
int chsmd_init_with(const char *dir, const char *listen, chsmd_make_keys_fn make_keys, void *arg);

/* device_ca.c: the device CA, DIR/device-ca.pem — a self-issued certificate of the device key that issues the VSMs'
 * TLCP certificates — and the VSMs' transport (chsmd.conf vsm_transport).
 * _ensure: the certificate of dir's file into der (CCSP_X509_CERT_MAX bytes) when it is device's and lives long
 * enough, else a new one made and written (chsmd --init, and the start that finds none). */
#define CHSMD_DEVICE_CA_FILE "device-ca.pem"
CCSP_MUST_CHECK ccsp_err chsmd_device_ca_ensure(const char *dir, const ccsp_sm2_key *device, uint8_t *der,
                                                size_t *len);
/* At start, after the keys: vsm_transport read, the device CA ensured and kept in d. CCSP_ERR_ARG (bad
 * vsm_transport), the errors of _ensure; the reason in err. */
CCSP_MUST_CHECK ccsp_err chsmd_device_ca_open(chsmd *d, const ccsp_config *cfg, char *err, size_t errlen);
/* The supervisor's prepare_start (src/chsm/chsm_vsm.h): the VSM directory set up for vsm_transport. */
ccsp_err chsmd_vsm_prepare_start(void *arg, const char *vsm_dir);
/* getVSMInfo tlcpCaCert: the device CA certificate as PEM (json null when there is none). */
json_t *chsmd_device_ca_pem(chsmd *d);

/* unseal.c, admin.c: production mode — the master key exists only as custodians' m-of-n shares
 * (src/chsm/chsm_custody.h). chsmd --init DIR --production --shares N --threshold M [--listen A:P]: argv after
 * "--production"; prints the shares on stdout. Returns 0, 1 (message printed) or 2 (usage). */
int chsmd_init_production(const char *dir, int argc, char **argv);
/* Before open_modules. Dev mode (DIR/master.key): returns 0 at once, open_modules opens the key. Production mode
 * (DIR/production.conf): opens DIR/admin.sock, waits until custodians' shares ("ccsp chsm unseal") open
 * device.key and sets d->keys; the socket stays for "ccsp chsm domain" until chsmd_admin_stop. 0 to go on, 1 when
 * SIGTERM/SIGINT came while sealed, -1 on error (printed). */
int chsmd_keys_obtain(chsmd *d);
/* Close the admin socket and stop its thread (nothing in dev mode). Before close_modules frees d->keys. */
void chsmd_admin_stop(chsmd *d);
/* vsm_keys.c, the supervisor's callbacks: the storage key of VSM id (made at its creation, sealed in
 * DIR/vsm/<id>/storage.sealed; CCSP_ERR_KEY_NOT_FOUND when an existing VSM has lost it), and storing a key (an
 * imported VSM's) sealed for id into the directory vsm_dir. */
#define CHSMD_STORAGE_KEY_FILE "storage.sealed"
ccsp_err chsmd_vsm_storage_key(void *arg, const char *id, uint8_t key[16]);
ccsp_err chsmd_vsm_store_key(void *arg, const char *vsm_dir, const char *id, const uint8_t key[16]);

#endif

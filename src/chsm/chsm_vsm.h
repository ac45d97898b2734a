/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VSM supervisor of chsmd: one vsmd process per VSM, the GM/T 0088 VSM operations (spec §7.3.1-7.3.13)
 * as synchronous module calls, and crash supervision. It knows nothing of HTTP: chsmd's handlers validate a
 * request, queue the call on the task queue and render its result.
 *
 * State on disk: a CHSM state directory DIR holds one directory per VSM, DIR/vsm/<id>/, which is a vsmd state
 * directory (vsmd.conf, keystore.bin, audit.log, files/, token.hash, tls-*.pem, tlcp-*.pem/.key, sdf.conf;
 * src/vsm/vsm.h) plus
 * chsm-vsm.conf, this module's record of the VSM (uuid, flavor, whether it should run). chsm-vsm.conf is written
 * last when a VSM is created: a directory without it is an unfinished create and is ignored.
 *
 * Ids (GM/T 0088 vsmId): 1..CCSP_CHSM_VSM_ID_MAX characters of [0-9A-Za-z_-]; create makes a 12-digit lower-case
 * hex id (the spec's example form, "bf356592d2a0") when none is given. Each VSM also has a UUID (getVSMInfo uuid).
 *
 * Storage keys: each VSM's 16-byte storage key is the caller's (chsmd unwraps it with its master key). The
 * module asks for it through get_storage_key whenever it starts a vsmd or opens a VSM itself, hands it to vsmd
 * on an inherited pipe (vsmd --storage-key-fd 3: never argv, environment or a file) and wipes its copies.
 *
 * Flavors (GM/T 0088 createVSM flavor; sized for a small host, the 2-core development machine):
 *
 *   | flavor | vsmd workers | max_sessions | max_index (keys per table) | max_connections |
 *   |--------|--------------|--------------|----------------------------|-----------------|
 *   | 1 small  | 1          | 256          | 256                        | 64              |
 *   | 2 medium | 2          | 1024         | 1024                       | 256             |
 *   | 3 large  | 4          | 4096         | 4096                       | 1024            |
 *
 * Running states (spec §3.8): ccsp_chsm_vsm_run below; status is "ok" only when running. A vsmd counts as
 * running once it has printed its ready line ("vsmd: listening on port N ... state operational"): it has passed
 * its self-tests and opened its keystore.
 *
 * Supervision: a VSM that should run (created, started, restarted; persisted in chsm-vsm.conf) and whose
 * vsmd exits is restarted by ccsp_chsm_sup_poll() after 1 s, then 2 s, 4 s, ... at most 60 s (backoff_min_ms
 * .. backoff_max_ms) while it keeps failing; the delay falls back to the minimum once a vsmd has stayed up for
 * backoff_max_ms. Until the new vsmd is ready the VSM is reported CCSP_CHSM_VSM_ERROR ("error", status "fail").
 * A vsmd that does not become ready within start_timeout_ms is killed and counts as a failure.
 * The module reaps only its own children (waitpid on each pid, never -1); the daemon must not set SIGCHLD to
 * SIG_IGN. Nothing runs behind the caller's back: no thread, no signal handler — chsmd drives supervision by
 * calling ccsp_chsm_sup_poll() from a timer of its event loop.
 *
 * Thread safety: every function may be called from any thread (one mutex guards the table). An operation on a
 * VSM marks it busy for its duration and releases the mutex while it waits for vsmd, so status queries stay
 * instant; a second operation on a busy VSM is refused with CCSP_ERR_STATE (the spec's 409), and the supervisor
 * leaves a busy VSM alone. Operations on different VSMs run in parallel.
 *
 * Errors common to the operations: CCSP_ERR_HANDLE unknown id (404), CCSP_ERR_STATE another operation on that
 * VSM is in progress (409), CCSP_ERR_ARG invalid argument (400; nothing changed), CCSP_ERR_MODULE_STATE the
 * vsmd did not become ready or the VSM cannot be opened (500), CCSP_ERR_IO an OS failure (500), and whatever
 * get_storage_key returns.
 */
#ifndef CCSP_CHSM_VSM_H
#define CCSP_CHSM_VSM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ccsp/error.h>
#include <ccsp/sm2.h>
#include <ccsp/x509.h>

#define CCSP_CHSM_VSM_ID_MAX 36     /* characters of a vsmId (a UUID fits) */
#define CCSP_CHSM_VSM_LISTEN_MAX 64 /* "a.b.c.d:port" or "[v6]:port" */
#define CCSP_CHSM_VSM_KEY_SIZE 16   /* = CCSP_VSM_STORAGE_KEY_SIZE */

typedef struct ccsp_chsm_sup ccsp_chsm_sup;

/* Fill key with the storage key of VSM id (CCSP_OK), or fail (the operation fails with that code). Called with
 * the supervisor's mutex held, from whichever thread runs the operation or ccsp_chsm_sup_poll(): it must not
 * call back into this module. The module wipes key after use. */
typedef ccsp_err (*ccsp_chsm_storage_key_fn)(void *arg, const char *id, uint8_t key[CCSP_CHSM_VSM_KEY_SIZE]);
/* Optional: supervision events for chsmd's log/audit ("vsm.exit" detail "status=N"/"signal=N", "vsm.restart",
 * "vsm.ready", "vsm.timeout"). Called with the mutex held; must not call back into this module. */
typedef void (*ccsp_chsm_vsm_event_fn)(void *arg, const char *id, const char *event, const char *detail);

typedef struct ccsp_chsm_sup_config {
	const char *state_dir;  /* the CHSM state directory DIR (created 0700 if missing) */
	const char *vsmd_path;  /* the vsmd binary */
	ccsp_chsm_storage_key_fn get_storage_key;
	void *key_arg;
	/* importVSM: store key as the storage key of VSM id in the directory vsm_dir (which becomes DIR/vsm/<id>). */
	ccsp_err (*store_storage_key)(void *arg, const char *vsm_dir, const char *id,
	                              const uint8_t key[CCSP_CHSM_VSM_KEY_SIZE]);
	/* Optional: called before each start of a vsmd (createVSM's first one included) with key_arg and the VSM's
	 * directory, to make it ready for the channel the CHSM's VSMs serve (chsmd: vsm_transport — vsmd.conf's
	 * transport and the TLCP certificates of its device CA). Called with the mutex held, like get_storage_key: it
	 * must not call back into this module. A failure fails that start (the supervisor retries it as any other). */
	ccsp_err (*prepare_start)(void *arg, const char *vsm_dir);
	ccsp_chsm_vsm_event_fn event; /* may be NULL */
	void *event_arg;
	uint32_t max_vsms;         /* 0: 32 */
	uint32_t start_timeout_ms; /* until the ready line; 0: 30000 */
	uint32_t stop_timeout_ms;  /* SIGTERM to SIGKILL; 0: 10000 */
	uint32_t backoff_min_ms;   /* 0: 1000 */
	uint32_t backoff_max_ms;   /* 0: 60000 */
} ccsp_chsm_sup_config;

/* GM/T 0088 §3.8 runStatus of a VSM. */
typedef enum ccsp_chsm_vsm_run {
	CCSP_CHSM_VSM_STOPPED = 0, /* "stopped" */
	CCSP_CHSM_VSM_STARTING,    /* "starting": started, not yet ready */
	CCSP_CHSM_VSM_RUNNING,     /* "running": the only state whose status is "ok" */
	CCSP_CHSM_VSM_STOPPING,    /* "stopping" */
	CCSP_CHSM_VSM_RESTARTING,  /* "restarting": restart, and the stop/start around token and network changes */
	CCSP_CHSM_VSM_RESETTING,   /* "resetting" */
	CCSP_CHSM_VSM_CREATING,    /* "creating" */
	CCSP_CHSM_VSM_DELETING,    /* "deleting" */
	CCSP_CHSM_VSM_ERROR,       /* "error": vsmd exited unexpectedly or failed to start; the supervisor retries */
	CCSP_CHSM_VSM_IMPORTING,   /* "importing": its data is being replaced by an image's */
	CCSP_CHSM_VSM_UPGRADING,   /* "upgrading": switched to another vsmd binary (upgradeVSM), service paused */
} ccsp_chsm_vsm_run;

typedef struct ccsp_chsm_vsm_info {
	char id[CCSP_CHSM_VSM_ID_MAX + 1];
	char uuid[37];
	char version[32];                       /* of the vsmd binary ("vsmd --version") */
	char listen[CCSP_CHSM_VSM_LISTEN_MAX + 1]; /* configured ADDR:PORT (vsmd.conf) */
	uint32_t flavor;
	ccsp_chsm_vsm_run run;
	int ok;           /* GM/T 0088 status: 1 "ok", 0 "fail" */
	int should_run;   /* the supervisor keeps it running */
	pid_t pid;        /* of its vsmd, 0 when none */
	uint16_t port;    /* the port vsmd reported in its ready line (differs from listen's when that is 0); 0 when
	                     not running */
	int token_set;    /* a tenant token is set (DIR/vsm/<id>/token.hash exists): token "0" when not */
	uint32_t restarts; /* restarts by the supervisor since the module was created */
	int own_vsmd;     /* runs the vsmd an upgradeVSM gave it (version is that one's), not the supervisor's */
} ccsp_chsm_vsm_info;

/* ---- the supervisor ---- */

/* Create the module on cfg->state_dir (copied): check vsmd_path ("vsmd --version"), create DIR/vsm if missing,
 * load every VSM found there (stopped; those recorded as running are started by the first poll).
 * CCSP_ERR_ARG (missing field, state_dir too long for the VSMs' admin sockets), CCSP_ERR_FILE_NOT_FOUND / CCSP_ERR_IO
 * (vsmd cannot be run), CCSP_ERR_NOMEM. */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_sup_new(const ccsp_chsm_sup_config *cfg, ccsp_chsm_sup **out);
/* Stop every vsmd (SIGTERM to all, then SIGKILL after stop_timeout_ms) and free. Whether a VSM should run is
 * kept on disk, so a new module restarts the same VSMs. No other call may be in progress. NULL is ignored. */
void ccsp_chsm_sup_free(ccsp_chsm_sup *sup);
/* One round of supervision, never blocking: reap exited vsmds, notice ready lines, kill vsmds that did not get
 * ready in time, start VSMs that should run and whose backoff has passed. *next_ms (may be NULL) is when the
 * caller should poll again at the latest: 100 ms while a vsmd is starting, the time to the next scheduled start,
 * else 1000 ms. */
void ccsp_chsm_sup_poll(ccsp_chsm_sup *sup, uint32_t *next_ms);

/* ---- VSM operations (GM/T 0088 §7.3), synchronous ---- */

/* createVSM: make DIR/vsm/<id> with "vsmd --init --storage-key-fd" (no key file, no token: the VSM starts free),
 * apply the flavor, record it and start it; returns once it is ready. id NULL or "" for a generated one;
 * id_out (may be NULL) receives the id. listen: "IPv4:port" or "[IPv6]:port" with a literal address; port 0 means
 * any free port (tests). On failure nothing is left behind. CCSP_ERR_ARG bad id, flavor or address (also an address
 * that cannot be bound or that another VSM is configured on), CCSP_ERR_FILE_EXISTS the id is taken, CCSP_ERR_LIMIT
 * max_vsms reached. If the VSM is created but its vsmd does not become ready, the VSM stays (state error, the
 * supervisor retries) and CCSP_ERR_MODULE_STATE is returned with id_out set. */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_vsm_create(ccsp_chsm_sup *sup, const char *id, uint32_t flavor,
                                              const char *listen, char id_out[CCSP_CHSM_VSM_ID_MAX + 1]);
/* deleteVSM: stop the vsmd, remove chsm-vsm.conf (from then on it is no VSM, whatever happens next), then zeroise
 * with the effect of ccsp_vsm_reset and more: every file of its directory (keystore, file area, token hash,
 * audit log, TLS key, configs) is overwritten with zeros, synced and unlinked, and the directory removed. No
 * storage key is needed. Overwriting is best effort on flash and copy-on-write file systems; what makes the
 * keys unrecoverable is that the keystore is encrypted under the storage key, which chsmd discards after this
 * call. CCSP_ERR_IO when something could not be removed (the VSM is gone from the table all the same). */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_vsm_destroy(ccsp_chsm_sup *sup, const char *id);
/* startVSM: start the vsmd and wait until it is ready (idempotent: CCSP_OK at once when running). The VSM is
 * recorded as should-run even when the start fails (the supervisor retries: state error). */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_vsm_start(ccsp_chsm_sup *sup, const char *id);
/* stopVSM: SIGTERM, wait up to stop_timeout_ms, then SIGKILL; recorded as should-not-run (idempotent). */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_vsm_stop(ccsp_chsm_sup *sup, const char *id);
/* restartVSM: stop (if running) and start. */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_vsm_restart(ccsp_chsm_sup *sup, const char *id);
/* resetVSM, factory state: stop the vsmd, open the VSM in-process (ccsp_vsm_open with the limits of its
 * vsmd.conf), ccsp_vsm_reset (every key, file and the token erased, "vsm.reset" audited), close it, and start the
 * vsmd again if it should run. The VSM keeps its id, flavor, address and certificate. */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_vsm_reset(ccsp_chsm_sup *sup, const char *id);
/* configVSMToken: token "0" releases the VSM (token.hash removed, "token.release" audited); any other token of
 * CCSP_VSM_TOKEN_MIN..MAX (8..64) bytes is stored as its SM3 hash with ccsp_vsm_token_set. A running vsmd reads
 * the token only when it starts, so it is stopped around the change and started again. CCSP_ERR_ARG (empty,
 * shorter than 16 or longer than 64 bytes; nothing changed). */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_vsm_token_set(ccsp_chsm_sup *sup, const char *id, const char *token);
/* configVSMNet: re-bind to listen (same syntax as create). The address is checked first — syntax, not another
 * VSM's, bindable now — and CCSP_ERR_ARG leaves everything unchanged. Then vsmd.conf's listen is replaced
 * atomically (and, when the host changes, the self-issued TLS certificate is re-issued for it), and a running vsmd
 * is restarted; if it does not become ready on the new address, the old configuration and certificate are
 * restored, the vsmd restarted on them, and CCSP_ERR_MODULE_STATE returned. The client template sdf.conf follows
 * (best effort). Setting the current address again is a no-op. */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_vsm_network_set(ccsp_chsm_sup *sup, const char *id, const char *listen);
/* upgradeVSM (chsm_vsm_upgrade.c): run VSM id on the vsmd binary vsmd (relative paths are taken relative to the
 * state directory; the caller has staged and checked it: "vsmd --version" says version). The VSM is "upgrading"
 * meanwhile, its vsmd stopped (service paused); the binary and version are recorded in chsm-vsm.conf, so the
 * VSM keeps them across restarts of chsmd and of the CHSM's own release. If the VSM should run and the new vsmd
 * does not become ready, the old record is restored, the old vsmd started again and CCSP_ERR_MODULE_STATE
 * returned. A VSM that is stopped is switched and stays stopped. Switching to the binary it already runs is a
 * no-op. CCSP_ERR_ARG bad arguments (nothing changed). */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_vsm_upgrade(ccsp_chsm_sup *sup, const char *id, const char *vsmd,
                                               const char *version);

/* ---- images (chsm_vsm_image.c; the container is src/chsm/chsm_image.h) ---- */

struct chsm_image;
/* exportVSM: add the VSM's data to im, every entry name prefixed with prefix ("" for a VSM image, "vsm/<id>/"
 * inside a CHSM image):
 *   vsm.conf      "flavor = N" and "id = ..." lines
 *   storage.key   the VSM's storage key (its data stays encrypted under it; the image itself is sealed)
 *   keystore.bin, token.hash, audit.log (its complete records), files/<entry> — each when it exists
 * The VSM keeps serving (it is marked busy: other operations on it get CCSP_ERR_STATE); each file is read whole
 * as the VSM last replaced it atomically. CCSP_ERR_LIMIT when the data is too large for one image. */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_vsm_export(ccsp_chsm_sup *sup, const char *id, struct chsm_image *im,
                                              const char *prefix);
/* 1 when im holds a VSM's data under prefix: the checks of ccsp_chsm_vsm_import that need no VSM. */
int ccsp_chsm_vsm_image_valid(const struct chsm_image *im, const char *prefix);
/* importVSM (VSM drift): replace the data of VSM id — keys, file area, audit log, token, flavor — by the image's
 * (entries under prefix). The VSM keeps its id, uuid, address and TLS certificate. Unless replace_in_use (a
 * restore of the whole CHSM) it must be free (no token set: CCSP_ERR_ACCESS_DENIED — reset it first), so that an
 * import never overwrites a tenant's keys by mistake. The new directory is
 * staged in DIR/vsm/.import-<id>, and swapped in (renameat2 RENAME_EXCHANGE) with the vsmd stopped; if it
 * should run but its vsmd does not become ready on the new data, the old data is swapped back and
 * CCSP_ERR_MODULE_STATE returned. A crash at any point leaves the old or the new data whole (the supervisor
 * shreds the leftover staging directory when it starts). CCSP_ERR_DECODE: an entry is missing, malformed or
 * unexpected (nothing changed). */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_vsm_import(ccsp_chsm_sup *sup, const char *id, const struct chsm_image *im,
                                              const char *prefix, int replace_in_use);
/* 1 when id is a valid vsmId (see above). */
int ccsp_chsm_vsm_id_valid(const char *id);

/* getVSMInfo / getVSMStatus. Never blocks on a running operation. CCSP_ERR_HANDLE for an unknown id. */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_vsm_info_get(ccsp_chsm_sup *sup, const char *id, ccsp_chsm_vsm_info *info);
/* The ids of all VSMs (getCHSMInfo vsmIds, getCHSMAllStatus): up to cap into ids, *n the total. */
void ccsp_chsm_vsm_list(ccsp_chsm_sup *sup, char (*ids)[CCSP_CHSM_VSM_ID_MAX + 1], size_t cap, size_t *n);

/* ---- the VSMs' channel (chsm_vsm_tlcp.c) ---- */

/* The CA that issues the VSMs' TLCP certificates (chsmd: its device CA, signed by the device key). */
typedef struct ccsp_chsm_tlcp_issuer {
	const ccsp_x509_cert *cert; /* the CA certificate */
	const ccsp_sm2_key *key;    /* its private key (only signs) */
	const char *cert_path;      /* its PEM file, absolute: the trust (ca_file) of the VSM's client template */
} ccsp_chsm_tlcp_issuer;
/* Make the VSM directory vsm_dir serve TLCP (tlcp not NULL) or TLS (NULL), for a vsmd about to start:
 *   TLCP: unless tlcp-sign.pem/.key and tlcp-enc.pem/.key are there, issued by tlcp->cert, valid for at least
 *         another day and naming vsmd.conf's listen address (as the TLS certificate does: IP or DNS, 127.0.0.1,
 *         localhost), a fresh pair is issued (ccsp_tlcp_devcert_issue; keys 0600, wiped from memory); vsmd.conf
 *         gets transport = tlcp and the four tlcp_* paths;
 *   TLS:  vsmd.conf gets transport = tls (the TLCP files, if any, stay unused).
 * The client template sdf.conf follows (transport, ca_file: the CA's file or the VSM's TLS certificate; best effort,
 * as configVSMNet does). Files are rewritten only when something changes. CCSP_ERR_FILE_NOT_FOUND (no vsmd.conf or
 * no listen in it), CCSP_ERR_IO, the errors of the certificate code. */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_vsm_dir_transport(const char *vsm_dir, const ccsp_chsm_tlcp_issuer *tlcp);
/* "tls" or "tlcp": what vsmd.conf of vsm_dir says now (its transport key; tls when absent or unreadable). */
const char *ccsp_chsm_vsm_dir_transport_name(const char *vsm_dir);

/* "stopped", "starting", "running", ... (spec §3.8 runStatus). */
const char *ccsp_chsm_vsm_run_name(ccsp_chsm_vsm_run run);
/* The flavor table above: CCSP_OK, or CCSP_ERR_ARG for an unknown flavor. Any out pointer may be NULL. */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_vsm_flavor(uint32_t flavor, uint32_t *workers, uint32_t *max_sessions,
                                              uint32_t *max_index, uint32_t *max_connections);

#endif

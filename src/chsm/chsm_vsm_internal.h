/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of the VSM supervisor: the table and supervision (chsm_vsm.c), the operations (chsm_vsm_ops.c),
 * the work on a VSM's directory (chsm_vsm_dir.c, nothing locked: the caller owns the VSM).
 *
 * Ownership of an entry's vsmd (e->proc): while the entry is busy, the thread running the operation alone
 * touches it, with or without the lock; otherwise only ccsp_chsm_sup_poll() and ccsp_chsm_sup_free() do, with
 * the lock held. Everything else of an entry is read and written with the lock held; info comes from the
 * published fields (run, pid, port), never from e->proc.
 */
#ifndef CCSP_CHSM_VSM_INTERNAL_H
#define CCSP_CHSM_VSM_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#include "chsm/chsm_proc.h"
#include "chsm/chsm_vsm.h"

#define CHSM_META_FILE "chsm-vsm.conf"
#define CHSM_VSMD_CONF "vsmd.conf"
#define CHSM_SDF_CONF "sdf.conf"
#define CHSM_TOKEN_FILE "token.hash"
#define CHSM_IMPORT_PREFIX ".import-" /* DIR/vsm/.import-<id>: an import's staging directory */
#define CHSM_HOST_MAX 48 /* an IPv6 literal */

/* chsm-vsm.conf: this module's record of a VSM. */
typedef struct chsm_meta {
	char uuid[37];
	uint32_t flavor;
	int run; /* should run */
	char vsmd[128];   /* upgradeVSM: its own vsmd binary (relative: to the state directory); "": the supervisor's */
	char version[32]; /* that binary's version (checked with --version when it was staged) */
} chsm_meta;

CCSP_MUST_CHECK ccsp_err chsm_meta_write(const char *dir, const chsm_meta *m);
/* CCSP_ERR_FILE_NOT_FOUND when dir holds no (finished) VSM, CCSP_ERR_DECODE when the record is malformed. */
CCSP_MUST_CHECK ccsp_err chsm_meta_read(const char *dir, chsm_meta *m);

/* 1 when id is 1..CCSP_CHSM_VSM_ID_MAX characters of [0-9A-Za-z_-]. */
int chsm_id_valid(const char *id);
/* A fresh 12-digit lower-case hex id and a fresh RFC 4122 version 4 UUID. */
CCSP_MUST_CHECK ccsp_err chsm_id_new(char id[CCSP_CHSM_VSM_ID_MAX + 1]);
CCSP_MUST_CHECK ccsp_err chsm_uuid_new(char uuid[37]);

/* ---- the table (chsm_vsm.c) ---- */

#define CHSM_STATE_DIR_MAX 55 /* DIR/vsm/<id>/admin.sock must fit a sockaddr_un (107 bytes) */

typedef struct chsm_entry {
	struct chsm_entry *next;
	char id[CCSP_CHSM_VSM_ID_MAX + 1];
	char dir[128];
	char listen[CCSP_CHSM_VSM_LISTEN_MAX + 1];
	chsm_meta meta;        /* meta.run: should run */
	chsm_proc proc;        /* see the ownership rule above */
	ccsp_chsm_vsm_run run; /* published */
	pid_t pid;             /* published */
	uint16_t port;         /* published */
	int token_set;
	int busy;              /* an operation owns the entry */
	int crashed;           /* restarted by the supervisor: "error" until ready */
	uint64_t next_start;   /* ms: the supervisor may start it from then on */
	uint64_t ready_by;     /* ms: the starting vsmd must be ready by then */
	uint64_t up_since;     /* ms: when it became ready (0: not ready) */
	uint32_t backoff;      /* ms: the delay before the next supervisor start */
	uint32_t restarts;
} chsm_entry;

struct ccsp_chsm_sup {
	pthread_mutex_t lock;
	ccsp_chsm_sup_config cfg; /* with defaults filled in; its strings are not used */
	char state_dir[CHSM_STATE_DIR_MAX + 1];
	char vsm_root[CHSM_STATE_DIR_MAX + 8];
	char *vsmd;
	char version[32];
	chsm_entry *head;
	uint32_t count;
};

/* With the lock held: */
chsm_entry *chsm_find(ccsp_chsm_sup *sup, const char *id);
chsm_entry *chsm_entry_new(ccsp_chsm_sup *sup, const char *id); /* not linked */
void chsm_entry_link(ccsp_chsm_sup *sup, chsm_entry *e);
void chsm_entry_unlink(ccsp_chsm_sup *sup, chsm_entry *e);
void chsm_event(ccsp_chsm_sup *sup, const chsm_entry *e, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Spawn e's vsmd ("vsmd --dir DIR --storage-key-fd 3") with the key from get_storage_key; publishes the pid. */
CCSP_MUST_CHECK ccsp_err chsm_spawn(ccsp_chsm_sup *sup, chsm_entry *e);
/* e's vsmd is ready: state running. */
void chsm_publish_ready(ccsp_chsm_sup *sup, chsm_entry *e);
/* e should run but has no ready vsmd: state error, the supervisor starts it after the backoff. */
void chsm_schedule_retry(ccsp_chsm_sup *sup, chsm_entry *e, uint64_t now);
/* "signal=9", "status=1" of a waitpid status (-1: unknown). */
void chsm_describe_exit(char *out, size_t cap, int status);

/* ---- building blocks of the operations (chsm_vsm_ops.c; entry busy, lock not held on entry) ---- */

#define CHSM_RUN_KEEP ((ccsp_chsm_vsm_run)-1) /* chsm_op_begin: "restarting" when a vsmd runs, else unchanged */
#define CHSM_RUN_SAME ((ccsp_chsm_vsm_run)-2) /* chsm_op_begin: the state stays as it is (export) */
/* Mark VSM id busy with state trans: CCSP_ERR_HANDLE unknown, CCSP_ERR_STATE busy already. */
CCSP_MUST_CHECK ccsp_err chsm_op_begin(ccsp_chsm_sup *sup, const char *id, ccsp_chsm_vsm_run trans, chsm_entry **out);
/* End the operation: the state follows from what runs. */
void chsm_op_end(ccsp_chsm_sup *sup, chsm_entry *e);
/* Stop e's vsmd (SIGTERM, then SIGKILL after stop_timeout_ms). */
void chsm_halt(ccsp_chsm_sup *sup, chsm_entry *e);
/* Start e's vsmd unless one is up, and wait until it is ready (a failure is the supervisor's to retry: callers
 * that undo something may ignore it). */
ccsp_err chsm_start_and_wait(ccsp_chsm_sup *sup, chsm_entry *e);

/* ---- addresses (chsm_vsm_dir.c) ---- */

/* "a.b.c.d:port" or "[v6]:port", a literal address and a decimal port 0..65535 (vsmd's own syntax). host (may be
 * NULL) receives the address. CCSP_ERR_ARG. */
CCSP_MUST_CHECK ccsp_err chsm_listen_parse(const char *listen, char host[CHSM_HOST_MAX]);
/* CCSP_OK when a TCP socket can be bound to listen right now (the address is the host's, the port is free). */
CCSP_MUST_CHECK ccsp_err chsm_listen_bindable(const char *listen);

/* Set keys[i] = vals[i] (n <= 8) in the config file path: each line of such a key is replaced, missing keys are
 * appended, everything else is kept; the file is replaced atomically with its mode kept. Values must not hold a
 * line break (CCSP_ERR_ARG). */
CCSP_MUST_CHECK ccsp_err chsm_conf_set(const char *path, const char *const *keys, const char *const *vals, size_t n);
/* The value of key in the config file path into out (cap bytes): CCSP_ERR_FILE_NOT_FOUND for a missing key. */
CCSP_MUST_CHECK ccsp_err chsm_conf_get(const char *path, const char *key, char *out, size_t cap);

/* Operations on a VSM whose vsmd is not running, through the VSM library (src/vsm/vsm.h) opened with the limits
 * of its vsmd.conf. */
typedef enum chsm_offline_op {
	CHSM_OFFLINE_RESET,         /* ccsp_vsm_reset */
	CHSM_OFFLINE_TOKEN_SET,     /* ccsp_vsm_token_set(token) */
	CHSM_OFFLINE_TOKEN_RELEASE, /* token.hash removed, "token.release" audited */
} chsm_offline_op;
CCSP_MUST_CHECK ccsp_err chsm_vsm_offline(const char *dir, const uint8_t key[CCSP_CHSM_VSM_KEY_SIZE],
                                          chsm_offline_op op, const char *token);

/* The VSM's TLS certificate and key, kept in memory so that a re-issue can be undone. */
typedef struct chsm_tls_backup {
	uint8_t *cert, *key;
	size_t certlen, keylen;
} chsm_tls_backup;
/* Back up the current certificate and key into b, then issue a new self-signed pair for host (as vsmd --init). */
CCSP_MUST_CHECK ccsp_err chsm_tls_reissue(const char *dir, const char *host, chsm_tls_backup *b);
CCSP_MUST_CHECK ccsp_err chsm_tls_restore(const char *dir, const chsm_tls_backup *b);
void chsm_tls_backup_free(chsm_tls_backup *b); /* wipes the private key */

/* Overwrite every regular file below dir with zeros (fsync), unlink everything, remove dir. Symbolic links are
 * removed, never followed. CCSP_ERR_IO when something could not be removed (the rest still is). */
CCSP_MUST_CHECK ccsp_err chsm_dir_shred(const char *dir);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to admin.c and unseal.c: production mode's admin socket DIR/admin.sock and the sealed state. The
 * protocol is in src/chsm/chsm_custody.h; the operator's side is "ccsp chsm unseal|domain" (src/cli/).
 */
#ifndef CCSP_CHSMD_ADMIN_H
#define CCSP_CHSMD_ADMIN_H

#include <sys/types.h>

#include "chsm/chsm_custody.h"
#include "chsmd/chsmd.h"

struct chsmd_admin {
	chsmd *d;
	chsm_production prod; /* the master-key split this CHSM's shares belong to (production.conf) */
	int listen_fd;
	int wake[2]; /* pipe to the admin thread: 'q' stop, 's' SIGTERM/SIGINT while sealed */
	pthread_t thread;
	int started;
	char path[108];   /* the socket's path */
	dev_t dev;        /* the socket file bound here: unlinked at the end only if it is still that one */
	ino_t ino;
	char *req;        /* secure memory, CHSM_ADMIN_LINE_MAX + 1: the request being served */
	char *answer;     /* secure memory, CHSMD_ADMIN_ANSWER_MAX: its answer (may hold domain shares) */
	size_t answer_len;
	chsm_share *scratch; /* secure memory, CHSM_SHARE_N_MAX: the shares of a domain request */
	pthread_mutex_t lock; /* the fields below */
	pthread_cond_t cond;
	int sealed;       /* 1 until the master-key shares opened device.key */
	int stop;         /* a signal arrived while sealed: chsmd stops */
	chsm_share *entered; /* secure memory, CHSM_SHARE_N_MAX: the master-key shares entered so far */
	size_t count;
};

#define CHSMD_ADMIN_ANSWER_MAX 8192

/* admin.c: bind DIR/admin.sock (0600) and start its thread; d->admin is set. CCSP_ERR_IO (errno kept) when the
 * socket cannot be bound (another chsmd serves DIR: EADDRINUSE). */
CCSP_MUST_CHECK ccsp_err chsmd_admin_open(chsmd *d, const chsm_production *prod);

/* unseal.c, on the admin thread: one custodian's share line. CCSP_OK when it was taken (*needed: how many more
 * are needed, 0 when the shares opened device.key — d->keys is set and the waiting main thread woken); else the
 * error and a message for the custodian in msg (the share is not counted, except after CCSP_ERR_SHARE_WRONG:
 * see unseal.c). */
ccsp_err chsmd_unseal_add(struct chsmd_admin *a, const char *line, size_t len, size_t *needed, char *msg,
                          size_t cap);
/* Forget the shares entered so far. */
void chsmd_unseal_reset(struct chsmd_admin *a);

/* One reply line into the answer: "ok ...", "err NAME ...", or a data line. */
void chsmd_admin_reply(struct chsmd_admin *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

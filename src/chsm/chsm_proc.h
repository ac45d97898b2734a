/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vsmd processes of the supervisor (internal to src/chsm/chsm_vsm*.c): spawn with the storage key on an inherited
 * pipe, watch stdout for the ready line, signal, reap. No locking: the caller owns a chsm_proc.
 */
#ifndef CCSP_CHSM_PROC_H
#define CCSP_CHSM_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ccsp/error.h>

#define CHSM_PROC_KEY_FD 3 /* the descriptor vsmd reads its storage key from: --storage-key-fd 3 */

typedef struct chsm_proc {
	pid_t pid;        /* 0: no process */
	int out_fd;       /* read end of its stdout, non-blocking and close-on-exec; -1: none */
	int ready;        /* its ready line was seen */
	int eof;          /* its stdout was closed */
	uint16_t port;    /* the port of the ready line */
	size_t linelen;
	int overlong;     /* the line being read did not fit: skipped up to its newline */
	char line[512];   /* the line being read */
	char first[64];   /* its first line of output (vsmd --version) */
} chsm_proc;

uint64_t chsm_now_ms(void); /* CLOCK_MONOTONIC */

void chsm_proc_init(chsm_proc *p);
/* Start argv[0] (an absolute or relative path, no PATH search) with argv: stdin /dev/null, stdout a pipe read
 * through p, stderr inherited, every other descriptor closed; with key, its 16 bytes wait in a pipe whose read
 * end is the child's descriptor CHSM_PROC_KEY_FD. Signal mask emptied, common signals back to their default.
 * CCSP_ERR_IO (errno kept: ENOENT, EACCES, ...), CCSP_ERR_NOMEM. */
CCSP_MUST_CHECK ccsp_err chsm_proc_spawn(chsm_proc *p, char *const argv[], const uint8_t *key);
/* Read whatever is available on stdout without blocking; set ready/port on the ready line, eof at the end. */
void chsm_proc_read(chsm_proc *p);
/* Wait up to ms for output (or its end) on stdout; just sleep when there is no stdout. */
void chsm_proc_wait(const chsm_proc *p, int ms);
/* Reap without blocking: 1 when it has exited (*status: the waitpid status, -1 when unknown; pid becomes 0 and
 * stdout is closed), 0 while it runs (or when there is no process: then 1). */
int chsm_proc_reap(chsm_proc *p, int *status);
void chsm_proc_signal(const chsm_proc *p, int sig);
/* SIGTERM, up to timeout_ms for it to exit, then SIGKILL and a blocking reap. Closes stdout. */
void chsm_proc_stop(chsm_proc *p, uint32_t timeout_ms);
/* Run argv to completion (up to timeout_ms, then killed): CCSP_OK when it exited with status 0, with its first
 * line of output in first (cap bytes, may be NULL); CCSP_ERR_IO otherwise. */
CCSP_MUST_CHECK ccsp_err chsm_proc_run(char *const argv[], const uint8_t *key, uint32_t timeout_ms, char *first,
                                       size_t cap);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one task queue of the daemons: N worker threads take tasks from a bounded FIFO. Long work (image
 * export, VSM start, an SM2 batch) goes here so that it never runs on an event loop; the task answers its
 * request through a thread-safe path (http_server.h: ccsp_http_respond_* from any thread).
 *
 * Also a small per-key exclusivity helper for "a conflicting operation is in flight -> 409": a handler
 * claims a key (e.g. "vsm:3", "chsm") before it queues the task, the task releases it when done.
 *
 * Thread-safe: every function may be called from any thread, except ccsp_taskq_drain, ccsp_taskq_stop and
 * ccsp_taskq_free, which must not be called from a task (they wait for the tasks). Workers block every
 * signal, so the process's signal handlers run on its other threads.
 */
#ifndef CCSP_COMMON_TASKQ_H
#define CCSP_COMMON_TASKQ_H

#include <stddef.h>

#include <ccsp/error.h>

#define CCSP_TASKQ_MAX_WORKERS 256u
#define CCSP_TASKQ_MAX_CAPACITY (1u << 20)
#define CCSP_TASKQ_MAX_CLAIMS 1024u   /* keys claimed at once */
#define CCSP_TASKQ_MAX_KEY 128u       /* bytes of a claim key */

typedef struct ccsp_taskq ccsp_taskq;
typedef void (*ccsp_taskq_fn)(void *arg);

/* Start workers (1..CCSP_TASKQ_MAX_WORKERS) threads over a queue of capacity (1..CCSP_TASKQ_MAX_CAPACITY)
 * waiting tasks. CCSP_ERR_ARG, CCSP_ERR_NOMEM, CCSP_ERR_INTERNAL (a thread could not be created). */
CCSP_MUST_CHECK ccsp_err ccsp_taskq_new(unsigned workers, unsigned capacity, ccsp_taskq **out);
/* Queue fn(arg) (FIFO; it runs on a worker). CCSP_ERR_LIMIT when capacity tasks already wait (the caller
 * answers "busy", e.g. 503), CCSP_ERR_STATE once ccsp_taskq_stop has begun, CCSP_ERR_ARG (fn NULL). On
 * any error fn is not called and arg stays the caller's. */
CCSP_MUST_CHECK ccsp_err ccsp_taskq_submit(ccsp_taskq *q, ccsp_taskq_fn fn, void *arg);
/* Tasks waiting or running now. */
size_t ccsp_taskq_pending(ccsp_taskq *q);
/* Wait until no task waits or runs (tasks may still be submitted meanwhile, and are waited for too). */
void ccsp_taskq_drain(ccsp_taskq *q);
/* Refuse new tasks, run every task already queued, wait for them and join the workers. Idempotent. */
void ccsp_taskq_stop(ccsp_taskq *q);
/* Stop (as above), then free. NULL is ignored. */
void ccsp_taskq_free(ccsp_taskq *q);

/* Claim key (a NUL-terminated string of 1..CCSP_TASKQ_MAX_KEY bytes) for one operation. CCSP_OK: claimed,
 * release it when the operation ends. CCSP_ERR_STATE: already claimed, a conflicting operation is in flight
 * (answer 409). CCSP_ERR_LIMIT: CCSP_TASKQ_MAX_CLAIMS keys are claimed. CCSP_ERR_ARG, CCSP_ERR_NOMEM. */
CCSP_MUST_CHECK ccsp_err ccsp_taskq_try_claim(ccsp_taskq *q, const char *key);
/* Release a claimed key (from any thread, e.g. the task's). Releasing a key not claimed does nothing. */
void ccsp_taskq_release(ccsp_taskq *q, const char *key);

#endif

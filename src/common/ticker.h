/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A background thread that calls fn(arg) first_ms after start and then every interval_ms until stopped; kick has
 * it call fn at once (then every interval_ms again); stop wakes it at once and waits for a call in progress to
 * end. Daemons' periodic work (health checks, sweeps, flushes, checkpoints) runs on one of these.
 */
#ifndef CCSP_COMMON_TICKER_H
#define CCSP_COMMON_TICKER_H

#include <stdint.h>

#include <ccsp/error.h>

typedef struct ccsp_ticker ccsp_ticker;

/* CCSP_ERR_ARG (fn NULL, interval_ms 0), CCSP_ERR_NOMEM (no thread). */
CCSP_MUST_CHECK ccsp_err ccsp_ticker_start(uint32_t first_ms, uint32_t interval_ms, void (*fn)(void *arg), void *arg,
                                           ccsp_ticker **out);
/* Call fn now (or, when a call is running, once more right after it); safe from any thread; NULL is ignored. */
void ccsp_ticker_kick(ccsp_ticker *t);
/* Stop and free; NULL is ignored. */
void ccsp_ticker_stop(ccsp_ticker *t);

#endif

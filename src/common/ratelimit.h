/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-client request rate limit: a token bucket per client address (rate requests per second, bursts of up to
 * burst), kept in a fixed table of CCSP_RATELIMIT_SLOTS buckets indexed by a salted hash of the address. Bounded
 * memory whatever the number of clients: a client whose slot another took starts again with a full bucket (an
 * attacker cannot empty someone else's bucket, only share a slot by chance — the salt is random per process).
 * Used by the HTTP layer on its loop thread: one thread at a time, no lock.
 */
#ifndef CCSP_COMMON_RATELIMIT_H
#define CCSP_COMMON_RATELIMIT_H

#include <stdint.h>

#include <ccsp/error.h>

#define CCSP_RATELIMIT_SLOTS 8192u

typedef struct ccsp_ratelimit ccsp_ratelimit;

/* rate 1..1000000 requests per second, burst 1..1000000. CCSP_ERR_ARG, CCSP_ERR_NOMEM, or the DRBG's error. */
CCSP_MUST_CHECK ccsp_err ccsp_ratelimit_new(unsigned rate, unsigned burst, ccsp_ratelimit **out);
void ccsp_ratelimit_free(ccsp_ratelimit *rl);
/* 1 when client (its address, NUL-terminated) may make one more request at now_ms (monotonic), which is then
 * counted; 0 when its bucket is empty. */
int ccsp_ratelimit_allow(ccsp_ratelimit *rl, const char *client, int64_t now_ms);

#endif

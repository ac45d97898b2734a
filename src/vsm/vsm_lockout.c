/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Failed-attempt limits on private-key access passwords (GB/T 37092 7.4.4, MOD-7). Per index: after
 * VSM_LOCKOUT_FREE consecutive wrong passwords, from any session, the index refuses every attempt — right or
 * wrong, without checking — for a delay that doubles with each further failure, from 1 s up to 15 minutes;
 * a correct password resets the count. The state is in memory: a restart of vsmd (a crypto-officer action,
 * audited) clears it. PBKDF2's cost (10 000 iterations) slows each attempt on top of this.
 */
#include <stdlib.h>
#include <time.h>

#include "vsm/vsm_internal.h"

#define VSM_LOCKOUT_FREE 5            /* failures allowed before the first delay */
#define VSM_LOCKOUT_MAX_SECONDS 900

struct vsm_lockout {
	uint32_t fails;
	int64_t until; /* CLOCK_MONOTONIC seconds; refused before this */
};

static int64_t now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

vsm_lockout *vsm_lockout_new(uint32_t max_index)
{
	return calloc((size_t)max_index + 1, sizeof(vsm_lockout));
}

ccsp_err vsm_lockout_check(ccsp_vsm *vsm, uint32_t index)
{
	pthread_mutex_lock(&vsm->lockout_lock);
	int64_t until = vsm->lockout[index].until;
	pthread_mutex_unlock(&vsm->lockout_lock);
	return now_seconds() < until ? CCSP_ERR_LIMIT : CCSP_OK;
}

void vsm_lockout_record(ccsp_vsm *vsm, uint32_t index, int ok)
{
	pthread_mutex_lock(&vsm->lockout_lock);
	vsm_lockout *l = &vsm->lockout[index];
	if (ok) {
		l->fails = 0;
		l->until = 0;
	} else if (++l->fails > VSM_LOCKOUT_FREE) {
		uint32_t n = l->fails - VSM_LOCKOUT_FREE - 1;
		int64_t delay = n >= 10 ? VSM_LOCKOUT_MAX_SECONDS : (int64_t)1 << n;
		l->until = now_seconds() + (delay > VSM_LOCKOUT_MAX_SECONDS ? VSM_LOCKOUT_MAX_SECONDS : delay);
	}
	pthread_mutex_unlock(&vsm->lockout_lock);
}

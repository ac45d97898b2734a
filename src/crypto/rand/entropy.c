/* SPDX-License-Identifier: Apache-2.0 */
#include "entropy.h"

#include <errno.h>
#include <stdatomic.h>
#include <sys/random.h>

#include <ccsp/mem.h>

#include "ct.h"
#include "module.h"

typedef struct health_state {
	uint32_t rct_count; /* B of SP 800-90B 4.4.1: length of the current run */
	uint32_t apt_count; /* B of 4.4.2: occurrences of A in the current window */
	uint32_t apt_index; /* samples seen in the current window (not secret) */
	uint8_t rct_last;   /* A of 4.4.1 */
	uint8_t apt_first;  /* A of 4.4.2 */
	uint8_t started;    /* a first sample has been seen (not secret) */
} health_state;

static _Thread_local health_state health;
static _Atomic(ccsp_entropy_source_fn) source_override;

static ccsp_err getrandom_source(uint8_t *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		/* flags 0: block until the kernel CRNG is seeded rather than take weaker bytes; no
		 * fallback (/dev/urandom, time, ...) when the call is refused. */
		ssize_t n = getrandom(buf + done, len - done, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return CCSP_ERR_RNG;
		done += (size_t)n; /* short read (a signal after some bytes): ask for the rest */
	}
	return CCSP_OK;
}

/* Both continuous tests on one sample, without branching on or indexing by its value.
 * Returns all-ones when a test fails. */
static uint32_t health_sample(health_state *h, uint8_t x)
{
	/* 4.4.1: B = B + 1 when x == A, otherwise A = x, B = 1; failure when B >= C. */
	uint32_t same = ct_eq32(x, h->rct_last) & (0u - (uint32_t)h->started);
	h->rct_count = ct_select32(same, h->rct_count + 1, 1);
	h->rct_last = x;
	uint32_t fail = ~(uint32_t)ct_lt64(h->rct_count, CCSP_ENTROPY_RCT_CUTOFF);

	/* 4.4.2: A is the first sample of each window of W; failure when it occurs C times. */
	if (h->apt_index == 0) {
		h->apt_first = x;
		h->apt_count = 1;
	} else {
		h->apt_count += ct_eq32(x, h->apt_first) & 1;
	}
	fail |= ~(uint32_t)ct_lt64(h->apt_count, CCSP_ENTROPY_APT_CUTOFF);
	h->apt_index = (h->apt_index + 1) % CCSP_ENTROPY_APT_WINDOW;
	h->started = 1;
	return fail;
}

ccsp_err ccsp_entropy_get(uint8_t *buf, size_t len)
{
	ccsp_entropy_source_fn source = atomic_load(&source_override);
	if (source == NULL)
		source = getrandom_source;
	if (source(buf, len) != CCSP_OK) {
		ccsp_memzero(buf, len);
		return CCSP_ERR_RNG;
	}
	uint32_t fail = 0;
	for (size_t i = 0; i < len; i++)
		fail |= health_sample(&health, buf[i]);
	if (fail != 0) {
		/* A continuous health-test failure is a conditional self-test failure: no more service
		 * (SP 800-90B 4.4, GB/T 37092 7.10). */
		ccsp_memzero(buf, len);
		ccsp_entropy_thread_wipe();
		ccsp_module_enter_error();
		return CCSP_ERR_RNG;
	}
	return CCSP_OK;
}

ccsp_err ccsp_entropy_startup_test(void)
{
	uint8_t samples[1024];
	ccsp_err ret = ccsp_entropy_get(samples, sizeof samples);
	ccsp_memzero(samples, sizeof samples);
	return ret;
}

void ccsp_entropy_thread_wipe(void)
{
	ccsp_memzero(&health, sizeof health);
}

void ccsp_entropy_set_source_for_testing(ccsp_entropy_source_fn fn)
{
	atomic_store(&source_override, fn);
	ccsp_entropy_thread_wipe();
}

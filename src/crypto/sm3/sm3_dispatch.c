/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Run-time choice of the SM3 compression function: among those CPUID allows, the fastest as timed once at first
 * use. CPUID alone is not enough: on AMD Zen 5 the AVX2+BMI2 path hashes at 366 MB/s and the portable one at 418
 * MB/s (issue 11, ccsp-bench on a pinned core, 2026-12-06), while on Zen 3 AVX2+BMI2 is the faster. The probe
 * compresses PROBE_BLOCKS blocks with each candidate PROBE_ROUNDS times, interleaved, and keeps each one's best
 * time (about 0.1 ms in all); a candidate must beat the simpler ones by PROBE_MARGIN_PCT to be chosen. Every
 * implementation gives the same digests (self-test), so the choice changes only speed. SM3 involves no secret-
 * dependent timing in any implementation: timing it reveals nothing.
 */
#include <pthread.h>
#include <stdint.h>

#include "dispatch_probe.h"
#include "sm3_internal.h"

typedef struct impl_entry {
	const ccsp_sm3_impl *impl;
	int (*supported)(void);
} impl_entry;

static int always(void)
{
	return 1;
}

/* Simplest first: each entry is offered only when the CPU supports it. */
static const impl_entry all_impls[] = {
	{&ccsp_sm3_impl_portable, always},
#if defined(__x86_64__)
	{&ccsp_sm3_impl_avx2_bmi2, ccsp_sm3_avx2_bmi2_supported},
#endif
};

#define N_IMPLS (sizeof all_impls / sizeof all_impls[0])

static const ccsp_sm3_impl *impls[N_IMPLS + 1];
static const ccsp_sm3_impl *best;
static pthread_once_t impls_once = PTHREAD_ONCE_INIT;
static _Thread_local const ccsp_sm3_impl *forced;

#define PROBE_BLOCKS 64
#define PROBE_ROUNDS 7
/* The AVX2 path must win by a tenth to be chosen: on a Zen 5 it is ~10 % slower than portable (issue 11), and with
 * a 3 % margin a busy machine's noise picked it in one start of four. Where it is really faster (Zen 3: +5-15 %)
 * losing it costs at most that tenth; choosing a slower path is what must not happen. */
#define PROBE_MARGIN_PCT 10

static void probe_run(size_t i, void *arg)
{
	static const uint8_t blocks[PROBE_BLOCKS * 64]; /* the content does not change the time */
	uint32_t state[8] = {0};
	const ccsp_sm3_impl *const *list = arg;

	list[i]->compress(state, blocks, PROBE_BLOCKS);
}

static void impls_init(void)
{
	size_t n = 0;

	for (size_t i = 0; i < N_IMPLS; i++)
		if (all_impls[i].supported())
			impls[n++] = all_impls[i].impl;
	impls[n] = NULL;
	best = impls[ccsp_probe_fastest(n, probe_run, impls, PROBE_ROUNDS, PROBE_MARGIN_PCT)];
}

const char *ccsp_sm3_impl_name(void)
{
	return ccsp_sm3_impl_best()->name;
}

const ccsp_sm3_impl *const *ccsp_sm3_impl_list(void)
{
	pthread_once(&impls_once, impls_init);
	return impls;
}

const ccsp_sm3_impl *ccsp_sm3_impl_best(void)
{
	pthread_once(&impls_once, impls_init);
	return best;
}

const ccsp_sm3_impl *ccsp_sm3_impl_force(const ccsp_sm3_impl *impl)
{
	const ccsp_sm3_impl *prev = forced;

	forced = impl;
	return prev;
}

ccsp_sm3_compress_fn ccsp_sm3_compress_active(void)
{
	if (forced != NULL)
		return forced->compress;
	return ccsp_sm3_impl_best()->compress;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Run-time choice of the multi-buffer SM3 implementation: CPUID says which ones can run; among the vector ones, the
 * fastest per message as timed once at first use (dispatch_probe.h, issue 11: a path slower than another must not
 * be chosen, and wider is not always faster). The probe hashes PROBE_MSGS messages of PROBE_BLOCKS blocks with
 * each, PROBE_ROUNDS times (some 0.1 ms in all). The serial fallback is not a candidate: a vector kernel does the
 * work of 8 or 32 single-stream calls for the cost of a few of them (ccsp-bench "sm3-mb-1k" shows all side by
 * side). The data are public zeros: the time reveals nothing.
 */
#include <pthread.h>
#include <stdint.h>

#include "cpu.h"
#include "dispatch_probe.h"
#include "sm3_mb.h"

#if defined(__x86_64__)
#endif

/* Serial first, then the vector ones narrowest first: each entry is offered only when the CPU supports it. */
static const ccsp_sm3_mb_impl *impls[4] = {&ccsp_sm3_mb_impl_serial};
static const ccsp_sm3_mb_impl *best = &ccsp_sm3_mb_impl_serial;
static pthread_once_t impls_once = PTHREAD_ONCE_INIT;

#define PROBE_MSGS 32 /* a multiple of every implementation's lanes */
#define PROBE_BLOCKS 2
#define PROBE_ROUNDS 5
#define PROBE_MARGIN_PCT 3

/* PROBE_MSGS messages through candidate i (impls[i + 1]: the vector ones), as many lanes at a time as it has. */
static void probe_run(size_t i, void *arg)
{
	static const uint8_t block[PROBE_BLOCKS * 64];
	const ccsp_sm3_mb_impl *im = ((const ccsp_sm3_mb_impl *const *)arg)[i + 1];
	const uint8_t *in[PROBE_MSGS];
	uint32_t state[8 * PROBE_MSGS] = {0};

	for (size_t m = 0; m < PROBE_MSGS; m++)
		in[m] = block;
	for (size_t m = 0; m + im->lanes <= PROBE_MSGS; m += im->lanes)
		im->compress(state + 8 * m, in + m, PROBE_BLOCKS);
}


static void impls_init(void)
{
#if defined(__x86_64__)
	ccsp_cpu f = ccsp_cpu_detect();
	size_t n = 1;

	if (f.avx2)
		impls[n++] = &ccsp_sm3_mb_impl_avx2;
	if (f.avx512)
		impls[n++] = &ccsp_sm3_mb_impl_avx512;
	if (n > 1)
		best = impls[1 + ccsp_probe_fastest(n - 1, probe_run, impls, PROBE_ROUNDS, PROBE_MARGIN_PCT)];
#endif
}

const ccsp_sm3_mb_impl *const *ccsp_sm3_mb_impl_list(void)
{
	pthread_once(&impls_once, impls_init);
	return impls;
}

const ccsp_sm3_mb_impl *ccsp_sm3_mb_impl_best(void)
{
	pthread_once(&impls_once, impls_init);
	return best;
}

const char *ccsp_sm3_mb_impl_name(void)
{
	return ccsp_sm3_mb_impl_best()->name;
}

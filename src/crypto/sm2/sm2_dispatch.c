/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Run-time choice of the SM2 implementation: among those CPUID allows, the fastest at a scalar multiplication
 * k*G (the core of signing; a public k: its timing tells nothing), timed once at first use (dispatch_probe.h). The
 * portable code is always a candidate; a later, more specialised one must win by PROBE_MARGIN_PCT.
 */
#include <pthread.h>
#include <stddef.h>

#include <ccsp/sm2.h>

#include "cpu.h"
#include "dispatch_probe.h"
#include "sm2_arith.h"

static const ccsp_sm2_impl *impls[5];
static const ccsp_sm2_impl *best;
static const ccsp_sm2_impl *forced;
static pthread_once_t impls_once = PTHREAD_ONCE_INIT;

#define PROBE_ROUNDS 5
#define PROBE_MARGIN_PCT 3

static void probe_run(size_t i, void *arg)
{
	static const uint64_t k[4] = {0x0123456789abcdefu, 0xfedcba9876543210u, 0x0f1e2d3c4b5a6978u, 0x1u};
	ccsp_sm2_apoint r;
	const ccsp_sm2_impl *const *list = arg;
	(void)list[i]->mul_base(&r, k);
}

static void impls_init(void)
{
	size_t n = 0;
	impls[n++] = &ccsp_sm2_impl_portable;
#if defined(__x86_64__)
	ccsp_cpu f = ccsp_cpu_detect();
	if (f.bmi2 && f.adx) {
		impls[n++] = &ccsp_sm2_impl_adx;
		impls[n++] = &ccsp_sm2_impl_asm;
		if (f.avx2)
			impls[n++] = &ccsp_sm2_impl_asm_avx2;
	}
#endif
	impls[n] = NULL;
	best = impls[ccsp_probe_fastest(n, probe_run, impls, PROBE_ROUNDS, PROBE_MARGIN_PCT)];
}

const char *ccsp_sm2_impl_name(void)
{
	return ccsp_sm2_impl_get()->name;
}

const ccsp_sm2_impl *const *ccsp_sm2_impl_list(void)
{
	pthread_once(&impls_once, impls_init);
	return impls;
}

const ccsp_sm2_impl *ccsp_sm2_impl_get(void)
{
	pthread_once(&impls_once, impls_init);
	return forced != NULL ? forced : best;
}

void ccsp_sm2_impl_force(const ccsp_sm2_impl *impl)
{
	pthread_once(&impls_once, impls_init);
	forced = impl;
}

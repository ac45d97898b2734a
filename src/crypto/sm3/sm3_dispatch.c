/* SPDX-License-Identifier: Apache-2.0 */
/* Run-time choice of the SM3 compression function from CPUID. */
#include <pthread.h>

#include "sm3_internal.h"

typedef struct impl_entry {
	const ccsp_sm3_impl *impl;
	int (*supported)(void);
} impl_entry;

static int always(void)
{
	return 1;
}

/* Fastest last: each entry is offered only when the CPU supports it. */
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

static void impls_init(void)
{
	size_t n = 0;

	for (size_t i = 0; i < N_IMPLS; i++)
		if (all_impls[i].supported())
			impls[n++] = all_impls[i].impl;
	impls[n] = NULL;
	best = impls[n - 1];
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

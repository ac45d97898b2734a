/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Run-time choice of the multi-buffer SM3 implementation from CPUID, as sm4_dispatch.c does: the widest the CPU
 * and OS support. No timing probe (unlike sm3_dispatch.c): a 16-lane kernel does the work of 16 single-stream
 * calls for about the cost of 1-2 of them, a margin no CPU tuning detail is expected to close (ccsp-bench
 * "sm3-mb-1k" lines show every implementation side by side).
 */
#include <pthread.h>

#include "sm3_mb.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

/* Serial first, widest last: each entry is offered only when the CPU supports it. */
static const ccsp_sm3_mb_impl *impls[4] = {&ccsp_sm3_mb_impl_serial};
static pthread_once_t impls_once = PTHREAD_ONCE_INIT;

#if defined(__x86_64__)
/* Intel SDM vol. 2A, CPUID leaves 1 and 7; the OS must enable the ymm state (XCR0 bits 1, 2) for AVX2, and the
 * opmask and zmm states too (bits 5..7) for AVX-512. */
static void cpu_detect(int *avx2, int *avx512)
{
	unsigned a, b, c, d;
	int ymm_os = 0, zmm_os = 0;

	*avx2 = *avx512 = 0;
	if (!__get_cpuid(1, &a, &b, &c, &d))
		return;
	if ((c >> 27) & 1 && (c >> 28) & 1) { /* OSXSAVE and AVX */
		unsigned lo, hi;
		__asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		ymm_os = (lo & 6) == 6;
		zmm_os = (lo & 0xe6) == 0xe6;
	}
	if (ymm_os && __get_cpuid_count(7, 0, &a, &b, &c, &d)) {
		*avx2 = (b >> 5) & 1;
		*avx512 = zmm_os && (b >> 16 & 1) && (b >> 30 & 1); /* AVX512F and AVX512BW */
	}
}
#endif

static void impls_init(void)
{
#if defined(__x86_64__)
	int avx2, avx512;
	size_t n = 1;

	cpu_detect(&avx2, &avx512);
	if (avx2)
		impls[n++] = &ccsp_sm3_mb_impl_avx2;
	if (avx512)
		impls[n++] = &ccsp_sm3_mb_impl_avx512;
#endif
}

const ccsp_sm3_mb_impl *const *ccsp_sm3_mb_impl_list(void)
{
	pthread_once(&impls_once, impls_init);
	return impls;
}

const ccsp_sm3_mb_impl *ccsp_sm3_mb_impl_best(void)
{
	const ccsp_sm3_mb_impl *const *l = ccsp_sm3_mb_impl_list();
	size_t n = 0;

	while (l[n + 1] != NULL)
		n++;
	return l[n];
}

const char *ccsp_sm3_mb_impl_name(void)
{
	return ccsp_sm3_mb_impl_best()->name;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Run-time choice of the SM2 field implementation from CPUID. */
#include <pthread.h>
#include <stddef.h>

#include "sm2_arith.h"

#if defined(__x86_64__)
#include <cpuid.h>

/* CPUID leaf 7: EBX bit 8 = BMI2 (MULX), bit 19 = ADX (ADCX/ADOX). */
static int cpu_has_mulx_adx(void)
{
	unsigned a, b, c, d;
	if (__get_cpuid_max(0, NULL) < 7)
		return 0;
	__cpuid_count(7, 0, a, b, c, d);
	(void)a;
	(void)c;
	(void)d;
	return (b & (1u << 8)) != 0 && (b & (1u << 19)) != 0;
}

/* AVX2 (CPUID 7 EBX bit 5) with the ymm state enabled by the OS (OSXSAVE and XCR0 bits 1, 2), as in
 * sm3_mb_dispatch.c. */
static int cpu_has_avx2(void)
{
	unsigned a, b, c, d, lo, hi;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !((c >> 27) & 1 && (c >> 28) & 1))
		return 0;
	__asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	(void)hi;
	if ((lo & 6) != 6 || !__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return (b >> 5) & 1;
}
#endif

static const ccsp_sm2_impl *impls[5];
static const ccsp_sm2_impl *best;
static const ccsp_sm2_impl *forced;
static pthread_once_t impls_once = PTHREAD_ONCE_INIT;

static void impls_init(void)
{
	size_t n = 0;
	impls[n++] = &ccsp_sm2_impl_portable;
#if defined(__x86_64__)
	if (cpu_has_mulx_adx()) {
		impls[n++] = &ccsp_sm2_impl_adx;
		impls[n++] = &ccsp_sm2_impl_asm;
		if (cpu_has_avx2())
			impls[n++] = &ccsp_sm2_impl_asm_avx2;
	}
#endif
	impls[n] = NULL;
	best = impls[n - 1];
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

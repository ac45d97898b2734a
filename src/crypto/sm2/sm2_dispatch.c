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
#endif

static const ccsp_sm2_impl *impls[4];
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

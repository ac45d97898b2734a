/* SPDX-License-Identifier: Apache-2.0 */
#include "cpu.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

ccsp_cpu ccsp_cpu_detect(void)
{
	ccsp_cpu f = {0};
#if defined(__x86_64__)
	unsigned a, b, c, d, lo = 0, hi = 0;
	int ymm_os = 0, zmm_os = 0;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return f;
	f.ssse3 = (c >> 9) & 1;
	f.pclmul = (c >> 1) & 1;
	f.aes = (c >> 25) & 1;
	if ((c >> 27) & 1 && (c >> 28) & 1) { /* OSXSAVE and AVX: XCR0 bits 1, 2 (ymm); 5..7 (opmask, zmm) */
		__asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		ymm_os = (lo & 6) == 6;
		zmm_os = (lo & 0xe6) == 0xe6;
	}
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return f;
	f.bmi2 = (b >> 8) & 1;
	f.adx = (b >> 19) & 1;
	if (ymm_os) {
		f.avx2 = (b >> 5) & 1;
		f.vaes = (c >> 9) & 1;
		f.vpclmul = (c >> 10) & 1;
		f.avx512 = zmm_os && (b >> 16 & 1) && (b >> 30 & 1);
		f.avx512vl = f.avx512 && (b >> 31 & 1);
		f.gfni = (c >> 8) & 1;
	}
#endif
	return f;
}

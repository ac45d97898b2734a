/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Run-time choice of the SM4 block and GHASH implementations: CPUID says which ones can run; among those, the SM4
 * one is the fastest as timed once at first use (dispatch_probe.h, issue 11: a path slower than another must not
 * be chosen), ECB on PROBE_BLOCKS blocks PROBE_ROUNDS times each (some 0.05 ms in all), a later candidate chosen
 * only when faster by PROBE_MARGIN_PCT. Each implementation brings its own one-block kernel for the serial modes
 * (CBC/CFB encryption, OFB, CBC-MAC), the best it can run; SM4-CBC encryption in 8 KiB calls, process CPU time,
 * one pinned core of an AMD Zen 5 (EPYC, family 26), five runs: portable 14 MB/s, aesni-avx2 and vaes-avx2
 * (aesni-serial) 74-78, gfni-avx512 (gfni-serial) 132-138, OpenSSL 3.0 107-112. The GHASH ones are ordered by width (each wider one does the same work in fewer
 * instructions: no CPU is known where it loses).
 */
#include <pthread.h>

#include "cpu.h"
#include "dispatch_probe.h"
#include "ghash.h"
#include "sm4_impl.h"

#if defined(__x86_64__)

extern const ccsp_sm4_impl ccsp_sm4_impl_aesni_avx2;
extern const ccsp_sm4_impl ccsp_sm4_impl_vaes_avx2;
extern const ccsp_sm4_impl ccsp_sm4_impl_gfni_avx512;
extern const ccsp_ghash_impl ccsp_ghash_impl_clmul;
extern const ccsp_ghash_impl ccsp_ghash_impl_vpclmul_avx2;
extern const ccsp_ghash_impl ccsp_ghash_impl_vpclmul_avx512;
#endif

/* Simplest first: each entry is offered only when the CPU supports it. */
static const ccsp_sm4_impl *sm4_impls[5] = {&ccsp_sm4_impl_portable};
static const ccsp_ghash_impl *ghash_impls[5] = {&ccsp_ghash_impl_portable};
static const ccsp_sm4_impl *sm4_best = &ccsp_sm4_impl_portable;
static pthread_once_t impls_once = PTHREAD_ONCE_INIT;

#define PROBE_BLOCKS 64
#define PROBE_ROUNDS 5
#define PROBE_MARGIN_PCT 3

/* One probe run: ECB with zero round keys on zero blocks (public; the time does not depend on them). */
static void probe_run(size_t i, void *arg)
{
	static const uint32_t rk[32];
	uint8_t buf[PROBE_BLOCKS * 16] = {0};
	const ccsp_sm4_impl *const *list = arg;

	list[i]->crypt_blocks(rk, buf, buf, PROBE_BLOCKS);
}


static void impls_init(void)
{
#if defined(__x86_64__)
	ccsp_cpu f = ccsp_cpu_detect();
	size_t n = 1;

	if (f.avx2 && f.aes)
		sm4_impls[n++] = &ccsp_sm4_impl_aesni_avx2;
	if (f.avx2 && f.aes && f.vaes)
		sm4_impls[n++] = &ccsp_sm4_impl_vaes_avx2;
	if (f.avx512vl && f.gfni) /* VL: the one-block kernel's VPROLD and VPTERNLOGD on xmm */
		sm4_impls[n++] = &ccsp_sm4_impl_gfni_avx512;
	n = 1;
	if (f.pclmul && f.ssse3)
		ghash_impls[n++] = &ccsp_ghash_impl_clmul;
	if (f.pclmul && f.ssse3 && f.avx2 && f.vpclmul)
		ghash_impls[n++] = &ccsp_ghash_impl_vpclmul_avx2;
	if (f.pclmul && f.ssse3 && f.avx2 && f.vpclmul && f.avx512)
		ghash_impls[n++] = &ccsp_ghash_impl_vpclmul_avx512;
#endif
	size_t m = 0;
	while (sm4_impls[m] != NULL)
		m++;
	sm4_best = sm4_impls[ccsp_probe_fastest(m, probe_run, sm4_impls, PROBE_ROUNDS, PROBE_MARGIN_PCT)];
}

const ccsp_sm4_impl *const *ccsp_sm4_impl_list(void)
{
	pthread_once(&impls_once, impls_init);
	return sm4_impls;
}

const ccsp_sm4_impl *ccsp_sm4_impl_best(void)
{
	pthread_once(&impls_once, impls_init);
	return sm4_best;
}

const char *ccsp_sm4_impl_name(void)
{
	return ccsp_sm4_impl_best()->name;
}

const char *ccsp_sm4_serial_impl_name(void)
{
	return ccsp_sm4_impl_best()->serial_name;
}

const ccsp_ghash_impl *const *ccsp_ghash_impl_list(void)
{
	pthread_once(&impls_once, impls_init);
	return ghash_impls;
}

const ccsp_ghash_impl *ccsp_ghash_impl_best(void)
{
	const ccsp_ghash_impl *const *l = ccsp_ghash_impl_list();
	size_t n = 0;
	while (l[n + 1] != NULL)
		n++;
	return l[n];
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Constant-time check (ctgrind style) of the x86-64 SM4 and GHASH implementations: round keys,
 * data, counters and the hash key are marked undefined, so memcheck reports any branch or memory
 * index that depends on them. Covers what valgrind's virtual CPU offers (it hides VAES, so
 * vaes-avx2 is not run here; it shares all its code but the AESENCLAST line with aesni-avx2).
 */
#include <stdio.h>
#include <string.h>

#include <ccsp/sm4.h>
#include <valgrind/memcheck.h>

#include "sm4/ghash.h"
#include "sm4/sm4_impl.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

static const size_t COUNTS[] = {1, 7, 8, 9, 32, 45, 70};

static int check_sm4(const ccsp_sm4_impl *impl)
{
	uint8_t key[16], buf[16 * 70], ctr[16];
	ccsp_sm4_key k;
	for (size_t i = 0; i < sizeof key; i++)
		key[i] = (uint8_t)(i * 29 + 3);
	memset(buf, 0x3c, sizeof buf);
	memset(ctr, 0xff, sizeof ctr); /* carries through every word */
	if (ccsp_sm4_set_key_impl(&k, key, 16, impl) != CCSP_OK)
		return 1;
	SECRET(&k, sizeof k);
	SECRET(buf, sizeof buf);
	SECRET(ctr, sizeof ctr);
	for (size_t i = 0; i < sizeof COUNTS / sizeof COUNTS[0]; i++) {
		impl->crypt_blocks(k.rk_enc, buf, buf, COUNTS[i]);
		impl->crypt_blocks(k.rk_dec, buf, buf, COUNTS[i]);
		if (impl->ctr_blocks != NULL)
			impl->ctr_blocks(k.rk_enc, ctr, buf, buf, COUNTS[i]);
		/* the serial modes, with a secret IV (ctr as the feedback block); NULL out: CBC-MAC */
		for (int m = CCSP_SM4_FB_CBC; m <= CCSP_SM4_FB_OFB; m++)
			impl->serial_blocks(k.rk_enc, (ccsp_sm4_feedback)m, ctr, buf, buf, COUNTS[i]);
		impl->serial_blocks(k.rk_enc, CCSP_SM4_FB_CBC, ctr, buf, NULL, COUNTS[i]);
	}
	PUBLIC(&k, sizeof k);
	ccsp_sm4_key_wipe(&k);
	printf("sm4_impl_ct: %s\n", impl->name);
	return 0;
}

static void check_ghash(const ccsp_ghash_impl *g)
{
	uint8_t H[16], X[16], in[16 * 20];
	uint64_t key[CCSP_GHASH_KEY_WORDS];
	memset(H, 0x81, sizeof H); /* top and bottom bits set: the conditional reduction of H*x^-1 */
	memset(X, 0x42, sizeof X);
	memset(in, 0x17, sizeof in);
	SECRET(H, sizeof H);
	SECRET(X, sizeof X);
	SECRET(in, sizeof in);
	g->init(key, H);
	for (size_t n = 0; n <= 20; n++)
		g->blocks(key, X, in, n);
	printf("sm4_impl_ct: ghash %s\n", g->name);
}

int main(void)
{
	int failures = 0;
	for (const ccsp_sm4_impl *const *im = ccsp_sm4_impl_list(); *im != NULL; im++)
		if (*im != &ccsp_sm4_impl_portable) /* tests/ct/sm4_ct.c covers it */
			failures += check_sm4(*im);
	for (const ccsp_ghash_impl *const *g = ccsp_ghash_impl_list(); *g != NULL; g++)
		if (*g != &ccsp_ghash_impl_portable)
			check_ghash(*g);
	return failures != 0;
}

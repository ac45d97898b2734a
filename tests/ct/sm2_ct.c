/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Constant-time check of SM2 in the ctgrind style: the private key and the nonces are marked
 * undefined for valgrind memcheck, which then reports any branch or memory index that depends on
 * them. Values the algorithms declare public (r, s, check outcomes) are declassified inside the
 * library with ct_declassify(); outputs are declassified here before they are compared.
 * Run on every implementation (portable, MULX/ADX inline asm, x86-64 assembly, the same with AVX2 scans).
 */
#include <stdio.h>
#include <string.h>

#include <valgrind/memcheck.h>

#include <ccsp/sm2.h>

#include "sm2/sm2_internal.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

static int failures;

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "sm2_ct: %s failed\n", what);
		failures++;
	}
}

static void secret_key(ccsp_sm2_key *key)
{
	SECRET(key->d, sizeof key->d);
	SECRET(key->d_m, sizeof key->d_m);
	SECRET(key->dinv_m, sizeof key->dinv_m);
}

static void scalar_mults(const ccsp_sm2_impl *impl)
{
	uint64_t k[4] = {0x0123456789abcdefULL, 0xfedcba9876543210ULL, 0x1111111111111111ULL, 0x7fffffffffffffffULL};
	ccsp_sm2_apoint p, q;
	uint64_t y0[4];
	SECRET(k, sizeof k);
	impl->mul_base(&p, k);
	PUBLIC(&p, sizeof p);
	impl->mul_point(&q, k, &ccsp_sm2_g);
	PUBLIC(&q, sizeof q);
	check(memcmp(&p, &q, sizeof p) == 0, "k G == k (G as a variable base)");
	ccsp_sm2_pub_table tab;
	ccsp_sm2_apoint r1, r2;
	impl->pub_table(&tab, &ccsp_sm2_g);
	impl->mul_base_and_point(&r1, &r2, k, &ccsp_sm2_g, &tab);
	PUBLIC(&r1, sizeof r1);
	PUBLIC(&r2, sizeof r2);
	check(memcmp(&r1, &p, sizeof p) == 0 && memcmp(&r2, &p, sizeof p) == 0, "k G and k G from G's key table");
	uint64_t kb[3][4] = {{k[0], k[1], k[2], k[3]}, {7, 0, 0, 0}, {1, 2, 3, 4}}, xb[3][4];
	SECRET(kb, sizeof kb);
	impl->mul_base_x_batch(xb, (const uint64_t(*)[4])kb, 3); /* the signing context's refill */
	PUBLIC(xb, sizeof xb);
	ccsp_sm2_fe_from_mont(impl, y0, p.x);
	check(memcmp(xb[0], y0, sizeof y0) == 0, "batched x of k G");
	uint64_t x[4] = {5, 6, 7, 8}, y[4];
	SECRET(x, sizeof x);
	impl->fe_inv(y, x);
	ccsp_sm2_sc_inv_mont(y, x);
}

static void sign_and_decrypt(ccsp_sm2_key *key)
{
	uint8_t e[32] = {1, 2, 3}, k[32] = {0x42, 0x17}, sig[64], ct[97 + 16], pt[16];
	size_t len, ptlen;
	SECRET(k, sizeof k);
	check(ccsp_sm2_sign_digest_with_k(key, e, k, sig) == CCSP_OK, "sign with k");
	check(ccsp_sm2_verify_digest(key, e, sig) == CCSP_OK, "verify");
	check(ccsp_sm2_sign_digest(key, e, sig) == CCSP_OK, "sign");
	ccsp_sm2_sign_ctx *ctx = NULL; /* (1 + d)^-1 secret; the pool's k are the DRBG's */
	check(ccsp_sm2_sign_ctx_new(key, &ctx) == CCSP_OK, "signing context");
	for (int i = 0; i < 3 && ctx != NULL; i++)
		check(ccsp_sm2_sign_ctx_sign_digest(ctx, e, sig) == CCSP_OK && ccsp_sm2_verify_digest(key, e, sig) == CCSP_OK,
		      "sign with the context");
	ccsp_sm2_sign_ctx_free(ctx);
	check(ccsp_sm2_encrypt_with_k(key, CCSP_SM2_C1C3C2, k, (const uint8_t *)"sixteen byte msg", 16, ct, sizeof ct,
	                              &len) == CCSP_OK,
	      "encrypt with k");
	PUBLIC(ct, sizeof ct);
	check(ccsp_sm2_decrypt(key, CCSP_SM2_C1C3C2, ct, len, pt, sizeof pt, &ptlen) == CCSP_OK, "decrypt");
	PUBLIC(pt, sizeof pt);
	check(memcmp(pt, "sixteen byte msg", 16) == 0, "decrypted text");
	ct[70] ^= 1;
	check(ccsp_sm2_decrypt(key, CCSP_SM2_C1C3C2, ct, len, pt, sizeof pt, &ptlen) == CCSP_ERR_AUTH, "bad C3");
}

static void key_exchange(const ccsp_sm2_impl *impl, ccsp_sm2_key *a, ccsp_sm2_key *b)
{
	uint8_t ra[32] = {9, 8, 7}, rb[32] = {3, 4, 5}, pa[65], pb[65], ka[16], kb[16], sa[32], sb[32];
	ccsp_sm2_kex *xa = ccsp_sm2_kex_new(), *xb = ccsp_sm2_kex_new();
	SECRET(ra, sizeof ra);
	SECRET(rb, sizeof rb);
	check(ccsp_sm2_kex_start_with_r(impl, xa, 1, a, NULL, 0, b, NULL, 0, ra, pa) == CCSP_OK, "kex start A");
	check(ccsp_sm2_kex_start_with_r(impl, xb, 0, b, NULL, 0, a, NULL, 0, rb, pb) == CCSP_OK, "kex start B");
	PUBLIC(pa, sizeof pa);
	PUBLIC(pb, sizeof pb);
	check(ccsp_sm2_kex_compute_impl(impl, xb, pa, 65, kb, 16, sb) == CCSP_OK, "kex B");
	check(ccsp_sm2_kex_compute_impl(impl, xa, pb, 65, ka, 16, sa) == CCSP_OK, "kex A");
	PUBLIC(sa, sizeof sa);
	PUBLIC(sb, sizeof sb);
	check(ccsp_sm2_kex_confirm(xa, sb) == CCSP_OK && ccsp_sm2_kex_confirm(xb, sa) == CCSP_OK, "kex confirm");
	PUBLIC(ka, sizeof ka);
	PUBLIC(kb, sizeof kb);
	check(memcmp(ka, kb, 16) == 0, "kex agreement");
	ccsp_sm2_kex_free(xa);
	ccsp_sm2_kex_free(xb);
}

/*
 * The implementations to check. Valgrind's virtual CPUID hides BMI2 and ADX, so the dispatcher
 * lists only the portable code there; valgrind still executes MULX/ADCX/ADOX and AVX2 (on a host that
 * has them), so under valgrind the x86-64 implementations are added explicitly (outside valgrind only
 * what the CPU runs).
 */
static size_t ct_impls(const ccsp_sm2_impl *out[8])
{
	const ccsp_sm2_impl *const *list = ccsp_sm2_impl_list();
	size_t n = 0;
	for (size_t i = 0; list[i] != NULL && n < 6; i++)
		out[n++] = list[i];
#if defined(__x86_64__)
	const ccsp_sm2_impl *x86[] = {&ccsp_sm2_impl_adx, &ccsp_sm2_impl_asm, &ccsp_sm2_impl_asm_avx2};
	for (size_t j = 0; j < 3 && RUNNING_ON_VALGRIND; j++) {
		int listed = 0;
		for (size_t i = 0; i < n; i++)
			listed |= out[i] == x86[j];
		if (!listed)
			out[n++] = x86[j];
	}
#endif
	return n;
}

int main(void)
{
	uint8_t d[32] = {0x11, 0x22, 0x33, 0x44}, d2[32] = {0x55, 0x66};
	ccsp_sm2_key *key = ccsp_sm2_key_new(), *other = ccsp_sm2_key_new();
	if (key == NULL || other == NULL)
		return 1;
	/* import of a secret private key: range check, d G and (1 + d)^-1 */
	SECRET(d, sizeof d);
	check(ccsp_sm2_key_set_private(key, d) == CCSP_OK, "set private");
	check(ccsp_sm2_key_set_private(other, d2) == CCSP_OK, "set private 2");
	secret_key(key);
	secret_key(other);
	const ccsp_sm2_impl *impls[8];
	size_t n = ct_impls(impls);
	for (size_t i = 0; i < n; i++) {
		ccsp_sm2_impl_force(impls[i]);
		scalar_mults(impls[i]);
		sign_and_decrypt(key);
		key_exchange(impls[i], key, other);
	}
	ccsp_sm2_impl_force(NULL);
	ccsp_sm2_key *gen = ccsp_sm2_key_new();
	check(ccsp_sm2_key_generate(gen) == CCSP_OK, "generate");
	ccsp_sm2_key_free(gen);
	ccsp_sm2_key_free(key);
	ccsp_sm2_key_free(other);
	return failures == 0 ? 0 : 1;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The x86-64 SM4 and GHASH implementations (sm4_aesni_avx2.c, sm4_vaes_avx2.c, ghash_clmul.c,
 * ghash_vpclmul_avx2.c, ghash_vpclmul_avx512.c)
 * and the one-block kernels of the serial modes (sm4_aesni_serial.c, sm4_gfni_serial.c)
 * against the portable ones, OpenSSL's sm4-ecb / sm4-ctr / sm4-cbc / sm4-cfb / sm4-ofb, the GB/T 32907 A.2
 * example, and a bit-by-bit GHASH written here.
 * A test is skipped when the CPU lacks what its implementation needs.
 */
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include <ccsp/sm4.h>

#include "sm4/ghash.h"
#include "sm4/sm4_impl.h"
#include "sm4/sm4_internal.h"
#include "test_util.h"

#include <openssl/evp.h>

#define MAX_BLOCKS 1100

/* Block counts: every count 0..64 (all tails of the 8- and 32-block batches) and some large ones. */
static const size_t LARGE_COUNTS[] = {65, 95, 96, 97, 127, 128, 129, 255, 256, 257, 1000, MAX_BLOCKS};

#if defined(__x86_64__)
/* CPUID.(EAX=7,ECX=0):ECX bit (VAES 9, VPCLMULQDQ 10; Intel SDM vol. 2A). Compilers differ in which
 * names __builtin_cpu_supports knows, so these two are read directly; they are used only together
 * with avx2, which __builtin_cpu_supports checks including OS support of the ymm state. */
static int cpuid7_ecx(int bit)
{
	unsigned a, b, c, d;
	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && ((c >> bit) & 1);
}
#endif

static int cpu_has(const char *feature)
{
#if defined(__x86_64__)
	__builtin_cpu_init();
	int avx2_aes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("aes");
	int clmul = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("ssse3");
	if (strcmp(feature, "aesni-avx2") == 0)
		return avx2_aes;
	if (strcmp(feature, "vaes-avx2") == 0)
		return avx2_aes && cpuid7_ecx(9);
	if (strcmp(feature, "gfni-avx512") == 0) /* the builtins check the OS's zmm state too */
		return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
		       __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("gfni");
	if (strcmp(feature, "clmul") == 0)
		return clmul;
	if (strcmp(feature, "vpclmul-avx2") == 0)
		return clmul && __builtin_cpu_supports("avx2") && cpuid7_ecx(10);
	if (strcmp(feature, "vpclmul-avx512") == 0)
		return clmul && __builtin_cpu_supports("avx2") && cpuid7_ecx(10) && __builtin_cpu_supports("avx512f") &&
		       __builtin_cpu_supports("avx512bw");
#endif
	(void)feature;
	return 0;
}

/* The implementation called name: skip when the CPU cannot run it, fail when it can but the
 * dispatcher does not offer it. */
static const ccsp_sm4_impl *sm4_impl_or_skip(const char *name)
{
	const ccsp_sm4_impl *found = NULL;
	for (const ccsp_sm4_impl *const *im = ccsp_sm4_impl_list(); *im != NULL; im++)
		if (strcmp((*im)->name, name) == 0)
			found = *im;
	if (!cpu_has(name)) {
		assert_null(found);
		skip();
	}
	if (found == NULL)
		fail_msg("CPU supports %s but the dispatcher does not offer it", name);
	return found;
}

static const ccsp_ghash_impl *ghash_impl_or_skip(const char *name)
{
	const ccsp_ghash_impl *found = NULL;
	for (const ccsp_ghash_impl *const *g = ccsp_ghash_impl_list(); *g != NULL; g++)
		if (strcmp((*g)->name, name) == 0)
			found = *g;
	if (!cpu_has(name)) {
		assert_null(found);
		skip();
	}
	if (found == NULL)
		fail_msg("CPU supports %s but the dispatcher does not offer it", name);
	return found;
}

static void openssl_crypt(const EVP_CIPHER *cipher, const uint8_t key[16], const uint8_t *iv, const uint8_t *in,
                          uint8_t *out, size_t nblocks)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int len = 0;
	assert_non_null(c);
	assert_int_equal(EVP_EncryptInit_ex(c, cipher, NULL, key, iv), 1);
	EVP_CIPHER_CTX_set_padding(c, 0);
	assert_int_equal(EVP_EncryptUpdate(c, out, &len, in, (int)(16 * nblocks)), 1);
	assert_int_equal((size_t)len, 16 * nblocks);
	EVP_CIPHER_CTX_free(c);
}

static uint8_t pt[16 * MAX_BLOCKS + 1], got[16 * MAX_BLOCKS + 1], want[16 * MAX_BLOCKS], port[16 * MAX_BLOCKS];

/* ECB on n blocks: vs OpenSSL and portable, decrypt back, in place, unaligned buffers. */
static void check_ecb(const ccsp_sm4_impl *impl, size_t n)
{
	uint8_t key[16];
	ccsp_sm4_key k, kp;
	test_rand(key, sizeof key);
	test_rand(pt, 16 * n + 1);
	assert_ok(ccsp_sm4_set_key_impl(&k, key, 16, impl));
	assert_ok(ccsp_sm4_set_key_impl(&kp, key, 16, &ccsp_sm4_impl_portable));

	if (n > 0)
		openssl_crypt(EVP_sm4_ecb(), key, NULL, pt, want, n);
	ccsp_sm4_impl_portable.crypt_blocks(kp.rk_enc, pt, port, n);
	assert_memory_equal(port, want, 16 * n);
	got[16 * n] = 0x5a;
	impl->crypt_blocks(k.rk_enc, pt, got, n);
	if (n > 0 && memcmp(got, want, 16 * n) != 0)
		fail_msg("%s ecb n=%zu: first block %s, expected %s", impl->name, n, bin2hex(got, 16), bin2hex(want, 16));
	assert_int_equal(got[16 * n], 0x5a); /* nothing written past the end */

	impl->crypt_blocks(k.rk_dec, got, got, n); /* in place */
	assert_memory_equal(got, pt, 16 * n);
	memcpy(got + 1, pt, 16 * n); /* misaligned in and out */
	impl->crypt_blocks(k.rk_enc, got + 1, got + 1, n);
	assert_memory_equal(got + 1, want, 16 * n);
}

static void test_ecb(const char *name)
{
	const ccsp_sm4_impl *impl = sm4_impl_or_skip(name);
	test_rand_seed(0x51);
	for (size_t n = 0; n <= 64; n++)
		check_ecb(impl, n);
	for (size_t i = 0; i < sizeof LARGE_COUNTS / sizeof LARGE_COUNTS[0]; i++)
		check_ecb(impl, LARGE_COUNTS[i]);
}

/* The counter after n blocks, computed here byte by byte. */
static void ctr_after(uint8_t out[16], const uint8_t ctr[16], size_t n)
{
	uint64_t carry = n;
	for (int i = 15; i >= 0; i--) {
		carry += ctr[i];
		out[i] = (uint8_t)carry;
		carry >>= 8;
	}
}

/* CTR on n blocks from ctr: vs OpenSSL (sm4-ctr increments the whole 128-bit block) and the
 * generic counter code over the portable block function; counter advanced; in place. */
static void check_ctr(const ccsp_sm4_impl *impl, const uint8_t ctr0[16], size_t n)
{
	uint8_t key[16], ctr[16], ctr_port[16], ctr_end[16];
	ccsp_sm4_key k, kp;
	test_rand(key, sizeof key);
	test_rand(pt, 16 * n);
	assert_ok(ccsp_sm4_set_key_impl(&k, key, 16, impl));
	assert_ok(ccsp_sm4_set_key_impl(&kp, key, 16, &ccsp_sm4_impl_portable));
	assert_non_null(impl->ctr_blocks);

	if (n > 0)
		openssl_crypt(EVP_sm4_ctr(), key, ctr0, pt, want, n);
	memcpy(ctr_port, ctr0, 16);
	ccsp_sm4_ctr_blocks(&kp, ctr_port, pt, port, n);
	assert_memory_equal(port, want, 16 * n);

	memcpy(ctr, ctr0, 16);
	got[16 * n] = 0xa5;
	impl->ctr_blocks(k.rk_enc, ctr, pt, got, n);
	if (n > 0 && memcmp(got, want, 16 * n) != 0)
		fail_msg("%s ctr n=%zu from %s: mismatch", impl->name, n, bin2hex(ctr0, 16));
	assert_int_equal(got[16 * n], 0xa5);
	ctr_after(ctr_end, ctr0, n);
	assert_memory_equal(ctr, ctr_end, 16);
	assert_memory_equal(ctr_port, ctr_end, 16);

	memcpy(ctr, ctr0, 16); /* in place: decrypts back */
	impl->ctr_blocks(k.rk_enc, ctr, got, got, n);
	assert_memory_equal(got, pt, 16 * n);
}

/* Counters 0..40 blocks before a carry out of the low 32, 64 and 96 bits and out of all 128. */
static void ctr_near_wrap(uint8_t ctr[16], int ff_bytes)
{
	test_rand(ctr, 16);
	memset(ctr + 16 - ff_bytes, 0xff, (size_t)ff_bytes);
	ctr[15] = (uint8_t)(0xff - test_rand_below(41));
}

static void test_ctr(const char *name)
{
	const ccsp_sm4_impl *impl = sm4_impl_or_skip(name);
	uint8_t ctr[16];
	test_rand_seed(0x52);
	for (size_t n = 0; n <= 64; n++) {
		test_rand(ctr, 16);
		check_ctr(impl, ctr, n);
		for (int ff = 4; ff <= 16; ff += 4) {
			ctr_near_wrap(ctr, ff);
			check_ctr(impl, ctr, n);
		}
	}
	for (size_t i = 0; i < sizeof LARGE_COUNTS / sizeof LARGE_COUNTS[0]; i++) {
		test_rand(ctr, 16);
		check_ctr(impl, ctr, LARGE_COUNTS[i]);
		for (int ff = 4; ff <= 16; ff += 4) {
			ctr_near_wrap(ctr, ff);
			check_ctr(impl, ctr, LARGE_COUNTS[i]);
		}
	}
}

static void test_aesni_avx2_ecb(void **state)
{
	(void)state;
	test_ecb("aesni-avx2");
}

static void test_aesni_avx2_ctr(void **state)
{
	(void)state;
	test_ctr("aesni-avx2");
}

static void test_vaes_avx2_ecb(void **state)
{
	(void)state;
	test_ecb("vaes-avx2");
}

static void test_vaes_avx2_ctr(void **state)
{
	(void)state;
	test_ctr("vaes-avx2");
}

static void test_gfni_avx512_ecb(void **state)
{
	(void)state;
	test_ecb("gfni-avx512");
}

static void test_gfni_avx512_ctr(void **state)
{
	(void)state;
	test_ctr("gfni-avx512");
}

/* serial_blocks (CBC/CFB encryption, OFB, CBC-MAC) on n blocks: vs OpenSSL and the portable kernel, the returned
 * feedback, in place, and out NULL (CBC-MAC). */
static void check_serial(const ccsp_sm4_impl *impl, ccsp_sm4_feedback mode, size_t n)
{
	const EVP_CIPHER *ciphers[] = {[CCSP_SM4_FB_CBC] = EVP_sm4_cbc(), [CCSP_SM4_FB_CFB] = EVP_sm4_cfb128(),
	                               [CCSP_SM4_FB_OFB] = EVP_sm4_ofb()};
	uint8_t key[16], iv[16], fb[16], fb_port[16];
	ccsp_sm4_key k, kp;
	test_rand(key, sizeof key);
	test_rand(iv, sizeof iv);
	test_rand(pt, 16 * n);
	assert_ok(ccsp_sm4_set_key_impl(&k, key, 16, impl));
	assert_ok(ccsp_sm4_set_key_impl(&kp, key, 16, &ccsp_sm4_impl_portable));

	if (n > 0)
		openssl_crypt(ciphers[mode], key, iv, pt, want, n);
	memcpy(fb_port, iv, 16);
	ccsp_sm4_impl_portable.serial_blocks(kp.rk_enc, mode, fb_port, pt, port, n);
	assert_memory_equal(port, want, 16 * n);

	memcpy(fb, iv, 16);
	got[16 * n] = 0x3c;
	impl->serial_blocks(k.rk_enc, mode, fb, pt, got, n);
	if (n > 0 && memcmp(got, want, 16 * n) != 0)
		fail_msg("%s serial mode %d n=%zu: mismatch", impl->name, (int)mode, n);
	assert_int_equal(got[16 * n], 0x3c);
	assert_memory_equal(fb, fb_port, 16);

	memcpy(got + 1, pt, 16 * n); /* in place, misaligned */
	memcpy(fb, iv, 16);
	impl->serial_blocks(k.rk_enc, mode, fb, got + 1, got + 1, n);
	assert_memory_equal(got + 1, want, 16 * n);
	if (mode == CCSP_SM4_FB_CBC) {
		memcpy(fb, iv, 16);
		impl->serial_blocks(k.rk_enc, mode, fb, pt, NULL, n);
		assert_memory_equal(fb, fb_port, 16);
	}
}

/* GB/T 32907-2016 Appendix A.2: the example plaintext encrypted 1,000,000 times, through OFB on zero blocks
 * (the feedback is E^n(iv)). */
static void check_serial_million(const ccsp_sm4_impl *impl)
{
	static const uint8_t kp[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	                               0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};
	static const uint8_t ct[16] = {0x59, 0x52, 0x98, 0xc7, 0xc6, 0xfd, 0x27, 0x1f,
	                               0x04, 0x02, 0xf8, 0x04, 0xc3, 0x3d, 0x3f, 0x66};
	uint8_t fb[16];
	ccsp_sm4_key k;
	assert_ok(ccsp_sm4_set_key_impl(&k, kp, 16, impl));
	memcpy(fb, kp, 16);
	memset(pt, 0, 16 * 1000);
	for (int i = 0; i < 1000; i++)
		impl->serial_blocks(k.rk_enc, CCSP_SM4_FB_OFB, fb, pt, got, 1000);
	assert_memory_equal(fb, ct, 16);
}

static void test_serial(const char *name)
{
	const ccsp_sm4_impl *impl = sm4_impl_or_skip(name);
	test_rand_seed(0x53);
	for (int m = CCSP_SM4_FB_CBC; m <= CCSP_SM4_FB_OFB; m++) {
		for (size_t n = 0; n <= 40; n++)
			check_serial(impl, (ccsp_sm4_feedback)m, n);
		for (size_t i = 0; i < sizeof LARGE_COUNTS / sizeof LARGE_COUNTS[0]; i++)
			check_serial(impl, (ccsp_sm4_feedback)m, LARGE_COUNTS[i]);
	}
	check_serial_million(impl);
}

static void test_aesni_avx2_serial(void **state)
{
	(void)state;
	test_serial("aesni-avx2");
}

static void test_gfni_avx512_serial(void **state)
{
	(void)state;
	test_serial("gfni-avx512");
}

/* NIST SP 800-38D 6.3 Algorithm 1 (multiplication in GF(2^128)), bit by bit. */
static void gf128_mul_ref(uint8_t z[16], const uint8_t x[16], const uint8_t y[16])
{
	uint8_t v[16], r[16] = {0};
	memcpy(v, y, 16);
	for (int i = 0; i < 128; i++) {
		if ((x[i / 8] >> (7 - i % 8)) & 1)
			for (int j = 0; j < 16; j++)
				r[j] ^= v[j];
		int lsb = v[15] & 1;
		for (int j = 15; j > 0; j--)
			v[j] = (uint8_t)(v[j] >> 1 | v[j - 1] << 7);
		v[0] >>= 1;
		if (lsb)
			v[0] ^= 0xe1; /* R = 11100001 || 0^120 */
	}
	memcpy(z, r, 16);
}

/* SP 800-38D 6.4 Algorithm 2 from the state X: X = (X xor block) * H for each block. */
static void ghash_ref(uint8_t X[16], const uint8_t H[16], const uint8_t *in, size_t n)
{
	for (size_t b = 0; b < n; b++) {
		for (int j = 0; j < 16; j++)
			X[j] ^= in[16 * b + j];
		gf128_mul_ref(X, X, H);
	}
}

static void test_ghash(const char *name)
{
	const ccsp_ghash_impl *g = ghash_impl_or_skip(name);
	uint8_t H[16], X0[16], X[16], Xp[16], Xr[16], in[16 * 40];
	uint64_t key[CCSP_GHASH_KEY_WORDS], keyp[CCSP_GHASH_KEY_WORDS];
	test_rand_seed(0x53);
	for (int trial = 0; trial < 16; trial++) {
		test_rand(H, 16);
		test_rand(X0, 16);
		test_rand(in, sizeof in);
		memset(H, 0, trial < 4 ? 16 : 0); /* H = 0, 1, x^127 and all-ones: edge elements */
		if (trial == 1)
			H[0] = 0x80;
		if (trial == 2)
			H[15] = 0x01;
		if (trial == 3)
			memset(H, 0xff, 16);
		memset(key, 0xa5, sizeof key); /* init must not depend on what the key area held */
		g->init(key, H);
		ccsp_ghash_impl_portable.init(keyp, H);
		for (size_t n = 0; n <= 40; n++) {
			memcpy(X, X0, 16);
			memcpy(Xp, X0, 16);
			memcpy(Xr, X0, 16);
			g->blocks(key, X, in, n);
			ccsp_ghash_impl_portable.blocks(keyp, Xp, in, n);
			ghash_ref(Xr, H, in, n);
			if (memcmp(X, Xr, 16) != 0)
				fail_msg("trial %d n=%zu: %s, expected %s", trial, n, bin2hex(X, 16), bin2hex(Xr, 16));
			assert_memory_equal(Xp, Xr, 16);
		}
		/* split calls give the same state as one call */
		memcpy(X, X0, 16);
		g->blocks(key, X, in, 13);
		g->blocks(key, X, in + 16 * 13, 27);
		memcpy(Xr, X0, 16);
		ghash_ref(Xr, H, in, 40);
		assert_memory_equal(X, Xr, 16);
	}
}

static void test_clmul_ghash(void **state)
{
	(void)state;
	test_ghash("clmul");
}

static void test_vpclmul_avx2_ghash(void **state)
{
	(void)state;
	test_ghash("vpclmul-avx2");
}

static void test_vpclmul_avx512_ghash(void **state)
{
	(void)state;
	test_ghash("vpclmul-avx512");
}

/* The lists: portable first, NULL-terminated, names distinct; the best GHASH last, the best SM4 in the list. */
static void test_lists(void **state)
{
	(void)state;
	const ccsp_sm4_impl *const *l = ccsp_sm4_impl_list();
	const ccsp_ghash_impl *const *g = ccsp_ghash_impl_list();
	size_t n = 0, m = 0;
	assert_ptr_equal(l[0], &ccsp_sm4_impl_portable);
	assert_ptr_equal(g[0], &ccsp_ghash_impl_portable);
	for (; l[n] != NULL; n++)
		for (size_t i = 0; i < n; i++)
			assert_string_not_equal(l[i]->name, l[n]->name);
	for (; g[m] != NULL; m++)
		for (size_t i = 0; i < m; i++)
			assert_string_not_equal(g[i]->name, g[m]->name);
	size_t best = 0; /* SM4: the fastest by a timing probe, one of the list */
	while (best < n && l[best] != ccsp_sm4_impl_best())
		best++;
	assert_true(best < n);
	assert_string_equal(ccsp_sm4_impl_name(), l[best]->name);
	assert_non_null(ccsp_sm4_serial_impl_name());
	assert_ptr_equal(ccsp_ghash_impl_best(), g[m - 1]);
	assert_ptr_equal(ccsp_sm4_impl_list(), l); /* decided once */
	assert_int_equal(n, 1 + cpu_has("aesni-avx2") + cpu_has("vaes-avx2") + cpu_has("gfni-avx512"));
	assert_int_equal(m, 1 + cpu_has("clmul") + cpu_has("vpclmul-avx2") + cpu_has("vpclmul-avx512"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_aesni_avx2_ecb),
		cmocka_unit_test(test_aesni_avx2_ctr),
		cmocka_unit_test(test_vaes_avx2_ecb),
		cmocka_unit_test(test_vaes_avx2_ctr),
		cmocka_unit_test(test_gfni_avx512_ecb),
		cmocka_unit_test(test_gfni_avx512_ctr),
		cmocka_unit_test(test_aesni_avx2_serial),
		cmocka_unit_test(test_gfni_avx512_serial),
		cmocka_unit_test(test_clmul_ghash),
		cmocka_unit_test(test_vpclmul_avx2_ghash),
		cmocka_unit_test(test_vpclmul_avx512_ghash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

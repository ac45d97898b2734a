/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SM3, HMAC-SM3, SM3-KDF and PBKDF2-HMAC-SM3: published vectors, differential tests against
 * OpenSSL 3.0 (EVP_sm3, HMAC, X963KDF, PKCS5_PBKDF2_HMAC), streaming vs one-shot, every
 * compression implementation vs the portable one, argument and state errors.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>

#include <ccsp/sm3.h>

#include "selftest.h"
#include "sm3/sm3_internal.h"
#include "sm3/sm3_mb.h"
#include "test_util.h"

/* ---- OpenSSL oracles ------------------------------------------------------------------------- */

static void ossl_sm3(const uint8_t *m, size_t n, uint8_t d[32])
{
	unsigned int dl = 0;
	assert_int_equal(EVP_Digest(n ? m : (const uint8_t *)"", n, d, &dl, EVP_sm3(), NULL), 1);
	assert_int_equal(dl, 32);
}

static void ossl_hmac_sm3(const uint8_t *k, size_t kl, const uint8_t *m, size_t n, uint8_t mac[32])
{
	static const uint8_t empty[1];
	unsigned int ml = 0;
	assert_non_null(HMAC(EVP_sm3(), kl ? k : empty, (int)kl, n ? m : empty, n, mac, &ml));
	assert_int_equal(ml, 32);
}

/* ANSI X9.63 KDF with empty SharedInfo is SM3-KDF (GB/T 32918.4 5.4.3): Hash(Z || ct). */
static void ossl_x963_sm3(const uint8_t *z, size_t zl, uint8_t *out, size_t outlen)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "X963KDF", NULL);
	assert_non_null(kdf);
	EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf);
	assert_non_null(kctx);
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SM3", 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)z, zl),
		OSSL_PARAM_construct_end(),
	};
	assert_int_equal(EVP_KDF_derive(kctx, out, outlen, params), 1);
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
}

/* ---- known answers --------------------------------------------------------------------------- */

/* GB/T 32905-2016 Appendix A.1 and A.2 (also /work/shared/spec/formats.md 6.1). */
static void check_sm3_vectors(void)
{
	static const char m64[] = "abcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcd";
	uint8_t d[32];

	assert_ok(ccsp_sm3("abc", 3, d));
	assert_hex_equal("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0", d, 32);
	assert_ok(ccsp_sm3(m64, 64, d));
	assert_hex_equal("debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732", d, 32);
}

/* GM/T 0042-2015 Appendix D.3, the four HMAC-SM3 examples. */
static void check_hmac_vectors(void)
{
	static const char abc2[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
	                           "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	uint8_t key[37], msg[50], mac[32];

	for (int i = 0; i < 37; i++)
		key[i] = (uint8_t)(i + 1);
	assert_ok(ccsp_hmac_sm3(key, 32, abc2, 112, mac));
	assert_hex_equal("ca05e144ed05d1857840d1f318a4a8669e559fc8391f414485bfdf7bb408963a", mac, 32);
	memset(msg, 0xcd, sizeof msg);
	assert_ok(ccsp_hmac_sm3(key, 37, msg, 50, mac));
	assert_hex_equal("220bf579ded555393f0159f66c99877822a3ecf610d1552154b41d44b94db3ae", mac, 32);
	memset(key, 0x0b, 32);
	assert_ok(ccsp_hmac_sm3(key, 32, "Hi There", 8, mac));
	assert_hex_equal("c0ba18c68b90c88bc07de794bfc7d2c8d19ec31ed8773bc2b390c9604e0be11e", mac, 32);
	assert_ok(ccsp_hmac_sm3((const uint8_t *)"Jefe", 4, "what do ya want for nothing?", 28, mac));
	assert_hex_equal("2e87f1d16862e6d964b50a5200bf2b10b764faa9680a296a2405f24bec39f882", mac, 32);
}

static void test_vectors_every_impl(void **state)
{
	(void)state;
	const ccsp_sm3_impl *const *impls = ccsp_sm3_impl_list();
	for (size_t i = 0; impls[i] != NULL; i++) {
		ccsp_sm3_impl_force(impls[i]);
		check_sm3_vectors();
		check_hmac_vectors();
	}
	ccsp_sm3_impl_force(NULL);
	check_sm3_vectors();
	check_hmac_vectors();
}

/* ---- implementations ------------------------------------------------------------------------- */

static void test_impl_list(void **state)
{
	(void)state;
	const ccsp_sm3_impl *const *impls = ccsp_sm3_impl_list();
	size_t n = 0;
	assert_ptr_equal(impls[0], &ccsp_sm3_impl_portable);
	assert_string_equal(impls[0]->name, "portable");
	while (impls[n] != NULL)
		n++;
	int listed = 0; /* the one in use is one of those the CPU supports, chosen by timing */
	for (size_t i = 0; i < n; i++)
		listed |= ccsp_sm3_impl_best() == impls[i];
	assert_true(listed);
	assert_string_equal(ccsp_sm3_impl_name(), ccsp_sm3_impl_best()->name);
#if defined(__x86_64__)
	__builtin_cpu_init();
	int want = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2");
	int have = 0;
	for (size_t i = 0; i < n; i++)
		have |= impls[i] == &ccsp_sm3_impl_avx2_bmi2;
	assert_int_equal(have, want);
#endif
	/* The override is per call and reversible. */
	assert_null(ccsp_sm3_impl_force(&ccsp_sm3_impl_portable));
	assert_ptr_equal(ccsp_sm3_compress_active(), ccsp_sm3_impl_portable.compress);
	assert_ptr_equal(ccsp_sm3_impl_force(NULL), &ccsp_sm3_impl_portable);
	assert_ptr_equal(ccsp_sm3_compress_active(), ccsp_sm3_impl_best()->compress);
}

/* Raw compression on random chaining values and 1..40 random blocks (covers the block loop). */
static void test_impls_agree_with_portable(void **state)
{
	(void)state;
	static uint8_t m[40 * 64];
	const ccsp_sm3_impl *const *impls = ccsp_sm3_impl_list();
	test_rand_seed(11);
	for (size_t i = 1; impls[i] != NULL; i++) {
		for (int t = 0; t < 300; t++) {
			uint32_t s1[8], s2[8];
			size_t nb = 1 + test_rand_below(40);
			test_rand(s1, sizeof s1);
			memcpy(s2, s1, sizeof s1);
			test_rand(m, nb * 64);
			ccsp_sm3_impl_portable.compress(s1, m, nb);
			impls[i]->compress(s2, m + 0, nb);
			assert_memory_equal(s1, s2, sizeof s1);
		}
		/* Misaligned input. */
		uint32_t s1[8] = {0}, s2[8] = {0};
		ccsp_sm3_impl_portable.compress(s1, m + 3, 30);
		impls[i]->compress(s2, m + 3, 30);
		assert_memory_equal(s1, s2, sizeof s1);
	}
}

/* ---- differential vs OpenSSL ----------------------------------------------------------------- */

static void test_sm3_vs_openssl(void **state)
{
	(void)state;
	static uint8_t m[5000];
	uint8_t a[32], b[32];
	const ccsp_sm3_impl *const *impls = ccsp_sm3_impl_list();
	test_rand_seed(1);
	for (size_t i = 0; impls[i] != NULL; i++) {
		ccsp_sm3_impl_force(impls[i]);
		for (int t = 0; t < 1500; t++) {
			size_t n = test_rand_below(sizeof m + 1);
			test_rand(m, n);
			assert_ok(ccsp_sm3(m, n, a));
			ossl_sm3(m, n, b);
			assert_memory_equal(a, b, 32);
		}
	}
	ccsp_sm3_impl_force(NULL);
	for (size_t n = 0; n <= 300; n++) { /* every length around the padding boundaries */
		test_rand(m, n);
		assert_ok(ccsp_sm3(n ? m : NULL, n, a));
		ossl_sm3(m, n, b);
		assert_memory_equal(a, b, 32);
	}
}

static void test_hmac_vs_openssl(void **state)
{
	(void)state;
	static uint8_t m[5000];
	uint8_t k[201], a[32], b[32];
	test_rand_seed(2);
	for (int t = 0; t < 2500; t++) {
		size_t n = test_rand_below(sizeof m + 1), kl = test_rand_below(sizeof k);
		test_rand(m, n);
		test_rand(k, kl);
		assert_ok(ccsp_hmac_sm3(kl ? k : NULL, kl, n ? m : NULL, n, a));
		ossl_hmac_sm3(k, kl, m, n, b);
		assert_memory_equal(a, b, 32);
		assert_ok(ccsp_hmac_sm3_verify(k, kl, m, n, b, 32));
	}
}

static void test_kdf_vs_openssl(void **state)
{
	(void)state;
	static uint8_t a[2000], b[2000];
	uint8_t z[200];
	test_rand_seed(3);
	for (size_t outlen = 1; outlen <= 300; outlen++) {
		size_t zl = 1 + test_rand_below(sizeof z);
		test_rand(z, zl);
		assert_ok(ccsp_sm3_kdf(z, zl, a, outlen));
		ossl_x963_sm3(z, zl, b, outlen);
		assert_memory_equal(a, b, outlen);
	}
	test_rand(z, 65);
	assert_ok(ccsp_sm3_kdf(z, 65, a, sizeof a));
	ossl_x963_sm3(z, 65, b, sizeof b);
	assert_memory_equal(a, b, sizeof a);
	/* Empty Z (OpenSSL refuses it): SM3(ct) for ct = 1, 2. */
	uint8_t ct[4] = {0, 0, 0, 1};
	assert_ok(ccsp_sm3_kdf(NULL, 0, a, 40));
	ossl_sm3(ct, 4, b);
	ct[3] = 2;
	ossl_sm3(ct, 4, b + 32);
	assert_memory_equal(a, b, 40);
}

static void test_pbkdf2_vs_openssl(void **state)
{
	(void)state;
	uint8_t p[100], s[80], a[100], b[100];
	test_rand_seed(4);
	for (int t = 0; t < 60; t++) {
		size_t pl = test_rand_below(sizeof p), sl = test_rand_below(sizeof s);
		size_t outlen = 1 + test_rand_below(sizeof a);
		uint32_t iter = 1 + (uint32_t)test_rand_below(t < 10 ? 3 : 300);
		test_rand(p, pl);
		test_rand(s, sl);
		assert_ok(ccsp_pbkdf2_sm3(pl ? p : NULL, pl, sl ? s : NULL, sl, iter, a, outlen));
		assert_int_equal(PKCS5_PBKDF2_HMAC((const char *)p, (int)pl, s, (int)sl, (int)iter, EVP_sm3(),
		                                   (int)outlen, b), 1);
		assert_memory_equal(a, b, outlen);
	}
}

/* ---- streaming ------------------------------------------------------------------------------- */

static void test_streaming_every_split(void **state)
{
	(void)state;
	static const size_t lens[] = {0, 1, 55, 56, 63, 64, 65, 127, 128, 129, 200, 1000};
	static uint8_t m[1000];
	uint8_t one[32], two[32], mac1[32], mac2[32], key[70];
	ccsp_sm3_ctx ctx;
	ccsp_hmac_sm3_ctx h;
	test_rand_seed(5);
	test_rand(key, sizeof key);
	for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
		size_t n = lens[li];
		test_rand(m, n);
		assert_ok(ccsp_sm3(m, n, one));
		assert_ok(ccsp_hmac_sm3(key, sizeof key, m, n, mac1));
		for (size_t s = 0; s <= n; s++) {
			assert_ok(ccsp_sm3_init(&ctx));
			assert_ok(ccsp_sm3_update(&ctx, m, s));
			assert_ok(ccsp_sm3_update(&ctx, m + s, n - s));
			assert_ok(ccsp_sm3_final(&ctx, two));
			assert_memory_equal(one, two, 32);
			assert_ok(ccsp_hmac_sm3_init(&h, key, sizeof key));
			assert_ok(ccsp_hmac_sm3_update(&h, m, s));
			assert_ok(ccsp_hmac_sm3_update(&h, m + s, n - s));
			assert_ok(ccsp_hmac_sm3_final(&h, mac2));
			assert_memory_equal(mac1, mac2, 32);
		}
	}
}

/* Random chunking, switching implementation between calls on the same context. */
static void test_streaming_random_chunks(void **state)
{
	(void)state;
	static uint8_t m[4000];
	uint8_t one[32], two[32];
	const ccsp_sm3_impl *const *impls = ccsp_sm3_impl_list();
	size_t nimpl = 0;
	while (impls[nimpl] != NULL)
		nimpl++;
	test_rand_seed(6);
	for (int t = 0; t < 200; t++) {
		size_t n = test_rand_below(sizeof m + 1), off = 0;
		ccsp_sm3_ctx ctx;
		test_rand(m, n);
		ossl_sm3(m, n, one);
		assert_ok(ccsp_sm3_init(&ctx));
		while (off < n) {
			size_t c = test_rand_below(n - off + 1);
			ccsp_sm3_impl_force(impls[test_rand_below(nimpl)]);
			assert_ok(ccsp_sm3_update(&ctx, m + off, c));
			off += c;
		}
		assert_ok(ccsp_sm3_final(&ctx, two));
		ccsp_sm3_impl_force(NULL);
		assert_memory_equal(one, two, 32);
	}
}

/* ---- wiping, errors -------------------------------------------------------------------------- */

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= b[i];
	return acc == 0;
}

static void test_final_wipes(void **state)
{
	(void)state;
	uint8_t d[32];
	ccsp_sm3_ctx ctx;
	ccsp_hmac_sm3_ctx h;
	memset(&ctx, 0xa5, sizeof ctx);
	assert_ok(ccsp_sm3_init(&ctx));
	assert_ok(ccsp_sm3_update(&ctx, "secret message", 14));
	assert_ok(ccsp_sm3_final(&ctx, d));
	assert_true(all_zero(&ctx, sizeof ctx));
	assert_ok(ccsp_hmac_sm3_init(&h, (const uint8_t *)"key", 3));
	assert_ok(ccsp_hmac_sm3_update(&h, "data", 4));
	assert_ok(ccsp_hmac_sm3_final(&h, d));
	assert_true(all_zero(&h, sizeof h));
	/* A finalised (wiped) HMAC context is refused. */
	assert_ccsp(CCSP_ERR_STATE, ccsp_hmac_sm3_update(&h, "x", 1));
	assert_ccsp(CCSP_ERR_STATE, ccsp_hmac_sm3_final(&h, d));
}

static void test_sm3_errors(void **state)
{
	(void)state;
	uint8_t d[32];
	ccsp_sm3_ctx ctx;
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_init(NULL));
	assert_ok(ccsp_sm3_init(&ctx));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_update(NULL, "a", 1));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_update(&ctx, NULL, 1));
	assert_ok(ccsp_sm3_update(&ctx, NULL, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_final(NULL, d));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_final(&ctx, NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3(NULL, 1, d));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3("a", 1, NULL));
	assert_ccsp(CCSP_ERR_DATA_LENGTH, ccsp_sm3("a", (size_t)1 << 61, d));
	/* Corrupt or uninitialised contexts. */
	ctx.num = CCSP_SM3_BLOCK_SIZE;
	assert_ccsp(CCSP_ERR_STATE, ccsp_sm3_update(&ctx, "a", 1));
	assert_ccsp(CCSP_ERR_STATE, ccsp_sm3_final(&ctx, d));
	/* Clause 5.2: the message must stay below 2^64 bits. */
	assert_ok(ccsp_sm3_init(&ctx));
	ctx.nblocks = (((uint64_t)1 << 61) - 1) / 64;
	uint8_t big[64] = {0};
	assert_ccsp(CCSP_ERR_DATA_LENGTH, ccsp_sm3_update(&ctx, big, 64));
	assert_ok(ccsp_sm3_update(&ctx, big, 63)); /* exactly 2^61 - 1 bytes in all */
	assert_ccsp(CCSP_ERR_DATA_LENGTH, ccsp_sm3_update(&ctx, d, 1));
	ctx.nblocks = (uint64_t)1 << 56;
	assert_ccsp(CCSP_ERR_STATE, ccsp_sm3_update(&ctx, d, 1));
}

static void test_hmac_errors(void **state)
{
	(void)state;
	uint8_t mac[32];
	ccsp_hmac_sm3_ctx h;
	assert_ccsp(CCSP_ERR_ARG, ccsp_hmac_sm3_init(NULL, (const uint8_t *)"k", 1));
	assert_ccsp(CCSP_ERR_ARG, ccsp_hmac_sm3_init(&h, NULL, 1));
	assert_ok(ccsp_hmac_sm3_init(&h, NULL, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_hmac_sm3_update(NULL, "a", 1));
	assert_ccsp(CCSP_ERR_ARG, ccsp_hmac_sm3_update(&h, NULL, 1));
	assert_ccsp(CCSP_ERR_ARG, ccsp_hmac_sm3_final(NULL, mac));
	assert_ccsp(CCSP_ERR_ARG, ccsp_hmac_sm3_final(&h, NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_hmac_sm3(NULL, 1, "a", 1, mac));
	assert_ccsp(CCSP_ERR_ARG, ccsp_hmac_sm3((const uint8_t *)"k", 1, NULL, 1, mac));
	assert_ccsp(CCSP_ERR_ARG, ccsp_hmac_sm3((const uint8_t *)"k", 1, "a", 1, NULL));
	memset(&h, 0, sizeof h); /* never initialised */
	assert_ccsp(CCSP_ERR_STATE, ccsp_hmac_sm3_update(&h, "a", 1));
}

static void test_hmac_verify(void **state)
{
	(void)state;
	static const uint8_t key[] = "verification key";
	uint8_t mac[32], bad[32];
	assert_ok(ccsp_hmac_sm3(key, sizeof key, "msg", 3, mac));
	for (size_t n = 1; n <= 32; n++)
		assert_ok(ccsp_hmac_sm3_verify(key, sizeof key, "msg", 3, mac, n));
	for (size_t i = 0; i < 32; i++) {
		memcpy(bad, mac, 32);
		bad[i] ^= 0x01;
		assert_ccsp(CCSP_ERR_AUTH, ccsp_hmac_sm3_verify(key, sizeof key, "msg", 3, bad, 32));
		assert_ccsp(CCSP_ERR_AUTH, ccsp_hmac_sm3_verify(key, sizeof key, "msg", 3, bad, i + 1));
	}
	assert_ccsp(CCSP_ERR_AUTH, ccsp_hmac_sm3_verify(key, sizeof key, "msh", 3, mac, 32));
	/* (Key "..." without its NUL would match: HMAC pads keys with zeros.) */
	assert_ccsp(CCSP_ERR_AUTH, ccsp_hmac_sm3_verify((const uint8_t *)"verification kez", sizeof key, "msg", 3, mac, 32));
	assert_ccsp(CCSP_ERR_ARG, ccsp_hmac_sm3_verify(key, sizeof key, "msg", 3, mac, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_hmac_sm3_verify(key, sizeof key, "msg", 3, mac, 33));
	assert_ccsp(CCSP_ERR_ARG, ccsp_hmac_sm3_verify(key, sizeof key, "msg", 3, NULL, 32));
	assert_ccsp(CCSP_ERR_ARG, ccsp_hmac_sm3_verify(NULL, 1, "msg", 3, mac, 32));
	assert_ccsp(CCSP_ERR_ARG, ccsp_hmac_sm3_verify(key, sizeof key, NULL, 3, mac, 32));
}

static void test_kdf_pbkdf2_errors(void **state)
{
	(void)state;
	uint8_t out[32];
	const uint8_t *z = (const uint8_t *)"z";
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_kdf(NULL, 1, out, 32));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_kdf(z, 1, NULL, 32));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_kdf(z, 1, out, 0));
	/* GB/T 32918.4 5.4.3: klen < (2^32 - 1) * 256 bits. */
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_kdf(z, 1, out, (size_t)0xffffffffu * 32));

	const uint8_t *p = (const uint8_t *)"pw", *s = (const uint8_t *)"salt";
	assert_ccsp(CCSP_ERR_ARG, ccsp_pbkdf2_sm3(p, 2, s, 4, 0, out, 32));
	assert_ccsp(CCSP_ERR_ARG, ccsp_pbkdf2_sm3(p, 2, s, 4, 1, out, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_pbkdf2_sm3(p, 2, s, 4, 1, NULL, 32));
	assert_ccsp(CCSP_ERR_ARG, ccsp_pbkdf2_sm3(NULL, 2, s, 4, 1, out, 32));
	assert_ccsp(CCSP_ERR_ARG, ccsp_pbkdf2_sm3(p, 2, NULL, 4, 1, out, 32));
	/* RFC 8018 5.2 step 1: dkLen <= (2^32 - 1) * hLen. */
	assert_ccsp(CCSP_ERR_ARG, ccsp_pbkdf2_sm3(p, 2, s, 4, 1, out, ((size_t)0xffffffffu * 32) + 1));
	assert_ok(ccsp_pbkdf2_sm3(NULL, 0, NULL, 0, 1, out, 32));
}

/* ---- self-test ------------------------------------------------------------------------------- */

typedef struct seen {
	char names[32][64];
	int n;
	int failures;
} seen;

static void record(const char *name, ccsp_err result, void *arg)
{
	seen *s = arg;
	if (s->n < 32)
		strncpy(s->names[s->n++], name, 63);
	s->failures += result != CCSP_OK;
}

static int reported(const seen *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->names[i], name) == 0)
			return 1;
	return 0;
}

static void test_selftest_covers_every_impl(void **state)
{
	(void)state;
	static const char *tests[] = {"SM3", "HMAC-SM3", "SM3-KDF", "PBKDF2-SM3"};
	const ccsp_sm3_impl *const *impls = ccsp_sm3_impl_list();
	ccsp_selftest_report r;
	seen s;
	char name[64];
	memset(&s, 0, sizeof s);
	r.cb = record;
	r.arg = &s;
	ccsp_sm3_impl_force(&ccsp_sm3_impl_portable);
	assert_ok(ccsp_sm3_selftest(&r));
	/* The caller's override survives the self-test. */
	assert_ptr_equal(ccsp_sm3_impl_force(NULL), &ccsp_sm3_impl_portable);
	assert_int_equal(s.failures, 0);
	size_t n = 0;
	for (; impls[n] != NULL; n++)
		for (size_t t = 0; t < 4; t++) {
			snprintf(name, sizeof name, "%s/%s", tests[t], impls[n]->name);
			assert_true(reported(&s, name));
		}
	const ccsp_sm3_mb_impl *const *mb = ccsp_sm3_mb_impl_list();
	size_t n_mb = 0;
	for (; mb[n_mb] != NULL; n_mb++) {
		snprintf(name, sizeof name, "SM3-MB/%s", mb[n_mb]->name);
		assert_true(reported(&s, name));
	}
	assert_int_equal(s.n, (int)(4 * n + n_mb));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_every_impl),
		cmocka_unit_test(test_impl_list),
		cmocka_unit_test(test_impls_agree_with_portable),
		cmocka_unit_test(test_sm3_vs_openssl),
		cmocka_unit_test(test_hmac_vs_openssl),
		cmocka_unit_test(test_kdf_vs_openssl),
		cmocka_unit_test(test_pbkdf2_vs_openssl),
		cmocka_unit_test(test_streaming_every_split),
		cmocka_unit_test(test_streaming_random_chunks),
		cmocka_unit_test(test_final_wipes),
		cmocka_unit_test(test_sm3_errors),
		cmocka_unit_test(test_hmac_errors),
		cmocka_unit_test(test_hmac_verify),
		cmocka_unit_test(test_kdf_pbkdf2_errors),
		cmocka_unit_test(test_selftest_covers_every_impl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

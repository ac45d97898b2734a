/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLCP key schedule (src/tlcp/tlcp_prf.c): the PRF with HMAC-SM3, master secret, key block and Finished.
 * Oracle: OpenSSL 3's TLS1-PRF KDF with digest SM3, an independent implementation of RFC 5246's P_hash, on random
 * inputs; plus fixed vectors computed once with that oracle (`openssl kdf -kdfopt digest:SM3 ... TLS1-PRF`) so
 * that a change in either implementation shows. The suites' code points are GB/T 38636-2020's (= GM/T 0024-2014).
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <ccsp/mem.h>
#include <ccsp/sm3.h>

#include "test_util.h"
#include "tlcp.h"

/* ---- oracle ---------------------------------------------------------------------------------- */

/* OpenSSL's TLS1-PRF takes label || seed as its seed. */
static void ossl_prf(const uint8_t *secret, size_t secretlen, const char *label, const uint8_t *seed, size_t seedlen,
                     uint8_t *out, size_t outlen)
{
	static const uint8_t empty[1];
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
	assert_non_null(kdf);
	EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf);
	assert_non_null(kctx);
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SM3", 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)(secretlen ? secret : empty), secretlen),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)label, strlen(label)),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)(seedlen ? seed : empty), seedlen),
		OSSL_PARAM_construct_end(),
	};
	assert_int_equal(EVP_KDF_derive(kctx, out, outlen, params), 1);
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
}

/* ---- fixed vectors (secret 00..2f; randoms 20..3f and 40..5f; premaster 0101 || 01..2e) --------------- */

#define PMS "01010102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e"
#define CR "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
#define SR "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
#define MS "bcfe2efe7b50e0fa1a9848d7ae1dea6bb87af42db0b87e42faa5418a009fdd39ef293b55eefef0ce2fc7e6af350feb80"
/* PRF(MS, "key expansion", SR || CR), 128 bytes: the CBC suites' whole key block; the GCM suites use its first 40. */
#define KB "17035b334986cabd4e95a2cb8e46981a6cde09edfbe773970cb981d1370e21f56293bec3aea56fcf5769aeb7e552c805" \
           "d27982f5ee6b74ce672b1c997586c3bf377adaa2ba55fac5c98e979fc396a6a918fcd5b8553e62c54b3bffdbe421a014" \
           "7de11ebb0c844da79fda9d3cdb3ae22ef0120ecb651df4174056f9d50767a9b8"

static void test_prf_vector(void **state)
{
	(void)state;
	uint8_t secret[48], seed[32], out[100];
	for (size_t i = 0; i < sizeof secret; i++)
		secret[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof seed; i++)
		seed[i] = (uint8_t)(0xa0 + i);
	assert_ok(ccsp_tlcp_prf(secret, sizeof secret, "test label", seed, sizeof seed, out, sizeof out));
	assert_hex_equal("8e4366305e8dff7960fa7698423115ddade782263886e54c250050f0ddee0da93ae89b3679f2e5fd8a40228cecec8906"
	                 "e2d49b2c91ed571e70bcbd4b118feb1a49d5d8bd2f843c66dc4dc36410fb70716ba747e33a4788a4e9cc14e96d5e8871"
	                 "37009374",
	                 out, sizeof out);
}

static void test_master_secret_vector(void **state)
{
	(void)state;
	uint8_t pms[48], cr[32], sr[32], ms[48];
	hex2bin(PMS, pms, sizeof pms);
	hex2bin(CR, cr, sizeof cr);
	hex2bin(SR, sr, sizeof sr);
	assert_ok(ccsp_tlcp_master_secret(pms, cr, sr, ms));
	assert_hex_equal(MS, ms, sizeof ms);
}

static void test_key_block_vectors(void **state)
{
	(void)state;
	uint8_t ms[48], cr[32], sr[32], kb_exp[128];
	ccsp_tlcp_key_block kb;
	hex2bin(MS, ms, sizeof ms);
	hex2bin(CR, cr, sizeof cr);
	hex2bin(SR, sr, sizeof sr);
	hex2bin(KB, kb_exp, sizeof kb_exp);
	static const uint16_t cbc[] = {CCSP_TLCP_ECC_SM4_CBC_SM3, CCSP_TLCP_ECDHE_SM4_CBC_SM3};
	for (size_t i = 0; i < 2; i++) {
		/* client MAC 32 || server MAC 32 || client key 16 || server key 16 || client IV 16 || server IV 16 */
		assert_ok(ccsp_tlcp_key_block_derive(cbc[i], ms, cr, sr, &kb));
		assert_int_equal(kb.suite, cbc[i]);
		assert_memory_equal(kb.client_mac, kb_exp, 32);
		assert_memory_equal(kb.server_mac, kb_exp + 32, 32);
		assert_memory_equal(kb.client_key, kb_exp + 64, 16);
		assert_memory_equal(kb.server_key, kb_exp + 80, 16);
		assert_memory_equal(kb.client_iv, kb_exp + 96, 16);
		assert_memory_equal(kb.server_iv, kb_exp + 112, 16);
	}
	static const uint16_t gcm[] = {CCSP_TLCP_ECC_SM4_GCM_SM3, CCSP_TLCP_ECDHE_SM4_GCM_SM3};
	static const uint8_t zero[32];
	for (size_t i = 0; i < 2; i++) {
		/* no MAC keys; client key 16 || server key 16 || client salt 4 || server salt 4 */
		assert_ok(ccsp_tlcp_key_block_derive(gcm[i], ms, cr, sr, &kb));
		assert_memory_equal(kb.client_mac, zero, 32);
		assert_memory_equal(kb.server_mac, zero, 32);
		assert_memory_equal(kb.client_key, kb_exp, 16);
		assert_memory_equal(kb.server_key, kb_exp + 16, 16);
		assert_memory_equal(kb.client_iv, kb_exp + 32, 4);
		assert_memory_equal(kb.server_iv, kb_exp + 36, 4);
		assert_memory_equal(kb.client_iv + 4, zero, 12);
		assert_memory_equal(kb.server_iv + 4, zero, 12);
	}
	ccsp_memzero(&kb, sizeof kb);
}

static void test_finished_vectors(void **state)
{
	(void)state;
	uint8_t ms[48], h[32], vd[12];
	hex2bin(MS, ms, sizeof ms);
	assert_ok(ccsp_sm3("abc", 3, h)); /* GB/T 32905-2016 A.1: 66c7f0f4... */
	assert_ok(ccsp_tlcp_finished(ms, 0, h, vd));
	assert_hex_equal("3534d4e75e0c1550b70341ba", vd, sizeof vd);
	assert_ok(ccsp_tlcp_finished(ms, 1, h, vd));
	assert_hex_equal("3303ea369408c1864aee4edb", vd, sizeof vd);
}

/* ---- differential: random inputs against OpenSSL ------------------------------------------------- */

static void test_prf_vs_openssl(void **state)
{
	(void)state;
	static const char *labels[] = {"master secret", "key expansion", "client finished", "server finished", "", "x"};
	uint8_t secret[100], seed[200], a[300], b[300];
	test_rand_seed(9);
	for (int i = 0; i < 300; i++) {
		size_t sl = test_rand_below(sizeof secret + 1), dl = test_rand_below(sizeof seed + 1);
		size_t ol = 1 + test_rand_below(sizeof a);
		const char *label = labels[test_rand_below(6)];
		test_rand(secret, sl);
		test_rand(seed, dl);
		assert_ok(ccsp_tlcp_prf(secret, sl, label, seed, dl, a, ol));
		ossl_prf(secret, sl, label, seed, dl, b, ol);
		if (memcmp(a, b, ol) != 0)
			fail_msg("secret %zu seed %zu out %zu label '%s'", sl, dl, ol, label);
	}
}

static void test_schedule_vs_openssl(void **state)
{
	(void)state;
	uint8_t pms[48], cr[32], sr[32], rand64[64], ms[48], exp[128], h[32], vd[12], vexp[12];
	ccsp_tlcp_key_block kb;
	test_rand_seed(10);
	for (int i = 0; i < 50; i++) {
		test_rand(pms, sizeof pms);
		test_rand(cr, sizeof cr);
		test_rand(sr, sizeof sr);
		test_rand(h, sizeof h);
		assert_ok(ccsp_tlcp_master_secret(pms, cr, sr, ms));
		memcpy(rand64, cr, 32);
		memcpy(rand64 + 32, sr, 32);
		ossl_prf(pms, sizeof pms, "master secret", rand64, 64, exp, 48);
		assert_memory_equal(ms, exp, 48);

		memcpy(rand64, sr, 32);
		memcpy(rand64 + 32, cr, 32);
		ossl_prf(ms, sizeof ms, "key expansion", rand64, 64, exp, 128);
		assert_ok(ccsp_tlcp_key_block_derive(CCSP_TLCP_ECDHE_SM4_CBC_SM3, ms, cr, sr, &kb));
		assert_memory_equal(kb.client_mac, exp, 32);
		assert_memory_equal(kb.server_iv, exp + 112, 16);
		assert_ok(ccsp_tlcp_key_block_derive(CCSP_TLCP_ECC_SM4_GCM_SM3, ms, cr, sr, &kb));
		assert_memory_equal(kb.client_key, exp, 16);
		assert_memory_equal(kb.server_iv, exp + 36, 4);

		assert_ok(ccsp_tlcp_finished(ms, i & 1, h, vd));
		ossl_prf(ms, sizeof ms, (i & 1) ? "server finished" : "client finished", h, 32, vexp, 12);
		assert_memory_equal(vd, vexp, 12);
	}
}

/* ---- suites and errors --------------------------------------------------------------------------- */

static void test_suites(void **state)
{
	(void)state;
	const ccsp_tlcp_suite *s = ccsp_tlcp_suite_find(0xE013);
	assert_non_null(s);
	assert_string_equal(s->name, "ECC_SM4_CBC_SM3");
	assert_int_equal(s->ecdhe, 0);
	assert_int_equal(s->aead, 0);
	s = ccsp_tlcp_suite_find(0xE011);
	assert_non_null(s);
	assert_string_equal(s->name, "ECDHE_SM4_CBC_SM3");
	assert_int_equal(s->ecdhe, 1);
	s = ccsp_tlcp_suite_find(0xE053);
	assert_non_null(s);
	assert_string_equal(s->name, "ECC_SM4_GCM_SM3");
	assert_int_equal(s->aead, 1);
	assert_int_equal(s->iv_len, 4);
	assert_int_equal(s->mac_key_len, 0);
	s = ccsp_tlcp_suite_find(0xE051);
	assert_non_null(s);
	assert_string_equal(s->name, "ECDHE_SM4_GCM_SM3");
	assert_null(ccsp_tlcp_suite_find(0xE015)); /* IBSDH: not supported */
	assert_null(ccsp_tlcp_suite_find(0x00C6)); /* TLS 1.3's TLS_SM4_GCM_SM3 */
}

static void test_errors(void **state)
{
	(void)state;
	uint8_t k[48] = {0}, r[32] = {0}, out[48];
	ccsp_tlcp_key_block kb;
	assert_ccsp(CCSP_ERR_ARG, ccsp_tlcp_prf(k, 1, NULL, r, 1, out, 1));
	assert_ccsp(CCSP_ERR_ARG, ccsp_tlcp_prf(NULL, 1, "l", r, 1, out, 1));
	assert_ccsp(CCSP_ERR_ARG, ccsp_tlcp_prf(k, 1, "l", NULL, 1, out, 1));
	assert_ccsp(CCSP_ERR_ARG, ccsp_tlcp_prf(k, 1, "l", r, 1, NULL, 1));
	assert_ccsp(CCSP_ERR_ARG, ccsp_tlcp_prf(k, 1, "l", r, 1, out, 0));
	assert_ok(ccsp_tlcp_prf(NULL, 0, "l", NULL, 0, out, 1)); /* empty secret and seed are allowed */
	assert_ccsp(CCSP_ERR_ARG, ccsp_tlcp_master_secret(NULL, r, r, out));
	assert_ccsp(CCSP_ERR_ARG, ccsp_tlcp_master_secret(k, r, NULL, out));
	assert_ccsp(CCSP_ERR_UNSUPPORTED, ccsp_tlcp_key_block_derive(0xE015, k, r, r, &kb));
	assert_ccsp(CCSP_ERR_ARG, ccsp_tlcp_key_block_derive(0xE013, k, r, r, NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_tlcp_finished(k, 0, NULL, out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prf_vector),         cmocka_unit_test(test_master_secret_vector),
		cmocka_unit_test(test_key_block_vectors),  cmocka_unit_test(test_finished_vectors),
		cmocka_unit_test(test_prf_vs_openssl),     cmocka_unit_test(test_schedule_vs_openssl),
		cmocka_unit_test(test_suites),             cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

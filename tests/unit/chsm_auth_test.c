/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GM/T 0088 request authentication (src/chsm/chsm_auth.c), against spec/gmt0088-api.md §3.5 and
 * Appendix A: the string to sign (POST body, sorted GET query, empty), verification of signatures made
 * by OpenSSL (SM2 with the default ID, DER and raw r||s; RSA-2048 PKCS#1 v1.5 SHA-256), every header
 * failure in the spec's order and its status and message.
 */
#include "chsm_auth_fixture.h"

/* ---- §3.5 string to sign ---- */

static void test_query_string(void **state)
{
	(void)state;
	ccsp_chsm_auth_param p[] = {
		{"vsmId", 5, "vsm-1", 5},     {"requestId", 9, "r 1&=", 5}, {"b", 1, "", 0},
		{"Z", 1, "upper", 5},         {"a", 1, "2", 1},             {"a", 1, "1", 1},
		{"ab", 2, "x\0y", 3},
	};
	const char want[] = "Z=upper&a=1&a=2&ab=x\0y&b=&requestId=r 1&=&vsmId=vsm-1";
	char *s;
	size_t n;
	test_rand_seed(7);
	for (int round = 0; round < 50; round++) {
		/* any order of the same parameters gives the same string */
		for (size_t i = 6; i > 0; i--) {
			size_t j = test_rand_below(i + 1);
			ccsp_chsm_auth_param t = p[i];
			p[i] = p[j];
			p[j] = t;
		}
		assert_ok(ccsp_chsm_auth_query_string(p, 7, &s, &n));
		assert_int_equal(n, sizeof want - 1);
		assert_memory_equal(s, want, n);
		assert_int_equal(s[n], '\0');
		free(s);
	}
	assert_ok(ccsp_chsm_auth_query_string(NULL, 0, &s, &n));
	assert_int_equal(n, 0);
	assert_string_equal(s, "");
	free(s);
	ccsp_chsm_auth_param many[CCSP_CHSM_AUTH_PARAMS_MAX + 1];
	for (size_t i = 0; i < CCSP_CHSM_AUTH_PARAMS_MAX + 1; i++)
		many[i] = (ccsp_chsm_auth_param){"k", 1, "v", 1};
	assert_ok(ccsp_chsm_auth_query_string(many, CCSP_CHSM_AUTH_PARAMS_MAX, &s, &n));
	free(s);
	assert_ccsp(CCSP_ERR_LIMIT, ccsp_chsm_auth_query_string(many, CCSP_CHSM_AUTH_PARAMS_MAX + 1, &s, &n));
	assert_null(s);
	static char longv[CCSP_CHSM_AUTH_QUERY_MAX];
	memset(longv, 'v', sizeof longv);
	ccsp_chsm_auth_param big = {"k", 1, longv, sizeof longv};
	assert_ccsp(CCSP_ERR_LIMIT, ccsp_chsm_auth_query_string(&big, 1, &s, &n));
	big.value_len = CCSP_CHSM_AUTH_QUERY_MAX - 2;
	assert_ok(ccsp_chsm_auth_query_string(&big, 1, &s, &n));
	free(s);
	ccsp_chsm_auth_param null_name = {NULL, 1, "v", 1};
	assert_ccsp(CCSP_ERR_ARG, ccsp_chsm_auth_query_string(&null_name, 1, &s, &n));
}

/* ---- CHSM-SignatureAlg ---- */

static void test_sig_alg_names(void **state)
{
	(void)state;
	ccsp_chsm_pk_alg a;
	static const char *const sig_sm2[] = {"SM2WithSM3", "sm2withsm3", "SM3withSM2"};
	static const char *const sig_rsa[] = {"SHA256withRSA", "RSAWithSHA256", "sha256withrsa"};
	for (size_t i = 0; i < 3; i++) {
		assert_ok(ccsp_chsm_auth_alg_parse(sig_sm2[i], strlen(sig_sm2[i]), &a));
		assert_int_equal(a, CCSP_CHSM_PK_SM2);
		assert_ok(ccsp_chsm_auth_alg_parse(sig_rsa[i], strlen(sig_rsa[i]), &a));
		assert_int_equal(a, CCSP_CHSM_PK_RSA);
	}
	static const char *const sig_bad[] = {"sm2", "rsa", "SM2", "SHA1withRSA", "SM2WithSM3 x", ""};
	for (size_t i = 0; i < sizeof sig_bad / sizeof sig_bad[0]; i++)
		assert_ccsp(CCSP_ERR_UNSUPPORTED, ccsp_chsm_auth_alg_parse(sig_bad[i], strlen(sig_bad[i]), &a));
}

/* ---- verification ---- */

static void test_sm2_requests(void **state)
{
	(void)state;
	char *spki = spki_b64(sm2_a);
	ccsp_chsm_pk_store *s = mem_store();
	assert_ok(add1(s, CCSP_CHSM_PK_SM2, spki));
	const char *fp = ccsp_chsm_pk_fingerprint(ccsp_chsm_pk_store_get(s, 0));
	test_rand_seed(3);
	for (int i = 0; i < 40; i++) {
		char body[300];
		snprintf(body, sizeof body, "{\"requestId\":\"%d\",\"oprType\":\"getinfo\",\"pad\":\"%s\"}", i,
		         bin2hex((const uint8_t *)"0123456789abcdef", test_rand_below(17)));
		char *der = sign_sm2(sm2_a, body, strlen(body), 0), *raw = sign_sm2(sm2_a, body, strlen(body), 1);
		ccsp_chsm_auth_request r = {.method = "POST", .body = (const uint8_t *)body, .body_len = strlen(body),
		                            .authpk = fp, .sig_alg = "SM2WithSM3", .signature = der};
		const ccsp_chsm_pk *who = NULL;
		assert_int_equal(ccsp_chsm_auth_verify(s, &r, &who), CCSP_CHSM_AUTH_OK);
		assert_ptr_equal(who, ccsp_chsm_pk_store_get(s, 0));
		r.signature = raw;
		assert_int_equal(ccsp_chsm_auth_verify(s, &r, &who), CCSP_CHSM_AUTH_OK);
		/* AuthPK as the Base64 SPKI itself [A] */
		r.authpk = spki;
		assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_OK);
		/* one byte of the body changed */
		size_t at = test_rand_below(strlen(body));
		body[at] ^= (char)(1 + test_rand_below(127));
		assert_int_equal(ccsp_chsm_auth_verify(s, &r, &who), CCSP_CHSM_AUTH_BAD_SIGNATURE);
		assert_null(who);
		r.signature = der;
		assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_BAD_SIGNATURE);
		free(der);
		free(raw);
	}
	/* another key's signature; a GET signed over the body string is not the query string */
	const char *body = "{\"requestId\":\"1\"}";
	char *other = sign_sm2(sm2_c, body, strlen(body), 0);
	assert_int_equal(post(s, body, fp, "SM2WithSM3", other), CCSP_CHSM_AUTH_BAD_SIGNATURE);
	free(other);
	/* a signature with a different ID (e = SM3(Z||M) with the default ID only) */
	uint8_t der[80];
	size_t derlen = sizeof der;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(sm2_a, NULL);
	assert_int_equal(EVP_PKEY_CTX_set1_id(pctx, "1234567812345679", 16), 1);
	EVP_MD_CTX_set_pkey_ctx(md, pctx);
	assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sm3(), NULL, sm2_a), 1);
	assert_int_equal(EVP_DigestSign(md, der, &derlen, (const uint8_t *)body, strlen(body)), 1);
	EVP_MD_CTX_free(md);
	EVP_PKEY_CTX_free(pctx);
	char *wrong_id = b64(der, derlen);
	assert_int_equal(post(s, body, fp, "SM2WithSM3", wrong_id), CCSP_CHSM_AUTH_BAD_SIGNATURE);
	free(wrong_id);
	/* malformed signatures: 400 */
	uint8_t zeros[64] = {0};
	char *z = b64(zeros, 64), *z63 = b64(zeros, 63), *z73 = b64(zeros, 73);
	assert_int_equal(post(s, body, fp, "SM2WithSM3", z), CCSP_CHSM_AUTH_BAD_SIGNATURE); /* r = 0: invalid, not malformed */
	assert_int_equal(post(s, body, fp, "SM2WithSM3", z63), CCSP_CHSM_AUTH_BAD_SIGNATURE_FORMAT);
	assert_int_equal(post(s, body, fp, "SM2WithSM3", z73), CCSP_CHSM_AUTH_BAD_SIGNATURE_FORMAT);
	char *good = sign_sm2(sm2_a, body, strlen(body), 0);
	uint8_t dec[80];
	size_t dn;
	assert_ok(ccsp_b64_decode(good, strlen(good), dec, sizeof dec, &dn));
	char *trunc = b64(dec, dn - 1);
	assert_int_equal(post(s, body, fp, "SM2WithSM3", trunc), CCSP_CHSM_AUTH_BAD_SIGNATURE_FORMAT);
	assert_int_equal(post(s, body, fp, "SM2WithSM3", "MEUCIQ!!"), CCSP_CHSM_AUTH_BAD_SIGNATURE_FORMAT);
	assert_int_equal(post(s, body, fp, "SM2WithSM3", "QUJD="), CCSP_CHSM_AUTH_BAD_SIGNATURE_FORMAT);
	/* whitespace and OWS are tolerated */
	char spaced[200];
	snprintf(spaced, sizeof spaced, " \t%.20s\r\n%s\t ", good, good + 20);
	assert_int_equal(post(s, body, fp, "  sm2withsm3 ", spaced), CCSP_CHSM_AUTH_OK);
	free(trunc);
	free(good);
	free(z);
	free(z63);
	free(z73);
	ccsp_chsm_pk_store_free(s);
	free(spki);
}

static void test_rsa_requests(void **state)
{
	(void)state;
	char *rsa = spki_b64(rsa_b), *sm2 = spki_b64(sm2_a);
	ccsp_chsm_pk_store *s = mem_store();
	assert_ok(add1(s, CCSP_CHSM_PK_SM2, sm2));
	assert_ok(add1(s, CCSP_CHSM_PK_RSA, rsa));
	const char *fp_rsa = ccsp_chsm_pk_fingerprint(ccsp_chsm_pk_store_get(s, 1));
	const char *fp_sm2 = ccsp_chsm_pk_fingerprint(ccsp_chsm_pk_store_get(s, 0));
	char body[] = "{\"requestId\":\"abc\",\"oprType\":\"restart\",\"callbackUrl\":\"https://cloud/cb\"}";
	char *sig = sign_rsa(rsa_b, body, strlen(body));
	assert_int_equal(post(s, body, fp_rsa, "SHA256withRSA", sig), CCSP_CHSM_AUTH_OK);
	assert_int_equal(post(s, body, fp_rsa, "RSAWithSHA256", sig), CCSP_CHSM_AUTH_OK);
	assert_int_equal(post(s, body, rsa, "rsawithsha256", sig), CCSP_CHSM_AUTH_OK);
	/* the key type must match the algorithm (step 4) */
	assert_int_equal(post(s, body, fp_rsa, "SM2WithSM3", sig), CCSP_CHSM_AUTH_KEY_ALG_MISMATCH);
	assert_int_equal(post(s, body, fp_sm2, "SHA256withRSA", sig), CCSP_CHSM_AUTH_KEY_ALG_MISMATCH);
	/* every byte of a short body matters */
	for (size_t i = 0; i < strlen(body); i += 7) {
		body[i] ^= 0x20;
		assert_int_equal(post(s, body, fp_rsa, "SHA256withRSA", sig), CCSP_CHSM_AUTH_BAD_SIGNATURE);
		body[i] ^= 0x20;
	}
	/* lengths: longer than the modulus is malformed; shorter is zero-padded, then fails */
	uint8_t bin[600];
	size_t n = sign_rsa_bin(rsa_b, body, strlen(body), bin);
	assert_int_equal(n, 256);
	bin[n] = 0;
	char *longer = b64(bin, n + 1), *shorter = b64(bin + 1, n - 1);
	assert_int_equal(post(s, body, fp_rsa, "SHA256withRSA", longer), CCSP_CHSM_AUTH_BAD_SIGNATURE_FORMAT);
	assert_int_equal(post(s, body, fp_rsa, "SHA256withRSA", shorter),
	                 bin[0] == 0 ? CCSP_CHSM_AUTH_OK : CCSP_CHSM_AUTH_BAD_SIGNATURE);
	assert_int_equal(post(s, body, fp_rsa, "SHA256withRSA", "===="), CCSP_CHSM_AUTH_BAD_SIGNATURE_FORMAT);
	/* a signature whose leading byte is zero verifies when sent stripped: find one */
	int tried = 0;
	for (int i = 0; i < 2000 && !tried; i++) {
		char msg[32];
		snprintf(msg, sizeof msg, "{\"requestId\":\"%d\"}", i);
		n = sign_rsa_bin(rsa_b, msg, strlen(msg), bin);
		if (bin[0] != 0)
			continue;
		char *stripped = b64(bin + 1, n - 1);
		assert_int_equal(post(s, msg, fp_rsa, "SHA256withRSA", stripped), CCSP_CHSM_AUTH_OK);
		free(stripped);
		tried = 1;
	}
	free(longer);
	free(shorter);
	free(sig);
	ccsp_chsm_pk_store_free(s);
	free(rsa);
	free(sm2);
}

static void test_get_requests(void **state)
{
	(void)state;
	ccsp_chsm_pk_store *s = mem_store();
	char *spki = spki_b64(sm2_a);
	assert_ok(add1(s, CCSP_CHSM_PK_SM2, spki));
	const char *fp = ccsp_chsm_pk_fingerprint(ccsp_chsm_pk_store_get(s, 0));
	/* GET /api/1.0/vsm/status?vsmId=v1&requestId=9172c481 */
	const char *m = "requestId=9172c481&vsmId=v1";
	char *sig = sign_sm2(sm2_a, m, strlen(m), 0);
	ccsp_chsm_auth_param p[] = {{"vsmId", 5, "v1", 2}, {"requestId", 9, "9172c481", 8}};
	ccsp_chsm_auth_request r = {.method = "GET", .params = p, .nparams = 2, .authpk = fp,
	                            .sig_alg = "SM2WithSM3", .signature = sig};
	assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_OK);
	ccsp_chsm_auth_param swapped[] = {p[1], p[0]};
	r.params = swapped;
	assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_OK);
	/* the caller's array is not reordered */
	assert_memory_equal(swapped[0].name, "requestId", 9);
	/* GET ignores a body; the query is what is signed */
	r.body = (const uint8_t *)"ignored";
	r.body_len = 7;
	assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_OK);
	r.method = "get";
	assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_OK);
	/* a changed value, a missing or extra parameter */
	swapped[1].value = "v2";
	assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_BAD_SIGNATURE);
	swapped[1].value = "v1";
	r.nparams = 1;
	assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_BAD_SIGNATURE);
	/* DELETE with no body signs the query; with a body, the body; POST always the body */
	r.nparams = 2;
	r.method = "DELETE";
	r.body_len = 0;
	assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_OK);
	r.body = (const uint8_t *)m;
	r.body_len = strlen(m);
	r.params = NULL;
	r.nparams = 0;
	assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_OK);
	r.method = "POST";
	assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_OK);
	r.body_len = 0;
	r.params = p;
	r.nparams = 2;
	assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_BAD_SIGNATURE);
	free(sig);
	/* no parameters: M is the empty string */
	sig = sign_sm2(sm2_a, "", 0, 0);
	ccsp_chsm_auth_request e = {.method = "GET", .authpk = fp, .sig_alg = "SM2WithSM3", .signature = sig};
	assert_int_equal(ccsp_chsm_auth_verify(s, &e, NULL), CCSP_CHSM_AUTH_OK);
	e.method = "POST";
	assert_int_equal(ccsp_chsm_auth_verify(s, &e, NULL), CCSP_CHSM_AUTH_OK);
	/* too many parameters: 400 */
	ccsp_chsm_auth_param many[CCSP_CHSM_AUTH_PARAMS_MAX + 1];
	for (size_t i = 0; i < CCSP_CHSM_AUTH_PARAMS_MAX + 1; i++)
		many[i] = (ccsp_chsm_auth_param){"k", 1, "v", 1};
	e.method = "GET";
	e.params = many;
	e.nparams = CCSP_CHSM_AUTH_PARAMS_MAX + 1;
	assert_int_equal(ccsp_chsm_auth_verify(s, &e, NULL), CCSP_CHSM_AUTH_BAD_REQUEST);
	free(sig);
	ccsp_chsm_pk_store_free(s);
	free(spki);
}

static void test_header_failures(void **state)
{
	(void)state;
	const char *body = "{\"requestId\":\"1\"}";
	char *sig = sign_sm2(sm2_a, body, strlen(body), 0), *spki = spki_b64(sm2_a);
	ccsp_chsm_pk_store *s = mem_store();
	/* no key configured: 403 whatever the headers */
	assert_int_equal(post(s, body, NULL, NULL, NULL), CCSP_CHSM_AUTH_NO_PLATFORM_KEY);
	assert_int_equal(post(s, body, spki, "SM2WithSM3", sig), CCSP_CHSM_AUTH_NO_PLATFORM_KEY);
	assert_ok(add1(s, CCSP_CHSM_PK_SM2, spki));
	const char *fp = ccsp_chsm_pk_fingerprint(ccsp_chsm_pk_store_get(s, 0));
	assert_int_equal(post(s, body, fp, "SM2WithSM3", sig), CCSP_CHSM_AUTH_OK);
	/* step 1: absent or blank */
	assert_int_equal(post(s, body, NULL, "SM2WithSM3", sig), CCSP_CHSM_AUTH_MISSING_HEADER);
	assert_int_equal(post(s, body, fp, NULL, sig), CCSP_CHSM_AUTH_MISSING_HEADER);
	assert_int_equal(post(s, body, fp, "SM2WithSM3", NULL), CCSP_CHSM_AUTH_MISSING_HEADER);
	assert_int_equal(post(s, body, "", "SM2WithSM3", sig), CCSP_CHSM_AUTH_MISSING_HEADER);
	assert_int_equal(post(s, body, fp, " \t ", sig), CCSP_CHSM_AUTH_MISSING_HEADER);
	assert_int_equal(post(s, body, fp, "SM2WithSM3", "  "), CCSP_CHSM_AUTH_MISSING_HEADER);
	/* step 1 comes before step 2 */
	assert_int_equal(post(s, body, NULL, "MD5withRSA", sig), CCSP_CHSM_AUTH_MISSING_HEADER);
	/* step 2 */
	static const char *const algs[] = {"SM2", "sm2", "SHA1withRSA", "SM2WithSM3;", "SM2 WithSM3", "ECDSA"};
	for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
		assert_int_equal(post(s, body, fp, algs[i], sig), CCSP_CHSM_AUTH_UNSUPPORTED_ALG);
	char longalg[200];
	memset(longalg, 'A', sizeof longalg - 1);
	longalg[sizeof longalg - 1] = '\0';
	assert_int_equal(post(s, body, fp, longalg, sig), CCSP_CHSM_AUTH_UNSUPPORTED_ALG);
	/* step 2 before step 3 */
	assert_int_equal(post(s, body, "unknown", "SM9", sig), CCSP_CHSM_AUTH_UNSUPPORTED_ALG);
	/* step 3: unknown or malformed AuthPK */
	uint8_t rnd[32];
	test_rand(rnd, 32);
	char *rfp = b64(rnd, 32), *other = spki_b64(sm2_c);
	static const char *const pks[] = {"!!!", "PZK+1taF84v/XM0FIRnh7MBxwvPZFSRcjZxaLLExqJ0=", "AAAA", "x"};
	for (size_t i = 0; i < sizeof pks / sizeof pks[0]; i++)
		assert_int_equal(post(s, body, pks[i], "SM2WithSM3", sig), CCSP_CHSM_AUTH_UNKNOWN_KEY);
	assert_int_equal(post(s, body, rfp, "SM2WithSM3", sig), CCSP_CHSM_AUTH_UNKNOWN_KEY);
	assert_int_equal(post(s, body, other, "SM2WithSM3", sig), CCSP_CHSM_AUTH_UNKNOWN_KEY);
	char *longpk = malloc(CCSP_CHSM_AUTH_HEADER_MAX + 100);
	assert_non_null(longpk);
	snprintf(longpk, CCSP_CHSM_AUTH_HEADER_MAX + 100, "%s", fp);
	memset(longpk + strlen(fp), ' ', CCSP_CHSM_AUTH_HEADER_MAX + 98 - strlen(fp));
	longpk[CCSP_CHSM_AUTH_HEADER_MAX + 98] = '\0';
	assert_int_equal(post(s, body, longpk, "SM2WithSM3", sig), CCSP_CHSM_AUTH_UNKNOWN_KEY);
	/* step 5: signature text too long, or not Base64 */
	memset(longpk, 'A', CCSP_CHSM_AUTH_HEADER_MAX + 98);
	assert_int_equal(post(s, body, fp, "SM2WithSM3", longpk), CCSP_CHSM_AUTH_BAD_SIGNATURE_FORMAT);
	assert_int_equal(post(s, body, fp, "SM2WithSM3", "%%%"), CCSP_CHSM_AUTH_BAD_SIGNATURE_FORMAT);
	/* body over 1 MiB */
	uint8_t *big = calloc(1, CCSP_CHSM_AUTH_BODY_MAX + 1);
	assert_non_null(big);
	ccsp_chsm_auth_request r = {.method = "POST", .body = big, .body_len = CCSP_CHSM_AUTH_BODY_MAX + 1,
	                            .authpk = fp, .sig_alg = "SM2WithSM3", .signature = sig};
	assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_TOO_LARGE);
	free(big);
	/* caller errors */
	assert_int_equal(ccsp_chsm_auth_verify(NULL, &r, NULL), CCSP_CHSM_AUTH_INTERNAL);
	assert_int_equal(ccsp_chsm_auth_verify(s, NULL, NULL), CCSP_CHSM_AUTH_INTERNAL);
	r.body = NULL;
	r.body_len = 1;
	assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_INTERNAL);
	r.method = NULL;
	assert_int_equal(ccsp_chsm_auth_verify(s, &r, NULL), CCSP_CHSM_AUTH_INTERNAL);
	free(longpk);
	free(rfp);
	free(other);
	free(sig);
	free(spki);
	ccsp_chsm_pk_store_free(s);
}

static void test_verdict_table(void **state)
{
	(void)state;
	static const struct {
		ccsp_chsm_auth_verdict v;
		int status;
		const char *message;
	} want[] = {
		{CCSP_CHSM_AUTH_OK, 200, "success"},
		{CCSP_CHSM_AUTH_NO_PLATFORM_KEY, 403, "未配置云平台公钥"},
		{CCSP_CHSM_AUTH_MISSING_HEADER, 403, "缺少认证头"},
		{CCSP_CHSM_AUTH_UNSUPPORTED_ALG, 403, "不支持的签名算法"},
		{CCSP_CHSM_AUTH_UNKNOWN_KEY, 403, "公钥指纹不匹配"},
		{CCSP_CHSM_AUTH_KEY_ALG_MISMATCH, 403, "认证失败"},
		{CCSP_CHSM_AUTH_BAD_SIGNATURE_FORMAT, 400, "签名值格式错误"},
		{CCSP_CHSM_AUTH_BAD_SIGNATURE, 403, "签名验证失败"},
		{CCSP_CHSM_AUTH_TOO_LARGE, 413, "请求过大"},
		{CCSP_CHSM_AUTH_BAD_REQUEST, 400, "参数错误"},
		{CCSP_CHSM_AUTH_INTERNAL, 500, "内部错误"},
	};
	assert_int_equal(sizeof want / sizeof want[0], CCSP_CHSM_AUTH_VERDICT_COUNT_);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		assert_int_equal(want[i].v, (int)i);
		assert_int_equal(ccsp_chsm_auth_status(want[i].v), want[i].status);
		assert_string_equal(ccsp_chsm_auth_message(want[i].v), want[i].message);
		assert_non_null(ccsp_chsm_auth_name(want[i].v));
		assert_true((ccsp_chsm_auth_err(want[i].v) == CCSP_OK) == (i == 0));
	}
	assert_int_equal(ccsp_chsm_auth_err(CCSP_CHSM_AUTH_BAD_SIGNATURE), CCSP_ERR_SIGNATURE);
	assert_int_equal(ccsp_chsm_auth_status((ccsp_chsm_auth_verdict)99), 500);
	assert_string_equal(ccsp_chsm_auth_name((ccsp_chsm_auth_verdict)-1), "INTERNAL");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_string),
		cmocka_unit_test(test_sig_alg_names),
		cmocka_unit_test(test_sm2_requests),
		cmocka_unit_test(test_rsa_requests),
		cmocka_unit_test(test_get_requests),
		cmocka_unit_test(test_header_failures),
		cmocka_unit_test(test_verdict_table),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

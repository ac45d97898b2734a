/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "chsm/chsm_auth.h"
#include "common/b64.h"
#include "crypto/guard.h" /* CCSP_ENSURE */

static const struct verdict_info {
	int status;
	const char *message;
	const char *name;
	ccsp_err err;
} VERDICTS[CCSP_CHSM_AUTH_VERDICT_COUNT_] = {
	[CCSP_CHSM_AUTH_OK] = {200, "success", "OK", CCSP_OK},
	[CCSP_CHSM_AUTH_NO_PLATFORM_KEY] = {403, "未配置云平台公钥", "NO_PLATFORM_KEY", CCSP_ERR_KEY_NOT_FOUND},
	[CCSP_CHSM_AUTH_MISSING_HEADER] = {403, "缺少认证头", "MISSING_HEADER", CCSP_ERR_ACCESS_DENIED},
	[CCSP_CHSM_AUTH_UNSUPPORTED_ALG] = {403, "不支持的签名算法", "UNSUPPORTED_ALG", CCSP_ERR_UNSUPPORTED},
	[CCSP_CHSM_AUTH_UNKNOWN_KEY] = {403, "公钥指纹不匹配", "UNKNOWN_KEY", CCSP_ERR_KEY_NOT_FOUND},
	[CCSP_CHSM_AUTH_KEY_ALG_MISMATCH] = {403, "认证失败", "KEY_ALG_MISMATCH", CCSP_ERR_KEY_TYPE},
	[CCSP_CHSM_AUTH_BAD_SIGNATURE_FORMAT] = {400, "签名值格式错误", "BAD_SIGNATURE_FORMAT", CCSP_ERR_DECODE},
	[CCSP_CHSM_AUTH_BAD_SIGNATURE] = {403, "签名验证失败", "BAD_SIGNATURE", CCSP_ERR_SIGNATURE},
	[CCSP_CHSM_AUTH_TOO_LARGE] = {413, "请求过大", "TOO_LARGE", CCSP_ERR_DATA_LENGTH},
	[CCSP_CHSM_AUTH_BAD_REQUEST] = {400, "参数错误", "BAD_REQUEST", CCSP_ERR_ARG},
	[CCSP_CHSM_AUTH_INTERNAL] = {500, "内部错误", "INTERNAL", CCSP_ERR_INTERNAL},
};

static const struct verdict_info *info(ccsp_chsm_auth_verdict v)
{
	if ((unsigned)v >= CCSP_CHSM_AUTH_VERDICT_COUNT_)
		v = CCSP_CHSM_AUTH_INTERNAL;
	return &VERDICTS[v];
}

int ccsp_chsm_auth_status(ccsp_chsm_auth_verdict v)
{
	return info(v)->status;
}

const char *ccsp_chsm_auth_message(ccsp_chsm_auth_verdict v)
{
	return info(v)->message;
}

const char *ccsp_chsm_auth_name(ccsp_chsm_auth_verdict v)
{
	return info(v)->name;
}

ccsp_err ccsp_chsm_auth_err(ccsp_chsm_auth_verdict v)
{
	return info(v)->err;
}

static int is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* A header value without its surrounding OWS; 0 when absent or blank. A value longer than max is not
 * scanned further: *len is then max + 1, which the caller refuses. */
static int header_value(const char *h, size_t max, const char **v, size_t *len)
{
	if (h == NULL)
		return 0;
	size_t n = strnlen(h, max + 1);
	*v = h;
	*len = n;
	if (n > max)
		return 1;
	while (n > 0 && is_ows(*h)) {
		h++;
		n--;
	}
	while (n > 0 && is_ows(h[n - 1]))
		n--;
	*v = h;
	*len = n;
	return n > 0;
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int ieq(const char *s, size_t len, const char *lit)
{
	if (len != strlen(lit))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (lower((unsigned char)s[i]) != lower((unsigned char)lit[i]))
			return 0;
	return 1;
}

ccsp_err ccsp_chsm_auth_alg_parse(const char *name, size_t len, ccsp_chsm_pk_alg *alg)
{
	CCSP_ENSURE(name != NULL && alg != NULL, CCSP_ERR_ARG);
	if (ieq(name, len, "SM2WithSM3") || ieq(name, len, "SM3WithSM2"))
		*alg = CCSP_CHSM_PK_SM2;
	else if (ieq(name, len, "SHA256WithRSA") || ieq(name, len, "RSAWithSHA256"))
		*alg = CCSP_CHSM_PK_RSA;
	else
		return CCSP_ERR_UNSUPPORTED;
	return CCSP_OK;
}

/* ---- string to sign ---- */

static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	return c != 0 ? c : (alen > blen) - (alen < blen);
}

static int param_cmp(const void *x, const void *y)
{
	const ccsp_chsm_auth_param *a = *(const ccsp_chsm_auth_param *const *)x;
	const ccsp_chsm_auth_param *b = *(const ccsp_chsm_auth_param *const *)y;
	int c = bytes_cmp(a->name, a->name_len, b->name, b->name_len);
	return c != 0 ? c : bytes_cmp(a->value, a->value_len, b->value, b->value_len);
}

ccsp_err ccsp_chsm_auth_query_string(const ccsp_chsm_auth_param *params, size_t n, char **out, size_t *outlen)
{
	const ccsp_chsm_auth_param *sorted[CCSP_CHSM_AUTH_PARAMS_MAX];
	size_t total = 0, len = 0;
	CCSP_ENSURE(out != NULL && outlen != NULL && (params != NULL || n == 0), CCSP_ERR_ARG);
	*out = NULL;
	*outlen = 0;
	CCSP_ENSURE(n <= CCSP_CHSM_AUTH_PARAMS_MAX, CCSP_ERR_LIMIT);
	for (size_t i = 0; i < n; i++) {
		const ccsp_chsm_auth_param *p = &params[i];
		CCSP_ENSURE((p->name != NULL || p->name_len == 0) && (p->value != NULL || p->value_len == 0), CCSP_ERR_ARG);
		/* each term is checked against the bound before it is added: no overflow */
		CCSP_ENSURE(p->name_len <= CCSP_CHSM_AUTH_QUERY_MAX && p->value_len <= CCSP_CHSM_AUTH_QUERY_MAX,
		            CCSP_ERR_LIMIT);
		total += p->name_len + p->value_len + (i > 0) + 1;
		CCSP_ENSURE(total <= CCSP_CHSM_AUTH_QUERY_MAX, CCSP_ERR_LIMIT);
		sorted[i] = p;
	}
	qsort(sorted, n, sizeof sorted[0], param_cmp);
	char *s = malloc(total + 1);
	CCSP_ENSURE(s != NULL, CCSP_ERR_NOMEM);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			s[len++] = '&';
		if (sorted[i]->name_len > 0)
			memcpy(s + len, sorted[i]->name, sorted[i]->name_len);
		len += sorted[i]->name_len;
		s[len++] = '=';
		if (sorted[i]->value_len > 0)
			memcpy(s + len, sorted[i]->value, sorted[i]->value_len);
		len += sorted[i]->value_len;
	}
	s[len] = '\0';
	*out = s;
	*outlen = len;
	return CCSP_OK;
}

/* 1 when M is the body for this request (§3.5), 0 when it is the query. */
static int signs_body(const ccsp_chsm_auth_request *req)
{
	size_t n = strnlen(req->method, 16);
	if (ieq(req->method, n, "GET") || ieq(req->method, n, "HEAD"))
		return 0;
	if (ieq(req->method, n, "POST") || ieq(req->method, n, "PUT") || ieq(req->method, n, "PATCH"))
		return 1;
	return req->body_len > 0;
}

/* ---- verification ---- */

static ccsp_chsm_auth_verdict check_signature(const ccsp_chsm_pk *key, const ccsp_chsm_auth_request *req,
                                              const char *sigtext, size_t siglen)
{
	uint8_t sig[CCSP_CHSM_PK_SIG_MAX];
	size_t n, mlen;
	char *query = NULL;
	const uint8_t *m;
	ccsp_err err = ccsp_b64_decode(sigtext, siglen, sig, sizeof sig, &n);
	if (err == CCSP_ERR_DECODE || err == CCSP_ERR_BUFFER_TOO_SMALL)
		return CCSP_CHSM_AUTH_BAD_SIGNATURE_FORMAT;
	if (err != CCSP_OK)
		return CCSP_CHSM_AUTH_INTERNAL;
	if (signs_body(req)) {
		m = req->body;
		mlen = req->body_len;
	} else {
		err = ccsp_chsm_auth_query_string(req->params, req->nparams, &query, &mlen);
		if (err != CCSP_OK)
			return err == CCSP_ERR_LIMIT ? CCSP_CHSM_AUTH_BAD_REQUEST : CCSP_CHSM_AUTH_INTERNAL;
		m = (const uint8_t *)query;
	}
	err = ccsp_chsm_pk_verify(key, m, mlen, sig, n);
	free(query);
	switch (err) {
	case CCSP_OK:
		return CCSP_CHSM_AUTH_OK;
	case CCSP_ERR_SIGNATURE:
		return CCSP_CHSM_AUTH_BAD_SIGNATURE;
	case CCSP_ERR_DECODE:
		return CCSP_CHSM_AUTH_BAD_SIGNATURE_FORMAT;
	default:
		return CCSP_CHSM_AUTH_INTERNAL;
	}
}

ccsp_chsm_auth_verdict ccsp_chsm_auth_verify(const ccsp_chsm_pk_store *store, const ccsp_chsm_auth_request *req,
                                             const ccsp_chsm_pk **key)
{
	const char *pk, *alg, *sig;
	size_t pklen, alglen, siglen;
	ccsp_chsm_pk_alg want;
	if (key != NULL)
		*key = NULL;
	if (store == NULL || req == NULL || req->method == NULL || (req->body == NULL && req->body_len != 0) ||
	    (req->params == NULL && req->nparams != 0))
		return CCSP_CHSM_AUTH_INTERNAL;
	if (ccsp_chsm_pk_store_count(store) == 0)
		return CCSP_CHSM_AUTH_NO_PLATFORM_KEY;
	if (!header_value(req->authpk, CCSP_CHSM_AUTH_HEADER_MAX, &pk, &pklen) ||
	    !header_value(req->sig_alg, CCSP_CHSM_AUTH_ALG_MAX, &alg, &alglen) ||
	    !header_value(req->signature, CCSP_CHSM_AUTH_HEADER_MAX, &sig, &siglen))
		return CCSP_CHSM_AUTH_MISSING_HEADER;
	if (req->body_len > CCSP_CHSM_AUTH_BODY_MAX)
		return CCSP_CHSM_AUTH_TOO_LARGE;
	if (alglen > CCSP_CHSM_AUTH_ALG_MAX || ccsp_chsm_auth_alg_parse(alg, alglen, &want) != CCSP_OK)
		return CCSP_CHSM_AUTH_UNSUPPORTED_ALG;
	const ccsp_chsm_pk *k = pklen > CCSP_CHSM_AUTH_HEADER_MAX ? NULL : ccsp_chsm_pk_store_find(store, pk, pklen);
	if (k == NULL)
		return CCSP_CHSM_AUTH_UNKNOWN_KEY;
	if (ccsp_chsm_pk_get_alg(k) != want)
		return CCSP_CHSM_AUTH_KEY_ALG_MISMATCH;
	if (siglen > CCSP_CHSM_AUTH_HEADER_MAX)
		return CCSP_CHSM_AUTH_BAD_SIGNATURE_FORMAT;
	ccsp_chsm_auth_verdict v = check_signature(k, req, sig, siglen);
	if (v == CCSP_CHSM_AUTH_OK && key != NULL)
		*key = k;
	return v;
}

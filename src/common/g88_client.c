/* SPDX-License-Identifier: Apache-2.0 */
/* The GM/T 0088 client (g88_client.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>
#include <ccsp/sm2.h>
#include <ccsp/sm2_asn1.h>
#include <ccsp/sm3.h>

#include "common/b64.h"
#include "crypto/guard.h" /* CCSP_CHECK */
#include "common/g88_client.h"
#include "common/tlcp_http.h"

#define TIMEOUT_DEFAULT_S 30L

ccsp_err ccsp_g88_request_id(char out[CCSP_G88_REQUEST_ID_LEN + 1])
{
	uint8_t r[16];
	ccsp_err ret = ccsp_random(r, sizeof r);
	if (ret != CCSP_OK)
		return ret;
	r[6] = (uint8_t)((r[6] & 0x0f) | 0x40);
	r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);
	snprintf(out, CCSP_G88_REQUEST_ID_LEN + 1,
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4],
	         r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
	return CCSP_OK;
}

ccsp_err ccsp_g88_fingerprint(const uint8_t pub[65], char out[45])
{
	uint8_t fp[CCSP_SM3_DIGEST_SIZE];
	ccsp_err ret = ccsp_sm3(pub + 1, 64, fp);
	if (ret == CCSP_OK)
		ccsp_b64_encode(fp, sizeof fp, out);
	return ret;
}

static ccsp_err add_header(struct curl_slist **h, const char *name, const char *value)
{
	char line[512];
	int n = snprintf(line, sizeof line, "%s: %s", name, value);
	if (n < 0 || (size_t)n >= sizeof line)
		return CCSP_ERR_ARG;
	struct curl_slist *s = curl_slist_append(*h, line);
	if (s == NULL)
		return CCSP_ERR_NOMEM;
	*h = s;
	return CCSP_OK;
}

ccsp_err ccsp_g88_sign_headers(const ccsp_g88_signer *s, const char *msg, size_t len, struct curl_slist **h)
{
	uint8_t e[32], sig[CCSP_SM2_SIGNATURE_SIZE], der[CCSP_SM2_SIGNATURE_DER_MAX];
	char fp64[45], sig64[CCSP_B64_LEN(sizeof der) + 1];
	size_t derlen;
	ccsp_err ret;
	CCSP_CHECK(ccsp_sm2_compute_e_point(s->pub, sizeof s->pub, (const uint8_t *)CCSP_SM2_DEFAULT_ID,
	                                    CCSP_SM2_DEFAULT_ID_LEN, (const uint8_t *)msg, len, e));
	CCSP_CHECK(s->sign(s->ctx, e, sig));
	CCSP_CHECK(ccsp_sm2_signature_to_der(sig, der, sizeof der, &derlen));
	CCSP_CHECK(ccsp_g88_fingerprint(s->pub, fp64));
	ccsp_b64_encode(der, derlen, sig64);
	CCSP_CHECK(add_header(h, "CHSM-AuthPK", fp64));
	CCSP_CHECK(add_header(h, "CHSM-SignatureAlg", "SM2WithSM3"));
	CCSP_CHECK(add_header(h, "CHSM-Signature", sig64));
out:
	return ret;
}

/* ---- the exchange ---- */

typedef struct answer_buf {
	char *buf;
	size_t len, cap;
	int too_big;
} answer_buf;

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	answer_buf *a = arg;
	size_t len = size * n;
	if (len > CCSP_G88_ANSWER_MAX - a->len) {
		a->too_big = 1;
		return 0;
	}
	if (a->len + len + 1 > a->cap) {
		size_t cap = (a->len + len + 1) * 2;
		char *b = realloc(a->buf, cap);
		if (b == NULL)
			return 0;
		a->buf = b;
		a->cap = cap;
	}
	memcpy(a->buf + a->len, p, len);
	a->len += len;
	a->buf[a->len] = '\0';
	return len;
}

/* t->url (trailing slashes dropped) + prefix + path, malloc'd. */
static char *full_url(const ccsp_g88_target *t, const char *path)
{
	size_t base = strlen(t->url);
	while (base > 0 && t->url[base - 1] == '/')
		base--;
	size_t len = base + strlen(CCSP_G88_API_PREFIX) + strlen(path) + 1;
	char *url = malloc(len);
	if (url != NULL)
		snprintf(url, len, "%.*s%s%s", (int)base, t->url, CCSP_G88_API_PREFIX, path);
	return url;
}

static void set_trust(CURL *curl, const ccsp_g88_target *t, struct curl_blob *blob)
{
	if (t->insecure) {
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (t->ca_pem != NULL) {
		blob->data = (void *)t->ca_pem;
		blob->len = strlen(t->ca_pem);
		blob->flags = CURL_BLOB_COPY;
		curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, blob);
	} else if (t->ca_file != NULL) {
		curl_easy_setopt(curl, CURLOPT_CAINFO, t->ca_file);
	}
}

/* Read the §6.5 envelope out of the answer's body; a body that is not one leaves status = the HTTP status. */
static void parse_envelope(const char *buf, size_t len, ccsp_g88_answer *ans)
{
	ans->status = (int)ans->http;
	json_t *o = buf != NULL ? json_loadb(buf, len, 0, NULL) : NULL;
	if (!json_is_object(o)) {
		snprintf(ans->message, sizeof ans->message, "HTTP status %ld, not a GM/T 0088 answer", ans->http);
		json_decref(o);
		return;
	}
	json_t *st = json_object_get(o, "status"), *msg = json_object_get(o, "message");
	if (json_is_integer(st))
		ans->status = (int)json_integer_value(st);
	snprintf(ans->message, sizeof ans->message, "%s", json_is_string(msg) ? json_string_value(msg) : "");
	json_t *res = json_object_get(o, "result");
	ans->result = res != NULL ? json_incref(res) : NULL;
	json_decref(o);
}

static ccsp_err exchange(const ccsp_g88_target *t, const char *url, const char *body, struct curl_slist *h,
                         ccsp_g88_answer *ans)
{
	answer_buf a = {0};
	struct curl_blob blob;
	ccsp_err ret = CCSP_ERR_NOMEM;
	CURL *curl = curl_easy_init();
	if (curl == NULL)
		goto out;
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, t->timeout_s > 0 ? t->timeout_s : TIMEOUT_DEFAULT_S);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	set_trust(curl, t, &blob);
	if (body != NULL) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	}
	CURLcode cc = curl_easy_perform(curl);
	if (cc != CURLE_OK) {
		snprintf(ans->message, sizeof ans->message, "%s",
		         a.too_big ? "answer too large" : curl_easy_strerror(cc));
		ret = a.too_big ? CCSP_ERR_PROTOCOL : CCSP_ERR_COMM;
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &ans->http);
	parse_envelope(a.buf, a.len, ans);
	ret = CCSP_OK;
out:
	free(a.buf);
	curl_easy_cleanup(curl);
	return ret;
}

/* The same over TLCP (tlcp_http.h): the CA from t as for TLS; insecure is refused (no first contact unverified). */
static ccsp_err exchange_tlcp(const ccsp_g88_target *t, const char *url, const char *body, struct curl_slist *h,
                              ccsp_g88_answer *ans)
{
	const ccsp_tlcp_http_target tt = {.ca_pem = t->ca_pem,
	                                  .ca_file = t->ca_pem == NULL ? t->ca_file : NULL,
	                                  .own = t->tlcp_own,
	                                  .timeout_s = t->timeout_s > 0 ? t->timeout_s : TIMEOUT_DEFAULT_S,
	                                  .answer_max = CCSP_G88_ANSWER_MAX};
	ccsp_http_answer a = {0};
	if (t->insecure) {
		snprintf(ans->message, sizeof ans->message, "a tlcp:// URL needs the CHSM's CA certificate (no insecure)");
		return CCSP_ERR_ARG;
	}
	ccsp_err ret = ccsp_tlcp_http_exchange(&tt, url, body, body != NULL ? strlen(body) : 0, h, &a, ans->message,
	                                       sizeof ans->message);
	if (ret == CCSP_OK) {
		ans->http = a.status;
		parse_envelope(a.body, a.body_len, ans);
	}
	ccsp_http_answer_clear(&a);
	return ret == CCSP_ERR_LIMIT ? CCSP_ERR_PROTOCOL : ret;
}

ccsp_err ccsp_g88_call(const ccsp_g88_target *t, const ccsp_g88_signer *s, const char *path, json_t *req,
                       ccsp_g88_answer *ans)
{
	struct curl_slist *h = NULL;
	char *url = NULL, *body = NULL, rid[CCSP_G88_REQUEST_ID_LEN + 1];
	ccsp_err ret = CCSP_OK;
	memset(ans, 0, sizeof *ans);
	if (t == NULL || t->url == NULL || path == NULL)
		return CCSP_ERR_ARG;
	if (req != NULL && json_object_get(req, "requestId") == NULL) {
		CCSP_CHECK(ccsp_g88_request_id(rid));
		CCSP_CHECK(json_object_set_new(req, "requestId", json_string(rid)) == 0 ? CCSP_OK : CCSP_ERR_NOMEM);
	}
	CCSP_CHECK((url = full_url(t, path)) != NULL ? CCSP_OK : CCSP_ERR_NOMEM);
	if (req != NULL)
		CCSP_CHECK((body = json_dumps(req, JSON_COMPACT)) != NULL ? CCSP_OK : CCSP_ERR_NOMEM);
	if (body != NULL) {
		CCSP_CHECK(add_header(&h, "Content-Type", "application/json; charset=utf-8"));
		if (s != NULL)
			CCSP_CHECK(ccsp_g88_sign_headers(s, body, strlen(body), &h));
	}
	ret = ccsp_tlcp_http_is_url(t->url) ? exchange_tlcp(t, url, body, h, ans) : exchange(t, url, body, h, ans);
out:
	curl_slist_free_all(h);
	free(body);
	free(url);
	return ret;
}

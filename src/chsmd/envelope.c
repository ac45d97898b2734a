/* SPDX-License-Identifier: Apache-2.0 */
/* The GM/T 0088 response envelope (spec §3.6), request authorization (§3.4–3.5) and small request helpers. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chsm/chsm_auth.h"
#include "chsmd/chsmd.h"

void chsmd_timestamp(int64_t unix_ms, char out[32])
{
	time_t secs = (time_t)(unix_ms / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03d+0000", (int)(unix_ms % 1000));
}

json_t *chsmd_envelope(const ccsp_http_request *req, int status, const char *message, json_t *result)
{
	char ts[32];
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	chsmd_timestamp((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000, ts);
	json_t *env = json_pack("{s:i, s:s, s:s, s:s, s:I}", "status", status, "message", message, "timestamp", ts,
	                        "requestId", ccsp_http_req_echo_id(req), "costMillis",
	                        (json_int_t)ccsp_http_req_elapsed_ms(req));
	if (env != NULL && result != NULL)
		json_object_set(env, "result", result);
	return env;
}

json_t *chsmd_render_error(void *arg, const ccsp_http_request *req, int status, const char *message)
{
	(void)arg;
	return chsmd_envelope(req, status, message, NULL);
}

void chsmd_ok(ccsp_http_request *req, json_t *result)
{
	json_t *env = chsmd_envelope(req, 200, "success", result);
	ccsp_http_respond_json(req, env != NULL ? 200 : 500, env);
	json_decref(env);
	json_decref(result);
}

/* The query parameters in the order the layer keeps them (sorted by name): what a signed GET covers. */
static size_t gather_params(const ccsp_http_request *req, ccsp_chsm_auth_param *p, size_t cap)
{
	size_t n = ccsp_http_req_query_count(req), k = 0;
	for (size_t i = 0; i < n && k < cap; i++) {
		const char *name, *value;
		if (ccsp_http_req_query_at(req, i, &name, &value) != CCSP_OK)
			continue;
		p[k++] = (ccsp_chsm_auth_param){name, strlen(name), value, strlen(value)};
	}
	return k;
}

int chsmd_authorize(void *arg, ccsp_http_request *req, int role, const char **message)
{
	chsmd *d = arg;
	if (role == CHSMD_GUEST || (role == CHSMD_GUEST_UNTIL_KEY && ccsp_chsm_pk_store_count(d->pks) == 0))
		return 0;
	ccsp_chsm_auth_param params[CCSP_CHSM_AUTH_PARAMS_MAX + 1]; /* one more: the verifier then refuses (400) */
	ccsp_chsm_auth_request ar = {.method = ccsp_http_req_method(req)};
	ar.body = ccsp_http_req_body(req, &ar.body_len);
	ar.nparams = gather_params(req, params, CCSP_CHSM_AUTH_PARAMS_MAX + 1);
	ar.params = params;
	ar.authpk = ccsp_http_req_header(req, "CHSM-AuthPK");
	ar.sig_alg = ccsp_http_req_header(req, "CHSM-SignatureAlg");
	ar.signature = ccsp_http_req_header(req, "CHSM-Signature");
	const ccsp_chsm_pk *key = NULL;
	ccsp_chsm_auth_verdict v = ccsp_chsm_auth_verify(d->pks, &ar, &key);
	if (v == CCSP_CHSM_AUTH_OK)
		return 0;
	ccsp_log_event(d->log, "warn", "chsm.auth.refused", "requestId", ccsp_http_req_id(req), "peer",
	               ccsp_http_req_peer(req), "reason", ccsp_chsm_auth_name(v), (char *)NULL);
	*message = ccsp_chsm_auth_message(v);
	return ccsp_chsm_auth_status(v);
}

/* ---- request helpers ---- */

static const char *query_or_body(ccsp_http_request *req, const char *name)
{
	json_t *body = ccsp_http_req_json(req);
	if (body != NULL) {
		json_t *v = json_object_get(body, name);
		return json_is_string(v) ? json_string_value(v) : NULL;
	}
	return ccsp_http_req_query(req, name);
}

const char *chsmd_body_str(ccsp_http_request *req, const char *name)
{
	const char *v = query_or_body(req, name);
	if (v == NULL || v[0] == '\0') {
		char msg[96];
		snprintf(msg, sizeof msg, "缺少参数 %s", name);
		ccsp_http_respond_error(req, 400, msg);
		return NULL;
	}
	return v;
}

int chsmd_require_request_id(ccsp_http_request *req)
{
	return chsmd_body_str(req, "requestId") != NULL ? 0 : -1;
}

const char *chsmd_opr_type(ccsp_http_request *req, char *buf, size_t cap)
{
	const char *v = chsmd_body_str(req, "oprType");
	if (v == NULL)
		return NULL;
	size_t n = strlen(v);
	if (n >= cap) {
		ccsp_http_respond_error(req, 400, "不支持的操作类型");
		return NULL;
	}
	for (size_t i = 0; i <= n; i++)
		buf[i] = (char)tolower((unsigned char)v[i]);
	return buf;
}

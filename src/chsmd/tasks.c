/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Long operations (spec §3.7): validated by the handler, answered 200 at once, run on the task queue, and
 * reported by POST {callbackUrl} with the envelope plus {oprType, target, vsmId}. The callback carries CHSM-*
 * headers signed with the device key (SM2WithSM3 over the body, DER, Base64; CHSM-AuthPK = the device key's
 * fingerprint). Delivery: any 2xx is an acknowledgement; up to 5 retries, 5 s doubling to 80 s; a shutdown ends
 * the retries (undelivered callbacks are logged, not yet persisted across restarts).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include <ccsp/sm2.h>
#include <ccsp/sm2_asn1.h>

#include "chsm/chsm_b64.h"
#include "chsmd/chsmd.h"

#define CALLBACK_TRIES 6 /* the first attempt and 5 retries */
#define CALLBACK_FIRST_DELAY_S 5

typedef struct chsmd_task {
	chsmd *d;
	chsmd_task_fn fn;
	char *claim_key, *opr_type, *target, *vsm_id, *callback_url, *request_id;
	json_t *params;
	struct timespec start;
} chsmd_task;

static void task_free(chsmd_task *t)
{
	free(t->claim_key);
	free(t->opr_type);
	free(t->target);
	free(t->vsm_id);
	free(t->callback_url);
	free(t->request_id);
	json_decref(t->params);
	free(t);
}

static int64_t ms_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Base64 of the DER SM2 signature of body by the device key (Z with the default ID). */
static int sign_body(chsmd *d, const char *body, char *out, size_t cap)
{
	uint8_t sig[CCSP_SM2_SIGNATURE_SIZE], der[CCSP_SM2_SIGNATURE_DER_MAX];
	size_t derlen;
	if (ccsp_sm2_sign(chsm_keys_device(d->keys), NULL, 0, (const uint8_t *)body, strlen(body), sig) != CCSP_OK ||
	    ccsp_sm2_signature_to_der(sig, der, sizeof der, &derlen) != CCSP_OK || CCSP_CHSM_B64_LEN(derlen) >= cap)
		return -1;
	ccsp_chsm_b64_encode(der, derlen, out);
	return 0;
}

static size_t discard(void *p, size_t size, size_t n, void *arg)
{
	(void)p, (void)arg;
	return size * n;
}

/* One POST; 1 when the platform answered 2xx. */
static int post_once(chsmd *d, const char *url, const char *body)
{
	char sig[128], h_sig[160], h_pk[128];
	if (sign_body(d, body, sig, sizeof sig) != 0)
		return 0;
	snprintf(h_sig, sizeof h_sig, "CHSM-Signature: %s", sig);
	snprintf(h_pk, sizeof h_pk, "CHSM-AuthPK: %s", d->device_fingerprint);
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
	h = curl_slist_append(h, "CHSM-SignatureAlg: SM2WithSM3");
	h = curl_slist_append(h, h_pk);
	h = curl_slist_append(h, h_sig);
	CURL *c = curl_easy_init();
	long code = 0;
	if (c != NULL && h != NULL) {
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
		if (curl_easy_perform(c) == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	}
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	return code >= 200 && code < 300;
}

static void send_callback(chsmd_task *t, int status, const char *message, json_t *result)
{
	char ts[32];
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	chsmd_timestamp((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000, ts);
	json_t *env = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:I}", "requestId", t->request_id, "oprType",
	                        t->opr_type, "target", t->target, "vsmId", t->vsm_id != NULL ? t->vsm_id : "", "status",
	                        status, "message", message, "timestamp", ts, "costMillis", (json_int_t)ms_since(&t->start));
	if (env != NULL && result != NULL)
		json_object_set(env, "result", result);
	char *body = env != NULL ? json_dumps(env, JSON_COMPACT) : NULL;
	unsigned delay = CALLBACK_FIRST_DELAY_S;
	int delivered = 0;
	for (int i = 0; body != NULL && i < CALLBACK_TRIES && !delivered; i++) {
		if (i > 0) {
			for (unsigned s = 0; s < delay && !atomic_load(&t->d->stopping); s++)
				sleep(1);
			if (atomic_load(&t->d->stopping))
				break; /* shutting down: not delivered (pending callbacks do not survive a restart yet) */
			delay *= 2;
		}
		delivered = post_once(t->d, t->callback_url, body);
	}
	ccsp_log_event(t->d->log, delivered ? "info" : "warn", "chsm.callback", "requestId", t->request_id, "oprType",
	               t->opr_type, "status", status == 200 ? "200" : "error", "delivered", delivered ? "yes" : "no",
	               (char *)NULL);
	free(body);
	json_decref(env);
}

static void run_task(void *arg)
{
	chsmd_task *t = arg;
	const char *message = "success";
	json_t *result = NULL;
	int status = t->fn(t->d, t->vsm_id, t->params, &message, &result);
	ccsp_taskq_release(t->d->tasks, t->claim_key);
	send_callback(t, status, message, result);
	json_decref(result);
	task_free(t);
}

static char *dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

int chsmd_task_start(chsmd *d, ccsp_http_request *req, const char *claim_key, const char *opr_type,
                     const char *target, const char *vsm_id, chsmd_task_fn fn, json_t *accepted)
{
	const char *url = chsmd_body_str(req, "callbackUrl");
	if (url == NULL) {
		json_decref(accepted);
		return -1;
	}
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
		json_decref(accepted);
		ccsp_http_respond_error(req, 400, "参数错误 callbackUrl");
		return -1;
	}
	chsmd_task *t = calloc(1, sizeof *t);
	if (t == NULL || ccsp_taskq_try_claim(d->tasks, claim_key) != CCSP_OK) {
		free(t);
		json_decref(accepted);
		ccsp_http_respond_error(req, 409, "操作冲突");
		return -1;
	}
	t->d = d;
	t->fn = fn;
	t->claim_key = strdup(claim_key);
	t->opr_type = strdup(opr_type);
	t->target = strdup(target);
	t->vsm_id = dup_or_null(vsm_id);
	t->callback_url = strdup(url);
	t->request_id = strdup(ccsp_http_req_echo_id(req));
	t->params = json_deep_copy(ccsp_http_req_json(req));
	clock_gettime(CLOCK_MONOTONIC, &t->start);
	if (t->claim_key == NULL || t->opr_type == NULL || t->target == NULL || t->callback_url == NULL ||
	    t->request_id == NULL || ccsp_taskq_submit(d->tasks, run_task, t) != CCSP_OK) {
		ccsp_taskq_release(d->tasks, claim_key);
		task_free(t);
		json_decref(accepted);
		ccsp_http_respond_error(req, 503, "服务不可用");
		return -1;
	}
	chsmd_ok(req, accepted != NULL ? accepted : json_pack("{s:s}", "taskStatus", "accepted"));
	return 0;
}

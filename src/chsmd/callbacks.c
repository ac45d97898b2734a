/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Callbacks (spec §3.7): POST {callbackUrl} with the envelope plus {oprType, target, vsmId}, carrying CHSM-*
 * headers signed with the device key (SM2WithSM3 over the body, DER, Base64; CHSM-AuthPK = the device key's
 * fingerprint). Any 2xx is an acknowledgement; up to 5 retries, 5 s doubling to 80 s. An http(s) URL goes through
 * libcurl (trusting callback_ca_file), a tlcp://HOST:PORT one over TLCP (trusting callback_tlcp_ca_file).
 *
 * Every callback is persisted (DIR/callbacks, src/chsm/chsm_cbstore.h) before its first attempt, as a JSON record
 *   {"url": callbackUrl, "tries": attempts so far, "body": the callback body}
 * and removed once acknowledged or after its last attempt. A shutdown ends the retries and leaves the record, and
 * the next chsmd resends it. The callbacks of restartCHSM and upgradeCHSM are recorded before the exec as
 * deferred, with "deferred": "restart"|"upgrade", "packVersion" and "acceptedMs", and without the outcome, which
 * only the next chsmd knows: it completes them once it is up, then sends them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include <ccsp/sm2.h>
#include <ccsp/sm2_asn1.h>

#include "common/b64.h"
#include "chsmd/chsmd.h"
#include "common/tlcp_http.h"

#define CALLBACK_TRIES 6 /* the first attempt and 5 retries */
#define CALLBACK_FIRST_DELAY_S 5
#define CALLBACK_DIR "callbacks"

ccsp_err chsmd_callbacks_open(chsmd *d)
{
	char path[4096];
	if (snprintf(path, sizeof path, "%s/" CALLBACK_DIR, d->dir) >= (int)sizeof path)
		return CCSP_ERR_ARG;
	return chsm_cbstore_open(path, &d->callbacks);
}

void chsmd_callbacks_close(chsmd *d)
{
	chsm_cbstore_free(d->callbacks);
	d->callbacks = NULL;
}

static int64_t now_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* ---- one POST ---- */

ccsp_err chsmd_device_sign(chsmd *d, const uint8_t *data, size_t len, char *b64, size_t cap)
{
	uint8_t sig[CCSP_SM2_SIGNATURE_SIZE], der[CCSP_SM2_SIGNATURE_DER_MAX];
	size_t derlen;
	ccsp_err ret = ccsp_sm2_sign(chsm_keys_device(d->keys), NULL, 0, data, len, sig);
	if (ret == CCSP_OK)
		ret = ccsp_sm2_signature_to_der(sig, der, sizeof der, &derlen);
	if (ret == CCSP_OK && CCSP_B64_LEN(derlen) >= cap)
		ret = CCSP_ERR_BUFFER_TOO_SMALL;
	if (ret == CCSP_OK)
		ccsp_b64_encode(der, derlen, b64);
	return ret;
}

static size_t discard(void *p, size_t size, size_t n, void *arg)
{
	(void)p, (void)arg;
	return size * n;
}

/* The HTTP status of a POST over TLCP (common/tlcp_http.h), trusting callback_tlcp_ca_file; 0 when none came. */
static long post_tlcp(chsmd *d, const char *url, const char *body, struct curl_slist *h)
{
	const ccsp_tlcp_http_target t = {.ca_file = d->callback_tlcp_ca_file,
	                                 .own = d->callback_tlcp_own.sign_cert != NULL ? &d->callback_tlcp_own : NULL,
	                                 .timeout_s = 30,
	                                 .answer_max = 65536};
	ccsp_http_answer a = {0};
	char why[256];
	long code = 0;
	if (d->callback_tlcp_ca_file == NULL)
		snprintf(why, sizeof why, "chsmd.conf has no callback_tlcp_ca_file");
	else if (ccsp_tlcp_http_exchange(&t, url, body, strlen(body), h, &a, why, sizeof why) == CCSP_OK)
		code = a.status;
	if (code == 0)
		ccsp_log_event(d->log, "warn", "chsm.callback.tlcp", "url", url, "detail", why, (char *)NULL);
	ccsp_http_answer_clear(&a);
	return code;
}

/* The same with libcurl (http://, https://), trusting callback_ca_file. */
static long post_curl(chsmd *d, const char *url, const char *body, struct curl_slist *h)
{
	long code = 0;
	CURL *c = curl_easy_init();
	if (c == NULL)
		return 0;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	if (d->callback_ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, d->callback_ca_file);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	return code;
}

/* 1 when the platform answered 2xx. */
static int post_once(chsmd *d, const char *url, const char *body)
{
	char sig[128], h_sig[160], h_pk[128];
	if (chsmd_device_sign(d, (const uint8_t *)body, strlen(body), sig, sizeof sig) != CCSP_OK)
		return 0;
	snprintf(h_sig, sizeof h_sig, "CHSM-Signature: %s", sig);
	snprintf(h_pk, sizeof h_pk, "CHSM-AuthPK: %s", d->device_fingerprint);
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
	h = curl_slist_append(h, "CHSM-SignatureAlg: SM2WithSM3");
	h = curl_slist_append(h, h_pk);
	h = curl_slist_append(h, h_sig);
	long code = h == NULL ? 0 : ccsp_tlcp_http_is_url(url) ? post_tlcp(d, url, body, h) : post_curl(d, url, body, h);
	curl_slist_free_all(h);
	return code >= 200 && code < 300;
}

/* ---- records ---- */

static json_t *record_load(chsmd *d, const char *id)
{
	uint8_t *text = NULL;
	size_t len = 0;
	json_t *rec = NULL;
	if (chsm_cbstore_get(d->callbacks, id, &text, &len) == CCSP_OK)
		rec = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, NULL);
	free(text);
	if (rec != NULL && (!json_is_object(rec) || !json_is_string(json_object_get(rec, "url")) ||
	                    !json_is_object(json_object_get(rec, "body")))) {
		json_decref(rec);
		rec = NULL;
	}
	return rec;
}

static ccsp_err record_save(chsmd *d, const char *id, json_t *rec)
{
	char *text = json_dumps(rec, JSON_COMPACT);
	ccsp_err ret = text != NULL ? chsm_cbstore_put(d->callbacks, id, text, strlen(text)) : CCSP_ERR_NOMEM;
	free(text);
	return ret;
}

static ccsp_err record_add(chsmd *d, json_t *rec, chsm_cbstore_id id)
{
	char *text = json_dumps(rec, JSON_COMPACT);
	ccsp_err ret = text != NULL ? chsm_cbstore_add(d->callbacks, text, strlen(text), id) : CCSP_ERR_NOMEM;
	free(text);
	if (ret != CCSP_OK)
		id[0] = '\0';
	return ret;
}

/* ---- delivery ---- */

/* Wait before attempt n >= 1 (5 s, 10 s, ... 80 s). 0 when a shutdown began meanwhile. */
static int backoff(chsmd *d, json_int_t n)
{
	unsigned delay = CALLBACK_FIRST_DELAY_S << (n - 1 < 4 ? n - 1 : 4);
	for (unsigned s = 0; s < delay && !atomic_load(&d->stopping); s++)
		sleep(1);
	return !atomic_load(&d->stopping);
}

/* Remember the outcome of a delivered (or given up) callback for getCHSMInfo result.tasks. */
static void remember(chsmd *d, json_t *body, const char *delivered)
{
	static const char *const keep[] = {"requestId", "oprType", "target", "vsmId", "status", "message", "timestamp"};
	json_t *t = json_object();
	for (size_t i = 0; t != NULL && i < sizeof keep / sizeof keep[0]; i++) {
		json_t *v = json_object_get(body, keep[i]);
		if (v != NULL)
			json_object_set(t, keep[i], v);
	}
	if (t == NULL)
		return;
	json_object_set_new(t, "delivered", json_string(delivered));
	pthread_mutex_lock(&d->lock);
	if (d->recent == NULL)
		d->recent = json_array();
	json_array_append_new(d->recent, t);
	while (json_array_size(d->recent) > CHSMD_RECENT_MAX)
		json_array_remove(d->recent, 0);
	pthread_mutex_unlock(&d->lock);
}

json_t *chsmd_recent_get(chsmd *d)
{
	pthread_mutex_lock(&d->lock);
	json_t *copy = d->recent != NULL ? json_deep_copy(d->recent) : json_array();
	pthread_mutex_unlock(&d->lock);
	return copy;
}

/* Attempt rec until acknowledged, given up or shut down; id "" when it is not persisted. A resumed record is
 * tried at once, whatever its earlier attempts. */
static void deliver(chsmd *d, const char *id, json_t *rec, int resumed)
{
	const char *url = json_string_value(json_object_get(rec, "url"));
	json_t *body = json_object_get(rec, "body");
	json_int_t tries = json_integer_value(json_object_get(rec, "tries"));
	char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	const char *outcome = "no";
	for (int first = 1; text != NULL && url != NULL && tries < CALLBACK_TRIES; first = 0) {
		if (!(first && (resumed || tries == 0)) && !backoff(d, tries)) {
			outcome = "pending"; /* persisted: the next chsmd resends it */
			break;
		}
		if (post_once(d, url, text)) {
			outcome = "yes";
			break;
		}
		json_object_set_new(rec, "tries", json_integer(++tries));
		if (tries < CALLBACK_TRIES && id[0] != '\0' && record_save(d, id, rec) != CCSP_OK)
			ccsp_log_event(d->log, "warn", "chsm.callback.store", "id", id, (char *)NULL);
	}
	if (strcmp(outcome, "pending") != 0 && id[0] != '\0' && chsm_cbstore_remove(d->callbacks, id) != CCSP_OK)
		ccsp_log_event(d->log, "warn", "chsm.callback.store", "id", id, "detail", "cannot remove", (char *)NULL);
	json_int_t status = json_integer_value(json_object_get(body, "status"));
	if (strcmp(outcome, "pending") != 0)
		remember(d, body, outcome);
	ccsp_log_event(d->log, strcmp(outcome, "yes") == 0 ? "info" : "warn", "chsm.callback", "requestId",
	               json_string_value(json_object_get(body, "requestId")), "oprType",
	               json_string_value(json_object_get(body, "oprType")), "status", status == 200 ? "200" : "error",
	               "delivered", outcome, (char *)NULL);
	free(text);
}

void chsmd_callback_send(chsmd *d, const char *url, json_t *env)
{
	chsm_cbstore_id id = "";
	json_t *rec = json_pack("{s:s, s:i, s:o}", "url", url, "tries", 0, "body", env);
	if (rec == NULL)
		return;
	ccsp_err ret = record_add(d, rec, id);
	if (ret != CCSP_OK) /* still delivered, but it would not survive a restart */
		ccsp_log_event(d->log, "warn", "chsm.callback.store", "detail", ccsp_err_str(ret), (char *)NULL);
	deliver(d, id, rec, 0);
	json_decref(rec);
}

/* ---- deferred callbacks: restartCHSM, upgradeCHSM ---- */

ccsp_err chsmd_callback_defer(chsmd *d, json_t *params, const char *what, const char *version, chsm_cbstore_id id)
{
	const char *url = json_string_value(json_object_get(params, "callbackUrl"));
	const char *rid = json_string_value(json_object_get(params, "requestId"));
	id[0] = '\0';
	if (url == NULL || rid == NULL || what == NULL)
		return CCSP_ERR_ARG;
	json_t *rec = json_pack("{s:s, s:i, s:{s:s, s:s, s:s, s:s}, s:s, s:I}", "url", url, "tries", 0, "body",
	                        "requestId", rid, "oprType", what, "target", "chsm", "vsmId", "", "deferred", what,
	                        "acceptedMs", (json_int_t)chsmd_task_accepted_ms(params));
	if (rec != NULL && version != NULL)
		json_object_set_new(rec, "packVersion", json_string(version));
	ccsp_err ret = rec != NULL ? record_add(d, rec, id) : CCSP_ERR_NOMEM;
	json_decref(rec);
	return ret;
}

void chsmd_callback_undefer(chsmd *d, const char *id)
{
	if (id[0] != '\0' && chsm_cbstore_remove(d->callbacks, id) != CCSP_OK)
		ccsp_log_event(d->log, "warn", "chsm.callback.store", "id", id, "detail", "cannot remove", (char *)NULL);
}

/* The outcome of a deferred callback, seen from the chsmd that now runs. */
static int outcome(json_t *rec, const char *failure, char *msg, size_t cap, json_t **result)
{
	const char *what = json_string_value(json_object_get(rec, "deferred"));
	const char *want = json_string_value(json_object_get(rec, "packVersion"));
	*result = json_object();
	snprintf(msg, cap, "success");
	if (what == NULL || strcmp(what, "upgrade") != 0)
		return 200; /* restart: this chsmd is up */
	json_object_set_new(*result, "version", json_string(chsmd_version()));
	if (failure == NULL && want != NULL && strcmp(want, chsmd_version()) == 0)
		return 200;
	snprintf(msg, cap, "升级失败，已回退到版本 %s: %s", chsmd_version(),
	         failure != NULL ? failure : "新版本未运行");
	return 500;
}

static void complete(chsmd *d, const char *id, json_t *rec, const char *failure)
{
	char msg[512], ts[32];
	json_t *result, *body = json_object_get(rec, "body");
	int64_t now = now_ms(), accepted = json_integer_value(json_object_get(rec, "acceptedMs"));
	int status = outcome(rec, failure, msg, sizeof msg, &result);
	chsmd_timestamp(now, ts);
	json_object_set_new(body, "status", json_integer(status));
	json_object_set_new(body, "message", json_string(msg));
	json_object_set_new(body, "timestamp", json_string(ts));
	json_object_set_new(body, "costMillis", json_integer(accepted > 0 && now > accepted ? now - accepted : 0));
	json_object_set_new(body, "result", result);
	json_object_del(rec, "deferred");
	json_object_del(rec, "packVersion");
	json_object_del(rec, "acceptedMs");
	if (record_save(d, id, rec) != CCSP_OK)
		ccsp_log_event(d->log, "warn", "chsm.callback.store", "id", id, (char *)NULL);
}

typedef struct resend {
	chsmd *d;
	chsm_cbstore_id id;
} resend;

static void run_resend(void *arg)
{
	resend *r = arg;
	json_t *rec = record_load(r->d, r->id);
	if (rec != NULL)
		deliver(r->d, r->id, rec, 1);
	json_decref(rec);
	free(r);
}

/* Queue the delivery of record id; 0, or -1 when the queue is full (it stays for the next start). */
static int queue_resend(chsmd *d, const char *id)
{
	resend *r = calloc(1, sizeof *r);
	if (r == NULL)
		return -1;
	r->d = d;
	memcpy(r->id, id, sizeof r->id);
	if (ccsp_taskq_submit(d->tasks, run_resend, r) != CCSP_OK) {
		free(r);
		return -1;
	}
	return 0;
}

void chsmd_callbacks_resume(chsmd *d, const char *upgrade_failure)
{
	chsm_cbstore_id *ids = calloc(CHSM_CBSTORE_MAX, sizeof *ids);
	size_t n = 0, left = 0;
	if (ids == NULL || chsm_cbstore_list(d->callbacks, ids, CHSM_CBSTORE_MAX, &n) != CCSP_OK)
		n = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *rec = record_load(d, ids[i]);
		if (rec == NULL) { /* not a record this chsmd can read: dropped, said so */
			ccsp_log_event(d->log, "warn", "chsm.callback.store", "id", ids[i], "detail", "unreadable: removed",
			               (char *)NULL);
			ccsp_err rret = chsm_cbstore_remove(d->callbacks, ids[i]);
			(void)rret;
			continue;
		}
		if (json_object_get(rec, "deferred") != NULL)
			complete(d, ids[i], rec, upgrade_failure);
		json_decref(rec);
		left += queue_resend(d, ids[i]) != 0;
	}
	if (left > 0)
		ccsp_log_event(d->log, "warn", "chsm.callback.resume", "detail", "task queue full: left for the next start",
		               (char *)NULL);
	free(ids);
}

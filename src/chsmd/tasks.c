/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Long operations (spec §3.7): validated by the handler, answered 200 at once, run on the task queue, and
 * reported by POST {callbackUrl} with the envelope plus {oprType, target, vsmId}: persisted, signed and retried
 * by callbacks.c. A task that ends with chsmd's exec (restartCHSM, upgradeCHSM) defers its callback to the next
 * chsmd instead (CHSMD_TASK_DEFERRED).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chsmd/chsmd.h"
#include "common/tlcp_http.h"

#define ACCEPTED_MEMBER "_acceptedMs" /* in a task's params: when it was accepted (Unix ms), set here */

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

/* The callback body: the envelope plus the operation's context (spec §3.7). */
static json_t *envelope(chsmd_task *t, int status, const char *message, json_t *result)
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
	return env;
}

int64_t chsmd_task_accepted_ms(json_t *params)
{
	json_t *v = json_object_get(params, ACCEPTED_MEMBER);
	struct timespec now;
	if (json_is_integer(v))
		return json_integer_value(v);
	clock_gettime(CLOCK_REALTIME, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void run_task(void *arg)
{
	chsmd_task *t = arg;
	const char *message = "success";
	json_t *result = NULL;
	int status = t->fn(t->d, t->vsm_id, t->params, &message, &result);
	if (status != CHSMD_TASK_DEFERRED) { /* deferred: the claim stays held, chsmd is about to exec */
		ccsp_taskq_release(t->d->tasks, t->claim_key);
		json_t *env = envelope(t, status, message, result);
		if (env != NULL)
			chsmd_callback_send(t->d, t->callback_url, env);
	}
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
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0 && !ccsp_tlcp_http_is_url(url)) {
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
	if (t->params != NULL)
		json_object_set_new(t->params, ACCEPTED_MEMBER, json_integer(chsmd_task_accepted_ms(NULL)));
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

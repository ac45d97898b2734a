/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Answers. Whichever thread answers serialises the body into an evbuffer of its own; on the loop thread the
 * answer is written at once, elsewhere the request goes on the completion queue and done_ev wakes the loop,
 * which writes it (libevent's request and connection are touched by the loop thread only).
 *
 * A worker activates done_ev only when it finds the queue empty: the loop takes the whole queue at once, so
 * one wake-up serves every answer queued before it runs.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "common/http_internal.h"

static int on_loop_thread(ccsp_http_server *srv)
{
	return atomic_load(&srv->in_loop) && pthread_equal(pthread_self(), srv->loop_thread);
}

/* libevent wrote the whole answer out (loop thread). */
static void on_complete(struct evhttp_request *ev, void *arg)
{
	http_conn *c = arg;
	(void)ev;
	c->unflushed--;
	c->srv->unflushed--;
	http_check_done(c->srv);
}

static void access_log(ccsp_http_server *srv, const ccsp_http_request *req)
{
	if (!ccsp_log_enabled(srv->cfg.log, "info"))
		return;
	json_t *f = json_pack("{s:s,s:s?,s:s,s:s,s:i,s:I,s:s}", "requestId", req->id, "clientRequestId",
	                      req->client_id, "method", req->method, "path", req->path, "status", req->status,
	                      "costMillis", (json_int_t)ccsp_http_req_elapsed_ms(req), "peer", req->peer);
	if (f == NULL) /* a path that is not UTF-8 */
		f = json_pack("{s:s,s:i}", "requestId", req->id, "status", req->status);
	ccsp_log_json(srv->cfg.log, "info", "http.request", f);
}

static void add_header(struct evkeyvalq *h, const char *name, const char *value)
{
	(void)evhttp_add_header(h, name, value); /* fails only when out of memory: the answer still goes */
}

/* Write the answer and free the request (loop thread). */
static void send_now(ccsp_http_request *req)
{
	ccsp_http_server *srv = req->srv;
	struct evhttp_request *ev = req->ev;
	struct evkeyvalq *h = evhttp_request_get_output_headers(ev);
	if (req->resp_type != NULL)
		add_header(h, "Content-Type", req->resp_type);
	add_header(h, "Cache-Control", "no-store");
	add_header(h, "X-Content-Type-Options", "nosniff");
	for (unsigned i = 0; i + 1 < req->n_resp_headers; i += 2)
		add_header(h, req->resp_headers[i], req->resp_headers[i + 1]);
	if (req->close || srv->draining)
		add_header(h, "Connection", "close");
	http_conn *c = http_conn_of(srv, ev);
	if (c != NULL) {
		c->unflushed++;
		srv->unflushed++;
		evhttp_request_set_on_complete_cb(ev, on_complete, c);
	}
	access_log(srv, req);
	if (srv->cb.answered != NULL)
		srv->cb.answered(srv->cb.arg, req, req->status, req->route != NULL);
	evhttp_send_reply(ev, req->status, NULL, req->resp); /* may free ev, even the connection */
	srv->awaiting--;
	http_request_free(req);
	http_check_done(srv);
}

void http_done_cb(evutil_socket_t fd, short what, void *arg)
{
	ccsp_http_server *srv = arg;
	(void)fd;
	(void)what;
	pthread_mutex_lock(&srv->done_mu);
	ccsp_http_request *req = srv->done_head;
	srv->done_head = srv->done_tail = NULL;
	pthread_mutex_unlock(&srv->done_mu);
	while (req != NULL) {
		ccsp_http_request *next = req->next;
		send_now(req);
		req = next;
	}
}

void http_done_discard(ccsp_http_server *srv)
{
	pthread_mutex_lock(&srv->done_mu);
	ccsp_http_request *req = srv->done_head;
	srv->done_head = srv->done_tail = NULL;
	pthread_mutex_unlock(&srv->done_mu);
	while (req != NULL) {
		ccsp_http_request *next = req->next;
		http_request_free(req);
		req = next;
	}
}

/* The answer is in req: write it now or queue it for the loop. */
static void finish(ccsp_http_request *req, int status, const char *content_type, struct evbuffer *body)
{
	ccsp_http_server *srv = req->srv;
	if (status < 100 || status > 599) {
		status = 500;
		if (body != NULL)
			evbuffer_free(body);
		body = NULL;
		content_type = NULL;
	}
	req->status = status;
	req->resp = body;
	req->resp_type = content_type != NULL ? strdup(content_type) : NULL;
	if (on_loop_thread(srv)) {
		send_now(req);
		return;
	}
	pthread_mutex_lock(&srv->done_mu);
	int was_empty = srv->done_head == NULL;
	req->next = NULL;
	if (srv->done_tail != NULL)
		srv->done_tail->next = req;
	else
		srv->done_head = req;
	srv->done_tail = req;
	pthread_mutex_unlock(&srv->done_mu);
	if (was_empty)
		event_active(srv->done_ev, EV_TIMEOUT, 0);
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
	return evbuffer_add(data, buffer, size) == 0 ? 0 : -1;
}

size_t ccsp_http_req_response_bytes(const ccsp_http_request *req)
{
	return req->resp != NULL ? evbuffer_get_length(req->resp) : 0;
}

void ccsp_http_respond_json(ccsp_http_request *req, int status, const json_t *body)
{
	struct evbuffer *b = evbuffer_new();
	if (b == NULL || body == NULL || json_dump_callback(body, dump_cb, b, JSON_COMPACT | JSON_ENCODE_ANY) != 0) {
		if (b != NULL)
			evbuffer_free(b);
		finish(req, 500, NULL, NULL); /* a bare 500: nothing better can be built */
		return;
	}
	finish(req, status, "application/json; charset=utf-8", b);
}

void ccsp_http_respond_error(ccsp_http_request *req, int status, const char *message)
{
	ccsp_http_server *srv = req->srv;
	if (message == NULL)
		message = "error";
	json_t *j = srv->cb.render_error != NULL ? srv->cb.render_error(srv->cb.arg, req, status, message) : NULL;
	if (j == NULL)
		j = json_pack("{s:i,s:s}", "status", status, "message", message);
	ccsp_http_respond_json(req, status, j);
	json_decref(j);
}

void ccsp_http_respond_raw(ccsp_http_request *req, int status, const char *content_type, const void *data,
                           size_t len)
{
	struct evbuffer *b = evbuffer_new();
	if (b == NULL || (len > 0 && (data == NULL || evbuffer_add(b, data, len) != 0))) {
		if (b != NULL)
			evbuffer_free(b);
		finish(req, 500, NULL, NULL);
		return;
	}
	finish(req, status, content_type, b);
}

static int header_text_ok(const char *s, int is_name)
{
	if (s == NULL || (is_name && s[0] == '\0'))
		return 0;
	for (; *s != '\0'; s++)
		if (*s == '\r' || *s == '\n' || (is_name && (*s == ':' || *s == ' ')))
			return 0;
	return 1;
}

ccsp_err ccsp_http_response_header(ccsp_http_request *req, const char *name, const char *value)
{
	if (req == NULL || !header_text_ok(name, 1) || !header_text_ok(value, 0))
		return CCSP_ERR_ARG;
	if (req->n_resp_headers >= 2 * CCSP_HTTP_MAX_RESPONSE_HEADERS)
		return CCSP_ERR_LIMIT;
	char *n = strdup(name), *v = strdup(value);
	if (n == NULL || v == NULL) {
		free(n);
		free(v);
		return CCSP_ERR_NOMEM;
	}
	req->resp_headers[req->n_resp_headers++] = n;
	req->resp_headers[req->n_resp_headers++] = v;
	return CCSP_OK;
}

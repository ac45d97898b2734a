/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Requests: the request object built from libevent's (a private copy of everything a handler reads, so that
 * any thread may read it while libevent's own request stays on the loop thread), the route table, the checks
 * of http_server.h steps 1-4, and the accessors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ccsp/mem.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/keyvalq_struct.h>

#include "common/http_internal.h"

static const char *method_name(enum evhttp_cmd_type t)
{
	switch (t) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	case EVHTTP_REQ_TRACE:
		return "TRACE";
	case EVHTTP_REQ_CONNECT:
		return "CONNECT";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	default:
		return "UNKNOWN";
	}
}

/* The methods that carry a body (libevent reads none for the others). */
static int has_body(const char *m)
{
	return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0;
}

void http_request_free(ccsp_http_request *req)
{
	if (req == NULL)
		return;
	if (req->user_free != NULL)
		req->user_free(req->user);
	free(req->path);
	ccsp_http_params_free(req->params, req->n_params);
	ccsp_http_params_free(req->headers, req->n_headers);
	if (req->body != NULL) /* a body may carry a password or a secret */
		ccsp_memzero(req->body, req->body_len);
	free(req->body);
	json_decref(req->json);
	free(req->client_id);
	if (req->resp != NULL)
		evbuffer_free(req->resp);
	free(req->resp_type);
	for (unsigned i = 0; i < req->n_resp_headers; i++)
		free(req->resp_headers[i]);
	free(req);
}

/* A UUID (version 4 layout) from the server's random base and a counter. */
static void make_id(ccsp_http_server *srv, char out[40])
{
	uint8_t b[16];
	uint64_t n = ++srv->id_counter;
	memcpy(b, srv->id_base, sizeof b);
	for (int i = 0; i < 8; i++)
		b[15 - i] ^= (uint8_t)(n >> (8 * i));
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	(void)snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
	               b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static void format_peer(struct evhttp_connection *evcon, char out[64])
{
	char *addr = NULL;
	ev_uint16_t port = 0;
	if (evcon != NULL)
		evhttp_connection_get_peer(evcon, &addr, &port);
	if (addr == NULL)
		(void)snprintf(out, 64, "?");
	else if (strchr(addr, ':') != NULL)
		(void)snprintf(out, 64, "[%.45s]:%u", addr, (unsigned)port);
	else
		(void)snprintf(out, 64, "%.45s:%u", addr, (unsigned)port);
}

/* Copy the header fields (at most max + 1, so that "too many" is still known). 0, or -1 when out of memory. */
static int copy_headers(ccsp_http_request *req, struct evhttp_request *ev, unsigned max)
{
	struct evkeyvalq *hs = evhttp_request_get_input_headers(ev);
	size_t n = 0;
	for (struct evkeyval *kv = hs->tqh_first; kv != NULL && n <= max; kv = kv->next.tqe_next)
		n++;
	if (n == 0)
		return 0;
	req->headers = calloc(n, sizeof *req->headers);
	if (req->headers == NULL)
		return -1;
	for (struct evkeyval *kv = hs->tqh_first; kv != NULL && req->n_headers < n; kv = kv->next.tqe_next) {
		ccsp_http_param *p = &req->headers[req->n_headers++];
		p->name = strdup(kv->key);
		p->value = strdup(kv->value);
		if (p->name == NULL || p->value == NULL)
			return -1;
	}
	return 0;
}

/* Move the body out of libevent's buffer (at most max_body bytes: libevent enforced it). */
static int copy_body(ccsp_http_request *req, struct evhttp_request *ev)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(ev);
	size_t n = in != NULL ? evbuffer_get_length(in) : 0;
	req->body = malloc(n + 1);
	if (req->body == NULL || (n > 0 && evbuffer_remove(in, req->body, n) != (int)n))
		return -1;
	req->body[n] = '\0';
	req->body_len = n;
	return 0;
}

static ccsp_http_request *request_new(ccsp_http_server *srv, struct evhttp_request *ev)
{
	struct timespec now;
	ccsp_http_request *req = calloc(1, sizeof *req);
	if (req == NULL)
		return NULL;
	req->srv = srv;
	req->ev = ev;
	req->method = method_name(evhttp_request_get_command(ev));
	(void)clock_gettime(CLOCK_REALTIME, &now);
	req->start_unix_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	req->start_mono_ms = http_now_ms();
	make_id(srv, req->id);
	format_peer(evhttp_request_get_connection(ev), req->peer);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ev);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	req->path = strdup(path != NULL ? path : "");
	if (req->path == NULL || copy_headers(req, ev, srv->cfg.max_headers) != 0 || copy_body(req, ev) != 0) {
		http_request_free(req);
		return NULL;
	}
	return req;
}

/* A requestId worth echoing: 1..CCSP_HTTP_MAX_REQUEST_ID printable ASCII characters. */
static void take_client_id(ccsp_http_request *req, const char *v, size_t len)
{
	if (v == NULL || len == 0 || len > CCSP_HTTP_MAX_REQUEST_ID)
		return;
	for (size_t i = 0; i < len; i++)
		if (v[i] < 0x20 || v[i] > 0x7e)
			return;
	char *copy = strndup(v, len);
	if (copy == NULL)
		return;
	free(req->client_id);
	req->client_id = copy;
}

/* Step 1: the route of (method, path), or NULL after answering 404 / 405 + Allow. */
static const ccsp_http_route *route(ccsp_http_server *srv, ccsp_http_request *req)
{
	char allow[64] = "";
	int known_path = 0;
	for (size_t i = 0; i < srv->n_routes; i++) {
		const ccsp_http_route *r = &srv->routes[i];
		if (strcmp(r->path, req->path) != 0)
			continue;
		if (strcmp(r->method, req->method) == 0)
			return r;
		size_t used = strlen(allow);
		(void)snprintf(allow + used, sizeof allow - used, "%s%s", known_path ? ", " : "", r->method);
		known_path = 1;
	}
	if (!known_path) {
		ccsp_http_respond_error(req, 404, "no such resource");
		return NULL;
	}
	if (ccsp_http_response_header(req, "Allow", allow) != CCSP_OK)
		req->close = 1; /* out of memory: the 405 matters more than its Allow */
	ccsp_http_respond_error(req, 405, "method not allowed");
	return NULL;
}

/* Steps 2 and 3; 0, or the status already answered. */
static int check_request(ccsp_http_server *srv, ccsp_http_request *req, ccsp_err query_err)
{
	const char *msg = NULL;
	int status = 0;
	if (req->n_headers > srv->cfg.max_headers) {
		status = 400;
		msg = "too many header fields";
	} else if (query_err == CCSP_ERR_LIMIT) {
		status = 400;
		msg = "query string too long or too many parameters";
	} else if (query_err != CCSP_OK) {
		status = query_err == CCSP_ERR_NOMEM ? 500 : 400;
		msg = query_err == CCSP_ERR_NOMEM ? "out of memory" : "malformed query string";
	} else if (has_body(req->method)) {
		status = ccsp_http_body_check(ccsp_http_req_header(req, "Content-Type"), req->body, req->body_len,
		                              srv->cfg.max_json_depth, &req->json, &msg);
		json_t *rid = json_object_get(req->json, "requestId");
		if (json_is_string(rid))
			take_client_id(req, json_string_value(rid), json_string_length(rid));
	}
	if (status != 0)
		ccsp_http_respond_error(req, status, msg);
	return status;
}

/* The client's address without the port (req->peer is "a.b.c.d:port" or "[v6]:port"). */
static void peer_address(const ccsp_http_request *req, char out[64])
{
	const char *p = req->peer, *colon = strrchr(p, ':');
	size_t n = colon != NULL ? (size_t)(colon - p) : strlen(p);
	if (n >= 2 && p[0] == '[' && p[n - 1] == ']') {
		p++;
		n -= 2;
	}
	n = n < 63 ? n : 63;
	memcpy(out, p, n);
	out[n] = '\0';
}

/* 0, or -1 after answering 429: the client's bucket is empty. */
static int rate_check(ccsp_http_server *srv, ccsp_http_request *req)
{
	char addr[64];
	if (srv->ratelimit == NULL)
		return 0;
	peer_address(req, addr);
	if (ccsp_ratelimit_allow(srv->ratelimit, addr, (int64_t)http_now_ms()))
		return 0;
	ccsp_err r = ccsp_http_response_header(req, "Retry-After", "1");
	(void)r; /* the refusal stands without the hint */
	ccsp_http_respond_error(req, 429, "too many requests from this client");
	return -1;
}

static void dispatch(ccsp_http_server *srv, ccsp_http_request *req)
{
	if (srv->draining) {
		req->close = 1;
		ccsp_http_respond_error(req, 503, "shutting down");
		return;
	}
	if (rate_check(srv, req) != 0)
		return;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req->ev);
	const char *q = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	ccsp_err query_err = ccsp_http_query_parse(q, q != NULL ? strlen(q) : 0, &req->params, &req->n_params);
	const char *qid = ccsp_http_req_query(req, "requestId");
	if (qid != NULL)
		take_client_id(req, qid, strlen(qid)); /* also for the envelopes of 404 and 405 */
	const ccsp_http_route *r = route(srv, req);
	if (r == NULL)
		return;
	req->route = r;
	if (check_request(srv, req, query_err) != 0)
		return;
	if (srv->cb.authorize != NULL) {
		const char *msg = "forbidden";
		int status = srv->cb.authorize(srv->cb.arg, req, r->role, &msg);
		if (status != 0) {
			if (status < 400 || status > 599) { /* a bug in authorize: still refuse */
				status = 500;
				msg = "authorization failed";
			}
			ccsp_http_respond_error(req, status, msg != NULL ? msg : "forbidden");
			return;
		}
	}
	r->handler(srv->cb.arg, req);
}

void http_request_cb(struct evhttp_request *ev, void *arg)
{
	ccsp_http_server *srv = arg;
	struct evhttp_connection *evcon = evhttp_request_get_connection(ev);
	struct bufferevent *bev = evcon != NULL ? evhttp_connection_get_bufferevent(evcon) : NULL;
	/* Reading stays off until the answer is written (libevent then resumes it). Older libevent 2.1 releases
	 * left it on after a body-less request, and a pipelined request arriving while the handler works would
	 * reach evhttp's read callback in the writing state, which aborts the process. */
	if (bev != NULL)
		(void)bufferevent_disable(bev, EV_READ);
	http_conn *conn = bev != NULL ? http_conn_of(srv, ev) : NULL;
	if (conn == NULL) {
		evhttp_send_error(ev, 503, NULL); /* neither TLS nor TLCP (see bev_cb): never served; closes it */
		return;
	}
	if (conn->tlcp_bev != NULL)
		http_tlcp_watch_close(conn, evcon);
	ccsp_http_request *req = request_new(srv, ev);
	if (req == NULL) {
		evhttp_send_error(ev, 500, NULL);
		return;
	}
	srv->awaiting++;
	dispatch(srv, req);
}

/* ---- accessors ---- */

const char *ccsp_http_req_method(const ccsp_http_request *req)
{
	return req->method;
}

const char *ccsp_http_req_path(const ccsp_http_request *req)
{
	return req->path;
}

int ccsp_http_req_role(const ccsp_http_request *req)
{
	return req->route != NULL ? req->route->role : -1;
}

static const char *find_param(const ccsp_http_param *p, size_t n, const char *name, int nocase)
{
	for (size_t i = 0; name != NULL && i < n; i++)
		if ((nocase ? strcasecmp(p[i].name, name) : strcmp(p[i].name, name)) == 0)
			return p[i].value;
	return NULL;
}

const char *ccsp_http_req_query(const ccsp_http_request *req, const char *name)
{
	return find_param(req->params, req->n_params, name, 0);
}

size_t ccsp_http_req_query_count(const ccsp_http_request *req)
{
	return req->n_params;
}

ccsp_err ccsp_http_req_query_at(const ccsp_http_request *req, size_t i, const char **name, const char **value)
{
	if (i >= req->n_params || name == NULL || value == NULL)
		return CCSP_ERR_ARG;
	*name = req->params[i].name;
	*value = req->params[i].value;
	return CCSP_OK;
}

const char *ccsp_http_req_header(const ccsp_http_request *req, const char *name)
{
	return find_param(req->headers, req->n_headers, name, 1);
}

size_t ccsp_http_req_header_count(const ccsp_http_request *req, const char *name)
{
	size_t n = 0;
	for (size_t i = 0; name != NULL && i < req->n_headers; i++)
		n += strcasecmp(req->headers[i].name, name) == 0;
	return n;
}

const uint8_t *ccsp_http_req_body(const ccsp_http_request *req, size_t *len)
{
	if (len != NULL)
		*len = req->body_len;
	return req->body;
}

json_t *ccsp_http_req_json(const ccsp_http_request *req)
{
	return req->json;
}

const char *ccsp_http_req_peer(const ccsp_http_request *req)
{
	return req->peer;
}

const char *ccsp_http_req_id(const ccsp_http_request *req)
{
	return req->id;
}

const char *ccsp_http_req_client_id(const ccsp_http_request *req)
{
	return req->client_id;
}

const char *ccsp_http_req_echo_id(const ccsp_http_request *req)
{
	return req->client_id != NULL ? req->client_id : req->id;
}

int64_t ccsp_http_req_start_unix_ms(const ccsp_http_request *req)
{
	return req->start_unix_ms;
}

uint64_t ccsp_http_req_elapsed_ms(const ccsp_http_request *req)
{
	return http_now_ms() - req->start_mono_ms;
}

void ccsp_http_req_set_user(ccsp_http_request *req, void *user, void (*free_fn)(void *))
{
	if (req->user_free != NULL && req->user != user)
		req->user_free(req->user);
	req->user = user;
	req->user_free = free_fn;
}

void *ccsp_http_req_user(const ccsp_http_request *req)
{
	return req->user;
}

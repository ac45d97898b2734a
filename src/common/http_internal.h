/* SPDX-License-Identifier: Apache-2.0 */
/* Internals of the HTTP layer shared by http_server.c (lifecycle, TLS, connections, drain), http_request.c
 * (routing, request objects) and http_respond.c (answers, the completion queue). */
#ifndef CCSP_COMMON_HTTP_INTERNAL_H
#define CCSP_COMMON_HTTP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include <event2/event.h>
#include <event2/http.h>
#include <openssl/ssl.h>

#include "common/http_server.h"
#include "common/ratelimit.h"

/* One connection. TLS: attached to its SSL object (ex_data), freed with the SSL, i.e. with the connection. TLCP:
 * the head of http_tlcp.c's connection object, freed with its filter bufferevent. */
typedef struct http_conn {
	ccsp_http_server *srv;
	unsigned unflushed; /* answers handed to libevent and not yet written out */
	struct bufferevent *tlcp_bev;  /* TLCP: the connection's bufferevent (what evhttp holds); NULL for TLS */
	struct http_conn *prev, *next; /* TLCP: srv->tlcp_conns */
} http_conn;

struct ccsp_http_request {
	ccsp_http_server *srv;
	struct evhttp_request *ev; /* loop thread only */
	const ccsp_http_route *route;
	const char *method; /* static string */
	char *path;
	ccsp_http_param *params, *headers;
	size_t n_params, n_headers;
	uint8_t *body; /* body_len bytes + NUL */
	size_t body_len;
	json_t *json;
	char peer[64];
	char id[40];
	char *client_id;
	int64_t start_unix_ms;
	uint64_t start_mono_ms;
	void *user;
	void (*user_free)(void *);
	/* the answer, filled by whichever thread answers, written by the loop thread */
	int status;
	int close;                /* add "Connection: close" */
	struct evbuffer *resp;    /* body, or NULL for an empty one */
	char *resp_type;
	char *resp_headers[2 * CCSP_HTTP_MAX_RESPONSE_HEADERS];
	unsigned n_resp_headers;
	ccsp_http_request *next;  /* completion queue */
};

struct ccsp_http_server {
	ccsp_http_config cfg;
	char *listen, *cert_file, *key_file;
	ccsp_http_route *routes;
	size_t n_routes;
	ccsp_http_callbacks cb;
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	SSL_CTX *ssl_ctx;
	int port;
	/* the TLCP listener (http_tlcp.c): a second evhttp on the same loop; NULL without cfg.tlcp_listen */
	char *tlcp_listen, *tlcp_files[5]; /* sign cert, sign key, enc cert, enc key, CA (may be NULL) */
	struct evhttp *tlcp_http;
	struct evhttp_bound_socket *tlcp_bound;
	struct ccsp_tlcp_config *tlcp_cfg;
	int tlcp_port;
	http_conn *tlcp_conns; /* loop thread only: open TLCP connections */
	int stop_pipe[2];
	struct event *stop_ev, *done_ev, *drain_ev, *retry_ev;
	/* completion queue: answers made off the loop thread */
	pthread_mutex_t done_mu;
	ccsp_http_request *done_head, *done_tail;
	pthread_t loop_thread;
	atomic_int in_loop;
	/* loop thread only */
	int ran, draining, drain_expired, paused;
	unsigned n_conns;
	size_t awaiting;  /* requests built and not yet answered */
	size_t unflushed; /* answers not yet written out */
	ccsp_ratelimit *ratelimit; /* NULL: no per-client limit */
	uint8_t id_base[16];
	uint64_t id_counter;
};

/* http_server.c */
void http_check_done(ccsp_http_server *srv);
/* The connection of a request (TLS or TLCP); NULL when it has none or is not one of ours (see bev_cb). */
http_conn *http_conn_of(ccsp_http_server *srv, struct evhttp_request *ev);
uint64_t http_now_ms(void);
/* Connection accounting behind max_connections, for both listeners: a connection begins (in a bevcb) and ends
 * (c freed by the caller afterwards). */
void http_conn_opened(ccsp_http_server *srv);
void http_conn_closed(http_conn *c);
/* A new evhttp with the layer's limits, timeouts and request callback, its connections made by bevcb. */
CCSP_MUST_CHECK ccsp_err http_evhttp_new(ccsp_http_server *srv, struct bufferevent *(*bevcb)(struct event_base *,
                                                                                            void *),
                                         struct evhttp **out);
/* Bind listen ("ADDR:PORT") to http: *bound and the bound *port. CCSP_ERR_IO with errno when bind fails. */
CCSP_MUST_CHECK ccsp_err http_bind(ccsp_http_server *srv, struct evhttp *http, const char *listen,
                                   struct evhttp_bound_socket **bound, int *port);
/* http_tlcp.c */
/* With cfg.tlcp_listen: copy its strings, load the TLCP configuration, create its evhttp and bind it. */
CCSP_MUST_CHECK ccsp_err http_tlcp_start(ccsp_http_server *srv, const ccsp_http_config *cfg);
/* evhttp will close this TLCP connection (evcon) some time after this request: send close_notify then. */
void http_tlcp_watch_close(http_conn *c, struct evhttp_connection *evcon);
/* The TLCP connection whose bufferevent is bev, or NULL. */
http_conn *http_tlcp_conn_of(ccsp_http_server *srv, struct bufferevent *bev);
/* Free the TLCP configuration and strings (after every connection is gone). */
void http_tlcp_free(ccsp_http_server *srv);
/* http_request.c */
void http_request_cb(struct evhttp_request *ev, void *arg);
void http_request_free(ccsp_http_request *req);
/* http_respond.c */
void http_done_cb(evutil_socket_t fd, short what, void *arg);
/* Free every queued answer without writing it (only after a failed run). */
void http_done_discard(ccsp_http_server *srv);

#endif

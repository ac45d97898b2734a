/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The server object: configuration, the TLS context, the listener, connection accounting, run, stop and drain.
 * The optional TLCP listener (http_tlcp.c) is a second evhttp on the same loop; both share the accounting here.
 *
 * Connections are counted through their SSL objects: each carries an http_conn (ex_data) that OpenSSL hands
 * back to conn_free_cb when libevent frees the connection, whatever the reason (peer gone, timeout, error,
 * answer with Connection: close, evhttp_free). That callback is the one place where a connection ends, so
 * the count behind max_connections and the count of unwritten answers behind the drain are exact.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <ccsp/rand.h>

#include "common/http_internal.h"
#include "common/netaddr.h"
#include "common/tls_keys.h"

#define RETRY_ACCEPT_MS 100
#define MAX_BODY_LIMIT (1u << 30)
#define MAX_CONN_LIMIT (1u << 20)
#define MAX_DEPTH_LIMIT 1024u /* jansson's parser stops at 2048 */
#define TLS12_CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20"

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static int global_ok;
static int conn_index = -1;

uint64_t http_now_ms(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static struct timeval ms_tv(unsigned ms)
{
	struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
	return tv;
}

static void silent_log(int severity, const char *msg)
{
	(void)severity;
	(void)msg;
}

static void set_listener(ccsp_http_server *srv, int on)
{
	struct evhttp_bound_socket *bound[] = {srv->bound, srv->tlcp_bound};
	for (size_t i = 0; i < sizeof bound / sizeof bound[0]; i++) {
		struct evconnlistener *l = bound[i] != NULL ? evhttp_bound_socket_get_listener(bound[i]) : NULL;
		if (l != NULL)
			(void)(on ? evconnlistener_enable(l) : evconnlistener_disable(l));
	}
}

void http_conn_opened(ccsp_http_server *srv)
{
	if (++srv->n_conns >= srv->cfg.max_connections && !srv->paused) {
		srv->paused = 1; /* new clients wait in the backlog until a connection ends */
		set_listener(srv, 0);
	}
}

void http_conn_closed(http_conn *c)
{
	ccsp_http_server *srv = c->srv;
	srv->unflushed -= c->unflushed;
	srv->n_conns--;
	if (srv->paused && !srv->draining && srv->n_conns < srv->cfg.max_connections) {
		srv->paused = 0;
		set_listener(srv, 1);
	}
	http_check_done(srv);
}

/* OpenSSL frees an SSL: for ours, the connection is gone (loop thread, or the thread freeing the server). */
static void conn_free_cb(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	http_conn *c = ptr;
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (c == NULL)
		return; /* an SSL of someone else in the process */
	http_conn_closed(c);
	free(c);
}

/* libevent's lock callbacks must exist before the first event_base (answers are queued from other threads);
 * they and the log callback are process-wide, so this runs once. */
static void global_init(void)
{
	event_set_log_callback(silent_log);
	conn_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, conn_free_cb);
	global_ok = evthread_use_pthreads() == 0 && conn_index >= 0;
}

http_conn *http_conn_of(ccsp_http_server *srv, struct evhttp_request *ev)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(ev);
	struct bufferevent *bev = evcon != NULL ? evhttp_connection_get_bufferevent(evcon) : NULL;
	SSL *ssl = bev != NULL ? bufferevent_openssl_get_ssl(bev) : NULL;
	if (ssl != NULL)
		return SSL_get_ex_data(ssl, conn_index);
	return bev != NULL ? http_tlcp_conn_of(srv, bev) : NULL;
}

/* A new connection's bufferevent. It must never be NULL: evhttp would then make a plaintext one itself. When
 * memory is short we still return a plain bufferevent, and http_request.c refuses every request that arrives
 * on a connection without TLS. */
static struct bufferevent *bev_cb(struct event_base *base, void *arg)
{
	ccsp_http_server *srv = arg;
	SSL *ssl = SSL_new(srv->ssl_ctx);
	http_conn *c = ssl != NULL ? calloc(1, sizeof *c) : NULL;
	if (c != NULL) {
		c->srv = srv;
		if (SSL_set_ex_data(ssl, conn_index, c) == 1) {
			c = NULL; /* freed with the SSL from now on */
			http_conn_opened(srv);
		}
	}
	free(c);
	struct bufferevent *bev = NULL;
	if (ssl != NULL) /* on failure libevent frees ssl (BEV_OPT_CLOSE_ON_FREE), and conn_free_cb runs */
		bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev != NULL)
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1); /* clients often close without close_notify */
	else
		bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	ERR_clear_error();
	return bev;
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
	ccsp_http_server *srv = arg;
	(void)fd;
	(void)what;
	if (!srv->paused && !srv->draining)
		set_listener(srv, 1);
}

/* accept() failed (EMFILE, ENOBUFS, ...): the socket stays readable, so pause instead of spinning. */
static void accept_error_cb(struct evconnlistener *l, void *arg)
{
	ccsp_http_server *srv = arg;
	struct timeval tv = ms_tv(RETRY_ACCEPT_MS);
	(void)evconnlistener_disable(l);
	(void)event_add(srv->retry_ev, &tv);
}

void http_check_done(ccsp_http_server *srv)
{
	/* connections also end in evhttp_free and event_base_free, after the loop: nothing to stop then */
	if (atomic_load(&srv->in_loop) && srv->draining && srv->awaiting == 0 && (srv->unflushed == 0 || srv->drain_expired))
		(void)event_base_loopexit(srv->base, NULL);
}

static void begin_drain(ccsp_http_server *srv)
{
	if (srv->draining)
		return;
	srv->draining = 1;
	if (srv->bound != NULL) {
		evhttp_del_accept_socket(srv->http, srv->bound); /* closes the listening socket */
		srv->bound = NULL;
	}
	if (srv->tlcp_bound != NULL) {
		evhttp_del_accept_socket(srv->tlcp_http, srv->tlcp_bound);
		srv->tlcp_bound = NULL;
	}
	struct timeval tv = ms_tv(srv->cfg.drain_timeout_ms);
	(void)event_add(srv->drain_ev, &tv);
	http_check_done(srv);
}

static void drain_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	ccsp_http_server *srv = arg;
	(void)fd;
	(void)what;
	srv->drain_expired = 1; /* peers that do not read their answers are cut off when run returns */
	http_check_done(srv);
}

static void stop_cb(evutil_socket_t fd, short what, void *arg)
{
	char buf[64];
	(void)what;
	while (read(fd, buf, sizeof buf) > 0)
		;
	begin_drain(arg);
}

void ccsp_http_server_stop(ccsp_http_server *srv)
{
	if (srv == NULL)
		return;
	int saved = errno;
	ssize_t r = write(srv->stop_pipe[1], "s", 1); /* EAGAIN: the pipe is full, a stop is pending anyway */
	(void)r;
	errno = saved;
}

int ccsp_http_server_port(const ccsp_http_server *srv)
{
	return srv != NULL ? srv->port : 0;
}

int ccsp_http_server_tlcp_port(const ccsp_http_server *srv)
{
	return srv != NULL ? srv->tlcp_port : 0;
}

struct event_base *ccsp_http_server_base(ccsp_http_server *srv)
{
	return srv != NULL ? srv->base : NULL;
}

ccsp_err ccsp_http_server_run(ccsp_http_server *srv)
{
	if (srv == NULL)
		return CCSP_ERR_ARG;
	if (srv->ran)
		return CCSP_ERR_STATE;
	srv->ran = 1;
	srv->loop_thread = pthread_self();
	atomic_store(&srv->in_loop, 1);
	int rc = event_base_dispatch(srv->base);
	atomic_store(&srv->in_loop, 0);
	/* close what is left: idle keep-alive connections, and answers that did not reach their peers in time */
	evhttp_free(srv->http);
	srv->http = NULL;
	srv->bound = NULL;
	if (srv->tlcp_http != NULL)
		evhttp_free(srv->tlcp_http);
	srv->tlcp_http = NULL;
	srv->tlcp_bound = NULL;
	/* libevent closes a freed connection's socket in a finalizer callback: run those now, so that every
	 * connection is closed when run returns, not only when the server is freed */
	(void)event_base_loop(srv->base, EVLOOP_NONBLOCK);
	return rc == 0 ? CCSP_OK : CCSP_ERR_INTERNAL;
}

/* ---- creation ---- */

static const char *const known_methods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"};

static int known_method(const char *m)
{
	for (size_t i = 0; m != NULL && i < sizeof known_methods / sizeof known_methods[0]; i++)
		if (strcmp(m, known_methods[i]) == 0)
			return 1;
	return 0;
}

static ccsp_err copy_routes(ccsp_http_server *srv, const ccsp_http_route *routes, size_t n)
{
	if (routes == NULL || n == 0 || n > 4096)
		return CCSP_ERR_ARG;
	for (size_t i = 0; i < n; i++) {
		const ccsp_http_route *r = &routes[i];
		if (!known_method(r->method) || r->path == NULL || r->path[0] != '/' || r->handler == NULL)
			return CCSP_ERR_ARG;
		for (size_t j = 0; j < i; j++)
			if (strcmp(routes[j].method, r->method) == 0 && strcmp(routes[j].path, r->path) == 0)
				return CCSP_ERR_ARG;
	}
	srv->routes = malloc(n * sizeof *routes);
	if (srv->routes == NULL)
		return CCSP_ERR_NOMEM;
	memcpy(srv->routes, routes, n * sizeof *routes);
	srv->n_routes = n;
	return CCSP_OK;
}

static unsigned or_default(unsigned v, unsigned def)
{
	return v != 0 ? v : def;
}

static ccsp_err copy_config(ccsp_http_server *srv, const ccsp_http_config *cfg)
{
	ccsp_http_config *c = &srv->cfg;
	*c = *cfg;
	c->max_body = cfg->max_body != 0 ? cfg->max_body : CCSP_HTTP_DEFAULT_MAX_BODY;
	c->max_connections = or_default(cfg->max_connections, CCSP_HTTP_DEFAULT_MAX_CONNECTIONS);
	c->max_headers = or_default(cfg->max_headers, CCSP_HTTP_DEFAULT_MAX_HEADERS);
	c->max_header_bytes = or_default(cfg->max_header_bytes, CCSP_HTTP_DEFAULT_MAX_HEADER_BYTES);
	c->max_json_depth = or_default(cfg->max_json_depth, CCSP_HTTP_DEFAULT_MAX_JSON_DEPTH);
	c->timeout_ms = or_default(cfg->timeout_ms, CCSP_HTTP_DEFAULT_TIMEOUT_MS);
	c->drain_timeout_ms = or_default(cfg->drain_timeout_ms, CCSP_HTTP_DEFAULT_DRAIN_TIMEOUT_MS);
	if (c->max_body > MAX_BODY_LIMIT || c->max_connections > MAX_CONN_LIMIT || c->max_headers > 4096 ||
	    c->max_header_bytes > (1u << 20) || c->max_json_depth > MAX_DEPTH_LIMIT)
		return CCSP_ERR_ARG;
	srv->listen = strdup(cfg->listen);
	srv->cert_file = strdup(cfg->cert_file);
	srv->key_file = strdup(cfg->key_file);
	if (srv->listen == NULL || srv->cert_file == NULL || srv->key_file == NULL)
		return CCSP_ERR_NOMEM;
	c->listen = srv->listen;
	c->cert_file = srv->cert_file;
	c->key_file = srv->key_file;
	if (c->rate_per_client == 0)
		return CCSP_OK;
	c->rate_burst = or_default(cfg->rate_burst, 2 * c->rate_per_client);
	return ccsp_ratelimit_new(c->rate_per_client, c->rate_burst, &srv->ratelimit);
}

static ccsp_err tls_context(ccsp_http_server *srv)
{
	ccsp_err err = CCSP_ERR_INTERNAL;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	srv->ssl_ctx = ctx;
	if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 || SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) != 1)
		goto out;
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
	                          SSL_MODE_RELEASE_BUFFERS); /* idle keep-alive connections keep no buffers */
	err = ccsp_tls_load_cert_key(ctx, srv->cert_file, srv->key_file);
out:
	ERR_clear_error();
	return err;
}

ccsp_err http_bind(ccsp_http_server *srv, struct evhttp *http, const char *listen, struct evhttp_bound_socket **bound,
                   int *port)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	ccsp_err err = ccsp_net_parse_listen(listen, &ss, &sslen);
	if (err != CCSP_OK)
		return err;
	struct evconnlistener *l =
	    evconnlistener_new_bind(srv->base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	                            SOMAXCONN, (struct sockaddr *)&ss, (int)sslen);
	if (l == NULL)
		return CCSP_ERR_IO; /* errno from socket/bind/listen */
	*bound = evhttp_bind_listener(http, l);
	if (*bound == NULL) {
		evconnlistener_free(l);
		return CCSP_ERR_NOMEM;
	}
	evconnlistener_set_error_cb(l, accept_error_cb);
	/* Accepted sockets inherit it (Linux): an answer is written as a header then a body, and with Nagle the body
	 * would wait for the client's delayed ACK, some 40 ms, on every request of a keep-alive connection. */
	int one = 1;
	(void)setsockopt(evconnlistener_get_fd(l), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	socklen_t len = sizeof ss;
	if (getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&ss, &len) != 0)
		return CCSP_ERR_IO;
	*port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
	                                       : ((struct sockaddr_in *)&ss)->sin_port);
	return CCSP_OK;
}

static ccsp_err create_events(ccsp_http_server *srv)
{
	if (pipe2(srv->stop_pipe, O_NONBLOCK | O_CLOEXEC) != 0)
		return CCSP_ERR_IO;
	srv->base = event_base_new();
	if (srv->base == NULL)
		return CCSP_ERR_INTERNAL;
	srv->stop_ev = event_new(srv->base, srv->stop_pipe[0], EV_READ | EV_PERSIST, stop_cb, srv);
	srv->done_ev = event_new(srv->base, -1, 0, http_done_cb, srv);
	srv->drain_ev = evtimer_new(srv->base, drain_timeout_cb, srv);
	srv->retry_ev = evtimer_new(srv->base, retry_cb, srv);
	if (srv->stop_ev == NULL || srv->done_ev == NULL || srv->drain_ev == NULL || srv->retry_ev == NULL ||
	    event_add(srv->stop_ev, NULL) != 0)
		return CCSP_ERR_INTERNAL;
	return CCSP_OK;
}

ccsp_err http_evhttp_new(ccsp_http_server *srv, struct bufferevent *(*bevcb)(struct event_base *, void *),
                         struct evhttp **out)
{
	struct evhttp *http = evhttp_new(srv->base);
	*out = http;
	if (http == NULL)
		return CCSP_ERR_INTERNAL;
	struct timeval tv = ms_tv(srv->cfg.timeout_ms);
	evhttp_set_bevcb(http, bevcb, srv);
	evhttp_set_gencb(http, http_request_cb, srv);
	evhttp_set_max_headers_size(http, (ev_ssize_t)srv->cfg.max_header_bytes);
	evhttp_set_max_body_size(http, (ev_ssize_t)srv->cfg.max_body);
	evhttp_set_timeout_tv(http, &tv);
	evhttp_set_default_content_type(http, NULL);
	/* every method reaches http_request.c, which answers 404/405 itself */
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	                                     EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
	                                     EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	/* a body over the limit is read and discarded before the 413, so that the client sees the answer */
	return evhttp_set_flags(http, EVHTTP_SERVER_LINGERING_CLOSE) == 0 ? CCSP_OK : CCSP_ERR_INTERNAL;
}

/* Request ids are not secrets: a random base per server (unique across restarts) plus a counter. */
static void id_base_init(ccsp_http_server *srv)
{
	if (ccsp_random(srv->id_base, sizeof srv->id_base) == CCSP_OK)
		return;
	struct timespec ts; /* the module refuses service: ids need only be unique */
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t a = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec, b = (uint64_t)getpid();
	memcpy(srv->id_base, &a, 8);
	memcpy(srv->id_base + 8, &b, 8);
}

ccsp_err ccsp_http_server_new(const ccsp_http_config *cfg, const ccsp_http_route *routes, size_t n_routes,
                              const ccsp_http_callbacks *cb, ccsp_http_server **out)
{
	ccsp_err err = CCSP_ERR_ARG;
	ccsp_http_server *srv = NULL;
	if (out == NULL)
		goto out;
	*out = NULL;
	if (cfg == NULL || cb == NULL || cfg->listen == NULL || cfg->cert_file == NULL || cfg->key_file == NULL)
		goto out;
	err = CCSP_ERR_INTERNAL;
	if (pthread_once(&global_once, global_init) != 0 || !global_ok)
		goto out;
	err = CCSP_ERR_NOMEM;
	srv = calloc(1, sizeof *srv);
	if (srv == NULL)
		goto out;
	srv->stop_pipe[0] = srv->stop_pipe[1] = -1;
	srv->done_mu = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	srv->cb = *cb;
	err = copy_config(srv, cfg);
	if (err == CCSP_OK)
		err = copy_routes(srv, routes, n_routes);
	if (err == CCSP_OK)
		err = create_events(srv);
	if (err == CCSP_OK)
		err = tls_context(srv);
	if (err == CCSP_OK)
		err = http_evhttp_new(srv, bev_cb, &srv->http);
	if (err == CCSP_OK)
		err = http_bind(srv, srv->http, srv->listen, &srv->bound, &srv->port);
	if (err == CCSP_OK)
		err = http_tlcp_start(srv, cfg);
	if (err != CCSP_OK)
		goto out;
	id_base_init(srv);
	*out = srv;
	srv = NULL;
out:
	if (srv != NULL) {
		int saved = errno; /* keep bind's errno for the caller */
		ccsp_http_server_free(srv);
		errno = saved;
	}
	return err;
}

void ccsp_http_server_free(ccsp_http_server *srv)
{
	if (srv == NULL)
		return;
	srv->draining = 1;
	if (srv->http != NULL)
		evhttp_free(srv->http); /* connections end here: conn_free_cb still sees srv */
	if (srv->tlcp_http != NULL)
		evhttp_free(srv->tlcp_http);
	http_done_discard(srv);
	struct event *evs[] = {srv->stop_ev, srv->done_ev, srv->drain_ev, srv->retry_ev};
	for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++)
		if (evs[i] != NULL)
			event_free(evs[i]);
	if (srv->base != NULL)
		event_base_free(srv->base); /* runs the finalizers of freed TLCP connections: they still see srv */
	SSL_CTX_free(srv->ssl_ctx);
	http_tlcp_free(srv);
	for (int i = 0; i < 2; i++)
		if (srv->stop_pipe[i] >= 0)
			(void)close(srv->stop_pipe[i]);
	(void)pthread_mutex_destroy(&srv->done_mu);
	free(srv->routes);
	free(srv->listen);
	free(srv->cert_file);
	free(srv->key_file);
	ccsp_ratelimit_free(srv->ratelimit);
	free(srv);
}

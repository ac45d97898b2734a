/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TLCP listener (GB/T 38636) of the HTTP layer. It is a second evhttp on the server's event loop with the same
 * request callback, limits and timeouts as the TLS one (http_evhttp_new), so routing, authorization, bodies and
 * answers take the one code path of http_request.c and http_respond.c; only the bufferevent under evhttp differs.
 *
 * A connection is a libevent filter bufferevent over a socket bufferevent (evhttp sets the socket on the filter,
 * which hands it down). The filter's input function feeds the received bytes to a ccsp_tlcp_conn, advances the
 * handshake and moves decrypted application data up; its output function protects what evhttp writes into records
 * (at most 16 KiB each) for the socket. Memory stays bounded: every call drains the socket bufferevent's input into
 * the connection (which holds about two records) and takes no more plaintext while TLCP_WIRE_HIGH protected bytes
 * wait for the socket.
 *
 * Three points where libevent 2.1's filter and evhttp do not fit together by themselves:
 * - evhttp writes an answer while the bufferevent's writing is disabled and enables it afterwards, and a filter
 *   looks at its output only when bytes are added while writing is enabled or when the socket below drained. An
 *   evbuffer callback on the filter's output therefore asks for a deferred write callback on the socket bufferevent
 *   (bufferevent_trigger), which makes the filter look again once evhttp has enabled writing.
 * - evhttp considers an answer written when the filter's output is empty, and may then close the connection
 *   ("Connection: close", drain): records still queued in the socket bufferevent would be lost. The output function
 *   therefore keeps the answer's last plaintext byte in the filter's output, already protected and queued, until the
 *   socket bufferevent has written everything (t->held). The byte is let go from a callback on the socket
 *   bufferevent's output (wire_drained) through bufferevent_flush, which holds a reference on the filter: evhttp may
 *   free the connection in the write callback this runs, and the filter's own "socket drained" path holds none (it
 *   would re-arm the write timeout of a freed bufferevent afterwards).
 * - A filter's failure result is ignored by libevent 2.1: a refused handshake or record sends its alert (best
 *   effort, at once) and reports an error event to evhttp (deferred), which closes the connection.
 *
 * The handshake is bounded by evhttp's read timeout (timeout_ms): the filter's timer is restarted only when
 * application data comes up, so a handshake (or a stream of empty records) gets at most timeout_ms. A close_notify
 * from the client ends reading (the client closes its side); the connection then ends with the client's TCP close,
 * an answer with "Connection: close", or the idle timeout. When evhttp closes a connection that carried a request,
 * our close_notify goes first (evhttp's close callback, before it shuts the socket).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>

#include "common/http_internal.h"
#include "common/tlcp_pem.h"
#include "tlcp_conn.h"

#define TLCP_CHUNK 16384u            /* plaintext per record */
#define TLCP_WIRE_HIGH (256u << 10)  /* protected bytes waiting for the socket before no more plaintext is taken */
#define TLCP_LOOP_MAX 4096u

typedef struct http_tlcp {
	http_conn base; /* first: http_conn_of hands out &base */
	ccsp_tlcp_conn *conn;
	struct bufferevent *wire; /* the socket bufferevent under the filter (base.tlcp_bev) */
	struct evbuffer_cb_entry *out_cb, *wire_cb;
	int established, failed;
	int held;      /* the first byte of the filter's output is protected and queued already (see above) */
	int releasing; /* wire_drained is flushing the filter: the held byte may go */
} http_tlcp;

/* ---- the connection's bytes ---- */

/* Move what the connection has to send into the socket bufferevent's output (or dst). 0, or -1 out of memory. */
static int out_to(http_tlcp *t, struct evbuffer *dst)
{
	const uint8_t *p;
	size_t len;
	ccsp_tlcp_conn_out(t->conn, &p, &len);
	if (len == 0)
		return 0;
	if (evbuffer_add(dst, p, len) != 0)
		return -1;
	ccsp_tlcp_conn_out_consume(t->conn, len);
	return 0;
}

/* What the connection has to send (an alert, close_notify) with one non-blocking send, when no record waits before
 * it in the socket bufferevent: the connection closes right after. */
static void send_now(http_tlcp *t)
{
	const uint8_t *p;
	size_t len;
	if (evbuffer_get_length(bufferevent_get_output(t->wire)) > 0)
		return;
	ccsp_tlcp_conn_out(t->conn, &p, &len);
	if (len > 0 && send(bufferevent_getfd(t->wire), p, len, MSG_NOSIGNAL | MSG_DONTWAIT) > 0)
		ccsp_tlcp_conn_out_consume(t->conn, len); /* all or part: nothing more goes after it */
}

/* A refusal: its alert goes out now (best effort: evhttp frees the connection at the error event), then evhttp
 * learns of the error. Final: every later call of the filter returns BEV_ERROR. */
static enum bufferevent_filter_result tlcp_failed(http_tlcp *t, short what)
{
	if (!t->failed) {
		t->failed = 1;
		send_now(t);
		bufferevent_trigger_event(t->base.tlcp_bev, (short)(BEV_EVENT_ERROR | what), BEV_TRIG_DEFER_CALLBACKS);
	}
	return BEV_ERROR;
}

/* Feed the first contiguous piece of src: 1 bytes taken, 0 none (src empty, or the connection's input full), -1
 * refused. */
static int feed_some(http_tlcp *t, struct evbuffer *src)
{
	struct evbuffer_iovec v;
	size_t used = 0;
	if (evbuffer_peek(src, -1, NULL, &v, 1) < 1 || v.iov_len == 0)
		return 0;
	if (ccsp_tlcp_conn_feed(t->conn, v.iov_base, v.iov_len, &used) != CCSP_OK)
		return -1;
	if (used > 0)
		(void)evbuffer_drain(src, used);
	return used > 0;
}

/* Advance the handshake: 1 it completed now, 0 it waits for the peer, -1 refused. */
static int handshake_step(http_tlcp *t)
{
	int done = 0;
	ccsp_err err = ccsp_tlcp_conn_handshake(t->conn, &done);
	if (err != CCSP_OK || out_to(t, bufferevent_get_output(t->wire)) != 0)
		return -1;
	if (!done)
		return 0;
	t->established = 1;
	return 1;
}

/* Decrypted application data into dst: 1 some, 0 none yet, -1 refused. */
static int read_some(http_tlcp *t, struct evbuffer *dst)
{
	struct evbuffer_iovec v;
	size_t n = 0;
	if (evbuffer_reserve_space(dst, TLCP_CHUNK, &v, 1) < 1)
		return -1;
	size_t cap = v.iov_len < TLCP_CHUNK ? v.iov_len : TLCP_CHUNK;
	ccsp_err err = ccsp_tlcp_conn_read(t->conn, v.iov_base, cap, &n);
	/* an alert (no_renegotiation) or nothing */
	if (err != CCSP_OK || out_to(t, bufferevent_get_output(t->wire)) != 0)
		return -1;
	v.iov_len = n;
	if (evbuffer_commit_space(dst, &v, 1) != 0)
		return -1;
	return n > 0;
}

/* The filter's input: src is the socket's bytes, dst what evhttp reads. Drains src entirely (evhttp disables
 * reading while a request is handled, and bytes left in src would then wait for more from the socket). */
static enum bufferevent_filter_result tlcp_input(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit,
                                                 enum bufferevent_flush_mode mode, void *ctx)
{
	http_tlcp *t = ctx;
	int got = 0, stalls = 0;
	(void)limit;
	(void)mode;
	if (t->failed)
		return BEV_ERROR;
	for (unsigned i = 0; i < TLCP_LOOP_MAX; i++) {
		int fed = feed_some(t, src);
		int step = fed < 0 ? -1 : t->established ? read_some(t, dst) : handshake_step(t);
		if (step < 0)
			return tlcp_failed(t, BEV_EVENT_READING);
		got |= step > 0 && t->established;
		if (fed != 0 || step != 0) {
			stalls = 0;
			continue;
		}
		if (evbuffer_get_length(src) == 0)
			break;
		/* the input was full; handshake() or read() took records from it, or the connection is stuck */
		if (++stalls > 1)
			return tlcp_failed(t, BEV_EVENT_READING);
	}
	return got ? BEV_OK : BEV_NEED_MORE;
}

/* The filter's output: src is what evhttp wrote, dst the socket bufferevent's output. */
static enum bufferevent_filter_result tlcp_output(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit,
                                                  enum bufferevent_flush_mode mode, void *ctx)
{
	http_tlcp *t = ctx;
	int moved = 0;
	(void)limit;
	(void)mode;
	if (t->failed)
		return BEV_ERROR;
	if (!t->established)
		return BEV_NEED_MORE;
	if (t->held) {
		if (!t->releasing || evbuffer_get_length(dst) > 0)
			return BEV_NEED_MORE;
		(void)evbuffer_drain(src, 1); /* every record is out: evhttp may now see the answer written */
		t->held = 0;
		moved = 1;
	}
	while (evbuffer_get_length(src) > 0 && evbuffer_get_length(dst) < TLCP_WIRE_HIGH) {
		size_t n = evbuffer_get_length(src), take = n < TLCP_CHUNK ? n : TLCP_CHUNK;
		uint8_t *p = evbuffer_pullup(src, (ev_ssize_t)take);
		if (p == NULL || ccsp_tlcp_conn_write(t->conn, p, take) != CCSP_OK || out_to(t, dst) != 0)
			return tlcp_failed(t, BEV_EVENT_WRITING);
		moved = 1;
		if (take == n) { /* the last byte stays until the socket bufferevent has written every record */
			(void)evbuffer_drain(src, take - 1);
			t->held = 1;
			break;
		}
		(void)evbuffer_drain(src, take);
	}
	return moved ? BEV_OK : BEV_NEED_MORE;
}

/* evhttp added to the filter's output: have the filter look at it once evhttp has enabled writing. */
static void output_added(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	http_tlcp *t = arg;
	(void)buf;
	if (info->n_added > 0 && t->established && !t->failed)
		bufferevent_trigger(t->wire, EV_WRITE, BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
}

/* evhttp closes the connection (an answer with "Connection: close", the drain, an error): before it shuts the
 * socket, our close_notify goes out, best effort (one non-blocking send), when no record waits before it. */
static void closing_cb(struct evhttp_connection *evcon, void *arg)
{
	http_tlcp *t = arg;
	(void)evcon;
	if (t->established && !t->failed && ccsp_tlcp_conn_close(t->conn) == CCSP_OK)
		send_now(t);
}

void http_tlcp_watch_close(http_conn *c, struct evhttp_connection *evcon)
{
	evhttp_connection_set_closecb(evcon, closing_cb, c); /* c is the head of its http_tlcp */
}

/* The socket bufferevent wrote bytes: when it holds none any more, the held byte goes (see the top). */
static void wire_drained(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	http_tlcp *t = arg;
	if (info->n_deleted == 0 || !t->held || t->failed || evbuffer_get_length(buf) > 0)
		return;
	t->releasing = 1;
	/* may end the connection; libevent frees it (and t, conn_free_cb) later, from the loop */
	(void)bufferevent_flush(t->base.tlcp_bev, EV_WRITE, BEV_NORMAL);
	t->releasing = 0;
}

/* ---- connections ---- */

static void conn_unlink(http_tlcp *t)
{
	ccsp_http_server *srv = t->base.srv;
	if (t->base.prev != NULL)
		t->base.prev->next = t->base.next;
	else
		srv->tlcp_conns = t->base.next;
	if (t->base.next != NULL)
		t->base.next->prev = t->base.prev;
}

/* libevent frees the filter (the connection is gone, whatever the reason): the one place a TLCP connection ends. */
static void conn_free_cb(void *ctx)
{
	http_tlcp *t = ctx;
	if (t->out_cb != NULL)
		(void)evbuffer_remove_cb_entry(bufferevent_get_output(t->base.tlcp_bev), t->out_cb);
	if (t->wire_cb != NULL) /* the filter holds the socket bufferevent until after this call */
		(void)evbuffer_remove_cb_entry(bufferevent_get_output(t->wire), t->wire_cb);
	conn_unlink(t);
	ccsp_tlcp_conn_free(t->conn); /* wipes the keys */
	http_conn_closed(&t->base);
	free(t);
}

/* The filter over a socket bufferevent for a new connection; t is freed with it from then on. */
static struct bufferevent *conn_filter(ccsp_http_server *srv, struct event_base *base, http_tlcp *t)
{
	t->wire = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	t->conn = t->wire != NULL ? ccsp_tlcp_conn_new(srv->tlcp_cfg, 1) : NULL;
	struct bufferevent *bev = t->conn != NULL ? bufferevent_filter_new(t->wire, tlcp_input, tlcp_output,
	                                                                   BEV_OPT_CLOSE_ON_FREE, conn_free_cb, t)
	                                          : NULL;
	if (bev == NULL) {
		ccsp_tlcp_conn_free(t->conn);
		if (t->wire != NULL)
			bufferevent_free(t->wire);
		free(t);
		return NULL;
	}
	t->base.srv = srv;
	t->base.tlcp_bev = bev;
	t->base.next = srv->tlcp_conns;
	if (srv->tlcp_conns != NULL)
		srv->tlcp_conns->prev = &t->base;
	srv->tlcp_conns = &t->base;
	http_conn_opened(srv);
	t->out_cb = evbuffer_add_cb(bufferevent_get_output(bev), output_added, t);
	t->wire_cb = evbuffer_add_cb(bufferevent_get_output(t->wire), wire_drained, t);
	if (t->out_cb == NULL || t->wire_cb == NULL) {
		bufferevent_free(bev); /* conn_free_cb frees t and counts the connection as ended */
		return NULL;
	}
	return bev;
}

/* Like the TLS listener's bev_cb, never NULL: when memory is short, a plain bufferevent on which http_request.c
 * refuses every request. */
static struct bufferevent *tlcp_bev_cb(struct event_base *base, void *arg)
{
	ccsp_http_server *srv = arg;
	http_tlcp *t = calloc(1, sizeof *t);
	struct bufferevent *bev = t != NULL ? conn_filter(srv, base, t) : NULL;
	return bev != NULL ? bev : bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
}

http_conn *http_tlcp_conn_of(ccsp_http_server *srv, struct bufferevent *bev)
{
	for (http_conn *c = srv->tlcp_conns; c != NULL; c = c->next)
		if (c->tlcp_bev == bev)
			return c;
	return NULL;
}

/* ---- the listener ---- */

static ccsp_err copy_strings(ccsp_http_server *srv, const ccsp_http_config *cfg)
{
	const char *files[5] = {cfg->tlcp_sign_cert, cfg->tlcp_sign_key, cfg->tlcp_enc_cert, cfg->tlcp_enc_key,
	                        cfg->tlcp_ca_file};
	if (cfg->tlcp_verify < CCSP_TLCP_CLIENT_AUTH_NONE || cfg->tlcp_verify > CCSP_TLCP_CLIENT_AUTH_REQUIRED ||
	    (cfg->tlcp_verify != CCSP_TLCP_CLIENT_AUTH_NONE && cfg->tlcp_ca_file == NULL))
		return CCSP_ERR_ARG;
	for (size_t i = 0; i < 4; i++)
		if (files[i] == NULL)
			return CCSP_ERR_ARG;
	srv->tlcp_listen = strdup(cfg->tlcp_listen);
	if (srv->tlcp_listen == NULL)
		return CCSP_ERR_NOMEM;
	for (size_t i = 0; i < 5; i++)
		if (files[i] != NULL && (srv->tlcp_files[i] = strdup(files[i])) == NULL)
			return CCSP_ERR_NOMEM;
	srv->cfg.tlcp_listen = srv->tlcp_listen;
	srv->cfg.tlcp_sign_cert = srv->tlcp_files[0];
	srv->cfg.tlcp_sign_key = srv->tlcp_files[1];
	srv->cfg.tlcp_enc_cert = srv->tlcp_files[2];
	srv->cfg.tlcp_enc_key = srv->tlcp_files[3];
	srv->cfg.tlcp_ca_file = srv->tlcp_files[4];
	return CCSP_OK;
}

/* The configuration as vsmd's (common/tlcp_pem.c). */
static ccsp_err load_config(ccsp_http_server *srv)
{
	const ccsp_http_config *c = &srv->cfg;
	ccsp_tlcp_pem_server ps = {.sign_cert = c->tlcp_sign_cert, .sign_key = c->tlcp_sign_key,
	                           .enc_cert = c->tlcp_enc_cert, .enc_key = c->tlcp_enc_key,
	                           .ca_file = c->tlcp_ca_file, .verify = c->tlcp_verify};
	return ccsp_tlcp_pem_server_config(&ps, &srv->tlcp_cfg);
}

ccsp_err http_tlcp_start(ccsp_http_server *srv, const ccsp_http_config *cfg)
{
	if (cfg->tlcp_listen == NULL)
		return CCSP_OK;
	ccsp_err err = copy_strings(srv, cfg);
	if (err == CCSP_OK)
		err = load_config(srv);
	if (err == CCSP_OK)
		err = http_evhttp_new(srv, tlcp_bev_cb, &srv->tlcp_http);
	if (err == CCSP_OK)
		err = http_bind(srv, srv->tlcp_http, srv->tlcp_listen, &srv->tlcp_bound, &srv->tlcp_port);
	return err;
}

void http_tlcp_free(ccsp_http_server *srv)
{
	ccsp_tlcp_config_free(srv->tlcp_cfg);
	srv->tlcp_cfg = NULL;
	free(srv->tlcp_listen);
	for (size_t i = 0; i < 5; i++)
		free(srv->tlcp_files[i]);
}

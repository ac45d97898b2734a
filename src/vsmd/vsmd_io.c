/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A connection's byte stream (loop thread): TLS 1.3, TLCP (vsmd_tlcp.c) or plain bytes on the admin socket, over
 * a non-blocking socket with its own read and write events, into c->in and out of c->out. A TLCP link mirrors the
 * TLS one below (reads ahead into a buffer of its own, gathers records before a send); every branch between the
 * two is on c->tl, so the TLS path is what it was.
 *
 * Why not a libevent bufferevent: a TLS bufferevent reads one record per readiness event with two recv calls
 * each (header, body), writes every queued answer as its own record and send, and adds and deletes its write
 * event around each of them. Here OpenSSL reads ahead (one recv takes every record there is), the answers
 * queued while the loop handles a batch of events are written together after it (vsmd_io_flush_soon), and
 * the records go through a buffering BIO, so a batch leaves in one send; the write event is added only while
 * the socket is full.
 *
 * Reading stops at VSMD_IN_READ bytes per event (the rest waits for the next loop iteration: connections take
 * turns), and whenever vsmd_conn turns it off (flow control). OpenSSL may then hold read-ahead bytes that poll
 * cannot see, so resuming, or stopping at the cap, activates the read event by hand.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <openssl/err.h>

#include <event2/buffer.h>

#include "vsmd_net_internal.h"

#define VSMD_IN_READ (256u << 10)     /* bytes read per read event */
#define VSMD_READ_CHUNK 16384u        /* one SSL_read: a record's plaintext at most */
#define VSMD_WRITE_BUFFER (64u << 10) /* TLS records gathered per send */
#define VSMD_IOV_MAX 16

enum { IO_BLOCKED = VSMD_IO_BLOCKED, IO_EOF = VSMD_IO_EOF, IO_ERR = VSMD_IO_ERR };

/*
 * The reading end of a TLS link: a socket BIO that notes whether its last recv drained the socket (got less
 * than asked, or EAGAIN). With OpenSSL reading ahead, a read loop can then stop without a recv that would only
 * say EAGAIN (io_read).
 */
static pthread_once_t rbio_once = PTHREAD_ONCE_INIT;
static BIO_METHOD *rbio_method; /* created once, never freed: BIO type indexes are a finite resource */

typedef struct rbio_state {
	int fd;
	int drained;
} rbio_state;

static int rbio_read(BIO *b, char *buf, int len)
{
	rbio_state *st = BIO_get_data(b);
	BIO_clear_retry_flags(b);
	ssize_t n = recv(st->fd, buf, (size_t)len, 0);
	int again = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
	if (again)
		BIO_set_retry_read(b);
	st->drained = (again && errno != EINTR) || (n > 0 && n < len);
	return n < 0 ? -1 : (int)n;
}

static long rbio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b;
	(void)num;
	(void)ptr;
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int rbio_destroy(BIO *b)
{
	free(BIO_get_data(b));
	BIO_set_data(b, NULL);
	return 1;
}

static void rbio_method_make(void)
{
	int idx = BIO_get_new_index();
	BIO_METHOD *m = idx > 0 ? BIO_meth_new(idx | BIO_TYPE_SOURCE_SINK, "vsmd socket reader") : NULL;
	if (m != NULL && (BIO_meth_set_read(m, rbio_read) != 1 || BIO_meth_set_ctrl(m, rbio_ctrl) != 1 ||
	                  BIO_meth_set_destroy(m, rbio_destroy) != 1)) {
		BIO_meth_free(m);
		m = NULL;
	}
	rbio_method = m;
}

static BIO *rbio_new(int fd)
{
	if (pthread_once(&rbio_once, rbio_method_make) != 0 || rbio_method == NULL)
		return NULL;
	rbio_state *st = calloc(1, sizeof *st);
	BIO *b = st != NULL ? BIO_new(rbio_method) : NULL;
	if (b == NULL) {
		free(st);
		return NULL;
	}
	st->fd = fd;
	BIO_set_data(b, st);
	BIO_set_init(b, 1);
	return b;
}

/* A TLS or TLCP link (not the admin socket). */
static int io_secure(const vsmd_conn *c)
{
	return c->ssl != NULL || c->tl != NULL;
}

/* Nothing more to read without waiting: OpenSSL holds no record and the last recv drained the socket. */
static int tls_drained(vsmd_conn *c)
{
	if (c->tl != NULL)
		return vsmd_tlcp_drained(c->tl);
	rbio_state *st = BIO_get_data(SSL_get_rbio(c->ssl));
	return !SSL_has_pending(c->ssl) && st != NULL && st->drained;
}

static void io_fail(vsmd_conn *c, int peer_gone)
{
	if (peer_gone)
		c->peer_failed = 1; /* no close_notify after a fatal error (SSL_shutdown must not be called then) */
	ERR_clear_error();
	vsmd_conn_close(c);
}

/* After SSL_read/SSL_write/SSL_do_handshake returned r <= 0: IO_BLOCKED (*ev: what to wait for), IO_EOF or
 * IO_ERR. */
static int tls_status(vsmd_conn *c, int r, short *ev)
{
	int e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		*ev = e == SSL_ERROR_WANT_READ ? EV_READ : EV_WRITE;
		return IO_BLOCKED;
	}
	ERR_clear_error();
	return e == SSL_ERROR_ZERO_RETURN ? IO_EOF : IO_ERR;
}

static int io_recv(vsmd_conn *c, void *buf, size_t len, short *ev)
{
	*ev = EV_READ;
	if (c->tl != NULL)
		return vsmd_tlcp_recv(c->tl, buf, len, ev);
	if (c->ssl == NULL) {
		ssize_t n = recv(c->fd, buf, len, 0);
		if (n > 0)
			return (int)n;
		if (n == 0)
			return IO_EOF;
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? IO_BLOCKED : IO_ERR;
	}
	ERR_clear_error();
	int n = SSL_read(c->ssl, buf, (int)len);
	return n > 0 ? n : tls_status(c, n, ev);
}

static void io_want_write(vsmd_conn *c)
{
	if (!c->wblocked) {
		c->wblocked = 1;
		(void)event_add(c->wev, NULL);
	}
}

/* Waiting for readable on behalf of a write or handshake: the read event is added even while reading is off. */
static void io_want_read(vsmd_conn *c)
{
	c->rblocked_w = 1;
	(void)event_add(c->rev, NULL);
}

static void io_tlcp_handshake(vsmd_conn *c)
{
	short ev = EV_READ;
	int r = vsmd_tlcp_handshake(c->tl, &ev);
	if (r < 0) {
		io_fail(c, 1);
		return;
	}
	if (r > 0)
		c->tls_open = 1;
	if ((r == 0 && ev == EV_WRITE) || (r > 0 && vsmd_tlcp_unsent(c->tl) > 0))
		io_want_write(c); /* our flight waits for room */
}

static void io_handshake(vsmd_conn *c)
{
	short ev;
	if (c->tl != NULL) {
		io_tlcp_handshake(c);
		return;
	}
	ERR_clear_error();
	int r = SSL_do_handshake(c->ssl);
	if (r == 1) {
		c->tls_open = 1;
		return;
	}
	if (tls_status(c, r, &ev) != IO_BLOCKED) {
		io_fail(c, 1);
		return;
	}
	if (ev == EV_WRITE)
		io_want_write(c);
}

/* Bytes queued for the peer: in c->out and in the buffering BIO. */
size_t vsmd_io_unsent(const vsmd_conn *c)
{
	size_t n = c->out != NULL ? evbuffer_get_length(c->out) : 0;
	if (c->tl != NULL)
		n += vsmd_tlcp_unsent(c->tl);
	if (c->ssl != NULL)
		n += (size_t)BIO_wpending(SSL_get_wbio(c->ssl));
	return n;
}

/* Write chains of out through SSL (or writev): bytes taken, or IO_BLOCKED / IO_ERR. */
static int io_send(vsmd_conn *c, struct evbuffer_iovec *v, int nv, short *ev)
{
	*ev = EV_WRITE;
	if (c->tl != NULL)
		return vsmd_tlcp_send(c->tl, v, nv, ev);
	if (c->ssl == NULL) {
		ssize_t n = writev(c->fd, (struct iovec *)v, nv);
		if (n >= 0)
			return (int)n;
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? IO_BLOCKED : IO_ERR;
	}
	int total = 0;
	for (int i = 0; i < nv; i++) {
		ERR_clear_error();
		int n = SSL_write(c->ssl, v[i].iov_base, (int)v[i].iov_len);
		if (n <= 0) {
			int st = tls_status(c, n, ev);
			return total > 0 && st == IO_BLOCKED ? total : st;
		}
		total += n;
		if ((size_t)n < v[i].iov_len)
			break; /* partial: the rest after the socket drains */
	}
	return total;
}

/* Push the BIO's gathered records to the socket. 1 all out, 0 blocked, -1 failed. */
static int io_bio_flush(vsmd_conn *c)
{
	if (c->tl != NULL)
		return vsmd_tlcp_flush(c->tl);
	if (c->ssl == NULL)
		return 1;
	BIO *w = SSL_get_wbio(c->ssl);
	if (BIO_wpending(w) == 0)
		return 1;
	if (BIO_flush(w) > 0)
		return 1;
	return BIO_should_retry(w) ? 0 : -1;
}

static void io_write(vsmd_conn *c)
{
	int blocked = 0;
	size_t before = vsmd_io_unsent(c);
	short ev = EV_WRITE;
	for (unsigned i = 0; i < (1u << 16) && evbuffer_get_length(c->out) > 0; i++) {
		struct evbuffer_iovec v[VSMD_IOV_MAX];
		int nv = evbuffer_peek(c->out, -1, NULL, v, VSMD_IOV_MAX);
		if (nv > VSMD_IOV_MAX)
			nv = VSMD_IOV_MAX;
		int n = io_send(c, v, nv, &ev);
		if (n == IO_ERR || n == IO_EOF) {
			io_fail(c, 1);
			return;
		}
		if (n == IO_BLOCKED) {
			blocked = 1;
			break;
		}
		(void)evbuffer_drain(c->out, (size_t)n); /* referenced frames are wiped as they go */
	}
	int f = blocked ? 0 : io_bio_flush(c);
	if (f < 0) {
		io_fail(c, 1);
		return;
	}
	size_t after = vsmd_io_unsent(c);
	if (after < before)
		c->out_ms = vsmd_now_ms();
	if (blocked || f == 0) {
		if (ev == EV_READ)
			io_want_read(c);
		else
			io_want_write(c);
	} else if (c->wblocked) {
		c->wblocked = 0;
		(void)event_del(c->wev);
	}
	if (after < before && after <= VSMD_OUT_RESUME)
		vsmd_conn_on_output(c);
}

static void io_read(vsmd_conn *c)
{
	size_t got = 0;
	int more = 0;
	while (c->reading && c->fd >= 0) {
		if (got >= VSMD_IN_READ) {
			more = 1;
			break;
		}
		struct evbuffer_iovec v;
		short ev;
		if (evbuffer_reserve_space(c->in, VSMD_READ_CHUNK, &v, 1) < 1) {
			io_fail(c, 0);
			return;
		}
		size_t want = v.iov_len < VSMD_READ_CHUNK ? v.iov_len : VSMD_READ_CHUNK;
		int n = io_recv(c, v.iov_base, want, &ev);
		if (n > 0) {
			v.iov_len = (size_t)n;
			(void)evbuffer_commit_space(c->in, &v, 1);
			got += (size_t)n;
			if (io_secure(c) && tls_drained(c))
				break; /* poll says when there is more */
			continue;
		}
		if (n != IO_BLOCKED) {
			io_fail(c, 1);
			return;
		}
		if (ev == EV_WRITE)
			io_want_write(c);
		break;
	}
	if (got > 0)
		vsmd_conn_on_input(c);
	if (more && c->reading && c->fd >= 0)
		event_active(c->rev, EV_READ, 0);
}

static void io_read_cb(evutil_socket_t fd, short what, void *arg)
{
	vsmd_conn *c = arg;
	(void)fd;
	(void)what;
	vsmd_conn_ref(c);
	if (c->rblocked_w) {
		c->rblocked_w = 0;
		if (!c->reading)
			(void)event_del(c->rev);
		if (c->tls_open)
			io_write(c);
	}
	if (c->fd >= 0 && io_secure(c) && !c->tls_open)
		io_handshake(c);
	if (c->fd >= 0 && (!io_secure(c) || c->tls_open))
		io_read(c);
	vsmd_conn_unref(c);
}

static void io_write_cb(evutil_socket_t fd, short what, void *arg)
{
	vsmd_conn *c = arg;
	(void)fd;
	(void)what;
	vsmd_conn_ref(c);
	c->flush_soon = 0;
	if (c->wblocked) {
		c->wblocked = 0;
		(void)event_del(c->wev);
	}
	if (io_secure(c) && !c->tls_open) {
		io_handshake(c);
		if (c->fd >= 0 && c->tls_open)
			io_read(c);
	} else if (c->fd >= 0) {
		io_write(c);
	}
	vsmd_conn_unref(c);
}

/* A TLS link: reads from the socket with OpenSSL reading ahead, writes through a buffering BIO. */
static int io_tls_bios(vsmd_conn *c)
{
	BIO *r = rbio_new(c->fd), *buf = BIO_new(BIO_f_buffer()), *w = BIO_new_socket(c->fd, BIO_NOCLOSE);
	if (r == NULL || buf == NULL || w == NULL || BIO_set_write_buffer_size(buf, VSMD_WRITE_BUFFER) != 1) {
		BIO_free(r);
		BIO_free(buf);
		BIO_free(w);
		return -1;
	}
	SSL_set_bio(c->ssl, r, BIO_push(buf, w));
	SSL_set_read_ahead(c->ssl, 1);
	SSL_set_accept_state(c->ssl);
	return 0;
}

ccsp_err vsmd_io_open(vsmd_conn *c, int fd, SSL *ssl, vsmd_tlcp *tl)
{
	vsmd_net *n = c->net;
	c->fd = fd;
	c->ssl = ssl;
	c->tl = tl;
	c->in = evbuffer_new();
	c->out = evbuffer_new();
	c->rev = event_new(n->base, fd, EV_READ | EV_PERSIST, io_read_cb, c);
	c->wev = event_new(n->base, fd, EV_WRITE | EV_PERSIST, io_write_cb, c);
	if (c->in == NULL || c->out == NULL || c->rev == NULL || c->wev == NULL ||
	    (ssl != NULL && io_tls_bios(c) != 0))
		return CCSP_ERR_NOMEM;
	c->reading = 1;
	if (event_add(c->rev, NULL) != 0)
		return CCSP_ERR_INTERNAL;
	return CCSP_OK;
}

void vsmd_io_set_reading(vsmd_conn *c, int on)
{
	if (c->fd < 0 || c->reading == on)
		return;
	c->reading = on;
	if (!on) {
		if (!c->rblocked_w)
			(void)event_del(c->rev);
		return;
	}
	(void)event_add(c->rev, NULL);
	/* what OpenSSL read ahead is invisible to poll: look at once */
	if (c->tls_open && ((c->ssl != NULL && SSL_has_pending(c->ssl)) || (c->tl != NULL && vsmd_tlcp_pending(c->tl))))
		event_active(c->rev, EV_READ, 0);
}

void vsmd_io_flush_soon(vsmd_conn *c)
{
	if (c->fd < 0 || c->flush_soon || c->wblocked || (io_secure(c) && !c->tls_open))
		return;
	c->flush_soon = 1;
	event_active(c->wev, EV_WRITE, 0); /* after the events of this loop iteration: their answers go together */
}

void vsmd_io_close(vsmd_conn *c)
{
	if (c->fd < 0)
		return;
	if (c->ssl != NULL && c->tls_open && !c->peer_failed) {
		ERR_clear_error();
		(void)SSL_shutdown(c->ssl); /* close_notify, best effort: the socket is non-blocking */
		(void)BIO_flush(SSL_get_wbio(c->ssl));
	}
	if (c->tl != NULL && c->tls_open && !c->peer_failed)
		vsmd_tlcp_close_notify(c->tl);
	ERR_clear_error();
	if (c->rev != NULL)
		event_free(c->rev);
	if (c->wev != NULL)
		event_free(c->wev);
	c->rev = c->wev = NULL;
	if (c->in != NULL)
		evbuffer_free(c->in);
	if (c->out != NULL)
		evbuffer_free(c->out); /* referenced frames are wiped */
	c->in = c->out = NULL;
	SSL_free(c->ssl);
	c->ssl = NULL;
	vsmd_tlcp_free(c->tl);
	c->tl = NULL;
	(void)close(c->fd);
	c->fd = -1;
	c->reading = 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One pipelined connection to vsmd: many calls in flight, responses matched by request id in any order
 * (docs/sdf-protocol.md, "Frames"). No background thread: the calling threads share the work
 * (leader/followers).
 *
 * - c->mu protects the SSL object and all state; it is never held across a blocking wait. The socket is
 *   non-blocking; whoever must wait for it releases mu around poll() (conn_poll), so other threads can send
 *   and dispatch meanwhile.
 * - Writer slot: one frame at a time is on the wire (a TLS write that returned WANT_WRITE must be retried
 *   with the same bytes before anything else is written). Threads queue for the slot on c->cv.
 * - Reader role: a caller whose request is sent, finding nobody reading, becomes the reader: it reads frames
 *   and hands each to its caller (request id -> sdfc_pending, signalled on its own condition variable) until
 *   its own response is in, then passes the role to one caller that is blocked waiting. A caller whose request
 *   is sent is always either the reader or blocked waiting (both steps happen under mu), so whenever a
 *   response can be due somebody reads — also while another thread is stuck writing a large frame.
 * - Failure (EOF, TLS error, malformed frame, a call's deadline): sdfc_conn_fail completes every pending call
 *   with CCSP_ERR_COMM and bumps gen; a thread that comes back from poll() sees the change and leaves without
 *   touching the connection. The socket is shut down at once (waking pollers) and closed when the last poller
 *   is gone (refs), so a poller never polls a reused descriptor.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include <ccsp/mem.h>

#include "libsdf/sdfc_internal.h"

ccsp_err sdfc_conn_init(sdfc_conn *c, uint32_t timeout_ms, atomic_int *nup)
{
	memset(c, 0, sizeof *c);
	c->fd = -1;
	c->next_id = 1;
	c->timeout_ms = timeout_ms;
	c->nup = nup;
	if (pthread_condattr_init(&c->cattr) != 0)
		return CCSP_ERR_NOMEM;
	if (pthread_condattr_setclock(&c->cattr, CLOCK_MONOTONIC) != 0 || pthread_cond_init(&c->cv, &c->cattr) != 0) {
		pthread_condattr_destroy(&c->cattr);
		return CCSP_ERR_NOMEM;
	}
	if (pthread_mutex_init(&c->mu, NULL) != 0) {
		pthread_cond_destroy(&c->cv);
		pthread_condattr_destroy(&c->cattr);
		return CCSP_ERR_NOMEM;
	}
	return CCSP_OK;
}

static void rx_reset(sdfc_conn *c)
{
	if (c->rx_body != NULL) {
		ccsp_memzero(c->rx_body, c->rx_h.length); /* bodies carry keys and plaintext */
		free(c->rx_body);
	}
	c->rx_body = NULL;
	c->rx_hgot = 0;
	c->rx_got = 0;
	c->rx_to = NULL;
	memset(&c->rx_h, 0, sizeof c->rx_h);
}

/* Free the link of a failed connection once no thread polls its descriptor. */
static void conn_reap(sdfc_conn *c)
{
	if (c->state != SDFC_DOWN || c->refs != 0 || c->ssl == NULL)
		return;
	SSL_free(c->ssl);
	(void)close(c->fd);
	c->ssl = NULL;
	c->fd = -1;
	pthread_cond_broadcast(&c->cv); /* a thread may be waiting to reconnect */
}

void sdfc_conn_fail(sdfc_conn *c, const char *fmt, ...)
{
	char why[SDFC_REASON_MAX];
	va_list ap;
	if (c->state != SDFC_HELLO && c->state != SDFC_UP)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	if (c->state == SDFC_UP)
		atomic_fetch_sub(c->nup, 1);
	c->state = SDFC_DOWN;
	c->gen++;
	c->reading = 0;
	c->writing = 0;
	for (sdfc_pending *p = c->pending, *next; p != NULL; p = next) {
		next = p->next;
		p->next = NULL;
		p->done = 1;
		p->err = CCSP_ERR_COMM;
		memcpy(p->why, why, sizeof why);
		pthread_cond_signal(&p->cv);
	}
	c->pending = NULL;
	rx_reset(c);
	(void)shutdown(c->fd, SHUT_RDWR); /* wakes the threads in poll() */
	pthread_cond_broadcast(&c->cv);
	conn_reap(c);
}

void sdfc_conn_install(sdfc_conn *c, SSL *ssl, int fd)
{
	c->ssl = ssl;
	c->fd = fd;
	c->state = SDFC_HELLO;
	c->reading = 0;
	c->writing = 0;
	rx_reset(c);
}

void sdfc_conn_up(sdfc_conn *c)
{
	c->state = SDFC_UP;
	atomic_fetch_add(c->nup, 1);
	pthread_cond_broadcast(&c->cv);
}

void sdfc_conn_destroy(sdfc_conn *c)
{
	pthread_mutex_lock(&c->mu);
	if (c->state == SDFC_UP) {
		ERR_clear_error();
		(void)SSL_shutdown(c->ssl); /* close_notify, best effort: the socket is non-blocking */
		ERR_clear_error();
	}
	sdfc_conn_fail(c, "device closed");
	c->refs = 0; /* no thread may use c any more */
	conn_reap(c);
	pthread_mutex_unlock(&c->mu);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	pthread_condattr_destroy(&c->cattr);
}

/* ---- pending calls ---- */

static sdfc_pending *conn_find(const sdfc_conn *c, uint32_t id)
{
	for (sdfc_pending *p = c->pending; p != NULL; p = p->next)
		if (p->id == id)
			return p;
	return NULL;
}

static void conn_unlink(sdfc_conn *c, const sdfc_pending *p)
{
	for (sdfc_pending **pp = &c->pending; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			return;
		}
}

/* A request id not in flight on c (0 is never used). The loop ends: fewer ids are in flight than tried. */
static uint32_t conn_new_id(sdfc_conn *c)
{
	uint32_t id = 0;
	for (unsigned i = 0; i < SDFC_LOOP_MAX; i++) {
		id = c->next_id++;
		if (id != 0 && conn_find(c, id) == NULL)
			break;
	}
	return id;
}

/* Pass the reader role to a caller blocked waiting for its response, if any. */
static void conn_handoff(const sdfc_conn *c)
{
	for (sdfc_pending *q = c->pending; q != NULL; q = q->next)
		if (q->waiting && !q->done) {
			pthread_cond_signal(&q->cv);
			return;
		}
}

/* ---- socket ---- */

/* After SSL_read/SSL_write returned ret <= 0: the poll events to wait for, or 0 once the connection failed. */
static short conn_want(sdfc_conn *c, int ret, const char *what)
{
	int saved = errno; /* before anything else can change it */
	int e = SSL_get_error(c->ssl, ret);
	unsigned long l = ERR_peek_last_error();
	const char *why = l != 0 ? ERR_reason_error_string(l) : NULL;
	char ebuf[128];
	if (e == SSL_ERROR_WANT_READ)
		return POLLIN;
	if (e == SSL_ERROR_WANT_WRITE)
		return POLLOUT;
	if (e == SSL_ERROR_ZERO_RETURN || why == NULL)
		why = e == SSL_ERROR_SYSCALL && saved != 0 ? sdfc_strerror(saved, ebuf, sizeof ebuf)
		                                            : "connection closed by the VSM";
	sdfc_conn_fail(c, "%s: %s", what, why);
	ERR_clear_error();
	return 0;
}

/* Wait for events on the socket with mu released. CCSP_OK: ready, and still the same connection.
 * CCSP_ERR_COMM: the connection failed meanwhile, or fails now (deadline passed, poll error). */
static ccsp_err conn_poll(sdfc_conn *c, short events, const struct timespec *dl)
{
	uint64_t gen = c->gen;
	int fd = c->fd, r, e;
	char ebuf[128];
	c->refs++;
	pthread_mutex_unlock(&c->mu);
	r = sdfc_wait_fd(fd, events, dl);
	e = errno;
	pthread_mutex_lock(&c->mu);
	c->refs--;
	if (c->gen != gen) {
		conn_reap(c);
		return CCSP_ERR_COMM;
	}
	if (r == 0)
		sdfc_conn_fail(c, "no answer from the VSM within %u ms", c->timeout_ms);
	else if (r < 0)
		sdfc_conn_fail(c, "poll: %s", sdfc_strerror(e, ebuf, sizeof ebuf));
	return r > 0 ? CCSP_OK : CCSP_ERR_COMM;
}

/* ---- sending ---- */

static ccsp_err conn_send(sdfc_conn *c, const uint8_t *frame, size_t len, const struct timespec *dl)
{
	uint64_t gen = c->gen;
	size_t off = 0;
	unsigned i;
	for (i = 0; i < SDFC_LOOP_MAX && c->writing; i++) {
		int rc = pthread_cond_timedwait(&c->cv, &c->mu, dl);
		if (c->gen != gen)
			return CCSP_ERR_COMM;
		if (rc != 0 && c->writing)
			sdfc_conn_fail(c, "no chance to send within %u ms", c->timeout_ms);
	}
	if (c->gen != gen || c->writing) {
		sdfc_conn_fail(c, "no chance to send");
		return CCSP_ERR_COMM;
	}
	c->writing = 1;
	for (i = 0; i < SDFC_LOOP_MAX && off < len; i++) {
		size_t chunk = len - off < INT_MAX ? len - off : INT_MAX;
		ERR_clear_error();
		errno = 0;
		int n = SSL_write(c->ssl, frame + off, (int)chunk);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		short ev = conn_want(c, n, "sending to the VSM");
		if (ev == 0 || conn_poll(c, ev, dl) != CCSP_OK)
			return CCSP_ERR_COMM;
	}
	if (off < len) {
		sdfc_conn_fail(c, "sending does not progress");
		return CCSP_ERR_COMM;
	}
	c->writing = 0;
	pthread_cond_broadcast(&c->cv);
	return CCSP_OK;
}

/* ---- receiving ---- */

/* The header of a response is complete: check it belongs to a call in flight and make room for the body. */
static ccsp_err rx_header(sdfc_conn *c)
{
	ccsp_sdf_header h;
	sdfc_pending *p;
	if (ccsp_sdf_header_decode(c->rx_hdr, &h) != CCSP_OK || h.type != CCSP_SDF_RESPONSE) {
		sdfc_conn_fail(c, "malformed frame from the VSM");
		return CCSP_ERR_COMM;
	}
	p = conn_find(c, h.request);
	if (p == NULL || p->opcode != h.opcode) {
		sdfc_conn_fail(c, "response to no request in flight (id %u, opcode 0x%x)", (unsigned)h.request,
		               (unsigned)h.opcode);
		return CCSP_ERR_COMM;
	}
	if (h.status != 0 && h.length != 0) {
		sdfc_conn_fail(c, "malformed frame from the VSM: error response with a body");
		return CCSP_ERR_COMM;
	}
	if (h.length > 0 && (c->rx_body = malloc(h.length)) == NULL) {
		sdfc_conn_fail(c, "out of memory for a %u-byte response", (unsigned)h.length);
		return CCSP_ERR_COMM;
	}
	c->rx_h = h;
	c->rx_to = p;
	c->rx_got = 0;
	return CCSP_OK;
}

static void rx_deliver(sdfc_conn *c)
{
	sdfc_pending *p = c->rx_to;
	conn_unlink(c, p);
	p->next = NULL;
	p->h = c->rx_h;
	p->body = c->rx_body;
	p->err = CCSP_OK;
	p->done = 1;
	pthread_cond_signal(&p->cv);
	c->rx_body = NULL; /* handed over */
	rx_reset(c);
}

/* Read what the socket has of the current frame; *ev is 0 after progress, else the events to poll for.
 * CCSP_ERR_COMM once the connection failed. */
static ccsp_err rx_some(sdfc_conn *c, short *ev)
{
	int in_hdr = c->rx_hgot < CCSP_SDF_HEADER_SIZE;
	uint8_t *dst = in_hdr ? c->rx_hdr + c->rx_hgot : c->rx_body + c->rx_got;
	size_t want = in_hdr ? CCSP_SDF_HEADER_SIZE - c->rx_hgot : c->rx_h.length - c->rx_got; /* <= 4 MiB */
	*ev = 0;
	ERR_clear_error();
	errno = 0;
	int n = SSL_read(c->ssl, dst, (int)want);
	if (n <= 0) {
		*ev = conn_want(c, n, "receiving from the VSM");
		return *ev != 0 ? CCSP_OK : CCSP_ERR_COMM;
	}
	if (in_hdr) {
		c->rx_hgot += (size_t)n;
		if (c->rx_hgot < CCSP_SDF_HEADER_SIZE)
			return CCSP_OK;
		if (rx_header(c) != CCSP_OK)
			return CCSP_ERR_COMM;
	} else {
		c->rx_got += (size_t)n;
	}
	if (c->rx_got == c->rx_h.length)
		rx_deliver(c);
	return CCSP_OK;
}

/* Hold the reader role until p is done, dispatching every response that arrives meanwhile. Each pass reads
 * bytes or waits in poll(), which ends at the deadline. */
static void conn_read_for(sdfc_conn *c, sdfc_pending *p, const struct timespec *dl)
{
	uint64_t gen = c->gen;
	short ev = 0;
	c->reading = 1;
	for (unsigned i = 0; i < SDFC_LOOP_MAX && !p->done; i++) {
		if (rx_some(c, &ev) != CCSP_OK)
			return; /* failed: the role went with the connection */
		if (ev != 0 && conn_poll(c, ev, dl) != CCSP_OK)
			return;
	}
	if (c->gen != gen)
		return;
	if (!p->done) {
		sdfc_conn_fail(c, "receiving does not progress");
		return;
	}
	c->reading = 0;
	conn_handoff(c);
}

static void conn_wait(sdfc_conn *c, sdfc_pending *p, const struct timespec *dl)
{
	for (unsigned i = 0; i < SDFC_LOOP_MAX && !p->done; i++) {
		if (!c->reading) {
			conn_read_for(c, p, dl);
			continue;
		}
		p->waiting = 1;
		int rc = pthread_cond_timedwait(&p->cv, &c->mu, dl);
		p->waiting = 0;
		if (rc != 0 && !p->done)
			sdfc_conn_fail(c, "no answer from the VSM within %u ms", c->timeout_ms);
	}
	if (!p->done)
		sdfc_conn_fail(c, "waiting does not progress");
}

ccsp_err sdfc_conn_roundtrip(sdfc_conn *c, ccsp_sdf_header *h, uint8_t *frame, size_t len,
                             const struct timespec *dl, sdfc_pending *p)
{
	memset(p, 0, sizeof *p);
	if (pthread_cond_init(&p->cv, &c->cattr) != 0)
		return sdfc_fail(CCSP_ERR_NOMEM, "cannot create a condition variable");
	p->id = conn_new_id(c);
	p->opcode = h->opcode;
	h->request = p->id;
	ccsp_sdf_header_encode(h, frame);
	p->next = c->pending;
	c->pending = p;
	if (conn_send(c, frame, len, dl) == CCSP_OK)
		conn_wait(c, p, dl);
	if (!p->done) /* cannot happen: every failure path above fails the connection, which completes p */
		sdfc_conn_fail(c, "call left unfinished");
	pthread_cond_destroy(&p->cv);
	return p->err == CCSP_OK ? CCSP_OK : sdfc_fail(p->err, "%s", p->why);
}

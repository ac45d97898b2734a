/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One pipelined connection to vsmd: many calls in flight, responses matched by request id in any order
 * (docs/sdf-protocol.md, "Frames"). No background thread: the calling threads share the work
 * (leader/followers), so that under load a call costs about one send, one sleep and one wake-up, and the reads
 * are shared by many calls.
 *
 * - c->mu protects the connection's state and is held for bookkeeping only: never across TLS work or a system
 *   call that may block. Every role below is a flag under mu; a thread that holds one with mu released also
 *   holds a reference (refs), so the link it uses cannot be freed under it.
 * - tok, the token: its holder is the only thread that calls SSL_* on the link, with mu released. It writes the
 *   queued requests (small ones copied together into one TLS record, a large one in place from its caller's
 *   buffer; the records leave in one send when the buffering BIO is flushed) and, when input is ready, reads
 *   all there is (OpenSSL reads ahead: one recv carries many records) and hands every complete response to its
 *   caller. A request counts as sent once it is flushed.
 * - rpoll: waits in poll() for input while a response is due (a request is sent and not answered yet); when
 *   poll returns, input is "ready" (rready): the next token holder reads until the socket and OpenSSL's
 *   buffer are drained. Nobody polls while input is ready (it may sit in OpenSSL's buffer, where poll cannot
 *   see it), so nobody reads while somebody polls.
 * - wpoll: waits in poll() for room to write after a write would have blocked (wblocked). Only a caller whose
 *   own request is not completely sent takes it: its response cannot arrive before, so it never waits for
 *   room it no longer needs while its answer is in.
 * - A caller queues its request, then until its response is in: takes the token when there is work and nobody
 *   holds it; else takes a poll role that is needed and free; else sleeps on its own semaphore. So a caller
 *   sleeps only while every needed role is held, and a thread that leaves a role either goes on in this loop or,
 *   when its call is done, wakes one sleeper to take what is needed (handoff): whenever a response can be due
 *   somebody reads, and whenever a request is queued somebody writes, also while a large frame is stuck.
 * - A response is handed over by filling in its caller's record under mu and posting its semaphore once mu is
 *   released (a woken caller must not find mu taken); the caller then returns without taking mu again (unless
 *   it was also handed a role), after the poster has let go of its record (posting).
 * - Failure (EOF, TLS error, malformed frame, a call's deadline): sdfc_conn_fail completes every pending call
 *   with CCSP_ERR_COMM and bumps gen; a thread that comes back from poll() or TLS work sees the change and
 *   leaves the link alone. The socket is shut down at once (waking pollers); the link and its buffers are freed
 *   when the last thread using them is gone (refs), so nobody polls a reused descriptor. A caller whose frame
 *   the token holder is writing in place waits for it before returning (its buffer must outlive the write).
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include <ccsp/mem.h>

#include "libsdf/sdfc_internal.h"

#define SDFC_TX_COPY_MAX 4096u /* requests up to this size are copied into tx; larger ones written in place */
#define SDFC_EXTRA_PASSES 2u   /* token passes for the others once the holder's own call is done */
#define SDFC_GOT_MAX 64u       /* responses handed over per pass */
#define SDFC_CLOCK_PASSES 16u  /* token passes between two looks at the holder's deadline */

ccsp_err sdfc_conn_init(sdfc_conn *c, uint32_t timeout_ms, atomic_int *nup)
{
	memset(c, 0, sizeof *c);
	c->fd = -1;
	c->next_id = 1;
	c->timeout_ms = timeout_ms;
	c->nup = nup;
	c->rev = POLLIN;
	c->wev = POLLOUT;
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

static void wipe_free(uint8_t *p, size_t len)
{
	if (p != NULL) {
		ccsp_memzero(p, len); /* bodies carry keys and plaintext */
		free(p);
	}
}

/* The link's transfer state, wiped: when a link is installed and when it is reaped (nobody uses it then). */
static void link_reset(sdfc_conn *c)
{
	wipe_free(c->rx_body, c->rx_h.length);
	c->rx_body = NULL;
	c->rx_got = 0;
	c->rx_to = NULL;
	memset(&c->rx_h, 0, sizeof c->rx_h);
	if (c->rx != NULL)
		ccsp_memzero(c->rx, c->rx_len);
	c->rx_len = 0;
	if (c->tx != NULL)
		ccsp_memzero(c->tx, c->tx_len);
	c->tx_len = c->tx_off = 0;
	c->tx_direct = NULL;
	c->tx_busy = NULL;
	c->sq = c->sq_tail = c->txq = NULL;
	c->tok = c->rpoll = c->wpoll = c->rready = c->wblocked = 0;
	c->due = 0;
	c->rev = POLLIN;
	c->wev = POLLOUT;
}

/* Free the link of a failed connection once no thread uses it. */
static void conn_reap(sdfc_conn *c)
{
	if (c->state != SDFC_DOWN || c->refs != 0 || !sdfc_conn_linked(c))
		return;
	SSL_free(c->ssl);
	sdfc_tlcp_free(c->tl);
	(void)close(c->fd);
	c->ssl = NULL;
	c->tl = NULL;
	c->fd = -1;
	link_reset(c);
	pthread_cond_broadcast(&c->cv); /* a thread may be waiting to reconnect */
}

static void pending_complete(sdfc_pending *p)
{
	atomic_store(&p->done, 1);
	(void)sem_post(&p->sem);
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
	for (sdfc_pending *p = c->pending, *next; p != NULL; p = next) {
		next = p->next;
		p->next = NULL;
		p->err = CCSP_ERR_COMM;
		memcpy(p->why, why, sizeof why);
		pending_complete(p);
	}
	c->pending = NULL;
	/* their callers may return now: forget their frames (a token holder still writing one is waited for) */
	c->sq = c->sq_tail = c->txq = NULL;
	c->tx_direct = NULL;
	c->due = 0;
	(void)shutdown(c->fd, SHUT_RDWR); /* wakes the threads in poll() */
	pthread_cond_broadcast(&c->cv);
	conn_reap(c);
}

ccsp_err sdfc_conn_install(sdfc_conn *c, SSL *ssl, sdfc_tlcp *tl, int fd)
{
	if (c->tx == NULL)
		c->tx = malloc(SDFC_TX_SIZE);
	if (c->rx == NULL)
		c->rx = malloc(SDFC_RX_SIZE);
	if (c->tx == NULL || c->rx == NULL) {
		SSL_free(ssl);
		sdfc_tlcp_free(tl);
		(void)close(fd);
		c->state = SDFC_DOWN;
		pthread_cond_broadcast(&c->cv);
		return CCSP_ERR_NOMEM;
	}
	c->ssl = ssl;
	c->tl = tl;
	c->fd = fd;
	c->state = SDFC_HELLO;
	link_reset(c);
	return CCSP_OK;
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
	if (c->state == SDFC_UP && c->tl != NULL)
		sdfc_tlcp_close_notify(c->tl);
	if (c->state == SDFC_UP && c->ssl != NULL) {
		ERR_clear_error();
		(void)SSL_shutdown(c->ssl); /* close_notify, best effort: the socket is non-blocking */
		(void)BIO_flush(SSL_get_wbio(c->ssl));
		ERR_clear_error();
	}
	sdfc_conn_fail(c, "device closed");
	c->refs = 0; /* no thread may use c any more */
	conn_reap(c);
	pthread_mutex_unlock(&c->mu);
	link_reset(c);
	wipe_free(c->tx, SDFC_TX_SIZE);
	wipe_free(c->rx, SDFC_RX_SIZE);
	c->tx = c->rx = NULL;
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	pthread_condattr_destroy(&c->cattr);
}

/* ---- pending calls and the send queue ---- */

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

static void sq_push(sdfc_conn *c, sdfc_pending *p)
{
	p->sq_next = NULL;
	if (c->sq_tail != NULL)
		c->sq_tail->sq_next = p;
	else
		c->sq = p;
	c->sq_tail = p;
}

static void sq_pop(sdfc_conn *c)
{
	sdfc_pending *p = c->sq;
	c->sq = p->sq_next;
	if (c->sq == NULL)
		c->sq_tail = NULL;
	p->sq_next = NULL;
}

static int conn_live(const sdfc_conn *c)
{
	return c->state == SDFC_HELLO || c->state == SDFC_UP;
}

static int conn_has_write(const sdfc_conn *c)
{
	return !c->wblocked && (c->tx_len > 0 || c->tx_direct != NULL || c->sq != NULL);
}

static int conn_has_work(const sdfc_conn *c)
{
	return conn_live(c) && (c->rready || conn_has_write(c));
}

/* Take queued requests for writing once the previous batch is out: small ones copied together into tx, or a
 * large one at the head written in place. */
static void tx_fill(sdfc_conn *c)
{
	if (c->tx_len > 0 || c->tx_direct != NULL)
		return;
	while (c->sq != NULL) {
		sdfc_pending *p = c->sq;
		size_t rem = p->len - p->off;
		if (rem > SDFC_TX_COPY_MAX) {
			if (c->tx_len == 0)
				c->tx_direct = p;
			return;
		}
		if (rem > SDFC_TX_SIZE - c->tx_len)
			return;
		memcpy(c->tx + c->tx_len, p->frame + p->off, rem);
		c->tx_len += rem;
		p->off = p->len;
		sq_pop(c);
		p->sq_next = c->txq;
		c->txq = p;
	}
}

/* ---- one pass of TLS work (token held, mu released) ---- */

typedef struct io_got {
	ccsp_sdf_header h;
	uint8_t *body;
} io_got;

typedef struct io_pass {
	sdfc_pending *wake; /* out: calls completed, to be posted once mu is released */
	int write;           /* in: write wbuf (wlen bytes, maybe 0), then flush */
	const uint8_t *wbuf;
	size_t wlen;
	int read;            /* in: read what is there */
	size_t written;      /* out */
	int flushed;         /* out: all written is on the socket (the buffering BIO is empty) */
	short wev;           /* out: writing would block until these events (0: it did not) */
	short rev;           /* out: input is drained until these events (0: more may be there) */
	int failed;          /* out: the link failed, why says how */
	char why[SDFC_REASON_MAX];
	unsigned ngot;       /* out: complete responses, bodies malloc'd */
	io_got got[SDFC_GOT_MAX];
} io_pass;

static void pass_fail(io_pass *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void pass_fail(io_pass *ps, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(ps->why, sizeof ps->why, fmt, ap);
	va_end(ap);
	ps->failed = 1;
}

/* After SSL_read/SSL_write returned ret <= 0: the poll events to wait for, or 0 once the link failed. */
static short tls_want(SSL *ssl, int ret, const char *what, io_pass *ps)
{
	int saved = errno; /* before anything else can change it */
	int e = SSL_get_error(ssl, ret);
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
	pass_fail(ps, "%s: %s", what, why);
	ERR_clear_error();
	return 0;
}

static void tlcp_write(sdfc_conn *c, io_pass *ps)
{
	char why[SDFC_REASON_MAX - 32];
	int r = sdfc_tlcp_send(c->tl, ps->wbuf, ps->wlen, &ps->written, &ps->wev, why, sizeof why);
	if (r > 0)
		ps->flushed = 1;
	else if (r < 0)
		pass_fail(ps, "sending to the VSM: %s", why);
}

static void tls_write(sdfc_conn *c, io_pass *ps)
{
	size_t off = 0;
	if (c->tl != NULL) {
		tlcp_write(c, ps);
		return;
	}
	for (unsigned i = 0; i < SDFC_LOOP_MAX && off < ps->wlen; i++) {
		size_t chunk = ps->wlen - off < INT_MAX ? ps->wlen - off : INT_MAX;
		ERR_clear_error();
		errno = 0;
		int n = SSL_write(c->ssl, ps->wbuf + off, (int)chunk);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		ps->wev = tls_want(c->ssl, n, "sending to the VSM", ps);
		break;
	}
	ps->written = off;
	if (off < ps->wlen)
		return;
	BIO *w = SSL_get_wbio(c->ssl);
	if (BIO_wpending(w) == 0 || BIO_flush(w) > 0)
		ps->flushed = 1;
	else if (BIO_should_retry(w))
		ps->wev = POLLOUT;
	else
		pass_fail(ps, "sending to the VSM: %s", "connection closed by the VSM");
}

/* Cut the complete responses out of rx; a response whose body is not all there yet continues in rx_body. */
static void rx_frame(sdfc_conn *c, io_pass *ps)
{
	size_t pos = 0;
	while (c->rx_len - pos >= CCSP_SDF_HEADER_SIZE && ps->ngot < SDFC_GOT_MAX) {
		ccsp_sdf_header h;
		uint8_t *body = NULL;
		if (ccsp_sdf_header_decode(c->rx + pos, &h) != CCSP_OK || h.type != CCSP_SDF_RESPONSE) {
			pass_fail(ps, "malformed frame from the VSM");
			break;
		}
		if (h.status != 0 && h.length != 0) {
			pass_fail(ps, "malformed frame from the VSM: error response with a body");
			break;
		}
		if (h.length > 0 && (body = malloc(h.length)) == NULL) {
			pass_fail(ps, "out of memory for a %u-byte response", (unsigned)h.length);
			break;
		}
		size_t avail = c->rx_len - pos - CCSP_SDF_HEADER_SIZE;
		if (avail >= h.length) {
			if (h.length > 0)
				memcpy(body, c->rx + pos + CCSP_SDF_HEADER_SIZE, h.length);
			pos += CCSP_SDF_HEADER_SIZE + h.length;
			ps->got[ps->ngot].h = h;
			ps->got[ps->ngot++].body = body;
			continue;
		}
		memcpy(body, c->rx + pos + CCSP_SDF_HEADER_SIZE, avail);
		c->rx_h = h;
		c->rx_body = body;
		c->rx_got = avail;
		pos = c->rx_len;
	}
	memmove(c->rx, c->rx + pos, c->rx_len - pos);
	ccsp_memzero(c->rx + (c->rx_len - pos), pos);
	c->rx_len -= pos;
}

/* Bytes read into dst (> 0), or 0 with ps->rev set or the pass failed. */
static int link_read(sdfc_conn *c, uint8_t *dst, size_t want, io_pass *ps)
{
	if (c->tl != NULL) {
		char why[SDFC_REASON_MAX - 32];
		int n = sdfc_tlcp_recv(c->tl, dst, want, &ps->rev, why, sizeof why);
		if (n < 0)
			pass_fail(ps, "receiving from the VSM: %s", why);
		return n > 0 ? n : 0;
	}
	ERR_clear_error();
	errno = 0;
	int n = SSL_read(c->ssl, dst, (int)want);
	if (n <= 0)
		ps->rev = tls_want(c->ssl, n, "receiving from the VSM", ps);
	return n > 0 ? n : 0;
}

/* Nothing more to read without waiting. */
static int link_drained(const sdfc_conn *c)
{
	if (c->tl != NULL)
		return sdfc_tlcp_drained(c->tl);
	return !SSL_has_pending(c->ssl) && sdfc_tls_drained(c->ssl);
}

/* Read until the socket and OpenSSL's buffer are drained (ps->rev set), or SDFC_GOT_MAX responses are in. */
static void tls_read(sdfc_conn *c, io_pass *ps)
{
	for (unsigned i = 0; i < SDFC_LOOP_MAX; i++) {
		if (c->rx_body == NULL)
			rx_frame(c, ps);
		if (ps->failed || ps->ngot == SDFC_GOT_MAX)
			return;
		int body = c->rx_body != NULL;
		uint8_t *dst = body ? c->rx_body + c->rx_got : c->rx + c->rx_len;
		size_t want = body ? c->rx_h.length - c->rx_got : SDFC_RX_SIZE - c->rx_len; /* > 0, <= 4 MiB */
		int n = link_read(c, dst, want, ps);
		if (n <= 0)
			return;
		if (!body) {
			c->rx_len += (size_t)n;
		} else if ((c->rx_got += (size_t)n) == c->rx_h.length) {
			ps->got[ps->ngot].h = c->rx_h;
			ps->got[ps->ngot++].body = c->rx_body;
			c->rx_body = NULL;
			c->rx_got = 0;
			/* hand a large body over before allocating the next: a burst of them in one malloc arena makes
			 * glibc give the memory back and fault it in again (measured: a quarter more client CPU per
			 * 64 KiB call) */
			ps->rev = link_drained(c) ? POLLIN : 0;
			return;
		}
		if (link_drained(c)) {
			if (c->rx_body == NULL)
				rx_frame(c, ps);
			ps->rev = ps->ngot < SDFC_GOT_MAX ? POLLIN : 0; /* when full, complete frames may be left */
			return;
		}
	}
}

static void pass_free(io_pass *ps)
{
	for (unsigned i = 0; i < ps->ngot; i++)
		wipe_free(ps->got[i].body, ps->got[i].h.length);
	ps->ngot = 0;
}

/* mu held: hand the responses of a pass to their callers. */
static void pass_deliver(sdfc_conn *c, io_pass *ps)
{
	for (unsigned i = 0; i < ps->ngot; i++) {
		io_got *g = &ps->got[i];
		sdfc_pending *p = conn_find(c, g->h.request);
		if (p == NULL || p->opcode != g->h.opcode) {
			sdfc_conn_fail(c, "response to no request in flight (id %u, opcode 0x%x)", (unsigned)g->h.request,
			               (unsigned)g->h.opcode);
			break;
		}
		conn_unlink(c, p);
		c->due--; /* a response comes only once the whole request is in */
		p->h = g->h;
		p->body = g->body;
		p->err = CCSP_OK;
		g->body = NULL;
		/* posted after mu is released (no waking thread then blocks on mu); until then p must outlive a
		 * spurious wake-up of its caller, which waits for posting to drop to 0 */
		atomic_fetch_add(&p->posting, 1);
		atomic_store(&p->done, 1);
		p->next = ps->wake;
		ps->wake = p;
	}
	pass_free(ps);
}

/* mu released: post the callers that pass_deliver completed. p may be gone once posting is 0. */
static void pass_wake(sdfc_pending *p)
{
	while (p != NULL) {
		sdfc_pending *next = p->next;
		(void)sem_post(&p->sem);
		atomic_fetch_sub(&p->posting, 1);
		p = next;
	}
}

/* mu held, same link: account for what a pass did. */
static void pass_apply(sdfc_conn *c, io_pass *ps)
{
	if (ps->write) {
		sdfc_pending *d = c->tx_direct;
		if (d != NULL) {
			d->off += ps->written;
			if (d->off == d->len && ps->flushed) {
				d->sent = 1;
				c->due++;
				sq_pop(c);
				c->tx_direct = NULL;
			}
		} else if ((c->tx_off += ps->written) == c->tx_len && ps->flushed) {
			ccsp_memzero(c->tx, c->tx_len);
			c->tx_len = c->tx_off = 0;
			for (sdfc_pending *p = c->txq; p != NULL; p = p->sq_next) {
				p->sent = 1;
				c->due++;
			}
			c->txq = NULL;
		}
		if (ps->wev != 0) {
			c->wblocked = 1;
			c->wev = ps->wev;
		}
	}
	if (ps->read) {
		c->rready = ps->rev == 0;
		if (ps->rev != 0)
			c->rev = ps->rev;
	}
	pass_deliver(c, ps);
	if (ps->failed)
		sdfc_conn_fail(c, "%s", ps->why);
}

/* mu held, work to do and nobody holding the token: take it and work while there is work (once me is done,
 * for at most SDFC_EXTRA_PASSES more passes). mu is held again on return and the token released. */
static void conn_work(sdfc_conn *c, sdfc_pending *me, const struct timespec *dl)
{
	uint64_t gen = c->gen;
	unsigned extra = 0;
	io_pass pass, *ps = &pass;
	c->tok = 1;
	c->refs++;
	for (unsigned i = 0; i < SDFC_LOOP_MAX && conn_live(c); i++) {
		if (i % SDFC_CLOCK_PASSES == SDFC_CLOCK_PASSES - 1 && sdfc_ms_left(dl) == 0) {
			sdfc_conn_fail(c, "no answer from the VSM within %u ms", c->timeout_ms);
			break;
		}
		if (!c->wblocked)
			tx_fill(c);
		int wr = conn_has_write(c) && (c->tx_len > 0 || c->tx_direct != NULL), rd = c->rready;
		if ((!wr && !rd) || (atomic_load(&me->done) && extra++ >= SDFC_EXTRA_PASSES))
			break;
		memset(ps, 0, offsetof(io_pass, got));
		if (wr && c->tx_direct != NULL) {
			ps->wbuf = c->tx_direct->frame + c->tx_direct->off;
			ps->wlen = c->tx_direct->len - c->tx_direct->off;
			c->tx_busy = c->tx_direct;
		} else if (wr) {
			ps->wbuf = c->tx + c->tx_off;
			ps->wlen = c->tx_len - c->tx_off;
		}
		ps->write = wr;
		ps->read = rd;
		pthread_mutex_unlock(&c->mu);
		if (ps->write)
			tls_write(c, ps);
		if (ps->read && !ps->failed)
			tls_read(c, ps);
		pthread_mutex_lock(&c->mu);
		c->tx_busy = NULL;
		if (c->gen != gen) {
			pass_free(ps);
			break;
		}
		pass_apply(c, ps);
		if (ps->wake != NULL) {
			pthread_mutex_unlock(&c->mu);
			pass_wake(ps->wake);
			pthread_mutex_lock(&c->mu);
		}
	}
	c->tok = 0;
	c->refs--;
	if (c->tok_waiters > 0)
		pthread_cond_broadcast(&c->cv);
	if (c->gen != gen)
		conn_reap(c);
}

/* ---- waiting ---- */

/* mu held: wait in poll() with mu released, for input (rpoll) or for room to write (wpoll). */
static void conn_poll_role(sdfc_conn *c, int input, const struct timespec *dl)
{
	uint64_t gen = c->gen;
	int fd = c->fd, *role = input ? &c->rpoll : &c->wpoll, r, e;
	char ebuf[128];
	*role = 1;
	c->refs++;
	pthread_mutex_unlock(&c->mu);
	r = sdfc_wait_fd(fd, input ? c->rev : c->wev, dl);
	e = errno;
	pthread_mutex_lock(&c->mu);
	*role = 0;
	c->refs--;
	if (c->gen != gen) {
		conn_reap(c);
		return;
	}
	if (r == 0)
		sdfc_conn_fail(c, "no answer from the VSM within %u ms", c->timeout_ms);
	else if (r < 0)
		sdfc_conn_fail(c, "poll: %s", sdfc_strerror(e, ebuf, sizeof ebuf));
	else if (input) {
		c->rready = 1;
		c->rev = POLLIN;
	} else {
		c->wblocked = 0;
		c->wev = POLLOUT;
	}
}

static void hand(sdfc_pending *q)
{
	q->handed = 1;
	q->waiting = 0;
	(void)sem_post(&q->sem);
}

/* mu held: wake sleepers to take the roles that are needed and free (one for wpoll, one for the rest). */
static void conn_handoff(sdfc_conn *c)
{
	int wpoll = conn_live(c) && c->wblocked && !c->wpoll;
	int other = (!c->tok && conn_has_work(c)) || (conn_live(c) && !c->rpoll && !c->rready && c->due > 0);
	if (!wpoll && !other)
		return;
	sdfc_pending *unsent = NULL, *any = NULL;
	for (sdfc_pending *q = c->pending; q != NULL; q = q->next) {
		if (!q->waiting)
			continue;
		if (unsent == NULL && !q->sent)
			unsent = q;
		else if (any == NULL)
			any = q;
	}
	if (wpoll && unsent != NULL)
		hand(unsent);
	else if (any == NULL)
		any = unsent;
	if (other && any != NULL)
		hand(any);
}

/* mu held: sleep until p is done or handed a role. 1 when p is done with its response and the caller may
 * return at once (mu released); 0 with mu held. */
static int conn_sleep(sdfc_conn *c, sdfc_pending *p, const struct timespec *dl)
{
	int rc;
	conn_handoff(c); /* a role this thread may not take (wpoll once its request is sent) */
	p->waiting = 1;
	pthread_mutex_unlock(&c->mu);
	do
		rc = sem_clockwait(&p->sem, CLOCK_MONOTONIC, dl);
	while (rc != 0 && errno == EINTR);
	/* done and err are set, and handed too if it ever was, before done is */
	if (atomic_load(&p->done) && p->err == CCSP_OK && !p->handed)
		return 1;
	pthread_mutex_lock(&c->mu);
	p->waiting = 0;
	if (rc != 0 && !atomic_load(&p->done))
		sdfc_conn_fail(c, "no answer from the VSM within %u ms", c->timeout_ms);
	return 0;
}

/* mu held on entry, released on return: take roles or sleep until p is done. */
static void conn_run(sdfc_conn *c, sdfc_pending *p, const struct timespec *dl)
{
	for (unsigned i = 0; i < SDFC_LOOP_MAX && !atomic_load(&p->done); i++) {
		p->handed = 0;
		if (!c->tok && conn_has_work(c))
			conn_work(c, p, dl);
		else if (conn_live(c) && c->wblocked && !c->wpoll && !p->sent)
			conn_poll_role(c, 0, dl);
		else if (conn_live(c) && !c->rpoll && !c->rready && c->due > 0)
			conn_poll_role(c, 1, dl);
		else if (conn_sleep(c, p, dl))
			return;
	}
	if (!atomic_load(&p->done))
		sdfc_conn_fail(c, "waiting does not progress");
	/* the caller frees its frame after this: wait until the token holder no longer writes from it */
	for (unsigned i = 0; i < SDFC_LOOP_MAX && c->tx_busy == p; i++) {
		c->tok_waiters++;
		pthread_cond_wait(&c->cv, &c->mu);
		c->tok_waiters--;
	}
	conn_handoff(c);
	pthread_mutex_unlock(&c->mu);
}

ccsp_err sdfc_conn_roundtrip(sdfc_conn *c, ccsp_sdf_header *h, uint8_t *frame, size_t len,
                             const struct timespec *dl, sdfc_pending *p)
{
	memset(p, 0, sizeof *p);
	atomic_init(&p->done, 0);
	atomic_init(&p->posting, 0);
	if (sem_init(&p->sem, 0, 0) != 0) {
		pthread_mutex_unlock(&c->mu);
		return sdfc_fail(CCSP_ERR_NOMEM, "cannot create a semaphore");
	}
	p->id = conn_new_id(c);
	p->opcode = h->opcode;
	h->request = p->id;
	ccsp_sdf_header_encode(h, frame);
	p->frame = frame;
	p->len = len;
	p->next = c->pending;
	c->pending = p;
	sq_push(c, p);
	conn_run(c, p, dl);
	for (unsigned i = 0; i < SDFC_LOOP_MAX && atomic_load(&p->posting) != 0; i++)
		sched_yield(); /* the thread that completed p is between its post and letting go of p */
	(void)sem_destroy(&p->sem);
	return p->err == CCSP_OK ? CCSP_OK : sdfc_fail(p->err, "%s", p->why);
}

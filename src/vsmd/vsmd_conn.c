/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One connection (loop thread): frames in, requests to the workers, answers out, flow control, close.
 *
 * Reading is enabled exactly when the connection may take another frame (conn_can_take); the frames already
 * buffered are consumed by vsmd_conn_process, which every event that may free capacity calls again (an
 * answer completing, the output draining, room in the worker queue). Answers are queued without copying and
 * written together once the loop iteration's events are handled (vsmd_io.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ccsp/mem.h>
#include <ccsp/sdf.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "sdf/sdf_ops.h"
#include "vsmd_net_internal.h"

static void wipe_free(void *p, size_t len)
{
	if (p != NULL) {
		ccsp_memzero(p, len);
		free(p);
	}
}

static void wipe_free_ref(const void *data, size_t len, void *extra)
{
	(void)extra;
	wipe_free((void *)(uintptr_t)data, len);
}

static void set_timeout(struct timeval *tv, unsigned ms)
{
	tv->tv_sec = ms / 1000u;
	tv->tv_usec = (suseconds_t)(ms % 1000u) * 1000;
}

static void conn_unblock(vsmd_conn *c)
{
	vsmd_net *n = c->net;
	if (!c->blocked)
		return;
	vsmd_conn **pp = &n->blocked_head, *prev = NULL;
	while (*pp != c) {
		prev = *pp;
		pp = &(*pp)->blocked_next;
	}
	*pp = c->blocked_next;
	if (n->blocked_tail == c)
		n->blocked_tail = prev;
	c->blocked_next = NULL;
	c->blocked = 0;
	vsmd_conn_unref(c); /* the list's reference; the caller holds another */
}

/* Wait for room in the worker queue (FIFO; the list holds a reference). */
static void conn_block(vsmd_conn *c)
{
	vsmd_net *n = c->net;
	if (c->blocked)
		return;
	vsmd_conn_ref(c);
	c->blocked = 1;
	c->blocked_next = NULL;
	if (n->blocked_tail != NULL)
		n->blocked_tail->blocked_next = c;
	else
		n->blocked_head = c;
	n->blocked_tail = c;
}

void vsmd_conn_resume_blocked(vsmd_net *n)
{
	while (n->blocked_head != NULL && n->outstanding < n->queue_cap) {
		vsmd_conn *c = n->blocked_head;
		n->blocked_head = c->blocked_next;
		if (n->blocked_head == NULL)
			n->blocked_tail = NULL;
		c->blocked = 0;
		c->blocked_next = NULL;
		vsmd_conn_process(c); /* may block it again */
		vsmd_conn_unref(c);
	}
}

void vsmd_conn_ref(vsmd_conn *c)
{
	c->refs++;
}

static void conn_destroy(vsmd_conn *c)
{
	vsmd_net *n = c->net;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		n->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	n->n_conns--;
	if (c->admin)
		n->n_admin--;
	else
		n->n_tls--;
	vsmd_owner_release(n, c);
	if (c->deadline != NULL)
		event_free(c->deadline);
	free(c);
	vsmd_net_check_done(n);
}

void vsmd_conn_unref(vsmd_conn *c)
{
	if (--c->refs == 0)
		conn_destroy(c);
}

/* Close the socket now; the object lives on while jobs refer to it. Idempotent. */
void vsmd_conn_close(vsmd_conn *c)
{
	if (c->fd < 0)
		return;
	c->closing = 1;
	conn_unblock(c);
	(void)event_del(c->deadline);
	if (c->idle != NULL)
		event_free(c->idle);
	c->idle = NULL;
	vsmd_io_close(c);
	vsmd_conn_unref(c); /* the open reference */
}

/* Stop reading, flush what is queued for the peer (at most VSMD_LINGER_MS), then close. */
void vsmd_conn_close_soon(vsmd_conn *c)
{
	if (c->fd < 0 || c->closing)
		return;
	c->closing = 1;
	conn_unblock(c);
	vsmd_io_set_reading(c, 0);
	if (vsmd_io_unsent(c) == 0) {
		vsmd_conn_close(c);
		return;
	}
	vsmd_io_flush_soon(c); /* vsmd_conn_on_output closes it once all is sent */
	struct timeval tv;
	set_timeout(&tv, VSMD_LINGER_MS);
	(void)event_add(c->deadline, &tv);
}

void vsmd_conn_drain(vsmd_conn *c)
{
	if (c->fd < 0 || c->closing)
		return;
	if (c->inflight == 0 && c->state != VSMD_CONN_HELLO_PENDING)
		vsmd_conn_close_soon(c);
	else
		vsmd_io_set_reading(c, 0); /* the last answer closes it */
}

/* Queue a frame (malloc'd, ownership taken) without copying it; it is wiped once sent. */
void vsmd_conn_send(vsmd_conn *c, uint8_t *frame, size_t len)
{
	if (c->fd < 0) {
		wipe_free(frame, len);
		return;
	}
	c->last_ms = vsmd_now_ms();
	if (vsmd_io_unsent(c) == 0)
		c->out_ms = c->last_ms;
	if (evbuffer_add_reference(c->out, frame, len, wipe_free_ref, NULL) != 0) {
		wipe_free(frame, len);
		vsmd_conn_close(c); /* an answer cannot be dropped silently: the client would wait forever */
		return;
	}
	vsmd_io_flush_soon(c);
}

void vsmd_conn_send_status(vsmd_conn *c, const ccsp_sdf_header *req, uint32_t status)
{
	ccsp_sdf_header h = {CCSP_SDF_WIRE_VERSION, CCSP_SDF_RESPONSE, req->opcode, req->request, req->session,
	                     status, 0};
	uint8_t *frame = malloc(CCSP_SDF_HEADER_SIZE);
	if (frame == NULL) {
		vsmd_conn_close(c);
		return;
	}
	ccsp_sdf_header_encode(&h, frame);
	vsmd_conn_send(c, frame, CCSP_SDF_HEADER_SIZE);
}

/* Every idle_timeout_ms: not idle while requests run (a long operation is not the client's silence), nor when
 * a frame came or an answer went out within the period. So an idle connection goes after idle_timeout_ms to
 * twice that; one whose peer reads nothing of its answers for idle_timeout_ms goes too. */
static void idle_cb(evutil_socket_t fd, short what, void *arg)
{
	vsmd_conn *c = arg;
	uint64_t now = vsmd_now_ms(), limit = c->net->cfg.idle_timeout_ms;
	(void)fd;
	(void)what;
	if (c->fd < 0 || c->closing)
		return;
	if ((vsmd_io_unsent(c) > 0 && now - c->out_ms >= limit) || (c->inflight == 0 && now - c->last_ms >= limit))
		vsmd_conn_close(c);
}

void vsmd_conn_set_ready(vsmd_conn *c, uint64_t owner)
{
	c->owner = owner;
	c->state = VSMD_CONN_READY;
	(void)event_del(c->deadline);
	if (c->net->cfg.idle_timeout_ms != 0 && c->idle == NULL) {
		struct timeval tv;
		set_timeout(&tv, c->net->cfg.idle_timeout_ms);
		c->idle = event_new(c->net->base, -1, EV_PERSIST, idle_cb, c);
		if (c->idle == NULL || event_add(c->idle, &tv) != 0)
			vsmd_conn_close_soon(c); /* no connection without its timeout */
	}
}

static int conn_can_take(vsmd_conn *c)
{
	vsmd_net *n = c->net;
	if (c->fd < 0 || c->closing || n->draining || c->state == VSMD_CONN_HELLO_PENDING)
		return 0;
	if (c->inflight >= n->cfg.max_inflight || c->inflight_bytes >= VSMD_INFLIGHT_BYTES)
		return 0;
	if (vsmd_io_unsent(c) > VSMD_OUT_LIMIT)
		return 0;
	if (n->outstanding >= n->queue_cap) {
		conn_block(c);
		return 0;
	}
	return 1;
}

/* 1: a whole frame was taken (*body malloc'd, NULL when empty); 0: not all there yet; -1: not a request. */
static int conn_read_frame(vsmd_conn *c, ccsp_sdf_header *h, uint8_t **body)
{
	struct evbuffer *in = c->in;
	uint8_t hdr[CCSP_SDF_HEADER_SIZE];
	size_t avail = evbuffer_get_length(in);
	*body = NULL;
	if (avail < CCSP_SDF_HEADER_SIZE)
		return 0;
	if (evbuffer_copyout(in, hdr, sizeof hdr) != (ev_ssize_t)sizeof hdr)
		return -1;
	if (ccsp_sdf_header_decode(hdr, h) != CCSP_OK || h->type != CCSP_SDF_REQUEST)
		return -1;
	if (avail - CCSP_SDF_HEADER_SIZE < h->length)
		return 0;
	(void)evbuffer_drain(in, CCSP_SDF_HEADER_SIZE);
	c->last_ms = vsmd_now_ms();
	if (h->length == 0)
		return 1;
	*body = malloc(h->length);
	if (*body == NULL)
		return -1;
	if (evbuffer_remove(in, *body, h->length) != (int)h->length) {
		wipe_free(*body, h->length);
		*body = NULL;
		return -1;
	}
	return 1;
}

static void conn_submit(vsmd_conn *c, const ccsp_sdf_header *h, uint8_t *body)
{
	vsmd_job *job = calloc(1, sizeof *job);
	if (job == NULL) {
		wipe_free(body, h->length);
		vsmd_conn_send_status(c, h, SDR_NOBUFFER);
		return;
	}
	job->kind = VSMD_JOB_REQUEST;
	job->conn = c;
	job->owner = c->owner;
	job->admin = c->admin;
	job->h = *h;
	job->body = body;
	job->body_len = h->length;
	vsmd_conn_ref(c);
	c->inflight++;
	c->inflight_bytes += h->length;
	vsmd_workers_submit(c->net, job);
}

static void conn_handle_frame(vsmd_conn *c, const ccsp_sdf_header *h, uint8_t *body)
{
	if (c->state == VSMD_CONN_HELLO_WAIT) {
		vsmd_auth_hello(c, h, body);
	} else if (h->opcode == CCSP_SDF_OP_HELLO) {
		wipe_free(body, h->length);
		vsmd_conn_send_status(c, h, SDR_INARGERR);
	} else {
		conn_submit(c, h, body);
	}
}

void vsmd_conn_process(vsmd_conn *c)
{
	int take;
	vsmd_conn_ref(c); /* closing inside must not free c under us */
	while ((take = conn_can_take(c)) != 0) {
		ccsp_sdf_header h;
		uint8_t *body;
		int r = conn_read_frame(c, &h, &body);
		if (r < 0)
			vsmd_conn_close(c);
		if (r <= 0)
			break;
		conn_handle_frame(c, &h, body);
	}
	if (c->fd >= 0 && !c->closing)
		vsmd_io_set_reading(c, take);
	vsmd_conn_unref(c);
}

void vsmd_conn_request_done(vsmd_conn *c, vsmd_job *job)
{
	c->inflight--;
	c->inflight_bytes -= job->body_len;
	if (job->resp != NULL) {
		vsmd_conn_send(c, job->resp, job->resp_len);
		job->resp = NULL;
	} else {
		vsmd_conn_close(c);
	}
	if (c->net->draining) {
		if (c->inflight == 0)
			vsmd_conn_close_soon(c);
	} else {
		vsmd_conn_process(c);
	}
}

void vsmd_conn_on_input(vsmd_conn *c)
{
	vsmd_conn_process(c);
}

void vsmd_conn_on_output(vsmd_conn *c)
{
	if (!c->closing)
		vsmd_conn_process(c);
	else if (vsmd_io_unsent(c) == 0)
		vsmd_conn_close(c);
}

static void deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	vsmd_conn_close(arg);
}

vsmd_conn *vsmd_conn_new(vsmd_net *n, int fd, SSL *ssl, vsmd_tlcp *tl, int admin, const char *peer)
{
	vsmd_conn *c = calloc(1, sizeof *c);
	if (c == NULL || (c->deadline = evtimer_new(n->base, deadline_cb, c)) == NULL) {
		free(c);
		SSL_free(ssl);
		vsmd_tlcp_free(tl);
		(void)close(fd);
		return NULL;
	}
	c->net = n;
	c->admin = admin;
	c->refs = 1;
	c->last_ms = vsmd_now_ms();
	(void)snprintf(c->peer, sizeof c->peer, "%s", peer);
	c->next = n->conns;
	if (n->conns != NULL)
		n->conns->prev = c;
	n->conns = c;
	n->n_conns++;
	if (admin)
		n->n_admin++;
	else
		n->n_tls++;
	if (vsmd_io_open(c, fd, ssl, tl) != CCSP_OK) {
		vsmd_conn_close(c); /* frees the link and, with the open reference, c */
		return NULL;
	}
	if (admin) {
		vsmd_conn_set_ready(c, vsmd_owner_next());
	} else if (n->cfg.handshake_timeout_ms != 0) {
		struct timeval tv;
		set_timeout(&tv, n->cfg.handshake_timeout_ms);
		(void)event_add(c->deadline, &tv);
	}
	return c;
}

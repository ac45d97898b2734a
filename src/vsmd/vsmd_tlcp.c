/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A TLCP link (GB/T 38636, src/tlcp/tlcp_conn.h) under vsmd's byte stream: what vsmd_io.c does with SSL for a TLS
 * listener, it does with these functions for a TLCP one. The connection object never touches the socket; here the
 * socket is read straight into the connection's input buffer, where the records are decrypted in place (one recv
 * takes up to 64 KiB, as OpenSSL's read-ahead does for TLS), and protected records gather in the object's output until VSMD_TLCP_WRITE_BUFFER bytes or a
 * flush, so a batch of answers leaves in one send.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <ccsp/mem.h>

#include <event2/buffer.h>

#include "common/tlcp_pem.h"
#include "tlcp_conn.h"
#include "vsmd_net_internal.h"

#define VSMD_TLCP_WRITE_BUFFER (64u << 10)        /* records gathered before a send */
#define VSMD_TLCP_CHUNK 16384u                     /* plaintext protected per record */
#define VSMD_TLCP_LOOP_MAX (1u << 20)

struct vsmd_tlcp {
	ccsp_tlcp_conn *conn;
	int fd;
	int idle;            /* everything received is read and the last recv found the socket drained */
};

/* ---- configuration from PEM files (common/tlcp_pem.c) ---- */

ccsp_err vsmd_tlcp_context(vsmd_net *n)
{
	const vsmd_net_config *c = &n->cfg;
	ccsp_tlcp_pem_server ps = {.sign_cert = c->tlcp_sign_cert, .sign_key = c->tlcp_sign_key,
	                           .enc_cert = c->tlcp_enc_cert, .enc_key = c->tlcp_enc_key,
	                           .ca_file = c->tlcp_ca_file, .verify = c->tlcp_verify};
	return ccsp_tlcp_pem_server_config(&ps, &n->tlcp_cfg);
}

/* ---- a link ---- */

vsmd_tlcp *vsmd_tlcp_new(ccsp_tlcp_config *cfg, int fd)
{
	vsmd_tlcp *t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	t->fd = fd;
	t->conn = ccsp_tlcp_conn_new(cfg, 1);
	if (t->conn == NULL) {
		vsmd_tlcp_free(t);
		return NULL;
	}
	return t;
}

void vsmd_tlcp_free(vsmd_tlcp *t)
{
	if (t == NULL)
		return;
	ccsp_tlcp_conn_free(t->conn);
	free(t);
}

size_t vsmd_tlcp_unsent(const vsmd_tlcp *t)
{
	const uint8_t *p;
	size_t len;
	ccsp_tlcp_conn_out(t->conn, &p, &len);
	return len;
}

int vsmd_tlcp_flush(vsmd_tlcp *t)
{
	const uint8_t *p;
	size_t len, done = 0;
	int rc = 1;
	ccsp_tlcp_conn_out(t->conn, &p, &len);
	for (unsigned i = 0; i < VSMD_TLCP_LOOP_MAX && done < len; i++) {
		ssize_t n = send(t->fd, p + done, len - done, MSG_NOSIGNAL);
		if (n > 0) {
			done += (size_t)n;
		} else if (n < 0 && errno != EINTR) {
			rc = errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
			break;
		}
	}
	if (done > 0) /* never with 0: out_consume memmoves from a NULL buffer before the first output */
		ccsp_tlcp_conn_out_consume(t->conn, done);
	return done < len && rc == 1 ? 0 : rc;
}

/* The next received bytes into the connection, without a copy: 1 some came, 0 none there (the socket is drained), -1
 * EOF or an error. */
static int link_fill(vsmd_tlcp *t)
{
	uint8_t *p;
	size_t cap;
	ssize_t n;
	ccsp_tlcp_conn_in_space(t->conn, &p, &cap);
	if (cap == 0)
		return -1; /* failed, or a full input buffer that gives nothing: the connection is stuck */
	do
		n = recv(t->fd, p, cap, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
	return ccsp_tlcp_conn_in_commit(t->conn, (size_t)n) == CCSP_OK ? 1 : -1;
}

int vsmd_tlcp_handshake(vsmd_tlcp *t, short *ev)
{
	for (unsigned i = 0; i < VSMD_TLCP_LOOP_MAX; i++) {
		int done = 0;
		ccsp_err err = ccsp_tlcp_conn_handshake(t->conn, &done);
		int f = vsmd_tlcp_flush(t); /* also the alert of a refusal, best effort */
		if (err != CCSP_OK || f < 0)
			return -1;
		if (done)
			return 1; /* the rest of our last flight, if the socket was full, goes with the next flush */
		if (f == 0) {
			*ev = EV_WRITE;
			return 0;
		}
		int r = link_fill(t);
		if (r < 0)
			return -1;
		if (r == 0) {
			*ev = EV_READ;
			return 0;
		}
	}
	return -1;
}

/* A refusal leaves its alert in the output: send it, best effort. */
static int link_failed(vsmd_tlcp *t)
{
	(void)vsmd_tlcp_flush(t);
	return VSMD_IO_ERR;
}

int vsmd_tlcp_recv(vsmd_tlcp *t, uint8_t *buf, size_t len, short *ev)
{
	size_t got = 0;
	*ev = EV_READ;
	t->idle = 0;
	for (unsigned i = 0; i < VSMD_TLCP_LOOP_MAX; i++) {
		size_t n = 0;
		if (ccsp_tlcp_conn_read(t->conn, buf + got, len - got, &n) != CCSP_OK)
			return link_failed(t);
		got += n;
		if (got == len)
			return (int)got; /* more may be there: not idle */
		if (n > 0)
			continue;
		if (ccsp_tlcp_conn_state(t->conn) == CCSP_TLCP_STATE_PEER_CLOSED)
			return got > 0 ? (int)got : VSMD_IO_EOF;
		int r = link_fill(t);
		if (r < 0)
			return got > 0 ? (int)got : ccsp_tlcp_conn_state(t->conn) == CCSP_TLCP_STATE_FAILED ? link_failed(t)
			                                                                                  : VSMD_IO_EOF;
		if (r == 0)
			break;
	}
	t->idle = 1;
	return got > 0 ? (int)got : VSMD_IO_BLOCKED;
}

int vsmd_tlcp_drained(const vsmd_tlcp *t)
{
	return t->idle;
}

int vsmd_tlcp_pending(const vsmd_tlcp *t)
{
	return !t->idle;
}

int vsmd_tlcp_send(vsmd_tlcp *t, const struct evbuffer_iovec *v, int nv, short *ev)
{
	size_t total = 0;
	*ev = EV_WRITE;
	for (int i = 0; i < nv; i++) {
		const uint8_t *p = v[i].iov_base;
		for (size_t off = 0; off < v[i].iov_len;) {
			if (vsmd_tlcp_unsent(t) >= VSMD_TLCP_WRITE_BUFFER) {
				int f = vsmd_tlcp_flush(t);
				if (f < 0)
					return VSMD_IO_ERR;
				if (f == 0)
					return total > 0 ? (int)total : VSMD_IO_BLOCKED;
			}
			size_t chunk = v[i].iov_len - off < VSMD_TLCP_CHUNK ? v[i].iov_len - off : VSMD_TLCP_CHUNK;
			if (ccsp_tlcp_conn_write(t->conn, p + off, chunk) != CCSP_OK)
				return VSMD_IO_ERR;
			off += chunk;
			total += chunk;
			if (total >= (1u << 30))
				return (int)total;
		}
	}
	return (int)total;
}

void vsmd_tlcp_close_notify(vsmd_tlcp *t)
{
	if (ccsp_tlcp_conn_close(t->conn) == CCSP_OK)
		(void)vsmd_tlcp_flush(t);
}

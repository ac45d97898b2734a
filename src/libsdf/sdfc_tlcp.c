/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libsdf over TLCP (GB/T 38636; src/tlcp/tlcp_conn.h): the configuration from sdf.conf's files, the connection
 * set-up (TCP as sdfc_tls.c makes it, then the TLCP handshake, every wait a poll() bounded by the call's deadline)
 * and the link's reads and writes for sdfc_pipe.c, which calls them where it calls SSL_read / SSL_write for TLS.
 * As there, received bytes are read ahead (one recv takes up to 64 KiB, straight into the connection's input buffer,
 * where the records are decrypted in place) and protected records gather
 * until SDFC_TLS_WRITE_BUFFER bytes or the end of a batch, then leave in one send.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ccsp/mem.h>

#include "common/tlcp_pem.h"
#include "libsdf/sdfc_internal.h"
#include "tlcp_conn.h"

#define TLCP_CHUNK 16384u        /* plaintext per record */

struct sdfc_tlcp {
	ccsp_tlcp_conn *conn;
	int fd;
	int idle;      /* everything received is read and the last recv found the socket drained */
};

/* ---- configuration ---- */

/* The certificates of path (common/tlcp_pem.c), refusals named after the sdf.conf key. */
static ccsp_err load_certs(ccsp_tlcp_config *cfg, const char *key_name, const char *path, ccsp_tlcp_pem_role role,
                           const ccsp_sm2_key *key)
{
	ccsp_err err = ccsp_tlcp_pem_add_certs(cfg, path, role, key);
	if (err != CCSP_OK)
		return sdfc_fail(err, "%s %s: %s", key_name, path,
		                 err == CCSP_ERR_FILE_NOT_FOUND ? "no such file"
		                 : err == CCSP_ERR_KEY          ? "the key does not match the certificate"
		                                                : "no usable SM2 certificate (PEM expected)");
	return CCSP_OK;
}

/* A certificate (the signing file's further certificates are its chain) and its unencrypted SM2 key. */
static ccsp_err load_pair(ccsp_tlcp_config *cfg, int sign, const char *cert, const char *keyfile)
{
	ccsp_sm2_key *key = ccsp_sm2_key_new();
	ccsp_err err = key != NULL ? ccsp_tlcp_pem_read_key(keyfile, key) : CCSP_ERR_NOMEM;
	if (err != CCSP_OK)
		err = sdfc_fail(err, "%s %s: %s", sign ? "tlcp_sign_key" : "tlcp_enc_key", keyfile,
		                err == CCSP_ERR_FILE_NOT_FOUND ? "no such file" : "not an unencrypted SM2 private key");
	else
		err = load_certs(cfg, sign ? "tlcp_sign_cert" : "tlcp_enc_cert", cert,
		                 sign ? CCSP_TLCP_PEM_SIGN : CCSP_TLCP_PEM_ENC, key);
	ccsp_sm2_key_free(key);
	return err;
}

ccsp_err sdfc_tlcp_ctx_new(const sdfc_conf *cf, ccsp_tlcp_config **out)
{
	ccsp_tlcp_config *cfg = ccsp_tlcp_config_new();
	ccsp_err err = cfg != NULL ? CCSP_OK : sdfc_fail(CCSP_ERR_NOMEM, "out of memory");
	*out = NULL;
	if (err == CCSP_OK)
		err = load_certs(cfg, "ca_file", cf->ca_file, CCSP_TLCP_PEM_TRUST, NULL);
	if (err == CCSP_OK && cf->tlcp_files[0] != NULL)
		err = load_pair(cfg, 1, cf->tlcp_files[0], cf->tlcp_files[1]);
	if (err == CCSP_OK && cf->tlcp_files[2] != NULL)
		err = load_pair(cfg, 0, cf->tlcp_files[2], cf->tlcp_files[3]);
	/* without our certificates the handshake code offers only the ECC suites of this list */
	if (err == CCSP_OK && ccsp_tlcp_config_set_suites(cfg, cf->suites, cf->n_suites) != CCSP_OK)
		err = sdfc_fail(CCSP_ERR_DECODE, "tlcp_suites: not a usable list");
	if (err != CCSP_OK) {
		ccsp_tlcp_config_free(cfg);
		return err;
	}
	*out = cfg;
	return CCSP_OK;
}

/* ---- a link ---- */

void sdfc_tlcp_free(sdfc_tlcp *t)
{
	if (t == NULL)
		return;
	ccsp_tlcp_conn_free(t->conn);
	free(t);
}

static size_t link_unsent(const sdfc_tlcp *t)
{
	const uint8_t *p;
	size_t len;
	ccsp_tlcp_conn_out(t->conn, &p, &len);
	return len;
}

/* Send what the connection has for the peer: 1 all out, 0 the socket is full, -1 failed (errno). */
static int link_flush(sdfc_tlcp *t)
{
	const uint8_t *p;
	size_t len, done = 0;
	int rc = 1;
	ccsp_tlcp_conn_out(t->conn, &p, &len);
	for (unsigned i = 0; i < SDFC_LOOP_MAX && done < len; i++) {
		ssize_t n = send(t->fd, p + done, len - done, MSG_NOSIGNAL);
		if (n > 0) {
			done += (size_t)n;
		} else if (n < 0 && errno != EINTR) {
			rc = errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
			break;
		}
	}
	int saved = errno;
	if (done > 0) /* never with 0: out_consume memmoves from a NULL buffer before the first output */
		ccsp_tlcp_conn_out_consume(t->conn, done);
	errno = saved;
	return done < len && rc == 1 ? 0 : rc;
}

/* Received bytes into the connection, without a copy: 1 some came, 0 none there, -1 EOF or an error (errno; 0 for
 * EOF). */
static int link_fill(sdfc_tlcp *t)
{
	uint8_t *p;
	size_t cap;
	ssize_t n;
	ccsp_tlcp_conn_in_space(t->conn, &p, &cap);
	if (cap == 0) { /* failed, or a full input buffer that gives nothing */
		errno = EPROTO;
		return -1;
	}
	do
		n = recv(t->fd, p, cap, 0);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		errno = 0;
	if (n <= 0)
		return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
	if (ccsp_tlcp_conn_in_commit(t->conn, (size_t)n) != CCSP_OK) {
		errno = EPROTO;
		return -1;
	}
	return 1;
}

/* Why the link failed, for a message. */
static const char *link_why(const sdfc_tlcp *t, char *buf, size_t len)
{
	uint8_t sent = ccsp_tlcp_conn_alert_sent(t->conn), got = ccsp_tlcp_conn_alert_received(t->conn);
	uint8_t a = got != CCSP_TLCP_ALERT_NONE ? got : sent;
	if (a == CCSP_TLCP_ALERT_NONE)
		return errno != 0 ? sdfc_strerror(errno, buf, len) : "connection closed by the VSM";
	const char *name = ccsp_tlcp_alert_name(a) != NULL ? ccsp_tlcp_alert_name(a) : "unknown";
	(void)snprintf(buf, len, "%s alert %s (%u)", got != CCSP_TLCP_ALERT_NONE ? "received" : "sent", name, a);
	return buf;
}

/* ---- connecting ---- */

static ccsp_err hs_wait(sdfc_tlcp *t, const sdfc_conf *cf, short ev, const struct timespec *dl)
{
	int w = sdfc_wait_fd(t->fd, ev, dl);
	if (w == 0)
		return sdfc_fail(CCSP_ERR_COMM, "TLCP handshake with %s: no answer within %u ms", cf->host, cf->timeout_ms);
	if (w < 0)
		return sdfc_fail(CCSP_ERR_COMM, "poll failed during the TLCP handshake");
	return CCSP_OK;
}

static ccsp_err hs_fail(sdfc_tlcp *t, const sdfc_conf *cf)
{
	char buf[128];
	const char *why = link_why(t, buf, sizeof buf);
	(void)link_flush(t); /* our alert, best effort */
	return sdfc_fail(CCSP_ERR_COMM, "TLCP handshake with %s (%s) failed: %s", cf->host, cf->server_name, why);
}

static ccsp_err tlcp_handshake(sdfc_tlcp *t, const sdfc_conf *cf, const struct timespec *dl)
{
	ccsp_err err = CCSP_OK;
	for (unsigned i = 0; i < SDFC_LOOP_MAX && err == CCSP_OK; i++) {
		int done = 0, f, r;
		errno = 0;
		if (ccsp_tlcp_conn_handshake(t->conn, &done) != CCSP_OK || (f = link_flush(t)) < 0)
			return hs_fail(t, cf);
		if (f == 0) {
			err = hs_wait(t, cf, POLLOUT, dl);
			continue;
		}
		if (done)
			return CCSP_OK;
		if ((r = link_fill(t)) < 0)
			return hs_fail(t, cf);
		if (r == 0)
			err = hs_wait(t, cf, POLLIN, dl);
	}
	return err != CCSP_OK ? err : sdfc_fail(CCSP_ERR_COMM, "TLCP handshake with %s does not progress", cf->host);
}

/* Offer the device's session (copied under mu). */
static ccsp_err session_offer(ccsp_tlcp_conn *conn, pthread_mutex_t *mu, ccsp_tlcp_session **session)
{
	pthread_mutex_lock(mu);
	ccsp_err err = *session != NULL ? ccsp_tlcp_conn_set_session(conn, *session) : CCSP_OK;
	pthread_mutex_unlock(mu);
	return err == CCSP_OK ? CCSP_OK : sdfc_fail(err, "cannot offer the TLCP session");
}

/* After a full handshake: its session becomes the device's (best effort: without one the next connection makes a
 * full handshake too). */
static void session_keep(const ccsp_tlcp_conn *conn, pthread_mutex_t *mu, ccsp_tlcp_session **session)
{
	ccsp_tlcp_session *s = ccsp_tlcp_conn_resumed(conn) ? NULL : ccsp_tlcp_conn_get_session(conn);
	if (s == NULL)
		return;
	pthread_mutex_lock(mu);
	ccsp_tlcp_session *old = *session;
	*session = s;
	pthread_mutex_unlock(mu);
	ccsp_tlcp_session_free(old);
}

ccsp_err sdfc_tlcp_connect(ccsp_tlcp_config *cfg, const sdfc_conf *cf, const struct timespec *dl,
                           pthread_mutex_t *mu, ccsp_tlcp_session **session, sdfc_tlcp **out, int *fd_out)
{
	sdfc_tlcp *t = calloc(1, sizeof *t);
	ccsp_err err = t != NULL ? CCSP_OK : sdfc_fail(CCSP_ERR_NOMEM, "out of memory");
	*out = NULL;
	*fd_out = -1;
	if (err == CCSP_OK) {
		t->fd = -1;
		t->conn = ccsp_tlcp_conn_new(cfg, 0);
		if (t->conn == NULL)
			err = sdfc_fail(CCSP_ERR_NOMEM, "cannot create a TLCP connection");
	}
	if (err == CCSP_OK && ccsp_tlcp_conn_set_server_name(t->conn, cf->server_name) != CCSP_OK)
		err = sdfc_fail(CCSP_ERR_INTERNAL, "cannot set the expected server name %s", cf->server_name);
	if (err == CCSP_OK)
		err = session_offer(t->conn, mu, session);
	if (err == CCSP_OK)
		err = sdfc_tcp_connect(cf, dl, &t->fd);
	if (err == CCSP_OK)
		err = tlcp_handshake(t, cf, dl);
	if (err == CCSP_OK)
		session_keep(t->conn, mu, session);
	if (err != CCSP_OK) {
		if (t != NULL && t->fd >= 0)
			(void)close(t->fd);
		sdfc_tlcp_free(t);
		return err;
	}
	*out = t;
	*fd_out = t->fd;
	return CCSP_OK;
}

/* ---- reading and writing (sdfc_pipe.c, token held) ---- */

int sdfc_tlcp_send(sdfc_tlcp *t, const uint8_t *buf, size_t len, size_t *written, short *ev, char *why, size_t whylen)
{
	size_t off = 0;
	int f = 1;
	*written = 0;
	*ev = 0;
	for (unsigned i = 0; i < SDFC_LOOP_MAX && f > 0; i++) {
		if (off == len || link_unsent(t) >= SDFC_TLS_WRITE_BUFFER) {
			errno = 0;
			f = link_flush(t);
			if (off == len)
				break;
			continue;
		}
		size_t chunk = len - off < TLCP_CHUNK ? len - off : TLCP_CHUNK;
		if (ccsp_tlcp_conn_write(t->conn, buf + off, chunk) != CCSP_OK) {
			f = -1;
			break;
		}
		off += chunk;
	}
	*written = off;
	if (f == 0)
		*ev = POLLOUT;
	if (f < 0)
		(void)link_why(t, why, whylen);
	return f;
}

int sdfc_tlcp_recv(sdfc_tlcp *t, uint8_t *buf, size_t len, short *ev, char *why, size_t whylen)
{
	size_t got = 0;
	*ev = 0;
	t->idle = 0;
	for (unsigned i = 0; i < SDFC_LOOP_MAX; i++) {
		size_t n = 0;
		errno = 0;
		if (ccsp_tlcp_conn_read(t->conn, buf + got, len - got, &n) != CCSP_OK)
			goto fail;
		got += n;
		if (got == len)
			return (int)got;
		if (n > 0)
			continue;
		if (ccsp_tlcp_conn_state(t->conn) == CCSP_TLCP_STATE_PEER_CLOSED) {
			errno = 0;
			goto fail;
		}
		int r = link_fill(t);
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
	}
	t->idle = 1;
	if (got == 0)
		*ev = POLLIN;
	return (int)got;
fail:
	if (got > 0)
		return (int)got; /* the failure shows again at the next call */
	(void)link_why(t, why, whylen);
	(void)link_flush(t);
	return -1;
}

int sdfc_tlcp_drained(const sdfc_tlcp *t)
{
	return t->idle;
}

void sdfc_tlcp_close_notify(sdfc_tlcp *t)
{
	if (ccsp_tlcp_conn_close(t->conn) == CCSP_OK)
		(void)link_flush(t);
}

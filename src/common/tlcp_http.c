/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include <ccsp/mem.h>

#include "common/tlcp_http.h"
#include "common/tlcp_pem.h"
#include "crypto/guard.h"
#include "tlcp_conn.h"

#define HOST_MAX 256
#define LOOP_MAX 100000u /* bound of every I/O loop: the deadline ends them first */
/* Received plaintext kept while the answer is read: its head, its body and a chunked body's framing. */
#define RECEIVE_MAX(body_max) (CCSP_HTTP_ANSWER_HEAD_MAX + 2 * (body_max) + 65536)

typedef struct url_parts {
	char host[HOST_MAX];   /* without brackets */
	char port[8];
	char authority[HOST_MAX + 10]; /* the Host header: as in the URL */
	const char *path;              /* "/..." */
} url_parts;

typedef struct channel {
	int fd;
	ccsp_tlcp_conn *conn;
	struct timespec deadline;
	char *why;
	size_t whylen;
} channel;

int ccsp_tlcp_http_is_url(const char *url)
{
	return url != NULL && strncasecmp(url, CCSP_TLCP_HTTP_SCHEME, strlen(CCSP_TLCP_HTTP_SCHEME)) == 0;
}

static ccsp_err fail(channel *l, ccsp_err err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(l->why, l->whylen, fmt, ap);
	va_end(ap);
	return err;
}

/* ---- the URL ---- */

static int is_url_char(char c)
{
	return c > 0x20 && c < 0x7f;
}

/* tlcp://HOST:PORT[/PATH]: the port is required (TLCP has no registered one). */
static ccsp_err parse_url(const char *url, url_parts *u)
{
	const char *p = url + strlen(CCSP_TLCP_HTTP_SCHEME), *host = p, *host_end, *port;
	if (*p == '[') {
		host = p + 1;
		if ((host_end = strchr(host, ']')) == NULL)
			return CCSP_ERR_ARG;
		port = host_end + 1;
	} else {
		host_end = p + strcspn(p, ":/");
		port = host_end;
	}
	if (host_end == host || (size_t)(host_end - host) >= HOST_MAX || *port != ':')
		return CCSP_ERR_ARG;
	port++;
	size_t plen = strspn(port, "0123456789");
	if (plen == 0 || plen > 5 || atoi(port) == 0 || atoi(port) > 65535 || (port[plen] != '\0' && port[plen] != '/'))
		return CCSP_ERR_ARG;
	u->path = port[plen] != '\0' ? port + plen : "/";
	for (const char *c = u->path; *c != '\0'; c++)
		if (!is_url_char(*c))
			return CCSP_ERR_ARG;
	snprintf(u->host, sizeof u->host, "%.*s", (int)(host_end - host), host);
	snprintf(u->port, sizeof u->port, "%.*s", (int)plen, port);
	snprintf(u->authority, sizeof u->authority, "%.*s", (int)(port + plen - p), p);
	for (const char *c = u->authority; *c != '\0'; c++)
		if (!is_url_char(*c))
			return CCSP_ERR_ARG;
	return CCSP_OK;
}

/* ---- the configuration ---- */

static ccsp_err make_config(const ccsp_tlcp_http_target *t, ccsp_tlcp_config **out, channel *l)
{
	static const uint16_t suites[] = {CCSP_TLCP_ECDHE_SM4_GCM_SM3, CCSP_TLCP_ECC_SM4_GCM_SM3,
	                                  CCSP_TLCP_ECDHE_SM4_CBC_SM3, CCSP_TLCP_ECC_SM4_CBC_SM3};
	const ccsp_tlcp_http_identity *own = t->own;
	ccsp_err ret = CCSP_OK;
	ccsp_tlcp_config *cfg = ccsp_tlcp_config_new();
	if (cfg == NULL)
		return CCSP_ERR_NOMEM;
	if (t->ca_pem != NULL)
		ret = ccsp_tlcp_pem_add_certs_mem(cfg, (const uint8_t *)t->ca_pem, strlen(t->ca_pem), CCSP_TLCP_PEM_TRUST,
		                                  NULL);
	else
		ret = ccsp_tlcp_pem_add_certs(cfg, t->ca_file, CCSP_TLCP_PEM_TRUST, NULL);
	if (ret != CCSP_OK) {
		(void)fail(l, ret, "the TLCP trust anchors (%s): no usable SM2 CA certificate",
		           t->ca_pem != NULL ? "PEM text" : t->ca_file);
		goto out;
	}
	if (own != NULL && ((ret = ccsp_tlcp_pem_load_pair(cfg, 1, own->sign_cert, own->sign_key)) != CCSP_OK ||
	                    (ret = ccsp_tlcp_pem_load_pair(cfg, 0, own->enc_cert, own->enc_key)) != CCSP_OK)) {
		(void)fail(l, ret, "the client's TLCP certificates (%s, %s): not usable", own->sign_cert, own->enc_cert);
		goto out;
	}
	/* without our certificates the handshake offers only the ECC suites of the list */
	ret = ccsp_tlcp_config_set_suites(cfg, suites, sizeof suites / sizeof suites[0]);
out:
	if (ret != CCSP_OK)
		ccsp_tlcp_config_free(cfg);
	else
		*out = cfg;
	return ret;
}

/* ---- the socket ---- */

static int ms_left(const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms <= 0 ? 0 : ms > 3600000 ? 3600000 : (int)ms;
}

/* 1: ready, 0: the deadline passed, -1: poll failed. */
static int wait_fd(int fd, short events, const struct timespec *deadline)
{
	struct pollfd p = {fd, events, 0};
	int r;
	do
		r = poll(&p, 1, ms_left(deadline));
	while (r < 0 && errno == EINTR);
	return r;
}

/* A non-blocking connection to one address, within the deadline: the descriptor, or -1. */
static int connect_one(const struct addrinfo *a, const struct timespec *deadline)
{
	int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
	if (fd < 0)
		return -1;
	if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
		return fd;
	int err = errno;
	socklen_t len = sizeof err;
	if (err == EINPROGRESS && wait_fd(fd, POLLOUT, deadline) == 1 &&
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
		return fd;
	close(fd);
	errno = err == EINPROGRESS ? ETIMEDOUT : err;
	return -1;
}

static ccsp_err tcp_connect(channel *l, const url_parts *u)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	int rc = getaddrinfo(u->host, u->port, &hints, &res);
	if (rc != 0)
		return fail(l, CCSP_ERR_COMM, "%s: %s", u->host, gai_strerror(rc));
	for (const struct addrinfo *a = res; a != NULL && l->fd < 0; a = a->ai_next)
		l->fd = connect_one(a, &l->deadline);
	int err = errno;
	freeaddrinfo(res);
	if (l->fd < 0)
		return fail(l, CCSP_ERR_COMM, "connect to %s: %s", u->authority, strerror(err));
	return CCSP_OK;
}

/* ---- the TLCP link ---- */

/* Why the connection failed: the alert sent or received, else the socket's error. */
static ccsp_err link_fail(channel *l, const char *during, int err)
{
	uint8_t sent = ccsp_tlcp_conn_alert_sent(l->conn), got = ccsp_tlcp_conn_alert_received(l->conn);
	uint8_t a = got != CCSP_TLCP_ALERT_NONE ? got : sent;
	const char *name = ccsp_tlcp_alert_name(a);
	if (a != CCSP_TLCP_ALERT_NONE)
		return fail(l, CCSP_ERR_COMM, "TLCP %s: %s alert %s (%u)", during,
		            got != CCSP_TLCP_ALERT_NONE ? "received" : "sent", name != NULL ? name : "unknown", a);
	if (err == ETIMEDOUT)
		return fail(l, CCSP_ERR_COMM, "TLCP %s: no answer in time", during);
	return fail(l, CCSP_ERR_COMM, "TLCP %s: %s", during, err != 0 ? strerror(err) : "connection closed");
}

/* Send everything the connection holds for the peer. 0, or an errno value. */
static int flush_out(channel *l)
{
	const uint8_t *p;
	size_t len;
	ccsp_tlcp_conn_out(l->conn, &p, &len);
	for (unsigned i = 0; i < LOOP_MAX && len > 0; i++) {
		ssize_t n = send(l->fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			ccsp_tlcp_conn_out_consume(l->conn, (size_t)n);
			ccsp_tlcp_conn_out(l->conn, &p, &len);
		} else if (n < 0 && errno == EAGAIN) {
			int w = wait_fd(l->fd, POLLOUT, &l->deadline);
			if (w <= 0)
				return w == 0 ? ETIMEDOUT : errno;
		} else if (n < 0 && errno != EINTR) {
			return errno;
		}
	}
	return len > 0 ? ETIMEDOUT : 0;
}

/* Received bytes into the connection: 0 when some came, -1 at the end of the stream, else an errno value (ETIMEDOUT
 * at the deadline). */
static int fill_in(channel *l)
{
	uint8_t *p;
	size_t cap;
	ccsp_tlcp_conn_in_space(l->conn, &p, &cap);
	if (cap == 0)
		return EPROTO;
	for (unsigned i = 0; i < LOOP_MAX; i++) {
		ssize_t n = recv(l->fd, p, cap, 0);
		if (n > 0)
			return ccsp_tlcp_conn_in_commit(l->conn, (size_t)n) == CCSP_OK ? 0 : EPROTO;
		if (n == 0)
			return -1;
		if (errno == EAGAIN) {
			int w = wait_fd(l->fd, POLLIN, &l->deadline);
			if (w <= 0)
				return w == 0 ? ETIMEDOUT : errno;
		} else if (errno != EINTR) {
			return errno;
		}
	}
	return ETIMEDOUT;
}

static ccsp_err handshake(channel *l, const url_parts *u)
{
	for (unsigned i = 0; i < LOOP_MAX; i++) {
		int done = 0, e;
		ccsp_err hs = ccsp_tlcp_conn_handshake(l->conn, &done);
		if ((e = flush_out(l)) != 0 || hs != CCSP_OK)
			return link_fail(l, "handshake", hs != CCSP_OK ? 0 : e);
		if (done)
			return CCSP_OK;
		if ((e = fill_in(l)) != 0) /* bytes, an alert among them, were handled by the call above */
			return link_fail(l, "handshake", e < 0 ? 0 : e);
	}
	return fail(l, CCSP_ERR_COMM, "TLCP handshake with %s: no end", u->authority);
}

/* ---- the exchange ---- */

/* The request's head: ours, then the caller's lines. NULL when out of memory or a line is not a header line. */
static char *request_head(const url_parts *u, const char *body, size_t len, const struct curl_slist *h)
{
	size_t cap = 256 + strlen(u->path) + strlen(u->authority), off;
	for (const struct curl_slist *s = h; s != NULL; s = s->next)
		cap += strlen(s->data) + 2;
	char *head = malloc(cap);
	if (head == NULL)
		return NULL;
	off = (size_t)snprintf(head, cap, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\nUser-Agent: ccsp\r\n",
	                       body != NULL ? "POST" : "GET", u->path, u->authority);
	if (body != NULL)
		off += (size_t)snprintf(head + off, cap - off, "Content-Length: %zu\r\n", len);
	for (const struct curl_slist *s = h; s != NULL; s = s->next) {
		if (strpbrk(s->data, "\r\n") != NULL || strchr(s->data, ':') == NULL) {
			ccsp_memzero(head, off);
			free(head);
			return NULL;
		}
		off += (size_t)snprintf(head + off, cap - off, "%s\r\n", s->data);
	}
	snprintf(head + off, cap - off, "\r\n");
	return head;
}

static ccsp_err send_request(channel *l, const char *head, const char *body, size_t len)
{
	ccsp_err ret = ccsp_tlcp_conn_write(l->conn, (const uint8_t *)head, strlen(head));
	if (ret == CCSP_OK && body != NULL && len > 0)
		ret = ccsp_tlcp_conn_write(l->conn, (const uint8_t *)body, len);
	int e = flush_out(l);
	if (ret != CCSP_OK || e != 0)
		return link_fail(l, "request", e);
	return CCSP_OK;
}

/* Decrypted application data appended to *buf (grown up to max bytes). *got: bytes added. */
static ccsp_err take_data(channel *l, uint8_t **buf, size_t *len, size_t *cap, size_t max, size_t *got)
{
	*got = 0;
	if (*cap - *len < 16384) {
		size_t ncap = *cap == 0 ? 65536 : *cap * 2;
		if (*len + 16384 > max)
			return fail(l, CCSP_ERR_LIMIT, "the answer is larger than %zu bytes", max);
		uint8_t *n = realloc(*buf, ncap);
		if (n == NULL)
			return CCSP_ERR_NOMEM;
		*buf = n;
		*cap = ncap;
	}
	if (ccsp_tlcp_conn_read(l->conn, *buf + *len, *cap - *len, got) != CCSP_OK)
		return link_fail(l, "answer", 0);
	*len += *got;
	return CCSP_OK;
}

static ccsp_err read_answer(channel *l, size_t body_max, ccsp_http_answer *ans)
{
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, got;
	ccsp_err ret = CCSP_OK;
	for (unsigned i = 0; i < LOOP_MAX; i++) {
		int complete = 0, e = 0;
		CCSP_CHECK(take_data(l, &buf, &len, &cap, RECEIVE_MAX(body_max), &got));
		int eof = ccsp_tlcp_conn_state(l->conn) == CCSP_TLCP_STATE_PEER_CLOSED;
		if (got > 0 || eof) {
			ret = ccsp_http_answer_parse(buf, len, eof, body_max, ans, &complete);
			if (ret != CCSP_OK)
				(void)fail(l, ret, "the answer is %s", ret == CCSP_ERR_LIMIT ? "over its bounds" : "malformed");
			if (ret != CCSP_OK || complete)
				goto out;
		}
		if (got == 0 && (e = fill_in(l)) != 0) {
			CCSP_CHECK(link_fail(l, "answer", e < 0 ? 0 : e));
		}
	}
	ret = fail(l, CCSP_ERR_COMM, "TLCP answer: no end");
out:
	if (buf != NULL)
		ccsp_memzero(buf, len);
	free(buf);
	return ret;
}

ccsp_err ccsp_tlcp_http_exchange(const ccsp_tlcp_http_target *t, const char *url, const char *body, size_t len,
                                 const struct curl_slist *h, ccsp_http_answer *ans, char *why, size_t whylen)
{
	char none[1];
	channel l = {.fd = -1, .why = why != NULL ? why : none, .whylen = why != NULL ? whylen : sizeof none};
	ccsp_tlcp_config *cfg = NULL;
	char *head = NULL;
	url_parts u;
	ccsp_err ret = CCSP_OK;
	if (ans == NULL || t == NULL || !ccsp_tlcp_http_is_url(url))
		return CCSP_ERR_ARG;
	memset(ans, 0, sizeof *ans);
	l.why[0] = '\0';
	if (parse_url(url, &u) != CCSP_OK)
		return fail(&l, CCSP_ERR_ARG, "%s: not a tlcp://HOST:PORT/PATH URL", url);
	if (t->ca_pem == NULL && t->ca_file == NULL)
		return fail(&l, CCSP_ERR_ARG, "a tlcp:// URL needs the server's CA certificate");
	if ((head = request_head(&u, body, len, h)) == NULL)
		return fail(&l, CCSP_ERR_ARG, "a request header line is not usable (or out of memory)");
	clock_gettime(CLOCK_MONOTONIC, &l.deadline);
	l.deadline.tv_sec += t->timeout_s > 0 ? t->timeout_s : CCSP_TLCP_HTTP_TIMEOUT_S;
	CCSP_CHECK(make_config(t, &cfg, &l));
	CCSP_CHECK((l.conn = ccsp_tlcp_conn_new(cfg, 0)) != NULL ? CCSP_OK : CCSP_ERR_NOMEM);
	CCSP_CHECK(ccsp_tlcp_conn_set_server_name(l.conn, u.host) == CCSP_OK ? CCSP_OK
	                                                                     : fail(&l, CCSP_ERR_ARG, "bad host name"));
	CCSP_CHECK(tcp_connect(&l, &u));
	CCSP_CHECK(handshake(&l, &u));
	CCSP_CHECK(send_request(&l, head, body, len));
	CCSP_CHECK(read_answer(&l, t->answer_max > 0 ? t->answer_max : CCSP_TLCP_HTTP_ANSWER_MAX, ans));
	if (ccsp_tlcp_conn_close(l.conn) == CCSP_OK)
		(void)flush_out(&l); /* close_notify, best effort */
out:
	if (head != NULL) /* it may carry a credential (Authorization: Bearer ...) */
		ccsp_memzero(head, strlen(head));
	free(head);
	ccsp_tlcp_conn_free(l.conn);
	ccsp_tlcp_config_free(cfg);
	if (l.fd >= 0)
		close(l.fd);
	return ret;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccsp tlcp: sockets and the loop that moves bytes between a socket, a TLCP connection (memory-BIO style,
 * tlcp_conn.h), stdin and stdout. Sockets stay blocking; every wait is a poll() bounded by the link's timeout, and
 * sends use MSG_DONTWAIT so that a peer that stops reading cannot hold us past it.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_tlcp.h"

#define LINGER_MS 3000 /* bound of the lingering close */

/* ---- sockets ---- */

/* 1: ready, 0: timed out, -1: poll failed. */
static int wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd p = {fd, events, 0};
	int r;
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r;
}

/* "HOST:PORT" or "[v6]:PORT" split into host and port (pointing into spec); 0 on success. */
static int split_hostport(const char *spec, char *host, size_t cap, const char **port)
{
	const char *colon = strrchr(spec, ':');
	size_t hlen = colon != NULL ? (size_t)(colon - spec) : 0;
	if (colon == NULL || hlen == 0 || hlen >= cap || colon[1] == '\0') {
		cli_error("tlcp: wanted HOST:PORT, got '%s'", spec);
		return -1;
	}
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		memmove(host, host + 1, hlen - 2);
		host[hlen - 2] = '\0';
	}
	*port = colon + 1;
	return 0;
}

static struct addrinfo *resolve(const char *spec, int passive)
{
	char host[256];
	const char *port;
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
	                         .ai_socktype = SOCK_STREAM,
	                         .ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0)};
	struct addrinfo *ai = NULL;
	if (split_hostport(spec, host, sizeof host, &port) != 0)
		return NULL;
	int rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		cli_error("tlcp: %s: %s", spec, gai_strerror(rc));
		return NULL;
	}
	return ai;
}

static void print_listening(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char host[NI_MAXHOST], port[NI_MAXSERV];
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
	    getnameinfo((struct sockaddr *)&ss, sl, host, sizeof host, port, sizeof port,
	                NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return;
	fprintf(stderr, ss.ss_family == AF_INET6 ? "listening on [%s]:%s\n" : "listening on %s:%s\n", host, port);
	fflush(stderr);
}

int cli_tlcp_listen(const char *spec)
{
	struct addrinfo *ai = resolve(spec, 1);
	if (ai == NULL)
		return -1;
	int one = 1, fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 16) != 0) {
		cli_error("tlcp: cannot listen on %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd >= 0)
		print_listening(fd);
	return fd;
}

int cli_tlcp_accept(int lfd, int timeout_ms)
{
	int r = wait_fd(lfd, POLLIN, timeout_ms);
	if (r == 0) {
		cli_error("tlcp: no connection within %d s", timeout_ms / 1000);
		return -1;
	}
	int fd = r < 0 ? -1 : accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		cli_error("tlcp: accept: %s", strerror(errno));
	return fd;
}

/* A non-blocking connect bounded by timeout_ms; the socket is blocking again on success. 0 or an errno value. */
static int connect_one(int fd, const struct addrinfo *a, int timeout_ms)
{
	int flags = fcntl(fd, F_GETFL), err = 0;
	socklen_t el = sizeof err;
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
		return errno;
	if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
		if (errno != EINPROGRESS)
			return errno;
		int r = wait_fd(fd, POLLOUT, timeout_ms);
		if (r <= 0)
			return r == 0 ? ETIMEDOUT : errno;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0)
			return errno;
		if (err != 0)
			return err;
	}
	return fcntl(fd, F_SETFL, flags) != 0 ? errno : 0;
}

int cli_tlcp_connect(const char *spec, int timeout_ms)
{
	struct addrinfo *ai = resolve(spec, 0);
	int fd = -1, err = 0;
	if (ai == NULL)
		return -1;
	for (const struct addrinfo *a = ai; a != NULL && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if ((err = connect_one(fd, a, timeout_ms)) != 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (fd < 0)
		cli_error("tlcp: cannot connect to %s: %s", spec, strerror(err));
	return fd;
}

/* ---- moving bytes ---- */

/* Send everything the connection has queued. quiet: no message (the connection already failed). 0 or -1. */
static int flush_out(cli_tlcp_link *l, int quiet)
{
	const uint8_t *p;
	size_t n;
	for (ccsp_tlcp_conn_out(l->conn, &p, &n); n > 0; ccsp_tlcp_conn_out(l->conn, &p, &n)) {
		if (wait_fd(l->fd, POLLOUT, l->timeout_ms) <= 0) {
			if (!quiet)
				cli_error("tlcp: cannot send within %d s", l->timeout_ms / 1000);
			return -1;
		}
		ssize_t w = send(l->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (w < 0) {
			if (!quiet)
				cli_error("tlcp: send: %s", strerror(errno));
			return -1;
		}
		ccsp_tlcp_conn_out_consume(l->conn, (size_t)w);
	}
	return 0;
}

/* Receive into the (empty) input buffer: 1 bytes received, 0 the peer closed, -1 error or timeout (printed). */
static int recv_some(cli_tlcp_link *l)
{
	int r = wait_fd(l->fd, POLLIN, l->timeout_ms);
	if (r <= 0) {
		cli_error("tlcp: nothing received within %d s", l->timeout_ms / 1000);
		return -1;
	}
	ssize_t got;
	do
		got = recv(l->fd, l->in, sizeof l->in, 0);
	while (got < 0 && errno == EINTR);
	if (got < 0) {
		cli_error("tlcp: recv: %s", strerror(errno));
		return -1;
	}
	l->in_off = 0;
	l->in_len = (size_t)got;
	return got > 0;
}

/* Give the connection what it takes of the waiting input; -1 when it takes nothing (it would never progress). */
static int feed_pending(cli_tlcp_link *l)
{
	size_t used = 0;
	ccsp_err e = ccsp_tlcp_conn_feed(l->conn, l->in + l->in_off, l->in_len - l->in_off, &used);
	l->in_off += used;
	if (e == CCSP_OK && used == 0) {
		cli_error("tlcp: the connection takes no more input");
		return -1;
	}
	return 0; /* a failed connection reports its error on the next handshake() or read() */
}

/* A failure of the connection: its alert goes out, and the message names it. */
static int conn_failed(cli_tlcp_link *l, ccsp_err e, const char *what)
{
	uint8_t sent = ccsp_tlcp_conn_alert_sent(l->conn), recvd = ccsp_tlcp_conn_alert_received(l->conn);
	(void)flush_out(l, 1);
	if (recvd != CCSP_TLCP_ALERT_NONE) {
		const char *n = ccsp_tlcp_alert_name(recvd);
		cli_error("tlcp: %s failed: received alert %s (%u)", what, n != NULL ? n : "unknown", recvd);
	} else if (sent != CCSP_TLCP_ALERT_NONE) {
		const char *n = ccsp_tlcp_alert_name(sent);
		cli_error("tlcp: %s failed: sent alert %s (%u): %s", what, n != NULL ? n : "unknown", sent,
		          ccsp_err_str(e));
	} else {
		cli_error_ccsp(e, "tlcp: %s failed", what);
	}
	return -1;
}

int cli_tlcp_handshake(cli_tlcp_link *l)
{
	time_t deadline = time(NULL) + l->timeout_ms / 1000;
	for (;;) {
		int done = 0;
		ccsp_err e = ccsp_tlcp_conn_handshake(l->conn, &done);
		if (e != CCSP_OK)
			return conn_failed(l, e, "handshake");
		if (flush_out(l, 0) != 0)
			return -1;
		if (done)
			return 0;
		if (l->in_off == l->in_len) {
			if (time(NULL) > deadline) {
				cli_error("tlcp: handshake not done within %d s", l->timeout_ms / 1000);
				return -1;
			}
			int r = recv_some(l);
			if (r == 0)
				cli_error("tlcp: handshake failed: the peer closed the connection");
			if (r <= 0)
				return -1;
		}
		if (feed_pending(l) != 0)
			return -1;
	}
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			cli_error("tlcp: cannot write to stdout: %s", strerror(errno));
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Application data of everything received so far to stdout; *peer_closed set on close_notify. 0 or -1. */
static int drain_in(cli_tlcp_link *l, int *peer_closed)
{
	uint8_t buf[4096];
	for (;;) {
		size_t n = 0;
		ccsp_err e = ccsp_tlcp_conn_read(l->conn, buf, sizeof buf, &n);
		if (e != CCSP_OK)
			return conn_failed(l, e, "connection");
		if (n > 0) {
			if (write_all(STDOUT_FILENO, buf, n) != 0)
				return -1;
			continue;
		}
		if (ccsp_tlcp_conn_state(l->conn) == CCSP_TLCP_STATE_PEER_CLOSED) {
			*peer_closed = 1;
			return 0;
		}
		if (l->in_off == l->in_len)
			return 0;
		if (feed_pending(l) != 0)
			return -1;
	}
}

/* One read of stdin sent as application data; EOF sets *stdin_eof. 0 or -1. */
static int relay_stdin(cli_tlcp_link *l, int *stdin_eof)
{
	uint8_t buf[CCSP_TLCP_MAX_PLAINTEXT];
	ssize_t got;
	do
		got = read(STDIN_FILENO, buf, sizeof buf);
	while (got < 0 && errno == EINTR);
	if (got < 0) {
		cli_error("tlcp: cannot read stdin: %s", strerror(errno));
		return -1;
	}
	if (got == 0) {
		*stdin_eof = 1;
		return 0;
	}
	ccsp_err e = ccsp_tlcp_conn_write(l->conn, buf, (size_t)got);
	if (e != CCSP_OK)
		return conn_failed(l, e, "write");
	return flush_out(l, 0);
}

/* Queue and send close_notify (once). */
static int send_close(cli_tlcp_link *l, int *sent_close, int quiet)
{
	if (*sent_close)
		return 0;
	*sent_close = 1;
	ccsp_err e = ccsp_tlcp_conn_close(l->conn);
	if (e != CCSP_OK)
		return conn_failed(l, e, "close");
	return flush_out(l, quiet);
}

int cli_tlcp_relay(cli_tlcp_link *l, int *stdin_eof)
{
	int sent_close = 0, peer_closed = 0;
	if (drain_in(l, &peer_closed) != 0) /* data that came with the handshake's last flight */
		return -1;
	while (!peer_closed) {
		if (*stdin_eof && send_close(l, &sent_close, 0) != 0)
			return -1;
		struct pollfd p[2] = {{l->fd, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
		int r;
		do
			r = poll(p, sent_close ? 1 : 2, l->timeout_ms);
		while (r < 0 && errno == EINTR);
		if (r <= 0) {
			cli_error("tlcp: %s for %d s", r == 0 ? "nothing to relay either way" : "poll failed",
			          l->timeout_ms / 1000);
			return -1;
		}
		if (p[0].revents != 0) {
			r = recv_some(l);
			if (r == 0)
				cli_error("tlcp: the peer closed the connection without close_notify");
			if (r <= 0 || drain_in(l, &peer_closed) != 0)
				return -1;
		}
		if (!sent_close && !peer_closed && p[1].revents != 0 && relay_stdin(l, stdin_eof) != 0)
			return -1;
	}
	/* Our answer to the peer's close_notify: the peer may have closed its socket already, so a failed send is no
	 * error here. */
	if (!sent_close) {
		ccsp_err e = ccsp_tlcp_conn_close(l->conn);
		if (e != CCSP_OK)
			return conn_failed(l, e, "close");
		(void)flush_out(l, 1);
	}
	return 0;
}

void cli_tlcp_linger_close(cli_tlcp_link *l)
{
	uint8_t buf[4096];
	int wait_ms = l->timeout_ms < LINGER_MS ? l->timeout_ms : LINGER_MS;
	struct timespec start, now;
	if (l->fd < 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &start);
	(void)shutdown(l->fd, SHUT_WR);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left = wait_ms - ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0 || wait_fd(l->fd, POLLIN, (int)left) <= 0 || recv(l->fd, buf, sizeof buf, 0) <= 0)
			break;
	}
	close(l->fd);
	l->fd = -1;
}

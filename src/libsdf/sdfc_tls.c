/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TCP + TLS 1.3 connection set-up for libsdf (docs/sdf-protocol.md, "Transport"). The socket is non-blocking
 * from the start: every wait is a poll() bounded by the call's deadline.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "libsdf/sdfc_internal.h"

#define ADDR_TRY_MAX 16 /* addresses tried per connection */

/*
 * A socket BIO that sends with MSG_NOSIGNAL: OpenSSL's socket BIO uses write(), and a write to a connection
 * the VSM has closed would raise SIGPIPE and kill the application (a library must not change the process's
 * signal dispositions to avoid that). It also notes whether the last recv drained the socket, so a reader
 * stops there instead of paying for a recv that would only say EAGAIN (sdfc_tls_drained).
 */
static pthread_once_t nbio_once = PTHREAD_ONCE_INIT;
static BIO_METHOD *nbio_method; /* created once, never freed: BIO type indexes are a finite resource */

typedef struct nbio_state {
	int fd;
	int drained;
} nbio_state;

static nbio_state *nbio_st(BIO *b)
{
	return BIO_get_data(b);
}

static int nbio_write(BIO *b, const char *buf, int len)
{
	BIO_clear_retry_flags(b);
	ssize_t n = send(nbio_st(b)->fd, buf, (size_t)len, MSG_NOSIGNAL);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		BIO_set_retry_write(b);
	return n < 0 ? -1 : (int)n;
}

static int nbio_read(BIO *b, char *buf, int len)
{
	nbio_state *st = nbio_st(b);
	BIO_clear_retry_flags(b);
	ssize_t n = recv(st->fd, buf, (size_t)len, 0);
	int again = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
	if (again)
		BIO_set_retry_read(b);
	st->drained = (again && errno != EINTR) || (n > 0 && n < len);
	return n < 0 ? -1 : (int)n;
}

static long nbio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)num;
	if (cmd == BIO_CTRL_FLUSH)
		return 1;
	if (cmd == BIO_C_GET_FD) {
		if (ptr != NULL)
			*(int *)ptr = nbio_st(b)->fd;
		return nbio_st(b)->fd;
	}
	return 0;
}

static int nbio_destroy(BIO *b)
{
	free(BIO_get_data(b));
	BIO_set_data(b, NULL);
	return 1;
}

static void nbio_method_make(void)
{
	int idx = BIO_get_new_index();
	BIO_METHOD *m = idx > 0 ? BIO_meth_new(idx | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "sdfc socket") : NULL;
	if (m != NULL &&
	    (BIO_meth_set_write(m, nbio_write) != 1 || BIO_meth_set_read(m, nbio_read) != 1 ||
	     BIO_meth_set_ctrl(m, nbio_ctrl) != 1 || BIO_meth_set_destroy(m, nbio_destroy) != 1)) {
		BIO_meth_free(m);
		m = NULL;
	}
	nbio_method = m;
}

static BIO *nbio_new(int fd)
{
	if (pthread_once(&nbio_once, nbio_method_make) != 0 || nbio_method == NULL)
		return NULL;
	nbio_state *st = calloc(1, sizeof *st);
	BIO *b = st != NULL ? BIO_new(nbio_method) : NULL;
	if (b == NULL) {
		free(st);
		return NULL;
	}
	st->fd = fd;
	BIO_set_data(b, st);
	BIO_set_init(b, 1);
	return b;
}

/* The writing end: records gather in a buffer of SDFC_TLS_WRITE_BUFFER bytes and leave in one send when it
 * is full or flushed (sdfc_pipe.c flushes after each batch), instead of one send per 16 KiB record. */
static BIO *tls_wbio(int fd)
{
	BIO *buf = BIO_new(BIO_f_buffer()), *sock = nbio_new(fd);
	if (buf == NULL || sock == NULL || BIO_set_write_buffer_size(buf, SDFC_TLS_WRITE_BUFFER) != 1) {
		BIO_free(buf);
		BIO_free(sock);
		return NULL;
	}
	return BIO_push(buf, sock);
}

int sdfc_tls_drained(SSL *ssl)
{
	BIO *b = SSL_get_rbio(ssl);
	nbio_state *st = b != NULL ? BIO_get_data(b) : NULL;
	return st == NULL || st->drained;
}

/* ---- TCP ---- */

/* One address: a connected non-blocking socket, or -1 with *err set. */
static int tcp_try(const struct addrinfo *ai, const struct timespec *dl, int *err)
{
	int one = 1, soerr = 0;
	socklen_t sl = sizeof soerr;
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		goto fail;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS)
			goto fail;
		int r = sdfc_wait_fd(fd, POLLOUT, dl);
		if (r == 0)
			errno = ETIMEDOUT;
		if (r <= 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
			goto fail;
		if (soerr != 0) {
			errno = soerr;
			goto fail;
		}
	}
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
		goto fail;
	return fd;
fail:
	*err = errno;
	if (fd >= 0)
		(void)close(fd);
	return -1;
}

ccsp_err sdfc_tcp_connect(const sdfc_conf *cf, const struct timespec *dl, int *out)
{
	struct addrinfo hints, *res = NULL;
	char ebuf[128];
	int fd = -1, err = ENOENT;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	int rc = getaddrinfo(cf->host, cf->port, &hints, &res);
	if (rc != 0)
		return sdfc_fail(CCSP_ERR_COMM, "cannot resolve %s: %s", cf->host, gai_strerror(rc));
	unsigned n = 0;
	for (const struct addrinfo *ai = res; ai != NULL && fd < 0 && n < ADDR_TRY_MAX; ai = ai->ai_next, n++)
		fd = tcp_try(ai, dl, &err);
	freeaddrinfo(res);
	if (fd < 0)
		return sdfc_fail(CCSP_ERR_COMM, "cannot connect to %s port %s: %s", cf->host, cf->port,
		                 sdfc_strerror(err, ebuf, sizeof ebuf));
	*out = fd;
	return CCSP_OK;
}

/* ---- TLS ---- */

ccsp_err sdfc_tls_ctx_new(const sdfc_conf *cf, SSL_CTX **out)
{
	ccsp_err err = CCSP_OK;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	*out = NULL;
	if (ctx == NULL) {
		err = sdfc_fail(CCSP_ERR_NOMEM, "cannot create a TLS context");
		goto out;
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
		err = sdfc_fail(CCSP_ERR_UNSUPPORTED, "TLS 1.3 is not available");
		goto out;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	/* read ahead: one recv takes every record that is there (sdfc_pipe.c reads until drained) */
	SSL_CTX_set_read_ahead(ctx, 1);
	SSL_CTX_set_default_read_buffer_len(ctx, SDFC_TLS_READ_BUFFER);
	/* a frame is written in pieces as the socket takes them; a retry may come from a new stack frame */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (SSL_CTX_load_verify_locations(ctx, cf->ca_file, NULL) != 1) {
		int missing = access(cf->ca_file, F_OK) != 0 && errno == ENOENT;
		err = sdfc_fail(missing ? CCSP_ERR_FILE_NOT_FOUND : CCSP_ERR_DECODE,
		                "ca_file %s: %s", cf->ca_file,
		                missing ? "no such file" : "no CA certificate could be read (PEM expected)");
		goto out;
	}
	*out = ctx;
	ctx = NULL;
out:
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return err;
}

/* The name the certificate must carry: an IP address (iPAddress SAN) or a DNS name (also sent as SNI). */
static int tls_set_peer(SSL *ssl, const char *name)
{
	unsigned char addr[16];
	if (inet_pton(AF_INET, name, addr) == 1 || inet_pton(AF_INET6, name, addr) == 1)
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1;
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	return SSL_set1_host(ssl, name) == 1 && SSL_set_tlsext_host_name(ssl, name) == 1;
}

static ccsp_err tls_handshake_fail(SSL *ssl, const sdfc_conf *cf, int ret)
{
	long vr = SSL_get_verify_result(ssl);
	unsigned long e = ERR_peek_last_error();
	const char *why = e != 0 ? ERR_reason_error_string(e) : NULL;
	char ebuf[128];
	if (vr != X509_V_OK)
		why = X509_verify_cert_error_string(vr);
	else if (why == NULL && SSL_get_error(ssl, ret) == SSL_ERROR_SYSCALL && errno != 0)
		why = sdfc_strerror(errno, ebuf, sizeof ebuf);
	return sdfc_fail(CCSP_ERR_COMM, "TLS handshake with %s (%s) failed: %s", cf->host, cf->server_name,
	                 why != NULL ? why : "connection closed");
}

static ccsp_err tls_handshake(SSL *ssl, int fd, const sdfc_conf *cf, const struct timespec *dl)
{
	for (unsigned i = 0; i < SDFC_LOOP_MAX; i++) {
		ERR_clear_error();
		errno = 0;
		int r = SSL_connect(ssl);
		if (r == 1)
			return CCSP_OK;
		int e = SSL_get_error(ssl, r);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			return tls_handshake_fail(ssl, cf, r);
		int w = sdfc_wait_fd(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, dl);
		if (w == 0)
			return sdfc_fail(CCSP_ERR_COMM, "TLS handshake with %s: no answer within %u ms", cf->host,
			                 cf->timeout_ms);
		if (w < 0)
			return sdfc_fail(CCSP_ERR_COMM, "poll failed during the TLS handshake");
	}
	return sdfc_fail(CCSP_ERR_COMM, "TLS handshake with %s does not progress", cf->host);
}

ccsp_err sdfc_tls_connect(SSL_CTX *ctx, const sdfc_conf *cf, const struct timespec *dl, SSL **out, int *fd_out)
{
	SSL *ssl = NULL;
	BIO *bio = NULL, *wbio = NULL;
	int fd = -1;
	ccsp_err err = sdfc_tcp_connect(cf, dl, &fd);
	*out = NULL;
	*fd_out = -1;
	if (err != CCSP_OK)
		goto out;
	if ((ssl = SSL_new(ctx)) == NULL || (bio = nbio_new(fd)) == NULL || (wbio = tls_wbio(fd)) == NULL) {
		err = sdfc_fail(CCSP_ERR_NOMEM, "cannot create a TLS connection");
		goto out;
	}
	SSL_set_bio(ssl, bio, wbio); /* ssl owns both */
	bio = wbio = NULL;
	if (!tls_set_peer(ssl, cf->server_name)) {
		err = sdfc_fail(CCSP_ERR_INTERNAL, "cannot set the expected server name %s", cf->server_name);
		goto out;
	}
	if ((err = tls_handshake(ssl, fd, cf, dl)) != CCSP_OK)
		goto out;
	*out = ssl;
	*fd_out = fd;
	ssl = NULL;
	fd = -1;
out:
	ERR_clear_error();
	BIO_free(bio);
	BIO_free_all(wbio);
	SSL_free(ssl);
	if (fd >= 0)
		(void)close(fd);
	return err;
}

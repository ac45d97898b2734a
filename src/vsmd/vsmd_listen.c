/* SPDX-License-Identifier: Apache-2.0 */
/* Listening: the address, the TLS 1.3 context or the TLCP configuration, the TCP and admin sockets, accepting
 * connections. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "common/netaddr.h"
#include "common/tls_keys.h"
#include "vsmd_net_internal.h"

#define RETRY_ACCEPT_MS 100

static void format_peer(const struct sockaddr *sa, char out[VSMD_PEER_MAX])
{
	char host[INET6_ADDRSTRLEN] = "?";
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
		(void)inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
		(void)snprintf(out, VSMD_PEER_MAX, "[%s]:%u", host, ntohs(a->sin6_port));
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
		(void)inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
		(void)snprintf(out, VSMD_PEER_MAX, "%s:%u", host, ntohs(a->sin_port));
	} else {
		(void)snprintf(out, VSMD_PEER_MAX, "?");
	}
}

static ccsp_err tls_context(vsmd_net *n)
{
	ccsp_err err = CCSP_ERR_INTERNAL;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	n->ssl_ctx = ctx;
	if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1)
		goto out;
	/* vsmd_io.c writes answers as the socket takes them and retries from the same (referenced) buffer */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_default_read_buffer_len(ctx, VSMD_TLS_READ_BUFFER); /* reads ahead: vsmd_io.c */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	(void)SSL_CTX_set_num_tickets(ctx, 0); /* no resumption: every connection says HELLO anyway */
	err = ccsp_tls_load_cert_key(ctx, n->cfg.cert_file, n->cfg.key_file);
out:
	ERR_clear_error();
	return err;
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
	vsmd_net *n = arg;
	(void)fd;
	(void)what;
	if (n->tcp != NULL)
		(void)evconnlistener_enable(n->tcp);
	if (n->unix_l != NULL)
		(void)evconnlistener_enable(n->unix_l);
}

/* accept() failed (EMFILE, ENOBUFS, ...): the socket stays readable, so pause instead of spinning. */
static void accept_error_cb(struct evconnlistener *l, void *arg)
{
	vsmd_net *n = arg;
	struct timeval tv = {0, RETRY_ACCEPT_MS * 1000};
	(void)evconnlistener_disable(l);
	(void)event_add(n->retry_ev, &tv);
}

static void tcp_accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
	vsmd_net *n = arg;
	char peer[VSMD_PEER_MAX];
	(void)l;
	(void)salen;
	if (n->draining || n->n_tls >= n->cfg.max_connections) {
		(void)close(fd);
		return;
	}
	int one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	format_peer(sa, peer);
	SSL *ssl = NULL;
	vsmd_tlcp *tl = NULL;
	if (n->tlcp_cfg != NULL)
		tl = vsmd_tlcp_new(n->tlcp_cfg, fd);
	else
		ssl = SSL_new(n->ssl_ctx);
	if (ssl == NULL && tl == NULL) {
		(void)close(fd);
		return;
	}
	(void)vsmd_conn_new(n, fd, ssl, tl, 0, peer); /* on failure fd and the link are gone with it */
}

static void unix_accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
	vsmd_net *n = arg;
	char peer[VSMD_PEER_MAX];
	struct ucred cred;
	socklen_t len = sizeof cred;
	(void)l;
	(void)sa;
	(void)salen;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof cred) {
		(void)close(fd);
		return;
	}
	if (cred.uid != 0 && cred.uid != geteuid()) {
		(void)snprintf(peer, sizeof peer, "uid=%u pid=%d", (unsigned)cred.uid, (int)cred.pid);
		vsmd_net_emit(n, "admin.refused", peer);
		(void)close(fd);
		return;
	}
	if (n->draining || n->n_admin >= VSMD_ADMIN_MAX_CONN) {
		(void)close(fd);
		return;
	}
	(void)snprintf(peer, sizeof peer, "admin uid=%u pid=%d", (unsigned)cred.uid, (int)cred.pid);
	(void)vsmd_conn_new(n, fd, NULL, NULL, 1, peer);
}

static ccsp_err tcp_open(vsmd_net *n, struct sockaddr_storage *ss, socklen_t sslen)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
	if (fd < 0)
		return CCSP_ERR_IO;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, (struct sockaddr *)ss, sslen) != 0 || listen(fd, SOMAXCONN) != 0)
		goto fail;
	sslen = sizeof *ss;
	if (getsockname(fd, (struct sockaddr *)ss, &sslen) != 0)
		goto fail;
	n->port = ntohs(ss->ss_family == AF_INET6 ? ((struct sockaddr_in6 *)ss)->sin6_port
	                                          : ((struct sockaddr_in *)ss)->sin_port);
	n->tcp = evconnlistener_new(n->base, tcp_accept_cb, n, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (n->tcp == NULL) {
		(void)close(fd);
		return CCSP_ERR_INTERNAL;
	}
	evconnlistener_set_error_cb(n->tcp, accept_error_cb);
	return CCSP_OK;
fail:;
	int saved = errno; /* EADDRINUSE etc. for the caller's message */
	(void)close(fd);
	errno = saved;
	return CCSP_ERR_IO;
}

/* A socket file already at path: replace it when nobody listens there (a crashed vsmd left it), refuse when
 * someone does or when it is not a socket. */
static ccsp_err admin_clear_stale(const struct sockaddr_un *sun)
{
	struct stat st;
	if (lstat(sun->sun_path, &st) != 0)
		return errno == ENOENT ? CCSP_OK : CCSP_ERR_IO;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		return CCSP_ERR_IO;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return CCSP_ERR_IO;
	int r = connect(fd, (const struct sockaddr *)sun, sizeof *sun), e = errno;
	(void)close(fd);
	if (r == 0 || e == EAGAIN || e == EINPROGRESS) {
		errno = EADDRINUSE;
		return CCSP_ERR_IO;
	}
	if (e != ECONNREFUSED) {
		errno = e;
		return CCSP_ERR_IO;
	}
	return unlink(sun->sun_path) == 0 || errno == ENOENT ? CCSP_OK : CCSP_ERR_IO;
}

/* bind, chmod 0600, then listen: nobody can connect before the mode is set. */
static ccsp_err admin_open(vsmd_net *n)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t len = strlen(n->cfg.admin_socket);
	if (len == 0 || len >= sizeof sun.sun_path)
		return CCSP_ERR_ARG;
	memcpy(sun.sun_path, n->cfg.admin_socket, len + 1);
	ccsp_err err = admin_clear_stale(&sun);
	if (err != CCSP_OK)
		return err;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), bound = 0;
	if (fd < 0)
		return CCSP_ERR_IO;
	struct stat st;
	err = CCSP_ERR_IO;
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0)
		goto fail;
	bound = 1;
	if (chmod(sun.sun_path, 0600) != 0 || listen(fd, SOMAXCONN) != 0 || stat(sun.sun_path, &st) != 0)
		goto fail;
	err = CCSP_ERR_INTERNAL;
	n->unix_l = evconnlistener_new(n->base, unix_accept_cb, n, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (n->unix_l == NULL)
		goto fail;
	evconnlistener_set_error_cb(n->unix_l, accept_error_cb);
	n->admin_dev = st.st_dev;
	n->admin_ino = st.st_ino;
	n->admin_bound = 1;
	return CCSP_OK;
fail:;
	int saved = errno;
	(void)close(fd);
	if (bound)
		(void)unlink(sun.sun_path);
	errno = saved;
	return err;
}

ccsp_err vsmd_listen_open(vsmd_net *n)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	ccsp_err err = ccsp_net_parse_listen(n->cfg.listen, &ss, &sslen);
	if (err == CCSP_OK)
		err = n->cfg.transport == VSMD_TRANSPORT_TLCP ? vsmd_tlcp_context(n) : tls_context(n);
	if (err != CCSP_OK)
		return err;
	n->retry_ev = evtimer_new(n->base, retry_cb, n);
	if (n->retry_ev == NULL)
		return CCSP_ERR_INTERNAL;
	err = tcp_open(n, &ss, sslen);
	if (err == CCSP_OK && n->cfg.admin_socket != NULL)
		err = admin_open(n);
	return err;
}

/* Closing the listening sockets (not just disabling them) makes new connection attempts fail at once. */
void vsmd_listen_close(vsmd_net *n)
{
	if (n->tcp != NULL)
		evconnlistener_free(n->tcp);
	if (n->unix_l != NULL)
		evconnlistener_free(n->unix_l);
	n->tcp = n->unix_l = NULL;
	if (n->retry_ev != NULL)
		(void)event_del(n->retry_ev);
}

void vsmd_listen_unlink_admin(vsmd_net *n)
{
	struct stat st;
	if (!n->admin_bound)
		return;
	if (stat(n->admin_socket, &st) == 0 && st.st_dev == n->admin_dev && st.st_ino == n->admin_ino)
		(void)unlink(n->admin_socket);
	n->admin_bound = 0;
}

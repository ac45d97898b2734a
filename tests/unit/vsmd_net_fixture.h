/* SPDX-License-Identifier: Apache-2.0 */
/* vsmd_net_test.c's fixture: a throwaway certificate, the server in a thread with recording handlers, and a
 * blocking TLS 1.3 / unix-socket client whose every wait is bounded (SO_RCVTIMEO). */
#ifndef CCSP_VSMD_NET_FIXTURE_H
#define CCSP_VSMD_NET_FIXTURE_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <ccsp/sdf.h>

#include "sdf/sdf_ops.h"
#include "test_util.h"
#include "vsmd/vsmd_net.h"

#define WAIT_MS 10000
#define GOOD_TOKEN "vsmd-net-test-token-0123456789"
#define BAD_STATUS 0x01000007u /* what the test's authenticate answers for a wrong token */
#define OP_ECHO CCSP_SDF_OP_ENCRYPT          /* data -> data */
#define OP_WHOAMI CCSP_SDF_OP_GET_DEVICE_INFO /* -> owner (T_HANDLE), admin (T_INDEX) */
#define OP_FAIL CCSP_SDF_OP_DECRYPT          /* writes a body, then fails: the body must not be sent */
#define OP_OPEN CCSP_SDF_OP_OPEN_SESSION     /* -> session 0x1122334455667788 in the header */
#define OP_SLOW CCSP_SDF_OP_HASH_INIT        /* waits until the test releases it */
#define OP_BIG CCSP_SDF_OP_GENERATE_RANDOM   /* length -> that many bytes */
#define NEW_SESSION 0x1122334455667788ULL

static char dir[64], cert[96], key[96], other_key[96], garbage[96];
static SSL_CTX *client_ctx;

/* ---- the server under test and its handlers ---- */

typedef struct variant {
	unsigned workers, max_connections, max_inflight, handshake_ms, idle_ms;
} variant;

typedef struct srv {
	vsmd_net *net;
	pthread_t thread;
	atomic_int running;
	ccsp_err run_err;
	int port;
	char admin[96];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t gone[64];
	unsigned n_gone;
	char events[64][128];
	unsigned n_events;
	unsigned n_auth;
	int slow_started, slow_release;
} srv;

static uint32_t t_authenticate(void *arg, const uint8_t *token, size_t len, const char *peer)
{
	srv *s = arg;
	pthread_mutex_lock(&s->mu); /* no cmocka assertion here: this is a worker thread */
	s->n_auth++;
	if (peer == NULL || strncmp(peer, "127.0.0.1:", 10) != 0)
		s->n_auth += 1000;
	pthread_mutex_unlock(&s->mu);
	return len == strlen(GOOD_TOKEN) && memcmp(token, GOOD_TOKEN, len) == 0 ? SDR_OK : BAD_STATUS;
}

static uint32_t slow_op(srv *s)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&s->mu);
	s->slow_started++;
	pthread_cond_broadcast(&s->cv);
	while (!s->slow_release && pthread_cond_timedwait(&s->cv, &s->mu, &until) == 0)
		;
	pthread_mutex_unlock(&s->mu);
	return SDR_OK;
}

static uint32_t t_dispatch(void *arg, uint64_t owner, int admin, const ccsp_sdf_header *h, ccsp_sdf_reader *r,
                           ccsp_sdf_writer *w, uint64_t *session)
{
	const uint8_t *p;
	size_t len;
	uint32_t n;
	switch (h->opcode) {
	case OP_ECHO:
		if (ccsp_sdf_get_bytes(r, CCSP_SDF_T_DATA, 0, CCSP_SDF_MAX_DATA, &p, &len) != CCSP_OK ||
		    ccsp_sdf_reader_end(r) != CCSP_OK)
			return SDR_INARGERR;
		ccsp_sdf_put_bytes(w, CCSP_SDF_T_DATA, p, len);
		return SDR_OK;
	case OP_WHOAMI:
		ccsp_sdf_put_u64(w, CCSP_SDF_T_HANDLE, owner);
		ccsp_sdf_put_u32(w, CCSP_SDF_T_INDEX, (uint32_t)admin);
		return SDR_OK;
	case OP_FAIL:
		ccsp_sdf_put_bytes(w, CCSP_SDF_T_DATA, "secret", 6);
		return SDR_SYMOPERR;
	case OP_OPEN:
		*session = NEW_SESSION;
		return SDR_OK;
	case OP_SLOW:
		return slow_op(arg);
	case OP_BIG:
		if (ccsp_sdf_get_u32(r, CCSP_SDF_T_LENGTH, &n) != CCSP_OK || n > CCSP_SDF_MAX_DATA)
			return SDR_INARGERR;
		uint8_t *d = ccsp_sdf_put_space(w, CCSP_SDF_T_DATA, n);
		if (d != NULL)
			memset(d, (int)(h->request & 0xff), n);
		return SDR_OK;
	default:
		return SDR_NOTSUPPORT;
	}
}

static void t_owner_gone(void *arg, uint64_t owner)
{
	srv *s = arg;
	pthread_mutex_lock(&s->mu);
	if (s->n_gone < 64)
		s->gone[s->n_gone] = owner;
	s->n_gone++;
	pthread_mutex_unlock(&s->mu);
}

static void t_event(void *arg, const char *name, const char *detail)
{
	srv *s = arg;
	pthread_mutex_lock(&s->mu);
	if (s->n_events < 64)
		(void)snprintf(s->events[s->n_events++], 128, "%s %s", name, detail);
	pthread_mutex_unlock(&s->mu);
}

static void *run_thread(void *arg)
{
	srv *s = arg;
	s->run_err = vsmd_net_run(s->net);
	atomic_store(&s->running, 0);
	return NULL;
}

static const variant default_variant = {2, 64, 4, 10000, 30000};

static vsmd_net_config make_config(const variant *v, const char *admin)
{
	vsmd_net_config cfg = {
		.listen = "127.0.0.1:0",
		.cert_file = cert,
		.key_file = key,
		.admin_socket = admin,
		.workers = v->workers,
		.max_connections = v->max_connections,
		.max_inflight = v->max_inflight,
		.handshake_timeout_ms = v->handshake_ms,
		.idle_timeout_ms = v->idle_ms,
	};
	return cfg;
}

static int srv_setup(void **state)
{
	const variant *v = *state != NULL ? *state : &default_variant;
	srv *s = calloc(1, sizeof *s);
	assert_non_null(s);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	(void)snprintf(s->admin, sizeof s->admin, "%s/admin.sock", dir);
	vsmd_net_config cfg = make_config(v, s->admin);
	vsmd_net_handlers h = {s, t_authenticate, t_dispatch, t_owner_gone, t_event};
	assert_ok(vsmd_net_new(&cfg, &h, &s->net));
	s->port = vsmd_net_port(s->net);
	assert_true(s->port > 0);
	atomic_store(&s->running, 1);
	assert_int_equal(pthread_create(&s->thread, NULL, run_thread, s), 0);
	*state = s;
	return 0;
}

static int wait_for(int (*cond)(srv *), srv *s)
{
	for (int i = 0; i < WAIT_MS / 10; i++) {
		if (cond(s))
			return 1;
		usleep(10000);
	}
	return cond(s);
}

static int stopped(srv *s)
{
	return !atomic_load(&s->running);
}

/* Stop, wait (bounded) for run to return, free. Returns run's result. */
static ccsp_err srv_stop(srv *s)
{
	if (s->net == NULL)
		return s->run_err;
	vsmd_net_stop(s->net);
	if (!wait_for(stopped, s))
		fail_msg("vsmd_net_run did not return after vsmd_net_stop");
	pthread_join(s->thread, NULL);
	vsmd_net_free(s->net);
	s->net = NULL;
	return s->run_err;
}

static int srv_teardown(void **state)
{
	srv *s = *state;
	pthread_mutex_lock(&s->mu);
	s->slow_release = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	assert_ok(srv_stop(s));
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
	return 0;
}

static int has_event(srv *s, const char *prefix)
{
	int found = 0;
	pthread_mutex_lock(&s->mu);
	for (unsigned i = 0; i < s->n_events; i++)
		found |= strncmp(s->events[i], prefix, strlen(prefix)) == 0;
	pthread_mutex_unlock(&s->mu);
	return found;
}

static unsigned gone_count(srv *s, uint64_t owner)
{
	unsigned k = 0;
	pthread_mutex_lock(&s->mu);
	for (unsigned i = 0; i < s->n_gone && i < 64; i++)
		k += s->gone[i] == owner;
	pthread_mutex_unlock(&s->mu);
	return k;
}

/* ---- client ---- */

typedef struct cli {
	int fd;
	SSL *ssl; /* NULL on the admin socket */
} cli;

typedef struct resp {
	ccsp_sdf_header h;
	uint8_t *body;
} resp;

static void set_io_timeouts(int fd)
{
	struct timeval tv = {WAIT_MS / 1000, 0};
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv), 0);
}

/* TCP connect to 127.0.0.1:port; -1 (errno set) when refused. */
static int tcp_connect(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	set_io_timeouts(fd);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* 1 when the TLS handshake completed, 0 when the server refused or closed. */
static int cli_tls(cli *c, int port, SSL_CTX *ctx)
{
	c->fd = tcp_connect(port);
	assert_true(c->fd >= 0);
	c->ssl = SSL_new(ctx);
	assert_non_null(c->ssl);
	assert_int_equal(SSL_set_fd(c->ssl, c->fd), 1);
	int ok = SSL_connect(c->ssl) == 1;
	ERR_clear_error();
	return ok;
}

static cli cli_open(srv *s)
{
	cli c;
	if (!cli_tls(&c, s->port, client_ctx))
		fail_msg("TLS handshake with vsmd_net failed");
	return c;
}

static cli cli_admin(srv *s)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	cli c = {socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), NULL};
	assert_true(c.fd >= 0);
	(void)snprintf(a.sun_path, sizeof a.sun_path, "%s", s->admin);
	set_io_timeouts(c.fd);
	assert_int_equal(connect(c.fd, (struct sockaddr *)&a, sizeof a), 0);
	return c;
}

static void cli_close(cli *c)
{
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	c->ssl = NULL;
	c->fd = -1;
}

static void cli_write(cli *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len > 0) {
		ssize_t r = c->ssl != NULL ? SSL_write(c->ssl, p, (int)(len > (1u << 30) ? 1u << 30 : len))
		                           : write(c->fd, p, len);
		if (r <= 0)
			fail_msg("write to vsmd_net failed");
		p += r;
		len -= (size_t)r;
	}
}

/* 1: all len bytes read; 0: the server closed; fails the test on a timeout. */
static int cli_read(cli *c, void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len > 0) {
		ssize_t r;
		if (c->ssl != NULL) {
			r = SSL_read(c->ssl, p, (int)(len > (1u << 30) ? 1u << 30 : len));
			if (r <= 0 && SSL_get_error(c->ssl, (int)r) == SSL_ERROR_WANT_READ)
				fail_msg("timed out reading from vsmd_net");
			ERR_clear_error();
		} else {
			r = read(c->fd, p, len);
			if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				fail_msg("timed out reading from vsmd_net");
		}
		if (r <= 0)
			return 0;
		p += r;
		len -= (size_t)r;
	}
	return 1;
}

static void expect_closed(cli *c)
{
	uint8_t b;
	if (cli_read(c, &b, 1) != 0)
		fail_msg("connection still open (got a byte)");
}

/* Send a request whose fields were put into w (initialised by the caller). */
static void send_req(cli *c, ccsp_sdf_writer *w, uint16_t op, uint32_t request, uint64_t session)
{
	ccsp_sdf_header h = {CCSP_SDF_WIRE_VERSION, CCSP_SDF_REQUEST, op, request, session, 0, 0};
	uint8_t *frame;
	size_t len;
	assert_ok(ccsp_sdf_writer_finish(w, &h, &frame, &len));
	cli_write(c, frame, len);
	free(frame);
}

static void send_raw_header(cli *c, uint8_t version, uint8_t type, uint16_t op, uint32_t length)
{
	uint8_t b[CCSP_SDF_HEADER_SIZE] = {version, type, (uint8_t)(op >> 8), (uint8_t)op};
	b[20] = (uint8_t)(length >> 24);
	b[21] = (uint8_t)(length >> 16);
	b[22] = (uint8_t)(length >> 8);
	b[23] = (uint8_t)length;
	cli_write(c, b, sizeof b);
}

/* 1 with a response in r (free with resp_free), 0 when the server closed instead. */
static int recv_resp(cli *c, resp *r)
{
	uint8_t hdr[CCSP_SDF_HEADER_SIZE];
	r->body = NULL;
	if (!cli_read(c, hdr, sizeof hdr))
		return 0;
	assert_ok(ccsp_sdf_header_decode(hdr, &r->h));
	assert_int_equal(r->h.type, CCSP_SDF_RESPONSE);
	r->body = malloc(r->h.length + 1u);
	assert_non_null(r->body);
	if (!cli_read(c, r->body, r->h.length))
		fail_msg("connection closed inside a frame");
	return 1;
}

static resp must_recv(cli *c)
{
	resp r;
	if (!recv_resp(c, &r))
		fail_msg("connection closed before the response");
	return r;
}

static void resp_free(resp *r)
{
	free(r->body);
	r->body = NULL;
}

static const uint8_t ZERO_ID[16];

/* HELLO with token and id_in; returns the status, the device id in id_out when SDR_OK. */
static uint32_t hello(cli *c, const char *token, const uint8_t id_in[16], uint8_t id_out[16])
{
	ccsp_sdf_writer w;
	assert_ok(ccsp_sdf_writer_init(&w, 128));
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_TOKEN, token, strlen(token));
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DEVICE_ID, id_in, 16);
	send_req(c, &w, CCSP_SDF_OP_HELLO, 1, 0);
	resp r = must_recv(c);
	assert_int_equal(r.h.opcode, CCSP_SDF_OP_HELLO);
	assert_int_equal(r.h.request, 1);
	uint32_t status = r.h.status;
	if (status == SDR_OK) {
		ccsp_sdf_reader rd;
		ccsp_sdf_reader_init(&rd, r.body, r.h.length);
		assert_ok(ccsp_sdf_get_fixed(&rd, CCSP_SDF_T_DEVICE_ID, id_out, 16));
		assert_ok(ccsp_sdf_reader_end(&rd));
	} else {
		assert_int_equal(r.h.length, 0);
	}
	resp_free(&r);
	return status;
}

static cli cli_hello(srv *s, uint8_t id[16])
{
	cli c = cli_open(s);
	uint8_t tmp[16];
	assert_int_equal(hello(&c, GOOD_TOKEN, id != NULL ? id : ZERO_ID, tmp), SDR_OK);
	if (id != NULL)
		memcpy(id, tmp, 16);
	return c;
}

static void send_echo(cli *c, uint32_t request, const void *data, size_t len)
{
	ccsp_sdf_writer w;
	assert_ok(ccsp_sdf_writer_init(&w, len + 16));
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DATA, data, len);
	send_req(c, &w, OP_ECHO, request, 0);
}

static void check_echo(const resp *r, uint32_t request, const void *data, size_t len)
{
	const uint8_t *p;
	size_t n;
	ccsp_sdf_reader rd;
	assert_int_equal(r->h.status, SDR_OK);
	assert_int_equal(r->h.request, request);
	ccsp_sdf_reader_init(&rd, r->body, r->h.length);
	assert_ok(ccsp_sdf_get_bytes(&rd, CCSP_SDF_T_DATA, 0, CCSP_SDF_MAX_DATA, &p, &n));
	assert_ok(ccsp_sdf_reader_end(&rd));
	assert_int_equal(n, len);
	assert_memory_equal(p, data, len);
}

static void echo(cli *c, uint32_t request, const char *text)
{
	send_echo(c, request, text, strlen(text));
	resp r = must_recv(c);
	check_echo(&r, request, text, strlen(text));
	resp_free(&r);
}

/* A request without fields; returns the response (caller frees). */
static resp call(cli *c, uint16_t op, uint32_t request, uint64_t session)
{
	ccsp_sdf_writer w;
	assert_ok(ccsp_sdf_writer_init(&w, 16));
	send_req(c, &w, op, request, session);
	return must_recv(c);
}

static uint64_t whoami(cli *c, int *admin)
{
	resp r = call(c, OP_WHOAMI, 77, 0);
	ccsp_sdf_reader rd;
	uint64_t owner = 0;
	uint32_t a = 0;
	assert_int_equal(r.h.status, SDR_OK);
	ccsp_sdf_reader_init(&rd, r.body, r.h.length);
	assert_ok(ccsp_sdf_get_u64(&rd, CCSP_SDF_T_HANDLE, &owner));
	assert_ok(ccsp_sdf_get_u32(&rd, CCSP_SDF_T_INDEX, &a));
	resp_free(&r);
	if (admin != NULL)
		*admin = (int)a;
	return owner;
}

/* ---- the throwaway certificate (self-signed, IP:127.0.0.1) ---- */

static EVP_PKEY *write_key(const char *path)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	assert_non_null(k);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	assert_int_equal(fclose(f), 0);
	return k;
}

static void write_cert(const char *path, EVP_PKEY *k)
{
	X509 *x = X509_new();
	X509V3_CTX v3;
	assert_non_null(x);
	assert_int_equal(X509_set_version(x, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 1), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), -3600));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
	assert_int_equal(X509_set_pubkey(x, k), 1);
	X509_NAME *name = X509_get_subject_name(x);
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const uint8_t *)"vsmd-test", -1, -1, 0), 1);
	assert_int_equal(X509_set_issuer_name(x, name), 1);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, "IP:127.0.0.1");
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, x), 1);
	assert_int_equal(fclose(f), 0);
	X509_free(x);
}

static int group_setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN); /* as vsmd's main does: a vanished peer must not kill the process */
	memcpy(dir, "/tmp/ccsp-vsmdnet-XXXXXX", sizeof "/tmp/ccsp-vsmdnet-XXXXXX");
	assert_non_null(mkdtemp(dir));
	(void)snprintf(cert, sizeof cert, "%s/cert.pem", dir);
	(void)snprintf(key, sizeof key, "%s/key.pem", dir);
	(void)snprintf(other_key, sizeof other_key, "%s/other.pem", dir);
	(void)snprintf(garbage, sizeof garbage, "%s/garbage.pem", dir);
	EVP_PKEY *k = write_key(key);
	write_cert(cert, k);
	EVP_PKEY_free(k);
	EVP_PKEY_free(write_key(other_key));
	FILE *f = fopen(garbage, "w");
	assert_non_null(f);
	fputs("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", f);
	assert_int_equal(fclose(f), 0);

	client_ctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(client_ctx);
	assert_int_equal(SSL_CTX_set_min_proto_version(client_ctx, TLS1_3_VERSION), 1);
	assert_int_equal(SSL_CTX_load_verify_locations(client_ctx, cert, NULL), 1);
	SSL_CTX_set_verify(client_ctx, SSL_VERIFY_PEER, NULL);
	assert_int_equal(X509_VERIFY_PARAM_set1_ip_asc(SSL_CTX_get0_param(client_ctx), "127.0.0.1"), 1);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	SSL_CTX_free(client_ctx);
	const char *files[] = {cert, key, other_key, garbage};
	for (size_t i = 0; i < 4; i++)
		(void)unlink(files[i]);
	(void)rmdir(dir);
	return 0;
}

#endif

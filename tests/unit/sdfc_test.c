/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libsdf's transport (src/libsdf/sdfc.h) against a fake vsmd running in threads of this process: TLS 1.3 on
 * loopback with a throwaway self-signed certificate for 127.0.0.1 / localhost, HELLO, and requests echoed
 * back in batches answered in reverse order (so responses arrive out of order). Also: certificate failures,
 * refused HELLOs, config errors, a server hanging up mid-call, one that never answers, reconnection.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "libsdf/sdfc.h"
#include "sdf/sdf_ops.h"
#include "sdf/sdf_token.h"
#include "sdf/sdf_wire.h"
#include "test_util.h"

#define OP_ECHO 0x7001 /* test opcodes: the fake server echoes the body back */
#define OP_DROP 0x7002 /* the fake server hangs up on this one */
#define FAKE_MAX_CONNS 64
#define BATCH_MAX 16
#define BATCH_WAIT_MS 5
#define STATUS_REFUSED 0x0100000Au
#define N_THREADS 8
#define N_CALLS 200
#define BIG_BODY (200u << 10)

static const uint8_t TOKEN[32] = "ccsp sdfc test token 0123456789";
static const uint8_t OTHER_TOKEN[32] = "another token that VSM refuses";
static const uint8_t DEVICE_ID[16] = {0xd1, 0xd2, 0xd3, 0xd4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* ---- fixtures: a temporary directory with certificates and sealed tokens ---- */

static char tmpdir[] = "/tmp/sdfc_test.XXXXXX";
static SSL_CTX *server_ctx;

static const char *tmp_path(const char *name)
{
	static _Thread_local char buf[4][256];
	static _Thread_local unsigned next;
	char *p = buf[next++ % 4];
	(void)snprintf(p, sizeof buf[0], "%s/%s", tmpdir, name);
	return p;
}

static void add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, v3, nid, value);
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

/* A self-signed certificate for IP 127.0.0.1 and DNS localhost. */
static X509 *make_cert(EVP_PKEY *key, const char *cn)
{
	X509 *x = X509_new();
	X509V3_CTX v3;
	assert_non_null(x);
	assert_int_equal(X509_set_version(x, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 1), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), -3600));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
	assert_int_equal(X509_set_pubkey(x, key), 1);
	X509_NAME *name = X509_get_subject_name(x);
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0), 1);
	assert_int_equal(X509_set_issuer_name(x, name), 1);
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	add_ext(x, &v3, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
	add_ext(x, &v3, NID_basic_constraints, "critical,CA:TRUE");
	add_ext(x, &v3, NID_key_usage, "critical,digitalSignature,keyCertSign");
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	return x;
}

static void write_pem(const char *path, X509 *x)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, x), 1);
	assert_int_equal(fclose(f), 0);
}

static int group_setup(void **state)
{
	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	EVP_PKEY *key = EVP_EC_gen("P-256"), *other_key = EVP_EC_gen("P-256");
	assert_non_null(key);
	assert_non_null(other_key);
	X509 *cert = make_cert(key, "vsm"), *other = make_cert(other_key, "vsm");
	write_pem(tmp_path("cert.pem"), cert);
	write_pem(tmp_path("other.pem"), other);
	server_ctx = SSL_CTX_new(TLS_server_method());
	assert_non_null(server_ctx);
	assert_int_equal(SSL_CTX_set_min_proto_version(server_ctx, TLS1_3_VERSION), 1);
	assert_int_equal(SSL_CTX_use_certificate(server_ctx, cert), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(server_ctx, key), 1);
	X509_free(cert);
	X509_free(other);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other_key);
	assert_int_equal(setenv("CCSP_SDF_PIN", "sdfc-test-pin", 1), 0);
	assert_ok(ccsp_sdf_token_seal(tmp_path("token"), TOKEN, sizeof TOKEN));
	assert_ok(ccsp_sdf_token_seal(tmp_path("other-token"), OTHER_TOKEN, sizeof OTHER_TOKEN));
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	const char *files[] = {"cert.pem", "other.pem", "token", "other-token", "sdf.conf", "garbage.pem"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		(void)unlink(tmp_path(files[i]));
	(void)rmdir(tmpdir);
	SSL_CTX_free(server_ctx);
	return 0;
}

/* Write sdf.conf (relative paths: resolved against tmpdir) and point CCSP_SDF_CONF at it. */
static void write_conf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void write_conf(const char *fmt, ...)
{
	va_list ap;
	FILE *f = fopen(tmp_path("sdf.conf"), "w");
	assert_non_null(f);
	va_start(ap, fmt);
	assert_true(vfprintf(f, fmt, ap) >= 0);
	va_end(ap);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(setenv("CCSP_SDF_CONF", tmp_path("sdf.conf"), 1), 0);
}

static void write_std_conf(unsigned port, unsigned pool, unsigned timeout_ms, const char *extra)
{
	write_conf("# test\naddress = 127.0.0.1:%u\nca_file = cert.pem\ntoken_file = token\npool_size = %u\n"
	           "timeout_ms = %u\n%s",
	           port, pool, timeout_ms, extra);
}

/* ---- the fake vsmd ---- */

enum fake_mode {
	FAKE_ECHO,   /* answers HELLO, echoes requests (batches in reverse order) */
	FAKE_REFUSE, /* refuses every HELLO */
	FAKE_HANGUP, /* answers HELLO, hangs up on the first request */
	FAKE_SILENT, /* answers HELLO, never answers a request */
};

typedef struct fake_server {
	enum fake_mode mode;
	int lfd;
	unsigned port;
	pthread_t acceptor;
	atomic_int stop;
	atomic_int refuse_join; /* refuse HELLOs that join the device context */
	int fds[FAKE_MAX_CONNS];
	pthread_t threads[FAKE_MAX_CONNS];
	int nconns; /* written by the acceptor only; read after it is joined */
	atomic_int hello_new, hello_join, max_batch, requests;
} fake_server;

typedef struct fake_conn {
	fake_server *s;
	SSL *ssl;
	int fd;
} fake_conn;

typedef struct srv_frame {
	ccsp_sdf_header h;
	uint8_t *body;
} srv_frame;

static int srv_read(SSL *ssl, uint8_t *buf, size_t n)
{
	size_t got = 0;
	while (got < n) { /* every pass reads at least one byte */
		int r = SSL_read(ssl, buf + got, (int)(n - got));
		if (r <= 0)
			return 0;
		got += (size_t)r;
	}
	return 1;
}

static int srv_read_frame(SSL *ssl, srv_frame *f)
{
	uint8_t hdr[CCSP_SDF_HEADER_SIZE];
	f->body = NULL;
	if (!srv_read(ssl, hdr, sizeof hdr) || ccsp_sdf_header_decode(hdr, &f->h) != CCSP_OK ||
	    f->h.type != CCSP_SDF_REQUEST)
		return 0;
	f->body = malloc(f->h.length + 1u);
	return f->body != NULL && srv_read(ssl, f->body, f->h.length);
}

static int srv_reply(SSL *ssl, const ccsp_sdf_header *req, uint32_t status, const uint8_t *body, size_t len)
{
	ccsp_sdf_header h = *req;
	h.type = CCSP_SDF_RESPONSE;
	h.status = status;
	h.length = (uint32_t)len;
	uint8_t *buf = malloc(CCSP_SDF_HEADER_SIZE + len);
	if (buf == NULL)
		return 0;
	ccsp_sdf_header_encode(&h, buf);
	if (len != 0)
		memcpy(buf + CCSP_SDF_HEADER_SIZE, body, len);
	int ok = SSL_write(ssl, buf, (int)(CCSP_SDF_HEADER_SIZE + len)) == (int)(CCSP_SDF_HEADER_SIZE + len);
	free(buf);
	return ok;
}

/* HELLO: the right token, and a zero device id (new context) or DEVICE_ID (join). 1 when accepted. */
static int fake_hello(fake_server *s, SSL *ssl)
{
	static const uint8_t zero[16];
	srv_frame f;
	ccsp_sdf_reader r;
	ccsp_sdf_writer w;
	const uint8_t *tok = NULL;
	size_t tlen = 0;
	uint8_t id[16], *frame = NULL;
	size_t flen = 0;
	int ok = srv_read_frame(ssl, &f) && f.h.opcode == CCSP_SDF_OP_HELLO;
	if (!ok) {
		free(f.body);
		return 0;
	}
	ccsp_sdf_reader_init(&r, f.body, f.h.length);
	ok = ccsp_sdf_get_bytes(&r, CCSP_SDF_T_TOKEN, CCSP_SDF_TOKEN_MIN, CCSP_SDF_TOKEN_MAX, &tok, &tlen) == CCSP_OK &&
	     ccsp_sdf_get_fixed(&r, CCSP_SDF_T_DEVICE_ID, id, sizeof id) == CCSP_OK &&
	     ccsp_sdf_reader_end(&r) == CCSP_OK && tlen == sizeof TOKEN && memcmp(tok, TOKEN, tlen) == 0;
	int is_new = ok && memcmp(id, zero, sizeof id) == 0;
	int join = ok && memcmp(id, DEVICE_ID, sizeof id) == 0 && !atomic_load(&s->refuse_join);
	if (s->mode == FAKE_REFUSE || !(is_new || join)) {
		(void)srv_reply(ssl, &f.h, STATUS_REFUSED, NULL, 0);
		free(f.body);
		return 0;
	}
	atomic_fetch_add(is_new ? &s->hello_new : &s->hello_join, 1);
	ccsp_sdf_header h = f.h;
	h.type = CCSP_SDF_RESPONSE;
	ok = ccsp_sdf_writer_init(&w, 32) == CCSP_OK;
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DEVICE_ID, DEVICE_ID, sizeof DEVICE_ID);
	ok = ccsp_sdf_writer_finish(&w, &h, &frame, &flen) == CCSP_OK && ok;
	ok = ok && SSL_write(ssl, frame, (int)flen) == (int)flen;
	free(frame);
	free(f.body);
	return ok;
}

/* Answer one request: 1 to go on, 0 when the connection is to end. */
static int fake_answer(fake_conn *fc, const srv_frame *f)
{
	if (fc->s->mode == FAKE_HANGUP || f->h.opcode == OP_DROP) {
		(void)shutdown(fc->fd, SHUT_RDWR);
		return 0;
	}
	if (fc->s->mode == FAKE_SILENT)
		return 1;
	return srv_reply(fc->ssl, &f->h, 0, f->body, f->h.length);
}

static int more_coming(fake_conn *fc)
{
	struct pollfd p = {.fd = fc->fd, .events = POLLIN, .revents = 0};
	return SSL_pending(fc->ssl) > 0 || poll(&p, 1, BATCH_WAIT_MS) > 0;
}

/* Read what the client sends in a burst, then answer it in reverse order. */
static void fake_loop(fake_conn *fc)
{
	srv_frame batch[BATCH_MAX];
	for (unsigned iter = 0; iter < 1000000; iter++) {
		size_t n = 0;
		int alive = 1;
		do
			alive = srv_read_frame(fc->ssl, &batch[n++]);
		while (alive && n < BATCH_MAX && more_coming(fc));
		if (alive) {
			int prev = atomic_load(&fc->s->max_batch);
			while ((int)n > prev && !atomic_compare_exchange_weak(&fc->s->max_batch, &prev, (int)n))
				;
			atomic_fetch_add(&fc->s->requests, (int)n);
		}
		for (size_t i = n; i-- > 0;)
			alive = alive && fake_answer(fc, &batch[i]);
		for (size_t i = 0; i < n; i++)
			free(batch[i].body);
		if (!alive)
			return;
	}
}

static void *fake_serve(void *arg)
{
	fake_conn fc = *(fake_conn *)arg;
	free(arg);
	fc.ssl = SSL_new(server_ctx);
	if (fc.ssl != NULL && SSL_set_fd(fc.ssl, fc.fd) == 1 && SSL_accept(fc.ssl) == 1 && fake_hello(fc.s, fc.ssl))
		fake_loop(&fc);
	SSL_free(fc.ssl); /* the descriptor stays open until fake_stop: it must not be reused while listed */
	return NULL;
}

static void *fake_accept(void *arg)
{
	fake_server *s = arg;
	sigset_t set;
	/* the server writes to clients that hung up; the client side keeps SIGPIPE deadly, which proves libsdf
	 * never raises it */
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (unsigned i = 0; i < 200000 && !atomic_load(&s->stop); i++) {
		struct pollfd p = {.fd = s->lfd, .events = POLLIN, .revents = 0};
		if (poll(&p, 1, 20) <= 0)
			continue;
		int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		fake_conn *fc = malloc(sizeof *fc);
		if (s->nconns == FAKE_MAX_CONNS || fc == NULL) {
			free(fc);
			(void)close(fd);
			continue;
		}
		fc->s = s;
		fc->fd = fd;
		fc->ssl = NULL;
		s->fds[s->nconns] = fd;
		if (pthread_create(&s->threads[s->nconns], NULL, fake_serve, fc) != 0) {
			free(fc);
			(void)close(fd);
			continue;
		}
		s->nconns++;
	}
	return NULL;
}

static void fake_start(fake_server *s, enum fake_mode mode)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof a;
	memset(s, 0, sizeof *s);
	s->mode = mode;
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s->lfd >= 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(s->lfd, 64), 0);
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&a, &alen), 0);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&s->acceptor, NULL, fake_accept, s), 0);
}

static void fake_stop(fake_server *s)
{
	atomic_store(&s->stop, 1);
	assert_int_equal(pthread_join(s->acceptor, NULL), 0);
	(void)close(s->lfd);
	for (int i = 0; i < s->nconns; i++)
		(void)shutdown(s->fds[i], SHUT_RDWR);
	for (int i = 0; i < s->nconns; i++) {
		assert_int_equal(pthread_join(s->threads[i], NULL), 0);
		(void)close(s->fds[i]);
	}
}

/* ---- client helpers ---- */

/* One echo call carrying n bytes derived from seed; 1 when the answer is right. */
static int echo_once(sdfc_device *d, uint64_t session, size_t n, unsigned seed, ccsp_err *err_out)
{
	uint8_t *data = malloc(n + 1), *body = NULL;
	size_t len = 0, got_len = 0;
	uint32_t status = 99;
	uint64_t sess = 0;
	const uint8_t *got = NULL;
	ccsp_sdf_writer w;
	ccsp_sdf_reader r;
	int ok = 0;
	if (data == NULL)
		return 0;
	for (size_t k = 0; k < n; k++)
		data[k] = (uint8_t)(seed * 31u + k * 7u + (k >> 8));
	if (ccsp_sdf_writer_init(&w, n + CCSP_SDF_FIELD_HEADER) != CCSP_OK) {
		free(data);
		return 0;
	}
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DATA, data, n);
	*err_out = sdfc_call(d, OP_ECHO, session, &w, &status, &body, &len, &sess);
	if (*err_out == CCSP_OK && status == 0 && sess == session && len == n + CCSP_SDF_FIELD_HEADER) {
		ccsp_sdf_reader_init(&r, body, len);
		ok = ccsp_sdf_get_bytes(&r, CCSP_SDF_T_DATA, 0, CCSP_SDF_MAX_BODY, &got, &got_len) == CCSP_OK &&
		     ccsp_sdf_reader_end(&r) == CCSP_OK && got_len == n && memcmp(got, data, n) == 0;
	}
	free(body);
	free(data);
	return ok;
}

static sdfc_device *open_ok(void)
{
	sdfc_device *d = NULL;
	ccsp_err err = sdfc_device_open(NULL, &d);
	if (err != CCSP_OK)
		fail_msg("sdfc_device_open: %s: %s", ccsp_err_name(err), sdfc_last_error());
	assert_non_null(d);
	return d;
}

static void expect_open_fails(ccsp_err expected)
{
	sdfc_device *d = (sdfc_device *)&d; /* must be set to NULL */
	ccsp_err err = sdfc_device_open(NULL, &d);
	if (err != expected)
		fail_msg("sdfc_device_open: got %s (%s), expected %s", ccsp_err_name(err), sdfc_last_error(),
		         ccsp_err_name(expected));
	assert_null(d);
	assert_true(sdfc_last_error()[0] != '\0');
}

typedef struct worker {
	sdfc_device *d;
	unsigned id, calls;
	int bad;           /* wrong answers */
	ccsp_err last_err; /* of the last call */
	char msg[256];
} worker;

static void *worker_run(void *arg)
{
	worker *w = arg;
	for (unsigned i = 0; i < w->calls; i++) {
		size_t n = i % 64 == 5 ? BIG_BODY : (w->id * 131u + i * 17u) % 3000u;
		if (!echo_once(w->d, (uint64_t)w->id << 32 | i, n, w->id * 1000u + i, &w->last_err)) {
			if (w->bad++ == 0)
				(void)snprintf(w->msg, sizeof w->msg, "thread %u call %u: %s: %s", w->id, i,
				               ccsp_err_name(w->last_err), sdfc_last_error());
		}
	}
	return NULL;
}

/* nthreads threads making calls each; returns the number of wrong answers. */
static int run_workers(sdfc_device *d, unsigned nthreads, unsigned calls, worker *ws)
{
	pthread_t t[N_THREADS];
	int bad = 0;
	assert_true(nthreads <= N_THREADS);
	for (unsigned i = 0; i < nthreads; i++) {
		memset(&ws[i], 0, sizeof ws[i]);
		ws[i].d = d;
		ws[i].id = i;
		ws[i].calls = calls;
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &ws[i]), 0);
	}
	for (unsigned i = 0; i < nthreads; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		bad += ws[i].bad;
	}
	return bad;
}

/* ---- tests ---- */

/* N_THREADS threads x N_CALLS echo calls over a pool of pool_size connections. */
static void echo_threads(unsigned pool_size)
{
	fake_server s;
	worker ws[N_THREADS];
	fake_start(&s, FAKE_ECHO);
	write_std_conf(s.port, pool_size, 30000, "");
	sdfc_device *d = open_ok();
	int bad = run_workers(d, N_THREADS, N_CALLS, ws);
	for (unsigned i = 0; i < N_THREADS; i++)
		if (ws[i].bad != 0)
			print_message("%s\n", ws[i].msg);
	assert_int_equal(bad, 0);
	sdfc_device_close(d);
	fake_stop(&s);
	assert_int_equal(atomic_load(&s.requests), N_THREADS * N_CALLS);
	assert_int_equal(atomic_load(&s.hello_new), 1); /* one device context, joined by the other connections */
	assert_true(atomic_load(&s.hello_join) <= (int)pool_size - 1);
	assert_true(pool_size == 1 || atomic_load(&s.hello_join) >= 1);
	assert_true(atomic_load(&s.max_batch) >= 2); /* some responses did come out of order */
}

static void test_echo_threads(void **state)
{
	(void)state;
	echo_threads(3);
}

/* Every thread on one connection: the reader role passes between them all the time. */
static void test_echo_threads_one_connection(void **state)
{
	(void)state;
	echo_threads(1);
}

static void test_names(void **state)
{
	(void)state;
	fake_server s;
	ccsp_err err;
	fake_start(&s, FAKE_ECHO);
	/* a DNS name: resolved, checked against the DNS SAN (and sent as SNI) */
	write_conf("address = localhost:%u\nca_file = cert.pem\ntoken_file = token\n", s.port);
	sdfc_device *d = open_ok();
	assert_true(echo_once(d, 1, 10, 1, &err));
	sdfc_device_close(d);
	/* an IP address, server_name given explicitly as a name the certificate has */
	write_std_conf(s.port, 1, 5000, "server_name = localhost\n");
	d = open_ok();
	assert_true(echo_once(d, 1, 10, 1, &err));
	sdfc_device_close(d);
	/* absolute paths */
	write_conf("address = 127.0.0.1:%u\nca_file = %s\ntoken_file = %s\n", s.port, tmp_path("cert.pem"),
	           tmp_path("token"));
	d = open_ok();
	sdfc_device_close(d);
	fake_stop(&s);
}

static void test_certificate_failures(void **state)
{
	(void)state;
	fake_server s;
	fake_start(&s, FAKE_ECHO);
	write_conf("address = 127.0.0.1:%u\nca_file = other.pem\ntoken_file = token\n", s.port);
	expect_open_fails(CCSP_ERR_COMM); /* a CA that did not issue the certificate */
	write_std_conf(s.port, 1, 5000, "server_name = vsm.example.com\n");
	expect_open_fails(CCSP_ERR_COMM); /* the name is not in the certificate */
	write_std_conf(s.port, 1, 5000, "server_name = 127.0.0.2\n");
	expect_open_fails(CCSP_ERR_COMM); /* nor this address */
	fake_stop(&s);
	assert_int_equal(atomic_load(&s.hello_new), 0);
}

static void test_hello_refused(void **state)
{
	(void)state;
	fake_server s;
	fake_start(&s, FAKE_REFUSE);
	write_std_conf(s.port, 2, 5000, "");
	expect_open_fails(CCSP_ERR_TOKEN);
	fake_stop(&s);
	fake_start(&s, FAKE_ECHO);
	write_conf("address = 127.0.0.1:%u\nca_file = cert.pem\ntoken_file = other-token\n", s.port);
	expect_open_fails(CCSP_ERR_TOKEN); /* a token the VSM does not know */
	fake_stop(&s);
}

static void test_config_errors(void **state)
{
	(void)state;
	write_conf("ca_file = cert.pem\ntoken_file = token\n");
	expect_open_fails(CCSP_ERR_DECODE); /* no address */
	write_conf("address = 127.0.0.1:1\ntoken_file = token\n");
	expect_open_fails(CCSP_ERR_DECODE); /* no ca_file */
	write_conf("address = 127.0.0.1:1\nca_file = cert.pem\n");
	expect_open_fails(CCSP_ERR_DECODE); /* no token_file */
	write_std_conf(1, 4, 1000, "adress = 127.0.0.1:1\n");
	expect_open_fails(CCSP_ERR_DECODE); /* unknown key */
	const char *pools[] = {"0", "65", "abc", "-1", "4x"};
	for (size_t i = 0; i < sizeof pools / sizeof pools[0]; i++) {
		write_conf("address = 127.0.0.1:1\nca_file = cert.pem\ntoken_file = token\npool_size = %s\n", pools[i]);
		expect_open_fails(CCSP_ERR_DECODE);
	}
	const char *timeouts[] = {"99", "600001", "1e3"};
	for (size_t i = 0; i < sizeof timeouts / sizeof timeouts[0]; i++) {
		write_conf("address = 127.0.0.1:1\nca_file = cert.pem\ntoken_file = token\ntimeout_ms = %s\n",
		           timeouts[i]);
		expect_open_fails(CCSP_ERR_DECODE);
	}
	const char *addrs[] = {"127.0.0.1", "127.0.0.1:", ":80", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:8x",
	                       "::1:80", "[::1]80", "[::1]:", "[127.0.0.1]:80", "[::1:80", "host name:80",
	                       "a_b:80", "127.0.0.1:123456"};
	for (size_t i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
		write_conf("address = %s\nca_file = cert.pem\ntoken_file = token\n", addrs[i]);
		expect_open_fails(CCSP_ERR_DECODE);
	}
	write_std_conf(1, 4, 1000, "server_name = bad/name\n");
	expect_open_fails(CCSP_ERR_DECODE);
	write_std_conf(1, 4, 1000, "pool_size = 2\n");
	expect_open_fails(CCSP_ERR_DECODE); /* a repeated key */
	/* files */
	write_conf("address = 127.0.0.1:1\nca_file = missing.pem\ntoken_file = token\n");
	expect_open_fails(CCSP_ERR_FILE_NOT_FOUND);
	write_conf("address = 127.0.0.1:1\nca_file = token\ntoken_file = token\n");
	expect_open_fails(CCSP_ERR_DECODE); /* not PEM */
	write_conf("address = 127.0.0.1:1\nca_file = cert.pem\ntoken_file = missing-token\n");
	expect_open_fails(CCSP_ERR_FILE_NOT_FOUND);
	write_conf("address = 127.0.0.1:1\nca_file = cert.pem\ntoken_file = cert.pem\n");
	expect_open_fails(CCSP_ERR_DECODE); /* not a sealed token */
	assert_int_equal(setenv("CCSP_SDF_PIN", "another pin", 1), 0);
	write_std_conf(1, 4, 1000, "");
	expect_open_fails(CCSP_ERR_AUTH);
	assert_int_equal(setenv("CCSP_SDF_PIN", "sdfc-test-pin", 1), 0);
	assert_int_equal(setenv("CCSP_SDF_CONF", tmp_path("no-such.conf"), 1), 0);
	expect_open_fails(CCSP_ERR_FILE_NOT_FOUND);
	assert_ccsp(CCSP_ERR_ARG, sdfc_device_open(NULL, NULL));
}

static void test_connect_refused(void **state)
{
	(void)state;
	fake_server s;
	fake_start(&s, FAKE_ECHO);
	unsigned port = s.port;
	fake_stop(&s); /* nothing listens on port any more */
	write_std_conf(port, 1, 5000, "");
	expect_open_fails(CCSP_ERR_COMM);
}

/* Connections that fail are reconnected by the next call, joining the device context again; when the VSM no
 * longer knows the device, calls fail. */
static void test_reconnect(void **state)
{
	(void)state;
	fake_server s;
	ccsp_err err;
	uint32_t status;
	uint8_t *body;
	size_t len;
	ccsp_sdf_writer w;
	fake_start(&s, FAKE_ECHO);
	write_std_conf(s.port, 1, 5000, "");
	sdfc_device *d = open_ok();
	assert_true(echo_once(d, 7, 100, 7, &err));
	assert_ok(ccsp_sdf_writer_init(&w, 0));
	assert_ccsp(CCSP_ERR_COMM, sdfc_call(d, OP_DROP, 0, &w, &status, &body, &len, NULL));
	assert_true(sdfc_last_error()[0] != '\0');
	assert_true(echo_once(d, 8, 100, 8, &err)); /* reconnected */
	assert_int_equal(atomic_load(&s.hello_join), 1);
	atomic_store(&s.refuse_join, 1);
	assert_ok(ccsp_sdf_writer_init(&w, 0));
	assert_ccsp(CCSP_ERR_COMM, sdfc_call(d, OP_DROP, 0, &w, &status, &body, &len, NULL));
	assert_false(echo_once(d, 9, 100, 9, &err));
	assert_ccsp(CCSP_ERR_COMM, err);
	assert_false(echo_once(d, 10, 100, 10, &err)); /* the device is gone for good: no new HELLO */
	assert_ccsp(CCSP_ERR_COMM, err);
	sdfc_device_close(d);
	fake_stop(&s);
	assert_int_equal(atomic_load(&s.hello_new), 1);
}

/* The server hangs up on a request: every call in flight fails with CCSP_ERR_COMM (and does not hang). */
static void test_hangup(void **state)
{
	(void)state;
	fake_server s;
	worker ws[4];
	fake_start(&s, FAKE_HANGUP);
	write_std_conf(s.port, 2, 30000, "");
	sdfc_device *d = open_ok();
	ccsp_err err;
	assert_false(echo_once(d, 1, 10, 1, &err));
	assert_ccsp(CCSP_ERR_COMM, err);
	assert_int_equal(run_workers(d, 4, 3, ws), 4 * 3);
	for (unsigned i = 0; i < 4; i++)
		assert_ccsp(CCSP_ERR_COMM, ws[i].last_err);
	sdfc_device_close(d);
	fake_stop(&s);
}

/* The server never answers: calls fail with CCSP_ERR_COMM after timeout_ms. */
static void test_timeout(void **state)
{
	(void)state;
	fake_server s;
	worker ws[4];
	fake_start(&s, FAKE_SILENT);
	write_std_conf(s.port, 2, 300, "");
	sdfc_device *d = open_ok();
	ccsp_err err;
	assert_false(echo_once(d, 1, 10, 1, &err));
	assert_ccsp(CCSP_ERR_COMM, err);
	assert_int_equal(run_workers(d, 4, 2, ws), 4 * 2);
	for (unsigned i = 0; i < 4; i++)
		assert_ccsp(CCSP_ERR_COMM, ws[i].last_err);
	sdfc_device_close(d);
	fake_stop(&s);
}

static void test_call_errors(void **state)
{
	(void)state;
	fake_server s;
	ccsp_sdf_writer w;
	uint32_t status;
	uint8_t *body;
	size_t len;
	ccsp_err err;
	fake_start(&s, FAKE_ECHO);
	write_std_conf(s.port, 1, 5000, "");
	sdfc_device *d = open_ok();
	/* a writer that failed: its error, nothing sent, the device still works */
	assert_ok(ccsp_sdf_writer_init(&w, 0));
	ccsp_sdf_shrink_last(&w, 0);
	assert_ccsp(CCSP_ERR_ARG, sdfc_call(d, OP_ECHO, 0, &w, &status, &body, &len, NULL));
	assert_ok(ccsp_sdf_writer_init(&w, 0));
	assert_ccsp(CCSP_ERR_ARG, sdfc_call(d, OP_ECHO, 0, &w, NULL, &body, &len, NULL));
	assert_ok(ccsp_sdf_writer_init(&w, 0));
	assert_ccsp(CCSP_ERR_ARG, sdfc_call(NULL, OP_ECHO, 0, &w, &status, &body, &len, NULL));
	/* an empty body comes back as NULL, 0 */
	assert_ok(ccsp_sdf_writer_init(&w, 0));
	assert_ok(sdfc_call(d, OP_ECHO, 5, &w, &status, &body, &len, NULL));
	assert_int_equal(status, 0);
	assert_null(body);
	assert_int_equal(len, 0);
	assert_true(echo_once(d, 1, 1000, 3, &err));
	sdfc_device_close(d);
	sdfc_device_close(NULL);
	fake_stop(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo_threads),
		cmocka_unit_test(test_echo_threads_one_connection),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_certificate_failures),
		cmocka_unit_test(test_hello_refused),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_reconnect),
		cmocka_unit_test(test_hangup),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_call_errors),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vsmd's network layer (src/vsmd/vsmd_net.h) against a real TLS 1.3 client on loopback: HELLO and device
 * contexts, every refusal, pipelining and flow control, the admin socket, timeouts and the drain on stop.
 * Every wait is bounded; nothing asserts on timing.
 */
#include "sdf/sdf_token.h"
#include "vsmd_net_fixture.h"

static int wait_gone(srv *s, uint64_t owner)
{
	for (int i = 0; i < WAIT_MS / 10 && gone_count(s, owner) == 0; i++)
		usleep(10000);
	return gone_count(s, owner) != 0;
}

static int slow_started(srv *s)
{
	pthread_mutex_lock(&s->mu);
	int started = s->slow_started;
	pthread_mutex_unlock(&s->mu);
	return started;
}

static void slow_release(srv *s)
{
	pthread_mutex_lock(&s->mu);
	s->slow_release = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

static unsigned auth_calls(srv *s)
{
	pthread_mutex_lock(&s->mu);
	unsigned n = s->n_auth;
	pthread_mutex_unlock(&s->mu);
	return n;
}

/* ---- vsmd_net_new refusals ---- */

static void expect_new(const vsmd_net_config *cfg, const vsmd_net_handlers *h, ccsp_err expected)
{
	vsmd_net *n = (vsmd_net *)&n;
	assert_ccsp(expected, vsmd_net_new(cfg, h, &n));
	assert_null(n);
}

static void test_new_errors(void **state)
{
	(void)state;
	vsmd_net_handlers h = {NULL, t_authenticate, t_dispatch, t_owner_gone, NULL};
	vsmd_net_config cfg = make_config(&default_variant, NULL), c2;
	vsmd_net *n = NULL;
	static const char *const bad[] = {"127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
	                                  "127.0.0.1:1x", "localhost:80", "::1:80", "[::1]80", "[::1:80",
	                                  "1.2.3.4.5:80", "", ":80", "[]:80", "127.0.0.1:123456"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cfg.listen = bad[i];
		expect_new(&cfg, &h, CCSP_ERR_ARG);
	}
	cfg.listen = "127.0.0.1:0";
	expect_new(NULL, &h, CCSP_ERR_ARG);
	expect_new(&cfg, NULL, CCSP_ERR_ARG);
	assert_ccsp(CCSP_ERR_ARG, vsmd_net_new(&cfg, &h, NULL));
	vsmd_net_handlers h2 = h;
	h2.dispatch = NULL;
	expect_new(&cfg, &h2, CCSP_ERR_ARG);
	h2 = h;
	h2.authenticate = NULL;
	expect_new(&cfg, &h2, CCSP_ERR_ARG);
	c2 = cfg, c2.workers = 0;
	expect_new(&c2, &h, CCSP_ERR_ARG);
	c2 = cfg, c2.max_inflight = 0;
	expect_new(&c2, &h, CCSP_ERR_ARG);
	c2 = cfg, c2.max_connections = 0;
	expect_new(&c2, &h, CCSP_ERR_ARG);

	/* certificate and key */
	c2 = cfg, c2.cert_file = "/nonexistent/cert.pem";
	expect_new(&c2, &h, CCSP_ERR_FILE_NOT_FOUND);
	c2 = cfg, c2.key_file = "/nonexistent/key.pem";
	expect_new(&c2, &h, CCSP_ERR_FILE_NOT_FOUND);
	c2 = cfg, c2.cert_file = garbage;
	expect_new(&c2, &h, CCSP_ERR_DECODE);
	c2 = cfg, c2.key_file = garbage;
	expect_new(&c2, &h, CCSP_ERR_DECODE);
	c2 = cfg, c2.key_file = other_key;
	expect_new(&c2, &h, CCSP_ERR_KEY);

	/* port in use: errno tells why */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof a;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	char addr[32];
	(void)snprintf(addr, sizeof addr, "127.0.0.1:%u", ntohs(a.sin_port));
	c2 = cfg, c2.listen = addr;
	expect_new(&c2, &h, CCSP_ERR_IO);
	assert_int_equal(errno, EADDRINUSE);
	close(fd);

	/* IPv6 where the host has it */
	c2 = cfg, c2.listen = "[::1]:0";
	ccsp_err err = vsmd_net_new(&c2, &h, &n);
	assert_true(err == CCSP_OK || err == CCSP_ERR_IO);
	if (err == CCSP_OK)
		assert_true(vsmd_net_port(n) > 0);
	vsmd_net_free(n);

	vsmd_net_free(NULL);
	vsmd_net_stop(NULL);
	assert_int_equal(vsmd_net_port(NULL), 0);
	assert_ccsp(CCSP_ERR_ARG, vsmd_net_run(NULL));
}

static void test_admin_socket_file(void **state)
{
	(void)state;
	vsmd_net_handlers h = {NULL, t_authenticate, t_dispatch, t_owner_gone, NULL};
	char path[96], longpath[200];
	struct stat st;
	(void)snprintf(path, sizeof path, "%s/adm.sock", dir);
	memset(longpath, 'a', sizeof longpath - 1);
	longpath[sizeof longpath - 1] = '\0';
	vsmd_net_config cfg = make_config(&default_variant, longpath);
	expect_new(&cfg, &h, CCSP_ERR_ARG);
	/* not a socket: refused, and left alone */
	cfg.admin_socket = cert;
	expect_new(&cfg, &h, CCSP_ERR_IO);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(stat(cert, &st), 0);

	/* a stale socket (nobody listening) is replaced; ours is 0600 and removed by free */
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	(void)snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	close(fd);
	cfg.admin_socket = path;
	vsmd_net *n = NULL;
	assert_ok(vsmd_net_new(&cfg, &h, &n));
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	/* a live one (n listens) is refused */
	expect_new(&cfg, &h, CCSP_ERR_IO);
	assert_int_equal(errno, EADDRINUSE);
	vsmd_net_free(n);
	assert_int_not_equal(stat(path, &st), 0);

	/* stop before run: run drains at once */
	assert_ok(vsmd_net_new(&cfg, &h, &n));
	vsmd_net_stop(n);
	assert_ok(vsmd_net_run(n));
	assert_ccsp(CCSP_ERR_STATE, vsmd_net_run(n));
	vsmd_net_free(n);
}

/* ---- HELLO, device contexts, answers ---- */

static void test_hello_and_answers(void **state)
{
	srv *s = *state;
	uint8_t id[16];
	cli c = cli_open(s);
	assert_int_equal(hello(&c, GOOD_TOKEN, ZERO_ID, id), SDR_OK);
	assert_memory_not_equal(id, ZERO_ID, 16);
	echo(&c, 7, "hello");
	echo(&c, 8, "");
	int admin = -1;
	assert_true(whoami(&c, &admin) != 0);
	assert_int_equal(admin, 0);

	resp r = call(&c, OP_FAIL, 9, 42); /* the body the handler wrote is dropped, the session echoed */
	assert_int_equal(r.h.status, SDR_SYMOPERR);
	assert_int_equal(r.h.request, 9);
	assert_int_equal(r.h.session, 42);
	assert_int_equal(r.h.length, 0);
	resp_free(&r);
	r = call(&c, OP_OPEN, 10, 0);
	assert_int_equal(r.h.status, SDR_OK);
	assert_true(r.h.session == NEW_SESSION);
	resp_free(&r);
	r = call(&c, 0x7777, 11, 5);
	assert_int_equal(r.h.status, SDR_NOTSUPPORT);
	assert_int_equal(r.h.opcode, 0x7777);
	resp_free(&r);

	/* a second HELLO is refused, the connection stays */
	uint8_t id2[16];
	assert_int_equal(hello(&c, GOOD_TOKEN, ZERO_ID, id2), SDR_INARGERR);
	echo(&c, 12, "still here");

	/* the largest request there is */
	size_t big = CCSP_SDF_MAX_DATA;
	uint8_t *data = malloc(big);
	assert_non_null(data);
	test_rand(data, big);
	send_echo(&c, 13, data, big);
	r = must_recv(&c);
	check_echo(&r, 13, data, big);
	resp_free(&r);
	free(data);
	cli_close(&c);

	/* TLS 1.2 is refused */
	SSL_CTX *old = SSL_CTX_new(TLS_client_method());
	assert_non_null(old);
	assert_int_equal(SSL_CTX_set_max_proto_version(old, TLS1_2_VERSION), 1);
	assert_int_equal(cli_tls(&c, s->port, old), 0);
	cli_close(&c);
	SSL_CTX_free(old);
}

/* A client may send requests right behind its HELLO: they wait for the token check, then run. */
static void test_hello_pipelined(void **state)
{
	srv *s = *state;
	ccsp_sdf_writer w;
	cli c = cli_open(s);
	assert_ok(ccsp_sdf_writer_init(&w, 128));
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_TOKEN, GOOD_TOKEN, strlen(GOOD_TOKEN));
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DEVICE_ID, ZERO_ID, 16);
	send_req(&c, &w, CCSP_SDF_OP_HELLO, 1, 0);
	send_echo(&c, 2, "right behind", 12);
	send_echo(&c, 3, "and another", 11);
	resp r = must_recv(&c);
	assert_int_equal(r.h.request, 1);
	assert_int_equal(r.h.status, SDR_OK);
	resp_free(&r);
	for (int i = 0; i < 2; i++) {
		r = must_recv(&c);
		if (r.h.request == 2)
			check_echo(&r, 2, "right behind", 12);
		else
			check_echo(&r, 3, "and another", 11);
		resp_free(&r);
	}
	cli_close(&c);

	/* ... and after a refused HELLO they are never run */
	c = cli_open(s);
	assert_ok(ccsp_sdf_writer_init(&w, 128));
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_TOKEN, "a-wrong-token-of-some-length", 28);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DEVICE_ID, ZERO_ID, 16);
	send_req(&c, &w, CCSP_SDF_OP_HELLO, 1, 0);
	send_echo(&c, 2, "never", 5);
	r = must_recv(&c);
	assert_int_equal(r.h.request, 1);
	assert_int_equal(r.h.status, BAD_STATUS);
	resp_free(&r);
	expect_closed(&c);
	cli_close(&c);
}

static void test_device_contexts(void **state)
{
	srv *s = *state;
	uint8_t id[16] = {0}, id2[16], id3[16] = {0}, out[16];
	cli a = cli_hello(s, id);
	memcpy(id2, id, 16);
	cli b = cli_hello(s, id2);
	assert_memory_equal(id, id2, 16);
	uint64_t owner = whoami(&a, NULL);
	assert_true(owner != 0);
	assert_true(whoami(&b, NULL) == owner);
	cli c = cli_hello(s, id3);
	assert_memory_not_equal(id3, id, 16);
	assert_true(whoami(&c, NULL) != owner);

	/* an unknown device id after a good token */
	cli d = cli_open(s);
	memcpy(id2, id, 16);
	id2[5] ^= 1;
	assert_int_equal(hello(&d, GOOD_TOKEN, id2, out), SDR_OPENDEVICE);
	expect_closed(&d);
	assert_true(has_event(s, "auth.device 127.0.0.1:"));
	cli_close(&a);
	cli_close(&b);
	cli_close(&c);
	cli_close(&d);
}

/* HELLO with a hand-made body: refused with status, connection closed. */
static void bad_hello(srv *s, ccsp_sdf_writer *w, uint32_t status)
{
	cli c = cli_open(s);
	send_req(&c, w, CCSP_SDF_OP_HELLO, 1, 0);
	resp r = must_recv(&c);
	assert_int_equal(r.h.status, status);
	assert_int_equal(r.h.length, 0);
	resp_free(&r);
	expect_closed(&c);
	cli_close(&c);
}

static void test_hello_refusals(void **state)
{
	srv *s = *state;
	uint8_t out[16], tok[65];
	ccsp_sdf_writer w;
	memset(tok, 't', sizeof tok);

	cli c = cli_open(s);
	assert_int_equal(hello(&c, "a-wrong-token-of-some-length", ZERO_ID, out), BAD_STATUS);
	expect_closed(&c);
	cli_close(&c);
	assert_true(has_event(s, "auth.fail 127.0.0.1:"));
	assert_int_equal(auth_calls(s), 1);

	/* malformed: never reaches authenticate */
	static const size_t toklen[] = {CCSP_SDF_TOKEN_MIN - 1, CCSP_SDF_TOKEN_MAX + 1};
	for (size_t i = 0; i < 2; i++) {
		assert_ok(ccsp_sdf_writer_init(&w, 128));
		ccsp_sdf_put_bytes(&w, CCSP_SDF_T_TOKEN, tok, toklen[i]);
		ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DEVICE_ID, ZERO_ID, 16);
		bad_hello(s, &w, SDR_INARGERR);
	}
	assert_ok(ccsp_sdf_writer_init(&w, 128)); /* no device id */
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_TOKEN, GOOD_TOKEN, strlen(GOOD_TOKEN));
	bad_hello(s, &w, SDR_INARGERR);
	assert_ok(ccsp_sdf_writer_init(&w, 128)); /* short device id */
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_TOKEN, GOOD_TOKEN, strlen(GOOD_TOKEN));
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DEVICE_ID, ZERO_ID, 15);
	bad_hello(s, &w, SDR_INARGERR);
	assert_ok(ccsp_sdf_writer_init(&w, 128)); /* fields out of order */
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DEVICE_ID, ZERO_ID, 16);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_TOKEN, GOOD_TOKEN, strlen(GOOD_TOKEN));
	bad_hello(s, &w, SDR_INARGERR);
	assert_ok(ccsp_sdf_writer_init(&w, 128)); /* an extra field */
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_TOKEN, GOOD_TOKEN, strlen(GOOD_TOKEN));
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DEVICE_ID, ZERO_ID, 16);
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_INDEX, 1);
	bad_hello(s, &w, SDR_INARGERR);

	/* anything but HELLO first */
	c = cli_open(s);
	send_echo(&c, 3, "x", 1);
	resp r = must_recv(&c);
	assert_int_equal(r.h.status, SDR_OPENDEVICE);
	assert_int_equal(r.h.request, 3);
	resp_free(&r);
	expect_closed(&c);
	cli_close(&c);
	assert_int_equal(auth_calls(s), 1);
}

/* Failed HELLOs until the bucket is empty: then refused without calling authenticate. */
static void test_rate_limit(void **state)
{
	srv *s = *state;
	unsigned wrong = 0, limited = 0;
	uint8_t out[16];
	for (int i = 0; i < 400 && limited == 0; i++) {
		cli c = cli_open(s);
		uint32_t st = hello(&c, "a-wrong-token-of-some-length", ZERO_ID, out);
		assert_true(st == BAD_STATUS || st == SDR_OPENDEVICE);
		wrong += st == BAD_STATUS;
		limited += st == SDR_OPENDEVICE;
		expect_closed(&c);
		cli_close(&c);
	}
	assert_int_equal(limited, 1);
	assert_true(wrong >= 20);
	assert_int_equal(auth_calls(s), wrong);
	assert_true(has_event(s, "auth.ratelimit 127.0.0.1:"));
}

/* ---- framing and flow control ---- */

static void test_bad_frames(void **state)
{
	srv *s = *state;
	static const struct {
		uint8_t version, type;
		uint32_t length;
		int hello;
	} cases[] = {
		{1, 0, CCSP_SDF_MAX_BODY + 1, 1}, {1, 0, UINT32_MAX, 1}, {2, 0, 0, 1}, {0, 0, 0, 1},
		{1, 1, 0, 1}, {1, 7, 0, 1}, {1, 0, CCSP_SDF_MAX_BODY + 1, 0}, {1, 1, 0, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cli c = cases[i].hello ? cli_hello(s, NULL) : cli_open(s);
		send_raw_header(&c, cases[i].version, cases[i].type, OP_ECHO, cases[i].length);
		expect_closed(&c);
		cli_close(&c);
	}
}

/* n echo requests written before any answer is read; every answer comes back once, with its id. */
static void pipeline(srv *s, unsigned count)
{
	cli c = cli_hello(s, NULL);
	size_t cap = (size_t)count * 64, len = 0;
	uint8_t *all = malloc(cap), *seen = calloc(count, 1);
	char text[32];
	assert_non_null(all);
	assert_non_null(seen);
	for (unsigned i = 0; i < count; i++) {
		ccsp_sdf_writer w;
		ccsp_sdf_header h = {CCSP_SDF_WIRE_VERSION, CCSP_SDF_REQUEST, OP_ECHO, 1000 + i, 0, 0, 0};
		uint8_t *frame;
		size_t flen;
		int tl = snprintf(text, sizeof text, "request %u", i);
		assert_ok(ccsp_sdf_writer_init(&w, 32));
		ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DATA, text, (size_t)tl);
		assert_ok(ccsp_sdf_writer_finish(&w, &h, &frame, &flen));
		assert_true(len + flen <= cap);
		memcpy(all + len, frame, flen);
		len += flen;
		free(frame);
	}
	cli_write(&c, all, len);
	for (unsigned k = 0; k < count; k++) {
		resp r = must_recv(&c);
		unsigned i = r.h.request - 1000;
		assert_true(i < count);
		assert_int_equal(seen[i], 0);
		seen[i] = 1;
		int tl = snprintf(text, sizeof text, "request %u", i);
		check_echo(&r, r.h.request, text, (size_t)tl);
		resp_free(&r);
	}
	free(all);
	free(seen);
	cli_close(&c);
}

static void test_pipelining(void **state)
{
	pipeline(*state, 50);
}

/* One worker, no per-connection cap: the worker queue (64 jobs) fills and reading pauses on it. */
static void test_worker_queue_full(void **state)
{
	pipeline(*state, 300);
}

/* A slow request does not hold up the next one: answers come out of order. */
static void test_out_of_order(void **state)
{
	srv *s = *state;
	cli c = cli_hello(s, NULL);
	ccsp_sdf_writer w;
	assert_ok(ccsp_sdf_writer_init(&w, 16));
	send_req(&c, &w, OP_SLOW, 1, 0);
	assert_true(wait_for(slow_started, s));
	echo(&c, 2, "overtakes");
	slow_release(s);
	resp r = must_recv(&c);
	assert_int_equal(r.h.request, 1);
	assert_int_equal(r.h.status, SDR_OK);
	resp_free(&r);
	cli_close(&c);
}

/* 40 MiB of answers to 40 small requests not read for a while: the server stops reading past 8 MiB
 * of unsent output and resumes as the client reads; nothing is lost. */
static void test_output_backpressure(void **state)
{
	srv *s = *state;
	const unsigned count = 40, size = 1u << 20;
	cli c = cli_hello(s, NULL);
	for (unsigned i = 0; i < count; i++) {
		ccsp_sdf_writer w;
		assert_ok(ccsp_sdf_writer_init(&w, 16));
		ccsp_sdf_put_u32(&w, CCSP_SDF_T_LENGTH, size);
		send_req(&c, &w, OP_BIG, 100 + i, 0);
	}
	uint8_t seen[40] = {0};
	for (unsigned k = 0; k < count; k++) {
		resp r = must_recv(&c);
		unsigned i = r.h.request - 100;
		assert_true(i < count && !seen[i]);
		seen[i] = 1;
		assert_int_equal(r.h.status, SDR_OK);
		assert_int_equal(r.h.length, CCSP_SDF_FIELD_HEADER + size);
		for (unsigned j = CCSP_SDF_FIELD_HEADER; j < r.h.length; j += 4099)
			assert_int_equal(r.body[j], (100 + i) & 0xff);
		resp_free(&r);
	}
	cli_close(&c);
}

/* ---- connection lifetime ---- */

static void test_owner_gone(void **state)
{
	srv *s = *state;
	uint8_t id[16] = {0}, out[16];
	cli a = cli_hello(s, id);
	cli b = cli_hello(s, id);
	uint64_t owner = whoami(&a, NULL);
	assert_true(whoami(&b, NULL) == owner);
	cli_close(&a);
	echo(&b, 5, "b is still attached");
	assert_int_equal(gone_count(s, owner), 0);
	cli_close(&b);
	assert_true(wait_gone(s, owner));
	/* the context is gone: its id no longer attaches */
	cli c = cli_open(s);
	assert_int_equal(hello(&c, GOOD_TOKEN, id, out), SDR_OPENDEVICE);
	expect_closed(&c);
	cli_close(&c);
	assert_ok(srv_stop(s));
	assert_int_equal(gone_count(s, owner), 1);
}

/* Run by a child as another user: the admin socket must close on it. */
static int foreign_uid_refused(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	struct timeval tv = {WAIT_MS / 1000, 0};
	uint8_t hdr[CCSP_SDF_HEADER_SIZE] = {1, 0, (uint8_t)(OP_WHOAMI >> 8), (uint8_t)OP_WHOAMI}, b;
	if (setgid(65534) != 0 || setuid(65534) != 0)
		return 2;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	(void)snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
		return 3;
	if (write(fd, hdr, sizeof hdr) != (ssize_t)sizeof hdr)
		return 0; /* already closed on us */
	ssize_t r = read(fd, &b, 1);
	return r == 0 || (r < 0 && errno == ECONNRESET) ? 0 : 4;
}

static void test_admin(void **state)
{
	srv *s = *state;
	struct stat st;
	uint8_t out[16];
	int admin = 0;
	assert_int_equal(stat(s->admin, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);

	cli a = cli_admin(s);
	uint64_t owner = whoami(&a, &admin);
	assert_int_equal(admin, 1);
	assert_true(owner != 0);
	echo(&a, 2, "admin echo");
	assert_int_equal(hello(&a, GOOD_TOKEN, ZERO_ID, out), SDR_INARGERR);
	echo(&a, 3, "still here");
	cli b = cli_admin(s);
	assert_true(whoami(&b, NULL) != owner);
	cli tls = cli_hello(s, NULL);
	assert_true(whoami(&tls, &admin) != owner);
	assert_int_equal(admin, 0);
	cli_close(&a);
	assert_true(wait_gone(s, owner));
	cli_close(&b);
	cli_close(&tls);
	assert_int_equal(auth_calls(s), 1);

	if (geteuid() == 0) {
		assert_int_equal(chmod(dir, 0711), 0);
		assert_int_equal(chmod(s->admin, 0666), 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			_exit(foreign_uid_refused(s->admin));
		int status = 0;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_int_equal(chmod(dir, 0700), 0);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
		assert_true(has_event(s, "admin.refused uid=65534"));
	}
}

static void test_timeouts(void **state)
{
	srv *s = *state;
	/* no TLS handshake at all */
	int fd = tcp_connect(s->port);
	uint8_t b;
	assert_true(fd >= 0);
	ssize_t r = read(fd, &b, 1);
	assert_true(r == 0 || (r < 0 && errno == ECONNRESET));
	close(fd);
	/* TLS, then no HELLO */
	cli c = cli_open(s);
	expect_closed(&c);
	cli_close(&c);
	/* idle after HELLO */
	c = cli_hello(s, NULL);
	expect_closed(&c);
	cli_close(&c);
	/* not idle while a request runs, however long */
	c = cli_hello(s, NULL);
	ccsp_sdf_writer w;
	assert_ok(ccsp_sdf_writer_init(&w, 16));
	send_req(&c, &w, OP_SLOW, 9, 0);
	assert_true(wait_for(slow_started, s));
	usleep(3000 * 1000); /* three idle timeouts */
	slow_release(s);
	resp rr = must_recv(&c);
	assert_int_equal(rr.h.request, 9);
	resp_free(&rr);
	cli_close(&c);
}

static void test_max_connections(void **state)
{
	srv *s = *state;
	cli a = cli_hello(s, NULL), b = cli_hello(s, NULL), c;
	assert_int_equal(cli_tls(&c, s->port, client_ctx), 0);
	cli_close(&c);
	cli_close(&a);
	int ok = 0;
	for (int i = 0; i < WAIT_MS / 10 && !ok; i++) {
		ok = cli_tls(&c, s->port, client_ctx);
		if (ok)
			break;
		cli_close(&c);
		usleep(10000);
	}
	assert_true(ok);
	uint8_t out[16];
	assert_int_equal(hello(&c, GOOD_TOKEN, ZERO_ID, out), SDR_OK);
	echo(&b, 1, "b");
	cli_close(&b);
	cli_close(&c);
}

/* stop: idle connections close, listeners close, the request in flight is answered, then run returns. */
static void test_stop_drains(void **state)
{
	srv *s = *state;
	cli c = cli_hello(s, NULL), idle = cli_hello(s, NULL);
	ccsp_sdf_writer w;
	assert_ok(ccsp_sdf_writer_init(&w, 16));
	send_req(&c, &w, OP_SLOW, 5, 0);
	assert_true(wait_for(slow_started, s));
	vsmd_net_stop(s->net);
	expect_closed(&idle);
	assert_int_equal(tcp_connect(s->port), -1);
	assert_int_equal(errno, ECONNREFUSED);
	assert_true(atomic_load(&s->running));
	slow_release(s);
	resp r = must_recv(&c);
	assert_int_equal(r.h.request, 5);
	assert_int_equal(r.h.status, SDR_OK);
	resp_free(&r);
	expect_closed(&c);
	assert_true(wait_for(stopped, s));
	assert_ok(srv_stop(s));
	cli_close(&c);
	cli_close(&idle);
}

static variant one_worker = {1, 64, 100000, 10000, 30000};
static variant short_timeouts = {2, 64, 4, 1000, 1000};
static variant two_connections = {2, 2, 4, 10000, 30000};

#define SRV_TEST(f) cmocka_unit_test_setup_teardown(f, srv_setup, srv_teardown)
#define SRV_TEST_V(f, v) cmocka_unit_test_prestate_setup_teardown(f, srv_setup, srv_teardown, &v)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_errors),
		cmocka_unit_test(test_admin_socket_file),
		SRV_TEST(test_hello_and_answers),
		SRV_TEST(test_hello_pipelined),
		SRV_TEST(test_device_contexts),
		SRV_TEST(test_hello_refusals),
		SRV_TEST(test_rate_limit),
		SRV_TEST(test_bad_frames),
		SRV_TEST(test_pipelining),
		SRV_TEST_V(test_worker_queue_full, one_worker),
		SRV_TEST(test_out_of_order),
		SRV_TEST(test_output_backpressure),
		SRV_TEST(test_owner_gone),
		SRV_TEST(test_admin),
		SRV_TEST_V(test_timeouts, short_timeouts),
		SRV_TEST_V(test_max_connections, two_connections),
		SRV_TEST(test_stop_drains),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

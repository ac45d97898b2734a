/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The log forwarder (src/common/logfwd.h) fed by a real logger's sink (log.h), against receivers in this test
 * on loopback (free ports, bounded waits, nothing left running): syslog over UDP (one RFC 5424 message per
 * datagram, bounded and cut safely) and over TCP (RFC 6587 octet counting, reconnect after the receiver closes,
 * drop-oldest while it is down), and logserver batches over HTTP (batching, retry after 503, a rejecting 400,
 * stop while the server hangs). The target parser. No assertion on timing: waits only bound the test.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "common/log.h"
#include "common/logfwd.h"
#include "common/syslog_fmt.h"
#include "syslog_check.h"
#include "test_util.h"

#define WAIT_MS 20000 /* the longest any step may take before the test fails */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* A loopback socket of type on a free port (or on port when non-zero), listening for TCP. */
static int bind_loopback(int type, int port, int *bound)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
	                        .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	int one = 1, fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 8), 0);
	*bound = ntohs(a.sin_port);
	return fd;
}

/* A logger writing to /dev/null whose sink is a new forwarder for cfg. */
typedef struct rig {
	int devnull;
	ccsp_log *log;
	ccsp_logfwd *fwd;
} rig;

static void rig_start(rig *r, ccsp_logfwd_config *cfg)
{
	r->devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	assert_true(r->devnull >= 0);
	assert_ok(ccsp_log_new_fd(r->devnull, &r->log));
	assert_ok(ccsp_log_set_level(r->log, "debug"));
	cfg->app_name = "chsmd";
	cfg->hostname = "test-host";
	assert_ok(ccsp_logfwd_new(cfg, &r->fwd));
	ccsp_log_set_sink(r->log, ccsp_logfwd_sink, r->fwd);
}

static void rig_stop(rig *r, unsigned flush_ms)
{
	ccsp_log_set_sink(r->log, NULL, NULL);
	ccsp_logfwd_free(r->fwd, flush_ms);
	ccsp_log_free(r->log);
	close(r->devnull);
}

static ccsp_logfwd_stats stats(rig *r)
{
	ccsp_logfwd_stats s;
	ccsp_logfwd_stats_get(r->fwd, &s);
	return s;
}

/* Poll the counters until cond (an expression of st) holds, for at most WAIT_MS. */
#define WAIT_STATS(r, st, cond)                                                                    \
	do {                                                                                       \
		int64_t end_ = now_ms() + WAIT_MS;                                                 \
		for (st = stats(r); !(cond) && now_ms() < end_; st = stats(r))                     \
			sleep_ms(10);                                                              \
	} while (0)

static void target(ccsp_logfwd_config *cfg, const char *type, const char *fmt, int port)
{
	char addr[128];
	snprintf(addr, sizeof addr, fmt, port);
	assert_ok(ccsp_logfwd_target_parse(type, addr, &cfg->target));
}

static void log_seq(rig *r, const char *event, int from, int to)
{
	for (int i = from; i < to; i++) {
		char seq[16];
		snprintf(seq, sizeof seq, "%d", i);
		ccsp_log_event(r->log, i % 2 ? "warn" : "info", event, "seq", seq, "requestId", "r-\"]\\", (char *)NULL);
	}
}

/* ---- the target parser ---- */

static void test_target_parse(void **state)
{
	(void)state;
	ccsp_logfwd_target t;
	const struct {
		const char *type, *addr;
		ccsp_logfwd_kind kind;
		const char *host, *port;
	} good[] = {
		{"syslog", "10.10.1.100:514", CCSP_LOGFWD_SYSLOG_UDP, "10.10.1.100", "514"},
		{"syslog", "10.10.1.100", CCSP_LOGFWD_SYSLOG_UDP, "10.10.1.100", "514"},
		{"syslog", "udp://log.example.com:5514", CCSP_LOGFWD_SYSLOG_UDP, "log.example.com", "5514"},
		{"syslog", "tcp://[2001:db8::1]:601", CCSP_LOGFWD_SYSLOG_TCP, "2001:db8::1", "601"},
		{"syslog", "tcp://loghost", CCSP_LOGFWD_SYSLOG_TCP, "loghost", "514"},
		{"syslog", "2001:db8::2", CCSP_LOGFWD_SYSLOG_UDP, "2001:db8::2", "514"},
		{"syslog", "[fe80::1%eth0]:514", CCSP_LOGFWD_SYSLOG_UDP, "fe80::1%eth0", "514"},
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		if (ccsp_logfwd_target_parse(good[i].type, good[i].addr, &t) != CCSP_OK)
			fail_msg("refused %s", good[i].addr);
		assert_int_equal(t.kind, good[i].kind);
		assert_string_equal(t.host, good[i].host);
		assert_string_equal(t.port, good[i].port);
	}
	assert_ok(ccsp_logfwd_target_parse("logserver", "https://logs.example.com/api/v1/events?x=1", &t));
	assert_int_equal(t.kind, CCSP_LOGFWD_HTTP);
	assert_string_equal(t.url, "https://logs.example.com/api/v1/events?x=1");
	const char *bad[][2] = {
		{"syslog", ""}, {"syslog", ":514"}, {"syslog", "h:0"}, {"syslog", "h:65536"}, {"syslog", "h:51x"},
		{"syslog", "a b:514"}, {"syslog", "tcp://"}, {"syslog", "ftp://h:1"}, {"syslog", "[::1"},
		{"syslog", "[::1]x"}, {"syslog", "h:-1"}, {"syslog", "h\n:514"}, {"kafka", "h:514"},
		{"logserver", "ftp://h/"}, {"logserver", "http://"}, {"logserver", "http://h/a b"},
		{"logserver", "10.0.0.1:514"}, {"Syslog", "h:514"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (ccsp_logfwd_target_parse(bad[i][0], bad[i][1], &t) != CCSP_ERR_ARG)
			fail_msg("accepted %s %s", bad[i][0], bad[i][1]);
	char longurl[CCSP_LOGFWD_URL_MAX + 16] = "http://h/";
	memset(longurl + 9, 'a', CCSP_LOGFWD_URL_MAX);
	longurl[CCSP_LOGFWD_URL_MAX + 9] = '\0';
	assert_ccsp(CCSP_ERR_ARG, ccsp_logfwd_target_parse("logserver", longurl, &t));
	assert_ccsp(CCSP_ERR_ARG, ccsp_logfwd_target_parse(NULL, "h", &t));
	ccsp_logfwd *f;
	ccsp_logfwd_config none = {.app_name = "x"};
	assert_ccsp(CCSP_ERR_ARG, ccsp_logfwd_new(&none, &f));
	assert_null(f);
}

/* ---- syslog over UDP ---- */

/* The next datagram, parsed; waits at most WAIT_MS. Returns its length. */
static size_t recv_datagram(int fd, sc_msg *m)
{
	static char buf[65536];
	struct pollfd p = {fd, POLLIN, 0};
	if (poll(&p, 1, WAIT_MS) != 1)
		fail_msg("no datagram");
	ssize_t n = recv(fd, buf, sizeof buf, 0);
	assert_true(n > 0);
	if (sc_parse(buf, (size_t)n, m) != 0)
		fail_msg("not RFC 5424: %.*s", (int)n, buf);
	return (size_t)n;
}

static void test_udp(void **state)
{
	(void)state;
	int port, fd = bind_loopback(SOCK_DGRAM, 0, &port);
	ccsp_logfwd_config cfg = {.udp_max_len = CCSP_SYSLOG_MIN_LEN};
	rig r;
	static sc_msg m;
	target(&cfg, "syslog", "udp://127.0.0.1:%d", port);
	rig_start(&r, &cfg);
	log_seq(&r, "chsm.test", 0, 3);
	for (int i = 0; i < 3; i++) {
		recv_datagram(fd, &m);
		char seq[16];
		snprintf(seq, sizeof seq, "%d", i);
		assert_string_equal(sc_param(&m, "seq"), seq); /* in order */
		assert_string_equal(sc_param(&m, "requestId"), "r-\"]\\");
		assert_int_equal(m.pri, CCSP_SYSLOG_FAC_LOCAL0 * 8 + (i % 2 ? 4 : 6));
		assert_string_equal(m.host, "test-host");
		assert_string_equal(m.app, "chsmd");
		assert_int_equal(atoi(m.procid), getpid());
		assert_string_equal(m.msgid, "chsm.test");
	}
	/* an event far over the datagram bound: one datagram, cut, still well-formed */
	char big[6000];
	memset(big, 'b', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ccsp_log_event(r.log, "error", "chsm.auth.refused", "detail", big, (char *)NULL);
	assert_true(recv_datagram(fd, &m) <= CCSP_SYSLOG_MIN_LEN);
	assert_int_equal(m.pri, CCSP_SYSLOG_FAC_AUTHPRIV * 8 + 3);
	ccsp_logfwd_stats st;
	WAIT_STATS(&r, st, st.sent == 4);
	assert_true(st.sent == 4 && st.queued == 4 && st.dropped == 0 && st.state == CCSP_LOGFWD_STATE_OK);
	rig_stop(&r, 1000);
	close(fd);
}

/* ---- syslog over TCP ---- */

/* Read one octet-counted frame from a connection (RFC 6587 §3.4.1); 0 at EOF, else its length. */
static size_t read_frame(int c, char *buf, size_t cap)
{
	size_t len = 0, got = 0;
	char ch;
	for (;;) { /* MSG-LEN SP */
		struct pollfd p = {c, POLLIN, 0};
		if (poll(&p, 1, WAIT_MS) != 1)
			fail_msg("no frame");
		ssize_t n = read(c, &ch, 1);
		if (n == 0 && got == 0)
			return 0;
		assert_int_equal(n, 1);
		if (ch == ' ')
			break;
		assert_true(ch >= '0' && ch <= '9' && got < 6 && !(got == 0 && ch == '0'));
		len = len * 10 + (size_t)(ch - '0');
		got++;
	}
	assert_true(got > 0 && len < cap && len <= CCSP_SYSLOG_TCP_LEN);
	for (size_t o = 0; o < len;) {
		struct pollfd p = {c, POLLIN, 0};
		assert_int_equal(poll(&p, 1, WAIT_MS), 1);
		ssize_t n = read(c, buf + o, len - o);
		assert_true(n > 0);
		o += (size_t)n;
	}
	return len;
}

static int accept_one(int lfd)
{
	struct pollfd p = {lfd, POLLIN, 0};
	if (poll(&p, 1, WAIT_MS) != 1)
		fail_msg("no connection");
	int c = accept(lfd, NULL, NULL);
	assert_true(c >= 0);
	return c;
}

/* The seq field of the next frame on c (-1 at EOF). */
static int next_seq(int c)
{
	static char buf[CCSP_SYSLOG_TCP_LEN + 1];
	static sc_msg m;
	size_t n = read_frame(c, buf, sizeof buf);
	if (n == 0)
		return -1;
	if (sc_parse(buf, n, &m) != 0)
		fail_msg("not RFC 5424: %.*s", (int)n, buf);
	const char *seq = sc_param(&m, "seq");
	assert_non_null(seq);
	return atoi(seq);
}

static void test_tcp_reconnect(void **state)
{
	(void)state;
	int port, lfd = bind_loopback(SOCK_STREAM, 0, &port);
	ccsp_logfwd_config cfg = {.backoff_min_ms = 20, .backoff_max_ms = 100};
	rig r;
	target(&cfg, "syslog", "tcp://127.0.0.1:%d", port);
	rig_start(&r, &cfg);
	log_seq(&r, "chsm.test", 0, 5);
	int c = accept_one(lfd);
	for (int i = 0; i < 5; i++)
		assert_int_equal(next_seq(c), i);
	/* the receiver goes away: the forwarder notices and opens a new connection; events logged after the close
	 * arrive there (one may have gone into the dying connection, so log until one arrives) */
	close(c);
	int c2 = -1, seq = 100, got = -1;
	for (int64_t end = now_ms() + WAIT_MS; got < 0 && now_ms() < end; seq++) {
		log_seq(&r, "chsm.test", seq, seq + 1);
		struct pollfd p = {lfd, POLLIN, 0};
		if (c2 < 0 && poll(&p, 1, 50) == 1)
			c2 = accept(lfd, NULL, NULL);
		struct pollfd q = {c2, POLLIN, 0};
		if (c2 >= 0 && poll(&q, 1, 50) == 1)
			got = next_seq(c2);
	}
	assert_true(got >= 100);
	assert_true(stats(&r).failures >= 1 || got == 100);
	rig_stop(&r, 1000);
	close(c2);
	close(lfd);
}

static void test_tcp_down_drops_oldest(void **state)
{
	(void)state;
	int port, lfd = bind_loopback(SOCK_STREAM, 0, &port);
	close(lfd); /* nobody listens: connection refused */
	ccsp_logfwd_config cfg = {.queue_max = 8, .backoff_min_ms = 20, .backoff_max_ms = 50};
	rig r;
	target(&cfg, "syslog", "tcp://127.0.0.1:%d", port);
	rig_start(&r, &cfg);
	log_seq(&r, "chsm.test", 0, 30); /* never waits, whatever the network does */
	ccsp_logfwd_stats st;
	WAIT_STATS(&r, st, st.failures >= 2);
	assert_true(st.failures >= 2 && st.state == CCSP_LOGFWD_STATE_RETRYING && st.sent == 0);
	assert_non_null(strstr(st.last_error, "connect"));
	/* at most queue_max queued plus the batch in flight; the rest dropped (oldest first) and counted */
	assert_true(st.pending <= 8 + 100 && st.dropped + st.pending == 30);
	/* the receiver comes up on the same port: the newest events arrive, the last one last */
	lfd = bind_loopback(SOCK_STREAM, port, &port);
	int c = accept_one(lfd), last = -1, n = 0;
	for (int s; last != 29 && (s = next_seq(c)) >= 0; last = s, n++)
		assert_true(s > last);
	assert_int_equal(last, 29);
	WAIT_STATS(&r, st, st.sent + st.dropped == 30);
	assert_int_equal(st.sent, n);
	assert_int_equal(st.dropped + st.sent, 30);
	rig_stop(&r, 1000);
	close(c);
	close(lfd);
}

/* ---- logserver over HTTP ---- */

typedef struct http_rx {
	int lfd, port;
	atomic_int stop;
	atomic_int fail_first; /* answer the first N requests with fail_status */
	int fail_status;
	atomic_int hang;       /* accept, read, never answer */
	pthread_mutex_t mu;
	json_t *bodies;        /* the bodies answered 2xx, parsed */
	int requests;
	pthread_t thread;
} http_rx;

/* Read one request (headers, then Content-Length bytes); the body, or NULL. */
static char *read_request(int c)
{
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap + 1), *hend = NULL;
	long clen = -1;
	while (buf != NULL && n < cap) {
		struct pollfd p = {c, POLLIN, 0};
		if (poll(&p, 1, 5000) != 1)
			break;
		ssize_t r = read(c, buf + n, cap - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		buf[n] = '\0';
		if (hend == NULL && (hend = strstr(buf, "\r\n\r\n")) != NULL) {
			const char *cl = strcasestr(buf, "\r\nContent-Length:");
			clen = cl != NULL && cl < hend ? strtol(cl + 17, NULL, 10) : 0;
		}
		if (hend != NULL && clen >= 0 && n >= (size_t)(hend + 4 - buf) + (size_t)clen) {
			char *body = strndup(hend + 4, (size_t)clen);
			free(buf);
			return body;
		}
	}
	free(buf);
	return NULL;
}

static void *http_rx_main(void *arg)
{
	http_rx *h = arg;
	while (!atomic_load(&h->stop)) {
		struct pollfd p = {h->lfd, POLLIN, 0};
		if (poll(&p, 1, 50) != 1)
			continue;
		int c = accept(h->lfd, NULL, NULL);
		if (c < 0)
			continue;
		char *body = read_request(c);
		pthread_mutex_lock(&h->mu);
		int status = h->requests++ < atomic_load(&h->fail_first) ? h->fail_status : 200;
		if (body != NULL && status == 200)
			json_array_append_new(h->bodies, json_loads(body, 0, NULL));
		pthread_mutex_unlock(&h->mu);
		free(body);
		while (atomic_load(&h->hang) && !atomic_load(&h->stop))
			sleep_ms(20);
		char answer[128];
		snprintf(answer, sizeof answer, "HTTP/1.1 %d X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", status);
		(void)!write(c, answer, strlen(answer));
		close(c);
	}
	return NULL;
}

static void http_rx_start(http_rx *h, int fail_first, int fail_status)
{
	memset(h, 0, sizeof *h);
	h->lfd = bind_loopback(SOCK_STREAM, 0, &h->port);
	atomic_init(&h->fail_first, fail_first);
	h->fail_status = fail_status;
	pthread_mutex_init(&h->mu, NULL);
	h->bodies = json_array();
	assert_int_equal(pthread_create(&h->thread, NULL, http_rx_main, h), 0);
}

static void http_rx_stop(http_rx *h)
{
	atomic_store(&h->stop, 1);
	pthread_join(h->thread, NULL);
	close(h->lfd);
	json_decref(h->bodies);
	pthread_mutex_destroy(&h->mu);
}

/* The seq numbers of every event received so far, in order, into seqs; returns how many. */
static size_t received_seqs(http_rx *h, int *seqs, size_t cap, size_t *max_batch)
{
	size_t n = 0, i, j;
	json_t *b, *ev;
	pthread_mutex_lock(&h->mu);
	json_array_foreach(h->bodies, i, b) {
		assert_string_equal(json_string_value(json_object_get(b, "source")), "chsmd");
		assert_string_equal(json_string_value(json_object_get(b, "device")), "dev-fp");
		json_t *events = json_object_get(b, "events");
		if (json_array_size(events) > *max_batch)
			*max_batch = json_array_size(events);
		json_array_foreach(events, j, ev) {
			assert_string_equal(json_string_value(json_object_get(ev, "event")), "chsm.test");
			assert_non_null(json_string_value(json_object_get(ev, "ts")));
			if (n < cap)
				seqs[n++] = atoi(json_string_value(json_object_get(ev, "seq")));
		}
	}
	pthread_mutex_unlock(&h->mu);
	return n;
}

static size_t wait_events(http_rx *h, int *seqs, size_t want, size_t *max_batch)
{
	size_t n = 0;
	for (int64_t end = now_ms() + WAIT_MS; (n = received_seqs(h, seqs, want, max_batch)) < want && now_ms() < end;)
		sleep_ms(20);
	return n;
}

static void test_http_batches(void **state)
{
	(void)state;
	http_rx h;
	int seqs[32];
	size_t max_batch = 0;
	http_rx_start(&h, 1, 503); /* the first POST fails: the same batch is sent again */
	ccsp_logfwd_config cfg = {.device = "dev-fp", .batch_max = 5, .batch_ms = 50, .backoff_min_ms = 20};
	rig r;
	target(&cfg, "logserver", "http://127.0.0.1:%d/events", h.port);
	rig_start(&r, &cfg);
	log_seq(&r, "chsm.test", 0, 12);
	assert_int_equal(wait_events(&h, seqs, 12, &max_batch), 12);
	for (int i = 0; i < 12; i++)
		assert_int_equal(seqs[i], i); /* each once, in order */
	assert_true(max_batch >= 1 && max_batch <= 5);
	ccsp_logfwd_stats st;
	WAIT_STATS(&r, st, st.sent == 12);
	assert_true(st.sent == 12 && st.dropped == 0 && st.failures >= 1 && st.state == CCSP_LOGFWD_STATE_OK);
	rig_stop(&r, 1000);
	http_rx_stop(&h);
}

static void test_http_rejected(void **state)
{
	(void)state;
	http_rx h;
	int seqs[32];
	size_t max_batch = 0;
	http_rx_start(&h, 1000, 400); /* the server refuses every batch for good */
	ccsp_logfwd_config cfg = {.device = "dev-fp", .batch_max = 3, .batch_ms = 20, .backoff_min_ms = 20};
	rig r;
	ccsp_logfwd_stats st;
	target(&cfg, "logserver", "http://127.0.0.1:%d/events", h.port);
	rig_start(&r, &cfg);
	log_seq(&r, "chsm.test", 0, 3);
	WAIT_STATS(&r, st, st.dropped == 3);
	assert_int_equal(st.dropped, 3);
	assert_int_equal(st.sent, 0);
	assert_non_null(strstr(st.last_error, "400"));
	atomic_store(&h.fail_first, 0);
	log_seq(&r, "chsm.test", 3, 4); /* the queue is not stuck behind them */
	assert_int_equal(wait_events(&h, seqs, 1, &max_batch), 1);
	assert_int_equal(seqs[0], 3);
	rig_stop(&r, 1000);
	http_rx_stop(&h);
}

/* A server that never answers: logging goes on, and a stop with no flush time returns without waiting for it. */
static void test_http_hanging_server(void **state)
{
	(void)state;
	http_rx h;
	http_rx_start(&h, 0, 200);
	atomic_store(&h.hang, 1);
	ccsp_logfwd_config cfg = {.device = "dev-fp", .batch_max = 2, .batch_ms = 10, .timeout_ms = 60000};
	rig r;
	target(&cfg, "logserver", "http://127.0.0.1:%d/events", h.port);
	rig_start(&r, &cfg);
	log_seq(&r, "chsm.test", 0, 2);
	int64_t end = now_ms() + WAIT_MS;
	for (;;) { /* until the POST is in flight */
		pthread_mutex_lock(&h.mu);
		int n = h.requests;
		pthread_mutex_unlock(&h.mu);
		if (n > 0 || now_ms() > end)
			break;
		sleep_ms(10);
	}
	log_seq(&r, "chsm.test", 2, 50); /* queued (or dropped) while the thread waits on the server */
	ccsp_logfwd_stats st = stats(&r);
	assert_int_equal(st.queued, 50);
	rig_stop(&r, 0); /* the thread ends on its own once curl sees the stop */
	http_rx_stop(&h);
}

/* Removing the sink stops the feed at once. */
static void test_sink_removed(void **state)
{
	(void)state;
	int port, fd = bind_loopback(SOCK_DGRAM, 0, &port);
	ccsp_logfwd_config cfg = {0};
	rig r;
	target(&cfg, "syslog", "127.0.0.1:%d", port);
	rig_start(&r, &cfg);
	log_seq(&r, "chsm.test", 0, 2);
	ccsp_log_set_sink(r.log, NULL, NULL);
	log_seq(&r, "chsm.test", 2, 4);
	assert_int_equal(stats(&r).queued, 2);
	ccsp_logfwd_sink(r.fwd, "info", "{\"event\":\"direct\"}", 18); /* the sink function is also the push */
	assert_int_equal(stats(&r).queued, 3);
	ccsp_logfwd_sink(NULL, "info", "{}", 2);
	rig_stop(&r, 1000);
	close(fd);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target_parse),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_tcp_reconnect),
		cmocka_unit_test(test_tcp_down_drops_oldest),
		cmocka_unit_test(test_http_batches),
		cmocka_unit_test(test_http_rejected),
		cmocka_unit_test(test_http_hanging_server),
		cmocka_unit_test(test_sink_removed),
	};
	/* no curl_global_cleanup: the forwarder left behind by test_http_hanging_server may still be in libcurl */
	return cmocka_run_group_tests(tests, NULL, NULL);
}

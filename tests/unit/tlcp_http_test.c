/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP over TLCP (src/common/tlcp_http.h) against a scripted TLCP server on loopback (a thread with dev
 * certificates from common/tlcp_devcert.h): the request as the server receives it (method, path, Host, the
 * caller's header lines, the body), answers framed by length, chunked and by close_notify; and the server
 * misbehaving: a TCP close without close_notify in the middle of the answer or ending a body without a length
 * (truncation), a length it never fills, a body over the bound, no answer at all (the deadline), a certificate
 * of another CA, a name its certificate does not carry. Then URLs and targets that are refused before any
 * connection.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "common/atomic_file.h"
#include "common/tlcp_devcert.h"
#include "common/tlcp_http.h"
#include "common/tlcp_pem.h"
#include "test_util.h"
#include "tlcp_conn.h"

#define WAIT_MS 10000

/* What the scripted server does once the request is in. */
typedef struct script {
	const char *answer; /* sent as it is */
	int close_notify;   /* 1: close_notify after it; 0: the TCP connection just closes */
	int silent;         /* never answers: holds the connection until the client goes */
} script;

typedef struct server {
	int lfd, port;
	ccsp_tlcp_config *cfg;
	script s;
	char request[16384];
	size_t request_len;
	pthread_t th;
} server;

static char g_dir[64], g_other[64];

static int recv_some(int fd, ccsp_tlcp_conn *c)
{
	uint8_t buf[16384];
	struct pollfd p = {fd, POLLIN, 0};
	if (poll(&p, 1, WAIT_MS) != 1)
		return -1;
	ssize_t n = recv(fd, buf, sizeof buf, 0);
	size_t used;
	if (n <= 0 || ccsp_tlcp_conn_feed(c, buf, (size_t)n, &used) != CCSP_OK || used != (size_t)n)
		return -1;
	return 0;
}

static void send_out(int fd, ccsp_tlcp_conn *c)
{
	const uint8_t *p;
	size_t len;
	ccsp_tlcp_conn_out(c, &p, &len);
	if (len > 0 && send(fd, p, len, MSG_NOSIGNAL) == (ssize_t)len)
		ccsp_tlcp_conn_out_consume(c, len);
}

/* The request is in when its head is, and as many body bytes as its Content-Length says. */
static int request_complete(const server *sv)
{
	const char *end = strstr(sv->request, "\r\n\r\n"), *cl = strstr(sv->request, "Content-Length: ");
	if (end == NULL)
		return 0;
	size_t want = cl != NULL && cl < end ? (size_t)atol(cl + 16) : 0;
	return sv->request_len >= (size_t)(end + 4 - sv->request) + want;
}

static void serve_one(server *sv, int fd)
{
	ccsp_tlcp_conn *c = ccsp_tlcp_conn_new(sv->cfg, 1);
	int done = 0;
	for (int i = 0; c != NULL && i < 100 && !done; i++) {
		if (ccsp_tlcp_conn_handshake(c, &done) != CCSP_OK)
			break;
		send_out(fd, c);
		if (!done && recv_some(fd, c) != 0)
			break;
	}
	while (done && !request_complete(sv)) {
		size_t n = 0;
		if (ccsp_tlcp_conn_read(c, (uint8_t *)sv->request + sv->request_len,
		                        sizeof sv->request - 1 - sv->request_len, &n) != CCSP_OK)
			break;
		sv->request_len += n;
		sv->request[sv->request_len] = '\0';
		if (n == 0 && recv_some(fd, c) != 0)
			break;
	}
	if (done && sv->s.silent) {
		struct pollfd p = {fd, POLLIN, 0};
		(void)poll(&p, 1, WAIT_MS); /* the client gives up first */
	} else if (done && sv->s.answer != NULL) {
		if (ccsp_tlcp_conn_write(c, (const uint8_t *)sv->s.answer, strlen(sv->s.answer)) == CCSP_OK)
			send_out(fd, c);
		if (sv->s.close_notify && ccsp_tlcp_conn_close(c) == CCSP_OK)
			send_out(fd, c);
	}
	ccsp_tlcp_conn_free(c);
}

static void *server_main(void *arg)
{
	server *sv = arg;
	struct pollfd p = {sv->lfd, POLLIN, 0};
	if (poll(&p, 1, WAIT_MS) == 1) {
		int fd = accept(sv->lfd, NULL, NULL);
		if (fd >= 0) {
			serve_one(sv, fd);
			close(fd);
		}
	}
	return NULL;
}

/* A server on addr with the certificates of dir, following s. */
static void server_start(server *sv, const char *dir, const char *addr, script s)
{
	char f[4][128];
	const char *names[4] = {"tlcp-sign.pem", "tlcp-sign.key", "tlcp-enc.pem", "tlcp-enc.key"};
	for (int i = 0; i < 4; i++)
		snprintf(f[i], sizeof f[i], "%s/%s", dir, names[i]);
	const ccsp_tlcp_pem_server ps = {f[0], f[1], f[2], f[3], NULL, 0};
	memset(sv, 0, sizeof *sv);
	sv->s = s;
	assert_ok(ccsp_tlcp_pem_server_config(&ps, &sv->cfg));
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof a;
	assert_int_equal(inet_pton(AF_INET, addr, &a.sin_addr), 1);
	sv->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(sv->lfd >= 0 && bind(sv->lfd, (struct sockaddr *)&a, sizeof a) == 0 && listen(sv->lfd, 4) == 0 &&
	            getsockname(sv->lfd, (struct sockaddr *)&a, &al) == 0);
	sv->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&sv->th, NULL, server_main, sv), 0);
}

static void server_stop(server *sv)
{
	pthread_join(sv->th, NULL);
	close(sv->lfd);
	ccsp_tlcp_config_free(sv->cfg);
}

/* One exchange with a server following s: the error, the answer in *ans, the server's view in *sv. */
static ccsp_err exchange(server *sv, script s, const char *body, const struct curl_slist *h, size_t answer_max,
                         ccsp_http_answer *ans, char *why)
{
	char ca[128], url[128];
	server_start(sv, g_dir, "127.0.0.1", s);
	snprintf(ca, sizeof ca, "%s/tlcp-ca.pem", g_dir);
	snprintf(url, sizeof url, "tlcp://127.0.0.1:%d/api/1.0/x?y=1", sv->port);
	const ccsp_tlcp_http_target t = {.ca_file = ca, .timeout_s = 2, .answer_max = answer_max};
	ccsp_err e = ccsp_tlcp_http_exchange(&t, url, body, body != NULL ? strlen(body) : 0, h, ans, why, 256);
	server_stop(sv);
	return e;
}

static int setup(void **state)
{
	(void)state;
	snprintf(g_dir, sizeof g_dir, "/tmp/tlcp_http_test.XXXXXX");
	snprintf(g_other, sizeof g_other, "/tmp/tlcp_http_test.XXXXXX");
	if (mkdtemp(g_dir) == NULL || mkdtemp(g_other) == NULL)
		return -1;
	if (ccsp_tlcp_devcert_create(g_dir, "test server", "127.0.0.1:0", 30) != CCSP_OK ||
	    ccsp_tlcp_devcert_create(g_other, "other server", "127.0.0.1:0", 30) != CCSP_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_rm_tree(g_dir);
	test_rm_tree(g_other);
	return 0;
}

static void test_post_and_answers(void **state)
{
	(void)state;
	server sv;
	ccsp_http_answer a = {0};
	char why[256];
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	h = curl_slist_append(h, "CHSM-Signature: abc");
	const script by_length = {"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"a\":\"ok\"}\n", 0, 0};
	assert_ok(exchange(&sv, by_length, "{\"q\":1}", h, 0, &a, why));
	assert_int_equal(a.status, 200);
	assert_string_equal(a.body, "{\"a\":\"ok\"}\n");
	assert_non_null(strstr(sv.request, "POST /api/1.0/x?y=1 HTTP/1.1\r\n"));
	char host[64];
	snprintf(host, sizeof host, "\r\nHost: 127.0.0.1:%d\r\n", sv.port);
	assert_non_null(strstr(sv.request, host));
	assert_non_null(strstr(sv.request, "\r\nContent-Length: 7\r\n"));
	assert_non_null(strstr(sv.request, "\r\nContent-Type: application/json\r\nCHSM-Signature: abc\r\n\r\n{\"q\":1}"));
	ccsp_http_answer_clear(&a);

	const script chunked = {
	        "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n", 1, 0};
	assert_ok(exchange(&sv, chunked, NULL, NULL, 0, &a, why));
	assert_int_equal(a.status, 404);
	assert_string_equal(a.body, "abcde");
	assert_non_null(strstr(sv.request, "GET /api/1.0/x?y=1 HTTP/1.1\r\n"));
	assert_null(strstr(sv.request, "Content-Length"));
	ccsp_http_answer_clear(&a);

	const script to_close = {"HTTP/1.1 500 Oops\r\n\r\nthe end", 1, 0};
	assert_ok(exchange(&sv, to_close, "x", NULL, 0, &a, why));
	assert_int_equal(a.status, 500);
	assert_string_equal(a.body, "the end");
	ccsp_http_answer_clear(&a);
	curl_slist_free_all(h);
}

static void test_misbehaving_server(void **state)
{
	(void)state;
	server sv;
	ccsp_http_answer a = {0};
	char why[256];
	/* a body delimited by the end of the stream, ended by TCP without close_notify: maybe cut, refused */
	const script cut = {"HTTP/1.1 200 OK\r\n\r\n{\"status\":200}", 0, 0};
	assert_ccsp(CCSP_ERR_COMM, exchange(&sv, cut, "x", NULL, 0, &a, why));
	assert_null(a.body);
	/* a length never filled, then close_notify */
	const script short_body = {"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc", 1, 0};
	assert_ccsp(CCSP_ERR_PROTOCOL, exchange(&sv, short_body, "x", NULL, 0, &a, why));
	/* the same cut by TCP */
	const script short_tcp = {"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc", 0, 0};
	assert_ccsp(CCSP_ERR_COMM, exchange(&sv, short_tcp, "x", NULL, 0, &a, why));
	/* over the bound */
	const script big = {"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n0123456789\n", 1, 0};
	assert_ccsp(CCSP_ERR_LIMIT, exchange(&sv, big, "x", NULL, 10, &a, why));
	/* malformed */
	const script junk = {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 1, 0};
	assert_ccsp(CCSP_ERR_PROTOCOL, exchange(&sv, junk, "x", NULL, 0, &a, why));
	/* no answer: the deadline (2 s) ends it */
	const script silent = {NULL, 0, 1};
	assert_ccsp(CCSP_ERR_COMM, exchange(&sv, silent, "x", NULL, 0, &a, why));
	assert_non_null(strstr(why, "in time"));
	assert_null(a.body);
}

static void test_trust(void **state)
{
	(void)state;
	server sv;
	ccsp_http_answer a = {0};
	char why[256], ca[128], url[128];
	const script ok = {"HTTP/1.1 204 No Content\r\n\r\n", 1, 0};
	/* a server whose certificates another CA issued */
	server_start(&sv, g_other, "127.0.0.1", ok);
	snprintf(ca, sizeof ca, "%s/tlcp-ca.pem", g_dir);
	snprintf(url, sizeof url, "tlcp://127.0.0.1:%d/", sv.port);
	ccsp_tlcp_http_target t = {.ca_file = ca, .timeout_s = 5};
	assert_ccsp(CCSP_ERR_COMM, ccsp_tlcp_http_exchange(&t, url, NULL, 0, NULL, &a, why, sizeof why));
	assert_non_null(strstr(why, "unknown_ca"));
	server_stop(&sv);
	/* the right CA, as PEM text, a name the certificate carries */
	server_start(&sv, g_dir, "127.0.0.1", ok);
	uint8_t *pem = NULL;
	size_t len = 0;
	assert_ok(ccsp_file_read_all(ca, 65536, &pem, &len));
	char *text = calloc(1, len + 1);
	memcpy(text, pem, len);
	t = (ccsp_tlcp_http_target){.ca_pem = text, .timeout_s = 5};
	snprintf(url, sizeof url, "tlcp://localhost:%d", sv.port);
	assert_ok(ccsp_tlcp_http_exchange(&t, url, NULL, 0, NULL, &a, why, sizeof why));
	assert_int_equal(a.status, 204);
	assert_int_equal(a.body_len, 0);
	ccsp_http_answer_clear(&a);
	server_stop(&sv);
	/* a name it does not carry (127.0.0.2 is loopback too, but not in its SAN) */
	server_start(&sv, g_dir, "127.0.0.2", ok);
	snprintf(url, sizeof url, "tlcp://127.0.0.2:%d/", sv.port);
	assert_ccsp(CCSP_ERR_COMM, ccsp_tlcp_http_exchange(&t, url, NULL, 0, NULL, &a, why, sizeof why));
	assert_non_null(strstr(why, "alert"));
	server_stop(&sv);
	free(text);
	free(pem);
}

static void test_refused_before_connecting(void **state)
{
	(void)state;
	ccsp_http_answer a = {0};
	char why[256], ca[128];
	snprintf(ca, sizeof ca, "%s/tlcp-ca.pem", g_dir);
	const ccsp_tlcp_http_target t = {.ca_file = ca, .timeout_s = 2}, none = {.timeout_s = 2};
	const char *bad[] = {"tlcp://127.0.0.1",     "tlcp://127.0.0.1:",      "tlcp://:80/",
	                     "tlcp://[::1/",         "tlcp://h:0/",            "tlcp://h:65536/",
	                     "tlcp://h:8x/",         "tlcp://h:80/a b",        "https://127.0.0.1:80/",
	                     "tlcp://h\r\nX: y:80/", "tlcp://h:123456/"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_ccsp(CCSP_ERR_ARG, ccsp_tlcp_http_exchange(&t, bad[i], NULL, 0, NULL, &a, why, sizeof why));
	assert_ccsp(CCSP_ERR_ARG, ccsp_tlcp_http_exchange(&none, "tlcp://127.0.0.1:1/", NULL, 0, NULL, &a, why, sizeof why));
	struct curl_slist *h = curl_slist_append(NULL, "X-Split: a\r\nX-Injected: b");
	assert_ccsp(CCSP_ERR_ARG, ccsp_tlcp_http_exchange(&t, "tlcp://127.0.0.1:1/", NULL, 0, h, &a, why, sizeof why));
	curl_slist_free_all(h);
	const ccsp_tlcp_http_target missing = {.ca_file = "/nonexistent/ca.pem", .timeout_s = 2};
	assert_ccsp(CCSP_ERR_FILE_NOT_FOUND,
	            ccsp_tlcp_http_exchange(&missing, "tlcp://127.0.0.1:1/", NULL, 0, NULL, &a, why, sizeof why));
	/* nothing listens there */
	assert_ccsp(CCSP_ERR_COMM, ccsp_tlcp_http_exchange(&t, "tlcp://127.0.0.1:1/", NULL, 0, NULL, &a, why, sizeof why));
	assert_non_null(strstr(why, "connect"));
	assert_int_equal(ccsp_tlcp_http_is_url("TLCP://x:1"), 1);
	assert_int_equal(ccsp_tlcp_http_is_url("tlcps://x:1"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_post_and_answers),
		cmocka_unit_test(test_misbehaving_server),
		cmocka_unit_test(test_trust),
		cmocka_unit_test(test_refused_before_connecting),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

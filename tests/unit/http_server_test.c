/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTPS/JSON serving layer (src/common/http_server.h): a server on 127.0.0.1:0 in a thread with a throwaway
 * certificate, driven with libcurl (and a raw TLS client where curl is too polite), checking routing, the
 * refusals and their envelopes, the request object, async answers from the task queue, keep-alive, limits,
 * and the drain. The pure parsers get table tests at the end; tests/fuzz/fuzz_json_body.c fuzzes them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/ssl.h>

#include "common/http_server.h"
#include "common/selfcert.h"
#include "common/taskq.h"
#include "test_util.h"

#define WAIT_MS 10000
enum { ROLE_OPEN = 0, ROLE_SECURE = 1, ROLE_USER = 2 };

static char dir[64], cert[96], key[96];

/* ---- the server under test ---- */

typedef struct variant {
	unsigned max_connections, timeout_ms;
} variant;

typedef struct srv {
	ccsp_http_server *http;
	ccsp_taskq *q;
	ccsp_log *log;
	FILE *logf;
	pthread_t thread;
	atomic_int running;
	ccsp_err run_err;
	int port;
	pthread_t loop; /* written by handlers on the loop thread, read by tasks after submit */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int slow_started, slow_release;
} srv;

typedef struct job {
	srv *s;
	ccsp_http_request *req;
} job;

static void h_echo(void *arg, ccsp_http_request *req)
{
	(void)arg;
	json_t *o = json_pack("{s:O?,s:s,s:s?,s:s,s:s,s:s,s:i,s:s?}", "json", ccsp_http_req_json(req), "id",
	                      ccsp_http_req_id(req), "clientId", ccsp_http_req_client_id(req), "method",
	                      ccsp_http_req_method(req), "path", ccsp_http_req_path(req), "peer", ccsp_http_req_peer(req),
	                      "role", ccsp_http_req_role(req), "header", ccsp_http_req_header(req, "x-TEST"));
	if (o == NULL || ccsp_http_response_header(req, "X-Custom", "1") != CCSP_OK) {
		ccsp_http_respond_error(req, 500, "test handler failed");
	} else {
		ccsp_http_respond_json(req, 200, o);
	}
	json_decref(o);
}

static void h_raw(void *arg, ccsp_http_request *req)
{
	size_t len;
	const uint8_t *b = ccsp_http_req_body(req, &len);
	(void)arg;
	ccsp_http_respond_raw(req, 200, "application/octet-stream", b, len);
}

static void h_query(void *arg, ccsp_http_request *req)
{
	json_t *params = json_array();
	const char *name, *value;
	(void)arg;
	for (size_t i = 0; i < ccsp_http_req_query_count(req); i++)
		if (ccsp_http_req_query_at(req, i, &name, &value) == CCSP_OK)
			json_array_append_new(params, json_pack("[s,s]", name, value));
	json_t *o = json_pack("{s:o,s:s?}", "params", params, "clientId", ccsp_http_req_client_id(req));
	ccsp_http_respond_json(req, 200, o);
	json_decref(o);
}

static void t_async(void *arg)
{
	job *j = arg;
	json_t *o = json_pack("{s:b,s:O?}", "worker", !pthread_equal(pthread_self(), j->s->loop), "echo",
	                      ccsp_http_req_json(j->req));
	ccsp_http_respond_json(j->req, 200, o);
	json_decref(o);
	free(j);
}

static void t_slow(void *arg)
{
	job *j = arg;
	srv *s = j->s;
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&s->mu);
	s->slow_started++;
	pthread_cond_broadcast(&s->cv);
	while (!s->slow_release && pthread_cond_timedwait(&s->cv, &s->mu, &until) == 0)
		;
	pthread_mutex_unlock(&s->mu);
	json_t *o = json_pack("{s:b}", "slow", 1);
	ccsp_http_respond_json(j->req, 200, o);
	json_decref(o);
	free(j);
}

static void submit(srv *s, ccsp_http_request *req, ccsp_taskq_fn fn)
{
	job *j = malloc(sizeof *j);
	s->loop = pthread_self();
	if (j != NULL) {
		*j = (job){s, req};
		if (ccsp_taskq_submit(s->q, fn, j) == CCSP_OK)
			return;
	}
	free(j);
	ccsp_http_respond_error(req, 503, "busy");
}

static void h_async(void *arg, ccsp_http_request *req)
{
	submit(arg, req, t_async);
}

static void h_slow(void *arg, ccsp_http_request *req)
{
	submit(arg, req, t_slow);
}

static void h_user(void *arg, ccsp_http_request *req)
{
	(void)arg;
	json_t *o = json_pack("{s:s?}", "user", (const char *)ccsp_http_req_user(req));
	ccsp_http_respond_json(req, 200, o);
	json_decref(o);
}

static int t_authorize(void *arg, ccsp_http_request *req, int role, const char **message)
{
	(void)arg;
	if (role == ROLE_SECURE) {
		const char *a = ccsp_http_req_header(req, "X-Auth");
		if (a == NULL || strcmp(a, "ok") != 0) {
			*message = "test refuses";
			return 403;
		}
	}
	if (role == ROLE_USER)
		ccsp_http_req_set_user(req, strdup("alice"), free);
	return 0;
}

static json_t *t_render(void *arg, const ccsp_http_request *req, int status, const char *message)
{
	(void)arg;
	return json_pack("{s:i,s:s,s:s,s:b}", "status", status, "message", message, "requestId",
	                 ccsp_http_req_echo_id(req), "rendered", 1);
}

static const ccsp_http_route routes[] = {
    {"POST", "/echo", h_echo, ROLE_OPEN},       {"GET", "/echo", h_echo, ROLE_OPEN},
    {"POST", "/raw", h_raw, ROLE_OPEN},         {"GET", "/query", h_query, ROLE_OPEN},
    {"POST", "/async", h_async, ROLE_OPEN},     {"POST", "/slow", h_slow, ROLE_OPEN},
    {"POST", "/secure", h_echo, ROLE_SECURE},   {"GET", "/user", h_user, ROLE_USER},
};
#define N_ROUTES (sizeof routes / sizeof routes[0])

static void *run_thread(void *arg)
{
	srv *s = arg;
	s->run_err = ccsp_http_server_run(s->http);
	atomic_store(&s->running, 0);
	return NULL;
}

static ccsp_http_config make_config(const variant *v, ccsp_log *log)
{
	ccsp_http_config cfg = {.listen = "127.0.0.1:0", .cert_file = cert, .key_file = key, .log = log};
	if (v != NULL) {
		cfg.max_connections = v->max_connections;
		cfg.timeout_ms = v->timeout_ms;
	}
	return cfg;
}

static int srv_setup(void **state)
{
	srv *s = calloc(1, sizeof *s);
	assert_non_null(s);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->logf = tmpfile();
	assert_non_null(s->logf);
	assert_ok(ccsp_log_new_fd(fileno(s->logf), &s->log));
	assert_ok(ccsp_taskq_new(2, 16, &s->q));
	ccsp_http_config cfg = make_config(*state, s->log);
	ccsp_http_callbacks cb = {.arg = s, .authorize = t_authorize, .render_error = t_render};
	assert_ok(ccsp_http_server_new(&cfg, routes, N_ROUTES, &cb, &s->http));
	s->port = ccsp_http_server_port(s->http);
	assert_true(s->port > 0);
	atomic_store(&s->running, 1);
	assert_int_equal(pthread_create(&s->thread, NULL, run_thread, s), 0);
	*state = s;
	return 0;
}

static int srv_teardown(void **state)
{
	srv *s = *state;
	pthread_mutex_lock(&s->mu);
	s->slow_release = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	ccsp_http_server_stop(s->http);
	pthread_join(s->thread, NULL);
	assert_ok(s->run_err);
	ccsp_taskq_free(s->q); /* after run: the tasks answered before it returned */
	ccsp_http_server_free(s->http);
	ccsp_log_free(s->log);
	fclose(s->logf);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
	return 0;
}

/* ---- the client ---- */

typedef struct resp {
	long status, connects, local_port;
	char *body;
	size_t len;
	char headers[8192];
	size_t hlen;
	CURLcode code;
} resp;

static size_t body_cb(char *p, size_t size, size_t n, void *arg)
{
	resp *r = arg;
	char *nb = realloc(r->body, r->len + size * n + 1);
	if (nb == NULL)
		return 0;
	memcpy(nb + r->len, p, size * n);
	r->body = nb;
	r->len += size * n;
	r->body[r->len] = '\0';
	return size * n;
}

static size_t header_cb(char *p, size_t size, size_t n, void *arg)
{
	resp *r = arg;
	size_t k = size * n < sizeof r->headers - 1 - r->hlen ? size * n : sizeof r->headers - 1 - r->hlen;
	memcpy(r->headers + r->hlen, p, k);
	r->hlen += k;
	r->headers[r->hlen] = '\0';
	return size * n;
}

static CURL *client(void)
{
	CURL *c = curl_easy_init();
	assert_non_null(c);
	curl_easy_setopt(c, CURLOPT_CAINFO, cert);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)WAIT_MS);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
	return c;
}

static void resp_clear(resp *r)
{
	free(r->body);
	memset(r, 0, sizeof *r);
}

/* One request; body NULL = none. ctype NULL = no Content-Type at all. extra: one more header line or NULL. */
static CURLcode request(CURL *c, int port, const char *method, const char *path, const char *ctype, const void *body,
                        size_t len, const char *extra, resp *r)
{
	char url[512], ct[128];
	struct curl_slist *h = NULL;
	resp_clear(r);
	snprintf(url, sizeof url, "https://127.0.0.1:%d%s", port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, strcmp(method, "GET") && strcmp(method, "POST") ? method : NULL);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	snprintf(ct, sizeof ct, "Content-Type:%s%s", ctype != NULL ? " " : "", ctype != NULL ? ctype : "");
	h = curl_slist_append(h, ct);
	h = curl_slist_append(h, "Expect:");
	if (extra != NULL)
		h = curl_slist_append(h, extra);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	r->code = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &r->connects);
	curl_easy_getinfo(c, CURLINFO_LOCAL_PORT, &r->local_port);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h);
	return r->code;
}

/* A one-shot request on a fresh handle, asserting the transfer worked. */
static void fetch(srv *s, const char *method, const char *path, const char *ctype, const char *body, const char *extra,
                  resp *r)
{
	CURL *c = client();
	CURLcode code = request(c, s->port, method, path, ctype, body, body != NULL ? strlen(body) : 0, extra, r);
	if (code != CURLE_OK)
		fail_msg("%s %s: %s", method, path, curl_easy_strerror(code));
	curl_easy_cleanup(c);
}

static json_t *resp_json(const resp *r)
{
	json_error_t err;
	json_t *j = json_loadb(r->body != NULL ? r->body : "", r->len, 0, &err);
	if (j == NULL)
		fail_msg("status %ld, not JSON: %s", r->status, r->body != NULL ? r->body : "");
	return j;
}

/* The value of a response header (first occurrence), in a static buffer, or NULL. */
static const char *resp_header(const resp *r, const char *name)
{
	static char v[256];
	size_t nl = strlen(name);
	for (const char *p = r->headers; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p != NULL ? p + 1 : NULL) {
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *s = p + nl + 1 + strspn(p + nl + 1, " ");
			size_t l = strcspn(s, "\r\n");
			snprintf(v, sizeof v, "%.*s", (int)l, s);
			return v;
		}
	}
	return NULL;
}

/* The envelope render_error makes: status, message and requestId. */
static void assert_rendered(const resp *r, long status, const char *message, const char *request_id)
{
	assert_int_equal(r->status, status);
	json_t *j = resp_json(r);
	assert_true(json_is_true(json_object_get(j, "rendered")));
	assert_int_equal(json_integer_value(json_object_get(j, "status")), status);
	if (message != NULL)
		assert_string_equal(json_string_value(json_object_get(j, "message")), message);
	if (request_id != NULL)
		assert_string_equal(json_string_value(json_object_get(j, "requestId")), request_id);
	json_decref(j);
}

static int tcp_connect(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct timeval tv = {5, 0};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Send raw bytes over TLS and read until the server closes; returns the bytes read (NUL-terminated). */
static size_t raw_tls(int port, const char *data, char *out, size_t cap)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(ctx);
	int fd = tcp_connect(port);
	assert_true(fd >= 0);
	SSL *ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	assert_int_equal(SSL_connect(ssl), 1);
	assert_int_equal(SSL_write(ssl, data, (int)strlen(data)), (int)strlen(data));
	size_t n = 0;
	int k;
	while (n < cap - 1 && (k = SSL_read(ssl, out + n, (int)(cap - 1 - n))) > 0)
		n += (size_t)k;
	out[n] = '\0';
	SSL_free(ssl);
	close(fd);
	SSL_CTX_free(ctx);
	return n;
}

/* ---- tests through the network ---- */

static void test_json_roundtrip(void **state)
{
	srv *s = *state;
	resp r = {0};
	const char *body = "{\"requestId\":\"req-1\",\"x\":[1,2,{\"y\":\"\\u4e2d\"}]}";
	fetch(s, "POST", "/echo", "application/json; charset=utf-8", body, "X-Test: hello", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(resp_header(&r, "Content-Type"), "application/json; charset=utf-8");
	assert_string_equal(resp_header(&r, "Cache-Control"), "no-store");
	assert_string_equal(resp_header(&r, "X-Custom"), "1");
	json_t *j = resp_json(&r), *want = json_loads(body, 0, NULL);
	assert_true(json_equal(json_object_get(j, "json"), want));
	assert_string_equal(json_string_value(json_object_get(j, "clientId")), "req-1");
	assert_string_equal(json_string_value(json_object_get(j, "method")), "POST");
	assert_string_equal(json_string_value(json_object_get(j, "path")), "/echo");
	assert_string_equal(json_string_value(json_object_get(j, "header")), "hello");
	assert_int_equal(json_integer_value(json_object_get(j, "role")), ROLE_OPEN);
	assert_true(strncmp(json_string_value(json_object_get(j, "peer")), "127.0.0.1:", 10) == 0);
	const char *id = json_string_value(json_object_get(j, "id"));
	assert_int_equal(strlen(id), 36);
	assert_true(id[8] == '-' && id[14] == '4');
	/* the access log has the line (written before the answer) */
	char line[1024] = "";
	assert_int_equal(fseek(s->logf, 0, SEEK_SET), 0);
	assert_non_null(fgets(line, sizeof line, s->logf));
	assert_non_null(strstr(line, "\"event\":\"http.request\""));
	assert_non_null(strstr(line, id));
	assert_non_null(strstr(line, "\"status\":200"));
	json_decref(j);
	json_decref(want);
	/* a body without requestId: no client id; GET: no JSON */
	fetch(s, "POST", "/echo", "application/json", "{}", NULL, &r);
	j = resp_json(&r);
	assert_true(json_is_null(json_object_get(j, "clientId")));
	json_decref(j);
	fetch(s, "GET", "/echo", NULL, NULL, NULL, &r);
	j = resp_json(&r);
	assert_int_equal(r.status, 200);
	assert_true(json_is_null(json_object_get(j, "json")));
	json_decref(j);
	resp_clear(&r);
}

/* The raw body reaches the handler byte for byte (what GM/T 0088 signatures cover), up to exactly max_body. */
static void test_raw_body(void **state)
{
	srv *s = *state;
	resp r = {0};
	const char *odd = " {\"b\" :1,\n\t\"a\":\"\\u00e9\\/\" ,\"c\":  [ ] }\r\n ";
	fetch(s, "POST", "/raw", "application/json", odd, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, strlen(odd));
	assert_memory_equal(r.body, odd, r.len);
	size_t n = CCSP_HTTP_DEFAULT_MAX_BODY;
	char *big = malloc(n + 2);
	assert_non_null(big);
	memset(big, 'x', n + 1);
	memcpy(big, "{\"a\":\"", 6);
	memcpy(big + n - 2, "\"}", 2);
	big[n] = '\0';
	fetch(s, "POST", "/raw", "application/json", big, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, n);
	assert_memory_equal(r.body, big, n);
	/* one byte more: 413 (libevent's own page, see http_server.h) and the connection closes */
	big[n - 1] = ' ';
	big[n] = '}';
	big[n + 1] = '\0';
	fetch(s, "POST", "/raw", "application/json", big, NULL, &r);
	assert_int_equal(r.status, 413);
	free(big);
	resp_clear(&r);
}

static void test_not_found_and_method(void **state)
{
	srv *s = *state;
	resp r = {0};
	fetch(s, "GET", "/nope?requestId=q-404", NULL, NULL, NULL, &r);
	assert_rendered(&r, 404, "no such resource", "q-404");
	fetch(s, "GET", "/echo/", NULL, NULL, NULL, &r); /* exact paths only */
	assert_rendered(&r, 404, NULL, NULL);
	fetch(s, "GET", "/%65cho", NULL, NULL, NULL, &r); /* no decoding of the path */
	assert_rendered(&r, 404, NULL, NULL);
	fetch(s, "PUT", "/echo", "application/json", "{}", NULL, &r);
	assert_rendered(&r, 405, "method not allowed", NULL);
	assert_string_equal(resp_header(&r, "Allow"), "POST, GET");
	fetch(s, "DELETE", "/query", NULL, NULL, NULL, &r);
	assert_rendered(&r, 405, NULL, NULL);
	assert_string_equal(resp_header(&r, "Allow"), "GET");
	resp_clear(&r);
}

static void test_content_type(void **state)
{
	srv *s = *state;
	resp r = {0};
	fetch(s, "POST", "/echo", "text/plain", "{\"requestId\":\"ct-1\"}", NULL, &r);
	assert_rendered(&r, 415, NULL, NULL);
	fetch(s, "POST", "/echo", NULL, "{}", NULL, &r);
	assert_rendered(&r, 415, NULL, NULL);
	fetch(s, "POST", "/echo", "application/jsonp", "{}", NULL, &r);
	assert_rendered(&r, 415, NULL, NULL);
	fetch(s, "POST", "/echo", "application/json;charset=gbk", "{}", NULL, &r);
	assert_int_equal(r.status, 200);
	fetch(s, "POST", "/echo", "APPLICATION/JSON ; charset=\"UTF-8\"", "{}", NULL, &r);
	assert_int_equal(r.status, 200);
	resp_clear(&r);
}

static void test_bad_json(void **state)
{
	srv *s = *state;
	resp r = {0};
	char deep[200];
	static const char *const bad[] = {"{\"a\":", "[1]", "", "{\"a\":1,\"a\":2}", "\"str\"", "{\"a\":\"\\u0000\"}",
	                                  "{\"a\":1} x"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		fetch(s, "POST", "/echo?requestId=bad-json", "application/json", bad[i], NULL, &r);
		assert_rendered(&r, 400, NULL, "bad-json");
	}
	fetch(s, "POST", "/echo", "application/json", "{\"a\":", NULL, &r);
	assert_rendered(&r, 400, "malformed JSON", NULL);
	/* depth 32 passes, 33 does not */
	for (int depth = 32; depth <= 33; depth++) {
		size_t o = (size_t)snprintf(deep, sizeof deep, "{\"a\":");
		for (int i = 1; i < depth; i++)
			deep[o++] = '[';
		for (int i = 1; i < depth; i++)
			deep[o++] = ']';
		deep[o++] = '}';
		deep[o] = '\0';
		fetch(s, "POST", "/echo", "application/json", deep, NULL, &r);
		if (depth == 32)
			assert_int_equal(r.status, 200);
		else
			assert_rendered(&r, 400, "JSON nested too deeply", NULL);
	}
	resp_clear(&r);
}

static void test_query(void **state)
{
	srv *s = *state;
	resp r = {0};
	fetch(s, "GET", "/query?b=2&a=hello%20world&c=x+y&requestId=q-9&&e", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	json_t *j = resp_json(&r);
	json_t *want = json_pack("[[s,s],[s,s],[s,s],[s,s],[s,s]]", "a", "hello world", "b", "2", "c", "x y", "e", "",
	                         "requestId", "q-9");
	assert_true(json_equal(json_object_get(j, "params"), want));
	assert_string_equal(json_string_value(json_object_get(j, "clientId")), "q-9");
	json_decref(j);
	json_decref(want);
	fetch(s, "GET", "/query?a=%zz", NULL, NULL, NULL, &r);
	assert_rendered(&r, 400, "malformed query string", NULL);
	fetch(s, "GET", "/query?a=1&a=2", NULL, NULL, NULL, &r);
	assert_rendered(&r, 400, NULL, NULL);
	char many[512] = "/query?";
	for (unsigned i = 0; i <= CCSP_HTTP_MAX_QUERY_PARAMS; i++)
		snprintf(many + strlen(many), sizeof many - strlen(many), "p%u=1&", i);
	fetch(s, "GET", many, NULL, NULL, NULL, &r);
	assert_rendered(&r, 400, NULL, NULL);
	/* a requestId that is not printable ASCII is not echoed */
	fetch(s, "GET", "/query?requestId=%0A", NULL, NULL, NULL, &r);
	j = resp_json(&r);
	assert_true(json_is_null(json_object_get(j, "clientId")));
	json_decref(j);
	resp_clear(&r);
}

static void test_too_many_headers(void **state)
{
	srv *s = *state;
	resp r = {0};
	CURL *c = client();
	struct curl_slist *h = NULL;
	char url[64], line[32];
	for (unsigned i = 0; i < CCSP_HTTP_DEFAULT_MAX_HEADERS + 1; i++) {
		snprintf(line, sizeof line, "X-H%u: v", i);
		h = curl_slist_append(h, line);
	}
	snprintf(url, sizeof url, "https://127.0.0.1:%d/query", s->port);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	assert_rendered(&r, 400, "too many header fields", NULL);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	resp_clear(&r);
}

/* Two requests on one connection; and two pipelined in one TLS write. */
static void test_keepalive(void **state)
{
	srv *s = *state;
	resp r = {0};
	CURL *c = client();
	assert_int_equal(request(c, s->port, "POST", "/echo", "application/json", "{}", 2, NULL, &r), CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.connects, 1);
	long port1 = r.local_port;
	assert_int_equal(request(c, s->port, "GET", "/query?x=1", NULL, NULL, 0, NULL, &r), CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.connects, 0); /* reused */
	assert_int_equal(r.local_port, port1);
	curl_easy_cleanup(c);
	resp_clear(&r);

	char out[8192];
	raw_tls(s->port,
	        "GET /query?n=1 HTTP/1.1\r\nHost: x\r\n\r\n"
	        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
	        "GET /query?n=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	        out, sizeof out);
	int answers = 0;
	for (const char *p = out; (p = strstr(p, "HTTP/1.1 200")) != NULL; p++)
		answers++;
	assert_int_equal(answers, 3);
	assert_non_null(strstr(out, "[\"n\",\"3\"]"));
}

static void test_async(void **state)
{
	srv *s = *state;
	resp r = {0};
	fetch(s, "POST", "/async", "application/json", "{\"k\":\"v\"}", NULL, &r);
	assert_int_equal(r.status, 200);
	json_t *j = resp_json(&r);
	assert_true(json_is_true(json_object_get(j, "worker")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "echo"), "k")), "v");
	json_decref(j);
	resp_clear(&r);
}

static void test_authorize(void **state)
{
	srv *s = *state;
	resp r = {0};
	fetch(s, "POST", "/secure", "application/json", "{\"requestId\":\"sec-1\"}", NULL, &r);
	assert_rendered(&r, 403, "test refuses", "sec-1");
	fetch(s, "POST", "/secure", "application/json", "{\"requestId\":\"sec-2\"}", "X-Auth: ok", &r);
	assert_int_equal(r.status, 200);
	json_t *j = resp_json(&r);
	assert_int_equal(json_integer_value(json_object_get(j, "role")), ROLE_SECURE);
	json_decref(j);
	fetch(s, "GET", "/user", NULL, NULL, NULL, &r);
	j = resp_json(&r);
	assert_string_equal(json_string_value(json_object_get(j, "user")), "alice");
	json_decref(j);
	resp_clear(&r);
}

static void test_tls_versions(void **state)
{
	srv *s = *state;
	resp r = {0};
	static const long ok[] = {CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_TLSv1_2,
	                          CURL_SSLVERSION_TLSv1_3 | CURL_SSLVERSION_MAX_TLSv1_3};
	for (int i = 0; i < 3; i++) {
		CURL *c = client();
		curl_easy_setopt(c, CURLOPT_SSLVERSION,
		                 i < 2 ? ok[i] : CURL_SSLVERSION_TLSv1_0 | CURL_SSLVERSION_MAX_TLSv1_1);
		CURLcode code = request(c, s->port, "GET", "/query", NULL, NULL, 0, NULL, &r);
		if (i < 2)
			assert_true(code == CURLE_OK && r.status == 200);
		else
			assert_int_not_equal(code, CURLE_OK);
		curl_easy_cleanup(c);
	}
	/* plain HTTP on the TLS port: no answer in clear, and the server carries on */
	int fd = tcp_connect(s->port);
	char buf[256];
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "GET /query HTTP/1.1\r\nHost: x\r\n\r\n", 33), 33);
	ssize_t n = read(fd, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = '\0';
	assert_null(strstr(buf, "HTTP/1.1"));
	close(fd);
	fetch(s, "GET", "/query", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	resp_clear(&r);
}

typedef struct bg_request {
	srv *s;
	resp r;
	pthread_t th;
} bg_request;

static void *bg_slow(void *arg)
{
	bg_request *b = arg;
	CURL *c = client();
	request(c, b->s->port, "POST", "/slow", "application/json", "{}", 2, NULL, &b->r);
	curl_easy_cleanup(c);
	return NULL;
}

static int wait_flag(srv *s, int (*cond)(srv *))
{
	for (int i = 0; i < WAIT_MS / 10; i++) {
		pthread_mutex_lock(&s->mu);
		int ok = cond(s);
		pthread_mutex_unlock(&s->mu);
		if (ok)
			return 1;
		usleep(10000);
	}
	return 0;
}

static int slow_started(srv *s)
{
	return s->slow_started > 0;
}

static int stopped(srv *s)
{
	return atomic_load(&s->running) == 0;
}

/* Stop with a request in flight: the listener closes at once, run waits for the answer, the answer arrives
 * (with Connection: close), then run returns. */
static void test_graceful_stop(void **state)
{
	srv *s = *state;
	bg_request b = {.s = s};
	CURL *idle = client();
	resp r = {0};
	assert_int_equal(request(idle, s->port, "GET", "/query", NULL, NULL, 0, NULL, &r), CURLE_OK); /* keep-alive */
	int silent = tcp_connect(s->port); /* a connection that never says anything */
	assert_true(silent >= 0);
	assert_int_equal(pthread_create(&b.th, NULL, bg_slow, &b), 0);
	assert_true(wait_flag(s, slow_started));
	ccsp_http_server_stop(s->http);
	usleep(200000);
	assert_int_equal(atomic_load(&s->running), 1); /* still draining */
	assert_int_equal(tcp_connect(s->port), -1);     /* the listener is closed */
	assert_int_equal(errno, ECONNREFUSED);
	/* a new request on the idle keep-alive connection is refused while draining */
	assert_int_equal(request(idle, s->port, "GET", "/query", NULL, NULL, 0, NULL, &r), CURLE_OK);
	assert_rendered(&r, 503, NULL, NULL);
	assert_int_equal(r.connects, 0);
	assert_string_equal(resp_header(&r, "Connection"), "close");
	pthread_mutex_lock(&s->mu);
	s->slow_release = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(b.th, NULL);
	assert_int_equal(b.r.code, CURLE_OK);
	assert_int_equal(b.r.status, 200);
	assert_string_equal(resp_header(&b.r, "Connection"), "close");
	assert_true(wait_flag(s, stopped));
	assert_ok(s->run_err);
	char buf[16];
	assert_int_equal(read(silent, buf, sizeof buf), 0); /* closed when run returned */
	close(silent);
	curl_easy_cleanup(idle);
	resp_clear(&b.r);
	resp_clear(&r);
}

/* max_connections = 2: a third client waits in the backlog until one of the two goes. */
static void test_max_connections(void **state)
{
	srv *s = *state;
	resp r = {0};
	int a = tcp_connect(s->port), b = tcp_connect(s->port);
	assert_true(a >= 0 && b >= 0);
	usleep(200000); /* the server accepts both and pauses its listener */
	CURL *c = client();
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 800L);
	assert_int_equal(request(c, s->port, "GET", "/query", NULL, NULL, 0, NULL, &r), CURLE_OPERATION_TIMEDOUT);
	curl_easy_cleanup(c);
	close(a);
	fetch(s, "GET", "/query", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	close(b);
	resp_clear(&r);
}

/* timeout_ms = 300: an idle connection is closed. */
static void test_idle_timeout(void **state)
{
	srv *s = *state;
	char buf[16];
	int fd = tcp_connect(s->port);
	assert_true(fd >= 0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(read(fd, buf, sizeof buf), 0); /* the server closes; SO_RCVTIMEO is 5 s */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 4);
	close(fd);
}

/* ---- tests without a running server ---- */

static void test_new_errors(void **state)
{
	ccsp_http_server *h = NULL, *h2 = NULL;
	ccsp_http_callbacks cb = {.arg = NULL};
	ccsp_http_config cfg = make_config(NULL, NULL);
	char missing[128], port[32];
	(void)state;
	snprintf(missing, sizeof missing, "%s/missing.pem", dir);
	cfg.cert_file = missing;
	assert_ccsp(CCSP_ERR_FILE_NOT_FOUND, ccsp_http_server_new(&cfg, routes, N_ROUTES, &cb, &h));
	assert_null(h);
	cfg.cert_file = key; /* a key is not a certificate */
	assert_ccsp(CCSP_ERR_DECODE, ccsp_http_server_new(&cfg, routes, N_ROUTES, &cb, &h));
	cfg = make_config(NULL, NULL);
	static const char *const bad_listen[] = {"127.0.0.1", "localhost:0", "::1:0", "[::1]", "1.2.3.4:99999", "x:1"};
	for (size_t i = 0; i < sizeof bad_listen / sizeof bad_listen[0]; i++) {
		cfg.listen = bad_listen[i];
		assert_ccsp(CCSP_ERR_ARG, ccsp_http_server_new(&cfg, routes, N_ROUTES, &cb, &h));
	}
	cfg = make_config(NULL, NULL);
	const ccsp_http_route dup[] = {{"GET", "/a", h_echo, 0}, {"GET", "/a", h_echo, 0}};
	const ccsp_http_route bad_method[] = {{"FETCH", "/a", h_echo, 0}};
	const ccsp_http_route bad_path[] = {{"GET", "a", h_echo, 0}};
	const ccsp_http_route no_handler[] = {{"GET", "/a", NULL, 0}};
	assert_ccsp(CCSP_ERR_ARG, ccsp_http_server_new(&cfg, dup, 2, &cb, &h));
	assert_ccsp(CCSP_ERR_ARG, ccsp_http_server_new(&cfg, bad_method, 1, &cb, &h));
	assert_ccsp(CCSP_ERR_ARG, ccsp_http_server_new(&cfg, bad_path, 1, &cb, &h));
	assert_ccsp(CCSP_ERR_ARG, ccsp_http_server_new(&cfg, no_handler, 1, &cb, &h));
	assert_ccsp(CCSP_ERR_ARG, ccsp_http_server_new(&cfg, routes, 0, &cb, &h));
	cfg.max_json_depth = 5000;
	assert_ccsp(CCSP_ERR_ARG, ccsp_http_server_new(&cfg, routes, N_ROUTES, &cb, &h));
	/* a port in use */
	cfg = make_config(NULL, NULL);
	assert_ok(ccsp_http_server_new(&cfg, routes, N_ROUTES, &cb, &h));
	snprintf(port, sizeof port, "127.0.0.1:%d", ccsp_http_server_port(h));
	cfg.listen = port;
	assert_ccsp(CCSP_ERR_IO, ccsp_http_server_new(&cfg, routes, N_ROUTES, &cb, &h2));
	assert_int_equal(errno, EADDRINUSE);
	/* stop before run: run drains at once; a second run is refused */
	assert_non_null(ccsp_http_server_base(h));
	ccsp_http_server_stop(h);
	assert_ok(ccsp_http_server_run(h));
	assert_ccsp(CCSP_ERR_STATE, ccsp_http_server_run(h));
	ccsp_http_server_free(h);
	ccsp_http_server_free(NULL);
}

static void test_content_type_parser(void **state)
{
	(void)state;
	static const char *const yes[] = {"application/json", "Application/JSON", " application/json ",
	                                  "application/json;charset=utf-8", "application/json; charset=gbk",
	                                  "application/json ; charset=\"utf-8\" ; x=y", "application/json;a=\"\\\"\""};
	static const char *const no[] = {NULL, "", "text/plain", "application/jsonx", "application/json;",
	                                 "application/json; charset", "application/json; =x", "application/json x",
	                                 "application/json; a=\"unterminated", "application/json; a=b c",
	                                 "application/json; a=\"\x01\""};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		if (!ccsp_http_content_type_is_json(yes[i]))
			fail_msg("refused: %s", yes[i]);
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		if (ccsp_http_content_type_is_json(no[i]))
			fail_msg("accepted: %s", no[i]);
}

static void test_body_check(void **state)
{
	(void)state;
	static const struct {
		const char *body;
		unsigned depth;
		int status;
	} cases[] = {
	    {"{}", 1, 0},
	    {"{\"a\":{}}", 1, 400},
	    {"{\"a\":{}}", 2, 0},
	    {"{\"s\":\"[[[[[[\"}", 1, 0},   /* brackets inside strings do not count */
	    {"{\"s\":\"\\\"[[\"}", 1, 0},   /* nor after an escaped quote */
	    {"{\"a\":[[]]}", 2, 400},
	    {"[]", 5, 400},
	    {"", 5, 400},
	    {"{\"a\":1,\"a\":1}", 5, 400},
	    {"{\"a\":\"\xff\"}", 5, 400},    /* not UTF-8 */
	    {"{} {}", 5, 400},
	    {" {\"x\":null} ", 5, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *j = (json_t *)1;
		const char *msg = NULL;
		int st = ccsp_http_body_check("application/json", (const uint8_t *)cases[i].body, strlen(cases[i].body),
		                              cases[i].depth, &j, &msg);
		if (st != cases[i].status)
			fail_msg("%s (depth %u): %d", cases[i].body, cases[i].depth, st);
		assert_true(st == 0 ? json_is_object(j) : j == NULL && msg != NULL);
		json_decref(j);
	}
	json_t *j;
	const char *msg;
	assert_int_equal(ccsp_http_body_check("text/json", (const uint8_t *)"{}", 2, 5, &j, &msg), 415);
	assert_int_equal(ccsp_http_body_check("application/json", (const uint8_t *)"{\"a\":\"x\\u0000\"}", 15, 5, &j, &msg),
	                 400);
	assert_true(ccsp_http_json_depth_ok((const uint8_t *)"[[[", 3, 3));
	assert_false(ccsp_http_json_depth_ok((const uint8_t *)"[[[[", 4, 3));
}

static void test_query_parser(void **state)
{
	ccsp_http_param *p;
	size_t n;
	(void)state;
	const char *q = "z=1&a=%E4%B8%AD&m+n=a+b&&flag&e=";
	assert_ok(ccsp_http_query_parse(q, strlen(q), &p, &n));
	assert_int_equal(n, 5);
	assert_string_equal(p[0].name, "a");
	assert_string_equal(p[0].value, "\xe4\xb8\xad");
	assert_string_equal(p[1].name, "e");
	assert_string_equal(p[1].value, "");
	assert_string_equal(p[2].name, "flag");
	assert_string_equal(p[3].name, "m n");
	assert_string_equal(p[3].value, "a b");
	assert_string_equal(p[4].name, "z");
	ccsp_http_params_free(p, n);
	assert_ok(ccsp_http_query_parse("", 0, &p, &n));
	assert_int_equal(n, 0);
	assert_null(p);
	assert_ok(ccsp_http_query_parse(NULL, 0, &p, &n));
	static const char *const bad[] = {"a=%4", "a=%G0", "%00=1", "a=%00", "=1", "a=1&a=2", "a&a"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_ccsp(CCSP_ERR_DECODE, ccsp_http_query_parse(bad[i], strlen(bad[i]), &p, &n));
	char big[CCSP_HTTP_MAX_QUERY + 2];
	memset(big, 'a', sizeof big);
	assert_ccsp(CCSP_ERR_LIMIT, ccsp_http_query_parse(big, CCSP_HTTP_MAX_QUERY + 1, &p, &n));
	assert_ok(ccsp_http_query_parse(big, CCSP_HTTP_MAX_QUERY, &p, &n));
	ccsp_http_params_free(p, n);
}

static int group_setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
	snprintf(dir, sizeof dir, "/tmp/ccsp-http-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(cert, sizeof cert, "%s/cert.pem", dir);
	snprintf(key, sizeof key, "%s/key.pem", dir);
	assert_ok(ccsp_selfcert_create(cert, key, "127.0.0.1", "IP:127.0.0.1,DNS:localhost", 1));
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	unlink(cert);
	unlink(key);
	rmdir(dir);
	curl_global_cleanup();
	return 0;
}

static const variant limited = {2, 0}, short_timeout = {0, 300};

#define NET_TEST(f) cmocka_unit_test_setup_teardown(f, srv_setup, srv_teardown)
#define NET_TEST_V(f, v) cmocka_unit_test_prestate_setup_teardown(f, srv_setup, srv_teardown, (void *)&(v))

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_content_type_parser),
	    cmocka_unit_test(test_body_check),
	    cmocka_unit_test(test_query_parser),
	    cmocka_unit_test(test_new_errors),
	    NET_TEST(test_json_roundtrip),
	    NET_TEST(test_raw_body),
	    NET_TEST(test_not_found_and_method),
	    NET_TEST(test_content_type),
	    NET_TEST(test_bad_json),
	    NET_TEST(test_query),
	    NET_TEST(test_too_many_headers),
	    NET_TEST(test_keepalive),
	    NET_TEST(test_async),
	    NET_TEST(test_authorize),
	    NET_TEST(test_tls_versions),
	    NET_TEST(test_graceful_stop),
	    NET_TEST_V(test_max_connections, limited),
	    NET_TEST_V(test_idle_timeout, short_timeout),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

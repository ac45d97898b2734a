/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reqauth_check: the request verifier of src/platform/reqauth.h behind a minimal plain-HTTP listener, so that
 * tests/cli/api_auth_recipe_test.sh can send it the docs' curl recipe and `ccsp api call` exactly as they would
 * talk to ccspd (which may not exist yet). Test tool only: one connection at a time, Connection: close.
 *
 *   reqauth_check --port-file F --access-key AK (--secret-file S | --sm2-pub PEM) [--requests N]
 *
 * Listens on 127.0.0.1 (a free port, written to F once listening), answers N requests (default 100), then exits.
 * One application: AK with its secret (HMAC-SM3) or SM2 public key. The clock is time(NULL); the nonce table is
 * the in-memory one. Each answer is 200 {"result":"OK",...} or the platform's error body with the code
 * docs/api-auth.md gives; one line per request on stdout: "VERDICT <name>".
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ccsp/mem.h>
#include <ccsp/sm2_asn1.h>

#include "platform/reqauth.h"

#define HEAD_MAX 16384
#define BODY_MAX ((size_t)1 << 20)

typedef struct http_req {
	char head[HEAD_MAX + 1];
	char *method, *target;
	const char *h[5]; /* access key, timestamp, nonce, signature, alg */
	int duplicate;
	uint8_t *body;
	size_t body_len;
} http_req;

static const char *const hnames[5] = {CCSP_REQAUTH_HEADER_ACCESS_KEY, CCSP_REQAUTH_HEADER_TIMESTAMP,
                                      CCSP_REQAUTH_HEADER_NONCE, CCSP_REQAUTH_HEADER_SIGNATURE,
                                      CCSP_REQAUTH_HEADER_ALG};

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	*buf = malloc(65536);
	*len = *buf != NULL ? fread(*buf, 1, 65536, f) : 0;
	fclose(f);
	return *buf != NULL ? 0 : -1;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One header line "Name: value": trim OWS, remember ours. */
static void take_header(http_req *r, char *line, size_t *content_length, int *expect, int *chunked)
{
	char *colon = strchr(line, ':');
	if (colon == NULL)
		return;
	*colon = '\0';
	char *v = colon + 1, *end = v + strlen(v);
	while (*v == ' ' || *v == '\t')
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (strcasecmp(line, "Content-Length") == 0)
		*content_length = (size_t)strtoull(v, NULL, 10);
	else if (strcasecmp(line, "Expect") == 0)
		*expect = strcasecmp(v, "100-continue") == 0;
	else if (strcasecmp(line, "Transfer-Encoding") == 0)
		*chunked = 1;
	for (int i = 0; i < 5; i++)
		if (strcasecmp(line, hnames[i]) == 0) {
			r->duplicate |= r->h[i] != NULL;
			r->h[i] = v;
		}
}

/* Read the head and the body of one request. 0 on success. */
static int read_request(int fd, http_req *r)
{
	size_t n = 0, content_length = 0;
	char *end = NULL;
	int expect = 0, chunked = 0;
	while (end == NULL) {
		if (n == HEAD_MAX)
			return -1;
		ssize_t k = read(fd, r->head + n, HEAD_MAX - n);
		if (k <= 0)
			return -1;
		n += (size_t)k;
		r->head[n] = '\0';
		end = strstr(r->head, "\r\n\r\n");
	}
	size_t have = n - (size_t)(end + 4 - r->head);
	*end = '\0';
	char *save = NULL, *line = strtok_r(r->head, "\r\n", &save);
	r->method = line != NULL ? strtok_r(line, " ", &line) : NULL;
	r->target = r->method != NULL ? strtok_r(NULL, " ", &line) : NULL;
	while ((line = strtok_r(NULL, "\r\n", &save)) != NULL)
		take_header(r, line, &content_length, &expect, &chunked);
	if (r->target == NULL || chunked || content_length > BODY_MAX || have > content_length)
		return -1;
	if ((r->body = malloc(content_length + 1)) == NULL)
		return -1;
	memcpy(r->body, end + 4, have);
	if (expect && have < content_length && write_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25) != 0)
		return -1;
	for (r->body_len = have; r->body_len < content_length;) {
		ssize_t k = read(fd, r->body + r->body_len, content_length - r->body_len);
		if (k <= 0)
			return -1;
		r->body_len += (size_t)k;
	}
	return 0;
}

/* The code docs/api-auth.md "Errors" gives each verdict (src/platform/apierr.h). */
static void answer(int fd, ccsp_reqauth_result v)
{
	static const struct {
		int status;
		const char *code, *message;
	} map[CCSP_REQAUTH_RESULT_COUNT_] = {
		[CCSP_REQAUTH_OK] = {200, NULL, NULL},
		[CCSP_REQAUTH_MALFORMED] = {401, "CCSP-2001", "malformed signature headers"},
		[CCSP_REQAUTH_UNKNOWN_KEY] = {401, "CCSP-2000", "authentication required"},
		[CCSP_REQAUTH_STALE] = {401, "CCSP-2002", "timestamp outside the allowed window"},
		[CCSP_REQAUTH_FUTURE] = {401, "CCSP-2002", "timestamp outside the allowed window"},
		[CCSP_REQAUTH_BAD_SIGNATURE] = {401, "CCSP-2000", "authentication required"},
		[CCSP_REQAUTH_ALG_NOT_ALLOWED] = {401, "CCSP-2000", "authentication required"},
		[CCSP_REQAUTH_REPLAYED] = {401, "CCSP-2003", "replayed request"},
		[CCSP_REQAUTH_NONCE_UNAVAILABLE] = {503, "CCSP-9001", "service unavailable"},
		[CCSP_REQAUTH_INTERNAL] = {500, "CCSP-9000", "internal error"},
	};
	char body[256], out[512];
	if (v == CCSP_REQAUTH_OK)
		snprintf(body, sizeof body, "{\"result\":\"OK\"}\n");
	else
		snprintf(body, sizeof body, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"},\"requestId\":\"test\"}\n",
		         map[v].code, map[v].message);
	int n = snprintf(out, sizeof out,
	                 "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
	                 "Connection: close\r\n\r\n%s",
	                 map[v].status, v == CCSP_REQAUTH_OK ? "OK" : "Refused", strlen(body), body);
	(void)write_all(fd, out, (size_t)n);
}

typedef struct app {
	const char *access_key;
	ccsp_reqauth_credential cred;
	ccsp_reqauth_nonce_cache *nonces;
} app;

static void serve_one(int fd, app *a)
{
	http_req *r = calloc(1, sizeof *r);
	ccsp_reqauth_parsed p;
	ccsp_reqauth_result v = CCSP_REQAUTH_MALFORMED;
	if (r == NULL || read_request(fd, r) != 0) {
		v = CCSP_REQAUTH_INTERNAL;
	} else if (!r->duplicate) {
		ccsp_reqauth_request req = {r->method, r->target, r->body, r->body_len, r->h[0], r->h[1], r->h[2], r->h[3],
		                            r->h[4]};
		v = ccsp_reqauth_parse(&req, &p);
		if (v == CCSP_REQAUTH_OK)
			v = ccsp_reqauth_verify(&p, strcmp(p.access_key, a->access_key) == 0 ? &a->cred : NULL,
			                        (int64_t)time(NULL), ccsp_reqauth_nonce_cache_check, a->nonces);
	}
	printf("VERDICT %s\n", ccsp_reqauth_result_name(v));
	fflush(stdout);
	answer(fd, v);
	if (r != NULL)
		free(r->body);
	free(r);
}

static int listen_local(const char *port_file)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof sa;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	char tmp[4096];
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(s, 16) != 0 ||
	    getsockname(s, (struct sockaddr *)&sa, &len) != 0)
		return -1;
	snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
	FILE *f = fopen(tmp, "w");
	if (f == NULL || fprintf(f, "%u\n", ntohs(sa.sin_port)) < 0 || fclose(f) != 0 || rename(tmp, port_file) != 0)
		return -1;
	return s;
}

static int load_credential(app *a, const char *secret_file, const char *pub_file, uint8_t **secret)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	if (secret_file != NULL) {
		if (read_file(secret_file, &buf, &len) != 0)
			return -1;
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			len--;
		*secret = buf;
		a->cred.secret = buf;
		a->cred.secret_len = len;
		return len > 0 ? 0 : -1;
	}
	ccsp_sm2_key *k = ccsp_sm2_key_new();
	int ok = k != NULL && read_file(pub_file, &buf, &len) == 0 &&
	         ccsp_sm2_key_decode(k, buf, len, NULL, 0, NULL) == CCSP_OK;
	free(buf);
	a->cred.sm2_key = k;
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *port_file = NULL, *secret_file = NULL, *pub_file = NULL;
	app a = {0};
	uint8_t *secret = NULL;
	long requests = 100;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--port-file") == 0)
			port_file = argv[i + 1];
		else if (strcmp(argv[i], "--access-key") == 0)
			a.access_key = argv[i + 1];
		else if (strcmp(argv[i], "--secret-file") == 0)
			secret_file = argv[i + 1];
		else if (strcmp(argv[i], "--sm2-pub") == 0)
			pub_file = argv[i + 1];
		else if (strcmp(argv[i], "--requests") == 0)
			requests = strtol(argv[i + 1], NULL, 10);
	}
	if (port_file == NULL || a.access_key == NULL || (secret_file == NULL) == (pub_file == NULL)) {
		fprintf(stderr, "usage: reqauth_check --port-file F --access-key AK (--secret-file S | --sm2-pub PEM)"
		                " [--requests N]\n");
		return 2;
	}
	int s = -1, ret = 1;
	if (load_credential(&a, secret_file, pub_file, &secret) != 0 ||
	    (a.nonces = ccsp_reqauth_nonce_cache_new(10000)) == NULL || (s = listen_local(port_file)) < 0) {
		fprintf(stderr, "reqauth_check: cannot start\n");
		goto out;
	}
	for (long i = 0; i < requests; i++) {
		int c = accept(s, NULL, NULL);
		if (c < 0)
			goto out;
		serve_one(c, &a);
		shutdown(c, SHUT_WR);
		close(c);
	}
	ret = 0;
out:
	if (s >= 0)
		close(s);
	if (secret != NULL) {
		ccsp_memzero(secret, a.cred.secret_len);
		free(secret);
	}
	ccsp_sm2_key_free((ccsp_sm2_key *)a.cred.sm2_key);
	ccsp_reqauth_nonce_cache_free(a.nonces);
	return ret;
}

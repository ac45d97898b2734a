/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal file server for the chsmd tests (the cloud platform's image server, spec §3.7): listens on 127.0.0.1
 * (port 0) and prints the port, then
 *   POST /upload   multipart/form-data: stores the "file" part as DIR/<its filename> and the "info" part as
 *                  DIR/<filename>.info, answers {"url":"http://127.0.0.1:PORT/files/<filename>"}
 *   GET /files/N   the stored file N, or 404
 * One request per connection, one connection at a time. Exits after SECONDS seconds.
 *   file_server DIR SECONDS
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define REQ_MAX ((size_t)600 << 20)

static const char *dir;
static int port;

static void answer(int fd, int code, const char *type, const void *body, size_t len)
{
	char head[256];
	int n = snprintf(head, sizeof head, "HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	                                    "Connection: close\r\n\r\n", code, type, len);
	if (write(fd, head, (size_t)n) != n)
		return;
	for (size_t done = 0; done < len;) {
		ssize_t w = write(fd, (const char *)body + done, len - done);
		if (w <= 0)
			return;
		done += (size_t)w;
	}
}

static int safe_name(const char *s, size_t n)
{
	if (n == 0 || n > 200 || s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", s[i]))
			return 0;
	return 1;
}

static void save(const char *name, size_t nlen, const char *suffix, const char *data, size_t len)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%.*s%s", dir, (int)nlen, name, suffix);
	FILE *f = fopen(path, "wb");
	if (f != NULL) {
		fwrite(data, 1, len, f);
		fclose(f);
	}
}

/* The part named name of a multipart body: its content, and its filename when it has one. */
static const char *part(const char *body, size_t len, const char *bnd, const char *name, size_t *plen,
                        const char **fname, size_t *fnlen)
{
	char key[128];
	snprintf(key, sizeof key, "name=\"%s\"", name);
	const char *p = memmem(body, len, key, strlen(key));
	if (p == NULL)
		return NULL;
	const char *hend = memmem(p, len - (size_t)(p - body), "\r\n\r\n", 4);
	if (hend == NULL)
		return NULL;
	if (fname != NULL) {
		const char *f = memmem(p, (size_t)(hend - p), "filename=\"", 10);
		*fname = NULL;
		if (f != NULL) {
			*fname = f + 10;
			const char *q = memchr(*fname, '"', (size_t)(hend - *fname));
			*fnlen = q != NULL ? (size_t)(q - *fname) : 0;
		}
	}
	const char *start = hend + 4;
	char delim[160];
	snprintf(delim, sizeof delim, "\r\n--%s", bnd);
	const char *end = memmem(start, len - (size_t)(start - body), delim, strlen(delim));
	if (end == NULL)
		return NULL;
	*plen = (size_t)(end - start);
	return start;
}

static void upload(int fd, const char *hdr, const char *body, size_t len)
{
	char bnd[128], url[512];
	const char *b = strcasestr(hdr, "boundary=");
	const char *fname, *data, *info;
	size_t dlen, ilen, fnlen = 0;
	if (b == NULL || sscanf(b + 9, "%127[^\r\n;]", bnd) != 1 ||
	    (data = part(body, len, bnd, "file", &dlen, &fname, &fnlen)) == NULL || fname == NULL ||
	    !safe_name(fname, fnlen)) {
		answer(fd, 400, "text/plain", "bad upload", 10);
		return;
	}
	save(fname, fnlen, "", data, dlen);
	if ((info = part(body, len, bnd, "info", &ilen, NULL, NULL)) != NULL)
		save(fname, fnlen, ".info", info, ilen);
	int n = snprintf(url, sizeof url, "{\"url\":\"http://127.0.0.1:%d/files/%.*s\"}", port, (int)fnlen, fname);
	answer(fd, 200, "application/json", url, (size_t)n);
}

static void download(int fd, const char *name, size_t nlen)
{
	char path[4096];
	if (!safe_name(name, nlen)) {
		answer(fd, 404, "text/plain", "", 0);
		return;
	}
	snprintf(path, sizeof path, "%s/%.*s", dir, (int)nlen, name);
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		answer(fd, 404, "text/plain", "", 0);
		return;
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n)
		answer(fd, 200, "application/octet-stream", buf, (size_t)n);
	free(buf);
	fclose(f);
}

static void serve(int fd)
{
	size_t cap = 1 << 16, len = 0, need = 0;
	char *req = malloc(cap + 1), *hend = NULL;
	int continued = 0;
	while (req != NULL) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 10000) <= 0)
			break;
		if (len == cap) {
			if (cap >= REQ_MAX)
				break;
			char *r = realloc(req, cap * 2 + 1);
			if (r == NULL)
				break;
			req = r, cap *= 2;
		}
		ssize_t n = read(fd, req + len, cap - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		req[len] = '\0';
		if (hend == NULL && (hend = strstr(req, "\r\n\r\n")) != NULL) {
			const char *cl = strcasestr(req, "Content-Length:");
			need = (size_t)(hend - req) + 4 + (cl != NULL ? strtoull(cl + 15, NULL, 10) : 0);
			if (!continued && strcasestr(req, "Expect: 100-continue") != NULL) {
				continued = 1;
				if (write(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25) != 25)
					break;
			}
		}
		if (hend != NULL) {
			hend = strstr(req, "\r\n\r\n"); /* req may have moved */
			if (len >= need) {
				size_t hlen = (size_t)(hend - req) + 4;
				if (strncmp(req, "POST /upload", 12) == 0)
					upload(fd, req, req + hlen, len - hlen);
				else if (strncmp(req, "GET /files/", 11) == 0)
					download(fd, req + 11, strcspn(req + 11, " ?"));
				else
					answer(fd, 404, "text/plain", "", 0);
				break;
			}
		}
	}
	free(req);
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: file_server DIR SECONDS\n");
		return 2;
	}
	dir = argv[1];
	time_t end = time(NULL) + atoi(argv[2]);
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 16) != 0 ||
	    getsockname(s, (struct sockaddr *)&a, &al) != 0)
		return 1;
	port = ntohs(a.sin_port);
	printf("%d\n", port);
	fflush(stdout);
	while (time(NULL) < end) {
		struct pollfd p = {.fd = s, .events = POLLIN};
		if (poll(&p, 1, 500) <= 0)
			continue;
		int c = accept(s, NULL, NULL);
		if (c >= 0)
			serve(c);
	}
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal HTTP callback receiver for the chsmd tests (the cloud platform's side of spec §3.7): listens on
 * 127.0.0.1 (port 0), prints the port, answers every POST with 200, and appends each body as one line to FILE
 * and its CHSM-Signature header to FILE.sig. Exits after N requests or SECONDS seconds.
 *   cb_receiver FILE N SECONDS
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

#define REQ_MAX (1 << 20)

static void record(const char *file, const char *req, size_t hdrlen, const char *body, size_t bodylen)
{
	char sigfile[4096];
	FILE *f = fopen(file, "a");
	if (f != NULL) {
		fwrite(body, 1, bodylen, f);
		fputc('\n', f);
		fclose(f);
	}
	snprintf(sigfile, sizeof sigfile, "%s.sig", file);
	const char *p = req;
	while (p < req + hdrlen) {
		const char *eol = strstr(p, "\r\n");
		if (eol == NULL)
			break;
		if (strncasecmp(p, "CHSM-Signature:", 15) == 0 && (f = fopen(sigfile, "a")) != NULL) {
			const char *v = p + 15;
			while (*v == ' ')
				v++;
			fprintf(f, "%.*s\n", (int)(eol - v), v);
			fclose(f);
		}
		p = eol + 2;
	}
}

/* Read one request from fd: headers then Content-Length bytes. */
static void serve_one(int fd, const char *file)
{
	char *buf = malloc(REQ_MAX + 1);
	size_t n = 0;
	char *end = NULL;
	long clen = -1;
	struct pollfd pfd = {fd, POLLIN, 0};
	while (buf != NULL && n < REQ_MAX && poll(&pfd, 1, 5000) > 0) {
		ssize_t r = read(fd, buf + n, REQ_MAX - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		buf[n] = '\0';
		if (end == NULL && (end = strstr(buf, "\r\n\r\n")) != NULL) {
			const char *cl = strcasestr(buf, "\r\nContent-Length:");
			clen = cl != NULL && cl < end ? strtol(cl + 17, NULL, 10) : 0;
		}
		if (end != NULL && n >= (size_t)(end + 4 - buf) + (size_t)clen)
			break;
	}
	if (end != NULL && clen >= 0) {
		size_t hdr = (size_t)(end - buf);
		record(file, buf, hdr, end + 4, (size_t)clen);
	}
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
	if (write(fd, ok, sizeof ok - 1) < 0)
		perror("write");
	free(buf);
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	int want = atoi(argv[2]), secs = atoi(argv[3]);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof a;
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 16) != 0 ||
	    getsockname(s, (struct sockaddr *)&a, &alen) != 0)
		return 1;
	printf("%d\n", ntohs(a.sin_port));
	fflush(stdout);
	time_t deadline = time(NULL) + secs;
	struct pollfd pfd = {s, POLLIN, 0};
	for (int got = 0; got < want && time(NULL) < deadline;) {
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		int c = accept(s, NULL, NULL);
		if (c >= 0) {
			serve_one(c, argv[1]);
			got++;
		}
	}
	close(s);
	return 0;
}

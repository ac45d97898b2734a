/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cloud platform's package server for tests/cli/chsm_upgrade_test.sh: listens on 127.0.0.1 (port 0) and prints
 * the port, then answers GET /NAME with the file DIR/NAME (200, or 404). Each request line is appended to LOG as
 * it arrives. While DIR/NAME.hold exists the answer waits (up to the deadline), so that a test can keep a download
 * in flight — and an upgrade in progress — for exactly as long as it needs, without guessing at times.
 * One connection at a time. Exits after SECONDS seconds.
 *   pkg_server DIR LOG SECONDS
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HEAD_MAX 16384

static const char *dir, *logfile;
static time_t deadline;

static int safe_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 200 || s[0] == '.')
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static int write_all(int fd, const void *p, size_t len)
{
	for (size_t done = 0; done < len;) {
		ssize_t w = write(fd, (const char *)p + done, len - done);
		if (w <= 0)
			return -1;
		done += (size_t)w;
	}
	return 0;
}

static void send_file(int fd, const char *name)
{
	char path[4096], head[256], buf[65536];
	struct stat st;
	FILE *f = NULL;
	snprintf(path, sizeof path, "%s/%s.hold", dir, name);
	while (access(path, F_OK) == 0 && time(NULL) < deadline) {
		struct timespec ts = {0, 50 * 1000000L};
		nanosleep(&ts, NULL);
	}
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (!safe_name(name) || stat(path, &st) != 0 || !S_ISREG(st.st_mode) || (f = fopen(path, "rb")) == NULL) {
		static const char nf[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
		(void)write_all(fd, nf, sizeof nf - 1);
		return;
	}
	int n = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
	                                    "Content-Length: %lld\r\nConnection: close\r\n\r\n", (long long)st.st_size);
	int ok = write_all(fd, head, (size_t)n) == 0;
	for (size_t r; ok && (r = fread(buf, 1, sizeof buf, f)) > 0;)
		ok = write_all(fd, buf, r) == 0;
	fclose(f);
}

/* Read the request head; answer GET /NAME. */
static void serve_one(int fd)
{
	char head[HEAD_MAX + 1], name[256];
	size_t n = 0;
	struct pollfd pfd = {fd, POLLIN, 0};
	head[0] = '\0';
	while (n < HEAD_MAX && strstr(head, "\r\n\r\n") == NULL && poll(&pfd, 1, 5000) > 0) {
		ssize_t r = read(fd, head + n, HEAD_MAX - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		head[n] = '\0';
	}
	char *eol = strstr(head, "\r\n");
	if (eol != NULL) {
		FILE *l = fopen(logfile, "a");
		if (l != NULL) {
			fprintf(l, "%.*s\n", (int)(eol - head), head);
			fclose(l);
		}
	}
	if (sscanf(head, "GET /%255[^ ] HTTP/1.", name) == 1)
		send_file(fd, name);
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	dir = argv[1];
	logfile = argv[2];
	deadline = time(NULL) + atoi(argv[3]);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof a;
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 16) != 0 ||
	    getsockname(s, (struct sockaddr *)&a, &alen) != 0)
		return 1;
	printf("%d\n", ntohs(a.sin_port));
	fflush(stdout);
	struct pollfd pfd = {s, POLLIN, 0};
	while (time(NULL) < deadline) {
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		int c = accept(s, NULL, NULL);
		if (c >= 0)
			serve_one(c);
	}
	close(s);
	return 0;
}

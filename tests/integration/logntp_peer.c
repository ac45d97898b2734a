/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The log and time servers chsmd talks to, for tests/cli/chsm_logntp_test.sh: listens on 127.0.0.1 (port 0),
 * prints the port, and exits after N messages / requests or SECONDS seconds, whichever comes first.
 *   logntp_peer syslog-udp FILE N SECONDS   append each datagram to FILE as one line
 *   logntp_peer syslog-tcp FILE N SECONDS   the same for RFC 6587 octet-counted frames over TCP (connections
 *                                           one after the other; a malformed frame closes the connection)
 *   logntp_peer ntp SKEW_MS N SECONDS       answer SNTP requests as a stratum 2 server whose clock is SKEW_MS
 *                                           ahead of this host's
 *   logntp_peer ntp-kod RATE N SECONDS      answer every request with a kiss-o'-death of that code
 * Written independently of src/common (it is the other side of the wire). Every read is bounded.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG_MAX 65536

static int open_socket(int type)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof a;
	int s = socket(AF_INET, type, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || (type == SOCK_STREAM && listen(s, 8) != 0) ||
	    getsockname(s, (struct sockaddr *)&a, &alen) != 0)
		exit(1);
	printf("%d\n", ntohs(a.sin_port));
	fflush(stdout);
	return s;
}

static void append(const char *file, const char *msg, size_t len)
{
	FILE *f = fopen(file, "a");
	if (f == NULL)
		return;
	fwrite(msg, 1, len, f);
	fputc('\n', f);
	fclose(f);
}

/* Wait for fd to be readable until the deadline; 1 when it is. */
static int readable(int fd, time_t deadline)
{
	struct pollfd p = {fd, POLLIN, 0};
	while (time(NULL) < deadline)
		if (poll(&p, 1, 200) > 0)
			return 1;
	return 0;
}

static void syslog_udp(const char *file, int want, time_t deadline)
{
	static char buf[MSG_MAX];
	int s = open_socket(SOCK_DGRAM);
	for (int got = 0; got < want && readable(s, deadline);) {
		ssize_t n = recv(s, buf, sizeof buf, 0);
		if (n > 0) {
			append(file, buf, (size_t)n);
			got++;
		}
	}
	close(s);
}

/* Read exactly n bytes; 0 on success. */
static int read_n(int c, char *p, size_t n, time_t deadline)
{
	while (n > 0) {
		if (!readable(c, deadline))
			return -1;
		ssize_t r = read(c, p, n);
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* One octet-counted frame: MSG-LEN (1-5 digits, no leading 0) SP MSG. Its length, or -1. */
static long read_frame(int c, char *buf, time_t deadline)
{
	long len = 0;
	int digits = 0;
	char ch;
	for (;;) {
		if (read_n(c, &ch, 1, deadline) != 0)
			return -1;
		if (ch == ' ' && digits > 0)
			break;
		if (ch < '0' || ch > '9' || digits == 5 || (digits == 0 && ch == '0'))
			return -1;
		len = len * 10 + (ch - '0');
		digits++;
	}
	if (len > MSG_MAX || read_n(c, buf, (size_t)len, deadline) != 0)
		return -1;
	return len;
}

static void syslog_tcp(const char *file, int want, time_t deadline)
{
	static char buf[MSG_MAX];
	int s = open_socket(SOCK_STREAM), got = 0;
	while (got < want && readable(s, deadline)) {
		int c = accept(s, NULL, NULL);
		long n;
		while (c >= 0 && got < want && (n = read_frame(c, buf, deadline)) >= 0) {
			append(file, buf, (size_t)n);
			got++;
		}
		if (c >= 0)
			close(c);
	}
	close(s);
}

static void put64(unsigned char *p, unsigned long long v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

/* Now plus skew_ms as an NTP timestamp (seconds since 1900 . 32-bit fraction). */
static unsigned long long ntp_now(long skew_ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	long long ns = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec + (long long)skew_ms * 1000000LL;
	unsigned long long secs = (unsigned long long)(ns / 1000000000LL) + 2208988800ULL;
	unsigned long long frac = ((unsigned long long)(ns % 1000000000LL) << 32) / 1000000000ULL;
	return (secs & 0xffffffffULL) << 32 | frac;
}

static void ntp(const char *arg, int kod, int want, time_t deadline)
{
	unsigned char req[512], rep[48];
	int s = open_socket(SOCK_DGRAM);
	long skew = kod ? 0 : atol(arg);
	for (int got = 0; got < want && readable(s, deadline);) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof peer;
		ssize_t n = recvfrom(s, req, sizeof req, 0, (struct sockaddr *)&peer, &plen);
		if (n < 48 || (req[0] & 7) != 3)
			continue; /* not a client request */
		unsigned long long t2 = ntp_now(skew);
		memset(rep, 0, sizeof rep);
		rep[0] = kod ? (3 << 6 | 4 << 3 | 4) : (4 << 3 | 4); /* LI, VN 4, mode 4 (server) */
		rep[1] = kod ? 0 : 2;
		rep[2] = req[2];
		rep[3] = (unsigned char)-20;
		memcpy(rep + 12, kod ? arg : "LOCL", 4);
		memcpy(rep + 24, req + 40, 8); /* originate = the request's transmit timestamp */
		put64(rep + 16, t2);
		put64(rep + 32, t2);
		put64(rep + 40, ntp_now(skew));
		(void)sendto(s, rep, sizeof rep, 0, (struct sockaddr *)&peer, plen);
		got++;
	}
	close(s);
}

int main(int argc, char **argv)
{
	if (argc != 5)
		return 2;
	int want = atoi(argv[3]);
	time_t deadline = time(NULL) + atoi(argv[4]);
	if (strcmp(argv[1], "syslog-udp") == 0)
		syslog_udp(argv[2], want, deadline);
	else if (strcmp(argv[1], "syslog-tcp") == 0)
		syslog_tcp(argv[2], want, deadline);
	else if (strcmp(argv[1], "ntp") == 0)
		ntp(argv[2], 0, want, deadline);
	else if (strcmp(argv[1], "ntp-kod") == 0 && strlen(argv[2]) == 4)
		ntp(argv[2], 1, want, deadline);
	else
		return 2;
	return 0;
}

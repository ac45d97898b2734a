/* SPDX-License-Identifier: Apache-2.0 */
/* SNTP client (see sntp.h): the packet codec, the offset/delay arithmetic, and one bounded UDP query. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ccsp/rand.h>

#include "common/sntp.h"

#define NS_PER_S 1000000000LL
#define RECV_MAX 512 /* a header and room for extension fields; longer datagrams are cut, still parsed */

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

const char *ccsp_sntp_verdict_str(ccsp_sntp_verdict v)
{
	switch (v) {
	case CCSP_SNTP_VALID: return "valid";
	case CCSP_SNTP_SHORT: return "short packet";
	case CCSP_SNTP_BAD_ORIGINATE: return "originate timestamp does not match the request";
	case CCSP_SNTP_BAD_VERSION: return "unsupported version";
	case CCSP_SNTP_BAD_MODE: return "not a server reply (mode)";
	case CCSP_SNTP_KISS: return "kiss-o'-death (stratum 0)";
	case CCSP_SNTP_BAD_STRATUM: return "server not synchronised (stratum)";
	case CCSP_SNTP_ALARM: return "server clock not synchronised (leap indicator 3)";
	case CCSP_SNTP_ZERO_TRANSMIT: return "transmit timestamp is zero";
	}
	return "invalid";
}

void ccsp_sntp_request(uint64_t xmt, uint8_t out[CCSP_SNTP_PACKET])
{
	memset(out, 0, CCSP_SNTP_PACKET);
	out[0] = 0 << 6 | 4 << 3 | 3; /* LI 0, VN 4, mode 3 (client): RFC 5905 §7.3, RFC 4330 §5 */
	put64(out + 40, xmt);
}

/* RFC 5905 §7.3 layout: LI|VN|Mode, Stratum, Poll, Precision, Root Delay, Root Dispersion, Reference ID, then
 * the reference, originate, receive and transmit timestamps at 16, 24, 32 and 40. */
ccsp_sntp_verdict ccsp_sntp_parse(const uint8_t *buf, size_t len, uint64_t expected_originate, ccsp_sntp_reply *r)
{
	memset(r, 0, sizeof *r);
	if (buf == NULL || len < CCSP_SNTP_PACKET)
		return CCSP_SNTP_SHORT;
	r->leap = buf[0] >> 6;
	r->version = buf[0] >> 3 & 7;
	r->mode = buf[0] & 7;
	r->stratum = buf[1];
	r->poll = (int8_t)buf[2];
	r->precision = (int8_t)buf[3];
	r->ref_id = get32(buf + 12);
	r->reference = get64(buf + 16);
	r->originate = get64(buf + 24);
	r->receive = get64(buf + 32);
	r->transmit = get64(buf + 40);
	if (r->originate != expected_originate)
		return CCSP_SNTP_BAD_ORIGINATE;
	if (r->version < 1 || r->version > 4)
		return CCSP_SNTP_BAD_VERSION;
	if (r->mode != 4)
		return CCSP_SNTP_BAD_MODE;
	if (r->stratum == 0)
		return CCSP_SNTP_KISS;
	if (r->stratum > 15)
		return CCSP_SNTP_BAD_STRATUM;
	if (r->leap == 3)
		return CCSP_SNTP_ALARM;
	if (r->transmit == 0)
		return CCSP_SNTP_ZERO_TRANSMIT;
	return CCSP_SNTP_VALID;
}

int64_t ccsp_ntp_diff_ns(uint64_t a, uint64_t b)
{
	uint64_t d = a - b; /* modulo 2^64: right across an era boundary */
	int neg = d >> 63;
	uint64_t u = neg ? ~d + 1 : d; /* |d| <= 2^63: seconds part <= 2^31, times 1e9 fits */
	uint64_t ns = (u >> 32) * (uint64_t)NS_PER_S + (((u & 0xffffffffu) * (uint64_t)NS_PER_S) >> 32);
	return neg ? -(int64_t)ns : (int64_t)ns;
}

void ccsp_sntp_compute(uint64_t t1, uint64_t t2, uint64_t t3, uint64_t t4, int64_t *offset_ns, int64_t *delay_ns)
{
	/* each difference is within +-2^31 s = 2.1e18 ns, so the sum cannot overflow */
	*offset_ns = (ccsp_ntp_diff_ns(t2, t1) + ccsp_ntp_diff_ns(t3, t4)) / 2;
	*delay_ns = ccsp_ntp_diff_ns(t4, t1) - ccsp_ntp_diff_ns(t3, t2);
}

uint64_t ccsp_ntp_from_unix_ns(int64_t unix_ns)
{
	int64_t s = unix_ns / NS_PER_S, ns = unix_ns % NS_PER_S;
	if (ns < 0) {
		s--;
		ns += NS_PER_S;
	}
	uint32_t secs = (uint32_t)((uint64_t)s + CCSP_NTP_UNIX_EPOCH); /* modulo 2^32: era 1 wraps to small values */
	uint32_t frac = (uint32_t)(((uint64_t)ns << 32) / (uint64_t)NS_PER_S);
	return (uint64_t)secs << 32 | frac;
}

int64_t ccsp_ntp_to_unix_ns(uint64_t ntp)
{
	uint32_t secs = (uint32_t)(ntp >> 32);
	/* RFC 4330 §3: the top bit set means 1968..2036 (era 0), clear means 2036..2104 (era 1) */
	int64_t s = (int64_t)secs - (int64_t)CCSP_NTP_UNIX_EPOCH + ((secs & 0x80000000u) ? 0 : (int64_t)1 << 32);
	return s * NS_PER_S + (int64_t)(((ntp & 0xffffffffu) * (uint64_t)NS_PER_S) >> 32);
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* A non-negative span of nanoseconds as an NTP timestamp difference. */
static uint64_t ns_to_ntp_span(int64_t ns)
{
	uint64_t secs = (uint64_t)(ns / NS_PER_S), rem = (uint64_t)(ns % NS_PER_S); /* rem < 2^30: rem << 32 fits */
	return secs << 32 | ((rem << 32) / (uint64_t)NS_PER_S);
}

/* A UDP socket connected to host:port (so the kernel passes only that peer's datagrams); -1 when none. */
static int open_socket(const char *host, const char *port)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICSERV},
	                *res = NULL;
	int fd = -1;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			(void)close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

/* Wait for datagrams until one answers our request or the deadline passes. */
static ccsp_err await_reply(int fd, uint64_t xmt, uint64_t t1, int64_t mono1, int64_t deadline,
                            ccsp_sntp_result *res)
{
	uint8_t buf[RECV_MAX];
	ccsp_sntp_verdict ignored = CCSP_SNTP_VALID;
	for (int64_t left; (left = (deadline - clock_ns(CLOCK_MONOTONIC)) / 1000000) > 0;) {
		struct pollfd p = {fd, POLLIN, 0};
		int r = poll(&p, 1, left > 1000 ? 1000 : (int)left);
		if (r < 0 && errno != EINTR)
			return CCSP_ERR_COMM;
		if (r <= 0)
			continue;
		ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		int64_t mono4 = clock_ns(CLOCK_MONOTONIC);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return CCSP_ERR_COMM; /* ECONNREFUSED: the host said the port is closed */
		ccsp_sntp_verdict v = ccsp_sntp_parse(buf, (size_t)n, xmt, &res->reply);
		if (v == CCSP_SNTP_SHORT || v == CCSP_SNTP_BAD_ORIGINATE) {
			ignored = ignored == CCSP_SNTP_VALID ? v : ignored;
			continue;
		}
		res->verdict = v;
		if (v != CCSP_SNTP_VALID)
			return CCSP_ERR_PROTOCOL;
		uint64_t t4 = t1 + ns_to_ntp_span(mono4 - mono1); /* T1 + elapsed on the monotonic clock */
		ccsp_sntp_compute(t1, res->reply.receive, res->reply.transmit, t4, &res->offset_ns, &res->delay_ns);
		return CCSP_OK;
	}
	res->verdict = ignored;
	return ignored != CCSP_SNTP_VALID ? CCSP_ERR_PROTOCOL : CCSP_ERR_COMM;
}

ccsp_err ccsp_sntp_query(const char *host, const char *port, unsigned timeout_ms, ccsp_sntp_result *res)
{
	if (host == NULL || port == NULL || res == NULL || timeout_ms == 0)
		return CCSP_ERR_ARG;
	memset(res, 0, sizeof *res);
	uint8_t req[CCSP_SNTP_PACKET];
	uint64_t xmt = 0;
	if (ccsp_random(&xmt, sizeof xmt) != CCSP_OK)
		return CCSP_ERR_RNG;
	xmt |= 1; /* never 0: a server may treat a zero transmit timestamp as "not set" */
	int fd = open_socket(host, port);
	if (fd < 0)
		return CCSP_ERR_COMM;
	ccsp_sntp_request(xmt, req);
	int64_t mono1 = clock_ns(CLOCK_MONOTONIC);
	uint64_t t1 = ccsp_ntp_from_unix_ns(clock_ns(CLOCK_REALTIME));
	ccsp_err ret = CCSP_ERR_COMM;
	if (send(fd, req, sizeof req, MSG_NOSIGNAL) == (ssize_t)sizeof req)
		ret = await_reply(fd, xmt, t1, mono1, mono1 + (int64_t)timeout_ms * 1000000, res);
	(void)close(fd);
	return ret;
}

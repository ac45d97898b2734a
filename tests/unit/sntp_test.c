/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SNTP client (src/common/sntp.h): timestamp conversions (both NTP eras), the offset/delay formulas of
 * RFC 4330 §5 on exactly representable timestamps, every rule of the reply check, and real queries against a
 * fake NTP server on loopback (a thread answering with a known clock skew, or wrongly, or not at all).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/sntp.h"
#include "test_util.h"

#define NS 1000000000LL
#define FRAC(num, den) ((uint64_t)(((uint64_t)(num) << 32) / (den))) /* num/den s as an NTP fraction */

static void test_conversions(void **state)
{
	(void)state;
	assert_true(ccsp_ntp_from_unix_ns(0) == (uint64_t)CCSP_NTP_UNIX_EPOCH << 32);
	assert_true(ccsp_ntp_to_unix_ns((uint64_t)CCSP_NTP_UNIX_EPOCH << 32) == 0);
	/* half a second is 2^31 of the fraction, both ways, exactly */
	assert_true(ccsp_ntp_from_unix_ns(NS / 2) == ((uint64_t)CCSP_NTP_UNIX_EPOCH << 32 | 0x80000000u));
	/* era 0 ends 2036-02-07T06:28:16Z = Unix 2085978496: NTP seconds wrap to 0 (era 1) and come back */
	int64_t rollover = ((int64_t)1 << 32) - CCSP_NTP_UNIX_EPOCH;
	assert_true(ccsp_ntp_from_unix_ns(rollover * NS) == 0);
	const int64_t times[] = {1714528800LL * NS + 123456789, rollover * NS - 1, rollover * NS + 1,
	                         4102444800LL * NS /* 2100-01-01 */, 1LL};
	for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
		int64_t back = ccsp_ntp_to_unix_ns(ccsp_ntp_from_unix_ns(times[i]));
		assert_true(back <= times[i] && times[i] - back <= 1); /* the fraction truncates below 1 ns */
	}
	assert_true(ccsp_ntp_diff_ns(5ull << 32, 3ull << 32) == 2 * NS);
	assert_true(ccsp_ntp_diff_ns(3ull << 32, 5ull << 32) == -2 * NS);
	assert_true(ccsp_ntp_diff_ns(0x80000000u, 0) == NS / 2);
	assert_true(ccsp_ntp_diff_ns(1ull << 32, UINT64_MAX - 0x7fffffffu) == NS + NS / 2); /* across the wrap */
}

/* The four timestamps of a query where the server's clock is skew ahead and each way takes its own time:
 * every value a multiple of 1/16 s, so nanoseconds are exact and the expected values follow from RFC 4330 §5
 * without rounding. */
static void check_formula(uint64_t t1, int64_t skew_16ths, int64_t out_16ths, int64_t hold_16ths, int64_t back_16ths)
{
	const int64_t sixteenth = NS / 16;
	uint64_t skew = (uint64_t)(skew_16ths >= 0 ? skew_16ths : -skew_16ths) * FRAC(1, 16);
	uint64_t t2 = (skew_16ths >= 0 ? t1 + skew : t1 - skew) + (uint64_t)out_16ths * FRAC(1, 16);
	uint64_t t3 = t2 + (uint64_t)hold_16ths * FRAC(1, 16);
	uint64_t t4 = (skew_16ths >= 0 ? t3 - skew : t3 + skew) + (uint64_t)back_16ths * FRAC(1, 16);
	int64_t offset, delay;
	ccsp_sntp_compute(t1, t2, t3, t4, &offset, &delay);
	/* offset = skew + (out - back) / 2, delay = out + back */
	assert_true(offset == skew_16ths * sixteenth + (out_16ths - back_16ths) * sixteenth / 2);
	assert_true(delay == (out_16ths + back_16ths) * sixteenth);
}

static void test_formula(void **state)
{
	(void)state;
	uint64_t now = ccsp_ntp_from_unix_ns(1714528800LL * NS) & ~(uint64_t)0xffffffffu;
	check_formula(now, 52, 2, 1, 4);    /* server 3.25 s ahead, 0.125 s out, 0.25 s back */
	check_formula(now, -24, 3, 0, 3);   /* server 1.5 s behind, symmetric paths: offset exact */
	check_formula(now, 0, 1, 5, 1);     /* same clock: offset 0, the server's hold not in the delay */
	check_formula(UINT64_MAX - FRAC(1, 16) + 1, 40, 1, 1, 1); /* T1 just before the 2036 rollover */
}

/* A reply packet, field by field (RFC 5905 §7.3). */
static void make_reply(uint8_t p[CCSP_SNTP_PACKET], unsigned li, unsigned vn, unsigned mode, unsigned stratum,
                       uint64_t orig, uint64_t recv, uint64_t xmit)
{
	memset(p, 0, CCSP_SNTP_PACKET);
	p[0] = (uint8_t)(li << 6 | vn << 3 | mode);
	p[1] = (uint8_t)stratum;
	p[2] = 6;
	p[3] = (uint8_t)-20;
	memcpy(p + 12, "GPS\0", 4);
	for (int i = 0; i < 8; i++) {
		p[24 + i] = (uint8_t)(orig >> (56 - 8 * i));
		p[32 + i] = (uint8_t)(recv >> (56 - 8 * i));
		p[40 + i] = (uint8_t)(xmit >> (56 - 8 * i));
	}
}

static void test_request(void **state)
{
	(void)state;
	uint8_t p[CCSP_SNTP_PACKET];
	ccsp_sntp_request(0x0102030405060708ull, p);
	assert_int_equal(p[0], 0x23); /* LI 0, VN 4, mode 3 */
	for (int i = 1; i < 40; i++)
		assert_int_equal(p[i], 0);
	assert_hex_equal("0102030405060708", p + 40, 8);
}

static void test_parse(void **state)
{
	(void)state;
	const uint64_t orig = 0x1122334455667788ull, rx = 0xe9a1b2c300000000ull, tx = rx + 0x1000;
	uint8_t p[CCSP_SNTP_PACKET + 20];
	ccsp_sntp_reply r;
	make_reply(p, 0, 4, 4, 2, orig, rx, tx);
	assert_int_equal(ccsp_sntp_parse(p, CCSP_SNTP_PACKET, orig, &r), CCSP_SNTP_VALID);
	assert_true(r.leap == 0 && r.version == 4 && r.mode == 4 && r.stratum == 2 && r.poll == 6 && r.precision == -20);
	assert_true(r.originate == orig && r.receive == rx && r.transmit == tx && r.ref_id == 0x47505300u);
	assert_int_equal(ccsp_sntp_parse(p, sizeof p, orig, &r), CCSP_SNTP_VALID); /* extension bytes ignored */
	make_reply(p, 0, 3, 4, 15, orig, rx, tx);
	assert_int_equal(ccsp_sntp_parse(p, CCSP_SNTP_PACKET, orig, &r), CCSP_SNTP_VALID); /* NTPv3 server, stratum 15 */
	make_reply(p, 1, 4, 4, 1, orig, rx, tx);
	assert_int_equal(ccsp_sntp_parse(p, CCSP_SNTP_PACKET, orig, &r), CCSP_SNTP_VALID); /* leap second warning */

	const struct {
		unsigned li, vn, mode, stratum;
		uint64_t orig, xmit;
		ccsp_sntp_verdict want;
	} bad[] = {
		{0, 4, 4, 2, orig ^ 1, tx, CCSP_SNTP_BAD_ORIGINATE},
		{3, 4, 4, 0, orig ^ 1, tx, CCSP_SNTP_BAD_ORIGINATE}, /* a kiss code that does not answer us: ignored */
		{0, 0, 4, 2, orig, tx, CCSP_SNTP_BAD_VERSION},
		{0, 5, 4, 2, orig, tx, CCSP_SNTP_BAD_VERSION},
		{0, 4, 3, 2, orig, tx, CCSP_SNTP_BAD_MODE}, /* a client request reflected back */
		{0, 4, 5, 2, orig, tx, CCSP_SNTP_BAD_MODE}, /* broadcast */
		{3, 4, 4, 0, orig, tx, CCSP_SNTP_KISS},
		{0, 4, 4, 16, orig, tx, CCSP_SNTP_BAD_STRATUM},
		{0, 4, 4, 255, orig, tx, CCSP_SNTP_BAD_STRATUM},
		{3, 4, 4, 2, orig, tx, CCSP_SNTP_ALARM},
		{0, 4, 4, 2, orig, 0, CCSP_SNTP_ZERO_TRANSMIT},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		make_reply(p, bad[i].li, bad[i].vn, bad[i].mode, bad[i].stratum, bad[i].orig, rx, bad[i].xmit);
		if (ccsp_sntp_parse(p, CCSP_SNTP_PACKET, orig, &r) != bad[i].want)
			fail_msg("case %zu: got %s", i, ccsp_sntp_verdict_str(ccsp_sntp_parse(p, CCSP_SNTP_PACKET, orig, &r)));
	}
	make_reply(p, 0, 4, 4, 2, orig, rx, tx);
	assert_int_equal(ccsp_sntp_parse(p, CCSP_SNTP_PACKET - 1, orig, &r), CCSP_SNTP_SHORT);
	assert_int_equal(ccsp_sntp_parse(NULL, 0, orig, &r), CCSP_SNTP_SHORT);
	for (int v = CCSP_SNTP_VALID; v <= CCSP_SNTP_ZERO_TRANSMIT; v++)
		assert_non_null(ccsp_sntp_verdict_str((ccsp_sntp_verdict)v));
}

/* ---- a fake NTP server on loopback ---- */

typedef enum { SRV_VALID, SRV_WRONG_MODE, SRV_WRONG_ORIG, SRV_SPOOF_THEN_VALID, SRV_KOD, SRV_SILENT } srv_mode;

typedef struct fake_ntp {
	int fd, port;
	srv_mode mode;
	int64_t skew_ns; /* the server's clock minus ours */
	int requests;    /* well-formed client requests seen */
	pthread_t thread;
} fake_ntp;

static int64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

/* Answer one request (bounded: gives up after 5 s without one) as the mode says. */
static void *fake_ntp_main(void *arg)
{
	fake_ntp *s = arg;
	uint8_t req[128], rep[CCSP_SNTP_PACKET];
	struct sockaddr_storage peer;
	socklen_t plen = sizeof peer;
	struct pollfd p = {s->fd, POLLIN, 0};
	if (poll(&p, 1, 5000) <= 0)
		return NULL;
	ssize_t n = recvfrom(s->fd, req, sizeof req, 0, (struct sockaddr *)&peer, &plen);
	if (n < (ssize_t)CCSP_SNTP_PACKET || req[0] != 0x23)
		return NULL;
	s->requests++;
	uint64_t xmt = 0;
	for (int i = 0; i < 8; i++)
		xmt = xmt << 8 | req[40 + i];
	uint64_t t2 = ccsp_ntp_from_unix_ns(realtime_ns() + s->skew_ns), t3 = ccsp_ntp_from_unix_ns(realtime_ns() + s->skew_ns);
	if (s->mode == SRV_SILENT)
		return NULL;
	if (s->mode == SRV_WRONG_ORIG || s->mode == SRV_SPOOF_THEN_VALID) {
		make_reply(rep, 0, 4, 4, 2, xmt + 1, t2, t3); /* an answer to some other request */
		(void)sendto(s->fd, rep, sizeof rep, 0, (struct sockaddr *)&peer, plen);
		if (s->mode == SRV_WRONG_ORIG)
			return NULL;
	}
	make_reply(rep, s->mode == SRV_KOD ? 3 : 0, 4, s->mode == SRV_WRONG_MODE ? 2 : 4, s->mode == SRV_KOD ? 0 : 2, xmt,
	           t2, t3);
	if (s->mode == SRV_KOD)
		memcpy(rep + 12, "RATE", 4);
	(void)sendto(s->fd, rep, sizeof rep, 0, (struct sockaddr *)&peer, plen);
	return NULL;
}

static void fake_ntp_start(fake_ntp *s, srv_mode mode, int64_t skew_ns)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	memset(s, 0, sizeof *s);
	s->mode = mode;
	s->skew_ns = skew_ns;
	s->fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(s->fd >= 0);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &al), 0);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&s->thread, NULL, fake_ntp_main, s), 0);
}

static void fake_ntp_stop(fake_ntp *s)
{
	pthread_join(s->thread, NULL);
	close(s->fd);
}

static ccsp_err query(fake_ntp *s, unsigned timeout_ms, ccsp_sntp_result *res)
{
	char port[8];
	snprintf(port, sizeof port, "%d", s->port);
	return ccsp_sntp_query("127.0.0.1", port, timeout_ms, res);
}

/* The server's clock is skew ahead: the offset measured is the skew give or take half the round trip (RFC 4330
 * §5: with t1 <= t2 <= t3 <= t4 in true time, offset - skew = ((t2 - t1) - (t4 - t3)) / 2, whose size is at
 * most delay / 2). 1 ms allows for the rounding of the timestamps and a slewing clock. No timing assumed. */
static void check_skew(int64_t skew_ns)
{
	fake_ntp s;
	ccsp_sntp_result res;
	fake_ntp_start(&s, SRV_VALID, skew_ns);
	assert_ok(query(&s, 5000, &res));
	fake_ntp_stop(&s);
	assert_int_equal(s.requests, 1);
	assert_int_equal(res.verdict, CCSP_SNTP_VALID);
	assert_true(res.delay_ns >= 0);
	int64_t err = res.offset_ns - skew_ns;
	if ((err < 0 ? -err : err) > res.delay_ns / 2 + 1000000)
		fail_msg("offset %lld ns for a skew of %lld ns, delay %lld ns", (long long)res.offset_ns, (long long)skew_ns,
		         (long long)res.delay_ns);
}

static void test_query_valid(void **state)
{
	(void)state;
	check_skew(2500 * 1000000LL);  /* server 2.5 s ahead */
	check_skew(-750 * 1000000LL);  /* 0.75 s behind */
	check_skew(3600 * NS + 17);    /* an hour ahead */
	check_skew(0);
}

static void test_query_invalid(void **state)
{
	(void)state;
	fake_ntp s;
	ccsp_sntp_result res;

	fake_ntp_start(&s, SRV_WRONG_MODE, 0);
	assert_ccsp(CCSP_ERR_PROTOCOL, query(&s, 5000, &res));
	fake_ntp_stop(&s);
	assert_int_equal(res.verdict, CCSP_SNTP_BAD_MODE);

	fake_ntp_start(&s, SRV_KOD, 0);
	assert_ccsp(CCSP_ERR_PROTOCOL, query(&s, 5000, &res));
	fake_ntp_stop(&s);
	assert_int_equal(res.verdict, CCSP_SNTP_KISS);
	assert_true(res.reply.ref_id == 0x52415445u); /* "RATE" */

	/* only an answer to another request: ignored, and at the timeout reported as an invalid reply */
	fake_ntp_start(&s, SRV_WRONG_ORIG, 0);
	assert_ccsp(CCSP_ERR_PROTOCOL, query(&s, 300, &res));
	fake_ntp_stop(&s);
	assert_int_equal(res.verdict, CCSP_SNTP_BAD_ORIGINATE);

	/* a spoofed datagram first does not stop the real answer from counting */
	fake_ntp_start(&s, SRV_SPOOF_THEN_VALID, 0);
	assert_ok(query(&s, 5000, &res));
	fake_ntp_stop(&s);
	assert_int_equal(res.verdict, CCSP_SNTP_VALID);
}

static void test_query_unreachable(void **state)
{
	(void)state;
	fake_ntp s;
	ccsp_sntp_result res;
	fake_ntp_start(&s, SRV_SILENT, 0);
	assert_ccsp(CCSP_ERR_COMM, query(&s, 300, &res)); /* no answer: the bounded timeout */
	fake_ntp_stop(&s);
	assert_int_equal(s.requests, 1);

	/* nobody on the port (bound once to find a free one, then closed): ICMP port unreachable, or the timeout */
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	            getsockname(fd, (struct sockaddr *)&a, &al) == 0);
	close(fd);
	char p[8];
	snprintf(p, sizeof p, "%d", ntohs(a.sin_port));
	assert_ccsp(CCSP_ERR_COMM, ccsp_sntp_query("127.0.0.1", p, 300, &res));

	assert_ccsp(CCSP_ERR_ARG, ccsp_sntp_query(NULL, "123", 300, &res));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sntp_query("127.0.0.1", "123", 0, &res));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conversions),   cmocka_unit_test(test_formula),
		cmocka_unit_test(test_request),       cmocka_unit_test(test_parse),
		cmocka_unit_test(test_query_valid),   cmocka_unit_test(test_query_invalid),
		cmocka_unit_test(test_query_unreachable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An SNTP client (RFC 4330; the client mode of NTPv4, RFC 5905): one request, one validated reply, the clock
 * offset and round-trip delay. It only measures: it never sets the system clock.
 *
 * Timestamps are NTP's 64-bit fixed point: seconds since 1900-01-01 in the high 32 bits, the fraction in the
 * low 32. Differences are taken modulo 2^64 and read as signed, so they stay right across the 2036 era
 * rollover as long as the two clocks are within 68 years of each other (RFC 5905 §6).
 *
 * With T1 the client's transmit time, T2 the server's receive time, T3 the server's transmit time and T4 the
 * client's receive time (RFC 4330 §5, RFC 5905 §8):
 *   offset = ((T2 - T1) + (T3 - T4)) / 2        how far the server's clock is ahead of ours
 *   delay  = (T4 - T1) - (T3 - T2)              the round trip, without the server's own time
 * T4 is T1 plus the elapsed time measured on the monotonic clock, so a step of the system clock during the
 * query does not distort the delay.
 */
#ifndef CCSP_COMMON_SNTP_H
#define CCSP_COMMON_SNTP_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#define CCSP_SNTP_PACKET 48u  /* header without extension fields or MAC (RFC 5905 §7.3) */
#define CCSP_SNTP_PORT "123"
#define CCSP_NTP_UNIX_EPOCH 2208988800u /* seconds from 1900-01-01 to 1970-01-01 */

/* What a reply says, as parsed (RFC 5905 §7.3). */
typedef struct ccsp_sntp_reply {
	unsigned leap, version, mode, stratum;
	int8_t poll, precision;
	uint32_t ref_id;     /* for stratum 0 the kiss code ("RATE", "DENY", ...) in ASCII */
	uint64_t reference;  /* the timestamps */
	uint64_t originate;
	uint64_t receive;
	uint64_t transmit;
} ccsp_sntp_reply;

/* Why a reply was refused (ccsp_sntp_parse). */
typedef enum ccsp_sntp_verdict {
	CCSP_SNTP_VALID = 0,
	CCSP_SNTP_SHORT,         /* fewer than 48 bytes */
	/* first, because nothing in a datagram that does not answer our request is to be believed (a kiss code
	 * included: RFC 5905 §7.4): not the transmit timestamp of our request, so stale, spoofed or misrouted */
	CCSP_SNTP_BAD_ORIGINATE,
	CCSP_SNTP_BAD_VERSION,   /* not 1..4 */
	CCSP_SNTP_BAD_MODE,      /* not 4 (server) */
	CCSP_SNTP_KISS,          /* stratum 0: kiss-o'-death, ref_id holds the code (before ALARM: a KoD has LI 3) */
	CCSP_SNTP_BAD_STRATUM,   /* above 15: unsynchronised */
	CCSP_SNTP_ALARM,         /* leap indicator 3: the server's clock is not synchronised */
	CCSP_SNTP_ZERO_TRANSMIT, /* transmit timestamp 0 */
} ccsp_sntp_verdict;

/* A short English text for the verdict ("wrong mode", "kiss-o'-death", ...). Never NULL. */
const char *ccsp_sntp_verdict_str(ccsp_sntp_verdict v);

/* Build a client request: LI 0, VN 4, mode 3, everything 0 but the transmit timestamp, which the server copies
 * into its answer's originate timestamp. ccsp_sntp_query puts 64 random bits there, not its clock (as chrony
 * does): the answer must echo a value an off-path attacker cannot guess, and the request reveals no time. */
void ccsp_sntp_request(uint64_t xmt, uint8_t out[CCSP_SNTP_PACKET]);

/* Parse and validate a reply of len bytes (extension fields and MAC after the header are ignored) against the
 * transmit timestamp of our request. Fills *r as far as it could read (all of it when len >= 48) and returns
 * the first rule it breaks, in the order of the enum, or CCSP_SNTP_VALID. */
ccsp_sntp_verdict ccsp_sntp_parse(const uint8_t *buf, size_t len, uint64_t expected_originate, ccsp_sntp_reply *r);

/* offset and delay (above) in nanoseconds from the four timestamps. */
void ccsp_sntp_compute(uint64_t t1, uint64_t t2, uint64_t t3, uint64_t t4, int64_t *offset_ns, int64_t *delay_ns);

/* NTP timestamp <-> Unix time in nanoseconds (era 0 before 2036-02-07, era 1 after: RFC 4330 §3). */
uint64_t ccsp_ntp_from_unix_ns(int64_t unix_ns);
int64_t ccsp_ntp_to_unix_ns(uint64_t ntp);
/* A signed NTP timestamp difference (high 32 bits seconds) in nanoseconds. */
int64_t ccsp_ntp_diff_ns(uint64_t a, uint64_t b);

typedef struct ccsp_sntp_result {
	int64_t offset_ns, delay_ns;
	ccsp_sntp_reply reply;
	ccsp_sntp_verdict verdict; /* why the reply was refused (CCSP_ERR_PROTOCOL) */
} ccsp_sntp_result;

/* Query host:port (resolved here: call it off any event loop) once: send a request, wait up to timeout_ms for a
 * valid answer from that address. A datagram that does not answer our request (SHORT, BAD_ORIGINATE: an answer
 * to an older request, a spoof) is ignored while time remains; an answer that breaks another rule ends the
 * query. CCSP_OK and *res; CCSP_ERR_COMM (name not resolved, nothing in time, port unreachable, network error:
 * "unreachable"); CCSP_ERR_PROTOCOL (res->verdict says why: an answer to our request that is not valid, or at
 * the timeout only datagrams that were not answers: "invalid reply"); CCSP_ERR_RNG; CCSP_ERR_ARG. */
CCSP_MUST_CHECK ccsp_err ccsp_sntp_query(const char *host, const char *port, unsigned timeout_ms,
                                         ccsp_sntp_result *res);

#endif

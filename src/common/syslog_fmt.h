/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 5424 syslog messages of the daemons' log events (log.h lines), for the log forwarder (logfwd.h):
 *
 *   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [ccsp@32473 name="value" ...] {"ts":…,"event":…,…}
 *
 *   PRI        facility * 8 + severity (RFC 5424 §6.2.1). Facility: authpriv (10) for security events — an
 *              event whose dotted name has a component starting with "auth" ("chsm.auth.refused",
 *              "chsm.authpk.added") — local0 (16) for all others. Severity from the level: error 3, warn 4,
 *              info 6, debug 7.
 *   TIMESTAMP  the event's "ts" (RFC 3339, UTC), or "-" when it has none of that form.
 *   HOSTNAME, APP-NAME, PROCID  from the caller; printable US-ASCII only (other bytes become '_'), cut at 64,
 *              48 and 16 bytes, "-" when empty.
 *   MSGID      the event name, printable US-ASCII, cut at 32 bytes (RFC 5424 §6.2.7).
 *   SD         one element, ccsp@32473, with the event's other fields in their order (non-string values as
 *              compact JSON): names cut to 32 printable bytes without '=', ' ', ']', '"'; values cut to 256 bytes
 *              on a UTF-8 character boundary, with '"', '\' and ']' escaped (§6.3.3) and control characters
 *              replaced by '?' (so that a message is always one line). A parameter is added only
 *              whole; those that do not fit in the SD budget are left out (they are in MSG anyway). "-" when
 *              there is none. 32473 is the private enterprise number RFC 5612 reserves for documentation: a
 *              receiver filters on the name "ccsp@32473"; it changes when the project registers its own.
 *   MSG        the whole event as compact JSON with every non-ASCII character and DEL escaped (\uXXXX): printable ASCII,
 *              so no BOM (§6.4), and whatever a receiver does with SD, it sees every field. Cut (marked
 *              truncated) when the message would exceed the caller's bound.
 *
 * The event line is untrusted for this code's purposes: it is parsed by jansson with a length bound and every
 * byte written is bounded by max_len. Pure functions, thread-safe.
 */
#ifndef CCSP_COMMON_SYSLOG_FMT_H
#define CCSP_COMMON_SYSLOG_FMT_H

#include <stddef.h>

#include <ccsp/error.h>

#define CCSP_SYSLOG_MIN_LEN 480u  /* RFC 5426 §3.2: every IPv4 receiver accepts 480-byte messages */
#define CCSP_SYSLOG_UDP_LEN 2048u /* RFC 5426 §3.2: receivers SHOULD accept 2048 */
#define CCSP_SYSLOG_TCP_LEN 8192u /* our bound per framed message over TCP (RFC 6587 sets none) */
#define CCSP_SYSLOG_FAC_AUTHPRIV 10
#define CCSP_SYSLOG_FAC_LOCAL0 16

typedef struct ccsp_syslog_origin {
	const char *hostname; /* NULL or "": "-" */
	const char *app_name; /* e.g. "chsmd" */
	const char *procid;   /* e.g. the pid in decimal; NULL: "-" */
} ccsp_syslog_origin;

/* The severity of a log level name (unknown: error, 3). */
int ccsp_syslog_severity(const char *level);
/* The facility of an event name (see above). */
int ccsp_syslog_facility(const char *event);

/* Format one log line (a JSON object, line_len bytes) into out, which holds max_len + 1 bytes: at most max_len
 * bytes of message, NUL-terminated, *len set. *truncated (may be NULL) is 1 when MSG was cut.
 * CCSP_ERR_ARG (NULL, max_len < CCSP_SYSLOG_MIN_LEN), CCSP_ERR_DECODE (the line is not a JSON object of at most
 * 1 MiB), CCSP_ERR_NOMEM. */
CCSP_MUST_CHECK ccsp_err ccsp_syslog_format(const ccsp_syslog_origin *origin, const char *line, size_t line_len,
                                            char *out, size_t max_len, size_t *len, int *truncated);

/* RFC 6587 §3.4.1 octet-counting frame prefix of a message of len bytes: "LEN " into out (NUL-terminated);
 * returns its length. */
size_t ccsp_syslog_octet_prefix(size_t len, char out[24]);

#endif

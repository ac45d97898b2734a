/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bounded reader of one HTTP/1.1 response (RFC 9112), for the clients that do not go through libcurl: the
 * TLCP exchange of tlcp_http.c. Pure (no I/O): it is given every byte received so far and says whether the answer
 * is complete, so a blocking or an event-loop caller drives it the same way. Every byte is untrusted.
 *
 * What it takes: a status line "HTTP/1.x NNN reason", header fields "name: value" (token names, CRLF line ends —
 * a bare LF is accepted as RFC 9112 §2.2 allows — no obsolete line folding), at most CCSP_HTTP_ANSWER_HEAD_MAX bytes
 * of head and CCSP_HTTP_ANSWER_FIELDS_MAX fields; interim 1xx answers are skipped (at most
 * CCSP_HTTP_ANSWER_INTERIM_MAX). The body's framing per RFC 9112 §6.3: none for 204 and 304; Transfer-Encoding
 * "chunked" (the only coding taken; chunk extensions and trailer fields skipped); else Content-Length (digits
 * only; repeated fields must agree); else everything up to the end of the connection. A response with both
 * Transfer-Encoding and Content-Length is refused (a smuggling vector, §6.3 item 3).
 *
 * Thread-safe (no state).
 */
#ifndef CCSP_COMMON_HTTP_ANSWER_H
#define CCSP_COMMON_HTTP_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#define CCSP_HTTP_ANSWER_HEAD_MAX 16384u
#define CCSP_HTTP_ANSWER_FIELDS_MAX 64u
#define CCSP_HTTP_ANSWER_INTERIM_MAX 4u

/* A complete answer. body is malloc'd and NUL-terminated (body_len bytes before the NUL); the caller frees it with
 * ccsp_http_answer_clear(). */
typedef struct ccsp_http_answer {
	int status; /* 200..599 */
	char *body;
	size_t body_len;
} ccsp_http_answer;

/* Read the answer out of buf[0..len), the bytes received so far; at_eof says the peer has ended the stream (the
 * end of a body without a length). *complete = 1 and *a filled when the whole answer is there; *complete = 0
 * (and *a untouched) when more bytes are needed. Errors: CCSP_ERR_PROTOCOL for a malformed answer or one that ended
 * early (at_eof before it was complete), CCSP_ERR_LIMIT for a head or a body over its bound (body_max bytes),
 * CCSP_ERR_NOMEM, CCSP_ERR_ARG for a NULL pointer. */
CCSP_MUST_CHECK ccsp_err ccsp_http_answer_parse(const uint8_t *buf, size_t len, int at_eof, size_t body_max,
                                                ccsp_http_answer *a, int *complete);

/* Free the body (the answer may be a secret's carrier: wiped first). NULL and a cleared answer are ignored. */
void ccsp_http_answer_clear(ccsp_http_answer *a);

#endif

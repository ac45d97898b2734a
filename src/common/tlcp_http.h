/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One HTTP/1.1 exchange over TLCP (GB/T 38636), for the clients of the management channels whose URL says
 * tlcp://HOST:PORT/PATH: the GM/T 0088 client (g88_client.c: ccspd's resource pool, `ccsp chsm`), chsmd's
 * callbacks to the cloud platform, and `ccsp chsm call`. libcurl speaks TLS only (and OpenSSL 3.0 cannot negotiate
 * an SM suite), so these URLs come here; https:// ones stay with libcurl.
 *
 * One request per connection (Connection: close): a blocking socket whose every wait is a poll() bounded by the
 * exchange's deadline; the TLCP connection of src/tlcp/tlcp_conn.h; the answer read through the bounded reader of
 * http_answer.h. The server's signing certificate must chain to the target's trust anchors and carry HOST in its
 * SAN (an iPAddress for an address literal). Without the target's own double certificate only the ECC suites can be
 * negotiated (SM4-GCM preferred); with it the ECDHE ones too (ECDHE_SM4_GCM_SM3 preferred), and the server
 * authenticates the client when it asks.
 * A TCP end without close_notify never completes an answer that only the end of the stream would delimit
 * (truncation).
 *
 * Thread safety: reentrant; nothing is shared between calls.
 */
#ifndef CCSP_COMMON_TLCP_HTTP_H
#define CCSP_COMMON_TLCP_HTTP_H

#include <stddef.h>

#include <ccsp/error.h>

#include "common/http_answer.h"

struct curl_slist; /* libcurl's header list: the callers hold their headers in one already */

#define CCSP_TLCP_HTTP_SCHEME "tlcp://"
#define CCSP_TLCP_HTTP_TIMEOUT_S 30
#define CCSP_TLCP_HTTP_ANSWER_MAX ((size_t)1 << 20)

/* A client's own double certificate: the signing certificate (then its chain) and the encryption certificate, PEM,
 * with their unencrypted SM2 keys (common/tlcp_pem.h). It opens the ECDHE suites and lets the server authenticate
 * the client. */
typedef struct ccsp_tlcp_http_identity {
	const char *sign_cert, *sign_key, *enc_cert, *enc_key;
} ccsp_tlcp_http_identity;

/* How to reach and trust a TLCP server. */
typedef struct ccsp_tlcp_http_target {
	const char *ca_pem;  /* trust anchors for the server's certificates, PEM text; or */
	const char *ca_file; /* a PEM file of them (when ca_pem is NULL). One of the two is required. */
	const ccsp_tlcp_http_identity *own; /* NULL: no client certificate (ECC suites only) */
	long timeout_s;    /* the whole exchange, connection included: 0 = CCSP_TLCP_HTTP_TIMEOUT_S */
	size_t answer_max; /* the largest answer body taken: 0 = CCSP_TLCP_HTTP_ANSWER_MAX */
} ccsp_tlcp_http_target;

/* 1 when url starts with CCSP_TLCP_HTTP_SCHEME (the case of the scheme ignored). */
int ccsp_tlcp_http_is_url(const char *url);

/* POST body[0..len) (body NULL: GET) to url, tlcp://HOST:PORT[/PATH] (HOST a name, an IPv4 address or a bracketed
 * IPv6 one), with the extra header lines of h ("Name: value"; Host, Content-Length and Connection are ours); the
 * answer into *ans (the caller clears it). On failure why says what went wrong in words for an operator (the
 * connection, the alert sent or received, the timeout). Errors: CCSP_ERR_ARG for a URL or header that is not
 * usable or a target without trust anchors; CCSP_ERR_FILE_NOT_FOUND / CCSP_ERR_DECODE / CCSP_ERR_KEY for the
 * target's files; CCSP_ERR_COMM when no answer came (connection, handshake, timeout, truncation); CCSP_ERR_PROTOCOL
 * for a malformed answer and CCSP_ERR_LIMIT for one over its bounds; CCSP_ERR_NOMEM. */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_http_exchange(const ccsp_tlcp_http_target *t, const char *url, const char *body,
                                                 size_t len, const struct curl_slist *h, ccsp_http_answer *ans,
                                                 char *why, size_t whylen);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cloud platform's side of the GM/T 0088 management interface (../shared/spec/gmt0088-api.md): the one client
 * of chsmd's API, used by `ccsp chsm` and by ccspd's resource pool. It builds request ids, signs trusted requests
 * (spec §3.5: M = the body bytes as sent; SM2WithSM3 with Z over the default ID; the signature in DER, Base64;
 * CHSM-AuthPK = Base64(SM3(X || Y))) and exchanges them over HTTPS with libcurl — or over TLCP (GB/T 38636,
 * tlcp_http.h) when the CHSM's URL is tlcp://HOST:PORT — reading at most CCSP_G88_ANSWER_MAX bytes of answer and
 * the §6.5 envelope out of it.
 *
 * The signer is the caller's: a callback that signs a digest, so the key may live in a file (the CLI) or in a
 * VSM (ccspd) — this module never holds a private key.
 *
 * Thread safety: the functions are reentrant; curl_global_init() is the caller's (once, before any thread).
 */
#ifndef CCSP_COMMON_G88_CLIENT_H
#define CCSP_COMMON_G88_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <jansson.h>

#include <ccsp/error.h>

#include "common/tlcp_http.h"

#define CCSP_G88_API_PREFIX "/api/1.0"
#define CCSP_G88_REQUEST_ID_LEN 36           /* a UUID's text */
#define CCSP_G88_ANSWER_MAX ((size_t)1 << 20) /* the largest answer taken; chsmd's are a few KiB */
#define CCSP_G88_MESSAGE_MAX 255

/* A signer: sign(ctx, e, sig) makes the SM2 signature r || s of the digest e = SM3(Z || M) with the private key
 * of pub (04 || x || y). */
typedef struct ccsp_g88_signer {
	ccsp_err (*sign)(void *ctx, const uint8_t e[32], uint8_t sig[64]);
	void *ctx;
	uint8_t pub[65];
} ccsp_g88_signer;

/* Where a CHSM listens and how its TLS certificate is trusted: ca_pem (a PEM bundle in memory), else ca_file,
 * else the system's store; insecure skips the check (tests and first contact only). For a tlcp:// URL ca_pem or
 * ca_file is required (the CHSM's SM2 CA: chsmd's tlcp-ca.pem in dev mode) and insecure is refused. timeout_s 0:
 * 30 s. */
typedef struct ccsp_g88_target {
	const char *url; /* https://HOST:PORT or tlcp://HOST:PORT, without the API prefix; trailing slashes ignored */
	const char *ca_pem;
	const char *ca_file;
	int insecure;
	long timeout_s;
	const ccsp_tlcp_http_identity *tlcp_own; /* tlcp:// only: the platform's double certificate, or NULL for none */
} ccsp_g88_target;

/* The §6.5 envelope of an answer. result is NULL when the answer has none; the caller owns it (json_decref). */
typedef struct ccsp_g88_answer {
	long http;  /* the HTTP status */
	int status; /* the envelope's status (the HTTP status when the body is not an envelope) */
	char message[CCSP_G88_MESSAGE_MAX + 1];
	json_t *result;
} ccsp_g88_answer;

/* A fresh version 4 UUID (RFC 4122 4.4) as text. CCSP_ERR_RNG. */
CCSP_MUST_CHECK ccsp_err ccsp_g88_request_id(char out[CCSP_G88_REQUEST_ID_LEN + 1]);

/* Base64(SM3(X || Y)) of pub (04 || x || y): the key's CHSM-AuthPK and getCHSMPk fingerprint. out holds 45 bytes. */
CCSP_MUST_CHECK ccsp_err ccsp_g88_fingerprint(const uint8_t pub[65], char out[45]);

/* Append CHSM-AuthPK, CHSM-SignatureAlg and CHSM-Signature for M = msg[0..len) to *h. CCSP_ERR_NOMEM, or the
 * signer's error. */
CCSP_MUST_CHECK ccsp_err ccsp_g88_sign_headers(const ccsp_g88_signer *s, const char *msg, size_t len,
                                               struct curl_slist **h);

/* One exchange with t: POST of req (requestId added when absent) to CCSP_G88_API_PREFIX + path, signed by s (NULL:
 * unsigned, a guest interface), or GET of path (which carries its own query) when req is NULL. The answer's
 * envelope into *ans (ans->result to be freed by the caller whatever the status). CCSP_ERR_COMM when there is no
 * HTTP answer (ans->message says why: connection, TLS, timeout), CCSP_ERR_PROTOCOL when the answer is larger than
 * CCSP_G88_ANSWER_MAX; otherwise CCSP_OK with the status in ans (the caller decides what a non-200 means). */
CCSP_MUST_CHECK ccsp_err ccsp_g88_call(const ccsp_g88_target *t, const ccsp_g88_signer *s, const char *path,
                                       json_t *req, ccsp_g88_answer *ans);

#endif

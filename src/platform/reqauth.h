/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Application request authentication for ccspd (docs/api-auth.md is the reference for clients). Pure: no HTTP,
 * no storage, no clock, no logging. The HTTP layer hands over the header values and the body; the caller finds
 * the application's credential and owns the nonce table; this module decides.
 *
 * A signed request carries
 *   X-Ccsp-AccessKey      20..64 of [A-Za-z0-9_-]
 *   X-Ccsp-Timestamp      Unix seconds: 1..19 decimal digits, no sign, no spaces, no leading zero, fits int64
 *   X-Ccsp-Nonce          16..64 of [A-Za-z0-9._~-] (RFC 3986 unreserved)
 *   X-Ccsp-Signature      standard Base64 with '=' padding, no whitespace, at most 96 characters, unused bits
 *                         zero (one text per byte string): HMAC-SM3 = 32 bytes; SM2-SM3 = strict DER
 *                         SEQUENCE { r, s }
 *   X-Ccsp-Signature-Alg  absent (= HMAC-SM3), "HMAC-SM3" or "SM2-SM3" (exact case)
 * and is signed over the canonical string, five lines joined by "\n" (no final newline):
 *   POST \n <path> \n <timestamp> \n <nonce> \n <lowercase hex SM3 of the body>
 * <path> is the request target exactly as received: '/' then visible ASCII (0x21..0x7e), at most 1024 bytes.
 * No component may hold '\n', so the string splits back into the same five parts: it is unambiguous.
 *   HMAC-SM3: Base64(HMAC-SM3(key = the secret's bytes, canonical)), compared in constant time.
 *   SM2-SM3:  Base64(DER(SM2 signature with Z over the default ID "1234567812345678", canonical)).
 * A request is accepted iff |now - timestamp| <= 300 s, the signature verifies, and the caller's nonce table
 * has not seen (access key, nonce) before; the nonce is remembered only once the signature verified, so an
 * unauthenticated client cannot fill the table.
 *
 * Use (the two-step API; the caller's lookup sits between the steps):
 *   ccsp_reqauth_parsed p;
 *   r = ccsp_reqauth_parse(&req, &p);                        // MALFORMED, or OK
 *   app = lookup(p.access_key);                              // the caller's store
 *   r = ccsp_reqauth_verify(&p, app ? &cred : NULL, now, nonce_fn, nonce_arg);
 * Results and the error codes of src/platform/apierr.h they map to (docs/api-auth.md "Errors"):
 *   MALFORMED -> CCSP-2001;  UNKNOWN_KEY, BAD_SIGNATURE, ALG_NOT_ALLOWED -> CCSP-2000 (one answer for the
 *   three, so a client cannot probe which access keys exist; the log keeps the distinct name);
 *   STALE, FUTURE -> CCSP-2002;  REPLAYED -> CCSP-2003;  NONCE_UNAVAILABLE -> CCSP-9001 (503, retry);
 *   INTERNAL -> CCSP-9000.
 *
 * Bearer session tokens (for applications and people): "ccsp_" + 43 characters of unpadded Base64url of 32
 * random bytes (the last character's two unused bits zero). Only SM3(token) is stored; a presented token is
 * hashed and looked up by that hash.
 *
 * Thread safety: every function is reentrant; a nonce cache may be shared by threads (it locks).
 */
#ifndef CCSP_PLATFORM_REQAUTH_H
#define CCSP_PLATFORM_REQAUTH_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>
#include <ccsp/sm2.h>
#include <ccsp/sm3.h>

#define CCSP_REQAUTH_WINDOW_S 300          /* seconds a timestamp may be off, either way (inclusive) */
#define CCSP_REQAUTH_ACCESS_KEY_MIN 20
#define CCSP_REQAUTH_ACCESS_KEY_MAX 64
#define CCSP_REQAUTH_NONCE_MIN 16
#define CCSP_REQAUTH_NONCE_MAX 64
#define CCSP_REQAUTH_TIMESTAMP_MAX 19      /* digits: INT64_MAX has 19 */
#define CCSP_REQAUTH_PATH_MAX 1024
#define CCSP_REQAUTH_SIGNATURE_B64_MAX 96  /* Base64 of the longest SM2 DER signature (72 bytes) */
#define CCSP_REQAUTH_SIGNATURE_MAX 72
/* "POST\n" path "\n" timestamp "\n" nonce "\n" 64 hex digits */
#define CCSP_REQAUTH_CANONICAL_MAX \
	(5 + CCSP_REQAUTH_PATH_MAX + 1 + CCSP_REQAUTH_TIMESTAMP_MAX + 1 + CCSP_REQAUTH_NONCE_MAX + 1 + 64)

#define CCSP_REQAUTH_HEADER_ACCESS_KEY "X-Ccsp-AccessKey"
#define CCSP_REQAUTH_HEADER_TIMESTAMP "X-Ccsp-Timestamp"
#define CCSP_REQAUTH_HEADER_NONCE "X-Ccsp-Nonce"
#define CCSP_REQAUTH_HEADER_SIGNATURE "X-Ccsp-Signature"
#define CCSP_REQAUTH_HEADER_ALG "X-Ccsp-Signature-Alg"

typedef enum ccsp_reqauth_alg {
	CCSP_REQAUTH_HMAC_SM3 = 1,
	CCSP_REQAUTH_SM2_SM3 = 2
} ccsp_reqauth_alg;

/* The verdict on a request. Values are stable (they may appear in logs and metrics). */
typedef enum ccsp_reqauth_result {
	CCSP_REQAUTH_OK = 0,
	CCSP_REQAUTH_MALFORMED = 1,         /* a header absent or outside its shape, method not POST, bad path */
	CCSP_REQAUTH_UNKNOWN_KEY = 2,       /* no application has this access key (cred NULL) */
	CCSP_REQAUTH_STALE = 3,             /* timestamp more than 300 s in the past */
	CCSP_REQAUTH_FUTURE = 4,            /* timestamp more than 300 s in the future */
	CCSP_REQAUTH_BAD_SIGNATURE = 5,     /* the signature does not verify */
	CCSP_REQAUTH_ALG_NOT_ALLOWED = 6,   /* the application holds no credential for the requested algorithm */
	CCSP_REQAUTH_REPLAYED = 7,          /* (access key, nonce) seen within the window */
	CCSP_REQAUTH_NONCE_UNAVAILABLE = 8, /* the nonce table failed or is full: refused, never let through */
	CCSP_REQAUTH_INTERNAL = 9,          /* bad arguments from the caller, a crypto-module fault */
	CCSP_REQAUTH_RESULT_COUNT_
} ccsp_reqauth_result;

/* A stable name for logs, e.g. "BAD_SIGNATURE". Never NULL. */
const char *ccsp_reqauth_result_name(ccsp_reqauth_result r);

/* What the HTTP layer passes: header values as received (NUL-terminated; NULL when the header is absent). A header
 * that occurs more than once is the caller's to refuse as CCSP_REQAUTH_MALFORMED (docs/api-auth.md says so): a
 * lookup that returns the first copy must not hide a second. */
typedef struct ccsp_reqauth_request {
	const char *method;     /* must be "POST" */
	const char *path;       /* the request target, e.g. "/api/v1/crypto/sign" */
	const uint8_t *body;    /* may be NULL when body_len is 0 */
	size_t body_len;
	const char *access_key; /* X-Ccsp-AccessKey */
	const char *timestamp;  /* X-Ccsp-Timestamp */
	const char *nonce;      /* X-Ccsp-Nonce */
	const char *signature;  /* X-Ccsp-Signature */
	const char *alg;        /* X-Ccsp-Signature-Alg, NULL when absent */
} ccsp_reqauth_request;

/* A request that passed ccsp_reqauth_parse: every field checked, the canonical string built. Caller-allocated
 * (about 1.4 KiB), self-contained (no pointer into the request). Public data only. */
typedef struct ccsp_reqauth_parsed {
	char access_key[CCSP_REQAUTH_ACCESS_KEY_MAX + 1];
	char nonce[CCSP_REQAUTH_NONCE_MAX + 1];
	int64_t timestamp;
	ccsp_reqauth_alg alg;
	uint8_t sig[CCSP_REQAUTH_SIGNATURE_MAX]; /* HMAC: 32 bytes; SM2: raw r || s (64 bytes) */
	size_t sig_len;
	char canonical[CCSP_REQAUTH_CANONICAL_MAX + 1]; /* NUL-terminated */
	size_t canonical_len;
} ccsp_reqauth_parsed;

/* Check every header of req and build the canonical string (hashes the body). CCSP_REQAUTH_OK or
 * CCSP_REQAUTH_MALFORMED (CCSP_REQAUTH_INTERNAL for NULL req/out or a crypto-module fault). On failure *out is
 * zeroed. */
ccsp_reqauth_result ccsp_reqauth_parse(const ccsp_reqauth_request *req, ccsp_reqauth_parsed *out);

/* An application's credentials as the caller's store holds them. Either may be absent (NULL): an application
 * with only an SM2 key cannot use HMAC-SM3 and vice versa (CCSP_REQAUTH_ALG_NOT_ALLOWED). For signing
 * (ccsp_reqauth_sign) sm2_key must hold the private key. */
typedef struct ccsp_reqauth_credential {
	const uint8_t *secret; /* the HMAC key: the secret access key's bytes as issued (text) */
	size_t secret_len;     /* 1.. bytes */
	const ccsp_sm2_key *sm2_key;
} ccsp_reqauth_credential;

/* The nonce table's answer. */
typedef enum ccsp_reqauth_nonce {
	CCSP_REQAUTH_NONCE_FRESH = 0,    /* not seen: now remembered */
	CCSP_REQAUTH_NONCE_REPLAYED = 1, /* seen before: refuse */
	CCSP_REQAUTH_NONCE_ERROR = 2     /* cannot tell (store down, table full): refuse */
} ccsp_reqauth_nonce;

/* Check-and-remember, atomically (two ccspd nodes share one table: e.g. INSERT ... ON CONFLICT DO NOTHING on
 * a primary key (access_key, nonce)). The entry must be kept at least until now > timestamp +
 * CCSP_REQAUTH_WINDOW_S (after that the timestamp check alone refuses the request); it may be purged then.
 * Called only for requests whose timestamp is in the window and whose signature verified. */
typedef ccsp_reqauth_nonce (*ccsp_reqauth_nonce_fn)(void *arg, const char *access_key, const char *nonce,
                                                    int64_t timestamp, int64_t now);

/*
 * Decide on a parsed request. cred is the application found for p->access_key, NULL when there is none; now is
 * the caller's clock (Unix seconds, >= 0). Order of the checks: timestamp window (STALE, FUTURE), key
 * (UNKNOWN_KEY, ALG_NOT_ALLOWED), signature (BAD_SIGNATURE), then the nonce (REPLAYED, NONCE_UNAVAILABLE).
 * For an unknown key an HMAC is still computed (with a dummy key) so that timing does not tell the two 401s
 * apart for HMAC-SM3 requests. nonce_fn must not be NULL.
 */
ccsp_reqauth_result ccsp_reqauth_verify(const ccsp_reqauth_parsed *p, const ccsp_reqauth_credential *cred,
                                        int64_t now, ccsp_reqauth_nonce_fn nonce_fn, void *nonce_arg);

/* ---- the client side (ccsp api sign/call, tests) ---- */

/* The header values of one signed request, NUL-terminated. */
typedef struct ccsp_reqauth_headers {
	char access_key[CCSP_REQAUTH_ACCESS_KEY_MAX + 1];
	char timestamp[CCSP_REQAUTH_TIMESTAMP_MAX + 1];
	char nonce[CCSP_REQAUTH_NONCE_MAX + 1];
	char signature[CCSP_REQAUTH_SIGNATURE_B64_MAX + 1];
	const char *alg; /* "HMAC-SM3" or "SM2-SM3" (always sent by the client, though optional for HMAC) */
} ccsp_reqauth_headers;

/* The canonical string of a request (public helper of the signer; the verifier builds its own in
 * ccsp_reqauth_parse). Every component is checked as the verifier checks it: CCSP_ERR_ARG when one is outside
 * its shape; CCSP_ERR_BUFFER_TOO_SMALL when cap is too small (CCSP_REQAUTH_CANONICAL_MAX + 1 always fits).
 * out is NUL-terminated; *outlen excludes the NUL. */
CCSP_MUST_CHECK ccsp_err ccsp_reqauth_canonical(const char *path, const char *timestamp, const char *nonce,
                                                const uint8_t *body, size_t body_len, char *out, size_t cap,
                                                size_t *outlen);

/*
 * Sign a POST to path with body at time now (>= 0) with alg, using cred->secret (HMAC-SM3) or cred->sm2_key
 * (SM2-SM3, private key). nonce NULL: a fresh one (32 lowercase hex digits of ccsp_random); else it must have
 * the nonce shape. CCSP_ERR_ARG for a bad access key, path, nonce or missing credential; the errors of
 * ccsp_random and the SM2 signer. out is wiped on failure.
 */
CCSP_MUST_CHECK ccsp_err ccsp_reqauth_sign(const char *access_key, const ccsp_reqauth_credential *cred,
                                           ccsp_reqauth_alg alg, const char *path, const uint8_t *body,
                                           size_t body_len, int64_t now, const char *nonce,
                                           ccsp_reqauth_headers *out);

/* ---- the in-memory nonce table (one node, tests) ---- */

/*
 * A time-windowed, capacity-bounded table of (access key, nonce) pairs, each kept until its timestamp + 300 s
 * is past. When it holds `capacity` live entries it answers CCSP_REQAUTH_NONCE_ERROR (-> 503) instead of
 * dropping one: forgetting a live nonce would let a captured request be replayed within its window, the one
 * thing the table exists to stop. An entry lives at most 600 s (a timestamp may be 300 s ahead), so size it at
 * 600 x the peak rate of signed requests. Entries are SM3(salt || access key || '\n' || nonce) under a random
 * per-table salt: 48 bytes each, and bucket positions a client cannot predict. Thread-safe (one mutex).
 */
typedef struct ccsp_reqauth_nonce_cache ccsp_reqauth_nonce_cache;

/* capacity 1..2^24. NULL on allocation or random-source failure. */
ccsp_reqauth_nonce_cache *ccsp_reqauth_nonce_cache_new(size_t capacity);
void ccsp_reqauth_nonce_cache_free(ccsp_reqauth_nonce_cache *c);
/* A ccsp_reqauth_nonce_fn: arg is the cache. */
ccsp_reqauth_nonce ccsp_reqauth_nonce_cache_check(void *cache, const char *access_key, const char *nonce,
                                                  int64_t timestamp, int64_t now);
/* Live entries (expired ones not yet swept may be counted). */
size_t ccsp_reqauth_nonce_cache_count(ccsp_reqauth_nonce_cache *c);

/* ---- Bearer session tokens ---- */

#define CCSP_REQAUTH_TOKEN_PREFIX "ccsp_"
#define CCSP_REQAUTH_TOKEN_LEN 48 /* "ccsp_" + 43 */

/* A fresh token (NUL-terminated) and its stored form SM3(token). The token is a secret: wipe it after handing it
 * out. On failure both outputs are wiped. */
CCSP_MUST_CHECK ccsp_err ccsp_reqauth_token_new(char token[CCSP_REQAUTH_TOKEN_LEN + 1],
                                                uint8_t stored[CCSP_SM3_DIGEST_SIZE]);
/* The stored form of a presented token: CCSP_ERR_DECODE unless it has exactly the token shape. */
CCSP_MUST_CHECK ccsp_err ccsp_reqauth_token_hash(const char *token, uint8_t stored[CCSP_SM3_DIGEST_SIZE]);
/* The stored form from an Authorization header value: "Bearer" (any case) + one space + a token. CCSP_ERR_DECODE
 * otherwise (another scheme, extra spaces, a malformed token). */
CCSP_MUST_CHECK ccsp_err ccsp_reqauth_bearer_hash(const char *authorization, uint8_t stored[CCSP_SM3_DIGEST_SIZE]);

#endif

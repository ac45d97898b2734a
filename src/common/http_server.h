/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one HTTPS/JSON serving layer of chsmd and ccspd: HTTP/1.1 with keep-alive over TLS 1.2/1.3 (OpenSSL 3),
 * and optionally over TLCP (GB/T 38636) on a port of its own, on libevent's evhttp, JSON through jansson. It routes, bounds and validates requests and writes answers; it
 * knows nothing of either daemon's authentication, envelope or semantics.
 *
 * A request goes through these steps, each answered through the caller's render_error when it refuses:
 *   1. route lookup on the exact raw path (no percent-decoding, no trailing-slash folding):
 *      unknown path -> 404; known path, other method -> 405 with "Allow: <methods of that path>".
 *   2. more than max_headers header fields, or a malformed query string (see ccsp_http_query_parse) -> 400.
 *   3. POST, PUT and PATCH only: ccsp_http_body_check (content type -> 415; empty, malformed JSON, duplicate
 *      member names, nesting deeper than max_json_depth, not an object -> 400). Other methods carry no body.
 *   4. authorize(role of the route) -> its refusal status (e.g. 403).
 *   5. the route's handler.
 * While the server drains (after ccsp_http_server_stop) every new request is answered 503 at step 1.
 *
 * What libevent answers itself, in its own small HTML page with "Connection: close" (render_error is not
 * called: libevent 2.1 offers no hook between the header and the body, nor on a request it cannot parse):
 * a request line or headers over max_header_bytes or malformed (400), a body over max_body (413: a declared
 * Content-Length over the limit is never stored, only read and discarded so that the client, still sending,
 * sees the answer; no "100 Continue" is sent for it; a chunked body is cut at the limit), a method libevent
 * does not know (400/501), and "Expect" other than 100-continue (417).
 *
 * Threads: one event-loop thread (the one in ccsp_http_server_run) owns the sockets and runs authorize,
 * render_error for the layer's own refusals, and the handlers. A handler answers at once or hands the request
 * to another thread (the task queue, taskq.h) and answers from there: the ccsp_http_respond_* functions are
 * callable from any thread; off the loop thread the answer is serialised there and queued, and the loop
 * writes it. Long work must never run on the loop thread.
 *
 * Bounds: max_connections open TLS and TLCP connections together (beyond, the listeners pause: new clients wait in
 * the kernel backlog until one closes); per connection one request at a time (pipelined requests wait); every read or
 * write stalls at most timeout_ms (also the keep-alive idle limit); header and body sizes as above; at most
 * CCSP_HTTP_MAX_QUERY_PARAMS query parameters in a query of at most CCSP_HTTP_MAX_QUERY bytes; with
 * rate_per_client, each client address's requests per second (a token bucket: beyond, 429 with Retry-After: 1,
 * before the request is routed, authenticated or logged further).
 *
 * The process must ignore SIGPIPE. libevent's own diagnostics are silenced: this layer prints nothing; it logs
 * one "http.request" line per answered request to cfg.log when one is given (log.h).
 */
#ifndef CCSP_COMMON_HTTP_SERVER_H
#define CCSP_COMMON_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <ccsp/error.h>

#include "common/log.h"

#define CCSP_HTTP_DEFAULT_MAX_BODY (1u << 20)
#define CCSP_HTTP_DEFAULT_MAX_CONNECTIONS 1024u
#define CCSP_HTTP_DEFAULT_MAX_HEADERS 64u
#define CCSP_HTTP_DEFAULT_MAX_HEADER_BYTES (16u << 10)
#define CCSP_HTTP_DEFAULT_MAX_JSON_DEPTH 32u
#define CCSP_HTTP_DEFAULT_TIMEOUT_MS 30000u
#define CCSP_HTTP_DEFAULT_DRAIN_TIMEOUT_MS 10000u
#define CCSP_HTTP_MAX_QUERY 4096u          /* bytes of the raw query string */
#define CCSP_HTTP_MAX_QUERY_PARAMS 32u
#define CCSP_HTTP_MAX_REQUEST_ID 128u      /* longest client requestId taken as such */
#define CCSP_HTTP_MAX_RESPONSE_HEADERS 8u  /* extra headers per answer (ccsp_http_response_header) */

struct event_base;
typedef struct ccsp_http_server ccsp_http_server;
typedef struct ccsp_http_request ccsp_http_request;

typedef struct ccsp_http_config {
	const char *listen;        /* "ADDR:PORT", numeric IPv4 or [IPv6]; port 0 = pick a free one */
	const char *cert_file;     /* PEM certificate chain */
	const char *key_file;      /* PEM private key, unencrypted */
	/* 0 = the CCSP_HTTP_DEFAULT_* value */
	size_t max_body;           /* bytes of a request body */
	unsigned max_connections;
	unsigned max_headers;      /* header fields per request */
	unsigned max_header_bytes; /* request line, and all header lines together */
	unsigned max_json_depth;   /* nesting of arrays and objects; {} is depth 1 */
	unsigned timeout_ms;       /* a read or write stalled this long closes the connection; keep-alive idle */
	unsigned drain_timeout_ms; /* after stop: how long answered-but-unsent responses may wait for slow peers */
	unsigned rate_per_client;  /* requests per second one client address may make (0: no limit); beyond, 429 */
	unsigned rate_burst;       /* ... in bursts of up to this many (0: 2 x rate_per_client); common/ratelimit.h */
	ccsp_log *log;             /* access log, or NULL; not owned, must outlive the server */
	/* Optional second listener speaking TLCP (GB/T 38636, http_tlcp.c): the same routes, callbacks and limits
	 * (max_connections counts both listeners' connections together; timeout_ms also bounds the handshake). NULL:
	 * none, and the tlcp_* files are not read. */
	const char *tlcp_listen;   /* "ADDR:PORT" as listen; port 0 = pick a free one */
	const char *tlcp_sign_cert, *tlcp_sign_key; /* PEM SM2 signing certificate (then its chain) and its key */
	const char *tlcp_enc_cert, *tlcp_enc_key;   /* PEM SM2 encryption certificate and its key */
	const char *tlcp_ca_file;  /* trust anchors for client certificates; NULL: none (ECC suites only) */
	int tlcp_verify;           /* client certificates: 0 not asked, 1 optional, 2 required (needs tlcp_ca_file) */
} ccsp_http_config;

/* A handler: parse and validate req, call the module, answer with exactly one ccsp_http_respond_* (now, or
 * later from any thread). arg is ccsp_http_callbacks.arg (the daemon's context). */
typedef void (*ccsp_http_handler)(void *arg, ccsp_http_request *req);

/* One line of the route table: method + exact path -> handler, and the route's role (opaque to the layer,
 * handed to authorize: e.g. chsmd's guest/trusted, ccspd's required permission). */
typedef struct ccsp_http_route {
	const char *method; /* "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS" */
	const char *path;   /* e.g. "/api/1.0/chsm/status"; starts with '/' */
	ccsp_http_handler handler;
	int role;
} ccsp_http_route;

typedef struct ccsp_http_callbacks {
	void *arg;
	/* Loop thread, after the body checks, before the handler. Return 0 to let the request through, or an
	 * HTTP status (400..599) to refuse it with *message (a string that stays valid until the call returns;
	 * *message starts as "forbidden"). May attach an identity with ccsp_http_req_set_user. Must be quick (a
	 * signature check is fine; anything slower belongs in the handler's task). NULL = every request passes. */
	int (*authorize)(void *arg, ccsp_http_request *req, int role, const char **message);
	/* The daemon's error envelope: a new JSON value for an answer with this status and message (the layer's
	 * own refusals and ccsp_http_respond_error). req is fully readable except that json, client id or query
	 * may be missing when the refusal came before they were parsed. Runs on the thread that answers (the loop
	 * for the layer's refusals): thread-safe. NULL, or a NULL result, gives {"status":N,"message":"..."}. */
	json_t *(*render_error)(void *arg, const ccsp_http_request *req, int status, const char *message);
	/* Loop thread, once per answer as it is written (also the layer's own refusals; not what libevent answers
	 * itself): for metrics. route_known: the path is one of the route table's. Must be quick. May be NULL. */
	void (*answered)(void *arg, const ccsp_http_request *req, int status, int route_known);
} ccsp_http_callbacks;

/* Create the server: check the route table, load the certificate and key (TLS 1.2 and 1.3 only, ECDHE AEAD
 * suites for 1.2), bind and listen. Nothing is served until ccsp_http_server_run. cfg's strings are copied;
 * the route table is copied, but its strings must outlive the server (a static table); cb is copied.
 * With tlcp_listen, the TLCP configuration is loaded (common/tlcp_pem.h) and a second port bound the same way.
 * Errors: CCSP_ERR_ARG (NULL or malformed argument, a route with an unknown method, a path not starting with
 * '/', a NULL handler, a method+path given twice, limits too large, tlcp_listen without its four files,
 * tlcp_verify out of range or above 0 without tlcp_ca_file), CCSP_ERR_FILE_NOT_FOUND (certificate or key missing), CCSP_ERR_DECODE (not PEM or an encrypted key), CCSP_ERR_KEY (key does not match the
 * certificate), CCSP_ERR_IO (bind or listen failed, e.g. port in use: errno is kept), CCSP_ERR_NOMEM,
 * CCSP_ERR_INTERNAL (libevent or OpenSSL setup). */
CCSP_MUST_CHECK ccsp_err ccsp_http_server_new(const ccsp_http_config *cfg, const ccsp_http_route *routes,
                                              size_t n_routes, const ccsp_http_callbacks *cb,
                                              ccsp_http_server **out);
/* The bound TCP port (the chosen one for port 0). */
int ccsp_http_server_port(const ccsp_http_server *srv);
/* The TLCP listener's bound port; 0 without tlcp_listen. */
int ccsp_http_server_tlcp_port(const ccsp_http_server *srv);
/* The event loop, for the daemon's own timers and events on the loop thread (e.g. child-process watch). */
struct event_base *ccsp_http_server_base(ccsp_http_server *srv);
/* Serve on the calling thread until ccsp_http_server_stop; then drain: close the listener, answer 503 to new
 * requests on open connections, wait until every request handed to a handler is answered (handlers must
 * answer: there is no bound on them), wait up to drain_timeout_ms for the answers to reach slow peers, close
 * every connection and return CCSP_OK. Once only: CCSP_ERR_STATE when it already ran. */
CCSP_MUST_CHECK ccsp_err ccsp_http_server_run(ccsp_http_server *srv);
/* Ask ccsp_http_server_run to drain and return. Thread-safe and async-signal-safe (a byte on a pipe): call it
 * from a SIGTERM handler. Before run, run drains at once. */
void ccsp_http_server_stop(ccsp_http_server *srv);
/* Free everything. Not while ccsp_http_server_run runs. NULL is ignored. */
void ccsp_http_server_free(ccsp_http_server *srv);

/* ---- the request (valid from the handler call until its answer; readable by whichever thread holds it) --- */

const char *ccsp_http_req_method(const ccsp_http_request *req);
/* The raw path of the request target, without the query. */
const char *ccsp_http_req_path(const ccsp_http_request *req);
/* The matched route's role; -1 before routing (404/405 refusals). */
int ccsp_http_req_role(const ccsp_http_request *req);
/* Decoded query parameter (see ccsp_http_query_parse), or NULL when absent. */
const char *ccsp_http_req_query(const ccsp_http_request *req, const char *name);
/* The decoded query parameters in byte order of their names (what GM/T 0088 §6.4 signs): count, and the i-th;
 * CCSP_ERR_ARG when i >= count. */
size_t ccsp_http_req_query_count(const ccsp_http_request *req);
CCSP_MUST_CHECK ccsp_err ccsp_http_req_query_at(const ccsp_http_request *req, size_t i, const char **name,
                                                const char **value);
/* The first header field of that name (case-insensitive), or NULL. */
/* How many header fields of this name (any case) the request carries: a caller whose header must be unique
 * (a signature header) refuses a request with two. */
size_t ccsp_http_req_header_count(const ccsp_http_request *req, const char *name);
const char *ccsp_http_req_header(const ccsp_http_request *req, const char *name);
/* The body bytes exactly as received (what signatures cover); *len may be 0. The buffer has a NUL after the
 * last byte, but the body itself may contain NUL bytes. Never NULL. */
const uint8_t *ccsp_http_req_body(const ccsp_http_request *req, size_t *len);
/* The parsed body (always an object), borrowed; NULL for methods without a body. */
json_t *ccsp_http_req_json(const ccsp_http_request *req);
/* "ADDR:PORT" of the client ("[v6]:port" for IPv6). */
const char *ccsp_http_req_peer(const ccsp_http_request *req);
/* The id this server generated for the request (a UUID), unique in the logs. */
const char *ccsp_http_req_id(const ccsp_http_request *req);
/* The client's requestId: the body's "requestId" member when it is a string, else the query's requestId;
 * taken only when it is 1..CCSP_HTTP_MAX_REQUEST_ID printable ASCII characters (0x20..0x7e). NULL otherwise. */
const char *ccsp_http_req_client_id(const ccsp_http_request *req);
/* The client's requestId when there is one, else the generated id: what an envelope echoes. */
const char *ccsp_http_req_echo_id(const ccsp_http_request *req);
/* When the request was complete (wall clock, ms since 1970), and the milliseconds since (monotonic). */
int64_t ccsp_http_req_start_unix_ms(const ccsp_http_request *req);
uint64_t ccsp_http_req_elapsed_ms(const ccsp_http_request *req);
/* One pointer for authorize -> handler (e.g. the authenticated principal); free_fn (may be NULL) runs when the
 * request is freed after its answer. Setting again frees the previous one. */
void ccsp_http_req_set_user(ccsp_http_request *req, void *user, void (*free_fn)(void *));
void *ccsp_http_req_user(const ccsp_http_request *req);

/* The bytes of the answer's body: for the answered callback (0 before the answer, and for an empty body). */
size_t ccsp_http_req_response_bytes(const ccsp_http_request *req);

/* ---- answers: exactly one per request, from any thread; req must not be touched afterwards ---- */

/* An extra response header (before the answer). CCSP_ERR_ARG for a name or value with CR/LF or an empty
 * name, CCSP_ERR_LIMIT beyond CCSP_HTTP_MAX_RESPONSE_HEADERS, CCSP_ERR_NOMEM. */
CCSP_MUST_CHECK ccsp_err ccsp_http_response_header(ccsp_http_request *req, const char *name, const char *value);
/* Answer status (100..599) with body serialised as compact JSON (UTF-8; body is borrowed and may be freed
 * once this returns), "Content-Type: application/json; charset=utf-8", "Cache-Control: no-store". On
 * allocation failure the answer becomes a bare 500. */
void ccsp_http_respond_json(ccsp_http_request *req, int status, const json_t *body);
/* Answer with render_error(status, message) (message: valid during the call). */
void ccsp_http_respond_error(ccsp_http_request *req, int status, const char *message);
/* Answer with raw bytes of the given content type (copied). */
void ccsp_http_respond_raw(ccsp_http_request *req, int status, const char *content_type, const void *data,
                           size_t len);

/* ---- the pure parsers behind the checks (no I/O; fuzzed: tests/fuzz/fuzz_json_body.c) ---- */

/* 1 when content_type is application/json (case-insensitive), optionally followed by parameters
 * (";" name "=" token-or-quoted-string, any charset accepted), with optional blanks around; else 0.
 * NULL is 0. */
int ccsp_http_content_type_is_json(const char *content_type);
/* 1 when no array or object in body nests deeper than max_depth (brackets counted outside JSON strings,
 * before any parsing, so a deep body costs one linear scan), else 0. */
int ccsp_http_json_depth_ok(const uint8_t *body, size_t len, unsigned max_depth);
/* The body checks of step 3. Returns 0 and *out = the parsed object (a new reference), or the refusal:
 * 415 (content type not JSON) or 400 (empty, too deep, malformed, duplicate member names, NUL in a string,
 * invalid UTF-8, not an object), with *out = NULL and *message a static English reason. */
int ccsp_http_body_check(const char *content_type, const uint8_t *body, size_t len, unsigned max_depth,
                         json_t **out, const char **message);

typedef struct ccsp_http_param {
	char *name, *value;
} ccsp_http_param;

/* Parse a raw query string (the part after '?', len bytes, no NUL needed) as application/x-www-form-urlencoded:
 * '&'-separated name[=value] pairs (empty pairs skipped, a pair without '=' has value ""), "%XX" and '+'
 * (space) decoded. Refused: a bad escape, a decoded NUL, an empty name, a name given twice (CCSP_ERR_DECODE);
 * over CCSP_HTTP_MAX_QUERY bytes or CCSP_HTTP_MAX_QUERY_PARAMS parameters (CCSP_ERR_LIMIT). On success *out
 * (free with ccsp_http_params_free; NULL when *count is 0) holds the parameters sorted by name (bytes). */
CCSP_MUST_CHECK ccsp_err ccsp_http_query_parse(const char *query, size_t len, ccsp_http_param **out,
                                               size_t *count);
void ccsp_http_params_free(ccsp_http_param *params, size_t count);

#endif

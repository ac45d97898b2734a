/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal (not installed): the TLCP handshake and connection object (GB/T 38636-2020, GM/T 0024-2014), on the
 * record layer and key schedule of tlcp.h. docs/tlcp.md describes every message byte by byte and where each
 * wire-format decision comes from.
 *
 * A connection never touches a socket (memory-BIO style), so a libevent daemon and a blocking client drive it
 * the same way:
 *
 *     conn = ccsp_tlcp_conn_new(cfg, is_server);
 *     loop:
 *         e = ccsp_tlcp_conn_handshake(conn, &done);           (later: read() / write())
 *         send everything ccsp_tlcp_conn_out() gives, then ccsp_tlcp_conn_out_consume()
 *         if e != CCSP_OK: close the transport (an alert is in the output already)
 *         if !done: receive bytes, ccsp_tlcp_conn_feed() them
 *
 * Errors (the project's one enum): CCSP_ERR_ARG for a NULL pointer or a value out of range; CCSP_ERR_STATE for
 * a call that does not fit the connection's state (write() before the handshake is done, set_session() after
 * it started); CCSP_ERR_NOMEM. A refusal of the peer is final (every later call returns the same error) and
 * leaves a fatal alert in the output: CCSP_ERR_PROTOCOL (malformed or unexpected message, a fatal alert
 * received, unsupported parameters), CCSP_ERR_AUTH (certificate refused, bad Finished, bad record MAC, failed
 * decryption of the premaster), CCSP_ERR_SIGNATURE (ServerKeyExchange or CertificateVerify signature),
 * CCSP_ERR_KEY_EXCHANGE (an ephemeral point refused by the SM2 key exchange). ccsp_tlcp_conn_alert_sent() and
 * ccsp_tlcp_conn_alert_received() name the alerts.
 *
 * Threads: a connection belongs to one thread at a time. A configuration is read-only once a connection uses
 * it and may then be shared by connections in any number of threads (its session cache has its own lock).
 */
#ifndef CCSP_TLCP_CONN_H
#define CCSP_TLCP_CONN_H

#include <ccsp/sm2.h>

#include "tlcp.h"

/* Alert descriptions beyond tlcp.h's (GM/T 0024-2014 clause 6.4.4.2; TLS values). */
enum {
	CCSP_TLCP_ALERT_CLOSE_NOTIFY = 0,
	CCSP_TLCP_ALERT_HANDSHAKE_FAILURE = 40,
	CCSP_TLCP_ALERT_BAD_CERTIFICATE = 42,
	CCSP_TLCP_ALERT_UNSUPPORTED_CERTIFICATE = 43,
	CCSP_TLCP_ALERT_CERTIFICATE_EXPIRED = 45,
	CCSP_TLCP_ALERT_CERTIFICATE_UNKNOWN = 46,
	CCSP_TLCP_ALERT_ILLEGAL_PARAMETER = 47,
	CCSP_TLCP_ALERT_UNKNOWN_CA = 48,
	CCSP_TLCP_ALERT_DECRYPT_ERROR = 51,
	CCSP_TLCP_ALERT_NO_RENEGOTIATION = 100,
};

/* Client authentication asked by a server. ECDHE suites always ask for the client's certificates: the SM2 key
 * exchange needs the client's encryption key. */
typedef enum ccsp_tlcp_client_auth {
	CCSP_TLCP_CLIENT_AUTH_NONE = 0,
	CCSP_TLCP_CLIENT_AUTH_OPTIONAL = 1, /* CertificateRequest sent; an empty Certificate is accepted */
	CCSP_TLCP_CLIENT_AUTH_REQUIRED = 2  /* an empty Certificate is refused with handshake_failure */
} ccsp_tlcp_client_auth;

#define CCSP_TLCP_MAX_CERTS 10     /* certificates in one Certificate message (sign, enc, 8 of chain) */
#define CCSP_TLCP_MAX_TRUST 32     /* trust anchors and extra chain certificates, each */
#define CCSP_TLCP_MAX_HS_MSG 65536 /* largest handshake message body accepted */

/* ---- configuration ---- */

typedef struct ccsp_tlcp_config ccsp_tlcp_config;

/* A new empty configuration (all four suites, ECC first; no client authentication; no session cache), refcount 1.
 * NULL when out of memory. free() drops one reference: connections hold one each. */
ccsp_tlcp_config *ccsp_tlcp_config_new(void);
void ccsp_tlcp_config_free(ccsp_tlcp_config *cfg);

/* This side's signing (sign = 1) or encryption (sign = 0) certificate (DER, copied) and its SM2 private key (its
 * private part is copied into a key of the configuration's own). A server needs both; a client needs both for
 * ECDHE suites and for client authentication. CCSP_ERR_DECODE / CCSP_ERR_UNSUPPORTED for a certificate
 * ccsp_x509_cert_parse() refuses; CCSP_ERR_KEY when key has no private part or does not match the certificate. */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_config_set_cert(ccsp_tlcp_config *cfg, int sign, const uint8_t *der, size_t len,
                                                   const ccsp_sm2_key *key);
/* An intermediate CA certificate sent after the two own certificates (at most CCSP_TLCP_MAX_TRUST). */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_config_add_chain(ccsp_tlcp_config *cfg, const uint8_t *der, size_t len);
/* A trust anchor for the peer's certificates (at most CCSP_TLCP_MAX_TRUST). Without any, no peer certificate is
 * accepted (unknown_ca). */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_config_add_trust(ccsp_tlcp_config *cfg, const uint8_t *der, size_t len);
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_config_set_client_auth(ccsp_tlcp_config *cfg, ccsp_tlcp_client_auth mode);
/* Allowed suites in preference order (1..4 known code points, no repeats; CCSP_ERR_UNSUPPORTED for another).
 * A server picks its first suite that the client offers. */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_config_set_suites(ccsp_tlcp_config *cfg, const uint16_t *suites, size_t n);
/* Server session cache: up to `size` sessions (0: none, the default; at most 1,000,000) resumable for
 * `lifetime` seconds (>= 1). */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_config_set_session_cache(ccsp_tlcp_config *cfg, size_t size, int64_t lifetime);
/* Client: the name the server's signing certificate must carry in its SAN (a dNSName, "*." wildcards matching
 * one label, or an IPv4/IPv6 iPAddress when name is an address literal). NULL: not checked. */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_config_set_server_name(ccsp_tlcp_config *cfg, const char *name);
/* The clock for certificate validity and session lifetime (seconds since the epoch); NULL: time(). */
void ccsp_tlcp_config_set_time(ccsp_tlcp_config *cfg, int64_t (*now)(void *arg), void *arg);

/* ---- sessions (client side resumption) ---- */

typedef struct ccsp_tlcp_session ccsp_tlcp_session;

/* Forget a session (its master secret is wiped). NULL is ignored. */
void ccsp_tlcp_session_free(ccsp_tlcp_session *s);

/* ---- connection ---- */

typedef struct ccsp_tlcp_conn ccsp_tlcp_conn;

typedef enum ccsp_tlcp_state {
	CCSP_TLCP_STATE_HANDSHAKE = 0,   /* handshake in progress */
	CCSP_TLCP_STATE_ESTABLISHED = 1, /* application data both ways */
	CCSP_TLCP_STATE_PEER_CLOSED = 2, /* close_notify received: read() has nothing more */
	CCSP_TLCP_STATE_CLOSED = 3,      /* close() called: write() refused */
	CCSP_TLCP_STATE_FAILED = 4       /* fatal error: see the alerts */
} ccsp_tlcp_state;

/* A new connection with cfg (one reference taken): a server (is_server = 1) or a client. NULL when out of
 * memory or when cfg cannot serve that side (a server without both certificates and keys). */
ccsp_tlcp_conn *ccsp_tlcp_conn_new(ccsp_tlcp_config *cfg, int is_server);
/* Wipe and free (secrets, buffers); NULL is ignored. */
void ccsp_tlcp_conn_free(ccsp_tlcp_conn *c);

/* Client, before the first handshake() call: the expected server name (overrides the configuration's) and a
 * session to offer for resumption (copied; an unknown or expired one gives a full handshake). */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_conn_set_server_name(ccsp_tlcp_conn *c, const char *name);
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_conn_set_session(ccsp_tlcp_conn *c, const ccsp_tlcp_session *s);
/* After the handshake: a copy of the session (client side, to resume later), NULL when there is none (no
 * session ID from the server) or when out of memory. */
ccsp_tlcp_session *ccsp_tlcp_conn_get_session(const ccsp_tlcp_conn *c);

/* Take up to len received bytes; *consumed says how many (fewer when the input buffer, about 64 KiB and a record, is
 * full: process with handshake() or read() and feed the rest). Bytes after a failure are refused with the
 * failure's error. */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_conn_feed(ccsp_tlcp_conn *c, const uint8_t *in, size_t len, size_t *consumed);

/* Receiving without a copy: *p and *cap give the free space at the end of the connection's input buffer (about
 * 64 KiB plus a record; *cap is 0 when it is full — call handshake() or read() first — or after a failure); the
 * caller receives up to *cap bytes there and commits the count it got, which is then as if fed. *p stays valid until
 * the next call on c. commit(): CCSP_ERR_ARG for more than *cap; after a failure its error; after close_notify the
 * bytes are dropped. */
void ccsp_tlcp_conn_in_space(ccsp_tlcp_conn *c, uint8_t **p, size_t *cap);
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_conn_in_commit(ccsp_tlcp_conn *c, size_t n);

/* The bytes waiting to be sent (*p stays valid until the next call on c other than out()) and their count. */
void ccsp_tlcp_conn_out(const ccsp_tlcp_conn *c, const uint8_t **p, size_t *len);
/* Drop the first n (<= pending) bytes after they were sent. */
void ccsp_tlcp_conn_out_consume(ccsp_tlcp_conn *c, size_t n);

/* Start or advance the handshake with the bytes fed so far. CCSP_OK with *done = 1 when it is complete (then
 * also later), *done = 0 when it waits for the peer. A client's first call writes its ClientHello. */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_conn_handshake(ccsp_tlcp_conn *c, int *done);

/* Application data received: CCSP_OK with *n bytes (0: none yet — feed more — or, in state PEER_CLOSED, no more).
 * Empty records are skipped. A HelloRequest or ClientHello after the handshake is refused (no_renegotiation,
 * fatal), any other handshake message with unexpected_message. */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_conn_read(ccsp_tlcp_conn *c, uint8_t *buf, size_t cap, size_t *n);
/* Protect len bytes (records of at most 2^14; len 0 sends one empty record) into the output. CCSP_ERR_STATE
 * before the handshake is done or after close(). */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_conn_write(ccsp_tlcp_conn *c, const uint8_t *data, size_t len);
/* Queue close_notify; write() is refused afterwards. A second call does nothing; after a failure: its error. */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_conn_close(ccsp_tlcp_conn *c);

ccsp_tlcp_state ccsp_tlcp_conn_state(const ccsp_tlcp_conn *c);
/* The negotiated suite (0 before ServerHello) and whether the session was resumed (abbreviated handshake). */
uint16_t ccsp_tlcp_conn_suite(const ccsp_tlcp_conn *c);
int ccsp_tlcp_conn_resumed(const ccsp_tlcp_conn *c);
/* The peer's certificates as it sent them (0: signing, 1: encryption when sent, then its chain); none for a
 * client that sent no certificate. After resumption: those of the original handshake. */
size_t ccsp_tlcp_conn_peer_cert_count(const ccsp_tlcp_conn *c);
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_conn_peer_cert(const ccsp_tlcp_conn *c, size_t i, const uint8_t **der, size_t *len);
/* The fatal alert this side sent, or received (CCSP_TLCP_ALERT_NONE: none). */
uint8_t ccsp_tlcp_conn_alert_sent(const ccsp_tlcp_conn *c);
uint8_t ccsp_tlcp_conn_alert_received(const ccsp_tlcp_conn *c);
/* An alert's name as RFC 5246 clause 7.2 and GM/T 0024-2014 clause 6.4.4.2 give it ("handshake_failure"), or NULL
 * for a code without one. */
const char *ccsp_tlcp_alert_name(uint8_t alert);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to src/tlcp: the configuration, session and connection objects and the handshake's helpers. */
#ifndef CCSP_TLCP_HS_INTERNAL_H
#define CCSP_TLCP_HS_INTERNAL_H

#include <pthread.h>

#include <ccsp/x509.h>

#include "tlcp_conn.h"

/* Handshake message types (GM/T 0024-2014 clause 6.4.5.1). */
enum {
	TLCP_HELLO_REQUEST = 0,
	TLCP_CLIENT_HELLO = 1,
	TLCP_SERVER_HELLO = 2,
	TLCP_CERTIFICATE = 11,
	TLCP_SERVER_KEY_EXCHANGE = 12,
	TLCP_CERTIFICATE_REQUEST = 13,
	TLCP_SERVER_HELLO_DONE = 14,
	TLCP_CERTIFICATE_VERIFY = 15,
	TLCP_CLIENT_KEY_EXCHANGE = 16,
	TLCP_FINISHED = 20,
};

#define TLCP_SESSION_ID_MAX 32
#define TLCP_CURVE_SM2 41            /* NamedCurve curveSM2 (RFC 8998 clause 2, IANA TLS Supported Groups) */
#define TLCP_CURVE_TYPE_NAMED 3      /* ECCurveType named_curve (RFC 4492 clause 5.4) */
#define TLCP_CERT_TYPE_ECDSA_SIGN 64 /* ClientCertificateType ecdsa_sign (GM/T 0024 clause 6.4.5.5) */
#define TLCP_ECDHE_PARAMS_SIZE (4 + CCSP_SM2_POINT_SIZE)

/* Internal handshake states. */
enum {
	HS_CLIENT_START,
	HS_CLIENT_WAIT_SH,
	HS_CLIENT_WAIT_CERT,
	HS_CLIENT_WAIT_SKE,
	HS_CLIENT_WAIT_CR_OR_SHD,
	HS_CLIENT_WAIT_SHD,
	HS_SERVER_WAIT_CH,
	HS_SERVER_WAIT_CERT,
	HS_SERVER_WAIT_CKE,
	HS_SERVER_WAIT_CV,
	HS_WAIT_CCS, /* both sides: the peer's ChangeCipherSpec */
	HS_WAIT_FINISHED,
	HS_DONE,
};

/* A session: what resumption needs, and the peer's certificates for the queries. */
struct ccsp_tlcp_session {
	uint8_t id[TLCP_SESSION_ID_MAX];
	size_t id_len;
	uint16_t suite;
	uint8_t master[CCSP_TLCP_MASTER_SIZE];
	int64_t created;
	uint8_t *certs; /* the peer's Certificate message body (certificate_list with its 3-byte length), or NULL */
	size_t certs_len;
};

typedef struct tlcp_cache {
	pthread_mutex_t lock;
	size_t size;
	int64_t lifetime;
	ccsp_tlcp_session *slots; /* size entries; id_len == 0: free */
} tlcp_cache;

typedef struct tlcp_blob {
	uint8_t *p;
	size_t len;
} tlcp_blob;

struct ccsp_tlcp_config {
	int refs;         /* atomic */
	tlcp_blob own[2]; /* [0] signing, [1] encryption certificate */
	ccsp_sm2_key *key[2];
	tlcp_blob chain[CCSP_TLCP_MAX_TRUST];
	size_t n_chain;
	tlcp_blob trust_der[CCSP_TLCP_MAX_TRUST];
	ccsp_x509_cert trust[CCSP_TLCP_MAX_TRUST];
	size_t n_trust;
	ccsp_tlcp_client_auth client_auth;
	uint16_t suites[4];
	size_t n_suites;
	char *server_name;
	int64_t (*now)(void *);
	void *now_arg;
	tlcp_cache *cache;
};

/* A growable byte buffer; oom is sticky. */
typedef struct tlcp_buf {
	uint8_t *p;
	size_t len, cap;
	int oom;
} tlcp_buf;

/* A bounded reader: pointer, length, cursor. A failed read sets bad and returns 0-filled values. */
typedef struct tlcp_rd {
	const uint8_t *p;
	size_t len, pos;
	int bad;
} tlcp_rd;

/* The input buffer: what one recv takes (64 KiB, as OpenSSL's read-ahead) beside a partial record. */
#define TLCP_IN_RECORD (CCSP_TLCP_HEADER_SIZE + CCSP_TLCP_MAX_CIPHERTEXT) /* largest record received */
#define TLCP_IN_CAP ((64u << 10) + TLCP_IN_RECORD)

struct ccsp_tlcp_conn {
	ccsp_tlcp_config *cfg;
	int is_server;
	ccsp_tlcp_record *rec;
	ccsp_tlcp_state state;
	int hs;       /* HS_* */
	ccsp_err err; /* final error once failed */
	uint8_t alert_sent, alert_recv;
	int sent_close;
	/* input: records are opened where they were received, in[in_off..in_off + in_len) not yet opened */
	uint8_t *in;
	size_t in_off, in_len;
	tlcp_buf msg; /* a handshake message being assembled from records */
	/* application data received, not yet read: decrypted in place inside in[0..in_off) */
	uint8_t *app;
	size_t app_len;
	tlcp_buf out;
	/* the handshake */
	const ccsp_tlcp_suite *suite;
	uint16_t offered[4]; /* client: the suites of its ClientHello */
	size_t n_offered;
	uint8_t client_random[CCSP_TLCP_RANDOM_SIZE], server_random[CCSP_TLCP_RANDOM_SIZE];
	uint8_t sid[TLCP_SESSION_ID_MAX];
	size_t sid_len;
	ccsp_tlcp_session *offer; /* client: the session offered */
	int resumed;
	ccsp_sm3_ctx transcript;
	uint8_t hash_before[CCSP_SM3_DIGEST_SIZE]; /* the transcript before a received CertificateVerify or Finished */
	uint8_t master[CCSP_TLCP_MASTER_SIZE];
	ccsp_tlcp_key_block kb;
	ccsp_sm2_kex *kex;
	uint8_t peer_eph[CCSP_SM2_POINT_SIZE]; /* client: the server's ephemeral point */
	ccsp_sm2_key *peer_key[2];             /* the peer's signing and encryption public keys */
	uint8_t *peer_certs;                   /* the peer's Certificate body */
	size_t peer_certs_len;
	size_t n_peer;
	tlcp_blob peer_cert[CCSP_TLCP_MAX_CERTS]; /* point into peer_certs */
	int cert_requested;                       /* a CertificateRequest was sent (server) or received (client) */
	int send_own_certs;                       /* client: it answers the request with its certificates */
	char *server_name;
};

/* ---- tlcp_hs_msg.c: bounded reader, buffer writer, the messages' fixed parts ---- */
void tlcp_rd_init(tlcp_rd *r, const uint8_t *p, size_t len);
unsigned tlcp_rd_u8(tlcp_rd *r);
unsigned tlcp_rd_u16(tlcp_rd *r);
size_t tlcp_rd_u24(tlcp_rd *r);
const uint8_t *tlcp_rd_bytes(tlcp_rd *r, size_t n);
/* A vector with a 1-, 2- or 3-byte length prefix, of min..max bytes, as a sub-reader. */
void tlcp_rd_vec(tlcp_rd *r, int prefix, size_t min, size_t max, tlcp_rd *sub);
/* 1 when every byte was read and no read failed. */
int tlcp_rd_done(const tlcp_rd *r);
/* Hello extensions (absent, or a 2-byte-length list of type || 2-byte-length data) checked for form and ignored;
 * 1 when well-formed and the reader is then at its end. */
int tlcp_skip_extensions(tlcp_rd *r);

void tlcp_buf_put(tlcp_buf *b, const void *p, size_t n);
void tlcp_buf_u8(tlcp_buf *b, unsigned v);
void tlcp_buf_u16(tlcp_buf *b, unsigned v);
void tlcp_buf_u24(tlcp_buf *b, size_t v);
void tlcp_buf_free(tlcp_buf *b);
/* Room for n more bytes at p + len (sets oom when it cannot grow). */
int tlcp_buf_reserve(tlcp_buf *b, size_t n);

/* Split a certificate_list (3-byte length, then 3-byte-length-prefixed DER certificates, each 1..16384 bytes) into
 * at most CCSP_TLCP_MAX_CERTS spans. CCSP_ERR_DECODE when malformed, CCSP_ERR_LIMIT when too many. */
CCSP_MUST_CHECK ccsp_err tlcp_cert_list_split(const uint8_t *p, size_t len, tlcp_blob *certs, size_t *n);
/* SM2 signature with the default ID over msg, DER-encoded (at most CCSP_SM2_SIGNATURE_DER_MAX bytes). */
CCSP_MUST_CHECK ccsp_err tlcp_sign(const ccsp_sm2_key *key, const uint8_t *msg, size_t len, uint8_t *der,
                                   size_t *derlen);
/* CCSP_OK or CCSP_ERR_SIGNATURE (also for a malformed DER signature). */
CCSP_MUST_CHECK ccsp_err tlcp_verify(const ccsp_sm2_key *key, const uint8_t *msg, size_t len, const uint8_t *der,
                                     size_t derlen);

/* ---- tlcp_conn.c: what the handshake files use ---- */
/* Fatal: remember err, queue the alert (unless CCSP_TLCP_ALERT_NONE), refuse everything after. Returns err. */
ccsp_err tlcp_fail(ccsp_tlcp_conn *c, ccsp_err err, uint8_t alert);
/* Send one handshake message (type, body) and add it to the transcript. */
CCSP_MUST_CHECK ccsp_err tlcp_send_hs(ccsp_tlcp_conn *c, uint8_t type, const uint8_t *body, size_t len);
/* Send ChangeCipherSpec and switch the write side to c->kb. */
CCSP_MUST_CHECK ccsp_err tlcp_send_ccs(ccsp_tlcp_conn *c);
/* Send Finished (verify_data over the transcript so far). */
CCSP_MUST_CHECK ccsp_err tlcp_send_finished(ccsp_tlcp_conn *c);
/* The handshake is complete: state ESTABLISHED, handshake secrets but the master secret wiped. */
void tlcp_hs_done(ccsp_tlcp_conn *c);
/* SM3 of the transcript so far. */
CCSP_MUST_CHECK ccsp_err tlcp_transcript_hash(const ccsp_tlcp_conn *c, uint8_t h[CCSP_SM3_DIGEST_SIZE]);
/* master secret from the premaster, then the key block. The premaster is not wiped here. */
CCSP_MUST_CHECK ccsp_err tlcp_derive(ccsp_tlcp_conn *c, const uint8_t pre[CCSP_TLCP_PRE_MASTER_SIZE]);
/* The key block from c->master. */
CCSP_MUST_CHECK ccsp_err tlcp_derive_keys(ccsp_tlcp_conn *c);
int64_t tlcp_now(const ccsp_tlcp_config *cfg);

/* ---- tlcp_hs_cert.c: the peer's certificates ---- */
/* Take the peer's Certificate body: split, parse, verify the signing certificate (slot 0) and, when present or
 * need_enc, the encryption certificate (slot 1) against the trust store; keep copies and the public keys.
 * Fails the connection with the right alert. check_name: the client checks the server name. */
CCSP_MUST_CHECK ccsp_err tlcp_take_peer_certs(ccsp_tlcp_conn *c, const uint8_t *body, size_t len, int need_enc);
/* Restore the peer's certificates of a resumed session (already verified then). */
CCSP_MUST_CHECK ccsp_err tlcp_restore_peer_certs(ccsp_tlcp_conn *c, const ccsp_tlcp_session *s);
/* This side's Certificate body: signing, encryption, then the chain. */
CCSP_MUST_CHECK ccsp_err tlcp_own_cert_list(const ccsp_tlcp_config *cfg, tlcp_buf *b);

/* ---- tlcp_session.c ---- */
CCSP_MUST_CHECK ccsp_err tlcp_cache_new(tlcp_cache **out, size_t size, int64_t lifetime);
void tlcp_cache_free(tlcp_cache *cache);
/* Look id up: CCSP_OK with a copy in *out, CCSP_ERR_NOT_FOUND when absent or expired. */
CCSP_MUST_CHECK ccsp_err tlcp_cache_get(tlcp_cache *cache, const uint8_t *id, size_t id_len, int64_t now,
                                        ccsp_tlcp_session *out);
ccsp_err tlcp_cache_put(tlcp_cache *cache, const ccsp_tlcp_session *s);
void tlcp_cache_remove(tlcp_cache *cache, const uint8_t *id, size_t id_len);
/* Copy src into dst (certificates duplicated); wipe a session's contents (not the struct's storage). */
CCSP_MUST_CHECK ccsp_err tlcp_session_copy(ccsp_tlcp_session *dst, const ccsp_tlcp_session *src);
void tlcp_session_clear(ccsp_tlcp_session *s);
/* The session of this connection (after its handshake). */
CCSP_MUST_CHECK ccsp_err tlcp_session_of(const ccsp_tlcp_conn *c, ccsp_tlcp_session *s);

/* ---- tlcp_hs_client.c / tlcp_hs_server.c ---- */
CCSP_MUST_CHECK ccsp_err tlcp_client_start(ccsp_tlcp_conn *c);
/* One whole handshake message (type, body) for the client's / server's state machine. */
CCSP_MUST_CHECK ccsp_err tlcp_client_msg(ccsp_tlcp_conn *c, uint8_t type, const uint8_t *body, size_t len);
CCSP_MUST_CHECK ccsp_err tlcp_server_msg(ccsp_tlcp_conn *c, uint8_t type, const uint8_t *body, size_t len);
/* After the peer's ChangeCipherSpec was accepted and its Finished checked: the last steps of each side. */
CCSP_MUST_CHECK ccsp_err tlcp_client_finished(ccsp_tlcp_conn *c);
CCSP_MUST_CHECK ccsp_err tlcp_server_finished(ccsp_tlcp_conn *c);

#endif

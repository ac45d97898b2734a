/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of libsdf's transport (sdfc.h), shared by its files:
 *   sdfc_conf.c  the config file
 *   sdfc_tls.c   TCP + TLS 1.3 connection set-up (no locking: the connection is private until installed)
 *   sdfc_tlcp.c  TLCP (transport = tlcp): its configuration, set-up, and the link's reads and writes
 *   sdfc_pipe.c  one pipelined connection: request ids, the send queue, the I/O roles, failure
 *   sdfc.c       the device: pool, HELLO, calls, the thread's last error
 * Not installed.
 */
#ifndef CCSP_LIBSDF_SDFC_INTERNAL_H
#define CCSP_LIBSDF_SDFC_INTERNAL_H

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/ssl.h>

#include "libsdf/sdfc.h"

#define SDFC_HOST_MAX 253       /* longest DNS name (RFC 1035 2.3.4), also fits any IPv6 literal */
#define SDFC_DEVICE_ID_SIZE 16
#define SDFC_POOL_MAX 64
#define SDFC_REASON_MAX 200
/* Upper bound of every wait/retry loop; the deadline normally ends them long before. */
#define SDFC_LOOP_MAX (1u << 24)

/* ---- the config (sdfc_conf.c) ---- */
typedef struct sdfc_conf {
	char host[SDFC_HOST_MAX + 1];        /* DNS name or IP literal, without the brackets of [IPv6] */
	char port[6];                        /* decimal 1..65535 */
	char server_name[SDFC_HOST_MAX + 1]; /* checked in the VSM's certificate (IP or DNS name) */
	char *ca_file;                       /* malloc'd, resolved against the config file's directory */
	char *token_file;                    /* likewise */
	uint32_t pool_size;
	uint32_t timeout_ms;
	int tlcp;                            /* transport = tlcp (else TLS 1.3) */
	char *tlcp_files[4];                 /* tlcp_sign_cert, _key, tlcp_enc_cert, _key: malloc'd, or NULL */
	uint16_t suites[4];                  /* tlcp_suites, in preference order */
	size_t n_suites;
} sdfc_conf;

/* Load and validate path into cf. CCSP_ERR_FILE_NOT_FOUND / CCSP_ERR_IO / CCSP_ERR_DECODE / CCSP_ERR_LIMIT /
 * CCSP_ERR_NOMEM, the reason in sdfc_last_error(). On failure cf is empty. */
CCSP_MUST_CHECK ccsp_err sdfc_conf_load(const char *path, sdfc_conf *cf);
void sdfc_conf_clear(sdfc_conf *cf);

/* ---- sdfc.c: this thread's last error, deadlines ---- */
/* Record the reason of a failure for sdfc_last_error() and return err. */
ccsp_err sdfc_fail(ccsp_err err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Thread-safe strerror. */
const char *sdfc_strerror(int errnum, char *buf, size_t len);
/* Absolute CLOCK_MONOTONIC deadline ms from now. */
void sdfc_deadline(struct timespec *dl, uint32_t ms);
/* Milliseconds left until dl, rounded up; 0 once it has passed. */
int sdfc_ms_left(const struct timespec *dl);
/* poll() fd for events until dl (EINTR retried): 1 ready (or error/hang-up pending), 0 deadline, -1 errno. */
int sdfc_wait_fd(int fd, short events, const struct timespec *dl);

/* ---- TCP + TLS (sdfc_tls.c) ---- */
/* A connected non-blocking socket to cf->host:cf->port (every address getaddrinfo gives, in order), TCP_NODELAY,
 * before dl. CCSP_ERR_COMM with the reason. */
CCSP_MUST_CHECK ccsp_err sdfc_tcp_connect(const sdfc_conf *cf, const struct timespec *dl, int *fd);
/* A client context: TLS 1.3 only, peer verification against cf->ca_file. Records are read ahead into
 * OpenSSL's buffer (SDFC_TLS_READ_BUFFER bytes per recv), so one recv carries many responses. */
CCSP_MUST_CHECK ccsp_err sdfc_tls_ctx_new(const sdfc_conf *cf, SSL_CTX **out);
/* Connect to cf->host:cf->port (every address getaddrinfo gives, in order), TCP_NODELAY, non-blocking, and
 * complete the TLS handshake checking cf->server_name, all before dl. CCSP_ERR_COMM with the reason. */
CCSP_MUST_CHECK ccsp_err sdfc_tls_connect(SSL_CTX *ctx, const sdfc_conf *cf, const struct timespec *dl,
                                          SSL **ssl, int *fd);
/* 1 when the last recv on ssl's socket found it empty or returned less than asked: nothing more is to be read
 * without waiting, once SSL_has_pending() is 0 too. Written records wait in a buffering BIO until
 * BIO_flush(SSL_get_wbio(ssl)). */
int sdfc_tls_drained(SSL *ssl);

#define SDFC_TLS_READ_BUFFER (64u << 10)
#define SDFC_TLS_WRITE_BUFFER (64u << 10)

/* ---- TLCP (sdfc_tlcp.c) ---- */
typedef struct ccsp_tlcp_config ccsp_tlcp_config;
typedef struct sdfc_tlcp sdfc_tlcp; /* a TLCP link: the connection object and its read-ahead buffer */
typedef struct ccsp_tlcp_session ccsp_tlcp_session;

/* A client configuration: trust from cf->ca_file, this side's certificates when sdf.conf names them, cf->suites.
 * CCSP_ERR_FILE_NOT_FOUND / CCSP_ERR_DECODE / CCSP_ERR_KEY / CCSP_ERR_NOMEM with the reason. */
CCSP_MUST_CHECK ccsp_err sdfc_tlcp_ctx_new(const sdfc_conf *cf, ccsp_tlcp_config **out);
/* As sdfc_tls_connect, over TLCP (the server's signing certificate must carry cf->server_name). *session (under
 * mu; may be NULL) is offered for resumption and replaced by the new session after a full handshake, so that the
 * device's further connections resume the first one's. */
CCSP_MUST_CHECK ccsp_err sdfc_tlcp_connect(ccsp_tlcp_config *cfg, const sdfc_conf *cf, const struct timespec *dl,
                                           pthread_mutex_t *mu, ccsp_tlcp_session **session, sdfc_tlcp **out,
                                           int *fd);
/* Close the socket yourself; this frees the rest (wiped). NULL is ignored. */
void sdfc_tlcp_free(sdfc_tlcp *t);
/* Protect buf into records (*written: bytes taken) and send them once SDFC_TLS_WRITE_BUFFER bytes gather and at
 * the end: 1 all is on the socket, 0 the socket is full (*ev = POLLOUT; the rest goes with the next call, len 0
 * only flushes), -1 failed (the reason in why). */
int sdfc_tlcp_send(sdfc_tlcp *t, const uint8_t *buf, size_t len, size_t *written, short *ev, char *why, size_t whylen);
/* Application data into buf: bytes (> 0), 0 when nothing is there (*ev = POLLIN), -1 failed or closed (why). */
int sdfc_tlcp_recv(sdfc_tlcp *t, uint8_t *buf, size_t len, short *ev, char *why, size_t whylen);
/* 1 when the last recv found everything read: nothing more without waiting (as sdfc_tls_drained). */
int sdfc_tlcp_drained(const sdfc_tlcp *t);
void sdfc_tlcp_close_notify(sdfc_tlcp *t); /* best effort */

/* ---- one pipelined connection (sdfc_pipe.c) ---- */
enum sdfc_state {
	SDFC_DOWN,       /* no connection (ssl may still await reaping while threads leave poll) */
	SDFC_CONNECTING, /* one thread is connecting outside the mutex; others wait on cv */
	SDFC_HELLO,      /* TLS up, the connecting thread's HELLO in flight; others wait on cv */
	SDFC_UP,
};

#define SDFC_TX_SIZE 16384u  /* small requests are copied together into one TLS record of at most this */
#define SDFC_RX_SIZE 16384u  /* received bytes are parsed from a buffer of this size */

/* One call in flight: lives on the caller's stack, linked into its connection while not done. */
typedef struct sdfc_pending {
	uint32_t id;
	uint16_t opcode;
	atomic_int done;   /* the response arrived, or the connection failed (err) */
	atomic_int posting; /* a thread is about to post sem: p must live until it has */
	int waiting;       /* blocked on sem: may be handed a role */
	int handed;        /* woken to take a role: must look at the connection before leaving */
	int sent;          /* the whole request is on the wire */
	ccsp_err err;
	ccsp_sdf_header h; /* the response header */
	uint8_t *body;     /* malloc'd, h.length bytes (NULL when 0) */
	const uint8_t *frame; /* the request (the caller's); off bytes of len written or copied */
	size_t len, off;
	sem_t sem;         /* posted when done or handed a role; waited on without the connection's mutex */
	struct sdfc_pending *next;    /* c->pending */
	struct sdfc_pending *sq_next; /* c->sq or c->txq */
	char why[SDFC_REASON_MAX]; /* failure reason when err != CCSP_OK */
} sdfc_pending;

typedef struct sdfc_conn {
	pthread_mutex_t mu;       /* protects everything below but users and what the token holder owns */
	pthread_cond_t cv;        /* state change, old link reaped, token released */
	pthread_condattr_t cattr; /* CLOCK_MONOTONIC, for the condition variable */
	int state;                /* enum sdfc_state */
	uint64_t gen;             /* bumped on failure: a thread that released mu sees whether it still holds
	                             the same connection */
	SSL *ssl;                 /* the link: TLS ... */
	sdfc_tlcp *tl;            /* ... or TLCP (at most one of them set) */
	int fd;
	unsigned refs;            /* threads using fd or ssl with mu released: both are freed only at 0 */
	/* roles, each held by at most one thread (sdfc_pipe.c explains them) */
	int tok;                  /* works on ssl with mu released */
	int rpoll, wpoll;         /* waits in poll() for input / for room to write */
	int rready;               /* input may be there: read it before anybody polls for it again */
	int wblocked;             /* the last write could not complete: poll (wev) before writing again */
	short rev, wev;           /* the events reading / writing waits for */
	unsigned tok_waiters;     /* threads waiting on cv for the token holder to let go of their frame */
	const sdfc_pending *tx_busy; /* whose frame the token holder is writing in place */
	uint32_t next_id;
	sdfc_pending *pending;    /* every call in flight, newest first */
	unsigned due;             /* of them, those whose request is completely sent: a response is due */
	sdfc_pending *sq, *sq_tail; /* requests not yet (completely) taken for writing, oldest first */
	sdfc_pending *txq;        /* requests copied into tx: sent once tx is written */
	/* owned by the token holder (or by whoever holds mu while nobody holds the token) */
	uint8_t *tx;              /* SDFC_TX_SIZE: small requests copied together */
	size_t tx_len, tx_off;    /* bytes in tx, bytes of them written; emptied once also flushed */
	sdfc_pending *tx_direct;  /* a large request written from the caller's buffer (head of sq), until flushed */
	uint8_t *rx;              /* SDFC_RX_SIZE: received bytes not yet parsed */
	size_t rx_len;
	ccsp_sdf_header rx_h;     /* a response whose body is read straight into rx_body */
	sdfc_pending *rx_to;
	uint8_t *rx_body;
	size_t rx_got;
	uint32_t timeout_ms;      /* for messages */
	atomic_int *nup;          /* the device's count of connections in SDFC_UP */
	unsigned users;           /* calls assigned to this connection: protected by the device's mutex */
} sdfc_conn;

CCSP_MUST_CHECK ccsp_err sdfc_conn_init(sdfc_conn *c, uint32_t timeout_ms, atomic_int *nup);
/* Close (a close_notify is attempted) and free. No thread may be using c. */
void sdfc_conn_destroy(sdfc_conn *c);
/* mu held, state SDFC_CONNECTING: install a connected link (ssl or tl); state becomes SDFC_HELLO. CCSP_ERR_NOMEM
 * (the link is then freed and the state is SDFC_DOWN). */
CCSP_MUST_CHECK ccsp_err sdfc_conn_install(sdfc_conn *c, SSL *ssl, sdfc_tlcp *tl, int fd);
/* mu held: a link (TLS or TLCP) is still there, in use or waiting to be reaped. */
static inline int sdfc_conn_linked(const sdfc_conn *c)
{
	return c->ssl != NULL || c->tl != NULL;
}
/* mu held: mark the connection up (HELLO answered) and wake the threads waiting for it. */
void sdfc_conn_up(sdfc_conn *c);
/* mu held: fail the connection. Every pending call completes with CCSP_ERR_COMM and the reason; the socket is
 * shut down (waking pollers) and closed once no thread uses it. No-op when not SDFC_HELLO / SDFC_UP. */
void sdfc_conn_fail(sdfc_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* mu held on entry, released on return; state SDFC_HELLO or SDFC_UP. Send frame (h is its header: the request
 * id is chosen here and written into frame; frame must stay valid until this returns) and wait for the response
 * until dl. On CCSP_OK p->h and p->body hold the response (the caller frees p->body). CCSP_ERR_COMM: the
 * connection failed or timed out and was closed; the reason is in sdfc_last_error(). */
CCSP_MUST_CHECK ccsp_err sdfc_conn_roundtrip(sdfc_conn *c, ccsp_sdf_header *h, uint8_t *frame, size_t len,
                                             const struct timespec *dl, sdfc_pending *p);

#endif

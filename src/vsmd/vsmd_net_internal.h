/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the vsmd network layer (see vsmd_net.h for the contract).
 *
 * Ownership and threads. Everything in vsmd_net and vsmd_conn is touched only by the loop thread, except:
 * the worker queue (work_*: under work_mu) and the done queue (done_*: under done_mu), through which jobs
 * travel loop -> worker -> loop. A job carries copies of what its handler needs (owner, header, body, peer
 * pointer); the worker never touches the connection. A connection is freed when its socket is closed and no
 * job refers to it (refs: 1 while open + 1 per job + 1 while a loop function works on it).
 *
 * Files: vsmd_net.c (object, run, stop, drain), vsmd_listen.c (address, sockets, TLS context, accept),
 * vsmd_io.c (a connection's byte stream: TLS, TLCP or plain, read and write events), vsmd_tlcp.c (a TLCP link and
 * its configuration, under vsmd_io.c), vsmd_conn.c (framing, flow
 * control, timeouts, close), vsmd_auth.c (HELLO, device contexts, rate limit), vsmd_workers.c (pool, running
 * jobs, completions).
 */
#ifndef CCSP_VSMD_NET_INTERNAL_H
#define CCSP_VSMD_NET_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/ssl.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "vsmd_net.h"

#define VSMD_OUT_LIMIT (8u << 20)         /* unsent answers beyond which a connection is not read */
#define VSMD_OUT_RESUME (4u << 20)        /* ... until they drain to this */
#define VSMD_INFLIGHT_BYTES (16u << 20)   /* request bodies in flight per connection */
#define VSMD_JOBS_PER_WORKER 64u          /* worker queue bound: workers * this */
#define VSMD_ADMIN_MAX_CONN 16u
#define VSMD_TLS_READ_BUFFER (64u << 10)  /* OpenSSL reads ahead this much per recv */
#define VSMD_LINGER_MS 5000u              /* flushing a last answer before close */
#define VSMD_DRAIN_MS 10000u              /* shutdown: waiting for peers to read their answers */
#define VSMD_PEER_MAX 64
#define VSMD_DEVICE_ID_SIZE 16
#define VSMD_DEVICE_BUCKETS 256u
#define VSMD_RATE_PER_S 10u               /* failed HELLOs per second, server-wide */
#define VSMD_RATE_BURST 20u

typedef struct vsmd_conn vsmd_conn;
typedef struct vsmd_device vsmd_device;
typedef struct vsmd_job vsmd_job;
typedef struct vsmd_tlcp vsmd_tlcp;
typedef struct ccsp_tlcp_config ccsp_tlcp_config;
struct evbuffer_iovec;

/* A link's read or write that did not move bytes (vsmd_io.c, vsmd_tlcp.c). */
enum { VSMD_IO_BLOCKED = -1, VSMD_IO_EOF = -2, VSMD_IO_ERR = -3 };

enum vsmd_conn_state { VSMD_CONN_HELLO_WAIT, VSMD_CONN_HELLO_PENDING, VSMD_CONN_READY };

struct vsmd_conn {
	vsmd_net *net;
	int fd;                  /* -1 once closed */
	SSL *ssl;                /* a TLS link; NULL on the admin socket and on a TLCP listener */
	vsmd_tlcp *tl;           /* a TLCP link (listener with transport = tlcp), else NULL */
	struct evbuffer *in, *out; /* bytes received, not yet framed / answers not yet written */
	struct event *rev, *wev; /* socket readable (added while reading) / writable (added while it is full) */
	struct event *deadline;  /* handshake + HELLO deadline, then the linger bound when closing */
	struct event *idle;      /* idleness check every idle_timeout_ms once authenticated */
	int reading;             /* rev is on: frames are taken */
	int wblocked;            /* wev is on: the socket is full */
	int rblocked_w;          /* rev is on for a write that waits for input (TLS) */
	int flush_soon;          /* wev is active: the output is written after this loop iteration */
	int tls_open;            /* the TLS or TLCP handshake is done */
	int peer_failed;         /* EOF or a fatal error: no close_notify */
	uint64_t out_ms;         /* the output last made progress or stopped being empty (monotonic ms) */
	vsmd_conn *prev, *next;  /* net->conns */
	vsmd_conn *blocked_next; /* net->blocked: waiting for room in the worker queue */
	int blocked;
	vsmd_device *dev;        /* the device context after HELLO (NULL on the admin socket) */
	uint64_t owner;          /* 0 until authenticated */
	unsigned refs;
	unsigned inflight;
	size_t inflight_bytes;
	uint64_t last_ms;        /* last frame taken or answer queued (monotonic ms): idleness */
	enum vsmd_conn_state state;
	int admin;
	int closing;             /* no more frames; closed once the output is flushed */
	char peer[VSMD_PEER_MAX];
};

struct vsmd_device {
	uint8_t id[VSMD_DEVICE_ID_SIZE];
	uint64_t owner;
	unsigned refs; /* connections attached */
	vsmd_device *next;
};

enum vsmd_job_kind { VSMD_JOB_REQUEST, VSMD_JOB_HELLO, VSMD_JOB_OWNER_GONE };

struct vsmd_job {
	vsmd_job *next;
	enum vsmd_job_kind kind;
	vsmd_conn *conn;         /* REQUEST, HELLO: holds a reference; never dereferenced by the worker except
	                            conn->peer, which does not change after accept */
	uint64_t owner;
	int admin;
	ccsp_sdf_header h;
	uint8_t *body;           /* request body (malloc'd, wiped when freed) */
	size_t body_len;
	const uint8_t *token;    /* HELLO: into body */
	size_t token_len;
	uint8_t device_id[VSMD_DEVICE_ID_SIZE]; /* HELLO */
	uint32_t status;         /* result */
	uint8_t *resp;           /* REQUEST: the response frame (malloc'd), NULL when none could be built */
	size_t resp_len;
};

struct vsmd_net {
	vsmd_net_config cfg;     /* strings point into the copies below */
	char *listen, *cert_file, *key_file, *admin_socket;
	char *tlcp_files[5];     /* copies of the tlcp_* paths */
	vsmd_net_handlers h;
	int port;

	struct event_base *base;
	SSL_CTX *ssl_ctx;        /* transport tls */
	ccsp_tlcp_config *tlcp_cfg; /* transport tlcp */
	struct evconnlistener *tcp, *unix_l;
	struct event *stop_ev, *done_ev, *drain_ev, *retry_ev;
	int stop_pipe[2];
	dev_t admin_dev;         /* the admin socket we created, to unlink only our own */
	ino_t admin_ino;
	int admin_bound;

	vsmd_conn *conns;
	unsigned n_tls, n_admin, n_conns;
	vsmd_conn *blocked_head, *blocked_tail;
	unsigned outstanding;    /* jobs submitted and not yet completed (loop thread) */
	unsigned queue_cap;
	int draining;

	vsmd_device *devices[VSMD_DEVICE_BUCKETS];
	uint64_t rate_milli;     /* token bucket of failed HELLOs, in thousandths */
	uint64_t rate_last_ms;
	uint64_t rate_event_ms;
	unsigned rate_suppressed;

	pthread_t *threads;
	unsigned n_threads;
	pthread_mutex_t work_mu;
	pthread_cond_t work_cv;
	vsmd_job *work_head, *work_tail;
	unsigned work_idle;      /* workers waiting on work_cv */
	unsigned work_signalled; /* of them, signalled and not awake yet */
	int work_stop;
	pthread_mutex_t done_mu;
	vsmd_job *done_head, *done_tail;
};

/* vsmd_net.c */
void vsmd_net_emit(vsmd_net *n, const char *name, const char *detail);
void vsmd_net_check_done(vsmd_net *n);
uint64_t vsmd_now_ms(void);

/* vsmd_listen.c */
CCSP_MUST_CHECK ccsp_err vsmd_listen_open(vsmd_net *n);
void vsmd_listen_close(vsmd_net *n);
void vsmd_listen_unlink_admin(vsmd_net *n);

/* vsmd_conn.c */
/* A connection on fd (and ssl or tl, both NULL on the admin socket): all are owned by it, also when NULL is
 * returned. */
vsmd_conn *vsmd_conn_new(vsmd_net *n, int fd, SSL *ssl, vsmd_tlcp *tl, int admin, const char *peer);
void vsmd_conn_ref(vsmd_conn *c);
void vsmd_conn_unref(vsmd_conn *c);
void vsmd_conn_process(vsmd_conn *c);
void vsmd_conn_close(vsmd_conn *c);
void vsmd_conn_close_soon(vsmd_conn *c);
void vsmd_conn_drain(vsmd_conn *c);
void vsmd_conn_send(vsmd_conn *c, uint8_t *frame, size_t len);
void vsmd_conn_send_status(vsmd_conn *c, const ccsp_sdf_header *req, uint32_t status);
void vsmd_conn_set_ready(vsmd_conn *c, uint64_t owner);
void vsmd_conn_request_done(vsmd_conn *c, vsmd_job *job);
void vsmd_conn_resume_blocked(vsmd_net *n);
void vsmd_conn_on_input(vsmd_conn *c);  /* vsmd_io.c: bytes came in */
void vsmd_conn_on_output(vsmd_conn *c); /* vsmd_io.c: the output made progress and is at VSMD_OUT_RESUME or less */

/* vsmd_io.c */
CCSP_MUST_CHECK ccsp_err vsmd_io_open(vsmd_conn *c, int fd, SSL *ssl, vsmd_tlcp *tl);
void vsmd_io_close(vsmd_conn *c); /* close_notify unless the peer failed; frees the link; idempotent */
void vsmd_io_set_reading(vsmd_conn *c, int on);
void vsmd_io_flush_soon(vsmd_conn *c); /* write c->out once the events of this loop iteration are handled */
size_t vsmd_io_unsent(const vsmd_conn *c);

/* vsmd_tlcp.c: a TLCP link (server side) in the terms of vsmd_io.c */
/* n->tlcp_cfg from n->cfg's tlcp_* files: CCSP_ERR_FILE_NOT_FOUND, CCSP_ERR_DECODE (not PEM, not an SM2 key),
 * CCSP_ERR_KEY (a key that does not match its certificate), CCSP_ERR_NOMEM. */
CCSP_MUST_CHECK ccsp_err vsmd_tlcp_context(vsmd_net *n);
vsmd_tlcp *vsmd_tlcp_new(ccsp_tlcp_config *cfg, int fd); /* NULL: out of memory */
void vsmd_tlcp_free(vsmd_tlcp *t);
/* Advance the handshake: 1 done, 0 waiting for *ev (EV_READ / EV_WRITE), -1 failed (its alert sent if it could). */
int vsmd_tlcp_handshake(vsmd_tlcp *t, short *ev);
/* Application data into buf: bytes (> 0) or VSMD_IO_BLOCKED / VSMD_IO_EOF / VSMD_IO_ERR; *ev what to wait for. */
int vsmd_tlcp_recv(vsmd_tlcp *t, uint8_t *buf, size_t len, short *ev);
/* Protect the chains into the output (sent once VSMD_TLCP_WRITE_BUFFER bytes gather, or by flush): bytes taken,
 * or VSMD_IO_BLOCKED / VSMD_IO_ERR. */
int vsmd_tlcp_send(vsmd_tlcp *t, const struct evbuffer_iovec *v, int nv, short *ev);
int vsmd_tlcp_flush(vsmd_tlcp *t); /* 1 all sent, 0 the socket is full, -1 failed */
size_t vsmd_tlcp_unsent(const vsmd_tlcp *t);
int vsmd_tlcp_drained(const vsmd_tlcp *t); /* the last recv read all there was: wait for poll */
int vsmd_tlcp_pending(const vsmd_tlcp *t); /* input may wait in the link, invisible to poll */
void vsmd_tlcp_close_notify(vsmd_tlcp *t); /* best effort */

/* vsmd_auth.c */
void vsmd_auth_hello(vsmd_conn *c, const ccsp_sdf_header *h, uint8_t *body);
void vsmd_auth_hello_done(vsmd_conn *c, vsmd_job *job);
uint64_t vsmd_owner_next(void);
void vsmd_owner_release(vsmd_net *n, vsmd_conn *c);
void vsmd_devices_free(vsmd_net *n);

/* vsmd_workers.c */
CCSP_MUST_CHECK ccsp_err vsmd_workers_start(vsmd_net *n);
void vsmd_workers_stop(vsmd_net *n);
void vsmd_workers_submit(vsmd_net *n, vsmd_job *job);
void vsmd_job_free(vsmd_job *job);
void vsmd_workers_done_cb(evutil_socket_t fd, short what, void *arg);

#endif

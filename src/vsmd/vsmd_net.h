/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network layer of vsmd: TLS 1.3 or TLCP (GB/T 38636) listener and local admin socket, SDF frames (docs/sdf-protocol.md),
 * HELLO authentication and device contexts, a worker pool that runs requests, flow control and shutdown.
 * It knows nothing of SDF semantics: every request of an authenticated connection goes to the dispatch
 * handler on a worker thread, and its answer is written back tagged with the request id.
 *
 * Threads: one event-loop thread (the one that calls vsmd_net_run) owns every socket; `workers` threads run
 * the handlers. Handlers are called concurrently, from several workers at once, also for the same owner.
 *
 * What the layer does on its own:
 *   - the first frame of a TLS connection must be HELLO: token (CCSP_SDF_T_TOKEN, 8..64 bytes) and device id
 *     (CCSP_SDF_T_DEVICE_ID, 16 bytes; all zero = create a device context). The token is checked with
 *     authenticate() before the device id is looked at. Answer: the device id. Any other first frame gets
 *     SDR_OPENDEVICE, a malformed HELLO SDR_INARGERR, an unknown device id SDR_OPENDEVICE, a wrong token
 *     authenticate()'s status; the connection is then closed. Failed HELLOs are rate-limited server-wide
 *     (token bucket, 10 per second, burst 20): when the bucket is empty HELLO is refused (SDR_OPENDEVICE)
 *     without calling authenticate(). A HELLO on an authenticated or admin connection gets SDR_INARGERR.
 *   - a frame that is not a well-formed request header (version, type, length <= CCSP_SDF_MAX_BODY)
 *     closes the connection at once.
 *   - per connection at most max_inflight requests (and 16 MiB of request bodies) run at once; beyond, the
 *     connection is not read until answers complete. A connection whose unsent answers exceed 8 MiB is not
 *     read until they drain to 4 MiB. The worker queue holds at most 64 jobs per worker; beyond, reading pauses.
 *   - timeouts: TLS handshake + HELLO must complete within handshake_timeout_ms (a hard deadline, not reset by
 *     traffic); an authenticated connection with no request in flight and neither a frame received nor an
 *     answer sent for idle_timeout_ms (checked with that period: closed after 1x to 2x of it), or whose peer
 *     reads nothing of our answers for idle_timeout_ms, is closed. 0 = no timeout.
 *   - request and response bodies are wiped from this layer's buffers once used (they carry passwords and
 *     wrapped keys); libevent's and OpenSSL's internal socket buffers are not under its control.
 *
 * The process must ignore SIGPIPE (a peer that vanishes must not kill the daemon); vsmd_net_new does not
 * change signal dispositions. libevent's own diagnostics are silenced: this layer prints nothing.
 */
#ifndef CCSP_VSMD_NET_H
#define CCSP_VSMD_NET_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#include "sdf/sdf_wire.h"

typedef struct vsmd_net vsmd_net;

typedef enum vsmd_transport { VSMD_TRANSPORT_TLS = 0, VSMD_TRANSPORT_TLCP = 1 } vsmd_transport;

typedef struct vsmd_net_config {
	const char *listen;        /* "ADDR:PORT" (IPv4 or [IPv6]:port, numeric only); port 0 = pick a free one */
	vsmd_transport transport;  /* what the TCP listener speaks */
	const char *cert_file;     /* TLS: PEM certificate chain of the VSM */
	const char *key_file;      /* TLS: PEM private key (unencrypted) */
	/* TLCP: the VSM's signing and encryption certificates (PEM; the signing file's further certificates are sent
	   as its chain) and their unencrypted SM2 keys; the trust anchors for client certificates (NULL: none, so
	   only the ECC suites and no client authentication) and the client authentication asked for (0 none,
	   1 optional, 2 required: ccsp_tlcp_client_auth) */
	const char *tlcp_sign_cert, *tlcp_sign_key, *tlcp_enc_cert, *tlcp_enc_key, *tlcp_ca_file;
	int tlcp_verify;
	const char *admin_socket;  /* path of the unix admin socket, or NULL for none */
	unsigned workers;          /* worker threads (1..1024) */
	unsigned max_connections;  /* TLS connections (>= 1); beyond: accept and close at once. The admin socket
	                              has its own limit of 16 */
	unsigned max_inflight;     /* requests in flight per connection (>= 1); beyond: stop reading it */
	unsigned handshake_timeout_ms, idle_timeout_ms; /* TLS handshake + HELLO; no frame for this long. 0 = none */
} vsmd_net_config;

typedef struct vsmd_net_handlers {
	void *arg;
	/* Check a HELLO token (worker thread). 0 = accepted, else an SDR code (the connection is then closed).
	   peer: "ADDR:PORT" of the client, for the handler's own audit. Never called for the admin socket. */
	uint32_t (*authenticate)(void *arg, const uint8_t *token, size_t len, const char *peer);
	/* One request of an authenticated connection (worker thread): read the body with r, write the response body
	   into w; return the SDR status (when not 0, the body written is discarded and the response carries the
	   request's session id). owner identifies the device context (nonzero, unique for the process lifetime);
	   admin is 1 on the admin socket. *session starts as the request's session id; the handler may change it
	   (OPEN_SESSION returns the new id in the header). r and w are valid only during the call. A response body
	   over CCSP_SDF_MAX_BODY, or a writer that failed, is answered SDR_NOBUFFER. */
	uint32_t (*dispatch)(void *arg, uint64_t owner, int admin, const ccsp_sdf_header *h, ccsp_sdf_reader *r,
	                     ccsp_sdf_writer *w, uint64_t *session);
	/* The last connection of device context owner closed and its last request completed (worker thread): close
	   its sessions. Called exactly once per owner, never concurrently with a dispatch for that owner; an admin
	   connection is its own owner. */
	void (*owner_gone)(void *arg, uint64_t owner);
	/* An event worth auditing (loop thread), name and detail without secrets. May be NULL. Names:
	   "auth.fail" (detail: peer; wrong token), "auth.device" (peer; unknown device id after a good token),
	   "auth.ratelimit" (peer; HELLO refused, at most one event per second), "admin.refused" (uid of a peer
	   that is neither root nor our euid). */
	void (*event)(void *arg, const char *name, const char *detail);
} vsmd_net_handlers;

/* Create the server: parse the address, load the certificate and key (TLS) or the double certificates and keys
 * (TLCP), bind and listen on the TCP address and the admin socket (a stale socket file there is replaced; a live
 * one, or a file that is not a socket, is refused; created with mode 0600). Nothing is served until vsmd_net_run.
 * cfg's strings are copied; h is copied.
 * Errors: CCSP_ERR_ARG (NULL argument, missing handler, a count out of range, a malformed address or an admin
 * path too long, a TLCP file missing from the config, client authentication without tlcp_ca_file),
 * CCSP_ERR_FILE_NOT_FOUND (certificate or key file missing), CCSP_ERR_DECODE (not a PEM certificate chain or
 * unencrypted private key), CCSP_ERR_KEY (key does not match the certificate),
 * CCSP_ERR_IO (socket, bind, listen failed, e.g. port in use: errno is kept), CCSP_ERR_NOMEM,
 * CCSP_ERR_INTERNAL (libevent or OpenSSL setup). */
CCSP_MUST_CHECK ccsp_err vsmd_net_new(const vsmd_net_config *cfg, const vsmd_net_handlers *h, vsmd_net **out);
/* The bound TCP port. */
int vsmd_net_port(const vsmd_net *n);
/* Serve on the calling thread until vsmd_net_stop(); then drain: stop accepting (listeners closed), answer the
 * requests in flight, close every connection (after at most 10 s of waiting for a peer that does not read its
 * answers), wait for the handlers (owner_gone included) to finish, stop the workers and return CCSP_OK.
 * Call once: CCSP_ERR_STATE when it already ran. CCSP_ERR_INTERNAL / CCSP_ERR_NOMEM when the workers cannot
 * start. */
CCSP_MUST_CHECK ccsp_err vsmd_net_run(vsmd_net *n);
/* Ask vsmd_net_run to drain and return. Thread-safe and async-signal-safe (writes a byte to a pipe); may be
 * called before vsmd_net_run, which then drains at once. */
void vsmd_net_stop(vsmd_net *n);
/* Free everything; unlink the admin socket if it is still ours. Not while vsmd_net_run runs. NULL is ignored. */
void vsmd_net_free(vsmd_net *n);

#endif

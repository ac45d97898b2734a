/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The log forwarder: ships a daemon's log events (log.h lines, handed over by the logger's sink) to a log
 * server, from its own thread, through a bounded queue, so that logging never waits for the network.
 *
 *   syslog over UDP   one RFC 5424 message per datagram (syslog_fmt.h), at most udp_max_len bytes (MSG cut)
 *   syslog over TCP   RFC 5424 messages with RFC 6587 octet-counting framing ("LEN SP MSG"), at most
 *                     CCSP_SYSLOG_TCP_LEN bytes each, on one connection, re-opened when it breaks
 *   logserver         HTTP(S) POST (libcurl) of JSON batches
 *                     {"source":"<app_name>","device":"<device>","events":[<event objects>...]}
 *                     of up to batch_max events, sent when that many are queued or the oldest waited batch_ms.
 *
 * Queue: at most queue_max events and queue_bytes_max bytes. When it is full the oldest queued event is
 * dropped (and counted): the newest events are the ones an operator needs when the server comes back.
 * Delivery: at most once for UDP (a datagram may be lost unseen); a failed send is retried with backoff
 * (backoff_min_ms doubling to backoff_max_ms) while newer events keep queueing behind it. A logserver answer
 * 2xx is delivered; 408, 429 and 5xx are retried; any other 4xx rejects the batch (dropped, counted) so that
 * one bad batch cannot stall the queue forever. TLS to an https URL is verified against the system's CAs.
 *
 * Names are resolved by the forwarder's thread (getaddrinfo, or libcurl's resolver), never by the caller.
 * The events are the logger's lines unchanged: the logger never writes secrets, so none are forwarded.
 * The process must have called curl_global_init (libcurl) before creating a logserver forwarder.
 */
#ifndef CCSP_COMMON_LOGFWD_H
#define CCSP_COMMON_LOGFWD_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#include "common/netaddr.h"

#define CCSP_LOGFWD_URL_MAX 2048u
#define CCSP_LOGFWD_LINE_MAX (64u << 10) /* a longer event is dropped */
#define CCSP_LOGFWD_SYSLOG_PORT "514"

typedef enum ccsp_logfwd_kind {
	CCSP_LOGFWD_NONE = 0,
	CCSP_LOGFWD_SYSLOG_UDP,
	CCSP_LOGFWD_SYSLOG_TCP,
	CCSP_LOGFWD_HTTP,
} ccsp_logfwd_kind;

typedef struct ccsp_logfwd_target {
	ccsp_logfwd_kind kind;
	char host[CCSP_NET_HOST_MAX + 1]; /* syslog */
	char port[6];
	char url[CCSP_LOGFWD_URL_MAX + 1]; /* logserver */
} ccsp_logfwd_target;

/* The GM/T 0088 configSyslogAddr pair (spec §7.2.7): type "syslog" with "host[:port]", "udp://host[:port]" or
 * "tcp://host[:port]" (UDP when no scheme, port 514 when none; host as ccsp_net_split_host_port), or type
 * "logserver" with an http:// or https:// URL of at most CCSP_LOGFWD_URL_MAX printable ASCII bytes without
 * spaces. CCSP_ERR_ARG for anything else. */
CCSP_MUST_CHECK ccsp_err ccsp_logfwd_target_parse(const char *type, const char *address, ccsp_logfwd_target *t);

typedef struct ccsp_logfwd_config {
	ccsp_logfwd_target target;
	const char *app_name; /* syslog APP-NAME and the batch's "source", e.g. "chsmd" */
	const char *device;   /* the batch's "device" (e.g. the device key's fingerprint); NULL: "" */
	const char *hostname; /* syslog HOSTNAME; NULL: gethostname() */
	/* 0 = the default in brackets */
	size_t queue_max;        /* events queued [1024] */
	size_t queue_bytes_max;  /* bytes queued [4 MiB] */
	size_t batch_max;        /* events per logserver POST [100] */
	unsigned batch_ms;       /* the oldest queued event waits at most this for a fuller batch [1000] */
	unsigned timeout_ms;     /* one connect, send or POST [5000] */
	unsigned backoff_min_ms; /* first wait after a failure [500] */
	unsigned backoff_max_ms; /* longest wait [30000] */
	size_t udp_max_len;      /* bytes per datagram, >= CCSP_SYSLOG_MIN_LEN [CCSP_SYSLOG_UDP_LEN] */
} ccsp_logfwd_config;

typedef struct ccsp_logfwd ccsp_logfwd;

/* Start a forwarder (its thread). The config's strings are copied. CCSP_ERR_ARG (NULL, no target, app_name
 * NULL, udp_max_len out of range), CCSP_ERR_NOMEM, CCSP_ERR_INTERNAL (no thread). */
CCSP_MUST_CHECK ccsp_err ccsp_logfwd_new(const ccsp_logfwd_config *cfg, ccsp_logfwd **out);

/* Queue one event (a JSON object line of len bytes, copied). Never blocks on the network: takes the
 * forwarder's mutex for a copy. Its signature is log.h's sink, arg the forwarder:
 *   ccsp_log_set_sink(log, ccsp_logfwd_sink, fwd);
 * level is unused (the line carries it). f NULL: nothing. */
void ccsp_logfwd_sink(void *f, const char *level, const char *line, size_t len);

enum { CCSP_LOGFWD_STATE_IDLE = 0, CCSP_LOGFWD_STATE_OK, CCSP_LOGFWD_STATE_RETRYING };

typedef struct ccsp_logfwd_stats {
	uint64_t queued;   /* events accepted into the queue */
	uint64_t sent;     /* events delivered (UDP: handed to the kernel) */
	uint64_t dropped;  /* events lost: queue full, too long, rejected by the server, left at shutdown */
	uint64_t failures; /* failed connects / sends / POSTs */
	size_t pending;    /* events waiting now (queue and the batch in flight) */
	int state;         /* IDLE: nothing tried yet; OK: the last attempt worked; RETRYING: it failed */
	char last_error[128];
} ccsp_logfwd_stats;

/* A snapshot of the counters. Thread-safe. */
void ccsp_logfwd_stats_get(ccsp_logfwd *f, ccsp_logfwd_stats *s);

/* Stop: no more events are accepted; the thread keeps sending what is queued for up to flush_ms, then gives up
 * (the rest is dropped) and ends. Returns once the thread ended, or after about flush_ms + 500 ms at most: a
 * thread still inside a name lookup is then left to finish on its own and frees the forwarder itself. So
 * flush_ms 0 never waits (for a reconfiguration from an event loop); at shutdown give a few seconds. The
 * forwarder must no longer be a logger's sink. f NULL: nothing. */
void ccsp_logfwd_free(ccsp_logfwd *f, unsigned flush_ms);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The log forwarder (logfwd.h): a ring of copied lines under a mutex, filled by the logger's sink, emptied by one
 * thread that formats and sends. Everything that touches the network (resolve, connect, send, POST) runs on
 * that thread, outside the mutex, with bounded waits; the thread owns the socket and the curl handle.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "common/logfwd.h"
#include "common/syslog_fmt.h"

#define SLICE_MS 100 /* longest wait between two looks at the stop flag */

struct ccsp_logfwd {
	ccsp_logfwd_config cfg; /* strings point into the copies below */
	char *app_name, *device, hostname[65], procid[16];

	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	/* the queue: a ring of malloc'd lines, under mu */
	char **ring;
	size_t *lens;
	size_t head, count, bytes;
	size_t inflight;   /* the thread's batch size, as last published under mu */
	int64_t oldest_ms; /* when the oldest queued event arrived */
	/* lifecycle, under mu (stop and deadline also read without it by the sender) */
	atomic_int stop;
	_Atomic int64_t deadline_ms; /* when stopping: give up sending at this time */
	int done, orphaned;
	ccsp_logfwd_stats st;

	/* the sender's own state: the worker thread only */
	int fd;
	CURL *curl;
	char **batch;
	size_t nbatch;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 when a send in progress must give up: stopping and past the flush deadline. */
static int must_abort(ccsp_logfwd *f)
{
	return atomic_load(&f->stop) && now_ms() >= atomic_load(&f->deadline_ms);
}

/* ---- the target ---- */

static int printable_url(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 32 || s[i] >= 127)
			return 0;
	return 1;
}

ccsp_err ccsp_logfwd_target_parse(const char *type, const char *address, ccsp_logfwd_target *t)
{
	if (type == NULL || address == NULL || t == NULL)
		return CCSP_ERR_ARG;
	memset(t, 0, sizeof *t);
	if (strcmp(type, "logserver") == 0) {
		size_t n = strnlen(address, CCSP_LOGFWD_URL_MAX + 1);
		size_t scheme = strncmp(address, "http://", 7) == 0 ? 7 : strncmp(address, "https://", 8) == 0 ? 8 : 0;
		if (scheme == 0 || n <= scheme || n > CCSP_LOGFWD_URL_MAX || !printable_url(address, n))
			return CCSP_ERR_ARG;
		memcpy(t->url, address, n + 1);
		t->kind = CCSP_LOGFWD_HTTP;
		return CCSP_OK;
	}
	if (strcmp(type, "syslog") != 0)
		return CCSP_ERR_ARG;
	t->kind = CCSP_LOGFWD_SYSLOG_UDP;
	if (strncmp(address, "udp://", 6) == 0) {
		address += 6;
	} else if (strncmp(address, "tcp://", 6) == 0) {
		address += 6;
		t->kind = CCSP_LOGFWD_SYSLOG_TCP;
	}
	if (ccsp_net_split_host_port(address, CCSP_LOGFWD_SYSLOG_PORT, t->host, t->port) != CCSP_OK) {
		memset(t, 0, sizeof *t);
		return CCSP_ERR_ARG;
	}
	return CCSP_OK;
}

/* ---- the queue (callers hold mu) ---- */

static void drop_oldest_locked(ccsp_logfwd *f)
{
	size_t cap = f->cfg.queue_max;
	free(f->ring[f->head]);
	f->bytes -= f->lens[f->head];
	f->head = (f->head + 1) % cap;
	f->count--;
	f->st.dropped++;
}

void ccsp_logfwd_sink(void *arg, const char *level, const char *line, size_t len)
{
	ccsp_logfwd *f = arg;
	(void)level;
	if (f == NULL || line == NULL)
		return;
	char *copy = len <= CCSP_LOGFWD_LINE_MAX ? malloc(len + 1) : NULL;
	if (copy != NULL) {
		memcpy(copy, line, len);
		copy[len] = '\0';
	}
	pthread_mutex_lock(&f->mu);
	if (copy == NULL || atomic_load(&f->stop)) {
		f->st.dropped++;
		pthread_mutex_unlock(&f->mu);
		free(copy);
		return;
	}
	while (f->count > 0 && (f->count >= f->cfg.queue_max || f->bytes + len > f->cfg.queue_bytes_max))
		drop_oldest_locked(f);
	size_t slot = (f->head + f->count) % f->cfg.queue_max;
	f->ring[slot] = copy;
	f->lens[slot] = len;
	if (f->count++ == 0)
		f->oldest_ms = now_ms();
	f->bytes += len;
	f->st.queued++;
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->mu);
}

/* Move up to batch_max queued lines into the batch (after those already there). */
static void take_batch_locked(ccsp_logfwd *f)
{
	while (f->count > 0 && f->nbatch < f->cfg.batch_max) {
		f->batch[f->nbatch++] = f->ring[f->head];
		f->bytes -= f->lens[f->head];
		f->head = (f->head + 1) % f->cfg.queue_max;
		f->count--;
	}
	f->inflight = f->nbatch;
	f->oldest_ms = now_ms(); /* what remains waits from now on: it was behind a full batch */
}

/* Forget the first n lines of the batch (sent, or dropped). */
static void batch_consume(ccsp_logfwd *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(f->batch[i]);
	memmove(f->batch, f->batch + n, (f->nbatch - n) * sizeof *f->batch);
	f->nbatch -= n;
}

/* ---- syslog over UDP and TCP ---- */

static void set_error(ccsp_logfwd *f, const char *what, int err)
{
	pthread_mutex_lock(&f->mu);
	if (err != 0)
		snprintf(f->st.last_error, sizeof f->st.last_error, "%s: %s", what, strerror(err));
	else
		snprintf(f->st.last_error, sizeof f->st.last_error, "%s", what);
	pthread_mutex_unlock(&f->mu);
}

static void close_fd(ccsp_logfwd *f)
{
	if (f->fd >= 0)
		(void)close(f->fd);
	f->fd = -1;
}

/* Wait until fd is ready for events, in slices that look at the stop flag; 1 ready, 0 timed out or aborted. */
static int wait_fd(ccsp_logfwd *f, int fd, short events)
{
	int64_t end = now_ms() + f->cfg.timeout_ms;
	for (int64_t left; (left = end - now_ms()) > 0 && !must_abort(f);) {
		struct pollfd p = {fd, events, 0};
		int r = poll(&p, 1, left < SLICE_MS ? (int)left : SLICE_MS);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return 0;
	}
	return 0;
}

/* A non-blocking socket connected to one address; -1 and errno. UDP "connects" at once (it only fixes the peer,
 * so that ICMP errors come back and datagrams from others are not read). */
static int connect_one(ccsp_logfwd *f, const struct addrinfo *ai)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	int err = errno, soerr = 0;
	socklen_t sl = sizeof soerr;
	if (err == EINPROGRESS && wait_fd(f, fd, POLLOUT) && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 &&
	    soerr == 0)
		return fd;
	(void)close(fd);
	errno = err == EINPROGRESS ? (soerr != 0 ? soerr : ETIMEDOUT) : err;
	return -1;
}

static int syslog_connect(ccsp_logfwd *f)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG}, *res = NULL;
	hints.ai_socktype = f->cfg.target.kind == CCSP_LOGFWD_SYSLOG_TCP ? SOCK_STREAM : SOCK_DGRAM;
	int rc = getaddrinfo(f->cfg.target.host, f->cfg.target.port, &hints, &res);
	if (rc != 0) {
		set_error(f, gai_strerror(rc), 0);
		return -1;
	}
	int err = 0;
	for (struct addrinfo *ai = res; ai != NULL && f->fd < 0 && !must_abort(f); ai = ai->ai_next) {
		f->fd = connect_one(f, ai);
		err = errno;
	}
	freeaddrinfo(res);
	if (f->fd < 0)
		set_error(f, "connect", err != 0 ? err : ETIMEDOUT);
	return f->fd >= 0 ? 0 : -1;
}

/* A TCP receiver never speaks: a readable socket means it closed (or reset) the connection. */
static int tcp_alive(ccsp_logfwd *f)
{
	char junk[256];
	struct pollfd p = {f->fd, POLLIN, 0};
	if (poll(&p, 1, 0) <= 0)
		return 1;
	ssize_t r = recv(f->fd, junk, sizeof junk, MSG_DONTWAIT);
	return r > 0 || (r < 0 && (errno == EAGAIN || errno == EINTR));
}

/* Write the iovecs whole (TCP), waiting at most timeout_ms for room each time; 0 or -1 with errno. */
static int send_all(ccsp_logfwd *f, struct iovec *iov, int n)
{
	while (n > 0) {
		struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)n};
		ssize_t w = sendmsg(f->fd, &m, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			if (!wait_fd(f, f->fd, POLLOUT)) {
				errno = ETIMEDOUT;
				return -1;
			}
			continue;
		}
		if (w < 0)
			return -1;
		size_t done = (size_t)w;
		while (n > 0 && done >= iov->iov_len) {
			done -= iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + done;
			iov->iov_len -= done;
		}
	}
	return 0;
}

/* Send one formatted message; 0, or -1 (the connection is closed, to be reopened). */
static int syslog_send_one(ccsp_logfwd *f, const char *msg, size_t len)
{
	int tcp = f->cfg.target.kind == CCSP_LOGFWD_SYSLOG_TCP;
	if (f->fd >= 0 && tcp && !tcp_alive(f))
		close_fd(f);
	if (f->fd < 0 && syslog_connect(f) != 0)
		return -1;
	int rc;
	if (tcp) {
		char prefix[24];
		struct iovec iov[2] = {{prefix, ccsp_syslog_octet_prefix(len, prefix)}, {(void *)msg, len}};
		rc = send_all(f, iov, 2);
	} else {
		ssize_t w = send(f->fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		rc = w == (ssize_t)len ? 0 : -1;
	}
	if (rc != 0) {
		set_error(f, "send", errno);
		close_fd(f);
	}
	return rc;
}

/* Format and send the batch in order; returns how many lines were consumed (sent, or dropped as unformattable)
 * before the first failure. */
static size_t syslog_send_batch(ccsp_logfwd *f, uint64_t *sent, uint64_t *bad)
{
	int tcp = f->cfg.target.kind == CCSP_LOGFWD_SYSLOG_TCP;
	size_t max = tcp ? CCSP_SYSLOG_TCP_LEN : f->cfg.udp_max_len, i = 0;
	ccsp_syslog_origin o = {f->hostname, f->app_name, f->procid};
	char *msg = malloc(max + 1);
	for (; msg != NULL && i < f->nbatch && !must_abort(f); i++) {
		size_t len;
		if (ccsp_syslog_format(&o, f->batch[i], strlen(f->batch[i]), msg, max, &len, NULL) != CCSP_OK) {
			(*bad)++;
			continue;
		}
		if (syslog_send_one(f, msg, len) != 0)
			break;
		(*sent)++;
	}
	free(msg);
	return i;
}

/* ---- logserver: JSON batches over HTTP(S) ---- */

static size_t discard(void *p, size_t size, size_t n, void *arg)
{
	(void)p, (void)arg;
	return size * n;
}

static int curl_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	(void)a, (void)b, (void)c, (void)d;
	return must_abort(arg); /* non-zero aborts the transfer: shutdown does not wait for a slow server */
}

/* {"source","device","events":[...]} of the batch; lines that are not JSON objects are counted in *bad. */
static char *batch_body(ccsp_logfwd *f, uint64_t *bad)
{
	json_t *events = json_array();
	for (size_t i = 0; events != NULL && i < f->nbatch; i++) {
		json_t *ev = json_loads(f->batch[i], JSON_REJECT_DUPLICATES, NULL);
		if (json_is_object(ev))
			json_array_append(events, ev);
		else
			(*bad)++;
		json_decref(ev);
	}
	json_t *body = json_pack("{s:s, s:s, s:o}", "source", f->app_name, "device", f->device, "events", events);
	char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	return text;
}

static CURL *curl_setup(ccsp_logfwd *f)
{
	CURL *c = curl_easy_init();
	if (c == NULL)
		return NULL;
	curl_easy_setopt(c, CURLOPT_URL, f->cfg.target.url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)f->cfg.timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)f->cfg.timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, curl_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, f);
	return c;
}

/* One POST of body; the HTTP status, or 0 when there was none (*rc says why). */
static long http_post(ccsp_logfwd *f, const char *body, CURLcode *rc)
{
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
	long code = 0;
	*rc = CURLE_OUT_OF_MEMORY;
	if (f->curl == NULL)
		f->curl = curl_setup(f);
	if (h != NULL && curl_slist_append(h, "Expect:") != NULL && f->curl != NULL) { /* no 100-continue wait */
		curl_easy_setopt(f->curl, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(f->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(f->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
		if ((*rc = curl_easy_perform(f->curl)) == CURLE_OK)
			curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &code);
	}
	curl_slist_free_all(h);
	return code;
}

/* POST the batch; 1 delivered (or nothing to send), 0 to retry, -1 rejected by the server (drop it). */
static int http_send_batch(ccsp_logfwd *f, uint64_t *bad)
{
	char *body = batch_body(f, bad), what[48];
	CURLcode rc = CURLE_OUT_OF_MEMORY;
	long code = 0;
	if (*bad == f->nbatch) {
		free(body);
		return 1;
	}
	if (body != NULL)
		code = http_post(f, body, &rc);
	free(body);
	if (rc == CURLE_OK && code >= 200 && code <= 299)
		return 1;
	if (rc != CURLE_OK) {
		set_error(f, curl_easy_strerror(rc), 0);
		return 0;
	}
	snprintf(what, sizeof what, "HTTP status %ld", code);
	set_error(f, what, 0);
	return code >= 400 && code <= 499 && code != 408 && code != 429 ? -1 : 0;
}

/* ---- the thread ---- */

/* Send the batch (outside the lock); returns 1 when it all went, 0 when the rest must be retried. */
static int send_batch(ccsp_logfwd *f)
{
	uint64_t sent = 0, bad = 0, rejected = 0;
	size_t consumed;
	if (f->cfg.target.kind == CCSP_LOGFWD_HTTP) {
		int r = http_send_batch(f, &bad);
		consumed = r != 0 ? f->nbatch : 0;
		if (r > 0)
			sent = f->nbatch - bad;
		else if (r < 0)
			rejected = f->nbatch - bad;
	} else {
		consumed = syslog_send_batch(f, &sent, &bad);
	}
	int all = consumed == f->nbatch;
	batch_consume(f, consumed);
	pthread_mutex_lock(&f->mu);
	f->inflight = f->nbatch;
	f->st.sent += sent;
	f->st.dropped += bad + rejected;
	if (!all || rejected > 0)
		f->st.failures++;
	f->st.state = all && rejected == 0 ? CCSP_LOGFWD_STATE_OK : CCSP_LOGFWD_STATE_RETRYING;
	pthread_mutex_unlock(&f->mu);
	return all;
}

static void timedwait_until(ccsp_logfwd *f, int64_t until_ms)
{
	int64_t left = until_ms - now_ms();
	if (left <= 0)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts); /* the condvar runs on the monotonic clock */
	ts.tv_sec += left / 1000;
	ts.tv_nsec += (left % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	(void)pthread_cond_timedwait(&f->cond, &f->mu, &ts);
}

/* What the thread waits for, under mu: 0 when a batch is ready to send, else the time to wake (or -1: a signal). */
static int64_t next_wake_locked(ccsp_logfwd *f, int64_t retry_at)
{
	int64_t now = now_ms();
	int stopping = atomic_load(&f->stop);
	if (retry_at > now)
		return stopping && atomic_load(&f->deadline_ms) < retry_at ? atomic_load(&f->deadline_ms) : retry_at;
	if (f->nbatch > 0)
		return 0;
	if (f->count == 0)
		return -1;
	int http = f->cfg.target.kind == CCSP_LOGFWD_HTTP;
	if (!http || stopping || f->count >= f->cfg.batch_max || now - f->oldest_ms >= f->cfg.batch_ms)
		return 0;
	return f->oldest_ms + f->cfg.batch_ms;
}

static void thread_end(ccsp_logfwd *f);

static void *worker(void *arg)
{
	ccsp_logfwd *f = arg;
	unsigned backoff = 0;
	int64_t retry_at = 0;
	pthread_mutex_lock(&f->mu);
	for (;;) {
		int stopping = atomic_load(&f->stop);
		if (stopping && ((f->count == 0 && f->nbatch == 0) || now_ms() >= atomic_load(&f->deadline_ms)))
			break;
		int64_t wake = next_wake_locked(f, retry_at);
		if (wake < 0 && !stopping) {
			pthread_cond_wait(&f->cond, &f->mu);
			continue;
		}
		if (wake > 0) {
			timedwait_until(f, wake);
			continue;
		}
		if (f->nbatch == 0)
			take_batch_locked(f);
		pthread_mutex_unlock(&f->mu);
		int ok = send_batch(f);
		pthread_mutex_lock(&f->mu);
		if (ok)
			backoff = 0;
		else if (backoff == 0)
			backoff = f->cfg.backoff_min_ms;
		else
			backoff = backoff > f->cfg.backoff_max_ms / 2 ? f->cfg.backoff_max_ms : backoff * 2;
		retry_at = ok ? 0 : now_ms() + backoff;
	}
	pthread_mutex_unlock(&f->mu);
	thread_end(f);
	return NULL;
}

/* ---- lifecycle ---- */

static void destroy(ccsp_logfwd *f)
{
	while (f->count > 0)
		drop_oldest_locked(f); /* no other thread is left */
	batch_consume(f, f->nbatch);
	close_fd(f);
	if (f->curl != NULL)
		curl_easy_cleanup(f->curl);
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->mu);
	free(f->ring);
	free(f->lens);
	free(f->batch);
	free(f->app_name);
	free(f->device);
	free(f);
}

/* The thread's last step: hand over to ccsp_logfwd_free, or free everything when it gave up waiting. */
static void thread_end(ccsp_logfwd *f)
{
	pthread_mutex_lock(&f->mu);
	f->st.dropped += f->count + f->nbatch;
	f->inflight = 0;
	f->done = 1;
	int orphaned = f->orphaned;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->mu);
	if (orphaned)
		destroy(f);
}

static void apply_defaults(ccsp_logfwd_config *c)
{
	c->queue_max = c->queue_max != 0 ? c->queue_max : 1024;
	c->queue_bytes_max = c->queue_bytes_max != 0 ? c->queue_bytes_max : 4u << 20;
	c->batch_max = c->batch_max != 0 ? c->batch_max : 100;
	c->batch_ms = c->batch_ms != 0 ? c->batch_ms : 1000;
	c->timeout_ms = c->timeout_ms != 0 ? c->timeout_ms : 5000;
	c->backoff_min_ms = c->backoff_min_ms != 0 ? c->backoff_min_ms : 500;
	c->backoff_max_ms = c->backoff_max_ms >= c->backoff_min_ms ? c->backoff_max_ms : 30000;
	c->udp_max_len = c->udp_max_len != 0 ? c->udp_max_len : CCSP_SYSLOG_UDP_LEN;
}

static ccsp_err init_fields(ccsp_logfwd *f, const ccsp_logfwd_config *cfg)
{
	f->cfg = *cfg;
	apply_defaults(&f->cfg);
	f->fd = -1;
	f->app_name = strdup(cfg->app_name);
	f->device = strdup(cfg->device != NULL ? cfg->device : "");
	if (cfg->hostname != NULL)
		snprintf(f->hostname, sizeof f->hostname, "%s", cfg->hostname);
	else if (gethostname(f->hostname, sizeof f->hostname - 1) != 0)
		f->hostname[0] = '\0';
	snprintf(f->procid, sizeof f->procid, "%ld", (long)getpid());
	f->ring = calloc(f->cfg.queue_max, sizeof *f->ring);
	f->lens = calloc(f->cfg.queue_max, sizeof *f->lens);
	f->batch = calloc(f->cfg.batch_max, sizeof *f->batch);
	if (f->app_name == NULL || f->device == NULL || f->ring == NULL || f->lens == NULL || f->batch == NULL)
		return CCSP_ERR_NOMEM;
	f->cfg.app_name = f->app_name;
	f->cfg.device = f->device;
	f->cfg.hostname = f->hostname;
	return CCSP_OK;
}

static ccsp_err init_sync(ccsp_logfwd *f)
{
	pthread_condattr_t ca;
	if (pthread_mutex_init(&f->mu, NULL) != 0)
		return CCSP_ERR_INTERNAL;
	if (pthread_condattr_init(&ca) != 0 || pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&f->cond, &ca) != 0) {
		pthread_mutex_destroy(&f->mu);
		return CCSP_ERR_INTERNAL;
	}
	pthread_condattr_destroy(&ca);
	return CCSP_OK;
}

ccsp_err ccsp_logfwd_new(const ccsp_logfwd_config *cfg, ccsp_logfwd **out)
{
	if (out == NULL)
		return CCSP_ERR_ARG;
	*out = NULL;
	if (cfg == NULL || cfg->app_name == NULL || cfg->target.kind == CCSP_LOGFWD_NONE ||
	    cfg->target.kind > CCSP_LOGFWD_HTTP ||
	    (cfg->udp_max_len != 0 && (cfg->udp_max_len < CCSP_SYSLOG_MIN_LEN || cfg->udp_max_len > 65507)))
		return CCSP_ERR_ARG;
	ccsp_logfwd *f = calloc(1, sizeof *f);
	if (f == NULL)
		return CCSP_ERR_NOMEM;
	ccsp_err ret = init_fields(f, cfg);
	if (ret != CCSP_OK || (ret = init_sync(f)) != CCSP_OK) {
		free(f->ring);
		free(f->lens);
		free(f->batch);
		free(f->app_name);
		free(f->device);
		free(f);
		return ret;
	}
	if (pthread_create(&f->thread, NULL, worker, f) != 0) {
		destroy(f);
		return CCSP_ERR_INTERNAL;
	}
	*out = f;
	return CCSP_OK;
}

void ccsp_logfwd_stats_get(ccsp_logfwd *f, ccsp_logfwd_stats *s)
{
	if (f == NULL || s == NULL)
		return;
	pthread_mutex_lock(&f->mu);
	*s = f->st;
	s->pending = f->count + f->inflight;
	pthread_mutex_unlock(&f->mu);
}

void ccsp_logfwd_free(ccsp_logfwd *f, unsigned flush_ms)
{
	if (f == NULL)
		return;
	pthread_mutex_lock(&f->mu);
	atomic_store(&f->deadline_ms, now_ms() + flush_ms);
	atomic_store(&f->stop, 1);
	pthread_cond_broadcast(&f->cond);
	int64_t until = now_ms() + flush_ms + (flush_ms != 0 ? 500 : 0);
	while (!f->done && now_ms() < until)
		timedwait_until(f, until);
	int done = f->done;
	pthread_t thread = f->thread; /* once orphaned, f may be gone as soon as the lock is released */
	if (!done)
		f->orphaned = 1; /* the thread frees it when it ends */
	pthread_mutex_unlock(&f->mu);
	if (done) {
		pthread_join(thread, NULL);
		destroy(f);
	} else {
		pthread_detach(thread);
	}
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libsdf's device (sdfc.h): a pool of pipelined connections (sdfc_pipe.c) in one device context. A call takes
 * the least busy connection, opening a new one while every open one is busy and the pool is not full, and
 * reconnecting one that failed. The first connection creates the device context (HELLO with a zero device id);
 * the others join it with the id it got (docs/sdf-protocol.md, "Authentication and device contexts").
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <ccsp/mem.h>

#include "libsdf/sdfc_internal.h"
#include "tlcp_conn.h"
#include "sdf/sdf_ops.h"
#include "sdf/sdf_token.h"

#define SDFC_ERRBUF 256
#define LOST_MSG "the VSM no longer knows this device (all its connections were lost): open the device again"

struct sdfc_device {
	sdfc_conf conf;
	SSL_CTX *ctx;          /* transport tls */
	ccsp_tlcp_config *tlcp; /* transport tlcp */
	ccsp_tlcp_session *tlcp_session; /* the last full handshake's, offered by new connections (under mu) */
	uint8_t *token;        /* ccsp_secure_alloc'd CCSP_SDF_TOKEN_MAX bytes: locked, kept out of core dumps */
	size_t token_len;
	uint8_t device_id[SDFC_DEVICE_ID_SIZE]; /* set by the first HELLO, before the device is shared */
	pthread_mutex_t mu;    /* pool bookkeeping: nused and conns[i].users. Taken alone or inside a conn's mu. */
	int mu_ok;
	unsigned nused;        /* conns[0..nused) have been handed out */
	unsigned ninit;        /* conns[0..ninit) are initialised */
	atomic_int nup;        /* connections in SDFC_UP */
	atomic_int lost;       /* the VSM dropped the device context: every call fails */
	sdfc_conn *conns;      /* conf.pool_size of them */
};

/* ---- helpers shared by the sdfc files ---- */

static _Thread_local char sdfc_errbuf[SDFC_ERRBUF];

ccsp_err sdfc_fail(ccsp_err err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(sdfc_errbuf, sizeof sdfc_errbuf, fmt, ap);
	va_end(ap);
	return err;
}

const char *sdfc_last_error(void)
{
	return sdfc_errbuf;
}

const char *sdfc_strerror(int errnum, char *buf, size_t len)
{
	return strerror_r(errnum, buf, len); /* the GNU variant: returns the message */
}

void sdfc_deadline(struct timespec *dl, uint32_t ms)
{
	(void)clock_gettime(CLOCK_MONOTONIC, dl);
	dl->tv_sec += (time_t)(ms / 1000);
	dl->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (dl->tv_nsec >= 1000000000L) {
		dl->tv_sec++;
		dl->tv_nsec -= 1000000000L;
	}
}

int sdfc_ms_left(const struct timespec *dl)
{
	struct timespec now;
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t ns = (int64_t)(dl->tv_sec - now.tv_sec) * 1000000000 + (dl->tv_nsec - now.tv_nsec);
	if (ns <= 0)
		return 0;
	int64_t ms = (ns + 999999) / 1000000;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

int sdfc_wait_fd(int fd, short events, const struct timespec *dl)
{
	for (unsigned i = 0; i < SDFC_LOOP_MAX; i++) {
		int ms = sdfc_ms_left(dl);
		if (ms == 0)
			return 0;
		struct pollfd pfd = {.fd = fd, .events = events, .revents = 0};
		int r = poll(&pfd, 1, ms);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
	errno = EINTR;
	return -1;
}

/* ---- HELLO ---- */

static ccsp_err dev_hello_refused(sdfc_device *d, sdfc_conn *c, int first, uint32_t status)
{
	sdfc_conn_fail(c, "HELLO refused");
	if (first)
		return sdfc_fail(CCSP_ERR_TOKEN, "the VSM refused the client token (status 0x%08x)", (unsigned)status);
	if (atomic_load(&d->nup) == 0) { /* no connection left: the device context is gone with them */
		atomic_store(&d->lost, 1);
		return sdfc_fail(CCSP_ERR_COMM, LOST_MSG " (status 0x%08x)", (unsigned)status);
	}
	return sdfc_fail(CCSP_ERR_COMM, "the VSM refused another connection for this device (status 0x%08x)",
	                 (unsigned)status);
}

/* The HELLO response body: the device id; the one we sent when joining. */
static ccsp_err dev_hello_id(sdfc_device *d, sdfc_conn *c, int first, const sdfc_pending *p)
{
	static const uint8_t zero_id[SDFC_DEVICE_ID_SIZE];
	uint8_t id[SDFC_DEVICE_ID_SIZE];
	ccsp_sdf_reader r;
	ccsp_sdf_reader_init(&r, p->body, p->h.length);
	if (ccsp_sdf_get_fixed(&r, CCSP_SDF_T_DEVICE_ID, id, sizeof id) != CCSP_OK ||
	    ccsp_sdf_reader_end(&r) != CCSP_OK || memcmp(id, zero_id, sizeof id) == 0 ||
	    (!first && memcmp(id, d->device_id, sizeof id) != 0)) {
		sdfc_conn_fail(c, "malformed HELLO response");
		return sdfc_fail(CCSP_ERR_COMM, "malformed HELLO response from the VSM");
	}
	if (first)
		memcpy(d->device_id, id, sizeof id);
	return CCSP_OK;
}

/* c->mu held, state SDFC_HELLO. Say HELLO: the token and the device id (zero: create a device context). */
static ccsp_err dev_hello(sdfc_device *d, sdfc_conn *c, int first, const struct timespec *dl)
{
	static const uint8_t zero_id[SDFC_DEVICE_ID_SIZE];
	ccsp_sdf_header h = {.version = CCSP_SDF_WIRE_VERSION, .type = CCSP_SDF_REQUEST, .opcode = CCSP_SDF_OP_HELLO};
	ccsp_sdf_writer w;
	sdfc_pending p;
	uint8_t *frame = NULL;
	size_t flen = 0;
	ccsp_err err = ccsp_sdf_writer_init(&w, 2 * CCSP_SDF_FIELD_HEADER + CCSP_SDF_TOKEN_MAX + SDFC_DEVICE_ID_SIZE);
	memset(&p, 0, sizeof p);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_TOKEN, d->token, d->token_len);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DEVICE_ID, first ? zero_id : d->device_id, SDFC_DEVICE_ID_SIZE);
	ccsp_err ferr = ccsp_sdf_writer_finish(&w, &h, &frame, &flen); /* also frees w when init failed */
	if (err == CCSP_OK)
		err = ferr;
	if (err != CCSP_OK) {
		sdfc_conn_fail(c, "cannot build HELLO");
		err = sdfc_fail(err, "cannot build the HELLO request: %s", ccsp_err_str(err));
		goto out;
	}
	err = sdfc_conn_roundtrip(c, &h, frame, flen, dl, &p); /* releases c->mu */
	pthread_mutex_lock(&c->mu);
	if (err != CCSP_OK) {
		sdfc_conn_fail(c, "HELLO failed"); /* when the call could not even start */
		goto out;
	}
	if (p.h.status != 0)
		err = dev_hello_refused(d, c, first, p.h.status);
	else if ((err = dev_hello_id(d, c, first, &p)) == CCSP_OK)
		sdfc_conn_up(c);
out:
	free(p.body);
	if (frame != NULL) {
		ccsp_memzero(frame, flen); /* it carries the token */
		free(frame);
	}
	return err;
}

/* The TLS context or the TLCP configuration of the config's transport. */
static ccsp_err dev_transport(sdfc_device *d)
{
	return d->conf.tlcp ? sdfc_tlcp_ctx_new(&d->conf, &d->tlcp) : sdfc_tls_ctx_new(&d->conf, &d->ctx);
}

/* ---- pool ---- */

/* c->mu held, c down with its old link reaped. Connect (mu released meanwhile) and say HELLO. */
static ccsp_err dev_connect(sdfc_device *d, sdfc_conn *c, int first, const struct timespec *dl)
{
	SSL *ssl = NULL;
	sdfc_tlcp *tl = NULL;
	int fd = -1;
	c->state = SDFC_CONNECTING;
	pthread_mutex_unlock(&c->mu);
	ccsp_err err = d->tlcp != NULL ? sdfc_tlcp_connect(d->tlcp, &d->conf, dl, &d->mu, &d->tlcp_session, &tl, &fd)
	                               : sdfc_tls_connect(d->ctx, &d->conf, dl, &ssl, &fd);
	pthread_mutex_lock(&c->mu);
	if (err != CCSP_OK) {
		c->state = SDFC_DOWN;
		pthread_cond_broadcast(&c->cv);
		return err;
	}
	if ((err = sdfc_conn_install(c, ssl, tl, fd)) != CCSP_OK)
		return sdfc_fail(err, "out of memory for a connection");
	return dev_hello(d, c, first, dl); /* on failure c is down again */
}

/* c->mu held: c is up when this returns CCSP_OK (connected by this thread or by another). */
static ccsp_err dev_conn_ready(sdfc_device *d, sdfc_conn *c, const struct timespec *dl)
{
	for (unsigned i = 0; i < SDFC_LOOP_MAX; i++) {
		if (atomic_load(&d->lost))
			return sdfc_fail(CCSP_ERR_COMM, LOST_MSG);
		if (c->state == SDFC_UP)
			return CCSP_OK;
		if (c->state == SDFC_DOWN && !sdfc_conn_linked(c))
			return dev_connect(d, c, 0, dl);
		/* another thread is connecting, or pollers of the old link are leaving */
		if (pthread_cond_timedwait(&c->cv, &c->mu, dl) != 0 && c->state != SDFC_UP)
			return sdfc_fail(CCSP_ERR_COMM, "no connection to the VSM within %u ms", d->conf.timeout_ms);
	}
	return sdfc_fail(CCSP_ERR_COMM, "connecting does not progress");
}

/* The least busy connection; a new one while every one in use is busy and the pool is not full. */
static sdfc_conn *dev_pick(sdfc_device *d)
{
	sdfc_conn *best = NULL;
	pthread_mutex_lock(&d->mu);
	for (unsigned i = 0; i < d->nused; i++)
		if (best == NULL || d->conns[i].users < best->users)
			best = &d->conns[i];
	if ((best == NULL || best->users > 0) && d->nused < d->conf.pool_size)
		best = &d->conns[d->nused++];
	best->users++;
	pthread_mutex_unlock(&d->mu);
	return best;
}

static void dev_release(sdfc_device *d, sdfc_conn *c)
{
	pthread_mutex_lock(&d->mu);
	c->users--;
	pthread_mutex_unlock(&d->mu);
}

static ccsp_err dev_roundtrip(sdfc_device *d, ccsp_sdf_header *h, uint8_t *frame, size_t len,
                              const struct timespec *dl, sdfc_pending *p)
{
	sdfc_conn *c = dev_pick(d);
	pthread_mutex_lock(&c->mu);
	ccsp_err err = dev_conn_ready(d, c, dl);
	if (err == CCSP_OK)
		err = sdfc_conn_roundtrip(c, h, frame, len, dl, p); /* releases c->mu */
	else
		pthread_mutex_unlock(&c->mu);
	dev_release(d, c);
	return err;
}

/* ---- device ---- */

static ccsp_err dev_load_token(sdfc_device *d)
{
	const char *f = d->conf.token_file;
	ccsp_err err;
	if ((d->token = ccsp_secure_alloc(CCSP_SDF_TOKEN_MAX)) == NULL)
		return sdfc_fail(CCSP_ERR_NOMEM, "cannot allocate memory for the token");
	err = ccsp_sdf_token_unseal(f, d->token, &d->token_len);
	switch (err) {
	case CCSP_OK:
		return CCSP_OK;
	case CCSP_ERR_AUTH:
		return sdfc_fail(err, "token_file %s: cannot unseal it (wrong or missing CCSP_SDF_PIN, sealed on another "
		                      "host, or altered)", f);
	case CCSP_ERR_FILE_NOT_FOUND:
		return sdfc_fail(err, "token_file %s: no such file", f);
	case CCSP_ERR_DECODE:
		return sdfc_fail(err, "token_file %s: not a sealed token", f);
	default:
		return sdfc_fail(err, "token_file %s: %s", f, ccsp_err_str(err));
	}
}

static ccsp_err dev_conns_init(sdfc_device *d)
{
	if ((d->conns = calloc(d->conf.pool_size, sizeof *d->conns)) == NULL)
		return sdfc_fail(CCSP_ERR_NOMEM, "out of memory");
	for (; d->ninit < d->conf.pool_size; d->ninit++)
		if (sdfc_conn_init(&d->conns[d->ninit], d->conf.timeout_ms, &d->nup) != CCSP_OK)
			return sdfc_fail(CCSP_ERR_NOMEM, "cannot create the connection pool");
	return CCSP_OK;
}

ccsp_err sdfc_device_open(const char *path, sdfc_device **out)
{
	sdfc_device *d = NULL;
	struct timespec dl;
	ccsp_err err;
	if (out == NULL)
		return sdfc_fail(CCSP_ERR_ARG, "sdfc_device_open: NULL argument");
	*out = NULL;
	if (path == NULL || path[0] == '\0')
		path = getenv("CCSP_SDF_CONF");
	if (path == NULL || path[0] == '\0')
		path = SDFC_DEFAULT_CONF;
	if ((d = calloc(1, sizeof *d)) == NULL || pthread_mutex_init(&d->mu, NULL) != 0) {
		err = sdfc_fail(CCSP_ERR_NOMEM, "out of memory");
		goto out;
	}
	d->mu_ok = 1;
	atomic_init(&d->nup, 0);
	atomic_init(&d->lost, 0);
	if ((err = sdfc_conf_load(path, &d->conf)) != CCSP_OK || (err = dev_load_token(d)) != CCSP_OK ||
	    (err = dev_transport(d)) != CCSP_OK || (err = dev_conns_init(d)) != CCSP_OK)
		goto out;
	sdfc_deadline(&dl, d->conf.timeout_ms);
	d->nused = 1;
	pthread_mutex_lock(&d->conns[0].mu);
	err = dev_connect(d, &d->conns[0], 1, &dl);
	pthread_mutex_unlock(&d->conns[0].mu);
	if (err != CCSP_OK)
		goto out;
	*out = d;
	d = NULL;
out:
	sdfc_device_close(d);
	return err;
}

void sdfc_device_close(sdfc_device *d)
{
	if (d == NULL)
		return;
	for (unsigned i = 0; i < d->ninit; i++)
		sdfc_conn_destroy(&d->conns[i]);
	free(d->conns);
	SSL_CTX_free(d->ctx);
	ccsp_tlcp_config_free(d->tlcp);
	ccsp_tlcp_session_free(d->tlcp_session); /* wipes the master secret */
	ccsp_secure_free(d->token); /* wipes */
	sdfc_conf_clear(&d->conf);
	if (d->mu_ok)
		pthread_mutex_destroy(&d->mu);
	free(d);
}

ccsp_err sdfc_call(sdfc_device *d, uint16_t opcode, uint64_t session, ccsp_sdf_writer *w, uint32_t *status,
                   uint8_t **body, size_t *len, uint64_t *session_out)
{
	ccsp_sdf_header h = {
		.version = CCSP_SDF_WIRE_VERSION, .type = CCSP_SDF_REQUEST, .opcode = opcode, .session = session};
	sdfc_pending p;
	struct timespec dl;
	uint8_t *frame = NULL;
	size_t flen = 0;
	ccsp_err err;
	memset(&p, 0, sizeof p);
	if (status != NULL)
		*status = 0;
	if (body != NULL)
		*body = NULL;
	if (len != NULL)
		*len = 0;
	if (session_out != NULL)
		*session_out = 0;
	if (d == NULL || w == NULL || status == NULL || body == NULL || len == NULL) {
		if (w != NULL)
			ccsp_sdf_writer_free(w);
		err = sdfc_fail(CCSP_ERR_ARG, "sdfc_call: NULL argument");
		goto out;
	}
	if ((err = ccsp_sdf_writer_finish(w, &h, &frame, &flen)) != CCSP_OK) {
		sdfc_fail(err, "cannot build the request: %s", ccsp_err_str(err));
		goto out;
	}
	sdfc_deadline(&dl, d->conf.timeout_ms);
	if ((err = dev_roundtrip(d, &h, frame, flen, &dl, &p)) != CCSP_OK)
		goto out;
	*status = p.h.status;
	if (session_out != NULL)
		*session_out = p.h.session;
	*body = p.body; /* NULL when the body is empty (always so when status != 0) */
	*len = p.h.length;
	p.body = NULL;
out:
	free(p.body);
	if (frame != NULL) {
		ccsp_memzero(frame, flen); /* requests carry passwords and keys */
		free(frame);
	}
	return err;
}

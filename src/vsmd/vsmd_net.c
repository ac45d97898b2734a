/* SPDX-License-Identifier: Apache-2.0 */
/* The vsmd_net object: creation, the run loop, stop (self-pipe) and the drain that ends it. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/thread.h>

#include "tlcp_conn.h"
#include "vsmd_net_internal.h"

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static int global_ok;

static void silent_log(int severity, const char *msg)
{
	(void)severity;
	(void)msg;
}

/* libevent's lock callbacks must be installed before the first event_base is created; they are
 * process-wide, so this runs once. */
static void global_init(void)
{
	event_set_log_callback(silent_log);
	global_ok = evthread_use_pthreads() == 0;
}

uint64_t vsmd_now_ms(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void vsmd_net_emit(vsmd_net *n, const char *name, const char *detail)
{
	if (n->h.event != NULL)
		n->h.event(n->h.arg, name, detail);
}

void vsmd_net_check_done(vsmd_net *n)
{
	if (n->draining && n->n_conns == 0 && n->outstanding == 0)
		(void)event_base_loopexit(n->base, NULL);
}

static void begin_drain(vsmd_net *n)
{
	if (n->draining)
		return;
	n->draining = 1;
	vsmd_listen_close(n);
	vsmd_conn *next;
	for (vsmd_conn *c = n->conns; c != NULL; c = next) {
		next = c->next;
		vsmd_conn_drain(c); /* may free c */
	}
	struct timeval tv = {VSMD_DRAIN_MS / 1000, 0};
	(void)event_add(n->drain_ev, &tv);
	vsmd_net_check_done(n);
}

/* Peers that did not read their last answers within VSMD_DRAIN_MS: cut them off. Requests still running
 * keep their connection objects (not their sockets) until they complete. */
static void drain_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	vsmd_net *n = arg;
	(void)fd;
	(void)what;
	vsmd_conn *next;
	for (vsmd_conn *c = n->conns; c != NULL; c = next) {
		next = c->next;
		vsmd_conn_close(c);
	}
	vsmd_net_check_done(n);
}

static void stop_cb(evutil_socket_t fd, short what, void *arg)
{
	vsmd_net *n = arg;
	char buf[64];
	(void)what;
	while (read(fd, buf, sizeof buf) > 0)
		;
	begin_drain(n);
}

void vsmd_net_stop(vsmd_net *n)
{
	if (n == NULL)
		return;
	int saved = errno;
	ssize_t r = write(n->stop_pipe[1], "s", 1); /* EAGAIN: the pipe is full, a stop is pending anyway */
	(void)r;
	errno = saved;
}

int vsmd_net_port(const vsmd_net *n)
{
	return n != NULL ? n->port : 0;
}

static ccsp_err check_tlcp(const vsmd_net_config *cfg)
{
	if (cfg->tlcp_sign_cert == NULL || cfg->tlcp_sign_key == NULL || cfg->tlcp_enc_cert == NULL ||
	    cfg->tlcp_enc_key == NULL || cfg->tlcp_verify < CCSP_TLCP_CLIENT_AUTH_NONE ||
	    cfg->tlcp_verify > CCSP_TLCP_CLIENT_AUTH_REQUIRED)
		return CCSP_ERR_ARG;
	if (cfg->tlcp_verify != CCSP_TLCP_CLIENT_AUTH_NONE && cfg->tlcp_ca_file == NULL)
		return CCSP_ERR_ARG; /* no client certificate could be accepted */
	return CCSP_OK;
}

static ccsp_err check_config(const vsmd_net_config *cfg, const vsmd_net_handlers *h)
{
	if (cfg == NULL || h == NULL || cfg->listen == NULL)
		return CCSP_ERR_ARG;
	if (cfg->transport == VSMD_TRANSPORT_TLCP ? check_tlcp(cfg) != CCSP_OK
	                                          : cfg->transport != VSMD_TRANSPORT_TLS || cfg->cert_file == NULL ||
	                                                cfg->key_file == NULL)
		return CCSP_ERR_ARG;
	if (cfg->workers < 1 || cfg->workers > 1024 || cfg->max_connections < 1 || cfg->max_inflight < 1)
		return CCSP_ERR_ARG;
	if (h->authenticate == NULL || h->dispatch == NULL || h->owner_gone == NULL)
		return CCSP_ERR_ARG;
	return CCSP_OK;
}

/* A copy of an optional string into *dst (NULL stays NULL); 0 when out of memory. */
static int dup_opt(const char **field, char **dst)
{
	const char *src = *field;
	*dst = src != NULL ? strdup(src) : NULL;
	*field = *dst;
	return *dst != NULL || src == NULL;
}

static ccsp_err copy_config(vsmd_net *n, const vsmd_net_config *cfg)
{
	vsmd_net_config *c = &n->cfg;
	*c = *cfg;
	int ok = dup_opt(&c->listen, &n->listen) & dup_opt(&c->cert_file, &n->cert_file) &
	         dup_opt(&c->key_file, &n->key_file) & dup_opt(&c->admin_socket, &n->admin_socket) &
	         dup_opt(&c->tlcp_sign_cert, &n->tlcp_files[0]) & dup_opt(&c->tlcp_sign_key, &n->tlcp_files[1]) &
	         dup_opt(&c->tlcp_enc_cert, &n->tlcp_files[2]) & dup_opt(&c->tlcp_enc_key, &n->tlcp_files[3]) &
	         dup_opt(&c->tlcp_ca_file, &n->tlcp_files[4]);
	return ok ? CCSP_OK : CCSP_ERR_NOMEM;
}

static ccsp_err create_events(vsmd_net *n)
{
	if (pipe2(n->stop_pipe, O_NONBLOCK | O_CLOEXEC) != 0)
		return CCSP_ERR_IO;
	n->base = event_base_new();
	if (n->base == NULL)
		return CCSP_ERR_INTERNAL;
	n->stop_ev = event_new(n->base, n->stop_pipe[0], EV_READ | EV_PERSIST, stop_cb, n);
	n->done_ev = event_new(n->base, -1, 0, vsmd_workers_done_cb, n);
	n->drain_ev = evtimer_new(n->base, drain_timeout_cb, n);
	if (n->stop_ev == NULL || n->done_ev == NULL || n->drain_ev == NULL || event_add(n->stop_ev, NULL) != 0)
		return CCSP_ERR_INTERNAL;
	return CCSP_OK;
}

ccsp_err vsmd_net_new(const vsmd_net_config *cfg, const vsmd_net_handlers *h, vsmd_net **out)
{
	ccsp_err err = CCSP_ERR_ARG;
	vsmd_net *n = NULL;
	if (out == NULL)
		goto out;
	*out = NULL;
	err = check_config(cfg, h);
	if (err != CCSP_OK)
		goto out;
	err = CCSP_ERR_INTERNAL;
	if (pthread_once(&global_once, global_init) != 0 || !global_ok)
		goto out;
	err = CCSP_ERR_NOMEM;
	n = calloc(1, sizeof *n);
	if (n == NULL)
		goto out;
	n->stop_pipe[0] = n->stop_pipe[1] = -1;
	n->work_mu = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	n->done_mu = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	n->work_cv = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
	n->h = *h;
	n->queue_cap = cfg->workers * VSMD_JOBS_PER_WORKER;
	n->rate_milli = (uint64_t)VSMD_RATE_BURST * 1000u;
	n->rate_last_ms = vsmd_now_ms();
	err = copy_config(n, cfg);
	if (err == CCSP_OK)
		err = create_events(n);
	if (err == CCSP_OK)
		err = vsmd_listen_open(n);
	if (err != CCSP_OK)
		goto out;
	*out = n;
	n = NULL;
out:
	if (n != NULL) {
		int saved = errno; /* keep bind's errno for the caller */
		vsmd_net_free(n);
		errno = saved;
	}
	return err;
}

ccsp_err vsmd_net_run(vsmd_net *n)
{
	if (n == NULL)
		return CCSP_ERR_ARG;
	if (n->draining)
		return CCSP_ERR_STATE; /* ran and drained already: the listeners are closed */
	ccsp_err err = vsmd_workers_start(n);
	if (err != CCSP_OK)
		return err;
	int rc = event_base_dispatch(n->base);
	vsmd_workers_stop(n);
	return rc == 0 ? CCSP_OK : CCSP_ERR_INTERNAL;
}

/* Only after a failed run can connections or jobs be left here: drop them without calling handlers. */
static void free_leftovers(vsmd_net *n)
{
	vsmd_conn *next;
	for (vsmd_conn *c = n->conns; c != NULL; c = next) {
		next = c->next;
		vsmd_conn_close(c);
	}
	for (;;) {
		vsmd_job *j = n->done_head != NULL ? n->done_head : n->work_head;
		if (j == NULL)
			break;
		if (j == n->done_head)
			n->done_head = j->next;
		else
			n->work_head = j->next;
		vsmd_conn *c = j->conn;
		vsmd_job_free(j);
		if (c != NULL)
			vsmd_conn_unref(c);
	}
}

void vsmd_net_free(vsmd_net *n)
{
	if (n == NULL)
		return;
	n->draining = 1;
	vsmd_listen_close(n);
	free_leftovers(n);
	vsmd_devices_free(n);
	if (n->retry_ev != NULL)
		event_free(n->retry_ev);
	if (n->stop_ev != NULL)
		event_free(n->stop_ev);
	if (n->done_ev != NULL)
		event_free(n->done_ev);
	if (n->drain_ev != NULL)
		event_free(n->drain_ev);
	if (n->base != NULL)
		event_base_free(n->base);
	SSL_CTX_free(n->ssl_ctx);
	ccsp_tlcp_config_free(n->tlcp_cfg);
	vsmd_listen_unlink_admin(n);
	for (int i = 0; i < 2; i++)
		if (n->stop_pipe[i] >= 0)
			(void)close(n->stop_pipe[i]);
	(void)pthread_mutex_destroy(&n->work_mu);
	(void)pthread_mutex_destroy(&n->done_mu);
	(void)pthread_cond_destroy(&n->work_cv);
	free(n->threads);
	free(n->listen);
	free(n->cert_file);
	free(n->key_file);
	free(n->admin_socket);
	for (size_t i = 0; i < sizeof n->tlcp_files / sizeof n->tlcp_files[0]; i++)
		free(n->tlcp_files[i]);
	free(n);
}

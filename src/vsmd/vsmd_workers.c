/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The worker pool: jobs go loop -> workers through the work queue, and back through the done queue, whose
 * event (done_ev) the worker activates; the loop thread then writes the answers. Handlers run only here.
 *
 * Wake-ups cost more than the short operations themselves (SM2 sign ~14 us), so neither side wakes the other
 * needlessly: the loop signals a worker only when one is idle, and a worker activates done_ev only when the
 * done queue was empty (the loop has not been told yet); the loop then takes the whole queue at once, and a
 * worker takes the next job without sleeping while there is one.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/sdf.h>

#include "vsmd_net_internal.h"

static void wipe_free(uint8_t *p, size_t len)
{
	if (p != NULL) {
		ccsp_memzero(p, len);
		free(p);
	}
}

void vsmd_job_free(vsmd_job *job)
{
	if (job == NULL)
		return;
	wipe_free(job->body, job->body_len);
	wipe_free(job->resp, job->resp_len);
	ccsp_memzero(job, sizeof *job);
	free(job);
}

/* A failed answer has an empty body and the request's session (docs/sdf-protocol.md). */
static uint8_t *error_frame(const ccsp_sdf_header *req, uint32_t status)
{
	ccsp_sdf_header h = {CCSP_SDF_WIRE_VERSION, CCSP_SDF_RESPONSE, req->opcode, req->request, req->session,
	                     status, 0};
	uint8_t *frame = malloc(CCSP_SDF_HEADER_SIZE);
	if (frame != NULL)
		ccsp_sdf_header_encode(&h, frame);
	return frame;
}

static void run_request(vsmd_net *n, vsmd_job *job)
{
	ccsp_sdf_reader r;
	ccsp_sdf_writer w;
	uint64_t session = job->h.session;
	uint32_t status = SDR_NOBUFFER;
	ccsp_sdf_reader_init(&r, job->body, job->body_len);
	/* answers of bulk operations are about as large as their requests: size the buffer once */
	if (ccsp_sdf_writer_init(&w, job->body_len + 256) == CCSP_OK)
		status = n->h.dispatch(n->h.arg, job->owner, job->admin, &job->h, &r, &w, &session);
	if (status == SDR_OK) {
		ccsp_sdf_header h = {CCSP_SDF_WIRE_VERSION, CCSP_SDF_RESPONSE, job->h.opcode, job->h.request, session,
		                     SDR_OK, 0};
		if (ccsp_sdf_writer_finish(&w, &h, &job->resp, &job->resp_len) != CCSP_OK)
			status = SDR_NOBUFFER;
	} else {
		ccsp_sdf_writer_free(&w);
	}
	if (status != SDR_OK) {
		job->resp = error_frame(&job->h, status);
		job->resp_len = job->resp != NULL ? CCSP_SDF_HEADER_SIZE : 0;
	}
	wipe_free(job->body, job->body_len);
	job->body = NULL;
}

static void run_job(vsmd_net *n, vsmd_job *job)
{
	switch (job->kind) {
	case VSMD_JOB_REQUEST:
		run_request(n, job);
		break;
	case VSMD_JOB_HELLO:
		job->status = n->h.authenticate(n->h.arg, job->token, job->token_len, job->conn->peer);
		wipe_free(job->body, job->body_len); /* the token */
		job->body = NULL;
		job->token = NULL;
		break;
	case VSMD_JOB_OWNER_GONE:
		n->h.owner_gone(n->h.arg, job->owner);
		break;
	}
}

static void *worker_main(void *arg)
{
	vsmd_net *n = arg;
	pthread_mutex_lock(&n->work_mu);
	for (;;) {
		while (n->work_head == NULL && !n->work_stop) {
			n->work_idle++;
			pthread_cond_wait(&n->work_cv, &n->work_mu);
			n->work_idle--;
			if (n->work_signalled > 0)
				n->work_signalled--;
		}
		vsmd_job *job = n->work_head;
		if (job == NULL)
			break; /* stopping and nothing left */
		n->work_head = job->next;
		if (n->work_head == NULL)
			n->work_tail = NULL;
		pthread_mutex_unlock(&n->work_mu);

		job->next = NULL;
		run_job(n, job);
		pthread_mutex_lock(&n->done_mu);
		int first = n->done_head == NULL;
		if (n->done_tail != NULL)
			n->done_tail->next = job;
		else
			n->done_head = job;
		n->done_tail = job;
		pthread_mutex_unlock(&n->done_mu);
		if (first) /* else done_ev is active already and the loop has not taken the queue yet */
			event_active(n->done_ev, EV_READ, 0);

		pthread_mutex_lock(&n->work_mu);
	}
	pthread_mutex_unlock(&n->work_mu);
	return NULL;
}

void vsmd_workers_submit(vsmd_net *n, vsmd_job *job)
{
	n->outstanding++;
	job->next = NULL;
	pthread_mutex_lock(&n->work_mu);
	if (n->work_tail != NULL)
		n->work_tail->next = job;
	else
		n->work_head = job;
	n->work_tail = job;
	if (n->work_idle > n->work_signalled) { /* a worker that is awake takes the job without a wake-up */
		n->work_signalled++;
		pthread_cond_signal(&n->work_cv);
	}
	pthread_mutex_unlock(&n->work_mu);
}

/* Completed jobs (loop thread). outstanding drops first so that the answer's connection, processed next,
 * sees the room its job left in the queue. */
void vsmd_workers_done_cb(evutil_socket_t fd, short what, void *arg)
{
	vsmd_net *n = arg;
	(void)fd;
	(void)what;
	pthread_mutex_lock(&n->done_mu);
	vsmd_job *list = n->done_head;
	n->done_head = n->done_tail = NULL;
	pthread_mutex_unlock(&n->done_mu);
	while (list != NULL) {
		vsmd_job *job = list;
		list = job->next;
		n->outstanding--;
		if (job->kind == VSMD_JOB_REQUEST)
			vsmd_conn_request_done(job->conn, job);
		else if (job->kind == VSMD_JOB_HELLO)
			vsmd_auth_hello_done(job->conn, job);
		vsmd_conn *c = job->conn;
		vsmd_job_free(job);
		if (c != NULL)
			vsmd_conn_unref(c);
	}
	vsmd_conn_resume_blocked(n);
	vsmd_net_check_done(n);
}

ccsp_err vsmd_workers_start(vsmd_net *n)
{
	n->threads = calloc(n->cfg.workers, sizeof *n->threads);
	if (n->threads == NULL)
		return CCSP_ERR_NOMEM;
	n->work_stop = 0;
	for (n->n_threads = 0; n->n_threads < n->cfg.workers; n->n_threads++) {
		if (pthread_create(&n->threads[n->n_threads], NULL, worker_main, n) != 0) {
			vsmd_workers_stop(n);
			return CCSP_ERR_INTERNAL;
		}
	}
	return CCSP_OK;
}

/* Workers finish the queue, then exit. */
void vsmd_workers_stop(vsmd_net *n)
{
	pthread_mutex_lock(&n->work_mu);
	n->work_stop = 1;
	pthread_cond_broadcast(&n->work_cv);
	pthread_mutex_unlock(&n->work_mu);
	for (unsigned i = 0; i < n->n_threads; i++)
		(void)pthread_join(n->threads[i], NULL);
	n->n_threads = 0;
	free(n->threads);
	n->threads = NULL;
}

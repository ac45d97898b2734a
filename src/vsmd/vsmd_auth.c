/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HELLO (docs/sdf-protocol.md, "Authentication and device contexts"), the device-context table and the
 * server-wide rate limit of failed HELLOs. Loop thread only, except the token check, which runs on a worker
 * (the handler may be slow: a password hash).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>
#include <ccsp/sdf.h>

#include "sdf/sdf_ops.h"
#include "sdf/sdf_token.h"
#include "vsm/vsm.h"
#include "vsmd_net_internal.h"

#define TOKEN_MIN CCSP_SDF_TOKEN_MIN
_Static_assert(CCSP_SDF_TOKEN_MIN == CCSP_VSM_TOKEN_MIN && CCSP_SDF_TOKEN_MAX == CCSP_VSM_TOKEN_MAX,
               "one token bound for libsdf, vsmd and the VSM");
#define TOKEN_MAX CCSP_SDF_TOKEN_MAX

static _Atomic uint64_t next_owner = 1;

uint64_t vsmd_owner_next(void)
{
	return atomic_fetch_add(&next_owner, 1);
}

/* ---- rate limit: a token bucket of failed HELLOs, in thousandths of a token ---- */

static void rate_refill(vsmd_net *n)
{
	uint64_t now = vsmd_now_ms(), cap = (uint64_t)VSMD_RATE_BURST * 1000u;
	uint64_t add = (now - n->rate_last_ms) * VSMD_RATE_PER_S;
	n->rate_milli = add >= cap - n->rate_milli ? cap : n->rate_milli + add;
	n->rate_last_ms = now;
}

static int rate_allow(vsmd_net *n)
{
	rate_refill(n);
	return n->rate_milli >= 1000u;
}

static void rate_fail(vsmd_net *n)
{
	rate_refill(n);
	n->rate_milli = n->rate_milli >= 1000u ? n->rate_milli - 1000u : 0;
}

/* At most one event per second: an attacker must not be able to flood the audit log through us. */
static void rate_event(vsmd_net *n, const char *peer)
{
	uint64_t now = vsmd_now_ms();
	if (n->rate_event_ms != 0 && now - n->rate_event_ms < 1000u) {
		n->rate_suppressed++;
		return;
	}
	char detail[VSMD_PEER_MAX + 48];
	if (n->rate_suppressed != 0)
		(void)snprintf(detail, sizeof detail, "%s (and %u more refused)", peer, n->rate_suppressed);
	else
		(void)snprintf(detail, sizeof detail, "%s", peer);
	n->rate_event_ms = now;
	n->rate_suppressed = 0;
	vsmd_net_emit(n, "auth.ratelimit", detail);
}

/* ---- device contexts ---- */

static vsmd_device **device_slot(vsmd_net *n, const uint8_t id[VSMD_DEVICE_ID_SIZE])
{
	vsmd_device **pp = &n->devices[id[0] % VSMD_DEVICE_BUCKETS];
	while (*pp != NULL && CRYPTO_memcmp((*pp)->id, id, VSMD_DEVICE_ID_SIZE) != 0)
		pp = &(*pp)->next;
	return pp;
}

static int is_zero(const uint8_t *p, size_t len)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < len; i++)
		acc |= p[i];
	return acc == 0;
}

static vsmd_device *device_create(vsmd_net *n)
{
	uint8_t id[VSMD_DEVICE_ID_SIZE];
	int tries = 0;
	do {
		if (++tries > 8 || ccsp_random(id, sizeof id) != CCSP_OK)
			return NULL;
	} while (is_zero(id, sizeof id) || *device_slot(n, id) != NULL);
	vsmd_device *d = calloc(1, sizeof *d);
	if (d == NULL)
		return NULL;
	memcpy(d->id, id, sizeof id);
	d->owner = vsmd_owner_next();
	d->refs = 1;
	vsmd_device **pp = device_slot(n, id);
	*pp = d;
	return d;
}

/* id all zero: a new context; otherwise the existing one (NULL when unknown). */
static vsmd_device *device_attach(vsmd_net *n, const uint8_t id[VSMD_DEVICE_ID_SIZE])
{
	if (is_zero(id, VSMD_DEVICE_ID_SIZE))
		return device_create(n);
	vsmd_device *d = *device_slot(n, id);
	if (d != NULL)
		d->refs++;
	return d;
}

static void owner_gone_submit(vsmd_net *n, uint64_t owner)
{
	vsmd_job *job = calloc(1, sizeof *job);
	if (job == NULL) {
		n->h.owner_gone(n->h.arg, owner); /* better late on this thread than sessions never closed */
		return;
	}
	job->kind = VSMD_JOB_OWNER_GONE;
	job->owner = owner;
	vsmd_workers_submit(n, job);
}

void vsmd_owner_release(vsmd_net *n, vsmd_conn *c)
{
	if (c->admin) {
		if (c->owner != 0)
			owner_gone_submit(n, c->owner);
		return;
	}
	vsmd_device *d = c->dev;
	c->dev = NULL;
	if (d == NULL || --d->refs != 0)
		return;
	vsmd_device **pp = device_slot(n, d->id);
	*pp = d->next;
	owner_gone_submit(n, d->owner);
	ccsp_memzero(d, sizeof *d);
	free(d);
}

void vsmd_devices_free(vsmd_net *n)
{
	for (unsigned i = 0; i < VSMD_DEVICE_BUCKETS; i++) {
		while (n->devices[i] != NULL) {
			vsmd_device *d = n->devices[i];
			n->devices[i] = d->next;
			ccsp_memzero(d, sizeof *d);
			free(d);
		}
	}
}

/* ---- HELLO ---- */

static void hello_refuse(vsmd_conn *c, const ccsp_sdf_header *h, uint32_t status)
{
	vsmd_conn_send_status(c, h, status);
	vsmd_conn_close_soon(c);
}

static ccsp_err hello_parse(vsmd_job *job)
{
	ccsp_sdf_reader r;
	ccsp_sdf_reader_init(&r, job->body, job->body_len);
	ccsp_err err = ccsp_sdf_get_bytes(&r, CCSP_SDF_T_TOKEN, TOKEN_MIN, TOKEN_MAX, &job->token, &job->token_len);
	if (err == CCSP_OK)
		err = ccsp_sdf_get_fixed(&r, CCSP_SDF_T_DEVICE_ID, job->device_id, VSMD_DEVICE_ID_SIZE);
	if (err == CCSP_OK)
		err = ccsp_sdf_reader_end(&r);
	return err;
}

/* The first frame of a TLS connection (body: ownership taken). */
void vsmd_auth_hello(vsmd_conn *c, const ccsp_sdf_header *h, uint8_t *body)
{
	vsmd_net *n = c->net;
	vsmd_job *job = calloc(1, sizeof *job);
	uint32_t status = SDR_NOBUFFER;
	if (job == NULL) {
		if (body != NULL)
			ccsp_memzero(body, h->length);
		free(body);
		goto refuse;
	}
	job->kind = VSMD_JOB_HELLO;
	job->h = *h;
	job->body = body;
	job->body_len = h->length;
	status = SDR_OPENDEVICE;
	if (h->opcode != CCSP_SDF_OP_HELLO)
		goto refuse;
	if (!rate_allow(n)) {
		rate_event(n, c->peer);
		goto refuse;
	}
	status = SDR_INARGERR;
	if (hello_parse(job) != CCSP_OK) {
		rate_fail(n);
		goto refuse;
	}
	job->conn = c;
	vsmd_conn_ref(c);
	c->state = VSMD_CONN_HELLO_PENDING;
	vsmd_workers_submit(n, job);
	return;
refuse:
	vsmd_job_free(job);
	hello_refuse(c, h, status);
}

static ccsp_err hello_answer(vsmd_conn *c, const ccsp_sdf_header *req, const vsmd_device *d)
{
	ccsp_sdf_writer w;
	ccsp_sdf_header h = {CCSP_SDF_WIRE_VERSION, CCSP_SDF_RESPONSE, req->opcode, req->request, req->session,
	                     SDR_OK, 0};
	uint8_t *frame = NULL;
	size_t len = 0;
	ccsp_err err = ccsp_sdf_writer_init(&w, CCSP_SDF_FIELD_HEADER + VSMD_DEVICE_ID_SIZE);
	if (err != CCSP_OK)
		return err;
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_DEVICE_ID, d->id, VSMD_DEVICE_ID_SIZE);
	err = ccsp_sdf_writer_finish(&w, &h, &frame, &len);
	if (err == CCSP_OK)
		vsmd_conn_send(c, frame, len);
	return err;
}

/* The token check came back (loop thread). The device id is looked at only after a good token, so that an
 * unauthenticated peer learns nothing about which contexts exist. */
void vsmd_auth_hello_done(vsmd_conn *c, vsmd_job *job)
{
	vsmd_net *n = c->net;
	if (c->fd < 0 || c->closing)
		return;
	if (job->status != SDR_OK) {
		rate_fail(n);
		vsmd_net_emit(n, "auth.fail", c->peer);
		hello_refuse(c, &job->h, job->status);
		return;
	}
	vsmd_device *d = device_attach(n, job->device_id);
	if (d == NULL) {
		if (!is_zero(job->device_id, VSMD_DEVICE_ID_SIZE)) { /* else: no memory or randomness */
			rate_fail(n);
			vsmd_net_emit(n, "auth.device", c->peer);
		}
		hello_refuse(c, &job->h, SDR_OPENDEVICE);
		return;
	}
	c->dev = d;
	vsmd_conn_set_ready(c, d->owner);
	if (hello_answer(c, &job->h, d) != CCSP_OK) {
		vsmd_conn_close(c);
		return;
	}
	if (n->draining)
		vsmd_conn_close_soon(c);
	else
		vsmd_conn_process(c);
}

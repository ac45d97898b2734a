/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TLCP connection object: input and output buffers around the record layer, the dispatch of records (handshake
 * messages reassembled across records, ChangeCipherSpec, alerts, application data), fatal failures, application
 * data, close_notify and the queries.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>

#include "ct.h"
#include "tlcp_hs_internal.h"

ccsp_tlcp_conn *ccsp_tlcp_conn_new(ccsp_tlcp_config *cfg, int is_server)
{
	ccsp_tlcp_conn *c;

	if (cfg == NULL || (is_server && (cfg->key[0] == NULL || cfg->key[1] == NULL)))
		return NULL;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	c->rec = ccsp_tlcp_record_new();
	c->in = malloc(TLCP_IN_CAP);
	if (c->rec == NULL || c->in == NULL || ccsp_sm3_init(&c->transcript) != CCSP_OK) {
		ccsp_tlcp_record_free(c->rec);
		free(c->in);
		free(c);
		return NULL;
	}
	__atomic_add_fetch(&cfg->refs, 1, __ATOMIC_ACQ_REL);
	c->cfg = cfg;
	c->is_server = is_server != 0;
	c->hs = c->is_server ? HS_SERVER_WAIT_CH : HS_CLIENT_START;
	c->alert_sent = c->alert_recv = CCSP_TLCP_ALERT_NONE;
	return c;
}

/* Wipe what only the handshake needs. */
static void hs_wipe(ccsp_tlcp_conn *c)
{
	ccsp_memzero(&c->kb, sizeof c->kb);
	ccsp_sm2_kex_free(c->kex);
	c->kex = NULL;
}

void ccsp_tlcp_conn_free(ccsp_tlcp_conn *c)
{
	if (c == NULL)
		return;
	hs_wipe(c);
	tlcp_buf_free(&c->msg);
	ccsp_tlcp_record_free(c->rec);
	ccsp_memzero(c->in, TLCP_IN_CAP);
	free(c->in);
	tlcp_buf_free(&c->out);
	ccsp_tlcp_session_free(c->offer);
	ccsp_sm2_key_free(c->peer_key[0]);
	ccsp_sm2_key_free(c->peer_key[1]);
	free(c->peer_certs);
	free(c->server_name);
	ccsp_tlcp_config_free(c->cfg);
	ccsp_memzero(c, sizeof *c);
	free(c);
}

ccsp_err ccsp_tlcp_conn_set_server_name(ccsp_tlcp_conn *c, const char *name)
{
	char *copy;

	if (c == NULL || name == NULL || name[0] == '\0' || strlen(name) > 253)
		return CCSP_ERR_ARG;
	if (c->is_server || c->hs != HS_CLIENT_START)
		return CCSP_ERR_STATE;
	if ((copy = strdup(name)) == NULL)
		return CCSP_ERR_NOMEM;
	free(c->server_name);
	c->server_name = copy;
	return CCSP_OK;
}

ccsp_err ccsp_tlcp_conn_set_session(ccsp_tlcp_conn *c, const ccsp_tlcp_session *s)
{
	ccsp_tlcp_session *copy;
	ccsp_err ret;

	if (c == NULL || s == NULL)
		return CCSP_ERR_ARG;
	if (c->is_server || c->hs != HS_CLIENT_START)
		return CCSP_ERR_STATE;
	copy = calloc(1, sizeof *copy);
	if (copy == NULL)
		return CCSP_ERR_NOMEM;
	if ((ret = tlcp_session_copy(copy, s)) != CCSP_OK) {
		free(copy);
		return ret;
	}
	ccsp_tlcp_session_free(c->offer);
	c->offer = copy;
	return CCSP_OK;
}

/* Protect one record (or several for len > 2^14) into the output. */
static ccsp_err put_record(ccsp_tlcp_conn *c, uint8_t type, const uint8_t *data, size_t len)
{
	size_t need = ccsp_tlcp_record_wire_size(c->rec, len), w = 0;
	ccsp_err ret;

	if (!tlcp_buf_reserve(&c->out, need))
		return CCSP_ERR_NOMEM;
	ret = ccsp_tlcp_record_write(c->rec, type, data, len, c->out.p + c->out.len, c->out.cap - c->out.len, &w);
	if (ret == CCSP_OK)
		c->out.len += w;
	return ret;
}

ccsp_err tlcp_fail(ccsp_tlcp_conn *c, ccsp_err err, uint8_t alert)
{
	if (c->state == CCSP_TLCP_STATE_FAILED)
		return c->err;
	c->state = CCSP_TLCP_STATE_FAILED;
	c->err = err;
	if (alert != CCSP_TLCP_ALERT_NONE) {
		uint8_t a[2] = {2, alert}; /* level fatal */
		c->alert_sent = alert;
		(void)put_record(c, CCSP_TLCP_ALERT, a, sizeof a);
	}
	/* A session whose connection failed must not be resumed (GM/T 0024-2014 clause 6.4.5.2.1). */
	if (c->is_server && c->sid_len > 0)
		tlcp_cache_remove(c->cfg->cache, c->sid, c->sid_len);
	hs_wipe(c);
	ccsp_memzero(c->master, sizeof c->master);
	if (c->app_len > 0)
		ccsp_memzero(c->app, c->app_len);
	c->app_len = 0;
	return err;
}

ccsp_err tlcp_send_hs(ccsp_tlcp_conn *c, uint8_t type, const uint8_t *body, size_t len)
{
	uint8_t *m;
	ccsp_err ret;

	if (len > CCSP_TLCP_MAX_HS_MSG * 4u || (m = malloc(4 + len)) == NULL)
		return tlcp_fail(c, CCSP_ERR_NOMEM, CCSP_TLCP_ALERT_INTERNAL_ERROR);
	m[0] = type;
	m[1] = (uint8_t)(len >> 16);
	m[2] = (uint8_t)(len >> 8);
	m[3] = (uint8_t)len;
	if (len > 0)
		memcpy(m + 4, body, len);
	ret = ccsp_sm3_update(&c->transcript, m, 4 + len);
	if (ret == CCSP_OK)
		ret = put_record(c, CCSP_TLCP_HANDSHAKE, m, 4 + len);
	ccsp_memzero(m, 4 + len);
	free(m);
	return ret == CCSP_OK ? CCSP_OK : tlcp_fail(c, ret, CCSP_TLCP_ALERT_INTERNAL_ERROR);
}

ccsp_err tlcp_transcript_hash(const ccsp_tlcp_conn *c, uint8_t h[CCSP_SM3_DIGEST_SIZE])
{
	ccsp_sm3_ctx copy = c->transcript;
	return ccsp_sm3_final(&copy, h);
}

ccsp_err tlcp_send_ccs(ccsp_tlcp_conn *c)
{
	static const uint8_t one = 1;
	ccsp_err ret = put_record(c, CCSP_TLCP_CHANGE_CIPHER_SPEC, &one, 1);

	if (ret == CCSP_OK)
		ret = ccsp_tlcp_record_set_cipher(c->rec, CCSP_TLCP_WRITE, &c->kb, c->is_server);
	return ret == CCSP_OK ? CCSP_OK : tlcp_fail(c, ret, CCSP_TLCP_ALERT_INTERNAL_ERROR);
}

ccsp_err tlcp_send_finished(ccsp_tlcp_conn *c)
{
	uint8_t h[CCSP_SM3_DIGEST_SIZE], vd[CCSP_TLCP_VERIFY_DATA_SIZE];
	ccsp_err ret;

	ret = tlcp_transcript_hash(c, h);
	if (ret == CCSP_OK)
		ret = ccsp_tlcp_finished(c->master, c->is_server, h, vd);
	if (ret != CCSP_OK)
		return tlcp_fail(c, ret, CCSP_TLCP_ALERT_INTERNAL_ERROR);
	return tlcp_send_hs(c, TLCP_FINISHED, vd, sizeof vd);
}

ccsp_err tlcp_derive_keys(ccsp_tlcp_conn *c)
{
	return ccsp_tlcp_key_block_derive(c->suite->id, c->master, c->client_random, c->server_random, &c->kb);
}

ccsp_err tlcp_derive(ccsp_tlcp_conn *c, const uint8_t pre[CCSP_TLCP_PRE_MASTER_SIZE])
{
	ccsp_err ret = ccsp_tlcp_master_secret(pre, c->client_random, c->server_random, c->master);
	return ret == CCSP_OK ? tlcp_derive_keys(c) : ret;
}

void tlcp_hs_done(ccsp_tlcp_conn *c)
{
	c->hs = HS_DONE;
	if (c->state == CCSP_TLCP_STATE_HANDSHAKE)
		c->state = CCSP_TLCP_STATE_ESTABLISHED;
	hs_wipe(c); /* both directions hold their keys now */
}

/* ---- receiving ---- */

static ccsp_err on_ccs(ccsp_tlcp_conn *c, const uint8_t *data, size_t n)
{
	ccsp_err ret;

	if (c->hs != HS_WAIT_CCS || c->msg.len != 0)
		return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_UNEXPECTED_MESSAGE);
	if (n != 1 || data[0] != 1)
		return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_DECODE_ERROR);
	ret = ccsp_tlcp_record_set_cipher(c->rec, CCSP_TLCP_READ, &c->kb, c->is_server);
	if (ret != CCSP_OK)
		return tlcp_fail(c, ret, CCSP_TLCP_ALERT_INTERNAL_ERROR);
	c->hs = HS_WAIT_FINISHED;
	return CCSP_OK;
}

static ccsp_err on_alert(ccsp_tlcp_conn *c, const uint8_t *data, size_t n)
{
	if (n != 2)
		return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_DECODE_ERROR);
	if (data[0] != 1 && data[0] != 2)
		return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_ILLEGAL_PARAMETER);
	if (data[1] == CCSP_TLCP_ALERT_CLOSE_NOTIFY && c->hs == HS_DONE) {
		c->alert_recv = data[1];
		c->state = CCSP_TLCP_STATE_PEER_CLOSED;
		return CCSP_OK;
	}
	if (data[0] == 1 && data[1] != CCSP_TLCP_ALERT_CLOSE_NOTIFY)
		return CCSP_OK; /* a warning: nothing to do */
	c->alert_recv = data[1];
	return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_NONE); /* the peer gave up: no answer */
}

static ccsp_err on_finished(ccsp_tlcp_conn *c, const uint8_t *body, size_t len)
{
	uint8_t vd[CCSP_TLCP_VERIFY_DATA_SIZE];
	ccsp_err ret;

	if (len != sizeof vd)
		return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_DECODE_ERROR);
	ret = ccsp_tlcp_finished(c->master, !c->is_server, c->hash_before, vd);
	if (ret != CCSP_OK)
		return tlcp_fail(c, ret, CCSP_TLCP_ALERT_INTERNAL_ERROR);
	if (ct_memdiff(vd, body, sizeof vd) != 0)
		return tlcp_fail(c, CCSP_ERR_AUTH, CCSP_TLCP_ALERT_DECRYPT_ERROR);
	return c->is_server ? tlcp_server_finished(c) : tlcp_client_finished(c);
}

/* One whole handshake message at c->msg. */
static ccsp_err on_message(ccsp_tlcp_conn *c)
{
	uint8_t type = c->msg.p[0];
	const uint8_t *body = c->msg.p + 4;
	size_t len = c->msg.len - 4;
	ccsp_err ret;

	if (c->hs == HS_DONE) {
		if (type == (c->is_server ? TLCP_CLIENT_HELLO : TLCP_HELLO_REQUEST))
			return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_NO_RENEGOTIATION);
		return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_UNEXPECTED_MESSAGE);
	}
	if (c->hs == HS_WAIT_CCS || (c->hs == HS_WAIT_FINISHED) != (type == TLCP_FINISHED))
		return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_UNEXPECTED_MESSAGE);
	if (type == TLCP_CERTIFICATE_VERIFY || type == TLCP_FINISHED) {
		if ((ret = tlcp_transcript_hash(c, c->hash_before)) != CCSP_OK)
			return tlcp_fail(c, ret, CCSP_TLCP_ALERT_INTERNAL_ERROR);
	}
	if ((ret = ccsp_sm3_update(&c->transcript, c->msg.p, c->msg.len)) != CCSP_OK)
		return tlcp_fail(c, ret, CCSP_TLCP_ALERT_INTERNAL_ERROR);
	if (type == TLCP_FINISHED)
		return on_finished(c, body, len);
	return c->is_server ? tlcp_server_msg(c, type, body, len) : tlcp_client_msg(c, type, body, len);
}

/* Reassemble handshake messages from a record's fragment (messages may span records or share one). */
static ccsp_err on_handshake(ccsp_tlcp_conn *c, const uint8_t *data, size_t n)
{
	ccsp_err ret;

	if (n == 0)
		return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_DECODE_ERROR);
	while (n > 0) {
		size_t need = 4, take;
		if (c->msg.len >= 4) {
			size_t body = (size_t)c->msg.p[1] << 16 | (size_t)c->msg.p[2] << 8 | c->msg.p[3];
			if (body > CCSP_TLCP_MAX_HS_MSG)
				return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_DECODE_ERROR);
			need = 4 + body;
		}
		take = need - c->msg.len < n ? need - c->msg.len : n;
		tlcp_buf_put(&c->msg, data, take);
		if (c->msg.oom)
			return tlcp_fail(c, CCSP_ERR_NOMEM, CCSP_TLCP_ALERT_INTERNAL_ERROR);
		data += take;
		n -= take;
		if (c->msg.len >= 4 &&
		    c->msg.len == 4 + ((size_t)c->msg.p[1] << 16 | (size_t)c->msg.p[2] << 8 | c->msg.p[3])) {
			ret = on_message(c);
			ccsp_memzero(c->msg.p, c->msg.len);
			c->msg.len = 0;
			if (ret != CCSP_OK)
				return ret;
		}
	}
	return CCSP_OK;
}

static ccsp_err on_record(ccsp_tlcp_conn *c, uint8_t type, uint8_t *data, size_t n)
{
	if (type != CCSP_TLCP_HANDSHAKE && c->msg.len != 0) /* a message must not be interleaved with other records */
		return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_UNEXPECTED_MESSAGE);
	switch (type) {
	case CCSP_TLCP_HANDSHAKE:
		return on_handshake(c, data, n);
	case CCSP_TLCP_CHANGE_CIPHER_SPEC:
		return on_ccs(c, data, n);
	case CCSP_TLCP_ALERT:
		return on_alert(c, data, n);
	default:
		if (c->hs != HS_DONE)
			return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_UNEXPECTED_MESSAGE);
		c->app = data; /* read() copies it out of the input buffer, and wipes it there */
		c->app_len = n;
		return CCSP_OK;
	}
}

/* Process the records fed so far, until more bytes are needed, application data waits or the peer closed. Each
 * record is opened where it lies in the input buffer (no copy); the plaintext of any other than application data is
 * wiped once handled. */
static ccsp_err pump(ccsp_tlcp_conn *c)
{
	for (;;) {
		uint8_t type, *data;
		size_t n, used = 0;
		ccsp_err ret;

		if (c->state == CCSP_TLCP_STATE_FAILED)
			return c->err;
		if (c->app_len > 0 || c->state == CCSP_TLCP_STATE_PEER_CLOSED)
			return CCSP_OK;
		ret = ccsp_tlcp_record_open(c->rec, c->in + c->in_off, c->in_len, &used, &type, &data, &n);
		if (ret != CCSP_OK)
			return tlcp_fail(c, ret, ccsp_tlcp_record_alert(c->rec));
		if (type == 0)
			return CCSP_OK;
		c->in_off += used;
		c->in_len -= used;
		ret = on_record(c, type, data, n);
		if (type != CCSP_TLCP_APPLICATION_DATA)
			ccsp_memzero(data, n);
		if (ret != CCSP_OK)
			return ret;
	}
}

/* Free space at the end of the input buffer. The bytes not yet opened move to its start first when no application
 * data waits to be read in place before them and either nothing is left or less than a record would fit. */
static size_t in_room(ccsp_tlcp_conn *c)
{
	size_t room = TLCP_IN_CAP - c->in_off - c->in_len;

	if (c->app_len == 0 && c->in_off > 0 && (c->in_len == 0 || room < TLCP_IN_RECORD)) {
		memmove(c->in, c->in + c->in_off, c->in_len);
		c->in_off = 0;
		room = TLCP_IN_CAP - c->in_len;
	}
	return room;
}

ccsp_err ccsp_tlcp_conn_feed(ccsp_tlcp_conn *c, const uint8_t *in, size_t len, size_t *consumed)
{
	uint8_t *p;
	size_t take;
	ccsp_err ret;

	if (consumed != NULL)
		*consumed = 0;
	if (c == NULL || consumed == NULL || (in == NULL && len > 0))
		return CCSP_ERR_ARG;
	ccsp_tlcp_conn_in_space(c, &p, &take);
	take = take < len ? take : len;
	if (take > 0)
		memcpy(p, in, take);
	if ((ret = ccsp_tlcp_conn_in_commit(c, take)) != CCSP_OK)
		return ret;
	/* nothing after close_notify counts: it is all taken, and dropped */
	*consumed = c->state == CCSP_TLCP_STATE_PEER_CLOSED ? len : take;
	return CCSP_OK;
}

void ccsp_tlcp_conn_in_space(ccsp_tlcp_conn *c, uint8_t **p, size_t *cap)
{
	*cap = c->state == CCSP_TLCP_STATE_FAILED ? 0 : in_room(c);
	*p = c->in + c->in_off + c->in_len;
}

ccsp_err ccsp_tlcp_conn_in_commit(ccsp_tlcp_conn *c, size_t n)
{
	if (c == NULL)
		return CCSP_ERR_ARG;
	if (c->state == CCSP_TLCP_STATE_FAILED)
		return c->err;
	if (n > TLCP_IN_CAP - c->in_off - c->in_len)
		return CCSP_ERR_ARG;
	if (c->state == CCSP_TLCP_STATE_PEER_CLOSED) { /* dropped */
		ccsp_memzero(c->in + c->in_off + c->in_len, n);
		return CCSP_OK;
	}
	c->in_len += n;
	return CCSP_OK;
}

void ccsp_tlcp_conn_out(const ccsp_tlcp_conn *c, const uint8_t **p, size_t *len)
{
	*p = c->out.p;
	*len = c->out.len;
}

void ccsp_tlcp_conn_out_consume(ccsp_tlcp_conn *c, size_t n)
{
	if (n > c->out.len)
		n = c->out.len;
	memmove(c->out.p, c->out.p + n, c->out.len - n);
	c->out.len -= n;
}

ccsp_err ccsp_tlcp_conn_handshake(ccsp_tlcp_conn *c, int *done)
{
	ccsp_err ret;

	if (done != NULL)
		*done = 0;
	if (c == NULL || done == NULL)
		return CCSP_ERR_ARG;
	if (c->state == CCSP_TLCP_STATE_FAILED)
		return c->err;
	if (c->hs == HS_CLIENT_START && (ret = tlcp_client_start(c)) != CCSP_OK)
		return ret;
	if (c->hs != HS_DONE && (ret = pump(c)) != CCSP_OK)
		return ret;
	if (c->hs != HS_DONE && c->state == CCSP_TLCP_STATE_CLOSED)
		return CCSP_ERR_STATE;
	*done = c->hs == HS_DONE;
	return CCSP_OK;
}

ccsp_err ccsp_tlcp_conn_read(ccsp_tlcp_conn *c, uint8_t *buf, size_t cap, size_t *n)
{
	ccsp_err ret;
	size_t take;

	if (n != NULL)
		*n = 0;
	if (c == NULL || n == NULL || (buf == NULL && cap > 0))
		return CCSP_ERR_ARG;
	if (c->state == CCSP_TLCP_STATE_FAILED)
		return c->err;
	if (c->hs != HS_DONE)
		return CCSP_ERR_STATE;
	if ((ret = pump(c)) != CCSP_OK) /* processes everything fed, up to the next application data */
		return ret;
	take = c->app_len < cap ? c->app_len : cap;
	if (take > 0) {
		memcpy(buf, c->app, take);
		ccsp_memzero(c->app, take);
		c->app += take;
		c->app_len -= take;
	}
	*n = take;
	return CCSP_OK;
}

ccsp_err ccsp_tlcp_conn_write(ccsp_tlcp_conn *c, const uint8_t *data, size_t len)
{
	ccsp_err ret;

	if (c == NULL || (data == NULL && len > 0))
		return CCSP_ERR_ARG;
	if (c->state == CCSP_TLCP_STATE_FAILED)
		return c->err;
	if (c->hs != HS_DONE || c->sent_close)
		return CCSP_ERR_STATE;
	ret = put_record(c, CCSP_TLCP_APPLICATION_DATA, data, len);
	return ret == CCSP_OK ? CCSP_OK : tlcp_fail(c, ret, CCSP_TLCP_ALERT_INTERNAL_ERROR);
}

ccsp_err ccsp_tlcp_conn_close(ccsp_tlcp_conn *c)
{
	static const uint8_t a[2] = {1, CCSP_TLCP_ALERT_CLOSE_NOTIFY};
	ccsp_err ret;

	if (c == NULL)
		return CCSP_ERR_ARG;
	if (c->state == CCSP_TLCP_STATE_FAILED)
		return c->err;
	if (c->sent_close)
		return CCSP_OK;
	if ((ret = put_record(c, CCSP_TLCP_ALERT, a, sizeof a)) != CCSP_OK)
		return tlcp_fail(c, ret, CCSP_TLCP_ALERT_INTERNAL_ERROR);
	c->sent_close = 1;
	if (c->state != CCSP_TLCP_STATE_PEER_CLOSED)
		c->state = CCSP_TLCP_STATE_CLOSED;
	return CCSP_OK;
}

ccsp_tlcp_state ccsp_tlcp_conn_state(const ccsp_tlcp_conn *c)
{
	return c->state;
}

uint16_t ccsp_tlcp_conn_suite(const ccsp_tlcp_conn *c)
{
	return c->suite != NULL ? c->suite->id : 0;
}

int ccsp_tlcp_conn_resumed(const ccsp_tlcp_conn *c)
{
	return c->resumed;
}

size_t ccsp_tlcp_conn_peer_cert_count(const ccsp_tlcp_conn *c)
{
	return c->n_peer;
}

ccsp_err ccsp_tlcp_conn_peer_cert(const ccsp_tlcp_conn *c, size_t i, const uint8_t **der, size_t *len)
{
	if (c == NULL || der == NULL || len == NULL || i >= c->n_peer)
		return CCSP_ERR_ARG;
	*der = c->peer_cert[i].p;
	*len = c->peer_cert[i].len;
	return CCSP_OK;
}

uint8_t ccsp_tlcp_conn_alert_sent(const ccsp_tlcp_conn *c)
{
	return c->alert_sent;
}

uint8_t ccsp_tlcp_conn_alert_received(const ccsp_tlcp_conn *c)
{
	return c->alert_recv;
}

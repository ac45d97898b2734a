/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The server's side of the TLCP handshake (GM/T 0024-2014 clause 6.4.5, the same in GB/T 38636-2020):
 *   <- ClientHello
 *   -> ServerHello, Certificate (signing, encryption, chain), ServerKeyExchange, [CertificateRequest], ServerHelloDone
 *   <- [Certificate], ClientKeyExchange, [CertificateVerify], ChangeCipherSpec, Finished
 *   -> ChangeCipherSpec, Finished
 * or, for a session ID found in the cache: -> ServerHello, ChangeCipherSpec, Finished; <- ChangeCipherSpec, Finished.
 * ECDHE suites always send CertificateRequest: the SM2 key exchange needs the client's encryption certificate.
 */
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>
#include <ccsp/sm2_asn1.h>

#include "tlcp_hs_internal.h"

static ccsp_err make_random(const ccsp_tlcp_config *cfg, uint8_t r[CCSP_TLCP_RANDOM_SIZE])
{
	uint32_t t = (uint32_t)tlcp_now(cfg);

	r[0] = (uint8_t)(t >> 24);
	r[1] = (uint8_t)(t >> 16);
	r[2] = (uint8_t)(t >> 8);
	r[3] = (uint8_t)t;
	return ccsp_random(r + 4, CCSP_TLCP_RANDOM_SIZE - 4);
}

static int in_list(const uint8_t *suites, size_t n, uint16_t id)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		if (((unsigned)suites[i] << 8 | suites[i + 1]) == id)
			return 1;
	return 0;
}

static int allowed(const ccsp_tlcp_config *cfg, uint16_t id)
{
	for (size_t i = 0; i < cfg->n_suites; i++)
		if (cfg->suites[i] == id)
			return 1;
	return 0;
}

static ccsp_err send_server_hello(ccsp_tlcp_conn *c)
{
	uint8_t b[2 + CCSP_TLCP_RANDOM_SIZE + 1 + TLCP_SESSION_ID_MAX + 3];
	size_t n = 0;

	b[n++] = CCSP_TLCP_VERSION >> 8;
	b[n++] = CCSP_TLCP_VERSION & 0xff;
	memcpy(b + n, c->server_random, CCSP_TLCP_RANDOM_SIZE);
	n += CCSP_TLCP_RANDOM_SIZE;
	b[n++] = (uint8_t)c->sid_len;
	memcpy(b + n, c->sid, c->sid_len);
	n += c->sid_len;
	b[n++] = (uint8_t)(c->suite->id >> 8);
	b[n++] = (uint8_t)c->suite->id;
	b[n++] = 0; /* compression: null; no extensions */
	return tlcp_send_hs(c, TLCP_SERVER_HELLO, b, n);
}

/* The cached session for the client's ID, when it can be resumed with what the client offers now. */
static int try_resume(ccsp_tlcp_conn *c, const tlcp_rd *sid, const uint8_t *suites, size_t n)
{
	ccsp_tlcp_session s;
	int ok;

	memset(&s, 0, sizeof s);
	if (tlcp_cache_get(c->cfg->cache, sid->p, sid->len, tlcp_now(c->cfg), &s) != CCSP_OK)
		return 0;
	ok = in_list(suites, n, s.suite) && allowed(c->cfg, s.suite) &&
	     !(s.certs == NULL && c->cfg->client_auth == CCSP_TLCP_CLIENT_AUTH_REQUIRED);
	if (ok) {
		c->suite = ccsp_tlcp_suite_find(s.suite);
		memcpy(c->sid, s.id, s.id_len);
		c->sid_len = s.id_len;
		memcpy(c->master, s.master, sizeof c->master);
		ok = tlcp_restore_peer_certs(c, &s) == CCSP_OK;
	}
	tlcp_session_clear(&s);
	return ok;
}

static ccsp_err resume(ccsp_tlcp_conn *c)
{
	ccsp_err ret;

	c->resumed = 1;
	if ((ret = tlcp_derive_keys(c)) != CCSP_OK)
		return tlcp_fail(c, ret, CCSP_TLCP_ALERT_INTERNAL_ERROR);
	if ((ret = send_server_hello(c)) != CCSP_OK || (ret = tlcp_send_ccs(c)) != CCSP_OK ||
	    (ret = tlcp_send_finished(c)) != CCSP_OK)
		return ret;
	c->hs = HS_WAIT_CCS;
	return CCSP_OK;
}

static ccsp_err send_certificate(ccsp_tlcp_conn *c)
{
	tlcp_buf b = {0};
	ccsp_err ret = tlcp_own_cert_list(c->cfg, &b);

	ret = ret != CCSP_OK ? tlcp_fail(c, ret, CCSP_TLCP_ALERT_INTERNAL_ERROR)
	                     : tlcp_send_hs(c, TLCP_CERTIFICATE, b.p, b.len);
	tlcp_buf_free(&b);
	return ret;
}

/* ECC: signature<1..2^16-1> over client_random || server_random || encryption certificate (3-byte length, DER).
 * ECDHE: ServerECDHParams (3 || 41 || point<1..255>), then the signature over the randoms || ServerECDHParams. */
static ccsp_err send_server_key_exchange(ccsp_tlcp_conn *c)
{
	uint8_t params[TLCP_ECDHE_PARAMS_SIZE], sig[CCSP_SM2_SIGNATURE_DER_MAX];
	tlcp_buf tbs = {0}, body = {0};
	size_t siglen = 0;
	ccsp_err ret = CCSP_OK;

	tlcp_buf_put(&tbs, c->client_random, CCSP_TLCP_RANDOM_SIZE);
	tlcp_buf_put(&tbs, c->server_random, CCSP_TLCP_RANDOM_SIZE);
	if (c->suite->ecdhe) {
		params[0] = TLCP_CURVE_TYPE_NAMED;
		params[1] = 0;
		params[2] = TLCP_CURVE_SM2;
		params[3] = CCSP_SM2_POINT_SIZE;
		/* The server is the initiator A of GB/T 32918.3; the client's key is known after its Certificate. */
		if ((c->kex = ccsp_sm2_kex_new()) == NULL)
			ret = CCSP_ERR_NOMEM;
		else
			ret = ccsp_sm2_kex_start(c->kex, 1, c->cfg->key[1], NULL, 0, NULL, NULL, 0, params + 4);
		tlcp_buf_put(&tbs, params, sizeof params);
		tlcp_buf_put(&body, params, sizeof params);
	} else {
		tlcp_buf_u24(&tbs, c->cfg->own[1].len);
		tlcp_buf_put(&tbs, c->cfg->own[1].p, c->cfg->own[1].len);
	}
	if (ret == CCSP_OK && tbs.oom)
		ret = CCSP_ERR_NOMEM;
	if (ret == CCSP_OK)
		ret = tlcp_sign(c->cfg->key[0], tbs.p, tbs.len, sig, &siglen);
	tlcp_buf_u16(&body, (unsigned)siglen);
	tlcp_buf_put(&body, sig, siglen);
	if (ret == CCSP_OK && body.oom)
		ret = CCSP_ERR_NOMEM;
	ret = ret != CCSP_OK ? tlcp_fail(c, ret, CCSP_TLCP_ALERT_INTERNAL_ERROR)
	                     : tlcp_send_hs(c, TLCP_SERVER_KEY_EXCHANGE, body.p, body.len);
	tlcp_buf_free(&tbs);
	tlcp_buf_free(&body);
	return ret;
}

/* certificate_types = {ecdsa_sign (64)}; certificate_authorities = the trust anchors' subject names. */
static ccsp_err send_certificate_request(ccsp_tlcp_conn *c)
{
	tlcp_buf b = {0};
	size_t total = 0;
	ccsp_err ret;

	tlcp_buf_u8(&b, 1);
	tlcp_buf_u8(&b, TLCP_CERT_TYPE_ECDSA_SIGN);
	for (size_t i = 0; i < c->cfg->n_trust; i++)
		if (total + 2 + c->cfg->trust[i].subject.len <= 0xffff)
			total += 2 + c->cfg->trust[i].subject.len;
	tlcp_buf_u16(&b, (unsigned)total);
	for (size_t i = 0, put = 0; i < c->cfg->n_trust; i++) {
		const ccsp_x509_span *dn = &c->cfg->trust[i].subject;
		if (put + 2 + dn->len > total)
			continue;
		tlcp_buf_u16(&b, (unsigned)dn->len);
		tlcp_buf_put(&b, dn->p, dn->len);
		put += 2 + dn->len;
	}
	ret = b.oom ? tlcp_fail(c, CCSP_ERR_NOMEM, CCSP_TLCP_ALERT_INTERNAL_ERROR)
	            : tlcp_send_hs(c, TLCP_CERTIFICATE_REQUEST, b.p, b.len);
	tlcp_buf_free(&b);
	return ret;
}

static ccsp_err full_handshake(ccsp_tlcp_conn *c)
{
	ccsp_err ret;

	c->sid_len = 0;
	if (c->cfg->cache != NULL) {
		if ((ret = ccsp_random(c->sid, TLCP_SESSION_ID_MAX)) != CCSP_OK)
			return tlcp_fail(c, ret, CCSP_TLCP_ALERT_INTERNAL_ERROR);
		c->sid_len = TLCP_SESSION_ID_MAX;
	}
	c->cert_requested = c->cfg->client_auth != CCSP_TLCP_CLIENT_AUTH_NONE || c->suite->ecdhe;
	if ((ret = send_server_hello(c)) != CCSP_OK || (ret = send_certificate(c)) != CCSP_OK ||
	    (ret = send_server_key_exchange(c)) != CCSP_OK ||
	    (c->cert_requested && (ret = send_certificate_request(c)) != CCSP_OK) ||
	    (ret = tlcp_send_hs(c, TLCP_SERVER_HELLO_DONE, NULL, 0)) != CCSP_OK)
		return ret;
	c->hs = c->cert_requested ? HS_SERVER_WAIT_CERT : HS_SERVER_WAIT_CKE;
	return CCSP_OK;
}

static ccsp_err on_client_hello(ccsp_tlcp_conn *c, const uint8_t *body, size_t len)
{
	tlcp_rd r, sid, suites, comp;
	unsigned version;
	const uint8_t *random;
	int null_comp = 0;
	ccsp_err ret;

	tlcp_rd_init(&r, body, len);
	version = tlcp_rd_u16(&r);
	random = tlcp_rd_bytes(&r, CCSP_TLCP_RANDOM_SIZE);
	tlcp_rd_vec(&r, 1, 0, TLCP_SESSION_ID_MAX, &sid);
	tlcp_rd_vec(&r, 2, 2, 0xfffe, &suites);
	tlcp_rd_vec(&r, 1, 1, 255, &comp);
	if (!tlcp_skip_extensions(&r) || suites.len % 2 != 0)
		return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_DECODE_ERROR);
	if (version != CCSP_TLCP_VERSION)
		return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_PROTOCOL_VERSION);
	for (size_t i = 0; i < comp.len; i++)
		null_comp |= comp.p[i] == 0;
	memcpy(c->client_random, random, CCSP_TLCP_RANDOM_SIZE);
	for (size_t i = 0; i < c->cfg->n_suites && c->suite == NULL; i++)
		if (in_list(suites.p, suites.len, c->cfg->suites[i]))
			c->suite = ccsp_tlcp_suite_find(c->cfg->suites[i]);
	if (c->suite == NULL || !null_comp)
		return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_HANDSHAKE_FAILURE);
	if ((ret = make_random(c->cfg, c->server_random)) != CCSP_OK)
		return tlcp_fail(c, ret, CCSP_TLCP_ALERT_INTERNAL_ERROR);
	if (sid.len > 0 && try_resume(c, &sid, suites.p, suites.len))
		return resume(c);
	return full_handshake(c);
}

static ccsp_err on_certificate(ccsp_tlcp_conn *c, const uint8_t *body, size_t len)
{
	ccsp_err ret = tlcp_take_peer_certs(c, body, len, c->suite->ecdhe);

	if (ret != CCSP_OK)
		return ret;
	if (c->n_peer == 0 && (c->cfg->client_auth == CCSP_TLCP_CLIENT_AUTH_REQUIRED || c->suite->ecdhe))
		return tlcp_fail(c, CCSP_ERR_AUTH, CCSP_TLCP_ALERT_HANDSHAKE_FAILURE);
	c->hs = HS_SERVER_WAIT_CKE;
	return CCSP_OK;
}

/* ECC: ECCEncryptedPreMasterSecret<0..2^16-1>, SM2 ciphertext (DER) of version 0x0101 || 46 random bytes. */
static ccsp_err cke_ecc(ccsp_tlcp_conn *c, tlcp_rd *r, uint8_t pre[CCSP_TLCP_PRE_MASTER_SIZE])
{
	tlcp_rd ct;
	size_t n = 0;
	ccsp_err ret;

	tlcp_rd_vec(r, 2, 1, 0xffff, &ct);
	if (!tlcp_rd_done(r))
		return CCSP_ERR_DECODE;
	ret = ccsp_sm2_decrypt(c->cfg->key[1], CCSP_SM2_DER, ct.p, ct.len, pre, CCSP_TLCP_PRE_MASTER_SIZE, &n);
	if (ret == CCSP_OK && (n != CCSP_TLCP_PRE_MASTER_SIZE || pre[0] != (CCSP_TLCP_VERSION >> 8) ||
	                       pre[1] != (CCSP_TLCP_VERSION & 0xff)))
		ret = CCSP_ERR_AUTH;
	if (ret == CCSP_ERR_DECODE || ret == CCSP_ERR_BUFFER_TOO_SMALL || ret == CCSP_ERR_POINT ||
	    ret == CCSP_ERR_DATA_LENGTH)
		ret = CCSP_ERR_AUTH;
	return ret;
}

/* ECDHE: ClientECDHEParams with its 2-byte length (GB/T 38636's opaque<1..2^16-1>, as gotlcp sends it), or the bare
 * params (as Tongsuo sends them): curve_type 3 || 41 || point<1..255>. The server completes the SM2 key exchange as
 * initiator A with the client's encryption certificate. */
static ccsp_err cke_ecdhe(ccsp_tlcp_conn *c, tlcp_rd *r, uint8_t pre[CCSP_TLCP_PRE_MASTER_SIZE])
{
	tlcp_rd params, pt;
	unsigned type, curve;
	ccsp_err ret;

	if (r->len > 0 && r->p[0] == TLCP_CURVE_TYPE_NAMED) { /* a length's first byte is 0: never 3 */
		params = *r;
		r->pos = r->len;
	} else {
		tlcp_rd_vec(r, 2, 1, 0xffff, &params);
	}
	type = tlcp_rd_u8(&params);
	curve = tlcp_rd_u16(&params);
	tlcp_rd_vec(&params, 1, 1, 255, &pt);
	if (!tlcp_rd_done(&params) || !tlcp_rd_done(r))
		return CCSP_ERR_DECODE;
	if (type != TLCP_CURVE_TYPE_NAMED || curve != TLCP_CURVE_SM2 || pt.len != CCSP_SM2_POINT_SIZE)
		return CCSP_ERR_UNSUPPORTED;
	ret = ccsp_sm2_kex_set_peer(c->kex, c->peer_key[1], NULL, 0);
	if (ret == CCSP_OK)
		ret = ccsp_sm2_kex_compute(c->kex, pt.p, pt.len, pre, CCSP_TLCP_PRE_MASTER_SIZE, NULL);
	if (ret == CCSP_ERR_POINT || ret == CCSP_ERR_KEY || ret == CCSP_ERR_KEY_EXCHANGE)
		return CCSP_ERR_KEY_EXCHANGE;
	return ret;
}

static ccsp_err on_client_key_exchange(ccsp_tlcp_conn *c, const uint8_t *body, size_t len)
{
	uint8_t pre[CCSP_TLCP_PRE_MASTER_SIZE];
	tlcp_rd r;
	ccsp_err ret;

	tlcp_rd_init(&r, body, len);
	ret = c->suite->ecdhe ? cke_ecdhe(c, &r, pre) : cke_ecc(c, &r, pre);
	if (ret == CCSP_OK)
		ret = tlcp_derive(c, pre);
	ccsp_memzero(pre, sizeof pre);
	switch (ret) {
	case CCSP_OK:
		c->hs = c->n_peer > 0 ? HS_SERVER_WAIT_CV : HS_WAIT_CCS;
		return CCSP_OK;
	case CCSP_ERR_DECODE:
		return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_DECODE_ERROR);
	case CCSP_ERR_UNSUPPORTED:
		return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_ILLEGAL_PARAMETER);
	case CCSP_ERR_KEY_EXCHANGE:
		return tlcp_fail(c, ret, CCSP_TLCP_ALERT_ILLEGAL_PARAMETER);
	case CCSP_ERR_AUTH:
		return tlcp_fail(c, ret, CCSP_TLCP_ALERT_DECRYPT_ERROR);
	default:
		return tlcp_fail(c, ret, CCSP_TLCP_ALERT_INTERNAL_ERROR);
	}
}

/* CertificateVerify: signature<1..2^16-1> (SM2, DER, default ID) over SM3(handshake messages before it). */
static ccsp_err on_certificate_verify(ccsp_tlcp_conn *c, const uint8_t *body, size_t len)
{
	tlcp_rd r, sig;
	ccsp_err ret;

	tlcp_rd_init(&r, body, len);
	tlcp_rd_vec(&r, 2, 1, CCSP_SM2_SIGNATURE_DER_MAX, &sig);
	if (!tlcp_rd_done(&r))
		return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_DECODE_ERROR);
	ret = tlcp_verify(c->peer_key[0], c->hash_before, sizeof c->hash_before, sig.p, sig.len);
	if (ret != CCSP_OK)
		return tlcp_fail(c, ret,
		                 ret == CCSP_ERR_SIGNATURE ? CCSP_TLCP_ALERT_DECRYPT_ERROR
		                                           : CCSP_TLCP_ALERT_INTERNAL_ERROR);
	c->hs = HS_WAIT_CCS;
	return CCSP_OK;
}

ccsp_err tlcp_server_msg(ccsp_tlcp_conn *c, uint8_t type, const uint8_t *body, size_t len)
{
	if (c->hs == HS_SERVER_WAIT_CH && type == TLCP_CLIENT_HELLO)
		return on_client_hello(c, body, len);
	if (c->hs == HS_SERVER_WAIT_CERT && type == TLCP_CERTIFICATE)
		return on_certificate(c, body, len);
	if (c->hs == HS_SERVER_WAIT_CKE && type == TLCP_CLIENT_KEY_EXCHANGE)
		return on_client_key_exchange(c, body, len);
	if (c->hs == HS_SERVER_WAIT_CV && type == TLCP_CERTIFICATE_VERIFY)
		return on_certificate_verify(c, body, len);
	return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_UNEXPECTED_MESSAGE);
}

ccsp_err tlcp_server_finished(ccsp_tlcp_conn *c)
{
	ccsp_tlcp_session s;
	ccsp_err ret;

	if (!c->resumed) {
		if ((ret = tlcp_send_ccs(c)) != CCSP_OK || (ret = tlcp_send_finished(c)) != CCSP_OK)
			return ret;
		if (c->sid_len > 0 && tlcp_session_of(c, &s) == CCSP_OK) {
			tlcp_cache_put(c->cfg->cache, &s); /* no cache entry is not a failure of this connection */
			tlcp_session_clear(&s);
		}
	}
	tlcp_hs_done(c);
	return CCSP_OK;
}

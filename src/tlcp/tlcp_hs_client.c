/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client's side of the TLCP handshake (GM/T 0024-2014 clause 6.4.5, the same in GB/T 38636-2020):
 *   -> ClientHello
 *   <- ServerHello, Certificate, ServerKeyExchange, [CertificateRequest], ServerHelloDone
 *   -> [Certificate], ClientKeyExchange, [CertificateVerify], ChangeCipherSpec, Finished
 *   <- ChangeCipherSpec, Finished
 * or, resuming a session: <- ServerHello, ChangeCipherSpec, Finished; -> ChangeCipherSpec, Finished.
 * docs/tlcp.md gives each message's bytes and the sources of each choice.
 */
#include <string.h>
#include <time.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>
#include <ccsp/sm2_asn1.h>

#include "tlcp_hs_internal.h"

/* random = gmt_unix_time (4) || 28 random bytes (GM/T 0024-2014 clause 6.4.5.2.1). */
static ccsp_err make_random(const ccsp_tlcp_config *cfg, uint8_t r[CCSP_TLCP_RANDOM_SIZE])
{
	uint32_t t = (uint32_t)tlcp_now(cfg);

	r[0] = (uint8_t)(t >> 24);
	r[1] = (uint8_t)(t >> 16);
	r[2] = (uint8_t)(t >> 8);
	r[3] = (uint8_t)t;
	return ccsp_random(r + 4, CCSP_TLCP_RANDOM_SIZE - 4);
}

static int has_own_certs(const ccsp_tlcp_config *cfg)
{
	return cfg->key[0] != NULL && cfg->key[1] != NULL;
}

ccsp_err tlcp_client_start(ccsp_tlcp_conn *c)
{
	tlcp_buf b = {0};
	ccsp_err ret;

	/* ECDHE needs the client's encryption key: offer it only with both certificates configured. */
	for (size_t i = 0; i < c->cfg->n_suites; i++)
		if (!ccsp_tlcp_suite_find(c->cfg->suites[i])->ecdhe || has_own_certs(c->cfg))
			c->offered[c->n_offered++] = c->cfg->suites[i];
	if (c->n_offered == 0)
		return tlcp_fail(c, CCSP_ERR_UNSUPPORTED, CCSP_TLCP_ALERT_NONE);
	if ((ret = make_random(c->cfg, c->client_random)) != CCSP_OK)
		return tlcp_fail(c, ret, CCSP_TLCP_ALERT_NONE);
	if (c->offer != NULL)
		for (size_t i = 0; i < c->n_offered; i++)
			if (c->offered[i] == c->offer->suite)
				c->sid_len = c->offer->id_len;
	memcpy(c->sid, c->offer != NULL ? c->offer->id : c->sid, c->sid_len);
	tlcp_buf_u16(&b, CCSP_TLCP_VERSION);
	tlcp_buf_put(&b, c->client_random, CCSP_TLCP_RANDOM_SIZE);
	tlcp_buf_u8(&b, (unsigned)c->sid_len);
	tlcp_buf_put(&b, c->sid, c->sid_len);
	tlcp_buf_u16(&b, (unsigned)(2 * c->n_offered));
	for (size_t i = 0; i < c->n_offered; i++)
		tlcp_buf_u16(&b, c->offered[i]);
	tlcp_buf_u8(&b, 1); /* compression_methods: null only */
	tlcp_buf_u8(&b, 0);
	ret = b.oom ? tlcp_fail(c, CCSP_ERR_NOMEM, CCSP_TLCP_ALERT_NONE)
	            : tlcp_send_hs(c, TLCP_CLIENT_HELLO, b.p, b.len);
	tlcp_buf_free(&b);
	if (ret == CCSP_OK)
		c->hs = HS_CLIENT_WAIT_SH;
	return ret;
}

static ccsp_err resume(ccsp_tlcp_conn *c)
{
	ccsp_err ret;

	if (c->suite->id != c->offer->suite)
		return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_ILLEGAL_PARAMETER);
	memcpy(c->master, c->offer->master, sizeof c->master);
	if ((ret = tlcp_restore_peer_certs(c, c->offer)) != CCSP_OK)
		return ret;
	if ((ret = tlcp_derive_keys(c)) != CCSP_OK)
		return tlcp_fail(c, ret, CCSP_TLCP_ALERT_INTERNAL_ERROR);
	c->resumed = 1;
	c->hs = HS_WAIT_CCS;
	return CCSP_OK;
}

static ccsp_err on_server_hello(ccsp_tlcp_conn *c, const uint8_t *body, size_t len)
{
	tlcp_rd r, sid;
	unsigned version, suite, comp;
	const uint8_t *random;
	int offered = 0;

	tlcp_rd_init(&r, body, len);
	version = tlcp_rd_u16(&r);
	random = tlcp_rd_bytes(&r, CCSP_TLCP_RANDOM_SIZE);
	tlcp_rd_vec(&r, 1, 0, TLCP_SESSION_ID_MAX, &sid);
	suite = tlcp_rd_u16(&r);
	comp = tlcp_rd_u8(&r);
	if (!tlcp_skip_extensions(&r))
		return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_DECODE_ERROR);
	if (version != CCSP_TLCP_VERSION)
		return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_PROTOCOL_VERSION);
	for (size_t i = 0; i < c->n_offered; i++)
		offered |= c->offered[i] == suite;
	if (!offered || comp != 0)
		return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_ILLEGAL_PARAMETER);
	c->suite = ccsp_tlcp_suite_find((uint16_t)suite);
	memcpy(c->server_random, random, CCSP_TLCP_RANDOM_SIZE);
	if (c->offer != NULL && c->sid_len > 0 && sid.len == c->sid_len && memcmp(sid.p, c->sid, sid.len) == 0)
		return resume(c);
	memcpy(c->sid, sid.p, sid.len);
	c->sid_len = sid.len;
	c->hs = HS_CLIENT_WAIT_CERT;
	return CCSP_OK;
}

static ccsp_err on_certificate(ccsp_tlcp_conn *c, const uint8_t *body, size_t len)
{
	ccsp_err ret = tlcp_take_peer_certs(c, body, len, 1);

	if (ret != CCSP_OK)
		return ret;
	if (c->n_peer < 2) /* the double-certificate model: signing and encryption certificates */
		return tlcp_fail(c, CCSP_ERR_AUTH, CCSP_TLCP_ALERT_BAD_CERTIFICATE);
	c->hs = HS_CLIENT_WAIT_SKE;
	return CCSP_OK;
}

/* ECC: signed = client_random || server_random || the encryption certificate with its 3-byte length. */
static ccsp_err ske_ecc(ccsp_tlcp_conn *c, tlcp_buf *tbs)
{
	tlcp_buf_u24(tbs, c->peer_cert[1].len);
	tlcp_buf_put(tbs, c->peer_cert[1].p, c->peer_cert[1].len);
	return CCSP_OK;
}

/* ECDHE: ServerECDHParams = curve_type 3 (named_curve) || NamedCurve 41 (curveSM2) || point<1..255> (65 bytes,
 * uncompressed), then the signature; signed = client_random || server_random || ServerECDHParams. */
static ccsp_err ske_ecdhe(ccsp_tlcp_conn *c, tlcp_rd *r, tlcp_buf *tbs)
{
	const uint8_t *params = r->p;
	unsigned type = tlcp_rd_u8(r), curve = tlcp_rd_u16(r);
	tlcp_rd pt;

	tlcp_rd_vec(r, 1, 1, 255, &pt);
	if (r->bad)
		return CCSP_ERR_DECODE;
	if (type != TLCP_CURVE_TYPE_NAMED || curve != TLCP_CURVE_SM2 || pt.len != CCSP_SM2_POINT_SIZE || pt.p[0] != 4)
		return CCSP_ERR_UNSUPPORTED;
	memcpy(c->peer_eph, pt.p, CCSP_SM2_POINT_SIZE);
	tlcp_buf_put(tbs, params, TLCP_ECDHE_PARAMS_SIZE);
	return CCSP_OK;
}

static ccsp_err on_server_key_exchange(ccsp_tlcp_conn *c, const uint8_t *body, size_t len)
{
	tlcp_buf tbs = {0};
	tlcp_rd r, sig;
	ccsp_err ret;

	tlcp_rd_init(&r, body, len);
	tlcp_buf_put(&tbs, c->client_random, CCSP_TLCP_RANDOM_SIZE);
	tlcp_buf_put(&tbs, c->server_random, CCSP_TLCP_RANDOM_SIZE);
	ret = c->suite->ecdhe ? ske_ecdhe(c, &r, &tbs) : ske_ecc(c, &tbs);
	tlcp_rd_vec(&r, 2, 1, CCSP_SM2_SIGNATURE_DER_MAX, &sig);
	if (ret == CCSP_ERR_UNSUPPORTED)
		ret = tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_ILLEGAL_PARAMETER);
	else if (ret != CCSP_OK || !tlcp_rd_done(&r))
		ret = tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_DECODE_ERROR);
	else if (tbs.oom)
		ret = tlcp_fail(c, CCSP_ERR_NOMEM, CCSP_TLCP_ALERT_INTERNAL_ERROR);
	else if ((ret = tlcp_verify(c->peer_key[0], tbs.p, tbs.len, sig.p, sig.len)) != CCSP_OK)
		ret = tlcp_fail(c, ret,
		                ret == CCSP_ERR_SIGNATURE ? CCSP_TLCP_ALERT_DECRYPT_ERROR
		                                          : CCSP_TLCP_ALERT_INTERNAL_ERROR);
	else
		c->hs = HS_CLIENT_WAIT_CR_OR_SHD;
	tlcp_buf_free(&tbs);
	return ret;
}

/* certificate_types<1..2^8-1>, certificate_authorities<0..2^16-1> of DistinguishedName<1..2^16-1>: checked for
 * form, otherwise ignored (the client has one pair of certificates to offer). */
static ccsp_err on_certificate_request(ccsp_tlcp_conn *c, const uint8_t *body, size_t len)
{
	tlcp_rd r, types, cas, dn;

	tlcp_rd_init(&r, body, len);
	tlcp_rd_vec(&r, 1, 1, 255, &types);
	tlcp_rd_vec(&r, 2, 0, 0xffff, &cas);
	while (!cas.bad && cas.pos < cas.len)
		tlcp_rd_vec(&cas, 2, 1, 0xffff, &dn);
	if (!tlcp_rd_done(&r) || !tlcp_rd_done(&cas))
		return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_DECODE_ERROR);
	c->cert_requested = 1;
	c->send_own_certs = has_own_certs(c->cfg);
	c->hs = HS_CLIENT_WAIT_SHD;
	return CCSP_OK;
}

/* ClientKeyExchange body for the ECC suites: the premaster SM2-encrypted (GM/T 0009 DER) to the server's
 * encryption key, with a 2-byte length. */
static ccsp_err cke_ecc(ccsp_tlcp_conn *c, tlcp_buf *b, uint8_t pre[CCSP_TLCP_PRE_MASTER_SIZE])
{
	uint8_t ct[CCSP_TLCP_PRE_MASTER_SIZE + CCSP_SM2_CIPHERTEXT_OVERHEAD + 19];
	size_t ctlen = 0;
	ccsp_err ret;

	pre[0] = CCSP_TLCP_VERSION >> 8;
	pre[1] = CCSP_TLCP_VERSION & 0xff;
	if ((ret = ccsp_random(pre + 2, CCSP_TLCP_PRE_MASTER_SIZE - 2)) != CCSP_OK)
		return ret;
	ret = ccsp_sm2_encrypt(c->peer_key[1], CCSP_SM2_DER, pre, CCSP_TLCP_PRE_MASTER_SIZE, ct, sizeof ct, &ctlen);
	if (ret != CCSP_OK)
		return ret;
	tlcp_buf_u16(b, (unsigned)ctlen);
	tlcp_buf_put(b, ct, ctlen);
	return CCSP_OK;
}

/* ECDHE: SM2 key exchange (GB/T 32918.3) with the encryption keys, the client as responder B; the 48-byte shared
 * key is the premaster. Body: ClientECDHEParams<1..2^16-1> = 3 || 41 || point<1..255>. */
static ccsp_err cke_ecdhe(ccsp_tlcp_conn *c, tlcp_buf *b, uint8_t pre[CCSP_TLCP_PRE_MASTER_SIZE])
{
	uint8_t r_self[CCSP_SM2_POINT_SIZE];
	ccsp_err ret;

	if ((c->kex = ccsp_sm2_kex_new()) == NULL)
		return CCSP_ERR_NOMEM;
	ret = ccsp_sm2_kex_start(c->kex, 0, c->cfg->key[1], NULL, 0, c->peer_key[1], NULL, 0, r_self);
	if (ret == CCSP_OK)
		ret = ccsp_sm2_kex_compute(c->kex, c->peer_eph, sizeof c->peer_eph, pre, CCSP_TLCP_PRE_MASTER_SIZE,
		                           NULL);
	if (ret != CCSP_OK)
		return ret;
	tlcp_buf_u16(b, TLCP_ECDHE_PARAMS_SIZE);
	tlcp_buf_u8(b, TLCP_CURVE_TYPE_NAMED);
	tlcp_buf_u16(b, TLCP_CURVE_SM2);
	tlcp_buf_u8(b, CCSP_SM2_POINT_SIZE);
	tlcp_buf_put(b, r_self, sizeof r_self);
	return CCSP_OK;
}

/* CertificateVerify: an SM2 signature (default ID, DER, 2-byte length) over SM3(handshake messages so far). */
static ccsp_err send_cert_verify(ccsp_tlcp_conn *c)
{
	uint8_t h[CCSP_SM3_DIGEST_SIZE], body[2 + CCSP_SM2_SIGNATURE_DER_MAX];
	size_t siglen = 0;
	ccsp_err ret;

	ret = tlcp_transcript_hash(c, h);
	if (ret == CCSP_OK)
		ret = tlcp_sign(c->cfg->key[0], h, sizeof h, body + 2, &siglen);
	if (ret != CCSP_OK)
		return tlcp_fail(c, ret, CCSP_TLCP_ALERT_INTERNAL_ERROR);
	body[0] = (uint8_t)(siglen >> 8);
	body[1] = (uint8_t)siglen;
	return tlcp_send_hs(c, TLCP_CERTIFICATE_VERIFY, body, 2 + siglen);
}

static ccsp_err send_certificate(ccsp_tlcp_conn *c)
{
	tlcp_buf b = {0};
	ccsp_err ret = CCSP_OK;

	if (c->send_own_certs)
		ret = tlcp_own_cert_list(c->cfg, &b);
	else
		tlcp_buf_u24(&b, 0); /* no certificate: an empty list */
	if (ret == CCSP_OK && b.oom)
		ret = CCSP_ERR_NOMEM;
	ret = ret != CCSP_OK ? tlcp_fail(c, ret, CCSP_TLCP_ALERT_INTERNAL_ERROR)
	                     : tlcp_send_hs(c, TLCP_CERTIFICATE, b.p, b.len);
	tlcp_buf_free(&b);
	return ret;
}

static ccsp_err on_server_hello_done(ccsp_tlcp_conn *c, size_t len)
{
	uint8_t pre[CCSP_TLCP_PRE_MASTER_SIZE];
	tlcp_buf b = {0};
	ccsp_err ret;

	if (len != 0)
		return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_DECODE_ERROR);
	if (c->suite->ecdhe && !(c->cert_requested && c->send_own_certs)) /* the key exchange needs our certificates */
		return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_HANDSHAKE_FAILURE);
	if (c->cert_requested && (ret = send_certificate(c)) != CCSP_OK)
		return ret;
	ret = c->suite->ecdhe ? cke_ecdhe(c, &b, pre) : cke_ecc(c, &b, pre);
	if (ret == CCSP_OK && b.oom)
		ret = CCSP_ERR_NOMEM;
	if (ret == CCSP_OK)
		ret = tlcp_derive(c, pre);
	if (ret != CCSP_OK) {
		ret = tlcp_fail(c, ret, CCSP_TLCP_ALERT_INTERNAL_ERROR);
		goto out;
	}
	if ((ret = tlcp_send_hs(c, TLCP_CLIENT_KEY_EXCHANGE, b.p, b.len)) != CCSP_OK)
		goto out;
	if (c->cert_requested && c->send_own_certs && (ret = send_cert_verify(c)) != CCSP_OK)
		goto out;
	if ((ret = tlcp_send_ccs(c)) != CCSP_OK || (ret = tlcp_send_finished(c)) != CCSP_OK)
		goto out;
	c->hs = HS_WAIT_CCS;
out:
	ccsp_memzero(pre, sizeof pre);
	tlcp_buf_free(&b);
	return ret;
}

ccsp_err tlcp_client_msg(ccsp_tlcp_conn *c, uint8_t type, const uint8_t *body, size_t len)
{
	switch (c->hs) {
	case HS_CLIENT_WAIT_SH:
		if (type == TLCP_SERVER_HELLO)
			return on_server_hello(c, body, len);
		break;
	case HS_CLIENT_WAIT_CERT:
		if (type == TLCP_CERTIFICATE)
			return on_certificate(c, body, len);
		break;
	case HS_CLIENT_WAIT_SKE:
		if (type == TLCP_SERVER_KEY_EXCHANGE)
			return on_server_key_exchange(c, body, len);
		break;
	case HS_CLIENT_WAIT_CR_OR_SHD:
		if (type == TLCP_CERTIFICATE_REQUEST)
			return on_certificate_request(c, body, len);
		if (type == TLCP_SERVER_HELLO_DONE)
			return on_server_hello_done(c, len);
		break;
	case HS_CLIENT_WAIT_SHD:
		if (type == TLCP_SERVER_HELLO_DONE)
			return on_server_hello_done(c, len);
		break;
	default:
		break;
	}
	return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_UNEXPECTED_MESSAGE);
}

ccsp_err tlcp_client_finished(ccsp_tlcp_conn *c)
{
	ccsp_err ret;

	if (c->resumed && ((ret = tlcp_send_ccs(c)) != CCSP_OK || (ret = tlcp_send_finished(c)) != CCSP_OK))
		return ret;
	tlcp_hs_done(c);
	return CCSP_OK;
}

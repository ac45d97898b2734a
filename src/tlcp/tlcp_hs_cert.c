/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The double-certificate model (GB/T 38636-2020 / GM/T 0024-2014 clause 6.4.5.3): a Certificate message carries the
 * signing certificate, then the encryption certificate, then the chain. Both are verified to a trust anchor at the
 * configured time; the signing one must allow digitalSignature, the encryption one must carry a key usage with
 * keyEncipherment, dataEncipherment or keyAgreement (a signing certificate in the encryption slot is refused).
 * Refusals map to the alerts of RFC 5246 clause 7.2.2, which GM/T 0024 clause 6.4.4.2 repeats.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ccsp/mem.h>

#include "tlcp_hs_internal.h"

static uint8_t status_alert(ccsp_x509_status st)
{
	switch (st) {
	case CCSP_X509_UNTRUSTED:
		return CCSP_TLCP_ALERT_UNKNOWN_CA;
	case CCSP_X509_EXPIRED:
	case CCSP_X509_NOT_YET_VALID:
		return CCSP_TLCP_ALERT_CERTIFICATE_EXPIRED;
	case CCSP_X509_WRONG_USAGE:
		return CCSP_TLCP_ALERT_UNSUPPORTED_CERTIFICATE;
	default:
		return CCSP_TLCP_ALERT_BAD_CERTIFICATE;
	}
}

/* One DNS name against a SAN dNSName (case-insensitive; "*." matches exactly one left-most label). */
static int dns_match(const char *name, const ccsp_x509_span *san)
{
	size_t n = strlen(name);
	const char *dot;

	if (san->len == n && strncasecmp(name, (const char *)san->p, n) == 0)
		return 1;
	if (san->len < 3 || san->p[0] != '*' || san->p[1] != '.')
		return 0;
	dot = strchr(name, '.');
	if (dot == NULL || dot == name)
		return 0;
	n = strlen(dot + 1);
	return san->len - 2 == n && strncasecmp(dot + 1, (const char *)san->p + 2, n) == 0;
}

static int name_match(const char *name, const ccsp_x509_cert *cert)
{
	uint8_t addr[16];
	size_t alen = 0;

	if (inet_pton(AF_INET, name, addr) == 1)
		alen = 4;
	else if (inet_pton(AF_INET6, name, addr) == 1)
		alen = 16;
	for (size_t i = 0; alen > 0 && i < cert->n_ip; i++)
		if (cert->ip[i].len == alen && memcmp(cert->ip[i].addr, addr, alen) == 0)
			return 1;
	for (size_t i = 0; alen == 0 && i < cert->n_dns; i++)
		if (dns_match(name, &cert->dns[i]))
			return 1;
	return 0;
}

/* Verify certs[slot] for purpose with the chain certs[first..n). *alert on refusal. */
static ccsp_err verify_one(const ccsp_tlcp_conn *c, const ccsp_x509_cert *certs, size_t n, size_t slot, size_t first,
                           ccsp_x509_purpose purpose, uint8_t *alert)
{
	ccsp_x509_verify_params vp = {.time = tlcp_now(c->cfg), .purpose = purpose};
	ccsp_x509_status st = CCSP_X509_VALID;
	ccsp_err ret;

	if (purpose == CCSP_X509_PURPOSE_ENC && !certs[slot].has_key_usage) {
		*alert = CCSP_TLCP_ALERT_UNSUPPORTED_CERTIFICATE;
		return CCSP_ERR_AUTH;
	}
	ret = ccsp_x509_verify(&certs[slot], certs + first, n - first, c->cfg->trust, c->cfg->n_trust, &vp, &st, NULL);
	if (ret == CCSP_ERR_AUTH)
		*alert = status_alert(st);
	else if (ret != CCSP_OK)
		*alert = CCSP_TLCP_ALERT_INTERNAL_ERROR;
	return ret;
}

static ccsp_err load_key(ccsp_sm2_key **key, const uint8_t pub[CCSP_SM2_POINT_SIZE])
{
	ccsp_sm2_key_free(*key);
	*key = ccsp_sm2_key_new();
	if (*key == NULL)
		return CCSP_ERR_NOMEM;
	return ccsp_sm2_key_set_public(*key, pub, CCSP_SM2_POINT_SIZE);
}

/* Parse and check the list in c->peer_cert[0..n_peer). */
static ccsp_err check_certs(ccsp_tlcp_conn *c, ccsp_x509_cert *certs, int need_enc, uint8_t *alert)
{
	size_t n = c->n_peer, first;
	int has_enc;
	const char *name = c->server_name != NULL ? c->server_name : c->cfg->server_name;
	ccsp_err ret;

	for (size_t i = 0; i < n; i++) {
		ret = ccsp_x509_cert_parse(&certs[i], c->peer_cert[i].p, c->peer_cert[i].len);
		if (ret != CCSP_OK) {
			*alert = ret == CCSP_ERR_UNSUPPORTED ? CCSP_TLCP_ALERT_UNSUPPORTED_CERTIFICATE
			                                     : CCSP_TLCP_ALERT_BAD_CERTIFICATE;
			return ret == CCSP_ERR_NOMEM ? ret : CCSP_ERR_AUTH;
		}
	}
	/* The second certificate is the encryption certificate unless it is a CA (a client with one certificate). */
	has_enc = n >= 2 && !certs[1].is_ca;
	if (need_enc && !has_enc) {
		*alert = CCSP_TLCP_ALERT_BAD_CERTIFICATE;
		return CCSP_ERR_AUTH;
	}
	first = has_enc ? 2 : 1;
	if ((ret = verify_one(c, certs, n, 0, first, CCSP_X509_PURPOSE_SIGN, alert)) != CCSP_OK)
		return ret;
	if (has_enc && (ret = verify_one(c, certs, n, 1, first, CCSP_X509_PURPOSE_ENC, alert)) != CCSP_OK)
		return ret;
	if (!c->is_server && name != NULL && !name_match(name, &certs[0])) {
		*alert = CCSP_TLCP_ALERT_BAD_CERTIFICATE;
		return CCSP_ERR_AUTH;
	}
	*alert = CCSP_TLCP_ALERT_INTERNAL_ERROR;
	if ((ret = load_key(&c->peer_key[0], certs[0].pub)) != CCSP_OK)
		return ret;
	if (has_enc && (ret = load_key(&c->peer_key[1], certs[1].pub)) != CCSP_OK)
		return ret;
	return CCSP_OK;
}

/* Keep a copy of the Certificate body and split it. */
static ccsp_err keep_list(ccsp_tlcp_conn *c, const uint8_t *body, size_t len)
{
	free(c->peer_certs);
	c->n_peer = 0;
	c->peer_certs_len = 0;
	c->peer_certs = malloc(len > 0 ? len : 1);
	if (c->peer_certs == NULL)
		return CCSP_ERR_NOMEM;
	memcpy(c->peer_certs, body, len);
	c->peer_certs_len = len;
	return tlcp_cert_list_split(c->peer_certs, len, c->peer_cert, &c->n_peer);
}

ccsp_err tlcp_take_peer_certs(ccsp_tlcp_conn *c, const uint8_t *body, size_t len, int need_enc)
{
	ccsp_x509_cert *certs = NULL;
	uint8_t alert = CCSP_TLCP_ALERT_INTERNAL_ERROR;
	ccsp_err ret;

	ret = keep_list(c, body, len);
	if (ret == CCSP_ERR_DECODE)
		return tlcp_fail(c, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_DECODE_ERROR);
	if (ret == CCSP_ERR_LIMIT)
		return tlcp_fail(c, CCSP_ERR_AUTH, CCSP_TLCP_ALERT_BAD_CERTIFICATE);
	if (ret != CCSP_OK)
		return tlcp_fail(c, ret, CCSP_TLCP_ALERT_INTERNAL_ERROR);
	if (c->n_peer == 0)
		return CCSP_OK; /* the caller decides whether an empty list will do */
	certs = calloc(c->n_peer, sizeof *certs);
	if (certs == NULL)
		return tlcp_fail(c, CCSP_ERR_NOMEM, CCSP_TLCP_ALERT_INTERNAL_ERROR);
	ret = check_certs(c, certs, need_enc, &alert);
	free(certs);
	if (ret != CCSP_OK)
		return tlcp_fail(c, ret, alert);
	return CCSP_OK;
}

ccsp_err tlcp_restore_peer_certs(ccsp_tlcp_conn *c, const ccsp_tlcp_session *s)
{
	ccsp_err ret;

	if (s->certs == NULL) {
		free(c->peer_certs);
		c->peer_certs = NULL;
		c->peer_certs_len = 0;
		c->n_peer = 0;
		return CCSP_OK;
	}
	ret = keep_list(c, s->certs, s->certs_len);
	return ret == CCSP_OK ? CCSP_OK : tlcp_fail(c, ret, CCSP_TLCP_ALERT_INTERNAL_ERROR);
}

ccsp_err tlcp_own_cert_list(const ccsp_tlcp_config *cfg, tlcp_buf *b)
{
	size_t total = 0;

	for (int i = 0; i < 2; i++)
		total += 3 + cfg->own[i].len;
	for (size_t i = 0; i < cfg->n_chain; i++)
		total += 3 + cfg->chain[i].len;
	if (total >= (1u << 24))
		return CCSP_ERR_DATA_LENGTH;
	tlcp_buf_u24(b, total);
	for (int i = 0; i < 2; i++) {
		tlcp_buf_u24(b, cfg->own[i].len);
		tlcp_buf_put(b, cfg->own[i].p, cfg->own[i].len);
	}
	for (size_t i = 0; i < cfg->n_chain; i++) {
		tlcp_buf_u24(b, cfg->chain[i].len);
		tlcp_buf_put(b, cfg->chain[i].p, cfg->chain[i].len);
	}
	return b->oom ? CCSP_ERR_NOMEM : CCSP_OK;
}

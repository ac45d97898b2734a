/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Certificates for the TLCP handshake fuzz targets: every key has a fixed private key and every certificate fixed
 * fields, so a certificate written in one run (in the seeds of tests/fuzz/corpus/tlcp_hs_*) verifies in another: only
 * the signatures' random k differs, and trust anchors' own signatures are not checked. The clock is fixed too.
 */
#ifndef FUZZ_TLCP_HS_PKI_H
#define FUZZ_TLCP_HS_PKI_H

#include <stdlib.h>
#include <string.h>

#include <ccsp/x509.h>

#include "tlcp_conn.h"

#define FUZZ_TLCP_NOW INT64_C(1800000000)

typedef struct fuzz_cert {
	ccsp_sm2_key *key;
	uint8_t der[1024];
	size_t len;
	ccsp_x509_cert x;
} fuzz_cert;

static struct {
	fuzz_cert root, s_sign, s_enc, c_sign, c_enc;
	ccsp_tlcp_config *server, *client;
} fuzz_pki;

static int64_t fuzz_tlcp_clock(void *arg)
{
	(void)arg;
	return FUZZ_TLCP_NOW;
}

static void fuzz_cert_make(fuzz_cert *c, uint8_t seed, const char *subj, unsigned ku, const fuzz_cert *issuer)
{
	uint8_t d[32], name[128], serial[1] = {seed};
	size_t nlen;
	const char *dns[1] = {"server.example"};
	ccsp_x509_cert_params p = {.serial = serial,
	                           .serial_len = 1,
	                           .not_before = FUZZ_TLCP_NOW - 86400,
	                           .not_after = FUZZ_TLCP_NOW + 86400,
	                           .key_usage = ku,
	                           .pathlen = -1,
	                           .is_ca = issuer == NULL,
	                           .dns = dns,
	                           .n_dns = issuer != NULL};

	memset(d, seed, sizeof d);
	d[0] = 0x01;
	c->key = ccsp_sm2_key_new();
	if (c->key == NULL || ccsp_sm2_key_set_private(c->key, d) != CCSP_OK ||
	    ccsp_x509_name_from_text(subj, name, sizeof name, &nlen) != CCSP_OK)
		abort();
	p.subject = name;
	p.subject_len = nlen;
	if (ccsp_x509_cert_write(&p, c->key, issuer != NULL ? &issuer->x : NULL, issuer != NULL ? issuer->key : c->key,
	                         c->der, sizeof c->der, &c->len) != CCSP_OK ||
	    ccsp_x509_cert_parse(&c->x, c->der, c->len) != CCSP_OK)
		abort();
}

static ccsp_tlcp_config *fuzz_config(const fuzz_cert *sign, const fuzz_cert *enc)
{
	ccsp_tlcp_config *cfg = ccsp_tlcp_config_new();

	if (cfg == NULL || ccsp_tlcp_config_set_cert(cfg, 1, sign->der, sign->len, sign->key) != CCSP_OK ||
	    ccsp_tlcp_config_set_cert(cfg, 0, enc->der, enc->len, enc->key) != CCSP_OK ||
	    ccsp_tlcp_config_add_trust(cfg, fuzz_pki.root.der, fuzz_pki.root.len) != CCSP_OK)
		abort();
	ccsp_tlcp_config_set_time(cfg, fuzz_tlcp_clock, NULL);
	return cfg;
}

/* Once per process. */
static void fuzz_pki_init(void)
{
	const unsigned sign = CCSP_X509_KU_DIGITAL_SIGNATURE;
	const unsigned enc = CCSP_X509_KU_KEY_ENCIPHERMENT | CCSP_X509_KU_KEY_AGREEMENT;

	if (fuzz_pki.server != NULL)
		return;
	fuzz_cert_make(&fuzz_pki.root, 0x11, "/CN=fuzz root", CCSP_X509_KU_KEY_CERT_SIGN, NULL);
	fuzz_cert_make(&fuzz_pki.s_sign, 0x22, "/CN=server sign", sign, &fuzz_pki.root);
	fuzz_cert_make(&fuzz_pki.s_enc, 0x33, "/CN=server enc", enc, &fuzz_pki.root);
	fuzz_cert_make(&fuzz_pki.c_sign, 0x44, "/CN=client sign", sign, &fuzz_pki.root);
	fuzz_cert_make(&fuzz_pki.c_enc, 0x55, "/CN=client enc", enc, &fuzz_pki.root);
	fuzz_pki.server = fuzz_config(&fuzz_pki.s_sign, &fuzz_pki.s_enc);
	fuzz_pki.client = fuzz_config(&fuzz_pki.c_sign, &fuzz_pki.c_enc);
	if (ccsp_tlcp_config_set_client_auth(fuzz_pki.server, CCSP_TLCP_CLIENT_AUTH_OPTIONAL) != CCSP_OK ||
	    ccsp_tlcp_config_set_session_cache(fuzz_pki.server, 4, 3600) != CCSP_OK ||
	    ccsp_tlcp_config_set_server_name(fuzz_pki.client, "server.example") != CCSP_OK)
		abort();
}

/*
 * Feed data to c in pieces of `piece` bytes (0: all at once), advancing the handshake (and reading application data
 * once it is done) after each. Checks: feeding always makes progress until the connection fails or the peer closed;
 * a failure is final and names an alert (sent, or received from the "peer").
 */
static void fuzz_drive(ccsp_tlcp_conn *c, const uint8_t *data, size_t size, size_t piece)
{
	uint8_t app[512];
	size_t pos = 0;

	if (piece == 0)
		piece = size;
	while (pos < size) {
		size_t n = size - pos < piece ? size - pos : piece, used = 0, got = 0;
		int done = 0;
		ccsp_err e = ccsp_tlcp_conn_feed(c, data + pos, n, &used);
		if (e == CCSP_OK)
			e = ccsp_tlcp_conn_handshake(c, &done);
		while (e == CCSP_OK && done && ccsp_tlcp_conn_read(c, app, sizeof app, &got) == CCSP_OK && got > 0)
			;
		if (e != CCSP_OK || ccsp_tlcp_conn_state(c) == CCSP_TLCP_STATE_FAILED) {
			int dummy;
			ccsp_err again = ccsp_tlcp_conn_handshake(c, &dummy);
			if (ccsp_tlcp_conn_state(c) != CCSP_TLCP_STATE_FAILED || again == CCSP_OK ||
			    (e != CCSP_OK && again != e))
				abort();
			if (ccsp_tlcp_conn_alert_sent(c) == CCSP_TLCP_ALERT_NONE &&
			    ccsp_tlcp_conn_alert_received(c) == CCSP_TLCP_ALERT_NONE)
				abort();
			return;
		}
		if (ccsp_tlcp_conn_state(c) == CCSP_TLCP_STATE_PEER_CLOSED)
			return;
		if (used == 0)
			abort(); /* no progress */
		pos += used;
	}
}

#endif

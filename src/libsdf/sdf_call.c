/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>

#include "libsdf/sdf_internal.h"

LONG sdf_req(ccsp_sdf_writer *w)
{
	return sdf_req_data(w, 0);
}

LONG sdf_req_data(ccsp_sdf_writer *w, size_t data)
{
	return ccsp_sdf_writer_init(w, data + 256) == CCSP_OK ? SDR_OK : SDR_NOBUFFER;
}

LONG sdf_call(HANDLE hSession, uint16_t opcode, ccsp_sdf_writer *w, sdf_resp *resp)
{
	sdf_session *s = hSession;
	uint32_t status;
	memset(resp, 0, sizeof *resp);
	if (s == NULL || s->magic != SDF_SESSION_MAGIC) {
		ccsp_sdf_writer_free(w);
		return SDR_OPENSESSION;
	}
	if (w->failed) {
		ccsp_sdf_writer_free(w);
		return SDR_NOBUFFER;
	}
	if (sdfc_call(s->dev, opcode, s->id, w, &status, &resp->body, &resp->len, NULL) != CCSP_OK)
		return SDR_COMMFAIL;
	if (status != SDR_OK) {
		sdf_resp_free(resp);
		return (LONG)status;
	}
	ccsp_sdf_reader_init(&resp->r, resp->body, resp->len);
	return SDR_OK;
}

LONG sdf_call_empty(HANDLE hSession, uint16_t opcode, ccsp_sdf_writer *w)
{
	sdf_resp resp;
	LONG rv = sdf_call(hSession, opcode, w, &resp);
	return sdf_resp_done(&resp, rv);
}

void sdf_resp_free(sdf_resp *resp)
{
	if (resp->body != NULL) {
		ccsp_memzero(resp->body, resp->len);
		free(resp->body);
	}
	memset(resp, 0, sizeof *resp);
}

LONG sdf_resp_done(sdf_resp *resp, LONG status)
{
	if (status == SDR_OK && ccsp_sdf_reader_end(&resp->r) != CCSP_OK)
		status = SDR_COMMFAIL;
	sdf_resp_free(resp);
	return status;
}

/* ---- structure conversions: 256-bit values right-aligned in 64-byte fields ---- */

static int zeros(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

LONG sdf_pub_to_wire(const ECCrefPublicKey *pub, uint8_t out[64])
{
	if (pub == NULL)
		return SDR_INARGERR;
	if (pub->bits != 256 || !zeros(pub->x, 32) || !zeros(pub->y, 32))
		return SDR_KEYERR;
	memcpy(out, pub->x + 32, 32);
	memcpy(out + 32, pub->y + 32, 32);
	return SDR_OK;
}

void sdf_pub_from_wire(const uint8_t in[64], ECCrefPublicKey *pub)
{
	memset(pub, 0, sizeof *pub);
	pub->bits = 256;
	memcpy(pub->x + 32, in, 32);
	memcpy(pub->y + 32, in + 32, 32);
}

LONG sdf_priv_to_wire(const ECCrefPrivateKey *priv, uint8_t out[32])
{
	if (priv == NULL)
		return SDR_INARGERR;
	if (priv->bits != 256 || !zeros(priv->K, 32))
		return SDR_KEYERR;
	memcpy(out, priv->K + 32, 32);
	return SDR_OK;
}

void sdf_sig_from_wire(const uint8_t in[64], ECCSignature *sig)
{
	memset(sig, 0, sizeof *sig);
	memcpy(sig->r + 32, in, 32);
	memcpy(sig->s + 32, in + 32, 32);
}

LONG sdf_sig_to_wire(const ECCSignature *sig, uint8_t out[64])
{
	if (sig == NULL)
		return SDR_INARGERR;
	if (!zeros(sig->r, 32) || !zeros(sig->s, 32))
		return SDR_VERIFYERR;
	memcpy(out, sig->r + 32, 32);
	memcpy(out + 32, sig->s + 32, 32);
	return SDR_OK;
}

LONG sdf_cipher_to_wire(const ECCCipher *c, uint8_t **out, size_t *len)
{
	if (c == NULL || c->L == 0 || c->L > CCSP_SDF_MAX_DATA - 96)
		return SDR_INARGERR;
	if (!zeros(c->x, 32) || !zeros(c->y, 32))
		return SDR_ENCDATAERR;
	uint8_t *p = malloc((size_t)c->L + 96);
	if (p == NULL)
		return SDR_NOBUFFER;
	memcpy(p, c->x + 32, 32);
	memcpy(p + 32, c->y + 32, 32);
	memcpy(p + 64, c->M, 32);
	memcpy(p + 96, c->C, c->L);
	*out = p;
	*len = (size_t)c->L + 96;
	return SDR_OK;
}

LONG sdf_cipher_from_wire(const uint8_t *in, size_t len, ECCCipher *c)
{
	if (len <= 96)
		return SDR_COMMFAIL;
	memset(c, 0, SDF_ECCCIPHER_FIXED_SIZE);
	memcpy(c->x + 32, in, 32);
	memcpy(c->y + 32, in + 32, 32);
	memcpy(c->M, in + 64, 32);
	c->L = (ULONG)(len - 96);
	memcpy(c->C, in + 96, len - 96);
	return SDR_OK;
}

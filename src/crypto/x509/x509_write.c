/* SPDX-License-Identifier: Apache-2.0 */
/* Certificate writer (RFC 5280 clause 4.1, v3): the TBSCertificate built back to front, then signed. */
#include "x509_internal.h"

#include <string.h>

#include <ccsp/rand.h>
#include <ccsp/sm2_asn1.h>

#include "module.h"

static const uint8_t oid_server_auth[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01};
static const uint8_t oid_client_auth[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02};

/* Wrap the value written since `start` as Extension { id-ce.last, critical, OCTET STRING }. */
static void put_ext(ccsp_der_writer *w, size_t start, uint8_t last, int critical)
{
	const uint8_t oid[3] = {0x55, 0x1d, last};
	ccsp_der_put_header(w, CCSP_DER_OCTET_STRING, w->len - start);
	if (critical)
		ccsp_der_put_tlv(w, X509_DER_BOOLEAN, (const uint8_t[]){0xff}, 1);
	ccsp_der_put_tlv(w, CCSP_DER_OID, oid, sizeof oid);
	ccsp_der_put_header(w, CCSP_DER_SEQUENCE, w->len - start);
}

/* KeyUsage named bits: DER drops trailing zero bits (X.690 clause 11.2.2). */
static void put_key_usage(ccsp_der_writer *w, unsigned ku)
{
	uint8_t b[3] = {0, 0, 0};
	int high = 0;
	for (int i = 0; i < 9; i++) {
		if (ku & (1u << i)) {
			b[1 + i / 8] |= (uint8_t)(0x80u >> (i % 8));
			high = i;
		}
	}
	b[0] = (uint8_t)(7 - high % 8);
	ccsp_der_put_tlv(w, CCSP_DER_BIT_STRING, b, (size_t)(2 + high / 8));
}

static void put_san(ccsp_der_writer *w, const ccsp_x509_cert_params *p)
{
	size_t start = w->len;
	for (size_t i = p->n_ip; i-- > 0;)
		ccsp_der_put_tlv(w, 0x87, p->ip[i].addr, p->ip[i].len);
	for (size_t i = p->n_dns; i-- > 0;)
		ccsp_der_put_tlv(w, 0x82, (const uint8_t *)p->dns[i], strlen(p->dns[i]));
	ccsp_der_put_header(w, CCSP_DER_SEQUENCE, w->len - start);
}

/* Extensions, in the order openssl writes them: BC, KU, EKU, SKI, AKI, SAN (written last first). */
static void put_extensions(ccsp_der_writer *w, const ccsp_x509_cert_params *p, const uint8_t *ski,
                           const uint8_t *aki, size_t akilen)
{
	size_t all = w->len, start;
	if (p->n_dns + p->n_ip > 0) {
		start = w->len;
		put_san(w, p);
		put_ext(w, start, 0x11, 0);
	}
	start = w->len;
	ccsp_der_put_tlv(w, 0x80, aki, akilen);
	ccsp_der_put_header(w, CCSP_DER_SEQUENCE, w->len - start);
	put_ext(w, start, 0x23, 0);
	start = w->len;
	ccsp_der_put_tlv(w, CCSP_DER_OCTET_STRING, ski, CCSP_X509_KEY_ID_SIZE);
	put_ext(w, start, 0x0e, 0);
	if (p->ext_key_usage != 0) {
		start = w->len;
		if (p->ext_key_usage & CCSP_X509_EKU_CLIENT_AUTH)
			ccsp_der_put_tlv(w, CCSP_DER_OID, oid_client_auth, sizeof oid_client_auth);
		if (p->ext_key_usage & CCSP_X509_EKU_SERVER_AUTH)
			ccsp_der_put_tlv(w, CCSP_DER_OID, oid_server_auth, sizeof oid_server_auth);
		ccsp_der_put_header(w, CCSP_DER_SEQUENCE, w->len - start);
		put_ext(w, start, 0x25, 0);
	}
	if (p->key_usage != 0) {
		start = w->len;
		put_key_usage(w, p->key_usage);
		put_ext(w, start, 0x0f, 1);
	}
	if (p->is_ca) {
		start = w->len;
		if (p->pathlen >= 0)
			ccsp_der_put_u32(w, (uint32_t)p->pathlen);
		ccsp_der_put_tlv(w, X509_DER_BOOLEAN, (const uint8_t[]){0xff}, 1);
		ccsp_der_put_header(w, CCSP_DER_SEQUENCE, w->len - start);
		put_ext(w, start, 0x13, 1);
	}
	ccsp_der_put_header(w, CCSP_DER_SEQUENCE, w->len - all);
	ccsp_der_put_header(w, X509_DER_CONTEXT_3, w->len - all);
}

static int dns_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '.' || c == '*'))
			return 0;
	}
	return 1;
}

static ccsp_err check_params(const ccsp_x509_cert_params *p)
{
	CCSP_ENSURE(p->subject != NULL && p->subject_len > 0, CCSP_ERR_ARG);
	CCSP_ENSURE(p->serial == NULL || (p->serial_len >= 1 && p->serial_len <= CCSP_X509_SERIAL_MAX), CCSP_ERR_ARG);
	CCSP_ENSURE(p->not_before <= p->not_after, CCSP_ERR_ARG);
	CCSP_ENSURE((p->key_usage & ~0x1ffu) == 0 && (p->ext_key_usage & ~3u) == 0, CCSP_ERR_ARG);
	CCSP_ENSURE(p->pathlen >= -1 && p->pathlen <= 255, CCSP_ERR_ARG);
	CCSP_ENSURE(p->n_dns + p->n_ip <= CCSP_X509_SAN_MAX && (p->dns != NULL || p->n_dns == 0) &&
	                    (p->ip != NULL || p->n_ip == 0),
	            CCSP_ERR_ARG);
	for (size_t i = 0; i < p->n_dns; i++)
		CCSP_ENSURE(p->dns[i] != NULL && dns_ok(p->dns[i]), CCSP_ERR_ARG);
	for (size_t i = 0; i < p->n_ip; i++)
		CCSP_ENSURE(p->ip[i].len == 4 || p->ip[i].len == 16, CCSP_ERR_ARG);
	/* The subject is a well-formed Name. */
	ccsp_der_reader r;
	ccsp_x509_span name;
	ccsp_der_reader_init(&r, p->subject, p->subject_len);
	CCSP_ENSURE(ccsp_x509_read_name(&r, &name) == CCSP_OK && ccsp_der_finish(&r) == CCSP_OK, CCSP_ERR_ARG);
	return CCSP_OK;
}

/* The signer's key must be the issuer certificate's (or, self-signed, the subject's) key pair. */
static ccsp_err check_signer(const ccsp_sm2_key *subject_key, const ccsp_x509_cert *issuer,
                             const ccsp_sm2_key *issuer_key, uint8_t subject_pub[CCSP_SM2_POINT_SIZE])
{
	uint8_t signer[CCSP_SM2_POINT_SIZE];
	CCSP_GUARD(ccsp_sm2_key_get_public(subject_key, subject_pub));
	CCSP_ENSURE(ccsp_sm2_key_has_private(issuer_key), CCSP_ERR_KEY);
	CCSP_GUARD(ccsp_sm2_key_get_public(issuer_key, signer));
	const uint8_t *want = issuer != NULL ? issuer->pub : subject_pub;
	CCSP_ENSURE(memcmp(signer, want, CCSP_SM2_POINT_SIZE) == 0, CCSP_ERR_KEY);
	return CCSP_OK;
}

static ccsp_err put_serial(ccsp_der_writer *w, const ccsp_x509_cert_params *p)
{
	uint8_t serial[16];
	if (p->serial != NULL) {
		ccsp_der_put_uint(w, p->serial, p->serial_len);
		return CCSP_OK;
	}
	/* 127 random bits, positive, never a leading zero byte (RFC 5280 clause 4.1.2.2). */
	CCSP_GUARD(ccsp_random(serial, sizeof serial));
	serial[0] = (uint8_t)((serial[0] & 0x7f) | 0x40);
	ccsp_der_put_uint(w, serial, sizeof serial);
	return CCSP_OK;
}

static ccsp_err put_tbs(ccsp_der_writer *w, const ccsp_x509_cert_params *p, const uint8_t *pub,
                        const ccsp_sm2_key *subject_key, const ccsp_x509_cert *issuer)
{
	uint8_t ski[CCSP_X509_KEY_ID_SIZE], aki[CCSP_X509_KEY_ID_SIZE], spki[256];
	size_t spkilen;
	const uint8_t *akip = ski;
	size_t akilen = sizeof ski;
	CCSP_GUARD(ccsp_x509_key_id(pub, ski));
	if (issuer != NULL && issuer->ski.len > 0) {
		akip = issuer->ski.p;
		akilen = issuer->ski.len;
	} else if (issuer != NULL) {
		CCSP_GUARD(ccsp_x509_key_id(issuer->pub, aki));
		akip = aki;
	}
	CCSP_GUARD(ccsp_sm2_key_encode(subject_key, CCSP_SM2_KEY_SPKI, 0, NULL, 0, spki, sizeof spki, &spkilen));
	put_extensions(w, p, ski, akip, akilen);
	ccsp_der_put_bytes(w, spki, spkilen);
	ccsp_der_put_bytes(w, p->subject, p->subject_len);
	size_t start = w->len;
	CCSP_GUARD(ccsp_x509_put_time(w, p->not_after));
	CCSP_GUARD(ccsp_x509_put_time(w, p->not_before));
	ccsp_der_put_header(w, CCSP_DER_SEQUENCE, w->len - start);
	if (issuer != NULL)
		ccsp_der_put_bytes(w, issuer->subject.p, issuer->subject.len);
	else
		ccsp_der_put_bytes(w, p->subject, p->subject_len);
	ccsp_x509_put_sig_alg(w);
	CCSP_GUARD(put_serial(w, p));
	start = w->len;
	ccsp_der_put_u32(w, 2); /* v3 */
	ccsp_der_put_header(w, CCSP_DER_CONTEXT_0, w->len - start);
	ccsp_der_put_header(w, CCSP_DER_SEQUENCE, w->len);
	return CCSP_OK;
}

ccsp_err ccsp_x509_cert_write(const ccsp_x509_cert_params *params, const ccsp_sm2_key *subject_key,
                              const ccsp_x509_cert *issuer, const ccsp_sm2_key *issuer_key, uint8_t *out, size_t outcap,
                              size_t *outlen)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(params != NULL && subject_key != NULL && issuer_key != NULL && outlen != NULL &&
	                    (out != NULL || outcap == 0),
	            CCSP_ERR_ARG);
	CCSP_GUARD(check_params(params));
	uint8_t pub[CCSP_SM2_POINT_SIZE];
	CCSP_GUARD(check_signer(subject_key, issuer, issuer_key, pub));
	ccsp_der_writer w;
	ccsp_der_writer_init(&w, out, outcap);
	CCSP_GUARD(put_tbs(&w, params, pub, subject_key, issuer));
	CCSP_GUARD(ccsp_x509_sign_wrap(&w, issuer_key));
	return ccsp_der_writer_finish(&w, outlen);
}

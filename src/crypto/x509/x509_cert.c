/* SPDX-License-Identifier: Apache-2.0 */
/* Certificate (RFC 5280 clause 4.1) reading and the PEM framing of certificates and requests. */
#include "x509_internal.h"

#include <string.h>

#include "der/pem.h"
#include "module.h"

/* Validity ::= SEQUENCE { notBefore Time, notAfter Time } */
static ccsp_err read_validity(ccsp_der_reader *r, ccsp_x509_cert *c)
{
	ccsp_der_reader seq;
	CCSP_GUARD(ccsp_der_read_tlv(r, CCSP_DER_SEQUENCE, &seq));
	CCSP_GUARD(ccsp_x509_read_time(&seq, &c->not_before));
	CCSP_GUARD(ccsp_x509_read_time(&seq, &c->not_after));
	return ccsp_der_finish(&seq);
}

/* [0] EXPLICIT Version DEFAULT v1; serialNumber (positive, at most 20 bytes). */
static ccsp_err read_version_serial(ccsp_der_reader *tbs, ccsp_x509_cert *c)
{
	ccsp_der_reader v;
	const uint8_t *mag;
	uint32_t version = 0;
	if (ccsp_der_peek_tag(tbs) == CCSP_DER_CONTEXT_0) {
		CCSP_GUARD(ccsp_der_read_tlv(tbs, CCSP_DER_CONTEXT_0, &v));
		CCSP_GUARD(ccsp_der_read_u32(&v, &version));
		CCSP_GUARD(ccsp_der_finish(&v));
		/* DER: v1 is the DEFAULT and is never written; 3 and up are unknown versions. */
		CCSP_ENSURE(version == 1 || version == 2, version == 0 ? CCSP_ERR_DECODE : CCSP_ERR_UNSUPPORTED);
	}
	c->version = (int)version + 1;
	CCSP_GUARD(ccsp_der_read_uint(tbs, &mag, &c->serial_len));
	CCSP_ENSURE(c->serial_len <= CCSP_X509_SERIAL_MAX, CCSP_ERR_DECODE);
	memcpy(c->serial, mag, c->serial_len);
	return CCSP_OK;
}

static ccsp_err read_tbs(ccsp_der_reader *tbs, ccsp_x509_cert *c)
{
	ccsp_der_reader v;
	CCSP_GUARD(read_version_serial(tbs, c));
	CCSP_GUARD(ccsp_x509_read_sig_alg(tbs));
	CCSP_GUARD(ccsp_x509_read_name(tbs, &c->issuer));
	CCSP_GUARD(read_validity(tbs, c));
	CCSP_GUARD(ccsp_x509_read_name(tbs, &c->subject));
	CCSP_GUARD(ccsp_x509_read_spki(tbs, c->pub));
	/* issuerUniqueID [1], subjectUniqueID [2] IMPLICIT BIT STRING: v2 and v3 only, ignored. */
	for (uint8_t tag = 0x81; tag <= 0x82; tag++) {
		if (ccsp_der_peek_tag(tbs) == tag) {
			CCSP_ENSURE(c->version >= 2, CCSP_ERR_DECODE);
			CCSP_GUARD(ccsp_der_read_tlv(tbs, tag, &v));
		}
	}
	if (ccsp_der_peek_tag(tbs) == X509_DER_CONTEXT_3) {
		CCSP_ENSURE(c->version == 3, CCSP_ERR_DECODE);
		CCSP_GUARD(ccsp_der_read_tlv(tbs, X509_DER_CONTEXT_3, &v));
		CCSP_GUARD(ccsp_x509_read_extensions(&v, c));
		CCSP_GUARD(ccsp_der_finish(&v));
	}
	return ccsp_der_finish(tbs);
}

ccsp_err ccsp_x509_cert_parse(ccsp_x509_cert *cert, const uint8_t *der, size_t len)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(cert != NULL && (der != NULL || len == 0), CCSP_ERR_ARG);
	CCSP_ENSURE(len <= CCSP_X509_CERT_MAX, CCSP_ERR_DATA_LENGTH);
	ccsp_x509_cert c;
	ccsp_der_reader top, seq, tbs;
	memset(&c, 0, sizeof c);
	c.pathlen = -1;
	ccsp_der_reader_init(&top, der, len);
	CCSP_GUARD(ccsp_der_read_tlv(&top, CCSP_DER_SEQUENCE, &seq));
	CCSP_GUARD(ccsp_der_finish(&top));
	size_t start = seq.pos;
	CCSP_GUARD(ccsp_der_read_tlv(&seq, CCSP_DER_SEQUENCE, &tbs));
	c.tbs.p = seq.p + start;
	c.tbs.len = seq.pos - start;
	CCSP_GUARD(read_tbs(&tbs, &c));
	CCSP_GUARD(ccsp_x509_read_sig_alg(&seq));
	CCSP_GUARD(ccsp_x509_read_sig(&seq, c.sig));
	CCSP_GUARD(ccsp_der_finish(&seq));
	c.der.p = der;
	c.der.len = len;
	*cert = c;
	return CCSP_OK;
}

ccsp_err ccsp_x509_cert_check_signature(const ccsp_x509_cert *cert, const ccsp_x509_cert *issuer)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(cert != NULL && issuer != NULL, CCSP_ERR_ARG);
	return ccsp_x509_verify_sig(issuer->pub, NULL, 0, &cert->tbs, cert->sig);
}

/* ---- PEM ---- */

static const uint8_t *find(const uint8_t *p, size_t len, const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; n <= len && i <= len - n; i++)
		if (memcmp(p + i, s, n) == 0)
			return p + i;
	return NULL;
}

/* pre || label || "-----" into buf (label at most CCSP_PEM_LABEL_MAX bytes, checked by the caller). */
static void frame(char buf[CCSP_PEM_LABEL_MAX + 32], const char *pre, const char *label)
{
	size_t a = strlen(pre), b = strlen(label);
	memcpy(buf, pre, a);
	memcpy(buf + a, label, b);
	memcpy(buf + a + b, "-----", 6);
}

ccsp_err ccsp_x509_pem_decode(const uint8_t *in, size_t len, const char *label, uint8_t *out, size_t outcap,
                              size_t *outlen, size_t *consumed)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(in != NULL && label != NULL && outlen != NULL && (out != NULL || outcap == 0), CCSP_ERR_ARG);
	CCSP_ENSURE(strlen(label) <= CCSP_PEM_LABEL_MAX, CCSP_ERR_ARG);
	char begin[CCSP_PEM_LABEL_MAX + 32], end[CCSP_PEM_LABEL_MAX + 32], got[CCSP_PEM_LABEL_MAX + 1];
	frame(begin, "-----BEGIN ", label);
	frame(end, "-----END ", label);
	const uint8_t *b = find(in, len, begin);
	CCSP_ENSURE(b != NULL, CCSP_ERR_NOT_FOUND);
	/* From the start of the BEGIN line to the end of the END line. */
	const uint8_t *e = find(b, len - (size_t)(b - in), end);
	CCSP_ENSURE(e != NULL, CCSP_ERR_DECODE);
	size_t stop = (size_t)(e - in) + strlen(end);
	if (stop < len && in[stop] == '\r')
		stop++;
	if (stop < len && in[stop] == '\n')
		stop++;
	CCSP_GUARD(ccsp_pem_decode(b, (size_t)(in + stop - b), got, sizeof got, out, outcap, outlen));
	CCSP_ENSURE(strcmp(got, label) == 0, CCSP_ERR_DECODE);
	if (consumed != NULL)
		*consumed = stop;
	return CCSP_OK;
}

ccsp_err ccsp_x509_pem_encode(const char *label, const uint8_t *der, size_t derlen, uint8_t *out, size_t outcap,
                              size_t *outlen)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(label != NULL && der != NULL && outlen != NULL && (out != NULL || outcap == 0), CCSP_ERR_ARG);
	CCSP_ENSURE(strlen(label) <= CCSP_PEM_LABEL_MAX, CCSP_ERR_ARG);
	return ccsp_pem_encode(label, der, derlen, out, outcap, outlen);
}

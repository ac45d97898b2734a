/* SPDX-License-Identifier: Apache-2.0 */
/* Certificate extensions read (RFC 5280 clause 4.2): key usage, basic constraints, SKI, AKI, SAN, EKU. */
#include "x509_internal.h"

#include <string.h>

#include "module.h"

/* id-ce 2.5.29.x (RFC 5280 clause 4.2.1): the last byte after 55 1d. */
enum { EXT_SKI = 0x0e, EXT_KU = 0x0f, EXT_SAN = 0x11, EXT_BC = 0x13, EXT_AKI = 0x23, EXT_EKU = 0x25 };
static const uint8_t oid_server_auth[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01};
static const uint8_t oid_client_auth[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02};

static ccsp_err skip_any(ccsp_der_reader *r)
{
	ccsp_der_reader v;
	int tag = ccsp_der_peek_tag(r);
	CCSP_ENSURE(tag >= 0, CCSP_ERR_DECODE);
	return ccsp_der_read_tlv(r, (uint8_t)tag, &v);
}

/* DER BOOLEAN: 0x00 or 0xff (X.690 clause 11.1). */
static ccsp_err read_bool(ccsp_der_reader *r, int *v)
{
	const uint8_t *p;
	size_t n;
	CCSP_GUARD(ccsp_der_read_value(r, X509_DER_BOOLEAN, &p, &n));
	CCSP_ENSURE(n == 1 && (p[0] == 0 || p[0] == 0xff), CCSP_ERR_DECODE);
	*v = p[0] != 0;
	return CCSP_OK;
}

/* KeyUsage ::= BIT STRING (named bits: bit 0 is the first byte's most significant bit). */
static ccsp_err read_key_usage(ccsp_der_reader *r, ccsp_x509_cert *c)
{
	const uint8_t *p;
	size_t n;
	CCSP_GUARD(ccsp_der_read_value(r, CCSP_DER_BIT_STRING, &p, &n));
	CCSP_ENSURE(n >= 1 && p[0] <= 7 && (n > 1 || p[0] == 0), CCSP_ERR_DECODE);
	CCSP_ENSURE(n == 1 || (p[n - 1] & ((1u << p[0]) - 1)) == 0, CCSP_ERR_DECODE);
	c->key_usage = 0;
	for (size_t i = 0; i + 1 < n && i < 2; i++)
		for (unsigned b = 0; b < 8; b++)
			if (p[1 + i] & (0x80u >> b))
				c->key_usage |= 1u << (8 * i + b);
	c->has_key_usage = 1;
	return ccsp_der_finish(r);
}

/* BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL } */
static ccsp_err read_basic_constraints(ccsp_der_reader *r, ccsp_x509_cert *c)
{
	ccsp_der_reader seq;
	uint32_t pathlen;
	CCSP_GUARD(ccsp_der_read_tlv(r, CCSP_DER_SEQUENCE, &seq));
	c->is_ca = 0;
	c->pathlen = -1;
	if (ccsp_der_peek_tag(&seq) == X509_DER_BOOLEAN) {
		CCSP_GUARD(read_bool(&seq, &c->is_ca));
		CCSP_ENSURE(c->is_ca, CCSP_ERR_DECODE); /* DER: a DEFAULT value is never written */
	}
	if (ccsp_der_remaining(&seq) > 0) {
		CCSP_GUARD(ccsp_der_read_u32(&seq, &pathlen));
		c->pathlen = pathlen > 255 ? 255 : (int)pathlen;
	}
	c->has_basic_constraints = 1;
	CCSP_GUARD(ccsp_der_finish(&seq));
	return ccsp_der_finish(r);
}

/* AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0], authorityCertIssuer [1], serial [2] } */
static ccsp_err read_aki(ccsp_der_reader *r, ccsp_x509_cert *c)
{
	ccsp_der_reader seq, v;
	CCSP_GUARD(ccsp_der_read_tlv(r, CCSP_DER_SEQUENCE, &seq));
	if (ccsp_der_peek_tag(&seq) == 0x80) {
		CCSP_GUARD(ccsp_der_read_tlv(&seq, 0x80, &v));
		c->aki.p = v.p;
		c->aki.len = v.len;
	}
	if (ccsp_der_peek_tag(&seq) == 0xa1)
		CCSP_GUARD(ccsp_der_read_tlv(&seq, 0xa1, &v));
	if (ccsp_der_peek_tag(&seq) == 0x82)
		CCSP_GUARD(ccsp_der_read_tlv(&seq, 0x82, &v));
	CCSP_GUARD(ccsp_der_finish(&seq));
	return ccsp_der_finish(r);
}

/* SubjectAltName ::= GeneralNames: dNSName [2] IA5String, iPAddress [7] OCTET STRING; others skipped. */
static ccsp_err read_san(ccsp_der_reader *r, ccsp_x509_cert *c)
{
	ccsp_der_reader seq, v;
	CCSP_GUARD(ccsp_der_read_tlv(r, CCSP_DER_SEQUENCE, &seq));
	CCSP_ENSURE(ccsp_der_remaining(&seq) > 0, CCSP_ERR_DECODE);
	while (ccsp_der_remaining(&seq) > 0) {
		int tag = ccsp_der_peek_tag(&seq);
		if (tag == 0x82) {
			CCSP_GUARD(ccsp_der_read_tlv(&seq, 0x82, &v));
			CCSP_ENSURE(c->n_dns < CCSP_X509_SAN_MAX, CCSP_ERR_UNSUPPORTED);
			c->dns[c->n_dns].p = v.p;
			c->dns[c->n_dns++].len = v.len;
		} else if (tag == 0x87) {
			CCSP_GUARD(ccsp_der_read_tlv(&seq, 0x87, &v));
			CCSP_ENSURE(v.len == 4 || v.len == 16, CCSP_ERR_DECODE);
			CCSP_ENSURE(c->n_ip < CCSP_X509_SAN_MAX, CCSP_ERR_UNSUPPORTED);
			memcpy(c->ip[c->n_ip].addr, v.p, v.len);
			c->ip[c->n_ip++].len = v.len;
		} else {
			CCSP_GUARD(skip_any(&seq));
		}
	}
	return ccsp_der_finish(r);
}

/* ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId */
static ccsp_err read_eku(ccsp_der_reader *r, ccsp_x509_cert *c)
{
	ccsp_der_reader seq, v;
	CCSP_GUARD(ccsp_der_read_tlv(r, CCSP_DER_SEQUENCE, &seq));
	CCSP_ENSURE(ccsp_der_remaining(&seq) > 0, CCSP_ERR_DECODE);
	c->ext_key_usage = 0;
	while (ccsp_der_remaining(&seq) > 0) {
		if (ccsp_der_read_oid_if(&seq, oid_server_auth, sizeof oid_server_auth))
			c->ext_key_usage |= CCSP_X509_EKU_SERVER_AUTH;
		else if (ccsp_der_read_oid_if(&seq, oid_client_auth, sizeof oid_client_auth))
			c->ext_key_usage |= CCSP_X509_EKU_CLIENT_AUTH;
		else
			CCSP_GUARD(ccsp_der_read_tlv(&seq, CCSP_DER_OID, &v));
	}
	c->has_ext_key_usage = 1;
	return ccsp_der_finish(r);
}

static ccsp_err read_known(int which, ccsp_der_reader *val, ccsp_x509_cert *c)
{
	ccsp_der_reader v;
	switch (which) {
	case EXT_KU:
		return read_key_usage(val, c);
	case EXT_BC:
		return read_basic_constraints(val, c);
	case EXT_SKI:
		CCSP_GUARD(ccsp_der_read_tlv(val, CCSP_DER_OCTET_STRING, &v));
		c->ski.p = v.p;
		c->ski.len = v.len;
		return ccsp_der_finish(val);
	case EXT_AKI:
		return read_aki(val, c);
	case EXT_SAN:
		return read_san(val, c);
	case EXT_EKU:
		return read_eku(val, c);
	default:
		return CCSP_ERR_INTERNAL;
	}
}

/* Which known extension an OID names, or -1. */
static int known_ext(const uint8_t *oid, size_t len)
{
	static const uint8_t known[] = {EXT_SKI, EXT_KU, EXT_SAN, EXT_BC, EXT_AKI, EXT_EKU};
	if (len != 3 || oid[0] != 0x55 || oid[1] != 0x1d)
		return -1;
	for (size_t i = 0; i < sizeof known; i++)
		if (oid[2] == known[i])
			return oid[2];
	return -1;
}

ccsp_err ccsp_x509_read_extensions(ccsp_der_reader *r, ccsp_x509_cert *c)
{
	ccsp_der_reader seq, ext, val;
	const uint8_t *oid, *v;
	size_t oidlen, vlen;
	uint64_t seen = 0;
	CCSP_GUARD(ccsp_der_read_tlv(r, CCSP_DER_SEQUENCE, &seq));
	CCSP_ENSURE(ccsp_der_remaining(&seq) > 0, CCSP_ERR_DECODE); /* SIZE (1..MAX) */
	while (ccsp_der_remaining(&seq) > 0) {
		int critical = 0;
		CCSP_GUARD(ccsp_der_read_tlv(&seq, CCSP_DER_SEQUENCE, &ext));
		CCSP_GUARD(ccsp_der_read_value(&ext, CCSP_DER_OID, &oid, &oidlen));
		CCSP_ENSURE(oidlen > 0, CCSP_ERR_DECODE);
		if (ccsp_der_peek_tag(&ext) == X509_DER_BOOLEAN) {
			CCSP_GUARD(read_bool(&ext, &critical));
			CCSP_ENSURE(critical, CCSP_ERR_DECODE); /* DER: DEFAULT FALSE is never written */
		}
		CCSP_GUARD(ccsp_der_read_value(&ext, CCSP_DER_OCTET_STRING, &v, &vlen));
		CCSP_GUARD(ccsp_der_finish(&ext));
		int which = known_ext(oid, oidlen);
		if (which < 0) {
			CCSP_ENSURE(!critical, CCSP_ERR_UNSUPPORTED); /* RFC 5280 clause 4.2: must be refused */
			continue;
		}
		/* RFC 5280 clause 4.2: at most one instance of an extension. */
		CCSP_ENSURE((seen & (UINT64_C(1) << which)) == 0, CCSP_ERR_DECODE);
		seen |= UINT64_C(1) << which;
		ccsp_der_reader_init(&val, v, vlen);
		CCSP_GUARD(read_known(which, &val, c));
	}
	return ccsp_der_finish(r);
}

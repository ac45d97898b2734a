/* SPDX-License-Identifier: Apache-2.0 */
/* PKCS#10 certification requests (RFC 2986 clause 4) with SM2 keys. */
#include "x509_internal.h"

#include <string.h>

#include <ccsp/sm2_asn1.h>

#include "module.h"

/* CertificationRequestInfo ::= SEQUENCE { version INTEGER { v1(0) }, subject Name,
 *     subjectPKInfo SubjectPublicKeyInfo, attributes [0] IMPLICIT SET OF Attribute } */
static ccsp_err read_info(ccsp_der_reader *info, ccsp_x509_csr *c)
{
	ccsp_der_reader attrs;
	uint32_t version;
	CCSP_GUARD(ccsp_der_read_u32(info, &version));
	CCSP_ENSURE(version == 0, CCSP_ERR_UNSUPPORTED);
	CCSP_GUARD(ccsp_x509_read_name(info, &c->subject));
	CCSP_GUARD(ccsp_x509_read_spki(info, c->pub));
	/* Attributes (extension requests included) are not used: the issuer decides the extensions. */
	if (ccsp_der_peek_tag(info) == CCSP_DER_CONTEXT_0)
		CCSP_GUARD(ccsp_der_read_tlv(info, CCSP_DER_CONTEXT_0, &attrs));
	return ccsp_der_finish(info);
}

ccsp_err ccsp_x509_csr_parse(ccsp_x509_csr *csr, const uint8_t *der, size_t len)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(csr != NULL && (der != NULL || len == 0), CCSP_ERR_ARG);
	CCSP_ENSURE(len <= CCSP_X509_CERT_MAX, CCSP_ERR_DATA_LENGTH);
	ccsp_x509_csr c;
	ccsp_der_reader top, seq, info;
	memset(&c, 0, sizeof c);
	ccsp_der_reader_init(&top, der, len);
	CCSP_GUARD(ccsp_der_read_tlv(&top, CCSP_DER_SEQUENCE, &seq));
	CCSP_GUARD(ccsp_der_finish(&top));
	size_t start = seq.pos;
	CCSP_GUARD(ccsp_der_read_tlv(&seq, CCSP_DER_SEQUENCE, &info));
	c.info.p = seq.p + start;
	c.info.len = seq.pos - start;
	CCSP_GUARD(read_info(&info, &c));
	CCSP_GUARD(ccsp_x509_read_sig_alg(&seq));
	CCSP_GUARD(ccsp_x509_read_sig(&seq, c.sig));
	CCSP_GUARD(ccsp_der_finish(&seq));
	c.der.p = der;
	c.der.len = len;
	*csr = c;
	return CCSP_OK;
}

ccsp_err ccsp_x509_csr_verify(const ccsp_x509_csr *csr)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(csr != NULL, CCSP_ERR_ARG);
	return ccsp_x509_verify_sig(csr->pub, NULL, 0, &csr->info, csr->sig);
}

ccsp_err ccsp_x509_csr_write(const uint8_t *subject, size_t subject_len, const ccsp_sm2_key *key, uint8_t *out,
                             size_t outcap, size_t *outlen)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(subject != NULL && key != NULL && outlen != NULL && (out != NULL || outcap == 0), CCSP_ERR_ARG);
	CCSP_ENSURE(ccsp_sm2_key_has_private(key), CCSP_ERR_KEY);
	ccsp_der_reader r;
	ccsp_x509_span name;
	ccsp_der_reader_init(&r, subject, subject_len);
	CCSP_ENSURE(ccsp_x509_read_name(&r, &name) == CCSP_OK && ccsp_der_finish(&r) == CCSP_OK, CCSP_ERR_ARG);
	uint8_t spki[256];
	size_t spkilen;
	CCSP_GUARD(ccsp_sm2_key_encode(key, CCSP_SM2_KEY_SPKI, 0, NULL, 0, spki, sizeof spki, &spkilen));
	ccsp_der_writer w;
	ccsp_der_writer_init(&w, out, outcap);
	ccsp_der_put_header(&w, CCSP_DER_CONTEXT_0, 0); /* no attributes */
	ccsp_der_put_bytes(&w, spki, spkilen);
	ccsp_der_put_bytes(&w, subject, subject_len);
	ccsp_der_put_u32(&w, 0);
	ccsp_der_put_header(&w, CCSP_DER_SEQUENCE, w.len);
	CCSP_GUARD(ccsp_x509_sign_wrap(&w, key));
	return ccsp_der_writer_finish(&w, outlen);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* BYOK wire formats (kms_byok.h), on the core's DER reader and writer. */
#include <string.h>

#include <ccsp/sm2_asn1.h>

#include "crypto/der/der.h"
#include "crypto/guard.h" /* CCSP_GUARD, CCSP_ENSURE */
#include "platform/kms_byok.h"

/* 1.2.156.10197.1.104 (SM4) and 1.2.156.10197.1.104.1 (SM4-ECB), content bytes. */
static const uint8_t OID_SM4[] = {0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x68};
static const uint8_t OID_SM4_ECB[] = {0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x68, 0x01};

/* raw 04 || x || y || C3 || C2 (len bytes) without its 04 into out. */
static ccsp_err strip04(const uint8_t *in, size_t len, uint8_t out[CCSP_KMS_BYOK_CT_MAX], size_t *outlen)
{
	CCSP_ENSURE(len > 97 && len - 1 <= CCSP_KMS_BYOK_CT_MAX && in[0] == 0x04, CCSP_ERR_DECODE);
	memcpy(out, in + 1, len - 1);
	*outlen = len - 1;
	return CCSP_OK;
}

ccsp_err ccsp_kms_sm2_ct_read(const uint8_t *in, size_t len, uint8_t raw[CCSP_KMS_BYOK_CT_MAX], size_t *rawlen)
{
	uint8_t buf[1 + CCSP_KMS_BYOK_CT_MAX];
	size_t n = 0;
	CCSP_ENSURE(in != NULL && raw != NULL && rawlen != NULL && len <= CCSP_KMS_BYOK_DER_MAX, CCSP_ERR_DECODE);
	if (len > 0 && in[0] == 0x30 && ccsp_sm2_ciphertext_from_der(in, len, buf, sizeof buf, &n) == CCSP_OK)
		return strip04(buf, n, raw, rawlen);
	return strip04(in, len, raw, rawlen);
}

ccsp_err ccsp_kms_sm2_ct_write(const uint8_t *raw, size_t rawlen, uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t buf[1 + CCSP_KMS_BYOK_CT_MAX] = {0x04};
	CCSP_ENSURE(raw != NULL && rawlen > 96 && rawlen <= CCSP_KMS_BYOK_CT_MAX, CCSP_ERR_ARG);
	memcpy(buf + 1, raw, rawlen);
	return ccsp_sm2_ciphertext_to_der(buf, rawlen + 1, out, cap, outlen);
}

ccsp_err ccsp_kms_enveloped_key_read(const uint8_t *in, size_t len, uint8_t sym_ct[CCSP_KMS_BYOK_CT_MAX],
                                     size_t *sym_ctlen, uint8_t enc_private[32], uint8_t pub[64])
{
	ccsp_der_reader r, seq, alg, cipher;
	const uint8_t *cdata = NULL, *p = NULL, *d = NULL;
	size_t clen = 0, plen = 0, dlen = 0, start;
	CCSP_ENSURE(in != NULL && len <= CCSP_KMS_BYOK_DER_MAX, CCSP_ERR_DECODE);
	ccsp_der_reader_init(&r, in, len);
	CCSP_GUARD(ccsp_der_read_tlv(&r, CCSP_DER_SEQUENCE, &seq));
	CCSP_GUARD(ccsp_der_finish(&r));
	CCSP_GUARD(ccsp_der_read_tlv(&seq, CCSP_DER_SEQUENCE, &alg));
	if (!ccsp_der_read_oid_if(&alg, OID_SM4_ECB, sizeof OID_SM4_ECB) &&
	    !ccsp_der_read_oid_if(&alg, OID_SM4, sizeof OID_SM4))
		return ccsp_der_peek_tag(&alg) == CCSP_DER_OID ? CCSP_ERR_UNSUPPORTED : CCSP_ERR_DECODE;
	if (ccsp_der_remaining(&alg) > 0)
		CCSP_GUARD(ccsp_der_read_null(&alg));
	CCSP_GUARD(ccsp_der_finish(&alg));
	start = seq.pos; /* the SM2Cipher's whole TLV, for the core's parser */
	CCSP_GUARD(ccsp_der_read_tlv(&seq, CCSP_DER_SEQUENCE, &cipher));
	cdata = seq.p + start;
	clen = seq.pos - start;
	CCSP_GUARD(ccsp_der_read_bits(&seq, CCSP_DER_BIT_STRING, &p, &plen));
	CCSP_GUARD(ccsp_der_read_bits(&seq, CCSP_DER_BIT_STRING, &d, &dlen));
	CCSP_GUARD(ccsp_der_finish(&seq));
	CCSP_ENSURE(plen == 65 && p[0] == 0x04 && dlen == 32, CCSP_ERR_DECODE);
	CCSP_GUARD(ccsp_kms_sm2_ct_read(cdata, clen, sym_ct, sym_ctlen));
	CCSP_ENSURE(*sym_ctlen == 96 + 16, CCSP_ERR_DECODE); /* an SM4 key */
	memcpy(pub, p + 1, 64);
	memcpy(enc_private, d, 32);
	return CCSP_OK;
}

ccsp_err ccsp_kms_enveloped_key_write(const uint8_t *sym_ct, size_t sym_ctlen, const uint8_t enc_private[32],
                                      const uint8_t pub[64], uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t cipher[CCSP_KMS_BYOK_DER_MAX], point[65] = {0x04};
	size_t clen = 0;
	ccsp_der_writer w;
	CCSP_ENSURE(enc_private != NULL && pub != NULL && out != NULL && outlen != NULL, CCSP_ERR_ARG);
	CCSP_GUARD(ccsp_kms_sm2_ct_write(sym_ct, sym_ctlen, cipher, sizeof cipher, &clen));
	memcpy(point + 1, pub, 64);
	ccsp_der_writer_init(&w, out, cap);
	ccsp_der_put_bits(&w, CCSP_DER_BIT_STRING, enc_private, 32);
	ccsp_der_put_bits(&w, CCSP_DER_BIT_STRING, point, sizeof point);
	ccsp_der_put_bytes(&w, cipher, clen);
	size_t before_alg = w.len;
	ccsp_der_put_tlv(&w, CCSP_DER_OID, OID_SM4_ECB, sizeof OID_SM4_ECB);
	ccsp_der_put_header(&w, CCSP_DER_SEQUENCE, w.len - before_alg);
	ccsp_der_put_header(&w, CCSP_DER_SEQUENCE, w.len);
	return ccsp_der_writer_finish(&w, outlen);
}

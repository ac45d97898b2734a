/* SPDX-License-Identifier: Apache-2.0 */
/* GM/T 0009-2012 clause 7 (GB/T 35276-2017): SM2Signature and SM2Cipher. */
#include <ccsp/sm2_asn1.h>

#include <string.h>

#include "der/der.h"
#include "module.h"

#define COORD 32
#define C3_SIZE 32

ccsp_err ccsp_sm2_signature_to_der(const uint8_t sig[CCSP_SM2_SIGNATURE_SIZE], uint8_t *out, size_t outcap,
                                   size_t *outlen)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(sig != NULL && outlen != NULL && (out != NULL || outcap == 0), CCSP_ERR_ARG);
	ccsp_der_writer w;
	ccsp_der_writer_init(&w, out, outcap);
	ccsp_der_put_uint(&w, sig + 32, 32);
	ccsp_der_put_uint(&w, sig, 32);
	ccsp_der_put_header(&w, CCSP_DER_SEQUENCE, w.len);
	return ccsp_der_writer_finish(&w, outlen);
}

/* r and s are in [1, n-1] (GB/T 32918.2 clause 7.1 B1-B2): never zero, at most 32 bytes. The range
 * against n is left to verification, which must check it anyway. */
static ccsp_err read_sig_component(ccsp_der_reader *r, uint8_t out[32])
{
	const uint8_t *mag;
	size_t n;
	CCSP_GUARD(ccsp_der_read_uint(r, &mag, &n));
	CCSP_ENSURE(n >= 1 && n <= 32, CCSP_ERR_DECODE);
	memset(out, 0, 32 - n);
	memcpy(out + 32 - n, mag, n);
	return CCSP_OK;
}

ccsp_err ccsp_sm2_signature_from_der(const uint8_t *der, size_t len, uint8_t sig[CCSP_SM2_SIGNATURE_SIZE])
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(der != NULL && sig != NULL, CCSP_ERR_ARG);
	ccsp_der_reader top, seq;
	uint8_t tmp[CCSP_SM2_SIGNATURE_SIZE];
	ccsp_der_reader_init(&top, der, len);
	CCSP_GUARD(ccsp_der_read_tlv(&top, CCSP_DER_SEQUENCE, &seq));
	CCSP_GUARD(ccsp_der_finish(&top));
	CCSP_GUARD(read_sig_component(&seq, tmp));
	CCSP_GUARD(read_sig_component(&seq, tmp + 32));
	CCSP_GUARD(ccsp_der_finish(&seq));
	memcpy(sig, tmp, sizeof tmp);
	return CCSP_OK;
}

ccsp_err ccsp_sm2_ciphertext_to_der(const uint8_t *c1c3c2, size_t len, uint8_t *out, size_t outcap, size_t *outlen)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(c1c3c2 != NULL && outlen != NULL && (out != NULL || outcap == 0), CCSP_ERR_ARG);
	CCSP_ENSURE(len > CCSP_SM2_CIPHERTEXT_OVERHEAD && c1c3c2[0] == 0x04, CCSP_ERR_DECODE);
	const uint8_t *x = c1c3c2 + 1, *y = x + COORD, *c3 = y + COORD, *c2 = c3 + C3_SIZE;
	ccsp_der_writer w;
	ccsp_der_writer_init(&w, out, outcap);
	ccsp_der_put_tlv(&w, CCSP_DER_OCTET_STRING, c2, len - CCSP_SM2_CIPHERTEXT_OVERHEAD);
	ccsp_der_put_tlv(&w, CCSP_DER_OCTET_STRING, c3, C3_SIZE);
	ccsp_der_put_uint(&w, y, COORD);
	ccsp_der_put_uint(&w, x, COORD);
	ccsp_der_put_header(&w, CCSP_DER_SEQUENCE, w.len);
	return ccsp_der_writer_finish(&w, outlen);
}

ccsp_err ccsp_sm2_ciphertext_from_der(const uint8_t *der, size_t len, uint8_t *out, size_t outcap, size_t *outlen)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(der != NULL && outlen != NULL && (out != NULL || outcap == 0), CCSP_ERR_ARG);
	ccsp_der_reader top, seq;
	uint8_t c1[1 + 2 * COORD];
	const uint8_t *c3, *c2;
	size_t c3len, c2len;
	ccsp_der_reader_init(&top, der, len);
	CCSP_GUARD(ccsp_der_read_tlv(&top, CCSP_DER_SEQUENCE, &seq));
	CCSP_GUARD(ccsp_der_finish(&top));
	/* GM/T 0009 writes x and y as minimal INTEGERs: shorter than 32 bytes when they have leading zeros. */
	c1[0] = 0x04;
	CCSP_GUARD(ccsp_der_read_uint_fixed(&seq, c1 + 1, COORD));
	CCSP_GUARD(ccsp_der_read_uint_fixed(&seq, c1 + 1 + COORD, COORD));
	CCSP_GUARD(ccsp_der_read_value(&seq, CCSP_DER_OCTET_STRING, &c3, &c3len));
	CCSP_GUARD(ccsp_der_read_value(&seq, CCSP_DER_OCTET_STRING, &c2, &c2len));
	CCSP_GUARD(ccsp_der_finish(&seq));
	CCSP_ENSURE(c3len == C3_SIZE && c2len >= 1, CCSP_ERR_DECODE);
	/* c2len < len, so the sum cannot overflow. */
	*outlen = CCSP_SM2_CIPHERTEXT_OVERHEAD + c2len;
	CCSP_ENSURE(*outlen <= outcap, CCSP_ERR_BUFFER_TOO_SMALL);
	memcpy(out, c1, sizeof c1);
	memcpy(out + sizeof c1, c3, C3_SIZE);
	memmove(out + sizeof c1 + C3_SIZE, c2, c2len);
	return CCSP_OK;
}

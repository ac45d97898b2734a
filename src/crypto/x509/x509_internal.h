/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to src/crypto/x509: object identifiers, time and key helpers shared by its files. */
#ifndef CCSP_X509_INTERNAL_H
#define CCSP_X509_INTERNAL_H

#include <ccsp/x509.h>

#include "der/der.h"

enum {
	X509_DER_BOOLEAN = 0x01,
	X509_DER_UTF8 = 0x0c,
	X509_DER_PRINTABLE = 0x13,
	X509_DER_T61 = 0x14,
	X509_DER_IA5 = 0x16,
	X509_DER_UTCTIME = 0x17,
	X509_DER_GENTIME = 0x18,
	X509_DER_BMP = 0x1e,
	X509_DER_SET = 0x31,
	X509_DER_CONTEXT_3 = 0xa3,
};

/* DER content bytes of the object identifiers used (RFC 5280 Appendix A, GM/T 0006). */
extern const uint8_t ccsp_x509_oid_sm2_sm3[8];  /* 1.2.156.10197.1.501 */
#define X509_OID(name) ccsp_x509_oid_##name, sizeof ccsp_x509_oid_##name

/* Read AlgorithmIdentifier SM2-with-SM3 (parameters absent or NULL); another algorithm: UNSUPPORTED. */
CCSP_MUST_CHECK ccsp_err ccsp_x509_read_sig_alg(ccsp_der_reader *r);
void ccsp_x509_put_sig_alg(ccsp_der_writer *w);
/* BIT STRING holding an SM2Signature. */
CCSP_MUST_CHECK ccsp_err ccsp_x509_read_sig(ccsp_der_reader *r, uint8_t sig[CCSP_SM2_SIGNATURE_SIZE]);
/* SubjectPublicKeyInfo TLV (any form ccsp_sm2_key_decode reads as SPKI) to the uncompressed point. */
CCSP_MUST_CHECK ccsp_err ccsp_x509_read_spki(ccsp_der_reader *r, uint8_t pub[CCSP_SM2_POINT_SIZE]);
/* The Name TLV, checked to be a SEQUENCE OF SET OF AttributeTypeAndValue; *name spans the whole TLV. */
CCSP_MUST_CHECK ccsp_err ccsp_x509_read_name(ccsp_der_reader *r, ccsp_x509_span *name);
/* UTCTime or GeneralizedTime (RFC 5280 clause 4.1.2.5: Z, seconds, no fraction). */
CCSP_MUST_CHECK ccsp_err ccsp_x509_read_time(ccsp_der_reader *r, int64_t *t);
/* UTCTime for 1950..2049, GeneralizedTime otherwise; CCSP_ERR_ARG outside years 0..9999. */
CCSP_MUST_CHECK ccsp_err ccsp_x509_put_time(ccsp_der_writer *w, int64_t t);
/* Sign tbs (a whole TLV) with key (default ID) and append the signature algorithm and BIT STRING; then
 * the outer SEQUENCE. w holds exactly tbs. */
CCSP_MUST_CHECK ccsp_err ccsp_x509_sign_wrap(ccsp_der_writer *w, const ccsp_sm2_key *key);
/* Verify sig over msg with the public key pub and the ID (NULL: default). */
CCSP_MUST_CHECK ccsp_err ccsp_x509_verify_sig(const uint8_t pub[CCSP_SM2_POINT_SIZE], const uint8_t *id, size_t idlen,
                                              const ccsp_x509_span *msg, const uint8_t sig[CCSP_SM2_SIGNATURE_SIZE]);
/* Key identifier: SM3 of the point (the subjectPublicKey bits), first CCSP_X509_KEY_ID_SIZE bytes. */
CCSP_MUST_CHECK ccsp_err ccsp_x509_key_id(const uint8_t pub[CCSP_SM2_POINT_SIZE], uint8_t id[CCSP_X509_KEY_ID_SIZE]);
/* Parse the extensions [3] content of a certificate into cert. */
CCSP_MUST_CHECK ccsp_err ccsp_x509_read_extensions(ccsp_der_reader *r, ccsp_x509_cert *cert);

#endif

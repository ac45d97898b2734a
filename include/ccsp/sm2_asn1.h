/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DER and PEM encodings of SM2 objects (GM/T 0009-2012 / GB/T 35276-2017, RFC 5280, RFC 5208/5958,
 * RFC 5915, RFC 8018, RFC 7468). Decoders are strict DER: trailing bytes, non-minimal lengths and
 * integers, and out-of-range values are CCSP_ERR_DECODE. Output buffers follow the usual
 * convention: outcap is the size of out; on CCSP_ERR_BUFFER_TOO_SMALL *outlen holds the size needed.
 */
#ifndef CCSP_SM2_ASN1_H
#define CCSP_SM2_ASN1_H

#include "sm2.h"

#define CCSP_SM2_SIGNATURE_DER_MAX 72

/* SM2Signature ::= SEQUENCE { r INTEGER, s INTEGER } <-> raw r||s (each 32 bytes, big-endian). */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_signature_to_der(const uint8_t sig[CCSP_SM2_SIGNATURE_SIZE], uint8_t *out,
                                                            size_t outcap, size_t *outlen);
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_signature_from_der(const uint8_t *der, size_t len,
                                                              uint8_t sig[CCSP_SM2_SIGNATURE_SIZE]);

/* SM2Cipher ::= SEQUENCE { x INTEGER, y INTEGER, hash OCTET STRING (32), ciphertext OCTET STRING }
 * <-> raw C1C3C2 (04||x||y||C3||C2). */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_ciphertext_to_der(const uint8_t *c1c3c2, size_t len, uint8_t *out,
                                                             size_t outcap, size_t *outlen);
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_ciphertext_from_der(const uint8_t *der, size_t len, uint8_t *out,
                                                               size_t outcap, size_t *outlen);

#endif

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

/*
 * Key files.
 *
 * Written as OpenSSL 3.0 writes SM2 keys:
 *   CCSP_SM2_KEY_SPKI    SubjectPublicKeyInfo (RFC 5480): algorithm id-ecPublicKey (1.2.840.10045.2.1)
 *                        with namedCurve sm2p256v1 (1.2.156.10197.1.301), uncompressed point. "PUBLIC KEY".
 *   CCSP_SM2_KEY_PKCS8   PrivateKeyInfo (RFC 5208) v0, same algorithm, holding an RFC 5915 ECPrivateKey
 *                        with the public key [1] and no parameters [0]. "PRIVATE KEY".
 *   CCSP_SM2_KEY_SEC1    bare ECPrivateKey with parameters [0] and public key [1]. "EC PRIVATE KEY".
 *   CCSP_SM2_KEY_PKCS8_ENCRYPTED  EncryptedPrivateKeyInfo (RFC 5958) of the PKCS8 form: PBES2 (RFC 8018)
 *                        with PBKDF2-HMAC-SM3 (PRF 1.2.156.10197.1.401.2, 16-byte salt) and SM4-CBC
 *                        (1.2.156.10197.1.104.2, PKCS#7 padding). "ENCRYPTED PRIVATE KEY".
 *                        OpenSSL 3.0 has no name for the HMAC-SM3 PRF: the openssl tool cannot read these
 *                        files (its library can, once the OID is registered as a PBE PRF).
 * Read: all of the above in DER or PEM (RFC 7468), detected from the input. Also accepted: the SPKI or
 * PKCS#8 algorithm 1.2.156.10197.1.301 itself (GM/T 0015-2023) with absent, NULL or sm2p256v1
 * parameters; PKCS#8 v1 (RFC 5958 OneAsymmetricKey); PEM label "SM2 PRIVATE KEY" for SEC1 (what the
 * openssl ec command writes); PBKDF2 PRF hmacWithSM3 1.2.156.10197.1.401.3.1 and hmacWithSHA256
 * (what openssl pkcs8 -v2 sm4-cbc writes); any key length field equal to 16.
 * On read: a private key must be in 1..n-2 and the public key a valid point (CCSP_ERR_KEY,
 * CCSP_ERR_POINT); when both are present they must match (CCSP_ERR_KEY). Another curve or algorithm is
 * CCSP_ERR_UNSUPPORTED, malformed input CCSP_ERR_DECODE, a missing or wrong password CCSP_ERR_PASSWORD.
 * Every decoded secret is wiped before return.
 */
typedef enum ccsp_sm2_key_format {
	CCSP_SM2_KEY_SPKI = 0,
	CCSP_SM2_KEY_PKCS8 = 1,
	CCSP_SM2_KEY_SEC1 = 2,
	CCSP_SM2_KEY_PKCS8_ENCRYPTED = 3
} ccsp_sm2_key_format;

typedef enum ccsp_sm2_pbe_prf {
	CCSP_SM2_PBE_HMAC_SM3 = 0,   /* the default */
	CCSP_SM2_PBE_HMAC_SHA256 = 1 /* for files the openssl 3.0 tool must read; not a GM/T algorithm */
} ccsp_sm2_pbe_prf;

#define CCSP_SM2_PBE_DEFAULT_ITERATIONS 65536
#define CCSP_SM2_PBE_MAX_ITERATIONS 10000000 /* larger counts are refused on read (CCSP_ERR_UNSUPPORTED) */
#define CCSP_SM2_KEY_FILE_MAX 1024           /* no key file written is larger (PEM included) */

/* Write key in fmt, as DER (pem = 0) or PEM text (pem = 1, not NUL-terminated). The private formats
 * need a private key (CCSP_ERR_KEY otherwise). CCSP_SM2_KEY_PKCS8_ENCRYPTED needs a password (passlen
 * >= 1) and uses CCSP_SM2_PBE_DEFAULT_ITERATIONS and HMAC-SM3; the other formats ignore pass. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_key_encode(const ccsp_sm2_key *key, ccsp_sm2_key_format fmt, int pem,
                                                      const uint8_t *pass, size_t passlen, uint8_t *out,
                                                      size_t outcap, size_t *outlen);
/* Encrypted PKCS#8 with a chosen PRF and iteration count (1..CCSP_SM2_PBE_MAX_ITERATIONS). */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_key_encode_encrypted(const ccsp_sm2_key *key, int pem, const uint8_t *pass,
                                                                size_t passlen, ccsp_sm2_pbe_prf prf,
                                                                uint32_t iterations, uint8_t *out, size_t outcap,
                                                                size_t *outlen);
/* Read any of the formats above into key (an empty key from ccsp_sm2_key_new()). pass may be NULL
 * (passlen 0) for unencrypted files. *fmt (may be NULL) receives the format found. On error key is
 * unchanged. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_key_decode(ccsp_sm2_key *key, const uint8_t *in, size_t len,
                                                      const uint8_t *pass, size_t passlen, ccsp_sm2_key_format *fmt);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SM2 digital envelope of GM/T 0010-2012 / GB/T 35275-2017 (a PKCS#7 EnvelopedData with the SM2 and SM4 object
 * identifiers): what crypto/envelope-seal writes and crypto/envelope-open reads (docs/api-ccspd.md
 * "crypto/envelope-seal, crypto/envelope-open"). A pure, bounded writer and reader on the core's DER reader and
 * writer (src/crypto/der/der.h), fuzzed by tests/fuzz/fuzz_envelope_der.c. The layout, as written:
 *
 *   ContentInfo ::= SEQUENCE {
 *     contentType OBJECT IDENTIFIER envelopedData (1.2.156.10197.6.1.4.2.3),
 *     content [0] EXPLICIT EnvelopedData }
 *   EnvelopedData ::= SEQUENCE {
 *     version INTEGER (1),
 *     recipientInfos SET OF RecipientInfo (one written; 1..CCSP_ENVELOPE_RECIPIENTS_MAX read),
 *     encryptedContentInfo EncryptedContentInfo }
 *   RecipientInfo ::= SEQUENCE {
 *     version INTEGER (1),
 *     issuerAndSerialNumber SEQUENCE { issuer Name, serialNumber INTEGER },
 *     keyEncryptionAlgorithm AlgorithmIdentifier (SM2 encryption 1.2.156.10197.1.301.3, no parameters),
 *     encryptedKey OCTET STRING (a GM/T 0009 SM2Cipher of the 16-byte SM4 key, DER) }
 *   EncryptedContentInfo ::= SEQUENCE {
 *     contentType OBJECT IDENTIFIER data (1.2.156.10197.6.1.4.2.1),
 *     contentEncryptionAlgorithm AlgorithmIdentifier { SM4-CBC 1.2.156.10197.1.104.2, iv OCTET STRING (16) },
 *     encryptedContent [0] IMPLICIT OCTET STRING (SM4-CBC of the data with PKCS#7 padding) }
 *
 * Read besides: versions 0 and 1 (RFC 2315 writers say 0); keyEncryptionAlgorithm also 1.2.156.10197.1.301 (SM2)
 * and parameters NULL; contentType data also PKCS#7's 1.2.840.113549.1.7.1; encryptedKey also the raw form
 * 04 || x || y || C3 || C2; the optional EnvelopedData certificates [0] / crls [1] and EncryptedContentInfo
 * sharedInfo1 [1] / sharedInfo2 [2] are skipped. Strict DER otherwise (definite shortest lengths, minimal
 * integers, no trailing bytes).
 */
#ifndef CCSP_PLATFORM_ENVELOPE_DER_H
#define CCSP_PLATFORM_ENVELOPE_DER_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#define CCSP_ENVELOPE_DATA_MAX 65536                       /* bytes of data one envelope carries */
#define CCSP_ENVELOPE_CONTENT_MAX (CCSP_ENVELOPE_DATA_MAX + 16) /* its padded ciphertext */
#define CCSP_ENVELOPE_MAX (96 * 1024)                      /* bytes of DER written or read */
#define CCSP_ENVELOPE_RECIPIENTS_MAX 8
#define CCSP_ENVELOPE_KEY_SIZE 16                          /* the SM4 content-encryption key */
#define CCSP_ENVELOPE_KEY_CT_SIZE (96 + CCSP_ENVELOPE_KEY_SIZE) /* it SM2-encrypted: x || y || C3 || C2 */
#define CCSP_ENVELOPE_IV_SIZE 16

/* One RecipientInfo as read: spans point into the parsed bytes. */
typedef struct ccsp_envelope_recipient {
	const uint8_t *issuer; /* the issuer Name's whole DER (tag and length included) */
	size_t issuer_len;
	const uint8_t *serial; /* serialNumber's big-endian magnitude (0 bytes for 0) */
	size_t serial_len;
	uint8_t key_ct[CCSP_ENVELOPE_KEY_CT_SIZE]; /* the SM4 key SM2-encrypted, x || y || C3 || C2 (the SDF form) */
} ccsp_envelope_recipient;

typedef struct ccsp_envelope {
	size_t n_recipients;
	ccsp_envelope_recipient recipients[CCSP_ENVELOPE_RECIPIENTS_MAX];
	uint8_t iv[CCSP_ENVELOPE_IV_SIZE];
	const uint8_t *content; /* the SM4-CBC ciphertext: a non-zero multiple of 16 bytes */
	size_t content_len;
	const char *what; /* after a failed read: what was wrong, as a short static text for people */
} ccsp_envelope;

/* Parse in (at most CCSP_ENVELOPE_MAX bytes) into env. CCSP_ERR_DECODE (malformed, trailing bytes, an encrypted
 * key that is not an SM2 ciphertext of 16 bytes, an IV that is not 16 bytes, content missing or not a non-zero
 * multiple of 16 bytes, no or more than CCSP_ENVELOPE_RECIPIENTS_MAX recipients), CCSP_ERR_UNSUPPORTED (another
 * content type, key-encryption or content-encryption algorithm), CCSP_ERR_DATA_LENGTH (over
 * CCSP_ENVELOPE_MAX, or content over CCSP_ENVELOPE_CONTENT_MAX), CCSP_ERR_MODULE_STATE (the crypto core is not
 * operational). On error env->what says what was wrong; the rest of env is unspecified. */
CCSP_MUST_CHECK ccsp_err ccsp_envelope_read(const uint8_t *in, size_t len, ccsp_envelope *env);

/* Write an envelope with one recipient: issuer (a Name's whole DER) and serial (a big-endian magnitude, may be
 * 0 bytes), its SM2-encrypted SM4 key key_ct (x || y || C3 || C2), iv and the SM4-CBC ciphertext content (a
 * non-zero multiple of 16 bytes, at most CCSP_ENVELOPE_CONTENT_MAX). CCSP_ERR_ARG (bounds),
 * CCSP_ERR_BUFFER_TOO_SMALL (with *outlen the size needed). */
CCSP_MUST_CHECK ccsp_err ccsp_envelope_write(const uint8_t *issuer, size_t issuer_len, const uint8_t *serial,
                                             size_t serial_len, const uint8_t key_ct[CCSP_ENVELOPE_KEY_CT_SIZE],
                                             const uint8_t iv[CCSP_ENVELOPE_IV_SIZE], const uint8_t *content,
                                             size_t content_len, uint8_t *out, size_t cap, size_t *outlen);

/* PKCS#7 padding (RFC 5652 clause 6.3) to a multiple of 16: the padded length of len bytes. */
size_t ccsp_envelope_padded_len(size_t len);
/* in (len bytes) padded into out (ccsp_envelope_padded_len(len) bytes; may be in). */
void ccsp_envelope_pad(const uint8_t *in, size_t len, uint8_t *out);
/* The unpadded length of buf (len bytes, a non-zero multiple of 16) into *outlen: CCSP_OK, or CCSP_ERR_DECODE
 * when the padding is malformed (a wrong key or altered bytes). Looks at every padding byte whatever it finds. */
CCSP_MUST_CHECK ccsp_err ccsp_envelope_unpad(const uint8_t *buf, size_t len, size_t *outlen);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The wire formats of BYOK (docs/api-ccspd.md "BYOK"): what a tenant sends to kms/key-import and receives from
 * kms/key-export. Pure, bounded parsers and writers over untrusted bytes (tests/fuzz/fuzz_kms_byok.c):
 *   symmetric keys (SM4, SM4_MAC, HMAC_SM3): the key material SM2-encrypted to the recipient, as a DER SM2Cipher
 *   (GM/T 0009; what `openssl pkeyutl -encrypt` makes) or raw 04 || x || y || C3 || C2;
 *   SM2 keys (SM2_SIGN, SM2_ENC): a GM/T 0009 SM2EnvelopedKey
 *     SEQUENCE { symAlgID AlgorithmIdentifier (SM4: 1.2.156.10197.1.104, or .104.1 for SM4-ECB),
 *                symEncryptedKey SM2Cipher (a 16-byte SM4 key SM2-encrypted to the recipient),
 *                Sm2PublicKey BIT STRING (04 || x || y),
 *                Sm2EncryptedPrivateKey BIT STRING (the 32-byte private key d, SM4-ECB under that SM4 key) }.
 * Ciphertexts are handed to the VSM as x || y || C3 || C2 (the SDF wire form, kms_vsm.h).
 */
#ifndef CCSP_PLATFORM_KMS_BYOK_H
#define CCSP_PLATFORM_KMS_BYOK_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#define CCSP_KMS_BYOK_MATERIAL_MAX 64                 /* bytes of key material in one SM2 ciphertext */
#define CCSP_KMS_BYOK_CT_MAX (96 + CCSP_KMS_BYOK_MATERIAL_MAX) /* x || y || C3 || C2 */
#define CCSP_KMS_BYOK_DER_MAX 512                     /* an SM2Cipher or SM2EnvelopedKey we write or accept */

/* An SM2 ciphertext (DER SM2Cipher, or raw with the 04 prefix) of 1..CCSP_KMS_BYOK_MATERIAL_MAX bytes into raw
 * (x || y || C3 || C2, *rawlen). CCSP_ERR_DECODE otherwise. */
CCSP_MUST_CHECK ccsp_err ccsp_kms_sm2_ct_read(const uint8_t *in, size_t len, uint8_t raw[CCSP_KMS_BYOK_CT_MAX],
                                              size_t *rawlen);
/* raw (x || y || C3 || C2) as a DER SM2Cipher into out. */
CCSP_MUST_CHECK ccsp_err ccsp_kms_sm2_ct_write(const uint8_t *raw, size_t rawlen, uint8_t *out, size_t cap,
                                               size_t *outlen);
/* An SM2EnvelopedKey: its symEncryptedKey (raw, of a 16-byte key), encrypted private key and public key (x || y).
 * CCSP_ERR_DECODE (malformed, trailing bytes, sizes), CCSP_ERR_UNSUPPORTED (another symmetric algorithm). */
CCSP_MUST_CHECK ccsp_err ccsp_kms_enveloped_key_read(const uint8_t *in, size_t len,
                                                     uint8_t sym_ct[CCSP_KMS_BYOK_CT_MAX], size_t *sym_ctlen,
                                                     uint8_t enc_private[32], uint8_t pub[64]);
/* The reverse (symAlgID SM4-ECB, 1.2.156.10197.1.104.1). */
CCSP_MUST_CHECK ccsp_err ccsp_kms_enveloped_key_write(const uint8_t *sym_ct, size_t sym_ctlen,
                                                      const uint8_t enc_private[32], const uint8_t pub[64],
                                                      uint8_t *out, size_t cap, size_t *outlen);

#endif

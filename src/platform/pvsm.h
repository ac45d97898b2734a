/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The platform's own crypto module: a VSM reached through libsdf (GM/T 0018), where ccspd keeps its keys (the
 * data-protection KEK, the audit signing key) and takes its random numbers. ccspd never holds those keys: it asks
 * the VSM. A small pool of SDF sessions serves concurrent callers (one caller per session at a time).
 * The VSM is named by a libsdf client config file (docs/sdf.md), given as ccspd.conf's vsm_conf.
 */
#ifndef CCSP_PLATFORM_PVSM_H
#define CCSP_PLATFORM_PVSM_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#define CCSP_PVSM_RANDOM_MAX 4096 /* bytes one random request may ask for */

typedef struct ccsp_pvsm ccsp_pvsm;

/* Open the device of the libsdf config sdf_conf with sessions sessions (1..64). CCSP_ERR_COMM when the VSM does
 * not answer or refuses (wrong token, TLS), CCSP_ERR_ARG. Several may be open at once, each on its own config
 * (SDF_CCSP_OpenDeviceWithConfig). */
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_open(const char *sdf_conf, unsigned sessions, ccsp_pvsm **out);
void ccsp_pvsm_close(ccsp_pvsm *p);
/* n (1..CCSP_PVSM_RANDOM_MAX) random bytes from the VSM's generator. CCSP_ERR_COMM when the VSM fails. */
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_random(ccsp_pvsm *p, uint8_t *out, size_t n);
/* 1 when the VSM answers (device information), else 0: /readyz. */
int ccsp_pvsm_ready(ccsp_pvsm *p);
/* Its device information as text (GM/T 0018 DEVICEINFO: IssuerName, DeviceName, DeviceSerial; trailing NULs and
 * spaces dropped, other bytes outside printable ASCII as '?'). CCSP_ERR_COMM when it does not answer. */
#define CCSP_PVSM_INFO_MAX 40
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_info(ccsp_pvsm *p, char vendor[CCSP_PVSM_INFO_MAX + 1],
                                        char model[CCSP_PVSM_INFO_MAX + 1], char serial[CCSP_PVSM_INFO_MAX + 1]);

/* ---- the data-protection key (DPK): ccspd's secrets at rest are sealed with it ----
 * An SM4 key generated inside the VSM under its KEK at kek_index (SDF_GenerateKeyWithKEK); outside the VSM it
 * exists only wrapped by that KEK (the caller stores the wrapped bytes), and each SDF session imports it at load.
 * Sealing is SM4-GCM inside the VSM (SDF_AuthEnc): out = iv (12) || ciphertext || tag (16). */
#define CCSP_PVSM_WRAPPED_MAX 64
#define CCSP_PVSM_SEAL_OVERHEAD 28
#define CCSP_PVSM_SEAL_MAX 1024 /* bytes one seal may carry */
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_dpk_create(ccsp_pvsm *p, unsigned kek_index, uint8_t wrapped[CCSP_PVSM_WRAPPED_MAX],
                                              size_t *len);
/* Import the wrapped DPK into every session. CCSP_ERR_COMM when the VSM refuses it (another VSM, another KEK). */
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_dpk_load(ccsp_pvsm *p, unsigned kek_index, const uint8_t *wrapped, size_t len);
/* Seal / open with the DPK, aad bound. out holds len + CCSP_PVSM_SEAL_OVERHEAD / len - that. CCSP_ERR_STATE without a
 * loaded DPK, CCSP_ERR_AUTH when the sealed bytes or aad were altered, CCSP_ERR_COMM when the VSM fails. */
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_seal(ccsp_pvsm *p, const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len,
                                        uint8_t *out);
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_unseal(ccsp_pvsm *p, const uint8_t *aad, size_t aadlen, const uint8_t *in,
                                          size_t len, uint8_t *out);

/* ---- tenants' keys (the KMS's first slice serves them from the platform VSM; src/platform/kms_vsm.h) ----
 * An SM4 key generated inside the VSM under its KEK at kek_index, handed out only wrapped (as the DPK above); each
 * use hands the wrapped key back with the data: SM4-GCM in one call (the vendor extension SDF_AuthEncWithKEK /
 * SDF_AuthDecWithKEK: unwrapped inside the VSM for that call and wiped), MACs through a session key imported for
 * the call (SDF_ImportKeyWithKEK) and destroyed after it: no tenant key stays in a session, and ccspd never holds
 * one in plaintext. */
#define CCSP_PVSM_GCM_IV_SIZE 12
#define CCSP_PVSM_GCM_TAG_SIZE 16
#define CCSP_PVSM_GCM_MAX (1u << 20) /* bytes one encryption may carry */
#define CCSP_PVSM_AAD_MAX 8192
/* A new SM4 key wrapped by the KEK at kek_index into wrapped (*len bytes). CCSP_ERR_COMM when the VSM fails (no
 * KEK there among them). */
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_key_generate(ccsp_pvsm *p, unsigned kek_index,
                                                uint8_t wrapped[CCSP_PVSM_WRAPPED_MAX], size_t *len);
/* SM4-GCM with the wrapped key: a fresh IV from the VSM's generator into iv, len bytes of ciphertext into out
 * (which may not overlap in), the tag into tag; aad bound. CCSP_ERR_ARG (bounds), CCSP_ERR_KEY (the VSM
 * refuses the wrapped key: it does not unwrap under that KEK, or is of another type), CCSP_ERR_COMM (the VSM
 * fails: only then does the resource pool take it out of rotation). */
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_key_encrypt(ccsp_pvsm *p, unsigned kek_index, const uint8_t *wrapped,
                                               size_t wlen, const uint8_t *aad, size_t aadlen, const uint8_t *in,
                                               size_t len, uint8_t iv[CCSP_PVSM_GCM_IV_SIZE], uint8_t *out,
                                               uint8_t tag[CCSP_PVSM_GCM_TAG_SIZE]);
/* The reverse: len bytes of plaintext into out when the tag verifies over iv, aad and in; CCSP_ERR_AUTH when it
 * does not (altered bytes, another key, another aad: nothing is written to out), CCSP_ERR_KEY, CCSP_ERR_COMM. */
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_key_decrypt(ccsp_pvsm *p, unsigned kek_index, const uint8_t *wrapped,
                                               size_t wlen, const uint8_t *aad, size_t aadlen,
                                               const uint8_t iv[CCSP_PVSM_GCM_IV_SIZE], const uint8_t *in,
                                               size_t len, const uint8_t tag[CCSP_PVSM_GCM_TAG_SIZE], uint8_t *out);

/* A new HMAC-SM3 key of 32 bytes, generated and wrapped as ccsp_pvsm_key_generate's SM4 keys are. */
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_hmac_key_generate(ccsp_pvsm *p, unsigned kek_index,
                                                     uint8_t wrapped[CCSP_PVSM_WRAPPED_MAX], size_t *len);
/* A MAC of in with a wrapped key, imported for the call as above: CCSP_PVSM_MAC_HMAC_SM3 (a key of
 * ccsp_pvsm_hmac_key_generate; 32 bytes of MAC) or CCSP_PVSM_MAC_SM4_CBC (an SM4 key; SM4-CBC-MAC with a zero IV
 * over len bytes, a multiple of 16 the caller padded; 16 bytes of MAC). *maclen is set. CCSP_ERR_ARG (bounds),
 * CCSP_ERR_KEY (the VSM refuses the wrapped key), CCSP_ERR_COMM (the VSM fails). */
#define CCSP_PVSM_MAC_HMAC_SM3 1
#define CCSP_PVSM_MAC_SM4_CBC 2
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_key_mac(ccsp_pvsm *p, unsigned kek_index, const uint8_t *wrapped, size_t wlen,
                                           int alg, const uint8_t *in, size_t len, uint8_t mac[32], size_t *maclen);

/* ---- the platform's SM2 signing key (audit checkpoints) ----
 * An SM2 signing key pair at index sign_index of the VSM, made there by its operator (`ccsp vsm keygen --sign`);
 * ccspd holds its access password only to unlock it in its sessions, and the public key. */
#define CCSP_PVSM_PASSWORD_MAX 128
/* Export the public key of index into point (04 || x || y) and unlock the private key in every session with
 * password. CCSP_ERR_NOT_FOUND when the index holds no signing key, CCSP_ERR_AUTH for a wrong password (the VSM
 * counts it towards its lockout), CCSP_ERR_COMM when the VSM fails. */
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_sign_key_load(ccsp_pvsm *p, unsigned index, const uint8_t *password, size_t pwlen,
                                                 uint8_t point[65]);
/* SM2 signature r || s of the digest e (SM3(Z || message), computed by the caller) with the loaded key.
 * CCSP_ERR_STATE before ccsp_pvsm_sign_key_load, CCSP_ERR_COMM when the VSM fails. */
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_sign(ccsp_pvsm *p, const uint8_t e[32], uint8_t sig[64]);

/* ---- tenants' SM2 key pairs (KMS SM2 signing and encryption keys) ----
 * An SM2 key pair generated inside the VSM whose private key leaves it only wrapped by its KEK at kek_index
 * (SM4-GCM with the usage bound as AAD: a signing key never decrypts, an encryption key never signs; the vendor
 * extension SDF_GenerateKeyPairWithKEK_ECC, docs/sdf.md). Each use hands the wrapped private key back to the VSM,
 * which unwraps it, uses it and wipes it (SDF_SignWithKEK_ECC, SDF_DecryptWithKEK_ECC): no tenant key stays in a
 * session, and ccspd never holds one in plaintext. */
#define CCSP_PVSM_PAIR_SIGN 1
#define CCSP_PVSM_PAIR_ENC 2
/* A new pair for usage (CCSP_PVSM_PAIR_SIGN or _ENC): its public key into pub (x || y), the wrapped private key
 * into wrapped (*len bytes). CCSP_ERR_ARG, CCSP_ERR_COMM (the VSM fails, or has no KEK at kek_index). */
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_pair_generate(ccsp_pvsm *p, unsigned kek_index, int usage, uint8_t pub[64],
                                                 uint8_t wrapped[CCSP_PVSM_WRAPPED_MAX], size_t *len);
/* SM2 signature r || s of the digest e (SM3(Z || message), computed by the caller) with a wrapped signing key.
 * CCSP_ERR_ARG, CCSP_ERR_KEY (the VSM refuses the wrapped key: altered, another KEK, an encryption key),
 * CCSP_ERR_COMM. */
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_pair_sign(ccsp_pvsm *p, unsigned kek_index, const uint8_t *wrapped, size_t wlen,
                                             const uint8_t e[32], uint8_t sig[64]);
/* SM2 decryption with a wrapped encryption key of ct (C1 x || y (64) || C3 (32) || C2, ctlen 97..96 +
 * CCSP_PVSM_SM2_PLAIN_MAX) into out (ctlen - 96 bytes, *outlen). CCSP_ERR_AUTH (C3 does not match: not a
 * ciphertext for this key; nothing written), CCSP_ERR_KEY (the wrapped key refused, as above), CCSP_ERR_ARG,
 * CCSP_ERR_COMM. */
#define CCSP_PVSM_SM2_PLAIN_MAX 4096
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_pair_decrypt(ccsp_pvsm *p, unsigned kek_index, const uint8_t *wrapped,
                                                size_t wlen, const uint8_t *ct, size_t ctlen, uint8_t *out,
                                                size_t *outlen);

/* ---- BYOK: key material brought in under an SM2 key of the VSM, taken out only under a tenant's public key ----
 * kind names the material and its wrap, as the KMS keeps it:
 *   CCSP_PVSM_MATERIAL_SM4   16-byte SM4 key, wrapped as ccsp_pvsm_key_generate's (SM4-ECB under the KEK)
 *   CCSP_PVSM_MATERIAL_HMAC  32-byte HMAC-SM3 key, wrapped as ccsp_pvsm_hmac_key_generate's
 *   CCSP_PVSM_MATERIAL_SM2_SIGN / _SM2_ENC  an SM2 private key, wrapped as ccsp_pvsm_pair_generate's
 * Import decrypts inside the VSM, with a wrapped SM2 encryption pair of ccsp_pvsm_pair_generate (the import key
 * ccspd publishes), and wraps the material under the KEK at kek_index without it ever leaving the VSM:
 *   symmetric kinds: sym_ct is the material SM2-encrypted to the import key (C1 x || y || C3 || C2);
 *   SM2 kinds (GM/T 0009 SM2EnvelopedKey, parsed by the caller): sym_ct is an SM4 key SM2-encrypted to the import
 *   key, enc_private the 32-byte private key d encrypted with that SM4 key in ECB mode, pub (x || y) the pair's
 *   public key, which must be d's (else CCSP_ERR_KEY).
 * Export is the reverse, for a recipient public key recipient (x || y) the caller trusts: symmetric kinds: ct_out
 * = the material SM2-encrypted to recipient; SM2 kinds: a fresh SM4 key SM2-encrypted to recipient into ct_out,
 * d SM4-ECB-encrypted with it into enc_private_out (the caller assembles the SM2EnvelopedKey with the public key).
 * Errors: CCSP_ERR_ARG (bounds, kind), CCSP_ERR_AUTH (sym_ct's C3 does not match: not for this import key),
 * CCSP_ERR_KEY (a wrapped key refused; imported material of the wrong length; d not matching pub; d out of range),
 * CCSP_ERR_COMM (the VSM fails). */
#define CCSP_PVSM_MATERIAL_SM4 1
#define CCSP_PVSM_MATERIAL_HMAC 2
#define CCSP_PVSM_MATERIAL_SM2_SIGN 3
#define CCSP_PVSM_MATERIAL_SM2_ENC 4
#define CCSP_PVSM_SM2_CT_MAX (96 + 64) /* an SM2 ciphertext (x || y || C3 || C2) of at most 64 bytes of material */
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_key_import(ccsp_pvsm *p, unsigned kek_index, const uint8_t *import_wrapped,
                                              size_t import_wlen, int kind, const uint8_t *sym_ct, size_t sym_ctlen,
                                              const uint8_t enc_private[32], const uint8_t pub[64],
                                              uint8_t wrapped[CCSP_PVSM_WRAPPED_MAX], size_t *wlen);
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_key_export(ccsp_pvsm *p, unsigned kek_index, int kind, const uint8_t *wrapped,
                                              size_t wlen, const uint8_t recipient[64],
                                              uint8_t ct_out[CCSP_PVSM_SM2_CT_MAX], size_t *ct_outlen,
                                              uint8_t enc_private_out[32]);

/* ---- split-knowledge backup (KM-9) ----
 * Backup: the VSM unwraps a key's material (kind as BYOK's, wrapped under the KEK at kek_index), appends an 8-byte
 * check (the first 8 bytes of SM3(kind byte || material)), splits material || check into n Shamir shares over
 * GF(2^8) of which any m recombine it (2 <= m <= n <= CCSP_PVSM_SHARES_MAX), and SM2-encrypts share i — x (1 byte,
 * 1..n) || y (material length + 8 bytes) — to custodians[i] (x || y each): shares_out[i] (x || y || C3 || C2, the
 * SDF wire form) of share_lens[i] bytes. Nothing leaves the VSM in plaintext; the polynomial is wiped.
 * Recover: m shares, each SM2-encrypted to the import pair import_wrapped (a wrapped encryption pair, as BYOK's) by
 * its custodian (who decrypted it with their own key), are decrypted and recombined inside the VSM; the check must
 * match (else CCSP_ERR_KEY: too few, wrong or altered shares) and, for SM2 kinds, d must be pub's (x || y); the
 * material is then wrapped under the KEK at kek_index for kind into wrapped (*wlen).
 * Errors: CCSP_ERR_ARG (bounds, kind, m/n, shares with the same x), CCSP_ERR_AUTH (a share not encrypted to the
 * import key), CCSP_ERR_KEY (as above; a wrapped key refused; a custodian key not a valid point), CCSP_ERR_COMM. */
#define CCSP_PVSM_SHARES_MAX 16
#define CCSP_PVSM_SHARE_CT_MAX (96 + 1 + 64 + 8) /* an SM2 ciphertext of the largest share */
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_key_backup(ccsp_pvsm *p, unsigned kek_index, int kind, const uint8_t *wrapped,
                                              size_t wlen, unsigned m, unsigned n, const uint8_t (*custodians)[64],
                                              uint8_t (*shares_out)[CCSP_PVSM_SHARE_CT_MAX], size_t *share_lens);
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_key_recover(ccsp_pvsm *p, unsigned kek_index, const uint8_t *import_wrapped,
                                               size_t import_wlen, int kind, unsigned m,
                                               const uint8_t (*shares)[CCSP_PVSM_SHARE_CT_MAX],
                                               const size_t *share_lens, const uint8_t pub[64],
                                               uint8_t wrapped[CCSP_PVSM_WRAPPED_MAX], size_t *wlen);

/* ---- a key set's backup (KM-9): keys moved between the KEK and a backup key ----
 * bkey is an SM4 key wrapped under the KEK at kek_index (ccsp_pvsm_key_generate's, or ccsp_pvsm_key_recover's for
 * MATERIAL_SM4), split among custodians with ccsp_pvsm_key_backup. Export: the material of wrapped (kind as BYOK's,
 * under the same KEK) SM4-GCM-sealed inside the VSM under a key derived from bkey (docs/sdf.md "Key-set backup"),
 * aad (1..CCSP_PVSM_KEYSET_AAD_MAX bytes) bound: iv, ct (*ctlen: 16 or 32 bytes), tag; for SM2 kinds pub (x || y)
 * must be the key's. Import: the reverse, the material wrapped under the KEK into wrapped (*wlen).
 * Errors: CCSP_ERR_ARG (bounds, kind), CCSP_ERR_AUTH (import: the tag does not verify — altered, another backup
 * key, another aad), CCSP_ERR_KEY (a wrap refused; pub not the key's), CCSP_ERR_COMM. */
#define CCSP_PVSM_KEYSET_AAD_MAX 1024
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_keyset_export(ccsp_pvsm *p, unsigned kek_index, const uint8_t *bkey,
                                                size_t bklen, int kind, const uint8_t *wrapped, size_t wlen,
                                                const uint8_t pub[64], const uint8_t *aad, size_t aadlen,
                                                uint8_t iv[12], uint8_t ct[32], size_t *ctlen, uint8_t tag[16]);
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_keyset_import(ccsp_pvsm *p, unsigned kek_index, const uint8_t *bkey,
                                                size_t bklen, int kind, const uint8_t pub[64], const uint8_t *aad,
                                                size_t aadlen, const uint8_t iv[12], const uint8_t *ct,
                                                size_t ctlen, const uint8_t tag[16],
                                                uint8_t wrapped[CCSP_PVSM_WRAPPED_MAX], size_t *wlen);

/* ---- GM/T 0010 digital envelopes: the content key made and used inside the VSM only ----
 * Seal: a fresh SM4 key from the VSM's generator SM2-encrypted to recipient (x || y; SDF_GenerateKeyWithEPK_ECC)
 * into key_ct (x || y || C3 || C2), a fresh IV from the generator into iv, and in (len bytes, a non-zero multiple
 * of 16 the caller padded, at most CCSP_PVSM_ENVELOPE_MAX) SM4-CBC-encrypted with that key into out (len bytes;
 * SDF_Encrypt); the key then destroyed in the session.
 * Open: key_ct decrypted with a wrapped SM2 encryption key of ccsp_pvsm_pair_generate and rewrapped under the KEK
 * at kek_index inside the VSM (SDF_ImportKeyWithWrappedKey_ECC, kind SM4: the VSM audits it as a key import),
 * that wrap imported as a session key (SDF_ImportKeyWithKEK), in SM4-CBC-decrypted with it into out (len bytes,
 * padding left for the caller) and the key destroyed: the SM4 key never leaves the VSM in plaintext.
 * Errors: CCSP_ERR_ARG (bounds), CCSP_ERR_AUTH (key_ct's C3 does not match: not for this key; nothing written),
 * CCSP_ERR_KEY (the wrapped key refused; recipient not a valid point), CCSP_ERR_COMM. */
#define CCSP_PVSM_ENVELOPE_MAX (CCSP_PVSM_GCM_MAX)
#define CCSP_PVSM_ENVELOPE_KEY_CT_SIZE (96 + 16)
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_envelope_seal(ccsp_pvsm *p, const uint8_t recipient[64], const uint8_t *in,
                                                 size_t len, uint8_t key_ct[CCSP_PVSM_ENVELOPE_KEY_CT_SIZE],
                                                 uint8_t iv[16], uint8_t *out);
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_envelope_open(ccsp_pvsm *p, unsigned kek_index, const uint8_t *wrapped,
                                                 size_t wlen, const uint8_t key_ct[CCSP_PVSM_ENVELOPE_KEY_CT_SIZE],
                                                 const uint8_t iv[16], const uint8_t *in, size_t len, uint8_t *out);

#endif

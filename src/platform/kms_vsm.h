/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where the KMS runs its key operations: one small interface, implemented on one VSM (ccsp_kms_vsm_pvsm_ops) and
 * on a resource group of the pool (ccsp_kms_vsm_pool), so that the actions do not know where they run.
 * A backend makes keys of every kms_spec.h kind that leave it only wrapped (by a KEK it names with kek_index) and
 * runs the operations of their kind with such a wrapped key; it never returns key material in plaintext. ccspd
 * builds one per call on the resource pool (ccsp_kms_vsm_pool); the ops are thread-safe.
 */
#ifndef CCSP_PLATFORM_KMS_VSM_H
#define CCSP_PLATFORM_KMS_VSM_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#include "platform/kms_keyset.h" /* ccsp_kms_sealed */
#include "platform/kms_spec.h"
#include "platform/pool.h"
#include "platform/pvsm.h"

#define CCSP_KMS_IV_SIZE 12
#define CCSP_KMS_TAG_SIZE 16
#define CCSP_KMS_WRAPPED_MAX CCSP_PVSM_WRAPPED_MAX
#define CCSP_KMS_PUBLIC_SIZE 64 /* an SM2 public key, x || y */
#define CCSP_KMS_SM2_PLAIN_MAX CCSP_PVSM_SM2_PLAIN_MAX
#define CCSP_KMS_SM2_CT_MAX CCSP_PVSM_SM2_CT_MAX
#define CCSP_KMS_SHARES_MAX CCSP_PVSM_SHARES_MAX
#define CCSP_KMS_SHARE_CT_MAX CCSP_PVSM_SHARE_CT_MAX
#define CCSP_KMS_ENVELOPE_KEY_CT_SIZE CCSP_PVSM_ENVELOPE_KEY_CT_SIZE

/* A key as the store keeps it: wrapped, and the index of the KEK that wraps it. */
typedef struct ccsp_kms_wrapped {
	uint8_t bytes[CCSP_KMS_WRAPPED_MAX];
	size_t len;
	uint32_t kek_index;
} ccsp_kms_wrapped;

#define CCSP_KMS_KEYSET_AAD_MAX CCSP_PVSM_KEYSET_AAD_MAX

typedef struct ccsp_kms_vsm_ops {
	/* A new key of spec (kms_spec.h) wrapped by the KEK at kek_index into *out; for an SM2 pair its public key
	 * (x || y) into pub, else pub untouched. CCSP_ERR_COMM (the module failed), CCSP_ERR_MODULE_STATE (no module),
	 * CCSP_ERR_ARG (no such spec). */
	ccsp_err (*generate)(void *ctx, ccsp_kms_spec spec, uint32_t kek_index, ccsp_kms_wrapped *out,
	                     uint8_t pub[CCSP_KMS_PUBLIC_SIZE]);
	/* SM4-GCM: a fresh IV into iv, len bytes into out, the tag into tag; aad bound. */
	ccsp_err (*encrypt)(void *ctx, const ccsp_kms_wrapped *key, const uint8_t *aad, size_t aadlen, const uint8_t *in,
	                    size_t len, uint8_t iv[CCSP_KMS_IV_SIZE], uint8_t *out, uint8_t tag[CCSP_KMS_TAG_SIZE]);
	/* The reverse; CCSP_ERR_AUTH when the tag does not verify (nothing written to out). */
	ccsp_err (*decrypt)(void *ctx, const ccsp_kms_wrapped *key, const uint8_t *aad, size_t aadlen,
	                    const uint8_t iv[CCSP_KMS_IV_SIZE], const uint8_t *in, size_t len,
	                    const uint8_t tag[CCSP_KMS_TAG_SIZE], uint8_t *out);
	/* The MAC of in with a key of spec SM4_MAC (SM4-CBC-MAC over len bytes, a non-zero multiple of 16 the caller
	 * padded; 16 bytes) or HMAC_SM3 (32 bytes) into mac, *maclen set. */
	ccsp_err (*mac)(void *ctx, ccsp_kms_spec spec, const ccsp_kms_wrapped *key, const uint8_t *in, size_t len,
	                uint8_t mac[32], size_t *maclen);
	/* SM2 signature r || s of the digest e with a wrapped SM2_SIGN key. CCSP_ERR_KEY when the module refuses the
	 * wrapped key. */
	ccsp_err (*sign)(void *ctx, const ccsp_kms_wrapped *key, const uint8_t e[32], uint8_t sig[64]);
	/* SM2 decryption (ct: C1 x || y || C3 || C2) with a wrapped SM2_ENC key into out (ctlen - 96 bytes, *outlen).
	 * CCSP_ERR_AUTH when C3 does not match (nothing written), CCSP_ERR_KEY as sign. */
	ccsp_err (*asym_decrypt)(void *ctx, const ccsp_kms_wrapped *key, const uint8_t *ct, size_t ctlen, uint8_t *out,
	                         size_t *outlen);
	/* BYOK (pvsm.h "BYOK"): key material of spec, SM2-encrypted to the import pair import_key (sym_ct: x || y ||
	 * C3 || C2; for SM2 specs the envelope's SM4 key, with enc_private and pub), decrypted and wrapped by the KEK
	 * at kek_index inside the module into *out. CCSP_ERR_AUTH (not for this import key), CCSP_ERR_KEY (material
	 * refused). */
	ccsp_err (*import)(void *ctx, ccsp_kms_spec spec, uint32_t kek_index, const ccsp_kms_wrapped *import_key,
	                   const uint8_t *sym_ct, size_t sym_ctlen, const uint8_t enc_private[32],
	                   const uint8_t pub[CCSP_KMS_PUBLIC_SIZE], ccsp_kms_wrapped *out);
	/* The material of key (of spec) SM2-encrypted to recipient (x || y) into ct (at most CCSP_KMS_SM2_CT_MAX,
	 * *ctlen); for SM2 specs ct holds the envelope's SM4 key and enc_private the private key under it. */
	ccsp_err (*export_to)(void *ctx, ccsp_kms_spec spec, const ccsp_kms_wrapped *key,
	                      const uint8_t recipient[CCSP_KMS_PUBLIC_SIZE], uint8_t *ct, size_t *ctlen,
	                      uint8_t enc_private[32]);
	/* Split-knowledge backup (pvsm.h): key's material as n shares, any m recombine it, share i SM2-encrypted to
	 * custodians[i] into shares[i] (share_lens[i] bytes). */
	ccsp_err (*backup)(void *ctx, ccsp_kms_spec spec, const ccsp_kms_wrapped *key, unsigned m, unsigned n,
	                   const uint8_t (*custodians)[CCSP_KMS_PUBLIC_SIZE], uint8_t (*shares)[CCSP_KMS_SHARE_CT_MAX],
	                   size_t *share_lens);
	/* m shares SM2-encrypted to the import pair import_key recombined and wrapped by the KEK at kek_index into
	 * *out. CCSP_ERR_AUTH (a share not for this import key), CCSP_ERR_KEY (they do not recombine to a key). */
	ccsp_err (*recover)(void *ctx, ccsp_kms_spec spec, uint32_t kek_index, const ccsp_kms_wrapped *import_key,
	                    unsigned m, const uint8_t (*shares)[CCSP_KMS_SHARE_CT_MAX], const size_t *share_lens,
	                    const uint8_t pub[CCSP_KMS_PUBLIC_SIZE], ccsp_kms_wrapped *out);
	/* A key set's backup (pvsm.h): key's material (of spec) sealed inside the module under the backup key bkey (an
	 * SM4 key of generate, under the same KEK as key: else CCSP_ERR_ARG), aad (1..CCSP_KMS_KEYSET_AAD_MAX) bound,
	 * into *out; pub (x || y) for SM2 specs, which must be the key's (CCSP_ERR_KEY). keyset_import is the reverse,
	 * the material wrapped by bkey's KEK into *out; CCSP_ERR_AUTH when the seal does not verify (nothing made). */
	ccsp_err (*keyset_export)(void *ctx, ccsp_kms_spec spec, const ccsp_kms_wrapped *key,
	                          const ccsp_kms_wrapped *bkey, const uint8_t pub[CCSP_KMS_PUBLIC_SIZE],
	                          const uint8_t *aad, size_t aadlen, ccsp_kms_sealed *out);
	ccsp_err (*keyset_import)(void *ctx, ccsp_kms_spec spec, const ccsp_kms_wrapped *bkey,
	                          const uint8_t pub[CCSP_KMS_PUBLIC_SIZE], const uint8_t *aad, size_t aadlen,
	                          const ccsp_kms_sealed *in, ccsp_kms_wrapped *out);
	/* GM/T 0010 digital envelopes (pvsm.h "digital envelopes"): seal makes a fresh SM4 key in the module,
	 * SM2-encrypted to recipient (x || y) into key_ct, and SM4-CBC-encrypts in (len bytes, a non-zero multiple of 16
	 * the caller padded) with it and a fresh IV (iv) into out; open decrypts key_ct with the wrapped SM2_ENC key
	 * and in with that SM4 key into out, inside the module (CCSP_ERR_AUTH: key_ct is not for this key). */
	ccsp_err (*envelope_seal)(void *ctx, const uint8_t recipient[CCSP_KMS_PUBLIC_SIZE], const uint8_t *in,
	                          size_t len, uint8_t key_ct[CCSP_KMS_ENVELOPE_KEY_CT_SIZE], uint8_t iv[16],
	                          uint8_t *out);
	ccsp_err (*envelope_open)(void *ctx, const ccsp_kms_wrapped *key,
	                          const uint8_t key_ct[CCSP_KMS_ENVELOPE_KEY_CT_SIZE], const uint8_t iv[16],
	                          const uint8_t *in, size_t len, uint8_t *out);
} ccsp_kms_vsm_ops;

typedef struct ccsp_kms_vsm {
	const ccsp_kms_vsm_ops *ops;
	void *ctx;
	uint32_t kek_index; /* the KEK new keys are wrapped by */
	ccsp_pool *pool;    /* ccsp_kms_vsm_pool: the pool and the group (ctx points here) */
	char group[CCSP_STORE_ID_LEN + 1];
	char app[CCSP_STORE_ID_LEN + 1]; /* the calling application, for its dedicated members (pool.h); "" for people */
	ccsp_pool_policy policy;         /* how a member is chosen (the scheduler version serving the caller) */
	int legacy_wraps;                /* use keys in the SM4-ECB wrap (ccsp_kms_wrap_is_legacy), else CCSP_ERR_KEY */
} ccsp_kms_vsm;

/* Whether w is a secret key's standard SM4-ECB wrap (16 or 32 bytes), which has no integrity: an altered one opens
 * to another key in the VSM. The KMS makes only sealed wraps (pvsm.c); stores made before hold ECB ones, which the
 * pool's ops refuse (CCSP_ERR_KEY) unless legacy_wraps is set, so that a row rewritten as a 16-byte wrap cannot
 * undo the sealed wrap's protection. */
int ccsp_kms_wrap_is_legacy(const ccsp_kms_wrapped *w);

/* The ops on one VSM: ctx is its ccsp_pvsm (NULL: every op answers CCSP_ERR_MODULE_STATE). */
extern const ccsp_kms_vsm_ops ccsp_kms_vsm_pvsm_ops;

/* The resource pool (kms_vsm_pool.c): every op runs on a healthy member of group, the least loaded first, and
 * again on another member after a communication failure. That retry is safe for every op here: each is a pure
 * function of its inputs inside the VSM (wrapped keys in, results out; no state in the VSM changes), so running
 * one twice has no effect but its answer. New keys are wrapped by the group's KEK (the members' kek_index; 0 and
 * every op CCSP_ERR_MODULE_STATE when the group has no member). v must stay where it is while used. */
void ccsp_kms_vsm_pool(ccsp_kms_vsm *v, ccsp_pool *p, const char *group);

#endif

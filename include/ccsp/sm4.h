/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SM4 (GB/T 32907-2016) and its modes: ECB, CBC (raw and PKCS#7), CFB-128, OFB, CTR (128-bit
 * big-endian counter, as OpenSSL's sm4-ctr), GCM (NIST SP 800-38D / GB/T 36624, any IV length,
 * 16-byte tag), XTS (GB/T 17964-2021) and CBC-MAC (GB/T 15852.1 algorithm 1, no padding).
 *
 * All functions return CCSP_ERR_MODULE_STATE when the module is in the error state.
 * In-place operation (in == out) is allowed everywhere; partial overlap is not.
 * The implementation (portable constant-time, AES-NI+AVX2, ...) is chosen when a key is set,
 * from CPUID; all implementations give identical results.
 * Contexts and keys are caller-allocated; wipe keys with ccsp_sm4_key_wipe() (finals wipe contexts).
 */
#ifndef CCSP_SM4_H
#define CCSP_SM4_H

#include "error.h"

#define CCSP_SM4_KEY_SIZE 16
#define CCSP_SM4_BLOCK_SIZE 16
#define CCSP_SM4_GCM_TAG_SIZE 16
#define CCSP_SM4_XTS_KEY_SIZE 32

struct ccsp_sm4_impl;

typedef struct ccsp_sm4_key {
	uint32_t rk_enc[32];
	uint32_t rk_dec[32];
	const struct ccsp_sm4_impl *impl;
} ccsp_sm4_key;

CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_set_key(ccsp_sm4_key *k, const uint8_t *key, size_t keylen);
CCSP_API void ccsp_sm4_key_wipe(ccsp_sm4_key *k);
/* Name of the implementation the key uses: "portable", "aesni-avx2", ... */
CCSP_API const char *ccsp_sm4_key_impl_name(const ccsp_sm4_key *k);
/* Name of the implementation ccsp_sm4_set_key chooses on this CPU (decided once, timed), and of its one-block
 * kernel for the serial modes (CBC/CFB encryption, OFB, CBC-MAC): "gfni-serial", ... */
CCSP_API const char *ccsp_sm4_impl_name(void);
CCSP_API const char *ccsp_sm4_serial_impl_name(void);

/* ECB and raw CBC: len must be a multiple of 16 (CCSP_ERR_DATA_LENGTH otherwise). */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_ecb_encrypt(const ccsp_sm4_key *k, const uint8_t *in, uint8_t *out, size_t len);
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_ecb_decrypt(const ccsp_sm4_key *k, const uint8_t *in, uint8_t *out, size_t len);
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_cbc_encrypt(const ccsp_sm4_key *k, const uint8_t iv[16], const uint8_t *in,
                                                       uint8_t *out, size_t len);
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_cbc_decrypt(const ccsp_sm4_key *k, const uint8_t iv[16], const uint8_t *in,
                                                       uint8_t *out, size_t len);
/* CBC with PKCS#7 padding. Encrypt writes inlen rounded up to the next 16 (always 1..16 bytes of
 * padding); decrypt checks padding in constant time. outcap is the size of out; on
 * CCSP_ERR_BUFFER_TOO_SMALL *outlen holds the size needed. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_cbc_pad_encrypt(const ccsp_sm4_key *k, const uint8_t iv[16],
                                                           const uint8_t *in, size_t inlen, uint8_t *out,
                                                           size_t outcap, size_t *outlen);
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_cbc_pad_decrypt(const ccsp_sm4_key *k, const uint8_t iv[16],
                                                           const uint8_t *in, size_t inlen, uint8_t *out,
                                                           size_t outcap, size_t *outlen);
/* Stream-like modes: any length. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_cfb_encrypt(const ccsp_sm4_key *k, const uint8_t iv[16], const uint8_t *in,
                                                       uint8_t *out, size_t len);
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_cfb_decrypt(const ccsp_sm4_key *k, const uint8_t iv[16], const uint8_t *in,
                                                       uint8_t *out, size_t len);
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_ofb_crypt(const ccsp_sm4_key *k, const uint8_t iv[16], const uint8_t *in,
                                                     uint8_t *out, size_t len);
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_ctr_crypt(const ccsp_sm4_key *k, const uint8_t iv[16], const uint8_t *in,
                                                     uint8_t *out, size_t len);

/* GCM one-shot. ivlen >= 1 (12 recommended). decrypt returns CCSP_ERR_AUTH on a bad tag and then
 * wipes out (no unauthenticated plaintext is released). */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_gcm_encrypt(const ccsp_sm4_key *k, const uint8_t *iv, size_t ivlen,
                                                       const uint8_t *aad, size_t aadlen, const uint8_t *in,
                                                       uint8_t *out, size_t len, uint8_t tag[16]);
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_gcm_decrypt(const ccsp_sm4_key *k, const uint8_t *iv, size_t ivlen,
                                                       const uint8_t *aad, size_t aadlen, const uint8_t *in,
                                                       uint8_t *out, size_t len, const uint8_t tag[16]);

/* GCM under one key for many messages (a record layer): the key schedule, H = E(0) and GHASH's tables are made once
 * by ccsp_sm4_gcm_key_set(), so that each message costs only its own work. The one-shot calls below give exactly
 * what ccsp_sm4_gcm_encrypt/decrypt give for the same key, with the same errors. The structure holds the key:
 * wipe it with ccsp_sm4_gcm_key_wipe(). It is read-only after set(): threads may share it. */
typedef struct ccsp_sm4_gcm_key {
	ccsp_sm4_key key;
	uint8_t H[16];
	uint64_t ghash_key[32]; /* precomputed GHASH key material, implementation specific */
	const void *ghash_impl;
} ccsp_sm4_gcm_key;

CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_gcm_key_set(ccsp_sm4_gcm_key *gk, const uint8_t *key, size_t keylen);
CCSP_API void ccsp_sm4_gcm_key_wipe(ccsp_sm4_gcm_key *gk);
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_gcm_key_encrypt(const ccsp_sm4_gcm_key *gk, const uint8_t *iv, size_t ivlen,
                                                           const uint8_t *aad, size_t aadlen, const uint8_t *in,
                                                           uint8_t *out, size_t len, uint8_t tag[16]);
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_gcm_key_decrypt(const ccsp_sm4_gcm_key *gk, const uint8_t *iv, size_t ivlen,
                                                           const uint8_t *aad, size_t aadlen, const uint8_t *in,
                                                           uint8_t *out, size_t len, const uint8_t tag[16]);

/* XTS (GB/T 17964-2021): key is 32 bytes (data key || tweak key, which must differ), tweak 16 bytes,
 * len >= 16, any length (ciphertext stealing). */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_xts_encrypt(const uint8_t key[32], const uint8_t tweak[16], const uint8_t *in,
                                                       uint8_t *out, size_t len);
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_xts_decrypt(const uint8_t key[32], const uint8_t tweak[16], const uint8_t *in,
                                                       uint8_t *out, size_t len);

/* CBC-MAC: last block of CBC encryption of in (len a non-zero multiple of 16) under iv. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_cbc_mac(const ccsp_sm4_key *k, const uint8_t iv[16], const uint8_t *in,
                                                   size_t len, uint8_t mac[16]);

/* ---- streaming ---- */

/* CBC: update buffers partial blocks; with padding, decrypt holds back the last block until final. */
typedef struct ccsp_sm4_cbc_ctx {
	ccsp_sm4_key key;
	uint8_t iv[16];
	uint8_t buf[16];
	size_t num;
	int encrypt;
	int padding;
} ccsp_sm4_cbc_ctx;

CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_cbc_init(ccsp_sm4_cbc_ctx *ctx, const uint8_t *key, size_t keylen,
                                                    const uint8_t iv[16], int encrypt, int padding);
/* Writes at most inlen + 16 bytes. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_cbc_update(ccsp_sm4_cbc_ctx *ctx, const uint8_t *in, size_t inlen,
                                                      uint8_t *out, size_t *outlen);
/* Writes at most 16 bytes. Without padding, leftover partial data is CCSP_ERR_DATA_LENGTH. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_cbc_final(ccsp_sm4_cbc_ctx *ctx, uint8_t *out, size_t *outlen);

typedef struct ccsp_sm4_ctr_ctx {
	ccsp_sm4_key key;
	uint8_t ctr[16];
	uint8_t ks[16];
	size_t num; /* bytes of ks already used */
} ccsp_sm4_ctr_ctx;

CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_ctr_init(ccsp_sm4_ctr_ctx *ctx, const uint8_t *key, size_t keylen,
                                                    const uint8_t iv[16]);
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_ctr_update(ccsp_sm4_ctr_ctx *ctx, const uint8_t *in, uint8_t *out, size_t len);
CCSP_API void ccsp_sm4_ctr_wipe(ccsp_sm4_ctr_ctx *ctx);

/* XTS streaming: the same single data unit as ccsp_sm4_xts_encrypt/decrypt (one tweak for the whole message, the
 * tweak multiplied by alpha per block, ciphertext stealing at the end), given in pieces of any sizes: the output is
 * byte-identical to the one-shot call on the concatenation. update keeps back the last 16..31 bytes seen (the
 * last full block and a partial one may be needed for the stealing) and final processes them. The key's two halves
 * must differ (CCSP_ERR_KEY), as in the one-shot calls. */
typedef struct ccsp_sm4_xts_ctx {
	ccsp_sm4_key k1;  /* data key */
	uint8_t t[16];    /* tweak of the next block: E_K2(tweak) * alpha^j */
	uint8_t buf[32];  /* bytes kept back */
	size_t num;
	int encrypt;
} ccsp_sm4_xts_ctx;

CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_xts_init(ccsp_sm4_xts_ctx *ctx, const uint8_t key[32], const uint8_t tweak[16],
                                                    int encrypt);
/* out has room for inlen + 32 bytes (it is scratch space beyond what is written); writes a multiple of 16 bytes,
 * at most inlen + 15. in == out is allowed. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_xts_update(ccsp_sm4_xts_ctx *ctx, const uint8_t *in, size_t inlen,
                                                      uint8_t *out, size_t *outlen);
/* Writes the last 16..31 bytes; CCSP_ERR_DATA_LENGTH when the whole message was shorter than 16 bytes.
 * Wipes the context. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_xts_final(ccsp_sm4_xts_ctx *ctx, uint8_t out[31], size_t *outlen);

/* GCM streaming: init, any number of aad calls, then update calls, then final. */
typedef struct ccsp_sm4_gcm_ctx {
	ccsp_sm4_key key;
	uint8_t H[16];
	uint8_t J0[16];
	uint8_t ctr[16];
	uint8_t ks[16];
	uint8_t X[16];      /* GHASH accumulator */
	uint8_t pend[16];   /* pending GHASH input bytes */
	uint64_t ghash_key[32]; /* precomputed GHASH key material, implementation specific */
	uint64_t aadlen;
	uint64_t datalen;
	size_t ks_used;
	size_t pend_len;
	int phase;          /* 0 aad, 1 data, 2 finished */
	int encrypt;
	int iv96;           /* 96-bit IV: the counter is public and its low word cannot wrap */
	const void *ghash_impl;
} ccsp_sm4_gcm_ctx;

CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_gcm_init(ccsp_sm4_gcm_ctx *ctx, const uint8_t *key, size_t keylen,
                                                    const uint8_t *iv, size_t ivlen, int encrypt);
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_gcm_aad(ccsp_sm4_gcm_ctx *ctx, const uint8_t *aad, size_t len);
/* Writes exactly len bytes. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_gcm_update(ccsp_sm4_gcm_ctx *ctx, const uint8_t *in, uint8_t *out, size_t len);
/* Encrypt: writes the tag. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_gcm_encrypt_final(ccsp_sm4_gcm_ctx *ctx, uint8_t tag[16]);
/* Decrypt: checks the tag in constant time; CCSP_ERR_AUTH on mismatch. Streaming decrypt has
 * released plaintext already: the caller must discard it on CCSP_ERR_AUTH. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm4_gcm_decrypt_final(ccsp_sm4_gcm_ctx *ctx, const uint8_t tag[16]);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SM2 on the recommended curve sm2p256v1 (GB/T 32918.1-5-2016, GM/T 0003-2012): key pairs,
 * signatures with Z (user ID), public-key encryption, key exchange. Encodings (DER, PEM, PKCS#8,
 * SPKI) are in <ccsp/sm2_asn1.h>.
 *
 * Keys are opaque, allocated in secure memory and wiped on free. A key is read-only once set, so one
 * key may be used by many threads at once. All functions return CCSP_ERR_MODULE_STATE in the error
 * state. Operations with the private key are constant time.
 */
#ifndef CCSP_SM2_H
#define CCSP_SM2_H

#include "error.h"

#define CCSP_SM2_PRIVATE_KEY_SIZE 32
#define CCSP_SM2_POINT_SIZE 65            /* 04 || x || y */
#define CCSP_SM2_COMPRESSED_POINT_SIZE 33 /* 02/03 || x */
#define CCSP_SM2_SIGNATURE_SIZE 64        /* r || s, 32 bytes each, big-endian */
#define CCSP_SM2_DEFAULT_ID "1234567812345678"
#define CCSP_SM2_DEFAULT_ID_LEN 16
#define CCSP_SM2_MAX_ID_LEN 8191 /* ENTL is a 16-bit count of bits */
#define CCSP_SM2_CIPHERTEXT_OVERHEAD 97   /* raw C1 (65) + C3 (32); DER adds at most 19 more */

typedef struct ccsp_sm2_key ccsp_sm2_key;

/* NULL on allocation failure. The new key is empty. */
/* The implementation this process uses: "portable", or on x86-64 with MULX/ADX "mulx-adx", "x86-64-asm" or
 * "x86-64-asm-avx2" — the fastest at k*G of those this CPU supports, as timed once at first use. */
CCSP_API const char *ccsp_sm2_impl_name(void);
CCSP_API ccsp_sm2_key *ccsp_sm2_key_new(void);
CCSP_API void ccsp_sm2_key_free(ccsp_sm2_key *key);

/* Fresh key pair from ccsp_random(), with a pairwise-consistency test (CCSP_ERR_PAIRWISE on failure). */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_key_generate(ccsp_sm2_key *key);
/* Private key d (32 bytes big-endian), 1 <= d <= n-2; the public key is derived. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_key_set_private(ccsp_sm2_key *key, const uint8_t d[32]);
/* Public key only: 04||x||y (65), 02/03||x (33) or raw x||y (64). The point is fully validated
 * (coordinates < p, on the curve, not infinity): CCSP_ERR_POINT otherwise. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_key_set_public(ccsp_sm2_key *key, const uint8_t *point, size_t len);
CCSP_API int ccsp_sm2_key_has_private(const ccsp_sm2_key *key);
/* CCSP_ERR_KEY when the key has no private part. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_key_get_private(const ccsp_sm2_key *key, uint8_t d[32]);
/* 04||x||y */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_key_get_public(const ccsp_sm2_key *key, uint8_t point[CCSP_SM2_POINT_SIZE]);
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_key_get_public_compressed(const ccsp_sm2_key *key,
                                                                     uint8_t point[CCSP_SM2_COMPRESSED_POINT_SIZE]);

/* Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA). id may be NULL for the default ID; idlen <= 8191. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_compute_z(const ccsp_sm2_key *key, const uint8_t *id, size_t idlen,
                                                     uint8_t z[32]);
/* e = SM3(Z || msg) */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_compute_e(const ccsp_sm2_key *key, const uint8_t *id, size_t idlen,
                                                     const uint8_t *msg, size_t msglen, uint8_t e[32]);
/* The same from the public key's point alone (x || y, 04 || x || y, or compressed), checked to be on the curve:
 * for a signer whose private key is elsewhere (a VSM), without the cost of a key object's verification tables.
 * CCSP_ERR_KEY when the point is not on the curve. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_compute_e_point(const uint8_t *point, size_t len, const uint8_t *id,
                                                           size_t idlen, const uint8_t *msg, size_t msglen,
                                                           uint8_t e[32]);

/* Signatures are raw r||s; DER in <ccsp/sm2_asn1.h>. Verify returns CCSP_OK or CCSP_ERR_SIGNATURE. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_sign_digest(const ccsp_sm2_key *key, const uint8_t e[32],
                                                       uint8_t sig[CCSP_SM2_SIGNATURE_SIZE]);
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_verify_digest(const ccsp_sm2_key *key, const uint8_t e[32],
                                                         const uint8_t sig[CCSP_SM2_SIGNATURE_SIZE]);
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_sign(const ccsp_sm2_key *key, const uint8_t *id, size_t idlen,
                                                const uint8_t *msg, size_t msglen, uint8_t sig[CCSP_SM2_SIGNATURE_SIZE]);
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_verify(const ccsp_sm2_key *key, const uint8_t *id, size_t idlen,
                                                  const uint8_t *msg, size_t msglen,
                                                  const uint8_t sig[CCSP_SM2_SIGNATURE_SIZE]);

/*
 * Per-key signing context, for a signer that makes many signatures with one key (a VSM, a server): the
 * same signatures as ccsp_sm2_sign_digest() (a fresh random k each, GB/T 32918.2 6.1), about 1.5 times as
 * many per second. It keeps (1 + d)^-1 and a pool of nonce pairs (k, x1 of kG) in locked memory, made 32 at
 * a time from ccsp_random() with one shared field inversion; each pair serves one signature attempt and is
 * wiped at once, never used twice.
 *
 * ccsp_sm2_sign_ctx_new: *ctx gets a new context for key, which must hold a private key (CCSP_ERR_KEY);
 * it copies what it needs, so key may be freed afterwards. CCSP_ERR_ARG on NULL arguments, CCSP_ERR_NOMEM.
 * The pool is filled at the first signature, not here.
 * Thread safety: none inside. A context is used by one thread at a time (one per thread, or a lock around
 * each call); different contexts, even of one key, are independent.
 * fork(): a child never signs with the parent's pairs: a context used in a child of fork() discards the pool
 * it inherited and makes its own (pthread_atfork). A child of a raw clone() system call (no atfork handlers)
 * is not detected: do not use a context inherited that way.
 * ccsp_sm2_sign_ctx_free wipes the pairs left and the key material; NULL is ignored.
 */
typedef struct ccsp_sm2_sign_ctx ccsp_sm2_sign_ctx;

CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_sign_ctx_new(const ccsp_sm2_key *key, ccsp_sm2_sign_ctx **ctx);
CCSP_API void ccsp_sm2_sign_ctx_free(ccsp_sm2_sign_ctx *ctx);
/* As ccsp_sm2_sign_digest() with the context's key. CCSP_ERR_ARG on NULL arguments; CCSP_ERR_RNG when
 * ccsp_random() fails while refilling (sig is then zero, the context still usable). */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_sign_ctx_sign_digest(ccsp_sm2_sign_ctx *ctx, const uint8_t e[32],
                                                                uint8_t sig[CCSP_SM2_SIGNATURE_SIZE]);
/* As ccsp_sm2_sign(): e = SM3(Z || msg) with Z of the context's public key and id (NULL: the default ID).
 * The first call also makes the public-key object Z needs (CCSP_ERR_NOMEM). */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_sign_ctx_sign(ccsp_sm2_sign_ctx *ctx, const uint8_t *id, size_t idlen,
                                                         const uint8_t *msg, size_t msglen,
                                                         uint8_t sig[CCSP_SM2_SIGNATURE_SIZE]);

typedef enum ccsp_sm2_ct_format {
	CCSP_SM2_C1C3C2 = 0, /* 04||x1||y1 || C3 || C2 (GB/T 32918.4-2016, the default) */
	CCSP_SM2_C1C2C3 = 1, /* 04||x1||y1 || C2 || C3 (2010 draft order) */
	CCSP_SM2_DER = 2     /* GM/T 0009 SM2Cipher SEQUENCE { x, y, hash, ciphertext } */
} ccsp_sm2_ct_format;

/* msglen >= 1. outcap: size of out; on CCSP_ERR_BUFFER_TOO_SMALL *outlen holds the size needed (for
 * DER an upper bound: msglen + 116; *outlen then gets the exact length written). */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_encrypt(const ccsp_sm2_key *key, ccsp_sm2_ct_format fmt, const uint8_t *msg,
                                                   size_t msglen, uint8_t *out, size_t outcap, size_t *outlen);
/* CCSP_ERR_DECODE on a malformed ciphertext, CCSP_ERR_AUTH when C3 does not match (out is wiped). */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_decrypt(const ccsp_sm2_key *key, ccsp_sm2_ct_format fmt, const uint8_t *ct,
                                                   size_t ctlen, uint8_t *out, size_t outcap, size_t *outlen);

/*
 * Key exchange (GB/T 32918.3-2016 clause 6). Each party holds its static key (with private part)
 * and the peer's static public key, and creates an ephemeral pair with ccsp_sm2_kex_start():
 *   A: start -> send RA;  B: start -> send RB (and SB if confirmation)
 *   both: ccsp_sm2_kex_compute(peer ephemeral) -> K (klen bytes), S_self (to send), S_peer (to check)
 * The initiator (A) and responder (B) compute the confirmation hashes with the 0x02/0x03 tags as
 * the standard fixes them; ccsp_sm2_kex_confirm() checks the peer's hash in constant time.
 */
typedef struct ccsp_sm2_kex ccsp_sm2_kex;

CCSP_API ccsp_sm2_kex *ccsp_sm2_kex_new(void);
CCSP_API void ccsp_sm2_kex_free(ccsp_sm2_kex *kex);
/* initiator: 1 for A (sponsor), 0 for B (responder). self must hold a private key; ids may be NULL
 * for the default ID. Writes this party's ephemeral point R (04||x||y). peer may be NULL when it is not
 * known yet (GM/T 0018's sponsor sends RA first): give it with ccsp_sm2_kex_set_peer() before compute. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_kex_start(ccsp_sm2_kex *kex, int initiator, const ccsp_sm2_key *self,
                                                     const uint8_t *self_id, size_t self_idlen,
                                                     const ccsp_sm2_key *peer, const uint8_t *peer_id,
                                                     size_t peer_idlen, uint8_t r_self[CCSP_SM2_POINT_SIZE]);
/* The peer's static public key and ID, after a start with peer NULL, once, before compute: CCSP_ERR_STATE
 * otherwise; CCSP_ERR_KEY when peer has no public key. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_kex_set_peer(ccsp_sm2_kex *kex, const ccsp_sm2_key *peer,
                                                        const uint8_t *peer_id, size_t peer_idlen);
/* Computes the shared key from the peer's ephemeral point (CCSP_ERR_STATE when the peer was never given); also fills s_self (hash to send to the
 * peer) and keeps the expected peer hash for ccsp_sm2_kex_confirm. Either s_self may be NULL. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_kex_compute(ccsp_sm2_kex *kex, const uint8_t *r_peer, size_t r_peer_len,
                                                       uint8_t *key_out, size_t klen, uint8_t s_self[32]);
/* CCSP_OK when the peer's confirmation hash matches, CCSP_ERR_KEY_EXCHANGE otherwise. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm2_kex_confirm(const ccsp_sm2_kex *kex, const uint8_t s_peer[32]);

#endif

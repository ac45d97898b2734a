/* SPDX-License-Identifier: Apache-2.0 */
/* Internal: SM2 key object and the algorithm cores shared by sign, encrypt, key exchange, self-test. */
#ifndef CCSP_SM2_INTERNAL_H
#define CCSP_SM2_INTERNAL_H

#include <ccsp/sm2.h>

#include "sm2_arith.h"

struct ccsp_sm2_key {
	int has_public;
	int has_private;
	ccsp_sm2_apoint pub;   /* Montgomery form */
	/* pub's table (1 KB, about half a scalar multiplication to build), made at the key's second use of it:
	 * a key used once — a request's public key — never pays for it (ccsp_sm2_key_pub_table) */
	ccsp_sm2_pub_table pub_tab;
	_Atomic int tab_state;     /* 0 none, 1 being built, 2 ready */
	_Atomic unsigned tab_uses; /* uses before it was built */
	uint8_t pub_xy[64];    /* x || y, big-endian */
	uint8_t z_default[32]; /* Z for the default ID, computed when the public key is set */
	uint64_t d[4];         /* private scalar, plain */
	uint64_t d_m[4];       /* d R mod n */
	uint64_t dinv_m[4];    /* (1 + d)^-1 R mod n: s = (1 + d)^-1 (k - r d) (GB/T 32918.2 6.1 A6) */
};

/* Decode 04||x||y (65), 02/03||x (33) or x||y (64) into a fully validated point (Montgomery form):
 * CCSP_ERR_DECODE for a bad length or prefix, CCSP_ERR_POINT for coordinates >= p, off-curve
 * points and points without a square root. */
ccsp_err ccsp_sm2_point_decode(const ccsp_sm2_impl *impl, ccsp_sm2_apoint *p, const uint8_t *in, size_t len);
/* x || y (64 bytes) of a point in Montgomery form. */
void ccsp_sm2_point_encode(const ccsp_sm2_impl *impl, uint8_t out[64], const ccsp_sm2_apoint *p);
/* Plain limbs of a Montgomery field element. */
void ccsp_sm2_fe_from_mont(const ccsp_sm2_impl *impl, uint64_t r[4], const uint64_t a[4]);

/* The table of key's public point for impl's point multiplications, or NULL (they then go without): built at the
 * key's second call, by one caller while others go without meanwhile (thread-safe on a shared const key). */
const ccsp_sm2_pub_table *ccsp_sm2_key_pub_table(const ccsp_sm2_impl *impl, const ccsp_sm2_key *key);

/* Z = SM3(ENTL || ID || a || b || xG || yG || x || y) for the public key xy (GB/T 32918.2 5.5). */
ccsp_err ccsp_sm2_z_of(const uint8_t pub_xy[64], const uint8_t *id, size_t idlen, uint8_t z[32]);

/* Random scalar 1 <= k <= n - 1 (GB/T 32918.2 6.1 A3) from ccsp_random, by rejection. */
ccsp_err ccsp_sm2_random_scalar(uint64_t k[4]);
/* Move src's key into dst, which must hold none yet (CCSP_ERR_STATE); src is wiped (sm2_key.c). For a loader
 * that checks a key in a scratch object before it gives it to the caller. */
ccsp_err ccsp_sm2_key_move(ccsp_sm2_key *dst, ccsp_sm2_key *src);

/* ---- cores taking the implementation and fixed nonces (self-test, tests) ---- */

/*
 * A core given k says whether k was usable apart from its ccsp_err: *redraw = 1 (status CCSP_OK, output
 * zeroed) means "this k gives no result: draw another". An error code from below (SM3, the KDF) is then never
 * mistaken for a rejected k and looped on. Rejection has probability about 2^-255 per k, so callers draw at
 * most CCSP_SM2_K_DRAWS times: more rejections in a row mean a broken random generator (CCSP_ERR_RNG).
 */
#define CCSP_SM2_K_DRAWS 8

/* *redraw = 1 when k gives r = 0, r + k = n or s = 0. */
CCSP_MUST_CHECK ccsp_err ccsp_sm2_sign_core(const ccsp_sm2_impl *impl, const ccsp_sm2_key *key, const uint8_t e[32],
                                            const uint64_t k[4], uint8_t sig[64], int *redraw);
ccsp_err ccsp_sm2_verify_core(const ccsp_sm2_impl *impl, const ccsp_sm2_key *key, const uint8_t e[32],
                              const uint8_t sig[64]);
/* Raw formats only. *redraw = 1 when t is all zero for this k. */
CCSP_MUST_CHECK ccsp_err ccsp_sm2_encrypt_core(const ccsp_sm2_impl *impl, const ccsp_sm2_key *key,
                                               ccsp_sm2_ct_format fmt, const uint64_t k[4], const uint8_t *msg,
                                               size_t msglen, uint8_t *out, int *redraw);
ccsp_err ccsp_sm2_decrypt_core(const ccsp_sm2_impl *impl, const ccsp_sm2_key *key, ccsp_sm2_ct_format fmt,
                               const uint8_t *ct, size_t ctlen, uint8_t *out);

/* Test hooks (not exported): the GB/T 32918.5 examples with their fixed k, current implementation.
 * k is 32 bytes big-endian, 1 <= k <= n-1. */
ccsp_err ccsp_sm2_sign_digest_with_k(const ccsp_sm2_key *key, const uint8_t e[32], const uint8_t k[32],
                                     uint8_t sig[CCSP_SM2_SIGNATURE_SIZE]);
ccsp_err ccsp_sm2_encrypt_with_k(const ccsp_sm2_key *key, ccsp_sm2_ct_format fmt, const uint8_t k[32],
                                 const uint8_t *msg, size_t msglen, uint8_t *out, size_t outcap, size_t *outlen);
/* ccsp_sm2_kex_start with a fixed ephemeral private key r (32 bytes) and a given implementation. */
ccsp_err ccsp_sm2_kex_start_with_r(const ccsp_sm2_impl *impl, ccsp_sm2_kex *kex, int initiator,
                                   const ccsp_sm2_key *self, const uint8_t *self_id, size_t self_idlen,
                                   const ccsp_sm2_key *peer, const uint8_t *peer_id, size_t peer_idlen,
                                   const uint8_t r[32], uint8_t r_self[CCSP_SM2_POINT_SIZE]);
ccsp_err ccsp_sm2_kex_compute_impl(const ccsp_sm2_impl *impl, ccsp_sm2_kex *kex, const uint8_t *r_peer,
                                   size_t r_peer_len, uint8_t *key_out, size_t klen, uint8_t s_self[32]);

#endif

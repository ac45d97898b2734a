/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Random numbers: the SM3 Hash_DRBG of GM/T 0105-2021 (see docs/security-policy.md), seeded and
 * reseeded from getrandom(). ccsp_random() is the only random source the project uses.
 */
#ifndef CCSP_RAND_H
#define CCSP_RAND_H

#include "error.h"

/* Fill buf with len random bytes from this thread's DRBG instance (created on first use, reseeded
 * automatically; fork-safe). Thread-safe. buf may be NULL only when len is 0. On any error buf is
 * zeroed. CCSP_ERR_RNG when the entropy source fails; a failed entropy health test also puts the
 * module into the error state. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_random(void *buf, size_t len);

/* ---- the DRBG mechanism itself, for tests and for modules that keep their own instance ---- */

#define CCSP_SM3_DRBG_SEEDLEN 55                  /* 440 bits */
#define CCSP_SM3_DRBG_MIN_ENTROPY 32              /* bytes */
#define CCSP_SM3_DRBG_MAX_REQUEST 32              /* bytes per generate call (GM/T 0105 9.3) */
#define CCSP_SM3_DRBG_RESEED_INTERVAL (1u << 10)  /* generate calls between reseeds (level 2) */
#define CCSP_SM3_DRBG_RESEED_SECONDS 60

typedef struct ccsp_sm3_drbg {
	uint8_t V[CCSP_SM3_DRBG_SEEDLEN];
	uint8_t C[CCSP_SM3_DRBG_SEEDLEN];
	uint64_t reseed_counter;
	int64_t last_reseed_time; /* CLOCK_MONOTONIC seconds */
	int instantiated;
} ccsp_sm3_drbg;

/*
 * Caller-allocated instance; not thread-safe (one instance per thread, or a lock). Every input
 * pointer may be NULL only when its length is 0. Argument errors (CCSP_ERR_ARG) and
 * CCSP_ERR_STATE / CCSP_ERR_RESEED_REQUIRED leave the instance unchanged.
 *
 * instantiate: entropylen >= CCSP_SM3_DRBG_MIN_ENTROPY, noncelen >= CCSP_SM3_DRBG_MIN_NONCE, each
 * input <= CCSP_SM3_DRBG_MAX_INPUT bytes; (re)instantiates d whatever it held before.
 * reseed: d instantiated (else CCSP_ERR_STATE), entropylen >= CCSP_SM3_DRBG_MIN_ENTROPY.
 */
#define CCSP_SM3_DRBG_MIN_NONCE 16                /* bytes: half the security strength */
#define CCSP_SM3_DRBG_MAX_INPUT ((uint64_t)1 << 32) /* bytes (SP 800-90A Table 2: 2^35 bits) */

CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm3_drbg_instantiate(ccsp_sm3_drbg *d, const uint8_t *entropy, size_t entropylen,
                                                            const uint8_t *nonce, size_t noncelen,
                                                            const uint8_t *pers, size_t perslen);
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm3_drbg_reseed(ccsp_sm3_drbg *d, const uint8_t *entropy, size_t entropylen,
                                                       const uint8_t *add, size_t addlen);
/* outlen 1..CCSP_SM3_DRBG_MAX_REQUEST. CCSP_ERR_RESEED_REQUIRED when the reseed interval or time
 * limit is reached: after CCSP_SM3_DRBG_RESEED_INTERVAL successful generates, or
 * CCSP_SM3_DRBG_RESEED_SECONDS after the last (re)seed. CCSP_ERR_STATE when not instantiated. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_sm3_drbg_generate(ccsp_sm3_drbg *d, uint8_t *out, size_t outlen,
                                                         const uint8_t *add, size_t addlen);
/* Wipe the whole instance (V, C, counters). d may be NULL. */
CCSP_API void ccsp_sm3_drbg_uninstantiate(ccsp_sm3_drbg *d);

/* Request prediction resistance for this thread's instance: reseed from getrandom() before every
 * ccsp_random() call (on = 1) or not (on = 0, the default). */
CCSP_API void ccsp_random_set_prediction_resistance(int on);

#endif

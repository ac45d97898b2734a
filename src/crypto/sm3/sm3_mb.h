/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: multi-buffer SM3 (issue 11). Many independent messages are hashed together, one per SIMD lane (8 with
 * AVX2; 32 with AVX-512, two interleaved groups of 16), for callers that have a batch of small messages at hand
 * (batch hashing, many request signatures). A single long message gains nothing from it: use ccsp_sm3.
 *
 * Timing depends on the number of messages and their lengths, which are public, and never on
 * their content: no message byte decides a branch or a memory index.
 */
#ifndef CCSP_SM3_MB_H
#define CCSP_SM3_MB_H

#include <ccsp/sm3.h>

#define CCSP_SM3_MB_MAX_LANES 32

/*
 * Compress nblocks blocks into each of `lanes` states. state is word-sliced: state[i * lanes + l]
 * is word i (A..H, clause 5.3.1) of lane l. Lane l reads its blocks consecutively from in[l].
 */
typedef void (*ccsp_sm3_mb_compress_fn)(uint32_t *state, const uint8_t *const *in, size_t nblocks);

typedef struct ccsp_sm3_mb_impl {
	const char *name;                 /* "serial", "avx2-x8", "avx512-2x16" */
	size_t lanes;                     /* messages in flight: 1 for serial */
	ccsp_sm3_mb_compress_fn compress; /* NULL for serial: one ccsp_sm3 per message */
} ccsp_sm3_mb_impl;

/* One message after the other through the single-stream SM3 in force: always present. */
extern const ccsp_sm3_mb_impl ccsp_sm3_mb_impl_serial;
#if defined(__x86_64__)
extern const ccsp_sm3_mb_impl ccsp_sm3_mb_impl_avx2;   /* needs AVX2 */
extern const ccsp_sm3_mb_impl ccsp_sm3_mb_impl_avx512; /* 2 x 16 lanes; needs AVX512F and AVX512BW */
#endif

/* All implementations this CPU supports (CPUID, decided once), serial first, then narrowest to widest,
 * NULL-terminated; for tests and bench. */
const ccsp_sm3_mb_impl *const *ccsp_sm3_mb_impl_list(void);
/* The fastest vector one as timed at first use (serial when there is none): the one ccsp_sm3_digest_many uses. */
const ccsp_sm3_mb_impl *ccsp_sm3_mb_impl_best(void);

/*
 * out[i] = SM3(msgs[i], lens[i]) for i < n, with ccsp_sm3_mb_impl_best(), or message by message when the batch
 * fills too few of its lanes to pay off (sm3_mb.c, MB_MIN_FILL). msgs[i] may be NULL when lens[i] is 0; msgs,
 * lens and out may be NULL when n is 0. out must not overlap any message. Thread-safe (no shared state).
 * Returns CCSP_ERR_MODULE_STATE in the error state, CCSP_ERR_ARG for a NULL pointer, CCSP_ERR_DATA_LENGTH for a
 * message of 2^61 bytes or more; out is then untouched.
 */
CCSP_MUST_CHECK ccsp_err ccsp_sm3_digest_many(const uint8_t *const msgs[], const size_t lens[], size_t n,
                                              uint8_t (*out)[CCSP_SM3_DIGEST_SIZE]);
/* The same with a given implementation from ccsp_sm3_mb_impl_list() (self-test, tests, bench). */
CCSP_MUST_CHECK ccsp_err ccsp_sm3_digest_many_impl(const ccsp_sm3_mb_impl *impl, const uint8_t *const msgs[],
                                                   const size_t lens[], size_t n, uint8_t (*out)[CCSP_SM3_DIGEST_SIZE]);

#endif

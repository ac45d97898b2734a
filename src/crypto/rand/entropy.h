/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: the entropy source of the DRBG. getrandom() (blocking until the kernel pool is
 * initialised, never a weaker fallback), with the SP 800-90B 4.4 continuous health tests on every
 * byte drawn: the repetition count test and the adaptive proportion test. Health-test state is
 * per thread, so no lock is held across fork().
 */
#ifndef CCSP_RAND_ENTROPY_H
#define CCSP_RAND_ENTROPY_H

#include <ccsp/error.h>

/* SP 800-90B 4.4 cut-offs for H = 8 bits/byte (getrandom output is assessed as full entropy) and a
 * false-alarm probability alpha = 2^-40 per sample, the low end of the range 4.4 allows: a false
 * alarm disables the module for good, so it has to be practically impossible.
 * tests/vectors/sm3_drbg_ref.py recomputes both values. */
#define CCSP_ENTROPY_RCT_CUTOFF 6    /* 4.4.1: 1 + ceil(40 / 8) */
#define CCSP_ENTROPY_APT_WINDOW 512  /* 4.4.2: W for non-binary sources */
#define CCSP_ENTROPY_APT_CUTOFF 19   /* 4.4.2: 1 + CRITBINOM(512, 2^-8, 1 - 2^-40) */

/* Fill buf with len bytes from the entropy source and run the health tests on them.
 * CCSP_ERR_RNG (buf zeroed) when the source fails; when a health test fails the module also enters
 * the error state. */
ccsp_err ccsp_entropy_get(uint8_t *buf, size_t len);

/* SP 800-90B 4.3 start-up test: 1024 consecutive samples through the health tests, discarded. */
ccsp_err ccsp_entropy_startup_test(void);

/* Wipe the calling thread's health-test state (it holds the last samples seen). */
void ccsp_entropy_thread_wipe(void);

/* Test hook, never exported: replace the source (NULL restores getrandom) and reset the calling
 * thread's health-test state so that a test controls every sample the tests see. */
typedef ccsp_err (*ccsp_entropy_source_fn)(uint8_t *buf, size_t len);
void ccsp_entropy_set_source_for_testing(ccsp_entropy_source_fn fn);

#endif

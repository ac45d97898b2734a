/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: dispatch by measurement (issue 11). CPUID says what a CPU can run, not what runs fastest on it: on AMD
 * Zen 5 the AVX2 SM3 path is slower than the portable one, and the AES-NI one-block SM4 kernel slower than the
 * GFNI one. Dispatchers that have more than one fast path time their candidates once, at first use, with this.
 */
#ifndef CCSP_DISPATCH_PROBE_H
#define CCSP_DISPATCH_PROBE_H

#include <stddef.h>

/* One timed run of candidate i on a fixed public workload (no secret: its timing reveals nothing). */
typedef void (*ccsp_probe_fn)(size_t i, void *arg);

/*
 * The index of the fastest of candidates 0..n-1, listed simplest first: each is run `rounds` times, interleaved
 * with the others so that a burst of noise hits all alike, and keeps its best time; a candidate replaces the
 * current pick only when faster by more than margin_pct percent. n >= 1; 0 when n == 1 (nothing is run).
 */
size_t ccsp_probe_fastest(size_t n, ccsp_probe_fn run, void *arg, int rounds, int margin_pct);

#endif

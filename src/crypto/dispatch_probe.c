/* SPDX-License-Identifier: Apache-2.0 */
/* Timing probe shared by the dispatchers (dispatch_probe.h). */
#include "dispatch_probe.h"

#include <stdint.h>
#include <time.h>

#define PROBE_MAX 8 /* candidates per probe */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

size_t ccsp_probe_fastest(size_t n, ccsp_probe_fn run, void *arg, int rounds, int margin_pct)
{
	uint64_t best_ns[PROBE_MAX];
	size_t pick = 0;

	if (n > PROBE_MAX)
		n = PROBE_MAX;
	if (n <= 1)
		return 0;
	for (size_t i = 0; i < n; i++)
		best_ns[i] = UINT64_MAX;
	for (int r = 0; r < rounds; r++)
		for (size_t i = 0; i < n; i++) {
			uint64_t t0 = now_ns();
			run(i, arg);
			uint64_t t = now_ns() - t0;
			best_ns[i] = t < best_ns[i] ? t : best_ns[i];
		}
	for (size_t i = 1; i < n; i++)
		if (best_ns[i] * (uint64_t)(100 + margin_pct) < best_ns[pick] * 100)
			pick = i;
	return pick;
}

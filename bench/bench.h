/* SPDX-License-Identifier: Apache-2.0 */
/* ccsp-bench: shared harness. One family per file (bench_sm3.c, ...), each registering results. */
#ifndef CCSP_BENCH_H
#define CCSP_BENCH_H

#include <stddef.h>

/* One timed operation: returns 0, or non-zero when the library reported an error. */
typedef int (*bench_fn)(void *arg);

/*
 * Run fn repeatedly for the configured wall time, three times; record the best rate as
 * units_per_call * calls / second under (op, impl, unit). A failing call records "n/a".
 */
void bench_measure(const char *op, const char *impl, const char *unit, double units_per_call, bench_fn fn,
                   void *arg);
/* Record that (op, impl) cannot be measured (e.g. OpenSSL lacks the algorithm). */
void bench_na(const char *op, const char *impl, const char *unit);
/* Record a figure the family computed itself (value < 0: n/a). */
void bench_value(const char *op, const char *impl, const char *unit, double value);

/* Each family measures ccsp and OpenSSL side by side. */
void bench_sm3(void);
void bench_sm4(void);
void bench_sm2(void);
/* TLCP: handshakes and records (no OpenSSL counterpart: n/a). */
void bench_tlcp(void);

#define BENCH_MB (1024.0 * 1024.0)

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccsp-bench: ccsp against OpenSSL on one pinned core. Each measurement runs for a fixed wall time
 * (--seconds, default 0.5) three times and keeps the best. Output: a table with the ccsp/OpenSSL
 * ratio, or --json: [{"op","impl","value","unit"}, ...] (value null when not measurable).
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ccsp/selftest.h>

#include "bench.h"

#define MAX_RESULTS 256

typedef struct bench_result {
	const char *op;
	char impl[48];
	const char *unit;
	double value; /* < 0: n/a */
} bench_result;

typedef struct bench_family {
	const char *name;
	void (*run)(void);
} bench_family;

static const bench_family families[] = {
	{"sm3", bench_sm3},
	{"sm4", bench_sm4},
	{"sm2", bench_sm2},
	{"tlcp", bench_tlcp},
};

static bench_result results[MAX_RESULTS];
static size_t nresults;
static double seconds = 0.5;
static int quiet; /* --json: no progress lines */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void record(const char *op, const char *impl, const char *unit, double value)
{
	if (nresults == MAX_RESULTS)
		return;
	bench_result *r = &results[nresults++];
	r->op = op;
	snprintf(r->impl, sizeof r->impl, "%s", impl);
	r->unit = unit;
	r->value = value;
	if (!quiet)
		fprintf(stderr, "  %-12s %-20s %s\n", op, impl, value < 0 ? "n/a" : "done");
}

void bench_na(const char *op, const char *impl, const char *unit)
{
	record(op, impl, unit, -1);
}

void bench_value(const char *op, const char *impl, const char *unit, double value)
{
	record(op, impl, unit, value < 0 ? -1 : value);
}

void bench_measure(const char *op, const char *impl, const char *unit, double units_per_call, bench_fn fn,
                   void *arg)
{
	double best = 0;
	for (int trial = 0; trial < 3; trial++) {
		unsigned long calls = 0;
		double start = now(), elapsed;
		do {
			if (fn(arg) != 0) {
				fprintf(stderr, "ccsp-bench: %s/%s failed\n", op, impl);
				bench_na(op, impl, unit);
				return;
			}
			calls++;
			elapsed = now() - start;
		} while (elapsed < seconds);
		double rate = units_per_call * (double)calls / elapsed;
		if (rate > best)
			best = rate;
	}
	record(op, impl, unit, best);
}

static const bench_result *find_openssl(const char *op)
{
	for (size_t i = 0; i < nresults; i++)
		if (strcmp(results[i].op, op) == 0 && strcmp(results[i].impl, "openssl") == 0)
			return &results[i];
	return NULL;
}

static void print_table(void)
{
	printf("%-12s %-20s %14s %-6s %s\n", "op", "impl", "value", "unit", "ccsp/openssl");
	for (size_t i = 0; i < nresults; i++) {
		const bench_result *r = &results[i];
		const bench_result *o = find_openssl(r->op);
		char value[32] = "n/a", ratio[32] = "";
		if (r->value >= 0)
			snprintf(value, sizeof value, "%.1f", r->value);
		if (r != o && r->value >= 0 && o != NULL && o->value > 0)
			snprintf(ratio, sizeof ratio, "%.2f", r->value / o->value);
		printf("%-12s %-20s %14s %-6s %s\n", r->op, r->impl, value, r->unit, ratio);
	}
}

static void print_json(void)
{
	printf("[\n");
	for (size_t i = 0; i < nresults; i++) {
		const bench_result *r = &results[i];
		char value[32] = "null";
		if (r->value >= 0)
			snprintf(value, sizeof value, "%.3f", r->value);
		printf("  {\"op\": \"%s\", \"impl\": \"%s\", \"value\": %s, \"unit\": \"%s\"}%s\n", r->op, r->impl, value,
		       r->unit, i + 1 < nresults ? "," : "");
	}
	printf("]\n");
}

/* Keep the whole run on the CPU it started on, so that every number comes from one core. */
static int pin_to_one_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set) != 0) {
		perror("ccsp-bench: sched_setaffinity");
		return -1;
	}
	return cpu < 0 ? 0 : cpu;
}

static const bench_family *find_family(const char *name, size_t len)
{
	for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
		if (strlen(families[f].name) == len && strncmp(families[f].name, name, len) == 0)
			return &families[f];
	return NULL;
}

/* Whether the comma-separated list (NULL: everything) names family f; unknown names are an error. */
static int family_selected(const char *list, const bench_family *f, int *unknown)
{
	int hit = list == NULL;
	for (const char *p = list; p != NULL; p = p[strcspn(p, ",")] == ',' ? p + strcspn(p, ",") + 1 : NULL) {
		const bench_family *g = find_family(p, strcspn(p, ","));
		if (g == NULL)
			*unknown = 1;
		hit |= g == f;
	}
	return hit;
}

static int usage(void)
{
	fprintf(stderr, "usage: ccsp-bench [--seconds S] [--json] [--only sm3,sm4,sm2,tlcp]\n");
	return 2;
}

static int parse_args(int argc, char **argv, int *json, const char **only)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			*json = 1;
		} else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
			char *end;
			seconds = strtod(argv[++i], &end);
			if (*end != '\0' || !(seconds > 0 && seconds <= 60))
				return -1;
		} else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
			*only = argv[++i];
		} else {
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	int json = 0;
	const char *only = NULL;
	if (parse_args(argc, argv, &json, &only) != 0)
		return usage();
	int unknown = 0;
	int selected[sizeof families / sizeof families[0]];
	for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
		selected[f] = family_selected(only, &families[f], &unknown);
	if (unknown) {
		fprintf(stderr, "ccsp-bench: unknown family in --only '%s'\n", only);
		return usage();
	}
	quiet = json;
	int cpu = pin_to_one_cpu();
	if (cpu < 0)
		return 1;
	/* Power-on self-tests now, outside any measurement. */
	if (ccsp_selftest(NULL, NULL) != CCSP_OK) {
		fprintf(stderr, "ccsp-bench: self-test failed\n");
		return 1;
	}
	if (!quiet)
		fprintf(stderr, "ccsp-bench: ccsp %s, pinned to CPU %d, %.2f s per run, best of 3\n", ccsp_version(), cpu,
		        seconds);
	for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
		if (selected[f])
			families[f].run();
	if (json)
		print_json();
	else
		print_table();
	return 0;
}

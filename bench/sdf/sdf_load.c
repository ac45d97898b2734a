/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sdf-load: a load generator for a VSM, through libsdf exactly as an application uses it. N threads, each
 * with its own session, issue calls back to back for a fixed time, so N requests are in flight at once
 * (carried pipelined over libsdf's connection pool). Reports ops/s, p50 and p99 latency, for bulk
 * operations the data rate, and the client's own CPU time and context switches per call over the measured
 * window (the transport's overhead: compare them with the server's, which bench-sdf.sh reads from /proc).
 *
 *   sdf-load --op sign|sign-kek|verify|sm3-1m|sm4-cbc-64k|sm4-ctr-64k|sm4-gcm-64k [--concurrency N]
 *            [--seconds S] [--password PW] [--index I] [--wraps W] [--json]
 * The config comes from $CCSP_SDF_CONF; the key pair at --index (default 1) and the KEK at the same index
 * must exist, the access password is --password (default $SDF_BENCH_PASSWORD). sign-kek signs with signing-pair
 * wraps under that KEK (SDF_SignWithKEK_ECC, the KMS's path): W of them (default one per thread), made before the
 * clock starts; with W below N threads share them, with W above each thread takes its own in turn.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <ccsp/sdf.h>

#define MAX_THREADS 1024
#define MAX_SAMPLES 100000 /* latency samples kept per thread */

typedef enum { OP_SIGN, OP_SIGN_KEK, OP_VERIFY, OP_SM3, OP_SM4_CBC, OP_SM4_CTR, OP_SM4_GCM } op_kind;

static const struct {
	const char *name;
	op_kind kind;
	size_t bytes; /* data per call (bulk ops) */
} ops[] = {
	{"sign", OP_SIGN, 0},
	{"sign-kek", OP_SIGN_KEK, 0},
	{"verify", OP_VERIFY, 0},
	{"sm3-1m", OP_SM3, 1u << 20},
	{"sm4-cbc-64k", OP_SM4_CBC, 64u << 10},
	{"sm4-ctr-64k", OP_SM4_CTR, 64u << 10},
	{"sm4-gcm-64k", OP_SM4_GCM, 64u << 10},
};

typedef struct worker {
	pthread_t thread;
	HANDLE session;
	HANDLE key;
	ECCrefPublicKey pub;
	ECCSignature sig;
	BYTE e[32];
	unsigned wrap;  /* sign-kek: the wrap of the next call */
	BYTE *in, *out;
	double *lat; /* seconds */
	size_t nlat;
	unsigned long count;
	LONG error;
} worker;

static HANDLE device;
static int op_index = -1;
static unsigned concurrency = 100;
static double seconds = 3;
static ULONG key_index = 1;
static const char *password;
static unsigned nwraps;           /* sign-kek: 0 until set, then the number of wraps */
static BYTE (*wraps)[SDF_WRAPPED_ECC_KEY_MAX];
static ULONG wrap_len;
static atomic_int stop;
static pthread_barrier_t start; /* every thread ready, then the clock starts: no polling while threads are made */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static LONG prepare(worker *w)
{
	size_t bytes = ops[op_index].bytes;
	ULONG wl;
	BYTE wrapped[32];
	LONG rv = SDF_OpenSession(device, &w->session);
	if (rv == SDR_OK)
		rv = SDF_GetPrivateKeyAccessRight(w->session, key_index, (BYTE *)password, (ULONG)strlen(password));
	if (rv == SDR_OK)
		rv = SDF_ExportSignPublicKey_ECC(w->session, key_index, &w->pub);
	memset(w->e, 0x5c, sizeof w->e);
	if (rv == SDR_OK)
		rv = SDF_InternalSign_ECC(w->session, key_index, w->e, 32, &w->sig);
	if (rv == SDR_OK && bytes > 0)
		rv = SDF_GenerateKeyWithKEK(w->session, 128, SGD_SM4_ECB, key_index, wrapped, &wl, &w->key);
	w->in = calloc(1, bytes + 16);
	w->out = calloc(1, bytes + 16);
	w->lat = malloc(MAX_SAMPLES * sizeof *w->lat);
	if (w->in == NULL || w->out == NULL || w->lat == NULL)
		rv = SDR_NOBUFFER;
	return rv;
}

static LONG one_call(worker *w)
{
	BYTE iv[16] = {1}, tag[16];
	ULONG outlen, taglen;
	ULONG n = (ULONG)ops[op_index].bytes;
	switch (ops[op_index].kind) {
	case OP_SIGN:
		return SDF_InternalSign_ECC(w->session, key_index, w->e, 32, &w->sig);
	case OP_SIGN_KEK: {
		LONG rv = SDF_SignWithKEK_ECC(w->session, key_index, wraps[w->wrap], wrap_len, w->e, 32, &w->sig);
		if (nwraps > concurrency) /* this thread's wraps: its number, then every concurrency-th */
			w->wrap = w->wrap + concurrency < nwraps ? w->wrap + concurrency : w->wrap % concurrency;
		return rv;
	}
	case OP_VERIFY:
		return SDF_ExternalVerify_ECC(w->session, SGD_SM2_1, &w->pub, w->e, 32, &w->sig);
	case OP_SM3: {
		LONG rv = SDF_HashInit(w->session, SGD_SM3, NULL, NULL, 0);
		if (rv == SDR_OK)
			rv = SDF_HashUpdate(w->session, w->in, n);
		return rv == SDR_OK ? SDF_HashFinal(w->session, w->out, &outlen) : rv;
	}
	case OP_SM4_CBC:
		return SDF_Encrypt(w->session, w->key, SGD_SM4_CBC, iv, w->in, n, w->out, &outlen);
	case OP_SM4_CTR:
		return SDF_Encrypt(w->session, w->key, SGD_SM4_CTR, iv, w->in, n, w->out, &outlen);
	case OP_SM4_GCM:
		return SDF_AuthEnc(w->session, w->key, SGD_SM4_GCM, iv, 12, NULL, 0, w->in, n, w->out, &outlen, tag,
		                   &taglen);
	}
	return SDR_NOTSUPPORT;
}

static void *run(void *arg)
{
	worker *w = arg;
	pthread_barrier_wait(&start);
	while (!atomic_load(&stop)) {
		double t0 = now();
		LONG rv = one_call(w);
		double dt = now() - t0;
		if (rv != SDR_OK) {
			w->error = rv;
			break;
		}
		w->count++;
		if (w->nlat < MAX_SAMPLES)
			w->lat[w->nlat++] = dt;
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int usage(void)
{
	fprintf(stderr, "usage: sdf-load --op sign|sign-kek|verify|sm3-1m|sm4-cbc-64k|sm4-ctr-64k|sm4-gcm-64k "
	                "[--concurrency N] [--seconds S] [--password PW] [--index I] [--wraps W] [--json]\n");
	return 2;
}

static int parse_args(int argc, char **argv, int *json)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--json") == 0) {
			*json = 1;
			continue;
		}
		if (v == NULL)
			return -1;
		i++;
		if (strcmp(a, "--op") == 0) {
			for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
				if (strcmp(v, ops[k].name) == 0)
					op_index = (int)k;
		} else if (strcmp(a, "--concurrency") == 0) {
			concurrency = (unsigned)strtoul(v, NULL, 10);
		} else if (strcmp(a, "--seconds") == 0) {
			seconds = strtod(v, NULL);
		} else if (strcmp(a, "--password") == 0) {
			password = v;
		} else if (strcmp(a, "--index") == 0) {
			key_index = (ULONG)strtoul(v, NULL, 10);
		} else if (strcmp(a, "--wraps") == 0) {
			nwraps = (unsigned)strtoul(v, NULL, 10);
		} else {
			return -1;
		}
	}
	if (password == NULL)
		password = getenv("SDF_BENCH_PASSWORD");
	return op_index < 0 || concurrency < 1 || concurrency > MAX_THREADS || !(seconds > 0) || password == NULL ? -1 : 0;
}

/* The client's own cost over the measured window: CPU time and context switches of the whole process. */
typedef struct cost {
	double cpu_s;
	long switches;
} cost;

/* sign-kek: nwraps signing-pair wraps under the KEK at key_index, made with the first worker's session. */
static LONG make_wraps(worker *w)
{
	ECCrefPublicKey pub;
	LONG rv = SDR_OK;
	if (nwraps == 0)
		nwraps = concurrency;
	wraps = calloc(nwraps, sizeof *wraps);
	if (wraps == NULL)
		return SDR_NOBUFFER;
	for (unsigned i = 0; rv == SDR_OK && i < nwraps; i++) {
		wrap_len = SDF_WRAPPED_ECC_KEY_MAX;
		rv = SDF_GenerateKeyPairWithKEK_ECC(w[0].session, SGD_SM2_1, key_index, &pub, wraps[i], &wrap_len);
	}
	for (unsigned i = 0; i < concurrency; i++)
		w[i].wrap = i % nwraps;
	return rv;
}

static cost cost_now(void)
{
	struct rusage ru;
	cost c = {0, 0};
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		c.cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
		          (double)ru.ru_stime.tv_usec / 1e6;
		c.switches = ru.ru_nvcsw + ru.ru_nivcsw;
	}
	return c;
}

static void report(worker *w, double elapsed, cost used, int json)
{
	unsigned long total = 0;
	size_t nlat = 0;
	for (unsigned i = 0; i < concurrency; i++) {
		total += w[i].count;
		nlat += w[i].nlat;
	}
	double *all = malloc((nlat + 1) * sizeof *all);
	size_t k = 0;
	for (unsigned i = 0; all != NULL && i < concurrency; i++)
		for (size_t j = 0; j < w[i].nlat; j++)
			all[k++] = w[i].lat[j];
	if (all != NULL)
		qsort(all, k, sizeof *all, cmp_double);
	double p50 = k ? all[k / 2] * 1e3 : 0, p99 = k ? all[k * 99 / 100] * 1e3 : 0;
	double rate = (double)total / elapsed;
	double gbit = (double)ops[op_index].bytes * 8 * rate / 1e9;
	double n = total > 0 ? (double)total : 1;
	double cpu_us = used.cpu_s * 1e6 / n, cs = (double)used.switches / n;
	if (json)
		printf("{\"op\": \"%s\", \"concurrency\": %u, \"ops\": %lu, \"ops_per_s\": %.0f, \"gbit_per_s\": %.3f, "
		       "\"p50_ms\": %.3f, \"p99_ms\": %.3f, \"client_cpu_us_per_op\": %.1f, "
		       "\"client_switches_per_op\": %.2f}\n",
		       ops[op_index].name, concurrency, total, rate, gbit, p50, p99, cpu_us, cs);
	else
		printf("%-12s %4u in flight  %9.0f ops/s  %7.2f Gbit/s  p50 %7.3f ms  p99 %7.3f ms  "
		       "client %6.1f us CPU %5.2f switches /op\n",
		       ops[op_index].name, concurrency, rate, gbit, p50, p99, cpu_us, cs);
	free(all);
}

int main(int argc, char **argv)
{
	int json = 0, rc = 1;
	/* The application's side of bulk calls: libsdf allocates each call's frame and answer, and glibc's defaults
	 * would map fresh zeroed pages for them on every call; an application doing bulk SDF calls tunes its heap as
	 * vsmd does (docs/sdf.md, "Bulk calls"). */
	(void)mallopt(M_MMAP_THRESHOLD, 4 << 20);
	(void)mallopt(M_TRIM_THRESHOLD, 64 << 20);
	if (parse_args(argc, argv, &json) != 0)
		return usage();
	worker *w = calloc(concurrency, sizeof *w);
	LONG rv = w == NULL ? SDR_NOBUFFER : SDF_OpenDevice(&device);
	for (unsigned i = 0; rv == SDR_OK && i < concurrency; i++)
		rv = prepare(&w[i]);
	if (rv == SDR_OK && ops[op_index].kind == OP_SIGN_KEK)
		rv = make_wraps(w);
	if (rv != SDR_OK) {
		fprintf(stderr, "sdf-load: setup failed: 0x%08X\n", (unsigned)rv);
		goto out;
	}
	if (pthread_barrier_init(&start, NULL, concurrency + 1) != 0) {
		fprintf(stderr, "sdf-load: cannot create a barrier\n");
		goto out;
	}
	for (unsigned i = 0; i < concurrency; i++)
		if (pthread_create(&w[i].thread, NULL, run, &w[i]) != 0) {
			fprintf(stderr, "sdf-load: cannot create thread %u\n", i);
			exit(1); /* the others wait at the barrier */
		}
	pthread_barrier_wait(&start);
	double t0 = now();
	cost c0 = cost_now();
	usleep((useconds_t)(seconds * 1e6));
	atomic_store(&stop, 1);
	for (unsigned i = 0; i < concurrency; i++)
		pthread_join(w[i].thread, NULL);
	double elapsed = now() - t0;
	cost c1 = cost_now(), used = {c1.cpu_s - c0.cpu_s, c1.switches - c0.switches};
	pthread_barrier_destroy(&start);
	rc = 0;
	for (unsigned i = 0; i < concurrency; i++)
		if (w[i].error != SDR_OK) {
			fprintf(stderr, "sdf-load: a call failed: 0x%08X\n", (unsigned)w[i].error);
			rc = 1;
			break;
		}
	if (rc == 0)
		report(w, elapsed, used, json);
out:
	for (unsigned i = 0; w != NULL && i < concurrency; i++) {
		if (w[i].session != NULL)
			SDF_CloseSession(w[i].session);
		free(w[i].in);
		free(w[i].out);
		free(w[i].lat);
	}
	free(w);
	free(wraps);
	if (device != NULL)
		SDF_CloseDevice(device);
	return rc;
}

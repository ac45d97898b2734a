/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccsp_random(): one SM3 Hash_DRBG instance per thread, so the hot path takes no lock. Instances
 * live in locked, non-dumpable memory and are wiped at thread exit by a pthread key destructor.
 *
 * Fork safety: a child must never continue the parent's state (both would emit the same bytes).
 * Two independent signals force a fresh instantiation: a pthread_atfork child handler bumps a
 * generation counter (any fork() through libc), and the pid stored in the instance is compared with
 * getpid() on every call (raw clone() without the atfork handlers).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>

#include "entropy.h"
#include "module.h"

#define SEED_ENTROPY 48 /* 384 bits: security strength 256 plus margin */
#define SEED_NONCE 16

typedef struct rand_instance {
	ccsp_sm3_drbg drbg;
	pid_t pid;
	uint64_t fork_generation;
} rand_instance;

/* Personalization string (SP 800-90A 8.7.1): distinguishes instances even if entropy repeated. */
typedef struct rand_pers {
	uint64_t pid;
	uint64_t tid;
	uint64_t realtime_ns;
	uint64_t monotonic_ns;
	uint64_t instance_addr;
	char label[16];
} rand_pers;

static pthread_once_t rand_once = PTHREAD_ONCE_INIT;
static pthread_key_t instance_key;
static int rand_init_ok;
static _Atomic uint64_t fork_generation;
static _Thread_local int prediction_resistance;

static void instance_destroy(void *p)
{
	rand_instance *r = p;
	ccsp_sm3_drbg_uninstantiate(&r->drbg);
	ccsp_secure_free(r);
	ccsp_entropy_thread_wipe();
}

static void on_fork_child(void)
{
	atomic_fetch_add(&fork_generation, 1);
}

static void rand_init(void)
{
	if (pthread_key_create(&instance_key, instance_destroy) != 0)
		return;
	if (pthread_atfork(NULL, NULL, on_fork_child) != 0)
		return;
	rand_init_ok = 1;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts = {0, 0};
	(void)clock_gettime(id, &ts); /* only diversifies the personalization string */
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static ccsp_err instance_seed(rand_instance *r, pid_t pid, uint64_t generation)
{
	uint8_t seed[SEED_ENTROPY + SEED_NONCE];
	rand_pers pers;
	ccsp_err ret;

	memset(&pers, 0, sizeof pers);
	pers.pid = (uint64_t)pid;
	pers.tid = (uint64_t)gettid();
	pers.realtime_ns = clock_ns(CLOCK_REALTIME);
	pers.monotonic_ns = clock_ns(CLOCK_MONOTONIC);
	pers.instance_addr = (uint64_t)(uintptr_t)r;
	memcpy(pers.label, "ccsp_random", sizeof "ccsp_random");

	ccsp_sm3_drbg_uninstantiate(&r->drbg);
	CCSP_CHECK(ccsp_entropy_get(seed, sizeof seed));
	CCSP_CHECK(ccsp_sm3_drbg_instantiate(&r->drbg, seed, SEED_ENTROPY, seed + SEED_ENTROPY, SEED_NONCE,
	                                     (const uint8_t *)&pers, sizeof pers));
	r->pid = pid;
	r->fork_generation = generation;
out:
	ccsp_memzero(seed, sizeof seed);
	ccsp_memzero(&pers, sizeof pers);
	return ret;
}

static ccsp_err instance_reseed(rand_instance *r)
{
	uint8_t entropy[SEED_ENTROPY];
	ccsp_err ret;
	CCSP_CHECK(ccsp_entropy_get(entropy, sizeof entropy));
	CCSP_CHECK(ccsp_sm3_drbg_reseed(&r->drbg, entropy, sizeof entropy, NULL, 0));
out:
	ccsp_memzero(entropy, sizeof entropy);
	return ret;
}

/* The calling thread's instance, created on first use and re-created in a forked child. */
static ccsp_err instance_get(rand_instance **out)
{
	pthread_once(&rand_once, rand_init);
	CCSP_ENSURE(rand_init_ok, CCSP_ERR_INTERNAL);

	rand_instance *r = pthread_getspecific(instance_key);
	if (r == NULL) {
		r = ccsp_secure_alloc(sizeof *r);
		CCSP_ENSURE(r != NULL, CCSP_ERR_NOMEM);
		if (pthread_setspecific(instance_key, r) != 0) {
			ccsp_secure_free(r);
			return CCSP_ERR_NOMEM;
		}
	}
	pid_t pid = getpid();
	uint64_t generation = atomic_load(&fork_generation);
	if (!r->drbg.instantiated || r->pid != pid || r->fork_generation != generation)
		CCSP_GUARD(instance_seed(r, pid, generation));
	*out = r;
	return CCSP_OK;
}

static ccsp_err generate_block(rand_instance *r, uint8_t *out, size_t n)
{
	ccsp_err ret = ccsp_sm3_drbg_generate(&r->drbg, out, n, NULL, 0);
	if (ret != CCSP_ERR_RESEED_REQUIRED)
		return ret;
	CCSP_GUARD(instance_reseed(r));
	return ccsp_sm3_drbg_generate(&r->drbg, out, n, NULL, 0);
}

ccsp_err ccsp_random(void *buf, size_t len)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(buf != NULL || len == 0, CCSP_ERR_ARG);
	if (len == 0)
		return CCSP_OK;

	uint8_t *p = buf;
	rand_instance *r;
	ccsp_err ret;
	CCSP_CHECK(instance_get(&r));
	if (prediction_resistance)
		CCSP_CHECK(instance_reseed(r));
	/* GM/T 0105: at most 32 bytes per generate, so longer requests loop. */
	for (size_t done = 0; done < len;) {
		size_t n = len - done < CCSP_SM3_DRBG_MAX_REQUEST ? len - done : CCSP_SM3_DRBG_MAX_REQUEST;
		CCSP_CHECK(generate_block(r, p + done, n));
		done += n;
	}
out:
	if (ret != CCSP_OK)
		ccsp_memzero(buf, len);
	return ret;
}

void ccsp_random_set_prediction_resistance(int on)
{
	prediction_resistance = on != 0;
}

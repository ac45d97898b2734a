/* SPDX-License-Identifier: Apache-2.0 */
/* Operations per second of a VSM per algorithm family (stats.h). */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "common/atomic_file.h"
#include "sdf/sdf_ops.h"
#include "vsm/vsm_keystore.h"
#include "vsmd/stats.h"

#define FAMILIES 3
#define WRITE_EVERY_S 5

static _Atomic uint64_t counts[FAMILIES];

static struct {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int running, stop;
	char path[PATH_MAX];
	uint64_t last[FAMILIES], max[FAMILIES];
	struct timespec start;
	ccsp_vsm *vsm;
} st = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

vsmd_family vsmd_stats_family(uint16_t opcode)
{
	switch (opcode) {
	case CCSP_SDF_OP_GENERATE_KEY_WITH_IPK:
	case CCSP_SDF_OP_GENERATE_KEY_WITH_EPK:
	case CCSP_SDF_OP_IMPORT_KEY_WITH_ISK:
	case CCSP_SDF_OP_AGREEMENT_DATA:
	case CCSP_SDF_OP_AGREEMENT_KEY:
	case CCSP_SDF_OP_AGREEMENT_DATA_AND_KEY:
	case CCSP_SDF_OP_EXCHANGE_ENVELOPE_ECC:
	case CCSP_SDF_OP_EXTERNAL_VERIFY:
	case CCSP_SDF_OP_INTERNAL_SIGN:
	case CCSP_SDF_OP_INTERNAL_VERIFY:
	case CCSP_SDF_OP_EXTERNAL_ENCRYPT:
	case CCSP_SDF_OP_INTERNAL_ENCRYPT:
	case CCSP_SDF_OP_INTERNAL_DECRYPT:
	case CCSP_SDF_OP_GENERATE_KEY_PAIR:
	case CCSP_SDF_OP_EXTERNAL_SIGN:
	case CCSP_SDF_OP_EXTERNAL_DECRYPT:
	case CCSP_SDF_OP_GENERATE_KEY_PAIR_WITH_KEK:
	case CCSP_SDF_OP_SIGN_WITH_KEK:
	case CCSP_SDF_OP_DECRYPT_WITH_KEK:
	case CCSP_SDF_OP_IMPORT_KEY_WITH_WRAPPED_KEY:
	case CCSP_SDF_OP_EXPORT_KEY_WITH_KEK:
	case CCSP_SDF_OP_BACKUP_KEY_WITH_KEK:
	case CCSP_SDF_OP_RECOVER_KEY_WITH_WRAPPED_KEY:
		return VSMD_FAMILY_SM2;
	case CCSP_SDF_OP_HASH_INIT:
	case CCSP_SDF_OP_HASH_UPDATE:
	case CCSP_SDF_OP_HASH_FINAL:
	case CCSP_SDF_OP_HMAC_INIT:
	case CCSP_SDF_OP_HMAC_UPDATE:
	case CCSP_SDF_OP_HMAC_FINAL:
	case CCSP_SDF_OP_EXTERNAL_KEY_HMAC_INIT:
		return VSMD_FAMILY_SM3;
	case CCSP_SDF_OP_GENERATE_KEY_WITH_KEK:
	case CCSP_SDF_OP_IMPORT_KEY_WITH_KEK:
	case CCSP_SDF_OP_ENCRYPT:
	case CCSP_SDF_OP_DECRYPT:
	case CCSP_SDF_OP_CALCULATE_MAC:
	case CCSP_SDF_OP_AUTH_ENC:
	case CCSP_SDF_OP_AUTH_DEC:
	case CCSP_SDF_OP_ENCRYPT_INIT:
	case CCSP_SDF_OP_ENCRYPT_UPDATE:
	case CCSP_SDF_OP_ENCRYPT_FINAL:
	case CCSP_SDF_OP_DECRYPT_INIT:
	case CCSP_SDF_OP_DECRYPT_UPDATE:
	case CCSP_SDF_OP_DECRYPT_FINAL:
	case CCSP_SDF_OP_MAC_INIT:
	case CCSP_SDF_OP_MAC_UPDATE:
	case CCSP_SDF_OP_MAC_FINAL:
	case CCSP_SDF_OP_AUTH_ENC_INIT:
	case CCSP_SDF_OP_AUTH_ENC_UPDATE:
	case CCSP_SDF_OP_AUTH_ENC_FINAL:
	case CCSP_SDF_OP_AUTH_DEC_INIT:
	case CCSP_SDF_OP_AUTH_DEC_UPDATE:
	case CCSP_SDF_OP_AUTH_DEC_FINAL:
	case CCSP_SDF_OP_EXTERNAL_KEY_ENCRYPT:
	case CCSP_SDF_OP_EXTERNAL_KEY_DECRYPT:
	case CCSP_SDF_OP_EXTERNAL_KEY_ENCRYPT_INIT:
	case CCSP_SDF_OP_EXTERNAL_KEY_DECRYPT_INIT:
	case CCSP_SDF_OP_AUTH_ENC_WITH_KEK:
	case CCSP_SDF_OP_AUTH_DEC_WITH_KEK:
		return VSMD_FAMILY_SM4;
	default:
		return VSMD_FAMILY_NONE;
	}
}

void vsmd_stats_count(uint16_t opcode)
{
	vsmd_family f = vsmd_stats_family(opcode);
	if (f != VSMD_FAMILY_NONE)
		atomic_fetch_add_explicit(&counts[f], 1, memory_order_relaxed);
}

static uint64_t seconds_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - t0->tv_sec);
}

/* One sample: the counts of the last second update the maxima (mu held). */
static void sample(void)
{
	for (int f = 0; f < FAMILIES; f++) {
		uint64_t c = atomic_load_explicit(&counts[f], memory_order_relaxed);
		if (c - st.last[f] > st.max[f])
			st.max[f] = c - st.last[f];
		st.last[f] = c;
	}
}

static void write_file(void)
{
	static const char *const names[FAMILIES] = {"SM2", "SM3", "SM4"};
	char text[512];
	uint64_t up = seconds_since(&st.start);
	int n = snprintf(text, sizeof text, "{");
	for (int f = 0; f < FAMILIES; f++)
		n += snprintf(text + n, sizeof text - (size_t)n, "\"%s\":{\"max\":%llu,\"avg\":%llu},", names[f],
		              (unsigned long long)st.max[f], (unsigned long long)(up > 0 ? st.last[f] / up : st.last[f]));
	uint64_t hits, misses;
	ccsp_vsm_keystore *ks = ccsp_vsm_get_keystore(st.vsm);
	ccsp_vsm_keystore_kek_sign_counts(ks, &hits, &misses);
	n += snprintf(text + n, sizeof text - (size_t)n, "\"wrapCache\":{\"hits\":%llu,\"misses\":%llu,\"entries\":%zu},",
	              (unsigned long long)hits, (unsigned long long)misses, ccsp_vsm_keystore_kek_sign_cached(ks));
	n += snprintf(text + n, sizeof text - (size_t)n, "\"uptime\":%llu}\n", (unsigned long long)up);
	ccsp_err ret = ccsp_atomic_write(st.path, text, (size_t)n, 0600);
	(void)ret; /* statistics: a failed write is retried at the next period */
}

static void *run(void *arg)
{
	(void)arg;
	unsigned tick = 0;
	pthread_mutex_lock(&st.mu);
	while (!st.stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		if (pthread_cond_timedwait(&st.cv, &st.mu, &until) == 0 && st.stop)
			break;
		sample();
		if (++tick % WRITE_EVERY_S == 0)
			write_file();
	}
	sample();
	write_file();
	pthread_mutex_unlock(&st.mu);
	return NULL;
}

ccsp_err vsmd_stats_start(const char *dir, ccsp_vsm *vsm)
{
	if (st.running || snprintf(st.path, sizeof st.path, "%s/" VSMD_EPS_FILE, dir) >= (int)sizeof st.path)
		return CCSP_ERR_ARG;
	clock_gettime(CLOCK_MONOTONIC, &st.start);
	st.vsm = vsm;
	st.stop = 0;
	if (pthread_create(&st.thread, NULL, run, NULL) != 0)
		return CCSP_ERR_INTERNAL;
	st.running = 1;
	return CCSP_OK;
}

void vsmd_stats_stop(void)
{
	if (!st.running)
		return;
	pthread_mutex_lock(&st.mu);
	st.stop = 1;
	pthread_cond_signal(&st.cv);
	pthread_mutex_unlock(&st.mu);
	pthread_join(st.thread, NULL);
	st.running = 0;
}

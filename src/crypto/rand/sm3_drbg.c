/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SM3 Hash_DRBG in the GM/T 0105-2021 style: the Hash_DRBG of NIST SP 800-90A rev.1 10.1.1 with
 * SM3 and seedlen = 440 bits, plus the GM differences. The GM/T 0105 text itself was not available;
 * the differences are taken from emmansun/gmsm, NewGMHashDrbg / Reseed / Generate in
 * drbg/hash_drbg.go (commit 0342ada3) and docs/rand.md, as recorded in /work/shared/spec/formats.md
 * 7.1. No published GM/T 0105 test vectors were found; see drbg_selftest.c for where ours come from.
 *   instantiate  seed_material = entropy || nonce || personalization   (as SP 800-90A 10.1.1.2)
 *   reseed       seed_material = 0x01 || entropy || V || additional    (SP 800-90A: V before entropy)
 *   generate     returned_bits = leftmost(SM3(V)), at most 32 bytes    (instead of Hashgen)
 * Each call computes the new state in locals and commits it only when everything succeeded, so an
 * error leaves the instance as it was.
 */
#include <string.h>
#include <time.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>
#include <ccsp/sm3.h>

#include "module.h"

#define SEEDLEN CCSP_SM3_DRBG_SEEDLEN
#define MAX_PARTS 6

typedef struct hash_part {
	const uint8_t *p;
	size_t n;
} hash_part;

/* SM3 of the concatenation of parts. */
static ccsp_err sm3_parts(const hash_part *parts, size_t nparts, uint8_t digest[CCSP_SM3_DIGEST_SIZE])
{
	ccsp_sm3_ctx ctx;
	ccsp_err ret;
	CCSP_CHECK(ccsp_sm3_init(&ctx));
	for (size_t i = 0; i < nparts; i++)
		if (parts[i].n != 0)
			CCSP_CHECK(ccsp_sm3_update(&ctx, parts[i].p, parts[i].n));
	CCSP_CHECK(ccsp_sm3_final(&ctx, digest));
out:
	ccsp_memzero(&ctx, sizeof ctx);
	return ret;
}

/* SP 800-90A 10.3.1 Hash_df(input, 440): SM3(counter || 440 as 32-bit big endian || input) for
 * counter = 1, 2, truncated to 55 bytes. */
static ccsp_err hash_df(const hash_part *input, size_t ninput, uint8_t out[SEEDLEN])
{
	static const uint8_t no_of_bits[4] = {0, 0, (SEEDLEN * 8) >> 8, (SEEDLEN * 8) & 0xff};
	uint8_t tmp[2 * CCSP_SM3_DIGEST_SIZE];
	uint8_t counter;
	hash_part parts[MAX_PARTS + 2] = {{&counter, 1}, {no_of_bits, sizeof no_of_bits}};
	ccsp_err ret = CCSP_OK;

	for (size_t i = 0; i < ninput; i++)
		parts[2 + i] = input[i];
	for (counter = 1; counter <= 2; counter++)
		CCSP_CHECK(sm3_parts(parts, 2 + ninput, tmp + (counter - 1) * CCSP_SM3_DIGEST_SIZE));
	memcpy(out, tmp, SEEDLEN);
out:
	ccsp_memzero(tmp, sizeof tmp);
	return ret;
}

/* v = v + x mod 2^440, x big endian and right-aligned (xlen <= 55). Fixed loop, no data branches. */
static void add_mod_seedlen(uint8_t v[SEEDLEN], const uint8_t *x, size_t xlen)
{
	unsigned carry = 0;
	for (size_t i = 0; i < SEEDLEN; i++) {
		size_t k = SEEDLEN - 1 - i;
		unsigned xi = i < xlen ? x[xlen - 1 - i] : 0;
		unsigned sum = v[k] + xi + carry;
		v[k] = (uint8_t)sum;
		carry = sum >> 8;
	}
}

static ccsp_err monotonic_seconds(int64_t *s)
{
	struct timespec ts;
	CCSP_ENSURE(clock_gettime(CLOCK_MONOTONIC, &ts) == 0, CCSP_ERR_INTERNAL);
	*s = (int64_t)ts.tv_sec;
	return CCSP_OK;
}

/* V = Hash_df(seed_material), C = Hash_df(0x00 || V), reseed_counter = 1 (10.1.1.2 / 10.1.1.3). */
static ccsp_err derive_and_commit(ccsp_sm3_drbg *d, const hash_part *material, size_t nmaterial)
{
	static const uint8_t zero = 0x00;
	uint8_t v[SEEDLEN], c[SEEDLEN];
	int64_t now;
	ccsp_err ret;

	CCSP_CHECK(monotonic_seconds(&now));
	CCSP_CHECK(hash_df(material, nmaterial, v));
	const hash_part c_input[2] = {{&zero, 1}, {v, SEEDLEN}};
	CCSP_CHECK(hash_df(c_input, 2, c));
	memcpy(d->V, v, SEEDLEN);
	memcpy(d->C, c, SEEDLEN);
	d->reseed_counter = 1;
	d->last_reseed_time = now;
	d->instantiated = 1;
out:
	ccsp_memzero(v, sizeof v);
	ccsp_memzero(c, sizeof c);
	return ret;
}

static int input_ok(const uint8_t *p, size_t n)
{
	return (p != NULL || n == 0) && (uint64_t)n <= CCSP_SM3_DRBG_MAX_INPUT;
}

ccsp_err ccsp_sm3_drbg_instantiate(ccsp_sm3_drbg *d, const uint8_t *entropy, size_t entropylen,
                                   const uint8_t *nonce, size_t noncelen, const uint8_t *pers, size_t perslen)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(d != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(entropylen >= CCSP_SM3_DRBG_MIN_ENTROPY && input_ok(entropy, entropylen), CCSP_ERR_ARG);
	CCSP_ENSURE(noncelen >= CCSP_SM3_DRBG_MIN_NONCE && input_ok(nonce, noncelen), CCSP_ERR_ARG);
	CCSP_ENSURE(input_ok(pers, perslen), CCSP_ERR_ARG);

	const hash_part material[3] = {{entropy, entropylen}, {nonce, noncelen}, {pers, perslen}};
	return derive_and_commit(d, material, 3);
}

ccsp_err ccsp_sm3_drbg_reseed(ccsp_sm3_drbg *d, const uint8_t *entropy, size_t entropylen, const uint8_t *add,
                              size_t addlen)
{
	static const uint8_t one = 0x01;

	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(d != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(entropylen >= CCSP_SM3_DRBG_MIN_ENTROPY && input_ok(entropy, entropylen), CCSP_ERR_ARG);
	CCSP_ENSURE(input_ok(add, addlen), CCSP_ERR_ARG);
	CCSP_ENSURE(d->instantiated, CCSP_ERR_STATE);

	/* GM order (emmansun gmsm, GM/T 0105 9.2): entropy before V. derive_and_commit hashes the
	 * old V into the new one before it overwrites d->V. */
	const hash_part material[4] = {{&one, 1}, {entropy, entropylen}, {d->V, SEEDLEN}, {add, addlen}};
	return derive_and_commit(d, material, 4);
}

/* SP 800-90A 10.1.1.4 steps 2-6 with the GM output step; the caller checked everything. */
static ccsp_err generate_block(ccsp_sm3_drbg *d, uint8_t *out, size_t outlen, const uint8_t *add, size_t addlen)
{
	static const uint8_t two = 0x02, three = 0x03;
	uint8_t v[SEEDLEN], w[CCSP_SM3_DIGEST_SIZE], h[CCSP_SM3_DIGEST_SIZE], counter[8];
	ccsp_err ret;

	memcpy(v, d->V, SEEDLEN);
	if (addlen != 0) { /* w = SM3(0x02 || V || additional_input); V = V + w */
		const hash_part wp[3] = {{&two, 1}, {v, SEEDLEN}, {add, addlen}};
		CCSP_CHECK(sm3_parts(wp, 3, w));
		add_mod_seedlen(v, w, sizeof w);
	}
	const hash_part vp[1] = {{v, SEEDLEN}};
	CCSP_CHECK(sm3_parts(vp, 1, w)); /* returned_bits = leftmost(SM3(V), outlen) */
	const hash_part hp[2] = {{&three, 1}, {v, SEEDLEN}};
	CCSP_CHECK(sm3_parts(hp, 2, h));
	/* V = (V + H + C + reseed_counter) mod 2^440 */
	for (int i = 0; i < 8; i++)
		counter[i] = (uint8_t)(d->reseed_counter >> (56 - 8 * i));
	add_mod_seedlen(v, h, sizeof h);
	add_mod_seedlen(v, d->C, SEEDLEN);
	add_mod_seedlen(v, counter, sizeof counter);

	memcpy(out, w, outlen);
	memcpy(d->V, v, SEEDLEN);
	d->reseed_counter++;
out:
	ccsp_memzero(v, sizeof v);
	ccsp_memzero(w, sizeof w);
	ccsp_memzero(h, sizeof h);
	return ret;
}

ccsp_err ccsp_sm3_drbg_generate(ccsp_sm3_drbg *d, uint8_t *out, size_t outlen, const uint8_t *add, size_t addlen)
{
	int64_t now;

	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(d != NULL && out != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(outlen >= 1 && outlen <= CCSP_SM3_DRBG_MAX_REQUEST, CCSP_ERR_ARG);
	CCSP_ENSURE(input_ok(add, addlen), CCSP_ERR_ARG);
	CCSP_ENSURE(d->instantiated, CCSP_ERR_STATE);
	CCSP_GUARD(monotonic_seconds(&now));
	/* 10.1.1.4 step 1 with the level-2 policy: at most 2^10 generates or 60 s per seed. */
	CCSP_ENSURE(d->reseed_counter <= CCSP_SM3_DRBG_RESEED_INTERVAL, CCSP_ERR_RESEED_REQUIRED);
	CCSP_ENSURE(now >= d->last_reseed_time && now - d->last_reseed_time < CCSP_SM3_DRBG_RESEED_SECONDS,
	            CCSP_ERR_RESEED_REQUIRED);
	return generate_block(d, out, outlen, add, addlen);
}

void ccsp_sm3_drbg_uninstantiate(ccsp_sm3_drbg *d)
{
	if (d != NULL)
		ccsp_memzero(d, sizeof *d);
}

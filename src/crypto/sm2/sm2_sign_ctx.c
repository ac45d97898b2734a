/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SM2 signing context of one key (GB/T 32918.2-2016 clause 6.1 with precomputed nonces). The cost of a
 * signature is the fixed-base multiplication k G; what is left to amortise is its inversion (a quarter of it),
 * the random draw and the per-call overhead. A refill draws 32 nonces with one ccsp_random() call and makes
 * their x1 with one shared inversion; a signature is then a few scalar operations:
 *   r = (e + x1) mod n,  s = (1 + d)^-1 (k + r) - r mod n   (= (1 + d)^-1 (k - r d), A6)
 * Each pair is wiped as soon as it is taken, whether it gave a signature or was rejected (r = 0, r + k = n,
 * s = 0), so no k ever serves twice.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>

#include "module.h"
#include "sm2_internal.h"

#define SIGN_BATCH 32
_Static_assert(SIGN_BATCH <= CCSP_SM2_BASE_BATCH_MAX, "a refill is one batch");

struct ccsp_sm2_sign_ctx {
	uint64_t k[SIGN_BATCH][4];  /* nonces; [avail..] are spent and zero */
	uint64_t x1[SIGN_BATCH][4]; /* x1 of k G mod n, plain */
	size_t avail;
	uint64_t dinv_m[4];         /* (1 + d)^-1 R mod n */
	uint8_t pub_xy[64];         /* the public key, x || y */
	ccsp_sm2_key *pub;          /* made from it at the first ccsp_sm2_sign_ctx_sign (Z): digest signers (vsmd)
	                             * do without its 4 KB of locked memory per key */
	uint64_t fork_gen;          /* fork_generation when the pool was made */
};

/* Bumped in every child of fork() (pthread_atfork): a pool made before it belongs to the parent. Checked at
 * every signature (an atomic load). Not getpid() as well, which would also catch a raw clone() skipping the
 * atfork handlers: in this VM the system call cost 7% of a signature (perf); sm2.h documents the limit. */
static _Atomic uint64_t fork_generation;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static int atfork_ok;

static void on_fork_child(void)
{
	atomic_fetch_add(&fork_generation, 1);
}

static void atfork_register(void)
{
	atfork_ok = pthread_atfork(NULL, NULL, on_fork_child) == 0;
}

static void pool_discard(ccsp_sm2_sign_ctx *c)
{
	ccsp_memzero(c->k, sizeof c->k);
	ccsp_memzero(c->x1, sizeof c->x1);
	c->avail = 0;
}

/* Whether the pairs left were made by this process (not inherited over a fork()). */
static int pool_owned(const ccsp_sm2_sign_ctx *c)
{
	return c->fork_gen == atomic_load_explicit(&fork_generation, memory_order_relaxed);
}

/* 32 fresh nonces in [1, n-1] (random bytes straight into the locked pool, a rare out-of-range one redrawn
 * alone) and their x1 with one inversion. */
static ccsp_err refill(ccsp_sm2_sign_ctx *c)
{
	uint64_t t[4];
	ccsp_err ret;
	pool_discard(c);
	c->fork_gen = atomic_load(&fork_generation);
	CCSP_CHECK(ccsp_random(c->k, sizeof c->k));
	for (size_t i = 0; i < SIGN_BATCH; i++) {
		ccsp_sm2_limbs_from_bytes(t, (const uint8_t *)c->k[i]);
		uint64_t ok = ~ccsp_sm2_fe_is_zero(t) & ccsp_sm2_limbs_lt(t, ccsp_sm2_n);
		ct_declassify(&ok, sizeof ok); /* only whether a draw was rejected */
		if (ok)
			memcpy(c->k[i], t, sizeof t);
		else
			CCSP_CHECK(ccsp_sm2_random_scalar(c->k[i]));
	}
	ccsp_sm2_impl_get()->mul_base_x_batch(c->x1, (const uint64_t(*)[4])c->k, SIGN_BATCH);
	for (size_t i = 0; i < SIGN_BATCH; i++)
		ccsp_sm2_sc_reduce(c->x1[i], c->x1[i]); /* x1 < p < 2n */
	c->avail = SIGN_BATCH;
out:
	if (ret != CCSP_OK)
		pool_discard(c);
	ccsp_memzero(t, sizeof t);
	return ret;
}

/* A5-A6 with the pair (k, x1); *redraw = 1 (sig zero) when the pair gives no signature. */
static void sign_pair(const ccsp_sm2_sign_ctx *c, const uint64_t ev[4], const uint64_t k[4], const uint64_t x1[4],
                      uint8_t sig[64], int *redraw)
{
	uint64_t r[4], s[4], t[4];
	ccsp_sm2_sc_add(r, ev, x1);
	ccsp_sm2_sc_add(t, r, k);
	ccsp_sm2_sc_mont_mul(s, t, c->dinv_m); /* (1 + d)^-1 (k + r) */
	ccsp_sm2_sc_sub(s, s, r);
	/* r and s are the output; of t = r + k only whether it is n (r + k = n: reject) */
	uint64_t bad = ccsp_sm2_fe_is_zero(r) | ccsp_sm2_fe_is_zero(t) | ccsp_sm2_fe_is_zero(s);
	ct_declassify(r, sizeof r);
	ct_declassify(s, sizeof s);
	ct_declassify(&bad, sizeof bad);
	*redraw = bad != 0;
	if (bad) {
		ccsp_memzero(sig, 64);
	} else {
		ccsp_sm2_limbs_to_bytes(sig, r);
		ccsp_sm2_limbs_to_bytes(sig + 32, s);
	}
	ccsp_memzero(r, sizeof r);
	ccsp_memzero(s, sizeof s);
	ccsp_memzero(t, sizeof t);
}

ccsp_err ccsp_sm2_sign_ctx_new(const ccsp_sm2_key *key, ccsp_sm2_sign_ctx **ctx)
{
	ccsp_sm2_sign_ctx *c;
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ctx != NULL, CCSP_ERR_ARG);
	*ctx = NULL;
	CCSP_ENSURE(key != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(key->has_private, CCSP_ERR_KEY);
	pthread_once(&atfork_once, atfork_register);
	CCSP_ENSURE(atfork_ok, CCSP_ERR_NOMEM); /* pthread_atfork fails only for lack of memory */
	c = ccsp_secure_alloc(sizeof *c);
	CCSP_ENSURE(c != NULL, CCSP_ERR_NOMEM);
	memcpy(c->pub_xy, key->pub_xy, sizeof c->pub_xy);
	memcpy(c->dinv_m, key->dinv_m, sizeof c->dinv_m);
	*ctx = c;
	return CCSP_OK;
}

/* The public key object for Z, made at the first need. */
static ccsp_err ctx_pub(ccsp_sm2_sign_ctx *c)
{
	ccsp_sm2_key *k;
	ccsp_err ret;
	if (c->pub != NULL)
		return CCSP_OK;
	k = ccsp_sm2_key_new();
	CCSP_ENSURE(k != NULL, CCSP_ERR_NOMEM);
	CCSP_CHECK(ccsp_sm2_key_set_public(k, c->pub_xy, sizeof c->pub_xy));
	c->pub = k;
	k = NULL;
out:
	ccsp_sm2_key_free(k);
	return ret;
}

void ccsp_sm2_sign_ctx_free(ccsp_sm2_sign_ctx *ctx)
{
	if (ctx == NULL)
		return;
	ccsp_sm2_key_free(ctx->pub);
	ccsp_secure_free(ctx); /* wipes the pairs and (1 + d)^-1 */
}

ccsp_err ccsp_sm2_sign_ctx_sign_digest(ccsp_sm2_sign_ctx *ctx, const uint8_t e[32],
                                       uint8_t sig[CCSP_SM2_SIGNATURE_SIZE])
{
	uint64_t ev[4];
	int redraw = 1;
	ccsp_err ret = CCSP_OK;
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ctx != NULL && e != NULL && sig != NULL, CCSP_ERR_ARG);
	if (ctx->avail != 0 && !pool_owned(ctx))
		pool_discard(ctx);
	ccsp_sm2_limbs_from_bytes(ev, e);
	ccsp_sm2_sc_reduce(ev, ev);
	for (int draw = 0; draw < CCSP_SM2_K_DRAWS && redraw; draw++) {
		if (ctx->avail == 0)
			CCSP_CHECK(refill(ctx));
		size_t i = --ctx->avail;
		sign_pair(ctx, ev, ctx->k[i], ctx->x1[i], sig, &redraw);
		ccsp_memzero(ctx->k[i], sizeof ctx->k[i]); /* used once, whatever came of it */
		ccsp_memzero(ctx->x1[i], sizeof ctx->x1[i]);
	}
	ret = redraw ? CCSP_ERR_RNG : CCSP_OK;
out:
	if (ret != CCSP_OK)
		ccsp_memzero(sig, CCSP_SM2_SIGNATURE_SIZE);
	return ret;
}

ccsp_err ccsp_sm2_sign_ctx_sign(ccsp_sm2_sign_ctx *ctx, const uint8_t *id, size_t idlen, const uint8_t *msg,
                                size_t msglen, uint8_t sig[CCSP_SM2_SIGNATURE_SIZE])
{
	uint8_t e[32];
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ctx != NULL && sig != NULL, CCSP_ERR_ARG);
	CCSP_GUARD(ctx_pub(ctx));
	CCSP_GUARD(ccsp_sm2_compute_e(ctx->pub, id, idlen, msg, msglen, e));
	return ccsp_sm2_sign_ctx_sign_digest(ctx, e, sig);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The keystore's cache of keys opened from sealed signing wraps (vsm_wrap_cache.h).
 *
 * An entry starts as the key object its first signature made (d, (1 + d)^-1 and the public key: a signature with it
 * skips the unwrap and d G, about twice the rate of the full path) and becomes a ccsp_sm2_sign_ctx once it has made
 * VSM_WRAP_CACHE_PROMOTE signatures. Not at once, because a context's first signature makes 32 nonce pairs (about
 * 19 one-shot signatures' worth of work): a key signed with a few times and then evicted would pay for pairs that
 * are never used. A key that has already signed as many times as one refill serves is taken to be a key that
 * signs often.
 *
 * Why 256 entries: the KMS keeps one wrap per key version, and a VSM serving a tenant group sees the keys of the
 * group's active applications; 256 covers a busy group's hot keys while bounding the locked memory at 1 MiB
 * (RLIMIT_MEMLOCK is commonly 8 MiB, and the keystore's own per-index contexts share it). A working set larger than
 * the cache costs each miss the full path as before, plus an HMAC-SM3 and an eviction. Eight ways per set keep a
 * lookup to eight 32-byte compares, and a hot wrap may hold half of its set (VSM_WRAP_CACHE_DUPS) so that as many
 * threads sign with it at once without falling back.
 */
#include "vsm/vsm_wrap_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>

#include "crypto/ct.h"

#define ENTRIES (VSM_WRAP_CACHE_SETS * VSM_WRAP_CACHE_WAYS)
_Static_assert((VSM_WRAP_CACHE_SETS & (VSM_WRAP_CACHE_SETS - 1)) == 0, "the set is bits of the id");
_Static_assert(VSM_WRAP_CACHE_DUPS <= VSM_WRAP_CACHE_WAYS, "duplicates fit a set");

/* used, id, kek, stamp and busy change under the mutex, but busy is cleared by the signer that set it; key or ctx
 * (one of them) changes under busy, from promote. */
typedef struct wc_entry {
	uint8_t id[VSM_WRAP_CACHE_ID_SIZE];
	int used;
	uint32_t kek;
	uint32_t uses;  /* signatures made with key (promotion) */
	uint64_t stamp; /* last use, for LRU */
	_Atomic int busy;
	ccsp_sm2_key *key;
	ccsp_sm2_sign_ctx *ctx;
} wc_entry;

struct vsm_wrap_cache {
	pthread_mutex_t lock;
	ccsp_hmac_sm3_ctx mac; /* keyed with the cache's random key: copied for each id */
	uint64_t clock;        /* stamps */
	_Atomic uint64_t hits, misses;
	wc_entry e[ENTRIES];
};

vsm_wrap_cache *vsm_wrap_cache_new(void)
{
	uint8_t k[32];
	vsm_wrap_cache *c = ccsp_secure_alloc(sizeof *c);
	if (c == NULL)
		return NULL;
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		ccsp_secure_free(c);
		return NULL;
	}
	ccsp_err ret = ccsp_random(k, sizeof k);
	if (ret == CCSP_OK)
		ret = ccsp_hmac_sm3_init(&c->mac, k, sizeof k);
	ccsp_memzero(k, sizeof k);
	if (ret != CCSP_OK) {
		vsm_wrap_cache_free(c);
		return NULL;
	}
	return c;
}

/* Empty x (its key or context wiped). */
static void entry_wipe(wc_entry *x)
{
	ccsp_sm2_key_free(x->key);
	ccsp_sm2_sign_ctx_free(x->ctx);
	ccsp_memzero(x, sizeof *x);
}

void vsm_wrap_cache_free(vsm_wrap_cache *c)
{
	if (c == NULL)
		return;
	vsm_wrap_cache_clear(c);
	(void)pthread_mutex_destroy(&c->lock);
	ccsp_secure_free(c); /* wipes the MAC key's state */
}

ccsp_err vsm_wrap_cache_id(vsm_wrap_cache *c, uint32_t kek, const uint8_t *wrap, size_t len,
                           uint8_t id[VSM_WRAP_CACHE_ID_SIZE])
{
	uint8_t idx[4] = {(uint8_t)(kek >> 24), (uint8_t)(kek >> 16), (uint8_t)(kek >> 8), (uint8_t)kek};
	ccsp_hmac_sm3_ctx m = c->mac; /* read-only after new: no lock */
	ccsp_err ret = ccsp_hmac_sm3_update(&m, idx, sizeof idx);
	if (ret == CCSP_OK)
		ret = ccsp_hmac_sm3_update(&m, wrap, len);
	if (ret == CCSP_OK)
		ret = ccsp_hmac_sm3_final(&m, id);
	ccsp_memzero(&m, sizeof m);
	return ret;
}

static wc_entry *set_of(vsm_wrap_cache *c, const uint8_t id[VSM_WRAP_CACHE_ID_SIZE])
{
	return &c->e[(id[0] & (VSM_WRAP_CACHE_SETS - 1)) * VSM_WRAP_CACHE_WAYS];
}

static int id_is(const wc_entry *x, const uint8_t id[VSM_WRAP_CACHE_ID_SIZE])
{
	return x->used && ct_memdiff(x->id, id, VSM_WRAP_CACHE_ID_SIZE) == 0;
}

/* An idle entry of id, marked busy; NULL when there is none. */
static wc_entry *take(vsm_wrap_cache *c, const uint8_t id[VSM_WRAP_CACHE_ID_SIZE])
{
	wc_entry *set = set_of(c, id), *hit = NULL;
	pthread_mutex_lock(&c->lock);
	for (int w = 0; w < VSM_WRAP_CACHE_WAYS && hit == NULL; w++)
		if (id_is(&set[w], id) && !atomic_load_explicit(&set[w].busy, memory_order_acquire))
			hit = &set[w];
	if (hit != NULL) {
		atomic_store_explicit(&hit->busy, 1, memory_order_relaxed);
		hit->stamp = ++c->clock;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

/* Under busy: a key that has signed often enough becomes a context (kept a key when there is no memory). */
static void promote(wc_entry *x)
{
	if (x->key == NULL || ++x->uses < VSM_WRAP_CACHE_PROMOTE)
		return;
	if (ccsp_sm2_sign_ctx_new(x->key, &x->ctx) != CCSP_OK) {
		x->ctx = NULL;
		return;
	}
	ccsp_sm2_key_free(x->key);
	x->key = NULL;
}

ccsp_err vsm_wrap_cache_sign(vsm_wrap_cache *c, const uint8_t id[VSM_WRAP_CACHE_ID_SIZE], const uint8_t e[32],
                             uint8_t sig[64], int *hit)
{
	wc_entry *x = take(c, id);
	*hit = x != NULL;
	atomic_fetch_add_explicit(x != NULL ? &c->hits : &c->misses, 1, memory_order_relaxed);
	if (x == NULL)
		return CCSP_OK;
	ccsp_err ret =
	        x->ctx != NULL ? ccsp_sm2_sign_ctx_sign_digest(x->ctx, e, sig) : ccsp_sm2_sign_digest(x->key, e, sig);
	if (ret == CCSP_OK)
		promote(x);
	atomic_store_explicit(&x->busy, 0, memory_order_release); /* the mutex orders it before any eviction */
	return ret;
}

/* The way of set to fill: an empty one, else the least recently used idle one; NULL when every way is busy or id
 * already has VSM_WRAP_CACHE_DUPS entries. */
static wc_entry *victim(wc_entry *set, const uint8_t id[VSM_WRAP_CACHE_ID_SIZE])
{
	wc_entry *v = NULL;
	int dups = 0;
	for (int w = 0; w < VSM_WRAP_CACHE_WAYS; w++) {
		wc_entry *x = &set[w];
		dups += id_is(x, id);
		if (atomic_load_explicit(&x->busy, memory_order_acquire))
			continue;
		if (v == NULL || (v->used && (!x->used || x->stamp < v->stamp)))
			v = x;
	}
	return dups < VSM_WRAP_CACHE_DUPS ? v : NULL;
}

void vsm_wrap_cache_put(vsm_wrap_cache *c, const uint8_t id[VSM_WRAP_CACHE_ID_SIZE], uint32_t kek, ccsp_sm2_key *key)
{
	wc_entry old = {0};
	pthread_mutex_lock(&c->lock);
	wc_entry *x = victim(set_of(c, id), id);
	if (x != NULL) {
		old = *x; /* wiped outside the lock */
		memcpy(x->id, id, VSM_WRAP_CACHE_ID_SIZE);
		x->used = 1;
		x->kek = kek;
		x->uses = 1;
		x->stamp = ++c->clock;
		x->key = key;
		x->ctx = NULL;
		key = NULL;
	}
	pthread_mutex_unlock(&c->lock);
	ccsp_sm2_key_free(key);
	entry_wipe(&old);
}

void vsm_wrap_cache_drop(vsm_wrap_cache *c, uint32_t kek)
{
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < ENTRIES; i++)
		if (c->e[i].used && c->e[i].kek == kek)
			entry_wipe(&c->e[i]);
	pthread_mutex_unlock(&c->lock);
}

void vsm_wrap_cache_clear(vsm_wrap_cache *c)
{
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < ENTRIES; i++)
		entry_wipe(&c->e[i]);
	pthread_mutex_unlock(&c->lock);
}

size_t vsm_wrap_cache_count(vsm_wrap_cache *c)
{
	size_t n = 0;
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < ENTRIES; i++)
		n += (size_t)c->e[i].used;
	pthread_mutex_unlock(&c->lock);
	return n;
}

void vsm_wrap_cache_counts(vsm_wrap_cache *c, uint64_t *hits, uint64_t *misses)
{
	*hits = atomic_load_explicit(&c->hits, memory_order_relaxed);
	*misses = atomic_load_explicit(&c->misses, memory_order_relaxed);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The in-memory nonce table of reqauth.h: a chained hash table over a fixed pool of entries (no allocation after
 * creation). An entry is the SM3 of a per-table random salt and the pair, and its expiry (timestamp + window).
 * Expired entries are dropped when met in a chain and by a sweep of the whole table, which runs at most once a
 * second, or when the table is full and some entry may have expired (now past the earliest expiry). A full table
 * of live entries refuses (CCSP_REQAUTH_NONCE_ERROR): see reqauth.h for why it must not forget instead.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>

#include "platform/reqauth.h"

#define CACHE_MAX_CAPACITY ((size_t)1 << 24)
#define NIL UINT32_MAX

typedef struct nonce_entry {
	uint8_t id[CCSP_SM3_DIGEST_SIZE];
	int64_t expires; /* live while now <= expires */
	uint32_t next;   /* chain, or free list */
} nonce_entry;

struct ccsp_reqauth_nonce_cache {
	pthread_mutex_t lock;
	nonce_entry *entries;
	uint32_t *buckets; /* head index per bucket, NIL when empty */
	size_t capacity, nbuckets, count;
	uint32_t free_head;
	int64_t min_expires; /* no live entry expires before this (a lower bound) */
	int64_t last_sweep;
	uint8_t salt[32];
};

ccsp_reqauth_nonce_cache *ccsp_reqauth_nonce_cache_new(size_t capacity)
{
	if (capacity == 0 || capacity > CACHE_MAX_CAPACITY)
		return NULL;
	ccsp_reqauth_nonce_cache *c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	c->capacity = capacity;
	c->nbuckets = 16;
	while (c->nbuckets < capacity)
		c->nbuckets <<= 1;
	c->entries = calloc(capacity, sizeof *c->entries);
	c->buckets = malloc(c->nbuckets * sizeof *c->buckets);
	if (c->entries == NULL || c->buckets == NULL || ccsp_random(c->salt, sizeof c->salt) != CCSP_OK ||
	    pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c->entries);
		free(c->buckets);
		free(c);
		return NULL;
	}
	for (size_t i = 0; i < c->nbuckets; i++)
		c->buckets[i] = NIL;
	for (size_t i = 0; i < capacity; i++)
		c->entries[i].next = i + 1 < capacity ? (uint32_t)(i + 1) : NIL;
	c->free_head = 0;
	c->min_expires = INT64_MAX;
	c->last_sweep = INT64_MIN;
	return c;
}

void ccsp_reqauth_nonce_cache_free(ccsp_reqauth_nonce_cache *c)
{
	if (c == NULL)
		return;
	pthread_mutex_destroy(&c->lock);
	ccsp_memzero(c->salt, sizeof c->salt);
	free(c->entries);
	free(c->buckets);
	free(c);
}

size_t ccsp_reqauth_nonce_cache_count(ccsp_reqauth_nonce_cache *c)
{
	if (c == NULL)
		return 0;
	pthread_mutex_lock(&c->lock);
	size_t n = c->count;
	pthread_mutex_unlock(&c->lock);
	return n;
}

/* Unlink entry i (whose predecessor link is *link) and put it on the free list. */
static void entry_release(ccsp_reqauth_nonce_cache *c, uint32_t *link, uint32_t i)
{
	*link = c->entries[i].next;
	c->entries[i].next = c->free_head;
	c->free_head = i;
	c->count--;
}

/* Drop every expired entry; recompute the earliest expiry. */
static void sweep(ccsp_reqauth_nonce_cache *c, int64_t now)
{
	int64_t min = INT64_MAX;
	for (size_t b = 0; b < c->nbuckets; b++) {
		uint32_t *link = &c->buckets[b];
		while (*link != NIL) {
			uint32_t i = *link;
			if (c->entries[i].expires < now) {
				entry_release(c, link, i);
				continue;
			}
			if (c->entries[i].expires < min)
				min = c->entries[i].expires;
			link = &c->entries[i].next;
		}
	}
	c->min_expires = min;
	c->last_sweep = now;
}

static int pair_id(const ccsp_reqauth_nonce_cache *c, const char *ak, const char *nonce,
                   uint8_t id[CCSP_SM3_DIGEST_SIZE])
{
	ccsp_sm3_ctx h;
	int bad = ccsp_sm3_init(&h) != CCSP_OK;
	bad |= ccsp_sm3_update(&h, c->salt, sizeof c->salt) != CCSP_OK;
	bad |= ccsp_sm3_update(&h, ak, strlen(ak)) != CCSP_OK;
	bad |= ccsp_sm3_update(&h, "\n", 1) != CCSP_OK; /* '\n' is in neither shape: the pair splits one way */
	bad |= ccsp_sm3_update(&h, nonce, strlen(nonce)) != CCSP_OK;
	bad |= ccsp_sm3_final(&h, id) != CCSP_OK;
	return bad ? -1 : 0;
}

/* Look id up in its chain, dropping expired entries met on the way. 1 when a live entry holds it. */
static int chain_find(ccsp_reqauth_nonce_cache *c, uint32_t *link, const uint8_t *id, int64_t now)
{
	while (*link != NIL) {
		uint32_t i = *link;
		if (c->entries[i].expires < now) {
			entry_release(c, link, i);
			continue;
		}
		if (memcmp(c->entries[i].id, id, CCSP_SM3_DIGEST_SIZE) == 0)
			return 1;
		link = &c->entries[i].next;
	}
	return 0;
}

ccsp_reqauth_nonce ccsp_reqauth_nonce_cache_check(void *cache, const char *access_key, const char *nonce,
                                                  int64_t timestamp, int64_t now)
{
	ccsp_reqauth_nonce_cache *c = cache;
	uint8_t id[CCSP_SM3_DIGEST_SIZE];
	if (c == NULL || access_key == NULL || nonce == NULL || timestamp < 0 ||
	    timestamp > INT64_MAX - CCSP_REQAUTH_WINDOW_S || pair_id(c, access_key, nonce, id) != 0)
		return CCSP_REQAUTH_NONCE_ERROR;
	uint64_t h;
	memcpy(&h, id, sizeof h);
	ccsp_reqauth_nonce r = CCSP_REQAUTH_NONCE_ERROR;
	pthread_mutex_lock(&c->lock);
	uint32_t *head = &c->buckets[h & (c->nbuckets - 1)];
	if (chain_find(c, head, id, now)) {
		r = CCSP_REQAUTH_NONCE_REPLAYED;
		goto out;
	}
	if (now > c->min_expires && (c->count == c->capacity || now > c->last_sweep))
		sweep(c, now);
	if (c->count == c->capacity) /* full of live entries: refuse rather than forget */
		goto out;
	uint32_t i = c->free_head;
	c->free_head = c->entries[i].next;
	memcpy(c->entries[i].id, id, sizeof id);
	c->entries[i].expires = timestamp + CCSP_REQAUTH_WINDOW_S;
	c->entries[i].next = *head;
	*head = i;
	c->count++;
	if (c->entries[i].expires < c->min_expires)
		c->min_expires = c->entries[i].expires;
	r = CCSP_REQAUTH_NONCE_FRESH;
out:
	pthread_mutex_unlock(&c->lock);
	return r;
}

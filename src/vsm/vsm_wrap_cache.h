/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to src/vsm/: the keystore's cache of SM2 signing keys opened from sealed wraps (the vendor extension's
 * SignWithKEK, vsm_wrapped.c), so that a wrap signed with again skips the unwrap and the derivation of d G, and a
 * wrap signed with often gets a ccsp_sm2_sign_ctx.
 *
 * An entry is found by its id: HMAC-SM3, under a random key drawn when the cache is made, of the KEK index and
 * every byte of the wrap. The caller puts an entry only after the wrap's tag has been checked under that KEK, and
 * drops the KEK's entries whenever the KEK may change, so a hit is a byte-identical wrap already opened by the
 * same KEK. Ids are compared in constant time.
 *
 * Bounded: VSM_WRAP_CACHE_SETS sets of VSM_WRAP_CACHE_WAYS entries (the set from the id), least recently used
 * first out; one entry holds one key object or one signing context, each in a 4 KB slot of locked memory.
 * Entries and the cache's key live in secure memory; whatever leaves the cache is wiped.
 *
 * Thread safety: sign, put and id may run in any threads at once (a mutex guards the table; the signing itself
 * runs outside it, the entry marked busy). An entry another thread signs with is not waited for: sign misses and
 * the caller takes the full path (and may put a second entry of the id, up to VSM_WRAP_CACHE_DUPS). drop and
 * clear must run when no sign is in progress (the keystore's write lock).
 */
#ifndef CCSP_VSM_WRAP_CACHE_H
#define CCSP_VSM_WRAP_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>
#include <ccsp/sm2.h>
#include <ccsp/sm3.h>

#define VSM_WRAP_CACHE_SETS 32
#define VSM_WRAP_CACHE_WAYS 8     /* 256 entries, 1 MiB of locked memory when full */
#define VSM_WRAP_CACHE_DUPS 4     /* entries of one id at most: one per signing thread of a hot wrap */
#define VSM_WRAP_CACHE_PROMOTE 32 /* signatures with the key object before a signing context replaces it */
#define VSM_WRAP_CACHE_ID_SIZE CCSP_SM3_DIGEST_SIZE

typedef struct vsm_wrap_cache vsm_wrap_cache;

/* A new empty cache with a fresh random key; NULL when out of memory or randomness. free wipes; NULL ignored. */
vsm_wrap_cache *vsm_wrap_cache_new(void);
void vsm_wrap_cache_free(vsm_wrap_cache *c);
/* The id of the wrap (len bytes) under the KEK at kek. */
CCSP_MUST_CHECK ccsp_err vsm_wrap_cache_id(vsm_wrap_cache *c, uint32_t kek, const uint8_t *wrap, size_t len,
                                           uint8_t id[VSM_WRAP_CACHE_ID_SIZE]);
/* Sign the digest e (r||s) with an idle entry of id: *hit = 1 and the signature's status; *hit = 0 and CCSP_OK when
 * there is none (absent or busy). */
CCSP_MUST_CHECK ccsp_err vsm_wrap_cache_sign(vsm_wrap_cache *c, const uint8_t id[VSM_WRAP_CACHE_ID_SIZE],
                                             const uint8_t e[32], uint8_t sig[64], int *hit);
/* Keep key (a private key opened from the wrap of id under the KEK at kek, which has signed once) as an entry,
 * evicting the least recently used idle entry of its set; key is the cache's either way (freed when there is no
 * room: every entry of the set busy, or VSM_WRAP_CACHE_DUPS of id already there). */
void vsm_wrap_cache_put(vsm_wrap_cache *c, const uint8_t id[VSM_WRAP_CACHE_ID_SIZE], uint32_t kek, ccsp_sm2_key *key);
/* Wipe the entries of the KEK at kek / every entry. No sign may be in progress. */
void vsm_wrap_cache_drop(vsm_wrap_cache *c, uint32_t kek);
void vsm_wrap_cache_clear(vsm_wrap_cache *c);
/* Entries held (tests). */
size_t vsm_wrap_cache_count(vsm_wrap_cache *c);
/* Signatures served from an entry (hits) and not (misses: no entry, or every entry of the id busy) since new. */
void vsm_wrap_cache_counts(vsm_wrap_cache *c, uint64_t *hits, uint64_t *misses);

#endif

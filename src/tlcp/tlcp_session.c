/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sessions for resumption by session ID (GM/T 0024-2014 clause 6.4.5.2: a session ID stays valid until it times out
 * or a connection using it fails). The server cache is a fixed array of `size` slots under one mutex: lookups
 * compare IDs in constant time per slot; a full cache replaces an expired slot, else the oldest. A linear scan is
 * fine for the sizes daemons use (thousands); the master secrets are wiped when a slot is reused or freed.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>

#include "ct.h"
#include "tlcp_hs_internal.h"

void tlcp_session_clear(ccsp_tlcp_session *s)
{
	if (s->certs != NULL) {
		ccsp_memzero(s->certs, s->certs_len);
		free(s->certs);
	}
	ccsp_memzero(s, sizeof *s);
}

ccsp_err tlcp_session_copy(ccsp_tlcp_session *dst, const ccsp_tlcp_session *src)
{
	*dst = *src;
	dst->certs = NULL;
	if (src->certs_len > 0) {
		dst->certs = malloc(src->certs_len);
		if (dst->certs == NULL) {
			ccsp_memzero(dst, sizeof *dst);
			return CCSP_ERR_NOMEM;
		}
		memcpy(dst->certs, src->certs, src->certs_len);
	}
	return CCSP_OK;
}

void ccsp_tlcp_session_free(ccsp_tlcp_session *s)
{
	if (s == NULL)
		return;
	tlcp_session_clear(s);
	free(s);
}

ccsp_err tlcp_session_of(const ccsp_tlcp_conn *c, ccsp_tlcp_session *s)
{
	ccsp_tlcp_session tmp;

	memset(&tmp, 0, sizeof tmp);
	memcpy(tmp.id, c->sid, c->sid_len);
	tmp.id_len = c->sid_len;
	tmp.suite = c->suite->id;
	memcpy(tmp.master, c->master, sizeof tmp.master);
	tmp.created = tlcp_now(c->cfg);
	tmp.certs = c->peer_certs;
	tmp.certs_len = c->peer_certs_len;
	if (c->resumed && c->offer != NULL) /* keep the original time: the lifetime counts from the full handshake */
		tmp.created = c->offer->created;
	ccsp_err ret = tlcp_session_copy(s, &tmp);
	ccsp_memzero(&tmp, sizeof tmp);
	return ret;
}

ccsp_tlcp_session *ccsp_tlcp_conn_get_session(const ccsp_tlcp_conn *c)
{
	ccsp_tlcp_session *s;

	if (c == NULL || c->hs != HS_DONE || c->sid_len == 0 || c->state == CCSP_TLCP_STATE_FAILED)
		return NULL;
	s = calloc(1, sizeof *s);
	if (s != NULL && tlcp_session_of(c, s) != CCSP_OK) {
		free(s);
		s = NULL;
	}
	return s;
}

ccsp_err tlcp_cache_new(tlcp_cache **out, size_t size, int64_t lifetime)
{
	tlcp_cache *cache = calloc(1, sizeof *cache);

	*out = NULL;
	if (cache == NULL)
		return CCSP_ERR_NOMEM;
	cache->slots = calloc(size, sizeof *cache->slots);
	if (cache->slots == NULL || pthread_mutex_init(&cache->lock, NULL) != 0) {
		free(cache->slots);
		free(cache);
		return CCSP_ERR_NOMEM;
	}
	cache->size = size;
	cache->lifetime = lifetime;
	*out = cache;
	return CCSP_OK;
}

void tlcp_cache_free(tlcp_cache *cache)
{
	if (cache == NULL)
		return;
	for (size_t i = 0; i < cache->size; i++)
		tlcp_session_clear(&cache->slots[i]);
	free(cache->slots);
	pthread_mutex_destroy(&cache->lock);
	free(cache);
}

static int expired(const tlcp_cache *cache, const ccsp_tlcp_session *s, int64_t now)
{
	return now < s->created || now - s->created >= cache->lifetime;
}

/* The slot holding id, or NULL. Caller holds the lock. */
static ccsp_tlcp_session *find(tlcp_cache *cache, const uint8_t *id, size_t id_len)
{
	ccsp_tlcp_session *hit = NULL;

	for (size_t i = 0; i < cache->size; i++) {
		ccsp_tlcp_session *s = &cache->slots[i];
		if (s->id_len == id_len && ct_memdiff(s->id, id, id_len) == 0 && hit == NULL)
			hit = s;
	}
	return hit;
}

ccsp_err tlcp_cache_get(tlcp_cache *cache, const uint8_t *id, size_t id_len, int64_t now, ccsp_tlcp_session *out)
{
	ccsp_tlcp_session *s;
	ccsp_err ret = CCSP_ERR_NOT_FOUND;

	if (cache == NULL || id_len == 0 || id_len > TLCP_SESSION_ID_MAX)
		return CCSP_ERR_NOT_FOUND;
	pthread_mutex_lock(&cache->lock);
	s = find(cache, id, id_len);
	if (s != NULL && expired(cache, s, now))
		tlcp_session_clear(s);
	else if (s != NULL)
		ret = tlcp_session_copy(out, s);
	pthread_mutex_unlock(&cache->lock);
	return ret;
}

ccsp_err tlcp_cache_put(tlcp_cache *cache, const ccsp_tlcp_session *s)
{
	ccsp_tlcp_session *slot = NULL;
	ccsp_err ret;

	if (cache == NULL || s->id_len == 0)
		return CCSP_OK;
	pthread_mutex_lock(&cache->lock);
	for (size_t i = 0; i < cache->size && slot == NULL; i++)
		if (cache->slots[i].id_len == 0 || expired(cache, &cache->slots[i], s->created))
			slot = &cache->slots[i];
	if (slot == NULL && cache->size > 0) /* full: the oldest */
		slot = &cache->slots[0];
	for (size_t i = 0; i < cache->size && slot != NULL && slot->id_len != 0; i++)
		if (cache->slots[i].created < slot->created)
			slot = &cache->slots[i];
	if (slot == NULL) { /* size 0 */
		pthread_mutex_unlock(&cache->lock);
		return CCSP_OK;
	}
	tlcp_session_clear(slot);
	ret = tlcp_session_copy(slot, s);
	pthread_mutex_unlock(&cache->lock);
	return ret;
}

void tlcp_cache_remove(tlcp_cache *cache, const uint8_t *id, size_t id_len)
{
	ccsp_tlcp_session *s;

	if (cache == NULL || id_len == 0)
		return;
	pthread_mutex_lock(&cache->lock);
	s = find(cache, id, id_len);
	if (s != NULL)
		tlcp_session_clear(s);
	pthread_mutex_unlock(&cache->lock);
}

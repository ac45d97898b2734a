/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sessions: a table of max_sessions slots. A session id is (48 random bits << 16) | slot, so it is found in
 * O(1) and cannot be guessed. A session is used by one call at a time (its mutex); closing it while a call
 * holds it defers the free to that call's release. Session keys live in secure memory and are wiped on
 * destroy, on close and on reset.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>

#include "vsm/vsm_internal.h"

#define SLOT_BITS 16
#define SLOT_MASK ((1u << SLOT_BITS) - 1)

static size_t rights_size(const ccsp_vsm *vsm)
{
	return (size_t)vsm->lim.max_index / 8 + 1;
}

static void session_free(ccsp_vsm_session *s)
{
	vsm_session_end_stream(s);
	vsm_session_end_agreements(s);
	ccsp_sm2_key_free(s->ext_pub);
	ccsp_secure_free(s->keys); /* wipes every session key */
	free(s->rights);
	pthread_mutex_destroy(&s->lock);
	ccsp_secure_free(s);
}

static ccsp_vsm_session *session_new(ccsp_vsm *vsm, uint64_t owner)
{
	ccsp_vsm_session *s = ccsp_secure_alloc(sizeof *s); /* holds hash/HMAC states */
	if (s == NULL)
		return NULL;
	s->vsm = vsm;
	s->owner = owner;
	pthread_mutex_init(&s->lock, NULL);
	s->rights = calloc(1, rights_size(vsm));
	s->keys = ccsp_secure_alloc((size_t)vsm->lim.max_session_keys * sizeof *s->keys);
	if (s->rights == NULL || s->keys == NULL) {
		session_free(s);
		return NULL;
	}
	return s;
}

ccsp_err ccsp_vsm_session_open(ccsp_vsm *vsm, uint64_t owner, uint64_t *id)
{
	uint64_t r;
	ccsp_err ret = vsm_ready(vsm);
	if (ret != CCSP_OK)
		return ret;
	if (id == NULL || owner == 0)
		return CCSP_ERR_ARG;
	ret = ccsp_random(&r, sizeof r);
	if (ret != CCSP_OK)
		return ret;
	ccsp_vsm_session *s = session_new(vsm, owner);
	if (s == NULL)
		return CCSP_ERR_NOMEM;
	pthread_mutex_lock(&vsm->table_lock);
	uint32_t n = vsm->lim.max_sessions, start = (uint32_t)(r % n), slot = n;
	for (uint32_t i = 0; i < n && slot == n; i++)
		if (vsm->sessions[(start + i) % n] == NULL)
			slot = (start + i) % n;
	if (slot < n) {
		s->slot = slot;
		s->id = (r << SLOT_BITS) | slot;
		if (s->id >> SLOT_BITS == 0)
			s->id |= (uint64_t)1 << 63; /* never 0 */
		vsm->sessions[slot] = s;
		vsm->nsessions++;
		*id = s->id;
	}
	pthread_mutex_unlock(&vsm->table_lock);
	if (slot == n) {
		session_free(s);
		return CCSP_ERR_LIMIT;
	}
	return CCSP_OK;
}

/* Under the table lock: the session with this id and owner, or NULL. */
static ccsp_vsm_session *find_locked(ccsp_vsm *vsm, uint64_t owner, uint64_t id)
{
	uint32_t slot = (uint32_t)(id & SLOT_MASK);
	if (slot >= vsm->lim.max_sessions)
		return NULL;
	ccsp_vsm_session *s = vsm->sessions[slot];
	return s != NULL && s->id == id && s->owner == owner ? s : NULL;
}

/* Under the table lock: take s out of the table; returns whether the caller must free it now. */
static int unlink_locked(ccsp_vsm *vsm, ccsp_vsm_session *s)
{
	vsm->sessions[s->slot] = NULL;
	vsm->nsessions--;
	s->closed = 1;
	return s->refs == 0;
}

ccsp_err ccsp_vsm_session_close(ccsp_vsm *vsm, uint64_t owner, uint64_t id)
{
	pthread_mutex_lock(&vsm->table_lock);
	ccsp_vsm_session *s = find_locked(vsm, owner, id);
	int free_now = s != NULL && unlink_locked(vsm, s);
	pthread_mutex_unlock(&vsm->table_lock);
	if (s == NULL)
		return CCSP_ERR_HANDLE;
	if (free_now)
		session_free(s);
	return CCSP_OK;
}

void ccsp_vsm_session_close_owner(ccsp_vsm *vsm, uint64_t owner)
{
	for (uint32_t i = 0; i < vsm->lim.max_sessions; i++) {
		pthread_mutex_lock(&vsm->table_lock);
		ccsp_vsm_session *s = vsm->sessions[i];
		int free_now = s != NULL && s->owner == owner && unlink_locked(vsm, s);
		pthread_mutex_unlock(&vsm->table_lock);
		if (free_now)
			session_free(s);
	}
}

ccsp_err ccsp_vsm_session_acquire(ccsp_vsm *vsm, uint64_t owner, uint64_t id, ccsp_vsm_session **out)
{
	ccsp_err ret = vsm_ready(vsm);
	if (ret != CCSP_OK)
		return ret;
	pthread_mutex_lock(&vsm->table_lock);
	ccsp_vsm_session *s = find_locked(vsm, owner, id);
	if (s != NULL)
		s->refs++;
	pthread_mutex_unlock(&vsm->table_lock);
	if (s == NULL)
		return CCSP_ERR_HANDLE;
	pthread_mutex_lock(&s->lock);
	*out = s;
	return CCSP_OK;
}

void ccsp_vsm_session_release(ccsp_vsm_session *s)
{
	ccsp_vsm *vsm = s->vsm;
	pthread_mutex_unlock(&s->lock);
	pthread_mutex_lock(&vsm->table_lock);
	int free_now = --s->refs == 0 && s->closed;
	pthread_mutex_unlock(&vsm->table_lock);
	if (free_now)
		session_free(s);
}

uint32_t ccsp_vsm_session_count(ccsp_vsm *vsm)
{
	pthread_mutex_lock(&vsm->table_lock);
	uint32_t n = vsm->nsessions;
	pthread_mutex_unlock(&vsm->table_lock);
	return n;
}

/* ---- per-session state ---- */

int vsm_session_has_right(const ccsp_vsm_session *s, uint32_t index)
{
	return index >= 1 && index <= s->vsm->lim.max_index && (s->rights[index / 8] >> (index % 8)) & 1;
}

ccsp_err ccsp_vsm_get_access_right(ccsp_vsm_session *s, uint32_t index, const uint8_t *pw, size_t pwlen)
{
	ccsp_err ret = vsm_ready(s->vsm);
	if (ret != CCSP_OK)
		return ret;
	if (index < 1 || index > s->vsm->lim.max_index)
		return CCSP_ERR_ARG;
	if (vsm_lockout_check(s->vsm, index) != CCSP_OK) {
		ccsp_vsm_audit_event(s->vsm, "access.locked", "index=%u", index);
		return CCSP_ERR_PASSWORD; /* not checked: the index is locked after repeated failures */
	}
	ret = ccsp_vsm_keystore_check_password(s->vsm->ks, index, pw, pwlen);
	if (ret == CCSP_OK || ret == CCSP_ERR_PASSWORD)
		vsm_lockout_record(s->vsm, index, ret == CCSP_OK);
	if (ret == CCSP_OK) {
		s->rights[index / 8] |= (uint8_t)(1u << (index % 8));
		return CCSP_OK;
	}
	ccsp_vsm_audit_event(s->vsm, "access.fail", "index=%u reason=%s", index, ccsp_err_name(ret));
	return ret;
}

ccsp_err ccsp_vsm_release_access_right(ccsp_vsm_session *s, uint32_t index)
{
	if (index < 1 || index > s->vsm->lim.max_index)
		return CCSP_ERR_ARG;
	if (!vsm_session_has_right(s, index))
		return CCSP_ERR_ACCESS_DENIED;
	s->rights[index / 8] &= (uint8_t)~(1u << (index % 8));
	return CCSP_OK;
}

vsm_key_slot *vsm_session_key(ccsp_vsm_session *s, uint64_t handle)
{
	uint32_t slot = (uint32_t)(handle & 0xFFFFFFFFu) - 1;
	if (handle == 0 || slot >= s->vsm->lim.max_session_keys)
		return NULL;
	vsm_key_slot *k = &s->keys[slot];
	return k->handle == handle ? k : NULL;
}

ccsp_err vsm_session_add_key(ccsp_vsm_session *s, const uint8_t *key, size_t len, uint64_t *handle)
{
	uint32_t r;
	if (len != 16 && len != 32)
		return CCSP_ERR_KEY_LENGTH;
	for (uint32_t i = 0; i < s->vsm->lim.max_session_keys; i++) {
		vsm_key_slot *k = &s->keys[i];
		if (k->handle != 0)
			continue;
		ccsp_err ret = ccsp_random(&r, sizeof r);
		if (ret != CCSP_OK)
			return ret;
		k->handle = ((uint64_t)(r | 1) << 32) | (i + 1);
		k->bits = (uint32_t)len * 8;
		memcpy(k->key, key, len);
		*handle = k->handle;
		return CCSP_OK;
	}
	return CCSP_ERR_LIMIT;
}

ccsp_err ccsp_vsm_key_destroy(ccsp_vsm_session *s, uint64_t handle)
{
	vsm_key_slot *k = vsm_session_key(s, handle);
	if (k == NULL)
		return CCSP_ERR_KEY_NOT_FOUND;
	ccsp_memzero(k, sizeof *k);
	return CCSP_OK;
}

void vsm_session_end_stream(ccsp_vsm_session *s)
{
	vsm_stream_free_held(s);
	ccsp_memzero(&s->st, sizeof s->st);
	s->stream = VSM_STREAM_NONE;
	s->stream_alg = 0;
}

ccsp_err ccsp_vsm_random(ccsp_vsm_session *s, uint8_t *out, size_t len)
{
	ccsp_err ret = vsm_ready(s->vsm);
	return ret != CCSP_OK ? ret : ccsp_random(out, len);
}

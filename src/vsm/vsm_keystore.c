/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The keystore's tables, lock and services. The file format is in vsm_keystore_file.c.
 *
 * Every change runs under the write lock in three steps: change the tables, persist them (serialise, encrypt,
 * ccsp_atomic_write), and on failure put back the saved copy of the slot. Readers wait on the lock, so no
 * reader ever sees a change the file does not hold.
 */
#include "vsm/vsm_keystore.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>
#include <ccsp/sm3.h>
#include <ccsp/sm4.h>

#include "vsm/vsm_keystore_file.h"
#include "vsm/vsm_wrap_cache.h"

/*
 * The signing context of an index's signing pair, made at its first signature (ccsp_sm2_sign_ctx: about 1.5 times
 * the one-shot rate). Used under the read lock by the one thread that takes busy; busy is never waited for: a
 * signer that finds it taken signs one-shot. Dropped under the write lock whenever the pair may change (delete,
 * wipe, free), when no signer can hold it, so a context never outlives its key.
 */
typedef struct ks_sign_cache {
	atomic_flag busy;
	ccsp_sm2_sign_ctx *ctx;
} ks_sign_cache;

struct ccsp_vsm_keystore {
	pthread_rwlock_t lock;
	int lock_ready;
	char *path;
	ccsp_sm4_key storage; /* expanded storage key; this struct lives in secure memory */
	ccsp_vsm_ks_state st;
	ks_sign_cache *sign;  /* max_index entries; the contexts are in secure memory */
	vsm_wrap_cache *wrap; /* keys of sealed signing wraps, by KEK (vsm_wrap_cache.h); dropped like sign */
};

/* ---- state ---- */

ccsp_err ccsp_vsm_ks_state_init(ccsp_vsm_ks_state *st, uint32_t max_index)
{
	st->max_index = max_index;
	st->sm2 = ccsp_secure_alloc((size_t)max_index * sizeof *st->sm2); /* zeroed: every slot empty */
	st->kek = ccsp_secure_alloc((size_t)max_index * sizeof *st->kek);
	if (st->sm2 != NULL && st->kek != NULL)
		return CCSP_OK;
	ccsp_vsm_ks_state_free(st);
	return CCSP_ERR_NOMEM;
}

void ccsp_vsm_ks_state_clear(ccsp_vsm_ks_state *st)
{
	for (uint32_t i = 0; st->sm2 != NULL && i < st->max_index; i++) {
		ccsp_sm2_key_free(st->sm2[i].pair[0]);
		ccsp_sm2_key_free(st->sm2[i].pair[1]);
	}
	if (st->sm2 != NULL)
		ccsp_memzero(st->sm2, (size_t)st->max_index * sizeof *st->sm2);
	if (st->kek != NULL)
		ccsp_memzero(st->kek, (size_t)st->max_index * sizeof *st->kek);
}

void ccsp_vsm_ks_state_free(ccsp_vsm_ks_state *st)
{
	ccsp_vsm_ks_state_clear(st);
	ccsp_secure_free(st->sm2);
	ccsp_secure_free(st->kek);
	st->sm2 = NULL;
	st->kek = NULL;
}

/* ---- small helpers ---- */

static int64_t now(void)
{
	return (int64_t)time(NULL);
}

static int is_sm2_kind(ccsp_vsm_key_kind kind)
{
	return kind == CCSP_VSM_KEY_SIGN || kind == CCSP_VSM_KEY_ENC;
}

static int index_ok(const ccsp_vsm_keystore *ks, uint32_t index)
{
	return index >= 1 && index <= ks->st.max_index;
}

/* A password argument: NULL (allowed only when optional, and then pwlen must be 0) or MIN..MAX bytes. */
static int password_arg_ok(const uint8_t *pw, size_t pwlen, int optional)
{
	if (pw == NULL)
		return optional && pwlen == 0;
	return pwlen >= CCSP_VSM_PASSWORD_MIN && pwlen <= CCSP_VSM_PASSWORD_MAX;
}

/* 1 when equal; the time depends only on n. */
static int ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	volatile uint8_t d = 0;
	for (size_t i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

static ccsp_err rdlock(ccsp_vsm_keystore *ks)
{
	return pthread_rwlock_rdlock(&ks->lock) == 0 ? CCSP_OK : CCSP_ERR_INTERNAL;
}

static ccsp_err wrlock(ccsp_vsm_keystore *ks)
{
	return pthread_rwlock_wrlock(&ks->lock) == 0 ? CCSP_OK : CCSP_ERR_INTERNAL;
}

static void unlock(ccsp_vsm_keystore *ks)
{
	(void)pthread_rwlock_unlock(&ks->lock);
}

static ccsp_err persist(ccsp_vsm_keystore *ks)
{
	return ccsp_vsm_ks_file_save(ks->path, &ks->storage, &ks->st);
}

static ccsp_vsm_ks_sm2_slot *sm2_slot(ccsp_vsm_keystore *ks, uint32_t index)
{
	return &ks->st.sm2[index - 1];
}

static ccsp_vsm_ks_kek_slot *kek_slot(ccsp_vsm_keystore *ks, uint32_t index)
{
	return &ks->st.kek[index - 1];
}

/* ---- passwords ---- */

static ccsp_err password_new(const uint8_t *pw, size_t pwlen, ccsp_vsm_ks_password *rec)
{
	ccsp_err ret;
	rec->iterations = CCSP_VSM_PW_ITERATIONS;
	KS_CHECK(ccsp_random(rec->salt, sizeof rec->salt));
	KS_CHECK(ccsp_pbkdf2_sm3(pw, pwlen, rec->salt, sizeof rec->salt, rec->iterations, rec->hash,
	                         sizeof rec->hash));
out:
	if (ret != CCSP_OK)
		ccsp_memzero(rec, sizeof *rec);
	return ret;
}

static ccsp_err password_verify(const uint8_t *pw, size_t pwlen, const ccsp_vsm_ks_password *rec)
{
	ccsp_err ret;
	uint8_t hash[CCSP_VSM_PW_HASH_SIZE];
	KS_CHECK(ccsp_pbkdf2_sm3(pw, pwlen, rec->salt, sizeof rec->salt, rec->iterations, hash, sizeof hash));
	ret = ct_equal(hash, rec->hash, sizeof hash) ? CCSP_OK : CCSP_ERR_PASSWORD;
out:
	ccsp_memzero(hash, sizeof hash);
	return ret;
}

/* ---- signing contexts ---- */

static ccsp_err sign_cache_init(ccsp_vsm_keystore *ks)
{
	ks->sign = calloc(ks->st.max_index, sizeof *ks->sign);
	if (ks->sign == NULL)
		return CCSP_ERR_NOMEM;
	for (uint32_t i = 0; i < ks->st.max_index; i++)
		atomic_flag_clear(&ks->sign[i].busy);
	return CCSP_OK;
}

/* Under the write lock (or with the keystore private to the caller). */
static void sign_cache_drop(ccsp_vsm_keystore *ks, uint32_t index)
{
	ccsp_sm2_sign_ctx_free(ks->sign[index - 1].ctx);
	ks->sign[index - 1].ctx = NULL;
}

static void sign_cache_drop_all(ccsp_vsm_keystore *ks)
{
	for (uint32_t i = 1; ks->sign != NULL && i <= ks->st.max_index; i++)
		sign_cache_drop(ks, i);
}

/* Under the read lock, key being the signing pair of index. */
static ccsp_err sign_cached(ccsp_vsm_keystore *ks, uint32_t index, const ccsp_sm2_key *key, const uint8_t e[32],
                            uint8_t sig[64])
{
	ks_sign_cache *c = &ks->sign[index - 1];
	if (atomic_flag_test_and_set_explicit(&c->busy, memory_order_acquire))
		return ccsp_sm2_sign_digest(key, e, sig); /* another thread signs with it now */
	if (c->ctx == NULL && ccsp_sm2_sign_ctx_new(key, &c->ctx) != CCSP_OK)
		c->ctx = NULL; /* no memory for it: one-shot this time, try again next time */
	ccsp_err ret = c->ctx != NULL ? ccsp_sm2_sign_ctx_sign_digest(c->ctx, e, sig) : ccsp_sm2_sign_digest(key, e, sig);
	atomic_flag_clear_explicit(&c->busy, memory_order_release);
	return ret;
}

/* ---- lifecycle ---- */

ccsp_err ccsp_vsm_keystore_open(const char *path, const uint8_t storage_key[CCSP_VSM_STORAGE_KEY_SIZE],
                                uint32_t max_index, ccsp_vsm_keystore **out)
{
	ccsp_err ret;
	ccsp_vsm_keystore *ks = NULL;

	if (out != NULL)
		*out = NULL;
	KS_ENSURE(path != NULL && storage_key != NULL && out != NULL, CCSP_ERR_ARG);
	KS_ENSURE(max_index >= 1 && max_index <= CCSP_VSM_INDEX_LIMIT, CCSP_ERR_ARG);
	ks = ccsp_secure_alloc(sizeof *ks);
	KS_ENSURE(ks != NULL, CCSP_ERR_NOMEM);
	KS_ENSURE(pthread_rwlock_init(&ks->lock, NULL) == 0, CCSP_ERR_NOMEM);
	ks->lock_ready = 1;
	ks->path = strdup(path);
	KS_ENSURE(ks->path != NULL, CCSP_ERR_NOMEM);
	KS_CHECK(ccsp_sm4_set_key(&ks->storage, storage_key, CCSP_VSM_STORAGE_KEY_SIZE));
	KS_CHECK(ccsp_vsm_ks_state_init(&ks->st, max_index));
	KS_CHECK(sign_cache_init(ks));
	ks->wrap = vsm_wrap_cache_new();
	KS_ENSURE(ks->wrap != NULL, CCSP_ERR_NOMEM);
	ret = ccsp_vsm_ks_file_load(ks->path, &ks->storage, &ks->st);
	if (ret == CCSP_ERR_FILE_NOT_FOUND)
		ret = CCSP_OK; /* a new keystore: the file appears with the first change */
	KS_CHECK(ret);
	*out = ks;
	ks = NULL;
out:
	ccsp_vsm_keystore_free(ks);
	return ret;
}

void ccsp_vsm_keystore_free(ccsp_vsm_keystore *ks)
{
	if (ks == NULL)
		return;
	sign_cache_drop_all(ks);
	free(ks->sign);
	vsm_wrap_cache_free(ks->wrap);
	ccsp_vsm_ks_state_free(&ks->st);
	ccsp_sm4_key_wipe(&ks->storage);
	free(ks->path);
	if (ks->lock_ready)
		(void)pthread_rwlock_destroy(&ks->lock);
	ccsp_secure_free(ks);
}

uint32_t ccsp_vsm_keystore_max_index(const ccsp_vsm_keystore *ks)
{
	return ks == NULL ? 0 : ks->st.max_index;
}

/* ---- changes ---- */

/* A new SM2 key object from secret (import) or from the DRBG (generate, with the pairwise test). */
static ccsp_err sm2_key_make(const uint8_t *secret, ccsp_sm2_key **out)
{
	ccsp_err ret;
	ccsp_sm2_key *key = ccsp_sm2_key_new();
	KS_ENSURE(key != NULL, CCSP_ERR_NOMEM);
	KS_CHECK(secret != NULL ? ccsp_sm2_key_set_private(key, secret) : ccsp_sm2_key_generate(key));
	*out = key;
	key = NULL;
out:
	ccsp_sm2_key_free(key);
	return ret;
}

/* The password the slot will hold once the new pair is in: the existing one (checked against pw when given)
 * or a new record of pw (required then). */
static ccsp_err sm2_add_password(const ccsp_vsm_ks_sm2_slot *s, const uint8_t *pw, size_t pwlen,
                                 ccsp_vsm_ks_password *rec)
{
	if (s->pw.iterations != 0) {
		*rec = s->pw;
		return pw == NULL ? CCSP_OK : password_verify(pw, pwlen, &s->pw);
	}
	if (pw == NULL)
		return CCSP_ERR_ARG;
	return password_new(pw, pwlen, rec);
}

static ccsp_err sm2_add_locked(ccsp_vsm_keystore *ks, ccsp_vsm_key_kind kind, uint32_t index,
                               const uint8_t *secret, const uint8_t *pw, size_t pwlen)
{
	ccsp_err ret;
	ccsp_vsm_ks_sm2_slot *s = sm2_slot(ks, index);
	ccsp_vsm_ks_sm2_slot saved = *s; /* for the rollback */
	ccsp_vsm_ks_password rec = {0};
	ccsp_sm2_key *key = NULL;
	int p = ccsp_vsm_ks_pair_slot(kind);

	KS_ENSURE(s->pair[p] == NULL, CCSP_ERR_KEY_EXISTS);
	KS_CHECK(sm2_add_password(s, pw, pwlen, &rec));
	KS_CHECK(sm2_key_make(secret, &key));
	s->pair[p] = key;
	s->created[p] = now();
	s->pw = rec;
	ret = persist(ks);
	if (ret != CCSP_OK) {
		*s = saved; /* key is still ours: freed below */
		goto out;
	}
	key = NULL;
out:
	ccsp_sm2_key_free(key);
	ccsp_memzero(&rec, sizeof rec);
	ccsp_memzero(&saved, sizeof saved);
	return ret;
}

static ccsp_err kek_add_locked(ccsp_vsm_keystore *ks, uint32_t index, const uint8_t *secret)
{
	ccsp_err ret;
	ccsp_vsm_ks_kek_slot *k = kek_slot(ks, index);
	int filled = 0;

	KS_ENSURE(!k->used, CCSP_ERR_KEY_EXISTS);
	vsm_wrap_cache_drop(ks->wrap, index); /* an empty slot has none: so that none outlives the KEK it came from */
	filled = 1;
	if (secret != NULL)
		memcpy(k->key, secret, sizeof k->key);
	else
		KS_CHECK(ccsp_random(k->key, sizeof k->key));
	k->created = now();
	k->used = 1;
	KS_CHECK(persist(ks));
out:
	if (ret != CCSP_OK && filled)
		ccsp_memzero(k, sizeof *k); /* back to the empty slot it was */
	return ret;
}

/* Arguments of generate (secret NULL) and import, checked before taking the lock. */
static ccsp_err add_args(const ccsp_vsm_keystore *ks, ccsp_vsm_key_kind kind, uint32_t index, int import,
                         const uint8_t *secret, size_t secretlen, const uint8_t *pw, size_t pwlen)
{
	if (ks == NULL || !index_ok(ks, index) || (import && secret == NULL))
		return CCSP_ERR_ARG;
	if (kind == CCSP_VSM_KEY_KEK) {
		if (pw != NULL || pwlen != 0)
			return CCSP_ERR_ARG;
		return !import || secretlen == CCSP_VSM_KEK_SIZE ? CCSP_OK : CCSP_ERR_KEY_LENGTH;
	}
	if (!is_sm2_kind(kind) || !password_arg_ok(pw, pwlen, 1))
		return CCSP_ERR_ARG;
	return !import || secretlen == CCSP_SM2_PRIVATE_KEY_SIZE ? CCSP_OK : CCSP_ERR_KEY_LENGTH;
}

static ccsp_err add(ccsp_vsm_keystore *ks, ccsp_vsm_key_kind kind, uint32_t index, int import,
                    const uint8_t *secret, size_t secretlen, const uint8_t *pw, size_t pwlen)
{
	ccsp_err ret = add_args(ks, kind, index, import, secret, secretlen, pw, pwlen);
	if (ret != CCSP_OK || (ret = wrlock(ks)) != CCSP_OK)
		return ret;
	if (kind == CCSP_VSM_KEY_KEK)
		ret = kek_add_locked(ks, index, secret);
	else
		ret = sm2_add_locked(ks, kind, index, secret, pw, pwlen);
	unlock(ks);
	return ret;
}

ccsp_err ccsp_vsm_keystore_generate(ccsp_vsm_keystore *ks, ccsp_vsm_key_kind kind, uint32_t index,
                                    const uint8_t *password, size_t pwlen)
{
	return add(ks, kind, index, 0, NULL, 0, password, pwlen);
}

ccsp_err ccsp_vsm_keystore_import(ccsp_vsm_keystore *ks, ccsp_vsm_key_kind kind, uint32_t index,
                                  const uint8_t *secret, size_t secretlen, const uint8_t *password, size_t pwlen)
{
	return add(ks, kind, index, 1, secret, secretlen, password, pwlen);
}

static ccsp_err sm2_delete_locked(ccsp_vsm_keystore *ks, ccsp_vsm_key_kind kind, uint32_t index)
{
	ccsp_err ret;
	ccsp_vsm_ks_sm2_slot *s = sm2_slot(ks, index);
	ccsp_vsm_ks_sm2_slot saved = *s; /* for the rollback */
	int p = ccsp_vsm_ks_pair_slot(kind);
	ccsp_sm2_key *key = s->pair[p];

	KS_ENSURE(key != NULL, CCSP_ERR_KEY_NOT_FOUND);
	if (kind == CCSP_VSM_KEY_SIGN)
		sign_cache_drop(ks, index); /* remade at the next signature should the deletion fail */
	s->pair[p] = NULL;
	s->created[p] = 0;
	if (s->pair[1 - p] == NULL)
		ccsp_memzero(&s->pw, sizeof s->pw); /* the last pair takes the index's password with it */
	ret = persist(ks);
	if (ret != CCSP_OK)
		*s = saved;
	else
		ccsp_sm2_key_free(key);
out:
	ccsp_memzero(&saved, sizeof saved);
	return ret;
}

static ccsp_err kek_delete_locked(ccsp_vsm_keystore *ks, uint32_t index)
{
	ccsp_err ret;
	ccsp_vsm_ks_kek_slot *k = kek_slot(ks, index);
	ccsp_vsm_ks_kek_slot saved = *k; /* for the rollback */

	KS_ENSURE(k->used, CCSP_ERR_KEY_NOT_FOUND);
	vsm_wrap_cache_drop(ks->wrap, index); /* remade at their next signatures should the deletion fail */
	ccsp_memzero(k, sizeof *k);
	ret = persist(ks);
	if (ret != CCSP_OK)
		*k = saved;
out:
	ccsp_memzero(&saved, sizeof saved);
	return ret;
}

ccsp_err ccsp_vsm_keystore_delete(ccsp_vsm_keystore *ks, ccsp_vsm_key_kind kind, uint32_t index)
{
	ccsp_err ret;
	if (ks == NULL || !index_ok(ks, index) || (!is_sm2_kind(kind) && kind != CCSP_VSM_KEY_KEK))
		return CCSP_ERR_ARG;
	if ((ret = wrlock(ks)) != CCSP_OK)
		return ret;
	if (kind == CCSP_VSM_KEY_KEK)
		ret = kek_delete_locked(ks, index);
	else
		ret = sm2_delete_locked(ks, kind, index);
	unlock(ks);
	return ret;
}

static ccsp_err set_password_locked(ccsp_vsm_keystore *ks, uint32_t index, const ccsp_vsm_ks_password *rec)
{
	ccsp_err ret;
	ccsp_vsm_ks_sm2_slot *s = sm2_slot(ks, index);
	ccsp_vsm_ks_password saved = s->pw;

	KS_ENSURE(s->pair[0] != NULL || s->pair[1] != NULL, CCSP_ERR_KEY_NOT_FOUND);
	s->pw = *rec;
	ret = persist(ks);
	if (ret != CCSP_OK)
		s->pw = saved;
out:
	ccsp_memzero(&saved, sizeof saved);
	return ret;
}

ccsp_err ccsp_vsm_keystore_set_password(ccsp_vsm_keystore *ks, uint32_t index, const uint8_t *password,
                                        size_t pwlen)
{
	ccsp_err ret;
	ccsp_vsm_ks_password rec = {0};
	int locked = 0;

	KS_ENSURE(ks != NULL && index_ok(ks, index) && password_arg_ok(password, pwlen, 0), CCSP_ERR_ARG);
	KS_CHECK(password_new(password, pwlen, &rec)); /* the slow part, outside the lock */
	KS_CHECK(wrlock(ks));
	locked = 1;
	KS_CHECK(set_password_locked(ks, index, &rec));
out:
	if (locked)
		unlock(ks);
	ccsp_memzero(&rec, sizeof rec);
	return ret;
}

ccsp_err ccsp_vsm_keystore_wipe_all(ccsp_vsm_keystore *ks)
{
	ccsp_err ret;
	if (ks == NULL)
		return CCSP_ERR_ARG;
	if ((ret = wrlock(ks)) != CCSP_OK)
		return ret;
	ret = ccsp_vsm_ks_file_save(ks->path, &ks->storage, NULL);
	if (ret == CCSP_OK) {
		sign_cache_drop_all(ks);
		vsm_wrap_cache_clear(ks->wrap);
		ccsp_vsm_ks_state_clear(&ks->st);
	}
	unlock(ks);
	return ret;
}

/* ---- listing and public keys ---- */

static size_t count_keys(const ccsp_vsm_ks_state *st)
{
	size_t n = 0;
	for (uint32_t i = 0; i < st->max_index; i++)
		n += (size_t)(st->sm2[i].pair[0] != NULL) + (st->sm2[i].pair[1] != NULL) + (st->kek[i].used != 0);
	return n;
}

/* The entry of (kind, i + 1) into *info; *present = 0 when that slot is empty. */
static ccsp_err key_info(const ccsp_vsm_ks_state *st, ccsp_vsm_key_kind kind, uint32_t i, ccsp_vsm_key_info *info,
                         int *present)
{
	memset(info, 0, sizeof *info);
	info->kind = kind;
	info->index = i + 1;
	if (kind == CCSP_VSM_KEY_KEK) {
		info->created = st->kek[i].created;
		*present = st->kek[i].used;
		return CCSP_OK;
	}
	const ccsp_vsm_ks_sm2_slot *s = &st->sm2[i];
	int p = ccsp_vsm_ks_pair_slot(kind);
	*present = s->pair[p] != NULL;
	if (!*present)
		return CCSP_OK;
	info->created = s->created[p];
	info->has_password = s->pw.iterations != 0;
	return ccsp_sm2_key_get_public(s->pair[p], info->pub);
}

static ccsp_err list_locked(const ccsp_vsm_ks_state *st, ccsp_vsm_key_info **infos, size_t *count)
{
	static const ccsp_vsm_key_kind kinds[] = {CCSP_VSM_KEY_SIGN, CCSP_VSM_KEY_ENC, CCSP_VSM_KEY_KEK};
	ccsp_err ret = CCSP_OK;
	size_t n = count_keys(st), k = 0;
	ccsp_vsm_key_info *v = NULL;

	KS_ENSURE(n != 0, CCSP_OK); /* an empty list: *infos stays NULL */
	v = calloc(n, sizeof *v);
	KS_ENSURE(v != NULL, CCSP_ERR_NOMEM);
	for (size_t t = 0; t < sizeof kinds / sizeof kinds[0]; t++)
		for (uint32_t i = 0; i < st->max_index && k < n; i++) {
			int present;
			KS_CHECK(key_info(st, kinds[t], i, &v[k], &present));
			k += (size_t)present;
		}
	KS_ENSURE(k == n, CCSP_ERR_INTERNAL);
	*infos = v;
	*count = n;
	v = NULL;
out:
	free(v);
	return ret;
}

ccsp_err ccsp_vsm_keystore_list(ccsp_vsm_keystore *ks, ccsp_vsm_key_info **infos, size_t *count)
{
	ccsp_err ret;
	if (ks == NULL || infos == NULL || count == NULL)
		return CCSP_ERR_ARG;
	*infos = NULL;
	*count = 0;
	if ((ret = rdlock(ks)) != CCSP_OK)
		return ret;
	ret = list_locked(&ks->st, infos, count);
	unlock(ks);
	return ret;
}

/* ---- user operations ---- */

ccsp_err ccsp_vsm_keystore_check_password(ccsp_vsm_keystore *ks, uint32_t index, const uint8_t *password,
                                          size_t pwlen)
{
	ccsp_err ret;
	ccsp_vsm_ks_password rec = {0};

	KS_ENSURE(ks != NULL && index_ok(ks, index) && password_arg_ok(password, pwlen, 0), CCSP_ERR_ARG);
	KS_CHECK(rdlock(ks));
	rec = sm2_slot(ks, index)->pw; /* a copy, so that PBKDF2 runs outside the lock */
	unlock(ks);
	KS_ENSURE(rec.iterations != 0, CCSP_ERR_KEY_NOT_FOUND);
	KS_CHECK(password_verify(password, pwlen, &rec));
out:
	ccsp_memzero(&rec, sizeof rec);
	return ret;
}

/* Run fn(key, arg) with the pair of (kind, index) under the read lock. */
static ccsp_err with_pair(ccsp_vsm_keystore *ks, ccsp_vsm_key_kind kind, uint32_t index,
                          ccsp_vsm_sm2_fn fn, void *arg)
{
	ccsp_err ret;
	if (ks == NULL || !index_ok(ks, index) || !is_sm2_kind(kind) || fn == NULL)
		return CCSP_ERR_ARG;
	if ((ret = rdlock(ks)) != CCSP_OK)
		return ret;
	const ccsp_sm2_key *key = sm2_slot(ks, index)->pair[ccsp_vsm_ks_pair_slot(kind)];
	ret = key == NULL ? CCSP_ERR_KEY_NOT_FOUND : fn(key, arg);
	unlock(ks);
	return ret;
}

static ccsp_err get_public(const ccsp_sm2_key *key, void *arg)
{
	return ccsp_sm2_key_get_public(key, arg);
}

ccsp_err ccsp_vsm_keystore_public(ccsp_vsm_keystore *ks, ccsp_vsm_key_kind kind, uint32_t index,
                                  uint8_t pub[CCSP_SM2_POINT_SIZE])
{
	if (pub == NULL)
		return CCSP_ERR_ARG;
	return with_pair(ks, kind, index, get_public, pub);
}

ccsp_err ccsp_vsm_keystore_public_key(ccsp_vsm_keystore *ks, ccsp_vsm_key_kind kind, uint32_t index,
                                      ccsp_sm2_key **out)
{
	ccsp_err ret;
	uint8_t pub[CCSP_SM2_POINT_SIZE];
	ccsp_sm2_key *key = NULL;

	KS_ENSURE(out != NULL, CCSP_ERR_ARG);
	*out = NULL;
	KS_CHECK(ccsp_vsm_keystore_public(ks, kind, index, pub));
	key = ccsp_sm2_key_new();
	KS_ENSURE(key != NULL, CCSP_ERR_NOMEM);
	KS_CHECK(ccsp_sm2_key_set_public(key, pub, sizeof pub));
	*out = key;
	key = NULL;
out:
	ccsp_sm2_key_free(key);
	return ret;
}

ccsp_err ccsp_vsm_keystore_with_sm2(ccsp_vsm_keystore *ks, ccsp_vsm_key_kind kind, uint32_t index,
                                    ccsp_vsm_sm2_fn fn, void *arg)
{
	return with_pair(ks, kind, index, fn, arg);
}

ccsp_err ccsp_vsm_keystore_sign(ccsp_vsm_keystore *ks, uint32_t index, const uint8_t e[32], uint8_t sig[64])
{
	ccsp_err ret;
	if (ks == NULL || !index_ok(ks, index) || e == NULL || sig == NULL)
		return CCSP_ERR_ARG;
	if ((ret = rdlock(ks)) != CCSP_OK)
		return ret;
	const ccsp_sm2_key *key = sm2_slot(ks, index)->pair[ccsp_vsm_ks_pair_slot(CCSP_VSM_KEY_SIGN)];
	ret = key == NULL ? CCSP_ERR_KEY_NOT_FOUND : sign_cached(ks, index, key, e, sig);
	unlock(ks);
	return ret;
}

static ccsp_err kek_crypt(ccsp_vsm_keystore *ks, uint32_t index, const uint8_t *in, uint8_t *out, size_t len,
                          int encrypt)
{
	ccsp_err ret;
	ccsp_sm4_key k;
	int locked = 0;

	memset(&k, 0, sizeof k);
	KS_ENSURE(ks != NULL && index_ok(ks, index) && ((in != NULL && out != NULL) || len == 0), CCSP_ERR_ARG);
	KS_ENSURE(len % CCSP_SM4_BLOCK_SIZE == 0, CCSP_ERR_DATA_LENGTH);
	KS_CHECK(rdlock(ks));
	locked = 1;
	KS_ENSURE(kek_slot(ks, index)->used, CCSP_ERR_KEY_NOT_FOUND);
	KS_CHECK(ccsp_sm4_set_key(&k, kek_slot(ks, index)->key, CCSP_VSM_KEK_SIZE));
	KS_CHECK(encrypt ? ccsp_sm4_ecb_encrypt(&k, in, out, len) : ccsp_sm4_ecb_decrypt(&k, in, out, len));
out:
	if (locked)
		unlock(ks);
	ccsp_sm4_key_wipe(&k);
	return ret;
}

ccsp_err ccsp_vsm_keystore_kek_wrap(ccsp_vsm_keystore *ks, uint32_t index, const uint8_t *in, uint8_t *out,
                                    size_t len)
{
	return kek_crypt(ks, index, in, out, len, 1);
}

ccsp_err ccsp_vsm_keystore_kek_unwrap(ccsp_vsm_keystore *ks, uint32_t index, const uint8_t *in, uint8_t *out,
                                      size_t len)
{
	return kek_crypt(ks, index, in, out, len, 0);
}

/* The KEK's AEAD key (vsm_keystore.h): a one-way derivation, so a GCM key never equals a key used raw in ECB. */
static const char KEK_AEAD_LABEL[] = "ccsp/vsm/kek-aead/1";

/* The expanded AEAD key of the KEK at index, under the lock. */
static ccsp_err kek_aead_key_locked(ccsp_vsm_keystore *ks, uint32_t index, ccsp_sm4_key *k)
{
	ccsp_err ret;
	uint8_t sub[CCSP_SM3_DIGEST_SIZE];

	memset(sub, 0, sizeof sub);
	KS_ENSURE(kek_slot(ks, index)->used, CCSP_ERR_KEY_NOT_FOUND);
	KS_CHECK(ccsp_hmac_sm3(kek_slot(ks, index)->key, CCSP_VSM_KEK_SIZE, KEK_AEAD_LABEL, sizeof KEK_AEAD_LABEL - 1,
	                       sub));
	KS_CHECK(ccsp_sm4_set_key(k, sub, CCSP_SM4_KEY_SIZE));
out:
	ccsp_memzero(sub, sizeof sub);
	return ret;
}

static ccsp_err kek_aead(ccsp_vsm_keystore *ks, uint32_t index, const uint8_t *iv, const uint8_t *aad, size_t aadlen,
                         const uint8_t *in, uint8_t *out, size_t len, uint8_t *tag_out, const uint8_t *tag_in)
{
	ccsp_err ret;
	ccsp_sm4_key k;
	int locked = 0;

	memset(&k, 0, sizeof k);
	KS_ENSURE(ks != NULL && index_ok(ks, index) && iv != NULL && (aad != NULL || aadlen == 0) &&
	          ((in != NULL && out != NULL) || len == 0) && (tag_out != NULL || tag_in != NULL), CCSP_ERR_ARG);
	KS_CHECK(rdlock(ks));
	locked = 1;
	KS_CHECK(kek_aead_key_locked(ks, index, &k));
	unlock(ks);
	locked = 0;
	if (tag_out != NULL)
		ret = ccsp_sm4_gcm_encrypt(&k, iv, CCSP_VSM_KEK_AEAD_IV_SIZE, aad, aadlen, in, out, len, tag_out);
	else
		ret = ccsp_sm4_gcm_decrypt(&k, iv, CCSP_VSM_KEK_AEAD_IV_SIZE, aad, aadlen, in, out, len, tag_in);
out:
	if (locked)
		unlock(ks);
	ccsp_sm4_key_wipe(&k);
	return ret;
}

ccsp_err ccsp_vsm_keystore_kek_seal(ccsp_vsm_keystore *ks, uint32_t index, const uint8_t iv[CCSP_VSM_KEK_AEAD_IV_SIZE],
                                    const uint8_t *aad, size_t aadlen, const uint8_t *in, uint8_t *out, size_t len,
                                    uint8_t tag[CCSP_VSM_KEK_AEAD_TAG_SIZE])
{
	if (tag == NULL)
		return CCSP_ERR_ARG;
	return kek_aead(ks, index, iv, aad, aadlen, in, out, len, tag, NULL);
}

ccsp_err ccsp_vsm_keystore_kek_open(ccsp_vsm_keystore *ks, uint32_t index, const uint8_t iv[CCSP_VSM_KEK_AEAD_IV_SIZE],
                                    const uint8_t *aad, size_t aadlen, const uint8_t *in, uint8_t *out, size_t len,
                                    const uint8_t tag[CCSP_VSM_KEK_AEAD_TAG_SIZE])
{
	if (tag == NULL)
		return CCSP_ERR_ARG;
	return kek_aead(ks, index, iv, aad, aadlen, in, out, len, NULL, tag);
}

/* Under the read lock, the KEK at index present: open the sealed private key, sign e with it one-shot and hand it to
 * the cache under id. */
static ccsp_err kek_sign_open(ccsp_vsm_keystore *ks, uint32_t index, const uint8_t *iv, const uint8_t *aad,
                              size_t aadlen, const uint8_t *ct, const uint8_t *tag, const uint8_t *id,
                              const uint8_t e[32], uint8_t sig[64])
{
	ccsp_err ret;
	ccsp_sm4_key k;
	uint8_t d[CCSP_SM2_PRIVATE_KEY_SIZE];
	ccsp_sm2_key *key = NULL;

	memset(&k, 0, sizeof k);
	memset(d, 0, sizeof d);
	KS_CHECK(kek_aead_key_locked(ks, index, &k));
	KS_CHECK(ccsp_sm4_gcm_decrypt(&k, iv, CCSP_VSM_KEK_AEAD_IV_SIZE, aad, aadlen, ct, d, sizeof d, tag));
	KS_CHECK(sm2_key_make(d, &key));
	KS_CHECK(ccsp_sm2_sign_digest(key, e, sig));
	vsm_wrap_cache_put(ks->wrap, id, index, key);
	key = NULL;
out:
	ccsp_sm2_key_free(key);
	ccsp_memzero(d, sizeof d);
	ccsp_sm4_key_wipe(&k);
	return ret;
}

/* The id covers the wrap's every byte: aad || iv || ct || tag, as the vendor wrap lays them out (vsm_wrapped.c);
 * their lengths but aadlen are fixed, so no two splits of one string give one id. */
#define KEK_SIGN_AAD_MAX 16

ccsp_err ccsp_vsm_keystore_kek_sign(ccsp_vsm_keystore *ks, uint32_t index, const uint8_t iv[CCSP_VSM_KEK_AEAD_IV_SIZE],
                                    const uint8_t *aad, size_t aadlen, const uint8_t ct[CCSP_SM2_PRIVATE_KEY_SIZE],
                                    const uint8_t tag[CCSP_VSM_KEK_AEAD_TAG_SIZE], const uint8_t e[32],
                                    uint8_t sig[64])
{
	ccsp_err ret;
	uint8_t w[KEK_SIGN_AAD_MAX + CCSP_VSM_KEK_AEAD_IV_SIZE + CCSP_SM2_PRIVATE_KEY_SIZE +
	          CCSP_VSM_KEK_AEAD_TAG_SIZE];
	uint8_t id[VSM_WRAP_CACHE_ID_SIZE];
	size_t n = 0;
	int locked = 0, hit = 0;

	KS_ENSURE(ks != NULL && index_ok(ks, index) && iv != NULL && (aad != NULL || aadlen == 0) &&
	          aadlen <= KEK_SIGN_AAD_MAX && ct != NULL && tag != NULL && e != NULL && sig != NULL, CCSP_ERR_ARG);
	if (aadlen != 0)
		memcpy(w, aad, aadlen);
	n = aadlen;
	memcpy(w + n, iv, CCSP_VSM_KEK_AEAD_IV_SIZE);
	n += CCSP_VSM_KEK_AEAD_IV_SIZE;
	memcpy(w + n, ct, CCSP_SM2_PRIVATE_KEY_SIZE);
	n += CCSP_SM2_PRIVATE_KEY_SIZE;
	memcpy(w + n, tag, CCSP_VSM_KEK_AEAD_TAG_SIZE);
	n += CCSP_VSM_KEK_AEAD_TAG_SIZE;
	KS_CHECK(vsm_wrap_cache_id(ks->wrap, index, w, n, id));
	KS_CHECK(rdlock(ks));
	locked = 1;
	KS_ENSURE(kek_slot(ks, index)->used, CCSP_ERR_KEY_NOT_FOUND);
	KS_CHECK(vsm_wrap_cache_sign(ks->wrap, id, e, sig, &hit));
	if (!hit)
		KS_CHECK(kek_sign_open(ks, index, iv, aad, aadlen, ct, tag, id, e, sig));
out:
	if (locked)
		unlock(ks);
	ccsp_memzero(w, sizeof w);
	ccsp_memzero(id, sizeof id);
	return ret;
}

size_t ccsp_vsm_keystore_kek_sign_cached(ccsp_vsm_keystore *ks)
{
	return ks == NULL ? 0 : vsm_wrap_cache_count(ks->wrap);
}

void ccsp_vsm_keystore_kek_sign_counts(ccsp_vsm_keystore *ks, uint64_t *hits, uint64_t *misses)
{
	*hits = *misses = 0;
	if (ks != NULL)
		vsm_wrap_cache_counts(ks->wrap, hits, misses);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The keystore file. Integers are big-endian.
 *
 *     file   = magic "CCSPKS01" (8) | iv (12, fresh from ccsp_random for every write) | ct (n) | tag (16)
 *     ct, tag = SM4-GCM (GB/T 36624) under the storage key of the plaintext (n bytes), AAD = the magic
 *
 *     plaintext = count u32 | count records
 *     record    = kind u8 | index u32 | body
 *       kind 1 (SM2 signing pair)            created i64 | private key d (32)
 *       kind 2 (SM2 encryption pair)         created i64 | private key d (32)
 *       kind 3 (SM4 KEK)                     created i64 | key (16)
 *       kind 4 (access password of an SM2 index)  salt (16) | iterations u32 | PBKDF2-HMAC-SM3 hash (32)
 *
 * A file is accepted only when the tag verifies and the plaintext is exactly this: records in strictly
 * increasing (kind, index) order (so no duplicates), index 1..65535, d a valid SM2 private key, iterations
 * 1..2^24, a password record for an SM2 index exactly when the index holds a pair, nothing after the last
 * record. Anything else is CCSP_ERR_TAMPERED and nothing of the file is used. An authentic file with an index
 * above the keystore's max_index is CCSP_ERR_LIMIT (a configuration error, not an attack).
 *
 * The tag already rejects any change made without the storage key; the strict parse is there so that a bug in
 * a writer, or a file sealed by a different version, can never be half-read either.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>

#include "common/atomic_file.h"
#include "vsm/vsm_keystore_file.h"

#define KS_MAGIC "CCSPKS01"
#define KS_MAGIC_SIZE 8
#define KS_IV_SIZE 12
#define KS_HEAD_SIZE (KS_MAGIC_SIZE + KS_IV_SIZE)
#define KS_TAG_SIZE CCSP_SM4_GCM_TAG_SIZE

enum { REC_SIGN = 1, REC_ENC = 2, REC_KEK = 3, REC_PASSWORD = 4 };

#define REC_HEAD_SIZE (1 + 4)
#define REC_SM2_SIZE (REC_HEAD_SIZE + 8 + CCSP_SM2_PRIVATE_KEY_SIZE)
#define REC_KEK_SIZE (REC_HEAD_SIZE + 8 + CCSP_VSM_KEK_SIZE)
#define REC_PASSWORD_SIZE (REC_HEAD_SIZE + CCSP_VSM_PW_SALT_SIZE + 4 + CCSP_VSM_PW_HASH_SIZE)

/* The largest file any keystore can have: every slot of every table occupied. */
#define KS_MAX_FILE_SIZE                                                                           \
	(KS_HEAD_SIZE + 4 + (size_t)CCSP_VSM_INDEX_LIMIT * (2 * REC_SM2_SIZE + REC_KEK_SIZE + REC_PASSWORD_SIZE) + \
	 KS_TAG_SIZE)

/* ---- bounded writer: the size is computed first, so running out of room is a bug ---- */

typedef struct ks_writer {
	uint8_t *p;
	size_t cap;
	size_t pos;
} ks_writer;

/* Room for n more bytes, or NULL. */
static uint8_t *w_take(ks_writer *w, size_t n)
{
	if (n > w->cap - w->pos)
		return NULL;
	uint8_t *at = w->p + w->pos;
	w->pos += n;
	return at;
}

static ccsp_err w_bytes(ks_writer *w, const void *src, size_t n)
{
	uint8_t *at = w_take(w, n);
	if (at == NULL)
		return CCSP_ERR_INTERNAL;
	memcpy(at, src, n);
	return CCSP_OK;
}

static ccsp_err w_uint(ks_writer *w, uint64_t v, size_t n)
{
	uint8_t *at = w_take(w, n);
	if (at == NULL)
		return CCSP_ERR_INTERNAL;
	for (size_t i = 0; i < n; i++)
		at[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return CCSP_OK;
}

static ccsp_err w_head(ks_writer *w, uint8_t kind, uint32_t index)
{
	ccsp_err ret = w_uint(w, kind, 1);
	return ret != CCSP_OK ? ret : w_uint(w, index, 4);
}

/* ---- bounded reader: every short read is tampering ---- */

typedef struct ks_reader {
	const uint8_t *p;
	size_t len;
	size_t pos;
} ks_reader;

static ccsp_err r_bytes(ks_reader *r, size_t n, const uint8_t **at)
{
	if (n > r->len - r->pos)
		return CCSP_ERR_TAMPERED;
	*at = r->p + r->pos;
	r->pos += n;
	return CCSP_OK;
}

static ccsp_err r_uint(ks_reader *r, size_t n, uint64_t *v)
{
	const uint8_t *at;
	ccsp_err ret = r_bytes(r, n, &at);
	if (ret != CCSP_OK)
		return ret;
	*v = 0;
	for (size_t i = 0; i < n; i++)
		*v = *v << 8 | at[i];
	return CCSP_OK;
}

/* ---- serialisation ---- */

static uint32_t count_records(const ccsp_vsm_ks_state *st)
{
	uint32_t n = 0;
	for (uint32_t i = 0; st != NULL && i < st->max_index; i++) {
		const ccsp_vsm_ks_sm2_slot *s = &st->sm2[i];
		n += (s->pair[0] != NULL) + (s->pair[1] != NULL) + (s->pw.iterations != 0) + (st->kek[i].used != 0);
	}
	return n;
}

static size_t plaintext_size(const ccsp_vsm_ks_state *st)
{
	size_t n = 4;
	for (uint32_t i = 0; st != NULL && i < st->max_index; i++) {
		const ccsp_vsm_ks_sm2_slot *s = &st->sm2[i];
		n += (size_t)((s->pair[0] != NULL) + (s->pair[1] != NULL)) * REC_SM2_SIZE;
		n += s->pw.iterations != 0 ? REC_PASSWORD_SIZE : 0;
		n += st->kek[i].used ? REC_KEK_SIZE : 0;
	}
	return n;
}

static ccsp_err put_sm2(ks_writer *w, uint8_t kind, uint32_t index, const ccsp_sm2_key *key, int64_t created)
{
	ccsp_err ret;
	uint8_t *d;
	KS_CHECK(w_head(w, kind, index));
	KS_CHECK(w_uint(w, (uint64_t)created, 8));
	d = w_take(w, CCSP_SM2_PRIVATE_KEY_SIZE);
	KS_ENSURE(d != NULL, CCSP_ERR_INTERNAL);
	KS_CHECK(ccsp_sm2_key_get_private(key, d)); /* straight into the (secure) buffer: no copy to wipe */
out:
	return ret;
}

static ccsp_err put_password(ks_writer *w, uint32_t index, const ccsp_vsm_ks_password *pw)
{
	ccsp_err ret;
	KS_CHECK(w_head(w, REC_PASSWORD, index));
	KS_CHECK(w_bytes(w, pw->salt, sizeof pw->salt));
	KS_CHECK(w_uint(w, pw->iterations, 4));
	KS_CHECK(w_bytes(w, pw->hash, sizeof pw->hash));
out:
	return ret;
}

static ccsp_err put_kek(ks_writer *w, uint32_t index, const ccsp_vsm_ks_kek_slot *k)
{
	ccsp_err ret;
	KS_CHECK(w_head(w, REC_KEK, index));
	KS_CHECK(w_uint(w, (uint64_t)k->created, 8));
	KS_CHECK(w_bytes(w, k->key, sizeof k->key));
out:
	return ret;
}

/* The record of kind for index i + 1, if that slot is occupied. */
static ccsp_err put_slot(ks_writer *w, const ccsp_vsm_ks_state *st, uint8_t kind, uint32_t i)
{
	const ccsp_vsm_ks_sm2_slot *s = &st->sm2[i];
	switch (kind) {
	case REC_SIGN:
	case REC_ENC:
		return s->pair[kind - REC_SIGN] == NULL ? CCSP_OK
		                                         : put_sm2(w, kind, i + 1, s->pair[kind - REC_SIGN],
		                                                   s->created[kind - REC_SIGN]);
	case REC_KEK:
		return st->kek[i].used ? put_kek(w, i + 1, &st->kek[i]) : CCSP_OK;
	default:
		return s->pw.iterations != 0 ? put_password(w, i + 1, &s->pw) : CCSP_OK;
	}
}

/* One pass per kind, indices ascending: the (kind, index) order the reader insists on. */
static ccsp_err put_records(ks_writer *w, const ccsp_vsm_ks_state *st)
{
	ccsp_err ret = CCSP_OK;
	for (uint8_t kind = REC_SIGN; kind <= REC_PASSWORD; kind++)
		for (uint32_t i = 0; i < st->max_index; i++)
			KS_CHECK(put_slot(w, st, kind, i));
out:
	return ret;
}

static ccsp_err serialise(const ccsp_vsm_ks_state *st, uint8_t *p, size_t len)
{
	ccsp_err ret;
	ks_writer w = {p, len, 0};
	KS_CHECK(w_uint(&w, count_records(st), 4));
	if (st != NULL)
		KS_CHECK(put_records(&w, st));
	KS_ENSURE(w.pos == w.cap, CCSP_ERR_INTERNAL);
out:
	return ret;
}

ccsp_err ccsp_vsm_ks_file_save(const char *path, const ccsp_sm4_key *sk, const ccsp_vsm_ks_state *st)
{
	ccsp_err ret;
	size_t ptlen = plaintext_size(st);
	size_t total = KS_HEAD_SIZE + ptlen + KS_TAG_SIZE;
	uint8_t *buf = ccsp_secure_alloc(total); /* holds the plaintext keys until encrypted in place */
	uint8_t *iv, *body;

	KS_ENSURE(buf != NULL, CCSP_ERR_NOMEM);
	iv = buf + KS_MAGIC_SIZE;
	body = buf + KS_HEAD_SIZE;
	KS_CHECK(serialise(st, body, ptlen));
	memcpy(buf, KS_MAGIC, KS_MAGIC_SIZE);
	KS_CHECK(ccsp_random(iv, KS_IV_SIZE));
	KS_CHECK(ccsp_sm4_gcm_encrypt(sk, iv, KS_IV_SIZE, (const uint8_t *)KS_MAGIC, KS_MAGIC_SIZE, body, body, ptlen,
	                              body + ptlen));
	KS_CHECK(ccsp_atomic_write(path, buf, total, 0600));
out:
	ccsp_secure_free(buf);
	return ret;
}

/* ---- parsing ---- */

static ccsp_err get_sm2(ks_reader *r, ccsp_vsm_ks_sm2_slot *s, int p)
{
	ccsp_err ret;
	uint64_t created;
	const uint8_t *d;
	ccsp_sm2_key *key = NULL;

	KS_CHECK(r_uint(r, 8, &created));
	KS_CHECK(r_bytes(r, CCSP_SM2_PRIVATE_KEY_SIZE, &d));
	key = ccsp_sm2_key_new();
	KS_ENSURE(key != NULL, CCSP_ERR_NOMEM);
	ret = ccsp_sm2_key_set_private(key, d);
	KS_ENSURE(ret != CCSP_ERR_KEY, CCSP_ERR_TAMPERED);
	KS_CHECK(ret);
	s->pair[p] = key;
	s->created[p] = (int64_t)created;
	key = NULL;
out:
	ccsp_sm2_key_free(key);
	return ret;
}

static ccsp_err get_kek(ks_reader *r, ccsp_vsm_ks_kek_slot *k)
{
	ccsp_err ret;
	uint64_t created;
	const uint8_t *key;
	KS_CHECK(r_uint(r, 8, &created));
	KS_CHECK(r_bytes(r, CCSP_VSM_KEK_SIZE, &key));
	memcpy(k->key, key, CCSP_VSM_KEK_SIZE);
	k->created = (int64_t)created;
	k->used = 1;
out:
	return ret;
}

static ccsp_err get_password(ks_reader *r, ccsp_vsm_ks_password *pw)
{
	ccsp_err ret;
	const uint8_t *salt, *hash;
	uint64_t iterations;
	KS_CHECK(r_bytes(r, CCSP_VSM_PW_SALT_SIZE, &salt));
	KS_CHECK(r_uint(r, 4, &iterations));
	KS_CHECK(r_bytes(r, CCSP_VSM_PW_HASH_SIZE, &hash));
	KS_ENSURE(iterations >= 1 && iterations <= CCSP_VSM_PW_MAX_ITERATIONS, CCSP_ERR_TAMPERED);
	memcpy(pw->salt, salt, sizeof pw->salt);
	memcpy(pw->hash, hash, sizeof pw->hash);
	pw->iterations = (uint32_t)iterations;
out:
	return ret;
}

/* One record; *prev is the (kind, index) of the previous one, which this one must exceed. */
static ccsp_err get_record(ks_reader *r, ccsp_vsm_ks_state *st, uint64_t *prev)
{
	ccsp_err ret;
	uint64_t kind, index;
	KS_CHECK(r_uint(r, 1, &kind));
	KS_CHECK(r_uint(r, 4, &index));
	KS_ENSURE(kind >= REC_SIGN && kind <= REC_PASSWORD, CCSP_ERR_TAMPERED);
	KS_ENSURE(index >= 1 && index <= CCSP_VSM_INDEX_LIMIT, CCSP_ERR_TAMPERED);
	KS_ENSURE((kind << 32 | index) > *prev, CCSP_ERR_TAMPERED);
	KS_ENSURE(index <= st->max_index, CCSP_ERR_LIMIT);
	*prev = kind << 32 | index;
	if (kind == REC_SIGN || kind == REC_ENC)
		ret = get_sm2(r, &st->sm2[index - 1], (int)(kind - REC_SIGN));
	else if (kind == REC_KEK)
		ret = get_kek(r, &st->kek[index - 1]);
	else
		ret = get_password(r, &st->sm2[index - 1].pw);
out:
	return ret;
}

static ccsp_err parse(const uint8_t *p, size_t len, ccsp_vsm_ks_state *st)
{
	ccsp_err ret;
	ks_reader r = {p, len, 0};
	uint64_t count, prev = 0;

	KS_CHECK(r_uint(&r, 4, &count));
	/* every record consumes at least REC_KEK_SIZE bytes, so a count beyond that is a lie; the loop is also
	 * bounded by the reader, this only fails it early */
	KS_ENSURE(count <= (len - r.pos) / REC_KEK_SIZE, CCSP_ERR_TAMPERED);
	for (uint64_t i = 0; i < count; i++)
		KS_CHECK(get_record(&r, st, &prev));
	KS_ENSURE(r.pos == r.len, CCSP_ERR_TAMPERED);
	for (uint32_t i = 0; i < st->max_index; i++) {
		const ccsp_vsm_ks_sm2_slot *s = &st->sm2[i];
		int has_pair = s->pair[0] != NULL || s->pair[1] != NULL;
		KS_ENSURE(has_pair == (s->pw.iterations != 0), CCSP_ERR_TAMPERED);
	}
out:
	return ret;
}

ccsp_err ccsp_vsm_ks_file_load(const char *path, const ccsp_sm4_key *sk, ccsp_vsm_ks_state *st)
{
	ccsp_err ret;
	uint8_t *file = NULL, *pt = NULL;
	size_t flen = 0, ptlen = 0;

	ret = ccsp_file_read_all(path, KS_MAX_FILE_SIZE, &file, &flen);
	KS_ENSURE(ret != CCSP_ERR_LIMIT, CCSP_ERR_TAMPERED); /* larger than any keystore can be */
	KS_CHECK(ret);
	KS_ENSURE(flen >= KS_HEAD_SIZE + 4 + KS_TAG_SIZE, CCSP_ERR_TAMPERED);
	KS_ENSURE(memcmp(file, KS_MAGIC, KS_MAGIC_SIZE) == 0, CCSP_ERR_TAMPERED);
	ptlen = flen - KS_HEAD_SIZE - KS_TAG_SIZE;
	pt = ccsp_secure_alloc(ptlen);
	KS_ENSURE(pt != NULL, CCSP_ERR_NOMEM);
	ret = ccsp_sm4_gcm_decrypt(sk, file + KS_MAGIC_SIZE, KS_IV_SIZE, (const uint8_t *)KS_MAGIC, KS_MAGIC_SIZE,
	                           file + KS_HEAD_SIZE, pt, ptlen, file + KS_HEAD_SIZE + ptlen);
	KS_ENSURE(ret != CCSP_ERR_AUTH, CCSP_ERR_TAMPERED);
	KS_CHECK(ret);
	KS_CHECK(parse(pt, ptlen, st));
out:
	ccsp_secure_free(pt); /* wipes the plaintext keys */
	free(file);           /* ciphertext only */
	if (ret != CCSP_OK)
		ccsp_vsm_ks_state_clear(st);
	return ret;
}

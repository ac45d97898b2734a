/* SPDX-License-Identifier: Apache-2.0 */
/* Audit records and checkpoints: field checks, canonical encoding, chain values, MACs, signatures, stored form. */
#include "platform/audit.h"

#include <string.h>

#include <jansson.h>

#include <ccsp/mem.h>

#include "crypto/guard.h" /* CCSP_GUARD, CCSP_ENSURE, CCSP_CHECK */

static const char rec_tag[16] = {'C', 'C', 'S', 'P', '-', 'A', 'U', 'D', 'I', 'T', '-', 'R', 'E', 'C', '-', '1'};
static const char cp_tag[17] = {'C', 'C', 'S', 'P', '-', 'A', 'U', 'D', 'I', 'T', '-', 'C', 'K', 'P', 'T', '-', '1'};
#define MIN_KEY_LEN 16

/* The text fields in canonical order, with their bounds. */
struct field {
	size_t off;
	size_t max;
};
static const struct field fields[] = {
	{offsetof(ccsp_audit_record, actor), CCSP_AUDIT_ACTOR_MAX},
	{offsetof(ccsp_audit_record, role), CCSP_AUDIT_ROLE_MAX},
	{offsetof(ccsp_audit_record, tenant), CCSP_AUDIT_TENANT_MAX},
	{offsetof(ccsp_audit_record, action), CCSP_AUDIT_ACTION_MAX},
	{offsetof(ccsp_audit_record, target), CCSP_AUDIT_TARGET_MAX},
	{offsetof(ccsp_audit_record, outcome), CCSP_AUDIT_OUTCOME_MAX},
	{offsetof(ccsp_audit_record, detail), CCSP_AUDIT_DETAIL_MAX},
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static const char *field_of(const ccsp_audit_record *r, size_t i)
{
	return (const char *)r + fields[i].off;
}
static char *field_of_mut(ccsp_audit_record *r, size_t i)
{
	return (char *)r + fields[i].off;
}

/* Strict UTF-8 (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF) without control bytes. */
static int text_ok(const uint8_t *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = s[i];
		if (c < 0x20 || c == 0x7f)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t k = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
		if (k == 0 || n - i <= k)
			return 0;
		uint8_t lo = 0x80, hi = 0xbf; /* bounds of the second byte */
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		else if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (size_t j = 2; j <= k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
		i += k + 1;
	}
	return 1;
}

static int detail_ok(const char *d, size_t n)
{
	if (n == 0)
		return 1;
	json_t *j = json_loadb(d, n, JSON_REJECT_DUPLICATES, NULL);
	int ok = j != NULL && json_is_object(j);
	json_decref(j);
	return ok;
}

ccsp_err ccsp_audit_record_check(const ccsp_audit_record *r)
{
	CCSP_ENSURE(r != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(r->seq >= 1 && r->seq <= CCSP_AUDIT_SEQ_MAX && r->ts_ms <= CCSP_AUDIT_SEQ_MAX, CCSP_ERR_ARG);
	for (size_t i = 0; i < NFIELDS; i++) {
		const char *s = field_of(r, i);
		size_t n = strnlen(s, fields[i].max + 1);
		CCSP_ENSURE(n <= fields[i].max && text_ok((const uint8_t *)s, n), CCSP_ERR_ARG);
	}
	CCSP_ENSURE(detail_ok(r->detail, strlen(r->detail)), CCSP_ERR_ARG);
	return CCSP_OK;
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}
static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}
static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}
static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The encoding itself, for a record already checked; out holds CCSP_AUDIT_CANON_MAX. */
static size_t canonical_put(const ccsp_audit_record *r, uint8_t *out)
{
	size_t o = sizeof rec_tag;
	memcpy(out, rec_tag, sizeof rec_tag);
	put_u64(out + o, r->seq);
	put_u64(out + o + 8, r->ts_ms);
	o += 16;
	for (size_t i = 0; i < NFIELDS; i++) {
		const char *s = field_of(r, i);
		size_t n = strlen(s);
		put_u32(out + o, (uint32_t)n);
		memcpy(out + o + 4, s, n);
		o += 4 + n;
	}
	return o;
}

ccsp_err ccsp_audit_record_canonical(const ccsp_audit_record *r, uint8_t *out, size_t cap, size_t *len)
{
	CCSP_ENSURE(out != NULL && len != NULL, CCSP_ERR_ARG);
	CCSP_GUARD(ccsp_audit_record_check(r));
	uint8_t tmp[CCSP_AUDIT_CANON_MAX];
	size_t n = canonical_put(r, tmp);
	CCSP_ENSURE(cap >= n, CCSP_ERR_BUFFER_TOO_SMALL);
	memcpy(out, tmp, n);
	*len = n;
	return CCSP_OK;
}

ccsp_err ccsp_audit_chain_value(const uint8_t prev_h[CCSP_AUDIT_HASH_SIZE], const ccsp_audit_record *r,
                                uint8_t h[CCSP_AUDIT_HASH_SIZE])
{
	CCSP_ENSURE(prev_h != NULL && h != NULL, CCSP_ERR_ARG);
	CCSP_GUARD(ccsp_audit_record_check(r));
	uint8_t canon[CCSP_AUDIT_CANON_MAX];
	size_t n = canonical_put(r, canon);
	ccsp_sm3_ctx c;
	CCSP_GUARD(ccsp_sm3_init(&c));
	CCSP_GUARD(ccsp_sm3_update(&c, prev_h, CCSP_AUDIT_HASH_SIZE));
	CCSP_GUARD(ccsp_sm3_update(&c, canon, n));
	return ccsp_sm3_final(&c, h);
}

ccsp_err ccsp_audit_record_seal(ccsp_audit_record *r, uint64_t prev_seq, const uint8_t prev_h[CCSP_AUDIT_HASH_SIZE],
                                const uint8_t *key, size_t keylen)
{
	CCSP_ENSURE(r != NULL && prev_h != NULL && key != NULL && keylen >= MIN_KEY_LEN, CCSP_ERR_ARG);
	CCSP_ENSURE(prev_seq < CCSP_AUDIT_SEQ_MAX, CCSP_ERR_LIMIT);
	ccsp_audit_record tmp = *r;
	tmp.seq = prev_seq + 1;
	CCSP_GUARD(ccsp_audit_chain_value(prev_h, &tmp, tmp.h));
	CCSP_GUARD(ccsp_hmac_sm3(key, keylen, tmp.h, sizeof tmp.h, tmp.m));
	*r = tmp;
	return CCSP_OK;
}

ccsp_err ccsp_audit_record_mac_verify(const ccsp_audit_record *r, const uint8_t *key, size_t keylen)
{
	CCSP_ENSURE(r != NULL && key != NULL && keylen >= MIN_KEY_LEN, CCSP_ERR_ARG);
	return ccsp_hmac_sm3_verify(key, keylen, r->h, sizeof r->h, r->m, sizeof r->m);
}

ccsp_err ccsp_audit_record_to_bytes(const ccsp_audit_record *r, uint8_t *out, size_t cap, size_t *len)
{
	CCSP_ENSURE(out != NULL && len != NULL, CCSP_ERR_ARG);
	CCSP_GUARD(ccsp_audit_record_check(r));
	uint8_t tmp[CCSP_AUDIT_RECORD_BYTES_MAX];
	size_t n = canonical_put(r, tmp);
	memcpy(tmp + n, r->h, sizeof r->h);
	memcpy(tmp + n + sizeof r->h, r->m, sizeof r->m);
	n += sizeof r->h + sizeof r->m;
	CCSP_ENSURE(cap >= n, CCSP_ERR_BUFFER_TOO_SMALL);
	memcpy(out, tmp, n);
	*len = n;
	return CCSP_OK;
}

/* One length-prefixed field at in[*o..len) into dst (max bytes + NUL). */
static int take_field(const uint8_t *in, size_t len, size_t *o, char *dst, size_t max)
{
	if (len - *o < 4)
		return 0;
	uint32_t n = get_u32(in + *o);
	if (n > max || len - *o - 4 < n)
		return 0;
	memcpy(dst, in + *o + 4, n);
	dst[n] = '\0';
	*o += 4 + (size_t)n;
	return 1;
}

ccsp_err ccsp_audit_record_from_bytes(const uint8_t *in, size_t len, ccsp_audit_record *r)
{
	CCSP_ENSURE(in != NULL && r != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(len >= sizeof rec_tag + 16 && memcmp(in, rec_tag, sizeof rec_tag) == 0, CCSP_ERR_DECODE);
	ccsp_audit_record tmp;
	memset(&tmp, 0, sizeof tmp);
	size_t o = sizeof rec_tag;
	tmp.seq = get_u64(in + o);
	tmp.ts_ms = get_u64(in + o + 8);
	o += 16;
	for (size_t i = 0; i < NFIELDS; i++)
		CCSP_ENSURE(take_field(in, len, &o, field_of_mut(&tmp, i), fields[i].max), CCSP_ERR_DECODE);
	CCSP_ENSURE(len - o == 2 * CCSP_AUDIT_HASH_SIZE, CCSP_ERR_DECODE);
	memcpy(tmp.h, in + o, CCSP_AUDIT_HASH_SIZE);
	memcpy(tmp.m, in + o + CCSP_AUDIT_HASH_SIZE, CCSP_AUDIT_HASH_SIZE);
	CCSP_ENSURE(ccsp_audit_record_check(&tmp) == CCSP_OK, CCSP_ERR_DECODE);
	/* the round trip must give the same bytes: a NUL inside a field would shorten it */
	uint8_t again[CCSP_AUDIT_RECORD_BYTES_MAX];
	size_t n = canonical_put(&tmp, again);
	CCSP_ENSURE(n + 2 * CCSP_AUDIT_HASH_SIZE == len && memcmp(again, in, n) == 0, CCSP_ERR_DECODE);
	*r = tmp;
	return CCSP_OK;
}

/* ---- checkpoints ---- */

ccsp_err ccsp_audit_checkpoint_tbs(const ccsp_audit_checkpoint *cp, uint8_t tbs[CCSP_AUDIT_TBS_SIZE])
{
	CCSP_ENSURE(cp != NULL && tbs != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(cp->kind == CCSP_AUDIT_CP_PERIODIC || cp->kind == CCSP_AUDIT_CP_EXPORT, CCSP_ERR_ARG);
	CCSP_ENSURE(cp->seq <= CCSP_AUDIT_SEQ_MAX && cp->time_ms <= CCSP_AUDIT_SEQ_MAX, CCSP_ERR_ARG);
	memcpy(tbs, cp_tag, sizeof cp_tag);
	tbs[17] = (uint8_t)cp->kind;
	put_u64(tbs + 18, cp->seq);
	put_u64(tbs + 26, cp->time_ms);
	memcpy(tbs + 34, cp->h, CCSP_AUDIT_HASH_SIZE);
	return CCSP_OK;
}

ccsp_err ccsp_audit_checkpoint_make(ccsp_audit_checkpoint *cp, ccsp_audit_cp_kind kind, uint64_t seq,
                                    const uint8_t h[CCSP_AUDIT_HASH_SIZE], uint64_t time_ms, const ccsp_sm2_key *pub,
                                    ccsp_audit_sign_fn sign, void *ctx)
{
	CCSP_ENSURE(cp != NULL && h != NULL && pub != NULL && sign != NULL, CCSP_ERR_ARG);
	ccsp_audit_checkpoint tmp = {.kind = kind, .seq = seq, .time_ms = time_ms};
	memcpy(tmp.h, h, CCSP_AUDIT_HASH_SIZE);
	uint8_t tbs[CCSP_AUDIT_TBS_SIZE], e[CCSP_SM3_DIGEST_SIZE];
	CCSP_GUARD(ccsp_audit_checkpoint_tbs(&tmp, tbs));
	CCSP_GUARD(ccsp_sm2_compute_e(pub, NULL, 0, tbs, sizeof tbs, e));
	CCSP_GUARD(sign(ctx, e, tmp.sig));
	CCSP_GUARD(ccsp_sm2_verify_digest(pub, e, tmp.sig));
	*cp = tmp;
	return CCSP_OK;
}

ccsp_err ccsp_audit_checkpoint_verify(const ccsp_audit_checkpoint *cp, const ccsp_sm2_key *pub)
{
	CCSP_ENSURE(cp != NULL && pub != NULL, CCSP_ERR_ARG);
	uint8_t tbs[CCSP_AUDIT_TBS_SIZE];
	CCSP_GUARD(ccsp_audit_checkpoint_tbs(cp, tbs));
	return ccsp_sm2_verify(pub, NULL, 0, tbs, sizeof tbs, cp->sig);
}

ccsp_err ccsp_audit_checkpoint_to_bytes(const ccsp_audit_checkpoint *cp, uint8_t out[CCSP_AUDIT_CHECKPOINT_BYTES])
{
	CCSP_ENSURE(out != NULL, CCSP_ERR_ARG);
	CCSP_GUARD(ccsp_audit_checkpoint_tbs(cp, out));
	memcpy(out + CCSP_AUDIT_TBS_SIZE, cp->sig, CCSP_SM2_SIGNATURE_SIZE);
	return CCSP_OK;
}

ccsp_err ccsp_audit_checkpoint_from_bytes(const uint8_t *in, size_t len, ccsp_audit_checkpoint *cp)
{
	CCSP_ENSURE(in != NULL && cp != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(len == CCSP_AUDIT_CHECKPOINT_BYTES && memcmp(in, cp_tag, sizeof cp_tag) == 0, CCSP_ERR_DECODE);
	ccsp_audit_checkpoint tmp = {.kind = (ccsp_audit_cp_kind)in[17], .seq = get_u64(in + 18),
	                             .time_ms = get_u64(in + 26)};
	memcpy(tmp.h, in + 34, CCSP_AUDIT_HASH_SIZE);
	memcpy(tmp.sig, in + CCSP_AUDIT_TBS_SIZE, CCSP_SM2_SIGNATURE_SIZE);
	uint8_t tbs[CCSP_AUDIT_TBS_SIZE];
	CCSP_ENSURE(ccsp_audit_checkpoint_tbs(&tmp, tbs) == CCSP_OK, CCSP_ERR_DECODE);
	*cp = tmp;
	return CCSP_OK;
}

int ccsp_audit_checkpoint_due(const ccsp_audit_policy *p, uint64_t seq, uint64_t now_ms, uint64_t last_seq,
                              uint64_t last_ms)
{
	if (p == NULL || seq <= last_seq)
		return 0;
	if (p->every_n != 0 && seq - last_seq >= p->every_n)
		return 1;
	return p->every_ms != 0 && now_ms >= last_ms && now_ms - last_ms >= p->every_ms;
}

ccsp_err ccsp_audit_key_fingerprint(const ccsp_sm2_key *pub, uint8_t fp[CCSP_SM3_DIGEST_SIZE])
{
	CCSP_ENSURE(pub != NULL && fp != NULL, CCSP_ERR_ARG);
	uint8_t point[CCSP_SM2_POINT_SIZE];
	CCSP_GUARD(ccsp_sm2_key_get_public(pub, point));
	return ccsp_sm3(point, sizeof point, fp);
}

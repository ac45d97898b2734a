/* SPDX-License-Identifier: Apache-2.0 */
/* The bundle of a key-set backup (kms_keyset.h): its manifest digest, the entries' aad, JSON out and in. */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/sm3.h>

#include "common/b64.h"
#include "platform/kms_keyset.h"
#include "platform/kms_spec.h"

#define PREFIX "ccsp-keyset-v1"
#define SEALED_MAX (12 + 32 + 16)

/* ---- canonical fields: a 4-byte big-endian length, then the bytes ---- */

typedef struct canon {
	uint8_t *buf; /* NULL: hash only */
	size_t cap, len;
	ccsp_sm3_ctx *h;
	ccsp_err ret;
} canon;

static void put(canon *c, const void *p, size_t n)
{
	uint8_t l[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
	if (c->ret != CCSP_OK)
		return;
	if (c->h != NULL) {
		c->ret = ccsp_sm3_update(c->h, l, sizeof l);
		if (c->ret == CCSP_OK && n > 0)
			c->ret = ccsp_sm3_update(c->h, p, n);
		return;
	}
	if (n > c->cap - c->len || sizeof l > c->cap - c->len - n) {
		c->ret = CCSP_ERR_BUFFER_TOO_SMALL;
		return;
	}
	memcpy(c->buf + c->len, l, sizeof l);
	if (n > 0)
		memcpy(c->buf + c->len + sizeof l, p, n);
	c->len += sizeof l + n;
}

static void put_str(canon *c, const char *s)
{
	put(c, s, strlen(s));
}

static void put_int(canon *c, int64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)((uint64_t)v >> (56 - 8 * i));
	put(c, b, sizeof b);
}

/* The fields of e that name it (the aad's and the manifest's first). */
static void put_names(canon *c, const ccsp_kms_keyset_entry *e)
{
	put_str(c, e->tenant_id);
	put_str(c, e->key_id);
	put_int(c, e->version);
	put_str(c, e->spec);
	put(c, e->pub, e->publen);
}

ccsp_err ccsp_kms_keyset_digest(const ccsp_kms_keyset *ks, uint8_t d[32])
{
	ccsp_sm3_ctx h;
	canon c = {.h = &h};
	uint8_t flag;
	if (ks == NULL || d == NULL || (ks->count > 0 && ks->e == NULL))
		return CCSP_ERR_ARG;
	c.ret = ccsp_sm3_init(&h);
	put_str(&c, PREFIX);
	put_str(&c, ks->backup_id);
	put_str(&c, ks->group_id);
	put_int(&c, ks->created);
	put_int(&c, ks->m);
	put_int(&c, ks->n);
	put_int(&c, (int64_t)ks->count);
	for (size_t i = 0; i < ks->count; i++) {
		const ccsp_kms_keyset_entry *e = &ks->e[i];
		flag = e->compromised != 0;
		put_names(&c, e);
		put_str(&c, e->alias);
		put_str(&c, e->description);
		put_int(&c, e->rotation_days);
		put(&c, &flag, 1);
	}
	if (c.ret == CCSP_OK)
		c.ret = ccsp_sm3_final(&h, d);
	ccsp_memzero(&h, sizeof h);
	return c.ret;
}

ccsp_err ccsp_kms_keyset_aad(const ccsp_kms_keyset_entry *e, const uint8_t d[32], uint8_t *aad, size_t cap,
                             size_t *len)
{
	canon c = {.buf = aad, .cap = cap};
	if (e == NULL || d == NULL || aad == NULL || len == NULL || e->publen > sizeof e->pub ||
	    strlen(e->tenant_id) > CCSP_KMS_KEYSET_ID_LEN || strlen(e->key_id) > CCSP_KMS_KEYSET_ID_LEN ||
	    strnlen(e->spec, sizeof e->spec) == sizeof e->spec)
		return CCSP_ERR_ARG;
	put_str(&c, PREFIX);
	put(&c, d, 32);
	put_names(&c, e);
	if (c.ret == CCSP_OK)
		*len = c.len;
	return c.ret;
}

/* ---- JSON out ---- */

static json_t *entry_json(const ccsp_kms_keyset_entry *e)
{
	uint8_t raw[SEALED_MAX];
	char b64[CCSP_B64_LEN(SEALED_MAX) + 1], hex[2 * 64 + 1];
	size_t n = 12 + e->sealed.len + 16;
	memcpy(raw, e->sealed.iv, 12);
	memcpy(raw + 12, e->sealed.ct, e->sealed.len);
	memcpy(raw + 12 + e->sealed.len, e->sealed.tag, 16);
	ccsp_b64_encode(raw, n, b64);
	json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:I, s:b, s:s}", "tenantId", e->tenant_id, "keyId",
	                      e->key_id, "version", (json_int_t)e->version, "spec", e->spec, "alias", e->alias,
	                      "description", e->description, "rotationDays", (json_int_t)e->rotation_days,
	                      "compromised", e->compromised != 0, "sealed", b64);
	if (o != NULL && e->publen == sizeof e->pub) {
		ccsp_hex_encode(e->pub, e->publen, hex);
		json_object_set_new(o, "publicKey", json_string(hex));
	}
	return o;
}

json_t *ccsp_kms_keyset_json(const ccsp_kms_keyset *ks)
{
	uint8_t d[32];
	char hex[2 * sizeof d + 1];
	if (ks == NULL || ccsp_kms_keyset_digest(ks, d) != CCSP_OK)
		return NULL;
	ccsp_hex_encode(d, sizeof d, hex);
	json_t *keys = json_array();
	for (size_t i = 0; keys != NULL && i < ks->count; i++)
		if (json_array_append_new(keys, entry_json(&ks->e[i])) != 0) {
			json_decref(keys);
			keys = NULL;
		}
	if (keys == NULL)
		return NULL;
	return json_pack("{s:s, s:i, s:s, s:s, s:I, s:i, s:i, s:o, s:s}", "format", CCSP_KMS_KEYSET_FORMAT, "version",
	                 CCSP_KMS_KEYSET_VERSION, "backupId", ks->backup_id, "groupId", ks->group_id, "created",
	                 (json_int_t)ks->created, "m", (int)ks->m, "n", (int)ks->n, "keys", keys, "digest", hex);
}

/* ---- JSON in ---- */

/* The string member name of o (0..max bytes, no NUL inside) copied into out: 0, else -1. */
static int get_str(const json_t *o, const char *name, size_t min, size_t max, char *out)
{
	const json_t *v = json_object_get(o, name);
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (s == NULL || n < min || n > max || strlen(s) != n)
		return -1;
	memcpy(out, s, n + 1);
	return 0;
}

static int get_int(const json_t *o, const char *name, int64_t min, int64_t max, int64_t *out)
{
	const json_t *v = json_object_get(o, name);
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

/* 32 lowercase hex digits (a store id), or "default" when may_be_default. */
static int id_ok(const char *s, int may_be_default)
{
	if (may_be_default && strcmp(s, "default") == 0)
		return 1;
	return strlen(s) == CCSP_KMS_KEYSET_ID_LEN && strspn(s, "0123456789abcdef") == CCSP_KMS_KEYSET_ID_LEN;
}

static int sealed_read(const json_t *o, ccsp_kms_sealed *s)
{
	const char *b = json_string_value(json_object_get(o, "sealed"));
	uint8_t raw[SEALED_MAX];
	size_t n = 0;
	if (b == NULL || strlen(b) > CCSP_B64_LEN(SEALED_MAX) ||
	    ccsp_b64_decode(b, strlen(b), raw, sizeof raw, &n) != CCSP_OK || (n != 12 + 16 + 16 && n != SEALED_MAX))
		return -1;
	s->len = n - 12 - 16;
	memcpy(s->iv, raw, 12);
	memcpy(s->ct, raw + 12, s->len);
	memcpy(s->tag, raw + 12 + s->len, 16);
	return 0;
}

static int pub_read(const json_t *o, ccsp_kms_keyset_entry *e)
{
	const json_t *v = json_object_get(o, "publicKey");
	const char *h = json_string_value(v);
	if (!ccsp_kms_spec_is_pair(ccsp_kms_spec_parse(e->spec)))
		return v == NULL ? 0 : -1;
	if (h == NULL || strlen(h) != 2 * sizeof e->pub || ccsp_hex_decode(h, strlen(h), e->pub, sizeof e->pub) != CCSP_OK)
		return -1;
	e->publen = sizeof e->pub;
	return 0;
}

static int entry_read(const json_t *o, ccsp_kms_keyset_entry *e)
{
	const json_t *comp = json_object_get(o, "compromised");
	if (!json_is_object(o) || get_str(o, "tenantId", 32, 32, e->tenant_id) != 0 || !id_ok(e->tenant_id, 0) ||
	    get_str(o, "keyId", 32, 32, e->key_id) != 0 || !id_ok(e->key_id, 0) ||
	    get_int(o, "version", 1, INT32_MAX, &e->version) != 0 ||
	    get_str(o, "spec", 1, sizeof e->spec - 1, e->spec) != 0 ||
	    ccsp_kms_spec_parse(e->spec) == CCSP_KMS_SPEC_NONE ||
	    get_str(o, "alias", 0, sizeof e->alias - 1, e->alias) != 0 ||
	    get_str(o, "description", 0, sizeof e->description - 1, e->description) != 0 ||
	    get_int(o, "rotationDays", 1, 3650, &e->rotation_days) != 0 || !json_is_boolean(comp) ||
	    pub_read(o, e) != 0 || sealed_read(o, &e->sealed) != 0)
		return -1;
	e->compromised = json_is_true(comp);
	return 0;
}

/* e after p in (tenant, key, version) order. */
static int in_order(const ccsp_kms_keyset_entry *p, const ccsp_kms_keyset_entry *e)
{
	int t = strcmp(p->tenant_id, e->tenant_id), k = strcmp(p->key_id, e->key_id);
	return t < 0 || (t == 0 && (k < 0 || (k == 0 && p->version < e->version)));
}

static int header_read(const json_t *doc, ccsp_kms_keyset *ks)
{
	char format[sizeof CCSP_KMS_KEYSET_FORMAT];
	int64_t version = 0, m = 0, n = 0;
	if (!json_is_object(doc) || get_str(doc, "format", 1, sizeof format - 1, format) != 0 ||
	    strcmp(format, CCSP_KMS_KEYSET_FORMAT) != 0 ||
	    get_int(doc, "version", CCSP_KMS_KEYSET_VERSION, CCSP_KMS_KEYSET_VERSION, &version) != 0 ||
	    get_str(doc, "backupId", 32, 32, ks->backup_id) != 0 || !id_ok(ks->backup_id, 0) ||
	    get_str(doc, "groupId", 1, 32, ks->group_id) != 0 || !id_ok(ks->group_id, 1) ||
	    get_int(doc, "created", 0, INT64_MAX, &ks->created) != 0 || get_int(doc, "m", 2, 16, &m) != 0 ||
	    get_int(doc, "n", m, 16, &n) != 0)
		return -1;
	ks->m = (unsigned)m;
	ks->n = (unsigned)n;
	return 0;
}

static ccsp_err entries_read(const json_t *keys, ccsp_kms_keyset *ks)
{
	size_t count = json_array_size(keys);
	if (!json_is_array(keys) || count == 0 || count > CCSP_KMS_KEYSET_MAX)
		return CCSP_ERR_DECODE;
	if ((ks->e = calloc(count, sizeof *ks->e)) == NULL)
		return CCSP_ERR_NOMEM;
	ks->count = count;
	for (size_t i = 0; i < count; i++)
		if (entry_read(json_array_get(keys, i), &ks->e[i]) != 0 || (i > 0 && !in_order(&ks->e[i - 1], &ks->e[i])))
			return CCSP_ERR_DECODE;
	return CCSP_OK;
}

ccsp_err ccsp_kms_keyset_parse(const json_t *doc, ccsp_kms_keyset *ks, uint8_t d[32])
{
	uint8_t got[32];
	const char *hex = json_string_value(json_object_get(doc, "digest"));
	if (ks == NULL || d == NULL)
		return CCSP_ERR_ARG;
	memset(ks, 0, sizeof *ks);
	ccsp_err ret = header_read(doc, ks) == 0 ? entries_read(json_object_get(doc, "keys"), ks) : CCSP_ERR_DECODE;
	if (ret == CCSP_OK && (hex == NULL || strlen(hex) != 2 * sizeof got ||
	                       ccsp_hex_decode(hex, strlen(hex), got, sizeof got) != CCSP_OK))
		ret = CCSP_ERR_DECODE;
	if (ret == CCSP_OK)
		ret = ccsp_kms_keyset_digest(ks, d);
	if (ret == CCSP_OK && memcmp(got, d, sizeof got) != 0) /* public values: no secret compared */
		ret = CCSP_ERR_AUTH;
	if (ret != CCSP_OK)
		ccsp_kms_keyset_free(ks);
	return ret;
}

void ccsp_kms_keyset_free(ccsp_kms_keyset *ks)
{
	if (ks == NULL)
		return;
	if (ks->e != NULL) {
		ccsp_memzero(ks->e, ks->count * sizeof *ks->e);
		free(ks->e);
	}
	memset(ks, 0, sizeof *ks);
}

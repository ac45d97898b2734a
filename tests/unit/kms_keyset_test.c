/* SPDX-License-Identifier: Apache-2.0 */
/* The key-set backup's bundle (src/platform/kms_keyset.c): the manifest digest D against OpenSSL's SM3 of the
 * canonical bytes built here as kms_keyset.h documents them; the aad byte by byte; D and the aad change with every
 * field they cover; JSON out and back in (a property); every refusal of the reader (malformed: CCSP_ERR_DECODE; a
 * digest that does not match the keys: CCSP_ERR_AUTH). */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "platform/kms_keyset.h"
#include "test_util.h"

#define TA "0123456789abcdef0123456789abcdef"
#define TB "fedcba9876543210fedcba9876543210"
#define K1 "00112233445566778899aabbccddeeff"
#define K2 "ffeeddccbbaa99887766554433221100"
#define BID "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"

static ccsp_kms_keyset_entry E[3];

static void entry(ccsp_kms_keyset_entry *e, const char *t, const char *k, int64_t v, const char *spec, size_t ctlen)
{
	memset(e, 0, sizeof *e);
	strcpy(e->tenant_id, t);
	strcpy(e->key_id, k);
	e->version = v;
	strcpy(e->spec, spec);
	e->rotation_days = 365;
	memset(e->sealed.iv, 0x11, 12);
	memset(e->sealed.ct, 0x22, ctlen);
	e->sealed.len = ctlen;
	memset(e->sealed.tag, 0x33, 16);
}

/* A set of three: A's SM4 key in versions 1 and 2 (alias, description), B's SM2 signing key (compromised). */
static ccsp_kms_keyset mk(void)
{
	entry(&E[0], TA, K1, 1, "SM4", 16);
	entry(&E[1], TA, K1, 2, "SM4", 16);
	strcpy(E[0].alias, "orders");
	strcpy(E[1].alias, "orders");
	strcpy(E[1].description, "the orders' key");
	entry(&E[2], TB, K2, 1, "SM2_SIGN", 32);
	memset(E[2].pub, 0x44, 64);
	E[2].publen = 64;
	E[2].compromised = 1;
	ccsp_kms_keyset ks = {.backup_id = BID, .group_id = "default", .created = 1700000000123, .m = 2, .n = 3,
	                      .count = 3, .e = E};
	return ks;
}

/* ---- the canonical bytes, built independently ---- */

static void f(uint8_t *b, size_t *o, const void *p, size_t n)
{
	b[*o] = (uint8_t)(n >> 24), b[*o + 1] = (uint8_t)(n >> 16), b[*o + 2] = (uint8_t)(n >> 8), b[*o + 3] = (uint8_t)n;
	memcpy(b + *o + 4, p, n);
	*o += 4 + n;
}

static void fs(uint8_t *b, size_t *o, const char *s)
{
	f(b, o, s, strlen(s));
}

static void fi(uint8_t *b, size_t *o, uint64_t v)
{
	uint8_t x[8];
	for (int i = 7; i >= 0; i--, v >>= 8)
		x[i] = (uint8_t)v;
	f(b, o, x, 8);
}

static void test_digest_kat(void **state)
{
	(void)state;
	ccsp_kms_keyset ks = mk();
	uint8_t buf[2048], want[32], got[32], flag;
	size_t o = 0;
	unsigned wl = 0;
	fs(buf, &o, "ccsp-keyset-v1");
	fs(buf, &o, BID);
	fs(buf, &o, "default");
	fi(buf, &o, 1700000000123);
	fi(buf, &o, 2);
	fi(buf, &o, 3);
	fi(buf, &o, 3);
	for (int i = 0; i < 3; i++) {
		fs(buf, &o, E[i].tenant_id);
		fs(buf, &o, E[i].key_id);
		fi(buf, &o, (uint64_t)E[i].version);
		fs(buf, &o, E[i].spec);
		f(buf, &o, E[i].pub, E[i].publen);
		fs(buf, &o, E[i].alias);
		fs(buf, &o, E[i].description);
		fi(buf, &o, 365);
		flag = (uint8_t)E[i].compromised;
		f(buf, &o, &flag, 1);
	}
	assert_int_equal(EVP_Digest(buf, o, want, &wl, EVP_sm3(), NULL), 1);
	assert_ok(ccsp_kms_keyset_digest(&ks, got));
	assert_memory_equal(got, want, 32);
	assert_ccsp(CCSP_ERR_ARG, ccsp_kms_keyset_digest(NULL, got));
}

static void test_aad_layout(void **state)
{
	(void)state;
	uint8_t d[32], aad[CCSP_KMS_KEYSET_AAD_SIZE_MAX], want[CCSP_KMS_KEYSET_AAD_SIZE_MAX];
	size_t len = 0, o = 0;
	mk();
	memset(d, 0xd0, sizeof d);
	fs(want, &o, "ccsp-keyset-v1");
	f(want, &o, d, 32);
	fs(want, &o, TB);
	fs(want, &o, K2);
	fi(want, &o, 1);
	fs(want, &o, "SM2_SIGN");
	f(want, &o, E[2].pub, 64);
	assert_ok(ccsp_kms_keyset_aad(&E[2], d, aad, sizeof aad, &len));
	assert_int_equal(len, o);
	assert_memory_equal(aad, want, o);
	assert_ccsp(CCSP_ERR_BUFFER_TOO_SMALL, ccsp_kms_keyset_aad(&E[2], d, aad, o - 1, &len));
	assert_ccsp(CCSP_ERR_ARG, ccsp_kms_keyset_aad(NULL, d, aad, sizeof aad, &len));
}

/* D of the set after change(i) differs from D0. */
static void differs(const uint8_t d0[32], void (*change)(ccsp_kms_keyset *))
{
	ccsp_kms_keyset ks = mk();
	uint8_t d[32];
	change(&ks);
	assert_ok(ccsp_kms_keyset_digest(&ks, d));
	assert_memory_not_equal(d, d0, 32);
}

static void c_backup(ccsp_kms_keyset *k) { k->backup_id[0] = 'b'; }
static void c_group(ccsp_kms_keyset *k) { strcpy(k->group_id, TA); }
static void c_created(ccsp_kms_keyset *k) { k->created++; }
static void c_m(ccsp_kms_keyset *k) { k->m = 3; }
static void c_n(ccsp_kms_keyset *k) { k->n = 4; }
static void c_count(ccsp_kms_keyset *k) { k->count = 2; }
static void c_tenant(ccsp_kms_keyset *k) { k->e[1].tenant_id[0] = '1'; }
static void c_key(ccsp_kms_keyset *k) { k->e[1].key_id[31] = '0'; }
static void c_version(ccsp_kms_keyset *k) { k->e[1].version = 3; }
static void c_spec(ccsp_kms_keyset *k) { strcpy(k->e[1].spec, "SM4_MAC"); }
static void c_alias(ccsp_kms_keyset *k) { k->e[0].alias[0] = 'O'; }
static void c_desc(ccsp_kms_keyset *k) { k->e[1].description[0] = 'T'; }
static void c_rotation(ccsp_kms_keyset *k) { k->e[0].rotation_days = 364; }
static void c_compromised(ccsp_kms_keyset *k) { k->e[2].compromised = 0; }
static void c_pub(ccsp_kms_keyset *k) { k->e[2].pub[63] ^= 1; }
/* moving bytes between adjacent fields must change D: the lengths are in it */
static void c_shift(ccsp_kms_keyset *k)
{
	strcpy(k->e[1].alias, "orders'");
	strcpy(k->e[1].description, " key");
}

static void test_digest_covers(void **state)
{
	(void)state;
	ccsp_kms_keyset ks = mk();
	uint8_t d0[32];
	void (*changes[])(ccsp_kms_keyset *) = {c_backup, c_group, c_created, c_m,    c_n,        c_count,
	                                        c_tenant, c_key,   c_version, c_spec, c_alias,    c_desc,
	                                        c_rotation, c_compromised, c_pub, c_shift};
	assert_ok(ccsp_kms_keyset_digest(&ks, d0));
	for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++)
		differs(d0, changes[i]);
	/* the sealed bytes are not in D: the VSM's tags prove them */
	ks = mk();
	ks.e[0].sealed.ct[0] ^= 1;
	uint8_t d[32];
	assert_ok(ccsp_kms_keyset_digest(&ks, d));
	assert_memory_equal(d, d0, 32);
}

static void test_aad_binds(void **state)
{
	(void)state;
	uint8_t d[32] = {1}, a0[256], a[256];
	size_t l0 = 0, l = 0;
	mk();
	assert_ok(ccsp_kms_keyset_aad(&E[0], d, a0, sizeof a0, &l0));
	assert_ok(ccsp_kms_keyset_aad(&E[1], d, a, sizeof a, &l)); /* another version of the same key */
	assert_true(l != l0 || memcmp(a, a0, l) != 0);
	d[0] = 2;
	assert_ok(ccsp_kms_keyset_aad(&E[0], d, a, sizeof a, &l)); /* another manifest */
	assert_true(memcmp(a, a0, l) != 0);
}

/* ---- JSON ---- */

static json_t *doc(void)
{
	ccsp_kms_keyset ks = mk();
	json_t *o = ccsp_kms_keyset_json(&ks);
	assert_non_null(o);
	return o;
}

static void test_roundtrip(void **state)
{
	(void)state;
	ccsp_kms_keyset ks = mk(), back;
	uint8_t d0[32], d[32];
	json_t *o = doc();
	assert_string_equal(json_string_value(json_object_get(o, "format")), "ccsp-key-set-backup");
	assert_int_equal(json_integer_value(json_object_get(o, "version")), 1);
	assert_non_null(json_object_get(json_array_get(json_object_get(o, "keys"), 2), "publicKey"));
	assert_null(json_object_get(json_array_get(json_object_get(o, "keys"), 0), "publicKey"));
	assert_ok(ccsp_kms_keyset_digest(&ks, d0));
	assert_ok(ccsp_kms_keyset_parse(o, &back, d));
	assert_memory_equal(d, d0, 32);
	assert_int_equal(back.count, 3);
	assert_string_equal(back.group_id, "default");
	assert_int_equal(back.m, 2);
	assert_int_equal(back.n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(back.e[i].key_id, E[i].key_id);
		assert_string_equal(back.e[i].alias, E[i].alias);
		assert_string_equal(back.e[i].description, E[i].description);
		assert_int_equal(back.e[i].publen, E[i].publen);
		assert_int_equal(back.e[i].compromised, E[i].compromised);
		assert_memory_equal(&back.e[i].sealed, &E[i].sealed, sizeof E[i].sealed);
	}
	ccsp_kms_keyset_free(&back);
	assert_null(back.e);
	json_decref(o);
}

/* The reader's answer to the document after edit. */
static ccsp_err parse_edited(void (*edit)(json_t *))
{
	ccsp_kms_keyset ks;
	uint8_t d[32];
	json_t *o = doc();
	edit(o);
	ccsp_err ret = ccsp_kms_keyset_parse(o, &ks, d);
	if (ret != CCSP_OK)
		assert_null(ks.e);
	ccsp_kms_keyset_free(&ks);
	json_decref(o);
	return ret;
}

static json_t *key(json_t *o, size_t i) { return json_array_get(json_object_get(o, "keys"), i); }
static void e_digest(json_t *o) { json_object_set_new(o, "digest", json_string("00" "11223344556677889900112233445566778899001122334455667788990011")); }
static void e_desc(json_t *o) { json_object_set_new(key(o, 1), "description", json_string("changed")); }
static void e_drop(json_t *o) { json_array_remove(json_object_get(o, "keys"), 2); }
static void e_m(json_t *o) { json_object_set_new(o, "m", json_integer(3)); }
static void e_format(json_t *o) { json_object_set_new(o, "format", json_string("other")); }
static void e_version(json_t *o) { json_object_set_new(o, "version", json_integer(2)); }
static void e_order(json_t *o) { json_object_set_new(key(o, 1), "version", json_integer(1)); }
static void e_swap(json_t *o)
{
	json_t *k = json_object_get(o, "keys"), *first = json_incref(json_array_get(k, 0));
	json_array_remove(k, 0);
	json_array_append_new(k, first);
}
static void e_empty(json_t *o) { json_array_clear(json_object_get(o, "keys")); }
static void e_sealed(json_t *o) { json_object_set_new(key(o, 0), "sealed", json_string("AAAA")); }
static void e_nopub(json_t *o) { json_object_del(key(o, 2), "publicKey"); }
static void e_pub_sym(json_t *o) { json_object_set(key(o, 0), "publicKey", json_object_get(key(o, 2), "publicKey")); }
static void e_spec(json_t *o) { json_object_set_new(key(o, 0), "spec", json_string("AES")); }
static void e_tenant(json_t *o) { json_object_set_new(key(o, 0), "tenantId", json_string("0123456789ABCDEF0123456789ABCDEF")); }
static void e_nul(json_t *o) { json_object_set_new(key(o, 0), "alias", json_stringn("a\0b", 3)); }
static void e_mn(json_t *o) { json_object_set_new(o, "n", json_integer(1)); }
static void e_type(json_t *o) { json_object_set_new(key(o, 0), "compromised", json_integer(0)); }
static void e_group(json_t *o) { json_object_set_new(o, "groupId", json_string("defaults")); }

static void test_refusals(void **state)
{
	(void)state;
	void (*decode[])(json_t *) = {e_format, e_version, e_order, e_swap, e_empty, e_sealed, e_nopub, e_pub_sym,
	                              e_spec, e_tenant, e_nul, e_mn, e_type, e_group};
	void (*auth[])(json_t *) = {e_digest, e_desc, e_drop, e_m};
	for (size_t i = 0; i < sizeof decode / sizeof decode[0]; i++)
		assert_ccsp(CCSP_ERR_DECODE, parse_edited(decode[i]));
	for (size_t i = 0; i < sizeof auth / sizeof auth[0]; i++)
		assert_ccsp(CCSP_ERR_AUTH, parse_edited(auth[i]));
	ccsp_kms_keyset ks;
	uint8_t d[32];
	json_t *s = json_string("not an object");
	assert_ccsp(CCSP_ERR_DECODE, ccsp_kms_keyset_parse(s, &ks, d));
	assert_ccsp(CCSP_ERR_DECODE, ccsp_kms_keyset_parse(NULL, &ks, d));
	json_decref(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest_kat), cmocka_unit_test(test_aad_layout), cmocka_unit_test(test_digest_covers),
		cmocka_unit_test(test_aad_binds),  cmocka_unit_test(test_roundtrip),  cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

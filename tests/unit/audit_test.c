/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The platform's audit chain (src/platform/audit*.c): canonical encoding and chain values against OpenSSL's SM3
 * (the oracle), MACs against OpenSSL's HMAC-SM3, checkpoint signatures verified by OpenSSL, the stored forms,
 * and every tampering of an export detected with the right first line and seq; online: bad MACs; a 10,000-record
 * export verifies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <ccsp/sm2_asn1.h>

#include "platform/audit.h"
#include "test_util.h"

static const uint8_t mac_key[32] = "unit-test audit MAC key 0123456";

/* ---- oracles ---- */

static void ossl_sm3(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t out[32])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned n = 0;
	assert_non_null(c);
	assert_int_equal(EVP_DigestInit_ex(c, EVP_sm3(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(c, a, alen), 1);
	assert_int_equal(EVP_DigestUpdate(c, b, blen), 1);
	assert_int_equal(EVP_DigestFinal_ex(c, out, &n), 1);
	assert_int_equal(n, 32);
	EVP_MD_CTX_free(c);
}

static void ossl_hmac_sm3(const uint8_t *key, size_t keylen, const uint8_t *msg, size_t len, uint8_t out[32])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *c = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SM3", 0),
	                       OSSL_PARAM_construct_end()};
	size_t n = 0;
	assert_non_null(c);
	assert_int_equal(EVP_MAC_init(c, key, keylen, params), 1);
	assert_int_equal(EVP_MAC_update(c, msg, len), 1);
	assert_int_equal(EVP_MAC_final(c, out, &n, 32), 1);
	assert_int_equal(n, 32);
	EVP_MAC_CTX_free(c);
	EVP_MAC_free(mac);
}

/* OpenSSL verifies an SM2 signature (r||s) over msg with the default ID, given our public key. */
static int ossl_sm2_verify(const ccsp_sm2_key *key, const uint8_t *msg, size_t len, const uint8_t sig[64])
{
	uint8_t spki[256], der[CCSP_SM2_SIGNATURE_DER_MAX];
	size_t spkilen = 0, derlen = 0;
	assert_ok(ccsp_sm2_key_encode(key, CCSP_SM2_KEY_SPKI, 0, NULL, 0, spki, sizeof spki, &spkilen));
	assert_ok(ccsp_sm2_signature_to_der(sig, der, sizeof der, &derlen));
	const unsigned char *p = spki;
	EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, (long)spkilen);
	assert_non_null(pk);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(pk, NULL);
	assert_int_equal(EVP_PKEY_CTX_set1_id(pctx, "1234567812345678", 16), 1);
	EVP_MD_CTX_set_pkey_ctx(md, pctx);
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sm3(), NULL, pk), 1);
	int ok = EVP_DigestVerify(md, der, derlen, msg, len);
	EVP_MD_CTX_free(md);
	EVP_PKEY_CTX_free(pctx);
	EVP_PKEY_free(pk);
	return ok;
}

/* ---- fixtures ---- */

static ccsp_sm2_key *platform_key;

static int setup(void **state)
{
	(void)state;
	platform_key = ccsp_sm2_key_new();
	return platform_key == NULL || ccsp_sm2_key_generate(platform_key) != CCSP_OK;
}

static int teardown(void **state)
{
	(void)state;
	ccsp_sm2_key_free(platform_key);
	return 0;
}

static ccsp_err sign_with(void *ctx, const uint8_t e[32], uint8_t sig[64])
{
	return ccsp_sm2_sign_digest(ctx, e, sig);
}

static void make_record(uint64_t i, ccsp_audit_record *r)
{
	memset(r, 0, sizeof *r);
	r->ts_ms = 1796000000000ULL + i;
	snprintf(r->actor, sizeof r->actor, "alice-%llu", (unsigned long long)(i % 7));
	strcpy(r->role, i % 2 ? "tenant-admin" : "app");
	snprintf(r->tenant, sizeof r->tenant, "t%llu", (unsigned long long)(i % 3));
	strcpy(r->action, "key.create");
	snprintf(r->target, sizeof r->target, "key/%llu", (unsigned long long)i);
	strcpy(r->outcome, i % 5 ? "ok" : "denied");
	snprintf(r->detail, sizeof r->detail, "{\"n\":%llu}", (unsigned long long)i);
}

/* An export held as lines, for editing. */
struct lines {
	char **v;
	size_t n, cap;
};

static ccsp_err collect(void *ctx, const char *line, size_t len)
{
	struct lines *l = ctx;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
		assert_non_null(l->v);
	}
	l->v[l->n] = strndup(line, len);
	assert_non_null(l->v[l->n]);
	l->n++;
	return CCSP_OK;
}

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* n records, a periodic checkpoint every `every`, closed by the export checkpoint: 1 + n + n/every + 1 lines. */
static void build_export(uint64_t n, uint64_t every, struct lines *out)
{
	ccsp_audit_exporter *x = NULL;
	ccsp_audit_record r;
	ccsp_audit_checkpoint cp;
	uint8_t prev[32] = {0};
	memset(out, 0, sizeof *out);
	assert_ok(ccsp_audit_exporter_new(platform_key, mac_key, sizeof mac_key, 1, prev, collect, out, &x));
	for (uint64_t i = 1; i <= n; i++) {
		make_record(i, &r);
		assert_ok(ccsp_audit_record_seal(&r, i - 1, prev, mac_key, sizeof mac_key));
		assert_ok(ccsp_audit_exporter_record(x, &r));
		memcpy(prev, r.h, 32);
		if (every != 0 && i % every == 0) {
			assert_ok(ccsp_audit_checkpoint_make(&cp, CCSP_AUDIT_CP_PERIODIC, i, r.h, r.ts_ms, platform_key,
			                                     sign_with, platform_key));
			assert_ok(ccsp_audit_exporter_checkpoint(x, &cp));
		}
	}
	ccsp_audit_report rep;
	assert_ok(ccsp_audit_exporter_finish(x, 1796000000000ULL + n + 1, sign_with, platform_key, &rep));
	ccsp_audit_exporter_free(x);
}

static char *join(const struct lines *l, size_t *len)
{
	size_t total = 0;
	for (size_t i = 0; i < l->n; i++)
		total += strlen(l->v[i]) + 1;
	char *buf = malloc(total + 1), *p = buf;
	assert_non_null(buf);
	for (size_t i = 0; i < l->n; i++)
		p += sprintf(p, "%s\n", l->v[i]);
	*len = total;
	return buf;
}

static ccsp_err verify_lines(const struct lines *l, ccsp_audit_report *rep)
{
	size_t len = 0;
	char *buf = join(l, &len);
	ccsp_err ret = ccsp_audit_export_verify(buf, len, platform_key, rep);
	free(buf);
	return ret;
}

static void replace_line(struct lines *l, size_t i, const char *s)
{
	free(l->v[i]);
	l->v[i] = strdup(s);
}

static void delete_line(struct lines *l, size_t i)
{
	free(l->v[i]);
	memmove(l->v + i, l->v + i + 1, (l->n - i - 1) * sizeof *l->v);
	l->n--;
}

/* In line i (0-based), replace the first occurrence of from by to. */
static void edit_line(struct lines *l, size_t i, const char *from, const char *to)
{
	char *p = strstr(l->v[i], from), buf[CCSP_AUDIT_LINE_MAX + 1];
	assert_non_null(p);
	snprintf(buf, sizeof buf, "%.*s%s%s", (int)(p - l->v[i]), l->v[i], to, p + strlen(from));
	replace_line(l, i, buf);
}

#define expect_fault(l, f, ln, sq)                                                                                 \
	do {                                                                                                       \
		ccsp_audit_report rep_;                                                                            \
		assert_ccsp(CCSP_ERR_TAMPERED, verify_lines((l), &rep_));                                         \
		if (rep_.fault != (f) || rep_.line != (ln) || rep_.seq != (sq))                                    \
			fail_msg("fault %s line %llu seq %llu, expected %s line %llu seq %llu",                    \
			         ccsp_audit_fault_str(rep_.fault), (unsigned long long)rep_.line,                  \
			         (unsigned long long)rep_.seq, ccsp_audit_fault_str(f), (unsigned long long)(ln), \
			         (unsigned long long)(sq));                                                        \
	} while (0)

/* ---- tests ---- */

/* canonical(record) built here byte by byte from the definition in audit.h, and h = SM3(prev || it). */
static void test_canonical_kat(void **state)
{
	(void)state;
	ccsp_audit_record r = {.seq = 0x0102030405060708ULL, .ts_ms = 1796000000123ULL};
	strcpy(r.actor, "alice");
	strcpy(r.role, "auditor");
	strcpy(r.tenant, "");
	strcpy(r.action, "audit.export");
	strcpy(r.target, "审计");
	strcpy(r.outcome, "ok");
	strcpy(r.detail, "{\"a\":1}");
	static const char expect_hex[] =
		"43435350" "2d415544" "49542d52" "45432d31" /* "CCSP-AUDIT-REC-1" */
		"0102030405060708" "000001a229f1287b"     /* seq, ts */
		"00000005" "616c696365"                    /* actor */
		"00000007" "61756469746f72"                /* role */
		"00000000"                                 /* tenant */
		"0000000c" "61756469742e6578706f7274"      /* action */
		"00000006" "e5aea1e8aea1"                  /* target */
		"00000002" "6f6b"                          /* outcome */
		"00000007" "7b2261223a317d";               /* detail */
	uint8_t canon[CCSP_AUDIT_CANON_MAX], prev[32], h[32], oracle[32];
	size_t len = 0;
	assert_ok(ccsp_audit_record_canonical(&r, canon, sizeof canon, &len));
	assert_hex_equal(expect_hex, canon, len);
	assert_ccsp(CCSP_ERR_BUFFER_TOO_SMALL, ccsp_audit_record_canonical(&r, canon, len - 1, &len));
	for (int i = 0; i < 4; i++) {
		test_rand(prev, sizeof prev);
		uint8_t exp[256];
		size_t en = hex2bin(expect_hex, exp, sizeof exp);
		ossl_sm3(prev, 32, exp, en, oracle);
		assert_ok(ccsp_audit_chain_value(prev, &r, h));
		assert_memory_equal(h, oracle, 32);
	}
	/* a field boundary moved is another encoding: "ab"+"c" vs "a"+"bc" */
	ccsp_audit_record a = r, b = r;
	strcpy(a.actor, "ab");
	strcpy(a.role, "c");
	strcpy(b.actor, "a");
	strcpy(b.role, "bc");
	uint8_t ha[32], hb[32];
	assert_ok(ccsp_audit_chain_value(prev, &a, ha));
	assert_ok(ccsp_audit_chain_value(prev, &b, hb));
	assert_memory_not_equal(ha, hb, 32);
}

/* seal: seq, h = SM3(prev || canonical), m = HMAC-SM3(K, h) — both against OpenSSL, chained over random records. */
static void test_seal_chain_mac(void **state)
{
	(void)state;
	uint8_t prev[32] = {0}, canon[CCSP_AUDIT_CANON_MAX], oracle[32];
	size_t len = 0;
	for (uint64_t i = 1; i <= 50; i++) {
		ccsp_audit_record r;
		make_record(i, &r);
		r.seq = 999; /* ignored: seal sets it */
		assert_ok(ccsp_audit_record_seal(&r, i - 1, prev, mac_key, sizeof mac_key));
		assert_int_equal(r.seq, i);
		assert_ok(ccsp_audit_record_canonical(&r, canon, sizeof canon, &len));
		ossl_sm3(prev, 32, canon, len, oracle);
		assert_memory_equal(r.h, oracle, 32);
		ossl_hmac_sm3(mac_key, sizeof mac_key, r.h, 32, oracle);
		assert_memory_equal(r.m, oracle, 32);
		assert_ok(ccsp_audit_record_mac_verify(&r, mac_key, sizeof mac_key));
		r.m[i % 32] ^= 1;
		assert_ccsp(CCSP_ERR_AUTH, ccsp_audit_record_mac_verify(&r, mac_key, sizeof mac_key));
		memcpy(prev, r.h, 32);
	}
	ccsp_audit_record r;
	make_record(1, &r);
	assert_ccsp(CCSP_ERR_ARG, ccsp_audit_record_seal(&r, 0, prev, mac_key, 8)); /* key too short */
	assert_ccsp(CCSP_ERR_LIMIT, ccsp_audit_record_seal(&r, CCSP_AUDIT_SEQ_MAX, prev, mac_key, sizeof mac_key));
}

static void test_field_checks(void **state)
{
	(void)state;
	ccsp_audit_record r;
	make_record(1, &r);
	r.seq = 1;
	assert_ok(ccsp_audit_record_check(&r));
	static const char *const bad_text[] = {"a\tb", "a\nb", "\x7f", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",
	                                       "\xe5\xae", "\xff"};
	for (size_t i = 0; i < sizeof bad_text / sizeof bad_text[0]; i++) {
		ccsp_audit_record t = r;
		strcpy(t.target, bad_text[i]);
		assert_ccsp(CCSP_ERR_ARG, ccsp_audit_record_check(&t));
	}
	static const char *const bad_detail[] = {"[1]", "{\"a\":1", "\"x\"", "{\"a\":1,\"a\":2}", "{} {}"};
	for (size_t i = 0; i < sizeof bad_detail / sizeof bad_detail[0]; i++) {
		ccsp_audit_record t = r;
		strcpy(t.detail, bad_detail[i]);
		assert_ccsp(CCSP_ERR_ARG, ccsp_audit_record_check(&t));
	}
	ccsp_audit_record t = r;
	memset(t.role, 'x', sizeof t.role); /* no terminator within the bound */
	assert_ccsp(CCSP_ERR_ARG, ccsp_audit_record_check(&t));
	t = r;
	t.seq = 0;
	assert_ccsp(CCSP_ERR_ARG, ccsp_audit_record_check(&t));
	t = r;
	memset(t.detail, ' ', CCSP_AUDIT_DETAIL_MAX); /* longest field: bounded, and still a JSON object */
	t.detail[0] = '{';
	t.detail[CCSP_AUDIT_DETAIL_MAX - 1] = '}';
	t.detail[CCSP_AUDIT_DETAIL_MAX] = '\0';
	assert_ok(ccsp_audit_record_check(&t));
}

static void test_stored_forms(void **state)
{
	(void)state;
	uint8_t prev[32] = {0}, buf[CCSP_AUDIT_RECORD_BYTES_MAX + 1];
	size_t len = 0;
	ccsp_audit_record r, back;
	make_record(3, &r);
	assert_ok(ccsp_audit_record_seal(&r, 0, prev, mac_key, sizeof mac_key));
	assert_ok(ccsp_audit_record_to_bytes(&r, buf, sizeof buf, &len));
	assert_ok(ccsp_audit_record_from_bytes(buf, len, &back));
	assert_memory_equal(&r, &back, sizeof r);
	for (size_t cut = 0; cut < len; cut += 7)
		assert_ccsp(CCSP_ERR_DECODE, ccsp_audit_record_from_bytes(buf, cut, &back));
	assert_ccsp(CCSP_ERR_DECODE, ccsp_audit_record_from_bytes(buf, len + 1, &back));
	buf[16 + 16 + 4] = 0; /* a NUL inside the actor field */
	assert_ccsp(CCSP_ERR_DECODE, ccsp_audit_record_from_bytes(buf, len, &back));

	ccsp_audit_checkpoint cp, cp2;
	uint8_t cb[CCSP_AUDIT_CHECKPOINT_BYTES];
	assert_ok(ccsp_audit_checkpoint_make(&cp, CCSP_AUDIT_CP_PERIODIC, 1, r.h, 5, platform_key, sign_with,
	                                     platform_key));
	assert_ok(ccsp_audit_checkpoint_to_bytes(&cp, cb));
	assert_ok(ccsp_audit_checkpoint_from_bytes(cb, sizeof cb, &cp2));
	assert_memory_equal(&cp, &cp2, sizeof cp);
	assert_ok(ccsp_audit_checkpoint_verify(&cp2, platform_key));
	cb[17] = 3; /* unknown kind */
	assert_ccsp(CCSP_ERR_DECODE, ccsp_audit_checkpoint_from_bytes(cb, sizeof cb, &cp2));
	assert_ccsp(CCSP_ERR_DECODE, ccsp_audit_checkpoint_from_bytes(cb, sizeof cb - 1, &cp2));
}

/* Checkpoint signatures: OpenSSL verifies them over the 66-byte tbs with the default ID; a signer holding
 * another key is caught by make; any change of a signed field breaks verification. */
static void test_checkpoint_signature(void **state)
{
	(void)state;
	uint8_t h[32], tbs[CCSP_AUDIT_TBS_SIZE];
	test_rand(h, sizeof h);
	ccsp_audit_checkpoint cp;
	assert_ok(ccsp_audit_checkpoint_make(&cp, CCSP_AUDIT_CP_EXPORT, 42, h, 1796000000000ULL, platform_key, sign_with,
	                                     platform_key));
	assert_ok(ccsp_audit_checkpoint_tbs(&cp, tbs));
	assert_hex_equal("43435350" "2d415544" "49542d43" "4b50542d" "31" "02" "000000000000002a" "000001a229f12800",
	                 tbs, 34);
	assert_memory_equal(tbs + 34, h, 32);
	assert_int_equal(ossl_sm2_verify(platform_key, tbs, sizeof tbs, cp.sig), 1);
	assert_ok(ccsp_audit_checkpoint_verify(&cp, platform_key));
	ccsp_audit_checkpoint t = cp;
	t.seq++;
	assert_ccsp(CCSP_ERR_SIGNATURE, ccsp_audit_checkpoint_verify(&t, platform_key));
	t = cp;
	t.kind = CCSP_AUDIT_CP_PERIODIC;
	assert_ccsp(CCSP_ERR_SIGNATURE, ccsp_audit_checkpoint_verify(&t, platform_key));
	t = cp;
	t.h[0] ^= 1;
	assert_ccsp(CCSP_ERR_SIGNATURE, ccsp_audit_checkpoint_verify(&t, platform_key));
	assert_int_equal(ossl_sm2_verify(platform_key, tbs, sizeof tbs - 1, cp.sig), 0);

	ccsp_sm2_key *other = ccsp_sm2_key_new();
	assert_ok(ccsp_sm2_key_generate(other));
	assert_ccsp(CCSP_ERR_SIGNATURE, ccsp_audit_checkpoint_make(&t, CCSP_AUDIT_CP_EXPORT, 42, h, 1, platform_key,
	                                                           sign_with, other));
	ccsp_sm2_key_free(other);
}

static void test_export_verifies(void **state)
{
	(void)state;
	struct lines l;
	ccsp_audit_report rep;
	build_export(120, 50, &l);
	assert_int_equal(l.n, 1 + 120 + 2 + 1);
	assert_ok(verify_lines(&l, &rep));
	assert_int_equal(rep.records, 120);
	assert_int_equal(rep.checkpoints, 3);
	assert_int_equal(rep.first_seq, 1);
	assert_int_equal(rep.last_seq, 120);
	assert_int_equal(rep.cp_time_ms, 1796000000121ULL);
	/* every line parses and re-serialises to itself */
	for (size_t i = 0; i < l.n; i++) {
		ccsp_audit_line pl;
		char again[CCSP_AUDIT_LINE_MAX + 1];
		size_t len = 0;
		assert_ok(ccsp_audit_line_parse(l.v[i], strlen(l.v[i]), &pl));
		if (pl.type == CCSP_AUDIT_LINE_RECORD)
			assert_ok(ccsp_audit_line_record(&pl.record, again, sizeof again, &len));
		else if (pl.type == CCSP_AUDIT_LINE_CHECKPOINT)
			assert_ok(ccsp_audit_line_checkpoint(&pl.checkpoint, again, sizeof again, &len));
		else
			assert_ok(ccsp_audit_line_header(pl.header.fp, pl.header.first_seq, pl.header.prev, again,
			                                 sizeof again, &len));
		assert_string_equal(again, l.v[i]);
	}
	lines_free(&l);
}

/* Line numbers: 1 header; record k on line 1 + k + (k - 1) / 50 with checkpoints after 50 and 100. */
static size_t line_of(uint64_t k)
{
	return (size_t)(1 + k + (k - 1) / 50);
}

static void test_tamper_field(void **state)
{
	(void)state;
	struct lines l;
	build_export(120, 50, &l);
	edit_line(&l, line_of(71) - 1, "\"outcome\":\"ok\"", "\"outcome\":\"no\"");
	expect_fault(&l, CCSP_AUDIT_FAULT_ALTERED, line_of(71), 71);
	lines_free(&l);
	build_export(120, 50, &l); /* the chain value itself edited */
	char *p = strstr(l.v[line_of(3) - 1], "\"h\":\"") + 5;
	*p = *p == '0' ? '1' : '0';
	expect_fault(&l, CCSP_AUDIT_FAULT_ALTERED, line_of(3), 3);
	edit_line(&l, line_of(3) - 1, "\"h\":\"", "\"h\":\"00");
	expect_fault(&l, CCSP_AUDIT_FAULT_MALFORMED, line_of(3), 0); /* 33 bytes of hex: not a record */
	lines_free(&l);
	build_export(120, 50, &l); /* m is not checkable offline (no K), and covers nothing the auditor reads */
	p = strstr(l.v[line_of(3) - 1], "\"m\":\"") + 5;
	*p = *p == '0' ? '1' : '0';
	ccsp_audit_report rep;
	assert_ok(verify_lines(&l, &rep));
	lines_free(&l);
}

static void test_tamper_delete_swap(void **state)
{
	(void)state;
	struct lines l;
	ccsp_audit_report rep;
	build_export(120, 50, &l);
	delete_line(&l, line_of(30) - 1);
	expect_fault(&l, CCSP_AUDIT_FAULT_REMOVED, line_of(30), 30); /* seq 31 now there: 30 missing */
	assert_ccsp(CCSP_ERR_TAMPERED, verify_lines(&l, &rep));
	assert_int_equal(rep.seq_from, 30);
	lines_free(&l);

	build_export(120, 50, &l); /* swap records 10 and 11 */
	char *t = l.v[line_of(10) - 1];
	l.v[line_of(10) - 1] = l.v[line_of(11) - 1];
	l.v[line_of(11) - 1] = t;
	expect_fault(&l, CCSP_AUDIT_FAULT_REORDERED, line_of(10), 11);
	assert_ccsp(CCSP_ERR_TAMPERED, verify_lines(&l, &rep));
	assert_int_equal(rep.seq_from, 10);
	assert_int_equal(rep.other_line, line_of(11));
	lines_free(&l);

	build_export(120, 50, &l); /* the last record before the export checkpoint removed */
	delete_line(&l, line_of(120) - 1);
	expect_fault(&l, CCSP_AUDIT_FAULT_REMOVED, line_of(120), 120);
	lines_free(&l);

	build_export(120, 50, &l); /* a record duplicated over the next one */
	char *dup = strdup(l.v[line_of(5) - 1]);
	replace_line(&l, line_of(6) - 1, dup);
	free(dup);
	expect_fault(&l, CCSP_AUDIT_FAULT_REORDERED, line_of(6), 5);
	lines_free(&l);
}

static void test_tamper_tail_and_cut(void **state)
{
	(void)state;
	struct lines l;
	ccsp_audit_report rep;
	build_export(120, 50, &l);
	while (l.n > line_of(110)) /* cut after record 110 */
		delete_line(&l, l.n - 1);
	expect_fault(&l, CCSP_AUDIT_FAULT_UNCOVERED, line_of(101), 110);
	assert_ccsp(CCSP_ERR_TAMPERED, verify_lines(&l, &rep));
	assert_int_equal(rep.seq_from, 101);
	lines_free(&l);

	build_export(120, 50, &l); /* cut right after a periodic checkpoint: no export checkpoint */
	while (l.n > line_of(100) + 1)
		delete_line(&l, l.n - 1);
	expect_fault(&l, CCSP_AUDIT_FAULT_UNCOVERED, line_of(100) + 2, 100);
	lines_free(&l);

	build_export(120, 50, &l); /* cut in the middle of a line */
	size_t len = 0;
	char *buf = join(&l, &len);
	size_t cut = (size_t)(strstr(buf, "\"seq\":77,") - buf);
	assert_ccsp(CCSP_ERR_TAMPERED, ccsp_audit_export_verify(buf, cut, platform_key, &rep));
	assert_int_equal(rep.fault, CCSP_AUDIT_FAULT_MALFORMED);
	assert_int_equal(rep.line, line_of(77));
	assert_int_equal(rep.records, 76);
	/* the same through a stream */
	FILE *f = fmemopen(buf, cut, "r");
	assert_non_null(f);
	assert_ccsp(CCSP_ERR_TAMPERED, ccsp_audit_export_verify_stream(f, platform_key, &rep));
	assert_int_equal(rep.line, line_of(77));
	fclose(f);
	f = fmemopen(buf, len, "r");
	assert_ok(ccsp_audit_export_verify_stream(f, platform_key, &rep));
	assert_int_equal(rep.records, 120);
	fclose(f);
	free(buf);
	lines_free(&l);
}

static void test_tamper_checkpoints(void **state)
{
	(void)state;
	struct lines l;
	ccsp_audit_checkpoint cp;
	ccsp_audit_line pl;
	char line[CCSP_AUDIT_LINE_MAX + 1];
	size_t len = 0;
	build_export(120, 50, &l);
	/* the final checkpoint's signature replaced by the periodic one's (valid DER, wrong message) */
	assert_ok(ccsp_audit_line_parse(l.v[line_of(50)], strlen(l.v[line_of(50)]), &pl));
	cp = pl.checkpoint;
	assert_ok(ccsp_audit_line_parse(l.v[l.n - 1], strlen(l.v[l.n - 1]), &pl));
	memcpy(pl.checkpoint.sig, cp.sig, sizeof cp.sig);
	assert_ok(ccsp_audit_line_checkpoint(&pl.checkpoint, line, sizeof line, &len));
	replace_line(&l, l.n - 1, line);
	expect_fault(&l, CCSP_AUDIT_FAULT_BAD_SIGNATURE, l.n, 120);
	/* not even DER */
	edit_line(&l, l.n - 1, "\"sig\":\"30", "\"sig\":\"31");
	expect_fault(&l, CCSP_AUDIT_FAULT_BAD_SIGNATURE, l.n, 120);
	lines_free(&l);

	/* a forged checkpoint: another key signs records the attacker rewrote (content and whole h chain) */
	build_export(120, 50, &l);
	ccsp_sm2_key *mallory = ccsp_sm2_key_new();
	assert_ok(ccsp_sm2_key_generate(mallory));
	uint8_t prev[32] = {0};
	ccsp_audit_record r;
	for (uint64_t k = 1; k <= 50; k++) {
		assert_ok(ccsp_audit_line_parse(l.v[line_of(k) - 1], strlen(l.v[line_of(k) - 1]), &pl));
		r = pl.record;
		if (k == 20)
			strcpy(r.outcome, "ok"); /* the forged content */
		assert_ok(ccsp_audit_chain_value(prev, &r, r.h));
		memcpy(prev, r.h, 32);
		assert_ok(ccsp_audit_line_record(&r, line, sizeof line, &len));
		replace_line(&l, line_of(k) - 1, line);
	}
	assert_ok(ccsp_audit_checkpoint_make(&cp, CCSP_AUDIT_CP_PERIODIC, 50, prev, 1, mallory, sign_with, mallory));
	assert_ok(ccsp_audit_line_checkpoint(&cp, line, sizeof line, &len));
	replace_line(&l, line_of(50), line);
	expect_fault(&l, CCSP_AUDIT_FAULT_BAD_SIGNATURE, line_of(50) + 1, 50);
	ccsp_sm2_key_free(mallory);
	lines_free(&l);
}

/* An earlier segment replaced by a consistent chain (records 1..50 rewritten, h recomputed through the end):
 * linkage holds everywhere, the first signed checkpoint shows the rewrite. Likewise a record removed and the
 * rest renumbered and rechained. */
static void test_tamper_replaced_segment(void **state)
{
	(void)state;
	struct lines l;
	ccsp_audit_line pl;
	ccsp_audit_report rep;
	char line[CCSP_AUDIT_LINE_MAX + 1];
	size_t len = 0;
	uint8_t prev[32] = {0};
	build_export(120, 50, &l);
	for (uint64_t k = 1; k <= 120; k++) {
		assert_ok(ccsp_audit_line_parse(l.v[line_of(k) - 1], strlen(l.v[line_of(k) - 1]), &pl));
		if (k == 33)
			strcpy(pl.record.actor, "mallory");
		assert_ok(ccsp_audit_chain_value(prev, &pl.record, pl.record.h));
		memcpy(prev, pl.record.h, 32);
		assert_ok(ccsp_audit_line_record(&pl.record, line, sizeof line, &len));
		replace_line(&l, line_of(k) - 1, line);
	}
	expect_fault(&l, CCSP_AUDIT_FAULT_CHAIN_MISMATCH, line_of(50) + 1, 50);
	assert_ccsp(CCSP_ERR_TAMPERED, verify_lines(&l, &rep));
	assert_int_equal(rep.seq_from, 1);
	lines_free(&l);

	build_export(120, 0, &l); /* no periodic checkpoint: record 60 removed, 61.. renumbered and rechained */
	delete_line(&l, 60);
	assert_ok(ccsp_audit_line_parse(l.v[59], strlen(l.v[59]), &pl));
	memcpy(prev, pl.record.h, 32);
	for (uint64_t k = 60; k <= 119; k++) {
		assert_ok(ccsp_audit_line_parse(l.v[k], strlen(l.v[k]), &pl));
		pl.record.seq = k;
		assert_ok(ccsp_audit_chain_value(prev, &pl.record, pl.record.h));
		memcpy(prev, pl.record.h, 32);
		assert_ok(ccsp_audit_line_record(&pl.record, line, sizeof line, &len));
		replace_line(&l, k, line);
	}
	expect_fault(&l, CCSP_AUDIT_FAULT_REMOVED, l.n, 120); /* the export checkpoint names seq 120, 119 given */
	lines_free(&l);
}

static void test_header_checks(void **state)
{
	(void)state;
	struct lines l;
	ccsp_audit_report rep;
	build_export(5, 0, &l);
	edit_line(&l, 0, "\"key\":\"", "\"key\":\"ff");
	edit_line(&l, 0, "\",\"first_seq\"", "\",\"first_seq\"");
	expect_fault(&l, CCSP_AUDIT_FAULT_MALFORMED, 1, 0); /* 33-byte fingerprint */
	lines_free(&l);
	build_export(5, 0, &l);
	char *p = strstr(l.v[0], "\"key\":\"") + 7;
	*p = *p == '0' ? '1' : '0';
	expect_fault(&l, CCSP_AUDIT_FAULT_WRONG_KEY, 1, 0);
	lines_free(&l);
	build_export(5, 0, &l);
	delete_line(&l, 0);
	expect_fault(&l, CCSP_AUDIT_FAULT_MALFORMED, 1, 0);
	lines_free(&l);
	assert_ccsp(CCSP_ERR_TAMPERED, ccsp_audit_export_verify("", 0, platform_key, &rep));
	assert_int_equal(rep.fault, CCSP_AUDIT_FAULT_MALFORMED);
	build_export(5, 0, &l); /* an unknown member, a duplicate member */
	edit_line(&l, 2, "{\"type\"", "{\"x\":1,\"type\"");
	expect_fault(&l, CCSP_AUDIT_FAULT_MALFORMED, 3, 0);
	edit_line(&l, 2, "{\"x\":1,\"type\"", "{\"seq\":2,\"type\"");
	expect_fault(&l, CCSP_AUDIT_FAULT_MALFORMED, 3, 0);
	lines_free(&l);
}

/* Online: the platform holds K. A database editor rewrites record 40 and the h chain after it (no checkpoint
 * in the range yet): linkage holds, the MAC names record 40; the exporter refuses to sign. */
static void test_online_mac(void **state)
{
	(void)state;
	enum { N = 60 };
	ccsp_audit_record *recs = calloc(N, sizeof *recs);
	ccsp_audit_checkpoint cps[1];
	ccsp_audit_report rep;
	uint8_t prev[32] = {0}, zero[32] = {0};
	assert_non_null(recs);
	for (uint64_t i = 0; i < N; i++) {
		make_record(i + 1, &recs[i]);
		assert_ok(ccsp_audit_record_seal(&recs[i], i, prev, mac_key, sizeof mac_key));
		memcpy(prev, recs[i].h, 32);
	}
	assert_ok(ccsp_audit_checkpoint_make(&cps[0], CCSP_AUDIT_CP_PERIODIC, 20, recs[19].h, 1, platform_key, sign_with,
	                                     platform_key));
	assert_ok(ccsp_audit_verify_range(recs, N, cps, 1, 1, zero, mac_key, sizeof mac_key, platform_key, &rep));
	assert_int_equal(rep.records, N);
	assert_int_equal(rep.checkpoints, 1);
	strcpy(recs[39].outcome, "ok!");
	memcpy(prev, recs[38].h, 32);
	for (size_t i = 39; i < N; i++) {
		assert_ok(ccsp_audit_chain_value(prev, &recs[i], recs[i].h));
		memcpy(prev, recs[i].h, 32);
	}
	assert_ccsp(CCSP_ERR_TAMPERED,
	            ccsp_audit_verify_range(recs, N, cps, 1, 1, zero, mac_key, sizeof mac_key, platform_key, &rep));
	assert_int_equal(rep.fault, CCSP_AUDIT_FAULT_BAD_MAC);
	assert_int_equal(rep.seq, 40);
	assert_int_equal(rep.line, 41); /* 40th record, after the checkpoint */

	struct lines l = {0};
	ccsp_audit_exporter *x = NULL;
	assert_ok(ccsp_audit_exporter_new(platform_key, mac_key, sizeof mac_key, 1, zero, collect, &l, &x));
	ccsp_err ret = CCSP_OK;
	for (size_t i = 0; i < N && ret == CCSP_OK; i++)
		ret = ccsp_audit_exporter_record(x, &recs[i]);
	assert_ccsp(CCSP_ERR_TAMPERED, ret);
	assert_ccsp(CCSP_ERR_TAMPERED, ccsp_audit_exporter_finish(x, 5, sign_with, platform_key, &rep));
	assert_int_equal(rep.fault, CCSP_AUDIT_FAULT_BAD_MAC);
	assert_int_equal(l.n, 40); /* header and 39 records: never the bad one, never an export checkpoint */
	ccsp_audit_exporter_free(x);
	lines_free(&l);
	free(recs);
}

/* An export of a later range: it starts after prev = h of the record before, bound by the checkpoints. */
static void test_partial_range(void **state)
{
	(void)state;
	uint8_t prev[32] = {0};
	ccsp_audit_record r;
	ccsp_audit_report rep;
	for (uint64_t i = 1; i <= 10; i++) {
		make_record(i, &r);
		assert_ok(ccsp_audit_record_seal(&r, i - 1, prev, mac_key, sizeof mac_key));
		memcpy(prev, r.h, 32);
	}
	struct lines l = {0};
	ccsp_audit_exporter *x = NULL;
	assert_ok(ccsp_audit_exporter_new(platform_key, mac_key, sizeof mac_key, 11, prev, collect, &l, &x));
	for (uint64_t i = 11; i <= 15; i++) {
		make_record(i, &r);
		assert_ok(ccsp_audit_record_seal(&r, i - 1, prev, mac_key, sizeof mac_key));
		assert_ok(ccsp_audit_exporter_record(x, &r));
		memcpy(prev, r.h, 32);
	}
	assert_ok(ccsp_audit_exporter_finish(x, 99, sign_with, platform_key, &rep));
	ccsp_audit_exporter_free(x);
	assert_ok(verify_lines(&l, &rep));
	assert_int_equal(rep.first_seq, 11);
	assert_int_equal(rep.last_seq, 15);
	edit_line(&l, 0, "\"prev\":\"", "\"prev\":\"0"); /* another start: 65 hex digits */
	edit_line(&l, 0, "\"}", "\"}");
	expect_fault(&l, CCSP_AUDIT_FAULT_MALFORMED, 1, 0);
	lines_free(&l);
}

static void test_policy(void **state)
{
	(void)state;
	ccsp_audit_policy p = {.every_n = 100, .every_ms = 60000};
	assert_false(ccsp_audit_checkpoint_due(&p, 150, 1000, 100, 0));
	assert_true(ccsp_audit_checkpoint_due(&p, 200, 1000, 100, 0));
	assert_true(ccsp_audit_checkpoint_due(&p, 101, 60000, 100, 0));
	assert_false(ccsp_audit_checkpoint_due(&p, 100, 99999, 100, 0)); /* nothing new to sign */
	assert_false(ccsp_audit_checkpoint_due(NULL, 200, 0, 0, 0));
}

static void test_export_10000(void **state)
{
	(void)state;
	struct lines l;
	ccsp_audit_report rep;
	build_export(10000, 1000, &l);
	assert_ok(verify_lines(&l, &rep));
	assert_int_equal(rep.records, 10000);
	assert_int_equal(rep.checkpoints, 11);
	assert_int_equal(rep.last_seq, 10000);
	lines_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical_kat),       cmocka_unit_test(test_seal_chain_mac),
		cmocka_unit_test(test_field_checks),        cmocka_unit_test(test_stored_forms),
		cmocka_unit_test(test_checkpoint_signature), cmocka_unit_test(test_export_verifies),
		cmocka_unit_test(test_tamper_field),        cmocka_unit_test(test_tamper_delete_swap),
		cmocka_unit_test(test_tamper_tail_and_cut), cmocka_unit_test(test_tamper_checkpoints),
		cmocka_unit_test(test_tamper_replaced_segment), cmocka_unit_test(test_header_checks),
		cmocka_unit_test(test_online_mac),          cmocka_unit_test(test_partial_range),
		cmocka_unit_test(test_policy),              cmocka_unit_test(test_export_10000),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

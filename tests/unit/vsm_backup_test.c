/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VSM's split-knowledge key backup and recovery (KM-9, vendor extension, src/vsm/vsm_backup.c), called
 * directly on a VSM in a temporary directory. SM4, HMAC and SM2 keys are backed up to custodian pairs whose private
 * keys the test holds; the core decrypts the shares, whose format (x || y, y the Shamir share of key || the first 8
 * bytes of SM3(kind || key), checked with OpenSSL's SM3) is checked; OpenSSL 3 re-encrypts every subset of m of
 * them to the import key, and the recovered wrap is the same key (SM4 and HMAC: the same deterministic wrap, and
 * it encrypts / MACs as the key; SM2: it signs under the known public key, or decrypts what the core encrypted).
 * Refusals: m - 1 shares, an altered share, a repeated x, a share for another key, shares of another kind or
 * backup, m/n bounds, custodian keys that are no points, wrapped keys refused, the error state; the audit records
 * backups, recoveries and refusals and no key material.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include <ccsp/sdf.h>
#include <ccsp/sm2.h>
#include <ccsp/sm2_asn1.h>
#include <ccsp/sm3.h>
#include <ccsp/sm4.h>

#include "crypto/shamir/shamir.h"
#include "test_util.h"
#include "vsm/vsm_internal.h"

static const uint8_t SK[CCSP_VSM_STORAGE_KEY_SIZE] = "backup-test-stor";
#define OWNER 12
#define KEK_A 1
#define KEK_B 2
#define KEK_NONE 3 /* in range, empty */
#define W CCSP_VSM_WRAPPED_PAIR_SIZE
#define CT_MAX CCSP_VSM_SHARE_CT_MAX
#define NC (CCSP_VSM_SHARES_MAX + 1) /* custodian pairs: one more than a backup may have */

static struct {
	char dir[256];
	ccsp_vsm *vsm;
	ccsp_vsm_session *s;
	uint64_t id;
	uint8_t ipub[64], iw[W]; /* the import key: an encryption pair wrapped under KEK_A */
	ccsp_sm2_key *ck[NC];    /* the custodians' pairs */
	uint8_t cpub[NC][64];
} fx;

static int group_setup(void **state)
{
	(void)state;
	uint8_t pt[65];
	const char *tmp = getenv("TMPDIR");
	snprintf(fx.dir, sizeof fx.dir, "%s/vsm_backup_test.XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(fx.dir) == NULL || ccsp_vsm_open(fx.dir, SK, NULL, &fx.vsm) != CCSP_OK)
		return -1;
	ccsp_vsm_keystore *ks = ccsp_vsm_get_keystore(fx.vsm);
	if (ccsp_vsm_keystore_generate(ks, CCSP_VSM_KEY_KEK, KEK_A, NULL, 0) != CCSP_OK ||
	    ccsp_vsm_keystore_generate(ks, CCSP_VSM_KEY_KEK, KEK_B, NULL, 0) != CCSP_OK ||
	    ccsp_vsm_session_open(fx.vsm, OWNER, &fx.id) != CCSP_OK ||
	    ccsp_vsm_session_acquire(fx.vsm, OWNER, fx.id, &fx.s) != CCSP_OK ||
	    ccsp_vsm_pair_generate_kek(fx.s, KEK_A, CCSP_VSM_KEY_ENC, fx.ipub, fx.iw) != CCSP_OK)
		return -1;
	for (int i = 0; i < NC; i++) {
		fx.ck[i] = ccsp_sm2_key_new();
		if (fx.ck[i] == NULL || ccsp_sm2_key_generate(fx.ck[i]) != CCSP_OK ||
		    ccsp_sm2_key_get_public(fx.ck[i], pt) != CCSP_OK)
			return -1;
		memcpy(fx.cpub[i], pt + 1, 64);
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < NC; i++)
		ccsp_sm2_key_free(fx.ck[i]);
	ccsp_vsm_session_release(fx.s);
	ccsp_vsm_free(fx.vsm);
	test_rm_tree(fx.dir);
	return 0;
}

/* ---- oracles ---- */

/* msg SM2-encrypted by OpenSSL to pub, as the module's wire form C1 x||y || C3 || C2 (len + 96 bytes). */
static size_t ossl_encrypt(const uint8_t pub[64], const uint8_t *msg, size_t len, uint8_t *out)
{
	uint8_t der[64 + 128], raw[64 + 97];
	size_t derlen = sizeof der, rawlen;
	assert_true(len <= 64);
	EVP_PKEY *pk = test_ossl_sm2_pub(pub);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk, NULL);
	assert_int_equal(EVP_PKEY_encrypt_init(ctx), 1);
	assert_int_equal(EVP_PKEY_encrypt(ctx, der, &derlen, msg, len), 1);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	assert_ok(ccsp_sm2_ciphertext_from_der(der, derlen, raw, sizeof raw, &rawlen));
	assert_int_equal(rawlen, len + 97);
	memcpy(out, raw + 1, rawlen - 1);
	return rawlen - 1;
}

/* The first 8 bytes of SM3(kind || key), by OpenSSL. */
static void ossl_check(ccsp_vsm_material kind, const uint8_t *key, size_t len, uint8_t check[8])
{
	uint8_t buf[1 + 32], h[32];
	unsigned hl = 0;
	buf[0] = (uint8_t)kind;
	memcpy(buf + 1, key, len);
	assert_int_equal(EVP_Digest(buf, 1 + len, h, &hl, EVP_sm3(), NULL), 1);
	memcpy(check, h, 8);
}

/* Custodian j's decryption of share ct (the core) into pt (ctlen - 96 bytes). */
static size_t custodian_open(int j, const uint8_t *ct, size_t ctlen, uint8_t *pt)
{
	uint8_t full[CT_MAX + 1];
	size_t n;
	full[0] = 4;
	memcpy(full + 1, ct, ctlen);
	assert_ok(ccsp_sm2_decrypt(fx.ck[j], CCSP_SM2_C1C3C2, full, ctlen + 1, pt, ctlen - 96, &n));
	assert_int_equal(n, ctlen - 96);
	return n;
}

static size_t key_len(ccsp_vsm_material kind)
{
	return kind == CCSP_VSM_MATERIAL_SM4 ? 16 : 32;
}

static int is_pair(ccsp_vsm_material kind)
{
	return kind == CCSP_VSM_MATERIAL_SM2_SIGN || kind == CCSP_VSM_MATERIAL_SM2_ENC;
}

/* A fresh key of kind wrapped under KEK_A as the KMS keeps it: key (16 or 32 bytes; SM2: d, pub its public key,
 * *k the core's pair, else NULL) and its wrap. */
static size_t make_key(ccsp_vsm_material kind, uint8_t key[32], uint8_t pub[64], ccsp_sm2_key **k, uint8_t w[W])
{
	uint8_t pt[65];
	*k = NULL;
	if (!is_pair(kind)) {
		test_rand(key, key_len(kind));
		assert_ok(ccsp_vsm_keystore_kek_wrap(ccsp_vsm_get_keystore(fx.vsm), KEK_A, key, w, key_len(kind)));
		return key_len(kind);
	}
	*k = ccsp_sm2_key_new();
	assert_non_null(*k);
	assert_ok(ccsp_sm2_key_generate(*k));
	assert_ok(ccsp_sm2_key_get_private(*k, key));
	assert_ok(ccsp_sm2_key_get_public(*k, pt));
	memcpy(pub, pt + 1, 64);
	assert_ok(vsm_pair_wrap(fx.s, KEK_A, kind == CCSP_VSM_MATERIAL_SM2_SIGN ? CCSP_VSM_KEY_SIGN : CCSP_VSM_KEY_ENC,
	                        key, w));
	return W;
}

/* A backup of the shares: the n plaintexts (x || y) the custodians decrypted. */
typedef struct opened {
	uint8_t pt[CCSP_VSM_SHARES_MAX][CT_MAX - 96];
	size_t len;
} opened;

static void backup_open(ccsp_vsm_material kind, const uint8_t *w, size_t wl, unsigned m, unsigned n, opened *o)
{
	uint8_t shares[CCSP_VSM_SHARES_MAX][CT_MAX];
	size_t lens[CCSP_VSM_SHARES_MAX];
	assert_ok(ccsp_vsm_key_backup(fx.s, KEK_A, kind, w, wl, m, n, (const uint8_t(*)[64])fx.cpub, shares, lens));
	for (unsigned j = 0; j < n; j++) {
		assert_int_equal(lens[j], 96 + 1 + key_len(kind) + 8);
		o->len = custodian_open((int)j, shares[j], lens[j], o->pt[j]);
		assert_int_equal(o->pt[j][0], j + 1); /* x */
	}
}

/* Recover from the shares sel[0..k-1] of o, re-encrypted to the import key (OpenSSL); the module's answer. */
static ccsp_err recover(ccsp_vsm_material kind, const opened *o, const unsigned *sel, unsigned k, const uint8_t *pub,
                        uint8_t w[W], size_t *wl)
{
	uint8_t ct[CCSP_VSM_SHARES_MAX][CT_MAX];
	const uint8_t *p[CCSP_VSM_SHARES_MAX];
	size_t lens[CCSP_VSM_SHARES_MAX];
	for (unsigned i = 0; i < k; i++) {
		lens[i] = ossl_encrypt(fx.ipub, o->pt[sel[i]], o->len, ct[i]);
		p[i] = ct[i];
	}
	return ccsp_vsm_key_recover(fx.s, KEK_A, fx.iw, W, kind, k, p, lens, pub, w, wl);
}

/* A recovered SM4 or HMAC wrap works as key: SM4-ECB of a block, or HMAC-SM3. */
static void assert_sym_wrap_is(const uint8_t *w, size_t wl, const uint8_t *key)
{
	uint64_t h;
	uint8_t block[16], got[32], want[32];
	ccsp_sm4_key k;
	test_rand(block, sizeof block);
	size_t n = test_wrap_alg(wl) == SGD_SM4_ECB ? wl : wl - SDF_WRAPPED_KEY_SIZE(0);
	assert_ok(ccsp_vsm_key_import_kek(fx.s, KEK_A, test_wrap_alg(wl), w, wl, &h));
	if (n == 16) {
		assert_ok(ccsp_vsm_encrypt(fx.s, h, SGD_SM4_ECB, NULL, block, sizeof block, got));
		assert_ok(ccsp_sm4_set_key(&k, key, 16));
		assert_ok(ccsp_sm4_ecb_encrypt(&k, block, want, sizeof block));
		ccsp_sm4_key_wipe(&k);
	} else {
		assert_ok(ccsp_vsm_hmac_init(fx.s, h, SGD_SM3));
		assert_ok(ccsp_vsm_hmac_update(fx.s, block, sizeof block));
		assert_ok(ccsp_vsm_hmac_final(fx.s, got));
		assert_ok(ccsp_hmac_sm3(key, 32, block, sizeof block, want));
	}
	assert_memory_equal(got, want, n);
	assert_ok(ccsp_vsm_key_destroy(fx.s, h));
}

/* A recovered SM2 wrap is k's: it signs under k's public key, or decrypts what k's public key encrypted. */
static void assert_pair_wrap_is(ccsp_vsm_material kind, const uint8_t *w, size_t wl, const ccsp_sm2_key *k)
{
	uint8_t msg[48], e[32], sig[64], raw[48 + 97], back[48];
	size_t rawlen;
	assert_int_equal(wl, W);
	test_rand(msg, sizeof msg);
	if (kind == CCSP_VSM_MATERIAL_SM2_SIGN) {
		assert_ok(ccsp_sm2_compute_e(k, NULL, 0, msg, sizeof msg, e));
		assert_ok(ccsp_vsm_pair_sign_kek(fx.s, KEK_A, w, wl, e, sig));
		assert_ok(ccsp_sm2_verify(k, NULL, 0, msg, sizeof msg, sig));
	} else {
		assert_ok(ccsp_sm2_encrypt(k, CCSP_SM2_C1C3C2, msg, sizeof msg, raw, sizeof raw, &rawlen));
		assert_ok(ccsp_vsm_pair_decrypt_kek(fx.s, KEK_A, w, wl, raw + 1, rawlen - 1, back));
		assert_memory_equal(back, msg, sizeof msg);
	}
}

/* Next k-subset of 0..n-1 in lexicographic order; 0 after the last. */
static int next_subset(unsigned *sel, unsigned k, unsigned n)
{
	for (unsigned i = k; i-- > 0;) {
		if (sel[i] < n - k + i) {
			sel[i]++;
			for (unsigned j = i + 1; j < k; j++)
				sel[j] = sel[j - 1] + 1;
			return 1;
		}
	}
	return 0;
}

/* Every m-subset of the n shares recovers key; every (m-1)-subset is refused by the check. */
static void check_backup(ccsp_vsm_material kind, unsigned m, unsigned n)
{
	uint8_t key[32], pub[64], w[W], w2[W], check[8], secret[40];
	const uint8_t *y[CCSP_VSM_SHARES_MAX];
	uint8_t x[CCSP_VSM_SHARES_MAX];
	unsigned sel[CCSP_VSM_SHARES_MAX];
	size_t wl2, len = key_len(kind);
	ccsp_sm2_key *k;
	opened o;
	size_t wl = make_key(kind, key, pub, &k, w);
	backup_open(kind, w, wl, m, n, &o);
	/* the share format: the first m shares interpolate to key || check */
	for (unsigned i = 0; i < m; i++) {
		x[i] = o.pt[i][0];
		y[i] = o.pt[i] + 1;
	}
	assert_ok(ccsp_shamir_interpolate(x, y, m, len + 8, secret));
	ossl_check(kind, key, len, check);
	assert_memory_equal(secret, key, len);
	assert_memory_equal(secret + len, check, 8);
	for (unsigned i = 0; i < m; i++)
		sel[i] = i;
	int subsets = 0;
	do {
		wl2 = 0;
		assert_ok(recover(kind, &o, sel, m, is_pair(kind) ? pub : NULL, w2, &wl2));
		if (is_pair(kind)) {
			assert_pair_wrap_is(kind, w2, wl2, k);
		} else {
			assert_int_equal(wl2, SDF_WRAPPED_KEY_SIZE(len)); /* sealed */
			assert_sym_wrap_is(w2, wl2, key);
		}
		subsets++;
	} while (next_subset(sel, m, n));
	assert_true(subsets > 0);
	for (unsigned i = 0; i < m - 1; i++)
		sel[i] = i;
	if (m - 1 < 2) /* one share is no recovery */
		assert_ccsp(CCSP_ERR_ARG, recover(kind, &o, sel, m - 1, is_pair(kind) ? pub : NULL, w2, &wl2));
	else
		do
			assert_ccsp(CCSP_ERR_KEY, recover(kind, &o, sel, m - 1, is_pair(kind) ? pub : NULL, w2, &wl2));
		while (next_subset(sel, m - 1, n));
	/* all n shares work too */
	for (unsigned i = 0; i < n; i++)
		sel[i] = i;
	assert_ok(recover(kind, &o, sel, n, is_pair(kind) ? pub : NULL, w2, &wl2));
	ccsp_sm2_key_free(k);
}

/* ---- tests ---- */

static void test_backup_symmetric(void **state)
{
	(void)state;
	test_rand_seed(41);
	check_backup(CCSP_VSM_MATERIAL_SM4, 3, 5);
	check_backup(CCSP_VSM_MATERIAL_HMAC, 3, 5);
	check_backup(CCSP_VSM_MATERIAL_SM4, 2, 2);
	check_backup(CCSP_VSM_MATERIAL_HMAC, 4, 4);
}

static void test_backup_sm2(void **state)
{
	(void)state;
	test_rand_seed(42);
	check_backup(CCSP_VSM_MATERIAL_SM2_SIGN, 2, 3);
	check_backup(CCSP_VSM_MATERIAL_SM2_ENC, 3, 4);
}

static void test_backup_many(void **state)
{
	(void)state;
	uint8_t key[32], pub[64], w[W], w2[W];
	unsigned sel[CCSP_VSM_SHARES_MAX];
	size_t wl2;
	ccsp_sm2_key *k;
	opened o;
	test_rand_seed(43);
	size_t wl = make_key(CCSP_VSM_MATERIAL_SM4, key, pub, &k, w);
	backup_open(CCSP_VSM_MATERIAL_SM4, w, wl, CCSP_VSM_SHARES_MAX, CCSP_VSM_SHARES_MAX, &o);
	for (unsigned i = 0; i < CCSP_VSM_SHARES_MAX; i++)
		sel[i] = CCSP_VSM_SHARES_MAX - 1 - i; /* any order */
	assert_ok(recover(CCSP_VSM_MATERIAL_SM4, &o, sel, CCSP_VSM_SHARES_MAX, NULL, w2, &wl2));
	assert_sym_wrap_is(w2, wl2, key);
	assert_ccsp(CCSP_ERR_KEY, recover(CCSP_VSM_MATERIAL_SM4, &o, sel, CCSP_VSM_SHARES_MAX - 1, NULL, w2, &wl2));
}

static void test_recover_refusals(void **state)
{
	(void)state;
	uint8_t key[32], pub[64], w[W], w2[W], ct[3][CT_MAX], opub[64], ow[W], spub[64], sw[W];
	unsigned sel[3] = {0, 1, 2};
	const uint8_t *p[3] = {ct[0], ct[1], ct[2]};
	size_t wl2, lens[3];
	ccsp_sm2_key *k;
	opened o, o2;
	test_rand_seed(44);
	size_t wl = make_key(CCSP_VSM_MATERIAL_SM4, key, pub, &k, w);
	backup_open(CCSP_VSM_MATERIAL_SM4, w, wl, 3, 4, &o);
	/* an altered share (y) fails the check */
	opened bad = o;
	bad.pt[1][5] ^= 0x40;
	assert_ccsp(CCSP_ERR_KEY, recover(CCSP_VSM_MATERIAL_SM4, &bad, sel, 3, NULL, w2, &wl2));
	/* an altered x too */
	bad = o;
	bad.pt[2][0] = 4;
	assert_ccsp(CCSP_ERR_KEY, recover(CCSP_VSM_MATERIAL_SM4, &bad, sel, 3, NULL, w2, &wl2));
	/* the same share twice, or two with the same x; x = 0 */
	unsigned dup[3] = {0, 1, 1};
	assert_ccsp(CCSP_ERR_ARG, recover(CCSP_VSM_MATERIAL_SM4, &o, dup, 3, NULL, w2, &wl2));
	bad = o;
	bad.pt[2][0] = bad.pt[0][0];
	assert_ccsp(CCSP_ERR_ARG, recover(CCSP_VSM_MATERIAL_SM4, &bad, sel, 3, NULL, w2, &wl2));
	bad.pt[2][0] = 0;
	assert_ccsp(CCSP_ERR_ARG, recover(CCSP_VSM_MATERIAL_SM4, &bad, sel, 3, NULL, w2, &wl2));
	/* a share encrypted to another key, or whose ciphertext is altered: C3 does not match */
	for (int i = 0; i < 3; i++)
		lens[i] = ossl_encrypt(fx.ipub, o.pt[i], o.len, ct[i]);
	assert_ok(ccsp_vsm_key_recover(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM4, 3, p, lens, NULL, w2, &wl2));
	assert_ok(ccsp_vsm_pair_generate_kek(fx.s, KEK_A, CCSP_VSM_KEY_ENC, opub, ow));
	lens[1] = ossl_encrypt(opub, o.pt[1], o.len, ct[1]);
	assert_ccsp(CCSP_ERR_AUTH, ccsp_vsm_key_recover(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM4, 3, p, lens, NULL,
	                                                 w2, &wl2));
	lens[1] = ossl_encrypt(fx.ipub, o.pt[1], o.len, ct[1]);
	ct[1][100] ^= 1;
	assert_ccsp(CCSP_ERR_AUTH, ccsp_vsm_key_recover(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM4, 3, p, lens, NULL,
	                                                 w2, &wl2));
	/* shares of another kind (length), of another backup (check) */
	assert_ccsp(CCSP_ERR_KEY, recover(CCSP_VSM_MATERIAL_HMAC, &o, sel, 3, NULL, w2, &wl2));
	backup_open(CCSP_VSM_MATERIAL_SM4, w, wl, 3, 4, &o2);
	bad = o;
	memcpy(bad.pt[2], o2.pt[2], o.len);
	assert_ccsp(CCSP_ERR_KEY, recover(CCSP_VSM_MATERIAL_SM4, &bad, sel, 3, NULL, w2, &wl2));
	assert_ok(recover(CCSP_VSM_MATERIAL_SM4, &o2, sel, 3, NULL, w2, &wl2));
	assert_sym_wrap_is(w2, wl2, key);
	/* the import key: a signing wrap, a wrap under another KEK, or recovery under another KEK */
	assert_ok(ccsp_vsm_pair_generate_kek(fx.s, KEK_A, CCSP_VSM_KEY_SIGN, spub, sw));
	for (int i = 0; i < 3; i++)
		lens[i] = ossl_encrypt(fx.ipub, o.pt[i], o.len, ct[i]);
	assert_ccsp(CCSP_ERR_KEY_TYPE, ccsp_vsm_key_recover(fx.s, KEK_A, sw, W, CCSP_VSM_MATERIAL_SM4, 3, p, lens, NULL,
	                                                     w2, &wl2));
	assert_ccsp(CCSP_ERR_KEY, ccsp_vsm_key_recover(fx.s, KEK_B, fx.iw, W, CCSP_VSM_MATERIAL_SM4, 3, p, lens, NULL,
	                                                w2, &wl2));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, ccsp_vsm_key_recover(fx.s, KEK_NONE, fx.iw, W, CCSP_VSM_MATERIAL_SM4, 3, p,
	                                                         lens, NULL, w2, &wl2));
	/* m bounds, kinds, lengths */
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_key_recover(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM4, 1, p, lens, NULL,
	                                                w2, &wl2));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_key_recover(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM4,
	                                                CCSP_VSM_SHARES_MAX + 1, p, lens, NULL, w2, &wl2));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_key_recover(fx.s, KEK_A, fx.iw, W, (ccsp_vsm_material)5, 3, p, lens, NULL,
	                                                w2, &wl2));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_key_recover(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM2_SIGN, 3, p, lens,
	                                                NULL, w2, &wl2));
	lens[0] = 96;
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_key_recover(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM4, 3, p, lens, NULL,
	                                                w2, &wl2));
	lens[0] = CT_MAX + 1;
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_key_recover(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM4, 3, p, lens, NULL,
	                                                w2, &wl2));
}

static void test_recover_sm2_refusals(void **state)
{
	(void)state;
	uint8_t d[32], pub[64], w[W], w2[W], d2[32], pub2[64], w3[W];
	unsigned sel[2] = {0, 1};
	size_t wl2;
	ccsp_sm2_key *k, *k2;
	opened o;
	test_rand_seed(45);
	size_t wl = make_key(CCSP_VSM_MATERIAL_SM2_SIGN, d, pub, &k, w);
	(void)make_key(CCSP_VSM_MATERIAL_SM2_SIGN, d2, pub2, &k2, w3);
	backup_open(CCSP_VSM_MATERIAL_SM2_SIGN, w, wl, 2, 3, &o);
	/* d is not pub2's */
	assert_ccsp(CCSP_ERR_KEY, recover(CCSP_VSM_MATERIAL_SM2_SIGN, &o, sel, 2, pub2, w2, &wl2));
	/* the check binds the kind: a signing key's shares do not recover an encryption key */
	assert_ccsp(CCSP_ERR_KEY, recover(CCSP_VSM_MATERIAL_SM2_ENC, &o, sel, 2, pub, w2, &wl2));
	assert_ok(recover(CCSP_VSM_MATERIAL_SM2_SIGN, &o, sel, 2, pub, w2, &wl2));
	assert_int_equal(w2[1], CCSP_VSM_KEY_SIGN);
	/* a signing wrap backed up as an encryption key */
	uint8_t shares[3][CT_MAX];
	size_t lens[3];
	assert_ccsp(CCSP_ERR_KEY_TYPE, ccsp_vsm_key_backup(fx.s, KEK_A, CCSP_VSM_MATERIAL_SM2_ENC, w, wl, 2, 3,
	                                                    (const uint8_t(*)[64])fx.cpub, shares, lens));
	ccsp_sm2_key_free(k);
	ccsp_sm2_key_free(k2);
}

/* ccsp_vsm_key_backup's answer for w to custodians c. */
static ccsp_err backup_to(uint32_t kek, ccsp_vsm_material kind, const uint8_t *w, size_t wl, unsigned m, unsigned n,
                          const uint8_t (*c)[64])
{
	static uint8_t shares[NC][CT_MAX];
	size_t lens[NC];
	return ccsp_vsm_key_backup(fx.s, kek, kind, w, wl, m, n, c, shares, lens);
}

static void test_backup_refusals(void **state)
{
	(void)state;
	uint8_t key[32], pub[64], w[W], shares[NC][CT_MAX], cust[3][64];
	size_t lens[NC];
	ccsp_sm2_key *k;
	const uint8_t(*c)[64] = (const uint8_t(*)[64])fx.cpub;
	test_rand_seed(46);
	size_t wl = make_key(CCSP_VSM_MATERIAL_SM4, key, pub, &k, w);
	/* m/n bounds, kind, custodians */
	assert_ccsp(CCSP_ERR_ARG, backup_to(KEK_A, CCSP_VSM_MATERIAL_SM4, w, wl, 1, 3, c));
	assert_ccsp(CCSP_ERR_ARG, backup_to(KEK_A, CCSP_VSM_MATERIAL_SM4, w, wl, 0, 3, c));
	assert_ccsp(CCSP_ERR_ARG, backup_to(KEK_A, CCSP_VSM_MATERIAL_SM4, w, wl, 4, 3, c));
	assert_ccsp(CCSP_ERR_ARG, backup_to(KEK_A, CCSP_VSM_MATERIAL_SM4, w, wl, 2, NC, c));
	assert_ccsp(CCSP_ERR_ARG, backup_to(KEK_A, (ccsp_vsm_material)0, w, wl, 2, 3, c));
	assert_ccsp(CCSP_ERR_ARG, backup_to(KEK_A, CCSP_VSM_MATERIAL_SM4, w, wl, 2, 3, NULL));
	/* wraps refused: of another length or kind; no KEK */
	assert_ccsp(CCSP_ERR_KEY, backup_to(KEK_A, CCSP_VSM_MATERIAL_HMAC, w, wl, 2, 3, c));
	assert_ccsp(CCSP_ERR_KEY, backup_to(KEK_A, CCSP_VSM_MATERIAL_SM2_SIGN, w, wl, 2, 3, c));
	assert_ccsp(CCSP_ERR_KEY_NOT_FOUND, backup_to(KEK_NONE, CCSP_VSM_MATERIAL_SM4, w, wl, 2, 3, c));
	/* a custodian key that is no point: no share is answered */
	memcpy(cust, fx.cpub, sizeof cust);
	cust[2][63] ^= 1;
	memset(shares, 0xAA, sizeof shares);
	assert_ccsp(CCSP_ERR_POINT, ccsp_vsm_key_backup(fx.s, KEK_A, CCSP_VSM_MATERIAL_SM4, w, wl, 2, 3,
	                                                 (const uint8_t(*)[64])cust, shares, lens));
	for (int j = 0; j < 3; j++)
		for (size_t i = 0; i < CT_MAX; i++)
			assert_int_equal(shares[j][i], 0);
	ccsp_sm2_key_free(k);
}

/* In the error state both answer CCSP_ERR_MODULE_STATE. */
static void test_error_state(void **state)
{
	(void)state;
	uint8_t key[32], pub[64], w[W], w2[W], shares[3][CT_MAX], ct[2][CT_MAX];
	const uint8_t *p[2] = {ct[0], ct[1]};
	size_t lens[2], slens[3], wl2;
	ccsp_sm2_key *k;
	opened o;
	size_t wl = make_key(CCSP_VSM_MATERIAL_SM4, key, pub, &k, w);
	backup_open(CCSP_VSM_MATERIAL_SM4, w, wl, 2, 3, &o);
	for (int i = 0; i < 2; i++)
		lens[i] = ossl_encrypt(fx.ipub, o.pt[i], o.len, ct[i]);
	atomic_store(&fx.vsm->state, CCSP_VSM_STATE_ERROR);
	ccsp_err b = ccsp_vsm_key_backup(fx.s, KEK_A, CCSP_VSM_MATERIAL_SM4, w, wl, 2, 3, (const uint8_t(*)[64])fx.cpub,
	                                 shares, slens);
	ccsp_err r = ccsp_vsm_key_recover(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM4, 2, p, lens, NULL, w2, &wl2);
	atomic_store(&fx.vsm->state, CCSP_VSM_STATE_OPERATIONAL);
	assert_ccsp(CCSP_ERR_MODULE_STATE, b);
	assert_ccsp(CCSP_ERR_MODULE_STATE, r);
	assert_ok(ccsp_vsm_key_recover(fx.s, KEK_A, fx.iw, W, CCSP_VSM_MATERIAL_SM4, 2, p, lens, NULL, w2, &wl2));
	ccsp_sm2_key_free(k);
}

/* The audit has the backups, recoveries and refusals, and none of the key bytes. */
static void test_audit(void **state)
{
	(void)state;
	uint8_t key[32], pub[64], w[W], w2[W];
	unsigned sel[2] = {0, 1};
	size_t wl2;
	char path[300], line[1024], hex[33];
	ccsp_sm2_key *k;
	opened o;
	size_t wl = make_key(CCSP_VSM_MATERIAL_SM4, key, pub, &k, w);
	for (size_t i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	backup_open(CCSP_VSM_MATERIAL_SM4, w, wl, 2, 3, &o);
	assert_ok(recover(CCSP_VSM_MATERIAL_SM4, &o, sel, 2, NULL, w2, &wl2));
	assert_ccsp(CCSP_ERR_KEY, recover(CCSP_VSM_MATERIAL_HMAC, &o, sel, 2, NULL, w2, &wl2));
	int backups = 0, recoveries = 0, refused = 0;
	snprintf(path, sizeof path, "%s/audit.log", fx.dir);
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof line, fp) != NULL) {
		backups += strstr(line, "key.backup") != NULL;
		recoveries += strstr(line, "key.recover") != NULL;
		refused += strstr(line, "recover.refused") != NULL;
		assert_null(strstr(line, hex));
	}
	fclose(fp);
	assert_true(backups > 0);
	assert_true(recoveries > 0);
	assert_true(refused > 0);
	ccsp_sm2_key_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backup_symmetric),     cmocka_unit_test(test_backup_sm2),
		cmocka_unit_test(test_backup_many),          cmocka_unit_test(test_recover_refusals),
		cmocka_unit_test(test_recover_sm2_refusals), cmocka_unit_test(test_backup_refusals),
		cmocka_unit_test(test_error_state),          cmocka_unit_test(test_audit),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

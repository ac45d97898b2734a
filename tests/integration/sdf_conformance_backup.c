/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vendor extension SDF_BackupKeyWithKEK_ECC / SDF_RecoverKeyWithWrappedKey_ECC (split-knowledge backup, KM-9)
 * against a running vsmd, through libsdf.so, with OpenSSL 3 as the oracle: keys brought in by BYOK (so the test
 * knows them) are backed up to custodian pairs OpenSSL made; OpenSSL decrypts the shares with the custodians' keys
 * and re-encrypts them to an import key; every subset of m recovers a wrap that works as the known key (SM4, HMAC:
 * the same wrap; SM2: its signatures verify with OpenSSL). Then the refusals, and the platform's functions
 * (src/platform/pvsm.c, built into this suite) with their error mapping. Run by tests/cli/sdf_e2e_test.sh, which
 * creates KEKs at indices 1 and 2 (none at 500) and exports CCSP_SDF_CONF.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include <ccsp/sdf.h>

#include "platform/pvsm.h"
#include "sdf_oracle.h"

#define KEK 1
#define KEK2 2
#define NO_KEK 500
#define NC 4 /* custodians */
static HANDLE dev, ses;
static ECCrefPublicKey ipub; /* the import key: an encryption pair wrapped under KEK */
static BYTE iw[SDF_WRAPPED_ECC_KEY_MAX];
static ULONG iwl;
static EVP_PKEY *cust[NC]; /* the custodians' pairs */
static ECCrefPublicKey cpub[NC];

static EVP_PKEY *ossl_pair(unsigned char d[32], ECCrefPublicKey *pub);

static int setup(void **state)
{
	(void)state;
	unsigned char d[32];
	if (SDF_OpenDevice(&dev) != SDR_OK || SDF_OpenSession(dev, &ses) != SDR_OK ||
	    SDF_GenerateKeyPairWithKEK_ECC(ses, SGD_SM2_3, KEK, &ipub, iw, &iwl) != SDR_OK)
		return -1;
	for (int i = 0; i < NC; i++)
		cust[i] = ossl_pair(d, &cpub[i]);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < NC; i++)
		EVP_PKEY_free(cust[i]);
	SDF_CloseSession(ses);
	SDF_CloseDevice(dev);
	return 0;
}

/* ---- OpenSSL, the oracle ---- */

static EVP_PKEY *ossl_pub(const ECCrefPublicKey *pub)
{
	unsigned char pt[65] = {4};
	memcpy(pt + 1, pub->x + 32, 32);
	memcpy(pt + 33, pub->y + 32, 32);
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0);
	OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt);
	OSSL_PARAM *p = OSSL_PARAM_BLD_to_param(b);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
	EVP_PKEY *pk = NULL;
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, p), 1);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(p);
	OSSL_PARAM_BLD_free(b);
	return pk;
}

/* A pair OpenSSL made: the key, its d and its public key as an ECCrefPublicKey. */
static EVP_PKEY *ossl_pair(unsigned char d[32], ECCrefPublicKey *pub)
{
	unsigned char pt[65];
	size_t n;
	BIGNUM *bn = NULL;
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
	assert_non_null(pk);
	assert_int_equal(EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt, &n), 1);
	assert_int_equal(n, 65);
	assert_int_equal(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &bn), 1);
	assert_int_equal(BN_bn2binpad(bn, d, 32), 32);
	BN_clear_free(bn);
	memset(pub, 0, sizeof *pub);
	pub->bits = 256;
	memcpy(pub->x + 32, pt + 1, 32);
	memcpy(pub->y + 32, pt + 33, 32);
	return pk;
}

/* msg SM2-encrypted by OpenSSL to pub, as an ECCCipher (caller frees). */
static ECCCipher *ossl_encrypt(const ECCrefPublicKey *pub, const unsigned char *msg, size_t len)
{
	unsigned char der[256];
	size_t derlen = sizeof der;
	EVP_PKEY *pk = ossl_pub(pub);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk, NULL);
	assert_int_equal(EVP_PKEY_encrypt_init(ctx), 1);
	assert_int_equal(EVP_PKEY_encrypt(ctx, der, &derlen, msg, len), 1);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	/* SEQUENCE { INTEGER x, INTEGER y, OCTET STRING C3, OCTET STRING C2 }, short forms for small messages */
	ECCCipher *c = calloc(1, SDF_ECCCIPHER_SIZE(len));
	const unsigned char *p = der + (der[1] & 0x80 ? 2 + (der[1] & 0x7f) : 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(p[0], 2);
		size_t n = p[1];
		const unsigned char *v = p + 2;
		if (n == 33)
			v++, n--;
		memcpy((i == 0 ? c->x : c->y) + 64 - n, v, n);
		p += 2 + p[1];
	}
	assert_int_equal(p[0], 4);
	assert_int_equal(p[1], 32);
	memcpy(c->M, p + 2, 32);
	p += 34;
	assert_int_equal(p[0], 4);
	assert_int_equal(p[1], len);
	c->L = (ULONG)len;
	memcpy((unsigned char *)c + SDF_ECCCIPHER_FIXED_SIZE, p + 2, len);
	return c;
}

/* OpenSSL's decryption of c with the private key pk into out; the plaintext length. */
static size_t ossl_decrypt(EVP_PKEY *pk, const ECCCipher *c, unsigned char *out, size_t cap)
{
	unsigned char der[512];
	size_t derlen = oracle_cipher_der(c, der), n = cap;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk, NULL);
	assert_int_equal(EVP_PKEY_decrypt_init(ctx), 1);
	assert_int_equal(EVP_PKEY_decrypt(ctx, out, &n, der, derlen), 1);
	EVP_PKEY_CTX_free(ctx);
	return n;
}

static void ossl_sm4_ecb(const unsigned char key[16], int enc, const unsigned char *in, unsigned char *out, int len)
{
	int n = 0, m = 0;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	assert_int_equal(EVP_CipherInit_ex(ctx, EVP_sm4_ecb(), NULL, key, NULL, enc), 1);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	assert_int_equal(EVP_CipherUpdate(ctx, out, &n, in, len), 1);
	assert_int_equal(EVP_CipherFinal_ex(ctx, out + n, &m), 1);
	assert_int_equal(n + m, len);
	EVP_CIPHER_CTX_free(ctx);
}

/* OpenSSL's verdict on (r, s) over msg with the default ID. */
static int ossl_verify(const ECCrefPublicKey *pub, const char *msg, const unsigned char r[32],
                       const unsigned char s[32])
{
	EVP_PKEY *pk = ossl_pub(pub);
	ECDSA_SIG *sig = ECDSA_SIG_new();
	ECDSA_SIG_set0(sig, BN_bin2bn(r, 32, NULL), BN_bin2bn(s, 32, NULL));
	unsigned char *der = NULL;
	int derlen = i2d_ECDSA_SIG(sig, &der);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(pk, NULL);
	assert_int_equal(EVP_PKEY_CTX_set1_id(pctx, "1234567812345678", 16), 1);
	EVP_MD_CTX_set_pkey_ctx(md, pctx);
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sm3(), NULL, pk), 1);
	int ok = EVP_DigestVerify(md, der, (size_t)derlen, (const unsigned char *)msg, strlen(msg));
	EVP_MD_CTX_free(md);
	EVP_PKEY_CTX_free(pctx);
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	EVP_PKEY_free(pk);
	return ok;
}

static void digest(const ECCrefPublicKey *pub, const char *msg, BYTE e[32])
{
	ULONG elen = 0;
	assert_int_equal(SDF_HashInit(ses, SGD_SM3, (ECCrefPublicKey *)pub, (BYTE *)"1234567812345678", 16), SDR_OK);
	assert_int_equal(SDF_HashUpdate(ses, (BYTE *)msg, (ULONG)strlen(msg)), SDR_OK);
	assert_int_equal(SDF_HashFinal(ses, e, &elen), SDR_OK);
}

/* A KEK wrap of 16 or 32 bytes works as key: SM4-ECB of a block, or HMAC-SM3, compared with OpenSSL. */
static void assert_wrap_is(const BYTE *w, ULONG wl, const unsigned char *key)
{
	HANDLE h = NULL;
	BYTE copy[SDF_WRAPPED_ECC_KEY_MAX], block[16], got[32], want[32];
	ULONG n = 0;
	unsigned int mlen = 0;
	RAND_bytes(block, sizeof block);
	memcpy(copy, w, wl);
	int sealed = wl == SDF_WRAPPED_KEY_SIZE(16) || wl == SDF_WRAPPED_KEY_SIZE(32);
	assert_int_equal(SDF_ImportKeyWithKEK(ses, sealed ? SGD_SM4_GCM : SGD_SM4_ECB, KEK, copy, wl, &h), SDR_OK);
	if (wl == 16 || wl == SDF_WRAPPED_KEY_SIZE(16)) {
		assert_int_equal(SDF_Encrypt(ses, h, SGD_SM4_ECB, NULL, block, 16, got, &n), SDR_OK);
		ossl_sm4_ecb(key, 1, block, want, 16);
		assert_memory_equal(got, want, 16);
	} else {
		assert_int_equal(SDF_HMACInit(ses, h, SGD_SM3), SDR_OK);
		assert_int_equal(SDF_HMACUpdate(ses, block, sizeof block), SDR_OK);
		assert_int_equal(SDF_HMACFinal(ses, got, &n), SDR_OK);
		assert_non_null(HMAC(EVP_sm3(), key, 32, block, sizeof block, want, &mlen));
		assert_memory_equal(got, want, 32);
	}
	assert_int_equal(SDF_DestroyKey(ses, h), SDR_OK);
}

/* A known key of kind brought in under the import key (BYOK): key (16 or 32 bytes; SM2: d, *pub, the pair
 * returned) and its wrap. */
static EVP_PKEY *known_key(ULONG kind, unsigned char key[32], ECCrefPublicKey *pub, BYTE *w, ULONG *wl)
{
	unsigned char k[16], encd[32];
	EVP_PKEY *pk = NULL;
	ECCCipher *c;
	if (kind == SDF_KEY_KIND_SM4 || kind == SDF_KEY_KIND_HMAC) {
		size_t n = kind == SDF_KEY_KIND_SM4 ? 16 : 32;
		RAND_bytes(key, (int)n);
		c = ossl_encrypt(&ipub, key, n);
		LONG rv = SDF_ImportKeyWithWrappedKey_ECC(ses, KEK, iw, iwl, kind, c, NULL, NULL, w, wl);
		assert_int_equal(rv, SDR_OK);
	} else {
		pk = ossl_pair(key, pub);
		RAND_bytes(k, sizeof k);
		ossl_sm4_ecb(k, 1, key, encd, 32);
		c = ossl_encrypt(&ipub, k, sizeof k);
		assert_int_equal(SDF_ImportKeyWithWrappedKey_ECC(ses, KEK, iw, iwl, kind, c, encd, pub, w, wl), SDR_OK);
	}
	free(c);
	return pk;
}

/* The shares' plaintexts (x || y) the custodians decrypted. */
typedef struct opened {
	unsigned char pt[NC][SDF_KEY_SHARE_MAX];
	size_t len;
} opened;

static LONG backup(ULONG kek, ULONG kind, BYTE *w, ULONG wl, ULONG m, ULONG n, ECCrefPublicKey *to, opened *o)
{
	ECCCipher *s[SDF_KEY_SHARES_MAX + 1] = {0};
	for (ULONG j = 0; j <= n && j <= SDF_KEY_SHARES_MAX; j++)
		s[j] = calloc(1, SDF_ECCCIPHER_SIZE(SDF_KEY_SHARE_MAX));
	LONG rv = SDF_BackupKeyWithKEK_ECC(ses, kek, kind, w, wl, m, n, to, s);
	for (ULONG j = 0; rv == SDR_OK && j < n; j++) {
		o->len = ossl_decrypt(cust[j], s[j], o->pt[j], sizeof o->pt[j]);
		assert_int_equal(o->pt[j][0], j + 1);
		assert_int_equal(o->len, 1 + (kind == SDF_KEY_KIND_SM4 ? 16 : 32) + 8);
	}
	for (ULONG j = 0; j <= SDF_KEY_SHARES_MAX; j++)
		free(s[j]);
	return rv;
}

/* Recover from the shares sel[0..k-1] of o, OpenSSL-encrypted to the import key. */
static LONG recover(ULONG kind, const opened *o, const unsigned *sel, ULONG k, ECCrefPublicKey *pub, BYTE *w,
                    ULONG *wl)
{
	ECCCipher *s[SDF_KEY_SHARES_MAX];
	for (ULONG i = 0; i < k; i++)
		s[i] = ossl_encrypt(&ipub, o->pt[sel[i]], o->len);
	LONG rv = SDF_RecoverKeyWithWrappedKey_ECC(ses, KEK, iw, iwl, kind, k, s, pub, w, wl);
	for (ULONG i = 0; i < k; i++)
		free(s[i]);
	return rv;
}

/* ---- through libsdf ---- */

static void test_symmetric(void **state)
{
	(void)state;
	static const unsigned pairs[3][2] = {{0, 1}, {0, 2}, {1, 2}};
	unsigned char key[32];
	BYTE w[SDF_WRAPPED_ECC_KEY_MAX], w2[SDF_WRAPPED_ECC_KEY_MAX];
	ULONG wl = 0, wl2 = 0;
	opened o;
	for (ULONG kind = SDF_KEY_KIND_SM4; kind <= SDF_KEY_KIND_HMAC; kind++) {
		assert_null(known_key(kind, key, NULL, w, &wl));
		assert_int_equal(backup(KEK, kind, w, wl, 2, 3, cpub, &o), SDR_OK);
		for (int i = 0; i < 3; i++) {
			assert_int_equal(recover(kind, &o, pairs[i], 2, NULL, w2, &wl2), SDR_OK);
			assert_int_equal(wl2, SDF_WRAPPED_KEY_SIZE(kind == SDF_KEY_KIND_SM4 ? 16 : 32)); /* sealed */
			assert_wrap_is(w2, wl2, key);
		}
		assert_int_equal(recover(kind, &o, pairs[0], 1, NULL, w2, &wl2), SDR_INARGERR); /* one share */
	}
	/* 3 of 4: two shares are too few (the check), any three recover */
	static const unsigned three[2][3] = {{0, 1, 3}, {3, 2, 1}};
	assert_null(known_key(SDF_KEY_KIND_SM4, key, NULL, w, &wl));
	assert_int_equal(backup(KEK, SDF_KEY_KIND_SM4, w, wl, 3, 4, cpub, &o), SDR_OK);
	assert_int_equal(recover(SDF_KEY_KIND_SM4, &o, three[0], 2, NULL, w2, &wl2), SDR_KEYERR);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(recover(SDF_KEY_KIND_SM4, &o, three[i], 3, NULL, w2, &wl2), SDR_OK);
		assert_wrap_is(w2, wl2, key);
	}
}

static void test_sm2(void **state)
{
	(void)state;
	static const unsigned sel[2] = {1, 0};
	unsigned char d[32];
	ECCrefPublicKey pub;
	ECCSignature sig;
	BYTE w[SDF_WRAPPED_ECC_KEY_MAX], w2[SDF_WRAPPED_ECC_KEY_MAX], e[32];
	ULONG wl = 0, wl2 = 0;
	opened o;
	EVP_PKEY *pk = known_key(SDF_KEY_KIND_SM2_SIGN, d, &pub, w, &wl);
	assert_int_equal(backup(KEK, SDF_KEY_KIND_SM2_SIGN, w, wl, 2, 2, cpub, &o), SDR_OK);
	assert_int_equal(recover(SDF_KEY_KIND_SM2_SIGN, &o, sel, 2, &pub, w2, &wl2), SDR_OK);
	assert_int_equal(wl2, SDF_WRAPPED_ECC_KEY_SIZE);
	digest(&pub, "a recovered signing key", e);
	assert_int_equal(SDF_SignWithKEK_ECC(ses, KEK, w2, wl2, e, 32, &sig), SDR_OK);
	assert_int_equal(ossl_verify(&pub, "a recovered signing key", sig.r + 32, sig.s + 32), 1);
	/* another public key; the other usage (the kind is in the check) */
	assert_int_equal(recover(SDF_KEY_KIND_SM2_SIGN, &o, sel, 2, &cpub[0], w2, &wl2), SDR_KEYERR);
	assert_int_equal(recover(SDF_KEY_KIND_SM2_ENC, &o, sel, 2, &pub, w2, &wl2), SDR_KEYERR);
	EVP_PKEY_free(pk);
}

static void test_refusals(void **state)
{
	(void)state;
	static const unsigned sel[2] = {0, 1}, dup[2] = {1, 1};
	unsigned char key[32];
	BYTE w[SDF_WRAPPED_ECC_KEY_MAX], w2[SDF_WRAPPED_ECC_KEY_MAX];
	ULONG wl = 0, wl2 = 0;
	ECCrefPublicKey bad[3];
	opened o, alt;
	assert_null(known_key(SDF_KEY_KIND_SM4, key, NULL, w, &wl));
	assert_int_equal(backup(KEK, SDF_KEY_KIND_SM4, w, wl, 2, 3, cpub, &o), SDR_OK);
	/* the same x twice; an altered share; a share for another key */
	assert_int_equal(recover(SDF_KEY_KIND_SM4, &o, dup, 2, NULL, w2, &wl2), SDR_INARGERR);
	alt = o;
	alt.pt[1][3] ^= 1;
	assert_int_equal(recover(SDF_KEY_KIND_SM4, &alt, sel, 2, NULL, w2, &wl2), SDR_KEYERR);
	ECCCipher *s[2] = {ossl_encrypt(&ipub, o.pt[0], o.len), ossl_encrypt(&cpub[0], o.pt[1], o.len)};
	assert_int_equal(SDF_RecoverKeyWithWrappedKey_ECC(ses, KEK, iw, iwl, SDF_KEY_KIND_SM4, 2, s, NULL, w2, &wl2),
	                 SDR_ENCDATAERR);
	assert_int_equal(SDF_RecoverKeyWithWrappedKey_ECC(ses, KEK, w, wl, SDF_KEY_KIND_SM4, 2, s, NULL, w2, &wl2),
	                 SDR_KEYERR); /* an SM4 wrap as the import key */
	assert_int_equal(SDF_RecoverKeyWithWrappedKey_ECC(ses, KEK2, iw, iwl, SDF_KEY_KIND_SM4, 2, s, NULL, w2, &wl2),
	                 SDR_KEYERR); /* the import key under another KEK */
	free(s[0]);
	free(s[1]);
	/* shares of an SM4 key as an HMAC key's: their length */
	assert_int_equal(recover(SDF_KEY_KIND_HMAC, &o, sel, 2, NULL, w2, &wl2), SDR_KEYERR);
	/* m/n bounds, kinds */
	assert_int_equal(backup(KEK, SDF_KEY_KIND_SM4, w, wl, 1, 3, cpub, &o), SDR_INARGERR);
	assert_int_equal(backup(KEK, SDF_KEY_KIND_SM4, w, wl, 3, 2, cpub, &o), SDR_INARGERR);
	assert_int_equal(backup(KEK, SDF_KEY_KIND_SM4, w, wl, 2, SDF_KEY_SHARES_MAX + 1, cpub, &o), SDR_INARGERR);
	assert_int_equal(backup(KEK, 7, w, wl, 2, 3, cpub, &o), SDR_INARGERR);
	ECCCipher *many[SDF_KEY_SHARES_MAX + 1] = {0};
	ULONG too_many = SDF_KEY_SHARES_MAX + 1;
	assert_int_equal(SDF_RecoverKeyWithWrappedKey_ECC(ses, KEK, iw, iwl, SDF_KEY_KIND_SM4, too_many, many, NULL, w2,
	                                                  &wl2),
	                 SDR_INARGERR);
	/* wraps refused; no KEK; a custodian key that is no point */
	assert_int_equal(backup(KEK, SDF_KEY_KIND_HMAC, w, wl, 2, 3, cpub, &o), SDR_KEYERR);
	assert_int_equal(backup(KEK, SDF_KEY_KIND_SM2_SIGN, w, wl, 2, 3, cpub, &o), SDR_KEYERR);
	assert_int_equal(backup(NO_KEK, SDF_KEY_KIND_SM4, w, wl, 2, 3, cpub, &o), SDR_KEYNOTEXIST);
	memcpy(bad, cpub, sizeof bad);
	bad[2].y[63] ^= 1;
	assert_int_equal(backup(KEK, SDF_KEY_KIND_SM4, w, wl, 2, 3, bad, &o), SDR_KEYERR);
}

/* ---- the platform's functions (pvsm.h): the calls ccspd's KMS makes, and their error mapping ---- */

static size_t raw_of(const ECCCipher *c, uint8_t *out)
{
	memcpy(out, c->x + 32, 32);
	memcpy(out + 32, c->y + 32, 32);
	memcpy(out + 64, c->M, 32);
	memcpy(out + 96, (const unsigned char *)c + SDF_ECCCIPHER_FIXED_SIZE, c->L);
	return 96 + (size_t)c->L;
}

static ECCCipher *cipher_of(const uint8_t *raw, size_t len)
{
	ECCCipher *c = calloc(1, SDF_ECCCIPHER_SIZE(len - 96));
	memcpy(c->x + 32, raw, 32);
	memcpy(c->y + 32, raw + 32, 32);
	memcpy(c->M, raw + 64, 32);
	c->L = (ULONG)(len - 96);
	memcpy((unsigned char *)c + SDF_ECCCIPHER_FIXED_SIZE, raw + 96, len - 96);
	return c;
}

static void xy_of(const ECCrefPublicKey *pub, uint8_t xy[64])
{
	memcpy(xy, pub->x + 32, 32);
	memcpy(xy + 32, pub->y + 32, 32);
}

/* pvsm backup to the custodians, their decryption, and re-encryption of shares sel[0..k-1] to ip into sh. */
static void pvsm_shares(const uint8_t (*out)[CCSP_PVSM_SHARE_CT_MAX], const size_t *lens, const unsigned *sel,
                        unsigned k, const ECCrefPublicKey *ip, uint8_t (*sh)[CCSP_PVSM_SHARE_CT_MAX], size_t *shl)
{
	unsigned char pt[SDF_KEY_SHARE_MAX];
	for (unsigned i = 0; i < k; i++) {
		ECCCipher *c = cipher_of(out[sel[i]], lens[sel[i]]);
		size_t n = ossl_decrypt(cust[sel[i]], c, pt, sizeof pt);
		free(c);
		assert_int_equal(pt[0], sel[i] + 1);
		c = ossl_encrypt(ip, pt, n);
		shl[i] = raw_of(c, sh[i]);
		free(c);
	}
}

static void test_platform(void **state)
{
	(void)state;
	static const unsigned sel[3] = {2, 0, 1}, dup[2] = {0, 0};
	ccsp_pvsm *p = NULL;
	const char *conf = getenv("CCSP_SDF_CONF");
	assert_non_null(conf);
	assert_int_equal(ccsp_pvsm_open(conf, 2, &p), CCSP_OK);
	uint8_t ipk[64], iwr[CCSP_PVSM_WRAPPED_MAX], w[CCSP_PVSM_WRAPPED_MAX], w2[CCSP_PVSM_WRAPPED_MAX], key[32];
	uint8_t ct[CCSP_PVSM_SM2_CT_MAX], cxy[NC][64], out[NC][CCSP_PVSM_SHARE_CT_MAX], sh[3][CCSP_PVSM_SHARE_CT_MAX];
	uint8_t d[32], encd[32], spk[64], e[32], sig[64];
	size_t iwlen = 0, wl = 0, wl2 = 0, ctlen, lens[NC], shl[3];
	assert_int_equal(ccsp_pvsm_pair_generate(p, KEK, CCSP_PVSM_PAIR_ENC, ipk, iwr, &iwlen), CCSP_OK);
	ECCrefPublicKey ip = {.bits = 256};
	memcpy(ip.x + 32, ipk, 32);
	memcpy(ip.y + 32, ipk + 32, 32);
	for (int i = 0; i < NC; i++)
		xy_of(&cpub[i], cxy[i]);
	/* an HMAC key in (BYOK), backed up 2 of 3, recovered from any two: the same wrap */
	RAND_bytes(key, sizeof key);
	ECCCipher *c = ossl_encrypt(&ip, key, 32);
	ctlen = raw_of(c, ct);
	free(c);
	assert_int_equal(ccsp_pvsm_key_import(p, KEK, iwr, iwlen, CCSP_PVSM_MATERIAL_HMAC, ct, ctlen, NULL, NULL, w,
	                                      &wl),
	                 CCSP_OK);
	assert_int_equal(ccsp_pvsm_key_backup(p, KEK, CCSP_PVSM_MATERIAL_HMAC, w, wl, 2, 3,
	                                      (const uint8_t(*)[64])cxy, out, lens),
	                 CCSP_OK);
	assert_int_equal(lens[0], 96 + 1 + 32 + 8);
	pvsm_shares((const uint8_t(*)[CCSP_PVSM_SHARE_CT_MAX])out, lens, sel, 3, &ip, sh, shl);
	assert_int_equal(ccsp_pvsm_key_recover(p, KEK, iwr, iwlen, CCSP_PVSM_MATERIAL_HMAC, 2,
	                                       (const uint8_t(*)[CCSP_PVSM_SHARE_CT_MAX])sh, shl, NULL, w2, &wl2),
	                 CCSP_OK);
	assert_int_equal(wl2, SDF_WRAPPED_KEY_SIZE(32)); /* sealed */
	assert_wrap_is(w2, (ULONG)wl2, key);
	/* the error mapping */
	const uint8_t(*shc)[CCSP_PVSM_SHARE_CT_MAX] = (const uint8_t(*)[CCSP_PVSM_SHARE_CT_MAX])sh;
	assert_int_equal(ccsp_pvsm_key_recover(p, KEK, iwr, iwlen, CCSP_PVSM_MATERIAL_SM4, 2, shc, shl, NULL, w2, &wl2),
	                 CCSP_ERR_KEY); /* an HMAC key's shares as an SM4 key's */
	assert_int_equal(ccsp_pvsm_key_recover(p, KEK, iwr, iwlen, CCSP_PVSM_MATERIAL_HMAC, 1, shc, shl, NULL, w2,
	                                       &wl2),
	                 CCSP_ERR_ARG);
	sh[1][100] ^= 1;
	assert_int_equal(ccsp_pvsm_key_recover(p, KEK, iwr, iwlen, CCSP_PVSM_MATERIAL_HMAC, 2, shc, shl, NULL, w2,
	                                       &wl2),
	                 CCSP_ERR_AUTH);
	pvsm_shares((const uint8_t(*)[CCSP_PVSM_SHARE_CT_MAX])out, lens, dup, 2, &ip, sh, shl);
	assert_int_equal(ccsp_pvsm_key_recover(p, KEK, iwr, iwlen, CCSP_PVSM_MATERIAL_HMAC, 2, shc, shl, NULL, w2,
	                                       &wl2),
	                 CCSP_ERR_ARG); /* the same x twice */
	assert_int_equal(ccsp_pvsm_key_backup(p, KEK, CCSP_PVSM_MATERIAL_HMAC, w, wl, 1, 3, (const uint8_t(*)[64])cxy,
	                                      out, lens),
	                 CCSP_ERR_ARG);
	assert_int_equal(ccsp_pvsm_key_backup(p, KEK, CCSP_PVSM_MATERIAL_HMAC, w, wl, 2, CCSP_PVSM_SHARES_MAX + 1,
	                                      (const uint8_t(*)[64])cxy, out, lens),
	                 CCSP_ERR_ARG);
	assert_int_equal(ccsp_pvsm_key_backup(p, KEK, CCSP_PVSM_MATERIAL_SM4, w, wl, 2, 3, (const uint8_t(*)[64])cxy,
	                                      out, lens),
	                 CCSP_ERR_KEY); /* an HMAC wrap as an SM4 key */
	cxy[1][63] ^= 1;
	assert_int_equal(ccsp_pvsm_key_backup(p, KEK, CCSP_PVSM_MATERIAL_HMAC, w, wl, 2, 3, (const uint8_t(*)[64])cxy,
	                                      out, lens),
	                 CCSP_ERR_KEY); /* a custodian key that is no point */
	cxy[1][63] ^= 1;
	/* an SM2 signing key in through its envelope, backed up 3 of 4, recovered from three: it signs */
	ECCrefPublicKey sp;
	EVP_PKEY *sk = ossl_pair(d, &sp);
	xy_of(&sp, spk);
	ossl_sm4_ecb(key, 1, d, encd, 32);
	c = ossl_encrypt(&ip, key, 16);
	ctlen = raw_of(c, ct);
	free(c);
	assert_int_equal(ccsp_pvsm_key_import(p, KEK, iwr, iwlen, CCSP_PVSM_MATERIAL_SM2_SIGN, ct, ctlen, encd, spk, w,
	                                      &wl),
	                 CCSP_OK);
	assert_int_equal(ccsp_pvsm_key_backup(p, KEK, CCSP_PVSM_MATERIAL_SM2_SIGN, w, wl, 3, 4,
	                                      (const uint8_t(*)[64])cxy, out, lens),
	                 CCSP_OK);
	pvsm_shares((const uint8_t(*)[CCSP_PVSM_SHARE_CT_MAX])out, lens, sel, 3, &ip, sh, shl);
	assert_int_equal(ccsp_pvsm_key_recover(p, KEK, iwr, iwlen, CCSP_PVSM_MATERIAL_SM2_SIGN, 3, shc, shl, spk, w2,
	                                       &wl2),
	                 CCSP_OK);
	digest(&sp, "platform backup", e);
	assert_int_equal(ccsp_pvsm_pair_sign(p, KEK, w2, wl2, e, sig), CCSP_OK);
	assert_int_equal(ossl_verify(&sp, "platform backup", sig, sig + 32), 1);
	assert_int_equal(ccsp_pvsm_key_recover(p, KEK, iwr, iwlen, CCSP_PVSM_MATERIAL_SM2_SIGN, 2, shc, shl, spk, w2,
	                                       &wl2),
	                 CCSP_ERR_KEY); /* two of 3-of-4 shares */
	assert_int_equal(ccsp_pvsm_key_recover(p, KEK, iwr, iwlen, CCSP_PVSM_MATERIAL_SM2_SIGN, 3, shc, shl, ipk, w2,
	                                       &wl2),
	                 CCSP_ERR_KEY); /* d not the public key's */
	assert_int_equal(ccsp_pvsm_key_recover(p, KEK, iwr, iwlen, CCSP_PVSM_MATERIAL_SM2_SIGN, 3, shc, shl, NULL, w2,
	                                       &wl2),
	                 CCSP_ERR_ARG);
	EVP_PKEY_free(sk);
	ccsp_pvsm_close(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symmetric), cmocka_unit_test(test_sm2),
		cmocka_unit_test(test_refusals),  cmocka_unit_test(test_platform),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vendor extension SDF_ImportKeyWithWrappedKey_ECC / SDF_ExportKeyWithKEK_ECC (BYOK) against a running vsmd,
 * through libsdf.so, with OpenSSL 3 as the oracle: keys SM2-encrypted by OpenSSL to the import key come back as
 * KEK wraps that work as the known keys (SDF_ImportKeyWithKEK + SDF_Encrypt / HMAC, the wrapped-pair functions);
 * exports are decrypted by OpenSSL with the recipient's private key. Then the platform's functions
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
static HANDLE dev, ses;
static ECCrefPublicKey ipub; /* the import key: an encryption pair wrapped under KEK */
static BYTE iw[SDF_WRAPPED_ECC_KEY_MAX];
static ULONG iwl;

static int setup(void **state)
{
	(void)state;
	if (SDF_OpenDevice(&dev) != SDR_OK || SDF_OpenSession(dev, &ses) != SDR_OK ||
	    SDF_GenerateKeyPairWithKEK_ECC(ses, SGD_SM2_3, KEK, &ipub, iw, &iwl) != SDR_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
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

/* d's public key is pub (OpenSSL's d·G). */
static void assert_pub_of(const unsigned char d[32], const ECCrefPublicKey *pub)
{
	unsigned char pt[65], want[65] = {4};
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_sm2);
	EC_POINT *p = EC_POINT_new(g);
	BIGNUM *bn = BN_bin2bn(d, 32, NULL);
	assert_int_equal(EC_POINT_mul(g, p, bn, NULL, NULL, NULL), 1);
	assert_int_equal(EC_POINT_point2oct(g, p, POINT_CONVERSION_UNCOMPRESSED, pt, sizeof pt, NULL), 65);
	memcpy(want + 1, pub->x + 32, 32);
	memcpy(want + 33, pub->y + 32, 32);
	assert_memory_equal(pt, want, 65);
	BN_clear_free(bn);
	EC_POINT_free(p);
	EC_GROUP_free(g);
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

/* ---- through libsdf ---- */

static void test_import_symmetric(void **state)
{
	(void)state;
	unsigned char key[32];
	BYTE w[SDF_WRAPPED_ECC_KEY_MAX];
	ULONG wl = 0;
	for (int i = 0; i < 4; i++) {
		ULONG kind = i % 2 ? SDF_KEY_KIND_HMAC : SDF_KEY_KIND_SM4, n = i % 2 ? 32 : 16;
		RAND_bytes(key, sizeof key);
		ECCCipher *c = ossl_encrypt(&ipub, key, n);
		assert_int_equal(SDF_ImportKeyWithWrappedKey_ECC(ses, KEK, iw, iwl, kind, c, NULL, NULL, w, &wl),
		                 SDR_OK);
		assert_int_equal(wl, SDF_WRAPPED_KEY_SIZE(n)); /* sealed */
		assert_wrap_is(w, wl, key);
		free(c);
	}
}

static void test_import_sm2(void **state)
{
	(void)state;
	unsigned char d[32], k[16], encd[32], out[40], msg[40];
	ECCrefPublicKey pub;
	ECCSignature sig;
	BYTE w[SDF_WRAPPED_ECC_KEY_MAX], e[32];
	ULONG wl = 0, ol = 0;
	EVP_PKEY *pk = ossl_pair(d, &pub);
	RAND_bytes(k, sizeof k);
	ossl_sm4_ecb(k, 1, d, encd, 32);
	ECCCipher *c = ossl_encrypt(&ipub, k, sizeof k);
	assert_int_equal(SDF_ImportKeyWithWrappedKey_ECC(ses, KEK, iw, iwl, SDF_KEY_KIND_SM2_SIGN, c, encd, &pub, w, &wl),
	                 SDR_OK);
	assert_int_equal(wl, SDF_WRAPPED_ECC_KEY_SIZE);
	digest(&pub, "an imported signing key", e);
	assert_int_equal(SDF_SignWithKEK_ECC(ses, KEK, w, wl, e, 32, &sig), SDR_OK);
	assert_int_equal(ossl_verify(&pub, "an imported signing key", sig.r + 32, sig.s + 32), 1);
	assert_int_equal(SDF_ImportKeyWithWrappedKey_ECC(ses, KEK, iw, iwl, SDF_KEY_KIND_SM2_ENC, c, encd, &pub, w, &wl),
	                 SDR_OK);
	RAND_bytes(msg, sizeof msg);
	ECCCipher *m = ossl_encrypt(&pub, msg, sizeof msg);
	assert_int_equal(SDF_DecryptWithKEK_ECC(ses, KEK, w, wl, m, out, &ol), SDR_OK);
	assert_int_equal(ol, sizeof msg);
	assert_memory_equal(out, msg, sizeof msg);
	free(m);
	free(c);
	EVP_PKEY_free(pk);
}

static void test_export(void **state)
{
	(void)state;
	unsigned char rd[32], key[64], d[32], block[16], want[16];
	ECCrefPublicKey rpub, pub;
	BYTE w[SDF_WRAPPED_ECC_KEY_MAX], encd[32], got[16];
	ULONG wl = 0, n = 0;
	HANDLE h = NULL;
	EVP_PKEY *r = ossl_pair(rd, &rpub);
	ECCCipher *c = calloc(1, SDF_ECCCIPHER_SIZE(32));
	/* an SM4 key made in the device: OpenSSL decrypts the export and encrypts as the device does */
	assert_int_equal(SDF_GenerateKeyWithKEK(ses, 128, SGD_SM4_ECB, KEK, w, &wl, &h), SDR_OK);
	assert_int_equal(SDF_ExportKeyWithKEK_ECC(ses, KEK, SDF_KEY_KIND_SM4, w, wl, &rpub, c, NULL), SDR_OK);
	assert_int_equal(c->L, 16);
	assert_int_equal(ossl_decrypt(r, c, key, sizeof key), 16);
	RAND_bytes(block, sizeof block);
	assert_int_equal(SDF_Encrypt(ses, h, SGD_SM4_ECB, NULL, block, 16, got, &n), SDR_OK);
	ossl_sm4_ecb(key, 1, block, want, 16);
	assert_memory_equal(got, want, 16);
	assert_int_equal(SDF_DestroyKey(ses, h), SDR_OK);
	/* an HMAC key */
	assert_int_equal(SDF_GenerateKeyWithKEK(ses, 256, SGD_SM4_ECB, KEK, w, &wl, &h), SDR_OK);
	assert_int_equal(SDF_DestroyKey(ses, h), SDR_OK);
	assert_int_equal(SDF_ExportKeyWithKEK_ECC(ses, KEK, SDF_KEY_KIND_HMAC, w, wl, &rpub, c, NULL), SDR_OK);
	assert_int_equal(ossl_decrypt(r, c, key, sizeof key), 32);
	assert_wrap_is(w, wl, key);
	/* an SM2 signing key: the envelope opens to d of the public key */
	assert_int_equal(SDF_GenerateKeyPairWithKEK_ECC(ses, SGD_SM2_1, KEK2, &pub, w, &wl), SDR_OK);
	assert_int_equal(SDF_ExportKeyWithKEK_ECC(ses, KEK2, SDF_KEY_KIND_SM2_SIGN, w, wl, &rpub, c, encd), SDR_OK);
	assert_int_equal(c->L, 16);
	assert_int_equal(ossl_decrypt(r, c, key, sizeof key), 16);
	ossl_sm4_ecb(key, 0, encd, d, 32);
	assert_pub_of(d, &pub);
	free(c);
	EVP_PKEY_free(r);
}

static void test_refusals(void **state)
{
	(void)state;
	unsigned char key[32], d[32], d2[32], k[16], encd[32];
	ECCrefPublicKey pub, pub2, opub, rpub = ipub;
	BYTE w[SDF_WRAPPED_ECC_KEY_MAX], ow[SDF_WRAPPED_ECC_KEY_MAX], sw[SDF_WRAPPED_ECC_KEY_MAX];
	ULONG wl = 0, owl = 0, swl = 0;
	RAND_bytes(key, sizeof key);
	ECCCipher *c = ossl_encrypt(&ipub, key, 16), *c32 = ossl_encrypt(&ipub, key, 32);
	/* import: another import key, an altered ciphertext, a signing wrap as import key, no KEK */
	assert_int_equal(SDF_GenerateKeyPairWithKEK_ECC(ses, SGD_SM2_3, KEK, &opub, ow, &owl), SDR_OK);
	assert_int_equal(SDF_ImportKeyWithWrappedKey_ECC(ses, KEK, ow, owl, SDF_KEY_KIND_SM4, c, NULL, NULL, w, &wl),
	                 SDR_ENCDATAERR);
	c->M[3] ^= 1;
	assert_int_equal(SDF_ImportKeyWithWrappedKey_ECC(ses, KEK, iw, iwl, SDF_KEY_KIND_SM4, c, NULL, NULL, w, &wl),
	                 SDR_ENCDATAERR);
	c->M[3] ^= 1;
	assert_int_equal(SDF_GenerateKeyPairWithKEK_ECC(ses, SGD_SM2_1, KEK, &pub, sw, &swl), SDR_OK);
	assert_int_equal(SDF_ImportKeyWithWrappedKey_ECC(ses, KEK, sw, swl, SDF_KEY_KIND_SM4, c, NULL, NULL, w, &wl),
	                 SDR_KEYTYPEERR);
	assert_int_equal(SDF_ImportKeyWithWrappedKey_ECC(ses, KEK2, iw, iwl, SDF_KEY_KIND_SM4, c, NULL, NULL, w, &wl),
	                 SDR_KEYERR);
	assert_int_equal(SDF_ImportKeyWithWrappedKey_ECC(ses, NO_KEK, iw, iwl, SDF_KEY_KIND_SM4, c, NULL, NULL, w, &wl),
	                 SDR_KEYNOTEXIST);
	/* the wrong length for the kind; d not matching the public key */
	assert_int_equal(SDF_ImportKeyWithWrappedKey_ECC(ses, KEK, iw, iwl, SDF_KEY_KIND_SM4, c32, NULL, NULL, w, &wl),
	                 SDR_KEYERR);
	assert_int_equal(SDF_ImportKeyWithWrappedKey_ECC(ses, KEK, iw, iwl, SDF_KEY_KIND_HMAC, c, NULL, NULL, w, &wl),
	                 SDR_KEYERR);
	EVP_PKEY *p1 = ossl_pair(d, &pub), *p2 = ossl_pair(d2, &pub2);
	memcpy(k, key, 16);
	ossl_sm4_ecb(k, 1, d, encd, 32);
	assert_int_equal(SDF_ImportKeyWithWrappedKey_ECC(ses, KEK, iw, iwl, SDF_KEY_KIND_SM2_SIGN, c, encd, &pub2, w, &wl),
	                 SDR_KEYERR);
	assert_int_equal(SDF_ImportKeyWithWrappedKey_ECC(ses, KEK, iw, iwl, SDF_KEY_KIND_SM2_SIGN, c, encd, &pub, w, &wl),
	                 SDR_OK);
	/* arguments */
	assert_int_equal(SDF_ImportKeyWithWrappedKey_ECC(ses, KEK, iw, iwl, 0, c, NULL, NULL, w, &wl), SDR_INARGERR);
	assert_int_equal(SDF_ImportKeyWithWrappedKey_ECC(ses, KEK, iw, iwl, 5, c, NULL, NULL, w, &wl), SDR_INARGERR);
	assert_int_equal(SDF_ImportKeyWithWrappedKey_ECC(ses, KEK, iw, 0, SDF_KEY_KIND_SM4, c, NULL, NULL, w, &wl),
	                 SDR_INARGERR);
	assert_int_equal(SDF_ImportKeyWithWrappedKey_ECC(ses, KEK, iw, iwl, SDF_KEY_KIND_SM2_SIGN, c, NULL, &pub, w, &wl),
	                 SDR_INARGERR);
	assert_int_equal(SDF_ImportKeyWithWrappedKey_ECC(ses, KEK, iw, iwl, SDF_KEY_KIND_SM4, c, NULL, NULL, NULL, &wl),
	                 SDR_OUTARGERR);
	assert_int_equal(SDF_ImportKeyWithWrappedKey_ECC(ses, 0, iw, iwl, SDF_KEY_KIND_SM4, c, NULL, NULL, w, &wl),
	                 SDR_INARGERR);
	/* export: wraps of another kind, no KEK, a recipient that is no point */
	ECCCipher *out = calloc(1, SDF_ECCCIPHER_SIZE(32));
	assert_int_equal(SDF_ExportKeyWithKEK_ECC(ses, KEK, SDF_KEY_KIND_HMAC, w, 16, &rpub, out, NULL), SDR_KEYERR);
	assert_int_equal(SDF_ExportKeyWithKEK_ECC(ses, KEK, SDF_KEY_KIND_SM4, sw, swl, &rpub, out, NULL), SDR_KEYERR);
	assert_int_equal(SDF_ExportKeyWithKEK_ECC(ses, KEK, SDF_KEY_KIND_SM2_ENC, sw, swl, &rpub, out, encd),
	                 SDR_KEYTYPEERR);
	assert_int_equal(SDF_ExportKeyWithKEK_ECC(ses, KEK2, SDF_KEY_KIND_SM2_SIGN, sw, swl, &rpub, out, encd),
	                 SDR_KEYERR);
	assert_int_equal(SDF_ExportKeyWithKEK_ECC(ses, NO_KEK, SDF_KEY_KIND_SM2_SIGN, sw, swl, &rpub, out, encd),
	                 SDR_KEYNOTEXIST);
	assert_int_equal(SDF_ExportKeyWithKEK_ECC(ses, KEK, SDF_KEY_KIND_SM2_SIGN, sw, swl, &rpub, out, NULL),
	                 SDR_OUTARGERR);
	rpub.y[63] ^= 1;
	assert_int_equal(SDF_ExportKeyWithKEK_ECC(ses, KEK, SDF_KEY_KIND_SM2_SIGN, sw, swl, &rpub, out, encd),
	                 SDR_KEYERR);
	assert_int_equal(SDF_ExportKeyWithKEK_ECC(ses, KEK, SDF_KEY_KIND_SM2_SIGN, sw, swl, &ipub, out, encd), SDR_OK);
	free(out);
	free(c);
	free(c32);
	EVP_PKEY_free(p1);
	EVP_PKEY_free(p2);
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

static void test_platform(void **state)
{
	(void)state;
	ccsp_pvsm *p = NULL;
	const char *conf = getenv("CCSP_SDF_CONF");
	assert_non_null(conf);
	assert_int_equal(ccsp_pvsm_open(conf, 2, &p), CCSP_OK);
	uint8_t ipk[64], iwr[CCSP_PVSM_WRAPPED_MAX], w[CCSP_PVSM_WRAPPED_MAX], ct[CCSP_PVSM_SM2_CT_MAX], key[32];
	uint8_t mac[32], want[32], data[32], d[32], rd[32], encd[32], e[32], sig[64];
	size_t iwlen = 0, wl = 0, ctlen, maclen = 0;
	unsigned int ml = 0;
	assert_int_equal(ccsp_pvsm_pair_generate(p, KEK, CCSP_PVSM_PAIR_ENC, ipk, iwr, &iwlen), CCSP_OK);
	ECCrefPublicKey ip = {.bits = 256};
	memcpy(ip.x + 32, ipk, 32);
	memcpy(ip.y + 32, ipk + 32, 32);
	/* an HMAC key in; its MAC is OpenSSL's */
	RAND_bytes(key, sizeof key);
	RAND_bytes(data, sizeof data);
	ECCCipher *c = ossl_encrypt(&ip, key, 32);
	ctlen = raw_of(c, ct);
	free(c);
	assert_int_equal(
	        ccsp_pvsm_key_import(p, KEK, iwr, iwlen, CCSP_PVSM_MATERIAL_HMAC, ct, ctlen, NULL, NULL, w, &wl),
	        CCSP_OK);
	assert_int_equal(wl, SDF_WRAPPED_KEY_SIZE(32)); /* sealed */
	assert_int_equal(ccsp_pvsm_key_mac(p, KEK, w, wl, CCSP_PVSM_MAC_HMAC_SM3, data, sizeof data, mac, &maclen),
	                 CCSP_OK);
	assert_non_null(HMAC(EVP_sm3(), key, 32, data, sizeof data, want, &ml));
	assert_memory_equal(mac, want, 32);
	/* ... and out again to a recipient */
	ECCrefPublicKey rp;
	EVP_PKEY *r = ossl_pair(rd, &rp);
	uint8_t rxy[64], back[64];
	memcpy(rxy, rp.x + 32, 32);
	memcpy(rxy + 32, rp.y + 32, 32);
	assert_int_equal(ccsp_pvsm_key_export(p, KEK, CCSP_PVSM_MATERIAL_HMAC, w, wl, rxy, ct, &ctlen, NULL), CCSP_OK);
	assert_int_equal(ctlen, 96 + 32);
	c = calloc(1, SDF_ECCCIPHER_SIZE(32));
	memcpy(c->x + 32, ct, 32);
	memcpy(c->y + 32, ct + 32, 32);
	memcpy(c->M, ct + 64, 32);
	c->L = 32;
	memcpy((unsigned char *)c + SDF_ECCCIPHER_FIXED_SIZE, ct + 96, 32);
	assert_int_equal(ossl_decrypt(r, c, back, sizeof back), 32);
	assert_memory_equal(back, key, 32);
	free(c);
	/* an SM2 signing key in through its envelope; it signs for its public key; out again */
	ECCrefPublicKey sp;
	EVP_PKEY *sk = ossl_pair(d, &sp);
	uint8_t spk[64];
	memcpy(spk, sp.x + 32, 32);
	memcpy(spk + 32, sp.y + 32, 32);
	ossl_sm4_ecb(key, 1, d, encd, 32);
	c = ossl_encrypt(&ip, key, 16);
	ctlen = raw_of(c, ct);
	free(c);
	assert_int_equal(ccsp_pvsm_key_import(p, KEK, iwr, iwlen, CCSP_PVSM_MATERIAL_SM2_SIGN, ct, ctlen, encd, spk, w,
	                                      &wl),
	                 CCSP_OK);
	assert_int_equal(wl, SDF_WRAPPED_ECC_KEY_SIZE);
	digest(&sp, "platform byok", e);
	assert_int_equal(ccsp_pvsm_pair_sign(p, KEK, w, wl, e, sig), CCSP_OK);
	assert_int_equal(ossl_verify(&sp, "platform byok", sig, sig + 32), 1);
	uint8_t ct2[CCSP_PVSM_SM2_CT_MAX], encd2[32], k2[16], d2[32];
	size_t ct2len = 0;
	assert_int_equal(ccsp_pvsm_key_export(p, KEK, CCSP_PVSM_MATERIAL_SM2_SIGN, w, wl, rxy, ct2, &ct2len, encd2),
	                 CCSP_OK);
	c = calloc(1, SDF_ECCCIPHER_SIZE(16));
	memcpy(c->x + 32, ct2, 32);
	memcpy(c->y + 32, ct2 + 32, 32);
	memcpy(c->M, ct2 + 64, 32);
	c->L = 16;
	memcpy((unsigned char *)c + SDF_ECCCIPHER_FIXED_SIZE, ct2 + 96, 16);
	assert_int_equal(ct2len, 96 + 16);
	assert_int_equal(ossl_decrypt(r, c, k2, sizeof k2), 16);
	free(c);
	ossl_sm4_ecb(k2, 0, encd2, d2, 32);
	assert_memory_equal(d2, d, 32);
	/* the error mapping */
	assert_int_equal(ccsp_pvsm_key_import(p, KEK, iwr, iwlen, CCSP_PVSM_MATERIAL_SM2_SIGN, ct, ctlen, encd, rxy, w,
	                                      &wl),
	                 CCSP_ERR_KEY); /* d not matching the public key */
	assert_int_equal(ccsp_pvsm_key_import(p, KEK, iwr, iwlen, CCSP_PVSM_MATERIAL_HMAC, ct, ctlen, NULL, NULL, w, &wl),
	                 CCSP_ERR_KEY); /* 16 bytes for an HMAC key */
	ct[100] ^= 1;
	assert_int_equal(ccsp_pvsm_key_import(p, KEK, iwr, iwlen, CCSP_PVSM_MATERIAL_SM4, ct, ctlen, NULL, NULL, w, &wl),
	                 CCSP_ERR_AUTH);
	assert_int_equal(ccsp_pvsm_key_import(p, KEK, w, wl, CCSP_PVSM_MATERIAL_SM4, ct, ctlen, NULL, NULL, w, &wl),
	                 CCSP_ERR_KEY); /* a signing wrap as the import key */
	assert_int_equal(ccsp_pvsm_key_import(p, NO_KEK, iwr, iwlen, CCSP_PVSM_MATERIAL_SM4, ct, ctlen, NULL, NULL, w,
	                                      &wl),
	                 CCSP_ERR_COMM);
	assert_int_equal(ccsp_pvsm_key_import(p, KEK, iwr, iwlen, 0, ct, ctlen, NULL, NULL, w, &wl), CCSP_ERR_ARG);
	assert_int_equal(ccsp_pvsm_key_import(p, KEK, iwr, iwlen, 5, ct, ctlen, NULL, NULL, w, &wl), CCSP_ERR_ARG);
	assert_int_equal(ccsp_pvsm_key_import(p, KEK, iwr, iwlen, CCSP_PVSM_MATERIAL_SM4, ct, 96, NULL, NULL, w, &wl),
	                 CCSP_ERR_ARG);
	assert_int_equal(ccsp_pvsm_key_import(p, KEK, iwr, iwlen, CCSP_PVSM_MATERIAL_SM4, ct, CCSP_PVSM_SM2_CT_MAX + 1,
	                                      NULL, NULL, w, &wl),
	                 CCSP_ERR_ARG);
	assert_int_equal(ccsp_pvsm_key_import(p, KEK, iwr, iwlen, CCSP_PVSM_MATERIAL_SM2_ENC, ct, ctlen, encd, NULL, w,
	                                      &wl),
	                 CCSP_ERR_ARG);
	assert_int_equal(ccsp_pvsm_key_export(p, KEK, CCSP_PVSM_MATERIAL_SM2_ENC, w, wl, rxy, ct2, &ct2len, encd2),
	                 CCSP_ERR_KEY); /* a signing wrap as an encryption key */
	assert_int_equal(ccsp_pvsm_key_export(p, KEK, CCSP_PVSM_MATERIAL_SM4, w, wl, rxy, ct2, &ct2len, NULL),
	                 CCSP_ERR_KEY); /* a pair wrap as an SM4 key */
	assert_int_equal(ccsp_pvsm_key_export(p, NO_KEK, CCSP_PVSM_MATERIAL_SM2_SIGN, w, wl, rxy, ct2, &ct2len, encd2),
	                 CCSP_ERR_COMM);
	assert_int_equal(ccsp_pvsm_key_export(p, KEK, CCSP_PVSM_MATERIAL_SM2_SIGN, w, wl, rxy, ct2, &ct2len, NULL),
	                 CCSP_ERR_ARG);
	assert_int_equal(ccsp_pvsm_key_export(p, KEK, 9, w, wl, rxy, ct2, &ct2len, encd2), CCSP_ERR_ARG);
	EVP_PKEY_free(sk);
	EVP_PKEY_free(r);
	ccsp_pvsm_close(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import_symmetric), cmocka_unit_test(test_import_sm2), cmocka_unit_test(test_export),
		cmocka_unit_test(test_refusals),         cmocka_unit_test(test_platform),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

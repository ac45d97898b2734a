/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SDF conformance against a running vsmd, through libsdf.so, with OpenSSL as the independent oracle.
 * Run by tests/cli/sdf_e2e_test.sh, which starts vsmd, creates keys at index 1 (sign, enc, KEK) with the
 * password "password-1" and exports CCSP_SDF_CONF. Each test checks the happy path and the error codes a
 * caller can trigger.
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
#include <openssl/param_build.h>

#include <ccsp/sdf.h>

#include "sdf_oracle.h"

#define IDX 1
static const char PW[] = "password-1";
static HANDLE dev, ses;

static int setup(void **state)
{
	(void)state;
	if (SDF_OpenDevice(&dev) != SDR_OK || SDF_OpenSession(dev, &ses) != SDR_OK)
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

static EVP_PKEY *ossl_pub(const ECCrefPublicKey *pub)
{
	unsigned char pt[65];
	pt[0] = 4;
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

static int ossl_verify(EVP_PKEY *pk, const char *msg, const ECCSignature *sig)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	ECDSA_SIG_set0(s, BN_bin2bn(sig->r + 32, 32, NULL), BN_bin2bn(sig->s + 32, 32, NULL));
	unsigned char *der = NULL;
	int derlen = i2d_ECDSA_SIG(s, &der);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(pk, NULL);
	assert_int_equal(EVP_PKEY_CTX_set1_id(pctx, "1234567812345678", 16), 1);
	EVP_MD_CTX_set_pkey_ctx(md, pctx);
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sm3(), NULL, pk), 1);
	int ok = EVP_DigestVerify(md, der, (size_t)derlen, (const unsigned char *)msg, strlen(msg));
	EVP_MD_CTX_free(md);
	EVP_PKEY_CTX_free(pctx);
	OPENSSL_free(der);
	ECDSA_SIG_free(s);
	return ok;
}

static void digest(const ECCrefPublicKey *pub, const char *msg, BYTE e[32])
{
	ULONG elen = 0;
	assert_int_equal(SDF_HashInit(ses, SGD_SM3, (ECCrefPublicKey *)pub, (BYTE *)"1234567812345678", 16), SDR_OK);
	assert_int_equal(SDF_HashUpdate(ses, (BYTE *)msg, (ULONG)strlen(msg)), SDR_OK);
	assert_int_equal(SDF_HashFinal(ses, e, &elen), SDR_OK);
	assert_int_equal(elen, 32);
}

static void test_device(void **state)
{
	(void)state;
	DEVICEINFO info;
	BYTE r1[64], r2[64];
	HANDLE s2;
	assert_int_equal(SDF_GetDeviceInfo(ses, &info), SDR_OK);
	assert_int_equal(info.StandardVersion, 2);
	assert_true(info.HashAlgAbility & SGD_SM3);
	assert_int_equal(SDF_GenerateRandom(ses, sizeof r1, r1), SDR_OK);
	assert_int_equal(SDF_GenerateRandom(ses, sizeof r2, r2), SDR_OK);
	assert_memory_not_equal(r1, r2, sizeof r1);
	assert_int_equal(SDF_GenerateRandom(ses, 0, r1), SDR_INARGERR);
	assert_int_equal(SDF_OpenSession(dev, &s2), SDR_OK);
	assert_int_equal(SDF_CloseSession(s2), SDR_OK);
	assert_int_equal(SDF_OpenSession(NULL, &s2), SDR_INARGERR);
}

/* Our SDF_CCSP_OpenDeviceWithConfig: the same VSM by its config path, a missing file refused. */
static void test_open_with_config(void **state)
{
	(void)state;
	HANDLE d2 = NULL, s2 = NULL;
	DEVICEINFO info;
	assert_int_equal(SDF_CCSP_OpenDeviceWithConfig(getenv("CCSP_SDF_CONF"), &d2), SDR_OK);
	assert_int_equal(SDF_OpenSession(d2, &s2), SDR_OK);
	assert_int_equal(SDF_GetDeviceInfo(s2, &info), SDR_OK);
	assert_int_equal(SDF_CloseSession(s2), SDR_OK);
	assert_int_equal(SDF_CloseDevice(d2), SDR_OK);
	assert_int_equal(SDF_CCSP_OpenDeviceWithConfig("/nonexistent/sdf.conf", &d2), SDR_OPENDEVICE);
	assert_int_equal(SDF_CCSP_OpenDeviceWithConfig(NULL, NULL), SDR_INARGERR);
}

static void test_access_right(void **state)
{
	(void)state;
	BYTE e[32] = {1};
	ECCSignature sig;
	assert_int_equal(SDF_GetPrivateKeyAccessRight(ses, IDX, (BYTE *)"wrong-password", 14), SDR_PRKRERR);
	assert_int_equal(SDF_InternalSign_ECC(ses, IDX, e, 32, &sig), SDR_PARDENY);
	assert_int_equal(SDF_GetPrivateKeyAccessRight(ses, 999, (BYTE *)PW, sizeof PW - 1), SDR_KEYNOTEXIST);
	assert_int_equal(SDF_GetPrivateKeyAccessRight(ses, 0, (BYTE *)PW, sizeof PW - 1), SDR_INARGERR);
	assert_int_equal(SDF_GetPrivateKeyAccessRight(ses, IDX, (BYTE *)PW, sizeof PW - 1), SDR_OK);
	assert_int_equal(SDF_InternalSign_ECC(ses, IDX, e, 32, &sig), SDR_OK);
	assert_int_equal(SDF_ReleasePrivateKeyAccessRight(ses, IDX), SDR_OK);
	assert_int_equal(SDF_InternalSign_ECC(ses, IDX, e, 32, &sig), SDR_PARDENY);
	assert_int_equal(SDF_ReleasePrivateKeyAccessRight(ses, IDX), SDR_PARDENY);
	/* a right belongs to the session that obtained it */
	HANDLE s2;
	assert_int_equal(SDF_GetPrivateKeyAccessRight(ses, IDX, (BYTE *)PW, sizeof PW - 1), SDR_OK);
	assert_int_equal(SDF_OpenSession(dev, &s2), SDR_OK);
	assert_int_equal(SDF_InternalSign_ECC(s2, IDX, e, 32, &sig), SDR_PARDENY);
	assert_int_equal(SDF_CloseSession(s2), SDR_OK);
}

static void test_sign_verify_openssl(void **state)
{
	(void)state;
	ECCrefPublicKey pub;
	ECCSignature sig;
	BYTE e[32];
	const char *msg = "message signed through SDF, verified by OpenSSL";
	assert_int_equal(SDF_ExportSignPublicKey_ECC(ses, IDX, &pub), SDR_OK);
	assert_int_equal(pub.bits, 256);
	assert_int_equal(SDF_ExportSignPublicKey_ECC(ses, 77, &pub), SDR_KEYNOTEXIST);
	assert_int_equal(SDF_ExportSignPublicKey_ECC(ses, IDX, &pub), SDR_OK);
	digest(&pub, msg, e);
	assert_int_equal(SDF_InternalSign_ECC(ses, IDX, e, 32, &sig), SDR_OK);
	EVP_PKEY *pk = ossl_pub(&pub);
	assert_int_equal(ossl_verify(pk, msg, &sig), 1);
	assert_int_equal(ossl_verify(pk, "another message", &sig), 0);
	EVP_PKEY_free(pk);
	assert_int_equal(SDF_ExternalVerify_ECC(ses, SGD_SM2_1, &pub, e, 32, &sig), SDR_OK);
	assert_int_equal(SDF_InternalVerify_ECC(ses, IDX, e, 32, &sig), SDR_OK);
	sig.s[63] ^= 1;
	assert_int_equal(SDF_ExternalVerify_ECC(ses, SGD_SM2_1, &pub, e, 32, &sig), SDR_VERIFYERR);
	assert_int_equal(SDF_InternalVerify_ECC(ses, IDX, e, 32, &sig), SDR_VERIFYERR);
	assert_int_equal(SDF_InternalSign_ECC(ses, IDX, e, 31, &sig), SDR_INARGERR);
	pub.x[40] ^= 1; /* off the curve */
	assert_int_equal(SDF_ExternalVerify_ECC(ses, SGD_SM2_1, &pub, e, 32, &sig), SDR_KEYERR);
}

static void test_encrypt_openssl(void **state)
{
	(void)state;
	const char *msg = "encrypted through SDF to an OpenSSL key";
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
	unsigned char pt[65], der[4096], out[256];
	size_t n, derlen, outlen = sizeof out;
	assert_true(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt, &n));
	ECCrefPublicKey pub = {.bits = 256};
	memcpy(pub.x + 32, pt + 1, 32);
	memcpy(pub.y + 32, pt + 33, 32);
	ECCCipher *c = calloc(1, SDF_ECCCIPHER_SIZE(strlen(msg)));
	assert_int_equal(SDF_ExternalEncrypt_ECC(ses, SGD_SM2_3, &pub, (BYTE *)msg, (ULONG)strlen(msg), c), SDR_OK);
	assert_int_equal(c->L, strlen(msg));
	derlen = oracle_cipher_der(c, der);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	assert_int_equal(EVP_PKEY_decrypt_init(ctx), 1);
	assert_int_equal(EVP_PKEY_decrypt(ctx, out, &outlen, der, derlen), 1);
	assert_int_equal(outlen, strlen(msg));
	assert_memory_equal(out, msg, outlen);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(key);
	free(c);
}

static void test_internal_encrypt_decrypt(void **state)
{
	(void)state;
	BYTE msg[100], back[100];
	ULONG backlen = 0;
	memset(msg, 0x5a, sizeof msg);
	ECCCipher *c = calloc(1, SDF_ECCCIPHER_SIZE(sizeof msg));
	assert_int_equal(SDF_InternalEncrypt_ECC(ses, IDX, SGD_SM2_3, msg, sizeof msg, c), SDR_OK);
	assert_int_equal(SDF_GetPrivateKeyAccessRight(ses, IDX, (BYTE *)PW, sizeof PW - 1), SDR_OK);
	assert_int_equal(SDF_InternalDecrypt_ECC(ses, IDX, SGD_SM2_3, c, back, &backlen), SDR_OK);
	assert_int_equal(backlen, sizeof msg);
	assert_memory_equal(back, msg, sizeof msg);
	c->M[0] ^= 1;
	assert_int_equal(SDF_InternalDecrypt_ECC(ses, IDX, SGD_SM2_3, c, back, &backlen), SDR_ENCDATAERR);
	free(c);
}

static void test_session_keys(void **state)
{
	(void)state;
	ECCCipher *c = calloc(1, SDF_ECCCIPHER_SIZE(32));
	HANDLE k1, k2, k3, k4;
	BYTE wrapped[32], iv[16] = {9}, in[64], ct[64], back[64], mac[16];
	ULONG wl = 0, ctl = 0, bl = 0, ml = 0;
	memset(in, 7, sizeof in);
	assert_int_equal(SDF_GetPrivateKeyAccessRight(ses, IDX, (BYTE *)PW, sizeof PW - 1), SDR_OK);
	assert_int_equal(SDF_GenerateKeyWithIPK_ECC(ses, IDX, 128, c, &k1), SDR_OK);
	assert_int_equal(c->L, 16);
	assert_int_equal(SDF_ImportKeyWithISK_ECC(ses, IDX, c, &k2), SDR_OK);
	assert_int_equal(SDF_GenerateKeyWithKEK(ses, 128, SGD_SM4_ECB, IDX, wrapped, &wl, &k3), SDR_OK);
	assert_int_equal(wl, 16);
	assert_int_equal(SDF_ImportKeyWithKEK(ses, SGD_SM4_ECB, IDX, wrapped, wl, &k4), SDR_OK);
	assert_int_equal(SDF_GenerateKeyWithKEK(ses, 128, SGD_SM4_ECB, 500, wrapped, &wl, &k3), SDR_KEYNOTEXIST);
	assert_int_equal(SDF_GenerateKeyWithIPK_ECC(ses, IDX, 100, c, &k3), SDR_INARGERR);
	static const ULONG modes[] = {SGD_SM4_ECB, SGD_SM4_CBC, SGD_SM4_CFB, SGD_SM4_OFB, SGD_SM4_CTR};
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		assert_int_equal(SDF_Encrypt(ses, k1, modes[i], iv, in, sizeof in, ct, &ctl), SDR_OK);
		assert_int_equal(ctl, sizeof in);
		assert_memory_not_equal(ct, in, sizeof in);
		assert_int_equal(SDF_Decrypt(ses, k2, modes[i], iv, ct, ctl, back, &bl), SDR_OK);
		assert_memory_equal(back, in, sizeof in);
	}
	assert_int_equal(SDF_Encrypt(ses, k3, SGD_SM4_CBC, iv, in, 15, ct, &ctl), SDR_INARGERR);
	assert_int_equal(SDF_Encrypt(ses, k3, 0x12345, iv, in, 16, ct, &ctl), SDR_ALGNOTSUPPORT);
	assert_int_equal(SDF_CalculateMAC(ses, k3, SGD_SM4_MAC, iv, in, sizeof in, mac, &ml), SDR_OK);
	assert_int_equal(ml, 16);
	BYTE mac2[16];
	assert_int_equal(SDF_CalculateMAC(ses, k4, SGD_SM4_MAC, iv, in, sizeof in, mac2, &ml), SDR_OK);
	assert_memory_equal(mac, mac2, 16);
	/* GCM */
	BYTE tag[16], aad[5] = "hello";
	ULONG tl = 0, taglen = 16;
	assert_int_equal(SDF_AuthEnc(ses, k1, SGD_SM4_GCM, iv, 12, aad, 5, in, sizeof in, ct, &ctl, tag, &tl), SDR_OK);
	assert_int_equal(tl, 16);
	assert_int_equal(SDF_AuthDec(ses, k2, SGD_SM4_GCM, iv, 12, aad, 5, tag, &taglen, ct, ctl, back, &bl), SDR_OK);
	assert_memory_equal(back, in, sizeof in);
	tag[0] ^= 1;
	assert_int_equal(SDF_AuthDec(ses, k2, SGD_SM4_GCM, iv, 12, aad, 5, tag, &taglen, ct, ctl, back, &bl), SDR_MACERR);
	/* HMAC with a session key */
	BYTE h1[32], h2[32];
	assert_int_equal(SDF_HMACInit(ses, k1, SGD_SM3), SDR_OK);
	assert_int_equal(SDF_HMACUpdate(ses, in, sizeof in), SDR_OK);
	assert_int_equal(SDF_HMACFinal(ses, h1, &ml), SDR_OK);
	assert_int_equal(SDF_HMACInit(ses, k2, SGD_SM3), SDR_OK);
	assert_int_equal(SDF_HMACUpdate(ses, in, 10), SDR_OK);
	assert_int_equal(SDF_HMACUpdate(ses, in + 10, sizeof in - 10), SDR_OK);
	assert_int_equal(SDF_HMACFinal(ses, h2, &ml), SDR_OK);
	assert_memory_equal(h1, h2, 32);
	assert_int_equal(SDF_HMACFinal(ses, h2, &ml), SDR_STEPERR);
	/* destroy */
	assert_int_equal(SDF_DestroyKey(ses, k1), SDR_OK);
	assert_int_equal(SDF_DestroyKey(ses, k1), SDR_KEYNOTEXIST);
	assert_int_equal(SDF_Encrypt(ses, k1, SGD_SM4_ECB, NULL, in, 16, ct, &ctl), SDR_KEYNOTEXIST);
	/* a key handle of one session is nothing in another */
	HANDLE s2;
	assert_int_equal(SDF_OpenSession(dev, &s2), SDR_OK);
	assert_int_equal(SDF_Encrypt(s2, k2, SGD_SM4_ECB, NULL, in, 16, ct, &ctl), SDR_KEYNOTEXIST);
	assert_int_equal(SDF_CloseSession(s2), SDR_OK);
	free(c);
}

static void test_hash(void **state)
{
	(void)state;
	BYTE h[32], ref[32];
	ULONG hl = 0;
	unsigned int rl = 0;
	assert_int_equal(SDF_HashUpdate(ses, (BYTE *)"abc", 3), SDR_STEPERR);
	assert_int_equal(SDF_HashInit(ses, SGD_SM3, NULL, NULL, 0), SDR_OK);
	assert_int_equal(SDF_HashUpdate(ses, (BYTE *)"abc", 3), SDR_OK);
	assert_int_equal(SDF_HashFinal(ses, h, &hl), SDR_OK);
	EVP_Digest("abc", 3, ref, &rl, EVP_sm3(), NULL);
	assert_memory_equal(h, ref, 32);
	assert_int_equal(SDF_HashInit(ses, SGD_SHA256, NULL, NULL, 0), SDR_ALGNOTSUPPORT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device),
	    cmocka_unit_test(test_open_with_config),
		cmocka_unit_test(test_access_right),
		cmocka_unit_test(test_sign_verify_openssl),
		cmocka_unit_test(test_encrypt_openssl),
		cmocka_unit_test(test_internal_encrypt_decrypt),
		cmocka_unit_test(test_session_keys),
		cmocka_unit_test(test_hash),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

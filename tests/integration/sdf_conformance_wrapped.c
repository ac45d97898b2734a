/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vendor extension SDF_GenerateKeyPairWithKEK_ECC / SDF_SignWithKEK_ECC / SDF_DecryptWithKEK_ECC against a
 * running vsmd, through libsdf.so, with OpenSSL as the oracle; then the platform's use of them (src/platform/pvsm.c,
 * built into this suite) with its error mapping. Run by tests/cli/sdf_e2e_test.sh, which creates KEKs at indices 1
 * and 2 (none at 500) and exports CCSP_SDF_CONF.
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

#include "platform/pvsm.h"
#include "sdf_oracle.h"

#define KEK 1
#define KEK2 2
#define NO_KEK 500
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

static EVP_PKEY *ossl_pub(const unsigned char x[32], const unsigned char y[32])
{
	unsigned char pt[65];
	pt[0] = 4;
	memcpy(pt + 1, x, 32);
	memcpy(pt + 33, y, 32);
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

/* OpenSSL's verdict on (r, s) over msg with the default ID (it computes Z and e itself). */
static int ossl_verify(EVP_PKEY *pk, const char *msg, const unsigned char r[32], const unsigned char s[32])
{
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
	return ok;
}

static void digest(const ECCrefPublicKey *pub, const char *msg, BYTE e[32])
{
	ULONG elen = 0;
	assert_int_equal(SDF_HashInit(ses, SGD_SM3, (ECCrefPublicKey *)pub, (BYTE *)"1234567812345678", 16), SDR_OK);
	assert_int_equal(SDF_HashUpdate(ses, (BYTE *)msg, (ULONG)strlen(msg)), SDR_OK);
	assert_int_equal(SDF_HashFinal(ses, e, &elen), SDR_OK);
}

/* The raw C1 x||y || C3 || C2 of an OpenSSL SM2 encryption of msg to pk, as an ECCCipher (caller frees). */
static ECCCipher *ossl_encrypt(EVP_PKEY *pk, const unsigned char *msg, size_t len)
{
	unsigned char der[512];
	size_t derlen = sizeof der;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk, NULL);
	assert_int_equal(EVP_PKEY_encrypt_init(ctx), 1);
	assert_int_equal(EVP_PKEY_encrypt(ctx, der, &derlen, msg, len), 1);
	EVP_PKEY_CTX_free(ctx);
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

static void test_sign(void **state)
{
	(void)state;
	ECCrefPublicKey pub;
	ECCSignature sig;
	BYTE w[SDF_WRAPPED_ECC_KEY_MAX], e[32], bad[SDF_WRAPPED_ECC_KEY_MAX];
	ULONG wl = 0;
	const char *msg = "signed with a key that only exists wrapped";
	assert_int_equal(SDF_GenerateKeyPairWithKEK_ECC(ses, SGD_SM2_1, KEK, &pub, w, &wl), SDR_OK);
	assert_int_equal(wl, SDF_WRAPPED_ECC_KEY_SIZE);
	assert_int_equal(pub.bits, 256);
	digest(&pub, msg, e);
	assert_int_equal(SDF_SignWithKEK_ECC(ses, KEK, w, wl, e, 32, &sig), SDR_OK);
	EVP_PKEY *pk = ossl_pub(pub.x + 32, pub.y + 32);
	assert_int_equal(ossl_verify(pk, msg, sig.r + 32, sig.s + 32), 1);
	assert_int_not_equal(ossl_verify(pk, "another message", sig.r + 32, sig.s + 32), 1);
	EVP_PKEY_free(pk);
	assert_int_equal(SDF_ExternalVerify_ECC(ses, SGD_SM2_1, &pub, e, 32, &sig), SDR_OK);
	/* refusals */
	memcpy(bad, w, wl);
	bad[wl - 1] ^= 1;
	assert_int_equal(SDF_SignWithKEK_ECC(ses, KEK, bad, wl, e, 32, &sig), SDR_KEYERR);
	assert_int_equal(SDF_SignWithKEK_ECC(ses, KEK, w, wl - 1, e, 32, &sig), SDR_KEYERR);
	assert_int_equal(SDF_SignWithKEK_ECC(ses, KEK2, w, wl, e, 32, &sig), SDR_KEYERR);
	assert_int_equal(SDF_SignWithKEK_ECC(ses, NO_KEK, w, wl, e, 32, &sig), SDR_KEYNOTEXIST);
	assert_int_equal(SDF_SignWithKEK_ECC(ses, 0, w, wl, e, 32, &sig), SDR_INARGERR);
	assert_int_equal(SDF_SignWithKEK_ECC(ses, KEK, w, 0, e, 32, &sig), SDR_INARGERR);
	assert_int_equal(SDF_SignWithKEK_ECC(ses, KEK, w, SDF_WRAPPED_ECC_KEY_MAX + 1, e, 32, &sig), SDR_INARGERR);
	assert_int_equal(SDF_SignWithKEK_ECC(ses, KEK, w, wl, e, 31, &sig), SDR_INARGERR);
	assert_int_equal(SDF_SignWithKEK_ECC(ses, KEK, w, wl, e, 32, NULL), SDR_OUTARGERR);
	assert_int_equal(SDF_GenerateKeyPairWithKEK_ECC(ses, SGD_SM2_1, NO_KEK, &pub, w, &wl), SDR_KEYNOTEXIST);
	assert_int_equal(SDF_GenerateKeyPairWithKEK_ECC(ses, SGD_SM2, KEK, &pub, w, &wl), SDR_ALGNOTSUPPORT);
	assert_int_equal(SDF_GenerateKeyPairWithKEK_ECC(ses, SGD_SM4_ECB, KEK, &pub, w, &wl), SDR_ALGNOTSUPPORT);
	assert_int_equal(SDF_GenerateKeyPairWithKEK_ECC(ses, SGD_SM2_1, KEK, &pub, NULL, &wl), SDR_OUTARGERR);
}

static void test_decrypt(void **state)
{
	(void)state;
	ECCrefPublicKey pub;
	BYTE w[SDF_WRAPPED_ECC_KEY_MAX], sw[SDF_WRAPPED_ECC_KEY_MAX], out[64], msg[48], e[32] = {1};
	ULONG wl = 0, swl = 0, ol = 0;
	ECCSignature sig;
	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (BYTE)(i * 7 + 1);
	assert_int_equal(SDF_GenerateKeyPairWithKEK_ECC(ses, SGD_SM2_3, KEK2, &pub, w, &wl), SDR_OK);
	EVP_PKEY *pk = ossl_pub(pub.x + 32, pub.y + 32);
	ECCCipher *c = ossl_encrypt(pk, msg, sizeof msg);
	assert_int_equal(SDF_DecryptWithKEK_ECC(ses, KEK2, w, wl, c, out, &ol), SDR_OK);
	assert_int_equal(ol, sizeof msg);
	assert_memory_equal(out, msg, sizeof msg);
	/* through the device too: ExternalEncrypt to the public key */
	ECCCipher *c2 = calloc(1, SDF_ECCCIPHER_SIZE(sizeof msg));
	assert_int_equal(SDF_ExternalEncrypt_ECC(ses, SGD_SM2_3, &pub, msg, sizeof msg, c2), SDR_OK);
	assert_int_equal(SDF_DecryptWithKEK_ECC(ses, KEK2, w, wl, c2, out, &ol), SDR_OK);
	assert_memory_equal(out, msg, sizeof msg);
	/* C3 no longer matches */
	c2->M[0] ^= 1;
	assert_int_equal(SDF_DecryptWithKEK_ECC(ses, KEK2, w, wl, c2, out, &ol), SDR_ENCDATAERR);
	/* usage confusion, both ways */
	assert_int_equal(SDF_SignWithKEK_ECC(ses, KEK2, w, wl, e, 32, &sig), SDR_KEYTYPEERR);
	assert_int_equal(SDF_GenerateKeyPairWithKEK_ECC(ses, SGD_SM2_1, KEK2, &pub, sw, &swl), SDR_OK);
	assert_int_equal(SDF_DecryptWithKEK_ECC(ses, KEK2, sw, swl, c, out, &ol), SDR_KEYTYPEERR);
	w[1] = 1; /* relabelled as a signing key: the usage is in the AAD, the tag fails */
	assert_int_equal(SDF_SignWithKEK_ECC(ses, KEK2, w, wl, e, 32, &sig), SDR_KEYERR);
	w[1] = 2;
	/* another KEK, altered, truncated */
	assert_int_equal(SDF_DecryptWithKEK_ECC(ses, KEK, w, wl, c, out, &ol), SDR_KEYERR);
	w[20] ^= 0x40;
	assert_int_equal(SDF_DecryptWithKEK_ECC(ses, KEK2, w, wl, c, out, &ol), SDR_KEYERR);
	w[20] ^= 0x40;
	assert_int_equal(SDF_DecryptWithKEK_ECC(ses, KEK2, w, 30, c, out, &ol), SDR_KEYERR);
	assert_int_equal(SDF_DecryptWithKEK_ECC(ses, NO_KEK, w, wl, c, out, &ol), SDR_KEYNOTEXIST);
	assert_int_equal(SDF_DecryptWithKEK_ECC(ses, KEK2, w, wl, c, NULL, &ol), SDR_OUTARGERR);
	assert_int_equal(SDF_DecryptWithKEK_ECC(ses, KEK2, w, wl, c, out, &ol), SDR_OK);
	free(c2);
	free(c);
	EVP_PKEY_free(pk);
}

/* The platform's functions (pvsm.h) over the same VSM: the calls ccspd's KMS makes, and their error mapping. */
static void test_platform(void **state)
{
	(void)state;
	ccsp_pvsm *p = NULL;
	const char *conf = getenv("CCSP_SDF_CONF");
	assert_non_null(conf);
	assert_int_equal(ccsp_pvsm_open(conf, 2, &p), CCSP_OK);
	uint8_t spub[64], epub[64], sw[CCSP_PVSM_WRAPPED_MAX], ew[CCSP_PVSM_WRAPPED_MAX], e[32], sig[64], out[64];
	size_t swl = 0, ewl = 0, outlen = 0;
	assert_int_equal(ccsp_pvsm_pair_generate(p, KEK, CCSP_PVSM_PAIR_SIGN, spub, sw, &swl), CCSP_OK);
	assert_int_equal(ccsp_pvsm_pair_generate(p, KEK, CCSP_PVSM_PAIR_ENC, epub, ew, &ewl), CCSP_OK);
	assert_int_equal(swl, SDF_WRAPPED_ECC_KEY_SIZE);
	assert_int_equal(ccsp_pvsm_pair_generate(p, NO_KEK, CCSP_PVSM_PAIR_SIGN, spub, sw, &swl), CCSP_ERR_COMM);
	assert_int_equal(ccsp_pvsm_pair_generate(p, KEK, 3, spub, sw, &swl), CCSP_ERR_ARG);
	/* sign, verified by OpenSSL */
	ECCrefPublicKey pub = {.bits = 256};
	memcpy(pub.x + 32, spub, 32);
	memcpy(pub.y + 32, spub + 32, 32);
	digest(&pub, "platform", e);
	assert_int_equal(ccsp_pvsm_pair_sign(p, KEK, sw, swl, e, sig), CCSP_OK);
	EVP_PKEY *pk = ossl_pub(spub, spub + 32);
	assert_int_equal(ossl_verify(pk, "platform", sig, sig + 32), 1);
	EVP_PKEY_free(pk);
	assert_int_equal(ccsp_pvsm_pair_sign(p, KEK, ew, ewl, e, sig), CCSP_ERR_KEY);  /* an encryption key */
	assert_int_equal(ccsp_pvsm_pair_sign(p, KEK2, sw, swl, e, sig), CCSP_ERR_KEY); /* another KEK */
	sw[5] ^= 1;
	assert_int_equal(ccsp_pvsm_pair_sign(p, KEK, sw, swl, e, sig), CCSP_ERR_KEY); /* altered */
	assert_int_equal(ccsp_pvsm_pair_sign(p, NO_KEK, sw, swl, e, sig), CCSP_ERR_COMM);
	assert_int_equal(ccsp_pvsm_pair_sign(p, KEK, sw, CCSP_PVSM_WRAPPED_MAX + 1, e, sig), CCSP_ERR_ARG);
	/* decrypt an OpenSSL ciphertext */
	uint8_t msg[40], ct[40 + 96];
	memset(msg, 0x5a, sizeof msg);
	pk = ossl_pub(epub, epub + 32);
	ECCCipher *c = ossl_encrypt(pk, msg, sizeof msg);
	EVP_PKEY_free(pk);
	memcpy(ct, c->x + 32, 32);
	memcpy(ct + 32, c->y + 32, 32);
	memcpy(ct + 64, c->M, 32);
	memcpy(ct + 96, (unsigned char *)c + SDF_ECCCIPHER_FIXED_SIZE, sizeof msg);
	free(c);
	assert_int_equal(ccsp_pvsm_pair_decrypt(p, KEK, ew, ewl, ct, sizeof ct, out, &outlen), CCSP_OK);
	assert_int_equal(outlen, sizeof msg);
	assert_memory_equal(out, msg, sizeof msg);
	assert_int_equal(ccsp_pvsm_pair_decrypt(p, KEK, sw, swl, ct, sizeof ct, out, &outlen), CCSP_ERR_KEY);
	ct[sizeof ct - 1] ^= 1;
	assert_int_equal(ccsp_pvsm_pair_decrypt(p, KEK, ew, ewl, ct, sizeof ct, out, &outlen), CCSP_ERR_AUTH);
	assert_int_equal(ccsp_pvsm_pair_decrypt(p, KEK, ew, ewl, ct, 96, out, &outlen), CCSP_ERR_ARG);
	assert_int_equal(ccsp_pvsm_pair_decrypt(p, KEK, ew, ewl, ct, 96 + CCSP_PVSM_SM2_PLAIN_MAX + 1, out, &outlen),
	                 CCSP_ERR_ARG);
	ccsp_pvsm_close(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign),
		cmocka_unit_test(test_decrypt),
		cmocka_unit_test(test_platform),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

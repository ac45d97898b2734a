/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vendor extension SDF_ExportKeyWithBackupKey / SDF_ImportKeyWithBackupKey (a key set's backup, KM-9) against
 * a running vsmd, through libsdf.so: keys the device made under the KEK are moved to a backup key and back, and the
 * re-wrapped key does the original's work (SM4: decrypts what the original encrypted with SDF_AuthEncWithKEK; SM2:
 * its signatures verify under the original public key with SDF_ExternalVerify_ECC). Then the refusals, and the
 * platform's functions (src/platform/pvsm.c, built into this suite) with their error mapping. Run by
 * tests/cli/sdf_e2e_test.sh, which creates KEKs at indices 1 and 2 (none at 500) and exports CCSP_SDF_CONF.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ccsp/sdf.h>

#include "platform/pvsm.h"

#define KEK 1
#define NO_KEK 500
static HANDLE dev, ses;
static BYTE bk[16]; /* the backup key: an SM4 key under KEK */
static BYTE AAD[] = "ccsp-keyset-v1 names of the key";

static int setup(void **state)
{
	(void)state;
	ULONG len = 0;
	HANDLE h = NULL;
	if (SDF_OpenDevice(&dev) != SDR_OK || SDF_OpenSession(dev, &ses) != SDR_OK ||
	    SDF_GenerateKeyWithKEK(ses, 128, SGD_SM4_ECB, KEK, bk, &len, &h) != SDR_OK || len != 16)
		return -1;
	return SDF_DestroyKey(ses, h) == SDR_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	SDF_CloseSession(ses);
	SDF_CloseDevice(dev);
	return 0;
}

typedef struct entry {
	BYTE iv[SDF_KEYSET_IV_SIZE], ct[32], tag[SDF_KEYSET_TAG_SIZE];
	ULONG len;
} entry;

static LONG export(ULONG kind, BYTE *w, ULONG wl, ECCrefPublicKey *pub, entry *e)
{
	return SDF_ExportKeyWithBackupKey(ses, KEK, bk, sizeof bk, kind, w, wl, pub, AAD, sizeof AAD, e->iv, e->ct,
	                                  &e->len, e->tag);
}

static LONG import(ULONG kind, ECCrefPublicKey *pub, entry *e, BYTE *w, ULONG *wl)
{
	return SDF_ImportKeyWithBackupKey(ses, KEK, bk, sizeof bk, kind, pub, AAD, sizeof AAD, e->iv, e->ct, e->len,
	                                  e->tag, w, wl);
}

static void test_sm4(void **state)
{
	(void)state;
	BYTE w[16], w2[SDF_WRAPPED_ECC_KEY_MAX], iv[12], tag[16], ct[5], pt[5];
	ULONG wl = 0, wl2 = 0, n = 0;
	HANDLE h = NULL;
	entry e;
	assert_int_equal(SDF_GenerateKeyWithKEK(ses, 128, SGD_SM4_ECB, KEK, w, &wl, &h), SDR_OK);
	assert_int_equal(SDF_DestroyKey(ses, h), SDR_OK);
	assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, w, wl, NULL, 0, (BYTE *)"hello", 5, iv, ct, &n, tag), SDR_OK);
	assert_int_equal(export(SDF_KEY_KIND_SM4, w, wl, NULL, &e), SDR_OK);
	assert_int_equal(e.len, 16);
	assert_int_equal(import(SDF_KEY_KIND_SM4, NULL, &e, w2, &wl2), SDR_OK);
	assert_int_equal(wl2, SDF_WRAPPED_KEY_SIZE(16)); /* sealed */
	assert_int_equal(SDF_AuthDecWithKEK(ses, KEK, w2, wl2, NULL, 0, iv, ct, 5, tag, pt, &n), SDR_OK);
	assert_memory_equal(pt, "hello", 5);
	/* the entry under the backup key used as an ordinary SM4 key: no */
	assert_int_equal(SDF_AuthDecWithKEK(ses, KEK, bk, sizeof bk, AAD, sizeof AAD, e.iv, e.ct, e.len, e.tag, w2, &n),
	                 SDR_MACERR);
}

static void test_sm2(void **state)
{
	(void)state;
	ECCrefPublicKey pub, other;
	BYTE w[SDF_WRAPPED_ECC_KEY_MAX], w2[SDF_WRAPPED_ECC_KEY_MAX], e32[32];
	ULONG wl = 0, wl2 = 0;
	ECCSignature sig;
	entry e;
	memset(e32, 0x5a, sizeof e32);
	assert_int_equal(SDF_GenerateKeyPairWithKEK_ECC(ses, SGD_SM2_3, KEK, &other, w, &wl), SDR_OK);
	assert_int_equal(SDF_GenerateKeyPairWithKEK_ECC(ses, SGD_SM2_1, KEK, &pub, w, &wl), SDR_OK);
	assert_int_equal(export(SDF_KEY_KIND_SM2_SIGN, w, wl, &other, &e), SDR_KEYERR); /* another public key */
	assert_int_equal(export(SDF_KEY_KIND_SM2_SIGN, w, wl, &pub, &e), SDR_OK);
	assert_int_equal(import(SDF_KEY_KIND_SM2_SIGN, &other, &e, w2, &wl2), SDR_KEYERR);
	assert_int_equal(import(SDF_KEY_KIND_SM2_SIGN, &pub, &e, w2, &wl2), SDR_OK);
	assert_int_equal(SDF_SignWithKEK_ECC(ses, KEK, w2, wl2, e32, 32, &sig), SDR_OK);
	assert_int_equal(SDF_ExternalVerify_ECC(ses, SGD_SM2_1, &pub, e32, 32, &sig), SDR_OK);
	assert_int_equal(export(SDF_KEY_KIND_SM2_ENC, w, wl, &pub, &e), SDR_KEYTYPEERR);
}

static void test_refusals(void **state)
{
	(void)state;
	BYTE w[16], w2[SDF_WRAPPED_ECC_KEY_MAX];
	ULONG wl = 0, wl2 = 0;
	HANDLE h = NULL;
	entry e, x;
	assert_int_equal(SDF_GenerateKeyWithKEK(ses, 128, SGD_SM4_ECB, KEK, w, &wl, &h), SDR_OK);
	assert_int_equal(SDF_DestroyKey(ses, h), SDR_OK);
	assert_int_equal(export(SDF_KEY_KIND_SM4, w, wl, NULL, &e), SDR_OK);
	x = e;
	x.tag[0] ^= 1;
	assert_int_equal(import(SDF_KEY_KIND_SM4, NULL, &x, w2, &wl2), SDR_MACERR);
	x = e;
	x.ct[15] ^= 1;
	assert_int_equal(import(SDF_KEY_KIND_SM4, NULL, &x, w2, &wl2), SDR_MACERR);
	assert_int_equal(SDF_ImportKeyWithBackupKey(ses, KEK, bk, sizeof bk, SDF_KEY_KIND_SM4, NULL, AAD, sizeof AAD - 1,
	                                            e.iv, e.ct, e.len, e.tag, w2, &wl2),
	                 SDR_MACERR); /* another binding */
	assert_int_equal(import(SDF_KEY_KIND_HMAC, NULL, &e, w2, &wl2), SDR_KEYERR); /* 16 bytes are no HMAC key */
	assert_int_equal(SDF_ExportKeyWithBackupKey(ses, NO_KEK, bk, 16, SDF_KEY_KIND_SM4, w, wl, NULL, AAD, sizeof AAD,
	                                            x.iv, x.ct, &x.len, x.tag),
	                 SDR_KEYNOTEXIST);
	assert_int_equal(SDF_ExportKeyWithBackupKey(ses, KEK, bk, 15, SDF_KEY_KIND_SM4, w, wl, NULL, AAD, sizeof AAD,
	                                            x.iv, x.ct, &x.len, x.tag),
	                 SDR_INARGERR);
	assert_int_equal(SDF_ExportKeyWithBackupKey(ses, KEK, bk, 16, 9, w, wl, NULL, AAD, sizeof AAD, x.iv, x.ct,
	                                            &x.len, x.tag),
	                 SDR_INARGERR);
	assert_int_equal(SDF_ExportKeyWithBackupKey(ses, KEK, bk, 16, SDF_KEY_KIND_SM4, w, wl, NULL, AAD, 0, x.iv, x.ct,
	                                            &x.len, x.tag),
	                 SDR_INARGERR);
	assert_int_equal(SDF_ExportKeyWithBackupKey(ses, KEK, bk, 16, SDF_KEY_KIND_SM4, w, wl, NULL, AAD, sizeof AAD,
	                                            x.iv, NULL, &x.len, x.tag),
	                 SDR_OUTARGERR);
	assert_int_equal(SDF_ImportKeyWithBackupKey(ses, KEK, bk, 16, SDF_KEY_KIND_SM4, NULL, AAD, sizeof AAD, e.iv, e.ct,
	                                            e.len, e.tag, NULL, &wl2),
	                 SDR_OUTARGERR);
}

static void test_platform(void **state)
{
	(void)state;
	ccsp_pvsm *p = NULL;
	const char *conf = getenv("CCSP_SDF_CONF");
	uint8_t w[CCSP_PVSM_WRAPPED_MAX], w2[CCSP_PVSM_WRAPPED_MAX], iv[12], ct[32], tag[16], e32[32] = {1}, sig[64];
	uint8_t pub[64];
	size_t wl = 0, wl2 = 0, ctlen = 0;
	assert_non_null(conf);
	assert_int_equal(ccsp_pvsm_open(conf, 1, &p), CCSP_OK);
	assert_int_equal(ccsp_pvsm_pair_generate(p, KEK, CCSP_PVSM_PAIR_SIGN, pub, w, &wl), CCSP_OK);
	assert_int_equal(ccsp_pvsm_keyset_export(p, KEK, bk, sizeof bk, CCSP_PVSM_MATERIAL_SM2_SIGN, w, wl, pub, AAD,
	                                         sizeof AAD, iv, ct, &ctlen, tag),
	                 CCSP_OK);
	assert_int_equal(ctlen, 32);
	assert_int_equal(ccsp_pvsm_keyset_import(p, KEK, bk, sizeof bk, CCSP_PVSM_MATERIAL_SM2_SIGN, pub, AAD, sizeof AAD,
	                                         iv, ct, ctlen, tag, w2, &wl2),
	                 CCSP_OK);
	assert_int_equal(ccsp_pvsm_pair_sign(p, KEK, w2, wl2, e32, sig), CCSP_OK);
	tag[3] ^= 1;
	assert_int_equal(ccsp_pvsm_keyset_import(p, KEK, bk, sizeof bk, CCSP_PVSM_MATERIAL_SM2_SIGN, pub, AAD, sizeof AAD,
	                                         iv, ct, ctlen, tag, w2, &wl2),
	                 CCSP_ERR_AUTH);
	pub[0] ^= 1;
	assert_int_equal(ccsp_pvsm_keyset_export(p, KEK, bk, sizeof bk, CCSP_PVSM_MATERIAL_SM2_SIGN, w, wl, pub, AAD,
	                                         sizeof AAD, iv, ct, &ctlen, tag),
	                 CCSP_ERR_KEY);
	assert_int_equal(ccsp_pvsm_keyset_export(p, KEK, bk, sizeof bk, 9, w, wl, pub, AAD, sizeof AAD, iv, ct, &ctlen,
	                                         tag),
	                 CCSP_ERR_ARG);
	ccsp_pvsm_close(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sm4),
		cmocka_unit_test(test_sm2),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_platform),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

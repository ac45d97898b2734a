/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SDF conformance of SM2 key agreement (GM/T 0018 6.3.12-6.3.14) and the digital-envelope exchange (2012),
 * against a running vsmd, through libsdf.so, with OpenSSL as the independent oracle for the envelope. Run by
 * tests/cli/sdf_e2e_test.sh, which creates encryption pairs at index 1 and 2 with the password "password-1".
 * Two sessions play the two parties: the sponsor with index 1, the responder with index 2. That the two
 * session-key handles hold the same key is shown by encrypting with one and decrypting with the other.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <ccsp/sdf.h>

#include "sdf_oracle.h"

#define IDX_S 1 /* sponsor */
#define IDX_R 2 /* responder */
static const char PW[] = "password-1";
static HANDLE dev, sponsor, responder;

static int setup(void **state)
{
	(void)state;
	if (SDF_OpenDevice(&dev) != SDR_OK || SDF_OpenSession(dev, &sponsor) != SDR_OK ||
	    SDF_OpenSession(dev, &responder) != SDR_OK)
		return -1;
	if (SDF_GetPrivateKeyAccessRight(sponsor, IDX_S, (BYTE *)PW, sizeof PW - 1) != SDR_OK ||
	    SDF_GetPrivateKeyAccessRight(responder, IDX_R, (BYTE *)PW, sizeof PW - 1) != SDR_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	SDF_CloseSession(sponsor);
	SDF_CloseSession(responder);
	SDF_CloseDevice(dev);
	return 0;
}

typedef struct party {
	BYTE *id;
	ULONG idlen;
	ECCrefPublicKey pub, tmp;
} party;

/* The agreement between the two sessions. The sponsor takes the responder's ID as resp_id_seen (normally the
 * responder's own). Returns the sponsor's and the responder's key handles. */
static void agree(ULONG bits, party *s, party *r, const BYTE *resp_id_seen, ULONG resp_id_seen_len, HANDLE *ks,
                  HANDLE *kr)
{
	HANDLE agr;
	ECCrefPublicKey want;
	assert_int_equal(SDF_GenerateAgreementDataWithECC(sponsor, IDX_S, bits, s->id, s->idlen, &s->pub, &s->tmp, &agr),
	                 SDR_OK);
	assert_int_equal(SDF_ExportEncPublicKey_ECC(sponsor, IDX_S, &want), SDR_OK);
	assert_memory_equal(&s->pub, &want, sizeof want);
	assert_int_equal(s->tmp.bits, 256);
	assert_int_equal(SDF_GenerateAgreementDataAndKeyWithECC(responder, IDX_R, bits, r->id, r->idlen, s->id, s->idlen,
	                                                        &s->pub, &s->tmp, &r->pub, &r->tmp, kr),
	                 SDR_OK);
	assert_int_equal(SDF_ExportEncPublicKey_ECC(responder, IDX_R, &want), SDR_OK);
	assert_memory_equal(&r->pub, &want, sizeof want);
	assert_memory_not_equal(&r->tmp, &s->tmp, sizeof want);
	assert_int_equal(SDF_GenerateKeyWithECC(sponsor, (BYTE *)resp_id_seen, resp_id_seen_len, &r->pub, &r->tmp, agr, ks),
	                 SDR_OK);
	/* the agreement handle is consumed */
	HANDLE again;
	assert_int_equal(SDF_GenerateKeyWithECC(sponsor, r->id, r->idlen, &r->pub, &r->tmp, agr, &again),
	                 SDR_KEYNOTEXIST);
}

/* Encrypt with one handle (sponsor's session), decrypt with the other (responder's): whether it round-trips. */
static int same_key(HANDLE ks, HANDLE kr, ULONG bits)
{
	BYTE in[64], ct[64], back[64], iv[16] = {3};
	ULONG ctl = 0, bl = 0, alg = bits == 128 ? SGD_SM4_ECB : SGD_SM4_XTS;
	for (size_t i = 0; i < sizeof in; i++)
		in[i] = (BYTE)(i * 7 + 1);
	assert_int_equal(SDF_Encrypt(sponsor, ks, alg, iv, in, sizeof in, ct, &ctl), SDR_OK);
	assert_int_equal(ctl, sizeof in);
	assert_memory_not_equal(ct, in, sizeof in);
	assert_int_equal(SDF_Decrypt(responder, kr, alg, iv, ct, ctl, back, &bl), SDR_OK);
	assert_int_equal(bl, sizeof in);
	/* and the other way */
	BYTE ct2[64], back2[64];
	assert_int_equal(SDF_Encrypt(responder, kr, alg, iv, in, sizeof in, ct2, &ctl), SDR_OK);
	assert_int_equal(SDF_Decrypt(sponsor, ks, alg, iv, ct2, ctl, back2, &bl), SDR_OK);
	assert_int_equal(SDF_DestroyKey(sponsor, ks), SDR_OK);
	assert_int_equal(SDF_DestroyKey(responder, kr), SDR_OK);
	int fwd = memcmp(back, in, sizeof in) == 0, rev = memcmp(back2, in, sizeof in) == 0;
	assert_int_equal(fwd, rev);
	return fwd;
}

static void test_agreement(void **state)
{
	(void)state;
	static const ULONG lens[][2] = {{16, 16}, {1, 40}, {300, 3}, {8191, 8191}};
	BYTE *ids = malloc(8191), *idr = malloc(8191);
	assert_non_null(ids);
	assert_non_null(idr);
	for (size_t i = 0; i < 8191; i++) {
		ids[i] = (BYTE)('a' + i % 26);
		idr[i] = (BYTE)('A' + i % 23);
	}
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		party s = {.id = ids, .idlen = lens[i][0]}, r = {.id = idr, .idlen = lens[i][1]};
		HANDLE ks, kr;
		agree(128, &s, &r, r.id, r.idlen, &ks, &kr);
		assert_true(same_key(ks, kr, 128));
	}
	/* 256 bits: an SM4-XTS key pair */
	party s = {.id = (BYTE *)"sponsor@example.cn", .idlen = 18}, r = {.id = (BYTE *)"responder", .idlen = 9};
	HANDLE ks, kr;
	agree(256, &s, &r, r.id, r.idlen, &ks, &kr);
	assert_true(same_key(ks, kr, 256));
	free(ids);
	free(idr);
}

static void test_wrong_id(void **state)
{
	(void)state;
	party s = {.id = (BYTE *)"1234567812345678", .idlen = 16}, r = {.id = (BYTE *)"responder-2", .idlen = 11};
	HANDLE ks, kr;
	/* the sponsor believes the responder is someone else: both sides succeed, the keys differ */
	agree(128, &s, &r, (const BYTE *)"responder-3", 11, &ks, &kr);
	assert_false(same_key(ks, kr, 128));
	agree(128, &s, &r, r.id, r.idlen - 1, &ks, &kr);
	assert_false(same_key(ks, kr, 128));
	/* the responder believes the sponsor is someone else */
	ECCrefPublicKey rp, rt;
	HANDLE agr;
	assert_int_equal(SDF_GenerateAgreementDataWithECC(sponsor, IDX_S, 128, s.id, s.idlen, &s.pub, &s.tmp, &agr), SDR_OK);
	assert_int_equal(SDF_GenerateAgreementDataAndKeyWithECC(responder, IDX_R, 128, r.id, r.idlen, (BYTE *)"other", 5,
	                                                        &s.pub, &s.tmp, &rp, &rt, &kr),
	                 SDR_OK);
	assert_int_equal(SDF_GenerateKeyWithECC(sponsor, r.id, r.idlen, &rp, &rt, agr, &ks), SDR_OK);
	assert_false(same_key(ks, kr, 128));
}

static void test_errors(void **state)
{
	(void)state;
	BYTE *id = (BYTE *)"1234567812345678";
	ECCrefPublicKey pub, tmp, rpub, rtmp, bad;
	HANDLE agr, k, s2;
	/* no access right: a new session, or another index */
	assert_int_equal(SDF_OpenSession(dev, &s2), SDR_OK);
	assert_int_equal(SDF_GenerateAgreementDataWithECC(s2, IDX_S, 128, id, 16, &pub, &tmp, &agr), SDR_PARDENY);
	assert_int_equal(SDF_GenerateAgreementDataWithECC(sponsor, IDX_R, 128, id, 16, &pub, &tmp, &agr), SDR_PARDENY);
	assert_int_equal(SDF_GenerateAgreementDataWithECC(sponsor, IDX_S, 128, id, 16, &pub, &tmp, &agr), SDR_OK);
	assert_int_equal(SDF_GenerateAgreementDataAndKeyWithECC(s2, IDX_R, 128, id, 16, id, 16, &pub, &tmp, &rpub, &rtmp,
	                                                        &k),
	                 SDR_PARDENY);
	/* arguments */
	assert_int_equal(SDF_GenerateAgreementDataWithECC(sponsor, IDX_S, 100, id, 16, &pub, &tmp, &k), SDR_INARGERR);
	assert_int_equal(SDF_GenerateAgreementDataWithECC(sponsor, IDX_S, 128, NULL, 16, &pub, &tmp, &k), SDR_INARGERR);
	assert_int_equal(SDF_GenerateAgreementDataWithECC(sponsor, IDX_S, 128, id, 0, &pub, &tmp, &k), SDR_INARGERR);
	assert_int_equal(SDF_GenerateAgreementDataWithECC(sponsor, IDX_S, 128, id, 16, &pub, &tmp, NULL), SDR_OUTARGERR);
	assert_int_equal(SDF_GenerateAgreementDataWithECC(sponsor, 0, 128, id, 16, &pub, &tmp, &k), SDR_INARGERR);
	/* bad public keys: off the curve (VSM), or not a 256-bit structure (libsdf) */
	bad = pub;
	bad.x[63] ^= 1;
	assert_int_equal(SDF_GenerateAgreementDataAndKeyWithECC(responder, IDX_R, 128, id, 16, id, 16, &bad, &tmp, &rpub,
	                                                        &rtmp, &k),
	                 SDR_KEYERR);
	assert_int_equal(SDF_GenerateAgreementDataAndKeyWithECC(responder, IDX_R, 128, id, 16, id, 16, &pub, &bad, &rpub,
	                                                        &rtmp, &k),
	                 SDR_KEYERR);
	assert_int_equal(SDF_GenerateAgreementDataAndKeyWithECC(responder, IDX_R, 128, id, 16, id, 16, &pub, &tmp, &rpub,
	                                                        &rtmp, &k),
	                 SDR_OK);
	bad = rtmp;
	bad.bits = 255;
	assert_int_equal(SDF_GenerateKeyWithECC(sponsor, id, 16, &rpub, &bad, agr, &k), SDR_KEYERR);
	bad = rtmp;
	bad.y[40] ^= 1;
	assert_int_equal(SDF_GenerateKeyWithECC(sponsor, id, 16, &rpub, &bad, agr, &k), SDR_KEYERR);
	/* the agreement was consumed by the failed call (its ephemeral key serves one exchange) */
	assert_int_equal(SDF_GenerateKeyWithECC(sponsor, id, 16, &rpub, &rtmp, agr, &k), SDR_KEYNOTEXIST);
	/* bad handles: unknown, of another session, a session key's */
	assert_int_equal(SDF_GenerateAgreementDataWithECC(sponsor, IDX_S, 128, id, 16, &pub, &tmp, &agr), SDR_OK);
	assert_int_equal(SDF_GenerateKeyWithECC(sponsor, id, 16, &rpub, &rtmp, (HANDLE)(uintptr_t)0x1234, &k),
	                 SDR_KEYNOTEXIST);
	assert_int_equal(SDF_GenerateKeyWithECC(responder, id, 16, &rpub, &rtmp, agr, &k), SDR_KEYNOTEXIST);
	HANDLE key;
	assert_int_equal(SDF_GenerateAgreementDataAndKeyWithECC(responder, IDX_R, 128, id, 16, id, 16, &pub, &tmp, &rpub,
	                                                        &rtmp, &key),
	                 SDR_OK);
	assert_int_equal(SDF_GenerateKeyWithECC(responder, id, 16, &pub, &tmp, key, &k), SDR_KEYNOTEXIST);
	/* an agreement of a closed session is gone with it */
	assert_int_equal(SDF_GetPrivateKeyAccessRight(s2, IDX_S, (BYTE *)PW, sizeof PW - 1), SDR_OK);
	HANDLE agr2;
	assert_int_equal(SDF_GenerateAgreementDataWithECC(s2, IDX_S, 128, id, 16, &pub, &tmp, &agr2), SDR_OK);
	assert_int_equal(SDF_CloseSession(s2), SDR_OK);
	assert_int_equal(SDF_GenerateKeyWithECC(sponsor, id, 16, &rpub, &rtmp, agr2, &k), SDR_KEYNOTEXIST);
	/* and the sponsor's own agreement still completes */
	assert_int_equal(SDF_GenerateKeyWithECC(sponsor, id, 16, &rpub, &rtmp, agr, &k), SDR_OK);
	assert_int_equal(SDF_DestroyKey(sponsor, k), SDR_OK);
	assert_int_equal(SDF_DestroyKey(responder, key), SDR_OK);
}

static void test_pending_bound(void **state)
{
	(void)state;
	BYTE *id = (BYTE *)"id";
	party s = {.id = id, .idlen = 2}, r = {.id = id, .idlen = 2};
	HANDLE agr[17], ks, kr;
	ECCrefPublicKey pub, tmp;
	/* 16 agreements wait at most; the 17th replaces the oldest */
	for (size_t i = 0; i < 17; i++)
		assert_int_equal(SDF_GenerateAgreementDataWithECC(sponsor, IDX_S, 128, id, 2, &pub, &tmp, &agr[i]), SDR_OK);
	assert_int_equal(SDF_GenerateAgreementDataAndKeyWithECC(responder, IDX_R, 128, id, 2, id, 2, &pub, &tmp, &r.pub,
	                                                        &r.tmp, &kr),
	                 SDR_OK);
	assert_int_equal(SDF_GenerateKeyWithECC(sponsor, id, 2, &r.pub, &r.tmp, agr[0], &ks), SDR_KEYNOTEXIST);
	assert_int_equal(SDF_GenerateKeyWithECC(sponsor, id, 2, &r.pub, &r.tmp, agr[16], &ks), SDR_OK);
	assert_true(same_key(ks, kr, 128));
	for (size_t i = 1; i < 16; i++) {
		assert_int_equal(SDF_GenerateKeyWithECC(sponsor, id, 2, &r.pub, &r.tmp, agr[i], &ks), SDR_OK);
		assert_int_equal(SDF_DestroyKey(sponsor, ks), SDR_OK);
	}
	agree(128, &s, &r, r.id, r.idlen, &ks, &kr);
	assert_true(same_key(ks, kr, 128));
}

static void test_envelope_openssl(void **state)
{
	(void)state;
	const char *msg = "a session key, re-enveloped for an OpenSSL key";
	const size_t n = strlen(msg);
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
	unsigned char pt[65], der[4096], out[256];
	size_t ptlen, derlen, outlen = sizeof out;
	assert_true(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt, &ptlen));
	ECCrefPublicKey pub = {.bits = 256}, bad;
	memcpy(pub.x + 32, pt + 1, 32);
	memcpy(pub.y + 32, pt + 33, 32);
	ECCCipher *in = calloc(1, SDF_ECCCIPHER_SIZE(n)), *env = calloc(1, SDF_ECCCIPHER_SIZE(n));
	assert_int_equal(SDF_InternalEncrypt_ECC(sponsor, IDX_S, SGD_SM2_3, (BYTE *)msg, (ULONG)n, in), SDR_OK);
	/* the access right of the decrypting index is needed */
	HANDLE s2;
	assert_int_equal(SDF_OpenSession(dev, &s2), SDR_OK);
	assert_int_equal(SDF_ExchangeDigitEnvelopeBaseOnECC(s2, IDX_S, SGD_SM2_3, &pub, in, env), SDR_PARDENY);
	assert_int_equal(SDF_CloseSession(s2), SDR_OK);
	assert_int_equal(SDF_ExchangeDigitEnvelopeBaseOnECC(sponsor, IDX_S, SGD_SM2_3, &pub, in, env), SDR_OK);
	assert_int_equal(env->L, n);
	assert_memory_not_equal(env->C, in->C, n);
	derlen = oracle_cipher_der(env, der);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	assert_int_equal(EVP_PKEY_decrypt_init(ctx), 1);
	assert_int_equal(EVP_PKEY_decrypt(ctx, out, &outlen, der, derlen), 1);
	assert_int_equal(outlen, n);
	assert_memory_equal(out, msg, n);
	EVP_PKEY_CTX_free(ctx);
	/* in place (pucEncDataIn == pucEncDataOut) to the responder's index, which opens it */
	ECCrefPublicKey rpub;
	BYTE back[256];
	ULONG backlen = 0;
	assert_int_equal(SDF_ExportEncPublicKey_ECC(responder, IDX_R, &rpub), SDR_OK);
	assert_int_equal(SDF_ExchangeDigitEnvelopeBaseOnECC(sponsor, IDX_S, SGD_SM2_3, &rpub, in, in), SDR_OK);
	assert_int_equal(SDF_InternalDecrypt_ECC(responder, IDX_R, SGD_SM2_3, in, back, &backlen), SDR_OK);
	assert_int_equal(backlen, n);
	assert_memory_equal(back, msg, n);
	/* errors: not for this index now, tampered, bad key, algorithm */
	assert_int_equal(SDF_ExchangeDigitEnvelopeBaseOnECC(sponsor, IDX_S, SGD_SM2_3, &pub, in, env), SDR_ENCDATAERR);
	assert_int_equal(SDF_ExchangeDigitEnvelopeBaseOnECC(sponsor, IDX_R, SGD_SM2_3, &pub, in, env), SDR_PARDENY);
	assert_int_equal(SDF_InternalEncrypt_ECC(sponsor, IDX_S, SGD_SM2_3, (BYTE *)msg, (ULONG)n, in), SDR_OK);
	in->M[5] ^= 1;
	assert_int_equal(SDF_ExchangeDigitEnvelopeBaseOnECC(sponsor, IDX_S, SGD_SM2_3, &pub, in, env), SDR_ENCDATAERR);
	in->M[5] ^= 1;
	bad = pub;
	bad.y[50] ^= 1;
	assert_int_equal(SDF_ExchangeDigitEnvelopeBaseOnECC(sponsor, IDX_S, SGD_SM2_3, &bad, in, env), SDR_KEYERR);
	assert_int_equal(SDF_ExchangeDigitEnvelopeBaseOnECC(sponsor, IDX_S, SGD_SM4_ECB, &pub, in, env),
	                 SDR_ALGNOTSUPPORT);
	assert_int_equal(SDF_ExchangeDigitEnvelopeBaseOnECC(sponsor, IDX_S, SGD_SM2_3, &pub, in, NULL), SDR_OUTARGERR);
	assert_int_equal(SDF_ExchangeDigitEnvelopeBaseOnECC(sponsor, IDX_S, SGD_SM2_3, &pub, in, env), SDR_OK);
	EVP_PKEY_free(key);
	free(in);
	free(env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agreement),
		cmocka_unit_test(test_wrong_id),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_pending_bound),
		cmocka_unit_test(test_envelope_openssl),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

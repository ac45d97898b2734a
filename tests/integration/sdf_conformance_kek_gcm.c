/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vendor extension SDF_AuthEncWithKEK / SDF_AuthDecWithKEK against a running vsmd, through libsdf.so: round
 * trips, interop both ways with the standard path (SDF_ImportKeyWithKEK + SDF_AuthEnc / SDF_AuthDec) on the same
 * wrap, the RFC 8998 vector through a key brought in with SDF_ImportKeyWithWrappedKey_ECC, fresh IVs, tampering
 * (SDR_MACERR, nothing written) and every refusal docs/sdf.md lists. Run by tests/cli/sdf_e2e_test.sh, which
 * creates KEKs at indices 1 and 2 (none at 500) and exports CCSP_SDF_CONF.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ccsp/sdf.h>

#define KEK 1
#define KEK2 2
#define NO_KEK 500
#define IVL SDF_KEK_GCM_IV_SIZE
#define TAGL SDF_KEK_GCM_TAG_SIZE
#define AAD_MAX 65536
#define DATA_MAX ((4u << 20) - 4096)
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

/* A new SM4 key of the device, kept only as its wrap under kek (bits / 8 bytes). */
static ULONG new_wrap(ULONG kek, ULONG bits, BYTE w[32])
{
	HANDLE h = NULL;
	ULONG wl = 0;
	assert_int_equal(SDF_GenerateKeyWithKEK(ses, bits, SGD_SM4_ECB, kek, w, &wl, &h), SDR_OK);
	assert_int_equal(SDF_DestroyKey(ses, h), SDR_OK);
	assert_int_equal(wl, bits / 8);
	return wl;
}

/* A new key of bits bits kept as its sealed wrap under kek (SDF_WRAPPED_KEY_SIZE(bits / 8) bytes). */
static ULONG new_sealed(ULONG kek, ULONG bits, BYTE w[SDF_WRAPPED_ECC_KEY_MAX])
{
	HANDLE h = NULL;
	ULONG wl = 0;
	assert_int_equal(SDF_GenerateKeyWithKEK(ses, bits, SGD_SM4_GCM, kek, w, &wl, &h), SDR_OK);
	assert_int_equal(SDF_DestroyKey(ses, h), SDR_OK);
	assert_int_equal(wl, SDF_WRAPPED_KEY_SIZE(bits / 8));
	return wl;
}

/* The session key of a wrap, SM4-ECB or sealed (told by its length). */
static HANDLE import(BYTE *w, ULONG wl)
{
	HANDLE h = NULL;
	ULONG alg = wl == 16 || wl == 32 ? SGD_SM4_ECB : SGD_SM4_GCM;
	assert_int_equal(SDF_ImportKeyWithKEK(ses, alg, KEK, w, wl, &h), SDR_OK);
	return h;
}

static void fill(BYTE *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (BYTE)(i * 31 + seed);
}

static void test_round_trip(void **state)
{
	(void)state;
	static const ULONG lens[] = {0, 1, 15, 16, 17, 1000, 65536 + 3};
	BYTE w[32], aad[AAD_MAX], iv[IVL], tag[TAGL];
	ULONG wl = new_wrap(KEK, 128, w);
	BYTE *msg = malloc(65536 + 3), *ct = malloc(65536 + 3), *out = malloc(65536 + 3);
	assert_non_null(msg);
	assert_non_null(ct);
	assert_non_null(out);
	fill(aad, sizeof aad, 3);
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		ULONG n = lens[i], ctl = 0, outl = 0, aadl = (ULONG)(i * 7);
		fill(msg, n, (unsigned)i);
		assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, w, wl, aad, aadl, msg, n, iv, ct, &ctl, tag), SDR_OK);
		assert_int_equal(ctl, n);
		assert_int_equal(SDF_AuthDecWithKEK(ses, KEK, w, wl, aad, aadl, iv, ct, n, tag, out, &outl), SDR_OK);
		assert_int_equal(outl, n);
		if (n > 0)
			assert_memory_equal(out, msg, n);
	}
	/* the longest AAD, and none at all (NULL) */
	ULONG ctl = 0, outl = 0;
	assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, w, wl, aad, AAD_MAX, msg, 100, iv, ct, &ctl, tag), SDR_OK);
	assert_int_equal(SDF_AuthDecWithKEK(ses, KEK, w, wl, aad, AAD_MAX, iv, ct, 100, tag, out, &outl), SDR_OK);
	assert_memory_equal(out, msg, 100);
	assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, w, wl, NULL, 0, msg, 100, iv, ct, &ctl, tag), SDR_OK);
	assert_int_equal(SDF_AuthDecWithKEK(ses, KEK, w, wl, NULL, 0, iv, ct, 100, tag, out, &outl), SDR_OK);
	/* empty data may be NULL, as for SDF_AuthEnc */
	assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, w, wl, aad, 5, NULL, 0, iv, ct, &ctl, tag), SDR_OK);
	assert_int_equal(ctl, 0);
	assert_int_equal(SDF_AuthDecWithKEK(ses, KEK, w, wl, aad, 5, iv, NULL, 0, tag, out, &outl), SDR_OK);
	assert_int_equal(outl, 0);
	free(msg);
	free(ct);
	free(out);
}

/* Encrypt one way, decrypt the other; and the same key and IV make the same ciphertext and tag both ways. */
static void test_interop(void **state)
{
	(void)state;
	BYTE w[32], msg[333], aad[21], iv[IVL], iv2[IVL] = {9, 8, 7}, ct[333], ct2[333], tag[TAGL], tag2[TAGL],
	                                        out[333];
	ULONG wl = new_wrap(KEK, 128, w), ctl = 0, outl = 0, tl = TAGL;
	fill(msg, sizeof msg, 1);
	fill(aad, sizeof aad, 2);
	HANDLE h = import(w, wl);
	/* extension -> SDF_ImportKeyWithKEK + SDF_AuthDec */
	assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, w, wl, aad, sizeof aad, msg, sizeof msg, iv, ct, &ctl, tag),
	                 SDR_OK);
	assert_int_equal(
	        SDF_AuthDec(ses, h, SGD_SM4_GCM, iv, IVL, aad, sizeof aad, tag, &tl, ct, sizeof ct, out, &outl),
	        SDR_OK);
	assert_memory_equal(out, msg, sizeof msg);
	assert_int_equal(
	        SDF_AuthEnc(ses, h, SGD_SM4_GCM, iv, IVL, aad, sizeof aad, msg, sizeof msg, ct2, &ctl, tag2, &tl),
	        SDR_OK);
	assert_memory_equal(ct2, ct, sizeof ct);
	assert_memory_equal(tag2, tag, TAGL);
	/* SDF_AuthEnc -> extension */
	assert_int_equal(
	        SDF_AuthEnc(ses, h, SGD_SM4_GCM, iv2, IVL, aad, sizeof aad, msg, sizeof msg, ct2, &ctl, tag2, &tl),
	        SDR_OK);
	memset(out, 0, sizeof out);
	assert_int_equal(SDF_AuthDecWithKEK(ses, KEK, w, wl, aad, sizeof aad, iv2, ct2, sizeof ct2, tag2, out, &outl),
	                 SDR_OK);
	assert_int_equal(outl, sizeof msg);
	assert_memory_equal(out, msg, sizeof msg);
	/* empty data, both ways */
	assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, w, wl, aad, 3, NULL, 0, iv, ct, &ctl, tag), SDR_OK);
	assert_int_equal(SDF_AuthDec(ses, h, SGD_SM4_GCM, iv, IVL, aad, 3, tag, &tl, NULL, 0, out, &outl), SDR_OK);
	assert_int_equal(SDF_DestroyKey(ses, h), SDR_OK);
}

/* RFC 8998 Appendix A.1 (SM4-GCM), its key brought in SM2-encrypted to an import key (BYOK): the extension opens the
 * published ciphertext, and refuses it with a bit of its ciphertext, tag, IV or AAD changed. */
static const BYTE R_KEY[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                               0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};
static const BYTE R_IV[12] = {0x00, 0x00, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00, 0x00, 0xab, 0xcd};
static const BYTE R_AAD[20] = {0xfe, 0xed, 0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xfe, 0xed,
                               0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xab, 0xad, 0xda, 0xd2};
static const BYTE R_CT[64] = {0x17, 0xf3, 0x99, 0xf0, 0x8c, 0x67, 0xd5, 0xee, 0x19, 0xd0, 0xdc, 0x99, 0x69,
                              0xc4, 0xbb, 0x7d, 0x5f, 0xd4, 0x6f, 0xd3, 0x75, 0x64, 0x89, 0x06, 0x91, 0x57,
                              0xb2, 0x82, 0xbb, 0x20, 0x07, 0x35, 0xd8, 0x27, 0x10, 0xca, 0x5c, 0x22, 0xf0,
                              0xcc, 0xfa, 0x7c, 0xbf, 0x93, 0xd4, 0x96, 0xac, 0x15, 0xa5, 0x68, 0x34, 0xcb,
                              0xcf, 0x98, 0xc3, 0x97, 0xb4, 0x02, 0x4a, 0x26, 0x91, 0x23, 0x3b, 0x8d};
static const BYTE R_TAG[16] = {0x83, 0xde, 0x35, 0x41, 0xe4, 0xc2, 0xb5, 0x81,
                               0x77, 0xe0, 0x65, 0xa9, 0xbf, 0x7b, 0x62, 0xec};

static void r_plaintext(BYTE pt[64])
{
	static const BYTE rows[] = {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0xee, 0xaa};
	for (size_t i = 0; i < 64; i++)
		pt[i] = rows[i / 8];
}

static void test_known_answer(void **state)
{
	(void)state;
	ECCrefPublicKey ipub;
	BYTE iw[SDF_WRAPPED_ECC_KEY_MAX], w[SDF_WRAPPED_ECC_KEY_MAX], key[16], iv[12], aad[20], ct[64], tag[16], pt[64],
	        out[64];
	ULONG iwl = 0, wl = 0, outl = 0;
	ECCCipher *c = calloc(1, SDF_ECCCIPHER_SIZE(16));
	assert_non_null(c);
	memcpy(key, R_KEY, 16);
	assert_int_equal(SDF_GenerateKeyPairWithKEK_ECC(ses, SGD_SM2_3, KEK, &ipub, iw, &iwl), SDR_OK);
	assert_int_equal(SDF_ExternalEncrypt_ECC(ses, SGD_SM2_3, &ipub, key, 16, c), SDR_OK);
	assert_int_equal(SDF_ImportKeyWithWrappedKey_ECC(ses, KEK, iw, iwl, SDF_KEY_KIND_SM4, c, NULL, NULL, w, &wl),
	                 SDR_OK);
	assert_int_equal(wl, SDF_WRAPPED_KEY_SIZE(16)); /* sealed */
	free(c);
	memcpy(iv, R_IV, 12);
	memcpy(aad, R_AAD, 20);
	memcpy(ct, R_CT, 64);
	memcpy(tag, R_TAG, 16);
	r_plaintext(pt);
	assert_int_equal(SDF_AuthDecWithKEK(ses, KEK, w, wl, aad, 20, iv, ct, 64, tag, out, &outl), SDR_OK);
	assert_int_equal(outl, 64);
	assert_memory_equal(out, pt, 64);
	/* one bit of the ciphertext, tag, IV or AAD changed */
	BYTE *parts[] = {ct, tag, iv, aad};
	size_t at[] = {63, 0, 11, 19};
	for (size_t i = 0; i < 4; i++) {
		parts[i][at[i]] ^= 0x80;
		assert_int_equal(SDF_AuthDecWithKEK(ses, KEK, w, wl, aad, 20, iv, ct, 64, tag, out, &outl), SDR_MACERR);
		parts[i][at[i]] ^= 0x80;
	}
	/* and the extension's own encryption with that key opens with the standard path */
	HANDLE h = import(w, wl);
	ULONG ctl = 0, tl = TAGL;
	assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, w, wl, aad, 20, pt, 64, iv, ct, &ctl, tag), SDR_OK);
	assert_int_equal(SDF_AuthDec(ses, h, SGD_SM4_GCM, iv, IVL, aad, 20, tag, &tl, ct, 64, out, &outl), SDR_OK);
	assert_memory_equal(out, pt, 64);
	assert_int_equal(SDF_DestroyKey(ses, h), SDR_OK);
}

/* Two encryptions of the same message: different IVs, hence different ciphertexts and tags. */
static void test_fresh_iv(void **state)
{
	(void)state;
	BYTE w[32], msg[64] = {0}, iv[4][IVL], ct[4][64], tag[4][TAGL];
	ULONG wl = new_wrap(KEK, 128, w), ctl = 0;
	for (int i = 0; i < 4; i++)
		assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, w, wl, NULL, 0, msg, 64, iv[i], ct[i], &ctl, tag[i]),
		                 SDR_OK);
	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++) {
			assert_memory_not_equal(iv[i], iv[j], IVL);
			assert_memory_not_equal(ct[i], ct[j], 64);
			assert_memory_not_equal(tag[i], tag[j], TAGL);
		}
}

/* A refused decryption writes neither plaintext nor length. */
static void assert_refused(LONG want, BYTE *w, ULONG wl, BYTE *aad, ULONG aadl, BYTE *iv, BYTE *ct, ULONG n, BYTE *tag,
                           ULONG kek)
{
	BYTE out[64];
	ULONG outl = 0xa5a5a5a5;
	memset(out, 0xa5, sizeof out);
	assert_int_equal(SDF_AuthDecWithKEK(ses, kek, w, wl, aad, aadl, iv, ct, n, tag, out, &outl), want);
	assert_int_equal(outl, 0xa5a5a5a5);
	for (size_t i = 0; i < sizeof out; i++)
		assert_int_equal(out[i], 0xa5);
}

static void test_tamper(void **state)
{
	(void)state;
	BYTE w[32], msg[64], aad[16], iv[IVL], ct[64], tag[TAGL], out[64];
	ULONG wl = new_wrap(KEK, 128, w), ctl = 0, outl = 0;
	fill(msg, sizeof msg, 5);
	fill(aad, sizeof aad, 6);
	assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, w, wl, aad, sizeof aad, msg, 64, iv, ct, &ctl, tag), SDR_OK);
	/* every byte of ciphertext, tag, IV and AAD, one at a time */
	struct {
		BYTE *p;
		size_t n;
	} parts[] = {{ct, sizeof ct}, {tag, sizeof tag}, {iv, sizeof iv}, {aad, sizeof aad}};
	for (size_t i = 0; i < 4; i++)
		for (size_t j = 0; j < parts[i].n; j++) {
			parts[i].p[j] ^= (BYTE)(1u << (j % 8));
			assert_refused(SDR_MACERR, w, wl, aad, sizeof aad, iv, ct, 64, tag, KEK);
			parts[i].p[j] ^= (BYTE)(1u << (j % 8));
		}
	/* AAD or ciphertext cut short, AAD left out */
	assert_refused(SDR_MACERR, w, wl, aad, sizeof aad - 1, iv, ct, 64, tag, KEK);
	assert_refused(SDR_MACERR, w, wl, NULL, 0, iv, ct, 64, tag, KEK);
	assert_refused(SDR_MACERR, w, wl, aad, sizeof aad, iv, ct, 63, tag, KEK);
	/* the SM4-ECB wrap has no integrity: altered, or opened by another KEK, it is another key */
	w[3] ^= 1;
	assert_refused(SDR_MACERR, w, wl, aad, sizeof aad, iv, ct, 64, tag, KEK);
	w[3] ^= 1;
	assert_refused(SDR_MACERR, w, wl, aad, sizeof aad, iv, ct, 64, tag, KEK2);
	/* all put back, it opens */
	assert_int_equal(SDF_AuthDecWithKEK(ses, KEK, w, wl, aad, sizeof aad, iv, ct, 64, tag, out, &outl), SDR_OK);
	assert_memory_equal(out, msg, 64);
}

/* What sealed made opens. */
static void assert_opens(BYTE *w, ULONG wl, BYTE *aad, BYTE *iv, BYTE *ct, BYTE *tag, const BYTE msg[32])
{
	BYTE out[32];
	ULONG outl = 0;
	assert_int_equal(SDF_AuthDecWithKEK(ses, KEK, w, wl, aad, 8, iv, ct, 32, tag, out, &outl), SDR_OK);
	assert_int_equal(outl, 32);
	assert_memory_equal(out, msg, 32);
}

/* A fresh wrap under KEK (its length into *wl) and msg (32 bytes) sealed with it: iv, ct, tag. */
static void sealed(BYTE w[32], ULONG *wl, BYTE msg[32], BYTE aad[8], BYTE iv[IVL], BYTE ct[32], BYTE tag[TAGL])
{
	ULONG ctl = 0;
	*wl = new_wrap(KEK, 128, w);
	fill(msg, 32, 7);
	fill(aad, 8, 8);
	assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, w, *wl, aad, 8, msg, 32, iv, ct, &ctl, tag), SDR_OK);
}

/* The KEK and the wrap refused: both calls answer alike, and decryption writes nothing. */
static void test_wrap_refusals(void **state)
{
	(void)state;
	BYTE w[32], w256[32], msg[32], aad[8], iv[IVL], ct[32], tag[TAGL], big[SDF_WRAPPED_ECC_KEY_MAX + 1];
	ULONG wl = 0, wl256 = new_wrap(KEK, 256, w256), ctl = 0;
	sealed(w, &wl, msg, aad, iv, ct, tag);
	/* no KEK there; index out of range */
	assert_int_equal(SDF_AuthEncWithKEK(ses, NO_KEK, w, wl, aad, 8, msg, 32, iv, ct, &ctl, tag), SDR_KEYNOTEXIST);
	assert_refused(SDR_KEYNOTEXIST, w, wl, aad, 8, iv, ct, 32, tag, NO_KEK);
	assert_int_equal(SDF_AuthEncWithKEK(ses, 0, w, wl, aad, 8, msg, 32, iv, ct, &ctl, tag), SDR_INARGERR);
	assert_refused(SDR_INARGERR, w, wl, aad, 8, iv, ct, 32, tag, 0);
	/* wrap lengths: 0 and over 64 (libsdf), not 16 or 32 (as SDF_ImportKeyWithKEK), 32 (not an SM4 key) */
	memset(big, 0, sizeof big);
	memcpy(big, w, wl);
	static const ULONG bad[] = {0, SDF_WRAPPED_ECC_KEY_MAX + 1, 1, 15, 17, 31, 33, SDF_WRAPPED_ECC_KEY_MAX};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, big, bad[i], aad, 8, msg, 32, iv, ct, &ctl, tag),
		                 SDR_INARGERR);
		assert_refused(SDR_INARGERR, big, bad[i], aad, 8, iv, ct, 32, tag, KEK);
	}
	assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, w256, wl256, aad, 8, msg, 32, iv, ct, &ctl, tag), SDR_KEYTYPEERR);
	assert_refused(SDR_KEYTYPEERR, w256, wl256, aad, 8, iv, ct, 32, tag, KEK);
	assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, NULL, wl, aad, 8, msg, 32, iv, ct, &ctl, tag), SDR_INARGERR);
	assert_refused(SDR_INARGERR, NULL, wl, aad, 8, iv, ct, 32, tag, KEK);
	assert_opens(w, wl, aad, iv, ct, tag, msg);
}

/* The sealed wrap (SGD_SM4_GCM): the same key both ways, and any change to it is refused, where an SM4-ECB wrap
 * changed opens to another key (test_wrap_refusals). */
static void test_sealed_wrap(void **state)
{
	(void)state;
	BYTE w[SDF_WRAPPED_ECC_KEY_MAX], w256[SDF_WRAPPED_ECC_KEY_MAX], pw[SDF_WRAPPED_ECC_KEY_MAX], msg[32], aad[8],
	        iv[IVL], ct[32], tag[TAGL], out[32];
	ULONG wl = new_sealed(KEK, 128, w), wl256 = new_sealed(KEK, 256, w256), pwl = 0, ctl = 0, outl = 0;
	ECCrefPublicKey pub;
	HANDLE h = NULL;
	fill(msg, sizeof msg, 9);
	fill(aad, sizeof aad, 4);
	/* with the extension, and through SDF_ImportKeyWithKEK(SGD_SM4_GCM) + SDF_AuthDec */
	assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, w, wl, aad, 8, msg, 32, iv, ct, &ctl, tag), SDR_OK);
	assert_opens(w, wl, aad, iv, ct, tag, msg);
	h = import(w, wl);
	ULONG tagl = TAGL;
	assert_int_equal(SDF_AuthDec(ses, h, SGD_SM4_GCM, iv, IVL, aad, 8, tag, &tagl, ct, 32, out, &outl), SDR_OK);
	assert_memory_equal(out, msg, 32);
	assert_int_equal(SDF_DestroyKey(ses, h), SDR_OK);
	/* a 256-bit sealed key imports (an XTS or HMAC key) but is no SM4-GCM key */
	assert_int_equal(SDF_DestroyKey(ses, import(w256, wl256)), SDR_OK);
	assert_refused(SDR_KEYTYPEERR, w256, wl256, aad, 8, iv, ct, 32, tag, KEK);
	/* the wrap's form is the one uiAlgID names */
	assert_int_equal(SDF_ImportKeyWithKEK(ses, SGD_SM4_ECB, KEK, w, wl, &h), SDR_INARGERR);
	assert_int_equal(SDF_ImportKeyWithKEK(ses, SGD_SM4_CBC, KEK, w, wl, &h), SDR_ALGNOTSUPPORT);
	/* every byte changed, another KEK, an SM2 pair's wrap of the same length: refused by both paths */
	for (ULONG i = 0; i < wl; i++) {
		w[i] ^= 0x01;
		assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, w, wl, aad, 8, msg, 32, iv, ct, &ctl, tag), SDR_KEYERR);
		assert_int_equal(SDF_ImportKeyWithKEK(ses, SGD_SM4_GCM, KEK, w, wl, &h), SDR_KEYERR);
		w[i] ^= 0x01;
	}
	assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, w, wl, aad, 8, msg, 32, iv, ct, &ctl, tag), SDR_OK);
	assert_refused(SDR_KEYERR, w, wl, aad, 8, iv, ct, 32, tag, KEK2);
	assert_int_equal(SDF_GenerateKeyPairWithKEK_ECC(ses, SGD_SM2_1, KEK, &pub, pw, &pwl), SDR_OK);
	assert_int_equal(pwl, wl256);
	assert_int_equal(SDF_ImportKeyWithKEK(ses, SGD_SM4_GCM, KEK, pw, pwl, &h), SDR_KEYERR);
	assert_refused(SDR_KEYERR, pw, pwl, aad, 8, iv, ct, 32, tag, KEK);
	assert_opens(w, wl, aad, iv, ct, tag, msg);
}

/* NULL arguments and lengths over their bounds, in and out. */
static void test_argument_refusals(void **state)
{
	(void)state;
	BYTE w[32], msg[32], aad[8], iv[IVL], ct[32], tag[TAGL], out[32];
	ULONG wl = 0, ctl = 0, outl = 0;
	sealed(w, &wl, msg, aad, iv, ct, tag);
	assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, w, wl, NULL, 8, msg, 32, iv, ct, &ctl, tag), SDR_INARGERR);
	assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, w, wl, aad, 8, NULL, 32, iv, ct, &ctl, tag), SDR_INARGERR);
	assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, w, wl, aad, AAD_MAX + 1, msg, 32, iv, ct, &ctl, tag),
	                 SDR_INARGERR);
	assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, w, wl, aad, 8, msg, DATA_MAX + 1, iv, ct, &ctl, tag),
	                 SDR_INARGERR);
	assert_refused(SDR_INARGERR, w, wl, NULL, 8, iv, ct, 32, tag, KEK);
	assert_refused(SDR_INARGERR, w, wl, aad, 8, NULL, ct, 32, tag, KEK);
	assert_refused(SDR_INARGERR, w, wl, aad, 8, iv, NULL, 32, tag, KEK);
	assert_refused(SDR_INARGERR, w, wl, aad, 8, iv, ct, 32, NULL, KEK);
	assert_refused(SDR_INARGERR, w, wl, aad, AAD_MAX + 1, iv, ct, 32, tag, KEK);
	assert_refused(SDR_INARGERR, w, wl, aad, 8, iv, ct, DATA_MAX + 1, tag, KEK);
	assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, w, wl, aad, 8, msg, 32, NULL, ct, &ctl, tag), SDR_OUTARGERR);
	assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, w, wl, aad, 8, msg, 32, iv, NULL, &ctl, tag), SDR_OUTARGERR);
	assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, w, wl, aad, 8, msg, 32, iv, ct, NULL, tag), SDR_OUTARGERR);
	assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, w, wl, aad, 8, msg, 32, iv, ct, &ctl, NULL), SDR_OUTARGERR);
	assert_int_equal(SDF_AuthDecWithKEK(ses, KEK, w, wl, aad, 8, iv, ct, 32, tag, NULL, &outl), SDR_OUTARGERR);
	assert_int_equal(SDF_AuthDecWithKEK(ses, KEK, w, wl, aad, 8, iv, ct, 32, tag, out, NULL), SDR_OUTARGERR);
	assert_int_equal(SDF_AuthEncWithKEK(NULL, KEK, w, wl, aad, 8, msg, 32, iv, ct, &ctl, tag), SDR_OPENSESSION);
	assert_int_equal(SDF_AuthDecWithKEK(NULL, KEK, w, wl, aad, 8, iv, ct, 32, tag, out, &outl), SDR_OPENSESSION);
	assert_opens(w, wl, aad, iv, ct, tag, msg);
}

/* Data and AAD each within their bounds but together over one request: SDR_NOBUFFER, as for SDF_AuthEnc. */
static void test_frame_limit(void **state)
{
	(void)state;
	BYTE w[32], iv[IVL], tag[TAGL];
	ULONG wl = new_wrap(KEK, 128, w), ctl = 0, outl = 0;
	BYTE *in = calloc(1, DATA_MAX), *out = malloc(DATA_MAX);
	assert_non_null(in);
	assert_non_null(out);
	assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, w, wl, in, AAD_MAX, in, DATA_MAX, iv, out, &ctl, tag),
	                 SDR_NOBUFFER);
	assert_int_equal(SDF_AuthEncWithKEK(ses, KEK, w, wl, in, 1000, in, DATA_MAX, iv, out, &ctl, tag), SDR_OK);
	assert_int_equal(ctl, DATA_MAX);
	assert_int_equal(SDF_AuthDecWithKEK(ses, KEK, w, wl, in, AAD_MAX, iv, out, DATA_MAX, tag, in, &outl),
	                 SDR_NOBUFFER);
	assert_int_equal(SDF_AuthDecWithKEK(ses, KEK, w, wl, in, 1000, iv, out, DATA_MAX, tag, in, &outl), SDR_OK);
	assert_int_equal(outl, DATA_MAX);
	free(in);
	free(out);
}
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_interop),
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_fresh_iv),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_wrap_refusals),
		cmocka_unit_test(test_sealed_wrap),
		cmocka_unit_test(test_argument_refusals),
		cmocka_unit_test(test_frame_limit),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

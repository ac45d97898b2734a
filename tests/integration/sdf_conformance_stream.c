/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SDF conformance of the GM/T 0018-2023 multi-part symmetric functions (6.5.7-6.5.21) and the external-key
 * functions (6.8) against a running vsmd, through libsdf.so. Run by tests/cli/sdf_e2e_test.sh (keys at index 1,
 * CCSP_SDF_CONF exported). Properties: multi-part equals one-shot (SDF_Encrypt, SDF_CalculateMAC, SDF_AuthEnc)
 * for random data cut at random points, every mode; OpenSSL is the oracle for the external-key functions;
 * out-of-order calls are SDR_STEPERR; a bad GCM tag releases no plaintext; sessions are independent.
 * The random seed is printed; set CCSP_TEST_SEED to replay a run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <ccsp/sdf.h>

#define IDX 1
#define ROUNDS 24      /* random cases per mode */
#define MAX_LEN 1500   /* bytes of a random case */
#define MAX_PIECES 8
#define BIG ((4u << 20) + 48) /* more than one frame (CCSP_SDF_MAX_DATA): libsdf splits */

static HANDLE dev, ses, key; /* key: an SM4 session key of ses */
static uint64_t rng;

static const ULONG MODES[] = {SGD_SM4_ECB, SGD_SM4_CBC, SGD_SM4_CFB, SGD_SM4_OFB, SGD_SM4_CTR};
#define NMODES (sizeof MODES / sizeof MODES[0])

typedef LONG (*update_fn)(HANDLE, BYTE *, ULONG, BYTE *, ULONG *);
typedef LONG (*final_fn)(HANDLE, BYTE *, ULONG *);

static uint32_t rnd(void)
{
	rng ^= rng << 13; /* xorshift64 */
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32);
}

static size_t below(size_t n)
{
	return n == 0 ? 0 : rnd() % n;
}

static void fill(BYTE *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (BYTE)rnd();
}

static int is_block(ULONG mode)
{
	return mode == SGD_SM4_ECB || mode == SGD_SM4_CBC;
}

/* A random length for mode: a non-zero multiple of 16 for ECB and CBC, anything from 1 for the others. */
static size_t rand_len(ULONG mode, size_t max)
{
	size_t len = 1 + below(max);
	return is_block(mode) ? (len + 15) / 16 * 16 : len;
}

/* Cut len into 1..MAX_PIECES pieces at random points (empty pieces included). */
static size_t cuts(size_t len, size_t piece[MAX_PIECES])
{
	size_t n = 1 + below(MAX_PIECES), left = len;
	for (size_t i = 0; i + 1 < n; i++) {
		piece[i] = below(left + 1);
		left -= piece[i];
	}
	piece[n - 1] = left;
	return n;
}

static int setup(void **state)
{
	(void)state;
	BYTE wrapped[32];
	ULONG wl = 0;
	const char *seed = getenv("CCSP_TEST_SEED");
	rng = seed != NULL ? strtoull(seed, NULL, 0) : (uint64_t)time(NULL);
	rng = rng == 0 ? 1 : rng;
	printf("seed=%llu\n", (unsigned long long)rng);
	if (SDF_OpenDevice(&dev) != SDR_OK || SDF_OpenSession(dev, &ses) != SDR_OK)
		return -1;
	return SDF_GenerateKeyWithKEK(ses, 128, SGD_SM4_ECB, IDX, wrapped, &wl, &key) == SDR_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	SDF_CloseSession(ses);
	SDF_CloseDevice(dev);
	return 0;
}

/* Feed in through up at random cuts, then fin. Checks each Update's output size; returns the total output. */
static size_t run_updates(HANDLE s, update_fn up, final_fn fin, int block, const BYTE *in, size_t len, BYTE *out)
{
	size_t piece[MAX_PIECES], n = cuts(len, piece), off = 0, got = 0;
	BYTE last[16];
	ULONG ol;
	for (size_t i = 0; i < n; i++) {
		ol = 0xFFFFFFFF;
		assert_int_equal(up(s, (BYTE *)in + off, (ULONG)piece[i], out + got, &ol), SDR_OK);
		assert_true(ol <= piece[i] + 15);
		if (block)
			assert_int_equal(ol % 16, 0);
		else
			assert_int_equal(ol, piece[i]);
		off += piece[i];
		got += ol;
	}
	ol = 0xFFFFFFFF;
	assert_int_equal(fin(s, last, &ol), SDR_OK);
	assert_int_equal(ol, 0); /* no padding: Final has nothing left to write */
	return got;
}

/* ---- Encrypt / Decrypt ---- */

static void test_cipher_equals_one_shot(void **state)
{
	(void)state;
	static BYTE pt[MAX_LEN + 16], ct[MAX_LEN + 16], multi[MAX_LEN + 32], back[MAX_LEN + 32];
	BYTE iv[16];
	ULONG ctl = 0;
	for (size_t m = 0; m < NMODES; m++) {
		for (int r = 0; r < ROUNDS; r++) {
			size_t len = rand_len(MODES[m], MAX_LEN);
			fill(pt, len);
			fill(iv, sizeof iv);
			assert_int_equal(SDF_Encrypt(ses, key, MODES[m], iv, pt, (ULONG)len, ct, &ctl), SDR_OK);
			assert_int_equal(SDF_EncryptInit(ses, key, MODES[m], iv, 16), SDR_OK);
			assert_int_equal(run_updates(ses, SDF_EncryptUpdate, SDF_EncryptFinal, is_block(MODES[m]), pt, len,
			                             multi), len);
			assert_memory_equal(multi, ct, len);
			assert_int_equal(SDF_DecryptInit(ses, key, MODES[m], iv, 16), SDR_OK);
			assert_int_equal(run_updates(ses, SDF_DecryptUpdate, SDF_DecryptFinal, is_block(MODES[m]), ct, len,
			                             back), len);
			assert_memory_equal(back, pt, len);
		}
	}
	/* ECB takes no IV */
	assert_int_equal(SDF_EncryptInit(ses, key, SGD_SM4_ECB, NULL, 0), SDR_OK);
	assert_int_equal(run_updates(ses, SDF_EncryptUpdate, SDF_EncryptFinal, 1, pt, 32, multi), 32);
	assert_int_equal(SDF_Encrypt(ses, key, SGD_SM4_ECB, NULL, pt, 32, ct, &ctl), SDR_OK);
	assert_memory_equal(multi, ct, 32);
}

static void test_cipher_errors(void **state)
{
	(void)state;
	BYTE iv[16] = {1}, in[64] = {2}, out[96], wrapped[32];
	ULONG ol = 0, wl = 0;
	HANDLE xts;
	/* a partial ECB/CBC block left at Final: SDR_INARGERR, and the operation is gone */
	for (int i = 0; i < 2; i++) {
		ULONG mode = i == 0 ? SGD_SM4_ECB : SGD_SM4_CBC;
		assert_int_equal(SDF_EncryptInit(ses, key, mode, iv, 16), SDR_OK);
		assert_int_equal(SDF_EncryptUpdate(ses, in, 20, out, &ol), SDR_OK);
		assert_int_equal(ol, 16);
		assert_int_equal(SDF_EncryptUpdate(ses, in, 11, out, &ol), SDR_OK);
		assert_int_equal(ol, 0);
		assert_int_equal(SDF_EncryptFinal(ses, out, &ol), SDR_INARGERR);
		assert_int_equal(SDF_EncryptUpdate(ses, in, 16, out, &ol), SDR_STEPERR);
		assert_int_equal(SDF_DecryptInit(ses, key, mode, iv, 16), SDR_OK);
		assert_int_equal(SDF_DecryptUpdate(ses, in, 15, out, &ol), SDR_OK);
		assert_int_equal(SDF_DecryptFinal(ses, out, &ol), SDR_INARGERR);
	}
	assert_int_equal(SDF_EncryptInit(ses, key, SGD_SM4_CBC, NULL, 0), SDR_INARGERR);    /* CBC needs an IV */
	assert_int_equal(SDF_EncryptInit(ses, key, SGD_SM4_CBC, iv, 17), SDR_INARGERR);
	assert_int_equal(SDF_EncryptInit(ses, key, SGD_SM4_MAC, iv, 16), SDR_ALGNOTSUPPORT);
	assert_int_equal(SDF_EncryptInit(ses, key, SGD_SM4_GCM, iv, 16), SDR_ALGNOTSUPPORT);
	assert_int_equal(SDF_EncryptInit(ses, key, 0x12345, iv, 16), SDR_ALGNOTSUPPORT);
	assert_int_equal(SDF_GenerateKeyWithKEK(ses, 256, SGD_SM4_ECB, IDX, wrapped, &wl, &xts), SDR_OK);
	assert_int_equal(SDF_EncryptInit(ses, xts, SGD_SM4_XTS, iv, 16), SDR_ALGNOTSUPPORT); /* one-shot only */
	assert_int_equal(SDF_EncryptInit(ses, xts, SGD_SM4_CBC, iv, 16), SDR_KEYTYPEERR);
	assert_int_equal(SDF_DestroyKey(ses, xts), SDR_OK);
	assert_int_equal(SDF_EncryptInit(ses, xts, SGD_SM4_CBC, iv, 16), SDR_KEYNOTEXIST);
	assert_int_equal(SDF_EncryptUpdate(ses, in, 16, NULL, &ol), SDR_OUTARGERR);
	assert_int_equal(SDF_EncryptUpdate(ses, NULL, 16, out, &ol), SDR_INARGERR);
}

/* ---- CalculateMAC ---- */

static void test_mac_equals_one_shot(void **state)
{
	(void)state;
	static BYTE in[MAX_LEN + 16];
	BYTE iv[16], mac[16], mac2[16];
	ULONG ml = 0;
	for (int r = 0; r < 2 * ROUNDS; r++) {
		size_t len = rand_len(SGD_SM4_CBC, MAX_LEN), piece[MAX_PIECES], n = cuts(len, piece), off = 0;
		fill(in, len);
		fill(iv, sizeof iv);
		assert_int_equal(SDF_CalculateMAC(ses, key, SGD_SM4_MAC, iv, in, (ULONG)len, mac, &ml), SDR_OK);
		assert_int_equal(SDF_CalculateMACInit(ses, key, SGD_SM4_MAC, iv, 16), SDR_OK);
		for (size_t i = 0; i < n; off += piece[i++])
			assert_int_equal(SDF_CalculateMACUpdate(ses, in + off, (ULONG)piece[i]), SDR_OK);
		ml = 0;
		assert_int_equal(SDF_CalculateMACFinal(ses, mac2, &ml), SDR_OK);
		assert_int_equal(ml, 16);
		assert_memory_equal(mac, mac2, 16);
	}
	assert_int_equal(SDF_CalculateMACInit(ses, key, SGD_SM4_MAC, iv, 16), SDR_OK);
	assert_int_equal(SDF_CalculateMACUpdate(ses, in, 17), SDR_OK);
	assert_int_equal(SDF_CalculateMACFinal(ses, mac2, &ml), SDR_INARGERR); /* a partial block */
	assert_int_equal(SDF_CalculateMACInit(ses, key, SGD_SM4_MAC, iv, 16), SDR_OK);
	assert_int_equal(SDF_CalculateMACFinal(ses, mac2, &ml), SDR_INARGERR); /* no data */
	assert_int_equal(SDF_CalculateMACFinal(ses, mac2, &ml), SDR_STEPERR);
	assert_int_equal(SDF_CalculateMACInit(ses, key, SGD_SM4_MAC, NULL, 0), SDR_INARGERR);
	assert_int_equal(SDF_CalculateMACInit(ses, key, SGD_SM4_CTR, iv, 16), SDR_ALGNOTSUPPORT);
}

/* ---- AuthEnc / AuthDec ---- */

/* Multi-part AuthDec of ct: every Update writes nothing, Final the whole plaintext. Returns Final's status. */
static LONG auth_dec_multi(HANDLE s, HANDLE k, const BYTE *iv, ULONG ivlen, const BYTE *aad, ULONG aadlen,
                           const BYTE *tag, const BYTE *ct, size_t len, BYTE *out, ULONG *outlen)
{
	size_t piece[MAX_PIECES], n = cuts(len, piece), off = 0;
	ULONG ol;
	assert_int_equal(SDF_AuthDecInit(s, k, SGD_SM4_GCM, (BYTE *)iv, ivlen, (BYTE *)aad, aadlen, (BYTE *)tag, 16,
	                                 (ULONG)len),
	                 SDR_OK);
	for (size_t i = 0; i < n; off += piece[i++]) {
		ol = 0xFFFFFFFF;
		assert_int_equal(SDF_AuthDecUpdate(s, (BYTE *)ct + off, (ULONG)piece[i], out, &ol), SDR_OK);
		assert_int_equal(ol, 0); /* nothing before the tag is checked */
	}
	return SDF_AuthDecFinal(s, out, outlen);
}

static void test_gcm_equals_one_shot(void **state)
{
	(void)state;
	static BYTE pt[MAX_LEN], ct[MAX_LEN], multi[MAX_LEN + 16], back[MAX_LEN];
	static const ULONG ivlens[] = {12, 16, 1, 64};
	BYTE iv[64], aad[300], tag[16], tag2[16], last[16];
	ULONG ctl = 0, tl = 0, ol = 0;
	for (int r = 0; r < 2 * ROUNDS; r++) {
		size_t len = below(MAX_LEN + 1), aadlen = below(sizeof aad + 1), piece[MAX_PIECES], n = cuts(len, piece);
		size_t off = 0, got = 0;
		ULONG ivlen = ivlens[r % 4];
		fill(pt, len);
		fill(iv, ivlen);
		fill(aad, aadlen);
		assert_int_equal(SDF_AuthEnc(ses, key, SGD_SM4_GCM, iv, ivlen, aad, (ULONG)aadlen, pt, (ULONG)len, ct, &ctl,
		                             tag, &tl),
		                 SDR_OK);
		assert_int_equal(SDF_AuthEncInit(ses, key, SGD_SM4_GCM, iv, ivlen, aad, (ULONG)aadlen, (ULONG)len), SDR_OK);
		for (size_t i = 0; i < n; off += piece[i++]) {
			assert_int_equal(SDF_AuthEncUpdate(ses, pt + off, (ULONG)piece[i], multi + got, &ol), SDR_OK);
			assert_int_equal(ol, piece[i]);
			got += ol;
		}
		ol = tl = 0xFFFFFFFF;
		assert_int_equal(SDF_AuthEncFinal(ses, last, &ol, tag2, &tl), SDR_OK);
		assert_int_equal(ol, 0);
		assert_int_equal(tl, 16);
		assert_memory_equal(multi, ct, len);
		assert_memory_equal(tag2, tag, 16);
		ol = 0xFFFFFFFF;
		assert_int_equal(auth_dec_multi(ses, key, iv, ivlen, aad, (ULONG)aadlen, tag, ct, len, back, &ol), SDR_OK);
		assert_int_equal(ol, len);
		assert_memory_equal(back, pt, len);
	}
}

static void test_gcm_tag_failure(void **state)
{
	(void)state;
	BYTE iv[12] = {3}, aad[7] = "headers", pt[100], ct[100], tag[16], out[100], sentinel[100];
	ULONG ctl = 0, tl = 0, ol = 0;
	fill(pt, sizeof pt);
	assert_int_equal(SDF_AuthEnc(ses, key, SGD_SM4_GCM, iv, 12, aad, 7, pt, 100, ct, &ctl, tag, &tl), SDR_OK);
	memset(sentinel, 0xA5, sizeof sentinel);
	for (int what = 0; what < 3; what++) { /* a bad tag, a changed ciphertext, changed AAD */
		BYTE t[16], c[100], a[7];
		memcpy(t, tag, 16), memcpy(c, ct, 100), memcpy(a, aad, 7);
		if (what == 0)
			t[15] ^= 0x80;
		else if (what == 1)
			c[57] ^= 1;
		else
			a[0] ^= 1;
		memcpy(out, sentinel, sizeof out);
		ol = 0xFFFFFFFF;
		assert_int_equal(auth_dec_multi(ses, key, iv, 12, a, 7, t, c, 100, out, &ol), SDR_MACERR);
		assert_int_equal(ol, 0);
		assert_memory_equal(out, sentinel, sizeof out); /* no plaintext released */
		assert_int_equal(SDF_AuthDecFinal(ses, out, &ol), SDR_STEPERR); /* and none kept */
	}
	ol = 0xFFFFFFFF;
	assert_int_equal(auth_dec_multi(ses, key, iv, 12, aad, 7, tag, ct, 100, out, &ol), SDR_OK);
	assert_int_equal(ol, 100);
	assert_memory_equal(out, pt, 100);
}

static void test_gcm_length_rules(void **state)
{
	(void)state;
	BYTE iv[12] = {4}, tag[16] = {0}, in[64] = {5}, out[96];
	ULONG ol = 0, tl = 0;
	/* the Updates must give exactly the length declared at Init */
	assert_int_equal(SDF_AuthEncInit(ses, key, SGD_SM4_GCM, iv, 12, NULL, 0, 32), SDR_OK);
	assert_int_equal(SDF_AuthEncUpdate(ses, in, 33, out, &ol), SDR_INARGERR);
	assert_int_equal(SDF_AuthEncUpdate(ses, in, 1, out, &ol), SDR_STEPERR);
	assert_int_equal(SDF_AuthEncInit(ses, key, SGD_SM4_GCM, iv, 12, NULL, 0, 32), SDR_OK);
	assert_int_equal(SDF_AuthEncUpdate(ses, in, 31, out, &ol), SDR_OK);
	assert_int_equal(SDF_AuthEncFinal(ses, out, &ol, tag, &tl), SDR_INARGERR);
	assert_int_equal(SDF_AuthDecInit(ses, key, SGD_SM4_GCM, iv, 12, NULL, 0, tag, 16, 32), SDR_OK);
	assert_int_equal(SDF_AuthDecUpdate(ses, in, 33, out, &ol), SDR_INARGERR);
	assert_int_equal(SDF_AuthDecInit(ses, key, SGD_SM4_GCM, iv, 12, NULL, 0, tag, 16, 32), SDR_OK);
	assert_int_equal(SDF_AuthDecUpdate(ses, in, 16, out, &ol), SDR_OK);
	assert_int_equal(SDF_AuthDecFinal(ses, out, &ol), SDR_INARGERR);
	/* what the VSM withholds is bounded (CCSP_VSM_AUTH_DEC_MAX, 16 MiB) */
	assert_int_equal(SDF_AuthDecInit(ses, key, SGD_SM4_GCM, iv, 12, NULL, 0, tag, 16, (16u << 20) + 1),
	                 SDR_NOBUFFER);
	assert_int_equal(SDF_AuthDecInit(ses, key, SGD_SM4_GCM, iv, 12, NULL, 0, tag, 12, 32), SDR_INARGERR);
	assert_int_equal(SDF_AuthDecInit(ses, key, SGD_SM4_GCM, iv, 12, NULL, 0, NULL, 16, 32), SDR_INARGERR);
	assert_int_equal(SDF_AuthEncInit(ses, key, SGD_SM4_CBC, iv, 12, NULL, 0, 32), SDR_ALGNOTSUPPORT);
	assert_int_equal(SDF_AuthEncInit(ses, key, SGD_SM4_GCM, NULL, 0, NULL, 0, 32), SDR_INARGERR);
}

/* More than one frame each way: libsdf splits the Updates and fetches AuthDecFinal's plaintext in pieces. */
static void test_gcm_big(void **state)
{
	(void)state;
	BYTE *pt = malloc(BIG), *ct = malloc(BIG + 16), *back = malloc(BIG), iv[12] = {6}, tag[16], last[16];
	ULONG ol = 0, tl = 0;
	assert_non_null(pt);
	assert_non_null(ct);
	assert_non_null(back);
	fill(pt, BIG);
	assert_int_equal(SDF_AuthEncInit(ses, key, SGD_SM4_GCM, iv, 12, NULL, 0, BIG), SDR_OK);
	assert_int_equal(SDF_AuthEncUpdate(ses, pt, BIG, ct, &ol), SDR_OK);
	assert_int_equal(ol, BIG);
	assert_int_equal(SDF_AuthEncFinal(ses, last, &ol, tag, &tl), SDR_OK);
	assert_int_equal(SDF_AuthDecInit(ses, key, SGD_SM4_GCM, iv, 12, NULL, 0, tag, 16, BIG), SDR_OK);
	assert_int_equal(SDF_AuthDecUpdate(ses, ct, BIG, back, &ol), SDR_OK);
	assert_int_equal(ol, 0);
	assert_int_equal(SDF_AuthDecFinal(ses, back, &ol), SDR_OK);
	assert_int_equal(ol, BIG);
	assert_memory_equal(back, pt, BIG);
	free(pt);
	free(ct);
	free(back);
}

/* ---- order of calls, sessions ---- */

static void test_steperr(void **state)
{
	(void)state;
	BYTE iv[16] = {7}, in[64] = {8}, out[96], ct[64];
	ULONG ol = 0, cl = 0;
	HANDLE s2;
	assert_int_equal(SDF_OpenSession(dev, &s2), SDR_OK);
	/* nothing in progress */
	assert_int_equal(SDF_EncryptUpdate(s2, in, 16, out, &ol), SDR_STEPERR);
	assert_int_equal(SDF_EncryptFinal(s2, out, &ol), SDR_STEPERR);
	assert_int_equal(SDF_DecryptUpdate(s2, in, 16, out, &ol), SDR_STEPERR);
	assert_int_equal(SDF_DecryptFinal(s2, out, &ol), SDR_STEPERR);
	assert_int_equal(SDF_CalculateMACUpdate(s2, in, 16), SDR_STEPERR);
	assert_int_equal(SDF_CalculateMACFinal(s2, out, &ol), SDR_STEPERR);
	assert_int_equal(SDF_AuthEncUpdate(s2, in, 16, out, &ol), SDR_STEPERR);
	assert_int_equal(SDF_AuthEncFinal(s2, out, &ol, ct, &cl), SDR_STEPERR);
	assert_int_equal(SDF_AuthDecUpdate(s2, in, 16, out, &ol), SDR_STEPERR);
	assert_int_equal(SDF_AuthDecFinal(s2, out, &ol), SDR_STEPERR);
	/* an operation of another kind in progress */
	assert_int_equal(SDF_EncryptInit(ses, key, SGD_SM4_CBC, iv, 16), SDR_OK);
	assert_int_equal(SDF_DecryptUpdate(ses, in, 16, out, &ol), SDR_STEPERR);
	assert_int_equal(SDF_CalculateMACUpdate(ses, in, 16), SDR_STEPERR);
	assert_int_equal(SDF_HashUpdate(ses, in, 16), SDR_STEPERR);
	assert_int_equal(SDF_HMACFinal(ses, out, &ol), SDR_STEPERR);
	assert_int_equal(SDF_AuthEncFinal(ses, out, &ol, ct, &cl), SDR_STEPERR);
	/* ... which those did not disturb; after Final there is none */
	assert_int_equal(SDF_EncryptUpdate(ses, in, 64, out, &ol), SDR_OK);
	assert_int_equal(SDF_EncryptFinal(ses, out + 64, &ol), SDR_OK);
	assert_int_equal(SDF_EncryptUpdate(ses, in, 16, out, &ol), SDR_STEPERR);
	/* a new Init replaces the operation in progress, from scratch */
	assert_int_equal(SDF_EncryptInit(ses, key, SGD_SM4_CBC, iv, 16), SDR_OK);
	assert_int_equal(SDF_EncryptUpdate(ses, in, 23, out, &ol), SDR_OK);
	assert_int_equal(SDF_EncryptInit(ses, key, SGD_SM4_CTR, iv, 16), SDR_OK);
	assert_int_equal(run_updates(ses, SDF_EncryptUpdate, SDF_EncryptFinal, 0, in, 64, out), 64);
	assert_int_equal(SDF_Encrypt(ses, key, SGD_SM4_CTR, iv, in, 64, ct, &cl), SDR_OK);
	assert_memory_equal(out, ct, 64);
	assert_int_equal(SDF_HashInit(ses, SGD_SM3, NULL, NULL, 0), SDR_OK);
	assert_int_equal(SDF_EncryptInit(ses, key, SGD_SM4_CBC, iv, 16), SDR_OK);
	assert_int_equal(SDF_HashFinal(ses, out, &ol), SDR_STEPERR);
	/* an Init that fails ends the operation in progress too */
	assert_int_equal(SDF_EncryptInit(ses, key, 0x12345, iv, 16), SDR_ALGNOTSUPPORT);
	assert_int_equal(SDF_EncryptUpdate(ses, in, 16, out, &ol), SDR_STEPERR);
	assert_int_equal(SDF_CloseSession(s2), SDR_OK);
}

/* Two sessions run operations at the same time, interleaved; a key of one is nothing in the other. */
static void test_sessions_independent(void **state)
{
	(void)state;
	static BYTE in[512], a[512 + 16], b[512 + 16], ra[512], rb[512];
	BYTE iv[16] = {9}, wrapped[32];
	ULONG ol = 0, wl = 0;
	HANDLE s2, k2;
	size_t ga = 0, gb = 0;
	fill(in, sizeof in);
	assert_int_equal(SDF_OpenSession(dev, &s2), SDR_OK);
	assert_int_equal(SDF_GenerateKeyWithKEK(s2, 128, SGD_SM4_ECB, IDX, wrapped, &wl, &k2), SDR_OK);
	assert_int_equal(SDF_EncryptInit(s2, key, SGD_SM4_CBC, iv, 16), SDR_KEYNOTEXIST);
	assert_int_equal(SDF_EncryptInit(ses, key, SGD_SM4_CBC, iv, 16), SDR_OK);
	assert_int_equal(SDF_EncryptInit(s2, k2, SGD_SM4_OFB, iv, 16), SDR_OK);
	for (size_t off = 0; off < sizeof in; off += 37) {
		ULONG n = (ULONG)(sizeof in - off < 37 ? sizeof in - off : 37);
		assert_int_equal(SDF_EncryptUpdate(ses, in + off, n, a + ga, &ol), SDR_OK);
		ga += ol;
		assert_int_equal(SDF_EncryptUpdate(s2, in + off, n, b + gb, &ol), SDR_OK);
		gb += ol;
	}
	assert_int_equal(SDF_EncryptFinal(ses, a + ga, &ol), SDR_OK);
	assert_int_equal(SDF_EncryptUpdate(s2, in, 0, b + gb, &ol), SDR_OK); /* still going in s2 */
	assert_int_equal(SDF_EncryptFinal(s2, b + gb, &ol), SDR_OK);
	assert_int_equal(ga, sizeof in);
	assert_int_equal(gb, sizeof in);
	assert_int_equal(SDF_Encrypt(ses, key, SGD_SM4_CBC, iv, in, sizeof in, ra, &ol), SDR_OK);
	assert_int_equal(SDF_Encrypt(s2, k2, SGD_SM4_OFB, iv, in, sizeof in, rb, &ol), SDR_OK);
	assert_memory_equal(a, ra, sizeof in);
	assert_memory_equal(b, rb, sizeof in);
	/* closing a session in the middle of its operation leaves the other session's operation going */
	assert_int_equal(SDF_EncryptInit(ses, key, SGD_SM4_CFB, iv, 16), SDR_OK);
	assert_int_equal(SDF_EncryptUpdate(ses, in, 100, a, &ol), SDR_OK);
	assert_int_equal(SDF_DecryptInit(s2, k2, SGD_SM4_CTR, iv, 16), SDR_OK);
	assert_int_equal(SDF_DecryptUpdate(s2, in, 100, b, &ol), SDR_OK);
	assert_int_equal(SDF_CloseSession(s2), SDR_OK);
	assert_int_equal(SDF_EncryptUpdate(ses, in + 100, 100, a + 100, &ol), SDR_OK);
	assert_int_equal(SDF_EncryptFinal(ses, a + 200, &ol), SDR_OK);
	assert_int_equal(SDF_Encrypt(ses, key, SGD_SM4_CFB, iv, in, 200, ra, &ol), SDR_OK);
	assert_memory_equal(a, ra, 200);
}

/* ---- 6.8 external keys, OpenSSL as the oracle ---- */

static const EVP_CIPHER *ossl_cipher(ULONG mode)
{
	switch (mode) {
	case SGD_SM4_ECB:
		return EVP_sm4_ecb();
	case SGD_SM4_CBC:
		return EVP_sm4_cbc();
	case SGD_SM4_CFB:
		return EVP_sm4_cfb128();
	case SGD_SM4_OFB:
		return EVP_sm4_ofb();
	default:
		return EVP_sm4_ctr();
	}
}

static void ossl_crypt(ULONG mode, int enc, const BYTE *k, const BYTE *iv, const BYTE *in, size_t len, BYTE *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, f = 0;
	assert_int_equal(EVP_CipherInit_ex(c, ossl_cipher(mode), NULL, k, mode == SGD_SM4_ECB ? NULL : iv, enc), 1);
	EVP_CIPHER_CTX_set_padding(c, 0);
	assert_int_equal(EVP_CipherUpdate(c, out, &n, in, (int)len), 1);
	assert_int_equal(EVP_CipherFinal_ex(c, out + n, &f), 1);
	assert_int_equal((size_t)(n + f), len);
	EVP_CIPHER_CTX_free(c);
}

static void test_external_key_openssl(void **state)
{
	(void)state;
	static BYTE pt[MAX_LEN + 16], ref[MAX_LEN + 16], out[MAX_LEN + 32];
	BYTE k[16], iv[16];
	ULONG ol = 0;
	for (size_t m = 0; m < NMODES; m++) {
		for (int r = 0; r < ROUNDS; r++) {
			size_t len = rand_len(MODES[m], MAX_LEN);
			fill(k, sizeof k), fill(iv, sizeof iv), fill(pt, len);
			ossl_crypt(MODES[m], 1, k, iv, pt, len, ref);
			assert_int_equal(SDF_ExternalKeyEncrypt(ses, MODES[m], k, 16, iv, 16, pt, (ULONG)len, out, &ol), SDR_OK);
			assert_int_equal(ol, len);
			assert_memory_equal(out, ref, len);
			assert_int_equal(SDF_ExternalKeyDecrypt(ses, MODES[m], k, 16, iv, 16, ref, (ULONG)len, out, &ol), SDR_OK);
			assert_memory_equal(out, pt, len);
			assert_int_equal(SDF_ExternalKeyEncryptInit(ses, MODES[m], k, 16, iv, 16), SDR_OK);
			assert_int_equal(run_updates(ses, SDF_EncryptUpdate, SDF_EncryptFinal, is_block(MODES[m]), pt, len, out),
			                 len);
			assert_memory_equal(out, ref, len);
			assert_int_equal(SDF_ExternalKeyDecryptInit(ses, MODES[m], k, 16, iv, 16), SDR_OK);
			assert_int_equal(run_updates(ses, SDF_DecryptUpdate, SDF_DecryptFinal, is_block(MODES[m]), ref, len, out),
			                 len);
			assert_memory_equal(out, pt, len);
		}
	}
}

static void test_external_key_big_and_errors(void **state)
{
	(void)state;
	BYTE *pt = malloc(BIG + 7), *ref = malloc(BIG + 7), *out = malloc(BIG + 32), k[32], iv[16];
	ULONG ol = 0;
	assert_non_null(pt);
	assert_non_null(ref);
	assert_non_null(out);
	fill(k, sizeof k), fill(iv, sizeof iv), fill(pt, BIG + 7);
	/* Updates of more than one frame, aligned (CBC) and not (CFB) */
	for (int i = 0; i < 2; i++) {
		ULONG mode = i == 0 ? SGD_SM4_CBC : SGD_SM4_CFB, len = i == 0 ? BIG : BIG + 7;
		ossl_crypt(mode, 1, k, iv, pt, len, ref);
		assert_int_equal(SDF_ExternalKeyEncryptInit(ses, mode, k, 16, iv, 16), SDR_OK);
		assert_int_equal(SDF_EncryptUpdate(ses, pt, len, out, &ol), SDR_OK);
		assert_int_equal(ol, len);
		assert_int_equal(SDF_EncryptFinal(ses, out + len, &ol), SDR_OK);
		assert_memory_equal(out, ref, len);
	}
	/* XTS (one-shot only): a 32-byte key, round trip */
	k[16] ^= 0x5a; /* the tweak key must differ from the data key */
	assert_int_equal(SDF_ExternalKeyEncrypt(ses, SGD_SM4_XTS, k, 32, iv, 16, pt, 100, out, &ol), SDR_OK);
	assert_int_equal(SDF_ExternalKeyDecrypt(ses, SGD_SM4_XTS, k, 32, iv, 16, out, 100, ref, &ol), SDR_OK);
	assert_memory_equal(ref, pt, 100);
	assert_int_equal(SDF_ExternalKeyEncrypt(ses, SGD_SM4_XTS, k, 16, iv, 16, pt, 100, out, &ol), SDR_INARGERR);
	assert_int_equal(SDF_ExternalKeyEncryptInit(ses, SGD_SM4_XTS, k, 32, iv, 16), SDR_ALGNOTSUPPORT);
	assert_int_equal(SDF_ExternalKeyEncrypt(ses, SGD_SM4_CBC, k, 15, iv, 16, pt, 16, out, &ol), SDR_INARGERR);
	assert_int_equal(SDF_ExternalKeyEncrypt(ses, SGD_SM4_CBC, k, 32, iv, 16, pt, 16, out, &ol), SDR_INARGERR);
	assert_int_equal(SDF_ExternalKeyEncrypt(ses, SGD_SM4_CBC, k, 16, iv, 16, pt, 15, out, &ol), SDR_INARGERR);
	assert_int_equal(SDF_ExternalKeyEncrypt(ses, SGD_SM4_CBC, k, 16, NULL, 0, pt, 16, out, &ol), SDR_INARGERR);
	assert_int_equal(SDF_ExternalKeyEncrypt(ses, SGD_SM4_MAC, k, 16, iv, 16, pt, 16, out, &ol), SDR_ALGNOTSUPPORT);
	assert_int_equal(SDF_ExternalKeyEncrypt(ses, SGD_SM4_GCM, k, 16, iv, 16, pt, 16, out, &ol), SDR_ALGNOTSUPPORT);
	assert_int_equal(SDF_ExternalKeyEncryptInit(ses, SGD_SM4_CBC, NULL, 16, iv, 16), SDR_INARGERR);
	assert_int_equal(SDF_ExternalKeyDecryptInit(ses, SGD_SM4_CBC, k, 17, iv, 16), SDR_INARGERR);
	assert_int_equal(SDF_ExternalKeyEncrypt(ses, SGD_SM4_ECB, k, 16, NULL, 0, pt, 16, out, &ol), SDR_OK);
	free(pt);
	free(ref);
	free(out);
}

static void test_external_key_hmac_openssl(void **state)
{
	(void)state;
	static const ULONG keylens[] = {1, 16, 32, 64, 65, 200};
	static BYTE msg[MAX_LEN];
	BYTE k[200], mac[32], ref[32];
	ULONG ml = 0;
	unsigned int rl = 0;
	for (int r = 0; r < ROUNDS; r++) {
		ULONG kl = keylens[r % 6];
		size_t len = below(MAX_LEN + 1), piece[MAX_PIECES], n = cuts(len, piece), off = 0;
		fill(k, kl), fill(msg, len);
		assert_non_null(HMAC(EVP_sm3(), k, (int)kl, msg, len, ref, &rl));
		assert_int_equal(SDF_ExternalKeyHMACInit(ses, SGD_SM3, k, kl), SDR_OK);
		for (size_t i = 0; i < n; off += piece[i++])
			assert_int_equal(SDF_HMACUpdate(ses, msg + off, (ULONG)piece[i]), SDR_OK);
		assert_int_equal(SDF_HMACFinal(ses, mac, &ml), SDR_OK);
		assert_int_equal(ml, 32);
		assert_memory_equal(mac, ref, 32);
	}
	assert_int_equal(SDF_ExternalKeyHMACInit(ses, SGD_SM3, k, 0), SDR_INARGERR);
	assert_int_equal(SDF_ExternalKeyHMACInit(ses, SGD_SHA256, k, 16), SDR_ALGNOTSUPPORT);
	assert_int_equal(SDF_HMACUpdate(ses, msg, 1), SDR_STEPERR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cipher_equals_one_shot),
		cmocka_unit_test(test_cipher_errors),
		cmocka_unit_test(test_mac_equals_one_shot),
		cmocka_unit_test(test_gcm_equals_one_shot),
		cmocka_unit_test(test_gcm_tag_failure),
		cmocka_unit_test(test_gcm_length_rules),
		cmocka_unit_test(test_gcm_big),
		cmocka_unit_test(test_steperr),
		cmocka_unit_test(test_sessions_independent),
		cmocka_unit_test(test_external_key_openssl),
		cmocka_unit_test(test_external_key_big_and_errors),
		cmocka_unit_test(test_external_key_hmac_openssl),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

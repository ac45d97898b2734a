/* SPDX-License-Identifier: Apache-2.0 */
/* Known-answer self-tests (GB/T 37092 7.10) of SM4, each of its modes and GHASH, run on every
 * implementation the CPU offers. */
#include <stdio.h>

#include <ccsp/mem.h>

#include "ghash.h"
#include "selftest.h"
#include "sm4_internal.h"

/* GB/T 32907-2016 Appendix A example 1; key, IV and plaintext block of the mode vectors below. */
static const uint8_t K[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                              0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};
static const uint8_t ECB_CT[16] = {0x68, 0x1e, 0xdf, 0x34, 0xd2, 0x06, 0x96, 0x5e,
                                   0x86, 0xb3, 0xe9, 0x4f, 0x53, 0x6e, 0x42, 0x46};

/* draft-ribose-cfrg-sm4-10 A.2 (as in OpenSSL's evpciph_sm4.txt): key = IV = K, plaintext K || K. */
static const uint8_t CBC_CT[32] = {0x26, 0x77, 0xf4, 0x6b, 0x09, 0xc1, 0x22, 0xcc, 0x97, 0x55, 0x33,
                                   0x10, 0x5b, 0xd4, 0xa2, 0x2a, 0xf6, 0x12, 0x5f, 0x72, 0x75, 0xce,
                                   0x55, 0x2c, 0x3a, 0x2b, 0xbc, 0xf5, 0x33, 0xde, 0x8a, 0x3b};
static const uint8_t CFB_CT[32] = {0x69, 0x3d, 0x9a, 0x53, 0x5b, 0xad, 0x5b, 0xb1, 0x78, 0x6f, 0x53,
                                   0xd7, 0x25, 0x3a, 0x70, 0x56, 0x9e, 0xd2, 0x58, 0xa8, 0x5a, 0x04,
                                   0x67, 0xcc, 0x92, 0xaa, 0xb3, 0x93, 0xdd, 0x97, 0x89, 0x95};
static const uint8_t OFB_CT[32] = {0x69, 0x3d, 0x9a, 0x53, 0x5b, 0xad, 0x5b, 0xb1, 0x78, 0x6f, 0x53,
                                   0xd7, 0x25, 0x3a, 0x70, 0x56, 0xf2, 0x07, 0x5d, 0x28, 0xb5, 0x23,
                                   0x5f, 0x58, 0xd5, 0x00, 0x27, 0xe4, 0x17, 0x7d, 0x2b, 0xce};
/* same source, CTR, first two blocks: plaintext aa x 8, bb x 8, cc x 8, dd x 8; key = IV = K. */
static const uint8_t CTR_CT[32] = {0xc2, 0xb4, 0x75, 0x9e, 0x78, 0xac, 0x3c, 0xf4, 0x3d, 0x08, 0x52,
                                   0xf4, 0xe8, 0xd5, 0xf9, 0xfd, 0x72, 0x56, 0xe8, 0xa5, 0xfc, 0xb6,
                                   0x5a, 0x35, 0x0e, 0xe0, 0x06, 0x30, 0x91, 0x2e, 0x44, 0x49};
/* RFC 8998 A.1: the plaintext is eight runs of 8 bytes (aa bb cc dd ee ff ee aa). */
static const uint8_t GCM_IV[12] = {0x00, 0x00, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00, 0x00, 0xab, 0xcd};
static const uint8_t GCM_AAD[20] = {0xfe, 0xed, 0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xfe, 0xed,
                                    0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xab, 0xad, 0xda, 0xd2};
static const uint8_t GCM_PT_BYTES[8] = {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0xee, 0xaa};
static const uint8_t GCM_CT[64] = {
	0x17, 0xf3, 0x99, 0xf0, 0x8c, 0x67, 0xd5, 0xee, 0x19, 0xd0, 0xdc, 0x99, 0x69, 0xc4, 0xbb, 0x7d,
	0x5f, 0xd4, 0x6f, 0xd3, 0x75, 0x64, 0x89, 0x06, 0x91, 0x57, 0xb2, 0x82, 0xbb, 0x20, 0x07, 0x35,
	0xd8, 0x27, 0x10, 0xca, 0x5c, 0x22, 0xf0, 0xcc, 0xfa, 0x7c, 0xbf, 0x93, 0xd4, 0x96, 0xac, 0x15,
	0xa5, 0x68, 0x34, 0xcb, 0xcf, 0x98, 0xc3, 0x97, 0xb4, 0x02, 0x4a, 0x26, 0x91, 0x23, 0x3b, 0x8d};
static const uint8_t GCM_TAG[16] = {0x83, 0xde, 0x35, 0x41, 0xe4, 0xc2, 0xb5, 0x81,
                                    0x77, 0xe0, 0x65, 0xa9, 0xbf, 0x7b, 0x62, 0xec};
/* GB/T 17964-2021 XTS vector (OpenSSL evpciph_sm4.txt, "SM4 XTS test vectors from GB/T 17964-2021"):
 * 56 bytes, so ciphertext stealing is covered. */
static const uint8_t XTS_KEY[32] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15,
                                    0x88, 0x09, 0xcf, 0x4f, 0x3c, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
                                    0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
static const uint8_t XTS_TWEAK[16] = {0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
                                      0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff};
static const uint8_t XTS_PT[56] = {
	0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96, 0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a,
	0xae, 0x2d, 0x8a, 0x57, 0x1e, 0x03, 0xac, 0x9c, 0x9e, 0xb7, 0x6f, 0xac, 0x45, 0xaf, 0x8e, 0x51,
	0x30, 0xc8, 0x1c, 0x46, 0xa3, 0x5c, 0xe4, 0x11, 0xe5, 0xfb, 0xc1, 0x19, 0x1a, 0x0a, 0x52, 0xef,
	0xf6, 0x9f, 0x24, 0x45, 0xdf, 0x4f, 0x9b, 0x17};
static const uint8_t XTS_CT[56] = {
	0xe9, 0x53, 0x82, 0x51, 0xc7, 0x1d, 0x7b, 0x80, 0xbb, 0xe4, 0x48, 0x3f, 0xef, 0x49, 0x7b, 0xd1,
	0x2c, 0x5c, 0x58, 0x1b, 0xd6, 0x24, 0x2f, 0xc5, 0x1e, 0x08, 0x96, 0x4f, 0xb4, 0xf6, 0x0f, 0xdb,
	0x0b, 0xa4, 0x2f, 0x63, 0x49, 0x92, 0x79, 0x21, 0x3d, 0x31, 0x8d, 0x2c, 0x11, 0xf6, 0x88, 0x6e,
	0x90, 0x3b, 0xe7, 0xf9, 0x3a, 0x1b, 0x34, 0x79};
/* McGrew and Viega, "The Galois/Counter Mode of Operation (GCM)", test case 2:
 * GHASH(H, {}, C) with H = 66e94bd4..., C = 0388dace... */
static const uint8_t GH_H[16] = {0x66, 0xe9, 0x4b, 0xd4, 0xef, 0x8a, 0x2c, 0x3b,
                                 0x88, 0x4c, 0xfa, 0x59, 0xca, 0x34, 0x2b, 0x2e};
static const uint8_t GH_IN[32] = {0x03, 0x88, 0xda, 0xce, 0x60, 0xb6, 0xa3, 0x92, 0xf3, 0x28, 0xc2,
                                  0xb9, 0x71, 0xb2, 0xfe, 0x78, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80};
static const uint8_t GH_OUT[16] = {0xf3, 0x8c, 0xbb, 0x1a, 0xd6, 0x92, 0x23, 0xdc,
                                   0xc3, 0x45, 0x7a, 0xe5, 0xb6, 0xb0, 0xf8, 0x85};

#define MULTI 70 /* blocks: wide enough for every batch path of an implementation */

static ccsp_err expect(ccsp_err r, const uint8_t *got, const uint8_t *want, size_t n)
{
	if (r != CCSP_OK)
		return CCSP_ERR_SELFTEST;
	return memcmp(got, want, n) == 0 ? CCSP_OK : CCSP_ERR_SELFTEST;
}

static ccsp_err kat_block(const ccsp_sm4_key *k, uint8_t *buf)
{
	ccsp_err r = CCSP_OK;
	for (size_t i = 0; i < MULTI; i++)
		memcpy(buf + 16 * i, K, 16);
	r = ccsp_sm4_ecb_encrypt(k, buf, buf, 16 * MULTI);
	for (size_t i = 0; i < MULTI && r == CCSP_OK; i++)
		r = expect(r, buf + 16 * i, ECB_CT, 16);
	if (r == CCSP_OK)
		r = ccsp_sm4_ecb_decrypt(k, buf, buf, 16 * MULTI);
	for (size_t i = 0; i < MULTI && r == CCSP_OK; i++)
		r = expect(r, buf + 16 * i, K, 16);
	return r;
}

typedef ccsp_err (*mode_fn)(const ccsp_sm4_key *, const uint8_t *, const uint8_t *, uint8_t *, size_t);

/* Encrypt pt with fn (IV = K), compare with ct, then decrypt with inv and compare with pt. */
static ccsp_err kat_mode(const ccsp_sm4_key *k, mode_fn fn, mode_fn inv, const uint8_t *pt, const uint8_t *ct)
{
	uint8_t buf[32];
	ccsp_err r = expect(fn(k, K, pt, buf, 32), buf, ct, 32);
	if (r == CCSP_OK)
		r = expect(inv(k, K, ct, buf, 32), buf, pt, 32);
	return r;
}

static ccsp_err kat_gcm(const ccsp_sm4_key *k)
{
	uint8_t pt[64], buf[64], tag[16];
	for (size_t i = 0; i < 64; i++)
		pt[i] = GCM_PT_BYTES[i / 8];
	ccsp_err r = ccsp_sm4_gcm_encrypt(k, GCM_IV, 12, GCM_AAD, 20, pt, buf, 64, tag);
	r = expect(r, buf, GCM_CT, 64);
	if (r == CCSP_OK)
		r = expect(CCSP_OK, tag, GCM_TAG, 16);
	if (r == CCSP_OK)
		r = expect(ccsp_sm4_gcm_decrypt(k, GCM_IV, 12, GCM_AAD, 20, GCM_CT, buf, 64, GCM_TAG), buf, pt, 64);
	tag[0] ^= 1; /* a wrong tag must be refused */
	if (r == CCSP_OK && ccsp_sm4_gcm_decrypt(k, GCM_IV, 12, GCM_AAD, 20, GCM_CT, buf, 64, tag) != CCSP_ERR_AUTH)
		r = CCSP_ERR_SELFTEST;
	return r;
}

static ccsp_err kat_xts(const ccsp_sm4_impl *im)
{
	uint8_t buf[56];
	ccsp_err r = expect(ccsp_sm4_xts_crypt_impl(XTS_KEY, XTS_TWEAK, XTS_PT, buf, 56, 1, 1, im), buf, XTS_CT, 56);
	if (r == CCSP_OK)
		r = expect(ccsp_sm4_xts_crypt_impl(XTS_KEY, XTS_TWEAK, XTS_CT, buf, 56, 0, 1, im), buf, XTS_PT, 56);
	return r;
}

static ccsp_err kat_cbc_mac(const ccsp_sm4_key *k)
{
	uint8_t pt[32], mac[16];
	memcpy(pt, K, 16);
	memcpy(pt + 16, K, 16);
	return expect(ccsp_sm4_cbc_mac(k, K, pt, 32, mac), mac, CBC_CT + 16, 16);
}

static ccsp_err ofb_dec(const ccsp_sm4_key *k, const uint8_t *iv, const uint8_t *in, uint8_t *out, size_t len)
{
	return ccsp_sm4_ofb_crypt(k, iv, in, out, len);
}

static ccsp_err report(const ccsp_selftest_report *rep, const char *mode, const char *impl, ccsp_err r)
{
	char name[64];
	snprintf(name, sizeof name, "%s/%s", mode, impl);
	return ccsp_selftest_result(rep, name, r);
}

static ccsp_err selftest_impl(const ccsp_selftest_report *rep, const ccsp_sm4_impl *im, uint8_t *buf)
{
	uint8_t pk[32], pctr[32];
	ccsp_sm4_key k;
	ccsp_err r = ccsp_sm4_set_key_impl(&k, K, 16, im);
	memcpy(pk, K, 16);
	memcpy(pk + 16, K, 16);
	for (size_t i = 0; i < 32; i++)
		pctr[i] = GCM_PT_BYTES[i / 8];
	if (r == CCSP_OK)
		r = report(rep, "SM4-ECB", im->name, kat_block(&k, buf)); /* block cipher + ECB */
	if (r == CCSP_OK)
		r = report(rep, "SM4-CBC", im->name, kat_mode(&k, ccsp_sm4_cbc_encrypt, ccsp_sm4_cbc_decrypt, pk, CBC_CT));
	if (r == CCSP_OK)
		r = report(rep, "SM4-CFB", im->name, kat_mode(&k, ccsp_sm4_cfb_encrypt, ccsp_sm4_cfb_decrypt, pk, CFB_CT));
	if (r == CCSP_OK)
		r = report(rep, "SM4-OFB", im->name, kat_mode(&k, ccsp_sm4_ofb_crypt, ofb_dec, pk, OFB_CT));
	if (r == CCSP_OK)
		r = report(rep, "SM4-CTR", im->name, kat_mode(&k, ccsp_sm4_ctr_crypt, ccsp_sm4_ctr_crypt, pctr, CTR_CT));
	if (r == CCSP_OK)
		r = report(rep, "SM4-GCM", im->name, kat_gcm(&k));
	if (r == CCSP_OK)
		r = report(rep, "SM4-XTS", im->name, kat_xts(im));
	if (r == CCSP_OK)
		r = report(rep, "SM4-CBC-MAC", im->name, kat_cbc_mac(&k));
	ccsp_sm4_key_wipe(&k);
	return r;
}

static ccsp_err selftest_ghash(const ccsp_selftest_report *rep, const ccsp_ghash_impl *g)
{
	uint64_t key[CCSP_GHASH_KEY_WORDS];
	uint8_t x[16] = {0};
	g->init(key, GH_H);
	g->blocks(key, x, GH_IN, 2);
	ccsp_memzero(key, sizeof key);
	return report(rep, "GHASH", g->name, expect(CCSP_OK, x, GH_OUT, 16));
}

ccsp_err ccsp_sm4_selftest(const ccsp_selftest_report *r)
{
	uint8_t buf[16 * MULTI];
	ccsp_err ret = CCSP_OK;
	for (const ccsp_ghash_impl *const *g = ccsp_ghash_impl_list(); *g != NULL && ret == CCSP_OK; g++)
		ret = selftest_ghash(r, *g);
	for (const ccsp_sm4_impl *const *im = ccsp_sm4_impl_list(); *im != NULL && ret == CCSP_OK; im++)
		ret = selftest_impl(r, *im, buf);
	return ret;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Known-answer self-tests of SM3, HMAC-SM3, SM3-KDF and PBKDF2-HMAC-SM3 (GB/T 37092 7.10). */
#include <stdio.h>
#include <string.h>

#include "ct.h"
#include "selftest.h"
#include "sm3_internal.h"
#include "sm3_mb.h"

/* GB/T 32905-2016 Appendix A.1 and A.2. */
static const uint8_t sm3_abc[32] = {
	0x66, 0xc7, 0xf0, 0xf4, 0x62, 0xee, 0xed, 0xd9, 0xd1, 0xf2, 0xd4, 0x6b, 0xdc, 0x10, 0xe4, 0xe2,
	0x41, 0x67, 0xc4, 0x87, 0x5c, 0xf2, 0xf7, 0xa2, 0x29, 0x7d, 0xa0, 0x2b, 0x8f, 0x4b, 0xa8, 0xe0,
};
static const uint8_t sm3_abcd16[32] = {
	0xde, 0xbe, 0x9f, 0xf9, 0x22, 0x75, 0xb8, 0xa1, 0x38, 0x60, 0x48, 0x89, 0xc1, 0x8e, 0x5a, 0x4d,
	0x6f, 0xdb, 0x70, 0xe5, 0x38, 0x7e, 0x57, 0x65, 0x29, 0x3d, 0xcb, 0xa3, 0x9c, 0x0c, 0x57, 0x32,
};

/* GM/T 0042-2015 Appendix D.3, first example: key 01 02 ... 20, message "abcdbcde...nopq" twice. */
static const char hmac_msg[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
                               "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const uint8_t hmac_mac[32] = {
	0xca, 0x05, 0xe1, 0x44, 0xed, 0x05, 0xd1, 0x85, 0x78, 0x40, 0xd1, 0xf3, 0x18, 0xa4, 0xa8, 0x66,
	0x9e, 0x55, 0x9f, 0xc8, 0x39, 0x1f, 0x41, 0x44, 0x85, 0xbf, 0xdf, 0x7b, 0xb4, 0x08, 0x96, 0x3a,
};

/* Computed with OpenSSL 3.0 X963KDF (digest SM3, no shared info), the same construction as
 * GB/T 32918.4 5.4.3: Z = "ccsp-selftest-sm3-kdf-shared-secret-z", 70 bytes (three blocks). */
static const char kdf_z[] = "ccsp-selftest-sm3-kdf-shared-secret-z";
static const uint8_t kdf_out[70] = {
	0x80, 0x15, 0x69, 0x46, 0xd1, 0x1b, 0xfe, 0x8c, 0x10, 0x8d, 0xfe, 0x53, 0xd7, 0x71, 0x0a, 0xdf,
	0x27, 0x45, 0x98, 0x76, 0x36, 0x94, 0x55, 0x60, 0x23, 0x5c, 0x41, 0xfe, 0x82, 0x4a, 0x10, 0x71,
	0xdc, 0xfc, 0x42, 0x1d, 0x91, 0x41, 0x5a, 0x4d, 0xd3, 0x9b, 0x1a, 0x83, 0xfd, 0x7a, 0xf6, 0x9c,
	0xc1, 0x3a, 0x66, 0x13, 0xbc, 0x0d, 0x6a, 0x3a, 0x79, 0xab, 0xaa, 0xb9, 0xab, 0x2e, 0xa6, 0x12,
	0x3b, 0x90, 0x53, 0x4e, 0xc8, 0xf4,
};

/* Computed with OpenSSL 3.0 PBKDF2 (digest SM3): P = "password", S = "salt", c = 1000, 40 bytes. */
static const uint8_t pbkdf2_out[40] = {
	0xe8, 0xb6, 0x35, 0xa4, 0x1d, 0xfe, 0x5a, 0xaa, 0xb7, 0xcf, 0x82, 0x8c, 0xff, 0x6f, 0x36, 0x08,
	0xe2, 0x2c, 0xac, 0x59, 0xba, 0x16, 0xed, 0xd7, 0x0e, 0x00, 0x0b, 0x29, 0x3d, 0x00, 0xbc, 0x91,
	0x18, 0x50, 0x4f, 0x57, 0xab, 0x46, 0x67, 0x3d,
};

static ccsp_err expect(ccsp_err err, const uint8_t *got, const uint8_t *want, size_t n)
{
	if (err != CCSP_OK || !ct_memeq(got, want, n))
		return CCSP_ERR_SELFTEST;
	return CCSP_OK;
}

/* Both one-shot and streaming (the 64-byte message split so that a block straddles calls). */
static ccsp_err kat_sm3(void)
{
	static const char abcd16[] = "abcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcd";
	uint8_t d[32];
	ccsp_sm3_ctx ctx;
	ccsp_err err;

	err = ccsp_sm3("abc", 3, d);
	if (expect(err, d, sm3_abc, 32) != CCSP_OK)
		return CCSP_ERR_SELFTEST;
	err = ccsp_sm3_init(&ctx);
	if (err == CCSP_OK)
		err = ccsp_sm3_update(&ctx, abcd16, 5);
	if (err == CCSP_OK)
		err = ccsp_sm3_update(&ctx, abcd16 + 5, 59);
	if (err == CCSP_OK)
		err = ccsp_sm3_final(&ctx, d);
	return expect(err, d, sm3_abcd16, 32);
}

static ccsp_err kat_hmac(void)
{
	static const uint8_t key[32] = {
		1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
		17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
	};
	uint8_t mac[32];
	ccsp_err err = ccsp_hmac_sm3(key, sizeof key, hmac_msg, sizeof hmac_msg - 1, mac);

	return expect(err, mac, hmac_mac, 32);
}

static ccsp_err kat_kdf(void)
{
	uint8_t out[sizeof kdf_out];
	ccsp_err err = ccsp_sm3_kdf((const uint8_t *)kdf_z, sizeof kdf_z - 1, out, sizeof out);

	return expect(err, out, kdf_out, sizeof out);
}

static ccsp_err kat_pbkdf2(void)
{
	uint8_t out[sizeof pbkdf2_out];
	ccsp_err err = ccsp_pbkdf2_sm3((const uint8_t *)"password", 8, (const uint8_t *)"salt", 4, 1000, out, sizeof out);

	return expect(err, out, pbkdf2_out, sizeof out);
}

/* Multi-buffer: A.1 and A.2 alternating over one more message than the widest kernel has lanes, so that a lane is
 * refilled and messages of one and two padded blocks share kernel calls. */
static ccsp_err kat_mb(const ccsp_sm3_mb_impl *impl)
{
	static const char abcd16[] = "abcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcd";
	const uint8_t *msgs[CCSP_SM3_MB_MAX_LANES + 1];
	size_t lens[CCSP_SM3_MB_MAX_LANES + 1];
	uint8_t d[CCSP_SM3_MB_MAX_LANES + 1][32];
	ccsp_err err;

	for (size_t i = 0; i <= CCSP_SM3_MB_MAX_LANES; i++) {
		msgs[i] = (const uint8_t *)(i % 2 ? abcd16 : "abc");
		lens[i] = i % 2 ? 64 : 3;
	}
	err = ccsp_sm3_digest_many_impl(impl, msgs, lens, CCSP_SM3_MB_MAX_LANES + 1, d);
	for (size_t i = 0; i <= CCSP_SM3_MB_MAX_LANES && err == CCSP_OK; i++)
		err = expect(err, d[i], i % 2 ? sm3_abcd16 : sm3_abc, 32);
	return err;
}

static const struct {
	const char *name;
	ccsp_err (*run)(void);
} kats[] = {
	{"SM3", kat_sm3},
	{"HMAC-SM3", kat_hmac},
	{"SM3-KDF", kat_kdf},
	{"PBKDF2-SM3", kat_pbkdf2},
};

/* Every test on every implementation; results are named "<test>/<implementation>", the multi-buffer ones
 * "SM3-MB/<implementation>". */
ccsp_err ccsp_sm3_selftest(const ccsp_selftest_report *r)
{
	const ccsp_sm3_impl *const *impls = ccsp_sm3_impl_list();
	const ccsp_sm3_mb_impl *const *mb = ccsp_sm3_mb_impl_list();
	const ccsp_sm3_impl *saved = ccsp_sm3_impl_force(NULL);
	ccsp_err ret = CCSP_OK;
	char name[64];

	for (size_t i = 0; impls[i] != NULL && ret == CCSP_OK; i++) {
		ccsp_sm3_impl_force(impls[i]);
		for (size_t t = 0; t < sizeof kats / sizeof kats[0] && ret == CCSP_OK; t++) {
			snprintf(name, sizeof name, "%s/%s", kats[t].name, impls[i]->name);
			ret = ccsp_selftest_result(r, name, kats[t].run());
		}
	}
	ccsp_sm3_impl_force(saved);
	for (size_t i = 0; mb[i] != NULL && ret == CCSP_OK; i++) {
		snprintf(name, sizeof name, "SM3-MB/%s", mb[i]->name);
		ret = ccsp_selftest_result(r, name, kat_mb(mb[i]));
	}
	return ret;
}

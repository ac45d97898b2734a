/* SPDX-License-Identifier: Apache-2.0 */
/* CHSM/VSM images (src/chsm/chsm_image.h): round trip, every way an image can be wrong, entry-name rules. */
#include <stdlib.h>
#include <string.h>

#include <ccsp/sm2.h>

#include "chsm/chsm_image.h"
#include "chsm/chsm_keys.h"
#include "test_util.h"

#define SIG_OFF(len) ((len) - 64)

static const uint8_t domain[16] = {0xd0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

static chsm_image *sample(void)
{
	chsm_image *im;
	static uint8_t big[70000];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 7);
	assert_ok(chsm_image_new(&im));
	assert_ok(chsm_image_add(im, "vsm.conf", "flavor = 1\n", 11));
	assert_ok(chsm_image_add(im, "storage.key", "0123456789abcdef", 16));
	assert_ok(chsm_image_add(im, "files/00ff", big, sizeof big));
	assert_ok(chsm_image_add(im, "empty", NULL, 0));
	return im;
}

static ccsp_sm2_key *new_key(void)
{
	ccsp_sm2_key *k = ccsp_sm2_key_new();
	assert_non_null(k);
	assert_ok(ccsp_sm2_key_generate(k));
	return k;
}

static void seal(const chsm_image *im, const ccsp_sm2_key *signer, uint8_t **f, size_t *len)
{
	assert_ok(chsm_image_seal(im, domain, signer, f, len));
}

static void test_round_trip(void **state)
{
	(void)state;
	ccsp_sm2_key *dev = new_key();
	chsm_image *im = sample(), *back;
	uint8_t *f, signer[65], pub[65];
	size_t len, n;
	seal(im, dev, &f, &len);
	assert_null(memmem(f, len, "0123456789abcdef", 16)); /* the storage key is not in clear */
	assert_ok(chsm_image_open(f, len, domain, &back, signer));
	assert_ok(ccsp_sm2_key_get_public(dev, pub));
	assert_memory_equal(signer, pub, 65);
	assert_int_equal(chsm_image_count(back), 4);
	for (size_t i = 0; i < chsm_image_count(im); i++) {
		const uint8_t *a, *b;
		size_t al, bl;
		const char *name = chsm_image_entry(im, i, &a, &al);
		assert_string_equal(chsm_image_entry(back, i, &b, &bl), name);
		assert_int_equal(al, bl);
		assert_memory_equal(a, b, al);
	}
	assert_non_null(chsm_image_find(back, "empty", &n));
	assert_int_equal(n, 0);
	assert_null(chsm_image_find(back, "missing", &n));
	/* two seals of one image differ (fresh image key and IVs) */
	uint8_t *f2;
	size_t len2;
	seal(im, dev, &f2, &len2);
	assert_int_equal(len, len2);
	assert_memory_not_equal(f, f2, len);
	free(f2);
	free(f);
	chsm_image_free(back);
	chsm_image_free(im);
	ccsp_sm2_key_free(dev);
}

/* Every single-byte change is caught by the signature, every truncation or extension by the layout. */
static void test_altered_or_truncated(void **state)
{
	(void)state;
	ccsp_sm2_key *dev = new_key();
	chsm_image *im, *back;
	uint8_t *f;
	size_t len;
	assert_ok(chsm_image_new(&im));
	assert_ok(chsm_image_add(im, "keystore.bin", "keys", 4));
	seal(im, dev, &f, &len);
	for (size_t i = 0; i < len; i++) {
		f[i] ^= 0x01;
		ccsp_err ret = chsm_image_open(f, len, domain, &back, NULL);
		assert_true(ret == CCSP_ERR_SIGNATURE || ret == CCSP_ERR_DECODE);
		assert_null(back);
		f[i] ^= 0x01;
	}
	for (size_t cut = 0; cut < len; cut += 7)
		assert_ccsp(CCSP_ERR_DECODE, chsm_image_open(f, cut, domain, &back, NULL));
	uint8_t *longer = malloc(len + 1);
	memcpy(longer, f, len);
	longer[len] = 0;
	assert_ccsp(CCSP_ERR_DECODE, chsm_image_open(longer, len + 1, domain, &back, NULL));
	free(longer);
	free(f);
	chsm_image_free(im);
	ccsp_sm2_key_free(dev);
}

/* An image signed again after a change (by whoever holds some key) still fails the domain's authentication. */
static void test_resigned_forgery(void **state)
{
	(void)state;
	ccsp_sm2_key *dev = new_key(), *mallory = new_key();
	chsm_image *im = sample(), *back;
	uint8_t *f, sig[64];
	size_t len;
	seal(im, dev, &f, &len);
	f[145 + 3] ^= 0x80; /* a payload byte */
	assert_ok(ccsp_sm2_key_get_public(mallory, f + 80));
	assert_ok(ccsp_sm2_sign(mallory, NULL, 0, f, SIG_OFF(len), sig));
	memcpy(f + SIG_OFF(len), sig, 64);
	assert_ccsp(CCSP_ERR_TAMPERED, chsm_image_open(f, len, domain, &back, NULL));
	f[145 + 3] ^= 0x80;
	f[16 + 12] ^= 1; /* the wrapped key */
	assert_ok(ccsp_sm2_sign(mallory, NULL, 0, f, SIG_OFF(len), sig));
	memcpy(f + SIG_OFF(len), sig, 64);
	assert_ccsp(CCSP_ERR_TAMPERED, chsm_image_open(f, len, domain, &back, NULL));
	free(f);
	chsm_image_free(im);
	ccsp_sm2_key_free(dev);
	ccsp_sm2_key_free(mallory);
}

static void test_other_domain(void **state)
{
	(void)state;
	ccsp_sm2_key *dev = new_key();
	chsm_image *im = sample(), *back;
	uint8_t *f, other[16] = {0xd1};
	size_t len;
	seal(im, dev, &f, &len);
	assert_ccsp(CCSP_ERR_ACCESS_DENIED, chsm_image_open(f, len, other, &back, NULL));
	assert_null(back);
	free(f);
	chsm_image_free(im);
	ccsp_sm2_key_free(dev);
}

static void test_names(void **state)
{
	(void)state;
	static const char *const good[] = {"a", "vsm.conf", "vsm/bf356592d2a0/keystore.bin", "files/0a", "a-b_c.d"};
	static const char *const bad[] = {"", "/a", "a/", "a//b", "../a", "a/../b", "./a", "a/.", "..", ".", "a b",
	                                  "a\\b", "é"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_true(chsm_image_name_valid(good[i]));
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(chsm_image_name_valid(bad[i]));
	char longname[CHSM_IMAGE_NAME_MAX + 2];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	assert_false(chsm_image_name_valid(longname));
	longname[CHSM_IMAGE_NAME_MAX] = '\0';
	assert_true(chsm_image_name_valid(longname));
	chsm_image *im;
	assert_ok(chsm_image_new(&im));
	assert_ok(chsm_image_add(im, "x", "1", 1));
	assert_ccsp(CCSP_ERR_FILE_EXISTS, chsm_image_add(im, "x", "2", 1));
	assert_ccsp(CCSP_ERR_ARG, chsm_image_add(im, "../x", "2", 1));
	chsm_image_free(im);
}

static void test_decode(void **state)
{
	(void)state;
	chsm_image *im;
	/* count 1, name "ab", 3 bytes */
	uint8_t ok[] = {0, 0, 0, 1, 0, 2, 'a', 'b', 0, 0, 0, 3, 'x', 'y', 'z'};
	assert_ok(chsm_image_decode(ok, sizeof ok, &im));
	chsm_image_free(im);
	uint8_t trailing[sizeof ok + 1];
	memcpy(trailing, ok, sizeof ok);
	trailing[sizeof ok] = 0;
	assert_ccsp(CCSP_ERR_DECODE, chsm_image_decode(trailing, sizeof trailing, &im));
	for (size_t cut = 0; cut < sizeof ok; cut++)
		assert_ccsp(CCSP_ERR_DECODE, chsm_image_decode(ok, cut, &im));
	uint8_t dup[] = {0, 0, 0, 2, 0, 1, 'a', 0, 0, 0, 0, 0, 1, 'a', 0, 0, 0, 0};
	assert_ccsp(CCSP_ERR_DECODE, chsm_image_decode(dup, sizeof dup, &im));
	uint8_t nul[] = {0, 0, 0, 1, 0, 2, 'a', 0, 0, 0, 0, 0};
	assert_ccsp(CCSP_ERR_DECODE, chsm_image_decode(nul, sizeof nul, &im));
	uint8_t huge[] = {0, 0, 0, 1, 0, 1, 'a', 0xff, 0xff, 0xff, 0xff};
	assert_ccsp(CCSP_ERR_DECODE, chsm_image_decode(huge, sizeof huge, &im));
	uint8_t many[] = {0xff, 0xff, 0xff, 0xff};
	assert_ccsp(CCSP_ERR_DECODE, chsm_image_decode(many, sizeof many, &im));
	assert_null(im);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),   cmocka_unit_test(test_altered_or_truncated),
		cmocka_unit_test(test_resigned_forgery), cmocka_unit_test(test_other_domain),
		cmocka_unit_test(test_names),        cmocka_unit_test(test_decode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

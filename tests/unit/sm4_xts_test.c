/* SPDX-License-Identifier: Apache-2.0 */
/* SM4-XTS (GB/T 17964-2021): published vectors, ciphertext stealing, every implementation. */
#include <string.h>

#include <ccsp/sm4.h>

#include "sm4/sm4_impl.h"
#include "sm4/sm4_internal.h"
#include "test_util.h"

/*
 * OpenSSL test/recipes/30-test_evp_data/evpciph_sm4.txt, "SM4 XTS test vectors from GB/T
 * 17964-2021" (XTSStandard = GB) and the IEEE Std 1619-2007 variants with the same inputs: the
 * first block agrees, the later ones differ by the tweak multiplication.
 */
#define V_KEY "2b7e151628aed2a6abf7158809cf4f3c000102030405060708090a0b0c0d0e0f"
#define V_TWEAK "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"
#define V_PT "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17"
#define V_CT_GB "e9538251c71d7b80bbe4483fef497bd12c5c581bd6242fc51e08964fb4f60fdb0ba42f63499279213d318d2c11f6886e903be7f93a1b3479"
#define V_CT_IEEE "e9538251c71d7b80bbe4483fef497bd1b3db1a3e60408c575d63ff7db39f83260869f9e2585fec9f0b863bf8fd784b8627d16c0db6d2cfc7"
/* same file, 17 bytes (one byte stolen), no XTSStandard line: OpenSSL's default for SM4, GB */
#define W_KEY "fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0bfbebdbcbbbab9b8b7b6b5b4b3b2b1b0"
#define W_TWEAK "9a785634120000000000000000000000"
#define W_PT "000102030405060708090a0b0c0d0e0f10"
#define W_CT_GB "9e52443a35410ca0ba5637b94c0766f469"

static void check_vector(const char *khex, const char *thex, const char *phex, const char *chex, int gb)
{
	uint8_t key[32], tw[16], pt[64], ct[64], out[64];
	hex2bin(khex, key, 32);
	hex2bin(thex, tw, 16);
	size_t n = hex2bin(phex, pt, sizeof pt);
	hex2bin(chex, ct, sizeof ct);
	for (const ccsp_sm4_impl *const *im = ccsp_sm4_impl_list(); *im != NULL; im++) {
		assert_ok(ccsp_sm4_xts_crypt_impl(key, tw, pt, out, n, 1, gb, *im));
		if (memcmp(out, ct, n) != 0)
			fail_msg("%s gb=%d: %s", (*im)->name, gb, bin2hex(out, n));
		assert_ok(ccsp_sm4_xts_crypt_impl(key, tw, ct, out, n, 0, gb, *im));
		assert_memory_equal(out, pt, n);
	}
}

static void test_vectors(void **state)
{
	(void)state;
	check_vector(V_KEY, V_TWEAK, V_PT, V_CT_GB, 1);
	check_vector(V_KEY, V_TWEAK, V_PT, V_CT_IEEE, 0);
	check_vector(W_KEY, W_TWEAK, W_PT, W_CT_GB, 1);
	/* the public API is the GB variant */
	uint8_t key[32], tw[16], pt[56], out[56];
	hex2bin(V_KEY, key, 32);
	hex2bin(V_TWEAK, tw, 16);
	hex2bin(V_PT, pt, 56);
	assert_ok(ccsp_sm4_xts_encrypt(key, tw, pt, out, 56));
	assert_hex_equal(V_CT_GB, out, 56);
	assert_ok(ccsp_sm4_xts_decrypt(key, tw, out, out, 56));
	assert_memory_equal(out, pt, 56);
}

/*
 * Ciphertext stealing, every length 16..100 and beyond a batch: decrypt(encrypt(x)) == x, in
 * place too; the whole blocks before the last two agree with the ciphertext of the same data cut
 * to whole blocks (stealing only touches the last full block); all implementations agree.
 */
static void test_stealing_lengths(void **state)
{
	(void)state;
	uint8_t key[32], tw[16], pt[16 * 80], ct[16 * 80], ref[16 * 80], out[16 * 80];
	test_rand_seed(21);
	for (size_t len = 16; len <= sizeof pt; len += (len < 100 ? 1 : 97)) {
		test_rand(key, 32);
		test_rand(tw, 16);
		test_rand(pt, len);
		for (int gb = 0; gb < 2; gb++) {
			for (const ccsp_sm4_impl *const *im = ccsp_sm4_impl_list(); *im != NULL; im++) {
				assert_ok(ccsp_sm4_xts_crypt_impl(key, tw, pt, ct, len, 1, gb, *im));
				if (im == ccsp_sm4_impl_list())
					memcpy(ref, ct, len);
				assert_memory_equal(ct, ref, len);
				memcpy(out, ct, len);
				assert_ok(ccsp_sm4_xts_crypt_impl(key, tw, out, out, len, 0, gb, *im));
				assert_memory_equal(out, pt, len);
			}
			size_t whole = len / 16 - (len % 16 != 0 ? 1 : 0);
			if (whole > 0) {
				assert_ok(ccsp_sm4_xts_crypt_impl(key, tw, pt, out, 16 * whole, 1, gb, NULL));
				assert_memory_equal(out, ct, 16 * whole);
			}
			/* a partial tail changes the last full block: stealing happened */
			if (len % 16 != 0) {
				assert_ok(ccsp_sm4_xts_crypt_impl(key, tw, pt, out, 16 * (whole + 1), 1, gb, NULL));
				assert_memory_not_equal(out + 16 * whole, ct + 16 * whole, 16);
			}
		}
	}
}

/*
 * Streaming: every length 0..600 cut into random pieces (empty ones included) gives the one-shot output, in place
 * or not; under 16 bytes final refuses.
 */
static void xts_stream(const uint8_t key[32], const uint8_t tw[16], int enc, const uint8_t *in, size_t len,
                       uint8_t *out, int inplace, size_t *outlen)
{
	ccsp_sm4_xts_ctx ctx;
	uint8_t piece[700 + 32];
	size_t done = 0, off = 0, n;
	assert_ok(ccsp_sm4_xts_init(&ctx, key, tw, enc));
	while (off < len) {
		uint8_t r;
		test_rand(&r, 1);
		size_t take = r % 3 == 0 ? 0 : (size_t)r % 70;
		take = take < len - off ? take : len - off;
		memcpy(piece, in + off, take);
		assert_ok(ccsp_sm4_xts_update(&ctx, piece, take, inplace ? piece : out + done, &n));
		assert_true(n % 16 == 0 && n <= take + 15);
		if (inplace)
			memcpy(out + done, piece, n);
		done += n;
		off += take;
	}
	ccsp_err e = ccsp_sm4_xts_final(&ctx, piece, &n);
	if (len < 16) {
		assert_ccsp(CCSP_ERR_DATA_LENGTH, e);
		*outlen = 0;
		return;
	}
	assert_ok(e);
	memcpy(out + done, piece, n);
	*outlen = done + n;
}

static void test_streaming(void **state)
{
	(void)state;
	uint8_t key[32], tw[16], pt[600], ct[600], out[600 + 32];
	size_t n;
	test_rand_seed(22);
	for (size_t len = 0; len <= sizeof pt; len += (len < 80 ? 1 : 37)) {
		test_rand(key, 32);
		test_rand(tw, 16);
		test_rand(pt, len);
		if (len >= 16)
			assert_ok(ccsp_sm4_xts_encrypt(key, tw, pt, ct, len));
		for (int inplace = 0; inplace < 2; inplace++) {
			xts_stream(key, tw, 1, pt, len, out, inplace, &n);
			if (len < 16)
				continue;
			assert_int_equal(n, len);
			assert_memory_equal(out, ct, len);
			xts_stream(key, tw, 0, ct, len, out, inplace, &n);
			assert_int_equal(n, len);
			assert_memory_equal(out, pt, len);
		}
	}
	ccsp_sm4_xts_ctx ctx;
	memcpy(key + 16, key, 16);
	assert_ccsp(CCSP_ERR_KEY, ccsp_sm4_xts_init(&ctx, key, tw, 1));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_xts_init(NULL, key, tw, 1));
}

static void test_errors(void **state)
{
	(void)state;
	uint8_t key[32], tw[16] = {0}, buf[32] = {0};
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	assert_ccsp(CCSP_ERR_DATA_LENGTH, ccsp_sm4_xts_encrypt(key, tw, buf, buf, 15));
	assert_ccsp(CCSP_ERR_DATA_LENGTH, ccsp_sm4_xts_decrypt(key, tw, buf, buf, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_xts_encrypt(NULL, tw, buf, buf, 16));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_xts_encrypt(key, NULL, buf, buf, 16));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_xts_decrypt(key, tw, NULL, buf, 16));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm4_xts_decrypt(key, tw, buf, NULL, 16));
	memcpy(key + 16, key, 16); /* data key == tweak key */
	assert_ccsp(CCSP_ERR_KEY, ccsp_sm4_xts_encrypt(key, tw, buf, buf, 16));
	assert_ccsp(CCSP_ERR_KEY, ccsp_sm4_xts_decrypt(key, tw, buf, buf, 16));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_stealing_lengths),
		cmocka_unit_test(test_streaming),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

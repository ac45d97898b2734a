/* SPDX-License-Identifier: Apache-2.0 */
/* GM/T 0010 SM2 digital envelopes (src/platform/envelope_der.c): the layout written byte by byte where it is fixed
 * (docs/api-ccspd.md "crypto/envelope-seal"), write-then-read, every refusal of the reader (each truncation, a
 * trailing byte, other algorithms, an IV or content of the wrong size, too many recipients), and PKCS#7 padding.
 * The envelopes openssl builds and reads are tests/cli/ccspd_envelope_test.sh's. */
#include <stdlib.h>
#include <string.h>

#include "platform/envelope_der.h"
#include "test_util.h"

/* issuer "CN=CA" and serial 0x01 0x02 */
static const uint8_t NAME_CA[] = {0x30, 0x0d, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55,
                                  0x04, 0x03, 0x0c, 0x02, 0x43, 0x41};
static const uint8_t SERIAL[] = {0x01, 0x02};

typedef struct fixture {
	uint8_t key_ct[CCSP_ENVELOPE_KEY_CT_SIZE], iv[16], content[48];
	uint8_t der[1024];
	size_t len;
} fixture;

static void make(fixture *f)
{
	test_rand(f->key_ct, sizeof f->key_ct);
	f->key_ct[0] |= 0x80; /* x with its top bit set: a 33-byte INTEGER in the SM2Cipher */
	test_rand(f->iv, sizeof f->iv);
	test_rand(f->content, sizeof f->content);
	assert_ok(ccsp_envelope_write(NAME_CA, sizeof NAME_CA, SERIAL, sizeof SERIAL, f->key_ct, f->iv, f->content,
	                              sizeof f->content, f->der, sizeof f->der, &f->len));
}

static int contains(const uint8_t *p, size_t n, const uint8_t *what, size_t wn)
{
	for (size_t i = 0; i + wn <= n; i++)
		if (memcmp(p + i, what, wn) == 0)
			return 1;
	return 0;
}

static void test_layout(void **state)
{
	(void)state;
	fixture f;
	make(&f);
	/* ContentInfo: SEQUENCE, envelopedData 1.2.156.10197.6.1.4.2.3, [0], EnvelopedData SEQUENCE, version 1, SET */
	static const uint8_t oid_env[] = {0x06, 0x0a, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x06, 0x01, 0x04, 0x02, 0x03};
	static const uint8_t oid_data[] = {0x06, 0x0a, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x06, 0x01, 0x04, 0x02, 0x01};
	static const uint8_t sm2enc_alg[] = {0x30, 0x0b, 0x06, 0x09, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d, 0x03};
	static const uint8_t sm4cbc_oid[] = {0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x68, 0x02, 0x04, 0x10};
	static const uint8_t ias[] = {0x30, 0x13};
	assert_int_equal(f.der[0], 0x30);
	assert_true(contains(f.der, 16, oid_env, sizeof oid_env));
	assert_true(contains(f.der, f.len, oid_data, sizeof oid_data));
	assert_true(contains(f.der, f.len, sm2enc_alg, sizeof sm2enc_alg));
	assert_true(contains(f.der, f.len, sm4cbc_oid, sizeof sm4cbc_oid));
	assert_true(contains(f.der, f.len, f.iv, sizeof f.iv));
	assert_true(contains(f.der, f.len, ias, sizeof ias));
	assert_true(contains(f.der, f.len, NAME_CA, sizeof NAME_CA));
	/* the content last: [0] IMPLICIT OCTET STRING of 48 bytes */
	assert_int_equal(f.der[f.len - 50], 0x80);
	assert_int_equal(f.der[f.len - 49], 48);
	assert_memory_equal(f.der + f.len - 48, f.content, 48);
}

static void test_roundtrip(void **state)
{
	(void)state;
	fixture f;
	ccsp_envelope e;
	make(&f);
	assert_ok(ccsp_envelope_read(f.der, f.len, &e));
	assert_int_equal(e.n_recipients, 1);
	assert_int_equal(e.recipients[0].issuer_len, sizeof NAME_CA);
	assert_memory_equal(e.recipients[0].issuer, NAME_CA, sizeof NAME_CA);
	assert_int_equal(e.recipients[0].serial_len, sizeof SERIAL);
	assert_memory_equal(e.recipients[0].serial, SERIAL, sizeof SERIAL);
	assert_memory_equal(e.recipients[0].key_ct, f.key_ct, sizeof f.key_ct);
	assert_memory_equal(e.iv, f.iv, 16);
	assert_int_equal(e.content_len, sizeof f.content);
	assert_memory_equal(e.content, f.content, sizeof f.content);
	/* no certificate: an empty Name and serial number 0 */
	static const uint8_t empty[] = {0x30, 0x00};
	assert_ok(ccsp_envelope_write(empty, sizeof empty, NULL, 0, f.key_ct, f.iv, f.content, 16, f.der, sizeof f.der,
	                              &f.len));
	assert_ok(ccsp_envelope_read(f.der, f.len, &e));
	assert_int_equal(e.recipients[0].issuer_len, 2);
	assert_int_equal(e.recipients[0].serial_len, 0);
	assert_int_equal(e.content_len, 16);
}

static void test_truncated_and_trailing(void **state)
{
	(void)state;
	fixture f;
	ccsp_envelope e;
	make(&f);
	for (size_t n = 0; n < f.len; n++) {
		assert_ccsp(CCSP_ERR_DECODE, ccsp_envelope_read(f.der, n, &e));
		assert_non_null(e.what);
	}
	f.der[f.len] = 0;
	assert_ccsp(CCSP_ERR_DECODE, ccsp_envelope_read(f.der, f.len + 1, &e));
}

/* The first occurrence of what in f's DER replaced by with (same length). */
static void patch(fixture *f, const uint8_t *what, const uint8_t *with, size_t n)
{
	for (size_t i = 0; i + n <= f->len; i++)
		if (memcmp(f->der + i, what, n) == 0) {
			memcpy(f->der + i, with, n);
			return;
		}
	fail_msg("pattern not found");
}

static void test_refusals(void **state)
{
	(void)state;
	fixture f;
	ccsp_envelope e;
	static const uint8_t cbc[] = {0x55, 0x01, 0x68, 0x02}, ecb[] = {0x55, 0x01, 0x68, 0x01};
	make(&f);
	patch(&f, cbc, ecb, sizeof cbc);
	assert_ccsp(CCSP_ERR_UNSUPPORTED, ccsp_envelope_read(f.der, f.len, &e));
	assert_non_null(strstr(e.what, "SM4-CBC"));

	static const uint8_t env[] = {0x04, 0x02, 0x03, 0xa0}, signed_data[] = {0x04, 0x02, 0x02, 0xa0};
	make(&f);
	patch(&f, env, signed_data, sizeof env);
	assert_ccsp(CCSP_ERR_UNSUPPORTED, ccsp_envelope_read(f.der, f.len, &e));
	assert_non_null(strstr(e.what, "envelopedData"));

	static const uint8_t sm2enc[] = {0x82, 0x2d, 0x03}, sm2sign[] = {0x82, 0x2d, 0x01};
	make(&f);
	patch(&f, sm2enc, sm2sign, sizeof sm2enc);
	assert_ccsp(CCSP_ERR_UNSUPPORTED, ccsp_envelope_read(f.der, f.len, &e));

	static const uint8_t v1[] = {0x02, 0x01, 0x01, 0x31}, v2[] = {0x02, 0x01, 0x02, 0x31};
	make(&f);
	patch(&f, v1, v2, sizeof v1);
	assert_ccsp(CCSP_ERR_DECODE, ccsp_envelope_read(f.der, f.len, &e));

	static const uint8_t iv16[] = {0x68, 0x02, 0x04, 0x10}, iv15[] = {0x68, 0x02, 0x04, 0x0f};
	make(&f);
	patch(&f, iv16, iv15, sizeof iv16);
	assert_ccsp(CCSP_ERR_DECODE, ccsp_envelope_read(f.der, f.len, &e));
}

static void test_write_args(void **state)
{
	(void)state;
	fixture f;
	uint8_t small[64];
	size_t need = 0;
	make(&f);
	assert_ccsp(CCSP_ERR_ARG, ccsp_envelope_write(NAME_CA, sizeof NAME_CA, SERIAL, 2, f.key_ct, f.iv, f.content, 15,
	                                              f.der, sizeof f.der, &f.len));
	assert_ccsp(CCSP_ERR_ARG, ccsp_envelope_write(NAME_CA, sizeof NAME_CA - 1, SERIAL, 2, f.key_ct, f.iv, f.content,
	                                              16, f.der, sizeof f.der, &f.len));
	assert_ccsp(CCSP_ERR_ARG, ccsp_envelope_write(NAME_CA, sizeof NAME_CA, SERIAL, 2, f.key_ct, f.iv, f.content, 0,
	                                              f.der, sizeof f.der, &f.len));
	assert_ccsp(CCSP_ERR_BUFFER_TOO_SMALL, ccsp_envelope_write(NAME_CA, sizeof NAME_CA, SERIAL, 2, f.key_ct, f.iv,
	                                                           f.content, 48, small, sizeof small, &need));
	assert_int_equal(need, f.len);
}

static void test_padding(void **state)
{
	(void)state;
	uint8_t buf[64], in[48];
	size_t n = 0;
	test_rand(in, sizeof in);
	for (size_t len = 0; len <= 40; len++) {
		size_t p = ccsp_envelope_padded_len(len);
		assert_true(p > len && p <= len + 16 && p % 16 == 0);
		ccsp_envelope_pad(in, len, buf);
		assert_memory_equal(buf, in, len);
		assert_int_equal(buf[p - 1], p - len);
		assert_ok(ccsp_envelope_unpad(buf, p, &n));
		assert_int_equal(n, len);
	}
	memset(buf, 0, 16);
	assert_ccsp(CCSP_ERR_DECODE, ccsp_envelope_unpad(buf, 16, &n)); /* pad byte 0 */
	buf[15] = 17;
	assert_ccsp(CCSP_ERR_DECODE, ccsp_envelope_unpad(buf, 16, &n)); /* longer than a block */
	memset(buf, 3, 16);
	buf[13] = 4;
	assert_ccsp(CCSP_ERR_DECODE, ccsp_envelope_unpad(buf, 16, &n)); /* a padding byte that differs */
	buf[13] = 3;
	assert_ok(ccsp_envelope_unpad(buf, 16, &n));
	assert_int_equal(n, 13);
	assert_ccsp(CCSP_ERR_DECODE, ccsp_envelope_unpad(buf, 15, &n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_truncated_and_trailing),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_write_args),
		cmocka_unit_test(test_padding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* SM2 key exchange (GB/T 32918.3-2016 clause 6): the standard example, agreement, confirmation, errors. */
#include <string.h>

#include <ccsp/sm2.h>

#include "sm2/sm2_internal.h"
#include "test_util.h"

/*
 * GM/T 0003.5-2012 / GB/T 32918.5 key exchange example on sm2p256v1, IDs "1234567812345678",
 * klen = 128 bits, as reproduced in public test suites (GmSSL SoftSDF exchange test, Tencent Kona
 * SM2KeyAgreementPerfTest).
 */
#define EX_DA "81EB26E941BB5AF16DF116495F90695272AE2CD63D6C4AE1678418BE48230029"
#define EX_PA                                                                                      \
	"04160E12897DF4EDB61DD812FEB96748FBD3CCF4FFE26AA6F6DB9540AF49C94232"                       \
	"4A7DAD08BB9A459531694BEB20AA489D6649975E1BFCF8C4741B78B4B223007F"
#define EX_RA "D4DE15474DB74D06491C440D305E012400990F3E390C7E87153C12DB2EA60BB3"
#define EX_RA_POINT                                                                                \
	"0464CED1BDBC99D590049B434D0FD73428CF608A5DB8FE5CE07F15026940BAE40E"                       \
	"376629C7AB21E7DB260922499DDB118F07CE8EAAE3E7720AFEF6A5CC062070C0"
#define EX_DB "785129917D45A9EA5437A59356B82338EAADDA6CEB199088F14AE10DEFA229B5"
#define EX_PB                                                                                      \
	"046AE848C57C53C7B1B5FA99EB2286AF078BA64C64591B8B566F7357D576F16DFB"                       \
	"EE489D771621A27B36C5C7992062E9CD09A9264386F3FBEA54DFF69305621C4D"
#define EX_RB "7E07124814B309489125EAED101113164EBF0F3458C5BD88335C1F9D596243D6"
#define EX_RB_POINT                                                                                \
	"04ACC27688A6F7B706098BC91FF3AD1BFF7DC2802CDB14CCCCDB0A90471F9BD707"                       \
	"2FEDAC0494B2FFC4D6853876C79B8F301C6573AD0AA50F39FC87181E1A1B46FE"
#define EX_ZA "3B85A57179E11E7E513AA622991F2CA74D1807A0BD4D4B38F90987A17AC245B1"
#define EX_ZB "79C988D63229D97EF19FE02CA1056E01E6A7411ED24694AA8F834F4A4AB022F7"
#define EX_K "6C89347354DE2484C60B4AB1FDE4C6E5"

static ccsp_sm2_key *key_from_hex(const char *d_hex)
{
	uint8_t d[32];
	hex2bin(d_hex, d, sizeof d);
	ccsp_sm2_key *k = ccsp_sm2_key_new();
	assert_non_null(k);
	assert_ok(ccsp_sm2_key_set_private(k, d));
	return k;
}

static void test_standard_example(void **state)
{
	(void)state;
	ccsp_sm2_key *a = key_from_hex(EX_DA), *b = key_from_hex(EX_DB);
	uint8_t pub[65], z[32], ra[32], rb[32], pa[65], pb[65], ka[16], kb[16], sa[32], sb[32];
	assert_ok(ccsp_sm2_key_get_public(a, pub));
	assert_hex_equal(EX_PA, pub, 65);
	assert_ok(ccsp_sm2_key_get_public(b, pub));
	assert_hex_equal(EX_PB, pub, 65);
	assert_ok(ccsp_sm2_compute_z(a, NULL, 0, z));
	assert_hex_equal(EX_ZA, z, 32);
	assert_ok(ccsp_sm2_compute_z(b, NULL, 0, z));
	assert_hex_equal(EX_ZB, z, 32);
	hex2bin(EX_RA, ra, 32);
	hex2bin(EX_RB, rb, 32);
	const ccsp_sm2_impl *const *list = ccsp_sm2_impl_list();
	for (size_t i = 0; list[i] != NULL; i++) {
		ccsp_sm2_kex *xa = ccsp_sm2_kex_new(), *xb = ccsp_sm2_kex_new();
		assert_ok(ccsp_sm2_kex_start_with_r(list[i], xa, 1, a, NULL, 0, b, NULL, 0, ra, pa));
		assert_hex_equal(EX_RA_POINT, pa, 65);
		assert_ok(ccsp_sm2_kex_start_with_r(list[i], xb, 0, b, NULL, 0, a, NULL, 0, rb, pb));
		assert_hex_equal(EX_RB_POINT, pb, 65);
		assert_ok(ccsp_sm2_kex_compute_impl(list[i], xb, pa, 65, kb, 16, sb));
		assert_hex_equal(EX_K, kb, 16);
		assert_ok(ccsp_sm2_kex_compute_impl(list[i], xa, pb, 65, ka, 16, sa));
		assert_hex_equal(EX_K, ka, 16);
		assert_ok(ccsp_sm2_kex_confirm(xa, sb));
		assert_ok(ccsp_sm2_kex_confirm(xb, sa));
		assert_memory_not_equal(sa, sb, 32); /* 0x02 vs 0x03 tags */
		ccsp_sm2_kex_free(xa);
		ccsp_sm2_kex_free(xb);
	}
	ccsp_sm2_key_free(a);
	ccsp_sm2_key_free(b);
}

/* One full exchange with fresh keys; returns whether the keys agree. */
static void run_exchange(const uint8_t *ida, size_t ida_len, const uint8_t *idb, size_t idb_len, size_t klen,
                         int confirm, int compressed)
{
	ccsp_sm2_key *a = ccsp_sm2_key_new(), *b = ccsp_sm2_key_new();
	ccsp_sm2_key *a_pub = ccsp_sm2_key_new(), *b_pub = ccsp_sm2_key_new();
	uint8_t pub[65], ra[65], rb[65], ka[200], kb[200], sa[32], sb[32];
	assert_ok(ccsp_sm2_key_generate(a));
	assert_ok(ccsp_sm2_key_generate(b));
	assert_ok(ccsp_sm2_key_get_public(a, pub));
	assert_ok(ccsp_sm2_key_set_public(a_pub, pub, 65));
	assert_ok(ccsp_sm2_key_get_public(b, pub));
	assert_ok(ccsp_sm2_key_set_public(b_pub, pub, 65));
	ccsp_sm2_kex *xa = ccsp_sm2_kex_new(), *xb = ccsp_sm2_kex_new();
	assert_ok(ccsp_sm2_kex_start(xa, 1, a, ida, ida_len, b_pub, idb, idb_len, ra));
	assert_ok(ccsp_sm2_kex_start(xb, 0, b, idb, idb_len, a_pub, ida, ida_len, rb));
	if (compressed) { /* the peer point may come compressed: 02/03 || x */
		ra[0] = (uint8_t)(0x02 | (ra[64] & 1));
		rb[0] = (uint8_t)(0x02 | (rb[64] & 1));
	}
	size_t rlen = compressed ? 33 : 65;
	assert_ok(ccsp_sm2_kex_compute(xb, ra, rlen, kb, klen, confirm ? sb : NULL));
	assert_ok(ccsp_sm2_kex_compute(xa, rb, rlen, ka, klen, confirm ? sa : NULL));
	assert_memory_equal(ka, kb, klen);
	if (confirm) {
		assert_ok(ccsp_sm2_kex_confirm(xa, sb));
		assert_ok(ccsp_sm2_kex_confirm(xb, sa));
		sb[5] ^= 0x40;
		assert_ccsp(CCSP_ERR_KEY_EXCHANGE, ccsp_sm2_kex_confirm(xa, sb));
		assert_ccsp(CCSP_ERR_KEY_EXCHANGE, ccsp_sm2_kex_confirm(xb, sb)); /* own hash back */
	}
	ccsp_sm2_kex_free(xa);
	ccsp_sm2_kex_free(xb);
	ccsp_sm2_key_free(a);
	ccsp_sm2_key_free(b);
	ccsp_sm2_key_free(a_pub);
	ccsp_sm2_key_free(b_pub);
}

static void test_agreement(void **state)
{
	(void)state;
	static const uint8_t alice[] = "alice@example.cn", bob[] = "bob";
	for (int i = 0; i < 20; i++)
		run_exchange(alice, sizeof alice - 1, bob, sizeof bob - 1, 1 + (size_t)i * 9, i & 1, i % 3 == 0);
	run_exchange(NULL, 0, NULL, 0, 16, 1, 0);
	run_exchange(alice, 0, bob, 0, 32, 1, 0); /* empty IDs */
}

static void test_mismatch(void **state)
{
	(void)state;
	/* A thinks B's ID is "bob", B uses the default: keys and confirmations differ */
	ccsp_sm2_key *a = ccsp_sm2_key_new(), *b = ccsp_sm2_key_new();
	uint8_t ra[65], rb[65], ka[16], kb[16], sa[32], sb[32];
	assert_ok(ccsp_sm2_key_generate(a));
	assert_ok(ccsp_sm2_key_generate(b));
	ccsp_sm2_kex *xa = ccsp_sm2_kex_new(), *xb = ccsp_sm2_kex_new();
	assert_ok(ccsp_sm2_kex_start(xa, 1, a, NULL, 0, b, (const uint8_t *)"bob", 3, ra));
	assert_ok(ccsp_sm2_kex_start(xb, 0, b, NULL, 0, a, NULL, 0, rb));
	assert_ok(ccsp_sm2_kex_compute(xb, ra, 65, kb, 16, sb));
	assert_ok(ccsp_sm2_kex_compute(xa, rb, 65, ka, 16, sa));
	assert_memory_not_equal(ka, kb, 16);
	assert_ccsp(CCSP_ERR_KEY_EXCHANGE, ccsp_sm2_kex_confirm(xa, sb));
	assert_ccsp(CCSP_ERR_KEY_EXCHANGE, ccsp_sm2_kex_confirm(xb, sa));
	ccsp_sm2_kex_free(xa);
	ccsp_sm2_kex_free(xb);
	/* both claim to be the initiator: no agreement */
	xa = ccsp_sm2_kex_new();
	xb = ccsp_sm2_kex_new();
	assert_ok(ccsp_sm2_kex_start(xa, 1, a, NULL, 0, b, NULL, 0, ra));
	assert_ok(ccsp_sm2_kex_start(xb, 1, b, NULL, 0, a, NULL, 0, rb));
	assert_ok(ccsp_sm2_kex_compute(xb, ra, 65, kb, 16, sb));
	assert_ok(ccsp_sm2_kex_compute(xa, rb, 65, ka, 16, sa));
	assert_memory_not_equal(ka, kb, 16);
	assert_ccsp(CCSP_ERR_KEY_EXCHANGE, ccsp_sm2_kex_confirm(xa, sb));
	ccsp_sm2_kex_free(xa);
	ccsp_sm2_kex_free(xb);
	ccsp_sm2_key_free(a);
	ccsp_sm2_key_free(b);
}

/* The peer given after the start (GM/T 0018's sponsor): the standard example's key, with either timing. */
static void test_deferred_peer(void **state)
{
	(void)state;
	ccsp_sm2_key *a = key_from_hex(EX_DA), *b = key_from_hex(EX_DB), *empty = ccsp_sm2_key_new();
	uint8_t ra[32], rb[32], pa[65], pb[65], ka[16], kb[16], sa[32], sb[32];
	hex2bin(EX_RA, ra, 32);
	hex2bin(EX_RB, rb, 32);
	const ccsp_sm2_impl *impl = ccsp_sm2_impl_get();
	ccsp_sm2_kex *xa = ccsp_sm2_kex_new(), *xb = ccsp_sm2_kex_new();
	assert_ok(ccsp_sm2_kex_start_with_r(impl, xa, 1, a, NULL, 0, NULL, NULL, 0, ra, pa));
	assert_hex_equal(EX_RA_POINT, pa, 65);
	assert_ok(ccsp_sm2_kex_start_with_r(impl, xb, 0, b, NULL, 0, a, NULL, 0, rb, pb));
	assert_ok(ccsp_sm2_kex_compute_impl(impl, xb, pa, 65, kb, 16, sb));
	assert_ccsp(CCSP_ERR_STATE, ccsp_sm2_kex_compute(xa, pb, 65, ka, 16, sa)); /* no peer yet */
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm2_kex_set_peer(xa, NULL, NULL, 0));
	assert_ccsp(CCSP_ERR_KEY, ccsp_sm2_kex_set_peer(xa, empty, NULL, 0));
	assert_ok(ccsp_sm2_kex_set_peer(xa, b, NULL, 0));
	assert_ok(ccsp_sm2_kex_compute_impl(impl, xa, pb, 65, ka, 16, sa));
	assert_hex_equal(EX_K, ka, 16);
	assert_hex_equal(EX_K, kb, 16);
	assert_ok(ccsp_sm2_kex_confirm(xa, sb));
	assert_ok(ccsp_sm2_kex_confirm(xb, sa));
	ccsp_sm2_kex_free(xa);
	ccsp_sm2_kex_free(xb);
	ccsp_sm2_key_free(a);
	ccsp_sm2_key_free(b);
	ccsp_sm2_key_free(empty);
}

static void test_errors(void **state)
{
	(void)state;
	ccsp_sm2_key *a = key_from_hex(EX_DA), *b_pub = ccsp_sm2_key_new(), *empty = ccsp_sm2_key_new();
	uint8_t pb[65], r[65], k[16], s[32];
	hex2bin(EX_PB, pb, 65);
	assert_ok(ccsp_sm2_key_set_public(b_pub, pb, 65));
	ccsp_sm2_kex *x = ccsp_sm2_kex_new();
	/* out of sequence */
	assert_ccsp(CCSP_ERR_STATE, ccsp_sm2_kex_compute(x, pb, 65, k, 16, s));
	assert_ccsp(CCSP_ERR_STATE, ccsp_sm2_kex_confirm(x, s));
	/* keys: self needs a private key, peer a public key */
	assert_ccsp(CCSP_ERR_KEY, ccsp_sm2_kex_start(x, 1, b_pub, NULL, 0, a, NULL, 0, r));
	assert_ccsp(CCSP_ERR_KEY, ccsp_sm2_kex_start(x, 1, a, NULL, 0, empty, NULL, 0, r));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm2_kex_start(x, 1, NULL, NULL, 0, b_pub, NULL, 0, r));
	assert_ccsp(CCSP_ERR_STATE, ccsp_sm2_kex_set_peer(x, b_pub, NULL, 0)); /* not started */
	assert_ok(ccsp_sm2_kex_start(x, 1, a, NULL, 0, b_pub, NULL, 0, r));
	assert_ccsp(CCSP_ERR_STATE, ccsp_sm2_kex_start(x, 1, a, NULL, 0, b_pub, NULL, 0, r));
	assert_ccsp(CCSP_ERR_STATE, ccsp_sm2_kex_set_peer(x, b_pub, NULL, 0)); /* the peer is given once */
	/* bad peer points: off the curve, infinity, bad encoding */
	uint8_t bad[65];
	memcpy(bad, pb, 65);
	bad[64] ^= 1;
	assert_ccsp(CCSP_ERR_POINT, ccsp_sm2_kex_compute(x, bad, 65, k, 16, s));
	memset(bad + 1, 0, 64);
	assert_ccsp(CCSP_ERR_POINT, ccsp_sm2_kex_compute(x, bad, 65, k, 16, s));
	assert_ccsp(CCSP_ERR_DECODE, ccsp_sm2_kex_compute(x, pb, 64 + 2, k, 16, s));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm2_kex_compute(x, pb, 65, k, 0, s));
	/* still usable after rejected input; once only */
	assert_ok(ccsp_sm2_kex_compute(x, pb, 65, k, 16, s));
	assert_ccsp(CCSP_ERR_STATE, ccsp_sm2_kex_compute(x, pb, 65, k, 16, s));
	ccsp_sm2_kex_free(x);
	ccsp_sm2_kex_free(NULL);
	ccsp_sm2_key_free(a);
	ccsp_sm2_key_free(b_pub);
	ccsp_sm2_key_free(empty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_standard_example),
	        cmocka_unit_test(test_agreement),
	        cmocka_unit_test(test_mismatch),
	        cmocka_unit_test(test_deferred_peer),
	        cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

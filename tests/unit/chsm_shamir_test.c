/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shamir secret sharing over GF(2^8) (src/chsm/chsm_shamir.c): a known answer from the FIPS-197 field example,
 * a differential test against a log/antilog-table implementation written here, split/combine for every m-of-n
 * up to 5 and every subset, what m - 1 shares give, the share lines (round trip, every single-character change
 * and adjacent swap caught, malformed lines), and every refusal of combine.
 */
#include <stdio.h>
#include <string.h>

#include <ccsp/rand.h>

#include "chsm/chsm_shamir.h"
#include "test_util.h"

/* ---- an independent GF(2^8): log/antilog tables over the generator 3 (test only; tables are fine here) ---- */

static uint8_t ref_exp[512], ref_log[256];

static void ref_init(void)
{
	uint8_t x = 1;
	for (int i = 0; i < 255; i++) {
		ref_exp[i] = ref_exp[i + 255] = x;
		ref_log[x] = (uint8_t)i;
		x = (uint8_t)(x ^ (x << 1) ^ ((x & 0x80) ? 0x1b : 0)); /* x * 3 */
	}
}

static uint8_t ref_mul(uint8_t a, uint8_t b)
{
	return a == 0 || b == 0 ? 0 : ref_exp[ref_log[a] + ref_log[b]];
}

static uint8_t ref_div(uint8_t a, uint8_t b)
{
	return a == 0 ? 0 : ref_exp[ref_log[a] + 255 - ref_log[b]];
}

/* Lagrange at 0 of one byte, the reference way. */
static uint8_t ref_interpolate(const uint8_t *x, const uint8_t *y, size_t k)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < k; i++) {
		uint8_t l = 1;
		for (size_t j = 0; j < k; j++)
			if (j != i)
				l = ref_mul(l, ref_div(x[j], (uint8_t)(x[j] ^ x[i])));
		acc ^= ref_mul(l, y[i]);
	}
	return acc;
}

static void test_known_answer(void **state)
{
	(void)state;
	/* FIPS-197 §4.2: {57} * {83} = {c1}. f(x) = 0 + {57} x passes through (1, {57}) and ({83}, {c1}); f(0) = 0.
	 * g(x) = {57} + {83} x: g(1) = {d4}, g(2) = {57} ^ xtime({83}) = {57} ^ {1d} = {4a}; g(0) = {57}. */
	const uint8_t x1[2] = {1, 0x83}, y1a = 0x57, y1b = 0xc1, x2[2] = {1, 2}, y2a = 0xd4, y2b = 0x4a;
	const uint8_t *y1[2] = {&y1a, &y1b}, *y2[2] = {&y2a, &y2b};
	uint8_t out;
	assert_ok(chsm_shamir_interpolate(x1, y1, 2, 1, &out));
	assert_int_equal(out, 0x00);
	assert_ok(chsm_shamir_interpolate(x2, y2, 2, 1, &out));
	assert_int_equal(out, 0x57);
	/* x = 0 and repeated x are refused */
	const uint8_t x0[2] = {0, 1}, xd[2] = {3, 3};
	assert_ccsp(CCSP_ERR_ARG, chsm_shamir_interpolate(x0, y2, 2, 1, &out));
	assert_ccsp(CCSP_ERR_ARG, chsm_shamir_interpolate(xd, y2, 2, 1, &out));
	assert_ccsp(CCSP_ERR_ARG, chsm_shamir_interpolate(x2, y2, 0, 1, &out));
}

static void test_differential(void **state)
{
	(void)state;
	ref_init();
	test_rand_seed(1);
	for (int round = 0; round < 2000; round++) {
		size_t k = 1 + test_rand_below(CHSM_SHARE_N_MAX);
		uint8_t x[CHSM_SHARE_N_MAX], ys[CHSM_SHARE_N_MAX][8], out[8];
		const uint8_t *y[CHSM_SHARE_N_MAX];
		for (size_t i = 0; i < k; i++) { /* distinct non-zero x anywhere in 1..255 */
			int fresh;
			do {
				x[i] = (uint8_t)(1 + test_rand_below(255));
				fresh = 1;
				for (size_t j = 0; j < i; j++)
					fresh &= x[j] != x[i];
			} while (!fresh);
			test_rand(ys[i], sizeof ys[i]);
			y[i] = ys[i];
		}
		assert_ok(chsm_shamir_interpolate(x, y, k, sizeof out, out));
		for (size_t b = 0; b < sizeof out; b++) {
			uint8_t col[CHSM_SHARE_N_MAX];
			for (size_t i = 0; i < k; i++)
				col[i] = ys[i][b];
			assert_int_equal(out[b], ref_interpolate(x, col, k));
		}
	}
}

/* The shares of shares[] whose bit is set in mask, into sub; their count. */
static size_t pick(const chsm_share *shares, unsigned n, unsigned mask, chsm_share *sub)
{
	size_t k = 0;
	for (unsigned i = 0; i < n; i++)
		if (mask & (1u << i))
			sub[k++] = shares[i];
	return k;
}

static void test_every_m_of_n_every_subset(void **state)
{
	(void)state;
	for (unsigned n = 2; n <= 5; n++)
		for (unsigned m = 2; m <= n; m++) {
			chsm_share shares[5], sub[5];
			uint8_t secret[16], got[CHSM_SHARE_SECRET_MAX];
			size_t len;
			assert_ok(ccsp_random(secret, sizeof secret));
			assert_ok(chsm_shamir_split(CHSM_SHARE_MASTER, secret, sizeof secret, m, n, shares));
			for (unsigned i = 0; i < n; i++) {
				assert_int_equal(shares[i].x, i + 1);
				assert_int_equal(shares[i].m, m);
				assert_int_equal(shares[i].n, n);
				assert_memory_equal(shares[i].setid, shares[0].setid, CHSM_SHARE_SETID_SIZE);
			}
			for (unsigned mask = 1; mask < (1u << n); mask++) {
				size_t k = pick(shares, n, mask, sub);
				if (k >= m) {
					assert_ok(chsm_shamir_combine(sub, k, got, sizeof got, &len));
					assert_int_equal(len, sizeof secret);
					assert_memory_equal(got, secret, sizeof secret);
				} else {
					/* m - 1 shares or fewer: refused; and interpolated anyway, a wrong secret */
					uint8_t x[5];
					const uint8_t *y[5];
					assert_ccsp(CCSP_ERR_SHARE_TOO_FEW,
					            chsm_shamir_combine(sub, k, got, sizeof got, &len));
					assert_int_equal(len, 0);
					for (size_t i = 0; i < k; i++) {
						x[i] = sub[i].x;
						y[i] = sub[i].y;
					}
					assert_ok(chsm_shamir_interpolate(x, y, k, sizeof secret, got));
					assert_memory_not_equal(got, secret, sizeof secret);
				}
			}
			chsm_share_wipe(shares, n);
		}
}

/* With m = 2, one share's byte is uniform whatever the secret: the share alone says nothing about it. */
static void test_one_share_is_uniform(void **state)
{
	(void)state;
	static const uint8_t secrets[2] = {0x00, 0xff};
	for (int s = 0; s < 2; s++) {
		unsigned count[256] = {0};
		for (int i = 0; i < 25600; i++) {
			chsm_share sh[2];
			assert_ok(chsm_shamir_split(CHSM_SHARE_DOMAIN, &secrets[s], 1, 2, 2, sh));
			count[sh[0].y[0]]++;
		}
		for (int v = 0; v < 256; v++) /* expected 100 each; outside 40..180 has probability < 1e-9 */
			if (count[v] < 40 || count[v] > 180)
				fail_msg("secret %02x: share value %02x seen %u times of 25600", secrets[s], v, count[v]);
	}
}

static void test_lengths_and_parameters(void **state)
{
	(void)state;
	static const size_t lens[] = {1, 2, 16, 32, 63, 64};
	static const unsigned mn[][2] = {{2, 2}, {2, 16}, {16, 16}, {7, 9}};
	uint8_t secret[CHSM_SHARE_SECRET_MAX + 1], got[CHSM_SHARE_SECRET_MAX];
	chsm_share shares[CHSM_SHARE_N_MAX];
	size_t len;
	test_rand(secret, sizeof secret);
	for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++)
		for (size_t p = 0; p < sizeof mn / sizeof mn[0]; p++) {
			unsigned m = mn[p][0], n = mn[p][1];
			assert_ok(chsm_shamir_split(CHSM_SHARE_DOMAIN, secret, lens[l], m, n, shares));
			/* the last m shares */
			assert_ok(chsm_shamir_combine(shares + (n - m), m, got, sizeof got, &len));
			assert_int_equal(len, lens[l]);
			assert_memory_equal(got, secret, lens[l]);
			assert_ccsp(CCSP_ERR_BUFFER_TOO_SMALL, chsm_shamir_combine(shares, m, got, lens[l] - 1, &len));
		}
	assert_ccsp(CCSP_ERR_ARG, chsm_shamir_split(CHSM_SHARE_DOMAIN, secret, 0, 2, 3, shares));
	assert_ccsp(CCSP_ERR_ARG, chsm_shamir_split(CHSM_SHARE_DOMAIN, secret, 65, 2, 3, shares));
	assert_ccsp(CCSP_ERR_ARG, chsm_shamir_split(CHSM_SHARE_DOMAIN, secret, 16, 1, 3, shares));
	assert_ccsp(CCSP_ERR_ARG, chsm_shamir_split(CHSM_SHARE_DOMAIN, secret, 16, 4, 3, shares));
	assert_ccsp(CCSP_ERR_ARG, chsm_shamir_split(CHSM_SHARE_DOMAIN, secret, 16, 2, 17, shares));
	assert_ccsp(CCSP_ERR_ARG, chsm_shamir_split((chsm_share_purpose)7, secret, 16, 2, 3, shares));
}

static void test_setid(void **state)
{
	(void)state;
	uint8_t secret[16] = {1, 2, 3}, other[16] = {1, 2, 4}, a[4], b[4];
	chsm_share s1[3], s2[3];
	assert_ok(chsm_shamir_split(CHSM_SHARE_MASTER, secret, 16, 2, 3, s1));
	assert_ok(chsm_shamir_split(CHSM_SHARE_MASTER, secret, 16, 2, 3, s2));
	/* two splits of one secret: the same set id, other share values */
	assert_memory_equal(s1[0].setid, s2[0].setid, 4);
	assert_memory_not_equal(s1[0].y, s2[0].y, 16);
	assert_ok(chsm_shamir_setid(CHSM_SHARE_MASTER, 2, 3, secret, 16, a));
	assert_memory_equal(a, s1[0].setid, 4);
	/* it depends on the purpose, m, n and every byte of the secret */
	assert_ok(chsm_shamir_setid(CHSM_SHARE_DOMAIN, 2, 3, secret, 16, b));
	assert_memory_not_equal(a, b, 4);
	assert_ok(chsm_shamir_setid(CHSM_SHARE_MASTER, 3, 3, secret, 16, b));
	assert_memory_not_equal(a, b, 4);
	assert_ok(chsm_shamir_setid(CHSM_SHARE_MASTER, 2, 3, other, 16, b));
	assert_memory_not_equal(a, b, 4);
	/* mixing the shares of the two splits is caught after combining (same set id, wrong result) */
	chsm_share mix[2] = {s1[0], s2[1]};
	uint8_t got[64];
	size_t len;
	assert_ccsp(CCSP_ERR_SHARE_WRONG, chsm_shamir_combine(mix, 2, got, sizeof got, &len));
	assert_int_equal(len, 0);
}

static void test_combine_refusals(void **state)
{
	(void)state;
	uint8_t secret[16], got[64];
	chsm_share a[3], b[3], d[3], set[3];
	size_t len;
	assert_ok(ccsp_random(secret, sizeof secret));
	assert_ok(chsm_shamir_split(CHSM_SHARE_MASTER, secret, 16, 2, 3, a));
	assert_ok(chsm_shamir_split(CHSM_SHARE_DOMAIN, secret, 16, 2, 3, d));
	secret[0] ^= 1;
	assert_ok(chsm_shamir_split(CHSM_SHARE_MASTER, secret, 16, 2, 3, b));
	/* another split */
	set[0] = a[0], set[1] = b[1];
	assert_ccsp(CCSP_ERR_SHARE_MIXED, chsm_shamir_combine(set, 2, got, sizeof got, &len));
	assert_ccsp(CCSP_ERR_SHARE_MIXED, chsm_shamir_check_join(set, 1, &b[1]));
	/* another purpose */
	set[1] = d[1];
	assert_ccsp(CCSP_ERR_SHARE_MIXED, chsm_shamir_combine(set, 2, got, sizeof got, &len));
	/* another threshold claimed */
	set[1] = a[1];
	set[1].m = 3;
	assert_ccsp(CCSP_ERR_SHARE_MIXED, chsm_shamir_combine(set, 2, got, sizeof got, &len));
	/* the same share twice, or two shares with one x */
	set[1] = a[0];
	assert_ccsp(CCSP_ERR_SHARE_DUPLICATE, chsm_shamir_combine(set, 2, got, sizeof got, &len));
	set[1].y[0] ^= 1;
	assert_ccsp(CCSP_ERR_SHARE_DUPLICATE, chsm_shamir_combine(set, 2, got, sizeof got, &len));
	assert_ccsp(CCSP_ERR_SHARE_DUPLICATE, chsm_shamir_check_join(a, 2, &a[1]));
	/* too few */
	assert_ccsp(CCSP_ERR_SHARE_TOO_FEW, chsm_shamir_combine(a, 1, got, sizeof got, &len));
	assert_ccsp(CCSP_ERR_SHARE_TOO_FEW, chsm_shamir_combine(a, 0, got, sizeof got, &len));
	/* a forged share value (its line's check recomputed): the result fails the set id */
	set[0] = a[0], set[1] = a[2];
	set[1].y[5] ^= 0x40;
	assert_ccsp(CCSP_ERR_SHARE_WRONG, chsm_shamir_combine(set, 2, got, sizeof got, &len));
	/* x outside 1..n is not a share */
	set[1] = a[2];
	set[1].x = 4;
	assert_ccsp(CCSP_ERR_ARG, chsm_shamir_combine(set, 2, got, sizeof got, &len));
	assert_ccsp(CCSP_ERR_ARG, chsm_shamir_combine(NULL, 2, got, sizeof got, &len));
	/* all three together: fine */
	assert_ok(chsm_shamir_combine(a, 3, got, sizeof got, &len));
}

/* ---- text ---- */

/* A fixed share, so that the single-change test is deterministic. */
static void fixed_share(chsm_share *s, size_t len)
{
	memset(s, 0, sizeof *s);
	s->purpose = CHSM_SHARE_DOMAIN;
	memcpy(s->setid, "\x1a\x2b\x3c\x4d", 4);
	s->m = 3, s->n = 5, s->x = 4, s->len = (uint8_t)len;
	for (size_t i = 0; i < len; i++)
		s->y[i] = (uint8_t)(0x37 * i + 0x5c);
}

static void test_text_round_trip(void **state)
{
	(void)state;
	uint8_t secret[CHSM_SHARE_SECRET_MAX];
	chsm_share shares[CHSM_SHARE_N_MAX], back;
	char line[CHSM_SHARE_TEXT_MAX], in[CHSM_SHARE_INPUT_MAX + 8];
	test_rand(secret, sizeof secret);
	assert_ok(chsm_shamir_split(CHSM_SHARE_MASTER, secret, 64, 16, 16, shares));
	for (int i = 0; i < 16; i++) {
		assert_ok(chsm_share_format(&shares[i], line, sizeof line));
		assert_true(strlen(line) <= 177);
		assert_ok(chsm_share_parse(line, strlen(line), &back));
		assert_memory_equal(&back, &shares[i], sizeof back);
		/* blanks and a CRLF around it, upper case: the same share */
		snprintf(in, sizeof in, "  %s \r\n", line);
		for (char *c = in; *c; c++)
			if (*c >= 'a' && *c <= 'z')
				*c = (char)(*c - 32);
		assert_ok(chsm_share_parse(in, strlen(in), &back));
		assert_memory_equal(&back, &shares[i], sizeof back);
	}
	chsm_share s;
	fixed_share(&s, 16);
	assert_ok(chsm_share_format(&s, line, sizeof line));
	assert_int_equal(strncmp(line, "ccsp-share-v1-domain-1a2b3c4d-3of5-4-5c93ca0138", 47), 0);
	assert_int_equal(strlen(line), 14 + 7 + 9 + 5 + 2 + 32 + 1 + 8);
	/* formatting refuses what is no share, and a short buffer */
	s.x = 6;
	assert_ccsp(CCSP_ERR_ARG, chsm_share_format(&s, line, sizeof line));
	s.x = 4;
	assert_ccsp(CCSP_ERR_BUFFER_TOO_SMALL, chsm_share_format(&s, line, CHSM_SHARE_TEXT_MAX - 1));
	chsm_share_wipe(shares, 16);
}

static int is_ok_or_share_error(ccsp_err e)
{
	return e == CCSP_ERR_DECODE || e == CCSP_ERR_SHARE_CHECKSUM;
}

static int same_letter_other_case(char a, char b)
{
	return a != b && ((a | 0x20) == (b | 0x20)) && (a | 0x20) >= 'a' && (a | 0x20) <= 'z';
}

/* Every single-character substitution (any printable character), deletion and adjacent swap of a share line
 * is refused: DECODE when the structure breaks, SHARE_CHECKSUM otherwise. Only a change of letter case, which
 * does not change the share, is accepted. */
static void test_checksum_catches_every_change(void **state)
{
	(void)state;
	chsm_share s, back;
	char line[CHSM_SHARE_TEXT_MAX], bad[CHSM_SHARE_TEXT_MAX];
	unsigned checksum_caught = 0;
	fixed_share(&s, 16);
	assert_ok(chsm_share_format(&s, line, sizeof line));
	size_t n = strlen(line);
	for (size_t i = 0; i < n; i++) {
		for (int c = 0x21; c <= 0x7e; c++) {
			if (c == line[i])
				continue;
			memcpy(bad, line, n + 1);
			bad[i] = (char)c;
			ccsp_err e = chsm_share_parse(bad, n, &back);
			if (same_letter_other_case(line[i], (char)c)) {
				assert_ok(e);
				assert_memory_equal(&back, &s, sizeof s);
				continue;
			}
			if (!is_ok_or_share_error(e))
				fail_msg("'%s' (position %zu -> '%c'): %s", bad, i, c, ccsp_err_name(e));
			checksum_caught += e == CCSP_ERR_SHARE_CHECKSUM;
		}
		/* deletion */
		memcpy(bad, line, i);
		memcpy(bad + i, line + i + 1, n - i);
		assert_true(is_ok_or_share_error(chsm_share_parse(bad, n - 1, &back)));
		/* adjacent swap */
		if (i + 1 < n && line[i] != line[i + 1]) {
			memcpy(bad, line, n + 1);
			bad[i] = line[i + 1];
			bad[i + 1] = line[i];
			assert_true(is_ok_or_share_error(chsm_share_parse(bad, n, &back)));
		}
	}
	/* every hex digit of the set id, y and check changed to another digit is a checksum error, not a decode */
	assert_true(checksum_caught >= (8 + 32 + 8) * 15);
}

static void test_parse_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"   \r\n",
		"ccsp-share-v1-",
		"ccsp-share-v2-domain-1a2b3c4d-3of5-4-5c93-00000000",
		"ccsp-share-v1-vault-1a2b3c4d-3of5-4-5c93-00000000",
		"ccsp-share-v1-domain-1a2b3c4-3of5-4-5c93-00000000",
		"ccsp-share-v1-domain-1a2b3c4d-03of5-4-5c93-00000000",
		"ccsp-share-v1-domain-1a2b3c4d-3of05-4-5c93-00000000",
		"ccsp-share-v1-domain-1a2b3c4d-1of5-1-5c93-00000000",
		"ccsp-share-v1-domain-1a2b3c4d-6of5-4-5c93-00000000",
		"ccsp-share-v1-domain-1a2b3c4d-3of17-4-5c93-00000000",
		"ccsp-share-v1-domain-1a2b3c4d-3of5-0-5c93-00000000",
		"ccsp-share-v1-domain-1a2b3c4d-3of5-6-5c93-00000000",
		"ccsp-share-v1-domain-1a2b3c4d-3of5-4-5c9-00000000",
		"ccsp-share-v1-domain-1a2b3c4d-3of5-4--00000000",
		"ccsp-share-v1-domain-1a2b3c4d-3of5-4-5g93-00000000",
		"ccsp-share-v1-domain-1a2b3c4d-3of5-4-5c93-0000000",
		"ccsp-share-v1-domain-1a2b3c4d-3of5-4-5c93-000000000",
		"ccsp-share-v1-domain-1a2b3c4d-3of5-4-5c93",
		"ccsp-share-v1-domain-1a2b3c4d-3of5-4-5c 93-00000000",
		"ccsp-share-v1-domain-1a2b3c4d-3of5-4-5c93-00000000-",
		"ccsp-share-v1-domain-1a2b3c4d-3of5-4-5c93-00000000 x",
		"ccsp-share-v1-domain-1a2b3c4d-3of5-+4-5c93-00000000",
		"xccsp-share-v1-domain-1a2b3c4d-3of5-4-5c93-00000000",
	};
	chsm_share s;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ccsp_err e = chsm_share_parse(bad[i], strlen(bad[i]), &s);
		if (e != CCSP_ERR_DECODE)
			fail_msg("'%s': %s, expected CCSP_ERR_DECODE", bad[i], ccsp_err_name(e));
	}
	/* y of 65 bytes; input over the bound; a NUL inside */
	char line[600];
	int n = snprintf(line, sizeof line, "ccsp-share-v1-domain-1a2b3c4d-3of5-4-");
	for (int i = 0; i < 130; i++)
		line[n++] = 'a';
	memcpy(line + n, "-00000000", 10);
	assert_ccsp(CCSP_ERR_DECODE, chsm_share_parse(line, strlen(line), &s));
	chsm_share ok;
	fixed_share(&ok, 16);
	assert_ok(chsm_share_format(&ok, line, sizeof line));
	size_t len = strlen(line);
	memset(line + len, ' ', 300);
	assert_ok(chsm_share_parse(line, len + 100, &s)); /* blanks trimmed first */
	line[len + 100] = 'x';
	assert_ccsp(CCSP_ERR_DECODE, chsm_share_parse(line, len + 101, &s));
	line[len] = '\0';
	line[10] = '\0';
	assert_ccsp(CCSP_ERR_DECODE, chsm_share_parse(line, len, &s));
	assert_ccsp(CCSP_ERR_ARG, chsm_share_parse(NULL, 3, &s));
	assert_ccsp(CCSP_ERR_DECODE, chsm_share_parse(NULL, 0, &s));
	/* on failure, nothing of a half-parsed share is left */
	static const chsm_share zero;
	assert_memory_equal(&s, &zero, sizeof s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_every_m_of_n_every_subset),
		cmocka_unit_test(test_one_share_is_uniform),
		cmocka_unit_test(test_lengths_and_parameters),
		cmocka_unit_test(test_setid),
		cmocka_unit_test(test_combine_refusals),
		cmocka_unit_test(test_text_round_trip),
		cmocka_unit_test(test_checksum_catches_every_change),
		cmocka_unit_test(test_parse_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

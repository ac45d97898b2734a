/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CHSM's custodian shares and their lines (chsm_shamir.h): set ids, parameters and checks on top of the one
 * GF(2^8) Shamir core of ccsp (src/crypto/shamir/shamir.h), which the VSM's key backup shares.
 */
#include <stdio.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/sm3.h>

#include "chsm/chsm_shamir.h"
#include "crypto/ct.h"
#include "crypto/guard.h" /* CCSP_CHECK */
#include "crypto/shamir/shamir.h"

#define PREFIX "ccsp-share-v1-"
#define SETID_LABEL "ccsp-share-v1 set"
_Static_assert(CHSM_SHARE_N_MAX <= CCSP_SHAMIR_N_MAX, "the core takes every split of chsm");

/* ---- parameters ---- */

const char *chsm_share_purpose_name(chsm_share_purpose p)
{
	return p == CHSM_SHARE_MASTER ? "master" : p == CHSM_SHARE_DOMAIN ? "domain" : NULL;
}

static int params_ok(chsm_share_purpose purpose, unsigned m, unsigned n, size_t len)
{
	return chsm_share_purpose_name(purpose) != NULL && m >= 2 && m <= n && n <= CHSM_SHARE_N_MAX && len >= 1 &&
	       len <= CHSM_SHARE_SECRET_MAX;
}

static int share_ok(const chsm_share *s)
{
	return params_ok(s->purpose, s->m, s->n, s->len) && s->x >= 1 && s->x <= s->n;
}

ccsp_err chsm_shamir_setid(chsm_share_purpose purpose, unsigned m, unsigned n, const uint8_t *secret, size_t len,
                           uint8_t setid[CHSM_SHARE_SETID_SIZE])
{
	ccsp_sm3_ctx c;
	uint8_t h[CCSP_SM3_DIGEST_SIZE], params[3] = {(uint8_t)m, (uint8_t)n, (uint8_t)len};
	const char *name = chsm_share_purpose_name(purpose);
	ccsp_err ret = CCSP_ERR_ARG;
	if (!params_ok(purpose, m, n, len) || secret == NULL || setid == NULL)
		return ret;
	CCSP_CHECK(ccsp_sm3_init(&c));
	CCSP_CHECK(ccsp_sm3_update(&c, SETID_LABEL, sizeof SETID_LABEL - 1));
	CCSP_CHECK(ccsp_sm3_update(&c, name, strlen(name)));
	CCSP_CHECK(ccsp_sm3_update(&c, params, sizeof params));
	CCSP_CHECK(ccsp_sm3_update(&c, secret, len));
	CCSP_CHECK(ccsp_sm3_final(&c, h));
	memcpy(setid, h, CHSM_SHARE_SETID_SIZE);
	ct_declassify(setid, CHSM_SHARE_SETID_SIZE); /* public by design (see the header) */
out:
	ccsp_memzero(&c, sizeof c);
	ccsp_memzero(h, sizeof h);
	return ret;
}

/* ---- split, combine ---- */

ccsp_err chsm_shamir_split(chsm_share_purpose purpose, const uint8_t *secret, size_t len, unsigned m, unsigned n,
                           chsm_share *shares)
{
	uint8_t setid[CHSM_SHARE_SETID_SIZE], *y[CHSM_SHARE_N_MAX];
	ccsp_err ret = CCSP_ERR_ARG;
	if (!params_ok(purpose, m, n, len) || secret == NULL || shares == NULL)
		return ret;
	memset(shares, 0, n * sizeof *shares);
	CCSP_CHECK(chsm_shamir_setid(purpose, m, n, secret, len, setid));
	for (unsigned j = 0; j < n; j++) {
		shares[j].purpose = purpose;
		memcpy(shares[j].setid, setid, sizeof setid);
		shares[j].m = (uint8_t)m;
		shares[j].n = (uint8_t)n;
		shares[j].x = (uint8_t)(j + 1); /* the core's abscissa of y[j] */
		shares[j].len = (uint8_t)len;
		y[j] = shares[j].y;
	}
	CCSP_CHECK(ccsp_shamir_split(secret, len, m, n, y));
out:
	if (ret != CCSP_OK)
		chsm_share_wipe(shares, n);
	return ret;
}

ccsp_err chsm_shamir_interpolate(const uint8_t *x, const uint8_t *const *y, size_t k, size_t len, uint8_t *out)
{
	return k > CHSM_SHARE_N_MAX ? CCSP_ERR_ARG : ccsp_shamir_interpolate(x, y, k, len, out);
}

ccsp_err chsm_shamir_check_join(const chsm_share *set, size_t count, const chsm_share *s)
{
	if (s == NULL || (count > 0 && set == NULL))
		return CCSP_ERR_ARG;
	if (!share_ok(s))
		return CCSP_ERR_ARG;
	if (count == 0)
		return CCSP_OK;
	if (s->purpose != set[0].purpose || memcmp(s->setid, set[0].setid, CHSM_SHARE_SETID_SIZE) != 0 ||
	    s->m != set[0].m || s->n != set[0].n || s->len != set[0].len)
		return CCSP_ERR_SHARE_MIXED;
	for (size_t i = 0; i < count; i++)
		if (set[i].x == s->x)
			return CCSP_ERR_SHARE_DUPLICATE;
	return CCSP_OK;
}

ccsp_err chsm_shamir_combine(const chsm_share *shares, size_t count, uint8_t *secret, size_t cap, size_t *len)
{
	uint8_t x[CHSM_SHARE_N_MAX], setid[CHSM_SHARE_SETID_SIZE];
	const uint8_t *y[CHSM_SHARE_N_MAX];
	ccsp_err ret = CCSP_ERR_ARG;
	if (len != NULL)
		*len = 0;
	if (shares == NULL || secret == NULL || len == NULL)
		return ret;
	if (count == 0)
		return CCSP_ERR_SHARE_TOO_FEW;
	for (size_t i = 0; i < count; i++) /* distinct x in 1..n: at most n <= CHSM_SHARE_N_MAX shares */
		CCSP_CHECK(chsm_shamir_check_join(shares, i, &shares[i]));
	CCSP_CHECK(count >= shares[0].m ? CCSP_OK : CCSP_ERR_SHARE_TOO_FEW);
	CCSP_CHECK(cap >= shares[0].len ? CCSP_OK : CCSP_ERR_BUFFER_TOO_SMALL);
	for (size_t i = 0; i < count; i++) {
		x[i] = shares[i].x;
		y[i] = shares[i].y;
	}
	CCSP_CHECK(chsm_shamir_interpolate(x, y, count, shares[0].len, secret));
	CCSP_CHECK(chsm_shamir_setid(shares[0].purpose, shares[0].m, shares[0].n, secret, shares[0].len, setid));
	CCSP_CHECK(ct_memeq(setid, shares[0].setid, sizeof setid) ? CCSP_OK : CCSP_ERR_SHARE_WRONG);
	*len = shares[0].len;
out:
	if (ret != CCSP_OK)
		ccsp_memzero(secret, cap < CHSM_SHARE_SECRET_MAX ? cap : CHSM_SHARE_SECRET_MAX);
	return ret;
}

void chsm_share_wipe(chsm_share *s, size_t count)
{
	if (s != NULL)
		ccsp_memzero(s, count * sizeof *s);
}

/* ---- text ---- */

/* One hex digit of v (0..15), lowercase, without a table lookup (share values are secret). */
static char hex_digit(uint32_t v)
{
	return (char)(v + '0' + ((uint32_t)ct_lt64(9, v) & ('a' - '0' - 10)));
}

static void hex_encode(const uint8_t *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex_digit(in[i] >> 4);
		out[2 * i + 1] = hex_digit(in[i] & 15);
	}
}

/* The value of a lowercase hex digit; *bad gets 1 or'ed in for another character. Constant time. */
static uint32_t hex_value(uint8_t c, uint32_t *bad)
{
	uint32_t d = (uint32_t)c - '0', l = (uint32_t)c - 'a';
	uint32_t is_d = (uint32_t)ct_lt64(d, 10), is_l = (uint32_t)ct_lt64(l, 6);
	*bad |= ~(is_d | is_l) & 1;
	return (d & is_d) | ((l + 10) & is_l);
}

/* 0 when in (2n lowercase hex digits) decoded into out. */
static int hex_decode(const char *in, size_t n, uint8_t *out)
{
	uint32_t bad = 0;
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(hex_value((uint8_t)in[2 * i], &bad) << 4 | hex_value((uint8_t)in[2 * i + 1], &bad));
	return (int)ct_declassify32(bad); /* whether the line is well formed is public */
}

static ccsp_err line_check(const char *text, size_t len, uint8_t check[CHSM_SHARE_CHECK_SIZE])
{
	uint8_t h[CCSP_SM3_DIGEST_SIZE];
	ccsp_err ret = ccsp_sm3(text, len, h);
	memcpy(check, h, CHSM_SHARE_CHECK_SIZE);
	ct_declassify(check, CHSM_SHARE_CHECK_SIZE); /* printed in the line */
	ccsp_memzero(h, sizeof h);
	return ret;
}

ccsp_err chsm_share_format(const chsm_share *s, char *out, size_t cap)
{
	char setid[2 * CHSM_SHARE_SETID_SIZE + 1] = "";
	uint8_t check[CHSM_SHARE_CHECK_SIZE];
	if (s == NULL || out == NULL || !share_ok(s))
		return CCSP_ERR_ARG;
	if (cap < CHSM_SHARE_TEXT_MAX)
		return CCSP_ERR_BUFFER_TOO_SMALL;
	hex_encode(s->setid, CHSM_SHARE_SETID_SIZE, setid);
	int n = snprintf(out, cap, PREFIX "%s-%s-%uof%u-%u-", chsm_share_purpose_name(s->purpose), setid, s->m, s->n,
	                 s->x);
	size_t pos = (size_t)n; /* < 40: the fields are bounded by share_ok */
	hex_encode(s->y, s->len, out + pos);
	pos += 2u * s->len;
	ccsp_err ret = line_check(out, pos, check);
	if (ret == CCSP_OK) {
		out[pos++] = '-';
		hex_encode(check, sizeof check, out + pos);
		pos += 2 * sizeof check;
		out[pos] = '\0';
	} else {
		ccsp_memzero(out, cap);
	}
	return ret;
}

/* A bounded reader over the lowercased line. */
typedef struct reader {
	const char *p;
	size_t len, pos;
} reader;

static int rd_lit(reader *r, const char *lit)
{
	size_t n = strlen(lit);
	if (r->len - r->pos < n || memcmp(r->p + r->pos, lit, n) != 0)
		return -1;
	r->pos += n;
	return 0;
}

/* 1..2 decimal digits, no leading zero, value 1..max. */
static int rd_uint(reader *r, unsigned max, uint8_t *v)
{
	unsigned val = 0;
	size_t start = r->pos;
	while (r->pos < r->len && r->pos - start < 3 && r->p[r->pos] >= '0' && r->p[r->pos] <= '9')
		val = val * 10 + (unsigned)(r->p[r->pos++] - '0');
	size_t n = r->pos - start;
	if (n == 0 || n > 2 || r->p[start] == '0' || val > max)
		return -1;
	*v = (uint8_t)val;
	return 0;
}

/* Exactly n bytes of hex (2n digits). */
static int rd_hex(reader *r, uint8_t *out, size_t n)
{
	if (r->len - r->pos < 2 * n || hex_decode(r->p + r->pos, n, out) != 0)
		return -1;
	r->pos += 2 * n;
	return 0;
}

/* Trim blanks, lowercase (constant time: the y digits are secret) into buf; the length, or 0 when too long. */
static size_t canonical(const char *text, size_t len, char buf[CHSM_SHARE_INPUT_MAX])
{
	while (len > 0 && (text[0] == ' ' || text[0] == '\t'))
		text++, len--;
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\r' ||
	                   text[len - 1] == '\n'))
		len--;
	if (len > CHSM_SHARE_INPUT_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)text[i];
		c ^= (uint8_t)(0x20 & ct_lt64((uint32_t)c - 'A', 26));
		buf[i] = (char)c;
	}
	return len;
}

/* The fields up to y (r at the start of y on success). */
static int parse_head(reader *r, chsm_share *s)
{
	if (rd_lit(r, PREFIX) != 0)
		return -1;
	if (rd_lit(r, "master-") == 0)
		s->purpose = CHSM_SHARE_MASTER;
	else if (rd_lit(r, "domain-") == 0)
		s->purpose = CHSM_SHARE_DOMAIN;
	else
		return -1;
	if (rd_hex(r, s->setid, CHSM_SHARE_SETID_SIZE) != 0 || rd_lit(r, "-") != 0 ||
	    rd_uint(r, CHSM_SHARE_N_MAX, &s->m) != 0 || rd_lit(r, "of") != 0 || rd_uint(r, CHSM_SHARE_N_MAX, &s->n) != 0 ||
	    rd_lit(r, "-") != 0 || rd_uint(r, CHSM_SHARE_N_MAX, &s->x) != 0 || rd_lit(r, "-") != 0)
		return -1;
	return 0;
}

/* y runs from r->pos to the last '-', found from the end (the 8 check digits are scanned, never y). */
static int parse_tail(reader *r, chsm_share *s, size_t *checked_len, uint8_t check[CHSM_SHARE_CHECK_SIZE])
{
	size_t tail = 2 * CHSM_SHARE_CHECK_SIZE + 1;
	if (r->len < r->pos + tail || r->p[r->len - tail] != '-')
		return -1;
	size_t ydigits = r->len - tail - r->pos;
	if (ydigits == 0 || ydigits % 2 != 0 || ydigits > 2 * CHSM_SHARE_SECRET_MAX)
		return -1;
	s->len = (uint8_t)(ydigits / 2);
	if (rd_hex(r, s->y, s->len) != 0 || rd_lit(r, "-") != 0 || rd_hex(r, check, CHSM_SHARE_CHECK_SIZE) != 0 ||
	    r->pos != r->len)
		return -1;
	*checked_len = r->len - tail;
	return 0;
}

ccsp_err chsm_share_parse(const char *text, size_t len, chsm_share *out)
{
	char buf[CHSM_SHARE_INPUT_MAX];
	uint8_t check[CHSM_SHARE_CHECK_SIZE], want[CHSM_SHARE_CHECK_SIZE];
	size_t checked = 0;
	ccsp_err ret = CCSP_ERR_DECODE;
	if (out == NULL || (text == NULL && len > 0))
		return CCSP_ERR_ARG;
	memset(out, 0, sizeof *out);
	reader r = {.p = buf, .len = text != NULL ? canonical(text, len, buf) : 0};
	if (r.len == 0 || parse_head(&r, out) != 0 || parse_tail(&r, out, &checked, check) != 0 || !share_ok(out))
		goto out;
	CCSP_CHECK(line_check(buf, checked, want));
	ret = memcmp(check, want, sizeof want) == 0 ? CCSP_OK : CCSP_ERR_SHARE_CHECKSUM;
out:
	ccsp_memzero(buf, sizeof buf);
	if (ret != CCSP_OK)
		chsm_share_wipe(out, 1);
	return ret;
}

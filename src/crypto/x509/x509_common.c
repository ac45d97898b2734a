/* SPDX-License-Identifier: Apache-2.0 */
/* Pieces shared by the certificate and request codecs: algorithm, signature, key, name, time. */
#include "x509_internal.h"

#include <string.h>

#include <ccsp/sm2_asn1.h>
#include <ccsp/sm3.h>

#include "module.h"

const uint8_t ccsp_x509_oid_sm2_sm3[8] = {0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x83, 0x75};

ccsp_err ccsp_x509_read_sig_alg(ccsp_der_reader *r)
{
	ccsp_der_reader a, other;
	CCSP_GUARD(ccsp_der_read_tlv(r, CCSP_DER_SEQUENCE, &a));
	if (!ccsp_der_read_oid_if(&a, X509_OID(sm2_sm3))) {
		CCSP_GUARD(ccsp_der_read_tlv(&a, CCSP_DER_OID, &other));
		return CCSP_ERR_UNSUPPORTED;
	}
	/* RFC 5758 clause 3.2 style: absent; some toolkits write NULL. */
	if (ccsp_der_peek_tag(&a) == CCSP_DER_NULL)
		CCSP_GUARD(ccsp_der_read_null(&a));
	return ccsp_der_finish(&a);
}

void ccsp_x509_put_sig_alg(ccsp_der_writer *w)
{
	ccsp_der_put_tlv(w, CCSP_DER_OID, X509_OID(sm2_sm3));
	ccsp_der_put_header(w, CCSP_DER_SEQUENCE, sizeof ccsp_x509_oid_sm2_sm3 + 2);
}

ccsp_err ccsp_x509_read_sig(ccsp_der_reader *r, uint8_t sig[CCSP_SM2_SIGNATURE_SIZE])
{
	const uint8_t *v;
	size_t n;
	CCSP_GUARD(ccsp_der_read_bits(r, CCSP_DER_BIT_STRING, &v, &n));
	return ccsp_sm2_signature_from_der(v, n, sig);
}

/* The key-file decoder is the one SPKI reader: it checks the algorithm, the curve and the point. The shape
 * SEQUENCE { SEQUENCE, BIT STRING } is checked first, so that it can only take the input for an SPKI (never
 * for a private or password-protected key, nor for PEM text: the BIT STRING tag is a control character). */
ccsp_err ccsp_x509_read_spki(ccsp_der_reader *r, uint8_t pub[CCSP_SM2_POINT_SIZE])
{
	size_t start = r->pos;
	ccsp_der_reader spki, alg;
	ccsp_sm2_key_format fmt;
	CCSP_GUARD(ccsp_der_read_tlv(r, CCSP_DER_SEQUENCE, &spki));
	CCSP_GUARD(ccsp_der_read_tlv(&spki, CCSP_DER_SEQUENCE, &alg));
	CCSP_ENSURE(ccsp_der_peek_tag(&spki) == CCSP_DER_BIT_STRING, CCSP_ERR_DECODE);
	ccsp_sm2_key *key = ccsp_sm2_key_new();
	CCSP_ENSURE(key != NULL, CCSP_ERR_NOMEM);
	ccsp_err ret = ccsp_sm2_key_decode(key, r->p + start, r->pos - start, NULL, 0, &fmt);
	if (ret == CCSP_OK && fmt != CCSP_SM2_KEY_SPKI)
		ret = CCSP_ERR_DECODE;
	if (ret == CCSP_OK)
		ret = ccsp_sm2_key_get_public(key, pub);
	ccsp_sm2_key_free(key);
	return ret;
}

/* AttributeTypeAndValue ::= SEQUENCE { type OID, value ANY } (RFC 5280 clause 4.1.2.4). */
static ccsp_err read_atv(ccsp_der_reader *set)
{
	ccsp_der_reader atv, v;
	CCSP_GUARD(ccsp_der_read_tlv(set, CCSP_DER_SEQUENCE, &atv));
	CCSP_GUARD(ccsp_der_read_tlv(&atv, CCSP_DER_OID, &v));
	CCSP_ENSURE(v.len > 0, CCSP_ERR_DECODE);
	int tag = ccsp_der_peek_tag(&atv);
	CCSP_ENSURE(tag >= 0, CCSP_ERR_DECODE);
	CCSP_GUARD(ccsp_der_read_tlv(&atv, (uint8_t)tag, &v));
	return ccsp_der_finish(&atv);
}

ccsp_err ccsp_x509_read_name(ccsp_der_reader *r, ccsp_x509_span *name)
{
	size_t start = r->pos;
	ccsp_der_reader seq, set;
	CCSP_GUARD(ccsp_der_read_tlv(r, CCSP_DER_SEQUENCE, &seq));
	while (ccsp_der_remaining(&seq) > 0) {
		CCSP_GUARD(ccsp_der_read_tlv(&seq, X509_DER_SET, &set));
		CCSP_ENSURE(ccsp_der_remaining(&set) > 0, CCSP_ERR_DECODE);
		while (ccsp_der_remaining(&set) > 0)
			CCSP_GUARD(read_atv(&set));
	}
	name->p = r->p + start;
	name->len = r->pos - start;
	return CCSP_OK;
}

/* ---- time (RFC 5280 clause 4.1.2.5) ---- */

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return days[m - 1] + (m == 2 && is_leap(y));
}

/* Days from 1970-01-01 to y-m-d (year >= 1): whole years before y, then months, then days. */
static int64_t days_since_epoch(int64_t y, int m, int d)
{
	int64_t p = y - 1;
	int64_t days = 365 * p + p / 4 - p / 100 + p / 400 - 719162; /* 719162: days from 0001-01-01 to 1970 */
	for (int i = 1; i < m; i++)
		days += days_in_month(y, i);
	return days + d - 1;
}

static int digits(const uint8_t *p, size_t n, int *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		*v = *v * 10 + (p[i] - '0');
	}
	return 0;
}

ccsp_err ccsp_x509_read_time(ccsp_der_reader *r, int64_t *t)
{
	const uint8_t *v;
	size_t n;
	int y, mo, d, h, mi, s;
	int tag = ccsp_der_peek_tag(r);
	CCSP_ENSURE(tag == X509_DER_UTCTIME || tag == X509_DER_GENTIME, CCSP_ERR_DECODE);
	CCSP_GUARD(ccsp_der_read_value(r, (uint8_t)tag, &v, &n));
	size_t yl = tag == X509_DER_UTCTIME ? 2 : 4;
	CCSP_ENSURE(n == yl + 11 && v[n - 1] == 'Z', CCSP_ERR_DECODE);
	CCSP_ENSURE(digits(v, yl, &y) == 0 && digits(v + yl, 2, &mo) == 0 && digits(v + yl + 2, 2, &d) == 0 &&
	                    digits(v + yl + 4, 2, &h) == 0 && digits(v + yl + 6, 2, &mi) == 0 &&
	                    digits(v + yl + 8, 2, &s) == 0,
	            CCSP_ERR_DECODE);
	if (tag == X509_DER_UTCTIME)
		y += y >= 50 ? 1900 : 2000;
	CCSP_ENSURE(y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= days_in_month(y, mo) && h < 24 && mi < 60 &&
	                    s < 60,
	            CCSP_ERR_DECODE);
	*t = days_since_epoch(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
	return CCSP_OK;
}

static void put_digits(uint8_t *p, int64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (uint8_t)('0' + v % 10);
}

ccsp_err ccsp_x509_put_time(ccsp_der_writer *w, int64_t t)
{
	/* 0001-01-01 .. 9999-12-31T23:59:59Z */
	CCSP_ENSURE(t >= -62135596800 && t <= 253402300799, CCSP_ERR_ARG);
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400), sec = t - days * 86400;
	int64_t y = 1970 + days / 366;
	while (days_since_epoch(y + 1, 1, 1) <= days)
		y++;
	while (days_since_epoch(y, 1, 1) > days)
		y--;
	int m = 1;
	while (m < 12 && days_since_epoch(y, m + 1, 1) <= days)
		m++;
	int64_t d = days - days_since_epoch(y, m, 1) + 1;
	uint8_t buf[15];
	int utc = y >= 1950 && y <= 2049, yl = utc ? 2 : 4;
	put_digits(buf, y, yl);
	put_digits(buf + yl, m, 2);
	put_digits(buf + yl + 2, d, 2);
	put_digits(buf + yl + 4, sec / 3600, 2);
	put_digits(buf + yl + 6, sec / 60 % 60, 2);
	put_digits(buf + yl + 8, sec % 60, 2);
	buf[yl + 10] = 'Z';
	ccsp_der_put_tlv(w, utc ? X509_DER_UTCTIME : X509_DER_GENTIME, buf, (size_t)yl + 11);
	return CCSP_OK;
}

/* ---- signatures ---- */

ccsp_err ccsp_x509_sign_wrap(ccsp_der_writer *w, const ccsp_sm2_key *key)
{
	uint8_t sig[CCSP_SM2_SIGNATURE_SIZE], der[CCSP_SM2_SIGNATURE_DER_MAX], tail[16 + CCSP_SM2_SIGNATURE_DER_MAX];
	size_t derlen = sizeof der, taillen, tbslen = w->len;
	CCSP_ENSURE(!w->error, CCSP_ERR_DATA_LENGTH);
	if (!w->overflow) {
		CCSP_GUARD(ccsp_sm2_sign(key, NULL, 0, w->buf + (w->cap - tbslen), tbslen, sig));
		CCSP_GUARD(ccsp_sm2_signature_to_der(sig, der, sizeof der, &derlen));
	} else {
		memset(der, 0, sizeof der); /* only counting: the largest signature gives the size needed */
	}
	/* signatureAlgorithm and signatureValue follow the TBS: build them aside, then move the TBS. */
	ccsp_der_writer t;
	ccsp_der_writer_init(&t, tail, sizeof tail);
	ccsp_der_put_bits(&t, CCSP_DER_BIT_STRING, der, derlen);
	ccsp_x509_put_sig_alg(&t);
	CCSP_GUARD(ccsp_der_writer_finish(&t, &taillen));
	if (!w->overflow && w->cap - tbslen >= taillen) {
		uint8_t *tbs = w->buf + (w->cap - tbslen);
		memmove(tbs - taillen, tbs, tbslen);
		memcpy(tbs - taillen + tbslen, tail, taillen);
		w->len += taillen;
	} else {
		w->overflow = 1;
		ccsp_der_put_bytes(w, tail, taillen); /* counts */
	}
	ccsp_der_put_header(w, CCSP_DER_SEQUENCE, w->len);
	return CCSP_OK;
}

ccsp_err ccsp_x509_verify_sig(const uint8_t pub[CCSP_SM2_POINT_SIZE], const uint8_t *id, size_t idlen,
                              const ccsp_x509_span *msg, const uint8_t sig[CCSP_SM2_SIGNATURE_SIZE])
{
	ccsp_sm2_key *key = ccsp_sm2_key_new();
	CCSP_ENSURE(key != NULL, CCSP_ERR_NOMEM);
	ccsp_err ret = ccsp_sm2_key_set_public(key, pub, CCSP_SM2_POINT_SIZE);
	if (ret == CCSP_OK)
		ret = ccsp_sm2_verify(key, id, id != NULL ? idlen : 0, msg->p, msg->len, sig);
	ccsp_sm2_key_free(key);
	return ret;
}

ccsp_err ccsp_x509_key_id(const uint8_t pub[CCSP_SM2_POINT_SIZE], uint8_t id[CCSP_X509_KEY_ID_SIZE])
{
	uint8_t h[CCSP_SM3_DIGEST_SIZE];
	CCSP_GUARD(ccsp_sm3(pub, CCSP_SM2_POINT_SIZE, h));
	memcpy(id, h, CCSP_X509_KEY_ID_SIZE);
	return CCSP_OK;
}

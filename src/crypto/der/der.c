/* SPDX-License-Identifier: Apache-2.0 */
#include "der.h"

#include <string.h>

#include "module.h"

void ccsp_der_reader_init(ccsp_der_reader *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = p != NULL ? len : 0;
	r->pos = 0;
}

size_t ccsp_der_remaining(const ccsp_der_reader *r)
{
	return r->len - r->pos;
}

int ccsp_der_peek_tag(const ccsp_der_reader *r)
{
	return r->pos < r->len ? r->p[r->pos] : -1;
}

/* X.690 8.1.3 and 10.1: definite form only, and the shortest one. */
static ccsp_err read_length(const uint8_t *p, size_t avail, size_t *len, size_t *hdr)
{
	CCSP_ENSURE(avail >= 1, CCSP_ERR_DECODE);
	if (p[0] < 0x80) {
		*len = p[0];
		*hdr = 1;
		return CCSP_OK;
	}
	size_t n = p[0] & 0x7f;
	/* 0x80 is the indefinite form (BER only); 0xff is reserved. */
	CCSP_ENSURE(n >= 1 && n <= sizeof(size_t) && n < avail, CCSP_ERR_DECODE);
	CCSP_ENSURE(p[1] != 0, CCSP_ERR_DECODE);
	size_t v = 0;
	for (size_t i = 1; i <= n; i++)
		v = (v << 8) | p[i];
	CCSP_ENSURE(v >= 0x80, CCSP_ERR_DECODE);
	*len = v;
	*hdr = 1 + n;
	return CCSP_OK;
}

ccsp_err ccsp_der_read_tlv(ccsp_der_reader *r, uint8_t tag, ccsp_der_reader *content)
{
	size_t avail = ccsp_der_remaining(r);
	CCSP_ENSURE(avail >= 2, CCSP_ERR_DECODE);
	const uint8_t *p = r->p + r->pos;
	/* Low tag numbers only: 0x1f in the number bits introduces the multi-byte form. */
	CCSP_ENSURE(p[0] == tag && (tag & 0x1f) != 0x1f, CCSP_ERR_DECODE);
	size_t len, hdr;
	CCSP_GUARD(read_length(p + 1, avail - 1, &len, &hdr));
	CCSP_ENSURE(len <= avail - 1 - hdr, CCSP_ERR_DECODE);
	ccsp_der_reader_init(content, p + 1 + hdr, len);
	content->p = p + 1 + hdr; /* non-NULL even for an empty value */
	r->pos += 1 + hdr + len;
	return CCSP_OK;
}

ccsp_err ccsp_der_read_value(ccsp_der_reader *r, uint8_t tag, const uint8_t **val, size_t *len)
{
	ccsp_der_reader c;
	CCSP_GUARD(ccsp_der_read_tlv(r, tag, &c));
	*val = c.p;
	*len = c.len;
	return CCSP_OK;
}

/* X.690 8.3: two's complement, shortest form (the first 9 bits are never all equal). */
ccsp_err ccsp_der_read_uint(ccsp_der_reader *r, const uint8_t **mag, size_t *len)
{
	ccsp_der_reader save = *r;
	const uint8_t *v;
	size_t n;
	CCSP_GUARD(ccsp_der_read_value(r, CCSP_DER_INTEGER, &v, &n));
	if (n == 0 || (v[0] & 0x80) != 0 || (n >= 2 && v[0] == 0 && (v[1] & 0x80) == 0)) {
		*r = save;
		return CCSP_ERR_DECODE;
	}
	if (v[0] == 0) {
		v++;
		n--;
	}
	*mag = v;
	*len = n;
	return CCSP_OK;
}

ccsp_err ccsp_der_read_uint_fixed(ccsp_der_reader *r, uint8_t *out, size_t outlen)
{
	ccsp_der_reader save = *r;
	const uint8_t *v;
	size_t n;
	CCSP_GUARD(ccsp_der_read_uint(r, &v, &n));
	if (n > outlen) {
		*r = save;
		return CCSP_ERR_DECODE;
	}
	memset(out, 0, outlen - n);
	memcpy(out + (outlen - n), v, n);
	return CCSP_OK;
}

ccsp_err ccsp_der_read_u32(ccsp_der_reader *r, uint32_t *v)
{
	uint8_t b[4];
	CCSP_GUARD(ccsp_der_read_uint_fixed(r, b, sizeof b));
	*v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	return CCSP_OK;
}

ccsp_err ccsp_der_read_bits(ccsp_der_reader *r, uint8_t tag, const uint8_t **val, size_t *len)
{
	ccsp_der_reader save = *r;
	const uint8_t *v;
	size_t n;
	CCSP_GUARD(ccsp_der_read_value(r, tag, &v, &n));
	/* Whole bytes only: every BIT STRING we read holds an octet string (a point, a key). */
	if (n == 0 || v[0] != 0) {
		*r = save;
		return CCSP_ERR_DECODE;
	}
	*val = v + 1;
	*len = n - 1;
	return CCSP_OK;
}

ccsp_err ccsp_der_read_null(ccsp_der_reader *r)
{
	ccsp_der_reader save = *r, c;
	CCSP_GUARD(ccsp_der_read_tlv(r, CCSP_DER_NULL, &c));
	if (c.len != 0) {
		*r = save;
		return CCSP_ERR_DECODE;
	}
	return CCSP_OK;
}

int ccsp_der_read_oid_if(ccsp_der_reader *r, const uint8_t *oid, size_t oidlen)
{
	ccsp_der_reader save = *r;
	const uint8_t *v;
	size_t n;
	if (ccsp_der_read_value(r, CCSP_DER_OID, &v, &n) != CCSP_OK)
		return 0;
	if (n != oidlen || memcmp(v, oid, n) != 0) {
		*r = save;
		return 0;
	}
	return 1;
}

ccsp_err ccsp_der_finish(const ccsp_der_reader *r)
{
	return r->pos == r->len ? CCSP_OK : CCSP_ERR_DECODE;
}

/* ---- writer ---- */

void ccsp_der_writer_init(ccsp_der_writer *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = buf != NULL ? cap : 0;
	w->len = 0;
	w->overflow = buf == NULL;
	w->error = 0;
}

void ccsp_der_put_bytes(ccsp_der_writer *w, const uint8_t *p, size_t n)
{
	if (n > SIZE_MAX - w->len) {
		w->error = 1;
		return;
	}
	if (n == 0)
		return;
	if (!w->overflow && n <= w->cap - w->len)
		memcpy(w->buf + (w->cap - w->len - n), p, n);
	else
		w->overflow = 1;
	w->len += n;
}

void ccsp_der_put_header(ccsp_der_writer *w, uint8_t tag, size_t content_len)
{
	uint8_t h[1 + 1 + sizeof(size_t)];
	size_t n = 0;
	if (content_len < 0x80) {
		h[sizeof h - 1] = (uint8_t)content_len;
		n = 1;
	} else {
		for (size_t v = content_len; v != 0; v >>= 8)
			h[sizeof h - 1 - n++] = (uint8_t)v;
		h[sizeof h - 1 - n] = (uint8_t)(0x80 | n);
		n++;
	}
	h[sizeof h - 1 - n] = tag;
	n++;
	ccsp_der_put_bytes(w, h + sizeof h - n, n);
}

void ccsp_der_put_tlv(ccsp_der_writer *w, uint8_t tag, const uint8_t *val, size_t len)
{
	ccsp_der_put_bytes(w, val, len);
	ccsp_der_put_header(w, tag, len);
}

void ccsp_der_put_uint(ccsp_der_writer *w, const uint8_t *mag, size_t len)
{
	while (len > 0 && mag[0] == 0) {
		mag++;
		len--;
	}
	size_t start = w->len;
	ccsp_der_put_bytes(w, mag, len);
	if (len == 0 || (mag[0] & 0x80) != 0)
		ccsp_der_put_bytes(w, (const uint8_t[]){0}, 1);
	ccsp_der_put_header(w, CCSP_DER_INTEGER, w->len - start);
}

void ccsp_der_put_u32(ccsp_der_writer *w, uint32_t v)
{
	const uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	ccsp_der_put_uint(w, b, sizeof b);
}

void ccsp_der_put_bits(ccsp_der_writer *w, uint8_t tag, const uint8_t *val, size_t len)
{
	ccsp_der_put_bytes(w, val, len);
	ccsp_der_put_bytes(w, (const uint8_t[]){0}, 1);
	ccsp_der_put_header(w, tag, len + 1);
}

void ccsp_der_put_null(ccsp_der_writer *w)
{
	ccsp_der_put_header(w, CCSP_DER_NULL, 0);
}

ccsp_err ccsp_der_writer_finish(ccsp_der_writer *w, size_t *outlen)
{
	if (w->error)
		return CCSP_ERR_DATA_LENGTH;
	*outlen = w->len;
	if (w->overflow)
		return CCSP_ERR_BUFFER_TOO_SMALL;
	memmove(w->buf, w->buf + (w->cap - w->len), w->len);
	return CCSP_OK;
}

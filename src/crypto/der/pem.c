/* SPDX-License-Identifier: Apache-2.0 */
#include "pem.h"

#include <string.h>

#include <ccsp/mem.h>

#include "module.h"

static const char pem_begin[] = "-----BEGIN ";
static const char pem_end[] = "-----END ";
static const char pem_dashes[] = "-----";

/* All-ones when a > b, for a, b < 2^31. */
static uint32_t gt_mask(uint32_t a, uint32_t b)
{
	return 0u - ((b - a) >> 31);
}

static uint32_t range_mask(uint32_t x, uint32_t lo, uint32_t hi)
{
	return ~gt_mask(lo, x) & ~gt_mask(x, hi);
}

/* RFC 4648 table 1 without a table: 0..63 -> character. */
static uint8_t b64_char(uint32_t v)
{
	uint32_t c = v + 'A';
	c += gt_mask(v, 25) & 6;           /* 26..51 -> 'a'.. */
	c -= gt_mask(v, 51) & 75;          /* 52..61 -> '0'.. */
	c -= gt_mask(v, 61) & 15;          /* 62 -> '+' */
	c += gt_mask(v, 62) & 3;           /* 63 -> '/' */
	return (uint8_t)c;
}

/* Character -> 0..63, or 0xffffffff when c is not in the alphabet. */
static uint32_t b64_value(uint8_t ch)
{
	uint32_t c = ch, v = 0;
	v += range_mask(c, 'A', 'Z') & (c - 'A' + 1);
	v += range_mask(c, 'a', 'z') & (c - 'a' + 27);
	v += range_mask(c, '0', '9') & (c - '0' + 53);
	v += range_mask(c, '+', '+') & 63;
	v += range_mask(c, '/', '/') & 64;
	return v - 1;
}

static void put(uint8_t *out, size_t outcap, size_t *pos, const void *p, size_t n)
{
	if (*pos <= outcap && n <= outcap - *pos)
		memcpy(out + *pos, p, n);
	*pos += n;
}

ccsp_err ccsp_pem_encode(const char *label, const uint8_t *der, size_t derlen, uint8_t *out, size_t outcap,
                         size_t *outlen)
{
	CCSP_ENSURE(label != NULL && (der != NULL || derlen == 0) && outlen != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(out != NULL || outcap == 0, CCSP_ERR_ARG);
	size_t lablen = strlen(label);
	CCSP_ENSURE(lablen <= CCSP_PEM_LABEL_MAX, CCSP_ERR_ARG);
	CCSP_ENSURE(derlen <= SIZE_MAX / 2, CCSP_ERR_DATA_LENGTH);
	size_t b64len = (derlen + 2) / 3 * 4;
	size_t need = (sizeof pem_begin - 1) + (sizeof pem_end - 1) + 2 * (lablen + 6) + b64len + (b64len + 63) / 64;
	*outlen = need;
	CCSP_ENSURE(need <= outcap, CCSP_ERR_BUFFER_TOO_SMALL);

	size_t pos = 0, col = 0;
	put(out, outcap, &pos, pem_begin, sizeof pem_begin - 1);
	put(out, outcap, &pos, label, lablen);
	put(out, outcap, &pos, "-----\n", 6);
	for (size_t i = 0; i < derlen; i += 3) {
		size_t n = derlen - i < 3 ? derlen - i : 3;
		uint32_t v = (uint32_t)der[i] << 16;
		v |= n > 1 ? (uint32_t)der[i + 1] << 8 : 0;
		v |= n > 2 ? der[i + 2] : 0;
		uint8_t q[4] = {b64_char(v >> 18), b64_char((v >> 12) & 63), b64_char((v >> 6) & 63),
		                b64_char(v & 63)};
		if (n < 3)
			q[3] = '=';
		if (n < 2)
			q[2] = '=';
		put(out, outcap, &pos, q, 4);
		col += 4;
		if (col == 64 || i + 3 >= derlen) {
			put(out, outcap, &pos, "\n", 1);
			col = 0;
		}
		ccsp_memzero(q, sizeof q);
	}
	put(out, outcap, &pos, pem_end, sizeof pem_end - 1);
	put(out, outcap, &pos, label, lablen);
	put(out, outcap, &pos, "-----\n", 6);
	return pos == need ? CCSP_OK : CCSP_ERR_INTERNAL;
}

static int is_blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int starts_with(const uint8_t *p, size_t avail, const char *s)
{
	size_t n = strlen(s);
	return avail >= n && memcmp(p, s, n) == 0;
}

/* A byte of explanatory text: printable, tab, CR, or from 0x80 (UTF-8); LF ends the line. */
static int is_text(uint8_t c)
{
	return c >= 0x20 ? c != 0x7f : c == '\t' || c == '\r';
}

/* Position just after "-----BEGIN " at the start of a line that only whole lines of text, at most
 * CCSP_PEM_PREAMBLE_MAX bytes, precede; or len when there is none. */
static size_t find_begin(const uint8_t *in, size_t len)
{
	size_t i = 0;
	while (i <= CCSP_PEM_PREAMBLE_MAX && i < len) {
		if (starts_with(in + i, len - i, pem_begin))
			return i + sizeof pem_begin - 1;
		while (i < len && i <= CCSP_PEM_PREAMBLE_MAX && is_text(in[i]))
			i++;
		if (i == len || in[i] != '\n')
			return len; /* binary, or a last line without BEGIN */
		i++;
	}
	return len;
}

int ccsp_pem_detect(const uint8_t *in, size_t len)
{
	return in != NULL && find_begin(in, len) < len;
}

/* Reads "label-----" then blanks to the end of the line; returns the position after it. */
static ccsp_err read_label(const uint8_t *in, size_t len, size_t *pos, char *label, size_t labelcap)
{
	size_t i = *pos, n = 0;
	while (i < len && !starts_with(in + i, len - i, pem_dashes)) {
		CCSP_ENSURE(in[i] >= 0x20 && in[i] <= 0x7e && n < CCSP_PEM_LABEL_MAX && n + 1 < labelcap,
		            CCSP_ERR_DECODE);
		label[n++] = (char)in[i++];
	}
	CCSP_ENSURE(i < len, CCSP_ERR_DECODE);
	label[n] = '\0';
	i += sizeof pem_dashes - 1;
	while (i < len && (in[i] == ' ' || in[i] == '\t' || in[i] == '\r'))
		i++;
	CCSP_ENSURE(i < len && in[i] == '\n', CCSP_ERR_DECODE);
	*pos = i + 1;
	return CCSP_OK;
}

/* Validates the body from *pos to "-----END ": counts base64 characters and padding. */
static ccsp_err scan_body(const uint8_t *in, size_t len, size_t *pos, size_t *nchars, size_t *npad)
{
	size_t i = *pos, n = 0, pad = 0;
	uint32_t bad = 0;
	/* RFC 1421 encapsulated headers ("Proc-Type: 4,ENCRYPTED") on the first line: legacy encryption. */
	const uint8_t *eol = memchr(in + i, '\n', len - i);
	CCSP_ENSURE(eol == NULL || memchr(in + i, ':', (size_t)(eol - (in + i))) == NULL, CCSP_ERR_UNSUPPORTED);
	for (; i < len && in[i] != '-'; i++) {
		if (is_blank(in[i]))
			continue;
		if (in[i] == '=') {
			pad++;
			continue;
		}
		CCSP_ENSURE(pad == 0, CCSP_ERR_DECODE);
		bad |= b64_value(in[i]) >> 6;
		n++;
	}
	CCSP_ENSURE(bad == 0 && (n + pad) % 4 == 0 && pad <= 2 && n > 0, CCSP_ERR_DECODE);
	CCSP_ENSURE(pad == 0 || n % 4 != 0, CCSP_ERR_DECODE);
	CCSP_ENSURE(i > 0 && is_blank(in[i - 1]) && starts_with(in + i, len - i, pem_end), CCSP_ERR_DECODE);
	*pos = i;
	*nchars = n;
	*npad = pad;
	return CCSP_OK;
}

/* Second pass: decode nchars base64 characters from start into out (size already checked). */
static ccsp_err decode_body(const uint8_t *in, size_t start, size_t nchars, uint8_t *out)
{
	uint32_t acc = 0;
	size_t k = 0, o = 0;
	for (size_t i = start; k < nchars; i++) {
		if (is_blank(in[i]))
			continue;
		acc = (acc << 6) | b64_value(in[i]);
		if (++k % 4 == 0) {
			out[o++] = (uint8_t)(acc >> 16);
			out[o++] = (uint8_t)(acc >> 8);
			out[o++] = (uint8_t)acc;
		}
	}
	ccsp_err ret = CCSP_OK;
	if (k % 4 == 2) { /* 12 bits: one byte, 4 padding bits that must be zero */
		out[o] = (uint8_t)(acc >> 4);
		ret = (acc & 0xf) == 0 ? CCSP_OK : CCSP_ERR_DECODE;
	} else if (k % 4 == 3) { /* 18 bits: two bytes, 2 padding bits */
		out[o] = (uint8_t)(acc >> 10);
		out[o + 1] = (uint8_t)(acc >> 2);
		ret = (acc & 0x3) == 0 ? CCSP_OK : CCSP_ERR_DECODE;
	}
	ccsp_memzero(&acc, sizeof acc);
	return ret;
}

ccsp_err ccsp_pem_decode(const uint8_t *in, size_t len, char *label, size_t labelcap, uint8_t *out, size_t outcap,
                         size_t *outlen)
{
	CCSP_ENSURE(in != NULL && label != NULL && labelcap > 0 && outlen != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(out != NULL || outcap == 0, CCSP_ERR_ARG);
	size_t pos = find_begin(in, len), body, nchars, npad;
	CCSP_ENSURE(pos < len, CCSP_ERR_DECODE);
	CCSP_GUARD(read_label(in, len, &pos, label, labelcap));
	body = pos;
	CCSP_GUARD(scan_body(in, len, &pos, &nchars, &npad));
	pos += sizeof pem_end - 1;
	size_t lablen = strlen(label);
	CCSP_ENSURE(len - pos >= lablen + sizeof pem_dashes - 1 && memcmp(in + pos, label, lablen) == 0 &&
	                    starts_with(in + pos + lablen, len - pos - lablen, pem_dashes),
	            CCSP_ERR_DECODE);
	size_t need = nchars / 4 * 3 + (nchars % 4 == 0 ? 0 : nchars % 4 - 1);
	*outlen = need;
	CCSP_ENSURE(need <= outcap, CCSP_ERR_BUFFER_TOO_SMALL);
	ccsp_err ret = decode_body(in, body, nchars, out);
	if (ret != CCSP_OK)
		ccsp_memzero(out, need);
	return ret;
}

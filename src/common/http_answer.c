/* SPDX-License-Identifier: Apache-2.0 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>

#include "common/http_answer.h"
#include "crypto/guard.h"

#define CHUNK_LINE_MAX 4096u /* a chunk-size line with its extensions, or a trailer field */
#define LENGTH_DIGITS_MAX 18u /* below 10^18: no overflow of size_t arithmetic on 64-bit */

/* A received head: the status line and the framing fields (the others are read for syntax only). */
typedef struct head {
	int status;
	size_t len; /* bytes of the head with its blank line */
	int chunked, has_length;
	size_t length;
} head;

/* The line of buf[0..len) at *off: [*start, *end) without its line end; *off moves past it. 0 when the line is not
 * complete in buf. A bare LF ends a line too (RFC 9112 §2.2); a CR elsewhere is left in the line for the caller to
 * refuse. */
static int next_line(const uint8_t *buf, size_t len, size_t *off, size_t *start, size_t *end)
{
	const uint8_t *lf = *off < len ? memchr(buf + *off, '\n', len - *off) : NULL;
	if (lf == NULL)
		return 0;
	*start = *off;
	*end = (size_t)(lf - buf);
	if (*end > *start && buf[*end - 1] == '\r')
		(*end)--;
	*off = (size_t)(lf - buf) + 1;
	return 1;
}

static int is_tchar(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int is_blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* Case-insensitive equality of p[0..n) with the lower-case ASCII word w. */
static int equals_word(const uint8_t *p, size_t n, const char *w)
{
	if (n != strlen(w))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]) != (uint8_t)w[i])
			return 0;
	return 1;
}

/* "HTTP/1.x NNN[ reason]" into h->status. */
static ccsp_err parse_status_line(const uint8_t *p, size_t n, head *h)
{
	if (n < 12 || memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9' || p[8] != ' ')
		return CCSP_ERR_PROTOCOL;
	if (p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9')
		return CCSP_ERR_PROTOCOL;
	if (n > 12 && p[12] != ' ')
		return CCSP_ERR_PROTOCOL;
	for (size_t i = 13; i < n; i++)
		if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
			return CCSP_ERR_PROTOCOL;
	h->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	return CCSP_OK;
}

/* A Content-Length value: digits only; a repeated field must say the same. */
static ccsp_err take_length(const uint8_t *v, size_t n, size_t body_max, head *h)
{
	size_t x = 0;
	if (n == 0 || n > LENGTH_DIGITS_MAX)
		return n == 0 ? CCSP_ERR_PROTOCOL : CCSP_ERR_LIMIT;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return CCSP_ERR_PROTOCOL;
		x = x * 10 + (size_t)(v[i] - '0');
	}
	if (h->has_length && h->length != x)
		return CCSP_ERR_PROTOCOL;
	if (x > body_max)
		return CCSP_ERR_LIMIT;
	h->has_length = 1;
	h->length = x;
	return CCSP_OK;
}

/* One header field line "name: value". */
static ccsp_err parse_field(const uint8_t *p, size_t n, size_t body_max, head *h)
{
	size_t name = 0;
	while (name < n && is_tchar(p[name]))
		name++;
	if (name == 0 || name == n || p[name] != ':') /* also a folded line, or blanks before the colon (§5.1) */
		return CCSP_ERR_PROTOCOL;
	size_t vs = name + 1, ve = n;
	while (vs < ve && is_blank(p[vs]))
		vs++;
	while (ve > vs && is_blank(p[ve - 1]))
		ve--;
	for (size_t i = vs; i < ve; i++)
		if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
			return CCSP_ERR_PROTOCOL;
	if (equals_word(p, name, "content-length"))
		return take_length(p + vs, ve - vs, body_max, h);
	if (equals_word(p, name, "transfer-encoding")) {
		if (h->chunked || !equals_word(p + vs, ve - vs, "chunked"))
			return CCSP_ERR_PROTOCOL; /* a coding we do not decode, or chunked twice */
		h->chunked = 1;
	}
	return CCSP_OK;
}

/* The head that starts at off: CCSP_OK with *got = 1 and h filled when its blank line is in buf. */
static ccsp_err parse_head(const uint8_t *buf, size_t len, size_t off, size_t body_max, head *h, int *got)
{
	size_t s, e, pos = off, fields = 0;
	size_t avail = len - off < CCSP_HTTP_ANSWER_HEAD_MAX ? len - off : CCSP_HTTP_ANSWER_HEAD_MAX;
	*got = 0;
	memset(h, 0, sizeof *h);
	if (!next_line(buf, off + avail, &pos, &s, &e))
		return len - off >= CCSP_HTTP_ANSWER_HEAD_MAX ? CCSP_ERR_LIMIT : CCSP_OK;
	CCSP_GUARD(parse_status_line(buf + s, e - s, h));
	for (;;) {
		if (!next_line(buf, off + avail, &pos, &s, &e))
			return len - off >= CCSP_HTTP_ANSWER_HEAD_MAX ? CCSP_ERR_LIMIT : CCSP_OK;
		if (s == e)
			break;
		if (++fields > CCSP_HTTP_ANSWER_FIELDS_MAX)
			return CCSP_ERR_LIMIT;
		CCSP_GUARD(parse_field(buf + s, e - s, body_max, h));
	}
	if (h->chunked && h->has_length)
		return CCSP_ERR_PROTOCOL;
	h->len = pos - off;
	*got = 1;
	return CCSP_OK;
}

/* A chunk-size line's hex size (extensions after ';' ignored). */
static ccsp_err chunk_size(const uint8_t *p, size_t n, size_t body_max, size_t *size)
{
	size_t i = 0, x = 0;
	for (; i < n; i++) {
		uint8_t c = p[i] >= 'A' && p[i] <= 'F' ? p[i] + 32 : p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			break;
		if (x > body_max || x > (SIZE_MAX - 15) / 16)
			return CCSP_ERR_LIMIT;
		x = x * 16 + (size_t)d;
	}
	if (i == 0 || (i < n && p[i] != ';' && !is_blank(p[i])))
		return CCSP_ERR_PROTOCOL;
	*size = x;
	return CCSP_OK;
}

/* Walk the chunked body at off: its decoded size into *total and *done = 1 when the last chunk and the trailer
 * section are in buf; with out != NULL the data is copied there too. */
static ccsp_err walk_chunks(const uint8_t *buf, size_t len, size_t off, size_t body_max, uint8_t *out,
                            size_t *total, int *done)
{
	size_t s, e, size;
	*total = 0;
	*done = 0;
	for (;;) {
		if (!next_line(buf, len, &off, &s, &e))
			return len - off > CHUNK_LINE_MAX ? CCSP_ERR_PROTOCOL : CCSP_OK;
		if (e - s > CHUNK_LINE_MAX)
			return CCSP_ERR_PROTOCOL;
		CCSP_GUARD(chunk_size(buf + s, e - s, body_max, &size));
		if (size == 0)
			break;
		if (size > body_max - *total)
			return CCSP_ERR_LIMIT;
		if (len - off < size)
			return CCSP_OK;
		if (out != NULL)
			memcpy(out + *total, buf + off, size);
		*total += size;
		off += size;
		if (!next_line(buf, len, &off, &s, &e))
			return len - off > 2 ? CCSP_ERR_PROTOCOL : CCSP_OK;
		if (s != e)
			return CCSP_ERR_PROTOCOL; /* data longer than its size said */
	}
	for (unsigned i = 0;; i++) { /* trailer fields, up to the blank line */
		if (!next_line(buf, len, &off, &s, &e))
			return len - off > CHUNK_LINE_MAX ? CCSP_ERR_PROTOCOL : CCSP_OK;
		if (s == e)
			break;
		if (i >= CCSP_HTTP_ANSWER_FIELDS_MAX || e - s > CHUNK_LINE_MAX)
			return CCSP_ERR_LIMIT;
	}
	*done = 1;
	return CCSP_OK;
}

static ccsp_err copy_body(const uint8_t *p, size_t n, ccsp_http_answer *a)
{
	a->body = malloc(n + 1);
	if (a->body == NULL)
		return CCSP_ERR_NOMEM;
	if (n > 0)
		memcpy(a->body, p, n);
	a->body[n] = '\0';
	a->body_len = n;
	return CCSP_OK;
}

/* The body after head h at off, framed as h says. */
static ccsp_err read_body(const uint8_t *buf, size_t len, size_t off, int at_eof, size_t body_max, const head *h,
                          ccsp_http_answer *a, int *complete)
{
	size_t total;
	int done;
	if (h->status == 204 || h->status == 304)
		return (*complete = 1, copy_body(buf, 0, a));
	if (h->chunked) {
		CCSP_GUARD(walk_chunks(buf, len, off, body_max, NULL, &total, &done));
		if (!done)
			return at_eof ? CCSP_ERR_PROTOCOL : CCSP_OK;
		if ((a->body = malloc(total + 1)) == NULL)
			return CCSP_ERR_NOMEM;
		CCSP_GUARD(walk_chunks(buf, len, off, body_max, (uint8_t *)a->body, &total, &done));
		a->body[total] = '\0';
		a->body_len = total;
		return (*complete = 1, CCSP_OK);
	}
	if (h->has_length) {
		if (len - off < h->length)
			return at_eof ? CCSP_ERR_PROTOCOL : CCSP_OK;
		return (*complete = 1, copy_body(buf + off, h->length, a));
	}
	if (len - off > body_max)
		return CCSP_ERR_LIMIT;
	if (!at_eof)
		return CCSP_OK;
	return (*complete = 1, copy_body(buf + off, len - off, a));
}

ccsp_err ccsp_http_answer_parse(const uint8_t *buf, size_t len, int at_eof, size_t body_max, ccsp_http_answer *a,
                                int *complete)
{
	ccsp_http_answer got = {0};
	ccsp_err ret = CCSP_OK;
	size_t off = 0;
	head h;
	int whole = 0;
	if (complete == NULL || a == NULL || (buf == NULL && len > 0))
		return CCSP_ERR_ARG;
	*complete = 0;
	for (unsigned i = 0; i <= CCSP_HTTP_ANSWER_INTERIM_MAX; i++) {
		CCSP_CHECK(parse_head(buf, len, off, body_max, &h, &whole));
		if (!whole)
			return at_eof ? CCSP_ERR_PROTOCOL : CCSP_OK;
		off += h.len;
		if (h.status >= 200)
			break;
		if (h.status == 101 || i == CCSP_HTTP_ANSWER_INTERIM_MAX)
			return CCSP_ERR_PROTOCOL; /* no upgrade was asked for; or 1xx without end */
	}
	got.status = h.status;
	CCSP_CHECK(read_body(buf, len, off, at_eof, body_max, &h, &got, complete));
	if (*complete)
		*a = got;
out:
	if (!*complete || ret != CCSP_OK)
		ccsp_http_answer_clear(&got);
	if (ret != CCSP_OK)
		*complete = 0;
	return ret;
}

void ccsp_http_answer_clear(ccsp_http_answer *a)
{
	if (a == NULL || a->body == NULL)
		return;
	ccsp_memzero(a->body, a->body_len);
	free(a->body);
	a->body = NULL;
	a->body_len = 0;
}

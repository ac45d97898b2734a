/* SPDX-License-Identifier: Apache-2.0 */
/* SDF frame header and TLV body writer/reader (docs/sdf-protocol.md, "Frames"). */
#include "sdf/sdf_wire.h"

#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>

#define FRAME_MAX ((size_t)CCSP_SDF_HEADER_SIZE + CCSP_SDF_MAX_BODY)
#define WRITER_MIN_CAP ((size_t)256)

/* ---- big-endian integers ---- */

static void be16_store(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32_store(uint8_t *p, uint32_t v)
{
	be16_store(p, (uint16_t)(v >> 16));
	be16_store(p + 2, (uint16_t)v);
}

static void be64_store(uint8_t *p, uint64_t v)
{
	be32_store(p, (uint32_t)(v >> 32));
	be32_store(p + 4, (uint32_t)v);
}

static uint16_t be16_load(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static uint32_t be32_load(const uint8_t *p)
{
	return (uint32_t)be16_load(p) << 16 | be16_load(p + 2);
}

static uint64_t be64_load(const uint8_t *p)
{
	return (uint64_t)be32_load(p) << 32 | be32_load(p + 4);
}

/* ---- header ---- */

void ccsp_sdf_header_encode(const ccsp_sdf_header *h, uint8_t out[CCSP_SDF_HEADER_SIZE])
{
	out[0] = h->version;
	out[1] = h->type;
	be16_store(out + 2, h->opcode);
	be32_store(out + 4, h->request);
	be64_store(out + 8, h->session);
	be32_store(out + 16, h->status);
	be32_store(out + 20, h->length);
}

ccsp_err ccsp_sdf_header_decode(const uint8_t in[CCSP_SDF_HEADER_SIZE], ccsp_sdf_header *h)
{
	ccsp_sdf_header d = {
		.version = in[0],
		.type = in[1],
		.opcode = be16_load(in + 2),
		.request = be32_load(in + 4),
		.session = be64_load(in + 8),
		.status = be32_load(in + 16),
		.length = be32_load(in + 20),
	};
	if (d.version != CCSP_SDF_WIRE_VERSION || (d.type != CCSP_SDF_REQUEST && d.type != CCSP_SDF_RESPONSE) ||
	    d.length > CCSP_SDF_MAX_BODY) {
		memset(h, 0, sizeof *h);
		return CCSP_ERR_PROTOCOL;
	}
	*h = d;
	return CCSP_OK;
}

/* ---- writer ---- */

static void writer_fail(ccsp_sdf_writer *w, ccsp_err err)
{
	if (!w->failed)
		w->failed = (int)err;
}

/* Bytes in [len, cap) never hold data (shrink_last wipes what it drops), so wiping [0, len) suffices. */
static void writer_drop_buf(ccsp_sdf_writer *w)
{
	if (w->buf != NULL)
		ccsp_memzero(w->buf, w->len);
	free(w->buf);
	w->buf = NULL;
	w->cap = 0;
}

ccsp_err ccsp_sdf_writer_init(ccsp_sdf_writer *w, size_t hint)
{
	size_t cap = hint < CCSP_SDF_MAX_BODY ? CCSP_SDF_HEADER_SIZE + hint : FRAME_MAX;
	memset(w, 0, sizeof *w);
	if (cap < WRITER_MIN_CAP)
		cap = WRITER_MIN_CAP;
	w->buf = malloc(cap);
	if (w->buf == NULL) {
		w->failed = CCSP_ERR_NOMEM;
		return CCSP_ERR_NOMEM;
	}
	memset(w->buf, 0, CCSP_SDF_HEADER_SIZE);
	w->cap = cap;
	w->len = CCSP_SDF_HEADER_SIZE;
	return CCSP_OK;
}

/* Make room for n more bytes, doubling the buffer (never beyond FRAME_MAX). 0 when the writer failed.
 * Not realloc: the old block holds secrets and must be wiped before it is released. */
static int writer_reserve(ccsp_sdf_writer *w, size_t n)
{
	if (w->failed)
		return 0;
	if (w->buf == NULL) {
		writer_fail(w, CCSP_ERR_STATE);
		return 0;
	}
	if (n > FRAME_MAX - w->len) {
		writer_fail(w, CCSP_ERR_LIMIT);
		return 0;
	}
	size_t need = w->len + n, cap = w->cap;
	if (need <= cap)
		return 1;
	while (cap < need)
		cap = cap > FRAME_MAX / 2 ? FRAME_MAX : cap * 2;
	uint8_t *nb = malloc(cap);
	if (nb == NULL) {
		writer_fail(w, CCSP_ERR_NOMEM);
		return 0;
	}
	memcpy(nb, w->buf, w->len);
	writer_drop_buf(w);
	w->buf = nb;
	w->cap = cap;
	return 1;
}

/* Append a field header for a len-byte value; returns where the value goes, NULL when failed. */
static uint8_t *writer_field(ccsp_sdf_writer *w, uint16_t tag, size_t len)
{
	if (!w->failed && len > CCSP_SDF_MAX_BODY) /* also keeps len within u32 and 6 + len from overflowing */
		writer_fail(w, CCSP_ERR_LIMIT);
	if (!writer_reserve(w, CCSP_SDF_FIELD_HEADER + len))
		return NULL;
	uint8_t *f = w->buf + w->len;
	be16_store(f, tag);
	be32_store(f + 2, (uint32_t)len);
	w->len += CCSP_SDF_FIELD_HEADER + len;
	w->last = 0;
	return f + CCSP_SDF_FIELD_HEADER;
}

void ccsp_sdf_put_u32(ccsp_sdf_writer *w, uint16_t tag, uint32_t v)
{
	uint8_t *p = writer_field(w, tag, 4);
	if (p != NULL)
		be32_store(p, v);
}

void ccsp_sdf_put_u64(ccsp_sdf_writer *w, uint16_t tag, uint64_t v)
{
	uint8_t *p = writer_field(w, tag, 8);
	if (p != NULL)
		be64_store(p, v);
}

void ccsp_sdf_put_bytes(ccsp_sdf_writer *w, uint16_t tag, const void *p, size_t len)
{
	if (p == NULL && len != 0) {
		writer_fail(w, CCSP_ERR_ARG);
		return;
	}
	uint8_t *v = writer_field(w, tag, len);
	if (v != NULL && len != 0)
		memcpy(v, p, len);
}

uint8_t *ccsp_sdf_put_space(ccsp_sdf_writer *w, uint16_t tag, size_t len)
{
	uint8_t *v = writer_field(w, tag, len);
	if (v == NULL)
		return NULL;
	memset(v, 0, len); /* a caller that fills less than it reserved must not send old heap bytes */
	w->last = (size_t)(v - w->buf) - CCSP_SDF_FIELD_HEADER;
	return v;
}

void ccsp_sdf_shrink_last(ccsp_sdf_writer *w, size_t len)
{
	if (w->failed)
		return;
	if (w->last == 0) {
		writer_fail(w, CCSP_ERR_ARG);
		return;
	}
	size_t value = w->last + CCSP_SDF_FIELD_HEADER; /* the reserved field is the last one: it ends at len */
	size_t have = w->len - value;
	if (len > have) {
		writer_fail(w, CCSP_ERR_ARG);
		return;
	}
	ccsp_memzero(w->buf + value + len, have - len);
	be32_store(w->buf + w->last + 2, (uint32_t)len);
	w->len = value + len;
}

ccsp_err ccsp_sdf_writer_finish(ccsp_sdf_writer *w, ccsp_sdf_header *h, uint8_t **frame, size_t *len)
{
	ccsp_err err = w->failed ? (ccsp_err)w->failed : w->buf == NULL ? CCSP_ERR_STATE : CCSP_OK;
	*frame = NULL;
	*len = 0;
	if (err == CCSP_OK) {
		h->length = (uint32_t)(w->len - CCSP_SDF_HEADER_SIZE);
		ccsp_sdf_header_encode(h, w->buf);
		*frame = w->buf;
		*len = w->len;
		w->buf = NULL; /* handed over: not wiped */
	}
	ccsp_sdf_writer_free(w);
	return err;
}

void ccsp_sdf_writer_free(ccsp_sdf_writer *w)
{
	writer_drop_buf(w);
	memset(w, 0, sizeof *w);
}

/* ---- reader ---- */

void ccsp_sdf_reader_init(ccsp_sdf_reader *r, const uint8_t *body, size_t len)
{
	r->p = body;
	r->len = body != NULL ? len : 0;
	r->pos = 0;
	r->failed = body == NULL && len != 0;
}

/* Bytes left, 0 when the reader failed or its cursor is inconsistent. */
static size_t reader_left(const ccsp_sdf_reader *r)
{
	return r->failed || r->pos > r->len ? 0 : r->len - r->pos;
}

/* Read the next field: tag must match and its length lie in minlen..maxlen. */
static ccsp_err reader_field(ccsp_sdf_reader *r, uint16_t tag, size_t minlen, size_t maxlen, const uint8_t **value,
                             size_t *vlen)
{
	size_t left = reader_left(r);
	*value = NULL;
	*vlen = 0;
	if (left < CCSP_SDF_FIELD_HEADER)
		goto fail;
	const uint8_t *f = r->p + r->pos;
	size_t flen = be32_load(f + 2);
	/* left - FIELD_HEADER cannot wrap (checked above); flen is never added to anything before this */
	if (be16_load(f) != tag || flen > left - CCSP_SDF_FIELD_HEADER || flen < minlen || flen > maxlen)
		goto fail;
	*value = f + CCSP_SDF_FIELD_HEADER;
	*vlen = flen;
	r->pos += CCSP_SDF_FIELD_HEADER + flen;
	return CCSP_OK;
fail:
	r->failed = 1;
	return CCSP_ERR_PROTOCOL;
}

ccsp_err ccsp_sdf_get_u32(ccsp_sdf_reader *r, uint16_t tag, uint32_t *v)
{
	const uint8_t *p;
	size_t n;
	ccsp_err err = reader_field(r, tag, 4, 4, &p, &n);
	*v = err == CCSP_OK ? be32_load(p) : 0;
	return err;
}

ccsp_err ccsp_sdf_get_u64(ccsp_sdf_reader *r, uint16_t tag, uint64_t *v)
{
	const uint8_t *p;
	size_t n;
	ccsp_err err = reader_field(r, tag, 8, 8, &p, &n);
	*v = err == CCSP_OK ? be64_load(p) : 0;
	return err;
}

ccsp_err ccsp_sdf_get_bytes(ccsp_sdf_reader *r, uint16_t tag, size_t minlen, size_t maxlen, const uint8_t **p,
                            size_t *len)
{
	return reader_field(r, tag, minlen, maxlen, p, len);
}

ccsp_err ccsp_sdf_get_fixed(ccsp_sdf_reader *r, uint16_t tag, void *out, size_t len)
{
	const uint8_t *p;
	size_t n;
	ccsp_err err = reader_field(r, tag, len, len, &p, &n);
	if (len == 0)
		return err;
	if (err == CCSP_OK)
		memcpy(out, p, len);
	else
		memset(out, 0, len);
	return err;
}

int ccsp_sdf_peek_tag(const ccsp_sdf_reader *r, uint16_t tag)
{
	return reader_left(r) >= CCSP_SDF_FIELD_HEADER && be16_load(r->p + r->pos) == tag;
}

ccsp_err ccsp_sdf_reader_end(const ccsp_sdf_reader *r)
{
	return !r->failed && r->pos == r->len ? CCSP_OK : CCSP_ERR_PROTOCOL;
}

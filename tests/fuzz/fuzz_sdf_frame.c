/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the SDF frame decoder (src/sdf/sdf_wire.c). Input: a 24-byte header, then the body (the header's
 * length bytes when the header decodes and they are all there, else everything left), then control bytes
 * that choose the reads (operation, tag, lengths). Every read is checked against a plain reference parse
 * written here; whatever decoded is written again with the writer and must give the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "sdf/sdf_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIXED_MAX 4096

struct ctrl {
	const uint8_t *p;
	size_t len, pos;
};

static uint8_t ctrl_u8(struct ctrl *c)
{
	return c->pos < c->len ? c->p[c->pos++] : 0;
}

static size_t ctrl_u16(struct ctrl *c)
{
	size_t hi = ctrl_u8(c);
	return hi << 8 | ctrl_u8(c);
}

static uint64_t ref_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* The reference verdict on a read of the field at pos: tag, and length in minlen..maxlen and present. */
static int ref_ok(const uint8_t *body, size_t len, size_t pos, uint16_t tag, size_t minlen, size_t maxlen)
{
	if (pos + 6 > len)
		return 0;
	uint64_t flen = ref_be(body + pos + 2, 4);
	return ref_be(body + pos, 2) == tag && pos + 6 + flen <= len && flen >= minlen && flen <= maxlen;
}

/* The next field's own tag and length when there are that many bytes, else 0. */
static uint16_t natural_tag(const ccsp_sdf_reader *r)
{
	return r->len - r->pos >= 2 ? (uint16_t)ref_be(r->p + r->pos, 2) : 0;
}

static size_t natural_len(const ccsp_sdf_reader *r)
{
	return r->len - r->pos >= 6 ? (size_t)ref_be(r->p + r->pos + 2, 4) : 8;
}

enum { OP_U32, OP_U64, OP_FIXED, OP_BYTES, OP_PEEK, OP_COUNT };

/* Re-encode a value that was read, either directly or through put_space and shrink_last. */
static void rewrite(ccsp_sdf_writer *w, uint16_t tag, const uint8_t *v, size_t n, int via_space, size_t extra)
{
	if (!via_space) {
		ccsp_sdf_put_bytes(w, tag, v, n);
		return;
	}
	uint8_t *s = ccsp_sdf_put_space(w, tag, n + extra);
	if (s == NULL)
		abort();
	if (n)
		memcpy(s, v, n);
	ccsp_sdf_shrink_last(w, n);
}

/* One read chosen by the control bytes; aborts when the reader and the reference disagree. */
static void step(ccsp_sdf_reader *r, ccsp_sdf_writer *w, struct ctrl *c)
{
	int have_ctrl = c->pos < c->len;
	uint8_t sel = ctrl_u8(c);
	int op = have_ctrl ? sel % OP_COUNT : OP_BYTES;
	uint16_t tag = (sel & 0x80) ? (uint16_t)ctrl_u16(c) : natural_tag(r);
	size_t minlen = 0, maxlen = SIZE_MAX, pos = r->pos;
	int was_failed = r->failed;
	const uint8_t *p = NULL;
	size_t n = 0;
	ccsp_err err;
	uint8_t fixed[FIXED_MAX];

	switch (op) {
	case OP_U32: {
		uint32_t v;
		minlen = maxlen = 4;
		err = ccsp_sdf_get_u32(r, tag, &v);
		if (err == CCSP_OK && v != ref_be(r->p + pos + 6, 4))
			abort();
		if (err != CCSP_OK && v != 0)
			abort();
		if (err == CCSP_OK)
			ccsp_sdf_put_u32(w, tag, v);
		break;
	}
	case OP_U64: {
		uint64_t v;
		minlen = maxlen = 8;
		err = ccsp_sdf_get_u64(r, tag, &v);
		if ((err == CCSP_OK && v != ref_be(r->p + pos + 6, 8)) || (err != CCSP_OK && v != 0))
			abort();
		if (err == CCSP_OK)
			ccsp_sdf_put_u64(w, tag, v);
		break;
	}
	case OP_FIXED:
		minlen = maxlen = (sel & 0x40) || natural_len(r) > FIXED_MAX ? ctrl_u16(c) % (FIXED_MAX + 1) : natural_len(r);
		err = ccsp_sdf_get_fixed(r, tag, fixed, minlen);
		if (err == CCSP_OK && minlen && memcmp(fixed, r->p + pos + 6, minlen) != 0)
			abort();
		if (err == CCSP_OK)
			rewrite(w, tag, fixed, minlen, sel & 0x20, sel & 0x07);
		break;
	case OP_BYTES:
		if (sel & 0x40) {
			minlen = ctrl_u16(c);
			maxlen = (sel & 0x10) ? SIZE_MAX : minlen + ctrl_u16(c);
		}
		err = ccsp_sdf_get_bytes(r, tag, minlen, maxlen, &p, &n);
		if ((err == CCSP_OK && p != r->p + pos + 6) || (err != CCSP_OK && (p != NULL || n != 0)))
			abort();
		if (err == CCSP_OK)
			rewrite(w, tag, p, n, sel & 0x20, sel & 0x07);
		break;
	default:
		if (ccsp_sdf_peek_tag(r, tag) != (!was_failed && pos + 6 <= r->len && natural_tag(r) == tag))
			abort();
		return;
	}
	int want = !was_failed && ref_ok(r->p, r->len, pos, tag, minlen, maxlen);
	if ((err == CCSP_OK) != want || (r->failed == 0) != want)
		abort();
	if (want && (r->pos != pos + 6 + ref_be(r->p + pos + 2, 4) || r->pos > r->len))
		abort();
	if (!want && r->pos != pos)
		abort();
}

/* What the writer made of the reads must be the bytes that were read. */
static void check_rewrite(ccsp_sdf_writer *w, const ccsp_sdf_header *h, int header_ok, const uint8_t *data,
                          const ccsp_sdf_reader *r)
{
	ccsp_sdf_header out = *h;
	uint8_t *frame;
	size_t len;
	if (!header_ok)
		out = (ccsp_sdf_header){.version = CCSP_SDF_WIRE_VERSION};
	if (ccsp_sdf_writer_finish(w, &out, &frame, &len) != CCSP_OK)
		abort();
	if (len != CCSP_SDF_HEADER_SIZE + r->pos || out.length != r->pos ||
	    memcmp(frame + CCSP_SDF_HEADER_SIZE, r->p, r->pos) != 0)
		abort();
	/* a body read to its end makes the whole frame again */
	if (header_ok && ccsp_sdf_reader_end(r) == CCSP_OK && memcmp(frame, data, len) != 0)
		abort();
	free(frame);
}

static int check_header(const uint8_t *data, size_t size, ccsp_sdf_header *h)
{
	static const ccsp_sdf_header zero;
	uint8_t again[CCSP_SDF_HEADER_SIZE];
	if (size < CCSP_SDF_HEADER_SIZE)
		return 0;
	int want = data[0] == CCSP_SDF_WIRE_VERSION && data[1] <= 1 && ref_be(data + 20, 4) <= CCSP_SDF_MAX_BODY;
	ccsp_err err = ccsp_sdf_header_decode(data, h);
	if ((err == CCSP_OK) != want || (!want && memcmp(h, &zero, sizeof zero) != 0))
		abort();
	if (!want)
		return 0;
	ccsp_sdf_header_encode(h, again);
	if (memcmp(again, data, sizeof again) != 0 || h->length != ref_be(data + 20, 4) ||
	    h->session != ref_be(data + 8, 8))
		abort();
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ccsp_sdf_header h;
	memset(&h, 0, sizeof h);
	int header_ok = check_header(data, size, &h);
	size_t start = size < CCSP_SDF_HEADER_SIZE ? size : CCSP_SDF_HEADER_SIZE;
	size_t blen = size - start;
	if (header_ok && h.length <= blen)
		blen = h.length;
	struct ctrl c = {data + start + blen, size - start - blen, 0};

	ccsp_sdf_reader r;
	ccsp_sdf_writer w;
	ccsp_sdf_reader_init(&r, data + start, blen);
	if (ccsp_sdf_writer_init(&w, ctrl_u8(&c) & 1 ? blen : 0) != CCSP_OK)
		abort();
	for (int i = 0; i < 100000 && (c.pos < c.len || (!r.failed && r.pos < r.len)); i++)
		step(&r, &w, &c);
	int end_ok = !r.failed && r.pos == r.len;
	if ((ccsp_sdf_reader_end(&r) == CCSP_OK) != end_ok)
		abort();
	check_rewrite(&w, &h, header_ok && blen == h.length, data, &r);
	return 0;
}

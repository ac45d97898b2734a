/* SPDX-License-Identifier: Apache-2.0 */
/* SDF wire protocol (src/sdf/sdf_wire.c): frame header, TLV body writer and reader, every rejection. */
#include <stdlib.h>
#include <string.h>

#include "sdf/sdf_wire.h"
#include "test_util.h"

enum { T_U32 = 1, T_U64 = 2, T_BYTES = 3, T_FIXED = 4, T_EMPTY = 5 };

static const ccsp_sdf_header HDR = {
	.version = CCSP_SDF_WIRE_VERSION,
	.type = CCSP_SDF_RESPONSE,
	.opcode = 0x0102,
	.request = 0x03040506,
	.session = 0x0708090a0b0c0d0eULL,
	.status = 0x0f101112,
	.length = 0x00131415,
};
/* docs/sdf-protocol.md "Frames": every field big-endian at its offset */
#define HDR_HEX "0101010203040506" "0708090a0b0c0d0e" "0f10111200131415"

static void assert_header_equal(const ccsp_sdf_header *a, const ccsp_sdf_header *b)
{
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->opcode, b->opcode);
	assert_int_equal(a->request, b->request);
	assert_true(a->session == b->session);
	assert_int_equal(a->status, b->status);
	assert_int_equal(a->length, b->length);
}

static void test_header_round_trip(void **state)
{
	(void)state;
	uint8_t buf[CCSP_SDF_HEADER_SIZE];
	ccsp_sdf_header h;
	ccsp_sdf_header_encode(&HDR, buf);
	assert_hex_equal(HDR_HEX, buf, sizeof buf);
	assert_ok(ccsp_sdf_header_decode(buf, &h));
	assert_header_equal(&h, &HDR);

	const ccsp_sdf_header edges[] = {
		{CCSP_SDF_WIRE_VERSION, CCSP_SDF_REQUEST, 0, 0, 0, 0, 0},
		{CCSP_SDF_WIRE_VERSION, CCSP_SDF_REQUEST, UINT16_MAX, UINT32_MAX, UINT64_MAX, UINT32_MAX,
		 CCSP_SDF_MAX_BODY},
		{CCSP_SDF_WIRE_VERSION, CCSP_SDF_RESPONSE, 1, 1, 1, 1, 1},
	};
	for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
		uint8_t again[CCSP_SDF_HEADER_SIZE];
		ccsp_sdf_header_encode(&edges[i], buf);
		assert_ok(ccsp_sdf_header_decode(buf, &h));
		assert_header_equal(&h, &edges[i]);
		ccsp_sdf_header_encode(&h, again);
		assert_memory_equal(buf, again, sizeof buf);
	}
}

static void assert_header_rejected(const ccsp_sdf_header *bad)
{
	uint8_t buf[CCSP_SDF_HEADER_SIZE];
	ccsp_sdf_header h;
	memset(&h, 0xaa, sizeof h);
	ccsp_sdf_header_encode(bad, buf);
	assert_ccsp(CCSP_ERR_PROTOCOL, ccsp_sdf_header_decode(buf, &h));
	assert_int_equal(h.version, 0);
	assert_int_equal(h.length, 0);
	assert_true(h.session == 0);
}

static void test_header_rejections(void **state)
{
	(void)state;
	const uint8_t versions[] = {0, CCSP_SDF_WIRE_VERSION + 1, 0x80, 0xff};
	const uint8_t types[] = {2, 3, 0x80, 0xff};
	const uint32_t lengths[] = {CCSP_SDF_MAX_BODY + 1, CCSP_SDF_MAX_BODY * 2, 0x80000000u, UINT32_MAX};
	for (size_t i = 0; i < 4; i++) {
		ccsp_sdf_header h = HDR;
		h.version = versions[i];
		assert_header_rejected(&h);
		h = HDR;
		h.type = types[i];
		assert_header_rejected(&h);
		h = HDR;
		h.length = lengths[i];
		assert_header_rejected(&h);
	}
}

/* A body with one field of each type; sizes chosen to cross the writer's first growth. */
static uint8_t blob[3000];

static void put_all(ccsp_sdf_writer *w)
{
	ccsp_sdf_put_u32(w, T_U32, 0xdeadbeef);
	ccsp_sdf_put_u64(w, T_U64, 0x0123456789abcdefULL);
	ccsp_sdf_put_bytes(w, T_BYTES, blob, sizeof blob);
	ccsp_sdf_put_bytes(w, T_FIXED, blob, 16);
	ccsp_sdf_put_bytes(w, T_EMPTY, NULL, 0);
}

/* The reads matching put_all; CCSP_OK when all pass and the body is consumed. */
static ccsp_err get_all(const uint8_t *body, size_t len)
{
	ccsp_sdf_reader r;
	uint32_t v32;
	uint64_t v64;
	uint8_t fixed[16];
	const uint8_t *p;
	size_t n;
	int ok = 1;
	ccsp_sdf_reader_init(&r, body, len);
	ok &= ccsp_sdf_get_u32(&r, T_U32, &v32) == CCSP_OK && v32 == 0xdeadbeef;
	ok &= ccsp_sdf_get_u64(&r, T_U64, &v64) == CCSP_OK && v64 == 0x0123456789abcdefULL;
	ok &= ccsp_sdf_get_bytes(&r, T_BYTES, 1, sizeof blob, &p, &n) == CCSP_OK && n == sizeof blob &&
	      memcmp(p, blob, n) == 0;
	ok &= ccsp_sdf_get_fixed(&r, T_FIXED, fixed, sizeof fixed) == CCSP_OK && memcmp(fixed, blob, 16) == 0;
	ok &= ccsp_sdf_peek_tag(&r, T_EMPTY) && !ccsp_sdf_peek_tag(&r, T_U32);
	ok &= ccsp_sdf_get_bytes(&r, T_EMPTY, 0, 0, &p, &n) == CCSP_OK && n == 0;
	ok &= !ccsp_sdf_peek_tag(&r, T_EMPTY);
	ccsp_err end = ccsp_sdf_reader_end(&r);
	/* a reader that failed stays failed and says so at the end */
	assert_true(ok || end == CCSP_ERR_PROTOCOL);
	return ok ? end : CCSP_ERR_PROTOCOL;
}

static void build_all(uint8_t **frame, size_t *len, ccsp_sdf_header *h)
{
	ccsp_sdf_writer w;
	test_rand(blob, sizeof blob);
	*h = HDR;
	assert_ok(ccsp_sdf_writer_init(&w, 0));
	put_all(&w);
	assert_ok(ccsp_sdf_writer_finish(&w, h, frame, len));
	assert_null(w.buf);
}

static void test_writer_reader_round_trip(void **state)
{
	(void)state;
	uint8_t *frame;
	size_t len;
	ccsp_sdf_header h, d;
	build_all(&frame, &len, &h);
	assert_int_equal(len, CCSP_SDF_HEADER_SIZE + 5 * CCSP_SDF_FIELD_HEADER + 4 + 8 + sizeof blob + 16);
	assert_int_equal(h.length, len - CCSP_SDF_HEADER_SIZE);
	assert_ok(ccsp_sdf_header_decode(frame, &d));
	assert_header_equal(&d, &h);
	assert_int_equal(d.opcode, HDR.opcode);
	/* the field encoding: u16 tag, u32 length, value */
	assert_hex_equal("000100000004deadbeef" "0002000000080123456789abcdef" "000300000bb8",
	                 frame + CCSP_SDF_HEADER_SIZE, 30);
	assert_ok(get_all(frame + CCSP_SDF_HEADER_SIZE, len - CCSP_SDF_HEADER_SIZE));
	free(frame);

	/* an empty body */
	ccsp_sdf_writer w;
	assert_ok(ccsp_sdf_writer_init(&w, 100));
	h = HDR;
	assert_ok(ccsp_sdf_writer_finish(&w, &h, &frame, &len));
	assert_int_equal(len, CCSP_SDF_HEADER_SIZE);
	assert_int_equal(h.length, 0);
	ccsp_sdf_reader r;
	ccsp_sdf_reader_init(&r, frame + CCSP_SDF_HEADER_SIZE, 0);
	assert_false(ccsp_sdf_peek_tag(&r, 0));
	assert_ok(ccsp_sdf_reader_end(&r));
	free(frame);
	ccsp_sdf_reader_init(&r, NULL, 0);
	assert_ok(ccsp_sdf_reader_end(&r));
	ccsp_sdf_reader_init(&r, NULL, 5);
	assert_ccsp(CCSP_ERR_PROTOCOL, ccsp_sdf_reader_end(&r));
}

static void test_put_space_shrink(void **state)
{
	(void)state;
	ccsp_sdf_writer w;
	ccsp_sdf_header h = HDR;
	uint8_t *frame, *p;
	size_t len;
	assert_ok(ccsp_sdf_writer_init(&w, 0));
	ccsp_sdf_put_u32(&w, T_U32, 7);
	p = ccsp_sdf_put_space(&w, T_BYTES, 1000); /* grows the buffer */
	assert_non_null(p);
	for (size_t i = 0; i < 1000; i++)
		assert_int_equal(p[i], 0); /* zero-filled */
	memset(p, 0x5a, 1000);
	ccsp_sdf_shrink_last(&w, 40);
	ccsp_sdf_shrink_last(&w, 33); /* twice: to less than the current length */
	assert_int_equal(w.failed, 0);
	for (size_t i = w.len; i < w.len + 1000 - 33; i++)
		assert_int_equal(w.buf[i], 0); /* the dropped bytes are wiped */
	p = ccsp_sdf_put_space(&w, T_FIXED, 5);
	assert_non_null(p);
	memcpy(p, "abcde", 5);
	ccsp_sdf_shrink_last(&w, 5); /* no-op */
	assert_non_null(ccsp_sdf_put_space(&w, T_EMPTY, 8));
	ccsp_sdf_shrink_last(&w, 0);
	assert_ok(ccsp_sdf_writer_finish(&w, &h, &frame, &len));
	assert_int_equal(len, CCSP_SDF_HEADER_SIZE + 4 * CCSP_SDF_FIELD_HEADER + 4 + 33 + 5);

	ccsp_sdf_reader r;
	uint32_t v;
	uint8_t five[5];
	const uint8_t *b;
	size_t n;
	ccsp_sdf_reader_init(&r, frame + CCSP_SDF_HEADER_SIZE, len - CCSP_SDF_HEADER_SIZE);
	assert_ok(ccsp_sdf_get_u32(&r, T_U32, &v));
	assert_ok(ccsp_sdf_get_bytes(&r, T_BYTES, 0, 1000, &b, &n));
	assert_int_equal(n, 33);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(b[i], 0x5a);
	assert_ok(ccsp_sdf_get_fixed(&r, T_FIXED, five, 5));
	assert_memory_equal(five, "abcde", 5);
	assert_ok(ccsp_sdf_get_bytes(&r, T_EMPTY, 0, 0, &b, &n));
	assert_ok(ccsp_sdf_reader_end(&r));
	free(frame);
}

static void expect_misuse(void (*misuse)(ccsp_sdf_writer *))
{
	ccsp_sdf_writer w;
	ccsp_sdf_header h = HDR;
	uint8_t *frame = (uint8_t *)&h;
	size_t len = 99;
	assert_ok(ccsp_sdf_writer_init(&w, 0));
	misuse(&w);
	assert_null(ccsp_sdf_put_space(&w, T_BYTES, 1)); /* ignored once failed */
	assert_ccsp(CCSP_ERR_ARG, ccsp_sdf_writer_finish(&w, &h, &frame, &len));
	assert_null(frame);
	assert_int_equal(len, 0);
	assert_null(w.buf);
}

static void shrink_without_space(ccsp_sdf_writer *w)
{
	ccsp_sdf_shrink_last(w, 0);
}

static void shrink_after_other_put(ccsp_sdf_writer *w)
{
	assert_non_null(ccsp_sdf_put_space(w, T_BYTES, 10));
	ccsp_sdf_put_u32(w, T_U32, 1);
	ccsp_sdf_shrink_last(w, 2);
}

static void shrink_grow(ccsp_sdf_writer *w)
{
	assert_non_null(ccsp_sdf_put_space(w, T_BYTES, 10));
	ccsp_sdf_shrink_last(w, 4);
	ccsp_sdf_shrink_last(w, 5); /* more than what is left */
}

static void put_null(ccsp_sdf_writer *w)
{
	ccsp_sdf_put_bytes(w, T_BYTES, NULL, 1);
}

static void test_writer_misuse(void **state)
{
	(void)state;
	expect_misuse(shrink_without_space);
	expect_misuse(shrink_after_other_put);
	expect_misuse(shrink_grow);
	expect_misuse(put_null);

	/* finish resets: a second finish, or one on a writer never initialised, is a state error */
	ccsp_sdf_writer w;
	ccsp_sdf_header h = HDR;
	uint8_t *frame;
	size_t len;
	assert_ok(ccsp_sdf_writer_init(&w, 0));
	ccsp_sdf_put_u32(&w, T_U32, 1);
	assert_ok(ccsp_sdf_writer_finish(&w, &h, &frame, &len));
	free(frame);
	ccsp_sdf_put_u32(&w, T_U32, 1);
	assert_ccsp(CCSP_ERR_STATE, ccsp_sdf_writer_finish(&w, &h, &frame, &len));
	assert_null(frame);
	memset(&w, 0, sizeof w);
	assert_ccsp(CCSP_ERR_STATE, ccsp_sdf_writer_finish(&w, &h, &frame, &len));
	ccsp_sdf_writer_free(&w); /* harmless on an empty writer, and twice */
	ccsp_sdf_writer_free(&w);

	/* free without finishing */
	assert_ok(ccsp_sdf_writer_init(&w, 10));
	put_all(&w);
	ccsp_sdf_writer_free(&w);
	assert_null(w.buf);
	assert_int_equal(w.len, 0);
}

/* Every proper prefix of a valid body fails cleanly; each is copied to an exact-size block so that
 * ASan catches any read past its end. */
static void test_every_truncation(void **state)
{
	(void)state;
	uint8_t *frame;
	size_t len;
	ccsp_sdf_header h;
	build_all(&frame, &len, &h);
	size_t blen = len - CCSP_SDF_HEADER_SIZE;
	for (size_t n = 0; n < blen; n++) {
		uint8_t *cut = malloc(n ? n : 1);
		assert_non_null(cut);
		memcpy(cut, frame + CCSP_SDF_HEADER_SIZE, n);
		assert_ccsp(CCSP_ERR_PROTOCOL, get_all(cut, n));
		free(cut);
	}
	free(frame);
}

/* One field tag/len/value of vlen bytes (value all 0x11) in buf; returns the body length. */
static size_t one_field(uint8_t *buf, uint16_t tag, uint32_t len, size_t vlen)
{
	buf[0] = (uint8_t)(tag >> 8);
	buf[1] = (uint8_t)tag;
	buf[2] = (uint8_t)(len >> 24);
	buf[3] = (uint8_t)(len >> 16);
	buf[4] = (uint8_t)(len >> 8);
	buf[5] = (uint8_t)len;
	memset(buf + 6, 0x11, vlen);
	return 6 + vlen;
}

enum { GET_U32, GET_U64, GET_FIXED8, GET_BYTES_2_4 };

/* Apply one get to a one-field body; returns its result and checks the reader state follows it. */
static ccsp_err try_get(int kind, uint16_t tag, uint32_t len, size_t vlen)
{
	uint8_t buf[64];
	size_t blen = one_field(buf, tag, len, vlen);
	ccsp_sdf_reader r;
	uint32_t v32 = 1;
	uint64_t v64 = 1;
	uint8_t fixed[8] = {1};
	const uint8_t *p = buf;
	size_t n = 1;
	ccsp_err err = CCSP_ERR_INTERNAL;
	ccsp_sdf_reader_init(&r, buf, blen);
	switch (kind) {
	case GET_U32: err = ccsp_sdf_get_u32(&r, T_U32, &v32); break;
	case GET_U64: err = ccsp_sdf_get_u64(&r, T_U64, &v64); break;
	case GET_FIXED8: err = ccsp_sdf_get_fixed(&r, T_FIXED, fixed, 8); break;
	default: err = ccsp_sdf_get_bytes(&r, T_BYTES, 2, 4, &p, &n); break;
	}
	if (err != CCSP_OK) {
		/* outputs zeroed; the reader is failed for good, even for a get that would fit */
		switch (kind) {
		case GET_U32: assert_int_equal(v32, 0); break;
		case GET_U64: assert_true(v64 == 0); break;
		case GET_FIXED8: assert_int_equal(fixed[0], 0); break;
		default:
			assert_null(p);
			assert_int_equal(n, 0);
			break;
		}
		assert_false(ccsp_sdf_peek_tag(&r, tag));
		assert_ccsp(CCSP_ERR_PROTOCOL, ccsp_sdf_get_bytes(&r, tag, 0, SIZE_MAX, &p, &n));
		assert_ccsp(CCSP_ERR_PROTOCOL, ccsp_sdf_reader_end(&r));
	} else {
		assert_ok(ccsp_sdf_reader_end(&r));
	}
	return err;
}

static void test_reader_rejections(void **state)
{
	(void)state;
	/* right tag and length */
	assert_ok(try_get(GET_U32, T_U32, 4, 4));
	assert_ok(try_get(GET_U64, T_U64, 8, 8));
	assert_ok(try_get(GET_FIXED8, T_FIXED, 8, 8));
	for (uint32_t n = 2; n <= 4; n++)
		assert_ok(try_get(GET_BYTES_2_4, T_BYTES, n, n));
	/* wrong tag */
	assert_ccsp(CCSP_ERR_PROTOCOL, try_get(GET_U32, T_U64, 4, 4));
	assert_ccsp(CCSP_ERR_PROTOCOL, try_get(GET_U64, 0x0200 | T_U64, 8, 8)); /* high byte matters */
	assert_ccsp(CCSP_ERR_PROTOCOL, try_get(GET_FIXED8, T_BYTES, 8, 8));
	assert_ccsp(CCSP_ERR_PROTOCOL, try_get(GET_BYTES_2_4, T_FIXED, 3, 3));
	/* wrong length, present in full */
	const uint32_t bad32[] = {0, 3, 5, 8}, bad64[] = {0, 4, 7, 9}, bad_fixed[] = {0, 7, 9, 16};
	for (size_t i = 0; i < 4; i++) {
		assert_ccsp(CCSP_ERR_PROTOCOL, try_get(GET_U32, T_U32, bad32[i], bad32[i]));
		assert_ccsp(CCSP_ERR_PROTOCOL, try_get(GET_U64, T_U64, bad64[i], bad64[i]));
		assert_ccsp(CCSP_ERR_PROTOCOL, try_get(GET_FIXED8, T_FIXED, bad_fixed[i], bad_fixed[i]));
	}
	/* bytes: min - 1 and max + 1 */
	assert_ccsp(CCSP_ERR_PROTOCOL, try_get(GET_BYTES_2_4, T_BYTES, 1, 1));
	assert_ccsp(CCSP_ERR_PROTOCOL, try_get(GET_BYTES_2_4, T_BYTES, 5, 5));
	assert_ccsp(CCSP_ERR_PROTOCOL, try_get(GET_BYTES_2_4, T_BYTES, 0, 0));
	/* length beyond the body, by one and by everything */
	assert_ccsp(CCSP_ERR_PROTOCOL, try_get(GET_U32, T_U32, 4, 3));
	assert_ccsp(CCSP_ERR_PROTOCOL, try_get(GET_BYTES_2_4, T_BYTES, 4, 3));
	const uint32_t huge[] = {UINT32_MAX, UINT32_MAX - 5, UINT32_MAX - 6, 0x80000000u, CCSP_SDF_MAX_BODY};
	for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
		assert_ccsp(CCSP_ERR_PROTOCOL, try_get(GET_U32, T_U32, huge[i], 4));
		assert_ccsp(CCSP_ERR_PROTOCOL, try_get(GET_BYTES_2_4, T_BYTES, huge[i], 40));
	}
}

static void test_field_length_all_ones(void **state)
{
	(void)state;
	uint8_t buf[64];
	ccsp_sdf_reader r;
	const uint8_t *p;
	size_t n;
	/* u32 0xFFFFFFFF: 6 + length wraps a 32-bit sum; the reader must compare, not add */
	size_t blen = one_field(buf, T_BYTES, UINT32_MAX, 10);
	ccsp_sdf_reader_init(&r, buf, blen);
	assert_true(ccsp_sdf_peek_tag(&r, T_BYTES)); /* peek looks at the tag only */
	assert_ccsp(CCSP_ERR_PROTOCOL, ccsp_sdf_get_bytes(&r, T_BYTES, 0, SIZE_MAX, &p, &n));
	assert_null(p);
	assert_ccsp(CCSP_ERR_PROTOCOL, ccsp_sdf_reader_end(&r));
	/* the same after a valid field, so the cursor is not at 0 */
	blen = one_field(buf, T_U32, 4, 4);
	blen += one_field(buf + blen, T_BYTES, UINT32_MAX, 10);
	ccsp_sdf_reader_init(&r, buf, blen);
	uint32_t v;
	assert_ok(ccsp_sdf_get_u32(&r, T_U32, &v));
	assert_int_equal(v, 0x11111111);
	assert_ccsp(CCSP_ERR_PROTOCOL, ccsp_sdf_get_bytes(&r, T_BYTES, 0, SIZE_MAX, &p, &n));
}

static void test_trailing_bytes(void **state)
{
	(void)state;
	uint8_t buf[64];
	ccsp_sdf_reader r;
	uint32_t v;
	for (size_t extra = 1; extra <= 7; extra++) {
		size_t blen = one_field(buf, T_U32, 4, 4);
		memset(buf + blen, 0, extra);
		ccsp_sdf_reader_init(&r, buf, blen + extra);
		assert_ok(ccsp_sdf_get_u32(&r, T_U32, &v));
		assert_ccsp(CCSP_ERR_PROTOCOL, ccsp_sdf_reader_end(&r));
	}
	/* an extra whole field */
	size_t blen = one_field(buf, T_U32, 4, 4);
	blen += one_field(buf + blen, T_U32, 4, 4);
	ccsp_sdf_reader_init(&r, buf, blen);
	assert_ok(ccsp_sdf_get_u32(&r, T_U32, &v));
	assert_ccsp(CCSP_ERR_PROTOCOL, ccsp_sdf_reader_end(&r));
	/* an inconsistent cursor is refused, not read through */
	r.pos = r.len + 1;
	assert_false(ccsp_sdf_peek_tag(&r, T_U32));
	assert_ccsp(CCSP_ERR_PROTOCOL, ccsp_sdf_get_u32(&r, T_U32, &v));
}

static void test_writer_limit(void **state)
{
	(void)state;
	ccsp_sdf_writer w;
	ccsp_sdf_header h = HDR;
	uint8_t *frame, *p;
	size_t len;

	/* exactly the maximum body: one field filling it */
	assert_ok(ccsp_sdf_writer_init(&w, 0));
	p = ccsp_sdf_put_space(&w, T_BYTES, CCSP_SDF_MAX_BODY - CCSP_SDF_FIELD_HEADER);
	assert_non_null(p);
	assert_int_equal(w.cap, CCSP_SDF_HEADER_SIZE + CCSP_SDF_MAX_BODY);
	assert_ok(ccsp_sdf_writer_finish(&w, &h, &frame, &len));
	assert_int_equal(h.length, CCSP_SDF_MAX_BODY);
	ccsp_sdf_header d;
	assert_ok(ccsp_sdf_header_decode(frame, &d));
	free(frame);

	/* one byte over, reached by growth through many puts */
	assert_ok(ccsp_sdf_writer_init(&w, 0));
	static uint8_t chunk[4096];
	size_t body = 0;
	while (body + CCSP_SDF_FIELD_HEADER + sizeof chunk <= CCSP_SDF_MAX_BODY) {
		ccsp_sdf_put_bytes(&w, T_BYTES, chunk, sizeof chunk);
		body += CCSP_SDF_FIELD_HEADER + sizeof chunk;
	}
	assert_int_equal(w.failed, 0);
	size_t room = CCSP_SDF_MAX_BODY - body - CCSP_SDF_FIELD_HEADER;
	ccsp_sdf_put_bytes(&w, T_BYTES, chunk, room + 1);
	assert_int_equal(w.failed, CCSP_ERR_LIMIT);
	ccsp_sdf_put_u32(&w, T_U32, 1); /* ignored */
	assert_null(ccsp_sdf_put_space(&w, T_BYTES, 0));
	assert_int_equal(w.len, CCSP_SDF_HEADER_SIZE + body);
	frame = chunk;
	assert_ccsp(CCSP_ERR_LIMIT, ccsp_sdf_writer_finish(&w, &h, &frame, &len));
	assert_null(frame);
	assert_int_equal(len, 0);

	/* sizes that would overflow a naive header + length sum */
	const size_t huge[] = {CCSP_SDF_MAX_BODY, SIZE_MAX, SIZE_MAX - 5, (size_t)UINT32_MAX + 1};
	for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
		assert_ok(ccsp_sdf_writer_init(&w, huge[i])); /* the hint is clamped */
		assert_true(w.cap <= CCSP_SDF_HEADER_SIZE + CCSP_SDF_MAX_BODY);
		assert_null(ccsp_sdf_put_space(&w, T_BYTES, huge[i]));
		assert_ccsp(CCSP_ERR_LIMIT, ccsp_sdf_writer_finish(&w, &h, &frame, &len));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_round_trip),
		cmocka_unit_test(test_header_rejections),
		cmocka_unit_test(test_writer_reader_round_trip),
		cmocka_unit_test(test_put_space_shrink),
		cmocka_unit_test(test_writer_misuse),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_reader_rejections),
		cmocka_unit_test(test_field_length_all_ones),
		cmocka_unit_test(test_trailing_bytes),
		cmocka_unit_test(test_writer_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

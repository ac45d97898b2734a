/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: a small strict-DER reader and writer (ITU-T X.690 clause 10). No allocation.
 *
 * Reader: a window (pointer + length + cursor) over untrusted bytes. Every read checks the window
 * first; a failed read returns CCSP_ERR_DECODE and leaves the cursor where it was. Accepted: low tag
 * numbers only (one tag byte), definite lengths in their shortest form, minimal INTEGERs, BIT STRINGs
 * with no unused bits. A TLV's content is returned as a sub-reader that points into the input.
 *
 * Writer: fills the buffer from its end towards its start, so a constructed value's length is known
 * when its header is written: write a SEQUENCE's fields last to first, then call
 * ccsp_der_put_header() with the count of bytes written since. With buf == NULL (or when the buffer
 * is too small) the writer only counts, which gives the exact size of an encoding.
 */
#ifndef CCSP_DER_H
#define CCSP_DER_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

enum {
	CCSP_DER_INTEGER = 0x02,
	CCSP_DER_BIT_STRING = 0x03,
	CCSP_DER_OCTET_STRING = 0x04,
	CCSP_DER_NULL = 0x05,
	CCSP_DER_OID = 0x06,
	CCSP_DER_SEQUENCE = 0x30,
	CCSP_DER_CONTEXT_0 = 0xa0, /* [0] constructed */
	CCSP_DER_CONTEXT_1 = 0xa1, /* [1] constructed */
};

typedef struct ccsp_der_reader {
	const uint8_t *p;
	size_t len;
	size_t pos;
} ccsp_der_reader;

void ccsp_der_reader_init(ccsp_der_reader *r, const uint8_t *p, size_t len);
/* Bytes not yet read. */
size_t ccsp_der_remaining(const ccsp_der_reader *r);
/* Tag of the next TLV, or -1 at the end of the window. */
int ccsp_der_peek_tag(const ccsp_der_reader *r);
/* Read one TLV whose tag is `tag`; *content is a reader over its value. */
CCSP_MUST_CHECK ccsp_err ccsp_der_read_tlv(ccsp_der_reader *r, uint8_t tag, ccsp_der_reader *content);
/* Same, but the value as pointer + length. */
CCSP_MUST_CHECK ccsp_err ccsp_der_read_value(ccsp_der_reader *r, uint8_t tag, const uint8_t **val, size_t *len);
/* Non-negative INTEGER as big-endian magnitude without the sign byte (an empty span for 0). */
CCSP_MUST_CHECK ccsp_err ccsp_der_read_uint(ccsp_der_reader *r, const uint8_t **mag, size_t *len);
/* Non-negative INTEGER left-padded to exactly outlen bytes; CCSP_ERR_DECODE when it does not fit. */
CCSP_MUST_CHECK ccsp_err ccsp_der_read_uint_fixed(ccsp_der_reader *r, uint8_t *out, size_t outlen);
/* Non-negative INTEGER that fits in 32 bits. */
CCSP_MUST_CHECK ccsp_err ccsp_der_read_u32(ccsp_der_reader *r, uint32_t *v);
/* BIT STRING with 0 unused bits: its bytes. */
CCSP_MUST_CHECK ccsp_err ccsp_der_read_bits(ccsp_der_reader *r, uint8_t tag, const uint8_t **val, size_t *len);
CCSP_MUST_CHECK ccsp_err ccsp_der_read_null(ccsp_der_reader *r);
/* 1 when the next TLV is the OBJECT IDENTIFIER whose content bytes are oid (then consumed), 0 when
 * it is another OID (not consumed); CCSP_ERR_DECODE-free: a malformed TLV also gives 0. */
int ccsp_der_read_oid_if(ccsp_der_reader *r, const uint8_t *oid, size_t oidlen);
/* CCSP_OK when the whole window has been read, CCSP_ERR_DECODE otherwise (trailing bytes). */
CCSP_MUST_CHECK ccsp_err ccsp_der_finish(const ccsp_der_reader *r);

typedef struct ccsp_der_writer {
	uint8_t *buf; /* NULL: count only */
	size_t cap;
	size_t len;   /* bytes written so far, at buf + cap - len */
	int overflow; /* the buffer was too small: counting only from then on */
	int error;    /* size arithmetic overflowed: the encoding cannot be represented */
} ccsp_der_writer;

void ccsp_der_writer_init(ccsp_der_writer *w, uint8_t *buf, size_t cap);
/* Prepend raw bytes. */
void ccsp_der_put_bytes(ccsp_der_writer *w, const uint8_t *p, size_t n);
/* Prepend tag and length for a value of content_len bytes (already written after it). */
void ccsp_der_put_header(ccsp_der_writer *w, uint8_t tag, size_t content_len);
/* Prepend a whole TLV. */
void ccsp_der_put_tlv(ccsp_der_writer *w, uint8_t tag, const uint8_t *val, size_t len);
/* Prepend an INTEGER from a big-endian magnitude (leading zeros stripped, sign byte added). */
void ccsp_der_put_uint(ccsp_der_writer *w, const uint8_t *mag, size_t len);
void ccsp_der_put_u32(ccsp_der_writer *w, uint32_t v);
/* Prepend a BIT STRING with 0 unused bits. */
void ccsp_der_put_bits(ccsp_der_writer *w, uint8_t tag, const uint8_t *val, size_t len);
void ccsp_der_put_null(ccsp_der_writer *w);
/* Move the encoding to the start of out and report its size: CCSP_OK, CCSP_ERR_BUFFER_TOO_SMALL (with
 * *outlen = size needed), or CCSP_ERR_DATA_LENGTH when the size overflowed. */
CCSP_MUST_CHECK ccsp_err ccsp_der_writer_finish(ccsp_der_writer *w, size_t *outlen);

#endif

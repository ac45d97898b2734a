/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SDF wire protocol between libsdf and vsmd (docs/sdf-protocol.md): frames and their TLV bodies.
 * Shared by the client and the server. Every byte read from the peer goes through the bounded readers
 * here; nothing else parses wire data.
 *
 * Frame = 24-byte header + body, all integers big-endian:
 *     u8  version   CCSP_SDF_WIRE_VERSION
 *     u8  type      CCSP_SDF_REQUEST or CCSP_SDF_RESPONSE
 *     u16 opcode    ccsp_sdf_op
 *     u32 request   request id chosen by the client, echoed in the response (responses may come out of order)
 *     u64 session   server session id (0 when the call has no session)
 *     u32 status    response: the SDR_* code; request: 0
 *     u32 length    body length, <= CCSP_SDF_MAX_BODY
 * Body = a sequence of fields: u16 tag, u32 length, value. A decoder reads fields in the order the operation
 * defines and refuses anything else (missing, extra, repeated or out-of-order fields, wrong lengths).
 */
#ifndef CCSP_SDF_WIRE_H
#define CCSP_SDF_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#define CCSP_SDF_WIRE_VERSION 1
#define CCSP_SDF_HEADER_SIZE 24
#define CCSP_SDF_MAX_BODY (4u << 20)            /* 4 MiB */
#define CCSP_SDF_MAX_DATA (CCSP_SDF_MAX_BODY - 4096) /* data bytes one call may carry */
#define CCSP_SDF_FIELD_HEADER 6

enum { CCSP_SDF_REQUEST = 0, CCSP_SDF_RESPONSE = 1 };

typedef struct ccsp_sdf_header {
	uint8_t version;
	uint8_t type;
	uint16_t opcode;
	uint32_t request;
	uint64_t session;
	uint32_t status;
	uint32_t length;
} ccsp_sdf_header;

/* Encode h into out[24]. */
void ccsp_sdf_header_encode(const ccsp_sdf_header *h, uint8_t out[CCSP_SDF_HEADER_SIZE]);
/* Decode and validate in[24]: version, type (0/1) and length (<= CCSP_SDF_MAX_BODY).
 * CCSP_ERR_PROTOCOL when invalid. */
CCSP_MUST_CHECK ccsp_err ccsp_sdf_header_decode(const uint8_t in[CCSP_SDF_HEADER_SIZE], ccsp_sdf_header *h);

/* ---- body writer: a growable buffer ---- */
typedef struct ccsp_sdf_writer {
	uint8_t *buf;  /* malloc'd; the frame header is reserved at the front */
	size_t len;    /* bytes used, header included */
	size_t cap;
	size_t last;   /* offset of the field reserved by the latest put if it was put_space, else 0 */
	int failed;    /* 0, or the ccsp_err of the first failure: every later put is ignored */
} ccsp_sdf_writer;

/* Start a frame: reserves the header. hint: expected body size (clamped to CCSP_SDF_MAX_BODY). */
CCSP_MUST_CHECK ccsp_err ccsp_sdf_writer_init(ccsp_sdf_writer *w, size_t hint);
void ccsp_sdf_put_u32(ccsp_sdf_writer *w, uint16_t tag, uint32_t v);
void ccsp_sdf_put_u64(ccsp_sdf_writer *w, uint16_t tag, uint64_t v);
void ccsp_sdf_put_bytes(ccsp_sdf_writer *w, uint16_t tag, const void *p, size_t len);
/* Reserve len bytes (zero-filled) of a field to be filled in place (e.g. ciphertext written directly);
 * NULL when failed. The pointer is valid until the next put. */
uint8_t *ccsp_sdf_put_space(ccsp_sdf_writer *w, uint16_t tag, size_t len);
/* Shrink the field reserved by the immediately preceding put_space to len bytes (len <= its current length);
 * the dropped bytes are wiped. Any other use fails the writer with CCSP_ERR_ARG. */
void ccsp_sdf_shrink_last(ccsp_sdf_writer *w, size_t len);
/* Write the header (h->length is set from the body) and hand over the frame: *frame (malloc'd), *len.
 * CCSP_ERR_NOMEM or CCSP_ERR_LIMIT (body over CCSP_SDF_MAX_BODY) when any put failed (CCSP_ERR_ARG for a
 * misuse such as a bad shrink_last, CCSP_ERR_STATE for a writer not initialised); *frame NULL and *len 0
 * then. The writer is reset (wiped and emptied): init it again to reuse it. */
CCSP_MUST_CHECK ccsp_err ccsp_sdf_writer_finish(ccsp_sdf_writer *w, ccsp_sdf_header *h, uint8_t **frame, size_t *len);
/* Free (wiping: bodies carry secrets such as passwords and wrapped keys) without finishing. */
void ccsp_sdf_writer_free(ccsp_sdf_writer *w);

/* ---- body reader: bounded cursor over an untrusted body ---- */
typedef struct ccsp_sdf_reader {
	const uint8_t *p;
	size_t len;
	size_t pos;
	int failed; /* a get failed: every later get fails too */
} ccsp_sdf_reader;

void ccsp_sdf_reader_init(ccsp_sdf_reader *r, const uint8_t *body, size_t len);
/* Each get reads the next field, which must have this tag and an acceptable length; otherwise it fails
 * (returns CCSP_ERR_PROTOCOL, zeroes the outputs and marks the reader failed). */
CCSP_MUST_CHECK ccsp_err ccsp_sdf_get_u32(ccsp_sdf_reader *r, uint16_t tag, uint32_t *v);
CCSP_MUST_CHECK ccsp_err ccsp_sdf_get_u64(ccsp_sdf_reader *r, uint16_t tag, uint64_t *v);
/* Value of length minlen..maxlen, returned by pointer into the body (not copied). */
CCSP_MUST_CHECK ccsp_err ccsp_sdf_get_bytes(ccsp_sdf_reader *r, uint16_t tag, size_t minlen, size_t maxlen,
                                            const uint8_t **p, size_t *len);
/* Value of exactly len bytes, copied to out. */
CCSP_MUST_CHECK ccsp_err ccsp_sdf_get_fixed(ccsp_sdf_reader *r, uint16_t tag, void *out, size_t len);
/* Whether the next field (if any) has this tag: for optional fields. */
int ccsp_sdf_peek_tag(const ccsp_sdf_reader *r, uint16_t tag);
/* CCSP_OK when every byte was consumed and no get failed; CCSP_ERR_PROTOCOL otherwise. */
CCSP_MUST_CHECK ccsp_err ccsp_sdf_reader_end(const ccsp_sdf_reader *r);

#endif

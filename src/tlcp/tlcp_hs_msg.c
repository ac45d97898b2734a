/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The handshake's bounded reader (pointer + length + cursor: every read is checked against the window, a failed read
 * marks the reader bad and returns zeros) and growable writer, the certificate_list splitter and the SM2 signature
 * helpers (default ID 1234567812345678, DER signatures as the messages carry them).
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/sm2_asn1.h>

#include "tlcp_hs_internal.h"

void tlcp_rd_init(tlcp_rd *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = p != NULL ? len : 0;
	r->pos = 0;
	r->bad = 0;
}

const uint8_t *tlcp_rd_bytes(tlcp_rd *r, size_t n)
{
	const uint8_t *p;

	if (r->bad || n > r->len - r->pos) {
		r->bad = 1;
		return NULL;
	}
	p = r->p + r->pos;
	r->pos += n;
	return p;
}

static size_t rd_be(tlcp_rd *r, size_t n)
{
	const uint8_t *p = tlcp_rd_bytes(r, n);
	size_t v = 0;

	for (size_t i = 0; p != NULL && i < n; i++)
		v = v << 8 | p[i];
	return v;
}

unsigned tlcp_rd_u8(tlcp_rd *r)
{
	return (unsigned)rd_be(r, 1);
}

unsigned tlcp_rd_u16(tlcp_rd *r)
{
	return (unsigned)rd_be(r, 2);
}

size_t tlcp_rd_u24(tlcp_rd *r)
{
	return rd_be(r, 3);
}

void tlcp_rd_vec(tlcp_rd *r, int prefix, size_t min, size_t max, tlcp_rd *sub)
{
	size_t n = rd_be(r, (size_t)prefix);
	const uint8_t *p;

	if (!r->bad && (n < min || n > max))
		r->bad = 1;
	p = tlcp_rd_bytes(r, r->bad ? 0 : n);
	tlcp_rd_init(sub, p, r->bad ? 0 : n);
	sub->bad = r->bad;
}

int tlcp_rd_done(const tlcp_rd *r)
{
	return !r->bad && r->pos == r->len;
}

/* Extensions: a well-formed list (each type, then a 2-byte-length body) that is otherwise ignored. */
int tlcp_skip_extensions(tlcp_rd *r)
{
	tlcp_rd list, one;

	if (r->pos == r->len)
		return !r->bad;
	tlcp_rd_vec(r, 2, 0, 0xffff, &list);
	while (!list.bad && list.pos < list.len) {
		(void)tlcp_rd_u16(&list);
		tlcp_rd_vec(&list, 2, 0, 0xffff, &one);
	}
	return tlcp_rd_done(&list) && tlcp_rd_done(r);
}

int tlcp_buf_reserve(tlcp_buf *b, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (b->oom)
		return 0;
	if (n <= b->cap - b->len)
		return 1;
	if (n > SIZE_MAX / 2 - b->len) {
		b->oom = 1;
		return 0;
	}
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + n)
		cap *= 2;
	p = malloc(cap);
	if (p == NULL) {
		b->oom = 1;
		return 0;
	}
	/* Never realloc: the old bytes may be secret (handshake bodies); copy, then wipe the old buffer. */
	if (b->len > 0)
		memcpy(p, b->p, b->len);
	if (b->p != NULL) {
		ccsp_memzero(b->p, b->cap);
		free(b->p);
	}
	b->p = p;
	b->cap = cap;
	return 1;
}

void tlcp_buf_put(tlcp_buf *b, const void *p, size_t n)
{
	if (n == 0 || !tlcp_buf_reserve(b, n))
		return;
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void tlcp_buf_u8(tlcp_buf *b, unsigned v)
{
	uint8_t x = (uint8_t)v;
	tlcp_buf_put(b, &x, 1);
}

void tlcp_buf_u16(tlcp_buf *b, unsigned v)
{
	uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	tlcp_buf_put(b, x, 2);
}

void tlcp_buf_u24(tlcp_buf *b, size_t v)
{
	uint8_t x[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	tlcp_buf_put(b, x, 3);
}

void tlcp_buf_free(tlcp_buf *b)
{
	if (b->p != NULL) {
		ccsp_memzero(b->p, b->cap);
		free(b->p);
	}
	memset(b, 0, sizeof *b);
}

ccsp_err tlcp_cert_list_split(const uint8_t *p, size_t len, tlcp_blob *certs, size_t *n)
{
	tlcp_rd r, list;

	*n = 0;
	tlcp_rd_init(&r, p, len);
	tlcp_rd_vec(&r, 3, 0, (1u << 24) - 1, &list);
	if (!tlcp_rd_done(&r))
		return CCSP_ERR_DECODE;
	while (list.pos < list.len) {
		tlcp_rd one;
		tlcp_rd_vec(&list, 3, 1, CCSP_X509_CERT_MAX, &one);
		if (list.bad)
			return CCSP_ERR_DECODE;
		if (*n == CCSP_TLCP_MAX_CERTS)
			return CCSP_ERR_LIMIT;
		certs[*n].p = (uint8_t *)(uintptr_t)one.p;
		certs[*n].len = one.len;
		(*n)++;
	}
	return CCSP_OK;
}

ccsp_err tlcp_sign(const ccsp_sm2_key *key, const uint8_t *msg, size_t len, uint8_t *der, size_t *derlen)
{
	uint8_t sig[CCSP_SM2_SIGNATURE_SIZE];
	ccsp_err ret;

	ret = ccsp_sm2_sign(key, NULL, 0, msg, len, sig);
	if (ret == CCSP_OK)
		ret = ccsp_sm2_signature_to_der(sig, der, CCSP_SM2_SIGNATURE_DER_MAX, derlen);
	ccsp_memzero(sig, sizeof sig);
	return ret;
}

ccsp_err tlcp_verify(const ccsp_sm2_key *key, const uint8_t *msg, size_t len, const uint8_t *der, size_t derlen)
{
	uint8_t sig[CCSP_SM2_SIGNATURE_SIZE];
	ccsp_err ret;

	if (ccsp_sm2_signature_from_der(der, derlen, sig) != CCSP_OK)
		return CCSP_ERR_SIGNATURE;
	ret = ccsp_sm2_verify(key, NULL, 0, msg, len, sig);
	if (ret == CCSP_ERR_SIGNATURE || ret == CCSP_ERR_ARG)
		return CCSP_ERR_SIGNATURE;
	return ret;
}

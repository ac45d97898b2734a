/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TLCP record layer's framing: the memory-BIO style object, strict header checks, sequence numbers, and the
 * choice between no protection, CBC (tlcp_record_cbc.c) and GCM (tlcp_record_gcm.c).
 *   record = type (1) || version (2, 0x0101) || length (2, big-endian) || fragment (length bytes)
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>

#include "tlcp_record_internal.h"

ccsp_tlcp_record *ccsp_tlcp_record_new(void)
{
	ccsp_tlcp_record *r = calloc(1, sizeof *r);
	if (r != NULL) {
		r->need = CCSP_TLCP_HEADER_SIZE;
		r->alert = CCSP_TLCP_ALERT_NONE;
	}
	return r;
}

void ccsp_tlcp_record_free(ccsp_tlcp_record *r)
{
	if (r == NULL)
		return;
	ccsp_memzero(r, sizeof *r);
	free(r);
}

ccsp_err ccsp_tlcp_record_set_cipher(ccsp_tlcp_record *r, int dir, const ccsp_tlcp_key_block *kb, int is_server)
{
	const ccsp_tlcp_suite *s;
	tlcp_dir *d;
	int client_keys;
	ccsp_err ret;

	if (r == NULL || kb == NULL || (dir != CCSP_TLCP_READ && dir != CCSP_TLCP_WRITE))
		return CCSP_ERR_ARG;
	if ((s = ccsp_tlcp_suite_find(kb->suite)) == NULL)
		return CCSP_ERR_UNSUPPORTED;
	d = &r->dir[dir];
	/* A client writes with the client's keys and reads with the server's; a server the other way round. */
	client_keys = (dir == CCSP_TLCP_WRITE) != (is_server != 0);
	ccsp_memzero(d, sizeof *d);
	if (s->aead)
		ret = ccsp_sm4_gcm_key_set(&d->gcm, client_keys ? kb->client_key : kb->server_key, s->enc_key_len);
	else
		ret = ccsp_sm4_set_key(&d->key, client_keys ? kb->client_key : kb->server_key, s->enc_key_len);
	if (ret != CCSP_OK) {
		ccsp_memzero(d, sizeof *d);
		return ret;
	}
	memcpy(d->mac_key, client_keys ? kb->client_mac : kb->server_mac, s->mac_key_len);
	if (s->aead)
		memcpy(d->salt, client_keys ? kb->client_iv : kb->server_iv, sizeof d->salt);
	d->suite = s;
	d->seq = 0;
	return CCSP_OK;
}

uint64_t ccsp_tlcp_record_seq(const ccsp_tlcp_record *r, int dir)
{
	return r->dir[dir != CCSP_TLCP_READ].seq;
}

void ccsp_tlcp_record_set_seq(ccsp_tlcp_record *r, int dir, uint64_t seq)
{
	r->dir[dir != CCSP_TLCP_READ].seq = seq;
}

uint8_t ccsp_tlcp_record_alert(const ccsp_tlcp_record *r)
{
	return r == NULL || r->err == CCSP_OK ? CCSP_TLCP_ALERT_NONE : r->alert;
}

/* The read side's failure: final. */
static ccsp_err read_fail(ccsp_tlcp_record *r, ccsp_err err, uint8_t alert)
{
	r->err = err;
	r->alert = alert;
	ccsp_memzero(r->in, sizeof r->in);
	r->inlen = 0;
	return err;
}

static int valid_type(uint8_t type)
{
	return type >= CCSP_TLCP_CHANGE_CIPHER_SPEC && type <= CCSP_TLCP_APPLICATION_DATA;
}

/* The header's three checks, as soon as its 5 bytes are in: CCSP_OK with the record's full size in *size. */
static ccsp_err header_check(ccsp_tlcp_record *r, const uint8_t h[CCSP_TLCP_HEADER_SIZE], size_t *size)
{
	size_t len = (size_t)h[3] << 8 | h[4];
	size_t max = r->dir[CCSP_TLCP_READ].suite != NULL ? CCSP_TLCP_MAX_CIPHERTEXT : CCSP_TLCP_MAX_PLAINTEXT;

	if (!valid_type(h[0]))
		return read_fail(r, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_UNEXPECTED_MESSAGE);
	if (((unsigned)h[1] << 8 | h[2]) != CCSP_TLCP_VERSION)
		return read_fail(r, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_PROTOCOL_VERSION);
	if (len > max)
		return read_fail(r, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_RECORD_OVERFLOW);
	*size = CCSP_TLCP_HEADER_SIZE + len;
	return CCSP_OK;
}

static ccsp_err check_header(ccsp_tlcp_record *r)
{
	ccsp_err e = header_check(r, r->in, &r->need);
	if (e == CCSP_OK)
		r->have_hdr = 1;
	return e;
}

/* Forget the record read() returned last. */
static void drop_taken(ccsp_tlcp_record *r)
{
	if (!r->taken)
		return;
	ccsp_memzero(r->in, r->inlen);
	r->inlen = 0;
	r->need = CCSP_TLCP_HEADER_SIZE;
	r->have_hdr = 0;
	r->taken = 0;
}

static int record_complete(const ccsp_tlcp_record *r)
{
	return r->have_hdr && r->inlen == r->need;
}

ccsp_err ccsp_tlcp_record_feed(ccsp_tlcp_record *r, const uint8_t *in, size_t len, size_t *consumed)
{
	if (consumed != NULL)
		*consumed = 0;
	if (r == NULL || consumed == NULL || (in == NULL && len > 0))
		return CCSP_ERR_ARG;
	if (r->err != CCSP_OK)
		return r->err;
	drop_taken(r);
	while (len > 0 && !record_complete(r)) {
		size_t take = r->need - r->inlen < len ? r->need - r->inlen : len;
		memcpy(r->in + r->inlen, in, take);
		r->inlen += take;
		in += take;
		len -= take;
		*consumed += take;
		if (!r->have_hdr && r->inlen == CCSP_TLCP_HEADER_SIZE) {
			ccsp_err e = check_header(r);
			if (e != CCSP_OK)
				return e;
		}
	}
	return CCSP_OK;
}

size_t ccsp_tlcp_record_want(const ccsp_tlcp_record *r)
{
	if (r->taken)
		return CCSP_TLCP_HEADER_SIZE;
	return r->need - r->inlen;
}

/* Check and decrypt the whole record rec (size bytes, header checked) where it lies. On a refusal nothing of it is
 * left: the read side fails for good and rec is wiped. */
static ccsp_err open_record(ccsp_tlcp_record *r, uint8_t *rec, size_t size, uint8_t *type, uint8_t **data,
                            size_t *len)
{
	tlcp_dir *d = &r->dir[CCSP_TLCP_READ];
	uint8_t *frag = rec + CCSP_TLCP_HEADER_SIZE;
	size_t fraglen = size - CCSP_TLCP_HEADER_SIZE, off = 0, n = 0;
	uint8_t alert = CCSP_TLCP_ALERT_INTERNAL_ERROR;
	ccsp_err e;

	if (d->seq == UINT64_MAX) {
		e = CCSP_ERR_LIMIT;
	} else if (d->suite == NULL) {
		n = fraglen;
		e = CCSP_OK;
	} else if (d->suite->aead) {
		e = tlcp_gcm_open(d, rec[0], frag, fraglen, &off, &n);
	} else {
		e = tlcp_cbc_open(d, rec[0], frag, fraglen, &off, &n);
	}
	if (e == CCSP_ERR_AUTH)
		alert = CCSP_TLCP_ALERT_BAD_RECORD_MAC;
	if (e == CCSP_OK && n > CCSP_TLCP_MAX_PLAINTEXT) {
		e = CCSP_ERR_PROTOCOL;
		alert = CCSP_TLCP_ALERT_RECORD_OVERFLOW;
	}
	if (e != CCSP_OK) {
		ccsp_memzero(rec, size);
		return read_fail(r, e, alert);
	}
	d->seq++;
	*type = rec[0];
	*data = frag + off;
	*len = n;
	return CCSP_OK;
}

ccsp_err ccsp_tlcp_record_read(ccsp_tlcp_record *r, uint8_t *type, const uint8_t **data, size_t *len)
{
	uint8_t *p = NULL;
	ccsp_err e;

	if (type != NULL)
		*type = 0;
	if (r == NULL || type == NULL || data == NULL || len == NULL)
		return CCSP_ERR_ARG;
	*data = NULL;
	*len = 0;
	if (r->err != CCSP_OK)
		return r->err;
	drop_taken(r);
	if (!record_complete(r))
		return CCSP_OK;
	e = open_record(r, r->in, r->inlen, type, &p, len);
	if (e != CCSP_OK)
		return e;
	r->taken = 1;
	*data = p;
	return CCSP_OK;
}

ccsp_err ccsp_tlcp_record_open(ccsp_tlcp_record *r, uint8_t *buf, size_t len, size_t *used, uint8_t *type,
                               uint8_t **data, size_t *n)
{
	size_t size = 0;
	ccsp_err e;

	if (used != NULL)
		*used = 0;
	if (type != NULL)
		*type = 0;
	if (r == NULL || used == NULL || type == NULL || data == NULL || n == NULL || (buf == NULL && len > 0))
		return CCSP_ERR_ARG;
	*data = NULL;
	*n = 0;
	if (r->err != CCSP_OK)
		return r->err;
	if (len < CCSP_TLCP_HEADER_SIZE)
		return CCSP_OK;
	if ((e = header_check(r, buf, &size)) != CCSP_OK)
		return e;
	if (len < size)
		return CCSP_OK;
	if ((e = open_record(r, buf, size, type, data, n)) != CCSP_OK)
		return e;
	*used = size;
	return CCSP_OK;
}

/* Wire size of one record of n plaintext bytes (n <= 2^14). */
static size_t record_size(const tlcp_dir *d, size_t n)
{
	size_t frag = d->suite == NULL ? n : d->suite->aead ? tlcp_gcm_sealed_len(n) : tlcp_cbc_sealed_len(n);
	return CCSP_TLCP_HEADER_SIZE + frag;
}

static size_t record_count(size_t len)
{
	return len == 0 ? 1 : (len + CCSP_TLCP_MAX_PLAINTEXT - 1) / CCSP_TLCP_MAX_PLAINTEXT;
}

size_t ccsp_tlcp_record_wire_size(const ccsp_tlcp_record *r, size_t len)
{
	const tlcp_dir *d = &r->dir[CCSP_TLCP_WRITE];
	size_t full = len / CCSP_TLCP_MAX_PLAINTEXT, rest = len % CCSP_TLCP_MAX_PLAINTEXT;
	size_t size = full * record_size(d, CCSP_TLCP_MAX_PLAINTEXT);

	if (rest > 0 || len == 0)
		size += record_size(d, rest);
	return size;
}

/* One record of n <= 2^14 bytes at out. */
static ccsp_err write_one(tlcp_dir *d, uint8_t type, const uint8_t *in, size_t n, uint8_t *out)
{
	size_t fraglen = record_size(d, n) - CCSP_TLCP_HEADER_SIZE;
	ccsp_err e = CCSP_OK;

	out[0] = type;
	out[1] = CCSP_TLCP_VERSION >> 8;
	out[2] = CCSP_TLCP_VERSION & 0xff;
	out[3] = (uint8_t)(fraglen >> 8);
	out[4] = (uint8_t)fraglen;
	if (d->suite == NULL) {
		if (n > 0)
			memcpy(out + CCSP_TLCP_HEADER_SIZE, in, n);
	} else if (d->suite->aead) {
		e = tlcp_gcm_seal(d, type, in, n, out + CCSP_TLCP_HEADER_SIZE);
	} else {
		e = tlcp_cbc_seal(d, type, in, n, out + CCSP_TLCP_HEADER_SIZE);
	}
	if (e == CCSP_OK)
		d->seq++;
	return e;
}

ccsp_err ccsp_tlcp_record_write(ccsp_tlcp_record *r, uint8_t type, const uint8_t *in, size_t len, uint8_t *out,
                                size_t outcap, size_t *outlen)
{
	tlcp_dir *d;
	size_t need, pos = 0, done = 0;
	ccsp_err e = CCSP_OK;

	if (outlen != NULL)
		*outlen = 0;
	if (r == NULL || outlen == NULL || out == NULL || (in == NULL && len > 0) || !valid_type(type))
		return CCSP_ERR_ARG;
	d = &r->dir[CCSP_TLCP_WRITE];
	if (len > SIZE_MAX / 2)
		return CCSP_ERR_ARG;
	need = ccsp_tlcp_record_wire_size(r, len);
	if (outcap < need) {
		*outlen = need;
		return CCSP_ERR_BUFFER_TOO_SMALL;
	}
	if (record_count(len) > UINT64_MAX - d->seq) /* the last sequence number used must stay below 2^64 - 1 */
		return CCSP_ERR_LIMIT;
	do {
		size_t n = len - done < CCSP_TLCP_MAX_PLAINTEXT ? len - done : CCSP_TLCP_MAX_PLAINTEXT;
		e = write_one(d, type, n > 0 ? in + done : NULL, n, out + pos);
		pos += record_size(d, n);
		done += n;
	} while (e == CCSP_OK && done < len);
	if (e != CCSP_OK) {
		ccsp_memzero(out, need);
		return e;
	}
	*outlen = pos;
	return CCSP_OK;
}

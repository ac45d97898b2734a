/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLCP record layer, receive side (src/tlcp/tlcp_record*.c): header parsing, buffering and decryption with fixed
 * keys. Input: byte 0 picks the protection (none, ECC_SM4_CBC_SM3, ECC_SM4_GCM_SM3), byte 1 the size of the pieces
 * the rest is fed in (0: all at once), then the bytes received. What comes out must be a record of a known type
 * with at most 2^14 bytes; a refusal must name an alert and stay final; feeding must always make progress. The same
 * bytes opened in place (ccsp_tlcp_record_open) must give the same records and the same end.
 * The seeds (tests/fuzz/corpus/tlcp_record/) hold valid records written with the same keys (the client's write
 * keys of fuzz_key_block()).
 */
#include <stdlib.h>
#include <string.h>

#include "tlcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_key_block(uint16_t suite, ccsp_tlcp_key_block *kb)
{
	memset(kb, 0, sizeof *kb);
	kb->suite = suite;
	for (int i = 0; i < 32; i++) {
		kb->client_mac[i] = (uint8_t)(0x10 + i);
		kb->server_mac[i] = (uint8_t)(0x30 + i);
	}
	for (int i = 0; i < 16; i++) {
		kb->client_key[i] = (uint8_t)(0x50 + i);
		kb->server_key[i] = (uint8_t)(0x60 + i);
		kb->client_iv[i] = (uint8_t)(0x70 + i);
		kb->server_iv[i] = (uint8_t)(0x80 + i);
	}
}

/* What a receive path gave: the records (count and a digest of types, lengths and contents) and its last error. */
typedef struct tally {
	size_t records;
	uint64_t sum;
	ccsp_err err;
} tally;

static void tally_record(tally *t, uint8_t type, const uint8_t *d, size_t n)
{
	t->records++;
	t->sum = t->sum * 31 + type + n;
	for (size_t i = 0; i < n; i++)
		t->sum = t->sum * 131 + d[i];
}

/* Take every record that is ready; 1 when the object has failed. */
static int drain(ccsp_tlcp_record *r, tally *t)
{
	for (;;) {
		uint8_t type;
		const uint8_t *d;
		size_t n;
		ccsp_err e = ccsp_tlcp_record_read(r, &type, &d, &n);
		if (e != CCSP_OK) {
			uint8_t t2;
			if (ccsp_tlcp_record_alert(r) == CCSP_TLCP_ALERT_NONE || ccsp_tlcp_record_read(r, &t2, &d, &n) != e)
				abort();
			t->err = e;
			return 1;
		}
		if (type == 0)
			return 0;
		if (type < CCSP_TLCP_CHANGE_CIPHER_SPEC || type > CCSP_TLCP_APPLICATION_DATA || n > CCSP_TLCP_MAX_PLAINTEXT)
			abort();
		tally_record(t, type, d, n);
	}
}

/* The bytes opened in place from a copy, record after record, until one is not whole or one is refused. */
static void open_all(ccsp_tlcp_record *r, const uint8_t *in, size_t len, tally *t)
{
	uint8_t *buf = malloc(len > 0 ? len : 1);
	size_t pos = 0;
	if (buf == NULL)
		abort();
	if (len > 0)
		memcpy(buf, in, len);
	for (;;) {
		uint8_t type, *d;
		size_t used, n;
		ccsp_err e = ccsp_tlcp_record_open(r, buf + pos, len - pos, &used, &type, &d, &n);
		if (e != CCSP_OK) {
			if (ccsp_tlcp_record_alert(r) == CCSP_TLCP_ALERT_NONE)
				abort();
			t->err = e;
			break;
		}
		if (type == 0)
			break;
		if (used < CCSP_TLCP_HEADER_SIZE || used > len - pos || n > CCSP_TLCP_MAX_PLAINTEXT ||
		    d < buf + pos || d + n > buf + pos + used)
			abort();
		tally_record(t, type, d, n);
		pos += used;
	}
	free(buf);
}

static ccsp_tlcp_record *reader(uint16_t suite)
{
	ccsp_tlcp_key_block kb;
	ccsp_tlcp_record *r = ccsp_tlcp_record_new();
	if (r != NULL && suite != 0) {
		fuzz_key_block(suite, &kb);
		if (ccsp_tlcp_record_set_cipher(r, CCSP_TLCP_READ, &kb, 1) != CCSP_OK)
			abort();
	}
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t suites[] = {0, CCSP_TLCP_ECC_SM4_CBC_SM3, CCSP_TLCP_ECC_SM4_GCM_SM3};
	ccsp_tlcp_record *r, *r2;
	tally fed = {0, 0, CCSP_OK}, opened = {0, 0, CCSP_OK};
	size_t pos = 2, piece;
	uint16_t suite;

	if (size < 2)
		return 0;
	suite = suites[data[0] % 3];
	piece = data[1] ? data[1] : size;
	if ((r = reader(suite)) == NULL)
		return 0;
	while (pos < size) {
		size_t n = size - pos < piece ? size - pos : piece, used = 0;
		ccsp_err e = ccsp_tlcp_record_feed(r, data + pos, n, &used);
		if (used > n)
			abort();
		pos += used;
		if (e != CCSP_OK) {
			if (ccsp_tlcp_record_alert(r) == CCSP_TLCP_ALERT_NONE)
				abort();
			fed.err = e;
			break;
		}
		int ready = ccsp_tlcp_record_want(r) == 0;
		if (drain(r, &fed))
			break;
		if (used == 0 && !ready) /* no progress and nothing to read: the object is stuck */
			abort();
	}
	ccsp_tlcp_record_free(r);
	if ((r2 = reader(suite)) == NULL)
		return 0;
	open_all(r2, data + 2, size - 2, &opened);
	if (opened.records != fed.records || opened.sum != fed.sum || opened.err != fed.err)
		abort();
	ccsp_tlcp_record_free(r2);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLCP record layer, receive side (src/tlcp/tlcp_record*.c): header parsing, buffering and decryption with fixed
 * keys. Input: byte 0 picks the protection (none, ECC_SM4_CBC_SM3, ECC_SM4_GCM_SM3), byte 1 the size of the pieces
 * the rest is fed in (0: all at once), then the bytes received. What comes out must be a record of a known type
 * with at most 2^14 bytes; a refusal must name an alert and stay final; feeding must always make progress.
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

/* Take every record that is ready; 1 when the object has failed. */
static int drain(ccsp_tlcp_record *r)
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
			return 1;
		}
		if (type == 0)
			return 0;
		if (type < CCSP_TLCP_CHANGE_CIPHER_SPEC || type > CCSP_TLCP_APPLICATION_DATA || n > CCSP_TLCP_MAX_PLAINTEXT)
			abort();
		volatile uint8_t sink = 0;
		for (size_t i = 0; i < n; i++)
			sink ^= d[i];
		(void)sink;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t suites[] = {0, CCSP_TLCP_ECC_SM4_CBC_SM3, CCSP_TLCP_ECC_SM4_GCM_SM3};
	ccsp_tlcp_key_block kb;
	ccsp_tlcp_record *r;
	size_t pos = 2, piece;
	uint16_t suite;

	if (size < 2)
		return 0;
	suite = suites[data[0] % 3];
	piece = data[1] ? data[1] : size;
	r = ccsp_tlcp_record_new();
	if (r == NULL)
		return 0;
	if (suite != 0) {
		fuzz_key_block(suite, &kb);
		if (ccsp_tlcp_record_set_cipher(r, CCSP_TLCP_READ, &kb, 1) != CCSP_OK)
			abort();
	}
	while (pos < size) {
		size_t n = size - pos < piece ? size - pos : piece, used = 0;
		ccsp_err e = ccsp_tlcp_record_feed(r, data + pos, n, &used);
		if (used > n)
			abort();
		pos += used;
		if (e != CCSP_OK) {
			if (ccsp_tlcp_record_alert(r) == CCSP_TLCP_ALERT_NONE)
				abort();
			break;
		}
		int ready = ccsp_tlcp_record_want(r) == 0;
		if (drain(r))
			break;
		if (used == 0 && !ready) /* no progress and nothing to read: the object is stuck */
			abort();
	}
	ccsp_tlcp_record_free(r);
	return 0;
}

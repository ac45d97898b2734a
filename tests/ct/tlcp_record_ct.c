/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Constant-time check (ctgrind style) of TLCP record decryption (src/tlcp/tlcp_record_cbc.c, tlcp_record_gcm.c):
 * the reader's keys are marked undefined, so the decrypted bytes (content, MAC, padding) are too, and memcheck
 * reports any branch or memory index that depends on them before the one declassified verdict. Records: valid ones
 * of many sizes (every padding length 0..15 of minimal padding), and the same records with a byte of the last two
 * ciphertext blocks changed, which gives bad padding lengths, bad padding bytes and bad MACs.
 */
#include <stdio.h>
#include <string.h>

#include <valgrind/memcheck.h>

#include <ccsp/selftest.h>

#include "tlcp.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))

static uint8_t msg[600], rec[700];

static ccsp_tlcp_key_block key_block(uint16_t suite)
{
	ccsp_tlcp_key_block kb;
	memset(&kb, 0, sizeof kb);
	kb.suite = suite;
	for (int i = 0; i < 32; i++)
		kb.client_mac[i] = (uint8_t)(i * 7 + 1);
	for (int i = 0; i < 16; i++) {
		kb.client_key[i] = (uint8_t)(i * 13 + 5);
		kb.client_iv[i] = (uint8_t)(i * 3 + 9);
	}
	return kb;
}

/* Decrypt rec (len bytes) with secret keys: 1 for a record, 0 for a refusal, -1 for anything else. */
static int open_secret(const ccsp_tlcp_key_block *pub, const uint8_t *w, size_t len)
{
	ccsp_tlcp_key_block kb = *pub;
	ccsp_tlcp_record *r = ccsp_tlcp_record_new();
	uint8_t type;
	const uint8_t *d;
	size_t n, used;
	int res = -1;
	SECRET(kb.client_mac, sizeof kb.client_mac);
	SECRET(kb.client_key, sizeof kb.client_key);
	SECRET(kb.client_iv, sizeof kb.client_iv);
	if (r == NULL || ccsp_tlcp_record_set_cipher(r, CCSP_TLCP_READ, &kb, 1) != CCSP_OK ||
	    ccsp_tlcp_record_feed(r, w, len, &used) != CCSP_OK || used != len)
		goto out;
	ccsp_err e = ccsp_tlcp_record_read(r, &type, &d, &n);
	if (e == CCSP_OK && type == CCSP_TLCP_APPLICATION_DATA)
		res = 1;
	else if (e == CCSP_ERR_AUTH && ccsp_tlcp_record_alert(r) == CCSP_TLCP_ALERT_BAD_RECORD_MAC)
		res = 0;
out:
	ccsp_tlcp_record_free(r);
	return res;
}

static int run(uint16_t suite)
{
	ccsp_tlcp_key_block kb = key_block(suite);
	int bad = 0;
	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)(i * 31 + 7);
	for (size_t n = 0; n < 300; n += (n < 40 ? 1 : 37)) {
		ccsp_tlcp_record *w = ccsp_tlcp_record_new();
		size_t len;
		if (w == NULL || ccsp_tlcp_record_set_cipher(w, CCSP_TLCP_WRITE, &kb, 0) != CCSP_OK ||
		    ccsp_tlcp_record_write(w, CCSP_TLCP_APPLICATION_DATA, msg, n, rec, sizeof rec, &len) != CCSP_OK) {
			ccsp_tlcp_record_free(w);
			return 1;
		}
		ccsp_tlcp_record_free(w);
		bad |= open_secret(&kb, rec, len) != 1;
		/* the last 32 bytes: the padding and MAC (CBC, through the previous block), the tag (GCM) */
		for (size_t k = 1; k <= 32 && k < len - 5; k += 3) {
			for (int bit = 0; bit < 8; bit += 3) {
				rec[len - k] ^= (uint8_t)(1u << bit);
				bad |= open_secret(&kb, rec, len) != 0;
				rec[len - k] ^= (uint8_t)(1u << bit);
			}
		}
	}
	return bad;
}

int main(void)
{
	int bad = ccsp_selftest(NULL, NULL) != CCSP_OK;
	bad |= run(CCSP_TLCP_ECC_SM4_CBC_SM3);
	bad |= run(CCSP_TLCP_ECC_SM4_GCM_SM3);
	if (bad)
		fprintf(stderr, "tlcp_record_ct: an operation failed\n");
	return bad;
}

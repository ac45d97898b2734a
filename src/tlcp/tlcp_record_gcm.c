/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GCM record protection (ECC_SM4_GCM_SM3, ECDHE_SM4_GCM_SM3), AEAD as TLS 1.2 (RFC 5246 6.2.3.3, RFC 5288):
 *   fragment = explicit_nonce (8) || SM4-GCM ciphertext (n) || tag (16)
 *   nonce = salt (4, from the key block) || explicit_nonce; AAD = seq_num || type || version || n
 * The explicit nonce we send is the record's sequence number, unique under a key by construction; a received
 * one is taken as it comes (the AAD's sequence number is what refuses replays and reordering).
 */
#include <string.h>

#include <ccsp/mem.h>

#include "tlcp_record_internal.h"

#define EXPLICIT 8
#define TAG CCSP_SM4_GCM_TAG_SIZE

size_t tlcp_gcm_sealed_len(size_t n)
{
	return EXPLICIT + n + TAG;
}

static void gcm_nonce(const tlcp_dir *d, const uint8_t explicit_nonce[EXPLICIT], uint8_t nonce[12])
{
	memcpy(nonce, d->salt, sizeof d->salt);
	memcpy(nonce + sizeof d->salt, explicit_nonce, EXPLICIT);
}

ccsp_err tlcp_gcm_seal(const tlcp_dir *d, uint8_t type, const uint8_t *in, size_t n, uint8_t *frag)
{
	uint8_t aad[TLCP_SEQ_HEADER_SIZE], nonce[12];
	ccsp_err ret;

	tlcp_seq_header(aad, d->seq, type, n);
	memcpy(frag, aad, EXPLICIT); /* the sequence number */
	gcm_nonce(d, frag, nonce);
	ret = ccsp_sm4_gcm_key_encrypt(&d->gcm, nonce, sizeof nonce, aad, sizeof aad, in, frag + EXPLICIT, n,
	                               frag + EXPLICIT + n);
	if (ret != CCSP_OK)
		ccsp_memzero(frag, tlcp_gcm_sealed_len(n));
	return ret;
}

ccsp_err tlcp_gcm_open(const tlcp_dir *d, uint8_t type, uint8_t *frag, size_t fraglen, size_t *off, size_t *ptlen)
{
	uint8_t aad[TLCP_SEQ_HEADER_SIZE], nonce[12];
	size_t n;
	ccsp_err ret;

	if (fraglen < EXPLICIT + TAG)
		return CCSP_ERR_AUTH;
	n = fraglen - EXPLICIT - TAG;
	tlcp_seq_header(aad, d->seq, type, n);
	gcm_nonce(d, frag, nonce);
	/* Decrypts in place; on a bad tag the output is wiped before the answer. */
	ret = ccsp_sm4_gcm_key_decrypt(&d->gcm, nonce, sizeof nonce, aad, sizeof aad, frag + EXPLICIT, frag + EXPLICIT,
	                               n, frag + EXPLICIT + n);
	if (ret != CCSP_OK) {
		ccsp_memzero(frag, fraglen);
		return ret;
	}
	*off = EXPLICIT;
	*ptlen = n;
	return CCSP_OK;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to src/tlcp: the record object and the two protections (tlcp_record_cbc.c, tlcp_record_gcm.c). */
#ifndef CCSP_TLCP_RECORD_INTERNAL_H
#define CCSP_TLCP_RECORD_INTERNAL_H

#include "tlcp.h"

#define TLCP_SEQ_HEADER_SIZE 13 /* seq_num (8) || type (1) || version (2) || length (2) */

/* One direction's protection. */
typedef struct tlcp_dir {
	const ccsp_tlcp_suite *suite; /* NULL: records travel in the clear (before ChangeCipherSpec) */
	uint64_t seq;
	ccsp_sm4_key key;    /* CBC */
	ccsp_sm4_gcm_key gcm; /* GCM: the key with H and GHASH's tables, made once for all the records */
	uint8_t mac_key[32]; /* CBC */
	uint8_t salt[4];     /* GCM: the implicit part of the nonce */
} tlcp_dir;

struct ccsp_tlcp_record {
	tlcp_dir dir[2];     /* [CCSP_TLCP_READ], [CCSP_TLCP_WRITE] */
	ccsp_err err;        /* the read side's final error, CCSP_OK while it works */
	uint8_t alert;       /* the alert that goes with err */
	int have_hdr;        /* the current record's header has been checked; need is its full size */
	int taken;           /* the buffered record was returned by read(): drop it before going on */
	size_t inlen;        /* bytes of the current record in `in` */
	size_t need;         /* size of the current record: 5 until its header is in */
	uint8_t in[CCSP_TLCP_HEADER_SIZE + CCSP_TLCP_MAX_CIPHERTEXT];
};

/* seq_num || type || version || length, the MAC input's and the AAD's prefix (len < 2^16, may be secret). */
static inline void tlcp_seq_header(uint8_t h[TLCP_SEQ_HEADER_SIZE], uint64_t seq, uint8_t type, size_t len)
{
	for (int i = 0; i < 8; i++)
		h[i] = (uint8_t)(seq >> (56 - 8 * i));
	h[8] = type;
	h[9] = CCSP_TLCP_VERSION >> 8;
	h[10] = CCSP_TLCP_VERSION & 0xff;
	h[11] = (uint8_t)(len >> 8);
	h[12] = (uint8_t)len;
}

/* Fragment sizes for n plaintext bytes. */
size_t tlcp_cbc_sealed_len(size_t n);
size_t tlcp_gcm_sealed_len(size_t n);

/* Write the protected fragment of n plaintext bytes (n <= 2^14) at frag (the sealed_len above). */
CCSP_MUST_CHECK ccsp_err tlcp_cbc_seal(const tlcp_dir *d, uint8_t type, const uint8_t *in, size_t n, uint8_t *frag);
CCSP_MUST_CHECK ccsp_err tlcp_gcm_seal(const tlcp_dir *d, uint8_t type, const uint8_t *in, size_t n, uint8_t *frag);

/* Check and decrypt a fragment in place: CCSP_OK with the plaintext at frag + *off, *ptlen bytes; CCSP_ERR_AUTH
 * for any failure (then the fragment is wiped); another error only for a fault of the crypto module. */
CCSP_MUST_CHECK ccsp_err tlcp_cbc_open(const tlcp_dir *d, uint8_t type, uint8_t *frag, size_t fraglen, size_t *off,
                                       size_t *ptlen);
CCSP_MUST_CHECK ccsp_err tlcp_gcm_open(const tlcp_dir *d, uint8_t type, uint8_t *frag, size_t fraglen, size_t *off,
                                       size_t *ptlen);

#endif

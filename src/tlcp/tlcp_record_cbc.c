/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CBC record protection (ECC_SM4_CBC_SM3, ECDHE_SM4_CBC_SM3): MAC-then-encrypt as TLS 1.1/1.2 block ciphers.
 *   fragment = IV (16, random per record) || SM4-CBC(IV, content || MAC || padding || padding_length)
 *   MAC = HMAC-SM3(mac_key, seq_num || type || version || length || content)
 * Every padding byte and padding_length hold the padding's length (0..255).
 *
 * Opening is constant time with respect to everything the peer cannot see (Lucky 13, AlFardan and Paterson
 * 2013): the padding is checked with masks over the last min(256, L) bytes; a bad padding is treated as length 0;
 * the MAC is computed by running the SM3 compression function over the same number of blocks whatever the
 * content length (the final block is picked with masks), and the received MAC is fetched from its secret offset
 * with masks. Only the final yes/no is declassified, and every no is the same CCSP_ERR_AUTH.
 */
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>

#include "ct.h"
#include "sm3/sm3_internal.h"
#include "tlcp_record_internal.h"

#define MAC_SIZE CCSP_SM3_DIGEST_SIZE
#define BLK CCSP_SM4_BLOCK_SIZE

size_t tlcp_cbc_sealed_len(size_t n)
{
	return BLK + ((n + MAC_SIZE + 1 + BLK - 1) / BLK) * BLK; /* minimal padding */
}

ccsp_err tlcp_cbc_seal(const tlcp_dir *d, uint8_t type, const uint8_t *in, size_t n, uint8_t *frag)
{
	uint8_t hdr[TLCP_SEQ_HEADER_SIZE];
	ccsp_hmac_sm3_ctx h;
	uint8_t *p = frag + BLK;
	size_t body = tlcp_cbc_sealed_len(n) - BLK, pad = body - n - MAC_SIZE - 1;
	ccsp_err ret;

	memset(&h, 0, sizeof h);
	if ((ret = ccsp_random(frag, BLK)) != CCSP_OK)
		goto out;
	if (n > 0)
		memcpy(p, in, n);
	tlcp_seq_header(hdr, d->seq, type, n);
	if ((ret = ccsp_hmac_sm3_init(&h, d->mac_key, sizeof d->mac_key)) != CCSP_OK ||
	    (ret = ccsp_hmac_sm3_update(&h, hdr, sizeof hdr)) != CCSP_OK ||
	    (ret = ccsp_hmac_sm3_update(&h, p, n)) != CCSP_OK || (ret = ccsp_hmac_sm3_final(&h, p + n)) != CCSP_OK)
		goto out;
	memset(p + n + MAC_SIZE, (int)pad, pad + 1);
	ret = ccsp_sm4_cbc_encrypt(&d->key, frag, p, p, body);
out:
	if (ret != CCSP_OK)
		ccsp_memzero(frag, tlcp_cbc_sealed_len(n));
	ccsp_memzero(&h, sizeof h);
	return ret;
}

/* Byte k of M = hdr || p (hdr 13 bytes, p with at least dmax bytes); 0 past 13 + dmax (k public). */
static uint8_t msg_byte(const uint8_t *hdr, const uint8_t *p, size_t dmax, size_t k)
{
	if (k < TLCP_SEQ_HEADER_SIZE)
		return hdr[k];
	return k - TLCP_SEQ_HEADER_SIZE < dmax ? p[k - TLCP_SEQ_HEADER_SIZE] : 0;
}

/*
 * HMAC-SM3(key, M) with M = hdr || p[0 .. dlen), dlen secret in [dmin, dmax] (public bounds, dmax - dmin <= 255).
 * The inner hash's blocks that lie before the earliest possible end of M are hashed the ordinary way; then every
 * block up to the latest possible final block is built with masks (message byte, the 0x80 bit, zeros, and the
 * 64-bit length only in the block that is final for dlen) and compressed, and the state after the true final block
 * is kept with a mask. The count of compressions depends on dmin and dmax only.
 */
static ccsp_err mac_ct(const uint8_t key[MAC_SIZE], const uint8_t hdr[TLCP_SEQ_HEADER_SIZE], const uint8_t *p,
                       size_t dmin, size_t dmax, uint64_t dlen, uint8_t mac[MAC_SIZE])
{
	ccsp_hmac_sm3_ctx h;
	ccsp_sm3_compress_fn compress = ccsp_sm3_compress_active();
	uint32_t st[8], res[8] = {0};
	uint8_t blk[CCSP_SM3_BLOCK_SIZE], ih[CCSP_SM3_DIGEST_SIZE];
	size_t q = (TLCP_SEQ_HEADER_SIZE + dmin) / CCSP_SM3_BLOCK_SIZE * CCSP_SM3_BLOCK_SIZE; /* public prefix of M */
	size_t b0 = 1 + q / CCSP_SM3_BLOCK_SIZE; /* block 0 is the key's ipad block */
	size_t bmax = (CCSP_SM3_BLOCK_SIZE + TLCP_SEQ_HEADER_SIZE + dmax + 8) / CCSP_SM3_BLOCK_SIZE;
	uint64_t m = TLCP_SEQ_HEADER_SIZE + dlen;               /* secret */
	uint64_t kf = (CCSP_SM3_BLOCK_SIZE + m + 8) / CCSP_SM3_BLOCK_SIZE; /* the final block's index (a shift) */
	uint64_t bits = (CCSP_SM3_BLOCK_SIZE + m) * 8;
	ccsp_err ret;

	memset(&h, 0, sizeof h);
	if ((ret = ccsp_hmac_sm3_init(&h, key, MAC_SIZE)) != CCSP_OK)
		goto out;
	if (q > 0 && ((ret = ccsp_hmac_sm3_update(&h, hdr, TLCP_SEQ_HEADER_SIZE)) != CCSP_OK ||
	              (ret = ccsp_hmac_sm3_update(&h, p, q - TLCP_SEQ_HEADER_SIZE)) != CCSP_OK))
		goto out;
	if (h.inner.num != 0 || h.inner.nblocks != b0) {
		ret = CCSP_ERR_INTERNAL;
		goto out;
	}
	memcpy(st, h.inner.state, sizeof st);
	for (size_t b = b0; b <= bmax; b++) {
		uint64_t final = ct_eq64(b, kf);
		for (size_t t = 0; t < CCSP_SM3_BLOCK_SIZE; t++) {
			size_t k = (b - 1) * CCSP_SM3_BLOCK_SIZE + t; /* offset in M */
			uint8_t v = (uint8_t)(msg_byte(hdr, p, dmax, k) & (uint8_t)ct_lt64(k, m));
			blk[t] = (uint8_t)(v | ((uint8_t)ct_eq64(k, m) & 0x80));
		}
		for (int t = 0; t < 8; t++)
			blk[56 + t] |= (uint8_t)((uint8_t)final & (uint8_t)(bits >> (56 - 8 * t)));
		compress(st, blk, 1);
		for (int i = 0; i < 8; i++)
			res[i] |= st[i] & (uint32_t)final;
	}
	for (int i = 0; i < 8; i++)
		ccsp_sm3_store_be32(ih + 4 * i, res[i]);
	if ((ret = ccsp_sm3_update(&h.outer, ih, sizeof ih)) == CCSP_OK)
		ret = ccsp_sm3_final(&h.outer, mac);
out:
	ccsp_memzero(&h, sizeof h);
	ccsp_memzero(st, sizeof st);
	ccsp_memzero(res, sizeof res);
	ccsp_memzero(blk, sizeof blk);
	ccsp_memzero(ih, sizeof ih);
	return ret;
}

/* The 32 bytes at p + off, off secret in [lo, hi] (public bounds): every candidate is read, one is kept. */
static void fetch_mac_ct(const uint8_t *p, size_t lo, size_t hi, uint64_t off, uint8_t out[MAC_SIZE])
{
	memset(out, 0, MAC_SIZE);
	for (size_t pos = lo; pos <= hi; pos++) {
		uint8_t keep = (uint8_t)ct_eq64(pos, off);
		for (size_t j = 0; j < MAC_SIZE; j++)
			out[j] |= p[pos + j] & keep;
	}
}

ccsp_err tlcp_cbc_open(const tlcp_dir *d, uint8_t type, uint8_t *frag, size_t fraglen, size_t *off, size_t *ptlen)
{
	uint8_t hdr[TLCP_SEQ_HEADER_SIZE], calc[MAC_SIZE], recv[MAC_SIZE];
	uint8_t *p = frag + BLK;
	size_t L, dmax, dmin, scan;
	uint64_t pad, good, dlen;
	ccsp_err ret;

	/* Public: the IV and at least three blocks (MAC and one byte of padding), whole blocks. */
	if (fraglen < BLK + 3 * BLK || (fraglen - BLK) % BLK != 0)
		return CCSP_ERR_AUTH;
	L = fraglen - BLK;
	if ((ret = ccsp_sm4_cbc_decrypt(&d->key, frag, p, p, L)) != CCSP_OK)
		goto out;
	dmax = L - MAC_SIZE - 1;
	dmin = dmax > 255 ? dmax - 255 : 0;
	pad = p[L - 1];
	good = ct_lt64(pad + MAC_SIZE, L); /* pad + 1 + MAC <= L */
	scan = L < 256 ? L : 256;
	for (size_t i = 0; i < scan; i++) {
		uint64_t in_pad = ct_lt64(i, pad + 1);
		good &= ~in_pad | ct_eq64(p[L - 1 - i], pad);
	}
	dlen = dmax - ct_select64(good, pad, 0); /* a bad padding counts as none */
	tlcp_seq_header(hdr, d->seq, type, (size_t)dlen);
	if ((ret = mac_ct(d->mac_key, hdr, p, dmin, dmax, dlen, calc)) != CCSP_OK)
		goto out;
	fetch_mac_ct(p, dmin, dmax, dlen, recv);
	good &= ct_is_zero64(ct_memdiff(calc, recv, MAC_SIZE));
	if (ct_declassify32((uint32_t)good) != UINT32_MAX) {
		ret = CCSP_ERR_AUTH;
		goto out;
	}
	ct_declassify(&dlen, sizeof dlen); /* an accepted record's length is public */
	*off = BLK;
	*ptlen = (size_t)dlen;
out:
	if (ret != CCSP_OK)
		ccsp_memzero(frag, fraglen);
	ccsp_memzero(calc, sizeof calc);
	ccsp_memzero(recv, sizeof recv);
	ccsp_memzero(hdr, sizeof hdr);
	return ret;
}

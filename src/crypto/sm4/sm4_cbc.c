/* SPDX-License-Identifier: Apache-2.0 */
/* SM4-CBC (GB/T 17964-2021 clause 7), raw and with PKCS#7 padding (RFC 5652 6.3), one-shot and
 * streaming. */
#include "sm4_internal.h"

#include <ccsp/mem.h>

#include "ct.h"
#include "module.h"

void ccsp_sm4_cbc_enc_blocks(const ccsp_sm4_key *k, uint8_t iv[16], const uint8_t *in, uint8_t *out,
                             size_t nblocks)
{
	k->impl->serial_blocks(k->rk_enc, CCSP_SM4_FB_CBC, iv, in, out, nblocks);
}

/* Batches of blocks; out may equal in, so each batch is decrypted into tmp first and the
 * chaining values are read before they are overwritten (last block first). */
void ccsp_sm4_cbc_dec_blocks(const ccsp_sm4_key *k, uint8_t iv[16], const uint8_t *in, uint8_t *out,
                             size_t nblocks)
{
	uint8_t tmp[CCSP_SM4_BATCH * 16], next[16];
	while (nblocks > 0) {
		size_t n = nblocks < CCSP_SM4_BATCH ? nblocks : CCSP_SM4_BATCH;
		k->impl->crypt_blocks(k->rk_dec, in, tmp, n);
		memcpy(next, in + 16 * (n - 1), 16);
		for (size_t i = n; i-- > 1;)
			ccsp_sm4_xor(out + 16 * i, tmp + 16 * i, in + 16 * (i - 1), 16);
		ccsp_sm4_xor(out, tmp, iv, 16);
		memcpy(iv, next, 16);
		in += 16 * n;
		out += 16 * n;
		nblocks -= n;
	}
	ccsp_memzero(tmp, sizeof tmp);
}

static ccsp_err cbc_check(const ccsp_sm4_key *k, const uint8_t *iv, const uint8_t *in, const uint8_t *out, size_t len)
{
	CCSP_ENSURE(ccsp_sm4_key_ok(k) && iv != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(len == 0 || (in != NULL && out != NULL), CCSP_ERR_ARG);
	return CCSP_OK;
}

ccsp_err ccsp_sm4_cbc_encrypt(const ccsp_sm4_key *k, const uint8_t iv[16], const uint8_t *in, uint8_t *out, size_t len)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_GUARD(cbc_check(k, iv, in, out, len));
	CCSP_ENSURE(len % 16 == 0, CCSP_ERR_DATA_LENGTH);
	uint8_t v[16];
	memcpy(v, iv, 16);
	ccsp_sm4_cbc_enc_blocks(k, v, in, out, len / 16);
	ccsp_memzero(v, sizeof v);
	return CCSP_OK;
}

ccsp_err ccsp_sm4_cbc_decrypt(const ccsp_sm4_key *k, const uint8_t iv[16], const uint8_t *in, uint8_t *out, size_t len)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_GUARD(cbc_check(k, iv, in, out, len));
	CCSP_ENSURE(len % 16 == 0, CCSP_ERR_DATA_LENGTH);
	uint8_t v[16];
	memcpy(v, iv, 16);
	ccsp_sm4_cbc_dec_blocks(k, v, in, out, len / 16);
	ccsp_memzero(v, sizeof v);
	return CCSP_OK;
}

/* PKCS#7 padding of block in constant time: returns the pad length (1..16) or 0 if invalid. */
static size_t pad_check(const uint8_t block[16])
{
	uint32_t pad = block[15];
	uint32_t bad = ct_is_zero32(pad) | ~ct_is_zero32((pad - 1) >> 4); /* pad not in 1..16 */
	for (uint32_t i = 0; i < 16; i++) {
		/* byte 15 - i belongs to the padding when i < pad */
		uint32_t in_pad = ct_barrier32((i - pad) >> 31) * UINT32_MAX;
		bad |= in_pad & ~ct_eq32(block[15 - i], pad);
	}
	/* the verdict and the length are the caller's to know: public from here on */
	return (size_t)ct_declassify32(pad & ~bad);
}

ccsp_err ccsp_sm4_cbc_pad_encrypt(const ccsp_sm4_key *k, const uint8_t iv[16], const uint8_t *in, size_t inlen,
                                  uint8_t *out, size_t outcap, size_t *outlen)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_GUARD(cbc_check(k, iv, in, out, inlen));
	CCSP_ENSURE(out != NULL && outlen != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(inlen <= SIZE_MAX - 16, CCSP_ERR_DATA_LENGTH);
	size_t full = inlen / 16, rest = inlen % 16, need = 16 * full + 16;
	*outlen = need;
	CCSP_ENSURE(outcap >= need, CCSP_ERR_BUFFER_TOO_SMALL);
	uint8_t last[16], v[16];
	/* read the tail before out (possibly in) is overwritten */
	if (rest > 0)
		memcpy(last, in + 16 * full, rest);
	memset(last + rest, (int)(16 - rest), 16 - rest);
	memcpy(v, iv, 16);
	ccsp_sm4_cbc_enc_blocks(k, v, in, out, full);
	ccsp_sm4_cbc_enc_blocks(k, v, last, out + 16 * full, 1);
	ccsp_memzero(last, sizeof last);
	ccsp_memzero(v, sizeof v);
	return CCSP_OK;
}

ccsp_err ccsp_sm4_cbc_pad_decrypt(const ccsp_sm4_key *k, const uint8_t iv[16], const uint8_t *in, size_t inlen,
                                  uint8_t *out, size_t outcap, size_t *outlen)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_GUARD(cbc_check(k, iv, in, out, inlen));
	CCSP_ENSURE(out != NULL && outlen != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(inlen > 0 && inlen % 16 == 0, CCSP_ERR_DATA_LENGTH);
	ccsp_err ret = CCSP_OK;
	uint8_t last[16], v[16];
	/* the last block first: its padding decides the output length before anything is written */
	memcpy(v, inlen > 16 ? in + inlen - 32 : iv, 16);
	ccsp_sm4_cbc_dec_blocks(k, v, in + inlen - 16, last, 1);
	size_t pad = pad_check(last);
	if (pad == 0) {
		ret = CCSP_ERR_PADDING;
		goto out;
	}
	*outlen = inlen - pad;
	if (outcap < *outlen) {
		ret = CCSP_ERR_BUFFER_TOO_SMALL;
		goto out;
	}
	memcpy(v, iv, 16);
	ccsp_sm4_cbc_dec_blocks(k, v, in, out, inlen / 16 - 1);
	memcpy(out + inlen - 16, last, 16 - pad);
out:
	ccsp_memzero(last, sizeof last);
	ccsp_memzero(v, sizeof v);
	return ret;
}

/* ---- streaming ---- */

ccsp_err ccsp_sm4_cbc_init(ccsp_sm4_cbc_ctx *ctx, const uint8_t *key, size_t keylen, const uint8_t iv[16], int encrypt,
                           int padding)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ctx != NULL && iv != NULL, CCSP_ERR_ARG);
	memset(ctx, 0, sizeof *ctx);
	CCSP_GUARD(ccsp_sm4_set_key(&ctx->key, key, keylen));
	memcpy(ctx->iv, iv, 16);
	ctx->encrypt = encrypt != 0;
	ctx->padding = padding != 0;
	return CCSP_OK;
}

/*
 * The buffered bytes and the new input are first laid out contiguously in out (which the
 * contract sizes at inlen + 16), so that in == out works although the output runs ahead of the
 * input by the buffered count; the blocks are then processed in place.
 */
ccsp_err ccsp_sm4_cbc_update(ccsp_sm4_cbc_ctx *ctx, const uint8_t *in, size_t inlen, uint8_t *out, size_t *outlen)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ctx != NULL && ccsp_sm4_key_ok(&ctx->key) && ctx->num <= 16, CCSP_ERR_ARG);
	CCSP_ENSURE(out != NULL && outlen != NULL && (inlen == 0 || in != NULL), CCSP_ERR_ARG);
	CCSP_ENSURE(inlen <= SIZE_MAX - 32, CCSP_ERR_DATA_LENGTH);
	size_t total = ctx->num + inlen;
	memmove(out + ctx->num, in == NULL ? out : in, inlen);
	memcpy(out, ctx->buf, ctx->num);
	/* padded decryption keeps the last block back: it may be the padding */
	size_t nb = (!ctx->encrypt && ctx->padding) ? (total == 0 ? 0 : (total - 1) / 16) : total / 16;
	if (ctx->encrypt)
		ccsp_sm4_cbc_enc_blocks(&ctx->key, ctx->iv, out, out, nb);
	else
		ccsp_sm4_cbc_dec_blocks(&ctx->key, ctx->iv, out, out, nb);
	ctx->num = total - 16 * nb;
	memcpy(ctx->buf, out + 16 * nb, ctx->num);
	ccsp_memzero(out + 16 * nb, ctx->num);
	*outlen = 16 * nb;
	return CCSP_OK;
}

static ccsp_err cbc_final(ccsp_sm4_cbc_ctx *ctx, uint8_t *out, size_t *outlen)
{
	uint8_t blk[16];
	size_t pad;
	*outlen = 0;
	if (!ctx->padding)
		return ctx->num == 0 ? CCSP_OK : CCSP_ERR_DATA_LENGTH;
	if (ctx->encrypt) {
		memset(ctx->buf + ctx->num, (int)(16 - ctx->num), 16 - ctx->num);
		ccsp_sm4_cbc_enc_blocks(&ctx->key, ctx->iv, ctx->buf, out, 1);
		*outlen = 16;
		return CCSP_OK;
	}
	if (ctx->num != 16)
		return CCSP_ERR_DATA_LENGTH;
	ccsp_sm4_cbc_dec_blocks(&ctx->key, ctx->iv, ctx->buf, blk, 1);
	pad = pad_check(blk);
	if (pad != 0) {
		memcpy(out, blk, 16 - pad);
		*outlen = 16 - pad;
	}
	ccsp_memzero(blk, sizeof blk);
	return pad != 0 ? CCSP_OK : CCSP_ERR_PADDING;
}

ccsp_err ccsp_sm4_cbc_final(ccsp_sm4_cbc_ctx *ctx, uint8_t *out, size_t *outlen)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ctx != NULL && ccsp_sm4_key_ok(&ctx->key) && ctx->num <= 16, CCSP_ERR_ARG);
	CCSP_ENSURE(out != NULL && outlen != NULL, CCSP_ERR_ARG);
	ccsp_err ret = cbc_final(ctx, out, outlen);
	ccsp_memzero(ctx, sizeof *ctx);
	return ret;
}

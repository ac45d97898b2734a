/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SM4-XTS as specified by GB/T 17964-2021 (clause 12): T_0 = E_K2(tweak), block j is
 * C_j = E_K1(P_j ^ T_j) ^ T_j with T_j = T_0 * alpha^j, and ciphertext stealing for a partial
 * last block (the same stealing as IEEE Std 1619).
 *
 * The GB standard numbers the bits of the tweak the other way round from IEEE 1619: in each byte
 * the rightmost bit is the most significant, so multiplying by alpha is a right shift of the
 * 128-bit big-endian value with 0xE1 folded into the first byte (the GHASH convention), where
 * IEEE 1619 shifts the little-endian value left and folds in 0x87. Both are implemented here so
 * the tests can check both published vectors; the public API is GB only.
 */
#include "sm4_internal.h"

#include <ccsp/mem.h>

#include "ct.h"
#include "module.h"

/* T = T * alpha */
static void xts_mul_alpha(uint8_t t[16], int gb)
{
	if (gb) {
		uint32_t carry = t[15] & 1;
		for (int i = 15; i > 0; i--)
			t[i] = (uint8_t)((t[i] >> 1) | (t[i - 1] << 7));
		t[0] = (uint8_t)((t[0] >> 1) ^ (0xe1 & (0 - carry)));
	} else {
		uint32_t carry = t[15] >> 7;
		for (int i = 15; i > 0; i--)
			t[i] = (uint8_t)((t[i] << 1) | (t[i - 1] >> 7));
		t[0] = (uint8_t)((t[0] << 1) ^ (0x87 & (0 - carry)));
	}
}

/* nblocks whole blocks with consecutive tweaks starting at t (advanced past them). */
static void xts_blocks(const ccsp_sm4_key *k, const uint32_t *rk, uint8_t t[16], const uint8_t *in, uint8_t *out,
                       size_t nblocks, int gb)
{
	uint8_t tw[CCSP_SM4_BATCH * 16], buf[CCSP_SM4_BATCH * 16];
	while (nblocks > 0) {
		size_t n = nblocks < CCSP_SM4_BATCH ? nblocks : CCSP_SM4_BATCH;
		for (size_t i = 0; i < n; i++) {
			memcpy(tw + 16 * i, t, 16);
			xts_mul_alpha(t, gb);
		}
		ccsp_sm4_xor(buf, in, tw, 16 * n);
		k->impl->crypt_blocks(rk, buf, buf, n);
		ccsp_sm4_xor(out, buf, tw, 16 * n);
		in += 16 * n;
		out += 16 * n;
		nblocks -= n;
	}
	ccsp_memzero(tw, sizeof tw);
	ccsp_memzero(buf, sizeof buf);
}

/*
 * Ciphertext stealing on the last full block and the r-byte tail. Encryption: CC = E_{T_m-1}(P_m-1),
 * C_m = CC[0..r), C_m-1 = E_{T_m}(P_m || CC[r..16)). Decryption swaps the tweaks.
 */
static void xts_steal(const ccsp_sm4_key *k, const uint32_t *rk, uint8_t t[16], const uint8_t *in, uint8_t *out,
                      size_t r, int encrypt, int gb)
{
	uint8_t t1[16], t2[16], cc[16], pp[16];
	memcpy(t1, t, 16);
	memcpy(t2, t, 16);
	xts_mul_alpha(t2, gb);
	xts_blocks(k, rk, encrypt ? t1 : t2, in, cc, 1, gb);
	memcpy(pp, in + 16, r);
	memcpy(pp + r, cc + r, 16 - r);
	memcpy(out + 16, cc, r);
	xts_blocks(k, rk, encrypt ? t2 : t1, pp, out, 1, gb);
	ccsp_memzero(cc, sizeof cc);
	ccsp_memzero(pp, sizeof pp);
	ccsp_memzero(t1, sizeof t1);
	ccsp_memzero(t2, sizeof t2);
}

ccsp_err ccsp_sm4_xts_crypt_impl(const uint8_t key[32], const uint8_t tweak[16], const uint8_t *in, uint8_t *out,
                                 size_t len, int encrypt, int gb, const ccsp_sm4_impl *impl)
{
	CCSP_ENSURE(key != NULL && tweak != NULL && in != NULL && out != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(len >= 16, CCSP_ERR_DATA_LENGTH);
	/* the two halves must differ (GB/T 17964-2021 12.1, as IEEE 1619 5.1) */
	CCSP_ENSURE(!ct_declassify32((uint32_t)ct_memeq(key, key + 16, 16)), CCSP_ERR_KEY);
	ccsp_sm4_key k1, k2;
	uint8_t t[16];
	ccsp_err ret;
	CCSP_CHECK(ccsp_sm4_set_key_impl(&k1, key, 16, impl != NULL ? impl : ccsp_sm4_impl_best()));
	CCSP_CHECK(ccsp_sm4_set_key_impl(&k2, key + 16, 16, k1.impl));
	memcpy(t, tweak, 16);
	k2.impl->crypt_blocks(k2.rk_enc, t, t, 1);
	const uint32_t *rk = encrypt ? k1.rk_enc : k1.rk_dec;
	size_t r = len % 16, full = len / 16 - (r != 0);
	xts_blocks(&k1, rk, t, in, out, full, gb);
	if (r != 0)
		xts_steal(&k1, rk, t, in + 16 * full, out + 16 * full, r, encrypt, gb);
out:
	ccsp_memzero(&k1, sizeof k1);
	ccsp_memzero(&k2, sizeof k2);
	ccsp_memzero(t, sizeof t);
	return ret;
}

ccsp_err ccsp_sm4_xts_encrypt(const uint8_t key[32], const uint8_t tweak[16], const uint8_t *in, uint8_t *out,
                              size_t len)
{
	CCSP_GUARD(ccsp_module_ready());
	return ccsp_sm4_xts_crypt_impl(key, tweak, in, out, len, 1, 1, NULL);
}

ccsp_err ccsp_sm4_xts_decrypt(const uint8_t key[32], const uint8_t tweak[16], const uint8_t *in, uint8_t *out,
                              size_t len)
{
	CCSP_GUARD(ccsp_module_ready());
	return ccsp_sm4_xts_crypt_impl(key, tweak, in, out, len, 0, 1, NULL);
}

/* ---- streaming ---- */

ccsp_err ccsp_sm4_xts_init(ccsp_sm4_xts_ctx *ctx, const uint8_t key[32], const uint8_t tweak[16], int encrypt)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ctx != NULL && key != NULL && tweak != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(!ct_declassify32((uint32_t)ct_memeq(key, key + 16, 16)), CCSP_ERR_KEY);
	ccsp_sm4_key k2;
	ccsp_err ret;
	memset(ctx, 0, sizeof *ctx);
	CCSP_CHECK(ccsp_sm4_set_key_impl(&ctx->k1, key, 16, ccsp_sm4_impl_best()));
	CCSP_CHECK(ccsp_sm4_set_key_impl(&k2, key + 16, 16, ctx->k1.impl));
	memcpy(ctx->t, tweak, 16);
	k2.impl->crypt_blocks(k2.rk_enc, ctx->t, ctx->t, 1);
	ctx->encrypt = encrypt != 0;
out:
	ccsp_memzero(&k2, sizeof k2);
	if (ret != CCSP_OK)
		ccsp_memzero(ctx, sizeof *ctx);
	return ret;
}

/*
 * As ccsp_sm4_cbc_update: the kept bytes and the new input are laid out contiguously in out first (so in == out
 * works), then every block but the last 16..31 bytes is processed in place. While fewer than 32 bytes have
 * been seen they are all kept: the stealing may need them.
 */
ccsp_err ccsp_sm4_xts_update(ccsp_sm4_xts_ctx *ctx, const uint8_t *in, size_t inlen, uint8_t *out, size_t *outlen)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ctx != NULL && ccsp_sm4_key_ok(&ctx->k1) && ctx->num < 32, CCSP_ERR_ARG);
	CCSP_ENSURE(out != NULL && outlen != NULL && (inlen == 0 || in != NULL), CCSP_ERR_ARG);
	CCSP_ENSURE(inlen <= SIZE_MAX - 64, CCSP_ERR_DATA_LENGTH);
	size_t total = ctx->num + inlen;
	if (inlen > 0)
		memmove(out + ctx->num, in, inlen);
	memcpy(out, ctx->buf, ctx->num);
	size_t keep = total < 32 ? total : 16 + total % 16, nb = (total - keep) / 16;
	xts_blocks(&ctx->k1, ctx->encrypt ? ctx->k1.rk_enc : ctx->k1.rk_dec, ctx->t, out, out, nb, 1);
	ctx->num = keep;
	memcpy(ctx->buf, out + 16 * nb, keep);
	ccsp_memzero(out + 16 * nb, keep);
	*outlen = 16 * nb;
	return CCSP_OK;
}

ccsp_err ccsp_sm4_xts_final(ccsp_sm4_xts_ctx *ctx, uint8_t out[31], size_t *outlen)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(ctx != NULL && ccsp_sm4_key_ok(&ctx->k1) && ctx->num < 32, CCSP_ERR_ARG);
	CCSP_ENSURE(out != NULL && outlen != NULL, CCSP_ERR_ARG);
	ccsp_err ret = CCSP_OK;
	const uint32_t *rk = ctx->encrypt ? ctx->k1.rk_enc : ctx->k1.rk_dec;
	size_t r = ctx->num % 16;
	*outlen = 0;
	if (ctx->num < 16) {
		ret = CCSP_ERR_DATA_LENGTH;
	} else {
		if (r == 0)
			xts_blocks(&ctx->k1, rk, ctx->t, ctx->buf, out, 1, 1);
		else
			xts_steal(&ctx->k1, rk, ctx->t, ctx->buf, out, r, ctx->encrypt, 1);
		*outlen = ctx->num;
	}
	ccsp_memzero(ctx, sizeof *ctx);
	return ret;
}

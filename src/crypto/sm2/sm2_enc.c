/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SM2 public-key encryption (GB/T 32918.4-2016 clauses 6 and 7), raw C1C3C2 and C1C2C3; the GM/T 0009
 * DER form is the C1C3C2 result re-encoded by the codec in sm2_asn1.c.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/sm2_asn1.h>
#include <ccsp/sm3.h>

#include "module.h"
#include "sm2_internal.h"

#define C1_SIZE 65
#define C3_SIZE 32
/* SM2Cipher DER beyond raw C1C3C2: SEQUENCE and OCTET STRING headers (<= 6 bytes each with a
 * 4-byte length), two INTEGER headers with sign bytes (2 x 3), HASH header (2), minus the 04 byte. */
#define DER_MAX_EXTRA 19

/* All-ones when the n bytes are zero; time depends on n only. */
static uint32_t all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return ct_is_zero32(acc);
}

/* C3 = SM3(x2 || M || y2) */
static ccsp_err hash_c3(const uint8_t x2y2[64], const uint8_t *m, size_t mlen, uint8_t c3[32])
{
	ccsp_sm3_ctx ctx;
	ccsp_err ret;
	CCSP_CHECK(ccsp_sm3_init(&ctx));
	CCSP_CHECK(ccsp_sm3_update(&ctx, x2y2, 32));
	CCSP_CHECK(ccsp_sm3_update(&ctx, m, mlen));
	CCSP_CHECK(ccsp_sm3_update(&ctx, x2y2 + 32, 32));
	CCSP_CHECK(ccsp_sm3_final(&ctx, c3));
out:
	ccsp_memzero(&ctx, sizeof ctx);
	return ret;
}

/* Positions of C3 and C2 after C1 for a raw format and message length. */
static void layout(ccsp_sm2_ct_format fmt, size_t mlen, size_t *c3_off, size_t *c2_off)
{
	*c3_off = fmt == CCSP_SM2_C1C3C2 ? C1_SIZE : C1_SIZE + mlen;
	*c2_off = fmt == CCSP_SM2_C1C3C2 ? C1_SIZE + C3_SIZE : C1_SIZE;
}

/* Clause 6.1 A2-A8 for a given k; out holds 97 + msglen bytes. */
ccsp_err ccsp_sm2_encrypt_core(const ccsp_sm2_impl *impl, const ccsp_sm2_key *key, ccsp_sm2_ct_format fmt,
                               const uint64_t k[4], const uint8_t *msg, size_t msglen, uint8_t *out, int *redraw)
{
	ccsp_sm2_apoint c1, s;
	uint8_t x2y2[64];
	size_t c3_off, c2_off;
	ccsp_err ret;
	*redraw = 0;
	layout(fmt, msglen, &c3_off, &c2_off);
	/* A2, A4 (A3: h = 1 and the key was validated: S != O; k != 0 mod n: C1 != O) */
	impl->mul_base_and_point(&c1, &s, k, &key->pub, ccsp_sm2_key_pub_table(impl, key));
	out[0] = 0x04;
	ccsp_sm2_point_encode(impl, out + 1, &c1);
	ccsp_sm2_point_encode(impl, x2y2, &s);
	uint8_t *c2 = out + c2_off;
	CCSP_CHECK(ccsp_sm3_kdf(x2y2, sizeof x2y2, c2, msglen));
	uint32_t zero = all_zero(c2, msglen);
	ct_declassify(&zero, sizeof zero);
	if (zero) { /* A5: t = 0, draw another k */
		*redraw = 1;
		ccsp_memzero(out, C1_SIZE + C3_SIZE + msglen);
		goto out;
	}
	for (size_t i = 0; i < msglen; i++)
		c2[i] ^= msg[i];
	CCSP_CHECK(hash_c3(x2y2, msg, msglen, out + c3_off));
out:
	if (ret != CCSP_OK)
		ccsp_memzero(out, C1_SIZE + C3_SIZE + msglen);
	ccsp_memzero(&c1, sizeof c1);
	ccsp_memzero(&s, sizeof s);
	ccsp_memzero(x2y2, sizeof x2y2);
	return ret;
}

static ccsp_err encrypt_args(const ccsp_sm2_key *key, ccsp_sm2_ct_format fmt, const uint8_t *msg, size_t msglen,
                             uint8_t *out, size_t outcap, size_t *outlen)
{
	CCSP_ENSURE(key != NULL && outlen != NULL && msg != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(key->has_public, CCSP_ERR_KEY);
	CCSP_ENSURE(msglen >= 1 && msglen <= SIZE_MAX - 2 * CCSP_SM2_CIPHERTEXT_OVERHEAD, CCSP_ERR_DATA_LENGTH);
	CCSP_ENSURE(fmt == CCSP_SM2_C1C3C2 || fmt == CCSP_SM2_C1C2C3 || fmt == CCSP_SM2_DER, CCSP_ERR_ARG);
	/* DER: the size is known only after encoding (minimal INTEGERs), so ask for the upper bound. */
	*outlen = CCSP_SM2_CIPHERTEXT_OVERHEAD + msglen + (fmt == CCSP_SM2_DER ? DER_MAX_EXTRA : 0);
	CCSP_ENSURE(out != NULL && outcap >= *outlen, CCSP_ERR_BUFFER_TOO_SMALL);
	return CCSP_OK;
}

/* DER: encrypt to raw C1C3C2 in a scratch buffer (public data), then re-encode into out. */
static ccsp_err encrypt_der(const ccsp_sm2_key *key, const uint8_t *msg, size_t msglen, uint8_t *out,
                            size_t outcap, size_t *outlen)
{
	size_t rawlen = CCSP_SM2_CIPHERTEXT_OVERHEAD + msglen;
	uint8_t *raw = malloc(rawlen);
	ccsp_err ret;
	CCSP_ENSURE(raw != NULL, CCSP_ERR_NOMEM);
	CCSP_CHECK(ccsp_sm2_encrypt(key, CCSP_SM2_C1C3C2, msg, msglen, raw, rawlen, &rawlen));
	CCSP_CHECK(ccsp_sm2_ciphertext_to_der(raw, rawlen, out, outcap, outlen));
out:
	free(raw);
	return ret;
}

ccsp_err ccsp_sm2_encrypt(const ccsp_sm2_key *key, ccsp_sm2_ct_format fmt, const uint8_t *msg, size_t msglen,
                          uint8_t *out, size_t outcap, size_t *outlen)
{
	const ccsp_sm2_impl *impl = ccsp_sm2_impl_get();
	uint64_t k[4];
	int redraw = 1;
	ccsp_err ret = CCSP_OK;
	CCSP_GUARD(ccsp_module_ready());
	CCSP_GUARD(encrypt_args(key, fmt, msg, msglen, out, outcap, outlen));
	if (fmt == CCSP_SM2_DER)
		return encrypt_der(key, msg, msglen, out, outcap, outlen);
	for (int draw = 0; draw < CCSP_SM2_K_DRAWS && redraw; draw++) {
		CCSP_CHECK(ccsp_sm2_random_scalar(k));
		CCSP_CHECK(ccsp_sm2_encrypt_core(impl, key, fmt, k, msg, msglen, out, &redraw));
	}
	ret = redraw ? CCSP_ERR_RNG : CCSP_OK;
out:
	ccsp_memzero(k, sizeof k);
	return ret;
}

ccsp_err ccsp_sm2_encrypt_with_k(const ccsp_sm2_key *key, ccsp_sm2_ct_format fmt, const uint8_t k[32],
                                 const uint8_t *msg, size_t msglen, uint8_t *out, size_t outcap, size_t *outlen)
{
	uint64_t kv[4];
	int redraw = 0;
	ccsp_err ret = CCSP_ERR_ARG;
	CCSP_ENSURE(k != NULL, CCSP_ERR_ARG);
	CCSP_GUARD(encrypt_args(key, fmt, msg, msglen, out, outcap, outlen));
	ccsp_sm2_limbs_from_bytes(kv, k);
	uint64_t ok = ~ccsp_sm2_fe_is_zero(kv) & ccsp_sm2_limbs_lt(kv, ccsp_sm2_n);
	ct_declassify(&ok, sizeof ok);
	if (ok)
		ret = ccsp_sm2_encrypt_core(ccsp_sm2_impl_get(), key, fmt, kv, msg, msglen, out, &redraw);
	if (ret == CCSP_OK && redraw) /* this fixed k gives t = 0 */
		ret = CCSP_ERR_ARG;
	ccsp_memzero(kv, sizeof kv);
	return ret;
}

/* Clause 7.1 B1-B7; ctlen >= 98 checked by the caller; out holds ctlen - 97 bytes. */
ccsp_err ccsp_sm2_decrypt_core(const ccsp_sm2_impl *impl, const ccsp_sm2_key *key, ccsp_sm2_ct_format fmt,
                               const uint8_t *ct, size_t ctlen, uint8_t *out)
{
	ccsp_sm2_apoint c1, s;
	uint8_t x2y2[64], u[32];
	size_t mlen = ctlen - CCSP_SM2_CIPHERTEXT_OVERHEAD, c3_off, c2_off;
	ccsp_err ret;
	layout(fmt, mlen, &c3_off, &c2_off);
	/* B1: C1 must be a valid point (raw formats carry the 04 prefix: length 65) */
	CCSP_CHECK(ccsp_sm2_point_decode(impl, &c1, ct, C1_SIZE) == CCSP_OK ? CCSP_OK : CCSP_ERR_DECODE);
	impl->mul_point(&s, key->d, &c1); /* B3: d in [1, n-2], C1 of order n: never O */
	ccsp_sm2_point_encode(impl, x2y2, &s);
	CCSP_CHECK(ccsp_sm3_kdf(x2y2, sizeof x2y2, out, mlen));
	uint32_t zero = all_zero(out, mlen);
	ct_declassify(&zero, sizeof zero);
	CCSP_CHECK(zero ? CCSP_ERR_AUTH : CCSP_OK); /* B4 */
	for (size_t i = 0; i < mlen; i++)
		out[i] ^= ct[c2_off + i];
	CCSP_CHECK(hash_c3(x2y2, out, mlen, u));
	int match = ct_memeq(u, ct + c3_off, C3_SIZE); /* B6 */
	ct_declassify(&match, sizeof match);
	ret = match ? CCSP_OK : CCSP_ERR_AUTH;
out:
	if (ret != CCSP_OK)
		ccsp_memzero(out, mlen);
	ccsp_memzero(&s, sizeof s);
	ccsp_memzero(x2y2, sizeof x2y2);
	ccsp_memzero(u, sizeof u);
	return ret;
}

/* DER: decode to raw C1C3C2 (the raw form is at most 97 bytes longer than the DER), then decrypt. */
static ccsp_err decrypt_der(const ccsp_sm2_key *key, const uint8_t *der, size_t derlen, uint8_t *out,
                            size_t outcap, size_t *outlen)
{
	CCSP_ENSURE(derlen <= SIZE_MAX - CCSP_SM2_CIPHERTEXT_OVERHEAD, CCSP_ERR_DECODE);
	size_t rawcap = derlen + CCSP_SM2_CIPHERTEXT_OVERHEAD, rawlen;
	uint8_t *raw = malloc(rawcap);
	ccsp_err ret;
	*outlen = 0;
	CCSP_ENSURE(raw != NULL, CCSP_ERR_NOMEM);
	CCSP_CHECK(ccsp_sm2_ciphertext_from_der(der, derlen, raw, rawcap, &rawlen));
	CCSP_CHECK(ccsp_sm2_decrypt(key, CCSP_SM2_C1C3C2, raw, rawlen, out, outcap, outlen));
out:
	free(raw);
	return ret;
}

ccsp_err ccsp_sm2_decrypt(const ccsp_sm2_key *key, ccsp_sm2_ct_format fmt, const uint8_t *ct, size_t ctlen,
                          uint8_t *out, size_t outcap, size_t *outlen)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(key != NULL && ct != NULL && outlen != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(key->has_private, CCSP_ERR_KEY);
	CCSP_ENSURE(fmt == CCSP_SM2_C1C3C2 || fmt == CCSP_SM2_C1C2C3 || fmt == CCSP_SM2_DER, CCSP_ERR_ARG);
	if (fmt == CCSP_SM2_DER)
		return decrypt_der(key, ct, ctlen, out, outcap, outlen);
	CCSP_ENSURE(ctlen > CCSP_SM2_CIPHERTEXT_OVERHEAD, CCSP_ERR_DECODE);
	*outlen = ctlen - CCSP_SM2_CIPHERTEXT_OVERHEAD;
	CCSP_ENSURE(out != NULL && outcap >= *outlen, CCSP_ERR_BUFFER_TOO_SMALL);
	ccsp_err ret = ccsp_sm2_decrypt_core(ccsp_sm2_impl_get(), key, fmt, ct, ctlen, out);
	if (ret != CCSP_OK)
		*outlen = 0;
	return ret;
}

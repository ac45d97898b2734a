/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Multi-part symmetric services of the VSM (GM/T 0018-2023 6.5.7-6.5.21) and the external-key functions of 6.8.
 * The state is the session's one multi-part operation (vsm_internal.h). CBC, CTR and GCM use the core's
 * streaming contexts; ECB, CFB, OFB and CBC-MAC keep a chaining block and a partial block here, so that any
 * split of the data into Updates gives the one-shot result. Every error but a call out of sequence ends the
 * operation, wiping it.
 *
 * AuthDec withholds the plaintext. Streaming GCM decryption produces plaintext before the tag can be checked,
 * so Update decrypts into a buffer of the session and writes nothing; only Final, once the tag has matched,
 * hands the plaintext out. The buffer has the size declared at Init (at most CCSP_VSM_AUTH_DEC_MAX), reserved
 * against CCSP_VSM_AUTH_DEC_TOTAL for the whole VSM so that sessions cannot exhaust its memory together.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/sdf.h>
#include <ccsp/sm4.h>

#include "vsm/vsm_internal.h"

/* ---- starting an operation ---- */

/* Every Init ends the operation in progress first, whether or not it then succeeds. */
static ccsp_err stream_begin(ccsp_vsm_session *s)
{
	vsm_session_end_stream(s);
	return vsm_ready(s->vsm);
}

/* The 128-bit session key for handle. */
static ccsp_err sm4_session_key(ccsp_vsm_session *s, uint64_t handle, const uint8_t **key)
{
	const vsm_key_slot *k = vsm_session_key(s, handle);
	if (k == NULL)
		return CCSP_ERR_KEY_NOT_FOUND;
	if (k->bits != 128)
		return CCSP_ERR_KEY_TYPE;
	*key = k->key;
	return CCSP_OK;
}

static ccsp_err cipher_check(uint32_t alg, const uint8_t *iv)
{
	if (alg != SGD_SM4_ECB && alg != SGD_SM4_CBC && alg != SGD_SM4_CFB && alg != SGD_SM4_OFB &&
	    alg != SGD_SM4_CTR)
		return CCSP_ERR_UNSUPPORTED; /* XTS steals ciphertext at the very end: one-shot only */
	return alg != SGD_SM4_ECB && iv == NULL ? CCSP_ERR_IV_LENGTH : CCSP_OK;
}

/* After cipher_check: set up the context of alg and make it the session's operation. */
static ccsp_err cipher_start(ccsp_vsm_session *s, vsm_stream_kind kind, uint32_t alg, const uint8_t *key,
                             size_t keylen, const uint8_t *iv)
{
	ccsp_err ret;
	if (keylen != CCSP_SM4_KEY_SIZE)
		return CCSP_ERR_KEY_LENGTH;
	if (alg == SGD_SM4_CBC) {
		ret = ccsp_sm4_cbc_init(&s->st.cbc, key, keylen, iv, kind == VSM_STREAM_ENCRYPT, 0);
	} else if (alg == SGD_SM4_CTR) {
		ret = ccsp_sm4_ctr_init(&s->st.ctr, key, keylen, iv);
	} else {
		ret = ccsp_sm4_set_key(&s->st.sm4.key, key, keylen);
		if (alg != SGD_SM4_ECB)
			memcpy(s->st.sm4.reg, iv, 16);
	}
	if (ret == CCSP_OK) {
		s->stream = kind;
		s->stream_alg = alg;
	}
	return ret;
}

static ccsp_err key_cipher_init(ccsp_vsm_session *s, vsm_stream_kind kind, uint64_t handle, uint32_t alg,
                                const uint8_t *iv)
{
	const uint8_t *key = NULL;
	ccsp_err ret = stream_begin(s);
	if (ret == CCSP_OK)
		ret = cipher_check(alg, iv);
	if (ret == CCSP_OK)
		ret = sm4_session_key(s, handle, &key);
	if (ret == CCSP_OK)
		ret = cipher_start(s, kind, alg, key, CCSP_SM4_KEY_SIZE, iv);
	if (ret != CCSP_OK)
		vsm_session_end_stream(s);
	return ret;
}

static ccsp_err ext_cipher_init(ccsp_vsm_session *s, vsm_stream_kind kind, uint32_t alg, const uint8_t *key,
                                size_t keylen, const uint8_t *iv)
{
	ccsp_err ret = stream_begin(s);
	if (ret == CCSP_OK)
		ret = key == NULL ? CCSP_ERR_ARG : cipher_check(alg, iv);
	if (ret == CCSP_OK)
		ret = cipher_start(s, kind, alg, key, keylen, iv);
	if (ret != CCSP_OK)
		vsm_session_end_stream(s);
	return ret;
}

/* ---- the modes kept here (GB/T 17964-2021 clauses 7, 9, 10) ---- */

/* ECB: like the core's CBC update, whole blocks of (pending || in) are encrypted in out; the rest waits. */
static ccsp_err ecb_update(vsm_sm4_stream *st, int enc, const uint8_t *in, size_t len, uint8_t *out,
                           size_t *outlen)
{
	size_t total = st->num + len, full = total - total % 16;
	ccsp_err ret = CCSP_OK;
	memmove(out + st->num, in, len);
	memcpy(out, st->buf, st->num);
	if (full > 0)
		ret = enc ? ccsp_sm4_ecb_encrypt(&st->key, out, out, full) : ccsp_sm4_ecb_decrypt(&st->key, out, out, full);
	st->num = total - full;
	memcpy(st->buf, out + full, st->num);
	ccsp_memzero(out + full, st->num);
	*outlen = full;
	return ret;
}

/* CFB-128: C_i = P_i ^ E(C_{i-1}). reg collects C_i byte by byte; buf is E(C_{i-1}) while a block is open. */
static ccsp_err cfb_update(vsm_sm4_stream *st, int enc, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t last[16];
	ccsp_err ret = CCSP_OK;
	for (; len > 0 && st->num > 0; in++, out++, len--) { /* finish the open block */
		uint8_t x = *in, y = (uint8_t)(x ^ st->buf[st->num]);
		*out = y;
		st->reg[st->num] = enc ? y : x;
		st->num = (st->num + 1) % 16;
	}
	size_t full = len - len % 16;
	if (full > 0) {
		memcpy(last, in + full - 16, 16); /* decryption: the last ciphertext block, before out (maybe in) is written */
		ret = enc ? ccsp_sm4_cfb_encrypt(&st->key, st->reg, in, out, full)
		          : ccsp_sm4_cfb_decrypt(&st->key, st->reg, in, out, full);
		memcpy(st->reg, enc ? out + full - 16 : last, 16);
	}
	if (ret == CCSP_OK && len > full) { /* open a block */
		ret = ccsp_sm4_ecb_encrypt(&st->key, st->reg, st->buf, 16);
		for (size_t i = 0; i < len - full; i++) {
			uint8_t x = in[full + i], y = (uint8_t)(x ^ st->buf[i]);
			out[full + i] = y;
			st->reg[i] = enc ? y : x;
		}
		st->num = len - full;
	}
	ccsp_memzero(last, sizeof last);
	return ret;
}

/* OFB: O_i = E(O_{i-1}), C_i = P_i ^ O_i. reg is the latest O_i; num of its bytes are used. */
static ccsp_err ofb_update(vsm_sm4_stream *st, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t last[16];
	ccsp_err ret = CCSP_OK;
	for (; len > 0 && st->num > 0; in++, out++, len--) {
		*out = (uint8_t)(*in ^ st->reg[st->num]);
		st->num = (st->num + 1) % 16;
	}
	size_t full = len - len % 16;
	if (full > 0) {
		memcpy(last, in + full - 16, 16);
		ret = ccsp_sm4_ofb_crypt(&st->key, st->reg, in, out, full);
		for (size_t i = 0; i < 16; i++) /* the last keystream block: input ^ output */
			st->reg[i] = (uint8_t)(last[i] ^ out[full - 16 + i]);
	}
	if (ret == CCSP_OK && len > full) {
		ret = ccsp_sm4_ecb_encrypt(&st->key, st->reg, st->reg, 16);
		for (size_t i = 0; i < len - full; i++)
			out[full + i] = (uint8_t)(in[full + i] ^ st->reg[i]);
		st->num = len - full;
	}
	ccsp_memzero(last, sizeof last);
	return ret;
}

/* CBC-MAC: reg is the chaining value; buf holds a partial block. */
static ccsp_err mac_update(vsm_sm4_stream *st, const uint8_t *in, size_t len)
{
	ccsp_err ret = CCSP_OK;
	st->total += len;
	if (st->num > 0) {
		size_t take = 16 - st->num < len ? 16 - st->num : len;
		memcpy(st->buf + st->num, in, take);
		st->num += take;
		in += take;
		len -= take;
		if (st->num < 16)
			return CCSP_OK;
		ret = ccsp_sm4_cbc_mac(&st->key, st->reg, st->buf, 16, st->reg);
		st->num = 0;
	}
	size_t full = len - len % 16;
	if (ret == CCSP_OK && full > 0)
		ret = ccsp_sm4_cbc_mac(&st->key, st->reg, in, full, st->reg);
	memcpy(st->buf, in + full, len - full);
	st->num = len - full;
	return ret;
}

/* ---- Encrypt / Decrypt Init, Update, Final ---- */

static ccsp_err cipher_update(ccsp_vsm_session *s, vsm_stream_kind kind, const uint8_t *in, size_t len, uint8_t *out,
                              size_t *outlen)
{
	int enc = kind == VSM_STREAM_ENCRYPT;
	ccsp_err ret;
	if (s->stream != kind)
		return CCSP_ERR_STATE;
	*outlen = 0;
	if (len == 0)
		return CCSP_OK;
	if (in == NULL || out == NULL) {
		ret = CCSP_ERR_ARG;
	} else if (s->stream_alg == SGD_SM4_CBC) {
		ret = ccsp_sm4_cbc_update(&s->st.cbc, in, len, out, outlen);
	} else if (s->stream_alg == SGD_SM4_ECB) {
		ret = ecb_update(&s->st.sm4, enc, in, len, out, outlen);
	} else {
		if (s->stream_alg == SGD_SM4_CTR)
			ret = ccsp_sm4_ctr_update(&s->st.ctr, in, out, len);
		else if (s->stream_alg == SGD_SM4_CFB)
			ret = cfb_update(&s->st.sm4, enc, in, len, out);
		else
			ret = ofb_update(&s->st.sm4, in, len, out);
		*outlen = len;
	}
	if (ret != CCSP_OK) {
		*outlen = 0;
		vsm_session_end_stream(s);
	}
	return ret;
}

static ccsp_err cipher_final(ccsp_vsm_session *s, vsm_stream_kind kind)
{
	uint8_t last[16];
	size_t n = 0;
	ccsp_err ret = CCSP_OK;
	if (s->stream != kind)
		return CCSP_ERR_STATE;
	if (s->stream_alg == SGD_SM4_CBC) /* no padding: nothing to write, a partial block left is an error */
		ret = ccsp_sm4_cbc_final(&s->st.cbc, last, &n);
	else if (s->stream_alg == SGD_SM4_ECB && s->st.sm4.num != 0)
		ret = CCSP_ERR_DATA_LENGTH;
	vsm_session_end_stream(s);
	ccsp_memzero(last, sizeof last);
	return ret;
}

ccsp_err ccsp_vsm_encrypt_init(ccsp_vsm_session *s, uint64_t handle, uint32_t alg, const uint8_t *iv)
{
	return key_cipher_init(s, VSM_STREAM_ENCRYPT, handle, alg, iv);
}

ccsp_err ccsp_vsm_encrypt_update(ccsp_vsm_session *s, const uint8_t *in, size_t len, uint8_t *out, size_t *outlen)
{
	return cipher_update(s, VSM_STREAM_ENCRYPT, in, len, out, outlen);
}

ccsp_err ccsp_vsm_encrypt_final(ccsp_vsm_session *s)
{
	return cipher_final(s, VSM_STREAM_ENCRYPT);
}

ccsp_err ccsp_vsm_decrypt_init(ccsp_vsm_session *s, uint64_t handle, uint32_t alg, const uint8_t *iv)
{
	return key_cipher_init(s, VSM_STREAM_DECRYPT, handle, alg, iv);
}

ccsp_err ccsp_vsm_decrypt_update(ccsp_vsm_session *s, const uint8_t *in, size_t len, uint8_t *out, size_t *outlen)
{
	return cipher_update(s, VSM_STREAM_DECRYPT, in, len, out, outlen);
}

ccsp_err ccsp_vsm_decrypt_final(ccsp_vsm_session *s)
{
	return cipher_final(s, VSM_STREAM_DECRYPT);
}

/* ---- CalculateMAC Init, Update, Final ---- */

ccsp_err ccsp_vsm_mac_init(ccsp_vsm_session *s, uint64_t handle, uint32_t alg, const uint8_t *iv)
{
	const uint8_t *key = NULL;
	ccsp_err ret = stream_begin(s);
	if (ret == CCSP_OK && alg != SGD_SM4_MAC && alg != SGD_SM4_CBC)
		ret = CCSP_ERR_UNSUPPORTED;
	if (ret == CCSP_OK && iv == NULL)
		ret = CCSP_ERR_IV_LENGTH;
	if (ret == CCSP_OK)
		ret = sm4_session_key(s, handle, &key);
	if (ret == CCSP_OK)
		ret = ccsp_sm4_set_key(&s->st.sm4.key, key, CCSP_SM4_KEY_SIZE);
	if (ret == CCSP_OK) {
		memcpy(s->st.sm4.reg, iv, 16);
		s->stream = VSM_STREAM_MAC;
	} else {
		vsm_session_end_stream(s);
	}
	return ret;
}

ccsp_err ccsp_vsm_mac_update(ccsp_vsm_session *s, const uint8_t *in, size_t len)
{
	if (s->stream != VSM_STREAM_MAC)
		return CCSP_ERR_STATE;
	if (len == 0)
		return CCSP_OK;
	ccsp_err ret = in == NULL ? CCSP_ERR_ARG : mac_update(&s->st.sm4, in, len);
	if (ret != CCSP_OK)
		vsm_session_end_stream(s);
	return ret;
}

ccsp_err ccsp_vsm_mac_final(ccsp_vsm_session *s, uint8_t mac[16])
{
	if (s->stream != VSM_STREAM_MAC)
		return CCSP_ERR_STATE;
	const vsm_sm4_stream *st = &s->st.sm4;
	ccsp_err ret = st->num != 0 || st->total == 0 ? CCSP_ERR_DATA_LENGTH : CCSP_OK;
	if (ret == CCSP_OK)
		memcpy(mac, st->reg, 16);
	vsm_session_end_stream(s);
	return ret;
}

/* ---- AuthEnc / AuthDec Init, Update, Final (SM4-GCM) ---- */

/* The GCM context of the session key, after the AAD. The caller sets the stream kind. */
static ccsp_err gcm_start(ccsp_vsm_session *s, int enc, uint64_t handle, uint32_t alg, const uint8_t *iv,
                          size_t ivlen, const uint8_t *aad, size_t aadlen)
{
	const uint8_t *key = NULL;
	ccsp_err ret = alg == SGD_SM4_GCM ? sm4_session_key(s, handle, &key) : CCSP_ERR_UNSUPPORTED;
	if (ret == CCSP_OK)
		ret = ccsp_sm4_gcm_init(&s->st.gcm.gcm, key, CCSP_SM4_KEY_SIZE, iv, ivlen, enc);
	if (ret == CCSP_OK)
		ret = ccsp_sm4_gcm_aad(&s->st.gcm.gcm, aad, aadlen);
	return ret;
}

/* Count len more bytes against the total declared at Init. */
static ccsp_err gcm_count(vsm_gcm_stream *g, const uint8_t *in, size_t len)
{
	if (in == NULL && len != 0)
		return CCSP_ERR_ARG;
	if ((uint64_t)len > g->expect - g->done)
		return CCSP_ERR_DATA_LENGTH;
	g->done += len;
	return CCSP_OK;
}

ccsp_err ccsp_vsm_auth_enc_init(ccsp_vsm_session *s, uint64_t handle, uint32_t alg, const uint8_t *iv, size_t ivlen,
                                const uint8_t *aad, size_t aadlen, uint64_t total)
{
	ccsp_err ret = stream_begin(s);
	if (ret == CCSP_OK)
		ret = gcm_start(s, 1, handle, alg, iv, ivlen, aad, aadlen);
	if (ret == CCSP_OK) {
		s->st.gcm.expect = total;
		s->stream = VSM_STREAM_AUTH_ENC;
	} else {
		vsm_session_end_stream(s);
	}
	return ret;
}

ccsp_err ccsp_vsm_auth_enc_update(ccsp_vsm_session *s, const uint8_t *in, size_t len, uint8_t *out)
{
	if (s->stream != VSM_STREAM_AUTH_ENC)
		return CCSP_ERR_STATE;
	ccsp_err ret = gcm_count(&s->st.gcm, in, len);
	if (ret == CCSP_OK && len > 0)
		ret = out == NULL ? CCSP_ERR_ARG : ccsp_sm4_gcm_update(&s->st.gcm.gcm, in, out, len);
	if (ret != CCSP_OK)
		vsm_session_end_stream(s);
	return ret;
}

ccsp_err ccsp_vsm_auth_enc_final(ccsp_vsm_session *s, uint8_t tag[16])
{
	if (s->stream != VSM_STREAM_AUTH_ENC)
		return CCSP_ERR_STATE;
	vsm_gcm_stream *g = &s->st.gcm;
	ccsp_err ret = g->done == g->expect ? ccsp_sm4_gcm_encrypt_final(&g->gcm, tag) : CCSP_ERR_DATA_LENGTH;
	vsm_session_end_stream(s);
	return ret;
}

/* Reserve and allocate the AuthDec buffer; from here on vsm_session_end_stream frees it. */
static ccsp_err hold(ccsp_vsm_session *s, uint64_t total)
{
	ccsp_vsm *vsm = s->vsm;
	vsm_gcm_stream *g = &s->st.gcm;
	if (total > CCSP_VSM_AUTH_DEC_MAX)
		return CCSP_ERR_LIMIT;
	uint64_t before = atomic_fetch_add(&vsm->auth_dec_held, total);
	if (before + total > CCSP_VSM_AUTH_DEC_TOTAL) {
		atomic_fetch_sub(&vsm->auth_dec_held, total);
		return CCSP_ERR_LIMIT;
	}
	g->held = malloc(total > 0 ? (size_t)total : 1); /* pages are committed as Updates fill them */
	if (g->held == NULL) {
		atomic_fetch_sub(&vsm->auth_dec_held, total);
		return CCSP_ERR_NOMEM;
	}
	g->expect = total;
	s->stream = VSM_STREAM_AUTH_DEC;
	return CCSP_OK;
}

void vsm_stream_free_held(ccsp_vsm_session *s)
{
	vsm_gcm_stream *g = &s->st.gcm;
	if (s->stream != VSM_STREAM_AUTH_DEC || g->held == NULL)
		return;
	ccsp_memzero(g->held, (size_t)g->done); /* Updates write only [0, done) */
	free(g->held);
	g->held = NULL;
	atomic_fetch_sub(&s->vsm->auth_dec_held, g->expect);
}

ccsp_err ccsp_vsm_auth_dec_init(ccsp_vsm_session *s, uint64_t handle, uint32_t alg, const uint8_t *iv, size_t ivlen,
                                const uint8_t *aad, size_t aadlen, const uint8_t *tag, size_t taglen, uint64_t total)
{
	ccsp_err ret = stream_begin(s);
	if (ret == CCSP_OK && (tag == NULL || taglen != CCSP_SM4_GCM_TAG_SIZE))
		ret = CCSP_ERR_ARG;
	if (ret == CCSP_OK)
		ret = gcm_start(s, 0, handle, alg, iv, ivlen, aad, aadlen);
	if (ret == CCSP_OK)
		ret = hold(s, total);
	if (ret == CCSP_OK)
		memcpy(s->st.gcm.tag, tag, CCSP_SM4_GCM_TAG_SIZE);
	else
		vsm_session_end_stream(s);
	return ret;
}

ccsp_err ccsp_vsm_auth_dec_update(ccsp_vsm_session *s, const uint8_t *in, size_t len)
{
	vsm_gcm_stream *g = &s->st.gcm;
	if (s->stream != VSM_STREAM_AUTH_DEC || g->verified)
		return CCSP_ERR_STATE;
	uint8_t *out = g->held + g->done;
	ccsp_err ret = gcm_count(g, in, len); /* counted first: a failed Update's bytes are wiped too */
	if (ret == CCSP_OK && len > 0)
		ret = ccsp_sm4_gcm_update(&g->gcm, in, out, len);
	if (ret != CCSP_OK)
		vsm_session_end_stream(s);
	return ret;
}

ccsp_err ccsp_vsm_auth_dec_final(ccsp_vsm_session *s, size_t *ready)
{
	vsm_gcm_stream *g = &s->st.gcm;
	if (s->stream != VSM_STREAM_AUTH_DEC)
		return CCSP_ERR_STATE;
	if (!g->verified) {
		ccsp_err ret = g->done == g->expect ? ccsp_sm4_gcm_decrypt_final(&g->gcm, g->tag) : CCSP_ERR_DATA_LENGTH;
		if (ret != CCSP_OK) {
			vsm_session_end_stream(s); /* a bad tag: the plaintext is wiped, never released */
			return ret;
		}
		g->verified = 1;
	}
	*ready = (size_t)(g->done - g->taken);
	return CCSP_OK;
}

ccsp_err ccsp_vsm_auth_dec_take(ccsp_vsm_session *s, uint8_t *out, size_t cap, size_t *outlen, size_t *left)
{
	vsm_gcm_stream *g = &s->st.gcm;
	if (s->stream != VSM_STREAM_AUTH_DEC || !g->verified)
		return CCSP_ERR_STATE;
	size_t n = g->done - g->taken < cap ? (size_t)(g->done - g->taken) : cap;
	if (n > 0)
		memcpy(out, g->held + g->taken, n);
	g->taken += n;
	*outlen = n;
	*left = (size_t)(g->done - g->taken);
	if (*left == 0)
		vsm_session_end_stream(s);
	return CCSP_OK;
}

/* ---- 6.8: a caller's key ---- */

ccsp_err ccsp_vsm_external_key_encrypt(ccsp_vsm_session *s, uint32_t alg, const uint8_t *key, size_t keylen,
                                       const uint8_t *iv, const uint8_t *in, size_t len, uint8_t *out)
{
	ccsp_err ret = vsm_ready(s->vsm);
	if (ret != CCSP_OK)
		return ret;
	return key == NULL ? CCSP_ERR_ARG : vsm_sm4_crypt(key, keylen, alg, 1, iv, in, len, out);
}

ccsp_err ccsp_vsm_external_key_decrypt(ccsp_vsm_session *s, uint32_t alg, const uint8_t *key, size_t keylen,
                                       const uint8_t *iv, const uint8_t *in, size_t len, uint8_t *out)
{
	ccsp_err ret = vsm_ready(s->vsm);
	if (ret != CCSP_OK)
		return ret;
	return key == NULL ? CCSP_ERR_ARG : vsm_sm4_crypt(key, keylen, alg, 0, iv, in, len, out);
}

ccsp_err ccsp_vsm_external_key_encrypt_init(ccsp_vsm_session *s, uint32_t alg, const uint8_t *key, size_t keylen,
                                            const uint8_t *iv)
{
	return ext_cipher_init(s, VSM_STREAM_ENCRYPT, alg, key, keylen, iv);
}

ccsp_err ccsp_vsm_external_key_decrypt_init(ccsp_vsm_session *s, uint32_t alg, const uint8_t *key, size_t keylen,
                                            const uint8_t *iv)
{
	return ext_cipher_init(s, VSM_STREAM_DECRYPT, alg, key, keylen, iv);
}

ccsp_err ccsp_vsm_external_key_hmac_init(ccsp_vsm_session *s, uint32_t alg, const uint8_t *key, size_t keylen)
{
	ccsp_err ret = stream_begin(s);
	if (ret == CCSP_OK && alg != SGD_SM3)
		ret = CCSP_ERR_UNSUPPORTED;
	if (ret == CCSP_OK && (key == NULL || keylen == 0))
		ret = CCSP_ERR_KEY_LENGTH;
	if (ret == CCSP_OK)
		ret = ccsp_hmac_sm3_init(&s->st.hmac, key, keylen);
	if (ret == CCSP_OK)
		s->stream = VSM_STREAM_HMAC;
	else
		vsm_session_end_stream(s);
	return ret;
}

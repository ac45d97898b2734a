/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Symmetric services of the VSM with session keys (GM/T 0018 6.5): SM4 in ECB, CBC, CFB, OFB, CTR and XTS
 * without padding (6.5.2), CBC-MAC, and SM4-GCM authenticated encryption (2023). Keys are expanded per call
 * from the session's key slot and wiped after. The vendor extension's SM4-GCM takes its key from a KEK wrap
 * instead, for one call.
 */
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/sdf.h>
#include <ccsp/sm4.h>

#include "vsm/vsm_internal.h"

/* The session key for handle, required to have bits bits. */
static ccsp_err session_key(ccsp_vsm_session *s, uint64_t handle, uint32_t bits, const vsm_key_slot **out)
{
	ccsp_err ret = vsm_ready(s->vsm);
	if (ret != CCSP_OK)
		return ret;
	const vsm_key_slot *k = vsm_session_key(s, handle);
	if (k == NULL)
		return CCSP_ERR_KEY_NOT_FOUND;
	if (k->bits != bits)
		return CCSP_ERR_KEY_TYPE;
	*out = k;
	return CCSP_OK;
}

static int is_xts(uint32_t alg)
{
	return alg == SGD_SM4_XTS || alg == SGD_SM4_XTS_ALT;
}

static ccsp_err block_mode_crypt(const ccsp_sm4_key *k, uint32_t alg, int enc, const uint8_t iv[16],
                                 const uint8_t *in, size_t len, uint8_t *out)
{
	switch (alg) {
	case SGD_SM4_ECB:
		return enc ? ccsp_sm4_ecb_encrypt(k, in, out, len) : ccsp_sm4_ecb_decrypt(k, in, out, len);
	case SGD_SM4_CBC:
		return enc ? ccsp_sm4_cbc_encrypt(k, iv, in, out, len) : ccsp_sm4_cbc_decrypt(k, iv, in, out, len);
	case SGD_SM4_CFB:
		return enc ? ccsp_sm4_cfb_encrypt(k, iv, in, out, len) : ccsp_sm4_cfb_decrypt(k, iv, in, out, len);
	case SGD_SM4_OFB:
		return ccsp_sm4_ofb_crypt(k, iv, in, out, len);
	case SGD_SM4_CTR:
		return ccsp_sm4_ctr_crypt(k, iv, in, out, len);
	default:
		return CCSP_ERR_UNSUPPORTED;
	}
}

ccsp_err vsm_sm4_crypt(const uint8_t *key, size_t keylen, uint32_t alg, int enc, const uint8_t *iv,
                       const uint8_t *in, size_t len, uint8_t *out)
{
	ccsp_sm4_key k;
	if (alg != SGD_SM4_ECB && iv == NULL)
		return CCSP_ERR_IV_LENGTH;
	if (keylen != (is_xts(alg) ? CCSP_SM4_XTS_KEY_SIZE : CCSP_SM4_KEY_SIZE))
		return CCSP_ERR_KEY_LENGTH;
	if (is_xts(alg))
		return enc ? ccsp_sm4_xts_encrypt(key, iv, in, out, len) : ccsp_sm4_xts_decrypt(key, iv, in, out, len);
	ccsp_err ret = ccsp_sm4_set_key(&k, key, keylen);
	if (ret == CCSP_OK)
		ret = block_mode_crypt(&k, alg, enc, iv, in, len, out);
	ccsp_sm4_key_wipe(&k);
	return ret;
}

static ccsp_err sym_crypt(ccsp_vsm_session *s, uint64_t handle, uint32_t alg, int enc, const uint8_t iv[16],
                          const uint8_t *in, size_t len, uint8_t *out)
{
	const vsm_key_slot *slot;
	ccsp_err ret = session_key(s, handle, is_xts(alg) ? 256 : 128, &slot);
	if (ret != CCSP_OK)
		return ret;
	return vsm_sm4_crypt(slot->key, slot->bits / 8, alg, enc, iv, in, len, out);
}

ccsp_err ccsp_vsm_encrypt(ccsp_vsm_session *s, uint64_t handle, uint32_t alg, const uint8_t iv[16],
                          const uint8_t *in, size_t len, uint8_t *out)
{
	return sym_crypt(s, handle, alg, 1, iv, in, len, out);
}

ccsp_err ccsp_vsm_decrypt(ccsp_vsm_session *s, uint64_t handle, uint32_t alg, const uint8_t iv[16],
                          const uint8_t *in, size_t len, uint8_t *out)
{
	return sym_crypt(s, handle, alg, 0, iv, in, len, out);
}

ccsp_err ccsp_vsm_mac(ccsp_vsm_session *s, uint64_t handle, uint32_t alg, const uint8_t iv[16], const uint8_t *in,
                      size_t len, uint8_t mac[16])
{
	const vsm_key_slot *slot;
	ccsp_sm4_key k;
	if (alg != SGD_SM4_MAC && alg != SGD_SM4_CBC)
		return CCSP_ERR_UNSUPPORTED;
	ccsp_err ret = session_key(s, handle, 128, &slot);
	if (ret != CCSP_OK)
		return ret;
	if (iv == NULL)
		return CCSP_ERR_IV_LENGTH;
	ret = ccsp_sm4_set_key(&k, slot->key, 16);
	if (ret == CCSP_OK)
		ret = ccsp_sm4_cbc_mac(&k, iv, in, len, mac);
	ccsp_sm4_key_wipe(&k);
	return ret;
}

ccsp_err ccsp_vsm_auth_enc(ccsp_vsm_session *s, uint64_t handle, uint32_t alg, const uint8_t *iv, size_t ivlen,
                           const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len, uint8_t *out,
                           uint8_t tag[16])
{
	const vsm_key_slot *slot;
	ccsp_sm4_key k;
	if (alg != SGD_SM4_GCM)
		return CCSP_ERR_UNSUPPORTED;
	ccsp_err ret = session_key(s, handle, 128, &slot);
	if (ret != CCSP_OK)
		return ret;
	ret = ccsp_sm4_set_key(&k, slot->key, 16);
	if (ret == CCSP_OK)
		ret = ccsp_sm4_gcm_encrypt(&k, iv, ivlen, aad, aadlen, in, out, len, tag);
	ccsp_sm4_key_wipe(&k);
	return ret;
}

ccsp_err ccsp_vsm_auth_dec(ccsp_vsm_session *s, uint64_t handle, uint32_t alg, const uint8_t *iv, size_t ivlen,
                           const uint8_t *aad, size_t aadlen, const uint8_t *tag, size_t taglen, const uint8_t *in,
                           size_t len, uint8_t *out)
{
	const vsm_key_slot *slot;
	ccsp_sm4_key k;
	if (alg != SGD_SM4_GCM)
		return CCSP_ERR_UNSUPPORTED;
	if (taglen != CCSP_SM4_GCM_TAG_SIZE)
		return CCSP_ERR_ARG;
	ccsp_err ret = session_key(s, handle, 128, &slot);
	if (ret != CCSP_OK)
		return ret;
	ret = ccsp_sm4_set_key(&k, slot->key, 16);
	if (ret == CCSP_OK)
		ret = ccsp_sm4_gcm_decrypt(&k, iv, ivlen, aad, aadlen, in, out, len, tag);
	ccsp_sm4_key_wipe(&k);
	return ret;
}

/* ---- SM4-GCM with a KEK-wrapped key (vendor extension) ---- */

/* One SM4-GCM operation with the SM4 key of a wrap: encrypt when tag_out is set, else decrypt against tag_in. */
static ccsp_err kek_gcm(ccsp_vsm_session *s, uint32_t kek_index, const uint8_t *wrapped, size_t wlen,
                        const uint8_t *iv, const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len,
                        uint8_t *out, uint8_t *tag_out, const uint8_t *tag_in)
{
	uint8_t key[CCSP_VSM_SESSION_KEY_MAX];
	size_t keylen = 0;
	ccsp_sm4_key k;
	memset(&k, 0, sizeof k);
	ccsp_err ret = vsm_key_unwrap_kek(s, kek_index, wrapped, wlen, key, &keylen);
	if (ret == CCSP_OK && keylen != CCSP_SM4_KEY_SIZE)
		ret = CCSP_ERR_KEY_TYPE; /* a 256-bit key (SM4-XTS, HMAC): what auth_enc says of such a session key */
	if (ret == CCSP_OK)
		ret = ccsp_sm4_set_key(&k, key, CCSP_SM4_KEY_SIZE);
	if (ret == CCSP_OK && tag_out != NULL)
		ret = ccsp_sm4_gcm_encrypt(&k, iv, CCSP_VSM_KEK_GCM_IV_SIZE, aad, aadlen, in, out, len, tag_out);
	if (ret == CCSP_OK && tag_out == NULL)
		ret = ccsp_sm4_gcm_decrypt(&k, iv, CCSP_VSM_KEK_GCM_IV_SIZE, aad, aadlen, in, out, len, tag_in);
	ccsp_sm4_key_wipe(&k);
	ccsp_memzero(key, sizeof key);
	return ret;
}

ccsp_err ccsp_vsm_auth_enc_kek(ccsp_vsm_session *s, uint32_t kek_index, const uint8_t *wrapped, size_t wlen,
                               const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len,
                               uint8_t iv[CCSP_VSM_KEK_GCM_IV_SIZE], uint8_t *out, uint8_t tag[16])
{
	if (iv == NULL || tag == NULL)
		return CCSP_ERR_ARG;
	ccsp_err ret = ccsp_vsm_random(s, iv, CCSP_VSM_KEK_GCM_IV_SIZE);
	return ret != CCSP_OK ? ret : kek_gcm(s, kek_index, wrapped, wlen, iv, aad, aadlen, in, len, out, tag, NULL);
}

ccsp_err ccsp_vsm_auth_dec_kek(ccsp_vsm_session *s, uint32_t kek_index, const uint8_t *wrapped, size_t wlen,
                               const uint8_t iv[CCSP_VSM_KEK_GCM_IV_SIZE], const uint8_t *aad, size_t aadlen,
                               const uint8_t tag[16], const uint8_t *in, size_t len, uint8_t *out)
{
	if (iv == NULL || tag == NULL)
		return CCSP_ERR_ARG;
	return kek_gcm(s, kek_index, wrapped, wlen, iv, aad, aadlen, in, len, out, NULL, tag);
}

/* ---- hash and HMAC: one multi-part operation per session ---- */

ccsp_err ccsp_vsm_hash_init(ccsp_vsm_session *s, uint32_t alg, const uint8_t *pub, const uint8_t *id, size_t idlen)
{
	uint8_t z[32];
	ccsp_sm2_key *k = NULL;
	ccsp_err ret = vsm_ready(s->vsm);
	if (ret != CCSP_OK)
		return ret;
	if (alg != SGD_SM3)
		return CCSP_ERR_UNSUPPORTED;
	if (idlen > CCSP_SM2_MAX_ID_LEN || (idlen > 0 && (pub == NULL || id == NULL)))
		return CCSP_ERR_ARG;
	vsm_session_end_stream(s);
	ret = ccsp_sm3_init(&s->st.sm3);
	if (ret == CCSP_OK && idlen > 0) { /* GB/T 35276 pre-processing 1: hash Z first */
		k = ccsp_sm2_key_new();
		ret = k == NULL ? CCSP_ERR_NOMEM : ccsp_sm2_key_set_public(k, pub, 64);
		if (ret == CCSP_OK)
			ret = ccsp_sm2_compute_z(k, id, idlen, z);
		if (ret == CCSP_OK)
			ret = ccsp_sm3_update(&s->st.sm3, z, sizeof z);
	}
	ccsp_sm2_key_free(k);
	if (ret == CCSP_OK)
		s->stream = VSM_STREAM_HASH;
	else
		vsm_session_end_stream(s);
	return ret;
}

ccsp_err ccsp_vsm_hash_update(ccsp_vsm_session *s, const uint8_t *in, size_t len)
{
	if (s->stream != VSM_STREAM_HASH)
		return CCSP_ERR_STATE;
	ccsp_err ret = ccsp_sm3_update(&s->st.sm3, in, len);
	if (ret != CCSP_OK)
		vsm_session_end_stream(s);
	return ret;
}

ccsp_err ccsp_vsm_hash_final(ccsp_vsm_session *s, uint8_t out[32])
{
	if (s->stream != VSM_STREAM_HASH)
		return CCSP_ERR_STATE;
	ccsp_err ret = ccsp_sm3_final(&s->st.sm3, out);
	vsm_session_end_stream(s);
	return ret;
}

ccsp_err ccsp_vsm_hmac_init(ccsp_vsm_session *s, uint64_t handle, uint32_t alg)
{
	const vsm_key_slot *slot = NULL;
	ccsp_err ret = vsm_ready(s->vsm);
	if (ret != CCSP_OK)
		return ret;
	if (alg != SGD_SM3)
		return CCSP_ERR_UNSUPPORTED;
	slot = vsm_session_key(s, handle);
	if (slot == NULL)
		return CCSP_ERR_KEY_NOT_FOUND;
	vsm_session_end_stream(s);
	ret = ccsp_hmac_sm3_init(&s->st.hmac, slot->key, slot->bits / 8);
	if (ret == CCSP_OK)
		s->stream = VSM_STREAM_HMAC;
	return ret;
}

ccsp_err ccsp_vsm_hmac_update(ccsp_vsm_session *s, const uint8_t *in, size_t len)
{
	if (s->stream != VSM_STREAM_HMAC)
		return CCSP_ERR_STATE;
	ccsp_err ret = ccsp_hmac_sm3_update(&s->st.hmac, in, len);
	if (ret != CCSP_OK)
		vsm_session_end_stream(s);
	return ret;
}

ccsp_err ccsp_vsm_hmac_final(ccsp_vsm_session *s, uint8_t out[32])
{
	if (s->stream != VSM_STREAM_HMAC)
		return CCSP_ERR_STATE;
	ccsp_err ret = ccsp_hmac_sm3_final(&s->st.hmac, out);
	vsm_session_end_stream(s);
	return ret;
}

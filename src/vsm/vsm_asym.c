/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SM2 services of the VSM (GM/T 0018 6.3 public-key export, 6.4 asymmetric operations, 6.8 validation
 * functions). Internal private keys are used only inside the keystore (ccsp_vsm_keystore_with_sm2) and only
 * by a session holding the index's access right. Signatures take the digest e = SM3(Z || M).
 * Wire forms: public key x||y (64), ciphertext x1||y1||C3||C2: the core's C1C3C2 without the 04 byte.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>
#include <ccsp/sdf.h>

#include "vsm/vsm_internal.h"

#define CT_OVERHEAD 96 /* x1, y1, C3 */

ccsp_err vsm_require_right(ccsp_vsm_session *s, uint32_t index)
{
	ccsp_err ret = vsm_ready(s->vsm);
	if (ret != CCSP_OK)
		return ret;
	if (index < 1 || index > s->vsm->lim.max_index)
		return CCSP_ERR_ARG;
	if (!vsm_session_has_right(s, index)) {
		ccsp_vsm_audit_event(s->vsm, "access.denied", "index=%u", index);
		return CCSP_ERR_ACCESS_DENIED;
	}
	return CCSP_OK;
}

/* A public-key object from the wire form x||y. */
static ccsp_err public_from_wire(const uint8_t pub[64], ccsp_sm2_key **out)
{
	ccsp_sm2_key *k = ccsp_sm2_key_new();
	if (k == NULL)
		return CCSP_ERR_NOMEM;
	ccsp_err ret = ccsp_sm2_key_set_public(k, pub, 64);
	if (ret != CCSP_OK) {
		ccsp_sm2_key_free(k);
		return ret;
	}
	*out = k;
	return CCSP_OK;
}

/* The session's object for a caller's public key x||y: setting a public key builds its multiplication table and
 * Z, as costly as a verification, so the last one is kept (applications verify many signatures of one key). */
static ccsp_err session_public(ccsp_vsm_session *s, const uint8_t pub[64], const ccsp_sm2_key **out)
{
	if (s->ext_pub == NULL || memcmp(s->ext_pub_raw, pub, 64) != 0) {
		ccsp_sm2_key *k = NULL;
		ccsp_err ret = public_from_wire(pub, &k);
		if (ret != CCSP_OK)
			return ret;
		ccsp_sm2_key_free(s->ext_pub);
		s->ext_pub = k;
		memcpy(s->ext_pub_raw, pub, 64);
	}
	*out = s->ext_pub;
	return CCSP_OK;
}

/* Encrypt msg to key, writing the wire form (msglen + 96 bytes) to out. */
static ccsp_err encrypt_to_wire(const ccsp_sm2_key *key, const uint8_t *msg, size_t msglen, uint8_t *out)
{
	if (msg == NULL || msglen == 0 || msglen > CCSP_VSM_SM2_PLAIN_MAX)
		return CCSP_ERR_DATA_LENGTH;
	size_t cap = msglen + CCSP_SM2_CIPHERTEXT_OVERHEAD, len;
	uint8_t *ct = malloc(cap);
	if (ct == NULL)
		return CCSP_ERR_NOMEM;
	ccsp_err ret = ccsp_sm2_encrypt(key, CCSP_SM2_C1C3C2, msg, msglen, ct, cap, &len);
	if (ret == CCSP_OK)
		memcpy(out, ct + 1, len - 1);
	free(ct);
	return ret;
}

/* Decrypt the wire form with key into out (ctlen - 96 bytes). */
static ccsp_err decrypt_from_wire(const ccsp_sm2_key *key, const uint8_t *ct, size_t ctlen, uint8_t *out)
{
	if (ct == NULL || ctlen <= CT_OVERHEAD || ctlen - CT_OVERHEAD > CCSP_VSM_SM2_PLAIN_MAX)
		return CCSP_ERR_DATA_LENGTH;
	uint8_t *full = malloc(ctlen + 1);
	size_t len;
	if (full == NULL)
		return CCSP_ERR_NOMEM;
	full[0] = 0x04;
	memcpy(full + 1, ct, ctlen);
	ccsp_err ret = ccsp_sm2_decrypt(key, CCSP_SM2_C1C3C2, full, ctlen + 1, out, ctlen - CT_OVERHEAD, &len);
	free(full);
	return ret;
}

ccsp_err ccsp_vsm_export_public(ccsp_vsm_session *s, ccsp_vsm_key_kind kind, uint32_t index, uint8_t pub[64])
{
	uint8_t point[CCSP_SM2_POINT_SIZE];
	ccsp_err ret = vsm_ready(s->vsm);
	if (ret != CCSP_OK)
		return ret;
	if (kind != CCSP_VSM_KEY_SIGN && kind != CCSP_VSM_KEY_ENC)
		return CCSP_ERR_KEY_TYPE;
	ret = ccsp_vsm_keystore_public(s->vsm->ks, kind, index, point);
	if (ret == CCSP_OK)
		memcpy(pub, point + 1, 64);
	return ret;
}

/* ---- operations run with a keystore key ---- */

typedef struct sm2_job {
	const uint8_t *in;
	size_t inlen;
	const uint8_t *sig; /* verify */
	uint8_t *out;
} sm2_job;

static ccsp_err job_verify(const ccsp_sm2_key *key, void *arg)
{
	sm2_job *j = arg;
	return ccsp_sm2_verify_digest(key, j->in, j->sig);
}

static ccsp_err job_encrypt(const ccsp_sm2_key *key, void *arg)
{
	sm2_job *j = arg;
	return encrypt_to_wire(key, j->in, j->inlen, j->out);
}

static ccsp_err job_decrypt(const ccsp_sm2_key *key, void *arg)
{
	sm2_job *j = arg;
	return decrypt_from_wire(key, j->in, j->inlen, j->out);
}

ccsp_err ccsp_vsm_internal_sign(ccsp_vsm_session *s, uint32_t index, const uint8_t e[32], uint8_t sig[64])
{
	ccsp_err ret = vsm_require_right(s, index);
	if (ret != CCSP_OK)
		return ret;
	return ccsp_vsm_keystore_sign(s->vsm->ks, index, e, sig);
}

ccsp_err ccsp_vsm_internal_verify(ccsp_vsm_session *s, uint32_t index, const uint8_t e[32], const uint8_t sig[64])
{
	sm2_job j = {.in = e, .sig = sig};
	ccsp_err ret = vsm_ready(s->vsm);
	if (ret != CCSP_OK)
		return ret;
	return ccsp_vsm_keystore_with_sm2(s->vsm->ks, CCSP_VSM_KEY_SIGN, index, job_verify, &j);
}

ccsp_err ccsp_vsm_internal_encrypt(ccsp_vsm_session *s, uint32_t index, const uint8_t *msg, size_t msglen,
                                   uint8_t *out)
{
	sm2_job j = {.in = msg, .inlen = msglen, .out = out};
	ccsp_err ret = vsm_ready(s->vsm);
	if (ret != CCSP_OK)
		return ret;
	return ccsp_vsm_keystore_with_sm2(s->vsm->ks, CCSP_VSM_KEY_ENC, index, job_encrypt, &j);
}

ccsp_err ccsp_vsm_internal_decrypt(ccsp_vsm_session *s, uint32_t index, const uint8_t *ct, size_t ctlen,
                                   uint8_t *out)
{
	sm2_job j = {.in = ct, .inlen = ctlen, .out = out};
	ccsp_err ret = vsm_require_right(s, index);
	if (ret != CCSP_OK)
		return ret;
	return ccsp_vsm_keystore_with_sm2(s->vsm->ks, CCSP_VSM_KEY_ENC, index, job_decrypt, &j);
}

ccsp_err ccsp_vsm_external_verify(ccsp_vsm_session *s, const uint8_t pub[64], const uint8_t e[32],
                                  const uint8_t sig[64])
{
	const ccsp_sm2_key *k = NULL;
	ccsp_err ret = vsm_ready(s->vsm);
	if (ret == CCSP_OK)
		ret = session_public(s, pub, &k);
	return ret == CCSP_OK ? ccsp_sm2_verify_digest(k, e, sig) : ret;
}

ccsp_err ccsp_vsm_external_encrypt(ccsp_vsm_session *s, const uint8_t pub[64], const uint8_t *msg, size_t msglen,
                                   uint8_t *out)
{
	const ccsp_sm2_key *k = NULL;
	ccsp_err ret = vsm_ready(s->vsm);
	if (ret == CCSP_OK)
		ret = session_public(s, pub, &k);
	return ret == CCSP_OK ? encrypt_to_wire(k, msg, msglen, out) : ret;
}

/* ---- 6.8 validation functions: keys supplied by or returned to the caller ---- */

static ccsp_err private_key(const uint8_t priv[32], ccsp_sm2_key **out)
{
	ccsp_sm2_key *k = ccsp_sm2_key_new();
	if (k == NULL)
		return CCSP_ERR_NOMEM;
	ccsp_err ret = ccsp_sm2_key_set_private(k, priv);
	if (ret != CCSP_OK) {
		ccsp_sm2_key_free(k);
		return ret;
	}
	*out = k;
	return CCSP_OK;
}

ccsp_err ccsp_vsm_generate_key_pair(ccsp_vsm_session *s, uint8_t pub[64], uint8_t priv[32])
{
	uint8_t point[CCSP_SM2_POINT_SIZE];
	ccsp_sm2_key *k = NULL;
	ccsp_err ret = vsm_ready(s->vsm);
	if (ret != CCSP_OK)
		return ret;
	k = ccsp_sm2_key_new();
	if (k == NULL)
		return CCSP_ERR_NOMEM;
	ret = ccsp_sm2_key_generate(k);
	if (ret == CCSP_OK)
		ret = ccsp_sm2_key_get_public(k, point);
	if (ret == CCSP_OK)
		ret = ccsp_sm2_key_get_private(k, priv);
	if (ret == CCSP_OK)
		memcpy(pub, point + 1, 64);
	ccsp_sm2_key_free(k);
	return ret;
}

ccsp_err ccsp_vsm_external_sign(ccsp_vsm_session *s, const uint8_t priv[32], const uint8_t e[32], uint8_t sig[64])
{
	ccsp_sm2_key *k = NULL;
	ccsp_err ret = vsm_ready(s->vsm);
	if (ret == CCSP_OK)
		ret = private_key(priv, &k);
	if (ret == CCSP_OK)
		ret = ccsp_sm2_sign_digest(k, e, sig);
	ccsp_sm2_key_free(k);
	return ret;
}

ccsp_err ccsp_vsm_external_decrypt(ccsp_vsm_session *s, const uint8_t priv[32], const uint8_t *ct, size_t ctlen,
                                   uint8_t *out)
{
	ccsp_sm2_key *k = NULL;
	ccsp_err ret = vsm_ready(s->vsm);
	if (ret == CCSP_OK)
		ret = private_key(priv, &k);
	if (ret == CCSP_OK)
		ret = decrypt_from_wire(k, ct, ctlen, out);
	ccsp_sm2_key_free(k);
	return ret;
}

/* ---- session keys under SM2 keys ---- */

static ccsp_err random_session_key(uint32_t bits, uint8_t key[CCSP_VSM_SESSION_KEY_MAX])
{
	if (bits != 128 && bits != 256)
		return CCSP_ERR_KEY_LENGTH;
	return ccsp_random(key, bits / 8);
}

ccsp_err ccsp_vsm_key_generate_ipk(ccsp_vsm_session *s, uint32_t index, uint32_t bits, uint8_t *ct, size_t *ctlen,
                                   uint64_t *handle)
{
	uint8_t key[CCSP_VSM_SESSION_KEY_MAX];
	ccsp_err ret = random_session_key(bits, key);
	if (ret == CCSP_OK)
		ret = ccsp_vsm_internal_encrypt(s, index, key, bits / 8, ct);
	if (ret == CCSP_OK)
		ret = vsm_session_add_key(s, key, bits / 8, handle);
	if (ret == CCSP_OK)
		*ctlen = bits / 8 + CT_OVERHEAD;
	ccsp_memzero(key, sizeof key);
	return ret;
}

ccsp_err ccsp_vsm_key_generate_epk(ccsp_vsm_session *s, const uint8_t pub[64], uint32_t bits, uint8_t *ct,
                                   size_t *ctlen, uint64_t *handle)
{
	uint8_t key[CCSP_VSM_SESSION_KEY_MAX];
	ccsp_err ret = random_session_key(bits, key);
	if (ret == CCSP_OK)
		ret = ccsp_vsm_external_encrypt(s, pub, key, bits / 8, ct);
	if (ret == CCSP_OK)
		ret = vsm_session_add_key(s, key, bits / 8, handle);
	if (ret == CCSP_OK)
		*ctlen = bits / 8 + CT_OVERHEAD;
	ccsp_memzero(key, sizeof key);
	return ret;
}

ccsp_err ccsp_vsm_key_import_isk(ccsp_vsm_session *s, uint32_t index, const uint8_t *ct, size_t ctlen,
                                 uint64_t *handle)
{
	uint8_t key[CCSP_VSM_SESSION_KEY_MAX];
	if (ctlen != 16 + CT_OVERHEAD && ctlen != 32 + CT_OVERHEAD)
		return CCSP_ERR_KEY_LENGTH;
	ccsp_err ret = ccsp_vsm_internal_decrypt(s, index, ct, ctlen, key);
	if (ret == CCSP_OK)
		ret = vsm_session_add_key(s, key, ctlen - CT_OVERHEAD, handle);
	ccsp_memzero(key, sizeof key);
	return ret;
}

/* ---- session keys under KEKs (GM/T 0018-2023 6.3.16; the sealed form is ccsp's, vsm_wrapped.c) ---- */

ccsp_err ccsp_vsm_key_generate_kek(ccsp_vsm_session *s, uint32_t index, uint32_t bits, uint32_t alg, uint8_t *wrapped,
                                   size_t *wrappedlen, uint64_t *handle)
{
	uint8_t key[CCSP_VSM_SESSION_KEY_MAX];
	size_t wlen = bits / 8;
	if (alg != SGD_SM4_ECB && alg != SGD_SM4_GCM)
		return CCSP_ERR_UNSUPPORTED;
	ccsp_err ret = vsm_ready(s->vsm);
	if (ret == CCSP_OK)
		ret = random_session_key(bits, key);
	if (ret == CCSP_OK && alg == SGD_SM4_ECB)
		ret = ccsp_vsm_keystore_kek_wrap(s->vsm->ks, index, key, wrapped, bits / 8);
	else if (ret == CCSP_OK)
		ret = vsm_secret_wrap(s, index, key, bits / 8, wrapped, &wlen);
	if (ret == CCSP_OK)
		ret = vsm_session_add_key(s, key, bits / 8, handle);
	if (ret == CCSP_OK)
		*wrappedlen = wlen;
	ccsp_memzero(key, sizeof key);
	return ret;
}

ccsp_err ccsp_vsm_key_import_kek(ccsp_vsm_session *s, uint32_t index, uint32_t alg, const uint8_t *wrapped,
                                 size_t wrappedlen, uint64_t *handle)
{
	uint8_t key[CCSP_VSM_SESSION_KEY_MAX];
	size_t keylen = 0;
	if (alg != SGD_SM4_ECB && alg != SGD_SM4_GCM)
		return CCSP_ERR_UNSUPPORTED;
	if ((alg == SGD_SM4_GCM) != vsm_secret_wrap_sealed(wrappedlen))
		return CCSP_ERR_KEY_LENGTH; /* the form alg names, not the other */
	ccsp_err ret = vsm_key_unwrap_kek(s, index, wrapped, wrappedlen, key, &keylen);
	if (ret == CCSP_OK)
		ret = vsm_session_add_key(s, key, keylen, handle);
	ccsp_memzero(key, sizeof key);
	return ret;
}

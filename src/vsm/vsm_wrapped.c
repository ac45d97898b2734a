/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Vendor extension: keys that leave the VSM only sealed by a KEK (vsm.h, docs/sdf.md): SM2 private keys, and secret
 * keys (SM4, HMAC-SM3, SM4-XTS pairs) wrapped with SGD_SM4_GCM. The wrap is authenticated (SM4-GCM under the KEK's
 * AEAD key, vsm_keystore.h) and binds its format version and usage as AAD, so a signing key never decrypts, an
 * encryption key never signs, and an altered wrap is refused instead of being used as some other key. The
 * standard SM4-ECB wrap of session keys (GM/T 0018 6.3.16) is opened here too: it has no integrity, so the KMS
 * makes only sealed ones. Unwrapped material lives only on the caller's stack for one operation, but for signing keys:
 * the keystore opens those itself and keeps them, by the exact wrap and KEK index, in its bounded cache of signing
 * keys (ccsp_vsm_keystore_kek_sign, vsm_wrap_cache.h), so that a KMS key signing again skips the unwrap.
 */
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>

#include "vsm/vsm_internal.h"

/* Layout of a sealed wrap of n bytes of material. The header (version, usage) is the AAD. */
#define W_HDR 2
#define W_IV W_HDR
#define W_CT (W_IV + CCSP_VSM_KEK_AEAD_IV_SIZE)
#define W_TAG(n) (W_CT + (n))
_Static_assert(W_TAG(CCSP_SM2_PRIVATE_KEY_SIZE) + CCSP_VSM_KEK_AEAD_TAG_SIZE == CCSP_VSM_WRAPPED_PAIR_SIZE,
               "wrap layout");
_Static_assert(CCSP_VSM_WRAPPED_SECRET_SIZE(16) == W_TAG(16) + CCSP_VSM_KEK_AEAD_TAG_SIZE, "secret wrap layout");

/* Seal the n bytes of m for usage under the KEK at kek_index with a fresh IV into wrapped (n + 30 bytes). */
static ccsp_err wrap_seal(ccsp_vsm_session *s, uint32_t kek_index, uint8_t usage, const uint8_t *m, size_t n,
                          uint8_t *wrapped)
{
	uint8_t w[CCSP_VSM_WRAPPED_SECRET_SIZE(CCSP_VSM_SESSION_KEY_MAX)];
	w[0] = CCSP_VSM_WRAPPED_VERSION;
	w[1] = usage;
	ccsp_err ret = ccsp_random(w + W_IV, CCSP_VSM_KEK_AEAD_IV_SIZE);
	if (ret == CCSP_OK)
		ret = ccsp_vsm_keystore_kek_seal(s->vsm->ks, kek_index, w + W_IV, w, W_HDR, m, w + W_CT, n,
		                                 w + W_TAG(n));
	if (ret == CCSP_OK)
		memcpy(wrapped, w, CCSP_VSM_WRAPPED_SECRET_SIZE(n));
	ccsp_memzero(w, sizeof w);
	return ret;
}

/* ret of opening a sealed wrap under the KEK at kek_index: a tag that fails (CCSP_ERR_AUTH) is audited as
 * "wrap.refused" and answered CCSP_ERR_KEY. */
static ccsp_err wrap_refused(ccsp_vsm_session *s, uint32_t kek_index, ccsp_err ret)
{
	if (ret == CCSP_ERR_AUTH) {
		ccsp_vsm_audit_event(s->vsm, "wrap.refused", "kek=%u", kek_index);
		ret = CCSP_ERR_KEY;
	}
	return ret;
}

/* Open the sealed wrap w (n + 30 bytes, its header checked by the caller) into m (n bytes). CCSP_ERR_KEY when the
 * tag fails (audited). */
static ccsp_err wrap_open(ccsp_vsm_session *s, uint32_t kek_index, const uint8_t *w, size_t n, uint8_t *m)
{
	ccsp_err ret =
	        ccsp_vsm_keystore_kek_open(s->vsm->ks, kek_index, w + W_IV, w, W_HDR, w + W_CT, m, n, w + W_TAG(n));
	return wrap_refused(s, kek_index, ret);
}

static int usage_ok(ccsp_vsm_key_kind usage)
{
	return usage == CCSP_VSM_KEY_SIGN || usage == CCSP_VSM_KEY_ENC;
}

ccsp_err vsm_pair_wrap(ccsp_vsm_session *s, uint32_t kek_index, ccsp_vsm_key_kind usage,
                       const uint8_t d[CCSP_SM2_PRIVATE_KEY_SIZE], uint8_t wrapped[CCSP_VSM_WRAPPED_PAIR_SIZE])
{
	if (!usage_ok(usage))
		return CCSP_ERR_ARG;
	return wrap_seal(s, kek_index, (uint8_t)usage, d, CCSP_SM2_PRIVATE_KEY_SIZE, wrapped);
}

ccsp_err ccsp_vsm_pair_generate_kek(ccsp_vsm_session *s, uint32_t kek_index, ccsp_vsm_key_kind usage, uint8_t pub[64],
                                    uint8_t wrapped[CCSP_VSM_WRAPPED_PAIR_SIZE])
{
	uint8_t d[CCSP_SM2_PRIVATE_KEY_SIZE];
	ccsp_err ret = CCSP_ERR_ARG;

	if (pub == NULL || wrapped == NULL || !usage_ok(usage))
		return CCSP_ERR_ARG;
	ret = ccsp_vsm_generate_key_pair(s, pub, d); /* vsm_ready; ccsp_sm2_key_generate's pairwise test */
	if (ret == CCSP_OK)
		ret = vsm_pair_wrap(s, kek_index, usage, d, wrapped);
	if (ret != CCSP_OK)
		ccsp_memzero(pub, 64);
	ccsp_memzero(d, sizeof d);
	return ret;
}

/* vsm_ready, then w (wlen bytes) a pair wrap of this format for usage: CCSP_ERR_KEY when malformed,
 * CCSP_ERR_KEY_TYPE for the other usage (a clear answer; a forged usage byte would fail the tag anyway). */
static ccsp_err pair_wrap_check(ccsp_vsm_session *s, ccsp_vsm_key_kind usage, const uint8_t *w, size_t wlen)
{
	ccsp_err ret = vsm_ready(s->vsm);
	if (ret != CCSP_OK)
		return ret;
	if (w == NULL || wlen != CCSP_VSM_WRAPPED_PAIR_SIZE || w[0] != CCSP_VSM_WRAPPED_VERSION || !usage_ok(w[1]))
		return CCSP_ERR_KEY;
	return w[1] == usage ? CCSP_OK : CCSP_ERR_KEY_TYPE;
}

ccsp_err vsm_pair_unwrap(ccsp_vsm_session *s, uint32_t kek_index, ccsp_vsm_key_kind usage, const uint8_t *w,
                         size_t wlen, uint8_t d[CCSP_SM2_PRIVATE_KEY_SIZE])
{
	ccsp_err ret = pair_wrap_check(s, usage, w, wlen);
	return ret != CCSP_OK ? ret : wrap_open(s, kek_index, w, CCSP_SM2_PRIVATE_KEY_SIZE, d);
}

/* The keystore opens the wrap and keeps its key for the next signature (ccsp_vsm_keystore_kek_sign). */
ccsp_err ccsp_vsm_pair_sign_kek(ccsp_vsm_session *s, uint32_t kek_index, const uint8_t *wrapped, size_t wlen,
                                const uint8_t e[32], uint8_t sig[64])
{
	if (e == NULL || sig == NULL)
		return CCSP_ERR_ARG;
	ccsp_err ret = pair_wrap_check(s, CCSP_VSM_KEY_SIGN, wrapped, wlen);
	if (ret == CCSP_OK)
		ret = ccsp_vsm_keystore_kek_sign(s->vsm->ks, kek_index, wrapped + W_IV, wrapped, W_HDR, wrapped + W_CT,
		                                 wrapped + W_TAG(CCSP_SM2_PRIVATE_KEY_SIZE), e, sig);
	return wrap_refused(s, kek_index, ret);
}

ccsp_err ccsp_vsm_pair_decrypt_kek(ccsp_vsm_session *s, uint32_t kek_index, const uint8_t *wrapped, size_t wlen,
                                   const uint8_t *ct, size_t ctlen, uint8_t *out)
{
	uint8_t d[CCSP_SM2_PRIVATE_KEY_SIZE];
	ccsp_err ret = CCSP_ERR_ARG;

	if (out == NULL)
		goto out;
	ret = vsm_pair_unwrap(s, kek_index, CCSP_VSM_KEY_ENC, wrapped, wlen, d);
	if (ret == CCSP_OK)
		ret = ccsp_vsm_external_decrypt(s, d, ct, ctlen, out);
out:
	ccsp_memzero(d, sizeof d);
	return ret;
}

/* ---- secret keys under a KEK ---- */

ccsp_err vsm_secret_wrap(ccsp_vsm_session *s, uint32_t kek_index, const uint8_t *key, size_t keylen,
                         uint8_t wrapped[CCSP_VSM_WRAPPED_SECRET_MAX], size_t *wlen)
{
	if (keylen != 16 && keylen != 32)
		return CCSP_ERR_KEY_LENGTH;
	ccsp_err ret = wrap_seal(s, kek_index, CCSP_VSM_WRAP_SECRET, key, keylen, wrapped);
	if (ret == CCSP_OK)
		*wlen = CCSP_VSM_WRAPPED_SECRET_SIZE(keylen);
	return ret;
}

int vsm_secret_wrap_sealed(size_t wlen)
{
	return wlen == CCSP_VSM_WRAPPED_SECRET_SIZE(16) || wlen == CCSP_VSM_WRAPPED_SECRET_SIZE(32);
}

ccsp_err vsm_key_unwrap_kek(ccsp_vsm_session *s, uint32_t index, const uint8_t *wrapped, size_t wrappedlen,
                            uint8_t key[CCSP_VSM_SESSION_KEY_MAX], size_t *keylen)
{
	ccsp_err ret = vsm_ready(s->vsm);
	if (ret != CCSP_OK)
		return ret;
	if (wrappedlen == 16 || wrappedlen == 32) { /* the standard SM4-ECB wrap */
		ret = ccsp_vsm_keystore_kek_unwrap(s->vsm->ks, index, wrapped, key, wrappedlen);
		*keylen = wrappedlen;
		return ret;
	}
	if (!vsm_secret_wrap_sealed(wrappedlen))
		return CCSP_ERR_KEY_LENGTH;
	if (wrapped[0] != CCSP_VSM_WRAPPED_VERSION || wrapped[1] != CCSP_VSM_WRAP_SECRET)
		return CCSP_ERR_KEY; /* a pair's wrap, or another version */
	*keylen = wrappedlen - CCSP_VSM_WRAPPED_SECRET_SIZE(0);
	return wrap_open(s, index, wrapped, *keylen, key);
}

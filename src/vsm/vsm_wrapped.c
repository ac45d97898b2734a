/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Vendor extension: SM2 key pairs whose private key leaves the VSM only sealed by a KEK (vsm.h, docs/sdf.md).
 * The wrap is authenticated (SM4-GCM under the KEK's AEAD key, vsm_keystore.h) and binds its format version and
 * usage as AAD, so a signing key never decrypts, an encryption key never signs, and an altered wrap is refused
 * instead of being used as some other key. The unwrapped scalar lives only on this stack for one operation.
 */
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>

#include "vsm/vsm_internal.h"

/* Layout of a wrap. The header (version, usage) is the AAD. */
#define W_HDR 2
#define W_IV W_HDR
#define W_CT (W_IV + CCSP_VSM_KEK_AEAD_IV_SIZE)
#define W_TAG (W_CT + CCSP_SM2_PRIVATE_KEY_SIZE)
_Static_assert(W_TAG + CCSP_VSM_KEK_AEAD_TAG_SIZE == CCSP_VSM_WRAPPED_PAIR_SIZE, "wrap layout");

static int usage_ok(ccsp_vsm_key_kind usage)
{
	return usage == CCSP_VSM_KEY_SIGN || usage == CCSP_VSM_KEY_ENC;
}

ccsp_err vsm_pair_wrap(ccsp_vsm_session *s, uint32_t kek_index, ccsp_vsm_key_kind usage,
                       const uint8_t d[CCSP_SM2_PRIVATE_KEY_SIZE], uint8_t wrapped[CCSP_VSM_WRAPPED_PAIR_SIZE])
{
	uint8_t w[CCSP_VSM_WRAPPED_PAIR_SIZE];
	if (!usage_ok(usage))
		return CCSP_ERR_ARG;
	w[0] = CCSP_VSM_WRAPPED_VERSION;
	w[1] = (uint8_t)usage;
	ccsp_err ret = ccsp_random(w + W_IV, CCSP_VSM_KEK_AEAD_IV_SIZE);
	if (ret == CCSP_OK)
		ret = ccsp_vsm_keystore_kek_seal(s->vsm->ks, kek_index, w + W_IV, w, W_HDR, d, w + W_CT,
		                                 CCSP_SM2_PRIVATE_KEY_SIZE, w + W_TAG);
	if (ret == CCSP_OK)
		memcpy(wrapped, w, sizeof w);
	ccsp_memzero(w, sizeof w);
	return ret;
}

ccsp_err ccsp_vsm_pair_generate_kek(ccsp_vsm_session *s, uint32_t kek_index, ccsp_vsm_key_kind usage,
                                    uint8_t pub[64], uint8_t wrapped[CCSP_VSM_WRAPPED_PAIR_SIZE])
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

ccsp_err vsm_pair_unwrap(ccsp_vsm_session *s, uint32_t kek_index, ccsp_vsm_key_kind usage, const uint8_t *w,
                         size_t wlen, uint8_t d[CCSP_SM2_PRIVATE_KEY_SIZE])
{
	ccsp_err ret = vsm_ready(s->vsm);
	if (ret != CCSP_OK)
		return ret;
	if (w == NULL || wlen != CCSP_VSM_WRAPPED_PAIR_SIZE || w[0] != CCSP_VSM_WRAPPED_VERSION || !usage_ok(w[1]))
		return CCSP_ERR_KEY;
	if (w[1] != usage)
		return CCSP_ERR_KEY_TYPE; /* a clear answer; a forged usage byte would fail the tag below anyway */
	ret = ccsp_vsm_keystore_kek_open(s->vsm->ks, kek_index, w + W_IV, w, W_HDR, w + W_CT, d,
	                                 CCSP_SM2_PRIVATE_KEY_SIZE, w + W_TAG);
	if (ret == CCSP_ERR_AUTH) {
		ccsp_vsm_audit_event(s->vsm, "wrap.refused", "kek=%u", kek_index);
		ret = CCSP_ERR_KEY;
	}
	return ret;
}

ccsp_err ccsp_vsm_pair_sign_kek(ccsp_vsm_session *s, uint32_t kek_index, const uint8_t *wrapped, size_t wlen,
                                const uint8_t e[32], uint8_t sig[64])
{
	uint8_t d[CCSP_SM2_PRIVATE_KEY_SIZE];
	ccsp_err ret = CCSP_ERR_ARG;

	if (e == NULL || sig == NULL)
		goto out;
	ret = vsm_pair_unwrap(s, kek_index, CCSP_VSM_KEY_SIGN, wrapped, wlen, d);
	if (ret == CCSP_OK)
		ret = ccsp_vsm_external_sign(s, d, e, sig);
out:
	ccsp_memzero(d, sizeof d);
	return ret;
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

/* SPDX-License-Identifier: Apache-2.0 */
/* The KMS's first backend: the platform VSM through libsdf (kms_vsm.h, pvsm.h). */
#include "platform/kms_vsm.h"

_Static_assert(CCSP_KMS_IV_SIZE == CCSP_PVSM_GCM_IV_SIZE && CCSP_KMS_TAG_SIZE == CCSP_PVSM_GCM_TAG_SIZE,
               "the KMS's GCM sizes are the VSM's");

static ccsp_err pv_generate(void *ctx, uint32_t kek_index, ccsp_kms_wrapped *out)
{
	ccsp_pvsm *p = ctx;
	if (p == NULL)
		return CCSP_ERR_MODULE_STATE;
	out->kek_index = kek_index;
	return ccsp_pvsm_key_generate(p, kek_index, out->bytes, &out->len);
}

static ccsp_err pv_encrypt(void *ctx, const ccsp_kms_wrapped *key, const uint8_t *aad, size_t aadlen,
                           const uint8_t *in, size_t len, uint8_t iv[CCSP_KMS_IV_SIZE], uint8_t *out,
                           uint8_t tag[CCSP_KMS_TAG_SIZE])
{
	ccsp_pvsm *p = ctx;
	if (p == NULL)
		return CCSP_ERR_MODULE_STATE;
	return ccsp_pvsm_key_encrypt(p, key->kek_index, key->bytes, key->len, aad, aadlen, in, len, iv, out, tag);
}

static ccsp_err pv_decrypt(void *ctx, const ccsp_kms_wrapped *key, const uint8_t *aad, size_t aadlen,
                           const uint8_t iv[CCSP_KMS_IV_SIZE], const uint8_t *in, size_t len,
                           const uint8_t tag[CCSP_KMS_TAG_SIZE], uint8_t *out)
{
	ccsp_pvsm *p = ctx;
	if (p == NULL)
		return CCSP_ERR_MODULE_STATE;
	return ccsp_pvsm_key_decrypt(p, key->kek_index, key->bytes, key->len, aad, aadlen, iv, in, len, tag, out);
}

static const ccsp_kms_vsm_ops platform_ops = {
	.generate = pv_generate,
	.encrypt = pv_encrypt,
	.decrypt = pv_decrypt,
};

void ccsp_kms_vsm_platform(ccsp_kms_vsm *v, ccsp_pvsm *p, uint32_t kek_index)
{
	*v = (ccsp_kms_vsm){.ops = &platform_ops, .ctx = p, .kek_index = kek_index};
}

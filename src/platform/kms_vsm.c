/* SPDX-License-Identifier: Apache-2.0 */
/* The KMS's backend on one VSM through libsdf (kms_vsm.h, pvsm.h). */
#include "platform/kms_vsm.h"

_Static_assert(CCSP_KMS_IV_SIZE == CCSP_PVSM_GCM_IV_SIZE && CCSP_KMS_TAG_SIZE == CCSP_PVSM_GCM_TAG_SIZE,
               "the KMS's GCM sizes are the VSM's");

static ccsp_err pv_generate(void *ctx, ccsp_kms_spec spec, uint32_t kek_index, ccsp_kms_wrapped *out,
                            uint8_t pub[CCSP_KMS_PUBLIC_SIZE])
{
	ccsp_pvsm *p = ctx;
	if (p == NULL)
		return CCSP_ERR_MODULE_STATE;
	out->kek_index = kek_index;
	switch (spec) {
	case CCSP_KMS_SPEC_SM4:
	case CCSP_KMS_SPEC_SM4_MAC:
		return ccsp_pvsm_key_generate(p, kek_index, out->bytes, &out->len);
	case CCSP_KMS_SPEC_HMAC_SM3:
		return ccsp_pvsm_hmac_key_generate(p, kek_index, out->bytes, &out->len);
	case CCSP_KMS_SPEC_SM2_SIGN:
	case CCSP_KMS_SPEC_SM2_ENC:
		return ccsp_pvsm_pair_generate(p, kek_index,
		                               spec == CCSP_KMS_SPEC_SM2_SIGN ? CCSP_PVSM_PAIR_SIGN : CCSP_PVSM_PAIR_ENC, pub,
		                               out->bytes, &out->len);
	default:
		return CCSP_ERR_ARG;
	}
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

static ccsp_err pv_mac(void *ctx, ccsp_kms_spec spec, const ccsp_kms_wrapped *key, const uint8_t *in, size_t len,
                       uint8_t mac[32], size_t *maclen)
{
	ccsp_pvsm *p = ctx;
	if (p == NULL)
		return CCSP_ERR_MODULE_STATE;
	if (spec != CCSP_KMS_SPEC_SM4_MAC && spec != CCSP_KMS_SPEC_HMAC_SM3)
		return CCSP_ERR_ARG;
	return ccsp_pvsm_key_mac(p, key->kek_index, key->bytes, key->len,
	                         spec == CCSP_KMS_SPEC_SM4_MAC ? CCSP_PVSM_MAC_SM4_CBC : CCSP_PVSM_MAC_HMAC_SM3, in, len,
	                         mac, maclen);
}

static ccsp_err pv_sign(void *ctx, const ccsp_kms_wrapped *key, const uint8_t e[32], uint8_t sig[64])
{
	ccsp_pvsm *p = ctx;
	if (p == NULL)
		return CCSP_ERR_MODULE_STATE;
	return ccsp_pvsm_pair_sign(p, key->kek_index, key->bytes, key->len, e, sig);
}

static ccsp_err pv_asym_decrypt(void *ctx, const ccsp_kms_wrapped *key, const uint8_t *ct, size_t ctlen,
                                uint8_t *out, size_t *outlen)
{
	ccsp_pvsm *p = ctx;
	if (p == NULL)
		return CCSP_ERR_MODULE_STATE;
	return ccsp_pvsm_pair_decrypt(p, key->kek_index, key->bytes, key->len, ct, ctlen, out, outlen);
}

/* The pvsm.h material kind of a key of spec (0 for none). */
static int material_of(ccsp_kms_spec spec)
{
	switch (spec) {
	case CCSP_KMS_SPEC_SM4:
	case CCSP_KMS_SPEC_SM4_MAC:
		return CCSP_PVSM_MATERIAL_SM4;
	case CCSP_KMS_SPEC_HMAC_SM3:
		return CCSP_PVSM_MATERIAL_HMAC;
	case CCSP_KMS_SPEC_SM2_SIGN:
		return CCSP_PVSM_MATERIAL_SM2_SIGN;
	case CCSP_KMS_SPEC_SM2_ENC:
		return CCSP_PVSM_MATERIAL_SM2_ENC;
	default:
		return 0;
	}
}

static ccsp_err pv_import(void *ctx, ccsp_kms_spec spec, uint32_t kek_index, const ccsp_kms_wrapped *import_key,
                          const uint8_t *sym_ct, size_t sym_ctlen, const uint8_t enc_private[32],
                          const uint8_t pub[CCSP_KMS_PUBLIC_SIZE], ccsp_kms_wrapped *out)
{
	ccsp_pvsm *p = ctx;
	if (p == NULL)
		return CCSP_ERR_MODULE_STATE;
	if (material_of(spec) == 0)
		return CCSP_ERR_ARG;
	out->kek_index = kek_index;
	return ccsp_pvsm_key_import(p, kek_index, import_key->bytes, import_key->len, material_of(spec), sym_ct,
	                            sym_ctlen, enc_private, pub, out->bytes, &out->len);
}

static ccsp_err pv_export(void *ctx, ccsp_kms_spec spec, const ccsp_kms_wrapped *key,
                          const uint8_t recipient[CCSP_KMS_PUBLIC_SIZE], uint8_t *ct, size_t *ctlen,
                          uint8_t enc_private[32])
{
	ccsp_pvsm *p = ctx;
	if (p == NULL)
		return CCSP_ERR_MODULE_STATE;
	if (material_of(spec) == 0)
		return CCSP_ERR_ARG;
	return ccsp_pvsm_key_export(p, key->kek_index, material_of(spec), key->bytes, key->len, recipient, ct, ctlen,
	                            enc_private);
}

static ccsp_err pv_backup(void *ctx, ccsp_kms_spec spec, const ccsp_kms_wrapped *key, unsigned m, unsigned n,
                          const uint8_t (*custodians)[CCSP_KMS_PUBLIC_SIZE],
                          uint8_t (*shares)[CCSP_KMS_SHARE_CT_MAX], size_t *share_lens)
{
	ccsp_pvsm *p = ctx;
	if (p == NULL)
		return CCSP_ERR_MODULE_STATE;
	if (material_of(spec) == 0)
		return CCSP_ERR_ARG;
	return ccsp_pvsm_key_backup(p, key->kek_index, material_of(spec), key->bytes, key->len, m, n, custodians,
	                            shares, share_lens);
}

static ccsp_err pv_recover(void *ctx, ccsp_kms_spec spec, uint32_t kek_index, const ccsp_kms_wrapped *import_key,
                           unsigned m, const uint8_t (*shares)[CCSP_KMS_SHARE_CT_MAX], const size_t *share_lens,
                           const uint8_t pub[CCSP_KMS_PUBLIC_SIZE], ccsp_kms_wrapped *out)
{
	ccsp_pvsm *p = ctx;
	if (p == NULL)
		return CCSP_ERR_MODULE_STATE;
	if (material_of(spec) == 0)
		return CCSP_ERR_ARG;
	out->kek_index = kek_index;
	return ccsp_pvsm_key_recover(p, kek_index, import_key->bytes, import_key->len, material_of(spec), m, shares,
	                             share_lens, pub, out->bytes, &out->len);
}

static ccsp_err pv_keyset_export(void *ctx, ccsp_kms_spec spec, const ccsp_kms_wrapped *key,
                                 const ccsp_kms_wrapped *bkey, const uint8_t pub[CCSP_KMS_PUBLIC_SIZE],
                                 const uint8_t *aad, size_t aadlen, ccsp_kms_sealed *out)
{
	ccsp_pvsm *p = ctx;
	if (p == NULL)
		return CCSP_ERR_MODULE_STATE;
	if (material_of(spec) == 0 || key->kek_index != bkey->kek_index)
		return CCSP_ERR_ARG;
	return ccsp_pvsm_keyset_export(p, key->kek_index, bkey->bytes, bkey->len, material_of(spec), key->bytes,
	                               key->len, pub, aad, aadlen, out->iv, out->ct, &out->len, out->tag);
}

static ccsp_err pv_keyset_import(void *ctx, ccsp_kms_spec spec, const ccsp_kms_wrapped *bkey,
                                 const uint8_t pub[CCSP_KMS_PUBLIC_SIZE], const uint8_t *aad, size_t aadlen,
                                 const ccsp_kms_sealed *in, ccsp_kms_wrapped *out)
{
	ccsp_pvsm *p = ctx;
	if (p == NULL)
		return CCSP_ERR_MODULE_STATE;
	if (material_of(spec) == 0)
		return CCSP_ERR_ARG;
	out->kek_index = bkey->kek_index;
	return ccsp_pvsm_keyset_import(p, bkey->kek_index, bkey->bytes, bkey->len, material_of(spec), pub, aad, aadlen,
	                               in->iv, in->ct, in->len, in->tag, out->bytes, &out->len);
}

static ccsp_err pv_envelope_seal(void *ctx, const uint8_t recipient[CCSP_KMS_PUBLIC_SIZE], const uint8_t *in,
                                 size_t len, uint8_t key_ct[CCSP_KMS_ENVELOPE_KEY_CT_SIZE], uint8_t iv[16],
                                 uint8_t *out)
{
	ccsp_pvsm *p = ctx;
	if (p == NULL)
		return CCSP_ERR_MODULE_STATE;
	return ccsp_pvsm_envelope_seal(p, recipient, in, len, key_ct, iv, out);
}

static ccsp_err pv_envelope_open(void *ctx, const ccsp_kms_wrapped *key,
                                 const uint8_t key_ct[CCSP_KMS_ENVELOPE_KEY_CT_SIZE], const uint8_t iv[16],
                                 const uint8_t *in, size_t len, uint8_t *out)
{
	ccsp_pvsm *p = ctx;
	if (p == NULL)
		return CCSP_ERR_MODULE_STATE;
	return ccsp_pvsm_envelope_open(p, key->kek_index, key->bytes, key->len, key_ct, iv, in, len, out);
}

const ccsp_kms_vsm_ops ccsp_kms_vsm_pvsm_ops = {
	.generate = pv_generate,
	.encrypt = pv_encrypt,
	.decrypt = pv_decrypt,
	.mac = pv_mac,
	.sign = pv_sign,
	.asym_decrypt = pv_asym_decrypt,
	.import = pv_import,
	.export_to = pv_export,
	.backup = pv_backup,
	.recover = pv_recover,
	.keyset_export = pv_keyset_export,
	.keyset_import = pv_keyset_import,
	.envelope_seal = pv_envelope_seal,
	.envelope_open = pv_envelope_open,
};

/* SPDX-License-Identifier: Apache-2.0 */
/* The KMS's backend on the resource pool (kms_vsm.h): each op on a leased member's VSM (ccsp_kms_vsm_pvsm_ops). */
#include <string.h>

#include "platform/kms_vsm.h"

/* Return what call gives with P, the pvsm of a leased member of the group; after a communication failure, what
 * it gives on another member (pool.h: at most CCSP_POOL_TRIES members in all). */
#define ON_MEMBER(ctx, call)                                                                                           \
	do {                                                                                                           \
		const ccsp_kms_vsm *v_ = (ctx);                                                                        \
		ccsp_pool_lease l_ = {.app = v_->app, .policy = v_->policy};                                           \
		ccsp_err r_;                                                                                           \
		while ((r_ = ccsp_pool_acquire(v_->pool, v_->group, &l_)) == CCSP_OK) {                                \
			ccsp_pvsm *P = l_.handle;                                                                      \
			r_ = (call);                                                                                   \
			if (!ccsp_pool_release(v_->pool, &l_, r_, 1))                                                  \
				break;                                                                                 \
		}                                                                                                      \
		return r_;                                                                                             \
	} while (0)

#define PV ccsp_kms_vsm_pvsm_ops

int ccsp_kms_wrap_is_legacy(const ccsp_kms_wrapped *w)
{
	return w->len == 16 || w->len == 32;
}

/* Refuse a stored key in the SM4-ECB wrap unless the platform accepts them (kms_vsm.h). */
#define WRAP_GUARD(ctx, key)                                                                                           \
	do {                                                                                                           \
		if ((key) != NULL && ccsp_kms_wrap_is_legacy(key) && !((const ccsp_kms_vsm *)(ctx))->legacy_wraps)   \
			return CCSP_ERR_KEY;                                                                           \
	} while (0)

static ccsp_err pl_generate(void *ctx, ccsp_kms_spec spec, uint32_t kek_index, ccsp_kms_wrapped *out,
                            uint8_t pub[CCSP_KMS_PUBLIC_SIZE])
{
	ON_MEMBER(ctx, PV.generate(P, spec, kek_index, out, pub));
}

static ccsp_err pl_encrypt(void *ctx, const ccsp_kms_wrapped *key, const uint8_t *aad, size_t aadlen, const uint8_t *in,
                           size_t len, uint8_t iv[CCSP_KMS_IV_SIZE], uint8_t *out, uint8_t tag[CCSP_KMS_TAG_SIZE])
{
	WRAP_GUARD(ctx, key);
	ON_MEMBER(ctx, PV.encrypt(P, key, aad, aadlen, in, len, iv, out, tag));
}

static ccsp_err pl_decrypt(void *ctx, const ccsp_kms_wrapped *key, const uint8_t *aad, size_t aadlen,
                           const uint8_t iv[CCSP_KMS_IV_SIZE], const uint8_t *in, size_t len,
                           const uint8_t tag[CCSP_KMS_TAG_SIZE], uint8_t *out)
{
	WRAP_GUARD(ctx, key);
	ON_MEMBER(ctx, PV.decrypt(P, key, aad, aadlen, iv, in, len, tag, out));
}

static ccsp_err pl_mac(void *ctx, ccsp_kms_spec spec, const ccsp_kms_wrapped *key, const uint8_t *in, size_t len,
                       uint8_t mac[32], size_t *maclen)
{
	WRAP_GUARD(ctx, key);
	ON_MEMBER(ctx, PV.mac(P, spec, key, in, len, mac, maclen));
}

static ccsp_err pl_sign(void *ctx, const ccsp_kms_wrapped *key, const uint8_t e[32], uint8_t sig[64])
{
	ON_MEMBER(ctx, PV.sign(P, key, e, sig));
}

static ccsp_err pl_asym_decrypt(void *ctx, const ccsp_kms_wrapped *key, const uint8_t *ct, size_t ctlen, uint8_t *out,
                                size_t *outlen)
{
	ON_MEMBER(ctx, PV.asym_decrypt(P, key, ct, ctlen, out, outlen));
}

static ccsp_err pl_import(void *ctx, ccsp_kms_spec spec, uint32_t kek_index, const ccsp_kms_wrapped *import_key,
                          const uint8_t *sym_ct, size_t sym_ctlen, const uint8_t enc_private[32],
                          const uint8_t pub[CCSP_KMS_PUBLIC_SIZE], ccsp_kms_wrapped *out)
{
	ON_MEMBER(ctx, PV.import(P, spec, kek_index, import_key, sym_ct, sym_ctlen, enc_private, pub, out));
}

static ccsp_err pl_export(void *ctx, ccsp_kms_spec spec, const ccsp_kms_wrapped *key,
                          const uint8_t recipient[CCSP_KMS_PUBLIC_SIZE], uint8_t *ct, size_t *ctlen,
                          uint8_t enc_private[32])
{
	WRAP_GUARD(ctx, key);
	ON_MEMBER(ctx, PV.export_to(P, spec, key, recipient, ct, ctlen, enc_private));
}

static ccsp_err pl_backup(void *ctx, ccsp_kms_spec spec, const ccsp_kms_wrapped *key, unsigned m, unsigned n,
                          const uint8_t (*custodians)[CCSP_KMS_PUBLIC_SIZE], uint8_t (*shares)[CCSP_KMS_SHARE_CT_MAX],
                          size_t *share_lens)
{
	WRAP_GUARD(ctx, key);
	ON_MEMBER(ctx, PV.backup(P, spec, key, m, n, custodians, shares, share_lens));
}

static ccsp_err pl_recover(void *ctx, ccsp_kms_spec spec, uint32_t kek_index, const ccsp_kms_wrapped *import_key,
                           unsigned m, const uint8_t (*shares)[CCSP_KMS_SHARE_CT_MAX], const size_t *share_lens,
                           const uint8_t pub[CCSP_KMS_PUBLIC_SIZE], ccsp_kms_wrapped *out)
{
	ON_MEMBER(ctx, PV.recover(P, spec, kek_index, import_key, m, shares, share_lens, pub, out));
}

static ccsp_err pl_keyset_export(void *ctx, ccsp_kms_spec spec, const ccsp_kms_wrapped *key,
                                 const ccsp_kms_wrapped *bkey, const uint8_t pub[CCSP_KMS_PUBLIC_SIZE],
                                 const uint8_t *aad, size_t aadlen, ccsp_kms_sealed *out)
{
	WRAP_GUARD(ctx, key);
	ON_MEMBER(ctx, PV.keyset_export(P, spec, key, bkey, pub, aad, aadlen, out));
}

static ccsp_err pl_keyset_import(void *ctx, ccsp_kms_spec spec, const ccsp_kms_wrapped *bkey,
                                 const uint8_t pub[CCSP_KMS_PUBLIC_SIZE], const uint8_t *aad, size_t aadlen,
                                 const ccsp_kms_sealed *in, ccsp_kms_wrapped *out)
{
	ON_MEMBER(ctx, PV.keyset_import(P, spec, bkey, pub, aad, aadlen, in, out));
}

static ccsp_err pl_envelope_seal(void *ctx, const uint8_t recipient[CCSP_KMS_PUBLIC_SIZE], const uint8_t *in,
                                 size_t len, uint8_t key_ct[CCSP_KMS_ENVELOPE_KEY_CT_SIZE], uint8_t iv[16],
                                 uint8_t *out)
{
	ON_MEMBER(ctx, PV.envelope_seal(P, recipient, in, len, key_ct, iv, out));
}

static ccsp_err pl_envelope_open(void *ctx, const ccsp_kms_wrapped *key,
                                 const uint8_t key_ct[CCSP_KMS_ENVELOPE_KEY_CT_SIZE], const uint8_t iv[16],
                                 const uint8_t *in, size_t len, uint8_t *out)
{
	ON_MEMBER(ctx, PV.envelope_open(P, key, key_ct, iv, in, len, out));
}

static const ccsp_kms_vsm_ops pool_ops = {
        .generate = pl_generate,
        .encrypt = pl_encrypt,
        .decrypt = pl_decrypt,
        .mac = pl_mac,
        .sign = pl_sign,
        .asym_decrypt = pl_asym_decrypt,
        .import = pl_import,
        .export_to = pl_export,
        .backup = pl_backup,
        .recover = pl_recover,
        .keyset_export = pl_keyset_export,
        .keyset_import = pl_keyset_import,
        .envelope_seal = pl_envelope_seal,
        .envelope_open = pl_envelope_open,
};

void ccsp_kms_vsm_pool(ccsp_kms_vsm *v, ccsp_pool *p, const char *group)
{
	memset(v, 0, sizeof *v);
	v->ops = &pool_ops;
	v->ctx = v;
	v->pool = p;
	if (group != NULL)
		strncpy(v->group, group, sizeof v->group - 1);
	v->kek_index = ccsp_pool_group_kek(p, v->group);
}

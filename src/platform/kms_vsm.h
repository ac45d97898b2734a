/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where the KMS runs its key operations: one small interface, so that the resource pool (tenant VSMs scheduled
 * across CHSMs, issue 10) can replace the single platform VSM of the first slice without touching the actions.
 * A backend makes SM4 keys that leave it only wrapped (by a KEK it names with kek_index) and runs SM4-GCM with such
 * a wrapped key; it never returns key material in plaintext. ccspd builds one per call (ccsp_kms_vsm_platform);
 * the ops are thread-safe.
 */
#ifndef CCSP_PLATFORM_KMS_VSM_H
#define CCSP_PLATFORM_KMS_VSM_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#include "platform/pvsm.h"

#define CCSP_KMS_IV_SIZE 12
#define CCSP_KMS_TAG_SIZE 16
#define CCSP_KMS_WRAPPED_MAX CCSP_PVSM_WRAPPED_MAX

/* A key as the store keeps it: wrapped, and the index of the KEK that wraps it. */
typedef struct ccsp_kms_wrapped {
	uint8_t bytes[CCSP_KMS_WRAPPED_MAX];
	size_t len;
	uint32_t kek_index;
} ccsp_kms_wrapped;

typedef struct ccsp_kms_vsm_ops {
	/* A new SM4 key wrapped by the KEK at kek_index into *out. CCSP_ERR_COMM (the module failed),
	 * CCSP_ERR_MODULE_STATE (no module). */
	ccsp_err (*generate)(void *ctx, uint32_t kek_index, ccsp_kms_wrapped *out);
	/* SM4-GCM: a fresh IV into iv, len bytes into out, the tag into tag; aad bound. */
	ccsp_err (*encrypt)(void *ctx, const ccsp_kms_wrapped *key, const uint8_t *aad, size_t aadlen, const uint8_t *in,
	                    size_t len, uint8_t iv[CCSP_KMS_IV_SIZE], uint8_t *out, uint8_t tag[CCSP_KMS_TAG_SIZE]);
	/* The reverse; CCSP_ERR_AUTH when the tag does not verify (nothing written to out). */
	ccsp_err (*decrypt)(void *ctx, const ccsp_kms_wrapped *key, const uint8_t *aad, size_t aadlen,
	                    const uint8_t iv[CCSP_KMS_IV_SIZE], const uint8_t *in, size_t len,
	                    const uint8_t tag[CCSP_KMS_TAG_SIZE], uint8_t *out);
} ccsp_kms_vsm_ops;

typedef struct ccsp_kms_vsm {
	const ccsp_kms_vsm_ops *ops;
	void *ctx;
	uint32_t kek_index; /* the KEK new keys are wrapped by */
} ccsp_kms_vsm;

/* The first slice's backend: the platform VSM p (may be NULL: every op answers CCSP_ERR_MODULE_STATE), new keys
 * wrapped by its KEK at kek_index. */
void ccsp_kms_vsm_platform(ccsp_kms_vsm *v, ccsp_pvsm *p, uint32_t kek_index);

#endif

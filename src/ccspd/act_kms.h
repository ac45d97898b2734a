/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to ccspd's KMS (act_kms.c: the tenant administrators' key lifecycle; act_crypto_kms.c: applications'
 * encrypt/decrypt; act_kms_util.c: what both share). The decisions are src/platform/kms_state.h's, the storage
 * src/platform/store/store_kms.h's, the key operations src/platform/kms_vsm.h's; docs/api-ccspd.md "kms".
 *
 * Destruction is lazy: a key pending deletion whose waiting period elapsed (on ccspd_now_ms) is destroyed — its
 * wrapped material erased, its aliases freed, audited as kms.key-destroy — by the first action that reads it
 * (any kms action naming it, kms/key-list for every due key of the tenant, crypto/encrypt and crypto/decrypt),
 * in that action's transaction, before anything else is decided.
 */
#ifndef CCSP_CCSPD_ACT_KMS_H
#define CCSP_CCSPD_ACT_KMS_H

#include "ccspd/act.h"
#include "crypto/module.h" /* CCSP_GUARD */
#include "platform/kms_state.h"
#include "platform/kms_vsm.h"
#include "platform/store/store_kms.h"

#define CCSPD_KMS_PLAINTEXT_MAX 65536 /* bytes one crypto/encrypt may carry */

/* The key a request names: "keyId" or "alias", exactly one. */
typedef struct kms_sel {
	const char *key_id, *alias;
} kms_sel;

/* Read the selector of the body: 0, or -1 after answering CCSP-1001. */
int kms_sel_parse(ccspd_call *c, kms_sel *sel);
/* The key sel names in the caller's tenant into k; CCSP_ERR_NOT_FOUND when there is none (or it is another
 * tenant's). */
CCSP_MUST_CHECK ccsp_err kms_key_find(ccspd_call *c, ccsp_store_tx *tx, const kms_sel *sel, ccsp_store_kms_key *k);
/* Lazy destruction: when k's waiting period elapsed at now, destroy it in tx (material erased, aliases removed,
 * state destroyed, audited) and update k. */
CCSP_MUST_CHECK ccsp_err kms_destroy_if_due(ccspd_call *c, ccsp_store_tx *tx, ccsp_store_kms_key *k, int64_t now);
/* The same for every due key of the caller's tenant (kms/key-list). */
CCSP_MUST_CHECK ccsp_err kms_destroy_due_all(ccspd_call *c, ccsp_store_tx *tx, int64_t now);
/* The public view of k (never material): {"keyId", "alias"?, "spec", "description", "state", "primaryVersion",
 * "deletionDue" (ms or null), "created", "updated"}. */
json_t *kms_key_json(const ccsp_store_kms_key *k, const char *alias);
/* The backend of the KMS's key operations: the platform VSM in this slice (the resource pool replaces this). */
void kms_vsm_of(ccspd *d, ccsp_kms_vsm *v);

#endif

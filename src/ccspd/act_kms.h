/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to ccspd's KMS (act_kms.c: the tenant administrators' key lifecycle; act_crypto_kms.c: applications'
 * encrypt/decrypt; act_kms_util.c: what both share). The decisions are src/platform/kms_state.h's, the storage
 * src/platform/store/store_kms.h's, the key operations src/platform/kms_vsm.h's; docs/api-ccspd.md "kms".
 *
 * Destruction is lazy: a key pending deletion whose waiting period elapsed (on ccspd_now_ms) is destroyed — its
 * wrapped material erased, its aliases freed, audited as kms.key-destroy — by the first action that reads it
 * (any kms action naming it, kms/key-list for every due key of the tenant, crypto/encrypt and crypto/decrypt),
 * in that action's transaction, before anything else is decided. Keys nobody reads are destroyed by the sweep
 * (kms_sweep.c), every kms_sweep_interval_s, as "system".
 */
#ifndef CCSP_CCSPD_ACT_KMS_H
#define CCSP_CCSPD_ACT_KMS_H

#include "ccspd/act.h"
#include "crypto/guard.h" /* CCSP_GUARD */
#include "platform/kms_spec.h"
#include "platform/kms_state.h"
#include "platform/kms_vsm.h"
#include "platform/store/store_approval.h"
#include "platform/store/store_custodian.h"
#include "platform/store/store_kms.h"
#include "platform/store/store_kms_byok.h"

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
/* Destroy k in tx by event (CCSP_KMS_DESTROY_DUE: audited kms.key-destroy; CCSP_KMS_EMERGENCY_DESTROY:
 * kms.key-emergency-destroy): the state written first, only if the stored key is still in k->state (so that two
 * nodes never destroy a key twice), then every version's material erased and the aliases removed, then the audit
 * record with detail (a JSON object, stolen) plus from, versionsErased, aliasesRemoved. The actor is c's caller, or
 * "system" (role "system", the key's tenant) when c is NULL. k updated. CCSP_ERR_STATE (the lifecycle refuses the
 * event; nothing written), CCSP_ERR_NOT_FOUND (the key changed meanwhile; nothing written), the store's error. */
CCSP_MUST_CHECK ccsp_err kms_destroy(ccspd *d, ccspd_call *c, ccsp_store_tx *tx, ccsp_store_kms_key *k,
                                     ccsp_kms_event event, int64_t now, json_t *detail);

/* ---- emergency actions behind the two-person rule (act_kms_emergency.c; KM-7, KM-11) ----
 * kms/key-mark-compromised and kms/key-emergency-destroy file an approval request (kinds below, target
 * "<tenant id>/<key id>"); a security administrator's approval/approve checks and executes it in its transaction. */
#define KMS_KIND_COMPROMISE "key-compromise"
#define KMS_KIND_EMERGENCY_DESTROY "key-emergency-destroy"
/* 1 when kind is one of the two. */
int kms_emergency_kind(const char *kind);
/* The key request a names, read in a's tenant only, into *k, with the lifecycle's answer to a's event: CCSP_OK,
 * CCSP_ERR_NOT_FOUND (the key is gone, or the target is malformed), CCSP_ERR_STATE (the key's state refuses the
 * event now: why in msg), the store's error. */
CCSP_MUST_CHECK ccsp_err kms_emergency_check(ccsp_store_tx *tx, const ccsp_store_approval *a, ccsp_store_kms_key *k,
                                             char *msg, size_t msglen);
/* Carry out the approved request a on k (kms_emergency_check's) in tx at now: mark-compromised (state
 * compromised, its primary version flagged: no more encryption, decryption only) or emergency-destroy (material
 * erased now, no waiting period); audited, and a marked executed. */
CCSP_MUST_CHECK ccsp_err kms_emergency_execute(ccspd_call *c, ccsp_store_tx *tx, const ccsp_store_approval *a,
                                               ccsp_store_kms_key *k, int64_t now);
/* ---- judicial recovery behind the two-person rule (act_kms_judicial.c; KM-10) ----
 * secadmin/judicial-request files an approval request of kind KMS_KIND_JUDICIAL on "<tenant id>/<key id>"; another
 * security administrator's approval executes it (kms_judicial_execute); secadmin/judicial-fetch then hands the key
 * over SM2-encrypted to the applicant's public key. */
#define KMS_KIND_JUDICIAL "judicial-recovery"
int kms_judicial_kind(const char *kind);
/* CCSP_OK when the request's key still exists and is not destroyed; CCSP_ERR_NOT_FOUND otherwise. */
CCSP_MUST_CHECK ccsp_err kms_judicial_check(ccsp_store_tx *tx, const ccsp_store_approval *a);
/* The approved request a marked executed and audited (kms.judicial-recovery), in tx. */
CCSP_MUST_CHECK ccsp_err kms_judicial_execute(ccspd_call *c, ccsp_store_tx *tx, const ccsp_store_approval *a,
                                              int64_t now);
/* The public view of k (never material): {"keyId", "alias"?, "spec", "description", "state", "primaryVersion",
 * "deletionDue" (ms or null), "created", "updated"}. */
json_t *kms_key_json(const ccsp_store_kms_key *k, const char *alias);
/* BYOK (act_kms_byok.c): the import token's row read in the caller's tenant (unexpired), material parsed for its
 * spec (kms_byok.h) and imported into the VSM: the key's spec into *kind, the wrapped material into *w, the public
 * key into pub for SM2 specs, the resource group whose KEK wraps it (the token's) into group. 0, or -1 after answering (CCSP-1002 token unknown, used or expired; CCSP-1001
 * malformed material; CCSP-1006 material not for this token or not a key of its spec; CCSP-9002). */
int kms_import_unwrap(ccspd_call *c, const char *token, const uint8_t *material, size_t len, ccsp_kms_spec *kind,
                      ccsp_kms_wrapped *w, uint8_t pub[CCSP_KMS_PUBLIC_SIZE], char group[CCSP_STORE_ID_LEN + 1]);
/* Import parameters for tenant (an import pair made in a VSM of the tenant's resource group, stored one-use for 24 h; audited as audit_action)
 * answered {"importToken", "spec", "publicKey", "expires"}: kms/import-params, secadmin/key-recover-params. */
void kms_import_params(ccspd_call *c, const char *tenant, const char *audit_action);
/* The import token's row in tenant, unexpired, into *im: 0, or -1 after answering (CCSP-1002). */
int kms_import_row(ccspd_call *c, const char *tenant, const char *token, ccsp_store_kms_import *im);
/* Split-knowledge backups' custodians (act_kms_backup.c): the body's "m" (2..16) and "custodians" (m..16 custodian
 * ids) into *m, *ids (borrowed) and *n: 0, or -1 after answering CCSP-1001. */
int kms_custodians_parse(ccspd_call *c, int64_t *m, json_t **ids, size_t *n);
/* The n custodians of ids read in tx into cust; *err CCSP_APIERR_COUNT_, or a refusal in *err and *msg (an unknown
 * one: CCSP-1002; one named twice: CCSP-1001) with CCSP_OK; a store error is returned. */
CCSP_MUST_CHECK ccsp_err kms_custodians_get(ccsp_store_tx *tx, json_t *ids, size_t n, ccsp_store_custodian *cust,
                                            ccsp_apierr *err, const char **msg);
/* The answer's shares: [{custodianId, name, share: Base64 DER SM2Cipher}] of the n custodians, or NULL. */
json_t *kms_shares_json(const ccsp_store_custodian *cust, size_t n, uint8_t (*shares)[CCSP_KMS_SHARE_CT_MAX],
                        const size_t *lens);
/* Split-knowledge recovery (act_kms_backup.c): m shares (Base64 SM2 ciphertexts to the import token's key) of a
 * backup recombined inside the VSM into *w for the spec *kind (CCSP_KMS_SPEC_NONE on entry: the token's spec, set),
 * in the token's resource group (into group); pub (x || y) given for SM2 specs. 0, or -1
 * after answering (CCSP-1001 malformed, CCSP-1002 token, CCSP-1006 shares that do not recombine). */
int kms_recover_unwrap(ccspd_call *c, const char *tenant, const char *token, json_t *shares,
                       const uint8_t pub[CCSP_KMS_PUBLIC_SIZE], ccsp_kms_spec *kind, ccsp_kms_wrapped *w,
                       char group[CCSP_STORE_ID_LEN + 1]);
/* One round of automatic rotation (kms_rotate.c), run by the sweep: every due key of every tenant rotated, *rotated
 * of them. The VSM's or the store's error stops the round (the rest next round). */
CCSP_MUST_CHECK ccsp_err kms_rotate_round(ccspd *d, size_t *rotated);
/* The backend of the KMS's key operations: the members of resource group `group` (the key's group_id; for a new
 * key, kms_group_of_tenant's) in the resource pool. */
void kms_vsm_of(ccspd *d, const char *group, ccsp_kms_vsm *v);
/* The same for an action's call: an application's operations run on the group's members dedicated to it first
 * (pool/device-dedicate; pool.h), everyone else's on shared members. */
void kms_vsm_for_call(const ccspd_call *c, const char *group, ccsp_kms_vsm *v);
/* For a use that takes a version's material out of the store (backup, export): version *version of k (0: the
 * primary, set) with its wrapped material into w and, for SM2 pairs, its public key into pub; *err
 * CCSP_APIERR_COUNT_. A refusal sets *err and *msg instead (no such version: CCSP-1001; destroyed or compromised:
 * CCSP-4002) and returns CCSP_OK; a store error is returned. */
CCSP_MUST_CHECK ccsp_err kms_version_out(ccsp_store_tx *tx, const ccsp_store_kms_key *k, int64_t *version,
                                         ccsp_kms_wrapped *w, uint8_t pub[CCSP_KMS_PUBLIC_SIZE], ccsp_apierr *err,
                                         const char **msg);
/* The resource group tenant's new keys go to (its exclusive group, else the default group) into group. */
CCSP_MUST_CHECK ccsp_err kms_group_of_tenant(ccspd *d, const char *tenant, char group[CCSP_STORE_ID_LEN + 1]);

/* ---- using a key for one operation (act_kms_use.c: what every crypto action with a KMS key shares) ---- */
typedef struct kms_use {
	ccspd_call *c;
	kms_sel sel;
	ccsp_kms_op op;
	int64_t version; /* wanted: 0 for the primary (new work always uses it); decrypt: the blob's */
	/* set by kms_use_load */
	int64_t now;
	char key_id[CCSP_STORE_ID_LEN + 1]; /* also when the key was named by alias */
	char group[CCSP_STORE_ID_LEN + 1];  /* the key's resource group: where it runs */
	ccsp_kms_spec kind;
	ccsp_kms_wrapped w;                 /* the version's wrapped material */
	uint8_t pub[CCSP_KMS_PUBLIC_SIZE];  /* SM2 pairs: the version's public key */
	/* internal */
	int ro, due;
	ccsp_apierr err;
	const char *msg;
	char msgbuf[96];
} kms_use;
/* Load the key and version u names for u->op in the caller's tenant: its spec must permit the operation
 * (CCSP-1007), its state allow new or old work (kms_state.h; CCSP-4002), the version exist (decrypt: CCSP-1006,
 * else CCSP-1001) with material (CCSP-4002) and, for new work, not be compromised. Read-only first; read-write when
 * the key is due for destruction (lazy destruction, then refused). 0, or -1 after answering. */
int kms_use_load(kms_use *u);
/* Answer o (stolen) plus "keyId" and "version" of u. */
void kms_use_ok(kms_use *u, json_t *o);
/* Answer the failure ret of the key operation: CCSP_ERR_AUTH as CCSP-1006 (decrypt) or auth_api, the module's
 * failures as CCSP-9002, a wrapped key the module refuses as CCSP-9000 (logged). */
void kms_use_fail(kms_use *u, ccsp_err ret, ccsp_apierr auth_api);
/* Wipe u's material. */
void kms_use_wipe(kms_use *u);
/* The Base64 member name of the body decoded (1..max bytes; 0..max when may_be_empty) into a malloc'd buffer
 * (*out; free with kms_b64_free): 0, or -1 after answering CCSP-1001. */
int kms_b64_member(ccspd_call *c, const char *name, size_t max, int may_be_empty, uint8_t **out, size_t *len);
void kms_b64_free(uint8_t *buf, size_t len);
/* Answer {name: Base64 of data, "keyId", "version"} for u. */
void kms_use_ok_b64(kms_use *u, const char *name, const uint8_t *data, size_t len);

#endif

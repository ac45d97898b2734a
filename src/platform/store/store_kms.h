/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's KMS entities (store_kms.c, schema version 3): tenants' keys, their versions and their aliases.
 * Conventions of store.h (transactions, tenant scoping, bounds) and the list paging of store_identity.h apply:
 * every call takes the tenant and filters by it, so a key of another tenant is CCSP_ERR_NOT_FOUND exactly as a
 * missing one.
 *
 * Key material is stored only as the VSM made it: a secret key wrapped by a VSM KEK (SDF_GenerateKeyWithKEK), or an
 * SM2 private key wrapped by one (SDF_GenerateKeyPairWithKEK_ECC) with its public key, and the KEK's index. The store never sees plaintext key material; destroying a key erases the wrapped bytes of every
 * version (the rows stay, without material).
 */
#ifndef CCSP_PLATFORM_STORE_KMS_H
#define CCSP_PLATFORM_STORE_KMS_H

#include "platform/kms_state.h"
#include "platform/store/store.h"
#include "platform/store/store_pool.h"

#define CCSP_STORE_KMS_SPEC_MAX 16
#define CCSP_STORE_KMS_DESC_MAX 255
#define CCSP_STORE_KMS_ALIAS_MAX 128
#define CCSP_STORE_KMS_WRAPPED_MAX 64 /* the wrapped bytes of one key (CCSP_PVSM_WRAPPED_MAX) */
#define CCSP_STORE_KMS_PUBLIC_MAX 64  /* an SM2 public key, x || y (schema version 4) */
#define CCSP_STORE_KMS_ROTATION_DAYS_MAX 3650

/* Where a key's first material came from: made in the VSM, imported by its tenant (BYOK), or recovered from a
 * split-knowledge backup (KM-9). */
typedef enum ccsp_store_kms_origin {
	CCSP_STORE_KMS_GENERATED = 0,
	CCSP_STORE_KMS_IMPORTED = 1,
	CCSP_STORE_KMS_RECOVERED = 2,
} ccsp_store_kms_origin;

/* "generated", "imported", "recovered"; NULL out of range. */
const char *ccsp_store_kms_origin_name(ccsp_store_kms_origin o);
/* The reverse; a value out of range (ccsp_store_kms_origin_name gives NULL) for any other name or NULL. */
ccsp_store_kms_origin ccsp_store_kms_origin_parse(const char *name);

typedef struct ccsp_store_kms_key {
	char id[CCSP_STORE_ID_LEN + 1];        /* set by create */
	char tenant_id[CCSP_STORE_ID_LEN + 1];
	char spec[CCSP_STORE_KMS_SPEC_MAX + 1]; /* "SM4" */
	char description[CCSP_STORE_KMS_DESC_MAX + 1]; /* may be "" */
	ccsp_kms_state state;                  /* never CCSP_KMS_NONE */
	int64_t primary_version;               /* the version that encrypts; also the number of versions */
	int64_t deletion_due;                  /* pending deletion: destroyed from then on; else 0 */
	int64_t created, updated;
	int64_t rotation_days;                 /* automatic rotation period (1..CCSP_STORE_KMS_ROTATION_DAYS_MAX) */
	int64_t rotated_at;                    /* when the primary version was made: due at + days */
	ccsp_store_kms_origin origin;          /* where its first material came from */
	char group_id[CCSP_STORE_ID_LEN + 1];  /* the resource group whose KEK wraps it (store_pool.h); "" at create:
	                                        * the default group */
} ccsp_store_kms_key;

typedef struct ccsp_store_kms_version {
	char key_id[CCSP_STORE_ID_LEN + 1];
	int64_t version;                                 /* 1, 2, ... */
	uint8_t wrapped[CCSP_STORE_KMS_WRAPPED_MAX];     /* wrapped_len 0: erased (the key was destroyed) */
	size_t wrapped_len;
	uint32_t kek_index;                              /* the VSM KEK that wraps it */
	uint8_t public_key[CCSP_STORE_KMS_PUBLIC_MAX];   /* SM2 pairs: x || y; kept when the key is destroyed */
	size_t public_key_len;                           /* 0 (symmetric keys) or CCSP_STORE_KMS_PUBLIC_MAX */
	int compromised;
	int64_t created;
} ccsp_store_kms_version;

/* Create k in k->tenant_id; k->id is set to a new id, or kept when the caller gave one (a key recovered under its
 * old id: CCSP_ERR_EXISTS when that id is taken). CCSP_ERR_NOT_FOUND (no such tenant), CCSP_ERR_ARG (a field out of bounds).
 * Its first version is added with ccsp_store_kms_version_add in the same transaction. */
CCSP_MUST_CHECK ccsp_err ccsp_store_kms_key_create(ccsp_store_tx *tx, ccsp_store_kms_key *k);
CCSP_MUST_CHECK ccsp_err ccsp_store_kms_key_get(ccsp_store_tx *tx, const char *tenant, const char *id,
                                                ccsp_store_kms_key *out);
CCSP_MUST_CHECK ccsp_err ccsp_store_kms_key_list(ccsp_store_tx *tx, const char *tenant, const char *cursor,
                                                 size_t limit, ccsp_store_kms_key *out, size_t *n);
/* The keys (in any state) of every tenant whose resource group is group, in (tenant id, key id) order after the
 * key (after_tenant, after_id) ("" and "" from the start), at most limit (1..CCSP_STORE_LIST_MAX) into out, *n of
 * them. Platform-wide: for the security administrator's key-set backup (KM-9). */
CCSP_MUST_CHECK ccsp_err ccsp_store_kms_key_list_group(ccsp_store_tx *tx, const char *group, const char *after_tenant,
                                                       const char *after_id, size_t limit, ccsp_store_kms_key *out,
                                                       size_t *n);
/* Write k's mutable fields (description, state, primary_version, deletion_due, updated) to the key k->id of
 * k->tenant_id. */
CCSP_MUST_CHECK ccsp_err ccsp_store_kms_key_update(ccsp_store_tx *tx, const ccsp_store_kms_key *k);
/* Write k as ccsp_store_kms_key_update does, only while the stored key is in state from: CCSP_ERR_NOT_FOUND (and
 * nothing written) when it is not — another transaction changed it first (a second ccspd node destroying the same
 * due key: on PostgreSQL the second waits for the first's row lock, then finds the state changed). */
CCSP_MUST_CHECK ccsp_err ccsp_store_kms_key_update_from(ccsp_store_tx *tx, const ccsp_store_kms_key *k,
                                                        ccsp_kms_state from);
/* The ids of tenant's keys pending deletion with deletion_due <= now, at most max into ids, *n of them. */
CCSP_MUST_CHECK ccsp_err ccsp_store_kms_key_due(ccsp_store_tx *tx, const char *tenant, int64_t now,
                                                char (*ids)[CCSP_STORE_ID_LEN + 1], size_t max, size_t *n);

/* A key named by its tenant and id (the platform-wide sweep of due deletions). */
typedef struct ccsp_store_kms_ref {
	char tenant_id[CCSP_STORE_ID_LEN + 1];
	char id[CCSP_STORE_ID_LEN + 1];
} ccsp_store_kms_ref;

/* The keys of every tenant pending deletion with deletion_due <= now, oldest due first, at most max into out, *n of
 * them. Platform-wide: for ccspd's sweep only, which then acts on each key through the tenant-taking calls. */
CCSP_MUST_CHECK ccsp_err ccsp_store_kms_key_due_all(ccsp_store_tx *tx, int64_t now, ccsp_store_kms_ref *out,
                                                    size_t max, size_t *n);

/* The enabled keys of every tenant whose rotation is due (rotated_at + rotation_days days <= now), longest due first,
 * at most max into out, *n of them. Platform-wide: for ccspd's sweep, as ccsp_store_kms_key_due_all. */
CCSP_MUST_CHECK ccsp_err ccsp_store_kms_rotation_due_all(ccsp_store_tx *tx, int64_t now, ccsp_store_kms_ref *out,
                                                         size_t max, size_t *n);

/* Add version v->version of the key v->key_id of tenant. CCSP_ERR_NOT_FOUND (no such key in tenant),
 * CCSP_ERR_EXISTS (that version exists), CCSP_ERR_ARG (no wrapped material, bounds). */
CCSP_MUST_CHECK ccsp_err ccsp_store_kms_version_add(ccsp_store_tx *tx, const char *tenant,
                                                    const ccsp_store_kms_version *v);
CCSP_MUST_CHECK ccsp_err ccsp_store_kms_version_get(ccsp_store_tx *tx, const char *tenant, const char *key_id,
                                                    int64_t version, ccsp_store_kms_version *out);
/* Mark version `version` of key_id (of tenant) compromised (KM-7). CCSP_ERR_NOT_FOUND (no such version in tenant). */
CCSP_MUST_CHECK ccsp_err ccsp_store_kms_version_mark_compromised(ccsp_store_tx *tx, const char *tenant,
                                                                 const char *key_id, int64_t version);
/* Erase the wrapped material of every version of the key (destruction); *n (may be NULL) = versions erased. */
CCSP_MUST_CHECK ccsp_err ccsp_store_kms_versions_erase(ccsp_store_tx *tx, const char *tenant, const char *key_id,
                                                       int64_t *n);

/* Name key_id (of tenant) alias. CCSP_ERR_EXISTS when the tenant uses that alias already, CCSP_ERR_NOT_FOUND (no
 * such key in tenant). */
CCSP_MUST_CHECK ccsp_err ccsp_store_kms_alias_set(ccsp_store_tx *tx, const char *tenant, const char *alias,
                                                  const char *key_id, int64_t created);
/* The key id the alias names in tenant. CCSP_ERR_NOT_FOUND. */
CCSP_MUST_CHECK ccsp_err ccsp_store_kms_alias_find(ccsp_store_tx *tx, const char *tenant, const char *alias,
                                                   char key_id[CCSP_STORE_ID_LEN + 1]);
/* The first alias (by name) of key_id into alias ("" and CCSP_OK when it has none). */
CCSP_MUST_CHECK ccsp_err ccsp_store_kms_alias_of(ccsp_store_tx *tx, const char *tenant, const char *key_id,
                                                 char alias[CCSP_STORE_KMS_ALIAS_MAX + 1]);
/* Remove every alias of key_id (its destruction frees its names); *n (may be NULL) = how many. */
CCSP_MUST_CHECK ccsp_err ccsp_store_kms_alias_delete_key(ccsp_store_tx *tx, const char *tenant, const char *key_id,
                                                         int64_t *n);

#endif

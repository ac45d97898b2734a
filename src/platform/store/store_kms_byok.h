/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's BYOK entities (store_kms_byok.c, schema version 4): the import keys ccspd publishes for a tenant's
 * kms/key-import (an SM2 encryption pair made in the VSM, its private key stored only wrapped by a VSM KEK; one
 * use, until it expires) and the recipients a tenant registered for wrapped exports (a name and an SM2 public
 * key). Conventions of store.h apply; every call takes the tenant and filters by it.
 */
#ifndef CCSP_PLATFORM_STORE_KMS_BYOK_H
#define CCSP_PLATFORM_STORE_KMS_BYOK_H

#include "platform/store/store_kms.h"

#define CCSP_STORE_KMS_RECIPIENTS_MAX 100 /* recipients one tenant may register */

typedef struct ccsp_store_kms_import {
	char id[CCSP_STORE_ID_LEN + 1]; /* set by create: the import token */
	char tenant_id[CCSP_STORE_ID_LEN + 1];
	char spec[CCSP_STORE_KMS_SPEC_MAX + 1]; /* the spec of the key to be imported */
	uint8_t wrapped[CCSP_STORE_KMS_WRAPPED_MAX]; /* the import pair's private key, wrapped */
	size_t wrapped_len;
	uint32_t kek_index;
	uint8_t public_key[CCSP_STORE_KMS_PUBLIC_MAX]; /* x || y */
	int64_t created, expires;
	char group_id[CCSP_STORE_ID_LEN + 1]; /* the resource group whose KEK wraps it; "" at create: the default */
} ccsp_store_kms_import;

/* Create im (im->id set); the tenant's expired imports are deleted first. CCSP_ERR_NOT_FOUND (no such tenant),
 * CCSP_ERR_ARG (bounds). */
CCSP_MUST_CHECK ccsp_err ccsp_store_kms_import_create(ccsp_store_tx *tx, ccsp_store_kms_import *im);
/* The import id of tenant into out (expired or not: the caller decides). CCSP_ERR_NOT_FOUND. */
CCSP_MUST_CHECK ccsp_err ccsp_store_kms_import_get(ccsp_store_tx *tx, const char *tenant, const char *id,
                                                   ccsp_store_kms_import *out);
/* Delete it (used): CCSP_ERR_NOT_FOUND when it is gone already (used by another request). */
CCSP_MUST_CHECK ccsp_err ccsp_store_kms_import_delete(ccsp_store_tx *tx, const char *tenant, const char *id);

typedef struct ccsp_store_kms_recipient {
	char tenant_id[CCSP_STORE_ID_LEN + 1];
	char name[CCSP_STORE_NAME_MAX + 1];
	uint8_t public_key[CCSP_STORE_KMS_PUBLIC_MAX]; /* x || y; the point's validity is the caller's check */
	int64_t created;
} ccsp_store_kms_recipient;

/* Register r. CCSP_ERR_EXISTS (the name is taken in the tenant), CCSP_ERR_LIMIT (the tenant has
 * CCSP_STORE_KMS_RECIPIENTS_MAX), CCSP_ERR_NOT_FOUND (no such tenant), CCSP_ERR_ARG. */
CCSP_MUST_CHECK ccsp_err ccsp_store_kms_recipient_add(ccsp_store_tx *tx, const ccsp_store_kms_recipient *r);
CCSP_MUST_CHECK ccsp_err ccsp_store_kms_recipient_get(ccsp_store_tx *tx, const char *tenant, const char *name,
                                                      ccsp_store_kms_recipient *out);
/* Every recipient of tenant by name, at most max (CCSP_STORE_KMS_RECIPIENTS_MAX is enough), *n of them. */
CCSP_MUST_CHECK ccsp_err ccsp_store_kms_recipient_list(ccsp_store_tx *tx, const char *tenant,
                                                       ccsp_store_kms_recipient *out, size_t max, size_t *n);
/* CCSP_ERR_NOT_FOUND when there was none. */
CCSP_MUST_CHECK ccsp_err ccsp_store_kms_recipient_delete(ccsp_store_tx *tx, const char *tenant, const char *name);

#endif

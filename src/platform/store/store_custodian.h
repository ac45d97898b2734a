/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's key custodians (store_custodian.c): the people who will hold shares of the KMS's key backups, each
 * under an SM2 public key of their own. Platform-wide (no tenant): only the security administrator manages them.
 * Conventions of store.h (transactions, bounds) and the list paging of store_identity.h apply.
 */
#ifndef CCSP_PLATFORM_STORE_CUSTODIAN_H
#define CCSP_PLATFORM_STORE_CUSTODIAN_H

#include "platform/store/store.h"

#define CCSP_STORE_CUSTODIAN_KEY_SIZE 65 /* an SM2 public key: the uncompressed point 04 || x || y */

typedef struct ccsp_store_custodian {
	char id[CCSP_STORE_ID_LEN + 1];          /* set by create */
	char name[CCSP_STORE_NAME_MAX + 1];      /* unique */
	uint8_t public_key[CCSP_STORE_CUSTODIAN_KEY_SIZE]; /* unique: one person, one share */
	char created_by[CCSP_STORE_ID_LEN + 1];  /* the principal id of the security administrator */
	int64_t created;
} ccsp_store_custodian;

/* Create c (c->id set). CCSP_ERR_EXISTS (name or public key registered already), CCSP_ERR_ARG (a field out of
 * bounds, a key that does not start with 04). The point's validity is the caller's check. */
CCSP_MUST_CHECK ccsp_err ccsp_store_custodian_create(ccsp_store_tx *tx, ccsp_store_custodian *c);
CCSP_MUST_CHECK ccsp_err ccsp_store_custodian_get(ccsp_store_tx *tx, const char *id, ccsp_store_custodian *out);
/* By id, keyset-paged (store_identity.h). */
CCSP_MUST_CHECK ccsp_err ccsp_store_custodian_list(ccsp_store_tx *tx, const char *cursor, size_t limit,
                                                   ccsp_store_custodian *out, size_t *n);
/* CCSP_ERR_NOT_FOUND when there was none. */
CCSP_MUST_CHECK ccsp_err ccsp_store_custodian_delete(ccsp_store_tx *tx, const char *id);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to ccspd: the two-person rule (act_approval.c) as other areas use it to file their requests — the KMS's
 * emergency actions (act_kms_emergency.c). docs/api-ccspd.md "approval".
 */
#ifndef CCSP_CCSPD_APPROVAL_H
#define CCSP_CCSPD_APPROVAL_H

#include "ccspd/act.h"
#include "platform/store/store_approval.h"

/* File a pending request of kind on target (at most CCSP_STORE_NAME_MAX bytes), requested by c's caller, expiring
 * after the approval TTL, with detail (a JSON object, stolen; never a secret), in tx; audited as approval.request
 * with audit_target as the record's target. The stored request into *out. Stale requests are expired first.
 * CCSP_ERR_EXISTS when a request of that kind and target is pending already (the transaction is then unusable:
 * roll back), CCSP_ERR_NOMEM, or the store's error. */
CCSP_MUST_CHECK ccsp_err ccspd_approval_request(ccspd_call *c, ccsp_store_tx *tx, const char *kind, const char *target,
                                                json_t *detail, const char *audit_target, ccsp_store_approval *out);
/* The answer's view of a request: {"id", "kind", "target", "state", "requestedBy", "created", "expires", "detail",
 * "decidedBy"?, "decidedAt"?, "executedAt"?}. */
json_t *ccspd_approval_json(const ccsp_store_approval *a);

#endif

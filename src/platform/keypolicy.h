/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The platform's key policy: the rules the KMS enforces on every tenant's keys, set by the security administrator
 * (ccspd secadmin/policy-set). Pure (no clock, no I/O) apart from load/save, which read and write it as canonical
 * JSON (sorted keys, compact) in the store's config under CCSP_KEYPOLICY_CONFIG_KEY; never set: the defaults.
 *
 * JSON members (every one optional in an update; an unknown member is refused):
 *   keySpecs             array of "SM4", "SM2" (non-empty, no repeats)      default ["SM4", "SM2"]
 *   rotationMinDays      1..3650                                            default 30
 *   rotationDefaultDays  1..3650, rotationMinDays..rotationMaxDays         default 365
 *   rotationMaxDays      1..3650                                            default 1825
 *   deletionMinDays      7..365: the pending-deletion waiting period        default 7
 *   deletionMaxDays      7..365, >= deletionMinDays                         default 30
 *   allowWrappedExport   boolean: keys may leave the KMS wrapped            default false
 *   maxVersions          1..1000 versions kept per key                      default 100
 */
#ifndef CCSP_PLATFORM_KEYPOLICY_H
#define CCSP_PLATFORM_KEYPOLICY_H

#include <stdint.h>

#include <jansson.h>

#include "platform/store/store.h"

#define CCSP_KEYPOLICY_CONFIG_KEY "kms.key_policy"

enum { CCSP_KEYSPEC_SM4 = 1u << 0, CCSP_KEYSPEC_SM2 = 1u << 1, CCSP_KEYSPEC_HMAC = 1u << 2 };

typedef struct ccsp_keypolicy {
	unsigned key_specs; /* a non-empty set of CCSP_KEYSPEC_* */
	int64_t rotation_min_days, rotation_default_days, rotation_max_days;
	int64_t deletion_min_days, deletion_max_days;
	int allow_wrapped_export;
	int64_t max_versions;
} ccsp_keypolicy;

/* The defaults above. */
void ccsp_keypolicy_default(ccsp_keypolicy *p);
/* Apply the members of obj (a JSON object) to p, then check the whole. CCSP_ERR_ARG with *why (a static string
 * naming the member) for an unknown member, a wrong type, a value out of range or an inconsistent result; p is
 * unchanged then. */
CCSP_MUST_CHECK ccsp_err ccsp_keypolicy_apply(ccsp_keypolicy *p, const json_t *obj, const char **why);
/* p as a JSON object of every member (new reference; NULL when out of memory). */
json_t *ccsp_keypolicy_json(const ccsp_keypolicy *p);
/* 1 when the policy allows keys of spec: a family ("SM4", "SM2", "HMAC") or a key spec of one (kms_spec.h:
 * "SM4_MAC" is of "SM4", "SM2_SIGN" of "SM2", ...). */
int ccsp_keypolicy_spec_allowed(const ccsp_keypolicy *p, const char *spec);
/* The stored policy (the defaults when none was ever set). CCSP_ERR_TAMPERED when the stored text is not a valid
 * policy; the store's errors. */
CCSP_MUST_CHECK ccsp_err ccsp_keypolicy_load(ccsp_store_tx *tx, ccsp_keypolicy *p);
/* Store p (checked: CCSP_ERR_ARG when it is not a valid policy). */
CCSP_MUST_CHECK ccsp_err ccsp_keypolicy_save(ccsp_store_tx *tx, const ccsp_keypolicy *p);

#endif

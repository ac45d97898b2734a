/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to ccspd: what the identity and audit actions share (act_auth.c, act_admin.c, act_app.c, audit_log.c):
 * reading the fields of a request body, mapping store results to the error table, issuing session tokens, and the
 * decisions of policy.c (pure: what the unit tests call). Not installed; ccspd.h is the daemon's header.
 */
#ifndef CCSP_CCSPD_ACT_H
#define CCSP_CCSPD_ACT_H

#include <ccsp/sm2_asn1.h>

#include "ccspd/ccspd.h"
#include "platform/password.h"
#include "platform/reqauth.h"

/* ---- policy.c: pure decisions (no store, no clock, no I/O) ---- */

#define CCSPD_LOCKOUT_FAILURES 5                          /* consecutive failures that lock an account */
#define CCSPD_LOCKOUT_MS (15 * 60 * 1000LL)               /* for this long */
#define CCSPD_PASSWORD_MAX_AGE_MS (90 * 86400 * 1000LL)   /* then the password must be changed */
#define CCSPD_CHALLENGE_TTL_MS (120 * 1000LL)             /* an operator's second-factor challenge lives this long */
#define CCSPD_LIST_DEFAULT 100
#define CCSPD_LIST_MAX 500

/* 1 when a caller of role `caller` may create, disable or enable a principal of role `target` (separation of
 * duties: the sysadmin manages operators and tenant administrators, a tenant administrator its users). */
int ccspd_policy_may_manage(ccsp_store_role caller, ccsp_store_role target);
/* The same for a member of a tenant the caller sees (ccsp_store_tenant_scoped): below is 1 when that tenant is
 * strictly below the caller's own (a sub-tenant, any depth). A tenant administrator also manages the tenant
 * administrators of its sub-tenants — never those of its own tenant, nor anyone above it. */
int ccspd_policy_may_manage_in(ccsp_store_role caller, ccsp_store_role target, int below);
/* 1 when the password of p must be changed at now: must_change set, or older than 90 days. */
int ccspd_policy_password_expired(const ccsp_store_principal *p, int64_t now_ms);
/* 1 while p is locked at now. */
int ccspd_policy_locked(const ccsp_store_principal *p, int64_t now_ms);
/* After a failed login took p's count of consecutive failures to `failed`: 1 when this failure locks it (the
 * caller then sets locked_until = now + CCSPD_LOCKOUT_MS and failed_logins = 0). */
int ccspd_policy_lock_now(int64_t failed);

/* usage/query (act_usage.c): what the caller may see of the metering. *tenant (NULL: every tenant) and *app (NULL:
 * any app) are the filters asked for; they are narrowed to the caller's own: the operators who read usage (sysadmin,
 * auditor) keep them, a tenant's person gets its own tenant, an app its own tenant and its own id. -1 when the caller
 * named another tenant or app, or is an operator of another role (answered CCSP-1002, as an invisible object); else 0. */
int ccspd_policy_usage_scope(const ccspd_caller *who, const char **tenant, const char **app);

/* ---- act_util.c ---- */

/* The string member `name` of the body: 0 with *out (NULL when absent and !required), or -1 after answering
 * CCSP-1001 (absent when required, not a string, empty, over max bytes, or holding a control character). */
int act_str(ccspd_call *c, const char *name, int required, size_t max, const char **out);
/* act_str for text of several lines (PEM): line ends (\n, \r) allowed, other control characters not. */
int act_text(ccspd_call *c, const char *name, int required, size_t max, const char **out);
/* The integer member `name` in lo..hi (def when absent): 0, or -1 after answering CCSP-1001. */
int act_int(ccspd_call *c, const char *name, int64_t lo, int64_t hi, int64_t def, int64_t *out);
/* A 32-hex-digit id member (tenant, principal, app): as act_str, checked for the id shape. */
int act_id(ccspd_call *c, const char *name, int required, const char **out);
/* Overwrite the string member `name` of the body in place (a password once it was used). */
void act_wipe(ccspd_call *c, const char *name);
/* The error table's entry for a store or module result: NOT_FOUND -> 1002, EXISTS -> 4000,
 * BUSY -> 9001, LIMIT -> 5000, MODULE_STATE/COMM -> 9002, anything else -> 9000. */
ccsp_apierr act_apierr(ccsp_err e);
/* Answer the failure e (logged with the requestId when it is an internal one). */
void act_fail(ccspd_call *c, ccsp_err e, const char *message);
/* The principal row of the calling person (read in tx). CCSP_ERR_NOT_FOUND when it is gone. */
CCSP_MUST_CHECK ccsp_err act_me(ccspd_call *c, ccsp_store_tx *tx, ccsp_store_principal *me);
/* The public fields of p / t / a as a JSON object. */
json_t *act_principal_json(const ccsp_store_principal *p);
json_t *act_tenant_json(const ccsp_store_tenant *t);
json_t *act_app_json(const ccsp_store_app *a);
/* An SM2 public key from Base64 text of a point (65 or 64 bytes) or a DER SubjectPublicKeyInfo, or from PEM text
 * of a SubjectPublicKeyInfo; the 65-byte point into point, the key into *key (free it). CCSP_ERR_KEY when it is none
 * of these (a private key included: refused, never used). */
CCSP_MUST_CHECK ccsp_err act_sm2_public(const char *b64, uint8_t point[65], ccsp_sm2_key **key);
/* The password hash fields of p from h. */
void act_set_password(ccsp_store_principal *p, const ccsp_password_hash *h);

/* ---- act_util.c: an action's store transaction and its one answer ----
 * An action's job struct starts with an act_job; its transaction function refuses (a client error, the
 * transaction still commits: nothing was changed) or sets the result, and act_job_run answers once it ended. */
typedef struct act_job {
	ccspd_call *c;
	ccsp_apierr err; /* CCSP_APIERR_COUNT_: answer result */
	const char *msg;
	json_t *result;
} act_job;
/* Answer err (msg NULL: the table's text) after the transaction; returns CCSP_OK for the transaction function. */
ccsp_err act_job_refuse(act_job *j, ccsp_apierr err, const char *msg);
/* Answer result (stolen; a previous one is freed with act_result_free) after the transaction. */
void act_job_result(act_job *j, json_t *result);
/* Run fn(tx, arg) in a transaction (arg: the job that starts with j) and answer: the refusal (whatever the commit
 * said: a refusal after a refused statement commits nothing), the transaction's failure (act_fail; j->msg for
 * CCSP_ERR_EXISTS), or the result; then free the result with act_result_free (secrets in it wiped). */
void act_job_run(act_job *j, ccsp_store_fn fn, void *arg);

/* x || y as a SubjectPublicKeyInfo in PEM (NUL-terminated) or DER. */
CCSP_MUST_CHECK ccsp_err act_sm2_public_pem(const uint8_t pub[64], char pem[CCSP_SM2_KEY_FILE_MAX + 1]);
CCSP_MUST_CHECK ccsp_err act_sm2_public_spki(const uint8_t pub[64], uint8_t *der, size_t cap, size_t *len);
/* The pool's availability check of a GM/T 0018 device: it answers through the libsdf config conf with its device
 * information (vendor, model, serial into dev). CCSP_ERR_COMM and the like when it does not. */
CCSP_MUST_CHECK ccsp_err act_probe_device(const char *conf, ccsp_store_pool_device *dev);

/* ---- act_auth.c: sessions ---- */

/* Create a session for the principal or app (exactly one of principal_id, app_id) of tenant ("" for operators)
 * in tx, within d->session_max unexpired sessions of that principal or app (else CCSP_ERR_LIMIT: the new login
 * or app token is refused; see docs/api-ccspd.md), absolute expiry now + d->session_absolute_s. token receives
 * the token (a secret: the caller wipes it once answered), *expires the expiry. */
CCSP_MUST_CHECK ccsp_err ccspd_session_issue(ccspd *d, ccsp_store_tx *tx, const char *principal_id,
                                             const char *app_id, const char *tenant,
                                             char token[CCSP_REQAUTH_TOKEN_LEN + 1], int64_t *expires);

/* A failed login (password or second factor) of p, counted in tx; the CCSPD_LOCKOUT_FAILURES-th in a row locks p
 * (audited as auth.lockout). */
CCSP_MUST_CHECK ccsp_err act_login_failed(ccspd *d, ccsp_store_tx *tx, ccsp_store_principal *p,
                                          const char *request_id);
/* Wipe the secret members of an answer (token, secret, oneTimePassword) and release it. NULL is ignored. */
void act_result_free(json_t *result);

/* ---- act_auth2.c: the operators' second factor ---- */

/* A new challenge for operator p, stored in tx (single use, CCSPD_CHALLENGE_TTL_MS) and the login answer
 * {"challenge", "secondFactor": "sm2" | "register"} into *result. */
CCSP_MUST_CHECK ccsp_err act_challenge_new(ccspd_call *c, ccsp_store_tx *tx, const ccsp_store_principal *p,
                                           json_t **result);

#endif

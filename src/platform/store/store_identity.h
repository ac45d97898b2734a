/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's identity entities: tenants, principals (operators and tenant members), sessions, applications and
 * the request nonces of applications. Conventions of store.h (transactions, tenant scoping, bounds) apply.
 *
 * Tenant scope arguments: `tenant` is a tenant id; for principals NULL selects the operators (who belong to no
 * tenant). A row of another tenant is CCSP_ERR_NOT_FOUND. Lists are keyset-paged: pass cursor NULL or "" for the
 * first page, then the id of the last row returned; limit is 1..CCSP_STORE_LIST_MAX (else CCSP_ERR_ARG); out
 * holds at least limit entries; *n gets how many were written (fewer than limit: the last page).
 */
#ifndef CCSP_PLATFORM_STORE_IDENTITY_H
#define CCSP_PLATFORM_STORE_IDENTITY_H

#include "platform/store/store.h"

#define CCSP_STORE_HASH_MAX 64   /* password hash, password salt */
#define CCSP_STORE_PUBKEY_MAX 128 /* an SM2 public key: 65-byte point or 91-byte SubjectPublicKeyInfo */
#define CCSP_STORE_TOKEN_HASH_SIZE 32 /* SM3 of a session token */
/* Levels of the tenant tree: a top-level tenant is level 1, its sub-tenants level 2, ... down to this one. */
#define CCSP_STORE_TENANT_DEPTH_MAX 4

typedef enum ccsp_store_status {
	CCSP_STORE_ACTIVE = 0,
	CCSP_STORE_DISABLED = 1,
} ccsp_store_status;

typedef enum ccsp_store_role {
	CCSP_ROLE_SYSADMIN = 0, /* operators (no tenant): separation of duties */
	CCSP_ROLE_SECADMIN = 1,
	CCSP_ROLE_AUDITOR = 2,
	CCSP_ROLE_TENANT_ADMIN = 3, /* members of a tenant */
	CCSP_ROLE_USER = 4,
} ccsp_store_role;

/* "sysadmin", "secadmin", "auditor", "tenant_admin", "user"; NULL when out of range. */
const char *ccsp_store_role_name(ccsp_store_role r);
/* CCSP_ERR_ARG for an unknown name. */
CCSP_MUST_CHECK ccsp_err ccsp_store_role_parse(const char *name, ccsp_store_role *r);
/* 1 for the operator roles. */
int ccsp_store_role_is_operator(ccsp_store_role r);

/* ---- tenants (store_tenant.c) ---- */

typedef struct ccsp_store_tenant {
	char id[CCSP_STORE_ID_LEN + 1];        /* set by create */
	char parent_id[CCSP_STORE_ID_LEN + 1]; /* "" for a top-level tenant */
	char name[CCSP_STORE_NAME_MAX + 1];    /* unique among its siblings */
	ccsp_store_status status;
	int64_t created;
} ccsp_store_tenant;

/* Create t (t->id is set to a fresh id). CCSP_ERR_NOT_FOUND (no such parent), CCSP_ERR_EXISTS (name taken among
 * the siblings), CCSP_ERR_LIMIT (the parent is at level CCSP_STORE_TENANT_DEPTH_MAX already), CCSP_ERR_ARG. */
CCSP_MUST_CHECK ccsp_err ccsp_store_tenant_create(ccsp_store_tx *tx, ccsp_store_tenant *t);
CCSP_MUST_CHECK ccsp_err ccsp_store_tenant_get(ccsp_store_tx *tx, const char *id, ccsp_store_tenant *out);
/* The children of parent (NULL or "": the top-level tenants), by id. */
CCSP_MUST_CHECK ccsp_err ccsp_store_tenant_list(ccsp_store_tx *tx, const char *parent, const char *cursor, size_t limit,
                                                ccsp_store_tenant *out, size_t *n);
/* 1 in *yes when id is ancestor or one of its descendants (sub-tenants, any depth; at most 32 levels). */
CCSP_MUST_CHECK ccsp_err ccsp_store_tenant_within(ccsp_store_tx *tx, const char *ancestor, const char *id, int *yes);
/* Sub-tenant scoping: the tenant id as seen from the tenant scope, into out. scope NULL (the operators) sees every
 * tenant; a tenant sees itself and its descendants. A tenant outside scope's subtree (an ancestor, a sibling, a
 * cousin) is CCSP_ERR_NOT_FOUND, exactly as one that does not exist. One statement (its ancestors, recursively). */
CCSP_MUST_CHECK ccsp_err ccsp_store_tenant_scoped(ccsp_store_tx *tx, const char *scope, const char *id,
                                                  ccsp_store_tenant *out);
/* 1 in *active when the tenant and every one of its ancestors are active: a disabled tenant disables its whole
 * subtree (the check of every authentication). One statement. CCSP_ERR_NOT_FOUND when there is no such tenant. */
CCSP_MUST_CHECK ccsp_err ccsp_store_tenant_active(ccsp_store_tx *tx, const char *id, int *active);
CCSP_MUST_CHECK ccsp_err ccsp_store_tenant_set_status(ccsp_store_tx *tx, const char *id, ccsp_store_status st);
/* Delete the tenant. CCSP_ERR_STATE while it still has sub-tenants, principals or apps. */
CCSP_MUST_CHECK ccsp_err ccsp_store_tenant_delete(ccsp_store_tx *tx, const char *id);

/* ---- principals (store_principal.c) ---- */

typedef struct ccsp_store_principal {
	char id[CCSP_STORE_ID_LEN + 1];        /* set by create */
	char tenant_id[CCSP_STORE_ID_LEN + 1]; /* "" for an operator */
	char login[CCSP_STORE_NAME_MAX + 1];   /* unique per tenant; among operators */
	ccsp_store_role role;                  /* an operator role iff tenant_id is "" */
	uint8_t pw_hash[CCSP_STORE_HASH_MAX];  /* opaque: PBKDF2-HMAC-SM3 is the caller's */
	size_t pw_hash_len;
	uint8_t pw_salt[CCSP_STORE_HASH_MAX];
	size_t pw_salt_len;
	uint32_t pw_iter;
	int must_change;                       /* change the password at the next login */
	int64_t pw_changed_at;
	int64_t failed_logins;
	int64_t locked_until;                  /* 0: not locked */
	uint8_t sm2_pub[CCSP_STORE_PUBKEY_MAX]; /* second factor; sm2_pub_len 0: none */
	size_t sm2_pub_len;
	ccsp_store_status status;
	int64_t created;
} ccsp_store_principal;

/* Create p (p->id set). CCSP_ERR_NOT_FOUND (no such tenant), CCSP_ERR_EXISTS (login taken), CCSP_ERR_ARG (role
 * does not fit the tenant: operators have no tenant, members have one). */
CCSP_MUST_CHECK ccsp_err ccsp_store_principal_create(ccsp_store_tx *tx, ccsp_store_principal *p);
CCSP_MUST_CHECK ccsp_err ccsp_store_principal_get(ccsp_store_tx *tx, const char *tenant, const char *id,
                                                  ccsp_store_principal *out);
/* By login name within tenant (NULL: the operators). */
CCSP_MUST_CHECK ccsp_err ccsp_store_principal_find(ccsp_store_tx *tx, const char *tenant, const char *login,
                                                   ccsp_store_principal *out);
CCSP_MUST_CHECK ccsp_err ccsp_store_principal_list(ccsp_store_tx *tx, const char *tenant, const char *cursor,
                                                   size_t limit, ccsp_store_principal *out, size_t *n);
/* Write p's mutable fields (role, password fields, must_change, pw_changed_at, failed_logins, locked_until,
 * sm2_pub, status) to the principal p->id of p->tenant_id. The login and tenant never change. */
CCSP_MUST_CHECK ccsp_err ccsp_store_principal_update(ccsp_store_tx *tx, const ccsp_store_principal *p);
/* Count one failed login atomically (two nodes counting at once lose nothing); *failed = the new count. */
CCSP_MUST_CHECK ccsp_err ccsp_store_principal_fail(ccsp_store_tx *tx, const char *tenant, const char *id,
                                                   int64_t *failed);
/* Delete the principal and its sessions. */
CCSP_MUST_CHECK ccsp_err ccsp_store_principal_delete(ccsp_store_tx *tx, const char *tenant, const char *id);

/* ---- sessions (store_session.c): the token itself is never stored, only its SM3 hash ---- */

typedef struct ccsp_store_session {
	uint8_t token_hash[CCSP_STORE_TOKEN_HASH_SIZE];
	char principal_id[CCSP_STORE_ID_LEN + 1]; /* exactly one of principal_id, app_id is set */
	char app_id[CCSP_STORE_ID_LEN + 1];
	char tenant_id[CCSP_STORE_ID_LEN + 1];    /* "" for an operator's session */
	int64_t created;
	int64_t last_seen;
	int64_t expires;                          /* absolute expiry */
} ccsp_store_session;

/* Create s. The principal or app must belong to s->tenant_id ("" for an operator): else CCSP_ERR_NOT_FOUND.
 * CCSP_ERR_EXISTS for a token hash in use. */
CCSP_MUST_CHECK ccsp_err ccsp_store_session_create(ccsp_store_tx *tx, const ccsp_store_session *s);
/* The session of token_hash unless it expired (expires <= now): CCSP_ERR_NOT_FOUND. Unscoped: the session is
 * what establishes the caller's tenant. The idle limit is the caller's check on out->last_seen. */
CCSP_MUST_CHECK ccsp_err ccsp_store_session_get(ccsp_store_tx *tx, const uint8_t token_hash[CCSP_STORE_TOKEN_HASH_SIZE],
                                                int64_t now, ccsp_store_session *out);
CCSP_MUST_CHECK ccsp_err ccsp_store_session_touch(ccsp_store_tx *tx,
                                                  const uint8_t token_hash[CCSP_STORE_TOKEN_HASH_SIZE], int64_t now);
/* Revoke (delete) one session. CCSP_ERR_NOT_FOUND when there was none. */
CCSP_MUST_CHECK ccsp_err ccsp_store_session_revoke(ccsp_store_tx *tx,
                                                   const uint8_t token_hash[CCSP_STORE_TOKEN_HASH_SIZE]);
/* Revoke every session of a principal of tenant (NULL: an operator); *n (may be NULL) = how many. */
CCSP_MUST_CHECK ccsp_err ccsp_store_session_revoke_principal(ccsp_store_tx *tx, const char *tenant,
                                                             const char *principal_id, int64_t *n);
/* The live sessions (expires > now, last_seen > seen_after: not idle) of a principal of tenant (NULL: an
 * operator). */
CCSP_MUST_CHECK ccsp_err ccsp_store_session_count(ccsp_store_tx *tx, const char *tenant, const char *principal_id,
                                                  int64_t now, int64_t seen_after, int64_t *n);
/* The live sessions of an app of tenant (as above). */
CCSP_MUST_CHECK ccsp_err ccsp_store_session_count_app(ccsp_store_tx *tx, const char *tenant, const char *app_id,
                                                      int64_t now, int64_t seen_after, int64_t *n);
/* Revoke every session, people's and apps', of tenant and of all its sub-tenants; *n (may be NULL) = how many. */
CCSP_MUST_CHECK ccsp_err ccsp_store_session_revoke_tenant(ccsp_store_tx *tx, const char *tenant, int64_t *n);
/* Sessions per tenant (operators' sessions are in no tenant and not counted). */
typedef struct ccsp_store_tenant_count {
	char tenant_id[CCSP_STORE_ID_LEN + 1];
	int64_t n;
} ccsp_store_tenant_count;
/* The live sessions (expires > now, last_seen > seen_after) per tenant, the most numerous first, at most limit
 * (1..CCSP_STORE_LIST_MAX) rows into out, *n of them; *total = the live sessions of all tenants (those of the
 * tenants beyond limit included). */
CCSP_MUST_CHECK ccsp_err ccsp_store_session_count_tenants(ccsp_store_tx *tx, int64_t now, int64_t seen_after,
                                                          size_t limit, ccsp_store_tenant_count *out, size_t *n,
                                                          int64_t *total);
/* Delete every session expired at now; *n (may be NULL) = how many. */
CCSP_MUST_CHECK ccsp_err ccsp_store_session_purge(ccsp_store_tx *tx, int64_t now, int64_t *n);

/* ---- applications (store_app.c) ---- */

typedef struct ccsp_store_app {
	char id[CCSP_STORE_ID_LEN + 1];         /* set by create */
	char tenant_id[CCSP_STORE_ID_LEN + 1];
	char name[CCSP_STORE_NAME_MAX + 1];     /* unique in the tenant */
	char access_key[CCSP_STORE_TEXT_MAX + 1]; /* public, unique platform-wide */
	uint8_t secret_ct[CCSP_STORE_BLOB_MAX]; /* the secret key encrypted by the caller under a VSM KEK */
	size_t secret_ct_len;
	uint8_t sm2_pub[CCSP_STORE_PUBKEY_MAX]; /* sm2_pub_len 0: none */
	size_t sm2_pub_len;
	ccsp_store_status status;
	int64_t created;
} ccsp_store_app;

/* Create a (a->id set). CCSP_ERR_NOT_FOUND (no such tenant), CCSP_ERR_EXISTS (name or access key taken). */
CCSP_MUST_CHECK ccsp_err ccsp_store_app_create(ccsp_store_tx *tx, ccsp_store_app *a);
CCSP_MUST_CHECK ccsp_err ccsp_store_app_get(ccsp_store_tx *tx, const char *tenant, const char *id, ccsp_store_app *out);
/* By access key, unscoped: this is how a signed request finds its app and tenant. */
CCSP_MUST_CHECK ccsp_err ccsp_store_app_find_key(ccsp_store_tx *tx, const char *access_key, ccsp_store_app *out);
CCSP_MUST_CHECK ccsp_err ccsp_store_app_list(ccsp_store_tx *tx, const char *tenant, const char *cursor, size_t limit,
                                             ccsp_store_app *out, size_t *n);
/* Write a's mutable fields (name, secret_ct, sm2_pub, status) to the app a->id of a->tenant_id. */
CCSP_MUST_CHECK ccsp_err ccsp_store_app_update(ccsp_store_tx *tx, const ccsp_store_app *a);
/* Delete the app and its sessions. */
CCSP_MUST_CHECK ccsp_err ccsp_store_app_delete(ccsp_store_tx *tx, const char *tenant, const char *id);

/* ---- request nonces (store_nonce.c) ---- */

/* Remember (access_key, nonce) seen at ts, in one statement: CCSP_OK when it is new, CCSP_ERR_EXISTS when it was
 * seen before (a replay; not a database error, the transaction stays usable). Atomic across nodes: of two
 * transactions inserting the same pair, the second waits for the first and, if it commits, gets
 * CCSP_ERR_EXISTS. */
CCSP_MUST_CHECK ccsp_err ccsp_store_nonce_check(ccsp_store_tx *tx, const char *access_key, const char *nonce,
                                                int64_t ts);
/* Forget the nonces older than before (ts < before); *n (may be NULL) = how many. */
CCSP_MUST_CHECK ccsp_err ccsp_store_nonce_purge(ccsp_store_tx *tx, int64_t before, int64_t *n);

#endif

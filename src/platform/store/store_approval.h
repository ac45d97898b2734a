/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's approval requests (store_approval.c): the two-person rule. One person requests an action (kind, on
 * target, with a JSON detail), another decides it before it expires. Platform-wide (no tenant). Conventions of
 * store.h and the list paging of store_identity.h apply.
 *
 * States: pending -> approved -> executed (the caller runs the action between the two, in one transaction), or
 * pending -> rejected, or pending -> expired. A pending request whose expiry has passed is read as expired (get,
 * list) whatever its stored state; ccsp_store_approval_expire() writes that state. At most one request per
 * (kind, target) is stored as pending.
 */
#ifndef CCSP_PLATFORM_STORE_APPROVAL_H
#define CCSP_PLATFORM_STORE_APPROVAL_H

#include "platform/store/store.h"

#define CCSP_STORE_APPROVAL_DETAIL_MAX 1024 /* bytes of the detail JSON */

typedef enum ccsp_store_approval_state {
	CCSP_APPROVAL_PENDING = 0,
	CCSP_APPROVAL_APPROVED = 1,
	CCSP_APPROVAL_REJECTED = 2,
	CCSP_APPROVAL_EXPIRED = 3,
	CCSP_APPROVAL_EXECUTED = 4,
} ccsp_store_approval_state;

typedef struct ccsp_store_approval {
	char id[CCSP_STORE_ID_LEN + 1];             /* set by create */
	char kind[CCSP_STORE_NAME_MAX + 1];         /* e.g. "operator-key-reset" */
	char target[CCSP_STORE_NAME_MAX + 1];       /* the object acted on, e.g. a principal id */
	char detail[CCSP_STORE_APPROVAL_DETAIL_MAX + 1]; /* a JSON object (the caller's; never a secret) */
	ccsp_store_approval_state state;
	char requested_by[CCSP_STORE_ID_LEN + 1];   /* principal ids */
	char decided_by[CCSP_STORE_ID_LEN + 1];     /* "" until decided (and for an expired request) */
	int64_t created, expires, decided_at, executed_at; /* decided_at, executed_at: 0 until then */
} ccsp_store_approval;

/* "pending", "approved", "rejected", "expired", "executed"; NULL when out of range. */
const char *ccsp_store_approval_state_name(ccsp_store_approval_state s);
/* CCSP_ERR_ARG for an unknown name. */
CCSP_MUST_CHECK ccsp_err ccsp_store_approval_state_parse(const char *name, ccsp_store_approval_state *s);

/* Store a as a new pending request (a->id set; a->state, decided_by, decided_at, executed_at are ignored).
 * CCSP_ERR_EXISTS when a request of the same kind and target is stored as pending (expire first: one past its
 * expiry still counts), CCSP_ERR_ARG (bounds; expires <= created). */
CCSP_MUST_CHECK ccsp_err ccsp_store_approval_create(ccsp_store_tx *tx, ccsp_store_approval *a);
/* The request id as of now (a pending one past its expiry reads as expired). */
CCSP_MUST_CHECK ccsp_err ccsp_store_approval_get(ccsp_store_tx *tx, const char *id, int64_t now,
                                                 ccsp_store_approval *out);
/* The requests in state (as of now; NULL: every state), by id, keyset-paged. */
CCSP_MUST_CHECK ccsp_err ccsp_store_approval_list(ccsp_store_tx *tx, const ccsp_store_approval_state *state,
                                                  int64_t now, const char *cursor, size_t limit,
                                                  ccsp_store_approval *out, size_t *n);
/* Decide the pending, unexpired request id at now: to APPROVED or REJECTED, by principal `by`. CCSP_ERR_NOT_FOUND
 * when there is no such request pending and unexpired (someone decided first, or it expired), CCSP_ERR_ARG. */
CCSP_MUST_CHECK ccsp_err ccsp_store_approval_decide(ccsp_store_tx *tx, const char *id, ccsp_store_approval_state to,
                                                    const char *by, int64_t now);
/* Mark the approved request id executed at now. CCSP_ERR_NOT_FOUND when it is not approved. */
CCSP_MUST_CHECK ccsp_err ccsp_store_approval_executed(ccsp_store_tx *tx, const char *id, int64_t now);
/* Store every pending request past its expiry at now as expired; *n (may be NULL) = how many. */
CCSP_MUST_CHECK ccsp_err ccsp_store_approval_expire(ccsp_store_tx *tx, int64_t now, int64_t *n);

#endif

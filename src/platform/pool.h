/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The resource pool's scheduler (POOL-3, POOL-4): the crypto devices (VSMs) of every resource group, which of
 * them are healthy, and which one runs the next operation.
 *
 * - Members come from the store (store_pool.h): ccspd hands the pool the list with ccsp_pool_sync, and again
 *   whenever it may have changed; a member that leaves the list is retired (no new work; closed once idle).
 * - ccsp_pool_tick is one health round (ccspd runs it on a ticker): a member that is down is opened and must
 *   reproduce its group's key check (the group's probe key, wrapped by the group's KEK, MACs a zero block to the
 *   recorded check value) before it is put in rotation; a member in rotation must answer (device information),
 *   else it leaves rotation and is reopened on a later round. A member that cannot reproduce the key check (reset,
 *   replaced, another KEK) is "mismatch": never used until it does.
 * - A member may be dedicated to one application (POOL-3: spec.app): it runs that application's operations and no
 *   one else's. An application's lease takes its dedicated members of the group first and the group's shared
 *   members only when none of those is healthy (or left to try); everyone else's leases take shared members only.
 * - ccsp_pool_acquire leases a healthy member of a group — by the lease's policy: the fewest operations in flight,
 *   each in turn, or the fastest lately (every lease's duration is measured per member) —; the caller runs
 *   the operation on the lease's handle and gives it back with ccsp_pool_release and the result. A communication
 *   failure (CCSP_ERR_COMM) takes the member out of rotation at once and, when the caller says the operation may
 *   run twice, asks it to retry on another member (at most CCSP_POOL_TRIES in all).
 * - Devices are reached through a backend (open, close, ready, key check), so the scheduler is tested without
 *   sockets; ccspd's backend is libsdf (pool_pvsm.c).
 * Thread-safe: one mutex guards the member table; operations run outside it.
 */
#ifndef CCSP_PLATFORM_POOL_H
#define CCSP_PLATFORM_POOL_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#include "platform/store/store_pool.h"

#define CCSP_POOL_MEMBERS_MAX 256
#define CCSP_POOL_TRIES 3
#define CCSP_POOL_PLATFORM_ID "platform" /* the member id of the node's platform VSM (group "default") */

typedef struct ccsp_pool ccsp_pool;

typedef struct ccsp_pool_backend {
	void *ctx;
	/* Open the device at address into *handle: CCSP_ERR_COMM when it does not answer. */
	ccsp_err (*open)(void *ctx, const char *address, void **handle);
	void (*close)(void *ctx, void *handle);
	/* 1 when the device answers. */
	int (*ready)(void *ctx, void *handle);
	/* The key check: the SM4-CBC-MAC of one zero block under probe (wrapped by the KEK at kek_index) into check. */
	ccsp_err (*check)(void *ctx, void *handle, uint32_t kek_index, const uint8_t *probe, size_t probe_len,
	                  uint8_t check[CCSP_STORE_POOL_CHECK_SIZE]);
	/* A new probe key wrapped by the KEK at kek_index (at most CCSP_STORE_POOL_PROBE_MAX bytes). */
	ccsp_err (*probe)(void *ctx, void *handle, uint32_t kek_index, uint8_t *probe, size_t *probe_len);
	/* Optional: the clock leases are timed by, in nanoseconds (tests); NULL: CLOCK_MONOTONIC. */
	uint64_t (*clock_ns)(void *ctx);
} ccsp_pool_backend;

/* A member as the store describes it, with its group's KEK and key check. */
typedef struct ccsp_pool_spec {
	char id[CCSP_STORE_ID_LEN + 1];
	char group[CCSP_STORE_ID_LEN + 1];
	char address[CCSP_STORE_POOL_ADDRESS_MAX + 1];
	uint32_t kek_index;
	uint8_t probe[CCSP_STORE_POOL_PROBE_MAX]; /* probe_len 0: the group has no key check yet */
	size_t probe_len;
	uint8_t check[CCSP_STORE_POOL_CHECK_SIZE];
	char app[CCSP_STORE_ID_LEN + 1]; /* the application it is dedicated to; "" when shared */
} ccsp_pool_spec;

typedef enum ccsp_pool_state {
	CCSP_POOL_DOWN = 0, /* not open, or out of rotation after a failure: the next tick tries it */
	CCSP_POOL_UP,       /* in rotation */
	CCSP_POOL_MISMATCH, /* answers, but does not hold its group's KEK */
	CCSP_POOL_RETIRED,  /* left the store's list */
} ccsp_pool_state;

/* What one member did, for pool/device-list and /metrics. */
typedef struct ccsp_pool_info {
	char id[CCSP_STORE_ID_LEN + 1];
	char group[CCSP_STORE_ID_LEN + 1];
	ccsp_pool_state state;
	unsigned inflight;
	uint64_t ops, failures, retries; /* operations run; of them failed with CCSP_ERR_COMM; retried elsewhere */
	uint64_t downs;                  /* times it left rotation */
	char app[CCSP_STORE_ID_LEN + 1]; /* dedicated to; "" when shared */
} ccsp_pool_info;

/* How a lease chooses among the eligible members (the scheduler's versions run one of these; POOL-3). */
typedef enum ccsp_pool_policy {
	CCSP_POOL_LEAST_LOADED = 0, /* the fewest operations in flight; equal loads take turns */
	CCSP_POOL_ROUND_ROBIN,      /* each member in turn, whatever its load */
	CCSP_POOL_FASTEST,          /* the lowest (in flight + 1) x recent mean latency: members of unequal speed;
	                               a member not measured yet is tried first */
	CCSP_POOL_POLICIES_
} ccsp_pool_policy;

typedef struct ccsp_pool_lease {
	const char *app;         /* set by the caller: the application the operation is for (NULL or "": shared
	                            members only) */
	ccsp_pool_policy policy; /* set by the caller */
	void *handle;            /* the device to run the operation on */
	unsigned slot, tries;
	unsigned tried[CCSP_POOL_TRIES];
	uint64_t started_ns; /* when the member was leased (its latency) */
} ccsp_pool_lease;

/* What the leases of one policy did: operations, of them failed with CCSP_ERR_COMM, and their total time. */
typedef struct ccsp_pool_policy_stats {
	uint64_t ops, failures, ns;
} ccsp_pool_policy_stats;

CCSP_MUST_CHECK ccsp_err ccsp_pool_new(const ccsp_pool_backend *be, ccsp_pool **out);
/* Closes every member it opened (the platform member's handle is the caller's). */
void ccsp_pool_free(ccsp_pool *p);
/* The node's platform VSM as a member of group "default" with handle (never closed or reopened by the pool; up
 * while ready answers) and its KEK index; NULL handle: none. */
void ccsp_pool_set_platform(ccsp_pool *p, void *handle, uint32_t kek_index);
/* Make the member table what specs say (n at most CCSP_POOL_MEMBERS_MAX - 1): new members start down, members
 * whose address, group or key check changed are reopened, members missing from specs retire. */
CCSP_MUST_CHECK ccsp_err ccsp_pool_sync(ccsp_pool *p, const ccsp_pool_spec *specs, size_t n);
/* One health round (above). */
void ccsp_pool_tick(ccsp_pool *p);

/* Lease a member of group for one operation for l->app (l otherwise zeroed before the first call).
 * CCSP_ERR_MODULE_STATE when the group has no healthy member left to try for it. */
CCSP_MUST_CHECK ccsp_err ccsp_pool_acquire(ccsp_pool *p, const char *group, ccsp_pool_lease *l);
/* Give the lease back with the operation's result. 1 when the caller should acquire again and retry (result was
 * CCSP_ERR_COMM, retry_safe is set and tries remain), else 0. */
int ccsp_pool_release(ccsp_pool *p, ccsp_pool_lease *l, ccsp_err result, int retry_safe);

/* Open the device at address with a fresh backend handle, take its key check (probe_len 0: make a probe first,
 * returned in probe / *probe_len) and close it: what joining a group needs. CCSP_ERR_COMM (no answer),
 * CCSP_ERR_KEY (the device has no KEK at kek_index). */
CCSP_MUST_CHECK ccsp_err ccsp_pool_key_check(ccsp_pool *p, const char *address, uint32_t kek_index, uint8_t *probe,
                                             size_t *probe_len, uint8_t check[CCSP_STORE_POOL_CHECK_SIZE]);
/* The same with the platform VSM's handle (the default group's first member). */
CCSP_MUST_CHECK ccsp_err ccsp_pool_platform_key_check(ccsp_pool *p, uint8_t *probe, size_t *probe_len,
                                                      uint8_t check[CCSP_STORE_POOL_CHECK_SIZE]);

/* The KEK index of group's members (they all share it); 0 when the group has none. */
uint32_t ccsp_pool_group_kek(ccsp_pool *p, const char *group);

/* The backend on VSMs through libsdf (pool_pvsm.c): handles are ccsp_pvsm, opened with sessions sessions each. */
void ccsp_pool_pvsm_backend(ccsp_pool_backend *be, unsigned *sessions);

/* The info of every member (retired ones too) into out (at most max), *n of them. */
void ccsp_pool_infos(ccsp_pool *p, ccsp_pool_info *out, size_t max, size_t *n);
/* The counts of each policy's leases into out[CCSP_POOL_POLICIES_]. */
void ccsp_pool_policy_counts(ccsp_pool *p, ccsp_pool_policy_stats out[CCSP_POOL_POLICIES_]);
/* "least-loaded", "round-robin", "fastest"; ccsp_pool_policy_parse: CCSP_ERR_ARG for another name. */
const char *ccsp_pool_policy_name(ccsp_pool_policy policy);
CCSP_MUST_CHECK ccsp_err ccsp_pool_policy_parse(const char *name, ccsp_pool_policy *policy);
/* "down", "up", "mismatch", "retired". */
const char *ccsp_pool_state_name(ccsp_pool_state s);

#endif

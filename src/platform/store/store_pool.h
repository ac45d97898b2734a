/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's resource pool (store_pool.c, schema version 5): resource groups and the crypto devices in them.
 * A device is a GM/T 0018 device reached through libsdf (kind "sdf", its address the path of its client config);
 * it belongs to at most one group. A group's members hold the same KEK at the group's index, so any of them runs
 * any of the group's keys; the group's key check (probe) lets ccspd prove that of a VSM before it joins.
 * Group "default" always exists: the shared (SaaS) group, whose implicit first member is each node's platform VSM.
 * A group with a tenant is that tenant's exclusive group (at most one per tenant): its keys run only there.
 * Platform-wide (only system administrators manage them). Conventions of store.h and the paging of
 * store_identity.h apply.
 */
#ifndef CCSP_PLATFORM_STORE_POOL_H
#define CCSP_PLATFORM_STORE_POOL_H

#include "platform/store/store.h"

#define CCSP_STORE_POOL_DEFAULT_GROUP "default"
#define CCSP_STORE_POOL_ADDRESS_MAX 1024 /* a config path */
#define CCSP_STORE_POOL_INFO_MAX 64      /* vendor, model, serial as the device reported them */
#define CCSP_STORE_POOL_KIND_MAX 16
#define CCSP_STORE_POOL_PROBE_MAX 64  /* a wrapped SM4 key (CCSP_PVSM_WRAPPED_MAX) */
#define CCSP_STORE_POOL_CHECK_SIZE 16 /* its SM4-CBC-MAC of one zero block */

typedef struct ccsp_store_pool_group {
	char id[CCSP_STORE_ID_LEN + 1];           /* set by create; "default" for the default group */
	char name[CCSP_STORE_NAME_MAX + 1];       /* unique */
	char tenant_id[CCSP_STORE_ID_LEN + 1];    /* "" for a shared group */
	uint32_t kek_index;                       /* 1..65535; 0 for the default group: ccspd.conf's vsm_kek_index */
	uint8_t probe[CCSP_STORE_POOL_PROBE_MAX]; /* probe_len 0: no key check yet (no member has joined) */
	size_t probe_len;
	uint8_t check[CCSP_STORE_POOL_CHECK_SIZE];
	int64_t created;
} ccsp_store_pool_group;

typedef struct ccsp_store_pool_device {
	char id[CCSP_STORE_ID_LEN + 1];     /* set by create */
	char name[CCSP_STORE_NAME_MAX + 1]; /* unique */
	char kind[CCSP_STORE_POOL_KIND_MAX + 1];
	char address[CCSP_STORE_POOL_ADDRESS_MAX + 1];
	char vendor[CCSP_STORE_POOL_INFO_MAX + 1], model[CCSP_STORE_POOL_INFO_MAX + 1],
	        serial[CCSP_STORE_POOL_INFO_MAX + 1];
	char group_id[CCSP_STORE_ID_LEN + 1]; /* "" when the device is in no group (a spare) */
	char dedicated_app[CCSP_STORE_ID_LEN + 1]; /* the application it serves alone (POOL-3); "" when shared */
	int64_t created;
} ccsp_store_pool_device;

/* Create g (g->id set, probe_len 0). CCSP_ERR_EXISTS (the name is taken, or the tenant has an exclusive group
 * already), CCSP_ERR_NOT_FOUND (no such tenant), CCSP_ERR_ARG (bounds, kek_index 0). */
CCSP_MUST_CHECK ccsp_err ccsp_store_pool_group_create(ccsp_store_tx *tx, ccsp_store_pool_group *g);
CCSP_MUST_CHECK ccsp_err ccsp_store_pool_group_get(ccsp_store_tx *tx, const char *id, ccsp_store_pool_group *out);
/* The group whose KEK wraps tenant's new keys: its exclusive group, else the default group. */
CCSP_MUST_CHECK ccsp_err ccsp_store_pool_group_of_tenant(ccsp_store_tx *tx, const char *tenant,
                                                         ccsp_store_pool_group *out);
/* By id, keyset-paged. */
CCSP_MUST_CHECK ccsp_err ccsp_store_pool_group_list(ccsp_store_tx *tx, const char *cursor, size_t limit,
                                                    ccsp_store_pool_group *out, size_t *n);
/* Set the group's key check once: CCSP_ERR_EXISTS when it has one already, CCSP_ERR_NOT_FOUND, CCSP_ERR_ARG. */
CCSP_MUST_CHECK ccsp_err ccsp_store_pool_group_set_probe(ccsp_store_tx *tx, const char *id, const uint8_t *probe,
                                                         size_t probe_len,
                                                         const uint8_t check[CCSP_STORE_POOL_CHECK_SIZE]);
/* The number of keys (in any state) and of import keys whose material the group's KEK wraps, and of its
 * members, into the non-NULL pointers. */
CCSP_MUST_CHECK ccsp_err ccsp_store_pool_group_usage(ccsp_store_tx *tx, const char *id, int64_t *keys,
                                                     int64_t *members);
/* Delete a group that has no members and no keys: CCSP_ERR_STATE otherwise (and for the default group),
 * CCSP_ERR_NOT_FOUND. */
CCSP_MUST_CHECK ccsp_err ccsp_store_pool_group_delete(ccsp_store_tx *tx, const char *id);

/* Create d (d->id set, in no group). CCSP_ERR_EXISTS (name or address registered already), CCSP_ERR_ARG. */
CCSP_MUST_CHECK ccsp_err ccsp_store_pool_device_create(ccsp_store_tx *tx, ccsp_store_pool_device *d);
CCSP_MUST_CHECK ccsp_err ccsp_store_pool_device_get(ccsp_store_tx *tx, const char *id, ccsp_store_pool_device *out);
/* By id, keyset-paged. */
CCSP_MUST_CHECK ccsp_err ccsp_store_pool_device_list(ccsp_store_tx *tx, const char *cursor, size_t limit,
                                                     ccsp_store_pool_device *out, size_t *n);
/* *taken = 1 when a device has that name or that address. */
CCSP_MUST_CHECK ccsp_err ccsp_store_pool_device_taken(ccsp_store_tx *tx, const char *name, const char *address,
                                                      int *taken);
/* Put the device into group (which must exist) or, group NULL or "", into none. CCSP_ERR_STATE when joining a
 * group while in another one; CCSP_ERR_NOT_FOUND (device or group). */
CCSP_MUST_CHECK ccsp_err ccsp_store_pool_device_set_group(ccsp_store_tx *tx, const char *id, const char *group);
/* The group's shared members (dedicated to no application) other than device except, into *shared. */
CCSP_MUST_CHECK ccsp_err ccsp_store_pool_group_shared(ccsp_store_tx *tx, const char *group, const char *except,
                                                      int64_t *shared);
/* Dedicate the device to application app (an id from the apps table) or, app NULL or "", share it again.
 * CCSP_ERR_NOT_FOUND (device or application), CCSP_ERR_STATE when it would leave the device's group without a
 * shared member (the default group always has one: the platform VSM). */
CCSP_MUST_CHECK ccsp_err ccsp_store_pool_device_dedicate(ccsp_store_tx *tx, const char *id, const char *app);
/* Delete a device that is in no group: CCSP_ERR_STATE otherwise, CCSP_ERR_NOT_FOUND. */
CCSP_MUST_CHECK ccsp_err ccsp_store_pool_device_delete(ccsp_store_tx *tx, const char *id);

/* ---- CHSMs (schema version 6): registered by their GM/T 0088 management URL ---- */

#define CCSP_STORE_POOL_URL_MAX 512
#define CCSP_STORE_POOL_PEM_MAX 8192 /* a CA bundle or a certificate, PEM */
#define CCSP_STORE_POOL_PK_MAX 256   /* a device public key as getCHSMInfo gave it */
#define CCSP_STORE_POOL_KIND_CHSM_VSM "chsm-vsm"
#define CCSP_STORE_POOL_VSM_ID_MAX 36
#define CCSP_STORE_POOL_TOKEN_SEALED_MAX 128

typedef struct ccsp_store_pool_chsm {
	char id[CCSP_STORE_ID_LEN + 1];          /* set by create */
	char name[CCSP_STORE_NAME_MAX + 1];      /* unique */
	char url[CCSP_STORE_POOL_URL_MAX + 1];   /* https://HOST:PORT, unique */
	char ca_pem[CCSP_STORE_POOL_PEM_MAX + 1]; /* trust for its TLS certificate; "" for the system's store */
	char device_pk[CCSP_STORE_POOL_PK_MAX + 1];
	char vendor[CCSP_STORE_POOL_INFO_MAX + 1], model[CCSP_STORE_POOL_INFO_MAX + 1],
	        serial[CCSP_STORE_POOL_INFO_MAX + 1], version[CCSP_STORE_POOL_INFO_MAX + 1];
	int64_t created;
} ccsp_store_pool_chsm;

/* Create c (c->id set). CCSP_ERR_EXISTS (name or URL registered already), CCSP_ERR_ARG. */
CCSP_MUST_CHECK ccsp_err ccsp_store_pool_chsm_create(ccsp_store_tx *tx, ccsp_store_pool_chsm *c);
CCSP_MUST_CHECK ccsp_err ccsp_store_pool_chsm_get(ccsp_store_tx *tx, const char *id, ccsp_store_pool_chsm *out);
/* By id, keyset-paged. */
CCSP_MUST_CHECK ccsp_err ccsp_store_pool_chsm_list(ccsp_store_tx *tx, const char *cursor, size_t limit,
                                                   ccsp_store_pool_chsm *out, size_t *n);
/* The number of its VSMs among the pool's devices. */
CCSP_MUST_CHECK ccsp_err ccsp_store_pool_chsm_vsms(ccsp_store_tx *tx, const char *id, int64_t *n);
/* Delete a CHSM none of whose VSMs is a device or a tenant's (with its tasks): CCSP_ERR_STATE otherwise,
 * CCSP_ERR_NOT_FOUND. */
CCSP_MUST_CHECK ccsp_err ccsp_store_pool_chsm_delete(ccsp_store_tx *tx, const char *id);

/* A device of kind CCSP_STORE_POOL_KIND_CHSM_VSM: the VSM of a registered CHSM, reached by libsdf at address with
 * its TLS certificate cert_pem and the token ccspd set on it (sealed; ccspd unseals it only to write a node's
 * client config). */
typedef struct ccsp_store_pool_vsm_link {
	char device_id[CCSP_STORE_ID_LEN + 1];
	char chsm_id[CCSP_STORE_ID_LEN + 1];
	char vsm_id[CCSP_STORE_POOL_VSM_ID_MAX + 1];
	char address[CCSP_STORE_POOL_INFO_MAX + 1]; /* HOST:PORT */
	char cert_pem[CCSP_STORE_POOL_PEM_MAX + 1];
	uint8_t token_sealed[CCSP_STORE_POOL_TOKEN_SEALED_MAX];
	size_t token_sealed_len;
} ccsp_store_pool_vsm_link;

/* Create device d (kind CCSP_STORE_POOL_KIND_CHSM_VSM, as ccsp_store_pool_device_create) with its link (device_id
 * set from d). CCSP_ERR_EXISTS (name, address, or that CHSM's VSM registered already), CCSP_ERR_NOT_FOUND (no such
 * CHSM), CCSP_ERR_ARG. */
CCSP_MUST_CHECK ccsp_err ccsp_store_pool_vsm_create(ccsp_store_tx *tx, ccsp_store_pool_device *d,
                                                    ccsp_store_pool_vsm_link *link);
/* The link of device id: CCSP_ERR_NOT_FOUND when it is not a CHSM VSM. ccsp_store_pool_device_delete deletes it
 * with its device. */
CCSP_MUST_CHECK ccsp_err ccsp_store_pool_vsm_get(ccsp_store_tx *tx, const char *device_id,
                                                 ccsp_store_pool_vsm_link *out);

/* A long GM/T 0088 operation ccspd started on a CHSM (createVSM): accepted, then done or failed by its callback. */
#define CCSP_STORE_POOL_TASK_MESSAGE_MAX 256
typedef struct ccsp_store_pool_task {
	char request_id[CCSP_STORE_NAME_MAX + 1]; /* the requestId ccspd sent */
	char chsm_id[CCSP_STORE_ID_LEN + 1];
	char opr_type[16];                          /* "create", "export", "drift", "reset", "copy-export" */
	char vsm_id[CCSP_STORE_POOL_VSM_ID_MAX + 1];
	char name[CCSP_STORE_NAME_MAX + 1];         /* create: the device name the VSM gets in the pool */
	char state[16];                             /* "accepted", "done", "failed" */
	int64_t status;                             /* the callback's status (0 until then) */
	char message[CCSP_STORE_POOL_TASK_MESSAGE_MAX + 1];
	int64_t created, completed;                 /* completed 0 until then */
	char detail[CCSP_STORE_NAME_MAX + 1];       /* copy-export: "<chsmId>:<flavor>", where the copy is made (v7) */
} ccsp_store_pool_task;

/* Record t (state "accepted"). CCSP_ERR_EXISTS (that requestId), CCSP_ERR_NOT_FOUND (no such CHSM), CCSP_ERR_ARG. */
CCSP_MUST_CHECK ccsp_err ccsp_store_pool_task_create(ccsp_store_tx *tx, ccsp_store_pool_task *t);
CCSP_MUST_CHECK ccsp_err ccsp_store_pool_task_get(ccsp_store_tx *tx, const char *request_id,
                                                  ccsp_store_pool_task *out);
/* Complete an accepted task: state "done" or "failed", its status, message and time. CCSP_ERR_STATE when it is
 * complete already (a repeated callback), CCSP_ERR_NOT_FOUND. */
CCSP_MUST_CHECK ccsp_err ccsp_store_pool_task_complete(ccsp_store_tx *tx, const char *request_id, const char *state,
                                                       int64_t status, const char *message, int64_t completed);
/* The newest limit tasks (of chsm_id, or of every CHSM when NULL), newest first. */
CCSP_MUST_CHECK ccsp_err ccsp_store_pool_task_list(ccsp_store_tx *tx, const char *chsm_id, size_t limit,
                                                   ccsp_store_pool_task *out, size_t *n);

/* A CHSM VSM assigned to a tenant as its own (the tenant's applications use it through libsdf; it is no pool
 * device). A VSM is a pool device or a tenant's, never both. */
typedef struct ccsp_store_tenant_vsm {
	char chsm_id[CCSP_STORE_ID_LEN + 1];
	char vsm_id[CCSP_STORE_POOL_VSM_ID_MAX + 1];
	char tenant_id[CCSP_STORE_ID_LEN + 1];
	char address[CCSP_STORE_POOL_INFO_MAX + 1]; /* HOST:PORT */
	char cert_pem[CCSP_STORE_POOL_PEM_MAX + 1];
	int64_t created;
} ccsp_store_tenant_vsm;

/* Assign. CCSP_ERR_EXISTS (assigned already, or a pool device), CCSP_ERR_NOT_FOUND (no such CHSM or tenant),
 * CCSP_ERR_ARG. */
CCSP_MUST_CHECK ccsp_err ccsp_store_tenant_vsm_create(ccsp_store_tx *tx, const ccsp_store_tenant_vsm *v);
/* The VSM of tenant (NULL: whoever's): CCSP_ERR_NOT_FOUND when it is not that tenant's. */
CCSP_MUST_CHECK ccsp_err ccsp_store_tenant_vsm_get(ccsp_store_tx *tx, const char *tenant, const char *chsm_id,
                                                   const char *vsm_id, ccsp_store_tenant_vsm *out);
/* The tenant's VSMs (NULL: every tenant's), at most limit, by CHSM and VSM id. */
CCSP_MUST_CHECK ccsp_err ccsp_store_tenant_vsm_list(ccsp_store_tx *tx, const char *tenant, size_t limit,
                                                    ccsp_store_tenant_vsm *out, size_t *n);
/* Record where the VSM listens now (after its vsmd restarted). CCSP_ERR_NOT_FOUND, CCSP_ERR_ARG. */
CCSP_MUST_CHECK ccsp_err ccsp_store_tenant_vsm_set_address(ccsp_store_tx *tx, const char *chsm_id, const char *vsm_id,
                                                           const char *address, const char *cert_pem);
/* *assigned = 1 when the VSM is a tenant's. */
CCSP_MUST_CHECK ccsp_err ccsp_store_tenant_vsm_assigned(ccsp_store_tx *tx, const char *chsm_id, const char *vsm_id,
                                                        int *assigned);

/* The newest image of a tenant's VSM (exportVSM: sealed for the CHSMs' trust domain and signed by the exporting
 * CHSM's device key) on the platform's image server, and the drift in progress, if any (schema version 7). */
#define CCSP_STORE_POOL_DIGEST_MAX 64  /* Base64 of an SM3 digest */
#define CCSP_STORE_POOL_DATA_VERSION_MAX 64
typedef struct ccsp_store_tvsm_image {
	char chsm_id[CCSP_STORE_ID_LEN + 1];
	char vsm_id[CCSP_STORE_POOL_VSM_ID_MAX + 1];
	char url[CCSP_STORE_POOL_URL_MAX + 1];          /* where the CHSM uploaded it */
	char digest[CCSP_STORE_POOL_DIGEST_MAX + 1];    /* Base64 SM3 of the file, from the CHSM's signed callback */
	int64_t size;                                   /* bytes of the file */
	char data_version[CCSP_STORE_POOL_DATA_VERSION_MAX + 1]; /* the VSM's getVSMInfo dataVersion it follows */
	char drift_task[CCSP_STORE_NAME_MAX + 1];       /* "" or the requestId of the drift under way */
	int64_t drift_claimed;                          /* when it was claimed (ms), 0 without */
	int64_t created;
} ccsp_store_tvsm_image;

/* Record the VSM's newest image (replacing the previous; a drift under way stays). CCSP_ERR_NOT_FOUND (not a
 * tenant's VSM), CCSP_ERR_ARG. */
CCSP_MUST_CHECK ccsp_err ccsp_store_tvsm_image_put(ccsp_store_tx *tx, const ccsp_store_tvsm_image *img);
/* CCSP_ERR_NOT_FOUND: no image yet. */
CCSP_MUST_CHECK ccsp_err ccsp_store_tvsm_image_get(ccsp_store_tx *tx, const char *chsm_id, const char *vsm_id,
                                                   ccsp_store_tvsm_image *out);
/* Claim the VSM's drift for task at now: CCSP_ERR_STATE when another drift claimed at stale_before or later is
 * under way (an older claim is taken over: its CHSM never called back), CCSP_ERR_NOT_FOUND (no image). */
CCSP_MUST_CHECK ccsp_err ccsp_store_tvsm_drift_claim(ccsp_store_tx *tx, const char *chsm_id, const char *vsm_id,
                                                     const char *task, int64_t now, int64_t stale_before);
/* Give up task's claim (a failed drift): CCSP_ERR_STATE when task does not hold it. */
CCSP_MUST_CHECK ccsp_err ccsp_store_tvsm_drift_release(ccsp_store_tx *tx, const char *chsm_id, const char *vsm_id,
                                                       const char *task);
/* A CHSM VSM that held a tenant's keys and is no longer the tenant's (released, or drifted away from): ccspd resets
 * it (resetVSM) as soon as its CHSM answers, then forgets it (schema version 7). */
typedef struct ccsp_store_retired_vsm {
	char chsm_id[CCSP_STORE_ID_LEN + 1];
	char vsm_id[CCSP_STORE_POOL_VSM_ID_MAX + 1];
	char reason[16]; /* "released", "drifted" */
	int64_t since;
} ccsp_store_retired_vsm;
/* Take the tenant's VSM away (its image record with it) and retire it: CCSP_ERR_NOT_FOUND (not tenant's; NULL:
 * whoever's), CCSP_ERR_STATE (a drift of it is under way). */
CCSP_MUST_CHECK ccsp_err ccsp_store_tenant_vsm_release(ccsp_store_tx *tx, const char *tenant, const char *chsm_id,
                                                       const char *vsm_id, int64_t now);
/* The retired VSMs, oldest first, at most limit. */
CCSP_MUST_CHECK ccsp_err ccsp_store_retired_vsm_list(ccsp_store_tx *tx, size_t limit, ccsp_store_retired_vsm *out,
                                                     size_t *n);
/* Forget a retired VSM (its reset is done). CCSP_ERR_NOT_FOUND. */
CCSP_MUST_CHECK ccsp_err ccsp_store_retired_vsm_remove(ccsp_store_tx *tx, const char *chsm_id, const char *vsm_id);

/* Complete task's drift: the tenant's VSM (chsm_id, vsm_id) becomes to (its chsm_id, vsm_id, address, cert_pem;
 * tenant and created carried over into *to), the image record follows it (its data_version cleared, so that the
 * new VSM is exported afresh), and the old VSM is retired ("drifted"). CCSP_ERR_STATE when task does not hold the drift, CCSP_ERR_EXISTS (to is taken). */
CCSP_MUST_CHECK ccsp_err ccsp_store_tenant_vsm_move(ccsp_store_tx *tx, const char *chsm_id, const char *vsm_id,
                                                    const char *task, ccsp_store_tenant_vsm *to, int64_t now);
/* *retired = 1 while the VSM waits for its reset (it is then neither assigned nor leased: CCSP_ERR_EXISTS). */
CCSP_MUST_CHECK ccsp_err ccsp_store_retired_vsm_is(ccsp_store_tx *tx, const char *chsm_id, const char *vsm_id,
                                                   int *retired);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pending callbacks of chsmd, persisted (GM/T 0088 spec §3.7: "the device persists pending callbacks across
 * reboots"). One file per callback not yet acknowledged, DIR/<id>.cb, each written as a whole or not at all
 * (src/common/atomic_file.h, mode 0600); a record is opaque bytes to this module (chsmd stores a JSON object).
 *
 * Ids are CHSM_CBSTORE_ID_LEN characters: 16 hex digits of the Unix time in milliseconds, '-', 8 random hex
 * digits. Their byte order is their creation order, so a list is oldest first. Nothing but such names is ever
 * opened: an id argument of any other form is refused (no path can be smuggled in).
 *
 * Bounds: at most CHSM_CBSTORE_MAX records (a full store refuses new ones: the caller still tries to deliver its
 * callback, unpersisted) of at most CHSM_CBSTORE_RECORD_MAX bytes each; a larger file found in DIR is refused
 * when read, never half-read.
 *
 * Thread-safe: every function may be called from any thread; each call is atomic on its own.
 */
#ifndef CCSP_CHSM_CBSTORE_H
#define CCSP_CHSM_CBSTORE_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#define CHSM_CBSTORE_ID_LEN 25
#define CHSM_CBSTORE_MAX 1024
#define CHSM_CBSTORE_RECORD_MAX 65536

typedef struct chsm_cbstore chsm_cbstore;
typedef char chsm_cbstore_id[CHSM_CBSTORE_ID_LEN + 1];

/* Open the store in dir (created 0700 when missing), removing temporaries a crash left behind.
 * CCSP_ERR_ARG, CCSP_ERR_IO, CCSP_ERR_NOMEM. */
CCSP_MUST_CHECK ccsp_err chsm_cbstore_open(const char *dir, chsm_cbstore **out);
void chsm_cbstore_free(chsm_cbstore *s);

/* 1 when id has the form above. */
int chsm_cbstore_id_valid(const char *id);

/* Persist a new record (1..CHSM_CBSTORE_RECORD_MAX bytes) under a fresh id (into id). CCSP_ERR_LIMIT when the
 * store is full or rec too large, CCSP_ERR_IO, CCSP_ERR_RNG, CCSP_ERR_ARG. */
CCSP_MUST_CHECK ccsp_err chsm_cbstore_add(chsm_cbstore *s, const void *rec, size_t len, chsm_cbstore_id id);
/* Replace the record id with rec, atomically. CCSP_ERR_FILE_NOT_FOUND when there is no such record (it was
 * removed meanwhile: nothing is written), CCSP_ERR_LIMIT, CCSP_ERR_IO, CCSP_ERR_ARG. */
CCSP_MUST_CHECK ccsp_err chsm_cbstore_put(chsm_cbstore *s, const char *id, const void *rec, size_t len);
/* Read the record id into a malloc'd *rec of *len bytes (the caller frees it).
 * CCSP_ERR_FILE_NOT_FOUND, CCSP_ERR_LIMIT (larger than CHSM_CBSTORE_RECORD_MAX), CCSP_ERR_IO, CCSP_ERR_ARG. */
CCSP_MUST_CHECK ccsp_err chsm_cbstore_get(chsm_cbstore *s, const char *id, uint8_t **rec, size_t *len);
/* Remove the record id (delivered, or given up). Removing an absent record is CCSP_OK. */
CCSP_MUST_CHECK ccsp_err chsm_cbstore_remove(chsm_cbstore *s, const char *id);
/* The ids of the stored records, oldest first: up to cap of them into ids, *n = how many were written. */
CCSP_MUST_CHECK ccsp_err chsm_cbstore_list(chsm_cbstore *s, chsm_cbstore_id *ids, size_t cap, size_t *n);

#endif

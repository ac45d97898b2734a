/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The service platform's store: one interface, two engines.
 *
 *   sqlite:/path/to/file.db        embedded (the default, one ccspd): WAL, synchronous=FULL, foreign keys on
 *   postgresql://...  postgres://... libpq URI (e.g. postgresql:///ccsp?host=/run/postgresql): several ccspd nodes
 *                                  share one database and behave as one platform
 *
 * Both engines hold the same schema, created and upgraded by versioned migrations at open (store_migrate.c): in
 * one transaction, idempotent, serialized between nodes; a database whose schema is newer than this code is
 * refused (CCSP_ERR_UNSUPPORTED).
 *
 * Every read and write happens in a transaction: ccsp_store_begin() -> calls taking the ccsp_store_tx ->
 * ccsp_store_commit() or ccsp_store_rollback(). After any call of the transaction fails with a database error
 * (as opposed to a normal answer such as CCSP_ERR_NOT_FOUND or a replayed nonce), the transaction can only be
 * rolled back. A conflict with a concurrent transaction (SQLite busy past the busy timeout, PostgreSQL
 * serialization failure or deadlock) is CCSP_ERR_BUSY: nothing was done, run the whole transaction again —
 * ccsp_store_run() does exactly that, a bounded number of times.
 *
 * Tenant scoping: every tenant-owned row (principals of a tenant, apps, sessions of either) is read and written
 * only through calls that take the tenant id, and every such query filters by it: an object of another tenant is
 * CCSP_ERR_NOT_FOUND, indistinguishable from an absent one. The only unscoped lookups are those that *establish*
 * the tenant from a credential: a session by token hash, an app by access key (they return the tenant).
 *
 * Thread safety: a ccsp_store is thread-safe; it owns a pool of up to `pool` connections (one per open
 * transaction). A ccsp_store_tx belongs to one thread at a time. ccsp_store_begin() waits for a free connection,
 * so a thread must not hold two transactions of one store at once (it would wait for itself when the pool is
 * exhausted).
 *
 * Strings are UTF-8 (checked), bounded as below; blobs are opaque bytes. Times are Unix milliseconds.
 */
#ifndef CCSP_PLATFORM_STORE_H
#define CCSP_PLATFORM_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#define CCSP_STORE_ID_LEN 32          /* ids: 128 random bits as lowercase hex */
#define CCSP_STORE_NAME_MAX 128       /* tenant/app names, login names (bytes) */
#define CCSP_STORE_TEXT_MAX 255       /* roles, statuses, actions, targets, access keys, nonces, config keys */
#define CCSP_STORE_VALUE_MAX 65536    /* config values, audit detail (bytes) */
#define CCSP_STORE_BLOB_MAX 512       /* password hash/salt, public keys, ciphertexts, chain values, MACs */
#define CCSP_STORE_LIST_MAX 1000      /* the most rows one list call returns */
#define CCSP_STORE_POOL_MAX 16
#define CCSP_STORE_SCHEMA_VERSION 8   /* the newest schema this code knows */

typedef struct ccsp_store ccsp_store;
typedef struct ccsp_store_tx ccsp_store_tx;

typedef struct ccsp_store_opts {
	unsigned pool;            /* connections, 1..CCSP_STORE_POOL_MAX; 0: 4 */
	unsigned busy_timeout_ms; /* SQLite: wait this long for the write lock before CCSP_ERR_BUSY; 0: 5000 */
} ccsp_store_opts;

/* Open the store at url (opts may be NULL), applying any migrations. err (may be NULL) receives a message for the
 * operator on failure. CCSP_ERR_ARG (unknown scheme, bad URL), CCSP_ERR_COMM (cannot connect to PostgreSQL),
 * CCSP_ERR_IO (cannot open the file), CCSP_ERR_UNSUPPORTED (schema newer than this code), CCSP_ERR_TAMPERED (not a
 * database), CCSP_ERR_NOMEM, CCSP_ERR_BUSY. */
CCSP_MUST_CHECK ccsp_err ccsp_store_open(const char *url, const ccsp_store_opts *opts, ccsp_store **out, char *err,
                                         size_t errlen);
/* Close every connection. No transaction may be open. NULL is ignored. */
void ccsp_store_free(ccsp_store *s);
/* "sqlite" or "postgresql". */
const char *ccsp_store_engine(const ccsp_store *s);
/* The schema version of the database. */
CCSP_MUST_CHECK ccsp_err ccsp_store_schema_version(ccsp_store *s, int64_t *version);
/* The engine's consistency check (SQLite: PRAGMA integrity_check; PostgreSQL: a round trip).
 * CCSP_ERR_TAMPERED when the file is damaged. */
CCSP_MUST_CHECK ccsp_err ccsp_store_check(ccsp_store *s);

/* Begin a read-write transaction (SQLite: BEGIN IMMEDIATE, i.e. the write lock is taken now, so a transaction
 * never fails half-way for a lock; PostgreSQL: READ COMMITTED). Waits for a pool connection. CCSP_ERR_BUSY,
 * CCSP_ERR_COMM. */
CCSP_MUST_CHECK ccsp_err ccsp_store_begin(ccsp_store *s, ccsp_store_tx **tx);
/* Begin a read-only transaction (a consistent snapshot on SQLite; READ ONLY on PostgreSQL). */
CCSP_MUST_CHECK ccsp_err ccsp_store_begin_ro(ccsp_store *s, ccsp_store_tx **tx);
/* Commit and release tx (always released, whatever the result). A transaction that had a failed call is rolled
 * back and CCSP_ERR_STATE returned. CCSP_ERR_BUSY: it was rolled back by a conflict; run it again. */
CCSP_MUST_CHECK ccsp_err ccsp_store_commit(ccsp_store_tx *tx);
/* Roll back and release tx. NULL is ignored. */
void ccsp_store_rollback(ccsp_store_tx *tx);
/* The engine's message of the transaction's last failure ("" if none), valid until tx is released. */
const char *ccsp_store_tx_errmsg(const ccsp_store_tx *tx);

/* Run fn(tx, arg) in a read-write transaction and commit it when fn returns CCSP_OK (else roll back and return
 * fn's error). When fn or the commit returns CCSP_ERR_BUSY, the whole transaction is run again, up to 8 times
 * with a short random backoff; then CCSP_ERR_BUSY. fn must be safe to run again (no side effects outside tx). */
typedef ccsp_err (*ccsp_store_fn)(ccsp_store_tx *tx, void *arg);
CCSP_MUST_CHECK ccsp_err ccsp_store_run(ccsp_store *s, ccsp_store_fn fn, void *arg);

/* ---- config: platform settings, key -> UTF-8 value (store_config.c) ---- */

/* Set (insert or replace) key to value (1..CCSP_STORE_TEXT_MAX and 0..CCSP_STORE_VALUE_MAX bytes). */
CCSP_MUST_CHECK ccsp_err ccsp_store_config_set(ccsp_store_tx *tx, const char *key, const char *value);
/* The value of key as a malloc'd string (*value, the caller frees). CCSP_ERR_NOT_FOUND. */
CCSP_MUST_CHECK ccsp_err ccsp_store_config_get(ccsp_store_tx *tx, const char *key, char **value);
/* CCSP_ERR_NOT_FOUND when there was no such key. */
CCSP_MUST_CHECK ccsp_err ccsp_store_config_delete(ccsp_store_tx *tx, const char *key);

#endif

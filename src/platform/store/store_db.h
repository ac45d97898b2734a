/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to the store: the one small SQL interface both engines implement (store_sqlite.c, store_pg.c), on
 * which every entity file (store_tenant.c, store_app.c, ...) is written once.
 *
 * SQL text uses '?' placeholders (rewritten to $1.. for PostgreSQL); values are always bound, never spliced.
 * A query's rows are copied into a st_res the caller frees. Errors are mapped to ccsp_err:
 *   unique / primary key violation -> CCSP_ERR_EXISTS; CHECK or NOT NULL violation -> CCSP_ERR_ARG;
 *   foreign key violation -> CCSP_ERR_STATE (a referenced row is missing or a row is still referenced);
 *   SQLITE_BUSY/LOCKED, PostgreSQL 40001/40P01/55P03 -> CCSP_ERR_BUSY; a trigger's refusal (append-only audit)
 *   or a missing privilege -> CCSP_ERR_ACCESS_DENIED; lost connection -> CCSP_ERR_COMM; disk -> CCSP_ERR_IO;
 *   corrupt file -> CCSP_ERR_TAMPERED; anything else -> CCSP_ERR_INTERNAL.
 * The engine's own message of the last failure stays in the connection (st_conn.msg) for the operator.
 */
#ifndef CCSP_PLATFORM_STORE_DB_H
#define CCSP_PLATFORM_STORE_DB_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#include "crypto/guard.h" /* CCSP_GUARD, CCSP_ENSURE, CCSP_CHECK */
#include "platform/store/store.h"

enum st_type { ST_NULL = 0, ST_INT, ST_TEXT, ST_BLOB };

/* A bound parameter. ST_TEXT and ST_BLOB with p == NULL bind SQL NULL (typed, so PostgreSQL can infer). */
typedef struct st_val {
	enum st_type t;
	int64_t i;
	const void *p;
	size_t n;
} st_val;

#define ST_I(x) ((st_val){ST_INT, (int64_t)(x), NULL, 0})
#define ST_T(s) ((st_val){ST_TEXT, 0, (s), 0})
#define ST_B(b, len) ((st_val){ST_BLOB, 0, (b), (len)})

/* One cell of a result: NULL, an integer, or bytes (text or blob; always followed by a NUL byte). */
typedef struct st_cell {
	enum st_type t;
	int64_t i;
	uint8_t *p;
	size_t n;
} st_cell;

typedef struct st_res {
	size_t rows, cols, cap;
	st_cell *cells; /* rows * cols */
} st_res;

typedef struct st_conn st_conn;

typedef struct st_ops {
	const char *name;
	const char *blob_type;      /* BLOB | BYTEA, substituted for @BLOB@ in the schema */
	const char *begin_rw;       /* BEGIN IMMEDIATE | BEGIN */
	const char *begin_ro;       /* BEGIN | BEGIN READ ONLY */
	ccsp_err (*connect)(const char *target, st_conn **out, char *err, size_t errlen);
	void (*close)(st_conn *c);
	/* Several ';'-separated statements, no parameters, no result. */
	ccsp_err (*script)(st_conn *c, const char *sql);
	/* One statement; *res (may be NULL: rows discarded) gets the rows, *changes (may be NULL) the rows changed. */
	ccsp_err (*query)(st_conn *c, const char *sql, const st_val *v, size_t n, st_res **res, int64_t *changes);
	/* Called in the migration transaction before the version is read: serializes migrating nodes. */
	ccsp_err (*migrate_lock)(st_conn *c);
	/* Make the connection usable again after a lost connection (PostgreSQL); CCSP_OK when it is. */
	ccsp_err (*ping)(st_conn *c);
	/* The engine's consistency check (SQLite: PRAGMA integrity_check). */
	ccsp_err (*check)(st_conn *c);
} st_ops;

struct st_conn {
	const st_ops *ops;
	char msg[256]; /* the engine's message of the last failure */
};

extern const st_ops st_sqlite_ops;
extern const st_ops st_pg_ops;

/* Results (store_res.c). */
void st_res_free(st_res *r);
ccsp_err st_res_new(size_t cols, st_res **out);
/* Append a row of cols cells; the bytes of text/blob cells are copied. */
ccsp_err st_res_add(st_res *r, const st_cell *row);
const st_cell *st_res_cell(const st_res *r, size_t row, size_t col);
int64_t st_res_int(const st_res *r, size_t row, size_t col);
const char *st_res_text(const st_res *r, size_t row, size_t col); /* NULL for SQL NULL */
/* Copy a text cell into dst (cap bytes with its NUL); "" for NULL. CCSP_ERR_TAMPERED when it does not fit. */
ccsp_err st_res_copy_text(const st_res *r, size_t row, size_t col, char *dst, size_t cap);
/* Copy a blob cell into dst (cap bytes), *len = its length (0 for NULL). CCSP_ERR_TAMPERED when too long. */
ccsp_err st_res_copy_blob(const st_res *r, size_t row, size_t col, uint8_t *dst, size_t cap, size_t *len);

/* The transaction's connection, and the calls entity files make through it (store_tx.c). A failed statement
 * marks the transaction failed: it can then only be rolled back (PostgreSQL aborts it; SQLite is held to the
 * same rule so the engines behave alike). */
ccsp_err st_tx_query(ccsp_store_tx *tx, const char *sql, const st_val *v, size_t n, st_res **res,
                     int64_t *changes);
/* Run a query expected to return at most one row: CCSP_ERR_NOT_FOUND when it returns none. */
ccsp_err st_tx_query_one(ccsp_store_tx *tx, const char *sql, const st_val *v, size_t n, st_res **res);
/* Run a change expected to touch exactly one row: CCSP_ERR_NOT_FOUND when it touched none. */
ccsp_err st_tx_change_one(ccsp_store_tx *tx, const char *sql, const st_val *v, size_t n);
/* Several statements without parameters (migrations; tests). */
ccsp_err st_tx_script(ccsp_store_tx *tx, const char *sql);
/* 1 when the transaction may write. */
int st_tx_writable(const ccsp_store_tx *tx);

/* Bring the schema of c up to date, in a transaction of its own (store_migrate.c). */
ccsp_err st_migrate(st_conn *c, char *err, size_t errlen);
/* The busy timeout of a SQLite connection (store_sqlite.c). */
void st_sqlite_busy_timeout(st_conn *c, unsigned ms);

/* Checks (store_util.c). */
/* A fresh random 128-bit id as 32 lowercase hex digits. */
ccsp_err st_new_id(char id[CCSP_STORE_ID_LEN + 1]);
/* 1 when s is non-empty, valid UTF-8 without control characters, and at most max bytes. */
int st_text_ok(const char *s, size_t max);
/* 1 when s is valid UTF-8 of at most max bytes (may be empty, may hold control characters: values, JSON). */
int st_value_ok(const char *s, size_t max);
/* 1 when s is NULL or st_text_ok(s, max). */
int st_opt_text_ok(const char *s, size_t max);
/* The stored scope of a tenant argument: NULL (the operators, who have no tenant) -> "", an id -> itself; "" or
 * a malformed id -> NULL (the caller answers CCSP_ERR_ARG: "" must never be a way to reach the operators). */
const char *st_scope(const char *tenant);
/* The list limit: 1..CCSP_STORE_LIST_MAX, else 0. */
size_t st_limit(size_t limit);
/* ccsp_store_status <-> its stored text ("active", "disabled"): NULL / -1 when unknown. */
const char *st_status_name(int status);
int st_status_parse(const char *s);

#endif

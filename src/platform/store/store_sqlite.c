/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's SQLite engine: one sqlite3 connection per st_conn, on a file under the state directory.
 *
 * Durability: journal_mode=WAL with synchronous=FULL, so every COMMIT fsyncs the WAL before it returns. WAL with
 * synchronous=NORMAL would already keep every acknowledged commit across a kill -9 of ccspd (the WAL frames are
 * in the OS page cache), but could lose the last commits on a power cut or kernel crash; the store keeps replay
 * nonces, session revocations and audit records, whose loss is a security event, so it pays one fsync per
 * commit. The file is created mode 0600. foreign_keys=ON on every connection (SQLite's default is off). A busy
 * timeout makes a writer wait for the write lock instead of failing at once; read-write transactions start with
 * BEGIN IMMEDIATE (lock taken at the start, so no transaction fails half-way on a lock, and WAL snapshot upgrades
 * never happen).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "platform/store/store_db.h"

#define SQ_MIN_VERSION 3035000

typedef struct sq_conn {
	st_conn base;
	sqlite3 *db;
} sq_conn;

static ccsp_err sq_map(int rc)
{
	switch (rc) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return CCSP_OK;
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return CCSP_ERR_EXISTS;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return CCSP_ERR_STATE;
	case SQLITE_CONSTRAINT_CHECK:
	case SQLITE_CONSTRAINT_NOTNULL:
	case SQLITE_TOOBIG:
	case SQLITE_RANGE:
		return CCSP_ERR_ARG;
	case SQLITE_CONSTRAINT_TRIGGER:
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return CCSP_ERR_ACCESS_DENIED;
	case SQLITE_NOMEM:
		return CCSP_ERR_NOMEM;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return CCSP_ERR_TAMPERED;
	}
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return CCSP_ERR_BUSY;
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
		return CCSP_ERR_IO;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return CCSP_ERR_TAMPERED;
	case SQLITE_READONLY:
		return CCSP_ERR_ACCESS_DENIED;
	}
	return CCSP_ERR_INTERNAL;
}

static ccsp_err sq_fail(sq_conn *c, int rc)
{
	snprintf(c->base.msg, sizeof c->base.msg, "sqlite: %s (%d)", sqlite3_errmsg(c->db), rc);
	return sq_map(rc);
}

static ccsp_err sq_script(st_conn *base, const char *sql)
{
	sq_conn *c = (sq_conn *)base;
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? CCSP_OK : sq_fail(c, sqlite3_extended_errcode(c->db));
}

static int sq_bind(sqlite3_stmt *st, int i, const st_val *v)
{
	switch (v->t) {
	case ST_INT:
		return sqlite3_bind_int64(st, i, v->i);
	case ST_TEXT:
		return v->p ? sqlite3_bind_text(st, i, v->p, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
	case ST_BLOB:
		if (v->p == NULL)
			return sqlite3_bind_null(st, i);
		return sqlite3_bind_blob64(st, i, v->n ? v->p : "", v->n, SQLITE_STATIC);
	case ST_NULL:
		break;
	}
	return sqlite3_bind_null(st, i);
}

static ccsp_err sq_row(sqlite3_stmt *st, st_res *r)
{
	st_cell row[32];
	if (r->cols > 32)
		return CCSP_ERR_INTERNAL;
	for (size_t i = 0; i < r->cols; i++) {
		int col = (int)i;
		memset(&row[i], 0, sizeof row[i]);
		switch (sqlite3_column_type(st, col)) {
		case SQLITE_INTEGER:
		case SQLITE_FLOAT:
			row[i].t = ST_INT;
			row[i].i = sqlite3_column_int64(st, col);
			break;
		case SQLITE_TEXT:
			row[i].t = ST_TEXT;
			row[i].p = (uint8_t *)sqlite3_column_text(st, col);
			row[i].n = (size_t)sqlite3_column_bytes(st, col);
			break;
		case SQLITE_BLOB:
			row[i].t = ST_BLOB;
			row[i].p = (uint8_t *)sqlite3_column_blob(st, col);
			row[i].n = (size_t)sqlite3_column_bytes(st, col);
			break;
		default:
			row[i].t = ST_NULL;
		}
	}
	return st_res_add(r, row);
}

static ccsp_err sq_query(st_conn *base, const char *sql, const st_val *v, size_t n, st_res **res, int64_t *changes)
{
	sq_conn *c = (sq_conn *)base;
	sqlite3_stmt *st = NULL;
	st_res *r = NULL;
	ccsp_err ret = CCSP_OK;
	int rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		ret = sq_fail(c, sqlite3_extended_errcode(c->db));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if ((rc = sq_bind(st, (int)i + 1, &v[i])) != SQLITE_OK) {
			ret = sq_fail(c, rc);
			goto out;
		}
	}
	if (res != NULL)
		CCSP_CHECK(st_res_new((size_t)sqlite3_column_count(st), &r));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (r != NULL)
			CCSP_CHECK(sq_row(st, r));
	if (rc != SQLITE_DONE) {
		ret = sq_fail(c, sqlite3_extended_errcode(c->db));
		goto out;
	}
	if (changes != NULL)
		*changes = sqlite3_changes64(c->db);
	if (res != NULL) {
		*res = r;
		r = NULL;
	}
out:
	st_res_free(r);
	sqlite3_finalize(st);
	return ret;
}

static void sq_close(st_conn *base)
{
	sq_conn *c = (sq_conn *)base;
	if (c == NULL)
		return;
	sqlite3_close(c->db);
	free(c);
}

/* Settings of every connection; journal_mode=WAL is persistent in the file, the others are per connection. */
static const char SQ_PRAGMAS[] = "PRAGMA journal_mode=WAL;"
                                 "PRAGMA synchronous=FULL;"
                                 "PRAGMA foreign_keys=ON;";

static ccsp_err sq_connect(const char *path, st_conn **out, char *err, size_t errlen)
{
	if (sqlite3_libversion_number() < SQ_MIN_VERSION) { /* UPDATE ... RETURNING */
		if (err != NULL)
			snprintf(err, errlen, "sqlite: version %s is too old (3.35 or newer needed)", sqlite3_libversion());
		return CCSP_ERR_UNSUPPORTED;
	}
	sq_conn *c = calloc(1, sizeof *c);
	ccsp_err ret = CCSP_OK;
	if (c == NULL)
		return CCSP_ERR_NOMEM;
	c->base.ops = &st_sqlite_ops;
	/* Created 0600 by us, not by SQLite under the umask: it holds password hashes and wrapped secrets (the -wal
	 * and -shm files take the database file's permissions). Only when it does not exist yet (O_EXCL): closing a
	 * descriptor of the file releases every POSIX lock this process holds on it, those of the pool's other
	 * connections included — another process (the sqlite3 shell, a backup) then took the database for unused,
	 * checkpointed and removed the WAL under them, and they never saw its later writes. */
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0)
		close(fd);
	int rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		ret = sq_map(rc) == CCSP_ERR_INTERNAL ? CCSP_ERR_IO : sq_map(rc);
		if (err != NULL)
			snprintf(err, errlen, "sqlite: cannot open %s: %s", path,
			         c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		goto out;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, 5000);
	ret = sq_script(&c->base, SQ_PRAGMAS);
	if (ret != CCSP_OK && err != NULL)
		snprintf(err, errlen, "%s: %s", path, c->base.msg);
out:
	if (ret != CCSP_OK) {
		sq_close(&c->base);
		return ret;
	}
	*out = &c->base;
	return CCSP_OK;
}

static ccsp_err sq_nothing(st_conn *c)
{
	(void)c;
	return CCSP_OK;
}

static ccsp_err sq_check(st_conn *base)
{
	st_res *r = NULL;
	ccsp_err ret = sq_query(base, "PRAGMA integrity_check", NULL, 0, &r, NULL);
	if (ret == CCSP_OK) {
		const char *v = st_res_text(r, 0, 0);
		if (r->rows != 1 || v == NULL || strcmp(v, "ok") != 0) {
			snprintf(base->msg, sizeof base->msg, "sqlite integrity_check: %s", v ? v : "no answer");
			ret = CCSP_ERR_TAMPERED;
		}
	}
	st_res_free(r);
	return ret;
}

void st_sqlite_busy_timeout(st_conn *base, unsigned ms)
{
	sqlite3_busy_timeout(((sq_conn *)base)->db, (int)ms);
}

const st_ops st_sqlite_ops = {
	.name = "sqlite",
	.blob_type = "BLOB",
	.begin_rw = "BEGIN IMMEDIATE",
	.begin_ro = "BEGIN",
	.connect = sq_connect,
	.close = sq_close,
	.script = sq_script,
	.query = sq_query,
	.migrate_lock = sq_nothing, /* BEGIN IMMEDIATE holds the write lock */
	.ping = sq_nothing,
	.check = sq_check,
};

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's PostgreSQL engine (libpq): one PGconn per st_conn. Several ccspd nodes may share the database.
 *
 * Statements go through PQexecParams with every parameter typed (int8, text, bytea) and sent in binary, results
 * come back in binary (int8/int4/int2/bool as integers, text and bytea as bytes), so nothing is ever quoted or
 * escaped. Transactions run at READ COMMITTED (the default); the few places that need serialization take a row
 * lock (the audit head) or rely on a unique index (nonces), see store_audit.h and store_identity.h. libpq's
 * notices (e.g. "relation already exists, skipping") are dropped: library code never prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "platform/store/store_db.h"

enum { OID_BOOL = 16, OID_BYTEA = 17, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_TEXT = 25 };
#define PG_MAX_PARAMS 32
#define PG_MIGRATE_LOCK "SELECT pg_advisory_xact_lock(4242011001)" /* any constant: the store's migration lock */

typedef struct pg_conn {
	st_conn base;
	PGconn *pg;
} pg_conn;

static int sqlstate_is(const char *state, const char *want)
{
	return state != NULL && strcmp(state, want) == 0;
}

static ccsp_err pg_map(const char *state)
{
	if (state == NULL)
		return CCSP_ERR_COMM; /* no SQLSTATE: the connection failed */
	if (sqlstate_is(state, "23505"))
		return CCSP_ERR_EXISTS;
	if (sqlstate_is(state, "23503"))
		return CCSP_ERR_STATE;
	if (sqlstate_is(state, "23514") || sqlstate_is(state, "23502") || strncmp(state, "22", 2) == 0)
		return CCSP_ERR_ARG;
	if (sqlstate_is(state, "40001") || sqlstate_is(state, "40P01") || sqlstate_is(state, "55P03"))
		return CCSP_ERR_BUSY;
	if (sqlstate_is(state, "42501") || sqlstate_is(state, "P0001") || sqlstate_is(state, "25006"))
		return CCSP_ERR_ACCESS_DENIED; /* privilege, the append-only trigger, write in a read-only tx */
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57", 2) == 0)
		return CCSP_ERR_COMM;
	if (strncmp(state, "53", 2) == 0 || strncmp(state, "58", 2) == 0)
		return CCSP_ERR_IO;
	if (strncmp(state, "XX", 2) == 0)
		return CCSP_ERR_TAMPERED;
	return CCSP_ERR_INTERNAL;
}

static ccsp_err pg_fail(pg_conn *c, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	snprintf(c->base.msg, sizeof c->base.msg, "postgresql: %s (%s)", msg ? msg : PQerrorMessage(c->pg),
	         state ? state : "no SQLSTATE");
	return pg_map(state);
}

static ccsp_err pg_script(st_conn *base, const char *sql)
{
	pg_conn *c = (pg_conn *)base;
	PGresult *res = PQexec(c->pg, sql);
	ExecStatusType st = PQresultStatus(res);
	ccsp_err ret = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? CCSP_OK : pg_fail(c, res);
	PQclear(res);
	return ret;
}

/* '?' -> '$1', '$2', ... (the store's SQL has no '?' in literals). */
static char *pg_placeholders(const char *sql)
{
	size_t len = strlen(sql), k = 0;
	char *out = malloc(len * 4 + 1);
	if (out == NULL)
		return NULL;
	for (unsigned n = 1; *sql; sql++) {
		if (*sql == '?')
			k += (size_t)sprintf(out + k, "$%u", n++);
		else
			out[k++] = *sql;
	}
	out[k] = 0;
	return out;
}

typedef struct pg_params {
	Oid types[PG_MAX_PARAMS];
	const char *values[PG_MAX_PARAMS];
	int lengths[PG_MAX_PARAMS];
	int formats[PG_MAX_PARAMS];
	uint8_t ints[PG_MAX_PARAMS][8];
} pg_params;

static ccsp_err pg_bind(pg_params *pp, const st_val *v, size_t n)
{
	if (n > PG_MAX_PARAMS)
		return CCSP_ERR_INTERNAL;
	for (size_t i = 0; i < n; i++) {
		pp->formats[i] = 1;
		pp->values[i] = v[i].p;
		switch (v[i].t) {
		case ST_INT:
			pp->types[i] = OID_INT8;
			for (int b = 0; b < 8; b++)
				pp->ints[i][b] = (uint8_t)((uint64_t)v[i].i >> (56 - 8 * b));
			pp->values[i] = (const char *)pp->ints[i];
			pp->lengths[i] = 8;
			break;
		case ST_TEXT:
			pp->types[i] = OID_TEXT;
			pp->lengths[i] = v[i].p ? (int)strlen(v[i].p) : 0;
			break;
		case ST_BLOB:
			if (v[i].n > INT32_MAX)
				return CCSP_ERR_ARG;
			pp->types[i] = OID_BYTEA;
			pp->values[i] = v[i].p ? (v[i].n ? v[i].p : "") : NULL;
			pp->lengths[i] = (int)v[i].n;
			break;
		case ST_NULL:
			pp->types[i] = 0;
			pp->values[i] = NULL;
			break;
		}
	}
	return CCSP_OK;
}

static int64_t pg_be_int(const uint8_t *p, int len)
{
	uint64_t u = (len > 0 && (p[0] & 0x80)) ? ~(uint64_t)0 : 0; /* sign-extend */
	for (int i = 0; i < len; i++)
		u = (u << 8) | p[i];
	return (int64_t)u;
}

static ccsp_err pg_rows(const PGresult *res, st_res **out)
{
	size_t cols = (size_t)PQnfields(res);
	st_res *r = NULL;
	st_cell row[32];
	ccsp_err ret = cols > 32 ? CCSP_ERR_INTERNAL : st_res_new(cols, &r);
	for (int i = 0; ret == CCSP_OK && i < PQntuples(res); i++) {
		for (int j = 0; j < (int)cols; j++) {
			Oid t = PQftype(res, j);
			int len = PQgetlength(res, i, j);
			const uint8_t *p = (const uint8_t *)PQgetvalue(res, i, j);
			memset(&row[j], 0, sizeof row[j]);
			if (PQgetisnull(res, i, j)) {
				row[j].t = ST_NULL;
			} else if (t == OID_INT8 || t == OID_INT4 || t == OID_INT2 || t == OID_BOOL) {
				row[j].t = ST_INT;
				row[j].i = len <= 8 ? pg_be_int(p, len) : 0;
			} else {
				row[j].t = t == OID_BYTEA ? ST_BLOB : ST_TEXT;
				row[j].p = (uint8_t *)p;
				row[j].n = (size_t)len;
			}
		}
		ret = st_res_add(r, row);
	}
	if (ret != CCSP_OK) {
		st_res_free(r);
		return ret;
	}
	*out = r;
	return CCSP_OK;
}

static ccsp_err pg_query(st_conn *base, const char *sql, const st_val *v, size_t n, st_res **out, int64_t *changes)
{
	pg_conn *c = (pg_conn *)base;
	pg_params pp;
	PGresult *res = NULL;
	char *q = pg_placeholders(sql);
	ccsp_err ret = q ? pg_bind(&pp, v, n) : CCSP_ERR_NOMEM;
	if (ret != CCSP_OK)
		goto out;
	res = PQexecParams(c->pg, q, (int)n, pp.types, pp.values, pp.lengths, pp.formats, 1);
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		ret = pg_fail(c, res);
		goto out;
	}
	if (changes != NULL) {
		const char *t = PQcmdTuples(res);
		*changes = t && *t ? strtoll(t, NULL, 10) : 0;
	}
	if (out != NULL)
		ret = pg_rows(res, out);
out:
	PQclear(res);
	free(q);
	return ret;
}

static void pg_close(st_conn *base)
{
	pg_conn *c = (pg_conn *)base;
	if (c == NULL)
		return;
	PQfinish(c->pg);
	free(c);
}

static void pg_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static ccsp_err pg_connect(const char *url, st_conn **out, char *err, size_t errlen)
{
	pg_conn *c = calloc(1, sizeof *c);
	if (c == NULL)
		return CCSP_ERR_NOMEM;
	c->base.ops = &st_pg_ops;
	c->pg = PQconnectdb(url);
	if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK) {
		if (err != NULL)
			snprintf(err, errlen, "postgresql: cannot connect: %s",
			         c->pg ? PQerrorMessage(c->pg) : "out of memory");
		pg_close(&c->base);
		return CCSP_ERR_COMM;
	}
	PQsetNoticeProcessor(c->pg, pg_quiet, NULL);
	if (PQsetClientEncoding(c->pg, "UTF8") != 0) {
		if (err != NULL)
			snprintf(err, errlen, "postgresql: cannot set client_encoding UTF8");
		pg_close(&c->base);
		return CCSP_ERR_COMM;
	}
	*out = &c->base;
	return CCSP_OK;
}

static ccsp_err pg_migrate_lock(st_conn *base)
{
	return pg_query(base, PG_MIGRATE_LOCK, NULL, 0, NULL, NULL);
}

static ccsp_err pg_ping(st_conn *base)
{
	pg_conn *c = (pg_conn *)base;
	if (PQstatus(c->pg) == CONNECTION_OK)
		return CCSP_OK;
	PQreset(c->pg);
	if (PQstatus(c->pg) == CONNECTION_OK)
		return CCSP_OK;
	snprintf(c->base.msg, sizeof c->base.msg, "postgresql: connection lost: %s", PQerrorMessage(c->pg));
	return CCSP_ERR_COMM;
}

static ccsp_err pg_check(st_conn *base)
{
	return pg_query(base, "SELECT 1", NULL, 0, NULL, NULL);
}

const st_ops st_pg_ops = {
	.name = "postgresql",
	.blob_type = "BYTEA",
	.begin_rw = "BEGIN",
	.begin_ro = "BEGIN READ ONLY",
	.connect = pg_connect,
	.close = pg_close,
	.script = pg_script,
	.query = pg_query,
	.migrate_lock = pg_migrate_lock,
	.ping = pg_ping,
	.check = pg_check,
};

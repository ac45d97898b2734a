/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store tests' engine fixture: store_test runs its whole suite against one engine, chosen by its argument:
 *   store_test [sqlite]       a fresh database file in a temporary directory per test
 *   store_test postgresql     the database at $CCSP_TEST_PG_URL, or in the file $CCSP_TEST_PG_DIR/url (written by
 *                             scripts/pg-test.sh start), emptied before each test (schema public dropped)
 */
#ifndef CCSP_TEST_STORE_FIXTURE_H
#define CCSP_TEST_STORE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "platform/store/store.h"
#include "test_util.h"

#define STORE_TEST_SKIP 77 /* ctest SKIP_RETURN_CODE */

static int fx_pg;             /* 1: PostgreSQL */
static char fx_url[1024];     /* the store URL of the current test */
static char fx_dir[64];       /* SQLite: the temporary directory */
static char fx_path[128];     /* SQLite: the database file */

/* Choose the engine from argv; 0, or STORE_TEST_SKIP when PostgreSQL is asked for but not given. */
static int fx_init(int argc, char **argv)
{
	fx_pg = argc > 1 && strcmp(argv[1], "postgresql") == 0;
	if (!fx_pg)
		return 0;
	const char *url = getenv("CCSP_TEST_PG_URL");
	const char *dir = getenv("CCSP_TEST_PG_DIR");
	if (url != NULL && url[0]) {
		snprintf(fx_url, sizeof fx_url, "%s", url);
		return 0;
	}
	char path[512];
	FILE *f = NULL;
	if (dir != NULL) {
		snprintf(path, sizeof path, "%s/url", dir);
		f = fopen(path, "r");
	}
	if (f == NULL || fgets(fx_url, sizeof fx_url, f) == NULL) {
		fprintf(stderr, "store_test: no PostgreSQL (set CCSP_TEST_PG_URL or run scripts/pg-test.sh start DIR "
		                "and set CCSP_TEST_PG_DIR=DIR): skipped\n");
		if (f)
			fclose(f);
		return STORE_TEST_SKIP;
	}
	fclose(f);
	fx_url[strcspn(fx_url, "\r\n")] = 0;
	return 0;
}

static void fx_pg_reset(void)
{
	PGconn *c = PQconnectdb(fx_url);
	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("cannot connect to %s: %s", fx_url, PQerrorMessage(c));
	PGresult *r = PQexec(c, "SET client_min_messages = warning;"
	                        "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
	                        "DROP FUNCTION IF EXISTS ccsp_audit_append_only();");
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("reset: %s", PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

/* cmocka setup: an empty database. */
static int fx_setup(void **state)
{
	(void)state;
	if (fx_pg) {
		fx_pg_reset();
		return 0;
	}
	snprintf(fx_dir, sizeof fx_dir, "/tmp/store_test.XXXXXX");
	if (mkdtemp(fx_dir) == NULL)
		return -1;
	snprintf(fx_path, sizeof fx_path, "%s/ccsp.db", fx_dir);
	snprintf(fx_url, sizeof fx_url, "sqlite:%s", fx_path);
	return 0;
}

static int fx_teardown(void **state)
{
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	char p[192];
	(void)state;
	if (fx_pg)
		return 0;
	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		snprintf(p, sizeof p, "%s%s", fx_path, suffix[i]);
		unlink(p);
	}
	rmdir(fx_dir);
	return 0;
}

static ccsp_store *fx_open(void)
{
	ccsp_store *s = NULL;
	char err[256];
	ccsp_err e = ccsp_store_open(fx_url, NULL, &s, err, sizeof err);
	if (e != CCSP_OK)
		fail_msg("open %s: %s: %s", fx_url, ccsp_err_name(e), err);
	return s;
}

#endif

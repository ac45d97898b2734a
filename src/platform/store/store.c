/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store handle: opening from a URL, the connection pool, transactions and the retry helper. The contract is
 * in store.h; the engines are store_sqlite.c and store_pg.c, the schema store_migrate.c.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ccsp/rand.h>

#include "platform/store/store_db.h"

#define STORE_RUN_ATTEMPTS 8

struct ccsp_store_tx {
	ccsp_store *s;
	st_conn *c;     /* opened lazily, kept for the store's life */
	int in_use;
	int writable;
	int failed;     /* a statement failed: only rollback is possible */
};

struct ccsp_store {
	const st_ops *ops;
	char *target;   /* the file path (SQLite) or the libpq URL */
	unsigned pool;
	unsigned busy_ms;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	ccsp_store_tx slots[CCSP_STORE_POOL_MAX];
};

static ccsp_err store_parse_url(ccsp_store *s, const char *url)
{
	const char *path = NULL;
	if (strncmp(url, "sqlite:", 7) == 0) {
		path = url + 7;
		if (strncmp(path, "//", 2) == 0) /* sqlite:///abs/path */
			path += 2;
		s->ops = &st_sqlite_ops;
	} else if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) {
		path = url;
		s->ops = &st_pg_ops;
	}
	if (path == NULL || path[0] == 0)
		return CCSP_ERR_ARG;
	s->target = strdup(path);
	return s->target ? CCSP_OK : CCSP_ERR_NOMEM;
}

static ccsp_err store_connect(ccsp_store *s, st_conn **c, char *err, size_t errlen)
{
	ccsp_err ret = s->ops->connect(s->target, c, err, errlen);
	if (ret == CCSP_OK && s->ops == &st_sqlite_ops)
		st_sqlite_busy_timeout(*c, s->busy_ms);
	return ret;
}

ccsp_err ccsp_store_open(const char *url, const ccsp_store_opts *opts, ccsp_store **out, char *err, size_t errlen)
{
	ccsp_store *s = NULL;
	ccsp_err ret = CCSP_OK;
	if (err != NULL && errlen > 0)
		err[0] = 0;
	CCSP_ENSURE(url != NULL && out != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(opts == NULL || opts->pool <= CCSP_STORE_POOL_MAX, CCSP_ERR_ARG);
	s = calloc(1, sizeof *s);
	CCSP_ENSURE(s != NULL, CCSP_ERR_NOMEM);
	s->pool = opts && opts->pool ? opts->pool : 4;
	s->busy_ms = opts && opts->busy_timeout_ms ? opts->busy_timeout_ms : 5000;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	for (unsigned i = 0; i < CCSP_STORE_POOL_MAX; i++)
		s->slots[i].s = s;
	ret = store_parse_url(s, url);
	if (ret == CCSP_ERR_ARG && err != NULL)
		snprintf(err, errlen, "store URL must be sqlite:PATH or postgresql://...");
	if (ret == CCSP_OK)
		ret = store_connect(s, &s->slots[0].c, err, errlen);
	if (ret == CCSP_OK)
		ret = st_migrate(s->slots[0].c, err, errlen);
	if (ret != CCSP_OK) {
		ccsp_store_free(s);
		return ret;
	}
	*out = s;
	return CCSP_OK;
}

void ccsp_store_free(ccsp_store *s)
{
	if (s == NULL)
		return;
	for (unsigned i = 0; i < CCSP_STORE_POOL_MAX; i++)
		if (s->slots[i].c != NULL)
			s->slots[i].c->ops->close(s->slots[i].c);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s->target);
	free(s);
}

const char *ccsp_store_engine(const ccsp_store *s)
{
	return s != NULL ? s->ops->name : "";
}

/* Take a free slot of the pool, waiting for one; its connection may still have to be opened. */
static ccsp_store_tx *store_acquire(ccsp_store *s)
{
	ccsp_store_tx *tx = NULL;
	pthread_mutex_lock(&s->mu);
	while (tx == NULL) {
		for (unsigned i = 0; i < s->pool && tx == NULL; i++)
			if (!s->slots[i].in_use && s->slots[i].c != NULL)
				tx = &s->slots[i];
		for (unsigned i = 0; i < s->pool && tx == NULL; i++)
			if (!s->slots[i].in_use)
				tx = &s->slots[i];
		if (tx == NULL)
			pthread_cond_wait(&s->cv, &s->mu);
	}
	tx->in_use = 1;
	pthread_mutex_unlock(&s->mu);
	return tx;
}

static void store_release(ccsp_store_tx *tx)
{
	ccsp_store *s = tx->s;
	pthread_mutex_lock(&s->mu);
	tx->in_use = 0;
	tx->failed = 0;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

static ccsp_err store_begin(ccsp_store *s, int writable, ccsp_store_tx **out)
{
	CCSP_ENSURE(s != NULL && out != NULL, CCSP_ERR_ARG);
	ccsp_store_tx *tx = store_acquire(s);
	ccsp_err ret = CCSP_OK;
	if (tx->c == NULL)
		ret = store_connect(s, &tx->c, NULL, 0);
	else
		ret = tx->c->ops->ping(tx->c);
	if (ret == CCSP_OK) {
		tx->c->msg[0] = 0;
		ret = tx->c->ops->script(tx->c, writable ? s->ops->begin_rw : s->ops->begin_ro);
	}
	if (ret != CCSP_OK) {
		store_release(tx);
		return ret;
	}
	tx->writable = writable;
	tx->failed = 0;
	*out = tx;
	return CCSP_OK;
}

ccsp_err ccsp_store_begin(ccsp_store *s, ccsp_store_tx **tx)
{
	return store_begin(s, 1, tx);
}

ccsp_err ccsp_store_begin_ro(ccsp_store *s, ccsp_store_tx **tx)
{
	return store_begin(s, 0, tx);
}

void ccsp_store_rollback(ccsp_store_tx *tx)
{
	if (tx == NULL)
		return;
	(void)tx->c->ops->script(tx->c, "ROLLBACK");
	store_release(tx);
}

ccsp_err ccsp_store_commit(ccsp_store_tx *tx)
{
	CCSP_ENSURE(tx != NULL, CCSP_ERR_ARG);
	if (tx->failed) {
		ccsp_store_rollback(tx);
		return CCSP_ERR_STATE;
	}
	ccsp_err ret = tx->c->ops->script(tx->c, "COMMIT");
	if (ret != CCSP_OK) {
		ccsp_store_rollback(tx);
		return ret;
	}
	store_release(tx);
	return CCSP_OK;
}

const char *ccsp_store_tx_errmsg(const ccsp_store_tx *tx)
{
	return tx != NULL && tx->c != NULL ? tx->c->msg : "";
}

/* A random pause of up to 2^attempt ms (at most ~128 ms), so that retrying transactions spread out. */
static void store_backoff(unsigned attempt)
{
	uint16_t r = 0;
	if (ccsp_random(&r, sizeof r) != CCSP_OK)
		r = 0x5555;
	long ms = 1 + (long)(r % (1u << (attempt < 7 ? attempt : 7)));
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

ccsp_err ccsp_store_run(ccsp_store *s, ccsp_store_fn fn, void *arg)
{
	ccsp_err ret = CCSP_ERR_BUSY;
	CCSP_ENSURE(s != NULL && fn != NULL, CCSP_ERR_ARG);
	for (unsigned attempt = 0; attempt < STORE_RUN_ATTEMPTS; attempt++) {
		ccsp_store_tx *tx = NULL;
		if (attempt > 0)
			store_backoff(attempt);
		ret = ccsp_store_begin(s, &tx);
		if (ret == CCSP_OK) {
			ret = fn(tx, arg);
			if (ret == CCSP_OK)
				ret = ccsp_store_commit(tx);
			else
				ccsp_store_rollback(tx);
		}
		if (ret != CCSP_ERR_BUSY)
			break;
	}
	return ret;
}

ccsp_err ccsp_store_check(ccsp_store *s)
{
	ccsp_store_tx *tx = NULL;
	CCSP_GUARD(ccsp_store_begin_ro(s, &tx));
	ccsp_err ret = tx->c->ops->check(tx->c);
	ccsp_store_rollback(tx);
	return ret;
}

ccsp_err ccsp_store_schema_version(ccsp_store *s, int64_t *version)
{
	ccsp_store_tx *tx = NULL;
	st_res *r = NULL;
	CCSP_ENSURE(version != NULL, CCSP_ERR_ARG);
	CCSP_GUARD(ccsp_store_begin_ro(s, &tx));
	ccsp_err ret = st_tx_query_one(tx, "SELECT COALESCE(MAX(version), 0) FROM schema_version", NULL, 0, &r);
	if (ret == CCSP_OK)
		*version = st_res_int(r, 0, 0);
	st_res_free(r);
	ccsp_store_rollback(tx);
	return ret;
}

/* ---- the calls entity files make (store_db.h) ---- */

ccsp_err st_tx_query(ccsp_store_tx *tx, const char *sql, const st_val *v, size_t n, st_res **res, int64_t *changes)
{
	CCSP_ENSURE(tx != NULL && tx->in_use, CCSP_ERR_ARG);
	CCSP_ENSURE(!tx->failed, CCSP_ERR_STATE);
	ccsp_err ret = tx->c->ops->query(tx->c, sql, v, n, res, changes);
	if (ret != CCSP_OK)
		tx->failed = 1;
	return ret;
}

ccsp_err st_tx_query_one(ccsp_store_tx *tx, const char *sql, const st_val *v, size_t n, st_res **res)
{
	st_res *r = NULL;
	CCSP_GUARD(st_tx_query(tx, sql, v, n, &r, NULL));
	if (r->rows == 0) {
		st_res_free(r);
		return CCSP_ERR_NOT_FOUND;
	}
	*res = r;
	return CCSP_OK;
}

ccsp_err st_tx_change_one(ccsp_store_tx *tx, const char *sql, const st_val *v, size_t n)
{
	int64_t changes = 0;
	CCSP_GUARD(st_tx_query(tx, sql, v, n, NULL, &changes));
	return changes == 0 ? CCSP_ERR_NOT_FOUND : CCSP_OK;
}

ccsp_err st_tx_script(ccsp_store_tx *tx, const char *sql)
{
	CCSP_ENSURE(tx != NULL && tx->in_use, CCSP_ERR_ARG);
	CCSP_ENSURE(!tx->failed, CCSP_ERR_STATE);
	ccsp_err ret = tx->c->ops->script(tx->c, sql);
	if (ret != CCSP_OK)
		tx->failed = 1;
	return ret;
}

int st_tx_writable(const ccsp_store_tx *tx)
{
	return tx != NULL && tx->writable;
}

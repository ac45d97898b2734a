/* SPDX-License-Identifier: Apache-2.0 */
/* Metering: the in-memory table of usage counts and its flush to the store (metering.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "platform/metering.h"

/* An open-addressing table of rows: rows dense (n used, in insertion order: what a flush hands over), slot[] the
 * hash index (0 = empty, else row index + 1), twice the rows or more so that probes stay short. */
typedef struct table {
	ccsp_store_usage *rows;
	uint32_t *slot;
	size_t n, nslots;
} table;

struct ccsp_metering {
	pthread_mutex_t mu;       /* live, and dropped */
	pthread_mutex_t flush_mu; /* one flush at a time */
	table t[2];
	table *live;              /* the other one is empty, except during a flush */
	size_t max_rows, cap;     /* cap = max_rows + the overflow reserve */
	uint64_t dropped;
};

static ccsp_err table_init(table *t, size_t cap)
{
	size_t nslots = 64;
	while (nslots < 2 * cap)
		nslots *= 2;
	t->rows = calloc(cap, sizeof *t->rows);
	t->slot = calloc(nslots, sizeof *t->slot);
	t->nslots = nslots;
	t->n = 0;
	return t->rows != NULL && t->slot != NULL ? CCSP_OK : CCSP_ERR_NOMEM;
}

static void table_clear(table *t)
{
	memset(t->slot, 0, t->nslots * sizeof *t->slot);
	t->n = 0;
}

ccsp_err ccsp_metering_new(size_t max_rows, ccsp_metering **out)
{
	*out = NULL;
	if (max_rows < 16 || max_rows > CCSP_METERING_ROWS_MAX)
		return CCSP_ERR_ARG;
	ccsp_metering *m = calloc(1, sizeof *m);
	if (m == NULL)
		return CCSP_ERR_NOMEM;
	m->max_rows = max_rows;
	m->cap = max_rows + max_rows / 4;
	if (table_init(&m->t[0], m->cap) != CCSP_OK || table_init(&m->t[1], m->cap) != CCSP_OK) {
		ccsp_metering_free(m);
		return CCSP_ERR_NOMEM;
	}
	m->live = &m->t[0];
	pthread_mutex_init(&m->mu, NULL);
	pthread_mutex_init(&m->flush_mu, NULL);
	*out = m;
	return CCSP_OK;
}

void ccsp_metering_free(ccsp_metering *m)
{
	if (m == NULL)
		return;
	if (m->live != NULL) { /* fully made: the mutexes exist */
		pthread_mutex_destroy(&m->mu);
		pthread_mutex_destroy(&m->flush_mu);
	}
	for (int i = 0; i < 2; i++) {
		free(m->t[i].rows);
		free(m->t[i].slot);
	}
	free(m);
}

static uint32_t hash_str(uint32_t h, const char *s)
{
	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u; /* FNV-1a: spreading only */
	return (h ^ 0xffu) * 16777619u;            /* a separator, so ("ab","") and ("a","b") differ */
}

static uint32_t row_hash(const ccsp_store_usage *k)
{
	uint32_t h = 2166136261u;
	for (int i = 0; i < 8; i++)
		h = (h ^ (uint8_t)((uint64_t)k->hour >> (8 * i))) * 16777619u;
	h = hash_str(h, k->tenant_id);
	h = hash_str(h, k->app_id);
	h = hash_str(h, k->key_id);
	return hash_str(h, k->action);
}

static int same_row(const ccsp_store_usage *a, const ccsp_store_usage *b)
{
	return a->hour == b->hour && strcmp(a->tenant_id, b->tenant_id) == 0 && strcmp(a->app_id, b->app_id) == 0 &&
	       strcmp(a->key_id, b->key_id) == 0 && strcmp(a->action, b->action) == 0;
}

/* The row of k in t, added (with zero counts) when absent and t holds fewer than limit rows; else NULL. */
static ccsp_store_usage *table_row(table *t, const ccsp_store_usage *k, size_t limit)
{
	size_t mask = t->nslots - 1, i = row_hash(k) & mask;
	for (;; i = (i + 1) & mask) { /* ends: the table is never more than half full */
		uint32_t s = t->slot[i];
		if (s == 0)
			break;
		if (same_row(&t->rows[s - 1], k))
			return &t->rows[s - 1];
	}
	if (t->n >= limit)
		return NULL;
	ccsp_store_usage *r = &t->rows[t->n];
	*r = *k;
	r->calls = r->errors = r->bytes = 0;
	t->slot[i] = (uint32_t)++t->n;
	return r;
}

static int64_t add_sat(int64_t a, int64_t b)
{
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

/* Add the counts of u to its row of the live table, or to its overflow row (key ""); under mu. */
static void add_locked(ccsp_metering *m, const ccsp_store_usage *u)
{
	ccsp_store_usage *r = table_row(m->live, u, m->max_rows);
	if (r == NULL && u->key_id[0] != '\0') {
		ccsp_store_usage k = *u;
		k.key_id[0] = '\0';
		r = table_row(m->live, &k, m->cap);
	}
	if (r == NULL) {
		m->dropped += (uint64_t)u->calls;
		return;
	}
	r->calls = add_sat(r->calls, u->calls);
	r->errors = add_sat(r->errors, u->errors);
	r->bytes = add_sat(r->bytes, u->bytes);
}

/* Copy s into dst (cap bytes with the NUL) when it is 1..cap-1 printable ASCII characters without blanks (ids,
 * action names: what the store accepts as text); else dst = "" and 0. */
static int copy_name(char *dst, size_t cap, const char *s)
{
	size_t n = 0;
	dst[0] = '\0';
	if (s == NULL)
		return 0;
	while (s[n] != '\0' && n < cap) {
		if ((unsigned char)s[n] <= 0x20 || (unsigned char)s[n] >= 0x7f)
			return 0;
		n++;
	}
	if (n == 0 || n >= cap)
		return 0;
	memcpy(dst, s, n + 1);
	return 1;
}

int ccsp_metering_record(ccsp_metering *m, int64_t now_ms, const char *tenant, const char *app, const char *key,
                         const char *action, int ok, uint64_t bytes)
{
	ccsp_store_usage u;
	if (m == NULL || !copy_name(u.tenant_id, sizeof u.tenant_id, tenant) ||
	    !copy_name(u.action, sizeof u.action, action))
		return 0;
	(void)copy_name(u.app_id, sizeof u.app_id, app); /* "" when absent or malformed */
	(void)copy_name(u.key_id, sizeof u.key_id, key);
	u.hour = now_ms > 0 ? now_ms - now_ms % CCSP_STORE_HOUR_MS : 0;
	u.calls = 1;
	u.errors = ok ? 0 : 1;
	u.bytes = bytes > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)bytes;
	pthread_mutex_lock(&m->mu);
	add_locked(m, &u);
	int filling = m->live->n > m->max_rows / 4 * 3;
	pthread_mutex_unlock(&m->mu);
	return filling;
}

ccsp_err ccsp_metering_flush_with(ccsp_metering *m, ccsp_metering_write_fn write, void *arg, size_t *rows)
{
	ccsp_err ret = CCSP_OK;
	if (rows != NULL)
		*rows = 0;
	if (m == NULL || write == NULL)
		return CCSP_ERR_ARG;
	pthread_mutex_lock(&m->flush_mu);
	pthread_mutex_lock(&m->mu);
	table *full = m->live;
	m->live = full == &m->t[0] ? &m->t[1] : &m->t[0]; /* empty: cleared by the last flush */
	pthread_mutex_unlock(&m->mu);
	if (full->n > 0)
		ret = write(arg, full->rows, full->n);
	if (ret == CCSP_OK && rows != NULL)
		*rows = full->n;
	if (ret != CCSP_OK) { /* back into the live table, added to what was counted meanwhile */
		pthread_mutex_lock(&m->mu);
		for (size_t i = 0; i < full->n; i++)
			add_locked(m, &full->rows[i]);
		pthread_mutex_unlock(&m->mu);
	}
	table_clear(full);
	pthread_mutex_unlock(&m->flush_mu);
	return ret;
}

typedef struct store_write {
	const ccsp_store_usage *rows;
	size_t n;
} store_write;

static ccsp_err store_fn(ccsp_store_tx *tx, void *arg)
{
	store_write *w = arg;
	return ccsp_store_usage_add(tx, w->rows, w->n);
}

static ccsp_err write_store(void *arg, const ccsp_store_usage *rows, size_t n)
{
	store_write w = {.rows = rows, .n = n};
	return ccsp_store_run(arg, store_fn, &w);
}

ccsp_err ccsp_metering_flush(ccsp_metering *m, ccsp_store *s, size_t *rows)
{
	if (s == NULL)
		return CCSP_ERR_ARG;
	return ccsp_metering_flush_with(m, write_store, s, rows);
}

size_t ccsp_metering_pending(ccsp_metering *m)
{
	pthread_mutex_lock(&m->mu);
	size_t n = m->live->n;
	pthread_mutex_unlock(&m->mu);
	return n;
}

uint64_t ccsp_metering_dropped(ccsp_metering *m)
{
	pthread_mutex_lock(&m->mu);
	uint64_t n = m->dropped;
	pthread_mutex_unlock(&m->mu);
	return n;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Part of store_test.c (included there): tenant isolation, transactions, and the tests with several connections,
 * threads or processes — the nonce race between two "nodes", concurrent audit appenders, and (SQLite) a writer
 * killed with SIGKILL in the middle of its commits.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include <ccsp/sm3.h>

/* ---- tenant isolation: tenant A's id with tenant B's object is "not found", whatever the call ---- */

static void test_isolation(void **state)
{
	(void)state;
	ccsp_store *s = fx_open();
	ccsp_store_tx *tx = tx_begin(s);
	ccsp_store_tenant ta, tb;
	ccsp_store_principal pb, got;
	ccsp_store_app ab, gota, list[4];
	size_t n = 0;
	int64_t cnt = 0;
	mk_tenant(tx, NULL, "a", &ta);
	mk_tenant(tx, NULL, "b", &tb);
	mk_principal(tx, tb.id, "bob", CCSP_ROLE_TENANT_ADMIN, &pb);
	mk_app(tx, tb.id, "app", "AK-B", &ab);
	ccsp_store_session ses = {.created = NOW, .last_seen = NOW, .expires = NOW + 1000};
	memset(ses.token_hash, 9, sizeof ses.token_hash);
	memcpy(ses.principal_id, pb.id, sizeof ses.principal_id);
	memcpy(ses.tenant_id, ta.id, sizeof ses.tenant_id); /* B's principal in a session of A */
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_session_create(tx, &ses));
	memcpy(ses.tenant_id, tb.id, sizeof ses.tenant_id);
	assert_ok(ccsp_store_session_create(tx, &ses));
	assert_ok(ccsp_store_commit(tx));

	tx = tx_begin(s);
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_principal_get(tx, ta.id, pb.id, &got));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_principal_find(tx, ta.id, "bob", &got));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_principal_get(tx, NULL, pb.id, &got)); /* not an operator */
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_principal_get(tx, "", pb.id, &got)); /* "" never means "operators" */
	got = pb;
	memcpy(got.tenant_id, ta.id, sizeof got.tenant_id);
	got.status = CCSP_STORE_DISABLED;
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_principal_update(tx, &got));
	int64_t failed = 0;
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_principal_fail(tx, ta.id, pb.id, &failed));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_principal_delete(tx, ta.id, pb.id));
	assert_ok(ccsp_store_principal_list(tx, ta.id, NULL, 4, &got, &n));
	assert_int_equal(n, 0);
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_app_get(tx, ta.id, ab.id, &gota));
	gota = ab;
	memcpy(gota.tenant_id, ta.id, sizeof gota.tenant_id);
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_app_update(tx, &gota));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_app_delete(tx, ta.id, ab.id));
	assert_ok(ccsp_store_app_list(tx, ta.id, NULL, 4, list, &n));
	assert_int_equal(n, 0);
	assert_ok(ccsp_store_session_count(tx, ta.id, pb.id, NOW, 0, &cnt));
	assert_int_equal(cnt, 0);
	assert_ok(ccsp_store_session_revoke_principal(tx, ta.id, pb.id, &cnt));
	assert_int_equal(cnt, 0);
	/* nothing of B changed */
	assert_ok(ccsp_store_principal_get(tx, tb.id, pb.id, &got));
	assert_int_equal(got.status, CCSP_STORE_ACTIVE);
	assert_int_equal(got.failed_logins, 0);
	assert_ok(ccsp_store_app_get(tx, tb.id, ab.id, &gota));
	assert_ok(ccsp_store_session_count(tx, tb.id, pb.id, NOW, 0, &cnt));
	assert_int_equal(cnt, 1);
	assert_ok(ccsp_store_commit(tx));
	ccsp_store_free(s);
}

/* ---- transactions ---- */

struct two_apps {
	const char *tenant_name;
	const char *ak2;
};

/* Creates a tenant and two apps; the second fails when its access key is taken. */
static ccsp_err create_two_apps(ccsp_store_tx *tx, void *arg)
{
	const struct two_apps *w = arg;
	ccsp_store_tenant t = {.created = NOW};
	ccsp_store_app a = {.secret_ct_len = 8, .created = NOW};
	snprintf(t.name, sizeof t.name, "%s", w->tenant_name);
	CCSP_GUARD(ccsp_store_tenant_create(tx, &t));
	memcpy(a.tenant_id, t.id, sizeof a.tenant_id);
	snprintf(a.name, sizeof a.name, "first");
	snprintf(a.access_key, sizeof a.access_key, "AK-%s", w->tenant_name);
	CCSP_GUARD(ccsp_store_app_create(tx, &a));
	snprintf(a.name, sizeof a.name, "second");
	snprintf(a.access_key, sizeof a.access_key, "%s", w->ak2);
	return ccsp_store_app_create(tx, &a);
}

static int64_t count_rows(ccsp_store *s, const char *sql)
{
	ccsp_store_tx *tx = NULL;
	st_res *r = NULL;
	assert_ok(ccsp_store_begin_ro(s, &tx));
	assert_ok(st_tx_query_one(tx, sql, NULL, 0, &r));
	int64_t n = st_res_int(r, 0, 0);
	st_res_free(r);
	ccsp_store_rollback(tx);
	return n;
}

static void test_transactions(void **state)
{
	(void)state;
	ccsp_store *s = fx_open();
	ccsp_store_tx *tx = tx_begin(s);
	ccsp_store_tenant t;
	mk_tenant(tx, NULL, "gone", &t);
	assert_ok(ccsp_store_config_set(tx, "x", "1"));
	ccsp_store_rollback(tx); /* rollback leaves nothing */
	assert_int_equal(count_rows(s, "SELECT COUNT(*) FROM tenants"), 0);
	assert_int_equal(count_rows(s, "SELECT COUNT(*) FROM config"), 0);

	struct two_apps ok = {"one", "AK-x"}, clash = {"two", "AK-one"}; /* AK-one: the first app of "one" */
	assert_ok(ccsp_store_run(s, create_two_apps, &ok));
	assert_ccsp(CCSP_ERR_EXISTS, ccsp_store_run(s, create_two_apps, &clash)); /* fails half-way: nothing */
	assert_int_equal(count_rows(s, "SELECT COUNT(*) FROM tenants"), 1);
	assert_int_equal(count_rows(s, "SELECT COUNT(*) FROM apps"), 2);

	tx = tx_begin(s); /* a failure mid-way with the caller's own transaction: commit refuses */
	mk_tenant(tx, NULL, "three", &t);
	assert_ccsp(CCSP_ERR_EXISTS, create_two_apps(tx, &clash));
	assert_ccsp(CCSP_ERR_STATE, ccsp_store_config_set(tx, "after", "failure"));
	assert_ccsp(CCSP_ERR_STATE, ccsp_store_commit(tx));
	assert_int_equal(count_rows(s, "SELECT COUNT(*) FROM tenants"), 1);

	assert_ok(ccsp_store_begin_ro(s, &tx)); /* read-only means read-only */
	assert_ccsp(CCSP_ERR_STATE, ccsp_store_config_set(tx, "x", "1"));
	ccsp_store_rollback(tx);
	assert_ok(ccsp_store_check(s));
	ccsp_store_free(s);
}

/* ---- the nonce race: two nodes (two store handles) accept each nonce exactly once ---- */

#define RACE_NONCES 200

struct race {
	ccsp_store *s;
	int wins[RACE_NONCES];
	ccsp_err err;
};

static ccsp_err race_one(ccsp_store_tx *tx, void *arg)
{
	return ccsp_store_nonce_check(tx, "AK", arg, NOW);
}

static void *race_thread(void *arg)
{
	struct race *r = arg;
	char nonce[32];
	for (int i = 0; i < RACE_NONCES && r->err == CCSP_OK; i++) {
		snprintf(nonce, sizeof nonce, "n-%d", i);
		ccsp_err e = ccsp_store_run(r->s, race_one, nonce);
		if (e == CCSP_OK)
			r->wins[i]++;
		else if (e != CCSP_ERR_EXISTS)
			r->err = e;
	}
	return NULL;
}

/* Node A holds a transaction that inserted the nonce; node B's check of it waits and then sees it taken. */
struct holder {
	ccsp_store *s;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int inserted;
};

static void *holder_thread(void *arg)
{
	struct holder *h = arg;
	ccsp_store_tx *tx = NULL;
	if (ccsp_store_begin(h->s, &tx) != CCSP_OK || ccsp_store_nonce_check(tx, "AK", "held", NOW) != CCSP_OK)
		return (void *)1;
	pthread_mutex_lock(&h->mu);
	h->inserted = 1;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
	struct timespec ts = {0, 200 * 1000000L};
	nanosleep(&ts, NULL);
	return ccsp_store_commit(tx) == CCSP_OK ? NULL : (void *)1;
}

static void test_nonce_race(void **state)
{
	(void)state;
	ccsp_store *a = fx_open(), *b = fx_open();
	static struct race ra, rb;
	memset(&ra, 0, sizeof ra);
	memset(&rb, 0, sizeof rb);
	ra.s = a;
	rb.s = b;
	pthread_t t1, t2;
	assert_int_equal(pthread_create(&t1, NULL, race_thread, &ra), 0);
	assert_int_equal(pthread_create(&t2, NULL, race_thread, &rb), 0);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	assert_ccsp(CCSP_OK, ra.err);
	assert_ccsp(CCSP_OK, rb.err);
	for (int i = 0; i < RACE_NONCES; i++)
		if (ra.wins[i] + rb.wins[i] != 1)
			fail_msg("nonce %d accepted %d times", i, ra.wins[i] + rb.wins[i]);

	struct holder h = {.s = a, .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
	void *hr = NULL;
	assert_int_equal(pthread_create(&t1, NULL, holder_thread, &h), 0);
	pthread_mutex_lock(&h.mu);
	while (!h.inserted)
		pthread_cond_wait(&h.cv, &h.mu);
	pthread_mutex_unlock(&h.mu);
	ccsp_store_tx *tx = NULL;
	assert_ok(ccsp_store_begin(b, &tx)); /* SQLite: waits here for the write lock; PostgreSQL: at the insert */
	assert_ccsp(CCSP_ERR_EXISTS, ccsp_store_nonce_check(tx, "AK", "held", NOW));
	assert_ok(ccsp_store_commit(tx));
	pthread_join(t1, &hr);
	assert_null(hr);
	ccsp_store_free(a);
	ccsp_store_free(b);
}

/* ---- concurrent audit appenders on two nodes: gapless seqs, consistent chain ---- */

#define AUD_THREADS 4
#define AUD_PER_THREAD 40

/* The test's stand-in for the audit module's chain: h_n = SM3(h_{n-1} || seq || actor). */
static void test_chain(const uint8_t *prev, size_t prev_len, int64_t seq, const char *actor, uint8_t out[32])
{
	uint8_t buf[CCSP_STORE_CHAIN_MAX + 8 + CCSP_STORE_TEXT_MAX];
	size_t k = prev_len, alen = strlen(actor);
	memcpy(buf, prev, prev_len);
	for (int i = 0; i < 8; i++)
		buf[k++] = (uint8_t)((uint64_t)seq >> (56 - 8 * i));
	memcpy(buf + k, actor, alen);
	if (ccsp_sm3(buf, k + alen, out) != CCSP_OK)
		memset(out, 0, 32);
}

struct appender {
	ccsp_store *s;
	char actor[16];
	ccsp_err err;
};

static ccsp_err append_one(ccsp_store_tx *tx, void *arg)
{
	const struct appender *w = arg;
	ccsp_store_audit_rec r;
	uint8_t prev[CCSP_STORE_CHAIN_MAX];
	size_t prev_len = 0;
	int64_t seq = 0;
	CCSP_GUARD(ccsp_store_config_set(tx, w->actor, "busy")); /* the change the record audits */
	CCSP_GUARD(ccsp_store_audit_head(tx, &seq, prev, &prev_len));
	fill_rec(&r, seq + 1, w->actor, "", "config.set", "ok");
	test_chain(prev, prev_len, r.seq, w->actor, r.chain);
	return ccsp_store_audit_append(tx, &r);
}

static void *append_thread(void *arg)
{
	struct appender *w = arg;
	for (int i = 0; i < AUD_PER_THREAD && w->err == CCSP_OK; i++)
		w->err = ccsp_store_run(w->s, append_one, w);
	return NULL;
}

static void test_audit_concurrent(void **state)
{
	(void)state;
	ccsp_store *nodes[2] = {fx_open(), fx_open()};
	struct appender w[AUD_THREADS];
	pthread_t t[AUD_THREADS];
	for (int i = 0; i < AUD_THREADS; i++) {
		w[i] = (struct appender){.s = nodes[i % 2]};
		snprintf(w[i].actor, sizeof w[i].actor, "writer-%d", i);
		assert_int_equal(pthread_create(&t[i], NULL, append_thread, &w[i]), 0);
	}
	for (int i = 0; i < AUD_THREADS; i++) {
		pthread_join(t[i], NULL);
		assert_ccsp(CCSP_OK, w[i].err);
	}
	static ccsp_store_audit_rec recs[AUD_THREADS * AUD_PER_THREAD];
	size_t n = 0, prev_len = 0, head_len = 0;
	int64_t head = 0;
	uint8_t prev[CCSP_STORE_CHAIN_MAX], want[32], head_chain[CCSP_STORE_CHAIN_MAX];
	ccsp_store_tx *tx = tx_begin(nodes[0]);
	assert_ok(ccsp_store_audit_list(tx, NULL, 0, AUD_THREADS * AUD_PER_THREAD, recs, &n));
	assert_ok(ccsp_store_audit_head(tx, &head, head_chain, &head_len));
	ccsp_store_rollback(tx);
	assert_int_equal(n, AUD_THREADS * AUD_PER_THREAD);
	assert_int_equal(head, (int64_t)n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(recs[i].seq, (int64_t)i + 1);
		test_chain(prev, prev_len, recs[i].seq, recs[i].actor, want);
		assert_int_equal(recs[i].chain_len, 32);
		assert_memory_equal(recs[i].chain, want, 32);
		memcpy(prev, want, 32);
		prev_len = 32;
	}
	assert_int_equal(head_len, 32);
	assert_memory_equal(head_chain, prev, 32);
	ccsp_store_audit_rec_clear(recs, n);
	ccsp_store_free(nodes[0]);
	ccsp_store_free(nodes[1]);
}

/* ---- SQLite: the write lock held past the busy timeout is CCSP_ERR_BUSY; ccsp_store_run waits it out ---- */

static ccsp_err set_y(ccsp_store_tx *tx, void *arg)
{
	(void)arg;
	return ccsp_store_config_set(tx, "y", "1");
}

static void *release_later(void *arg)
{
	struct timespec ts = {0, 100 * 1000000L};
	nanosleep(&ts, NULL);
	return ccsp_store_commit(arg) == CCSP_OK ? NULL : (void *)1;
}

static void test_busy(void **state)
{
	(void)state;
	if (fx_pg)
		skip(); /* PostgreSQL waits on row locks, without a timeout */
	ccsp_store_opts o = {.busy_timeout_ms = 40}; /* 8 tries: >= 320 ms of waiting */
	ccsp_store *a = fx_open(), *b = NULL;
	assert_ok(ccsp_store_open(fx_url, &o, &b, NULL, 0));
	ccsp_store_tx *hold = tx_begin(a), *tx = NULL;
	assert_ccsp(CCSP_ERR_BUSY, ccsp_store_begin(b, &tx));
	pthread_t t;
	void *tr = NULL;
	assert_int_equal(pthread_create(&t, NULL, release_later, hold), 0);
	assert_ok(ccsp_store_run(b, set_y, NULL)); /* busy at first, retried until the holder commits */
	pthread_join(t, &tr);
	assert_null(tr);
	ccsp_store_free(a);
	ccsp_store_free(b);
}

/* ---- SQLite: a writer killed by SIGKILL loses no acknowledged commit and leaves a consistent file ---- */

static void kill9_child(int fd)
{
	ccsp_store *s = NULL;
	char key[32];
	if (ccsp_store_open(fx_url, NULL, &s, NULL, 0) != CCSP_OK)
		_exit(2);
	for (int32_t i = 0;; i++) {
		ccsp_store_tx *tx = NULL;
		snprintf(key, sizeof key, "k%d", i);
		if (ccsp_store_begin(s, &tx) != CCSP_OK || ccsp_store_config_set(tx, key, "v") != CCSP_OK ||
		    ccsp_store_commit(tx) != CCSP_OK)
			_exit(3);
		if (write(fd, &i, sizeof i) != sizeof i) /* acknowledged: committed */
			_exit(4);
	}
}

static void test_kill9(void **state)
{
	(void)state;
	if (fx_pg)
		skip(); /* the server's durability, not ours */
	int fds[2];
	ccsp_store_free(fx_open()); /* schema created before the child starts */
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		kill9_child(fds[1]);
	}
	close(fds[1]);
	int32_t last = -1, v;
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do { /* let it commit for ~0.7 s, then kill it mid-stream */
		if (read(fds[0], &v, sizeof v) != sizeof v)
			fail_msg("the writer died");
		last = v;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000 < 700);
	kill(pid, SIGKILL);
	while (read(fds[0], &v, sizeof v) == sizeof v) /* acknowledgements already in the pipe */
		last = v;
	close(fds[0]);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_true(last > 10);

	ccsp_store *s = fx_open();
	assert_ok(ccsp_store_check(s));
	int64_t rows = count_rows(s, "SELECT COUNT(*) FROM config");
	assert_true(rows >= last + 1); /* at most one more: committed, killed before the acknowledgement */
	assert_true(rows <= last + 2);
	ccsp_store_tx *tx = NULL;
	char key[32], *val = NULL;
	assert_ok(ccsp_store_begin_ro(s, &tx));
	for (int32_t i = 0; i <= last; i++) {
		snprintf(key, sizeof key, "k%d", i);
		assert_ok(ccsp_store_config_get(tx, key, &val));
		free(val);
	}
	ccsp_store_rollback(tx);
	ccsp_store_free(s);
}

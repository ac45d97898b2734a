/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The platform store (src/platform/store/), run once per engine: `store_test` (SQLite) and
 * `store_test postgresql` (a throwaway server from scripts/pg-test.sh; see store_fixture.h). Migrations, every
 * entity's calls, tenant isolation, transactions; the concurrency and crash tests are in store_conc.h.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "platform/store/store_audit.h"
#include "platform/store/store_db.h"
#include "platform/store/store_identity.h"
#include "store_fixture.h"

#define NOW 1760000000000LL

/* ---- helpers: one call in its own transaction ---- */

static ccsp_store_tx *tx_begin(ccsp_store *s)
{
	ccsp_store_tx *tx = NULL;
	assert_ok(ccsp_store_begin(s, &tx));
	return tx;
}

static void mk_tenant(ccsp_store_tx *tx, const char *parent, const char *name, ccsp_store_tenant *t)
{
	memset(t, 0, sizeof *t);
	snprintf(t->parent_id, sizeof t->parent_id, "%s", parent ? parent : "");
	snprintf(t->name, sizeof t->name, "%s", name);
	t->created = NOW;
	assert_ok(ccsp_store_tenant_create(tx, t));
	assert_int_equal(strlen(t->id), CCSP_STORE_ID_LEN);
}

static void mk_principal(ccsp_store_tx *tx, const char *tenant, const char *login, ccsp_store_role role,
                         ccsp_store_principal *p)
{
	memset(p, 0, sizeof *p);
	snprintf(p->tenant_id, sizeof p->tenant_id, "%s", tenant ? tenant : "");
	snprintf(p->login, sizeof p->login, "%s", login);
	p->role = role;
	p->pw_hash_len = 32;
	memset(p->pw_hash, 0xa5, 32);
	p->pw_salt_len = 16;
	memset(p->pw_salt, 0x5a, 16);
	p->pw_iter = 100000;
	p->must_change = 1;
	p->created = NOW;
	assert_ok(ccsp_store_principal_create(tx, p));
}

static void mk_app(ccsp_store_tx *tx, const char *tenant, const char *name, const char *ak, ccsp_store_app *a)
{
	memset(a, 0, sizeof *a);
	snprintf(a->tenant_id, sizeof a->tenant_id, "%s", tenant);
	snprintf(a->name, sizeof a->name, "%s", name);
	snprintf(a->access_key, sizeof a->access_key, "%s", ak);
	a->secret_ct_len = 48;
	memset(a->secret_ct, 0x11, 48);
	a->created = NOW;
	assert_ok(ccsp_store_app_create(tx, a));
}

/* ---- migrations ---- */

static void test_migrations(void **state)
{
	(void)state;
	int64_t v = 0;
	ccsp_store *s = fx_open();
	assert_ok(ccsp_store_schema_version(s, &v));
	assert_int_equal(v, CCSP_STORE_SCHEMA_VERSION);
	ccsp_store_tx *tx = tx_begin(s);
	assert_ok(ccsp_store_config_set(tx, "k", "kept"));
	assert_ok(ccsp_store_commit(tx));
	ccsp_store_free(s);
	struct stat st;
	if (!fx_pg) { /* the file holds password hashes: 0600 whatever the umask */
		assert_int_equal(stat(fx_path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}

	s = fx_open(); /* re-open: nothing applied twice, the data is kept */
	assert_ok(ccsp_store_schema_version(s, &v));
	assert_int_equal(v, CCSP_STORE_SCHEMA_VERSION);
	char *val = NULL;
	assert_ok(ccsp_store_begin_ro(s, &tx));
	assert_ok(ccsp_store_config_get(tx, "k", &val));
	assert_string_equal(val, "kept");
	free(val);
	ccsp_store_rollback(tx);

	tx = tx_begin(s); /* a newer ccspd migrated the database: refused */
	assert_ok(st_tx_script(tx, "INSERT INTO schema_version (version, applied) VALUES (999, 0)"));
	assert_ok(ccsp_store_commit(tx));
	ccsp_store_free(s);
	char err[256];
	s = NULL;
	assert_ccsp(CCSP_ERR_UNSUPPORTED, ccsp_store_open(fx_url, NULL, &s, err, sizeof err));
	assert_null(s);
	assert_non_null(strstr(err, "999"));

	assert_ccsp(CCSP_ERR_ARG, ccsp_store_open("mysql://x", NULL, &s, err, sizeof err));
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_open("sqlite:", NULL, &s, err, sizeof err));
}

/* ---- entities ---- */

static void test_tenants(void **state)
{
	(void)state;
	ccsp_store *s = fx_open();
	ccsp_store_tx *tx = tx_begin(s);
	ccsp_store_tenant a, b, a1, a2, got, list[3];
	size_t n = 0;
	mk_tenant(tx, NULL, "acme", &a);
	mk_tenant(tx, NULL, "beta", &b);
	mk_tenant(tx, a.id, "dept-1", &a1);
	mk_tenant(tx, a1.id, "team-x", &a2);
	ccsp_store_tenant dup = {0};
	snprintf(dup.name, sizeof dup.name, "dept-1");
	memcpy(dup.parent_id, b.id, sizeof dup.parent_id); /* the same name under another parent: fine */
	assert_ok(ccsp_store_tenant_create(tx, &dup));
	memcpy(dup.parent_id, "00000000000000000000000000000000", 33);
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_tenant_create(tx, &dup));
	assert_ok(ccsp_store_tenant_get(tx, a1.id, &got));
	assert_string_equal(got.name, "dept-1");
	assert_string_equal(got.parent_id, a.id);
	assert_int_equal(got.status, CCSP_STORE_ACTIVE);
	assert_int_equal(got.created, NOW);

	assert_ok(ccsp_store_tenant_list(tx, NULL, NULL, 1, list, &n)); /* paging through the top level */
	assert_int_equal(n, 1);
	char first[CCSP_STORE_ID_LEN + 1];
	memcpy(first, list[0].id, sizeof first);
	assert_ok(ccsp_store_tenant_list(tx, "", first, 3, list, &n));
	assert_int_equal(n, 1);
	assert_string_not_equal(list[0].id, first);
	assert_ok(ccsp_store_tenant_list(tx, a.id, NULL, 3, list, &n));
	assert_int_equal(n, 1);
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_tenant_list(tx, NULL, NULL, 0, list, &n));
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_tenant_list(tx, NULL, NULL, CCSP_STORE_LIST_MAX + 1, list, &n));

	int yes = 0;
	assert_ok(ccsp_store_tenant_within(tx, a.id, a2.id, &yes));
	assert_true(yes);
	assert_ok(ccsp_store_tenant_within(tx, b.id, a2.id, &yes));
	assert_false(yes);
	assert_ok(ccsp_store_tenant_set_status(tx, b.id, CCSP_STORE_DISABLED));
	assert_ok(ccsp_store_tenant_get(tx, b.id, &got));
	assert_int_equal(got.status, CCSP_STORE_DISABLED);
	assert_ok(ccsp_store_tenant_delete(tx, a2.id));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_tenant_get(tx, a2.id, &got));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_tenant_delete(tx, a2.id));
	assert_ok(ccsp_store_commit(tx));

	tx = tx_begin(s); /* a sibling of the same name: refused, and the transaction can only be rolled back */
	memset(&dup, 0, sizeof dup);
	snprintf(dup.name, sizeof dup.name, "acme");
	assert_ccsp(CCSP_ERR_EXISTS, ccsp_store_tenant_create(tx, &dup));
	assert_ccsp(CCSP_ERR_STATE, ccsp_store_commit(tx));
	tx = tx_begin(s); /* a tenant with a sub-tenant cannot go */
	assert_ccsp(CCSP_ERR_STATE, ccsp_store_tenant_delete(tx, a.id));
	ccsp_store_rollback(tx);
	ccsp_store_free(s);
}

/* Sub-tenants: a tenant sees itself and its descendants, never an ancestor, a sibling or a cousin (CCSP_ERR_NOT_FOUND
 * as for a missing one); a disabled tenant disables its subtree; the tree is at most CCSP_STORE_TENANT_DEPTH_MAX
 * levels deep; a subtree's sessions end in one call. */
static void test_subtenants(void **state)
{
	(void)state;
	ccsp_store *s = fx_open();
	ccsp_store_tx *tx = tx_begin(s);
	ccsp_store_tenant root, a, a1, a11, b, got;
	ccsp_store_principal pa11, pb;
	ccsp_store_app app11;
	int active = -1;
	int64_t n = 0;
	mk_tenant(tx, NULL, "root", &root);    /* level 1 */
	mk_tenant(tx, root.id, "a", &a);       /* 2 */
	mk_tenant(tx, a.id, "a1", &a1);        /* 3 */
	mk_tenant(tx, a1.id, "a11", &a11);     /* 4: the deepest level */
	mk_tenant(tx, root.id, "b", &b);       /* a's sibling */
	ccsp_store_tenant deep = {0};
	snprintf(deep.name, sizeof deep.name, "too-deep");
	memcpy(deep.parent_id, a11.id, sizeof deep.parent_id);
	assert_ccsp(CCSP_ERR_LIMIT, ccsp_store_tenant_create(tx, &deep));

	assert_ok(ccsp_store_tenant_scoped(tx, a.id, a11.id, &got)); /* a descendant, any depth */
	assert_string_equal(got.id, a11.id);
	assert_string_equal(got.parent_id, a1.id);
	assert_ok(ccsp_store_tenant_scoped(tx, a.id, a.id, &got)); /* itself */
	assert_ok(ccsp_store_tenant_scoped(tx, NULL, a11.id, &got)); /* the operators see every tenant */
	assert_ok(ccsp_store_tenant_scoped(tx, root.id, b.id, &got));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_tenant_scoped(tx, a.id, root.id, &got)); /* an ancestor */
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_tenant_scoped(tx, a.id, b.id, &got));    /* a sibling */
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_tenant_scoped(tx, a1.id, a.id, &got));   /* the parent */
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_tenant_scoped(tx, b.id, a11.id, &got));  /* a cousin */
	assert_ccsp(CCSP_ERR_NOT_FOUND,
	            ccsp_store_tenant_scoped(tx, a.id, "0123456789abcdef0123456789abcdef", &got)); /* missing: same */
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_tenant_scoped(tx, a.id, "", &got));
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_tenant_scoped(tx, "", a.id, &got)); /* "" never means "the operators" */

	mk_principal(tx, a11.id, "deep", CCSP_ROLE_USER, &pa11);
	mk_principal(tx, b.id, "bee", CCSP_ROLE_USER, &pb);
	mk_app(tx, a11.id, "deep-app", "AK-DEEP", &app11);
	uint8_t fill = 1;
	const char *owners[][3] = {
		{pa11.id, "", a11.id}, {"", app11.id, a11.id}, {"", app11.id, a11.id}, {pb.id, "", b.id}};
	for (size_t i = 0; i < sizeof owners / sizeof owners[0]; i++) {
		ccsp_store_session ses = {.created = NOW, .last_seen = NOW, .expires = NOW + 1000};
		memset(ses.token_hash, fill++, sizeof ses.token_hash);
		snprintf(ses.principal_id, sizeof ses.principal_id, "%s", owners[i][0]);
		snprintf(ses.app_id, sizeof ses.app_id, "%s", owners[i][1]);
		snprintf(ses.tenant_id, sizeof ses.tenant_id, "%s", owners[i][2]);
		assert_ok(ccsp_store_session_create(tx, &ses));
	}
	assert_ok(ccsp_store_session_count_app(tx, a11.id, app11.id, NOW, 0, &n));
	assert_int_equal(n, 2);
	assert_ok(ccsp_store_session_count_app(tx, b.id, app11.id, NOW, 0, &n)); /* scoped: another tenant's app */
	assert_int_equal(n, 0);
	assert_ok(ccsp_store_session_count_app(tx, a11.id, app11.id, NOW + 1000, 0, &n)); /* expired */
	assert_int_equal(n, 0);
	ccsp_store_tenant_count counts[2];
	size_t rows = 0;
	assert_ok(ccsp_store_session_count_tenants(tx, NOW, NOW - 1, 1, counts, &rows, &n));
	assert_int_equal(rows, 1); /* the most numerous first; the rest only in the total */
	assert_string_equal(counts[0].tenant_id, a11.id);
	assert_int_equal(counts[0].n, 3);
	assert_int_equal(n, 4);
	assert_ok(ccsp_store_session_count_tenants(tx, NOW, NOW, 2, counts, &rows, &n)); /* none used since */
	assert_int_equal(rows, 0);
	assert_int_equal(n, 0);

	assert_ok(ccsp_store_tenant_active(tx, a11.id, &active));
	assert_true(active);
	assert_ok(ccsp_store_tenant_set_status(tx, a.id, CCSP_STORE_DISABLED)); /* a's whole subtree */
	assert_ok(ccsp_store_tenant_active(tx, a11.id, &active));
	assert_false(active);
	assert_ok(ccsp_store_tenant_active(tx, a.id, &active));
	assert_false(active);
	assert_ok(ccsp_store_tenant_active(tx, b.id, &active)); /* not the sibling, not the parent */
	assert_true(active);
	assert_ok(ccsp_store_tenant_active(tx, root.id, &active));
	assert_true(active);
	assert_ok(ccsp_store_tenant_get(tx, a11.id, &got)); /* its own status is untouched */
	assert_int_equal(got.status, CCSP_STORE_ACTIVE);
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_tenant_active(tx, "0123456789abcdef0123456789abcdef", &active));

	assert_ok(ccsp_store_session_revoke_tenant(tx, a.id, &n)); /* a's subtree: people's and apps' */
	assert_int_equal(n, 3);
	assert_ok(ccsp_store_session_count(tx, b.id, pb.id, NOW, 0, &n)); /* the sibling's stay */
	assert_int_equal(n, 1);
	assert_ok(ccsp_store_commit(tx));

	assert_ok(ccsp_store_begin_ro(s, &tx)); /* reads only: also in a read-only transaction */
	assert_ok(ccsp_store_tenant_scoped(tx, root.id, a11.id, &got));
	assert_ok(ccsp_store_tenant_active(tx, b.id, &active));
	assert_true(active);
	ccsp_store_rollback(tx);
	ccsp_store_free(s);
}

static void test_principals(void **state)
{
	(void)state;
	ccsp_store *s = fx_open();
	ccsp_store_tx *tx = tx_begin(s);
	ccsp_store_tenant t, u;
	ccsp_store_principal op, m, m2, got, list[4];
	size_t n = 0;
	int64_t failed = 0;
	mk_tenant(tx, NULL, "acme", &t);
	mk_tenant(tx, NULL, "beta", &u);
	mk_principal(tx, NULL, "root", CCSP_ROLE_SYSADMIN, &op);
	mk_principal(tx, t.id, "alice", CCSP_ROLE_TENANT_ADMIN, &m);
	mk_principal(tx, u.id, "alice", CCSP_ROLE_USER, &m2); /* login unique per tenant only */
	ccsp_store_principal bad = m;
	bad.role = CCSP_ROLE_AUDITOR; /* an operator role inside a tenant */
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_principal_create(tx, &bad));
	bad = op;
	bad.role = CCSP_ROLE_USER; /* a member role without a tenant */
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_principal_create(tx, &bad));

	assert_ok(ccsp_store_principal_find(tx, NULL, "root", &got));
	assert_string_equal(got.id, op.id);
	assert_string_equal(got.tenant_id, "");
	assert_int_equal(got.role, CCSP_ROLE_SYSADMIN);
	assert_ok(ccsp_store_principal_find(tx, t.id, "alice", &got));
	assert_string_equal(got.id, m.id);
	assert_int_equal(got.pw_hash_len, 32);
	assert_memory_equal(got.pw_hash, m.pw_hash, 32);
	assert_int_equal(got.pw_salt_len, 16);
	assert_int_equal(got.pw_iter, 100000);
	assert_true(got.must_change);
	assert_int_equal(got.sm2_pub_len, 0);
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_principal_find(tx, NULL, "alice", &got));

	got.must_change = 0;
	got.pw_changed_at = NOW + 5;
	got.locked_until = NOW + 60000;
	got.sm2_pub_len = 65;
	memset(got.sm2_pub, 0x04, 65);
	got.status = CCSP_STORE_DISABLED;
	assert_ok(ccsp_store_principal_update(tx, &got));
	assert_ok(ccsp_store_principal_fail(tx, t.id, m.id, &failed));
	assert_ok(ccsp_store_principal_fail(tx, t.id, m.id, &failed));
	assert_int_equal(failed, 2);
	assert_ok(ccsp_store_principal_get(tx, t.id, m.id, &got));
	assert_false(got.must_change);
	assert_int_equal(got.pw_changed_at, NOW + 5);
	assert_int_equal(got.locked_until, NOW + 60000);
	assert_int_equal(got.failed_logins, 2);
	assert_int_equal(got.sm2_pub_len, 65);
	assert_int_equal(got.status, CCSP_STORE_DISABLED);
	assert_ok(ccsp_store_principal_list(tx, NULL, NULL, 4, list, &n));
	assert_int_equal(n, 1);
	assert_ok(ccsp_store_commit(tx));

	tx = tx_begin(s);
	ccsp_store_principal dup;
	memset(&dup, 0, sizeof dup);
	snprintf(dup.login, sizeof dup.login, "root");
	dup.role = CCSP_ROLE_AUDITOR;
	assert_ccsp(CCSP_ERR_EXISTS, ccsp_store_principal_create(tx, &dup));
	ccsp_store_rollback(tx);
	tx = tx_begin(s);
	assert_ok(ccsp_store_principal_delete(tx, t.id, m.id));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_principal_get(tx, t.id, m.id, &got));
	assert_ok(ccsp_store_commit(tx));
	ccsp_store_free(s);
}

static void test_sessions(void **state)
{
	(void)state;
	ccsp_store *s = fx_open();
	ccsp_store_tx *tx = tx_begin(s);
	ccsp_store_tenant t;
	ccsp_store_principal m, op;
	ccsp_store_app a;
	ccsp_store_session ses, got;
	int64_t n = 0;
	mk_tenant(tx, NULL, "acme", &t);
	mk_principal(tx, t.id, "alice", CCSP_ROLE_USER, &m);
	mk_principal(tx, NULL, "sec", CCSP_ROLE_SECADMIN, &op);
	mk_app(tx, t.id, "billing", "AK1", &a);
	for (int i = 0; i < 3; i++) {
		memset(&ses, 0, sizeof ses);
		memset(ses.token_hash, i + 1, sizeof ses.token_hash);
		memcpy(ses.principal_id, m.id, sizeof ses.principal_id);
		memcpy(ses.tenant_id, t.id, sizeof ses.tenant_id);
		ses.created = ses.last_seen = NOW;
		ses.expires = NOW + (i == 2 ? 10 : 8 * 3600 * 1000LL);
		assert_ok(ccsp_store_session_create(tx, &ses));
	}
	assert_ccsp(CCSP_ERR_EXISTS, ccsp_store_session_create(tx, &ses));
	ccsp_store_rollback(tx); /* a failed call: everything above is gone */
	tx = tx_begin(s);
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_tenant_get(tx, t.id, &t));
	mk_tenant(tx, NULL, "acme", &t);
	mk_principal(tx, t.id, "alice", CCSP_ROLE_USER, &m);
	mk_principal(tx, NULL, "sec", CCSP_ROLE_SECADMIN, &op);
	mk_app(tx, t.id, "billing", "AK1", &a);
	for (int i = 0; i < 3; i++) {
		memset(&ses, 0, sizeof ses);
		memset(ses.token_hash, i + 1, sizeof ses.token_hash);
		memcpy(ses.principal_id, m.id, sizeof ses.principal_id);
		memcpy(ses.tenant_id, t.id, sizeof ses.tenant_id);
		ses.created = ses.last_seen = NOW;
		ses.expires = NOW + (i == 2 ? 10 : 8 * 3600 * 1000LL);
		assert_ok(ccsp_store_session_create(tx, &ses));
	}
	memset(&ses, 0, sizeof ses); /* an operator's session, an app's session */
	memset(ses.token_hash, 0x77, sizeof ses.token_hash);
	memcpy(ses.principal_id, op.id, sizeof ses.principal_id);
	ses.expires = NOW + 1000;
	assert_ok(ccsp_store_session_create(tx, &ses));
	memset(&ses, 0, sizeof ses);
	memset(ses.token_hash, 0x88, sizeof ses.token_hash);
	memcpy(ses.app_id, a.id, sizeof ses.app_id);
	memcpy(ses.tenant_id, t.id, sizeof ses.tenant_id);
	ses.expires = NOW + 1000;
	assert_ok(ccsp_store_session_create(tx, &ses));
	memcpy(ses.principal_id, m.id, sizeof ses.principal_id); /* both owners */
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_session_create(tx, &ses));

	uint8_t h[CCSP_STORE_TOKEN_HASH_SIZE];
	memset(h, 1, sizeof h);
	assert_ok(ccsp_store_session_get(tx, h, NOW + 100, &got));
	assert_string_equal(got.principal_id, m.id);
	assert_string_equal(got.tenant_id, t.id);
	assert_string_equal(got.app_id, "");
	assert_ok(ccsp_store_session_touch(tx, h, NOW + 100));
	assert_ok(ccsp_store_session_get(tx, h, NOW + 200, &got));
	assert_int_equal(got.last_seen, NOW + 100);
	memset(h, 3, sizeof h); /* expired at NOW + 10 */
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_session_get(tx, h, NOW + 10, &got));
	assert_ok(ccsp_store_session_count(tx, t.id, m.id, NOW + 10, 0, &n));
	assert_int_equal(n, 2);
	assert_ok(ccsp_store_session_count(tx, t.id, m.id, NOW + 10, NOW, &n)); /* unused since NOW: idle, not counted */
	assert_int_equal(n, 1);
	assert_ok(ccsp_store_session_purge(tx, NOW + 10, &n));
	assert_int_equal(n, 1);
	memset(h, 0x88, sizeof h);
	assert_ok(ccsp_store_session_get(tx, h, NOW, &got));
	assert_string_equal(got.app_id, a.id);
	assert_ok(ccsp_store_session_revoke(tx, h));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_session_revoke(tx, h));
	assert_ok(ccsp_store_session_revoke_principal(tx, t.id, m.id, &n));
	assert_int_equal(n, 2);
	assert_ok(ccsp_store_session_count(tx, NULL, op.id, NOW, -1, &n));
	assert_int_equal(n, 1);
	assert_ok(ccsp_store_principal_delete(tx, NULL, op.id)); /* its sessions go with it */
	memset(h, 0x77, sizeof h);
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_session_get(tx, h, NOW, &got));
	assert_ok(ccsp_store_commit(tx));
	ccsp_store_free(s);
}

static void test_apps_nonces_config(void **state)
{
	(void)state;
	ccsp_store *s = fx_open();
	ccsp_store_tx *tx = tx_begin(s);
	ccsp_store_tenant t;
	ccsp_store_app a, b, got, list[2];
	size_t n = 0;
	int64_t purged = 0;
	mk_tenant(tx, NULL, "acme", &t);
	mk_app(tx, t.id, "one", "AK-one", &a);
	mk_app(tx, t.id, "two", "AK-two", &b);
	assert_ok(ccsp_store_app_find_key(tx, "AK-two", &got));
	assert_string_equal(got.id, b.id);
	assert_string_equal(got.tenant_id, t.id);
	assert_int_equal(got.secret_ct_len, 48);
	assert_memory_equal(got.secret_ct, b.secret_ct, 48);
	assert_ok(ccsp_store_app_list(tx, t.id, NULL, 1, list, &n));
	assert_int_equal(n, 1);
	assert_ok(ccsp_store_app_list(tx, t.id, list[0].id, 2, list, &n));
	assert_int_equal(n, 1);
	got.status = CCSP_STORE_DISABLED;
	got.sm2_pub_len = 91;
	memset(got.sm2_pub, 0x30, 91);
	assert_ok(ccsp_store_app_update(tx, &got));
	assert_ok(ccsp_store_app_get(tx, t.id, b.id, &got));
	assert_int_equal(got.status, CCSP_STORE_DISABLED);
	assert_int_equal(got.sm2_pub_len, 91);
	assert_ok(ccsp_store_app_delete(tx, t.id, a.id));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_app_find_key(tx, "AK-one", &got));

	assert_ok(ccsp_store_nonce_check(tx, "AK-two", "n1", NOW));
	assert_ccsp(CCSP_ERR_EXISTS, ccsp_store_nonce_check(tx, "AK-two", "n1", NOW + 1)); /* a replay */
	assert_ok(ccsp_store_nonce_check(tx, "AK-one", "n1", NOW)); /* per access key */
	assert_ok(ccsp_store_nonce_check(tx, "AK-two", "n2", NOW + 500));
	assert_ok(ccsp_store_nonce_purge(tx, NOW + 1, &purged));
	assert_int_equal(purged, 2);
	assert_ok(ccsp_store_nonce_check(tx, "AK-two", "n1", NOW + 600)); /* forgotten */

	char *v = NULL;
	assert_ok(ccsp_store_config_set(tx, "session.idle_ms", "7200000"));
	assert_ok(ccsp_store_config_set(tx, "session.idle_ms", "3600000"));
	assert_ok(ccsp_store_config_set(tx, "banner", "line 1\n\xe5\xaf\x86\xe7\xa0\x81"));
	assert_ok(ccsp_store_config_get(tx, "session.idle_ms", &v));
	assert_string_equal(v, "3600000");
	free(v);
	assert_ok(ccsp_store_config_get(tx, "banner", &v));
	assert_string_equal(v, "line 1\n\xe5\xaf\x86\xe7\xa0\x81");
	free(v);
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_config_set(tx, "bad", "\xff\xfe"));
	assert_ok(ccsp_store_config_delete(tx, "banner"));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_config_get(tx, "banner", &v));
	assert_null(v);
	assert_ok(ccsp_store_commit(tx));

	tx = tx_begin(s); /* access keys are unique platform-wide */
	ccsp_store_tenant u;
	mk_tenant(tx, NULL, "other", &u);
	memset(&a, 0, sizeof a);
	memcpy(a.tenant_id, u.id, sizeof a.tenant_id);
	snprintf(a.name, sizeof a.name, "x");
	snprintf(a.access_key, sizeof a.access_key, "AK-two");
	a.secret_ct_len = 1;
	assert_ccsp(CCSP_ERR_EXISTS, ccsp_store_app_create(tx, &a));
	ccsp_store_rollback(tx);
	ccsp_store_free(s);
}

static void fill_rec(ccsp_store_audit_rec *r, int64_t seq, const char *actor, const char *tenant, const char *action,
                     const char *outcome)
{
	memset(r, 0, sizeof *r);
	r->seq = seq;
	r->ts = NOW + seq;
	snprintf(r->actor, sizeof r->actor, "%s", actor);
	snprintf(r->actor_role, sizeof r->actor_role, "user");
	snprintf(r->tenant_id, sizeof r->tenant_id, "%s", tenant);
	snprintf(r->action, sizeof r->action, "%s", action);
	snprintf(r->target, sizeof r->target, "key/%lld", (long long)seq);
	snprintf(r->outcome, sizeof r->outcome, "%s", outcome);
	r->detail = "{\"n\":1}";
	r->chain_len = r->mac_len = 32;
	memset(r->chain, (int)seq, 32);
	memset(r->mac, 0xee, 32);
}

static void test_audit(void **state)
{
	(void)state;
	ccsp_store *s = fx_open();
	ccsp_store_tx *tx = tx_begin(s);
	ccsp_store_audit_rec r, out[4];
	int64_t seq = -1, n = 0;
	size_t got = 0, chain_len = 99;
	uint8_t chain[CCSP_STORE_CHAIN_MAX];
	assert_ok(ccsp_store_audit_head(tx, &seq, chain, &chain_len));
	assert_int_equal(seq, 0);
	assert_int_equal(chain_len, 0);
	fill_rec(&r, 1, "alice", "t1", "key.create", "ok");
	assert_ok(ccsp_store_audit_append(tx, &r));
	fill_rec(&r, 2, "bob", "t2", "key.create", "denied");
	assert_ok(ccsp_store_audit_append(tx, &r));
	fill_rec(&r, 3, "alice", "", "login", "ok");
	r.detail = NULL;
	assert_ok(ccsp_store_audit_append(tx, &r));
	assert_ok(ccsp_store_audit_head(tx, &seq, chain, &chain_len));
	assert_int_equal(seq, 3);
	assert_int_equal(chain_len, 32);
	assert_int_equal(chain[0], 3);
	ccsp_store_audit_checkpoint cp = {.seq = 2, .chain_len = 32, .sig_len = 64, .ts = NOW};
	assert_ok(ccsp_store_audit_checkpoint_add(tx, &cp));
	assert_ok(ccsp_store_commit(tx));

	tx = tx_begin(s);
	fill_rec(&r, 5, "alice", "", "login", "ok"); /* does not follow the head */
	assert_ccsp(CCSP_ERR_STATE, ccsp_store_audit_append(tx, &r));
	ccsp_store_rollback(tx);

	assert_ok(ccsp_store_begin_ro(s, &tx));
	assert_ok(ccsp_store_audit_get(tx, 2, &out[0]));
	assert_string_equal(out[0].actor, "bob");
	assert_string_equal(out[0].detail, "{\"n\":1}");
	assert_int_equal(out[0].mac_len, 32);
	ccsp_store_audit_rec_clear(out, 1);
	assert_ok(ccsp_store_audit_get(tx, 3, &out[0]));
	assert_string_equal(out[0].detail, "");
	assert_string_equal(out[0].tenant_id, "");
	ccsp_store_audit_rec_clear(out, 1);
	ccsp_store_audit_filter f = {.actor = "alice"};
	assert_ok(ccsp_store_audit_list(tx, &f, 0, 4, out, &got));
	assert_int_equal(got, 2);
	assert_int_equal(out[0].seq, 1);
	assert_int_equal(out[1].seq, 3);
	ccsp_store_audit_rec_clear(out, got);
	assert_ok(ccsp_store_audit_list(tx, NULL, 1, 4, out, &got)); /* after seq 1 */
	assert_int_equal(got, 2);
	ccsp_store_audit_rec_clear(out, got);
	f = (ccsp_store_audit_filter){.from_ts = NOW + 2, .to_ts = NOW + 3};
	assert_ok(ccsp_store_audit_count(tx, &f, &n));
	assert_int_equal(n, 1);
	f = (ccsp_store_audit_filter){.tenant_id = "t2", .action = "key.create", .outcome = "denied"};
	assert_ok(ccsp_store_audit_count(tx, &f, &n));
	assert_int_equal(n, 1);
	f.outcome = "ok";
	assert_ok(ccsp_store_audit_count(tx, &f, &n));
	assert_int_equal(n, 0);
	assert_ok(ccsp_store_audit_count(tx, NULL, &n));
	assert_int_equal(n, 3);
	ccsp_store_audit_checkpoint cps[2];
	assert_ok(ccsp_store_audit_checkpoint_last(tx, &cp));
	assert_int_equal(cp.seq, 2);
	assert_int_equal(cp.sig_len, 64);
	assert_ok(ccsp_store_audit_checkpoint_list(tx, 0, 2, cps, &got));
	assert_int_equal(got, 1);
	assert_ccsp(CCSP_ERR_STATE, ccsp_store_audit_head(tx, &seq, chain, &chain_len)); /* read-only */
	ccsp_store_rollback(tx);

	tx = tx_begin(s); /* append-only, also for raw SQL */
	assert_ccsp(CCSP_ERR_ACCESS_DENIED, st_tx_script(tx, "UPDATE audit SET outcome = 'ok' WHERE seq = 2"));
	ccsp_store_rollback(tx);
	tx = tx_begin(s);
	assert_ccsp(CCSP_ERR_ACCESS_DENIED, st_tx_script(tx, "DELETE FROM audit"));
	ccsp_store_rollback(tx);
	ccsp_store_free(s);
}

#include "store_conc.h"
#include "store_sec.h"
#include "store_kms.h"
#include "store_usage.h"
#include "store_pool.h"

int main(int argc, char **argv)
{
	int rc = fx_init(argc, argv);
	if (rc != 0)
		return rc;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrations, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_tenants, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_subtenants, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_principals, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_sessions, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_apps_nonces_config, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_audit, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_isolation, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_transactions, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_nonce_race, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_audit_concurrent, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_busy, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_kill9, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_custodians, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_approvals, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_keypolicy_store, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_kms_keys, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_kms_rotation_due, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_kms_list_group, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_usage, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_pool_groups, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_pool_devices, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_pool_chsms, fx_setup, fx_teardown),
	};
	if (getenv("STORE_TEST_FILTER") != NULL) /* e.g. STORE_TEST_FILTER='test_kms*' */
		cmocka_set_test_filter(getenv("STORE_TEST_FILTER"));
	return cmocka_run_group_tests_name(fx_pg ? "store/postgresql" : "store/sqlite", tests, NULL, NULL);
}

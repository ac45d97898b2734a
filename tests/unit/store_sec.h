/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_test's part for the security administrator's tables (schema version 2): key custodians and the
 * two-person rule's approval requests, on both engines. Included by store_test.c (its helpers and NOW).
 */
#include "platform/keypolicy.h"
#include "platform/store/store_approval.h"
#include "platform/store/store_custodian.h"

static void mk_custodian(ccsp_store_tx *tx, const char *name, uint8_t fill, ccsp_store_custodian *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->name, sizeof c->name, "%s", name);
	c->public_key[0] = 0x04;
	memset(c->public_key + 1, fill, sizeof c->public_key - 1);
	memset(c->created_by, 'a', CCSP_STORE_ID_LEN);
	c->created = NOW;
	assert_ok(ccsp_store_custodian_create(tx, c));
	assert_int_equal(strlen(c->id), CCSP_STORE_ID_LEN);
}

static void test_custodians(void **state)
{
	(void)state;
	ccsp_store *s = fx_open();
	ccsp_store_tx *tx = tx_begin(s);
	ccsp_store_custodian a, b, got, list[3];
	size_t n = 0;
	mk_custodian(tx, "alice", 0x11, &a);
	mk_custodian(tx, "bob", 0x22, &b);
	assert_ok(ccsp_store_custodian_get(tx, b.id, &got));
	assert_string_equal(got.name, "bob");
	assert_memory_equal(got.public_key, b.public_key, sizeof got.public_key);
	assert_string_equal(got.created_by, b.created_by);
	assert_int_equal(got.created, NOW);
	assert_ok(ccsp_store_custodian_list(tx, NULL, 3, list, &n));
	assert_int_equal(n, 2);
	assert_ok(ccsp_store_custodian_list(tx, list[0].id, 3, list, &n)); /* keyset paging */
	assert_int_equal(n, 1);
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_custodian_list(tx, NULL, 0, list, &n));
	got = a; /* no point: refused */
	got.public_key[0] = 0x02;
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_custodian_create(tx, &got));
	assert_ok(ccsp_store_commit(tx));

	tx = tx_begin(s); /* a name twice: refused (the transaction can then only be rolled back) */
	got = a;
	got.public_key[1] = 0x33;
	assert_ccsp(CCSP_ERR_EXISTS, ccsp_store_custodian_create(tx, &got));
	ccsp_store_rollback(tx);
	tx = tx_begin(s); /* a key twice: refused (one person, one share) */
	snprintf(got.name, sizeof got.name, "carol");
	memcpy(got.public_key, a.public_key, sizeof got.public_key);
	assert_ccsp(CCSP_ERR_EXISTS, ccsp_store_custodian_create(tx, &got));
	ccsp_store_rollback(tx);

	tx = tx_begin(s);
	assert_ok(ccsp_store_custodian_delete(tx, a.id));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_custodian_delete(tx, a.id));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_custodian_get(tx, a.id, &got));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_custodian_get(tx, "not-an-id", &got));
	mk_custodian(tx, "alice", 0x11, &a); /* the name and key are free again */
	assert_ok(ccsp_store_commit(tx));
	ccsp_store_free(s);
}

static void mk_approval(ccsp_store_tx *tx, const char *target, int64_t created, ccsp_store_approval *a)
{
	memset(a, 0, sizeof *a);
	snprintf(a->kind, sizeof a->kind, "operator-key-reset");
	snprintf(a->target, sizeof a->target, "%s", target);
	snprintf(a->detail, sizeof a->detail, "{\"login\":\"op\"}");
	memset(a->requested_by, 'b', CCSP_STORE_ID_LEN);
	a->created = created;
	a->expires = created + 1000;
	assert_ok(ccsp_store_approval_create(tx, a));
	assert_int_equal(a->state, CCSP_APPROVAL_PENDING);
}

static void test_approvals(void **state)
{
	(void)state;
	static const char by[] = "cccccccccccccccccccccccccccccccc";
	ccsp_store *s = fx_open();
	ccsp_store_tx *tx = tx_begin(s);
	ccsp_store_approval a, b, c, got, list[4];
	ccsp_store_approval_state st = CCSP_APPROVAL_PENDING;
	size_t n = 0;
	int64_t k = 0;
	mk_approval(tx, "t1", NOW, &a);
	mk_approval(tx, "t2", NOW, &b);
	mk_approval(tx, "t3", NOW + 500, &c);
	assert_ok(ccsp_store_approval_get(tx, a.id, NOW, &got));
	assert_string_equal(got.kind, "operator-key-reset");
	assert_string_equal(got.target, "t1");
	assert_string_equal(got.detail, "{\"login\":\"op\"}");
	assert_int_equal(got.state, CCSP_APPROVAL_PENDING);
	assert_string_equal(got.decided_by, "");
	assert_int_equal(got.expires, NOW + 1000);
	assert_ok(ccsp_store_approval_list(tx, &st, NOW, NULL, 4, list, &n));
	assert_int_equal(n, 3);

	/* approve then executed; reject; both only from pending */
	assert_ok(ccsp_store_approval_decide(tx, a.id, CCSP_APPROVAL_APPROVED, by, NOW + 10));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_approval_decide(tx, a.id, CCSP_APPROVAL_REJECTED, by, NOW + 11));
	assert_ok(ccsp_store_approval_executed(tx, a.id, NOW + 10));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_approval_executed(tx, a.id, NOW + 12));
	assert_ok(ccsp_store_approval_get(tx, a.id, NOW + 20, &got));
	assert_int_equal(got.state, CCSP_APPROVAL_EXECUTED);
	assert_string_equal(got.decided_by, by);
	assert_int_equal(got.decided_at, NOW + 10);
	assert_int_equal(got.executed_at, NOW + 10);
	assert_ok(ccsp_store_approval_decide(tx, b.id, CCSP_APPROVAL_REJECTED, by, NOW + 10));
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_approval_executed(tx, b.id, NOW + 10)); /* not approved */
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_approval_decide(tx, c.id, CCSP_APPROVAL_EXECUTED, by, NOW + 10));
	st = CCSP_APPROVAL_REJECTED;
	assert_ok(ccsp_store_approval_list(tx, &st, NOW + 10, NULL, 4, list, &n));
	assert_int_equal(n, 1);
	assert_string_equal(list[0].id, b.id);
	mk_approval(tx, "t1", NOW + 1000, &got); /* decided: the target may be asked for again */

	/* expiry: read as expired once past, cannot be decided, then stored as expired */
	assert_ok(ccsp_store_approval_get(tx, c.id, NOW + 1499, &got));
	assert_int_equal(got.state, CCSP_APPROVAL_PENDING);
	assert_ok(ccsp_store_approval_get(tx, c.id, NOW + 1500, &got));
	assert_int_equal(got.state, CCSP_APPROVAL_EXPIRED);
	st = CCSP_APPROVAL_EXPIRED;
	assert_ok(ccsp_store_approval_list(tx, &st, NOW + 1500, NULL, 4, list, &n));
	assert_int_equal(n, 1);
	assert_ok(ccsp_store_approval_list(tx, NULL, NOW + 1500, NULL, 4, list, &n));
	assert_int_equal(n, 4);
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_approval_decide(tx, c.id, CCSP_APPROVAL_APPROVED, by, NOW + 1500));
	assert_ok(ccsp_store_approval_expire(tx, NOW + 1500, &k));
	assert_int_equal(k, 1);
	assert_ok(ccsp_store_approval_get(tx, c.id, NOW, &got)); /* stored: expired whatever the clock says */
	assert_int_equal(got.state, CCSP_APPROVAL_EXPIRED);
	mk_approval(tx, "t3", NOW + 1500, &got);
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_store_approval_get(tx, "nope", NOW, &got));
	assert_ok(ccsp_store_commit(tx));

	tx = tx_begin(s); /* one pending request per kind and target */
	assert_ccsp(CCSP_ERR_EXISTS, ccsp_store_approval_create(tx, &got));
	ccsp_store_rollback(tx);
	tx = tx_begin(s);
	got.expires = got.created; /* expires before it starts: refused */
	snprintf(got.target, sizeof got.target, "t9");
	assert_ccsp(CCSP_ERR_ARG, ccsp_store_approval_create(tx, &got));
	ccsp_store_rollback(tx);
	ccsp_store_free(s);
}

static void assert_policy_equal(const ccsp_keypolicy *p, const ccsp_keypolicy *q)
{
	assert_int_equal(p->key_specs, q->key_specs);
	assert_int_equal(p->rotation_min_days, q->rotation_min_days);
	assert_int_equal(p->rotation_default_days, q->rotation_default_days);
	assert_int_equal(p->rotation_max_days, q->rotation_max_days);
	assert_int_equal(p->deletion_min_days, q->deletion_min_days);
	assert_int_equal(p->deletion_max_days, q->deletion_max_days);
	assert_int_equal(p->allow_wrapped_export, q->allow_wrapped_export);
	assert_int_equal(p->max_versions, q->max_versions);
}

/* The key policy in the config: defaults, then what was saved; an unreadable stored policy is refused. */
static void test_keypolicy_store(void **state)
{
	(void)state;
	ccsp_store *s = fx_open();
	ccsp_store_tx *tx = tx_begin(s);
	ccsp_keypolicy p, q;
	ccsp_keypolicy_default(&q);
	assert_ok(ccsp_keypolicy_load(tx, &p));
	assert_policy_equal(&p, &q);
	p.max_versions = 7;
	p.key_specs = CCSP_KEYSPEC_SM4;
	assert_ok(ccsp_keypolicy_save(tx, &p));
	assert_ok(ccsp_keypolicy_load(tx, &q));
	assert_policy_equal(&p, &q);
	p.deletion_min_days = 3; /* below the floor: not saved */
	assert_ccsp(CCSP_ERR_ARG, ccsp_keypolicy_save(tx, &p));
	assert_ok(ccsp_store_config_set(tx, CCSP_KEYPOLICY_CONFIG_KEY, "{\"maxVersions\":7,\"surprise\":1}"));
	assert_ccsp(CCSP_ERR_TAMPERED, ccsp_keypolicy_load(tx, &q));
	assert_ok(ccsp_store_commit(tx));
	ccsp_store_free(s);
}

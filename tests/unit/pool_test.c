/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The resource pool's scheduler (src/platform/pool.h) against fake devices: least-loaded choice, group isolation,
 * a communication failure taking a member out of rotation and the retry on another member (bounded, and only
 * when the caller says it is safe), health rounds bringing members back, the key check keeping out a device
 * with another KEK, retirement, the platform member that is never closed, and members dedicated to one
 * application and the scheduler's policies (POOL-3).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "platform/pool.h"

typedef struct fake_dev {
	const char *address;
	int answers; /* 0: every call fails as a lost connection */
	uint8_t kek; /* 0: no KEK at any index */
	int opens, closes;
} fake_dev;

static fake_dev devs[5];

static fake_dev *dev_at(const char *address)
{
	for (size_t i = 0; i < sizeof devs / sizeof devs[0]; i++)
		if (devs[i].address != NULL && strcmp(devs[i].address, address) == 0)
			return &devs[i];
	return NULL;
}

static ccsp_err f_open(void *ctx, const char *address, void **handle)
{
	(void)ctx;
	fake_dev *d = dev_at(address);
	*handle = NULL;
	if (d == NULL || !d->answers)
		return CCSP_ERR_COMM;
	d->opens++;
	*handle = d;
	return CCSP_OK;
}

static void f_close(void *ctx, void *handle)
{
	(void)ctx;
	((fake_dev *)handle)->closes++;
}

static int f_ready(void *ctx, void *handle)
{
	(void)ctx;
	return ((fake_dev *)handle)->answers;
}

/* The check is a function of the KEK and the probe, as an SM4-CBC-MAC under an unwrapped key would be. */
static ccsp_err f_check(void *ctx, void *handle, uint32_t kek_index, const uint8_t *probe, size_t probe_len,
                        uint8_t check[CCSP_STORE_POOL_CHECK_SIZE])
{
	fake_dev *d = handle;
	(void)ctx;
	if (!d->answers)
		return CCSP_ERR_COMM;
	if (d->kek == 0 || kek_index != 7 || probe_len != 2)
		return CCSP_ERR_KEY;
	for (size_t i = 0; i < CCSP_STORE_POOL_CHECK_SIZE; i++)
		check[i] = (uint8_t)(probe[0] ^ probe[1] ^ d->kek ^ i);
	return CCSP_OK;
}

static ccsp_err f_probe(void *ctx, void *handle, uint32_t kek_index, uint8_t *probe, size_t *probe_len)
{
	fake_dev *d = handle;
	(void)ctx;
	if (!d->answers)
		return CCSP_ERR_COMM;
	if (d->kek == 0 || kek_index != 7)
		return CCSP_ERR_KEY;
	probe[0] = 0x5a;
	probe[1] = 0xa5;
	*probe_len = 2;
	return CCSP_OK;
}

static uint64_t fake_now; /* the leases' clock, moved by the tests */

static uint64_t f_clock(void *ctx)
{
	(void)ctx;
	return fake_now;
}

static const ccsp_pool_backend fake = {
        .clock_ns = f_clock,
        .open = f_open,
        .close = f_close,
        .ready = f_ready,
        .check = f_check,
        .probe = f_probe,
};

static int setup(void **state)
{
	static const char *const names[] = {"a", "b", "c", "other", "platform"};
	ccsp_pool *p = NULL;
	memset(devs, 0, sizeof devs);
	for (size_t i = 0; i < 5; i++) {
		devs[i].address = names[i];
		devs[i].answers = 1;
		devs[i].kek = 0x11;
	}
	devs[2].kek = 0x22; /* c: another KEK */
	assert_int_equal(ccsp_pool_new(&fake, &p), CCSP_OK);
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	ccsp_pool_free(*state);
	return 0;
}

/* A spec of device address in group with the key check a device of KEK 0x11 gives. */
static ccsp_pool_spec spec(const char *id, const char *group, const char *address)
{
	ccsp_pool_spec s = {.kek_index = 7, .probe = {0x5a, 0xa5}, .probe_len = 2};
	strcpy(s.id, id);
	strcpy(s.group, group);
	strcpy(s.address, address);
	for (size_t i = 0; i < CCSP_STORE_POOL_CHECK_SIZE; i++)
		s.check[i] = (uint8_t)(0x5a ^ 0xa5 ^ 0x11 ^ i);
	return s;
}

static ccsp_pool_info info_of(ccsp_pool *p, const char *id)
{
	ccsp_pool_info infos[CCSP_POOL_MEMBERS_MAX], none = {.state = CCSP_POOL_RETIRED};
	size_t n = 0;
	ccsp_pool_infos(p, infos, CCSP_POOL_MEMBERS_MAX, &n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(infos[i].id, id) == 0)
			return infos[i];
	return none;
}

/* Two members of g1, one of g2, all in rotation after one round. */
static void two_groups(ccsp_pool *p)
{
	ccsp_pool_spec s[] = {spec("A", "g1", "a"), spec("B", "g1", "b"), spec("O", "g2", "other")};
	assert_int_equal(ccsp_pool_sync(p, s, 3), CCSP_OK);
	assert_int_equal(info_of(p, "A").state, CCSP_POOL_DOWN); /* nothing opened before a round */
	ccsp_pool_tick(p);
	assert_int_equal(info_of(p, "A").state, CCSP_POOL_UP);
	assert_int_equal(info_of(p, "B").state, CCSP_POOL_UP);
	assert_int_equal(info_of(p, "O").state, CCSP_POOL_UP);
}

static void test_least_loaded(void **state)
{
	ccsp_pool *p = *state;
	ccsp_pool_lease l1 = {0}, l2 = {0}, l3 = {0};
	two_groups(p);
	assert_int_equal(ccsp_pool_acquire(p, "g1", &l1), CCSP_OK);
	assert_int_equal(ccsp_pool_acquire(p, "g1", &l2), CCSP_OK);
	assert_ptr_not_equal(l1.handle, l2.handle); /* the idle one, not the busy one */
	assert_int_equal(ccsp_pool_release(p, &l1, CCSP_OK, 1), 0);
	assert_int_equal(ccsp_pool_acquire(p, "g1", &l3), CCSP_OK);
	assert_ptr_equal(l3.handle, dev_at(((fake_dev *)l2.handle) == dev_at("a") ? "b" : "a"));
	assert_int_equal(info_of(p, "A").inflight + info_of(p, "B").inflight, 2);
	assert_int_equal(ccsp_pool_release(p, &l2, CCSP_OK, 1), 0);
	assert_int_equal(ccsp_pool_release(p, &l3, CCSP_OK, 1), 0);
	assert_int_equal(info_of(p, "A").inflight + info_of(p, "B").inflight, 0);
	assert_int_equal(info_of(p, "A").ops + info_of(p, "B").ops, 3);
}

static void test_group_isolation(void **state)
{
	ccsp_pool *p = *state;
	two_groups(p);
	for (int i = 0; i < 20; i++) {
		ccsp_pool_lease l = {0};
		assert_int_equal(ccsp_pool_acquire(p, "g2", &l), CCSP_OK);
		assert_ptr_equal(l.handle, dev_at("other"));
		assert_int_equal(ccsp_pool_release(p, &l, CCSP_OK, 1), 0);
	}
	ccsp_pool_lease l = {0};
	assert_int_equal(ccsp_pool_acquire(p, "g3", &l), CCSP_ERR_MODULE_STATE);
	assert_int_equal(ccsp_pool_acquire(p, "", &l), CCSP_ERR_MODULE_STATE);
	assert_int_equal(info_of(p, "A").ops + info_of(p, "B").ops, 0);
	assert_int_equal(ccsp_pool_group_kek(p, "g1"), 7);
	assert_int_equal(ccsp_pool_group_kek(p, "g3"), 0);
}

/* POOL-3: A dedicated to app "app1" in g1, B shared. app1's operations run on A, everyone else's on B; when A
 * fails, app1 falls back to B (retry included); a dedication changed by sync takes effect without reopening. */
static void test_dedicated_member(void **state)
{
	ccsp_pool *p = *state;
	ccsp_pool_spec s[] = {spec("A", "g1", "a"), spec("B", "g1", "b")};
	strcpy(s[0].app, "app1");
	assert_int_equal(ccsp_pool_sync(p, s, 2), CCSP_OK);
	ccsp_pool_tick(p);
	for (int i = 0; i < 10; i++) {
		ccsp_pool_lease mine = {.app = "app1"}, other = {.app = "app2"}, person = {0};
		assert_int_equal(ccsp_pool_acquire(p, "g1", &mine), CCSP_OK);
		assert_int_equal(ccsp_pool_acquire(p, "g1", &other), CCSP_OK);
		assert_int_equal(ccsp_pool_acquire(p, "g1", &person), CCSP_OK);
		assert_ptr_equal(mine.handle, dev_at("a")); /* even though A is the busier one now */
		assert_ptr_equal(other.handle, dev_at("b"));
		assert_ptr_equal(person.handle, dev_at("b"));
		assert_int_equal(ccsp_pool_release(p, &mine, CCSP_OK, 1), 0);
		assert_int_equal(ccsp_pool_release(p, &other, CCSP_OK, 1), 0);
		assert_int_equal(ccsp_pool_release(p, &person, CCSP_OK, 1), 0);
	}
	assert_int_equal(info_of(p, "A").ops, 10);
	assert_int_equal(info_of(p, "B").ops, 20);
	assert_string_equal(info_of(p, "A").app, "app1");
	/* A fails under app1's operation: retried on the shared B */
	ccsp_pool_lease l = {.app = "app1"};
	assert_int_equal(ccsp_pool_acquire(p, "g1", &l), CCSP_OK);
	assert_ptr_equal(l.handle, dev_at("a"));
	devs[0].answers = 0;
	assert_int_equal(ccsp_pool_release(p, &l, CCSP_ERR_COMM, 1), 1);
	assert_int_equal(ccsp_pool_acquire(p, "g1", &l), CCSP_OK);
	assert_ptr_equal(l.handle, dev_at("b"));
	assert_int_equal(ccsp_pool_release(p, &l, CCSP_OK, 1), 0);
	/* back after a round; then shared again by sync, with no reopening */
	devs[0].answers = 1;
	ccsp_pool_tick(p); /* closes the failed handle */
	ccsp_pool_tick(p); /* reopens and checks it */
	int opens = devs[0].opens;
	s[0].app[0] = '\0';
	assert_int_equal(ccsp_pool_sync(p, s, 2), CCSP_OK);
	assert_int_equal(info_of(p, "A").state, CCSP_POOL_UP);
	assert_string_equal(info_of(p, "A").app, "");
	ccsp_pool_lease a = {0}, b = {0};
	assert_int_equal(ccsp_pool_acquire(p, "g1", &a), CCSP_OK);
	assert_int_equal(ccsp_pool_acquire(p, "g1", &b), CCSP_OK);
	assert_ptr_not_equal(a.handle, b.handle); /* both shared now */
	assert_int_equal(ccsp_pool_release(p, &a, CCSP_OK, 1), 0);
	assert_int_equal(ccsp_pool_release(p, &b, CCSP_OK, 1), 0);
	assert_int_equal(devs[0].opens, opens);
}

/* An application with two dedicated members spreads over both (least-loaded among them), never onto the shared one. */
static void test_dedicated_pair(void **state)
{
	ccsp_pool *p = *state;
	ccsp_pool_spec s[] = {spec("A", "g1", "a"), spec("B", "g1", "b"), spec("C", "g1", "platform")};
	strcpy(s[0].app, "app1");
	strcpy(s[1].app, "app1");
	assert_int_equal(ccsp_pool_sync(p, s, 3), CCSP_OK);
	ccsp_pool_tick(p);
	for (int i = 0; i < 10; i++) {
		ccsp_pool_lease l = {.app = "app1"};
		assert_int_equal(ccsp_pool_acquire(p, "g1", &l), CCSP_OK);
		assert_ptr_not_equal(l.handle, dev_at("platform"));
		assert_int_equal(ccsp_pool_release(p, &l, CCSP_OK, 1), 0);
	}
	assert_int_equal(info_of(p, "A").ops, 5); /* equal loads take turns */
	assert_int_equal(info_of(p, "B").ops, 5);
	assert_int_equal(info_of(p, "C").ops, 0);
}

/* A group whose only member is dedicated serves no one else. */
static void test_dedicated_only(void **state)
{
	ccsp_pool *p = *state;
	ccsp_pool_spec s[] = {spec("A", "g1", "a")};
	strcpy(s[0].app, "app1");
	assert_int_equal(ccsp_pool_sync(p, s, 1), CCSP_OK);
	ccsp_pool_tick(p);
	ccsp_pool_lease mine = {.app = "app1"}, other = {.app = "app2"}, person = {0};
	assert_int_equal(ccsp_pool_acquire(p, "g1", &other), CCSP_ERR_MODULE_STATE);
	assert_int_equal(ccsp_pool_acquire(p, "g1", &person), CCSP_ERR_MODULE_STATE);
	assert_int_equal(ccsp_pool_acquire(p, "g1", &mine), CCSP_OK);
	assert_int_equal(ccsp_pool_release(p, &mine, CCSP_OK, 1), 0);
}

/* POOL-3 scheduler versions: round-robin takes each member in turn whatever its load; fastest prefers the member
 * whose leases took least time lately, and tries an unmeasured one first; each policy's leases are counted. */
static void test_policies(void **state)
{
	ccsp_pool *p = *state;
	two_groups(p);
	ccsp_pool_lease busy = {.policy = CCSP_POOL_ROUND_ROBIN}, rr[4];
	assert_int_equal(ccsp_pool_acquire(p, "g1", &busy), CCSP_OK); /* one member busy: round-robin ignores it */
	int on_busy = 0; /* of 4: every other one, whatever the slots' order */
	for (int i = 0; i < 4; i++) {
		rr[i] = (ccsp_pool_lease){.policy = CCSP_POOL_ROUND_ROBIN};
		assert_int_equal(ccsp_pool_acquire(p, "g1", &rr[i]), CCSP_OK);
		on_busy += rr[i].handle == busy.handle;
	}
	assert_int_equal(on_busy, 2);
	for (int i = 0; i < 4; i++)
		assert_int_equal(ccsp_pool_release(p, &rr[i], CCSP_OK, 1), 0);
	assert_int_equal(ccsp_pool_release(p, &busy, CCSP_OK, 1), 0);

	/* fastest: A's leases take 9 ms, B's 1 ms (the fake clock) */
	for (int round = 0; round < 4; round++) {
		ccsp_pool_lease x = {.policy = CCSP_POOL_LEAST_LOADED}, y = {.policy = CCSP_POOL_LEAST_LOADED};
		assert_int_equal(ccsp_pool_acquire(p, "g1", &x), CCSP_OK);
		assert_int_equal(ccsp_pool_acquire(p, "g1", &y), CCSP_OK);
		ccsp_pool_lease *la = x.handle == dev_at("a") ? &x : &y, *lb = la == &x ? &y : &x;
		fake_now += 1000000;
		assert_int_equal(ccsp_pool_release(p, lb, CCSP_OK, 1), 0);
		fake_now += 8000000;
		assert_int_equal(ccsp_pool_release(p, la, CCSP_OK, 1), 0);
	}
	ccsp_pool_lease f1 = {.policy = CCSP_POOL_FASTEST}, f2 = {.policy = CCSP_POOL_FASTEST};
	assert_int_equal(ccsp_pool_acquire(p, "g1", &f1), CCSP_OK);
	assert_ptr_equal(f1.handle, dev_at("b"));
	assert_int_equal(ccsp_pool_acquire(p, "g1", &f2), CCSP_OK); /* B busy: 2 x ~1 ms still beats 9 ms */
	assert_ptr_equal(f2.handle, dev_at("b"));
	assert_int_equal(ccsp_pool_release(p, &f1, CCSP_OK, 1), 0);
	assert_int_equal(ccsp_pool_release(p, &f2, CCSP_OK, 1), 0);
	/* a member not measured yet is tried first */
	ccsp_pool_spec s[] = {spec("A", "g1", "a"), spec("B", "g1", "b"), spec("O", "g2", "other"),
	                      spec("C2", "g1", "platform")};
	assert_int_equal(ccsp_pool_sync(p, s, 4), CCSP_OK);
	ccsp_pool_tick(p);
	ccsp_pool_lease f3 = {.policy = CCSP_POOL_FASTEST};
	assert_int_equal(ccsp_pool_acquire(p, "g1", &f3), CCSP_OK);
	assert_ptr_equal(f3.handle, dev_at("platform"));
	assert_int_equal(ccsp_pool_release(p, &f3, CCSP_OK, 1), 0);

	ccsp_pool_policy_stats st[CCSP_POOL_POLICIES_];
	ccsp_pool_policy_counts(p, st);
	assert_int_equal(st[CCSP_POOL_ROUND_ROBIN].ops, 5);
	assert_int_equal(st[CCSP_POOL_LEAST_LOADED].ops, 8);
	assert_int_equal(st[CCSP_POOL_FASTEST].ops, 3);
	assert_int_equal(st[CCSP_POOL_LEAST_LOADED].ns, 4 * (1000000 + 9000000));
	ccsp_pool_lease bad = {.policy = CCSP_POOL_POLICIES_};
	assert_int_equal(ccsp_pool_acquire(p, "g1", &bad), CCSP_ERR_ARG);
	ccsp_pool_policy pol;
	assert_int_equal(ccsp_pool_policy_parse("fastest", &pol), CCSP_OK);
	assert_int_equal(pol, CCSP_POOL_FASTEST);
	assert_string_equal(ccsp_pool_policy_name(CCSP_POOL_ROUND_ROBIN), "round-robin");
	assert_int_equal(ccsp_pool_policy_parse("Fastest", &pol), CCSP_ERR_ARG);
	assert_int_equal(ccsp_pool_policy_parse(NULL, &pol), CCSP_ERR_ARG);
}

static void test_failure_and_retry(void **state)
{
	ccsp_pool *p = *state;
	ccsp_pool_lease l = {0};
	two_groups(p);
	assert_int_equal(ccsp_pool_acquire(p, "g1", &l), CCSP_OK);
	fake_dev *first = l.handle;
	first->answers = 0;
	assert_int_equal(ccsp_pool_release(p, &l, CCSP_ERR_COMM, 1), 1); /* retry elsewhere */
	assert_int_equal(ccsp_pool_acquire(p, "g1", &l), CCSP_OK);
	assert_ptr_not_equal(l.handle, first);
	assert_int_equal(ccsp_pool_release(p, &l, CCSP_OK, 1), 0);
	const char *fid = first == dev_at("a") ? "A" : "B";
	ccsp_pool_info i = info_of(p, fid);
	assert_int_equal(i.state, CCSP_POOL_DOWN);
	assert_int_equal(i.failures, 1);
	assert_int_equal(i.retries, 1);
	assert_int_equal(i.downs, 1);
	/* out of rotation: every new lease goes to the other member */
	for (int k = 0; k < 5; k++) {
		ccsp_pool_lease m = {0};
		assert_int_equal(ccsp_pool_acquire(p, "g1", &m), CCSP_OK);
		assert_ptr_not_equal(m.handle, first);
		assert_int_equal(ccsp_pool_release(p, &m, CCSP_OK, 1), 0);
	}
	/* a failure that may not be retried is answered as it is */
	ccsp_pool_lease n = {0};
	assert_int_equal(ccsp_pool_acquire(p, "g1", &n), CCSP_OK);
	assert_int_equal(ccsp_pool_release(p, &n, CCSP_ERR_COMM, 0), 0);
	/* both down now: nothing to lease */
	ccsp_pool_lease o = {0};
	assert_int_equal(ccsp_pool_acquire(p, "g1", &o), CCSP_ERR_MODULE_STATE);
	/* other errors (a refused key, a bad tag) say nothing about the member */
	ccsp_pool_lease q = {0};
	assert_int_equal(ccsp_pool_acquire(p, "g2", &q), CCSP_OK);
	assert_int_equal(ccsp_pool_release(p, &q, CCSP_ERR_AUTH, 1), 0);
	assert_int_equal(info_of(p, "O").state, CCSP_POOL_UP);
}

static void test_tries_bounded(void **state)
{
	ccsp_pool *p = *state;
	ccsp_pool_spec s[4];
	char id[4][4];
	for (int i = 0; i < 4; i++) {
		snprintf(id[i], sizeof id[i], "M%d", i);
		s[i] = spec(id[i], "g", i < 2 ? "a" : "b");
	}
	assert_int_equal(ccsp_pool_sync(p, s, 4), CCSP_OK);
	ccsp_pool_tick(p);
	ccsp_pool_lease l = {0};
	int attempts = 0;
	while (ccsp_pool_acquire(p, "g", &l) == CCSP_OK) {
		attempts++;
		if (!ccsp_pool_release(p, &l, CCSP_ERR_COMM, 1))
			break;
	}
	assert_int_equal(attempts, CCSP_POOL_TRIES); /* four members, three tries */
}

static void test_back_after_health_round(void **state)
{
	ccsp_pool *p = *state;
	ccsp_pool_lease l = {0};
	two_groups(p);
	devs[0].answers = 0; /* a is lost: the round sees it */
	ccsp_pool_tick(p);
	assert_int_equal(info_of(p, "A").state, CCSP_POOL_DOWN);
	assert_int_equal(info_of(p, "A").downs, 1);
	ccsp_pool_tick(p); /* closed, reopen refused */
	assert_int_equal(devs[0].closes, 1);
	assert_int_equal(info_of(p, "A").state, CCSP_POOL_DOWN);
	devs[0].answers = 1;
	ccsp_pool_tick(p); /* reopened and checked */
	assert_int_equal(info_of(p, "A").state, CCSP_POOL_UP);
	assert_int_equal(devs[0].opens, 2);
	/* a member with a lease out is not closed under it */
	assert_int_equal(ccsp_pool_acquire(p, "g1", &l), CCSP_OK);
	fake_dev *d = l.handle;
	int closes = d->closes;
	d->answers = 0;
	ccsp_pool_tick(p);
	ccsp_pool_tick(p);
	assert_int_equal(d->closes, closes);
	assert_int_equal(ccsp_pool_release(p, &l, CCSP_ERR_COMM, 1), 1);
	ccsp_pool_tick(p);
	assert_int_equal(d->closes, closes + 1);
}

static void test_key_check_keeps_out_another_kek(void **state)
{
	ccsp_pool *p = *state;
	ccsp_pool_spec s[] = {spec("A", "g1", "a"), spec("C", "g1", "c")};
	assert_int_equal(ccsp_pool_sync(p, s, 2), CCSP_OK);
	ccsp_pool_tick(p);
	assert_int_equal(info_of(p, "A").state, CCSP_POOL_UP);
	assert_int_equal(info_of(p, "C").state, CCSP_POOL_MISMATCH);
	for (int k = 0; k < 10; k++) {
		ccsp_pool_lease l = {0};
		assert_int_equal(ccsp_pool_acquire(p, "g1", &l), CCSP_OK);
		assert_ptr_equal(l.handle, dev_at("a"));
		assert_int_equal(ccsp_pool_release(p, &l, CCSP_OK, 1), 0);
	}
	/* joining: the key check of an address, with a probe made there first when none is given */
	uint8_t probe[CCSP_STORE_POOL_PROBE_MAX], check[CCSP_STORE_POOL_CHECK_SIZE];
	size_t len = 0;
	assert_int_equal(ccsp_pool_key_check(p, "a", 7, probe, &len, check), CCSP_OK);
	assert_int_equal(len, 2);
	assert_memory_equal(check, s[0].check, sizeof check);
	assert_int_equal(ccsp_pool_key_check(p, "c", 7, probe, &len, check), CCSP_OK);
	assert_memory_not_equal(check, s[0].check, sizeof check);
	assert_int_equal(ccsp_pool_key_check(p, "a", 8, probe, &len, check), CCSP_ERR_KEY); /* no KEK there */
	devs[1].answers = 0;
	assert_int_equal(ccsp_pool_key_check(p, "b", 7, probe, &len, check), CCSP_ERR_COMM);
	assert_int_equal(ccsp_pool_key_check(p, "nowhere", 7, probe, &len, check), CCSP_ERR_COMM);
}

static void test_retire(void **state)
{
	ccsp_pool *p = *state;
	two_groups(p);
	ccsp_pool_spec s[] = {spec("A", "g1", "a")};
	assert_int_equal(ccsp_pool_sync(p, s, 1), CCSP_OK); /* B and O left the store's list */
	assert_int_equal(info_of(p, "B").state, CCSP_POOL_RETIRED);
	for (int k = 0; k < 10; k++) {
		ccsp_pool_lease l = {0};
		assert_int_equal(ccsp_pool_acquire(p, "g1", &l), CCSP_OK);
		assert_ptr_equal(l.handle, dev_at("a"));
		assert_int_equal(ccsp_pool_release(p, &l, CCSP_OK, 1), 0);
	}
	ccsp_pool_lease l = {0};
	assert_int_equal(ccsp_pool_acquire(p, "g2", &l), CCSP_ERR_MODULE_STATE);
	ccsp_pool_tick(p);
	assert_int_equal(devs[1].closes, 1);
	assert_int_equal(devs[3].closes, 1);
	/* moved to another group: reopened there */
	ccsp_pool_spec moved[] = {spec("A", "g2", "a")};
	assert_int_equal(ccsp_pool_sync(p, moved, 1), CCSP_OK);
	ccsp_pool_tick(p);
	ccsp_pool_tick(p);
	assert_int_equal(info_of(p, "A").state, CCSP_POOL_UP);
	assert_string_equal(info_of(p, "A").group, "g2");
	assert_int_equal(ccsp_pool_acquire(p, "g1", &l), CCSP_ERR_MODULE_STATE);
	assert_int_equal(ccsp_pool_sync(p, NULL, 0), CCSP_OK);
	assert_int_equal(ccsp_pool_sync(p, NULL, 1), CCSP_ERR_ARG);
}

static void test_platform_member(void **state)
{
	ccsp_pool *p = *state;
	fake_dev *pv = dev_at("platform");
	ccsp_pool_lease l = {0};
	ccsp_pool_set_platform(p, pv, 7);
	assert_int_equal(ccsp_pool_group_kek(p, CCSP_STORE_POOL_DEFAULT_GROUP), 7);
	assert_int_equal(ccsp_pool_acquire(p, CCSP_STORE_POOL_DEFAULT_GROUP, &l), CCSP_OK);
	assert_ptr_equal(l.handle, pv);
	pv->answers = 0;
	assert_int_equal(ccsp_pool_release(p, &l, CCSP_ERR_COMM, 1), 1);
	assert_int_equal(info_of(p, CCSP_POOL_PLATFORM_ID).state, CCSP_POOL_DOWN);
	ccsp_pool_tick(p);
	ccsp_pool_tick(p);
	assert_int_equal(pv->closes, 0); /* the caller's handle: never closed here */
	pv->answers = 1;
	ccsp_pool_tick(p);
	assert_int_equal(info_of(p, CCSP_POOL_PLATFORM_ID).state, CCSP_POOL_UP);
	/* the store's key check for the default group applies to it too */
	uint8_t probe[CCSP_STORE_POOL_PROBE_MAX], check[CCSP_STORE_POOL_CHECK_SIZE];
	size_t len = 0;
	assert_int_equal(ccsp_pool_platform_key_check(p, probe, &len, check), CCSP_OK);
	ccsp_pool_spec s = spec(CCSP_POOL_PLATFORM_ID, "ignored", "ignored");
	s.check[0] ^= 1; /* another platform VSM made the group's check */
	assert_int_equal(ccsp_pool_sync(p, &s, 1), CCSP_OK);
	ccsp_pool_tick(p);
	assert_int_equal(info_of(p, CCSP_POOL_PLATFORM_ID).state, CCSP_POOL_MISMATCH);
	assert_int_equal(ccsp_pool_acquire(p, CCSP_STORE_POOL_DEFAULT_GROUP, &l), CCSP_ERR_MODULE_STATE);
	s.check[0] ^= 1;
	assert_int_equal(ccsp_pool_sync(p, &s, 1), CCSP_OK);
	ccsp_pool_tick(p);
	assert_int_equal(info_of(p, CCSP_POOL_PLATFORM_ID).state, CCSP_POOL_UP);
	assert_int_equal(pv->closes, 0);
}

static void test_arguments(void **state)
{
	(void)state;
	ccsp_pool *p = NULL;
	ccsp_pool_backend none = {0};
	assert_int_equal(ccsp_pool_new(&none, &p), CCSP_ERR_ARG);
	assert_int_equal(ccsp_pool_new(NULL, &p), CCSP_ERR_ARG);
	assert_int_equal(ccsp_pool_acquire(NULL, "g", NULL), CCSP_ERR_ARG);
	assert_int_equal(ccsp_pool_release(NULL, NULL, CCSP_OK, 1), 0);
	ccsp_pool_tick(NULL);
	ccsp_pool_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_least_loaded, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_group_isolation, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_failure_and_retry, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_tries_bounded, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_back_after_health_round, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_key_check_keeps_out_another_kek, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_retire, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_dedicated_member, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_dedicated_pair, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_dedicated_only, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_policies, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_platform_member, setup, teardown),
	        cmocka_unit_test(test_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

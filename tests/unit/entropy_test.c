/* SPDX-License-Identifier: Apache-2.0 */
/* The entropy source: getrandom() use and the SP 800-90B continuous health tests. */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ccsp/rand.h>
#include <ccsp/selftest.h>

#include "rand/entropy.h"
#include "test_util.h"

/* ---- getrandom() interposed: this definition wins over libc's for the statically linked
 * library, so the tests can inject EINTR, short reads and errors. Off, it is the plain syscall. */
static struct {
	_Atomic int on;
	int eintr_left;    /* fail this many calls with EINTR first */
	size_t short_max;  /* then return at most this many bytes per call (0: no limit) */
	int fail_errno;    /* or fail every call with this errno (0: no failure) */
	int calls;
	unsigned flags_seen; /* OR of every flags argument */
} fake_gr;

ssize_t getrandom(void *buf, size_t len, unsigned int flags)
{
	if (!atomic_load(&fake_gr.on))
		return syscall(SYS_getrandom, buf, len, flags);
	fake_gr.calls++;
	fake_gr.flags_seen |= flags;
	if (fake_gr.eintr_left > 0) {
		fake_gr.eintr_left--;
		errno = EINTR;
		return -1;
	}
	if (fake_gr.fail_errno != 0) {
		errno = fake_gr.fail_errno;
		return -1;
	}
	if (fake_gr.short_max != 0 && len > fake_gr.short_max)
		len = fake_gr.short_max;
	return syscall(SYS_getrandom, buf, len, flags);
}

static void fake_gr_reset(void)
{
	atomic_store(&fake_gr.on, 0);
	fake_gr.eintr_left = 0;
	fake_gr.short_max = 0;
	fake_gr.fail_errno = 0;
	fake_gr.calls = 0;
	fake_gr.flags_seen = 0;
}

/* ---- entropy source: getrandom use ------------------------------------------------------------ */

static void test_entropy_getrandom_retries(void **state)
{
	(void)state;
	uint8_t buf[100];
	memset(buf, 0, sizeof buf);
	fake_gr_reset();
	fake_gr.eintr_left = 3;
	fake_gr.short_max = 7;
	atomic_store(&fake_gr.on, 1);
	ccsp_err ret = ccsp_entropy_get(buf, sizeof buf);
	int calls = fake_gr.calls;
	unsigned flags = fake_gr.flags_seen;
	fake_gr_reset();
	assert_ok(ret);
	assert_int_equal(calls, 3 + (100 + 6) / 7); /* every EINTR retried, every short read continued */
	assert_int_equal(flags, 0);                 /* blocking, never GRND_NONBLOCK/GRND_INSECURE */
	/* the last short read landed at the end (ten zero bytes by chance: 2^-80) */
	static const uint8_t zero[10];
	assert_memory_not_equal(buf + sizeof buf - 10, zero, 10);
}

static void test_entropy_getrandom_error(void **state)
{
	(void)state;
	uint8_t buf[64], zero[64] = {0};
	int errs[] = {ENOSYS, EFAULT, EAGAIN};
	for (size_t i = 0; i < 3; i++) {
		memset(buf, 0xaa, sizeof buf);
		fake_gr_reset();
		fake_gr.fail_errno = errs[i];
		atomic_store(&fake_gr.on, 1);
		ccsp_err ret = ccsp_entropy_get(buf, sizeof buf);
		fake_gr_reset();
		assert_ccsp(CCSP_ERR_RNG, ret);
		assert_memory_equal(buf, zero, sizeof buf);
	}
	/* through ccsp_random: prediction resistance forces a draw; the output is zeroed, the module
	 * stays operational (an unavailable source is not a failed health test), service resumes. */
	memset(buf, 0xaa, sizeof buf);
	ccsp_random_set_prediction_resistance(1);
	fake_gr.fail_errno = ENOSYS;
	atomic_store(&fake_gr.on, 1);
	ccsp_err ret = ccsp_random(buf, sizeof buf);
	fake_gr_reset();
	assert_ccsp(CCSP_ERR_RNG, ret);
	assert_memory_equal(buf, zero, sizeof buf);
	assert_int_equal(ccsp_module_get_state(), CCSP_STATE_OPERATIONAL);
	assert_ok(ccsp_random(buf, sizeof buf));
	ccsp_random_set_prediction_resistance(0);
}

/* ---- entropy source: health tests, with scripted sources ---------------------------------------- */

static const uint8_t *script;
static size_t script_len, script_pos;

static ccsp_err scripted_source(uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = script_pos < script_len ? script[script_pos++] : (uint8_t)(1 + i % 251);
	return CCSP_OK;
}

static ccsp_err stuck_source(uint8_t *buf, size_t len)
{
	memset(buf, 0x5a, len);
	return CCSP_OK;
}

/* SP 800-90B 4.4 cut-offs for H = 8, alpha = 2^-40, recomputed by tests/vectors/sm3_drbg_ref.py
 * (stated here, not taken from entropy.h, so a wrong constant there fails the tests). */
#define RCT_CUTOFF 6
#define APT_CUTOFF 19

static uint8_t pattern[512];

/* No value twice in a row, each value at most 3 times in 512. */
static void pattern_base(void)
{
	for (size_t i = 0; i < sizeof pattern; i++)
		pattern[i] = (uint8_t)(1 + i % 255);
}

/* A run of `run` zeros (repetition count test). */
static void pattern_run(size_t run)
{
	pattern_base();
	memset(pattern + 100, 0, run);
}

/* Window starts with 0 and 0 occurs `count` times in it, never adjacent (adaptive proportion). */
static void pattern_proportion(size_t count)
{
	pattern_base();
	for (size_t j = 0; j < count; j++)
		pattern[27 * j] = 0;
}

static ccsp_err feed_pattern(void)
{
	uint8_t buf[sizeof pattern];
	script = pattern;
	script_len = sizeof pattern;
	script_pos = 0;
	ccsp_entropy_set_source_for_testing(scripted_source);
	ccsp_err ret = ccsp_entropy_get(buf, sizeof buf);
	ccsp_entropy_set_source_for_testing(NULL);
	return ret;
}

/* Runs fn in a child process (a failing health test disables the module for good) and returns
 * its exit status. */
static int in_child(int (*fn)(void))
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Exit codes: 0 as expected, otherwise the number of the failed check. */
static int expect_health_failure(ccsp_err ret)
{
	uint8_t buf[32];
	if (ret != CCSP_ERR_RNG)
		return 1;
	if (ccsp_module_get_state() != CCSP_STATE_ERROR)
		return 2;
	if (ccsp_random(buf, sizeof buf) != CCSP_ERR_MODULE_STATE)
		return 3;
	return 0;
}

static int child_stuck_entropy_get(void)
{
	uint8_t buf[64], zero[64] = {0};
	ccsp_entropy_set_source_for_testing(stuck_source);
	ccsp_err ret = ccsp_entropy_get(buf, sizeof buf);
	if (memcmp(buf, zero, sizeof buf) != 0)
		return 10;
	return expect_health_failure(ret);
}

static int child_stuck_random(void)
{
	uint8_t buf[64], zero[64] = {0};
	ccsp_entropy_set_source_for_testing(stuck_source);
	ccsp_random_set_prediction_resistance(1);
	ccsp_err ret = ccsp_random(buf, sizeof buf);
	if (memcmp(buf, zero, sizeof buf) != 0)
		return 10;
	return expect_health_failure(ret);
}

static int child_run_at_cutoff(void)
{
	pattern_run(RCT_CUTOFF);
	return expect_health_failure(feed_pattern());
}

static int child_proportion_at_cutoff(void)
{
	pattern_proportion(APT_CUTOFF);
	return expect_health_failure(feed_pattern());
}

static void test_health_stuck_source(void **state)
{
	(void)state;
	assert_int_equal(in_child(child_stuck_entropy_get), 0);
	assert_int_equal(in_child(child_stuck_random), 0);
	assert_int_equal(ccsp_module_get_state(), CCSP_STATE_OPERATIONAL);
}

static void test_health_repetition_count(void **state)
{
	(void)state;
	pattern_run(RCT_CUTOFF - 1);
	assert_ok(feed_pattern());
	assert_int_equal(in_child(child_run_at_cutoff), 0);
	assert_int_equal(ccsp_module_get_state(), CCSP_STATE_OPERATIONAL);
}

static void test_health_adaptive_proportion(void **state)
{
	(void)state;
	pattern_proportion(APT_CUTOFF - 1);
	assert_ok(feed_pattern());
	assert_int_equal(in_child(child_proportion_at_cutoff), 0);
	assert_int_equal(ccsp_module_get_state(), CCSP_STATE_OPERATIONAL);
}

/* A good source passes: 256 KB of a fixed pseudo-random sequence through both tests. */
static void test_health_good_source(void **state)
{
	(void)state;
	static uint8_t seq[1 << 18];
	uint8_t buf[4096];
	test_rand_seed(0x5eed);
	test_rand(seq, sizeof seq);
	script = seq;
	script_len = sizeof seq;
	script_pos = 0;
	ccsp_entropy_set_source_for_testing(scripted_source);
	ccsp_err ret = CCSP_OK;
	for (size_t i = 0; i < sizeof seq / sizeof buf && ret == CCSP_OK; i++)
		ret = ccsp_entropy_get(buf, sizeof buf);
	ccsp_entropy_set_source_for_testing(NULL);
	assert_ok(ret);
}

static int setup(void **state)
{
	(void)state;
	uint8_t b[1];
	/* power-on self-tests (including the DRBG KAT) run here, before any test hook is set */
	return ccsp_random(b, sizeof b) == CCSP_OK && ccsp_module_get_state() == CCSP_STATE_OPERATIONAL ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entropy_getrandom_retries),
		cmocka_unit_test(test_entropy_getrandom_error),
		cmocka_unit_test(test_health_stuck_source),
		cmocka_unit_test(test_health_repetition_count),
		cmocka_unit_test(test_health_adaptive_proportion),
		cmocka_unit_test(test_health_good_source),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}

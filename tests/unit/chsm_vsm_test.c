/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VSM supervisor (src/chsm/chsm_vsm.h) with real vsmd processes on loopback: create, stop/start/restart,
 * a kill -9 restarted by the supervisor (state error meanwhile), token set and release, re-binding (and a bad
 * address refused with nothing changed), reset, destroy, reload by a new module. Every wait is bounded and
 * every vsmd started is killed in the teardown.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ccsp/selftest.h>
#include <ccsp/sm3.h>

#include "chsm/chsm_image.h"
#include "chsm/chsm_vsm.h"
#include "common/atomic_file.h"
#include "test_util.h"
#include "vsm/vsm.h"

#ifndef VSMD_PATH
#error "VSMD_PATH: the vsmd binary (tests/CMakeLists.txt)"
#endif

#define WAIT_MS 60000 /* upper bound of any wait (ASan builds are slow) */
#define MAX_PIDS 64

static char root[64];
static ccsp_chsm_sup *sup;
static pid_t pids[MAX_PIDS]; /* every vsmd seen, killed in the teardown */
static size_t npids;
static int exits; /* "vsm.exit" events */

/* Storage keys: SM3 of the id, or the key an import stored in the VSM's directory (as chsmd keeps its sealed
 * keys there: the key travels with the directory when an import swaps it in or back). */
#define TEST_KEY_FILE "test-storage.key"

static ccsp_err test_store_key(void *arg, const char *vsm_dir, const char *id, const uint8_t key[CCSP_CHSM_VSM_KEY_SIZE])
{
	(void)arg, (void)id;
	char path[256];
	snprintf(path, sizeof path, "%s/" TEST_KEY_FILE, vsm_dir);
	return ccsp_atomic_write(path, key, CCSP_CHSM_VSM_KEY_SIZE, 0600);
}

static ccsp_err test_key(void *arg, const char *id, uint8_t key[CCSP_CHSM_VSM_KEY_SIZE])
{
	(void)arg;
	char path[256];
	uint8_t h[32], *file = NULL;
	size_t len;
	snprintf(path, sizeof path, "%s/vsm/%s/" TEST_KEY_FILE, root, id);
	if (ccsp_file_read_all(path, 64, &file, &len) == CCSP_OK && len == CCSP_CHSM_VSM_KEY_SIZE) {
		memcpy(key, file, len);
		free(file);
		return CCSP_OK;
	}
	free(file);
	ccsp_err ret = ccsp_sm3(id, strlen(id), h); /* a per-VSM test key: chsmd makes random ones */
	memcpy(key, h, CCSP_CHSM_VSM_KEY_SIZE);
	return ret;
}

static void on_event(void *arg, const char *id, const char *event, const char *detail)
{
	(void)arg;
	if (strcmp(event, "vsm.exit") == 0)
		exits++;
	if (getenv("CHSM_VSM_TEST_VERBOSE") != NULL)
		printf("# event %s %s %s\n", id, event, detail);
}

static ccsp_err sup_open(void)
{
	ccsp_chsm_sup_config cfg = {.state_dir = root, .vsmd_path = VSMD_PATH, .get_storage_key = test_key,
	                            .store_storage_key = test_store_key, .event = on_event, .stop_timeout_ms = 10000,
	                            .start_timeout_ms = WAIT_MS};
	return ccsp_chsm_sup_new(&cfg, &sup);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof root, "/tmp/chsm_vsm_test.XXXXXX");
	if (mkdtemp(root) == NULL)
		return -1;
	npids = 0;
	exits = 0;
	return sup_open() == CCSP_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	ccsp_chsm_sup_free(sup);
	sup = NULL;
	for (size_t i = 0; i < npids; i++) {
		int st;
		if (waitpid(pids[i], &st, WNOHANG) == 0) { /* still our running child: the module missed it */
			kill(pids[i], SIGKILL);
			waitpid(pids[i], &st, 0);
			fail_msg("vsmd %d survived", (int)pids[i]);
		}
	}
	test_rm_tree(root);
	return 0;
}

static void note_pid(pid_t pid)
{
	for (size_t i = 0; i < npids; i++)
		if (pids[i] == pid)
			return;
	if (pid > 0 && npids < MAX_PIDS)
		pids[npids++] = pid;
}

static ccsp_chsm_vsm_info info_of(const char *id)
{
	ccsp_chsm_vsm_info info;
	assert_ok(ccsp_chsm_vsm_info_get(sup, id, &info));
	note_pid(info.pid);
	return info;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Drive the supervisor as chsmd's timer would until id is in state run (bounded). */
static ccsp_chsm_vsm_info poll_until(const char *id, ccsp_chsm_vsm_run run)
{
	uint64_t end = now_ms() + WAIT_MS;
	for (;;) {
		uint32_t next;
		ccsp_chsm_sup_poll(sup, &next);
		ccsp_chsm_vsm_info info = info_of(id);
		if (info.run == run)
			return info;
		if (now_ms() > end)
			fail_msg("%s: still %s, waited for %s", id, ccsp_chsm_vsm_run_name(info.run), ccsp_chsm_vsm_run_name(run));
		assert_true(next >= 1 && next <= 1000);
		sleep_ms(next < 50 ? next : 50);
	}
}

static int tcp_answers(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
	close(fd);
	return ok;
}

/* A port nobody listens on now: bind port 0, read the port, close. */
static uint16_t free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof a;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static void vsm_path(char *out, size_t cap, const char *id, const char *name)
{
	snprintf(out, cap, "%s/vsm/%s%s%s", root, id, name[0] ? "/" : "", name);
}

static int vsm_has(const char *id, const char *name)
{
	char p[256];
	vsm_path(p, sizeof p, id, name);
	return access(p, F_OK) == 0;
}

static char *read_text(const char *id, const char *name, size_t *len)
{
	char p[256];
	uint8_t *buf = NULL;
	vsm_path(p, sizeof p, id, name);
	assert_ok(ccsp_file_read_all(p, 65536, &buf, len));
	char *s = malloc(*len + 1);
	assert_non_null(s);
	memcpy(s, buf, *len);
	s[*len] = '\0';
	free(buf);
	return s;
}

static void create_running(char id[CCSP_CHSM_VSM_ID_MAX + 1])
{
	assert_ok(ccsp_chsm_vsm_create(sup, NULL, 1, "127.0.0.1:0", id));
	ccsp_chsm_vsm_info info = info_of(id);
	assert_int_equal(info.run, CCSP_CHSM_VSM_RUNNING);
	assert_true(info.pid > 0 && info.port > 0);
}

/* Open the stopped VSM in-process, as vsmd would (flavor 1: max_index 256). */
static ccsp_vsm *open_vsm(const char *id)
{
	char dir[256];
	uint8_t key[CCSP_CHSM_VSM_KEY_SIZE];
	ccsp_vsm_limits lim;
	ccsp_vsm *vsm = NULL;
	ccsp_vsm_limits_default(&lim);
	lim.max_index = 256;
	lim.max_sessions = 256;
	vsm_path(dir, sizeof dir, id, "");
	assert_ok(test_key(NULL, id, key));
	assert_ok(ccsp_vsm_open(dir, key, &lim, &vsm));
	return vsm;
}

static size_t key_count(const char *id)
{
	ccsp_vsm *vsm = open_vsm(id);
	ccsp_vsm_key_info *infos = NULL;
	size_t n = 0;
	assert_ok(ccsp_vsm_keystore_list(ccsp_vsm_get_keystore(vsm), &infos, &n));
	free(infos);
	ccsp_vsm_free(vsm);
	return n;
}

/* ---- tests ---- */

static void test_create(void **state)
{
	(void)state;
	char id[CCSP_CHSM_VSM_ID_MAX + 1], ids[4][CCSP_CHSM_VSM_ID_MAX + 1];
	size_t n, len;
	create_running(id);
	assert_int_equal(strlen(id), 12); /* the spec's form of a vsmId */
	assert_int_equal(strspn(id, "0123456789abcdef"), 12);
	ccsp_chsm_vsm_info info = info_of(id);
	assert_string_equal(info.id, id);
	assert_true(info.ok && info.should_run);
	assert_int_equal(info.flavor, 1);
	assert_int_equal(strlen(info.uuid), 36);
	assert_int_equal(info.uuid[14], '4');
	assert_string_equal(info.version, ccsp_version());
	assert_string_equal(info.listen, "127.0.0.1:0");
	assert_false(info.token_set); /* a new VSM is free: token "0" */
	assert_true(tcp_answers(info.port));
	/* the storage key was handed over, never stored; the flavor is in vsmd.conf */
	assert_false(vsm_has(id, "storage.key"));
	assert_false(vsm_has(id, "token.hash"));
	assert_true(vsm_has(id, "chsm-vsm.conf") && vsm_has(id, "audit.log") && vsm_has(id, "tls-cert.pem"));
	char *conf = read_text(id, "vsmd.conf", &len);
	assert_non_null(strstr(conf, "\nworkers = 1\n"));
	assert_non_null(strstr(conf, "\nmax_index = 256\n"));
	assert_non_null(strstr(conf, "\nmax_sessions = 256\n"));
	assert_null(strstr(conf, "storage_key_file"));
	free(conf);
	ccsp_chsm_vsm_list(sup, ids, 4, &n);
	assert_int_equal(n, 1);
	assert_string_equal(ids[0], id);
	/* refused, nothing made */
	assert_ccsp(CCSP_ERR_FILE_EXISTS, ccsp_chsm_vsm_create(sup, id, 1, "127.0.0.1:0", NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_chsm_vsm_create(sup, "x1", 0, "127.0.0.1:0", NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_chsm_vsm_create(sup, "x1", 4, "127.0.0.1:0", NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_chsm_vsm_create(sup, "../x", 1, "127.0.0.1:0", NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_chsm_vsm_create(sup, "x1", 1, "localhost:0", NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_chsm_vsm_create(sup, "x1", 1, "203.0.113.7:0", NULL)); /* not this host's */
	assert_false(vsm_has("x1", ""));
	assert_ccsp(CCSP_ERR_HANDLE, ccsp_chsm_vsm_info_get(sup, "x1", &info));
	/* a given id, flavor 2 */
	assert_ok(ccsp_chsm_vsm_create(sup, "tenant-a", 2, "127.0.0.1:0", id));
	assert_string_equal(id, "tenant-a");
	info = info_of("tenant-a");
	assert_int_equal(info.flavor, 2);
	assert_int_equal(info.run, CCSP_CHSM_VSM_RUNNING);
	ccsp_chsm_vsm_list(sup, ids, 4, &n);
	assert_int_equal(n, 2);
}

static void test_stop_start_restart(void **state)
{
	(void)state;
	char id[CCSP_CHSM_VSM_ID_MAX + 1];
	create_running(id);
	ccsp_chsm_vsm_info a = info_of(id);
	assert_ok(ccsp_chsm_vsm_stop(sup, id));
	ccsp_chsm_vsm_info b = info_of(id);
	assert_int_equal(b.run, CCSP_CHSM_VSM_STOPPED);
	assert_false(b.ok || b.should_run);
	assert_int_equal(b.pid, 0);
	assert_int_equal(b.port, 0);
	assert_false(tcp_answers(a.port));
	assert_int_equal(waitpid(a.pid, NULL, WNOHANG), -1); /* reaped */
	assert_ok(ccsp_chsm_vsm_stop(sup, id)); /* idempotent */
	ccsp_chsm_sup_poll(sup, NULL);          /* the supervisor leaves a stopped VSM alone */
	assert_int_equal(info_of(id).run, CCSP_CHSM_VSM_STOPPED);

	assert_ok(ccsp_chsm_vsm_start(sup, id));
	b = info_of(id);
	assert_int_equal(b.run, CCSP_CHSM_VSM_RUNNING);
	assert_true(b.ok && b.should_run && b.pid > 0);
	assert_true(tcp_answers(b.port));
	assert_ok(ccsp_chsm_vsm_start(sup, id)); /* idempotent: the same vsmd */
	assert_int_equal(info_of(id).pid, b.pid);

	assert_ok(ccsp_chsm_vsm_restart(sup, id));
	ccsp_chsm_vsm_info c = info_of(id);
	assert_int_equal(c.run, CCSP_CHSM_VSM_RUNNING);
	assert_true(c.pid > 0 && c.pid != b.pid);
	assert_true(tcp_answers(c.port));
	assert_int_equal(c.restarts, 0); /* operations are not supervisor restarts */
	assert_ccsp(CCSP_ERR_HANDLE, ccsp_chsm_vsm_start(sup, "nope"));
}

static void test_crash_restarted(void **state)
{
	(void)state;
	char id[CCSP_CHSM_VSM_ID_MAX + 1];
	create_running(id);
	ccsp_chsm_vsm_info a = info_of(id);
	assert_int_equal(kill(a.pid, SIGKILL), 0);
	/* the next polls reap it and report it failed until the new vsmd is ready */
	ccsp_chsm_vsm_info b = poll_until(id, CCSP_CHSM_VSM_ERROR);
	assert_false(b.ok);
	assert_true(b.should_run);
	assert_true(exits >= 1);
	uint64_t t0 = now_ms();
	ccsp_chsm_vsm_info c = poll_until(id, CCSP_CHSM_VSM_RUNNING);
	assert_true(now_ms() - t0 >= 500); /* not before the first backoff (1 s from the reap) */
	assert_true(c.ok);
	assert_true(c.pid > 0 && c.pid != a.pid);
	assert_int_equal(c.restarts, 1);
	assert_true(tcp_answers(c.port));
	/* a second crash: restarted again (backoff 2 s) */
	assert_int_equal(kill(c.pid, SIGKILL), 0);
	poll_until(id, CCSP_CHSM_VSM_ERROR);
	ccsp_chsm_vsm_info d = poll_until(id, CCSP_CHSM_VSM_RUNNING);
	assert_int_equal(d.restarts, 2);
	assert_true(tcp_answers(d.port));
}

static void test_token(void **state)
{
	(void)state;
	char id[CCSP_CHSM_VSM_ID_MAX + 1], p[256];
	const char *token = "user-token-001"; /* the GM/T 0088 example (14 bytes) */
	uint8_t h[32], *stored = NULL;
	size_t len;
	create_running(id);
	pid_t pid = info_of(id).pid;
	assert_ccsp(CCSP_ERR_ARG, ccsp_chsm_vsm_token_set(sup, id, ""));
	assert_ccsp(CCSP_ERR_ARG, ccsp_chsm_vsm_token_set(sup, id, "7-bytes")); /* < 8 bytes */
	assert_ccsp(CCSP_ERR_ARG, ccsp_chsm_vsm_token_set(sup, id,
	                                                  "65-bytes-65-bytes-65-bytes-65-bytes-65-bytes-65-bytes-65-bytes-65"));
	assert_ccsp(CCSP_ERR_ARG, ccsp_chsm_vsm_token_set(sup, id, NULL));
	assert_int_equal(info_of(id).pid, pid); /* nothing happened */
	assert_false(vsm_has(id, "token.hash"));

	assert_ok(ccsp_chsm_vsm_token_set(sup, id, token));
	ccsp_chsm_vsm_info info = info_of(id);
	assert_true(info.token_set);
	assert_int_equal(info.run, CCSP_CHSM_VSM_RUNNING); /* started again: it reads the token at start */
	assert_true(tcp_answers(info.port));
	vsm_path(p, sizeof p, id, "token.hash");
	assert_ok(ccsp_file_read_all(p, 64, &stored, &len));
	assert_ok(ccsp_sm3(token, strlen(token), h));
	assert_int_equal(len, 32);
	assert_memory_equal(stored, h, 32); /* its SM3 hash, never the token */
	free(stored);

	assert_ok(ccsp_chsm_vsm_token_set(sup, id, "0")); /* released */
	assert_false(vsm_has(id, "token.hash"));
	info = info_of(id);
	assert_false(info.token_set);
	assert_int_equal(info.run, CCSP_CHSM_VSM_RUNNING);

	/* a stopped VSM stays stopped */
	assert_ok(ccsp_chsm_vsm_stop(sup, id));
	assert_ok(ccsp_chsm_vsm_token_set(sup, id, token));
	assert_true(vsm_has(id, "token.hash"));
	assert_int_equal(info_of(id).run, CCSP_CHSM_VSM_STOPPED);
}

static void test_network(void **state)
{
	(void)state;
	char id[CCSP_CHSM_VSM_ID_MAX + 1], addr[64];
	size_t len, len2;
	create_running(id);
	uint16_t port = free_port();
	snprintf(addr, sizeof addr, "127.0.0.1:%u", port);
	assert_ok(ccsp_chsm_vsm_network_set(sup, id, addr));
	ccsp_chsm_vsm_info info = info_of(id);
	assert_int_equal(info.run, CCSP_CHSM_VSM_RUNNING);
	assert_int_equal(info.port, port);
	assert_string_equal(info.listen, addr);
	assert_true(tcp_answers(port));
	char *conf = read_text(id, "vsmd.conf", &len);
	char line[80];
	snprintf(line, sizeof line, "\nlisten = %s\n", addr);
	assert_non_null(strstr(conf, line));
	char *sdf = read_text(id, "sdf.conf", &len2);
	snprintf(line, sizeof line, "address = %s\n", addr);
	assert_non_null(strstr(sdf, line));
	free(sdf);
	assert_ok(ccsp_chsm_vsm_network_set(sup, id, addr)); /* the same address: nothing to do */
	assert_int_equal(info_of(id).pid, info.pid);

	/* refused with nothing changed: syntax, not an address of this host, a port in use */
	int busy = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(free_port())};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(busy, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(busy, 1), 0);
	char inuse[64];
	snprintf(inuse, sizeof inuse, "127.0.0.1:%u", ntohs(a.sin_port));
	const char *bad[] = {"999.1.1.1:80", "127.0.0.1:70000", "127.0.0.1", "localhost:80", "[::1", "::1:80", "",
	                     "127.0.0.1:80\nworkers = 64", "203.0.113.7:7000", inuse};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_ccsp(CCSP_ERR_ARG, ccsp_chsm_vsm_network_set(sup, id, bad[i]));
		ccsp_chsm_vsm_info now = info_of(id);
		assert_int_equal(now.pid, info.pid);
		assert_int_equal(now.run, CCSP_CHSM_VSM_RUNNING);
		assert_string_equal(now.listen, addr);
		char *again = read_text(id, "vsmd.conf", &len2);
		assert_int_equal(len2, len);
		assert_memory_equal(again, conf, len);
		free(again);
	}
	close(busy);
	assert_ccsp(CCSP_ERR_ARG, ccsp_chsm_vsm_network_set(sup, id, NULL));
	assert_true(tcp_answers(port));
	free(conf);

	/* another VSM cannot take that address */
	assert_ccsp(CCSP_ERR_ARG, ccsp_chsm_vsm_create(sup, "other", 1, addr, NULL));
}

static void test_reset(void **state)
{
	(void)state;
	char id[CCSP_CHSM_VSM_ID_MAX + 1];
	create_running(id);
	assert_ok(ccsp_chsm_vsm_token_set(sup, id, "tenant-token-0123456789"));
	/* keys made by the crypto officer while it is stopped */
	assert_ok(ccsp_chsm_vsm_stop(sup, id));
	ccsp_vsm *vsm = open_vsm(id);
	assert_ok(ccsp_vsm_keystore_generate(ccsp_vsm_get_keystore(vsm), CCSP_VSM_KEY_SIGN, 1,
	                                     (const uint8_t *)"password1", 9));
	assert_ok(ccsp_vsm_keystore_generate(ccsp_vsm_get_keystore(vsm), CCSP_VSM_KEY_KEK, 2, NULL, 0));
	ccsp_vsm_free(vsm);
	assert_int_equal(key_count(id), 2);
	assert_ok(ccsp_chsm_vsm_start(sup, id));
	pid_t pid = info_of(id).pid;

	assert_ok(ccsp_chsm_vsm_reset(sup, id));
	ccsp_chsm_vsm_info info = info_of(id);
	assert_int_equal(info.run, CCSP_CHSM_VSM_RUNNING); /* running again, factory state */
	assert_true(info.pid != pid);
	assert_false(info.token_set);
	assert_false(vsm_has(id, "token.hash"));
	assert_true(tcp_answers(info.port));
	assert_ok(ccsp_chsm_vsm_stop(sup, id));
	assert_int_equal(key_count(id), 0);
	/* a stopped VSM is reset and stays stopped */
	assert_ok(ccsp_chsm_vsm_reset(sup, id));
	assert_int_equal(info_of(id).run, CCSP_CHSM_VSM_STOPPED);
}

static void test_destroy(void **state)
{
	(void)state;
	char id[CCSP_CHSM_VSM_ID_MAX + 1], ids[2][CCSP_CHSM_VSM_ID_MAX + 1];
	size_t n;
	ccsp_chsm_vsm_info info;
	create_running(id);
	pid_t pid = info_of(id).pid;
	uint16_t port = info_of(id).port;
	assert_ok(ccsp_chsm_vsm_destroy(sup, id));
	assert_false(vsm_has(id, ""));
	assert_ccsp(CCSP_ERR_HANDLE, ccsp_chsm_vsm_info_get(sup, id, &info));
	assert_ccsp(CCSP_ERR_HANDLE, ccsp_chsm_vsm_destroy(sup, id));
	assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
	assert_false(tcp_answers(port));
	ccsp_chsm_vsm_list(sup, ids, 2, &n);
	assert_int_equal(n, 0);
	/* a stopped one too */
	create_running(id);
	assert_ok(ccsp_chsm_vsm_stop(sup, id));
	assert_ok(ccsp_chsm_vsm_destroy(sup, id));
	assert_false(vsm_has(id, ""));
}

/* A new module (chsmd restarted) finds the VSMs and restarts those that ran. */
static void test_reload(void **state)
{
	(void)state;
	char a[CCSP_CHSM_VSM_ID_MAX + 1], b[CCSP_CHSM_VSM_ID_MAX + 1];
	create_running(a);
	create_running(b);
	assert_ok(ccsp_chsm_vsm_stop(sup, b));
	pid_t pa = info_of(a).pid;
	ccsp_chsm_sup_free(sup); /* stops every vsmd */
	sup = NULL;
	assert_int_equal(waitpid(pa, NULL, WNOHANG), -1);
	assert_ok(sup_open());
	assert_int_equal(info_of(a).run, CCSP_CHSM_VSM_STARTING);
	assert_int_equal(info_of(b).run, CCSP_CHSM_VSM_STOPPED);
	ccsp_chsm_vsm_info ia = poll_until(a, CCSP_CHSM_VSM_RUNNING);
	assert_true(tcp_answers(ia.port));
	assert_int_equal(info_of(b).run, CCSP_CHSM_VSM_STOPPED);
	assert_int_equal(ia.restarts, 0);
}

/* An operation in progress: status stays instant and shows the transition; a second operation is refused. */
static _Atomic int restart_done;

static void *restart_thread(void *arg)
{
	ccsp_err ret = ccsp_chsm_vsm_restart(sup, arg);
	atomic_store(&restart_done, 1);
	return (void *)(intptr_t)ret;
}

static void test_busy(void **state)
{
	(void)state;
	char id[CCSP_CHSM_VSM_ID_MAX + 1];
	pthread_t t;
	void *res;
	int seen = 0;
	create_running(id);
	atomic_store(&restart_done, 0);
	assert_int_equal(pthread_create(&t, NULL, restart_thread, id), 0);
	while (!seen && !atomic_load(&restart_done)) {
		ccsp_chsm_vsm_info info = info_of(id);
		if (info.run == CCSP_CHSM_VSM_RESTARTING) {
			seen = 1;
			assert_false(info.ok);
			assert_ccsp(CCSP_ERR_STATE, ccsp_chsm_vsm_stop(sup, id));
			assert_ccsp(CCSP_ERR_STATE, ccsp_chsm_vsm_destroy(sup, id));
		}
		sleep_ms(1);
	}
	assert_int_equal(pthread_join(t, &res), 0); /* bounded: the restart's own waits are */
	assert_int_equal((intptr_t)res, CCSP_OK);
	if (!seen)
		print_message("# the restart was too quick to be seen in progress\n");
	assert_int_equal(info_of(id).run, CCSP_CHSM_VSM_RUNNING);
}

static void test_config(void **state)
{
	(void)state;
	ccsp_chsm_sup *s = NULL;
	uint32_t w, ms, mi, mc;
	ccsp_chsm_sup_config cfg = {.state_dir = root, .vsmd_path = "/nonexistent/vsmd", .get_storage_key = test_key};
	assert_ccsp(CCSP_ERR_FILE_NOT_FOUND, ccsp_chsm_sup_new(&cfg, &s));
	assert_null(s);
	cfg.vsmd_path = VSMD_PATH;
	cfg.state_dir = "/tmp/a-state-directory-name-far-too-long-for-the-admin-sockets-of-its-vsms";
	assert_ccsp(CCSP_ERR_ARG, ccsp_chsm_sup_new(&cfg, &s));
	cfg.state_dir = root;
	cfg.get_storage_key = NULL;
	assert_ccsp(CCSP_ERR_ARG, ccsp_chsm_sup_new(&cfg, &s));
	assert_ok(ccsp_chsm_vsm_flavor(1, &w, &ms, &mi, &mc));
	assert_true(w == 1 && ms == 256 && mi == 256 && mc == 64);
	assert_ok(ccsp_chsm_vsm_flavor(3, &w, NULL, NULL, NULL));
	assert_int_equal(w, 4);
	assert_ccsp(CCSP_ERR_ARG, ccsp_chsm_vsm_flavor(4, NULL, NULL, NULL, NULL));
	assert_string_equal(ccsp_chsm_vsm_run_name(CCSP_CHSM_VSM_RUNNING), "running");
	assert_string_equal(ccsp_chsm_vsm_run_name(CCSP_CHSM_VSM_ERROR), "error");
}

/* ---- images: export, import (drift), refusals, rollback, crash leftovers ---- */

/* The public key at sign index 1 of a stopped VSM. */
static void sign_pub(const char *id, uint8_t pub[65])
{
	ccsp_vsm *vsm = open_vsm(id);
	ccsp_vsm_key_info *infos = NULL;
	size_t n = 0;
	assert_ok(ccsp_vsm_keystore_list(ccsp_vsm_get_keystore(vsm), &infos, &n));
	assert_int_equal(n, 1);
	memcpy(pub, infos[0].pub, 65);
	free(infos);
	ccsp_vsm_free(vsm);
}

/* A copy of im with one byte of entry name flipped (or the entry dropped when drop). */
static chsm_image *altered(const chsm_image *im, const char *name, int drop)
{
	chsm_image *out;
	assert_ok(chsm_image_new(&out));
	for (size_t i = 0; i < chsm_image_count(im); i++) {
		const uint8_t *data;
		size_t len;
		const char *n = chsm_image_entry(im, i, &data, &len);
		uint8_t *copy = malloc(len + 1);
		memcpy(copy, data, len);
		if (strcmp(n, name) == 0 && len > 40)
			copy[len - 20] ^= 1;
		if (!(drop && strcmp(n, name) == 0))
			assert_ok(chsm_image_add(out, n, copy, len));
		free(copy);
	}
	return out;
}

static void test_image(void **state)
{
	(void)state;
	char a[CCSP_CHSM_VSM_ID_MAX + 1], b[CCSP_CHSM_VSM_ID_MAX + 1], prefix[64], path[256];
	uint8_t pa[65], pb[65];
	create_running(a);
	assert_ok(ccsp_chsm_vsm_token_set(sup, a, "tenant-token-0123456789"));
	assert_ok(ccsp_chsm_vsm_stop(sup, a));
	ccsp_vsm *vsm = open_vsm(a);
	assert_ok(ccsp_vsm_keystore_generate(ccsp_vsm_get_keystore(vsm), CCSP_VSM_KEY_SIGN, 1,
	                                     (const uint8_t *)"password1", 9));
	ccsp_vsm_free(vsm);
	sign_pub(a, pa);
	assert_ok(ccsp_chsm_vsm_start(sup, a));

	chsm_image *im;
	assert_ok(chsm_image_new(&im));
	snprintf(prefix, sizeof prefix, "vsm/%s/", a);
	assert_ok(ccsp_chsm_vsm_export(sup, a, im, prefix));
	assert_int_equal(info_of(a).run, CCSP_CHSM_VSM_RUNNING); /* served all along */
	assert_true(ccsp_chsm_vsm_image_valid(im, prefix));
	assert_false(ccsp_chsm_vsm_image_valid(im, "vsm/other/"));

	create_running(b);
	assert_ok(ccsp_chsm_vsm_token_set(sup, b, "another-tenant-0123456"));
	assert_ccsp(CCSP_ERR_ACCESS_DENIED, ccsp_chsm_vsm_import(sup, b, im, prefix, 0)); /* in use */
	assert_ccsp(CCSP_ERR_HANDLE, ccsp_chsm_vsm_import(sup, "nosuchvsm", im, prefix, 0));
	assert_ok(ccsp_chsm_vsm_token_set(sup, b, "0"));
	/* an image without its storage key, or with a damaged keystore: refused, b unchanged and running */
	snprintf(path, sizeof path, "%sstorage.key", prefix);
	chsm_image *bad = altered(im, path, 1);
	assert_ccsp(CCSP_ERR_DECODE, ccsp_chsm_vsm_import(sup, b, bad, prefix, 0));
	chsm_image_free(bad);
	snprintf(path, sizeof path, "%skeystore.bin", prefix);
	bad = altered(im, path, 0);
	assert_ccsp(CCSP_ERR_MODULE_STATE, ccsp_chsm_vsm_import(sup, b, bad, prefix, 0)); /* rolled back */
	chsm_image_free(bad);
	ccsp_chsm_vsm_info ib = poll_until(b, CCSP_CHSM_VSM_RUNNING);
	assert_false(ib.token_set);
	assert_true(tcp_answers(ib.port));
	snprintf(path, sizeof path, "%s/vsm/" ".import-%s", root, b);
	assert_int_not_equal(access(path, F_OK), 0);

	/* drift: b gets a's data and key; the same index holds the same key pair */
	assert_ok(ccsp_chsm_vsm_import(sup, b, im, prefix, 0));
	ib = info_of(b);
	assert_int_equal(ib.run, CCSP_CHSM_VSM_RUNNING);
	assert_true(ib.token_set);
	assert_true(tcp_answers(ib.port));
	assert_ok(ccsp_chsm_vsm_stop(sup, b));
	sign_pub(b, pb);
	assert_memory_equal(pa, pb, 65);
	assert_int_not_equal(access(path, F_OK), 0);
	/* a restore may replace a VSM in use */
	assert_ok(ccsp_chsm_vsm_import(sup, b, im, prefix, 1));
	assert_int_equal(info_of(b).run, CCSP_CHSM_VSM_STOPPED); /* it was stopped: it stays stopped */
	chsm_image_free(im);

	/* a staging directory left by a crash is shredded when the supervisor starts */
	assert_int_equal(mkdir(path, 0700), 0);
	ccsp_chsm_sup_free(sup);
	sup = NULL;
	assert_ok(sup_open());
	assert_int_not_equal(access(path, F_OK), 0);
	assert_int_equal(info_of(b).run, CCSP_CHSM_VSM_STOPPED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_start_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_restarted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_network, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_image, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

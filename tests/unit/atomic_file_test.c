/* SPDX-License-Identifier: Apache-2.0 */
/* ccsp_atomic_write / ccsp_file_read_all: round trips, modes, and failures that leave the target unchanged. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "test_util.h"

typedef struct fixture {
	char dir[256];
	char path[320];
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	const char *tmp = getenv("TMPDIR");
	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof f->dir, "%s/atomic_file_test.XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof f->path, "%s/target", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	(void)chmod(f->dir, 0700);
	test_rm_tree(f->dir);
	free(f);
	return 0;
}

/* Entries in dir besides . and .. (stray temporaries show up here). */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void assert_file(const char *path, const void *want, size_t wantlen)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	assert_ok(ccsp_file_read_all(path, 1 << 24, &buf, &len));
	assert_non_null(buf);
	assert_int_equal(len, wantlen);
	if (wantlen != 0)
		assert_memory_equal(buf, want, wantlen);
	free(buf);
}

static mode_t file_mode(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static void test_write_replace_read(void **state)
{
	fixture *f = *state;
	static const char a[] = "first content", b[] = "second, longer content than the first";

	assert_ok(ccsp_atomic_write(f->path, a, sizeof a, 0600));
	assert_file(f->path, a, sizeof a);
	assert_int_equal(file_mode(f->path), 0600);

	/* replace: longer content, another mode; the mode is exact (umask not applied) */
	mode_t old = umask(077);
	assert_ok(ccsp_atomic_write(f->path, b, sizeof b, 0644));
	umask(old);
	assert_file(f->path, b, sizeof b);
	assert_int_equal(file_mode(f->path), 0644);

	/* shorter again: nothing of the old content survives */
	assert_ok(ccsp_atomic_write(f->path, "x", 1, 0400));
	assert_file(f->path, "x", 1);
	assert_int_equal(file_mode(f->path), 0400);
	assert_int_equal(count_entries(f->dir), 1); /* no temporaries left */
}

static void test_empty_and_large(void **state)
{
	fixture *f = *state;
	size_t n = 3 * 1024 * 1024 + 17;
	uint8_t *big = malloc(n);
	assert_non_null(big);
	test_rand(big, n);

	assert_ok(ccsp_atomic_write(f->path, NULL, 0, 0600));
	assert_file(f->path, NULL, 0);
	assert_ok(ccsp_atomic_write(f->path, big, n, 0600));
	assert_file(f->path, big, n);
	free(big);
}

/* The directory of the target does not exist: nothing can be created, and nothing is. */
static void test_fail_missing_directory(void **state)
{
	fixture *f = *state;
	char path[400];
	snprintf(path, sizeof path, "%s/missing/target", f->dir);
	errno = 0;
	assert_ccsp(CCSP_ERR_IO, ccsp_atomic_write(path, "abc", 3, 0600));
	assert_int_equal(errno, ENOENT);
	assert_int_equal(count_entries(f->dir), 0);
}

/* The rename fails (the target is a non-empty directory) after the temporary was written and synced: the
 * temporary is removed and the directory is untouched. Works as root too. */
static void test_fail_rename(void **state)
{
	fixture *f = *state;
	char inner[400];
	assert_int_equal(mkdir(f->path, 0700), 0);
	snprintf(inner, sizeof inner, "%s/inner", f->path);
	assert_ok(ccsp_atomic_write(inner, "keep", 4, 0600));

	errno = 0;
	assert_ccsp(CCSP_ERR_IO, ccsp_atomic_write(f->path, "new", 3, 0600));
	assert_true(errno == EISDIR || errno == ENOTEMPTY || errno == EEXIST);
	assert_int_equal(count_entries(f->dir), 1);
	assert_int_equal(count_entries(f->path), 1);
	assert_file(inner, "keep", 4);
}

/* A write that fails midway (RLIMIT_FSIZE: EFBIG, also for root) leaves the old file and no temporary. In a
 * child, so that the limit does not outlive the test. */
static void test_fail_mid_write(void **state)
{
	fixture *f = *state;
	static const char old[] = "the old content";
	assert_ok(ccsp_atomic_write(f->path, old, sizeof old, 0600));

	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static uint8_t big[256 * 1024];
		struct rlimit rl;
		signal(SIGXFSZ, SIG_IGN);
		if (getrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(10);
		rl.rlim_cur = 64 * 1024;
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(11);
		errno = 0;
		ccsp_err r = ccsp_atomic_write(f->path, big, sizeof big, 0600);
		_exit(r == CCSP_ERR_IO && errno == EFBIG ? 0 : 12);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_file(f->path, old, sizeof old);
	assert_int_equal(count_entries(f->dir), 1);
}

/* A directory the writer may not write to: the write fails before anything is created. As root (which
 * permissions do not stop), a child drops to an unprivileged uid first. */
static int write_denied(const char *path)
{
	errno = 0;
	ccsp_err r = ccsp_atomic_write(path, "new", 3, 0600);
	return r == CCSP_ERR_IO && errno == EACCES;
}

static void test_fail_read_only_directory(void **state)
{
	fixture *f = *state;
	assert_ok(ccsp_atomic_write(f->path, "old", 3, 0644));
	assert_int_equal(chmod(f->dir, 0555), 0);
	if (geteuid() != 0) {
		assert_true(write_denied(f->path));
	} else {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			if (setgid(65534) != 0 || setuid(65534) != 0)
				_exit(10);
			_exit(write_denied(f->path) ? 0 : 11);
		}
		int status = 0;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(chmod(f->dir, 0700), 0);
	assert_file(f->path, "old", 3);
	assert_int_equal(count_entries(f->dir), 1);
}

static void test_read_all_limit(void **state)
{
	fixture *f = *state;
	uint8_t data[100], *buf = (uint8_t *)1;
	size_t len = 1;
	test_rand(data, sizeof data);
	assert_ok(ccsp_atomic_write(f->path, data, sizeof data, 0600));

	assert_ok(ccsp_file_read_all(f->path, 100, &buf, &len));
	assert_int_equal(len, 100);
	assert_memory_equal(buf, data, 100);
	free(buf);

	buf = (uint8_t *)1;
	assert_ccsp(CCSP_ERR_LIMIT, ccsp_file_read_all(f->path, 99, &buf, &len));
	assert_null(buf);
	assert_int_equal(len, 0);
	assert_ccsp(CCSP_ERR_LIMIT, ccsp_file_read_all(f->path, 0, &buf, &len));

	assert_ok(ccsp_file_read_all(f->path, SIZE_MAX, &buf, &len));
	assert_int_equal(len, 100);
	free(buf);

	/* an empty file fits any limit, 0 included */
	assert_ok(ccsp_atomic_write(f->path, NULL, 0, 0600));
	assert_ok(ccsp_file_read_all(f->path, 0, &buf, &len));
	assert_non_null(buf);
	assert_int_equal(len, 0);
	free(buf);
}

static void test_read_all_errors(void **state)
{
	fixture *f = *state;
	uint8_t *buf = (uint8_t *)1;
	size_t len = 1;
	assert_ccsp(CCSP_ERR_FILE_NOT_FOUND, ccsp_file_read_all(f->path, 100, &buf, &len));
	assert_null(buf);
	assert_int_equal(len, 0);
	assert_ccsp(CCSP_ERR_IO, ccsp_file_read_all(f->dir, 100, &buf, &len)); /* a directory */
	assert_null(buf);
}

static void test_arguments(void **state)
{
	fixture *f = *state;
	uint8_t *buf;
	size_t len;
	assert_ccsp(CCSP_ERR_ARG, ccsp_atomic_write(NULL, "a", 1, 0600));
	assert_ccsp(CCSP_ERR_ARG, ccsp_atomic_write("", "a", 1, 0600));
	assert_ccsp(CCSP_ERR_ARG, ccsp_atomic_write(f->path, NULL, 1, 0600));
	assert_ccsp(CCSP_ERR_ARG, ccsp_file_read_all(NULL, 1, &buf, &len));
	assert_ccsp(CCSP_ERR_ARG, ccsp_file_read_all(f->path, 1, NULL, &len));
	assert_ccsp(CCSP_ERR_ARG, ccsp_file_read_all(f->path, 1, &buf, NULL));
	assert_int_equal(count_entries(f->dir), 0);
}

/* A relative path (no slash): the temporary and the directory sync use the current directory. */
static void test_relative_path(void **state)
{
	fixture *f = *state;
	char cwd[4096];
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(f->dir), 0);
	ccsp_err r = ccsp_atomic_write("relative", "rel", 3, 0600);
	assert_int_equal(chdir(cwd), 0);
	assert_ok(r);
	char path[400];
	snprintf(path, sizeof path, "%s/relative", f->dir);
	assert_file(path, "rel", 3);
	assert_int_equal(count_entries(f->dir), 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        T(test_write_replace_read),  T(test_empty_and_large),         T(test_fail_missing_directory),
	        T(test_fail_rename),         T(test_fail_mid_write),          T(test_fail_read_only_directory),
	        T(test_read_all_limit),      T(test_read_all_errors),         T(test_arguments),
	        T(test_relative_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Upgrade packages on their way in: downloaded into a file (never held in memory as a whole), verified against the
 * platform's signature before a byte of them is parsed, parsed by the bounded reader (src/chsm/chsm_pkg.h), and
 * installed as a release directory that appears atomically, complete and checked, or not at all.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "chsm/chsm_proc.h"
#include "chsmd/upgrade.h"

#define DOWNLOAD_TIMEOUT_S 1800L
#define LOW_SPEED_BYTES 1024L /* a transfer slower than this ... */
#define LOW_SPEED_S 60L       /* ... for this long is abandoned */
#define VERSION_RUN_MS 10000

/* ---- download into a file ---- */

typedef struct file_sink {
	int fd;
	size_t len, max;
	int over, failed;
} file_sink;

static size_t on_data(void *p, size_t size, size_t n, void *arg)
{
	file_sink *s = arg;
	size_t add = size * n, done = 0;
	if (add > s->max - s->len) {
		s->over = 1;
		return 0; /* aborts the transfer */
	}
	while (done < add) {
		ssize_t w = write(s->fd, (const uint8_t *)p + done, add - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			s->failed = 1;
			return 0;
		}
		done += (size_t)w;
	}
	s->len += add;
	return add;
}

/* Download url into fd: CCSP_OK on a 2xx answer of at most max bytes; CCSP_ERR_LIMIT larger; CCSP_ERR_COMM with the
 * reason in err otherwise. */
static ccsp_err download(const char *url, int fd, size_t max, char *err, size_t cap)
{
	file_sink s = {.fd = fd, .max = max};
	long code = 0;
	CURL *c = curl_easy_init();
	if (c == NULL)
		return CCSP_ERR_NOMEM;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, DOWNLOAD_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, LOW_SPEED_BYTES);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, LOW_SPEED_S);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	if (s.over || rc == CURLE_FILESIZE_EXCEEDED)
		return CCSP_ERR_LIMIT;
	if (s.failed)
		snprintf(err, cap, "cannot write the file");
	else if (rc != CURLE_OK)
		snprintf(err, cap, "%s", curl_easy_strerror(rc));
	else if (code < 200 || code > 299)
		snprintf(err, cap, "HTTP %ld", code);
	else
		return fsync(fd) == 0 ? CCSP_OK : CCSP_ERR_IO;
	return CCSP_ERR_COMM;
}

/* Map f's file read-only (an empty file maps to nothing). */
static ccsp_err map_file(chsmd_pkgfile *f, int fd)
{
	struct stat st;
	if (fstat(fd, &st) != 0 || st.st_size < 0 || (uint64_t)st.st_size > CHSM_PKG_MAX)
		return CCSP_ERR_IO;
	f->len = (size_t)st.st_size;
	if (f->len == 0)
		return CCSP_OK;
	void *m = mmap(NULL, f->len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return CCSP_ERR_IO;
	f->map = m;
	return CCSP_OK;
}

void chsmd_pkgfile_close(chsmd_pkgfile *f)
{
	if (f->map != NULL)
		(void)munmap(f->map, f->len);
	if (f->path[0] != '\0')
		(void)unlink(f->path);
	memset(f, 0, sizeof *f);
}

/* ---- checks ---- */

/* The status of a platform signature check (spec §3.11: a package whose signature fails is a 400). */
static int verify(json_t *params, const chsmd_pkgfile *f, char *msg, size_t cap)
{
	static const uint8_t empty[1];
	ccsp_err ret = chsmd_platform_sig_check(params, f->map != NULL ? f->map : empty, f->len);
	if (ret == CCSP_OK)
		return 200;
	snprintf(msg, cap, ret == CCSP_ERR_SIGNATURE ? "签名验证失败" : "签名验证出错: %s", ccsp_err_str(ret));
	return ret == CCSP_ERR_SIGNATURE || ret == CCSP_ERR_ARG ? 400 : 500;
}

static int check_contents(const chsmd_pkgfile *f, const char *version, const char *const *need, char *msg,
                          size_t cap)
{
	if (strcmp(f->pkg.version, version) != 0) {
		snprintf(msg, cap, "升级包版本 %s 与 packVersion %s 不符", f->pkg.version, version);
		return 400;
	}
	for (size_t i = 0; need != NULL && need[i] != NULL; i++)
		if (chsm_pkg_find(&f->pkg, need[i]) == NULL) {
			snprintf(msg, cap, "升级包缺少 %s", need[i]);
			return 400;
		}
	return 200;
}

static int make_dir(const char *path)
{
	return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

int chsmd_pkgfile_fetch(chsmd *d, json_t *params, const char *const *need, chsmd_pkgfile *f, char *msg, size_t cap)
{
	const char *url = json_string_value(json_object_get(params, "packUrl"));
	const char *version = json_string_value(json_object_get(params, "packVersion"));
	char err[160] = "";
	int status = 500, fd = -1;
	memset(f, 0, sizeof *f);
	snprintf(msg, cap, "内部错误");
	if (url == NULL || version == NULL)
		return 400;
	snprintf(f->path, sizeof f->path, "%s/" CHSMD_RELEASES, d->dir);
	if (make_dir(f->path) != 0)
		return 500;
	snprintf(f->path, sizeof f->path, "%s/" CHSMD_RELEASES "/.download-XXXXXX", d->dir);
	if ((fd = mkostemp(f->path, O_CLOEXEC)) < 0) {
		f->path[0] = '\0';
		return 500;
	}
	ccsp_err ret = download(url, fd, CHSM_PKG_MAX, err, sizeof err);
	if (ret == CCSP_OK)
		ret = map_file(f, fd);
	(void)close(fd);
	if (ret == CCSP_ERR_LIMIT) {
		snprintf(msg, cap, "升级包超过 %zu MiB", CHSM_PKG_MAX >> 20);
		return 400;
	}
	if (ret != CCSP_OK) {
		snprintf(msg, cap, "下载升级包失败: %s", err[0] != '\0' ? err : ccsp_err_str(ret));
		return 500;
	}
	if ((status = verify(params, f, msg, cap)) != 200) /* nothing of it is parsed before this */
		return status;
	ret = chsm_pkg_parse(f->map, f->len, &f->pkg);
	if (ret != CCSP_OK) {
		snprintf(msg, cap, ret == CCSP_ERR_UNSUPPORTED ? "升级包含不允许的文件" : "升级包格式错误");
		return 400;
	}
	return check_contents(f, version, need, msg, cap);
}

/* ---- installing a release ---- */

/* Each daemon of f in dir runs and says "<name> <version>". */
static int binaries_report(const char *dir, const chsmd_pkgfile *f, char *msg, size_t cap)
{
	static const char *const daemons[] = {"chsmd", "vsmd"};
	char path[PATH_MAX], line[96], want[64];
	for (size_t i = 0; i < 2; i++) {
		if (chsm_pkg_find(&f->pkg, daemons[i]) == NULL)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, daemons[i]);
		snprintf(want, sizeof want, "%s %s", daemons[i], f->pkg.version);
		char *argv[] = {path, "--version", NULL};
		line[0] = '\0';
		if (chsm_proc_run(argv, NULL, VERSION_RUN_MS, line, sizeof line) != CCSP_OK || strcmp(line, want) != 0) {
			snprintf(msg, cap, "升级包中的 %s 无法运行或版本不是 %s", daemons[i], f->pkg.version);
			return 400;
		}
	}
	return 200;
}

/* Remove a release directory: its files (a release holds files only), then itself. */
static void remove_release(const char *dir)
{
	DIR *d = opendir(dir);
	if (d != NULL) {
		for (struct dirent *de; (de = readdir(d)) != NULL;)
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
				(void)unlinkat(dirfd(d), de->d_name, 0);
		(void)closedir(d);
	}
	(void)rmdir(dir);
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = fd >= 0 && fsync(fd) == 0 ? 0 : -1;
	if (fd >= 0)
		(void)close(fd);
	return rc;
}

/* Move the checked stage into place as final (atomically exchanged with an existing one: stage then holds it). */
static int put_in_place(const char *root, const char *stage, const char *final, int exists)
{
	if (exists ? renameat2(AT_FDCWD, stage, AT_FDCWD, final, RENAME_EXCHANGE) != 0 : rename(stage, final) != 0)
		return -1;
	return fsync_dir(root);
}

int chsmd_release_install(const char *root, const chsmd_pkgfile *f, int in_use, char *msg, size_t cap)
{
	char final[PATH_MAX], stage[PATH_MAX];
	struct stat st;
	snprintf(msg, cap, "内部错误");
	if (make_dir(root) != 0 || snprintf(final, sizeof final, "%s/%s", root, f->pkg.version) >= (int)sizeof final ||
	    snprintf(stage, sizeof stage, "%s/.stage-XXXXXX", root) >= (int)sizeof stage)
		return 500;
	int exists = lstat(final, &st) == 0 && S_ISDIR(st.st_mode);
	if (exists && chsm_pkg_matches_dir(&f->pkg, final))
		return binaries_report(final, f, msg, cap); /* installed before, the very same files */
	if (exists && in_use) {
		snprintf(msg, cap, "版本 %s 已安装且正在使用，内容不同", f->pkg.version);
		return 409;
	}
	if (mkdtemp(stage) == NULL)
		return 500;
	int status = 500;
	if (chsm_pkg_write_dir(&f->pkg, stage) == CCSP_OK && (status = binaries_report(stage, f, msg, cap)) == 200 &&
	    put_in_place(root, stage, final, exists) != 0) {
		snprintf(msg, cap, "无法安装版本 %s", f->pkg.version);
		status = 500;
	}
	if (status != 200 || exists)
		remove_release(stage); /* a failed stage, or what an exchange left there */
	return status;
}

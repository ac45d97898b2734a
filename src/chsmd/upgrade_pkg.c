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

#include "chsm/chsm_proc.h"
#include "chsmd/upgrade.h"

#define VERSION_RUN_MS 10000

void chsmd_pkgfile_close(chsmd_pkgfile *f)
{
	chsmd_fetched_close(&f->file);
	memset(f, 0, sizeof *f);
}

/* ---- checks ---- */

/* The status of a platform signature check (spec §3.11: a package whose signature fails is a 400). */
static int verify(json_t *params, const chsmd_pkgfile *f, char *msg, size_t cap)
{
	static const uint8_t empty[1];
	ccsp_err ret = chsmd_platform_sig_check(params, f->file.map != NULL ? f->file.map : empty, f->file.len);
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
	char err[160] = "", root[PATH_MAX];
	int status = 500;
	memset(f, 0, sizeof *f);
	snprintf(msg, cap, "内部错误");
	if (url == NULL || version == NULL)
		return 400;
	snprintf(root, sizeof root, "%s/" CHSMD_RELEASES, d->dir);
	if (make_dir(root) != 0)
		return 500;
	ccsp_err ret = chsmd_fetch(root, url, CHSM_PKG_MAX, &f->file, err, sizeof err);
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
	ret = chsm_pkg_parse(f->file.map, f->file.len, &f->pkg);
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

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chsmd's releases and the life of an upgrade across execs (docs/operations.md "Upgrade"):
 *
 *   DIR/releases/<version>/   chsmd, chsmd.hmac, vsmd, vsmd.hmac of one release (0700, files 0700/0600)
 *   DIR/releases/current      symbolic link to the <version> to run; absent: the installed chsmd runs
 *   DIR/upgrade.json          {"state": "switched"|"rolledback", "to", "from", "fromPath", "tries", "reason"}
 *
 * An upgrade (upgrade.c) records upgrade.json "switched" (from = what current named, fromPath = the running
 * chsmd), replaces current atomically (rename of a new link over it) and execs the new chsmd. Each start of the
 * new chsmd counts "tries"; it removes upgrade.json once its modules are up (settle). It goes back — current
 * restored, upgrade.json "rolledback" with the reason, the previous chsmd exec'd — when its modules cannot be
 * opened (chsmd_release_failed), and when it starts a second time without having got up (it crashed or was
 * killed). The deferred callback reports the outcome.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "chsmd/upgrade.h"

#define STATE_FILE "upgrade.json"
#define STATE_MAX 16384
#define CURRENT "current"

/* ---- paths ---- */

static int path2(char out[PATH_MAX], const char *a, const char *b)
{
	return snprintf(out, PATH_MAX, "%s/%s", a, b) < PATH_MAX ? 0 : -1;
}

static int path3(char out[PATH_MAX], const char *a, const char *b, const char *c)
{
	return snprintf(out, PATH_MAX, "%s/%s/%s", a, b, c) < PATH_MAX ? 0 : -1;
}

/* The real path of DIR/releases/<name>/chsmd into out; 0, or -1 when there is none. */
static int release_chsmd(const char *dir, const char *name, char out[PATH_MAX])
{
	char p[PATH_MAX];
	char rel[PATH_MAX];
	if (snprintf(rel, sizeof rel, "%s/chsmd", name) >= (int)sizeof rel || path3(p, dir, CHSMD_RELEASES, rel) != 0)
		return -1;
	return realpath(p, out) != NULL ? 0 : -1;
}

/* The version current names ("" when there is no current link). */
static void current_name(const char *dir, char *out, size_t cap)
{
	char p[PATH_MAX];
	ssize_t n = path3(p, dir, CHSMD_RELEASES, CURRENT) == 0 ? readlink(p, out, cap - 1) : -1;
	out[n > 0 ? n : 0] = '\0';
	if (!chsm_pkg_version_valid(out))
		out[0] = '\0';
}

/* Replace the link cur by one to version: a new link renamed over it (rename(2) is atomic). */
static int link_replace(const char *root, const char *cur, const char *version)
{
	char tmp[PATH_MAX];
	if (path2(tmp, root, ".current-new") != 0)
		return -1;
	(void)unlink(tmp);
	if (symlink(version, tmp) == 0 && rename(tmp, cur) == 0)
		return 0;
	(void)unlink(tmp);
	return -1;
}

/* Point current at version (or remove it for ""), atomically, and make it durable. */
static ccsp_err link_set(const char *dir, const char *version)
{
	char root[PATH_MAX], cur[PATH_MAX];
	if (path2(root, dir, CHSMD_RELEASES) != 0 || path2(cur, root, CURRENT) != 0)
		return CCSP_ERR_ARG;
	int failed = version[0] == '\0' ? unlink(cur) != 0 && errno != ENOENT : link_replace(root, cur, version) != 0;
	if (failed)
		return CCSP_ERR_IO;
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ok = fd >= 0 && fsync(fd) == 0;
	if (fd >= 0)
		(void)close(fd);
	return ok ? CCSP_OK : CCSP_ERR_IO;
}

/* ---- the state file ---- */

static json_t *state_load(const char *dir)
{
	char p[PATH_MAX];
	uint8_t *text = NULL;
	size_t len = 0;
	json_t *st = NULL;
	if (path2(p, dir, STATE_FILE) == 0 && ccsp_file_read_all(p, STATE_MAX, &text, &len) == CCSP_OK)
		st = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, NULL);
	free(text);
	if (st != NULL && (!json_is_object(st) || !json_is_string(json_object_get(st, "state")) ||
	                   !json_is_string(json_object_get(st, "to")) || !json_is_string(json_object_get(st, "from")) ||
	                   !json_is_string(json_object_get(st, "fromPath")))) {
		json_decref(st);
		st = NULL;
	}
	return st;
}

static ccsp_err state_save(const char *dir, json_t *st)
{
	char p[PATH_MAX];
	char *text = json_dumps(st, JSON_COMPACT);
	ccsp_err ret = text != NULL && path2(p, dir, STATE_FILE) == 0 ? ccsp_atomic_write(p, text, strlen(text), 0600)
	                                                               : CCSP_ERR_NOMEM;
	free(text);
	return ret;
}

static void state_clear(const char *dir)
{
	char p[PATH_MAX];
	if (path2(p, dir, STATE_FILE) == 0)
		(void)unlink(p);
}

static const char *st_str(json_t *st, const char *name)
{
	const char *v = json_string_value(json_object_get(st, name));
	return v != NULL ? v : "";
}

static int st_is(json_t *st, const char *state)
{
	return st != NULL && strcmp(st_str(st, "state"), state) == 0;
}

/* Back to the release the upgrade came from: current restored, the state "rolledback" with why. */
static void roll_back(const char *dir, json_t *st, const char *why)
{
	ccsp_err ret = link_set(dir, st_str(st, "from"));
	json_object_set_new(st, "state", json_string("rolledback"));
	json_object_set_new(st, "reason", json_string(why));
	if (ret == CCSP_OK)
		ret = state_save(dir, st);
	fprintf(stderr, "chsmd: upgrade to %s rolled back (%s)%s%s\n", st_str(st, "to"), why,
	        ret == CCSP_OK ? "" : ": ", ret == CCSP_OK ? "" : ccsp_err_str(ret));
}

static void exec_now(const char *path, char **argv)
{
	fflush(stdout);
	fflush(stderr);
	(void)close_range(3, ~0U, CLOSE_RANGE_CLOEXEC); /* nothing of this process leaks into the next */
	execv(path, argv);
	fprintf(stderr, "chsmd: cannot run %s: %s\n", path, strerror(errno));
}

/* 1 when self is the chsmd of the release the upgrade in st switched to. */
static int is_new_release(const char *dir, json_t *st, const char *self)
{
	char p[PATH_MAX];
	return st_is(st, "switched") && release_chsmd(dir, st_str(st, "to"), p) == 0 && strcmp(p, self) == 0;
}

/* ---- at start ---- */

/* Remove what an interrupted download or staging left in root. */
static void sweep(const char *root)
{
	char p[PATH_MAX];
	DIR *d = opendir(root);
	if (d == NULL)
		return;
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		if (strncmp(de->d_name, ".download-", 10) != 0 && strncmp(de->d_name, ".stage-", 7) != 0 &&
		    strcmp(de->d_name, ".current-new") != 0)
			continue;
		if (path2(p, root, de->d_name) != 0 || unlink(p) == 0)
			continue;
		DIR *s = opendir(p); /* a stage directory: flat */
		for (struct dirent *f; s != NULL && (f = readdir(s)) != NULL;)
			(void)unlinkat(dirfd(s), f->d_name, 0);
		if (s != NULL)
			(void)closedir(s);
		(void)rmdir(p);
	}
	(void)closedir(d);
}

/* Count a start of the new release of a switched upgrade; the number of its starts so far. */
static json_int_t count_start(const char *dir, json_t *st)
{
	json_int_t tries = json_integer_value(json_object_get(st, "tries")) + 1;
	json_object_set_new(st, "tries", json_integer(tries));
	if (state_save(dir, st) != CCSP_OK)
		fprintf(stderr, "chsmd: cannot record the start of the upgrade to %s\n", st_str(st, "to"));
	return tries;
}

void chsmd_release_boot(const char *dir, const char *self, char **argv)
{
	char p[PATH_MAX], target[PATH_MAX] = "", name[64];
	if (path2(p, dir, CHSMD_RELEASES) == 0)
		sweep(p);
	if (path2(p, dir, CHSMD_VSM_RELEASES) == 0)
		sweep(p);
	json_t *st = state_load(dir);
	/* only the new release's own starts count (a chsmd killed between the switch and its exec costs none) */
	if (is_new_release(dir, st, self) && count_start(dir, st) > 1) { /* it started before and never got up */
		roll_back(dir, st, "新版本启动后未能就绪");
		if (st_str(st, "from")[0] == '\0') /* no release before: the installed chsmd that ran */
			snprintf(target, sizeof target, "%s", st_str(st, "fromPath"));
	}
	json_decref(st);
	current_name(dir, name, sizeof name);
	if (target[0] == '\0' && (name[0] == '\0' || release_chsmd(dir, name, target) != 0))
		target[0] = '\0';
	if (target[0] != '\0' && strcmp(target, self) != 0) {
		printf("chsmd: running release %s (%s)\n", name[0] != '\0' ? name : "installed", target);
		exec_now(target, argv); /* returns only on failure: this binary runs instead */
	}
}

int chsmd_release_vsmd(const char *dir, const char *self, char *out, size_t cap)
{
	char root[PATH_MAX], rel[PATH_MAX], own[PATH_MAX];
	if (path2(root, dir, CHSMD_RELEASES) != 0 || realpath(root, rel) == NULL)
		return 0;
	size_t n = strlen(rel);
	const char *slash = strrchr(self, '/');
	if (slash == NULL || strncmp(self, rel, n) != 0 || self[n] != '/' || strchr(self + n + 1, '/') != slash)
		return 0; /* not DIR/releases/<version>/chsmd */
	if (snprintf(own, sizeof own, "%.*s/vsmd", (int)(slash - self), self) >= (int)sizeof own ||
	    access(own, X_OK) != 0 || strlen(own) >= cap)
		return 0;
	memcpy(out, own, strlen(own) + 1);
	return 1;
}

void chsmd_release_failed(const char *dir, const char *self, char **argv)
{
	char why[128];
	json_t *st = state_load(dir);
	if (is_new_release(dir, st, self)) {
		snprintf(why, sizeof why, "新版本 %s 无法启动", st_str(st, "to"));
		roll_back(dir, st, why);
		exec_now(st_str(st, "fromPath"), argv);
	}
	json_decref(st);
}

char *chsmd_release_settle(const char *dir)
{
	json_t *st = state_load(dir);
	char *why = NULL;
	if (st_is(st, "rolledback"))
		why = strdup(st_str(st, "reason"));
	else if (st_is(st, "switched") && strcmp(st_str(st, "to"), chsmd_version()) != 0)
		why = strdup("新版本未运行");
	if (st != NULL)
		state_clear(dir);
	json_decref(st);
	return why;
}

/* ---- the upgrade task's side ---- */

int chsmd_release_in_use(const char *dir, const char *self, const char *version)
{
	char name[64], p[PATH_MAX];
	current_name(dir, name, sizeof name);
	return strcmp(name, version) == 0 || (release_chsmd(dir, version, p) == 0 && strcmp(p, self) == 0);
}

ccsp_err chsmd_release_switch(const char *dir, const char *self, const char *version)
{
	char from[64];
	current_name(dir, from, sizeof from);
	json_t *st = json_pack("{s:s, s:s, s:s, s:s, s:i}", "state", "switched", "to", version, "from", from, "fromPath",
	                       self, "tries", 0);
	ccsp_err ret = st != NULL ? state_save(dir, st) : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK && (ret = link_set(dir, version)) != CCSP_OK)
		state_clear(dir);
	json_decref(st);
	return ret;
}

void chsmd_request_exec(chsmd *d, const char *path)
{
	pthread_mutex_lock(&d->lock);
	snprintf(d->exec_path, sizeof d->exec_path, "%s", path);
	pthread_mutex_unlock(&d->lock);
	ccsp_http_server_stop(d->http); /* the loop ends; main drains the tasks, stops the VSMs, then execs */
}

void chsmd_exec_requested(chsmd *d)
{
	char path[sizeof d->exec_path];
	pthread_mutex_lock(&d->lock);
	memcpy(path, d->exec_path, sizeof path);
	pthread_mutex_unlock(&d->lock);
	if (path[0] == '\0')
		return;
	printf("chsmd: restarting as %s\n", path);
	exec_now(path, d->argv);
	json_t *st = state_load(d->dir); /* the new release cannot even be run: back to this one */
	if (is_new_release(d->dir, st, path)) {
		roll_back(d->dir, st, "新版本无法执行");
		exec_now(d->self, d->argv);
	}
	json_decref(st);
}

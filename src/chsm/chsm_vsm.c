/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VSM supervisor: the table of VSMs, their running states (GM/T 0088 §3.8) and supervision with backoff.
 * The operations of §7.3 are chsm_vsm_ops.c's, processes chsm_proc.c's, directory work chsm_vsm_dir.c's; the
 * locking and ownership rules are in chsm_vsm_internal.h.
 */
#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ccsp/mem.h>

#include "chsm/chsm_vsm_internal.h"

#define POLL_STARTING_MS 100 /* while a vsmd is starting */
#define POLL_IDLE_MS 1000

static const struct {
	uint32_t workers, max_sessions, max_index, max_connections;
} flavors[] = {
	{1, 256, 256, 64},
	{2, 1024, 1024, 256},
	{4, 4096, 4096, 1024},
};

ccsp_err ccsp_chsm_vsm_flavor(uint32_t flavor, uint32_t *workers, uint32_t *max_sessions, uint32_t *max_index,
                              uint32_t *max_connections)
{
	if (flavor < 1 || flavor > sizeof flavors / sizeof flavors[0])
		return CCSP_ERR_ARG;
	if (workers != NULL)
		*workers = flavors[flavor - 1].workers;
	if (max_sessions != NULL)
		*max_sessions = flavors[flavor - 1].max_sessions;
	if (max_index != NULL)
		*max_index = flavors[flavor - 1].max_index;
	if (max_connections != NULL)
		*max_connections = flavors[flavor - 1].max_connections;
	return CCSP_OK;
}

const char *ccsp_chsm_vsm_run_name(ccsp_chsm_vsm_run run)
{
	static const char *const names[] = {"stopped",    "starting",  "running",  "stopping", "restarting",
	                                    "resetting",  "creating",  "deleting", "error",    "importing", "upgrading"};
	return (unsigned)run < sizeof names / sizeof names[0] ? names[run] : "error";
}

/* ---- the table (lock held) ---- */

void chsm_event(ccsp_chsm_sup *sup, const chsm_entry *e, const char *name, const char *fmt, ...)
{
	char detail[128];
	va_list ap;
	if (sup->cfg.event == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	sup->cfg.event(sup->cfg.event_arg, e->id, name, detail);
}

chsm_entry *chsm_find(ccsp_chsm_sup *sup, const char *id)
{
	for (chsm_entry *e = sup->head; e != NULL; e = e->next)
		if (strcmp(e->id, id) == 0)
			return e;
	return NULL;
}

void chsm_entry_link(ccsp_chsm_sup *sup, chsm_entry *e)
{
	e->next = sup->head;
	sup->head = e;
	sup->count++;
}

void chsm_entry_unlink(ccsp_chsm_sup *sup, chsm_entry *e)
{
	for (chsm_entry **pp = &sup->head; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			sup->count--;
			return;
		}
	}
}

chsm_entry *chsm_entry_new(ccsp_chsm_sup *sup, const char *id)
{
	chsm_entry *e = calloc(1, sizeof *e);
	if (e == NULL)
		return NULL;
	snprintf(e->id, sizeof e->id, "%s", id);
	snprintf(e->dir, sizeof e->dir, "%s/%s", sup->vsm_root, id);
	chsm_proc_init(&e->proc);
	e->backoff = sup->cfg.backoff_min_ms;
	return e;
}

/* The supervisor will start it again after the backoff; the delay doubles up to the maximum, and falls back to
 * the minimum after a vsmd that stayed up for backoff_max_ms. */
void chsm_schedule_retry(ccsp_chsm_sup *sup, chsm_entry *e, uint64_t now)
{
	if (e->up_since != 0 && now - e->up_since >= sup->cfg.backoff_max_ms)
		e->backoff = sup->cfg.backoff_min_ms;
	e->next_start = now + e->backoff;
	e->backoff = e->backoff >= sup->cfg.backoff_max_ms / 2 ? sup->cfg.backoff_max_ms : e->backoff * 2;
	e->up_since = 0;
	e->crashed = 1;
	e->run = CCSP_CHSM_VSM_ERROR;
}

void chsm_publish_ready(ccsp_chsm_sup *sup, chsm_entry *e)
{
	e->run = CCSP_CHSM_VSM_RUNNING;
	e->port = e->proc.port;
	e->crashed = 0;
	e->up_since = chsm_now_ms();
	chsm_event(sup, e, "vsm.ready", "pid=%d port=%u", (int)e->pid, e->port);
}

void chsm_describe_exit(char *out, size_t cap, int st)
{
	if (st != -1 && WIFSIGNALED(st))
		snprintf(out, cap, "signal=%d", WTERMSIG(st));
	else if (st != -1 && WIFEXITED(st))
		snprintf(out, cap, "status=%d", WEXITSTATUS(st));
	else
		snprintf(out, cap, "status=unknown");
}

ccsp_err chsm_spawn(ccsp_chsm_sup *sup, chsm_entry *e)
{
	uint8_t key[CCSP_CHSM_VSM_KEY_SIZE];
	char fdarg[8], own[PATH_MAX];
	snprintf(fdarg, sizeof fdarg, "%d", CHSM_PROC_KEY_FD);
	if (e->meta.vsmd[0] == '/') /* upgradeVSM gave it its own vsmd */
		snprintf(own, sizeof own, "%s", e->meta.vsmd);
	else if (e->meta.vsmd[0] != '\0')
		snprintf(own, sizeof own, "%s/%s", sup->state_dir, e->meta.vsmd);
	char *argv[] = {e->meta.vsmd[0] != '\0' ? own : sup->vsmd, "--dir", e->dir, "--storage-key-fd", fdarg, NULL};
	ccsp_err ret = sup->cfg.prepare_start != NULL ? sup->cfg.prepare_start(sup->cfg.key_arg, e->dir) : CCSP_OK;
	if (ret == CCSP_OK)
		ret = sup->cfg.get_storage_key(sup->cfg.key_arg, e->id, key);
	if (ret == CCSP_OK)
		ret = chsm_proc_spawn(&e->proc, argv, key);
	ccsp_memzero(key, sizeof key);
	if (ret == CCSP_OK) {
		e->pid = e->proc.pid;
		e->port = 0;
		e->ready_by = chsm_now_ms() + sup->cfg.start_timeout_ms;
	}
	return ret;
}


/* ---- supervision ---- */

static uint32_t until(uint64_t when, uint64_t now)
{
	uint64_t d = when > now ? when - now : 0;
	return d < POLL_IDLE_MS ? (uint32_t)d : POLL_IDLE_MS;
}

/* One entry, not busy; returns when it wants the next poll (ms). */
static uint32_t poll_entry(ccsp_chsm_sup *sup, chsm_entry *e, uint64_t now)
{
	int st;
	if (e->proc.pid > 0) {
		chsm_proc_read(&e->proc);
		if (e->proc.ready && e->run != CCSP_CHSM_VSM_RUNNING)
			chsm_publish_ready(sup, e);
		if (!chsm_proc_reap(&e->proc, &st)) {
			if (e->proc.ready)
				return POLL_IDLE_MS;
			if (now >= e->ready_by) {
				chsm_event(sup, e, "vsm.timeout", "pid=%d not ready in time: killed", (int)e->pid);
				chsm_proc_signal(&e->proc, SIGKILL); /* reaped by the next poll, then retried */
			}
			return POLL_STARTING_MS;
		}
		char what[32];
		chsm_describe_exit(what, sizeof what, st);
		chsm_event(sup, e, "vsm.exit", "pid=%d %s", (int)e->pid, what);
		e->pid = 0;
		e->port = 0;
		if (!e->meta.run) {
			e->run = CCSP_CHSM_VSM_STOPPED;
			return POLL_IDLE_MS;
		}
		chsm_schedule_retry(sup, e, now);
	}
	if (!e->meta.run)
		return POLL_IDLE_MS;
	if (now < e->next_start)
		return until(e->next_start, now);
	if (e->crashed)
		e->restarts++;
	ccsp_err ret = chsm_spawn(sup, e);
	if (ret != CCSP_OK) {
		chsm_event(sup, e, "vsm.spawn", "failed: %s", ccsp_err_name(ret));
		chsm_schedule_retry(sup, e, now);
		return until(e->next_start, now);
	}
	chsm_event(sup, e, e->crashed ? "vsm.restart" : "vsm.start", "pid=%d", (int)e->pid);
	e->run = e->crashed ? CCSP_CHSM_VSM_ERROR : CCSP_CHSM_VSM_STARTING;
	return POLL_STARTING_MS;
}

void ccsp_chsm_sup_poll(ccsp_chsm_sup *sup, uint32_t *next_ms)
{
	uint32_t next = POLL_IDLE_MS;
	pthread_mutex_lock(&sup->lock);
	uint64_t now = chsm_now_ms();
	for (chsm_entry *e = sup->head; e != NULL; e = e->next) {
		uint32_t n = e->busy ? POLL_IDLE_MS : poll_entry(sup, e, now);
		if (n < next)
			next = n;
	}
	pthread_mutex_unlock(&sup->lock);
	if (next_ms != NULL)
		*next_ms = next;
}

/* ---- queries ---- */

ccsp_err ccsp_chsm_vsm_info_get(ccsp_chsm_sup *sup, const char *id, ccsp_chsm_vsm_info *info)
{
	if (sup == NULL || id == NULL || info == NULL)
		return CCSP_ERR_ARG;
	memset(info, 0, sizeof *info);
	pthread_mutex_lock(&sup->lock);
	const chsm_entry *e = chsm_find(sup, id);
	if (e != NULL) {
		memcpy(info->id, e->id, sizeof info->id);
		memcpy(info->uuid, e->meta.uuid, sizeof info->uuid);
		info->own_vsmd = e->meta.vsmd[0] != '\0';
		memcpy(info->version, info->own_vsmd ? e->meta.version : sup->version, sizeof info->version);
		memcpy(info->listen, e->listen, sizeof info->listen);
		info->flavor = e->meta.flavor;
		info->run = e->run;
		info->ok = e->run == CCSP_CHSM_VSM_RUNNING;
		info->should_run = e->meta.run;
		info->pid = e->pid;
		info->port = e->run == CCSP_CHSM_VSM_RUNNING ? e->port : 0;
		info->token_set = e->token_set;
		info->restarts = e->restarts;
	}
	pthread_mutex_unlock(&sup->lock);
	return e != NULL ? CCSP_OK : CCSP_ERR_HANDLE;
}

void ccsp_chsm_vsm_list(ccsp_chsm_sup *sup, char (*ids)[CCSP_CHSM_VSM_ID_MAX + 1], size_t cap, size_t *n)
{
	size_t k = 0;
	pthread_mutex_lock(&sup->lock);
	for (const chsm_entry *e = sup->head; e != NULL; e = e->next, k++)
		if (k < cap)
			memcpy(ids[k], e->id, sizeof ids[k]);
	pthread_mutex_unlock(&sup->lock);
	*n = k;
}

/* ---- the module ---- */

/* "vsmd X.Y.Z" of vsmd --version: checks that the binary runs at all. */
static ccsp_err vsmd_version(ccsp_chsm_sup *sup)
{
	char line[64] = "";
	char *argv[] = {sup->vsmd, "--version", NULL};
	if (access(sup->vsmd, X_OK) != 0)
		return errno == ENOENT ? CCSP_ERR_FILE_NOT_FOUND : CCSP_ERR_IO;
	ccsp_err ret = chsm_proc_run(argv, NULL, 10000, line, sizeof line);
	if (ret == CCSP_OK && strncmp(line, "vsmd ", 5) != 0)
		ret = CCSP_ERR_IO;
	if (ret == CCSP_OK)
		snprintf(sup->version, sizeof sup->version, "%.*s", (int)sizeof sup->version - 1, line + 5);
	return ret;
}

/* Every finished VSM under DIR/vsm (those without chsm-vsm.conf are unfinished creates: left alone). */
static ccsp_err load(ccsp_chsm_sup *sup)
{
	char path[256];
	DIR *d = opendir(sup->vsm_root);
	if (d == NULL)
		return CCSP_ERR_IO;
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		if (strncmp(de->d_name, CHSM_IMPORT_PREFIX, strlen(CHSM_IMPORT_PREFIX)) == 0) {
			char staged[PATH_MAX];
			if (snprintf(staged, sizeof staged, "%s/%s", sup->vsm_root, de->d_name) < (int)sizeof staged) {
				ccsp_err sret = chsm_dir_shred(staged); /* an import a crash interrupted: either side is whole */
				(void)sret;
			}
			continue;
		}
		if (!chsm_id_valid(de->d_name))
			continue;
		chsm_entry *e = chsm_entry_new(sup, de->d_name);
		if (e == NULL) {
			(void)closedir(d);
			return CCSP_ERR_NOMEM;
		}
		if (chsm_meta_read(e->dir, &e->meta) != CCSP_OK) {
			free(e);
			continue;
		}
		snprintf(path, sizeof path, "%s/" CHSM_VSMD_CONF, e->dir);
		if (chsm_conf_get(path, "listen", e->listen, sizeof e->listen) != CCSP_OK)
			e->listen[0] = '\0'; /* its vsmd will say what is wrong when it is started */
		snprintf(path, sizeof path, "%s/" CHSM_TOKEN_FILE, e->dir);
		e->token_set = access(path, F_OK) == 0;
		e->run = e->meta.run ? CCSP_CHSM_VSM_STARTING : CCSP_CHSM_VSM_STOPPED;
		chsm_entry_link(sup, e);
	}
	(void)closedir(d);
	return CCSP_OK;
}

static void defaults(ccsp_chsm_sup_config *c)
{
	c->state_dir = NULL; /* copied */
	c->vsmd_path = NULL;
	c->max_vsms = c->max_vsms ? c->max_vsms : 32;
	c->start_timeout_ms = c->start_timeout_ms ? c->start_timeout_ms : 30000;
	c->stop_timeout_ms = c->stop_timeout_ms ? c->stop_timeout_ms : 10000;
	c->backoff_min_ms = c->backoff_min_ms ? c->backoff_min_ms : 1000;
	c->backoff_max_ms = c->backoff_max_ms ? c->backoff_max_ms : 60000;
	if (c->backoff_max_ms < c->backoff_min_ms)
		c->backoff_max_ms = c->backoff_min_ms;
}

ccsp_err ccsp_chsm_sup_new(const ccsp_chsm_sup_config *cfg, ccsp_chsm_sup **out)
{
	if (out == NULL)
		return CCSP_ERR_ARG;
	*out = NULL;
	if (cfg == NULL || cfg->state_dir == NULL || cfg->vsmd_path == NULL || cfg->get_storage_key == NULL ||
	    cfg->state_dir[0] == '\0' || strlen(cfg->state_dir) > CHSM_STATE_DIR_MAX)
		return CCSP_ERR_ARG;
	ccsp_chsm_sup *sup = calloc(1, sizeof *sup);
	if (sup == NULL)
		return CCSP_ERR_NOMEM;
	pthread_mutex_init(&sup->lock, NULL);
	snprintf(sup->state_dir, sizeof sup->state_dir, "%s", cfg->state_dir);
	snprintf(sup->vsm_root, sizeof sup->vsm_root, "%s/vsm", cfg->state_dir);
	sup->vsmd = strdup(cfg->vsmd_path);
	sup->cfg = *cfg;
	defaults(&sup->cfg);
	ccsp_err ret = sup->vsmd != NULL ? CCSP_OK : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK && ((mkdir(sup->state_dir, 0700) != 0 && errno != EEXIST) ||
	                       (mkdir(sup->vsm_root, 0700) != 0 && errno != EEXIST)))
		ret = CCSP_ERR_IO;
	if (ret == CCSP_OK)
		ret = vsmd_version(sup);
	if (ret == CCSP_OK)
		ret = load(sup);
	if (ret != CCSP_OK) {
		ccsp_chsm_sup_free(sup);
		return ret;
	}
	*out = sup;
	return CCSP_OK;
}

/* SIGTERM to every vsmd, then wait for all of them together; SIGKILL what is left at the deadline. */
static void stop_all(ccsp_chsm_sup *sup)
{
	uint64_t end = chsm_now_ms() + sup->cfg.stop_timeout_ms;
	int st;
	for (chsm_entry *e = sup->head; e != NULL; e = e->next)
		chsm_proc_signal(&e->proc, SIGTERM);
	for (;;) {
		int left = 0;
		for (chsm_entry *e = sup->head; e != NULL; e = e->next) {
			chsm_proc_read(&e->proc);
			if (e->proc.pid > 0 && !chsm_proc_reap(&e->proc, &st))
				left = 1;
		}
		if (!left || chsm_now_ms() >= end)
			break;
		struct timespec ts = {.tv_nsec = 20 * 1000000L};
		(void)nanosleep(&ts, NULL);
	}
	for (chsm_entry *e = sup->head; e != NULL; e = e->next)
		chsm_proc_stop(&e->proc, 0); /* SIGKILL and reap what is left; closes its stdout */
}

void ccsp_chsm_sup_free(ccsp_chsm_sup *sup)
{
	if (sup == NULL)
		return;
	pthread_mutex_lock(&sup->lock);
	stop_all(sup);
	while (sup->head != NULL) {
		chsm_entry *e = sup->head;
		sup->head = e->next;
		free(e);
	}
	pthread_mutex_unlock(&sup->lock);
	pthread_mutex_destroy(&sup->lock);
	free(sup->vsmd);
	free(sup);
}

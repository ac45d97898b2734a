/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The GM/T 0088 §7.3 VSM operations of the supervisor: each runs synchronously in the caller's thread with its
 * VSM marked busy, and takes the lock only for short steps (chsm_vsm_internal.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ccsp/mem.h>

#include "chsm/chsm_vsm_internal.h"
#include "common/atomic_file.h"
#include "vsm/vsm.h"

/* ---- building blocks (chsm_vsm_internal.h) ---- */

ccsp_err chsm_op_begin(ccsp_chsm_sup *sup, const char *id, ccsp_chsm_vsm_run trans, chsm_entry **out)
{
	ccsp_err ret = CCSP_OK;
	if (id == NULL)
		return CCSP_ERR_ARG;
	pthread_mutex_lock(&sup->lock);
	chsm_entry *e = chsm_find(sup, id);
	if (e == NULL)
		ret = CCSP_ERR_HANDLE;
	else if (e->busy)
		ret = CCSP_ERR_STATE;
	if (ret == CCSP_OK) {
		e->busy = 1;
		if (trans == CHSM_RUN_KEEP && e->pid > 0)
			e->run = CCSP_CHSM_VSM_RESTARTING;
		else if (trans != CHSM_RUN_KEEP && trans != CHSM_RUN_SAME)
			e->run = trans;
		*out = e;
	}
	pthread_mutex_unlock(&sup->lock);
	return ret;
}

/* A failed start is left to the supervisor's retries. */
void chsm_op_end(ccsp_chsm_sup *sup, chsm_entry *e)
{
	pthread_mutex_lock(&sup->lock);
	if (e->pid > 0 && e->proc.ready)
		e->run = CCSP_CHSM_VSM_RUNNING;
	else if (e->pid > 0)
		e->run = e->crashed ? CCSP_CHSM_VSM_ERROR : CCSP_CHSM_VSM_STARTING;
	else if (e->meta.run && e->crashed)
		e->run = CCSP_CHSM_VSM_ERROR;
	else
		e->run = CCSP_CHSM_VSM_STOPPED;
	e->busy = 0;
	pthread_mutex_unlock(&sup->lock);
}

/* Record whether the VSM should run (chsm-vsm.conf first, so that a crash keeps the operator's intent). */
static ccsp_err set_should_run(ccsp_chsm_sup *sup, chsm_entry *e, int run)
{
	pthread_mutex_lock(&sup->lock);
	chsm_meta m = e->meta;
	e->backoff = sup->cfg.backoff_min_ms; /* the operator acted: a fresh start */
	if (!run)
		e->crashed = 0;
	pthread_mutex_unlock(&sup->lock);
	if (m.run == run)
		return CCSP_OK;
	m.run = run;
	ccsp_err ret = chsm_meta_write(e->dir, &m);
	if (ret == CCSP_OK) {
		pthread_mutex_lock(&sup->lock);
		e->meta.run = run;
		pthread_mutex_unlock(&sup->lock);
	}
	return ret;
}

void chsm_halt(ccsp_chsm_sup *sup, chsm_entry *e)
{
	chsm_proc_stop(&e->proc, sup->cfg.stop_timeout_ms);
	pthread_mutex_lock(&sup->lock);
	e->pid = 0;
	e->port = 0;
	e->up_since = 0;
	pthread_mutex_unlock(&sup->lock);
}

/* Wait for the ready line of e's vsmd (up to its ready_by). */
static ccsp_err wait_ready(ccsp_chsm_sup *sup, chsm_entry *e)
{
	int st;
	for (;;) {
		chsm_proc_read(&e->proc);
		if (e->proc.ready) {
			pthread_mutex_lock(&sup->lock);
			chsm_publish_ready(sup, e);
			pthread_mutex_unlock(&sup->lock);
			return CCSP_OK;
		}
		uint64_t now = chsm_now_ms();
		int gone = chsm_proc_reap(&e->proc, &st);
		if (gone || now >= e->ready_by) {
			char what[32];
			if (!gone)
				chsm_proc_stop(&e->proc, 0);
			chsm_describe_exit(what, sizeof what, gone ? st : -1);
			pthread_mutex_lock(&sup->lock);
			chsm_event(sup, e, gone ? "vsm.exit" : "vsm.timeout", "%s", gone ? what : "not ready in time");
			e->pid = 0;
			chsm_schedule_retry(sup, e, now);
			pthread_mutex_unlock(&sup->lock);
			return CCSP_ERR_MODULE_STATE;
		}
		chsm_proc_wait(&e->proc, e->ready_by - now < 50 ? (int)(e->ready_by - now) : 50);
	}
}

ccsp_err chsm_start_and_wait(ccsp_chsm_sup *sup, chsm_entry *e)
{
	ccsp_err ret = CCSP_OK;
	pthread_mutex_lock(&sup->lock);
	if (e->proc.pid > 0 && e->proc.ready) {
		pthread_mutex_unlock(&sup->lock);
		return CCSP_OK;
	}
	if (e->proc.pid <= 0) {
		ret = chsm_spawn(sup, e);
		if (ret != CCSP_OK)
			chsm_schedule_retry(sup, e, chsm_now_ms());
	}
	pthread_mutex_unlock(&sup->lock);
	return ret == CCSP_OK ? wait_ready(sup, e) : ret;
}

/* op on the VSM through the library with its vsmd stopped; then its vsmd is started again if it should run. */
static ccsp_err offline(ccsp_chsm_sup *sup, chsm_entry *e, chsm_offline_op op, const char *token)
{
	uint8_t key[CCSP_CHSM_VSM_KEY_SIZE];
	chsm_halt(sup, e);
	pthread_mutex_lock(&sup->lock);
	ccsp_err ret = sup->cfg.get_storage_key(sup->cfg.key_arg, e->id, key);
	int run = e->meta.run;
	pthread_mutex_unlock(&sup->lock);
	if (ret == CCSP_OK)
		ret = chsm_vsm_offline(e->dir, key, op, token);
	ccsp_memzero(key, sizeof key);
	char path[sizeof e->dir + 16];
	snprintf(path, sizeof path, "%s/" CHSM_TOKEN_FILE, e->dir);
	int token_set = access(path, F_OK) == 0;
	pthread_mutex_lock(&sup->lock);
	e->token_set = token_set;
	pthread_mutex_unlock(&sup->lock);
	ccsp_err sret = run ? chsm_start_and_wait(sup, e) : CCSP_OK;
	return ret != CCSP_OK ? ret : sret;
}

/* ---- operations ---- */

ccsp_err ccsp_chsm_vsm_start(ccsp_chsm_sup *sup, const char *id)
{
	chsm_entry *e;
	ccsp_err ret = chsm_op_begin(sup, id, CCSP_CHSM_VSM_STARTING, &e);
	if (ret != CCSP_OK)
		return ret;
	ret = set_should_run(sup, e, 1);
	if (ret == CCSP_OK)
		ret = chsm_start_and_wait(sup, e);
	chsm_op_end(sup, e);
	return ret;
}

ccsp_err ccsp_chsm_vsm_stop(ccsp_chsm_sup *sup, const char *id)
{
	chsm_entry *e;
	ccsp_err ret = chsm_op_begin(sup, id, CCSP_CHSM_VSM_STOPPING, &e);
	if (ret != CCSP_OK)
		return ret;
	ret = set_should_run(sup, e, 0);
	chsm_halt(sup, e);
	chsm_op_end(sup, e);
	return ret;
}

ccsp_err ccsp_chsm_vsm_restart(ccsp_chsm_sup *sup, const char *id)
{
	chsm_entry *e;
	ccsp_err ret = chsm_op_begin(sup, id, CCSP_CHSM_VSM_RESTARTING, &e);
	if (ret != CCSP_OK)
		return ret;
	ret = set_should_run(sup, e, 1);
	chsm_halt(sup, e);
	if (ret == CCSP_OK)
		ret = chsm_start_and_wait(sup, e);
	chsm_op_end(sup, e);
	return ret;
}

ccsp_err ccsp_chsm_vsm_reset(ccsp_chsm_sup *sup, const char *id)
{
	chsm_entry *e;
	ccsp_err ret = chsm_op_begin(sup, id, CCSP_CHSM_VSM_RESETTING, &e);
	if (ret != CCSP_OK)
		return ret;
	ret = offline(sup, e, CHSM_OFFLINE_RESET, NULL);
	chsm_op_end(sup, e);
	return ret;
}

ccsp_err ccsp_chsm_vsm_token_set(ccsp_chsm_sup *sup, const char *id, const char *token)
{
	chsm_entry *e;
	if (token == NULL)
		return CCSP_ERR_ARG;
	int release = strcmp(token, "0") == 0;
	if (!release && (strlen(token) < CCSP_VSM_TOKEN_MIN || strlen(token) > CCSP_VSM_TOKEN_MAX))
		return CCSP_ERR_ARG;
	ccsp_err ret = chsm_op_begin(sup, id, CHSM_RUN_KEEP, &e);
	if (ret != CCSP_OK)
		return ret;
	ret = offline(sup, e, release ? CHSM_OFFLINE_TOKEN_RELEASE : CHSM_OFFLINE_TOKEN_SET, token);
	chsm_op_end(sup, e);
	return ret;
}

/* ---- create, destroy ---- */

/* Another VSM is configured on listen (port 0, "any free port", never collides). Lock held. */
static int listen_taken(ccsp_chsm_sup *sup, const chsm_entry *self, const char *listen)
{
	const char *port = strrchr(listen, ':');
	if (port == NULL || strtoul(port + 1, NULL, 10) == 0)
		return 0;
	for (const chsm_entry *e = sup->head; e != NULL; e = e->next)
		if (e != self && strcmp(e->listen, listen) == 0)
			return 1;
	return 0;
}

/* Put a busy "creating" entry for id in the table: the id and the address are taken from now on. */
static ccsp_err reserve(ccsp_chsm_sup *sup, const char *id, const char *listen, chsm_entry **out)
{
	ccsp_err ret = CCSP_OK;
	pthread_mutex_lock(&sup->lock);
	if (sup->count >= sup->cfg.max_vsms)
		ret = CCSP_ERR_LIMIT;
	else if (chsm_find(sup, id) != NULL)
		ret = CCSP_ERR_FILE_EXISTS;
	else if (listen_taken(sup, NULL, listen))
		ret = CCSP_ERR_ARG;
	else if ((*out = chsm_entry_new(sup, id)) == NULL)
		ret = CCSP_ERR_NOMEM;
	if (ret == CCSP_OK) {
		(*out)->busy = 1;
		(*out)->run = CCSP_CHSM_VSM_CREATING;
		snprintf((*out)->listen, sizeof (*out)->listen, "%s", listen);
		chsm_entry_link(sup, *out);
	}
	pthread_mutex_unlock(&sup->lock);
	return ret;
}

/* vsmd --init under the VSM's storage key, the flavor's limits into vsmd.conf, and last the record. */
static ccsp_err make(ccsp_chsm_sup *sup, chsm_entry *e, uint32_t flavor, const char *listen)
{
	uint8_t key[CCSP_CHSM_VSM_KEY_SIZE];
	char fdarg[8], conf[sizeof e->dir + 16], v[4][16];
	chsm_meta m = {.flavor = flavor, .run = 1};
	uint32_t lim[4] = {0};
	snprintf(fdarg, sizeof fdarg, "%d", CHSM_PROC_KEY_FD);
	char *argv[] = {sup->vsmd, "--init", e->dir, "--listen", (char *)listen, "--storage-key-fd", fdarg, NULL};
	pthread_mutex_lock(&sup->lock);
	ccsp_err ret = sup->cfg.get_storage_key(sup->cfg.key_arg, e->id, key);
	pthread_mutex_unlock(&sup->lock);
	if (ret == CCSP_OK)
		ret = chsm_proc_run(argv, key, sup->cfg.start_timeout_ms, NULL, 0);
	ccsp_memzero(key, sizeof key);
	if (ret == CCSP_OK)
		ret = ccsp_chsm_vsm_flavor(flavor, &lim[0], &lim[1], &lim[2], &lim[3]);
	for (int i = 0; i < 4; i++)
		snprintf(v[i], sizeof v[i], "%u", lim[i]);
	const char *keys[] = {"workers", "max_sessions", "max_index", "max_connections"};
	const char *vals[] = {v[0], v[1], v[2], v[3]};
	snprintf(conf, sizeof conf, "%s/" CHSM_VSMD_CONF, e->dir);
	if (ret == CCSP_OK)
		ret = chsm_conf_set(conf, keys, vals, 4);
	if (ret == CCSP_OK)
		ret = chsm_uuid_new(m.uuid);
	if (ret == CCSP_OK)
		ret = chsm_meta_write(e->dir, &m);
	if (ret == CCSP_OK) {
		pthread_mutex_lock(&sup->lock);
		e->meta = m;
		pthread_mutex_unlock(&sup->lock);
	}
	return ret;
}

ccsp_err ccsp_chsm_vsm_create(ccsp_chsm_sup *sup, const char *id, uint32_t flavor, const char *listen,
                              char id_out[CCSP_CHSM_VSM_ID_MAX + 1])
{
	char newid[CCSP_CHSM_VSM_ID_MAX + 1];
	chsm_entry *e = NULL;
	if (sup == NULL || ccsp_chsm_vsm_flavor(flavor, NULL, NULL, NULL, NULL) != CCSP_OK ||
	    chsm_listen_parse(listen, NULL) != CCSP_OK || (id != NULL && id[0] != '\0' && !chsm_id_valid(id)))
		return CCSP_ERR_ARG;
	if (id != NULL && id[0] != '\0')
		snprintf(newid, sizeof newid, "%s", id);
	else if (chsm_id_new(newid) != CCSP_OK)
		return CCSP_ERR_RNG;
	ccsp_err ret = reserve(sup, newid, listen, &e);
	if (ret != CCSP_OK)
		return ret;
	int made = 0;
	if (chsm_listen_bindable(listen) != CCSP_OK)
		ret = CCSP_ERR_ARG;
	else if (mkdir(e->dir, 0700) != 0)
		ret = errno == EEXIST ? CCSP_ERR_FILE_EXISTS : CCSP_ERR_IO;
	else
		made = 1;
	if (ret == CCSP_OK)
		ret = make(sup, e, flavor, listen);
	if (ret != CCSP_OK) { /* nothing is left behind (a remnant without chsm-vsm.conf would never be loaded) */
		ccsp_err sret = made ? chsm_dir_shred(e->dir) : CCSP_OK;
		(void)sret;
		pthread_mutex_lock(&sup->lock);
		chsm_entry_unlink(sup, e);
		pthread_mutex_unlock(&sup->lock);
		free(e);
		return ret;
	}
	if (id_out != NULL)
		memcpy(id_out, newid, sizeof newid);
	ret = chsm_start_and_wait(sup, e);
	chsm_op_end(sup, e);
	return ret;
}

ccsp_err ccsp_chsm_vsm_destroy(ccsp_chsm_sup *sup, const char *id)
{
	chsm_entry *e;
	char meta[sizeof e->dir + 16];
	ccsp_err ret = chsm_op_begin(sup, id, CCSP_CHSM_VSM_DELETING, &e);
	if (ret != CCSP_OK)
		return ret;
	chsm_halt(sup, e);
	/* first the record: from here on, whatever happens, it is no VSM any more (not loaded again) */
	snprintf(meta, sizeof meta, "%s/" CHSM_META_FILE, e->dir);
	if (unlink(meta) != 0 && errno != ENOENT) {
		pthread_mutex_lock(&sup->lock);
		e->meta.run = 0;
		pthread_mutex_unlock(&sup->lock);
		chsm_op_end(sup, e);
		return CCSP_ERR_IO;
	}
	ret = chsm_dir_shred(e->dir);
	pthread_mutex_lock(&sup->lock);
	chsm_entry_unlink(sup, e);
	pthread_mutex_unlock(&sup->lock);
	free(e);
	return ret;
}

/* ---- network ---- */

/* Undo a re-bind that did not come up: the old vsmd.conf and certificate, and the vsmd started on them. CCSP_OK,
 * or the error that kept the old configuration from being restored. */
static ccsp_err rollback(ccsp_chsm_sup *sup, chsm_entry *e, const char *conf, const uint8_t *old, size_t oldlen,
                         const chsm_tls_backup *tls, int run)
{
	chsm_halt(sup, e);
	ccsp_err ret = ccsp_atomic_write(conf, old, oldlen, 0600);
	if (ret == CCSP_OK && tls->cert != NULL)
		ret = chsm_tls_restore(e->dir, tls);
	if (ret == CCSP_OK && run)
		(void)chsm_start_and_wait(sup, e); /* should the old address fail too, the supervisor keeps trying */
	return ret;
}

static ccsp_err rebind(ccsp_chsm_sup *sup, chsm_entry *e, const char *listen, const char *host)
{
	char conf[sizeof e->dir + 16], oldhost[CHSM_HOST_MAX] = "";
	uint8_t *old = NULL;
	size_t oldlen = 0;
	chsm_tls_backup tls = {0};
	const char *key = "listen";
	snprintf(conf, sizeof conf, "%s/" CHSM_VSMD_CONF, e->dir);
	pthread_mutex_lock(&sup->lock);
	int run = e->meta.run;
	if (chsm_listen_parse(e->listen, oldhost) != CCSP_OK)
		oldhost[0] = '\0';
	pthread_mutex_unlock(&sup->lock);
	ccsp_err ret = ccsp_file_read_all(conf, 65536, &old, &oldlen);
	if (ret == CCSP_OK && strcmp(oldhost, host) != 0)
		ret = chsm_tls_reissue(e->dir, host, &tls);
	if (ret == CCSP_OK) {
		chsm_halt(sup, e);
		ret = chsm_conf_set(conf, &key, &listen, 1);
	}
	if (ret == CCSP_OK && run)
		ret = chsm_start_and_wait(sup, e);
	if (ret == CCSP_OK) {
		const char *keys[] = {"address", "server_name"}, *vals[] = {listen, host};
		snprintf(conf, sizeof conf, "%s/" CHSM_SDF_CONF, e->dir);
		ccsp_err cret = chsm_conf_set(conf, keys, vals, 2); /* the client template: best effort */
		pthread_mutex_lock(&sup->lock);
		snprintf(e->listen, sizeof e->listen, "%s", listen);
		if (cret != CCSP_OK)
			chsm_event(sup, e, "vsm.network", CHSM_SDF_CONF " not updated: %s", ccsp_err_name(cret));
		pthread_mutex_unlock(&sup->lock);
	} else if (old != NULL) {
		ccsp_err rret = rollback(sup, e, conf, old, oldlen, &tls, run);
		if (rret != CCSP_OK)
			ret = rret;
	}
	free(old);
	chsm_tls_backup_free(&tls);
	return ret;
}

ccsp_err ccsp_chsm_vsm_network_set(ccsp_chsm_sup *sup, const char *id, const char *listen)
{
	char host[CHSM_HOST_MAX];
	chsm_entry *e;
	if (sup == NULL || chsm_listen_parse(listen, host) != CCSP_OK)
		return CCSP_ERR_ARG;
	ccsp_err ret = chsm_op_begin(sup, id, CHSM_RUN_KEEP, &e);
	if (ret != CCSP_OK)
		return ret;
	pthread_mutex_lock(&sup->lock);
	int same = strcmp(e->listen, listen) == 0, taken = listen_taken(sup, e, listen);
	pthread_mutex_unlock(&sup->lock);
	if (!same && (taken || chsm_listen_bindable(listen) != CCSP_OK))
		ret = CCSP_ERR_ARG;
	else if (!same)
		ret = rebind(sup, e, listen, host);
	chsm_op_end(sup, e);
	return ret;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The VSM's lifecycle and state model, its audit hook and the client token. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ccsp/mem.h>
#include <ccsp/selftest.h>
#include <ccsp/sm3.h>

#include "common/atomic_file.h"
#include "crypto/ct.h"
#include "vsm/vsm_internal.h"

#define KEYSTORE_FILE "keystore.bin"
#define AUDIT_FILE "audit.log"
#define TOKEN_FILE "token.hash"

void ccsp_vsm_limits_default(ccsp_vsm_limits *lim)
{
	lim->max_index = CCSP_VSM_DEFAULT_MAX_INDEX;
	lim->max_sessions = 1024;
	lim->max_session_keys = 256;
	lim->max_files = 256;
	lim->max_file_size = 1u << 20;
	lim->file_quota = 16u << 20;
}

const char *ccsp_vsm_state_name(ccsp_vsm_state s)
{
	static const char *const names[] = {"init", "self-test", "operational", "error", "stopped"};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

ccsp_vsm_state ccsp_vsm_get_state(const ccsp_vsm *vsm)
{
	return (ccsp_vsm_state)atomic_load(&vsm->state);
}

const ccsp_vsm_limits *ccsp_vsm_get_limits(const ccsp_vsm *vsm)
{
	return &vsm->lim;
}

ccsp_err vsm_ready(const ccsp_vsm *vsm)
{
	return atomic_load(&vsm->state) == CCSP_VSM_STATE_OPERATIONAL ? CCSP_OK : CCSP_ERR_MODULE_STATE;
}

ccsp_vsm_keystore *ccsp_vsm_get_keystore(ccsp_vsm *vsm)
{
	return vsm->ks;
}

static char *path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	if (p != NULL)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static int limits_valid(const ccsp_vsm_limits *l)
{
	return l->max_index >= 1 && l->max_index <= 65535 && l->max_sessions >= 1 && l->max_sessions <= 65535 &&
	       l->max_session_keys >= 1 && l->max_session_keys <= 65535 && l->max_file_size >= 1 &&
	       l->file_quota >= l->max_file_size;
}

/* Sub-keys of the storage key: SM3-KDF(storage key || label), one label per use. */
static ccsp_err derive_keys(ccsp_vsm *vsm, const uint8_t storage_key[CCSP_VSM_STORAGE_KEY_SIZE])
{
	uint8_t z[CCSP_VSM_STORAGE_KEY_SIZE + 32];
	ccsp_err ret;
	memcpy(VSM_STORAGE_KEY(vsm), storage_key, CCSP_VSM_STORAGE_KEY_SIZE);
	memcpy(z, storage_key, CCSP_VSM_STORAGE_KEY_SIZE);
	memset(z + CCSP_VSM_STORAGE_KEY_SIZE, 0, 32);
	memcpy(z + CCSP_VSM_STORAGE_KEY_SIZE, "ccsp vsm audit key", 18);
	ret = ccsp_sm3_kdf(z, sizeof z, VSM_AUDIT_KEY(vsm), 32);
	if (ret == CCSP_OK) {
		memcpy(z + CCSP_VSM_STORAGE_KEY_SIZE, "ccsp vsm file key", 17);
		z[CCSP_VSM_STORAGE_KEY_SIZE + 17] = 0;
		ret = ccsp_sm3_kdf(z, sizeof z, VSM_FILE_KEY(vsm), 16);
	}
	ccsp_memzero(z, sizeof z);
	return ret;
}

static ccsp_err load_token_hash(ccsp_vsm *vsm)
{
	char *path = path_join(vsm->dir, TOKEN_FILE);
	uint8_t *buf = NULL;
	size_t len = 0;
	if (path == NULL)
		return CCSP_ERR_NOMEM;
	ccsp_err ret = ccsp_file_read_all(path, 64, &buf, &len);
	free(path);
	if (ret == CCSP_ERR_FILE_NOT_FOUND)
		return CCSP_OK; /* no token yet: every client is refused */
	if (ret == CCSP_OK && len != sizeof vsm->token_hash)
		ret = CCSP_ERR_TAMPERED;
	if (ret == CCSP_OK) {
		memcpy(vsm->token_hash, buf, len);
		vsm->token_set = 1;
	}
	free(buf);
	return ret;
}

static ccsp_err open_stores(ccsp_vsm *vsm)
{
	char *ks_path = path_join(vsm->dir, KEYSTORE_FILE);
	vsm->audit_path = path_join(vsm->dir, AUDIT_FILE);
	ccsp_err ret = CCSP_ERR_NOMEM;
	if (ks_path == NULL || vsm->audit_path == NULL)
		goto out;
	ret = ccsp_vsm_audit_open(vsm->audit_path, VSM_AUDIT_KEY(vsm), &vsm->audit);
	if (ret != CCSP_OK)
		goto out;
	ret = ccsp_vsm_keystore_open(ks_path, VSM_STORAGE_KEY(vsm), vsm->lim.max_index, &vsm->ks);
	if (ret != CCSP_OK)
		goto out;
	ret = load_token_hash(vsm);
	if (ret == CCSP_OK)
		ret = vsm_files_open(vsm);
out:
	free(ks_path);
	return ret;
}

static ccsp_vsm *vsm_alloc(const char *dir, const ccsp_vsm_limits *lim)
{
	ccsp_vsm *vsm = calloc(1, sizeof *vsm);
	if (vsm == NULL)
		return NULL;
	vsm->lim = *lim;
	atomic_init(&vsm->state, CCSP_VSM_STATE_INIT);
	pthread_mutex_init(&vsm->table_lock, NULL);
	pthread_mutex_init(&vsm->token_lock, NULL);
	pthread_mutex_init(&vsm->lockout_lock, NULL);
	vsm->lockout = vsm_lockout_new(lim->max_index);
	vsm->dir = strdup(dir);
	vsm->keys = ccsp_secure_alloc(VSM_KEYS_SIZE);
	vsm->sessions = calloc(lim->max_sessions, sizeof *vsm->sessions);
	if (vsm->dir == NULL || vsm->keys == NULL || vsm->sessions == NULL || vsm->lockout == NULL) {
		ccsp_vsm_free(vsm);
		return NULL;
	}
	return vsm;
}

ccsp_err ccsp_vsm_open(const char *dir, const uint8_t storage_key[CCSP_VSM_STORAGE_KEY_SIZE],
                       const ccsp_vsm_limits *lim, ccsp_vsm **out)
{
	ccsp_vsm_limits def;
	if (out == NULL)
		return CCSP_ERR_ARG;
	*out = NULL;
	if (lim == NULL) {
		ccsp_vsm_limits_default(&def);
		lim = &def;
	}
	if (dir == NULL || storage_key == NULL || !limits_valid(lim))
		return CCSP_ERR_ARG;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return CCSP_ERR_IO;
	ccsp_vsm *vsm = vsm_alloc(dir, lim);
	if (vsm == NULL)
		return CCSP_ERR_NOMEM;
	atomic_store(&vsm->state, CCSP_VSM_STATE_SELFTEST);
	ccsp_err ret = ccsp_selftest(NULL, NULL);
	if (ret != CCSP_OK) {
		atomic_store(&vsm->state, CCSP_VSM_STATE_ERROR);
		*out = vsm; /* kept so that it can report its state; it serves nothing */
		return CCSP_ERR_SELFTEST;
	}
	ret = derive_keys(vsm, storage_key);
	if (ret == CCSP_OK)
		ret = open_stores(vsm);
	if (ret != CCSP_OK) {
		ccsp_vsm_free(vsm);
		return ret;
	}
	atomic_store(&vsm->state, CCSP_VSM_STATE_OPERATIONAL);
	ccsp_vsm_audit_event(vsm, "vsm.start", "state=operational");
	*out = vsm;
	return CCSP_OK;
}

void ccsp_vsm_free(ccsp_vsm *vsm)
{
	if (vsm == NULL)
		return;
	if (vsm->sessions != NULL) {
		for (uint32_t i = 0; i < vsm->lim.max_sessions; i++)
			if (vsm->sessions[i] != NULL)
				ccsp_vsm_session_close_owner(vsm, vsm->sessions[i]->owner);
	}
	if (vsm->audit != NULL && atomic_load(&vsm->state) == CCSP_VSM_STATE_OPERATIONAL)
		ccsp_vsm_audit_event(vsm, "vsm.stop", "state=stopped");
	atomic_store(&vsm->state, CCSP_VSM_STATE_STOPPED);
	ccsp_vsm_keystore_free(vsm->ks);
	vsm_files_free(vsm);
	ccsp_vsm_audit_free(vsm->audit);
	ccsp_secure_free(vsm->keys);
	ccsp_memzero(vsm->token_hash, sizeof vsm->token_hash);
	pthread_mutex_destroy(&vsm->table_lock);
	pthread_mutex_destroy(&vsm->token_lock);
	pthread_mutex_destroy(&vsm->lockout_lock);
	free(vsm->lockout);
	free(vsm->sessions);
	free(vsm->audit_path);
	free(vsm->dir);
	free(vsm);
}

void ccsp_vsm_audit_event(ccsp_vsm *vsm, const char *event, const char *fmt, ...)
{
	char detail[CCSP_VSM_AUDIT_FIELD_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	if (vsm->audit == NULL || ccsp_vsm_audit_append(vsm->audit, event, detail) != CCSP_OK)
		atomic_store(&vsm->state, CCSP_VSM_STATE_ERROR); /* a module that cannot audit stops serving */
}

const char *ccsp_vsm_audit_path(const ccsp_vsm *vsm)
{
	return vsm->audit_path;
}

void ccsp_vsm_audit_key(const ccsp_vsm *vsm, uint8_t key[32])
{
	memcpy(key, VSM_AUDIT_KEY(vsm), 32);
}

/* ---- token ---- */

ccsp_err ccsp_vsm_token_set(ccsp_vsm *vsm, const uint8_t *token, size_t len)
{
	uint8_t h[32];
	if (token == NULL || len < CCSP_VSM_TOKEN_MIN || len > CCSP_VSM_TOKEN_MAX)
		return CCSP_ERR_ARG;
	char *path = path_join(vsm->dir, TOKEN_FILE);
	if (path == NULL)
		return CCSP_ERR_NOMEM;
	ccsp_err ret = ccsp_sm3(token, len, h);
	pthread_mutex_lock(&vsm->token_lock);
	if (ret == CCSP_OK)
		ret = ccsp_atomic_write(path, h, sizeof h, 0600);
	if (ret == CCSP_OK) {
		memcpy(vsm->token_hash, h, sizeof h);
		vsm->token_set = 1;
	}
	pthread_mutex_unlock(&vsm->token_lock);
	free(path);
	ccsp_memzero(h, sizeof h);
	if (ret == CCSP_OK)
		ccsp_vsm_audit_event(vsm, "token.set", "ok");
	return ret;
}

ccsp_err ccsp_vsm_token_check(ccsp_vsm *vsm, const uint8_t *token, size_t len)
{
	uint8_t h[32];
	if (token == NULL || len < CCSP_VSM_TOKEN_MIN || len > CCSP_VSM_TOKEN_MAX)
		return CCSP_ERR_TOKEN;
	if (ccsp_sm3(token, len, h) != CCSP_OK)
		return CCSP_ERR_TOKEN;
	pthread_mutex_lock(&vsm->token_lock);
	uint32_t diff = ct_memdiff(h, vsm->token_hash, sizeof h);
	int set = vsm->token_set;
	pthread_mutex_unlock(&vsm->token_lock);
	ccsp_memzero(h, sizeof h);
	return set && diff == 0 ? CCSP_OK : CCSP_ERR_TOKEN;
}

/* ---- zeroisation ---- */

ccsp_err ccsp_vsm_reset(ccsp_vsm *vsm)
{
	for (uint32_t i = 0; i < vsm->lim.max_sessions; i++) {
		pthread_mutex_lock(&vsm->table_lock);
		ccsp_vsm_session *s = vsm->sessions[i];
		uint64_t owner = s != NULL ? s->owner : 0;
		pthread_mutex_unlock(&vsm->table_lock);
		if (s != NULL)
			ccsp_vsm_session_close_owner(vsm, owner);
	}
	ccsp_err ret = ccsp_vsm_keystore_wipe_all(vsm->ks);
	ccsp_err fret = vsm_files_wipe(vsm);
	if (ret == CCSP_OK)
		ret = fret;
	char *path = path_join(vsm->dir, TOKEN_FILE);
	pthread_mutex_lock(&vsm->token_lock);
	if (path != NULL && unlink(path) != 0 && errno != ENOENT && ret == CCSP_OK)
		ret = CCSP_ERR_IO;
	ccsp_memzero(vsm->token_hash, sizeof vsm->token_hash);
	vsm->token_set = 0;
	pthread_mutex_unlock(&vsm->token_lock);
	free(path);
	ccsp_vsm_audit_event(vsm, "vsm.reset", ret == CCSP_OK ? "ok" : "failed");
	return ret;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The persisted pending callbacks: one atomically written file per record (chsm_cbstore.h). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <ccsp/rand.h>

#include "chsm/chsm_cbstore.h"
#include "common/atomic_file.h"

#define SUFFIX ".cb"
#define SUFFIX_LEN 3
#define TMP_MARK ".cb.tmp-" /* ccsp_atomic_write's temporaries: "<path>.tmp-XXXXXX" */

struct chsm_cbstore {
	pthread_mutex_t lock; /* makes "count, then add" exact */
	char *dir;
};

static int is_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int chsm_cbstore_id_valid(const char *id)
{
	return id != NULL && strnlen(id, CHSM_CBSTORE_ID_LEN + 1) == CHSM_CBSTORE_ID_LEN && is_lower_hex(id, 16) &&
	       id[16] == '-' && is_lower_hex(id + 17, 8);
}

static ccsp_err path_of(const chsm_cbstore *s, const char *id, char out[PATH_MAX])
{
	if (s == NULL || !chsm_cbstore_id_valid(id))
		return CCSP_ERR_ARG;
	int n = snprintf(out, PATH_MAX, "%s/%s" SUFFIX, s->dir, id);
	return n > 0 && n < PATH_MAX ? CCSP_OK : CCSP_ERR_ARG;
}

/* A record's id from its file name, or 0 for anything else. */
static int id_of_name(const char *name, chsm_cbstore_id id)
{
	if (strlen(name) != CHSM_CBSTORE_ID_LEN + SUFFIX_LEN || strcmp(name + CHSM_CBSTORE_ID_LEN, SUFFIX) != 0)
		return 0;
	memcpy(id, name, CHSM_CBSTORE_ID_LEN);
	id[CHSM_CBSTORE_ID_LEN] = '\0';
	return chsm_cbstore_id_valid(id);
}

/* Remove the temporaries of writes a crash interrupted. */
static void sweep(const chsm_cbstore *s)
{
	DIR *d = opendir(s->dir);
	if (d == NULL)
		return;
	for (struct dirent *de; (de = readdir(d)) != NULL;)
		if (strstr(de->d_name, TMP_MARK) != NULL)
			(void)unlinkat(dirfd(d), de->d_name, 0);
	(void)closedir(d);
}

ccsp_err chsm_cbstore_open(const char *dir, chsm_cbstore **out)
{
	if (out == NULL)
		return CCSP_ERR_ARG;
	*out = NULL;
	if (dir == NULL || dir[0] == '\0' || strlen(dir) > PATH_MAX - CHSM_CBSTORE_ID_LEN - 32)
		return CCSP_ERR_ARG;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return CCSP_ERR_IO;
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return CCSP_ERR_IO;
	chsm_cbstore *s = calloc(1, sizeof *s);
	if (s == NULL || (s->dir = strdup(dir)) == NULL) {
		free(s);
		return CCSP_ERR_NOMEM;
	}
	pthread_mutex_init(&s->lock, NULL);
	sweep(s);
	*out = s;
	return CCSP_OK;
}

void chsm_cbstore_free(chsm_cbstore *s)
{
	if (s == NULL)
		return;
	pthread_mutex_destroy(&s->lock);
	free(s->dir);
	free(s);
}

static int cmp_ids(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Up to cap ids into ids (may be NULL when cap is 0), *total = every record found. */
static ccsp_err scan(const chsm_cbstore *s, chsm_cbstore_id *ids, size_t cap, size_t *n, size_t *total)
{
	chsm_cbstore_id id;
	DIR *d = opendir(s->dir);
	if (d == NULL)
		return CCSP_ERR_IO;
	*n = *total = 0;
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		if (!id_of_name(de->d_name, id))
			continue;
		if (*n < cap)
			memcpy(ids[(*n)++], id, sizeof id);
		(*total)++;
	}
	(void)closedir(d);
	if (*n > 1)
		qsort(ids, *n, sizeof ids[0], cmp_ids);
	return CCSP_OK;
}

ccsp_err chsm_cbstore_list(chsm_cbstore *s, chsm_cbstore_id *ids, size_t cap, size_t *n)
{
	size_t total;
	if (s == NULL || n == NULL || (ids == NULL && cap > 0))
		return CCSP_ERR_ARG;
	return scan(s, ids, cap, n, &total);
}

static ccsp_err new_id(chsm_cbstore_id id)
{
	uint8_t r[4];
	struct timespec now;
	ccsp_err ret = ccsp_random(r, sizeof r);
	if (ret != CCSP_OK)
		return ret;
	clock_gettime(CLOCK_REALTIME, &now);
	uint64_t ms = (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
	snprintf(id, CHSM_CBSTORE_ID_LEN + 1, "%016llx-%02x%02x%02x%02x", (unsigned long long)ms, r[0], r[1], r[2], r[3]);
	return CCSP_OK;
}

ccsp_err chsm_cbstore_add(chsm_cbstore *s, const void *rec, size_t len, chsm_cbstore_id id)
{
	char path[PATH_MAX];
	size_t n, total;
	if (s == NULL || rec == NULL || len == 0 || id == NULL)
		return CCSP_ERR_ARG;
	if (len > CHSM_CBSTORE_RECORD_MAX)
		return CCSP_ERR_LIMIT;
	pthread_mutex_lock(&s->lock);
	ccsp_err ret = scan(s, NULL, 0, &n, &total);
	if (ret == CCSP_OK && total >= CHSM_CBSTORE_MAX)
		ret = CCSP_ERR_LIMIT;
	if (ret == CCSP_OK)
		ret = new_id(id);
	if (ret == CCSP_OK)
		ret = path_of(s, id, path);
	if (ret == CCSP_OK && access(path, F_OK) == 0)
		ret = CCSP_ERR_FILE_EXISTS; /* the same millisecond and the same 32 random bits */
	if (ret == CCSP_OK)
		ret = ccsp_atomic_write(path, rec, len, 0600);
	pthread_mutex_unlock(&s->lock);
	return ret;
}

ccsp_err chsm_cbstore_put(chsm_cbstore *s, const char *id, const void *rec, size_t len)
{
	char path[PATH_MAX];
	ccsp_err ret = path_of(s, id, path);
	if (ret != CCSP_OK || rec == NULL || len == 0)
		return ret != CCSP_OK ? ret : CCSP_ERR_ARG;
	if (len > CHSM_CBSTORE_RECORD_MAX)
		return CCSP_ERR_LIMIT;
	pthread_mutex_lock(&s->lock); /* a concurrent remove is not undone by this write */
	if (access(path, F_OK) != 0)
		ret = errno == ENOENT ? CCSP_ERR_FILE_NOT_FOUND : CCSP_ERR_IO;
	else
		ret = ccsp_atomic_write(path, rec, len, 0600);
	pthread_mutex_unlock(&s->lock);
	return ret;
}

ccsp_err chsm_cbstore_get(chsm_cbstore *s, const char *id, uint8_t **rec, size_t *len)
{
	char path[PATH_MAX];
	if (rec == NULL || len == NULL)
		return CCSP_ERR_ARG;
	*rec = NULL;
	*len = 0;
	ccsp_err ret = path_of(s, id, path);
	return ret != CCSP_OK ? ret : ccsp_file_read_all(path, CHSM_CBSTORE_RECORD_MAX, rec, len);
}

ccsp_err chsm_cbstore_remove(chsm_cbstore *s, const char *id)
{
	char path[PATH_MAX];
	ccsp_err ret = path_of(s, id, path);
	if (ret != CCSP_OK)
		return ret;
	pthread_mutex_lock(&s->lock);
	if (unlink(path) != 0 && errno != ENOENT)
		ret = CCSP_ERR_IO;
	pthread_mutex_unlock(&s->lock);
	return ret;
}

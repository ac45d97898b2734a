/* SPDX-License-Identifier: Apache-2.0 */
/* VSM storage keys for the supervisor: derived from the master key, the VSM id and a per-VSM salt kept in
 * DIR/vsm-keys/<id>.salt (created at the VSM's first start, removed when it is deleted). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>

#include "chsmd/chsmd.h"
#include "common/atomic_file.h"

static int salt_path(const chsmd *d, const char *id, char *out, size_t cap)
{
	if (strchr(id, '/') != NULL || id[0] == '.' || id[0] == '\0')
		return -1;
	int n = snprintf(out, cap, "%s/vsm-keys/%s.salt", d->dir, id);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

static ccsp_err load_or_make_salt(const chsmd *d, const char *path, uint8_t salt[CHSM_VSM_SALT_SIZE])
{
	uint8_t *buf = NULL;
	size_t len = 0;
	ccsp_err ret = ccsp_file_read_all(path, 64, &buf, &len);
	if (ret == CCSP_OK) {
		ret = len == CHSM_VSM_SALT_SIZE ? CCSP_OK : CCSP_ERR_TAMPERED;
		if (ret == CCSP_OK)
			memcpy(salt, buf, len);
		free(buf);
		return ret;
	}
	if (ret != CCSP_ERR_FILE_NOT_FOUND)
		return ret;
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/vsm-keys", d->dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return CCSP_ERR_IO;
	ret = ccsp_random(salt, CHSM_VSM_SALT_SIZE);
	return ret == CCSP_OK ? ccsp_atomic_write(path, salt, CHSM_VSM_SALT_SIZE, 0600) : ret;
}

ccsp_err chsmd_vsm_storage_key(void *arg, const char *id, uint8_t key[16])
{
	chsmd *d = arg;
	char path[PATH_MAX];
	uint8_t salt[CHSM_VSM_SALT_SIZE];
	if (salt_path(d, id, path, sizeof path) != 0)
		return CCSP_ERR_ARG;
	ccsp_err ret = load_or_make_salt(d, path, salt);
	if (ret == CCSP_OK)
		ret = chsm_keys_vsm_storage(d->keys, id, salt, key);
	ccsp_memzero(salt, sizeof salt);
	return ret;
}

void chsmd_vsm_forget_key(chsmd *d, const char *id)
{
	char path[PATH_MAX];
	if (salt_path(d, id, path, sizeof path) == 0)
		unlink(path);
}

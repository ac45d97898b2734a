/* SPDX-License-Identifier: Apache-2.0 */
/*
 * VSM storage keys for the supervisor: 16 random bytes made when the VSM is created, kept sealed under the master
 * key (label "vsm storage <id>") in the VSM's own directory, DIR/vsm/<id>/storage.sealed. The directory is thus
 * self-contained: an import swaps it whole, and a delete shreds the key with the data it protects.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>

#include "chsmd/chsmd.h"
#include "common/atomic_file.h"

#define SEALED_SIZE (CCSP_CHSM_VSM_KEY_SIZE + CHSM_SEALED_OVERHEAD)

static int label_of(const char *id, char *out, size_t cap)
{
	int n = snprintf(out, cap, "vsm storage %s", id);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

static ccsp_err store(chsmd *d, const char *vsm_dir, const char *id, const uint8_t key[16])
{
	char path[PATH_MAX], label[64];
	uint8_t sealed[SEALED_SIZE];
	if (label_of(id, label, sizeof label) != 0 ||
	    snprintf(path, sizeof path, "%s/" CHSMD_STORAGE_KEY_FILE, vsm_dir) >= (int)sizeof path)
		return CCSP_ERR_ARG;
	ccsp_err ret = chsm_keys_seal(d->keys, label, key, CCSP_CHSM_VSM_KEY_SIZE, sealed);
	return ret == CCSP_OK ? ccsp_atomic_write(path, sealed, sizeof sealed, 0600) : ret;
}

ccsp_err chsmd_vsm_store_key(void *arg, const char *vsm_dir, const char *id, const uint8_t key[16])
{
	if (!ccsp_chsm_vsm_id_valid(id))
		return CCSP_ERR_ARG;
	return store(arg, vsm_dir, id, key);
}

ccsp_err chsmd_vsm_storage_key(void *arg, const char *id, uint8_t key[16])
{
	chsmd *d = arg;
	char dir[PATH_MAX - 32], path[PATH_MAX], label[64];
	uint8_t *file = NULL;
	size_t len = 0;
	if (!ccsp_chsm_vsm_id_valid(id) || label_of(id, label, sizeof label) != 0)
		return CCSP_ERR_ARG;
	if (snprintf(dir, sizeof dir, "%s/vsm/%s", d->dir, id) >= (int)sizeof dir - 32)
		return CCSP_ERR_ARG;
	snprintf(path, sizeof path, "%s/" CHSMD_STORAGE_KEY_FILE, dir);
	ccsp_err ret = ccsp_file_read_all(path, 256, &file, &len);
	if (ret == CCSP_OK)
		ret = len == SEALED_SIZE ? chsm_keys_unseal(d->keys, label, file, len, key) : CCSP_ERR_TAMPERED;
	else if (ret == CCSP_ERR_FILE_NOT_FOUND) { /* createVSM: the first request for the key makes it */
		snprintf(path, sizeof path, "%s/vsmd.conf", dir);
		ret = access(path, F_OK) == 0 ? CCSP_ERR_KEY_NOT_FOUND : ccsp_random(key, CCSP_CHSM_VSM_KEY_SIZE);
		if (ret == CCSP_OK)
			ret = store(d, dir, id, key);
	}
	free(file);
	if (ret != CCSP_OK)
		ccsp_memzero(key, CCSP_CHSM_VSM_KEY_SIZE);
	return ret;
}

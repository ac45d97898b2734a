/* SPDX-License-Identifier: Apache-2.0 */
/*
 * device.key = "CCSPDK01" (8) | iv (12) | SM4-GCM(master key, AAD = magic)(d, 32) | tag (16)  — 68 bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>
#include <ccsp/sm3.h>
#include <ccsp/sm4.h>

#include "chsm/chsm_keys.h"
#include "common/atomic_file.h"

#define DEVKEY_MAGIC "CCSPDK01"
#define DEVKEY_FILE_SIZE (8 + 12 + 32 + 16)
#define PATH_CAP 4096

struct chsm_keys {
	uint8_t *master; /* secure memory */
	ccsp_sm2_key *device;
};

static int path_in(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, PATH_CAP, "%s/%s", dir, name);
	return n > 0 && n < PATH_CAP ? 0 : -1;
}

static ccsp_err seal_device_key(const uint8_t master[16], const uint8_t d[32], uint8_t out[DEVKEY_FILE_SIZE])
{
	ccsp_sm4_key k;
	memcpy(out, DEVKEY_MAGIC, 8);
	ccsp_err ret = ccsp_random(out + 8, 12);
	if (ret == CCSP_OK)
		ret = ccsp_sm4_set_key(&k, master, 16);
	if (ret == CCSP_OK)
		ret = ccsp_sm4_gcm_encrypt(&k, out + 8, 12, out, 8, d, out + 20, 32, out + 52);
	ccsp_sm4_key_wipe(&k);
	return ret;
}

static ccsp_err open_device_key(const uint8_t master[16], const uint8_t *file, size_t len, uint8_t d[32])
{
	ccsp_sm4_key k;
	if (len != DEVKEY_FILE_SIZE || memcmp(file, DEVKEY_MAGIC, 8) != 0)
		return CCSP_ERR_TAMPERED;
	ccsp_err ret = ccsp_sm4_set_key(&k, master, 16);
	if (ret == CCSP_OK)
		ret = ccsp_sm4_gcm_decrypt(&k, file + 8, 12, file, 8, file + 20, d, 32, file + 52);
	ccsp_sm4_key_wipe(&k);
	return ret == CCSP_ERR_AUTH ? CCSP_ERR_TAMPERED : ret;
}

ccsp_err chsm_keys_create(const char *dir)
{
	char mpath[PATH_CAP], dpath[PATH_CAP];
	uint8_t master[16], d[32], sealed[DEVKEY_FILE_SIZE];
	uint8_t *probe = NULL;
	size_t plen;
	ccsp_sm2_key *dev = ccsp_sm2_key_new();
	ccsp_err ret = CCSP_ERR_NOMEM;
	if (dev == NULL || path_in(mpath, dir, "master.key") != 0 || path_in(dpath, dir, "device.key") != 0)
		goto out;
	ret = ccsp_file_read_all(mpath, 64, &probe, &plen) == CCSP_ERR_FILE_NOT_FOUND &&
	              ccsp_file_read_all(dpath, 128, &probe, &plen) == CCSP_ERR_FILE_NOT_FOUND
	          ? CCSP_OK
	          : CCSP_ERR_KEY_EXISTS;
	if (ret == CCSP_OK)
		ret = ccsp_random(master, sizeof master);
	if (ret == CCSP_OK)
		ret = ccsp_sm2_key_generate(dev);
	if (ret == CCSP_OK)
		ret = ccsp_sm2_key_get_private(dev, d);
	if (ret == CCSP_OK)
		ret = seal_device_key(master, d, sealed);
	if (ret == CCSP_OK)
		ret = ccsp_atomic_write(mpath, master, sizeof master, 0600);
	if (ret == CCSP_OK)
		ret = ccsp_atomic_write(dpath, sealed, sizeof sealed, 0600);
out:
	if (probe != NULL)
		free(probe);
	ccsp_memzero(master, sizeof master);
	ccsp_memzero(d, sizeof d);
	ccsp_sm2_key_free(dev);
	return ret;
}

ccsp_err chsm_keys_open_with(const char *dir, const uint8_t master[CHSM_MASTER_KEY_SIZE], chsm_keys **out)
{
	char dpath[PATH_CAP];
	uint8_t *file = NULL, d[32];
	size_t len = 0;
	*out = NULL;
	chsm_keys *k = calloc(1, sizeof *k);
	ccsp_err ret = CCSP_ERR_NOMEM;
	if (k == NULL || (k->master = ccsp_secure_alloc(CHSM_MASTER_KEY_SIZE)) == NULL ||
	    (k->device = ccsp_sm2_key_new()) == NULL || path_in(dpath, dir, "device.key") != 0)
		goto out;
	memcpy(k->master, master, CHSM_MASTER_KEY_SIZE);
	ret = ccsp_file_read_all(dpath, 1024, &file, &len);
	if (ret == CCSP_OK)
		ret = open_device_key(master, file, len, d);
	if (ret == CCSP_OK)
		ret = ccsp_sm2_key_set_private(k->device, d);
out:
	free(file);
	ccsp_memzero(d, sizeof d);
	if (ret != CCSP_OK)
		chsm_keys_free(k);
	else
		*out = k;
	return ret;
}

ccsp_err chsm_keys_open(const char *dir, chsm_keys **out)
{
	char mpath[PATH_CAP];
	uint8_t *master = NULL;
	size_t len = 0;
	*out = NULL;
	if (path_in(mpath, dir, "master.key") != 0)
		return CCSP_ERR_ARG;
	ccsp_err ret = ccsp_file_read_all(mpath, 64, &master, &len);
	if (ret == CCSP_OK && len != CHSM_MASTER_KEY_SIZE)
		ret = CCSP_ERR_TAMPERED;
	if (ret == CCSP_OK)
		ret = chsm_keys_open_with(dir, master, out);
	if (master != NULL) {
		ccsp_memzero(master, len);
		free(master);
	}
	return ret;
}

void chsm_keys_free(chsm_keys *k)
{
	if (k == NULL)
		return;
	ccsp_secure_free(k->master);
	ccsp_sm2_key_free(k->device);
	free(k);
}

const ccsp_sm2_key *chsm_keys_device(const chsm_keys *k)
{
	return k->device;
}

ccsp_err chsm_keys_vsm_storage(const chsm_keys *k, const char *vsm_id, const uint8_t salt[CHSM_VSM_SALT_SIZE],
                               uint8_t key[16])
{
	static const char label[] = "ccsp chsm vsm storage";
	size_t idlen = vsm_id != NULL ? strlen(vsm_id) : 0;
	if (idlen == 0 || idlen > 64 || salt == NULL)
		return CCSP_ERR_ARG;
	uint8_t z[CHSM_MASTER_KEY_SIZE + sizeof label + 1 + 64 + CHSM_VSM_SALT_SIZE];
	size_t n = 0;
	memcpy(z + n, k->master, CHSM_MASTER_KEY_SIZE), n += CHSM_MASTER_KEY_SIZE;
	memcpy(z + n, label, sizeof label), n += sizeof label; /* with its NUL: a separator */
	z[n++] = (uint8_t)idlen;
	memcpy(z + n, vsm_id, idlen), n += idlen;
	memcpy(z + n, salt, CHSM_VSM_SALT_SIZE), n += CHSM_VSM_SALT_SIZE;
	ccsp_err ret = ccsp_sm3_kdf(z, n, key, 16);
	ccsp_memzero(z, sizeof z);
	return ret;
}

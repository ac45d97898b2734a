/* SPDX-License-Identifier: Apache-2.0 */
/*
 * device.key = "CCSPDK01" (8) | iv (12) | SM4-GCM(master key, AAD = magic)(d, 32) | tag (16)  — 68 bytes.
 * Sealed blobs: see chsm_keys.h.
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
	char *dir;
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

static int file_exists(const char *path)
{
	uint8_t *probe = NULL;
	size_t len;
	ccsp_err ret = ccsp_file_read_all(path, 1024, &probe, &len);
	free(probe);
	return ret != CCSP_ERR_FILE_NOT_FOUND;
}

/* device.key: a fresh SM2 key sealed under master. */
static ccsp_err create_device_key(const char *dpath, const uint8_t master[16])
{
	uint8_t d[32], sealed[DEVKEY_FILE_SIZE];
	ccsp_sm2_key *dev = ccsp_sm2_key_new();
	ccsp_err ret = dev != NULL ? ccsp_sm2_key_generate(dev) : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK)
		ret = ccsp_sm2_key_get_private(dev, d);
	if (ret == CCSP_OK)
		ret = seal_device_key(master, d, sealed);
	if (ret == CCSP_OK)
		ret = ccsp_atomic_write(dpath, sealed, sizeof sealed, 0600);
	ccsp_memzero(d, sizeof d);
	ccsp_sm2_key_free(dev);
	return ret;
}

ccsp_err chsm_keys_create_with(const char *dir, const uint8_t master[CHSM_MASTER_KEY_SIZE])
{
	char mpath[PATH_CAP], dpath[PATH_CAP];
	if (path_in(mpath, dir, "master.key") != 0 || path_in(dpath, dir, "device.key") != 0)
		return CCSP_ERR_ARG;
	if (file_exists(mpath) || file_exists(dpath))
		return CCSP_ERR_KEY_EXISTS;
	return create_device_key(dpath, master);
}

ccsp_err chsm_keys_create(const char *dir)
{
	char mpath[PATH_CAP], dpath[PATH_CAP];
	uint8_t master[16];
	if (path_in(mpath, dir, "master.key") != 0 || path_in(dpath, dir, "device.key") != 0)
		return CCSP_ERR_ARG;
	if (file_exists(mpath) || file_exists(dpath))
		return CCSP_ERR_KEY_EXISTS;
	ccsp_err ret = ccsp_random(master, sizeof master);
	if (ret == CCSP_OK)
		ret = ccsp_atomic_write(mpath, master, sizeof master, 0600);
	if (ret == CCSP_OK)
		ret = create_device_key(dpath, master);
	ccsp_memzero(master, sizeof master);
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
	    (k->device = ccsp_sm2_key_new()) == NULL || (k->dir = strdup(dir)) == NULL ||
	    path_in(dpath, dir, "device.key") != 0)
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
	free(k->dir);
	free(k);
}

const ccsp_sm2_key *chsm_keys_device(const chsm_keys *k)
{
	return k->device;
}

/* ---- sealed blobs ---- */

#define SEAL_MAGIC "CCSPSB01"
#define SEAL_AAD_MAX (8 + 128)

static ccsp_err seal_aad(const char *label, uint8_t aad[SEAL_AAD_MAX], size_t *len)
{
	size_t n = label != NULL ? strlen(label) : 0;
	if (n == 0 || n > SEAL_AAD_MAX - 8)
		return CCSP_ERR_ARG;
	memcpy(aad, SEAL_MAGIC, 8);
	memcpy(aad + 8, label, n);
	*len = 8 + n;
	return CCSP_OK;
}

ccsp_err chsm_keys_seal(const chsm_keys *k, const char *label, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t aad[SEAL_AAD_MAX];
	size_t aadlen;
	ccsp_sm4_key sk;
	if (k == NULL || in == NULL || out == NULL || len > CHSM_SEALED_MAX)
		return CCSP_ERR_ARG;
	ccsp_err ret = seal_aad(label, aad, &aadlen);
	if (ret == CCSP_OK)
		ret = ccsp_random(out + 8, 12);
	if (ret == CCSP_OK)
		ret = ccsp_sm4_set_key(&sk, k->master, CHSM_MASTER_KEY_SIZE);
	if (ret == CCSP_OK) {
		memcpy(out, SEAL_MAGIC, 8);
		ret = ccsp_sm4_gcm_encrypt(&sk, out + 8, 12, aad, aadlen, in, out + 20, len, out + 20 + len);
		ccsp_sm4_key_wipe(&sk);
	}
	return ret;
}

ccsp_err chsm_keys_unseal(const chsm_keys *k, const char *label, const uint8_t *in, size_t inlen, uint8_t *out)
{
	uint8_t aad[SEAL_AAD_MAX];
	size_t aadlen;
	ccsp_sm4_key sk;
	if (k == NULL || in == NULL || out == NULL)
		return CCSP_ERR_ARG;
	if (inlen < CHSM_SEALED_OVERHEAD || inlen > CHSM_SEALED_MAX + CHSM_SEALED_OVERHEAD ||
	    memcmp(in, SEAL_MAGIC, 8) != 0)
		return CCSP_ERR_TAMPERED;
	size_t len = inlen - CHSM_SEALED_OVERHEAD;
	ccsp_err ret = seal_aad(label, aad, &aadlen);
	if (ret == CCSP_OK)
		ret = ccsp_sm4_set_key(&sk, k->master, CHSM_MASTER_KEY_SIZE);
	if (ret == CCSP_OK) {
		ret = ccsp_sm4_gcm_decrypt(&sk, in + 8, 12, aad, aadlen, in + 20, out, len, in + 20 + len);
		ccsp_sm4_key_wipe(&sk);
	}
	return ret == CCSP_ERR_AUTH ? CCSP_ERR_TAMPERED : ret;
}

/* ---- the domain key ---- */

#define DOMAIN_LABEL "domain"

ccsp_err chsm_keys_domain_get(const chsm_keys *k, uint8_t key[CHSM_DOMAIN_KEY_SIZE])
{
	char path[PATH_CAP];
	uint8_t *file = NULL;
	size_t len = 0;
	if (k == NULL || key == NULL || path_in(path, k->dir, "domain.key") != 0)
		return CCSP_ERR_ARG;
	ccsp_err ret = ccsp_file_read_all(path, 256, &file, &len);
	if (ret == CCSP_ERR_FILE_NOT_FOUND)
		return CCSP_ERR_KEY_NOT_FOUND;
	if (ret == CCSP_OK)
		ret = len == CHSM_DOMAIN_KEY_SIZE + CHSM_SEALED_OVERHEAD ? chsm_keys_unseal(k, DOMAIN_LABEL, file, len, key)
		                                                          : CCSP_ERR_TAMPERED;
	free(file);
	return ret;
}

ccsp_err chsm_keys_domain_set(const chsm_keys *k, const uint8_t key[CHSM_DOMAIN_KEY_SIZE])
{
	char path[PATH_CAP];
	uint8_t cur[CHSM_DOMAIN_KEY_SIZE], sealed[CHSM_DOMAIN_KEY_SIZE + CHSM_SEALED_OVERHEAD];
	uint8_t id_cur[CHSM_DOMAIN_ID_SIZE], id_new[CHSM_DOMAIN_ID_SIZE];
	if (k == NULL || key == NULL || path_in(path, k->dir, "domain.key") != 0)
		return CCSP_ERR_ARG;
	ccsp_err ret = chsm_keys_domain_get(k, cur);
	if (ret == CCSP_OK) { /* compare the public ids, not the keys */
		ret = chsm_domain_id(cur, id_cur);
		if (ret == CCSP_OK)
			ret = chsm_domain_id(key, id_new);
		if (ret == CCSP_OK)
			ret = memcmp(id_cur, id_new, sizeof id_cur) == 0 ? CCSP_OK : CCSP_ERR_KEY_EXISTS;
	} else if (ret == CCSP_ERR_KEY_NOT_FOUND) {
		ret = chsm_keys_seal(k, DOMAIN_LABEL, key, CHSM_DOMAIN_KEY_SIZE, sealed);
		if (ret == CCSP_OK)
			ret = ccsp_atomic_write(path, sealed, sizeof sealed, 0600);
	}
	ccsp_memzero(cur, sizeof cur);
	return ret;
}

ccsp_err chsm_domain_id(const uint8_t key[CHSM_DOMAIN_KEY_SIZE], uint8_t id[CHSM_DOMAIN_ID_SIZE])
{
	static const char label[] = "ccsp chsm domain id";
	uint8_t buf[sizeof label - 1 + CHSM_DOMAIN_KEY_SIZE], h[32];
	memcpy(buf, label, sizeof label - 1);
	memcpy(buf + sizeof label - 1, key, CHSM_DOMAIN_KEY_SIZE);
	ccsp_err ret = ccsp_sm3(buf, sizeof buf, h);
	if (ret == CCSP_OK)
		memcpy(id, h, CHSM_DOMAIN_ID_SIZE);
	ccsp_memzero(buf, sizeof buf);
	return ret;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exportVSM / importVSM of the supervisor (chsm_vsm.h): a VSM's data into and out of an image's entries. The VSM
 * library binds none of its files to the VSM's id or directory (keystore and file area are sealed under the
 * storage key, the audit chain keyed from it), so data and storage key together are the VSM, wherever they go.
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

#include <ccsp/mem.h>

#include "chsm/chsm_image.h"
#include "chsm/chsm_vsm_internal.h"
#include "common/atomic_file.h"

#define DATA_MAX ((size_t)256 << 20) /* bytes of one VSM file read into an image */
#define FILE_ENTRY_HEX 64            /* the file area names its files by 64 hex digits (src/vsm/vsm_file.c) */

/* The files of a VSM directory that travel, each when it exists (a VSM that never held a key has no keystore
 * yet); everything else (vsmd.conf, sdf.conf, TLS key, admin socket, the record) belongs to the slot on this
 * CHSM. */
static const char *const data_files[] = {"keystore.bin", CHSM_TOKEN_FILE, "audit.log"};

/* dir/name into out (PATH_MAX): -1 when it does not fit. */
static int join(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
	return n > 0 && n < PATH_MAX ? 0 : -1;
}

static int entry_name(char *out, size_t cap, const char *prefix, const char *name)
{
	int n = snprintf(out, cap, "%s%s", prefix, name);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

static int is_file_entry(const char *name)
{
	return strlen(name) == FILE_ENTRY_HEX && strspn(name, "0123456789abcdef") == FILE_ENTRY_HEX;
}

/* ---- export ---- */

static ccsp_err add_file(chsm_image *im, const char *prefix, const char *dir, const char *name)
{
	char path[PATH_MAX], ename[CHSM_IMAGE_NAME_MAX + 1];
	uint8_t *buf = NULL;
	size_t len = 0;
	if (join(path, dir, name) != 0 || entry_name(ename, sizeof ename, prefix, name) != 0)
		return CCSP_ERR_ARG;
	ccsp_err ret = ccsp_file_read_all(path, DATA_MAX, &buf, &len);
	if (ret == CCSP_ERR_FILE_NOT_FOUND)
		return CCSP_OK; /* absent, or deleted meanwhile: not in the image */
	if (ret == CCSP_OK && strcmp(name, "audit.log") == 0)
		while (len > 0 && buf[len - 1] != '\n')
			len--; /* a record being appended right now is not part of the image */
	if (ret == CCSP_OK)
		ret = chsm_image_add(im, ename, buf, len);
	if (buf != NULL)
		ccsp_memzero(buf, len);
	free(buf);
	return ret;
}

static ccsp_err add_file_area(chsm_image *im, const char *prefix, const char *dir)
{
	char fdir[PATH_MAX], name[FILE_ENTRY_HEX + 8];
	if (join(fdir, dir, "files") != 0)
		return CCSP_ERR_ARG;
	DIR *d = opendir(fdir);
	if (d == NULL)
		return errno == ENOENT ? CCSP_OK : CCSP_ERR_IO;
	ccsp_err ret = CCSP_OK;
	for (struct dirent *de; ret == CCSP_OK && (de = readdir(d)) != NULL;) {
		if (!is_file_entry(de->d_name))
			continue; /* ".", "..", temporaries of a write in progress */
		if (snprintf(name, sizeof name, "files/%s", de->d_name) < (int)sizeof name)
			ret = add_file(im, prefix, dir, name);
	}
	(void)closedir(d);
	return ret;
}

static ccsp_err add_conf(chsm_image *im, const char *prefix, const chsm_entry *e, uint32_t flavor)
{
	char text[128], ename[CHSM_IMAGE_NAME_MAX + 1];
	int n = snprintf(text, sizeof text, "flavor = %u\nid = %s\n", flavor, e->id);
	if (entry_name(ename, sizeof ename, prefix, "vsm.conf") != 0)
		return CCSP_ERR_ARG;
	return chsm_image_add(im, ename, text, (size_t)n);
}

static ccsp_err add_storage_key(ccsp_chsm_sup *sup, chsm_image *im, const char *prefix, const chsm_entry *e)
{
	uint8_t key[CCSP_CHSM_VSM_KEY_SIZE];
	char ename[CHSM_IMAGE_NAME_MAX + 1];
	if (entry_name(ename, sizeof ename, prefix, "storage.key") != 0)
		return CCSP_ERR_ARG;
	pthread_mutex_lock(&sup->lock);
	ccsp_err ret = sup->cfg.get_storage_key(sup->cfg.key_arg, e->id, key);
	pthread_mutex_unlock(&sup->lock);
	if (ret == CCSP_OK)
		ret = chsm_image_add(im, ename, key, sizeof key);
	ccsp_memzero(key, sizeof key);
	return ret;
}

ccsp_err ccsp_chsm_vsm_export(ccsp_chsm_sup *sup, const char *id, chsm_image *im, const char *prefix)
{
	chsm_entry *e;
	if (sup == NULL || im == NULL || prefix == NULL)
		return CCSP_ERR_ARG;
	ccsp_err ret = chsm_op_begin(sup, id, CHSM_RUN_SAME, &e);
	if (ret != CCSP_OK)
		return ret;
	pthread_mutex_lock(&sup->lock);
	uint32_t flavor = e->meta.flavor;
	pthread_mutex_unlock(&sup->lock);
	ret = add_conf(im, prefix, e, flavor);
	if (ret == CCSP_OK)
		ret = add_storage_key(sup, im, prefix, e);
	for (size_t i = 0; ret == CCSP_OK && i < sizeof data_files / sizeof data_files[0]; i++)
		ret = add_file(im, prefix, e->dir, data_files[i]);
	if (ret == CCSP_OK)
		ret = add_file_area(im, prefix, e->dir);
	chsm_op_end(sup, e);
	return ret;
}

/* ---- import ---- */

/* The flavor in the image's vsm.conf; 0 when it is missing or malformed. */
static uint32_t image_flavor(const chsm_image *im, const char *prefix)
{
	char ename[CHSM_IMAGE_NAME_MAX + 1], text[256];
	size_t len;
	const uint8_t *conf;
	unsigned flavor = 0;
	if (entry_name(ename, sizeof ename, prefix, "vsm.conf") != 0 ||
	    (conf = chsm_image_find(im, ename, &len)) == NULL || len >= sizeof text)
		return 0;
	memcpy(text, conf, len);
	text[len] = '\0';
	for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n"))
		if (sscanf(line, "flavor = %u", &flavor) == 1)
			break;
	return ccsp_chsm_vsm_flavor(flavor, NULL, NULL, NULL, NULL) == CCSP_OK ? flavor : 0;
}

/* 1 when name (relative to the prefix) is one a VSM image may hold. */
static int expected(const char *name)
{
	if (strcmp(name, "vsm.conf") == 0 || strcmp(name, "storage.key") == 0)
		return 1;
	for (size_t i = 0; i < sizeof data_files / sizeof data_files[0]; i++)
		if (strcmp(name, data_files[i]) == 0)
			return 1;
	return strncmp(name, "files/", 6) == 0 && is_file_entry(name + 6);
}

int ccsp_chsm_vsm_image_valid(const chsm_image *im, const char *prefix)
{
	char ename[CHSM_IMAGE_NAME_MAX + 1];
	size_t plen = prefix != NULL ? strlen(prefix) : 0, len, keylen = 0;
	const uint8_t *data;
	if (im == NULL || prefix == NULL || image_flavor(im, prefix) == 0 ||
	    entry_name(ename, sizeof ename, prefix, "storage.key") != 0 || chsm_image_find(im, ename, &keylen) == NULL ||
	    keylen != CCSP_CHSM_VSM_KEY_SIZE)
		return 0;
	for (size_t i = 0; i < chsm_image_count(im); i++) {
		const char *name = chsm_image_entry(im, i, &data, &len);
		if (strncmp(name, prefix, plen) == 0 && !expected(name + plen))
			return 0;
	}
	return 1;
}

/* Copy the file name of the slot's directory src into dst (with its mode). */
static ccsp_err copy_slot_file(const char *src, const char *dst, const char *name)
{
	char from[PATH_MAX], to[PATH_MAX];
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0;
	if (join(from, src, name) != 0 || join(to, dst, name) != 0)
		return CCSP_ERR_ARG;
	if (stat(from, &st) != 0)
		return errno == ENOENT ? CCSP_OK : CCSP_ERR_IO;
	ccsp_err ret = ccsp_file_read_all(from, 1 << 20, &buf, &len);
	if (ret == CCSP_OK)
		ret = ccsp_atomic_write(to, buf, len, st.st_mode & 0777);
	if (buf != NULL)
		ccsp_memzero(buf, len); /* the TLS private key */
	free(buf);
	return ret;
}

/* The staging directory: the slot's own files, the image's data, the key, the flavor. */
static ccsp_err stage(ccsp_chsm_sup *sup, const chsm_entry *e, const chsm_image *im, const char *prefix,
                      const char *dir, uint32_t flavor)
{
	static const char *const slot_files[] = {CHSM_VSMD_CONF, CHSM_SDF_CONF, "tls-cert.pem", "tls-key.pem",
	                                         "tlcp-sign.pem", "tlcp-sign.key", "tlcp-enc.pem", "tlcp-enc.key"};
	char path[PATH_MAX], ename[CHSM_IMAGE_NAME_MAX + 1], v[4][16];
	size_t plen = strlen(prefix), len;
	const uint8_t *data;
	uint32_t lim[4];
	ccsp_err ret = CCSP_OK;
	if (join(path, dir, "files") != 0)
		return CCSP_ERR_ARG;
	if (mkdir(dir, 0700) != 0 || mkdir(path, 0700) != 0)
		return CCSP_ERR_IO;
	for (size_t i = 0; ret == CCSP_OK && i < sizeof slot_files / sizeof slot_files[0]; i++)
		ret = copy_slot_file(e->dir, dir, slot_files[i]);
	for (size_t i = 0; ret == CCSP_OK && i < chsm_image_count(im); i++) {
		const char *name = chsm_image_entry(im, i, &data, &len);
		if (strncmp(name, prefix, plen) != 0 || strcmp(name + plen, "vsm.conf") == 0 ||
		    strcmp(name + plen, "storage.key") == 0)
			continue;
		ret = join(path, dir, name + plen) == 0 ? ccsp_atomic_write(path, data, len, 0600) : CCSP_ERR_ARG;
	}
	if (ret == CCSP_OK && entry_name(ename, sizeof ename, prefix, "storage.key") == 0 &&
	    (data = chsm_image_find(im, ename, &len)) != NULL)
		ret = sup->cfg.store_storage_key(sup->cfg.key_arg, dir, e->id, data);
	if (ret == CCSP_OK)
		ret = ccsp_chsm_vsm_flavor(flavor, &lim[0], &lim[1], &lim[2], &lim[3]);
	for (int i = 0; ret == CCSP_OK && i < 4; i++)
		snprintf(v[i], sizeof v[i], "%u", lim[i]);
	const char *keys[] = {"workers", "max_sessions", "max_index", "max_connections"};
	const char *vals[] = {v[0], v[1], v[2], v[3]};
	if (ret == CCSP_OK)
		ret = join(path, dir, CHSM_VSMD_CONF) == 0 ? chsm_conf_set(path, keys, vals, 4) : CCSP_ERR_ARG;
	chsm_meta m = e->meta;
	m.flavor = flavor;
	if (ret == CCSP_OK) /* the record last, as at create */
		ret = chsm_meta_write(dir, &m);
	return ret;
}

/* Swap the directories a and b atomically and make it durable. */
static ccsp_err exchange(const char *root, const char *a, const char *b)
{
	if (renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) != 0)
		return CCSP_ERR_IO;
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ok = fd >= 0 && fsync(fd) == 0;
	if (fd >= 0)
		(void)close(fd);
	return ok ? CCSP_OK : CCSP_ERR_IO;
}

static void publish(ccsp_chsm_sup *sup, chsm_entry *e, uint32_t flavor)
{
	char path[sizeof e->dir + 16];
	snprintf(path, sizeof path, "%s/" CHSM_TOKEN_FILE, e->dir);
	int token_set = access(path, F_OK) == 0;
	pthread_mutex_lock(&sup->lock);
	e->meta.flavor = flavor;
	e->token_set = token_set;
	pthread_mutex_unlock(&sup->lock);
}

/* With the VSM busy: swap in the staged directory, start it, swap back if it does not come up. */
static ccsp_err swap_in(ccsp_chsm_sup *sup, chsm_entry *e, const char *staged, uint32_t flavor)
{
	pthread_mutex_lock(&sup->lock);
	uint32_t old_flavor = e->meta.flavor;
	int run = e->meta.run;
	pthread_mutex_unlock(&sup->lock);
	chsm_halt(sup, e);
	ccsp_err ret = exchange(sup->vsm_root, staged, e->dir);
	if (ret != CCSP_OK) { /* nothing swapped: the old data runs again */
		if (run)
			(void)chsm_start_and_wait(sup, e);
		return ret;
	}
	publish(sup, e, flavor);
	pthread_mutex_lock(&sup->lock);
	chsm_event(sup, e, "vsm.import", "flavor=%u", flavor);
	pthread_mutex_unlock(&sup->lock);
	if (!run || chsm_start_and_wait(sup, e) == CCSP_OK)
		return CCSP_OK;
	chsm_halt(sup, e); /* the image's data does not start: back to the old data */
	ret = exchange(sup->vsm_root, staged, e->dir);
	publish(sup, e, ret == CCSP_OK ? old_flavor : flavor);
	pthread_mutex_lock(&sup->lock);
	chsm_event(sup, e, "vsm.import", "%s", ret == CCSP_OK ? "rolled back" : "rollback failed");
	pthread_mutex_unlock(&sup->lock);
	(void)chsm_start_and_wait(sup, e);
	return CCSP_ERR_MODULE_STATE;
}

ccsp_err ccsp_chsm_vsm_import(ccsp_chsm_sup *sup, const char *id, const chsm_image *im, const char *prefix,
                              int replace_in_use)
{
	char staged[PATH_MAX];
	chsm_entry *e;
	if (sup == NULL || !ccsp_chsm_vsm_image_valid(im, prefix))
		return sup == NULL ? CCSP_ERR_ARG : CCSP_ERR_DECODE;
	uint32_t flavor = image_flavor(im, prefix);
	ccsp_err ret = chsm_op_begin(sup, id, CCSP_CHSM_VSM_IMPORTING, &e);
	if (ret != CCSP_OK)
		return ret;
	pthread_mutex_lock(&sup->lock);
	int in_use = e->token_set && !replace_in_use;
	pthread_mutex_unlock(&sup->lock);
	snprintf(staged, sizeof staged, "%s/" CHSM_IMPORT_PREFIX "%s", sup->vsm_root, e->id);
	ccsp_err sret = chsm_dir_shred(staged); /* a leftover of an earlier attempt (usually none) */
	if (in_use)
		ret = CCSP_ERR_ACCESS_DENIED;
	else
		ret = stage(sup, e, im, prefix, staged, flavor);
	if (ret == CCSP_OK)
		ret = swap_in(sup, e, staged, flavor);
	sret = chsm_dir_shred(staged); /* the old data after a swap, the new one otherwise */
	(void)sret;
	chsm_op_end(sup, e);
	return ret;
}

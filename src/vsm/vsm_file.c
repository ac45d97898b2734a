/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The GM/T 0018 file area (6.7) of a VSM: DIR/files/, one file per SDF file. Integers are big-endian.
 *
 *     on-disk name = hex(id), 64 lowercase hex digits, id = HMAC-SM3(file key, "ccsp vsm file name" 0x00 || name)
 *     file         = magic "CCSPFL01" (8) | iv (12, fresh from ccsp_random for every write) | ct | tag (16)
 *     ct, tag      = SM4-GCM (GB/T 36624) under the file key of the plaintext, AAD = magic || id
 *     plaintext    = name length u8 | name (128 bytes, zero-padded) | size u32 | content (size bytes)
 *
 * The name is thus neither on disk nor in the audit log (file.create/file.delete/file.tampered record the first
 * 8 hex digits of the id), and even its length does not show: a file is exactly FILE_OVERHEAD + size bytes.
 * Any byte string of 1..128 bytes is a valid name. The AAD binds a file to its on-disk name, and the name and
 * size are checked again inside the plaintext: a file copied or renamed over another one does not verify.
 *
 * Index: in memory only (id -> size), for the quotas and the existence checks, rebuilt at open by listing the
 * directory; the size of each file follows from its length, so opening reads and decrypts nothing. This is
 * the simpler robust design: there is no second file (an encrypted index) that a crash could leave out of
 * step with the files, and each file stands alone. A file is checked when it is used: every read and write
 * decrypts the whole file (files are small: max_file_size, default 1 MiB) and refuses it, CCSP_ERR_TAMPERED
 * (audited once per refusal as file.tampered), unless its length is the index's, the tag verifies and the
 * plaintext holds the same name and size. One bad file never puts the module in its error state: only that
 * file is refused. DeleteFile needs no decryption, so it removes a bad file, and the name can then be created
 * again. A directory entry that is not a regular file with a 64-hex-digit name is not indexed (temporaries of
 * a crashed write, "<hex>.tmp-XXXXXX", are removed at open); a file whose length is impossible (shorter than
 * FILE_OVERHEAD, or beyond max_file_size) is indexed with size 0 and refused when used.
 *
 * Writes: WriteFile is a read-modify-write of the whole file: decrypt and check, patch, encrypt again with a
 * fresh IV, replace with ccsp_atomic_write (mode 0600); a crash leaves the old file or the new one. What the
 * tag cannot show is the replacement of a file by an older copy of itself (by someone with write access to
 * DIR): as for the keystore, the area protects the confidentiality and integrity of files, not their freshness.
 *
 * Thread safety: one mutex for the area, held for a whole operation, I/O included (files are small).
 * Plaintext buffers are wiped before they are freed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>
#include <ccsp/sm3.h>
#include <ccsp/sm4.h>

#include "common/atomic_file.h"
#include "vsm/vsm_internal.h"

#define FILES_DIR "files"
#define FILE_MAGIC "CCSPFL01"
#define FILE_MAGIC_SIZE 8
#define FILE_IV_SIZE 12
#define FILE_TAG_SIZE CCSP_SM4_GCM_TAG_SIZE
#define FILE_ID_SIZE CCSP_SM3_DIGEST_SIZE
#define FILE_HEX_SIZE (2 * FILE_ID_SIZE)
#define FILE_HEAD_SIZE (FILE_MAGIC_SIZE + FILE_IV_SIZE)
#define PT_HEAD_SIZE (1 + CCSP_VSM_FILE_NAME_MAX + 4) /* name length, name, size */
#define FILE_OVERHEAD (FILE_HEAD_SIZE + PT_HEAD_SIZE + FILE_TAG_SIZE)
#define FILE_AAD_SIZE (FILE_MAGIC_SIZE + FILE_ID_SIZE)
#define TMP_SUFFIX ".tmp-" /* ccsp_atomic_write's temporaries: "<path>.tmp-XXXXXX" */
#define ENTRY_NAME_MAX (FILE_HEX_SIZE + 32) /* longest directory entry the area builds a path for */

static const char NAME_LABEL[] = "ccsp vsm file name"; /* hashed with its terminating zero */

typedef struct file_entry {
	uint8_t id[FILE_ID_SIZE];
	uint32_t size;
} file_entry;

struct vsm_file_area {
	pthread_mutex_t lock;
	ccsp_sm4_key key; /* expanded file key: the struct lives in secure memory */
	char *dir;        /* DIR/files */
	char *path;       /* room for DIR/files/<entry name>, used under the lock */
	file_entry *v;    /* the index */
	uint32_t n, cap;
	uint64_t used;    /* sum of the sizes in the index */
};

/* Shorthands for functions with one cleanup exit: set `ret`, jump to `out` on failure. */
#define F_CHECK(expr)                                                                              \
	do {                                                                                       \
		ret = (expr);                                                                      \
		if (ret != CCSP_OK)                                                                \
			goto out;                                                                  \
	} while (0)
#define F_ENSURE(cond, err)                                                                        \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			ret = (err);                                                               \
			goto out;                                                                  \
		}                                                                                  \
	} while (0)

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wipe_free(uint8_t *p, size_t len)
{
	if (p != NULL)
		ccsp_memzero(p, len);
	free(p);
}

/* ---- names ---- */

static void id_hex(const uint8_t id[FILE_ID_SIZE], char hex[FILE_HEX_SIZE + 1])
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < FILE_ID_SIZE; i++) {
		hex[2 * i] = digits[id[i] >> 4];
		hex[2 * i + 1] = digits[id[i] & 15];
	}
	hex[FILE_HEX_SIZE] = '\0';
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Whether s starts with 64 lowercase hex digits; if so their value in id. */
static int hex_id(const char *s, uint8_t id[FILE_ID_SIZE])
{
	for (size_t i = 0; i < FILE_ID_SIZE; i++) {
		int hi = hex_digit(s[2 * i]), lo = hi < 0 ? -1 : hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return 0;
		id[i] = (uint8_t)(hi << 4 | lo);
	}
	return 1;
}

static ccsp_err name_id(const ccsp_vsm *vsm, const uint8_t *name, size_t namelen, uint8_t id[FILE_ID_SIZE])
{
	ccsp_hmac_sm3_ctx h;
	ccsp_err ret;
	F_CHECK(ccsp_hmac_sm3_init(&h, VSM_FILE_KEY(vsm), CCSP_SM4_KEY_SIZE));
	F_CHECK(ccsp_hmac_sm3_update(&h, NAME_LABEL, sizeof NAME_LABEL));
	F_CHECK(ccsp_hmac_sm3_update(&h, name, namelen));
	F_CHECK(ccsp_hmac_sm3_final(&h, id));
out:
	ccsp_memzero(&h, sizeof h);
	return ret;
}

/* DIR/files/<entry>, in the area's buffer (valid until the next call, under the lock). */
static const char *area_path(vsm_file_area *a, const char *entry)
{
	snprintf(a->path, strlen(a->dir) + 1 + ENTRY_NAME_MAX + 1, "%s/%s", a->dir, entry);
	return a->path;
}

static const char *id_path(vsm_file_area *a, const uint8_t id[FILE_ID_SIZE])
{
	char hex[FILE_HEX_SIZE + 1];
	id_hex(id, hex);
	return area_path(a, hex);
}

/* ---- the index ---- */

static file_entry *find(vsm_file_area *a, const uint8_t id[FILE_ID_SIZE])
{
	for (uint32_t i = 0; i < a->n; i++)
		if (memcmp(a->v[i].id, id, FILE_ID_SIZE) == 0)
			return &a->v[i];
	return NULL;
}

/* Room for one more entry, so that adding after a successful write cannot fail. */
static ccsp_err reserve(vsm_file_area *a)
{
	if (a->n < a->cap)
		return CCSP_OK;
	if (a->cap > UINT32_MAX / 2)
		return CCSP_ERR_LIMIT;
	uint32_t cap = a->cap == 0 ? 16 : 2 * a->cap;
	file_entry *v = realloc(a->v, (size_t)cap * sizeof *v);
	if (v == NULL)
		return CCSP_ERR_NOMEM;
	a->v = v;
	a->cap = cap;
	return CCSP_OK;
}

static void add(vsm_file_area *a, const uint8_t id[FILE_ID_SIZE], uint32_t size)
{
	memcpy(a->v[a->n].id, id, FILE_ID_SIZE);
	a->v[a->n].size = size;
	a->n++;
	a->used += size;
}

static void drop(vsm_file_area *a, file_entry *e)
{
	a->used -= e->size;
	*e = a->v[--a->n];
	memset(&a->v[a->n], 0, sizeof a->v[a->n]);
}

/* ---- one file: seal and store, load and check ---- */

static void aad_of(const uint8_t id[FILE_ID_SIZE], uint8_t aad[FILE_AAD_SIZE])
{
	memcpy(aad, FILE_MAGIC, FILE_MAGIC_SIZE);
	memcpy(aad + FILE_MAGIC_SIZE, id, FILE_ID_SIZE);
}

/* buf: FILE_OVERHEAD + size bytes with the plaintext at FILE_HEAD_SIZE; encrypted in place and stored. */
static ccsp_err store(vsm_file_area *a, const uint8_t id[FILE_ID_SIZE], uint8_t *buf, uint32_t size)
{
	ccsp_err ret;
	uint8_t aad[FILE_AAD_SIZE];
	size_t ptlen = PT_HEAD_SIZE + (size_t)size;
	uint8_t *body = buf + FILE_HEAD_SIZE;
	aad_of(id, aad);
	memcpy(buf, FILE_MAGIC, FILE_MAGIC_SIZE);
	F_CHECK(ccsp_random(buf + FILE_MAGIC_SIZE, FILE_IV_SIZE));
	F_CHECK(ccsp_sm4_gcm_encrypt(&a->key, buf + FILE_MAGIC_SIZE, FILE_IV_SIZE, aad, sizeof aad, body, body, ptlen,
	                             body + ptlen));
	F_CHECK(ccsp_atomic_write(id_path(a, id), buf, FILE_OVERHEAD + (size_t)size, 0600));
out:
	return ret;
}

static void put_head(uint8_t *pt, const uint8_t *name, size_t namelen, uint32_t size)
{
	pt[0] = (uint8_t)namelen;
	memcpy(pt + 1, name, namelen);
	memset(pt + 1 + namelen, 0, CCSP_VSM_FILE_NAME_MAX - namelen);
	put_be32(pt + 1 + CCSP_VSM_FILE_NAME_MAX, size);
}

/* The plaintext's head names this file: same name, zero padding, the index's size. */
static int head_matches(const uint8_t *pt, const uint8_t *name, size_t namelen, uint32_t size)
{
	uint8_t pad = 0;
	if (pt[0] != namelen || memcmp(pt + 1, name, namelen) != 0)
		return 0;
	for (size_t i = 1 + namelen; i < 1 + CCSP_VSM_FILE_NAME_MAX; i++)
		pad |= pt[i];
	return pad == 0 && get_be32(pt + 1 + CCSP_VSM_FILE_NAME_MAX) == size;
}

/* Read, decrypt in place and check the file of e: *buf (FILE_OVERHEAD + e->size bytes, plaintext at
 * FILE_HEAD_SIZE; wipe_free it). CCSP_ERR_TAMPERED when it is not exactly what this VSM wrote for name. */
static ccsp_err load(vsm_file_area *a, const file_entry *e, const uint8_t *name, size_t namelen, uint8_t **buf)
{
	ccsp_err ret;
	uint8_t aad[FILE_AAD_SIZE];
	uint8_t *file = NULL, *body;
	size_t flen = 0, total = FILE_OVERHEAD + (size_t)e->size, ptlen = PT_HEAD_SIZE + (size_t)e->size;

	ret = ccsp_file_read_all(id_path(a, e->id), total, &file, &flen);
	/* indexed but gone, or grown beyond its size: changed behind the VSM's back */
	F_ENSURE(ret != CCSP_ERR_FILE_NOT_FOUND && ret != CCSP_ERR_LIMIT, CCSP_ERR_TAMPERED);
	F_CHECK(ret);
	F_ENSURE(flen == total && memcmp(file, FILE_MAGIC, FILE_MAGIC_SIZE) == 0, CCSP_ERR_TAMPERED);
	aad_of(e->id, aad);
	body = file + FILE_HEAD_SIZE;
	ret = ccsp_sm4_gcm_decrypt(&a->key, file + FILE_MAGIC_SIZE, FILE_IV_SIZE, aad, sizeof aad, body, body, ptlen,
	                           body + ptlen);
	F_ENSURE(ret != CCSP_ERR_AUTH, CCSP_ERR_TAMPERED);
	F_CHECK(ret);
	F_ENSURE(head_matches(body, name, namelen, e->size), CCSP_ERR_TAMPERED);
	*buf = file;
	file = NULL;
out:
	wipe_free(file, flen);
	return ret;
}

/* fsync DIR/files, so that an unlink in it is durable. */
static ccsp_err sync_dir(const vsm_file_area *a)
{
	int fd = open(a->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return CCSP_ERR_IO;
	int r = fsync(fd);
	close(fd);
	return r == 0 ? CCSP_OK : CCSP_ERR_IO;
}

/* ---- operations, under the lock ---- */

static ccsp_err create_locked(ccsp_vsm *vsm, const uint8_t *name, size_t namelen, const uint8_t id[FILE_ID_SIZE],
                              uint32_t size)
{
	vsm_file_area *a = vsm->files;
	const ccsp_vsm_limits *lim = &vsm->lim;
	size_t total = FILE_OVERHEAD + (size_t)size;
	uint8_t *buf = NULL;
	ccsp_err ret;

	F_ENSURE(find(a, id) == NULL, CCSP_ERR_FILE_EXISTS);
	F_ENSURE(size <= lim->max_file_size && a->n < lim->max_files && a->used + size <= lim->file_quota,
	         CCSP_ERR_LIMIT);
	F_CHECK(reserve(a));
	buf = calloc(1, total); /* the content of a new file: size zero bytes */
	F_ENSURE(buf != NULL, CCSP_ERR_NOMEM);
	put_head(buf + FILE_HEAD_SIZE, name, namelen, size);
	F_CHECK(store(a, id, buf, size));
	add(a, id, size);
out:
	wipe_free(buf, total);
	return ret;
}

static ccsp_err read_locked(vsm_file_area *a, const uint8_t *name, size_t namelen, const uint8_t id[FILE_ID_SIZE],
                            uint32_t offset, uint8_t *out, size_t *len)
{
	const file_entry *e = find(a, id);
	uint8_t *buf = NULL;
	size_t n;
	ccsp_err ret;

	F_ENSURE(e != NULL, CCSP_ERR_FILE_NOT_FOUND);
	F_ENSURE(offset <= e->size, CCSP_ERR_FILE_OFFSET);
	n = *len < (size_t)(e->size - offset) ? *len : (size_t)(e->size - offset);
	F_CHECK(load(a, e, name, namelen, &buf));
	if (n != 0) /* out may be NULL then */
		memcpy(out, buf + FILE_HEAD_SIZE + PT_HEAD_SIZE + offset, n);
	*len = n;
out:
	if (buf != NULL)
		wipe_free(buf, FILE_OVERHEAD + (size_t)e->size);
	return ret;
}

static ccsp_err write_locked(vsm_file_area *a, const uint8_t *name, size_t namelen, const uint8_t id[FILE_ID_SIZE],
                             uint32_t offset, const uint8_t *in, size_t len)
{
	const file_entry *e = find(a, id);
	uint8_t *buf = NULL;
	ccsp_err ret;

	F_ENSURE(e != NULL, CCSP_ERR_FILE_NOT_FOUND);
	F_ENSURE(offset <= e->size && len <= (size_t)(e->size - offset), CCSP_ERR_FILE_OFFSET);
	if (len == 0)
		return CCSP_OK; /* nothing to change */
	F_CHECK(load(a, e, name, namelen, &buf));
	memcpy(buf + FILE_HEAD_SIZE + PT_HEAD_SIZE + offset, in, len);
	F_CHECK(store(a, id, buf, e->size));
out:
	if (buf != NULL)
		wipe_free(buf, FILE_OVERHEAD + (size_t)e->size);
	return ret;
}

/* The file is removed from the index once it is gone from the directory, even when the directory's fsync fails
 * (CCSP_ERR_IO: the deletion's durability is then unknown, as for ccsp_atomic_write). */
static ccsp_err delete_locked(vsm_file_area *a, const uint8_t id[FILE_ID_SIZE])
{
	file_entry *e = find(a, id);
	if (e == NULL)
		return CCSP_ERR_FILE_NOT_FOUND;
	if (unlink(id_path(a, id)) != 0 && errno != ENOENT)
		return CCSP_ERR_IO;
	drop(a, e);
	return sync_dir(a);
}

/* ---- the services ---- */

static ccsp_err file_begin(ccsp_vsm_session *s, const uint8_t *name, size_t namelen, uint8_t id[FILE_ID_SIZE])
{
	ccsp_err ret = vsm_ready(s->vsm);
	if (ret != CCSP_OK)
		return ret;
	if (name == NULL || namelen == 0 || namelen > CCSP_VSM_FILE_NAME_MAX)
		return CCSP_ERR_ARG;
	return name_id(s->vsm, name, namelen, id);
}

/* What the audit log records of a file: the first 8 hex digits of its id (names are not secret, but may be
 * sensitive). */
static void id_short(const uint8_t id[FILE_ID_SIZE], char out[9])
{
	char hex[FILE_HEX_SIZE + 1];
	id_hex(id, hex);
	memcpy(out, hex, 8);
	out[8] = '\0';
}

static ccsp_err file_end(ccsp_vsm *vsm, ccsp_err ret, const uint8_t id[FILE_ID_SIZE])
{
	char h[9];
	if (ret == CCSP_ERR_TAMPERED) {
		id_short(id, h);
		ccsp_vsm_audit_event(vsm, "file.tampered", "file=%s", h);
	}
	return ret;
}

ccsp_err ccsp_vsm_file_create(ccsp_vsm_session *s, const uint8_t *name, size_t namelen, uint32_t size)
{
	uint8_t id[FILE_ID_SIZE];
	char h[9];
	ccsp_err ret = file_begin(s, name, namelen, id);
	if (ret != CCSP_OK)
		return ret;
	pthread_mutex_lock(&s->vsm->files->lock);
	ret = create_locked(s->vsm, name, namelen, id, size);
	pthread_mutex_unlock(&s->vsm->files->lock);
	if (ret == CCSP_OK) {
		id_short(id, h);
		ccsp_vsm_audit_event(s->vsm, "file.create", "file=%s size=%u", h, size);
	}
	return ret;
}

ccsp_err ccsp_vsm_file_read(ccsp_vsm_session *s, const uint8_t *name, size_t namelen, uint32_t offset, uint8_t *out,
                            size_t *len)
{
	uint8_t id[FILE_ID_SIZE];
	if (len == NULL || (out == NULL && *len != 0))
		return CCSP_ERR_ARG;
	ccsp_err ret = file_begin(s, name, namelen, id);
	if (ret != CCSP_OK)
		return ret;
	pthread_mutex_lock(&s->vsm->files->lock);
	ret = read_locked(s->vsm->files, name, namelen, id, offset, out, len);
	pthread_mutex_unlock(&s->vsm->files->lock);
	return file_end(s->vsm, ret, id);
}

ccsp_err ccsp_vsm_file_write(ccsp_vsm_session *s, const uint8_t *name, size_t namelen, uint32_t offset,
                             const uint8_t *in, size_t len)
{
	uint8_t id[FILE_ID_SIZE];
	if (in == NULL && len != 0)
		return CCSP_ERR_ARG;
	ccsp_err ret = file_begin(s, name, namelen, id);
	if (ret != CCSP_OK)
		return ret;
	pthread_mutex_lock(&s->vsm->files->lock);
	ret = write_locked(s->vsm->files, name, namelen, id, offset, in, len);
	pthread_mutex_unlock(&s->vsm->files->lock);
	return file_end(s->vsm, ret, id);
}

ccsp_err ccsp_vsm_file_delete(ccsp_vsm_session *s, const uint8_t *name, size_t namelen)
{
	uint8_t id[FILE_ID_SIZE];
	char h[9];
	ccsp_err ret = file_begin(s, name, namelen, id);
	if (ret != CCSP_OK)
		return ret;
	pthread_mutex_lock(&s->vsm->files->lock);
	ret = delete_locked(s->vsm->files, id);
	pthread_mutex_unlock(&s->vsm->files->lock);
	if (ret == CCSP_OK) {
		id_short(id, h);
		ccsp_vsm_audit_event(s->vsm, "file.delete", "file=%s", h);
	}
	return ret;
}

/* ---- open, wipe, free ---- */

/* One directory entry at open: index a file, remove a crashed write's temporary, ignore anything else. */
static ccsp_err scan_entry(vsm_file_area *a, int dfd, const char *entry, uint32_t max_file_size)
{
	uint8_t id[FILE_ID_SIZE];
	struct stat st;
	size_t len = strlen(entry);
	if (len < FILE_HEX_SIZE || !hex_id(entry, id))
		return CCSP_OK;
	if (len > FILE_HEX_SIZE) {
		if (len <= ENTRY_NAME_MAX && strncmp(entry + FILE_HEX_SIZE, TMP_SUFFIX, strlen(TMP_SUFFIX)) == 0)
			(void)unlinkat(dfd, entry, 0); /* never acknowledged; best effort */
		return CCSP_OK;
	}
	if (fstatat(dfd, entry, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return CCSP_ERR_IO;
	if (!S_ISREG(st.st_mode))
		return CCSP_OK;
	uint64_t size = (uint64_t)st.st_size;
	/* an impossible length: indexed (the name is taken) with size 0, refused as tampered when used */
	size = size < FILE_OVERHEAD || size - FILE_OVERHEAD > max_file_size ? 0 : size - FILE_OVERHEAD;
	ccsp_err ret = reserve(a);
	if (ret == CCSP_OK && find(a, id) == NULL)
		add(a, id, (uint32_t)size);
	return ret;
}

static ccsp_err scan(vsm_file_area *a, uint32_t max_file_size)
{
	ccsp_err ret = CCSP_OK;
	DIR *d = opendir(a->dir);
	if (d == NULL)
		return CCSP_ERR_IO;
	struct dirent *de;
	errno = 0;
	while (ret == CCSP_OK && (de = readdir(d)) != NULL)
		ret = scan_entry(a, dirfd(d), de->d_name, max_file_size);
	if (ret == CCSP_OK && errno != 0)
		ret = CCSP_ERR_IO; /* readdir failed */
	closedir(d);
	return ret;
}

/* DIR/files: created (0700) when missing; must be a directory (a symbolic link is refused). */
static ccsp_err make_dir(const char *dir)
{
	struct stat st;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return CCSP_ERR_IO;
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return CCSP_ERR_IO;
	return CCSP_OK;
}

static ccsp_err area_init(vsm_file_area *a, const ccsp_vsm *vsm)
{
	size_t dlen = strlen(vsm->dir) + 1 + sizeof FILES_DIR;
	ccsp_err ret;
	a->dir = malloc(dlen);
	a->path = malloc(dlen + 1 + ENTRY_NAME_MAX + 1);
	F_ENSURE(a->dir != NULL && a->path != NULL, CCSP_ERR_NOMEM);
	snprintf(a->dir, dlen, "%s/%s", vsm->dir, FILES_DIR);
	F_CHECK(ccsp_sm4_set_key(&a->key, VSM_FILE_KEY(vsm), CCSP_SM4_KEY_SIZE));
	F_CHECK(make_dir(a->dir));
	F_CHECK(scan(a, vsm->lim.max_file_size));
out:
	return ret;
}

ccsp_err vsm_files_open(ccsp_vsm *vsm)
{
	vsm_file_area *a = ccsp_secure_alloc(sizeof *a);
	if (a == NULL)
		return CCSP_ERR_NOMEM;
	pthread_mutex_init(&a->lock, NULL);
	vsm->files = a; /* from here vsm_files_free releases it, whatever happens below */
	return area_init(a, vsm);
}

void vsm_files_free(ccsp_vsm *vsm)
{
	vsm_file_area *a = vsm->files;
	if (a == NULL)
		return;
	ccsp_sm4_key_wipe(&a->key);
	if (a->v != NULL)
		ccsp_memzero(a->v, (size_t)a->cap * sizeof *a->v);
	free(a->v);
	free(a->path);
	free(a->dir);
	pthread_mutex_destroy(&a->lock);
	ccsp_secure_free(a);
	vsm->files = NULL;
}

/* Delete every entry of DIR/files (files, temporaries, anything else) and empty the index. */
static ccsp_err wipe_locked(vsm_file_area *a)
{
	ccsp_err ret = CCSP_OK;
	DIR *d = opendir(a->dir);
	if (d == NULL)
		return CCSP_ERR_IO;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) != 0 && errno != ENOENT)
			ret = CCSP_ERR_IO;
	}
	closedir(d);
	if (a->v != NULL)
		ccsp_memzero(a->v, (size_t)a->cap * sizeof *a->v);
	a->n = 0;
	a->used = 0;
	ccsp_err sret = sync_dir(a);
	return ret != CCSP_OK ? ret : sret;
}

ccsp_err vsm_files_wipe(ccsp_vsm *vsm)
{
	vsm_file_area *a = vsm->files;
	if (a == NULL)
		return CCSP_ERR_STATE;
	pthread_mutex_lock(&a->lock);
	ccsp_err ret = wipe_locked(a);
	pthread_mutex_unlock(&a->lock);
	return ret;
}

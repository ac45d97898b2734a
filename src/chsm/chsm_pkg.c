/* SPDX-License-Identifier: Apache-2.0 */
/* Upgrade packages: the bounded parser, the writer and staging into a directory (format in chsm_pkg.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chsm/chsm_pkg.h"

static const char *const allowed[CHSM_PKG_ENTRIES_MAX] = {"chsmd", "chsmd.hmac", "vsmd", "vsmd.hmac"};

#define MODE_MAX 0777u
#define ENTRY_HEAD_MAX (1 + CHSM_PKG_NAME_MAX + 4 + 8)

int chsm_pkg_version_valid(const char *v)
{
	static const char ok[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._+-";
	size_t n = v != NULL ? strnlen(v, CHSM_PKG_VERSION_MAX + 1) : 0;
	return n >= 1 && n <= CHSM_PKG_VERSION_MAX && v[0] >= '0' && v[0] <= '9' && strspn(v, ok) == n;
}

int chsm_pkg_name_allowed(const char *name)
{
	for (size_t i = 0; name != NULL && i < CHSM_PKG_ENTRIES_MAX; i++)
		if (strcmp(name, allowed[i]) == 0)
			return 1;
	return 0;
}

/* ---- the bounded reader: pointer + length + cursor ---- */

typedef struct rd {
	const uint8_t *p;
	size_t len, off;
} rd;

static int rd_take(rd *r, size_t n, const uint8_t **out)
{
	if (n > r->len - r->off)
		return -1;
	*out = r->p + r->off;
	r->off += n;
	return 0;
}

static int rd_uint(rd *r, size_t n, uint64_t *v)
{
	const uint8_t *b;
	if (rd_take(r, n, &b) != 0)
		return -1;
	*v = 0;
	for (size_t i = 0; i < n; i++)
		*v = (*v << 8) | b[i];
	return 0;
}

/* A length-prefixed (u8) text of 1..max characters into out (NUL-terminated); NUL bytes are refused. */
static int rd_text(rd *r, size_t max, char *out)
{
	uint64_t n;
	const uint8_t *b;
	if (rd_uint(r, 1, &n) != 0 || n == 0 || n > max || rd_take(r, (size_t)n, &b) != 0 || memchr(b, 0, n) != NULL)
		return -1;
	memcpy(out, b, (size_t)n);
	out[n] = '\0';
	return 0;
}

static ccsp_err parse_entry(rd *r, chsm_pkg *p, chsm_pkg_entry *e)
{
	uint64_t mode, len;
	const uint8_t *data;
	if (rd_text(r, CHSM_PKG_NAME_MAX, e->name) != 0 || rd_uint(r, 4, &mode) != 0 || rd_uint(r, 8, &len) != 0 ||
	    mode > MODE_MAX || len > r->len - r->off || rd_take(r, (size_t)len, &data) != 0)
		return CCSP_ERR_DECODE;
	if (chsm_pkg_find(p, e->name) != NULL)
		return CCSP_ERR_DECODE; /* each name once */
	if (!chsm_pkg_name_allowed(e->name))
		return CCSP_ERR_UNSUPPORTED;
	e->mode = (uint32_t)mode;
	e->data = data;
	e->len = (size_t)len;
	return CCSP_OK;
}

static ccsp_err parse(rd *r, chsm_pkg *p)
{
	const uint8_t *magic;
	uint64_t n;
	if (rd_take(r, CHSM_PKG_MAGIC_LEN, &magic) != 0 || memcmp(magic, CHSM_PKG_MAGIC, CHSM_PKG_MAGIC_LEN) != 0 ||
	    rd_text(r, CHSM_PKG_VERSION_MAX, p->version) != 0 || !chsm_pkg_version_valid(p->version) ||
	    rd_uint(r, 1, &n) != 0 || n == 0 || n > CHSM_PKG_ENTRIES_MAX)
		return CCSP_ERR_DECODE;
	for (size_t i = 0; i < n; i++) {
		chsm_pkg_entry e = {0};
		ccsp_err ret = parse_entry(r, p, &e);
		if (ret != CCSP_OK)
			return ret;
		p->entries[p->count++] = e;
	}
	return r->off == r->len ? CCSP_OK : CCSP_ERR_DECODE;
}

ccsp_err chsm_pkg_parse(const uint8_t *buf, size_t len, chsm_pkg *out)
{
	if (out == NULL || (buf == NULL && len > 0))
		return CCSP_ERR_ARG;
	memset(out, 0, sizeof *out);
	if (len > CHSM_PKG_MAX)
		return CCSP_ERR_LIMIT;
	rd r = {.p = buf, .len = len};
	ccsp_err ret = parse(&r, out);
	if (ret != CCSP_OK)
		memset(out, 0, sizeof *out);
	return ret;
}

const chsm_pkg_entry *chsm_pkg_find(const chsm_pkg *p, const char *name)
{
	for (size_t i = 0; p != NULL && name != NULL && i < p->count && i < CHSM_PKG_ENTRIES_MAX; i++)
		if (strcmp(p->entries[i].name, name) == 0)
			return &p->entries[i];
	return NULL;
}

/* ---- the writer ---- */

static size_t put_uint(uint8_t *out, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return n;
}

static size_t put_text(uint8_t *out, const char *s)
{
	size_t n = strlen(s);
	out[0] = (uint8_t)n;
	memcpy(out + 1, s, n);
	return n + 1;
}

/* The total size of the package, or 0 when the entries break a rule. */
static size_t build_size(const char *version, const chsm_pkg_entry *entries, size_t n, ccsp_err *err)
{
	size_t total = CHSM_PKG_MAGIC_LEN + 2 + strlen(version);
	*err = CCSP_ERR_ARG;
	if (!chsm_pkg_version_valid(version) || n == 0 || n > CHSM_PKG_ENTRIES_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const chsm_pkg_entry *e = &entries[i];
		if (!chsm_pkg_name_allowed(e->name) || e->mode > MODE_MAX || (e->data == NULL && e->len > 0))
			return 0;
		for (size_t j = 0; j < i; j++)
			if (strcmp(entries[j].name, e->name) == 0)
				return 0;
		if (e->len > CHSM_PKG_MAX || total + ENTRY_HEAD_MAX + e->len > CHSM_PKG_MAX) {
			*err = CCSP_ERR_LIMIT;
			return 0;
		}
		total += 1 + strlen(e->name) + 4 + 8 + e->len;
	}
	*err = CCSP_OK;
	return total;
}

ccsp_err chsm_pkg_build(const char *version, const chsm_pkg_entry *entries, size_t n, uint8_t **out, size_t *outlen)
{
	ccsp_err ret;
	if (out == NULL || outlen == NULL || version == NULL || entries == NULL)
		return CCSP_ERR_ARG;
	*out = NULL;
	*outlen = 0;
	size_t total = build_size(version, entries, n, &ret);
	if (ret != CCSP_OK)
		return ret;
	uint8_t *buf = malloc(total), *p = buf;
	if (buf == NULL)
		return CCSP_ERR_NOMEM;
	memcpy(p, CHSM_PKG_MAGIC, CHSM_PKG_MAGIC_LEN);
	p += CHSM_PKG_MAGIC_LEN;
	p += put_text(p, version);
	p += put_uint(p, n, 1);
	for (size_t i = 0; i < n; i++) {
		p += put_text(p, entries[i].name);
		p += put_uint(p, entries[i].mode, 4);
		p += put_uint(p, entries[i].len, 8);
		if (entries[i].len > 0)
			memcpy(p, entries[i].data, entries[i].len);
		p += entries[i].len;
	}
	*out = buf;
	*outlen = total;
	return CCSP_OK;
}

/* ---- staging ---- */

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len > (1u << 20) ? (1u << 20) : len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static ccsp_err write_entry(int dfd, const chsm_pkg_entry *e)
{
	int fd = openat(dfd, e->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? CCSP_ERR_FILE_EXISTS : CCSP_ERR_IO;
	ccsp_err ret = CCSP_OK;
	if (fchmod(fd, e->mode & 0700) != 0 || write_all(fd, e->data, e->len) != 0 || fsync(fd) != 0)
		ret = CCSP_ERR_IO;
	int saved = errno;
	if (close(fd) != 0 && ret == CCSP_OK)
		ret = CCSP_ERR_IO;
	else
		errno = saved;
	return ret;
}

ccsp_err chsm_pkg_write_dir(const chsm_pkg *p, const char *dir)
{
	if (p == NULL || dir == NULL)
		return CCSP_ERR_ARG;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return CCSP_ERR_IO;
	ccsp_err ret = CCSP_OK;
	for (size_t i = 0; i < p->count && i < CHSM_PKG_ENTRIES_MAX && ret == CCSP_OK; i++)
		ret = write_entry(dfd, &p->entries[i]);
	if (ret == CCSP_OK && fsync(dfd) != 0)
		ret = CCSP_ERR_IO;
	(void)close(dfd);
	return ret;
}

/* 1 when the regular file dfd/name holds exactly data[0..len). */
static int file_matches(int dfd, const char *name, const uint8_t *data, size_t len)
{
	uint8_t buf[65536];
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	int same = 0;
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == (uint64_t)len) {
		size_t off = 0;
		same = 1;
		while (same && off < len) {
			ssize_t r = read(fd, buf, len - off < sizeof buf ? len - off : sizeof buf);
			if (r < 0 && errno == EINTR)
				continue;
			same = r > 0 && memcmp(buf, data + off, (size_t)r) == 0;
			off += r > 0 ? (size_t)r : 0;
		}
		same = same && read(fd, buf, 1) == 0; /* not grown meanwhile */
	}
	(void)close(fd);
	return same;
}

int chsm_pkg_matches_dir(const chsm_pkg *p, const char *dir)
{
	if (p == NULL || dir == NULL)
		return 0;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int same = dfd >= 0;
	for (size_t i = 0; same && i < p->count && i < CHSM_PKG_ENTRIES_MAX; i++)
		same = file_matches(dfd, p->entries[i].name, p->entries[i].data, p->entries[i].len);
	if (dfd >= 0)
		(void)close(dfd);
	return same;
}

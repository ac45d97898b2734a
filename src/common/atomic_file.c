/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Atomic replacement by rename (POSIX rename(2): the name refers to the old file or the new one, never to
 * neither nor to a mixture). The temporary file is beside the target so that the rename stays within one file
 * system; its content is fsync'ed before the rename so that the rename can never expose an empty or partial
 * file after a power loss, and the directory is fsync'ed after it so that the rename itself is durable.
 */
#include "common/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h> /* rename */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ccsp/mem.h>

#define TMP_SUFFIX ".tmp-XXXXXX"

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) { /* cannot progress: treat as an I/O error rather than loop */
			errno = EIO;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int fsync_fd(int fd)
{
	int r;
	do
		r = fsync(fd);
	while (r != 0 && errno == EINTR);
	return r;
}

/* fsync the directory that holds path ("." when path has no slash), making a rename in it durable. */
static int fsync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	if (slash == NULL)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL) {
		errno = ENOMEM;
		return -1;
	}
	int r = -1;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		r = fsync_fd(fd);
		int e = errno;
		(void)close(fd);
		errno = e;
	}
	int e = errno;
	free(dir);
	errno = e;
	return r;
}

/* Mode first (before any byte is written, so the content is never more exposed than mode says), then the
 * content, made durable, then close (whose error may be a deferred write error: it counts). */
static int fill_temp(int fd, const void *buf, size_t len, mode_t mode)
{
	if (fchmod(fd, mode & 07777) != 0)
		return -1;
	if (write_all(fd, buf, len) != 0)
		return -1;
	return fsync_fd(fd);
}

ccsp_err ccsp_atomic_write(const char *path, const void *buf, size_t len, mode_t mode)
{
	ccsp_err ret = CCSP_ERR_IO;
	char *tmp = NULL;
	int fd = -1, tmp_exists = 0, saved_errno = 0;

	if (path == NULL || path[0] == '\0' || (buf == NULL && len != 0))
		return CCSP_ERR_ARG;
	size_t plen = strlen(path);
	if (plen > SIZE_MAX - sizeof TMP_SUFFIX)
		return CCSP_ERR_ARG;
	tmp = malloc(plen + sizeof TMP_SUFFIX);
	if (tmp == NULL) {
		ret = CCSP_ERR_NOMEM;
		goto out;
	}
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, TMP_SUFFIX, sizeof TMP_SUFFIX);

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		goto out;
	tmp_exists = 1;
	if (fill_temp(fd, buf, len, mode) != 0)
		goto out;
	int closed = close(fd);
	fd = -1;
	if (closed != 0 || rename(tmp, path) != 0)
		goto out;
	tmp_exists = 0;
	if (fsync_parent(path) != 0)
		goto out; /* the new content is in place, but not known to be durable */
	ret = CCSP_OK;
out:
	saved_errno = errno;
	if (fd >= 0)
		(void)close(fd);
	if (tmp_exists)
		(void)unlink(tmp);
	free(tmp);
	errno = saved_errno;
	return ret;
}

/* Copy into a new buffer of newcap bytes, wiping the old one (realloc would leave its copy behind unwiped). */
static uint8_t *grow(uint8_t *p, size_t used, size_t oldcap, size_t newcap)
{
	uint8_t *q = malloc(newcap);
	if (q != NULL)
		memcpy(q, p, used);
	ccsp_memzero(p, oldcap);
	free(p);
	return q;
}

/* Read fd to its end. cap starts at the size fstat reported plus one spare byte: filling the spare byte
 * means the file grew meanwhile, and the buffer grows up to maxlen + 1 (reaching that is CCSP_ERR_LIMIT). */
static ccsp_err read_fd(int fd, size_t hint, size_t maxlen, uint8_t **buf, size_t *len)
{
	ccsp_err ret = CCSP_ERR_NOMEM;
	size_t cap = hint + 1, n = 0;
	uint8_t *p = malloc(cap);

	while (p != NULL) {
		if (n == cap) {
			if (cap > maxlen) {
				ret = CCSP_ERR_LIMIT;
				goto out;
			}
			size_t ncap = cap <= (maxlen + 1) / 2 ? 2 * cap : maxlen + 1;
			p = grow(p, n, cap, ncap);
			cap = ncap;
			continue;
		}
		ssize_t r = read(fd, p + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = CCSP_ERR_IO;
			goto out;
		}
		if (r == 0) {
			*buf = p;
			*len = n;
			p = NULL;
			ret = CCSP_OK;
			goto out;
		}
		n += (size_t)r;
	}
out:
	if (p != NULL) {
		int e = errno;
		ccsp_memzero(p, cap);
		free(p);
		errno = e;
	}
	return ret;
}

ccsp_err ccsp_file_read_all(const char *path, size_t maxlen, uint8_t **buf, size_t *len)
{
	ccsp_err ret = CCSP_ERR_IO;
	struct stat st;
	int fd = -1;

	if (path == NULL || buf == NULL || len == NULL)
		return CCSP_ERR_ARG;
	*buf = NULL;
	*len = 0;
	if (maxlen == SIZE_MAX)
		maxlen--; /* room for the spare byte */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			ret = CCSP_ERR_FILE_NOT_FOUND;
		goto out;
	}
	if (fstat(fd, &st) != 0)
		goto out;
	if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto out;
	}
	if (st.st_size < 0 || (uint64_t)st.st_size > maxlen) {
		ret = CCSP_ERR_LIMIT;
		goto out;
	}
	ret = read_fd(fd, (size_t)st.st_size, maxlen, buf, len);
out:
	if (fd >= 0) {
		int e = errno;
		(void)close(fd);
		errno = e;
	}
	return ret;
}

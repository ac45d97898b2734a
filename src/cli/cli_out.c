/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Output files of the ccsp CLI, whole or streamed: a regular file is replaced atomically (temporary file beside
 * it, fsync, rename), standard output, character devices and FIFOs are written through, and a held output
 * reaches a written-through destination only once the caller commits it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ccsp/mem.h>

#include "cli.h"

#define SPOOL_CHUNK 65536

struct cli_out {
	char *path;   /* as the user gave it, for messages */
	char *target; /* the file written: the resolved -out (replace), or the device or FIFO (through) */
	char *tmp;    /* replace: the temporary file beside target, renamed over it at commit */
	int fd;       /* where cli_out_write writes: the temporary file, the spool, or the destination */
	int dest;     /* held write-through: the destination once opened (-1 before), written at commit */
	int replace;  /* a regular file or a new path */
	int spool;    /* held write-through: fd is an unlinked temporary file */
	mode_t mode;
};

static int write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Mode of a new file: the existing target's mode when replacing one, else 0666 less the umask,
 * as a plain open(O_CREAT) would give. */
static mode_t output_mode(const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return st.st_mode & 07777;
	mode_t mask = umask(0);
	umask(mask);
	return 0666 & ~mask;
}

/* "<dir>/.<base>.XXXXXX" beside path, so that rename() stays within one file system. */
static char *temp_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash != NULL ? (size_t)(slash - path) + 1 : 0;
	size_t size = strlen(path) + sizeof("/..XXXXXX");
	char *t = malloc(size);
	if (t != NULL)
		snprintf(t, size, "%.*s.%s.XXXXXX", (int)dirlen, path, path + dirlen);
	return t;
}

/* fsync the directory holding path, so the rename itself is durable. */
static void sync_parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL ? strdup(".") : strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (dir == NULL)
		return;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd); /* best effort: the data itself is already synced */
		close(fd);
	}
	free(dir);
}

/* chmod, sync and close the filled temporary file; on failure name the failing step. */
static int finish_temp(int fd, mode_t mode, const char **step)
{
	int ok = 0;
	if (fchmod(fd, mode) != 0)
		*step = "chmod";
	else if (fsync(fd) != 0)
		*step = "fsync";
	else
		ok = 1;
	int saved = errno;
	if (close(fd) != 0 && ok) {
		*step = "close";
		return -1;
	}
	errno = saved;
	return ok ? 0 : -1;
}

/* Names that mean this process's standard output: written like "-", never renamed over (renaming over
 * what /proc/self/fd/1 points at would replace the file the shell redirected to, behind its back). */
static int is_stdout_name(const char *path)
{
	return strcmp(path, "-") == 0 || strcmp(path, "/dev/stdout") == 0 || strcmp(path, "/dev/fd/1") == 0 ||
	       strcmp(path, "/proc/self/fd/1") == 0;
}

#define MAX_SYMLINK_HOPS 40 /* as the kernel's ELOOP limit */

/* The path -out really names: symbolic links in the last component are followed as open() would
 * (as openssl does), so the file they point at is replaced and the link stays a link; a dangling link
 * creates its target. Sets *st and *exists for the final path. A malloc'd string, or NULL (error printed). */
static char *resolve_output(const char *path, struct stat *st, int *exists)
{
	char *p = strdup(path);
	for (int hop = 0; p != NULL && hop <= MAX_SYMLINK_HOPS; hop++) {
		if (lstat(p, st) != 0) {
			if (errno == ENOENT) {
				*exists = 0;
				return p;
			}
			cli_error("cannot stat %s: %s", p, strerror(errno));
			free(p);
			return NULL;
		}
		if (!S_ISLNK(st->st_mode)) {
			*exists = 1;
			return p;
		}
		char link[4096];
		ssize_t n = readlink(p, link, sizeof(link) - 1);
		if (n < 0) {
			cli_error("cannot read link %s: %s", p, strerror(errno));
			free(p);
			return NULL;
		}
		link[n] = '\0';
		const char *slash = strrchr(p, '/');
		int dirlen = link[0] == '/' || slash == NULL ? 0 : (int)(slash - p) + 1;
		size_t size = (size_t)dirlen + (size_t)n + 1;
		char *next = malloc(size);
		if (next != NULL)
			snprintf(next, size, "%.*s%s", dirlen, p, link);
		free(p);
		p = next;
	}
	if (p == NULL)
		cli_error("%s: out of memory", path);
	else
		cli_error("%s: too many levels of symbolic links", path);
	free(p);
	return NULL;
}


/* An unlinked temporary file in $TMPDIR (or /tmp), created 0600: the held output of a written-through
 * destination waits there, on disk rather than in memory, until it is committed. */
static int open_spool(void)
{
	const char *dir = getenv("TMPDIR");
	char name[4096];
	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	if ((size_t)snprintf(name, sizeof name, "%s/.ccsp-held.XXXXXX", dir) >= sizeof name) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = mkostemp(name, O_CLOEXEC);
	if (fd >= 0)
		unlink(name);
	return fd;
}

/* Open what cli_out_write writes to: the temporary file beside o->target, the spool, or the destination. */
static int open_sink(cli_out *o, int hold)
{
	if (o->replace) {
		o->tmp = temp_name(o->target);
		if (o->tmp == NULL) {
			cli_error("%s: out of memory", o->path);
			return -1;
		}
		o->fd = mkostemp(o->tmp, O_CLOEXEC); /* created 0600: nothing is readable before fchmod */
		if (o->fd < 0) {
			cli_error("cannot create a file beside %s: %s", o->path, strerror(errno));
			free(o->tmp);
			o->tmp = NULL;
			return -1;
		}
		return 0;
	}
	if (hold) {
		o->spool = 1;
		o->fd = open_spool();
		if (o->fd < 0)
			cli_error("cannot create a temporary file to hold the output for %s: %s", o->path, strerror(errno));
		return o->fd < 0 ? -1 : 0;
	}
	if (o->target == NULL) {
		o->fd = STDOUT_FILENO;
		return 0;
	}
	o->fd = open(o->target, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (o->fd < 0)
		cli_error("cannot open %s: %s", o->target, strerror(errno));
	return o->fd < 0 ? -1 : 0;
}

/* Free o; close what is open. The temporary file, if still there, is removed. */
static void out_free(cli_out *o)
{
	if (o->fd >= 0 && o->fd != STDOUT_FILENO)
		close(o->fd);
	if (o->dest >= 0 && o->dest != STDOUT_FILENO)
		close(o->dest);
	if (o->tmp != NULL)
		unlink(o->tmp);
	free(o->tmp);
	free(o->target);
	free(o->path);
	free(o);
}

cli_out *cli_out_open(const char *path, int secret, int hold)
{
	cli_out *o = calloc(1, sizeof *o);
	if (o == NULL || (o->path = strdup(path)) == NULL) {
		cli_error("%s: out of memory", path);
		free(o);
		return NULL;
	}
	o->fd = o->dest = -1;
	if (!is_stdout_name(path)) {
		struct stat st;
		int exists;
		o->target = resolve_output(path, &st, &exists);
		if (o->target == NULL)
			goto fail;
		if (exists && !S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode)) {
			cli_error("%s: not a regular file, character device or FIFO; not replaced", path);
			goto fail;
		}
		o->replace = !exists || S_ISREG(st.st_mode);
		o->mode = secret ? 0600 : output_mode(o->target);
	}
	if (open_sink(o, hold) == 0)
		return o;
fail:
	out_free(o);
	return NULL;
}

int cli_out_write(cli_out *o, const uint8_t *buf, size_t len)
{
	if (write_all(o->fd, buf, len) == 0)
		return 0;
	if (o->fd == STDOUT_FILENO)
		cli_error("cannot write to standard output: %s", strerror(errno));
	else if (o->spool)
		cli_error("cannot write the output held for %s: %s", o->path, strerror(errno));
	else
		cli_error("cannot write %s: %s", o->replace ? o->path : o->target, strerror(errno));
	return -1;
}

/* Copy the spool to the destination, which is opened only now. */
static int copy_spool(cli_out *o)
{
	uint8_t buf[SPOOL_CHUNK];
	ssize_t r;
	int ret = -1;
	o->dest = o->target == NULL ? STDOUT_FILENO : open(o->target, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (o->dest < 0) {
		cli_error("cannot open %s: %s", o->target, strerror(errno));
		return -1;
	}
	if (lseek(o->fd, 0, SEEK_SET) != 0) {
		cli_error("cannot read back the output held for %s: %s", o->path, strerror(errno));
		return -1;
	}
	while ((r = read(o->fd, buf, sizeof buf)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			cli_error("cannot read back the output held for %s: %s", o->path, strerror(errno));
			goto out;
		}
		if (write_all(o->dest, buf, (size_t)r) != 0) {
			cli_error("cannot write %s: %s", o->target == NULL ? "to standard output" : o->target, strerror(errno));
			goto out;
		}
	}
	ret = 0;
out:
	ccsp_memzero(buf, sizeof buf); /* may be plaintext */
	return ret;
}

/* Close the file written through, reporting a failure of close (a full disk behind NFS, say). */
static int close_through(cli_out *o, int *fd)
{
	int ret = 0;
	if (*fd >= 0 && *fd != STDOUT_FILENO && close(*fd) != 0) {
		cli_error("cannot write %s (close): %s", o->target, strerror(errno));
		ret = -1;
	}
	*fd = -1;
	return ret;
}

static int commit_replace(cli_out *o)
{
	const char *step = "rename";
	int fd = o->fd, ret;
	o->fd = -1;
	ret = finish_temp(fd, o->mode, &step);
	if (ret == 0)
		ret = rename(o->tmp, o->target);
	if (ret != 0) {
		cli_error("cannot write %s (%s): %s", o->path, step, strerror(errno));
		return -1;
	}
	free(o->tmp);
	o->tmp = NULL;
	sync_parent_dir(o->target);
	return 0;
}

int cli_out_commit(cli_out *o)
{
	int ret;
	if (o->replace)
		ret = commit_replace(o);
	else if (o->spool)
		ret = copy_spool(o) == 0 ? close_through(o, &o->dest) : -1;
	else
		ret = close_through(o, &o->fd);
	out_free(o);
	return ret;
}

void cli_out_abort(cli_out *o)
{
	if (o != NULL)
		out_free(o);
}

static int write_file(const char *path, const uint8_t *buf, size_t len, int secret)
{
	cli_out *o = cli_out_open(path, secret, 0);
	if (o == NULL)
		return -1;
	if (cli_out_write(o, buf, len) != 0) {
		cli_out_abort(o);
		return -1;
	}
	return cli_out_commit(o);
}

int cli_write_file(const char *path, const uint8_t *buf, size_t len)
{
	return write_file(path, buf, len, 0);
}

int cli_write_secret_file(const char *path, const uint8_t *buf, size_t len)
{
	return write_file(path, buf, len, 1);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Shared helpers of the ccsp CLI: messages, option parsing, hex, whole-file I/O. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ccsp/mem.h>

#include "cli.h"
#include "cli_hex.h"

void cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("ccsp: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void cli_error_ccsp(ccsp_err err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("ccsp: ", stderr);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, ": %s\n", ccsp_err_str(err));
	va_end(ap);
}

static const cli_opt *find_opt(const cli_opt *opts, size_t nopts, const char *name)
{
	for (size_t i = 0; i < nopts; i++)
		if (strcmp(opts[i].name, name) == 0)
			return &opts[i];
	return NULL;
}

int cli_parse_opts(int argc, char **argv, const cli_opt *opts, size_t nopts, char **pos, int maxpos, int *npos)
{
	int only_pos = 0;
	*npos = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (only_pos || a[0] != '-' || strcmp(a, "-") == 0) {
			if (*npos == maxpos) {
				cli_error("%s: unexpected argument '%s'", argv[0], a);
				return -1;
			}
			pos[(*npos)++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = 1;
			continue;
		}
		const cli_opt *o = find_opt(opts, nopts, a);
		if (o == NULL) {
			cli_error("%s: unknown option '%s'", argv[0], a);
			return -1;
		}
		if ((o->value != NULL && *o->value != NULL) || (o->flag != NULL && *o->flag)) {
			cli_error("%s: option %s given twice", argv[0], a);
			return -1;
		}
		if (o->flag != NULL) {
			*o->flag = 1;
			continue;
		}
		if (i + 1 == argc) {
			cli_error("%s: option %s needs a value", argv[0], a);
			return -1;
		}
		*o->value = argv[++i];
	}
	return 0;
}

int cli_parse_hex(const char *what, const char *hex, uint8_t *out, size_t cap, size_t *outlen)
{
	cli_hex_status s = cli_hex_decode(hex, strlen(hex), out, cap, outlen);
	if (s == CLI_HEX_TOO_LONG) {
		cli_error("%s: too long (at most %zu bytes, %zu hex digits)", what, cap, 2 * cap);
		return -1;
	}
	if (s != CLI_HEX_OK) {
		cli_error("%s: %s", what, cli_hex_status_str(s));
		return -1;
	}
	return 0;
}

int cli_parse_hex_exact(const char *what, const char *hex, uint8_t *out, size_t len)
{
	size_t digits = strlen(hex);
	if (digits != 2 * len) {
		cli_error("%s must be %zu bytes (%zu hex digits), got %zu hex digits", what, len, 2 * len, digits);
		return -1;
	}
	size_t got;
	return cli_parse_hex(what, hex, out, len, &got);
}

void cli_wipe_arg(char *arg)
{
	if (arg != NULL)
		ccsp_memzero(arg, strlen(arg));
}

/* ---- files ---- */

static int open_input(const char *path)
{
	if (strcmp(path, "-") == 0)
		return STDIN_FILENO;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		cli_error("cannot open %s: %s", path, strerror(errno));
	return fd;
}

/* Read fd into a buffer grown as needed until the end of the input or cap bytes, whichever comes first:
 * never more than cap bytes are read, so an endless or huge input costs no more than cap. */
static int read_upto(int fd, const char *path, size_t hint, size_t cap, uint8_t **buf, size_t *len)
{
	size_t size = hint < cap ? hint + 1 : cap, n = 0; /* one spare byte: reaching it means the file grew */
	uint8_t *p = malloc(size);
	while (p != NULL && n < cap) {
		if (n == size) {
			size_t nsize = size > cap / 2 ? cap : size * 2;
			uint8_t *q = realloc(p, nsize);
			if (q == NULL) {
				ccsp_memzero(p, n);
				free(p);
				p = NULL;
				break;
			}
			p = q;
			size = nsize;
		}
		ssize_t r = read(fd, p + n, size - n);
		if (r == 0)
			break;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			cli_error("cannot read %s: %s", path, strerror(errno));
			ccsp_memzero(p, n);
			free(p);
			return -1;
		}
		n += (size_t)r;
	}
	if (p == NULL) {
		cli_error("%s: out of memory", path);
		return -1;
	}
	*buf = p;
	*len = n;
	return 0;
}

/* Open path ("-": stdin) and read at most cap bytes of it. A directory is refused, and so is a regular
 * file whose size already exceeds max when the whole file is wanted (whole), without reading it. */
static int read_bounded(const char *path, const char *what, size_t max, size_t cap, int whole, uint8_t **buf,
                        size_t *len)
{
	int fd = open_input(path);
	if (fd < 0)
		return -1;
	struct stat st;
	int ret = -1;
	if (fstat(fd, &st) != 0) {
		cli_error("cannot stat %s: %s", path, strerror(errno));
	} else if (S_ISDIR(st.st_mode)) {
		cli_error("%s: is a directory", path);
	} else if (whole && S_ISREG(st.st_mode) && (uint64_t)st.st_size > max) {
		cli_error("%s: larger than the limit of %zu bytes for %s", path, max, what);
	} else {
		size_t hint = S_ISREG(st.st_mode) ? (size_t)st.st_size : 65536;
		ret = read_upto(fd, path, hint, cap, buf, len);
	}
	if (fd != STDIN_FILENO)
		close(fd);
	return ret;
}

int cli_read_file(const char *path, const char *what, size_t max, uint8_t **buf, size_t *len)
{
	if (read_bounded(path, what, max, max + 1, 1, buf, len) != 0)
		return -1;
	if (*len <= max)
		return 0;
	cli_error("%s: larger than the limit of %zu bytes for %s", path, max, what);
	ccsp_memzero(*buf, *len);
	free(*buf);
	*buf = NULL;
	*len = 0;
	return -1;
}

int cli_read_line(const char *path, const char *what, size_t max, uint8_t **buf, size_t *len)
{
	uint8_t *p;
	size_t n;
	if (read_bounded(path, what, max, max + 2, 0, &p, &n) != 0)
		return -1;
	const uint8_t *nl = memchr(p, '\n', n);
	size_t l = nl != NULL ? (size_t)(nl - p) : n;
	if (nl != NULL && l > 0 && p[l - 1] == '\r')
		l--;
	if (l > max || (nl == NULL && n == max + 2)) {
		cli_error("%s: the %s is longer than %zu bytes", path, what, max);
		ccsp_memzero(p, n);
		free(p);
		return -1;
	}
	if (l == n) { /* no line end in the buffer: make room for the NUL */
		uint8_t *q = malloc(l + 1);
		if (q != NULL)
			memcpy(q, p, l);
		ccsp_memzero(p, n);
		free(p);
		if ((p = q) == NULL) {
			cli_error("%s: out of memory", path);
			return -1;
		}
	} else {
		ccsp_memzero(p + l, n - l);
	}
	p[l] = '\0';
	*buf = p;
	*len = l;
	return 0;
}

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

/* Fill, chmod, sync and close the temporary file; on failure name the failing step. */
static int fill_temp(int fd, const uint8_t *buf, size_t len, mode_t mode, const char **step)
{
	int ok = 0;
	if (write_all(fd, buf, len) != 0)
		*step = "write";
	else if (fchmod(fd, mode) != 0)
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

/* Write through to an existing character device or FIFO (/dev/null, a terminal, a named pipe):
 * there is nothing to replace atomically and replacing it would destroy it. */
static int write_through(const char *path, const uint8_t *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		cli_error("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	int ret = write_all(fd, buf, len);
	if (ret != 0)
		cli_error("cannot write %s: %s", path, strerror(errno));
	if (close(fd) != 0 && ret == 0) {
		cli_error("cannot write %s (close): %s", path, strerror(errno));
		ret = -1;
	}
	return ret;
}

/* Replace (or create) the regular file path: temporary file beside it, fsync, rename, directory fsync. */
static int replace_file(const char *path, const uint8_t *buf, size_t len, mode_t mode)
{
	char *tmp = temp_name(path);
	if (tmp == NULL) {
		cli_error("%s: out of memory", path);
		return -1;
	}
	int fd = mkostemp(tmp, O_CLOEXEC); /* created 0600: nothing is readable before fchmod */
	if (fd < 0) {
		cli_error("cannot create a file beside %s: %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	const char *step = "rename";
	int ret = fill_temp(fd, buf, len, mode, &step);
	if (ret == 0)
		ret = rename(tmp, path);
	if (ret != 0) {
		cli_error("cannot write %s (%s): %s", path, step, strerror(errno));
		unlink(tmp);
	} else {
		sync_parent_dir(path);
	}
	free(tmp);
	return ret;
}

static int write_file(const char *path, const uint8_t *buf, size_t len, int secret)
{
	if (is_stdout_name(path)) {
		if (write_all(STDOUT_FILENO, buf, len) != 0) {
			cli_error("cannot write to standard output: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	struct stat st;
	int exists;
	char *target = resolve_output(path, &st, &exists);
	if (target == NULL)
		return -1;
	int ret = -1;
	if (exists && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)))
		ret = write_through(target, buf, len);
	else if (exists && !S_ISREG(st.st_mode))
		cli_error("%s: not a regular file, character device or FIFO; not replaced", path);
	else
		ret = replace_file(target, buf, len, secret ? 0600 : output_mode(target));
	free(target);
	return ret;
}

int cli_write_file(const char *path, const uint8_t *buf, size_t len)
{
	return write_file(path, buf, len, 0);
}

int cli_write_secret_file(const char *path, const uint8_t *buf, size_t len)
{
	return write_file(path, buf, len, 1);
}

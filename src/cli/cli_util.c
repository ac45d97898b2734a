/* SPDX-License-Identifier: Apache-2.0 */
/* Shared helpers of the ccsp CLI: messages, option parsing, hex, reading input (output files: cli_out.c). */
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

/* name is one of the space-separated words of names. */
static int is_word_of(const char *names, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = names; *p != '\0'; p += strcspn(p, " ")) {
		p += strspn(p, " ");
		if (strncmp(p, name, len) == 0 && (p[len] == ' ' || p[len] == '\0'))
			return 1;
	}
	return 0;
}

size_t cli_opts_pick(const cli_opt *all, size_t nall, const char *names, cli_opt *out)
{
	size_t n = 0, words = 0;
	for (size_t i = 0; i < nall; i++)
		if (is_word_of(names, all[i].name))
			out[n++] = all[i];
	for (const char *p = names + strspn(names, " "); *p != '\0'; p += strspn(p, " ")) {
		words++;
		p += strcspn(p, " ");
	}
	if (words != n) {
		cli_error("internal error: option list \"%s\" names an option the command lacks", names);
		abort();
	}
	return n;
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

int cli_open_input(const char *path)
{
	struct stat st;
	int fd = open_input(path);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0)
		cli_error("cannot stat %s: %s", path, strerror(errno));
	else if (S_ISDIR(st.st_mode))
		cli_error("%s: is a directory", path);
	else
		return fd;
	if (fd != STDIN_FILENO)
		close(fd);
	return -1;
}

ssize_t cli_read_full(int fd, const char *path, uint8_t *buf, size_t len)
{
	size_t n = 0;
	while (n < len) {
		ssize_t r = read(fd, buf + n, len - n);
		if (r == 0)
			break;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			cli_error("cannot read %s: %s", path, strerror(errno));
			return -1;
		}
		n += (size_t)r;
	}
	return (ssize_t)n;
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
		ssize_t r = cli_read_full(fd, path, p + n, size - n);
		if (r < 0) {
			ccsp_memzero(p, n);
			free(p);
			return -1;
		}
		n += (size_t)r;
		if (n < size)
			break; /* the end of the input */
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

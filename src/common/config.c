/* SPDX-License-Identifier: Apache-2.0 */
#include "common/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ccsp/mem.h>

#define CONFIG_MAX_FILE (64u << 10)
#define CONFIG_MAX_LINE 4096u
#define CONFIG_MAX_KEYS 256u

struct config_entry {
	const char *key;   /* into arena */
	const char *value; /* into arena */
	unsigned line;
};

/* Values may be secrets (an SDF token): the arena is wiped on free. */
struct ccsp_config {
	char *name;
	char *arena;
	size_t arena_len;
	size_t n;
	struct config_entry e[CONFIG_MAX_KEYS];
};

/* A line being parsed: [p, p + len), 1-based number. */
struct config_line {
	const char *p;
	size_t len;
	unsigned no;
};

static void set_msg(char *errmsg, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_msg(char *errmsg, size_t errlen, const char *fmt, ...)
{
	if (errmsg == NULL || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(errmsg, errlen, fmt, ap);
	va_end(ap);
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

void ccsp_config_free(ccsp_config *cfg)
{
	if (cfg == NULL)
		return;
	if (cfg->arena != NULL) {
		ccsp_memzero(cfg->arena, cfg->arena_len);
		free(cfg->arena);
	}
	free(cfg->name);
	ccsp_memzero(cfg, sizeof *cfg);
	free(cfg);
}

static const struct config_entry *find(const ccsp_config *cfg, const char *key)
{
	for (size_t i = 0; i < cfg->n; i++)
		if (strcmp(cfg->e[i].key, key) == 0)
			return &cfg->e[i];
	return NULL;
}

/* Copy [p, p + len) NUL-terminated into the arena at *pos; the arena was sized for the whole text plus one
 * terminator per line half, so this cannot overflow, but it is checked anyway. */
static const char *arena_put(ccsp_config *cfg, size_t *pos, const char *p, size_t len)
{
	if (len >= cfg->arena_len - *pos)
		return NULL;
	char *dst = cfg->arena + *pos;
	memcpy(dst, p, len);
	dst[len] = '\0';
	*pos += len + 1;
	return dst;
}

/* Parse one non-blank, non-comment line already trimmed of surrounding blanks. */
static ccsp_err parse_entry(ccsp_config *cfg, const struct config_line *l, size_t *pos, char *errmsg, size_t errlen)
{
	size_t k = 0;
	while (k < l->len && is_key_char(l->p[k]))
		k++;
	size_t i = k;
	while (i < l->len && is_blank(l->p[i]))
		i++;
	if (k == 0 || i == l->len || l->p[i] != '=') {
		set_msg(errmsg, errlen, "%s:%u: expected key = value (keys are a-z 0-9 _ .)", cfg->name, l->no);
		return CCSP_ERR_DECODE;
	}
	i++;
	while (i < l->len && is_blank(l->p[i]))
		i++;
	if (i == l->len) {
		set_msg(errmsg, errlen, "%s:%u: empty value (leave the key out for the default)", cfg->name, l->no);
		return CCSP_ERR_DECODE;
	}
	if (cfg->n == CONFIG_MAX_KEYS) {
		set_msg(errmsg, errlen, "%s:%u: more than %u keys", cfg->name, l->no, CONFIG_MAX_KEYS);
		return CCSP_ERR_LIMIT;
	}
	struct config_entry *e = &cfg->e[cfg->n];
	e->key = arena_put(cfg, pos, l->p, k);
	e->value = arena_put(cfg, pos, l->p + i, l->len - i);
	e->line = l->no;
	if (e->key == NULL || e->value == NULL)
		return CCSP_ERR_INTERNAL;
	const struct config_entry *prev = find(cfg, e->key);
	if (prev != NULL) {
		set_msg(errmsg, errlen, "%s:%u: key %s repeated (first set on line %u)", cfg->name, l->no, e->key,
		        prev->line);
		return CCSP_ERR_DECODE;
	}
	cfg->n++;
	return CCSP_OK;
}

/* Check the raw line (without its '\n') and trim it; a '\r' before the newline is accepted as a blank. */
static ccsp_err parse_line(ccsp_config *cfg, struct config_line *l, size_t *pos, char *errmsg, size_t errlen)
{
	if (l->len > CONFIG_MAX_LINE) {
		set_msg(errmsg, errlen, "%s:%u: line longer than %u bytes", cfg->name, l->no, CONFIG_MAX_LINE);
		return CCSP_ERR_LIMIT;
	}
	if (l->len > 0 && l->p[l->len - 1] == '\r')
		l->len--;
	for (size_t i = 0; i < l->len; i++) {
		unsigned char c = (unsigned char)l->p[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			set_msg(errmsg, errlen, "%s:%u: control character in line", cfg->name, l->no);
			return CCSP_ERR_DECODE;
		}
	}
	while (l->len > 0 && is_blank(l->p[0])) {
		l->p++;
		l->len--;
	}
	while (l->len > 0 && is_blank(l->p[l->len - 1]))
		l->len--;
	if (l->len == 0 || l->p[0] == '#')
		return CCSP_OK;
	return parse_entry(cfg, l, pos, errmsg, errlen);
}

static ccsp_err parse_all(ccsp_config *cfg, const char *text, size_t len, char *errmsg, size_t errlen)
{
	ccsp_err err = CCSP_OK;
	size_t pos = 0, start = 0;
	unsigned no = 1;
	while (start < len) {
		const char *nl = memchr(text + start, '\n', len - start);
		size_t end = nl != NULL ? (size_t)(nl - text) : len;
		struct config_line l = {text + start, end - start, no};
		err = parse_line(cfg, &l, &pos, errmsg, errlen);
		if (err != CCSP_OK)
			break;
		start = end + 1;
		no++;
	}
	return err;
}

ccsp_err ccsp_config_parse(const char *name, const char *text, size_t len, ccsp_config **out, char *errmsg,
                           size_t errlen)
{
	ccsp_err err = CCSP_ERR_ARG;
	ccsp_config *cfg = NULL;
	set_msg(errmsg, errlen, "%s", "");
	if (out == NULL)
		return CCSP_ERR_ARG;
	*out = NULL;
	if (name == NULL)
		name = "config";
	if (text == NULL && len != 0) {
		set_msg(errmsg, errlen, "%s: no text", name);
		goto out;
	}
	err = CCSP_ERR_LIMIT;
	if (len > CONFIG_MAX_FILE) {
		set_msg(errmsg, errlen, "%s: larger than %u bytes", name, CONFIG_MAX_FILE);
		goto out;
	}
	err = CCSP_ERR_NOMEM;
	cfg = calloc(1, sizeof *cfg);
	if (cfg == NULL || (cfg->name = strdup(name)) == NULL)
		goto out;
	/* key and value of a line take at most the line's bytes plus two terminators, and every entry line
	 * holds at least one byte ('=') that is not copied: len + 2 is always enough */
	cfg->arena_len = len + 2;
	cfg->arena = calloc(1, cfg->arena_len);
	if (cfg->arena == NULL)
		goto out;
	err = parse_all(cfg, text, len, errmsg, errlen);
	if (err != CCSP_OK)
		goto out;
	*out = cfg;
	cfg = NULL;
out:
	if (err == CCSP_ERR_NOMEM)
		set_msg(errmsg, errlen, "%s: out of memory", name);
	ccsp_config_free(cfg);
	return err;
}

/* Read at most CONFIG_MAX_FILE + 1 bytes of the regular file fd into buf. */
static ccsp_err read_bounded(int fd, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	while (n < cap) {
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return CCSP_ERR_IO;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*len = n;
	return CCSP_OK;
}

ccsp_err ccsp_config_load(const char *path, ccsp_config **out, char *errmsg, size_t errlen)
{
	ccsp_err err = CCSP_ERR_ARG;
	char *buf = NULL;
	size_t len = 0;
	int fd = -1;
	set_msg(errmsg, errlen, "%s", "");
	if (out == NULL || path == NULL)
		goto out;
	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		err = errno == ENOENT ? CCSP_ERR_FILE_NOT_FOUND : CCSP_ERR_IO;
		set_msg(errmsg, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	struct stat st;
	err = CCSP_ERR_IO;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		set_msg(errmsg, errlen, "%s: not a regular file", path);
		goto out;
	}
	err = CCSP_ERR_NOMEM;
	buf = malloc(CONFIG_MAX_FILE + 1);
	if (buf == NULL)
		goto out;
	err = read_bounded(fd, buf, CONFIG_MAX_FILE + 1, &len);
	if (err != CCSP_OK) {
		set_msg(errmsg, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	err = ccsp_config_parse(path, buf, len, out, errmsg, errlen);
out:
	if (buf != NULL) {
		ccsp_memzero(buf, len);
		free(buf);
	}
	if (fd >= 0)
		(void)close(fd);
	return err;
}

const char *ccsp_config_get(const ccsp_config *cfg, const char *key)
{
	if (cfg == NULL || key == NULL)
		return NULL;
	const struct config_entry *e = find(cfg, key);
	return e != NULL ? e->value : NULL;
}

/* Decimal digits only (no sign, no blanks), value <= UINT32_MAX. */
static int parse_u32(const char *s, uint32_t *v)
{
	uint64_t acc = 0;
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		acc = acc * 10 + (uint64_t)(*s - '0');
		if (acc > UINT32_MAX)
			return 0;
	}
	*v = (uint32_t)acc;
	return 1;
}

ccsp_err ccsp_config_get_u32(const ccsp_config *cfg, const char *key, uint32_t min, uint32_t max, uint32_t def,
                             uint32_t *out, char *errmsg, size_t errlen)
{
	set_msg(errmsg, errlen, "%s", "");
	if (cfg == NULL || key == NULL || out == NULL || min > max)
		return CCSP_ERR_ARG;
	const struct config_entry *e = find(cfg, key);
	if (e == NULL) {
		*out = def;
		return CCSP_OK;
	}
	uint32_t v = 0;
	if (!parse_u32(e->value, &v) || v < min || v > max) {
		set_msg(errmsg, errlen, "%s:%u: %s must be a whole number in %u..%u", cfg->name, e->line, key, min, max);
		return CCSP_ERR_DECODE;
	}
	*out = v;
	return CCSP_OK;
}

ccsp_err ccsp_config_check_keys(const ccsp_config *cfg, const char *const *known, char *errmsg, size_t errlen)
{
	set_msg(errmsg, errlen, "%s", "");
	if (cfg == NULL || known == NULL)
		return CCSP_ERR_ARG;
	for (size_t i = 0; i < cfg->n; i++) {
		size_t j = 0;
		while (known[j] != NULL && strcmp(known[j], cfg->e[i].key) != 0)
			j++;
		if (known[j] == NULL) {
			set_msg(errmsg, errlen, "%s:%u: unknown key %s", cfg->name, cfg->e[i].line, cfg->e[i].key);
			return CCSP_ERR_DECODE;
		}
	}
	return CCSP_OK;
}

const char *ccsp_config_get_or(const ccsp_config *cfg, const char *key, const char *def)
{
	const char *v = ccsp_config_get(cfg, key);
	return v != NULL ? v : def;
}

void ccsp_config_path(char *out, size_t cap, const char *dir, const char *name)
{
	if (name[0] == '/')
		snprintf(out, cap, "%s", name);
	else
		snprintf(out, cap, "%s/%s", dir, name);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON-lines logger: build the object with jansson, dump it compact, write the line whole under a mutex. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

struct ccsp_log {
	pthread_mutex_t mu;
	int fd;      /* >= 0: write here */
	FILE *file;  /* else here */
	int own_fd;  /* opened by ccsp_log_open */
	atomic_int min_level;
	atomic_uint_fast64_t dropped;
	ccsp_log_sink_fn sink; /* under mu: see ccsp_log_set_sink */
	void *sink_arg;
};

static const char *const level_names[] = {"debug", "info", "warn", "error"};
#define N_LEVELS 4

/* Index of a level name, or -1. */
static int level_index(const char *name)
{
	for (int i = 0; name != NULL && i < N_LEVELS; i++)
		if (strcmp(name, level_names[i]) == 0)
			return i;
	return -1;
}

/* The written name of a level: an unknown one is written as "error". */
static const char *level_name(const char *name)
{
	int i = level_index(name);
	return level_names[i < 0 ? N_LEVELS - 1 : i];
}

static ccsp_err log_new(int fd, FILE *f, ccsp_log **out)
{
	ccsp_log *log = calloc(1, sizeof *log);
	if (log == NULL)
		return CCSP_ERR_NOMEM;
	log->mu = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	log->fd = fd;
	log->file = f;
	atomic_init(&log->min_level, 1);
	atomic_init(&log->dropped, 0);
	*out = log;
	return CCSP_OK;
}

ccsp_err ccsp_log_new_fd(int fd, ccsp_log **out)
{
	if (out == NULL)
		return CCSP_ERR_ARG;
	*out = NULL;
	return fd < 0 ? CCSP_ERR_ARG : log_new(fd, NULL, out);
}

ccsp_err ccsp_log_new_file(FILE *f, ccsp_log **out)
{
	if (out == NULL)
		return CCSP_ERR_ARG;
	*out = NULL;
	return f == NULL ? CCSP_ERR_ARG : log_new(-1, f, out);
}

ccsp_err ccsp_log_open(const char *path, ccsp_log **out)
{
	if (out == NULL)
		return CCSP_ERR_ARG;
	*out = NULL;
	if (path == NULL)
		return CCSP_ERR_ARG;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return CCSP_ERR_IO;
	ccsp_err err = log_new(fd, NULL, out);
	if (err != CCSP_OK)
		(void)close(fd);
	else
		(*out)->own_fd = 1;
	return err;
}

void ccsp_log_free(ccsp_log *log)
{
	if (log == NULL)
		return;
	if (log->own_fd)
		(void)close(log->fd);
	(void)pthread_mutex_destroy(&log->mu);
	free(log);
}

ccsp_err ccsp_log_set_level(ccsp_log *log, const char *min_level)
{
	int i = level_index(min_level);
	if (log == NULL || i < 0)
		return CCSP_ERR_ARG;
	atomic_store(&log->min_level, i);
	return CCSP_OK;
}

int ccsp_log_enabled(const ccsp_log *log, const char *level)
{
	if (log == NULL)
		return 0;
	int i = level_index(level);
	return (i < 0 ? N_LEVELS - 1 : i) >= atomic_load(&((ccsp_log *)log)->min_level);
}

uint64_t ccsp_log_dropped(const ccsp_log *log)
{
	return log != NULL ? (uint64_t)atomic_load(&((ccsp_log *)log)->dropped) : 0;
}

/* RFC 3339, UTC, milliseconds: 2024-05-01T02:00:00.123Z */
static void format_ts(char out[32])
{
	struct timespec ts;
	struct tm tm;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	if (gmtime_r(&ts.tv_sec, &tm) == NULL || strftime(out, 24, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		memcpy(out, "1970-01-01T00:00:00.000Z", 25);
		return;
	}
	unsigned ms = (unsigned)(ts.tv_nsec / 1000000L) % 1000u;
	out[19] = '.';
	out[20] = (char)('0' + ms / 100);
	out[21] = (char)('0' + ms / 10 % 10);
	out[22] = (char)('0' + ms % 10);
	out[23] = 'Z';
	out[24] = '\0';
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when it is not one (overlong, surrogate, > U+10FFFF). */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	if (p[0] < 0x80)
		return 1;
	size_t len = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
	if (len == 0 || p[0] > 0xf4 || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) || (p[0] == 0xf0 && p[1] < 0x90) ||
	    (p[0] == 0xf4 && p[1] >= 0x90))
		return 0;
	return len;
}

/* A JSON string for a log value: invalid bytes become '?', cut at CCSP_LOG_MAX_VALUE on a character boundary. */
static json_t *value_string(const char *v)
{
	size_t n = strnlen(v, CCSP_LOG_MAX_VALUE + 1), cut = n > CCSP_LOG_MAX_VALUE;
	if (cut)
		n = CCSP_LOG_MAX_VALUE;
	json_t *s = cut ? NULL : json_stringn(v, n); /* the common case: valid, short */
	if (s != NULL)
		return s;
	char *buf = malloc(n + 1);
	if (buf == NULL)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		size_t l = utf8_seq((const unsigned char *)v + i, n - i);
		if (l == 0) {
			if (cut && n - i < 4 && (unsigned char)v[i] >= 0xc2)
				break; /* a character cut by the limit: drop its start */
			buf[o++] = '?';
			i++;
			continue;
		}
		memcpy(buf + o, v + i, l);
		o += l;
		i += l;
	}
	s = json_stringn(buf, o);
	free(buf);
	return s;
}

static int reserved(const char *key)
{
	return strcmp(key, "ts") == 0 || strcmp(key, "level") == 0 || strcmp(key, "event") == 0;
}

/* {"ts","level","event"}, or NULL when the event is filtered out or memory is short. */
static json_t *event_new(ccsp_log *log, const char *level, const char *event)
{
	int i = level_index(level);
	if (i < 0)
		i = N_LEVELS - 1;
	if (i < atomic_load(&log->min_level))
		return NULL;
	char ts[32];
	format_ts(ts);
	json_t *o = json_object();
	if (o == NULL || json_object_set_new(o, "ts", json_string(ts)) != 0 ||
	    json_object_set_new(o, "level", json_string(level_names[i])) != 0 ||
	    json_object_set_new(o, "event", value_string(event != NULL ? event : "")) != 0) {
		json_decref(o);
		atomic_fetch_add(&log->dropped, 1);
		return NULL;
	}
	return o;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

void ccsp_log_set_sink(ccsp_log *log, ccsp_log_sink_fn fn, void *arg)
{
	if (log == NULL)
		return;
	pthread_mutex_lock(&log->mu);
	log->sink = fn;
	log->sink_arg = fn != NULL ? arg : NULL;
	pthread_mutex_unlock(&log->mu);
}

/* Dump o as one line and write it whole; takes o. level is one of level_names. */
static void emit(ccsp_log *log, const char *level, json_t *o)
{
	char *line = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	size_t n = line != NULL ? strlen(line) : 0;
	int ok = 0;
	if (line != NULL) {
		line[n] = '\n'; /* json_dumps's NUL becomes the newline: the line is written with one call */
		int saved = errno;
		pthread_mutex_lock(&log->mu);
		if (log->fd >= 0)
			ok = write_all(log->fd, line, n + 1) == 0;
		else
			ok = fwrite(line, 1, n + 1, log->file) == n + 1 && fflush(log->file) == 0;
		if (log->sink != NULL) { /* under the same lock: set_sink can promise the old sink is done */
			line[n] = '\0';
			log->sink(log->sink_arg, level, line, n);
		}
		pthread_mutex_unlock(&log->mu);
		errno = saved;
		free(line);
	}
	if (!ok)
		atomic_fetch_add(&log->dropped, 1);
}

void ccsp_log_eventv(ccsp_log *log, const char *level, const char *event, va_list ap)
{
	if (log == NULL)
		return;
	json_t *o = event_new(log, level, event);
	if (o == NULL)
		return;
	const char *key;
	while ((key = va_arg(ap, const char *)) != NULL) {
		const char *value = va_arg(ap, const char *);
		if (!reserved(key))
			(void)json_object_set_new(o, key, value != NULL ? value_string(value) : json_null());
	}
	emit(log, level_name(level), o);
}

void ccsp_log_event(ccsp_log *log, const char *level, const char *event, ...)
{
	va_list ap;
	va_start(ap, event);
	ccsp_log_eventv(log, level, event, ap);
	va_end(ap);
}

void ccsp_log_json(ccsp_log *log, const char *level, const char *event, json_t *fields)
{
	json_t *o = log != NULL ? event_new(log, level, event) : NULL;
	const char *key;
	json_t *value;
	if (o != NULL && json_is_object(fields)) {
		json_object_foreach(fields, key, value) {
			if (!reserved(key))
				(void)json_object_set(o, key, value);
		}
	}
	json_decref(fields);
	if (o != NULL)
		emit(log, level_name(level), o);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON-lines logger (src/common/log.h): format, escaping, levels, truncation, whole lines under threads. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "test_util.h"

/* A logger on a fresh temporary file, and a way to read its lines back. */
typedef struct sink {
	FILE *f;
	ccsp_log *log;
} sink;

static void sink_open(sink *s)
{
	s->f = tmpfile();
	assert_non_null(s->f);
	assert_ok(ccsp_log_new_fd(fileno(s->f), &s->log));
}

static void sink_close(sink *s)
{
	ccsp_log_free(s->log);
	fclose(s->f);
}

/* All of the file as a NUL-terminated string (caller frees). */
static char *sink_text(sink *s, size_t *len)
{
	off_t end = lseek(fileno(s->f), 0, SEEK_END);
	assert_true(end >= 0);
	char *buf = malloc((size_t)end + 1);
	assert_non_null(buf);
	assert_int_equal(pread(fileno(s->f), buf, (size_t)end, 0), end);
	buf[end] = '\0';
	*len = (size_t)end;
	return buf;
}

/* The only line of the file, parsed; also checks it is exactly one line. */
static json_t *only_line(sink *s, char **raw)
{
	size_t len;
	char *text = sink_text(s, &len);
	assert_true(len > 1);
	assert_int_equal(text[len - 1], '\n');
	assert_ptr_equal(strchr(text, '\n'), text + len - 1);
	json_error_t err;
	json_t *j = json_loadb(text, len - 1, 0, &err);
	if (j == NULL)
		fail_msg("not JSON: %s (%s)", text, err.text);
	if (raw != NULL)
		*raw = text;
	else
		free(text);
	return j;
}

static void test_format(void **state)
{
	sink s;
	char *raw;
	(void)state;
	sink_open(&s);
	ccsp_log_event(s.log, "info", "http.request", "requestId", "abc-1", "status", "200", "gone", NULL, NULL);
	json_t *j = only_line(&s, &raw);
	/* field order: ts, level, event, then the caller's */
	assert_true(strncmp(raw, "{\"ts\":\"", 7) == 0);
	const char *lv = strstr(raw, "\"level\""), *ev = strstr(raw, "\"event\""), *rid = strstr(raw, "\"requestId\"");
	assert_true(lv != NULL && ev != NULL && rid != NULL && lv < ev && ev < rid);
	const char *ts = json_string_value(json_object_get(j, "ts"));
	assert_non_null(ts);
	/* 2024-05-01T02:00:00.123Z */
	assert_int_equal(strlen(ts), 24);
	assert_true(ts[4] == '-' && ts[7] == '-' && ts[10] == 'T' && ts[13] == ':' && ts[16] == ':' && ts[19] == '.' &&
	            ts[23] == 'Z');
	assert_string_equal(json_string_value(json_object_get(j, "level")), "info");
	assert_string_equal(json_string_value(json_object_get(j, "event")), "http.request");
	assert_string_equal(json_string_value(json_object_get(j, "requestId")), "abc-1");
	assert_string_equal(json_string_value(json_object_get(j, "status")), "200");
	assert_true(json_is_null(json_object_get(j, "gone")));
	json_decref(j);
	free(raw);
	sink_close(&s);
}

/* A value cannot forge a line or a field; non-UTF-8 bytes become '?'; reserved names are dropped. */
static void test_escaping(void **state)
{
	sink s;
	(void)state;
	sink_open(&s);
	const char *evil = "a\n{\"level\":\"error\"}\r\t\"\\\x01 \xff\xfe end";
	ccsp_log_event(s.log, "warn", "x.y", "v", evil, "level", "forged", "ts", "forged", "event", "forged", NULL);
	json_t *j = only_line(&s, NULL);
	assert_string_equal(json_string_value(json_object_get(j, "level")), "warn");
	assert_string_equal(json_string_value(json_object_get(j, "event")), "x.y");
	assert_int_not_equal(strcmp(json_string_value(json_object_get(j, "ts")), "forged"), 0);
	assert_string_equal(json_string_value(json_object_get(j, "v")), "a\n{\"level\":\"error\"}\r\t\"\\\x01 ?? end");
	assert_int_equal(json_object_size(j), 4);
	json_decref(j);
	sink_close(&s);
}

/* Long values are cut to CCSP_LOG_MAX_VALUE bytes on a character boundary. */
static void test_truncation(void **state)
{
	sink s;
	(void)state;
	size_t n = 3000;
	char *big = malloc(2 * n + 1);
	assert_non_null(big);
	for (size_t i = 0; i < n; i++)
		memcpy(big + 2 * i, "\xc3\xa9", 2); /* U+00E9, 2 bytes */
	big[2 * n] = '\0';
	sink_open(&s);
	ccsp_log_event(s.log, "info", "big", "v", big, NULL);
	json_t *j = only_line(&s, NULL);
	const char *v = json_string_value(json_object_get(j, "v"));
	assert_non_null(v); /* jansson parsed it: valid UTF-8 */
	assert_int_equal(strlen(v), CCSP_LOG_MAX_VALUE);
	assert_memory_equal(v, big, CCSP_LOG_MAX_VALUE);
	json_decref(j);
	sink_close(&s);
	/* one ASCII byte first: the limit now falls inside a character, which is dropped whole */
	char *odd = malloc(2 * n + 2);
	assert_non_null(odd);
	odd[0] = 'y';
	memcpy(odd + 1, big, 2 * n + 1);
	sink_open(&s);
	ccsp_log_event(s.log, "info", "big", "v", odd, NULL);
	free(odd);
	j = only_line(&s, NULL);
	v = json_string_value(json_object_get(j, "v"));
	assert_non_null(v);
	assert_int_equal(strlen(v), CCSP_LOG_MAX_VALUE - 1);
	json_decref(j);
	sink_close(&s);
	free(big);
}

static void test_levels(void **state)
{
	sink s;
	size_t len;
	(void)state;
	sink_open(&s);
	assert_true(ccsp_log_enabled(s.log, "info"));
	assert_false(ccsp_log_enabled(s.log, "debug"));
	ccsp_log_event(s.log, "debug", "hidden", NULL);
	assert_ccsp(CCSP_ERR_ARG, ccsp_log_set_level(s.log, "verbose"));
	assert_ok(ccsp_log_set_level(s.log, "warn"));
	ccsp_log_event(s.log, "info", "hidden", NULL);
	assert_false(ccsp_log_enabled(s.log, "info"));
	assert_true(ccsp_log_enabled(s.log, "whatever")); /* unknown counts as error */
	char *text = sink_text(&s, &len);
	assert_int_equal(len, 0);
	free(text);
	ccsp_log_event(s.log, "bogus", "shown", NULL);
	json_t *j = only_line(&s, NULL);
	assert_string_equal(json_string_value(json_object_get(j, "level")), "error");
	json_decref(j);
	sink_close(&s);
	/* a NULL logger is a no-op */
	ccsp_log_event(NULL, "error", "nothing", "k", "v", NULL);
	assert_false(ccsp_log_enabled(NULL, "error"));
}

static void test_typed_and_file(void **state)
{
	(void)state;
	FILE *f = tmpfile();
	ccsp_log *log;
	assert_non_null(f);
	assert_ok(ccsp_log_new_file(f, &log));
	ccsp_log_json(log, "info", "typed",
	              json_pack("{s:i,s:b,s:[i,i],s:s}", "status", 200, "ok", 1, "list", 1, 2, "level", "forged"));
	ccsp_log_json(log, "info", "not-object", json_integer(3)); /* fields ignored, event written */
	ccsp_log_json(log, "info", "null", NULL);
	ccsp_log_free(log);
	rewind(f);
	char line[512];
	assert_non_null(fgets(line, sizeof line, f));
	json_t *j = json_loads(line, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "status")), 200);
	assert_true(json_is_true(json_object_get(j, "ok")));
	assert_int_equal(json_array_size(json_object_get(j, "list")), 2);
	assert_string_equal(json_string_value(json_object_get(j, "level")), "info");
	json_decref(j);
	assert_non_null(fgets(line, sizeof line, f));
	assert_non_null(strstr(line, "\"not-object\""));
	assert_non_null(fgets(line, sizeof line, f));
	assert_null(fgets(line, sizeof line, f));
	fclose(f);
}

static void test_open_and_dropped(void **state)
{
	char dir[] = "/tmp/ccsp-log-XXXXXX", path[64];
	ccsp_log *log;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/a.log", dir);
	assert_ok(ccsp_log_open(path, &log));
	ccsp_log_event(log, "info", "one", NULL);
	ccsp_log_free(log);
	assert_ok(ccsp_log_open(path, &log)); /* appends */
	ccsp_log_event(log, "info", "two", NULL);
	assert_int_equal(ccsp_log_dropped(log), 0);
	ccsp_log_free(log);
	FILE *f = fopen(path, "r");
	char line[256];
	int lines = 0;
	while (fgets(line, sizeof line, f) != NULL)
		lines++;
	fclose(f);
	assert_int_equal(lines, 2);
	unlink(path);
	rmdir(dir);
	snprintf(path, sizeof path, "%s/missing/a.log", dir);
	assert_ccsp(CCSP_ERR_IO, ccsp_log_open(path, &log));
	assert_null(log);
	assert_ccsp(CCSP_ERR_ARG, ccsp_log_new_fd(-1, &log));
	assert_ccsp(CCSP_ERR_ARG, ccsp_log_new_file(NULL, &log));
	/* a full disk: the line is dropped and counted, the caller is not disturbed */
	int fd = open("/dev/full", O_WRONLY);
	if (fd >= 0) {
		assert_ok(ccsp_log_new_fd(fd, &log));
		ccsp_log_event(log, "error", "lost", NULL);
		assert_int_equal(ccsp_log_dropped(log), 1);
		ccsp_log_free(log);
		close(fd);
	}
}

#define THREADS 8
#define LINES 400

static void *log_many(void *arg)
{
	ccsp_log *log = arg;
	char v[600];
	memset(v, 'z', sizeof v - 1);
	v[sizeof v - 1] = '\0';
	for (int i = 0; i < LINES; i++)
		ccsp_log_event(log, "info", "load", "pad", v, NULL);
	return NULL;
}

/* Concurrent writers: every line whole and parseable, none lost. */
static void test_threads(void **state)
{
	sink s;
	pthread_t th[THREADS];
	size_t len;
	(void)state;
	sink_open(&s);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, log_many, s.log), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	char *text = sink_text(&s, &len);
	int lines = 0;
	for (char *p = text, *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		json_t *j = json_loadb(p, (size_t)(nl - p), 0, NULL);
		assert_non_null(j);
		assert_int_equal(strlen(json_string_value(json_object_get(j, "pad"))), 599);
		json_decref(j);
		lines++;
	}
	assert_int_equal(lines, THREADS * LINES);
	assert_int_equal(text[len - 1], '\n');
	free(text);
	sink_close(&s);
}

/* What a sink saw: the lines (without newline) and their levels. */
typedef struct seen {
	char text[4096];
	char levels[64];
	int calls;
} seen;

static void record_sink(void *arg, const char *level, const char *line, size_t len)
{
	seen *w = arg;
	assert_int_equal(strlen(line), len); /* NUL-terminated, no newline */
	strncat(w->text, line, sizeof w->text - strlen(w->text) - 2);
	strcat(w->text, "\n");
	strncat(w->levels, level, sizeof w->levels - strlen(w->levels) - 2);
	strcat(w->levels, ",");
	w->calls++;
}

/* The sink sees exactly the lines written, after the level filter; once removed, nothing. */
static void test_sink(void **state)
{
	sink s;
	seen w = {0};
	size_t len;
	(void)state;
	sink_open(&s);
	ccsp_log_set_sink(s.log, record_sink, &w);
	ccsp_log_event(s.log, "info", "one", "k", "v", NULL);
	ccsp_log_event(s.log, "debug", "filtered", NULL);
	ccsp_log_json(s.log, "warn", "two", json_pack("{s:i}", "n", 2));
	ccsp_log_event(s.log, "bogus", "three", NULL);
	ccsp_log_set_sink(s.log, NULL, &w);
	ccsp_log_event(s.log, "info", "after", NULL);
	char *text = sink_text(&s, &len);
	assert_int_equal(w.calls, 3);
	assert_string_equal(w.levels, "info,warn,error,");
	assert_int_equal(strncmp(text, w.text, strlen(w.text)), 0); /* the same bytes as the file, in order */
	assert_non_null(strstr(text + strlen(w.text), "\"after\""));
	free(text);
	ccsp_log_set_sink(NULL, record_sink, &w); /* no logger: nothing */
	sink_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format),         cmocka_unit_test(test_escaping),
	    cmocka_unit_test(test_truncation),     cmocka_unit_test(test_levels),
	    cmocka_unit_test(test_typed_and_file), cmocka_unit_test(test_open_and_dropped),
	    cmocka_unit_test(test_threads),        cmocka_unit_test(test_sink),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

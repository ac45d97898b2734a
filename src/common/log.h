/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one logger of the daemons: JSON lines, one object per event,
 *   {"ts":"2024-05-01T02:00:00.123Z","level":"info","event":"http.request","requestId":"…","status":"200"}
 * ts is RFC 3339 UTC with milliseconds; then level, event and the caller's fields in the order given. Every
 * string is escaped by jansson (control characters, quotes, backslashes), so a field value can never forge a
 * line or a field; in the string values of ccsp_log_event, bytes that are not UTF-8 are replaced by '?' and a
 * value is cut (at a character boundary) to CCSP_LOG_MAX_VALUE bytes. A field named ts, level or event is
 * dropped.
 *
 * Callers never pass secrets: no key material, PINs, passwords, tokens, session cookies, signatures over
 * secrets or request bodies. Log identifiers (request id, key id, VSM id), outcomes and error codes.
 *
 * Thread-safe: a line is built off the lock and written whole under the logger's mutex (one write(2) loop on
 * an fd, or fwrite + fflush on a FILE*), so lines of concurrent threads never interleave or break. A line
 * that cannot be written (disk full, closed pipe) is dropped and counted; logging never fails the caller.
 */
#ifndef CCSP_COMMON_LOG_H
#define CCSP_COMMON_LOG_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include <ccsp/error.h>

#define CCSP_LOG_MAX_VALUE 4096u

typedef struct ccsp_log ccsp_log;

/* A logger writing to fd / f, which stay the caller's (not closed by ccsp_log_free). Level "info".
 * CCSP_ERR_ARG (fd < 0, f NULL, out NULL), CCSP_ERR_NOMEM. */
CCSP_MUST_CHECK ccsp_err ccsp_log_new_fd(int fd, ccsp_log **out);
CCSP_MUST_CHECK ccsp_err ccsp_log_new_file(FILE *f, ccsp_log **out);
/* A logger appending to path (created 0640 if missing; O_APPEND, so lines of several processes do not
 * overwrite each other), closed by ccsp_log_free. CCSP_ERR_IO (errno kept), CCSP_ERR_ARG, CCSP_ERR_NOMEM. */
CCSP_MUST_CHECK ccsp_err ccsp_log_open(const char *path, ccsp_log **out);
void ccsp_log_free(ccsp_log *log);

/* Levels, lowest first: "debug", "info", "warn", "error". Events below the minimum are not written.
 * CCSP_ERR_ARG for another name. */
CCSP_MUST_CHECK ccsp_err ccsp_log_set_level(ccsp_log *log, const char *min_level);
/* 1 when an event of this level would be written (skip building expensive fields otherwise). An unknown
 * level counts as "error". log NULL: 0. */
int ccsp_log_enabled(const ccsp_log *log, const char *level);

/* Write one event: level (one of the names above; another is written as "error"), event (a dotted name such
 * as "http.request"), then key, value pairs of strings ending with a NULL key; a NULL value is written as
 * JSON null. log NULL: nothing. */
void ccsp_log_event(ccsp_log *log, const char *level, const char *event, ...) __attribute__((sentinel));
void ccsp_log_eventv(ccsp_log *log, const char *level, const char *event, va_list ap);
/* The same with typed fields: the members of the object fields (numbers, booleans, strings, nested values),
 * in its order. Takes the reference to fields (a NULL or non-object fields is ignored). */
void ccsp_log_json(ccsp_log *log, const char *level, const char *event, json_t *fields);
/* Lines dropped because they could not be built or written. */
uint64_t ccsp_log_dropped(const ccsp_log *log);

/* A sink sees every event that is written (after the level filter), as its line without the newline: a compact
 * JSON object, len bytes, NUL-terminated; level is one of the names above. It runs under the logger's mutex,
 * on the logging thread, so it must be quick and must not block or log (e.g. copy the line into a queue, as
 * logfwd.h does); the line is only valid during the call. */
typedef void (*ccsp_log_sink_fn)(void *arg, const char *level, const char *line, size_t len);
/* Set (fn non-NULL) or remove (fn NULL) the logger's one sink. Thread-safe; once it returns, the previous sink
 * is not running and will not be called again, so its arg may be freed. log NULL: nothing. */
void ccsp_log_set_sink(ccsp_log *log, ccsp_log_sink_fn fn, void *arg);

#endif

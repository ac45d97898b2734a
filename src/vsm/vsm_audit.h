/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VSM audit log (GB/T 37092 7.6.3, MOD-8): security events appended as JSON-free text lines, each
 * chained to the previous one with HMAC-SM3 under the audit key, so that editing, reordering, inserting or
 * removing any line before the last one is detected by ccsp_vsm_audit_verify(). Removing lines from the end
 * leaves a shorter valid chain: the file alone cannot show it; a caller that must detect it keeps the last
 * seq somewhere else and compares it with the report's line count. Never holds a secret: callers pass only
 * event names, indices, handles and outcomes.
 *
 * Line format (one event per line, UTF-8, no tab or newline inside fields):
 *     <seq>\t<unix-time-ms>\t<event>\t<detail>\t<mac-hex>\n
 * mac = HMAC-SM3(audit key, prev-mac(32 bytes) || "<seq>\t<time>\t<event>\t<detail>"), prev-mac of the first
 * line = 32 zero bytes; seq starts at 1 and increases by one. seq and time are decimal without sign or
 * leading zeros, mac-hex is 64 lowercase hex digits; a line in any other form does not verify.
 *
 * Appends are O_APPEND writes followed by fdatasync; a line cut short by a crash is the only damage a crash
 * can do, and verify reports it as a truncated last line (distinct from tampering). ccsp_vsm_audit_open()
 * removes such a line (it was never acknowledged) so that the chain continues on a fresh line.
 * Thread-safe: appends from any thread are serialised; ccsp_vsm_audit_free() must not race with them.
 */
#ifndef CCSP_VSM_AUDIT_H
#define CCSP_VSM_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#define CCSP_VSM_AUDIT_KEY_SIZE 32
#define CCSP_VSM_AUDIT_FIELD_MAX 256 /* event and detail, bytes each */

typedef struct ccsp_vsm_audit ccsp_vsm_audit;

/* Open (create, mode 0600) the log at path with the audit key (copied; wiped by ccsp_vsm_audit_free); the
 * last line's seq and mac are read back so appends continue the chain. An incomplete last line (no newline:
 * a crash while appending) is cut off with ftruncate, back to the end of the last complete line, before
 * anything is appended. The handle holds an exclusive flock on the file: one writer at a time, in this
 * process or another. On success *out is the handle, otherwise NULL. CCSP_ERR_TAMPERED when the existing
 * log does not verify (the file is left untouched; the caller decides whether to refuse service),
 * CCSP_ERR_IO on OS errors, including a path that is not a regular file or a log another handle holds,
 * CCSP_ERR_NOMEM, CCSP_ERR_ARG for NULL arguments. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_audit_open(const char *path, const uint8_t key[CCSP_VSM_AUDIT_KEY_SIZE],
                                             ccsp_vsm_audit **out);
/* Close the log, wipe the key copy and free. NULL is ignored. */
void ccsp_vsm_audit_free(ccsp_vsm_audit *a);

/* Append one event, e.g. ("key.generate", "kind=sign index=3 ok"); CCSP_OK once the line is on stable storage.
 * Fields longer than CCSP_VSM_AUDIT_FIELD_MAX are cut (at a UTF-8 character boundary); tabs, newlines and
 * other control bytes (including DEL) are replaced by '?'. Empty fields are allowed.
 * CCSP_ERR_ARG for NULL arguments; CCSP_ERR_LIMIT when seq would pass UINT64_MAX; CCSP_ERR_IO when the write
 * fails (the file is cut back to its previous end and the handle stays usable). When that cut fails, or
 * fdatasync fails, the file's state is unknown: CCSP_ERR_IO, and every later append returns CCSP_ERR_STATE;
 * free the handle and open the log again, which recovers it. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_audit_append(ccsp_vsm_audit *a, const char *event, const char *detail);

/* Result of verifying a log file. */
typedef struct ccsp_vsm_audit_report {
	uint64_t lines;          /* lines that verified */
	uint64_t bad_line;       /* 0, or the first line (1-based) that failed */
	int truncated_tail;      /* the last line is incomplete (a crash while appending); earlier lines verified */
} ccsp_vsm_audit_report;

/* Verify the chain of the log at path (read only; it may be open for appending meanwhile). CCSP_OK when every
 * complete line verifies (report->truncated_tail may still be set); CCSP_ERR_TAMPERED with report->bad_line
 * when a line fails (a line longer than any valid line, or a tail without newline that long, counts as a
 * failing line); CCSP_ERR_FILE_NOT_FOUND, CCSP_ERR_IO otherwise; CCSP_ERR_ARG for NULL arguments. The report
 * is filled on every return but CCSP_ERR_ARG. */
CCSP_MUST_CHECK ccsp_err ccsp_vsm_audit_verify(const char *path, const uint8_t key[CCSP_VSM_AUDIT_KEY_SIZE],
                                               ccsp_vsm_audit_report *report);

#endif

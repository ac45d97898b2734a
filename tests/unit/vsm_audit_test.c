/* SPDX-License-Identifier: Apache-2.0 */
/*
 * VSM audit log: append and verify, the chain recomputed independently with OpenSSL's HMAC-SM3, every kind
 * of tampering (each byte edited, lines deleted, swapped, duplicated, spliced from another log, forged lines
 * with valid MACs but a non-canonical form), crash recovery of a truncated last line, sanitising, concurrent
 * appends, and the error paths.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "test_util.h"
#include "vsm/vsm_audit.h"

static const uint8_t KEY[CCSP_VSM_AUDIT_KEY_SIZE] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

#define FILE_CAP 65536

/* Per test: a fresh directory holding the log (path), a second log (other) and a FIFO name (fifo). */
struct fixture {
	char dir[32];
	char path[64], other[64], fifo[64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	if (f == NULL)
		return -1;
	memcpy(f->dir, "/tmp/ccsp-audit-XXXXXX", sizeof "/tmp/ccsp-audit-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof f->path, "%s/audit.log", f->dir);
	snprintf(f->other, sizeof f->other, "%s/other.log", f->dir);
	snprintf(f->fifo, sizeof f->fifo, "%s/fifo", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	unlink(f->path);
	unlink(f->other);
	unlink(f->fifo);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* ---- file helpers ---- */

/* The whole file into buf (NUL-terminated); returns its length. */
static size_t file_read(const char *path, char *buf, size_t cap)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	size_t n = fread(buf, 1, cap - 1, fp);
	assert_int_equal(feof(fp) || n < cap - 1, 1);
	fclose(fp);
	buf[n] = '\0';
	return n;
}

static void file_write(const char *path, const void *buf, size_t len)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void file_append(const char *path, const void *buf, size_t len)
{
	FILE *fp = fopen(path, "ab");
	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* Up to max lines of buf: start offsets and lengths including the newline. Returns the count. */
static size_t split_lines(const char *buf, size_t len, size_t *start, size_t *n, size_t max)
{
	size_t count = 0, pos = 0;
	while (pos < len) {
		assert_true(count < max);
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl == NULL ? len : (size_t)(nl - buf) + 1;
		start[count] = pos;
		n[count++] = end - pos;
		pos = end;
	}
	return count;
}

/* Open, append count events ("<event>", "n=<i>"), free. */
static void append_events(const char *path, const uint8_t *key, const char *event, int count)
{
	ccsp_vsm_audit *a = NULL;
	char detail[64];
	assert_ok(ccsp_vsm_audit_open(path, key, &a));
	assert_non_null(a);
	for (int i = 0; i < count; i++) {
		snprintf(detail, sizeof detail, "kind=sign index=%d ok", i);
		assert_ok(ccsp_vsm_audit_append(a, event, detail));
	}
	ccsp_vsm_audit_free(a);
}

static void expect_verify(const char *path, const uint8_t *key, ccsp_err ret, uint64_t lines, uint64_t bad, int trunc)
{
	ccsp_vsm_audit_report r;
	memset(&r, 0xa5, sizeof r);
	assert_ccsp(ret, ccsp_vsm_audit_verify(path, key, &r));
	if (r.lines != lines || r.bad_line != bad || r.truncated_tail != trunc)
		fail_msg("%s: lines %llu bad %llu trunc %d, expected %llu %llu %d", path, (unsigned long long)r.lines,
		         (unsigned long long)r.bad_line, r.truncated_tail, (unsigned long long)lines,
		         (unsigned long long)bad, trunc);
}

/* open refuses a tampered log and leaves the file as it was. */
static void expect_open_tampered(const char *path, const uint8_t *key)
{
	static char before[FILE_CAP], after[FILE_CAP];
	size_t n = file_read(path, before, sizeof before);
	ccsp_vsm_audit *a = (ccsp_vsm_audit *)(uintptr_t)1;
	assert_ccsp(CCSP_ERR_TAMPERED, ccsp_vsm_audit_open(path, key, &a));
	assert_null(a);
	assert_int_equal(file_read(path, after, sizeof after), n);
	assert_memory_equal(before, after, n);
}

/* ---- an independent implementation of the format (OpenSSL HMAC-SM3) ---- */

static void openssl_mac(const uint8_t prev[32], const char *text, size_t len, uint8_t mac[32])
{
	uint8_t msg[1024];
	unsigned ml = 0;
	assert_true(len <= sizeof msg - 32);
	memcpy(msg, prev, 32);
	memcpy(msg + 32, text, len);
	assert_non_null(HMAC(EVP_sm3(), KEY, sizeof KEY, msg, 32 + len, mac, &ml));
	assert_int_equal(ml, 32);
}

static void to_hex(const uint8_t *p, size_t n, int upper, char *out)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Append "<text>\t<mac-hex>\n" to out (NUL-terminated, cap bytes) with the mac over prev || text; prev
 * becomes that mac. */
static void forge_line(uint8_t prev[32], const char *text, size_t tlen, int upper, char *out, size_t cap)
{
	uint8_t mac[32];
	char hex[65];
	openssl_mac(prev, text, tlen, mac);
	to_hex(mac, 32, upper, hex);
	size_t o = strlen(out);
	assert_true(o + tlen + 1 + 64 + 2 <= cap);
	memcpy(out + o, text, tlen);
	snprintf(out + o + tlen, cap - o - tlen, "\t%s\n", hex);
	memcpy(prev, mac, 32);
}

/* Check every line of the log with OpenSSL: five fields, seq 1..count, canonical time, chained mac. */
static void check_with_openssl(const char *path, size_t count)
{
	static char buf[FILE_CAP];
	size_t start[2048], n[2048];
	uint8_t prev[32] = {0}, mac[32];
	char hex[65], seq[32];
	size_t len = file_read(path, buf, sizeof buf);
	assert_int_equal(split_lines(buf, len, start, n, 2048), count);
	for (size_t i = 0; i < count; i++) {
		const char *line = buf + start[i];
		size_t tabs = 0, last_tab = 0;
		assert_int_equal(line[n[i] - 1], '\n');
		for (size_t k = 0; k < n[i]; k++)
			if (line[k] == '\t') {
				tabs++;
				last_tab = k;
			}
		assert_int_equal(tabs, 4);
		snprintf(seq, sizeof seq, "%zu\t", i + 1);
		assert_memory_equal(line, seq, strlen(seq));
		const char *time_f = line + strlen(seq);
		assert_true(time_f[0] >= '1' && time_f[0] <= '9'); /* Unix time in ms, no leading zero */
		assert_true(strtoull(time_f, NULL, 10) > 1500000000000ull);
		openssl_mac(prev, line, last_tab, mac);
		to_hex(mac, 32, 0, hex);
		assert_int_equal(n[i] - last_tab - 2, 64);
		assert_memory_equal(line + last_tab + 1, hex, 64);
		memcpy(prev, mac, 32);
	}
}

/* ---- tests ---- */

static void test_append_verify(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	expect_verify(f->path, KEY, CCSP_ERR_FILE_NOT_FOUND, 0, 0, 0);
	append_events(f->path, KEY, "key.generate", 10);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 077, 0); /* 0600 */
	expect_verify(f->path, KEY, CCSP_OK, 10, 0, 0);
	check_with_openssl(f->path, 10);

	/* An empty log verifies, and opening it without appending leaves it empty. */
	file_write(f->path, "", 0);
	expect_verify(f->path, KEY, CCSP_OK, 0, 0, 0);
	append_events(f->path, KEY, "unused", 0);
	expect_verify(f->path, KEY, CCSP_OK, 0, 0, 0);
}

static void test_reopen_continues(void **state)
{
	struct fixture *f = *state;
	ccsp_vsm_audit *a = NULL, *b = NULL;
	ccsp_vsm_audit_report r;

	append_events(f->path, KEY, "session.open", 3);
	append_events(f->path, KEY, "session.close", 2);
	expect_verify(f->path, KEY, CCSP_OK, 5, 0, 0);
	check_with_openssl(f->path, 5);

	/* One writer at a time; verify works while the log is open. */
	assert_ok(ccsp_vsm_audit_open(f->path, KEY, &a));
	assert_ccsp(CCSP_ERR_IO, ccsp_vsm_audit_open(f->path, KEY, &b));
	assert_null(b);
	assert_ok(ccsp_vsm_audit_append(a, "e", "d"));
	assert_ok(ccsp_vsm_audit_verify(f->path, KEY, &r));
	assert_int_equal(r.lines, 6);
	ccsp_vsm_audit_free(a);
	append_events(f->path, KEY, "again", 1);
	check_with_openssl(f->path, 7);
}

/* Which line (1-based) holds byte pos. */
static uint64_t line_of(const char *buf, size_t pos)
{
	uint64_t line = 1;
	for (size_t i = 0; i < pos; i++)
		line += buf[i] == '\n';
	return line;
}

/* Each byte of each line, changed three ways: verify fails at exactly that line. */
static void test_edit_every_byte(void **state)
{
	struct fixture *f = *state;
	static char orig[FILE_CAP], mod[FILE_CAP];
	static const uint8_t masks[] = {0x01, 0x20, 0x80};
	ccsp_vsm_audit *a = NULL;

	assert_ok(ccsp_vsm_audit_open(f->path, KEY, &a));
	assert_ok(ccsp_vsm_audit_append(a, "module.start", "version=0.1.0"));
	assert_ok(ccsp_vsm_audit_append(a, "key.generate", "kind=enc index=12 ok"));
	assert_ok(ccsp_vsm_audit_append(a, "", ""));
	assert_ok(ccsp_vsm_audit_append(a, "password.check", "index=12 fail \xe5\xaf\x86"));
	assert_ok(ccsp_vsm_audit_append(a, "module.stop", "ok"));
	ccsp_vsm_audit_free(a);
	size_t len = file_read(f->path, orig, sizeof orig);
	for (size_t pos = 0; pos < len; pos++)
		for (size_t m = 0; m < sizeof masks; m++) {
			memcpy(mod, orig, len);
			mod[pos] = (char)(mod[pos] ^ masks[m]);
			file_write(f->path, mod, len);
			if (pos == len - 1) /* the last newline: indistinguishable from a crash mid-append */
				expect_verify(f->path, KEY, CCSP_OK, 4, 0, 1);
			else {
				uint64_t line = line_of(orig, pos);
				expect_verify(f->path, KEY, CCSP_ERR_TAMPERED, line - 1, line, 0);
				if ((pos + m) % 11 == 0)
					expect_open_tampered(f->path, KEY);
			}
		}
	file_write(f->path, orig, len);
	expect_verify(f->path, KEY, CCSP_OK, 5, 0, 0);
}

/* Rebuild the log from lines of orig in the given order (1-based, 0 ends), then expect bad_line. */
static void expect_reordered(const char *path, const char *orig, const size_t *start, const size_t *n,
                             const int *order, uint64_t bad)
{
	static char out[FILE_CAP];
	size_t len = 0;
	for (const int *o = order; *o != 0; o++) {
		memcpy(out + len, orig + start[*o - 1], n[*o - 1]);
		len += n[*o - 1];
	}
	file_write(path, out, len);
	if (bad == 0) {
		expect_verify(path, KEY, CCSP_OK, (uint64_t)(len == 0 ? 0 : line_of(out, len - 1)), 0, 0);
		return;
	}
	expect_verify(path, KEY, CCSP_ERR_TAMPERED, bad - 1, bad, 0);
	expect_open_tampered(path, KEY);
}

static void test_delete_swap_duplicate(void **state)
{
	struct fixture *f = *state;
	static char orig[FILE_CAP], other[FILE_CAP], out[FILE_CAP];
	size_t start[16], n[16], ostart[16], on[16];

	append_events(f->path, KEY, "key.use", 6);
	size_t len = file_read(f->path, orig, sizeof orig);
	assert_int_equal(split_lines(orig, len, start, n, 16), 6);

	static const int del3[] = {1, 2, 4, 5, 6, 0}, del1[] = {2, 3, 4, 5, 6, 0};
	static const int swap24[] = {1, 4, 3, 2, 5, 6, 0}, swap56[] = {1, 2, 3, 4, 6, 5, 0};
	static const int dup3[] = {1, 2, 3, 3, 4, 5, 6, 0}, dup6[] = {1, 2, 3, 4, 5, 6, 6, 0};
	static const int first_last[] = {6, 2, 3, 4, 5, 1, 0}, dellast[] = {1, 2, 3, 4, 5, 0};
	expect_reordered(f->path, orig, start, n, del3, 3);
	expect_reordered(f->path, orig, start, n, del1, 1);
	expect_reordered(f->path, orig, start, n, swap24, 2);
	expect_reordered(f->path, orig, start, n, swap56, 5);
	expect_reordered(f->path, orig, start, n, dup3, 4);
	expect_reordered(f->path, orig, start, n, dup6, 7);
	expect_reordered(f->path, orig, start, n, first_last, 1);
	/* Cutting lines off the end leaves a valid shorter chain: the documented limit of a chain. */
	expect_reordered(f->path, orig, start, n, dellast, 0);

	/* Line 3 replaced by line 3 of another log under the same key (same seq, valid MAC in its own chain). */
	append_events(f->other, KEY, "key.use", 6);
	size_t olen = file_read(f->other, other, sizeof other);
	assert_int_equal(split_lines(other, olen, ostart, on, 16), 6);
	assert_memory_equal(orig, other, 2); /* "1\t": same seq, different time or mac */
	size_t k = 0;
	memcpy(out, orig, start[2]);
	k = start[2];
	memcpy(out + k, other + ostart[2], on[2]);
	k += on[2];
	memcpy(out + k, orig + start[3], len - start[3]);
	k += len - start[3];
	file_write(f->path, out, k);
	if (memcmp(orig + start[2], other + ostart[2], n[2]) != 0) /* equal only if the same millisecond */
		expect_verify(f->path, KEY, CCSP_ERR_TAMPERED, 2, 3, 0);

	/* An empty line inserted after line 2. */
	memcpy(out, orig, start[2]);
	out[start[2]] = '\n';
	memcpy(out + start[2] + 1, orig + start[2], len - start[2]);
	file_write(f->path, out, len + 1);
	expect_verify(f->path, KEY, CCSP_ERR_TAMPERED, 2, 3, 0);
}

/* A crash while appending leaves a line without its newline. */
static void test_truncated_tail(void **state)
{
	struct fixture *f = *state;
	static char buf[FILE_CAP], before[FILE_CAP];
	static const char partial[] = "4\t1700000000000\tkey.gen";

	append_events(f->path, KEY, "key.delete", 3);
	size_t len = file_read(f->path, before, sizeof before);
	file_append(f->path, partial, strlen(partial));
	expect_verify(f->path, KEY, CCSP_OK, 3, 0, 1);
	/* open cuts the partial line off, then the chain continues on a fresh line */
	append_events(f->path, KEY, "after.crash", 0);
	assert_int_equal(file_read(f->path, buf, sizeof buf), len);
	assert_memory_equal(buf, before, len);
	expect_verify(f->path, KEY, CCSP_OK, 3, 0, 0);
	append_events(f->path, KEY, "after.crash", 1);
	expect_verify(f->path, KEY, CCSP_OK, 4, 0, 0);
	check_with_openssl(f->path, 4);

	/* The whole line 4 written but not its newline: it was never acknowledged and is dropped. */
	len = file_read(f->path, buf, sizeof buf);
	file_write(f->path, buf, len - 1);
	expect_verify(f->path, KEY, CCSP_OK, 3, 0, 1);
	append_events(f->path, KEY, "after.second.crash", 1);
	expect_verify(f->path, KEY, CCSP_OK, 4, 0, 0);
	check_with_openssl(f->path, 4);
	file_read(f->path, buf, sizeof buf);
	assert_non_null(strstr(buf, "\tafter.second.crash\t"));
	assert_null(strstr(buf, "\tafter.crash\t"));

	/* A crash during the very first line. */
	file_write(f->path, "1\t17", 4);
	expect_verify(f->path, KEY, CCSP_OK, 0, 0, 1);
	append_events(f->path, KEY, "first", 1);
	expect_verify(f->path, KEY, CCSP_OK, 1, 0, 0);
	check_with_openssl(f->path, 1);

	/* A "tail" longer than any line is not a crash. */
	memset(buf, 'x', 700);
	file_append(f->path, buf, 700);
	expect_verify(f->path, KEY, CCSP_ERR_TAMPERED, 1, 2, 0);
	expect_open_tampered(f->path, KEY);
}

static void test_wrong_key(void **state)
{
	struct fixture *f = *state;
	uint8_t k[CCSP_VSM_AUDIT_KEY_SIZE];
	ccsp_vsm_audit *a = NULL;

	append_events(f->path, KEY, "key.import", 3);
	for (size_t i = 0; i < sizeof k; i += 31) {
		memcpy(k, KEY, sizeof k);
		k[i] ^= 0x80;
		expect_verify(f->path, k, CCSP_ERR_TAMPERED, 0, 1, 0);
		assert_ccsp(CCSP_ERR_TAMPERED, ccsp_vsm_audit_open(f->path, k, &a));
		assert_null(a);
	}
	expect_verify(f->path, KEY, CCSP_OK, 3, 0, 0);
}

/* The fields of line i (1-based) of buf: event and detail copied out (NUL-terminated). */
static void line_fields(const char *buf, size_t len, size_t i, char *event, char *detail, size_t cap)
{
	size_t start[16], n[16];
	assert_true(split_lines(buf, len, start, n, 16) >= i);
	const char *p = buf + start[i - 1];
	const char *t1 = memchr(p, '\t', n[i - 1]);
	assert_non_null(t1);
	const char *t2 = strchr(t1 + 1, '\t');
	const char *t3 = strchr(t2 + 1, '\t');
	const char *t4 = strchr(t3 + 1, '\t');
	assert_true(t4 != NULL && t4 < p + n[i - 1]);
	assert_true((size_t)(t3 - t2 - 1) < cap && (size_t)(t4 - t3 - 1) < cap);
	memcpy(event, t2 + 1, (size_t)(t3 - t2 - 1));
	event[t3 - t2 - 1] = '\0';
	memcpy(detail, t3 + 1, (size_t)(t4 - t3 - 1));
	detail[t4 - t3 - 1] = '\0';
}

static void test_sanitise(void **state)
{
	struct fixture *f = *state;
	static char buf[FILE_CAP];
	char event[600], detail[600], long_d[400], utf8_d[400], expect[400];
	ccsp_vsm_audit *a = NULL;

	memset(long_d, 'd', 300);
	long_d[300] = '\0';
	memset(utf8_d, 'x', 255); /* then a 2-byte character across the 256-byte limit */
	memcpy(utf8_d + 255, "\xc3\xa9zz", 5);

	assert_ok(ccsp_vsm_audit_open(f->path, KEY, &a));
	assert_ok(ccsp_vsm_audit_append(a, "a\tb\nc\rd\x01" "e\x7f" "f", "x\ty\n"));
	assert_ok(ccsp_vsm_audit_append(a, "long", long_d));
	assert_ok(ccsp_vsm_audit_append(a, "utf8", utf8_d));
	assert_ok(ccsp_vsm_audit_append(a, "k\xc3\xa9y", "\xe5\xaf\x86\xe9\x92\xa5"));
	assert_ok(ccsp_vsm_audit_append(a, "", ""));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_audit_append(NULL, "e", "d"));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_audit_append(a, NULL, "d"));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_audit_append(a, "e", NULL));
	ccsp_vsm_audit_free(a);

	expect_verify(f->path, KEY, CCSP_OK, 5, 0, 0);
	check_with_openssl(f->path, 5); /* also: exactly four tabs and one newline per line */
	size_t len = file_read(f->path, buf, sizeof buf);
	line_fields(buf, len, 1, event, detail, sizeof event);
	assert_string_equal(event, "a?b?c?d?e?f");
	assert_string_equal(detail, "x?y?");
	line_fields(buf, len, 2, event, detail, sizeof event);
	memset(expect, 'd', CCSP_VSM_AUDIT_FIELD_MAX);
	expect[CCSP_VSM_AUDIT_FIELD_MAX] = '\0';
	assert_string_equal(detail, expect);
	line_fields(buf, len, 3, event, detail, sizeof event);
	assert_int_equal(strlen(detail), 255); /* cut before the character, not inside it */
	line_fields(buf, len, 4, event, detail, sizeof event);
	assert_string_equal(event, "k\xc3\xa9y");
	assert_string_equal(detail, "\xe5\xaf\x86\xe9\x92\xa5");
	line_fields(buf, len, 5, event, detail, sizeof event);
	assert_string_equal(event, "");
	assert_string_equal(detail, "");
}

/* Lines forged with valid MACs (OpenSSL) but not in the canonical form are refused at that line. */
static void test_forged_format(void **state)
{
	struct fixture *f = *state;
	static char file[FILE_CAP];
	static const struct {
		const char *text; /* line 2, before its mac */
		int upper;        /* mac in uppercase hex */
		int valid;
	} cases[] = {
		{"2\t1700000000001\tev\tdet", 0, 1},
		{"2\t0\t\xff\xfe\t\x80", 0, 1}, /* high bytes are not checked as UTF-8 */
		{"2\t1700000000001\tev\tdet", 1, 0},
		{"02\t1700000000001\tev\tdet", 0, 0},
		{"+2\t1700000000001\tev\tdet", 0, 0},
		{" 2\t1700000000001\tev\tdet", 0, 0},
		{"3\t1700000000001\tev\tdet", 0, 0},
		{"1\t1700000000001\tev\tdet", 0, 0},
		{"\t1700000000001\tev\tdet", 0, 0},
		{"2\t-1\tev\tdet", 0, 0},
		{"2\t\tev\tdet", 0, 0},
		{"2\t01700000000001\tev\tdet", 0, 0},
		{"2\t18446744073709551616\tev\tdet", 0, 0},
		{"2\t1700000000001x\tev\tdet", 0, 0},
		{"2\t1700000000001\te\x01v\tdet", 0, 0},
		{"2\t1700000000001\tev\tdet\x7f", 0, 0},
		{"2\t1700000000001\tev\tdet\r", 0, 0},
		{"2\t1700000000001\tev", 0, 0},
		{"2\t1700000000001\tev\tdet\textra", 0, 0},
	};
	static const char LINE1[] = "1\t1700000000000\tmodule.start\tok";
	uint8_t prev[32];
	char text[400];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(prev, 0, sizeof prev);
		file[0] = '\0';
		forge_line(prev, LINE1, strlen(LINE1), 0, file, sizeof file);
		forge_line(prev, cases[i].text, strlen(cases[i].text), cases[i].upper, file, sizeof file);
		file_write(f->path, file, strlen(file));
		if (cases[i].valid)
			expect_verify(f->path, KEY, CCSP_OK, 2, 0, 0);
		else
			expect_verify(f->path, KEY, CCSP_ERR_TAMPERED, 1, 2, 0);
	}

	/* A field of FIELD_MAX bytes is accepted, one more is not. */
	for (size_t extra = 0; extra <= 1; extra++) {
		memset(prev, 0, sizeof prev);
		file[0] = '\0';
		int n = snprintf(text, sizeof text, "1\t1\tev\t");
		memset(text + n, 'd', CCSP_VSM_AUDIT_FIELD_MAX + extra);
		forge_line(prev, text, (size_t)n + CCSP_VSM_AUDIT_FIELD_MAX + extra, 0, file, sizeof file);
		file_write(f->path, file, strlen(file));
		expect_verify(f->path, KEY, extra ? CCSP_ERR_TAMPERED : CCSP_OK, extra ? 0 : 1, extra, 0);
	}

	/* The mac cut short, an empty line, a line longer than any valid one. */
	memset(prev, 0, sizeof prev);
	file[0] = '\0';
	forge_line(prev, "1\t1\tev\tdet", 10, 0, file, sizeof file);
	size_t len = strlen(file);
	memmove(file + len - 3, file + len - 1, 2); /* drop two hex digits */
	file_write(f->path, file, strlen(file));
	expect_verify(f->path, KEY, CCSP_ERR_TAMPERED, 0, 1, 0);
	file_write(f->path, "\n", 1);
	expect_verify(f->path, KEY, CCSP_ERR_TAMPERED, 0, 1, 0);
	memset(file, 'a', 5000);
	file[5000] = '\n';
	file_write(f->path, file, 5001);
	expect_verify(f->path, KEY, CCSP_ERR_TAMPERED, 0, 1, 0);
	expect_open_tampered(f->path, KEY);
}

#define THREADS 4
#define PER_THREAD 100

struct worker {
	ccsp_vsm_audit *a;
	int id;
	ccsp_err err;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char event[32], detail[32];
	snprintf(event, sizeof event, "thread.%d", w->id);
	w->err = CCSP_OK;
	for (int i = 0; i < PER_THREAD && w->err == CCSP_OK; i++) {
		snprintf(detail, sizeof detail, "i=%d", i);
		w->err = ccsp_vsm_audit_append(w->a, event, detail);
	}
	return NULL;
}

static void test_concurrent(void **state)
{
	struct fixture *f = *state;
	static char buf[FILE_CAP];
	pthread_t th[THREADS];
	struct worker w[THREADS];
	int next[THREADS] = {0};
	ccsp_vsm_audit *a = NULL;
	char event[600], detail[600];

	assert_ok(ccsp_vsm_audit_open(f->path, KEY, &a));
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){a, i, CCSP_ERR_INTERNAL};
		assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_ok(w[i].err);
	}
	ccsp_vsm_audit_free(a);
	expect_verify(f->path, KEY, CCSP_OK, THREADS * PER_THREAD, 0, 0);
	check_with_openssl(f->path, THREADS * PER_THREAD);

	/* Every event once, each thread's in its own order. */
	size_t len = file_read(f->path, buf, sizeof buf);
	size_t start[THREADS * PER_THREAD], n[THREADS * PER_THREAD];
	assert_int_equal(split_lines(buf, len, start, n, THREADS * PER_THREAD), THREADS * PER_THREAD);
	for (size_t i = 1; i <= THREADS * PER_THREAD; i++) {
		int id = -1, k = -1;
		const char *line = buf + start[i - 1];
		const char *t2 = strchr(strchr(line, '\t') + 1, '\t');
		const char *t3 = strchr(t2 + 1, '\t');
		const char *t4 = strchr(t3 + 1, '\t');
		snprintf(event, sizeof event, "%.*s", (int)(t3 - t2 - 1), t2 + 1);
		snprintf(detail, sizeof detail, "%.*s", (int)(t4 - t3 - 1), t3 + 1);
		assert_int_equal(sscanf(event, "thread.%d", &id), 1);
		assert_int_equal(sscanf(detail, "i=%d", &k), 1);
		assert_true(id >= 0 && id < THREADS);
		assert_int_equal(k, next[id]);
		next[id]++;
	}
}

/* A write the file system refuses half-way (RLIMIT_FSIZE): the file is cut back and the handle stays usable. */
static void test_write_failure_rolls_back(void **state)
{
	struct fixture *f = *state;
	static char before[FILE_CAP], after[FILE_CAP];
	struct rlimit old, lim;
	struct stat st;
	ccsp_vsm_audit *a = NULL;

	append_events(f->path, KEY, "key.use", 2);
	size_t len = file_read(f->path, before, sizeof before);
	assert_ok(ccsp_vsm_audit_open(f->path, KEY, &a));
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	if (old.rlim_max != RLIM_INFINITY && old.rlim_max < len + 10) {
		ccsp_vsm_audit_free(a);
		skip();
	}
	void (*prev_handler)(int) = signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = len + 10; /* room for 10 bytes of the next line */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	ccsp_err ret = ccsp_vsm_audit_append(a, "key.use", "this line does not fit");
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, prev_handler);
	assert_ccsp(CCSP_ERR_IO, ret);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal((size_t)st.st_size, len);
	assert_int_equal(file_read(f->path, after, sizeof after), len);
	assert_memory_equal(before, after, len);

	assert_ok(ccsp_vsm_audit_append(a, "key.use", "now it fits"));
	ccsp_vsm_audit_free(a);
	expect_verify(f->path, KEY, CCSP_OK, 3, 0, 0);
	check_with_openssl(f->path, 3);
}

static void test_errors(void **state)
{
	struct fixture *f = *state;
	ccsp_vsm_audit *a = NULL;
	ccsp_vsm_audit_report r;
	char path[128];

	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_audit_open(NULL, KEY, &a));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_audit_open(f->path, NULL, &a));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_audit_open(f->path, KEY, NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_audit_verify(NULL, KEY, &r));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_audit_verify(f->path, NULL, &r));
	assert_ccsp(CCSP_ERR_ARG, ccsp_vsm_audit_verify(f->path, KEY, NULL));
	ccsp_vsm_audit_free(NULL);

	expect_verify(f->path, KEY, CCSP_ERR_FILE_NOT_FOUND, 0, 0, 0);
	assert_ccsp(CCSP_ERR_IO, ccsp_vsm_audit_open(f->dir, KEY, &a)); /* a directory */
	assert_null(a);
	expect_verify(f->dir, KEY, CCSP_ERR_IO, 0, 0, 0);
	snprintf(path, sizeof path, "%s/missing/audit.log", f->dir);
	assert_ccsp(CCSP_ERR_IO, ccsp_vsm_audit_open(path, KEY, &a));
	assert_int_equal(mkfifo(f->fifo, 0600), 0); /* neither call may block on it */
	assert_ccsp(CCSP_ERR_IO, ccsp_vsm_audit_open(f->fifo, KEY, &a));
	assert_null(a);
	expect_verify(f->fifo, KEY, CCSP_ERR_IO, 0, 0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_append_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_continues, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edit_every_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_swap_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sanitise, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_failure_rolls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

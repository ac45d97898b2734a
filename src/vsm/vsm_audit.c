/* SPDX-License-Identifier: Apache-2.0 */
#include "vsm/vsm_audit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <ccsp/mem.h>
#include <ccsp/sm3.h>

#include "crypto/guard.h" /* CCSP_CHECK, CCSP_ENSURE */

#define AUDIT_MAC_SIZE CCSP_SM3_DIGEST_SIZE
#define AUDIT_MAC_HEX (2 * AUDIT_MAC_SIZE)
#define AUDIT_U64_DIGITS 20 /* UINT64_MAX = 18446744073709551615 */
/* Longest valid line, without its newline: seq, time, event, detail, mac and four tabs. */
#define AUDIT_LINE_MAX                                                                                     \
	(AUDIT_U64_DIGITS + 1 + AUDIT_U64_DIGITS + 1 + CCSP_VSM_AUDIT_FIELD_MAX + 1 + CCSP_VSM_AUDIT_FIELD_MAX + \
	 1 + AUDIT_MAC_HEX)
#define AUDIT_READ_BUF 4096
_Static_assert(AUDIT_READ_BUF > AUDIT_LINE_MAX, "the read buffer must hold a whole line and its newline");

/* Where the chain stands: the last line's seq (0 before the first line) and mac (zeros before it). */
struct chain {
	uint64_t seq;
	uint8_t mac[AUDIT_MAC_SIZE];
};

struct ccsp_vsm_audit {
	pthread_mutex_t lock; /* serialises appends */
	int fd;               /* O_APPEND, holds the flock */
	int broken;           /* a failed append left the file in an unknown state */
	uint64_t size;        /* file size after the last complete line */
	struct chain chain;
	uint8_t key[CCSP_VSM_AUDIT_KEY_SIZE];
};

/* ---- reading: lines of at most AUDIT_LINE_MAX bytes, from a file that is not trusted ---- */

enum line_kind { LINE_OK, LINE_END, LINE_PARTIAL, LINE_TOO_LONG, LINE_IO };

struct line_reader {
	int fd;
	int eof;
	size_t start, end; /* unread bytes are buf[start..end) */
	uint8_t buf[AUDIT_READ_BUF];
};

/* The next line (without its newline) in *line, *len; valid until the next call. LINE_PARTIAL: the file ends
 * with bytes that have no newline. */
static enum line_kind reader_next(struct line_reader *r, const uint8_t **line, size_t *len)
{
	for (;;) {
		size_t avail = r->end - r->start;
		const uint8_t *nl = memchr(r->buf + r->start, '\n', avail);
		*line = r->buf + r->start;
		if (nl != NULL) {
			*len = (size_t)(nl - *line);
			r->start += *len + 1;
			return *len > AUDIT_LINE_MAX ? LINE_TOO_LONG : LINE_OK;
		}
		if (avail > AUDIT_LINE_MAX)
			return LINE_TOO_LONG;
		if (r->eof) {
			*len = avail;
			r->start = r->end;
			return avail == 0 ? LINE_END : LINE_PARTIAL;
		}
		memmove(r->buf, r->buf + r->start, avail);
		r->start = 0;
		r->end = avail;
		ssize_t n;
		do
			n = read(r->fd, r->buf + r->end, sizeof r->buf - r->end);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return LINE_IO;
		if (n == 0)
			r->eof = 1;
		r->end += (size_t)n;
	}
}

/* A cursor over one line. */
struct cursor {
	const uint8_t *p;
	size_t len, pos;
};

/* The bytes up to the next tab (consumed); 0 when there is no tab left. */
static int take_field(struct cursor *c, const uint8_t **f, size_t *flen)
{
	const uint8_t *tab = memchr(c->p + c->pos, '\t', c->len - c->pos);
	if (tab == NULL)
		return 0;
	*f = c->p + c->pos;
	*flen = (size_t)(tab - *f);
	c->pos += *flen + 1;
	return 1;
}

/* Canonical decimal: 1..20 digits, no sign, no leading zero, at most UINT64_MAX. */
static int parse_u64(const uint8_t *f, size_t n, uint64_t *v)
{
	if (n == 0 || n > AUDIT_U64_DIGITS || (n > 1 && f[0] == '0'))
		return 0;
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (f[i] < '0' || f[i] > '9')
			return 0;
		unsigned d = (unsigned)(f[i] - '0');
		if (*v > (UINT64_MAX - d) / 10)
			return 0;
		*v = *v * 10 + d;
	}
	return 1;
}

static int is_control(uint8_t c)
{
	return c < 0x20 || c == 0x7f;
}

/* What append can have written: at most FIELD_MAX bytes, no control byte. */
static int text_ok(const uint8_t *f, size_t n)
{
	if (n > CCSP_VSM_AUDIT_FIELD_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (is_control(f[i]))
			return 0;
	return 1;
}

static int hex_digit(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Exactly AUDIT_MAC_HEX lowercase hex digits. */
static int parse_mac(const uint8_t *f, size_t n, uint8_t mac[AUDIT_MAC_SIZE])
{
	if (n != AUDIT_MAC_HEX)
		return 0;
	for (size_t i = 0; i < AUDIT_MAC_SIZE; i++) {
		int hi = hex_digit(f[2 * i]), lo = hex_digit(f[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return 0;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 1;
}

/* Check one line against the chain and advance it. CCSP_ERR_TAMPERED for any malformed or unauthentic line. */
static ccsp_err line_check(const uint8_t *key, struct chain *c, const uint8_t *line, size_t len)
{
	struct cursor cur = {line, len, 0};
	const uint8_t *seq_f, *time_f, *event_f, *detail_f;
	size_t seq_n, time_n, event_n, detail_n;
	uint64_t seq, time_ms;
	uint8_t mac[AUDIT_MAC_SIZE], msg[AUDIT_MAC_SIZE + AUDIT_LINE_MAX];
	ccsp_err ret;

	if (len > AUDIT_LINE_MAX || !take_field(&cur, &seq_f, &seq_n) || !take_field(&cur, &time_f, &time_n) ||
	    !take_field(&cur, &event_f, &event_n) || !take_field(&cur, &detail_f, &detail_n))
		return CCSP_ERR_TAMPERED;
	size_t text_len = cur.pos - 1; /* everything before the tab that precedes the mac */
	if (!parse_u64(seq_f, seq_n, &seq) || !parse_u64(time_f, time_n, &time_ms) || !text_ok(event_f, event_n) ||
	    !text_ok(detail_f, detail_n) || !parse_mac(line + cur.pos, len - cur.pos, mac))
		return CCSP_ERR_TAMPERED;
	if (c->seq == UINT64_MAX || seq != c->seq + 1)
		return CCSP_ERR_TAMPERED;
	memcpy(msg, c->mac, AUDIT_MAC_SIZE);
	memcpy(msg + AUDIT_MAC_SIZE, line, text_len);
	ret = ccsp_hmac_sm3_verify(key, CCSP_VSM_AUDIT_KEY_SIZE, msg, AUDIT_MAC_SIZE + text_len, mac, AUDIT_MAC_SIZE);
	if (ret == CCSP_ERR_AUTH)
		return CCSP_ERR_TAMPERED;
	if (ret == CCSP_OK) {
		c->seq = seq;
		memcpy(c->mac, mac, AUDIT_MAC_SIZE);
	}
	return ret;
}

/* What reading a log found: the chain after the last verified line, and where that line ends. */
struct scan {
	struct chain chain;
	uint64_t good_end;
	ccsp_vsm_audit_report report;
};

/* Read the log from the current offset (0) to its end and verify every line; s starts zeroed. */
static ccsp_err scan_log(int fd, const uint8_t *key, struct scan *s)
{
	struct line_reader r = {.fd = fd};
	for (;;) {
		const uint8_t *line;
		size_t len;
		enum line_kind kind = reader_next(&r, &line, &len);
		if (kind == LINE_IO)
			return CCSP_ERR_IO;
		if (kind == LINE_END)
			return CCSP_OK;
		if (kind == LINE_PARTIAL) {
			s->report.truncated_tail = 1;
			return CCSP_OK;
		}
		ccsp_err ret = kind == LINE_OK ? line_check(key, &s->chain, line, len) : CCSP_ERR_TAMPERED;
		if (ret == CCSP_ERR_TAMPERED)
			s->report.bad_line = s->report.lines + 1;
		if (ret != CCSP_OK)
			return ret;
		s->report.lines++;
		s->good_end += len + 1;
	}
}

/* ---- writing ---- */

/* A bounded output buffer: writes past cap are dropped and recorded. */
struct out_buf {
	char *p;
	size_t cap, len;
	int overflow;
};

static void ob_put(struct out_buf *b, const void *src, size_t n)
{
	if (n > b->cap - b->len) {
		b->overflow = 1;
		return;
	}
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void ob_putc(struct out_buf *b, char c)
{
	ob_put(b, &c, 1);
}

static void ob_put_u64(struct out_buf *b, uint64_t v)
{
	char tmp[AUDIT_U64_DIGITS];
	size_t i = sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	ob_put(b, tmp + i, sizeof tmp - i);
}

static void ob_put_hex(struct out_buf *b, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		ob_putc(b, digits[p[i] >> 4]);
		ob_putc(b, digits[p[i] & 15]);
	}
}

/* At most FIELD_MAX bytes of s, cut before a UTF-8 continuation byte, control bytes replaced by '?'. */
static void ob_put_field(struct out_buf *b, const char *s)
{
	const uint8_t *u = (const uint8_t *)s;
	size_t n = strnlen(s, CCSP_VSM_AUDIT_FIELD_MAX + 1);
	if (n > CCSP_VSM_AUDIT_FIELD_MAX) {
		n = CCSP_VSM_AUDIT_FIELD_MAX;
		for (int k = 0; k < 3 && n > 0 && (u[n] & 0xc0) == 0x80; k++)
			n--;
	}
	for (size_t i = 0; i < n; i++)
		ob_putc(b, is_control(u[i]) ? '?' : (char)u[i]);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Format the line that follows prev into b and the chain it leads to into next. */
static ccsp_err line_format(const uint8_t *key, const struct chain *prev, const char *event, const char *detail,
                            struct out_buf *b, struct chain *next)
{
	ccsp_hmac_sm3_ctx h;
	ccsp_err ret;

	memset(&h, 0, sizeof h);
	next->seq = prev->seq + 1;
	ob_put_u64(b, next->seq);
	ob_putc(b, '\t');
	ob_put_u64(b, now_ms());
	ob_putc(b, '\t');
	ob_put_field(b, event);
	ob_putc(b, '\t');
	ob_put_field(b, detail);
	CCSP_CHECK(b->overflow ? CCSP_ERR_INTERNAL : CCSP_OK);
	CCSP_CHECK(ccsp_hmac_sm3_init(&h, key, CCSP_VSM_AUDIT_KEY_SIZE));
	CCSP_CHECK(ccsp_hmac_sm3_update(&h, prev->mac, AUDIT_MAC_SIZE));
	CCSP_CHECK(ccsp_hmac_sm3_update(&h, b->p, b->len));
	CCSP_CHECK(ccsp_hmac_sm3_final(&h, next->mac));
	ob_putc(b, '\t');
	ob_put_hex(b, next->mac, AUDIT_MAC_SIZE);
	ob_putc(b, '\n');
	ret = b->overflow ? CCSP_ERR_INTERNAL : CCSP_OK;
out:
	ccsp_memzero(&h, sizeof h); /* keyed state */
	return ret;
}

/* A write failed: cut the file back to its last complete line, or give the handle up. errno is kept. */
static ccsp_err write_rollback(ccsp_vsm_audit *a)
{
	int saved = errno;
	if (ftruncate(a->fd, (off_t)a->size) != 0)
		a->broken = 1;
	errno = saved;
	return CCSP_ERR_IO;
}

/* One O_APPEND write (continued only after a short write), then fdatasync. */
static ccsp_err write_line(ccsp_vsm_audit *a, const char *line, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(a->fd, line + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return write_rollback(a);
		done += (size_t)n;
	}
	if (fdatasync(a->fd) != 0) {
		a->broken = 1; /* after a failed sync the page cache no longer tells what is on disk */
		return CCSP_ERR_IO;
	}
	a->size += len;
	return CCSP_OK;
}

ccsp_err ccsp_vsm_audit_append(ccsp_vsm_audit *a, const char *event, const char *detail)
{
	char line[AUDIT_LINE_MAX + 1];
	struct out_buf b = {line, sizeof line, 0, 0};
	struct chain next;
	ccsp_err ret;

	CCSP_ENSURE(a != NULL && event != NULL && detail != NULL, CCSP_ERR_ARG);
	(void)pthread_mutex_lock(&a->lock);
	CCSP_CHECK(a->broken ? CCSP_ERR_STATE : CCSP_OK);
	CCSP_CHECK(a->chain.seq == UINT64_MAX ? CCSP_ERR_LIMIT : CCSP_OK);
	CCSP_CHECK(line_format(a->key, &a->chain, event, detail, &b, &next));
	CCSP_CHECK(write_line(a, line, b.len));
	a->chain = next;
out:
	(void)pthread_mutex_unlock(&a->lock);
	return ret;
}

/* ---- open, free, verify ---- */

/* Open a regular file for reading (and appending when append is set) without blocking on a FIFO. */
static ccsp_err open_regular(const char *path, int append, int *out)
{
	int flags = O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (append ? O_RDWR | O_CREAT | O_APPEND : O_RDONLY);
	struct stat st;
	ccsp_err ret = CCSP_ERR_IO;
	int fd = open(path, flags, 0600);

	if (fd < 0) {
		ret = errno == ENOENT && !append ? CCSP_ERR_FILE_NOT_FOUND : CCSP_ERR_IO;
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	if (append && flock(fd, LOCK_EX | LOCK_NB) != 0)
		goto out;
	*out = fd;
	fd = -1;
	ret = CCSP_OK;
out:
	if (fd >= 0)
		(void)close(fd);
	return ret;
}

/* Make the directory entry of path durable (a new log must not vanish with a crash). */
static ccsp_err fsync_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n = slash == NULL ? 0 : (size_t)(slash - path);

	if (slash == NULL)
		memcpy(dir, ".", 2);
	else if (n == 0)
		memcpy(dir, "/", 2);
	else if (n < sizeof dir) {
		memcpy(dir, path, n);
		dir[n] = '\0';
	} else
		return CCSP_ERR_IO;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return CCSP_ERR_IO;
	int ok = fsync(fd) == 0 || errno == EINVAL; /* some file systems cannot sync a directory */
	(void)close(fd);
	return ok ? CCSP_OK : CCSP_ERR_IO;
}

/* Cut an incomplete last line off: the log then ends with the last complete line. */
static ccsp_err cut_tail(int fd, uint64_t end)
{
	if (end > (uint64_t)INT64_MAX || ftruncate(fd, (off_t)end) != 0 || fdatasync(fd) != 0)
		return CCSP_ERR_IO;
	return CCSP_OK;
}

/* Free a handle whose mutex is not (or no longer) initialised. */
static void audit_release(ccsp_vsm_audit *a)
{
	if (a == NULL)
		return;
	if (a->fd >= 0)
		(void)close(a->fd);
	ccsp_memzero(a->key, sizeof a->key);
	ccsp_secure_free(a);
}

ccsp_err ccsp_vsm_audit_open(const char *path, const uint8_t key[CCSP_VSM_AUDIT_KEY_SIZE], ccsp_vsm_audit **out)
{
	ccsp_vsm_audit *a = NULL;
	struct scan s;
	ccsp_err ret;

	CCSP_ENSURE(path != NULL && key != NULL && out != NULL, CCSP_ERR_ARG);
	*out = NULL;
	memset(&s, 0, sizeof s);
	a = ccsp_secure_alloc(sizeof *a); /* zeroed, locked, not dumped: it holds the key */
	CCSP_CHECK(a == NULL ? CCSP_ERR_NOMEM : CCSP_OK);
	a->fd = -1;
	memcpy(a->key, key, sizeof a->key);
	CCSP_CHECK(open_regular(path, 1, &a->fd));
	CCSP_CHECK(scan_log(a->fd, a->key, &s));
	if (s.report.truncated_tail)
		CCSP_CHECK(cut_tail(a->fd, s.good_end));
	CCSP_CHECK(fsync_parent(path));
	CCSP_CHECK(pthread_mutex_init(&a->lock, NULL) != 0 ? CCSP_ERR_NOMEM : CCSP_OK);
	a->chain = s.chain;
	a->size = s.good_end;
	*out = a;
	a = NULL;
out:
	audit_release(a);
	return ret;
}

void ccsp_vsm_audit_free(ccsp_vsm_audit *a)
{
	if (a == NULL)
		return;
	(void)pthread_mutex_destroy(&a->lock);
	audit_release(a);
}

ccsp_err ccsp_vsm_audit_verify(const char *path, const uint8_t key[CCSP_VSM_AUDIT_KEY_SIZE],
                               ccsp_vsm_audit_report *report)
{
	struct scan s;
	int fd = -1;
	ccsp_err ret;

	CCSP_ENSURE(path != NULL && key != NULL && report != NULL, CCSP_ERR_ARG);
	memset(&s, 0, sizeof s);
	CCSP_CHECK(open_regular(path, 0, &fd));
	ret = scan_log(fd, key, &s);
out:
	if (fd >= 0)
		(void)close(fd);
	*report = s.report;
	return ret;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccsp chsm domain init|join|show and ccsp chsm unseal: the custodians' side of a CHSM's m-of-n keys
 * (src/chsm/chsm_custody.h). A dev-mode CHSM directory (DIR/master.key) is opened here, whether chsmd runs on it
 * or not (chsmd reads domain.key on each use). A production-mode CHSM (DIR/production.conf, no master.key) has
 * its keys only inside a running chsmd: the requests go to chsmd's admin socket DIR/admin.sock, one request line
 * per connection. Shares are read from stdin with a bound, kept in locked memory, written with write(2) (no stdio
 * buffer keeps a copy) and wiped.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <ccsp/mem.h>

#include "chsm/chsm_custody.h"
#include "cli.h"
#include "cli_hex.h"

#define ANSWER_MAX 16384
#define ANSWER_TIMEOUT_MS 30000
#define ID_HEX (2 * CHSM_DOMAIN_ID_SIZE + 1)

/* ---- where the keys are ---- */

enum { MODE_DEV = 0, MODE_PRODUCTION = 1 };

static int dir_has(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof path, "%s/%s", dir, name);
	return n > 0 && (size_t)n < sizeof path && access(path, F_OK) == 0;
}

/* MODE_DEV, MODE_PRODUCTION, or -1 (printed). */
static int chsm_mode(const char *dir)
{
	if (dir_has(dir, "master.key"))
		return MODE_DEV;
	if (dir_has(dir, CHSM_PRODUCTION_CONF))
		return MODE_PRODUCTION;
	cli_error("%s holds no CHSM: neither master.key (dev mode) nor " CHSM_PRODUCTION_CONF " (production mode)", dir);
	return -1;
}

static int open_dev_keys(const char *dir, chsm_keys **k)
{
	ccsp_err e = chsm_keys_open(dir, k);
	if (e == CCSP_ERR_TAMPERED)
		cli_error("the CHSM in %s fails its integrity check: device.key does not open under master.key", dir);
	else if (e != CCSP_OK)
		cli_error_ccsp(e, "cannot open the CHSM keys in %s", dir);
	return e == CCSP_OK ? 0 : -1;
}

static void id_hex(const uint8_t id[CHSM_DOMAIN_ID_SIZE], char out[ID_HEX])
{
	cli_hex_encode(id, CHSM_DOMAIN_ID_SIZE, out);
}

/* Write a line (len bytes, then LF) on stdout; 0 or -1 (printed). */
static int put_line(const char *s, size_t len)
{
	const char nl = '\n';
	for (int part = 0; part < 2; part++) {
		const char *p = part == 0 ? s : &nl;
		size_t n = part == 0 ? len : 1;
		while (n > 0) {
			ssize_t w = write(STDOUT_FILENO, p, n);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				cli_error("cannot write to standard output: %s", strerror(errno));
				return -1;
			}
			p += w;
			n -= (size_t)w;
		}
	}
	return 0;
}

/* ---- chsmd's admin socket ---- */

typedef struct answer {
	char *buf;        /* secure memory, ANSWER_MAX + 1: every line of the answer */
	size_t len;
	ccsp_err err;     /* from the last line: CCSP_OK for "ok" */
	const char *text; /* the rest of the last line: after "ok " or the error's message */
} answer;

static ccsp_err err_by_name(const char *name, size_t len)
{
	for (int e = 0; e < CCSP_ERR_COUNT_; e++) {
		const char *n = ccsp_err_name((ccsp_err)e);
		if (strlen(n) == len && memcmp(n, name, len) == 0)
			return (ccsp_err)e;
	}
	return CCSP_ERR_PROTOCOL;
}

/* The last line: "ok[ TEXT]" or "err NAME MESSAGE". 0, or -1 when it is neither. */
static int answer_parse(answer *a)
{
	while (a->len > 0 && a->buf[a->len - 1] == '\n')
		a->buf[--a->len] = '\0';
	char *last = memrchr(a->buf, '\n', a->len);
	last = last != NULL ? last + 1 : a->buf;
	if (strcmp(last, "ok") == 0 || strncmp(last, "ok ", 3) == 0) {
		a->err = CCSP_OK;
		a->text = last[2] != '\0' ? last + 3 : "";
		return 0;
	}
	if (strncmp(last, "err ", 4) != 0)
		return -1;
	const char *name = last + 4, *sp = strchr(name, ' ');
	a->err = err_by_name(name, sp != NULL ? (size_t)(sp - name) : strlen(name));
	a->text = sp != NULL ? sp + 1 : "";
	return a->err == CCSP_OK ? -1 : 0;
}

static int admin_connect(const char *dir)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int n = snprintf(sun.sun_path, sizeof sun.sun_path, "%s/" CHSM_ADMIN_SOCKET, dir);
	if (n < 0 || (size_t)n >= sizeof sun.sun_path) {
		cli_error("%s: the path of its admin socket is too long for a unix socket", dir);
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (const struct sockaddr *)&sun, sizeof sun) == 0)
		return fd;
	int e = errno;
	if (fd >= 0)
		close(fd);
	if (e == ENOENT || e == ECONNREFUSED)
		cli_error("%s is a production-mode CHSM: its keys exist only inside a running chsmd, and none answers on "
		          "%s (start it with: chsmd --dir %s)", dir, sun.sun_path, dir);
	else
		cli_error("cannot connect to chsmd's admin socket %s: %s", sun.sun_path, strerror(e));
	return -1;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The whole answer (until chsmd closes), bounded in size and time. */
static int admin_read(int fd, answer *a, const char *dir)
{
	int64_t deadline = now_ms() + ANSWER_TIMEOUT_MS;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int64_t left = deadline - now_ms();
		int r = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			cli_error("chsmd's admin socket in %s: no answer within %d s", dir, ANSWER_TIMEOUT_MS / 1000);
			return -1;
		}
		ssize_t got = r > 0 ? recv(fd, a->buf + a->len, ANSWER_MAX - a->len, 0) : -1;
		if (got < 0 && errno == EINTR)
			continue;
		if (got == 0)
			return 0;
		if (got < 0 || (a->len += (size_t)got) >= ANSWER_MAX) {
			cli_error("chsmd's admin socket in %s: %s", dir, got < 0 ? strerror(errno) : "answer too long");
			return -1;
		}
	}
}

/* Send req (one line, without LF) to chsmd and read its answer into a (a->buf allocated here; free with
 * answer_free). 0 with a->err and a->text set, or -1 (printed). */
static int admin_call(const char *dir, const char *req, answer *a)
{
	memset(a, 0, sizeof *a);
	if ((a->buf = ccsp_secure_alloc(ANSWER_MAX + 1)) == NULL) {
		cli_error("out of memory");
		return -1;
	}
	int fd = admin_connect(dir), rc = -1;
	if (fd < 0)
		return -1;
	size_t len = strlen(req), off = 0;
	while (off <= len) {
		ssize_t w = off < len ? send(fd, req + off, len - off, MSG_NOSIGNAL) : send(fd, "\n", 1, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	if (off <= len)
		cli_error("chsmd's admin socket in %s: %s", dir, strerror(errno));
	else if (admin_read(fd, a, dir) == 0 && (rc = answer_parse(a)) != 0)
		cli_error("chsmd's admin socket in %s: malformed answer (only root and chsmd's user may use it)", dir);
	close(fd);
	return rc;
}

static void answer_free(answer *a)
{
	ccsp_secure_free(a->buf);
	a->buf = NULL;
}

/* Before anyone types a share: chsmd answers on DIR/admin.sock and is sealed (want_sealed) or unsealed. 0, or -1
 * (printed). */
static int production_ready(const char *dir, int want_sealed, const char *cmd)
{
	answer a;
	int rc = admin_call(dir, "status", &a);
	if (rc == 0 && a.err != CCSP_OK) {
		cli_error("%s: %s (%s)", cmd, a.text, ccsp_err_name(a.err));
		rc = -1;
	} else if (rc == 0 && (strncmp(a.text, "sealed", 6) == 0) != want_sealed) {
		cli_error("%s: the CHSM in %s is %s", cmd, dir,
		          want_sealed ? "unsealed already: nothing to do"
		                      : "sealed: its custodians enter the master-key shares first (ccsp chsm unseal)");
		rc = -1;
	}
	answer_free(&a);
	return rc;
}

/* ---- reading shares ---- */

/* One line of stdin (without LF) into buf (cap bytes): 1, 0 at EOF with nothing read, -1 when longer than cap - 1
 * (the rest of the line is consumed) or on a read error (printed). Byte by byte: nothing is read past the line. */
static int read_line(char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	int over = 0;
	for (;;) {
		char c;
		ssize_t r = read(STDIN_FILENO, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			cli_error("cannot read standard input: %s", strerror(errno));
			return -1;
		}
		if (r == 0 && n == 0 && !over)
			return 0;
		if (r == 0 || c == '\n')
			break;
		if (n + 1 < cap)
			buf[n++] = c;
		else
			over = 1;
	}
	buf[n] = '\0';
	*len = n;
	return over ? -1 : 1;
}

static int blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

/* Read domain shares from stdin until EOF or until the threshold is reached. 0 with *count shares in set, or -1
 * (printed). */
static int read_domain_shares(chsm_share *set, size_t *count)
{
	char *line = ccsp_secure_alloc(CHSM_SHARE_INPUT_MAX + 2);
	size_t len = 0;
	int rc = -1, r = 0;
	unsigned lineno = 0;
	if (line == NULL) {
		cli_error("out of memory");
		return -1;
	}
	*count = 0;
	while ((*count == 0 || chsm_custody_needed(set, *count) > 0) &&
	       (r = read_line(line, CHSM_SHARE_INPUT_MAX + 2, &len)) > 0) {
		lineno++;
		if (blank(line, len))
			continue;
		ccsp_err e = chsm_custody_collect(set, count, CHSM_SHARE_DOMAIN, line, len);
		if (e != CCSP_OK) {
			cli_error("chsm domain join: line %u: %s (%s)", lineno, chsm_custody_describe(e), ccsp_err_name(e));
			goto out;
		}
	}
	if (r < 0) {
		cli_error("chsm domain join: line %u: longer than %d characters: not a share", lineno + 1,
		          CHSM_SHARE_INPUT_MAX);
		goto out;
	}
	if (*count == 0 || chsm_custody_needed(set, *count) > 0) {
		cli_error("chsm domain join: %zu share(s) given, %u needed: %s (CCSP_ERR_SHARE_TOO_FEW)", *count,
		          *count > 0 ? set[0].m : 2, ccsp_err_str(CCSP_ERR_SHARE_TOO_FEW));
		goto out;
	}
	rc = 0;
out:
	ccsp_secure_free(line);
	return rc;
}

/* ---- ccsp chsm domain ---- */

static const char domain_usage[] =
	"usage: ccsp chsm domain init --dir DIR --shares N --threshold M\n"
	"       ccsp chsm domain join --dir DIR [--id DOMAIN-ID]     (share lines on standard input)\n"
	"       ccsp chsm domain show --dir DIR\n";

/* --shares / --threshold: 2..16 */
static int parse_small(const char *what, const char *s, unsigned *v)
{
	char *end;
	unsigned long x = s != NULL ? strtoul(s, &end, 10) : 0;
	if (s == NULL || s[0] < '0' || s[0] > '9' || *end != '\0' || x < 2 || x > CHSM_SHARE_N_MAX) {
		cli_error("chsm domain init: %s wants a number from 2 to %d", what, CHSM_SHARE_N_MAX);
		return -1;
	}
	*v = (unsigned)x;
	return 0;
}

static int print_shares(const chsm_share *shares, unsigned n)
{
	char line[CHSM_SHARE_TEXT_MAX];
	int rc = 0;
	for (unsigned i = 0; i < n && rc == 0; i++)
		rc = chsm_share_format(&shares[i], line, sizeof line) == CCSP_OK ? put_line(line, strlen(line)) : -1;
	ccsp_memzero(line, sizeof line);
	return rc;
}

static int domain_init_dev(const char *dir, unsigned m, unsigned n, char hex[ID_HEX])
{
	chsm_keys *k = NULL;
	uint8_t id[CHSM_DOMAIN_ID_SIZE];
	chsm_share *shares = ccsp_secure_alloc(CHSM_SHARE_N_MAX * sizeof *shares);
	int rc = -1;
	if (shares == NULL || open_dev_keys(dir, &k) != 0)
		goto out;
	ccsp_err e = chsm_custody_domain_create(k, m, n, shares, id);
	id_hex(id, hex);
	if (e == CCSP_ERR_KEY_EXISTS)
		cli_error("chsm domain init: %s belongs to trust domain %s already: refused", dir, hex);
	else if (e != CCSP_OK)
		cli_error_ccsp(e, "chsm domain init: cannot create the domain key in %s", dir);
	else
		rc = print_shares(shares, n);
out:
	ccsp_secure_free(shares);
	chsm_keys_free(k);
	return rc;
}

/* The "share LINE" lines of chsmd's answer on stdout, the id from its last line. */
static int domain_init_production(const char *dir, unsigned m, unsigned n, char hex[ID_HEX])
{
	char req[64];
	answer a;
	int rc = -1;
	snprintf(req, sizeof req, "domain-init %u %u", m, n);
	if (admin_call(dir, req, &a) != 0)
		goto out;
	if (a.err != CCSP_OK) {
		cli_error("chsm domain init: %s (%s)", a.text, ccsp_err_name(a.err));
		goto out;
	}
	snprintf(hex, ID_HEX, "%.16s", a.text);
	rc = 0;
	unsigned printed = 0;
	for (char *p = a.buf, *nl; rc == 0 && strncmp(p, "share ", 6) == 0 && (nl = strchr(p, '\n')) != NULL;
	     p = nl + 1, printed++)
		rc = put_line(p + 6, (size_t)(nl - p - 6));
	if (rc == 0 && printed != n) {
		cli_error("chsm domain init: chsmd's answer holds %u shares, not %u: the domain %s exists on %s, but its "
		          "shares are incomplete", printed, n, hex, dir);
		rc = -1;
	}
out:
	answer_free(&a);
	return rc;
}

static int domain_init(const char *dir, const char *shares, const char *threshold)
{
	char hex[ID_HEX] = "";
	unsigned m, n;
	if (parse_small("--shares", shares, &n) != 0 || parse_small("--threshold", threshold, &m) != 0)
		return CLI_EXIT_USAGE;
	if (m > n) {
		cli_error("chsm domain init: --threshold %u is more than --shares %u", m, n);
		return CLI_EXIT_USAGE;
	}
	int mode = chsm_mode(dir);
	if (mode < 0)
		return CLI_EXIT_FAIL;
	int rc = mode == MODE_DEV ? domain_init_dev(dir, m, n, hex) : domain_init_production(dir, m, n, hex);
	if (rc != 0)
		return CLI_EXIT_FAIL;
	fprintf(stderr, "ccsp: %s now belongs to the new trust domain %s. Its key exists on this CHSM and as the %u "
	                "shares printed on standard output, any %u of which let another CHSM join "
	                "(ccsp chsm domain join). Give one share to each custodian and keep no other copy.\n",
	        dir, hex, n, m);
	return 0;
}

static int domain_join_dev(const char *dir, const chsm_share *set, size_t count, const uint8_t *expect,
                           char hex[ID_HEX])
{
	chsm_keys *k = NULL;
	uint8_t id[CHSM_DOMAIN_ID_SIZE], cur[CHSM_DOMAIN_ID_SIZE];
	char curhex[ID_HEX] = "?";
	if (open_dev_keys(dir, &k) != 0)
		return -1;
	ccsp_err e = chsm_custody_domain_join(k, set, count, expect, id);
	id_hex(id, hex);
	if (e == CCSP_ERR_SHARE_WRONG && expect != NULL && memcmp(expect, id, CHSM_DOMAIN_ID_SIZE) != 0) {
		id_hex(expect, curhex);
		cli_error("chsm domain join: the shares reassemble domain %s, not the expected %s: nothing installed "
		          "(CCSP_ERR_SHARE_WRONG)", hex, curhex);
	} else if (e == CCSP_ERR_KEY_EXISTS) {
		if (chsm_custody_domain_id(k, cur) == CCSP_OK)
			id_hex(cur, curhex);
		cli_error("chsm domain join: %s belongs to trust domain %s; the shares are of domain %s: refused (a CHSM "
		          "leaves its domain only by being re-initialised)", dir, curhex, hex);
	} else if (e != CCSP_OK) {
		cli_error("chsm domain join: %s (%s)", chsm_custody_describe(e), ccsp_err_name(e));
	}
	chsm_keys_free(k);
	return e == CCSP_OK ? 0 : -1;
}

/* "domain-join LINE LINE ..." from the shares, re-formatted (canonical, no blanks). */
static int domain_join_production(const char *dir, const chsm_share *set, size_t count, const uint8_t *expect,
                                  char hex[ID_HEX])
{
	size_t cap = 16 + CHSM_SHARE_N_MAX * CHSM_SHARE_TEXT_MAX, len;
	char *req = ccsp_secure_alloc(cap);
	answer a = {0};
	int rc = -1;
	if (req == NULL) {
		cli_error("out of memory");
		return -1;
	}
	len = (size_t)snprintf(req, cap, "domain-join");
	if (expect != NULL) {
		memcpy(req + len, " id=", 4);
		id_hex(expect, req + len + 4);
		len += 4 + 2 * CHSM_DOMAIN_ID_SIZE;
	}
	for (size_t i = 0; i < count; i++) {
		req[len++] = ' ';
		if (chsm_share_format(&set[i], req + len, cap - len) != CCSP_OK)
			goto out;
		len += strlen(req + len);
	}
	if (admin_call(dir, req, &a) != 0)
		goto out;
	if (a.err == CCSP_OK) {
		snprintf(hex, ID_HEX, "%.16s", a.text);
		rc = 0;
	} else {
		cli_error("chsm domain join: %s (%s)", a.text, ccsp_err_name(a.err));
	}
out:
	answer_free(&a);
	ccsp_secure_free(req);
	return rc;
}

static int domain_join(const char *dir, const char *want)
{
	char hex[ID_HEX] = "";
	uint8_t expect[CHSM_DOMAIN_ID_SIZE];
	size_t count = 0;
	if (want != NULL && cli_parse_hex_exact("--id", want, expect, sizeof expect) != 0)
		return CLI_EXIT_USAGE;
	const uint8_t *e = want != NULL ? expect : NULL;
	int mode = chsm_mode(dir), rc = -1;
	chsm_share *set = ccsp_secure_alloc(CHSM_SHARE_N_MAX * sizeof *set);
	if (set == NULL || mode < 0 || (mode == MODE_PRODUCTION && production_ready(dir, 0, "chsm domain join") != 0))
		goto out;
	if (read_domain_shares(set, &count) != 0)
		goto out;
	rc = mode == MODE_DEV ? domain_join_dev(dir, set, count, e, hex)
	                      : domain_join_production(dir, set, count, e, hex);
	if (rc == 0 && put_line(hex, strlen(hex)) == 0)
		fprintf(stderr, "ccsp: %s belongs to trust domain %s\n", dir, hex);
out:
	ccsp_secure_free(set);
	return rc == 0 ? 0 : CLI_EXIT_FAIL;
}

static int domain_show(const char *dir)
{
	char hex[ID_HEX] = "none";
	uint8_t id[CHSM_DOMAIN_ID_SIZE];
	int mode = chsm_mode(dir);
	if (mode < 0)
		return CLI_EXIT_FAIL;
	if (mode == MODE_PRODUCTION) {
		answer a;
		int rc = admin_call(dir, "domain-show", &a);
		if (rc == 0 && a.err == CCSP_OK)
			snprintf(hex, sizeof hex, "%.16s", a.text);
		else if (rc == 0)
			cli_error("chsm domain show: %s (%s)", a.text, ccsp_err_name(a.err));
		rc = rc == 0 && a.err == CCSP_OK ? 0 : -1;
		answer_free(&a);
		if (rc != 0)
			return CLI_EXIT_FAIL;
	} else {
		chsm_keys *k = NULL;
		if (open_dev_keys(dir, &k) != 0)
			return CLI_EXIT_FAIL;
		ccsp_err e = chsm_custody_domain_id(k, id);
		chsm_keys_free(k);
		if (e == CCSP_OK)
			id_hex(id, hex);
		else if (e != CCSP_ERR_KEY_NOT_FOUND) {
			cli_error_ccsp(e, "chsm domain show: cannot read the domain key of %s", dir);
			return CLI_EXIT_FAIL;
		}
	}
	return put_line(hex, strlen(hex)) == 0 ? 0 : CLI_EXIT_FAIL;
}

int cli_chsm_domain(int argc, char **argv)
{
	char *dir = NULL, *shares = NULL, *threshold = NULL, *id = NULL, *pos[1];
	int npos = 0;
	const cli_opt opts[] = {{"--dir", &dir, NULL},
	                        {"--shares", &shares, NULL},
	                        {"--threshold", &threshold, NULL},
	                        {"--id", &id, NULL}};
	if (argc < 2 || strcmp(argv[1], "help") == 0) {
		fputs(domain_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : 0;
	}
	const char *sub = argv[1];
	if (cli_parse_opts(argc - 1, argv + 1, opts, 4, pos, 0, &npos) != 0)
		return CLI_EXIT_USAGE;
	int is_init = strcmp(sub, "init") == 0, is_join = strcmp(sub, "join") == 0;
	if (dir == NULL || (!is_init && (shares != NULL || threshold != NULL)) || (!is_join && id != NULL)) {
		cli_error("chsm domain %s: %s", sub,
		          dir == NULL ? "--dir is required"
		                      : id != NULL && !is_join ? "--id is for join" : "--shares and --threshold are for init");
		return CLI_EXIT_USAGE;
	}
	if (is_init)
		return domain_init(dir, shares, threshold);
	if (is_join)
		return domain_join(dir, id);
	if (strcmp(sub, "show") == 0)
		return domain_show(dir);
	cli_error("chsm domain: unknown command '%s' (init, join or show)", sub);
	return CLI_EXIT_USAGE;
}

/* ---- ccsp chsm unseal ---- */

static struct termios g_saved_tty;
static volatile sig_atomic_t g_tty_changed;

static void restore_tty_and_exit(int sig)
{
	if (g_tty_changed)
		tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_tty);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* One share line from stdin, without echo when it is a terminal. 1, or -1 (printed). */
static int read_secret_line(char *buf, size_t cap, size_t *len)
{
	int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &g_saved_tty) == 0;
	if (tty) {
		struct termios quiet = g_saved_tty;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		signal(SIGINT, restore_tty_and_exit);
		signal(SIGTERM, restore_tty_and_exit);
		signal(SIGTSTP, SIG_IGN);
		fputs("share (not shown): ", stderr);
		g_tty_changed = tcsetattr(STDIN_FILENO, TCSANOW, &quiet) == 0;
	}
	int r = read_line(buf, cap, len);
	if (tty) {
		if (g_tty_changed)
			tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_tty);
		g_tty_changed = 0;
		fputc('\n', stderr);
	}
	if (r == 0)
		cli_error("chsm unseal: no share on standard input");
	else if (r < 0)
		cli_error("chsm unseal: the line is longer than %d characters: not a share", CHSM_SHARE_INPUT_MAX);
	return r > 0 ? 1 : -1;
}

static int unseal_answer(const answer *a)
{
	if (a->err != CCSP_OK) {
		cli_error("chsm unseal: %s (%s)", a->text, ccsp_err_name(a->err));
		return CLI_EXIT_FAIL;
	}
	unsigned long need = strtoul(a->text + (strncmp(a->text, "need ", 5) == 0 ? 5 : 0), NULL, 10);
	if (need == 0)
		printf("share accepted: the CHSM is unsealed\n");
	else
		printf("share accepted: %lu more share%s needed\n", need, need == 1 ? "" : "s");
	return 0;
}

/* Check the line here first (typing errors are caught without a round trip), then send its canonical form. */
static int unseal_share(const char *dir)
{
	char *line = ccsp_secure_alloc(CHSM_SHARE_INPUT_MAX + 2), *req = ccsp_secure_alloc(16 + CHSM_SHARE_TEXT_MAX);
	chsm_share s;
	size_t len = 0;
	answer a = {0};
	int rc = CLI_EXIT_FAIL;
	memset(&s, 0, sizeof s);
	if (line == NULL || req == NULL || read_secret_line(line, CHSM_SHARE_INPUT_MAX + 2, &len) < 0)
		goto out;
	ccsp_err e = chsm_share_parse(line, len, &s);
	if (e == CCSP_OK && s.purpose != CHSM_SHARE_MASTER)
		e = CCSP_ERR_SHARE_MIXED;
	if (e != CCSP_OK) {
		cli_error("chsm unseal: share refused, not counted: %s (%s)",
		          e == CCSP_ERR_SHARE_MIXED ? "a trust-domain share, not a master-key share"
		                                    : chsm_custody_describe(e), ccsp_err_name(e));
		goto out;
	}
	memcpy(req, "unseal ", 7);
	if (chsm_share_format(&s, req + 7, CHSM_SHARE_TEXT_MAX) == CCSP_OK && admin_call(dir, req, &a) == 0)
		rc = unseal_answer(&a);
out:
	chsm_share_wipe(&s, 1);
	answer_free(&a);
	ccsp_secure_free(line);
	ccsp_secure_free(req);
	return rc;
}

static int unseal_simple(const char *dir, const char *req)
{
	answer a;
	unsigned long entered = 0, m = 0, n = 0;
	int rc = CLI_EXIT_FAIL;
	if (admin_call(dir, req, &a) != 0)
		goto out;
	if (a.err != CCSP_OK) {
		cli_error("chsm unseal: %s (%s)", a.text, ccsp_err_name(a.err));
	} else if (strcmp(req, "status") == 0) {
		if (sscanf(a.text, "sealed %lu %lu %lu", &entered, &m, &n) == 3)
			printf("sealed: %lu of the %lu shares needed entered (%lu issued)\n", entered, m, n);
		else
			printf("unsealed\n");
		rc = 0;
	} else {
		const char *need = a.text + (strncmp(a.text, "need ", 5) == 0 ? 5 : 0);
		printf("shares entered so far forgotten: %s more needed\n", need);
		rc = 0;
	}
out:
	answer_free(&a);
	return rc;
}

static const char unseal_usage[] =
	"usage: ccsp chsm unseal --dir DIR [--status | --reset]\n"
	"  reads one master-key share line from standard input (not echoed on a terminal) and gives it to the\n"
	"  sealed chsmd serving the production-mode CHSM in DIR; prints how many more shares are needed.\n"
	"  --status: sealed (how many entered) or unsealed; --reset: forget the shares entered so far.\n";

int cli_chsm_unseal(int argc, char **argv)
{
	char *dir = NULL, *pos[1];
	int status = 0, reset = 0, npos = 0;
	const cli_opt opts[] = {{"--dir", &dir, NULL}, {"--status", NULL, &status}, {"--reset", NULL, &reset}};
	if (argc == 2 && strcmp(argv[1], "help") == 0) {
		fputs(unseal_usage, stdout);
		return 0;
	}
	if (cli_parse_opts(argc, argv, opts, 3, pos, 0, &npos) != 0)
		return CLI_EXIT_USAGE;
	if (dir == NULL || (status && reset)) {
		fputs(unseal_usage, stderr);
		cli_error("chsm unseal: %s", dir == NULL ? "--dir is required" : "--status or --reset, not both");
		return CLI_EXIT_USAGE;
	}
	int mode = chsm_mode(dir);
	if (mode < 0)
		return CLI_EXIT_FAIL;
	if (mode == MODE_DEV) {
		cli_error("chsm unseal: %s is a dev-mode CHSM (its master key is in %s/master.key): nothing to unseal", dir,
		          dir);
		return CLI_EXIT_FAIL;
	}
	if (status || reset)
		return unseal_simple(dir, status ? "status" : "unseal-reset");
	if (production_ready(dir, 1, "chsm unseal") != 0)
		return CLI_EXIT_FAIL;
	return unseal_share(dir);
}

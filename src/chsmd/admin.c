/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Production mode's admin socket DIR/admin.sock (the protocol is in src/chsm/chsm_custody.h): a unix stream
 * socket, mode 0600, accepted only from root or chsmd's own user (SO_PEERCRED), served by one thread with a poll
 * loop. Sealed, it takes the custodians' master-key shares (unseal.c); unsealed, it manages the trust domain. One
 * request per connection, read with a bound and a timeout, answered, closed; clients are served one at a time
 * (custodians and domain changes are rare), so a stalled client delays the next by IO_TIMEOUT_S at most. Requests
 * and answers carry shares: they live in locked memory and are wiped after each connection; nothing of them is
 * logged.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <ccsp/mem.h>

#include "chsmd/admin.h"

#define IO_TIMEOUT_S 5

void chsmd_admin_reply(struct chsmd_admin *a, const char *fmt, ...)
{
	size_t room = CHSMD_ADMIN_ANSWER_MAX - a->answer_len;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(a->answer + a->answer_len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n + 1 >= room)
		return; /* cannot happen: the longest answer (16 shares) is under half the buffer */
	a->answer_len += (size_t)n;
	a->answer[a->answer_len++] = '\n';
}

static void reply_err(struct chsmd_admin *a, ccsp_err err, const char *msg)
{
	chsmd_admin_reply(a, "err %s %s", ccsp_err_name(err), msg);
}

static void id_hex(const uint8_t id[CHSM_DOMAIN_ID_SIZE], char out[2 * CHSM_DOMAIN_ID_SIZE + 1])
{
	for (size_t i = 0; i < CHSM_DOMAIN_ID_SIZE; i++)
		snprintf(out + 2 * i, 3, "%02x", id[i]);
}

/* ---- requests ---- */

static void cmd_status(struct chsmd_admin *a, char *args)
{
	(void)args;
	pthread_mutex_lock(&a->lock);
	if (a->sealed)
		chsmd_admin_reply(a, "ok sealed %zu %u %u", a->count, a->prod.m, a->prod.n);
	else
		chsmd_admin_reply(a, "ok unsealed");
	pthread_mutex_unlock(&a->lock);
}

static void cmd_unseal(struct chsmd_admin *a, char *args)
{
	char msg[512] = "";
	size_t needed = 0;
	ccsp_err e = chsmd_unseal_add(a, args, strlen(args), &needed, msg, sizeof msg);
	if (e == CCSP_OK)
		chsmd_admin_reply(a, "ok need %zu", needed);
	else
		reply_err(a, e, msg);
}

static void cmd_unseal_reset(struct chsmd_admin *a, char *args)
{
	(void)args;
	chsmd_unseal_reset(a);
	pthread_mutex_lock(&a->lock);
	if (a->sealed)
		chsmd_admin_reply(a, "ok need %u", a->prod.m);
	else
		reply_err(a, CCSP_ERR_STATE, "the CHSM is unsealed: there is nothing to reset");
	pthread_mutex_unlock(&a->lock);
}

static void cmd_domain_show(struct chsmd_admin *a, char *args)
{
	uint8_t id[CHSM_DOMAIN_ID_SIZE];
	char hex[2 * CHSM_DOMAIN_ID_SIZE + 1];
	(void)args;
	ccsp_err e = chsm_custody_domain_id(a->d->keys, id);
	if (e == CCSP_OK) {
		id_hex(id, hex);
		chsmd_admin_reply(a, "ok %s", hex);
	} else if (e == CCSP_ERR_KEY_NOT_FOUND) {
		chsmd_admin_reply(a, "ok none");
	} else {
		reply_err(a, e, "cannot read the domain key (domain.key)");
	}
}

/* "<m> <n>", each 1..2 digits. */
static int parse_m_n(const char *s, unsigned *m, unsigned *n)
{
	char tail;
	return sscanf(s, "%2u %2u%c", m, n, &tail) == 2 ? 0 : -1;
}

static void cmd_domain_init(struct chsmd_admin *a, char *args)
{
	uint8_t id[CHSM_DOMAIN_ID_SIZE] = {0};
	char hex[2 * CHSM_DOMAIN_ID_SIZE + 1], line[CHSM_SHARE_TEXT_MAX];
	unsigned m = 0, n = 0;
	if (parse_m_n(args, &m, &n) != 0) {
		reply_err(a, CCSP_ERR_ARG, "expected: domain-init <threshold> <shares>");
		return;
	}
	ccsp_err e = chsm_custody_domain_create(a->d->keys, m, n, a->scratch, id);
	id_hex(id, hex);
	if (e == CCSP_ERR_KEY_EXISTS) {
		char msg[128];
		snprintf(msg, sizeof msg, "this CHSM belongs to trust domain %s already", hex);
		reply_err(a, e, msg);
	} else if (e == CCSP_ERR_ARG) {
		reply_err(a, e, "threshold and shares must satisfy 2 <= threshold <= shares <= 16");
	} else if (e != CCSP_OK) {
		reply_err(a, e, "cannot create the domain key");
	} else {
		for (unsigned i = 0; i < n && chsm_share_format(&a->scratch[i], line, sizeof line) == CCSP_OK; i++)
			chsmd_admin_reply(a, "share %s", line);
		chsmd_admin_reply(a, "ok %s", hex);
		ccsp_memzero(line, sizeof line);
	}
	chsm_share_wipe(a->scratch, CHSM_SHARE_N_MAX);
	ccsp_log_event(a->d->log, e == CCSP_OK ? "info" : "warn", e == CCSP_OK ? "chsm.domain.created" :
	               "chsm.domain.refused", "domainId", hex, "error", ccsp_err_name(e), (char *)NULL);
}

static void join_refused(struct chsmd_admin *a, ccsp_err e, const uint8_t id[CHSM_DOMAIN_ID_SIZE],
                         const uint8_t *expect)
{
	uint8_t cur[CHSM_DOMAIN_ID_SIZE];
	char msg[256], hex[2 * CHSM_DOMAIN_ID_SIZE + 1], curhex[2 * CHSM_DOMAIN_ID_SIZE + 1] = "?";
	id_hex(id, hex);
	if (e == CCSP_ERR_KEY_EXISTS && chsm_custody_domain_id(a->d->keys, cur) == CCSP_OK)
		id_hex(cur, curhex);
	if (e == CCSP_ERR_SHARE_WRONG && expect != NULL && memcmp(expect, id, CHSM_DOMAIN_ID_SIZE) != 0) {
		id_hex(expect, curhex);
		snprintf(msg, sizeof msg, "the shares reassemble domain %s, not the expected %s: nothing installed", hex,
		         curhex);
	} else if (e == CCSP_ERR_KEY_EXISTS)
		snprintf(msg, sizeof msg, "this CHSM belongs to trust domain %s; the shares are of domain %s: refused "
		         "(a CHSM leaves its domain only by being re-initialised)", curhex, hex);
	else
		snprintf(msg, sizeof msg, "%s", chsm_custody_describe(e));
	reply_err(a, e, msg);
}

/* "id=<16 hex>": the domain id the operator expects. 0, or -1 when malformed. */
static int parse_expect(const char *w, uint8_t id[CHSM_DOMAIN_ID_SIZE])
{
	if (strlen(w) != 3 + 2 * CHSM_DOMAIN_ID_SIZE)
		return -1;
	for (size_t i = 0; i < CHSM_DOMAIN_ID_SIZE; i++) {
		unsigned v;
		char two[3] = {w[3 + 2 * i], w[4 + 2 * i], '\0'};
		if (strspn(two, "0123456789abcdef") != 2 || sscanf(two, "%2x", &v) != 1)
			return -1;
		id[i] = (uint8_t)v;
	}
	return 0;
}

static void cmd_domain_join(struct chsmd_admin *a, char *args)
{
	uint8_t id[CHSM_DOMAIN_ID_SIZE] = {0}, expect[CHSM_DOMAIN_ID_SIZE];
	char msg[256], hex[2 * CHSM_DOMAIN_ID_SIZE + 1], *save = NULL;
	size_t count = 0;
	int has_expect = 0;
	ccsp_err e = CCSP_OK;
	for (char *w = strtok_r(args, " ", &save); w != NULL && e == CCSP_OK; w = strtok_r(NULL, " ", &save)) {
		if (count == 0 && !has_expect && strncmp(w, "id=", 3) == 0) {
			has_expect = 1;
			if ((e = parse_expect(w, expect) == 0 ? CCSP_OK : CCSP_ERR_ARG) != CCSP_OK)
				reply_err(a, e, "id= wants the 16 hex digits of a domain id");
			continue;
		}
		e = chsm_custody_collect(a->scratch, &count, CHSM_SHARE_DOMAIN, w, strlen(w));
		if (e != CCSP_OK) {
			snprintf(msg, sizeof msg, "share %zu: %s", count + 1, chsm_custody_describe(e));
			reply_err(a, e, msg);
		}
	}
	if (e == CCSP_OK && (count == 0 || chsm_custody_needed(a->scratch, count) > 0)) {
		e = CCSP_ERR_SHARE_TOO_FEW;
		snprintf(msg, sizeof msg, "%zu share(s) given, %u needed", count, count > 0 ? a->scratch[0].m : 2);
		reply_err(a, e, msg);
	} else if (e == CCSP_OK) {
		e = chsm_custody_domain_join(a->d->keys, a->scratch, count, has_expect ? expect : NULL, id);
		if (e == CCSP_OK) {
			id_hex(id, hex);
			chsmd_admin_reply(a, "ok %s", hex);
		} else {
			join_refused(a, e, id, has_expect ? expect : NULL);
		}
	}
	chsm_share_wipe(a->scratch, CHSM_SHARE_N_MAX);
	id_hex(id, hex);
	ccsp_log_event(a->d->log, e == CCSP_OK ? "info" : "warn", e == CCSP_OK ? "chsm.domain.joined" :
	               "chsm.domain.refused", "domainId", hex, "error", ccsp_err_name(e), (char *)NULL);
}

static const struct admin_cmd {
	const char *name;
	int needs_keys; /* only once unsealed */
	void (*fn)(struct chsmd_admin *a, char *args);
} cmds[] = {
	{"status", 0, cmd_status},
	{"unseal", 0, cmd_unseal},
	{"unseal-reset", 0, cmd_unseal_reset},
	{"domain-show", 1, cmd_domain_show},
	{"domain-init", 1, cmd_domain_init},
	{"domain-join", 1, cmd_domain_join},
};

static void dispatch(struct chsmd_admin *a, char *line)
{
	char *args = strchr(line, ' ');
	if (args != NULL)
		*args++ = '\0';
	else
		args = line + strlen(line);
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		if (strcmp(line, cmds[i].name) != 0)
			continue;
		pthread_mutex_lock(&a->lock);
		int sealed = a->sealed;
		pthread_mutex_unlock(&a->lock);
		if (cmds[i].needs_keys && sealed)
			reply_err(a, CCSP_ERR_STATE, "the CHSM is sealed: its custodians enter the master-key shares first "
			                             "(ccsp chsm unseal)");
		else
			cmds[i].fn(a, args);
		return;
	}
	reply_err(a, CCSP_ERR_ARG, "unknown request");
}

/* ---- connections ---- */

/* One line (without its LF, NUL-terminated) into a->req: 0, 1 when over CHSM_ADMIN_LINE_MAX, -1 on EOF, error or
 * timeout. */
static int read_request(struct chsmd_admin *a, int fd)
{
	size_t have = 0;
	while (have < CHSM_ADMIN_LINE_MAX) {
		ssize_t r = recv(fd, a->req + have, CHSM_ADMIN_LINE_MAX - have, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		char *nl = memchr(a->req + have, '\n', (size_t)r);
		have += (size_t)r;
		if (nl != NULL) {
			*nl = '\0';
			if (nl > a->req && nl[-1] == '\r')
				nl[-1] = '\0';
			return 0;
		}
	}
	return 1;
}

static void send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		len -= (size_t)w;
	}
}

static void serve_one(struct chsmd_admin *a)
{
	struct ucred cred;
	socklen_t clen = sizeof cred;
	char peer[64];
	int fd = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0 || clen != sizeof cred ||
	    (cred.uid != 0 && cred.uid != geteuid())) {
		snprintf(peer, sizeof peer, "uid=%u pid=%d", (unsigned)cred.uid, (int)cred.pid);
		ccsp_log_event(a->d->log, "warn", "chsm.admin.refused", "peer", peer, (char *)NULL);
		close(fd);
		return;
	}
	struct timeval tv = {IO_TIMEOUT_S, 0};
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	a->answer_len = 0;
	int r = read_request(a, fd);
	if (r == 0)
		dispatch(a, a->req);
	else if (r > 0)
		reply_err(a, CCSP_ERR_LIMIT, "request line too long");
	send_all(fd, a->answer, a->answer_len);
	ccsp_memzero(a->req, CHSM_ADMIN_LINE_MAX + 1);
	ccsp_memzero(a->answer, CHSMD_ADMIN_ANSWER_MAX);
	a->answer_len = 0;
	close(fd);
}

static void *admin_main(void *arg)
{
	struct chsmd_admin *a = arg;
	for (;;) {
		struct pollfd p[2] = {{.fd = a->listen_fd, .events = POLLIN}, {.fd = a->wake[0], .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents != 0) {
			char c = 0;
			if (read(a->wake[0], &c, 1) == 1 && c == 'q')
				break;
			pthread_mutex_lock(&a->lock);
			if (c == 's' && a->sealed) { /* SIGTERM/SIGINT while sealed: chsmd stops */
				a->stop = 1;
				pthread_cond_broadcast(&a->cond);
			}
			pthread_mutex_unlock(&a->lock);
			continue;
		}
		if (p[0].revents & POLLIN)
			serve_one(a);
	}
	pthread_mutex_lock(&a->lock);
	if (a->sealed) { /* nobody can unseal any more: the waiting start gives up */
		a->stop = 1;
		pthread_cond_broadcast(&a->cond);
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

/* ---- the socket ---- */

/* A socket file at the path: replaced when nobody listens there (a crashed chsmd left it); refused when a chsmd
 * answers there or when it is not a socket. */
static ccsp_err clear_stale(const struct sockaddr_un *sun)
{
	struct stat st;
	if (lstat(sun->sun_path, &st) != 0)
		return errno == ENOENT ? CCSP_OK : CCSP_ERR_IO;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		return CCSP_ERR_IO;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return CCSP_ERR_IO;
	int r = connect(fd, (const struct sockaddr *)sun, sizeof *sun), e = errno;
	close(fd);
	if (r == 0) {
		errno = EADDRINUSE;
		return CCSP_ERR_IO;
	}
	if (e != ECONNREFUSED) {
		errno = e;
		return CCSP_ERR_IO;
	}
	return unlink(sun->sun_path) == 0 || errno == ENOENT ? CCSP_OK : CCSP_ERR_IO;
}

/* bind, chmod 0600, then listen: nobody can connect before the mode is set. */
static ccsp_err listen_open(struct chsmd_admin *a)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct stat st;
	int n = snprintf(sun.sun_path, sizeof sun.sun_path, "%s/" CHSM_ADMIN_SOCKET, a->d->dir);
	if (n < 0 || (size_t)n >= sizeof sun.sun_path || (size_t)n >= sizeof a->path) {
		errno = ENAMETOOLONG;
		return CCSP_ERR_IO;
	}
	memcpy(a->path, sun.sun_path, (size_t)n + 1);
	ccsp_err ret = clear_stale(&sun);
	if (ret != CCSP_OK)
		return ret;
	a->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->listen_fd < 0)
		return CCSP_ERR_IO;
	if (bind(a->listen_fd, (struct sockaddr *)&sun, sizeof sun) != 0)
		return CCSP_ERR_IO;
	if (chmod(sun.sun_path, 0600) != 0 || listen(a->listen_fd, 16) != 0 || stat(sun.sun_path, &st) != 0) {
		int e = errno;
		unlink(sun.sun_path);
		errno = e;
		return CCSP_ERR_IO;
	}
	a->dev = st.st_dev;
	a->ino = st.st_ino;
	return CCSP_OK;
}

/* The thread, with every signal blocked in it: they go to the main thread, as chsmd's handlers expect. */
static ccsp_err thread_start(struct chsmd_admin *a)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int r = pthread_create(&a->thread, NULL, admin_main, a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	a->started = r == 0;
	return r == 0 ? CCSP_OK : CCSP_ERR_INTERNAL;
}

ccsp_err chsmd_admin_open(chsmd *d, const chsm_production *prod)
{
	struct chsmd_admin *a = calloc(1, sizeof *a);
	if (a == NULL)
		return CCSP_ERR_NOMEM;
	a->d = d;
	a->prod = *prod;
	a->listen_fd = a->wake[0] = a->wake[1] = -1;
	a->sealed = 1;
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->cond, NULL);
	d->admin = a; /* chsmd_admin_stop cleans up whatever is done below */
	a->req = ccsp_secure_alloc(CHSM_ADMIN_LINE_MAX + 1);
	a->answer = ccsp_secure_alloc(CHSMD_ADMIN_ANSWER_MAX);
	a->scratch = ccsp_secure_alloc(CHSM_SHARE_N_MAX * sizeof *a->scratch);
	a->entered = ccsp_secure_alloc(CHSM_SHARE_N_MAX * sizeof *a->entered);
	if (a->req == NULL || a->answer == NULL || a->scratch == NULL || a->entered == NULL)
		return CCSP_ERR_NOMEM;
	if (pipe2(a->wake, O_CLOEXEC | O_NONBLOCK) != 0)
		return CCSP_ERR_IO;
	ccsp_err ret = listen_open(a);
	if (ret == CCSP_OK)
		ret = thread_start(a);
	return ret;
}

void chsmd_admin_stop(chsmd *d)
{
	struct chsmd_admin *a = d->admin;
	struct stat st;
	if (a == NULL)
		return;
	if (a->started) {
		char q = 'q';
		while (write(a->wake[1], &q, 1) < 0 && errno == EINTR)
			;
		pthread_join(a->thread, NULL);
	}
	if (a->listen_fd >= 0) {
		close(a->listen_fd);
		if (stat(a->path, &st) == 0 && st.st_dev == a->dev && st.st_ino == a->ino)
			unlink(a->path);
	}
	for (int i = 0; i < 2; i++)
		if (a->wake[i] >= 0)
			close(a->wake[i]);
	ccsp_secure_free(a->req);
	ccsp_secure_free(a->answer);
	ccsp_secure_free(a->scratch);
	ccsp_secure_free(a->entered);
	pthread_mutex_destroy(&a->lock);
	pthread_cond_destroy(&a->cond);
	free(a);
	d->admin = NULL;
}

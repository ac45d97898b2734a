/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Production mode (docs/operations.md): the master key exists only as custodians' m-of-n shares.
 *   chsmd --init DIR --production --shares N --threshold M [--listen ADDR:PORT]
 *       makes the key, device.key under it and DIR/production.conf, prints the N shares (stdout, one per line) and
 *       forgets the key.
 *   chsmd --dir DIR   (no DIR/master.key, a DIR/production.conf)
 *       starts sealed: opens DIR/admin.sock (admin.c), waits until custodians' shares ("ccsp chsm unseal") open
 *       device.key, then goes on with its normal start.
 * A share is checked before it counts: its line (check digits), its split (the set id, m and n of production.conf),
 * a repeated x. When m shares of the right split do not open device.key, one of them is forged or damaged: all are
 * kept and every further share is tried in each combination of m that contains it, so that a wrong share never
 * blocks the right ones (the CHSM unseals once m good shares are in).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ccsp/mem.h>

#include "chsmd/admin.h"

/* ---- chsmd --init DIR --production ---- */

typedef struct prod_init {
	unsigned m, n;
	chsm_share *shares; /* secure memory */
} prod_init;

static ccsp_err make_production_keys(const char *dir, void *arg)
{
	prod_init *p = arg;
	return chsm_custody_master_create(dir, p->m, p->n, p->shares);
}

static int parse_count(const char *s, unsigned *v)
{
	char *end;
	unsigned long x = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || x > CHSM_SHARE_N_MAX)
		return -1;
	*v = (unsigned)x;
	return 0;
}

static int parse_init_args(int argc, char **argv, const char **listen, unsigned *m, unsigned *n)
{
	for (int i = 0; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--listen") == 0)
			*listen = argv[i + 1];
		else if (strcmp(argv[i], "--shares") != 0 && strcmp(argv[i], "--threshold") != 0)
			return -1;
		else if (parse_count(argv[i + 1], argv[i][2] == 's' ? n : m) != 0)
			return -1;
	}
	return argc % 2 == 0 && *m >= 2 && *m <= *n ? 0 : -1;
}

/* The shares on stdout, one line each, straight from locked memory (no stdio buffer keeps a copy). */
static int print_shares(const prod_init *p)
{
	char line[CHSM_SHARE_TEXT_MAX + 1];
	int rc = 0;
	for (unsigned i = 0; i < p->n && rc == 0; i++) {
		if (chsm_share_format(&p->shares[i], line, sizeof line) != CCSP_OK) {
			rc = -1;
			break;
		}
		size_t len = strlen(line), off = 0;
		line[len++] = '\n';
		while (off < len && rc == 0) {
			ssize_t w = write(STDOUT_FILENO, line + off, len - off);
			if (w > 0)
				off += (size_t)w;
			else if (w < 0 && errno != EINTR)
				rc = -1;
		}
	}
	ccsp_memzero(line, sizeof line);
	return rc;
}

int chsmd_init_production(const char *dir, int argc, char **argv)
{
	const char *listen = CHSMD_DEFAULT_LISTEN;
	prod_init p = {0};
	if (parse_init_args(argc, argv, &listen, &p.m, &p.n) != 0) {
		fprintf(stderr, "usage: chsmd --init DIR --production --shares N --threshold M [--listen ADDR:PORT]\n"
		                "       (2 <= M <= N <= %d)\n", CHSM_SHARE_N_MAX);
		return 2;
	}
	if ((p.shares = ccsp_secure_alloc(CHSM_SHARE_N_MAX * sizeof *p.shares)) == NULL) {
		fprintf(stderr, "chsmd: out of memory\n");
		return 1;
	}
	int rc = chsmd_init_with(dir, listen, make_production_keys, &p);
	if (rc == 0 && print_shares(&p) != 0) {
		fprintf(stderr, "chsmd: cannot write the shares to standard output: the CHSM in %s can never be unsealed; "
		                "remove %s and run --init again\n", dir, dir);
		rc = 1;
	}
	if (rc == 0)
		fprintf(stderr,
		        "chsmd: created a production-mode CHSM in %s: its master key exists only as the %u shares printed "
		        "on standard output, any %u of which unseal it. Give one share to each custodian and keep no other "
		        "copy. Start it with: chsmd --dir %s, then each custodian runs: ccsp chsm unseal --dir %s\n",
		        dir, p.n, p.m, dir, dir);
	ccsp_secure_free(p.shares);
	return rc;
}

/* ---- chsmd --dir DIR: sealed until the custodians' shares open device.key ---- */

static int g_wake_fd = -1; /* the admin thread's wake pipe, for the signal handler */

static void on_stop_signal(int sig)
{
	(void)sig;
	char c = 's';
	if (g_wake_fd >= 0 && write(g_wake_fd, &c, 1) < 0) {
		/* the pipe is full: a wake-up is pending anyway */
	}
}

/* Wait until unsealed (0) or stopped by a signal (1), with SIGTERM/SIGINT waking the admin thread meanwhile. */
static int wait_unsealed(struct chsmd_admin *a)
{
	struct sigaction sa = {.sa_handler = on_stop_signal}, old_term, old_int;
	g_wake_fd = a->wake[1];
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGINT, &sa, &old_int);
	pthread_mutex_lock(&a->lock);
	while (a->sealed && !a->stop)
		pthread_cond_wait(&a->cond, &a->lock);
	int stopped = a->sealed;
	pthread_mutex_unlock(&a->lock);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGINT, &old_int, NULL);
	g_wake_fd = -1;
	return stopped;
}

int chsmd_keys_obtain(chsmd *d)
{
	char path[PATH_MAX], err[256] = "", set[2 * CHSM_SHARE_SETID_SIZE + 1], m[8], n[8];
	chsm_production prod;
	snprintf(path, sizeof path, "%s/master.key", d->dir);
	if (access(path, F_OK) == 0)
		return 0; /* dev mode: open_modules opens it */
	ccsp_err ret = chsm_custody_production_load(d->dir, &prod, err, sizeof err);
	if (ret == CCSP_ERR_FILE_NOT_FOUND) {
		fprintf(stderr, "chsmd: %s has no master.key (dev mode) and no " CHSM_PRODUCTION_CONF
		                " (production mode)\n", d->dir);
		return -1;
	}
	if (ret != CCSP_OK) {
		fprintf(stderr, "chsmd: %s/%s\n", d->dir, err[0] != '\0' ? err : ccsp_err_str(ret));
		return -1;
	}
	if ((ret = chsmd_admin_open(d, &prod)) != CCSP_OK) {
		fprintf(stderr, "chsmd: cannot open the admin socket %s/" CHSM_ADMIN_SOCKET ": %s (%m)\n", d->dir,
		        ccsp_err_str(ret));
		return -1;
	}
	snprintf(set, sizeof set, "%02x%02x%02x%02x", prod.setid[0], prod.setid[1], prod.setid[2], prod.setid[3]);
	snprintf(m, sizeof m, "%u", prod.m);
	snprintf(n, sizeof n, "%u", prod.n);
	printf("chsmd: sealed: waiting for %u of the %u master-key shares (set %s); each custodian runs: "
	       "ccsp chsm unseal --dir %s\n", prod.m, prod.n, set, d->dir);
	fflush(stdout);
	ccsp_log_event(d->log, "info", "chsm.sealed", "masterSet", set, "threshold", m, "shares", n, "adminSocket",
	               d->admin->path, (char *)NULL);
	if (wait_unsealed(d->admin) != 0) {
		ccsp_log_event(d->log, "info", "chsm.stopped", "state", "sealed", (char *)NULL);
		return 1;
	}
	ccsp_log_event(d->log, "info", "chsm.unsealed", "masterSet", set, (char *)NULL);
	printf("chsmd: unsealed: the master-key shares opened device.key\n");
	fflush(stdout);
	return 0;
}

/* ---- the shares (admin thread, under a->lock) ---- */

/* s must be a share of this CHSM's master-key split. */
static ccsp_err expect_split(const struct chsmd_admin *a, const chsm_share *s, char *msg, size_t cap)
{
	if (s->purpose != CHSM_SHARE_MASTER) {
		snprintf(msg, cap, "a trust-domain share, not a master-key share: not counted");
		return CCSP_ERR_SHARE_MIXED;
	}
	if (memcmp(s->setid, a->prod.setid, CHSM_SHARE_SETID_SIZE) != 0 || s->m != a->prod.m || s->n != a->prod.n) {
		snprintf(msg, cap, "a share of another master key (set %02x%02x%02x%02x, %uof%u; this CHSM's is set "
		         "%02x%02x%02x%02x, %uof%u): not counted", s->setid[0], s->setid[1], s->setid[2], s->setid[3], s->m,
		         s->n, a->prod.setid[0], a->prod.setid[1], a->prod.setid[2], a->prod.setid[3], a->prod.m,
		         a->prod.n);
		return CCSP_ERR_SHARE_MIXED;
	}
	return CCSP_OK;
}

/* Try every combination of m entered shares that contains the newest one. CCSP_OK: d->keys set. */
static ccsp_err try_open(struct chsmd_admin *a)
{
	chsm_share *sub = a->scratch;
	size_t others = a->count - 1, m = a->prod.m, k;
	ccsp_err ret = CCSP_ERR_SHARE_WRONG;
	for (uint32_t mask = 0; mask < (1u << others) && ret == CCSP_ERR_SHARE_WRONG; mask++) {
		if ((size_t)__builtin_popcount(mask) != m - 1)
			continue;
		k = 0;
		for (size_t i = 0; i < others; i++)
			if (mask & (1u << i))
				sub[k++] = a->entered[i];
		sub[k++] = a->entered[others];
		ret = chsm_custody_master_open(a->d->dir, sub, k, &a->d->keys);
	}
	chsm_share_wipe(sub, CHSM_SHARE_N_MAX);
	return ret;
}

static void log_share(struct chsmd_admin *a, const chsm_share *s, ccsp_err e, size_t needed)
{
	char x[24], entered[24], need[24];
	snprintf(x, sizeof x, "%u", s->x);
	snprintf(entered, sizeof entered, "%zu", e == CCSP_OK && needed == 0 ? (size_t)a->prod.m : a->count);
	snprintf(need, sizeof need, "%zu", needed);
	if (e == CCSP_OK)
		ccsp_log_event(a->d->log, "info", "chsm.unseal.share", "x", x, "entered", entered, "needed", need,
		               (char *)NULL);
	else /* SHARE_WRONG: kept, but the shares entered do not open device.key */
		ccsp_log_event(a->d->log, "warn",
		               e == CCSP_ERR_SHARE_WRONG ? "chsm.unseal.mismatch" : "chsm.unseal.refused", "x",
		               s->x != 0 ? x : "", "error", ccsp_err_name(e), "entered", entered, (char *)NULL);
}

/* A share that passed every check: enter it, and unseal when it completes a set that opens device.key. */
static ccsp_err enter_share(struct chsmd_admin *a, const chsm_share *s, size_t *needed, char *msg, size_t cap)
{
	a->entered[a->count++] = *s;
	if (a->count < a->prod.m) {
		*needed = a->prod.m - a->count;
		return CCSP_OK;
	}
	ccsp_err ret = try_open(a);
	if (ret == CCSP_OK) {
		a->sealed = 0;
		chsm_share_wipe(a->entered, CHSM_SHARE_N_MAX);
		a->count = 0;
		*needed = 0;
		pthread_cond_broadcast(&a->cond);
	} else if (ret == CCSP_ERR_SHARE_WRONG) {
		*needed = 1;
		snprintf(msg, cap,
		         "the %zu shares entered do not open device.key: one of them is forged or damaged. All stay "
		         "entered and each further share is tried with every combination of the others (ccsp chsm "
		         "unseal --reset starts over)", a->count);
	} else {
		chsm_share_wipe(&a->entered[--a->count], 1);
		snprintf(msg, cap, "cannot open device.key: %s; the share was not counted", ccsp_err_str(ret));
	}
	return ret;
}

ccsp_err chsmd_unseal_add(struct chsmd_admin *a, const char *line, size_t len, size_t *needed, char *msg, size_t cap)
{
	chsm_share s;
	ccsp_err ret = chsm_share_parse(line, len, &s);
	*needed = 0;
	pthread_mutex_lock(&a->lock);
	if (!a->sealed) {
		ret = CCSP_ERR_STATE;
		snprintf(msg, cap, "the CHSM is unsealed already");
	} else if (ret != CCSP_OK) {
		snprintf(msg, cap, "%s: not counted", chsm_custody_describe(ret));
	} else if ((ret = expect_split(a, &s, msg, cap)) == CCSP_OK &&
	           (ret = chsm_shamir_check_join(a->entered, a->count, &s)) != CCSP_OK) {
		snprintf(msg, cap, "share %u of %u was entered already: not counted", s.x, s.n);
	}
	if (ret == CCSP_OK)
		ret = enter_share(a, &s, needed, msg, cap);
	if (a->sealed && ret != CCSP_OK)
		*needed = a->count < a->prod.m ? a->prod.m - a->count : 1;
	log_share(a, &s, ret, *needed);
	pthread_mutex_unlock(&a->lock);
	chsm_share_wipe(&s, 1);
	return ret;
}

void chsmd_unseal_reset(struct chsmd_admin *a)
{
	pthread_mutex_lock(&a->lock);
	if (a->sealed) {
		chsm_share_wipe(a->entered, CHSM_SHARE_N_MAX);
		a->count = 0;
		ccsp_log_event(a->d->log, "info", "chsm.unseal.reset", (char *)NULL);
	}
	pthread_mutex_unlock(&a->lock);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* vsmd processes: posix_spawn with the storage key on a pipe, the ready line, signals and reaping. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chsm/chsm_proc.h"

extern char **environ;

#define KEY_SIZE 16
#define READY_PREFIX "vsmd: listening on port "
#define READY_STATE ", state operational"

uint64_t chsm_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void chsm_proc_init(chsm_proc *p)
{
	memset(p, 0, sizeof *p);
	p->out_fd = -1;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

static int write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* File actions: stdout the pipe, stdin /dev/null, the key pipe on CHSM_PROC_KEY_FD, nothing else inherited.
 * The child's ends are >= 10, so dup2 always moves them and the copies lose close-on-exec. */
static int setup_actions(posix_spawn_file_actions_t *fa, int cout, int ckey)
{
	int e = posix_spawn_file_actions_adddup2(fa, cout, STDOUT_FILENO);
	if (e == 0)
		e = posix_spawn_file_actions_addopen(fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (e == 0 && ckey >= 0)
		e = posix_spawn_file_actions_adddup2(fa, ckey, CHSM_PROC_KEY_FD);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	if (e == 0)
		e = posix_spawn_file_actions_addclosefrom_np(fa, ckey >= 0 ? CHSM_PROC_KEY_FD + 1 : CHSM_PROC_KEY_FD);
#endif
	return e;
}

/* A daemon often blocks or ignores signals (an event loop, SIGPIPE): vsmd must get SIGTERM. */
static int setup_attr(posix_spawnattr_t *at)
{
	static const int defaults[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2};
	sigset_t none, def;
	sigemptyset(&none);
	sigemptyset(&def);
	for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
		sigaddset(&def, defaults[i]);
	int e = posix_spawnattr_setsigmask(at, &none);
	if (e == 0)
		e = posix_spawnattr_setsigdefault(at, &def);
	if (e == 0)
		e = posix_spawnattr_setflags(at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	return e;
}

static int do_spawn(pid_t *pid, char *const argv[], int cout, int ckey)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	int e = posix_spawn_file_actions_init(&fa);
	if (e != 0)
		return e;
	e = posix_spawnattr_init(&at);
	if (e != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return e;
	}
	e = setup_actions(&fa, cout, ckey);
	if (e == 0)
		e = setup_attr(&at);
	if (e == 0)
		e = posix_spawn(pid, argv[0], &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return e;
}

ccsp_err chsm_proc_spawn(chsm_proc *p, char *const argv[], const uint8_t *key)
{
	int out[2] = {-1, -1}, kp[2] = {-1, -1}, cout = -1, ckey = -1, e = 0;
	pid_t pid = 0;
	ccsp_err ret = CCSP_ERR_IO;
	chsm_proc_init(p);
	if (pipe2(out, O_CLOEXEC) != 0 || (cout = fcntl(out[1], F_DUPFD_CLOEXEC, 10)) < 0)
		goto out;
	if (key != NULL) {
		/* 16 bytes fit in any pipe's buffer: the write never blocks, and the child reads them then EOF. */
		if (pipe2(kp, O_CLOEXEC) != 0 || write_all(kp[1], key, KEY_SIZE) != 0)
			goto out;
		close_fd(&kp[1]);
		if ((ckey = fcntl(kp[0], F_DUPFD_CLOEXEC, 10)) < 0)
			goto out;
	}
	e = do_spawn(&pid, argv, cout, ckey);
	if (e != 0) {
		errno = e;
		ret = e == ENOMEM ? CCSP_ERR_NOMEM : CCSP_ERR_IO;
		goto out;
	}
	p->pid = pid;
	p->out_fd = out[0];
	out[0] = -1;
	(void)fcntl(p->out_fd, F_SETFL, fcntl(p->out_fd, F_GETFL) | O_NONBLOCK);
	ret = CCSP_OK;
out:
	e = errno;
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&cout);
	close_fd(&kp[0]);
	close_fd(&kp[1]);
	close_fd(&ckey);
	errno = e;
	return ret;
}

/* "vsmd: listening on port N (ADDR), admin socket PATH, state operational" (src/vsmd/main.c). */
static void on_line(chsm_proc *p)
{
	const char *s = p->line;
	size_t n = strlen(s), sl = strlen(READY_STATE);
	if (p->first[0] == '\0')
		snprintf(p->first, sizeof p->first, "%.*s", (int)sizeof p->first - 1, s);
	if (strncmp(s, READY_PREFIX, strlen(READY_PREFIX)) != 0 || n < sl || strcmp(s + n - sl, READY_STATE) != 0)
		return;
	char *end;
	unsigned long port = strtoul(s + strlen(READY_PREFIX), &end, 10);
	if (end == s + strlen(READY_PREFIX) || *end != ' ' || port == 0 || port > 65535)
		return;
	p->port = (uint16_t)port;
	p->ready = 1;
}

static void feed(chsm_proc *p, const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			p->line[p->linelen] = '\0';
			if (!p->overlong)
				on_line(p);
			p->linelen = 0;
			p->overlong = 0;
		} else if (p->linelen + 1 < sizeof p->line) {
			p->line[p->linelen++] = buf[i];
		} else {
			p->overlong = 1;
		}
	}
}

void chsm_proc_read(chsm_proc *p)
{
	char buf[512];
	while (p->out_fd >= 0) {
		ssize_t r = read(p->out_fd, buf, sizeof buf);
		if (r > 0) {
			feed(p, buf, (size_t)r);
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		p->eof = 1; /* end of output, or an error that will not go away */
		close_fd(&p->out_fd);
	}
}

void chsm_proc_wait(const chsm_proc *p, int ms)
{
	if (ms <= 0)
		return;
	if (p->out_fd >= 0) {
		struct pollfd pfd = {.fd = p->out_fd, .events = POLLIN};
		(void)poll(&pfd, 1, ms);
		return;
	}
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	(void)nanosleep(&ts, NULL);
}

int chsm_proc_reap(chsm_proc *p, int *status)
{
	int st = -1;
	pid_t r;
	if (p->pid <= 0) {
		*status = -1;
		return 1;
	}
	do
		r = waitpid(p->pid, &st, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return 0;
	if (r < 0)
		st = -1; /* ECHILD: reaped elsewhere (SIGCHLD ignored?): gone all the same */
	chsm_proc_read(p);
	close_fd(&p->out_fd);
	p->pid = 0;
	p->ready = 0;
	*status = st;
	return 1;
}

void chsm_proc_signal(const chsm_proc *p, int sig)
{
	if (p->pid > 0)
		(void)kill(p->pid, sig);
}

void chsm_proc_stop(chsm_proc *p, uint32_t timeout_ms)
{
	int st;
	uint64_t end = chsm_now_ms() + timeout_ms;
	chsm_proc_signal(p, SIGTERM);
	while (!chsm_proc_reap(p, &st)) {
		uint64_t now = chsm_now_ms();
		if (now >= end) {
			chsm_proc_signal(p, SIGKILL);
			while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
				;
			p->pid = 0;
			break;
		}
		chsm_proc_read(p);
		chsm_proc_wait(p, end - now < 20 ? (int)(end - now) : 20);
	}
	close_fd(&p->out_fd);
	p->ready = 0;
	p->port = 0;
}

ccsp_err chsm_proc_run(char *const argv[], const uint8_t *key, uint32_t timeout_ms, char *first, size_t cap)
{
	chsm_proc p;
	int st = -1;
	uint64_t end = chsm_now_ms() + timeout_ms;
	ccsp_err ret = chsm_proc_spawn(&p, argv, key);
	if (ret != CCSP_OK)
		return ret;
	while (!chsm_proc_reap(&p, &st)) {
		uint64_t now = chsm_now_ms();
		if (now >= end) {
			chsm_proc_stop(&p, 0);
			return CCSP_ERR_IO;
		}
		chsm_proc_read(&p);
		chsm_proc_wait(&p, end - now < 50 ? (int)(end - now) : 50);
	}
	if (first != NULL && cap > 0)
		snprintf(first, cap, "%s", p.first);
	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? CCSP_OK : CCSP_ERR_IO;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vsmd — one virtual security module serving the SDF protocol.
 *   vsmd --init DIR [--listen ADDR:PORT] [--storage-key-fd N] [--transport tls|tlcp]
 *                                          create a VSM: standalone (dev mode, a storage key file) or, with
 *                                          --storage-key-fd, chsmd's (the key read from N, stored nowhere)
 *   vsmd --dir DIR [--storage-key-fd N]    serve it in the foreground until SIGTERM / SIGINT; with
 *                                          --storage-key-fd the 16-byte storage key is read from descriptor N
 *                                          (chsmd's hand-over) instead of DIR's dev-mode key file
 * This file only wires the modules: config (src/common/config.h), the VSM (src/vsm/vsm.h), the request
 * handlers (dispatch.c) and the network layer (vsmd_net.h).
 */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ccsp/mem.h>
#include <ccsp/selftest.h>

#include "common/atomic_file.h"
#include "common/config.h"
#include "sdf/sdf_status.h"
#include "vsm/vsm.h"
#include "vsmd/init.h"
#include "vsmd/stats.h"
#include "vsmd/ops.h"
#include "vsmd/version.h"
#include "vsmd/vsmd_net.h"

static vsmd_net *g_net; /* for the signal handler only */

static void on_signal(int sig)
{
	(void)sig;
	if (g_net != NULL)
		vsmd_net_stop(g_net);
}

static uint32_t authenticate(void *arg, const uint8_t *token, size_t len, const char *peer)
{
	ccsp_vsm *vsm = arg;
	ccsp_err ret = ccsp_vsm_token_check(vsm, token, len);
	if (ret != CCSP_OK)
		ccsp_vsm_audit_event(vsm, "auth.fail", "peer=%s", peer);
	return ccsp_sdf_status(ret);
}

static void owner_gone(void *arg, uint64_t owner)
{
	ccsp_vsm_session_close_owner(arg, owner);
}

static void net_event(void *arg, const char *name, const char *detail)
{
	ccsp_vsm_audit_event(arg, name, "%s", detail);
}

static const char *const conf_keys[] = {"listen", "cert_file", "key_file", "storage_key_file", "workers",
                                        "max_connections", "max_inflight", "max_index", "max_sessions",
                                        "max_session_keys", "transport", "tlcp_sign_cert", "tlcp_sign_key",
                                        "tlcp_enc_cert", "tlcp_enc_key", "tlcp_ca_file", "tlcp_verify", NULL};

/* transport = tlcp: the files (relative to DIR) and their defaults (docs/operations.md). */
#define TLCP_FILES 5
static const char *const tlcp_keys[TLCP_FILES] = {"tlcp_sign_cert", "tlcp_sign_key", "tlcp_enc_cert", "tlcp_enc_key",
                                                  "tlcp_ca_file"};
static const char *const tlcp_defaults[TLCP_FILES] = {"tlcp-sign.pem", "tlcp-sign.key", "tlcp-enc.pem",
                                                      "tlcp-enc.key", NULL};

/* Resolve a path of the config relative to dir. */
static void in_dir(char *out, size_t cap, const char *dir, const char *name)
{
	if (name[0] == '/')
		snprintf(out, cap, "%s", name);
	else
		snprintf(out, cap, "%s/%s", dir, name);
}

static int load_limits(const ccsp_config *cfg, ccsp_vsm_limits *lim, vsmd_net_config *nc, char *err, size_t errlen)
{
	uint32_t workers, conns, inflight;
	ccsp_vsm_limits_default(lim);
	if (ccsp_config_check_keys(cfg, conf_keys, err, errlen) != CCSP_OK ||
	    ccsp_config_get_u32(cfg, "workers", 1, 64, 2, &workers, err, errlen) != CCSP_OK ||
	    ccsp_config_get_u32(cfg, "max_connections", 1, 65535, 256, &conns, err, errlen) != CCSP_OK ||
	    ccsp_config_get_u32(cfg, "max_inflight", 1, 4096, 64, &inflight, err, errlen) != CCSP_OK ||
	    ccsp_config_get_u32(cfg, "max_index", 1, 65535, lim->max_index, &lim->max_index, err, errlen) != CCSP_OK ||
	    ccsp_config_get_u32(cfg, "max_sessions", 1, 65535, lim->max_sessions, &lim->max_sessions, err, errlen) !=
	        CCSP_OK ||
	    ccsp_config_get_u32(cfg, "max_session_keys", 1, 65535, lim->max_session_keys, &lim->max_session_keys, err,
	                        errlen) != CCSP_OK)
		return -1;
	nc->workers = workers;
	nc->max_connections = conns;
	nc->max_inflight = inflight;
	nc->handshake_timeout_ms = 10000;
	nc->idle_timeout_ms = 600000;
	return 0;
}

static int load_tlcp_verify(const ccsp_config *cfg, vsmd_net_config *nc, char *err, size_t errlen)
{
	static const char *const modes[] = {"none", "optional", "required"}; /* ccsp_tlcp_client_auth's values */
	const char *v = ccsp_config_get(cfg, "tlcp_verify");
	if (v == NULL) {
		nc->tlcp_verify = nc->tlcp_ca_file != NULL ? 1 : 0;
		return 0;
	}
	for (int i = 0; i < 3; i++)
		if (strcmp(v, modes[i]) == 0)
			nc->tlcp_verify = i;
	if (strcmp(v, modes[nc->tlcp_verify]) != 0) {
		snprintf(err, errlen, "tlcp_verify must be none, optional or required, not '%s'", v);
		return -1;
	}
	if (nc->tlcp_verify != 0 && nc->tlcp_ca_file == NULL) {
		snprintf(err, errlen, "tlcp_verify = %s needs tlcp_ca_file (the CA of the client certificates)", v);
		return -1;
	}
	return 0;
}

/* transport = tls (the default) or tlcp with its files (paths[i] for tlcp_keys[i]). */
static int load_transport(const ccsp_config *cfg, const char *dir, char paths[TLCP_FILES][PATH_MAX],
                          vsmd_net_config *nc, char *err, size_t errlen)
{
	const char **files[TLCP_FILES] = {&nc->tlcp_sign_cert, &nc->tlcp_sign_key, &nc->tlcp_enc_cert, &nc->tlcp_enc_key,
	                                  &nc->tlcp_ca_file};
	const char *t = ccsp_config_get_or(cfg, "transport", "tls");
	nc->transport = VSMD_TRANSPORT_TLS;
	if (strcmp(t, "tls") == 0)
		return 0;
	if (strcmp(t, "tlcp") != 0) {
		snprintf(err, errlen, "transport must be tls or tlcp, not '%s'", t);
		return -1;
	}
	nc->transport = VSMD_TRANSPORT_TLCP;
	for (int i = 0; i < TLCP_FILES; i++) {
		const char *v = ccsp_config_get_or(cfg, tlcp_keys[i], tlcp_defaults[i]);
		if (v == NULL)
			continue;
		in_dir(paths[i], PATH_MAX, dir, v);
		*files[i] = paths[i];
		if (access(paths[i], R_OK) != 0) { /* name the file; the network layer only says what went wrong */
			snprintf(err, errlen, "%s %s: %s (docs/sdf.md, \"Over TLCP\", makes them)", tlcp_keys[i], paths[i],
			         strerror(errno));
			return -1;
		}
	}
	return load_tlcp_verify(cfg, nc, err, errlen);
}

/* The storage key on an inherited descriptor (how chsmd hands it over: never argv, environment or a plaintext
 * file): exactly 16 bytes, then end of file. The descriptor is closed. */
static int read_storage_key_fd(int fd, uint8_t key[CCSP_VSM_STORAGE_KEY_SIZE])
{
	uint8_t buf[CCSP_VSM_STORAGE_KEY_SIZE + 1];
	size_t got = 0;
	ssize_t r = 1;
	while (got < sizeof buf && r != 0) {
		r = read(fd, buf + got, sizeof buf - got);
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0)
			got += (size_t)r;
	}
	close(fd);
	int ok = r >= 0 && got == CCSP_VSM_STORAGE_KEY_SIZE;
	if (ok)
		memcpy(key, buf, CCSP_VSM_STORAGE_KEY_SIZE);
	ccsp_memzero(buf, sizeof buf);
	if (!ok)
		fprintf(stderr, "vsmd: --storage-key-fd %d: expected exactly %d bytes\n", fd, CCSP_VSM_STORAGE_KEY_SIZE);
	return ok ? 0 : -1;
}

static int read_storage_key(const char *path, uint8_t key[CCSP_VSM_STORAGE_KEY_SIZE])
{
	uint8_t *buf = NULL;
	size_t len = 0;
	ccsp_err ret = ccsp_file_read_all(path, 64, &buf, &len);
	if (ret == CCSP_OK && len == CCSP_VSM_STORAGE_KEY_SIZE)
		memcpy(key, buf, len);
	if (buf != NULL)
		ccsp_memzero(buf, len);
	free(buf);
	if (ret != CCSP_OK || len != CCSP_VSM_STORAGE_KEY_SIZE) {
		fprintf(stderr, "vsmd: cannot read the storage key %s: %s\n", path,
		        ret != CCSP_OK ? ccsp_err_str(ret) : "wrong length");
		return -1;
	}
	return 0;
}

static int serve(ccsp_vsm *vsm, const vsmd_net_config *nc)
{
	vsmd_net_handlers h = {.arg = vsm, .authenticate = authenticate, .dispatch = vsmd_dispatch,
	                       .owner_gone = owner_gone, .event = net_event};
	vsmd_net *net = NULL;
	ccsp_err ret = vsmd_net_new(nc, &h, &net);
	if (ret != CCSP_OK) {
		fprintf(stderr, "vsmd: cannot listen on %s (%s): %s\n", nc->listen,
		        nc->transport == VSMD_TRANSPORT_TLCP ? "tlcp: the tlcp_* certificates and keys" : "tls",
		        ccsp_err_str(ret));
		return 1;
	}
	g_net = net;
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	printf("vsmd: listening on port %d (%s), admin socket %s, state %s\n", vsmd_net_port(net), nc->listen,
	       nc->admin_socket, ccsp_vsm_state_name(ccsp_vsm_get_state(vsm)));
	fflush(stdout);
	ret = vsmd_net_run(net);
	g_net = NULL;
	vsmd_net_free(net);
	printf("vsmd: stopped\n");
	return ret == CCSP_OK ? 0 : 1;
}

static int run_dir(const char *dir, int key_fd)
{
	char path[PATH_MAX], cert[PATH_MAX], key[PATH_MAX], sock[PATH_MAX], err[256] = "";
	char tlcp[TLCP_FILES][PATH_MAX];
	uint8_t skey[CCSP_VSM_STORAGE_KEY_SIZE];
	ccsp_config *cfg = NULL;
	ccsp_vsm_limits lim;
	vsmd_net_config nc = {0};
	ccsp_vsm *vsm = NULL;
	int rc = 1;
	snprintf(path, sizeof path, "%s/" VSMD_CONF, dir);
	if (ccsp_config_load(path, &cfg, err, sizeof err) != CCSP_OK || load_limits(cfg, &lim, &nc, err, sizeof err) != 0 ||
	    load_transport(cfg, dir, tlcp, &nc, err, sizeof err) != 0) {
		fprintf(stderr, "vsmd: %s\n", err);
		goto out;
	}
	nc.listen = ccsp_config_get(cfg, "listen");
	in_dir(cert, sizeof cert, dir, ccsp_config_get(cfg, "cert_file") ? ccsp_config_get(cfg, "cert_file") : "tls-cert.pem");
	in_dir(key, sizeof key, dir, ccsp_config_get(cfg, "key_file") ? ccsp_config_get(cfg, "key_file") : "tls-key.pem");
	in_dir(path, sizeof path, dir,
	       ccsp_config_get(cfg, "storage_key_file") ? ccsp_config_get(cfg, "storage_key_file") : VSMD_STORAGE_KEY);
	in_dir(sock, sizeof sock, dir, "admin.sock");
	nc.cert_file = cert;
	nc.key_file = key;
	nc.admin_socket = sock;
	if (nc.listen == NULL) {
		fprintf(stderr, "vsmd: %s/" VSMD_CONF ": listen is required\n", dir);
		goto out;
	}
	if ((key_fd >= 0 ? read_storage_key_fd(key_fd, skey) : read_storage_key(path, skey)) != 0)
		goto out;
	ccsp_err ret = ccsp_vsm_open(dir, skey, &lim, &vsm);
	ccsp_memzero(skey, sizeof skey);
	if (ret != CCSP_OK) {
		fprintf(stderr, "vsmd: the VSM in %s cannot start: %s\n", dir, ccsp_err_str(ret));
		goto out;
	}
	if (vsmd_stats_start(dir, vsm) != CCSP_OK)
		fprintf(stderr, "vsmd: no throughput statistics (%s/" VSMD_EPS_FILE ")\n", dir);
	rc = serve(vsm, &nc);
	vsmd_stats_stop();
out:
	ccsp_vsm_free(vsm);
	ccsp_config_free(cfg);
	return rc;
}

static int usage(void)
{
	fprintf(stderr, "usage: vsmd --init DIR [--listen ADDR:PORT] [--storage-key-fd N] [--transport tls|tlcp]\n"
	                "       vsmd --dir DIR [--storage-key-fd N]\n");
	return 2;
}

static int parse_fd(const char *s)
{
	char *end;
	long fd = strtol(s, &end, 10);
	return *s == '\0' || *end != '\0' || fd < 3 || fd > 1023 ? -1 : (int)fd;
}

/* vsmd --init DIR [--listen ADDR:PORT] [--storage-key-fd N] [--transport tls|tlcp], options in any order, each at
 * most once. */
static int init_main(int argc, char **argv)
{
	const char *listen = NULL, *transport = NULL;
	int fd = -1, rc;
	for (int i = 3; i < argc; i += 2) {
		if (i + 1 >= argc)
			return usage();
		if (strcmp(argv[i], "--listen") == 0 && listen == NULL)
			listen = argv[i + 1];
		else if (strcmp(argv[i], "--transport") == 0 && transport == NULL &&
		         (strcmp(argv[i + 1], "tls") == 0 || strcmp(argv[i + 1], "tlcp") == 0))
			transport = argv[i + 1];
		else if (strcmp(argv[i], "--storage-key-fd") == 0 && fd < 0)
			fd = parse_fd(argv[i + 1]);
		else
			return usage();
		if (fd == -1 && strcmp(argv[i], "--storage-key-fd") == 0)
			return usage();
	}
	int tlcp = transport != NULL && strcmp(transport, "tlcp") == 0;
	if (fd < 0)
		return vsmd_init(argv[2], listen != NULL ? listen : VSMD_DEFAULT_LISTEN, NULL, tlcp);
	uint8_t skey[CCSP_VSM_STORAGE_KEY_SIZE];
	if (read_storage_key_fd(fd, skey) != 0)
		return 1;
	rc = vsmd_init(argv[2], listen != NULL ? listen : VSMD_DEFAULT_LISTEN, skey, tlcp);
	ccsp_memzero(skey, sizeof skey);
	return rc;
}

/* A vsmd handed its key by chsmd lives no longer than chsmd: when chsmd is gone (kill -9 included), it must not keep
 * the VSM's port and keys while a new chsmd starts the VSM again. A thread checks once a second whether vsmd was
 * re-parented (getppid is per process, unlike PR_SET_PDEATHSIG, which follows the thread that spawned it) and
 * then stops vsmd as SIGTERM does. */
static void *watch_parent(void *arg)
{
	pid_t parent = (pid_t)(intptr_t)arg;
	while (getppid() == parent)
		sleep(1);
	fprintf(stderr, "vsmd: the chsmd that started it is gone: stopping\n");
	for (;;) { /* again each second: the server may not have been listening yet */
		on_signal(SIGTERM);
		sleep(1);
	}
	return NULL;
}

static int follow_parent(void)
{
	pthread_t t;
	pid_t parent = getppid();
	if (parent == 1 || pthread_create(&t, NULL, watch_parent, (void *)(intptr_t)parent) != 0)
		return -1;
	return pthread_detach(t) == 0 ? 0 : -1;
}

/* Bulk calls (SM4 over 64 KiB, SM3 over 1 MiB) allocate and free their bodies on every call: by default glibc
 * serves those from fresh mappings or gives the freed heap top back to the kernel, so each call paid page faults
 * on zeroed pages (a third of vsmd's time, measured with perf). Keep bodies up to 4 MiB in the heap and give
 * memory back only past 64 MiB of free heap top. */
static void heap_for_bulk_calls(void)
{
	(void)mallopt(M_MMAP_THRESHOLD, 4 << 20);
	(void)mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

int main(int argc, char **argv)
{
	heap_for_bulk_calls();
	if (argc == 3 && strcmp(argv[1], "--dir") == 0)
		return run_dir(argv[2], -1);
	if (argc == 5 && strcmp(argv[1], "--dir") == 0 && strcmp(argv[3], "--storage-key-fd") == 0) {
		int fd = parse_fd(argv[4]);
		if (fd >= 0 && follow_parent() != 0) {
			fprintf(stderr, "vsmd: the process that started it is gone\n");
			return 1;
		}
		return fd < 0 ? usage() : run_dir(argv[2], fd);
	}
	if (argc >= 3 && strcmp(argv[1], "--init") == 0)
		return init_main(argc, argv);
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("vsmd %s\n", vsmd_version());
		return 0;
	}
	return usage();
}

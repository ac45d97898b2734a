/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chsmd — the cloud HSM host (GM/T 0088 management interface).
 *   chsmd --init DIR [--listen ADDR:PORT]   create a CHSM state directory (dev mode)
 *   chsmd --init DIR --production --shares N --threshold M [--listen ADDR:PORT]
 *                                           production mode: prints the master key's shares (unseal.c)
 *   chsmd --dir DIR                         serve it until SIGTERM / SIGINT (VSMs are stopped cleanly); runs
 *                                           the release DIR/releases/current names when that is another binary
 *   chsmd --version                         "chsmd VERSION"
 * This file wires the modules: config, keys, platform keys, the VSM supervisor, the task queue, the logger and
 * the HTTPS layer with the route table below, which reads like the API reference (spec §3.9).
 */
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include <ccsp/sm3.h>
#include <ccsp/sm2.h>

#include "common/b64.h"
#include "chsmd/chsmd.h"
#include "common/config.h"
#include "common/http_tlcp_conf.h"

#define API "/api/1.0"

static const ccsp_http_route routes[] = {
	{"POST", API "/chsm", chsmd_api_chsm, CHSMD_TRUSTED},
	{"GET", API "/chsm/status", chsmd_api_chsm_status, CHSMD_GUEST},
	{"GET", API "/chsm/allstatus", chsmd_api_chsm_allstatus, CHSMD_GUEST},
	{"POST", API "/chsm/network", chsmd_api_chsm_network, CHSMD_TRUSTED},
	{"POST", API "/chsm/ntp", chsmd_api_chsm_ntp, CHSMD_TRUSTED},
	{"POST", API "/chsm/imageuploader", chsmd_api_chsm_uploader, CHSMD_TRUSTED},
	{"POST", API "/chsm/loguploader", chsmd_api_chsm_loguploader, CHSMD_TRUSTED},
	{"POST", API "/chsm/image", chsmd_api_chsm_image, CHSMD_TRUSTED},
	{"POST", API "/vsm", chsmd_api_vsm, CHSMD_TRUSTED},
	{"GET", API "/vsm/status", chsmd_api_vsm_status, CHSMD_GUEST},
	{"POST", API "/vsm/network", chsmd_api_vsm_network, CHSMD_TRUSTED},
	{"POST", API "/vsm/token", chsmd_api_vsm_token, CHSMD_TRUSTED},
	{"POST", API "/vsm/image", chsmd_api_vsm_image, CHSMD_TRUSTED},
	{"GET", API "/chsm/authpk", chsmd_api_authpk_get, CHSMD_GUEST},
	{"POST", API "/chsm/authpk", chsmd_api_authpk_post, CHSMD_GUEST_UNTIL_KEY},
};

static const char *const conf_keys[] = {"listen", "cert_file", "key_file", "vsmd_path", "vsm_host",
                                        "vsm_port_base", "workers", "callback_ca_file", "callback_tlcp_ca_file",
                                        "vsm_transport", CCSP_HTTP_TLCP_CONF_KEYS, NULL};

static ccsp_http_server *g_http; /* for the signal handler only */

static void on_signal(int sig)
{
	(void)sig;
	if (g_http != NULL)
		ccsp_http_server_stop(g_http);
}

static void on_vsm_event(void *arg, const char *id, const char *event, const char *detail)
{
	chsmd *d = arg;
	ccsp_log_event(d->log, "info", event, "vsmId", id, "detail", detail != NULL ? detail : "", (char *)NULL);
}

/* The supervisor is driven from the loop: a timer re-armed for when it asks to be polled next. */
typedef struct poller {
	chsmd *d;
	struct event *ev;
} poller;

static void poll_supervisor(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	poller *p = arg;
	uint32_t next = 1000;
	ccsp_chsm_sup_poll(p->d->sup, &next);
	struct timeval tv = {next / 1000, (next % 1000) * 1000};
	evtimer_add(p->ev, &tv);
}

/* A chsmd.conf file name, relative to DIR unless absolute; NULL for none (or out of memory). */
static char *dir_path(const char *dir, const char *f)
{
	char p[PATH_MAX];
	if (f == NULL)
		return NULL;
	snprintf(p, sizeof p, "%s%s%s", f[0] == '/' ? "" : dir, f[0] == '/' ? "" : "/", f);
	return strdup(p);
}

static int device_fingerprint(chsmd *d)
{
	uint8_t pub[CCSP_SM2_POINT_SIZE], h[32];
	if (ccsp_sm2_key_get_public(chsm_keys_device(d->keys), pub) != CCSP_OK || ccsp_sm3(pub + 1, 64, h) != CCSP_OK)
		return -1;
	ccsp_b64_encode(h, sizeof h, d->device_fingerprint);
	snprintf(d->device_id, sizeof d->device_id, "%02x%02x%02x%02x%02x%02x", h[0], h[1], h[2], h[3], h[4], h[5]);
	return 0;
}

/* Open every module; 0 or -1 with the reason printed. */
static int open_modules(chsmd *d, const ccsp_config *cfg, const char *self, ccsp_http_server **http)
{
	char path[PATH_MAX], cert[PATH_MAX], key[PATH_MAX], vsmd[PATH_MAX], err[256] = "", selfdir[PATH_MAX];
	uint32_t workers, port_base;
	ccsp_err ret;
	if (ccsp_config_check_keys(cfg, conf_keys, err, sizeof err) != CCSP_OK ||
	    ccsp_config_get_u32(cfg, "workers", 1, 64, 4, &workers, err, sizeof err) != CCSP_OK ||
	    ccsp_config_get_u32(cfg, "vsm_port_base", 0, 65000, 7500, &port_base, err, sizeof err) != CCSP_OK) {
		fprintf(stderr, "chsmd: %s\n", err);
		return -1;
	}
	d->vsm_port_base = port_base;
	d->vsm_host = strdup(ccsp_config_get_or(cfg, "vsm_host", "127.0.0.1"));
	d->callback_ca_file = dir_path(d->dir, ccsp_config_get(cfg, "callback_ca_file"));
	d->callback_tlcp_ca_file = dir_path(d->dir, ccsp_config_get(cfg, "callback_tlcp_ca_file"));
	snprintf(selfdir, sizeof selfdir, "%s", self);
	snprintf(vsmd, sizeof vsmd, "%s/vsmd", dirname(selfdir));
	ret = d->keys != NULL ? CCSP_OK : chsm_keys_open(d->dir, &d->keys); /* production: unsealed already */
	if (ret != CCSP_OK || device_fingerprint(d) != 0) {
		fprintf(stderr, "chsmd: cannot open the CHSM keys in %s: %s\n", d->dir, ccsp_err_str(ret));
		return -1;
	}
	if (chsmd_device_ca_open(d, cfg, err, sizeof err) != CCSP_OK) {
		fprintf(stderr, "chsmd: %s\n", err);
		return -1;
	}
	ccsp_config_path(path, sizeof path, d->dir, "platform-keys");
	chsmd_fetch_sweep(d->dir); /* an image download a crash interrupted */
	if ((ret = ccsp_chsm_pk_store_open(path, &d->pks)) != CCSP_OK || (ret = chsmd_settings_load(d)) != CCSP_OK ||
	    (ret = ccsp_taskq_new(workers, 256, &d->tasks)) != CCSP_OK || (ret = chsmd_callbacks_open(d)) != CCSP_OK) {
		fprintf(stderr, "chsmd: cannot open the state in %s: %s\n", d->dir, ccsp_err_str(ret));
		return -1;
	}
	/* a release's chsmd runs the vsmd of its release (DIR/releases/<v>/vsmd), whatever vsmd_path says */
	int release = chsmd_release_vsmd(d->dir, self, vsmd, sizeof vsmd);
	ccsp_chsm_sup_config sc = {.state_dir = d->dir, .vsmd_path = release ? vsmd : ccsp_config_get_or(cfg, "vsmd_path", vsmd),
	                           .get_storage_key = chsmd_vsm_storage_key, .store_storage_key = chsmd_vsm_store_key,
	                           .key_arg = d, .prepare_start = chsmd_vsm_prepare_start, .event = on_vsm_event,
	                           .event_arg = d};
	if ((ret = ccsp_chsm_sup_new(&sc, &d->sup)) != CCSP_OK) {
		fprintf(stderr, "chsmd: cannot supervise VSMs with %s: %s\n", sc.vsmd_path, ccsp_err_str(ret));
		return -1;
	}
	ccsp_config_path(cert, sizeof cert, d->dir, ccsp_config_get_or(cfg, "cert_file", "tls-cert.pem"));
	ccsp_config_path(key, sizeof key, d->dir, ccsp_config_get_or(cfg, "key_file", "tls-key.pem"));
	ccsp_http_config hc = {.listen = ccsp_config_get_or(cfg, "listen", CHSMD_DEFAULT_LISTEN), .cert_file = cert,
	                       .key_file = key, .log = d->log};
	ccsp_http_callbacks cb = {.arg = d, .authorize = chsmd_authorize, .render_error = chsmd_render_error};
	static ccsp_http_tlcp_files tlcp_files; /* large; its names serve for the process's life (callback_tlcp_own) */
	if (ccsp_http_tlcp_from_config(cfg, d->dir, &tlcp_files, &hc, err, sizeof err) != CCSP_OK) {
		fprintf(stderr, "chsmd: %s\n", err);
		return -1;
	}
	if (hc.tlcp_listen != NULL)
		d->callback_tlcp_own = (ccsp_tlcp_http_identity){hc.tlcp_sign_cert, hc.tlcp_sign_key, hc.tlcp_enc_cert,
		                                                 hc.tlcp_enc_key};
	if ((ret = ccsp_http_server_new(&hc, routes, sizeof routes / sizeof routes[0], &cb, http)) != CCSP_OK) {
		fprintf(stderr, "chsmd: cannot listen on %s%s%s: %s\n", hc.listen, hc.tlcp_listen != NULL ? " and (TLCP) " : "",
		        hc.tlcp_listen != NULL ? hc.tlcp_listen : "", ccsp_err_str(ret));
		return -1;
	}
	return 0;
}

static void close_modules(chsmd *d)
{
	if (d->tasks != NULL) {
		ccsp_taskq_drain(d->tasks);
		ccsp_taskq_free(d->tasks);
	}
	chsmd_callbacks_close(d);
	ccsp_chsm_sup_free(d->sup); /* stops every vsmd */
	ccsp_chsm_pk_store_free(d->pks);
	chsm_keys_free(d->keys);
	json_decref(d->settings);
	json_decref(d->recent);
	free(d->vsm_host);
	free(d->callback_ca_file);
	free(d->callback_tlcp_ca_file);
}

static int serve(chsmd *d, ccsp_http_server *http)
{
	poller p = {.d = d};
	p.ev = evtimer_new(ccsp_http_server_base(http), poll_supervisor, &p);
	struct timeval now = {0, 0};
	evtimer_add(p.ev, &now);
	g_http = http;
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	printf("chsmd: listening on port %d, management API https://127.0.0.1:%d/api/1.0, device key %s\n",
	       ccsp_http_server_port(http), ccsp_http_server_port(http), d->device_fingerprint);
	if (ccsp_http_server_tlcp_port(http) != 0) /* worded apart from the line above, which tests parse */
		printf("chsmd: TLCP (GB/T 38636) on port %d, the same management API\n", ccsp_http_server_tlcp_port(http));
	if (d->vsm_tlcp)
		printf("chsmd: VSMs serve TLCP (vsm_transport = tlcp), certificates from the device CA %s\n",
		       d->device_ca_path);
	fflush(stdout);
	char *failure = chsmd_release_settle(d->dir); /* up: an upgrade to this release is confirmed */
	chsmd_callbacks_resume(d, failure);            /* deferred restart/upgrade callbacks, and those pending */
	free(failure);
	ccsp_err ret = ccsp_http_server_run(http);
	g_http = NULL;
	event_free(p.ev);
	return ret == CCSP_OK ? 0 : 1;
}

static int run_dir(const char *dir, const char *self, char **argv)
{
	char path[PATH_MAX], err[256] = "";
	ccsp_config *cfg = NULL;
	ccsp_http_server *http = NULL;
	chsmd d = {.dir = (char *)dir, .self = self, .argv = argv};
	int rc = 1;
	pthread_mutex_init(&d.lock, NULL);
	snprintf(path, sizeof path, "%s/" CHSMD_CONF, dir);
	if (ccsp_config_load(path, &cfg, err, sizeof err) != CCSP_OK) {
		fprintf(stderr, "chsmd: %s\n", err);
		return 1;
	}
	if (ccsp_log_new_fd(STDOUT_FILENO, &d.log) != CCSP_OK) {
		ccsp_config_free(cfg);
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int keys = chsmd_keys_obtain(&d); /* dev mode: at once; production: sealed until the custodians' shares */
	int opened = keys == 0 && open_modules(&d, cfg, self, &http) == 0;
	d.http = http;
	if (opened && chsmd_logntp_start(&d) == CCSP_OK)
		rc = serve(&d, http);
	else if (keys > 0)
		rc = 0; /* SIGTERM while sealed */
	atomic_store(&d.stopping, 1);
	ccsp_http_server_free(http);
	chsmd_admin_stop(&d);
	close_modules(&d);
	chsmd_logntp_stop(&d); /* after close_modules: the VSMs' stop events are forwarded too */
	curl_global_cleanup();
	ccsp_log_free(d.log);
	ccsp_config_free(cfg);
	printf("chsmd: stopped\n");
	chsmd_exec_requested(&d); /* restartCHSM, upgradeCHSM: returns only when the exec failed */
	pthread_mutex_destroy(&d.lock);
	return rc;
}

int main(int argc, char **argv)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	self[n > 0 ? n : 0] = '\0';
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("chsmd %s\n", chsmd_version());
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "--dir") == 0) {
		chsmd_release_boot(argv[2], self, argv); /* runs DIR/releases/current's chsmd if that is not this one */
		int rc = run_dir(argv[2], self, argv);
		if (rc != 0) /* a new release that could not start: back to the previous one (returns if none) */
			chsmd_release_failed(argv[2], self, argv);
		return rc;
	}
	if (argc >= 4 && strcmp(argv[1], "--init") == 0 && strcmp(argv[3], "--production") == 0)
		return chsmd_init_production(argv[2], argc - 4, argv + 4);
	if (argc == 3 && strcmp(argv[1], "--init") == 0)
		return chsmd_init(argv[2], CHSMD_DEFAULT_LISTEN);
	if (argc == 5 && strcmp(argv[1], "--init") == 0 && strcmp(argv[3], "--listen") == 0)
		return chsmd_init(argv[2], argv[4]);
	fprintf(stderr, "usage: chsmd --init DIR [--listen ADDR:PORT]\n"
	                "       chsmd --init DIR --production --shares N --threshold M [--listen ADDR:PORT]\n"
	                "       chsmd --dir DIR\n       chsmd --version\n");
	return 2;
}

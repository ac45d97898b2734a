/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccspd — the cloud crypto service platform.
 *   ccspd --init DIR [--listen ADDR:PORT] [--store URL] [--vsm-conf PATH]   create a state directory
 *   ccspd --dir DIR                                                         serve until SIGTERM (graceful drain)
 * This file wires the modules: config, logger, metrics, the platform VSM, the task queue and the HTTPS layer with
 * the route table below, which reads like the API reference.
 */
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ccsp/mem.h>

#include "ccspd/ccspd.h"
#include "common/http_tlcp_conf.h"

/* The actions: path, who may call (gateway.c checks it), function. Every one is POST with a JSON body. */
const ccspd_action ccspd_actions[] = {
	{API "/crypto/hash", CCSPD_MAY_APP | CCSPD_RUN_INLINE, ccspd_act_crypto_hash},
	{API "/crypto/random", CCSPD_MAY_APP, ccspd_act_crypto_random},
	{API "/crypto/encrypt", CCSPD_MAY_APP, ccspd_act_crypto_encrypt}, /* KMS keys (act_crypto_kms.c) */
	{API "/crypto/decrypt", CCSPD_MAY_APP, ccspd_act_crypto_decrypt},
	{API "/crypto/re-encrypt", CCSPD_MAY_APP, ccspd_act_crypto_re_encrypt},
	{API "/crypto/batch", CCSPD_MAY_APP, ccspd_act_crypto_batch}, /* act_crypto_batch.c */
	{API "/crypto/generate-data-key", CCSPD_MAY_APP, ccspd_act_crypto_generate_data_key},
	{API "/crypto/mac", CCSPD_MAY_APP, ccspd_act_crypto_mac}, /* act_crypto_mac.c */
	{API "/crypto/mac-verify", CCSPD_MAY_APP, ccspd_act_crypto_mac_verify},
	{API "/crypto/sign", CCSPD_MAY_APP, ccspd_act_crypto_sign}, /* act_crypto_asym.c */
	{API "/crypto/verify", CCSPD_MAY_APP, ccspd_act_crypto_verify},
	{API "/crypto/asymmetric-decrypt", CCSPD_MAY_APP, ccspd_act_crypto_asymmetric_decrypt},
	{API "/crypto/get-public-key", CCSPD_MAY_APP | CCSPD_MAY_TENANT_ADMIN, ccspd_act_crypto_get_public_key},
	{API "/crypto/envelope-seal", CCSPD_MAY_APP, ccspd_act_crypto_envelope_seal}, /* act_crypto_envelope.c */
	{API "/crypto/envelope-open", CCSPD_MAY_APP, ccspd_act_crypto_envelope_open},
	/* people and objects (act_auth.c, act_auth2.c, act_admin.c, act_app.c, audit_log.c; docs/api-ccspd.md) */
	{API "/auth/login", CCSPD_MAY_ANONYMOUS, ccspd_act_auth_login},
	{API "/auth/login2", CCSPD_MAY_ANONYMOUS, ccspd_act_auth_login2},
	{API "/auth/register-key", CCSPD_MAY_ANONYMOUS, ccspd_act_auth_register_key},
	{API "/auth/logout", CCSPD_MAY_PEOPLE | CCSPD_MAY_APP | CCSPD_MAY_PENDING, ccspd_act_auth_logout},
	{API "/auth/password", CCSPD_MAY_PEOPLE | CCSPD_MAY_PENDING, ccspd_act_auth_password},
	{API "/auth/app-token", CCSPD_MAY_APP, ccspd_act_auth_app_token},
	{API "/admin/operator-create", CCSPD_MAY_SYSADMIN, ccspd_act_admin_operator_create},
	/* tenant administrators too: sub-tenants below their own tenant (act_admin.c) */
	{API "/admin/tenant-create", CCSPD_MAY_SYSADMIN | CCSPD_MAY_TENANT_ADMIN, ccspd_act_admin_tenant_create},
	{API "/admin/tenant-list", CCSPD_MAY_SYSADMIN | CCSPD_MAY_TENANT_ADMIN, ccspd_act_admin_tenant_list},
	{API "/admin/tenant-disable", CCSPD_MAY_SYSADMIN | CCSPD_MAY_TENANT_ADMIN, ccspd_act_admin_tenant_disable},
	{API "/admin/tenant-enable", CCSPD_MAY_SYSADMIN | CCSPD_MAY_TENANT_ADMIN, ccspd_act_admin_tenant_enable},
	{API "/admin/member-create", CCSPD_MAY_SYSADMIN | CCSPD_MAY_TENANT_ADMIN, ccspd_act_admin_member_create},
	{API "/admin/principal-list", CCSPD_MAY_SYSADMIN | CCSPD_MAY_TENANT_ADMIN, ccspd_act_admin_principal_list},
	{API "/admin/principal-disable", CCSPD_MAY_SYSADMIN | CCSPD_MAY_TENANT_ADMIN, ccspd_act_admin_principal_disable},
	{API "/admin/principal-enable", CCSPD_MAY_SYSADMIN | CCSPD_MAY_TENANT_ADMIN, ccspd_act_admin_principal_enable},
	/* the security administrator and the two-person rule (act_secadmin.c, act_approval.c) */
	{API "/admin/operator-key-reset", CCSPD_MAY_SYSADMIN, ccspd_act_admin_operator_key_reset},
	{API "/secadmin/policy-get", CCSPD_MAY_SECADMIN | CCSPD_MAY_SYSADMIN, ccspd_act_secadmin_policy_get},
	{API "/secadmin/policy-set", CCSPD_MAY_SECADMIN, ccspd_act_secadmin_policy_set},
	/* the resource pool (act_pool.c) */
	{API "/pool/device-register", CCSPD_MAY_SYSADMIN, ccspd_act_pool_device_register},
	{API "/pool/platform-key", CCSPD_MAY_SYSADMIN, ccspd_act_pool_platform_key},
	{API "/pool/chsm-register", CCSPD_MAY_SYSADMIN, ccspd_act_pool_chsm_register},
	{API "/pool/chsm-list", CCSPD_MAY_SYSADMIN, ccspd_act_pool_chsm_list},
	{API "/pool/chsm-remove", CCSPD_MAY_SYSADMIN, ccspd_act_pool_chsm_remove},
	{API "/pool/chsm-vsm-register", CCSPD_MAY_SYSADMIN, ccspd_act_pool_chsm_vsm_register},
	{API "/pool/chsm-vsm-create", CCSPD_MAY_SYSADMIN, ccspd_act_pool_chsm_vsm_create},
	{API "/pool/chsm-task-list", CCSPD_MAY_SYSADMIN, ccspd_act_pool_chsm_task_list},
	{API "/pool/tenant-vsm-assign", CCSPD_MAY_SYSADMIN, ccspd_act_pool_tenant_vsm_assign}, /* act_tenant_vsm.c */
	{API "/pool/tenant-vsm-release", CCSPD_MAY_SYSADMIN, ccspd_act_pool_tenant_vsm_release},
	{API "/vsm/list", CCSPD_MAY_TENANT_ADMIN, ccspd_act_vsm_list},
	{API "/vsm/client-config", CCSPD_MAY_TENANT_ADMIN, ccspd_act_vsm_client_config},
	{API "/pool/device-list", CCSPD_MAY_SYSADMIN, ccspd_act_pool_device_list},
	{API "/pool/device-remove", CCSPD_MAY_SYSADMIN, ccspd_act_pool_device_remove},
	{API "/pool/group-create", CCSPD_MAY_SYSADMIN, ccspd_act_pool_group_create},
	{API "/pool/group-list", CCSPD_MAY_SYSADMIN, ccspd_act_pool_group_list},
	{API "/pool/group-delete", CCSPD_MAY_SYSADMIN, ccspd_act_pool_group_delete},
	{API "/pool/group-add-member", CCSPD_MAY_SYSADMIN, ccspd_act_pool_group_add_member},
	{API "/pool/device-dedicate", CCSPD_MAY_SYSADMIN, ccspd_act_pool_device_dedicate},
	{API "/pool/scheduler-get", CCSPD_MAY_SYSADMIN, ccspd_act_pool_scheduler_get},
	{API "/pool/scheduler-release", CCSPD_MAY_SYSADMIN, ccspd_act_pool_scheduler_release},
	{API "/pool/scheduler-promote", CCSPD_MAY_SYSADMIN, ccspd_act_pool_scheduler_promote},
	{API "/pool/scheduler-rollback", CCSPD_MAY_SYSADMIN, ccspd_act_pool_scheduler_rollback},
	{API "/pool/group-remove-member", CCSPD_MAY_SYSADMIN, ccspd_act_pool_group_remove_member},
	{API "/secadmin/custodian-add", CCSPD_MAY_SECADMIN, ccspd_act_secadmin_custodian_add},
	{API "/secadmin/custodian-list", CCSPD_MAY_SECADMIN, ccspd_act_secadmin_custodian_list},
	{API "/secadmin/custodian-remove", CCSPD_MAY_SECADMIN, ccspd_act_secadmin_custodian_remove},
	{API "/secadmin/judicial-request", CCSPD_MAY_SECADMIN, ccspd_act_secadmin_judicial_request}, /* KM-10 */
	{API "/secadmin/judicial-fetch", CCSPD_MAY_SECADMIN, ccspd_act_secadmin_judicial_fetch},
	{API "/secadmin/key-backup", CCSPD_MAY_SECADMIN, ccspd_act_secadmin_key_backup}, /* KM-9 */
	{API "/secadmin/key-recover-params", CCSPD_MAY_SECADMIN, ccspd_act_secadmin_key_recover_params},
	{API "/secadmin/key-recover", CCSPD_MAY_SECADMIN, ccspd_act_secadmin_key_recover},
	{API "/secadmin/group-backup", CCSPD_MAY_SECADMIN, ccspd_act_secadmin_group_backup}, /* KM-9, a key set */
	{API "/secadmin/group-recover", CCSPD_MAY_SECADMIN, ccspd_act_secadmin_group_recover},
	{API "/approval/list", CCSPD_MAY_SECADMIN | CCSPD_MAY_SYSADMIN, ccspd_act_approval_list},
	{API "/approval/approve", CCSPD_MAY_SECADMIN, ccspd_act_approval_approve},
	{API "/approval/reject", CCSPD_MAY_SECADMIN, ccspd_act_approval_reject},
	{API "/app/create", CCSPD_MAY_TENANT_ADMIN, ccspd_act_app_create},
	{API "/app/list", CCSPD_MAY_TENANT_ADMIN, ccspd_act_app_list},
	{API "/app/disable", CCSPD_MAY_TENANT_ADMIN, ccspd_act_app_disable},
	{API "/app/enable", CCSPD_MAY_TENANT_ADMIN, ccspd_act_app_enable},
	/* the KMS: a tenant's keys, managed by its administrators (act_kms.c) */
	{API "/kms/key-create", CCSPD_MAY_TENANT_ADMIN, ccspd_act_kms_key_create},
	{API "/kms/key-describe", CCSPD_MAY_TENANT_ADMIN, ccspd_act_kms_key_describe},
	{API "/kms/key-list", CCSPD_MAY_TENANT_ADMIN, ccspd_act_kms_key_list},
	{API "/kms/key-enable", CCSPD_MAY_TENANT_ADMIN, ccspd_act_kms_key_enable},
	{API "/kms/key-disable", CCSPD_MAY_TENANT_ADMIN, ccspd_act_kms_key_disable},
	{API "/kms/key-schedule-deletion", CCSPD_MAY_TENANT_ADMIN, ccspd_act_kms_key_schedule_deletion},
	{API "/kms/key-cancel-deletion", CCSPD_MAY_TENANT_ADMIN, ccspd_act_kms_key_cancel_deletion},
	{API "/kms/key-rotate", CCSPD_MAY_TENANT_ADMIN, ccspd_act_kms_key_rotate},
	{API "/kms/key-set-rotation", CCSPD_MAY_TENANT_ADMIN, ccspd_act_kms_key_set_rotation},
	/* BYOK and wrapped export (act_kms_byok.c) */
	{API "/kms/import-params", CCSPD_MAY_TENANT_ADMIN, ccspd_act_kms_import_params},
	{API "/kms/key-import", CCSPD_MAY_TENANT_ADMIN, ccspd_act_kms_key_import},
	{API "/kms/recipient-add", CCSPD_MAY_TENANT_ADMIN, ccspd_act_kms_recipient_add},
	{API "/kms/recipient-list", CCSPD_MAY_TENANT_ADMIN, ccspd_act_kms_recipient_list},
	{API "/kms/recipient-remove", CCSPD_MAY_TENANT_ADMIN, ccspd_act_kms_recipient_remove},
	{API "/kms/key-export", CCSPD_MAY_TENANT_ADMIN, ccspd_act_kms_key_export},
	{API "/kms/key-archive", CCSPD_MAY_TENANT_ADMIN, ccspd_act_kms_key_archive},
	/* emergencies: requests a secadmin approves with approval/approve (act_kms_emergency.c) */
	{API "/kms/key-mark-compromised", CCSPD_MAY_TENANT_ADMIN, ccspd_act_kms_key_mark_compromised},
	{API "/kms/key-emergency-destroy", CCSPD_MAY_TENANT_ADMIN, ccspd_act_kms_key_emergency_destroy},
	{API "/audit/query", CCSPD_MAY_AUDITOR, ccspd_act_audit_query},
	{API "/audit/count", CCSPD_MAY_AUDITOR, ccspd_act_audit_count},
	{API "/audit/verify", CCSPD_MAY_AUDITOR, ccspd_act_audit_verify},
	{API "/audit/export", CCSPD_MAY_AUDITOR, ccspd_act_audit_export},
	{API "/audit/pubkey", CCSPD_MAY_AUDITOR, ccspd_act_audit_pubkey},
	/* metering: operators see every tenant, a tenant administrator its tenant, an app its own calls (act_usage.c) */
	{API "/usage/query", CCSPD_MAY_SYSADMIN | CCSPD_MAY_AUDITOR | CCSPD_MAY_TENANT_ADMIN | CCSPD_MAY_APP,
	 ccspd_act_usage_query},
};
const size_t ccspd_n_actions = sizeof ccspd_actions / sizeof ccspd_actions[0];

/* The public GETs; the HTTP route table is these and then one POST route per action. */
static const ccsp_http_route public_routes[] = {
	{"GET", "/healthz", ccspd_api_healthz, CCSPD_PUBLIC},
	{"GET", "/readyz", ccspd_api_readyz, CCSPD_PUBLIC},
	{"GET", "/metrics", ccspd_api_metrics, CCSPD_PUBLIC},
	{"POST", CCSPD_G88_CALLBACK_PATH, ccspd_api_g88_callback, CCSPD_PUBLIC}, /* authenticated by the CHSM's key */
};
#define N_PUBLIC (sizeof public_routes / sizeof public_routes[0])
#define N_ROUTES_MAX 256

static ccsp_http_route routes[N_ROUTES_MAX];
static const char *route_paths[N_ROUTES_MAX]; /* the metrics' route labels, from the table */

static size_t build_routes(void)
{
	size_t n = 0;
	for (size_t i = 0; i < N_PUBLIC; i++)
		routes[n++] = public_routes[i];
	for (size_t i = 0; i < ccspd_n_actions && n < N_ROUTES_MAX; i++)
		routes[n++] = (ccsp_http_route){"POST", ccspd_actions[i].path, ccspd_gateway, CCSPD_ACTION};
	for (size_t i = 0; i < n; i++)
		route_paths[i] = routes[i].path;
	return n;
}

static const char *const conf_keys[] = {"listen",         "cert_file",          "key_file",    "store",
                                        "vsm_conf",       "workers",            "vsm_sessions", "max_body",
                                        "timeout_ms",     "max_connections",    "vsm_kek_index", "pool_health_interval_s", "pool_sessions", "session_idle_s",
                                        "session_absolute_s", "session_max",    "audit_sign_index",
                                        "audit_sign_password_file", "audit_checkpoint_records",
                                        "audit_checkpoint_interval_s", "rate_per_client", "rate_burst",
                                        "kms_sweep_interval_s", "metering_flush_interval_s",
                                        "g88_callback_url", "image_upload_url", "tenant_vsm_check_interval_s",
                                        "tenant_vsm_drift_after", "kms_legacy_wraps", CCSP_HTTP_TLCP_CONF_KEYS, NULL};

static ccsp_http_server *g_http; /* for the signal handler only */

static void on_signal(int sig)
{
	(void)sig;
	if (g_http != NULL)
		ccsp_http_server_stop(g_http);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The platform VSM; ccspd serves without it (readyz says "not ready", VSM-backed actions answer CCSP-9002). */
static void open_vsm(ccspd *d, const ccsp_config *cfg, uint32_t sessions)
{
	char path[PATH_MAX];
	const char *conf = ccsp_config_get(cfg, "vsm_conf");
	if (conf == NULL) {
		ccsp_log_event(d->log, "warn", "ccspd.vsm", "detail", "no vsm_conf: no platform VSM", (char *)NULL);
		return;
	}
	ccsp_config_path(path, sizeof path, d->dir, conf);
	ccsp_err ret = ccsp_pvsm_open(path, sessions, &d->pvsm);
	if (ret != CCSP_OK)
		ccsp_log_event(d->log, "error", "ccspd.vsm", "conf", path, "detail", ccsp_err_str(ret), (char *)NULL);
}

static int open_modules(ccspd *d, const ccsp_config *cfg)
{
	char cert[PATH_MAX], key[PATH_MAX], err[256] = "";
	uint32_t workers, sessions, max_body, timeout, conns, rate, burst;
	ccsp_err ret;
	if (ccsp_config_check_keys(cfg, conf_keys, err, sizeof err) != CCSP_OK ||
	    ccsp_config_get_u32(cfg, "workers", 1, 256, 8, &workers, err, sizeof err) != CCSP_OK ||
	    ccsp_config_get_u32(cfg, "vsm_sessions", 1, 64, 8, &sessions, err, sizeof err) != CCSP_OK ||
	    ccsp_config_get_u32(cfg, "max_body", 1024, 16u << 20, 1u << 20, &max_body, err, sizeof err) != CCSP_OK ||
	    ccsp_config_get_u32(cfg, "timeout_ms", 100, 600000, 30000, &timeout, err, sizeof err) != CCSP_OK ||
	    ccsp_config_get_u32(cfg, "max_connections", 1, 65536, 4096, &conns, err, sizeof err) != CCSP_OK ||
	    ccsp_config_get_u32(cfg, "vsm_kek_index", 1, 65535, 1, &d->vsm_kek_index, err, sizeof err) != CCSP_OK ||
	    ccsp_config_get_u32(cfg, "session_idle_s", 60, 7200, 1800, &d->session_idle_s, err, sizeof err) != CCSP_OK ||
	    ccsp_config_get_u32(cfg, "session_absolute_s", 300, 28800, 28800, &d->session_absolute_s, err, sizeof err) !=
	        CCSP_OK ||
	    ccsp_config_get_u32(cfg, "session_max", 1, 1000, 8, &d->session_max, err, sizeof err) != CCSP_OK ||
	    ccsp_config_get_u32(cfg, "rate_per_client", 0, 1000000, 2000, &rate, err, sizeof err) != CCSP_OK ||
	    ccsp_config_get_u32(cfg, "rate_burst", 0, 1000000, 0, &burst, err, sizeof err) != CCSP_OK) {
		fprintf(stderr, "ccspd: %s\n", err);
		return -1;
	}
	const char *legacy = ccsp_config_get_or(cfg, "kms_legacy_wraps", "refuse");
	if (strcmp(legacy, "refuse") != 0 && strcmp(legacy, "accept") != 0) {
		fprintf(stderr, "ccspd: kms_legacy_wraps: refuse or accept, not '%s'\n", legacy);
		return -1;
	}
	d->kms_legacy_wraps = strcmp(legacy, "accept") == 0;
	size_t n_routes = build_routes();
	if ((ret = ccsp_metrics_new(route_paths, n_routes, &d->metrics)) != CCSP_OK ||
	    (ret = ccsp_taskq_new(workers, 4096, &d->tasks)) != CCSP_OK) {
		fprintf(stderr, "ccspd: %s\n", ccsp_err_str(ret));
		return -1;
	}
	char url[PATH_MAX + 16];
	if (ccspd_store_url(d->dir, ccsp_config_get_or(cfg, "store", "sqlite:ccspd.db"), url, sizeof url) != 0 ||
	    (ret = ccsp_store_open(url, NULL, &d->store, err, sizeof err)) != CCSP_OK) {
		fprintf(stderr, "ccspd: cannot open the store: %s\n", err[0] != '\0' ? err : "bad store option");
		return -1;
	}
	open_vsm(d, cfg, sessions);
	if ((ret = ccspd_sessions_open(d)) != CCSP_OK) {
		fprintf(stderr, "ccspd: %s\n", ccsp_err_str(ret));
		return -1;
	}
	if ((ret = ccspd_appauth_open(d)) != CCSP_OK) /* serves on: signed requests answer CCSP-9002 */
		ccsp_log_event(d->log, "error", "ccspd.dpk", "detail", ccsp_err_str(ret), "kekIndex",
		               d->vsm_kek_index == 1 ? "1" : "(see vsm_kek_index)", (char *)NULL);
	if ((ret = ccspd_audit_open(d, cfg, err, sizeof err)) != CCSP_OK) {
		fprintf(stderr, "ccspd: %s\n", err[0] != '\0' ? err : ccsp_err_str(ret));
		return -1;
	}
	if ((ret = ccspd_pool_open(d, cfg, err, sizeof err)) != CCSP_OK ||
	    (ret = ccspd_tvsm_keeper_open(d, cfg, err, sizeof err)) != CCSP_OK ||
	    (ret = ccspd_kms_sweep_open(d, cfg, err, sizeof err)) != CCSP_OK ||
	    (ret = ccspd_meter_open(d, cfg, err, sizeof err)) != CCSP_OK) {
		fprintf(stderr, "ccspd: %s\n", err[0] != '\0' ? err : ccsp_err_str(ret));
		return -1;
	}
	ccsp_config_path(cert, sizeof cert, d->dir, ccsp_config_get_or(cfg, "cert_file", "tls-cert.pem"));
	ccsp_config_path(key, sizeof key, d->dir, ccsp_config_get_or(cfg, "key_file", "tls-key.pem"));
	ccsp_http_config hc = {.listen = ccsp_config_get_or(cfg, "listen", CCSPD_DEFAULT_LISTEN), .cert_file = cert,
	                       .key_file = key, .log = d->log, .max_body = max_body, .timeout_ms = timeout,
	                       .max_connections = conns, .rate_per_client = rate, .rate_burst = burst};
	ccsp_http_callbacks cb = {.arg = d, .authorize = ccspd_authorize, .render_error = ccspd_render_error,
	                          .answered = ccspd_answered};
	static ccsp_http_tlcp_files tlcp_files; /* large; its names serve for the process's life (g88_tlcp_own) */
	if (ccsp_http_tlcp_from_config(cfg, d->dir, &tlcp_files, &hc, err, sizeof err) != CCSP_OK) {
		fprintf(stderr, "ccspd: %s\n", err);
		return -1;
	}
	if (hc.tlcp_listen != NULL)
		d->g88_tlcp_own = (ccsp_tlcp_http_identity){hc.tlcp_sign_cert, hc.tlcp_sign_key, hc.tlcp_enc_cert,
		                                            hc.tlcp_enc_key};
	if ((ret = ccsp_http_server_new(&hc, routes, n_routes, &cb, &d->http)) != CCSP_OK) {
		fprintf(stderr, "ccspd: cannot listen on %s%s%s: %s\n", hc.listen, hc.tlcp_listen != NULL ? " and (TLCP) " : "",
		        hc.tlcp_listen != NULL ? hc.tlcp_listen : "", ccsp_err_str(ret));
		return -1;
	}
	return 0;
}

static void close_modules(ccspd *d)
{
	ccsp_http_server_free(d->http);
	if (d->tasks != NULL) {
		ccsp_taskq_drain(d->tasks);
		ccsp_taskq_free(d->tasks);
	}
	ccspd_meter_close(d); /* every request answered: the last flush */
	ccspd_kms_sweep_close(d);
	ccspd_tvsm_keeper_close(d);
	ccspd_pool_close(d);
	ccspd_audit_close(d);
	ccspd_appauth_close(d);
	ccspd_sessions_close(d);
	ccsp_pvsm_close(d->pvsm);
	ccsp_store_free(d->store);
	ccsp_metrics_free(d->metrics);
}

static int serve(ccspd *d)
{
	g_http = d->http;
	if (d->g88_callback_url[0] == '\0') /* ccspd.conf has none: this host's loopback (a CHSM beside ccspd) */
		snprintf(d->g88_callback_url, sizeof d->g88_callback_url, "https://127.0.0.1:%d" CCSPD_G88_CALLBACK_PATH,
		         ccsp_http_server_port(d->http));
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	printf("ccspd: listening on port %d, API https://127.0.0.1:%d" API ", platform VSM %s\n",
	       ccsp_http_server_port(d->http), ccsp_http_server_port(d->http), d->pvsm != NULL ? "ready" : "unavailable");
	if (ccsp_http_server_tlcp_port(d->http) != 0) /* worded apart from the line above, which tests parse */
		printf("ccspd: TLCP (GB/T 38636) on port %d, the same API\n", ccsp_http_server_tlcp_port(d->http));
	fflush(stdout);
	ccsp_err ret = ccsp_http_server_run(d->http);
	g_http = NULL;
	return ret == CCSP_OK ? 0 : 1;
}

/* Tests of session expiry move the platform's clock: with CCSPD_TEST_CLOCK=1 in the environment, ccspd adds the
 * seconds in DIR/test-clock-offset (read at start). Never set in production; logged when used. */
static int64_t test_clock_offset(const char *dir)
{
	char path[PATH_MAX];
	long long s = 0;
	const char *on = getenv("CCSPD_TEST_CLOCK");
	if (on == NULL || strcmp(on, "1") != 0)
		return 0;
	snprintf(path, sizeof path, "%s/test-clock-offset", dir);
	FILE *f = fopen(path, "r");
	if (f != NULL) {
		if (fscanf(f, "%lld", &s) != 1)
			s = 0;
		fclose(f);
	}
	fprintf(stderr, "ccspd: TEST CLOCK: the platform's clock is shifted by %lld s\n", s);
	return (int64_t)s * 1000;
}

static int run_dir(const char *dir)
{
	char path[PATH_MAX], err[256] = "";
	ccsp_config *cfg = NULL;
	ccspd d = {.dir = dir, .started_ms = now_ms(), .clock_offset_ms = test_clock_offset(dir)};
	int rc = 1;
	snprintf(path, sizeof path, "%s/" CCSPD_CONF, dir);
	if (ccsp_config_load(path, &cfg, err, sizeof err) != CCSP_OK) {
		fprintf(stderr, "ccspd: %s\n", err);
		return 1;
	}
	if (ccsp_log_new_fd(STDOUT_FILENO, &d.log) != CCSP_OK) {
		ccsp_config_free(cfg);
		return 1;
	}
	if (open_modules(&d, cfg) == 0)
		rc = serve(&d);
	atomic_store(&d.stopping, 1);
	close_modules(&d);
	ccsp_log_free(d.log);
	ccsp_config_free(cfg);
	printf("ccspd: stopped\n");
	return rc;
}

/* Every JSON value ccspd frees is wiped first: request bodies carry passwords, one-time passwords and secrets, and
 * jansson copies strings into its own allocations. */
static void json_free_wiped(void *p)
{
	if (p != NULL)
		ccsp_memzero(p, malloc_usable_size(p));
	free(p);
}

int main(int argc, char **argv)
{
	json_set_alloc_funcs(malloc, json_free_wiped);
	if (argc == 3 && strcmp(argv[1], "--dir") == 0)
		return run_dir(argv[2]);
	if (argc >= 3 && strcmp(argv[1], "--init") == 0)
		return ccspd_init(argv[2], argc - 3, argv + 3);
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("ccspd %s\n", CCSPD_VERSION);
		return 0;
	}
	fprintf(stderr, "usage: ccspd --init DIR [--listen ADDR:PORT] [--store URL] [--vsm-conf PATH]\n"
	                "       ccspd --dir DIR\n       ccspd --version\n");
	return 2;
}

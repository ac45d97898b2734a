/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upgradeCHSM (spec 7.2.10), restartCHSM (7.2.11) and upgradeVSM (7.3.11). The handlers validate synchronously
 * (packUrl, packVersion, {alg, sign}, callbackUrl; 409 while another operation on the CHSM, or on that VSM, is in
 * flight) and queue the task. The task fetches and verifies the package (upgrade_pkg.c) before anything changes;
 * any failure up to the switch leaves everything as it was and is reported by the callback.
 *   upgradeCHSM  installs DIR/releases/<v>, defers its callback, switches DIR/releases/current and has chsmd exec
 *                the new release after a clean shutdown (VSMs stopped); the new chsmd completes the callback once it
 *                is up, or rolls back (release.c).
 *   restartCHSM  defers its callback and has chsmd exec itself after a clean shutdown.
 *   upgradeVSM   installs DIR/vsm-releases/<v> and switches the VSM to its vsmd (src/chsm/chsm_vsm_upgrade.c).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chsmd/upgrade.h"

#define MESSAGE_MEMBER "_message" /* a task's message that is not a literal lives in its params */
#define VSM_LIST_MAX 256

static const char *const chsm_need[] = {"chsmd", "chsmd.hmac", "vsmd", "vsmd.hmac", NULL};
static const char *const vsm_need[] = {"vsmd", "vsmd.hmac", NULL};

/* msg, kept for as long as the task's params (the task sends its callback before it frees them). */
static const char *keep(json_t *params, const char *msg)
{
	json_object_set_new(params, MESSAGE_MEMBER, json_string(msg));
	const char *s = json_string_value(json_object_get(params, MESSAGE_MEMBER));
	return s != NULL ? s : "内部错误";
}

/* ---- the tasks ---- */

/* Install, defer the callback, switch, and ask for the exec: CHSMD_TASK_DEFERRED, or a status with msg. */
static int switch_release(chsmd *d, json_t *params, const chsmd_pkgfile *f, char *msg, size_t cap)
{
	char root[PATH_MAX], exe[PATH_MAX], rel[PATH_MAX];
	chsm_cbstore_id cb;
	const char *v = f->pkg.version;
	snprintf(root, sizeof root, "%s/" CHSMD_RELEASES, d->dir);
	int status = chsmd_release_install(root, f, chsmd_release_in_use(d->dir, d->self, v), msg, cap);
	if (status != 200)
		return status;
	snprintf(msg, cap, "内部错误: 无法切换到版本 %s", v);
	if (snprintf(rel, sizeof rel, "%s/%s/chsmd", root, v) >= (int)sizeof rel || realpath(rel, exe) == NULL ||
	    chsmd_callback_defer(d, params, "upgrade", v, cb) != CCSP_OK)
		return 500;
	if (chsmd_release_switch(d->dir, d->self, v) != CCSP_OK) {
		chsmd_callback_undefer(d, cb);
		return 500;
	}
	ccsp_log_event(d->log, "info", "chsm.upgrade", "version", v, "from", chsmd_version(), "detail",
	               "switched: restarting", (char *)NULL);
	chsmd_request_exec(d, exe);
	return CHSMD_TASK_DEFERRED;
}

static int op_upgrade_chsm(chsmd *d, const char *vsm_id, json_t *params, const char **message, json_t **result)
{
	char msg[CHSMD_PKG_MSG_MAX] = "success";
	chsmd_pkgfile f;
	(void)vsm_id;
	int status = chsmd_pkgfile_fetch(d, params, chsm_need, &f, msg, sizeof msg);
	if (status == 200 && strcmp(f.pkg.version, chsmd_version()) == 0)
		snprintf(msg, sizeof msg, "success"); /* the version already running: nothing to do */
	else if (status == 200)
		status = switch_release(d, params, &f, msg, sizeof msg);
	chsmd_pkgfile_close(&f);
	if (status == CHSMD_TASK_DEFERRED)
		return status;
	*message = keep(params, msg);
	*result = json_pack("{s:s}", "version", chsmd_version());
	return status;
}

static int op_restart(chsmd *d, const char *vsm_id, json_t *params, const char **message, json_t **result)
{
	chsm_cbstore_id cb;
	(void)vsm_id, (void)result;
	if (chsmd_callback_defer(d, params, "restart", NULL, cb) != CCSP_OK) {
		*message = "内部错误: 无法保存回调";
		return 500;
	}
	ccsp_log_event(d->log, "info", "chsm.restart", "detail", "restarting", (char *)NULL);
	chsmd_request_exec(d, d->self);
	return CHSMD_TASK_DEFERRED;
}

/* Another VSM runs the vsmd of vsm-releases/<version> (an installed one may then not be replaced). */
static int vsm_release_in_use(chsmd *d, const char *version)
{
	char (*ids)[CCSP_CHSM_VSM_ID_MAX + 1] = calloc(VSM_LIST_MAX, sizeof *ids);
	size_t n = 0;
	int used = ids == NULL;
	if (ids != NULL)
		ccsp_chsm_vsm_list(d->sup, ids, VSM_LIST_MAX, &n);
	for (size_t i = 0; i < n && i < VSM_LIST_MAX && !used; i++) {
		ccsp_chsm_vsm_info info;
		used = ccsp_chsm_vsm_info_get(d->sup, ids[i], &info) == CCSP_OK && info.own_vsmd &&
		       strcmp(info.version, version) == 0;
	}
	free(ids);
	return used;
}

static int vsm_switch(chsmd *d, const char *id, const char *version, char *msg, size_t cap)
{
	char rel[PATH_MAX];
	snprintf(rel, sizeof rel, CHSMD_VSM_RELEASES "/%s/vsmd", version);
	ccsp_err ret = ccsp_chsm_vsm_upgrade(d->sup, id, rel, version);
	switch (ret) {
	case CCSP_OK:
		snprintf(msg, cap, "success");
		return 200;
	case CCSP_ERR_HANDLE:
		snprintf(msg, cap, "VSM不存在");
		return 404;
	case CCSP_ERR_STATE:
		snprintf(msg, cap, "操作冲突");
		return 409;
	case CCSP_ERR_MODULE_STATE:
		snprintf(msg, cap, "新版本 vsmd %s 未能就绪，已回退", version);
		return 500;
	default:
		snprintf(msg, cap, "升级失败: %s", ccsp_err_str(ret));
		return 500;
	}
}

static int op_upgrade_vsm(chsmd *d, const char *id, json_t *params, const char **message, json_t **result)
{
	char msg[CHSMD_PKG_MSG_MAX] = "success", root[PATH_MAX];
	chsmd_pkgfile f;
	ccsp_chsm_vsm_info info;
	int status = chsmd_pkgfile_fetch(d, params, vsm_need, &f, msg, sizeof msg);
	snprintf(root, sizeof root, "%s/" CHSMD_VSM_RELEASES, d->dir);
	if (status == 200)
		status = chsmd_release_install(root, &f, vsm_release_in_use(d, f.pkg.version), msg, sizeof msg);
	if (status == 200)
		status = vsm_switch(d, id, f.pkg.version, msg, sizeof msg);
	chsmd_pkgfile_close(&f);
	*message = keep(params, msg);
	if (ccsp_chsm_vsm_info_get(d->sup, id, &info) == CCSP_OK)
		*result = json_pack("{s:s}", "version", info.version);
	return status;
}

/* ---- the handlers ---- */

static int is_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 ? s[7] != '\0' : strncmp(s, "https://", 8) == 0 && s[8] != '\0';
}

/* packUrl, packVersion, {alg, sign} (the platform keys copied for the task): 0, or -1 after answering 400. */
static int validate(chsmd *d, ccsp_http_request *req)
{
	const char *url = chsmd_body_str(req, "packUrl"), *version;
	if (url == NULL || (version = chsmd_body_str(req, "packVersion")) == NULL)
		return -1;
	if (!is_url(url)) {
		ccsp_http_respond_error(req, 400, "参数错误 packUrl");
		return -1;
	}
	if (!chsm_pkg_version_valid(version)) {
		ccsp_http_respond_error(req, 400, "参数错误 packVersion");
		return -1;
	}
	return chsmd_platform_sig_prepare(d, req);
}

void chsmd_api_chsm_upgrade(chsmd *d, ccsp_http_request *req)
{
	if (validate(d, req) == 0)
		(void)chsmd_task_start(d, req, CHSMD_CLAIM_CHSM, "upgrade", "chsm", NULL, op_upgrade_chsm, NULL);
}

void chsmd_api_chsm_restart(chsmd *d, ccsp_http_request *req)
{
	(void)chsmd_task_start(d, req, CHSMD_CLAIM_CHSM, "restart", "chsm", NULL, op_restart, NULL);
}

void chsmd_api_vsm_upgrade(chsmd *d, ccsp_http_request *req)
{
	char claim[CCSP_CHSM_VSM_ID_MAX + 8];
	ccsp_chsm_vsm_info info;
	const char *id = chsmd_body_str(req, "vsmId");
	if (id == NULL)
		return;
	if (ccsp_chsm_vsm_info_get(d->sup, id, &info) != CCSP_OK) {
		ccsp_http_respond_error(req, 404, "VSM不存在");
		return;
	}
	if (validate(d, req) != 0)
		return;
	snprintf(claim, sizeof claim, "vsm:%s", id);
	(void)chsmd_task_start(d, req, claim, "upgrade", "vsm", id, op_upgrade_vsm, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Images (spec §7.2.8-7.2.9, §7.2.12-7.2.13, §7.3.5-7.3.6, createVSM with imageUrl; design.md §3): exportCHSM,
 * importCHSM, backupCHSM, restoreCHSM, exportVSM, importVSM. The container is src/chsm/chsm_image.h (sealed under
 * the trust domain's key, signed by the device key); a VSM's data goes in and out through the supervisor
 * (ccsp_chsm_vsm_export/_import). Every image holds a manifest.json:
 *   {"type":"vsm"|"chsm"|"backup", "version", "created", "device", "vsmIds":[...]}
 * Each VSM's entries are under "vsm/<id>/" (its id where it was exported; a VSM image holds one VSM); a CHSM
 * image or backup also holds the CHSM settings (NTP, log and image upload addresses) in settings.json. Platform keys,
 * the device key and the master key never travel: they are this device's identity and trust.
 *
 * Imports verify, in order: the platform's signature over the file (alg/sign of the request), the image's
 * own signature and authentication (chsm_image_open: same trust domain), the manifest's type, every VSM's
 * entries, and that no VSM it would replace is in use (a restore may replace VSMs in use) — before anything
 * changes. Each VSM is then replaced atomically; a CHSM image with several VSMs is applied VSM by VSM.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ccsp/mem.h>
#include <ccsp/sm2_asn1.h>
#include <ccsp/sm3.h>

#include "common/b64.h"
#include "chsm/chsm_image.h"
#include "chsmd/chsmd.h"
#include "common/logfwd.h"
#include "common/netaddr.h"
#include "common/sntp.h"

#define VSM_LIST_CAP 256
#define MANIFEST "manifest.json"
#define SETTINGS "settings.json"
#define VSM_PREFIX_MAX (4 + CCSP_CHSM_VSM_ID_MAX + 2)

static const char *const carried_settings[] = {"ntpAddr", "syncPeriod", "logServerType", "logServerAddress",
                                               "imageUploadUrl"};

/* A message for the callback that lives as long as the task (kept in its params). */
static const char *say(json_t *params, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *say(json_t *params, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	json_object_set_new(params, "_message", json_string(buf));
	const char *m = json_string_value(json_object_get(params, "_message"));
	return m != NULL ? m : "内部错误";
}

static void vsm_prefix(char *out, const char *id)
{
	snprintf(out, VSM_PREFIX_MAX, "vsm/%s/", id);
}

/* ---- building and sending an image ---- */

static ccsp_err add_json(chsm_image *im, const char *name, json_t *j)
{
	char *text = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	ccsp_err ret = text != NULL ? chsm_image_add(im, name, text, strlen(text)) : CCSP_ERR_NOMEM;
	free(text);
	json_decref(j);
	return ret;
}

static ccsp_err add_manifest(chsmd *d, chsm_image *im, const char *type, json_t *ids)
{
	char ts[32];
	chsmd_timestamp((int64_t)time(NULL) * 1000, ts);
	return add_json(im, MANIFEST, json_pack("{s:s, s:s, s:s, s:s, s:o}", "type", type, "version", CHSMD_VERSION,
	                                        "created", ts, "device", d->device_fingerprint, "vsmIds", ids));
}

static ccsp_err build_vsm_image(chsmd *d, const char *id, chsm_image *im)
{
	char prefix[VSM_PREFIX_MAX];
	vsm_prefix(prefix, id);
	ccsp_err ret = add_manifest(d, im, "vsm", json_pack("[s]", id));
	return ret == CCSP_OK ? ccsp_chsm_vsm_export(d->sup, id, im, prefix) : ret;
}

static ccsp_err build_chsm_image(chsmd *d, const char *type, chsm_image *im)
{
	char (*ids)[CCSP_CHSM_VSM_ID_MAX + 1] = calloc(VSM_LIST_CAP, sizeof *ids), prefix[VSM_PREFIX_MAX];
	size_t n = 0;
	json_t *list = json_array(), *s = chsmd_settings_get(d), *carried = json_object();
	if (ids == NULL || list == NULL || carried == NULL) {
		free(ids);
		json_decref(list);
		json_decref(s);
		json_decref(carried);
		return CCSP_ERR_NOMEM;
	}
	ccsp_chsm_vsm_list(d->sup, ids, VSM_LIST_CAP, &n);
	for (size_t i = 0; i < n && i < VSM_LIST_CAP; i++)
		json_array_append_new(list, json_string(ids[i]));
	for (size_t i = 0; i < sizeof carried_settings / sizeof carried_settings[0]; i++)
		if (json_object_get(s, carried_settings[i]) != NULL)
			json_object_set(carried, carried_settings[i], json_object_get(s, carried_settings[i]));
	json_decref(s);
	ccsp_err ret = add_manifest(d, im, type, list);
	if (ret == CCSP_OK)
		ret = add_json(im, SETTINGS, carried);
	else
		json_decref(carried);
	for (size_t i = 0; ret == CCSP_OK && i < n && i < VSM_LIST_CAP; i++) {
		vsm_prefix(prefix, ids[i]);
		ret = ccsp_chsm_vsm_export(d->sup, ids[i], im, prefix);
	}
	free(ids);
	return ret;
}

/* Seal im, sign it with the device key, upload it; the callback result {<url_name>, alg, sign, digest, size,
 * version}. Returns the status. */
static int send_image(chsmd *d, json_t *params, const chsm_image *im, const char *kind, const char *name,
                      const char *url_name, const char **msg, json_t **result)
{
	uint8_t domain[CHSM_DOMAIN_KEY_SIZE], *file = NULL, digest[32];
	size_t len = 0;
	char sig[128], dig[64], filename[128], ts[20], location[1024], err[256] = "", *info = NULL;
	json_t *s = chsmd_settings_get(d);
	const char *upload = json_string_value(json_object_get(s, "imageUploadUrl"));
	ccsp_err ret = chsm_keys_domain_get(d->keys, domain);
	if (ret == CCSP_OK)
		ret = chsm_image_seal(im, domain, chsm_keys_device(d->keys), &file, &len);
	ccsp_memzero(domain, sizeof domain);
	if (ret == CCSP_OK)
		ret = chsmd_device_sign(d, file, len, sig, sizeof sig);
	if (ret == CCSP_OK)
		ret = ccsp_sm3(file, len, digest);
	int status = 500;
	if (ret != CCSP_OK) {
		*msg = say(params, "影像生成失败: %s", ccsp_err_str(ret));
		goto out;
	}
	ccsp_b64_encode(digest, sizeof digest, dig);
	time_t now = time(NULL);
	strftime(ts, sizeof ts, "%Y%m%d%H%M%S", gmtime(&now));
	snprintf(filename, sizeof filename, "%s-%s-%s.img", kind, name, ts);
	json_t *ij = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "token", "", "type",
	                       strcmp(kind, "vsm") == 0 ? "vsm" : "hsm", "uuid", name, "version", CHSMD_VERSION, "sign",
	                       sig, "alg", "SM2WithSM3");
	info = ij != NULL ? json_dumps(ij, JSON_COMPACT) : NULL;
	json_decref(ij);
	if (upload == NULL || info == NULL) {
		*msg = say(params, "未配置影像上传地址");
		status = 400;
		goto out;
	}
	const char *rid = json_string_value(json_object_get(params, "requestId"));
	if (chsmd_upload(upload, filename, file, len, rid != NULL ? rid : "", info, location, sizeof location, err,
	                 sizeof err) != CCSP_OK) {
		*msg = say(params, "影像上传失败: %s", err);
		goto out;
	}
	*result = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s}", url_name, location, "alg", "SM2WithSM3", "sign", sig,
	                    "digest", dig, "size", (json_int_t)len, "version", CHSMD_VERSION);
	status = 200;
out:
	free(info);
	free(file);
	json_decref(s);
	return status;
}

static int export_status(ccsp_err ret, json_t *params, const char **msg)
{
	if (ret == CCSP_ERR_STATE) {
		*msg = say(params, "操作冲突: 虚拟密码机正忙");
		return 409;
	}
	if (ret == CCSP_ERR_HANDLE) {
		*msg = say(params, "虚拟密码机不存在");
		return 404;
	}
	*msg = say(params, "影像导出失败: %s", ccsp_err_str(ret));
	return ret == CCSP_ERR_LIMIT ? 413 : 500;
}

static int task_export_chsm(chsmd *d, const char *vsm_id, json_t *p, const char **msg, json_t **result)
{
	(void)vsm_id;
	const char *opr = json_string_value(json_object_get(p, "_opr"));
	int backup = opr != NULL && strcmp(opr, "backup") == 0;
	chsm_image *im = NULL;
	ccsp_err ret = chsm_image_new(&im);
	if (ret == CCSP_OK)
		ret = build_chsm_image(d, backup ? "backup" : "chsm", im);
	int status = ret == CCSP_OK ? send_image(d, p, im, backup ? "backup" : "chsm", d->device_id,
	                                         backup ? "backupUrl" : "imageUrl", msg, result)
	                            : export_status(ret, p, msg);
	if (status == 200 && backup) /* backup's result names no version (spec §3.7) */
		json_object_del(*result, "version");
	chsm_image_free(im);
	return status;
}

static int task_export_vsm(chsmd *d, const char *vsm_id, json_t *p, const char **msg, json_t **result)
{
	chsm_image *im = NULL;
	ccsp_err ret = chsm_image_new(&im);
	if (ret == CCSP_OK)
		ret = build_vsm_image(d, vsm_id, im);
	int status = ret == CCSP_OK ? send_image(d, p, im, "vsm", vsm_id, "imageUrl", msg, result)
	                            : export_status(ret, p, msg);
	chsm_image_free(im);
	return status;
}

/* ---- receiving an image ---- */

/* Download params[url_name], verify the platform's signature and open it as an image of type. */
static int fetch(chsmd *d, json_t *p, const char *url_name, const char *type, chsm_image **im, const char **msg)
{
	static const uint8_t empty[1];
	uint8_t domain[CHSM_DOMAIN_KEY_SIZE];
	size_t mlen;
	char err[256] = "";
	chsmd_fetched f;
	const char *url = json_string_value(json_object_get(p, url_name));
	const uint8_t *file;
	*im = NULL;
	ccsp_err ret = chsmd_fetch(d->dir, url, CHSM_IMAGE_MAX, &f, err, sizeof err);
	int status = ret == CCSP_ERR_LIMIT ? 400 : 500;
	if (ret != CCSP_OK) {
		*msg = say(p, "影像下载失败: %s", err[0] != '\0' ? err : ccsp_err_str(ret));
		goto out;
	}
	status = 400;
	file = f.map != NULL ? f.map : empty;
	if (chsmd_platform_sig_check(p, file, f.len) != CCSP_OK) { /* nothing of it is read before this */
		*msg = say(p, "签名验证失败");
		goto out;
	}
	ret = chsm_keys_domain_get(d->keys, domain);
	if (ret == CCSP_OK)
		ret = chsm_image_open(file, f.len, domain, im, NULL);
	ccsp_memzero(domain, sizeof domain);
	if (ret != CCSP_OK) {
		*msg = say(p, "%s", ret == CCSP_ERR_ACCESS_DENIED ? "影像不属于本信任域"
		                    : ret == CCSP_ERR_KEY_NOT_FOUND ? "未加入信任域"
		                                                    : "影像校验失败");
		goto out;
	}
	const uint8_t *m = chsm_image_find(*im, MANIFEST, &mlen);
	json_t *man = m != NULL ? json_loadb((const char *)m, mlen, 0, NULL) : NULL;
	const char *got = json_string_value(json_object_get(man, "type"));
	int ok = got != NULL && strcmp(got, type) == 0;
	json_decref(man);
	if (!ok) {
		*msg = say(p, "影像类型错误: 需要 %s", type);
		goto out;
	}
	status = 200;
out:
	if (status != 200) {
		chsm_image_free(*im);
		*im = NULL;
	}
	chsmd_fetched_close(&f);
	return status;
}

static int import_status(ccsp_err ret, json_t *p, const char *id, const char **msg)
{
	switch (ret) {
	case CCSP_OK:
		return 200;
	case CCSP_ERR_ACCESS_DENIED:
		*msg = say(p, "虚拟密码机 %s 已被使用: 先重置", id);
		return 409;
	case CCSP_ERR_STATE:
		*msg = say(p, "操作冲突: 虚拟密码机 %s 正忙", id);
		return 409;
	case CCSP_ERR_HANDLE:
		*msg = say(p, "虚拟密码机 %s 不存在", id);
		return 404;
	case CCSP_ERR_DECODE:
		*msg = say(p, "影像内容错误");
		return 400;
	default:
		*msg = say(p, "影像导入失败 (%s): %s", id, ccsp_err_str(ret));
		return 500;
	}
}

static json_t *image_vsms(const chsm_image *im);

/* The prefix of the one VSM of a VSM image (0), or -1 after setting the 400 message. */
static int single_vsm(const chsm_image *im, json_t *p, char prefix[VSM_PREFIX_MAX], const char **msg)
{
	json_t *ids = image_vsms(im);
	int ok = json_array_size(ids) == 1;
	if (ok)
		vsm_prefix(prefix, json_string_value(json_array_get(ids, 0)));
	else
		*msg = say(p, "影像内容错误");
	json_decref(ids);
	return ok ? 0 : -1;
}

static int task_import_vsm(chsmd *d, const char *vsm_id, json_t *p, const char **msg, json_t **result)
{
	(void)result;
	chsm_image *im;
	char prefix[VSM_PREFIX_MAX];
	int status = fetch(d, p, "imageUrl", "vsm", &im, msg);
	if (status == 200 && single_vsm(im, p, prefix, msg) != 0)
		status = 400;
	if (status == 200)
		status = import_status(ccsp_chsm_vsm_import(d->sup, vsm_id, im, prefix, 0), p, vsm_id, msg);
	chsm_image_free(im);
	return status;
}

/* The VSM ids of a CHSM image's manifest, each with valid entries; NULL when any is wrong. */
static json_t *image_vsms(const chsm_image *im)
{
	size_t mlen, i;
	char prefix[VSM_PREFIX_MAX];
	const uint8_t *m = chsm_image_find(im, MANIFEST, &mlen);
	json_t *man = m != NULL ? json_loadb((const char *)m, mlen, 0, NULL) : NULL, *v;
	json_t *ids = json_incref(json_object_get(man, "vsmIds"));
	json_decref(man);
	int ok = json_is_array(ids);
	json_array_foreach(ids, i, v)
	{
		const char *id = json_string_value(v);
		ok = ok && id != NULL && ccsp_chsm_vsm_id_valid(id);
		if (ok)
			vsm_prefix(prefix, id);
		ok = ok && ccsp_chsm_vsm_image_valid(im, prefix);
	}
	if (!ok) {
		json_decref(ids);
		return NULL;
	}
	return ids;
}

/* Nothing it would replace is in use (unless replace). CCSP_OK or CCSP_ERR_ACCESS_DENIED with *which. */
static ccsp_err check_targets(chsmd *d, json_t *ids, int replace, const char **which)
{
	size_t i;
	json_t *v;
	json_array_foreach(ids, i, v)
	{
		ccsp_chsm_vsm_info info;
		if (ccsp_chsm_vsm_info_get(d->sup, json_string_value(v), &info) == CCSP_OK && info.token_set && !replace) {
			*which = json_string_value(v);
			return CCSP_ERR_ACCESS_DENIED;
		}
	}
	return CCSP_OK;
}

/* Create the VSM when this CHSM has none of that id (address: the next free port, as createVSM). */
static ccsp_err ensure_vsm(chsmd *d, const char *id)
{
	ccsp_chsm_vsm_info info;
	char listen[CCSP_CHSM_VSM_LISTEN_MAX + 1];
	if (ccsp_chsm_vsm_info_get(d->sup, id, &info) == CCSP_OK)
		return CCSP_OK;
	chsmd_new_vsm_listen(d, listen, sizeof listen);
	ccsp_err ret = ccsp_chsm_vsm_create(d->sup, id, 1, listen, NULL);
	return ret == CCSP_ERR_MODULE_STATE ? CCSP_OK : ret; /* created; the import replaces its data anyway */
}

/* Log upload and NTP follow the imported settings at once, as after configSyslogAddr / configCHSMNtp. */
static void apply_services(chsmd *d)
{
	ccsp_logfwd_target t;
	json_t *s = chsmd_settings_get(d);
	const char *type = json_string_value(json_object_get(s, "logServerType"));
	const char *addr = json_string_value(json_object_get(s, "logServerAddress"));
	const char *ntp = json_string_value(json_object_get(s, "ntpAddr"));
	json_int_t period = json_integer_value(json_object_get(s, "syncPeriod"));
	if (type != NULL && addr != NULL && ccsp_logfwd_target_parse(type, addr, &t) == CCSP_OK &&
	    chsmd_logupload_apply(d, type, addr) != CCSP_OK)
		ccsp_log_event(d->log, "warn", "chsm.import", "detail", "log upload not applied", (char *)NULL);
	char host[CCSP_NET_HOST_MAX + 1], port[6];
	if (ntp != NULL && period > 0 && period <= 86400 &&
	    ccsp_net_split_host_port(ntp, CCSP_SNTP_PORT, host, port) == CCSP_OK)
		chsmd_ntp_apply(d, ntp, (unsigned)period);
	json_decref(s);
}

static void apply_settings(chsmd *d, const chsm_image *im)
{
	size_t len;
	const uint8_t *s = chsm_image_find(im, SETTINGS, &len);
	json_t *j = s != NULL ? json_loadb((const char *)s, len, 0, NULL) : NULL, *fields = json_object();
	for (size_t i = 0; fields != NULL && i < sizeof carried_settings / sizeof carried_settings[0]; i++) {
		json_t *v = json_object_get(j, carried_settings[i]);
		if (json_is_string(v) || json_is_integer(v))
			json_object_set(fields, carried_settings[i], v);
	}
	json_decref(j);
	if (fields == NULL || json_object_size(fields) == 0) {
		json_decref(fields);
		return;
	}
	if (chsmd_settings_update(d, fields) != CCSP_OK) { /* fields stolen either way */
		ccsp_log_event(d->log, "warn", "chsm.import", "detail", "settings not applied", (char *)NULL);
		return;
	}
	apply_services(d);
}

static int task_import_chsm(chsmd *d, const char *vsm_id, json_t *p, const char **msg, json_t **result)
{
	(void)vsm_id;
	const char *opr = json_string_value(json_object_get(p, "_opr")), *which = "";
	int restore = opr != NULL && strcmp(opr, "restore") == 0;
	chsm_image *im;
	char prefix[VSM_PREFIX_MAX];
	int status = fetch(d, p, restore ? "backupUrl" : "imageUrl", restore ? "backup" : "chsm", &im, msg);
	json_t *ids = status == 200 ? image_vsms(im) : NULL, *done = json_array(), *v;
	size_t i;
	if (status == 200 && ids == NULL) {
		*msg = say(p, "影像内容错误");
		status = 400;
	}
	if (status == 200 && check_targets(d, ids, restore, &which) != CCSP_OK) {
		*msg = say(p, "虚拟密码机 %s 已被使用: 先重置", which);
		status = 409;
	}
	json_array_foreach(ids, i, v)
	{
		const char *id = json_string_value(v);
		if (status != 200)
			break;
		vsm_prefix(prefix, id);
		ccsp_err ret = ensure_vsm(d, id);
		if (ret == CCSP_OK)
			ret = ccsp_chsm_vsm_import(d->sup, id, im, prefix, restore);
		status = import_status(ret, p, id, msg);
		if (status == 200)
			json_array_append(done, v);
	}
	if (status == 200)
		apply_settings(d, im);
	*result = json_pack("{s:o}", "vsmIds", done); /* what was imported, also when a later VSM failed */
	json_decref(ids);
	chsm_image_free(im);
	return status;
}

/* createVSM with imageUrl: a new VSM with the image's data. */
int chsmd_task_create_from_image(chsmd *d, const char *vsm_id, json_t *p, const char **msg, json_t **result)
{
	chsm_image *im;
	char listen[CCSP_CHSM_VSM_LISTEN_MAX + 1], prefix[VSM_PREFIX_MAX];
	int status = fetch(d, p, "imageUrl", "vsm", &im, msg);
	if (status == 200 && single_vsm(im, p, prefix, msg) != 0)
		status = 400;
	if (status == 200) {
		chsmd_new_vsm_listen(d, listen, sizeof listen);
		json_t *f = json_object_get(p, "flavor");
		ccsp_err ret = ccsp_chsm_vsm_create(d->sup, vsm_id, (uint32_t)json_integer_value(f), listen, NULL);
		if (ret == CCSP_OK || ret == CCSP_ERR_MODULE_STATE)
			ret = ccsp_chsm_vsm_import(d->sup, vsm_id, im, prefix, 0);
		status = import_status(ret, p, vsm_id, msg);
		if (status == 200)
			*result = json_pack("{s:s}", "vsmId", vsm_id);
	}
	chsm_image_free(im);
	return status;
}

/* ---- handlers ---- */

/* The preconditions of an export: the upload address (400 "未配置影像上传地址") and a trust domain. */
static int can_export(chsmd *d, ccsp_http_request *req)
{
	json_t *s = chsmd_settings_get(d);
	int has_url = json_string_value(json_object_get(s, "imageUploadUrl")) != NULL;
	json_decref(s);
	if (!has_url) {
		ccsp_http_respond_error(req, 400, "未配置影像上传地址");
		return 0;
	}
	return chsmd_require_domain(d, req);
}

int chsmd_require_domain(chsmd *d, ccsp_http_request *req)
{
	uint8_t key[CHSM_DOMAIN_KEY_SIZE];
	ccsp_err ret = chsm_keys_domain_get(d->keys, key);
	ccsp_memzero(key, sizeof key);
	if (ret == CCSP_OK)
		return 1;
	ccsp_http_respond_error(req, ret == CCSP_ERR_KEY_NOT_FOUND ? 400 : 500,
	                        ret == CCSP_ERR_KEY_NOT_FOUND ? "未加入信任域: ccsp chsm domain init / join" : "内部错误");
	return 0;
}

/* Tag the task's params with the operation (backup/restore share their tasks with export/import). */
static void tag(ccsp_http_request *req, const char *opr)
{
	json_object_set_new(ccsp_http_req_json(req), "_opr", json_string(opr));
}

void chsmd_chsm_image_op(chsmd *d, ccsp_http_request *req, const char *opr)
{
	int in = strcmp(opr, "import") == 0 || strcmp(opr, "restore") == 0;
	const char *url = in ? chsmd_body_str(req, strcmp(opr, "import") == 0 ? "imageUrl" : "backupUrl") : "";
	if (url == NULL)
		return;
	if (in ? !chsmd_require_domain(d, req) || chsmd_platform_sig_prepare(d, req) != 0 : !can_export(d, req))
		return;
	tag(req, opr);
	(void)chsmd_task_start(d, req, "chsm", opr, "chsm", NULL, in ? task_import_chsm : task_export_chsm, NULL);
}

void chsmd_vsm_image_op(chsmd *d, ccsp_http_request *req, const char *opr, const char *id, int in_use)
{
	char claim[CCSP_CHSM_VSM_ID_MAX + 8];
	int in = strcmp(opr, "import") == 0;
	if (in && chsmd_body_str(req, "imageUrl") == NULL)
		return;
	if (in && in_use) {
		ccsp_http_respond_error(req, 409, "虚拟密码机已被使用: 先重置");
		return;
	}
	if (in ? !chsmd_require_domain(d, req) || chsmd_platform_sig_prepare(d, req) != 0 : !can_export(d, req))
		return;
	snprintf(claim, sizeof claim, "vsm:%s", id);
	(void)chsmd_task_start(d, req, claim, opr, "vsm", id, in ? task_import_vsm : task_export_vsm, NULL);
}

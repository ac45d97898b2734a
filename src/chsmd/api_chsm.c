/* SPDX-License-Identifier: Apache-2.0 */
/* The CHSM host area (spec §3.10, 7.2.x). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccsp/sm2.h>
#include <ccsp/sm2_asn1.h>

#include "common/b64.h"
#include "chsmd/chsmd.h"
#include "common/logfwd.h"
#include "common/netaddr.h"

#define VSM_LIST_CAP 256

void chsmd_api_chsm_status(void *arg, ccsp_http_request *req)
{
	(void)arg;
	if (chsmd_require_request_id(req) == 0)
		chsmd_ok(req, json_pack("{s:s, s:s}", "status", "ok", "runStatus", "running"));
}

/* {id: "ok"|"fail"} of every VSM. */
static json_t *vsm_status_map(chsmd *d, json_t *ids_out)
{
	char (*ids)[CCSP_CHSM_VSM_ID_MAX + 1] = calloc(VSM_LIST_CAP, sizeof *ids);
	json_t *map = json_object();
	size_t n = 0;
	if (ids == NULL)
		return map;
	ccsp_chsm_vsm_list(d->sup, ids, VSM_LIST_CAP, &n);
	for (size_t i = 0; i < n && i < VSM_LIST_CAP; i++) {
		ccsp_chsm_vsm_info info;
		int ok = ccsp_chsm_vsm_info_get(d->sup, ids[i], &info) == CCSP_OK && info.ok;
		json_object_set_new(map, ids[i], json_string(ok ? "ok" : "fail"));
		if (ids_out != NULL)
			json_array_append_new(ids_out, json_string(ids[i]));
	}
	free(ids);
	return map;
}

void chsmd_api_chsm_allstatus(void *arg, ccsp_http_request *req)
{
	chsmd *d = arg;
	if (chsmd_require_request_id(req) == 0)
		chsmd_ok(req, json_pack("{s:s, s:o}", "hsmStatus", "ok", "vsmStatusMap", vsm_status_map(d, NULL)));
}

static json_t *device_public_key(chsmd *d)
{
	uint8_t der[256];
	char b64[CCSP_B64_LEN(sizeof der) + 1];
	size_t len = 0;
	if (ccsp_sm2_key_encode(chsm_keys_device(d->keys), CCSP_SM2_KEY_SPKI, 0, NULL, 0, der, sizeof der, &len) !=
	    CCSP_OK)
		return json_string("");
	ccsp_b64_encode(der, len, b64);
	return json_string(b64);
}

static void get_info(chsmd *d, ccsp_http_request *req)
{
	json_t *ids = json_array();
	json_t *s = chsmd_settings_get(d);
	json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:o}", "id", d->device_fingerprint, "model",
	                      "ccsp-chsm", "manufacturer", "ccsp", "sn", d->device_fingerprint, "version", CHSMD_VERSION,
	                      "ip", d->vsm_host, "vsmMax", (json_int_t)32, "status", "ok", "runStatus", "running",
	                      "devicePublicKey", device_public_key(d));
	json_object_set_new(r, "vsmStatusMap", vsm_status_map(d, ids));
	json_object_set_new(r, "vsmIds", ids);
	json_object_set_new(r, "tasks", chsmd_recent_get(d)); /* spec §3.7: the last 100 results */
	if (s != NULL)
		json_object_update(r, s); /* ntpAddr, syncPeriod, imageUploadUrl, logServer*, netAddrs, dnsList */
	json_decref(s);
	json_object_set_new(r, "ntp", chsmd_ntp_report(d));             /* what the NTP client measured */
	json_object_set_new(r, "logUpload", chsmd_logupload_report(d)); /* how the log upload fares */
	chsmd_ok(req, r);
}

void chsmd_api_chsm(void *arg, ccsp_http_request *req)
{
	char opr[32];
	if (chsmd_require_request_id(req) != 0 || chsmd_opr_type(req, opr, sizeof opr) == NULL)
		return;
	if (strcmp(opr, "getinfo") == 0)
		get_info(arg, req);
	else if (strcmp(opr, "backup") == 0 || strcmp(opr, "restore") == 0)
		chsmd_chsm_image_op(arg, req, opr);
	else if (strcmp(opr, "upgrade") == 0)
		chsmd_api_chsm_upgrade(arg, req); /* upgrade.c */
	else if (strcmp(opr, "restart") == 0)
		chsmd_api_chsm_restart(arg, req);
	else
		ccsp_http_respond_error(req, 400, "不支持的操作类型");
}

void chsmd_api_chsm_image(void *arg, ccsp_http_request *req)
{
	char opr[32];
	if (chsmd_require_request_id(req) != 0 || chsmd_opr_type(req, opr, sizeof opr) == NULL)
		return;
	if (strcmp(opr, "export") == 0 || strcmp(opr, "import") == 0)
		chsmd_chsm_image_op(arg, req, opr);
	else
		ccsp_http_respond_error(req, 400, "不支持的操作类型");
}

/* ---- configuration interfaces: validated, stored in settings.json ---- */

static int is_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 ? s[7] != '\0' : strncmp(s, "https://", 8) == 0 && s[8] != '\0';
}

/* Persist fields (stolen); 0, or -1 after answering 500. */
static int persist(chsmd *d, ccsp_http_request *req, json_t *fields)
{
	if (chsmd_settings_update(d, fields) == CCSP_OK)
		return 0;
	ccsp_http_respond_error(req, 500, "内部错误");
	return -1;
}

static void store(chsmd *d, ccsp_http_request *req, json_t *fields)
{
	if (persist(d, req, fields) == 0)
		chsmd_ok(req, NULL);
}

void chsmd_api_chsm_ntp(void *arg, ccsp_http_request *req)
{
	const char *addr;
	char host[CCSP_NET_HOST_MAX + 1], port[6];
	if (chsmd_require_request_id(req) != 0 || (addr = chsmd_body_str(req, "addr")) == NULL)
		return;
	if (ccsp_net_split_host_port(addr, "123", host, port) != CCSP_OK) {
		ccsp_http_respond_error(req, 400, "参数错误 addr");
		return;
	}
	json_t *p = json_object_get(ccsp_http_req_json(req), "syncPeriod");
	json_int_t period = json_is_integer(p) ? json_integer_value(p) : 0;
	if (period <= 0) {
		ccsp_http_respond_error(req, 400, "参数错误 syncPeriod");
		return;
	}
	if (period > 86400)
		period = 86400; /* spec 7.2.5: clamped, still success */
	if (persist(arg, req, json_pack("{s:s, s:I}", "ntpAddr", addr, "syncPeriod", period)) != 0)
		return;
	chsmd_ntp_apply(arg, addr, (unsigned)period); /* the NTP thread queries it at once */
	chsmd_ok(req, NULL);
}

void chsmd_api_chsm_uploader(void *arg, ccsp_http_request *req)
{
	const char *url;
	if (chsmd_require_request_id(req) != 0 || (url = chsmd_body_str(req, "url")) == NULL)
		return;
	if (!is_url(url)) {
		ccsp_http_respond_error(req, 400, "参数错误 url");
		return;
	}
	store(arg, req, json_pack("{s:s}", "imageUploadUrl", url));
}

void chsmd_api_chsm_loguploader(void *arg, ccsp_http_request *req)
{
	const char *type, *addr;
	ccsp_logfwd_target t;
	if (chsmd_require_request_id(req) != 0 || (type = chsmd_body_str(req, "logServerType")) == NULL ||
	    (addr = chsmd_body_str(req, "logServerAddress")) == NULL)
		return;
	if (strcmp(type, "syslog") != 0 && strcmp(type, "logserver") != 0) {
		ccsp_http_respond_error(req, 400, "参数错误 logServerType");
		return;
	}
	if (ccsp_logfwd_target_parse(type, addr, &t) != CCSP_OK) {
		ccsp_http_respond_error(req, 400, "参数错误 logServerAddress");
		return;
	}
	if (persist(arg, req, json_pack("{s:s, s:s}", "logServerType", type, "logServerAddress", addr)) != 0)
		return;
	if (chsmd_logupload_apply(arg, type, addr) != CCSP_OK) /* stored: applied at the next start at the latest */
		ccsp_http_respond_error(req, 500, "内部错误");
	else
		chsmd_ok(req, NULL);
}

/* An IPv4 dotted quad (the configuration is recorded; applying it to the host's interfaces is the platform's). */
static int is_ipv4(const char *s)
{
	unsigned a, b, c, e;
	char tail;
	return s != NULL && sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &e, &tail) == 4 && a < 256 && b < 256 && c < 256 &&
	       e < 256;
}

static int valid_net_addrs(json_t *addrs)
{
	size_t i;
	json_t *a;
	if (!json_is_array(addrs) || json_array_size(addrs) == 0)
		return 0;
	json_array_foreach(addrs, i, a)
	{
		const char *name = json_string_value(json_object_get(a, "name"));
		if (name == NULL || name[0] == '\0' || !is_ipv4(json_string_value(json_object_get(a, "ip"))) ||
		    json_string_value(json_object_get(a, "mask")) == NULL ||
		    !is_ipv4(json_string_value(json_object_get(a, "gateway"))))
			return 0;
	}
	return 1;
}

void chsmd_api_chsm_network(void *arg, ccsp_http_request *req)
{
	if (chsmd_require_request_id(req) != 0)
		return;
	json_t *body = ccsp_http_req_json(req), *dns = json_object_get(body, "dnsList"),
	       *addrs = json_object_get(body, "netAddrs"), *fields = json_object();
	size_t i;
	json_t *v;
	int ok = dns != NULL || addrs != NULL;
	if (dns != NULL) {
		ok = ok && json_is_array(dns) && json_array_size(dns) > 0;
		json_array_foreach(dns, i, v) ok = ok && is_ipv4(json_string_value(v));
		json_object_set(fields, "dnsList", dns);
	}
	if (addrs != NULL) {
		ok = ok && valid_net_addrs(addrs);
		json_object_set(fields, "netAddrs", addrs);
	}
	if (!ok) {
		json_decref(fields);
		ccsp_http_respond_error(req, 400, "参数错误 netAddrs/dnsList");
		return;
	}
	store(arg, req, fields);
}

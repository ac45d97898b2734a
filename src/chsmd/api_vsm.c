/* SPDX-License-Identifier: Apache-2.0 */
/* The VSM area (spec §3.10, 7.3.x): status and info, network, token, and the long operations with callbacks. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>
#include <ccsp/sm3.h>

#include "chsmd/chsmd.h"
#include "common/atomic_file.h"

/* The VSM named by the request's vsmId, which must exist: 0 and info filled, or -1 after answering 400/404. */
static int find_vsm(chsmd *d, ccsp_http_request *req, const char **id, ccsp_chsm_vsm_info *info)
{
	*id = chsmd_body_str(req, "vsmId");
	if (*id == NULL)
		return -1;
	if (ccsp_chsm_vsm_info_get(d->sup, *id, info) != CCSP_OK) {
		ccsp_http_respond_error(req, 404, "VSM不存在");
		return -1;
	}
	return 0;
}

void chsmd_api_vsm_status(void *arg, ccsp_http_request *req)
{
	ccsp_chsm_vsm_info info;
	const char *id;
	if (chsmd_require_request_id(req) == 0 && find_vsm(arg, req, &id, &info) == 0)
		chsmd_ok(req, json_pack("{s:s, s:s}", "status", info.ok ? "ok" : "fail", "runStatus",
		                        ccsp_chsm_vsm_run_name(info.run)));
}

/* "ADDR:PORT" -> ADDR (no brackets) into host; the port into *port. */
static void split_listen(const char *listen, char *host, size_t cap, unsigned *port)
{
	const char *colon = strrchr(listen, ':');
	size_t n = colon != NULL ? (size_t)(colon - listen) : strlen(listen);
	const char *start = listen;
	if (n >= 2 && listen[0] == '[') {
		start++;
		n -= 2;
	}
	snprintf(host, cap, "%.*s", (int)n, start);
	*port = colon != NULL ? (unsigned)strtoul(colon + 1, NULL, 10) : 0;
}

/* getVSMInfo eps: [{algorithm, eps:{max, avg}}] per family, as the VSM measured them (its vsmd writes eps.json
 * every 5 s; src/vsmd/stats.h); zeros while it does not run. */
static json_t *vsm_eps(chsmd *d, const char *id, int running)
{
	static const char *const families[] = {"SM2", "SM3", "SM4"};
	char path[PATH_MAX];
	uint8_t *buf = NULL;
	size_t len = 0;
	json_t *measured = NULL, *eps = json_array();
	snprintf(path, sizeof path, "%s/vsm/%s/eps.json", d->dir, id);
	if (running && ccsp_file_read_all(path, 4096, &buf, &len) == CCSP_OK)
		measured = json_loadb((const char *)buf, len, 0, NULL);
	free(buf);
	for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
		json_t *f = json_object_get(measured, families[i]);
		json_int_t max = json_integer_value(json_object_get(f, "max")), avg = json_integer_value(json_object_get(f, "avg"));
		json_array_append_new(eps, json_pack("{s:s, s:{s:I, s:I}}", "algorithm", families[i], "eps", "max", max, "avg",
		                                     avg));
	}
	json_decref(measured);
	return eps;
}

/* getVSMInfo tlsCert (an extension): the VSM's TLS certificate (PEM; self-issued for its address), which a cloud
 * platform needs to trust the VSM when it hands libsdf a client config; null when it cannot be read. */
static json_t *vsm_tls_cert(chsmd *d, const char *id)
{
	char path[PATH_MAX];
	uint8_t *buf = NULL;
	size_t len = 0;
	json_t *pem = NULL;
	snprintf(path, sizeof path, "%s/vsm/%s/tls-cert.pem", d->dir, id);
	if (ccsp_file_read_all(path, 16384, &buf, &len) == CCSP_OK)
		pem = json_stringn((const char *)buf, len);
	free(buf);
	return pem != NULL ? pem : json_null();
}

/* getVSMInfo dataVersion (an extension): changes whenever what an image of the VSM carries for its users changes —
 * its keys (keystore.bin), its token (the token hash) or its file area —, so that a cloud platform keeping images
 * exports again only then. SM3 over each one's inode, size and modification time (every write there replaces the
 * file or the directory entry), 32 hex digits. Never any of their content. */
static json_t *vsm_data_version(chsmd *d, const char *id)
{
	static const char *const names[] = {"keystore.bin", "token.hash", "files"} /* chsm_vsm_internal.h, vsm.c */;
	uint64_t meta[3][4];
	uint8_t digest[32];
	char path[PATH_MAX], hex[33];
	memset(meta, 0, sizeof meta);
	for (size_t i = 0; i < 3; i++) {
		struct stat st;
		snprintf(path, sizeof path, "%s/vsm/%s/%s", d->dir, id, names[i]);
		if (stat(path, &st) == 0) {
			meta[i][0] = (uint64_t)st.st_ino;
			meta[i][1] = (uint64_t)st.st_size;
			meta[i][2] = (uint64_t)st.st_mtim.tv_sec;
			meta[i][3] = (uint64_t)st.st_mtim.tv_nsec;
		}
	}
	if (ccsp_sm3((const uint8_t *)meta, sizeof meta, digest) != CCSP_OK)
		return json_null();
	for (size_t i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	return json_string(hex);
}

/* getVSMInfo transport (an extension): what the VSM's vsmd.conf says it serves, "tls" or "tlcp" — the channel of its
 * running vsmd; a change of chsmd.conf vsm_transport reaches a VSM at its next start. */
static const char *vsm_transport(chsmd *d, const char *id)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/vsm/%s", d->dir, id);
	return ccsp_chsm_vsm_dir_transport_name(dir);
}

static void vsm_info(chsmd *d, ccsp_http_request *req, const char *id, const ccsp_chsm_vsm_info *info)
{
	char host[64];
	unsigned port;
	split_listen(info->listen, host, sizeof host, &port);
	json_t *eps = vsm_eps(d, id, info->run == CCSP_CHSM_VSM_RUNNING);
	json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:i, s:o, s:o, s:o}", "id",
	                      id, "uuid", info->uuid, "version", info->version, "func", "GVSM", "flavor", (int)info->flavor,
	                      "status", info->ok ? "ok" : "fail", "runStatus", ccsp_chsm_vsm_run_name(info->run), "token",
	                      info->token_set ? "set" : "0", "ip", host, "port", (int)(info->port ? info->port : port),
	                      "mask", "", "gateway", "", "ip6", "", "restarts", (int)info->restarts, "eps", eps, "tlsCert",
	                      vsm_tls_cert(d, id), "dataVersion", vsm_data_version(d, id));
	if (r != NULL) {
		json_object_set_new(r, "transport", json_string(vsm_transport(d, id)));
		json_object_set_new(r, "tlcpCaCert", chsmd_device_ca_pem(d));
	}
	chsmd_ok(req, r);
}

/* ---- the long operations ---- */

static int status_of(ccsp_err ret, const char **message)
{
	switch (ret) {
	case CCSP_OK:
		*message = "success";
		return 200;
	case CCSP_ERR_ARG:
		*message = "参数错误";
		return 400;
	case CCSP_ERR_FILE_EXISTS:
	case CCSP_ERR_LIMIT:
		*message = "设备忙或容量不足";
		return 503;
	default:
		*message = ccsp_err_str(ret);
		return 500;
	}
}

static int op_start(chsmd *d, const char *id, json_t *p, const char **msg, json_t **result)
{
	(void)p, (void)result;
	return status_of(ccsp_chsm_vsm_start(d->sup, id), msg);
}

static int op_stop(chsmd *d, const char *id, json_t *p, const char **msg, json_t **result)
{
	(void)p, (void)result;
	return status_of(ccsp_chsm_vsm_stop(d->sup, id), msg);
}

static int op_restart(chsmd *d, const char *id, json_t *p, const char **msg, json_t **result)
{
	(void)p, (void)result;
	return status_of(ccsp_chsm_vsm_restart(d->sup, id), msg);
}

static int op_reset(chsmd *d, const char *id, json_t *p, const char **msg, json_t **result)
{
	(void)p, (void)result;
	return status_of(ccsp_chsm_vsm_reset(d->sup, id), msg);
}

static int op_destroy(chsmd *d, const char *id, json_t *p, const char **msg, json_t **result)
{
	(void)p, (void)result;
	ccsp_err ret = ccsp_chsm_vsm_destroy(d->sup, id);
	return status_of(ret, msg);
}

/* The address of a new VSM: the configured host, port base + a free offset. */
void chsmd_new_vsm_listen(chsmd *d, char *out, size_t cap)
{
	char (*ids)[CCSP_CHSM_VSM_ID_MAX + 1] = calloc(256, sizeof *ids);
	size_t n = 0;
	unsigned port = d->vsm_port_base;
	if (ids != NULL && d->vsm_port_base != 0) {
		ccsp_chsm_vsm_list(d->sup, ids, 256, &n);
		for (int taken = 1; taken;) {
			taken = 0;
			for (size_t i = 0; i < n && !taken; i++) {
				ccsp_chsm_vsm_info info;
				char host[64];
				unsigned p;
				if (ccsp_chsm_vsm_info_get(d->sup, ids[i], &info) != CCSP_OK)
					continue;
				split_listen(info.listen, host, sizeof host, &p);
				taken = p == port;
			}
			port += taken;
		}
	}
	free(ids);
	snprintf(out, cap, "%s:%u", d->vsm_host, d->vsm_port_base != 0 ? port : 0);
}

static int op_create(chsmd *d, const char *id, json_t *p, const char **msg, json_t **result)
{
	char listen[CCSP_CHSM_VSM_LISTEN_MAX + 1];
	json_int_t flavor = json_integer_value(json_object_get(p, "flavor"));
	chsmd_new_vsm_listen(d, listen, sizeof listen);
	ccsp_err ret = ccsp_chsm_vsm_create(d->sup, id, (uint32_t)flavor, listen, NULL);
	if (ret == CCSP_OK)
		*result = json_pack("{s:s}", "vsmId", id);
	return status_of(ret, msg);
}

static void start_op(chsmd *d, ccsp_http_request *req, const char *opr, const char *id, chsmd_task_fn fn,
                     json_t *accepted)
{
	char claim[CCSP_CHSM_VSM_ID_MAX + 8];
	snprintf(claim, sizeof claim, "vsm:%s", id);
	(void)chsmd_task_start(d, req, claim, opr, "vsm", id, fn, accepted);
}

static void create(chsmd *d, ccsp_http_request *req)
{
	uint8_t r[6];
	char id[16];
	json_t *f = json_object_get(ccsp_http_req_json(req), "flavor");
	if (!json_is_integer(f) || json_integer_value(f) < 1 || json_integer_value(f) > 3) {
		ccsp_http_respond_error(req, 400, "参数错误 flavor");
		return;
	}
	int from_image = json_object_get(ccsp_http_req_json(req), "imageUrl") != NULL;
	if (from_image && (chsmd_body_str(req, "imageUrl") == NULL || !chsmd_require_domain(d, req) ||
	                   chsmd_platform_sig_prepare(d, req) != 0))
		return;
	if (ccsp_random(r, sizeof r) != CCSP_OK) {
		ccsp_http_respond_error(req, 500, "内部错误");
		return;
	}
	snprintf(id, sizeof id, "%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5]);
	start_op(d, req, "create", id, from_image ? chsmd_task_create_from_image : op_create,
	         json_pack("{s:s, s:s}", "vsmId", id, "taskStatus", "accepted"));
}

void chsmd_api_vsm(void *arg, ccsp_http_request *req)
{
	static const struct {
		const char *opr;
		chsmd_task_fn fn;
	} ops[] = {{"start", op_start}, {"stop", op_stop}, {"restart", op_restart},
	           {"reset", op_reset}, {"destroy", op_destroy}, {"delete", op_destroy}};
	chsmd *d = arg;
	char opr[32];
	const char *id;
	ccsp_chsm_vsm_info info;
	if (chsmd_require_request_id(req) != 0 || chsmd_opr_type(req, opr, sizeof opr) == NULL)
		return;
	if (strcmp(opr, "create") == 0) {
		create(d, req);
		return;
	}
	if (strcmp(opr, "upgrade") == 0) {
		chsmd_api_vsm_upgrade(d, req); /* upgrade.c */
		return;
	}
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (strcmp(opr, ops[i].opr) == 0) {
			if (find_vsm(d, req, &id, &info) == 0)
				start_op(d, req, ops[i].opr, id, ops[i].fn, NULL);
			return;
		}
	if (strcmp(opr, "getinfo") == 0) {
		if (find_vsm(d, req, &id, &info) == 0)
			vsm_info(d, req, id, &info);
		return;
	}
	ccsp_http_respond_error(req, 400, "不支持的操作类型");
}

void chsmd_api_vsm_image(void *arg, ccsp_http_request *req)
{
	chsmd *d = arg;
	char opr[32];
	const char *id;
	ccsp_chsm_vsm_info info;
	if (chsmd_require_request_id(req) != 0 || chsmd_opr_type(req, opr, sizeof opr) == NULL)
		return;
	if (strcmp(opr, "export") != 0 && strcmp(opr, "import") != 0)
		ccsp_http_respond_error(req, 400, "不支持的操作类型");
	else if (find_vsm(d, req, &id, &info) == 0)
		chsmd_vsm_image_op(d, req, opr, id, info.token_set);
}

/* ---- synchronous changes that restart the vsmd: run on the task queue, answered from there ---- */

typedef struct deferred {
	chsmd *d;
	ccsp_http_request *req;
	char id[CCSP_CHSM_VSM_ID_MAX + 1];
	char value[CCSP_CHSM_VSM_LISTEN_MAX + 72];
	int is_token;
} deferred;

static void run_deferred(void *arg)
{
	deferred *w = arg;
	ccsp_err ret = w->is_token ? ccsp_chsm_vsm_token_set(w->d->sup, w->id, w->value)
	                           : ccsp_chsm_vsm_network_set(w->d->sup, w->id, w->value);
	char claim[CCSP_CHSM_VSM_ID_MAX + 8];
	snprintf(claim, sizeof claim, "vsm:%s", w->id);
	ccsp_taskq_release(w->d->tasks, claim);
	const char *msg;
	int status = status_of(ret, &msg);
	if (status == 200)
		chsmd_ok(w->req, NULL);
	else
		ccsp_http_respond_error(w->req, status, msg);
	ccsp_memzero(w->value, sizeof w->value); /* may be a token */
	free(w);
}

static void defer(chsmd *d, ccsp_http_request *req, const char *id, const char *value, int is_token)
{
	char claim[CCSP_CHSM_VSM_ID_MAX + 8];
	deferred *w = calloc(1, sizeof *w);
	if (w == NULL || strlen(value) >= sizeof w->value) {
		free(w);
		ccsp_http_respond_error(req, 400, "参数错误");
		return;
	}
	snprintf(claim, sizeof claim, "vsm:%s", id);
	if (ccsp_taskq_try_claim(d->tasks, claim) != CCSP_OK) {
		free(w);
		ccsp_http_respond_error(req, 409, "操作冲突");
		return;
	}
	*w = (deferred){.d = d, .req = req, .is_token = is_token};
	snprintf(w->id, sizeof w->id, "%s", id);
	snprintf(w->value, sizeof w->value, "%s", value);
	if (ccsp_taskq_submit(d->tasks, run_deferred, w) != CCSP_OK) {
		ccsp_taskq_release(d->tasks, claim);
		ccsp_memzero(w->value, sizeof w->value);
		free(w);
		ccsp_http_respond_error(req, 503, "服务不可用");
	}
}

void chsmd_api_vsm_token(void *arg, ccsp_http_request *req)
{
	const char *id, *token;
	ccsp_chsm_vsm_info info;
	if (chsmd_require_request_id(req) == 0 && find_vsm(arg, req, &id, &info) == 0 &&
	    (token = chsmd_body_str(req, "token")) != NULL)
		defer(arg, req, id, token, 1);
}

void chsmd_api_vsm_network(void *arg, ccsp_http_request *req)
{
	const char *id, *ip;
	ccsp_chsm_vsm_info info;
	char host[64], listen[CCSP_CHSM_VSM_LISTEN_MAX + 1];
	unsigned port;
	if (chsmd_require_request_id(req) != 0 || find_vsm(arg, req, &id, &info) != 0 ||
	    (ip = chsmd_body_str(req, "ip")) == NULL)
		return;
	split_listen(info.listen, host, sizeof host, &port);
	if (strchr(ip, ':') != NULL)
		snprintf(listen, sizeof listen, "[%s]:%u", ip, port);
	else
		snprintf(listen, sizeof listen, "%s:%u", ip, port);
	defer(arg, req, id, listen, 0);
}

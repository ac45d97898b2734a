/* SPDX-License-Identifier: Apache-2.0 */
/* 7.4.1 getCHSMPk, 7.4.2 configCHSMPk (spec §3.10). */
#include <string.h>

#include "chsmd/chsmd.h"

void chsmd_api_authpk_get(void *arg, ccsp_http_request *req)
{
	chsmd *d = arg;
	if (chsmd_require_request_id(req) != 0)
		return;
	json_t *fps = json_array(), *items = json_array();
	size_t n = ccsp_chsm_pk_store_count(d->pks);
	const char *algorithm = "sm3";
	for (size_t i = 0; i < n; i++) {
		const ccsp_chsm_pk *k = ccsp_chsm_pk_store_get(d->pks, i);
		if (i == 0)
			algorithm = ccsp_chsm_pk_hash_name(k);
		json_array_append_new(fps, json_string(ccsp_chsm_pk_fingerprint(k)));
		json_array_append_new(items, json_pack("{s:s, s:s, s:s}", "keyAlg",
		                                       ccsp_chsm_pk_alg_name(ccsp_chsm_pk_get_alg(k)), "hashAlg",
		                                       ccsp_chsm_pk_hash_name(k), "fingerprint", ccsp_chsm_pk_fingerprint(k)));
	}
	chsmd_ok(req, json_pack("{s:s, s:o, s:o}", "algorithm", algorithm, "fingerprints", fps, "items", items));
}

void chsmd_api_authpk_post(void *arg, ccsp_http_request *req)
{
	chsmd *d = arg;
	const char *alg_name;
	ccsp_chsm_pk_alg alg;
	const char *texts[CCSP_CHSM_PK_ADD_MAX];
	size_t lens[CCSP_CHSM_PK_ADD_MAX], added = 0, bad = 0;
	if (chsmd_require_request_id(req) != 0 || (alg_name = chsmd_body_str(req, "algorithm")) == NULL)
		return;
	if (ccsp_chsm_pk_alg_parse(alg_name, strlen(alg_name), &alg) != CCSP_OK) {
		ccsp_http_respond_error(req, 400, "不支持的算法 algorithm");
		return;
	}
	json_t *pks = json_object_get(ccsp_http_req_json(req), "pks");
	size_t n = json_array_size(pks);
	if (!json_is_array(pks) || n == 0 || n > CCSP_CHSM_PK_ADD_MAX) {
		ccsp_http_respond_error(req, 400, n > CCSP_CHSM_PK_ADD_MAX ? "公钥数量超限" : "缺少参数 pks");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *s = json_array_get(pks, i);
		if (!json_is_string(s)) {
			ccsp_http_respond_error(req, 400, "公钥无效");
			return;
		}
		texts[i] = json_string_value(s);
		lens[i] = json_string_length(s);
	}
	ccsp_err ret = ccsp_chsm_pk_store_add(d->pks, alg, texts, lens, n, &added, &bad);
	if (ret == CCSP_ERR_LIMIT) {
		ccsp_http_respond_error(req, 400, "公钥数量超限");
		return;
	}
	if (ret != CCSP_OK) {
		ccsp_http_respond_error(req, ret == CCSP_ERR_IO || ret == CCSP_ERR_NOMEM ? 500 : 400, "公钥无效");
		return;
	}
	ccsp_log_event(d->log, "info", "chsm.authpk.added", "requestId", ccsp_http_req_id(req), (char *)NULL);
	chsmd_ok(req, json_pack("{s:I}", "count", (json_int_t)ccsp_chsm_pk_store_count(d->pks)));
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cloud platform's signature over a file it hands to the CHSM (importCHSM/importVSM/createVSM images,
 * restoreCHSM backups, upgrade packages; spec §7.2.9): {alg, sign} in the request, sign in Base64 or hex
 * (auto-detected), verified with the configured platform keys. The key store belongs to the event loop, so the
 * handler copies the keys (their canonical SPKI) into the task's parameters, and the task verifies on its own
 * thread with keys rebuilt from them.
 */
#include <stdlib.h>
#include <string.h>

#include "common/b64.h"
#include "chsm/chsm_pk_internal.h"
#include "chsmd/chsmd.h"

#define KEYS_MEMBER "platformKeys" /* set by the handler, whatever the request held */

static ccsp_err decode_sign(const char *text, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(text);
	if (n > 0 && n % 2 == 0 && ccsp_is_hex(text, n)) { /* hex; the Base64 of a signature is practically
	                                                            never all hex digits */
		*len = n / 2;
		return n / 2 <= cap ? ccsp_hex_decode(text, n, out, cap) : CCSP_ERR_DECODE;
	}
	ccsp_err ret = ccsp_b64_decode(text, n, out, cap, len);
	return ret != CCSP_OK || *len == 0 ? CCSP_ERR_DECODE : CCSP_OK;
}

int chsmd_platform_sig_prepare(chsmd *d, ccsp_http_request *req)
{
	uint8_t sig[CCSP_CHSM_PK_SIG_MAX];
	size_t siglen;
	ccsp_chsm_pk_alg alg;
	const char *algname = chsmd_body_str(req, "alg"), *sign;
	if (algname == NULL || (sign = chsmd_body_str(req, "sign")) == NULL)
		return -1;
	if (ccsp_chsm_pk_alg_parse(algname, strlen(algname), &alg) != CCSP_OK) {
		ccsp_http_respond_error(req, 400, "参数错误 alg");
		return -1;
	}
	if (decode_sign(sign, sig, sizeof sig, &siglen) != CCSP_OK) {
		ccsp_http_respond_error(req, 400, "参数错误 sign");
		return -1;
	}
	json_t *keys = json_array();
	for (size_t i = 0; keys != NULL && i < ccsp_chsm_pk_store_count(d->pks); i++) {
		const ccsp_chsm_pk *k = ccsp_chsm_pk_store_get(d->pks, i);
		size_t len;
		const uint8_t *spki = ccsp_chsm_pk_spki(k, &len);
		char b64[CCSP_B64_LEN(CHSM_PK_SPKI_MAX) + 1];
		if (ccsp_chsm_pk_get_alg(k) != alg)
			continue;
		ccsp_b64_encode(spki, len, b64);
		json_array_append_new(keys, json_string(b64));
	}
	if (keys == NULL || json_object_set_new(ccsp_http_req_json(req), KEYS_MEMBER, keys) != 0) {
		ccsp_http_respond_error(req, 500, "内部错误");
		return -1;
	}
	return 0;
}

/* Verify with the key whose SPKI is b64: CCSP_OK, CCSP_ERR_SIGNATURE, or a fault. */
static ccsp_err verify_with(const char *b64, ccsp_chsm_pk_alg alg, const uint8_t *data, size_t len,
                            const uint8_t *sig, size_t siglen)
{
	static const uint8_t no_text[CHSM_PK_HASH_SIZE];
	uint8_t der[CHSM_PK_SPKI_MAX];
	size_t derlen;
	ccsp_chsm_pk *k = NULL;
	ccsp_err ret = ccsp_b64_decode(b64, strlen(b64), der, sizeof der, &derlen);
	if (ret == CCSP_OK)
		ret = ccsp_chsm_pk_from_spki(der, derlen, alg, no_text, &k);
	if (ret == CCSP_OK)
		ret = ccsp_chsm_pk_verify(k, data, len, sig, siglen);
	ccsp_chsm_pk_free(k);
	return ret == CCSP_ERR_DECODE ? CCSP_ERR_SIGNATURE : ret;
}

ccsp_err chsmd_platform_sig_check(json_t *params, const uint8_t *data, size_t len)
{
	uint8_t sig[CCSP_CHSM_PK_SIG_MAX];
	size_t siglen, i;
	ccsp_chsm_pk_alg alg;
	json_t *k, *keys = json_object_get(params, KEYS_MEMBER);
	const char *algname = json_string_value(json_object_get(params, "alg"));
	const char *sign = json_string_value(json_object_get(params, "sign"));
	if (!json_is_array(keys) || algname == NULL || sign == NULL ||
	    ccsp_chsm_pk_alg_parse(algname, strlen(algname), &alg) != CCSP_OK ||
	    decode_sign(sign, sig, sizeof sig, &siglen) != CCSP_OK)
		return CCSP_ERR_ARG; /* the handler checked all of it */
	ccsp_err ret = CCSP_ERR_SIGNATURE; /* also when no key of that algorithm is configured */
	json_array_foreach(keys, i, k)
	{
		const char *b64 = json_string_value(k);
		ret = b64 != NULL ? verify_with(b64, alg, data, len, sig, siglen) : CCSP_ERR_ARG;
		if (ret != CCSP_ERR_SIGNATURE)
			break;
	}
	return ret;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Applications' MACs with KMS keys (docs/api-ccspd.md "crypto/mac, crypto/mac-verify"):
 *   mac        {keyId | alias, data}                  -> {"mac": Base64, "algorithm", "keyId", "version"}
 *   mac-verify {keyId | alias, data, mac, version?}   -> {"valid": bool, "algorithm", "keyId", "version"}
 * data: Base64 of 0..65536 bytes. HMAC_SM3 keys: HMAC-SM3 (32 bytes). SM4_MAC keys: SM4-CBC-MAC, GB/T 15852.1
 * MAC algorithm 1 with padding method 2 (0x80 then zeros to a whole block, always added; zero IV; 16 bytes) — secure
 * for messages of one fixed length per key; HMAC_SM3 is the choice for anything else. The key stays in the VSM; the
 * comparison of mac-verify runs here in constant time.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <ccsp/mem.h>

#include "ccspd/act_kms.h"
#include "common/b64.h"

static const char *algorithm(ccsp_kms_spec kind)
{
	return kind == CCSP_KMS_SPEC_SM4_MAC ? "SM4-CBC-MAC" : "HMAC-SM3";
}

/* The MAC of data under u's key into mac (*maclen): the VSM's answer. */
static ccsp_err compute(kms_use *u, const uint8_t *data, size_t len, uint8_t mac[32], size_t *maclen)
{
	ccsp_kms_vsm v;
	kms_vsm_for_call(u->c, u->group, &v);
	if (u->kind != CCSP_KMS_SPEC_SM4_MAC)
		return v.ops->mac(v.ctx, u->kind, &u->w, data, len, mac, maclen);
	size_t padded = len / 16 * 16 + 16; /* padding method 2: 0x80, then zeros */
	uint8_t *p = malloc(padded);
	if (p == NULL)
		return CCSP_ERR_NOMEM;
	memcpy(p, data, len);
	p[len] = 0x80;
	memset(p + len + 1, 0, padded - len - 1);
	ccsp_err ret = v.ops->mac(v.ctx, u->kind, &u->w, p, padded, mac, maclen);
	ccsp_memzero(p, padded);
	free(p);
	return ret;
}

void ccspd_act_crypto_mac(ccspd_call *c)
{
	kms_use u = {.c = c, .op = CCSP_KMS_OP_MAC};
	uint8_t *data = NULL, mac[32];
	size_t len = 0, maclen = 0;
	if (kms_sel_parse(c, &u.sel) != 0 || kms_b64_member(c, "data", CCSPD_KMS_PLAINTEXT_MAX, 1, &data, &len) != 0)
		goto out;
	act_wipe(c, "data");
	if (kms_use_load(&u) != 0)
		goto out;
	ccsp_err ret = compute(&u, data, len, mac, &maclen);
	if (ret != CCSP_OK) {
		kms_use_fail(&u, ret, CCSP_APIERR_INTERNAL);
		goto out;
	}
	char b64[CCSP_B64_LEN(32) + 1];
	ccsp_b64_encode(mac, maclen, b64);
	kms_use_ok(&u, json_pack("{s:s, s:s}", "mac", b64, "algorithm", algorithm(u.kind)));
out:
	kms_b64_free(data, len);
	kms_use_wipe(&u);
}

void ccspd_act_crypto_mac_verify(ccspd_call *c)
{
	kms_use u = {.c = c, .op = CCSP_KMS_OP_MAC_VERIFY};
	uint8_t *data = NULL, *given = NULL, mac[32];
	size_t len = 0, givenlen = 0, maclen = 0;
	if (kms_sel_parse(c, &u.sel) != 0 || act_int(c, "version", 1, INT32_MAX, 0, &u.version) != 0 ||
	    kms_b64_member(c, "data", CCSPD_KMS_PLAINTEXT_MAX, 1, &data, &len) != 0 ||
	    kms_b64_member(c, "mac", 32, 0, &given, &givenlen) != 0)
		goto out;
	act_wipe(c, "data");
	if (kms_use_load(&u) != 0)
		goto out;
	ccsp_err ret = compute(&u, data, len, mac, &maclen);
	if (ret != CCSP_OK) {
		kms_use_fail(&u, ret, CCSP_APIERR_INTERNAL);
		goto out;
	}
	int valid = givenlen == maclen && CRYPTO_memcmp(given, mac, maclen) == 0;
	kms_use_ok(&u, json_pack("{s:b, s:s}", "valid", valid, "algorithm", algorithm(u.kind)));
out:
	ccsp_memzero(mac, sizeof mac);
	kms_b64_free(data, len);
	free(given);
	kms_use_wipe(&u);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The keyless crypto services (docs/api.md "ccspd"):
 *   POST /api/v1/crypto/hash    {"data": Base64 [, "publicKey": Base64, "id": text]} -> {"digest": Base64}
 *       SM3 of data; with publicKey (SM2: 04||x||y, x||y or a DER SubjectPublicKeyInfo) the GB/T 32918.2
 *       pre-processing SM3(Z || data), Z over id (default "1234567812345678", 1..1024 bytes).
 *   POST /api/v1/crypto/random  {"length": 1..4096} -> {"random": Base64}, from the platform VSM's generator.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/sm2.h>
#include <ccsp/sm2_asn1.h>
#include <ccsp/sm3.h>

#include "ccspd/ccspd.h"
#include "common/b64.h"

#define ID_MAX 1024
#define DEFAULT_ID "1234567812345678"

/* The Base64 string member name of the body, decoded into a malloc'd buffer: 0, or -1 after answering 400. */
static int body_b64(ccspd_call *c, const char *name, int required, uint8_t **out, size_t *len)
{
	json_t *v = json_object_get(c->body, name);
	*out = NULL;
	*len = 0;
	if (v == NULL && !required)
		return 0;
	const char *s = json_string_value(v);
	size_t n = s != NULL ? json_string_length(v) : 0;
	uint8_t *buf = s != NULL ? malloc(n / 4 * 3 + 3) : NULL;
	if (s == NULL || buf == NULL || ccsp_b64_decode(s, n, buf, n / 4 * 3 + 3, len) != CCSP_OK) {
		free(buf);
		char msg[96];
		snprintf(msg, sizeof msg, "%s must be Base64", name);
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM, msg);
		return -1;
	}
	*out = buf;
	return 0;
}

/* An SM2 public key from its bytes: a point (65 or 64 bytes) or a DER SubjectPublicKeyInfo. */
static ccsp_sm2_key *public_key(const uint8_t *b, size_t len)
{
	uint8_t point[65] = {0x04};
	ccsp_sm2_key *k = ccsp_sm2_key_new();
	ccsp_err ret = CCSP_ERR_NOMEM;
	if (k != NULL && len == 64) {
		memcpy(point + 1, b, 64);
		ret = ccsp_sm2_key_set_public(k, point, sizeof point);
	} else if (k != NULL && len == 65) {
		ret = ccsp_sm2_key_set_public(k, b, len);
	} else if (k != NULL) { /* a public key only: a private key sent by mistake is refused, not used */
		ccsp_sm2_key_format fmt;
		ret = ccsp_sm2_key_decode(k, b, len, NULL, 0, &fmt);
		if (ret == CCSP_OK && fmt != CCSP_SM2_KEY_SPKI)
			ret = CCSP_ERR_KEY;
	}
	if (ret != CCSP_OK) {
		ccsp_sm2_key_free(k);
		return NULL;
	}
	return k;
}

static int digest(ccspd_call *c, const uint8_t *data, size_t len, uint8_t out[32])
{
	uint8_t *pub = NULL;
	size_t publen;
	json_t *idv = json_object_get(c->body, "id");
	const char *id = json_string_value(idv);
	if (body_b64(c, "publicKey", 0, &pub, &publen) != 0)
		return -1;
	if (pub == NULL) {
		if (idv != NULL) {
			ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM, "id needs publicKey");
			return -1;
		}
		return ccsp_sm3(data, len, out) == CCSP_OK ? 0 : (ccspd_call_fail(c, CCSP_APIERR_INTERNAL, NULL), -1);
	}
	ccsp_sm2_key *k = public_key(pub, publen);
	ccsp_memzero(pub, publen); /* in case a private key was sent by mistake */
	free(pub);
	size_t idlen = id != NULL ? json_string_length(idv) : strlen(DEFAULT_ID);
	if (k == NULL || (idv != NULL && (id == NULL || idlen == 0 || idlen > ID_MAX))) {
		ccsp_sm2_key_free(k);
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM, k == NULL ? "publicKey is not an SM2 public key" : "id");
		return -1;
	}
	ccsp_err ret = ccsp_sm2_compute_e(k, (const uint8_t *)(id != NULL ? id : DEFAULT_ID), idlen, data, len, out);
	ccsp_sm2_key_free(k);
	if (ret != CCSP_OK)
		ccspd_call_fail(c, CCSP_APIERR_INTERNAL, NULL);
	return ret == CCSP_OK ? 0 : -1;
}

static void answer_digest(ccspd_call *c, const uint8_t h[32])
{
	char b64[CCSP_B64_LEN(32) + 1];
	ccsp_b64_encode(h, 32, b64);
	ccspd_call_ok(c, json_pack("{s:s, s:s}", "algorithm", "SM3", "digest", b64));
}

void ccspd_act_crypto_hash(ccspd_call *c)
{
	uint8_t *data, h[32];
	size_t len;
	if (c->sm3_ready != NULL) { /* a batch's plain SM3 item, hashed with the others (act_crypto_batch.c) */
		answer_digest(c, c->sm3_ready);
		return;
	}
	if (body_b64(c, "data", 1, &data, &len) != 0)
		return;
	int rc = digest(c, data, len, h);
	free(data);
	if (rc == 0)
		answer_digest(c, h);
}

void ccspd_act_crypto_random(ccspd_call *c)
{
	uint8_t buf[CCSP_PVSM_RANDOM_MAX];
	char b64[CCSP_B64_LEN(CCSP_PVSM_RANDOM_MAX) + 1];
	json_t *v = json_object_get(c->body, "length");
	json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;
	if (n < 1 || n > CCSP_PVSM_RANDOM_MAX) {
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM, "length must be 1..4096");
		return;
	}
	if (c->d->pvsm == NULL || ccsp_pvsm_random(c->d->pvsm, buf, (size_t)n) != CCSP_OK) {
		ccspd_call_fail(c, CCSP_APIERR_CRYPTO_MODULE, NULL);
		return;
	}
	ccsp_b64_encode(buf, (size_t)n, b64);
	ccspd_call_ok(c, json_pack("{s:s}", "random", b64));
	ccsp_memzero(buf, sizeof buf);
	ccsp_memzero(b64, sizeof b64);
}

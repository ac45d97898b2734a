/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The operators' second factor (docs/api-ccspd.md, docs/operations.md "Operators"): the UKey model. An operator
 * holds an SM2 private key (on a UKey, or a PEM file for `ccsp admin login --key`); the platform keeps the public
 * key. After the password, `auth/login` answers a challenge: "ccsp-2fa-" and 64 hex digits of 32 random bytes,
 * stored in the store's config as "auth.challenge.<principal id>" for CCSPD_CHALLENGE_TTL_MS, single use (any
 * answer to it consumes it). The operator signs the challenge's text (SM2 with SM3, Z over the default ID
 * "1234567812345678") and sends the DER signature in Base64:
 *   login2        {login, challenge, signature}              -> a session token
 *   register-key  {login, challenge, publicKey, signature}   an operator without a key (a new one, or after a
 *                 reset) registers one: the challenge proves the password, the signature proves the private key;
 *                 the key is stored and a session token returned. Only possible while the operator has no key.
 * A wrong signature counts as a failed login (lockout).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>
#include <ccsp/sm2.h>
#include <ccsp/sm2_asn1.h>

#include "ccspd/act.h"
#include "common/b64.h"

#define CHALLENGE_PREFIX "ccsp-2fa-"
#define CHALLENGE_LEN (sizeof CHALLENGE_PREFIX - 1 + 64)
#define DEFAULT_ID "1234567812345678"

static void config_key(const char *principal_id, char out[64])
{
	snprintf(out, 64, "auth.challenge.%s", principal_id);
}

ccsp_err act_challenge_new(ccspd_call *c, ccsp_store_tx *tx, const ccsp_store_principal *p, json_t **result)
{
	uint8_t rnd[32];
	char ch[CHALLENGE_LEN + 1], key[64], value[CHALLENGE_LEN + 64];
	ccsp_err ret = ccsp_random(rnd, sizeof rnd);
	if (ret != CCSP_OK)
		return ret;
	int n = snprintf(ch, sizeof ch, CHALLENGE_PREFIX);
	for (size_t i = 0; i < sizeof rnd; i++)
		n += snprintf(ch + n, sizeof ch - (size_t)n, "%02x", rnd[i]);
	const char *purpose = p->sm2_pub_len > 0 ? "sm2" : "register";
	snprintf(value, sizeof value, "%s %lld %s", purpose,
	         (long long)(ccspd_now_ms(c->d) + CCSPD_CHALLENGE_TTL_MS), ch);
	config_key(p->id, key);
	ret = ccsp_store_config_set(tx, key, value);
	if (ret == CCSP_OK)
		ret = ccspd_audit_as(c->d, tx, p->login, ccsp_store_role_name(p->role), "", "auth.login", p->login,
		                     "challenge", json_pack("{s:s, s:s}", "secondFactor", purpose, "requestId",
		                                            ccsp_http_req_id(c->req)));
	if (ret == CCSP_OK)
		*result = json_pack("{s:s, s:s, s:I}", "challenge", ch, "secondFactor", purpose, "expiresInSeconds",
		                    (json_int_t)(CCSPD_CHALLENGE_TTL_MS / 1000));
	ccsp_memzero(rnd, sizeof rnd);
	return ret;
}

static int text_eq(const char *a, const char *b, size_t n)
{
	unsigned char d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

typedef struct f2_job {
	ccspd_call *c;
	const char *login, *challenge;
	uint8_t sig[CCSP_SM2_SIGNATURE_SIZE];
	ccsp_sm2_key *new_key; /* register-key: the key to register */
	uint8_t new_point[65];
	ccsp_apierr err; /* CCSP_APIERR_COUNT_: success */
	json_t *result;
} f2_job;

/* Take (read and delete) the stored challenge of p: 1 when it is the one presented, of the right purpose and
 * not expired. */
static ccsp_err take_challenge(f2_job *j, ccsp_store_tx *tx, const ccsp_store_principal *p, int *ok)
{
	char key[64], purpose[16] = "", text[96] = "";
	long long exp = 0;
	char *v = NULL;
	*ok = 0;
	config_key(p->id, key);
	ccsp_err ret = ccsp_store_config_get(tx, key, &v);
	if (ret == CCSP_ERR_NOT_FOUND)
		return CCSP_OK;
	if (ret == CCSP_OK)
		ret = ccsp_store_config_delete(tx, key);
	if (ret == CCSP_OK && sscanf(v, "%15s %lld %95s", purpose, &exp, text) == 3 &&
	    strlen(text) == CHALLENGE_LEN && strlen(j->challenge) == CHALLENGE_LEN)
		*ok = strcmp(purpose, j->new_key != NULL ? "register" : "sm2") == 0 && exp > ccspd_now_ms(j->c->d) &&
		      text_eq(text, j->challenge, CHALLENGE_LEN);
	free(v);
	return ret;
}

static int signature_ok(f2_job *j, const ccsp_store_principal *p)
{
	ccsp_sm2_key *k = j->new_key;
	int ok = 0;
	if (k == NULL && p->sm2_pub_len == 65 && (k = ccsp_sm2_key_new()) != NULL &&
	    ccsp_sm2_key_set_public(k, p->sm2_pub, 65) != CCSP_OK) {
		ccsp_sm2_key_free(k);
		k = NULL;
	}
	if (k != NULL && (j->new_key == NULL) == (p->sm2_pub_len > 0))
		ok = ccsp_sm2_verify(k, (const uint8_t *)DEFAULT_ID, strlen(DEFAULT_ID), (const uint8_t *)j->challenge,
		                     strlen(j->challenge), j->sig) == CCSP_OK;
	if (k != j->new_key)
		ccsp_sm2_key_free(k);
	return ok;
}

static ccsp_err f2_deny(f2_job *j, ccsp_store_tx *tx, const char *role, ccsp_apierr err, const char *reason)
{
	j->err = err;
	return ccspd_audit_as(j->c->d, tx, j->login, role, "", j->new_key != NULL ? "auth.register-key" : "auth.login",
	                      j->login, "denied",
	                      json_pack("{s:s, s:s, s:s}", "reason", reason, "step", "second factor", "requestId",
	                                ccsp_http_req_id(j->c->req)));
}

static ccsp_err f2_success(f2_job *j, ccsp_store_tx *tx, ccsp_store_principal *p)
{
	char token[CCSP_REQAUTH_TOKEN_LEN + 1];
	int64_t expires = 0;
	const char *role = ccsp_store_role_name(p->role), *rid = ccsp_http_req_id(j->c->req);
	ccsp_err ret = CCSP_OK;
	if (j->new_key != NULL) {
		memcpy(p->sm2_pub, j->new_point, sizeof j->new_point);
		p->sm2_pub_len = sizeof j->new_point;
		if ((ret = ccsp_store_principal_update(tx, p)) == CCSP_OK)
			ret = ccspd_audit_as(j->c->d, tx, p->login, role, "", "auth.register-key", p->login, "ok",
			                     json_pack("{s:s}", "requestId", rid));
	}
	if (ret == CCSP_OK)
		ret = ccspd_session_issue(j->c->d, tx, p->id, NULL, "", token, &expires);
	if (ret == CCSP_ERR_LIMIT)
		return f2_deny(j, tx, role, CCSP_APIERR_RATE_LIMITED, "session limit");
	if (ret == CCSP_OK)
		ret = ccspd_audit_as(j->c->d, tx, p->login, role, "", "auth.login", p->login, "ok",
		                     json_pack("{s:s, s:s}", "secondFactor", "sm2", "requestId", rid));
	if (ret == CCSP_OK) {
		act_result_free(j->result);
		j->result = json_pack("{s:s, s:I, s:b, s:s}", "token", token, "expires", (json_int_t)expires,
		                      "mustChange", p->must_change, "role", role);
		j->err = CCSP_APIERR_COUNT_;
	}
	ccsp_memzero(token, sizeof token);
	return ret;
}

static ccsp_err f2_fn(ccsp_store_tx *tx, void *arg)
{
	f2_job *j = arg;
	ccsp_store_principal p;
	int ok = 0;
	ccsp_err ret = ccsp_store_principal_find(tx, NULL, j->login, &p);
	if (ret == CCSP_ERR_NOT_FOUND)
		return f2_deny(j, tx, "anonymous", CCSP_APIERR_LOGIN_FAILED, "unknown login");
	if (ret == CCSP_OK)
		ret = take_challenge(j, tx, &p, &ok);
	const char *role = ccsp_store_role_name(p.role);
	if (ret != CCSP_OK)
		goto out;
	if (p.status != CCSP_STORE_ACTIVE || ccspd_policy_locked(&p, ccspd_now_ms(j->c->d)))
		ret = f2_deny(j, tx, role, CCSP_APIERR_LOGIN_FAILED, p.status != CCSP_STORE_ACTIVE ? "disabled" : "locked");
	else if (!ok || !signature_ok(j, &p)) {
		ret = act_login_failed(j->c->d, tx, &p, ccsp_http_req_id(j->c->req));
		if (ret == CCSP_OK)
			ret = f2_deny(j, tx, role, CCSP_APIERR_LOGIN_FAILED, ok ? "signature" : "challenge");
	} else {
		ret = f2_success(j, tx, &p);
	}
out:
	ccsp_memzero(&p, sizeof p);
	return ret;
}

/* signature: Base64 of a DER SM2 signature, into j->sig. */
static int parse_signature(ccspd_call *c, f2_job *j)
{
	const char *b64;
	uint8_t der[CCSP_SM2_SIGNATURE_DER_MAX + 3];
	size_t len = 0;
	if (act_str(c, "signature", 1, CCSP_B64_LEN(CCSP_SM2_SIGNATURE_DER_MAX), &b64) != 0)
		return -1;
	if (ccsp_b64_decode(b64, strlen(b64), der, sizeof der, &len) != CCSP_OK ||
	    ccsp_sm2_signature_from_der(der, len, j->sig) != CCSP_OK) {
		ccspd_fail(c->d, c->req, CCSP_APIERR_INVALID_PARAM, "signature must be a Base64 DER SM2 signature");
		return -1;
	}
	return 0;
}

static void second_factor(ccspd_call *c, int reg)
{
	f2_job j = {.c = c, .err = CCSP_APIERR_INTERNAL};
	const char *pub;
	if (act_str(c, "login", 1, CCSP_STORE_NAME_MAX, &j.login) != 0 ||
	    act_str(c, "challenge", 1, CHALLENGE_LEN, &j.challenge) != 0 || parse_signature(c, &j) != 0)
		return;
	if (reg && act_str(c, "publicKey", 1, 1024, &pub) != 0)
		return;
	if (reg && act_sm2_public(pub, j.new_point, &j.new_key) != CCSP_OK) {
		ccspd_fail(c->d, c->req, CCSP_APIERR_INVALID_PARAM, "publicKey is not an SM2 public key");
		return;
	}
	ccsp_err ret = ccsp_store_run(c->d->store, f2_fn, &j);
	if (ret == CCSP_OK) /* an operator's login ends here: counted platform-wide (operators have no tenant) */
		ccsp_metrics_login(c->d->metrics, NULL, j.err == CCSP_APIERR_COUNT_);
	if (ret != CCSP_OK)
		act_fail(c, ret, NULL);
	else if (j.err != CCSP_APIERR_COUNT_)
		ccspd_fail(c->d, c->req, j.err, NULL);
	else
		ccspd_ok(c->req, json_incref(j.result));
	act_result_free(j.result);
	ccsp_sm2_key_free(j.new_key);
}

void ccspd_act_auth_login2(ccspd_call *c)
{
	second_factor(c, 0);
}

void ccspd_act_auth_register_key(ccspd_call *c)
{
	second_factor(c, 1);
}

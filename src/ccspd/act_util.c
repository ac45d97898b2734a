/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers of ccspd's identity and audit actions (act.h): body fields, errors, JSON views of store rows. */
#include <stdio.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/sm2.h>
#include <ccsp/sm2_asn1.h>

#include "ccspd/act.h"
#include "common/b64.h"

static int field_fail(ccspd_call *c, const char *name, const char *what)
{
	char msg[160];
	snprintf(msg, sizeof msg, "%s %s", name, what);
	ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM, msg);
	return -1;
}

/* act_str, with line ends allowed when lines. */
static int string_member(ccspd_call *c, const char *name, int required, size_t max, int lines, const char **out)
{
	json_t *v = json_object_get(c->body, name);
	*out = NULL;
	if (v == NULL)
		return required ? field_fail(c, name, "is required") : 0;
	const char *s = json_string_value(v);
	size_t n = s != NULL ? json_string_length(v) : 0;
	if (s == NULL || n == 0 || n > max || strlen(s) != n)
		return field_fail(c, name, "must be a non-empty string within its length");
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 || s[i] == 0x7f) && !(lines && (s[i] == '\n' || s[i] == '\r')))
			return field_fail(c, name, "must not hold control characters");
	*out = s;
	return 0;
}

int act_str(ccspd_call *c, const char *name, int required, size_t max, const char **out)
{
	return string_member(c, name, required, max, 0, out);
}

int act_text(ccspd_call *c, const char *name, int required, size_t max, const char **out)
{
	return string_member(c, name, required, max, 1, out);
}

int act_int(ccspd_call *c, const char *name, int64_t lo, int64_t hi, int64_t def, int64_t *out)
{
	json_t *v = json_object_get(c->body, name);
	*out = def;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return field_fail(c, name, "must be an integer in range");
	*out = (int64_t)json_integer_value(v);
	return 0;
}

int act_id(ccspd_call *c, const char *name, int required, const char **out)
{
	if (act_str(c, name, required, CCSP_STORE_ID_LEN, out) != 0)
		return -1;
	if (*out != NULL && (strlen(*out) != CCSP_STORE_ID_LEN || !ccsp_is_hex(*out, CCSP_STORE_ID_LEN)))
		return field_fail(c, name, "must be an id (32 hex digits)");
	return 0;
}

void act_wipe(ccspd_call *c, const char *name)
{
	json_t *v = json_object_get(c->body, name);
	const char *s = json_string_value(v);
	if (s != NULL) /* jansson owns a private copy of the text: overwritten in place, never shared */
		ccsp_memzero((char *)s, json_string_length(v));
}

ccsp_apierr act_apierr(ccsp_err e)
{
	switch (e) {
	case CCSP_ERR_NOT_FOUND: return CCSP_APIERR_NOT_FOUND;
	case CCSP_ERR_EXISTS: return CCSP_APIERR_CONFLICT;
	case CCSP_ERR_BUSY: return CCSP_APIERR_UNAVAILABLE;
	case CCSP_ERR_LIMIT: return CCSP_APIERR_RATE_LIMITED;
	case CCSP_ERR_MODULE_STATE:
	case CCSP_ERR_COMM: return CCSP_APIERR_CRYPTO_MODULE;
	default: return CCSP_APIERR_INTERNAL;
	}
}

void act_fail(ccspd_call *c, ccsp_err e, const char *message)
{
	ccsp_apierr a = act_apierr(e);
	if (a == CCSP_APIERR_INTERNAL || a == CCSP_APIERR_UNAVAILABLE || a == CCSP_APIERR_CRYPTO_MODULE)
		ccsp_log_event(c->d->log, "error", "ccspd.action", "requestId", ccsp_http_req_id(c->req), "path",
		               ccsp_http_req_path(c->req), "detail", ccsp_err_name(e), (char *)NULL);
	ccspd_call_fail(c, a, a == CCSP_APIERR_INTERNAL ? NULL : message);
}

ccsp_err act_job_refuse(act_job *j, ccsp_apierr err, const char *msg)
{
	j->err = err;
	j->msg = msg;
	return CCSP_OK;
}

void act_job_result(act_job *j, json_t *result)
{
	act_result_free(j->result);
	j->result = result;
	j->err = CCSP_APIERR_COUNT_;
}

void act_job_run(act_job *j, ccsp_store_fn fn, void *arg)
{
	j->err = CCSP_APIERR_INTERNAL;
	ccsp_err ret = ccsp_store_run(j->c->d->store, fn, arg);
	if (j->err != CCSP_APIERR_INTERNAL && j->err != CCSP_APIERR_COUNT_)
		ccspd_call_fail(j->c, j->err, j->msg); /* a refusal stands whatever the commit said */
	else if (ret != CCSP_OK)
		act_fail(j->c, ret, ret == CCSP_ERR_EXISTS ? j->msg : NULL);
	else if (j->err != CCSP_APIERR_COUNT_)
		ccspd_call_fail(j->c, j->err, j->msg);
	else
		ccspd_call_ok(j->c, json_incref(j->result));
	act_result_free(j->result);
	j->result = NULL;
}

ccsp_err act_me(ccspd_call *c, ccsp_store_tx *tx, ccsp_store_principal *me)
{
	if (c->who->kind != CCSPD_CALLER_PERSON)
		return CCSP_ERR_NOT_FOUND;
	return ccsp_store_principal_get(tx, c->who->tenant_id[0] != '\0' ? c->who->tenant_id : NULL, c->who->id, me);
}

static const char *status_name(ccsp_store_status s)
{
	return s == CCSP_STORE_ACTIVE ? "active" : "disabled";
}

json_t *act_principal_json(const ccsp_store_principal *p)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:I, s:I}", "id", p->id, "login", p->login, "role",
	                      ccsp_store_role_name(p->role), "status", status_name(p->status), "mustChange",
	                      p->must_change, "secondFactor", p->sm2_pub_len > 0, "created", (json_int_t)p->created,
	                      "lockedUntil", (json_int_t)p->locked_until);
	if (o != NULL && p->tenant_id[0] != '\0')
		json_object_set_new(o, "tenantId", json_string(p->tenant_id));
	return o;
}

json_t *act_tenant_json(const ccsp_store_tenant *t)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "id", t->id, "name", t->name, "status", status_name(t->status),
	                      "created", (json_int_t)t->created);
	if (o != NULL && t->parent_id[0] != '\0')
		json_object_set_new(o, "parentId", json_string(t->parent_id));
	return o;
}

json_t *act_app_json(const ccsp_store_app *a)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:I}", "id", a->id, "name", a->name, "accessKey",
	                 a->access_key, "status", status_name(a->status), "hmac", a->secret_ct_len > 0, "sm2",
	                 a->sm2_pub_len > 0, "created", (json_int_t)a->created);
}

ccsp_err act_sm2_public(const char *b64, uint8_t point[65], ccsp_sm2_key **key)
{
	uint8_t buf[256];
	size_t len = 0, n = strlen(b64);
	ccsp_sm2_key *k = ccsp_sm2_key_new();
	ccsp_err ret = k == NULL ? CCSP_ERR_NOMEM : CCSP_ERR_KEY;
	*key = NULL;
	if (k != NULL && strstr(b64, "-----BEGIN") != NULL) { /* PEM text: read as a key file, public only */
		ccsp_sm2_key_format fmt;
		ret = ccsp_sm2_key_decode(k, (const uint8_t *)b64, n, NULL, 0, &fmt);
		if (ret == CCSP_OK && fmt != CCSP_SM2_KEY_SPKI)
			ret = CCSP_ERR_KEY;
	} else if (k == NULL || n > CCSP_B64_LEN(sizeof buf) ||
	           ccsp_b64_decode(b64, n, buf, sizeof buf, &len) != CCSP_OK) {
		goto out;
	} else if (len == 64) {
		point[0] = 0x04;
		memcpy(point + 1, buf, 64);
		ret = ccsp_sm2_key_set_public(k, point, 65);
	} else if (len == 65) {
		ret = ccsp_sm2_key_set_public(k, buf, len);
	} else { /* a public key only: a private key sent by mistake is refused, never used */
		ccsp_sm2_key_format fmt;
		ret = ccsp_sm2_key_decode(k, buf, len, NULL, 0, &fmt);
		if (ret == CCSP_OK && fmt != CCSP_SM2_KEY_SPKI)
			ret = CCSP_ERR_KEY;
	}
	if (ret == CCSP_OK)
		ret = ccsp_sm2_key_get_public(k, point);
	if (ret != CCSP_OK)
		ret = CCSP_ERR_KEY;
out:
	ccsp_memzero(buf, sizeof buf);
	if (ret != CCSP_OK)
		ccsp_sm2_key_free(k);
	else
		*key = k;
	return ret;
}

void act_set_password(ccsp_store_principal *p, const ccsp_password_hash *h)
{
	memcpy(p->pw_hash, h->hash, sizeof h->hash);
	p->pw_hash_len = sizeof h->hash;
	memcpy(p->pw_salt, h->salt, sizeof h->salt);
	p->pw_salt_len = sizeof h->salt;
	p->pw_iter = h->iterations;
}

void act_result_free(json_t *result)
{
	static const char *const secret[] = {"token", "secret", "oneTimePassword"};
	for (size_t i = 0; result != NULL && i < sizeof secret / sizeof secret[0]; i++)
		if (json_string_value(json_object_get(result, secret[i])) != NULL)
			ccsp_memzero((char *)json_string_value(json_object_get(result, secret[i])),
			             json_string_length(json_object_get(result, secret[i])));
	json_decref(result);
}

/* x || y as a SubjectPublicKeyInfo, DER (pem 0) or PEM (pem 1, NUL-terminated). */
static ccsp_err public_encode(const uint8_t pub[64], int pem, uint8_t *out, size_t cap, size_t *len)
{
	uint8_t point[65] = {0x04};
	ccsp_sm2_key *k = ccsp_sm2_key_new();
	memcpy(point + 1, pub, 64);
	ccsp_err ret = k != NULL ? ccsp_sm2_key_set_public(k, point, sizeof point) : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK)
		ret = ccsp_sm2_key_encode(k, CCSP_SM2_KEY_SPKI, pem, NULL, 0, out, cap, len);
	ccsp_sm2_key_free(k);
	return ret;
}

ccsp_err act_sm2_public_pem(const uint8_t pub[64], char pem[CCSP_SM2_KEY_FILE_MAX + 1])
{
	size_t len = 0;
	ccsp_err ret = public_encode(pub, 1, (uint8_t *)pem, CCSP_SM2_KEY_FILE_MAX, &len);
	if (ret == CCSP_OK)
		pem[len] = '\0';
	return ret;
}

ccsp_err act_sm2_public_spki(const uint8_t pub[64], uint8_t *der, size_t cap, size_t *len)
{
	return public_encode(pub, 0, der, cap, len);
}

ccsp_err act_probe_device(const char *conf, ccsp_store_pool_device *dev)
{
	ccsp_pvsm *v = NULL;
	char vendor[CCSP_PVSM_INFO_MAX + 1], model[CCSP_PVSM_INFO_MAX + 1], serial[CCSP_PVSM_INFO_MAX + 1];
	ccsp_err ret = ccsp_pvsm_open(conf, 1, &v);
	if (ret == CCSP_OK)
		ret = ccsp_pvsm_info(v, vendor, model, serial);
	ccsp_pvsm_close(v);
	if (ret == CCSP_OK) {
		snprintf(dev->vendor, sizeof dev->vendor, "%s", vendor);
		snprintf(dev->model, sizeof dev->model, "%s", model);
		snprintf(dev->serial, sizeof dev->serial, "%s", serial);
	}
	return ret;
}

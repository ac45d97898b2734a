/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Using a KMS key for one operation (act_kms.h "kms_use"): what every application crypto action with a key shares —
 * finding the key in the caller's tenant, the spec's and the state's permission, the version and its wrapped
 * material, and the answers. The key is read in a read-only store transaction, so that key uses never queue on
 * SQLite's write lock; only a key past its deletion due date is read again in a read-write one, which destroys it
 * first (lazy destruction).
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>

#include "ccspd/act_kms.h"
#include "common/b64.h"

static ccsp_err refuse(kms_use *u, ccsp_apierr err, const char *msg)
{
	u->err = err;
	u->msg = msg;
	return CCSP_OK;
}

/* The key's spec and state permit u->op: CCSP_OK, or a refusal recorded in u. */
static int permitted(kms_use *u, const ccsp_store_kms_key *k)
{
	u->kind = ccsp_kms_spec_parse(k->spec);
	if (!ccsp_kms_spec_permits(u->kind, u->op)) {
		snprintf(u->msgbuf, sizeof u->msgbuf, "a %s key cannot %s", k->spec, ccsp_kms_op_name(u->op));
		refuse(u, CCSP_APIERR_KEY_USAGE, u->msgbuf);
		return 0;
	}
	int new_work = ccsp_kms_op_new_work(u->op);
	if (!(new_work ? ccsp_kms_may_encrypt(k->state) : ccsp_kms_may_decrypt(k->state))) {
		snprintf(u->msgbuf, sizeof u->msgbuf, "the key is %s: %s refused", ccsp_kms_state_name(k->state),
		         ccsp_kms_op_name(u->op));
		refuse(u, CCSP_APIERR_KEY_STATE, u->msgbuf);
		return 0;
	}
	return 1;
}

/* The version's material into u, or a refusal. */
static ccsp_err take_version(kms_use *u, ccsp_store_tx *tx, const ccsp_store_kms_key *k)
{
	ccsp_store_kms_version v;
	ccsp_err ret = ccsp_store_kms_version_get(tx, k->tenant_id, k->id, u->version, &v);
	if (ret == CCSP_ERR_NOT_FOUND && u->op == CCSP_KMS_OP_DECRYPT)
		return refuse(u, CCSP_APIERR_CIPHERTEXT, NULL); /* a version the key never had */
	if (ret == CCSP_ERR_NOT_FOUND) {
		snprintf(u->msgbuf, sizeof u->msgbuf, "the key has no version %lld", (long long)u->version);
		return refuse(u, CCSP_APIERR_INVALID_PARAM, u->msgbuf);
	}
	CCSP_GUARD(ret);
	int public_only = u->op == CCSP_KMS_OP_VERIFY || u->op == CCSP_KMS_OP_GET_PUBLIC_KEY;
	if (ccsp_kms_spec_is_pair(u->kind) && v.public_key_len != sizeof u->pub)
		ret = CCSP_ERR_TAMPERED;
	else if (v.wrapped_len == 0 && !public_only)
		refuse(u, CCSP_APIERR_KEY_STATE, "the key version is destroyed");
	else if (ccsp_kms_op_new_work(u->op) && v.compromised)
		refuse(u, CCSP_APIERR_KEY_STATE, "the key version is compromised");
	else {
		memcpy(u->w.bytes, v.wrapped, v.wrapped_len);
		u->w.len = v.wrapped_len;
		u->w.kek_index = v.kek_index;
		memcpy(u->pub, v.public_key, v.public_key_len);
		u->err = CCSP_APIERR_COUNT_;
	}
	ccsp_memzero(&v, sizeof v);
	return ret;
}

static ccsp_err load_fn(ccsp_store_tx *tx, void *arg)
{
	kms_use *u = arg;
	ccsp_store_kms_key k;
	ccsp_err ret = kms_key_find(u->c, tx, &u->sel, &k);
	if (ret == CCSP_ERR_NOT_FOUND)
		return refuse(u, CCSP_APIERR_NOT_FOUND, NULL);
	CCSP_GUARD(ret);
	if (u->ro && ccsp_kms_deletion_due(k.state, k.deletion_due, u->now)) {
		u->due = 1;
		return CCSP_OK;
	}
	CCSP_GUARD(kms_destroy_if_due(u->c, tx, &k, u->now)); /* read-write only: due keys never reach it read-only */
	memcpy(u->key_id, k.id, sizeof u->key_id);
	memcpy(u->group, k.group_id, sizeof u->group);
	if (!permitted(u, &k))
		return CCSP_OK;
	if (u->version == 0 || ccsp_kms_op_new_work(u->op))
		u->version = k.primary_version;
	return take_version(u, tx, &k);
}

int kms_use_load(kms_use *u)
{
	ccsp_store_tx *tx = NULL;
	u->err = CCSP_APIERR_INTERNAL;
	u->now = ccspd_now_ms(u->c->d);
	u->ro = 1;
	u->due = 0;
	ccsp_err ret = ccsp_store_begin_ro(u->c->d->store, &tx);
	if (ret == CCSP_OK)
		ret = load_fn(tx, u);
	ccsp_store_rollback(tx);
	if (ret == CCSP_ERR_BUSY || (ret == CCSP_OK && u->due)) {
		u->ro = 0;
		u->err = CCSP_APIERR_INTERNAL;
		ret = ccsp_store_run(u->c->d->store, load_fn, u);
	}
	if (u->key_id[0] != '\0')
		ccspd_meter_key(u->c, u->key_id); /* metering: this call used (or tried) that key */
	if (ret != CCSP_OK)
		act_fail(u->c, ret, NULL);
	else if (u->err != CCSP_APIERR_COUNT_)
		ccspd_call_fail(u->c, u->err, u->msg);
	return ret == CCSP_OK && u->err == CCSP_APIERR_COUNT_ ? 0 : -1;
}

void kms_use_ok(kms_use *u, json_t *o)
{
	if (o == NULL || json_object_set_new(o, "keyId", json_string(u->key_id)) != 0 ||
	    json_object_set_new(o, "version", json_integer(u->version)) != 0) {
		json_decref(o);
		act_fail(u->c, CCSP_ERR_NOMEM, NULL);
		return;
	}
	ccspd_call_ok(u->c, o);
}

void kms_use_ok_b64(kms_use *u, const char *name, const uint8_t *data, size_t len)
{
	char *b64 = malloc(CCSP_B64_LEN(len) + 1);
	if (b64 == NULL) {
		act_fail(u->c, CCSP_ERR_NOMEM, NULL);
		return;
	}
	ccsp_b64_encode(data, len, b64);
	json_t *o = json_pack("{s:s}", name, b64);
	ccsp_memzero(b64, CCSP_B64_LEN(len) + 1);
	free(b64);
	kms_use_ok(u, o);
}

void kms_use_fail(kms_use *u, ccsp_err ret, ccsp_apierr auth_api)
{
	if (ret == CCSP_ERR_AUTH) {
		ccspd_call_fail(u->c, auth_api, NULL);
		return;
	}
	if (ret == CCSP_ERR_KEY) { /* stored material the module does not unwrap: altered, or another module's */
		ccsp_log_event(u->c->d->log, "error", "ccspd.kms.material", "requestId", ccsp_http_req_id(u->c->req),
		               "keyId", u->key_id,
		               "detail", ccsp_kms_wrap_is_legacy(&u->w)
		                                 ? "the key is stored in the SM4-ECB wrap, which kms_legacy_wraps refuses"
		                                 : "the crypto module refuses the key's wrapped material",
		               (char *)NULL);
		ccspd_call_fail(u->c, CCSP_APIERR_INTERNAL, NULL);
		return;
	}
	act_fail(u->c, ret == CCSP_ERR_MODULE_STATE || ret == CCSP_ERR_NOMEM ? ret : CCSP_ERR_COMM, NULL);
}

void kms_use_wipe(kms_use *u)
{
	ccsp_memzero(&u->w, sizeof u->w);
}

int kms_b64_member(ccspd_call *c, const char *name, size_t max, int may_be_empty, uint8_t **out, size_t *len)
{
	json_t *v = json_object_get(c->body, name);
	const char *s = json_string_value(v);
	size_t n = s != NULL ? json_string_length(v) : 0;
	*out = NULL;
	*len = 0;
	uint8_t *buf = s != NULL && n <= CCSP_B64_LEN(max) ? malloc(n / 4 * 3 + 3) : NULL;
	if (buf == NULL || ccsp_b64_decode(s, n, buf, n / 4 * 3 + 3, len) != CCSP_OK || (*len == 0 && !may_be_empty) ||
	    *len > max) {
		kms_b64_free(buf, n / 4 * 3 + 3);
		char msg[96];
		snprintf(msg, sizeof msg, "%s must be Base64 of %d..%zu bytes", name, may_be_empty ? 0 : 1, max);
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM, msg);
		return -1;
	}
	*out = buf;
	return 0;
}

void kms_b64_free(uint8_t *buf, size_t len)
{
	if (buf != NULL)
		ccsp_memzero(buf, len);
	free(buf);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Split-knowledge backup and recovery of KMS keys (KM-9; docs/api-ccspd.md "Backup by split knowledge"), by the
 * security administrator with the key custodians (secadmin/custodian-add):
 *   secadmin/key-backup {tenantId, keyId, version?, m, custodians: [custodian ids]} -> the shares: n of them, any m
 *        recombine the key; share i SM2-encrypted inside the VSM to custodian i's public key (nothing in plaintext
 *        leaves the VSM), answered for the secadmin to hand over
 *   secadmin/key-recover-params {tenantId, spec} -> an import token and public key (kms_import_params)
 *   secadmin/key-recover {tenantId, importToken, shares, publicKey?, keyId?, version?, alias?, description?}
 *        (act_kms.c) -> the key recreated in the tenant, origin "recovered": each custodian decrypted their share
 *        with their own key and encrypted it to the token's public key; m of them are recombined inside the VSM.
 * Audited: kms.key-backup (key, version, m, the custodians), kms.recover-params, kms.key-recover.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>

#include "ccspd/act_kms.h"
#include "common/b64.h"
#include "platform/kms_byok.h"
#include "platform/store/store_custodian.h"

typedef struct backup_job {
	ccspd_call *c;
	const char *tenant, *key_id;
	int64_t version, m;
	json_t *custodian_ids;
	size_t n;
	ccsp_store_kms_key k;
	ccsp_kms_wrapped w;
	uint8_t pub[CCSP_KMS_PUBLIC_SIZE];
	ccsp_store_custodian cust[CCSP_KMS_SHARES_MAX];
	ccsp_apierr err;
	const char *msg;
} backup_job;

static ccsp_err refuse(backup_job *j, ccsp_apierr err, const char *msg)
{
	j->err = err;
	j->msg = msg;
	return CCSP_OK;
}

ccsp_err kms_custodians_get(ccsp_store_tx *tx, json_t *ids, size_t n, ccsp_store_custodian *cust, ccsp_apierr *err,
                           const char **msg)
{
	for (size_t i = 0; i < n; i++) {
		ccsp_err ret = ccsp_store_custodian_get(tx, json_string_value(json_array_get(ids, i)), &cust[i]);
		if (ret == CCSP_ERR_NOT_FOUND) {
			*err = CCSP_APIERR_NOT_FOUND;
			*msg = "no such custodian";
			return CCSP_OK;
		}
		CCSP_GUARD(ret);
		for (size_t k = 0; k < i; k++)
			if (strcmp(cust[k].id, cust[i].id) == 0) {
				*err = CCSP_APIERR_INVALID_PARAM;
				*msg = "custodians must be distinct (one share each)";
				return CCSP_OK;
			}
	}
	*err = CCSP_APIERR_COUNT_;
	return CCSP_OK;
}

/* The key, its version's material and the custodians, checked. */
static ccsp_err backup_check_fn(ccsp_store_tx *tx, void *arg)
{
	backup_job *j = arg;
	j->err = CCSP_APIERR_INTERNAL;
	ccsp_err ret = ccsp_store_kms_key_get(tx, j->tenant, j->key_id, &j->k);
	if (ret == CCSP_ERR_NOT_FOUND || (ret == CCSP_OK && j->k.state == CCSP_KMS_DESTROYED))
		return refuse(j, CCSP_APIERR_NOT_FOUND, "no such key in that tenant (or it is destroyed)");
	CCSP_GUARD(ret);
	CCSP_GUARD(kms_custodians_get(tx, j->custodian_ids, j->n, j->cust, &j->err, &j->msg));
	if (j->err != CCSP_APIERR_COUNT_)
		return CCSP_OK;
	return kms_version_out(tx, &j->k, &j->version, &j->w, j->pub, &j->err, &j->msg);
}

static ccsp_err backup_audit_fn(ccsp_store_tx *tx, void *arg)
{
	backup_job *j = arg;
	return ccspd_audit(j->c, tx, "kms.key-backup", j->k.id, "ok",
	                   json_pack("{s:s, s:I, s:I, s:I, s:O}", "tenantId", j->k.tenant_id, "version",
	                             (json_int_t)j->version, "m", (json_int_t)j->m, "n", (json_int_t)j->n, "custodians",
	                             j->custodian_ids));
}

json_t *kms_shares_json(const ccsp_store_custodian *cust, size_t n, uint8_t (*shares)[CCSP_KMS_SHARE_CT_MAX],
                        const size_t *lens)
{
	json_t *list = json_array();
	for (size_t i = 0; list != NULL && i < n; i++) {
		uint8_t der[CCSP_KMS_BYOK_DER_MAX];
		char b64[CCSP_B64_LEN(CCSP_KMS_BYOK_DER_MAX) + 1];
		size_t derlen = 0;
		if (ccsp_kms_sm2_ct_write(shares[i], lens[i], der, sizeof der, &derlen) != CCSP_OK) {
			json_decref(list);
			return NULL;
		}
		ccsp_b64_encode(der, derlen, b64);
		json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "custodianId", cust[i].id, "name", cust[i].name,
		                                      "share", b64));
	}
	return list;
}

int kms_custodians_parse(ccspd_call *c, int64_t *m, json_t **ids, size_t *n)
{
	*ids = json_object_get(c->body, "custodians");
	*n = json_array_size(*ids);
	if (act_int(c, "m", 2, CCSP_KMS_SHARES_MAX, 0, m) != 0)
		return -1;
	for (size_t i = 0; i < *n; i++) {
		const char *id = json_string_value(json_array_get(*ids, i));
		if (id == NULL || strlen(id) != CCSP_STORE_ID_LEN)
			*n = 0;
	}
	if (*m == 0 || *n < (size_t)*m || *n > CCSP_KMS_SHARES_MAX) {
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM,
		                "m (2..16) and custodians (an array of m..16 custodian ids) are required");
		return -1;
	}
	return 0;
}

void ccspd_act_secadmin_key_backup(ccspd_call *c)
{
	backup_job j = {.c = c, .err = CCSP_APIERR_INTERNAL};
	uint8_t custodians[CCSP_KMS_SHARES_MAX][CCSP_KMS_PUBLIC_SIZE];
	uint8_t shares[CCSP_KMS_SHARES_MAX][CCSP_KMS_SHARE_CT_MAX];
	size_t lens[CCSP_KMS_SHARES_MAX];
	ccsp_kms_vsm v;
	if (act_id(c, "tenantId", 1, &j.tenant) != 0 || act_id(c, "keyId", 1, &j.key_id) != 0 ||
	    act_int(c, "version", 1, INT32_MAX, 0, &j.version) != 0 ||
	    kms_custodians_parse(c, &j.m, &j.custodian_ids, &j.n) != 0)
		return;
	ccsp_err ret = ccsp_store_run(c->d->store, backup_check_fn, &j);
	if (ret != CCSP_OK || j.err != CCSP_APIERR_COUNT_) {
		if (ret != CCSP_OK)
			act_fail(c, ret, NULL);
		else
			ccspd_call_fail(c, j.err, j.msg);
		goto out;
	}
	for (size_t i = 0; i < j.n; i++)
		memcpy(custodians[i], j.cust[i].public_key + 1, CCSP_KMS_PUBLIC_SIZE);
	kms_vsm_of(c->d, j.k.group_id, &v);
	ret = v.ops->backup(v.ctx, ccsp_kms_spec_parse(j.k.spec), &j.w, (unsigned)j.m, (unsigned)j.n,
	                    (const uint8_t(*)[CCSP_KMS_PUBLIC_SIZE])custodians, shares, lens);
	if (ret != CCSP_OK) {
		act_fail(c, ret == CCSP_ERR_MODULE_STATE ? ret : CCSP_ERR_COMM, NULL);
		goto out;
	}
	json_t *list = kms_shares_json(j.cust, j.n, shares, lens);
	ret = list != NULL ? ccsp_store_run(c->d->store, backup_audit_fn, &j) : CCSP_ERR_NOMEM; /* audited first */
	if (ret != CCSP_OK) {
		json_decref(list);
		act_fail(c, ret, NULL);
		goto out;
	}
	json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:I, s:I, s:o}", "keyId", j.k.id, "tenantId", j.k.tenant_id,
	                      "version", (json_int_t)j.version, "spec", j.k.spec, "m", (json_int_t)j.m, "n",
	                      (json_int_t)j.n, "shares", list);
	if (o != NULL && ccsp_kms_spec_is_pair(ccsp_kms_spec_parse(j.k.spec))) {
		char hex[2 * CCSP_KMS_PUBLIC_SIZE + 1];
		ccsp_hex_encode(j.pub, sizeof j.pub, hex);
		json_object_set_new(o, "publicKey", json_string(hex)); /* x || y: recovery checks d against it */
	}
	ccspd_call_ok(c, o);
out:
	ccsp_memzero(&j.w, sizeof j.w);
}

void ccspd_act_secadmin_key_recover_params(ccspd_call *c)
{
	const char *tenant = NULL;
	if (act_id(c, "tenantId", 1, &tenant) == 0)
		kms_import_params(c, tenant, "kms.recover-params");
}

int kms_recover_unwrap(ccspd_call *c, const char *tenant, const char *token, json_t *shares_in,
                       const uint8_t pub[CCSP_KMS_PUBLIC_SIZE], ccsp_kms_spec *kind, ccsp_kms_wrapped *w,
                       char group[CCSP_STORE_ID_LEN + 1])
{
	ccsp_store_kms_import im;
	uint8_t shares[CCSP_KMS_SHARES_MAX][CCSP_KMS_SHARE_CT_MAX];
	size_t lens[CCSP_KMS_SHARES_MAX], m = json_array_size(shares_in);
	ccsp_kms_vsm v;
	if (!json_is_array(shares_in) || m < 2 || m > CCSP_KMS_SHARES_MAX) {
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM, "shares must be an array of 2..16 shares");
		return -1;
	}
	for (size_t i = 0; i < m; i++) {
		const char *s = json_string_value(json_array_get(shares_in, i));
		uint8_t der[CCSP_KMS_BYOK_DER_MAX], raw[CCSP_KMS_BYOK_CT_MAX];
		size_t derlen = 0, rawlen = 0;
		if (s == NULL || strlen(s) > CCSP_B64_LEN(sizeof der) ||
		    ccsp_b64_decode(s, strlen(s), der, sizeof der, &derlen) != CCSP_OK ||
		    ccsp_kms_sm2_ct_read(der, derlen, raw, &rawlen) != CCSP_OK || rawlen > CCSP_KMS_SHARE_CT_MAX) {
			ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM, "each share must be Base64 of an SM2 ciphertext");
			return -1;
		}
		memcpy(shares[i], raw, rawlen);
		lens[i] = rawlen;
	}
	if (kms_import_row(c, tenant, token, &im) != 0)
		return -1;
	if (*kind == CCSP_KMS_SPEC_NONE)
		*kind = ccsp_kms_spec_parse(im.spec);
	ccsp_kms_wrapped import_key = {.len = im.wrapped_len, .kek_index = im.kek_index};
	memcpy(import_key.bytes, im.wrapped, im.wrapped_len);
	kms_vsm_of(c->d, im.group_id, &v);
	memcpy(group, im.group_id, CCSP_STORE_ID_LEN + 1);
	ccsp_err ret = v.ops->recover(v.ctx, *kind, v.kek_index, &import_key, (unsigned)m,
	                              (const uint8_t(*)[CCSP_KMS_SHARE_CT_MAX])shares, lens, pub, w);
	ccsp_memzero(&import_key, sizeof import_key);
	ccsp_memzero(&im, sizeof im);
	if (ret == CCSP_ERR_AUTH || ret == CCSP_ERR_KEY)
		ccspd_call_fail(c, CCSP_APIERR_CIPHERTEXT,
		                ret == CCSP_ERR_AUTH ? "a share is not encrypted to this token's public key"
		                                     : "the shares do not recombine to the key (too few, altered, another "
		                                       "key's, or a public key that does not match)");
	else if (ret != CCSP_OK)
		act_fail(c, ret == CCSP_ERR_MODULE_STATE || ret == CCSP_ERR_ARG ? ret : CCSP_ERR_COMM, NULL);
	return ret == CCSP_OK ? 0 : -1;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* What the KMS's actions share (act_kms.h): the key selector, lazy destruction, the key's JSON view. */
#include <string.h>

#include <ccsp/mem.h>

#include "ccspd/act_kms.h"

int kms_sel_parse(ccspd_call *c, kms_sel *sel)
{
	*sel = (kms_sel){0};
	if (act_id(c, "keyId", 0, &sel->key_id) != 0 ||
	    act_str(c, "alias", 0, CCSP_STORE_KMS_ALIAS_MAX, &sel->alias) != 0)
		return -1;
	if ((sel->key_id == NULL) == (sel->alias == NULL)) {
		ccspd_fail(c->d, c->req, CCSP_APIERR_INVALID_PARAM, "give exactly one of keyId, alias");
		return -1;
	}
	return 0;
}

ccsp_err kms_key_find(ccspd_call *c, ccsp_store_tx *tx, const kms_sel *sel, ccsp_store_kms_key *k)
{
	const char *tenant = c->who->tenant_id;
	char id[CCSP_STORE_ID_LEN + 1];
	if (tenant[0] == '\0')
		return CCSP_ERR_NOT_FOUND;
	if (sel->key_id != NULL)
		return ccsp_store_kms_key_get(tx, tenant, sel->key_id, k);
	CCSP_GUARD(ccsp_store_kms_alias_find(tx, tenant, sel->alias, id));
	return ccsp_store_kms_key_get(tx, tenant, id, k);
}

ccsp_err kms_destroy(ccspd *d, ccspd_call *c, ccsp_store_tx *tx, ccsp_store_kms_key *k, ccsp_kms_event event,
                     int64_t now, json_t *detail)
{
	ccsp_kms_state to;
	int64_t erased = 0, aliases = 0;
	ccsp_store_kms_key n = *k;
	ccsp_err ret = ccsp_kms_transition(k->state, event, &to);
	n.state = to;
	n.deletion_due = 0;
	n.updated = now;
	if (ret == CCSP_OK) /* first: claims the key (0 rows when another transaction changed it) */
		ret = ccsp_store_kms_key_update_from(tx, &n, k->state);
	if (ret == CCSP_OK)
		ret = ccsp_store_kms_versions_erase(tx, k->tenant_id, k->id, &erased);
	if (ret == CCSP_OK)
		ret = ccsp_store_kms_alias_delete_key(tx, k->tenant_id, k->id, &aliases);
	if (ret != CCSP_OK) {
		json_decref(detail);
		return ret;
	}
	json_object_set_new(detail, "from", json_string(ccsp_kms_state_name(k->state)));
	json_object_set_new(detail, "versionsErased", json_integer(erased));
	json_object_set_new(detail, "aliasesRemoved", json_integer(aliases));
	const char *action = event == CCSP_KMS_DESTROY_DUE ? "kms.key-destroy" : "kms.key-emergency-destroy";
	ret = c != NULL ? ccspd_audit(c, tx, action, k->id, "ok", detail)
	                : ccspd_audit_as(d, tx, "system", "system", k->tenant_id, action, k->id, "ok", detail);
	if (ret == CCSP_OK)
		*k = n;
	return ret;
}

ccsp_err kms_destroy_if_due(ccspd_call *c, ccsp_store_tx *tx, ccsp_store_kms_key *k, int64_t now)
{
	if (!ccsp_kms_deletion_due(k->state, k->deletion_due, now))
		return CCSP_OK;
	ccsp_err ret = kms_destroy(c->d, c, tx, k, CCSP_KMS_DESTROY_DUE, now,
	                           json_pack("{s:s, s:I}", "reason", "waiting period elapsed", "deletionDue",
	                                     (json_int_t)k->deletion_due));
	if (ret == CCSP_ERR_NOT_FOUND) /* destroyed meanwhile by another node's sweep: read it as it is now */
		ret = ccsp_store_kms_key_get(tx, k->tenant_id, k->id, k);
	return ret;
}

ccsp_err kms_destroy_due_all(ccspd_call *c, ccsp_store_tx *tx, int64_t now)
{
	char ids[64][CCSP_STORE_ID_LEN + 1];
	size_t n = 0;
	ccsp_store_kms_key k;
	if (c->who->tenant_id[0] == '\0')
		return CCSP_OK;
	CCSP_GUARD(ccsp_store_kms_key_due(tx, c->who->tenant_id, now, ids, sizeof ids / sizeof ids[0], &n));
	for (size_t i = 0; i < n; i++) { /* more than 64 due at once: the rest on the next read */
		CCSP_GUARD(ccsp_store_kms_key_get(tx, c->who->tenant_id, ids[i], &k));
		CCSP_GUARD(kms_destroy_if_due(c, tx, &k, now));
	}
	return CCSP_OK;
}

json_t *kms_key_json(const ccsp_store_kms_key *k, const char *alias)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:I, s:I}", "keyId", k->id, "spec", k->spec,
	                      "description", k->description, "state", ccsp_kms_state_name(k->state), "primaryVersion",
	                      (json_int_t)k->primary_version, "deletionDue",
	                      k->deletion_due > 0 ? json_integer(k->deletion_due) : json_null(), "created",
	                      (json_int_t)k->created, "updated", (json_int_t)k->updated);
	if (o != NULL && alias != NULL && alias[0] != '\0')
		json_object_set_new(o, "alias", json_string(alias));
	if (o != NULL) {
		json_object_set_new(o, "origin", json_string(ccsp_store_kms_origin_name(k->origin)));
		json_object_set_new(o, "rotationDays", json_integer(k->rotation_days));
		json_object_set_new(o, "nextRotation", k->state == CCSP_KMS_ENABLED
		                                           ? json_integer(k->rotated_at + k->rotation_days * CCSP_KMS_DAY_MS)
		                                           : json_null());
	}
	return o;
}

void kms_vsm_of(ccspd *d, const char *group, ccsp_kms_vsm *v)
{
	ccspd_sched s;
	ccsp_kms_vsm_pool(v, d->pool, group);
	v->legacy_wraps = d->kms_legacy_wraps;
	ccspd_pool_sched_get(d, &s);
	v->policy = ccspd_sched_policy(&s, NULL);
}

void kms_vsm_for_call(const ccspd_call *c, const char *group, ccsp_kms_vsm *v)
{
	ccspd_sched s;
	ccsp_kms_vsm_pool(v, c->d->pool, group);
	v->legacy_wraps = c->d->kms_legacy_wraps;
	if (c->who != NULL && c->who->kind == CCSPD_CALLER_APP)
		memcpy(v->app, c->who->id, sizeof v->app);
	ccspd_pool_sched_get(c->d, &s);
	v->policy = ccspd_sched_policy(&s, v->app); /* "": a person's, the stable version */
}

ccsp_err kms_version_out(ccsp_store_tx *tx, const ccsp_store_kms_key *k, int64_t *version, ccsp_kms_wrapped *w,
                         uint8_t pub[CCSP_KMS_PUBLIC_SIZE], ccsp_apierr *err, const char **msg)
{
	ccsp_store_kms_version v;
	if (*version == 0)
		*version = k->primary_version;
	ccsp_err ret = ccsp_store_kms_version_get(tx, k->tenant_id, k->id, *version, &v);
	if (ret == CCSP_ERR_NOT_FOUND) {
		*err = CCSP_APIERR_INVALID_PARAM;
		*msg = "the key has no such version";
		return CCSP_OK;
	}
	CCSP_GUARD(ret);
	if (v.wrapped_len == 0 || v.compromised) {
		*err = CCSP_APIERR_KEY_STATE;
		*msg = v.compromised ? "the key version is compromised" : "destroyed";
	} else {
		memcpy(w->bytes, v.wrapped, v.wrapped_len);
		w->len = v.wrapped_len;
		w->kek_index = v.kek_index;
		memcpy(pub, v.public_key, v.public_key_len);
		*err = CCSP_APIERR_COUNT_;
	}
	ccsp_memzero(&v, sizeof v);
	return CCSP_OK;
}

ccsp_err kms_group_of_tenant(ccspd *d, const char *tenant, char group[CCSP_STORE_ID_LEN + 1])
{
	ccsp_store_tx *tx = NULL;
	ccsp_store_pool_group g;
	ccsp_err ret = ccsp_store_begin_ro(d->store, &tx);
	if (ret == CCSP_OK)
		ret = ccsp_store_pool_group_of_tenant(tx, tenant, &g);
	ccsp_store_rollback(tx);
	if (ret == CCSP_OK)
		memcpy(group, g.id, CCSP_STORE_ID_LEN + 1);
	return ret;
}

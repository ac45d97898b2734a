/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KMS's emergency actions behind the two-person rule (KM-7, KM-11; docs/api-ccspd.md "kms", "approval"):
 *   kms/key-mark-compromised  {keyId | alias}  (tenant administrator) -> a pending request, kind "key-compromise"
 *   kms/key-emergency-destroy {keyId | alias}  (tenant administrator) -> a pending request, kind
 *                                                                        "key-emergency-destroy"
 * Nothing changes until a security administrator approves the request (approval/approve, act_approval.c): then,
 * in the approval's transaction, the key named by the request's target "<tenant id>/<key id>" is read in that
 * tenant only, checked again against the lifecycle (kms_state.h) and changed: mark-compromised stops encryption at
 * once and keeps decryption; emergency-destroy erases the wrapped material now, without a waiting period.
 * Audited at the request (approval.request), the decision (approval.approve / approval.reject) and the execution
 * (kms.key-mark-compromised / kms.key-emergency-destroy).
 */
#include <string.h>

#include "ccspd/act_kms.h"
#include "ccspd/approval.h"

typedef struct emerg_job {
	ccspd_call *c;
	kms_sel sel;
	ccsp_kms_event event;
	const char *kind;
	int64_t now;
	ccsp_apierr err; /* CCSP_APIERR_COUNT_: success */
	const char *msg;
	char msgbuf[96];
	json_t *result;
} emerg_job;

static ccsp_kms_event event_of(const char *kind)
{
	return strcmp(kind, KMS_KIND_COMPROMISE) == 0 ? CCSP_KMS_MARK_COMPROMISED : CCSP_KMS_EMERGENCY_DESTROY;
}

int kms_emergency_kind(const char *kind)
{
	return strcmp(kind, KMS_KIND_COMPROMISE) == 0 || strcmp(kind, KMS_KIND_EMERGENCY_DESTROY) == 0;
}

static void refused_msg(char *msg, size_t msglen, ccsp_kms_state s, ccsp_kms_event e)
{
	snprintf(msg, msglen, "the key is %s: %s refused", ccsp_kms_state_name(s), ccsp_kms_event_name(e));
}

/* ---- the request ---- */

static ccsp_err request_fn(ccsp_store_tx *tx, void *arg)
{
	emerg_job *j = arg;
	ccsp_store_kms_key k;
	ccsp_store_approval a;
	char target[2 * CCSP_STORE_ID_LEN + 2], alias[CCSP_STORE_KMS_ALIAS_MAX + 1];
	j->err = CCSP_APIERR_INTERNAL; /* this run's answer (ccsp_store_run may run it again) */
	ccsp_err ret = kms_key_find(j->c, tx, &j->sel, &k);
	if (ret == CCSP_ERR_NOT_FOUND) {
		j->err = CCSP_APIERR_NOT_FOUND;
		j->msg = NULL;
		return CCSP_OK;
	}
	CCSP_GUARD(ret);
	CCSP_GUARD(kms_destroy_if_due(j->c, tx, &k, j->now));
	if (!ccsp_kms_allowed(k.state, j->event)) { /* asked now, not only when approved: nothing is filed */
		refused_msg(j->msgbuf, sizeof j->msgbuf, k.state, j->event);
		j->err = CCSP_APIERR_KEY_STATE;
		j->msg = j->msgbuf;
		return CCSP_OK;
	}
	CCSP_GUARD(ccsp_store_kms_alias_of(tx, k.tenant_id, k.id, alias));
	memcpy(target, k.tenant_id, CCSP_STORE_ID_LEN);
	target[CCSP_STORE_ID_LEN] = '/';
	memcpy(target + CCSP_STORE_ID_LEN + 1, k.id, CCSP_STORE_ID_LEN + 1);
	json_t *detail = json_pack("{s:s, s:s, s:s?, s:s, s:I, s:s}", "tenantId", k.tenant_id, "keyId", k.id, "alias",
	                           alias[0] != '\0' ? alias : NULL, "keyState", ccsp_kms_state_name(k.state),
	                           "primaryVersion", (json_int_t)k.primary_version, "requester", j->c->who->name);
	ret = ccspd_approval_request(j->c, tx, j->kind, target, detail, k.id, &a);
	if (ret == CCSP_ERR_EXISTS)
		j->msg = "a request of this kind for this key is pending already";
	CCSP_GUARD(ret);
	json_decref(j->result);
	j->result = ccspd_approval_json(&a);
	j->err = CCSP_APIERR_COUNT_;
	return j->result != NULL ? CCSP_OK : CCSP_ERR_NOMEM;
}

static void request(ccspd_call *c, ccsp_kms_event event, const char *kind)
{
	emerg_job j = {.c = c, .event = event, .kind = kind};
	if (kms_sel_parse(c, &j.sel) != 0)
		return;
	j.now = ccspd_now_ms(c->d);
	ccsp_err ret = ccsp_store_run(c->d->store, request_fn, &j);
	if (ret != CCSP_OK) /* a pending request of the same kind and key fails the transaction: rolled back */
		act_fail(c, ret, ret == CCSP_ERR_EXISTS ? j.msg : NULL);
	else if (j.err != CCSP_APIERR_COUNT_)
		ccspd_fail(c->d, c->req, j.err, j.msg);
	else
		ccspd_ok(c->req, json_incref(j.result));
	json_decref(j.result);
}

void ccspd_act_kms_key_mark_compromised(ccspd_call *c)
{
	request(c, CCSP_KMS_MARK_COMPROMISED, KMS_KIND_COMPROMISE);
}

void ccspd_act_kms_key_emergency_destroy(ccspd_call *c)
{
	request(c, CCSP_KMS_EMERGENCY_DESTROY, KMS_KIND_EMERGENCY_DESTROY);
}

/* ---- the approval's check and execution ---- */

ccsp_err kms_emergency_check(ccsp_store_tx *tx, const ccsp_store_approval *a, ccsp_store_kms_key *k, char *msg,
                             size_t msglen)
{
	char tenant[CCSP_STORE_ID_LEN + 1], id[CCSP_STORE_ID_LEN + 1];
	ccsp_kms_event ev = event_of(a->kind);
	const char *slash = strchr(a->target, '/');
	if (slash == NULL || slash - a->target != CCSP_STORE_ID_LEN || strlen(slash + 1) != CCSP_STORE_ID_LEN)
		return CCSP_ERR_NOT_FOUND;
	memcpy(tenant, a->target, CCSP_STORE_ID_LEN);
	tenant[CCSP_STORE_ID_LEN] = '\0';
	memcpy(id, slash + 1, CCSP_STORE_ID_LEN + 1);
	CCSP_GUARD(ccsp_store_kms_key_get(tx, tenant, id, k)); /* in the request's tenant only */
	if (ccsp_kms_allowed(k->state, ev))
		return CCSP_OK;
	refused_msg(msg, msglen, k->state, ev);
	return CCSP_ERR_STATE;
}

/* The key's state compromised and its primary version flagged, in k's tenant; audited with detail (stolen). */
static ccsp_err mark_compromised(ccspd_call *c, ccsp_store_tx *tx, ccsp_store_kms_key *k, int64_t now,
                                 json_t *detail)
{
	ccsp_kms_state to;
	ccsp_store_kms_key n = *k;
	ccsp_err ret = ccsp_kms_transition(k->state, CCSP_KMS_MARK_COMPROMISED, &to);
	n.state = to;
	n.updated = now;
	if (ret == CCSP_OK)
		ret = ccsp_store_kms_key_update_from(tx, &n, k->state);
	if (ret == CCSP_OK)
		ret = ccsp_store_kms_version_mark_compromised(tx, k->tenant_id, k->id, k->primary_version);
	if (ret != CCSP_OK) {
		json_decref(detail);
		return ret;
	}
	json_object_set_new(detail, "from", json_string(ccsp_kms_state_name(k->state)));
	json_object_set_new(detail, "to", json_string(ccsp_kms_state_name(to)));
	json_object_set_new(detail, "version", json_integer(k->primary_version));
	ret = ccspd_audit(c, tx, "kms.key-mark-compromised", k->id, "ok", detail);
	if (ret == CCSP_OK)
		*k = n;
	return ret;
}

ccsp_err kms_emergency_execute(ccspd_call *c, ccsp_store_tx *tx, const ccsp_store_approval *a,
                               ccsp_store_kms_key *k, int64_t now)
{
	ccsp_kms_event ev = event_of(a->kind);
	json_t *detail = json_pack("{s:s, s:s, s:s}", "tenantId", k->tenant_id, "approval", a->id, "requestedBy",
	                           a->requested_by);
	ccsp_err ret = ev == CCSP_KMS_EMERGENCY_DESTROY ? kms_destroy(c->d, c, tx, k, ev, now, detail)
	                                                : mark_compromised(c, tx, k, now, detail);
	if (ret == CCSP_ERR_NOT_FOUND || ret == CCSP_ERR_STATE)
		return CCSP_ERR_BUSY; /* the key changed after the check (another node): run the decision again */
	if (ret == CCSP_OK)
		ret = ccsp_store_approval_executed(tx, a->id, now);
	return ret;
}

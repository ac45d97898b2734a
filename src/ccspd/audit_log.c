/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccspd's audit trail (ccspd.h "audit_log.c"): every security-relevant event is appended to the tamper-evident
 * chain of src/platform/audit.h inside the store transaction of the change it records, and the auditor reads it:
 *   POST /api/v1/audit/query  {from?, to?, actor?, tenant?, action?, outcome?, after?, limit?}
 *                             -> {"records":[...], "next": seq | null}
 *   POST /api/v1/audit/count  {same filters} -> {"count": n}
 * (audit/verify, audit/export and audit/pubkey are in audit_read.c, checkpoints in audit_sign.c.)
 *
 * The MAC key K of the chain (m_i = HMAC-SM3(K, h_i)) is SM3-KDF("CCSP-AUDIT-MAC-1" || seed, 32), seed 32 random
 * bytes made by the first append and kept in the store's config as "audit.mac_seed": "vsm:" + Base64 of the seed
 * sealed by the platform VSM's data-protection key (SM4-GCM inside the VSM, ccsp_pvsm_seal). Never in plaintext:
 * while the VSM cannot seal or open it, audited changes fail (CCSP_ERR_MODULE_STATE) — no change without its
 * record. The seed is made after the audit head is locked, so two nodes never make two seeds.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>
#include <ccsp/sm3.h>

#include "ccspd/act.h"
#include "ccspd/audit_int.h"
#include "common/b64.h"

#define SEED_KEY "audit.mac_seed"
#define SEED_SIZE 32
#define SEED_AAD "ccspd audit.mac_seed"
#define MAC_LABEL "CCSP-AUDIT-MAC-1"

/* Seal the new seed for the config. */
static ccsp_err seed_store(ccspd *d, ccsp_store_tx *tx, const uint8_t seed[SEED_SIZE])
{
	uint8_t sealed[SEED_SIZE + CCSP_PVSM_SEAL_OVERHEAD];
	char text[8 + CCSP_B64_LEN(sizeof sealed) + 1];
	if (d->pvsm == NULL ||
	    ccsp_pvsm_seal(d->pvsm, (const uint8_t *)SEED_AAD, strlen(SEED_AAD), seed, SEED_SIZE, sealed) != CCSP_OK) {
		ccsp_log_event(d->log, "error", "ccspd.audit", "detail",
		               "the platform VSM cannot seal the audit MAC seed: audited changes are refused", (char *)NULL);
		return CCSP_ERR_MODULE_STATE;
	}
	memcpy(text, "vsm:", 4);
	ccsp_b64_encode(sealed, sizeof sealed, text + 4);
	ccsp_err ret = ccsp_store_config_set(tx, SEED_KEY, text);
	ccsp_memzero(text, sizeof text);
	return ret;
}

static ccsp_err seed_open(ccspd *d, const char *v, uint8_t seed[SEED_SIZE])
{
	uint8_t buf[SEED_SIZE + CCSP_PVSM_SEAL_OVERHEAD + 4];
	size_t len = 0;
	ccsp_err ret = CCSP_ERR_TAMPERED;
	if (strncmp(v, "vsm:", 4) == 0) {
		if (ccsp_b64_decode(v + 4, strlen(v + 4), buf, sizeof buf, &len) == CCSP_OK &&
		    len == SEED_SIZE + CCSP_PVSM_SEAL_OVERHEAD)
			ret = d->pvsm == NULL ? CCSP_ERR_MODULE_STATE
			                      : ccsp_pvsm_unseal(d->pvsm, (const uint8_t *)SEED_AAD, strlen(SEED_AAD), buf,
			                                         len, seed);
	}
	ccsp_memzero(buf, sizeof buf);
	return ret;
}

ccsp_err ccspd_audit_mac_key(ccspd *d, ccsp_store_tx *tx, int create, uint8_t key[32])
{
	uint8_t z[sizeof MAC_LABEL - 1 + SEED_SIZE];
	char *v = NULL;
	ccsp_err ret = ccsp_store_config_get(tx, SEED_KEY, &v);
	if (ret == CCSP_ERR_NOT_FOUND && create) {
		ret = ccsp_random(z + sizeof MAC_LABEL - 1, SEED_SIZE);
		if (ret == CCSP_OK)
			ret = seed_store(d, tx, z + sizeof MAC_LABEL - 1);
	} else if (ret == CCSP_OK) {
		ret = seed_open(d, v, z + sizeof MAC_LABEL - 1);
	}
	memcpy(z, MAC_LABEL, sizeof MAC_LABEL - 1);
	if (ret == CCSP_OK)
		ret = ccsp_sm3_kdf(z, sizeof z, key, 32);
	if (v != NULL) {
		ccsp_memzero(v, strlen(v));
		free(v);
	}
	ccsp_memzero(z, sizeof z);
	return ret;
}

/* One event, before sealing: the fields bounded to the chain's limits. */
typedef struct audit_event {
	const char *actor, *role, *tenant, *action, *target, *outcome;
	json_t *detail;
} audit_event;

static ccsp_err event_record(ccspd *d, const audit_event *e, ccsp_audit_record *r)
{
	memset(r, 0, sizeof *r);
	r->ts_ms = (uint64_t)ccspd_now_ms(d);
	snprintf(r->actor, sizeof r->actor, "%s", e->actor);
	snprintf(r->role, sizeof r->role, "%s", e->role);
	snprintf(r->tenant, sizeof r->tenant, "%s", e->tenant);
	snprintf(r->action, sizeof r->action, "%s", e->action);
	snprintf(r->target, sizeof r->target, "%s", e->target);
	snprintf(r->outcome, sizeof r->outcome, "%s", e->outcome);
	char *text = e->detail != NULL ? json_dumps(e->detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (text != NULL && strlen(text) < sizeof r->detail)
		memcpy(r->detail, text, strlen(text) + 1);
	else if (text != NULL)
		snprintf(r->detail, sizeof r->detail, "{\"truncated\":true}");
	free(text);
	return CCSP_OK; /* ccsp_audit_record_seal checks the fields */
}

static ccsp_err append(ccspd *d, ccsp_store_tx *tx, const audit_event *e)
{
	ccsp_audit_record r;
	ccsp_store_audit_rec s = {0};
	uint8_t chain[CCSP_STORE_CHAIN_MAX], prev[CCSP_AUDIT_HASH_SIZE] = {0}, key[32];
	size_t clen = 0;
	int64_t seq = 0;
	ccsp_err ret = event_record(d, e, &r);
	if (ret == CCSP_OK)
		ret = ccsp_store_audit_head(tx, &seq, chain, &clen);
	if (ret != CCSP_OK)
		return ret;
	if (clen == sizeof prev)
		memcpy(prev, chain, sizeof prev);
	else if (clen != 0 || seq != 0)
		return CCSP_ERR_TAMPERED;
	if ((ret = ccspd_audit_mac_key(d, tx, 1, key)) == CCSP_OK)
		ret = ccsp_audit_record_seal(&r, (uint64_t)seq, prev, key, sizeof key);
	ccsp_memzero(key, sizeof key);
	if (ret != CCSP_OK)
		return ret;
	s.seq = (int64_t)r.seq;
	s.ts = (int64_t)r.ts_ms;
	snprintf(s.actor, sizeof s.actor, "%s", r.actor);
	snprintf(s.actor_role, sizeof s.actor_role, "%s", r.role);
	snprintf(s.tenant_id, sizeof s.tenant_id, "%s", r.tenant);
	snprintf(s.action, sizeof s.action, "%s", r.action);
	snprintf(s.target, sizeof s.target, "%s", r.target);
	snprintf(s.outcome, sizeof s.outcome, "%s", r.outcome);
	s.detail = r.detail;
	memcpy(s.chain, r.h, sizeof r.h);
	s.chain_len = sizeof r.h;
	memcpy(s.mac, r.m, sizeof r.m);
	s.mac_len = sizeof r.m;
	return ccsp_store_audit_append(tx, &s);
}

typedef struct own_tx {
	ccspd *d;
	const audit_event *e;
} own_tx;

static ccsp_err append_fn(ccsp_store_tx *tx, void *arg)
{
	own_tx *o = arg;
	return append(o->d, tx, o->e);
}

static ccsp_err record(ccspd *d, ccsp_store_tx *tx, const audit_event *e)
{
	ccsp_err ret;
	if (tx != NULL) {
		ret = append(d, tx, e);
	} else {
		own_tx o = {d, e};
		ret = ccsp_store_run(d->store, append_fn, &o);
	}
	if (ret != CCSP_OK)
		ccsp_log_event(d->log, "error", "ccspd.audit", "action", e->action, "detail", ccsp_err_name(ret),
		               (char *)NULL);
	return ret;
}

ccsp_err ccspd_audit_as(ccspd *d, ccsp_store_tx *tx, const char *actor, const char *role, const char *tenant,
                        const char *action, const char *target, const char *outcome, json_t *detail)
{
	audit_event e = {actor, role, tenant != NULL ? tenant : "", action, target != NULL ? target : "", outcome,
	                 detail};
	ccsp_err ret = record(d, tx, &e);
	json_decref(detail);
	return ret;
}

static const char *caller_role(const ccspd_caller *w)
{
	if (w->kind == CCSPD_CALLER_PERSON)
		return ccsp_store_role_name(w->role);
	return w->kind == CCSPD_CALLER_APP ? "app" : "anonymous";
}

ccsp_err ccspd_audit(ccspd_call *c, ccsp_store_tx *tx, const char *action, const char *target, const char *outcome,
                     json_t *detail)
{
	const ccspd_caller *w = c->who;
	json_t *dt = detail != NULL ? detail : json_object();
	if (dt != NULL) { /* where the request came from, to find it in the log */
		json_object_set_new(dt, "requestId", json_string(ccsp_http_req_id(c->req)));
		json_object_set_new(dt, "peer", json_string(ccsp_http_req_peer(c->req)));
	}
	return ccspd_audit_as(c->d, tx, w->kind == CCSPD_ANONYMOUS ? "anonymous" : w->name, caller_role(w),
	                      w->tenant_id, action, target, outcome, dt);
}

/* ---- the auditor's API ---- */

/* The filters of the body; -1 after answering. Strings point into the body. */
static int filters(ccspd_call *c, ccsp_store_audit_filter *f)
{
	int64_t from, to;
	memset(f, 0, sizeof *f);
	if (act_int(c, "from", 0, INT64_MAX, 0, &from) != 0 || act_int(c, "to", 0, INT64_MAX, 0, &to) != 0 ||
	    act_str(c, "actor", 0, CCSP_AUDIT_ACTOR_MAX, &f->actor) != 0 ||
	    act_str(c, "tenant", 0, CCSP_AUDIT_TENANT_MAX, &f->tenant_id) != 0 ||
	    act_str(c, "action", 0, CCSP_AUDIT_ACTION_MAX, &f->action) != 0 ||
	    act_str(c, "outcome", 0, CCSP_AUDIT_OUTCOME_MAX, &f->outcome) != 0)
		return -1;
	f->from_ts = from;
	f->to_ts = to;
	return 0;
}

static json_t *rec_json(const ccsp_store_audit_rec *r)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "seq", (json_int_t)r->seq, "ts",
	                      (json_int_t)r->ts, "actor", r->actor, "role", r->actor_role, "tenant", r->tenant_id,
	                      "action", r->action, "target", r->target, "outcome", r->outcome);
	json_t *dt = r->detail != NULL && r->detail[0] != '\0' ? json_loads(r->detail, 0, NULL) : NULL;
	if (o != NULL && dt != NULL)
		json_object_set_new(o, "detail", dt);
	return o;
}

void ccspd_act_audit_query(ccspd_call *c)
{
	ccsp_store_audit_filter f;
	ccsp_store_audit_rec *recs = NULL;
	ccsp_store_tx *tx = NULL;
	int64_t after, limit;
	size_t n = 0;
	if (filters(c, &f) != 0 || act_int(c, "after", 0, INT64_MAX, 0, &after) != 0 ||
	    act_int(c, "limit", 1, CCSPD_LIST_MAX, CCSPD_LIST_DEFAULT, &limit) != 0)
		return;
	ccsp_err ret = (recs = calloc((size_t)limit, sizeof *recs)) != NULL ? CCSP_OK : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK && (ret = ccsp_store_begin_ro(c->d->store, &tx)) == CCSP_OK)
		ret = ccsp_store_audit_list(tx, &f, after, (size_t)limit, recs, &n);
	ccsp_store_rollback(tx);
	if (ret != CCSP_OK) {
		act_fail(c, ret, NULL);
		goto out;
	}
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, rec_json(&recs[i]));
	ccspd_ok(c->req, json_pack("{s:o, s:o}", "records", list, "next",
	                           n == (size_t)limit ? json_integer(recs[n - 1].seq) : json_null()));
out:
	if (recs != NULL)
		ccsp_store_audit_rec_clear(recs, n);
	free(recs);
}

void ccspd_act_audit_count(ccspd_call *c)
{
	ccsp_store_audit_filter f;
	ccsp_store_tx *tx = NULL;
	int64_t n = 0;
	if (filters(c, &f) != 0)
		return;
	ccsp_err ret = ccsp_store_begin_ro(c->d->store, &tx);
	if (ret == CCSP_OK)
		ret = ccsp_store_audit_count(tx, &f, &n);
	ccsp_store_rollback(tx);
	if (ret != CCSP_OK)
		act_fail(c, ret, NULL);
	else
		ccspd_ok(c->req, json_pack("{s:I}", "count", (json_int_t)n));
}

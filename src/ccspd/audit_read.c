/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading the stored audit chain back (audit_int.h): one walk over records and checkpoints, used by
 *   POST /api/v1/audit/verify  {}                 -> the platform's online check of the whole chain
 *   POST /api/v1/audit/export  {from?, limit?}    -> JSON lines (src/platform/audit.h), signed at the end
 *   POST /api/v1/audit/pubkey  {}                 -> the platform's audit signing key, for `ccsp audit verify`
 * and by the checkpointer (audit_sign.c). Every record is checked (linkage, MAC) before anything is signed.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>
#include <ccsp/sm2_asn1.h>

#include "ccspd/act.h"
#include "ccspd/audit_int.h"
#include "common/b64.h"

#define WALK_PAGE 200
#define EXPORT_LIMIT_MAX 100000         /* records per export; the next one starts where this one ended */
#define EXPORT_BYTES_MAX (64u << 20)   /* an export stops at the record that passes this size */
#define EXPORT_TYPE "application/x-ndjson"

/* src into dst (cap bytes), cut to fit: a stored field longer than the chain allows cannot verify anyway. */
static void copy_field(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void rec_from_store(const ccsp_store_audit_rec *s, ccsp_audit_record *r)
{
	memset(r, 0, sizeof *r);
	r->seq = (uint64_t)s->seq;
	r->ts_ms = (uint64_t)s->ts;
	copy_field(r->actor, sizeof r->actor, s->actor);
	copy_field(r->role, sizeof r->role, s->actor_role);
	copy_field(r->tenant, sizeof r->tenant, s->tenant_id);
	copy_field(r->action, sizeof r->action, s->action);
	copy_field(r->target, sizeof r->target, s->target);
	copy_field(r->outcome, sizeof r->outcome, s->outcome);
	copy_field(r->detail, sizeof r->detail, s->detail != NULL ? s->detail : "");
	if (s->chain_len == sizeof r->h)
		memcpy(r->h, s->chain, sizeof r->h);
	if (s->mac_len == sizeof r->m)
		memcpy(r->m, s->mac, sizeof r->m);
}

ccsp_err ccspd_audit_cp_from_store(const ccsp_store_audit_checkpoint *s, ccsp_audit_checkpoint *cp)
{
	ccsp_err ret = ccsp_audit_checkpoint_from_bytes(s->sig, s->sig_len, cp);
	if (ret == CCSP_OK && (cp->seq != (uint64_t)s->seq || s->chain_len != sizeof cp->h ||
	                       memcmp(cp->h, s->chain, sizeof cp->h) != 0))
		ret = CCSP_ERR_DECODE;
	return ret;
}

ccsp_err ccspd_audit_chain_at(ccsp_store_tx *tx, int64_t seq, const uint8_t key[32], uint8_t h[CCSP_AUDIT_HASH_SIZE])
{
	ccsp_store_audit_rec s = {0};
	ccsp_audit_record *r;
	if (seq == 0) {
		memset(h, 0, CCSP_AUDIT_HASH_SIZE);
		return CCSP_OK;
	}
	ccsp_err ret = ccsp_store_audit_get(tx, seq, &s);
	if (ret != CCSP_OK)
		return ret;
	if ((r = malloc(sizeof *r)) == NULL) {
		ccsp_store_audit_rec_clear(&s, 1);
		return CCSP_ERR_NOMEM;
	}
	rec_from_store(&s, r);
	ret = ccsp_audit_record_mac_verify(r, key, 32) == CCSP_OK ? CCSP_OK : CCSP_ERR_TAMPERED;
	if (ret == CCSP_OK)
		memcpy(h, r->h, CCSP_AUDIT_HASH_SIZE);
	ccsp_store_audit_rec_clear(&s, 1);
	free(r);
	return ret;
}

/* ---- the walk ---- */

typedef struct walk {
	ccsp_store_audit_rec recs[WALK_PAGE];
	ccsp_store_audit_checkpoint cps[WALK_PAGE];
	ccsp_audit_record r;
	ccsp_audit_checkpoint cp;
} walk;

/* Feed the stored checkpoints of cps[*k..ncp) with seq == seq. */
static ccsp_err feed_checkpoints(walk *w, size_t ncp, size_t *k, int64_t seq, const ccspd_audit_sink *s)
{
	ccsp_err ret = CCSP_OK;
	for (; ret == CCSP_OK && *k < ncp && w->cps[*k].seq <= seq; ++*k) {
		if (w->cps[*k].seq < seq)
			continue; /* of a record before the walk's range */
		if (ccspd_audit_cp_from_store(&w->cps[*k], &w->cp) != CCSP_OK)
			memset(&w->cp, 0, sizeof w->cp); /* unreadable: fails as a checkpoint that does not verify */
		w->cp.seq = (uint64_t)seq;
		ret = s->checkpoint(s->ctx, &w->cp);
	}
	return ret;
}

/* One page: records after `after` up to last, read in one read-only transaction. *got = records fed. */
static ccsp_err walk_page(ccspd *d, walk *w, int64_t *after, int64_t last, const ccspd_audit_sink *s, size_t *got)
{
	ccsp_store_tx *tx = NULL;
	size_t n = 0, ncp = 0, k = 0;
	ccsp_err ret = ccsp_store_begin_ro(d->store, &tx);
	if (ret == CCSP_OK)
		ret = ccsp_store_audit_list(tx, NULL, *after, WALK_PAGE, w->recs, &n);
	if (ret == CCSP_OK)
		ret = ccsp_store_audit_checkpoint_list(tx, *after, WALK_PAGE, w->cps, &ncp);
	ccsp_store_rollback(tx);
	*got = 0;
	for (size_t i = 0; ret == CCSP_OK && i < n && (last == 0 || w->recs[i].seq <= last); i++) {
		rec_from_store(&w->recs[i], &w->r);
		*after = w->recs[i].seq;
		++*got;
		ret = s->record(s->ctx, &w->r);
		if (ret == CCSP_OK && s->checkpoint != NULL)
			ret = feed_checkpoints(w, ncp, &k, w->recs[i].seq, s);
	}
	if (n > 0)
		ccsp_store_audit_rec_clear(w->recs, n);
	if (ret == CCSP_OK && *got < n)
		*got = 0; /* past last: the walk is over */
	return ret;
}

ccsp_err ccspd_audit_walk(ccspd *d, int64_t first, int64_t last, const ccspd_audit_sink *s, int *stopped)
{
	walk *w = malloc(sizeof *w);
	int64_t after = first - 1;
	size_t got = WALK_PAGE;
	ccsp_err ret = w != NULL ? CCSP_OK : CCSP_ERR_NOMEM;
	*stopped = 0;
	while (ret == CCSP_OK && got == WALK_PAGE)
		ret = walk_page(d, w, &after, last, s, &got);
	if (ret == CCSP_ERR_LIMIT) {
		*stopped = 1;
		ret = CCSP_OK;
	}
	free(w);
	return ret;
}

/* K for reading: read-only; without a seed there is no record, and any key checks the empty chain. */
static ccsp_err read_key(ccspd *d, int64_t from, uint8_t key[32], uint8_t prev[CCSP_AUDIT_HASH_SIZE])
{
	ccsp_store_tx *tx = NULL;
	ccsp_err ret = ccsp_store_begin_ro(d->store, &tx);
	if (ret == CCSP_OK)
		ret = ccspd_audit_mac_key(d, tx, 0, key);
	if (ret == CCSP_ERR_NOT_FOUND)
		ret = ccsp_random(key, 32);
	if (ret == CCSP_OK)
		ret = ccspd_audit_chain_at(tx, from - 1, key, prev);
	ccsp_store_rollback(tx);
	return ret;
}

/* ---- audit/verify ---- */

typedef struct verify_run {
	ccsp_audit_verifier *v;
	uint64_t pos; /* 1-based position among records and checkpoints */
} verify_run;

static ccsp_err verify_record(void *ctx, const ccsp_audit_record *r)
{
	verify_run *vr = ctx;
	ccsp_err ret = ccsp_audit_verifier_record(vr->v, r, ++vr->pos);
	return ret == CCSP_ERR_TAMPERED ? CCSP_OK : ret; /* the verifier keeps the first fault and reads on */
}

static ccsp_err verify_checkpoint(void *ctx, const ccsp_audit_checkpoint *cp)
{
	verify_run *vr = ctx;
	ccsp_err ret = ccsp_audit_verifier_checkpoint(vr->v, cp, ++vr->pos);
	return ret == CCSP_ERR_TAMPERED ? CCSP_OK : ret;
}

/* {} (auditor) -> {"verified": true, "records": n, "checkpoints": k, "signatures": "checked"|"not checked"}, or
 * with "verified": false, "fault" and "seq": every record's linkage (SM3 chain) and MAC (HMAC-SM3 under the
 * platform's key) from the first on, and every stored checkpoint's signature when the signing key is loaded. */
void ccspd_act_audit_verify(ccspd_call *c)
{
	uint8_t key[32], prev[CCSP_AUDIT_HASH_SIZE];
	const ccsp_sm2_key *pub = ccspd_audit_pub(c->d);
	verify_run vr = {0};
	ccsp_audit_report rep;
	int stopped = 0;
	ccsp_err ret = read_key(c->d, 1, key, prev);
	if (ret == CCSP_OK)
		ret = ccsp_audit_verifier_new(pub, key, sizeof key, 1, prev, &vr.v);
	ccsp_memzero(key, sizeof key);
	ccspd_audit_sink sink = {.record = verify_record, .checkpoint = pub != NULL ? verify_checkpoint : NULL,
	                         .ctx = &vr};
	if (ret == CCSP_OK)
		ret = ccspd_audit_walk(c->d, 1, 0, &sink, &stopped);
	ccsp_err fin = ret == CCSP_OK ? ccsp_audit_verifier_finish(vr.v, 0, &rep) : ret;
	ccsp_audit_verifier_free(vr.v);
	if (ret != CCSP_OK) {
		act_fail(c, ret, NULL);
		return;
	}
	const char *sigs = pub != NULL ? "checked" : "not checked (no audit signing key loaded)";
	if (fin == CCSP_OK)
		ccspd_ok(c->req, json_pack("{s:b, s:I, s:I, s:s}", "verified", 1, "records", (json_int_t)rep.records,
		                           "checkpoints", (json_int_t)rep.checkpoints, "signatures", sigs));
	else
		ccspd_ok(c->req, json_pack("{s:b, s:I, s:I, s:s, s:s, s:I}", "verified", 0, "records",
		                           (json_int_t)rep.records, "checkpoints", (json_int_t)rep.checkpoints,
		                           "signatures", sigs, "fault", ccsp_audit_fault_str(rep.fault), "seq",
		                           (json_int_t)rep.seq));
}

/* ---- audit/export ---- */

typedef struct export_run {
	ccsp_audit_exporter *x;
	char *buf;
	size_t len, cap;
	uint64_t records;
	int64_t last_seq;
} export_run;

static ccsp_err export_write(void *ctx, const char *line, size_t len)
{
	export_run *e = ctx;
	if (e->cap - e->len < len + 1) {
		size_t cap = e->cap == 0 ? 1u << 16 : e->cap;
		while (cap - e->len < len + 1)
			cap *= 2;
		char *b = realloc(e->buf, cap);
		if (b == NULL)
			return CCSP_ERR_NOMEM;
		e->buf = b;
		e->cap = cap;
	}
	memcpy(e->buf + e->len, line, len);
	e->buf[e->len + len] = '\n';
	e->len += len + 1;
	return CCSP_OK;
}

static ccsp_err export_record(void *ctx, const ccsp_audit_record *r)
{
	export_run *e = ctx;
	ccsp_err ret = ccsp_audit_exporter_record(e->x, r);
	if (ret == CCSP_OK) {
		e->records++;
		e->last_seq = (int64_t)r->seq;
		if (e->len >= EXPORT_BYTES_MAX)
			ret = CCSP_ERR_LIMIT;
	}
	return ret;
}

static ccsp_err export_checkpoint(void *ctx, const ccsp_audit_checkpoint *cp)
{
	export_run *e = ctx;
	return ccsp_audit_exporter_checkpoint(e->x, cp);
}

static void answer_tampered(ccspd_call *c, const ccsp_audit_report *rep)
{
	char msg[160];
	snprintf(msg, sizeof msg, "the stored audit chain does not verify: %s at seq %llu; nothing was exported",
	         ccsp_audit_fault_str(rep->fault), (unsigned long long)rep->seq);
	ccsp_log_event(c->d->log, "error", "ccspd.audit", "requestId", ccsp_http_req_id(c->req), "detail", msg,
	               (char *)NULL);
	ccspd_fail(c->d, c->req, CCSP_APIERR_AUDIT_TAMPERED, msg);
}

/* Walk from..from+limit-1 into e (header first), then sign the export checkpoint. */
static ccsp_err export_range(ccspd_call *c, export_run *e, int64_t from, int64_t limit, ccsp_audit_report *rep,
                             int *stopped)
{
	uint8_t key[32], prev[CCSP_AUDIT_HASH_SIZE];
	const ccsp_sm2_key *pub = ccspd_audit_pub(c->d);
	ccspd_audit_sink sink = {.record = export_record, .checkpoint = export_checkpoint, .ctx = e};
	ccsp_err ret = read_key(c->d, from, key, prev);
	if (ret == CCSP_OK)
		ret = ccsp_audit_exporter_new(pub, key, sizeof key, (uint64_t)from, prev, export_write, e, &e->x);
	ccsp_memzero(key, sizeof key);
	if (ret == CCSP_OK)
		ret = ccspd_audit_walk(c->d, from, from + limit - 1, &sink, stopped);
	if (ret == CCSP_OK || ret == CCSP_ERR_TAMPERED)
		ret = ccsp_audit_exporter_finish(e->x, (uint64_t)ccspd_now_ms(c->d), ccspd_audit_sign, c->d, rep);
	return ret;
}

/* {from?: first seq (default 1), limit?: records (1..100000, default 100000)} (auditor) -> 200
 * application/x-ndjson: the header, the records from..., the stored checkpoints among them, and a checkpoint signed
 * now by the platform's key over the last record. When the export stopped before the newest record (limit, or
 * 64 MiB), X-Ccsp-Audit-Next names the seq the next export starts at. */
void ccspd_act_audit_export(ccspd_call *c)
{
	export_run e = {0};
	ccsp_audit_report rep = {0};
	int64_t from, limit;
	int stopped = 0;
	if (act_int(c, "from", 1, CCSP_AUDIT_SEQ_MAX - EXPORT_LIMIT_MAX, 1, &from) != 0 ||
	    act_int(c, "limit", 1, EXPORT_LIMIT_MAX, EXPORT_LIMIT_MAX, &limit) != 0)
		return;
	if (ccspd_audit_pub(c->d) == NULL) {
		ccspd_fail(c->d, c->req, CCSP_APIERR_CRYPTO_MODULE,
		           "no audit signing key is loaded (ccspd.conf audit_sign_index, audit_sign_password_file)");
		return;
	}
	ccsp_err ret = export_range(c, &e, from, limit, &rep, &stopped);
	if (ret == CCSP_ERR_NOT_FOUND) {
		ccspd_fail(c->d, c->req, CCSP_APIERR_INVALID_PARAM, "from is past the newest record + 1");
	} else if (ret == CCSP_ERR_TAMPERED) {
		answer_tampered(c, &rep);
	} else if (ret != CCSP_OK) {
		act_fail(c, ret, NULL);
	} else {
		char next[24];
		int more = stopped || e.records == (uint64_t)limit;
		snprintf(next, sizeof next, "%lld", (long long)(e.records > 0 ? e.last_seq + 1 : from));
		if (more && ccsp_http_response_header(c->req, "X-Ccsp-Audit-Next", next) != CCSP_OK)
			more = 0;
		ret = ccspd_audit(c, NULL, "audit.export", next, "ok",
		                  json_pack("{s:I, s:I}", "from", (json_int_t)from, "records", (json_int_t)e.records));
		if (ret != CCSP_OK)
			act_fail(c, ret, NULL); /* no export without its record */
		else
			ccsp_http_respond_raw(c->req, 200, EXPORT_TYPE, e.buf, e.len);
	}
	ccsp_audit_exporter_free(e.x);
	free(e.buf);
}

/* ---- audit/pubkey ---- */

/* {} (auditor) -> {"publicKey": PEM (SubjectPublicKeyInfo), "fingerprint": SM3 of 04||x||y, hex}: the key
 * `ccsp audit verify --pubkey` needs; the fingerprint is what an export's header names. */
void ccspd_act_audit_pubkey(ccspd_call *c)
{
	const ccsp_sm2_key *pub = ccspd_audit_pub(c->d);
	uint8_t pem[CCSP_SM2_KEY_FILE_MAX + 1], fp[CCSP_SM3_DIGEST_SIZE];
	char fphex[2 * sizeof fp + 1];
	size_t len = 0;
	if (pub == NULL) {
		ccspd_fail(c->d, c->req, CCSP_APIERR_CRYPTO_MODULE, "no audit signing key is loaded");
		return;
	}
	ccsp_err ret = ccsp_sm2_key_encode(pub, CCSP_SM2_KEY_SPKI, 1, NULL, 0, pem, sizeof pem - 1, &len);
	if (ret == CCSP_OK)
		ret = ccsp_audit_key_fingerprint(pub, fp);
	if (ret != CCSP_OK) {
		act_fail(c, ret, NULL);
		return;
	}
	pem[len] = '\0';
	ccsp_hex_encode(fp, sizeof fp, fphex);
	ccspd_ok(c->req, json_pack("{s:s, s:s}", "publicKey", (const char *)pem, "fingerprint", fphex));
}

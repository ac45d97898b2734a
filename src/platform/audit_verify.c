/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit chain's verifier: one state machine fed record by record and checkpoint by checkpoint, used by the
 * platform online (with the MAC key) and by `ccsp audit verify` offline (public key only). It stops judging at
 * the first fault, so the report names the first item that is wrong, but keeps reading records to tell a
 * removed record (its seq never comes) from a reordered one (it comes later).
 */
#include "platform/audit.h"

#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>

#include "crypto/guard.h"

#define KEY_MAX 64

struct ccsp_audit_verifier {
	const ccsp_sm2_key *pub;
	uint8_t key[KEY_MAX];
	size_t keylen; /* 0: offline, MACs are not checked */
	uint64_t expect;                 /* seq of the next record */
	uint8_t h[CCSP_AUDIT_HASH_SIZE]; /* chain value after record expect - 1, recomputed */
	uint64_t cp_seq;                 /* seq covered by the last good checkpoint (first_seq - 1 at start) */
	int last_was_cp;                 /* the last item fed was a good checkpoint */
	ccsp_audit_cp_kind last_kind;
	uint64_t uncovered_line; /* where the first record after the last checkpoint is */
	uint64_t last_where;
	int pending_gap; /* the fault is REMOVED and a later record may still show it was moved */
	ccsp_audit_report rep;
};

const char *ccsp_audit_fault_str(ccsp_audit_fault f)
{
	switch (f) {
	case CCSP_AUDIT_FAULT_NONE: return "verified";
	case CCSP_AUDIT_FAULT_MALFORMED: return "malformed line";
	case CCSP_AUDIT_FAULT_WRONG_KEY: return "exported under another platform key";
	case CCSP_AUDIT_FAULT_ALTERED: return "altered";
	case CCSP_AUDIT_FAULT_REMOVED: return "removed";
	case CCSP_AUDIT_FAULT_REORDERED: return "reordered";
	case CCSP_AUDIT_FAULT_BAD_MAC: return "bad MAC";
	case CCSP_AUDIT_FAULT_BAD_SIGNATURE: return "bad checkpoint signature";
	case CCSP_AUDIT_FAULT_CHAIN_MISMATCH: return "rewritten (does not match its checkpoint)";
	case CCSP_AUDIT_FAULT_UNCOVERED: return "not covered by a checkpoint";
	}
	return "unknown fault";
}

ccsp_err ccsp_audit_verifier_new(const ccsp_sm2_key *pub, const uint8_t *key, size_t keylen, uint64_t first_seq,
                                 const uint8_t prev_h[CCSP_AUDIT_HASH_SIZE], ccsp_audit_verifier **out)
{
	CCSP_ENSURE(out != NULL, CCSP_ERR_ARG);
	*out = NULL;
	CCSP_ENSURE((pub != NULL || key != NULL) && prev_h != NULL && first_seq >= 1 && first_seq <= CCSP_AUDIT_SEQ_MAX,
	            CCSP_ERR_ARG);
	CCSP_ENSURE(key == NULL || (keylen >= 16 && keylen <= KEY_MAX), CCSP_ERR_ARG);
	ccsp_audit_verifier *v = calloc(1, sizeof *v);
	CCSP_ENSURE(v != NULL, CCSP_ERR_NOMEM);
	v->pub = pub;
	if (key != NULL) {
		memcpy(v->key, key, keylen);
		v->keylen = keylen;
	}
	v->expect = first_seq;
	memcpy(v->h, prev_h, CCSP_AUDIT_HASH_SIZE);
	v->cp_seq = first_seq - 1;
	v->rep.first_seq = first_seq;
	*out = v;
	return CCSP_OK;
}

void ccsp_audit_verifier_free(ccsp_audit_verifier *v)
{
	if (v == NULL)
		return;
	ccsp_memzero(v, sizeof *v);
	free(v);
}

static ccsp_err fault(ccsp_audit_verifier *v, ccsp_audit_fault f, uint64_t where, int is_cp, uint64_t seq,
                      uint64_t seq_from)
{
	v->rep.fault = f;
	v->rep.line = where;
	v->rep.is_checkpoint = is_cp;
	v->rep.seq = seq;
	v->rep.seq_from = seq_from;
	v->pending_gap = f == CCSP_AUDIT_FAULT_REMOVED && !is_cp;
	return CCSP_ERR_TAMPERED;
}

void ccsp_audit_verifier_fail(ccsp_audit_verifier *v, ccsp_audit_fault f, uint64_t where)
{
	if (v != NULL && v->rep.fault == CCSP_AUDIT_FAULT_NONE)
		(void)fault(v, f, where, 0, 0, 0);
}

/* After a gap: a record whose seq is one of the missing ones shows the gap was a move, not a removal. */
static ccsp_err look_for_gap(ccsp_audit_verifier *v, const ccsp_audit_record *r, uint64_t where)
{
	if (v->pending_gap && r->seq >= v->rep.seq_from && r->seq <= v->rep.seq) {
		v->rep.fault = CCSP_AUDIT_FAULT_REORDERED;
		v->rep.seq = v->rep.seq + 1; /* the record found at the first bad line */
		v->rep.seq_from = r->seq;
		v->rep.other_line = where;
		v->pending_gap = 0;
	}
	return CCSP_ERR_TAMPERED;
}

ccsp_err ccsp_audit_verifier_record(ccsp_audit_verifier *v, const ccsp_audit_record *r, uint64_t where)
{
	CCSP_ENSURE(v != NULL && r != NULL, CCSP_ERR_ARG);
	if (v->rep.fault != CCSP_AUDIT_FAULT_NONE)
		return look_for_gap(v, r, where);
	v->last_where = where;
	if (r->seq > v->expect)
		return fault(v, CCSP_AUDIT_FAULT_REMOVED, where, 0, r->seq - 1, v->expect);
	if (r->seq < v->expect)
		return fault(v, CCSP_AUDIT_FAULT_REORDERED, where, 0, r->seq, v->expect);
	uint8_t h[CCSP_AUDIT_HASH_SIZE];
	ccsp_err ret = ccsp_audit_chain_value(v->h, r, h);
	if (ret == CCSP_ERR_ARG)
		return fault(v, CCSP_AUDIT_FAULT_MALFORMED, where, 0, r->seq, r->seq);
	CCSP_GUARD(ret);
	if (memcmp(h, r->h, sizeof h) != 0)
		return fault(v, CCSP_AUDIT_FAULT_ALTERED, where, 0, r->seq, r->seq);
	if (v->keylen != 0 && ccsp_audit_record_mac_verify(r, v->key, v->keylen) != CCSP_OK)
		return fault(v, CCSP_AUDIT_FAULT_BAD_MAC, where, 0, r->seq, r->seq);
	if (v->uncovered_line == 0)
		v->uncovered_line = where;
	v->last_was_cp = 0;
	memcpy(v->h, h, sizeof h);
	v->expect++;
	v->rep.records++;
	return CCSP_OK;
}

ccsp_err ccsp_audit_verifier_checkpoint(ccsp_audit_verifier *v, const ccsp_audit_checkpoint *cp, uint64_t where)
{
	CCSP_ENSURE(v != NULL && cp != NULL, CCSP_ERR_ARG);
	if (v->rep.fault != CCSP_AUDIT_FAULT_NONE)
		return CCSP_ERR_TAMPERED;
	v->last_where = where;
	uint64_t last = v->expect - 1;
	ccsp_err ret = ccsp_audit_checkpoint_verify(cp, v->pub);
	if (ret == CCSP_ERR_SIGNATURE || ret == CCSP_ERR_ARG)
		return fault(v, CCSP_AUDIT_FAULT_BAD_SIGNATURE, where, 1, cp->seq, cp->seq);
	CCSP_GUARD(ret);
	if (cp->seq > last)
		return fault(v, CCSP_AUDIT_FAULT_REMOVED, where, 1, cp->seq, last + 1);
	if (cp->seq < last)
		return fault(v, CCSP_AUDIT_FAULT_REORDERED, where, 1, cp->seq, last);
	if (memcmp(cp->h, v->h, sizeof v->h) != 0)
		return fault(v, CCSP_AUDIT_FAULT_CHAIN_MISMATCH, where, 1, cp->seq, v->cp_seq + 1);
	v->cp_seq = cp->seq;
	v->last_was_cp = 1;
	v->last_kind = cp->kind;
	v->rep.cp_time_ms = cp->time_ms;
	v->uncovered_line = 0;
	v->rep.checkpoints++;
	return CCSP_OK;
}

ccsp_err ccsp_audit_verifier_finish(ccsp_audit_verifier *v, int need_export, ccsp_audit_report *rep)
{
	CCSP_ENSURE(v != NULL, CCSP_ERR_ARG);
	ccsp_err ret = CCSP_OK;
	uint64_t last = v->expect - 1;
	if (v->rep.fault != CCSP_AUDIT_FAULT_NONE)
		ret = CCSP_ERR_TAMPERED;
	else if (need_export && last > v->cp_seq)
		ret = fault(v, CCSP_AUDIT_FAULT_UNCOVERED, v->uncovered_line, 0, last, v->cp_seq + 1);
	else if (need_export && (!v->last_was_cp || v->last_kind != CCSP_AUDIT_CP_EXPORT))
		ret = fault(v, CCSP_AUDIT_FAULT_UNCOVERED, v->last_where + 1, 0, last, last + 1);
	v->rep.last_seq = last;
	v->pending_gap = 0;
	if (rep != NULL)
		*rep = v->rep;
	return ret;
}

void ccsp_audit_verifier_head(const ccsp_audit_verifier *v, uint64_t *seq, uint8_t h[CCSP_AUDIT_HASH_SIZE])
{
	if (v == NULL)
		return;
	if (seq != NULL)
		*seq = v->expect - 1;
	if (h != NULL)
		memcpy(h, v->h, CCSP_AUDIT_HASH_SIZE);
}

/* Stored checkpoints go after the record of their seq: feed those before the record expected next. */
static ccsp_err feed_checkpoints(ccsp_audit_verifier *v, const ccsp_audit_checkpoint *cps, size_t ncp, size_t *j,
                                 uint64_t before_seq, uint64_t *where)
{
	ccsp_err ret = CCSP_OK;
	while (*j < ncp && cps[*j].seq < before_seq) {
		ccsp_err r = ccsp_audit_verifier_checkpoint(v, &cps[(*j)++], ++*where);
		if (ret == CCSP_OK)
			ret = r;
	}
	return ret;
}

ccsp_err ccsp_audit_verify_range(const ccsp_audit_record *recs, size_t n, const ccsp_audit_checkpoint *cps,
                                 size_t ncp, uint64_t first_seq, const uint8_t prev_h[CCSP_AUDIT_HASH_SIZE],
                                 const uint8_t *key, size_t keylen, const ccsp_sm2_key *pub, ccsp_audit_report *rep)
{
	CCSP_ENSURE((recs != NULL || n == 0) && (cps != NULL || ncp == 0) && key != NULL && rep != NULL, CCSP_ERR_ARG);
	ccsp_audit_verifier *v = NULL;
	CCSP_GUARD(ccsp_audit_verifier_new(pub, key, keylen, first_seq, prev_h, &v));
	ccsp_err ret = CCSP_OK;
	uint64_t where = 0;
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		ret = feed_checkpoints(v, cps, ncp, &j, first_seq + i, &where);
		if (ret != CCSP_OK && ret != CCSP_ERR_TAMPERED)
			goto out;
		ret = ccsp_audit_verifier_record(v, &recs[i], ++where);
		if (ret != CCSP_OK && ret != CCSP_ERR_TAMPERED)
			goto out;
	}
	ret = feed_checkpoints(v, cps, ncp, &j, UINT64_MAX, &where);
	if (ret != CCSP_OK && ret != CCSP_ERR_TAMPERED)
		goto out;
	ret = ccsp_audit_verifier_finish(v, 0, rep);
out:
	ccsp_audit_verifier_free(v);
	return ret;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's audit trail: append-only records with gapless sequence numbers, and signed checkpoints. The chain
 * values, MACs and signatures are computed by the audit module (src/platform/audit*); this file only stores and
 * returns their bytes.
 *
 * Appending, inside the caller's transaction so that a change and its record commit together:
 *   ccsp_store_audit_head(tx, &seq, chain, &len);   locks the head: concurrent appenders wait here
 *   ... compute the record's chain value and MAC from (seq + 1, the previous chain, the record) ...
 *   ccsp_store_audit_append(tx, &rec);              rec.seq == seq + 1
 *   ccsp_store_commit(tx);
 * The head is a one-row table audit_head (seq, chain) that ccsp_store_audit_head updates in place
 * (UPDATE ... RETURNING): on PostgreSQL that takes the row lock, so appenders on every node serialize on it until
 * commit (READ COMMITTED re-reads the row after the wait, so the waiter sees the committed head); on SQLite
 * every read-write transaction holds the database write lock already. The records table refuses UPDATE and
 * DELETE (triggers): CCSP_ERR_ACCESS_DENIED.
 */
#ifndef CCSP_PLATFORM_STORE_AUDIT_H
#define CCSP_PLATFORM_STORE_AUDIT_H

#include "platform/store/store.h"

#define CCSP_STORE_CHAIN_MAX 64 /* chain value, MAC */
#define CCSP_STORE_SIG_MAX 256  /* a checkpoint's signature (with its signed bytes if the caller keeps them) */
#define CCSP_STORE_TARGET_MAX 1024

typedef struct ccsp_store_audit_rec {
	int64_t seq;                             /* 1, 2, ... without gaps */
	int64_t ts;
	char actor[CCSP_STORE_TEXT_MAX + 1];
	char actor_role[CCSP_STORE_TEXT_MAX + 1];
	char tenant_id[CCSP_STORE_NAME_MAX + 1]; /* "" when none */
	char action[CCSP_STORE_TEXT_MAX + 1];
	char target[CCSP_STORE_TARGET_MAX + 1];
	char outcome[CCSP_STORE_TEXT_MAX + 1];
	char *detail; /* JSON text, stored byte for byte; append: the caller's (NULL: ""); read: malloc'd */
	uint8_t chain[CCSP_STORE_CHAIN_MAX];
	size_t chain_len;
	uint8_t mac[CCSP_STORE_CHAIN_MAX];
	size_t mac_len;
} ccsp_store_audit_rec;

/* Free the detail of n records read back (and set it NULL). */
void ccsp_store_audit_rec_clear(ccsp_store_audit_rec *recs, size_t n);

/* The last record's seq (0 when none) and chain value (*chain_len 0 when none), locking the head until the
 * transaction ends. chain holds CCSP_STORE_CHAIN_MAX bytes. Read-write transactions only (CCSP_ERR_STATE). */
CCSP_MUST_CHECK ccsp_err ccsp_store_audit_head(ccsp_store_tx *tx, int64_t *seq, uint8_t *chain, size_t *chain_len);
/* The last record's seq (0 when none), without locking: any transaction (what the checkpointer polls). */
CCSP_MUST_CHECK ccsp_err ccsp_store_audit_newest(ccsp_store_tx *tx, int64_t *seq);
/* Append rec, whose seq must follow the head (else CCSP_ERR_STATE: the head was not read in this transaction). */
CCSP_MUST_CHECK ccsp_err ccsp_store_audit_append(ccsp_store_tx *tx, const ccsp_store_audit_rec *rec);
/* The record seq (out->detail malloc'd). CCSP_ERR_NOT_FOUND. */
CCSP_MUST_CHECK ccsp_err ccsp_store_audit_get(ccsp_store_tx *tx, int64_t seq, ccsp_store_audit_rec *out);

/* A filter: each field 0 / NULL matches everything. Times: from_ts <= ts < to_ts. */
typedef struct ccsp_store_audit_filter {
	int64_t from_ts, to_ts;
	const char *actor;
	const char *tenant_id;
	const char *action;
	const char *outcome;
} ccsp_store_audit_filter;

/* The records matching f (NULL: all) with seq > after_seq, oldest first, at most limit (1..CCSP_STORE_LIST_MAX)
 * into out; *n = how many (each one's detail malloc'd: ccsp_store_audit_rec_clear(out, *n)). */
CCSP_MUST_CHECK ccsp_err ccsp_store_audit_list(ccsp_store_tx *tx, const ccsp_store_audit_filter *f, int64_t after_seq,
                                               size_t limit, ccsp_store_audit_rec *out, size_t *n);
CCSP_MUST_CHECK ccsp_err ccsp_store_audit_count(ccsp_store_tx *tx, const ccsp_store_audit_filter *f, int64_t *n);

typedef struct ccsp_store_audit_checkpoint {
	int64_t seq;                         /* the record it covers (and all before it) */
	uint8_t chain[CCSP_STORE_CHAIN_MAX];
	size_t chain_len;
	uint8_t sig[CCSP_STORE_SIG_MAX];
	size_t sig_len;
	int64_t ts;
} ccsp_store_audit_checkpoint;

/* Add a checkpoint of an existing record (CCSP_ERR_STATE when there is no record seq; CCSP_ERR_EXISTS). */
CCSP_MUST_CHECK ccsp_err ccsp_store_audit_checkpoint_add(ccsp_store_tx *tx, const ccsp_store_audit_checkpoint *cp);
/* The newest checkpoint. CCSP_ERR_NOT_FOUND when none. */
CCSP_MUST_CHECK ccsp_err ccsp_store_audit_checkpoint_last(ccsp_store_tx *tx, ccsp_store_audit_checkpoint *out);
/* The checkpoints with seq > after_seq, oldest first. */
CCSP_MUST_CHECK ccsp_err ccsp_store_audit_checkpoint_list(ccsp_store_tx *tx, int64_t after_seq, size_t limit,
                                                          ccsp_store_audit_checkpoint *out, size_t *n);

#endif

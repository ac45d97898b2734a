/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The service platform's tamper-evident audit chain (SEC-12, MOD-8; design.md §4 "Audit"). A pure module: no
 * storage, no clock, no network. The store keeps what it produces as bytes inside the caller's transaction;
 * ccspd signs checkpoints with the platform's SM2 key in its VSM through a callback.
 *
 * Three layers of protection (docs/security-policy.md, "The platform's audit chain"):
 *   h_i = SM3(h_{i-1} || canonical(record_i)), h_0 = 32 zero bytes     linkage, checkable by anyone
 *   m_i = HMAC-SM3(K, h_i)                                             checked online by the platform (K secret)
 *   checkpoint = SM2-sign(platform key, default ID, tbs(kind, seq, time, h_seq))   checkable with the public key
 * An export (JSON lines) ends with a checkpoint signed at export time, after the platform has verified the
 * exported range online, so `ccsp audit verify` needs only the platform's public key.
 *
 * canonical(record) = "CCSP-AUDIT-REC-1" (16 bytes) || seq (u64 BE) || ts_ms (u64 BE)
 *                     || for actor, role, tenant, action, target, outcome, detail in this order:
 *                        length (u32 BE) || bytes (no terminator)
 * tbs(checkpoint)   = "CCSP-AUDIT-CKPT-1" (17 bytes) || kind (1 byte) || seq (u64 BE) || time_ms (u64 BE)
 *                     || h_seq (32 bytes)                                   (fixed 66 bytes)
 * Both are unambiguous: fixed order, fixed widths or length prefixes, a domain tag in front.
 *
 * Every text field is UTF-8 without control bytes (0x00-0x1f, 0x7f), at most its CCSP_AUDIT_*_MAX bytes;
 * detail is "" or the text of a JSON object. Records never hold secrets (MOD-8): callers pass identifiers,
 * names and outcomes only.
 *
 * Thread safety: every function is reentrant; a verifier or exporter is used by one thread at a time.
 */
#ifndef CCSP_PLATFORM_AUDIT_H
#define CCSP_PLATFORM_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <ccsp/error.h>
#include <ccsp/sm2.h>
#include <ccsp/sm3.h>

#define CCSP_AUDIT_ACTOR_MAX 128
#define CCSP_AUDIT_ROLE_MAX 32
#define CCSP_AUDIT_TENANT_MAX 64
#define CCSP_AUDIT_ACTION_MAX 64
#define CCSP_AUDIT_TARGET_MAX 256
#define CCSP_AUDIT_OUTCOME_MAX 32
#define CCSP_AUDIT_DETAIL_MAX 2048
#define CCSP_AUDIT_HASH_SIZE CCSP_SM3_DIGEST_SIZE
#define CCSP_AUDIT_SEQ_MAX INT64_MAX /* seq, ts_ms and time_ms fit a JSON integer of jansson */

/* Largest canonical encoding and stored form of a record. */
#define CCSP_AUDIT_CANON_MAX                                                                                        \
	(16 + 8 + 8 + 7 * 4 + CCSP_AUDIT_ACTOR_MAX + CCSP_AUDIT_ROLE_MAX + CCSP_AUDIT_TENANT_MAX +                  \
	 CCSP_AUDIT_ACTION_MAX + CCSP_AUDIT_TARGET_MAX + CCSP_AUDIT_OUTCOME_MAX + CCSP_AUDIT_DETAIL_MAX)
#define CCSP_AUDIT_RECORD_BYTES_MAX (CCSP_AUDIT_CANON_MAX + 2 * CCSP_AUDIT_HASH_SIZE)
#define CCSP_AUDIT_TBS_SIZE 66
#define CCSP_AUDIT_CHECKPOINT_BYTES (CCSP_AUDIT_TBS_SIZE + CCSP_SM2_SIGNATURE_SIZE)
/* Longest export line (without its newline). Fields are escaped at most twice their size ('"', '\'). */
#define CCSP_AUDIT_LINE_MAX 16384

/* One audited event. Caller-allocated; text fields are NUL-terminated. h and m are set by
 * ccsp_audit_record_seal(). */
typedef struct ccsp_audit_record {
	uint64_t seq;   /* 1, 2, 3, ... without gaps */
	uint64_t ts_ms; /* Unix time in milliseconds */
	char actor[CCSP_AUDIT_ACTOR_MAX + 1];     /* user, application or "system" */
	char role[CCSP_AUDIT_ROLE_MAX + 1];       /* the actor's role when it acted */
	char tenant[CCSP_AUDIT_TENANT_MAX + 1];   /* "" for the platform itself */
	char action[CCSP_AUDIT_ACTION_MAX + 1];   /* e.g. "key.create" */
	char target[CCSP_AUDIT_TARGET_MAX + 1];   /* what it acted on */
	char outcome[CCSP_AUDIT_OUTCOME_MAX + 1]; /* e.g. "ok", "denied", a ccsp_err_name() */
	char detail[CCSP_AUDIT_DETAIL_MAX + 1];   /* "" or a JSON object's text, stored byte for byte */
	uint8_t h[CCSP_AUDIT_HASH_SIZE];          /* chain value */
	uint8_t m[CCSP_AUDIT_HASH_SIZE];          /* HMAC-SM3(K, h) */
} ccsp_audit_record;

typedef enum ccsp_audit_cp_kind {
	CCSP_AUDIT_CP_PERIODIC = 1, /* every N records or T seconds */
	CCSP_AUDIT_CP_EXPORT = 2    /* closes an export; signed at export time */
} ccsp_audit_cp_kind;

/* A signed statement "the chain value after record seq is h, at time_ms". seq 0 with h = zeros is the empty
 * chain. */
typedef struct ccsp_audit_checkpoint {
	ccsp_audit_cp_kind kind;
	uint64_t seq;
	uint64_t time_ms;
	uint8_t h[CCSP_AUDIT_HASH_SIZE];
	uint8_t sig[CCSP_SM2_SIGNATURE_SIZE]; /* r || s */
} ccsp_audit_checkpoint;

/* ---- records ---- */

/* CCSP_OK when r's fields respect the limits above (seq in 1..CCSP_AUDIT_SEQ_MAX, ts_ms <= CCSP_AUDIT_SEQ_MAX,
 * UTF-8 text without control bytes, detail "" or a JSON object); CCSP_ERR_ARG otherwise. */
CCSP_MUST_CHECK ccsp_err ccsp_audit_record_check(const ccsp_audit_record *r);

/* The canonical encoding of r's content (not h, m) into out (cap >= CCSP_AUDIT_CANON_MAX is always
 * enough); *len its length. CCSP_ERR_ARG for an invalid record, CCSP_ERR_BUFFER_TOO_SMALL. */
CCSP_MUST_CHECK ccsp_err ccsp_audit_record_canonical(const ccsp_audit_record *r, uint8_t *out, size_t cap,
                                                     size_t *len);

/* h = SM3(prev_h || canonical(r)) into h (r->h is not read). */
CCSP_MUST_CHECK ccsp_err ccsp_audit_chain_value(const uint8_t prev_h[CCSP_AUDIT_HASH_SIZE], const ccsp_audit_record *r,
                                                uint8_t h[CCSP_AUDIT_HASH_SIZE]);

/* Append r after the record (prev_seq, prev_h) — (0, zeros) for the first — as the caller read it inside the
 * transaction that will store r: sets r->seq = prev_seq + 1, r->h and r->m (MAC under key, keylen >= 16).
 * Pure: nothing else changes, so an aborted transaction simply drops r. CCSP_ERR_ARG for an invalid record
 * or key, CCSP_ERR_LIMIT when seq would pass CCSP_AUDIT_SEQ_MAX. */
CCSP_MUST_CHECK ccsp_err ccsp_audit_record_seal(ccsp_audit_record *r, uint64_t prev_seq,
                                                const uint8_t prev_h[CCSP_AUDIT_HASH_SIZE], const uint8_t *key,
                                                size_t keylen);

/* CCSP_OK when r->m = HMAC-SM3(key, r->h) (constant-time compare), CCSP_ERR_AUTH when not. */
CCSP_MUST_CHECK ccsp_err ccsp_audit_record_mac_verify(const ccsp_audit_record *r, const uint8_t *key, size_t keylen);

/* Stored form (what the store keeps): canonical(r) || h || m. out needs CCSP_AUDIT_RECORD_BYTES_MAX at most.
 * from_bytes parses exactly that (bounded; CCSP_ERR_DECODE for anything else) and checks the fields. */
CCSP_MUST_CHECK ccsp_err ccsp_audit_record_to_bytes(const ccsp_audit_record *r, uint8_t *out, size_t cap,
                                                    size_t *len);
CCSP_MUST_CHECK ccsp_err ccsp_audit_record_from_bytes(const uint8_t *in, size_t len, ccsp_audit_record *r);

/* ---- checkpoints ---- */

/* Sign e = SM3(Z || tbs) (Z of the platform key with the default ID) with the platform's SM2 private key; sig
 * = r || s. In ccspd: SDF_InternalSign_ECC in the platform's VSM. CCSP_OK or the signer's error. */
typedef ccsp_err (*ccsp_audit_sign_fn)(void *ctx, const uint8_t e[CCSP_SM3_DIGEST_SIZE],
                                       uint8_t sig[CCSP_SM2_SIGNATURE_SIZE]);

/* The 66 bytes a checkpoint signature covers. */
CCSP_MUST_CHECK ccsp_err ccsp_audit_checkpoint_tbs(const ccsp_audit_checkpoint *cp, uint8_t tbs[CCSP_AUDIT_TBS_SIZE]);

/* Fill cp (kind, seq, time_ms, h) and sign it through sign(ctx, ...); the signature is verified with pub
 * before return, so a signer holding another key is caught here. CCSP_ERR_SIGNATURE when it does not verify,
 * the signer's error, CCSP_ERR_ARG. */
CCSP_MUST_CHECK ccsp_err ccsp_audit_checkpoint_make(ccsp_audit_checkpoint *cp, ccsp_audit_cp_kind kind, uint64_t seq,
                                                    const uint8_t h[CCSP_AUDIT_HASH_SIZE], uint64_t time_ms,
                                                    const ccsp_sm2_key *pub, ccsp_audit_sign_fn sign, void *ctx);

/* CCSP_OK when cp's signature verifies under pub, CCSP_ERR_SIGNATURE when not. */
CCSP_MUST_CHECK ccsp_err ccsp_audit_checkpoint_verify(const ccsp_audit_checkpoint *cp, const ccsp_sm2_key *pub);

/* Stored form: tbs || sig (CCSP_AUDIT_CHECKPOINT_BYTES). from_bytes: CCSP_ERR_DECODE for anything else. */
CCSP_MUST_CHECK ccsp_err ccsp_audit_checkpoint_to_bytes(const ccsp_audit_checkpoint *cp,
                                                        uint8_t out[CCSP_AUDIT_CHECKPOINT_BYTES]);
CCSP_MUST_CHECK ccsp_err ccsp_audit_checkpoint_from_bytes(const uint8_t *in, size_t len, ccsp_audit_checkpoint *cp);

/* Checkpoint policy: one is due after record seq when every_n records (0: never by count) or every_ms
 * milliseconds (0: never by time) have passed since the last checkpoint (last_seq, last_ms). */
typedef struct ccsp_audit_policy {
	uint64_t every_n;
	uint64_t every_ms;
} ccsp_audit_policy;
int ccsp_audit_checkpoint_due(const ccsp_audit_policy *p, uint64_t seq, uint64_t now_ms, uint64_t last_seq,
                              uint64_t last_ms);

/* SM3 of the uncompressed public point (04 || x || y): the key fingerprint an export's header names. */
CCSP_MUST_CHECK ccsp_err ccsp_audit_key_fingerprint(const ccsp_sm2_key *pub, uint8_t fp[CCSP_SM3_DIGEST_SIZE]);

/* ---- verification: one state machine for the online check and the offline export check ---- */

typedef enum ccsp_audit_fault {
	CCSP_AUDIT_FAULT_NONE = 0,
	CCSP_AUDIT_FAULT_MALFORMED,      /* a line is not a valid header, record or checkpoint */
	CCSP_AUDIT_FAULT_WRONG_KEY,      /* the header names another platform key */
	CCSP_AUDIT_FAULT_ALTERED,        /* the record's content does not give its chain value h */
	CCSP_AUDIT_FAULT_REMOVED,        /* records seq_from..seq are missing before the item at line */
	CCSP_AUDIT_FAULT_REORDERED,      /* the item at line is out of order (seq_from was expected there) */
	CCSP_AUDIT_FAULT_BAD_MAC,        /* online only: m is not HMAC-SM3(K, h) */
	CCSP_AUDIT_FAULT_BAD_SIGNATURE,  /* a checkpoint's signature does not verify */
	CCSP_AUDIT_FAULT_CHAIN_MISMATCH, /* a valid checkpoint signs another chain: records seq_from..seq rewritten */
	CCSP_AUDIT_FAULT_UNCOVERED       /* records seq_from..seq after the last checkpoint; or no export checkpoint */
} ccsp_audit_fault;

/* What a verification found. On a fault, line/seq name the first bad item: line is the 1-based export line
 * (or the 1-based position in the online range); records/checkpoints count what verified before it. */
typedef struct ccsp_audit_report {
	uint64_t records;
	uint64_t checkpoints;
	uint64_t first_seq, last_seq; /* the range verified (last_seq = first_seq - 1 when empty) */
	uint64_t cp_time_ms;          /* time of the last good checkpoint (an export's: when it was made) */
	ccsp_audit_fault fault;
	uint64_t line;       /* where the first fault is */
	int is_checkpoint;   /* the item there is a checkpoint (else a record, or an unparsed line) */
	uint64_t seq;        /* the seq of the item there; REMOVED, UNCOVERED, CHAIN_MISMATCH: last seq concerned */
	uint64_t seq_from;   /* REMOVED, UNCOVERED, CHAIN_MISMATCH: first seq concerned; REORDERED: seq expected */
	uint64_t other_line; /* REORDERED: the line where seq_from was found later (0: not found) */
} ccsp_audit_report;

/* Short stable English description of a fault ("altered", "removed", ...). Never NULL. */
const char *ccsp_audit_fault_str(ccsp_audit_fault f);

typedef struct ccsp_audit_verifier ccsp_audit_verifier;

/* A verifier of the chain that starts with record first_seq after prev_h (zeros when first_seq is 1),
 * checking checkpoints with pub (borrowed; must outlive the verifier) and, when key is not NULL, every MAC
 * (online; key copied, wiped by _free). pub may be NULL for an online check (key given) of a chain without
 * checkpoints: a checkpoint then fails as a bad signature. CCSP_ERR_ARG, CCSP_ERR_NOMEM. */
CCSP_MUST_CHECK ccsp_err ccsp_audit_verifier_new(const ccsp_sm2_key *pub, const uint8_t *key, size_t keylen,
                                                 uint64_t first_seq, const uint8_t prev_h[CCSP_AUDIT_HASH_SIZE],
                                                 ccsp_audit_verifier **out);
void ccsp_audit_verifier_free(ccsp_audit_verifier *v);
/* Feed items in stored order; where = line or position, for the report. After the first fault the verifier
 * keeps reading only to tell "removed" from "reordered". CCSP_OK while no fault, CCSP_ERR_TAMPERED once one
 * was found. */
CCSP_MUST_CHECK ccsp_err ccsp_audit_verifier_record(ccsp_audit_verifier *v, const ccsp_audit_record *r,
                                                    uint64_t where);
CCSP_MUST_CHECK ccsp_err ccsp_audit_verifier_checkpoint(ccsp_audit_verifier *v, const ccsp_audit_checkpoint *cp,
                                                        uint64_t where);
/* Record an item that could not be parsed at where (CCSP_AUDIT_FAULT_MALFORMED, or WRONG_KEY). */
void ccsp_audit_verifier_fail(ccsp_audit_verifier *v, ccsp_audit_fault f, uint64_t where);
/* End of input: the last item must be a checkpoint covering the last record, and of kind
 * CCSP_AUDIT_CP_EXPORT when need_export. Fills rep. CCSP_OK or CCSP_ERR_TAMPERED. */
CCSP_MUST_CHECK ccsp_err ccsp_audit_verifier_finish(ccsp_audit_verifier *v, int need_export, ccsp_audit_report *rep);
/* The chain state so far (after the last record fed): its seq and h. */
void ccsp_audit_verifier_head(const ccsp_audit_verifier *v, uint64_t *seq, uint8_t h[CCSP_AUDIT_HASH_SIZE]);

/* The platform's online check of a stored range: records recs[0..n) (seqs first_seq...) with the stored
 * checkpoints cps[0..ncp) placed after the record of their seq; MACs under key, signatures under pub. The
 * range needs no checkpoint at its end (need_export 0, uncovered tail allowed). CCSP_OK or
 * CCSP_ERR_TAMPERED with rep filled (line = 1-based position among records and checkpoints). */
CCSP_MUST_CHECK ccsp_err ccsp_audit_verify_range(const ccsp_audit_record *recs, size_t n,
                                                 const ccsp_audit_checkpoint *cps, size_t ncp, uint64_t first_seq,
                                                 const uint8_t prev_h[CCSP_AUDIT_HASH_SIZE], const uint8_t *key,
                                                 size_t keylen, const ccsp_sm2_key *pub, ccsp_audit_report *rep);

/* ---- export: JSON lines ----
 * line 1   {"type":"header","format":"ccsp-audit-export","version":1,"key":"<fingerprint hex>",
 *           "first_seq":N,"prev":"<h_{N-1} hex>"}
 * records  {"type":"record","seq":..,"ts":..,"actor":"..","role":"..","tenant":"..","action":"..",
 *           "target":"..","outcome":"..","detail":"<JSON text as a string>","h":"<hex>","m":"<hex>"}
 * checkpts {"type":"checkpoint","kind":"periodic"|"export","seq":..,"time":..,"h":"<hex>","sig":"<DER hex>"}
 * Hex is lowercase; sig is the DER SM2 signature openssl pkeyutl reads. Every key is required, no other key is
 * allowed. The last line is the export checkpoint. */

/* Where lines go: one line without its newline; CCSP_OK or an error that stops the export. */
typedef ccsp_err (*ccsp_audit_write_fn)(void *ctx, const char *line, size_t len);

typedef struct ccsp_audit_exporter ccsp_audit_exporter;

/* An export of the stored chain from first_seq (after prev_h): writes the header at once. Every record and
 * stored checkpoint given is verified online (MAC under key, linkage, signature) before it is written;
 * finish signs the export checkpoint only when everything verified, so an export that failed half-way never
 * verifies offline. pub (borrowed) is the platform key; key copied and wiped. */
CCSP_MUST_CHECK ccsp_err ccsp_audit_exporter_new(const ccsp_sm2_key *pub, const uint8_t *key, size_t keylen,
                                                 uint64_t first_seq, const uint8_t prev_h[CCSP_AUDIT_HASH_SIZE],
                                                 ccsp_audit_write_fn write, void *wctx, ccsp_audit_exporter **out);
void ccsp_audit_exporter_free(ccsp_audit_exporter *x);
/* CCSP_ERR_TAMPERED when the item fails the online check (nothing written; rep from finish says why). */
CCSP_MUST_CHECK ccsp_err ccsp_audit_exporter_record(ccsp_audit_exporter *x, const ccsp_audit_record *r);
CCSP_MUST_CHECK ccsp_err ccsp_audit_exporter_checkpoint(ccsp_audit_exporter *x, const ccsp_audit_checkpoint *cp);
/* Sign (kind export, time now_ms) and write the final checkpoint; rep (may be NULL) as the verifier's.
 * CCSP_ERR_TAMPERED when the range did not verify (nothing signed). */
CCSP_MUST_CHECK ccsp_err ccsp_audit_exporter_finish(ccsp_audit_exporter *x, uint64_t now_ms, ccsp_audit_sign_fn sign,
                                                    void *sctx, ccsp_audit_report *rep);

/* One export line as JSON text into out (cap >= CCSP_AUDIT_LINE_MAX + 1 is always enough), NUL-terminated;
 * *len without the NUL. */
CCSP_MUST_CHECK ccsp_err ccsp_audit_line_header(const uint8_t fp[CCSP_SM3_DIGEST_SIZE], uint64_t first_seq,
                                                const uint8_t prev_h[CCSP_AUDIT_HASH_SIZE], char *out, size_t cap,
                                                size_t *len);
CCSP_MUST_CHECK ccsp_err ccsp_audit_line_record(const ccsp_audit_record *r, char *out, size_t cap, size_t *len);
CCSP_MUST_CHECK ccsp_err ccsp_audit_line_checkpoint(const ccsp_audit_checkpoint *cp, char *out, size_t cap,
                                                    size_t *len);

/* One parsed export line. */
typedef enum ccsp_audit_line_type {
	CCSP_AUDIT_LINE_HEADER = 1,
	CCSP_AUDIT_LINE_RECORD,
	CCSP_AUDIT_LINE_CHECKPOINT
} ccsp_audit_line_type;
typedef struct ccsp_audit_line {
	ccsp_audit_line_type type;
	struct {
		uint8_t fp[CCSP_SM3_DIGEST_SIZE];
		uint64_t first_seq;
		uint8_t prev[CCSP_AUDIT_HASH_SIZE];
	} header;
	ccsp_audit_record record;
	ccsp_audit_checkpoint checkpoint;
} ccsp_audit_line;

/* Parse one line (untrusted; len <= CCSP_AUDIT_LINE_MAX, no newline) strictly as the format above.
 * CCSP_OK or CCSP_ERR_DECODE. */
CCSP_MUST_CHECK ccsp_err ccsp_audit_line_parse(const char *line, size_t len, ccsp_audit_line *out);

/* Verify a whole export (in memory, or read from a stream), offline, with the platform's public key only.
 * Lines longer than CCSP_AUDIT_LINE_MAX are malformed. CCSP_OK (rep: counts) or CCSP_ERR_TAMPERED (rep: the
 * first fault); CCSP_ERR_IO for a read error, CCSP_ERR_NOMEM, CCSP_ERR_ARG. */
CCSP_MUST_CHECK ccsp_err ccsp_audit_export_verify(const char *buf, size_t len, const ccsp_sm2_key *pub,
                                                  ccsp_audit_report *rep);
CCSP_MUST_CHECK ccsp_err ccsp_audit_export_verify_stream(FILE *in, const ccsp_sm2_key *pub, ccsp_audit_report *rep);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What ccspd's audit files share (not part of ccspd.h's interface):
 *   audit_log.c   appends records (the MAC key), the auditor's query and count
 *   audit_sign.c  the platform's SM2 signing key in its VSM, and the checkpointer (a signed checkpoint every N
 *                 records or T seconds, after the platform verified the records since the last one)
 *   audit_read.c  walks the stored chain for audit/verify, audit/export (JSON lines, signed at the end) and the
 *                 checkpointer; audit/pubkey
 */
#ifndef CCSP_CCSPD_AUDIT_INT_H
#define CCSP_CCSPD_AUDIT_INT_H

#include "ccspd/ccspd.h"
#include "platform/audit.h"
#include "platform/store/store_audit.h"

/* K, the chain's MAC key, read in tx. When there is no seed yet: made when create (tx read-write, its audit head
 * locked already: the first append), else CCSP_ERR_NOT_FOUND (then there is no record either). CCSP_ERR_MODULE_STATE
 * when the platform VSM cannot seal or open the seed. */
CCSP_MUST_CHECK ccsp_err ccspd_audit_mac_key(ccspd *d, ccsp_store_tx *tx, int create, uint8_t key[32]);

/* The platform's public key (NULL when no signing key is loaded: ccspd.conf audit_sign_index is 0, or the VSM
 * refused it) and the signer of ccsp_audit_checkpoint_make (ctx: the ccspd). */
const ccsp_sm2_key *ccspd_audit_pub(const ccspd *d);
CCSP_MUST_CHECK ccsp_err ccspd_audit_sign(void *ctx, const uint8_t e[CCSP_SM3_DIGEST_SIZE],
                                          uint8_t sig[CCSP_SM2_SIGNATURE_SIZE]);

/* What a walk of the stored chain feeds, in stored order: records, and the stored checkpoints each after the record
 * of its seq. A sink answers CCSP_OK to go on, CCSP_ERR_LIMIT to stop the walk there (not an error), or an error
 * that ends the walk. */
typedef struct ccspd_audit_sink {
	ccsp_err (*record)(void *ctx, const ccsp_audit_record *r);
	ccsp_err (*checkpoint)(void *ctx, const ccsp_audit_checkpoint *cp);
	void *ctx;
} ccspd_audit_sink;

/* Walk records first..last (last 0: to the newest) page by page, one read-only transaction per page. *stopped = 1
 * when a sink answered CCSP_ERR_LIMIT. */
CCSP_MUST_CHECK ccsp_err ccspd_audit_walk(ccspd *d, int64_t first, int64_t last, const ccspd_audit_sink *s,
                                          int *stopped);

/* The chain value after record seq, authenticated by that record's MAC under key (zeros for seq 0).
 * CCSP_ERR_TAMPERED when the MAC does not verify, CCSP_ERR_NOT_FOUND when there is no such record. */
CCSP_MUST_CHECK ccsp_err ccspd_audit_chain_at(ccsp_store_tx *tx, int64_t seq, const uint8_t key[32],
                                              uint8_t h[CCSP_AUDIT_HASH_SIZE]);

/* A stored checkpoint, parsed (CCSP_ERR_DECODE when its bytes are not one). */
CCSP_MUST_CHECK ccsp_err ccspd_audit_cp_from_store(const ccsp_store_audit_checkpoint *s, ccsp_audit_checkpoint *cp);

#endif

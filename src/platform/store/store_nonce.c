/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's request nonces (store_identity.h): "seen?" and "remember" are one INSERT ... ON CONFLICT DO
 * NOTHING on the primary key (access_key, nonce). Two transactions inserting the same pair, on one node or two,
 * meet at the unique index: the second waits for the first and inserts nothing if it committed.
 */
#include "platform/store/store_db.h"
#include "platform/store/store_identity.h"

ccsp_err ccsp_store_nonce_check(ccsp_store_tx *tx, const char *access_key, const char *nonce, int64_t ts)
{
	int64_t changes = 0;
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(st_text_ok(access_key, CCSP_STORE_TEXT_MAX) && st_text_ok(nonce, CCSP_STORE_TEXT_MAX), CCSP_ERR_ARG);
	st_val v[] = {ST_T(access_key), ST_T(nonce), ST_I(ts)};
	CCSP_GUARD(st_tx_query(tx, "INSERT INTO nonces (access_key, nonce, ts) VALUES (?, ?, ?)"
	                           " ON CONFLICT (access_key, nonce) DO NOTHING", v, 3, NULL, &changes));
	return changes == 1 ? CCSP_OK : CCSP_ERR_EXISTS;
}

ccsp_err ccsp_store_nonce_purge(ccsp_store_tx *tx, int64_t before, int64_t *n)
{
	int64_t changes = 0;
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	st_val v[] = {ST_I(before)};
	CCSP_GUARD(st_tx_query(tx, "DELETE FROM nonces WHERE ts < ?", v, 1, NULL, &changes));
	if (n != NULL)
		*n = changes;
	return CCSP_OK;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The store's platform settings: key -> value (store.h). */
#include <stdlib.h>
#include <string.h>

#include "platform/store/store_db.h"

ccsp_err ccsp_store_config_set(ccsp_store_tx *tx, const char *key, const char *value)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(st_text_ok(key, CCSP_STORE_TEXT_MAX) && st_value_ok(value, CCSP_STORE_VALUE_MAX), CCSP_ERR_ARG);
	st_val v[] = {ST_T(key), ST_T(value)};
	return st_tx_query(tx, "INSERT INTO config (key, value) VALUES (?, ?)"
	                       " ON CONFLICT (key) DO UPDATE SET value = excluded.value", v, 2, NULL, NULL);
}

ccsp_err ccsp_store_config_get(ccsp_store_tx *tx, const char *key, char **value)
{
	st_res *r = NULL;
	CCSP_ENSURE(value != NULL, CCSP_ERR_ARG);
	*value = NULL;
	CCSP_ENSURE(st_text_ok(key, CCSP_STORE_TEXT_MAX), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(key)};
	CCSP_GUARD(st_tx_query_one(tx, "SELECT value FROM config WHERE key = ?", v, 1, &r));
	const char *t = st_res_text(r, 0, 0);
	*value = strdup(t ? t : "");
	st_res_free(r);
	return *value ? CCSP_OK : CCSP_ERR_NOMEM;
}

ccsp_err ccsp_store_config_delete(ccsp_store_tx *tx, const char *key)
{
	CCSP_ENSURE(st_tx_writable(tx), CCSP_ERR_STATE);
	CCSP_ENSURE(st_text_ok(key, CCSP_STORE_TEXT_MAX), CCSP_ERR_NOT_FOUND);
	st_val v[] = {ST_T(key)};
	return st_tx_change_one(tx, "DELETE FROM config WHERE key = ?", v, 1);
}

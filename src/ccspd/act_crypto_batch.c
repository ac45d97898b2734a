/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Batches of crypto calls (docs/api-ccspd.md "crypto/batch"):
 *   POST /api/v1/crypto/batch {"items": [{"action": name, ...that action's request members}, ...]} (1..1000 items)
 *        -> {"results": [one per item, in order], "succeeded", "failed"}
 * Each item runs as its own call of the named crypto action, with the batch's caller, and answers for itself: a
 * result {"status": 200, ...the action's answer} or {"status", "code", "message"} — one item failing stops nothing.
 * The items run one after the other on the batch's task-queue thread, each with its own store transaction (no
 * atomicity across items: a batch is a way to save round trips, not a transaction). Metering: each item counts as a
 * call of its action ("crypto/<action>", with its key and the bytes of its item and result), besides the batch's
 * own call of "crypto/batch" with the bytes on the wire.
 *
 * The plain SM3 items ("hash" with Base64 data, without publicKey or id) are hashed before the items run, all at
 * once in the lanes of multi-buffer SM3 (crypto/sm3/sm3_mb.h: 8 or 16 messages per pass with AVX2 or AVX-512); each
 * then answers with its digest as crypto/hash would. An item this pass cannot take (malformed data, a Z
 * pre-processing) runs the usual way and answers for itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccspd/ccspd.h"
#include "common/b64.h"
#include "crypto/sm3/sm3_mb.h"

#define BATCH_MAX 1000

static const struct {
	const char *name;
	ccspd_action_fn fn;
} batchable[] = {
	{"encrypt", ccspd_act_crypto_encrypt},
	{"decrypt", ccspd_act_crypto_decrypt},
	{"re-encrypt", ccspd_act_crypto_re_encrypt},
	{"generate-data-key", ccspd_act_crypto_generate_data_key},
	{"sign", ccspd_act_crypto_sign},
	{"verify", ccspd_act_crypto_verify},
	{"mac", ccspd_act_crypto_mac},
	{"mac-verify", ccspd_act_crypto_mac_verify},
	{"asymmetric-decrypt", ccspd_act_crypto_asymmetric_decrypt},
	{"get-public-key", ccspd_act_crypto_get_public_key},
	{"envelope-seal", ccspd_act_crypto_envelope_seal},
	{"envelope-open", ccspd_act_crypto_envelope_open},
	{"hash", ccspd_act_crypto_hash},
	{"random", ccspd_act_crypto_random},
};

static ccspd_action_fn find(const char *name)
{
	for (size_t i = 0; name != NULL && i < sizeof batchable / sizeof batchable[0]; i++)
		if (strcmp(name, batchable[i].name) == 0)
			return batchable[i].fn;
	return NULL;
}

/* The decoded data of a plain SM3 item ("hash" with Base64 data and neither publicKey nor id), malloc'd; NULL for
 * any other item (or out of memory: the item then runs the usual way). */
static uint8_t *plain_hash_data(json_t *item, size_t *len)
{
	json_t *data = json_object_get(item, "data");
	const char *action = json_string_value(json_object_get(item, "action"));
	if (action == NULL || strcmp(action, "hash") != 0 || !json_is_string(data) ||
	    json_object_get(item, "publicKey") != NULL || json_object_get(item, "id") != NULL)
		return NULL;
	size_t n = json_string_length(data), cap = n / 4 * 3 + 3;
	uint8_t *buf = malloc(cap);
	if (buf != NULL && ccsp_b64_decode(json_string_value(data), n, buf, cap, len) != CCSP_OK) {
		free(buf);
		buf = NULL;
	}
	return buf;
}

/* digests[i] for every plain SM3 item i of items, all hashed in one multi-buffer pass; ready[i] says which. Nothing
 * is ready when the pass cannot run (then every item hashes itself). */
static void hash_plain_items(json_t *items, size_t n, uint8_t (*digests)[32], uint8_t *ready)
{
	const uint8_t **msgs = calloc(n, sizeof *msgs);
	size_t *lens = calloc(n, sizeof *lens), *idx = calloc(n, sizeof *idx), m = 0;
	uint8_t (*out)[32] = calloc(n, sizeof *out);
	for (size_t i = 0; msgs != NULL && lens != NULL && idx != NULL && out != NULL && i < n; i++) {
		uint8_t *d = plain_hash_data(json_array_get(items, i), &lens[m]);
		if (d != NULL) {
			msgs[m] = d;
			idx[m++] = i;
		}
	}
	if (m > 0 && ccsp_sm3_digest_many(msgs, lens, m, out) == CCSP_OK) {
		for (size_t k = 0; k < m; k++) {
			memcpy(digests[idx[k]], out[k], 32);
			ready[idx[k]] = 1;
		}
	}
	for (size_t k = 0; k < m; k++)
		free((void *)msgs[k]);
	free(msgs);
	free(lens);
	free(idx);
	free(out);
}

/* One item as a call of its own; its result (a new object). sm3_ready: the digest of a plain SM3 item, or NULL. */
static json_t *run_item(ccspd_call *c, json_t *item, const uint8_t *sm3_ready)
{
	json_t *result = json_object();
	ccspd_meter m = {0};
	ccspd_call sub = {.d = c->d, .req = c->req, .who = c->who, .capture = result, .sm3_ready = sm3_ready};
	const char *name = json_is_object(item) ? json_string_value(json_object_get(item, "action")) : NULL;
	ccspd_action_fn fn = find(name);
	if (result == NULL)
		return NULL;
	if (c->meter != NULL) { /* the item's own count: the batch's caller, the item's key */
		m = *c->meter;
		m.key_id[0] = '\0';
		sub.meter = &m;
	}
	if (fn == NULL) {
		ccspd_call_fail(&sub, CCSP_APIERR_INVALID_PARAM,
		                "an item is an object whose \"action\" is a crypto action (see crypto/batch)");
		return result;
	}
	sub.body = json_copy(item); /* shallow: the members are the item's, so act_wipe wipes the batch's too */
	if (sub.body == NULL) {
		ccspd_call_fail(&sub, CCSP_APIERR_INTERNAL, NULL);
		return result;
	}
	json_object_del(sub.body, "action");
	fn(&sub);
	json_decref(sub.body);
	if (json_object_get(result, "status") == NULL) /* every action answers; never a silent item */
		ccspd_call_fail(&sub, CCSP_APIERR_INTERNAL, NULL);
	if (sub.meter != NULL) {
		char action[48];
		snprintf(action, sizeof action, "crypto/%s", name);
		ccspd_meter_item(c->d, &m, action, json_integer_value(json_object_get(result, "status")) == 200,
		                 (uint64_t)json_dumpb(item, NULL, 0, JSON_COMPACT) +
		                     (uint64_t)json_dumpb(result, NULL, 0, JSON_COMPACT));
	}
	return result;
}

void ccspd_act_crypto_batch(ccspd_call *c)
{
	json_t *items = json_object_get(c->body, "items");
	size_t n = json_array_size(items), ok = 0;
	if (!json_is_array(items) || n == 0 || n > BATCH_MAX) {
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM, "items must be an array of 1..1000 items");
		return;
	}
	json_t *results = json_array();
	uint8_t(*digests)[32] = calloc(n, sizeof *digests), *ready = calloc(n, 1);
	if (digests != NULL && ready != NULL)
		hash_plain_items(items, n, digests, ready);
	for (size_t i = 0; results != NULL && i < n; i++) {
		json_t *r = run_item(c, json_array_get(items, i), ready != NULL && ready[i] ? digests[i] : NULL);
		if (r == NULL || json_array_append_new(results, r) != 0) {
			json_decref(results);
			results = NULL;
			break;
		}
		ok += json_integer_value(json_object_get(r, "status")) == 200;
	}
	free(digests);
	free(ready);
	if (results == NULL) {
		ccspd_call_fail(c, CCSP_APIERR_INTERNAL, NULL);
		return;
	}
	ccspd_call_ok(c, json_pack("{s:o, s:I, s:I}", "results", results, "succeeded", (json_int_t)ok, "failed",
	                           (json_int_t)(n - ok)));
}

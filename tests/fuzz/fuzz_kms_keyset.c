/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the key-set backup's bundle reader (src/platform/kms_keyset.c): what a security administrator hands to
 * secadmin/group-recover. Input: JSON text. When the reader accepts it, the set must hold its bounds, be in strict
 * (tenant, key, version) order, give every entry an aad within CCSP_KMS_KEYSET_AAD_SIZE_MAX, and written back out
 * read back to the same digest and entries (export-then-import).
 */
#include <stdlib.h>
#include <string.h>

#include "platform/kms_keyset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const ccsp_kms_keyset *ks, const uint8_t d[32])
{
	uint8_t aad[CCSP_KMS_KEYSET_AAD_SIZE_MAX], d2[32];
	size_t len = 0;
	ccsp_kms_keyset back;
	if (ks->count == 0 || ks->count > CCSP_KMS_KEYSET_MAX || ks->m < 2 || ks->m > ks->n || ks->n > 16)
		abort();
	for (size_t i = 0; i < ks->count; i++) {
		const ccsp_kms_keyset_entry *e = &ks->e[i];
		if (ccsp_kms_keyset_aad(e, d, aad, sizeof aad, &len) != CCSP_OK || len > sizeof aad ||
		    (e->sealed.len != 16 && e->sealed.len != 32) || (e->publen != 0 && e->publen != 64))
			abort();
		if (i > 0) {
			const ccsp_kms_keyset_entry *p = &ks->e[i - 1];
			int t = strcmp(p->tenant_id, e->tenant_id), k = strcmp(p->key_id, e->key_id);
			if (t > 0 || (t == 0 && (k > 0 || (k == 0 && p->version >= e->version))))
				abort();
		}
	}
	json_t *o = ccsp_kms_keyset_json(ks);
	if (o == NULL || ccsp_kms_keyset_parse(o, &back, d2) != CCSP_OK || memcmp(d, d2, 32) != 0 ||
	    back.count != ks->count || memcmp(back.e, ks->e, ks->count * sizeof *ks->e) != 0)
		abort();
	ccsp_kms_keyset_free(&back);
	json_decref(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ccsp_kms_keyset ks;
	uint8_t d[32];
	json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (doc == NULL)
		return 0;
	if (ccsp_kms_keyset_parse(doc, &ks, d) == CCSP_OK) {
		check(&ks, d);
		ccsp_kms_keyset_free(&ks);
	} else if (ks.e != NULL || ks.count != 0) {
		abort(); /* a refusal leaves the set empty */
	}
	json_decref(doc);
	return 0;
}

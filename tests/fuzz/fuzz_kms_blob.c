/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz what an application sends to crypto/decrypt and crypto/encrypt (src/platform/kms_blob.c): the ciphertext
 * blob and the context object.
 *
 * Input: one selector byte, then the bytes. Selector even: the rest is a blob; the parser's verdict and fields are
 * checked against the layout read straight from the bytes (kms_blob.h). Selector odd: the rest is JSON text; when
 * it is an object the canonical context must be bounded, parse back to an object with the same members, and be
 * its own canonical form; and the AAD built over it has the documented length.
 */
#include <stdlib.h>
#include <string.h>

#include "platform/kms_blob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_blob(const uint8_t *b, size_t n)
{
	ccsp_kms_blob k;
	static const char hex[] = "0123456789abcdef";
	uint32_t version = n >= 21 ? (uint32_t)b[17] << 24 | (uint32_t)b[18] << 16 | (uint32_t)b[19] << 8 | b[20] : 0;
	int valid = n >= CCSP_KMS_BLOB_OVERHEAD && b[0] == CCSP_KMS_BLOB_FORMAT && version != 0;
	ccsp_err ret = ccsp_kms_blob_parse(b, n, &k);
	if ((ret == CCSP_OK) != valid)
		abort();
	if (!valid)
		return;
	for (size_t i = 0; i < 16; i++)
		if (k.key_id[2 * i] != hex[b[1 + i] >> 4] || k.key_id[2 * i + 1] != hex[b[1 + i] & 15])
			abort();
	if (k.key_id[32] != '\0' || k.version != version || k.header != b || k.iv != b + 21 || k.ct != b + 33 ||
	    k.ctlen != n - CCSP_KMS_BLOB_OVERHEAD || k.tag != b + n - 16)
		abort();
}

static void check_context(const uint8_t *text, size_t n)
{
	json_t *ctx = json_loadb((const char *)text, n, JSON_REJECT_DUPLICATES, NULL);
	char *canon = NULL, *again = NULL;
	if (ctx == NULL)
		return;
	if (ccsp_kms_context_canon(ctx, &canon) == CCSP_OK) {
		json_t *back = json_loads(canon, JSON_REJECT_DUPLICATES, NULL);
		if (strlen(canon) > CCSP_KMS_CONTEXT_MAX || back == NULL || !json_equal(back, ctx) ||
		    ccsp_kms_context_canon(back, &again) != CCSP_OK || strcmp(again, canon) != 0)
			abort();
		uint8_t header[CCSP_KMS_BLOB_HEADER] = {CCSP_KMS_BLOB_FORMAT, [20] = 1}, *aad = NULL;
		size_t len = 0;
		static const char id[] = "0123456789abcdef0123456789abcdef";
		if (ccsp_kms_aad(header, id, id, canon, &aad, &len) != CCSP_OK ||
		    len != sizeof CCSP_KMS_AAD_PREFIX - 1 + CCSP_KMS_BLOB_HEADER + 64 + strlen(canon))
			abort();
		free(aad);
		json_decref(back);
	} else if (canon != NULL) {
		abort();
	}
	free(canon);
	free(again);
	json_decref(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] % 2 == 0)
		check_blob(data + 1, size - 1);
	else
		check_context(data + 1, size - 1);
	return 0;
}

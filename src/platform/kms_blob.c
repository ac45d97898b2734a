/* SPDX-License-Identifier: Apache-2.0 */
/* The KMS ciphertext blob and its AAD (kms_blob.h). */
#include <stdlib.h>
#include <string.h>

#include "common/b64.h"
#include "platform/kms_blob.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

ccsp_err ccsp_kms_blob_header(const char *key_id, uint32_t version, uint8_t out[CCSP_KMS_BLOB_HEADER])
{
	if (key_id == NULL || strlen(key_id) != 32 || version == 0)
		return CCSP_ERR_ARG;
	out[0] = CCSP_KMS_BLOB_FORMAT;
	for (size_t i = 0; i < 16; i++) {
		int hi = hexval(key_id[2 * i]), lo = hexval(key_id[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return CCSP_ERR_ARG;
		out[1 + i] = (uint8_t)(hi << 4 | lo);
	}
	out[17] = (uint8_t)(version >> 24);
	out[18] = (uint8_t)(version >> 16);
	out[19] = (uint8_t)(version >> 8);
	out[20] = (uint8_t)version;
	return CCSP_OK;
}

ccsp_err ccsp_kms_blob_parse(const uint8_t *blob, size_t len, ccsp_kms_blob *out)
{
	memset(out, 0, sizeof *out);
	if (blob == NULL || len < CCSP_KMS_BLOB_OVERHEAD || blob[0] != CCSP_KMS_BLOB_FORMAT)
		return CCSP_ERR_ARG;
	ccsp_hex_encode(blob + 1, 16, out->key_id);
	out->version = (uint32_t)blob[17] << 24 | (uint32_t)blob[18] << 16 | (uint32_t)blob[19] << 8 | blob[20];
	if (out->version == 0)
		return CCSP_ERR_ARG;
	out->header = blob;
	out->iv = blob + CCSP_KMS_BLOB_IV_OFF;
	out->ct = blob + CCSP_KMS_BLOB_CT_OFF;
	out->ctlen = len - CCSP_KMS_BLOB_OVERHEAD;
	out->tag = out->ct + out->ctlen;
	return CCSP_OK;
}

ccsp_err ccsp_kms_context_canon(const json_t *context, char **out)
{
	const char *k;
	json_t *v;
	*out = NULL;
	if (context == NULL) {
		*out = strdup("{}");
		return *out != NULL ? CCSP_OK : CCSP_ERR_NOMEM;
	}
	if (!json_is_object(context) || json_object_size(context) > CCSP_KMS_CONTEXT_MEMBERS)
		return CCSP_ERR_ARG;
	json_object_foreach((json_t *)context, k, v) {
		if (!json_is_string(v))
			return CCSP_ERR_ARG;
	}
	char *text = json_dumps(context, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	if (text == NULL)
		return CCSP_ERR_NOMEM;
	if (strlen(text) > CCSP_KMS_CONTEXT_MAX) {
		free(text);
		return CCSP_ERR_ARG;
	}
	*out = text;
	return CCSP_OK;
}

ccsp_err ccsp_kms_aad(const uint8_t header[CCSP_KMS_BLOB_HEADER], const char *tenant_id, const char *app_id,
                      const char *context_canon, uint8_t **out, size_t *len)
{
	static const char prefix[] = CCSP_KMS_AAD_PREFIX;
	*out = NULL;
	*len = 0;
	if (header == NULL || tenant_id == NULL || strlen(tenant_id) != 32 || app_id == NULL || strlen(app_id) != 32 ||
	    context_canon == NULL || strlen(context_canon) > CCSP_KMS_CONTEXT_MAX)
		return CCSP_ERR_ARG;
	size_t p = sizeof prefix - 1, c = strlen(context_canon), n = p + CCSP_KMS_BLOB_HEADER + 64 + c;
	uint8_t *a = malloc(n);
	if (a == NULL)
		return CCSP_ERR_NOMEM;
	memcpy(a, prefix, p);
	memcpy(a + p, header, CCSP_KMS_BLOB_HEADER);
	memcpy(a + p + CCSP_KMS_BLOB_HEADER, tenant_id, 32);
	memcpy(a + p + CCSP_KMS_BLOB_HEADER + 32, app_id, 32);
	memcpy(a + p + CCSP_KMS_BLOB_HEADER + 64, context_canon, c);
	*out = a;
	*len = n;
	return CCSP_OK;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* PEM decoder: a decoded block re-encodes and decodes back to the same label and bytes. */
#include <stdlib.h>
#include <string.h>

#include "der/pem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char label[CCSP_PEM_LABEL_MAX + 1], label2[CCSP_PEM_LABEL_MAX + 1];
	size_t len, pemlen, len2;
	uint8_t *der = malloc(size + 1), *der2 = malloc(size + 1), *pem = NULL;
	if (der == NULL || der2 == NULL)
		abort();
	if (ccsp_pem_decode(data, size, label, sizeof label, der, size, &len) != CCSP_OK)
		goto out;
	if (ccsp_pem_encode(label, der, len, NULL, 0, &pemlen) != CCSP_ERR_BUFFER_TOO_SMALL ||
	    (pem = malloc(pemlen)) == NULL || ccsp_pem_encode(label, der, len, pem, pemlen, &pemlen) != CCSP_OK)
		abort();
	if (!ccsp_pem_detect(pem, pemlen) ||
	    ccsp_pem_decode(pem, pemlen, label2, sizeof label2, der2, size, &len2) != CCSP_OK || len2 != len ||
	    memcmp(der, der2, len) != 0 || strcmp(label, label2) != 0)
		abort();
out:
	free(pem);
	free(der);
	free(der2);
	return 0;
}

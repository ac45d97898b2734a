/* SPDX-License-Identifier: Apache-2.0 */
/* SM2Cipher DER decoder: what decodes must re-encode to exactly the input (strict DER). */
#include <stdlib.h>
#include <string.h>

#include <ccsp/sm2_asn1.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t rawlen, derlen, need;
	uint8_t *raw = malloc(size + 1), *der = malloc(size + 1);
	if (raw == NULL || der == NULL)
		abort();
	if (ccsp_sm2_ciphertext_from_der(data, size, raw, size, &rawlen) == CCSP_OK) {
		if (rawlen <= CCSP_SM2_CIPHERTEXT_OVERHEAD || raw[0] != 0x04)
			abort();
		if (ccsp_sm2_ciphertext_to_der(raw, rawlen, NULL, 0, &need) != CCSP_ERR_BUFFER_TOO_SMALL || need != size)
			abort();
		if (ccsp_sm2_ciphertext_to_der(raw, rawlen, der, size, &derlen) != CCSP_OK || derlen != size ||
		    memcmp(der, data, size) != 0)
			abort();
	}
	free(raw);
	free(der);
	return 0;
}

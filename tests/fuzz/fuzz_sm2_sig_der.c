/* SPDX-License-Identifier: Apache-2.0 */
/* SM2Signature DER decoder. Strict DER has one encoding per value, so whatever decodes must
 * re-encode to exactly the input. */
#include <stdlib.h>
#include <string.h>

#include <ccsp/sm2_asn1.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t sig[CCSP_SM2_SIGNATURE_SIZE], der[CCSP_SM2_SIGNATURE_DER_MAX];
	size_t len;
	if (ccsp_sm2_signature_from_der(data, size, sig) != CCSP_OK)
		return 0;
	if (ccsp_sm2_signature_to_der(sig, der, sizeof der, &len) != CCSP_OK || len != size ||
	    memcmp(der, data, size) != 0)
		abort();
	return 0;
}

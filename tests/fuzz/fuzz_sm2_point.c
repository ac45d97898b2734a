/* SPDX-License-Identifier: Apache-2.0 */
/* ccsp_sm2_key_set_public on arbitrary bytes. An accepted point must read back the same in its
 * three encodings and through SPKI. */
#include <stdlib.h>
#include <string.h>

#include <ccsp/sm2_asn1.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same(const uint8_t *enc, size_t len, const uint8_t expect[CCSP_SM2_POINT_SIZE])
{
	uint8_t got[CCSP_SM2_POINT_SIZE];
	ccsp_sm2_key *k = ccsp_sm2_key_new();
	if (k == NULL || ccsp_sm2_key_set_public(k, enc, len) != CCSP_OK || ccsp_sm2_key_get_public(k, got) != CCSP_OK ||
	    memcmp(got, expect, sizeof got) != 0)
		abort();
	ccsp_sm2_key_free(k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t pub[CCSP_SM2_POINT_SIZE], comp[CCSP_SM2_COMPRESSED_POINT_SIZE], spki[CCSP_SM2_KEY_FILE_MAX];
	size_t len;
	ccsp_sm2_key *key = ccsp_sm2_key_new();
	if (key == NULL)
		abort();
	if (ccsp_sm2_key_set_public(key, data, size) == CCSP_OK) {
		if (size != 33 && size != 64 && size != 65)
			abort();
		if (ccsp_sm2_key_has_private(key) || ccsp_sm2_key_get_public(key, pub) != CCSP_OK ||
		    ccsp_sm2_key_get_public_compressed(key, comp) != CCSP_OK || pub[0] != 0x04)
			abort();
		check_same(pub, sizeof pub, pub);
		check_same(pub + 1, 64, pub);
		check_same(comp, sizeof comp, pub);
		ccsp_sm2_key *k2 = ccsp_sm2_key_new();
		uint8_t pub2[CCSP_SM2_POINT_SIZE];
		if (ccsp_sm2_key_encode(key, CCSP_SM2_KEY_SPKI, 0, NULL, 0, spki, sizeof spki, &len) != CCSP_OK ||
		    k2 == NULL || ccsp_sm2_key_decode(k2, spki, len, NULL, 0, NULL) != CCSP_OK ||
		    ccsp_sm2_key_get_public(k2, pub2) != CCSP_OK || memcmp(pub, pub2, sizeof pub) != 0)
			abort();
		ccsp_sm2_key_free(k2);
	}
	ccsp_sm2_key_free(key);
	return 0;
}

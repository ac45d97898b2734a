/* SPDX-License-Identifier: Apache-2.0 */
/* Key-file loader on arbitrary bytes (every format, DER and PEM, password "fuzz"). A key that loads
 * must survive writing and reading back in every format with the same public and private parts. */
#include <stdlib.h>
#include <string.h>

#include <ccsp/sm2_asn1.h>

#include "sm2/sm2_keyfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small, so that a fuzzed iteration count cannot stall the run. */
#define FUZZ_MAX_ITERATIONS 64

static const uint8_t pass[] = "fuzz";

static void round_trip(const ccsp_sm2_key *key)
{
	uint8_t pub[CCSP_SM2_POINT_SIZE], pub2[CCSP_SM2_POINT_SIZE], d[32], d2[32], buf[CCSP_SM2_KEY_FILE_MAX];
	int priv = ccsp_sm2_key_has_private(key);
	if (ccsp_sm2_key_get_public(key, pub) != CCSP_OK || (priv && ccsp_sm2_key_get_private(key, d) != CCSP_OK))
		abort();
	for (int f = CCSP_SM2_KEY_SPKI; f <= CCSP_SM2_KEY_PKCS8_ENCRYPTED; f++) {
		for (int pem = 0; pem <= 1; pem++) {
			size_t len;
			ccsp_sm2_key_format got;
			ccsp_err e = f == CCSP_SM2_KEY_PKCS8_ENCRYPTED
			                 ? ccsp_sm2_key_encode_encrypted(key, pem, pass, 4, CCSP_SM2_PBE_HMAC_SM3, 1, buf,
			                                                 sizeof buf, &len)
			                 : ccsp_sm2_key_encode(key, (ccsp_sm2_key_format)f, pem, NULL, 0, buf, sizeof buf, &len);
			if (f != CCSP_SM2_KEY_SPKI && !priv) {
				if (e != CCSP_ERR_KEY)
					abort();
				continue;
			}
			ccsp_sm2_key *k2 = ccsp_sm2_key_new();
			if (e != CCSP_OK || k2 == NULL ||
			    ccsp_sm2_key_decode(k2, buf, len, pass, 4, &got) != CCSP_OK || got != (ccsp_sm2_key_format)f ||
			    ccsp_sm2_key_get_public(k2, pub2) != CCSP_OK || memcmp(pub, pub2, sizeof pub) != 0)
				abort();
			if (f != CCSP_SM2_KEY_SPKI &&
			    (ccsp_sm2_key_get_private(k2, d2) != CCSP_OK || memcmp(d, d2, sizeof d) != 0))
				abort();
			ccsp_sm2_key_free(k2);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ccsp_sm2_key *key = ccsp_sm2_key_new();
	if (key == NULL)
		abort();
	if (ccsp_sm2_key_decode_capped(key, data, size, pass, 4, NULL, FUZZ_MAX_ITERATIONS) == CCSP_OK)
		round_trip(key);
	ccsp_sm2_key_free(key);
	return 0;
}

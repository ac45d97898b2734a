/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz what a tenant sends to kms/key-import (src/platform/kms_byok.c): an SM2 ciphertext of key material (DER
 * SM2Cipher or raw) and a GM/T 0009 SM2EnvelopedKey.
 *
 * Input: one selector byte, then the bytes. Even: an SM2 ciphertext; when it parses, its raw form is bounded, and
 * written back as DER it parses again to the same raw form. Odd: an SM2EnvelopedKey; when it parses, its parts are
 * bounded, and written back (ours is SM4-ECB) it parses again to the same parts.
 */
#include <stdlib.h>
#include <string.h>

#include "platform/kms_byok.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_ct(const uint8_t *b, size_t n)
{
	uint8_t raw[CCSP_KMS_BYOK_CT_MAX], raw2[CCSP_KMS_BYOK_CT_MAX], der[CCSP_KMS_BYOK_DER_MAX];
	size_t rawlen = 0, raw2len = 0, derlen = 0;
	if (ccsp_kms_sm2_ct_read(b, n, raw, &rawlen) != CCSP_OK)
		return;
	if (rawlen <= 96 || rawlen > CCSP_KMS_BYOK_CT_MAX)
		abort();
	if (ccsp_kms_sm2_ct_write(raw, rawlen, der, sizeof der, &derlen) != CCSP_OK)
		abort();
	if (ccsp_kms_sm2_ct_read(der, derlen, raw2, &raw2len) != CCSP_OK || raw2len != rawlen ||
	    memcmp(raw, raw2, rawlen) != 0)
		abort();
}

static void check_envelope(const uint8_t *b, size_t n)
{
	uint8_t ct[CCSP_KMS_BYOK_CT_MAX], ct2[CCSP_KMS_BYOK_CT_MAX], d[32], d2[32], pub[64], pub2[64];
	uint8_t der[CCSP_KMS_BYOK_DER_MAX];
	size_t ctlen = 0, ct2len = 0, derlen = 0;
	if (ccsp_kms_enveloped_key_read(b, n, ct, &ctlen, d, pub) != CCSP_OK)
		return;
	if (ctlen != 96 + 16)
		abort();
	if (ccsp_kms_enveloped_key_write(ct, ctlen, d, pub, der, sizeof der, &derlen) != CCSP_OK)
		abort();
	if (ccsp_kms_enveloped_key_read(der, derlen, ct2, &ct2len, d2, pub2) != CCSP_OK || ct2len != ctlen ||
	    memcmp(ct, ct2, ctlen) != 0 || memcmp(d, d2, 32) != 0 || memcmp(pub, pub2, 64) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] % 2 == 0)
		check_ct(data + 1, size - 1);
	else
		check_envelope(data + 1, size - 1);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Internal: key-file decoding with a chosen PBKDF2 iteration cap (the fuzz targets use a small one). */
#ifndef CCSP_SM2_KEYFILE_H
#define CCSP_SM2_KEYFILE_H

#include <ccsp/sm2_asn1.h>

CCSP_MUST_CHECK ccsp_err ccsp_sm2_key_decode_capped(ccsp_sm2_key *key, const uint8_t *in, size_t len,
                                                    const uint8_t *pass, size_t passlen, ccsp_sm2_key_format *fmt,
                                                    uint32_t max_iterations);

#endif

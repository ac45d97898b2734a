/* SPDX-License-Identifier: Apache-2.0 */
/* Internal: HMAC-SM3 without the module-state guard and argument checks (see sm3_internal.h). */
#ifndef CCSP_HMAC_SM3_INTERNAL_H
#define CCSP_HMAC_SM3_INTERNAL_H

#include "sm3_internal.h"

void ccsp_hmac_sm3_ctx_init(ccsp_hmac_sm3_ctx *ctx, const uint8_t *key, size_t keylen);
void ccsp_hmac_sm3_ctx_final(ccsp_hmac_sm3_ctx *ctx, uint8_t mac[CCSP_SM3_DIGEST_SIZE]);

#endif

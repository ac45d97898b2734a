/* SPDX-License-Identifier: Apache-2.0 */
/* SM2 point arithmetic over the portable C field multiplication; also builds the comb table. */
#include <string.h>

#include "sm2_arith.h"

#define FE_MUL(r, a, b) ccsp_sm2_fe_mul_portable(r, a, b)
#define FE_SQR(r, a) ccsp_sm2_fe_mul_portable(r, a, a)
#define SM2_IMPL_STRUCT ccsp_sm2_impl_portable
#define SM2_IMPL_NAME "portable"
#define SM2_COMB_BUILDER
#include "sm2_curve_tmpl.h"

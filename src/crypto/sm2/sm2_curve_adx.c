/* SPDX-License-Identifier: Apache-2.0 */
/* SM2 point arithmetic over the MULX/ADX field multiplication (x86-64 only). */
#if defined(__x86_64__)
#include <string.h>

#include "sm2_field_adx.h"

#define FE_MUL(r, a, b) ccsp_sm2_fe_mul_adx(r, a, b)
#define FE_SQR(r, a) ccsp_sm2_fe_sqr_adx(r, a)
#define FE_ADD ccsp_sm2_fe_add_x86
#define FE_SUB ccsp_sm2_fe_sub_x86
#define FE_COND_NEG ccsp_sm2_fe_cond_neg_x86
#define FE_SELECT ccsp_sm2_fe_select_x86
#define SM2_IMPL_STRUCT ccsp_sm2_impl_adx
#define SM2_IMPL_NAME "mulx-adx"
#include "sm2_curve_tmpl.h"
#else
typedef int ccsp_sm2_curve_adx_unused;
#endif

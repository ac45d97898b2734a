/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: the x86-64 assembly field (sm2_field_x86_64.S) bound to the curve template's FE_* names, for the
 * implementations built on it (sm2_curve_asm.c, sm2_curve_asm_avx2.c), which then define SM2_IMPL_STRUCT and
 * SM2_IMPL_NAME (and any option) and include sm2_curve_tmpl.h.
 */
#ifndef CCSP_SM2_FIELD_ASM_H
#define CCSP_SM2_FIELD_ASM_H

#include "sm2_field_adx.h"

void ccsp_sm2_asm_fe_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]);
void ccsp_sm2_asm_fe_sqr(uint64_t r[4], const uint64_t a[4]);
void ccsp_sm2_asm_fe_sqr_n(uint64_t r[4], const uint64_t a[4], unsigned n);
void ccsp_sm2_asm_point_dbl(ccsp_sm2_jpoint *r, const ccsp_sm2_jpoint *a);
uint64_t ccsp_sm2_asm_point_add_core(ccsp_sm2_jpoint *r, const ccsp_sm2_jpoint *a, const ccsp_sm2_jpoint *b);
uint64_t ccsp_sm2_asm_point_madd_core(ccsp_sm2_jpoint *r, const ccsp_sm2_jpoint *a, const ccsp_sm2_apoint *b);

#define FE_MUL(r, a, b) ccsp_sm2_asm_fe_mul(r, a, b)
#define FE_SQR(r, a) ccsp_sm2_asm_fe_sqr(r, a)
#define FE_SQR_N ccsp_sm2_asm_fe_sqr_n
#define FE_POINT_DBL ccsp_sm2_asm_point_dbl
#define FE_POINT_ADD_CORE ccsp_sm2_asm_point_add_core
#define FE_POINT_MADD_CORE ccsp_sm2_asm_point_madd_core
#define FE_ADD ccsp_sm2_fe_add_x86
#define FE_SUB ccsp_sm2_fe_sub_x86
#define FE_COND_NEG ccsp_sm2_fe_cond_neg_x86
#define FE_SELECT ccsp_sm2_fe_select_x86

#endif

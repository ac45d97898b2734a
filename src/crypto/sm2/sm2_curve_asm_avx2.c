/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SM2 point arithmetic over the x86-64 assembly field (as sm2_curve_asm.c) with the constant-time table
 * scans in 256-bit AVX2 lanes: offered only when the CPU and OS support AVX2 as well as BMI2 and ADX.
 */
#if defined(__x86_64__)
#include <string.h>

#include "sm2_field_asm.h"

#define SM2_LOOKUP_AVX2
#define SM2_IMPL_STRUCT ccsp_sm2_impl_asm_avx2
#define SM2_IMPL_NAME "x86-64-asm-avx2"
#include "sm2_curve_tmpl.h"
#else
typedef int ccsp_sm2_curve_asm_avx2_unused;
#endif

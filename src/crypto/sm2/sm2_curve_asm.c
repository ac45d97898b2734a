/* SPDX-License-Identifier: Apache-2.0 */
/* SM2 point arithmetic over the x86-64 assembly field multiplication (sm2_field_x86_64.S). */
#if defined(__x86_64__)
#include <string.h>

#include "sm2_field_asm.h"

#define SM2_IMPL_STRUCT ccsp_sm2_impl_asm
#define SM2_IMPL_NAME "x86-64-asm"
#include "sm2_curve_tmpl.h"
#else
typedef int ccsp_sm2_curve_asm_unused;
#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fixed-base comb table (43 x 32 affine points, 88 KB) is computed at first use rather than
 * shipped as a generated file: about half a millisecond, once per process, with the portable
 * implementation, and nothing to keep in sync with the code.
 */
#include <pthread.h>

#include "sm2_arith.h"

static ccsp_sm2_comb_table comb_table __attribute__((aligned(64)));
static pthread_once_t comb_once = PTHREAD_ONCE_INIT;

static void comb_init(void)
{
	ccsp_sm2_comb_build(&comb_table);
}

const ccsp_sm2_comb_table *ccsp_sm2_comb(void)
{
	pthread_once(&comb_once, comb_init);
	return &comb_table;
}

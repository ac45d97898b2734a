/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: the module's finite state model. Every public service starts with
 *     CCSP_GUARD(ccsp_module_ready());
 * which costs one atomic load once the module is operational, runs the pre-operational self-tests
 * on first use, and refuses service in the error state.
 */
#ifndef CCSP_MODULE_H
#define CCSP_MODULE_H

#include <ccsp/selftest.h>
#include <stdatomic.h>

#include "crypto/guard.h" /* CCSP_GUARD, CCSP_ENSURE, CCSP_CHECK */

extern _Atomic int ccsp_module_state_g;

ccsp_err ccsp_module_ready_slow(void);

static inline ccsp_err ccsp_module_ready(void)
{
	if (__builtin_expect(atomic_load_explicit(&ccsp_module_state_g, memory_order_acquire) ==
	                         CCSP_STATE_OPERATIONAL, 1))
		return CCSP_OK;
	return ccsp_module_ready_slow();
}

/* Enter the error state for good (a conditional self-test failed: pairwise test, DRBG health). */
void ccsp_module_enter_error(void);

#endif

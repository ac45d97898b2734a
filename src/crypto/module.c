/* SPDX-License-Identifier: Apache-2.0 */
#include "module.h"

#include <pthread.h>

#include "selftest.h"

_Atomic int ccsp_module_state_g = CCSP_STATE_POWER_ON;
static pthread_once_t power_on_once = PTHREAD_ONCE_INIT;

static void power_on_selftest(void)
{
	/* The outcome is the module state, read by the caller. */
	if (ccsp_selftest(NULL, NULL) != CCSP_OK)
		return;
}

ccsp_err ccsp_module_ready_slow(void)
{
	if (ccsp_selftest_in_progress())
		return CCSP_OK;
	pthread_once(&power_on_once, power_on_selftest);
	if (atomic_load_explicit(&ccsp_module_state_g, memory_order_acquire) == CCSP_STATE_OPERATIONAL)
		return CCSP_OK;
	return CCSP_ERR_MODULE_STATE;
}

void ccsp_module_enter_error(void)
{
	atomic_store_explicit(&ccsp_module_state_g, CCSP_STATE_ERROR, memory_order_release);
}

ccsp_module_state ccsp_module_get_state(void)
{
	return (ccsp_module_state)atomic_load_explicit(&ccsp_module_state_g, memory_order_acquire);
}

const char *ccsp_module_state_name(ccsp_module_state s)
{
	switch (s) {
	case CCSP_STATE_POWER_ON:
		return "power-on";
	case CCSP_STATE_SELFTEST:
		return "self-test";
	case CCSP_STATE_OPERATIONAL:
		return "operational";
	case CCSP_STATE_ERROR:
		return "error";
	}
	return "unknown";
}

const char *ccsp_version(void)
{
	return CCSP_VERSION_STRING;
}

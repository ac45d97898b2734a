/* SPDX-License-Identifier: Apache-2.0 */
#include "selftest.h"

#include <pthread.h>

#include "module.h"

static _Thread_local int in_selftest;
static pthread_mutex_t selftest_lock = PTHREAD_MUTEX_INITIALIZER;

typedef ccsp_err (*selftest_fn)(const ccsp_selftest_report *r);

/* Integrity first: a modified library must not even run its own KATs (GB/T 37092 7.10.2). */
static const selftest_fn selftests[] = {
	/* each component adds its entry here, in this order: integrity, SM3, SM4, DRBG, SM2 */
	ccsp_integrity_selftest,
	ccsp_sm3_selftest,
	ccsp_sm4_selftest,
	ccsp_drbg_selftest,
	ccsp_sm2_selftest,
	NULL,
};

int ccsp_selftest_in_progress(void)
{
	return in_selftest;
}

ccsp_err ccsp_selftest_result(const ccsp_selftest_report *r, const char *name, ccsp_err result)
{
	if (r != NULL && r->cb != NULL)
		r->cb(name, result, r->arg);
	return result;
}

ccsp_err ccsp_selftest(ccsp_selftest_cb cb, void *arg)
{
	ccsp_selftest_report report = {cb, arg};
	ccsp_err ret = CCSP_OK;

	pthread_mutex_lock(&selftest_lock);
	int before = atomic_load(&ccsp_module_state_g);
	if (before == CCSP_STATE_ERROR) {
		pthread_mutex_unlock(&selftest_lock);
		return CCSP_ERR_MODULE_STATE;
	}
	/* On-demand tests of an operational module keep it in service; power-on tests gate it. */
	if (before == CCSP_STATE_POWER_ON)
		atomic_store(&ccsp_module_state_g, CCSP_STATE_SELFTEST);
	in_selftest = 1;
	for (size_t i = 0; selftests[i] != NULL && ret == CCSP_OK; i++)
		ret = selftests[i](&report);
	in_selftest = 0;
	atomic_store(&ccsp_module_state_g, ret == CCSP_OK ? CCSP_STATE_OPERATIONAL : CCSP_STATE_ERROR);
	pthread_mutex_unlock(&selftest_lock);
	return ret;
}

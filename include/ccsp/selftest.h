/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Module state and self-tests (GB/T 37092 7.10, 7.11). The pre-operational self-tests (library
 * integrity, then a known-answer test of every algorithm and mode on every implementation) run
 * automatically before the first service, and again whenever ccsp_selftest() is called. Any
 * failure puts the module into the error state, in which every service returns
 * CCSP_ERR_MODULE_STATE, for the life of the process.
 */
#ifndef CCSP_SELFTEST_H
#define CCSP_SELFTEST_H

#include "error.h"

typedef enum ccsp_module_state {
	CCSP_STATE_POWER_ON = 0,    /* loaded, self-tests not yet run */
	CCSP_STATE_SELFTEST = 1,    /* pre-operational self-tests running */
	CCSP_STATE_OPERATIONAL = 2, /* approved services available */
	CCSP_STATE_ERROR = 3        /* a self-test failed: no service */
} ccsp_module_state;

CCSP_API ccsp_module_state ccsp_module_get_state(void);
CCSP_API const char *ccsp_module_state_name(ccsp_module_state s);

/* Called once per test with its name ("integrity", "SM3", "SM4-GCM/aesni-avx2", ...) and result. */
typedef void (*ccsp_selftest_cb)(const char *name, ccsp_err result, void *arg);

/* Run every self-test now. Returns CCSP_OK, or the first failure (and the module is then in the
 * error state). cb may be NULL. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_selftest(ccsp_selftest_cb cb, void *arg);

CCSP_API const char *ccsp_version(void);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: the known-answer tests, one function per algorithm family, each in its component's
 * directory. They run while the module is in CCSP_STATE_SELFTEST (services are open to the testing
 * thread only) and must cover every implementation the CPU offers. The report callback receives
 * one line per test.
 */
#ifndef CCSP_SELFTEST_INTERNAL_H
#define CCSP_SELFTEST_INTERNAL_H

#include <ccsp/selftest.h>

typedef struct ccsp_selftest_report {
	ccsp_selftest_cb cb;
	void *arg;
} ccsp_selftest_report;

/* Report one result and pass it through. */
ccsp_err ccsp_selftest_result(const ccsp_selftest_report *r, const char *name, ccsp_err result);

/* Library file integrity: HMAC-SM3 of the file holding this code vs the value recorded at build time. */
ccsp_err ccsp_integrity_selftest(const ccsp_selftest_report *r);
ccsp_err ccsp_sm3_selftest(const ccsp_selftest_report *r);   /* SM3, HMAC-SM3, SM3-KDF, PBKDF2 */
ccsp_err ccsp_sm4_selftest(const ccsp_selftest_report *r);   /* SM4 every mode, every implementation */
ccsp_err ccsp_drbg_selftest(const ccsp_selftest_report *r);  /* SM3 Hash_DRBG instantiate/reseed/generate */
ccsp_err ccsp_sm2_selftest(const ccsp_selftest_report *r);   /* SM2 sign/verify/encrypt/decrypt/kex */

/* Nonzero while the calling thread runs the self-tests. */
int ccsp_selftest_in_progress(void);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: the guard macros that keep function bodies flat (docs/api.md "Guard macros"). Used by the crypto core
 * and every component above it; never installed.
 *
 *   CCSP_GUARD(expr)        return expr's ccsp_err from the enclosing function unless it is CCSP_OK
 *   CCSP_ENSURE(cond, err)  return err unless cond holds
 *   CCSP_CHECK(expr)        for functions with one cleanup exit: needs a local `ccsp_err ret` and a label `out:`
 *                           that wipes and frees; sets ret = expr and jumps to out unless it is CCSP_OK
 *
 * GUARD and ENSURE return at once, so use them only before anything needs wiping or freeing; after that, CHECK.
 */
#ifndef CCSP_GUARD_H
#define CCSP_GUARD_H

#include <ccsp/error.h>

#define CCSP_GUARD(expr)                                                                           \
	do {                                                                                       \
		ccsp_err guard_err_ = (expr);                                                      \
		if (guard_err_ != CCSP_OK)                                                         \
			return guard_err_;                                                         \
	} while (0)

#define CCSP_ENSURE(cond, err)                                                                     \
	do {                                                                                       \
		if (!(cond))                                                                       \
			return (err);                                                              \
	} while (0)

#define CCSP_CHECK(expr)                                                                           \
	do {                                                                                       \
		ret = (expr);                                                                      \
		if (ret != CCSP_OK)                                                                \
			goto out;                                                                  \
	} while (0)

#endif

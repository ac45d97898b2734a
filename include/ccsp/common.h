/* SPDX-License-Identifier: Apache-2.0 */
/* Shared macros for the public ccsp headers. */
#ifndef CCSP_COMMON_H
#define CCSP_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define CCSP_API __attribute__((visibility("default")))
#define CCSP_MUST_CHECK __attribute__((warn_unused_result))
#else
#define CCSP_API
#define CCSP_MUST_CHECK
#endif

#define CCSP_VERSION_STRING "0.1.0"

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* Wiping and secure allocation of secret material. Thread-safe. */
#ifndef CCSP_MEM_H
#define CCSP_MEM_H

#include "common.h"

/* Overwrite len bytes at p with zeros; never optimised away. p may be NULL when len is 0. */
CCSP_API void ccsp_memzero(void *p, size_t len);

/*
 * Allocate len bytes (zeroed) for key material: locked in RAM where the OS allows (mlock is
 * best effort), excluded from core dumps (MADV_DONTDUMP), 16-byte aligned. Small allocations come
 * from a pooled heap of such pages, larger ones from mappings of their own. Returns NULL on failure.
 * Free only with ccsp_secure_free(), which wipes before releasing.
 */
CCSP_API void *ccsp_secure_alloc(size_t len);
/* Wipe and release memory from ccsp_secure_alloc(). NULL is ignored. */
CCSP_API void ccsp_secure_free(void *p);

#endif

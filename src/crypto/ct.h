/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal constant-time helpers. The only place where masks are built; code touching secrets uses
 * these instead of branches or secret-indexed loads. Masks are all-ones (true) or zero (false).
 */
#ifndef CCSP_CT_H
#define CCSP_CT_H

#include <stddef.h>
#include <stdint.h>

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define CCSP_CT_MEMCHECK 1
#endif
#endif

/* Optimisation barrier: the compiler cannot see through the value. */
static inline uint64_t ct_barrier64(uint64_t x)
{
	__asm__("" : "+r"(x));
	return x;
}

static inline uint32_t ct_barrier32(uint32_t x)
{
	__asm__("" : "+r"(x));
	return x;
}

/* All-ones when x == 0. */
static inline uint64_t ct_is_zero64(uint64_t x)
{
	return ct_barrier64(((~x & (x - 1)) >> 63)) * UINT64_MAX;
}

static inline uint32_t ct_is_zero32(uint32_t x)
{
	return ct_barrier32(((~x & (x - 1)) >> 31)) * UINT32_MAX;
}

static inline uint64_t ct_eq64(uint64_t a, uint64_t b)
{
	return ct_is_zero64(a ^ b);
}

static inline uint32_t ct_eq32(uint32_t a, uint32_t b)
{
	return ct_is_zero32(a ^ b);
}

/* All-ones when a < b (unsigned): the borrow out of a - b. */
static inline uint64_t ct_lt64(uint64_t a, uint64_t b)
{
	return ct_barrier64(((~a & b) | (~(a ^ b) & (a - b))) >> 63) * UINT64_MAX;
}

/* mask ? a : b */
static inline uint64_t ct_select64(uint64_t mask, uint64_t a, uint64_t b)
{
	return b ^ (mask & (a ^ b));
}

static inline uint32_t ct_select32(uint32_t mask, uint32_t a, uint32_t b)
{
	return b ^ (mask & (a ^ b));
}

/* 0 when the n bytes are equal, non-zero otherwise; time depends only on n. */
static inline uint32_t ct_memdiff(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t d = 0;
	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return ct_barrier32(d);
}

/* 1 when equal, 0 otherwise, in constant time. */
static inline int ct_memeq(const void *a, const void *b, size_t n)
{
	return (int)(1 & ((ct_memdiff(a, b, n) - 1) >> 8));
}

/* Copy src to dst when mask is all-ones; leave dst otherwise. */
static inline void ct_cond_copy(uint8_t *dst, const uint8_t *src, size_t n, uint8_t mask)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (uint8_t)(dst[i] ^ (mask & (dst[i] ^ src[i])));
}

/*
 * Declare a value computed from secrets public, because the caller learns it anyway (the outcome
 * of a tag or padding check). Under valgrind this tells memcheck, so that the ctgrind-style tests
 * (tests/ct/) accept the branch that follows; elsewhere it costs a few no-op instructions.
 */
static inline uint32_t ct_declassify32(uint32_t x)
{
#ifdef CCSP_CT_MEMCHECK
	VALGRIND_MAKE_MEM_DEFINED(&x, sizeof x);
#endif
	return x;
}

/*
 * Declare n bytes at p public although computed from secrets (a signature's r, the outcome of a
 * check). Only the constant-time test (tests/ct, ctgrind style under valgrind memcheck) sees a
 * difference: it stops tracking the bytes as secret. Elsewhere it is a few no-op instructions.
 */
static inline void ct_declassify(const void *p, size_t n)
{
#ifdef CCSP_CT_MEMCHECK
	(void)VALGRIND_MAKE_MEM_DEFINED(p, n);
#else
	(void)p;
	(void)n;
#endif
}

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to ccsp (not installed): the Shamir secret-sharing core over GF(2^8), shared by the CHSM's custodian
 * shares (src/chsm/chsm_shamir.c, which adds its share lines, set ids and checks) and the VSM's split-knowledge
 * key backup (src/vsm/vsm_backup.c). Shamir, "How to share a secret", CACM 1979: byte b of share x is f_b(x) for a
 * polynomial f_b of degree m - 1 with f_b(0) = secret byte b and fresh random coefficients; Lagrange interpolation
 * at 0 of any m points gives it back, m - 1 points say nothing about it.
 *
 * Field: GF(2^8) with x^8 + x^4 + x^3 + x + 1. Constant time in the share values and the secret: shift-and-mask
 * multiplication, inversion by a fixed exponentiation chain, no table, no branch on them. The abscissas x are
 * public. Thread-safe (no state); every temporary is wiped.
 */
#ifndef CCSP_CRYPTO_SHAMIR_H
#define CCSP_CRYPTO_SHAMIR_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#define CCSP_SHAMIR_N_MAX 16 /* shares of one split, points of one interpolation */

/* Split secret (len >= 1 bytes) into n shares of len bytes, any m of which recover it (2 <= m <= n <=
 * CCSP_SHAMIR_N_MAX): y[j] receives the share of abscissa x = j + 1. Coefficients are fresh from ccsp_random for
 * every byte. CCSP_ERR_ARG on bad parameters, CCSP_ERR_RNG; on failure every y[j] is wiped. */
CCSP_MUST_CHECK ccsp_err ccsp_shamir_split(const uint8_t *secret, size_t len, unsigned m, unsigned n,
                                           uint8_t *const *y);

/* The value at 0 of the polynomial through the k points (x[i], y[i] of len bytes) into out (len bytes): with m or
 * more shares of a split its secret, with fewer a wrong value. CCSP_ERR_ARG on k = 0 or k > CCSP_SHAMIR_N_MAX, a
 * NULL, x = 0 or a repeated x (nothing is written then). */
CCSP_MUST_CHECK ccsp_err ccsp_shamir_interpolate(const uint8_t *x, const uint8_t *const *y, size_t k, size_t len,
                                                 uint8_t *out);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shamir secret sharing over GF(2^8) for the CHSM's custodian-held keys (the production master key, the
 * trust-domain key): a secret of 1..64 bytes is split into n shares, any m of which (2 <= m <= n <= 16) give it
 * back; m - 1 shares say nothing about it (each byte is the constant term of its own random polynomial of degree
 * m - 1; every value of it fits m - 1 points equally well).
 *
 * Field: GF(2^8) with the polynomial x^8 + x^4 + x^3 + x + 1. The arithmetic on share values is constant time:
 * shift-and-mask multiplication, inversion by a fixed exponentiation chain, no table indexed by secret data, no
 * branch on it. Share abscissas x = 1..n are public.
 *
 * A share's text form, for custodians (one line, lowercase; the parser also takes uppercase and surrounding
 * blanks):
 *
 *   ccsp-share-v1-<purpose>-<setid>-<m>of<n>-<x>-<y>-<check>
 *
 *   purpose   "master" (the production master key) or "domain" (a trust-domain key)
 *   setid     8 hex: the first 4 bytes of SM3("ccsp-share-v1 set" || purpose || m || n || len || secret).
 *             It names the split, lets shares of different splits be told apart before combining, and checks
 *             the combined secret. What it reveals: 32 bits of a one-way hash of the secret — for a random
 *             16-byte key nothing usable (2^96 keys share any set id; testing a guess costs an SM3, and there
 *             are 2^128 guesses). It must never be used for a low-entropy secret, which it would let anyone
 *             brute-force. Two splits of the same secret with the same m, n have the same set id (mixing their
 *             shares is then caught by the check after combining).
 *   m, n, x   decimal, no leading zeros
 *   y         2 * len hex: the share value, one byte per secret byte
 *   check     8 hex: the first 4 bytes of SM3 of the line before "-<check>" (lowercase). Catches typing errors
 *             (any change of the line, with probability 1 - 2^-32); it is not a MAC.
 *
 * Thread-safe (no state); every function wipes what it computed from secrets.
 */
#ifndef CCSP_CHSM_SHAMIR_H
#define CCSP_CHSM_SHAMIR_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#define CHSM_SHARE_SECRET_MAX 64 /* bytes of a secret */
#define CHSM_SHARE_N_MAX 16      /* shares of one split */
#define CHSM_SHARE_SETID_SIZE 4
#define CHSM_SHARE_CHECK_SIZE 4
/* The longest share line: 14 + 6 + 1 + 8 + 1 + 6 + 1 + 2 + 1 + 128 + 1 + 8 = 177 characters. A buffer of
 * CHSM_SHARE_TEXT_MAX holds any share line and its NUL. */
#define CHSM_SHARE_TEXT_MAX 192
/* The parser refuses longer input (blanks included). */
#define CHSM_SHARE_INPUT_MAX 256

typedef enum chsm_share_purpose {
	CHSM_SHARE_MASTER = 1, /* the CHSM's master key (production mode) */
	CHSM_SHARE_DOMAIN = 2, /* a trust-domain key */
} chsm_share_purpose;

/* One share. Secret: wipe with chsm_share_wipe. */
typedef struct chsm_share {
	chsm_share_purpose purpose;
	uint8_t setid[CHSM_SHARE_SETID_SIZE];
	uint8_t m, n, x; /* threshold, share count, abscissa (1..n) */
	uint8_t len;     /* bytes of the secret and of y */
	uint8_t y[CHSM_SHARE_SECRET_MAX];
} chsm_share;

/* "master" / "domain" (NULL for another value). */
const char *chsm_share_purpose_name(chsm_share_purpose p);

/* The set id of secret (len bytes) split m of n for purpose (see above). CCSP_ERR_ARG on bad parameters. */
CCSP_MUST_CHECK ccsp_err chsm_shamir_setid(chsm_share_purpose purpose, unsigned m, unsigned n, const uint8_t *secret,
                                           size_t len, uint8_t setid[CHSM_SHARE_SETID_SIZE]);

/* Split secret (1..CHSM_SHARE_SECRET_MAX bytes) into shares[0..n-1] (x = 1..n), any m of which recover it
 * (2 <= m <= n <= CHSM_SHARE_N_MAX), with fresh coefficients from ccsp_random. CCSP_ERR_ARG on bad
 * parameters, CCSP_ERR_RNG; on failure shares is wiped. */
CCSP_MUST_CHECK ccsp_err chsm_shamir_split(chsm_share_purpose purpose, const uint8_t *secret, size_t len, unsigned m,
                                           unsigned n, chsm_share *shares);

/* Check that s may join the count shares of set (the first count entries) as the next one:
 * CCSP_ERR_SHARE_MIXED when it belongs to another split (purpose, set id, m, n or length differ),
 * CCSP_ERR_SHARE_DUPLICATE when its x is among them already (whatever its y). CCSP_ERR_ARG on NULL. */
CCSP_MUST_CHECK ccsp_err chsm_shamir_check_join(const chsm_share *set, size_t count, const chsm_share *s);

/* Recover the secret from count shares (all are used) into secret (cap >= their len; *len set). In order:
 * CCSP_ERR_SHARE_MIXED / CCSP_ERR_SHARE_DUPLICATE (as chsm_shamir_check_join), CCSP_ERR_SHARE_TOO_FEW when
 * count < m, CCSP_ERR_SHARE_WRONG when the result does not match the shares' set id (a share is corrupted or
 * forged, or belongs to another split of the same secret). On any failure secret is wiped and *len is 0. */
CCSP_MUST_CHECK ccsp_err chsm_shamir_combine(const chsm_share *shares, size_t count, uint8_t *secret, size_t cap,
                                             size_t *len);

/* The interpolation alone, for tests: the value at 0 of the polynomial through the k points (x[i], y[i] of len
 * bytes), whatever k — with fewer points than the threshold it is a wrong secret, with m or more the secret.
 * CCSP_ERR_ARG on k = 0, x = 0 or repeated x. */
CCSP_MUST_CHECK ccsp_err chsm_shamir_interpolate(const uint8_t *x, const uint8_t *const *y, size_t k, size_t len,
                                                 uint8_t *out);

/* The text form of s into out (cap >= CHSM_SHARE_TEXT_MAX; NUL-terminated, no newline). CCSP_ERR_ARG when s
 * is not a valid share, CCSP_ERR_BUFFER_TOO_SMALL. */
CCSP_MUST_CHECK ccsp_err chsm_share_format(const chsm_share *s, char *out, size_t cap);

/* Parse one share line of len bytes (untrusted; need not be NUL-terminated; blanks and a line end around it are
 * ignored, letter case is not significant). CCSP_ERR_DECODE when it is not a share line (wrong structure,
 * lengths or ranges, over CHSM_SHARE_INPUT_MAX bytes), CCSP_ERR_SHARE_CHECKSUM when the check does not match
 * (a typing error). On failure out is wiped. */
CCSP_MUST_CHECK ccsp_err chsm_share_parse(const char *text, size_t len, chsm_share *out);

/* Wipe count shares. */
void chsm_share_wipe(chsm_share *s, size_t count);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Base64 (RFC 4648 clause 4) and hex, shared by chsmd (the GM/T 0088 headers and key texts) and ccspd (API
 * payloads). The data is what travels in the clear over the APIs (keys' public halves, fingerprints, signatures,
 * digests, random bytes handed to their caller), so the codec may branch and index on it; no key the platform keeps
 * goes through here.
 *
 * Decoding follows the spec's "be tolerant in what you accept" (gmt0088-api.md, legend [DESIGN]) where
 * tolerance cannot change the meaning of the bytes, and is strict where it could:
 *   accepted  ASCII whitespace (SP, HTAB, CR, LF) anywhere (MIME-wrapped Java output, folded values);
 *             missing '=' padding; the URL-safe alphabet ('-', '_') as well as '+', '/'.
 *   refused   any other character; '=' anywhere but at the end; wrong padding count; a lone trailing
 *             character (length = 1 mod 4); non-zero unused bits in the last character (no encoder
 *             writes them, and refusing them keeps one byte string per text).
 * Thread-safe (no state).
 */
#ifndef CCSP_COMMON_B64_H
#define CCSP_COMMON_B64_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

/* Characters of the padded encoding of n bytes (without the NUL); n must be below SIZE_MAX / 2. */
#define CCSP_B64_LEN(n) ((((n) + 2) / 3) * 4)

/* Padded standard Base64 of in[0..n) into out, NUL-terminated: out must hold CCSP_B64_LEN(n) + 1
 * characters. Returns the length written (without the NUL). */
size_t ccsp_b64_encode(const uint8_t *in, size_t n, char *out);

/* Decode len characters of in (no NUL needed; in may be NULL when len is 0) into out (outcap bytes).
 * CCSP_ERR_DECODE on malformed text, CCSP_ERR_BUFFER_TOO_SMALL when the bytes do not fit in outcap
 * (*outlen is then unspecified), CCSP_ERR_ARG on NULL pointers. Empty text gives 0 bytes. */
CCSP_MUST_CHECK ccsp_err ccsp_b64_decode(const char *in, size_t len, uint8_t *out, size_t outcap,
                                              size_t *outlen);

/* Decode exactly len hex digits (either case, no separators, len even) into out (outcap >= len / 2).
 * CCSP_ERR_DECODE otherwise. */
CCSP_MUST_CHECK ccsp_err ccsp_hex_decode(const char *in, size_t len, uint8_t *out, size_t outcap);

/* Lowercase hex of n bytes into out (2n characters and a NUL). */
void ccsp_hex_encode(const uint8_t *in, size_t n, char *out);

/* 1 when every one of the len characters is a hex digit (len may be 0). */
int ccsp_is_hex(const char *in, size_t len);

#endif

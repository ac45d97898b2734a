/* SPDX-License-Identifier: Apache-2.0 */
#include "cli_hex.h"

#include <string.h>

/*
 * Value of one hex digit without branches or table lookups on it: each range test yields an
 * all-ones mask when c falls in the range, built from the sign bit of a subtraction on int.
 * Returns 0..15, or -1 (all ones) for a non-digit.
 */
static int hex_nibble(unsigned char ch)
{
	int c = ch;
	int is_dec = ((47 - c) & (c - 58)) >> 8;   /* '0'..'9' */
	int lc = c | 0x20;                          /* fold 'A'..'F' onto 'a'..'f' */
	int is_alpha = ((96 - lc) & (lc - 103)) >> 8; /* 'a'..'f' */
	int val = (is_dec & (c - '0')) | (is_alpha & (lc - 'a' + 10));
	int valid = is_dec | is_alpha;
	return (val & valid) | ~valid;
}

cli_hex_status cli_hex_decode(const char *hex, size_t hexlen, uint8_t *out, size_t cap, size_t *outlen)
{
	*outlen = 0;
	if (hexlen % 2 != 0)
		return CLI_HEX_ODD_LENGTH;
	if (hexlen / 2 > cap)
		return CLI_HEX_TOO_LONG;
	int bad = 0;
	for (size_t i = 0; i < hexlen / 2; i++) {
		int hi = hex_nibble((unsigned char)hex[2 * i]);
		int lo = hex_nibble((unsigned char)hex[2 * i + 1]);
		bad |= hi | lo; /* negative once any digit was invalid */
		out[i] = (uint8_t)(((unsigned)hi << 4) | ((unsigned)lo & 0x0fu));
	}
	if (bad < 0) {
		/* Only the verdict leaks, not where or which digit was wrong. */
		memset(out, 0, hexlen / 2);
		return CLI_HEX_BAD_DIGIT;
	}
	*outlen = hexlen / 2;
	return CLI_HEX_OK;
}

const char *cli_hex_status_str(cli_hex_status s)
{
	switch (s) {
	case CLI_HEX_OK:
		return "ok";
	case CLI_HEX_ODD_LENGTH:
		return "odd number of hex digits";
	case CLI_HEX_BAD_DIGIT:
		return "not a hex digit (use 0-9, a-f, A-F, no separators)";
	case CLI_HEX_TOO_LONG:
		return "too long";
	}
	return "unknown error";
}

void cli_hex_encode(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

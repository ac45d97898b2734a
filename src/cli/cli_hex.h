/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to the ccsp CLI: hex <-> bytes, with no I/O, so the fuzz target can link it alone. */
#ifndef CCSP_CLI_HEX_H
#define CCSP_CLI_HEX_H

#include <stddef.h>
#include <stdint.h>

typedef enum cli_hex_status {
	CLI_HEX_OK = 0,
	CLI_HEX_ODD_LENGTH,   /* an odd number of digits */
	CLI_HEX_BAD_DIGIT,    /* a character outside [0-9a-fA-F] */
	CLI_HEX_TOO_LONG      /* more bytes than the output buffer holds */
} cli_hex_status;

/*
 * Decode hexlen characters of hex (upper or lower case, no separators, no "0x") into out.
 * Time depends only on hexlen, never on the digits: keys arrive this way. On success *outlen =
 * hexlen / 2; on failure out may hold partial (wiped) data and *outlen is 0.
 */
cli_hex_status cli_hex_decode(const char *hex, size_t hexlen, uint8_t *out, size_t cap, size_t *outlen);

/* Message for a status, e.g. "odd number of hex digits". */
const char *cli_hex_status_str(cli_hex_status s);

/* Lower-case hex of len bytes into out (2 * len + 1 bytes, NUL-terminated). */
void cli_hex_encode(const uint8_t *in, size_t len, char *out);

#endif

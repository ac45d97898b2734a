/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the CLI's hex parser (src/cli/cli_hex.c): the input is the hex text. Checked against a
 * plain reference decoder written here: same verdict, same bytes, and decode/encode round trip.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_hex.h"

static int ref_digit(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Expected status for data decoded into cap bytes, and the bytes when valid. */
static cli_hex_status ref_decode(const uint8_t *data, size_t size, size_t cap, uint8_t *out)
{
	if (size % 2 != 0)
		return CLI_HEX_ODD_LENGTH;
	if (size / 2 > cap)
		return CLI_HEX_TOO_LONG;
	for (size_t i = 0; i < size; i += 2) {
		int hi = ref_digit(data[i]), lo = ref_digit(data[i + 1]);
		if (hi < 0 || lo < 0)
			return CLI_HEX_BAD_DIGIT;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return CLI_HEX_OK;
}

static void check_cap(const uint8_t *data, size_t size, size_t cap)
{
	uint8_t *got = malloc(cap + 1), *want = malloc(cap + 1);
	char *text = malloc(2 * cap + 1);
	size_t outlen = 12345;
	if (got == NULL || want == NULL || text == NULL)
		abort();
	cli_hex_status s = cli_hex_decode((const char *)data, size, got, cap, &outlen);
	cli_hex_status r = ref_decode(data, size, cap, want);
	if (s != r || (s != CLI_HEX_OK && outlen != 0))
		abort();
	if (s == CLI_HEX_OK) {
		if (outlen != size / 2 || memcmp(got, want, outlen) != 0)
			abort();
		/* Encoding gives the input back, up to letter case. */
		cli_hex_encode(got, outlen, text);
		for (size_t i = 0; i < size; i++)
			if (text[i] != (data[i] | (data[i] >= 'A' && data[i] <= 'F' ? 0x20 : 0)))
				abort();
		if (text[size] != '\0')
			abort();
	}
	if (cli_hex_status_str(s) == NULL)
		abort();
	free(got);
	free(want);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_cap(data, size, size / 2);                       /* room for all */
	check_cap(data, size, size / 2 > 0 ? size / 2 - 1 : 0); /* one byte short */
	check_cap(data, size, 16);                             /* an SM4 key */
	return 0;
}

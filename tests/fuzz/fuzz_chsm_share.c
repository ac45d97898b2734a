/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the share-line parser (src/chsm/chsm_shamir.c), the one reader of what custodians type: the input is split
 * at newlines, each line parsed. A line that parses must format back to itself (lowercase, blanks trimmed) and
 * parse again to the same share; the shares that parse are then combined as chsmd and the CLI would (each
 * checked against those before it, then all together), which must end in a defined error or a secret.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chsm/chsm_shamir.h"

static void check_round_trip(const char *line, size_t len, const chsm_share *s)
{
	char text[CHSM_SHARE_TEXT_MAX];
	chsm_share again;
	if (chsm_share_format(s, text, sizeof text) != CCSP_OK)
		abort();
	while (len > 0 && (line[0] == ' ' || line[0] == '\t'))
		line++, len--;
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
		len--;
	if (strlen(text) != len)
		abort();
	for (size_t i = 0; i < len; i++) {
		char c = line[i] >= 'A' && line[i] <= 'Z' ? (char)(line[i] + 32) : line[i];
		if (text[i] != c)
			abort();
	}
	if (chsm_share_parse(text, strlen(text), &again) != CCSP_OK || memcmp(&again, s, sizeof again) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	chsm_share shares[CHSM_SHARE_N_MAX];
	uint8_t secret[CHSM_SHARE_SECRET_MAX];
	size_t count = 0, start = 0, len = 0;
	for (size_t i = 0; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		const char *line = (const char *)data + start;
		chsm_share s;
		ccsp_err e = chsm_share_parse(line, i - start, &s);
		if (e == CCSP_OK) {
			check_round_trip(line, i - start, &s);
			if (count < CHSM_SHARE_N_MAX && chsm_shamir_check_join(shares, count, &s) == CCSP_OK)
				shares[count++] = s;
		} else if (e != CCSP_ERR_DECODE && e != CCSP_ERR_SHARE_CHECKSUM) {
			abort();
		}
		start = i + 1;
	}
	ccsp_err e = chsm_shamir_combine(shares, count, secret, sizeof secret, &len);
	if (e == CCSP_OK ? len == 0 || len > sizeof secret
	                 : e != CCSP_ERR_SHARE_TOO_FEW && e != CCSP_ERR_SHARE_WRONG)
		abort();
	chsm_share_wipe(shares, count);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the HTTP/1.1 answer reader (src/common/http_answer.c): the bytes a TLCP peer answers ccspd's GM/T 0088
 * client, chsmd's callbacks and the CLI with.
 *
 * Input: one byte of settings (bit 7: the stream has ended; bits 0-2: the body bound, 16 << n bytes), then the
 * answer. Checked: a complete answer has a status of 200..599, a body within the bound and NUL-terminated; an
 * incomplete one leaves the answer empty; and the answer cut anywhere before its end, as a stream still open, is
 * either incomplete or already the same answer (a reader that sees more bytes never changes its mind).
 */
#include <stdlib.h>
#include <string.h>

#include "common/http_answer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int eof = data[0] >> 7;
	size_t max = (size_t)16 << (data[0] & 7), n = size - 1;
	uint8_t *copy = malloc(n > 0 ? n : 1); /* exactly n bytes: ASan sees any read past them */
	if (copy == NULL)
		return 0;
	memcpy(copy, data + 1, n);
	ccsp_http_answer a = {0}, b = {0};
	int complete = 0, c2 = 0;
	ccsp_err e = ccsp_http_answer_parse(copy, n, eof, max, &a, &complete);
	if (e != CCSP_OK && (complete || a.body != NULL))
		abort();
	if (complete &&
	    (a.status < 200 || a.status > 599 || a.body == NULL || a.body_len > max || a.body[a.body_len] != '\0'))
		abort();
	if (e == CCSP_OK && !complete && a.body != NULL)
		abort();
	/* a prefix: incomplete, an error, or the same answer */
	size_t cut = n > 0 ? (size_t)data[size - 1] * n / 256 : 0;
	if (complete && ccsp_http_answer_parse(copy, cut, 0, max, &b, &c2) == CCSP_OK && c2 &&
	    (b.status != a.status || b.body_len != a.body_len || memcmp(b.body, a.body, a.body_len) != 0))
		abort();
	ccsp_http_answer_clear(&a);
	ccsp_http_answer_clear(&b);
	free(copy);
	return 0;
}

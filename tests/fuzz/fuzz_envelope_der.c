/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz what an application sends to crypto/envelope-open (src/platform/envelope_der.c): a GM/T 0010 SM2 digital
 * envelope. When it parses, its parts are bounded and point into the input; written back (one recipient, the
 * first) it parses again to the same parts; the content's padding check stays within the content.
 */
#include <stdlib.h>
#include <string.h>

#include "platform/envelope_der.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int inside(const uint8_t *p, size_t n, const uint8_t *data, size_t size)
{
	return p >= data && n <= size && (size_t)(p - data) <= size - n;
}

static void check_bounds(const ccsp_envelope *e, const uint8_t *data, size_t size)
{
	if (e->n_recipients == 0 || e->n_recipients > CCSP_ENVELOPE_RECIPIENTS_MAX || e->content_len == 0 ||
	    e->content_len % 16 != 0 || e->content_len > CCSP_ENVELOPE_CONTENT_MAX ||
	    !inside(e->content, e->content_len, data, size))
		abort();
	for (size_t i = 0; i < e->n_recipients; i++) {
		const ccsp_envelope_recipient *r = &e->recipients[i];
		if (!inside(r->issuer, r->issuer_len, data, size) || r->issuer_len < 2 || r->issuer[0] != 0x30 ||
		    (r->serial_len > 0 && !inside(r->serial, r->serial_len, data, size)))
			abort();
	}
}

static void check_rewrite(const ccsp_envelope *e)
{
	const ccsp_envelope_recipient *r = &e->recipients[0];
	uint8_t *out = malloc(CCSP_ENVELOPE_MAX);
	size_t outlen = 0;
	ccsp_envelope again;
	if (out == NULL)
		return;
	ccsp_err ret = ccsp_envelope_write(r->issuer, r->issuer_len, r->serial, r->serial_len, r->key_ct, e->iv,
	                                   e->content, e->content_len, out, CCSP_ENVELOPE_MAX, &outlen);
	if (ret == CCSP_ERR_BUFFER_TOO_SMALL) { /* the input's other recipients made room for a larger first one */
		free(out);
		return;
	}
	if (ret != CCSP_OK || ccsp_envelope_read(out, outlen, &again) != CCSP_OK || again.n_recipients != 1 ||
	    again.recipients[0].issuer_len != r->issuer_len ||
	    memcmp(again.recipients[0].issuer, r->issuer, r->issuer_len) != 0 ||
	    again.recipients[0].serial_len != r->serial_len ||
	    (r->serial_len > 0 && memcmp(again.recipients[0].serial, r->serial, r->serial_len) != 0) ||
	    memcmp(again.recipients[0].key_ct, r->key_ct, sizeof r->key_ct) != 0 ||
	    memcmp(again.iv, e->iv, sizeof e->iv) != 0 || again.content_len != e->content_len ||
	    memcmp(again.content, e->content, e->content_len) != 0)
		abort();
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ccsp_envelope e;
	size_t n = 0;
	if (ccsp_envelope_read(data, size, &e) != CCSP_OK) {
		if (e.what == NULL)
			abort(); /* every refusal says why */
		return 0;
	}
	check_bounds(&e, data, size);
	check_rewrite(&e);
	if (ccsp_envelope_unpad(e.content, e.content_len, &n) == CCSP_OK && (n >= e.content_len || n + 16 < e.content_len))
		abort();
	return 0;
}

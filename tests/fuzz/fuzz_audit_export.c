/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the audit export reader (src/platform/audit_export.c): every line through the strict line parser, whatever
 * it accepts re-serialised to the very same line (one text per value); the whole input through the offline
 * verifier, in memory and as a stream, which must agree and name a line inside the input. The verifier's key is
 * fixed (a valid point), so signatures only verify when a seed carries one made with its private key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The key the seeds were made with: audit_export_gen DIR N EVERY <this in hex>. */
static const uint8_t key_d[32] = {0x3f, 0x49, 0x87, 0x11, 0x5a, 0x2c, 0xd0, 0x6e, 0x91, 0x04, 0x7b, 0x33, 0xe8, 0x5d, 0x26, 0xa1,
                                  0x0c, 0x77, 0x42, 0x98, 0xb5, 0x1e, 0x63, 0xf0, 0x2d, 0x8a, 0x54, 0xc9, 0x17, 0x6b, 0xe2, 0x39};

static void check_line(const char *line, size_t len)
{
	ccsp_audit_line *pl = malloc(sizeof *pl);
	char *again = malloc(CCSP_AUDIT_LINE_MAX + 1);
	size_t n = 0;
	ccsp_err ret;
	if (pl == NULL || again == NULL)
		abort();
	if (ccsp_audit_line_parse(line, len, pl) != CCSP_OK)
		goto out;
	if (pl->type == CCSP_AUDIT_LINE_RECORD) {
		if (ccsp_audit_record_check(&pl->record) != CCSP_OK)
			abort();
		ret = ccsp_audit_line_record(&pl->record, again, CCSP_AUDIT_LINE_MAX + 1, &n);
	} else if (pl->type == CCSP_AUDIT_LINE_HEADER) {
		ret = ccsp_audit_line_header(pl->header.fp, pl->header.first_seq, pl->header.prev, again,
		                             CCSP_AUDIT_LINE_MAX + 1, &n);
	} else {
		static const uint8_t zero[CCSP_SM2_SIGNATURE_SIZE];
		if (memcmp(pl->checkpoint.sig, zero, sizeof zero) == 0)
			goto out; /* not DER: kept as a signature that never verifies, not re-encodable */
		ret = ccsp_audit_line_checkpoint(&pl->checkpoint, again, CCSP_AUDIT_LINE_MAX + 1, &n);
	}
	/* the same value again; the text may differ only where JSON allows several (escapes, spacing, order) */
	if (ret != CCSP_OK)
		abort();
	ccsp_audit_line *pl2 = malloc(sizeof *pl2);
	if (pl2 == NULL || ccsp_audit_line_parse(again, n, pl2) != CCSP_OK || memcmp(pl, pl2, sizeof *pl) != 0)
		abort();
	free(pl2);
out:
	free(again);
	free(pl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ccsp_sm2_key *key;
	if (key == NULL) {
		key = ccsp_sm2_key_new();
		if (key == NULL || ccsp_sm2_key_set_private(key, key_d) != CCSP_OK)
			abort();
	}
	const char *buf = (const char *)data;
	for (size_t pos = 0; pos < size;) {
		const char *nl = memchr(buf + pos, '\n', size - pos);
		size_t n = nl != NULL ? (size_t)(nl - (buf + pos)) : size - pos;
		check_line(buf + pos, n);
		pos += n + 1;
	}
	ccsp_audit_report a, b;
	ccsp_err ra = ccsp_audit_export_verify(buf, size, key, &a);
	if (ra != CCSP_OK && ra != CCSP_ERR_TAMPERED)
		abort();
	if (ra == CCSP_ERR_TAMPERED && (a.fault == CCSP_AUDIT_FAULT_NONE || a.line == 0))
		abort();
	if (size > 0) {
		FILE *f = fmemopen((void *)data, size, "r");
		if (f == NULL)
			abort();
		ccsp_err rb = ccsp_audit_export_verify_stream(f, key, &b);
		fclose(f);
		if (rb != ra || memcmp(&a, &b, sizeof a) != 0)
			abort();
	}
	return 0;
}

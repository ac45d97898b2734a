/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the SNTP reply check (src/common/sntp.c): the bytes a network peer sends to chsmd's NTP client.
 *
 * Input: 8 bytes of the originate timestamp we expect (big-endian), then the datagram. The verdict is checked
 * against the rules read straight from the bytes (RFC 5905 §7.3 layout), the parsed fields against the bytes,
 * and a valid reply's timestamps go through the offset/delay arithmetic and the Unix conversion (which must not
 * overflow, whatever the values: UBSan checks).
 */
#include <stdlib.h>
#include <string.h>

#include "common/sntp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* The verdict the rules give, in their order (sntp.h). */
static ccsp_sntp_verdict reference(const uint8_t *p, size_t n, uint64_t orig)
{
	if (n < CCSP_SNTP_PACKET)
		return CCSP_SNTP_SHORT;
	unsigned li = p[0] >> 6, vn = p[0] >> 3 & 7, mode = p[0] & 7, stratum = p[1];
	if (be64(p + 24) != orig)
		return CCSP_SNTP_BAD_ORIGINATE;
	if (vn < 1 || vn > 4)
		return CCSP_SNTP_BAD_VERSION;
	if (mode != 4)
		return CCSP_SNTP_BAD_MODE;
	if (stratum == 0)
		return CCSP_SNTP_KISS;
	if (stratum > 15)
		return CCSP_SNTP_BAD_STRATUM;
	if (li == 3)
		return CCSP_SNTP_ALARM;
	return be64(p + 40) == 0 ? CCSP_SNTP_ZERO_TRANSMIT : CCSP_SNTP_VALID;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 8)
		return 0;
	uint64_t orig = be64(data);
	const uint8_t *pkt = data + 8;
	size_t n = size - 8;
	/* a copy of exactly n bytes, so that ASan sees any read past the datagram */
	uint8_t *copy = malloc(n > 0 ? n : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, pkt, n);
	ccsp_sntp_reply r;
	ccsp_sntp_verdict v = ccsp_sntp_parse(copy, n, orig, &r);
	if (v != reference(copy, n, orig) || ccsp_sntp_verdict_str(v) == NULL)
		abort();
	if (n >= CCSP_SNTP_PACKET) {
		if (r.mode != (copy[0] & 7u) || r.stratum != copy[1] || r.originate != be64(copy + 24) ||
		    r.receive != be64(copy + 32) || r.transmit != be64(copy + 40))
			abort();
		/* the same datagram, expected with its own originate, passes that rule */
		if (ccsp_sntp_parse(copy, n, r.originate, &r) == CCSP_SNTP_BAD_ORIGINATE)
			abort();
	}
	if (v == CCSP_SNTP_VALID) {
		int64_t offset, delay;
		/* T1 and T4 from the input too: any four timestamps */
		ccsp_sntp_compute(orig, r.receive, r.transmit, r.reference, &offset, &delay);
		(void)ccsp_ntp_to_unix_ns(r.transmit);
		(void)ccsp_ntp_from_unix_ns(ccsp_ntp_to_unix_ns(r.receive));
		if (ccsp_ntp_diff_ns(r.transmit, r.transmit) != 0)
			abort();
	}
	free(copy);
	return 0;
}

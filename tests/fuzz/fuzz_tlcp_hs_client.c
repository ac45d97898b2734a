/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLCP handshake, client side (src/tlcp/tlcp_conn.c, tlcp_hs_client.c, tlcp_hs_msg.c, tlcp_hs_cert.c): a client with
 * certificates (so it offers all four suites) has sent its ClientHello; the input is the server's answer. Byte 0 sets
 * the size of the pieces it is fed in (0: all at once), the rest are the server's bytes: ServerHello, Certificate,
 * ServerKeyExchange, CertificateRequest, ServerHelloDone... The certificates of the seeds
 * (tests/fuzz/corpus/tlcp_hs_client/, first flights of our server for each suite) verify, since the keys are fixed;
 * their ServerKeyExchange signatures cover another client random and are refused. Checks: as fuzz_drive.
 */
#include "fuzz_tlcp_hs_pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ccsp_tlcp_conn *c;
	const uint8_t *out;
	size_t outlen;
	int done;

	if (size < 1)
		return 0;
	fuzz_pki_init();
	c = ccsp_tlcp_conn_new(fuzz_pki.client, 0);
	if (c == NULL)
		return 0;
	if (ccsp_tlcp_conn_handshake(c, &done) != CCSP_OK)
		abort();
	ccsp_tlcp_conn_out(c, &out, &outlen); /* the ClientHello, sent */
	ccsp_tlcp_conn_out_consume(c, outlen);
	fuzz_drive(c, data + 1, size - 1, data[0]);
	ccsp_tlcp_conn_free(c);
	return 0;
}

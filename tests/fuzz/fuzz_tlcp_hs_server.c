/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLCP handshake, server side (src/tlcp/tlcp_conn.c, tlcp_hs_server.c, tlcp_hs_msg.c, tlcp_hs_cert.c): the input is
 * what a client sends. Byte 0 sets the size of the pieces it is fed in (0: all at once), the rest are the client's
 * bytes: records with ClientHello, Certificate, ClientKeyExchange, CertificateVerify... The server has all four
 * suites, optional client authentication and a session cache. Checks (fuzz_drive): progress, final failures with an
 * alert. Seeds (tests/fuzz/corpus/tlcp_hs_server/): ClientHellos of our client (every suite list, with a session
 * ID, with extensions) and a client's whole first flight with certificates.
 */
#include "fuzz_tlcp_hs_pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ccsp_tlcp_conn *c;

	if (size < 1)
		return 0;
	fuzz_pki_init();
	c = ccsp_tlcp_conn_new(fuzz_pki.server, 1);
	if (c == NULL)
		return 0;
	fuzz_drive(c, data + 1, size - 1, data[0]);
	ccsp_tlcp_conn_free(c);
	return 0;
}

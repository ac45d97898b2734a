/* SPDX-License-Identifier: Apache-2.0 */
/* Certificate and PKCS#10 request parsers (DER, or PEM when the input is text). What parses must point
 * inside the input, print as text, and verify against itself as a trust anchor without a fault. */
#include <stdlib.h>
#include <string.h>

#include <ccsp/x509.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const ccsp_x509_span *s, const uint8_t *data, size_t size)
{
	if (s->len > 0 && (s->p < data || s->p + s->len > data + size))
		abort();
}

static void printable(const ccsp_x509_span *name)
{
	char text[CCSP_X509_NAME_TEXT_MAX];
	ccsp_err e = ccsp_x509_name_to_text(name->p, name->len, text, sizeof text);
	if ((e != CCSP_OK && e != CCSP_ERR_BUFFER_TOO_SMALL) || memchr(text, '\0', sizeof text) == NULL)
		abort();
}

static void cert(const uint8_t *data, size_t size)
{
	ccsp_x509_cert c;
	if (ccsp_x509_cert_parse(&c, data, size) != CCSP_OK)
		return;
	inside(&c.tbs, data, size);
	inside(&c.issuer, data, size);
	inside(&c.subject, data, size);
	inside(&c.ski, data, size);
	inside(&c.aki, data, size);
	for (size_t i = 0; i < c.n_dns; i++)
		inside(&c.dns[i], data, size);
	if (c.serial_len > CCSP_X509_SERIAL_MAX || c.n_dns > CCSP_X509_SAN_MAX || c.n_ip > CCSP_X509_SAN_MAX)
		abort();
	printable(&c.issuer);
	printable(&c.subject);
	ccsp_x509_verify_params p = {.time = c.not_before, .purpose = CCSP_X509_PURPOSE_ANY, .id = NULL};
	ccsp_x509_status st;
	ccsp_err e = ccsp_x509_verify(&c, NULL, 0, &c, 1, &p, &st, NULL);
	if (e != CCSP_OK && e != CCSP_ERR_AUTH)
		abort();
}

static void csr(const uint8_t *data, size_t size)
{
	ccsp_x509_csr r;
	if (ccsp_x509_csr_parse(&r, data, size) != CCSP_OK)
		return;
	inside(&r.info, data, size);
	inside(&r.subject, data, size);
	printable(&r.subject);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cert(data, size);
	csr(data, size);
	if (size > 0 && data[0] == '-') {
		uint8_t *der = malloc(CCSP_X509_CERT_MAX);
		size_t len, used;
		if (der == NULL)
			abort();
		if (ccsp_x509_pem_decode(data, size, "CERTIFICATE", der, CCSP_X509_CERT_MAX, &len, &used) == CCSP_OK) {
			if (used > size)
				abort();
			cert(der, len);
		}
		if (ccsp_x509_pem_decode(data, size, "CERTIFICATE REQUEST", der, CCSP_X509_CERT_MAX, &len, NULL) == CCSP_OK)
			csr(der, len);
		free(der);
	}
	return 0;
}

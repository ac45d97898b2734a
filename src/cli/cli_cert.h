/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to ccsp cert (cli_cert*.c): certificate files. */
#ifndef CCSP_CLI_CERT_H
#define CCSP_CLI_CERT_H

#include <ccsp/x509.h>

/* Bound of a certificate file (a CA bundle): room for many certificates of at most CCSP_X509_CERT_MAX. */
#define CLI_MAX_CERT_FILE ((size_t)1 << 20)
#define CLI_CERTS_MAX 64

/* The certificates of a file: PEM blocks "CERTIFICATE" (text between them skipped) or one DER certificate.
 * der[i] is the malloc'd DER certs[i] points into. */
typedef struct cli_cert_set {
	ccsp_x509_cert certs[CLI_CERTS_MAX];
	uint8_t *der[CLI_CERTS_MAX];
	size_t n;
} cli_cert_set;

/* Load path (PEM with one or more certificates, or DER); at least one. A malloc'd set, NULL on error (printed). */
cli_cert_set *cli_cert_load(const char *path);
/* The same from a file's contents (path names it in messages). */
cli_cert_set *cli_cert_from_buf(const char *path, const uint8_t *buf, size_t len);
void cli_cert_set_free(cli_cert_set *s);

/* ccsp cert print (cli_cert_print.c); argv[0] is "print". */
int cli_cert_print(int argc, char **argv);

#endif

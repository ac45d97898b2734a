/* SPDX-License-Identifier: Apache-2.0 */
/* ccsp cert print: a certificate or a certificate request in text, in the spirit of openssl x509 -text. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_cert.h"

static void print_hex(const char *label, const uint8_t *p, size_t n)
{
	printf("    %s: ", label);
	for (size_t i = 0; i < n; i++)
		printf("%02X%s", p[i], i + 1 < n ? ":" : "");
	printf("\n");
}

static void print_name(const char *label, const ccsp_x509_span *name)
{
	char text[CCSP_X509_NAME_TEXT_MAX];
	ccsp_err e = ccsp_x509_name_to_text(name->p, name->len, text, sizeof text);
	printf("    %s: %s%s\n", label, e == CCSP_OK || e == CCSP_ERR_BUFFER_TOO_SMALL ? text : "?",
	       e == CCSP_ERR_BUFFER_TOO_SMALL ? "..." : "");
}

static void print_time(const char *label, int64_t t)
{
	char buf[64];
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) != NULL && strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm) > 0)
		printf("    %s: %s\n", label, buf);
	else
		printf("    %s: %lld\n", label, (long long)t);
}

static void print_key_usage(unsigned ku)
{
	static const char *const names[] = {"Digital Signature", "Non Repudiation", "Key Encipherment",
	                                    "Data Encipherment", "Key Agreement",   "Certificate Sign",
	                                    "CRL Sign",          "Encipher Only",   "Decipher Only"};
	printf("    Key Usage:");
	for (unsigned i = 0, first = 1; i < sizeof names / sizeof names[0]; i++) {
		if (ku & (1u << i)) {
			printf("%s %s", first ? "" : ",", names[i]);
			first = 0;
		}
	}
	printf("\n");
}

static void print_san(const ccsp_x509_cert *c)
{
	char ip[INET6_ADDRSTRLEN];
	printf("    Subject Alternative Name:");
	for (size_t i = 0; i < c->n_dns; i++)
		printf("%s DNS:%.*s", i ? "," : "", (int)c->dns[i].len, (const char *)c->dns[i].p);
	for (size_t i = 0; i < c->n_ip; i++) {
		if (inet_ntop(c->ip[i].len == 4 ? AF_INET : AF_INET6, c->ip[i].addr, ip, sizeof ip) == NULL)
			snprintf(ip, sizeof ip, "?");
		printf("%s IP:%s", i + c->n_dns ? "," : "", ip);
	}
	printf("\n");
}

static void print_extensions(const ccsp_x509_cert *c)
{
	if (c->has_basic_constraints) {
		printf("    Basic Constraints: CA:%s", c->is_ca ? "TRUE" : "FALSE");
		if (c->pathlen >= 0)
			printf(", pathlen:%d", c->pathlen);
		printf("\n");
	}
	if (c->has_key_usage)
		print_key_usage(c->key_usage);
	if (c->has_ext_key_usage)
		printf("    Extended Key Usage:%s%s\n", c->ext_key_usage & CCSP_X509_EKU_SERVER_AUTH ? " serverAuth" : "",
		       c->ext_key_usage & CCSP_X509_EKU_CLIENT_AUTH ? " clientAuth" : "");
	if (c->ski.len > 0)
		print_hex("Subject Key Identifier", c->ski.p, c->ski.len);
	if (c->aki.len > 0)
		print_hex("Authority Key Identifier", c->aki.p, c->aki.len);
	if (c->n_dns + c->n_ip > 0)
		print_san(c);
}

static void print_cert(const ccsp_x509_cert *c)
{
	printf("Certificate:\n    Version: %d\n", c->version);
	print_hex("Serial Number", c->serial, c->serial_len);
	printf("    Signature Algorithm: SM2-with-SM3\n");
	print_name("Issuer", &c->issuer);
	print_time("Not Before", c->not_before);
	print_time("Not After", c->not_after);
	print_name("Subject", &c->subject);
	print_hex("Public Key (SM2)", c->pub, sizeof c->pub);
	print_extensions(c);
	print_hex("Signature", c->sig, sizeof c->sig);
}

static int print_csr(const char *path, const uint8_t *buf, size_t len)
{
	uint8_t *der = malloc(CCSP_X509_CERT_MAX);
	size_t derlen = 0;
	ccsp_x509_csr csr;
	int ret = CLI_EXIT_FAIL;
	if (der == NULL) {
		cli_error("out of memory");
		return CLI_EXIT_FAIL;
	}
	ccsp_err e = ccsp_x509_pem_decode(buf, len, "CERTIFICATE REQUEST", der, CCSP_X509_CERT_MAX, &derlen, NULL);
	if (e == CCSP_OK)
		e = ccsp_x509_csr_parse(&csr, der, derlen);
	if (e != CCSP_OK) {
		cli_error_ccsp(e, "%s: not an SM2 certificate request", path);
	} else {
		printf("Certificate Request:\n");
		print_name("Subject", &csr.subject);
		print_hex("Public Key (SM2)", csr.pub, sizeof csr.pub);
		e = ccsp_x509_csr_verify(&csr);
		printf("    Signature: %s\n", e == CCSP_OK ? "ok" : "does not verify");
		ret = e == CCSP_OK ? 0 : CLI_EXIT_FAIL;
	}
	free(der);
	return ret;
}

int cli_cert_print(int argc, char **argv)
{
	char *in = NULL;
	const cli_opt opts[] = {{"-in", &in, NULL}};
	int npos;
	if (cli_parse_opts(argc, argv, opts, 1, argv + 1, 0, &npos) != 0)
		return CLI_EXIT_USAGE;
	if (in == NULL) {
		cli_error("cert print: -in is required");
		return CLI_EXIT_USAGE;
	}
	uint8_t *buf = NULL;
	size_t len = 0;
	if (cli_read_file(in, "a certificate file", CLI_MAX_CERT_FILE, &buf, &len) != 0)
		return CLI_EXIT_FAIL;
	int ret = 0;
	if (memmem(buf, len, "-----BEGIN CERTIFICATE REQUEST-----", 35) != NULL) {
		ret = print_csr(in, buf, len);
		free(buf);
		return ret;
	}
	cli_cert_set *s = cli_cert_from_buf(in, buf, len);
	free(buf);
	if (s == NULL)
		return CLI_EXIT_FAIL;
	for (size_t i = 0; i < s->n; i++)
		print_cert(&s->certs[i]);
	cli_cert_set_free(s);
	return ret;
}

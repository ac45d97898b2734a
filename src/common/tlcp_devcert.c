/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ccsp/mem.h>
#include <ccsp/sm2.h>
#include <ccsp/sm2_asn1.h>
#include <ccsp/x509.h>

#include "common/atomic_file.h"
#include "common/selfcert.h"
#include "common/tlcp_devcert.h"

#define SAN_MAX 4

typedef struct devcert_san {
	char text[300];            /* "IP:a,IP:b,DNS:c" (ccsp_selfcert_alt_names) cut into the entries below */
	const char *dns[SAN_MAX];
	ccsp_x509_ip ip[SAN_MAX];
	size_t n_dns, n_ip;
} devcert_san;

static ccsp_err san_from_listen(const char *listen, devcert_san *s)
{
	char *save = NULL;
	ccsp_err err = ccsp_selfcert_alt_names(listen, s->text, sizeof s->text);
	for (char *e = err == CCSP_OK ? strtok_r(s->text, ",", &save) : NULL; e != NULL; e = strtok_r(NULL, ",", &save)) {
		if (strncmp(e, "DNS:", 4) == 0 && s->n_dns < SAN_MAX) {
			s->dns[s->n_dns++] = e + 4;
		} else if (strncmp(e, "IP:", 3) == 0 && s->n_ip < SAN_MAX) {
			ccsp_x509_ip *ip = &s->ip[s->n_ip];
			ip->len = inet_pton(AF_INET, e + 3, ip->addr) == 1 ? 4 : inet_pton(AF_INET6, e + 3, ip->addr) == 1 ? 16 : 0;
			s->n_ip += ip->len != 0;
		}
	}
	return err;
}

static ccsp_err write_pem(const char *dir, const char *file, const char *label, const uint8_t *der, size_t len,
                          mode_t mode)
{
	char path[PATH_MAX];
	size_t cap = 2 * len + 256, n = 0;
	uint8_t *pem = malloc(cap);
	ccsp_err err = pem != NULL ? ccsp_x509_pem_encode(label, der, len, pem, cap, &n) : CCSP_ERR_NOMEM;
	snprintf(path, sizeof path, "%s/%s", dir, file);
	if (err == CCSP_OK)
		err = ccsp_atomic_write(path, pem, n, mode);
	free(pem);
	return err;
}

static ccsp_err write_key(const char *dir, const char *file, const ccsp_sm2_key *key)
{
	char path[PATH_MAX];
	uint8_t pem[CCSP_SM2_KEY_FILE_MAX];
	size_t n = 0;
	ccsp_err err = ccsp_sm2_key_encode(key, CCSP_SM2_KEY_PKCS8, 1, NULL, 0, pem, sizeof pem, &n);
	snprintf(path, sizeof path, "%s/%s", dir, file);
	if (err == CCSP_OK)
		err = ccsp_atomic_write(path, pem, n, 0600);
	ccsp_memzero(pem, sizeof pem);
	return err;
}

/* A certificate for key: self-signed CA (issuer NULL) or issued by issuer. cn_suffix follows common_name. */
static ccsp_err make_cert(ccsp_x509_cert_params *p, const char *common_name, const char *cn_suffix,
                          const ccsp_sm2_key *key, const ccsp_x509_cert *issuer, const ccsp_sm2_key *issuer_key,
                          uint8_t *der, size_t *len)
{
	char text[200];
	uint8_t name[512];
	size_t namelen = 0;
	int w = snprintf(text, sizeof text, "/O=ccsp/CN=%s %s", common_name, cn_suffix);
	ccsp_err err = w > 0 && (size_t)w < sizeof text ? ccsp_x509_name_from_text(text, name, sizeof name, &namelen)
	                                                 : CCSP_ERR_ARG;
	p->subject = name;
	p->subject_len = namelen;
	if (err == CCSP_OK)
		err = ccsp_x509_cert_write(p, key, issuer, issuer_key != NULL ? issuer_key : key, der, CCSP_X509_CERT_MAX, len);
	return err;
}

/* One leaf of the pair: its key, certificate and files. */
static ccsp_err make_leaf(const char *dir, const char *common_name, int sign, ccsp_x509_cert_params *p,
                          const ccsp_x509_cert *ca, const ccsp_sm2_key *ca_key, uint8_t *der)
{
	size_t len = 0;
	ccsp_sm2_key *key = ccsp_sm2_key_new();
	ccsp_err err = key != NULL ? ccsp_sm2_key_generate(key) : CCSP_ERR_NOMEM;
	p->key_usage = sign ? CCSP_X509_KU_DIGITAL_SIGNATURE | CCSP_X509_KU_NON_REPUDIATION
	                    : CCSP_X509_KU_KEY_ENCIPHERMENT | CCSP_X509_KU_DATA_ENCIPHERMENT | CCSP_X509_KU_KEY_AGREEMENT;
	if (err == CCSP_OK)
		err = make_cert(p, common_name, sign ? "TLCP signing" : "TLCP encryption", key, ca, ca_key, der, &len);
	if (err == CCSP_OK)
		err = write_key(dir, sign ? "tlcp-sign.key" : "tlcp-enc.key", key);
	if (err == CCSP_OK)
		err = write_pem(dir, sign ? "tlcp-sign.pem" : "tlcp-enc.pem", "CERTIFICATE", der, len, 0644);
	ccsp_sm2_key_free(key);
	return err;
}

ccsp_err ccsp_tlcp_devcert_create(const char *dir, const char *common_name, const char *listen, int days)
{
	devcert_san san = {0};
	ccsp_x509_cert ca;
	size_t ca_len = 0;
	int64_t now = (int64_t)time(NULL);
	ccsp_x509_cert_params p = {.not_before = now - 3600, .not_after = now + (int64_t)days * 86400, .is_ca = 1,
	                           .pathlen = 0, .key_usage = CCSP_X509_KU_KEY_CERT_SIGN | CCSP_X509_KU_CRL_SIGN};
	uint8_t *ca_der = malloc(CCSP_X509_CERT_MAX), *der = malloc(CCSP_X509_CERT_MAX);
	ccsp_sm2_key *ca_key = ccsp_sm2_key_new();
	ccsp_err err = ca_der != NULL && der != NULL && ca_key != NULL ? san_from_listen(listen, &san) : CCSP_ERR_NOMEM;
	if (err == CCSP_OK)
		err = ccsp_sm2_key_generate(ca_key);
	if (err == CCSP_OK)
		err = make_cert(&p, common_name, "dev TLCP CA", ca_key, NULL, NULL, ca_der, &ca_len);
	if (err == CCSP_OK)
		err = ccsp_x509_cert_parse(&ca, ca_der, ca_len);
	if (err == CCSP_OK)
		err = write_pem(dir, "tlcp-ca.pem", "CERTIFICATE", ca_der, ca_len, 0644);
	p = (ccsp_x509_cert_params){.not_before = p.not_before, .not_after = p.not_after, .dns = san.dns,
	                            .n_dns = san.n_dns, .ip = san.ip, .n_ip = san.n_ip};
	if (err == CCSP_OK)
		err = make_leaf(dir, common_name, 1, &p, &ca, ca_key, der);
	if (err == CCSP_OK)
		err = make_leaf(dir, common_name, 0, &p, &ca, ca_key, der);
	ccsp_sm2_key_free(ca_key); /* wipes it: the CA signs nothing else */
	free(ca_der);
	free(der);
	return err;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* A certificate for key: self-signed CA (issuer NULL) or issued by issuer. The subject is /O=ccsp/CN=<cn>. */
static ccsp_err make_cert(ccsp_x509_cert_params *p, const char *cn, const ccsp_sm2_key *key,
                          const ccsp_x509_cert *issuer, const ccsp_sm2_key *issuer_key, uint8_t *der, size_t *len)
{
	char text[200];
	uint8_t name[512];
	size_t namelen = 0;
	int w = snprintf(text, sizeof text, "/O=ccsp/CN=%s", cn);
	ccsp_err err = w > 0 && (size_t)w < sizeof text ? ccsp_x509_name_from_text(text, name, sizeof name, &namelen)
	                                                 : CCSP_ERR_ARG;
	p->subject = name;
	p->subject_len = namelen;
	if (err == CCSP_OK)
		err = ccsp_x509_cert_write(p, key, issuer, issuer_key != NULL ? issuer_key : key, der, CCSP_X509_CERT_MAX, len);
	return err;
}

static const char *const leaf_files[2][2] = {{"tlcp-enc.pem", "tlcp-enc.key"}, {"tlcp-sign.pem", "tlcp-sign.key"}};

/* One leaf of the pair: its key, certificate and files. */
static ccsp_err make_leaf(const char *dir, const char *common_name, int sign, ccsp_x509_cert_params *p,
                          const ccsp_x509_cert *ca, const ccsp_sm2_key *ca_key, uint8_t *der)
{
	char cn[160];
	size_t len = 0;
	ccsp_sm2_key *key = ccsp_sm2_key_new();
	ccsp_err err = key != NULL ? ccsp_sm2_key_generate(key) : CCSP_ERR_NOMEM;
	p->key_usage = sign ? CCSP_X509_KU_DIGITAL_SIGNATURE | CCSP_X509_KU_NON_REPUDIATION
	                    : CCSP_X509_KU_KEY_ENCIPHERMENT | CCSP_X509_KU_DATA_ENCIPHERMENT | CCSP_X509_KU_KEY_AGREEMENT;
	int w = snprintf(cn, sizeof cn, "%s %s", common_name, sign ? "TLCP signing" : "TLCP encryption");
	if (err == CCSP_OK && (w <= 0 || (size_t)w >= sizeof cn))
		err = CCSP_ERR_ARG;
	if (err == CCSP_OK)
		err = make_cert(p, cn, key, ca, ca_key, der, &len);
	if (err == CCSP_OK)
		err = write_key(dir, leaf_files[sign][1], key);
	if (err == CCSP_OK)
		err = write_pem(dir, leaf_files[sign][0], "CERTIFICATE", der, len, 0644);
	ccsp_sm2_key_free(key); /* wipes it */
	return err;
}

ccsp_err ccsp_tlcp_devcert_ca(const char *common_name, const ccsp_sm2_key *key, int days, uint8_t *der,
                              size_t *len)
{
	int64_t now = (int64_t)time(NULL);
	ccsp_x509_cert_params p = {.not_before = now - 3600, .not_after = now + (int64_t)days * 86400, .is_ca = 1,
	                           .pathlen = 0, .key_usage = CCSP_X509_KU_KEY_CERT_SIGN | CCSP_X509_KU_CRL_SIGN};
	return make_cert(&p, common_name, key, NULL, NULL, der, len);
}

ccsp_err ccsp_tlcp_devcert_issue(const char *dir, const char *common_name, const char *listen,
                                 const ccsp_x509_cert *ca, const ccsp_sm2_key *ca_key, int days)
{
	devcert_san san = {0};
	int64_t now = (int64_t)time(NULL);
	uint8_t *der = malloc(CCSP_X509_CERT_MAX);
	ccsp_err err = der != NULL ? san_from_listen(listen, &san) : CCSP_ERR_NOMEM;
	ccsp_x509_cert_params p = {.not_before = now - 3600, .not_after = now + (int64_t)days * 86400, .dns = san.dns,
	                           .n_dns = san.n_dns, .ip = san.ip, .n_ip = san.n_ip};
	if (err == CCSP_OK)
		err = make_leaf(dir, common_name, 1, &p, ca, ca_key, der);
	if (err == CCSP_OK)
		err = make_leaf(dir, common_name, 0, &p, ca, ca_key, der);
	free(der);
	return err;
}

ccsp_err ccsp_tlcp_devcert_write_pem(const char *path, const uint8_t *der, size_t len)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int w = slash != NULL ? snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path) : snprintf(dir, sizeof dir, ".");
	if (w <= 0 || (size_t)w >= sizeof dir)
		return CCSP_ERR_ARG;
	return write_pem(dir, slash != NULL ? slash + 1 : path, "CERTIFICATE", der, len, 0644);
}

ccsp_err ccsp_tlcp_devcert_read(const char *path, uint8_t *der, ccsp_x509_cert *cert)
{
	uint8_t *pem = NULL;
	size_t pemlen = 0, len = 0;
	ccsp_err err = ccsp_file_read_all(path, 4 * CCSP_X509_CERT_MAX, &pem, &pemlen);
	if (err == CCSP_OK)
		err = ccsp_x509_pem_decode(pem, pemlen, "CERTIFICATE", der, CCSP_X509_CERT_MAX, &len, NULL);
	if (err == CCSP_OK)
		err = ccsp_x509_cert_parse(cert, der, len);
	free(pem);
	return err;
}

/* 1 when the certificate of dir/file is valid now and a day from now under ca for purpose. */
static int leaf_trusted(const char *dir, const char *file, const ccsp_x509_cert *ca, ccsp_x509_purpose purpose,
                        uint8_t *der, ccsp_x509_cert *cert)
{
	char path[PATH_MAX];
	int64_t now = (int64_t)time(NULL);
	if (snprintf(path, sizeof path, "%s/%s", dir, file) >= (int)sizeof path || ccsp_tlcp_devcert_read(path, der, cert) != CCSP_OK)
		return 0;
	ccsp_x509_verify_params vp = {.time = now, .purpose = purpose};
	int ok = ccsp_x509_verify(cert, NULL, 0, ca, 1, &vp, NULL, NULL) == CCSP_OK;
	vp.time = now + 86400;
	return ok && ccsp_x509_verify(cert, NULL, 0, ca, 1, &vp, NULL, NULL) == CCSP_OK;
}

/* 1 when cert's SAN names every entry of san. */
static int names_all(const ccsp_x509_cert *cert, const devcert_san *san)
{
	size_t found = 0;
	for (size_t i = 0; i < san->n_ip; i++)
		for (size_t j = 0; j < cert->n_ip; j++)
			if (cert->ip[j].len == san->ip[i].len && memcmp(cert->ip[j].addr, san->ip[i].addr, san->ip[i].len) == 0) {
				found++;
				break;
			}
	for (size_t i = 0; i < san->n_dns; i++)
		for (size_t j = 0; j < cert->n_dns; j++)
			if (cert->dns[j].len == strlen(san->dns[i]) && memcmp(cert->dns[j].p, san->dns[i], cert->dns[j].len) == 0) {
				found++;
				break;
			}
	return found == san->n_ip + san->n_dns;
}

int ccsp_tlcp_devcert_current(const char *dir, const char *listen, const ccsp_x509_cert *ca)
{
	char path[PATH_MAX];
	devcert_san san = {0};
	ccsp_x509_cert cert;
	uint8_t *der = malloc(CCSP_X509_CERT_MAX);
	int ok = der != NULL && san_from_listen(listen, &san) == CCSP_OK;
	for (int sign = 0; ok && sign <= 1; sign++) {
		ok = snprintf(path, sizeof path, "%s/%s", dir, leaf_files[sign][1]) < (int)sizeof path &&
		     access(path, R_OK) == 0 &&
		     leaf_trusted(dir, leaf_files[sign][0], ca, sign ? CCSP_X509_PURPOSE_SIGN : CCSP_X509_PURPOSE_ENC, der,
		                  &cert);
		if (ok && sign)
			ok = names_all(&cert, &san);
	}
	free(der);
	return ok;
}

ccsp_err ccsp_tlcp_devcert_create(const char *dir, const char *common_name, const char *listen, int days)
{
	char cn[160];
	ccsp_x509_cert ca;
	size_t ca_len = 0;
	uint8_t *ca_der = malloc(CCSP_X509_CERT_MAX);
	ccsp_sm2_key *ca_key = ccsp_sm2_key_new();
	int w = snprintf(cn, sizeof cn, "%s dev TLCP CA", common_name);
	ccsp_err err = ca_der != NULL && ca_key != NULL ? CCSP_OK : CCSP_ERR_NOMEM;
	if (err == CCSP_OK && (w <= 0 || (size_t)w >= sizeof cn))
		err = CCSP_ERR_ARG;
	if (err == CCSP_OK)
		err = ccsp_sm2_key_generate(ca_key);
	if (err == CCSP_OK)
		err = ccsp_tlcp_devcert_ca(cn, ca_key, days, ca_der, &ca_len);
	if (err == CCSP_OK)
		err = ccsp_x509_cert_parse(&ca, ca_der, ca_len);
	if (err == CCSP_OK)
		err = write_pem(dir, "tlcp-ca.pem", "CERTIFICATE", ca_der, ca_len, 0644);
	if (err == CCSP_OK)
		err = ccsp_tlcp_devcert_issue(dir, common_name, listen, &ca, ca_key, days);
	ccsp_sm2_key_free(ca_key); /* wipes it: the CA signs nothing else */
	free(ca_der);
	return err;
}

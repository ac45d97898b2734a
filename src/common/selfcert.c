/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/atomic_file.h"
#include "common/selfcert.h"

static int add_ext(X509 *cert, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	int ok = ext != NULL && X509_add_ext(cert, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

static int set_serial(X509 *cert)
{
	unsigned char b[16];
	if (RAND_bytes(b, sizeof b) != 1)
		return 0;
	b[0] &= 0x7F; /* positive */
	BIGNUM *bn = BN_bin2bn(b, sizeof b, NULL);
	int ok = bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;
	BN_free(bn);
	return ok;
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, const char *alt_names, int days)
{
	X509 *cert = X509_new();
	X509_NAME *name = cert != NULL ? X509_get_subject_name(cert) : NULL;
	int ok = name != NULL && X509_set_version(cert, 2) && set_serial(cert) &&
	         X509_gmtime_adj(X509_getm_notBefore(cert), -3600) != NULL &&
	         X509_gmtime_adj(X509_getm_notAfter(cert), (long)days * 86400) != NULL &&
	         X509_set_pubkey(cert, key) &&
	         X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"ccsp", -1, -1, 0) &&
	         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0) &&
	         X509_set_issuer_name(cert, name) && add_ext(cert, NID_basic_constraints, "critical,CA:TRUE") &&
	         add_ext(cert, NID_key_usage, "critical,digitalSignature,keyCertSign") &&
	         add_ext(cert, NID_ext_key_usage, "serverAuth") && add_ext(cert, NID_subject_key_identifier, "hash") &&
	         add_ext(cert, NID_subject_alt_name, alt_names) && X509_sign(cert, key, EVP_sha256()) > 0;
	if (!ok) {
		X509_free(cert);
		return NULL;
	}
	return cert;
}

/* The PEM text written by fn into a memory BIO, then atomically to path with mode. */
static ccsp_err write_bio(BIO *bio, const char *path, mode_t mode)
{
	char *data;
	long len = BIO_get_mem_data(bio, &data);
	if (len <= 0)
		return CCSP_ERR_INTERNAL;
	return ccsp_atomic_write(path, data, (size_t)len, mode);
}

ccsp_err ccsp_selfcert_create(const char *cert_path, const char *key_path, const char *common_name,
                              const char *alt_names, int days)
{
	ccsp_err ret = CCSP_ERR_INTERNAL;
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = key != NULL ? make_cert(key, common_name, alt_names, days) : NULL;
	BIO *kb = BIO_new(BIO_s_secmem());
	BIO *cb = BIO_new(BIO_s_mem());
	if (cert == NULL || kb == NULL || cb == NULL)
		goto out;
	if (PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL) != 1 || PEM_write_bio_X509(cb, cert) != 1)
		goto out;
	ret = write_bio(kb, key_path, 0600);
	if (ret == CCSP_OK)
		ret = write_bio(cb, cert_path, 0644);
out:
	BIO_free(kb); /* secure-heap BIO: cleansed on free */
	BIO_free(cb);
	X509_free(cert);
	EVP_PKEY_free(key);
	return ret;
}

ccsp_err ccsp_selfcert_alt_names(const char *listen, char *out, size_t cap)
{
	char host[128];
	unsigned port;
	const char *colon = listen != NULL ? strrchr(listen, ':') : NULL;
	if (colon == NULL || colon == listen || sscanf(colon + 1, "%u", &port) != 1 || port > 65535)
		return CCSP_ERR_ARG;
	size_t n = (size_t)(colon - listen);
	int bracket = listen[0] == '[' && n >= 2 && listen[n - 1] == ']';
	const char *start = bracket ? listen + 1 : listen;
	n -= bracket ? 2 : 0;
	if (n == 0 || n >= sizeof host)
		return CCSP_ERR_ARG;
	memcpy(host, start, n);
	host[n] = '\0';
	int ip = strspn(host, "0123456789.") == n || strchr(host, ':') != NULL;
	int w = snprintf(out, cap, "%s:%s,IP:127.0.0.1,DNS:localhost", ip ? "IP" : "DNS", host);
	return w > 0 && (size_t)w < cap ? CCSP_OK : CCSP_ERR_ARG;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * X.509 certificates and PKCS#10 requests (RFC 5280, RFC 2986, GM/T 0015): a chain and a request made by
 * openssl 3.0 parsed field by field; certificates we write read back and checked by OpenSSL's X509_verify;
 * every truncation refused; tampering detected; each refusal of chain verification.
 */
#include <string.h>

#include <ccsp/sm2.h>
#include <ccsp/x509.h>

#include "test_util.h"
#include "x509/x509_internal.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

/*
 * Made with openssl 3.0.19 (SM2 keys from openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2):
 *   openssl x509 -req -signkey ca.key -sm3 -sigopt distid:1234567812345678 -days 36500 -set_serial 0x0102030405
 *     extensions: basicConstraints=critical,CA:TRUE,pathlen:1  keyUsage=critical,keyCertSign,cRLSign
 *                 subjectKeyIdentifier=hash  authorityKeyIdentifier=keyid
 *   leaf: -CA ca.pem -set_serial 0x7fff...ff (20 bytes), extensions: basicConstraints=CA:FALSE,
 *     keyUsage=critical,digitalSignature,keyEncipherment  extendedKeyUsage=serverAuth,clientAuth
 *     subjectAltName=DNS:a.example,DNS:b.example,IP:10.0.0.1  SKI, AKI
 *   leaf.csr: openssl req -new -key leaf.key -sm3 -sigopt distid:1234567812345678
 * Validity: UTCTime 261207062652Z .. GeneralizedTime 21261113062652Z.
 */
static const char ossl_ca[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBuDCCAV6gAwIBAgIFAQIDBAUwCgYIKoEcz1UBg3UwPzELMAkGA1UEBhMCQ04x\n"
	"FTATBgNVBAoMDE9wZW5TU0wgVGVzdDEZMBcGA1UEAwwQT3BlblNTTCBTTTIgUm9v\n"
	"dDAgFw0yNjEyMDcwNjI2NTJaGA8yMTI2MTExMzA2MjY1MlowPzELMAkGA1UEBhMC\n"
	"Q04xFTATBgNVBAoMDE9wZW5TU0wgVGVzdDEZMBcGA1UEAwwQT3BlblNTTCBTTTIg\n"
	"Um9vdDBZMBMGByqGSM49AgEGCCqBHM9VAYItA0IABG087ZUjr+SFZVzMDA6Sbs/Q\n"
	"k4zzHYsJhk/nnSGTgtg4Nfwjzcl7ect7qX1NwuObcsbs5ncjhZ2NKt0Gx9QqBwGj\n"
	"RTBDMBIGA1UdEwEB/wQIMAYBAf8CAQEwDgYDVR0PAQH/BAQDAgEGMB0GA1UdDgQW\n"
	"BBQJbasaNXNt4Z0puH8ESxlq0v4V7TAKBggqgRzPVQGDdQNIADBFAiBzm2UzvTuV\n"
	"kAE+bbHEHhqE7taRY38NbzXFSsGsaPBEQQIhAOitVZkj2asrd7i3t8rPHUsp7M9V\n"
	"uJ/nvx+gwUTFGU6U\n"
	"-----END CERTIFICATE-----\n";
static const char ossl_leaf[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIICNjCCAdugAwIBAgIUf/////////////////////////8wCgYIKoEcz1UBg3Uw\n"
	"PzELMAkGA1UEBhMCQ04xFTATBgNVBAoMDE9wZW5TU0wgVGVzdDEZMBcGA1UEAwwQ\n"
	"T3BlblNTTCBTTTIgUm9vdDAgFw0yNjEyMDcwNjI2NTJaGA8yMTI2MTExMzA2MjY1\n"
	"MlowTTELMAkGA1UEBhMCQ04xEDAOBgNVBAgMB0JlaWppbmcxFTATBgNVBAoMDE9w\n"
	"ZW5TU0wgVGVzdDEVMBMGA1UEAwwMbGVhZi5leGFtcGxlMFkwEwYHKoZIzj0CAQYI\n"
	"KoEcz1UBgi0DQgAEdUDlR5cBmzgfPGZFbAuRqDpkwVEk9rLoa/etGmKsqI5zJybL\n"
	"yB5U3A+EJAU1Q4Pn5jpYgk9oAxD4p0XWT2Jc8qOBpDCBoTAJBgNVHRMEAjAAMA4G\n"
	"A1UdDwEB/wQEAwIFoDAdBgNVHSUEFjAUBggrBgEFBQcDAQYIKwYBBQUHAwIwJQYD\n"
	"VR0RBB4wHIIJYS5leGFtcGxlggliLmV4YW1wbGWHBAoAAAEwHQYDVR0OBBYEFIfG\n"
	"pT739cUq/9FjU/Ac9bifD6L5MB8GA1UdIwQYMBaAFAltqxo1c23hnSm4fwRLGWrS\n"
	"/hXtMAoGCCqBHM9VAYN1A0kAMEYCIQDUrpZscRZlnVZyTXUHnF1TiyvO0CBLgoYi\n"
	"/nwfCjBLtAIhALDms1ZzPb9LimgJC070i3Efe0UH7DG6EtmtAI5TPUST\n"
	"-----END CERTIFICATE-----\n";
static const char ossl_csr[] =
	"-----BEGIN CERTIFICATE REQUEST-----\n"
	"MIIBCDCBrwIBADBNMQswCQYDVQQGEwJDTjEQMA4GA1UECAwHQmVpamluZzEVMBMG\n"
	"A1UECgwMT3BlblNTTCBUZXN0MRUwEwYDVQQDDAxsZWFmLmV4YW1wbGUwWTATBgcq\n"
	"hkjOPQIBBggqgRzPVQGCLQNCAAR1QOVHlwGbOB88ZkVsC5GoOmTBUST2suhr960a\n"
	"YqyojnMnJsvIHlTcD4QkBTVDg+fmOliCT2gDEPinRdZPYlzyoAAwCgYIKoEcz1UB\n"
	"g3UDSAAwRQIhAO0eDJn5pZwHk9e5rM6YHtHuutkynZ4kVUijEwjKnmy3AiB5eAY/\n"
	"rvmoArEzAQRpUjIMlofbwVuNdJGS8UrTNy/ixw==\n"
	"-----END CERTIFICATE REQUEST-----\n";

#define OSSL_NOT_BEFORE INT64_C(1796624812) /* 2026-12-07T06:26:52Z */
#define OSSL_NOT_AFTER INT64_C(4950224812)  /* 2126-11-13T06:26:52Z */
#define DAY 86400

static size_t pem_der(const char *pem, const char *label, uint8_t *der, size_t cap)
{
	size_t len, used;
	assert_ok(ccsp_x509_pem_decode((const uint8_t *)pem, strlen(pem), label, der, cap, &len, &used));
	assert_int_equal(used, strlen(pem));
	return len;
}

static void name_is(const ccsp_x509_span *name, const char *text)
{
	char buf[CCSP_X509_NAME_TEXT_MAX];
	assert_ok(ccsp_x509_name_to_text(name->p, name->len, buf, sizeof buf));
	assert_string_equal(buf, text);
}

static ccsp_x509_verify_params at(int64_t t, ccsp_x509_purpose purpose)
{
	ccsp_x509_verify_params p = {.time = t, .purpose = purpose, .id = NULL, .idlen = 0};
	return p;
}

/* Verify and expect status st at depth d (CCSP_OK when st is CCSP_X509_VALID). */
static void verdict(const ccsp_x509_cert *leaf, const ccsp_x509_cert *chain, size_t nchain,
                    const ccsp_x509_cert *trust, size_t ntrust, ccsp_x509_verify_params p, ccsp_x509_status st,
                    size_t d)
{
	ccsp_x509_status got = CCSP_X509_VALID;
	size_t depth = 99;
	assert_ccsp(st == CCSP_X509_VALID ? CCSP_OK : CCSP_ERR_AUTH,
	            ccsp_x509_verify(leaf, chain, nchain, trust, ntrust, &p, &got, &depth));
	if (got != st)
		fail_msg("status %s, expected %s", ccsp_x509_status_str(got), ccsp_x509_status_str(st));
	if (st != CCSP_X509_VALID)
		assert_int_equal(depth, d);
}

/* ---- openssl's chain ---- */

static void test_openssl_chain(void **state)
{
	(void)state;
	uint8_t ca_der[2048], leaf_der[2048];
	ccsp_x509_cert ca, leaf;
	size_t ca_len = pem_der(ossl_ca, "CERTIFICATE", ca_der, sizeof ca_der);
	size_t leaf_len = pem_der(ossl_leaf, "CERTIFICATE", leaf_der, sizeof leaf_der);
	assert_ok(ccsp_x509_cert_parse(&ca, ca_der, ca_len));
	assert_ok(ccsp_x509_cert_parse(&leaf, leaf_der, leaf_len));

	assert_int_equal(ca.version, 3);
	assert_hex_equal("0102030405", ca.serial, ca.serial_len);
	name_is(&ca.subject, "C=CN, O=OpenSSL Test, CN=OpenSSL SM2 Root");
	assert_true(ca.has_basic_constraints && ca.is_ca && ca.pathlen == 1);
	assert_true(ca.has_key_usage);
	assert_int_equal(ca.key_usage, CCSP_X509_KU_KEY_CERT_SIGN | CCSP_X509_KU_CRL_SIGN);
	assert_hex_equal("096dab1a35736de19d29b87f044b196ad2fe15ed", ca.ski.p, ca.ski.len);
	assert_int_equal(ca.not_before, OSSL_NOT_BEFORE);
	assert_int_equal(ca.not_after, OSSL_NOT_AFTER); /* GeneralizedTime */

	assert_hex_equal("7fffffffffffffffffffffffffffffffffffffff", leaf.serial, leaf.serial_len);
	name_is(&leaf.issuer, "C=CN, O=OpenSSL Test, CN=OpenSSL SM2 Root");
	name_is(&leaf.subject, "C=CN, ST=Beijing, O=OpenSSL Test, CN=leaf.example");
	assert_true(leaf.issuer.len == ca.subject.len && memcmp(leaf.issuer.p, ca.subject.p, ca.subject.len) == 0);
	assert_true(leaf.has_basic_constraints && !leaf.is_ca && leaf.pathlen == -1);
	assert_int_equal(leaf.key_usage, CCSP_X509_KU_DIGITAL_SIGNATURE | CCSP_X509_KU_KEY_ENCIPHERMENT);
	assert_int_equal(leaf.ext_key_usage, CCSP_X509_EKU_SERVER_AUTH | CCSP_X509_EKU_CLIENT_AUTH);
	assert_hex_equal("87c6a53ef7f5c52affd16353f01cf5b89f0fa2f9", leaf.ski.p, leaf.ski.len);
	assert_hex_equal("096dab1a35736de19d29b87f044b196ad2fe15ed", leaf.aki.p, leaf.aki.len);
	assert_int_equal(leaf.n_dns, 2);
	assert_int_equal(leaf.dns[0].len, 9);
	assert_memory_equal(leaf.dns[0].p, "a.example", 9);
	assert_memory_equal(leaf.dns[1].p, "b.example", 9);
	assert_int_equal(leaf.n_ip, 1);
	assert_hex_equal("0a000001", leaf.ip[0].addr, leaf.ip[0].len);
	assert_hex_equal("047540e54797019b381f3c66456c0b91a83a64c15124f6b2e86bf7ad1a62aca88e732726cbc81e54dc0f842405"
	                 "354383e7e63a58824f680310f8a745d64f625cf2",
	                 leaf.pub, sizeof leaf.pub);

	assert_ok(ccsp_x509_cert_check_signature(&leaf, &ca));
	assert_ok(ccsp_x509_cert_check_signature(&ca, &ca));
	verdict(&leaf, NULL, 0, &ca, 1, at(OSSL_NOT_BEFORE + DAY, CCSP_X509_PURPOSE_SIGN), CCSP_X509_VALID, 0);
	verdict(&leaf, NULL, 0, &ca, 1, at(OSSL_NOT_BEFORE + DAY, CCSP_X509_PURPOSE_ENC), CCSP_X509_VALID, 0);
	/* the signatures are over Z with the default ID: the empty ID does not verify them */
	ccsp_x509_verify_params empty = at(OSSL_NOT_BEFORE + DAY, CCSP_X509_PURPOSE_ANY);
	empty.id = (const uint8_t *)"";
	verdict(&leaf, NULL, 0, &ca, 1, empty, CCSP_X509_BAD_SIGNATURE, 0);
}

static void test_openssl_csr(void **state)
{
	(void)state;
	uint8_t der[1024];
	ccsp_x509_csr csr;
	size_t len = pem_der(ossl_csr, "CERTIFICATE REQUEST", der, sizeof der);
	assert_ok(ccsp_x509_csr_parse(&csr, der, len));
	assert_ok(ccsp_x509_csr_verify(&csr));
	name_is(&csr.subject, "C=CN, ST=Beijing, O=OpenSSL Test, CN=leaf.example");
	assert_int_equal(csr.pub[0], 0x04);
	assert_hex_equal("7540e54797019b381f3c66456c0b91a8", csr.pub + 1, 16);
	/* the label must match */
	size_t got;
	assert_ccsp(CCSP_ERR_NOT_FOUND, ccsp_x509_pem_decode((const uint8_t *)ossl_csr, strlen(ossl_csr), "CERTIFICATE",
	                                                     der, sizeof der, &got, NULL));
}

/* Every prefix and one byte more are refused; no read beyond the buffer (ASan builds). */
static void truncations(const uint8_t *der, size_t len, int csr)
{
	ccsp_x509_cert c;
	ccsp_x509_csr r;
	uint8_t buf[4096];
	for (size_t n = 0; n < len; n++) {
		uint8_t *copy = malloc(n + 1);
		assert_non_null(copy);
		memcpy(copy, der, n);
		ccsp_err e = csr ? ccsp_x509_csr_parse(&r, copy, n) : ccsp_x509_cert_parse(&c, copy, n);
		if (e == CCSP_OK)
			fail_msg("a %zu-byte prefix of a %zu-byte %s parsed", n, len, csr ? "request" : "certificate");
		free(copy);
	}
	memcpy(buf, der, len);
	buf[len] = 0;
	assert_ccsp(CCSP_ERR_DECODE, csr ? ccsp_x509_csr_parse(&r, buf, len + 1) : ccsp_x509_cert_parse(&c, buf, len + 1));
}

static void test_truncations(void **state)
{
	(void)state;
	uint8_t der[2048];
	truncations(der, pem_der(ossl_leaf, "CERTIFICATE", der, sizeof der), 0);
	truncations(der, pem_der(ossl_ca, "CERTIFICATE", der, sizeof der), 0);
	truncations(der, pem_der(ossl_csr, "CERTIFICATE REQUEST", der, sizeof der), 1);
}

/* ---- our certificates ---- */

typedef struct pki {
	ccsp_sm2_key *root_key, *mid_key, *leaf_key;
	uint8_t root_der[2048], mid_der[2048], leaf_der[2048];
	size_t root_len, mid_len, leaf_len;
	ccsp_x509_cert root, mid, leaf;
} pki;

static size_t name(const char *text, uint8_t *out, size_t cap)
{
	size_t len;
	assert_ok(ccsp_x509_name_from_text(text, out, cap, &len));
	return len;
}

static ccsp_sm2_key *new_key(void)
{
	ccsp_sm2_key *k = ccsp_sm2_key_new();
	assert_non_null(k);
	assert_ok(ccsp_sm2_key_generate(k));
	return k;
}

/* issuer NULL: self-signed with key. */
static void make(ccsp_x509_cert_params *p, const char *subj, ccsp_sm2_key *key, const ccsp_x509_cert *issuer,
                 ccsp_sm2_key *issuer_key, uint8_t *der, size_t *len, ccsp_x509_cert *out)
{
	uint8_t n[256];
	p->subject = n;
	p->subject_len = name(subj, n, sizeof n);
	assert_ok(ccsp_x509_cert_write(p, key, issuer, issuer_key, der, 2048, len));
	assert_ok(ccsp_x509_cert_parse(out, der, *len));
}

static const int64_t now = INT64_C(1800000000);

static void make_pki(pki *k, int root_pathlen, unsigned leaf_ku)
{
	k->root_key = new_key();
	k->mid_key = new_key();
	k->leaf_key = new_key();
	ccsp_x509_cert_params rp = {.not_before = now - DAY, .not_after = now + 3650 * DAY, .is_ca = 1,
	                            .pathlen = root_pathlen, .key_usage = CCSP_X509_KU_KEY_CERT_SIGN};
	make(&rp, "/C=CN/O=ccsp/CN=Root", k->root_key, NULL, k->root_key, k->root_der, &k->root_len, &k->root);
	ccsp_x509_cert_params mp = {.not_before = now - DAY, .not_after = now + 365 * DAY, .is_ca = 1, .pathlen = -1,
	                            .key_usage = CCSP_X509_KU_KEY_CERT_SIGN | CCSP_X509_KU_CRL_SIGN};
	make(&mp, "/O=ccsp/CN=Intermediate", k->mid_key, &k->root, k->root_key, k->mid_der, &k->mid_len, &k->mid);
	const char *dns[] = {"vsm1.example", "*.vsm.example"};
	ccsp_x509_ip ip[] = {{.addr = {192, 0, 2, 7}, .len = 4}};
	ccsp_x509_cert_params lp = {.not_before = now - DAY, .not_after = now + 30 * DAY, .pathlen = -1,
	                            .key_usage = leaf_ku, .dns = dns, .n_dns = 2, .ip = ip, .n_ip = 1};
	make(&lp, "/O=ccsp/CN=vsm1", k->leaf_key, &k->mid, k->mid_key, k->leaf_der, &k->leaf_len, &k->leaf);
}

static void free_pki(pki *k)
{
	ccsp_sm2_key_free(k->root_key);
	ccsp_sm2_key_free(k->mid_key);
	ccsp_sm2_key_free(k->leaf_key);
}

/* OpenSSL reads our certificate and verifies its signature with the issuer's key and the default ID. */
static void openssl_verifies(const uint8_t *der, size_t len, const uint8_t *issuer_der, size_t issuer_len)
{
	const unsigned char *p = der, *q = issuer_der;
	X509 *x = d2i_X509(NULL, &p, (long)len), *ix = d2i_X509(NULL, &q, (long)issuer_len);
	assert_non_null(x);
	assert_non_null(ix);
	assert_true(p == der + len);
	EVP_PKEY *pk = X509_get0_pubkey(ix);
	assert_non_null(pk);
	ASN1_OCTET_STRING *id = ASN1_OCTET_STRING_new();
	assert_true(ASN1_OCTET_STRING_set(id, (const unsigned char *)CCSP_SM2_DEFAULT_ID, CCSP_SM2_DEFAULT_ID_LEN));
	X509_set0_distinguishing_id(x, id);
	assert_int_equal(X509_verify(x, pk), 1);
	X509_free(x);
	X509_free(ix);
}

static void test_write_read(void **state)
{
	(void)state;
	pki k;
	make_pki(&k, -1, CCSP_X509_KU_DIGITAL_SIGNATURE);
	assert_int_equal(k.leaf.version, 3);
	assert_int_equal(k.leaf.serial_len, 16);
	name_is(&k.leaf.subject, "O=ccsp, CN=vsm1");
	name_is(&k.leaf.issuer, "O=ccsp, CN=Intermediate");
	assert_int_equal(k.leaf.not_before, now - DAY);
	assert_int_equal(k.leaf.not_after, now + 30 * DAY);
	assert_true(k.root.is_ca && k.root.pathlen == -1 && k.mid.is_ca);
	assert_false(k.leaf.has_basic_constraints);
	assert_int_equal(k.leaf.key_usage, CCSP_X509_KU_DIGITAL_SIGNATURE);
	assert_int_equal(k.leaf.n_dns, 2);
	assert_memory_equal(k.leaf.dns[1].p, "*.vsm.example", 13);
	assert_hex_equal("c0000207", k.leaf.ip[0].addr, k.leaf.ip[0].len);
	/* AKI = the issuer's SKI; a root's AKI is its own SKI */
	assert_true(k.leaf.aki.len == k.mid.ski.len && memcmp(k.leaf.aki.p, k.mid.ski.p, k.mid.ski.len) == 0);
	assert_true(k.root.aki.len == k.root.ski.len && memcmp(k.root.aki.p, k.root.ski.p, k.root.ski.len) == 0);
	uint8_t pub[CCSP_SM2_POINT_SIZE];
	assert_ok(ccsp_sm2_key_get_public(k.leaf_key, pub));
	assert_memory_equal(pub, k.leaf.pub, sizeof pub);

	openssl_verifies(k.root_der, k.root_len, k.root_der, k.root_len);
	openssl_verifies(k.mid_der, k.mid_len, k.root_der, k.root_len);
	openssl_verifies(k.leaf_der, k.leaf_len, k.mid_der, k.mid_len);

	verdict(&k.leaf, &k.mid, 1, &k.root, 1, at(now, CCSP_X509_PURPOSE_SIGN), CCSP_X509_VALID, 0);
	truncations(k.leaf_der, k.leaf_len, 0);
	free_pki(&k);
}

static void test_csr_write(void **state)
{
	(void)state;
	uint8_t n[256], der[1024];
	size_t nlen = name("/CN=req\\/slash/emailAddress=a@example.com", n, sizeof n), len;
	ccsp_sm2_key *key = new_key();
	ccsp_x509_csr csr;
	assert_ok(ccsp_x509_csr_write(n, nlen, key, der, sizeof der, &len));
	assert_ok(ccsp_x509_csr_parse(&csr, der, len));
	assert_ok(ccsp_x509_csr_verify(&csr));
	name_is(&csr.subject, "CN=req/slash, emailAddress=a@example.com");
	const unsigned char *p = der;
	X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)len);
	assert_non_null(req);
	X509_REQ_free(req);
	truncations(der, len, 1);
	/* a changed subject byte: the self-signature no longer verifies */
	der[csr.subject.p - der + csr.subject.len - 1] ^= 1;
	assert_ok(ccsp_x509_csr_parse(&csr, der, len));
	assert_ccsp(CCSP_ERR_SIGNATURE, ccsp_x509_csr_verify(&csr));
	/* a public key alone cannot sign */
	uint8_t point[CCSP_SM2_POINT_SIZE];
	ccsp_sm2_key *pub = ccsp_sm2_key_new();
	assert_ok(ccsp_sm2_key_get_public(key, point));
	assert_ok(ccsp_sm2_key_set_public(pub, point, sizeof point));
	assert_ccsp(CCSP_ERR_KEY, ccsp_x509_csr_write(n, nlen, pub, der, sizeof der, &len));
	ccsp_sm2_key_free(pub);
	ccsp_sm2_key_free(key);
}

static void test_tampered(void **state)
{
	(void)state;
	pki k;
	make_pki(&k, -1, CCSP_X509_KU_DIGITAL_SIGNATURE);
	ccsp_x509_cert t;
	/* a byte of the subject's CN value changed: still a certificate, no longer the CA's signature */
	size_t at_cn = (size_t)(k.leaf.subject.p - k.leaf_der) + k.leaf.subject.len - 1;
	k.leaf_der[at_cn] ^= 0x01;
	assert_ok(ccsp_x509_cert_parse(&t, k.leaf_der, k.leaf_len));
	assert_ccsp(CCSP_ERR_SIGNATURE, ccsp_x509_cert_check_signature(&t, &k.mid));
	verdict(&t, &k.mid, 1, &k.root, 1, at(now, CCSP_X509_PURPOSE_ANY), CCSP_X509_BAD_SIGNATURE, 0);
	k.leaf_der[at_cn] ^= 0x01;
	/* the last byte of s changed */
	k.leaf_der[k.leaf_len - 1] ^= 0x01;
	assert_ok(ccsp_x509_cert_parse(&t, k.leaf_der, k.leaf_len));
	verdict(&t, &k.mid, 1, &k.root, 1, at(now, CCSP_X509_PURPOSE_ANY), CCSP_X509_BAD_SIGNATURE, 0);
	k.leaf_der[k.leaf_len - 1] ^= 0x01;
	/* the intermediate's signature broken: refused one level up */
	k.mid_der[k.mid_len - 1] ^= 0x01;
	assert_ok(ccsp_x509_cert_parse(&t, k.mid_der, k.mid_len));
	verdict(&k.leaf, &t, 1, &k.root, 1, at(now, CCSP_X509_PURPOSE_ANY), CCSP_X509_BAD_SIGNATURE, 1);
	free_pki(&k);
}

static void test_refusals(void **state)
{
	(void)state;
	pki k;
	make_pki(&k, -1, CCSP_X509_KU_KEY_ENCIPHERMENT | CCSP_X509_KU_KEY_AGREEMENT);
	ccsp_x509_cert *leaf = &k.leaf, *mid = &k.mid, *root = &k.root;
	verdict(leaf, mid, 1, root, 1, at(now, CCSP_X509_PURPOSE_ENC), CCSP_X509_VALID, 0);
	verdict(leaf, mid, 1, root, 1, at(now, CCSP_X509_PURPOSE_SIGN), CCSP_X509_WRONG_USAGE, 0);
	verdict(leaf, mid, 1, root, 1, at(now + 31 * DAY, CCSP_X509_PURPOSE_ANY), CCSP_X509_EXPIRED, 0);
	verdict(leaf, mid, 1, root, 1, at(now - 2 * DAY, CCSP_X509_PURPOSE_ANY), CCSP_X509_NOT_YET_VALID, 0);
	verdict(leaf, mid, 1, root, 1, at(now + 366 * DAY, CCSP_X509_PURPOSE_ANY), CCSP_X509_EXPIRED, 0);
	verdict(leaf, mid, 1, NULL, 0, at(now, CCSP_X509_PURPOSE_ANY), CCSP_X509_UNTRUSTED, 1);
	verdict(leaf, NULL, 0, root, 1, at(now, CCSP_X509_PURPOSE_ANY), CCSP_X509_UNTRUSTED, 0);
	verdict(leaf, NULL, 0, mid, 1, at(now, CCSP_X509_PURPOSE_ANY), CCSP_X509_VALID, 0); /* a trusted intermediate */
	verdict(leaf, NULL, 0, leaf, 1, at(now, CCSP_X509_PURPOSE_ANY), CCSP_X509_VALID, 0); /* a trusted leaf */

	/* issued by a non-CA (the leaf's key, with the leaf as "issuer") */
	uint8_t der[2048];
	size_t len;
	ccsp_x509_cert sub;
	ccsp_sm2_key *key = new_key();
	ccsp_x509_cert_params p = {.not_before = now - DAY, .not_after = now + DAY, .pathlen = -1};
	make(&p, "/CN=under a leaf", key, leaf, k.leaf_key, der, &len, &sub);
	verdict(&sub, leaf, 1, root, 1, at(now, CCSP_X509_PURPOSE_ANY), CCSP_X509_ISSUER_NOT_CA, 1);
	verdict(&sub, NULL, 0, leaf, 1, at(now, CCSP_X509_PURPOSE_ANY), CCSP_X509_ISSUER_NOT_CA, 1);
	/* the issuer's key is not the issuer certificate's */
	p.subject = sub.subject.p;
	p.subject_len = sub.subject.len;
	assert_ccsp(CCSP_ERR_KEY, ccsp_x509_cert_write(&p, key, mid, k.root_key, der, sizeof der, &len));
	ccsp_sm2_key_free(key);
	free_pki(&k);

	/* a CA without keyCertSign */
	make_pki(&k, -1, 0);
	key = new_key();
	ccsp_x509_cert nocs;
	uint8_t nocs_der[2048];
	size_t nocs_len;
	ccsp_x509_cert_params cp = {.not_before = now - DAY, .not_after = now + DAY, .is_ca = 1, .pathlen = -1,
	                            .key_usage = CCSP_X509_KU_DIGITAL_SIGNATURE};
	make(&cp, "/CN=CA that may not sign certs", key, NULL, key, nocs_der, &nocs_len, &nocs);
	ccsp_x509_cert_params lp = {.not_before = now - DAY, .not_after = now + DAY, .pathlen = -1};
	make(&lp, "/CN=x", k.leaf_key, &nocs, key, der, &len, &sub);
	verdict(&sub, NULL, 0, &nocs, 1, at(now, CCSP_X509_PURPOSE_ANY), CCSP_X509_ISSUER_NO_CERT_SIGN, 1);
	ccsp_sm2_key_free(key);
	free_pki(&k);

	/* root pathlen 0: no intermediate allowed below it */
	make_pki(&k, 0, CCSP_X509_KU_DIGITAL_SIGNATURE);
	verdict(&k.leaf, &k.mid, 1, &k.root, 1, at(now, CCSP_X509_PURPOSE_ANY), CCSP_X509_PATHLEN, 2);
	verdict(&k.mid, NULL, 0, &k.root, 1, at(now, CCSP_X509_PURPOSE_ANY), CCSP_X509_VALID, 0);
	free_pki(&k);
}

/* An unknown critical extension is refused; unknown non-critical ones are skipped. */
static void test_unknown_critical(void **state)
{
	(void)state;
	pki k;
	make_pki(&k, -1, CCSP_X509_KU_DIGITAL_SIGNATURE);
	static const uint8_t ku_crit[] = {0x06, 0x03, 0x55, 0x1d, 0x0f, 0x01, 0x01, 0xff};
	uint8_t *hit = memmem(k.leaf_der, k.leaf_len, ku_crit, sizeof ku_crit);
	assert_non_null(hit);
	hit[4] = 0x7f; /* 2.5.29.127: no such extension */
	ccsp_x509_cert c;
	assert_ccsp(CCSP_ERR_UNSUPPORTED, ccsp_x509_cert_parse(&c, k.leaf_der, k.leaf_len));
	/* the SKI (not critical) renamed: skipped */
	static const uint8_t ski[] = {0x06, 0x03, 0x55, 0x1d, 0x0e, 0x04};
	hit = memmem(k.mid_der, k.mid_len, ski, sizeof ski);
	assert_non_null(hit);
	hit[4] = 0x7e;
	assert_ok(ccsp_x509_cert_parse(&c, k.mid_der, k.mid_len));
	assert_int_equal(c.ski.len, 0);
	free_pki(&k);
}

static void test_time(void **state)
{
	(void)state;
	static const struct {
		const char *der;
		int64_t t;
	} ok[] = {
		{"170d3530303130313030303030305a", INT64_C(-631152000)},   /* 1950-01-01 UTCTime */
		{"170d3439313233313233353935395a", INT64_C(2524607999)},   /* 2049-12-31T23:59:59 */
		{"180f32303530303130313030303030305a", INT64_C(2524608000)}, /* 2050 GeneralizedTime */
		{"170d3030303232393132303030305a", INT64_C(951825600)},    /* 2000-02-29 (leap) */
		{"180f39393939313233313233353935395a", INT64_C(253402300799)},
	};
	static const char *const bad[] = {
		"170d3031303232393132303030305a",   /* 2001-02-29 */
		"170d3030313333313132303030305a",   /* month 13 */
		"170d3030303130313234303030305a",   /* hour 24 */
		"170b303030313031313230305a",       /* no seconds */
		"170d303030313031313230303030",     /* no Z */
		"1711303030313031313230303030302b30313030", /* offset */
		"1813323030303031303131323030303030302e355a", /* fraction */
		"0c0d3030303130313132303030305a",   /* a UTF8String */
	};
	uint8_t buf[64];
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		ccsp_der_reader r;
		ccsp_der_writer w;
		int64_t t;
		size_t n = hex2bin(ok[i].der, buf, sizeof buf), wn;
		ccsp_der_reader_init(&r, buf, n);
		assert_ok(ccsp_x509_read_time(&r, &t));
		assert_int_equal(t, ok[i].t);
		uint8_t out[32];
		ccsp_der_writer_init(&w, out, sizeof out);
		assert_ok(ccsp_x509_put_time(&w, t));
		assert_ok(ccsp_der_writer_finish(&w, &wn));
		assert_int_equal(wn, n);
		assert_memory_equal(out, buf, n);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ccsp_der_reader r;
		int64_t t;
		size_t n = hex2bin(bad[i], buf, sizeof buf);
		ccsp_der_reader_init(&r, buf, n);
		if (ccsp_x509_read_time(&r, &t) == CCSP_OK)
			fail_msg("time %s accepted", bad[i]);
	}
}

static void test_names(void **state)
{
	(void)state;
	uint8_t der[512];
	size_t len;
	char text[64];
	len = name("/C=CN/ST=Beijing/L=Haidian/O=a\\/b/OU=unit/CN=\xe4\xb8\xad/serialNumber=42/", der, sizeof der);
	ccsp_x509_span s = {.p = der, .len = len};
	name_is(&s, "C=CN, ST=Beijing, L=Haidian, O=a/b, OU=unit, CN=\xe4\xb8\xad, serialNumber=42");
	static const char *const bad[] = {"CN=x", "/", "/CN", "/CN=", "/XX=y", "/C=CHN", "/C=C1x", "/CN=a//O=b",
	                                  "/emailAddress=\xe4", "/CN=\x01"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (ccsp_x509_name_from_text(bad[i], der, sizeof der, &len) != CCSP_ERR_ARG)
			fail_msg("name '%s' accepted", bad[i]);
	/* 65 bytes of CN are too many; 64 are fine */
	char big[80] = "/CN=";
	memset(big + 4, 'a', 65);
	big[69] = '\0';
	assert_ccsp(CCSP_ERR_ARG, ccsp_x509_name_from_text(big, der, sizeof der, &len));
	big[68] = '\0';
	assert_ok(ccsp_x509_name_from_text(big, der, sizeof der, &len));
	/* a short text buffer */
	s.p = der;
	s.len = len;
	assert_ccsp(CCSP_ERR_BUFFER_TOO_SMALL, ccsp_x509_name_to_text(der, len, text, 10));
	assert_ccsp(CCSP_ERR_BUFFER_TOO_SMALL, ccsp_x509_name_from_text("/CN=abc", der, 5, &len));
	assert_int_equal(len, 16);
}

static void test_write_args(void **state)
{
	(void)state;
	uint8_t n[64], der[2048];
	size_t nlen = name("/CN=x", n, sizeof n), len;
	ccsp_sm2_key *key = new_key();
	const char *bad_dns[] = {"a b"};
	ccsp_x509_ip bad_ip[] = {{.len = 5}};
	ccsp_x509_cert_params ok = {.subject = n, .subject_len = nlen, .not_before = now, .not_after = now, .pathlen = -1};
	ccsp_x509_cert_params p = ok;
	p.not_after = now - 1;
	assert_ccsp(CCSP_ERR_ARG, ccsp_x509_cert_write(&p, key, NULL, key, der, sizeof der, &len));
	p = ok;
	p.serial_len = 21;
	p.serial = der;
	assert_ccsp(CCSP_ERR_ARG, ccsp_x509_cert_write(&p, key, NULL, key, der, sizeof der, &len));
	p = ok;
	p.dns = bad_dns;
	p.n_dns = 1;
	assert_ccsp(CCSP_ERR_ARG, ccsp_x509_cert_write(&p, key, NULL, key, der, sizeof der, &len));
	p = ok;
	p.ip = bad_ip;
	p.n_ip = 1;
	assert_ccsp(CCSP_ERR_ARG, ccsp_x509_cert_write(&p, key, NULL, key, der, sizeof der, &len));
	p = ok;
	p.pathlen = 256;
	assert_ccsp(CCSP_ERR_ARG, ccsp_x509_cert_write(&p, key, NULL, key, der, sizeof der, &len));
	/* a fixed serial with its high bit set gets a sign byte; 20 bytes is the most */
	uint8_t serial[20];
	memset(serial, 0xff, sizeof serial);
	p = ok;
	p.serial = serial;
	p.serial_len = sizeof serial;
	ccsp_x509_cert c;
	assert_ok(ccsp_x509_cert_write(&p, key, NULL, key, der, sizeof der, &len));
	assert_ok(ccsp_x509_cert_parse(&c, der, len));
	assert_memory_equal(c.serial, serial, sizeof serial);
	/* too small a buffer: the size needed is an upper bound that then suffices */
	size_t need;
	assert_ccsp(CCSP_ERR_BUFFER_TOO_SMALL, ccsp_x509_cert_write(&ok, key, NULL, key, der, 100, &need));
	assert_ok(ccsp_x509_cert_write(&ok, key, NULL, key, der, need, &len));
	if (need < len || need > len + 4)
		fail_msg("size needed %zu for a %zu-byte certificate", need, len);
	assert_ccsp(CCSP_ERR_BUFFER_TOO_SMALL, ccsp_x509_cert_write(&ok, key, NULL, key, NULL, 0, &need));
	/* a year past 2049 is a GeneralizedTime that OpenSSL reads */
	p = ok;
	p.not_after = INT64_C(4102444800); /* 2100-01-01 */
	assert_ok(ccsp_x509_cert_write(&p, key, NULL, key, der, sizeof der, &len));
	assert_ok(ccsp_x509_cert_parse(&c, der, len));
	assert_int_equal(c.not_after, INT64_C(4102444800));
	openssl_verifies(der, len, der, len);
	ccsp_sm2_key_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openssl_chain),
		cmocka_unit_test(test_openssl_csr),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_write_read),
		cmocka_unit_test(test_csr_write),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_unknown_critical),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_write_args),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
